"""test_agents_pseudo - the error, retry and discard delivery agents in a
running instance: master starts them from master.cf; deliver_client.py
plays qmgr (one request per connection) and FakeBounce plays the bounce,
defer and trace services (not in this master.cf, so the sockets are
ours).  Checked: the reply's results, the done marks in the queue file,
the entries the services were asked to append, the agents' log lines,
NOTIFY=SUCCESS, an expired message on retry, a bounce service that says
RETRY, a malformed request and a queue file that is gone."""
import os
import time
import unittest

try:
    from instance import Instance, built, connect_unix, default_master_cf, \
        encode_attrs
    from deliver_client import FakeBounce, deliver, deliver_frames, \
        read_frame, DEL_FLAG_EXPIRED, NOTIFY_SUCCESS
    from qfile_reader import QueueFile
    from qfile_writer import write_queue_file
except ImportError:  # the harness is not there yet
    Instance = None

MASTER_CF = """\
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
"""
RCPTS = ["a@example.com", "b@example.com"]
# The log line's fixed part after to=<...> (docs/ipc.md).
DELAYS = r"delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+"


def usable():
    return Instance is not None and built("error") and built("discard")


def wait_for(pred, timeout=10.0, what="condition"):
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not true after {timeout}s")
        time.sleep(0.05)


class PseudoAgentTest(unittest.TestCase):
    serial = 0

    @classmethod
    def setUpClass(cls):
        if not usable():
            raise unittest.SkipTest("harness or error/discard not built")
        cls.inst = Instance(name="agents",
                            master_cf=MASTER_CF + default_master_cf())
        cls.inst.__enter__()
        try:
            cls.inst.start()
            private = os.path.join(cls.inst.queue_dir, "private")
            for svc in ("error", "retry", "discard"):
                path = os.path.join(private, svc)
                wait_for(lambda: os.path.exists(path), what=path)
            cls.fake = FakeBounce(cls.inst.queue_dir)
        except BaseException:
            cls.inst.__exit__(None, None, None)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.fake.close()
        cls.inst.__exit__(None, None, None)

    def setUp(self):
        with self.fake.lock:
            self.fake.requests.clear()
            self.fake.answer.clear()

    # -- helpers ---------------------------------------------------------

    def message(self, rcpts=RCPTS):
        """A queue file in active/; (its QueueFile, its path)."""
        # A fresh microsecond each: a reused inode must not repeat an ID.
        PseudoAgentTest.serial += 1
        qid, path = write_queue_file(self.inst.queue_dir, "active",
                                     rcpts=rcpts,
                                     arrival=(int(time.time()), self.serial))
        return QueueFile(path), path

    def send(self, svc, qf, notify=(), **kw):
        """One request for every recipient of qf; the reply."""
        rcpts = [dict(r) for r in qf.rcpt_records]
        for r, n in zip(rcpts, notify):
            r["notify"] = n
        sock = os.path.join(self.inst.queue_dir, "private", svc)
        return deliver(sock, qf, rcpts, timeout=30, **kw)

    def done(self, path):
        return [r["done"] for r in QueueFile(path).rcpt_records]

    def appends(self, svc):
        return [(r["address"], r["dsn_status"], r["dsn_action"], r["reason"])
                for r in self.fake.entries(svc)]

    def log_line(self, qid, rcpt, dsn, status, reason):
        return self.inst.wait_log(
            rf"postern/\w+\[\d+\]: {qid}: to=<{rcpt}>, relay=none, "
            rf"{DELAYS}, dsn={dsn}, status={status} \({reason}\)$")

    # -- error -----------------------------------------------------------

    def test_error_bounces_with_the_status_in_the_text(self):
        qf, path = self.message()
        reply = self.send("error", qf, nexthop="5.1.1 no such user here")
        self.assertEqual(reply["status"], 0, reply)
        self.assertEqual(reply["results"], "BB")
        self.assertEqual(reply["dead"], 0)
        self.assertEqual(self.done(path), [True, True])
        self.assertEqual(self.appends("bounce"), [
            (r, "5.1.1", "failed", "no such user here") for r in RCPTS])
        self.assertEqual(self.appends("defer"), [])
        for r in RCPTS:
            self.log_line(qf.queue_id, r, r"5\.1\.1", "bounced",
                          "no such user here")

    def test_error_without_a_status_uses_5_0_0(self):
        qf, path = self.message(rcpts=["c@example.com"])
        reply = self.send("error", qf, nexthop="mail for x is not accepted")
        self.assertEqual(reply["results"], "B")
        self.assertEqual(self.appends("bounce"), [
            ("c@example.com", "5.0.0", "failed",
             "mail for x is not accepted")])
        self.log_line(qf.queue_id, "c@example.com", r"5\.0\.0", "bounced",
                      "mail for x is not accepted")

    def test_bounce_service_retry_leaves_the_recipient(self):
        self.fake.answer["bounce"] = 2
        qf, path = self.message(rcpts=["d@example.com"])
        reply = self.send("error", qf, nexthop="5.1.1 gone")
        self.assertEqual(reply["status"], 0, reply)
        self.assertEqual(reply["results"], "D")
        self.assertEqual(self.done(path), [False])
        self.assertEqual(self.appends("bounce"), [
            ("d@example.com", "5.1.1", "failed", "gone")])
        self.assertEqual(self.appends("defer"), [
            ("d@example.com", "4.3.0", "delayed",
             "bounce or trace service failure")])
        self.log_line(qf.queue_id, "d@example.com", r"4\.3\.0", "deferred",
                      "bounce or trace service failure")

    # -- retry -----------------------------------------------------------

    def test_retry_defers(self):
        qf, path = self.message()
        reply = self.send("retry", qf, nexthop="4.3.2 maintenance")
        self.assertEqual(reply["status"], 0, reply)
        self.assertEqual(reply["results"], "DD")
        self.assertEqual(self.done(path), [False, False])
        self.assertEqual(self.appends("defer"), [
            (r, "4.3.2", "delayed", "maintenance") for r in RCPTS])
        self.assertEqual(self.appends("bounce"), [])
        self.log_line(qf.queue_id, "b@example.com", r"4\.3\.2", "deferred",
                      "maintenance")

    def test_retry_of_an_expired_message_bounces(self):
        qf, path = self.message(rcpts=["e@example.com"])
        reply = self.send("retry", qf, nexthop="try later",
                          flags=DEL_FLAG_EXPIRED)
        self.assertEqual(reply["results"], "B")
        self.assertEqual(self.done(path), [True])
        self.assertEqual(self.appends("bounce"), [
            ("e@example.com", "4.0.0", "failed", "try later")])
        self.assertEqual(self.appends("defer"), [])
        self.log_line(qf.queue_id, "e@example.com", r"4\.0\.0", "bounced",
                      "try later")

    # -- discard ---------------------------------------------------------

    def test_discard_with_notify_success(self):
        qf, path = self.message()
        reply = self.send("discard", qf, notify=(NOTIFY_SUCCESS, 0))
        self.assertEqual(reply["status"], 0, reply)
        self.assertEqual(reply["results"], "TS")
        self.assertEqual(self.done(path), [True, True])
        self.assertEqual(self.appends("trace"), [
            ("a@example.com", "2.0.0", "delivered", "discarded")])
        self.assertEqual(self.appends("bounce") + self.appends("defer"), [])
        for r in RCPTS:
            self.log_line(qf.queue_id, r, r"2\.0\.0", "sent", "discarded")

    def test_discard_reason_from_the_nexthop(self):
        qf, path = self.message(rcpts=["f@example.com"])
        reply = self.send("discard", qf, nexthop="spam trap")
        self.assertEqual(reply["results"], "S")
        self.log_line(qf.queue_id, "f@example.com", r"2\.0\.0", "sent",
                      "spam trap")

    # -- requests gone wrong -----------------------------------------------

    def test_malformed_request(self):
        sock = os.path.join(self.inst.queue_dir, "private", "error")
        with connect_unix(sock, 30) as s:
            s.sendall(encode_attrs({"request": "deliver", "flags": 0}))
            reply = read_frame(s)
        self.assertEqual(reply["status"], 4, reply)
        self.assertNotIn("results", reply)
        self.assertRegex(reply["reason"], "missing attribute")
        self.inst.wait_log(r"bad delivery request: missing attribute")

    def test_missing_queue_file(self):
        qf, path = self.message()
        os.unlink(path)
        reply = self.send("error", qf, nexthop="5.1.1 x")
        self.assertEqual(reply["status"], 0, reply)
        self.assertEqual(reply["results"], "DD")
        self.assertEqual(self.fake.requests, [])
        self.inst.wait_log(rf"warning: {qf.queue_id}: queue file active/"
                           rf"{qf.queue_id} is gone")

    def test_two_requests_on_one_connection(self):
        qf1, path1 = self.message(rcpts=["g@example.com"])
        qf2, path2 = self.message(rcpts=["h@example.com"])
        sock = os.path.join(self.inst.queue_dir, "private", "discard")
        with connect_unix(sock, 30) as s:
            for qf in (qf1, qf2):
                s.sendall(deliver_frames(qf, qf.rcpt_records))
                self.assertEqual(read_frame(s)["results"], "S")
        self.assertEqual(self.done(path1) + self.done(path2), [True, True])


if __name__ == "__main__":
    unittest.main()
