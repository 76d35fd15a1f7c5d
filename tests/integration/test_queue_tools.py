"""test_queue_tools - showq, `postern queue` (postqueue), `postern super`
(postsuper) and `postern cat` (postcat) on queue files written by
qfile_writer.py in a real instance."""
import json
import os
import re
import time
import unittest

from qfile_reader import QueueFile

try:
    from instance import Instance, built
    from qfile_writer import write_queue_file, build
except ImportError:  # the harness is not there yet
    Instance = None

MASTER_CF = """\
showq     unix  n       -       n       -       -       showq
postlog   unix-dgram n  -       n       -       1       postlogd
"""

ARRIVAL = (1795372200, 123456)  # Sun Nov 22 18:30:00 2026 UTC


class QueueToolsTest(unittest.TestCase):
    def setUp(self):
        if Instance is None:
            self.skipTest("harness tests/integration/instance.py not there")
        if not built("showq") or not built("master"):
            self.skipTest("showq or master not built")
        self.inst = Instance(name="qtools", master_cf=MASTER_CF)
        self.inst.__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        self.q = self.inst.queue_dir
        os.environ["TZ"] = "UTC"
        self.inst.start()

    def write(self, queue="deferred", **kw):
        kw.setdefault("arrival", ARRIVAL)
        return write_queue_file(self.q, queue, **kw)

    def pq(self, *args):
        return self.inst.postern("queue", *args)

    def test_empty(self):
        r = self.pq("-p")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "Mail queue is empty\n")

    def test_list_format(self):
        a, _ = self.write("deferred", sender="a@example.com",
                          rcpts=["r1@example.com", "r2@example.com"],
                          body=["x" * 100])
        b, _ = self.write("active", sender="", rcpts=["r3@example.com"],
                          arrival=(ARRIVAL[0] + 1, 0))
        c, _ = self.write("hold", rcpts=["r4@example.com", "done@x"],
                          done=["done@x"], arrival=(ARRIVAL[0] + 2, 0))
        r = self.pq("-p")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.split("\n")
        self.assertEqual(lines[0], "-Queue ID-  --Size-- ----Arrival Time---- "
                                   "-Sender/Recipient-------")
        pad = " " * 41
        self.assertIn(f"{c}! ", r.stdout)
        self.assertIn(f"{b}* ", r.stdout)
        self.assertRegex(r.stdout, re.escape(a) +
                         r" +\d+ Sun Nov 22 18:30:00  a@example\.com\n" +
                         pad + r"r1@example\.com\n" + pad + r"r2@example\.com\n")
        self.assertIn("MAILER-DAEMON\n" + pad + "r3@example.com\n", r.stdout)
        self.assertNotIn("done@x", r.stdout)
        self.assertRegex(r.stdout, r"\n\n-- \d+ Kbytes in 3 Requests\.\n$")
        # hold first, then active, then deferred: blank line between.
        self.assertEqual(r.stdout.count("\n\n"), 3)

    def test_shape(self):
        now = int(time.time())
        self.write("deferred", rcpts=["a@Slow.example", "b@slow.example"],
                   arrival=(now - 3 * 3600, 0))   # 180 minutes: "320"
        self.write("active", rcpts=["c@fast.example"], arrival=(now, 0))
        self.write("hold", rcpts=["d@held.example"], arrival=(now, 0))
        r = self.pq("--shape")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["T", "5", "10", "20", "40", "80",
                                            "160", "320", "640", "1280",
                                            "1280+"])
        rows = {l.split()[0]: [int(n) for n in l.split()[1:]]
                for l in lines[1:]}
        self.assertEqual(list(rows), ["TOTAL", "slow.example",
                                      "fast.example"])  # hold not counted
        self.assertEqual(rows["TOTAL"], [3, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0])
        self.assertEqual(rows["slow.example"][0], 2)
        self.assertEqual(rows["slow.example"][7], 2)

    def test_json(self):
        self.write("deferred", sender='q"\x01\xe9@x',
                   rcpts=["r@example.com"])
        r = self.pq("-j")
        self.assertEqual(r.returncode, 0, r.stderr)
        objs = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual(len(objs), 1)
        o = objs[0]
        self.assertEqual(o["queue_name"], "deferred")
        self.assertEqual(o["arrival_time"], ARRIVAL[0])
        self.assertEqual(o["forced_expire"], False)
        self.assertEqual(o["sender"], 'q"\x01\xe9@x')
        self.assertEqual(o["recipients"], [{"address": "r@example.com"}])

    def test_hold_release_delete(self):
        qid, path = self.write("deferred")
        r = self.inst.postern("super", "-h", qid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("postern/super: Placed on hold: 1 message", r.stderr)
        self.assertIn(f"{qid}! ", self.pq("-p").stdout)
        self.inst.wait_log(re.escape(qid) + ": placed on hold")
        r = self.inst.postern("super", "-H", "ALL")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Released from hold: 1 message", r.stderr)
        self.assertTrue(os.path.exists(path))
        log = os.path.join(self.q, "defer", qid[9], qid)
        os.makedirs(os.path.dirname(log), exist_ok=True)
        open(log, "w").close()
        r = self.inst.postern("super", "-d", "-", input=qid + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("postern/super: Deleted: 1 message", r.stderr)
        self.assertFalse(os.path.exists(path))
        self.assertFalse(os.path.exists(log))
        self.inst.wait_log(re.escape(qid) + ": removed")
        self.assertEqual(self.pq("-p").stdout, "Mail queue is empty\n")

    def test_cat(self):
        qid, _ = self.write("deferred", sender="s@example.com",
                            rcpts=["r@example.com"],
                            header=["Subject: hello"], body=["line one"],
                            attrs=[("rewrite_context", "local")])
        r = self.inst.postern("cat", "-q", qid)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertIn(f"*** ENVELOPE RECORDS deferred/{qid} ***\n", out)
        self.assertIn("sender: s@example.com\n", out)
        self.assertIn("recipient: r@example.com\n", out)
        self.assertIn("named_attribute: rewrite_context=local\n", out)
        self.assertIn(f"*** MESSAGE CONTENTS deferred/{qid} ***\n"
                      "Subject: hello\n\nline one\n"
                      f"*** HEADER EXTRACTED deferred/{qid} ***\n"
                      f"*** MESSAGE FILE END deferred/{qid} ***\n", out)
        r = self.inst.postern("cat", "-b", "-q", qid)
        self.assertEqual(r.stdout, f"*** MESSAGE CONTENTS deferred/{qid} "
                                   "***\nline one\n")

    def test_corrupt(self):
        good = build("s@x", ["r@x"], ["Subject: x"], ["y"], ARRIVAL)
        qid, path = self.write("deferred", data=good[:-3])
        # showq skips it with a log line; cat moves it to corrupt/.
        self.assertEqual(self.pq("-p").stdout, "Mail queue is empty\n")
        self.inst.wait_log(re.escape(qid) + ": skipped: corrupt file")
        r = self.inst.postern("cat", "-q", qid)
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stderr, re.escape(qid) + r".*offset \d+")
        self.assertFalse(os.path.exists(path))
        self.assertTrue(os.path.exists(os.path.join(self.q, "corrupt", qid)))

    def test_cat_garbage_file(self):
        path = os.path.join(self.inst.root, "junk")
        with open(path, "wb") as f:
            f.write(b"C\xff\xff\xff\xff\xff\x01")
        r = self.inst.postern("cat", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{path}: offset 0:", r.stderr)

    def test_structure(self):
        qid, path = self.write("deferred")
        wrong = os.path.join(self.q, "deferred", qid)
        os.rename(path, wrong)
        stale = os.path.join(self.q, "incoming", "tmp.1.1")
        open(stale, "w").close()
        os.utime(stale, (time.time() - 2 * 86400,) * 2)
        r = self.inst.postern("super", "-s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(path))
        self.assertFalse(os.path.exists(stale))
        self.assertIn("Moved to the right hash folder: 1", r.stderr)

    def test_flush_unavailable(self):
        r = self.pq("-i", "ABC")
        self.assertEqual(r.returncode, 75)
        self.assertIn("flush service unavailable", r.stderr)

    def test_showq_down(self):
        os.unlink(os.path.join(self.q, "public", "showq"))
        r = self.pq("-p")
        self.assertEqual(r.returncode, 75)
        self.assertIn("mail system is down", r.stderr)

    def test_requeue(self):
        if not built("cleanup"):
            self.skipTest("daemons/cleanup/cleanup not built yet: requeue "
                          "needs it (the lead runs this after the merge)")
        self.inst.write_master_cf(MASTER_CF + "cleanup unix n - n - 0 "
                                  "cleanup\nrewrite unix - - n - - "
                                  "trivial-rewrite\n")
        self.inst.reload()
        # reload returns once master got the signal: wait for the socket.
        sock = os.path.join(self.inst.queue_dir, "public", "cleanup")
        deadline = time.monotonic() + 10
        while not os.path.exists(sock) and time.monotonic() < deadline:
            time.sleep(0.05)
        qid, path = self.write("deferred", rcpts=["a@x", "b@x"], done=["a@x"])
        r = self.inst.postern("super", "-r", qid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(path))
        self.assertIn("Requeued: 1 message", r.stderr)
        incoming = os.path.join(self.inst.queue_dir, "incoming")
        new = [n for n in os.listdir(incoming) if not n.startswith("tmp")]
        self.assertEqual(len(new), 1, new)
        qf = QueueFile(os.path.join(incoming, new[0]))
        self.assertTrue(qf.complete())
        self.assertEqual([r.split("@")[0] for r in qf.rcpts], ["b"])
        arrival = [d for t, d in qf.recs if t == "T"]
        self.assertEqual(arrival, [b"%d %d" % ARRIVAL])


if __name__ == "__main__":
    unittest.main()
