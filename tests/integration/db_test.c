/*
 * db_test.c - the libpq layer against a real PostgreSQL (the ctest fixture's).
 */
#include "core/compat.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "tests/test.h"

static struct jy_db *
open_empty(struct jy_pool *pool)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db = jy_db_connect(jy_test_db_create(false), &err);

    (void) pool;
    if (db == NULL)
        jy_test_fail(__FILE__, __LINE__, "connect: %s (%s)", err.msg, err.detail);
    return db;
}


static void
test_params_and_nulls(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_db *db = open_empty(pool);
    struct jy_err err = JY_ERR_INIT;
    const char *params[3] = {"清水县人民政府", NULL, "'; DROP TABLE x; --"};
    struct jy_db_res *res;

    res = jy_db_query(db, pool,
                      "SELECT $1::text AS name, $2::text AS missing, $3::text AS evil, "
                      "char_length($1) AS chars",
                      3, params, &err);
    T_ASSERT(res != NULL);
    T_EQ_INT(jy_db_res_rows(res), 1);
    T_EQ_STR(jy_db_res_field(res, 0, "name"), "清水县人民政府");
    T_ASSERT(jy_db_res_field(res, 0, "missing") == NULL);
    T_ASSERT(jy_db_res_isnull(res, 0, 1));
    T_EQ_STR(jy_db_res_field(res, 0, "evil"), "'; DROP TABLE x; --");
    T_EQ_STR(jy_db_res_field(res, 0, "chars"), "7");
    T_EQ_INT(jy_db_res_col(res, "nope"), -1);
    jy_db_close(db);
    jy_pool_destroy(pool);
}


static void
test_unique_violation_is_conflict(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_db *db = open_empty(pool);
    struct jy_err err = JY_ERR_INIT;
    const char *p[1] = {"1304000009"};

    T_EQ_INT(jy_db_exec(db, "CREATE TABLE s (code text PRIMARY KEY)", &err), JY_OK);
    T_ASSERT(jy_db_query(db, pool, "INSERT INTO s VALUES ($1)", 1, p, &err) != NULL);
    T_ASSERT(jy_db_query(db, pool, "INSERT INTO s VALUES ($1)", 1, p, &err) == NULL);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_EQ_INT(jy_err_http_status(&err), 409);
    T_CONTAINS(err.msg, "duplicate key");
    T_CONTAINS(err.detail, "SQLSTATE 23505");
    jy_db_close(db);
    jy_pool_destroy(pool);
}


static void
test_check_violation_is_invalid_and_raise_is_readable(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_db *db = open_empty(pool);
    struct jy_err err = JY_ERR_INIT;

    T_EQ_INT(jy_db_exec(db, "CREATE TABLE c (n int CHECK (n > 0))", &err), JY_OK);
    T_ASSERT(jy_db_query(db, pool, "INSERT INTO c VALUES (-1)", 0, NULL, &err) == NULL);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_ASSERT(
        jy_db_query(db, pool,
                    "DO $$ BEGIN RAISE EXCEPTION '栏目 \"%\" 不能移到其他网站', 'zwgk'; END $$", 0,
                    NULL, &err) == NULL);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_STR(err.msg, "栏目 \"zwgk\" 不能移到其他网站");
    jy_db_close(db);
    jy_pool_destroy(pool);
}


static void
test_transaction_rollback_leaves_nothing(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_db *db = open_empty(pool);
    struct jy_err err = JY_ERR_INIT;

    T_EQ_INT(jy_db_exec(db, "CREATE TABLE r (n int)", &err), JY_OK);
    T_EQ_INT(jy_db_begin(db, &err), JY_OK);
    T_ASSERT(jy_db_query(db, pool, "INSERT INTO r VALUES (1)", 0, NULL, &err) != NULL);
    T_ASSERT(jy_db_query(db, pool, "INSERT INTO r VALUES ('x')", 0, NULL, &err) == NULL);
    jy_db_rollback(db);
    T_EQ_STR(jy_db_query_value(db, pool, "SELECT count(*) FROM r", 0, NULL, &err), "0");
    /* the connection is usable after the rollback */
    T_EQ_INT(jy_db_begin(db, &err), JY_OK);
    T_ASSERT(jy_db_query(db, pool, "INSERT INTO r VALUES (2)", 0, NULL, &err) != NULL);
    T_EQ_INT(jy_db_commit(db, &err), JY_OK);
    T_EQ_STR(jy_db_query_value(db, pool, "SELECT sum(n) FROM r", 0, NULL, &err), "2");
    jy_db_close(db);
    jy_pool_destroy(pool);
}


static void
test_copy_bulk_load(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_db *db = open_empty(pool);
    struct jy_err err = JY_ERR_INIT;
    static const char rows[] = "1\t省政府文件\n2\t\\N\n3\t政策解读\n";

    T_EQ_INT(jy_db_exec(db, "CREATE TABLE k (id int, name text)", &err), JY_OK);
    T_EQ_INT(jy_db_copy_begin(db, "COPY k FROM STDIN", &err), JY_OK);
    T_EQ_INT(jy_db_copy_send(db, rows, sizeof(rows) - 1, &err), JY_OK);
    T_EQ_INT(jy_db_copy_end(db, &err), JY_OK);
    T_EQ_STR(
        jy_db_query_value(db, pool, "SELECT count(*) || '/' || count(name) FROM k", 0, NULL, &err),
        "3/2");
    /* a malformed row fails the whole COPY: nothing of it lands */
    T_EQ_INT(jy_db_copy_begin(db, "COPY k FROM STDIN", &err), JY_OK);
    T_EQ_INT(jy_db_copy_send(db, "4\tok\nnot-a-number\tx\n", 19, &err), JY_OK);
    T_EQ_INT(jy_db_copy_end(db, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_STR(jy_db_query_value(db, pool, "SELECT count(*) FROM k", 0, NULL, &err), "3");
    jy_db_close(db);
    jy_pool_destroy(pool);
}


static void
test_lost_connection_is_unavailable(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_db *db = open_empty(pool);
    struct jy_db *killer = open_empty(pool);
    struct jy_err err = JY_ERR_INIT;
    const char *pid = jy_db_query_value(db, pool, "SELECT pg_backend_pid()", 0, NULL, &err);
    const char *p[1] = {pid};

    T_ASSERT(pid != NULL);
    T_ASSERT(jy_db_query(killer, pool, "SELECT pg_terminate_backend($1::int)", 1, p, &err));
    T_ASSERT(jy_db_query(db, pool, "SELECT 1", 0, NULL, &err) == NULL);
    T_EQ_INT(err.code, JY_E_UNAVAILABLE);
    T_EQ_INT(jy_err_http_status(&err), 503);
    T_ASSERT(!jy_db_ok(db));
    T_EQ_INT(jy_db_reset(db, &err), JY_OK);
    T_EQ_STR(jy_db_query_value(db, pool, "SELECT 1", 0, NULL, &err), "1");
    jy_db_close(killer);
    jy_db_close(db);
    jy_pool_destroy(pool);
}


static void
test_connect_failure_message(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db = jy_db_connect("host=/nonexistent-folder dbname=x", &err);

    T_ASSERT(db == NULL);
    T_EQ_INT(err.code, JY_E_UNAVAILABLE);
    T_EQ_STR(err.msg, "could not connect to the database");
    T_CONTAINS(err.detail, "/nonexistent-folder");
    T_CONTAINS(err.hint, "jiyue db start");
}


static void
test_migrated_template_has_schema_version(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db = jy_db_connect(jy_test_db_create(true), &err);
    const char *n;

    T_ASSERT(db != NULL);
    n = jy_db_query_value(db, pool, "SELECT count(*) FROM schema_version", 0, NULL, &err);
    T_ASSERT(n != NULL && atoi(n) >= 1);
    jy_db_close(db);
    jy_pool_destroy(pool);
}


/*
 * Prepared statements (db.h): a text is prepared on its second run and
 * gives the same answers; a reconnect starts afresh; a table whose columns
 * change under a prepared SELECT * fails that one call, and the next one
 * prepares it again; one-off texts never fill the table.
 */
static void
test_prepared_statements(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_db *db = open_empty(pool);
    struct jy_err err = JY_ERR_INIT;
    const char *p[1] = {"21"};
    struct jy_db_res *res;
    int i;

    T_EQ_INT(jy_db_exec(db, "CREATE TABLE t (a int); INSERT INTO t VALUES (1)", &err), JY_OK);
    T_EQ_INT(jy_db_prepared_count(db), 0);
    for (i = 0; i < 3; i++) {
        const char *v = jy_db_query_value(db, pool, "SELECT $1::int * 2", 1, p, &err);
        T_ASSERT(v != NULL);
        T_EQ_STR(v, "42");
        T_EQ_INT(jy_db_prepared_count(db), i == 0 ? 0 : 1);
    }
    /* a reconnect: a new session has none of them, and they work as before */
    T_EQ_INT(jy_db_reset(db, &err), JY_OK);
    T_EQ_INT(jy_db_prepared_count(db), 0);
    for (i = 0; i < 2; i++)
        T_EQ_STR(jy_db_query_value(db, pool, "SELECT $1::int * 2", 1, p, &err), "42");
    T_EQ_INT(jy_db_prepared_count(db), 1);

    /* the columns of t change under a prepared SELECT * */
    for (i = 0; i < 2; i++)
        T_ASSERT(jy_db_query(db, pool, "SELECT * FROM t", 0, NULL, &err) != NULL);
    T_EQ_INT(jy_db_prepared_count(db), 2);
    T_EQ_INT(jy_db_exec(db, "ALTER TABLE t ADD COLUMN b text DEFAULT 'x'", &err), JY_OK);
    res = jy_db_query(db, pool, "SELECT * FROM t", 0, NULL, &err);
    if (res == NULL) /* "cached plan must not change result type": that call only */
        res = jy_db_query(db, pool, "SELECT * FROM t", 0, NULL, &err);
    T_ASSERT(res != NULL);
    T_EQ_INT(jy_db_res_cols(res), 2);
    T_EQ_STR(jy_db_res_field(res, 0, "b"), "x");

    /* texts run once are remembered, never prepared, and do not crowd out the table */
    for (i = 0; i < 1500; i++) {
        char sql[64];
        snprintf(sql, sizeof(sql), "SELECT %d", i);
        T_ASSERT(jy_db_query(db, pool, sql, 0, NULL, &err) != NULL);
    }
    T_ASSERT(jy_db_prepared_count(db) <= 3);
    for (i = 0; i < 2; i++)
        T_EQ_STR(jy_db_query_value(db, pool, "SELECT $1::int + 1", 1, p, &err), "22");
    T_EQ_INT(jy_db_prepared_count(db), 3);

    /* off: nothing is prepared */
    jy_db_set_prepare(db, false);
    for (i = 0; i < 2; i++)
        T_EQ_STR(jy_db_query_value(db, pool, "SELECT $1::int - 1", 1, p, &err), "20");
    T_EQ_INT(jy_db_prepared_count(db), 3);
    jy_db_close(db);
    jy_pool_destroy(pool);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_params_and_nulls),
        T_CASE(test_prepared_statements),
        T_CASE(test_unique_violation_is_conflict),
        T_CASE(test_check_violation_is_invalid_and_raise_is_readable),
        T_CASE(test_transaction_rollback_leaves_nothing),
        T_CASE(test_copy_bulk_load),
        T_CASE(test_lost_connection_is_unavailable),
        T_CASE(test_connect_failure_message),
        T_CASE(test_migrated_template_has_schema_version),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
