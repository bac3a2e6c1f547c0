#!/bin/bash
# tests/run.sh - the whole test suite, as README's second command and .ci/run.
#
# 1. installs missing Debian packages (tools/install-deps.sh) and the Node
#    packages of package-lock.json (tools/npm-deps.sh);
# 2. builds two trees: build/ (optimised, -Werror) and build-asan/ (Debug with
#    AddressSanitizer + UndefinedBehaviorSanitizer);
# 3. runs every ctest test in both: unit, integration (each tree starts its own
#    throwaway PostgreSQL), cli, fuzz-corpus replay;
# 4. adds up the "cases: N passed, M failed" lines that every test program
#    prints and ends with one line "N passed, M failed".
# Exit status 0 only when nothing failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

sh tools/install-deps.sh || { echo "tests/run.sh: could not install dependencies" >&2; exit 1; }
# Node packages of package-lock.json (the Nu HTML Checker): npm ci when
# node_modules is missing or the lock file changed
sh tools/npm-deps.sh || { echo "tests/run.sh: could not install Node packages" >&2; exit 1; }

total_pass=0
total_fail=0
status=0

run_tree() {
    local dir=$1; shift
    local log="$dir/test-output.log"
    echo "== $dir: configure and build"
    if ! cmake -S . -B "$dir" -DJY_WERROR=ON "$@" >"$dir.configure.log" 2>&1; then
        cat "$dir.configure.log"; echo "tests/run.sh: configure of $dir failed" >&2
        total_fail=$((total_fail + 1)); status=1; return
    fi
    if ! cmake --build "$dir" -j "$jobs" >"$dir/build.log" 2>&1; then
        grep -E "error|Error" "$dir/build.log" | head -40
        echo "tests/run.sh: build of $dir failed (full log: $dir/build.log)" >&2
        total_fail=$((total_fail + 1)); status=1; return
    fi
    echo "== $dir: test"
    (cd "$dir" && ctest -j "$jobs" --timeout 600 --output-on-failure) >"$log" 2>&1
    local rc=$?
    grep -E "^ *[0-9]+/[0-9]+ Test|tests passed|tests failed" "$log" | sed 's/^/   /'
    if [ $rc -ne 0 ]; then
        echo "-- failures in $dir (full output: $log):"
        grep -E "not ok|^    |Failed|\*\*\*|ERROR|runtime error|Sanitizer" "$log" | head -60
        status=1
    fi
    # add up the cases of every test program from ctest's complete log
    local p f crashed
    read -r p f < <(awk '/^cases: [0-9]+ passed, [0-9]+ failed/ {p += $2; f += $4} END {print p+0, f+0}' \
        "$dir/Testing/Temporary/LastTest.log")
    # a test program that died before printing its count counts as one failure
    crashed=$(grep -cE "\*\*\*(Exception|Timeout)|Child aborted|SEGFAULT" "$log" || true)
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f + crashed))
    echo "   $dir: $p passed, $((f + crashed)) failed"
}

run_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_tree build-asan -DCMAKE_BUILD_TYPE=Debug -DJY_SANITIZE=address,undefined

echo "$total_pass passed, $total_fail failed"
[ $status -eq 0 ] && [ $total_fail -eq 0 ]
