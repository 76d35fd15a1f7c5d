"""bench/table.py: the side-by-side table's rows, from made-up runs.

The benchmark itself is never run by a test (docs/performance.md); this
checks only how the table turns per-run figures into medians and ratios,
and the rows that split end to end by which MTA ran first.
"""
import os
import sys
import types
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "bench"))
import table  # noqa: E402


def run(pf_e2e, pn_e2e):
    """One run's local figures (no relay, no ceilings)."""
    def res(e2e):
        return {"accept": e2e, "e2e": e2e, "cpu_per_1000": 1.0,
                "rss": {}, "cpu_by_program": {}}
    return {"local/postfix": res(pf_e2e), "local/postern": res(pn_e2e)}


OPTS = types.SimpleNamespace(messages=100, size=4096, sessions=20)


def rows(runs):
    """The table's rows as {label: (postfix, postern, ratio)}."""
    out = {}
    for line in table.render(runs, OPTS).splitlines()[3:]:
        cells = [c for c in line.split("  ") if c.strip()]
        out[cells[0].strip()] = tuple(c.strip() for c in cells[1:])
    return out


class TableTest(unittest.TestCase):

    def test_order_split(self):
        # Runs 0 and 2 put Postfix first (Postern second), 1 and 3 the
        # other way round (bench/run alternates).
        got = rows([run(500, 1000), run(700, 700), run(400, 1000),
                    run(600, 900)])
        self.assertEqual(got["local: end-to-end, msgs/s"],
                         ("550 (400-700)", "950 (700-1000)",
                          "1.75 (1.00-2.50)"))
        self.assertEqual(got["local: end-to-end, Postern second"],
                         ("450 (400-500)", "1000 (1000-1000)",
                          "2.25 (2.00-2.50)"))
        self.assertEqual(got["local: end-to-end, Postern first"],
                         ("650 (600-700)", "800 (700-900)",
                          "1.25 (1.00-1.50)"))

    def test_one_run_no_split(self):
        got = rows([run(500, 1000)])
        self.assertEqual(got["local: end-to-end, msgs/s"],
                         ("500", "1000", "2.00"))
        self.assertNotIn("local: end-to-end, Postern second", got)


if __name__ == "__main__":
    unittest.main()
