/*
 * demo_test.c - the demo platform and the blueprints against a real
 * PostgreSQL: what `jiyue demo` loads, that loading twice changes nothing,
 * that reuse is wired to the right province and city columns, and that a
 * corrupt file fails naming the field and leaves the database unchanged.
 */
#include "core/compat.h"
#include "core/blueprint.h"
#include "core/db.h"
#include "core/demo.h"
#include "core/err.h"
#include "core/pool.h"
#include "tests/test.h"

struct fx {
    struct jy_pool *pool;
    struct jy_db *db;
};

/*
 * The id and xmin of every row of every table of the model: equal
 * snapshots mean no row was inserted, deleted or even rewritten with the
 * same values.
 */
static const char snapshot_sql[] =
    "SELECT count(*) || ':' || md5(string_agg(t, '|' ORDER BY t)) FROM ("
    " SELECT 'site' || id || ':' || xmin::text AS t FROM site"
    " UNION ALL SELECT 'dom' || domain || ':' || xmin::text FROM site_domain"
    " UNION ALL SELECT 'col' || id || ':' || xmin::text FROM site_column"
    " UNION ALL SELECT 'user' || id || ':' || xmin::text FROM app_user"
    " UNION ALL SELECT 'grant' || id || ':' || xmin::text FROM user_grant"
    " UNION ALL SELECT 'tag' || id || ':' || xmin::text FROM tag"
    " UNION ALL SELECT 'syn' || synonym || ':' || xmin::text FROM tag_synonym"
    " UNION ALL SELECT 'item' || id || ':' || xmin::text FROM item"
    " UNION ALL SELECT 'rev' || item_id || '.' || rev || ':' || xmin::text FROM item_revision"
    " UNION ALL SELECT 'itag' || item_id || '.' || tag_id || ':' || xmin::text FROM item_tag"
    " UNION ALL SELECT 'rel' || from_id || '.' || to_id || ':' || xmin::text FROM item_relation"
    " UNION ALL SELECT 'pl' || id || ':' || xmin::text FROM placement"
    " UNION ALL SELECT 'audit' || id || ':' || xmin::text FROM audit_log) s";


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


static const char *
value(struct fx *f, int line, const char *sql)
{
    struct jy_err err = JY_ERR_INIT;
    const char *v = jy_db_query_value(f->db, f->pool, sql, 0, NULL, &err);

    if (v == NULL && err.code != JY_E_NONE)
        jy_test_fail(__FILE__, line, "%s\n    failed: %s (%s)", sql, err.msg, err.detail);
    return v;
}

#define VALUE(f, sql) value((f), __LINE__, (sql))


/* Load a platform file (NULL: the real one) with the real blueprints. */
static int
load(struct fx *f, const char *file, struct jy_demo_stats *st, struct jy_err *err)
{
    struct jy_demo_opts opts = {NULL, NULL, NULL, false};

    opts.file = file ? file : jy_test_path("sites/demo/platform.json");
    opts.name = file ? "platform.json" : "sites/demo/platform.json";
    opts.blueprint_dir = jy_test_path("sites/blueprints");
    return jy_demo_load(f->db, f->pool, &opts, st, err);
}


static void
load_ok(struct fx *f, struct jy_demo_stats *st)
{
    struct jy_err err = JY_ERR_INIT;

    if (load(f, NULL, st, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "demo load failed: %s (%s)", err.msg, err.detail);
}


/*
 * A copy of the demo file with the first occurrence of from replaced by to,
 * written to a temp folder; returns its path.
 */
static const char *
corrupt_copy(struct fx *f, const char *from, const char *to)
{
    FILE *in = fopen(jy_test_path("sites/demo/platform.json"), "rb"), *out;
    char *text = jy_pool_alloc(f->pool, 1 << 20), *hit, *path;
    size_t n;

    T_ASSERT(in != NULL);
    n = fread(text, 1, (1 << 20) - 1, in);
    fclose(in);
    text[n] = '\0';
    hit = strstr(text, from);
    if (hit == NULL)
        jy_test_fail(__FILE__, __LINE__, "\"%s\" is not in the demo file", from);
    path = jy_pool_printf(f->pool, "%s/platform.json", jy_test_tmpdir());
    out = fopen(path, "wb");
    T_ASSERT(out != NULL);
    fwrite(text, 1, (size_t) (hit - text), out);
    fputs(to, out);
    fputs(hit + strlen(from), out);
    T_ASSERT(fclose(out) == 0);
    return path;
}


/* The loaded demo, shared by the tests that only read it. */
static struct fx *
loaded(void)
{
    static struct fx f;
    static bool done;
    struct jy_demo_stats st;

    if (!done) {
        fx_open(&f);
        load_ok(&f, &st);
        done = true;
    }
    return &f;
}


static void
test_demo_loads_the_site_tree(void)
{
    struct fx *f = loaded();

    T_EQ_STR(VALUE(f, "SELECT count(*) FROM site WHERE kind = 'site' AND level = 'platform'"), "1");
    T_EQ_STR(VALUE(f, "SELECT count(*) FROM site WHERE kind = 'site' AND level = 'province'"), "1");
    T_EQ_STR(VALUE(f, "SELECT count(*) FROM site WHERE kind = 'site' AND level = 'city'"), "3");
    T_EQ_STR(VALUE(f, "SELECT count(*) FROM site WHERE kind = 'site' AND level = 'county'"), "9");
    T_EQ_STR(VALUE(f, "SELECT count(*) FROM site WHERE kind = 'site' AND level = 'department'"),
             "6");
    /* three counties under each city; departments under the province and the cities */
    T_EQ_STR(VALUE(f, "SELECT string_agg(n::text, ',') FROM (SELECT count(k.id) AS n"
                      " FROM site c LEFT JOIN site k ON k.parent_id = c.id AND k.level = 'county'"
                      " WHERE c.level = 'city' GROUP BY c.id) s"),
             "3,3,3");
    T_EQ_STR(VALUE(f, "SELECT count(DISTINCT p.level) FROM site d JOIN site p ON p.id = d.parent_id"
                      " WHERE d.kind = 'site' AND d.level = 'department'"),
             "2");
    /* every site has a code of the right shape, a primary domain under .gov.cn, filing numbers */
    T_EQ_STR(VALUE(f,
                   "SELECT count(*) FROM site s WHERE kind = 'site' AND level <> 'platform' AND"
                   " (code !~ '^[0-9]{10}$' OR icp_no IS NULL OR psb_no IS NULL OR sponsor IS NULL"
                   "  OR NOT EXISTS (SELECT 1 FROM site_domain d WHERE d.site_id = s.id"
                   "   AND d.is_primary AND d.domain LIKE '%.gov.cn'))"),
             "0");
    /* column-only units hang under a county and own columns of it */
    T_EQ_STR(VALUE(f, "SELECT count(*) FROM site u JOIN site p ON p.id = u.parent_id"
                      " WHERE u.kind = 'unit' AND p.level = 'county'"
                      " AND EXISTS (SELECT 1 FROM site_column c WHERE c.unit_id = u.id"
                      "  AND c.site_id = p.id)"),
             "4");
}


static void
test_every_county_has_40_columns(void)
{
    struct fx *f = loaded();

    T_EQ_STR(VALUE(f, "SELECT count(*) FROM site s WHERE s.level = 'county'"
                      " AND (SELECT count(*) FROM site_column c WHERE c.site_id = s.id) >= 40"),
             "9");
    /* and every site got the blueprint of its level, recorded with its version */
    T_EQ_STR(VALUE(f, "SELECT count(*) FROM site WHERE kind = 'site' AND level <> 'platform'"
                      " AND (blueprint IS DISTINCT FROM level OR blueprint_version <> 1)"),
             "0");
    T_EQ_STR(VALUE(f, "SELECT count(*) FROM site s WHERE kind = 'site' AND level <> 'platform'"
                      " AND NOT EXISTS (SELECT 1 FROM site_column c WHERE c.site_id = s.id"
                      "  AND c.std_code = 'zwgk.zcwj')"),
             "0");
}


static void
test_reuse_points_to_province_and_city(void)
{
    struct fx *f = loaded();

    /* county 省政府文件 -> the province's own government documents */
    T_EQ_STR(
        VALUE(f, "SELECT count(*) FROM site k"
                 " JOIN site_column c ON c.site_id = k.id AND c.std_code = 'zwgk.zcwj.shengwj'"
                 " JOIN site_column s ON s.id = c.reuse_column_id AND s.std_code = 'zwgk.zcwj.zfwj'"
                 " JOIN site p ON p.id = s.site_id AND p.code = '5600000001'"
                 " WHERE k.level = 'county'"),
        "9");
    /* county 市政动态 -> the news of its own city, not another one */
    T_EQ_STR(VALUE(f,
                   "SELECT count(*) FROM site k"
                   " JOIN site_column c ON c.site_id = k.id AND c.std_code = 'zwgk.zwdt.shidt'"
                   " JOIN site_column s ON s.id = c.reuse_column_id AND s.std_code = 'zwgk.zwdt.yw'"
                   " WHERE k.level = 'county' AND s.site_id = k.parent_id"),
             "9");
    /* county 市政府文件 -> its city's documents; departments -> their parent government */
    T_EQ_STR(
        VALUE(f, "SELECT count(*) FROM site k"
                 " JOIN site_column c ON c.site_id = k.id AND c.std_code = 'zwgk.zcwj.shiwj'"
                 " JOIN site_column s ON s.id = c.reuse_column_id AND s.std_code = 'zwgk.zcwj.zfwj'"
                 " WHERE s.site_id = k.parent_id"),
        "9");
    T_EQ_STR(VALUE(f, "SELECT count(*) FROM site d"
                      " JOIN site_column c ON c.site_id = d.id AND c.reuse_column_id IS NOT NULL"
                      " JOIN site_column s ON s.id = c.reuse_column_id"
                      " WHERE d.level = 'department' AND s.site_id = d.parent_id"),
             "6");
    /* no reuse points at a site that is not an ancestor */
    T_EQ_STR(
        VALUE(f, "SELECT count(*) FROM site_column c JOIN site_column s ON s.id = c.reuse_column_id"
                 " JOIN site k ON k.id = c.site_id"
                 " WHERE NOT (s.site_id = ANY (k.path)) OR s.site_id = k.id"),
        "0");
    /* filters came along: 惠企政策 takes only tagged policy documents */
    T_EQ_STR(VALUE(f,
                   "SELECT DISTINCT reuse_tag_filter || ' / ' || reuse_kinds::text FROM site_column"
                   " WHERE std_code = 'zwgk.zcwj.hqzc'"),
             "优化营商环境 OR 就业 / {policy}");
}


static void
test_items_placed_across_sites(void)
{
    struct fx *f = loaded();

    T_EQ_STR(VALUE(f, "SELECT count(*) FROM item WHERE kind = 'policy' AND validity = 'valid'"),
             "2");
    T_EQ_STR(VALUE(f, "SELECT count(*) FROM item_relation r JOIN item i ON i.id = r.from_id"
                      " JOIN item p ON p.id = r.to_id WHERE r.kind = 'interprets'"
                      " AND i.kind = 'interpretation' AND p.doc_no = '岭政发〔2024〕3号'"),
             "1");
    /* 一次编辑、多处发布: one notice on three sites */
    T_EQ_STR(VALUE(f, "SELECT max(n) FROM (SELECT count(DISTINCT site_id) AS n FROM placement"
                      " GROUP BY item_id) s"),
             "3");
    /* a county's 省政府文件 shows the province's document through reuse, live */
    T_EQ_STR(VALUE(f,
                   "SELECT i.doc_no FROM site k"
                   " JOIN site_column c ON c.site_id = k.id AND c.std_code = 'zwgk.zcwj.shengwj'"
                   " JOIN placement p ON p.column_id = c.reuse_column_id AND p.state = 'published'"
                   " JOIN item i ON i.id = p.item_id WHERE k.code = '5601210001'"),
             "岭政发〔2024〕3号");
    /* every item has a first revision; users have no password yet */
    T_EQ_STR(VALUE(f, "SELECT count(*) FROM item i WHERE NOT EXISTS"
                      " (SELECT 1 FROM item_revision r WHERE r.item_id = i.id AND r.rev = 1)"),
             "0");
    T_EQ_STR(VALUE(f, "SELECT count(*) FROM app_user WHERE password_hash IS NOT NULL"), "0");
    T_EQ_STR(VALUE(f, "SELECT string_agg(DISTINCT g.role, ',' ORDER BY g.role) FROM user_grant g"
                      " WHERE g.role IN ('platform_admin', 'editor', 'reviewer')"),
             "editor,platform_admin,reviewer");
    /* the load is recorded once in the audit log */
    T_EQ_STR(VALUE(f, "SELECT count(*) FROM audit_log WHERE action = 'demo.load'"), "1");
}


static void
test_loading_twice_changes_nothing(void)
{
    struct fx f;
    struct jy_demo_stats first, second;
    const char *before, *after;

    fx_open(&f);
    load_ok(&f, &first);
    T_ASSERT(jy_demo_changes(&first) > 1000);
    T_EQ_INT(first.sites.created, 20);
    before = VALUE(&f, snapshot_sql);
    load_ok(&f, &second);
    after = VALUE(&f, snapshot_sql);
    T_EQ_INT(jy_demo_changes(&second), 0);
    T_EQ_INT(second.sites.unchanged, 20);
    T_EQ_INT(second.columns.unchanged, first.columns.created);
    T_EQ_INT(second.items.unchanged, first.items.created);
    T_EQ_INT(second.placements.unchanged, first.placements.created);
    /* not one row rewritten: same ids, same xmin, no new audit record */
    T_EQ_STR(after, before);
    fx_close(&f);
}


static void
test_changed_file_updates_only_what_changed(void)
{
    struct fx f;
    struct jy_demo_stats st;
    struct jy_err err = JY_ERR_INIT;
    const char *path;

    fx_open(&f);
    load_ok(&f, &st);
    path = corrupt_copy(&f, "岚川市2024年第一批重点项目集中开工",
                        "岚川市2024年第一批重点项目集中开工（第二批）");
    T_EQ_INT(load(&f, path, &st, &err), JY_OK);
    T_EQ_INT(st.items.updated, 1);
    T_EQ_INT(st.items.created, 0);
    T_EQ_INT(jy_demo_changes(&st), 1);
    T_EQ_STR(VALUE(&f, "SELECT revision || ':' || title FROM item"
                       " WHERE index_no = '11560100MB0203417A/2024-00056'"),
             "2:岚川市2024年第一批重点项目集中开工（第二批）");
    /* an editor's change to a column survives reloading: columns are only added */
    VALUE(&f, "UPDATE site_column SET name = '栖云要闻' WHERE path = 'zwgk/zwdt/yw'"
              " AND site_id = (SELECT id FROM site WHERE code = '5601210001') RETURNING 1");
    load_ok(&f, &st);
    T_EQ_STR(VALUE(&f, "SELECT name FROM site_column WHERE path = 'zwgk/zwdt/yw'"
                       " AND site_id = (SELECT id FROM site WHERE code = '5601210001')"),
             "栖云要闻");
    fx_close(&f);
}


static void
test_corrupt_file_changes_nothing(void)
{
    struct fx f;
    struct jy_demo_stats st;
    struct jy_err err = JY_ERR_INIT;
    const char *before, *path;

    fx_open(&f);
    load_ok(&f, &st);
    before = VALUE(&f, snapshot_sql);

    path = corrupt_copy(&f, "\"code\": \"5601210001\"", "\"code\": \"12345\"");
    T_EQ_INT(load(&f, path, &st, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_CONTAINS(err.msg,
               "platform.json: site \"栖云县人民政府\": code \"12345\" must be 10 characters");
    T_EQ_STR(err.field, "code");
    T_EQ_STR(VALUE(&f, snapshot_sql), before);

    /* the last item is bad: everything before it is rolled back too */
    jy_err_clear(&err);
    path = corrupt_copy(&f, "\"publish_at\": \"2024-03-25T10:30:00+08:00\"",
                        "\"publish_at\": \"2024-03-25 10:30\"");
    T_EQ_INT(load(&f, path, &st, &err), JY_ERROR);
    T_CONTAINS(err.msg,
               "item \"11560121MB0307752C/2024-00027\": field \"publish_at\" must be a time");
    T_EQ_STR(VALUE(&f, snapshot_sql), before);
    fx_close(&f);
}


static void
test_corrupt_file_on_empty_database(void)
{
    static const struct {
        const char *from, *to, *expect;
    } cases[] = {
        {"\"icp_no\": \"岭ICP备56012101号\"", "\"icp_no\": \"56012101\"",
         "site \"栖云县人民政府\": field \"icp_no\" must be an ICP filing number"},
        {"\"domains\": [\"qiyun.lanchuan.gov.cn\"]", "\"domains\": [\"Qiyun.Lanchuan.gov.cn\"]",
         "site \"栖云县人民政府\": field \"domains[0]\" must be a lower-case host name"},
        {"\"level\": \"county\"", "\"level\": \"district\"", "field \"level\" must be one of"},
        {"\"sponsor\": \"云岭省教育厅\"", "\"sponsr\": \"云岭省教育厅\"",
         "site \"云岭省教育厅\": unrecognized field \"sponsr\""},
        {"\"blueprint\": \"department\"", "\"blueprint\": \"county\"",
         "site \"云岭省发展和改革委员会\": field \"blueprint\" \"county\" is for county sites, not department sites"},
        {"\"role\": \"reviewer\"", "\"role\": \"superviser\"",
         "user \"chen.jing\": grant 1: field \"role\" names no role: \"superviser\""},
        {"{\"site\": \"5600000001\", \"column\": \"zwgk/zcwj/szfbgtwj\"}",
         "{\"site\": \"5600000001\", \"column\": \"zwgk/tzgg\"}",
         "placement 1: field \"column\" \"zwgk/tzgg\" of site \"5600000001\" does not accept policy items"},
        {"\"validity\": \"valid\"", "\"validity\": \"repealed\"",
         "item \"11560000MB0128301X/2024-00031\""},
        {"\"version\": 1", "\"version\": 2", "version 2 is not supported"},
    };
    struct fx f;
    struct jy_demo_stats st;
    size_t i;

    fx_open(&f);
    for (i = 0; i < JY_ARRAY_LEN(cases); i++) {
        struct jy_err err = JY_ERR_INIT;
        const char *path = corrupt_copy(&f, cases[i].from, cases[i].to);
        if (load(&f, path, &st, &err) != JY_ERROR)
            jy_test_fail(__FILE__, __LINE__, "case %zu loaded", i);
        if (strstr(err.msg, cases[i].expect) == NULL)
            jy_test_fail(__FILE__, __LINE__, "case %zu: \"%s\" does not contain \"%s\"", i, err.msg,
                         cases[i].expect);
        T_CONTAINS(err.msg, "platform.json");
        T_EQ_STR(VALUE(&f, "SELECT (SELECT count(*) FROM site) + (SELECT count(*) FROM site_column)"
                           " + (SELECT count(*) FROM item) + (SELECT count(*) FROM app_user)"
                           " + (SELECT count(*) FROM audit_log)"),
                 "0");
    }
    fx_close(&f);
}


static void
test_blueprint_files(void)
{
    static const char *const names[] = {"province", "city", "county", "department"};
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(names); i++) {
        const char *path =
            jy_pool_printf(pool, "%s/%s.json", jy_test_path("sites/blueprints"), names[i]);
        struct jy_blueprint *bp = jy_blueprint_load(pool, path, &err);
        if (bp == NULL)
            jy_test_fail(__FILE__, __LINE__, "%s: %s", path, err.msg);
        T_EQ_STR(bp->name, names[i]);
        T_EQ_STR(bp->level, names[i]);
        T_EQ_INT(bp->version, 1);
        T_ASSERT(bp->ncolumns >= 40);
        if (strcmp(names[i], "city") == 0 || strcmp(names[i], "county") == 0)
            T_ASSERT(bp->nreuse >= 4);
    }
    jy_pool_destroy(pool);
}


/* Write text to a blueprint file of a temp folder named after the blueprint. */
static const char *
write_blueprint(struct jy_pool *pool, const char *name, const char *columns)
{
    const char *path = jy_pool_printf(pool, "%s/%s.json", jy_test_tmpdir(), name);
    FILE *f = fopen(path, "w");

    T_ASSERT(f != NULL);
    fprintf(f,
            "{\"blueprint\": \"%s\", \"version\": 1, \"level\": \"county\", \"title\": \"测试\","
            " \"columns\": %s}",
            name, columns);
    T_ASSERT(fclose(f) == 0);
    return path;
}


static void
test_bad_blueprints(void)
{
    static const struct {
        const char *columns, *expect;
    } cases[] = {
        {"[{\"code\": \"a\", \"std\": \"a\", \"name\": \"甲\", \"kind\": \"list\"},"
         " {\"code\": \"a\", \"std\": \"b\", \"name\": \"乙\", \"kind\": \"list\"}]",
         "column \"乙\": field \"code\" \"a\" is used by a sibling column"},
        {"[{\"code\": \"a\", \"std\": \"a\", \"name\": \"甲\", \"kind\": \"list\", \"children\":"
         " [{\"code\": \"b\", \"std\": \"a\", \"name\": \"乙\", \"kind\": \"list\"}]}]",
         "column \"乙\": field \"std\" \"a\" is used by another column"},
        {"[{\"code\": \"wsbs\", \"std\": \"zwfw.wsbs\", \"name\": \"网上办事\", \"kind\": \"link\"}]",
         "column \"网上办事\": field \"url\" is required for a link column"},
        {"[{\"code\": \"ZCWJ\", \"std\": \"zwgk\", \"name\": \"政策文件\", \"kind\": \"list\"}]",
         "column \"政策文件\": field \"code\" must be lower-case ASCII"},
        {"[{\"code\": \"s\", \"std\": \"s\", \"name\": \"省文件\", \"kind\": \"page\","
         " \"reuse\": {\"level\": \"province\", \"std\": \"zwgk.zcwj\"}}]",
         "column \"省文件\": field \"reuse\" is only for list and topic columns"},
        {"[{\"code\": \"s\", \"std\": \"s\", \"name\": \"省文件\", \"kind\": \"list\","
         " \"reuse\": {\"level\": \"nation\", \"std\": \"zwgk.zcwj\"}}]",
         "column \"省文件\": field \"reuse.level\" must be one of"},
    };
    struct jy_pool *pool = jy_pool_create(0);
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(cases); i++) {
        struct jy_err err = JY_ERR_INIT;
        const char *path = write_blueprint(pool, "county", cases[i].columns);
        if (jy_blueprint_load(pool, path, &err) != NULL)
            jy_test_fail(__FILE__, __LINE__, "case %zu loaded", i);
        if (strstr(err.msg, cases[i].expect) == NULL)
            jy_test_fail(__FILE__, __LINE__, "case %zu: \"%s\" does not contain \"%s\"", i, err.msg,
                         cases[i].expect);
        T_CONTAINS(err.msg, "county.json");
    }
    jy_pool_destroy(pool);
}


static void
test_blueprint_apply_adds_only_what_is_missing(void)
{
    struct fx f;
    struct jy_demo_stats st;
    struct jy_err err = JY_ERR_INIT;
    struct jy_blueprint_result res = {0, 0, 0};
    struct jy_blueprint *bp;
    long long county, city;

    fx_open(&f);
    load_ok(&f, &st);
    county = strtoll(VALUE(&f, "SELECT id FROM site WHERE code = '5602210001'"), NULL, 10);
    city = strtoll(VALUE(&f, "SELECT id FROM site WHERE code = '5602000001'"), NULL, 10);
    /* an editor renamed one column and removed another */
    VALUE(&f, "UPDATE site_column SET name = '石窗概况' WHERE path = 'gkxx/xqgk'"
              " AND site_id = (SELECT id FROM site WHERE code = '5602210001') RETURNING 1");
    VALUE(&f, "DELETE FROM site_column WHERE path = 'zwgk/zwdt/shizdt'"
              " AND site_id = (SELECT id FROM site WHERE code = '5602210001') RETURNING 1");
    bp = jy_blueprint_load(f.pool, jy_test_path("sites/blueprints/county.json"), &err);
    T_ASSERT(bp != NULL);
    T_EQ_INT(jy_blueprint_apply(f.db, f.pool, bp, county, &res, &err), JY_OK);
    T_EQ_INT(res.created, 1);
    T_EQ_INT(res.wired, 1);
    T_EQ_INT(res.present, bp->ncolumns - 1);
    T_EQ_STR(VALUE(&f, "SELECT name FROM site_column WHERE path = 'gkxx/xqgk'"
                       " AND site_id = (SELECT id FROM site WHERE code = '5602210001')"),
             "石窗概况");
    /* the re-created column is wired to the city's news again */
    T_EQ_STR(VALUE(&f,
                   "SELECT s.std_code || '@' || p.code FROM site_column c"
                   " JOIN site_column s ON s.id = c.reuse_column_id JOIN site p ON p.id = s.site_id"
                   " WHERE c.path = 'zwgk/zwdt/shizdt'"
                   " AND c.site_id = (SELECT id FROM site WHERE code = '5602210001')"),
             "zwgk.zwdt.yw@5602000001");
    /* a blueprint applies to sites of its level only */
    T_EQ_INT(jy_blueprint_apply(f.db, f.pool, bp, city, &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "the blueprint is for county sites, the site is a city site");
    fx_close(&f);
}


static void
test_dry_run_changes_nothing(void)
{
    struct fx f;
    struct jy_demo_stats st;
    struct jy_err err = JY_ERR_INIT;
    struct jy_demo_opts opts = {NULL, NULL, NULL, true};

    fx_open(&f);
    opts.file = jy_test_path("sites/demo/platform.json");
    T_EQ_INT(jy_demo_load(f.db, f.pool, &opts, &st, &err), JY_OK);
    T_EQ_INT(st.sites.created, 20);
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM site"), "0");
    fx_close(&f);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_demo_loads_the_site_tree),
        T_CASE(test_every_county_has_40_columns),
        T_CASE(test_reuse_points_to_province_and_city),
        T_CASE(test_items_placed_across_sites),
        T_CASE(test_loading_twice_changes_nothing),
        T_CASE(test_changed_file_updates_only_what_changed),
        T_CASE(test_corrupt_file_changes_nothing),
        T_CASE(test_corrupt_file_on_empty_database),
        T_CASE(test_blueprint_files),
        T_CASE(test_bad_blueprints),
        T_CASE(test_blueprint_apply_adds_only_what_is_missing),
        T_CASE(test_dry_run_changes_nothing),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
