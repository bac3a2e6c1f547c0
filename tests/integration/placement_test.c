/*
 * placement_test.c - one item placed in columns of several sites in one
 * call (一次编辑、多处发布), refused whole when one target is not allowed,
 * hiding a reused item in one reusing column only, pinned order, and the
 * reuse filters.
 */
#include "core/compat.h"
#include "core/placement.h"
#include "core/tag.h"
#include "tests/integration/library_fixture.h"

static long long
placements(void)
{
    return fx_count("SELECT count(*) FROM placement", 0, NULL);
}


static struct jy_placement_target
target(const char *column, const char *state)
{
    struct jy_placement_target t;

    memset(&t, 0, sizeof(t));
    t.column = column;
    t.state = state;
    return t;
}


/* The item ids of a column's list as editors see it, with [p]inned and [h]idden marks. */
static const char *
list_of(struct jy_db *db, const char *column)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_placement_row *rows;
    struct jy_buf b = JY_BUF_INIT(fx.pool);
    int n, i;

    if (jy_placement_list(db, fx.pool, column, 100, &rows, &n, &err) != JY_OK)
        return jy_pool_printf(fx.pool, "ERROR: %s", err.msg);
    for (i = 0; i < n; i++)
        jy_buf_addf(&b, "%s%lld%s%s", i ? "," : "", rows[i].item_id, rows[i].pinned ? "p" : "",
                    rows[i].hidden ? "h" : "");
    return b.buf;
}


static void
publish(long long item, long long column, long long site, const char *when)
{
    const char *p[4] = {fx_num(item), fx_num(column), fx_num(site), when};
    fx_own("INSERT INTO placement (item_id, column_id, site_id, state, published_at)"
           " VALUES ($1, $2, $3, 'published', $4::timestamptz)",
           4, p);
}


static void
test_one_call_places_on_several_sites(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_placement_done *done;
    struct jy_placement_target t[3];
    long long item;

    fx_open();
    item = fx_item(PROV, "policy",
                   "{\"title\": \"文件\", \"doc_no\": \"岭政发〔2026〕7号\","
                   " \"issuer\": \"云岭省人民政府\", \"validity\": \"valid\"}");
    t[0] = target("5600000001:docs", "published");
    t[1] = target("5601000001:docs", NULL);
    t[2] = target("x3.example.gov.cn:/news/", "submitted"); /* a site by its domain */
    t[2].pinned_until = "2099-12-31";
    T_EQ_INT(jy_placement_place(fx_as(U_ADMIN), fx.pool, item, t, 3, &done, &err), JY_OK);
    T_EQ_INT(placements(), 3);
    T_ASSERT(done[0].created && done[1].created && done[2].created);
    T_EQ_STR(done[0].state, "published");
    T_EQ_STR(done[1].state, "draft");
    T_EQ_INT(done[2].site_id, fx.site[K1]);
    T_EQ_STR(done[2].site_name, "栖云县人民政府");
    {
        const char *p[1] = {fx_num(item)};
        /* a date pins through that day, in the site's time zone */
        T_EQ_STR(fx_own("SELECT to_char(pinned_until AT TIME ZONE 'Asia/Shanghai',"
                        " 'YYYY-MM-DD HH24:MI') FROM placement WHERE item_id = $1"
                        " AND pinned_until IS NOT NULL",
                        1, p),
                 "2100-01-01 00:00");
        T_EQ_STR(fx_own("SELECT count(*) FROM placement WHERE item_id = $1 AND state = 'published'"
                        " AND published_at IS NOT NULL",
                        1, p),
                 "1");
    }
    /* placing again updates what is given and keeps the rest */
    t[1].state = "submitted";
    t[1].sort = 5;
    t[1].sort_set = true;
    T_EQ_INT(jy_placement_place(fx_as(U_ADMIN), fx.pool, item, &t[1], 1, &done, &err), JY_OK);
    T_ASSERT(!done[0].created);
    T_EQ_STR(done[0].state, "submitted");
    T_EQ_INT(placements(), 3);
    /* the item lists every placement */
    {
        cJSON *j = jy_item_get(fx.owner, fx.pool, item, &err);
        T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "placements")), 3);
    }
    fx_close();
}


static void
test_one_refused_target_refuses_the_whole_call(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_placement_done *done;
    struct jy_placement_target t[3];
    struct jy_item_result res;
    long long item, before;

    fx_open();
    item = fx_item_on(fx_as(U_K1_EDITOR), K1, "article", "{\"title\": \"县里的新闻\"}");
    before = placements();
    /* the county editor may write its own column, not the city's nor the other county's */
    t[0] = target("5601210001:news", NULL);
    t[1] = target("5601000001:news", NULL);
    t[2] = target("5601220001:news", NULL);
    T_EQ_INT(jy_placement_place(fx_as(U_K1_EDITOR), fx.pool, item, t, 3, &done, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_CONTAINS(err.msg, "cannot place item ");
    T_CONTAINS(err.msg, "you may not place items in column \"5601000001:news\" (栏目news of "
                        "岚川市人民政府) (and 1 more refused)");
    T_CONTAINS(err.detail, "5601220001:news");
    T_EQ_STR(err.field, "columns[1]");
    T_EQ_INT(placements(), before);
    /* publishing needs item.publish: an editor may not */
    t[0] = target("5601210001:news", "published");
    T_EQ_INT(jy_placement_place(fx_as(U_K1_EDITOR), fx.pool, item, t, 1, &done, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_CONTAINS(err.msg, "that needs item.publish");
    T_EQ_INT(placements(), before);
    /* the site admin may */
    T_EQ_INT(jy_placement_place(fx_as(U_K1_ADMIN), fx.pool, item, t, 1, &done, &err), JY_OK);
    T_EQ_INT(placements(), before + 1);
    /* creating with placements is one transaction too: a refused place stores no item */
    before = fx_count("SELECT count(*) FROM item", 0, NULL);
    {
        struct jy_placement_target pl[2] = {target("5601210001:news", NULL),
                                            target("5600000001:news", NULL)};
        struct jy_item_spec spec = {"5601210001", "article", fx_json("{\"title\": \"又一篇\"}"), pl,
                                    2};
        T_EQ_INT(jy_item_create(fx_as(U_K1_EDITOR), fx.pool, &spec, &res, &err), JY_ERROR);
        T_EQ_INT(err.code, JY_E_FORBIDDEN);
        T_CONTAINS(err.msg, "5600000001:news");
    }
    T_EQ_INT(fx_count("SELECT count(*) FROM item", 0, NULL), before);
    fx_close();
}


static void
test_bad_targets_are_all_named(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_placement_done *done;
    struct jy_placement_target t[6];
    long long item;

    fx_open();
    item = fx_item(PROV, "article", "{\"title\": \"新闻\"}");
    t[0] = target("5600000001:about", NULL);     /* a page column */
    t[1] = target("5601210001:prov_news", NULL); /* reuses another column */
    t[2] = target("5600000001:docs", NULL);      /* policy documents only */
    t[3] = target("5600000001:nowhere", NULL);
    t[4] = target("5600000001:news", "live");
    t[5] = target("5600000001/news", NULL);
    T_EQ_INT(jy_placement_place(fx.owner, fx.pool, item, t, 6, &done, &err), JY_ERROR);
    T_CONTAINS(err.msg,
               "is a page column: items go into list or topic columns (and 5 more refused)");
    T_CONTAINS(err.detail, "reuses another column and shows its items");
    T_CONTAINS(err.detail, "does not take items of kind article");
    T_CONTAINS(err.detail, "has no column \"nowhere\"");
    T_CONTAINS(err.detail, "state \"live\" is not one of");
    T_EQ_INT(placements(), 0);
    T_EQ_INT(jy_placement_place(fx.owner, fx.pool, item, &t[5], 1, &done, &err), JY_ERROR);
    T_CONTAINS(err.msg, "must be given as SITE:PATH");
    T_EQ_STR(err.field, "columns[0]");
    /* the same column twice */
    t[0] = target("5600000001:news", NULL);
    t[1] = target("5600000001:/news", NULL);
    T_EQ_INT(jy_placement_place(fx.owner, fx.pool, item, t, 2, &done, &err), JY_ERROR);
    T_CONTAINS(err.msg, "is named twice");
    fx_close();
}


static void
test_hiding_is_local_to_one_reusing_column(void)
{
    struct jy_err err = JY_ERR_INIT;
    long long a, b;
    bool changed;

    fx_open();
    a = fx_item(PROV, "article", "{\"title\": \"省里新闻一\"}");
    b = fx_item(PROV, "article", "{\"title\": \"省里新闻二\"}");
    publish(a, fx.news[PROV], fx.site[PROV], "2026-01-01 10:00+08");
    publish(b, fx.news[PROV], fx.site[PROV], "2026-01-02 10:00+08");
    /* a new item of the province column is on both reusing counties at once */
    T_EQ_STR(list_of(fx.owner, "5601210001:prov_news"), jy_pool_printf(fx.pool, "%lld,%lld", b, a));
    T_EQ_STR(list_of(fx.owner, "5601220001:prov_news"), jy_pool_printf(fx.pool, "%lld,%lld", b, a));
    /* k1 hides one: k1 only */
    T_EQ_INT(
        jy_placement_hide(fx_as(U_K1_ADMIN), fx.pool, "5601210001:prov_news", a, &changed, &err),
        JY_OK);
    T_ASSERT(changed);
    T_EQ_STR(list_of(fx.owner, "5601210001:prov_news"),
             jy_pool_printf(fx.pool, "%lld,%lldh", b, a));
    T_EQ_STR(list_of(fx.owner, "5601220001:prov_news"), jy_pool_printf(fx.pool, "%lld,%lld", b, a));
    T_EQ_STR(list_of(fx.owner, "5600000001:news"), jy_pool_printf(fx.pool, "%lld,%lld", b, a));
    T_EQ_INT(
        jy_placement_hide(fx_as(U_K1_ADMIN), fx.pool, "5601210001:prov_news", a, &changed, &err),
        JY_OK);
    T_ASSERT(!changed);
    /* k2's admin may not hide anything in k1's column, nor k1's editor (needs item.publish) */
    T_EQ_INT(
        jy_placement_hide(fx_as(U_K2_ADMIN), fx.pool, "5601210001:prov_news", b, &changed, &err),
        JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_EQ_INT(
        jy_placement_hide(fx_as(U_K1_EDITOR), fx.pool, "5601210001:prov_news", b, &changed, &err),
        JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    /* only a reusing column hides, and only what it reuses */
    T_EQ_INT(jy_placement_hide(fx.owner, fx.pool, "5601210001:news", a, &changed, &err), JY_ERROR);
    T_CONTAINS(err.msg, "reuses no other column");
    {
        long long c = fx_item(K2, "article", "{\"title\": \"别处的\"}");
        T_EQ_INT(jy_placement_hide(fx.owner, fx.pool, "5601210001:prov_news", c, &changed, &err),
                 JY_ERROR);
        T_EQ_INT(err.code, JY_E_NOT_FOUND);
    }
    /* and shows it again */
    T_EQ_INT(
        jy_placement_unhide(fx_as(U_K1_ADMIN), fx.pool, "5601210001:prov_news", a, &changed, &err),
        JY_OK);
    T_ASSERT(changed);
    T_EQ_STR(list_of(fx.owner, "5601210001:prov_news"), jy_pool_printf(fx.pool, "%lld,%lld", b, a));
    fx_close();
}


static void
test_pinned_items_come_first(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_placement_done *done;
    struct jy_placement_target t;
    long long a, b, c, d;

    fx_open();
    a = fx_item(PROV, "article", "{\"title\": \"一\"}");
    b = fx_item(PROV, "article", "{\"title\": \"二\"}");
    c = fx_item(PROV, "article", "{\"title\": \"三\"}");
    d = fx_item(PROV, "article", "{\"title\": \"四\"}");
    publish(a, fx.news[PROV], fx.site[PROV], "2026-01-01 10:00+08");
    publish(b, fx.news[PROV], fx.site[PROV], "2026-01-02 10:00+08");
    publish(c, fx.news[PROV], fx.site[PROV], "2026-01-03 10:00+08");
    publish(d, fx.news[PROV], fx.site[PROV], "2026-01-04 10:00+08");
    T_EQ_STR(list_of(fx.owner, "5600000001:news"),
             jy_pool_printf(fx.pool, "%lld,%lld,%lld,%lld", d, c, b, a));
    /* pin the two oldest: they lead, by sort; a pin that has ended counts for nothing */
    t = target("5600000001:news", NULL);
    t.pinned_until = "2099-01-01 00:00";
    t.sort = 2;
    t.sort_set = true;
    T_EQ_INT(jy_placement_place(fx.owner, fx.pool, a, &t, 1, &done, &err), JY_OK);
    t.sort = 1;
    T_EQ_INT(jy_placement_place(fx.owner, fx.pool, b, &t, 1, &done, &err), JY_OK);
    t.pinned_until = "2001-01-01";
    t.sort_set = false;
    T_EQ_INT(jy_placement_place(fx.owner, fx.pool, c, &t, 1, &done, &err), JY_OK);
    T_EQ_STR(list_of(fx.owner, "5600000001:news"),
             jy_pool_printf(fx.pool, "%lldp,%lldp,%lld,%lld", b, a, d, c));
    /* the reusing counties show the same order */
    T_EQ_STR(list_of(fx.owner, "5601220001:prov_news"),
             jy_pool_printf(fx.pool, "%lldp,%lldp,%lld,%lld", b, a, d, c));
    /* unpinned, back in its place */
    t.pinned_until = "";
    T_EQ_INT(jy_placement_place(fx.owner, fx.pool, b, &t, 1, &done, &err), JY_OK);
    T_EQ_STR(list_of(fx.owner, "5600000001:news"),
             jy_pool_printf(fx.pool, "%lldp,%lld,%lld,%lld", a, d, c, b));
    /* a pin that is not a time */
    t.pinned_until = "next week";
    T_EQ_INT(jy_placement_place(fx.owner, fx.pool, b, &t, 1, &done, &err), JY_ERROR);
    T_CONTAINS(err.msg, "pinned until \"next week\" is not a date or time");
    fx_close();
}


static void
test_reuse_filters_by_kind_and_tag_expression(void)
{
    struct jy_err err = JY_ERR_INIT;
    long long a, b, c;
    const char *p[1];

    fx_open();
    T_EQ_INT(jy_tag_add(fx.owner, fx.pool, "扶贫", NULL, NULL, &err), JY_OK);
    T_EQ_INT(jy_tag_add(fx.owner, fx.pool, "通知", NULL, NULL, &err), JY_OK);
    a = fx_item(PROV, "article", "{\"title\": \"扶贫新闻\", \"tags\": [\"扶贫\"]}");
    b = fx_item(PROV, "article", "{\"title\": \"扶贫通知\", \"tags\": [\"扶贫\", \"通知\"]}");
    c = fx_item(PROV, "image", "{\"title\": \"扶贫图片\", \"tags\": [\"扶贫\"]}");
    publish(a, fx.news[PROV], fx.site[PROV], "2026-01-01 10:00+08");
    publish(b, fx.news[PROV], fx.site[PROV], "2026-01-02 10:00+08");
    publish(c, fx.news[PROV], fx.site[PROV], "2026-01-03 10:00+08");
    p[0] = fx_num(fx.reuse[K1]);
    fx_own("UPDATE site_column SET reuse_tag_filter = '扶贫 AND NOT 通知' WHERE id = $1", 1, p);
    T_EQ_STR(list_of(fx.owner, "5601210001:prov_news"), jy_pool_printf(fx.pool, "%lld,%lld", c, a));
    fx_own("UPDATE site_column SET reuse_kinds = '{article}' WHERE id = $1", 1, p);
    T_EQ_STR(list_of(fx.owner, "5601210001:prov_news"), jy_pool_printf(fx.pool, "%lld", a));
    /* the other county has no filter */
    T_EQ_STR(list_of(fx.owner, "5601220001:prov_news"),
             jy_pool_printf(fx.pool, "%lld,%lld,%lld", c, b, a));
    /* a filter that does not parse is reported with its column */
    fx_own("UPDATE site_column SET reuse_tag_filter = '扶贫 AND' WHERE id = $1", 1, p);
    T_CONTAINS(list_of(fx.owner, "5601210001:prov_news"),
               "ERROR: column \"5601210001:prov_news\": its tag filter: tag expression: expected a "
               "tag after \"AND\" at character 7");
    fx_close();
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_one_call_places_on_several_sites),
        T_CASE(test_one_refused_target_refuses_the_whole_call),
        T_CASE(test_bad_targets_are_all_named),
        T_CASE(test_hiding_is_local_to_one_reusing_column),
        T_CASE(test_pinned_items_come_first),
        T_CASE(test_reuse_filters_by_kind_and_tag_expression),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
