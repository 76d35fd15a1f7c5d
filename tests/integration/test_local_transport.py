"""test_local_transport - local(8)'s mailbox_transport and
fallback_transport: the recipient is handed to another delivery agent
(deliver_pass: here lmtp, to a scripted LMTP server on a UNIX socket),
which records and logs the outcome; local answers with its result."""
import fcntl
import os
import unittest

from qfile_reader import QueueFile

import test_local
from test_local import U1, U2
from test_smtp import Sink

LMTP_CF = "lmtp      unix  -       -       n       -       -       lmtp\n"


class TransportBase(test_local.LocalBase):
    MASTER_EXTRA = LMTP_CF

    def setUp(self):
        if not test_local.built("lmtp"):
            self.skipTest("lmtp not built")
        self.path = os.path.join("/tmp", "pl-lmtp-%d.sock" % os.getpid())
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.sink = Sink(lmtp=True, path=self.path)
        self.addCleanup(os.unlink, self.path)
        self.addCleanup(self.sink.close)
        self.MAIN_CF = {k: v.replace("PATH", self.path)
                        for k, v in self.MAIN_CF.items()}
        super().setUp()

    def got(self):
        """(recipients, content) of each message the LMTP server took."""
        return [(r, m.replace(b"\r\n", b"\n")) for r, m in self.sink.messages]


class MailboxTransportTest(TransportBase):
    MAIN_CF = {"mailbox_transport": "lmtp:unix:PATH"}

    def test_user_via_lmtp(self):
        reply, qid = self.send([U1 + "@test.example"])
        self.assertEqual(reply["results"], "S", reply)
        (rcpts, data), = self.got()
        self.assertEqual(rcpts, [U1 + "@test.example"])
        self.assertIn(b"Subject: test\n", data)
        self.assertIn(b"\nFrom the start\n", data)  # no mbox quoting
        self.assertFalse(os.path.exists(os.path.join(self.spool, U1)))
        self.inst.wait_log(r"postern/lmtp\[\d+\]: %s: to=<%s@test.example>, "
                           r"relay=%s, .*status=sent" % (qid, U1, self.path),
                           timeout=10)

    def test_alias_to_users_via_lmtp(self):
        reply, qid = self.send(["list@test.example"])
        self.assertEqual(reply["results"], "S", reply)
        self.assertEqual(sorted(r for rs, _ in self.got() for r in rs),
                         sorted([U1 + "@test.example", U2 + "@test.example"]))
        self.inst.wait_log(r"%s: to=<%s@test.example>, "
                           r"orig_to=<list@test.example>, relay=%s, .*"
                           r"status=sent" % (qid, U2, self.path), timeout=10)

    def test_rejected_by_lmtp_bounces(self):
        self.addCleanup(test_local.del_user, "lfail" + U1[2:])
        test_local.add_user("lfail" + U1[2:], os.path.join(
            self.inst.root, "home", "lfail"))
        reply, _ = self.send(["lfail%s@test.example" % U1[2:]])
        self.assertEqual(reply["results"], "B", reply)
        b = self.bounce.entries("bounce")
        self.assertEqual(len(b), 1, b)
        self.assertEqual(b[0]["dsn_status"], "5.1.1")


class MailboxTransportDownTest(TransportBase):
    MAIN_CF = {"mailbox_transport": "nosuch:whatever"}

    def test_unavailable_defers(self):
        reply, _ = self.send([U1 + "@test.example"])
        self.assertEqual(reply["results"], "D", reply)
        d = self.bounce.entries("defer")[0]
        self.assertEqual(d["dsn_status"], "4.3.0")
        self.assertIn("mail transport unavailable", d["reason"])
        self.assertEqual(self.got(), [])


class FallbackTransportTest(TransportBase):
    MAIN_CF = {"fallback_transport": "lmtp:unix:PATH"}

    def test_unknown_user_via_lmtp(self):
        reply, _ = self.send([U1 + "@test.example", "nosuch@test.example"])
        self.assertEqual(reply["results"], "SS", reply)
        (rcpts, _), = self.got()
        self.assertEqual(rcpts, ["nosuch@test.example"])
        self.assertTrue(os.path.exists(os.path.join(self.spool, U1)))
        self.assertEqual(self.bounce.entries("bounce"), [])


class MixedExpansionTest(TransportBase):
    """An alias to a user behind mailbox_transport (U1: lmtp) and a user
    whose mbox is locked (U2: deferred).  The lmtp agent must not mark
    the alias done nor write its entry (DEL_FLAG_NO_RECORD): local
    records one deferral, and a retry delivers U2.  U1 gets a second
    copy on the retry (no duplicate filter across attempts, as Postfix)."""
    MAIN_CF = {"mailbox_transport_maps": "texthash:MAPS"}

    def setUp(self):
        self.maps = os.path.join("/tmp", "pl-mtm-%d" % os.getpid())
        with open(self.maps, "w") as f:
            f.write("%s lmtp:unix:PATH\n" % U1)
        self.addCleanup(os.unlink, self.maps)
        self.MAIN_CF = {k: v.replace("MAPS", self.maps)
                        for k, v in self.MAIN_CF.items()}
        super().setUp()

    def write_tables(self):
        with open(self.maps) as f:
            text = f.read().replace("PATH", self.path)
        with open(self.maps, "w") as f:
            f.write(text)
        super().write_tables()
        with open(os.path.join(self.inst.config_dir, "aliases"), "a") as f:
            f.write("mixed %s, %s\n" % (U1, U2))

    def test_defer_is_not_lost(self):
        path = os.path.join(self.spool, U2)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.fchown(fd, self.pw[U2].pw_uid, self.pw[U2].pw_gid)
        fcntl.lockf(fd, fcntl.LOCK_EX)
        try:
            reply, qid = self.send(["mixed@test.example"])
        finally:
            os.close(fd)
        self.assertEqual(reply["results"], "D", reply)
        (rcpts, _), = self.got()
        self.assertEqual(rcpts, [U1 + "@test.example"])
        defers = self.bounce.entries("defer")
        self.assertEqual([d["address"] for d in defers],
                         ["mixed@test.example"])
        self.assertEqual(self.bounce.entries("bounce"), [])
        self.assertEqual(self.bounce.entries("trace"), [])
        qf_path = os.path.join(self.inst.queue_dir, "active", qid)
        qf = QueueFile(qf_path)
        self.assertFalse(qf.rcpt_records[0]["done"], qf.rcpt_records)
        self.assertEqual(os.path.getsize(path), 0)
        # The next attempt (qmgr's retry) delivers U2; U1 gets it again.
        reply = test_local.deliver(self.sock, qf, qf.rcpt_records)
        self.assertEqual(reply["results"], "S", reply)
        self.assertEqual(self.mbox_rest(self.read(path)),
                         self.want("mixed@test.example"))
        self.assertTrue(QueueFile(qf_path).rcpt_records[0]["done"])
        self.assertEqual(len(self.got()), 2)


if __name__ == "__main__":
    unittest.main()
