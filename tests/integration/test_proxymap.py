"""test_proxymap - proxymap(8) and the proxy: table type in a running
instance: master starts proxymap and proxywrite from master.cf; tables
listed in proxy_read_maps (with the proxy: prefix, as in Postfix) answer
`postern map -q KEY proxy:TYPE:NAME`, others are refused with a reason
that names the list; the default proxy_read_maps covers the default
local_recipient_maps (proxy:unix:passwd.byname); and the services answer
the docs/ipc.md requests directly, proxywrite taking updates for tables
of proxy_write_maps.  `postern map -i` builds db files itself (it does not
go through proxy:), so proxywrite updates are tested over the socket."""
import os
import pwd
import time
import unittest

try:
    from instance import REPO, Instance, ipc_request, connect_unix, \
        ipc_exchange
except ImportError:  # the harness is not there yet
    Instance = None
    REPO = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

BUILD = os.path.abspath(os.environ.get("POSTERN_BUILD") or REPO)
PROXYMAP = os.path.join(BUILD, "daemons", "proxymap", "proxymap")
POSTERN = os.path.join(BUILD, "commands", "postern", "postern")
STAT_OK, STAT_NOTFOUND, STAT_RETRY, STAT_DENY, STAT_BAD = 0, 1, 2, 3, 4
DICT_FLAG_DUP_REPLACE = 1 << 2
DICT_FLAG_FIXED = 1 << 5
DICT_FLAG_FOLD_FIX = 1 << 8


def wait_for(path, timeout=10.0):
    """Until path exists (master makes the socket at start)."""
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise AssertionError(f"{path}: not there after {timeout}s")
        time.sleep(0.05)


class ProxymapTest(unittest.TestCase):
    def setUp(self):
        if Instance is None:
            self.skipTest("harness tests/integration/instance.py not there yet")
        for prog in (PROXYMAP, POSTERN):
            if not os.access(prog, os.X_OK):
                self.skipTest(f"{prog} not built")
        self.inst = Instance(name="proxymap")
        self.inst.__enter__()
        self.addCleanup(self.inst.__exit__, None, None, None)
        root = self.inst.root
        # Tables proxymap reads, and a folder proxywrite may write in.
        self.table = os.path.join(root, "virtual")
        with open(self.table, "w") as f:
            f.write("user@example.com local-user\nother@example.com x\n")
        os.chmod(self.table, 0o644)
        self.unlisted = os.path.join(root, "secret")
        with open(self.unlisted, "w") as f:
            f.write("k v\n")
        os.chmod(self.unlisted, 0o644)
        self.wdir = os.path.join(root, "wcache")
        os.mkdir(self.wdir, 0o755)
        if self.inst.privsep:
            os.chown(self.wdir, pwd.getpwnam(self.inst.mail_owner).pw_uid, -1)
        self.wtable = os.path.join(self.wdir, "cache")
        self.inst.write_main_cf({
            # Postfix's syntax: $local_recipient_maps keeps the default.
            "proxy_read_maps": f"$local_recipient_maps "
                               f"proxy:texthash:{self.table} "
                               f"texthash:{self.unlisted}",
            "proxy_write_maps": f"proxy:hash:{self.wtable}",
        })
        self.inst.start()
        private = os.path.join(self.inst.queue_dir, "private")
        self.read_sock = os.path.join(private, "proxymap")
        self.write_sock = os.path.join(private, "proxywrite")
        wait_for(self.read_sock)
        wait_for(self.write_sock)

    def map_query(self, key, table):
        """`postern map -q KEY TABLE`, skipping when postern map has no
        proxy: type (mail_dict_init not called there yet)."""
        r = self.inst.postern("map", "-q", key, table)
        if "unsupported dictionary type: proxy" in r.stderr:
            self.skipTest("postern map does not register the proxy: type "
                          "(commands/postern must call mail_dict_init())")
        return r

    def test_map_query_through_proxymap(self):
        table = f"proxy:texthash:{self.table}"
        r = self.map_query("User@Example.COM", table)
        self.assertEqual((r.returncode, r.stdout), (0, "local-user\n"),
                         r.stderr)
        r = self.map_query("nobody@example.com", table)
        self.assertEqual((r.returncode, r.stdout), (1, ""), r.stderr)
        # proxymap served it: a proxymap process exists now.
        names = [comm for comm, _, _ in self.inst.pids().values()]
        self.assertIn("proxymap", names)

    def test_map_query_denied(self):
        # Listed without the proxy: prefix: not approved (Postfix too).
        r = self.map_query("k", f"proxy:texthash:{self.unlisted}")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "")
        self.assertIn(f"proxy:texthash:{self.unlisted}: table is not "
                      f"listed in proxy_read_maps", r.stderr)
        self.inst.wait_log(r"postern/proxymap\[\d+\]: warning: request for "
                           r"unapproved table")

    def test_default_local_recipient_maps(self):
        user = pwd.getpwuid(os.getuid()).pw_name
        r = self.map_query(user, "proxy:unix:passwd.byname")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(f"{user}:"), r.stdout)
        self.assertIn(f":{os.getuid()}:", r.stdout)

    def test_requests_over_the_socket(self):
        table = f"texthash:{self.table}"
        r = ipc_request(self.read_sock, {"request": "open", "table": table,
                                         "flags": DICT_FLAG_FOLD_FIX})
        self.assertEqual(r, {"flags": DICT_FLAG_FIXED, "status": STAT_OK})
        with connect_unix(self.read_sock) as s:
            r = ipc_exchange(s, {"request": "lookup", "table": table,
                                 "flags": DICT_FLAG_FOLD_FIX,
                                 "key": "USER@example.com"})
            self.assertEqual(r, {"value": "local-user", "status": STAT_OK})
            r = ipc_exchange(s, {"request": "lookup", "table": table,
                                 "flags": 0, "key": "none"})
            self.assertEqual(r["status"], STAT_NOTFOUND, r)
            r = ipc_exchange(s, {"request": "update", "table": table,
                                 "flags": 0, "key": "k", "value": "v"})
            self.assertEqual(r["status"], STAT_DENY, r)
            r = ipc_exchange(s, {"request": "lookup", "table": "texthash:"
                                 + self.unlisted, "flags": 0, "key": "k"})
            self.assertEqual(r["status"], STAT_DENY, r)
            self.assertIn("proxy_read_maps", r["reason"])
            # A request that breaks the protocol: answered, then dropped.
            r = ipc_exchange(s, {"request": "lookup", "table": table})
            self.assertEqual(r["status"], STAT_BAD, r)
            self.assertEqual(s.recv(1), b"")

    def test_proxywrite_updates(self):
        table = f"hash:{self.wtable}"
        flags = DICT_FLAG_DUP_REPLACE
        with connect_unix(self.write_sock) as s:
            for value in ("first", "second"):
                r = ipc_exchange(s, {"request": "update", "table": table,
                                     "flags": flags, "key": "addr",
                                     "value": value})
                self.assertEqual(r, {"status": STAT_OK})
                r = ipc_exchange(s, {"request": "lookup", "table": table,
                                     "flags": flags, "key": "addr"})
                self.assertEqual(r, {"value": value, "status": STAT_OK})
            r = ipc_exchange(s, {"request": "delete", "table": table,
                                 "flags": flags, "key": "addr"})
            self.assertEqual(r, {"status": STAT_OK})
            r = ipc_exchange(s, {"request": "delete", "table": table,
                                 "flags": flags, "key": "addr"})
            self.assertEqual(r["status"], STAT_NOTFOUND, r)
            # The read list is not the write list.
            r = ipc_exchange(s, {"request": "lookup", "table": "texthash:"
                                 + self.table, "flags": 0, "key": "x"})
            self.assertEqual(r["status"], STAT_DENY, r)
            self.assertIn("proxy_write_maps", r["reason"])
        self.assertTrue(os.path.exists(self.wtable + ".db"))

    def test_runs_as_mail_owner(self):
        ipc_request(self.read_sock, {"request": "open", "flags": 0,
                                     "table": f"texthash:{self.table}"})
        uid = pwd.getpwnam(self.inst.mail_owner).pw_uid
        procs = [v for v in self.inst.pids().values() if v[0] == "proxymap"]
        self.assertTrue(procs)
        for comm, euid, _ in procs:
            self.assertEqual(euid, uid, comm)


if __name__ == "__main__":
    unittest.main()
