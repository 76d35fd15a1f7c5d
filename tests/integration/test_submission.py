"""test_submission - local submission end to end in a running instance:
sendmail -> postdrop (setgid, as an unprivileged user when the tests run
as root) -> maildrop/ -> pickup -> cleanup -> incoming/; then the queue
tools on that real message: postern queue -p and -j, super -h/-H/-r/-d,
postern cat.  Also: sendmail exits EX_TEMPFAIL (75) when the queue cannot
be written."""
import json
import os
import pwd
import shutil
import subprocess
import time
import unittest

from instance import BUILD, Instance, built, connect_unix, \
    default_master_cf
from test_postdrop import maildrop, record
from qfile_reader import QueueFile
from qfile_writer import make_id

MASTER_CF = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
rewrite   unix  -       -       n       -       -       trivial-rewrite
showq     unix  n       -       n       -       -       showq
"""
COMMANDS = ("sendmail", "postdrop", "postqueue")


def command(name):
    return os.path.join(BUILD, "commands", name, name)


def usable():
    return all(built(d) for d in ("pickup", "cleanup", "trivial-rewrite",
                                  "showq")) and \
        all(os.access(command(c), os.X_OK) for c in COMMANDS)


def queue_id_for(path):
    """A valid queue ID for the file at path (docs/queue-format.md)."""
    t = time.time()
    return make_id(int(t), int((t - int(t)) * 1e6), os.stat(path).st_ino)


def wait_for(pred, timeout=15.0, what="condition"):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not true after {timeout}s")
        time.sleep(0.05)


@unittest.skipUnless(usable(), "pickup/cleanup/showq/sendmail/postdrop "
                     "not built")
class SubmissionTest(unittest.TestCase):
    def setUp(self):
        self.inst = Instance(name="submit", master_cf=MASTER_CF +
                             default_master_cf(),
                             main_cf={"myorigin": "example.org"})
        self.inst.__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        # Installed layout: real copies, postdrop and postqueue setgid.
        for name in COMMANDS:
            dst = os.path.join(self.inst.command_dir, name)
            shutil.copy(command(name), dst)
            if self.inst.privsep and name != "sendmail":
                shutil.chown(dst, group=self.inst.setgid_group)
                os.chmod(dst, 0o2755)
        self.inst.start()
        self.incoming = os.path.join(self.inst.queue_dir, "incoming")

    def sendmail(self, args, data, user=None):
        env = dict(os.environ, MAIL_CONFIG=self.inst.config_dir)
        kw = {}
        if user is not None:
            pw = pwd.getpwnam(user)
            env["HOME"] = "/"

            def drop():
                os.setgroups([])
                os.setgid(pw.pw_gid)
                os.setuid(pw.pw_uid)
            kw["preexec_fn"] = drop
        return subprocess.run(
            [os.path.join(self.inst.command_dir, "sendmail")] + args,
            input=data, env=env, capture_output=True, timeout=60, **kw)

    def queued(self, count=1):
        def complete(name):
            try:
                st = os.stat(os.path.join(self.incoming, name))
            except FileNotFoundError:
                return False
            return st.st_mode & 0o100 != 0  # the completion mark

        def files():
            names = [n for n in os.listdir(self.incoming)
                     if not n.startswith("tmp") and complete(n)]
            return names if len(names) >= count else None
        return wait_for(files, what=f"{count} complete file(s) in incoming/")

    def test_extract_to_cc_bcc(self):
        msg = (b"From: someone@example.org\nTo: a@example.com\n"
               b"Cc: b@example.com, c@example.com\nBcc: d@example.com\n"
               b"Subject: t\n\nhello\n.\nafter the dot\n")
        # As the invoking user: postdrop refuses a non-default MAIL_CONFIG
        # to other users (test_postdrop covers the setgid path as nobody).
        r = self.sendmail(["-t", "-i"], msg)
        self.assertEqual(r.returncode, 0, r.stderr)
        names = self.queued()
        self.assertEqual(len(names), 1, names)
        # pickup removes the maildrop file once cleanup has answered,
        # which is after the queue file is marked complete and synced.
        drop = os.path.join(self.inst.queue_dir, "maildrop")
        wait_for(lambda: os.listdir(drop) == [] or None,
                 what="an empty maildrop/")
        qf = QueueFile(os.path.join(self.incoming, names[0]))
        self.assertTrue(qf.complete())
        self.assertEqual(sorted(qf.rcpts),
                         ["a@example.com", "b@example.com", "c@example.com",
                          "d@example.com"])
        self.assertEqual(qf.header("Bcc"), [])
        self.assertEqual(len(qf.header("To")), 1)
        self.assertIn("after the dot", qf.lines)  # -i: "." is data
        login = pwd.getpwuid(os.getuid()).pw_name
        self.assertEqual(qf.sender, f"{login}@example.org")
        self.inst.wait_log(rf"{names[0]}: uid={os.getuid()} from=<{login}>")

    def test_queue_tools_on_a_real_message(self):
        r = self.sendmail(["-f", "s@example.org", "r1@example.com",
                           "r2@example.com"], b"Subject: tools\n\nbody\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        qid = self.queued()[0]
        p = self.inst.postern("queue", "-p")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(qid, p.stdout)
        self.assertIn("r1@example.com", p.stdout)
        j = self.inst.postern("queue", "-j")
        objs = [json.loads(line) for line in j.stdout.splitlines()]
        self.assertEqual([o["queue_id"] for o in objs], [qid])
        self.assertEqual(objs[0]["sender"], "s@example.org")
        self.assertEqual(sorted(x["address"] for x in objs[0]["recipients"]),
                         ["r1@example.com", "r2@example.com"])
        c = self.inst.postern("cat", "-q", qid)
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertIn("Subject: tools", c.stdout)
        self.assertIn("r2@example.com", c.stdout)
        h = self.inst.postern("super", "-h", qid)
        self.assertEqual(h.returncode, 0, h.stderr)
        self.assertIn(qid + "!", self.inst.postern("queue", "-p").stdout)
        h = self.inst.postern("super", "-H", qid)
        self.assertEqual(h.returncode, 0, h.stderr)
        self.assertTrue(os.path.exists(os.path.join(
            self.inst.queue_dir, "deferred")))
        rq = self.inst.postern("super", "-r", qid)
        self.assertEqual(rq.returncode, 0, rq.stderr)
        new = self.queued()
        self.assertNotIn(qid, new)
        d = self.inst.postern("super", "-d", "ALL")
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertEqual(self.inst.postern("queue", "-p").stdout,
                         "Mail queue is empty\n")

    def plant(self, data, mode=0o744, age=0):
        """A file in maildrop/ as a user could leave it there; its ID."""
        maildrop = os.path.join(self.inst.queue_dir, "maildrop")
        tmp = os.path.join(maildrop, "plant.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        qid = queue_id_for(tmp)
        path = os.path.join(maildrop, qid)
        os.rename(tmp, path)
        os.chmod(path, mode)
        if age:
            t = time.time() - age
            os.utime(path, (t, t))
        return qid, path

    def wake_pickup(self):
        sock = os.path.join(self.inst.queue_dir, "public", "pickup")
        wait_for(lambda: os.path.exists(sock), what=sock)
        s = connect_unix(sock)
        s.sendall(b"W")
        s.close()

    def test_pickup_refuses_forged_records(self):
        forged = {
            "time": maildrop(extra=[("T", "1 0")]),
            "done": maildrop(extra=[("D", "x@example.com")]),
            "orig": maildrop(extra=[("O", "x@example.com")]),
            "attr": maildrop(attrs=[("rewrite_context", "remote")]),
            "size": record("C", "0 0 0") + maildrop(),
        }
        planted = {k: self.plant(v) for k, v in forged.items()}
        self.wake_pickup()
        corrupt = os.path.join(self.inst.queue_dir, "corrupt")
        for what, (qid, path) in planted.items():
            wait_for(lambda: os.path.exists(os.path.join(corrupt, qid)),
                     what=f"{what}: {qid} in corrupt/")
            self.assertFalse(os.path.exists(path), what)
            self.inst.wait_log(rf"{qid}: saved to corrupt queue: .*uid=")
        self.assertEqual(os.listdir(self.incoming), [])

    def test_pickup_valid_and_stale_files(self):
        good, _ = self.plant(maildrop(sender="u@example.org"))
        young, ypath = self.plant(maildrop(), mode=0o600)
        stale, spath = self.plant(maildrop(), mode=0o600, age=7200)
        self.wake_pickup()
        self.queued()
        self.inst.wait_log(rf"maildrop/{stale}: .*incomplete file")
        self.assertTrue(os.path.exists(ypath), "young incomplete file taken")
        link = os.path.join(self.inst.queue_dir, "maildrop",
                            queue_id_for(ypath)[:-1] + "B")
        os.symlink("/etc/passwd", link)
        self.wake_pickup()
        wait_for(lambda: not os.path.lexists(link), what="symlink removed")
        self.inst.wait_log(r"not a regular file: removed")
        self.assertFalse(os.path.exists(spath), "stale file left")

    def test_tempfail_when_queue_unwritable(self):
        maildrop = os.path.join(self.inst.queue_dir, "maildrop")
        os.rename(maildrop, maildrop + ".gone")
        self.addCleanup(os.rename, maildrop + ".gone", maildrop)
        r = self.sendmail(["x@example.com"], b"Subject: x\n\nbody\n")
        self.assertEqual(r.returncode, 75, r.stderr)
        self.assertTrue(r.stderr.strip(), "no message on stderr")


if __name__ == "__main__":
    unittest.main()
