/*
 * db.h - the PostgreSQL access layer; the only header of Jiyue that knows
 * libpq exists is db.c (callers see jy_ types only).
 *
 * Every query takes parameters out of line ($1, $2 ...) as text: SQL text
 * is never built from values. Results live in the pool passed to the query
 * (a cleanup handler PQclear()s them), so a request or job frees them all at
 * once. Errors are turned into jy_err values: a unique violation becomes
 * JY_E_CONFLICT, a lost connection JY_E_UNAVAILABLE, bad input
 * (22xxx/23xxx) JY_E_INVALID; detail carries the server's message and
 * SQLSTATE.
 */
#ifndef JY_CORE_DB_H
#define JY_CORE_DB_H

#include <stdbool.h>
#include <stddef.h>

struct jy_err;
struct jy_pool;
struct jy_db;
struct jy_db_res;

/* Connect with a libpq connection string; NULL and err on failure. */
struct jy_db *jy_db_connect(const char *conninfo, struct jy_err *err);
void jy_db_close(struct jy_db *db);

/* True while the connection is usable. */
bool jy_db_ok(struct jy_db *db);

/*
 * Like jy_db_ok(), but first reads whatever the server sent meanwhile,
 * without a round trip: a connection the server closed (a restart, an
 * administrator's termination) is found bad before a request is lost on it.
 */
bool jy_db_alive(struct jy_db *db);

/* The connection string the handle was opened with (another connection to the same database). */
const char *jy_db_conninfo(const struct jy_db *db);

/* Reconnect after the server went away; JY_OK or JY_ERROR with err. */
int jy_db_reset(struct jy_db *db, struct jy_err *err);

/*
 * Run one statement with nparams text parameters (NULL entries are SQL
 * NULL). Returns the result (possibly zero rows) or NULL with err set.
 */
struct jy_db_res *jy_db_query(struct jy_db *db, struct jy_pool *pool, const char *sql, int nparams,
                              const char *const *params, struct jy_err *err);

/*
 * Wait up to timeout_ms for a notification (LISTEN). When listen_sql is not
 * NULL it is run first ("LISTEN jy_change"). JY_OK with the payload copied,
 * JY_DECLINED when none came in time (or a signal interrupted the wait),
 * JY_ERROR when the connection failed.
 */
int jy_db_wait_notify(struct jy_db *db, const char *listen_sql, int timeout_ms, char *payload,
                      size_t payload_size, struct jy_err *err);

/*
 * Prepared statements (on by default): a statement text run a second time
 * on a connection is prepared once and executed by name afterwards (db.c
 * says how the table is bounded). Off: every call is parsed and planned
 * afresh (the benchmarks compare both). The count is of statements
 * prepared in the current session.
 */
void jy_db_set_prepare(struct jy_db *db, bool on);
int jy_db_prepared_count(const struct jy_db *db);

/* Run SQL text that may hold several statements and no parameters (migrations). */
int jy_db_exec(struct jy_db *db, const char *sql, struct jy_err *err);

/*
 * Array parameters in the text form PostgreSQL takes: {1,2,3} for bigint[]
 * and {"a","b \"c\""} for text[] (every element quoted, " and \ escaped).
 * In pool; {} when n is 0.
 */
const char *jy_db_ids_literal(struct jy_pool *pool, const long long *v, int n);
const char *jy_db_texts_literal(struct jy_pool *pool, const char *const *v, int n);

/* Shorthands for one-row answers: the first column of the first row, copied into pool. NULL when no
 * row or SQL NULL (err is left clear then). */
const char *jy_db_query_value(struct jy_db *db, struct jy_pool *pool, const char *sql, int nparams,
                              const char *const *params, struct jy_err *err);

/*
 * Who acts on this connection: every transaction begun with jy_db_begin()
 * afterwards starts by setting the transaction-local settings jy.user_id,
 * jy.login, jy.client_addr and jy.request_id, which row-level security and
 * the audit log read (current_setting('jy.user_id', true)). user_id 0
 * clears the actor: the system acts (a CLI command of the operator, the
 * demo loader). Strings are copied; NULL leaves that setting empty.
 */
void jy_db_set_actor(struct jy_db *db, long long user_id, const char *login,
                     const char *client_addr, const char *request_id);
long long jy_db_actor(const struct jy_db *db);

int jy_db_begin(struct jy_db *db, struct jy_err *err);
int jy_db_commit(struct jy_db *db, struct jy_err *err);
/* Roll back; never fails from the caller's view (errors are logged). */
void jy_db_rollback(struct jy_db *db);

int jy_db_res_rows(const struct jy_db_res *res);
int jy_db_res_cols(const struct jy_db_res *res);
/* Rows changed by INSERT/UPDATE/DELETE. */
long long jy_db_res_affected(const struct jy_db_res *res);
/* Column index by name, -1 when absent. */
int jy_db_res_col(const struct jy_db_res *res, const char *name);
const char *jy_db_res_colname(const struct jy_db_res *res, int col);
/* Value as text, NULL for SQL NULL. Valid as long as the pool. */
const char *jy_db_res_get(const struct jy_db_res *res, int row, int col);
size_t jy_db_res_len(const struct jy_db_res *res, int row, int col);
bool jy_db_res_isnull(const struct jy_db_res *res, int row, int col);
/* Value of a named column; NULL for SQL NULL; a missing column is a bug. */
const char *jy_db_res_field(const struct jy_db_res *res, int row, const char *name);

/* Server version as an integer (150018 for 15.18). */
int jy_db_server_version(struct jy_db *db);

/*
 * LISTEN/NOTIFY: after "LISTEN channel" (jy_db_exec), poll the socket for
 * reading; when it is readable, jy_db_notifies() reads what the server sent
 * and calls fn for every notification that arrived, in order. Returns how
 * many, or JY_ERROR with err when the connection is lost.
 */
typedef void (*jy_db_notify_fn)(void *arg, const char *channel, const char *payload);
int jy_db_socket(struct jy_db *db);
int jy_db_notifies(struct jy_db *db, jy_db_notify_fn fn, void *arg, struct jy_err *err);

/* Quote an identifier for the few places that need one (CREATE DATABASE name). */
char *jy_db_quote_ident(struct jy_db *db, struct jy_pool *pool, const char *ident);

/*
 * COPY FROM STDIN for bulk loads: begin with the COPY statement, send
 * chunks of text-format data, end. On error the COPY is aborted.
 */
int jy_db_copy_begin(struct jy_db *db, const char *copy_sql, struct jy_err *err);
int jy_db_copy_send(struct jy_db *db, const char *data, size_t len, struct jy_err *err);
int jy_db_copy_end(struct jy_db *db, struct jy_err *err);

#endif /* JY_CORE_DB_H */
