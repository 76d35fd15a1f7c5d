#!/usr/bin/env python3
"""perf_by_daemon - top functions per daemon of each MTA, from perf -a -g.

Usage: bench/perf_by_daemon.py PERF.DATA [N] [postern|postfix]

Record while bench/run runs (as root):

    perf record -a -g -F 1999 -o /tmp/local.data &   # then bench/run ...
    kill -INT %1
    bench/perf_by_daemon.py /tmp/local.data 8 postern

A process counts as Postern's when it mapped a program under this tree's
daemons/ (or an instance's libexec/ copy of one), as Postfix's when it
mapped one from tests/tmp/postfix-root.  Per program name it prints the
samples and three top-N lists: "self" (the sampled function, [k] for
the kernel), "user frame" (the first user-space frame of the call chain,
so kernel time is charged to the system call that caused it: "open <k>")
and "inclusive" (every user-space function on the chain).  Without frame
pointers the user-space chains are short; the first two lists do not
need them.
"""
import collections
import re
import subprocess
import sys

DAEMONS = {"cleanup", "smtpd", "qmgr", "virtual", "smtp", "trivial-rewrite",
           "master", "postlogd", "pickup", "proxymap", "local", "bounce"}


def owners(data):
    """pid -> "postern" or "postfix", from the mmap events."""
    out = subprocess.run(["perf", "script", "-i", data, "--show-mmap-events",
                          "-F", "comm,pid"], capture_output=True,
                         text=True).stdout
    own = {}
    for line in out.splitlines():
        if "PERF_RECORD_MMAP" not in line:
            continue
        m = re.match(r"\s*(\S+)\s+(\d+)", line)
        if not m:
            continue
        if "/daemons/" in line or "/libexec/" in line:
            own.setdefault(m.group(2), "postern")
        if "postfix-root" in line:
            own[m.group(2)] = "postfix"
    return own


def samples(data):
    """(comm, pid, [(symbol, dso), ...] leaf first) per sample."""
    out = subprocess.run(["perf", "script", "-i", data, "-F",
                          "comm,pid,ip,sym,dso"], capture_output=True,
                         text=True).stdout
    for blk in out.split("\n\n"):
        lines = blk.strip("\n").splitlines()
        m = re.match(r"\s*(\S+)\s+(\d+)", lines[0]) if lines else None
        if not m:
            continue
        frames = []
        for line in lines[1:]:
            f = line.split(None, 1)
            if len(f) == 2:
                sym, _, dso = f[1].rpartition(" (")
                frames.append((sym, dso.rstrip(")")))
        if frames:
            yield m.group(1), m.group(2), frames


def main(argv):
    data = argv[1]
    n = int(argv[2]) if len(argv) > 2 else 8
    who = argv[3] if len(argv) > 3 else None
    own = owners(data)
    tot = collections.Counter()
    lists = collections.defaultdict(lambda: [collections.Counter()
                                             for _ in range(3)])
    for comm, pid, frames in samples(data):
        if comm not in DAEMONS or pid not in own:
            continue
        key = (own[pid], comm)
        tot[key] += 1
        kern = "kernel" in frames[0][1]
        lists[key][0][("[k] " if kern else "") + frames[0][0]] += 1
        user = [s for s, d in frames if "kernel" not in d]
        if user:
            lists[key][1][user[0] + (" <k>" if kern else "")] += 1
        for sym in set(user) - {"[unknown]"}:
            lists[key][2][sym] += 1
    for key in sorted(tot, key=lambda k: (k[1], k[0])):
        if who and key[0] != who:
            continue
        t = tot[key]
        print(f"== {key[1]} ({key[0]}): {t} samples")
        for name, c in zip(("self", "user frame", "inclusive"), lists[key]):
            print(f"  {name}: " + "; ".join(
                f"{s} {100 * v / t:.1f}%" for s, v in c.most_common(n)))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv)
