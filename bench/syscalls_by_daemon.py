#!/usr/bin/env python3
"""syscalls_by_daemon - system calls per message per program, from strace.

Usage: bench/syscalls_by_daemon.py STRACE.LOG MESSAGES [PROGRAM...]

STRACE.LOG is `strace -f -qq -o STRACE.LOG -p MASTER_PID` attached to a
Postern (or Postfix) master before the load starts; each process is
named by the program it executed (processes that did not exec count as
"master").  A daemon started before the attach (qmgr, usually) needs a
strace -p of its own.  Prints, per program, the calls per message and
the 14 most frequent.
"""
import collections
import re
import sys


def main(argv):
    log, n = argv[1], int(argv[2])
    want = set(argv[3:])
    prog = {}
    cnt = collections.defaultdict(collections.Counter)
    with open(log, errors="replace") as f:
        for line in f:
            m = re.match(r"(\d+)\s+(\w+)\(", line)
            if not m:
                continue
            pid, call = m.groups()
            if call == "execve":
                e = re.search(r'execve\("([^"]+)"', line)
                if e:
                    prog[pid] = e.group(1).rsplit("/", 1)[-1]
            cnt[pid][call] += 1
    byprog = collections.defaultdict(collections.Counter)
    for pid, c in cnt.items():
        byprog[prog.get(pid, "master")].update(c)
    total = 0
    for name, c in sorted(byprog.items()):
        s = sum(c.values())
        total += s
        if want and name not in want:
            continue
        print(f"{name}: {s / n:.1f}/msg  " + ", ".join(
            f"{k} {v / n:.2f}" for k, v in c.most_common(14)))
    print(f"all: {total / n:.1f}/msg")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv)
