/*
 * schema_test.c - the core model's constraints against a real PostgreSQL:
 * what the schema must refuse even when application code forgets to check,
 * and the index the renderer's column listing relies on.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "tests/test.h"

struct fx {
    struct jy_pool *pool;
    struct jy_db *db;
};


static void
fx_open(struct fx *f)
{
    struct jy_err err = JY_ERR_INIT;

    f->pool = jy_pool_create(0);
    f->db = jy_db_connect(jy_test_db_create(true), &err);
    if (f->db == NULL)
        jy_test_fail(__FILE__, __LINE__, "connect: %s (%s)", err.msg, err.detail);
}


static void
fx_close(struct fx *f)
{
    jy_db_close(f->db);
    jy_pool_destroy(f->pool);
}


/* Run SQL that must succeed; returns the first value of the first row (or NULL). */
static const char *
ok_sql(struct fx *f, int line, const char *sql)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *r = jy_db_query(f->db, f->pool, sql, 0, NULL, &err);

    if (r == NULL)
        jy_test_fail(__FILE__, line, "%s\n    failed: %s (%s)", sql, err.msg, err.detail);
    return jy_db_res_rows(r) && jy_db_res_cols(r) ? jy_db_res_get(r, 0, 0) : NULL;
}


/* Run SQL that must fail; returns the error message (primary + detail). */
static const char *
bad_sql(struct fx *f, int line, const char *sql)
{
    struct jy_err err = JY_ERR_INIT;

    if (jy_db_query(f->db, f->pool, sql, 0, NULL, &err) != NULL)
        jy_test_fail(__FILE__, line, "%s\n    succeeded but should have been refused", sql);
    return jy_pool_printf(f->pool, "%s / %s", err.msg, err.detail);
}

#define OK(f, sql)  ok_sql((f), __LINE__, (sql))
#define BAD(f, sql) bad_sql((f), __LINE__, (sql))


/* A platform, a province, a city and a county; columns on the province and the county. */
static void
seed(struct fx *f)
{
    OK(f,
       "INSERT INTO site (id, level, name) OVERRIDING SYSTEM VALUE VALUES (1, 'platform', '平台')");
    OK(f, "INSERT INTO site (id, parent_id, level, name, code, admin_code) OVERRIDING SYSTEM VALUE"
          " VALUES (2, 1, 'province', '云岭省人民政府', '5600000001', '560000'),"
          "        (3, 2, 'city', '岚川市人民政府', '5601000001', '560100'),"
          "        (4, 3, 'county', '栖云县人民政府', '5601210001', '560121')");
    OK(f, "INSERT INTO site_column (id, site_id, parent_id, code, name) OVERRIDING SYSTEM VALUE"
          " VALUES (10, 2, NULL, 'zwgk', '政务公开'), (11, 2, 10, 'zcwj', '政策文件'),"
          "        (20, 4, NULL, 'zwgk', '政务公开'), (21, 4, 20, 'zcwj', '政策文件')");
    /* generated ids start above the fixed ones of the tests */
    OK(f, "SELECT setval(pg_get_serial_sequence(t, 'id'), 1000)"
          " FROM unnest(ARRAY['site', 'site_column', 'item', 'app_user']) t");
}


static void
test_site_code_shape(void)
{
    struct fx f;

    fx_open(&f);
    seed(&f);
    /* 10 characters: 6-digit division code + 4 digits, or bm + 8 digits */
    T_CONTAINS(BAD(&f, "INSERT INTO site (parent_id, level, name, code, admin_code)"
                       " VALUES (3, 'county', '落霞县人民政府', '12345', '560122')"),
               "site_code_shape");
    T_CONTAINS(BAD(&f, "INSERT INTO site (parent_id, level, name, code)"
                       " VALUES (2, 'department', '某部门', 'bm0700001')"),
               "site_code_shape");
    T_CONTAINS(BAD(&f, "INSERT INTO site (parent_id, level, name, code)"
                       " VALUES (2, 'department', '某部门', '56000000ab')"),
               "site_code_shape");
    /* a local site's code starts with its division code */
    T_CONTAINS(BAD(&f, "INSERT INTO site (parent_id, level, name, code, admin_code)"
                       " VALUES (3, 'county', '落霞县人民政府', '5601230001', '560122')"),
               "site_code_matches_admin_code");
    /* a site needs a code; a unit does not */
    T_CONTAINS(BAD(&f, "INSERT INTO site (parent_id, level, name) VALUES (3, 'county', '无码县')"),
               "site_code_required");
    /* division codes by level: a county code does not end in 00 */
    T_CONTAINS(BAD(&f, "INSERT INTO site (parent_id, level, name, code, admin_code)"
                       " VALUES (3, 'county', '落霞县人民政府', '5602000009', '560200')"),
               "site_admin_code_level");
    /* codes are unique */
    T_CONTAINS(BAD(&f, "INSERT INTO site (parent_id, level, name, code, admin_code)"
                       " VALUES (3, 'county', '另一县人民政府', '5601210001', '560121')"),
               "duplicate key");
    OK(&f, "INSERT INTO site (parent_id, level, name, code, admin_code)"
           " VALUES (3, 'county', '落霞县人民政府', '5601220001', '560122')");
    OK(&f, "INSERT INTO site (parent_id, level, name, code) VALUES (1, 'department', '国家某部', "
           "'bm07000001')");
    /* filing numbers have their shapes */
    T_CONTAINS(BAD(&f, "UPDATE site SET icp_no = 'ICP备12345678号' WHERE id = 4"),
               "site_icp_shape");
    OK(&f, "UPDATE site SET icp_no = '岭ICP备56012101号', psb_no = '岭公网安备 56012102000001号'"
           " WHERE id = 4");
    T_CONTAINS(BAD(&f, "UPDATE site SET psb_no = '岭公网安备 5601号' WHERE id = 4"),
               "site_psb_shape");
    fx_close(&f);
}


static void
test_site_tree_paths_and_cycles(void)
{
    struct fx f;

    fx_open(&f);
    seed(&f);
    T_EQ_STR(OK(&f, "SELECT path::text FROM site WHERE id = 4"), "{1,2,3,4}");
    T_CONTAINS(BAD(&f, "UPDATE site SET parent_id = 4 WHERE id = 2"),
               "cannot be moved under its own subtree");
    /* moving the city under the platform rewrites the county's path too */
    OK(&f, "UPDATE site SET parent_id = 1 WHERE id = 3");
    T_EQ_STR(OK(&f, "SELECT path::text FROM site WHERE id = 4"), "{1,3,4}");
    /* below county level there are only units; a unit hangs under a site */
    T_CONTAINS(BAD(&f, "INSERT INTO site (parent_id, kind, level, name, code, admin_code)"
                       " VALUES (4, 'site', 'township', '云台镇', '5601210002', '560121')"),
               "site_township_is_unit");
    OK(&f, "INSERT INTO site (id, parent_id, kind, level, name) OVERRIDING SYSTEM VALUE"
           " VALUES (40, 4, 'unit', 'township', '云台镇人民政府')");
    /* a unit owns columns of its own site only */
    OK(&f, "INSERT INTO site_column (site_id, parent_id, code, name, unit_id)"
           " VALUES (4, 20, 'ytz', '云台镇', 40)");
    T_CONTAINS(BAD(&f, "INSERT INTO site_column (site_id, parent_id, code, name, unit_id)"
                       " VALUES (2, 10, 'ytz', '云台镇', 40)"),
               "site_column_unit_of_site");
    /* a unit promoted to a site keeps everything: only kind (and a code) change */
    OK(&f, "UPDATE site SET kind = 'site', level = 'department', code = '5601210009',"
           " admin_code = '560121' WHERE id = 40");
    T_EQ_STR(OK(&f, "SELECT count(*) FROM site_column WHERE unit_id = 40"), "1");
    /* one platform only */
    T_CONTAINS(BAD(&f, "INSERT INTO site (level, name) VALUES ('platform', '第二平台')"),
               "site_one_platform");
    fx_close(&f);
}


static void
test_column_parent_on_another_site(void)
{
    struct fx f;

    fx_open(&f);
    seed(&f);
    /* column 10 belongs to the province: a county column cannot hang under it */
    T_CONTAINS(BAD(&f, "INSERT INTO site_column (site_id, parent_id, code, name)"
                       " VALUES (4, 10, 'x', '跨站栏目')"),
               "site_column_parent_same_site");
    T_CONTAINS(BAD(&f, "UPDATE site_column SET parent_id = 10 WHERE id = 21"),
               "site_column_parent_same_site");
    fx_close(&f);
}


static void
test_duplicate_sibling_codes(void)
{
    struct fx f;

    fx_open(&f);
    seed(&f);
    T_CONTAINS(BAD(&f, "INSERT INTO site_column (site_id, parent_id, code, name)"
                       " VALUES (2, 10, 'zcwj', '政策文件二')"),
               "site_column_sibling_code_key");
    /* root columns too (parent NULL) */
    T_CONTAINS(
        BAD(&f, "INSERT INTO site_column (site_id, code, name) VALUES (2, 'zwgk', '又一个')"),
        "site_column_sibling_code_key");
    /* the same code elsewhere is fine: another parent, another site */
    OK(&f,
       "INSERT INTO site_column (site_id, parent_id, code, name) VALUES (2, 11, 'zcwj', '子栏目')");
    OK(&f, "INSERT INTO site_column (site_id, code, name) VALUES (3, 'zwgk', '政务公开')");
    /* codes are URL segments */
    T_CONTAINS(BAD(&f, "INSERT INTO site_column (site_id, code, name) VALUES (2, 'Zheng Ce', 'x')"),
               "site_column_code_shape");
    /* a standard code names one column per site */
    OK(&f, "UPDATE site_column SET std_code = 'zwgk.zcwj' WHERE id = 11");
    T_CONTAINS(BAD(&f, "UPDATE site_column SET std_code = 'zwgk.zcwj' WHERE id = 10"),
               "site_column_std_code_key");
    fx_close(&f);
}


static void
test_column_paths_follow_renames(void)
{
    struct fx f;

    fx_open(&f);
    seed(&f);
    T_EQ_STR(OK(&f, "SELECT path FROM site_column WHERE id = 11"), "zwgk/zcwj");
    OK(&f, "UPDATE site_column SET code = 'gk' WHERE id = 10");
    T_EQ_STR(OK(&f, "SELECT path FROM site_column WHERE id = 11"), "gk/zcwj");
    T_CONTAINS(BAD(&f, "UPDATE site_column SET parent_id = 11 WHERE id = 10"),
               "cannot be moved under its own subtree");
    fx_close(&f);
}


static void
test_reuse_rules(void)
{
    struct fx f;

    fx_open(&f);
    seed(&f);
    /* the county's 省政府文件 reuses the province's 政策文件 */
    OK(&f, "INSERT INTO site_column (id, site_id, parent_id, code, name, reuse_column_id)"
           " OVERRIDING SYSTEM VALUE VALUES (22, 4, 20, 'szfwj', '省政府文件', 11)");
    T_CONTAINS(BAD(&f, "UPDATE site_column SET reuse_column_id = 22 WHERE id = 11"),
               "cannot reuse a column that reuses it");
    T_CONTAINS(BAD(&f, "UPDATE site_column SET kind = 'page' WHERE id = 22"),
               "site_column_reuse_kind");
    /* filters only on reusing columns; kinds must be item kinds */
    T_CONTAINS(BAD(&f, "UPDATE site_column SET reuse_kinds = '{policy}' WHERE id = 21"),
               "site_column_reuse_filters");
    T_CONTAINS(BAD(&f, "UPDATE site_column SET reuse_kinds = '{polcy}' WHERE id = 22"),
               "unrecognized item kind");
    /* the source cannot be deleted while reused */
    T_CONTAINS(BAD(&f, "DELETE FROM site_column WHERE id = 11"), "foreign key");
    fx_close(&f);
}


static void
test_placement_rules(void)
{
    struct fx f;

    fx_open(&f);
    seed(&f);
    OK(&f, "INSERT INTO item (id, site_id, kind, title) OVERRIDING SYSTEM VALUE"
           " VALUES (100, 2, 'article', '全省数字政府建设工作推进会召开')");
    OK(&f, "INSERT INTO placement (item_id, column_id, site_id, state, published_at)"
           " VALUES (100, 11, 2, 'published', now()), (100, 21, 4, 'draft', NULL)");
    /* one placement per item and column */
    T_CONTAINS(BAD(&f, "INSERT INTO placement (item_id, column_id, site_id) VALUES (100, 11, 2)"),
               "placement_item_column_key");
    /* site_id is the column's site */
    T_CONTAINS(BAD(&f, "INSERT INTO placement (item_id, column_id, site_id) VALUES (100, 10, 4)"),
               "placement_column");
    T_CONTAINS(BAD(&f, "UPDATE placement SET state = 'published' WHERE column_id = 21"),
               "placement_published_at");
    T_CONTAINS(BAD(&f, "UPDATE placement SET state = 'live' WHERE column_id = 21"),
               "placement_state");
    /* hiding is for reusing columns only */
    T_CONTAINS(
        BAD(&f, "INSERT INTO placement_hidden (column_id, site_id, item_id) VALUES (21, 4, 100)"),
        "only a column that reuses another");
    OK(&f, "INSERT INTO site_column (id, site_id, parent_id, code, name, reuse_column_id)"
           " OVERRIDING SYSTEM VALUE VALUES (22, 4, 20, 'szfwj', '省政府文件', 11)");
    OK(&f, "INSERT INTO placement_hidden (column_id, site_id, item_id) VALUES (22, 4, 100)");
    /* a column with placements cannot be deleted (content survives) */
    T_CONTAINS(BAD(&f, "DELETE FROM site_column WHERE id = 21"), "foreign key");
    fx_close(&f);
}


static void
test_column_listing_uses_index(void)
{
    struct fx f;
    struct jy_err err = JY_ERR_INIT;
    struct jy_buf plan;
    struct jy_db_res *r;
    int i;

    fx_open(&f);
    seed(&f);
    /* 40 columns of 500 items each: a realistic shape for the planner */
    OK(&f, "INSERT INTO site_column (site_id, parent_id, code, name)"
           " SELECT 2, 10, 'c' || g, '栏目' || g FROM generate_series(1, 40) g");
    OK(&f, "INSERT INTO item (site_id, kind, title, publish_at)"
           " SELECT 2, 'article', '新闻' || g, now() - g * interval '1 hour'"
           " FROM generate_series(1, 20000) g");
    OK(&f, "INSERT INTO placement (item_id, column_id, site_id, state, published_at)"
           " SELECT i.id, c.id, 2, CASE WHEN i.id % 10 = 0 THEN 'draft' ELSE 'published' END,"
           "  i.publish_at"
           " FROM item i JOIN site_column c ON c.code = 'c' || (i.id % 40 + 1) AND c.site_id = 2");
    OK(&f, "ANALYZE");
    /* page 1 of a column's list, as the renderer asks for it */
    r = jy_db_query(f.db, f.pool,
                    "EXPLAIN SELECT item_id, published_at FROM placement"
                    " WHERE column_id = (SELECT id FROM site_column WHERE site_id = 2"
                    "                     AND path = 'zwgk/c7')"
                    "   AND state = 'published'"
                    " ORDER BY published_at DESC, item_id DESC LIMIT 20",
                    0, NULL, &err);
    T_ASSERT(r != NULL);
    jy_buf_init(&plan, f.pool, 0);
    for (i = 0; i < jy_db_res_rows(r); i++)
        jy_buf_addf(&plan, "%s\n", jy_db_res_get(r, i, 0));
    T_CONTAINS(plan.buf, "placement_column_list_idx");
    /* the index gives the order: no sort step */
    T_ASSERT(strstr(plan.buf, "Sort") == NULL);
    fx_close(&f);
}


static void
test_item_revisions_kept(void)
{
    struct fx f;

    fx_open(&f);
    seed(&f);
    OK(&f, "INSERT INTO item (id, site_id, kind, title) OVERRIDING SYSTEM VALUE"
           " VALUES (100, 2, 'article', '初稿')");
    T_EQ_STR(OK(&f, "SELECT revision FROM item WHERE id = 100"), "1");
    OK(&f, "UPDATE item SET title = '修改稿', body = '<p>正文</p>' WHERE id = 100");
    T_EQ_STR(OK(&f, "SELECT revision FROM item WHERE id = 100"), "2");
    /* a save that changes nothing keeps no new revision */
    OK(&f, "UPDATE item SET title = '修改稿' WHERE id = 100");
    T_EQ_STR(OK(&f, "SELECT revision FROM item WHERE id = 100"), "2");
    T_EQ_STR(OK(&f, "SELECT string_agg(rev || ':' || (data->>'title'), ',' ORDER BY rev)"
                    " FROM item_revision WHERE item_id = 100"),
             "1:初稿,2:修改稿");
    fx_close(&f);
}


static void
test_policy_rules(void)
{
    struct fx f;

    fx_open(&f);
    seed(&f);
    OK(&f, "INSERT INTO item (id, site_id, kind, title, doc_no, issuer, written_on, issued_on,"
           " validity) OVERRIDING SYSTEM VALUE VALUES (200, 2, 'policy', '行动方案',"
           " '岭政发〔2024〕3号', '云岭省人民政府', '2024-02-06', '2024-02-08', 'valid')");
    /* policy fields belong to policy documents */
    T_CONTAINS(
        BAD(&f,
            "INSERT INTO item (site_id, kind, title, doc_no) VALUES (2, 'article', 'x', '1号')"),
        "item_policy_fields");
    /* a 文号 is given once per issuer */
    T_CONTAINS(
        BAD(&f, "INSERT INTO item (site_id, kind, title, doc_no, issuer, validity)"
                " VALUES (4, 'policy', '另一份', '岭政发〔2024〕3号', '云岭省人民政府', 'valid')"),
        "item_doc_no_key");
    /* repealed needs the repealing document and the date */
    T_CONTAINS(
        BAD(&f, "UPDATE item SET validity = 'repealed', validity_on = '2025-01-01' WHERE id = 200"),
        "item_validity_by_document");
    T_CONTAINS(BAD(&f, "UPDATE item SET validity = 'expired' WHERE id = 200"),
               "item_validity_dated");
    T_CONTAINS(BAD(&f, "UPDATE item SET written_on = '2024-03-01' WHERE id = 200"),
               "item_written_before_issued");
    OK(&f, "UPDATE item SET validity = 'expired', validity_on = '2026-12-31' WHERE id = 200");
    /* an interpretation interprets a policy document, not the other way round */
    OK(&f, "INSERT INTO item (id, site_id, kind, title) OVERRIDING SYSTEM VALUE"
           " VALUES (201, 2, 'interpretation', '政策解读')");
    OK(&f,
       "INSERT INTO item_relation (site_id, from_id, to_id, kind) VALUES (2, 201, 200, 'interprets')");
    T_CONTAINS(BAD(&f, "INSERT INTO item_relation (site_id, from_id, to_id, kind)"
                       " VALUES (2, 200, 201, 'interprets')"),
               "only an interpretation can interpret");
    /* the index number is unique per site */
    OK(&f, "UPDATE item SET index_no = '11560000MB0128301X/2024-00031' WHERE id = 200");
    T_CONTAINS(BAD(&f, "UPDATE item SET index_no = '11560000MB0128301X/2024-00031' WHERE id = 201"),
               "item_index_no_key");
    fx_close(&f);
}


static void
test_audit_log_is_append_only(void)
{
    struct fx f;

    fx_open(&f);
    OK(&f, "INSERT INTO audit_log (action, object_type, object_id, after)"
           " VALUES ('site.create', 'site', '2', '{\"name\": \"云岭省人民政府\"}')");
    T_CONTAINS(BAD(&f, "UPDATE audit_log SET action = 'site.delete'"), "append-only");
    T_CONTAINS(BAD(&f, "DELETE FROM audit_log"), "append-only");
    T_CONTAINS(BAD(&f, "TRUNCATE audit_log"), "append-only");
    T_EQ_STR(OK(&f, "SELECT count(*) FROM audit_log"), "1");
    fx_close(&f);
}


static void
test_grants_and_users(void)
{
    struct fx f;

    fx_open(&f);
    seed(&f);
    OK(&f, "INSERT INTO app_user (id, login, display_name) OVERRIDING SYSTEM VALUE"
           " VALUES (1, 'liu.yang', '刘洋')");
    T_CONTAINS(BAD(&f, "INSERT INTO app_user (login, display_name) VALUES ('Liu Yang', '刘洋')"),
               "app_user_login_shape");
    T_CONTAINS(
        BAD(&f, "INSERT INTO app_user (login, display_name) VALUES ('liu.yang', '另一个刘洋')"),
        "app_user_login_key");
    OK(&f,
       "INSERT INTO user_grant (user_id, role, site_id, column_id) VALUES (1, 'editor', 4, 21)");
    T_CONTAINS(
        BAD(&f,
            "INSERT INTO user_grant (user_id, role, site_id, column_id) VALUES (1, 'editor', 4, 21)"),
        "user_grant_key");
    /* the granted column belongs to the granted site */
    T_CONTAINS(
        BAD(&f,
            "INSERT INTO user_grant (user_id, role, site_id, column_id) VALUES (1, 'editor', 4, 11)"),
        "user_grant_column_of_site");
    T_CONTAINS(
        BAD(&f, "INSERT INTO user_grant (user_id, role, site_id) VALUES (1, 'superuser', 4)"),
        "user_grant_role_fkey");
    T_EQ_STR(OK(&f, "SELECT count(*) FROM role WHERE code IN ('platform_admin', 'site_admin',"
                    " 'editor', 'reviewer', 'viewer')"),
             "5");
    fx_close(&f);
}


static void
test_every_tenant_table_has_site_id(void)
{
    struct fx f;

    fx_open(&f);
    /* the tables of issue 3's row-level security: all carry site_id */
    T_EQ_STR(OK(&f,
                "SELECT coalesce(string_agg(t, ','), '') FROM unnest(ARRAY['site_domain',"
                " 'site_column', 'item', 'item_revision', 'item_relation', 'item_tag', 'placement',"
                " 'placement_hidden', 'user_grant', 'audit_log', 'app_user']) t"
                " WHERE NOT EXISTS (SELECT 1 FROM information_schema.columns c"
                "  WHERE c.table_name = t AND c.column_name = 'site_id')"),
             "");
    /* and every table and its key columns are documented */
    T_EQ_STR(
        OK(&f,
           "SELECT coalesce(string_agg(c.relname, ','), '') FROM pg_class c"
           " JOIN pg_namespace n ON n.oid = c.relnamespace"
           " WHERE n.nspname = 'public' AND c.relkind = 'r'"
           "  AND c.relname <> 'schema_version' AND obj_description(c.oid, 'pg_class') IS NULL"),
        "");
    fx_close(&f);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_site_code_shape),
        T_CASE(test_site_tree_paths_and_cycles),
        T_CASE(test_column_parent_on_another_site),
        T_CASE(test_duplicate_sibling_codes),
        T_CASE(test_column_paths_follow_renames),
        T_CASE(test_reuse_rules),
        T_CASE(test_placement_rules),
        T_CASE(test_column_listing_uses_index),
        T_CASE(test_item_revisions_kept),
        T_CASE(test_policy_rules),
        T_CASE(test_audit_log_is_append_only),
        T_CASE(test_grants_and_users),
        T_CASE(test_every_tenant_table_has_site_id),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
