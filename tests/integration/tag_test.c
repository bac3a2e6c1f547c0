/*
 * tag_test.c - the tag vocabulary: synonyms, merge, who may change it, and
 * tag expressions selecting exactly the right items.
 */
#include "core/compat.h"
#include "core/tag.h"
#include "tests/integration/library_fixture.h"


/* The ids selected by expr, as "1,2,3" in ascending order; "ERROR: msg" on failure. */
static const char *
select_ids(const char *expr)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_buf b = JY_BUF_INIT(fx.pool);
    long long *ids, t;
    int n, i, j;

    if (jy_tag_items(fx.owner, fx.pool, expr, NULL, 1000, &ids, &n, &err) != JY_OK)
        return jy_pool_printf(fx.pool, "ERROR: %s", err.msg);
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
            t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    for (i = 0; i < n; i++)
        jy_buf_addf(&b, "%s%lld", i ? "," : "", ids[i]);
    return b.buf;
}


static const char *
ids_of(int n, const long long *v)
{
    struct jy_buf b = JY_BUF_INIT(fx.pool);
    int i;

    for (i = 0; i < n; i++)
        jy_buf_addf(&b, "%s%lld", i ? "," : "", v[i]);
    return b.buf;
}


static void
add_tag(const char *name)
{
    struct jy_err err = JY_ERR_INIT;

    if (jy_tag_add(fx.owner, fx.pool, name, NULL, NULL, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "tag add %s: %s", name, err.msg);
}


static const char *
tags_of(long long item)
{
    const char *p[1] = {fx_num(item)};
    return fx_own("SELECT coalesce(string_agg(t.name, ',' ORDER BY t.name), '') FROM item_tag it"
                  " JOIN tag t ON t.id = it.tag_id WHERE it.item_id = $1",
                  1, p);
}


static void
test_synonyms_name_their_tag(void)
{
    struct jy_err err = JY_ERR_INIT;
    const char *name;
    long long id, a, item;

    fx_open();
    add_tag("扶贫");
    T_EQ_INT(jy_tag_synonym_add(fx.owner, fx.pool, "扶贫", "脱贫", &err), JY_OK);
    T_EQ_INT(jy_tag_resolve(fx.owner, fx.pool, "脱贫", &id, &name, &err), JY_OK);
    T_EQ_STR(name, "扶贫");
    /* an item tagged by the synonym carries the tag, once */
    item = fx_item(PROV, "article", "{\"title\": \"帮扶\", \"tags\": [\"脱贫\", \"扶贫\"]}");
    T_EQ_STR(tags_of(item), "扶贫");
    /* a word names one tag only */
    add_tag("乡村振兴");
    T_EQ_INT(jy_tag_synonym_add(fx.owner, fx.pool, "乡村振兴", "脱贫", &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_EQ_STR(err.msg, "\"脱贫\" already names tag \"扶贫\"");
    T_EQ_INT(jy_tag_add(fx.owner, fx.pool, "脱贫", NULL, &a, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_EQ_INT(jy_tag_add(fx.owner, fx.pool, "扶贫", NULL, &a, &err), JY_ERROR);
    T_EQ_STR(err.msg, "tag \"扶贫\" already exists");
    /* words that would break tag expressions */
    T_EQ_INT(jy_tag_add(fx.owner, fx.pool, "乡村 振兴", NULL, &a, &err), JY_ERROR);
    T_CONTAINS(err.msg, "cannot hold spaces, parentheses or quotes");
    T_EQ_INT(jy_tag_add(fx.owner, fx.pool, "AND", NULL, &a, &err), JY_ERROR);
    T_CONTAINS(err.msg, "operator of tag expressions");
    T_EQ_INT(jy_tag_synonym_add(fx.owner, fx.pool, "扶贫", "(脱贫)", &err), JY_ERROR);
    T_EQ_STR(err.field, "synonym");
    fx_close();
}


static void
test_merge_moves_items_and_keeps_synonyms(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_tag_merge_result res;
    struct jy_tag_info *list;
    const char *name;
    long long x, y, z, id, old;
    int n, i;

    fx_open();
    add_tag("新冠");
    add_tag("疫情防控");
    add_tag("防疫");
    T_EQ_INT(jy_tag_synonym_add(fx.owner, fx.pool, "新冠", "新型冠状病毒", &err), JY_OK);
    /* 防疫 was merged into 新冠 before: it must follow to the new home */
    T_EQ_INT(jy_tag_merge(fx.owner, fx.pool, "防疫", "新冠", &res, &err), JY_OK);
    x = fx_item(PROV, "article", "{\"title\": \"x\", \"tags\": [\"新冠\"]}");
    y = fx_item(PROV, "article", "{\"title\": \"y\", \"tags\": [\"新冠\", \"疫情防控\"]}");
    z = fx_item(K1, "article", "{\"title\": \"z\", \"tags\": [\"疫情防控\"]}");
    T_EQ_INT(jy_tag_resolve(fx.owner, fx.pool, "新冠", &old, NULL, &err), JY_OK);

    T_EQ_INT(jy_tag_merge(fx.owner, fx.pool, "新冠", "疫情防控", &res, &err), JY_OK);
    T_EQ_INT(res.items_moved, 1);   /* x */
    T_EQ_INT(res.items_already, 1); /* y carried both */
    T_EQ_INT(res.synonyms_moved, 3); /* 新型冠状病毒, 防疫 (a synonym since its merge), 新冠 */
    T_EQ_STR(tags_of(x), "疫情防控");
    T_EQ_STR(tags_of(y), "疫情防控");
    T_EQ_STR(tags_of(z), "疫情防控");
    {
        const char *p[1] = {fx_num(old)};
        T_EQ_STR(fx_own("SELECT count(*) FROM item_tag WHERE tag_id = $1", 1, p), "0");
        /* the old tag stays, marked; no chain of merges */
        T_EQ_STR(fx_own("SELECT string_agg(t.name || '>' || m.name, ',' ORDER BY t.name)"
                        " FROM tag t JOIN tag m ON m.id = t.merged_into",
                        0, NULL),
                 "新冠>疫情防控,防疫>疫情防控");
    }
    /* every old word still names the tag: synonyms kept */
    T_EQ_INT(jy_tag_resolve(fx.owner, fx.pool, "新型冠状病毒", &id, &name, &err), JY_OK);
    T_EQ_STR(name, "疫情防控");
    T_EQ_INT(jy_tag_resolve(fx.owner, fx.pool, "新冠", &id, &name, &err), JY_OK);
    T_EQ_STR(name, "疫情防控");
    T_EQ_INT(jy_tag_resolve(fx.owner, fx.pool, "防疫", &id, &name, &err), JY_OK);
    T_EQ_STR(name, "疫情防控");
    /* and so do expressions written before the merge */
    {
        long long v[3] = {x, y, z};
        T_EQ_STR(select_ids("新冠"), ids_of(3, v));
    }
    /* the list shows live tags with their synonyms */
    T_EQ_INT(jy_tag_list(fx.owner, fx.pool, false, &list, &n, &err), JY_OK);
    T_EQ_INT(n, 1);
    T_EQ_STR(list[0].name, "疫情防控");
    T_EQ_STR(list[0].synonyms, "新冠,新型冠状病毒,防疫");
    T_EQ_INT(list[0].items, 3);
    T_EQ_INT(jy_tag_list(fx.owner, fx.pool, true, &list, &n, &err), JY_OK);
    T_EQ_INT(n, 3);
    for (i = 0; i < n; i++)
        if (strcmp(list[i].name, "新冠") == 0)
            T_EQ_STR(list[i].merged_into, "疫情防控");
    /* refused merges */
    T_EQ_INT(jy_tag_merge(fx.owner, fx.pool, "疫情防控", "新冠", &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "into itself");
    T_EQ_INT(jy_tag_merge(fx.owner, fx.pool, "新型冠状病毒", "疫情防控", &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "is not a tag but a word for tag");
    T_EQ_INT(jy_tag_merge(fx.owner, fx.pool, "没有", "疫情防控", &res, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    /* the merge is in the audit log */
    T_EQ_STR(fx_own("SELECT count(*) FROM audit_log WHERE action = 'tag.merge'", 0, NULL), "2");
    fx_close();
}


static void
test_expressions_select_the_right_items(void)
{
    long long a, b, c, d, e;
    int i;

    fx_open();
    for (i = 0; i < 5; i++)
        add_tag((const char *[]){"扶贫", "通知", "教育", "医疗", "2024"}[i]);
    a = fx_item(PROV, "article", "{\"title\": \"a\", \"tags\": [\"扶贫\"]}");
    b = fx_item(PROV, "article", "{\"title\": \"b\", \"tags\": [\"扶贫\", \"通知\"]}");
    c = fx_item(K1, "article", "{\"title\": \"c\", \"tags\": [\"教育\", \"2024\"]}");
    d = fx_item(K2, "article", "{\"title\": \"d\", \"tags\": [\"医疗\", \"2024\", \"扶贫\"]}");
    e = fx_item(K2, "article", "{\"title\": \"e\", \"tags\": [\"医疗\"]}");
    {
        long long v1[2] = {a, d};
        long long v2[2] = {c, d};
        long long v3[3] = {a, c, d};
        long long v4[2] = {b, e};
        long long v5[2] = {c, e};
        T_EQ_STR(select_ids("扶贫 AND NOT 通知"), ids_of(2, v1));
        T_EQ_STR(select_ids("(教育 OR 医疗) AND 2024"), ids_of(2, v2));
        T_EQ_STR(select_ids("扶贫 AND NOT 通知 OR 教育"), ids_of(3, v3));
        T_EQ_STR(select_ids("NOT 2024 AND NOT (扶贫 AND NOT 通知)"), ids_of(2, v4));
        T_EQ_STR(select_ids("教育 OR 医疗 AND NOT 扶贫"), ids_of(2, v5));
    }
    T_EQ_STR(select_ids("没有这个标签"), "");
    T_EQ_STR(select_ids("扶贫 AND"),
             "ERROR: tag expression: expected a tag after \"AND\" at character 7");
    /* limited to a site */
    {
        struct jy_err err = JY_ERR_INIT;
        long long *ids;
        int n;
        T_EQ_INT(jy_tag_items(fx.owner, fx.pool, "医疗", "5601220001", 10, &ids, &n, &err), JY_OK);
        T_EQ_INT(n, 2);
        T_EQ_INT(jy_tag_items(fx.owner, fx.pool, "医疗", "5601210001", 10, &ids, &n, &err), JY_OK);
        T_EQ_INT(n, 0);
        /* under row-level security: only the items the actor may read */
        T_EQ_INT(jy_tag_items(fx_as(U_K1_EDITOR), fx.pool, "2024", NULL, 10, &ids, &n, &err),
                 JY_OK);
        T_EQ_INT(n, 1);
        T_EQ_INT(ids[0], c);
    }
    fx_close();
}


static void
test_only_platform_admins_change_the_vocabulary(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_tag_merge_result res;
    long long id;

    fx_open();
    add_tag("交通");
    add_tag("出行");
    T_EQ_INT(jy_tag_add(fx_as(U_K1_ADMIN), fx.pool, "城建", NULL, &id, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_EQ_STR(err.msg, "you may not change the tag vocabulary");
    T_EQ_INT(jy_tag_synonym_add(fx_as(U_K1_ADMIN), fx.pool, "交通", "路网", &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_EQ_INT(jy_tag_merge(fx_as(U_K1_ADMIN), fx.pool, "出行", "交通", &res, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    /* the platform admin may, under row-level security too */
    T_EQ_INT(jy_tag_add(fx_as(U_ADMIN), fx.pool, "城建", NULL, &id, &err), JY_OK);
    fx_item(K1, "article", "{\"title\": \"路\", \"tags\": [\"出行\"]}");
    T_EQ_INT(jy_tag_merge(fx_as(U_ADMIN), fx.pool, "出行", "交通", &res, &err), JY_OK);
    T_EQ_INT(res.items_moved, 1);
    T_EQ_STR(fx_own("SELECT login FROM audit_log WHERE action = 'tag.merge'", 0, NULL), "admin");
    fx_close();
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_synonyms_name_their_tag),
        T_CASE(test_merge_moves_items_and_keeps_synonyms),
        T_CASE(test_expressions_select_the_right_items),
        T_CASE(test_only_platform_admins_change_the_vocabulary),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
