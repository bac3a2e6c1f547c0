/*
 * api_sites.c - the site tree, creating a site from a blueprint, settings,
 * close and reopen (关停整合), columns, blueprints: the CLI's `jiyue site`
 * and `jiyue sites` over HTTP, through the same core/site.c functions.
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/query.h"
#include "core/site.h"

#include <dirent.h>

#include <cjson/cJSON.h>


static const char *
blueprint_dir(struct jy_api_req *r)
{
    return jy_pool_printf(r->pool, "%s/sites/blueprints", r->env->share_dir);
}


/* GET /api/v1/sites: the tree, parents before children. */
static int
sites_list(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"status", "level", NULL};
    const char *p[2] = {jy_http_param(&r->query, "status"), jy_http_param(&r->query, "level")};
    struct jy_db_res *res;
    cJSON *rows, *o;

    if (jy_api_query_keys(r, known, err) != JY_OK)
        return JY_ERROR;
    res = jy_api_query(r,
                       "SELECT s.id, s.parent_id, s.kind, s.level, s.code, s.name, s.short_name,"
                       "       s.status, cardinality(s.path) AS depth"
                       "  FROM site s"
                       " WHERE ($1::text IS NULL OR s.status = $1)"
                       "   AND ($2::text IS NULL OR s.level = $2)"
                       " ORDER BY s.path || s.id",
                       2, p, err);
    if (res == NULL)
        return JY_ERROR;
    rows = jy_api_rows(r, res, (const char *const[]){"id", "parent_id", "depth", NULL}, NULL, NULL);
    o = jy_json_new_object(r->pool);
    cJSON_AddItemReferenceToObject(o, "items", rows);
    cJSON_AddNumberToObject(o, "total", cJSON_GetArraySize(rows));
    return jy_api_reply(r, 200, o);
}


static int
result_reply(struct jy_api_req *r, int status, const struct jy_site_result *res)
{
    cJSON *o = jy_json_new_object(r->pool);

    cJSON_AddNumberToObject(o, "id", (double) res->site_id);
    if (res->code)
        cJSON_AddStringToObject(o, "code", res->code);
    if (res->name)
        cJSON_AddStringToObject(o, "name", res->name);
    cJSON_AddNumberToObject(o, "columns_created", res->columns_created);
    cJSON_AddNumberToObject(o, "columns_wired", res->columns_wired);
    cJSON_AddNumberToObject(o, "fields_changed", res->fields_changed);
    cJSON_AddNumberToObject(o, "placements", (double) res->placements);
    cJSON_AddNumberToObject(o, "redirects", (double) res->redirects);
    if (res->target)
        cJSON_AddStringToObject(o, "target", res->target);
    if (res->target_url)
        cJSON_AddStringToObject(o, "target_url", res->target_url);
    cJSON_AddBoolToObject(o, "dry_run", res->dry_run);
    return jy_api_reply(r, status, o);
}


/* POST /api/v1/sites: a new site from a blueprint (jiyue site create). */
static int
sites_create(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"parent",
                                        "blueprint",
                                        "level",
                                        "name",
                                        "short_name",
                                        "code",
                                        "admin_code",
                                        "domains",
                                        "sponsor",
                                        "organizer",
                                        "contact_phone",
                                        "contact_email",
                                        "contact_address",
                                        "contact_postcode",
                                        "icp_no",
                                        "psb_no",
                                        "dzjg_url",
                                        "theme",
                                        "time_zone",
                                        "dry_run",
                                        NULL};
    static const char *const strs[] = {"parent",
                                       "blueprint",
                                       "level",
                                       "name",
                                       "short_name",
                                       "code",
                                       "admin_code",
                                       "sponsor",
                                       "organizer",
                                       "contact_phone",
                                       "contact_email",
                                       "contact_address",
                                       "contact_postcode",
                                       "icp_no",
                                       "psb_no",
                                       "dzjg_url",
                                       "theme",
                                       "time_zone",
                                       NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body), doms, d;
    struct jy_site_spec spec;
    struct jy_site_result res;
    const char *v[JY_ARRAY_LEN(strs)];
    const char **domains;
    bool dry = false;
    size_t i, nd = 0;

    if (jy_api_body_keys(r, known, err) != JY_OK)
        return JY_ERROR;
    memset(v, 0, sizeof(v));
    for (i = 0; strs[i]; i++) {
        bool req = strcmp(strs[i], "parent") == 0 || strcmp(strs[i], "name") == 0 ||
                   strcmp(strs[i], "code") == 0;
        if (jy_json_get_str_chars(&root, strs[i], req, req ? 1 : 0, 200, &v[i], err) != JY_OK)
            return JY_ERROR;
    }
    if (jy_json_get_array(&root, "domains", true, &doms, &nd, err) != JY_OK ||
        jy_json_get_bool(&root, "dry_run", false, &dry, err) != JY_OK)
        return JY_ERROR;
    if (nd == 0 || nd > 32)
        return jy_json_error(err, &root, "domains", "must list 1 to 32 host names");
    domains = jy_pool_new_array(r->pool, const char *, nd);
    for (i = 0, jy_json_first(&doms, &d); d.item; jy_json_next(&d), i++)
        if (jy_json_get_str_chars(&d, NULL, true, 1, 253, &domains[i], err) != JY_OK)
            return JY_ERROR;
    memset(&spec, 0, sizeof(spec));
    spec.parent = v[0];
    spec.blueprint = v[1];
    spec.blueprint_dir = blueprint_dir(r);
    spec.level = v[2];
    spec.name = v[3];
    spec.short_name = v[4];
    spec.code = v[5];
    spec.admin_code = v[6];
    spec.sponsor = v[7];
    spec.organizer = v[8];
    spec.contact_phone = v[9];
    spec.contact_email = v[10];
    spec.contact_address = v[11];
    spec.contact_postcode = v[12];
    spec.icp_no = v[13];
    spec.psb_no = v[14];
    spec.dzjg_url = v[15];
    spec.theme = v[16];
    spec.time_zone = v[17];
    spec.domains = domains;
    spec.ndomains = (int) nd;
    memset(&res, 0, sizeof(res));
    if (jy_site_create(r->db, r->pool, &spec, dry ? JY_SITE_DRY_RUN : 0, &res, err) != JY_OK)
        return JY_ERROR;
    return result_reply(r, dry ? 200 : 201, &res);
}


/* GET /api/v1/sites/{site} */
static int
sites_get(struct jy_api_req *r, struct jy_err *err)
{
    cJSON *j = jy_site_describe(r->db, r->pool, r->args[0], err);

    return j ? jy_api_reply(r, 200, j) : JY_ERROR;
}


/* PATCH /api/v1/sites/{site} {"key": "value" | null, ...} (jiyue site set) */
static int
sites_update(struct jy_api_req *r, struct jy_err *err)
{
    struct jy_json_node root = JY_JSON_ROOT(r->body), m;
    struct jy_site_setting *set;
    struct jy_site_result res;
    int n = 0;

    set = jy_pool_new_array(r->pool, struct jy_site_setting,
                            (size_t) cJSON_GetArraySize(r->body) + 1);
    for (jy_json_first(&root, &m); m.item; jy_json_next(&m)) {
        const char *val = NULL;
        if (!cJSON_IsNull(m.item) &&
            jy_json_get_str_chars(&m, NULL, true, 0, 2000, &val, err) != JY_OK)
            return JY_ERROR;
        set[n].key = m.key;
        set[n].value = val;
        n++;
    }
    if (n == 0) {
        jy_err_set(err, JY_E_INVALID, "nothing to change: the body names no setting");
        jy_err_field(err, "body");
        return JY_ERROR;
    }
    memset(&res, 0, sizeof(res));
    if (jy_site_update(r->db, r->pool, r->args[0], set, n, 0, &res, err) != JY_OK) {
        /* core/site.c names unknown keys; the API calls them fields */
        return JY_ERROR;
    }
    return result_reply(r, 200, &res);
}


/* POST /api/v1/sites/{site}/close {"into": "SITE:PATH", "dry_run"} */
static int
sites_close(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"into", "dry_run", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    struct jy_site_result res;
    const char *into = NULL;
    bool dry = false;

    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "into", true, 1, 300, &into, err) != JY_OK ||
        jy_json_get_bool(&root, "dry_run", false, &dry, err) != JY_OK)
        return JY_ERROR;
    memset(&res, 0, sizeof(res));
    if (jy_site_close(r->db, r->pool, r->args[0], into, dry ? JY_SITE_DRY_RUN : 0, &res, err) !=
        JY_OK)
        return JY_ERROR;
    return result_reply(r, 200, &res);
}


/* POST /api/v1/sites/{site}/reopen {"unmerge", "dry_run"} */
static int
sites_reopen(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"unmerge", "dry_run", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    struct jy_site_result res;
    bool dry = false, unmerge = false;

    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_bool(&root, "unmerge", false, &unmerge, err) != JY_OK ||
        jy_json_get_bool(&root, "dry_run", false, &dry, err) != JY_OK)
        return JY_ERROR;
    memset(&res, 0, sizeof(res));
    if (jy_site_reopen(r->db, r->pool, r->args[0],
                       (dry ? JY_SITE_DRY_RUN : 0) | (unmerge ? JY_SITE_UNMERGE : 0), &res,
                       err) != JY_OK)
        return JY_ERROR;
    return result_reply(r, 200, &res);
}


/* POST /api/v1/sites/{site}/demote {"dry_run"}: a closed site becomes a column-only unit. */
static int
sites_demote(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"dry_run", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    struct jy_site_result res;
    bool dry = false;

    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_bool(&root, "dry_run", false, &dry, err) != JY_OK)
        return JY_ERROR;
    memset(&res, 0, sizeof(res));
    if (jy_site_demote(r->db, r->pool, r->args[0], dry ? JY_SITE_DRY_RUN : 0, &res, err) != JY_OK)
        return JY_ERROR;
    return result_reply(r, 200, &res);
}


/*
 * POST /api/v1/sites/{unit}/promote {"code", "admin_code", "domains", "level", "blueprint",
 * "dry_run"}: a column-only unit (or a demoted site) becomes a site.
 */
static int
sites_promote(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"code",      "admin_code", "domains", "level",
                                        "blueprint", "dry_run",    NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body), doms, d;
    struct jy_site_promotion p;
    struct jy_site_result res;
    const char **domains = NULL;
    bool dry = false;
    size_t i, nd = 0;

    memset(&p, 0, sizeof(p));
    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "code", false, 1, 20, &p.code, err) != JY_OK ||
        jy_json_get_str_chars(&root, "admin_code", false, 1, 20, &p.admin_code, err) != JY_OK ||
        jy_json_get_str_chars(&root, "level", false, 1, 20, &p.level, err) != JY_OK ||
        jy_json_get_str_chars(&root, "blueprint", false, 1, 64, &p.blueprint, err) != JY_OK ||
        jy_json_get_array(&root, "domains", false, &doms, &nd, err) != JY_OK ||
        jy_json_get_bool(&root, "dry_run", false, &dry, err) != JY_OK)
        return JY_ERROR;
    if (nd > 32)
        return jy_json_error(err, &root, "domains", "must list at most 32 host names");
    if (nd > 0) {
        domains = jy_pool_new_array(r->pool, const char *, nd);
        for (i = 0, jy_json_first(&doms, &d); d.item; jy_json_next(&d), i++)
            if (jy_json_get_str_chars(&d, NULL, true, 1, 253, &domains[i], err) != JY_OK)
                return JY_ERROR;
    }
    p.unit = r->args[0];
    p.domains = domains;
    p.ndomains = (int) nd;
    p.blueprint_dir = blueprint_dir(r);
    memset(&res, 0, sizeof(res));
    if (jy_site_promote(r->db, r->pool, &p, dry ? JY_SITE_DRY_RUN : 0, &res, err) != JY_OK)
        return JY_ERROR;
    return result_reply(r, 200, &res);
}


/* GET /api/v1/sites/{site}/redirects?retired=true: the redirect map of a closed site. */
static int
sites_redirects(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"retired", NULL};
    const char *ret = jy_http_param(&r->query, "retired");
    struct jy_site_redirect *v;
    cJSON *arr;
    int n, i;

    if (jy_api_query_keys(r, known, err) != JY_OK)
        return JY_ERROR;
    if (ret && strcmp(ret, "true") != 0 && strcmp(ret, "false") != 0) {
        jy_err_set(err, JY_E_INVALID,
                   "query parameter \"retired\" must be true or false, not \"%s\"", ret);
        jy_err_field(err, "retired");
        return JY_ERROR;
    }
    if (jy_site_redirects(r->db, r->pool, r->args[0], ret && strcmp(ret, "true") == 0, &v, &n,
                          err) != JY_OK)
        return JY_ERROR;
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "kind", v[i].kind);
        cJSON_AddStringToObject(e, "old_host", v[i].old_host);
        cJSON_AddStringToObject(e, "old_path", v[i].old_path);
        cJSON_AddStringToObject(e, "new_url", v[i].new_url);
        cJSON_AddBoolToObject(e, "retired", v[i].retired);
        cJSON_AddItemToArray(arr, e);
    }
    return jy_api_reply_list(r, arr, n);
}


/* GET /api/v1/sites/{site}/columns: the column tree. */
static int
sites_columns(struct jy_api_req *r, struct jy_err *err)
{
    struct jy_query_column *cols;
    long long id;
    cJSON *arr;
    int n, i;

    if (jy_db_begin(r->db, err) != JY_OK)
        return JY_ERROR;
    i = jy_site_resolve(r->db, r->pool, r->args[0], "site", &id, err);
    jy_db_rollback(r->db);
    if (i != JY_OK)
        return JY_ERROR;
    if (jy_query_column_tree(r->db, r->pool, id, &cols, &n, err) != JY_OK)
        return JY_ERROR;
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < n; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddNumberToObject(c, "id", (double) cols[i].id);
        if (cols[i].parent_id)
            cJSON_AddNumberToObject(c, "parent_id", (double) cols[i].parent_id);
        else
            cJSON_AddNullToObject(c, "parent_id");
        cJSON_AddNumberToObject(c, "depth", cols[i].depth);
        cJSON_AddStringToObject(c, "code", cols[i].code);
        cJSON_AddStringToObject(c, "path", cols[i].path);
        cJSON_AddStringToObject(c, "name", cols[i].name);
        cJSON_AddStringToObject(c, "kind", cols[i].kind);
        if (cols[i].std_code)
            cJSON_AddStringToObject(c, "std_code", cols[i].std_code);
        cJSON_AddBoolToObject(c, "in_nav", cols[i].in_nav);
        if (cols[i].reuse_column_id) {
            cJSON_AddNumberToObject(c, "reuse_column_id", (double) cols[i].reuse_column_id);
            if (cols[i].reuse_site_code)
                cJSON_AddStringToObject(c, "reuse_site", cols[i].reuse_site_code);
            if (cols[i].reuse_path)
                cJSON_AddStringToObject(c, "reuse_path", cols[i].reuse_path);
            if (cols[i].reuse_tag_filter)
                cJSON_AddStringToObject(c, "reuse_tag_filter", cols[i].reuse_tag_filter);
        }
        cJSON_AddItemToArray(arr, c);
    }
    return jy_api_reply_list(r, arr, n);
}


/* GET /api/v1/blueprints: the blueprints a site can be created from. */
static int
blueprints_list(struct jy_api_req *r, struct jy_err *err)
{
    const char *dir = blueprint_dir(r);
    DIR *d = opendir(dir);
    struct dirent *e;
    cJSON *arr = jy_json_new_array(r->pool), *o;

    if (d == NULL) {
        jy_err_errno(err, errno, "could not read the blueprints");
        return JY_ERROR;
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        cJSON *b;
        const cJSON *t;
        struct jy_err e2 = JY_ERR_INIT;
        cJSON *j;
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 || e->d_name[0] == '.')
            continue;
        j = jy_json_load_file(r->pool, jy_pool_printf(r->pool, "%s/%s", dir, e->d_name), &e2);
        b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "name", jy_pool_strndup(r->pool, e->d_name, len - 5));
        t = j ? cJSON_GetObjectItemCaseSensitive(j, "title") : NULL;
        if (cJSON_IsString(t))
            cJSON_AddStringToObject(b, "title", t->valuestring);
        t = j ? cJSON_GetObjectItemCaseSensitive(j, "level") : NULL;
        if (cJSON_IsString(t))
            cJSON_AddStringToObject(b, "level", t->valuestring);
        cJSON_AddItemToArray(arr, b);
    }
    closedir(d);
    o = jy_json_new_object(r->pool);
    cJSON_AddItemReferenceToObject(o, "items", arr);
    return jy_api_reply(r, 200, o);
}


static const struct jy_api_route routes[] = {
    {"GET", "/api/v1/sites", sites_list, 0, "the site tree (filters: status, level)"},
    {"POST", "/api/v1/sites", sites_create, JY_API_JSON | JY_API_IDEMPOTENT,
     "create a site from a blueprint"},
    {"GET", "/api/v1/sites/{site}", sites_get, 0, "one site with its settings"},
    {"PATCH", "/api/v1/sites/{site}", sites_update, JY_API_JSON, "change settings of a site"},
    {"POST", "/api/v1/sites/{site}/close", sites_close, JY_API_JSON,
     "close a site into a column of another (关停整合)"},
    {"POST", "/api/v1/sites/{site}/reopen", sites_reopen, JY_API_JSON, "reopen a closed site"},
    {"POST", "/api/v1/sites/{site}/demote", sites_demote, JY_API_JSON,
     "make a closed site a column-only unit of its parent"},
    {"POST", "/api/v1/sites/{site}/promote", sites_promote, JY_API_JSON,
     "make a column-only unit (or a demoted site) a site"},
    {"GET", "/api/v1/sites/{site}/redirects", sites_redirects, 0,
     "the redirect map of a closed site"},
    {"GET", "/api/v1/sites/{site}/columns", sites_columns, 0, "the column tree of a site"},
    {"GET", "/api/v1/blueprints", blueprints_list, 0, "the blueprints sites are created from"},
};


void
jy_api_sites_routes(struct jy_api_router *rt)
{
    jy_api_add(rt, routes, JY_ARRAY_LEN(routes));
}
