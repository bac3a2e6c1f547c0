#!/bin/sh
# install-deps.sh - install the Debian packages Jiyue needs to build, run and
# test, and nothing when they are all there already (so a second run is fast).
# Works as root, or as a user with sudo. Debian 12 (bookworm).
set -eu

# What each package is for is in docs/operations.md ("Dependencies").
PACKAGES="build-essential cmake pkg-config git
libpq-dev libevent-dev libcjson-dev libcurl4-openssl-dev libsodium-dev
libgumbo-dev libmagic-dev libssl-dev
wrk
postgresql
nginx openssh-server openssh-client
clang libclang-rt-14-dev clang-format
default-jre-headless libxml2-utils python3
chromium fonts-noto-cjk
ca-certificates"
# npm installs the Nu HTML Checker (package.json); a Node.js that is already
# there (with its own npm) is used as it is: Debian's npm would conflict with it
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run this script as root, or install sudo" >&2
    exit 1
fi

echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
