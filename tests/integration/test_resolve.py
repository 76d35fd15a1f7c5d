"""test_resolve - trivial-rewrite's "resolve" request in a running instance:
master starts trivial-rewrite from master.cf and the request is sent over
private/rewrite with ipc_request: each address class, relayhost,
transport_maps and sender_dependent_relayhost_maps from main.cf, an
address literal of inet_interfaces, a failing table (the FAIL flag), and
a request that fails the strict scan."""
import os
import time
import unittest

try:
    from instance import Instance, built, default_master_cf, ipc_request
except ImportError:  # the harness is not there yet
    Instance = None

MASTER_CF = "rewrite   unix  -       -       n       -       -       " \
            "trivial-rewrite\n"
STAT_OK, STAT_BAD = 0, 4
LOCAL, ALIAS, VIRTUAL, RELAY, DEFAULT = 1, 2, 4, 8, 16
ERROR, FAIL, ROUTED, LITERAL = 32, 64, 128, 256


def wait_for(path, timeout=10.0):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise AssertionError(f"{path}: not there after {timeout}s")
        time.sleep(0.05)


class ResolveTest(unittest.TestCase):
    main_cf = {
        "mydomain": "example.net",
        "myorigin": "example.net",
        "mydestination": "$myhostname example.net",
        "virtual_alias_domains": "alias.test",
        "virtual_mailbox_domains": "mbox.test",
        "relay_domains": "relay.test",
        "relayhost": "[gw.example.net]:587",
        "transport_maps": "inline:{ special.test=lmtp:[store]:24, "
                          ".sub.test=error:gone }",
        "sender_dependent_relayhost_maps": "inline:{ @vip.test=[vip-gw] }",
    }

    def setUp(self):
        if Instance is None or not built("trivial-rewrite"):
            self.skipTest("harness or trivial-rewrite not built")
        self.inst = Instance(name="resolve", main_cf=self.main_cf,
                             master_cf=MASTER_CF + default_master_cf())
        self.inst.__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        self.inst.start()
        self.sock = os.path.join(self.inst.queue_dir, "private", "rewrite")
        wait_for(self.sock)

    def resolve(self, addr, sender=None):
        req = {"request": "resolve"}
        if sender is not None:
            req["sender"] = sender
        req["address"] = addr
        r = ipc_request(self.sock, req)
        self.assertEqual(r["status"], STAT_OK, r)
        return (r["transport"], r["nexthop"], r["recipient"], r["flags"])

    def test_classes(self):
        cases = [
            ("u", ("local", "test.example", "u@example.net", LOCAL)),
            ("u@test.example.", ("local", "test.example", "u@test.example",
                                 LOCAL)),
            ("u@[127.0.0.1]", ("local", "test.example", "u@[127.0.0.1]",
                               LOCAL | LITERAL)),
            ("u@alias.test", ("error",
                              "5.1.1 User unknown in virtual alias table",
                              "u@alias.test", ALIAS | ERROR)),
            ("u@mbox.test", ("virtual", "mbox.test", "u@mbox.test", VIRTUAL)),
            ("u@relay.test", ("relay", "[gw.example.net]:587",
                              "u@relay.test", RELAY)),
            ("u@example.org", ("smtp", "[gw.example.net]:587",
                               "u@example.org", DEFAULT)),
            ("u@special.test", ("lmtp", "[store]:24", "u@special.test",
                                DEFAULT)),
            ("u@a.sub.test", ("error", "gone", "u@a.sub.test",
                              DEFAULT | ERROR)),
        ]
        for addr, want in cases:
            with self.subTest(addr=addr):
                self.assertEqual(self.resolve(addr), want)
                # Asked again: the cached answer is the same.
                self.assertEqual(self.resolve(addr), want)

    def test_sender_relayhost(self):
        self.assertEqual(self.resolve("u@example.org", "boss@vip.test"),
                         ("smtp", "[vip-gw]", "u@example.org", DEFAULT))
        self.assertEqual(self.resolve("u@example.org", "x@other.test"),
                         ("smtp", "[gw.example.net]:587", "u@example.org",
                          DEFAULT))

    def test_bad_request(self):
        r = ipc_request(self.sock, {"request": "resolve", "rule": "local",
                                    "address": "u"})
        self.assertEqual(r["status"], STAT_BAD)
        self.assertIn("unexpected attribute", r["reason"])


class ResolveFailTest(unittest.TestCase):
    def test_table_failure(self):
        if Instance is None or not built("trivial-rewrite"):
            self.skipTest("harness or trivial-rewrite not built")
        inst = Instance(name="resolve-fail",
                        main_cf={"transport_maps": "fail:down"},
                        master_cf=MASTER_CF + default_master_cf())
        inst.__enter__()
        self.addCleanup(inst.__exit__, None, None, None)
        inst.start()
        sock = os.path.join(inst.queue_dir, "private", "rewrite")
        wait_for(sock)
        r = ipc_request(sock, {"request": "resolve",
                               "address": "u@example.org"})
        self.assertEqual(r["status"], STAT_OK, r)
        self.assertEqual((r["transport"], r["flags"]), ("", DEFAULT | FAIL))
        inst.wait_log(r"transport_maps: fail:down: lookup of "
                      r"\"u@example.org\" failed")


if __name__ == "__main__":
    unittest.main()
