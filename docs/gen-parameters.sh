#!/bin/sh
# gen-parameters.sh - write docs/parameters.md from the parameter table
# (`postern conf -T`).  tests/integration/test_conf.py checks that the
# committed page matches.  Usage: docs/gen-parameters.sh [POSTERN] > docs/parameters.md
set -eu
postern=${1:-$(dirname "$0")/../commands/postern/postern}
cat <<'HEAD'
# main.cf parameters

Generated from the parameter table (libglobal/mail_params.c) by
docs/gen-parameters.sh; do not edit by hand. `postern conf -d` prints the
same defaults.

Syntax and expansion are Postfix's (postconf(5)): `name = value`, lines
that start with white space continue the previous one, `#` starts a
comment line, and values may refer to other parameters as `$name`,
`${name}`, `$(name)`, `${name?value}`, `${name:value}`,
`${name?{value1}:{value2}}` and `${{text1} op {text2} ? {a} : {b}}`
(op: `==`, `!=`, `<`, `<=`, `>`, `>=`, and the `level` forms that compare
compatibility levels). Expansion happens at use; a loop is an error.

Types: *time* takes a number with an optional unit s, m, h, d or w (a bare
number uses the unit of the default); *size* is bytes; *boolean* is yes or
no; *list* items are separated by commas and/or white space, with `{ }`
grouping.

A parameter that Postfix 3.7 knows and Postern does not implement (yet)
is accepted in main.cf with a warning naming file and line; an unknown one
is a warning too, unless another value refers to it.

The *origin* column says where a default comes from: `postfix` is Postfix
3.7's default for the same meaning; `path` is an installation path of this
build; `postern` names our product instead of Postfix's (mail_owner
`postern`, setgid_group `posterndrop`, mail_name, syslog_name) or, for
alias_maps, drops Postfix's `nis:mail.aliases` (no NIS here); `computed` is
computed from the host as Postfix does (myhostname: the host name, with
`.localdomain` appended when it has no dot; mydomain: myhostname less its
first label; mynetworks: the interface networks per mynetworks_style).

| name | type | default | origin | meaning |
| --- | --- | --- | --- | --- |
HEAD
"$postern" conf -T | awk -F'\t' '{
    def = $3; gsub(/\|/, "\\|", def)
    d = $5; gsub(/\|/, "\\|", d)
    printf("| `%s` | %s | %s | %s | %s |\n", $1, $2,
           def == "" ? "" : "`" def "`", $4, d)
}'
