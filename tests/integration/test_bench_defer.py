"""bench/mta.py: a measurement's folder stays until the end of the run.

bench/run sets BENCH_DEFER_RM so that every measurement's folder is
removed in one go at the end: removing a Postern instance (its spare/
files above all) right after its measurement would free thousands of
inodes, and no-journal ext4 makes the next measurement's creates skip
recently freed inodes (docs/performance.md, "Method").  The instance is
set up, never started: only its folder matters here.
"""
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
import instance  # noqa: E402
import mta  # noqa: E402


class DeferTest(unittest.TestCase):

    def setUp(self):
        self.saved = {k: os.environ.get(k)
                      for k in ("BENCH_DEFER_RM", "BENCH_KEEP",
                                "POSTERN_KEEP")}
        for k in self.saved:
            os.environ.pop(k, None)
        # mta.Postern points the harness's instances at the run's folder:
        # the tests after this one must get theirs back.
        self.saved_tmp = instance.TMP
        os.makedirs(os.path.join(HERE, "..", "tmp"), exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="bench-defer-",
                                     dir=os.path.join(HERE, "..", "tmp"))
        os.chmod(self.work, 0o755)

    def tearDown(self):
        instance.TMP = self.saved_tmp
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(self.work, ignore_errors=True)

    def postern_root(self):
        """Set up and clean up one Postern instance; its folder."""
        with mta.Postern(self.work, {}) as m:
            root = m.root
            self.assertTrue(os.path.isdir(os.path.join(root, "etc")))
        return root

    def test_deferred(self):
        os.environ["BENCH_DEFER_RM"] = "1"
        root = self.postern_root()
        self.assertTrue(os.path.isdir(root),
                        "BENCH_DEFER_RM: the folder waits for the run's end")

    def test_removed_at_once(self):
        root = self.postern_root()
        self.assertFalse(os.path.exists(root),
                         "without BENCH_DEFER_RM the folder goes at once")


if __name__ == "__main__":
    unittest.main()
