"""flush(8) and ETRN: per-site lists of deferred mail (fast_flush_domains)
delivered on request: `postern queue -s SITE`, `-i ID`, SMTP ETRN.

No qmgr runs here, so a message the flush service releases stays in
incoming/ where the test finds it."""
import os
import smtplib
import time
import unittest

from instance import Instance, built, default_master_cf, free_port, \
    ipc_request
from qfile_writer import write_queue_file


def find(inst, queue, qid):
    for _, _, names in os.walk(os.path.join(inst.queue_dir, queue)):
        if qid in names:
            return True
    return False


def usable():
    if not built("flush") or not built("smtpd"):
        return "flush or smtpd not built"
    return None


class FlushTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        why = usable()
        if why:
            raise unittest.SkipTest(why)
        cls.port = free_port()
        master = default_master_cf() + (
            f"127.0.0.1:{cls.port} inet n - n - - smtpd\n"
            "flush unix n - n 1000? 0 flush\n")
        cls.inst = Instance(name="flush", main_cf={
            "relay_domains": "example.net", "mynetworks": "127.0.0.0/8",
            "smtpd_error_sleep_time": "0s"}, master_cf=master)
        cls.inst.__enter__()
        try:
            cls.inst.start()
        except BaseException:
            cls.inst.__exit__(None, None, None)
            raise
        cls.flush = os.path.join(cls.inst.queue_dir, "public", "flush")
        deadline = time.monotonic() + 10
        while not os.path.exists(cls.flush) and time.monotonic() < deadline:
            time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.inst.__exit__(None, None, None)

    def deferred(self, rcpt="u@example.net"):
        qid, _ = write_queue_file(self.inst.queue_dir, "deferred",
                                  rcpts=(rcpt,))
        return qid

    def add(self, site, qid):
        return ipc_request(self.flush, {"request": "add", "site": site,
                                        "queue_id": qid})

    def test_add_and_send_site(self):
        a, b = self.deferred(), self.deferred()
        for qid in (a, b):
            self.assertEqual(self.add("Example.NET", qid)["status"], 0)
        log = os.path.join(self.inst.queue_dir, "flush", "example.net")
        with open(log) as f:
            self.assertEqual(f.read().split(), [a, b])
        r = self.inst.postern("queue", "-s", "example.net")
        self.assertEqual(r.returncode, 0, r.stderr)
        for qid in (a, b):
            self.assertTrue(find(self.inst, "incoming", qid))
            self.assertFalse(find(self.inst, "deferred", qid))
        self.assertEqual(os.path.getsize(log), 0)
        self.inst.wait_log(r"postern/flush\[\d+\]: site example\.net: 2 "
                           r"queued messages to deliver")

    def test_refusals(self):
        qid = self.deferred()
        got = self.add("other.example", qid)
        self.assertEqual(got["status"], 3)
        self.assertIn("not in fast_flush_domains", got["reason"])
        for site in ("../etc", ".hidden", "a/b", "x" * 300, ""):
            self.assertEqual(self.add(site, qid)["status"], 4, site)
        self.assertEqual(self.add("example.net", "../../etc")["status"], 4)
        got = ipc_request(self.flush, {"request": "nonsense"})
        self.assertEqual(got["status"], 4)
        self.assertTrue(find(self.inst, "deferred", qid))

    def test_send_file(self):
        qid = self.deferred()
        r = self.inst.postern("queue", "-i", qid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(find(self.inst, "incoming", qid))
        r = self.inst.postern("queue", "-i", qid)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no such deferred message", r.stderr)

    def test_etrn(self):
        qid = self.deferred()
        self.assertEqual(self.add("example.net", qid)["status"], 0)
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as s:
            self.assertEqual(s.docmd("ETRN", "example.net")[0], 503)
            s.ehlo("client.example")
            self.assertIn("etrn", s.esmtp_features)
            code, text = s.docmd("ETRN", "other.example")
            self.assertEqual((code, text), (459, b"4.7.1 <other.example>: "
                                                 b"service unavailable"))
            self.assertEqual(s.docmd("ETRN", "#queue")[0], 458)
            self.assertEqual(s.docmd("ETRN")[0], 500)
            self.assertEqual(s.docmd("ETRN", "@example.net"),
                             (250, b"2.0.0 Queuing started"))
        self.assertTrue(find(self.inst, "incoming", qid))


if __name__ == "__main__":
    unittest.main()
