"""table - the side-by-side table of bench/run's results.

render(runs, opts) takes the list of per-run dicts bench/run collects
({"relay/postfix": {...}, "local/postern": {...}, "sink": {...},
"disk": {...}}) and returns the table as text.  Each cell is the median
of the runs with (min-max) when there are several; a ratio column is
Postern/Postfix computed within each run, then the median of those.
"""
import statistics

MB = 1024 * 1024


def cell(values, fmt):
    """'MEDIAN (MIN-MAX)' of values, '-' when there are none."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    mid = fmt.format(statistics.median(values))
    if len(values) == 1:
        return mid
    return f"{mid} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def pick(runs, key, field):
    """Each run's value of runs[i][key][field] (None when missing)."""
    return [r.get(key, {}).get(field) for r in runs]


def ratios(a, b):
    """Per-run b/a where both exist."""
    return [y / x for x, y in zip(a, b)
            if x is not None and y is not None and x > 0]


def peak_rss(run, name, prog):
    """The largest VmHWM of prog over the run's passes of MTA name."""
    got = [run[k]["rss"].get(prog) for k in run
           if k.endswith("/" + name) and prog in run[k]["rss"]]
    return max(got) if got else None


def by_order(values, second):
    """The values of the runs where Postern's pass came second (or first).
    bench/run puts Postfix first in the runs of even index (from 0)."""
    return [v for i, v in enumerate(values) if (i % 2 == 0) == second]


def order_rows(runs, scen, pf, pn):
    """End to end split by which MTA ran the scenario first: the pass
    that runs right after the other MTA's passes can pay for the inodes
    those freed (docs/performance.md, "The order effect")."""
    if len(runs) < 2:
        return []
    return [(f"{scen}: end-to-end, Postern {when}", by_order(pf, second),
             by_order(pn, second), "{:.0f}")
            for when, second in (("second", True), ("first", False))]


def mta_rows(runs):
    """(label, postfix values, postern values, format) per figure."""
    rows = []
    for scen in ("relay", "local"):
        for field, label, fmt in (
                ("accept", "acceptance, msgs/s", "{:.0f}"),
                ("e2e", "end-to-end, msgs/s", "{:.0f}"),
                ("cpu_per_1000", "CPU s per 1000 msgs", "{:.2f}")):
            pf = pick(runs, f"{scen}/postfix", field)
            pn = pick(runs, f"{scen}/postern", field)
            if any(v is not None for v in pf + pn):
                rows.append((f"{scen}: {label}", pf, pn, fmt))
                if field == "e2e":
                    rows += order_rows(runs, scen, pf, pn)
    rows += program_cpu_rows(runs)
    progs = set()
    for run in runs:
        for key, res in run.items():
            if "/" in key:
                progs.update(res["rss"])
    for prog in sorted(progs):
        pf = [peak_rss(r, "postfix", prog) for r in runs]
        pn = [peak_rss(r, "postern", prog) for r in runs]
        pf = [v / MB if v else None for v in pf]
        pn = [v / MB if v else None for v in pn]
        rows.append((f"peak RSS MB: {prog}", pf, pn, "{:.1f}"))
    return rows


def program_cpu_rows(runs):
    """Rows of sampled CPU per 1000 messages per program and scenario,
    the programs that used at least 0.01 s in some run."""
    rows = []
    for scen in ("relay", "local"):
        progs = set()
        for run in runs:
            for name in ("postfix", "postern"):
                got = run.get(f"{scen}/{name}", {}).get("cpu_by_program", {})
                progs.update(p for p, v in got.items() if v >= 0.01)
        for prog in sorted(progs):
            pf = [r.get(f"{scen}/postfix", {}).get("cpu_by_program", {})
                  .get(prog) for r in runs]
            pn = [r.get(f"{scen}/postern", {}).get("cpu_by_program", {})
                  .get(prog) for r in runs]
            rows.append((f"{scen}: CPU s/1000 (sampled): {prog}", pf, pn,
                         "{:.2f}"))
    return rows


def render(runs, opts):
    """The whole table as text."""
    head = ("figure", "Postfix 3.7", "Postern", "Postern/Postfix")
    lines = [head]
    for label, pf, pn, fmt in mta_rows(runs):
        lines.append((label, cell(pf, fmt), cell(pn, fmt),
                      cell(ratios(pf, pn), "{:.2f}")))
    for key, label in (("sink", "ceiling: smtp-source -> smtp-sink, "
                               "msgs/s"),
                       ("disk", f"ceiling: create+fsync+rename, "
                                f"{opts.sessions} writers, /s")):
        vals = pick(runs, key, "rate")
        if any(v is not None for v in vals):
            lines.append((label, cell(vals, "{:.0f}"), "", ""))
    widths = [max(len(row[i]) for row in lines) for i in range(4)]
    out = [f"{len(runs)} run(s), {opts.messages} messages of {opts.size} "
           f"bytes per measurement, {opts.sessions} sessions; median "
           f"(min-max)"]
    for n, row in enumerate(lines):
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths))
                   .rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
