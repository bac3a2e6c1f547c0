/*
 * api_users.c - accounts, grants and the audit log, in the caller's name
 * (core/auth.c, core/grant.c; what the caller may see and grant is decided
 * by row-level security and jy_can, as for `jiyue --as`).
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/auth.h"
#include "core/db.h"
#include "core/err.h"
#include "core/grant.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/site.h"

#include <cjson/cJSON.h>


/* GET /api/v1/users?page=&page_size= */
static int
users_list(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"page", "page_size", NULL};
    char off[24], lim[24];
    const char *p[2] = {off, lim};
    struct jy_db_res *res;
    int page, size;
    long long total = 0;
    cJSON *rows, *e;

    if (jy_api_query_keys(r, known, err) != JY_OK || jy_api_page(r, &page, &size, err) != JY_OK)
        return JY_ERROR;
    snprintf(off, sizeof(off), "%d", (page - 1) * size);
    snprintf(lim, sizeof(lim), "%d", size);
    res = jy_api_query(r,
                       "SELECT u.id, u.login, u.display_name, u.organisation, u.disabled,"
                       "       count(*) OVER () AS total"
                       "  FROM app_user u ORDER BY u.login OFFSET $1::int LIMIT $2::int",
                       2, p, err);
    if (res == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(res) > 0)
        total = atoll(jy_db_res_field(res, 0, "total"));
    rows = jy_api_rows(r, res, (const char *const[]){"id", "total", NULL},
                       (const char *const[]){"disabled", NULL}, NULL);
    cJSON_ArrayForEach(e, rows) cJSON_DeleteItemFromObject(e, "total");
    return jy_api_reply_page(r, rows, page, size, total);
}


/* POST /api/v1/users {"login", "display_name", "organisation", "phone", "email", "site",
 * "password"} */
static int
users_create(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"login", "display_name", "organisation", "phone",
                                        "email", "site",         "password",     NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    struct jy_auth_user_new u;
    const char *site = NULL, *password = NULL;
    long long id = 0;
    cJSON *o;
    int rc;

    memset(&u, 0, sizeof(u));
    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "login", true, 1, 64, &u.login, err) != JY_OK ||
        jy_json_get_str_chars(&root, "display_name", true, 1, 64, &u.display_name, err) != JY_OK ||
        jy_json_get_str_chars(&root, "organisation", false, 0, 200, &u.organisation, err) !=
            JY_OK ||
        jy_json_get_str_chars(&root, "phone", false, 0, 40, &u.phone, err) != JY_OK ||
        jy_json_get_str_chars(&root, "email", false, 0, 200, &u.email, err) != JY_OK ||
        jy_json_get_str_chars(&root, "site", false, 1, 64, &site, err) != JY_OK ||
        jy_json_get_str(&root, "password", false, &password, err) != JY_OK)
        return JY_ERROR;
    if (site) {
        if (jy_db_begin(r->db, err) != JY_OK)
            return JY_ERROR;
        rc = jy_site_resolve(r->db, r->pool, site, "site", &u.site_id, err);
        jy_db_rollback(r->db);
        if (rc != JY_OK)
            return JY_ERROR;
    }
    if (jy_auth_user_create(r->db, r->env->policy, &u, password, &id, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "id", (double) id);
    cJSON_AddStringToObject(o, "login", u.login);
    cJSON_AddBoolToObject(o, "has_password", password != NULL);
    return jy_api_reply(r, 201, o);
}


/* POST /api/v1/users/{login}/disable and /enable: in the caller's name (ends sessions and tokens).
 */
static int
users_able(struct jy_api_req *r, struct jy_err *err)
{
    bool disable = strstr(r->path, "/disable") != NULL;
    int rc = disable ? jy_auth_user_disable(r->db, r->args[0], err)
                     : jy_auth_user_enable(r->db, r->args[0], err);
    cJSON *o;

    if (rc != JY_OK && rc != JY_DONE)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddStringToObject(o, "login", r->args[0]);
    cJSON_AddBoolToObject(o, "disabled", disable);
    cJSON_AddBoolToObject(o, "changed", rc == JY_OK);
    return jy_api_reply(r, 200, o);
}


/* PUT /api/v1/users/{login}/password {"password"}: checked against the policy; sessions end. */
static int
users_password(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"password", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    const char *pw = NULL;

    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str(&root, "password", true, &pw, err) != JY_OK)
        return JY_ERROR;
    if (jy_auth_user_set_password(r->db, r->env->policy, r->args[0], pw, err) != JY_OK)
        return JY_ERROR;
    r->status = 204;
    return JY_OK;
}


/* GET /api/v1/grants?login=&site= */
static int
grants_list(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"login", "site", NULL};
    struct jy_db_res *res;
    cJSON *o;

    if (jy_api_query_keys(r, known, err) != JY_OK)
        return JY_ERROR;
    /* jy_grant_list runs in the caller's transaction: one that sets the actor */
    if (jy_db_begin(r->db, err) != JY_OK)
        return JY_ERROR;
    res = jy_grant_list(r->db, r->pool, jy_http_param(&r->query, "login"),
                        jy_http_param(&r->query, "site"), err);
    jy_db_rollback(r->db);
    if (res == NULL)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddItemReferenceToObject(
        o, "items", jy_api_rows(r, res, (const char *const[]){"id", NULL}, NULL, NULL));
    return jy_api_reply(r, 200, o);
}


/* POST /api/v1/grants {"login", "role", "site", "column", "expires"} */
static int
grants_create(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"login", "role", "site", "column", "expires", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    struct jy_grant_spec g;
    long long id = 0;
    cJSON *o;

    memset(&g, 0, sizeof(g));
    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "login", true, 1, 64, &g.login, err) != JY_OK ||
        jy_json_get_str_chars(&root, "role", true, 1, 32, &g.role, err) != JY_OK ||
        jy_json_get_str_chars(&root, "site", true, 1, 64, &g.site, err) != JY_OK ||
        jy_json_get_str_chars(&root, "column", false, 1, 200, &g.column, err) != JY_OK ||
        jy_json_get_str_chars(&root, "expires", false, 1, 40, &g.expires, err) != JY_OK)
        return JY_ERROR;
    if (jy_grant_add(r->db, r->pool, &g, &id, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "id", (double) id);
    return jy_api_reply(r, 201, o);
}


/* DELETE /api/v1/grants/{id} */
static int
grants_delete(struct jy_api_req *r, struct jy_err *err)
{
    long long id;

    if (jy_api_arg_id(r, 0, "id", &id, err) != JY_OK ||
        jy_grant_revoke(r->db, r->pool, id, err) != JY_OK)
        return JY_ERROR;
    r->status = 204;
    return JY_OK;
}


/* GET /api/v1/audit?site=&object_type=&object_id=&login=&page=&page_size= : newest first. */
static int
audit_list(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"site", "object_type", "object_id", "login",
                                        "page", "page_size",   NULL};
    char off[24], lim[24];
    const char *p[6];
    struct jy_db_res *res;
    int page, size;

    if (jy_api_query_keys(r, known, err) != JY_OK || jy_api_page(r, &page, &size, err) != JY_OK)
        return JY_ERROR;
    snprintf(off, sizeof(off), "%d", (page - 1) * size);
    snprintf(lim, sizeof(lim), "%d", size);
    p[0] = jy_http_param(&r->query, "site");
    p[1] = jy_http_param(&r->query, "object_type");
    p[2] = jy_http_param(&r->query, "object_id");
    p[3] = jy_http_param(&r->query, "login");
    p[4] = off;
    p[5] = lim;
    /* no total: counting a long audit log is not cheap */
    res = jy_api_query(r,
                       "SELECT a.id, to_char(a.at AT TIME ZONE 'Asia/Shanghai',"
                       "         'YYYY-MM-DD HH24:MI:SS') AS at,"
                       "       a.login, host(a.client_addr) AS client_addr, a.request_id,"
                       "       a.action, a.object_type, a.object_id, s.code AS site,"
                       "       a.before, a.after"
                       "  FROM audit_log a LEFT JOIN site s ON s.id = a.site_id"
                       " WHERE ($1::text IS NULL OR s.code = $1 OR a.site_id::text = $1)"
                       "   AND ($2::text IS NULL OR a.object_type = $2)"
                       "   AND ($3::text IS NULL OR a.object_id = $3)"
                       "   AND ($4::text IS NULL OR a.login = $4)"
                       " ORDER BY a.at DESC, a.id DESC OFFSET $5::int LIMIT $6::int",
                       6, p, err);
    if (res == NULL)
        return JY_ERROR;
    return jy_api_reply_page(r,
                             jy_api_rows(r, res, (const char *const[]){"id", NULL}, NULL,
                                         (const char *const[]){"before", "after", NULL}),
                             page, size, -1);
}


static const struct jy_api_route routes[] = {
    {"GET", "/api/v1/users", users_list, 0, "accounts the caller may see (paged)"},
    {"POST", "/api/v1/users", users_create, JY_API_JSON | JY_API_IDEMPOTENT, "create an account"},
    {"POST", "/api/v1/users/{login}/disable", users_able, 0,
     "disable an account (its sessions and tokens end)"},
    {"POST", "/api/v1/users/{login}/enable", users_able, 0, "enable a disabled account"},
    {"PUT", "/api/v1/users/{login}/password", users_password, JY_API_JSON,
     "set a new password (its sessions end)"},
    {"GET", "/api/v1/grants", grants_list, 0, "grants (filters: login, site)"},
    {"POST", "/api/v1/grants", grants_create, JY_API_JSON | JY_API_IDEMPOTENT,
     "grant a role on a site subtree or a column"},
    {"DELETE", "/api/v1/grants/{id}", grants_delete, 0, "revoke a grant"},
    {"GET", "/api/v1/audit", audit_list, 0,
     "the audit log, newest first (filters: site, object_type, object_id, login; paged)"},
};


void
jy_api_users_routes(struct jy_api_router *rt)
{
    jy_api_add(rt, routes, JY_ARRAY_LEN(routes));
}
