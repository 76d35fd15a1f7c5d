"""test_cleanup_maps - cleanup(8)'s address mapping in a running instance:
virtual_alias_maps expansion (one level, recursion, the "a -> a, b"
idiom), a virtual alias loop that is stopped, logged and answered with a
temporary error, the expansion limit, sender_canonical_maps, and
masquerade_domains.  Tables are texthash: files, so no database build is
needed."""
import os
import tempfile
import unittest

from test_cleanup import CleanupBase, usable, wait_for

try:
    from cleanup_client import submit
except ImportError:
    submit = None

VIRTUAL = """\
list@example.com    alice@example.net, bob@example.net
nested@example.com  list@example.com, carol@example.net
self@example.com    self@example.com, dave@example.net
loop1@example.com   loop2@example.com
loop2@example.com   loop1@example.com
big@example.com     a1@x.net a2@x.net a3@x.net a4@x.net a5@x.net
"""
CANONICAL = """\
alice@example.org   alice.smith@example.org
"""


class CleanupMapsTest(CleanupBase):
    def setUp(self):
        if not usable():
            self.skipTest("harness or cleanup/trivial-rewrite not built")
        tmp = tempfile.mkdtemp(prefix="cmaps.")
        self.addCleanup(lambda: [os.unlink(os.path.join(tmp, n))
                                 for n in os.listdir(tmp)] and None)
        paths = {}
        for name, text in (("virtual", VIRTUAL), ("canonical", CANONICAL)):
            paths[name] = os.path.join(tmp, name)
            with open(paths[name], "w") as f:
                f.write(text)
        os.chmod(tmp, 0o755)
        self.start({"virtual_alias_maps": "texthash:" + paths["virtual"],
                    "sender_canonical_maps":
                        "texthash:" + paths["canonical"],
                    "masquerade_domains": "example.net",
                    "virtual_alias_expansion_limit": "4",
                    "myorigin": "example.org"})
        self.inst.start()
        wait_for(lambda: os.path.exists(self.sock), what=self.sock)

    def send(self, rcpts, sender="alice"):
        return submit(self.sock, sender, rcpts, "Subject: t\n\nbody\n")

    def test_one_level(self):
        qid, reply = self.send(["list@example.com"])
        self.assertEqual(reply["status"], 0, reply)
        qf = self.queue_file("incoming", qid)
        self.assertEqual(qf.rcpts, ["alice@example.net", "bob@example.net"])
        self.assertEqual(qf.origs, ["list@example.com"] * 2)

    def test_recursive(self):
        qid, reply = self.send(["nested@example.com"])
        self.assertEqual(reply["status"], 0, reply)
        self.assertEqual(self.queue_file("incoming", qid).rcpts,
                         ["alice@example.net", "bob@example.net",
                          "carol@example.net"])

    def test_self_reference_kept(self):
        qid, reply = self.send(["self@example.com"])
        self.assertEqual(reply["status"], 0, reply)
        self.assertEqual(self.queue_file("incoming", qid).rcpts,
                         ["self@example.com", "dave@example.net"])

    def test_loop_stopped_and_logged(self):
        qid, reply = self.send(["loop1@example.com"])
        self.assertEqual(reply["status"], 2, reply)  # MAIL_STAT_RETRY
        self.assertTrue(reply["dsn"].startswith("4."), reply)
        self.assertNotIn(qid, self.incoming())
        self.inst.wait_log(r"warning: .*loop.*loop1@example\.com", timeout=10)

    def test_expansion_limit(self):
        qid, reply = self.send(["big@example.com"])
        self.assertEqual(reply["status"], 2, reply)
        self.assertNotIn(qid, self.incoming())
        self.inst.wait_log(r"virtual_alias_expansion_limit", timeout=10)

    def test_duplicates_removed(self):
        qid, reply = self.send(["list@example.com", "alice@example.net",
                                "list@example.com"])
        self.assertEqual(reply["status"], 0, reply)
        qf = self.queue_file("incoming", qid)
        # Duplicates are judged on (original, recipient), as Postfix does
        # with enable_original_recipient: alice stays once per original.
        self.assertEqual(list(zip(qf.origs, qf.rcpts)),
                         [("list@example.com", "alice@example.net"),
                          ("list@example.com", "bob@example.net"),
                          ("alice@example.net", "alice@example.net")])

    def test_sender_canonical(self):
        qid, reply = self.send(["x@example.com"])
        self.assertEqual(reply["status"], 0, reply)
        qf = self.queue_file("incoming", qid)
        self.assertEqual(qf.sender, "alice.smith@example.org")
        self.assertEqual(qf.header("From"), ["<alice.smith@example.org>"])

    def test_masquerade(self):
        qid, reply = self.send(["x@example.com"],
                               sender="joe@host.sub.example.net")
        self.assertEqual(reply["status"], 0, reply)
        self.assertEqual(self.queue_file("incoming", qid).sender,
                         "joe@example.net")


if __name__ == "__main__":
    unittest.main()
