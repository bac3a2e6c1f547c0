/*
 * api.c - the route table of /api/v1 and the helpers handlers share.
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/str.h"
#include "core/utf8.h"

#include <cjson/cJSON.h>

/*
 * Every area's registration function, one line each: an area adds its
 * routes in its own file (api.h) and its line here.
 */
static void (*const modules[])(struct jy_api_router *) = {
    jy_api_session_routes, jy_api_sites_routes,  jy_api_items_routes,    jy_api_tags_routes,
    jy_api_users_routes,   jy_api_files_routes,  jy_api_workflow_routes, jy_api_render_routes,
    jy_api_mirrors_routes, jy_api_checks_routes,
};

#define ROUTES_MAX   256
#define SEGMENTS_MAX 16

struct jy_api_router {
    const struct jy_api_route *v[ROUTES_MAX];
    size_t n;
};


struct jy_api_router *
jy_api_router_create(struct jy_pool *pool)
{
    struct jy_api_router *rt = jy_pool_new(pool, struct jy_api_router);
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(modules); i++)
        modules[i](rt);
    return rt;
}


void
jy_api_add(struct jy_api_router *rt, const struct jy_api_route *routes, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (rt->n == ROUTES_MAX)
            JY_BUG("more than %d API routes", ROUTES_MAX);
        rt->v[rt->n++] = &routes[i];
    }
}


const struct jy_api_route *
jy_api_route_at(const struct jy_api_router *rt, size_t i)
{
    return i < rt->n ? rt->v[i] : NULL;
}


size_t
jy_api_route_count(const struct jy_api_router *rt)
{
    return rt->n;
}


static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}


/* Percent-decode one path segment; NULL when malformed or not UTF-8 text (no control characters).
 */
static char *
seg_decode(struct jy_pool *pool, const char *s, size_t len)
{
    char *out = jy_pool_alloc(pool, len + 1), *o = out;
    size_t i;

    for (i = 0; i < len; i++) {
        if (s[i] == '%') {
            int h, l;
            if (len - i < 3 || (h = hexval(s[i + 1])) < 0 || (l = hexval(s[i + 2])) < 0)
                return NULL;
            *o++ = (char) (h * 16 + l);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    if (!jy_utf8_valid(out, (size_t) (o - out), NULL))
        return NULL;
    /* "%2F" does give "/": a column is SITE:PATH and paths have slashes */
    for (i = 0; out + i < o; i++)
        if ((unsigned char) out[i] < 0x20 || out[i] == 0x7f)
            return NULL;
    return out;
}


/* Split a path into segments (views); -1 when too many. */
static int
split(const char *path, struct jy_str *seg)
{
    int n = 0;
    const char *p = path;

    while (*p == '/')
        p++;
    while (*p) {
        const char *s = p;
        while (*p && *p != '/')
            p++;
        if (n == SEGMENTS_MAX)
            return -1;
        seg[n].ptr = s;
        seg[n].len = (size_t) (p - s);
        n++;
        if (*p == '/')
            p++;
    }
    return n;
}


const struct jy_api_route *
jy_api_match(const struct jy_api_router *rt, struct jy_pool *pool, const char *method,
             const char *path, const char ***args, int *nargs, int *status, const char **allow)
{
    struct jy_str ps[SEGMENTS_MAX], rs[SEGMENTS_MAX];
    struct jy_buf methods = JY_BUF_INIT(pool);
    int np = split(path, ps), nr, i;
    size_t k;

    *status = 404;
    *allow = NULL;
    *nargs = 0;
    *args = jy_pool_new_array(pool, const char *, SEGMENTS_MAX);
    if (np < 0)
        return NULL;
    for (k = 0; k < rt->n; k++) {
        const struct jy_api_route *r = rt->v[k];
        int na = 0;
        bool ok = true;
        nr = split(r->pattern, rs);
        if (nr != np)
            continue;
        for (i = 0; i < np && ok; i++) {
            if (rs[i].len > 2 && rs[i].ptr[0] == '{') {
                char *v = ps[i].len ? seg_decode(pool, ps[i].ptr, ps[i].len) : NULL;
                if (ps[i].len && v == NULL) {
                    *status = 400;
                    return NULL;
                }
                ok = v != NULL;
                (*args)[na++] = v;
            } else {
                ok = rs[i].len == ps[i].len && memcmp(rs[i].ptr, ps[i].ptr, ps[i].len) == 0;
            }
        }
        if (!ok)
            continue;
        if (strcmp(r->method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
            *nargs = na;
            *status = 200;
            return r;
        }
        if (methods.len)
            jy_buf_add_str(&methods, ", ");
        jy_buf_add_str(&methods, r->method);
        *status = 405;
    }
    if (*status == 405)
        *allow = methods.buf;
    return NULL;
}


const char *
jy_api_err_code(const struct jy_err *err)
{
    switch (err->code) {
    case JY_E_INVALID:
        return "invalid";
    case JY_E_NOT_FOUND:
        return "not_found";
    case JY_E_CONFLICT:
        return "conflict";
    case JY_E_FORBIDDEN:
        return "forbidden";
    case JY_E_TOO_LARGE:
        return "too_large";
    case JY_E_UNAVAILABLE:
        return "unavailable";
    default:
        return "internal";
    }
}


void
jy_api_error_body(struct jy_api_req *r, const char *code, const struct jy_err *err)
{
    jy_buf_reset(&r->out);
    jy_buf_add_str(&r->out, "{\"error\":{\"code\":");
    jy_buf_add_json_str(&r->out, code, strlen(code));
    jy_buf_add_str(&r->out, ",\"message\":");
    jy_buf_add_json_str(&r->out, err->msg, strlen(err->msg));
    jy_buf_add_str(&r->out, ",\"field\":");
    if (err->field[0])
        jy_buf_add_json_str(&r->out, err->field, strlen(err->field));
    else
        jy_buf_add_str(&r->out, "null");
    if (err->hint[0]) {
        jy_buf_add_str(&r->out, ",\"hint\":");
        jy_buf_add_json_str(&r->out, err->hint, strlen(err->hint));
    }
    jy_buf_add_str(&r->out, "}}");
}


int
jy_api_reply(struct jy_api_req *r, int status, const struct cJSON *item)
{
    r->status = status;
    jy_buf_reset(&r->out);
    jy_json_print(item, &r->out);
    return JY_OK;
}


void
jy_api_header(struct jy_api_req *r, const char *name, const char *value)
{
    if (r->nheaders == (int) JY_ARRAY_LEN(r->headers))
        JY_BUG("more than %zu extra headers", JY_ARRAY_LEN(r->headers));
    r->headers[r->nheaders++] = jy_pool_printf(r->pool, "%s: %s", name, value);
}


int
jy_api_arg_id(struct jy_api_req *r, int i, const char *name, long long *out, struct jy_err *err)
{
    const char *v = i < r->nargs ? r->args[i] : NULL;

    if (v && jy_str_to_ll(jy_str_from(v), 1, 9007199254740992LL, out))
        return JY_OK;
    jy_err_set(err, JY_E_INVALID, "%s \"%s\" in the path must be a whole number from 1", name,
               v ? v : "");
    jy_err_field(err, name);
    return JY_ERROR;
}


int
jy_api_body_keys(struct jy_api_req *r, const char *const *known, struct jy_err *err)
{
    struct jy_json_node root = JY_JSON_ROOT(r->body);

    return jy_json_check_keys(&root, known, err);
}


int
jy_api_query_keys(struct jy_api_req *r, const char *const *known, struct jy_err *err)
{
    int i;
    size_t k;

    for (i = 0; i < r->query.n; i++) {
        for (k = 0; known[k] && strcmp(known[k], r->query.v[i].name) != 0; k++)
            ;
        if (known[k])
            continue;
        jy_err_set(err, JY_E_INVALID, "unrecognized query parameter \"%s\"", r->query.v[i].name);
        jy_err_field(err, r->query.v[i].name);
        return JY_ERROR;
    }
    return JY_OK;
}


int
jy_api_query_int(struct jy_api_req *r, const char *name, long long def, long long min,
                 long long max, long long *out, struct jy_err *err)
{
    const char *v = jy_http_param(&r->query, name);

    *out = def;
    if (v == NULL)
        return JY_OK;
    if (jy_str_to_ll(jy_str_from(v), min, max, out))
        return JY_OK;
    jy_err_set(err, JY_E_INVALID,
               "query parameter \"%s\" must be a whole number from %lld to %lld, not \"%s\"", name,
               min, max, v);
    jy_err_field(err, name);
    return JY_ERROR;
}


int
jy_api_page(struct jy_api_req *r, int *page, int *page_size, struct jy_err *err)
{
    long long p, s;

    if (jy_api_query_int(r, "page", 1, 1, 100000, &p, err) != JY_OK ||
        jy_api_query_int(r, "page_size", 50, 1, 200, &s, err) != JY_OK)
        return JY_ERROR;
    *page = (int) p;
    *page_size = (int) s;
    return JY_OK;
}


static bool
listed(const char *const *names, const char *name)
{
    for (; names && *names; names++)
        if (strcmp(*names, name) == 0)
            return true;
    return false;
}


struct cJSON *
jy_api_rows(struct jy_api_req *r, const struct jy_db_res *res, const char *const *ints,
            const char *const *bools, const char *const *jsons)
{
    cJSON *arr = jy_json_new_array(r->pool);
    int rows = jy_db_res_rows(res), cols = jy_db_res_cols(res), i, c;

    for (i = 0; i < rows; i++) {
        cJSON *o = cJSON_CreateObject();
        for (c = 0; c < cols; c++) {
            const char *name = jy_db_res_colname(res, c);
            const char *v = jy_db_res_get(res, i, c);
            cJSON *val;
            if (v == NULL) {
                val = cJSON_CreateNull();
            } else if (listed(ints, name)) {
                val = cJSON_CreateNumber(strtod(v, NULL));
            } else if (listed(bools, name)) {
                val = cJSON_CreateBool(v[0] == 't');
            } else if (listed(jsons, name)) {
                struct jy_err e = JY_ERR_INIT;
                const cJSON *j = jy_json_parse(r->pool, v, strlen(v), &e);
                val = j ? cJSON_Duplicate(j, 1) : cJSON_CreateNull();
            } else {
                val = cJSON_CreateString(v);
            }
            cJSON_AddItemToObject(o, name, val);
        }
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}


int
jy_api_reply_page(struct jy_api_req *r, struct cJSON *items, int page, int page_size,
                  long long total)
{
    cJSON *o = jy_json_new_object(r->pool);

    cJSON_AddItemReferenceToObject(o, "items", items);
    cJSON_AddNumberToObject(o, "page", page);
    cJSON_AddNumberToObject(o, "page_size", page_size);
    if (total >= 0)
        cJSON_AddNumberToObject(o, "total", (double) total);
    return jy_api_reply(r, 200, o);
}


int
jy_api_reply_list(struct jy_api_req *r, struct cJSON *items, int n)
{
    cJSON *o = jy_json_new_object(r->pool);

    cJSON_AddItemReferenceToObject(o, "items", items);
    cJSON_AddNumberToObject(o, "total", n);
    return jy_api_reply(r, 200, o);
}


struct jy_db_res *
jy_api_query(struct jy_api_req *r, const char *sql, int n, const char *const *params,
             struct jy_err *err)
{
    struct jy_db_res *res;

    if (jy_db_begin(r->db, err) != JY_OK)
        return NULL;
    res = jy_db_query(r->db, r->pool, sql, n, params, err);
    jy_db_rollback(r->db);
    return res;
}


const char *
jy_api_body_str(struct jy_api_req *r, const char *key)
{
    const cJSON *v = r->body ? cJSON_GetObjectItemCaseSensitive(r->body, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}
