#!/bin/sh
# npm-deps.sh - install the Node packages that package-lock.json pins (only
# tools the tests use: the Nu HTML Checker, vnu-jar; playwright-core and
# axe-core for the console's browser test) into node_modules/, when
# node_modules is missing or the lock file changed since the last install.
# Called by tests/run.sh and by the tests that need the packages; quiet and
# fast (a hash comparison) when there is nothing to do.
#
# --ignore-scripts: vnu-jar's postinstall script would download a Java
# runtime from the internet; we run vnu.jar with Debian's Java instead
# (default-jre-headless, tools/install-deps.sh).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

stamp=node_modules/.jiyue-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
up_to_date() {
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
        [ -f node_modules/vnu-jar/build/dist/vnu.jar ] &&
        [ -f node_modules/playwright-core/package.json ] && [ -f node_modules/axe-core/axe.min.js ]
}
up_to_date && exit 0

if ! command -v npm >/dev/null 2>&1; then
    echo "npm-deps: npm is missing (tools/install-deps.sh installs it)" >&2
    exit 1
fi

# one install at a time: two build trees may test at once
lock="${TMPDIR:-/tmp}/jiyue-npm-deps.$(echo "$top" | cksum | cut -d' ' -f1).lock"
exec 9>"$lock"
flock 9
up_to_date && exit 0
echo "npm-deps: installing Node packages from package-lock.json"
if ! npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null; then
    echo "npm-deps: npm ci failed" >&2
    exit 1
fi
echo "$want" >"$stamp"
