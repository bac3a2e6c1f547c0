#!/bin/sh
# pg_cluster.sh start|stop JIYUE INFOFILE
#
# Test fixture: starts a throwaway PostgreSQL cluster in a temp folder with
# the project's own `jiyue db start` (so the embedded-cluster code is what the
# tests stand on), migrates a `jy_template` database that every integration
# test copies, and writes the socket folder to INFOFILE. `stop` stops the
# cluster and removes the folder.
set -eu
action=$1 jiyue=$2 info=$3

case $action in
start)
    if [ -f "$info" ]; then
        # a previous run was interrupted: clean it up first
        old=$(cat "$info")
        "$jiyue" db stop --data "$old" >/dev/null 2>&1 || true
        rm -rf "$old"
    fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/jypg.XXXXXX")
    "$jiyue" --log-level warn db start --data "$dir"
    "$jiyue" --log-level warn --db "host=$dir dbname=postgres user=jiyue" db exec \
        "CREATE DATABASE jy_template"
    "$jiyue" --log-level warn --db "host=$dir dbname=jy_template user=jiyue" migrate
    echo "$dir" >"$info"
    echo "test cluster ready in $dir"
    ;;
stop)
    [ -f "$info" ] || exit 0
    dir=$(cat "$info")
    "$jiyue" --log-level warn db stop --data "$dir" || true
    rm -rf "$dir" "$info"
    echo "test cluster removed"
    ;;
*)
    echo "usage: pg_cluster.sh start|stop JIYUE INFOFILE" >&2
    exit 2
    ;;
esac
