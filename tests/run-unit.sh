#!/bin/sh
# run-unit.sh - run every Check suite of one build and sum the results.
#
# Usage: tests/run-unit.sh [OBJDIR/]
# Runs each tests/unit/*/test_* binary under OBJDIR (default: the in-tree
# build), prints each suite's Check summary, and closes with one line
# "unit: N passed, N failed".  Suites find built programs through
# POSTERN_OBJDIR (the absolute object folder, ending in /).  Exits non-zero when a check failed, a suite
# crashed, or a sanitizer reported an error.
set -u
objdir=${1:-}
passed=0
failed=0
suites=0
bad_suites=""
# Suites that run a built daemon find it under $POSTERN_OBJDIR.
POSTERN_OBJDIR=$(pwd)/$objdir
export POSTERN_OBJDIR
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in $(find "${objdir}tests/unit" -type f -name 'test_*' -perm -u+x \
        2>/dev/null | sort); do
    case $t in *.c|*.o|*.d|*.gc*) continue ;; esac
    suites=$((suites + 1))
    "$t" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "$t: no Check summary (exit $rc)"
        cat "$log"
        failed=$((failed + 1))
        bad_suites="$bad_suites $t"
        continue
    fi
    echo "$(basename "$t"): $line"
    checks=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
    fails=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
    errs=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
    bad=$((fails + errs))
    passed=$((passed + checks - bad))
    failed=$((failed + bad))
    # A sanitizer report in a forked test is a failure too.
    if [ "$rc" -ne 0 ] || [ "$bad" -gt 0 ] ||
            grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$log"; then
        grep -vE '^[0-9]+%: Checks' "$log" | head -n 60
        [ "$bad" -gt 0 ] || failed=$((failed + 1))
        bad_suites="$bad_suites $t"
    fi
done
if [ "$suites" -eq 0 ]; then
    echo "no unit suites found under ${objdir}tests/unit"
    exit 1
fi
echo "unit suites: $suites${bad_suites:+, failing:$bad_suites}"
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
