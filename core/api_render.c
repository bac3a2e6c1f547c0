/*
 * api_render.c - the renderer seen over HTTP: where each site's output
 * stands (last generation, changes still waiting), a platform admin's
 * request for a full render, and "where is my item": every site and
 * column showing an item, its page per channel there, whether the file is
 * rendered, and which mirrors hold it since when.
 *
 * Nothing here renders: a request is queued as a site change
 * (schema/0090_render_request.sql) and the running renderer
 * (jy_render_pending, `jiyue serve` or `jiyue render --watch`) does it.
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/site.h"

#include <cjson/cJSON.h>


/* ?site= resolved to an id as text, or NULL for every site. */
static int
query_site(struct jy_api_req *r, const char **id_text, struct jy_err *err)
{
    const char *site = jy_http_param(&r->query, "site");
    long long id;

    *id_text = NULL;
    if (site == NULL)
        return JY_OK;
    if (jy_site_resolve(r->db, r->pool, site, "site", &id, err) != JY_OK)
        return JY_ERROR;
    *id_text = jy_pool_printf(r->pool, "%lld", id);
    return JY_OK;
}


/* GET /api/v1/render/status[?site=] */
static int
render_status(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"site", NULL};
    static const char *const ints[] = {"site_id", "generation", "written", "removed",
                                       "bytes",   "pending",    NULL};
    static const char *const bools[] = {"full_build", "rendering", NULL};
    const char *p[1];
    struct jy_db_res *res;
    cJSON *o;

    if (jy_api_query_keys(r, known, err) != JY_OK || query_site(r, &p[0], err) != JY_OK)
        return JY_ERROR;
    res = jy_api_query(
        r,
        "SELECT s.id AS site_id, s.code AS site, s.name AS site_name, s.status,"
        "       g.id AS generation, g.reason, g.full_build,"
        "       jy_iso_time(g.started_at, s.time_zone) AS started_at,"
        "       jy_iso_time(g.finished_at, s.time_zone) AS finished_at,"
        "       g.written, g.removed, g.bytes,"
        "       coalesce(pc.changes, 0) AS pending,"
        "       jy_iso_time(pc.oldest, s.time_zone) AS pending_since,"
        "       EXISTS (SELECT 1 FROM render_generation u WHERE u.site_id = s.id"
        "               AND u.finished_at IS NULL) AS rendering"
        "  FROM site s"
        "  LEFT JOIN LATERAL (SELECT * FROM render_generation x WHERE x.site_id = s.id"
        "                       AND x.finished_at IS NOT NULL ORDER BY x.id DESC LIMIT 1) g ON true"
        "  LEFT JOIN jy_render_pending_by_site() pc ON pc.site_id = s.id"
        " WHERE s.kind = 'site' AND s.code IS NOT NULL AND ($1::bigint IS NULL OR s.id = $1)"
        " ORDER BY s.path",
        1, p, err);
    if (res == NULL)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddItemReferenceToObject(o, "items", jy_api_rows(r, res, ints, bools, NULL));
    cJSON_AddNumberToObject(o, "total", jy_db_res_rows(res));
    return jy_api_reply(r, 200, o);
}


/* POST /api/v1/render/{site}: a full render, queued (platform admins). */
static int
render_request(struct jy_api_req *r, struct jy_err *err)
{
    const char *p[1];
    long long id;
    cJSON *o;

    if (jy_site_resolve(r->db, r->pool, r->args[0], "site", &id, err) != JY_OK)
        return JY_ERROR;
    p[0] = jy_pool_printf(r->pool, "%lld", id);
    if (jy_db_begin(r->db, err) != JY_OK)
        return JY_ERROR;
    if (jy_db_query(r->db, r->pool, "SELECT jy_render_request($1)", 1, p, err) == NULL) {
        jy_db_rollback(r->db);
        if (err->code == JY_E_FORBIDDEN)
            jy_err_hint(err, "Platform admins render sites; ask one, or wait for the renderer: "
                             "it renders every change by itself.");
        else if (err->code == JY_E_INVALID)
            jy_err_field(err, "site");
        return JY_ERROR;
    }
    if (jy_db_commit(r->db, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "site_id", (double) id);
    cJSON_AddStringToObject(o, "site", r->args[0]);
    cJSON_AddBoolToObject(o, "queued", true);
    return jy_api_reply(r, 202, o);
}


/*
 * Every place the item shows: its own placements the caller may read, and
 * the columns of other sites reusing those columns (published placements
 * only, of the kinds and tags the reusing column takes, not hidden there:
 * what jy_placement_list shows), with the item's page there,
 * as render_load.c names it (COLUMN_PATH/ID.html; elder/ and api/ for the
 * other channels).
 */
static const char where_sql[] =
    "WITH own AS ("
    "  SELECT p.id AS placement_id, p.state, p.column_id, p.site_id,"
    "         p.published_at FROM placement p WHERE p.item_id = $1),"
    "shows AS ("
    "  SELECT o.placement_id, o.state, o.published_at, o.column_id, o.site_id, 'own' AS how,"
    "         NULL::bigint AS source_column FROM own o"
    "  UNION ALL"
    "  SELECT o.placement_id, o.state, o.published_at, c.id, c.site_id, 'reused', o.column_id"
    "    FROM own o JOIN site_column c ON c.reuse_column_id = o.column_id"
    "   WHERE o.state = 'published'"
    "     AND (c.reuse_kinds = '{}' OR (SELECT kind FROM item WHERE id = $1) = ANY (c.reuse_kinds))"
    "     AND (jy_tag_expr_tsquery(c.reuse_tag_filter) IS NULL"
    "          OR (SELECT coalesce(array_to_tsvector(array_agg(t.tag_id::text)), ''::tsvector)"
    "                FROM item_tag t WHERE t.item_id = $1)"
    "             @@ jy_tag_expr_tsquery(c.reuse_tag_filter))"
    "     AND NOT EXISTS (SELECT 1 FROM placement_hidden h WHERE h.column_id = c.id"
    "                     AND h.item_id = $1))"
    "SELECT w.placement_id, w.how, w.state, s.id AS site_id, s.code AS site, s.name AS site_name,"
    "       s.code || ':' || c.path AS column, c.name AS column_name,"
    "       (SELECT ss.code || ':' || sc.path FROM site_column sc JOIN site ss ON ss.id = sc.site_id"
    "         WHERE sc.id = w.source_column) AS source,"
    "       jy_iso_time(w.published_at, s.time_zone) AS published_at,"
    "       (SELECT d.domain FROM site_domain d WHERE d.site_id = s.id AND d.is_primary) AS domain,"
    "       c.path AS column_path, s.channels::text AS channels"
    "  FROM shows w JOIN site_column c ON c.id = w.column_id JOIN site s ON s.id = c.site_id"
    " ORDER BY s.path, c.path";

/*
 * The item's files as the renderer recorded them (render_dep names the
 * page "item N in column C", the same for desktop and elder, and "json of
 * item N"; the GIN index on render_dep.items finds them), on every site,
 * with the time each was rendered. A site has one page per channel for an
 * item, in the first column showing it there: a second column of the site
 * lists the item and links to that page.
 */
static const char files_sql[] =
    "SELECT d.site_id, f.path, f.channel, f.size, f.generation,"
    "       jy_iso_time(f.updated_at, s.time_zone) AS updated_at"
    "  FROM render_dep d JOIN render_file f ON f.site_id = d.site_id AND f.path = d.path"
    "  JOIN site s ON s.id = f.site_id"
    " WHERE d.items @> ARRAY[$1::bigint] AND (d.page LIKE 'item ' || $1 || ' in column %'"
    "                                         OR d.page = 'json of item ' || $1)"
    " ORDER BY d.site_id, CASE f.channel WHEN 'desktop' THEN 0 WHEN 'elder' THEN 1 ELSE 2 END,"
    "          f.path";

/* The mirrors of the sites (system: mirror is for site managers under row-level security). */
static const char mirrors_sql[] = "SELECT m.site_id, m.id, m.name, m.enabled, m.channels::text"
                                  "  FROM mirror m WHERE m.site_id = ANY ($1::bigint[])"
                                  " ORDER BY m.id";

/* Which of them hold the item's files, with the bytes rendered now or older ones, since when. */
static const char held_sql[] =
    "SELECT mf.mirror_id, mf.path, mf.sha256 = f.sha256 AS same,"
    "       jy_iso_time(mf.confirmed_at, s.time_zone) AS since"
    "  FROM render_dep d JOIN render_file f ON f.site_id = d.site_id AND f.path = d.path"
    "  JOIN site s ON s.id = d.site_id"
    "  JOIN mirror m ON m.site_id = d.site_id"
    "  JOIN mirror_file mf ON mf.mirror_id = m.id AND mf.path = d.path"
    " WHERE d.items @> ARRAY[$1::bigint] AND (d.page LIKE 'item ' || $1 || ' in column %'"
    "                                         OR d.page = 'json of item ' || $1)";


struct page {
    const char *channel;
    const char *path;
    int file; /* row of files_sql, -1: not rendered */
};


/* Where the renderer will put the item's pages on a site (site.channels) in a column. */
static int
item_pages(struct jy_pool *pool, long long item, const char *col_path, const char *channels,
           struct page *out)
{
    int n = 0;

    out[n].channel = "desktop";
    out[n].file = -1;
    out[n++].path = jy_pool_printf(pool, "%s/%lld.html", col_path, item);
    if (channels && strstr(channels, "elder")) {
        out[n].channel = "elder";
        out[n].file = -1;
        out[n++].path = jy_pool_printf(pool, "elder/%s/%lld.html", col_path, item);
    }
    if (channels && strstr(channels, "json")) {
        out[n].channel = "json";
        out[n].file = -1;
        out[n++].path = jy_pool_printf(pool, "api/items/%lld.json", item);
    }
    return n;
}


/* Is channel one of a mirror's channels ("{desktop,elder}"; NULL: all)? */
static bool
channel_matches(const char *mirror_channels, const char *channel)
{
    const char *p;
    size_t len = strlen(channel);

    if (mirror_channels == NULL)
        return true;
    for (p = mirror_channels; (p = strstr(p, channel)) != NULL; p += len)
        if ((p == mirror_channels || p[-1] == '{' || p[-1] == ',') &&
            (p[len] == '}' || p[len] == ',' || p[len] == '\0'))
            return true;
    return false;
}


/* The mirrors of site, each with whether it holds path (held_sql rows) and since when. */
static void
page_mirrors(cJSON *pg, const struct jy_db_res *mirrors, const struct jy_db_res *held,
             const char *site_id, const char *channel, const char *path)
{
    cJSON *ms = cJSON_AddArrayToObject(pg, "mirrors");
    int m, h;

    for (m = 0; mirrors && m < jy_db_res_rows(mirrors); m++) {
        const char *mid = jy_db_res_get(mirrors, m, 1);
        cJSON *me;
        if (strcmp(jy_db_res_get(mirrors, m, 0), site_id) != 0 ||
            !channel_matches(jy_db_res_get(mirrors, m, 4), channel))
            continue;
        me = cJSON_CreateObject();
        cJSON_AddItemToArray(ms, me);
        cJSON_AddNumberToObject(me, "id", atof(mid));
        cJSON_AddStringToObject(me, "name", jy_db_res_get(mirrors, m, 2));
        cJSON_AddBoolToObject(me, "enabled", jy_db_res_get(mirrors, m, 3)[0] == 't');
        for (h = 0; held && h < jy_db_res_rows(held); h++)
            if (strcmp(jy_db_res_get(held, h, 0), mid) == 0 &&
                strcmp(jy_db_res_get(held, h, 1), path) == 0)
                break;
        if (held && h < jy_db_res_rows(held)) {
            cJSON_AddBoolToObject(me, "confirmed", jy_db_res_get(held, h, 2)[0] == 't');
            cJSON_AddStringToObject(me, "since", jy_db_res_get(held, h, 3));
        } else {
            cJSON_AddBoolToObject(me, "confirmed", false);
            cJSON_AddNullToObject(me, "since");
        }
    }
}


static void
add_nullable(cJSON *o, const char *key, const struct jy_db_res *res, int row, int col)
{
    if (jy_db_res_isnull(res, row, col))
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddStringToObject(o, key, jy_db_res_get(res, row, col));
}


/*
 * GET /api/v1/items/{id}/where: a fixed number of statements whatever the
 * number of places (the item, its places, its files; mirrors and what
 * they hold on the system's connection).
 */
static int
item_where(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {NULL};
    struct jy_db_res *res, *title, *files, *mirrors = NULL, *held = NULL;
    struct jy_buf sites = JY_BUF_INIT(r->pool);
    const char *p[1];
    long long item;
    cJSON *arr, *o;
    int i;

    if (jy_api_arg_id(r, 0, "id", &item, err) != JY_OK || jy_api_query_keys(r, known, err) != JY_OK)
        return JY_ERROR;
    p[0] = jy_pool_printf(r->pool, "%lld", item);
    /* as the user: what row-level security lets them see of the item and its placements */
    if (jy_db_begin(r->db, err) != JY_OK)
        return JY_ERROR;
    title = jy_db_query(r->db, r->pool, "SELECT title FROM item WHERE id = $1", 1, p, err);
    res = title ? jy_db_query(r->db, r->pool, where_sql, 1, p, err) : NULL;
    files = res ? jy_db_query(r->db, r->pool, files_sql, 1, p, err) : NULL;
    jy_db_rollback(r->db);
    if (files == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(title) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "item %lld does not exist or is not visible to you", item);
        jy_err_field(err, "id");
        return JY_ERROR;
    }
    jy_buf_add_char(&sites, '{');
    for (i = 0; i < jy_db_res_rows(res); i++)
        jy_buf_addf(&sites, "%s%s", i ? "," : "", jy_db_res_get(res, i, 3));
    jy_buf_add_char(&sites, '}');
    /*
     * mirror and mirror_file are readable by site managers only; an editor who
     * can see the item may still know which mirrors serve its pages (names and
     * times, for the item's own files only), so they are read on the owner
     * connection, after row-level security decided what the places are
     */
    if (r->sys && jy_db_res_rows(res) > 0) {
        const char *mp[1] = {sites.buf};
        if ((mirrors = jy_db_query(r->sys, r->pool, mirrors_sql, 1, mp, err)) == NULL)
            return JY_ERROR;
        if (jy_db_res_rows(mirrors) > 0 &&
            (held = jy_db_query(r->sys, r->pool, held_sql, 1, p, err)) == NULL)
            return JY_ERROR;
    }
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < jy_db_res_rows(res); i++) {
        const char *site_id = jy_db_res_get(res, i, 3), *domain = jy_db_res_get(res, i, 10);
        struct page pages[3];
        cJSON *e = cJSON_CreateObject(), *pa;
        int np = 0, k, f;

        cJSON_AddItemToArray(arr, e);
        cJSON_AddStringToObject(e, "site", jy_db_res_get(res, i, 4));
        cJSON_AddStringToObject(e, "site_name", jy_db_res_get(res, i, 5));
        cJSON_AddStringToObject(e, "column", jy_db_res_get(res, i, 6));
        cJSON_AddStringToObject(e, "column_name", jy_db_res_get(res, i, 7));
        cJSON_AddStringToObject(e, "how", jy_db_res_get(res, i, 1));
        add_nullable(e, "source", res, i, 8);
        cJSON_AddNumberToObject(e, "placement_id", atof(jy_db_res_get(res, i, 0)));
        cJSON_AddStringToObject(e, "state", jy_db_res_get(res, i, 2));
        add_nullable(e, "published_at", res, i, 9);
        for (f = 0; f < jy_db_res_rows(files) && np < 3; f++) {
            if (strcmp(jy_db_res_get(files, f, 0), site_id) != 0)
                continue;
            pages[np].path = jy_db_res_get(files, f, 1);
            pages[np].channel = jy_db_res_get(files, f, 2);
            pages[np++].file = f;
        }
        if (np == 0) /* not rendered (yet): where the renderer will put it */
            np = item_pages(r->pool, item, jy_db_res_get(res, i, 11), jy_db_res_get(res, i, 12),
                            pages);
        pa = cJSON_AddArrayToObject(e, "pages");
        for (k = 0; k < np; k++) {
            cJSON *pg = cJSON_CreateObject();
            cJSON_AddItemToArray(pa, pg);
            cJSON_AddStringToObject(pg, "channel", pages[k].channel);
            cJSON_AddStringToObject(pg, "path", pages[k].path);
            if (domain)
                cJSON_AddStringToObject(
                    pg, "url", jy_pool_printf(r->pool, "https://%s/%s", domain, pages[k].path));
            else
                cJSON_AddNullToObject(pg, "url");
            cJSON_AddBoolToObject(pg, "rendered", pages[k].file >= 0);
            if (pages[k].file >= 0) {
                f = pages[k].file;
                cJSON_AddNumberToObject(pg, "size", atof(jy_db_res_get(files, f, 3)));
                cJSON_AddNumberToObject(pg, "generation", atof(jy_db_res_get(files, f, 4)));
                cJSON_AddStringToObject(pg, "updated_at", jy_db_res_get(files, f, 5));
            }
            page_mirrors(pg, mirrors, held, site_id, pages[k].channel, pages[k].path);
        }
    }
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "item", (double) item);
    cJSON_AddStringToObject(o, "title", jy_db_res_get(title, 0, 0));
    cJSON_AddItemReferenceToObject(o, "places", arr);
    cJSON_AddNumberToObject(o, "total", cJSON_GetArraySize(arr));
    return jy_api_reply(r, 200, o);
}


static const struct jy_api_route routes[] = {
    {"GET", "/api/v1/render/status", render_status, 0,
     "per site: last render generation and changes waiting"},
    {"POST", "/api/v1/render/{site}", render_request, 0,
     "render a site again in full (platform admins; queued)"},
    {"GET", "/api/v1/items/{id}/where", item_where, JY_API_SYSTEM,
     "where an item shows: sites, columns, pages per channel, files, mirrors"},
};


void
jy_api_render_routes(struct jy_api_router *rt)
{
    jy_api_add(rt, routes, JY_ARRAY_LEN(routes));
}
