#!/bin/sh
# corner-ref.sh - make corner.ref and corner.seq with a real Postfix postmap.
#
# Usage: POSTMAP="postmap -c /etc/postfix" tests/data/maps/corner-ref.sh
# Builds corner.in as hash: and btree: and reads it as texthash:, asks
# every key of corner.keys of each, and fails unless the three agree.
# corner.ref: "key<TAB>answer", or "key<TAB>NOTFOUND"; corner.seq: the
# sorted "key<TAB>value" lines of postmap -s.  The Check suite test_dict_db
# builds the same source with our code and expects the same answers.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${POSTMAP:?set POSTMAP to a postmap command}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for type in hash btree texthash; do
    cp "$here/corner.in" "$tmp/$type"
    map="$type:$tmp/$type"
    [ "$type" = texthash ] || $POSTMAP "$map" 2>/dev/null
    while IFS= read -r key; do
        if value=$($POSTMAP -q "$key" "$map" 2>/dev/null); then
            printf '%s\t%s\n' "$key" "$value"
        else
            printf '%s\tNOTFOUND\n' "$key"
        fi
    done <"$here/corner.keys" >"$tmp/$type.ref"
    $POSTMAP -s "$map" 2>/dev/null | LC_ALL=C sort >"$tmp/$type.seq"
done
cmp "$tmp/hash.ref" "$tmp/btree.ref"
cmp "$tmp/hash.ref" "$tmp/texthash.ref"
cmp "$tmp/hash.seq" "$tmp/btree.seq"
cmp "$tmp/hash.seq" "$tmp/texthash.seq"
cp "$tmp/hash.ref" "$here/corner.ref"
cp "$tmp/hash.seq" "$here/corner.seq"
