#!/bin/sh
# coverage.sh - line coverage of a --coverage build, per library.
#
# Usage: tests/coverage.sh OBJDIR
# Captures the .gcda files under OBJDIR with lcov, writes an HTML report to
# coverage/html, prints the libutil and libglobal summaries and fails when
# libutil's line coverage is under LIBUTIL_MIN (default 85).
set -eu
objdir=${1:?usage: coverage.sh OBJDIR}
min=${LIBUTIL_MIN:-85}
out=coverage
mkdir -p "$out"
lcov -q --capture --directory "$objdir" --base-directory . \
    --output-file "$out/all.info" 2>/dev/null
lcov -q --extract "$out/all.info" "$PWD/libutil/*" \
    --output-file "$out/libutil.info" 2>/dev/null
genhtml -q --output-directory "$out/html" "$out/all.info" >/dev/null 2>&1 || true
echo "libutil coverage, per file:"
lcov --list "$out/libutil.info" 2>/dev/null | grep -E '\.c *\|' || true
pct=$(lcov --summary "$out/libutil.info" 2>&1 |
      sed -nE 's/^ *lines\.*: *([0-9.]+)%.*/\1/p')
echo "libutil line coverage: ${pct:-unknown}% (minimum $min%)"
[ -n "$pct" ] || exit 1
awk -v p="$pct" -v m="$min" 'BEGIN { exit !(p >= m) }'
