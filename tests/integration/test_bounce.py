"""test_bounce - the bounce daemon (services bounce, defer, trace) in a
running instance with cleanup and trivial-rewrite but no qmgr, so the
reports it queues stay in incoming/ where they are read back
(qfile_reader) and parsed with Python's email package.  Queue files
are written with qfile_writer; requests are sent with ipc_request."""
import email
import email.policy
import os
import time
import unittest

try:
    from instance import Instance, Long, built, default_master_cf, \
        ipc_request
    from qfile_reader import QueueFile
    from qfile_writer import hashed_dir, write_queue_file
    from deliver_client import NOTIFY_NEVER, NOTIFY_SUCCESS, \
        NOTIFY_FAILURE, NOTIFY_DELAY
except ImportError:  # the harness is not there yet
    Instance = None

MASTER_CF = """\
cleanup   unix  n       -       n       -       0       cleanup
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
showq     unix  n       -       n       -       -       showq
"""
SIZE_LIMIT = 3000


def usable():
    return Instance is not None and all(
        built(d) for d in ("bounce", "cleanup", "trivial-rewrite", "showq"))


def wait_for(pred, timeout=10.0, what="condition"):
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not true after {timeout}s")
        time.sleep(0.05)


class BounceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not usable():
            raise unittest.SkipTest("bounce, cleanup, trivial-rewrite or "
                                    "showq not built")
        cls.inst = Instance(
            name="bounce", master_cf=MASTER_CF + default_master_cf(),
            main_cf={"notify_classes": "resource, software, 2bounce",
                     "bounce_size_limit": str(SIZE_LIMIT)})
        cls.inst.__enter__()
        cls.inst.start()
        cls.q = cls.inst.queue_dir
        for svc in ("bounce", "defer", "trace"):
            path = os.path.join(cls.q, "private", svc)
            wait_for(lambda: os.path.exists(path), what=path)
        cls.arrival = 1795372200

    @classmethod
    def tearDownClass(cls):
        cls.inst.__exit__(None, None, None)

    # Helpers.

    def message(self, sender="sender@example.com",
                rcpts=("rcpt@example.com",), body=("hello",), attrs=()):
        """A queue file in deferred/; its ID."""
        self.__class__.arrival += 1
        qid, _ = write_queue_file(
            self.q, "deferred", sender=sender, rcpts=rcpts,
            header=["From: " + (sender or "MAILER-DAEMON"),
                    "To: " + rcpts[0], "Subject: original subject"],
            body=body, arrival=(self.arrival, 0), attrs=attrs)
        return qid

    def append(self, svc, qid, rcpt, status, action, reason, notify=0,
               diag="", mta="", orig="", orcpt=""):
        return ipc_request(
            os.path.join(self.q, "private", svc),
            {"request": "append", "flags": 0, "queue_id": qid,
             "address": rcpt, "orig": orig, "dsn_orcpt": orcpt,
             "notify": notify, "offset": Long(-1), "dsn_status": status,
             "dsn_action": action, "reason": reason, "diag": diag,
             "mta": mta, "relay": ""})

    def report_request(self, svc, request, qid, queue="deferred"):
        return ipc_request(
            os.path.join(self.q, "private", svc),
            {"request": request, "flags": 0, "queue_name": queue,
             "queue_id": qid}, timeout=60)

    def incoming(self):
        return set(os.listdir(os.path.join(self.q, "incoming")))

    def one_report(self, before):
        """The one new queue file in incoming/, and its parsed content."""
        new = sorted(self.incoming() - before)
        self.assertEqual(len(new), 1, new)
        qf = QueueFile(os.path.join(self.q, "incoming", new[0]))
        msg = email.message_from_string("\n".join(qf.lines) + "\n",
                                        policy=email.policy.compat32)
        return qf, msg

    def status_part(self, msg):
        self.assertEqual(msg.get_content_type(), "multipart/report")
        self.assertEqual(msg.get_param("report-type"), "delivery-status")
        parts = msg.get_payload()
        self.assertEqual(len(parts), 3)
        self.assertEqual(parts[0].get_content_type(), "text/plain")
        self.assertEqual(parts[1].get_content_type(),
                         "message/delivery-status")
        blocks = parts[1].get_payload()
        return parts, blocks[0], blocks[1:]

    def log_path(self, svc, qid):
        return os.path.join(hashed_dir(self.q, svc, qid), qid)

    # Tests.

    def test_bounce_report(self):
        qid = self.message()
        r = self.append("bounce", qid, "rcpt@example.com", "5.1.1", "failed",
                        "unknown user", notify=0,
                        diag="smtp; 550 5.1.1 no such user",
                        mta="dns; mx.example.com", orcpt="rfc822;rcpt@example.com")
        self.assertEqual(r["status"], 0, r)
        with open(self.log_path("bounce", qid)) as f:
            text = f.read()
        self.assertIn("recipient=rcpt@example.com\n", text)
        self.assertIn("status=5.1.1\n", text)
        self.assertTrue(text.endswith("\n\n"))
        before = self.incoming()
        r = self.report_request("bounce", "flush", qid)
        self.assertEqual(r["status"], 0, r)
        self.assertFalse(os.path.exists(self.log_path("bounce", qid)))
        qf, msg = self.one_report(before)
        self.assertEqual(qf.sender, "")
        self.assertEqual(qf.rcpts, ["sender@example.com"])
        self.assertEqual(msg["Subject"], "Undelivered Mail Returned to Sender")
        self.assertEqual(msg["Auto-Submitted"], "auto-replied")
        self.assertIn("MAILER-DAEMON@test.example", msg["From"])
        parts, per_msg, rcpts = self.status_part(msg)
        self.assertIn("This is the mail system at host test.example.",
                      parts[0].get_payload())
        self.assertIn("<rcpt@example.com>: unknown user",
                      parts[0].get_payload())
        self.assertEqual(per_msg["Reporting-MTA"], "dns; test.example")
        self.assertEqual(per_msg["X-Postern-Queue-ID"], qid)
        self.assertEqual(per_msg["X-Postern-Sender"],
                         "rfc822; sender@example.com")
        self.assertEqual(len(rcpts), 1)
        self.assertEqual(rcpts[0]["Final-Recipient"], "rfc822; rcpt@example.com")
        self.assertEqual(rcpts[0]["Original-Recipient"],
                         "rfc822;rcpt@example.com")
        self.assertEqual(rcpts[0]["Action"], "failed")
        self.assertEqual(rcpts[0]["Status"], "5.1.1")
        self.assertEqual(rcpts[0]["Remote-MTA"], "dns; mx.example.com")
        self.assertEqual(rcpts[0]["Diagnostic-Code"],
                         "smtp; 550 5.1.1 no such user")
        self.assertEqual(parts[2].get_content_type(), "message/rfc822")
        returned = parts[2].get_payload()[0]
        self.assertEqual(returned["Subject"], "original subject")
        self.inst.wait_log(qid + r": sender non-delivery notification: \w+")

    def test_ret_hdrs_and_envid(self):
        qid = self.message(attrs=[("ret", "HDRS"), ("envid", "abc+2Bdef")])
        self.append("bounce", qid, "rcpt@example.com", "5.1.1", "failed", "no")
        before = self.incoming()
        self.assertEqual(self.report_request("bounce", "flush", qid)["status"],
                         0)
        _, msg = self.one_report(before)
        parts, per_msg, _ = self.status_part(msg)
        self.assertEqual(per_msg["Original-Envelope-Id"], "abc+def")
        self.assertEqual(parts[2].get_content_type(), "text/rfc822-headers")
        self.assertIn("Subject: original subject", parts[2].get_payload())
        self.assertNotIn("hello", parts[2].get_payload())

    def test_notify_never(self):
        qid = self.message()
        self.append("bounce", qid, "rcpt@example.com", "5.1.1", "failed",
                    "no", notify=NOTIFY_NEVER)
        before = self.incoming()
        self.assertEqual(self.report_request("bounce", "flush", qid)["status"],
                         0)
        self.assertEqual(self.incoming() - before, set())
        self.assertFalse(os.path.exists(self.log_path("bounce", qid)))

    def test_notify_selects(self):
        qid = self.message(rcpts=("a@example.com", "b@example.com"))
        self.append("bounce", qid, "a@example.com", "5.1.1", "failed", "no",
                    notify=NOTIFY_SUCCESS)
        self.append("bounce", qid, "b@example.com", "5.1.2", "failed", "no",
                    notify=NOTIFY_FAILURE)
        before = self.incoming()
        self.report_request("bounce", "flush", qid)
        _, msg = self.one_report(before)
        _, _, rcpts = self.status_part(msg)
        self.assertEqual([r["Final-Recipient"] for r in rcpts],
                         ["rfc822; b@example.com"])

    def test_double_bounce(self):
        qid = self.message(sender="")
        self.append("bounce", qid, "rcpt@example.com", "5.1.1", "failed",
                    "no")
        before = self.incoming()
        self.assertEqual(self.report_request("bounce", "flush", qid)["status"],
                         0)
        qf, msg = self.one_report(before)
        self.assertEqual(len(qf.rcpts), 1)
        self.assertTrue(qf.rcpts[0].startswith("postmaster@"), qf.rcpts)
        self.assertTrue(qf.sender.startswith("double-bounce@"), qf.sender)
        self.inst.wait_log(qid + r": postmaster non-delivery notification")

    def test_double_bounce_sender_dropped(self):
        for sender in ("double-bounce@test.example", "double-bounce"):
            qid = self.message(sender=sender)
            self.append("bounce", qid, "rcpt@example.com", "5.1.1", "failed",
                        "no")
            before = self.incoming()
            r = self.report_request("bounce", "flush", qid)
            self.assertEqual(r["status"], 0)
            self.assertEqual(self.incoming() - before, set())
            self.inst.wait_log(
                qid + ": undeliverable postmaster notification discarded")

    def test_delay_warning(self):
        qid = self.message()
        r = self.append("defer", qid, "rcpt@example.com", "4.4.1", "delayed",
                        "connection refused", notify=NOTIFY_DELAY)
        self.assertEqual(r["status"], 0, r)
        before = self.incoming()
        r = self.report_request("defer", "warn", qid)
        self.assertEqual(r["status"], 0, r)
        _, msg = self.one_report(before)
        self.assertEqual(msg["Subject"], "Delayed Mail (still being retried)")
        parts, _, rcpts = self.status_part(msg)
        self.assertEqual(rcpts[0]["Action"], "delayed")
        self.assertEqual(rcpts[0]["Status"], "4.4.1")
        self.assertIsNotNone(rcpts[0]["Will-Retry-Until"])
        self.assertEqual(parts[2].get_content_type(), "text/rfc822-headers")
        self.assertTrue(os.path.exists(self.log_path("defer", qid)))
        self.inst.wait_log(qid + r": sender delay notification: \w+")
        # warn is a defer request; flush is not.
        self.assertEqual(self.report_request("defer", "flush", qid)["status"],
                         4)

    def test_trace(self):
        qid = self.message()
        self.append("trace", qid, "rcpt@example.com", "2.0.0", "delivered",
                    "delivered to mailbox", notify=NOTIFY_SUCCESS)
        before = self.incoming()
        r = self.report_request("trace", "flush", qid)
        self.assertEqual(r["status"], 0, r)
        _, msg = self.one_report(before)
        self.assertEqual(msg["Subject"], "Successful Mail Delivery Report")
        _, _, rcpts = self.status_part(msg)
        self.assertEqual(rcpts[0]["Action"], "delivered")
        self.assertEqual(rcpts[0]["Status"], "2.0.0")
        self.assertFalse(os.path.exists(self.log_path("trace", qid)))
        self.inst.wait_log(qid + r": sender delivery status notification")

    def test_size_limit(self):
        body = ["x" * 70] * 200  # 14 kB
        qid = self.message(body=body)
        self.append("bounce", qid, "rcpt@example.com", "5.1.1", "failed",
                    "no")
        before = self.incoming()
        self.report_request("bounce", "flush", qid)
        _, msg = self.one_report(before)
        parts, _, _ = self.status_part(msg)
        returned = parts[2].get_payload()[0]
        self.assertEqual(returned["Subject"], "original subject")
        self.assertLess(len(returned.as_string()), SIZE_LIMIT + 200)
        self.assertGreater(len(returned.get_payload()), 1000)

    def test_missing_log_and_bad_request(self):
        qid = self.message()
        self.assertEqual(self.report_request("bounce", "flush", qid)["status"],
                         0)
        r = self.append("bounce", "../../etc", "a@x", "5.1.1", "failed", "x")
        self.assertEqual(r["status"], 4)
        r = self.append("bounce", qid, "a@x", "9.1.1", "failed", "x")
        self.assertEqual(r["status"], 4)

    def test_showq_reason(self):
        qid = self.message(rcpts=("slow@example.com",))
        self.append("defer", qid, "slow@example.com", "4.4.1", "delayed",
                    "first attempt")
        self.append("defer", qid, "slow@example.com", "4.4.2", "delayed",
                    "connect to mx.example.com: Connection refused")
        r = self.inst.postern("queue", "-j")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"delay_reason": "connect to mx.example.com: '
                      'Connection refused"', r.stdout)
        r = self.inst.postern("queue", "-p")
        self.assertIn("(connect to mx.example.com: Connection refused)",
                      r.stdout)


if __name__ == "__main__":
    unittest.main()
