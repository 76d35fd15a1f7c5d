#!/bin/sh
# run-all.sh - the README's test command: every test Postern has.
#
# Installs what is missing and builds (setup.sh --build-only), then runs
# every unit suite plainly, the integration tests against that build,
# the unit suites again under ASan + UBSan in a separate build, and once
# more with coverage (libutil must stay at or above 85%), and each fuzz
# target for FUZZ_SECONDS (default 30) under ASan + UBSan.
# Closes with "total: N passed, N failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
./setup.sh --build-only || exit 1

status=0
passed=0
failed=0

for stage in plain integration asan coverage fuzz; do
    case $stage in
        plain) cmd="make -s check" ;;
        integration) cmd="tests/integration/run.sh" ;;
        asan) cmd="make -s asan" ;;
        coverage) cmd="make -s coverage" ;;
        fuzz) cmd="make -s fuzz FUZZ_SECONDS=${FUZZ_SECONDS:-30}" ;;
    esac
    echo "=== $stage: $cmd"
    log=$(mktemp)
    if ! $cmd >"$log" 2>&1; then
        status=1
        echo "--- $stage FAILED"
    fi
    grep -vE '^(gcc|ar|ranlib|rm -f) ' "$log" | grep -vE '^ +' | tail -n 60
    line=$(grep -E '^(unit|integration|fuzz): [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/^[a-z]+: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
        passed=$((passed + p))
        failed=$((failed + f))
    else
        status=1
    fi
    rm -f "$log"
done

[ "$failed" -eq 0 ] || status=1
echo "total: $passed passed, $failed failed"
exit $status
