"""test_local - the local(8) delivery agent in a real instance: requests
sent as qmgr would (deliver_client.py), bounce/defer/trace played by
FakeBounce, users created for the test (useradd, homes under the test
folder, removed afterwards)."""
import fcntl
import glob
import mailbox
import os
import pwd
import subprocess
import time
import unittest

from qfile_reader import QueueFile

try:
    from instance import Instance, built
    from qfile_writer import write_queue_file
    from deliver_client import deliver, FakeBounce
except ImportError:  # the harness is not there yet
    Instance = None

MASTER_CF = """\
local     unix  -       n       n       -       -       local
cleanup   unix  n       -       n       -       0       cleanup
rewrite   unix  -       -       n       -       -       trivial-rewrite
postlog   unix-dgram n  -       n       -       1       postlogd
"""

SENDER = "sender@example.com"
BODY = ("From the start", ">From quoted", "end")
TAG = "pl%d" % (os.getpid() % 100000)
U1, U2, U3 = TAG + "a", TAG + "b", TAG + "c"


def add_user(name, home):
    subprocess.run(["useradd", "-M", "-d", home, "-s", "/bin/sh", name],
                   check=True, capture_output=True, timeout=60)
    pw = pwd.getpwnam(name)
    os.makedirs(home)
    os.chown(home, pw.pw_uid, pw.pw_gid)
    return pw


def del_user(name):
    subprocess.run(["userdel", name], capture_output=True, timeout=60)


class LocalBase(unittest.TestCase):
    MAIN_CF = {}
    MASTER_EXTRA = ""  # more master.cf lines

    def setUp(self):
        if Instance is None:
            self.skipTest("harness not there")
        for prog in ("local", "master", "cleanup", "trivial-rewrite"):
            if not built(prog):
                self.skipTest(prog + " not built")
        if os.geteuid() != 0:
            self.skipTest("local delivery needs root")
        self.inst = Instance(name="local",
                             master_cf=MASTER_CF + self.MASTER_EXTRA)
        self.inst.__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        root = self.inst.root
        self.spool = os.path.join(root, "spool")
        self.out = os.path.join(root, "out")
        os.makedirs(self.spool)
        os.makedirs(self.out)
        os.chmod(self.out, 0o1777)
        self.pw = {}
        for name in (U1, U2, U3):
            self.addCleanup(del_user, name)
            self.pw[name] = add_user(name, os.path.join(root, "home", name))
        self.write_tables()
        self.inst.start()
        self.bounce = FakeBounce(self.inst.queue_dir)
        self.addCleanup(self.bounce.close)
        self.sock = os.path.join(self.inst.queue_dir, "private", "local")

    def write_tables(self):
        etc = self.inst.config_dir
        inc = os.path.join(etc, "inc.list")
        with open(inc, "w") as f:
            f.write("# the include list\n%s\n" % U2)
        aliases = os.path.join(etc, "aliases")
        with open(aliases, "w") as f:
            f.write("list %s, %s\n" % (U1, U2))
            f.write("inc :include:%s\n" % inc)
            f.write('cmd "|cat > %s/cmd.out; echo $RECIPIENT > %s/env.out"\n'
                    % (self.out, self.out))
            f.write('tempfail "|exit 75"\n')
            f.write('fail "|echo nope; exit 3"\n')
            f.write("file %s/file.mbox\n" % self.out)
            f.write("remote someone@remote.example, %s\n" % U1)
            f.write("owner-remote %s\n" % U3)
        conf = {
            "alias_maps": "texthash:" + aliases,
            "mydestination": "test.example, localhost",
            "mail_spool_directory": self.spool,
            "recipient_delimiter": "+",
            "deliver_lock_attempts": "1",
            "deliver_lock_delay": "1s",
        }
        conf.update(self.MAIN_CF)
        with open(os.path.join(etc, "main.cf"), "a") as f:
            for k, v in conf.items():
                f.write("%s = %s\n" % (k, v))

    def send(self, rcpts, header=("Subject: test",)):
        qid, path = write_queue_file(self.inst.queue_dir, "active",
                                     sender=SENDER, rcpts=rcpts,
                                     header=header, body=BODY)
        qf = QueueFile(path)
        return deliver(self.sock, qf, qf.rcpt_records), qid

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def mbox_rest(self, data):
        """The mbox's bytes after checking and removing the From_ line."""
        first, _, rest = data.partition(b"\n")
        self.assertRegex(first.decode(), r"^From %s  \w{3} \w{3} [ \d]\d "
                         r"\d\d:\d\d:\d\d \d{4}$" % SENDER)
        return rest

    def want(self, rcpt, orig=None, quote=True):
        body = (">From the start\n>>From quoted\nend\n\n" if quote
                else "From the start\n>From quoted\nend\n")
        return ("Return-Path: <%s>\nX-Original-To: %s\nDelivered-To: %s\n"
                "Subject: test\n\n%s" % (SENDER, orig or rcpt, rcpt,
                                         body)).encode()


class LocalMboxTest(LocalBase):
    def test_user_mbox(self):
        reply, qid = self.send([U1 + "@test.example"])
        self.assertEqual(reply["results"], "S", reply)
        path = os.path.join(self.spool, U1)
        self.assertEqual(self.mbox_rest(self.read(path)),
                         self.want(U1 + "@test.example"))
        st = os.stat(path)
        self.assertEqual((st.st_uid, st.st_mode & 0o777),
                         (self.pw[U1].pw_uid, 0o600))
        self.inst.wait_log(r"%s: to=<%s@test.example>, relay=local, .*"
                           r"status=sent \(delivered to mailbox\)"
                           % (qid, U1), timeout=10)

    def test_reader_mbox(self):
        """Python's mailbox module, an independent reader, sees both."""
        for _ in range(2):
            reply, _ = self.send([U1 + "@test.example"])
            self.assertEqual(reply["results"], "S", reply)
        box = mailbox.mbox(os.path.join(self.spool, U1), create=False)
        msgs = list(box)
        self.assertEqual(len(msgs), 2)
        for m in msgs:
            self.assertEqual(m["Subject"], "test")
            self.assertEqual(m.get_from().split()[0], SENDER)
            self.assertEqual(m.get_payload(),
                             ">From the start\n>>From quoted\nend\n")

    def test_extension(self):
        reply, _ = self.send([U1 + "+foo@test.example"])
        self.assertEqual(reply["results"], "S", reply)
        self.assertEqual(self.mbox_rest(self.read(
            os.path.join(self.spool, U1))), self.want(U1 + "+foo@test.example"))

    def test_alias_list_and_include(self):
        reply, _ = self.send(["list@test.example", "inc@test.example"])
        self.assertEqual(reply["results"], "SS", reply)
        self.assertIn(b"Delivered-To: list@test.example",
                      self.read(os.path.join(self.spool, U1)))
        data = self.read(os.path.join(self.spool, U2))
        self.assertEqual(data.count(b"\nFrom " + SENDER.encode()), 1)
        self.assertIn(b"Delivered-To: inc@test.example", data)

    def test_alias_destination_log_lines(self):
        """Each user an alias reaches gets its own line, orig_to=<alias>."""
        reply, qid = self.send(["list@test.example"])
        self.assertEqual(reply["results"], "S", reply)
        for u in (U1, U2):
            self.inst.wait_log(r"%s: to=<%s@test.example>, "
                               r"orig_to=<list@test.example>, relay=local, "
                               r".*dsn=2\.0\.0, status=sent \(delivered to "
                               r"mailbox\)" % (qid, u), timeout=10)

    def test_command(self):
        reply, _ = self.send(["cmd@test.example"])
        self.assertEqual(reply["results"], "S", reply)
        out = self.read(os.path.join(self.out, "cmd.out"))
        self.assertEqual(self.mbox_rest(out),
                         self.want("cmd@test.example", quote=False))
        st = os.stat(os.path.join(self.out, "cmd.out"))
        self.assertEqual(st.st_uid, pwd.getpwnam("nobody").pw_uid)
        self.assertEqual(self.read(os.path.join(self.out, "env.out")),
                         b"cmd@test.example\n")

    def test_command_failures(self):
        reply, _ = self.send(["tempfail@test.example"])
        self.assertEqual(reply["results"], "D", reply)
        reply, _ = self.send(["fail@test.example"])
        self.assertEqual(reply["results"], "B", reply)
        b = self.bounce.entries("bounce")[0]
        self.assertEqual(b["dsn_status"], "5.3.0")
        self.assertIn("status 3", b["reason"])
        self.assertIn("nope", b["reason"])

    def test_file(self):
        reply, _ = self.send(["file@test.example"])
        self.assertEqual(reply["results"], "S", reply)
        path = os.path.join(self.out, "file.mbox")
        self.assertEqual(self.mbox_rest(self.read(path)),
                         self.want("file@test.example"))
        self.assertEqual(os.stat(path).st_uid, pwd.getpwnam("nobody").pw_uid)

    def test_forward_file(self):
        home = self.pw[U3].pw_dir
        fwd = os.path.join(home, ".forward")
        with open(fwd, "w") as f:
            f.write("%s, \\%s\n" % (U1, U3))
        os.chown(fwd, self.pw[U3].pw_uid, self.pw[U3].pw_gid)
        reply, _ = self.send([U3 + "@test.example"])
        self.assertEqual(reply["results"], "S", reply)
        for u in (U1, U3):
            self.assertEqual(self.mbox_rest(self.read(
                os.path.join(self.spool, u))), self.want(U3 + "@test.example"))

    def test_forward_remote(self):
        reply, _ = self.send(["remote@test.example"])
        self.assertEqual(reply["results"], "S", reply)
        self.assertTrue(os.path.exists(os.path.join(self.spool, U1)))
        self.inst.wait_log(r"queued in incoming: "
                           r"from=<owner-remote@test.example>, nrcpt=1",
                           timeout=10)
        files = glob.glob(os.path.join(self.inst.queue_dir, "incoming",
                                       "**", "*"), recursive=True)
        files = [f for f in files if os.path.isfile(f)]
        self.assertEqual(len(files), 1, files)
        qf = QueueFile(files[0])
        self.assertEqual(qf.sender, "owner-remote@test.example")
        self.assertEqual(qf.rcpts, ["someone@remote.example"])
        self.assertIn(b"Delivered-To: remote@test.example",
                      b"\n".join(l if isinstance(l, bytes) else l.encode()
                                 for l in qf.lines))

    def test_unknown_user(self):
        reply, _ = self.send(["nosuch@test.example"])
        self.assertEqual(reply["results"], "B", reply)
        b = self.bounce.entries("bounce")[0]
        self.assertEqual(b["dsn_status"], "5.1.1")
        self.assertIn('unknown user: "nosuch"', b["reason"])

    def test_delivered_to_loop(self):
        reply, _ = self.send([U1 + "@test.example"], header=(
            "Delivered-To: %s@test.example" % U1, "Subject: test"))
        self.assertEqual(reply["results"], "B", reply)
        b = self.bounce.entries("bounce")[0]
        self.assertEqual(b["dsn_status"], "5.4.6")
        self.assertIn("mail forwarding loop", b["reason"])
        self.assertFalse(os.path.exists(os.path.join(self.spool, U1)))

    def test_locked_then_delivered(self):
        path = os.path.join(self.spool, U1)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.fchown(fd, self.pw[U1].pw_uid, self.pw[U1].pw_gid)
        fcntl.lockf(fd, fcntl.LOCK_EX)
        try:
            reply, _ = self.send([U1 + "@test.example"])
            self.assertEqual(reply["results"], "D", reply)
            self.assertEqual(self.bounce.entries("defer")[0]["dsn_status"],
                             "4.2.0")
            self.assertEqual(os.path.getsize(path), 0)
        finally:
            os.close(fd)
        reply, _ = self.send([U1 + "@test.example"])
        self.assertEqual(reply["results"], "S", reply)
        self.assertEqual(self.mbox_rest(self.read(path)),
                         self.want(U1 + "@test.example"))

    def test_symlink_refused(self):
        target = os.path.join(self.inst.root, "target")
        with open(target, "w") as f:
            f.write("precious\n")
        os.symlink(target, os.path.join(self.spool, U2))
        reply, _ = self.send([U2 + "@test.example"])
        self.assertEqual(reply["results"], "D", reply)
        d = self.bounce.entries("defer")[0]
        self.assertIn("symbolic link", d["reason"])
        self.assertEqual(self.read(target), b"precious\n")


class LocalMaildirTest(LocalBase):
    MAIN_CF = {"home_mailbox": "Maildir/"}

    def test_home_maildir(self):
        reply, _ = self.send([U2 + "@test.example"])
        self.assertEqual(reply["results"], "S", reply)
        new = os.path.join(self.pw[U2].pw_dir, "Maildir", "new")
        names = os.listdir(new)
        self.assertEqual(len(names), 1)
        path = os.path.join(new, names[0])
        self.assertEqual(self.read(path),
                         self.want(U2 + "@test.example", quote=False))
        for p in (path, new, os.path.dirname(new)):
            self.assertEqual(os.stat(p).st_uid, self.pw[U2].pw_uid)
        box = mailbox.Maildir(os.path.dirname(new), create=False)
        msgs = list(box)
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0]["Delivered-To"], U2 + "@test.example")


if __name__ == "__main__":
    unittest.main()
