"""test_virtual - the virtual(8) delivery agent in a real instance:
requests sent as qmgr would (deliver_client.py), bounce/defer/trace
played by FakeBounce, mailboxes of two domains owned by distinct uids."""
import os
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
virtual   unix  -       n       n       -       -       virtual
postlog   unix-dgram n  -       n       -       1       postlogd
"""

UID_ONE, UID_TWO = 5101, 5102
SENDER = "sender@example.com"
BODY = ("From the start", ">From quoted", "end")


class VirtualTest(unittest.TestCase):
    def setUp(self):
        if Instance is None:
            self.skipTest("harness not there")
        if not built("virtual") or not built("master"):
            self.skipTest("virtual or master not built")
        if os.geteuid() != 0:
            self.skipTest("virtual delivery needs root")
        self.inst = Instance(name="virtual", master_cf=MASTER_CF)
        self.inst.__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        self.base = os.path.join(self.inst.root, "vmail")
        self.configure()
        self.inst.start()
        self.bounce = FakeBounce(self.inst.queue_dir)
        self.addCleanup(self.bounce.close)
        self.sock = os.path.join(self.inst.queue_dir, "private", "virtual")

    def configure(self):
        for d, uid in (("one.example", UID_ONE), ("two.example", UID_TWO)):
            os.makedirs(os.path.join(self.base, d))
            os.chown(os.path.join(self.base, d), uid, uid)
        cf = os.path.join(self.inst.config_dir, "main.cf")
        with open(cf, "a") as f:
            f.write(
                "virtual_mailbox_domains = one.example, two.example\n"
                "virtual_mailbox_base = %s\n"
                "virtual_mailbox_maps = inline:{ a@one.example=one.example/a/,"
                " b@two.example=two.example/b }\n"
                "virtual_uid_maps = inline:{ @one.example=%d,"
                " @two.example=%d }\n"
                "virtual_gid_maps = inline:{ @one.example=%d,"
                " @two.example=%d }\n"
                "recipient_delimiter = +\n"
                "deliver_lock_attempts = 2\n"
                % (self.base, UID_ONE, UID_TWO, UID_ONE, UID_TWO))

    def send(self, rcpts):
        qid, path = write_queue_file(self.inst.queue_dir, "active",
                                     sender=SENDER, rcpts=rcpts, body=BODY)
        qf = QueueFile(path)
        return deliver(self.sock, qf, qf.rcpt_records), qid

    def test_two_domains(self):
        reply, qid = self.send(["a@one.example", "b+x@two.example"])
        self.assertEqual(reply["status"], 0, reply)
        self.assertEqual(reply["results"], "SS")
        new = os.path.join(self.base, "one.example", "a", "new")
        names = os.listdir(new)
        self.assertEqual(len(names), 1)
        maildir_file = os.path.join(new, names[0])
        with open(maildir_file, "rb") as f:
            self.assertEqual(f.read(), (
                "Return-Path: <%s>\nX-Original-To: a@one.example\n"
                "Delivered-To: a@one.example\nSubject: test\n\n"
                "From the start\n>From quoted\nend\n" % SENDER).encode())
        st = os.stat(maildir_file)
        self.assertEqual((st.st_uid, st.st_gid), (UID_ONE, UID_ONE))
        self.assertEqual(os.stat(new).st_uid, UID_ONE)
        mbox = os.path.join(self.base, "two.example", "b")
        with open(mbox, "rb") as f:
            data = f.read()
        first, _, rest = data.partition(b"\n")
        self.assertRegex(first.decode(), r"^From %s  \w{3} \w{3} [ \d]\d "
                         r"\d\d:\d\d:\d\d \d{4}$" % SENDER)
        self.assertEqual(rest, (
            "Return-Path: <%s>\nX-Original-To: b+x@two.example\n"
            "Delivered-To: b+x@two.example\nSubject: test\n\n"
            ">From the start\n>>From quoted\nend\n\n" % SENDER).encode())
        self.assertEqual(os.stat(mbox).st_uid, UID_TWO)
        # new/ was synced through the group commit, whose state file
        # virtual (root) made before it switched to the recipient.
        st = os.stat(os.path.join(self.inst.queue_dir, "private",
                                  "mailbox.sync"))
        self.assertEqual((st.st_uid, st.st_mode & 0o7777), (0, 0o600))
        self.inst.wait_log(r"%s: to=<b\+x@two.example>, relay=virtual, .*"
                           r"dsn=2.0.0, status=sent \(delivered to mailbox\)"
                           % qid, timeout=10)

    def test_unknown_user(self):
        reply, qid = self.send(["nobody@one.example"])
        self.assertEqual(reply["status"], 0, reply)
        self.assertEqual(reply["results"], "B")
        entries = self.bounce.entries("bounce")
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0]["dsn_status"], "5.1.1")
        self.assertIn('unknown user: "nobody@one.example"',
                      entries[0]["reason"])

    def test_symlink_refused(self):
        target = os.path.join(self.inst.root, "target")
        with open(target, "w") as f:
            f.write("precious\n")
        os.symlink(target, os.path.join(self.base, "two.example", "b"))
        reply, qid = self.send(["b@two.example"])
        self.assertEqual(reply["results"], "D")
        entries = self.bounce.entries("defer")
        self.assertEqual(entries[0]["dsn_status"], "4.2.0")
        self.assertIn("symbolic link", entries[0]["reason"])
        with open(target) as f:
            self.assertEqual(f.read(), "precious\n")


if __name__ == "__main__":
    unittest.main()
