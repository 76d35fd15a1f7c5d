"""test_map - `postern map`, `postern alias` and newaliases as an admin
runs them, checked against answers Postfix 3.7's postmap gave for the same
files (tests/data/maps/*.ref, made by corner-ref.sh and rules-ref.sh)."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import postfix_ref

TOP = postfix_ref.TOP
POSTERN = os.path.join(TOP, "commands", "postern", "postern")
NEWALIASES = os.path.join(TOP, "commands", "newaliases", "newaliases")
MAPS = os.path.join(TOP, "tests", "data", "maps")


def run(*args, stdin=None, check=True):
    r = subprocess.run(list(args), input=stdin, capture_output=True,
                       text=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"{args}: exit {r.returncode}: {r.stderr}")
    return r


def expected(name):
    """key -> answer (None for NOTFOUND) from a .ref file."""
    out = {}
    with open(os.path.join(MAPS, name)) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            out[key] = None if value == "NOTFOUND" else value
    return out


class MapTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="postern-map-")
        with open(os.path.join(self.dir, "main.cf"), "w") as f:
            f.write(f"alias_database = hash:{self.dir}/aliases\n")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def postern(self, *args, **kw):
        return run(POSTERN, "-c", self.dir, *args, **kw)

    def check_answers(self, table, ref):
        for key, want in expected(ref).items():
            r = self.postern("map", "-q", key, table, check=False)
            if want is None:
                self.assertEqual(r.returncode, 1, f"{table} {key!r}")
                self.assertEqual(r.stdout, "")
            else:
                self.assertEqual(r.returncode, 0, f"{table} {key!r}")
                self.assertEqual(r.stdout, want + "\n", f"{table} {key!r}")

    def test_fixed_tables_answer_like_postfix(self):
        src = os.path.join(self.dir, "corner")
        shutil.copy(os.path.join(MAPS, "corner.in"), src)
        for kind in ("hash", "btree"):
            self.postern("map", f"{kind}:{src}")
            self.check_answers(f"{kind}:{src}", "corner.ref")
        self.check_answers(f"texthash:{src}", "corner.ref")

    def test_pattern_tables_answer_like_postfix(self):
        for kind in ("regexp", "pcre", "cidr"):
            if not os.path.exists(os.path.join(MAPS, f"{kind}.ref")):
                continue
            self.check_answers(f"{kind}:{MAPS}/{kind}.src", f"{kind}.ref")

    def test_inline_static_answer_like_postfix(self):
        """inline-static.ref: table, key, Postfix 3.7 postmap -q answer."""
        with open(os.path.join(MAPS, "inline-static.ref")) as f:
            rows = [line.rstrip("\n").split("\t") for line in f]
        self.assertGreater(len(rows), 10)
        for table, key, want in rows:
            r = self.postern("map", "-q", key, table, check=False)
            if want == "NOTFOUND":
                self.assertEqual((r.returncode, r.stdout), (1, ""), key)
            else:
                self.assertEqual((r.returncode, r.stdout), (0, want + "\n"),
                                 f"{table} {key}")

    def test_query_stdin_show_delete_incremental(self):
        src = os.path.join(self.dir, "virtual")
        with open(src, "w") as f:
            f.write("a@x.example alice\nB@x.example bob\n")
        self.postern("map", src)
        r = self.postern("map", "-q", "-", src,
                         stdin="a@x.example\nnone\nb@x.example\n")
        self.assertEqual(r.stdout, "a@x.example\talice\nb@x.example\tbob\n")
        self.postern("map", "-i", src, stdin="c@x.example carol\n")
        self.postern("map", "-d", "a@x.example", src)
        r = self.postern("map", "-d", "a@x.example", src, check=False)
        self.assertEqual(r.returncode, 1)
        r = self.postern("map", "-s", src)
        self.assertEqual(sorted(r.stdout.splitlines()),
                         ["b@x.example\tbob", "c@x.example\tcarol"])

    def test_bad_line_fails_and_keeps_old_database(self):
        src = os.path.join(self.dir, "access")
        with open(src, "w") as f:
            f.write("good OK\n")
        self.postern("map", src)
        before = os.stat(src + ".db")
        with open(src, "w") as f:
            f.write("good REJECT\nkey-without-value\n")
        r = self.postern("map", src, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{src}, line 2", r.stderr)
        after = os.stat(src + ".db")
        self.assertEqual(before.st_ino, after.st_ino)
        self.assertEqual(self.postern("map", "-q", "good", src).stdout,
                         "OK\n")

    def test_aliases_and_newaliases(self):
        src = os.path.join(self.dir, "aliases")
        with open(src, "w") as f:
            f.write("# system aliases\nPostmaster: root\n"
                    "list: a, b,\n  c@example.com, \"|/usr/bin/prog arg\"\n"
                    "files: /var/log/x, :include:/etc/x.list\n"
                    "\"quoted name\": x\n")
        run(NEWALIASES, "-C", self.dir)
        q = lambda k: self.postern("alias", "-q", k, src, check=False)
        self.assertEqual(q("postmaster").stdout, "root\n")
        self.assertEqual(q("list").stdout,
                         "a, b, c@example.com, \"|/usr/bin/prog arg\"\n")
        self.assertEqual(q("quoted name").stdout, "x\n")
        self.assertEqual(q("@").stdout, "@\n")
        with open(src, "a") as f:
            f.write("no colon here\n")
        r = run(NEWALIASES, "-C", self.dir, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{src}, line 7: need name:value pair", r.stderr)
        self.assertEqual(q("postmaster").stdout, "root\n")

    def test_postfix_reads_our_database(self):
        if not postfix_ref.root():
            self.skipTest("Postfix package not available")
        src = os.path.join(MAPS, "corner.in")
        mine = os.path.join(self.dir, "corner")
        shutil.copy(src, mine)
        self.postern("map", f"hash:{mine}")
        with open(os.path.join(self.dir, "main.cf"), "w") as f:
            f.write("mail_owner = daemon\nsetgid_group = mail\n")
        with open(os.path.join(MAPS, "corner.keys")) as f:
            keys = f.read()
        out = postfix_ref.run("postmap", "-q", "-", f"hash:{mine}",
                              config_dir=self.dir, stdin=keys)
        want = [f"{k}\t{v}" for k, v in expected("corner.ref").items()
                if v is not None]
        self.assertEqual(out.splitlines(), want)

    def test_large_table_builds_quickly(self):
        """100,000 lines: the build finishes well inside a minute (the
        figures themselves are measured by hand, not asserted)."""
        src = os.path.join(self.dir, "big")
        with open(src, "w") as f:
            for i in range(100000):
                f.write(f"user{i}@example.com mailbox{i}\n")
        start = time.monotonic()
        self.postern("map", src)
        self.assertLess(time.monotonic() - start, 60)
        self.assertEqual(self.postern("map", "-q", "user99999@example.com",
                                      src).stdout, "mailbox99999\n")


if __name__ == "__main__":
    unittest.main()
