/*
 * api_checks.c - the content checks over HTTP (core/check.c): the findings
 * for a saved item, and for a text being written (the editor shows them
 * inline, with positions: field, paragraph, offset, length).
 *
 * Both run at the save stage: every finding is a warning (the publish
 * stage, where a kind may block, runs inside the workflow's publish).
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/buf.h"
#include "core/check.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/site.h"

#include <cjson/cJSON.h>


/* {"item"?, "site"?, "findings": [...], "blocking": n} written straight into r->out */
static int
reply_findings(struct jy_api_req *r, long long item, const char *site,
               const struct jy_check_findings *f)
{
    r->status = 200;
    jy_buf_reset(&r->out);
    jy_buf_add_str(&r->out, "{");
    if (item)
        jy_buf_addf(&r->out, "\"item\":%lld,", item);
    if (site) {
        jy_buf_add_str(&r->out, "\"site\":");
        jy_buf_add_json_str(&r->out, site, strlen(site));
        jy_buf_add_char(&r->out, ',');
    }
    jy_buf_add_str(&r->out, "\"stage\":\"save\",\"findings\":");
    jy_check_findings_json(f, &r->out);
    jy_buf_addf(&r->out, ",\"total\":%zu,\"blocking\":%zu}", f->n, f->blocking);
    return JY_OK;
}


/* GET /api/v1/items/{id}/checks[?site=] */
static int
checks_item(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"site", NULL};
    const char *site = jy_http_param(&r->query, "site");
    struct jy_check_findings f;
    long long item, site_id = 0;
    int rc;

    if (jy_api_arg_id(r, 0, "id", &item, err) != JY_OK || jy_api_query_keys(r, known, err) != JY_OK)
        return JY_ERROR;
    if (site && jy_site_resolve(r->db, r->pool, site, "site", &site_id, err) != JY_OK)
        return JY_ERROR;
    if (jy_check_ensure(err) != JY_OK)
        return JY_ERROR;
    /* as the user: an item they cannot read is not found */
    if (jy_db_begin(r->db, err) != JY_OK)
        return JY_ERROR;
    rc = jy_check_item(r->db, r->pool, item, site_id, JY_CHECK_SAVE, &f, err);
    jy_db_rollback(r->db);
    if (rc != JY_OK)
        return JY_ERROR;
    return reply_findings(r, item, site, &f);
}


/* POST /api/v1/checks/text {"site", "title", "body"} */
static int
checks_text(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"site", "title", "body", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    const char *site = NULL, *title = NULL, *body = NULL;
    struct jy_check_findings f;
    long long site_id = 0;
    int rc;

    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "site", true, 1, 255, &site, err) != JY_OK ||
        jy_json_get_str_chars(&root, "title", false, 0, 500, &title, err) != JY_OK ||
        jy_json_get_str(&root, "body", false, &body, err) != JY_OK)
        return JY_ERROR;
    if (title == NULL && body == NULL) {
        jy_err_set(err, JY_E_INVALID, "give a \"title\" or a \"body\" to check");
        jy_err_field(err, "body");
        return JY_ERROR;
    }
    if (jy_site_resolve(r->db, r->pool, site, "site", &site_id, err) != JY_OK)
        return JY_ERROR;
    if (jy_check_ensure(err) != JY_OK)
        return JY_ERROR;
    if (jy_db_begin(r->db, err) != JY_OK)
        return JY_ERROR;
    rc = jy_check_text(r->db, r->pool, site_id, title, body ? body : "", body ? strlen(body) : 0,
                       JY_CHECK_SAVE, &f, err);
    jy_db_rollback(r->db);
    if (rc != JY_OK)
        return JY_ERROR;
    return reply_findings(r, 0, site, &f);
}


static const struct jy_api_route routes[] = {
    {"GET", "/api/v1/items/{id}/checks", checks_item, 0,
     "findings of the content checks for an item"},
    {"POST", "/api/v1/checks/text", checks_text, JY_API_JSON,
     "findings of the content checks for a text being written"},
};


void
jy_api_checks_routes(struct jy_api_router *rt)
{
    jy_api_add(rt, routes, JY_ARRAY_LEN(routes));
}
