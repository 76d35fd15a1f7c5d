#!/bin/sh
# rules-ref.sh - answers of a rule table (regexp:, pcre:, cidr:) by a real
# Postfix postmap, for the Check suites test_dict_regexp, _pcre and _cidr.
#
# Usage: rules-ref.sh TYPE SRC KEYS > REF
#   e.g. rules-ref.sh regexp regexp.src regexp.keys > regexp.ref
# POSTMAP names the postmap command (with its -c config directory) and
# defaults to "postmap".  Each line of KEYS is one key; each line of REF is
# "key<TAB>answer", or "key<TAB>NOTFOUND".  A table warning or a failed
# lookup stops the script: the sources must be clean for Postfix too.
set -eu
type=$1 src=$2 keys=$3
postmap=${POSTMAP:-postmap}
warn=$(mktemp)
trap 'rm -f "$warn"' EXIT
while IFS= read -r key; do
    set +e
    answer=$($postmap -q "$key" "$type:$src" 2>"$warn")
    rc=$?
    set -e
    if [ -s "$warn" ]; then
        cat "$warn" >&2
        exit 1
    fi
    case $rc in
        0) printf '%s\t%s\n' "$key" "$answer" ;;
        1) printf '%s\tNOTFOUND\n' "$key" ;;
        *) echo "postmap failed for key $key (exit $rc)" >&2; exit 1 ;;
    esac
done <"$keys"
