#!/bin/sh
# run.sh - run every integration test (tests/integration/test_*.py)
# against the in-tree build, and close with "integration: N passed, N failed".
set -u
cd "$(dirname "$0")"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
python3 -m unittest discover -v -s . -p 'test_*.py' >"$log" 2>&1
rc=$?
cat "$log"
ran=$(sed -nE 's/^Ran ([0-9]+) tests?.*/\1/p' "$log" | tail -n 1)
bad=$(sed -nE 's/^FAILED \((.*)\)$/\1/p' "$log" | tr ',' '\n' |
      sed -nE 's/ *(failures|errors)=([0-9]+)/\2/p' | awk '{s += $1} END {print s + 0}')
ran=${ran:-0}
[ "$rc" -eq 0 ] || [ "$bad" -gt 0 ] || bad=1
echo "integration: $((ran - bad)) passed, $bad failed"
[ "$rc" -eq 0 ] && [ "$ran" -gt 0 ]
