#!/bin/bash
# The embedded PostgreSQL cluster as an operator meets it: `jiyue db`.
. "$(dirname "$0")/lib.sh"

case_help_lists_commands() {
    jy --help; expect_rc 0
    expect_out "db "; expect_out "migrate"; expect_out "config"
    jy db --help; expect_rc 0; expect_out "usage: jiyue db start|stop|status"
    jy help migrate; expect_rc 0; expect_out "usage: jiyue migrate"
}

case_unknown_command_and_flag() {
    jy frobnicate; expect_rc 2; expect_out 'unrecognized command "frobnicate"'
    jy db start --frob; expect_rc 2; expect_out 'unexpected argument "--frob"'
    jy db; expect_rc 2; expect_out "missing action"
    jy --db; expect_rc 2; expect_out 'option "--db" needs a value'
    jy --set nokey=1 config; expect_rc 1; expect_out 'unrecognized setting "nokey"'
}

case_start_twice_then_stop() {
    local d; d=$(new_data)
    jy db start --data "$d"; expect_rc 0; expect_out "PostgreSQL is running in $d"
    [ -f "$d/PG_VERSION" ] || fail "no cluster in $d"
    jy db start --data "$d"; expect_rc 0; expect_out "PostgreSQL is running in $d"
    jy db status --data "$d"; expect_rc 0; expect_out "state:       running"
    jy --data "$d" db exec "SELECT current_database(), current_setting('listen_addresses')"
    expect_rc 0; expect_out "jiyue"
    jy db stop --data "$d"; expect_rc 0
    jy db status --data "$d"; expect_rc 1; expect_out "state:       stopped"
    jy db stop --data "$d"; expect_rc 0
}

case_recovers_after_kill_9() {
    local d pid; d=$(new_data)
    jy db start --data "$d"; expect_rc 0
    jy --data "$d" db exec "CREATE TABLE survivor (x int); INSERT INTO survivor VALUES (42)"
    expect_rc 0
    pid=$(head -1 "$d/postmaster.pid")
    kill -9 "$pid"
    jy db start --data "$d"; expect_rc 0; expect_out "PostgreSQL is running"
    jy --data "$d" db exec "SELECT sum(x) FROM survivor"; expect_rc 0; expect_out "42"
    expect_no_out "84"
}

case_stale_pid_file_of_another_program() {
    local d sleeper; d=$(new_data)
    jy db start --data "$d"; expect_rc 0
    jy db stop --data "$d"; expect_rc 0
    # a pid file left behind whose pid now belongs to some other program
    sleep 60 & sleeper=$!
    printf '%s\n%s\n' "$sleeper" "$d" >"$d/postmaster.pid"
    jy db start --data "$d"; local rc=$RC
    kill "$sleeper" 2>/dev/null
    RC=$rc; expect_rc 0; expect_out "stale"
}

case_not_a_cluster_folder() {
    local d; d=$(new_data)
    mkdir -p "$d"; echo hello >"$d/notes.txt"
    jy db start --data "$d"; expect_rc 1
    expect_out "is not empty and holds no PostgreSQL cluster"
    [ -f "$d/notes.txt" ] && [ ! -f "$d/PG_VERSION" ] || fail "folder was changed"
    ls "$TMP" | grep -q "init-" && fail "a half-initialised cluster was left behind"
    true
}

case_data_path_too_long() {
    local long; long=$TMP/$(printf 'x%.0s' $(seq 1 120))
    jy db start --data "$long"; expect_rc 1; expect_out "too long for a Unix socket"
    [ ! -e "$long" ] || fail "folder was created"
}

case_unreachable_database() {
    jy --db "host=/nonexistent dbname=x" migrate; expect_rc 3
    expect_out "could not connect to the database"
    jy --db "host=/nonexistent dbname=x" db start; expect_rc 1
    expect_out "connection string is configured"
    jy --db "host=/nonexistent dbname=x" db status; expect_rc 3; expect_out "unreachable"
}

case_malformed_config() {
    printf 'log_level = loud\n' >"$TMP/bad.conf"
    jy --config "$TMP/bad.conf" config; expect_rc 1; expect_out "bad.conf:1"
    expect_out "must be debug, info, warn, error or off"
    printf 'pg_data = "unterminated\n' >"$TMP/bad2.conf"
    jy --config "$TMP/bad2.conf" config; expect_rc 1; expect_out "bad2.conf:1"
    jy --config "$TMP/missing.conf" config; expect_rc 1; expect_out "missing.conf"; expect_out "No such file"
}

case_config_precedence() {
    printf 'pg_data = /from/file\nlog_level = warn\n' >"$TMP/p.conf"
    jy --config "$TMP/p.conf" config; expect_rc 0; expect_out "pg_data      = /from/file   # $TMP/p.conf:1"
    JIYUE_PG_DATA=/from/env jy --config "$TMP/p.conf" config
    expect_out "pg_data      = /from/env   # JIYUE_PG_DATA"
    JIYUE_PG_DATA=/from/env jy --config "$TMP/p.conf" config --data /from/flag
    expect_out "pg_data      = /from/flag   # --data"
    expect_out "log_level    = warn"
}

case_startup_time_is_reported() {
    # the figure for the notes: start against an existing, running cluster
    local d; d=$(new_data)
    jy db start --data "$d"; expect_rc 0
    jy db start --data "$d"; expect_rc 0; expect_out "ready in"
    grep -o "ready in [0-9]* ms" "$OUT" | sed 's/^/    startup against a running cluster: /'
}

case_ordinary_user_owns_its_cluster() {
    # as root, run jiyue as "nobody": the cluster then belongs to that user
    if [ "$(id -u)" -ne 0 ]; then
        jy db start --data "$(new_data)"; expect_rc 0; return 0
    fi
    if ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$JIYUE"; then
        echo "    (jiyue is not reachable by user nobody here: checked as root only)"
        return 0
    fi
    local home=$TMP/nobody d
    mkdir -p "$home"; chown nobody:nogroup "$home"
    d=$home/pg; CLEANUP_DATA+=("$d")
    RC=0; (cd "$home" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$JIYUE" db start --data "$d") >"$OUT" 2>&1 || RC=$?
    expect_rc 0; expect_out "PostgreSQL is running in $d"
    [ "$(stat -c %U "$d")" = nobody ] || fail "cluster does not belong to nobody"
    RC=0; setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$JIYUE" --data "$d" db exec "SELECT current_user" >"$OUT" 2>&1 || RC=$?
    expect_rc 0; expect_out "jiyue"
    # root may not take over a cluster that belongs to another user
    jy db start --data "$d" --set pg_user=jiyue; expect_rc 0   # running: left alone
    RC=0; setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$JIYUE" db stop --data "$d" >"$OUT" 2>&1 || RC=$?
    expect_rc 0
    jy db start --data "$d"; expect_rc 1
    expect_out "belongs to user \"nobody\", not \"jiyue\""
}

case_full_disk_leaves_nothing_behind() {
    # a 4 MiB file system is far too small for initdb (about 40 MB)
    local fs=$TMP/tinyfs
    mkdir -p "$fs"
    if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=4M,mode=0755 tmpfs "$fs" 2>/dev/null; then
        echo "    (cannot mount a small file system here: checked where root can mount)"
        return 0
    fi
    jy db start --data "$fs/pg"; local rc=$RC
    local left; left=$(ls -A "$fs")
    umount "$fs"
    RC=$rc; expect_rc 1
    expect_out "initdb failed"; expect_out "The disk is full"
    [ -z "$left" ] || fail "left behind on the full disk: $left"
}

run_cases "$@"
