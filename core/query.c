/*
 * query.c - the read side of the resource library; see query.h.
 */
#include "core/compat.h"
#include "core/query.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"

#include <cjson/cJSON.h>


/*
 * A candidate placement p (joined to its item i) passes the reuse filters of
 * the chain: the tag expressions (f.tq), the kinds of every link, and what
 * the reusing columns hide.
 */
#define REUSE_FILTER                                                                       \
    "AND (f.tq IS NULL OR coalesce((SELECT array_to_tsvector(array_agg(it.tag_id::text)) " \
    "       FROM item_tag it WHERE it.item_id = p.item_id), ''::tsvector) @@ f.tq) "       \
    "AND (NOT f.kind_filter OR NOT EXISTS (SELECT 1 FROM chain ch "                        \
    "       WHERE ch.reuse_kinds <> '{}' AND NOT i.kind = ANY (ch.reuse_kinds))) "         \
    "AND (f.reusers IS NULL OR NOT EXISTS (SELECT 1 FROM placement_hidden h "              \
    "       WHERE h.column_id = ANY (f.reusers) AND h.item_id = p.item_id)) "

/*
 * The branch of the default order (newest first) of the candidates of a
 * column (cols.id): the first page * size + 1 unpinned published
 * placements, an index only scan of placement_column_list_idx that stops
 * early. The other orders (oldest first, manual, title) share one branch
 * that reads the column's unpinned placements whole, sorted in memory: one
 * branch per order made the statement take three times as long to plan,
 * and it is planned at every call. The limit is 0 for the branch the
 * column does not use, which ends it before it reads a row (a WHERE on the
 * order would do the same, but the planner then expects one row and sorts
 * a bitmap scan rather than walk the index in order).
 */
#define CAND_BRANCH(order, sortcol, by) /* order: the one order it serves */                    \
    "     UNION ALL "                                                                           \
    "     (SELECT p.item_id, p.column_id, p.published_at, " sortcol ", false "                  \
    "        FROM placement p JOIN item i ON i.id = p.item_id "                                 \
    "       WHERE p.column_id = cols.id AND p.state = 'published' "                             \
    "         AND (p.pinned_until IS NULL OR p.pinned_until <= now()) " REUSE_FILTER            \
    "       ORDER BY " by " LIMIT (SELECT CASE WHEN ord = '" order "' THEN $2::int * size + 1 " \
    "                                    ELSE 0 END FROM head))"

/*
 * chain: the column asked for, then the column it reuses, and so on; the
 * last one (reusing nothing) is the source whose list is shown. head: the
 * column asked for, whose own item_order decides the order (a reusing
 * column lists its source's items in its own order). cols: the source and
 * its list descendants that reuse nothing. For each of them the pinned
 * placements and the first page * size + 1 others (newest first) or all
 * others (the other orders),
 * then each item once, in list order: pinned first by sort, then the
 * order (publish_desc: newest first; publish_asc: oldest first; sort:
 * manual order, then newest; title: pinyin, then newest), ties by the
 * newest and the highest item id.
 */
/* clang-format off */
static const char column_items_sql[] =
    "WITH RECURSIVE chain AS ("
    "  SELECT c.id, c.site_id, c.path, c.reuse_column_id, c.reuse_tag_filter, c.reuse_kinds, "
    "         c.page_size, c.item_order, 0 AS hop "
    "    FROM site_column c WHERE c.id = $1 "
    "  UNION ALL "
    "  SELECT s.id, s.site_id, s.path, s.reuse_column_id, s.reuse_tag_filter, s.reuse_kinds, "
    "         s.page_size, s.item_order, ch.hop + 1 "
    "    FROM chain ch JOIN site_column s ON s.id = ch.reuse_column_id WHERE ch.hop < 16), "
    "head AS (SELECT h.id, st.time_zone, h.item_order AS ord, "
    "                CASE WHEN $3::int > 0 THEN $3::int ELSE h.page_size END AS size "
    "           FROM chain h JOIN site st ON st.id = h.site_id WHERE h.hop = 0), "
    "f AS (SELECT array_agg(id) FILTER (WHERE reuse_column_id IS NOT NULL) AS reusers, "
    "             jy_tag_expr_tsquery(string_agg('(' || reuse_tag_filter || ')', ' AND ')) AS tq, "
    "             coalesce(bool_or(reuse_kinds <> '{}'), false) AS kind_filter "
    "        FROM chain), "
    "src AS (SELECT id, site_id, path FROM chain WHERE reuse_column_id IS NULL), "
    "cols AS (SELECT c.id FROM src JOIN site_column c ON c.site_id = src.site_id "
    "          WHERE (c.id = src.id OR starts_with(c.path, src.path || '/')) "
    "            AND c.reuse_column_id IS NULL AND c.kind IN ('list', 'topic')), "
    "cand AS ("
    "  SELECT x.* FROM cols CROSS JOIN f CROSS JOIN LATERAL ("
    "     (SELECT p.item_id, p.column_id, p.published_at, p.sort, true AS pinned "
    "        FROM placement p JOIN item i ON i.id = p.item_id "
    "       WHERE p.column_id = cols.id AND p.state = 'published' AND p.pinned_until > now() "
    REUSE_FILTER ") "
    CAND_BRANCH("publish_desc", "0", "p.published_at DESC, p.item_id DESC")
    "     UNION ALL "
    "     (SELECT p.item_id, p.column_id, p.published_at, p.sort, false "
    "        FROM placement p JOIN item i ON i.id = p.item_id "
    "       WHERE p.column_id = cols.id AND p.state = 'published' "
    "         AND (p.pinned_until IS NULL OR p.pinned_until <= now()) " REUSE_FILTER
    "       LIMIT (SELECT CASE WHEN ord = 'publish_desc' THEN 0 END FROM head))"
    "  ) x), "
    "best AS (SELECT DISTINCT ON (item_id) item_id, column_id, published_at, sort, pinned FROM cand "
    "          ORDER BY item_id, pinned DESC, published_at DESC, column_id), "
    "pg AS (SELECT b.*, row_number() OVER (ORDER BY b.pinned DESC, "
    "              CASE WHEN b.pinned THEN b.sort END, "
    "              CASE WHEN hd.ord = 'sort' THEN b.sort END, "
    "              CASE WHEN hd.ord = 'title' THEN i.title END COLLATE jy_pinyin, "
    "              CASE WHEN hd.ord = 'publish_asc' THEN b.published_at END, "
    "              CASE WHEN hd.ord = 'publish_asc' THEN b.item_id END, "
    "              b.published_at DESC, b.item_id DESC) AS rn "
    "         FROM best b JOIN item i ON i.id = b.item_id CROSS JOIN head hd "
    "        ORDER BY rn "
    "        OFFSET (SELECT ($2::int - 1) * size FROM head) LIMIT (SELECT size + 1 FROM head)) "
    "SELECT h.id, h.size, pg.item_id, i.site_id, pg.column_id, "
    "       (SELECT pp.column_id FROM placement pp WHERE pp.item_id = pg.item_id AND pp.is_primary), "
    "       i.kind, i.title, i.summary, i.source, extract(epoch FROM pg.published_at)::bigint, "
    "       to_char(pg.published_at AT TIME ZONE h.time_zone, 'YYYY-MM-DD HH24:MI'), pg.pinned "
    "  FROM head h LEFT JOIN (pg JOIN item i ON i.id = pg.item_id) ON true "
    " ORDER BY pg.rn";
/* clang-format on */

/*
 * Newest first: one range of item_tag_list_idx (tag, publish_at, item),
 * whatever the tag's frequency; the placements are probed only for the
 * items of the page.
 */
static const char tag_items_sql[] =
    "WITH hits AS ("
    "  SELECT it.item_id, it.publish_at FROM item_tag it "
    "   WHERE it.tag_id = $1 AND it.publish_at IS NOT NULL "
    "     AND ($2::bigint IS NULL OR it.site_id = $2) "
    "     AND EXISTS (SELECT 1 FROM placement p WHERE p.item_id = it.item_id "
    "                 AND p.state = 'published') "
    "   ORDER BY it.publish_at DESC, it.item_id DESC OFFSET $3 LIMIT $4) "
    "SELECT i.id, i.site_id, "
    "       (SELECT pp.column_id FROM placement pp WHERE pp.item_id = i.id AND pp.is_primary), "
    "       i.kind, i.title, i.summary, i.source, extract(epoch FROM h.publish_at)::bigint, "
    "       to_char(h.publish_at AT TIME ZONE s.time_zone, 'YYYY-MM-DD HH24:MI') "
    "  FROM hits h JOIN item i ON i.id = h.item_id JOIN site s ON s.id = i.site_id "
    " ORDER BY h.publish_at DESC, h.item_id DESC";

/*
 * The item's row, and as JSON: its tags, its relations both ways, and the
 * columns showing it: its placements, the list columns above its published
 * placements (a list shows its descendants), and the columns reusing any
 * of those (chains followed) that neither filter it out nor hide it.
 */
static const char item_sql[] =
    "WITH RECURSIVE it AS (SELECT * FROM item WHERE id = $1), "
    "placed AS (SELECT p.column_id, p.site_id, p.state, p.is_primary, p.pinned_until, "
    "                  p.published_at, c.path "
    "             FROM placement p JOIN site_column c ON c.id = p.column_id WHERE p.item_id = $1), "
    "contains AS (SELECT DISTINCT ON (a.id) a.id, pl.column_id AS via FROM placed pl "
    "               JOIN site_column a ON a.site_id = pl.site_id AND starts_with(pl.path, a.path || '/') "
    "              WHERE pl.state = 'published' AND a.kind IN ('list', 'topic') "
    "                AND a.reuse_column_id IS NULL ORDER BY a.id, pl.column_id), "
    "listing AS (SELECT column_id AS id FROM placed WHERE state = 'published' "
    "            UNION SELECT id FROM contains), "
    "reusers (id, via, hop) AS ("
    "   SELECT c.id, l.id, 1 FROM listing l JOIN site_column c ON c.reuse_column_id = l.id "
    "   UNION ALL "
    "   SELECT c.id, r.id, r.hop + 1 FROM reusers r JOIN site_column c ON c.reuse_column_id = r.id "
    "    WHERE r.hop < 16), "
    "tv AS (SELECT coalesce(array_to_tsvector(array_agg(tag_id::text)), ''::tsvector) AS v "
    "         FROM item_tag WHERE item_id = $1), "
    "reused AS (SELECT DISTINCT ON (r.id) r.id, r.via FROM reusers r "
    "             JOIN site_column c ON c.id = r.id CROSS JOIN it CROSS JOIN tv "
    "            WHERE (c.reuse_kinds = '{}' OR it.kind = ANY (c.reuse_kinds)) "
    "              AND (c.reuse_tag_filter IS NULL OR tv.v @@ jy_tag_expr_tsquery(c.reuse_tag_filter)) "
    "              AND NOT EXISTS (SELECT 1 FROM placement_hidden h "
    "                               WHERE h.column_id = r.id AND h.item_id = $1) "
    "            ORDER BY r.id, r.hop), "
    "showing AS (SELECT 0 AS how, column_id AS id, NULL::bigint AS via, state, is_primary, "
    "                   coalesce(pinned_until > now(), false) AS pinned, published_at FROM placed "
    "            UNION ALL SELECT 1, id, via, NULL, false, false, NULL FROM contains "
    "            UNION ALL SELECT 2, id, via, NULL, false, false, NULL FROM reused) "
    "SELECT i.id, i.site_id, i.unit_id, i.kind, i.title, i.subtitle, i.summary, i.author, "
    "       i.source, i.publisher, i.subject, i.body, i.link_url, i.index_no, i.doc_no, i.issuer, "
    "       i.written_on, i.issued_on, i.effective_on, i.validity, i.validity_on, i.validity_by, "
    "       extract(epoch FROM i.publish_at)::bigint, "
    "       to_char(i.publish_at AT TIME ZONE st.time_zone, 'YYYY-MM-DD HH24:MI'), i.revision, "
    "       extract(epoch FROM i.updated_at)::bigint, i.metadata, to_json(i.keywords), "
    "       (SELECT json_agg(t.name ORDER BY x.sort, t.name) FROM item_tag x "
    "          JOIN tag t ON t.id = x.tag_id WHERE x.item_id = $1), "
    "       (SELECT json_agg(json_build_object('out', r.out, 'kind', r.kind, 'id', o.id, "
    "                                          'item_kind', o.kind, 'title', o.title) "
    "                        ORDER BY r.out DESC, r.kind, r.sort, o.id) "
    "          FROM (SELECT true AS out, kind, to_id AS other, sort FROM item_relation "
    "                 WHERE from_id = $1 "
    "                UNION ALL SELECT false, kind, from_id, sort FROM item_relation "
    "                 WHERE to_id = $1) r JOIN item o ON o.id = r.other), "
    "       (SELECT json_agg(json_build_object('how', s.how, 'column_id', c.id, 'site_id', ss.id, "
    "                 'via', s.via, 'path', c.path, 'name', c.name, 'site_code', ss.code, "
    "                 'site_name', ss.name, 'state', s.state, 'primary', s.is_primary, "
    "                 'pinned', s.pinned, 'published_at', extract(epoch FROM s.published_at)::bigint) "
    "                        ORDER BY s.how, ss.id, c.path) "
    "          FROM showing s JOIN site_column c ON c.id = s.id JOIN site ss ON ss.id = c.site_id) "
    "  FROM it i JOIN site st ON st.id = i.site_id";

/* Depth first, siblings by sort then id: a path of (sort, id) pairs orders the tree. */
static const char column_tree_sql[] =
    "WITH RECURSIVE t AS ("
    "  SELECT c.id, 0 AS depth, ARRAY[c.sort::bigint, c.id] AS ord FROM site_column c "
    "   WHERE c.site_id = $1 AND c.parent_id IS NULL "
    "  UNION ALL "
    "  SELECT c.id, t.depth + 1, t.ord || ARRAY[c.sort::bigint, c.id] "
    "    FROM t JOIN site_column c ON c.site_id = $1 AND c.parent_id = t.id WHERE t.depth < 64) "
    "SELECT s.id, c.id, c.parent_id, t.depth, c.code, c.path, c.std_code, c.name, c.kind, c.sort, "
    "       c.in_nav, c.page_size, c.item_order, c.url, c.description, c.keywords, c.unit_id, "
    "       c.reuse_column_id, rc.site_id, rs.code, rc.path, c.reuse_tag_filter "
    "  FROM site s LEFT JOIN (t JOIN site_column c ON c.id = t.id "
    "       LEFT JOIN site_column rc ON rc.id = c.reuse_column_id "
    "       LEFT JOIN site rs ON rs.id = rc.site_id) ON true "
    " WHERE s.id = $1 ORDER BY t.ord";


const char *
jy_query_sql(enum jy_query_stmt s)
{
    switch (s) {
    case JY_QUERY_SQL_COLUMN_ITEMS:
        return column_items_sql;
    case JY_QUERY_SQL_TAG_ITEMS:
        return tag_items_sql;
    case JY_QUERY_SQL_ITEM:
        return item_sql;
    case JY_QUERY_SQL_COLUMN_TREE:
        return column_tree_sql;
    }
    return NULL;
}


/* ---- helpers --------------------------------------------------------------------------------- */

static long long
num(const struct jy_db_res *r, int row, int col)
{
    const char *v = jy_db_res_get(r, row, col);
    return v ? strtoll(v, NULL, 10) : 0;
}


/* A copy in pool of a value, NULL for SQL NULL: the result is cleared when the call returns. */
static const char *
str(struct jy_pool *pool, const struct jy_db_res *r, int row, int col)
{
    const char *v = jy_db_res_get(r, row, col);
    return v ? jy_pool_strndup(pool, v, jy_db_res_len(r, row, col)) : NULL;
}


static bool
truth(const struct jy_db_res *r, int row, int col)
{
    const char *v = jy_db_res_get(r, row, col);
    return v && v[0] == 't';
}


/* A pool for the database results of one call, freed before it returns. */
static struct jy_pool *
scratch(void)
{
    return jy_pool_create(0);
}


static int
check_page(int page, int page_size, struct jy_err *err)
{
    if (page < 1) {
        jy_err_set(err, JY_E_INVALID, "page %d: pages count from 1", page);
        jy_err_field(err, "page");
        return JY_ERROR;
    }
    if (page_size < 0 || page_size > JY_QUERY_MAX_PAGE_SIZE) {
        jy_err_set(err, JY_E_INVALID, "page size %d is not between 1 and %d", page_size,
                   JY_QUERY_MAX_PAGE_SIZE);
        jy_err_field(err, "page_size");
        return JY_ERROR;
    }
    if ((long long) (page - 1) * (page_size ? page_size : JY_QUERY_MAX_PAGE_SIZE) >
        JY_QUERY_MAX_OFFSET) {
        jy_err_set(err, JY_E_INVALID, "page %d is too deep: lists go to item %d", page,
                   JY_QUERY_MAX_OFFSET);
        jy_err_field(err, "page");
        return JY_ERROR;
    }
    return JY_OK;
}


/* ---- lists ----------------------------------------------------------------------------------- */

int
jy_query_column_items(struct jy_db *db, struct jy_pool *pool, long long column_id, int page,
                      int page_size, struct jy_query_page *out, struct jy_err *err)
{
    struct jy_pool *tmp;
    struct jy_db_res *r;
    char id[24], pg[24], size[24];
    const char *p[3] = {id, pg, size};
    int rows, i, n;

    memset(out, 0, sizeof(*out));
    if (check_page(page, page_size, err) != JY_OK)
        return JY_ERROR;
    snprintf(id, sizeof(id), "%lld", column_id);
    snprintf(pg, sizeof(pg), "%d", page);
    snprintf(size, sizeof(size), "%d", page_size);
    tmp = scratch();
    r = jy_db_query(db, tmp, column_items_sql, 3, p, err);
    if (r == NULL) {
        jy_pool_destroy(tmp);
        return JY_ERROR;
    }
    rows = jy_db_res_rows(r);
    if (rows == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "no column %lld", column_id);
        jy_err_field(err, "column");
        jy_pool_destroy(tmp);
        return JY_ERROR;
    }
    out->page = page;
    out->page_size = (int) num(r, 0, 1);
    n = jy_db_res_get(r, 0, 2) ? rows : 0; /* one row of NULLs: an empty page */
    out->has_more = n > out->page_size;
    if (out->has_more)
        n = out->page_size;
    out->v = jy_pool_new_array(pool, struct jy_query_entry, (size_t) (n ? n : 1));
    for (i = 0; i < n; i++) {
        struct jy_query_entry *e = &out->v[i];
        e->item_id = num(r, i, 2);
        e->site_id = num(r, i, 3);
        e->column_id = num(r, i, 4);
        e->primary_column_id = num(r, i, 5);
        e->kind = str(pool, r, i, 6);
        e->title = str(pool, r, i, 7);
        e->summary = str(pool, r, i, 8);
        e->source = str(pool, r, i, 9);
        e->published_at = num(r, i, 10);
        e->pub_date = str(pool, r, i, 11);
        e->pinned = truth(r, i, 12);
    }
    out->n = n;
    jy_pool_destroy(tmp);
    return JY_OK;
}


int
jy_query_tag_items(struct jy_db *db, struct jy_pool *pool, long long tag_id, long long site_id,
                   int page, int page_size, struct jy_query_page *out, struct jy_err *err)
{
    struct jy_pool *tmp;
    struct jy_db_res *r;
    char tag[24], site[24], off[24], lim[24];
    const char *p[4] = {tag, site, off, lim};
    int rows, i;

    memset(out, 0, sizeof(*out));
    if (check_page(page, page_size, err) != JY_OK)
        return JY_ERROR;
    if (page_size == 0)
        page_size = 20;
    snprintf(tag, sizeof(tag), "%lld", tag_id);
    snprintf(site, sizeof(site), "%lld", site_id);
    if (site_id == 0)
        p[1] = NULL;
    snprintf(off, sizeof(off), "%d", (page - 1) * page_size);
    snprintf(lim, sizeof(lim), "%d", page_size + 1);
    tmp = scratch();
    r = jy_db_query(db, tmp, tag_items_sql, 4, p, err);
    if (r == NULL) {
        jy_pool_destroy(tmp);
        return JY_ERROR;
    }
    rows = jy_db_res_rows(r);
    out->page = page;
    out->page_size = page_size;
    out->has_more = rows > page_size;
    out->n = out->has_more ? page_size : rows;
    out->v = jy_pool_new_array(pool, struct jy_query_entry, (size_t) (out->n ? out->n : 1));
    for (i = 0; i < out->n; i++) {
        struct jy_query_entry *e = &out->v[i];
        e->item_id = num(r, i, 0);
        e->site_id = num(r, i, 1);
        e->primary_column_id = num(r, i, 2);
        e->column_id = e->primary_column_id;
        e->kind = str(pool, r, i, 3);
        e->title = str(pool, r, i, 4);
        e->summary = str(pool, r, i, 5);
        e->source = str(pool, r, i, 6);
        e->published_at = num(r, i, 7);
        e->pub_date = str(pool, r, i, 8);
    }
    jy_pool_destroy(tmp);
    return JY_OK;
}


/* ---- one item -------------------------------------------------------------------------------- */

/* Parse a JSON array column into a tree owned by pool; NULL (no rows) gives an empty node. */
static int
json_column(struct jy_pool *pool, const struct jy_db_res *r, int col, struct jy_json_node *node,
            size_t *n, struct jy_err *err)
{
    const char *v = jy_db_res_get(r, 0, col);
    struct cJSON *tree;

    memset(node, 0, sizeof(*node));
    *n = 0;
    if (v == NULL)
        return JY_OK;
    tree = jy_json_parse(pool, v, jy_db_res_len(r, 0, col), err);
    if (tree == NULL)
        return JY_ERROR;
    jy_json_root(node, tree);
    *n = (size_t) cJSON_GetArraySize(tree);
    return JY_OK;
}


static const char *
jstr(struct jy_pool *pool, const struct jy_json_node *n, const char *key)
{
    const char *v = NULL;
    struct jy_err ignored = JY_ERR_INIT;

    if (jy_json_get_str(n, key, false, &v, &ignored) != JY_OK || v == NULL)
        return NULL;
    return jy_pool_strdup(pool, v);
}


static long long
jint(const struct jy_json_node *n, const char *key)
{
    long long v = 0;
    struct jy_err ignored = JY_ERR_INIT;

    jy_json_get_int(n, key, false, -9007199254740991LL, 9007199254740991LL, &v, &ignored);
    return v;
}


static bool
jbool(const struct jy_json_node *n, const char *key)
{
    bool v = false;
    struct jy_err ignored = JY_ERR_INIT;

    jy_json_get_bool(n, key, false, &v, &ignored);
    return v;
}


static int
item_lists(struct jy_pool *pool, const struct jy_db_res *r, struct jy_query_item *it,
           struct jy_err *err)
{
    struct jy_json_node arr, el;
    size_t n;

    /* keywords and tags: arrays of strings */
    if (json_column(pool, r, 27, &arr, &n, err) != JY_OK)
        return JY_ERROR;
    it->keywords = jy_pool_new_array(pool, const char *, n + 1);
    for (jy_json_first(&arr, &el); el.item; jy_json_next(&el))
        if ((it->keywords[it->nkeywords] = jstr(pool, &el, NULL)) != NULL)
            it->nkeywords++;
    if (json_column(pool, r, 28, &arr, &n, err) != JY_OK)
        return JY_ERROR;
    it->tags = jy_pool_new_array(pool, const char *, n + 1);
    for (jy_json_first(&arr, &el); el.item; jy_json_next(&el))
        if ((it->tags[it->ntags] = jstr(pool, &el, NULL)) != NULL)
            it->ntags++;

    if (json_column(pool, r, 29, &arr, &n, err) != JY_OK)
        return JY_ERROR;
    it->relations = jy_pool_new_array(pool, struct jy_query_relation, n + 1);
    for (jy_json_first(&arr, &el); el.item; jy_json_next(&el)) {
        struct jy_query_relation *x = &it->relations[it->nrelations++];
        x->outgoing = jbool(&el, "out");
        x->kind = jstr(pool, &el, "kind");
        x->item_id = jint(&el, "id");
        x->item_kind = jstr(pool, &el, "item_kind");
        x->title = jstr(pool, &el, "title");
    }

    if (json_column(pool, r, 30, &arr, &n, err) != JY_OK)
        return JY_ERROR;
    it->showing = jy_pool_new_array(pool, struct jy_query_showing, n + 1);
    for (jy_json_first(&arr, &el); el.item; jy_json_next(&el)) {
        struct jy_query_showing *s = &it->showing[it->nshowing++];
        s->how = (enum jy_query_how) jint(&el, "how");
        s->column_id = jint(&el, "column_id");
        s->site_id = jint(&el, "site_id");
        s->via_column_id = jint(&el, "via");
        s->column_path = jstr(pool, &el, "path");
        s->column_name = jstr(pool, &el, "name");
        s->site_code = jstr(pool, &el, "site_code");
        s->site_name = jstr(pool, &el, "site_name");
        s->state = jstr(pool, &el, "state");
        s->is_primary = jbool(&el, "primary");
        s->pinned = jbool(&el, "pinned");
        s->published_at = jint(&el, "published_at");
    }
    return JY_OK;
}


int
jy_query_item(struct jy_db *db, struct jy_pool *pool, long long item_id, struct jy_query_item *out,
              struct jy_err *err)
{
    struct jy_pool *tmp = scratch();
    struct jy_db_res *r;
    char id[24];
    const char *p[1] = {id};
    struct cJSON *meta;
    int rc = JY_ERROR;

    memset(out, 0, sizeof(*out));
    snprintf(id, sizeof(id), "%lld", item_id);
    r = jy_db_query(db, tmp, item_sql, 1, p, err);
    if (r == NULL)
        goto out;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "no item %lld", item_id);
        jy_err_field(err, "item");
        goto out;
    }
    out->id = num(r, 0, 0);
    out->site_id = num(r, 0, 1);
    out->unit_id = num(r, 0, 2);
    out->kind = str(pool, r, 0, 3);
    out->title = str(pool, r, 0, 4);
    out->subtitle = str(pool, r, 0, 5);
    out->summary = str(pool, r, 0, 6);
    out->author = str(pool, r, 0, 7);
    out->source = str(pool, r, 0, 8);
    out->publisher = str(pool, r, 0, 9);
    out->subject = str(pool, r, 0, 10);
    out->body = str(pool, r, 0, 11);
    out->link_url = str(pool, r, 0, 12);
    out->index_no = str(pool, r, 0, 13);
    out->doc_no = str(pool, r, 0, 14);
    out->issuer = str(pool, r, 0, 15);
    out->written_on = str(pool, r, 0, 16);
    out->issued_on = str(pool, r, 0, 17);
    out->effective_on = str(pool, r, 0, 18);
    out->validity = str(pool, r, 0, 19);
    out->validity_on = str(pool, r, 0, 20);
    out->validity_by = num(r, 0, 21);
    out->publish_at = num(r, 0, 22);
    out->pub_date = str(pool, r, 0, 23);
    out->revision = (int) num(r, 0, 24);
    out->updated_at = num(r, 0, 25);
    out->metadata_json = str(pool, r, 0, 26);
    meta = jy_json_parse(pool, out->metadata_json, strlen(out->metadata_json), err);
    if (meta == NULL)
        goto out;
    out->metadata = meta;
    if (item_lists(pool, r, out, err) != JY_OK)
        goto out;
    rc = JY_OK;
out:
    jy_pool_destroy(tmp);
    return rc;
}


/* ---- the column tree ------------------------------------------------------------------------- */

int
jy_query_column_tree(struct jy_db *db, struct jy_pool *pool, long long site_id,
                     struct jy_query_column **out, int *n, struct jy_err *err)
{
    struct jy_pool *tmp = scratch();
    struct jy_db_res *r;
    char id[24];
    const char *p[1] = {id};
    struct jy_query_column *v;
    int rows, i, k, count;

    *out = NULL;
    *n = 0;
    snprintf(id, sizeof(id), "%lld", site_id);
    r = jy_db_query(db, tmp, column_tree_sql, 1, p, err);
    if (r == NULL) {
        jy_pool_destroy(tmp);
        return JY_ERROR;
    }
    rows = jy_db_res_rows(r);
    if (rows == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "no site %lld", site_id);
        jy_err_field(err, "site");
        jy_pool_destroy(tmp);
        return JY_ERROR;
    }
    count = jy_db_res_get(r, 0, 1) ? rows : 0;
    v = jy_pool_new_array(pool, struct jy_query_column, (size_t) (count ? count : 1));
    for (i = 0; i < count; i++) {
        struct jy_query_column *c = &v[i];
        c->id = num(r, i, 1);
        c->parent_id = num(r, i, 2);
        c->depth = (int) num(r, i, 3);
        c->code = str(pool, r, i, 4);
        c->path = str(pool, r, i, 5);
        c->std_code = str(pool, r, i, 6);
        c->name = str(pool, r, i, 7);
        c->kind = str(pool, r, i, 8);
        c->sort = (int) num(r, i, 9);
        c->in_nav = truth(r, i, 10);
        c->page_size = (int) num(r, i, 11);
        c->item_order = str(pool, r, i, 12);
        c->url = str(pool, r, i, 13);
        c->description = str(pool, r, i, 14);
        c->keywords = str(pool, r, i, 15);
        c->unit_id = num(r, i, 16);
        c->reuse_column_id = num(r, i, 17);
        c->reuse_site_id = num(r, i, 18);
        c->reuse_site_code = str(pool, r, i, 19);
        c->reuse_path = str(pool, r, i, 20);
        c->reuse_tag_filter = str(pool, r, i, 21);
        /* the parent came earlier (depth first): the nearest one above with its id */
        c->parent = -1;
        for (k = i - 1; c->parent_id && k >= 0; k--)
            if (v[k].id == c->parent_id) {
                c->parent = k;
                break;
            }
    }
    *out = v;
    *n = count;
    jy_pool_destroy(tmp);
    return JY_OK;
}
