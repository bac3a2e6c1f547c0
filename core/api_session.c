/*
 * api_session.c - logging in and out, who am I, health.
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/auth.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/server.h"

#include <cjson/cJSON.h>


static void
set_cookie(struct jy_api_req *r, const char *value, int max_age)
{
    jy_api_header(r, "Set-Cookie",
                  jy_pool_printf(r->pool,
                                 "jy_session=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s",
                                 value, max_age, r->secure ? "; Secure" : ""));
}


/* POST /api/v1/session {"login", "password"} */
static int
session_create(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"login", "password", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    struct jy_auth_login_req req;
    struct jy_auth_login_res res;
    char csrf[65];
    cJSON *o;
    int rc;

    memset(&req, 0, sizeof(req));
    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "login", true, 1, 64, &req.login, err) != JY_OK ||
        jy_json_get_str_chars(&root, "password", true, 1, 1024, &req.password, err) != JY_OK)
        return JY_ERROR;
    req.client_addr = strcmp(r->client_addr, "-") ? r->client_addr : NULL;
    req.user_agent = r->user_agent;
    rc = jy_auth_login(r->sys, &req, &res, err);
    if (rc != JY_OK) {
        if (err->code == JY_E_FORBIDDEN)
            r->status = 401; /* kept by the server for the error answer */
        return JY_ERROR;
    }
    jy_server_csrf_token(res.token, csrf);
    set_cookie(r, res.token, JY_AUTH_SESSION_LIFETIME_SECONDS);
    jy_auth_wipe(res.token, sizeof(res.token));
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "user_id", (double) res.user_id);
    cJSON_AddStringToObject(o, "login", req.login);
    cJSON_AddStringToObject(o, "csrf_token", csrf);
    cJSON_AddStringToObject(o, "expires_at", res.expires_at);
    return jy_api_reply(r, 201, o);
}


/* DELETE /api/v1/session: log out (the cookie's session). */
static int
session_delete(struct jy_api_req *r, struct jy_err *err)
{
    if (r->session == NULL) {
        jy_err_set(err, JY_E_INVALID, "not logged in with a session cookie");
        jy_err_hint(err, "API tokens are revoked with \"jiyue user token-revoke\".");
        return JY_ERROR;
    }
    if (jy_auth_session_revoke(r->sys, r->session, err) != JY_OK)
        return JY_ERROR;
    r->forget_auth = true;
    set_cookie(r, "", 0);
    r->status = 204;
    return JY_OK;
}


/* GET /api/v1/session: who is calling, and the CSRF token of a cookie session. */
static int
session_get(struct jy_api_req *r, struct jy_err *err)
{
    char uid[24];
    const char *p[1] = {uid};
    struct jy_db_res *res;
    cJSON *o, *rows;

    snprintf(uid, sizeof(uid), "%lld", r->user_id);
    if (jy_db_begin(r->db, err) != JY_OK)
        return JY_ERROR;
    res = jy_db_query(r->db, r->pool,
                      "SELECT g.id, g.role, s.code AS site, s.name AS site_name,"
                      "       c.path AS column_path, g.expires_at::text AS expires_at"
                      "  FROM user_grant g JOIN site s ON s.id = g.site_id"
                      "  LEFT JOIN site_column c ON c.id = g.column_id"
                      " WHERE g.user_id = $1 ORDER BY g.id",
                      1, p, err);
    jy_db_rollback(r->db);
    if (res == NULL)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "user_id", (double) r->user_id);
    cJSON_AddStringToObject(o, "login", r->login);
    if (r->session) {
        char csrf[65];
        jy_server_csrf_token(r->session, csrf);
        cJSON_AddStringToObject(o, "csrf_token", csrf);
    }
    rows = jy_api_rows(r, res, (const char *const[]){"id", NULL}, NULL, NULL);
    cJSON_AddItemReferenceToObject(o, "grants", rows);
    return jy_api_reply(r, 200, o);
}


/* GET /api/v1/health: the server answers and the database too. */
static int
health(struct jy_api_req *r, struct jy_err *err)
{
    cJSON *o;

    if (jy_db_query_value(r->db, r->pool, "SELECT 1", 0, NULL, err) == NULL)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddStringToObject(o, "database", "ok");
    return jy_api_reply(r, 200, o);
}


static const struct jy_api_route routes[] = {
    {"GET", "/api/v1/health", health, JY_API_PUBLIC, "the server and its database answer"},
    {"POST", "/api/v1/session", session_create, JY_API_PUBLIC | JY_API_JSON | JY_API_SYSTEM,
     "log in: session cookie and CSRF token"},
    {"GET", "/api/v1/session", session_get, 0, "who is logged in, their grants, the CSRF token"},
    {"DELETE", "/api/v1/session", session_delete, JY_API_SYSTEM, "log out"},
};


void
jy_api_session_routes(struct jy_api_router *rt)
{
    jy_api_add(rt, routes, JY_ARRAY_LEN(routes));
}
