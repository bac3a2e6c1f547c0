# lib.sh - helpers for CLI tests: run the real jiyue binary, check what it
# prints and its exit status. Each case is a shell function named case_*;
# run_cases runs them all (or the one named in $1) and prints
# "ok - name" / "not ok - name" and the closing "cases: N passed, M failed".

JIYUE=${JIYUE_BIN:?JIYUE_BIN must name the jiyue binary}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/jycli.XXXXXX")
chmod 755 "$TMP"
OUT=$TMP/out
CLEANUP_DATA=()

cleanup() {
    local d
    for d in "${CLEANUP_DATA[@]}"; do
        "$JIYUE" --log-level off db stop --data "$d" >/dev/null 2>&1 || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

# A fresh data folder path for the embedded cluster, stopped at exit.
new_data() {
    local d
    d=$(mktemp -u "$TMP/pg.XXXX")
    CLEANUP_DATA+=("$d")
    echo "$d"
}

fail() {
    echo "    $*"
    echo "    --- output was:"
    sed 's/^/    | /' "$OUT" 2>/dev/null | head -30
    return 1
}

# jy ARGS...: run jiyue, output (stdout+stderr) in $OUT, status in $RC
jy() {
    RC=0
    "$JIYUE" "$@" >"$OUT" 2>&1 || RC=$?
}

expect_rc() { [ "$RC" -eq "$1" ] || fail "expected exit status $1, got $RC"; }
expect_out() { grep -qF -- "$1" "$OUT" || fail "output lacks: $1"; }
expect_no_out() { ! grep -qF -- "$1" "$OUT" || fail "output should not contain: $1"; }

run_cases() {
    local pass=0 failn=0 c
    for c in $(declare -F | awk '{print $3}' | grep '^case_'); do
        [ -n "${1:-}" ] && [ "$1" != "$c" ] && continue
        # not in an "if": set -e would be ignored inside the subshell there
        ( set -e; $c )
        if [ $? -eq 0 ]; then
            echo "ok - $c"; pass=$((pass + 1))
        else
            echo "not ok - $c"; failn=$((failn + 1))
        fi
    done
    echo "cases: $pass passed, $failn failed"
    [ $failn -eq 0 ]
}
