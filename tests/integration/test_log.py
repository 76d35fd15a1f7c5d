"""test_log - maillog_file in a running instance: master, `postern log`
and a chrooted daemon all reach the file through the postlog service
(postlogd), one line per event in the syslog file format
"Mmm dd hh:mm:ss test.example postern/NAME[pid]: text", and a datagram
cannot split or forge a line."""
import os
import socket
import unittest

try:
    from instance import Instance, built, ipc_request
except ImportError:  # the harness is not there yet
    Instance = None
STAMP = r"(?m)^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d test\.example "

MASTER_CF = """\
postlog unix-dgram n - n - 1 postlogd
anvil unix - - y - 1 anvil
"""


class LogTest(unittest.TestCase):
    def setUp(self):
        if Instance is None:
            self.skipTest("harness tests/integration/instance.py not there yet")
        if not built("postlogd") or not built("master"):
            self.skipTest("postlogd or master not built")
        master_cf = MASTER_CF
        if not built("anvil"):
            master_cf = MASTER_CF.splitlines()[0] + "\n"
        # The harness sets maillog_file_prefixes to the instance's folder.
        self.inst = Instance(name="log", master_cf=master_cf)
        self.inst.__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        self.inst.start()

    def test_master_line(self):
        # Master logs once it has its listeners (postlog among them).
        self.inst.wait_log(STAMP + r"postern/master\[\d+\]: ", timeout=10)

    def test_postern_log_args(self):
        r = self.inst.postern("log", "-t", "test", "hello", "world")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.inst.wait_log(STAMP + r"postern/test\[\d+\]: hello world$",
                           timeout=10)

    def test_postern_log_stdin(self):
        text = "first\n\nsecond\x01line\n"
        r = self.inst.postern("log", "-i", "-p", "warn", "-t", "stdin",
                              input=text)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.inst.wait_log(r"(?m)postern/stdin\[\d+\]: "
                           r"warning: second\?line$", timeout=10)
        lines = [l for l in self.inst.log().splitlines()
                 if "postern/stdin[" in l]
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], STAMP + r"postern/stdin\[\d+\]: "
                         r"warning: first$")

    def test_bad_priority(self):
        r = self.inst.postern("log", "-p", "loud", "x")
        self.assertEqual(r.returncode, 1)
        self.assertIn("usage: postern log", r.stderr)

    def test_datagram_cannot_forge_lines(self):
        path = os.path.join(self.inst.queue_dir, "public", "postlog")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(b"forged\nJan  1 00:00:00 evil postern/smtpd[1]: x\n",
                     path)
            s.sendto(b"no newline at the end", path)
        self.inst.wait_log(r"(?m)^forged\?Jan  1 00:00:00 evil ", timeout=10)
        self.inst.wait_log(r"(?m)^no newline at the end$", timeout=10)
        self.assertNotRegex(self.inst.log(), r"(?m)^Jan  1 00:00:00 evil")

    def test_burst_in_order(self):
        # postlogd writes a batch of waiting datagrams with one write():
        # every line of a burst arrives, whole and in order.
        path = os.path.join(self.inst.queue_dir, "public", "postlog")
        n = 500
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            for i in range(n):
                s.sendto(b"burst line %04d %s" % (i, b"x" * 100), path)
        self.inst.wait_log(r"(?m)^burst line %04d x+$" % (n - 1), timeout=10)
        got = [l for l in self.inst.log().splitlines()
               if l.startswith("burst line")]
        self.assertEqual(got, ["burst line %04d %s" % (i, "x" * 100)
                               for i in range(n)])

    def test_chrooted_daemon(self):
        if not built("anvil"):
            self.skipTest("anvil not built")
        if not self.inst.privsep:
            self.skipTest("chroot needs root")
        sock = os.path.join(self.inst.queue_dir, "private", "anvil")
        # A bad request makes anvil warn; anvil runs chrooted (master.cf).
        r = ipc_request(sock, {"request": "no-such-request"})
        self.assertNotEqual(r.get("status"), 0, r)
        m = self.inst.wait_log(STAMP + r"postern/anvil\[(\d+)\]: warning: "
                               r"anvil: bad request", timeout=10)
        procs = self.inst.pids()
        anvil = [p for p, (comm, _, _) in procs.items() if comm == "anvil"]
        self.assertTrue(anvil, procs)
        root = procs[anvil[0]][2]
        self.assertEqual(os.path.realpath(root),
                         os.path.realpath(self.inst.queue_dir))
        self.assertEqual(int(m.group(1)), anvil[0])


if __name__ == "__main__":
    unittest.main()
