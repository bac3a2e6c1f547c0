/*
 * query_test.c - the query API of the renderer and the server (core/query.h)
 * on the small benchmark corpus: shared-column semantics (a new item of the
 * province column is on every reusing county list at once, hiding is local),
 * pinning, paging, filters, one item in full, the column tree, and the plans
 * of the hot statements (EXPLAIN: index scans, no sort of a whole table).
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/import.h"
#include "core/pool.h"
#include "core/query.h"
#include "tests/test.h"

#include <cjson/cJSON.h>

static char corpus[512];

struct env {
    struct jy_pool *pool;
    struct jy_db *db;
};


static void
env_open(struct env *e)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_import_opts o;
    struct jy_import_result r;

    if (corpus[0] == '\0') {
        const char *dir = jy_test_tmpdir();
        if (jy_test_system("python3 '%s' --scale small --out '%s' 2>/dev/null",
                           jy_test_path("../shared/bench/make_corpus.py"), dir) != 0)
            jy_test_fail(__FILE__, __LINE__, "make_corpus.py failed");
        snprintf(corpus, sizeof(corpus), "%s", dir);
    }
    e->pool = jy_pool_create(0);
    e->db = jy_db_connect(jy_test_db_create(true), &err);
    T_ASSERT(e->db != NULL);
    memset(&o, 0, sizeof(o));
    o.dir = corpus;
    if (jy_import_corpus(e->db, e->pool, &o, &r, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "import: %s", err.msg);
    T_ASSERT(jy_db_exec(e->db, "ANALYZE", &err) == JY_OK);
}


static void
env_close(struct env *e)
{
    jy_db_close(e->db);
    jy_pool_destroy(e->pool);
}


static const char *value(struct env *e, const char *fmt, ...) JY_PRINTF(2, 3);

static const char *
value(struct env *e, const char *fmt, ...)
{
    struct jy_err err = JY_ERR_INIT;
    char sql[2048];
    va_list ap;
    const char *v;

    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    v = jy_db_query_value(e->db, e->pool, sql, 0, NULL, &err);
    if (v == NULL && err.code != JY_E_NONE)
        jy_test_fail(__FILE__, __LINE__, "%s: %s", sql, err.msg);
    return v ? v : "";
}


/* The platform id of corpus column / site / item ext. */
static long long
local(struct env *e, const char *kind, long long ext)
{
    return atoll(
        value(e, "SELECT local_id FROM import_key WHERE kind = '%s' AND ext_id = %lld", kind, ext));
}


static struct jy_query_page
list(struct env *e, long long column, int page, int size)
{
    struct jy_query_page pg;
    struct jy_err err = JY_ERR_INIT;

    if (jy_query_column_items(e->db, e->pool, column, page, size, &pg, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "list of column %lld: %s", column, err.msg);
    return pg;
}


/* Item ids of a whole list, page by page, as "1,2,3". */
static const char *
list_ids(struct env *e, long long column, int size)
{
    struct jy_buf b = JY_BUF_INIT(e->pool);
    int page = 1, i;

    for (;;) {
        struct jy_query_page pg = list(e, column, page, size);
        for (i = 0; i < pg.n; i++)
            jy_buf_addf(&b, "%s%lld", b.len ? "," : "", pg.v[i].item_id);
        if (!pg.has_more)
            break;
        T_EQ_INT(pg.n, size);
        page++;
    }
    return b.buf;
}


/* A new published article in column (of its site), published now. */
static long long
new_item(struct env *e, long long column, const char *title)
{
    long long id =
        atoll(value(e,
                    "INSERT INTO item (site_id, kind, title, publish_at) SELECT site_id, "
                    "'article', '%s', now() FROM site_column WHERE id = %lld RETURNING id",
                    title, column));
    value(e,
          "INSERT INTO placement (item_id, column_id, site_id, state, published_at, is_primary) "
          "SELECT %lld, id, site_id, 'published', now(), true FROM site_column WHERE id = %lld",
          id, column);
    return id;
}


static void
test_new_item_is_on_every_reusing_list_at_once(void)
{
    struct env e;
    long long prov = 0, item, reusers[3];
    static const long long county_cols[3] = {59, 79, 99};
    int i;

    env_open(&e);
    prov = local(&e, "column", 6);
    for (i = 0; i < 3; i++)
        reusers[i] = local(&e, "column", county_cols[i]);
    /* before: every county lists the province column's 15 items, in the same order */
    T_EQ_STR(list_ids(&e, reusers[0], 20), list_ids(&e, prov, 20));
    T_EQ_INT(list(&e, reusers[1], 1, 20).n, 15);
    item = new_item(&e, prov, "新发布的省政府文件");
    for (i = 0; i < 3; i++) {
        struct jy_query_page pg = list(&e, reusers[i], 1, 20);
        T_EQ_INT(pg.n, 16);
        T_EQ_INT(pg.v[0].item_id, item);
        T_EQ_INT(pg.v[0].column_id, prov);
        T_EQ_INT(pg.v[0].primary_column_id, prov);
        T_EQ_STR(pg.v[0].title, "新发布的省政府文件");
        T_ASSERT(!pg.v[0].pinned);
    }
    T_EQ_INT(list(&e, prov, 1, 20).v[0].item_id, item);
    env_close(&e);
}


static void
test_hiding_is_local(void)
{
    struct env e;
    long long prov, a, b, item;

    env_open(&e);
    prov = local(&e, "column", 6);
    a = local(&e, "column", 59);
    b = local(&e, "column", 79);
    item = new_item(&e, prov, "只在一个县隐藏");
    value(&e,
          "INSERT INTO placement_hidden (column_id, site_id, item_id) SELECT id, site_id, %lld "
          "FROM site_column WHERE id = %lld",
          item, a);
    T_ASSERT(list(&e, a, 1, 20).v[0].item_id != item);
    T_EQ_INT(list(&e, a, 1, 20).n, 15);
    T_EQ_INT(list(&e, b, 1, 20).v[0].item_id, item);
    T_EQ_INT(list(&e, prov, 1, 20).v[0].item_id, item);
    env_close(&e);
}


static void
test_pinned_first_then_newest(void)
{
    struct env e;
    long long prov, county, oldest, item;
    struct jy_query_page pg;
    int i;

    env_open(&e);
    prov = local(&e, "column", 6);
    county = local(&e, "column", 99);
    item = new_item(&e, prov, "最新");
    oldest = atoll(value(&e,
                         "SELECT item_id FROM placement WHERE column_id = %lld "
                         "ORDER BY published_at, item_id LIMIT 1",
                         prov));
    value(&e,
          "UPDATE placement SET pinned_until = now() + interval '1 day' "
          "WHERE column_id = %lld AND item_id = %lld",
          prov, oldest);
    pg = list(&e, county, 1, 20);
    T_EQ_INT(pg.v[0].item_id, oldest);
    T_ASSERT(pg.v[0].pinned);
    T_EQ_INT(pg.v[1].item_id, item);
    for (i = 2; i < pg.n; i++)
        T_ASSERT(pg.v[i - 1].published_at > pg.v[i].published_at ||
                 (pg.v[i - 1].published_at == pg.v[i].published_at &&
                  pg.v[i - 1].item_id > pg.v[i].item_id));
    /* a pin that ran out is an ordinary item again */
    value(&e, "UPDATE placement SET pinned_until = now() - interval '1 day' WHERE item_id = %lld",
          oldest);
    pg = list(&e, county, 1, 20);
    T_EQ_INT(pg.v[0].item_id, item);
    T_EQ_INT(pg.v[pg.n - 1].item_id, oldest);
    env_close(&e);
}


static void
test_paging(void)
{
    struct env e;
    long long prov;
    struct jy_query_page pg;
    struct jy_err err = JY_ERR_INIT;
    const char *ref;

    env_open(&e);
    prov = local(&e, "column", 6);
    ref = value(&e,
                "SELECT string_agg(item_id::text, ',' ORDER BY published_at DESC, item_id DESC) "
                "FROM placement WHERE column_id = %lld AND state = 'published'",
                prov);
    T_EQ_STR(list_ids(&e, prov, 4), ref);
    T_EQ_STR(list_ids(&e, prov, 15), ref);
    T_EQ_STR(list_ids(&e, prov, 1), ref);
    pg = list(&e, prov, 4, 4);
    T_EQ_INT(pg.n, 3);
    T_ASSERT(!pg.has_more);
    pg = list(&e, prov, 1, 15);
    T_EQ_INT(pg.n, 15);
    T_ASSERT(!pg.has_more);
    pg = list(&e, prov, 9, 4);
    T_EQ_INT(pg.n, 0);
    /* the column's own page size when none is asked for */
    value(&e, "UPDATE site_column SET page_size = 6 WHERE id = %lld", prov);
    pg = list(&e, prov, 2, 0);
    T_EQ_INT(pg.page_size, 6);
    T_EQ_INT(pg.n, 6);
    T_ASSERT(pg.has_more);
    T_EQ_INT(jy_query_column_items(e.db, e.pool, prov, 0, 20, &pg, &err), JY_ERROR);
    T_EQ_STR(err.field, "page");
    T_EQ_INT(jy_query_column_items(e.db, e.pool, prov, 1, 201, &pg, &err), JY_ERROR);
    T_EQ_STR(err.field, "page_size");
    T_EQ_INT(jy_query_column_items(e.db, e.pool, 987654321, 1, 20, &pg, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    env_close(&e);
}


static void
test_parent_lists_descendants_once_not_shared_ones(void)
{
    struct env e;
    long long zwgk, zcwj, zcjd, item;
    const char *ref;

    env_open(&e);
    zwgk = local(&e, "column", 44); /* 德河区 政务公开, parent of 省政府文件 (shared) */
    zcwj = local(&e, "column", 46);
    zcjd = local(&e, "column", 47);
    /* one item in two descendants: listed once */
    item = new_item(&e, zcwj, "两处发布");
    value(&e,
          "INSERT INTO placement (item_id, column_id, site_id, state, published_at) "
          "SELECT %lld, id, site_id, 'published', now() - interval '1 hour' FROM site_column "
          "WHERE id = %lld",
          item, zcjd);
    ref =
        value(&e,
              "SELECT string_agg(item_id::text, ',' ORDER BY pub DESC, item_id DESC) FROM ("
              "SELECT p.item_id, max(p.published_at) AS pub FROM placement p "
              "JOIN site_column c ON c.id = p.column_id JOIN site_column top ON top.id = %lld "
              "WHERE c.site_id = top.site_id AND (c.id = top.id OR c.path LIKE top.path || '/%%') "
              "AND c.reuse_column_id IS NULL AND p.state = 'published' GROUP BY 1) x",
              zwgk);
    T_EQ_STR(list_ids(&e, zwgk, 7), ref);
    T_EQ_INT(list(&e, zwgk, 1, 20).v[0].item_id, item);
    /* nothing of the province's shared columns is in the county's 政务公开 */
    T_EQ_STR(value(&e,
                   "SELECT count(*) FROM placement WHERE column_id = %lld AND item_id = ANY "
                   "(string_to_array('%s', ',')::bigint[])",
                   local(&e, "column", 6), ref),
             "0");
    env_close(&e);
}


static void
test_reuse_filters(void)
{
    struct env e;
    long long prov, county;
    struct jy_query_page pg;
    const char *tag;
    int i;

    env_open(&e);
    prov = local(&e, "column", 6);
    county = local(&e, "column", 79);
    /* the most frequent tag of the province column */
    tag = value(&e,
                "SELECT t.name FROM placement p JOIN item_tag x ON x.item_id = p.item_id "
                "JOIN tag t ON t.id = x.tag_id WHERE p.column_id = %lld "
                "GROUP BY t.name ORDER BY count(*) DESC, t.name LIMIT 1",
                prov);
    tag = jy_pool_strdup(e.pool, tag);
    value(&e, "UPDATE site_column SET reuse_tag_filter = '%s' WHERE id = %lld", tag, county);
    T_EQ_STR(list_ids(&e, county, 20),
             value(&e,
                   "SELECT string_agg(p.item_id::text, ',' ORDER BY p.published_at DESC, "
                   "p.item_id DESC) FROM placement p WHERE p.column_id = %lld AND EXISTS (SELECT 1 "
                   "FROM item_tag x JOIN tag t ON t.id = x.tag_id WHERE x.item_id = p.item_id "
                   "AND t.name = '%s')",
                   prov, tag));
    value(&e, "UPDATE site_column SET reuse_tag_filter = 'NOT %s' WHERE id = %lld", tag, county);
    pg = list(&e, county, 1, 20);
    T_ASSERT(pg.n > 0 && pg.n < 15);
    for (i = 0; i < pg.n; i++)
        T_EQ_STR(value(&e,
                       "SELECT count(*) FROM item_tag x JOIN tag t ON t.id = x.tag_id "
                       "WHERE x.item_id = %lld AND t.name = '%s'",
                       pg.v[i].item_id, tag),
                 "0");
    /* kinds: only policy documents */
    value(
        &e,
        "UPDATE site_column SET reuse_tag_filter = NULL, reuse_kinds = '{policy}' WHERE id = %lld",
        county);
    pg = list(&e, county, 1, 20);
    T_EQ_INT(pg.n, atoll(value(&e,
                               "SELECT count(*) FROM placement p JOIN item i ON i.id = p.item_id "
                               "WHERE p.column_id = %lld AND i.kind = 'policy'",
                               prov)));
    for (i = 0; i < pg.n; i++)
        T_EQ_STR(pg.v[i].kind, "policy");
    /* the other counties are not filtered */
    T_EQ_INT(list(&e, local(&e, "column", 59), 1, 20).n, 15);
    env_close(&e);
}


/* The province column's published items in an SQL order, as "1,2,3". */
static const char *
ref_order(struct env *e, long long column, const char *order)
{
    return value(e,
                 "SELECT string_agg(p.item_id::text, ',' ORDER BY %s) FROM placement p "
                 "JOIN item i ON i.id = p.item_id WHERE p.column_id = %lld "
                 "AND p.state = 'published'",
                 order, column);
}


static void
test_item_order_of_the_column(void)
{
    struct env e;
    long long prov, county, other;

    env_open(&e);
    prov = local(&e, "column", 6);
    county = local(&e, "column", 59);
    other = local(&e, "column", 79);
    value(&e, "UPDATE placement SET sort = (item_id * 7) %% 5 WHERE column_id = %lld", prov);
    /* each order on the source column itself, paged through in small pages */
    value(&e, "UPDATE site_column SET item_order = 'publish_asc' WHERE id = %lld", prov);
    T_EQ_STR(list_ids(&e, prov, 4), ref_order(&e, prov, "p.published_at, p.item_id"));
    value(&e, "UPDATE site_column SET item_order = 'sort' WHERE id = %lld", prov);
    T_EQ_STR(list_ids(&e, prov, 4),
             ref_order(&e, prov, "p.sort, p.published_at DESC, p.item_id DESC"));
    value(&e, "UPDATE site_column SET item_order = 'title' WHERE id = %lld", prov);
    T_EQ_STR(list_ids(&e, prov, 4),
             ref_order(&e, prov, "i.title COLLATE jy_pinyin, p.published_at DESC, p.item_id DESC"));
    value(&e, "UPDATE site_column SET item_order = 'publish_desc' WHERE id = %lld", prov);
    T_EQ_STR(list_ids(&e, prov, 4), ref_order(&e, prov, "p.published_at DESC, p.item_id DESC"));
    /* a reusing column lists in its own order, whatever the source's */
    value(&e, "UPDATE site_column SET item_order = 'title' WHERE id = %lld", prov);
    value(&e, "UPDATE site_column SET item_order = 'publish_asc' WHERE id = %lld", county);
    value(&e, "UPDATE site_column SET item_order = 'sort' WHERE id = %lld", other);
    T_EQ_STR(list_ids(&e, county, 4), ref_order(&e, prov, "p.published_at, p.item_id"));
    T_EQ_STR(list_ids(&e, other, 6),
             ref_order(&e, prov, "p.sort, p.published_at DESC, p.item_id DESC"));
    T_EQ_STR(list_ids(&e, local(&e, "column", 99), 20),
             ref_order(&e, prov, "p.published_at DESC, p.item_id DESC"));
    env_close(&e);
}


static void
test_title_order_is_pinyin_and_pins_come_first(void)
{
    struct env e;
    long long prov, county, zhong, bei, an, a_z, pin1, pin2;
    struct jy_query_page pg;
    const char *orders[4] = {"publish_desc", "publish_asc", "sort", "title"};
    int k;

    env_open(&e);
    prov = local(&e, "column", 6);
    county = local(&e, "column", 59);
    /* code points put 中 (U+4E2D) before 北 (U+5317) before 安 (U+5B89); pinyin the reverse */
    zhong = new_item(&e, prov, "中央文件精神传达");
    bei = new_item(&e, prov, "北部片区规划");
    an = new_item(&e, prov, "安全生产通知");
    a_z = new_item(&e, prov, "2024年工作要点");
    value(&e, "UPDATE site_column SET item_order = 'title' WHERE id = %lld", county);
    pg = list(&e, county, 1, 20);
    T_EQ_INT(pg.v[0].item_id, a_z); /* digits before letters */
    T_EQ_INT(pg.v[1].item_id, an);
    {
        int i, ib = -1, iz = -1;
        for (i = 0; i < pg.n; i++) {
            if (pg.v[i].item_id == bei)
                ib = i;
            if (pg.v[i].item_id == zhong)
                iz = i;
        }
        T_ASSERT(ib > 1 && iz > ib);
    }
    /* in every order, the pinned come first, by their sort */
    pin1 = atoll(ref_order(&e, prov, "p.published_at, p.item_id"));
    pin2 = zhong;
    value(&e,
          "UPDATE placement SET pinned_until = now() + interval '1 day', sort = 2 "
          "WHERE column_id = %lld AND item_id = %lld",
          prov, pin1);
    value(&e,
          "UPDATE placement SET pinned_until = now() + interval '1 day', sort = 1 "
          "WHERE column_id = %lld AND item_id = %lld",
          prov, pin2);
    for (k = 0; k < 4; k++) {
        value(&e, "UPDATE site_column SET item_order = '%s' WHERE id = %lld", orders[k], county);
        pg = list(&e, county, 1, 3);
        T_EQ_INT(pg.v[0].item_id, pin2);
        T_ASSERT(pg.v[0].pinned);
        T_EQ_INT(pg.v[1].item_id, pin1);
        T_ASSERT(pg.v[1].pinned);
        T_ASSERT(!pg.v[2].pinned);
        T_EQ_INT(list(&e, county, 2, 2).n, 2);
        T_ASSERT(!list(&e, county, 2, 2).v[0].pinned);
    }
    env_close(&e);
}


/* EXPLAIN of a statement of query.c with its parameters: the plan as text. */
static const char *
explain(struct env *e, enum jy_query_stmt s, int n, const char *const *p)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *r = jy_db_query(
        e->db, e->pool, jy_pool_printf(e->pool, "EXPLAIN %s", jy_query_sql(s)), n, p, &err);
    struct jy_buf b = JY_BUF_INIT(e->pool);
    int i;

    if (r == NULL)
        jy_test_fail(__FILE__, __LINE__, "explain: %s", err.msg);
    for (i = 0; i < jy_db_res_rows(r); i++) {
        jy_buf_add_str(&b, jy_db_res_get(r, i, 0));
        jy_buf_add_char(&b, '\n');
    }
    return b.buf;
}


/* EXPLAIN ANALYZE (no costs, no timings): which nodes ran, and how many rows. */
static const char *
explain_analyze(struct env *e, enum jy_query_stmt s, int n, const char *const *p)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *r = jy_db_query(
        e->db, e->pool,
        jy_pool_printf(e->pool, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) %s",
                       jy_query_sql(s)),
        n, p, &err);
    struct jy_buf b = JY_BUF_INIT(e->pool);
    int i;

    if (r == NULL)
        jy_test_fail(__FILE__, __LINE__, "explain analyze: %s", err.msg);
    for (i = 0; i < jy_db_res_rows(r); i++) {
        jy_buf_add_str(&b, jy_db_res_get(r, i, 0));
        jy_buf_add_char(&b, '\n');
    }
    return b.buf;
}


static void
test_plans_use_indexes(void)
{
    struct env e;
    char col[24], tag[24];
    const char *p[4], *plan;

    env_open(&e);
    /* page 1 of a reused column on a county site */
    snprintf(col, sizeof(col), "%lld", local(&e, "column", 59));
    p[0] = col;
    p[1] = "1";
    p[2] = "20";
    plan = explain(&e, JY_QUERY_SQL_COLUMN_ITEMS, 3, p);
    T_CONTAINS(plan, "Scan using placement_column_list_idx on placement"); /* forwards */
    T_CONTAINS(plan, "Index Scan using placement_column_pinned_idx on placement");
    T_ASSERT(strstr(plan, "Seq Scan on placement ") == NULL);
    T_ASSERT(strstr(plan, "Seq Scan on item ") == NULL);
    /* run: only the branch of the column's own order reads placements; the branch of the
       other orders (which reads the column whole) is never executed for the default order */
    plan = explain_analyze(&e, JY_QUERY_SQL_COLUMN_ITEMS, 3, p);
    T_CONTAINS(plan, "Index Only Scan using placement_column_list_idx on placement p_1 (actual");
    T_ASSERT(strstr(plan, "on placement p_2 (never executed)") != NULL);
    /* the most frequent tag: one range of item_tag_list_idx, no sort */
    snprintf(tag, sizeof(tag), "%s",
             value(&e, "SELECT tag_id FROM item_tag GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"));
    p[0] = tag;
    p[1] = NULL;
    p[2] = "0";
    p[3] = "21";
    plan = explain(&e, JY_QUERY_SQL_TAG_ITEMS, 4, p);
    T_CONTAINS(plan, "using item_tag_list_idx on item_tag");
    T_ASSERT(strstr(plan, "Seq Scan on item ") == NULL);
    T_ASSERT(strstr(plan, "Sort") == NULL);
    /* one item: nothing but index scans on the big tables */
    snprintf(col, sizeof(col), "%lld", local(&e, "item", 1));
    p[0] = col;
    plan = explain(&e, JY_QUERY_SQL_ITEM, 1, p);
    T_ASSERT(strstr(plan, "Seq Scan on item ") == NULL);
    T_ASSERT(strstr(plan, "Seq Scan on placement ") == NULL);
    T_ASSERT(strstr(plan, "Seq Scan on item_tag") == NULL);
    env_close(&e);
}


static void
test_item_in_full(void)
{
    struct env e;
    struct jy_query_item it;
    struct jy_err err = JY_ERR_INIT;
    long long doc, interp, prov;
    int i, placed = 0, contains = 0, reused = 0;

    env_open(&e);
    prov = local(&e, "column", 6);
    /* a policy document with attachments in the province's 政府文件 */
    doc =
        atoll(value(&e,
                    "SELECT p.item_id FROM placement p JOIN item i ON i.id = p.item_id "
                    "WHERE p.column_id = %lld AND i.kind = 'policy' AND i.metadata ? 'attachments' "
                    "ORDER BY p.item_id LIMIT 1",
                    prov));
    T_ASSERT(doc > 0);
    interp =
        atoll(value(&e,
                    "INSERT INTO item (site_id, kind, title, publish_at) SELECT site_id, "
                    "'interpretation', '一图读懂', now() FROM item WHERE id = %lld RETURNING id",
                    doc));
    value(&e,
          "INSERT INTO item_relation (site_id, from_id, to_id, kind) SELECT site_id, id, %lld, "
          "'interprets' FROM item WHERE id = %lld",
          doc, interp);
    value(&e,
          "INSERT INTO placement_hidden (column_id, site_id, item_id) SELECT id, site_id, %lld "
          "FROM site_column WHERE id = %lld",
          doc, local(&e, "column", 99));
    if (jy_query_item(e.db, e.pool, doc, &it, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "item: %s", err.msg);
    T_EQ_STR(it.kind, "policy");
    T_EQ_STR(it.issuer, "云岭省人民政府");
    T_ASSERT(it.doc_no && it.validity && it.issued_on);
    T_ASSERT(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(it.metadata, "attachments")));
    T_EQ_STR(value(&e,
                   "SELECT string_agg(t.name, ',' ORDER BY x.sort) FROM item_tag x "
                   "JOIN tag t ON t.id = x.tag_id WHERE x.item_id = %lld",
                   doc),
             jy_pool_printf(e.pool, "%s%s%s%s%s%s%s%s%s", it.ntags > 0 ? it.tags[0] : "",
                            it.ntags > 1 ? "," : "", it.ntags > 1 ? it.tags[1] : "",
                            it.ntags > 2 ? "," : "", it.ntags > 2 ? it.tags[2] : "",
                            it.ntags > 3 ? "," : "", it.ntags > 3 ? it.tags[3] : "",
                            it.ntags > 4 ? "," : "", it.ntags > 4 ? it.tags[4] : ""));
    T_EQ_INT(it.nrelations, 1);
    T_ASSERT(!it.relations[0].outgoing);
    T_EQ_STR(it.relations[0].kind, "interprets");
    T_EQ_INT(it.relations[0].item_id, interp);
    T_EQ_STR(it.relations[0].title, "一图读懂");
    for (i = 0; i < it.nshowing; i++) {
        const struct jy_query_showing *s = &it.showing[i];
        if (s->how == JY_QUERY_PLACED) {
            placed++;
            T_EQ_INT(s->column_id, prov);
            T_ASSERT(s->is_primary);
            T_EQ_STR(s->state, "published");
            T_EQ_STR(s->site_code, "9900000001");
            T_EQ_STR(s->column_path, "zwgk/zcwj/zfwj");
        } else if (s->how == JY_QUERY_CONTAINS) {
            contains++;
            T_EQ_INT(s->via_column_id, prov);
        } else {
            reused++;
            T_EQ_INT(s->via_column_id, prov);
            T_EQ_STR(s->column_name, "省政府文件");
            T_ASSERT(s->column_id != local(&e, "column", 99)); /* hidden there */
        }
    }
    T_EQ_INT(placed, 1);
    T_EQ_INT(contains, 2); /* zwgk/zcwj and zwgk list their descendants */
    T_EQ_INT(reused, 2);
    /* seen from the interpretation, the link goes out */
    T_EQ_INT(jy_query_item(e.db, e.pool, interp, &it, &err), JY_OK);
    T_EQ_INT(it.nrelations, 1);
    T_ASSERT(it.relations[0].outgoing);
    T_EQ_INT(it.relations[0].item_id, doc);
    T_EQ_INT(it.nshowing, 0);
    T_EQ_INT(jy_query_item(e.db, e.pool, 987654321, &it, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    env_close(&e);
}


static void
test_column_tree(void)
{
    struct env e;
    struct jy_query_column *v;
    struct jy_err err = JY_ERR_INIT;
    int n, i, shared = 0;

    env_open(&e);
    T_EQ_INT(jy_query_column_tree(e.db, e.pool, local(&e, "site", 3), &v, &n, &err), JY_OK);
    T_EQ_INT(n, 20);
    T_EQ_STR(v[0].path, "zwyw");
    T_EQ_INT(v[0].depth, 0);
    T_EQ_INT(v[0].parent, -1);
    T_EQ_STR(v[1].path, "zwyw/bdyw");
    T_EQ_INT(v[1].parent, 0);
    for (i = 0; i < n; i++) {
        if (v[i].parent >= 0) {
            T_ASSERT(v[i].parent < i);
            T_EQ_INT(v[v[i].parent].id, v[i].parent_id);
            T_EQ_INT(v[i].depth, v[v[i].parent].depth + 1);
        } else {
            T_EQ_INT(v[i].parent_id, 0);
        }
        if (i > 0 && v[i].parent == v[i - 1].parent)
            T_ASSERT(v[i].sort >= v[i - 1].sort);
        if (v[i].reuse_column_id) {
            shared++;
            T_EQ_STR(v[i].reuse_site_code, "9900000001");
            T_ASSERT(strcmp(v[i].reuse_path, "zwgk/zcwj/zfwj") == 0 ||
                     strcmp(v[i].reuse_path, "zwgk/zcjd") == 0);
        }
    }
    T_EQ_INT(shared, 2);
    T_EQ_INT(jy_query_column_tree(e.db, e.pool, 987654321, &v, &n, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    env_close(&e);
}


static void
test_items_by_tag(void)
{
    struct env e;
    struct jy_query_page pg;
    struct jy_err err = JY_ERR_INIT;
    long long tag, site;
    struct jy_buf b;
    int page = 1, i;

    env_open(&e);
    tag = atoll(value(&e, "SELECT id FROM tag WHERE name = '营商环境'"));
    jy_buf_init(&b, e.pool, 0);
    do {
        T_EQ_INT(jy_query_tag_items(e.db, e.pool, tag, 0, page++, 50, &pg, &err), JY_OK);
        for (i = 0; i < pg.n; i++)
            jy_buf_addf(&b, "%s%lld", b.len ? "," : "", pg.v[i].item_id);
    } while (pg.has_more);
    T_EQ_STR(b.buf,
             value(&e,
                   "SELECT string_agg(i.id::text, ',' ORDER BY i.publish_at DESC, i.id DESC) "
                   "FROM item i JOIN item_tag x ON x.item_id = i.id WHERE x.tag_id = %lld",
                   tag));
    site = local(&e, "site", 1);
    T_EQ_INT(jy_query_tag_items(e.db, e.pool, tag, site, 1, 200, &pg, &err), JY_OK);
    T_EQ_INT(pg.n, atoll(value(&e,
                               "SELECT count(*) FROM item i JOIN item_tag x ON x.item_id = i.id "
                               "WHERE x.tag_id = %lld AND i.site_id = %lld",
                               tag, site)));
    for (i = 0; i < pg.n; i++) {
        T_EQ_INT(pg.v[i].site_id, site);
        T_ASSERT(pg.v[i].primary_column_id > 0);
        T_ASSERT(pg.v[i].pub_date && strlen(pg.v[i].pub_date) == 16);
    }
    /* the copy of the publication time in item_tag follows the item */
    value(&e,
          "UPDATE item SET publish_at = now() + interval '1 day' WHERE id = (SELECT item_id "
          "FROM item_tag WHERE tag_id = %lld ORDER BY item_id LIMIT 1)",
          tag);
    T_EQ_INT(jy_query_tag_items(e.db, e.pool, tag, 0, 1, 5, &pg, &err), JY_OK);
    T_EQ_STR(jy_pool_printf(e.pool, "%lld", pg.v[0].item_id),
             value(&e, "SELECT min(item_id) FROM item_tag WHERE tag_id = %lld", tag));
    T_EQ_STR(value(&e, "SELECT count(*) FROM item_tag x JOIN item i ON i.id = x.item_id "
                       "WHERE x.publish_at IS DISTINCT FROM i.publish_at"),
             "0");
    T_EQ_INT(jy_query_tag_items(e.db, e.pool, 987654321, 0, 1, 20, &pg, &err), JY_OK);
    T_EQ_INT(pg.n, 0);
    env_close(&e);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_new_item_is_on_every_reusing_list_at_once),
        T_CASE(test_hiding_is_local),
        T_CASE(test_pinned_first_then_newest),
        T_CASE(test_paging),
        T_CASE(test_item_order_of_the_column),
        T_CASE(test_title_order_is_pinyin_and_pins_come_first),
        T_CASE(test_parent_lists_descendants_once_not_shared_ones),
        T_CASE(test_reuse_filters),
        T_CASE(test_plans_use_indexes),
        T_CASE(test_item_in_full),
        T_CASE(test_column_tree),
        T_CASE(test_items_by_tag),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
