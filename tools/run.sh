#!/bin/bash
# tools/run.sh - README's first command: install what is missing, build,
# start the embedded PostgreSQL, migrate, load the demo province, render
# every site, and run the platform (`jiyue serve`: the JSON API, the
# renderer following every change, the pusher and the scheduler) until
# Ctrl-C. Running it again is fast and harmless: packages, build, cluster
# and demo are only touched when something is missing or changed.
# JY_NO_SERVE=1 stops after rendering (scripts, CI).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

sh tools/install-deps.sh

echo "== building (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >build.configure.log 2>&1 ||
    { cat build.configure.log; exit 1; }
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >build/build.log 2>&1 ||
    { grep -E "error" build/build.log | head -40; echo "build failed: see build/build.log"; exit 1; }

jiyue=build/jiyue
echo "== database"
$jiyue db start
$jiyue migrate
echo "== demo province"
$jiyue demo
echo
$jiyue sites --columns
echo
echo "== rendering every site (var/www/<site code>/)"
$jiyue --log-level warn render --all
listen=$($jiyue config 2>/dev/null | awk '$1 == "listen" {print $3}')
$jiyue --log-level off db exec "SELECT s.code || '  ' || s.name || '  http://$listen/sites/' || s.code || '/  (https://' || d.domain || '/, files in var/www/' || s.code || ')' FROM site s JOIN site_domain d ON d.site_id = s.id AND d.is_primary WHERE s.kind = 'site' AND s.status = 'open' ORDER BY s.path" 2>/dev/null || true
echo
echo "The platform's data is in var/pg (PostgreSQL, embedded); the sites in var/www."
echo "Try: $jiyue --help     $jiyue sites     $jiyue render --help     $jiyue db stop"
[ "${JY_NO_SERVE:-}" = 1 ] && exit 0

# demo accounts for the console, one per kind of user; the password is set
# only while the account has none, so a password changed later stays
demo_password=Yunling-demo-2026
for u in admin liu.yang chen.jing; do
    if $jiyue --log-level off db exec "SELECT 1 FROM app_user WHERE login = '$u' AND password_hash IS NULL" 2>/dev/null | grep -q 1; then
        printf '%s\n' "$demo_password" | $jiyue --log-level warn user passwd "$u" >/dev/null
    fi
done
echo
echo "== console: http://$listen/admin/"
echo "   platform admin  admin      / $demo_password"
echo "   editor          liu.yang   / $demo_password   (云岭省人民政府)"
echo "   reviewer        chen.jing  / $demo_password   (云岭省人民政府)"
echo
echo "== jiyue serve: the console above, the API under /api/v1 (docs/api.md); edits are rendered and pushed as they happen. Ctrl-C stops."
exec $jiyue serve
