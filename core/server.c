/*
 * server.c - the HTTP server (server.h): workers, limits, authentication,
 * database connections, shutdown.
 */
#include "core/compat.h"
#include "core/server.h"
#include "core/site.h"
#include "core/api.h"
#include "core/apicache.h"
#include "core/conf.h"
#include "core/auth.h"
#include "core/db.h"
#include "core/err.h"
#include "core/filestore.h"
#include "core/httpparse.h"
#include "core/json.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/render.h"
#include "core/str.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <sodium.h>

#define AUTH_CACHE_SLOTS 128
#define SESSION_COOKIE   "jy_session"
#define IDEM_KEY_MAX     255

struct auth_slot {
    char hash[JY_AUTH_TOKEN_HASH_LEN + 1]; /* of the token: the token itself is never kept */
    long long user_id;
    char login[65];
    time_t until; /* trusted until */
};

struct server;

/*
 * A client connection that has had a request: whether its answer is still
 * being written. libevent calls a request's completion callback only when
 * the answer was written; a client that goes away before that is seen only
 * through the connection's close callback, so both are watched.
 */
struct conn {
    struct evhttp_connection *evcon;
    struct worker *w;
    bool pending;      /* an answer is queued and not yet written */
    struct conn *next; /* in the worker's bucket */
};

#define CONN_BUCKETS 1024

struct worker {
    int idx;
    pthread_t thread;
    struct server *srv;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct jy_db *sys;                /* owner role: sessions, tokens, idempotency records */
    struct jy_db *app;                /* jiyue_app: handlers */
    int inflight;                     /* answers queued and not yet written (conn.pending) */
    struct conn *conns[CONN_BUCKETS]; /* connections that have had a request */
    bool draining;
    struct auth_slot cache[AUTH_CACHE_SLOTS];
    unsigned auth_gen; /* jy_apicache_auth_gen() when cache was last emptied */
};

struct server {
    const struct jy_server_opts *o;
    struct jy_api_router *router;
    struct jy_pool *pool;
    char *app_conninfo;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    struct worker *w;
    int nworkers;
    struct jy_apicache *cache; /* answers of JY_API_CACHED routes; NULL: off */
};

/* One request being handled: what the access log and the answer need. */
struct call {
    struct worker *w;
    struct evhttp_request *req;
    struct jy_api_req r;
    struct timespec t0;
    const char *err_code; /* set for error answers */
    bool no_store;        /* a draft preview: never kept by any cache */
    int file_fd;          /* serve_file: the bytes to send (>= 0), sent by evbuffer_add_file */
    ev_off_t file_size;
    bool immutable; /* serve_file: a 200 or 304 of content that never changes under its ETag */
};


static double
ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) (t.tv_sec - t0->tv_sec) * 1e3 + (double) (t.tv_nsec - t0->tv_nsec) / 1e6;
}


/* A client's request id is kept when it is a plain token of up to 64 characters. */
static bool
request_id_ok(const char *s)
{
    size_t i, n = s ? strlen(s) : 0;

    if (n == 0 || n > 64)
        return false;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || strchr("-_.:", s[i])))
            return false;
    return true;
}


static const char *
method_name(enum evhttp_cmd_type t)
{
    switch (t) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_PATCH:
        return "PATCH";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    case EVHTTP_REQ_OPTIONS:
        return "OPTIONS";
    default:
        return "OTHER";
    }
}


static bool
proxy_trusted(const struct server *srv, const char *peer)
{
    const char *list = srv->o->trusted_proxies;
    size_t n = strlen(peer);

    while (list && *list) {
        const char *sp = strchr(list, ' ');
        size_t len = sp ? (size_t) (sp - list) : strlen(list);
        if (len == n && memcmp(list, peer, n) == 0)
            return true;
        list += len;
        while (*list == ' ')
            list++;
    }
    return false;
}


/* Make sure both connections are usable; reconnect when the server closed them. */
static int
worker_db_ready(struct worker *w, struct jy_err *err)
{
    const struct server *srv = w->srv;

    if (w->sys == NULL) {
        if ((w->sys = jy_db_connect(srv->o->conninfo, err)) == NULL)
            return JY_ERROR;
    } else if (!jy_db_alive(w->sys) && jy_db_reset(w->sys, err) != JY_OK) {
        jy_err_set(err, JY_E_UNAVAILABLE, "the database is not available");
        return JY_ERROR;
    }
    if (w->app == NULL) {
        if ((w->app = jy_db_connect(srv->app_conninfo, err)) == NULL)
            return JY_ERROR;
    } else if (!jy_db_alive(w->app) && jy_db_reset(w->app, err) != JY_OK) {
        jy_err_set(err, JY_E_UNAVAILABLE, "the database is not available");
        return JY_ERROR;
    }
    return JY_OK;
}


/*
 * worker_db_ready() for a request: JY_OK, or 503 with err, the error code
 * "unavailable" and Retry-After set, logged here.
 */
static int
call_db_ready(struct call *c, struct jy_err *err)
{
    if (worker_db_ready(c->w, err) == JY_OK)
        return JY_OK;
    c->err_code = "unavailable";
    jy_log_warn("http", "database unavailable: %s", err->detail[0] ? err->detail : err->msg);
    jy_err_set(err, JY_E_UNAVAILABLE, "the database is not available, try again shortly");
    jy_api_header(&c->r, "Retry-After", "1");
    return 503;
}


static struct auth_slot *
cache_find(struct worker *w, const char *hash)
{
    time_t now = time(NULL);
    int i;

    for (i = 0; i < AUTH_CACHE_SLOTS; i++)
        if (w->cache[i].until > now && strcmp(w->cache[i].hash, hash) == 0)
            return &w->cache[i];
    return NULL;
}


static void
cache_put(struct worker *w, const char *hash, long long user_id, const char *login)
{
    time_t now = time(NULL);
    struct auth_slot *s = &w->cache[0];
    int i;

    if (w->srv->o->auth_cache <= 0)
        return;
    for (i = 0; i < AUTH_CACHE_SLOTS; i++) {
        if (w->cache[i].until <= now) {
            s = &w->cache[i];
            break;
        }
        if (w->cache[i].until < s->until)
            s = &w->cache[i];
    }
    snprintf(s->hash, sizeof(s->hash), "%s", hash);
    s->user_id = user_id;
    snprintf(s->login, sizeof(s->login), "%s", login);
    s->until = now + w->srv->o->auth_cache;
}


static void
cache_drop(struct worker *w, const char *hash)
{
    int i;

    for (i = 0; i < AUTH_CACHE_SLOTS; i++)
        if (strcmp(w->cache[i].hash, hash) == 0)
            w->cache[i].until = 0;
}


/* CSRF token of a session: derived from the session token, so nothing is stored. */
static void
csrf_of(const char *session, char out[JY_AUTH_TOKEN_HASH_LEN + 1])
{
    char buf[JY_AUTH_SESSION_TOKEN_LEN + 8];

    snprintf(buf, sizeof(buf), "csrf:%s", session);
    jy_auth_token_hash(buf, out);
    jy_auth_wipe(buf, sizeof(buf));
}


void
jy_server_csrf_token(const char *session, char out[JY_AUTH_TOKEN_HASH_LEN + 1])
{
    csrf_of(session, out);
}


/*
 * Who is calling: a bearer API token, or the session cookie (then a
 * state-changing method needs X-CSRF-Token). Fills r->user_id and r->login;
 * 401 (err JY_E_FORBIDDEN, *code "unauthenticated") or 403 "csrf".
 */
static int
authenticate(struct call *c, struct evkeyvalq *hdr, int *status, struct jy_err *err)
{
    struct worker *w = c->w;
    struct jy_api_req *r = &c->r;
    const char *authz = evhttp_find_header(hdr, "Authorization");
    const char *token = NULL, *login;
    char hash[JY_AUTH_TOKEN_HASH_LEN + 1];
    struct auth_slot *slot;
    long long uid = 0;
    bool bearer = false;
    int rc;

    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        token = authz + 7;
        while (*token == ' ')
            token++;
        bearer = true;
    } else {
        token = jy_http_cookie(r->pool, evhttp_find_header(hdr, "Cookie"), SESSION_COOKIE);
    }
    *status = 401;
    c->err_code = "unauthenticated";
    if (token == NULL || token[0] == '\0') {
        jy_err_set(err, JY_E_FORBIDDEN, "not logged in");
        jy_err_hint(err, "Log in with POST /api/v1/session, or send an API token as "
                         "\"Authorization: Bearer jy_...\".");
        return JY_ERROR;
    }
    if (bearer ? !jy_auth_api_token_ok(token) : !jy_auth_session_token_ok(token)) {
        jy_err_set(err, JY_E_FORBIDDEN, bearer ? "API token is not valid" : "session is not valid");
        return JY_ERROR;
    }
    if (!bearer && strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        const char *sent = evhttp_find_header(hdr, "X-CSRF-Token");
        char want[JY_AUTH_TOKEN_HASH_LEN + 1];
        csrf_of(token, want);
        if (sent == NULL || strlen(sent) != strlen(want) ||
            sodium_memcmp(sent, want, strlen(want)) != 0) {
            *status = 403;
            c->err_code = "csrf";
            jy_err_set(err, JY_E_FORBIDDEN, "missing or wrong X-CSRF-Token header");
            jy_err_hint(err, "Send the csrf_token given at login in the X-CSRF-Token header "
                             "with every request that changes something.");
            return JY_ERROR;
        }
    }
    jy_auth_token_hash(token, hash);
    if (w->srv->cache && jy_apicache_auth_gen(w->srv->cache) != w->auth_gen) {
        /* a session or token was revoked somewhere: check every credential again */
        w->auth_gen = jy_apicache_auth_gen(w->srv->cache);
        memset(w->cache, 0, sizeof(w->cache));
    }
    slot = cache_find(w, hash);
    if (slot) {
        r->user_id = slot->user_id;
        r->login = jy_pool_strdup(r->pool, slot->login);
    } else {
        rc = bearer ? jy_auth_token_check(w->sys, token, &uid, err)
                    : jy_auth_session_check(w->sys, token, &uid, err);
        if (rc != JY_OK) {
            if (err->code != JY_E_FORBIDDEN) {
                *status = jy_err_http_status(err);
                c->err_code = jy_api_err_code(err);
            }
            return JY_ERROR;
        }
        {
            char id[24];
            const char *p[1] = {id};
            snprintf(id, sizeof(id), "%lld", uid);
            login = jy_db_query_value(w->sys, r->pool, "SELECT login FROM app_user WHERE id = $1",
                                      1, p, err);
            if (login == NULL) {
                if (err->code == JY_E_NONE)
                    jy_err_set(err, JY_E_FORBIDDEN, "session is not valid");
                else {
                    *status = jy_err_http_status(err);
                    c->err_code = jy_api_err_code(err);
                }
                return JY_ERROR;
            }
        }
        r->user_id = uid;
        r->login = login;
        cache_put(w, hash, uid, login);
    }
    r->cookie_auth = !bearer;
    r->session = bearer ? NULL : token;
    c->err_code = NULL;
    return JY_OK;
}


/* Hash of the body for Idempotency-Key: method, path and bytes. */
static void
body_hash(const struct jy_api_req *r, char out[65])
{
    unsigned char h[32];
    crypto_generichash_state st;

    crypto_generichash_init(&st, NULL, 0, sizeof(h));
    crypto_generichash_update(&st, (const unsigned char *) r->method, strlen(r->method) + 1);
    crypto_generichash_update(&st, (const unsigned char *) r->path, strlen(r->path) + 1);
    if (r->raw_len)
        crypto_generichash_update(&st, (const unsigned char *) r->raw, r->raw_len);
    crypto_generichash_final(&st, h, sizeof(h));
    sodium_bin2hex(out, 65, h, sizeof(h));
}


/*
 * Idempotency-Key before the handler. The key is claimed first (a row with
 * status 0, "in progress"), so two copies of one request sent at once
 * cannot both run: the second gets 409 until the first has answered.
 * Returns JY_OK to run the handler (the claim is ours), JY_DONE with r
 * answered from the record of the same request, or JY_ERROR: 422 when the
 * key was used for another request, 409 while it is in progress. A claim
 * older than 5 minutes is taken to be abandoned (a crash) and taken over.
 */
static int
idem_claim(struct call *c, const char *key, const char *hash, int *status, struct jy_err *err)
{
    struct jy_api_req *r = &c->r;
    char uid[24];
    const char *p[5] = {uid, key, r->method, r->path, hash};
    struct jy_db_res *res;

    snprintf(uid, sizeof(uid), "%lld", r->user_id);
    /* forget answers older than a day and claims abandoned by a crash */
    if (jy_db_query(c->w->sys, r->pool,
                    "DELETE FROM http_idempotency WHERE user_id = $1 AND key = $2"
                    " AND (created_at < now() - interval '24 hours'"
                    "      OR (status = 0 AND created_at < now() - interval '5 minutes'))",
                    2, p, err) == NULL)
        goto db_failed;
    res = jy_db_query(c->w->sys, r->pool,
                      "INSERT INTO http_idempotency (user_id, key, method, path, body_hash, status,"
                      " response) VALUES ($1, $2, $3, $4, $5, 0, '')"
                      " ON CONFLICT (user_id, key) DO NOTHING RETURNING 1",
                      5, p, err);
    if (res == NULL)
        goto db_failed;
    if (jy_db_res_rows(res) == 1)
        return JY_OK;
    res = jy_db_query(c->w->sys, r->pool,
                      "SELECT body_hash, status, response FROM http_idempotency"
                      " WHERE user_id = $1 AND key = $2",
                      2, p, err);
    if (res == NULL)
        goto db_failed;
    if (jy_db_res_rows(res) == 0) { /* answered and forgotten meanwhile: a new request */
        jy_err_set(err, JY_E_CONFLICT, "Idempotency-Key \"%s\" changed meanwhile, try again", key);
        jy_err_field(err, "Idempotency-Key");
        *status = 409;
        return JY_ERROR;
    }
    if (strcmp(jy_db_res_get(res, 0, 0), hash) != 0) {
        *status = 422;
        c->err_code = "idempotency_mismatch";
        jy_err_set(err, JY_E_INVALID,
                   "Idempotency-Key \"%s\" was already used for a different request", key);
        jy_err_hint(err, "Use a new key for a new request; repeat a key only to retry the very "
                         "same request.");
        jy_err_field(err, "Idempotency-Key");
        return JY_ERROR;
    }
    if (atoi(jy_db_res_get(res, 0, 1)) == 0) {
        *status = 409;
        c->err_code = "idempotency_in_progress";
        jy_err_set(err, JY_E_CONFLICT,
                   "a request with Idempotency-Key \"%s\" is still being handled", key);
        jy_err_hint(err, "Retry in a moment: you will get its answer.");
        jy_err_field(err, "Idempotency-Key");
        jy_api_header(r, "Retry-After", "1");
        return JY_ERROR;
    }
    r->status = atoi(jy_db_res_get(res, 0, 1));
    jy_buf_reset(&r->out);
    jy_buf_add_str(&r->out, jy_db_res_get(res, 0, 2));
    jy_api_header(r, "Idempotent-Replayed", "true");
    return JY_DONE;

db_failed:
    *status = jy_err_http_status(err);
    return JY_ERROR;
}


/*
 * After the handler of a claimed key: keep a successful answer for replays;
 * after a failure, give the key up so the same request can be retried.
 */
static void
idem_finish(struct call *c, const char *key, bool ok)
{
    struct jy_api_req *r = &c->r;
    struct jy_err err = JY_ERR_INIT;
    char uid[24], st[8];
    const char *p[4] = {uid, key, st, r->out.buf};

    snprintf(uid, sizeof(uid), "%lld", r->user_id);
    snprintf(st, sizeof(st), "%d", r->status ? r->status : 200);
    if (jy_db_query(c->w->sys, r->pool,
                    ok ? "UPDATE http_idempotency SET status = $3::int, response = $4"
                         " WHERE user_id = $1 AND key = $2 AND status = 0"
                       : "DELETE FROM http_idempotency WHERE user_id = $1 AND key = $2"
                         " AND status = 0",
                    ok ? 4 : 2, p, &err) == NULL)
        jy_log_warn("http", "could not record Idempotency-Key: %s (%s)", err.msg, err.detail);
}


/* Read and check the body for the route; sets status and err on failure. */
static int
read_body(struct call *c, const struct jy_api_route *rt, int *status, struct jy_err *err)
{
    struct jy_api_req *r = &c->r;
    struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
    size_t len = evbuffer_get_length(in);
    size_t max = (rt->flags & JY_API_UPLOAD) ? c->w->srv->o->upload_max : c->w->srv->o->body_max;

    if (len > max) {
        *status = 413;
        c->err_code = "too_large";
        jy_err_set(err, JY_E_TOO_LARGE, "request body is too large (%zu bytes, at most %zu)", len,
                   max);
        jy_err_field(err, "body");
        return JY_ERROR;
    }
    r->raw = len ? (const char *) evbuffer_pullup(in, -1) : "";
    r->raw_len = len;
    if (rt->flags & JY_API_JSON) {
        const cJSON *j;
        if (r->content_type == NULL || strncasecmp(r->content_type, "application/json", 16) != 0) {
            *status = 415;
            c->err_code = "unsupported_media_type";
            jy_err_set(err, JY_E_INVALID, "the body must be JSON (Content-Type: application/json)");
            jy_err_field(err, "body");
            return JY_ERROR;
        }
        j = jy_json_parse(r->pool, r->raw, r->raw_len, err);
        if (j == NULL) {
            jy_err_field(err, "body");
            *status = jy_err_http_status(err);
            return JY_ERROR;
        }
        if (!cJSON_IsObject(j)) {
            jy_err_set(err, JY_E_INVALID, "the body must be a JSON object");
            jy_err_field(err, "body");
            *status = 400;
            return JY_ERROR;
        }
        r->body = j;
    }
    return JY_OK;
}


/*
 * A JY_API_CACHED route: the kept answer for this user (JY_DONE, r->out
 * filled), or JY_DECLINED with *ticket set when the answer the handler
 * computes may be kept (0: not now, or not a plain request for an id).
 */
static int
cached_answer(struct call *c, uint64_t *ticket, long long *item)
{
    struct jy_api_req *r = &c->r;
    struct jy_apicache *cache = c->w->srv->cache;
    char *end;

    *ticket = 0;
    if (strcmp(r->method, "GET") != 0 || r->user_id <= 0 || r->nargs < 1 || r->query.n > 0)
        return JY_DECLINED;
    errno = 0;
    *item = strtoll(r->args[0], &end, 10);
    if (errno || *end || *item <= 0 || !(r->args[0][0] >= '1' && r->args[0][0] <= '9'))
        return JY_DECLINED; /* the handler reports it */
    if (jy_apicache_get(cache, r->user_id, *item, &r->out)) {
        r->status = 200;
        jy_api_header(r, "X-Jiyue-Cache", "hit");
        return JY_DONE;
    }
    jy_api_header(r, "X-Jiyue-Cache", "miss");
    *ticket = jy_apicache_begin(cache);
    return JY_DECLINED;
}


/*
 * Keep the answer just computed. It lives until the user's next grant
 * expires at the latest: rights that end by time send no notification.
 */
static void
cache_keep(struct call *c, uint64_t ticket, long long item)
{
    struct jy_api_req *r = &c->r;
    struct jy_err err = JY_ERR_INIT;
    char uid[24];
    const char *p[1] = {uid}, *v;

    snprintf(uid, sizeof(uid), "%lld", r->user_id);
    v = jy_db_query_value(c->w->sys, r->pool,
                          "SELECT coalesce(extract(epoch FROM min(expires_at))::bigint, 0)"
                          " FROM user_grant WHERE user_id = $1 AND expires_at > now()",
                          1, p, &err);
    if (v == NULL)
        return; /* keep nothing we cannot bound */
    jy_apicache_put(c->w->srv->cache, ticket, r->user_id, item, r->out.buf, r->out.len,
                    (time_t) strtoll(v, NULL, 10));
}


/* Route, authenticate, read, run. Returns the status; r->out holds the body. */
static int
handle(struct call *c, struct evkeyvalq *hdr)
{
    struct worker *w = c->w;
    struct jy_api_req *r = &c->r;
    struct jy_err err = JY_ERR_INIT;
    const struct jy_api_route *rt;
    const char *allow, *idem = NULL;
    char hash[65];
    int status = 500, rc;
    uint64_t ticket = 0;
    long long item = 0;

    rt = jy_api_match(w->srv->router, r->pool, r->method, r->path, &r->args, &r->nargs, &status,
                      &allow);
    if (rt == NULL) {
        if (status == 405) {
            c->err_code = "method_not_allowed";
            jy_err_set(&err, JY_E_INVALID, "method %s is not allowed on %s", r->method, r->path);
            jy_err_hint(&err, "Allowed: %s.", allow);
            jy_api_header(r, "Allow", allow);
        } else if (status == 400) {
            c->err_code = "invalid";
            jy_err_set(&err, JY_E_INVALID, "the path is not valid percent-encoded UTF-8");
        } else {
            c->err_code = "not_found";
            jy_err_set(&err, JY_E_NOT_FOUND, "no such resource: %s", r->path);
        }
        goto fail;
    }
    if (jy_http_parse_query(r->pool, evhttp_uri_get_query(evhttp_request_get_evhttp_uri(c->req)),
                            &r->query, &err) != JY_OK) {
        status = 400;
        goto fail;
    }
    if ((status = call_db_ready(c, &err)) != JY_OK)
        goto fail;
    /* the owner connection acts as nobody until a route needs it as the user */
    jy_db_set_actor(w->sys, 0, NULL, r->client_addr, r->request_id);
    if (!(rt->flags & JY_API_PUBLIC) && authenticate(c, hdr, &status, &err) != JY_OK)
        goto fail;
    if (read_body(c, rt, &status, &err) != JY_OK)
        goto fail;
    jy_db_set_actor(w->app, r->user_id, r->login, r->client_addr, r->request_id);
    r->db = w->app;
    r->sys = (rt->flags & JY_API_SYSTEM) ? w->sys : NULL;
    if (r->sys)
        jy_db_set_actor(w->sys, r->user_id, r->login, r->client_addr, r->request_id);

    if ((rt->flags & JY_API_IDEMPOTENT) && r->user_id &&
        (idem = evhttp_find_header(hdr, "Idempotency-Key")) != NULL) {
        if (idem[0] == '\0' || strlen(idem) > IDEM_KEY_MAX || !request_id_ok(idem)) {
            status = 400;
            jy_err_set(&err, JY_E_INVALID,
                       "Idempotency-Key must be 1 to 64 letters, digits or \"-_.:\"");
            jy_err_field(&err, "Idempotency-Key");
            idem = NULL;
            goto fail;
        }
        body_hash(r, hash);
        switch (idem_claim(c, idem, hash, &status, &err)) {
        case JY_DONE:
            return r->status;
        case JY_ERROR:
            idem = NULL; /* not ours: leave the record alone */
            goto fail;
        default:
            break;
        }
    }
    if ((rt->flags & JY_API_CACHED) && w->srv->cache) {
        switch (cached_answer(c, &ticket, &item)) {
        case JY_DONE:
            return 200;
        default:
            break;
        }
    }
    rc = rt->fn(r, &err);
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0 && w->srv->cache)
        jy_apicache_sync(w->srv->cache, w->app); /* read-your-writes: see docs/api-cache.md */
    if (rc != JY_OK) {
        /* a handler may choose the status (401 for a refused login) */
        status = r->status >= 400 ? r->status : jy_err_http_status(&err);
        if (err.code == JY_E_NONE)
            jy_err_set(&err, JY_E_INTERNAL, "internal error");
        goto fail;
    }
    if (r->status == 0)
        r->status = 200;
    if (ticket && r->status == 200)
        cache_keep(c, ticket, item);
    if (r->forget_auth && r->session) {
        char h[JY_AUTH_TOKEN_HASH_LEN + 1];
        jy_auth_token_hash(r->session, h);
        cache_drop(w, h);
    }
    if (idem)
        idem_finish(c, idem, r->status < 300);
    return r->status;

fail:
    if (idem)
        idem_finish(c, idem, false);
    if (c->err_code == NULL)
        c->err_code = status == 401 ? "unauthenticated" : jy_api_err_code(&err);
    if (status >= 500 && status != 503) {
        jy_log_error("http", "%s %s: %s (%s)", r->method, r->path, err.msg, err.detail);
        jy_err_set(&err, JY_E_INTERNAL, "internal error (request %s)", r->request_id);
    } else if (status == 503 && err.detail[0]) {
        jy_log_warn("http", "%s %s: %s (%s)", r->method, r->path, err.msg, err.detail);
    }
    jy_api_error_body(r, c->err_code, &err);
    r->status = status;
    return status;
}


/* Append key=value to an access line, quoting the value when needed. */
static void
kv(struct jy_buf *b, const char *key, const char *v)
{
    const char *p;
    bool quote = v[0] == '\0';

    for (p = v; *p && !quote; p++)
        if (*p == ' ' || *p == '"' || *p == '=' || (unsigned char) *p < 0x21)
            quote = true;
    if (b->len)
        jy_buf_add_char(b, ' ');
    jy_buf_add_str(b, key);
    jy_buf_add_char(b, '=');
    if (!quote) {
        jy_buf_add_str(b, v);
        return;
    }
    jy_buf_add_json_str(b, v, strlen(v)); /* JSON escaping is a subset logfmt readers accept */
}


static size_t
conn_bucket(const struct evhttp_connection *evcon)
{
    return ((uintptr_t) evcon >> 4) % CONN_BUCKETS;
}


static struct conn *
conn_find(struct worker *w, const struct evhttp_connection *evcon)
{
    struct conn *c;

    for (c = w->conns[conn_bucket(evcon)]; c; c = c->next)
        if (c->evcon == evcon)
            return c;
    return NULL;
}


static void
conn_done(struct conn *c)
{
    if (!c->pending)
        return;
    c->pending = false;
    c->w->inflight--;
    if (c->w->draining && c->w->inflight == 0)
        event_base_loopbreak(c->w->base);
}


/* The connection goes away: its answer, if any was pending, will never be written. */
static void
on_close(struct evhttp_connection *evcon, void *arg)
{
    struct conn *c = arg, **pp;

    conn_done(c);
    for (pp = &c->w->conns[conn_bucket(evcon)]; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    free(c);
}


static void
on_complete(struct evhttp_request *req, void *arg)
{
    struct worker *w = arg;
    struct conn *c = conn_find(w, evhttp_request_get_connection(req));

    if (c)
        conn_done(c);
}


/* Mark the answer about to be queued on req's connection as pending. */
static void
conn_pending(struct worker *w, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct conn *c = conn_find(w, evcon);

    if (c == NULL) {
        size_t b = conn_bucket(evcon);
        c = jy_xmalloc(sizeof(*c));
        c->evcon = evcon;
        c->w = w;
        c->pending = false;
        c->next = w->conns[b];
        w->conns[b] = c;
        evhttp_connection_set_closecb(evcon, on_close, c);
    }
    if (!c->pending) {
        c->pending = true;
        w->inflight++;
    }
    evhttp_request_set_on_complete_cb(req, on_complete, w);
}


/* The whole of f into out (replacing what it held), and close f. */
static void
slurp(struct jy_buf *out, FILE *f)
{
    size_t n;

    jy_buf_reset(out);
    for (;;) {
        jy_buf_grow(out, 65536);
        n = fread(out->buf + out->len, 1, 65536, f);
        if (n == 0)
            break;
        out->len += n;
        out->buf[out->len] = '\0';
    }
    fclose(f);
}


/*
 * The console's files (docs/api.md, "Console", docs/console.md): /admin,
 * /admin/ and /admin/NAME from <share_dir>/web/admin/. NAME is a plain file
 * name of letters, digits, "-" and "_" with one known extension, so no
 * request can reach another folder (no "/", no "..", nothing absolute). Returns the status and
 * fills r->out, *type.
 */
static int
serve_console(struct call *c, const char **type)
{
    struct jy_api_req *r = &c->r;
    struct jy_err err = JY_ERR_INIT;
    const char *name = jy_http_static_name(r->path + strlen("/admin"), type);
    char path[4096];
    FILE *f;

    if (name == NULL || strcmp(r->method, "GET") != 0) {
        c->err_code = "not_found";
        jy_err_set(&err, JY_E_NOT_FOUND, "no such resource: %s", r->path);
        jy_api_error_body(r, c->err_code, &err);
        *type = NULL;
        return 404;
    }
    snprintf(path, sizeof(path), "%s/web/admin/%s", r->env->share_dir, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        c->err_code = "not_found";
        jy_err_set(&err, JY_E_NOT_FOUND, "no such resource: %s", r->path);
        jy_api_error_body(r, c->err_code, &err);
        *type = NULL;
        return 404;
    }
    slurp(&r->out, f);
    return 200;
}


/*
 * Site preview: the rendered sites served as they are on a mirror, so that
 * the platform can be looked at without a web server (README's first
 * command). GET /sites/<code>/ chooses a site (cookie jy_site) and sends
 * the browser to "/"; from then on any path that is neither /api nor
 * /admin is a file of that site's live tree (<output_dir>/<code>/), so the
 * pages' root-relative links work. Paths follow the renderer's rule
 * (jy_render_path_ok): nothing outside the tree is ever opened.
 * GET /preview/<code>/ does the same with the cookie jy_drafts=1: pages are
 * then rendered with the unpublished changes the logged-in person may see
 * (serve_draft), never stored by a cache.
 */
#define PREVIEW_COOKIE "jy_site"
#define DRAFTS_COOKIE  "jy_drafts"

static const char *
preview_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".xml", "application/xml; charset=utf-8"},
        {".txt", "text/plain; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".gif", "image/gif"},
        {".webp", "image/webp"},
        {".pdf", "application/pdf"},
    };
    const char *dot = strrchr(path, '.');

    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}


static bool
preview_code_ok(const char *code)
{
    size_t n = strlen(code);
    if (n == 0 || n > 32)
        return false;
    for (const char *p = code; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return false;
    return true;
}


/* Insert the preview notice after the <body ...> tag of an HTML page. */
static void
preview_banner(struct jy_api_req *r, const char *code)
{
    const char *body = strstr(r->out.buf, "<body");
    const char *gt = body ? strchr(body, '>') : NULL;
    struct jy_buf b;

    if (gt == NULL)
        return;
    jy_buf_init(&b, r->pool, r->out.len + 512);
    jy_buf_add(&b, r->out.buf, (size_t) (gt + 1 - r->out.buf));
    jy_buf_addf(&b,
                "<div role=\"status\" style=\"position:sticky;top:0;z-index:9999;"
                "background:#fff3cd;color:#5c4400;border-bottom:2px solid #c9a227;"
                "padding:8px 16px;font:16px/1.5 sans-serif;text-align:center\">"
                "预览：本页含尚未发布的内容，只有能看到这些稿件的人看得到，未发布到任何镜像。"
                " <a href=\"/sites/%s/\" style=\"color:#0b4f9c\">退出预览</a></div>",
                code);
    jy_buf_add(&b, gt + 1, r->out.len - (size_t) (gt + 1 - r->out.buf));
    r->out = b;
}


/*
 * Draft preview (issue 8): with the cookie jy_drafts=1, HTML pages of the
 * chosen site are rendered on request as they would be with the
 * unpublished placements the logged-in person may read
 * (jy_render_preview); other files come from the live tree. Returns the
 * status, JY_DECLINED to fall back to the live tree.
 */
static int
serve_draft(struct call *c, struct evkeyvalq *hdr, const char *code, const char *rel,
            const char **type)
{
    struct jy_api_req *r = &c->r;
    struct worker *w = c->w;
    struct jy_err err = JY_ERR_INIT;
    const char *ids;
    long long site_id;
    int status;
    size_t n = strlen(rel);

    if (n < 5 || strcmp(rel + n - 5, ".html") != 0)
        return JY_DECLINED;
    if ((status = call_db_ready(c, &err)) != JY_OK) {
        jy_api_error_body(r, c->err_code, &err);
        return status;
    }
    jy_db_set_actor(w->sys, 0, NULL, r->client_addr, r->request_id);
    if (authenticate(c, hdr, &status, &err) != JY_OK) {
        jy_buf_reset(&r->out);
        jy_buf_addf(&r->out,
                    "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\">"
                    "<title>预览需要登录</title><p>预览含未发布的内容，请先"
                    "<a href=\"/admin/\">登录管理控制台</a>，或<a href=\"/sites/%s/\">"
                    "查看已发布的页面</a>。</p></html>",
                    code);
        *type = "text/html; charset=utf-8";
        return status;
    }
    jy_db_set_actor(w->app, r->user_id, r->login, r->client_addr, r->request_id);
    jy_db_set_actor(w->sys, 0, NULL, r->client_addr, r->request_id); /* the what-if: the system */
    if (jy_site_resolve(w->sys, r->pool, code, "site", &site_id, &err) != JY_OK ||
        (ids = jy_render_preview_ids(w->app, r->pool, site_id, &err)) == NULL ||
        jy_render_preview(w->sys, r->pool, r->env->share_dir, site_id, ids, rel, &r->out, &err) !=
            JY_OK) {
        if (err.code == JY_E_NOT_FOUND)
            return JY_DECLINED;
        jy_log_error("http", "preview %s %s: %s (%s)", code, rel, err.msg, err.detail);
        c->err_code = jy_api_err_code(&err);
        jy_err_set(&err, JY_E_INTERNAL, "the preview failed (request %s)", r->request_id);
        jy_api_error_body(r, c->err_code, &err);
        return 500;
    }
    preview_banner(r, code);
    *type = "text/html; charset=utf-8";
    return 200;
}


/*
 * 302 to "/" with the site chosen (/sites/<code>/: the published site;
 * /preview/<code>/: with unpublished changes), or a file of the chosen
 * site; fills r->out, *type.
 */
static int
serve_preview(struct call *c, struct evkeyvalq *hdr, struct evkeyvalq *oh, const char **type)
{
    struct jy_api_req *r = &c->r;
    struct jy_err err = JY_ERR_INIT;
    const char *code, *rel, *path, *drafts;
    size_t n;
    FILE *f;

    *type = NULL;
    if (strcmp(r->method, "GET") != 0)
        goto not_found;
    if (strncmp(r->path, "/sites/", 7) == 0 || strncmp(r->path, "/preview/", 9) == 0) {
        bool draft = r->path[1] == 'p';
        const char *start = r->path + (draft ? 9 : 7);
        const char *end = strchr(start, '/');
        code = end ? jy_pool_strndup(r->pool, start, (size_t) (end - start)) : start;
        if (!preview_code_ok(code))
            goto not_found;
        evhttp_add_header(
            oh, "Set-Cookie",
            jy_pool_printf(r->pool, PREVIEW_COOKIE "=%s; Path=/; SameSite=Lax", code));
        evhttp_add_header(oh, "Set-Cookie",
                          draft ? DRAFTS_COOKIE "=1; Path=/; SameSite=Lax; HttpOnly"
                                : DRAFTS_COOKIE "=; Path=/; SameSite=Lax; HttpOnly; Max-Age=0");
        evhttp_add_header(oh, "Location", end && end[1] ? end : "/");
        jy_buf_reset(&r->out);
        return 302;
    }
    code = jy_http_cookie(r->pool, evhttp_find_header(hdr, "Cookie"), PREVIEW_COOKIE);
    if (code == NULL || !preview_code_ok(code)) {
        c->err_code = "not_found";
        jy_err_set(&err, JY_E_NOT_FOUND, "no site chosen for %s", r->path);
        jy_err_hint(&err, "Open /sites/<site code>/ first (the console is at /admin/).");
        jy_api_error_body(r, c->err_code, &err);
        return 404;
    }
    rel = r->path + 1;
    n = strlen(rel);
    if (n == 0 || rel[n - 1] == '/')
        rel = jy_pool_printf(r->pool, "%sindex.html", rel);
    if (!jy_render_path_ok(rel))
        goto not_found;
    drafts = jy_http_cookie(r->pool, evhttp_find_header(hdr, "Cookie"), DRAFTS_COOKIE);
    if (drafts && strcmp(drafts, "1") == 0) {
        int status = serve_draft(c, hdr, code, rel, type);
        c->no_store = true;
        if (status != JY_DECLINED)
            return status;
    }
    path = jy_pool_printf(r->pool, "%s/%s/%s", jy_conf_get(r->env->conf, "output_dir"), code, rel);
    if ((f = fopen(path, "rb")) == NULL) {
        /* the site's own not-found page, as a mirror's web server would answer */
        path = jy_pool_printf(r->pool, "%s/%s/404.html", jy_conf_get(r->env->conf, "output_dir"),
                              code);
        if ((f = fopen(path, "rb")) == NULL)
            goto not_found;
        *type = "text/html; charset=utf-8";
        slurp(&r->out, f);
        return 404;
    }
    *type = preview_type(rel);
    slurp(&r->out, f);
    return 200;
not_found:
    c->err_code = "not_found";
    jy_err_set(&err, JY_E_NOT_FOUND, "no such resource: %s", r->path);
    jy_api_error_body(r, c->err_code, &err);
    return 404;
}


/*
 * Uploaded files: GET /files/<sha256>.<ext>, the address the editor gives
 * images it inserts (web/admin/editor.js), so the editor and the preview
 * show them. The caller must be logged in (cookie or bearer token, as for
 * the API) and see a row of table file with that sha256 under row-level
 * security (jy_file_served_type: one query as the user), and ext must be
 * an extension of its stored type; anything else is 404, the same for a
 * missing file as for another tenant's. The name is checked strictly
 * (jy_http_file_ref: 64 hex digits, a dot, a short extension), then the
 * bytes come from the file store by the hash alone, so no request can name
 * another path. The hash is the ETag and the content never changes under
 * it: cached privately for a year, revalidated with 304 without opening
 * the file. The rendered sites carry their own copies (the renderer), so
 * published pages never need this route; in the site preview (a jy_site
 * cookie) a request this route refuses is looked up in the chosen site's
 * tree instead, as a mirror would answer it. Sets c->file_fd and the
 * headers of a 200; error answers are JSON in r->out.
 */
static int
serve_file(struct call *c, struct evkeyvalq *hdr, struct evkeyvalq *oh)
{
    struct worker *w = c->w;
    struct jy_api_req *r = &c->r;
    struct jy_err err = JY_ERR_INIT;
    char sha[65], ext[JY_HTTP_FILE_EXT_MAX + 1], etag[70];
    const char *mime, *inm;
    struct stat st;
    int status = 404, fd;

    if (strcmp(r->method, "GET") != 0 || !jy_http_file_ref(r->path + strlen("/files/"), sha, ext)) {
        jy_err_set(&err, JY_E_NOT_FOUND, "no such resource: %s", r->path);
        goto fail;
    }
    if ((status = call_db_ready(c, &err)) != JY_OK)
        goto fail;
    jy_db_set_actor(w->sys, 0, NULL, r->client_addr, r->request_id);
    if (authenticate(c, hdr, &status, &err) != JY_OK)
        goto fail;
    jy_db_set_actor(w->app, r->user_id, r->login, r->client_addr, r->request_id);
    mime = jy_file_served_type(w->app, r->pool, sha, ext, &err);
    if (mime == NULL) {
        status = jy_err_http_status(&err);
        goto fail;
    }
    snprintf(etag, sizeof(etag), "\"%s\"", sha);
    evhttp_add_header(oh, "ETag", etag);
    evhttp_add_header(oh, "Content-Type", mime);
    c->immutable = true;
    inm = evhttp_find_header(hdr, "If-None-Match");
    if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0))
        return 304;
    fd = open(jy_filestore_path(r->env->files, r->pool, sha), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        /* a row without its bytes: the store lost them (file_sweep explains how) */
        jy_log_error("http", "file %s: recorded but not readable in the store: %s", sha,
                     strerror(errno));
        if (fd >= 0)
            close(fd);
        status = 500;
        jy_err_set(&err, JY_E_INTERNAL, "internal error (request %s)", r->request_id);
        goto fail;
    }
    c->file_fd = fd;
    c->file_size = (ev_off_t) st.st_size;
    return 200;
fail:
    if ((status == 401 || status == 404) &&
        jy_http_cookie(r->pool, evhttp_find_header(hdr, "Cookie"), PREVIEW_COOKIE)) {
        /* the site preview's pages: their files are copies in the site's tree (the renderer) */
        const char *type = NULL;
        c->err_code = NULL;
        status = serve_preview(c, hdr, oh, &type);
        evhttp_add_header(oh, "Content-Type", type ? type : "application/json; charset=utf-8");
        return status;
    }
    if (c->err_code == NULL)
        c->err_code = status == 401 ? "unauthenticated" : jy_api_err_code(&err);
    jy_api_error_body(r, c->err_code, &err);
    evhttp_add_header(oh, "Content-Type", "application/json; charset=utf-8");
    return status;
}


static void
on_request(struct evhttp_request *req, void *arg)
{
    struct worker *w = arg;
    struct jy_pool *pool = jy_pool_create(0);
    struct call *c = jy_pool_new(pool, struct call);
    struct jy_api_req *r = &c->r;
    struct evkeyvalq *hdr = evhttp_request_get_input_headers(req);
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *rid = evhttp_find_header(hdr, "X-Request-Id");
    char *peer = NULL, idbuf[33], etag[40];
    ev_uint16_t port = 0;
    struct evbuffer *body;
    struct jy_buf line = JY_BUF_INIT(pool);
    int status, i;
    bool is_console;

    clock_gettime(CLOCK_MONOTONIC, &c->t0);
    c->w = w;
    c->req = req;
    c->file_fd = -1;
    r->pool = pool;
    r->env = w->srv->o->env;
    jy_buf_init(&r->out, pool, 1024);
    if (!request_id_ok(rid)) {
        unsigned char rb[8];
        randombytes_buf(rb, sizeof(rb));
        sodium_bin2hex(idbuf, sizeof(idbuf), rb, sizeof(rb));
        rid = idbuf;
    }
    r->request_id = jy_pool_strdup(pool, rid);
    jy_log_set_request_id(r->request_id);
    r->method = method_name(evhttp_request_get_command(req));
    r->path = evhttp_uri_get_path(uri);
    if (r->path == NULL || r->path[0] == '\0')
        r->path = "/";
    r->content_type = evhttp_find_header(hdr, "Content-Type");
    r->user_agent = evhttp_find_header(hdr, "User-Agent");
    evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer, &port);
    r->client_addr = peer ? jy_pool_strdup(pool, peer) : "-";
    if (peer && proxy_trusted(w->srv, peer)) {
        const char *xff = evhttp_find_header(hdr, "X-Forwarded-For");
        const char *xfp = evhttp_find_header(hdr, "X-Forwarded-Proto");
        if (xff && xff[0]) /* the proxy appends the address it saw last */
        {
            const char *last = strrchr(xff, ',');
            r->client_addr = jy_pool_strdup(pool, last ? last + 1 : xff);
            while (*r->client_addr == ' ')
                r->client_addr++;
        }
        r->secure = xfp && strcasecmp(xfp, "https") == 0;
    }

    conn_pending(w, req);
    is_console = strcmp(r->path, "/admin") == 0 || strncmp(r->path, "/admin/", 7) == 0;
    if (is_console) {
        const char *type = NULL;
        status = serve_console(c, &type);
        if (type) {
            evhttp_add_header(oh, "Content-Type", type);
            evhttp_add_header(oh, "Content-Security-Policy",
                              "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
            evhttp_add_header(oh, "X-Frame-Options", "DENY");
            evhttp_add_header(oh, "Referrer-Policy", "same-origin");
        } else {
            evhttp_add_header(oh, "Content-Type", "application/json; charset=utf-8");
        }
    } else if (strncmp(r->path, "/files/", 7) == 0) {
        status = serve_file(c, hdr, oh);
    } else if (strcmp(r->path, "/api") != 0 && strncmp(r->path, "/api/", 5) != 0) {
        const char *type = NULL;
        is_console = true; /* revalidated like the console's files */
        status = serve_preview(c, hdr, oh, &type);
        evhttp_add_header(oh, "Content-Type", type ? type : "application/json; charset=utf-8");
    } else {
        status = handle(c, hdr);
        evhttp_add_header(oh, "Content-Type", "application/json; charset=utf-8");
    }
    evhttp_add_header(oh, "X-Request-Id", r->request_id);
    evhttp_add_header(oh, "X-Content-Type-Options", "nosniff");
    /* console files have no versioned names: always revalidated, by ETag (304 when unchanged) */
    evhttp_add_header(oh, "Cache-Control",
                      c->no_store    ? "private, no-store"
                      : c->immutable ? "private, max-age=31536000, immutable"
                      : is_console   ? "no-cache"
                                     : "private, no-cache");
    if (c->no_store)
        evhttp_add_header(oh, "X-Robots-Tag", "noindex");
    if (w->draining)
        evhttp_add_header(oh, "Connection", "close");
    for (i = 0; i < r->nheaders; i++) {
        const char *colon = strchr(r->headers[i], ':');
        char *name = jy_pool_strndup(pool, r->headers[i], (size_t) (colon - r->headers[i]));
        evhttp_add_header(oh, name, colon + 2);
    }
    if (strcmp(r->method, "GET") == 0 && status == 200 && c->file_fd < 0) {
        unsigned char h[16];
        char hex[33];
        const char *inm = evhttp_find_header(hdr, "If-None-Match");
        crypto_generichash(h, sizeof(h), (const unsigned char *) r->out.buf, r->out.len, NULL, 0);
        sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
        snprintf(etag, sizeof(etag), "\"%s\"", hex);
        evhttp_add_header(oh, "ETag", etag);
        if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
            status = 304;
            jy_buf_reset(&r->out);
        }
    }
    body = evbuffer_new();
    if (c->file_fd >= 0) { /* the evbuffer owns the descriptor and closes it */
        if (evbuffer_add_file(body, c->file_fd, 0, c->file_size) != 0)
            close(c->file_fd);
    } else if (status != 304)
        evbuffer_add(body, r->out.buf, r->out.len);
    evhttp_send_reply(req, status, NULL, body);
    evbuffer_free(body);

    {
        char num[32];
        kv(&line, "method", r->method);
        kv(&line, "path", r->path);
        snprintf(num, sizeof(num), "%d", status);
        kv(&line, "status", num);
        snprintf(num, sizeof(num), "%zu",
                 c->file_fd >= 0 ? (size_t) c->file_size
                 : status == 304 ? (size_t) 0
                                 : r->out.len);
        kv(&line, "bytes", num);
        snprintf(num, sizeof(num), "%.2f", ms_since(&c->t0));
        kv(&line, "ms", num);
        kv(&line, "user", r->login ? r->login : "-");
        kv(&line, "addr", r->client_addr);
        if (c->err_code)
            kv(&line, "error", c->err_code);
        jy_log_write_kv(JY_LOG_INFO, "access", "request", line.buf);
    }
    jy_log_set_request_id(NULL);
    jy_pool_destroy(pool);
}


/* A listening socket on the server's address; SO_REUSEPORT lets every worker have its own. */
static int
listen_socket(struct server *srv, struct jy_err *err)
{
    int fd = socket(srv->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;

    if (fd < 0) {
        jy_err_errno(err, errno, "could not create a socket");
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *) &srv->addr, srv->addrlen) != 0) {
        jy_err_errno(err, errno, "could not listen on \"%s\"", srv->o->listen);
        close(fd);
        return -1;
    }
    if (listen(fd, 1024) != 0) {
        jy_err_errno(err, errno, "could not listen on \"%s\"", srv->o->listen);
        close(fd);
        return -1;
    }
    /* the first socket of port 0 picks the port; the others take the same */
    if (getsockname(fd, (struct sockaddr *) &srv->addr, &srv->addrlen) != 0) {
        jy_err_errno(err, errno, "could not read the listening address");
        close(fd);
        return -1;
    }
    return fd;
}


static int
worker_init(struct server *srv, struct worker *w, struct jy_err *err)
{
    const struct jy_server_opts *o = srv->o;
    int fd;

    w->srv = srv;
    w->base = event_base_new();
    w->http = w->base ? evhttp_new(w->base) : NULL;
    if (w->http == NULL) {
        jy_err_set(err, JY_E_INTERNAL, "could not create the event loop of worker %d", w->idx);
        return JY_ERROR;
    }
    evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
    evhttp_set_max_headers_size(w->http, (ev_ssize_t) o->header_max);
    /* bodies above the larger limit are refused by libevent while reading (413) */
    evhttp_set_max_body_size(
        w->http, (ev_ssize_t) (o->upload_max > o->body_max ? o->upload_max : o->body_max));
    evhttp_set_timeout(w->http, o->read_timeout);
    evhttp_set_default_content_type(w->http, "application/json; charset=utf-8");
    evhttp_set_gencb(w->http, on_request, w);
    fd = listen_socket(srv, err);
    if (fd < 0)
        return JY_ERROR;
    w->bound = evhttp_accept_socket_with_handle(w->http, fd);
    if (w->bound == NULL) {
        close(fd);
        jy_err_set(err, JY_E_INTERNAL, "could not accept on \"%s\"", o->listen);
        return JY_ERROR;
    }
    return JY_OK;
}


static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct jy_err err = JY_ERR_INIT;

    /* connect early; a database that is not there yet is not fatal (503 until it is) */
    if (worker_db_ready(w, &err) != JY_OK)
        jy_log_warn("http", "worker %d: %s (%s)", w->idx, err.msg, err.detail);
    event_base_dispatch(w->base);
    return NULL;
}


/* Runs on the worker's own loop: stop accepting, finish what is in flight. */
static void
worker_drain(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct timeval tv = {w->srv->o->shutdown_timeout, 0};

    (void) fd;
    (void) what;
    w->draining = true;
    if (w->bound) {
        evhttp_del_accept_socket(w->http, w->bound);
        w->bound = NULL;
    }
    if (w->inflight == 0)
        event_base_loopbreak(w->base);
    else
        event_base_loopexit(w->base, &tv);
}


static int
parse_listen(struct server *srv, struct jy_err *err)
{
    const char *l = srv->o->listen;
    const char *colon = strrchr(l, ':');
    char host[256];
    struct addrinfo hints, *ai = NULL;
    int rc;

    if (colon == NULL || colon[1] == '\0') {
        jy_err_set(err, JY_E_INVALID, "listen \"%s\" must be HOST:PORT", l);
        jy_err_field(err, "listen");
        return JY_ERROR;
    }
    snprintf(host, sizeof(host), "%.*s", (int) (colon - l), l);
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
    if (rc != 0 || ai == NULL) {
        jy_err_set(err, JY_E_INVALID, "listen \"%s\": %s", l, gai_strerror(rc));
        jy_err_field(err, "listen");
        return JY_ERROR;
    }
    memcpy(&srv->addr, ai->ai_addr, ai->ai_addrlen);
    srv->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return JY_OK;
}


static int
write_ready(const struct server *srv, struct jy_err *err)
{
    const char *path = srv->o->ready_file;
    char tmp[4096];
    FILE *f;
    int port = ntohs(srv->addr.ss_family == AF_INET6
                         ? ((const struct sockaddr_in6 *) &srv->addr)->sin6_port
                         : ((const struct sockaddr_in *) &srv->addr)->sin_port);

    jy_log_info("http", "listening on %s (port %d), %d worker%s", srv->o->listen, port,
                srv->nworkers, srv->nworkers == 1 ? "" : "s");
    if (path == NULL || path[0] == '\0')
        return JY_OK;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
        jy_err_errno(err, errno, "could not write \"%s\"", path);
        return JY_ERROR;
    }
    return JY_OK;
}


int
jy_server_run(const struct jy_server_opts *o, struct jy_err *err)
{
    struct server srv;
    sigset_t set, old;
    int i, sig = 0, rc = JY_ERROR, started = 0;

    memset(&srv, 0, sizeof(srv));
    sigemptyset(&old);
    srv.o = o;
    srv.pool = jy_pool_create(0);
    srv.nworkers = o->workers;
    if (jy_auth_init() != JY_OK) {
        jy_err_set(err, JY_E_INTERNAL, "libsodium cannot be initialised");
        goto out;
    }
    evthread_use_pthreads();
    srv.router = jy_api_router_create(srv.pool);
    /* libpq takes the last user= of a connection string */
    srv.app_conninfo = jy_pool_printf(srv.pool, "%s user=jiyue_app", o->conninfo);
    if (parse_listen(&srv, err) != JY_OK)
        goto out;
    /* signals go to this thread only (sigwait): block them before any thread starts */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    signal(SIGPIPE, SIG_IGN);
    /* its listener thread starts with the signals blocked too */
    if (o->item_cache_max > 0 && (srv.cache = jy_apicache_create(o->conninfo, o->item_cache_max,
                                                                 o->item_cache_ttl, err)) == NULL) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        goto out;
    }
    srv.w = jy_pool_new_array(srv.pool, struct worker, (size_t) o->workers);
    for (i = 0; i < o->workers; i++) {
        srv.w[i].idx = i;
        if (worker_init(&srv, &srv.w[i], err) != JY_OK)
            goto stop;
    }
    for (i = 0; i < o->workers; i++) {
        if (pthread_create(&srv.w[i].thread, NULL, worker_main, &srv.w[i]) != 0) {
            jy_err_errno(err, errno, "could not start worker %d", i);
            goto stop;
        }
        started++;
    }
    if (write_ready(&srv, err) != JY_OK)
        goto stop;
    while (sigwait(&set, &sig) != 0)
        ;
    jy_log_info("http", "signal %d: finishing requests in flight, then stopping", sig);
    rc = JY_OK;

stop:
    for (i = 0; i < started; i++)
        event_base_once(srv.w[i].base, -1, EV_TIMEOUT, worker_drain, &srv.w[i], NULL);
    for (i = 0; i < started; i++)
        pthread_join(srv.w[i].thread, NULL);
    for (i = 0; i < o->workers; i++) {
        if (srv.w[i].http)
            evhttp_free(srv.w[i].http);
        if (srv.w[i].base)
            event_base_free(srv.w[i].base);
        jy_db_close(srv.w[i].sys);
        jy_db_close(srv.w[i].app);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == JY_OK)
        jy_log_info("http", "stopped");
out:
    jy_apicache_destroy(srv.cache);
    jy_pool_destroy(srv.pool);
    return rc;
}
