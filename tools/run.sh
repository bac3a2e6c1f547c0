#!/bin/bash
# tools/run.sh - README's first command: install what is missing, build,
# start the embedded PostgreSQL, migrate, load the demo province and show it.
# Running it again is fast and harmless: packages, build, cluster and demo
# are only touched when something is missing or changed.
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
echo "The platform's data is in var/pg (PostgreSQL, embedded)."
echo "Try: $jiyue --help     $jiyue sites     $jiyue db status     $jiyue db stop"
