/*
 * api.h - the JSON API under /api/v1: the route table, the request a
 * handler sees, and the helpers every handler uses to read its input and
 * answer. The HTTP mechanics (sockets, workers, limits, authentication,
 * database connections) are server.c's; a handler only reads r and writes
 * r->out.
 *
 * Adding routes for an area: write core/api_<area>.c with a static array of
 * struct jy_api_route and a function jy_api_<area>_routes() that passes it
 * to jy_api_add(); declare that function below and list it in api.c's
 * table of modules (one line each, so areas never touch each other's files).
 *
 *     static const struct jy_api_route routes[] = {
 *         {"GET", "/api/v1/items/{id}", item_get, 0, "one item in full"},
 *         {"POST", "/api/v1/items", item_create, JY_API_JSON | JY_API_IDEMPOTENT, "..."},
 *     };
 *     void jy_api_items_routes(struct jy_api_router *rt)
 *     {
 *         jy_api_add(rt, routes, JY_ARRAY_LEN(routes));
 *     }
 *
 * Patterns are literal segments and {name} placeholders, each a whole
 * segment; a placeholder matches one non-empty percent-decoded segment,
 * handed to the handler in r->args in order. The same pattern may have
 * several methods; a path that matches with another method is 405.
 *
 * A handler returns JY_OK after setting r->status (200 unless set) and
 * r->out (JSON text; jy_api_reply() does both), or JY_ERROR with err
 * filled: the server turns it into {"error":{"code","message","field"}}
 * with the status of err (err.h), logging detail for 5xx only. Handlers
 * run as the user: r->db is the application role jiyue_app with the user
 * as actor, so row-level security and the grant logic decide.
 */
#ifndef JY_CORE_API_H
#define JY_CORE_API_H

#include "core/buf.h"
#include "core/httpparse.h"

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct jy_auth_policy;
struct jy_conf;
struct jy_db;
struct jy_db_res;
struct jy_err;
struct jy_filestore;
struct jy_pool;

/* Route flags. */
enum {
    JY_API_PUBLIC = 1 << 0,     /* no authentication (login, health) */
    JY_API_JSON = 1 << 1,       /* body: a JSON object, parsed into r->body */
    JY_API_UPLOAD = 1 << 2,     /* body: multipart/form-data up to http_upload_max */
    JY_API_IDEMPOTENT = 1 << 3, /* POST honouring Idempotency-Key */
    JY_API_SYSTEM = 1 << 4,     /* the handler needs r->sys (owner) beside r->db: auth, accounts */
    JY_API_CACHED = 1 << 5,     /* GET whose answer is kept per (user, item id of {arg 0});
                                   only GET /api/v1/items/{id} (docs/api-cache.md) */
};

/* What the handlers share, made once at start (read-only afterwards). */
struct jy_api_env {
    const struct jy_conf *conf;
    const struct jy_filestore *files;
    const struct jy_auth_policy *policy;
    const char *share_dir;
    const char *conninfo; /* the owner role's: for what only the system may do (mirror verify) */
};

struct jy_api_req {
    struct jy_pool *pool; /* the request's; everything below lives in it */
    const char *method;   /* GET, POST, PUT, PATCH, DELETE */
    const char *path;     /* as requested, without the query */
    const char **args;    /* decoded {placeholders} of the route, in order */
    int nargs;
    struct jy_http_params query;
    const struct cJSON *body; /* JY_API_JSON: the object sent */
    const char *raw;          /* the body bytes (any route), len raw_len */
    size_t raw_len;
    const char *content_type; /* NULL when not sent */
    struct jy_db *db;         /* jiyue_app, acting as the user */
    struct jy_db *sys;        /* owner role: only for JY_API_SYSTEM routes, else NULL */
    long long user_id;        /* 0 on public routes without a session */
    const char *login;
    const char *client_addr;
    const char *request_id;
    const char *user_agent;
    bool secure;         /* came over TLS (directly or through a trusted proxy) */
    bool cookie_auth;    /* authenticated by the session cookie (not a bearer token) */
    const char *session; /* the session token of the cookie, when cookie_auth */
    bool forget_auth;    /* set by logout: the server drops its cached check */
    const struct jy_api_env *env;

    /* the answer */
    int status;             /* 0: 200 */
    struct jy_buf out;      /* JSON text */
    const char *headers[8]; /* extra "Name: value" lines */
    int nheaders;
};

typedef int (*jy_api_handler_fn)(struct jy_api_req *r, struct jy_err *err);

struct jy_api_route {
    const char *method;
    const char *pattern;
    jy_api_handler_fn fn;
    unsigned flags;
    const char *summary; /* one line, for `jiyue serve --routes` */
};

struct jy_api_router;

/* The router with every module's routes registered; lives in pool. */
struct jy_api_router *jy_api_router_create(struct jy_pool *pool);

/* Register n routes (the array must outlive the router: a static table). */
void jy_api_add(struct jy_api_router *rt, const struct jy_api_route *routes, size_t n);

/*
 * Find the route for method and path. Returns it with the placeholders'
 * values in *args and *nargs (decoded, in pool), or NULL with *status 404 (no
 * pattern matches) or 405 (the path exists with other methods; *allow gets
 * them, comma-separated) or 400 (a segment that is not valid
 * percent-encoded UTF-8).
 */
const struct jy_api_route *jy_api_match(const struct jy_api_router *rt, struct jy_pool *pool,
                                        const char *method, const char *path, const char ***args,
                                        int *nargs, int *status, const char **allow);

/* Every route, in registration order (for --routes and the OpenAPI test). */
const struct jy_api_route *jy_api_route_at(const struct jy_api_router *rt, size_t i);
size_t jy_api_route_count(const struct jy_api_router *rt);

/* The machine code of an error for the JSON answer: invalid, not_found, conflict ... */
const char *jy_api_err_code(const struct jy_err *err);

/* Set r->out to the error object of err: {"error":{"code","message","field"[,"hint"]}}. */
void jy_api_error_body(struct jy_api_req *r, const char *code, const struct jy_err *err);


/* ---- helpers for handlers ---- */

/* Answer status with the JSON of item (printed compactly). */
int jy_api_reply(struct jy_api_req *r, int status, const struct cJSON *item);

/* Add a response header line "Name: value" (copied). */
void jy_api_header(struct jy_api_req *r, const char *name, const char *value);

/*
 * Placeholder i as a positive id: 400 naming the placeholder when it is not
 * a whole number from 1 to 2^53.
 */
int jy_api_arg_id(struct jy_api_req *r, int i, const char *name, long long *out,
                  struct jy_err *err);

/* Refuse body members not in known (NULL-terminated): 400 'unrecognized field "x"'. */
int jy_api_body_keys(struct jy_api_req *r, const char *const *known, struct jy_err *err);

/* Refuse query parameters not in known (NULL-terminated): 400 naming the parameter. */
int jy_api_query_keys(struct jy_api_req *r, const char *const *known, struct jy_err *err);

/* Query parameter name as a whole number in [min, max], def when absent. */
int jy_api_query_int(struct jy_api_req *r, const char *name, long long def, long long min,
                     long long max, long long *out, struct jy_err *err);

/*
 * page and page_size from the query (page >= 1, 1 <= page_size <= 200,
 * default 50).
 */
int jy_api_page(struct jy_api_req *r, int *page, int *page_size, struct jy_err *err);

/*
 * Rows of a database result as a JSON array of objects, one member per
 * column; columns named in ints become numbers, in bools booleans, in
 * jsons parsed JSON (each list NULL-terminated, may be NULL).
 */
struct cJSON *jy_api_rows(struct jy_api_req *r, const struct jy_db_res *res,
                          const char *const *ints, const char *const *bools,
                          const char *const *jsons);

/*
 * One read-only statement as the user: begin (which sets the actor), query,
 * roll back. The result lives in r->pool.
 */
struct jy_db_res *jy_api_query(struct jy_api_req *r, const char *sql, int n,
                               const char *const *params, struct jy_err *err);

/* A string member of the body, as a copy in the pool; NULL when absent. */
const char *jy_api_body_str(struct jy_api_req *r, const char *key);

/*
 * A paged list answer: {"items": [...], "page", "page_size", "total"}
 * (total -1 leaves it out), 200.
 */
int jy_api_reply_page(struct jy_api_req *r, struct cJSON *items, int page, int page_size,
                      long long total);

/* A whole list answer: {"items": [...], "total": n}, 200. */
int jy_api_reply_list(struct jy_api_req *r, struct cJSON *items, int n);


/* ---- modules: each registers its routes (core/api_<area>.c) ---- */

void jy_api_session_routes(struct jy_api_router *rt);
void jy_api_sites_routes(struct jy_api_router *rt);
void jy_api_items_routes(struct jy_api_router *rt);
void jy_api_tags_routes(struct jy_api_router *rt);
void jy_api_users_routes(struct jy_api_router *rt);
void jy_api_files_routes(struct jy_api_router *rt);
void jy_api_workflow_routes(struct jy_api_router *rt);
void jy_api_render_routes(struct jy_api_router *rt);
void jy_api_mirrors_routes(struct jy_api_router *rt);
void jy_api_checks_routes(struct jy_api_router *rt);

#endif /* JY_CORE_API_H */
