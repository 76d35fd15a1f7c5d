"""test_anvil - anvil(8) in a running instance: master starts it from
master.cf, a client talks to private/anvil with the docs/ipc.md codec,
and the counters behave as smtpd will rely on: counts per client, rates
that start over after anvil_rate_time_unit, bad requests answered
without losing the connection or the process, peaks logged every
anvil_status_update_time (the log at exit is checked by the unit test
tests/unit/libglobal/test_anvil_clnt.c: at stop, postlogd may be gone
before anvil's last lines reach it)."""
import os
import time
import unittest

try:
    from instance import Instance, built, ipc_request, program
except ImportError:  # the harness is not there yet
    Instance = None

STAT_OK, STAT_BAD = 0, 4
UNIT = 2  # anvil_rate_time_unit, seconds
STATUS = 3  # anvil_status_update_time, seconds


def wait_for(path, timeout=10.0):
    """Until path exists (master makes the socket at start)."""
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise AssertionError(f"{path}: not there after {timeout}s")
        time.sleep(0.05)


class AnvilTest(unittest.TestCase):
    def setUp(self):
        if Instance is None:
            self.skipTest("harness tests/integration/instance.py not there yet")
        if not built("anvil"):
            self.skipTest(f"{program('anvil')} not built")
        self.inst = Instance(name="anvil",
                             main_cf={"anvil_rate_time_unit": f"{UNIT}s",
                                      "anvil_status_update_time":
                                      f"{STATUS}s"})
        self.inst.__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        self.inst.start()
        self.sock = os.path.join(self.inst.queue_dir, "private", "anvil")
        wait_for(self.sock)

    def ask(self, request, ident="smtp:127.0.0.1", **extra):
        attrs = {"request": request, "ident": ident}
        attrs.update(extra)
        return ipc_request(self.sock, attrs)

    def counters(self, ident="smtp:127.0.0.1"):
        r = self.ask("lookup", ident)
        self.assertEqual(r["status"], STAT_OK, r)
        return tuple(r[k] for k in
                     ("count", "rate", "mail", "rcpt", "ntls", "auth"))

    def test_counts_and_rate_window(self):
        # Start right after a second turns over, so that both connects
        # fall into one window even on a slow machine.
        time.sleep(1.0 - time.time() % 1.0 + 0.05)
        for n in (1, 2):
            r = self.ask("connect")
            self.assertEqual(r["status"], STAT_OK, r)
            self.assertEqual((r["count"], r["rate"]), (n, n))
        self.assertEqual(self.ask("message")["rate"], 1)
        self.assertEqual(self.ask("recipient")["rate"], 1)
        self.assertEqual(self.ask("recipient")["rate"], 2)
        self.assertEqual(self.ask("newtls")["rate"], 1)
        self.assertEqual(self.ask("auth")["rate"], 1)
        self.assertEqual(self.counters(), (2, 2, 1, 2, 1, 1))
        self.assertEqual(self.counters("smtp:192.0.2.1"), (0,) * 6)
        self.assertEqual(self.ask("disconnect")["status"], STAT_OK)
        time.sleep(UNIT + 0.2)
        # The window is over: rates start again, the count stays.
        self.assertEqual(self.counters(), (1, 0, 0, 0, 0, 0))
        r = self.ask("connect")
        self.assertEqual((r["count"], r["rate"]), (2, 1))

    def test_bad_requests_keep_the_daemon(self):
        r = self.ask("explode")
        self.assertEqual(r["status"], STAT_BAD, r)
        self.assertIn("unknown request", r["reason"])
        r = self.ask("connect", surprise="x")
        self.assertEqual(r["status"], STAT_BAD, r)
        r = self.ask("connect", ident="")
        self.assertEqual(r["status"], STAT_BAD, r)
        self.assertEqual(self.ask("connect")["count"], 1)
        anvils = [p for p, (comm, _, _) in self.inst.pids().items()
                  if comm == "anvil"]
        self.assertEqual(len(anvils), 1, self.inst.pids())

    def test_peaks_logged(self):
        for _ in range(3):
            self.ask("connect", "smtp:198.51.100.7")
        self.inst.wait_log(
            r"postern/anvil\[\d+\]: statistics: max connection count 3 "
            r"for \(smtp:198\.51\.100\.7\) at \w{3} [ \d]\d \d\d:\d\d:\d\d",
            timeout=STATUS + 10)
        self.assertRegex(self.inst.log(),
                         r"statistics: max connection rate 3/2s for "
                         r"\(smtp:198\.51\.100\.7\)")

if __name__ == "__main__":
    unittest.main()
