#!/bin/sh
# setup.sh - install what is missing, build Postern, install it into a
# local folder and start a mail server there.
#
# Usage: ./setup.sh [--build-only] [--dir DIR] [--port PORT] [--domain NAME]
#
# 1. Installs the Debian packages the build and the tests need when they
#    are missing (with sudo when not root), runs autoconf and configure
#    when needed, and builds the in-tree programs (the ones the tests run).
#    --build-only stops here (tests/run-all.sh uses it).
# 2. Builds again in build-run/ (or $POSTERN_RUN_OBJ) with prefix DIR
#    (default ./run, or $POSTERN_RUN) and runs `make install prefix=DIR`: programs in DIR/sbin
#    and DIR/libexec/postern, configuration in DIR/etc/postern, the queue
#    in DIR/var/spool/postern; the installed programs use that
#    configuration by default.
# 3. As root, creates the accounts Postern needs when missing: mail_owner
#    "postern", setgid_group "posterndrop", and "posternmail", the owner
#    of the mailboxes (unless run through sudo: then the sudo user owns
#    them).  Not as root, everything runs as the invoking user.
# 4. Configures the instance: SMTP on 127.0.0.1:PORT (default 2525, or
#    $POSTERN_PORT); every address of domain NAME (default example.test,
#    or $POSTERN_DOMAIN) gets a Maildir DIR/mail/USER/Maildir/ (virtual
#    mailboxes); mail to any other domain is refused at delivery; the log
#    is DIR/maillog.  Starts it, and says how to send a test message.
#
# Running it twice does no harm: nothing is installed that is already in
# place, and a running instance is left alone (stop it with
# `DIR/sbin/postern stop`, then run setup.sh again to reinstall).
set -eu
cd "$(dirname "$0")"

PACKAGES="build-essential autoconf pkg-config libdb5.3-dev libssl-dev \
libbsd-dev check lcov libpcre2-dev python3 swaks clang libclang-rt-14-dev \
openssl dovecot-core dnsmasq-base iproute2 man-db groff libcrypt-dev"

BUILD_ONLY=
RUN=${POSTERN_RUN:-run}
RUN_CHOSEN=${POSTERN_RUN:+1}
PORT=${POSTERN_PORT:-2525}
DOMAIN=${POSTERN_DOMAIN:-example.test}
RUN_OBJ=${POSTERN_RUN_OBJ:-build-run/}
while [ $# -gt 0 ]; do
    case $1 in
        --build-only) BUILD_ONLY=1 ;;
        --dir) RUN=${2:?--dir needs a folder}; RUN_CHOSEN=1; shift ;;
        --port) PORT=${2:?--port needs a number}; shift ;;
        --domain) DOMAIN=${2:?--domain needs a name}; shift ;;
        *) echo "usage: $0 [--build-only] [--dir DIR] [--port PORT]" \
               "[--domain NAME]" >&2; exit 2 ;;
    esac
    shift
done

# missing_packages - the packages of $PACKAGES not installed
missing_packages() {
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
            grep -q '^install ok installed$' || printf '%s ' "$p"
    done
}

# install_packages - apt-get install what is missing
install_packages() {
    missing=$(missing_packages)
    [ -n "$missing" ] || return 0
    echo "setup: installing $missing"
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "setup: need root (or sudo) to install: $missing" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing
}

# build - configure when needed and build the in-tree programs
build() {
    [ configure -nt configure.ac ] || autoconf
    if [ ! -f config.status ] || [ configure -nt config.status ]; then
        ./configure -q
    fi
    make -s -j"$(nproc)"
    echo "setup: built Postern in $(pwd)"
}

install_packages
build
[ -n "$BUILD_ONLY" ] && exit 0

case $PORT in
    ''|*[!0-9]*) echo "setup: --port: not a number: $PORT" >&2; exit 2 ;;
esac
case $DOMAIN in
    ''|*[!A-Za-z0-9.-]*) echo "setup: --domain: not a domain: $DOMAIN" >&2
        exit 2 ;;
esac
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)
CONF=$RUN/etc/postern
POSTERN=$RUN/sbin/postern

# running - true when the instance's master is up
running() {
    [ -x "$POSTERN" ] && "$POSTERN" -c "$CONF" status >/dev/null 2>&1
}

# ensure_accounts - as root, create mail_owner, setgid_group and the
# mailbox owner when missing; sets OWNER, GROUP, BOX_UID, BOX_GID
ensure_accounts() {
    if [ "$(id -u)" -ne 0 ]; then
        OWNER=$(id -un)
        GROUP=$(id -gn)
        BOX_UID=$(id -u)
        BOX_GID=$(id -g)
        echo "setup: not root: every process runs as $OWNER"
        return 0
    fi
    OWNER=postern
    GROUP=posterndrop
    shell=/usr/sbin/nologin
    [ -x $shell ] || shell=/bin/false
    getent group $GROUP >/dev/null || groupadd --system $GROUP
    for u in $OWNER posternmail; do
        getent passwd $u >/dev/null ||
            useradd --system --user-group --no-create-home \
                --home-dir /nonexistent --shell $shell $u
    done
    if [ -n "${SUDO_UID:-}" ] && [ "$SUDO_UID" -ne 0 ]; then
        BOX_UID=$SUDO_UID
        BOX_GID=${SUDO_GID:-$SUDO_UID}
    else
        BOX_UID=$(id -u posternmail)
        BOX_GID=$(id -g posternmail)
    fi
}

# closed_above - print the first folder above $1 that other users cannot
# pass through (as root only: the daemons and mailbox owners are others)
closed_above() {
    d=$1
    [ "$(id -u)" -eq 0 ] || return 0
    while [ "$d" != / ]; do
        d=$(dirname "$d")
        case $(stat -c %A "$d" | cut -c10) in
            x|t) ;;  # others may pass (t: sticky and x, as /tmp)
            *) echo "$d"; return 0 ;;
        esac
    done
}

# check_reachable - $RUN must be reachable by the daemons; the default
# ./run under a closed folder (a checkout in /root) moves to /srv/postern
check_reachable() {
    closed=$(closed_above "$RUN")
    [ -z "$closed" ] && return 0
    if [ -z "${RUN_CHOSEN:-}" ]; then
        echo "setup: $closed is closed to other users (mode" \
            "$(stat -c %a "$closed")): the instance goes to /srv/postern"
        rmdir "$RUN" 2>/dev/null || true
        RUN=/srv/postern
        mkdir -p "$RUN"
        CONF=$RUN/etc/postern
        POSTERN=$RUN/sbin/postern
        return 0
    fi
    echo "setup: $closed is closed to other users (mode" \
        "$(stat -c %a "$closed")), so Postern's daemons cannot reach" \
        "$RUN; choose a folder they can reach: $0 --dir /srv/postern" >&2
    exit 1
}

# install_instance - build in $RUN_OBJ for prefix $RUN and install
install_instance() {
    make -s -j"$(nproc)" O="${RUN_OBJ%/}/" prefix="$RUN" setgid_group="$GROUP" \
        install >/dev/null
    mkdir -p "$RUN/mail"
    chown "$BOX_UID:$BOX_GID" "$RUN/mail"
    chmod 755 "$RUN" "$RUN/mail"
    touch "$RUN/maillog"
    chown "$OWNER" "$RUN/maillog"
    chmod 644 "$RUN/maillog"
}

# configure_instance - main.cf settings and the SMTP port in master.cf
configure_instance() {
    re=$(echo "$DOMAIN" | sed 's/\./\\./g')
    printf '%s\n' '# Every address of the domain: DIR/mail/USER/Maildir/' \
        "/^([a-z0-9_][a-z0-9._-]*)(\\+[^@]*)?@$re\$/ \${1}/Maildir/" \
        >"$CONF/vmailbox.regexp"
    "$POSTERN" -c "$CONF" conf -e \
        "queue_directory = $RUN/var/spool/postern" \
        "daemon_directory = $RUN/libexec/postern" \
        "command_directory = $RUN/sbin" \
        "data_directory = $RUN/var/lib/postern" \
        "mail_owner = $OWNER" \
        "setgid_group = $GROUP" \
        "maillog_file = $RUN/maillog" \
        "maillog_file_prefixes = $RUN" \
        "myhostname = mail.$DOMAIN" \
        "mydomain = $DOMAIN" \
        "myorigin = \$mydomain" \
        "mydestination =" \
        "inet_interfaces = 127.0.0.1" \
        "mynetworks = 127.0.0.0/8" \
        "alias_maps =" \
        "alias_database =" \
        "virtual_mailbox_domains = $DOMAIN" \
        "virtual_mailbox_base = $RUN/mail" \
        "virtual_mailbox_maps = regexp:$CONF/vmailbox.regexp" \
        "virtual_uid_maps = static:$BOX_UID" \
        "virtual_gid_maps = static:$BOX_GID" \
        "default_transport = error:this instance delivers only to $DOMAIN"
    sed -i -E "s/^[^#[:space:]]+([[:space:]]+inet[[:space:]].*[[:space:]]smtpd)\$/127.0.0.1:$PORT\\1/" \
        "$CONF/master.cf"
}

# say_how - how to send a test message and where it lands
say_how() {
    cat <<EOF
setup: Postern runs: SMTP on 127.0.0.1:$PORT, mail for @$DOMAIN lands in
       $RUN/mail/USER/Maildir/new/, log in $RUN/maillog.
Send a test message with any of:
  swaks --server 127.0.0.1:$PORT --to alice@$DOMAIN
  python3 -c 'import smtplib; s = smtplib.SMTP("127.0.0.1", $PORT); s.sendmail("me@$DOMAIN", ["alice@$DOMAIN"], "Subject: hi\\n\\nhello\\n"); s.quit()'
  printf 'Subject: hi\\n\\nhello\\n' | $RUN/sbin/sendmail alice@$DOMAIN
then: ls $RUN/mail/alice/Maildir/new/
Queue: $RUN/sbin/postern queue -p     Stop: $POSTERN stop
EOF
}

ensure_accounts
check_reachable
if running; then
    echo "setup: Postern already runs from $CONF; nothing reinstalled"
    say_how
    exit 0
fi
install_instance
configure_instance
"$POSTERN" -c "$CONF" start
say_how
