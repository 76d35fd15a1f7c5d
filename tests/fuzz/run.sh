#!/bin/sh
# run.sh OBJDIR SECONDS - run every built fuzz target for SECONDS over its
# corpus (tests/fuzz/corpus/NAME/, seeds kept in git), new inputs going to
# a scratch folder.  Exits non-zero when a target finds a crash.
objdir=${1:?usage: run.sh OBJDIR SECONDS}
secs=${2:-20}
status=0
count=0
bad=0
for bin in "$objdir"/tests/fuzz/fuzz_*; do
    case $bin in *.d|*.o) continue ;; esac
    [ -x "$bin" ] || continue
    name=$(basename "$bin" | sed 's/^fuzz_//')
    seeds=tests/fuzz/corpus/$name
    scratch=$objdir/tests/fuzz/work-$name
    rm -rf "$scratch" && mkdir -p "$scratch" "$seeds"
    count=$((count + 1))
    if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 \
        -artifact_prefix="$objdir/tests/fuzz/crash-$name-" \
        "$scratch" "$seeds" >"$objdir/tests/fuzz/$name.log" 2>&1; then
        echo "fuzz $name: clean, $(grep -o 'Done [0-9]* runs' \
            "$objdir/tests/fuzz/$name.log")"
    else
        echo "fuzz $name: FAILED, see $objdir/tests/fuzz/$name.log"
        tail -30 "$objdir/tests/fuzz/$name.log"
        status=1
        bad=$((bad + 1))
    fi
done
echo "fuzz: $((count - bad)) passed, $bad failed"
[ "$count" -gt 0 ] || { echo "no fuzz targets built"; status=1; }
exit $status
