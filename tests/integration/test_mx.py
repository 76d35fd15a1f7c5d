"""test_mx - MX lookups through the real resolver: the smtp agent, dnsmasq
and scripted SMTP servers (test_smtp.Sink) all run in a private network
namespace (netns.py) whose resolv.conf points at dnsmasq on 127.0.0.1.

Covered (issue 8, "Nexthops"): MX preference order; the next MX when the
first refuses the connection and when it greets with 4xx; the domain's
own A record when it has no MX; a null MX (RFC 7505) bounced at once
with 5.1.10; [host] without MX lookup; smtp_host_lookup = native through
getaddrinfo (the namespace's /etc/hosts and DNS) against dns.

Servers: 127.0.0.2:25 and 127.0.0.3:25 accept mail, 127.0.0.4:25 refuses
connections, 127.0.0.5:25 greets with 421.  Requests come from
deliver_client (qmgr's side), FakeBounce plays bounce/defer/trace."""
import os
import unittest

from deliver_client import FakeBounce, deliver
from instance import Instance, built, default_master_cf
from netns import NetNs
from qfile_reader import QueueFile
from qfile_writer import write_queue_file
from test_smtp import Sink

MASTER_CF = """smtp      unix  -       -       n       -       -       smtp
native    unix  -       -       n       -       -       smtp
    -o smtp_host_lookup=native
"""

RECORDS = [
    # Listed with the less preferred first: order must come from
    # the preference, not the answer.
    "--mx-host=pref.test,mx2.pref.test,20",
    "--mx-host=pref.test,mx1.pref.test,10",
    "--host-record=mx1.pref.test,127.0.0.2",
    "--host-record=mx2.pref.test,127.0.0.3",
    "--mx-host=refuse.test,down.refuse.test,10",
    "--mx-host=refuse.test,up.refuse.test,20",
    "--host-record=down.refuse.test,127.0.0.4",
    "--host-record=up.refuse.test,127.0.0.3",
    "--mx-host=greet.test,busy.greet.test,10",
    "--mx-host=greet.test,up.greet.test,20",
    "--host-record=busy.greet.test,127.0.0.5",
    "--host-record=up.greet.test,127.0.0.3",
    "--host-record=noma.test,127.0.0.2",
    "--dns-rr=nullmx.test,15,000000",  # MX 0 "." (RFC 7505)
    "--mx-host=bracket.test,mx1.pref.test,10",
    "--host-record=bracket.test,127.0.0.3",
    "--mx-host=natmx.test,hostsonly.test,10",
]


@unittest.skipUnless(os.geteuid() == 0, "network namespaces need root")
@unittest.skipUnless(built("smtp"), "smtp not built")
class MxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ns = NetNs(hosts={"hostsonly.test": "127.0.0.3"})
        cls.addClassCleanup(cls.ns.close)
        cls.ns.dnsmasq(RECORDS)
        cls.inst = Instance(name="mx", wrap=cls.ns.cmd([]),
                            main_cf={"smtp_connect_timeout": "5s"},
                            master_cf=MASTER_CF + default_master_cf())
        cls.inst.__enter__()
        cls.addClassCleanup(cls.inst.__exit__, None, None, None)
        cls.bounce = FakeBounce(cls.inst.queue_dir)
        cls.addClassCleanup(cls.bounce.close)
        cls.inst.start()
        cls.sinks = {}
        for addr, greeting in (("127.0.0.2", "220 two ESMTP"),
                               ("127.0.0.3", "220 three ESMTP"),
                               ("127.0.0.5", "421 4.3.2 busy, later")):
            s = Sink(sock=cls.ns.socket(), bind=(addr, 25), mail_wait=0,
                     greeting=greeting)
            cls.addClassCleanup(s.close)
            cls.sinks[addr] = s

    def send(self, rcpts, nexthop, service="smtp"):
        _, path = write_queue_file(self.inst.queue_dir, "active",
                                   rcpts=rcpts)
        qf = QueueFile(path)
        sock = os.path.join(self.inst.queue_dir, "private", service)
        return qf, deliver(sock, qf, qf.rcpt_records, nexthop=nexthop)

    def got(self, addr, rcpt):
        """True when the server at addr received mail for rcpt."""
        s = self.sinks[addr]
        with s.lock:
            return any(rcpt in rcpts for rcpts, _ in s.messages)

    def sent_via(self, qf, rcpt, relay):
        self.inst.wait_log(r"%s: to=<%s>, relay=%s:25, .*status=sent"
                           % (qf.queue_id, rcpt, relay.replace(".", r"\.")
                              .replace("[", r"\[").replace("]", r"\]")),
                           timeout=10)

    def test_preference_order(self):
        for i in range(4):  # equal-preference shuffles must not matter
            rcpt = "p%d@pref.test" % i
            qf, r = self.send([rcpt], "pref.test")
            self.assertEqual(r["results"], "S", self.inst.log()[-2000:])
            self.assertTrue(self.got("127.0.0.2", rcpt))
            self.assertFalse(self.got("127.0.0.3", rcpt))
        self.sent_via(qf, rcpt, "mx1.pref.test[127.0.0.2]")

    def test_next_mx_when_refused(self):
        qf, r = self.send(["r@refuse.test"], "refuse.test")
        self.assertEqual((r["results"], r["dead"]), ("S", 0), r)
        self.assertTrue(self.got("127.0.0.3", "r@refuse.test"))
        self.sent_via(qf, "r@refuse.test", "up.refuse.test[127.0.0.3]")

    def test_next_mx_after_4xx_greeting(self):
        qf, r = self.send(["g@greet.test"], "greet.test")
        self.assertEqual(r["results"], "S", r)
        self.assertTrue(self.got("127.0.0.3", "g@greet.test"))
        self.sent_via(qf, "g@greet.test", "up.greet.test[127.0.0.3]")

    def test_a_record_without_mx(self):
        qf, r = self.send(["a@noma.test"], "noma.test")
        self.assertEqual(r["results"], "S", self.inst.log()[-2000:])
        self.assertTrue(self.got("127.0.0.2", "a@noma.test"))
        self.sent_via(qf, "a@noma.test", "noma.test[127.0.0.2]")

    def test_null_mx_bounces(self):
        qf, r = self.send(["n@nullmx.test", "m@nullmx.test"], "nullmx.test")
        self.assertEqual((r["results"], r["dead"]), ("BB", 0), r)
        mine = [e for e in self.bounce.entries("bounce")
                if e.get("queue_id") == qf.queue_id]
        self.assertEqual([e["dsn_status"] for e in mine], ["5.1.10"] * 2)
        self.inst.wait_log(r"%s: to=<n@nullmx.test>, relay=none, .*"
                           r"dsn=5\.1\.10, status=bounced \(.*nullMX"
                           % qf.queue_id, timeout=10)

    def test_bracket_skips_mx(self):
        qf, r = self.send(["b@bracket.test"], "[bracket.test]")
        self.assertEqual(r["results"], "S", r)
        self.assertTrue(self.got("127.0.0.3", "b@bracket.test"))
        self.assertFalse(self.got("127.0.0.2", "b@bracket.test"))
        self.sent_via(qf, "b@bracket.test", "bracket.test[127.0.0.3]")

    def test_native_host_lookup(self):
        # getaddrinfo sees /etc/hosts (hostsonly.test) and DNS (noma.test);
        # the dns lookup sees only DNS.
        qf, r = self.send(["h@natmx.test"], "natmx.test", service="native")
        self.assertEqual(r["results"], "S", self.inst.log()[-2000:])
        self.sent_via(qf, "h@natmx.test", "hostsonly.test[127.0.0.3]")
        qf, r = self.send(["d@noma.test"], "[noma.test]", service="native")
        self.assertEqual(r["results"], "S", r)
        self.assertTrue(self.got("127.0.0.2", "d@noma.test"))
        qf, r = self.send(["x@natmx.test"], "natmx.test")
        self.assertNotEqual(r["results"], "S")
        self.assertFalse(self.got("127.0.0.3", "x@natmx.test"))


if __name__ == "__main__":
    unittest.main()
