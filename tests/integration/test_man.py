"""test_man - the man pages in docs/man.

Every page renders with `man -l` (MANWIDTH and COLUMNS fixed, output to
a pipe) and with `groff -man -ww -z` without a word on stderr; every
program in commands/ and daemons/ has a page (section 1 or 8), and so do
mailq, main.cf(5) and master.cf(5); main.cf.5 is what
docs/gen-main-cf-5.sh makes of the parameter table; every option letter
a daemon's usage names appears in its page."""
import glob
import os
import shutil
import subprocess
import unittest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MAN = os.path.join(TOP, "docs", "man")
POSTERN = os.path.join(TOP, "commands", "postern", "postern")
ENV = dict(os.environ, MANWIDTH="80", COLUMNS="80", LC_ALL="C.UTF-8",
           MANPAGER="cat", PAGER="cat")


def pages():
    """Every page in docs/man, by file name."""
    return sorted(os.path.basename(p)
                  for p in glob.glob(os.path.join(MAN, "*.[158]")))


def programs(kind):
    """The program folders of commands/ or daemons/ that hold C code."""
    return sorted(d for d in os.listdir(os.path.join(TOP, kind))
                  if glob.glob(os.path.join(TOP, kind, d, "*.c")))


class ManTest(unittest.TestCase):
    def render(self, cmd, page):
        """Run cmd on page; it must exit 0, print, and say nothing on stderr."""
        r = subprocess.run(cmd + [os.path.join(MAN, page)], env=ENV,
                           capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, "%s %s: %s" % (cmd, page, r.stderr))
        self.assertEqual(r.stderr, "", "%s %s" % (cmd[0], page))
        return r.stdout

    @unittest.skipUnless(shutil.which("man"), "man-db is not installed")
    def test_man_renders(self):
        for page in pages():
            with self.subTest(page=page):
                out = self.render(["man", "-l"], page)
                self.assertIn("NAME", out)
                self.assertGreater(len(out.splitlines()), 10)

    @unittest.skipUnless(shutil.which("groff"), "groff is not installed")
    def test_groff_strict(self):
        for page in pages():
            with self.subTest(page=page):
                self.render(["groff", "-man", "-ww", "-z", "-Tutf8"], page)

    def test_every_program_has_a_page(self):
        have = set(pages())
        for name in programs("commands"):
            self.assertTrue({name + ".1", name + ".8"} & have, name)
        for name in programs("daemons"):
            self.assertIn(name + ".8", have)
        for page in ("mailq.1", "main.cf.5", "master.cf.5"):
            self.assertIn(page, have)

    def test_daemon_options_documented(self):
        """The skeleton's options (mail_server.c) and master's are in each page."""
        for name in programs("daemons"):
            with open(os.path.join(MAN, name + ".8")) as f:
                text = f.read()
            letters = "cdtv" if name == "master" else "cnts ouvrw"
            for ch in letters.replace(" ", ""):
                self.assertIn("\\-" + ch, text, "%s.8: -%s" % (name, ch))

    def test_main_cf_5_is_generated(self):
        gen = os.path.join(TOP, "docs", "gen-main-cf-5.sh")
        made = subprocess.run(["sh", gen, POSTERN], capture_output=True,
                              text=True, check=True, timeout=60).stdout
        with open(os.path.join(MAN, "main.cf.5")) as f:
            self.assertEqual(f.read(), made,
                             "run sh docs/gen-main-cf-5.sh > docs/man/main.cf.5")
        self.assertGreater(made.count("\n.TP\n\\fB"), 100)


if __name__ == "__main__":
    unittest.main()
