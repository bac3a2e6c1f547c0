/*
 * db.c - libpq behind jy_ types; see db.h.
 */
#include "core/compat.h"
#include "core/db.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"

#include <libpq-fe.h>
#include <errno.h>
#include <poll.h>

/*
 * Prepared statements: every text jy_db_query() runs a second time on a
 * connection is PQprepare()d under a name of its own and executed with
 * PQexecPrepared() from then on, so the server parses and plans it (row-level
 * security included) once per connection instead of once per call. Callers
 * see nothing of it. A text seen once is only remembered (dynamic SQL built
 * with values of one call, such as a list of placeholders, is never
 * prepared); the table is bounded: when STMT_MAX texts are remembered, the
 * ones never prepared are forgotten, and once STMT_PREPARED_MAX are
 * prepared no more are. After jy_db_reset() (a new server session) every
 * statement is prepared anew.
 */
#define STMT_BUCKETS      256
#define STMT_MAX          1024
#define STMT_PREPARED_MAX 512

struct stmt {
    uint64_t hash;
    char *sql;
    int prepared; /* 0: seen once; 1: prepared as "jy_<id>" in this session */
    unsigned id;
    struct stmt *next;
};

struct jy_db {
    PGconn *conn;
    struct stmt *stmts[STMT_BUCKETS];
    int nstmts;             /* remembered texts */
    int nprepared;          /* of them prepared in this session */
    unsigned next_id;       /* names are never reused within a session */
    bool prepare;           /* jy_db_set_prepare(); on by default */
    char *conninfo;         /* kept for jy_db_reset() */
    int in_tx;              /* a BEGIN without COMMIT/ROLLBACK yet */
    long long actor;        /* jy_db_set_actor(): user id, 0 for the system */
    char actor_login[64];   /* its login, for the audit log */
    char actor_addr[64];    /* client address of the request */
    char actor_request[40]; /* request id */
};

struct jy_db_res {
    PGresult *r;
};

static void db_notice(void *arg, const char *message);
static void stmt_forget(struct jy_db *db, bool all);


static void
db_notice(void *arg, const char *message)
{
    (void) arg;
    /* NOTICEs of migrations ("relation already exists, skipping") are debug chatter */
    jy_log_debug("db", "%.*s", (int) strcspn(message, "\n"), message);
}


/* Map a SQLSTATE to the error code callers act on. */
static enum jy_err_code
db_code_for_state(const char *state)
{
    if (state == NULL)
        return JY_E_UNAVAILABLE; /* no result at all: the connection is gone */
    if (strcmp(state, "23505") == 0 || strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
        return JY_E_CONFLICT;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
        strcmp(state, "53300") == 0)
        return JY_E_UNAVAILABLE;
    if (strcmp(state, "42501") == 0)
        return JY_E_FORBIDDEN; /* insufficient privilege, row-level security */
    if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0 ||
        strncmp(state, "P0001", 5) == 0)
        return JY_E_INVALID;
    return JY_E_INTERNAL;
}


/* Fill err from a failed result (or a NULL one: connection trouble). */
static void
db_set_err(struct jy_db *db, PGresult *r, struct jy_err *err)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *hint = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_HINT) : NULL;
    enum jy_err_code code = db_code_for_state(state);

    if (r == NULL || PQstatus(db->conn) == CONNECTION_BAD) {
        const char *m = PQerrorMessage(db->conn);
        jy_err_set(err, JY_E_UNAVAILABLE, "could not reach the database");
        jy_err_detail(err, "%.*s", (int) strcspn(m, "\n"), m);
        jy_err_hint(err, "Check that PostgreSQL is running (\"jiyue db status\").");
        return;
    }
    if (code == JY_E_INVALID && strcmp(state, "P0001") == 0) {
        /* RAISE EXCEPTION from our own functions: the message is meant for people */
        jy_err_set(err, code, "%s", primary ? primary : "invalid data");
    } else {
        jy_err_set(err, code, "%s", primary ? primary : "database error");
    }
    jy_err_detail(err, "SQLSTATE %s%s%s", state ? state : "?", detail ? ": " : "",
                  detail ? detail : "");
    if (hint)
        jy_err_hint(err, "%s", hint);
    {
        const char *col = PQresultErrorField(r, PG_DIAG_COLUMN_NAME);
        if (col)
            jy_err_field(err, col);
    }
}


struct jy_db *
jy_db_connect(const char *conninfo, struct jy_err *err)
{
    struct jy_db *db = jy_xmalloc(sizeof(*db));

    memset(db, 0, sizeof(*db));
    db->prepare = true;
    db->conninfo = jy_xstrdup(conninfo);
    db->in_tx = 0;
    db->actor = 0;
    db->actor_login[0] = db->actor_addr[0] = db->actor_request[0] = '\0';
    db->conn = PQconnectdb(conninfo);
    if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
        const char *m = db->conn ? PQerrorMessage(db->conn) : "out of memory";
        jy_err_set(err, JY_E_UNAVAILABLE, "could not connect to the database");
        jy_err_detail(err, "%.*s", (int) strcspn(m, "\n"), m);
        jy_err_hint(err, "Check the connection string (--db, JIYUE_DB) or start the embedded "
                         "cluster with \"jiyue db start\".");
        jy_db_close(db);
        return NULL;
    }
    PQsetNoticeProcessor(db->conn, db_notice, NULL);
    return db;
}


void
jy_db_close(struct jy_db *db)
{
    if (db == NULL)
        return;
    PQfinish(db->conn);
    stmt_forget(db, true);
    free(db->conninfo);
    free(db);
}


bool
jy_db_ok(struct jy_db *db)
{
    return db && PQstatus(db->conn) == CONNECTION_OK;
}


bool
jy_db_alive(struct jy_db *db)
{
    if (!jy_db_ok(db))
        return false;
    /* reads what has arrived without waiting: a server that went away left EOF */
    PQconsumeInput(db->conn);
    return PQstatus(db->conn) == CONNECTION_OK;
}


int
jy_db_reset(struct jy_db *db, struct jy_err *err)
{
    PQreset(db->conn);
    db->in_tx = 0;
    stmt_forget(db, true); /* a new session has none of the old one's statements */
    if (PQstatus(db->conn) != CONNECTION_OK) {
        db_set_err(db, NULL, err);
        return JY_ERROR;
    }
    PQsetNoticeProcessor(db->conn, db_notice, NULL);
    return JY_OK;
}


static void
db_res_cleanup(void *data)
{
    struct jy_db_res *res = data;
    PQclear(res->r);
}


/* FNV-1a of the statement text. */
static uint64_t
stmt_hash(const char *sql)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *sql; sql++) {
        h ^= (unsigned char) *sql;
        h *= 1099511628211ULL;
    }
    return h;
}


/* Forget remembered texts: all of them, or only those never prepared. */
static void
stmt_forget(struct jy_db *db, bool all)
{
    int b;

    for (b = 0; b < STMT_BUCKETS; b++) {
        struct stmt **pp = &db->stmts[b];
        while (*pp) {
            struct stmt *s = *pp;
            if (all || !s->prepared) {
                *pp = s->next;
                free(s->sql);
                free(s);
                db->nstmts--;
            } else {
                pp = &s->next;
            }
        }
    }
    if (all)
        db->nprepared = 0;
}


/*
 * The statement to run sql as: NULL to run it unnamed (first sighting, or
 * the table is full), else a prepared one (prepared here on its second
 * sighting). A failed PQprepare() is returned in *failed: the caller
 * reports it as the statement's own error (the same text would fail the
 * same way unprepared).
 */
static struct stmt *
stmt_get(struct jy_db *db, const char *sql, int nparams, PGresult **failed)
{
    uint64_t h = stmt_hash(sql);
    struct stmt *s;
    char name[24];
    PGresult *r;

    *failed = NULL;
    for (s = db->stmts[h % STMT_BUCKETS]; s; s = s->next)
        if (s->hash == h && strcmp(s->sql, sql) == 0)
            break;
    if (s == NULL) {
        if (db->nstmts >= STMT_MAX)
            stmt_forget(db, false);
        if (db->nstmts >= STMT_MAX)
            return NULL;
        s = jy_xmalloc(sizeof(*s));
        s->hash = h;
        s->sql = jy_xstrdup(sql);
        s->prepared = 0;
        s->id = 0;
        s->next = db->stmts[h % STMT_BUCKETS];
        db->stmts[h % STMT_BUCKETS] = s;
        db->nstmts++;
        return NULL;
    }
    if (s->prepared)
        return s;
    if (db->nprepared >= STMT_PREPARED_MAX)
        return NULL;
    s->id = ++db->next_id;
    snprintf(name, sizeof(name), "jy_%u", s->id);
    r = PQprepare(db->conn, name, sql, nparams, NULL);
    if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
        *failed = r;
        return NULL;
    }
    PQclear(r);
    s->prepared = 1;
    db->nprepared++;
    return s;
}


/* Run sql with params: prepared when it was seen before, else as an unnamed statement. */
static PGresult *
db_exec_params(struct jy_db *db, const char *sql, int nparams, const char *const *params)
{
    struct stmt *s = NULL;
    PGresult *failed = NULL, *r;
    char name[24];

    if (db->prepare)
        s = stmt_get(db, sql, nparams, &failed);
    if (failed)
        return failed;
    if (s == NULL)
        return PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    snprintf(name, sizeof(name), "jy_%u", s->id);
    r = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
    if (r && PQresultStatus(r) == PGRES_FATAL_ERROR) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        /* the session lost it (DISCARD ALL), or a table changed its columns under it
         * ("cached plan must not change result type"): prepare it afresh next time */
        if (state && (strcmp(state, "26000") == 0 || strcmp(state, "0A000") == 0)) {
            s->prepared = 0;
            db->nprepared--;
        }
    }
    return r;
}


void
jy_db_set_prepare(struct jy_db *db, bool on)
{
    db->prepare = on;
}


int
jy_db_prepared_count(const struct jy_db *db)
{
    return db->nprepared;
}


struct jy_db_res *
jy_db_query(struct jy_db *db, struct jy_pool *pool, const char *sql, int nparams,
            const char *const *params, struct jy_err *err)
{
    PGresult *r = db_exec_params(db, sql, nparams, params);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    struct jy_db_res *res;

    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        db_set_err(db, r, err);
        jy_log_debug("db", "query failed: %s (%s)", err ? err->msg : "", sql);
        PQclear(r);
        return NULL;
    }
    res = jy_pool_alloc(pool, sizeof(*res));
    res->r = r;
    jy_pool_cleanup_add(pool, db_res_cleanup, res);
    return res;
}


int
jy_db_exec(struct jy_db *db, const char *sql, struct jy_err *err)
{
    PGresult *r = PQexec(db->conn, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
        db_set_err(db, r, err);
        PQclear(r);
        return JY_ERROR;
    }
    PQclear(r);
    return JY_OK;
}


const char *
jy_db_query_value(struct jy_db *db, struct jy_pool *pool, const char *sql, int nparams,
                  const char *const *params, struct jy_err *err)
{
    struct jy_db_res *res = jy_db_query(db, pool, sql, nparams, params, err);

    if (res == NULL || PQntuples(res->r) == 0 || PQnfields(res->r) == 0 ||
        PQgetisnull(res->r, 0, 0))
        return NULL;
    return PQgetvalue(res->r, 0, 0);
}


void
jy_db_set_actor(struct jy_db *db, long long user_id, const char *login, const char *client_addr,
                const char *request_id)
{
    db->actor = user_id > 0 ? user_id : 0;
    snprintf(db->actor_login, sizeof(db->actor_login), "%s", login ? login : "");
    snprintf(db->actor_addr, sizeof(db->actor_addr), "%s", client_addr ? client_addr : "");
    snprintf(db->actor_request, sizeof(db->actor_request), "%s", request_id ? request_id : "");
}


long long
jy_db_actor(const struct jy_db *db)
{
    return db->actor;
}


int
jy_db_begin(struct jy_db *db, struct jy_err *err)
{
    char uid[24];
    const char *params[4] = {uid, db->actor_login, db->actor_addr, db->actor_request};
    PGresult *r;

    if (jy_db_exec(db, "BEGIN", err) != JY_OK)
        return JY_ERROR;
    db->in_tx = 1;
    /* always set, so a pooled connection never carries an earlier actor */
    snprintf(uid, sizeof(uid), "%lld", db->actor);
    r = db_exec_params(
        db,
        "SELECT set_config('jy.user_id', $1, true), set_config('jy.login', $2, true), "
        "set_config('jy.client_addr', $3, true), set_config('jy.request_id', $4, true)",
        4, params);
    if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK) {
        db_set_err(db, r, err);
        PQclear(r);
        jy_db_rollback(db);
        return JY_ERROR;
    }
    PQclear(r);
    return JY_OK;
}


int
jy_db_commit(struct jy_db *db, struct jy_err *err)
{
    int rc = jy_db_exec(db, "COMMIT", err);
    db->in_tx = 0;
    return rc;
}


void
jy_db_rollback(struct jy_db *db)
{
    struct jy_err err = JY_ERR_INIT;

    if (PQtransactionStatus(db->conn) == PQTRANS_IDLE) {
        db->in_tx = 0;
        return;
    }
    if (jy_db_exec(db, "ROLLBACK", &err) != JY_OK)
        jy_log_warn("db", "rollback failed: %s", err.msg);
    db->in_tx = 0;
}


int
jy_db_res_rows(const struct jy_db_res *res)
{
    return PQntuples(res->r);
}


int
jy_db_res_cols(const struct jy_db_res *res)
{
    return PQnfields(res->r);
}


long long
jy_db_res_affected(const struct jy_db_res *res)
{
    const char *n = PQcmdTuples(res->r);
    return n[0] ? strtoll(n, NULL, 10) : 0;
}


int
jy_db_res_col(const struct jy_db_res *res, const char *name)
{
    return PQfnumber(res->r, name);
}


const char *
jy_db_res_colname(const struct jy_db_res *res, int col)
{
    return PQfname(res->r, col);
}


const char *
jy_db_res_get(const struct jy_db_res *res, int row, int col)
{
    if (PQgetisnull(res->r, row, col))
        return NULL;
    return PQgetvalue(res->r, row, col);
}


size_t
jy_db_res_len(const struct jy_db_res *res, int row, int col)
{
    return (size_t) PQgetlength(res->r, row, col);
}


bool
jy_db_res_isnull(const struct jy_db_res *res, int row, int col)
{
    return PQgetisnull(res->r, row, col) != 0;
}


const char *
jy_db_res_field(const struct jy_db_res *res, int row, const char *name)
{
    int col = PQfnumber(res->r, name);

    if (col < 0)
        JY_BUG("result has no column \"%s\"", name);
    return jy_db_res_get(res, row, col);
}


int
jy_db_server_version(struct jy_db *db)
{
    return PQserverVersion(db->conn);
}


int
jy_db_socket(struct jy_db *db)
{
    return PQsocket(db->conn);
}


int
jy_db_notifies(struct jy_db *db, jy_db_notify_fn fn, void *arg, struct jy_err *err)
{
    PGnotify *n;
    int count = 0;

    if (PQconsumeInput(db->conn) == 0) {
        const char *m = PQerrorMessage(db->conn);
        jy_err_set(err, JY_E_UNAVAILABLE, "could not reach the database");
        jy_err_detail(err, "%.*s", (int) strcspn(m, "\n"), m);
        return JY_ERROR;
    }
    while ((n = PQnotifies(db->conn)) != NULL) {
        fn(arg, n->relname, n->extra);
        PQfreemem(n);
        count++;
    }
    return count;
}


char *
jy_db_quote_ident(struct jy_db *db, struct jy_pool *pool, const char *ident)
{
    char *q = PQescapeIdentifier(db->conn, ident, strlen(ident));
    char *out;

    if (q == NULL)
        return NULL;
    out = jy_pool_strdup(pool, q);
    PQfreemem(q);
    return out;
}


int
jy_db_copy_begin(struct jy_db *db, const char *copy_sql, struct jy_err *err)
{
    PGresult *r = PQexec(db->conn, copy_sql);

    if (r == NULL || PQresultStatus(r) != PGRES_COPY_IN) {
        db_set_err(db, r, err);
        PQclear(r);
        return JY_ERROR;
    }
    PQclear(r);
    return JY_OK;
}


int
jy_db_copy_send(struct jy_db *db, const char *data, size_t len, struct jy_err *err)
{
    while (len > 0) {
        int chunk = len > (1 << 30) ? (1 << 30) : (int) len;
        if (PQputCopyData(db->conn, data, chunk) != 1) {
            db_set_err(db, NULL, err);
            return JY_ERROR;
        }
        data += chunk;
        len -= (size_t) chunk;
    }
    return JY_OK;
}


int
jy_db_copy_end(struct jy_db *db, struct jy_err *err)
{
    PGresult *r;
    int rc = JY_OK;

    if (PQputCopyEnd(db->conn, NULL) != 1) {
        db_set_err(db, NULL, err);
        return JY_ERROR;
    }
    while ((r = PQgetResult(db->conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == JY_OK) {
            db_set_err(db, r, err);
            rc = JY_ERROR;
        }
        PQclear(r);
    }
    return rc;
}


int
jy_db_wait_notify(struct jy_db *db, const char *channel, int timeout_ms, char *payload,
                  size_t payload_size, struct jy_err *err)
{
    PGnotify *n;
    struct pollfd pfd;
    int sock;

    if (channel && jy_db_exec(db, channel, err) != JY_OK)
        return JY_ERROR;
    for (;;) {
        if (PQconsumeInput(db->conn) == 0) {
            jy_err_set(err, JY_E_UNAVAILABLE, "lost the database connection: %s",
                       PQerrorMessage(db->conn));
            return JY_ERROR;
        }
        if ((n = PQnotifies(db->conn)) != NULL) {
            if (payload)
                snprintf(payload, payload_size, "%s", n->extra);
            PQfreemem(n);
            return JY_OK;
        }
        if (timeout_ms == 0)
            return JY_DECLINED;
        sock = PQsocket(db->conn);
        pfd = (struct pollfd){.fd = sock, .events = POLLIN};
        int rc = poll(&pfd, 1, timeout_ms);
        if (rc == 0)
            return JY_DECLINED;
        if (rc < 0) {
            if (errno == EINTR)
                return JY_DECLINED;
            jy_err_errno(err, errno, "waiting for the database");
            return JY_ERROR;
        }
        timeout_ms = 0; /* data came: read it, then report what is there */
    }
}


const char *
jy_db_conninfo(const struct jy_db *db)
{
    return db->conninfo;
}


const char *
jy_db_ids_literal(struct jy_pool *pool, const long long *v, int n)
{
    struct jy_buf b = JY_BUF_INIT(pool);

    jy_buf_add_char(&b, '{');
    for (int i = 0; i < n; i++)
        jy_buf_addf(&b, "%s%lld", i ? "," : "", v[i]);
    jy_buf_add_char(&b, '}');
    return b.buf;
}


const char *
jy_db_texts_literal(struct jy_pool *pool, const char *const *v, int n)
{
    struct jy_buf b = JY_BUF_INIT(pool);

    jy_buf_add_char(&b, '{');
    for (int i = 0; i < n; i++) {
        jy_buf_add_str(&b, i ? ",\"" : "\"");
        for (const char *p = v[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                jy_buf_add_char(&b, '\\');
            jy_buf_add_char(&b, *p);
        }
        jy_buf_add_char(&b, '"');
    }
    jy_buf_add_char(&b, '}');
    return b.buf;
}
