/*
 * render_load.c - read one site's snapshot for the renderer: the site, its
 * columns, the list of every list column (own and reused) and the items
 * in them, in four statements whatever the site's size; then, for the
 * item pages to render, their full text in one more.
 *
 * The lists follow the semantics of core/query.h (a list shows its own
 * placements and those of its list descendants; a reusing column shows
 * its source's list through the filters and hides of the chain), computed
 * here for every column of the site at once instead of one page at a time.
 */
#include "core/compat.h"
#include "core/render_int.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"

#include <stdlib.h>

static const char site_sql[] =
    "SELECT s.id, s.code, s.name, coalesce(s.short_name, s.name), d.domain, s.sponsor, "
    "       s.organizer, s.icp_no, s.psb_no, s.dzjg_url, s.contact_phone, s.contact_address, "
    "       s.theme, s.time_zone, array_to_string(s.channels, ','), s.kind, s.status "
    "  FROM site s LEFT JOIN site_domain d ON d.site_id = s.id AND d.is_primary "
    " WHERE s.id = $1";

/* Depth first, siblings by sort then id, as jy_query_column_tree(). */
static const char columns_sql[] =
    "WITH RECURSIVE t AS ("
    "  SELECT c.id, 0 AS depth, ARRAY[c.sort::bigint, c.id] AS ord FROM site_column c "
    "   WHERE c.site_id = $1 AND c.parent_id IS NULL "
    "  UNION ALL "
    "  SELECT c.id, t.depth + 1, t.ord || ARRAY[c.sort::bigint, c.id] "
    "    FROM t JOIN site_column c ON c.site_id = $1 AND c.parent_id = t.id WHERE t.depth < 64) "
    "SELECT c.id, coalesce(c.parent_id, 0), t.depth, c.code, c.path, c.std_code, c.name, c.kind, "
    "       c.item_order, c.url, c.description, c.keywords, c.body, c.page_size, c.in_nav, "
    "       coalesce(c.reuse_column_id, 0) "
    "  FROM t JOIN site_column c ON c.id = t.id ORDER BY t.ord";

/*
 * (The pinyin rank of titles is only computed for lists ordered by title:
 * the collation is costly and most lists are newest first.)
 *
 * For every list or topic column of the site (list_id): its reuse chain
 * (lc), the filters of the chain (f), the columns whose placements it
 * lists (cols: the source and its list descendants that reuse nothing),
 * and each item once with the placement that puts it there. Rows of
 * what = 1 name the columns of cols (the list's sources, for the
 * dependencies); rows of what = 0 are the entries.
 */
static const char lists_sql[] =
    "WITH RECURSIVE lc AS ("
    "  SELECT c.id AS list_id, c.id, c.site_id, c.path, c.reuse_column_id, c.reuse_tag_filter, "
    "         c.reuse_kinds, 0 AS hop "
    "    FROM site_column c WHERE c.site_id = $1 AND c.kind IN ('list', 'topic') "
    "  UNION ALL "
    "  SELECT lc.list_id, s.id, s.site_id, s.path, s.reuse_column_id, s.reuse_tag_filter, "
    "         s.reuse_kinds, lc.hop + 1 "
    "    FROM lc JOIN site_column s ON s.id = lc.reuse_column_id WHERE lc.hop < 16), "
    "f AS (SELECT list_id, array_agg(id) FILTER (WHERE reuse_column_id IS NOT NULL) AS reusers, "
    "             jy_tag_expr_tsquery(string_agg('(' || reuse_tag_filter || ')', ' AND ')) AS tq, "
    "             coalesce(bool_or(reuse_kinds <> '{}'), false) AS kind_filter "
    "        FROM lc GROUP BY list_id), "
    "src AS (SELECT list_id, site_id, id, path FROM lc WHERE reuse_column_id IS NULL), "
    "cols AS (SELECT src.list_id, c.id FROM src JOIN site_column c ON c.site_id = src.site_id "
    "          AND (c.id = src.id OR starts_with(c.path, src.path || '/')) "
    "          AND c.reuse_column_id IS NULL AND c.kind IN ('list', 'topic')), "
    "cand AS (SELECT DISTINCT ON (cols.list_id, p.item_id) cols.list_id, p.item_id, p.column_id, "
    "                p.published_at, coalesce(p.pinned_until > now(), false) AS pinned, p.sort, "
    "                i.title, (SELECT o.item_order = 'title' FROM site_column o "
    "                           WHERE o.id = cols.list_id) AS title_order "
    "           FROM cols JOIN f ON f.list_id = cols.list_id "
    "           JOIN placement p ON p.column_id = cols.id AND p.state = 'published' "
    "           JOIN item i ON i.id = p.item_id "
    "          WHERE (f.tq IS NULL OR coalesce((SELECT array_to_tsvector(array_agg(it.tag_id::text)) "
    "                  FROM item_tag it WHERE it.item_id = p.item_id), ''::tsvector) @@ f.tq) "
    "            AND (NOT f.kind_filter OR NOT EXISTS (SELECT 1 FROM lc ch "
    "                  WHERE ch.list_id = cols.list_id AND ch.reuse_kinds <> '{}' "
    "                    AND NOT i.kind = ANY (ch.reuse_kinds))) "
    "            AND (f.reusers IS NULL OR NOT EXISTS (SELECT 1 FROM placement_hidden h "
    "                  WHERE h.column_id = ANY (f.reusers) AND h.item_id = p.item_id)) "
    "          ORDER BY cols.list_id, p.item_id, pinned DESC, p.published_at DESC, p.column_id) "
    "SELECT 0, list_id, item_id, column_id, extract(epoch FROM published_at)::bigint, pinned, "
    "       sort, jy_iso_time(published_at, $2), "
    "       CASE WHEN title_order THEN rank() OVER (PARTITION BY list_id "
    "            ORDER BY CASE WHEN title_order THEN title END COLLATE jy_pinyin) END FROM cand "
    "UNION ALL SELECT 1, list_id, NULL, id, NULL, NULL, NULL, NULL, NULL FROM cols";

/*
 * The fields lists show, and where each item's own page is: its primary
 * placement, or else its first published placement on its own site, or
 * else its first published placement anywhere.
 */
static const char items_sql[] =
    "SELECT i.id, i.site_id, i.kind, i.title, i.summary, i.source, i.link_url, i.doc_no, "
    "       i.validity, 'https://' || d.domain || '/' || pc.path || '/' || i.id || '.html', "
    "       coalesce(i.validity_by, 0), "
    "       (SELECT array_agg(r.from_id ORDER BY r.sort, r.from_id) FROM item_relation r "
    "         WHERE r.to_id = i.id AND r.kind = 'interprets'), "
    "       (SELECT array_agg(r.to_id ORDER BY r.sort, r.to_id) FROM item_relation r "
    "         WHERE r.from_id = i.id AND r.kind = 'interprets'), "
    "       (SELECT array_agg(t.tag_id ORDER BY t.sort, t.tag_id) FROM item_tag t "
    "         WHERE t.item_id = i.id) "
    "  FROM item i "
    "  LEFT JOIN LATERAL (SELECT p.column_id FROM placement p "
    "        WHERE p.item_id = i.id AND p.state = 'published' "
    "        ORDER BY p.is_primary DESC, p.site_id = i.site_id DESC, p.id LIMIT 1) pp ON true "
    "  LEFT JOIN site_column pc ON pc.id = pp.column_id "
    "  LEFT JOIN site_domain d ON d.site_id = pc.site_id AND d.is_primary "
    " WHERE i.id = ANY ($1::bigint[])";

static const char full_sql[] =
    "SELECT i.id, i.subtitle, i.author, array_to_string(i.keywords, ','), i.body, i.index_no, "
    "       i.subject, i.issuer, i.written_on::text, i.issued_on::text, i.effective_on::text, "
    "       i.validity_on::text, "
    "       jy_iso_time(coalesce(i.publish_at, (SELECT min(p.published_at) FROM placement p "
    "                    WHERE p.item_id = i.id AND p.state = 'published')), $2), "
    "       coalesce(i.metadata -> 'attachments', '[]')::text "
    "  FROM item i WHERE i.id = ANY ($1::bigint[])";


static const char *
s_or_null(struct jy_pool *pool, const struct jy_db_res *r, int row, int col)
{
    return jy_db_res_isnull(r, row, col)
               ? NULL
               : jy_pool_strndup(pool, jy_db_res_get(r, row, col), jy_db_res_len(r, row, col));
}


static long long
n_of(const struct jy_db_res *r, int row, int col)
{
    return jy_db_res_isnull(r, row, col) ? 0 : strtoll(jy_db_res_get(r, row, col), NULL, 10);
}


/* A PostgreSQL bigint[] in text form, {1,2,3}, into *v (pool). */
static int
parse_ids(struct jy_pool *pool, const char *text, long long **v)
{
    int n = 0, cap = 0;
    const char *p = text;

    *v = NULL;
    if (p == NULL)
        return 0;
    for (const char *q = p; *q; q++)
        cap += *q == ',';
    *v = jy_pool_new_array(pool, long long, (size_t) cap + 1);
    while (*p) {
        if (*p >= '0' && *p <= '9') {
            char *end;
            (*v)[n++] = strtoll(p, &end, 10);
            p = end;
        } else {
            p++;
        }
    }
    return n;
}


/* Items are found by id through an open-addressing table. */
static void
hash_build(struct jy_pool *pool, struct rn_site *s)
{
    size_t size = 64;

    while (size < (size_t) s->nitems * 2 + 1)
        size *= 2;
    s->hash_size = size;
    s->item_hash = jy_pool_new_array(pool, int, size);
    for (int i = 0; i < s->nitems; i++) {
        size_t h = (size_t) s->items[i].id * 0x9E3779B97F4A7C15ULL;
        for (h &= size - 1; s->item_hash[h]; h = (h + 1) & (size - 1))
            ;
        s->item_hash[h] = i + 1;
    }
}


int
rn_site_item(const struct rn_site *s, long long id)
{
    size_t h;

    if (s->hash_size == 0)
        return -1;
    h = ((size_t) id * 0x9E3779B97F4A7C15ULL) & (s->hash_size - 1);
    for (; s->item_hash[h]; h = (h + 1) & (s->hash_size - 1))
        if (s->items[s->item_hash[h] - 1].id == id)
            return s->item_hash[h] - 1;
    return -1;
}


const char *
rn_iso_date(struct jy_pool *pool, const char *iso)
{
    return iso && strlen(iso) >= 10 ? jy_pool_strndup(pool, iso, 10) : iso;
}


/* The ColumnType of a column: the standard type its std_code says, else its name. */
static const char *
column_type_name(const char *std_code, const char *name)
{
    static const struct {
        const char *seg, *name;
    } types[] = {
        {"zwdt", "政务动态"}, {"tzgg", "通知公告"}, {"zcwj", "政策文件"},
        {"zcjd", "政策解读"}, {"ztzl", "专题专栏"}, {"gkxx", "概况信息"},
        {"zwfw", "政务服务"}, {"hdjl", "互动交流"}, {"sjfb", "数据发布"},
        {"jggk", "机构概况"}, {"zwgk", "政务公开"}, {"rsxx", "人事信息"},
        {"czxx", "财政信息"}, {"ghjh", "规划计划"}, {"zdly", "重点领域信息公开"},
        {"ldxx", "领导信息"}, {"jgzn", "机构职能"},
    };

    for (const char *p = std_code; p && *p;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t) (dot - p) : strlen(p);
        /* the most specific known segment wins: read every one, keep the last match */
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strlen(types[i].seg) == len && memcmp(types[i].seg, p, len) == 0)
                name = types[i].name;
        p = dot ? dot + 1 : NULL;
    }
    return name;
}


/*
 * List orders (site_column.item_order). Pinned placements come first in
 * every order; ties fall to the higher item id, as in core/query.c. The
 * comparators get the site's items through qsort_r: sites may load on
 * several threads at once.
 */
static int
cmp_tail(const struct rn_entry *x, const struct rn_entry *y, const struct rn_site *s)
{
    long long a = s->items[x->item].id, b = s->items[y->item].id;
    return a == b ? 0 : a > b ? -1 : 1;
}

/* Pinned entries come first in every order, by their manual sort (as core/query.c). */
static int
cmp_pinned(const struct rn_entry *x, const struct rn_entry *y)
{
    if (x->pinned != y->pinned)
        return x->pinned ? -1 : 1;
    if (x->pinned && x->sort != y->sort)
        return x->sort < y->sort ? -1 : 1;
    return 0;
}

static int
cmp_entry_desc(const void *a, const void *b, void *site)
{
    const struct rn_entry *x = a, *y = b;
    int c = cmp_pinned(x, y);
    if (c)
        return c;
    if (x->published_at != y->published_at)
        return x->published_at > y->published_at ? -1 : 1;
    return cmp_tail(x, y, site);
}

static int
cmp_entry_asc(const void *a, const void *b, void *site)
{
    const struct rn_entry *x = a, *y = b;
    int c = cmp_pinned(x, y);
    if (c)
        return c;
    if (x->published_at != y->published_at)
        return x->published_at < y->published_at ? -1 : 1;
    return cmp_tail(x, y, site);
}

static int
cmp_entry_sort(const void *a, const void *b, void *site)
{
    const struct rn_entry *x = a, *y = b;
    int c = cmp_pinned(x, y);
    if (c)
        return c;
    if (x->sort != y->sort)
        return x->sort < y->sort ? -1 : 1;
    return cmp_entry_desc(a, b, site);
}

/* Titles in pinyin order (collation jy_pinyin, ranked by the database), then newest. */
static int
cmp_entry_title(const void *a, const void *b, void *site)
{
    const struct rn_entry *x = a, *y = b;
    int c = cmp_pinned(x, y);
    if (c)
        return c;
    if (x->title_rank != y->title_rank)
        return x->title_rank < y->title_rank ? -1 : 1;
    return cmp_entry_desc(a, b, site);
}

static void
order_list(const struct rn_site *s, struct rn_col *c)
{
    int (*cmp)(const void *, const void *, void *) = cmp_entry_desc;

    if (strcmp(c->order, "publish_asc") == 0)
        cmp = cmp_entry_asc;
    else if (strcmp(c->order, "sort") == 0)
        cmp = cmp_entry_sort;
    else if (strcmp(c->order, "title") == 0)
        cmp = cmp_entry_title;
    qsort_r(c->list, (size_t) c->nlist, sizeof(c->list[0]), cmp, (void *) s);
}


static int
cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *) a, y = *(const long long *) b;
    return x < y ? -1 : x > y;
}


static int load_redirects(struct jy_db *db, struct jy_pool *pool, struct rn_site *s,
                          struct jy_err *err);
static int load_tags(struct jy_db *db, struct jy_pool *pool, struct rn_site *s, struct jy_err *err);
static int load_related(struct jy_db *db, struct jy_pool *pool, struct rn_site *s,
                        struct jy_err *err);


static int
load_items(struct jy_db *db, struct jy_pool *pool, struct rn_site *s, const long long *ids, int n,
           struct jy_err *err)
{
    struct jy_buf arr = JY_BUF_INIT(pool);
    struct jy_db_res *r;
    const char *params[1];
    int rows, base = s->nitems;

    jy_buf_add_char(&arr, '{');
    for (int i = 0; i < n; i++)
        jy_buf_addf(&arr, "%s%lld", i ? "," : "", ids[i]);
    jy_buf_add_char(&arr, '}');
    params[0] = arr.buf;
    r = jy_db_query(db, pool, items_sql, 1, params, err);
    if (r == NULL)
        return JY_ERROR;
    rows = jy_db_res_rows(r);
    {
        struct rn_item *v = jy_pool_new_array(pool, struct rn_item, (size_t) (base + rows) + 1);
        if (base)
            memcpy(v, s->items, sizeof(*v) * (size_t) base);
        s->items = v;
    }
    for (int i = 0; i < rows; i++) {
        struct rn_item *it = &s->items[base + i];
        it->id = n_of(r, i, 0);
        it->site_id = n_of(r, i, 1);
        it->kind = s_or_null(pool, r, i, 2);
        it->title = s_or_null(pool, r, i, 3);
        it->summary = s_or_null(pool, r, i, 4);
        it->source = s_or_null(pool, r, i, 5);
        it->link_url = s_or_null(pool, r, i, 6);
        it->doc_no = s_or_null(pool, r, i, 7);
        it->validity = s_or_null(pool, r, i, 8);
        it->canonical = s_or_null(pool, r, i, 9);
        it->validity_by = n_of(r, i, 10);
        it->ninterpretations = parse_ids(pool, s_or_null(pool, r, i, 11), &it->interpretations);
        it->ninterprets = parse_ids(pool, s_or_null(pool, r, i, 12), &it->interprets);
        it->ntags = parse_ids(pool, s_or_null(pool, r, i, 13), &it->tags);
        it->local_col = -1;
    }
    s->nitems = base + rows;
    hash_build(pool, s);
    return JY_OK;
}


/*
 * Where each item's page is, seen from this site: the first reusing column
 * (tree order) that lists it gives it a page here (reused content renders
 * in the reusing site's own URL space); else its primary placement when that
 * is on this site; else the first own column listing an item of this site;
 * else the lists link to its page on its own site.
 */
static void
assign_pages(struct jy_pool *pool, struct rn_site *s)
{
    for (int pass = 0; pass < 3; pass++)
        for (int c = 0; c < s->ncols; c++) {
            const struct rn_col *col = &s->cols[c];
            for (int e = 0; e < col->nlist; e++) {
                struct rn_item *it = &s->items[col->list[e].item];
                int home = -1;
                if (it->local || it->link_url)
                    continue;
                if (pass == 0 && col->reuse_id) {
                    home = c;
                } else if (pass == 1 && !col->reuse_id && it->site_id == s->id && it->canonical) {
                    /* the primary column: its path is in the canonical URL */
                    for (int k = 0; k < s->ncols; k++)
                        if (s->cols[k].id == col->list[e].via_col)
                            home = k;
                    if (home >= 0) {
                        const char *want =
                            jy_pool_printf(pool, "/%s/%lld.html", s->cols[home].path, it->id);
                        size_t lw = strlen(want), lc = strlen(it->canonical);
                        if (lc < lw || strcmp(it->canonical + lc - lw, want) != 0)
                            home = -1;
                    }
                } else if (pass == 2 && !col->reuse_id && it->site_id == s->id) {
                    for (int k = 0; k < s->ncols; k++)
                        if (s->cols[k].id == col->list[e].via_col)
                            home = k;
                }
                if (home >= 0) {
                    it->local = jy_pool_printf(pool, "%s/%lld.html", s->cols[home].path, it->id);
                    it->local_col = home;
                    it->pub = col->list[e].pub;
                    it->published_at = col->list[e].published_at;
                }
            }
        }
    for (int i = 0; i < s->nitems; i++) {
        struct rn_item *it = &s->items[i];
        if (it->link_url) {
            it->href = it->link_url;
            it->external = rn_url_external(it->link_url);
        } else if (it->local) {
            it->href = jy_pool_printf(pool, "/%s", it->local);
        } else {
            it->href = it->canonical ? it->canonical : "";
        }
    }
}


struct rn_site *
rn_site_load(struct jy_db *db, struct jy_pool *pool, long long site_id, struct jy_err *err)
{
    struct rn_site *s = jy_pool_new(pool, struct rn_site);
    char idbuf[32];
    const char *params[2];
    struct jy_db_res *r;
    long long *ids;
    int nids = 0, rows;

    snprintf(idbuf, sizeof(idbuf), "%lld", site_id);
    params[0] = idbuf;
    if ((r = jy_db_query(db, pool, site_sql, 1, params, err)) == NULL)
        return NULL;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "there is no site %lld", site_id);
        return NULL;
    }
    s->id = site_id;
    s->code = s_or_null(pool, r, 0, 1);
    s->name = s_or_null(pool, r, 0, 2);
    s->short_name = s_or_null(pool, r, 0, 3);
    s->domain = s_or_null(pool, r, 0, 4);
    s->sponsor = s_or_null(pool, r, 0, 5);
    s->organizer = s_or_null(pool, r, 0, 6);
    s->icp_no = s_or_null(pool, r, 0, 7);
    s->psb_no = s_or_null(pool, r, 0, 8);
    s->dzjg_url = s_or_null(pool, r, 0, 9);
    s->contact_phone = s_or_null(pool, r, 0, 10);
    s->contact_address = s_or_null(pool, r, 0, 11);
    s->theme = s_or_null(pool, r, 0, 12);
    s->time_zone = s_or_null(pool, r, 0, 13);
    {
        const char *ch = jy_db_res_get(r, 0, 14);
        char wrapped[512];
        snprintf(wrapped, sizeof(wrapped), ",%s,", ch);
        s->ch_elder = strstr(wrapped, ",elder,") != NULL;
        s->ch_json = strstr(wrapped, ",json,") != NULL;
        s->ch_rss = strstr(wrapped, ",rss,") != NULL;
        s->ch_sitemap = strstr(wrapped, ",sitemap,") != NULL;
    }
    if (strcmp(jy_db_res_get(r, 0, 15), "site") != 0) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" is a unit inside a site, not a website", s->name);
        jy_err_hint(err, "Its items are rendered on the site it belongs to.");
        return NULL;
    }
    if (s->code == NULL) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" has no 网站标识码 (site code): it is not a website",
                   s->name);
        return NULL;
    }
    s->closed = strcmp(jy_db_res_get(r, 0, 16), "open") != 0;
    if (s->domain == NULL) {
        jy_err_set(err, JY_E_INVALID, "site %s (%s) has no primary domain", s->code, s->name);
        jy_err_hint(err, "Give it one with: jiyue site domain %s add HOST --primary", s->code);
        return NULL;
    }
    s->url = jy_pool_printf(pool, "https://%s", s->domain);
    if (s->closed)
        return load_redirects(db, pool, s, err) == JY_OK ? s : NULL;

    if ((r = jy_db_query(db, pool, columns_sql, 1, params, err)) == NULL)
        return NULL;
    s->ncols = jy_db_res_rows(r);
    s->cols = jy_pool_new_array(pool, struct rn_col, (size_t) s->ncols + 1);
    for (int i = 0; i < s->ncols; i++) {
        struct rn_col *c = &s->cols[i];
        c->id = n_of(r, i, 0);
        c->parent_id = n_of(r, i, 1);
        c->parent = -1;
        for (int k = i - 1; k >= 0 && c->parent_id; k--)
            if (s->cols[k].id == c->parent_id)
                c->parent = k;
        c->depth = (int) n_of(r, i, 2);
        c->code = s_or_null(pool, r, i, 3);
        c->path = s_or_null(pool, r, i, 4);
        c->std_code = s_or_null(pool, r, i, 5);
        c->name = s_or_null(pool, r, i, 6);
        c->kind = s_or_null(pool, r, i, 7);
        c->order = s_or_null(pool, r, i, 8);
        c->url = s_or_null(pool, r, i, 9);
        c->description = s_or_null(pool, r, i, 10);
        c->keywords = s_or_null(pool, r, i, 11);
        c->body = s_or_null(pool, r, i, 12);
        c->page_size = (int) n_of(r, i, 13);
        c->in_nav = jy_db_res_get(r, i, 14)[0] == 't';
        c->reuse_id = n_of(r, i, 15);
        c->type_name = column_type_name(c->std_code, c->name);
    }

    params[1] = s->time_zone;
    if ((r = jy_db_query(db, pool, lists_sql, 2, params, err)) == NULL)
        return NULL;
    rows = jy_db_res_rows(r);
    ids = jy_pool_new_array(pool, long long, (size_t) rows + 1);
    {
        /* count per column, then fill */
        int *count = jy_pool_new_array(pool, int, (size_t) s->ncols + 1);
        int *nsrc = jy_pool_new_array(pool, int, (size_t) s->ncols + 1);
        int *colof = jy_pool_new_array(pool, int, (size_t) rows + 1);
        for (int i = 0; i < rows; i++) {
            long long list = n_of(r, i, 1);
            colof[i] = -1;
            for (int k = 0; k < s->ncols; k++)
                if (s->cols[k].id == list) {
                    colof[i] = k;
                    break;
                }
            if (colof[i] < 0)
                continue;
            if (jy_db_res_get(r, i, 0)[0] == '0')
                count[colof[i]]++;
            else
                nsrc[colof[i]]++;
        }
        for (int k = 0; k < s->ncols; k++) {
            s->cols[k].list = jy_pool_new_array(pool, struct rn_entry, (size_t) count[k] + 1);
            s->cols[k].src = jy_pool_new_array(pool, long long, (size_t) nsrc[k] + 1);
        }
        for (int i = 0; i < rows; i++) {
            struct rn_col *c;
            if (colof[i] < 0)
                continue;
            c = &s->cols[colof[i]];
            if (jy_db_res_get(r, i, 0)[0] == '1') {
                c->src[c->nsrc++] = n_of(r, i, 3);
                continue;
            }
            struct rn_entry *e = &c->list[c->nlist++];
            e->item = -1;
            ids[nids] = n_of(r, i, 2);
            e->via_col = n_of(r, i, 3);
            e->published_at = n_of(r, i, 4);
            e->pinned = jy_db_res_get(r, i, 5)[0] == 't';
            e->sort = (int) n_of(r, i, 6);
            e->pub = s_or_null(pool, r, i, 7);
            e->title_rank = (int) n_of(r, i, 8);
            /* keep the id in item until the items are loaded */
            e->item = nids++;
        }
    }
    {
        /* each item once, then load them */
        long long *uniq = jy_pool_new_array(pool, long long, (size_t) nids + 1);
        int nu = 0;
        long long *sorted = jy_pool_new_array(pool, long long, (size_t) nids + 1);
        memcpy(sorted, ids, sizeof(long long) * (size_t) nids);
        qsort(sorted, (size_t) nids, sizeof(long long), cmp_ll);
        for (int i = 0; i < nids; i++)
            if (i == 0 || sorted[i] != sorted[i - 1])
                uniq[nu++] = sorted[i];
        if (load_items(db, pool, s, uniq, nu, err) != JY_OK)
            return NULL;
    }
    for (int k = 0; k < s->ncols; k++) {
        struct rn_col *c = &s->cols[k];
        for (int e = 0; e < c->nlist; e++)
            c->list[e].item = rn_site_item(s, ids[c->list[e].item]);
        order_list(s, c);
    }
    assign_pages(pool, s);
    if (load_tags(db, pool, s, err) != JY_OK || load_related(db, pool, s, err) != JY_OK)
        return NULL;
    /* topic sections (render_topic.c) and stored files (render_files.c) */
    if (rn_topics_load(db, pool, s, err) != JY_OK || rn_files_load(db, pool, s, err) != JY_OK)
        return NULL;
    return s;
}


int
rn_items_load_full(struct jy_db *db, struct jy_pool *pool, struct rn_site *s, const bool *need,
                   struct jy_err *err)
{
    struct jy_buf arr = JY_BUF_INIT(pool);
    struct jy_db_res *r;
    const char *params[2];
    int n = 0, rows;

    jy_buf_add_char(&arr, '{');
    for (int i = 0; i < s->nitems; i++)
        if (need[i] && s->items[i].full == NULL)
            jy_buf_addf(&arr, "%s%lld", n++ ? "," : "", s->items[i].id);
    jy_buf_add_char(&arr, '}');
    if (n == 0)
        return JY_OK;
    params[0] = arr.buf;
    params[1] = s->time_zone;
    if ((r = jy_db_query(db, pool, full_sql, 2, params, err)) == NULL)
        return JY_ERROR;
    rows = jy_db_res_rows(r);
    for (int i = 0; i < rows; i++) {
        int k = rn_site_item(s, n_of(r, i, 0));
        struct rn_item_full *f = jy_pool_new(pool, struct rn_item_full);
        if (k < 0)
            continue;
        f->subtitle = s_or_null(pool, r, i, 1);
        f->author = s_or_null(pool, r, i, 2);
        f->keywords = s_or_null(pool, r, i, 3);
        f->body = s_or_null(pool, r, i, 4);
        f->index_no = s_or_null(pool, r, i, 5);
        f->subject = s_or_null(pool, r, i, 6);
        f->issuer = s_or_null(pool, r, i, 7);
        f->written_on = s_or_null(pool, r, i, 8);
        f->issued_on = s_or_null(pool, r, i, 9);
        f->effective_on = s_or_null(pool, r, i, 10);
        f->validity_on = s_or_null(pool, r, i, 11);
        f->publish_iso = s_or_null(pool, r, i, 12);
        f->attachments = s_or_null(pool, r, i, 13);
        s->items[k].full = f;
    }
    return JY_OK;
}


/* Items related to listed ones (interpretations, documents, repealing documents) that no
 * list of this site shows: load what links to them need. */
static int
load_related(struct jy_db *db, struct jy_pool *pool, struct rn_site *s, struct jy_err *err)
{
    long long *missing;
    int nmissing = 0, cap = 0, before = s->nitems;

    for (int i = 0; i < s->nitems; i++)
        cap += s->items[i].ninterpretations + s->items[i].ninterprets + 1;
    missing = jy_pool_new_array(pool, long long, (size_t) cap + 1);
    for (int i = 0; i < s->nitems; i++) {
        const struct rn_item *f = &s->items[i];
        for (int k = 0; k < f->ninterpretations; k++)
            if (rn_site_item(s, f->interpretations[k]) < 0)
                missing[nmissing++] = f->interpretations[k];
        for (int k = 0; k < f->ninterprets; k++)
            if (rn_site_item(s, f->interprets[k]) < 0)
                missing[nmissing++] = f->interprets[k];
        if (f->validity_by && rn_site_item(s, f->validity_by) < 0)
            missing[nmissing++] = f->validity_by;
    }
    if (nmissing == 0)
        return JY_OK;
    qsort(missing, (size_t) nmissing, sizeof(long long), cmp_ll);
    {
        int n = 0;
        for (int i = 0; i < nmissing; i++)
            if (i == 0 || missing[i] != missing[i - 1])
                missing[n++] = missing[i];
        nmissing = n;
    }
    if (load_items(db, pool, s, missing, nmissing, err) != JY_OK)
        return JY_ERROR;
    for (int i = before; i < s->nitems; i++)
        s->items[i].href = s->items[i].canonical ? s->items[i].canonical : "";
    return JY_OK;
}


static int
cmp_tag_item(const void *a, const void *b, void *site)
{
    const struct rn_item *x = &((const struct rn_site *) site)->items[*(const int *) a];
    const struct rn_item *y = &((const struct rn_site *) site)->items[*(const int *) b];
    if (x->published_at != y->published_at)
        return x->published_at > y->published_at ? -1 : 1;
    return x->id == y->id ? 0 : x->id > y->id ? -1 : 1;
}


/* The tags of the items with pages here, with their names, and each tag's items. */
static int
load_tags(struct jy_db *db, struct jy_pool *pool, struct rn_site *s, struct jy_err *err)
{
    struct jy_buf arr = JY_BUF_INIT(pool);
    const char *params[1];
    struct jy_db_res *r;
    int n = 0, *count;

    jy_buf_add_char(&arr, '{');
    for (int i = 0; i < s->nitems; i++)
        if (s->items[i].local)
            for (int k = 0; k < s->items[i].ntags; k++)
                jy_buf_addf(&arr, "%s%lld", n++ ? "," : "", s->items[i].tags[k]);
    jy_buf_add_char(&arr, '}');
    if (n == 0)
        return JY_OK;
    params[0] = arr.buf;
    r = jy_db_query(db, pool,
                    "SELECT id, name, description FROM tag WHERE id = ANY ($1::bigint[]) "
                    "ORDER BY id",
                    1, params, err);
    if (r == NULL)
        return JY_ERROR;
    s->ntags = jy_db_res_rows(r);
    s->tags = jy_pool_new_array(pool, struct rn_tag, (size_t) s->ntags + 1);
    count = jy_pool_new_array(pool, int, (size_t) s->ntags + 1);
    for (int t = 0; t < s->ntags; t++) {
        s->tags[t].id = n_of(r, t, 0);
        s->tags[t].name = s_or_null(pool, r, t, 1);
        s->tags[t].description = s_or_null(pool, r, t, 2);
    }
    /* count, then fill: tags are few per item, each found by binary search */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            for (int t = 0; t < s->ntags; t++)
                s->tags[t].items = jy_pool_new_array(pool, int, (size_t) count[t] + 1);
        for (int i = 0; i < s->nitems; i++) {
            if (s->items[i].local == NULL)
                continue;
            for (int k = 0; k < s->items[i].ntags; k++) {
                int lo = 0, hi = s->ntags - 1;
                while (lo <= hi) {
                    int mid = (lo + hi) / 2;
                    if (s->tags[mid].id == s->items[i].tags[k]) {
                        if (pass == 0)
                            count[mid]++;
                        else
                            s->tags[mid].items[s->tags[mid].nitems++] = i;
                        break;
                    }
                    if (s->tags[mid].id < s->items[i].tags[k])
                        lo = mid + 1;
                    else
                        hi = mid - 1;
                }
            }
        }
    }
    for (int t = 0; t < s->ntags; t++)
        qsort_r(s->tags[t].items, (size_t) s->tags[t].nitems, sizeof(int), cmp_tag_item, s);
    return JY_OK;
}


/*
 * A closed site (关停整合) renders one page per live redirect of its
 * primary host: the old URL answers with a meta refresh to the new one, for
 * mirrors that serve files only (nginx can also include the map,
 * <output_dir>/redirects.map, and answer 301).
 */
static int
load_redirects(struct jy_db *db, struct jy_pool *pool, struct rn_site *s, struct jy_err *err)
{
    char sid[32];
    const char *params[2] = {sid, s->domain};
    struct jy_db_res *r;

    snprintf(sid, sizeof(sid), "%lld", s->id);
    r = jy_db_query(db, pool,
                    "SELECT r.old_path, r.new_url, coalesce(i.title, c.name) FROM site_redirect r "
                    "LEFT JOIN item i ON i.id = r.item_id "
                    "LEFT JOIN site_column c ON c.id = r.target_column_id "
                    "WHERE r.site_id = $1 AND r.old_host = $2 AND r.retired_at IS NULL "
                    "ORDER BY r.old_path",
                    2, params, err);
    if (r == NULL)
        return JY_ERROR;
    s->nredirects = jy_db_res_rows(r);
    s->redirects = jy_pool_new_array(pool, struct rn_redirect, (size_t) s->nredirects + 1);
    for (int i = 0; i < s->nredirects; i++) {
        const char *old = jy_db_res_get(r, i, 0) + 1; /* without the leading '/' */
        size_t n = strlen(old);
        struct rn_redirect *d = &s->redirects[i];
        if (n == 0)
            d->path = "index.html";
        else if (old[n - 1] == '/')
            d->path = jy_pool_printf(pool, "%sindex.html", old);
        else
            d->path = jy_pool_strdup(pool, old);
        d->url = s_or_null(pool, r, i, 1);
        d->title = s_or_null(pool, r, i, 2);
    }
    return JY_OK;
}
