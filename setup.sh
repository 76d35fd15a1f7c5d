#!/bin/sh
# setup.sh - install what is missing, configure and build Postern.
#
# Usage: ./setup.sh [--build-only]
# Installs the Debian packages the build and the tests need when they are
# missing (with sudo when not root), runs autoconf and configure when
# needed, and builds.  Running it twice does no harm: nothing is installed
# or reconfigured that is already in place, and make rebuilds only what
# changed.  The mail server it will start (127.0.0.1:2525, Maildirs) comes
# with the master and smtpd issues; until then it builds and says so.
set -eu
cd "$(dirname "$0")"

PACKAGES="build-essential autoconf pkg-config libdb5.3-dev libssl-dev \
libbsd-dev check lcov libpcre2-dev python3 swaks clang libclang-rt-14-dev"

# missing_packages - the packages of $PACKAGES not installed
missing_packages() {
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
            grep -q '^install ok installed$' || printf '%s ' "$p"
    done
}

missing=$(missing_packages)
if [ -n "$missing" ]; then
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
fi

[ configure -nt configure.ac ] || autoconf
if [ ! -f config.status ] || [ configure -nt config.status ]; then
    ./configure -q
fi
make -s -j"$(nproc)"
echo "setup: built Postern in $(pwd)"

[ "${1:-}" = "--build-only" ] && exit 0
echo "setup: the mail server on 127.0.0.1:2525 is not in this build yet"
echo "setup: (it arrives with the master, smtpd and local delivery issues)"
