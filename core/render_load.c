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
#include <time.h>

static const char site_sql[] =
    "SELECT s.id, s.code, s.name, coalesce(s.short_name, s.name), d.domain, s.sponsor, "
    "       s.organizer, s.icp_no, s.psb_no, s.dzjg_url, s.contact_phone, s.contact_address, "
    "       s.theme, s.time_zone, array_to_string(s.channels, ','), s.kind, s.status "
    "  FROM site s LEFT JOIN site_domain d ON d.site_id = s.id AND d.is_primary "
    " WHERE s.id = ANY ($1::bigint[])";

/* Depth first, siblings by sort then id, as jy_query_column_tree(); the sites one after the other.
 */
static const char columns_sql[] =
    "WITH RECURSIVE t AS ("
    "  SELECT c.id, c.site_id, 0 AS depth, ARRAY[c.sort::bigint, c.id] AS ord FROM site_column c "
    "   WHERE c.site_id = ANY ($1::bigint[]) AND c.parent_id IS NULL "
    "  UNION ALL "
    "  SELECT c.id, c.site_id, t.depth + 1, t.ord || ARRAY[c.sort::bigint, c.id] "
    "    FROM t JOIN site_column c ON c.site_id = t.site_id AND c.parent_id = t.id "
    "   WHERE t.depth < 64) "
    "SELECT c.id, coalesce(c.parent_id, 0), t.depth, c.code, c.path, c.std_code, c.name, c.kind, "
    "       c.item_order, c.url, c.description, c.keywords, c.body, c.page_size, c.in_nav, "
    "       coalesce(c.reuse_column_id, 0), t.site_id "
    "  FROM t JOIN site_column c ON c.id = t.id ORDER BY t.site_id, t.ord";

/*
 * (The pinyin rank of titles is only computed for lists ordered by title:
 * the collation is costly and most lists are newest first; the item row is
 * only read for that and for kind filters.)
 *
 * For every list or topic column of the site (list_id): its reuse chain
 * (lc), the filters of the chain (f), the columns whose placements it
 * lists (cols: the source and its list descendants that reuse nothing),
 * and each item once with the placement that puts it there (its time as
 * seconds and the offset of the list's zone then: jy_iso_time() costs
 * more than the rest of a row, iso_time() formats the same text). Rows of
 * what = 1 name the columns of cols (the list's sources, for the
 * dependencies); rows of what = 0 are the entries.
 */
static const char lists_sql[] =
    "WITH RECURSIVE lc AS ("
    "  SELECT c.id AS list_id, c.id, c.site_id, c.path, c.reuse_column_id, c.reuse_tag_filter, "
    "         c.reuse_kinds, 0 AS hop, st.time_zone AS tz, c.item_order = 'title' AS title_order "
    "    FROM site_column c JOIN site st ON st.id = c.site_id "
    "   WHERE c.site_id = ANY ($1::bigint[]) AND c.kind IN ('list', 'topic') "
    "  UNION ALL "
    "  SELECT lc.list_id, s.id, s.site_id, s.path, s.reuse_column_id, s.reuse_tag_filter, "
    "         s.reuse_kinds, lc.hop + 1, lc.tz, lc.title_order "
    "    FROM lc JOIN site_column s ON s.id = lc.reuse_column_id WHERE lc.hop < 16), "
    "f AS (SELECT list_id, array_agg(id) FILTER (WHERE reuse_column_id IS NOT NULL) AS reusers, "
    "             jy_tag_expr_tsquery(string_agg('(' || reuse_tag_filter || ')', ' AND ')) AS tq, "
    "             coalesce(bool_or(reuse_kinds <> '{}'), false) AS kind_filter, "
    "             min(tz) AS tz, bool_or(title_order) AS title_order "
    "        FROM lc GROUP BY list_id), "
    "src AS (SELECT list_id, site_id, id, path FROM lc WHERE reuse_column_id IS NULL), "
    "cols AS (SELECT src.list_id, c.id FROM src JOIN site_column c ON c.site_id = src.site_id "
    "          AND (c.id = src.id OR starts_with(c.path, src.path || '/')) "
    "          AND c.reuse_column_id IS NULL AND c.kind IN ('list', 'topic')), "
    "cand AS (SELECT DISTINCT ON (cols.list_id, p.item_id) cols.list_id, p.item_id, p.column_id, "
    "                p.published_at, coalesce(p.pinned_until > now(), false) AS pinned, p.sort, "
    "                f.tz, "
    "                CASE WHEN f.title_order THEN (SELECT i.title FROM item i "
    "                                               WHERE i.id = p.item_id) END AS title, "
    "                f.title_order "
    "           FROM cols JOIN f ON f.list_id = cols.list_id "
    "           JOIN placement p ON p.column_id = cols.id AND p.state = 'published' "
    "          WHERE (f.tq IS NULL OR coalesce((SELECT array_to_tsvector(array_agg(it.tag_id::text)) "
    "                  FROM item_tag it WHERE it.item_id = p.item_id), ''::tsvector) @@ f.tq) "
    "            AND (NOT f.kind_filter OR NOT EXISTS (SELECT 1 FROM lc ch "
    "                  WHERE ch.list_id = cols.list_id AND ch.reuse_kinds <> '{}' "
    "                    AND NOT (SELECT i.kind FROM item i WHERE i.id = p.item_id) "
    "                        = ANY (ch.reuse_kinds))) "
    "            AND (f.reusers IS NULL OR NOT EXISTS (SELECT 1 FROM placement_hidden h "
    "                  WHERE h.column_id = ANY (f.reusers) AND h.item_id = p.item_id)) "
    "          ORDER BY cols.list_id, p.item_id, pinned DESC, p.published_at DESC, p.column_id) "
    "SELECT 0, c.list_id, c.item_id, c.column_id, extract(epoch FROM c.published_at)::bigint, "
    "       c.pinned, c.sort, extract(epoch FROM (c.published_at AT TIME ZONE c.tz) "
    "                                - (c.published_at AT TIME ZONE 'UTC'))::int, "
    "       CASE WHEN c.title_order THEN rank() OVER (PARTITION BY c.list_id "
    "            ORDER BY CASE WHEN c.title_order THEN c.title END COLLATE jy_pinyin) END, "
    "       floor(extract(epoch FROM c.published_at))::bigint "
    "  FROM cand c "
    "UNION ALL SELECT 1, list_id, NULL, id, NULL, NULL, NULL, NULL, NULL, NULL FROM cols";

/*
 * The fields lists show, and where each item's own page is: its primary
 * placement, or else its first published placement on its own site, or
 * else its first published placement anywhere (the primary one by its
 * unique index: the sorted search only runs for items without one).
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
    "  LEFT JOIN placement pr ON pr.item_id = i.id AND pr.is_primary AND pr.state = 'published' "
    "  LEFT JOIN LATERAL (SELECT p.column_id FROM placement p "
    "        WHERE pr.item_id IS NULL AND p.item_id = i.id AND p.state = 'published' "
    "        ORDER BY p.site_id = i.site_id DESC, p.id LIMIT 1) pp ON true "
    "  LEFT JOIN site_column pc ON pc.id = coalesce(pr.column_id, pp.column_id) "
    "  LEFT JOIN site_domain d ON d.site_id = pc.site_id AND d.is_primary "
    " WHERE i.id = ANY ($1::bigint[])";

/* (id, time zone) pairs: an item's publication time is shown in each site's zone. */
static const char full_sql[] =
    "SELECT i.id, i.subtitle, i.author, array_to_string(i.keywords, ','), i.body, i.index_no, "
    "       i.subject, i.issuer, i.written_on::text, i.issued_on::text, i.effective_on::text, "
    "       i.validity_on::text, "
    "       jy_iso_time(coalesce(i.publish_at, (SELECT min(p.published_at) FROM placement p "
    "                    WHERE p.item_id = i.id AND p.state = 'published')), x.tz), "
    "       coalesce(i.metadata -> 'attachments', '[]')::text, x.tz "
    "  FROM (SELECT DISTINCT id, tz FROM unnest($1::bigint[], $2::text[]) u (id, tz)) x "
    "  JOIN item i ON i.id = x.id ORDER BY x.id, x.tz COLLATE \"C\"";


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


/*
 * The text jy_iso_time() gives (schema/0043): 2024-03-05T10:00:00+08:00,
 * from the seconds since 1970 (floor) and the zone's offset in seconds then.
 */
static const char *
iso_time(struct jy_pool *pool, long long epoch, int offset)
{
    time_t t = (time_t) (epoch + offset);
    struct tm tm;
    int a = offset < 0 ? -offset : offset;

    if (gmtime_r(&t, &tm) == NULL)
        return "";
    return jy_pool_printf(pool, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
                          tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                          offset < 0 ? '-' : '+', a / 3600, a % 3600 / 60);
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


/* Fill each tag of s with the items (with pages here) that carry it, newest first. */
static void
site_tag_items(struct jy_pool *pool, struct rn_site *s, int *count)
{
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
}


static int load_redirects(struct jy_db *db, struct jy_pool *pool, struct rn_site *s,
                          struct jy_err *err);


/* Sort v[0..n) and drop repeats; the new length. */
static int
sort_uniq(long long *v, int n)
{
    int k = 0;

    qsort(v, (size_t) n, sizeof(long long), cmp_ll);
    for (int i = 0; i < n; i++)
        if (i == 0 || v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}


/*
 * Items as the lists show them, read once for every site of a batch (a
 * province document shown by 35 counties is one row, not 35), into a
 * table of its own that the sites copy their items from.
 */
struct item_table {
    struct rn_site t; /* items and their hash only */
};

static int
fetch_items(struct jy_db *db, struct jy_pool *pool, const long long *ids, int n,
            struct item_table *tab, struct jy_err *err)
{
    struct jy_db_res *r;
    const char *params[1];
    int rows;

    memset(tab, 0, sizeof(*tab));
    if (n == 0) {
        hash_build(pool, &tab->t);
        return JY_OK;
    }
    params[0] = jy_db_ids_literal(pool, ids, n);
    r = jy_db_query(db, pool, items_sql, 1, params, err);
    if (r == NULL)
        return JY_ERROR;
    rows = jy_db_res_rows(r);
    tab->t.items = jy_pool_new_array(pool, struct rn_item, (size_t) rows + 1);
    for (int i = 0; i < rows; i++) {
        struct rn_item *it = &tab->t.items[i];
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
    tab->t.nitems = rows;
    hash_build(pool, &tab->t);
    return JY_OK;
}


/* Append the items ids[0..n) of the table to s (their per-site fields cleared). */
static void
site_add_items(struct jy_pool *pool, struct rn_site *s, const struct item_table *tab,
               const long long *ids, int n)
{
    int base = s->nitems;
    struct rn_item *v = jy_pool_new_array(pool, struct rn_item, (size_t) (base + n) + 1);

    if (base)
        memcpy(v, s->items, sizeof(*v) * (size_t) base);
    s->items = v;
    for (int i = 0; i < n; i++) {
        int k = rn_site_item(&tab->t, ids[i]);
        if (k < 0)
            continue; /* deleted since the lists were read */
        s->items[s->nitems] = tab->t.items[k];
        s->nitems++;
    }
    hash_build(pool, s);
}


/*
 * A column of any site of a batch by id (the lists statement answers for
 * every site at once): which site, which index.
 */
struct col_ref {
    long long id;
    int site, col;
};

struct batch {
    struct jy_pool *pool;
    int n;
    struct rn_site **sites; /* NULL: not loaded (its error in errs) */
    struct jy_err *errs;
    struct col_ref *cols; /* open addressing */
    size_t cols_size;
    long long **ids; /* per site: the item id of every list entry, in entry order */
};

static void
batch_cols_index(struct batch *b)
{
    size_t total = 0, size = 64;

    for (int i = 0; i < b->n; i++)
        if (b->sites[i])
            total += (size_t) b->sites[i]->ncols;
    while (size < total * 2 + 1)
        size *= 2;
    b->cols_size = size;
    b->cols = jy_pool_new_array(b->pool, struct col_ref, size);
    for (int i = 0; i < b->n; i++)
        for (int c = 0; b->sites[i] && c < b->sites[i]->ncols; c++) {
            long long id = b->sites[i]->cols[c].id;
            size_t h = ((size_t) id * 0x9E3779B97F4A7C15ULL) & (size - 1);
            while (b->cols[h].id)
                h = (h + 1) & (size - 1);
            b->cols[h] = (struct col_ref){id, i, c};
        }
}

static const struct col_ref *
batch_col(const struct batch *b, long long id)
{
    size_t h = ((size_t) id * 0x9E3779B97F4A7C15ULL) & (b->cols_size - 1);

    for (; b->cols[h].id; h = (h + 1) & (b->cols_size - 1))
        if (b->cols[h].id == id)
            return &b->cols[h];
    return NULL;
}


static void
site_fail(struct batch *b, int i, enum jy_err_code code, const char *msg, const char *hint)
{
    jy_err_set(&b->errs[i], code, "%s", msg);
    if (hint)
        jy_err_hint(&b->errs[i], "%s", hint);
    b->sites[i] = NULL;
}


/* The site rows of the batch; a site that cannot be rendered gets its error. */
static int
batch_sites(struct jy_db *db, struct batch *b, const long long *ids, const char *arr,
            struct jy_err *err)
{
    struct jy_pool *pool = b->pool;
    const char *params[1] = {arr};
    struct jy_db_res *r = jy_db_query(db, pool, site_sql, 1, params, err);

    if (r == NULL)
        return JY_ERROR;
    for (int i = 0; i < b->n; i++) {
        b->sites[i] = NULL;
        jy_err_set(&b->errs[i], JY_E_NOT_FOUND, "there is no site %lld", ids[i]);
    }
    for (int row = 0; row < jy_db_res_rows(r); row++) {
        long long id = n_of(r, row, 0);
        struct rn_site *s;
        int i;
        for (i = 0; i < b->n && ids[i] != id; i++)
            ;
        if (i == b->n)
            continue;
        jy_err_clear(&b->errs[i]);
        s = b->sites[i] = jy_pool_new(pool, struct rn_site);
        s->id = id;
        s->code = s_or_null(pool, r, row, 1);
        s->name = s_or_null(pool, r, row, 2);
        s->short_name = s_or_null(pool, r, row, 3);
        s->domain = s_or_null(pool, r, row, 4);
        s->sponsor = s_or_null(pool, r, row, 5);
        s->organizer = s_or_null(pool, r, row, 6);
        s->icp_no = s_or_null(pool, r, row, 7);
        s->psb_no = s_or_null(pool, r, row, 8);
        s->dzjg_url = s_or_null(pool, r, row, 9);
        s->contact_phone = s_or_null(pool, r, row, 10);
        s->contact_address = s_or_null(pool, r, row, 11);
        s->theme = s_or_null(pool, r, row, 12);
        s->time_zone = s_or_null(pool, r, row, 13);
        {
            const char *wrapped = jy_pool_printf(pool, ",%s,", jy_db_res_get(r, row, 14));
            s->channels = wrapped;
            s->ch_json = strstr(wrapped, ",json,") != NULL;
            s->ch_rss = strstr(wrapped, ",rss,") != NULL;
            s->ch_sitemap = strstr(wrapped, ",sitemap,") != NULL;
        }
        if (strcmp(jy_db_res_get(r, row, 15), "site") != 0) {
            site_fail(
                b, i, JY_E_INVALID,
                jy_pool_printf(pool, "\"%s\" is a unit inside a site, not a website", s->name),
                "Its items are rendered on the site it belongs to.");
            continue;
        }
        if (s->code == NULL) {
            site_fail(b, i, JY_E_INVALID,
                      jy_pool_printf(pool,
                                     "\"%s\" has no 网站标识码 (site code): it is not a website",
                                     s->name),
                      NULL);
            continue;
        }
        s->closed = strcmp(jy_db_res_get(r, row, 16), "open") != 0;
        if (s->domain == NULL) {
            site_fail(b, i, JY_E_INVALID,
                      jy_pool_printf(pool, "site %s (%s) has no primary domain", s->code, s->name),
                      jy_pool_printf(pool,
                                     "Give it one with: jiyue site domain %s add HOST --primary",
                                     s->code));
            continue;
        }
        s->url = jy_pool_printf(pool, "https://%s", s->domain);
    }
    return JY_OK;
}


/* The column trees of the open sites of the batch. */
static int
batch_columns(struct jy_db *db, struct batch *b, const char *arr, struct jy_err *err)
{
    struct jy_pool *pool = b->pool;
    const char *params[1] = {arr};
    struct jy_db_res *r = jy_db_query(db, pool, columns_sql, 1, params, err);
    int rows, row = 0;

    if (r == NULL)
        return JY_ERROR;
    rows = jy_db_res_rows(r);
    while (row < rows) {
        long long sid = n_of(r, row, 16);
        int end = row, i;
        struct rn_site *s = NULL;
        while (end < rows && n_of(r, end, 16) == sid)
            end++;
        for (i = 0; i < b->n; i++)
            if (b->sites[i] && b->sites[i]->id == sid && !b->sites[i]->closed)
                s = b->sites[i];
        if (s == NULL) {
            row = end;
            continue;
        }
        s->ncols = end - row;
        s->cols = jy_pool_new_array(pool, struct rn_col, (size_t) s->ncols + 1);
        for (int k = 0; k < s->ncols; k++, row++) {
            struct rn_col *c = &s->cols[k];
            c->id = n_of(r, row, 0);
            c->parent_id = n_of(r, row, 1);
            c->parent = -1;
            for (int q = k - 1; q >= 0 && c->parent_id; q--)
                if (s->cols[q].id == c->parent_id)
                    c->parent = q;
            c->depth = (int) n_of(r, row, 2);
            c->code = s_or_null(pool, r, row, 3);
            c->path = s_or_null(pool, r, row, 4);
            c->std_code = s_or_null(pool, r, row, 5);
            c->name = s_or_null(pool, r, row, 6);
            c->kind = s_or_null(pool, r, row, 7);
            c->order = s_or_null(pool, r, row, 8);
            c->url = s_or_null(pool, r, row, 9);
            c->description = s_or_null(pool, r, row, 10);
            c->keywords = s_or_null(pool, r, row, 11);
            c->body = s_or_null(pool, r, row, 12);
            c->page_size = (int) n_of(r, row, 13);
            c->in_nav = jy_db_res_get(r, row, 14)[0] == 't';
            c->reuse_id = n_of(r, row, 15);
            c->type_name = column_type_name(c->std_code, c->name);
        }
    }
    return JY_OK;
}


/*
 * The lists of every list column of the batch's sites. Each entry keeps
 * the id of its item in b->ids[site] (e->item indexes it) until the items
 * are loaded.
 */
static int
batch_lists(struct jy_db *db, struct batch *b, const char *arr, struct jy_err *err)
{
    struct jy_pool *pool = b->pool;
    const char *params[1] = {arr};
    struct jy_db_res *r = jy_db_query(db, pool, lists_sql, 1, params, err);
    int rows, *nids;
    const struct col_ref **refs;

    if (r == NULL)
        return JY_ERROR;
    rows = jy_db_res_rows(r);
    batch_cols_index(b);
    refs = jy_pool_new_array(pool, const struct col_ref *, (size_t) rows + 1);
    nids = jy_pool_new_array(pool, int, (size_t) b->n + 1);
    /* count per column, then fill */
    for (int i = 0; i < rows; i++) {
        struct rn_col *c;
        refs[i] = batch_col(b, n_of(r, i, 1));
        if (refs[i] == NULL)
            continue;
        c = &b->sites[refs[i]->site]->cols[refs[i]->col];
        if (jy_db_res_get(r, i, 0)[0] == '0') {
            c->nlist++;
            nids[refs[i]->site]++;
        } else {
            c->nsrc++;
        }
    }
    for (int i = 0; i < b->n; i++) {
        struct rn_site *s = b->sites[i];
        b->ids[i] = jy_pool_new_array(pool, long long, (size_t) nids[i] + 1);
        nids[i] = 0;
        for (int k = 0; s && k < s->ncols; k++) {
            s->cols[k].list =
                jy_pool_new_array(pool, struct rn_entry, (size_t) s->cols[k].nlist + 1);
            s->cols[k].src = jy_pool_new_array(pool, long long, (size_t) s->cols[k].nsrc + 1);
            s->cols[k].nlist = s->cols[k].nsrc = 0;
        }
    }
    for (int i = 0; i < rows; i++) {
        struct rn_col *c;
        struct rn_entry *e;
        if (refs[i] == NULL)
            continue;
        c = &b->sites[refs[i]->site]->cols[refs[i]->col];
        if (jy_db_res_get(r, i, 0)[0] == '1') {
            c->src[c->nsrc++] = n_of(r, i, 3);
            continue;
        }
        e = &c->list[c->nlist++];
        b->ids[refs[i]->site][nids[refs[i]->site]] = n_of(r, i, 2);
        e->item = nids[refs[i]->site]++;
        e->via_col = n_of(r, i, 3);
        e->published_at = n_of(r, i, 4);
        e->pinned = jy_db_res_get(r, i, 5)[0] == 't';
        e->sort = (int) n_of(r, i, 6);
        e->pub = iso_time(pool, n_of(r, i, 9), (int) n_of(r, i, 7));
        e->title_rank = (int) n_of(r, i, 8);
    }
    return JY_OK;
}


/* The items of every list of the batch, read once, each site given its own. */
static int
batch_items(struct jy_db *db, struct batch *b, struct jy_err *err)
{
    struct jy_pool *pool = b->pool;
    struct item_table tab;
    long long *all;
    int nall = 0, total = 0;

    for (int i = 0; i < b->n; i++)
        for (int k = 0; b->sites[i] && k < b->sites[i]->ncols; k++)
            total += b->sites[i]->cols[k].nlist;
    all = jy_pool_new_array(pool, long long, (size_t) total + 1);
    for (int i = 0; i < b->n; i++) {
        struct rn_site *s = b->sites[i];
        for (int k = 0; s && k < s->ncols; k++)
            for (int e = 0; e < s->cols[k].nlist; e++)
                all[nall++] = b->ids[i][s->cols[k].list[e].item];
    }
    nall = sort_uniq(all, nall);
    if (fetch_items(db, pool, all, nall, &tab, err) != JY_OK)
        return JY_ERROR;
    for (int i = 0; i < b->n; i++) {
        struct rn_site *s = b->sites[i];
        long long *mine;
        int n = 0;
        if (s == NULL || s->closed)
            continue;
        for (int k = 0; k < s->ncols; k++)
            n += s->cols[k].nlist;
        mine = jy_pool_new_array(pool, long long, (size_t) n + 1);
        n = 0;
        for (int k = 0; k < s->ncols; k++)
            for (int e = 0; e < s->cols[k].nlist; e++)
                mine[n++] = b->ids[i][s->cols[k].list[e].item];
        n = sort_uniq(mine, n);
        site_add_items(pool, s, &tab, mine, n);
        for (int k = 0; k < s->ncols; k++) {
            struct rn_col *c = &s->cols[k];
            int kept = 0;
            for (int e = 0; e < c->nlist; e++) {
                c->list[e].item = rn_site_item(s, b->ids[i][c->list[e].item]);
                if (c->list[e].item >= 0)
                    c->list[kept++] = c->list[e];
            }
            c->nlist = kept;
            order_list(s, c);
        }
        assign_pages(pool, s);
    }
    return JY_OK;
}


/*
 * Items related to listed ones (interpretations, documents, repealing
 * documents) that no list of their site shows: what links to them need,
 * read once for the batch.
 */
static int
batch_related(struct jy_db *db, struct batch *b, struct jy_err *err)
{
    struct jy_pool *pool = b->pool;
    long long **missing = jy_pool_new_array(pool, long long *, (size_t) b->n + 1), *all;
    int *nmissing = jy_pool_new_array(pool, int, (size_t) b->n + 1), nall = 0;
    struct item_table tab;

    for (int i = 0; i < b->n; i++) {
        struct rn_site *s = b->sites[i];
        int cap = 0;
        if (s == NULL || s->closed)
            continue;
        for (int k = 0; k < s->nitems; k++)
            cap += s->items[k].ninterpretations + s->items[k].ninterprets + 1;
        missing[i] = jy_pool_new_array(pool, long long, (size_t) cap + 1);
        for (int k = 0; k < s->nitems; k++) {
            const struct rn_item *f = &s->items[k];
            for (int q = 0; q < f->ninterpretations; q++)
                if (rn_site_item(s, f->interpretations[q]) < 0)
                    missing[i][nmissing[i]++] = f->interpretations[q];
            for (int q = 0; q < f->ninterprets; q++)
                if (rn_site_item(s, f->interprets[q]) < 0)
                    missing[i][nmissing[i]++] = f->interprets[q];
            if (f->validity_by && rn_site_item(s, f->validity_by) < 0)
                missing[i][nmissing[i]++] = f->validity_by;
        }
        nmissing[i] = sort_uniq(missing[i], nmissing[i]);
        nall += nmissing[i];
    }
    if (nall == 0)
        return JY_OK;
    all = jy_pool_new_array(pool, long long, (size_t) nall + 1);
    nall = 0;
    for (int i = 0; i < b->n; i++)
        for (int k = 0; k < nmissing[i]; k++)
            all[nall++] = missing[i][k];
    nall = sort_uniq(all, nall);
    if (fetch_items(db, pool, all, nall, &tab, err) != JY_OK)
        return JY_ERROR;
    for (int i = 0; i < b->n; i++) {
        struct rn_site *s = b->sites[i];
        int before;
        if (nmissing[i] == 0)
            continue;
        before = s->nitems;
        site_add_items(pool, s, &tab, missing[i], nmissing[i]);
        for (int k = before; k < s->nitems; k++)
            s->items[k].href = s->items[k].canonical ? s->items[k].canonical : "";
    }
    return JY_OK;
}


/* The tags of the items with pages on each site, with their names, and each tag's items. */
static int
batch_tags(struct jy_db *db, struct batch *b, struct jy_err *err)
{
    struct jy_pool *pool = b->pool;
    const char *params[1];
    struct jy_db_res *r;
    long long *all;
    int nall = 0, cap = 0, rows;

    for (int i = 0; i < b->n; i++)
        for (int k = 0; b->sites[i] && k < b->sites[i]->nitems; k++)
            if (b->sites[i]->items[k].local)
                cap += b->sites[i]->items[k].ntags;
    if (cap == 0)
        return JY_OK;
    all = jy_pool_new_array(pool, long long, (size_t) cap + 1);
    for (int i = 0; i < b->n; i++)
        for (int k = 0; b->sites[i] && k < b->sites[i]->nitems; k++)
            if (b->sites[i]->items[k].local)
                for (int t = 0; t < b->sites[i]->items[k].ntags; t++)
                    all[nall++] = b->sites[i]->items[k].tags[t];
    nall = sort_uniq(all, nall);
    params[0] = jy_db_ids_literal(pool, all, nall);
    r = jy_db_query(db, pool,
                    "SELECT id, name, description FROM tag WHERE id = ANY ($1::bigint[]) "
                    "ORDER BY id",
                    1, params, err);
    if (r == NULL)
        return JY_ERROR;
    rows = jy_db_res_rows(r);
    {
        /* the tags, by id (sorted), shared by the sites */
        struct rn_tag *names = jy_pool_new_array(pool, struct rn_tag, (size_t) rows + 1);
        for (int t = 0; t < rows; t++) {
            names[t].id = n_of(r, t, 0);
            names[t].name = s_or_null(pool, r, t, 1);
            names[t].description = s_or_null(pool, r, t, 2);
        }
        for (int i = 0; i < b->n; i++) {
            struct rn_site *s = b->sites[i];
            long long *mine;
            int n = 0, *count;
            if (s == NULL || s->closed)
                continue;
            for (int k = 0; k < s->nitems; k++)
                if (s->items[k].local)
                    n += s->items[k].ntags;
            if (n == 0)
                continue;
            mine = jy_pool_new_array(pool, long long, (size_t) n);
            n = 0;
            for (int k = 0; k < s->nitems; k++)
                if (s->items[k].local)
                    for (int t = 0; t < s->items[k].ntags; t++)
                        mine[n++] = s->items[k].tags[t];
            n = sort_uniq(mine, n);
            s->tags = jy_pool_new_array(pool, struct rn_tag, (size_t) n + 1);
            for (int t = 0, lo = 0; t < n; t++) {
                while (lo < rows && names[lo].id < mine[t])
                    lo++;
                if (lo < rows && names[lo].id == mine[t]) {
                    s->tags[s->ntags] = names[lo];
                    s->tags[s->ntags].items = NULL;
                    s->tags[s->ntags].nitems = 0;
                    s->ntags++;
                }
            }
            count = jy_pool_new_array(pool, int, (size_t) s->ntags + 1);
            site_tag_items(pool, s, count);
        }
    }
    return JY_OK;
}


/*
 * Snapshots of the sites ids[0..n), one statement per kind for all of
 * them: sites, column trees, lists, items, related items, tags. A site
 * that cannot be rendered (a unit, no code or domain, gone) gets NULL in
 * sites[i] and its reason in errs[i]; JY_ERROR only when the database
 * fails. Everything is allocated in pool.
 */
int
rn_sites_load(struct jy_db *db, struct jy_pool *pool, const long long *ids, int n,
              struct rn_site **sites, struct jy_err *errs, struct jy_err *err)
{
    struct batch b = {.pool = pool, .n = n, .sites = sites, .errs = errs};
    const char *arr;
    long long *open;
    int nopen = 0;

    b.ids = jy_pool_new_array(pool, long long *, (size_t) n + 1);
    if (batch_sites(db, &b, ids, jy_db_ids_literal(pool, ids, n), err) != JY_OK)
        return JY_ERROR;
    open = jy_pool_new_array(pool, long long, (size_t) n + 1);
    for (int i = 0; i < n; i++) {
        if (sites[i] == NULL)
            continue;
        if (sites[i]->closed) {
            if (load_redirects(db, pool, sites[i], err) != JY_OK)
                return JY_ERROR;
        } else {
            open[nopen++] = sites[i]->id;
        }
    }
    if (nopen == 0)
        return JY_OK;
    arr = jy_db_ids_literal(pool, open, nopen);
    if (batch_columns(db, &b, arr, err) != JY_OK || batch_lists(db, &b, arr, err) != JY_OK ||
        batch_items(db, &b, err) != JY_OK || batch_tags(db, &b, err) != JY_OK ||
        batch_related(db, &b, err) != JY_OK)
        return JY_ERROR;
    /* topic sections (render_topic.c) and stored files (render_files.c), site by site */
    for (int i = 0; i < n; i++)
        if (sites[i] && !sites[i]->closed &&
            (rn_topics_load(db, pool, sites[i], err) != JY_OK ||
             rn_files_load(db, pool, sites[i], err) != JY_OK))
            return JY_ERROR;
    return JY_OK;
}


struct rn_site *
rn_site_load(struct jy_db *db, struct jy_pool *pool, long long site_id, struct jy_err *err)
{
    struct rn_site *s = NULL;
    struct jy_err one = JY_ERR_INIT;

    if (rn_sites_load(db, pool, &site_id, 1, &s, &one, err) != JY_OK)
        return NULL;
    if (s == NULL)
        *err = one;
    return s;
}


/*
 * The full text of the items whose pages are rendered, for every site of
 * a batch in one statement: (item, time zone) pairs, each once.
 */
int
rn_sites_load_full(struct jy_db *db, struct jy_pool *pool, struct rn_site **sites,
                   bool *const *need, int n, struct jy_err *err)
{
    struct jy_buf ids = JY_BUF_INIT(pool), zones = JY_BUF_INIT(pool);
    struct item_table tab = {0};
    struct rn_item_full **full;
    const char **zone;
    struct jy_db_res *r;
    const char *params[2];
    int count = 0, rows;

    /* a table of (id, zone) of everything wanted: ids in tab, zones beside */
    for (int i = 0; i < n; i++)
        for (int k = 0; sites[i] && need[i] && k < sites[i]->nitems; k++)
            count += need[i][k] && sites[i]->items[k].full == NULL;
    if (count == 0)
        return JY_OK;
    jy_buf_add_char(&ids, '{');
    jy_buf_add_char(&zones, '{');
    count = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; sites[i] && need[i] && k < sites[i]->nitems; k++) {
            if (!need[i][k] || sites[i]->items[k].full)
                continue;
            jy_buf_addf(&ids, "%s%lld", count ? "," : "", sites[i]->items[k].id);
            jy_buf_add_str(&zones, count ? ",\"" : "\"");
            jy_buf_add_str(&zones, sites[i]->time_zone);
            jy_buf_add_char(&zones, '"');
            count++;
        }
    jy_buf_add_char(&ids, '}');
    jy_buf_add_char(&zones, '}');
    params[0] = ids.buf;
    params[1] = zones.buf;
    if ((r = jy_db_query(db, pool, full_sql, 2, params, err)) == NULL)
        return JY_ERROR;
    rows = jy_db_res_rows(r);
    tab.t.items = jy_pool_new_array(pool, struct rn_item, (size_t) rows + 1);
    full = jy_pool_new_array(pool, struct rn_item_full *, (size_t) rows + 1);
    zone = jy_pool_new_array(pool, const char *, (size_t) rows + 1);
    for (int i = 0; i < rows; i++) {
        struct rn_item_full *f = jy_pool_new(pool, struct rn_item_full);
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
        tab.t.items[i].id = n_of(r, i, 0);
        full[i] = f;
        zone[i] = jy_db_res_get(r, i, 14);
    }
    tab.t.nitems = rows;
    /* the rows come sorted by id, then zone: binary search */
    for (int i = 0; i < n; i++)
        for (int k = 0; sites[i] && need[i] && k < sites[i]->nitems; k++) {
            struct rn_item *it = &sites[i]->items[k];
            int lo = 0, hi = rows - 1;
            if (!need[i][k] || it->full)
                continue;
            while (lo <= hi) {
                int mid = (lo + hi) / 2, c;
                long long id = tab.t.items[mid].id;
                c = id < it->id ? -1 : id > it->id ? 1 : strcmp(zone[mid], sites[i]->time_zone);
                if (c == 0) {
                    it->full = full[mid];
                    break;
                }
                if (c < 0)
                    lo = mid + 1;
                else
                    hi = mid - 1;
            }
        }
    return JY_OK;
}


int
rn_items_load_full(struct jy_db *db, struct jy_pool *pool, struct rn_site *s, const bool *need,
                   struct jy_err *err)
{
    bool *const needs[1] = {(bool *) need};

    return rn_sites_load_full(db, pool, &s, needs, 1, err);
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
