/*
 * api_items.c - items of the resource library (create, read, change,
 * revisions, diff, restore), placements (several sites in one call), hiding
 * reused items, the list of a column: core/item.c and core/placement.c over
 * HTTP.
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/filestore.h"
#include "core/item.h"
#include "core/json.h"
#include "core/placement.h"
#include "core/pool.h"
#include "core/topic.h"

#include <cjson/cJSON.h>


/* Read "places": [{"column": "SITE:PATH", "state", "sort", "pinned_until"}]. */
static int
read_places(struct jy_api_req *r, struct jy_placement_target **out, int *n, struct jy_err *err)
{
    static const char *const known[] = {"column", "state", "sort", "pinned_until", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body), arr, el;
    size_t cnt = 0, i;

    *out = NULL;
    *n = 0;
    if (jy_json_get_array(&root, "places", false, &arr, &cnt, err) != JY_OK)
        return JY_ERROR;
    if (cnt > 200)
        return jy_json_error(err, &root, "places", "must list at most 200 columns");
    *out = jy_pool_new_array(r->pool, struct jy_placement_target, cnt + 1);
    for (i = 0, jy_json_first(&arr, &el); el.item; jy_json_next(&el), i++) {
        struct jy_placement_target *t = &(*out)[i];
        long long sort = 0;
        if (jy_json_check_keys(&el, known, err) != JY_OK ||
            jy_json_get_str_chars(&el, "column", true, 3, 300, &t->column, err) != JY_OK ||
            jy_json_get_str_chars(&el, "state", false, 1, 32, &t->state, err) != JY_OK ||
            jy_json_get_str_chars(&el, "pinned_until", false, 0, 40, &t->pinned_until, err) !=
                JY_OK)
            return JY_ERROR;
        if (jy_json_has(&el, "sort")) {
            if (jy_json_get_int(&el, "sort", true, -1000000, 1000000, &sort, err) != JY_OK)
                return JY_ERROR;
            t->sort = (int) sort;
            t->sort_set = true;
        }
    }
    *n = (int) cnt;
    return JY_OK;
}


static cJSON *
placed_json(struct jy_api_req *r, const struct jy_placement_done *d, int n)
{
    cJSON *arr = cJSON_CreateArray();
    int i;

    (void) r;
    for (i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double) d[i].id);
        cJSON_AddNumberToObject(o, "column_id", (double) d[i].column_id);
        cJSON_AddNumberToObject(o, "site_id", (double) d[i].site_id);
        cJSON_AddStringToObject(o, "column", d[i].column);
        if (d[i].column_name)
            cJSON_AddStringToObject(o, "column_name", d[i].column_name);
        if (d[i].site_name)
            cJSON_AddStringToObject(o, "site_name", d[i].site_name);
        if (d[i].state)
            cJSON_AddStringToObject(o, "state", d[i].state);
        cJSON_AddBoolToObject(o, "created", d[i].created);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}


/* The answer to a write: what the item is now, plus what the write found. */
static int
result_reply(struct jy_api_req *r, int status, const struct jy_item_result *res)
{
    cJSON *o = jy_json_new_object(r->pool), *rm;
    int i;

    cJSON_AddNumberToObject(o, "id", (double) res->id);
    cJSON_AddNumberToObject(o, "revision", res->revision);
    cJSON_AddBoolToObject(o, "changed", res->changed);
    if (res->index_no)
        cJSON_AddStringToObject(o, "index_no", res->index_no);
    rm = cJSON_AddArrayToObject(o, "removed");
    for (i = 0; i < res->nremoved; i++)
        cJSON_AddItemToArray(rm, cJSON_CreateString(res->removed[i]));
    if (res->nplaced)
        cJSON_AddItemToObject(o, "placed", placed_json(r, res->placed, res->nplaced));
    if (status == 201)
        jy_api_header(r, "Location", jy_pool_printf(r->pool, "/api/v1/items/%lld", res->id));
    return jy_api_reply(r, status, o);
}


/*
 * A refused write lists every problem: the error names the first, the
 * answer carries them all in error.problems.
 */
static int
problems_reply(struct jy_api_req *r, const struct jy_item_result *res, struct jy_err *err)
{
    cJSON *o, *e, *arr;
    int i;

    if (err->code != JY_E_INVALID || res->nproblems == 0)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", "invalid");
    cJSON_AddStringToObject(e, "message", err->msg);
    cJSON_AddStringToObject(e, "field", res->problems[0].field ? res->problems[0].field : "");
    arr = cJSON_AddArrayToObject(e, "problems");
    for (i = 0; i < res->nproblems; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "field", res->problems[i].field ? res->problems[i].field : "");
        cJSON_AddStringToObject(p, "message", res->problems[i].msg);
        cJSON_AddItemToArray(arr, p);
    }
    return jy_api_reply(r, 400, o);
}


/* POST /api/v1/items {"site", "kind", "fields": {...}, "places": [...]} */
static int
items_create(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"site", "kind", "fields", "places", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body), fields;
    struct jy_item_spec spec;
    struct jy_item_result res;

    memset(&spec, 0, sizeof(spec));
    memset(&res, 0, sizeof(res));
    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "site", true, 1, 64, &spec.site, err) != JY_OK ||
        jy_json_get_str_chars(&root, "kind", true, 1, 32, &spec.kind, err) != JY_OK ||
        jy_json_get_object(&root, "fields", true, &fields, err) != JY_OK ||
        read_places(r, (struct jy_placement_target **) &spec.places, &spec.nplaces, err) != JY_OK)
        return JY_ERROR;
    spec.fields = fields.item;
    if (jy_item_create(r->db, r->pool, &spec, &res, err) != JY_OK)
        return problems_reply(r, &res, err);
    return result_reply(r, 201, &res);
}


static int
item_id(struct jy_api_req *r, long long *id, struct jy_err *err)
{
    return jy_api_arg_id(r, 0, "id", id, err);
}


/* GET /api/v1/items/{id} */
static int
items_get(struct jy_api_req *r, struct jy_err *err)
{
    long long id;
    cJSON *j;

    if (item_id(r, &id, err) != JY_OK)
        return JY_ERROR;
    j = jy_item_get(r->db, r->pool, id, err);
    return j ? jy_api_reply(r, 200, j) : JY_ERROR;
}


/* PATCH /api/v1/items/{id} {"fields": {...}, "note"} */
static int
items_update(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"fields", "note", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body), fields;
    struct jy_item_result res;
    const char *note = NULL;
    long long id;

    memset(&res, 0, sizeof(res));
    if (item_id(r, &id, err) != JY_OK || jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_object(&root, "fields", true, &fields, err) != JY_OK ||
        jy_json_get_str_chars(&root, "note", false, 0, 500, &note, err) != JY_OK)
        return JY_ERROR;
    if (jy_item_update(r->db, r->pool, id, fields.item, note, &res, err) != JY_OK)
        return problems_reply(r, &res, err);
    return result_reply(r, 200, &res);
}


/* GET /api/v1/items/{id}/revisions */
static int
items_revisions(struct jy_api_req *r, struct jy_err *err)
{
    struct jy_item_revision *v;
    long long id;
    cJSON *arr;
    int n, i;

    if (item_id(r, &id, err) != JY_OK ||
        jy_item_revisions(r->db, r->pool, id, &v, &n, err) != JY_OK)
        return JY_ERROR;
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "revision", v[i].rev);
        cJSON_AddStringToObject(e, "saved_at", v[i].saved_at);
        if (v[i].saved_by)
            cJSON_AddStringToObject(e, "saved_by", v[i].saved_by);
        else
            cJSON_AddNullToObject(e, "saved_by");
        if (v[i].note)
            cJSON_AddStringToObject(e, "note", v[i].note);
        if (v[i].changed)
            cJSON_AddStringToObject(e, "changed", v[i].changed);
        cJSON_AddItemToArray(arr, e);
    }
    return jy_api_reply_list(r, arr, n);
}


/* GET /api/v1/items/{id}/diff?from=N&to=M */
static int
items_diff(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"from", "to", NULL};
    struct jy_item_change *ch;
    long long id, from, to;
    cJSON *arr, *o;
    int n, i, k;

    if (item_id(r, &id, err) != JY_OK || jy_api_query_keys(r, known, err) != JY_OK ||
        jy_api_query_int(r, "from", 0, 1, 1000000, &from, err) != JY_OK ||
        jy_api_query_int(r, "to", 0, 1, 1000000, &to, err) != JY_OK)
        return JY_ERROR;
    if (from == 0 || to == 0) {
        jy_err_set(err, JY_E_INVALID,
                   "query parameters \"from\" and \"to\" (revisions) are required");
        jy_err_field(err, from == 0 ? "from" : "to");
        return JY_ERROR;
    }
    if (jy_item_diff(r->db, r->pool, id, (int) from, (int) to, &ch, &n, err) != JY_OK)
        return JY_ERROR;
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "field", ch[i].field);
        if (ch[i].label)
            cJSON_AddStringToObject(e, "label", ch[i].label);
        if (ch[i].before)
            cJSON_AddStringToObject(e, "before", ch[i].before);
        else
            cJSON_AddNullToObject(e, "before");
        if (ch[i].after)
            cJSON_AddStringToObject(e, "after", ch[i].after);
        else
            cJSON_AddNullToObject(e, "after");
        if (ch[i].nlines) {
            cJSON *lines = cJSON_AddArrayToObject(e, "lines");
            for (k = 0; k < ch[i].nlines; k++) {
                cJSON *l = cJSON_CreateObject();
                char op[2] = {ch[i].lines[k].op, '\0'};
                cJSON_AddStringToObject(l, "op", op);
                cJSON_AddStringToObject(l, "text", ch[i].lines[k].text);
                cJSON_AddItemToArray(lines, l);
            }
        }
        cJSON_AddItemToArray(arr, e);
    }
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "from", (double) from);
    cJSON_AddNumberToObject(o, "to", (double) to);
    cJSON_AddItemReferenceToObject(o, "changes", arr);
    return jy_api_reply(r, 200, o);
}


/* POST /api/v1/items/{id}/restore {"revision": N} */
static int
items_restore(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"revision", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    struct jy_item_result res;
    long long id, rev;

    memset(&res, 0, sizeof(res));
    if (item_id(r, &id, err) != JY_OK || jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_int(&root, "revision", true, 1, 1000000, &rev, err) != JY_OK)
        return JY_ERROR;
    if (jy_item_restore(r->db, r->pool, id, (int) rev, &res, err) != JY_OK)
        return problems_reply(r, &res, err);
    return result_reply(r, 200, &res);
}


/* POST /api/v1/items/{id}/placements {"places": [...]}: into several sites at once. */
static int
items_place(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"places", NULL};
    struct jy_placement_target *t;
    struct jy_placement_done *done;
    long long id;
    int n;
    cJSON *o;

    if (item_id(r, &id, err) != JY_OK || jy_api_body_keys(r, known, err) != JY_OK ||
        read_places(r, &t, &n, err) != JY_OK)
        return JY_ERROR;
    if (n == 0) {
        jy_err_set(err, JY_E_INVALID, "field \"places\" must list at least one column");
        jy_err_field(err, "places");
        return JY_ERROR;
    }
    if (jy_placement_place(r->db, r->pool, id, t, n, &done, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddItemToObject(o, "placed", placed_json(r, done, n));
    return jy_api_reply(r, 200, o);
}


/* PUT / DELETE /api/v1/items/{id}/interprets/{doc}: link an interpretation to its document. */
static int
items_link(struct jy_api_req *r, struct jy_err *err)
{
    bool add = strcmp(r->method, "PUT") == 0;
    long long id, doc;
    cJSON *o;

    if (item_id(r, &id, err) != JY_OK || jy_api_arg_id(r, 1, "doc", &doc, err) != JY_OK ||
        jy_item_link(r->db, r->pool, id, doc, add, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "interpretation", (double) id);
    cJSON_AddNumberToObject(o, "document", (double) doc);
    cJSON_AddBoolToObject(o, "linked", add);
    return jy_api_reply(r, 200, o);
}


/* POST /api/v1/items/{id}/files {"file", "sort", "caption"}: use an uploaded file on the item. */
static int
items_attach(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"file", "sort", "caption", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    const char *ref = NULL, *caption = NULL;
    long long id, sort = 0;
    cJSON *o;

    if (item_id(r, &id, err) != JY_OK || jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "file", true, 8, 64, &ref, err) != JY_OK ||
        jy_json_get_int(&root, "sort", false, 0, 100000, &sort, err) != JY_OK ||
        jy_json_get_str_chars(&root, "caption", false, 0, 200, &caption, err) != JY_OK)
        return JY_ERROR;
    if (jy_file_attach(r->db, r->pool, id, ref, (int) sort, caption, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "item", (double) id);
    cJSON_AddStringToObject(o, "file", ref);
    return jy_api_reply(r, 200, o);
}


/* DELETE /api/v1/items/{id}/files/{ref} */
static int
items_detach(struct jy_api_req *r, struct jy_err *err)
{
    long long id;

    if (item_id(r, &id, err) != JY_OK ||
        jy_file_detach(r->db, r->pool, id, r->args[1], err) != JY_OK)
        return JY_ERROR;
    r->status = 204;
    return JY_OK;
}


/* GET /api/v1/items?site=&kind=&q=&sort=&page=&page_size= */
static int
items_list(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"site", "kind", "q", "sort", "page", "page_size", NULL};
    static const char *const sorts[][2] = {
        {"-updated_at", "i.updated_at DESC, i.id DESC"},
        {"updated_at", "i.updated_at, i.id"},
        {"-id", "i.id DESC"},
        {"id", "i.id"},
        {"title", "i.title, i.id"},
    };
    const char *sort = jy_http_param(&r->query, "sort"), *order = NULL;
    char off[24], lim[24];
    const char *p[5];
    struct jy_db_res *res;
    int page, size;
    size_t k;
    cJSON *rows;
    long long total = 0;

    if (jy_api_query_keys(r, known, err) != JY_OK || jy_api_page(r, &page, &size, err) != JY_OK)
        return JY_ERROR;
    for (k = 0; k < JY_ARRAY_LEN(sorts); k++)
        if (strcmp(sort ? sort : "-updated_at", sorts[k][0]) == 0)
            order = sorts[k][1];
    if (order == NULL) {
        jy_err_set(
            err, JY_E_INVALID,
            "query parameter \"sort\" must be one of -updated_at, updated_at, -id, id, title, not \"%s\"",
            sort);
        jy_err_field(err, "sort");
        return JY_ERROR;
    }
    snprintf(off, sizeof(off), "%d", (page - 1) * size);
    snprintf(lim, sizeof(lim), "%d", size);
    p[0] = jy_http_param(&r->query, "site");
    p[1] = jy_http_param(&r->query, "kind");
    p[2] = jy_http_param(&r->query, "q");
    p[3] = off;
    p[4] = lim;
    /* the ORDER BY comes from the fixed table above, never from the request */
    res = jy_api_query(
        r,
        jy_pool_printf(r->pool,
                       "SELECT i.id, s.code AS site, i.kind, i.title, i.index_no, i.revision,"
                       "       to_char(i.updated_at AT TIME ZONE 'Asia/Shanghai',"
                       "               'YYYY-MM-DD HH24:MI:SS') AS updated_at,"
                       "       count(*) OVER () AS total"
                       "  FROM item i JOIN site s ON s.id = i.site_id"
                       " WHERE ($1::text IS NULL OR s.code = $1 OR s.id::text = $1)"
                       "   AND ($2::text IS NULL OR i.kind = $2)"
                       "   AND ($3::text IS NULL OR strpos(i.title, $3) > 0)"
                       " ORDER BY %s OFFSET $4::int LIMIT $5::int",
                       order),
        5, p, err);
    if (res == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(res) > 0)
        total = atoll(jy_db_res_field(res, 0, "total"));
    rows = jy_api_rows(r, res, (const char *const[]){"id", "revision", "total", NULL}, NULL, NULL);
    {
        cJSON *e;
        cJSON_ArrayForEach(e, rows) cJSON_DeleteItemFromObject(e, "total");
    }
    return jy_api_reply_page(r, rows, page, size, total);
}


/* GET /api/v1/columns/{column}/items?limit= : the column as editors see it. */
static int
columns_items(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"limit", NULL};
    struct jy_placement_row *rows;
    long long limit;
    cJSON *arr, *o;
    int n, i;

    if (jy_api_query_keys(r, known, err) != JY_OK ||
        jy_api_query_int(r, "limit", 100, 1, 1000, &limit, err) != JY_OK)
        return JY_ERROR;
    if (jy_placement_list(r->db, r->pool, r->args[0], (int) limit, &rows, &n, err) != JY_OK)
        return JY_ERROR;
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "item_id", (double) rows[i].item_id);
        cJSON_AddStringToObject(e, "title", rows[i].title);
        cJSON_AddStringToObject(e, "kind", rows[i].kind);
        cJSON_AddStringToObject(e, "state", rows[i].state);
        cJSON_AddNumberToObject(e, "sort", rows[i].sort);
        cJSON_AddItemToArray(arr, e);
    }
    o = jy_json_new_object(r->pool);
    cJSON_AddItemReferenceToObject(o, "items", arr);
    return jy_api_reply(r, 200, o);
}


/* PUT / DELETE /api/v1/columns/{column}/hidden/{id}: hide a reused item locally, or show it. */
static int
columns_hide(struct jy_api_req *r, struct jy_err *err)
{
    bool changed = false, hide = strcmp(r->method, "PUT") == 0;
    long long id;
    cJSON *o;

    if (jy_api_arg_id(r, 1, "id", &id, err) != JY_OK)
        return JY_ERROR;
    if ((hide ? jy_placement_hide : jy_placement_unhide)(r->db, r->pool, r->args[0], id, &changed,
                                                         err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddBoolToObject(o, "hidden", hide);
    cJSON_AddBoolToObject(o, "changed", changed);
    return jy_api_reply(r, 200, o);
}


/* {"column", "sections": [SECTION, ...]} of a topic column: the stored form (core/topic.h). */
static int
topic_answer(struct jy_api_req *r, const char *column, struct jy_err *err)
{
    struct jy_topic_section *v;
    int n;
    const char *json;
    cJSON *o, *secs;

    if (jy_topic_get(r->db, r->pool, column, &v, &n, err) != JY_OK)
        return JY_ERROR;
    json = jy_topic_sections_json(r->pool, v, n);
    secs = jy_json_parse(r->pool, json, strlen(json), err);
    if (secs == NULL)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddStringToObject(o, "column", column);
    cJSON_AddItemReferenceToObject(o, "sections", secs);
    return jy_api_reply(r, 200, o);
}


/* GET /api/v1/columns/{column}/topic: the sections of a topic column. */
static int
columns_topic_get(struct jy_api_req *r, struct jy_err *err)
{
    return topic_answer(r, r->args[0], err);
}


/* PUT /api/v1/columns/{column}/topic {"sections": [{name, expr, items, more}, ...]}: replace them.
 */
static int
columns_topic_put(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"sections", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body), secs;
    struct jy_topic_section *v;
    struct jy_buf b = JY_BUF_INIT(r->pool);
    int n;

    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_array(&root, "sections", true, &secs, NULL, err) != JY_OK)
        return JY_ERROR;
    jy_json_print(secs.item, &b);
    if (jy_topic_sections_parse(r->pool, b.buf, b.len, &v, &n, err) != JY_OK ||
        jy_topic_set(r->db, r->pool, r->args[0], v, n, err) != JY_OK)
        return JY_ERROR;
    return topic_answer(r, r->args[0], err);
}


static const struct jy_api_route routes[] = {
    {"GET", "/api/v1/items", items_list, 0, "items (filters: site, kind, q; sort; paged)"},
    {"POST", "/api/v1/items", items_create, JY_API_JSON | JY_API_IDEMPOTENT,
     "create an item (a draft), optionally placed"},
    {"GET", "/api/v1/items/{id}", items_get, JY_API_CACHED, "one item in full"},
    {"PATCH", "/api/v1/items/{id}", items_update, JY_API_JSON, "change fields of an item"},
    {"GET", "/api/v1/items/{id}/revisions", items_revisions, 0, "the revisions of an item"},
    {"GET", "/api/v1/items/{id}/diff", items_diff, 0, "what changed between two revisions"},
    {"POST", "/api/v1/items/{id}/restore", items_restore, JY_API_JSON,
     "make an old revision current again"},
    {"POST", "/api/v1/items/{id}/placements", items_place, JY_API_JSON,
     "place an item into columns of several sites"},
    {"PUT", "/api/v1/items/{id}/interprets/{doc}", items_link, 0,
     "link an interpretation to the policy document it interprets"},
    {"DELETE", "/api/v1/items/{id}/interprets/{doc}", items_link, 0, "remove that link"},
    {"POST", "/api/v1/items/{id}/files", items_attach, JY_API_JSON,
     "use an uploaded file on an item"},
    {"DELETE", "/api/v1/items/{id}/files/{ref}", items_detach, 0, "stop using a file on an item"},
    {"GET", "/api/v1/columns/{column}/items", columns_items, 0,
     "a column's items as editors see it"},
    {"PUT", "/api/v1/columns/{column}/hidden/{id}", columns_hide, 0,
     "hide a reused item in this column"},
    {"DELETE", "/api/v1/columns/{column}/hidden/{id}", columns_hide, 0,
     "show a hidden reused item again"},
    {"GET", "/api/v1/columns/{column}/topic", columns_topic_get, 0,
     "the sections of a topic column (专题)"},
    {"PUT", "/api/v1/columns/{column}/topic", columns_topic_put, JY_API_JSON,
     "replace the sections of a topic column"},
};


void
jy_api_items_routes(struct jy_api_router *rt)
{
    jy_api_add(rt, routes, JY_ARRAY_LEN(routes));
}
