"""test_qmgr - the queue manager in a running instance: cleanup and
trivial-rewrite are real; the delivery agents (private/smtp,
private/local) are fake ones written here that answer per recipient as
told; bounce, defer and trace are deliver_client.FakeBounce.  None of the
fake services is in master.cf, so master does not own their sockets."""
import glob
import os
import select
import signal
import socket
import threading
import time
import unittest

from cleanup_client import CleanupClient, submit
from deliver_client import DEL_FLAG_EXPIRED, FakeBounce, read_frame
from instance import (Instance, built, default_master_cf, encode_attrs,
                      serve_in_threads)
from qfile_reader import QueueFile
from qfile_writer import build, write_queue_file

MASTER_CF = """\
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
"""
MSG = "From: a@example.org\nSubject: qmgr test\n\nhello\n"


def usable():
    return all(built(d) for d in ("cleanup", "qmgr", "trivial-rewrite"))


def wait_for(pred, timeout=15.0, what="condition"):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not true after {timeout}s")
        time.sleep(0.05)


class FakeAgent:
    """A delivery agent on QUEUE/private/NAME.  policy(request, rcpt)
    returns 'S', 'T', 'B' or 'D' per recipient; dead(request) returns a
    reason for dead=1, or None; hold(request) returns a threading.Event
    to wait for before answering, or None.  Every request is recorded
    in self.requests as a dict with its recipients under 'rcpts', in
    order of arrival.  S, T and B are marked done in the queue file as
    real agents do.  mode says what happens to a connection after a
    request: "once" closes it after the reply; "keep" reads the next
    request from it, as the real agents do; "reset" waits for the next
    request and closes the connection without reading it (an agent
    that reached max_use as qmgr wrote); "drop" closes it after reading
    the request, without a reply (an agent that died while delivering).
    self.connections counts the connections accepted."""

    def __init__(self, queue_dir, name):
        self.queue_dir, self.name = queue_dir, name
        self.requests, self.lock = [], threading.Lock()
        self.policy = lambda req, r: "S"
        self.dead = lambda req: None
        self.hold = lambda req: None
        self.mode, self.connections = "once", 0
        path = os.path.join(queue_dir, "private", name)
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)
        serve_in_threads(self, self.sock, 64, self._serve)

    def _serve(self, conn):
        conn.settimeout(60)
        with self.lock:
            self.connections += 1
        with conn:
            for _ in range(10000):
                if not self._one(conn):
                    return
                if self.mode == "reset":
                    select.select([conn], [], [], 10)
                    return
                if self.mode != "keep":
                    return

    def _one(self, conn):
        """Serve one request; False when the connection is done."""
        try:
            req = read_frame(conn)
            req["rcpts"] = [read_frame(conn)
                            for _ in range(req["rcpt_count"])]
        except (EOFError, OSError, ValueError):
            return False
        with self.lock:
            self.requests.append(req)
        if self.mode == "drop":
            return False
        event = self.hold(req)
        if event is not None:
            event.wait(60)
        dead = self.dead(req)
        results = "" if dead else "".join(
            self.policy(req, r) for r in req["rcpts"])
        if dead:
            results = "D" * len(req["rcpts"])
        self._mark(req, results)
        reply = {"status": 0, "results": results, "dead": int(bool(dead))}
        if dead:
            reply["reason"] = dead
        try:
            conn.sendall(encode_attrs(reply))
        except OSError:
            return False
        return True

    def _mark(self, req, results):
        path = os.path.join(self.queue_dir, req["queue_name"],
                            req["queue_id"])
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            return
        try:
            for r, res in zip(req["rcpts"], results):
                if res in "STB":
                    os.pwrite(fd, b"D", r["offset"])
            os.fsync(fd)
        finally:
            os.close(fd)

    def for_id(self, qid):
        with self.lock:
            return [r for r in self.requests if r["queue_id"] == qid]

    def close(self):
        self.stop = True
        self.sock.close()


@unittest.skipUnless(usable(), "cleanup/qmgr/trivial-rewrite not built")
class QmgrTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inst = Instance(name="qmgr", master_cf=MASTER_CF +
                            default_master_cf(),
                            main_cf={"service_throttle_time": "1s",
                                     "delay_warning_time": "4h"})
        cls.inst.__enter__()
        try:
            cls.inst.start()
            q = cls.inst.queue_dir
            wait_for(lambda: os.path.isdir(os.path.join(q, "private")),
                     what="private/")
            cls.bounce = FakeBounce(q)
            cls.smtp = FakeAgent(q, "smtp")
            cls.local = FakeAgent(q, "local")
        except BaseException:
            cls.inst.__exit__(None, None, None)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.smtp.close()
        cls.local.close()
        cls.bounce.close()
        cls.inst.__exit__(None, None, None)

    def setUp(self):
        for a in (self.smtp, self.local):
            a.mode = "once"
            a.policy = lambda req, r: "S"
            a.dead = lambda req: None
            a.hold = lambda req: None
        self.cleanup = os.path.join(self.inst.queue_dir, "public", "cleanup")

    def submit(self, rcpts, sender="a@example.org", attrs=None):
        qid, reply = submit(self.cleanup, sender, rcpts, MSG, attrs=attrs)
        self.assertEqual(reply["status"], 0, reply)
        return qid

    def where(self, qid):
        """The queue holding qid (hash folders included), or None."""
        for queue in ("incoming", "active", "deferred"):
            top = os.path.join(self.inst.queue_dir, queue)
            if glob.glob(os.path.join(top, qid)) or \
                    glob.glob(os.path.join(top, "*", qid)):
                return queue
        return None

    def path(self, qid, queue="deferred"):
        top = os.path.join(self.inst.queue_dir, queue)
        found = glob.glob(os.path.join(top, qid)) + \
            glob.glob(os.path.join(top, "*", qid))
        return found[0] if found else None

    def removed(self, qid, timeout=15):
        self.inst.wait_log(rf"{qid}: removed", timeout=timeout)
        self.assertIsNone(self.where(qid))

    def deferred(self, qid):
        wait_for(lambda: self.where(qid) == "deferred", what=f"{qid} "
                 "in deferred/")

    def test_delivered_and_removed(self):
        qid = self.submit(["u1@example.com", "u2@example.com",
                           "me@test.example"])
        self.removed(qid)
        smtp, local = self.smtp.for_id(qid), self.local.for_id(qid)
        self.assertEqual(len(smtp), 1)
        self.assertEqual(smtp[0]["nexthop"], "example.com")
        self.assertEqual([r["address"] for r in smtp[0]["rcpts"]],
                         ["u1@example.com", "u2@example.com"])
        self.assertEqual(smtp[0]["queue_name"], "active")
        self.assertEqual(smtp[0]["sender"], "a@example.org")
        self.assertEqual(smtp[0]["flags"] & DEL_FLAG_EXPIRED, 0)
        self.assertEqual(len(local), 1)
        self.assertEqual(local[0]["rcpts"][0]["address"], "me@test.example")
        self.inst.wait_log(rf"{qid}: from=<a@example\.org>, size=\d+, "
                           r"nrcpt=3 \(queue active\)")

    def test_recipient_limit_local(self):
        # local_destination_recipient_limit = 1: one request each.
        qid = self.submit(["x1@test.example", "x2@test.example"])
        self.removed(qid)
        reqs = self.local.for_id(qid)
        self.assertEqual(sorted(len(r["rcpts"]) for r in reqs), [1, 1])

    def test_content_filter_overrides_transport(self):
        qid = self.submit(["f@test.example"],
                          attrs={"content_filter": "smtp:[127.0.0.1]:10025"})
        self.removed(qid)
        reqs = self.smtp.for_id(qid)
        self.assertEqual(len(reqs), 1)
        self.assertEqual(reqs[0]["nexthop"], "[127.0.0.1]:10025")
        self.assertEqual(self.local.for_id(qid), [])

    def test_defer_backoff_then_flush(self):
        self.smtp.policy = lambda req, r: "D"
        qid = self.submit(["later@defer.example"])
        self.deferred(qid)
        mtime = os.stat(self.path(qid)).st_mtime
        # Back-off: time since arrival bounded below by 300s.
        self.assertGreater(mtime, time.time() + 250)
        self.assertLess(mtime, time.time() + 350)
        self.assertEqual(QueueFile(self.path(qid)).rcpts,
                         ["later@defer.example"])
        self.smtp.policy = lambda req, r: "S"
        since = self.inst.log_size()
        self.inst.postern("flush", check=True)
        self.inst.wait_log(rf"{qid}: removed", since=since)
        self.assertEqual(len(self.smtp.for_id(qid)), 2)

    def test_expired_message(self):
        c = CleanupClient(self.cleanup, 3)
        try:
            c.time(int(time.time()) - 10 * 86400)
            c.sender("old@example.org")
            c.rcpt("gone@expired.example")
            c.data(MSG)
            qid, reply = c.queue_id, c.end()
        finally:
            c.close()
        self.assertEqual(reply["status"], 0, reply)
        self.smtp.policy = lambda req, r: "B"  # agents bounce, as told
        self.removed(qid)
        reqs = self.smtp.for_id(qid)
        self.assertEqual(reqs[0]["flags"] & DEL_FLAG_EXPIRED,
                         DEL_FLAG_EXPIRED)

    def test_bounce_sends_flush(self):
        self.smtp.policy = lambda req, r: "B"
        qid = self.submit(["nobody@bounce.example"])
        self.removed(qid)
        flushes = [r for r in self.bounce.entries("bounce", "flush")
                   if r["queue_id"] == qid]
        self.assertEqual(len(flushes), 1)
        self.assertEqual(flushes[0]["queue_name"], "active")

    def test_trace_sends_flush(self):
        self.smtp.policy = lambda req, r: "T"
        qid = self.submit(["notify@trace.example"])
        self.removed(qid)
        self.assertEqual(len([r for r in self.bounce.entries("trace", "flush")
                              if r["queue_id"] == qid]), 1)

    def test_dead_destination_does_not_block(self):
        release = threading.Event()
        self.addCleanup(release.set)
        self.smtp.hold = lambda req: release if \
            req["nexthop"] == "dead.example" else None
        self.smtp.dead = lambda req: "connect to dead.example: refused" \
            if req["nexthop"] == "dead.example" else None
        slow = self.submit(["a@dead.example"])
        wait_for(lambda: self.smtp.for_id(slow), what="dead request")
        fast = self.submit(["b@good.example"])
        # The healthy destination is served while the dead one hangs.
        self.removed(fast)
        order = [r["queue_id"] for r in self.smtp.requests]
        self.assertLess(order.index(slow), order.index(fast))
        self.assertEqual(self.where(slow), "active")
        release.set()
        self.deferred(slow)
        self.inst.wait_log(r"destination dead\.example suspended")
        # Now suspended: qmgr defers a new message itself.
        since = self.inst.log_size()
        later = self.submit(["c@dead.example"])
        self.deferred(later)
        self.assertEqual(self.smtp.for_id(later), [])
        self.inst.wait_log(rf"{later}: to=<c@dead\.example>, relay=none, "
                           r"delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/0/0, "
                           r"dsn=4\.4\.1, status=deferred \(delivery "
                           r"temporarily suspended: connect to dead\.example"
                           r": refused\)", since=since)
        self.assertTrue([r for r in self.bounce.entries("defer")
                         if r["queue_id"] == later])

    def deliver_in_turn(self, n):
        """n messages to smtp, each submitted once the one before it is
        removed; their queue IDs."""
        qids = []
        for i in range(n):
            qids.append(self.submit([f"turn{i}@example.com"]))
            self.removed(qids[-1])
        return qids

    def test_agent_connection_kept(self):
        # An agent that reads on after a reply gets the next request over
        # the same connection: qmgr keeps it for QMGR_IDLE_TIME.
        self.smtp.mode = "keep"
        before = self.smtp.connections
        qids = self.deliver_in_turn(5)
        for qid in qids:
            self.assertEqual(len(self.smtp.for_id(qid)), 1)
        self.assertEqual(self.smtp.connections - before, 1)

    def test_agent_closes_kept_connection(self):
        # The agent closes a kept connection with the next request unread
        # (ECONNRESET at qmgr), or before qmgr writes (EPIPE), or while
        # idle: qmgr sends the request again over a new connection, and
        # nothing is deferred.
        for mode in ("reset", "once"):
            self.smtp.mode = mode
            for qid in self.deliver_in_turn(4):
                self.assertIsNone(self.where(qid))
                self.assertNotRegex(self.inst.log(),
                                    rf"{qid}: .*status=deferred")
        self.assertNotIn("delivery agent private/smtp", self.inst.log())

    def test_agent_dies_after_reading(self):
        # EOF after the agent read the request: it may have delivered, so
        # no retry; deferred as for any lost agent.
        self.smtp.mode = "drop"
        qid = self.submit(["lost@example.com"])
        self.inst.wait_log(rf"{qid}: .*status=deferred \(delivery agent "
                           r"private/smtp: lost connection before the "
                           r"reply\)", timeout=15)
        self.assertEqual(len(self.smtp.for_id(qid)), 1)

    def test_agent_failure_defers(self):
        # No agent on private/relay: qmgr defers with the reason.
        qid = self.submit(["r@relay.example"],
                          attrs={"content_filter": "relay:x.example"})
        self.deferred(qid)
        self.inst.wait_log(rf"{qid}: to=<r@relay\.example>, relay=none, .*"
                           r"status=deferred \(delivery agent private/relay:"
                           r" connect: ")

    def test_warn_record_and_warning(self):
        qid = self.submit(["w@example.com"])
        self.removed(qid)
        # cleanup wrote W = arrival + delay_warning_time (4h).
        self.smtp.policy = lambda req, r: "D"
        qid = self.submit(["w2@warn.example"])
        self.deferred(qid)
        qf = QueueFile(self.path(qid))
        self.assertEqual(qf.warn, int(qf.arrival) + 4 * 3600)
        self.assertEqual([r for r in self.bounce.entries("defer", "warn")
                          if r["queue_id"] == qid], [])
        # A file whose warning is due gets one, then W is 0.
        due, _ = write_queue_file(self.inst.queue_dir, "incoming",
                                  rcpts=("w3@warn.example",),
                                  arrival=(int(time.time()) - 60, 0),
                                  warn=int(time.time()) - 1)
        self.inst.postern("flush", check=True)
        wait_for(lambda: self.where(due) == "deferred", what="deferred")
        self.assertEqual(len([r for r in self.bounce.entries("defer", "warn")
                              if r["queue_id"] == due]), 1)
        self.assertEqual(QueueFile(self.path(due)).warn, 0)

    def test_complete_but_damaged_is_corrupt(self):
        # What a crash of the host before cleanup's one fsync() returned
        # can leave: the complete mark, not every block.  Never acked,
        # never delivered: each goes to corrupt/.
        whole = build("a@example.org", ["dmg@example.com"], ["Subject: x"],
                      ["line %d" % i for i in range(20)], (1795372200, 0))
        cases = {"no end record": whole[:-2],
                 "cut in the content": whole[:len(whole) // 2],
                 "zeroed line start": whole[:-30] + bytes(20) + whole[-10:],
                 "empty": b""}
        since = self.inst.log_size()
        ids = {}
        for name, data in cases.items():
            ids[name], _ = write_queue_file(self.inst.queue_dir, "incoming",
                                            data=data)
        good = self.submit(["ok@example.com"])
        self.removed(good)
        for name, qid in ids.items():
            self.inst.wait_log(rf"{qid}: saved to corrupt queue", since=since)
            self.assertTrue(os.path.exists(os.path.join(
                self.inst.queue_dir, "corrupt", qid)), name)
            self.assertEqual(self.smtp.for_id(qid) + self.local.for_id(qid),
                             [], name)

    def test_kill_qmgr_mid_delivery(self):
        release = threading.Event()
        self.addCleanup(release.set)
        first = []

        def hold(req):
            if not first:
                first.append(req)
                return release
            return None
        self.smtp.hold = hold
        qid = self.submit(["crash@crash.example"])
        wait_for(lambda: self.smtp.for_id(qid), what="held request")
        pids = [p for p, (comm, _, _) in self.inst.pids().items()
                if comm == "qmgr"]
        self.assertEqual(len(pids), 1)
        since = self.inst.log_size()
        os.kill(pids[0], signal.SIGKILL)
        # master restarts qmgr on the next trigger (its wakeup timer, a
        # submission, postern flush); it takes active/ in again.
        self.inst.wait_log(r"qmgr.*killed by signal 9", since=since)
        time.sleep(1.5)  # service_throttle_time
        self.inst.postern("flush", check=True)
        self.inst.wait_log(rf"{qid}: removed", timeout=30, since=since)
        self.assertEqual(len(self.smtp.for_id(qid)), 2)
        release.set()


if __name__ == "__main__":
    unittest.main()
