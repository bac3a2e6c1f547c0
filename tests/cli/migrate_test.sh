#!/bin/bash
# `jiyue migrate` on a cluster of its own, with schema folders made here.
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
"$JIYUE" --log-level warn db start --data "$DATA" >/dev/null || { echo "cannot start cluster"; exit 1; }

# a share_dir with a schema/ of our own; each case uses its own database
share() {
    local s=$TMP/share.$1
    mkdir -p "$s/schema"
    echo "$s"
}
newdb() {
    "$JIYUE" --log-level warn --data "$DATA" --db "host=$DATA dbname=postgres user=jiyue" db exec \
        "CREATE DATABASE $1" >/dev/null
    echo "host=$DATA dbname=$1 user=jiyue"
}

case_applies_in_order_and_is_idempotent() {
    local s db; s=$(share a); db=$(newdb mig_a)
    printf 'CREATE TABLE t (x int);\n' >"$s/schema/0001_t.sql"
    printf -- "-- a comment; with a semicolon\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\n" \
        >"$s/schema/0002_rows.sql"
    jy --db "$db" --set share_dir="$s" migrate; expect_rc 0
    expect_out "applied 0001_t.sql"; expect_out "applied 0002_rows.sql"; expect_out "version 0002"
    jy --db "$db" --set share_dir="$s" migrate; expect_rc 0; expect_out "schema is up to date"
    jy --db "$db" db exec "SELECT count(*), sum(x) FROM t"; expect_out "$(printf '2\t3')"
    jy --db "$db" --set share_dir="$s" migrate --status; expect_rc 0
    expect_out "applied  0001_t.sql"; expect_out "applied  0002_rows.sql"
}

case_failing_migration_changes_nothing() {
    local s db; s=$(share b); db=$(newdb mig_b)
    printf 'CREATE TABLE t (x int);\n' >"$s/schema/0001_t.sql"
    jy --db "$db" --set share_dir="$s" migrate; expect_rc 0
    printf 'CREATE TABLE u (y int);\nINSERT INTO t VALUES (1);\n\nINSERT INTO t VALUES (1/0);\nCREATE TABLE v (z int);\n' \
        >"$s/schema/0002_bad.sql"
    jy --db "$db" --set share_dir="$s" migrate; expect_rc 1
    expect_out 'migration "0002_bad.sql" failed at line 4'
    expect_out "division by zero"
    expect_out "statement: INSERT INTO t VALUES (1/0)"
    expect_out "Nothing of \"0002_bad.sql\" was applied"
    jy --db "$db" db exec "SELECT count(*) FROM t"; expect_out "0"
    jy --db "$db" db exec "SELECT to_regclass('u') IS NULL, max(version) FROM schema_version"
    expect_out "$(printf 't\t1')"
    # fixed, it applies
    printf 'CREATE TABLE u (y int);\nINSERT INTO t VALUES (1);\n' >"$s/schema/0002_bad.sql"
    jy --db "$db" --set share_dir="$s" migrate; expect_rc 0; expect_out "applied 0002_bad.sql"
}

case_syntax_error_names_line() {
    local s db; s=$(share c); db=$(newdb mig_c)
    printf 'CREATE TABLE ok1 (x int);\n\nCREATE TABEL oops (x int);\n' >"$s/schema/0001_typo.sql"
    jy --db "$db" --set share_dir="$s" migrate; expect_rc 1
    expect_out 'migration "0001_typo.sql" failed at line 3'; expect_out 'syntax error at or near "TABEL"'
    jy --db "$db" db exec "SELECT to_regclass('ok1') IS NULL"; expect_out "t"
}

case_bad_file_names_and_transaction_control() {
    local s db; s=$(share d); db=$(newdb mig_d)
    printf 'SELECT 1;\n' >"$s/schema/1_short.sql"
    jy --db "$db" --set share_dir="$s" migrate; expect_rc 1; expect_out "is not NNNN_name.sql"
    rm "$s/schema/1_short.sql"
    printf 'BEGIN;\nCREATE TABLE w (x int);\nCOMMIT;\n' >"$s/schema/0001_tx.sql"
    jy --db "$db" --set share_dir="$s" migrate; expect_rc 1; expect_out "transaction control is not allowed"
    rm "$s/schema/0001_tx.sql"
    printf 'SELECT 1;\n' >"$s/schema/0001_a.sql"; printf 'SELECT 2;\n' >"$s/schema/0001_b.sql"
    jy --db "$db" --set share_dir="$s" migrate; expect_rc 1; expect_out "have the same number"
}

case_dollar_quoted_function_bodies() {
    local s db; s=$(share e); db=$(newdb mig_e)
    cat >"$s/schema/0001_fn.sql" <<'SQL'
CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    RETURN i + 1; -- a ; inside the body
END;
$$;
CREATE TABLE "semi;colon" (note text DEFAULT 'it''s; fine');
SQL
    jy --db "$db" --set share_dir="$s" migrate; expect_rc 0
    jy --db "$db" db exec "SELECT add_one(41)"; expect_out "42"
}

case_edited_migration_is_reported() {
    local s db; s=$(share f); db=$(newdb mig_f)
    printf 'CREATE TABLE t (x int);\n' >"$s/schema/0001_t.sql"
    jy --db "$db" --set share_dir="$s" migrate; expect_rc 0
    printf 'CREATE TABLE t (x bigint);\n' >"$s/schema/0001_t.sql"
    jy --db "$db" --set share_dir="$s" migrate; expect_rc 0; expect_out "changed after it was applied"
    jy --db "$db" --set share_dir="$s" migrate --status; expect_out "CHANGED  0001_t.sql"
}

case_project_schema_applies_twice() {
    local db; db=$(newdb mig_real)
    jy --db "$db" --set share_dir="$JY_SOURCE_DIR" migrate; expect_rc 0
    jy --db "$db" --set share_dir="$JY_SOURCE_DIR" migrate; expect_rc 0; expect_out "schema is up to date"
}

run_cases "$@"
