/*
 * api_mirrors.c - the mirrors of the sites over HTTP: list, one mirror's
 * status and lag with the last error in the server's words (core/mirror.c),
 * and verification by a platform admin (core/push.c).
 *
 * Reading runs as the user: row-level security shows a site's mirrors to
 * whoever holds site.manage there (site admins, platform admins).
 * Verification logs in to the mirror, which only the system may do: the
 * handler asks the database whether the user is a platform admin
 * (jy_is_platform_admin, schema/0050) and then verifies with the server's
 * own connection string.
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/mirror.h"
#include "core/pool.h"
#include "core/push.h"

#include <cjson/cJSON.h>


static void
add_str_or_null(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}


static cJSON *
mirror_json(const struct jy_mirror *m, const struct jy_mirror_status *st)
{
    cJSON *e = cJSON_CreateObject(), *s, *lag, *last;

    cJSON_AddNumberToObject(e, "id", (double) m->id);
    cJSON_AddStringToObject(e, "site", m->site_code);
    add_str_or_null(e, "site_name", m->site_name);
    cJSON_AddStringToObject(e, "name", m->name);
    cJSON_AddStringToObject(e, "kind", jy_mirror_kind_name(m->kind));
    cJSON_AddStringToObject(e, "url", m->url);
    add_str_or_null(e, "channels", m->channels);
    cJSON_AddBoolToObject(e, "enabled", m->enabled);
    cJSON_AddNumberToObject(e, "max_parallel", m->max_parallel);
    cJSON_AddNumberToObject(e, "verify_sample", m->verify_sample);
    cJSON_AddNumberToObject(e, "timeout_s", m->timeout_s);
    s = cJSON_AddObjectToObject(e, "status");
    cJSON_AddStringToObject(s, "state", st->state ? st->state : "new");
    cJSON_AddNumberToObject(s, "failures", st->failures);
    if (st->confirmed_generation)
        cJSON_AddNumberToObject(s, "confirmed_generation", (double) st->confirmed_generation);
    else
        cJSON_AddNullToObject(s, "confirmed_generation");
    add_str_or_null(s, "confirmed_at", st->confirmed_at);
    cJSON_AddNumberToObject(s, "confirmed_files", (double) st->confirmed_files);
    cJSON_AddBoolToObject(s, "queued", st->queued);
    add_str_or_null(s, "run_after", st->run_after);
    add_str_or_null(s, "pusher", st->pusher);
    lag = cJSON_AddObjectToObject(e, "lag");
    cJSON_AddNumberToObject(lag, "files", (double) st->lag_files);
    cJSON_AddNumberToObject(lag, "seconds", (double) st->lag_seconds);
    last = cJSON_AddObjectToObject(e, "last_push");
    add_str_or_null(last, "at", st->last_push_at);
    cJSON_AddNumberToObject(last, "files", st->last_push_files);
    cJSON_AddNumberToObject(last, "bytes", (double) st->last_push_bytes);
    cJSON_AddNumberToObject(last, "ms", st->last_push_ms);
    if (st->last_error) {
        cJSON *le = cJSON_AddObjectToObject(e, "last_error");
        cJSON_AddStringToObject(le, "message", st->last_error);
        add_str_or_null(le, "path", st->last_error_path);
        add_str_or_null(le, "at", st->last_error_at);
    } else {
        cJSON_AddNullToObject(e, "last_error");
    }
    return e;
}


/* GET /api/v1/mirrors[?site=] */
static int
mirrors_list(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"site", NULL};
    struct jy_mirror *v;
    cJSON *arr;
    int n, i;

    if (jy_api_query_keys(r, known, err) != JY_OK)
        return JY_ERROR;
    if (jy_mirror_list(r->db, r->pool, jy_http_param(&r->query, "site"), &v, &n, err) != JY_OK)
        return JY_ERROR;
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < n; i++) {
        struct jy_mirror_status st;
        memset(&st, 0, sizeof(st));
        if (jy_mirror_status_get(r->db, r->pool, v[i].id, &st, err) != JY_OK)
            return JY_ERROR;
        cJSON_AddItemToArray(arr, mirror_json(&v[i], &st));
    }
    return jy_api_reply_list(r, arr, n);
}


/* GET /api/v1/mirrors/{id}: {id} is the id or SITE/NAME (percent-encode the /) */
static int
mirrors_get(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {NULL};
    struct jy_mirror m;
    struct jy_mirror_status st;
    cJSON *o;

    if (jy_api_query_keys(r, known, err) != JY_OK)
        return JY_ERROR;
    if (jy_mirror_find(r->db, r->pool, r->args[0], &m, err) != JY_OK)
        return JY_ERROR;
    memset(&st, 0, sizeof(st));
    if (jy_mirror_status_get(r->db, r->pool, m.id, &st, err) != JY_OK)
        return JY_ERROR;
    o = mirror_json(&m, &st);
    jy_json_own(r->pool, o);
    return jy_api_reply(r, 200, o);
}


/* POST /api/v1/mirrors/{id}/verify {"sample": N} (platform admins) */
static int
mirrors_verify(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"sample", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    struct jy_verify_report rep;
    struct jy_mirror m;
    struct jy_db_res *res;
    long long sample = -1;
    cJSON *o, *pr;
    int i;

    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_int(&root, "sample", false, 1, 1000000, &sample, err) != JY_OK)
        return JY_ERROR;
    if (!jy_json_has(&root, "sample"))
        sample = -1;
    if (jy_mirror_find(r->db, r->pool, r->args[0], &m, err) != JY_OK)
        return JY_ERROR;
    res = jy_api_query(r, "SELECT jy_is_platform_admin()", 0, NULL, err);
    if (res == NULL)
        return JY_ERROR;
    if (strcmp(jy_db_res_get(res, 0, 0), "t") != 0) {
        jy_err_set(err, JY_E_FORBIDDEN, "only a platform admin may verify mirror %s/%s",
                   m.site_code, m.name);
        jy_err_hint(err, "Verification logs in to the mirror with the platform's credentials.");
        return JY_ERROR;
    }
    if (r->env == NULL || r->env->conninfo == NULL) {
        jy_err_set(err, JY_E_INTERNAL, "the server has no system connection to verify with");
        return JY_ERROR;
    }
    memset(&rep, 0, sizeof(rep));
    if (jy_mirror_verify(r->env->conninfo, r->pool, m.id, (int) sample, &rep, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "id", (double) m.id);
    cJSON_AddStringToObject(o, "site", m.site_code);
    cJSON_AddStringToObject(o, "name", m.name);
    cJSON_AddNumberToObject(o, "checked", (double) rep.checked);
    cJSON_AddNumberToObject(o, "ok", (double) rep.ok);
    cJSON_AddNumberToObject(o, "wrong", (double) rep.wrong);
    cJSON_AddNumberToObject(o, "errors", (double) rep.errors);
    cJSON_AddBoolToObject(o, "repair_queued", rep.wrong > 0);
    pr = cJSON_AddArrayToObject(o, "problems");
    for (i = 0; i < rep.nproblems; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "path", rep.problems[i].path);
        cJSON_AddStringToObject(e, "what", rep.problems[i].what);
        cJSON_AddItemToArray(pr, e);
    }
    return jy_api_reply(r, 200, o);
}


static const struct jy_api_route routes[] = {
    {"GET", "/api/v1/mirrors", mirrors_list, 0, "mirrors with status and lag"},
    {"GET", "/api/v1/mirrors/{id}", mirrors_get, 0, "one mirror: status, lag, last error"},
    {"POST", "/api/v1/mirrors/{id}/verify", mirrors_verify, JY_API_JSON,
     "fetch back what a mirror confirmed and compare (platform admins)"},
};


void
jy_api_mirrors_routes(struct jy_api_router *rt)
{
    jy_api_add(rt, routes, JY_ARRAY_LEN(routes));
}
