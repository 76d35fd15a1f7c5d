"""test_cleanup - cleanup(8) in a running instance: master starts cleanup
and trivial-rewrite from master.cf; a client of the cleanup protocol
(cleanup_client.py) submits messages and the queue files are read back
from disk (qfile_reader.py): headers added, Return-Path removed, -t
extraction, message_size_limit, header_checks REJECT/HOLD/DISCARD, and a
cleanup killed before its commit leaves no complete file."""
import os
import signal
import time
import unittest

try:
    from instance import (REPO, Instance, built, connect_unix,
                          default_master_cf, encode_attrs)
    from cleanup_client import CleanupClient, read_reply, submit, \
        FLAG_FILTER, FLAG_MAP, FLAG_EXTRACT, STAT_SIZE, STAT_CONT
    from qfile_reader import QueueFile
except ImportError:  # the harness is not there yet
    Instance = None

MASTER_CF = """\
cleanup   unix  n       -       n       -       0       cleanup
rewrite   unix  -       -       n       -       -       trivial-rewrite
"""
CHECKS = """\
/^Subject: reject me/ REJECT 5.7.1 go away
/^Subject: hold me/ HOLD held for review
/^Subject: discard me/ DISCARD
"""
IMPORT_ENV = ("MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ XAUTHORITY DISPLAY "
              "LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME")


def wait_for(pred, timeout=10.0, what="condition"):
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not true after {timeout}s")
        time.sleep(0.05)


def usable():
    return Instance is not None and built("cleanup") and \
        built("trivial-rewrite")


class CleanupBase(unittest.TestCase):
    main_cf = {}

    def start(self, main_cf=None):
        if not usable():
            self.skipTest("harness or cleanup/trivial-rewrite not built")
        self.inst = Instance(name="cleanup", main_cf=main_cf,
                             master_cf=MASTER_CF + default_master_cf())
        self.inst.__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        self.sock = os.path.join(self.inst.queue_dir, "public", "cleanup")

    def queue_file(self, queue, qid):
        return QueueFile(os.path.join(self.inst.queue_dir, queue, qid))

    def incoming(self):
        d = os.path.join(self.inst.queue_dir, "incoming")
        return sorted(os.listdir(d))


class CleanupTest(CleanupBase):
    def setUp(self):
        checks_path = None
        if usable():
            import tempfile
            fd, checks_path = tempfile.mkstemp(suffix=".regexp")
            with os.fdopen(fd, "w") as f:
                f.write(CHECKS)
            os.chmod(checks_path, 0o644)
            self.addCleanup(os.unlink, checks_path)
        self.start({"header_checks": f"regexp:{checks_path}",
                    "message_size_limit": "100000",
                    "myorigin": "example.org"})
        self.inst.start()
        wait_for(lambda: os.path.exists(self.sock), what=self.sock)

    def test_headers_added_return_path_removed(self):
        qid, reply = submit(self.sock, "alice", ["bob@example.com"],
                            "Return-Path: <evil@x>\nSubject: hi\n\nbody\n",
                            attrs={"full_name": "Alice A."})
        self.assertEqual(reply["status"], 0, reply)
        self.assertEqual(reply["dsn"], "2.0.0")
        qf = self.queue_file("incoming", qid)
        self.assertTrue(qf.complete())
        self.assertRegex(qf.types, r"^CITSA*(O?R)+MN+XE$")
        # The file names its own ID at both ends (the reuse check).
        self.assertEqual(qf.recs[1], ("I", qid.encode()))
        self.assertEqual(qf.recs[-1], ("E", qid.encode()))
        self.assertEqual(qf.sender, "alice@example.org")
        self.assertEqual(qf.rcpts, ["bob@example.com"])
        self.assertEqual(qf.header("Return-Path"), [])
        self.assertEqual(len(qf.header("Message-Id")), 1)
        self.assertEqual(len(qf.header("Date")), 1)
        self.assertEqual(qf.header("From"),
                         ['"Alice A." <alice@example.org>'])
        self.assertEqual(qf.lines[-1], "body")
        self.inst.wait_log(rf"{qid}: message-id=<", timeout=10)

    def test_extract_recipients(self):
        content = ("To: a@example.com, B <b@example.com>\n"
                   "Cc: c\nBcc: d@example.com\nSubject: t\n\nx\n")
        qid, reply = submit(self.sock, "s@example.com", [], content,
                            flags=FLAG_MAP | FLAG_EXTRACT)
        self.assertEqual(reply["status"], 0, reply)
        qf = self.queue_file("incoming", qid)
        self.assertEqual(sorted(qf.rcpts),
                         ["a@example.com", "b@example.com", "c@example.org",
                          "d@example.com"])
        self.assertEqual(qf.header("Bcc"), [])
        self.assertEqual(qf.header("Cc"), ["c@example.org"])

    def test_resent_block(self):
        content = ("From: orig@example.com\nTo: first@example.com\n"
                   "Date: Mon, 2 Nov 2026 10:00:00 +0000\n"
                   "Message-Id: <orig@example.com>\n"
                   "Resent-To: again@example.com\n"
                   "Resent-Bcc: hidden@example.com\nSubject: t\n\nx\n")
        qid, reply = submit(self.sock, "s@example.com", [], content,
                            flags=FLAG_MAP | FLAG_EXTRACT)
        self.assertEqual(reply["status"], 0, reply)
        qf = self.queue_file("incoming", qid)
        # Resent- recipients only, Resent-Bcc removed, the block completed.
        self.assertEqual(sorted(qf.rcpts),
                         ["again@example.com", "hidden@example.com"])
        self.assertEqual(qf.header("Resent-Bcc"), [])
        self.assertEqual(qf.header("Resent-From"), ["<s@example.com>"])
        self.assertEqual(len(qf.header("Resent-Date")), 1)
        self.assertRegex(qf.header("Resent-Message-Id")[0],
                         rf"^<\d{{14}}\.{qid}@")
        self.assertEqual(qf.header("Message-Id"), ["<orig@example.com>"])

    def test_no_recipients(self):
        qid, reply = submit(self.sock, "s@example.com", [], "Subject: x\n\n")
        self.assertEqual(reply["status"], 3, reply)
        self.assertEqual(reply["dsn"], "5.1.3")
        self.assertNotIn(qid, self.incoming())

    def test_size_limit(self):
        body = ("y" * 99 + "\n") * 2000
        qid, reply = submit(self.sock, "s@example.com", ["r@example.com"],
                            "Subject: big\n\n" + body)
        self.assertEqual(reply["status"], 3, reply)
        self.assertEqual(reply["cleanup_status"], STAT_SIZE)
        self.assertEqual(reply["dsn"], "5.3.4")
        self.assertNotIn(qid, self.incoming())

    def test_long_line_split(self):
        qid, reply = submit(self.sock, "s@example.com", ["r@example.com"],
                            "Subject: long\n\n" + "z" * 5000)
        self.assertEqual(reply["status"], 0, reply)
        qf = self.queue_file("incoming", qid)
        self.assertEqual(qf.lines[-1], "z" * 5000)
        self.assertIn("LLN", qf.types)

    def test_big_content_spills_to_file(self):
        # Over CLEANUP_SPOOL_MEM (64 KiB): the content moves from memory
        # to the spool file midway and must come out whole and in order.
        lines = [f"{i:05d} " + "y" * 90 for i in range(900)]
        qid, reply = submit(self.sock, "s@example.com", ["r@example.com"],
                            "Subject: spill\n\n" + "\n".join(lines) + "\n")
        self.assertEqual(reply["status"], 0, reply)
        qf = self.queue_file("incoming", qid)
        self.assertTrue(qf.complete())
        self.assertEqual(qf.lines[-900:], lines)

    def test_header_checks_reject(self):
        qid, reply = submit(self.sock, "s@example.com", ["r@example.com"],
                            "Subject: reject me\n\nbody\n")
        self.assertEqual(reply["status"], 3, reply)
        self.assertEqual(reply["cleanup_status"], STAT_CONT)
        self.assertEqual(reply["dsn"], "5.7.1")
        self.assertEqual(reply["reason"], "go away")
        self.assertNotIn(qid, self.incoming())
        self.inst.wait_log(rf"{qid}: reject: header Subject: reject me; "
                           r"from=<s@example.com> to=<r@example.com>: "
                           r"5.7.1 go away")

    def test_header_checks_hold(self):
        qid, reply = submit(self.sock, "s@example.com", ["r@example.com"],
                            "Subject: hold me\n\nbody\n")
        self.assertEqual(reply["status"], 0, reply)
        self.assertNotIn(qid, self.incoming())
        self.assertTrue(self.queue_file("hold", qid).complete())
        self.inst.wait_log(rf"{qid}: hold: header Subject: hold me")

    def test_header_checks_discard(self):
        qid, reply = submit(self.sock, "s@example.com", ["r@example.com"],
                            "Subject: discard me\n\nbody\n")
        self.assertEqual(reply["status"], 0, reply)
        self.assertNotIn(qid, self.incoming())
        self.assertFalse(os.path.exists(
            os.path.join(self.inst.queue_dir, "hold", qid)))
        self.inst.wait_log(rf"{qid}: discard: header Subject: discard me")

    def test_out_of_order_is_bad(self):
        c = CleanupClient(self.sock, 0)
        try:
            c.rcpt("r@example.com")
            reply = c.end()
        finally:
            c.close()
        self.assertEqual(reply["status"], 4, reply)
        self.assertNotIn(c.queue_id, self.incoming())


class CleanupCrashTest(CleanupBase):
    def test_kill_during_delay(self):
        os.environ["POSTERN_TEST_CLEANUP_DELAY"] = "20"
        self.addCleanup(os.environ.pop, "POSTERN_TEST_CLEANUP_DELAY", None)
        self.start({"import_environment":
                    IMPORT_ENV + " POSTERN_TEST_CLEANUP_DELAY"})
        self.inst.start()
        wait_for(lambda: os.path.exists(self.sock), what=self.sock)
        c = CleanupClient(self.sock, FLAG_FILTER | FLAG_MAP)
        c.sender("s@example.com")
        c.rcpt("r@example.com")
        c.data("Subject: crash\n\nbody\n")
        c.send({"request": "end"})
        self.inst.wait_log(rf"{c.queue_id}: test delay 20 s", timeout=15)
        pids = [p for p, (comm, _, _) in self.inst.pids().items()
                if comm == "cleanup"]
        self.assertEqual(len(pids), 1, self.inst.pids())
        os.kill(pids[0], signal.SIGKILL)
        got = None
        try:
            from cleanup_client import read_reply
            got = read_reply(c.sock)
        except (EOFError, OSError):
            pass
        c.close()
        self.assertIsNone(got, "a reply came from a killed cleanup")
        qdir = os.path.join(self.inst.queue_dir, "incoming")
        for name in os.listdir(qdir):
            mode = os.stat(os.path.join(qdir, name)).st_mode
            self.assertFalse(mode & 0o100, f"complete file {name}")
        # Without the delay, the next message goes through.
        os.environ.pop("POSTERN_TEST_CLEANUP_DELAY")
        self.inst.write_main_cf({"import_environment": IMPORT_ENV})
        self.inst.reload()
        self.inst.wait_log(r"reload", timeout=10)
        time.sleep(1)
        qid, reply = submit(self.sock, "s@example.com", ["r@example.com"],
                            "Subject: again\n\nbody\n")
        self.assertEqual(reply["status"], 0, reply)
        self.assertTrue(self.queue_file("incoming", qid).complete())


class CleanupConnectionTest(CleanupBase):
    """Messages back to back over one connection, as smtpd sends them
    over the connection it keeps; each counts toward max_use."""

    def setUp(self):
        self.start({"max_use": "2"})
        self.inst.start()
        wait_for(lambda: os.path.exists(self.sock), what=self.sock)

    def one(self, sock, n):
        """Message n over sock; (queue ID, final reply)."""
        sock.sendall(encode_attrs({"request": "open", "flags": 0}))
        reply = read_reply(sock)
        self.assertEqual(reply["status"], 0, reply)
        qid = reply["queue_id"]
        for req in ({"request": "sender", "address": "s@example.org"},
                    {"request": "rcpt", "address": f"r{n}@example.com"},
                    {"request": "data", "data": b"Subject: %d\n\nx\n" % n},
                    {"request": "end"}):
            sock.sendall(encode_attrs(req))
        return qid, read_reply(sock)

    def test_messages_over_one_connection(self):
        sock = connect_unix(self.sock, 10)
        self.addCleanup(sock.close)
        qids = []
        for n in range(2):
            qid, reply = self.one(sock, n)
            self.assertEqual(reply["status"], 0, reply)
            self.assertEqual(reply["queue_id"], qid)
            qids.append(qid)
        self.assertNotEqual(qids[0], qids[1])
        for n, qid in enumerate(qids):
            qf = self.queue_file("incoming", qid)
            self.assertTrue(qf.complete())
            self.assertEqual(qf.rcpts, [f"r{n}@example.com"])
        # max_use 2: the second message was the last on this connection.
        try:
            sock.sendall(encode_attrs({"request": "open", "flags": 0}))
            with self.assertRaises((EOFError, ConnectionResetError)):
                read_reply(sock)
        except (BrokenPipeError, ConnectionResetError):
            pass


if __name__ == "__main__":
    unittest.main()
