/*
 * site_test.c - the site lifecycle (core/site.h) against a real PostgreSQL
 * holding the demo platform: creating a county from its blueprint, bad
 * input and conflicts (also from two sessions at once), closing a county of
 * 2,000 items into a column of its city with every old URL mapped,
 * reopening, promoting and demoting, re-applying a newer blueprint, and the
 * audit record of every step.
 */
#include "core/compat.h"
#include "core/blueprint.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/demo.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/site.h"
#include "tests/test.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

struct fx {
    struct jy_pool *pool;
    struct jy_db *db;
    const char *conninfo;
};

/* Every row of the tables a site operation may touch: equal means unchanged. */
static const char snapshot_sql[] =
    "SELECT count(*) || ':' || md5(string_agg(t, '|' ORDER BY t)) FROM ("
    " SELECT 'site' || id || ':' || xmin::text AS t FROM site"
    " UNION ALL SELECT 'dom' || domain || ':' || xmin::text FROM site_domain"
    " UNION ALL SELECT 'col' || id || ':' || xmin::text FROM site_column"
    " UNION ALL SELECT 'pl' || id || ':' || xmin::text FROM placement"
    " UNION ALL SELECT 'rd' || id || ':' || xmin::text FROM site_redirect"
    " UNION ALL SELECT 'audit' || id || ':' || xmin::text FROM audit_log) s";


static void
fx_open(struct fx *f)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_demo_opts opts = {NULL, NULL, NULL, false};
    struct jy_demo_stats st;

    f->pool = jy_pool_create(0);
    f->conninfo = jy_test_db_create(true);
    f->db = jy_db_connect(f->conninfo, &err);
    if (f->db == NULL)
        jy_test_fail(__FILE__, __LINE__, "connect: %s (%s)", err.msg, err.detail);
    opts.file = jy_test_path("sites/demo/platform.json");
    opts.blueprint_dir = jy_test_path("sites/blueprints");
    if (jy_demo_load(f->db, f->pool, &opts, &st, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "demo: %s (%s)", err.msg, err.detail);
}


static void
fx_close(struct fx *f)
{
    jy_db_close(f->db);
    jy_pool_destroy(f->pool);
}


/* The demo platform, shared by the tests that leave it as it was. */
static struct fx *
shared(void)
{
    static struct fx f;
    static bool done;

    if (!done) {
        fx_open(&f);
        done = true;
    }
    return &f;
}


static const char *
value(struct fx *f, int line, const char *sql)
{
    struct jy_err err = JY_ERR_INIT;
    const char *v = jy_db_query_value(f->db, f->pool, sql, 0, NULL, &err);

    if (v == NULL && err.code != JY_E_NONE)
        jy_test_fail(__FILE__, line, "%s\n    failed: %s (%s)", sql, err.msg, err.detail);
    return v ? v : "(null)";
}

#define VALUE(f, sql) value((f), __LINE__, (sql))


/* A county of 岚川市 (5601000001) from the county blueprint: code 5601NN0001. */
static void
county_spec(struct jy_site_spec *s, int nn, const char **domains)
{
    static char codes[8][16], names[8][64];
    static int slot;
    int i = slot++ % 8;

    memset(s, 0, sizeof(*s));
    snprintf(codes[i], sizeof(codes[i]), "5601%02d0001", nn);
    snprintf(names[i], sizeof(names[i]), "新区%02d人民政府", nn);
    s->parent = "5601000001";
    s->blueprint = "county";
    s->blueprint_dir = jy_test_path("sites/blueprints");
    s->name = names[i];
    s->code = codes[i];
    s->sponsor = "岚川市新区人民政府办公室";
    s->icp_no = "岭ICP备56012301号";
    s->domains = domains;
    s->ndomains = domains[1] ? 2 : 1;
}


static long long
create_county(struct fx *f, int nn, const char *domain, const char *alias)
{
    const char *domains[3] = {domain, alias, NULL};
    struct jy_site_spec spec;
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;

    county_spec(&spec, nn, domains);
    if (jy_site_create(f->db, f->pool, &spec, 0, &res, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "create: %s (%s)", err.msg, err.detail);
    return res.site_id;
}


/* Write text to path, with the first occurrence of from replaced by to. */
static void
copy_replace(const char *src, const char *dst, const char *from, const char *to)
{
    FILE *in = fopen(src, "rb"), *out;
    static char text[1 << 17];
    size_t n;
    char *hit;

    T_ASSERT(in != NULL);
    n = fread(text, 1, sizeof(text) - 1, in);
    fclose(in);
    text[n] = '\0';
    hit = from ? strstr(text, from) : NULL;
    if (from && hit == NULL)
        jy_test_fail(__FILE__, __LINE__, "\"%s\" is not in %s", from, src);
    out = fopen(dst, "wb");
    T_ASSERT(out != NULL);
    if (hit) {
        fwrite(text, 1, (size_t) (hit - text), out);
        fputs(to, out);
        fputs(hit + strlen(from), out);
    } else {
        fputs(text, out);
    }
    T_ASSERT(fclose(out) == 0);
}


/* A copy of the blueprint folder in a temp folder, county.json changed as given. */
static const char *
blueprint_copy(struct fx *f, const char *from, const char *to)
{
    static const char *const names[] = {"province", "city", "county", "department"};
    const char *dir = jy_test_tmpdir();
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(names); i++) {
        const char *src =
            jy_pool_printf(f->pool, "%s/%s.json", jy_test_path("sites/blueprints"), names[i]);
        const char *dst = jy_pool_printf(f->pool, "%s/%s.json", dir, names[i]);
        bool county = strcmp(names[i], "county") == 0;
        copy_replace(src, dst, county ? from : NULL, to);
    }
    return dir;
}


/* ---- create ---------------------------------------------------------------------------------- */

static void
test_create_county_from_blueprint(void)
{
    struct fx f;
    const char *domains[] = {"xinqu.lanchuan.gov.cn", "www.xinqu.gov.cn", NULL};
    struct jy_blueprint *bp;
    struct jy_site_spec spec;
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;

    fx_open(&f);
    bp = jy_blueprint_load(f.pool, jy_test_path("sites/blueprints/county.json"), &err);
    T_ASSERT(bp != NULL);
    county_spec(&spec, 23, domains);
    T_EQ_INT(jy_site_create(f.db, f.pool, &spec, 0, &res, &err), JY_OK);
    T_ASSERT(res.site_id > 0);
    T_EQ_INT(res.columns_created, bp->ncolumns);
    T_EQ_INT(res.columns_wired, bp->nreuse);
    T_EQ_STR(res.code, "5601230001");
    /* the row: level and division code from the blueprint and the code, under the city */
    T_EQ_STR(VALUE(&f, "SELECT s.level || ' ' || s.admin_code || ' ' || p.code || ' '"
                       " || s.blueprint || ' v' || s.blueprint_version || ' ' || s.status"
                       " || ' ' || s.theme FROM site s JOIN site p ON p.id = s.parent_id"
                       " WHERE s.code = '5601230001'"),
             "county 560123 5601000001 county v1 open default");
    T_EQ_STR(VALUE(&f, "SELECT string_agg(domain || ':' || is_primary, ',' ORDER BY domain)"
                       " FROM site_domain d JOIN site s ON s.id = d.site_id"
                       " WHERE s.code = '5601230001'"),
             "www.xinqu.gov.cn:false,xinqu.lanchuan.gov.cn:true");
    /* complete: every column of the blueprint, with its standard code, in its place */
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM site_column c JOIN site s ON s.id = c.site_id"
                       " WHERE s.code = '5601230001' AND c.std_code IS NOT NULL"),
             jy_pool_printf(f.pool, "%d", bp->ncolumns));
    T_EQ_STR(VALUE(&f, "SELECT c.name || ' ' || c.kind || ' ' || array_to_string(c.accepts, ',')"
                       " || ' ' || c.update_days FROM site_column c JOIN site s ON s.id = c.site_id"
                       " WHERE s.code = '5601230001' AND c.path = 'zwgk/zcwj/xzfwj'"),
             "县政府文件 list policy 180");
    /* reuse: province documents from the province, city news from its own city */
    T_EQ_STR(VALUE(&f, "SELECT string_agg(c.std_code || '=' || p.code || ':' || src.std_code, ','"
                       "  ORDER BY c.std_code) FROM site_column c"
                       " JOIN site s ON s.id = c.site_id AND s.code = '5601230001'"
                       " JOIN site_column src ON src.id = c.reuse_column_id"
                       " JOIN site p ON p.id = src.site_id"
                       " WHERE c.std_code IN ('zwgk.zcwj.shengwj', 'zwgk.zcwj.shiwj',"
                       "  'zwgk.zwdt.shidt')"),
             "zwgk.zcwj.shengwj=5600000001:zwgk.zcwj.zfwj,zwgk.zcwj.shiwj=5601000001:"
             "zwgk.zcwj.zfwj,zwgk.zwdt.shidt=5601000001:zwgk.zwdt.yw");
    T_EQ_STR(VALUE(&f, "SELECT reuse_tag_filter || ' / ' || reuse_kinds::text FROM site_column c"
                       " JOIN site s ON s.id = c.site_id AND s.code = '5601230001'"
                       " WHERE c.std_code = 'zwgk.zcwj.hqzc'"),
             "优化营商环境 OR 就业 / {policy}");
    /* one audit record of the creation, by the system */
    T_EQ_STR(VALUE(&f, "SELECT count(*) || ' ' || COALESCE(min(user_id)::text, 'system') || ' '"
                       " || min(after ->> 'columns_created') || ' ' || min(after ->> 'code')"
                       " FROM audit_log WHERE action = 'site.create'"),
             jy_pool_printf(f.pool, "1 system %d 5601230001", bp->ncolumns));
    fx_close(&f);
}


static void
test_create_dry_run_changes_nothing(void)
{
    struct fx *f = shared();
    const char *domains[] = {"dry.lanchuan.gov.cn", NULL};
    struct jy_site_spec spec;
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    const char *before = VALUE(f, snapshot_sql);

    county_spec(&spec, 24, domains);
    T_EQ_INT(jy_site_create(f->db, f->pool, &spec, JY_SITE_DRY_RUN, &res, &err), JY_OK);
    T_ASSERT(res.dry_run);
    T_EQ_INT(res.columns_created, 84);
    T_EQ_STR(VALUE(f, snapshot_sql), before);
}


static void
test_duplicate_code_and_domain_conflict(void)
{
    struct fx *f = shared();
    const char *domains[] = {"qiyun2.lanchuan.gov.cn", NULL};
    const char *taken_domain[] = {"qiyun.lanchuan.gov.cn", NULL};
    struct jy_site_spec spec;
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    const char *before = VALUE(f, snapshot_sql);

    /* 5601210001 is 栖云县's code */
    county_spec(&spec, 21, domains);
    T_EQ_INT(jy_site_create(f->db, f->pool, &spec, 0, &res, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_CONTAINS(err.msg, "site code \"5601210001\" is already taken by \"栖云县人民政府\"");
    T_EQ_STR(err.field, "code");
    /* a new code but 栖云县's domain */
    jy_err_clear(&err);
    county_spec(&spec, 25, taken_domain);
    T_EQ_INT(jy_site_create(f->db, f->pool, &spec, 0, &res, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_CONTAINS(err.msg, "domain \"qiyun.lanchuan.gov.cn\" is already used by \"栖云县人民政府\"");
    T_EQ_STR(err.field, "domains");
    /* the same name twice under one parent */
    jy_err_clear(&err);
    county_spec(&spec, 26, domains);
    spec.name = "栖云县人民政府";
    T_EQ_INT(jy_site_create(f->db, f->pool, &spec, 0, &res, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_CONTAINS(err.msg, "called \"栖云县人民政府\" already exists under \"岚川市人民政府\"");
    T_EQ_STR(VALUE(f, snapshot_sql), before);
}


static void
test_malformed_input_names_the_field(void)
{
    static const struct {
        const char *field, *value, *expect, *err_field;
    } cases[] = {
        {"code", "56012", "code \"56012\" must be 10 characters", "code"},
        {"code", "56012x0001", "must be a 6-digit division code and 4 digits", "code"},
        {"code", "5602230001", "division code \"560223\" is not inside \"560100\"", "code"},
        {"code", "5601000009", "\"560100\" is no county division code", "code"},
        {"admin_code", "560124", "code \"5601270001\" must start with the division code \"560124\"",
         "code"},
        {"domain", "Xinqu..lanchuan.gov.cn", "domain \"Xinqu..lanchuan.gov.cn\" must be a host",
         "domains"},
        {"domain", "localhost", "domain \"localhost\" must be a host name", "domains"},
        {"icp", "ICP 123", "icp_no \"ICP 123\" must be an ICP filing number", "icp_no"},
        {"name", " 新区 ", "name \" 新区 \" must be 1 to 100 characters", "name"},
        {"level", "city", "blueprint \"county\" is for county sites, not city sites", "blueprint"},
        {"parent", "5601210001", "a county site belongs under a city or province site", "parent"},
        {"parent", "9999999999", "parent \"9999999999\" does not exist", "parent"},
        {"blueprint", "township", "blueprint \"township\" does not exist", "blueprint"},
        {"blueprint", "../county", "must be a blueprint name", "blueprint"},
    };
    struct fx *f = shared();
    const char *before = VALUE(f, snapshot_sql);
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(cases); i++) {
        const char *domains[] = {"bad.lanchuan.gov.cn", NULL};
        struct jy_site_spec spec;
        struct jy_site_result res;
        struct jy_err err = JY_ERR_INIT;

        county_spec(&spec, 27, domains);
        if (strcmp(cases[i].field, "code") == 0)
            spec.code = cases[i].value;
        else if (strcmp(cases[i].field, "admin_code") == 0)
            spec.admin_code = cases[i].value;
        else if (strcmp(cases[i].field, "domain") == 0)
            domains[0] = cases[i].value;
        else if (strcmp(cases[i].field, "icp") == 0)
            spec.icp_no = cases[i].value;
        else if (strcmp(cases[i].field, "name") == 0)
            spec.name = cases[i].value;
        else if (strcmp(cases[i].field, "level") == 0)
            spec.level = cases[i].value;
        else if (strcmp(cases[i].field, "parent") == 0)
            spec.parent = cases[i].value;
        else
            spec.blueprint = cases[i].value;
        if (jy_site_create(f->db, f->pool, &spec, 0, &res, &err) != JY_ERROR)
            jy_test_fail(__FILE__, __LINE__, "case %zu was accepted", i);
        if (strstr(err.msg, cases[i].expect) == NULL)
            jy_test_fail(__FILE__, __LINE__, "case %zu: \"%s\" does not contain \"%s\"", i, err.msg,
                         cases[i].expect);
        if (strcmp(err.field, cases[i].err_field) != 0)
            jy_test_fail(__FILE__, __LINE__, "case %zu: field \"%s\", expected \"%s\"", i,
                         err.field, cases[i].err_field);
        T_ASSERT(err.code == JY_E_INVALID || err.code == JY_E_NOT_FOUND);
    }
    T_EQ_STR(VALUE(f, snapshot_sql), before);
}


static void
test_bad_blueprints_change_nothing(void)
{
    struct fx f;
    const char *domains[] = {"bp.lanchuan.gov.cn", NULL};
    struct jy_site_spec spec;
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    const char *before;

    fx_open(&f);
    before = VALUE(&f, snapshot_sql);
    /* an unknown column code: the province blueprint has no "zwgk.zcwj.nosuch" */
    county_spec(&spec, 28, domains);
    spec.blueprint_dir = blueprint_copy(&f,
                                        "\"reuse\": {\"level\": \"province\", \"std\": "
                                        "\"zwgk.zcwj.zfwj\"}",
                                        "\"reuse\": {\"level\": \"province\", \"std\": "
                                        "\"zwgk.zcwj.nosuch\"}");
    T_EQ_INT(jy_site_create(f.db, f.pool, &spec, 0, &res, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_CONTAINS(err.msg, "column \"省政府文件\": field \"reuse.std\" \"zwgk.zcwj.nosuch\" is no "
                        "column of blueprint \"province\"");
    T_EQ_STR(err.field, "reuse.std");
    /* a dangling reuse: the city's documents column lost its standard code */
    jy_err_clear(&err);
    VALUE(&f, "UPDATE site_column SET std_code = 'zwgk.zcwj.szfwj' WHERE std_code = "
              "'zwgk.zcwj.zfwj' AND site_id = (SELECT id FROM site WHERE code = '5601000001')"
              " RETURNING 1");
    before = VALUE(&f, snapshot_sql);
    county_spec(&spec, 28, domains);
    T_EQ_INT(jy_site_create(f.db, f.pool, &spec, 0, &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "column \"市政府文件\": site \"岚川市人民政府\" has no column "
                        "\"zwgk.zcwj.zfwj\" to reuse");
    T_EQ_STR(err.field, "reuse.std");
    T_EQ_STR(VALUE(&f, snapshot_sql), before);
    fx_close(&f);
}


/* ---- two sessions creating the same site ----------------------------------------------------- */

struct racer {
    const char *conninfo;
    const char *domain;
    int rc;
    struct jy_err err;
};

static void *
race(void *arg)
{
    struct racer *r = arg;
    struct jy_pool *pool = jy_pool_create(0);
    const char *domains[] = {r->domain, NULL};
    struct jy_site_spec spec;
    struct jy_site_result res;
    struct jy_db *db = jy_db_connect(r->conninfo, &r->err);

    r->rc = JY_ERROR;
    if (db) {
        county_spec(&spec, 29, domains);
        spec.name = "岚川新区人民政府";
        r->rc = jy_site_create(db, pool, &spec, 0, &res, &r->err);
        jy_db_close(db);
    }
    jy_pool_destroy(pool);
    return NULL;
}


static void
test_concurrent_create_exactly_one_wins(void)
{
    struct fx f;
    struct jy_err err = JY_ERR_INIT;
    struct racer a = {NULL, "xinqu-a.lanchuan.gov.cn", 0, JY_ERR_INIT};
    struct racer b = {NULL, "xinqu-b.lanchuan.gov.cn", 0, JY_ERR_INIT};
    struct jy_db *gate;
    pthread_t ta, tb;
    int i;

    fx_open(&f);
    a.conninfo = b.conninfo = f.conninfo;
    /* hold both sessions at their INSERT, then let them go at once */
    gate = jy_db_connect(f.conninfo, &err);
    T_ASSERT(gate != NULL);
    T_EQ_INT(jy_db_begin(gate, &err), JY_OK);
    T_EQ_INT(jy_db_exec(gate, "LOCK TABLE site IN SHARE ROW EXCLUSIVE MODE", &err), JY_OK);
    T_EQ_INT(pthread_create(&ta, NULL, race, &a), 0);
    T_EQ_INT(pthread_create(&tb, NULL, race, &b), 0);
    for (i = 0; i < 500; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        if (strcmp(VALUE(&f, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                             "'Lock' AND datname = current_database()"),
                   "2") == 0)
            break;
        nanosleep(&ts, NULL);
    }
    T_ASSERT(i < 500);
    T_EQ_INT(jy_db_commit(gate, &err), JY_OK);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    jy_db_close(gate);

    T_EQ_INT((a.rc == JY_OK) + (b.rc == JY_OK), 1);
    {
        const struct racer *lost = a.rc == JY_OK ? &b : &a;
        T_EQ_INT(lost->err.code, JY_E_CONFLICT);
        T_CONTAINS(lost->err.msg,
                   "site code \"5601290001\" is already taken by \"岚川新区人民政府\"");
        T_EQ_STR(lost->err.field, "code");
    }
    /* one site, complete, and nothing of the loser left behind */
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM site WHERE code = '5601290001'"), "1");
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM site_column c JOIN site s ON s.id = c.site_id"
                       " WHERE s.code = '5601290001'"),
             "84");
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM site_domain WHERE domain LIKE 'xinqu-_.lanchuan%'"),
             "1");
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM audit_log WHERE action = 'site.create'"), "1");
    fx_close(&f);
}


/* ---- close and merge ------------------------------------------------------------------------- */

/*
 * 2,000 items of the county, made set-based: each placed in one of its own
 * list columns (every tenth as a draft), every third one also as a draft
 * in another column; plus one item of the city placed on the county, and
 * one county item that the city's target column shows already.
 */
static const char items_sql[] =
    "WITH k AS (SELECT id FROM site WHERE code = '5601230001'),"
    " cols AS (SELECT c.id, c.site_id, row_number() OVER (ORDER BY c.id) - 1 AS n,"
    "  count(*) OVER () AS total FROM site_column c, k"
    "  WHERE c.site_id = k.id AND c.kind = 'list' AND c.reuse_column_id IS NULL),"
    " items AS (INSERT INTO item (site_id, kind, title, publish_at)"
    "  SELECT k.id, 'article', '新区动态第' || g || '号', timestamptz '2024-01-01 08:00+08'"
    "   + g * interval '1 hour' FROM k, generate_series(1, 2000) g"
    "  RETURNING id, publish_at)"
    " INSERT INTO placement (item_id, column_id, site_id, state, published_at, pinned_until)"
    " SELECT i.id, c.id, c.site_id, CASE WHEN i.id % 10 = 0 THEN 'draft' ELSE 'published' END,"
    "  CASE WHEN i.id % 10 = 0 THEN NULL ELSE i.publish_at END,"
    "  CASE WHEN i.id % 100 = 1 THEN timestamptz '2030-01-01' END"
    " FROM items i JOIN cols c ON c.n = i.id % c.total"
    " UNION ALL"
    " SELECT i.id, c.id, c.site_id, 'draft', NULL, NULL"
    " FROM items i JOIN cols c ON c.n = (i.id + 7) % c.total WHERE i.id % 3 = 0";

static const char extra_sql[] =
    "WITH city AS (SELECT id FROM site WHERE code = '5601000001'),"
    " k AS (SELECT id FROM site WHERE code = '5601230001'),"
    " ci AS (INSERT INTO item (site_id, kind, title, publish_at)"
    "  SELECT city.id, 'article', '岚川市通知', now() FROM city RETURNING id, publish_at)"
    " INSERT INTO placement (item_id, column_id, site_id, state, published_at)"
    " SELECT ci.id, c.id, c.site_id, 'published', ci.publish_at FROM ci, k"
    "  JOIN site_column c ON c.site_id = k.id AND c.path = 'zwgk/tzgg'"
    " UNION ALL"
    " SELECT p.item_id, t.id, t.site_id, 'published', now() FROM city"
    "  JOIN site_column t ON t.site_id = city.id AND t.path = 'zwgk/zwdt/xqdt'"
    "  JOIN LATERAL (SELECT p.item_id FROM placement p, k WHERE p.site_id = k.id"
    "   ORDER BY p.item_id LIMIT 1) p ON true";

static void
test_close_merges_2000_items_and_maps_every_url(void)
{
    struct fx f;
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    struct jy_site_redirect *v;
    struct jy_buf nginx;
    const char *placements_before, *columns_before;
    long long county;
    int n;

    fx_open(&f);
    county = create_county(&f, 23, "xinqu.lanchuan.gov.cn", "www.xinqu.gov.cn");
    T_EQ_INT(jy_db_exec(f.db, items_sql, &err), JY_OK);
    T_EQ_INT(jy_db_exec(f.db, extra_sql, &err), JY_OK);
    T_EQ_STR(VALUE(&f, "SELECT count(DISTINCT p.item_id) FROM placement p"
                       " JOIN site s ON s.id = p.site_id WHERE s.code = '5601230001'"),
             "2001");
    placements_before = VALUE(&f, "SELECT count(*) FROM placement p JOIN site s"
                                  " ON s.id = p.site_id WHERE s.code = '5601230001'");
    columns_before = VALUE(&f, "SELECT count(*) FROM site_column");

    T_EQ_INT(jy_site_close(f.db, f.pool, "xinqu.lanchuan.gov.cn", "5601000001:/zwgk/zwdt/xqdt/", 0,
                           &res, &err),
             JY_OK);
    T_EQ_INT(res.site_id, county);
    T_EQ_STR(res.target, "5601000001:zwgk/zwdt/xqdt");
    T_EQ_STR(res.target_url, "https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/");
    /* 2,001 items, one of which the target column had already */
    T_EQ_INT(res.placements, 2000);

    /* every item placed in the county is in the target column, visible if it was visible */
    T_EQ_STR(VALUE(&f, "WITH k AS (SELECT p.item_id, bool_or(p.state = 'published') AS pub,"
                       "  min(p.published_at) FILTER (WHERE p.state = 'published') AS at"
                       "  FROM placement p JOIN site s ON s.id = p.site_id"
                       "  WHERE s.code = '5601230001' GROUP BY p.item_id),"
                       " t AS (SELECT p.* FROM placement p JOIN site_column c ON c.id = p.column_id"
                       "  JOIN site s ON s.id = c.site_id"
                       "  WHERE s.code = '5601000001' AND c.path = 'zwgk/zwdt/xqdt')"
                       " SELECT count(*) FILTER (WHERE t.item_id IS NULL) || ' missing, '"
                       "  || count(*) FILTER (WHERE k.pub AND t.state <> 'published')"
                       "  || ' hidden, ' || count(*) FILTER (WHERE t.pinned_until IS NOT NULL)"
                       "  || ' pinned, ' || count(*) FILTER (WHERE k.pub"
                       "   AND t.published_at <> k.at AND k.item_id > (SELECT min(item_id) FROM k))"
                       "  || ' moved in time'"
                       " FROM k LEFT JOIN t ON t.item_id = k.item_id"),
             "0 missing, 0 hidden, 0 pinned, 0 moved in time");
    /* nothing deleted: the county keeps its placements and columns */
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM placement p JOIN site s ON s.id = p.site_id"
                       " WHERE s.code = '5601230001'"),
             placements_before);
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM site_column"), columns_before);
    T_EQ_STR(VALUE(&f, "SELECT status || ' ' || (closed_at IS NOT NULL) || ' '"
                       " || (redirect_column_id = (SELECT c.id FROM site_column c JOIN site p"
                       "  ON p.id = c.site_id WHERE p.code = '5601000001'"
                       "  AND c.path = 'zwgk/zwdt/xqdt')) FROM site WHERE code = '5601230001'"),
             "closed true true");

    /* every old URL is mapped: each item page on each domain, to a page that shows the item */
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM placement p JOIN site_column c ON c.id = p.column_id"
                       " JOIN site_domain d ON d.site_id = c.site_id"
                       " JOIN site s ON s.id = c.site_id AND s.code = '5601230001'"
                       " WHERE NOT EXISTS (SELECT 1 FROM site_redirect r"
                       "  WHERE r.old_host = d.domain AND r.old_path = jy_item_url_path(c.path,"
                       "  p.item_id) AND r.retired_at IS NULL AND r.new_url ="
                       "  'https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/' || p.item_id || '.html')"),
             "0");
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM site_redirect r WHERE r.kind = 'item'"
                       " AND (r.new_url <> 'https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/'"
                       "  || r.item_id || '.html' OR NOT EXISTS (SELECT 1 FROM placement p"
                       "  WHERE p.column_id = r.target_column_id AND p.item_id = r.item_id))"),
             "0");
    /* every column list page and the home page, on both domains */
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM site_column c JOIN site_domain d ON d.site_id ="
                       " c.site_id JOIN site s ON s.id = c.site_id AND s.code = '5601230001'"
                       " WHERE NOT EXISTS (SELECT 1 FROM site_redirect r WHERE r.old_host ="
                       "  d.domain AND r.old_path = '/' || c.path || '/')"),
             "0");
    T_EQ_STR(VALUE(&f, "SELECT string_agg(old_host || old_path || ' ' || new_url, ',' ORDER BY"
                       " old_host) FROM site_redirect WHERE kind = 'site'"),
             "www.xinqu.gov.cn/ https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/,"
             "xinqu.lanchuan.gov.cn/ https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/");
    /* a reusing column sends its pages to its source, on the province */
    T_EQ_STR(VALUE(&f, "SELECT new_url FROM site_redirect WHERE kind = 'reuse'"
                       " AND old_host = 'xinqu.lanchuan.gov.cn' AND old_path ="
                       " '/zwgk/zcwj/shengzfwj/'"),
             "https://www.yunling.gov.cn/zwgk/zcwj/szfwj/");
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM site_redirect"),
             jy_pool_printf(f.pool, "%lld", res.redirects));

    /* the nginx map holds them all */
    T_EQ_INT(jy_site_redirects(f.db, f.pool, "5601230001", false, &v, &n, &err), JY_OK);
    T_EQ_INT(n, res.redirects);
    jy_buf_init(&nginx, f.pool, 0);
    T_EQ_INT(jy_site_redirects_nginx(v, n, &nginx), JY_OK);
    T_CONTAINS(nginx.buf, "map $host$uri $jy_redirect {");
    T_CONTAINS(nginx.buf, "\"xinqu.lanchuan.gov.cn/\" "
                          "\"https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/\";");
    T_CONTAINS(nginx.buf, "\"~^xinqu\\.lanchuan\\.gov\\.cn/zwgk/zcwj/shengzfwj/([0-9]+)\\.html$\""
                          " \"https://www.yunling.gov.cn/zwgk/zcwj/szfwj/$1.html\";");
    T_CONTAINS(nginx.buf, "\"~^www\\.xinqu\\.gov\\.cn/\" "
                          "\"https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/\";\n");
    T_CONTAINS(nginx.buf, "\"~^xinqu\\.lanchuan\\.gov\\.cn/\" "
                          "\"https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/\";\n}\n");
    /* the audit record says where it went */
    T_EQ_STR(VALUE(&f, "SELECT (before ->> 'status') || ' -> ' || (after ->> 'status') || ' '"
                       " || (after ->> 'into') || ' ' || (after ->> 'placements_added')"
                       " FROM audit_log WHERE action = 'site.close'"),
             "open -> closed 5601000001:zwgk/zwdt/xqdt 2000");
    fx_close(&f);
}


static void
test_close_refusals_change_nothing(void)
{
    static const struct {
        const char *site, *into, *expect;
        enum jy_err_code code;
    } cases[] = {
        {"5601210001", "5601210001:zwgk/tzgg", "the column is on the site itself", JY_E_INVALID},
        {"5601000001", "5601210001:zwgk/tzgg", "the column is on a site below it", JY_E_INVALID},
        {"5601210001", "5602000001:zwgk/tzgg", "\"鹤岭市人民政府\" is not a site above",
         JY_E_INVALID},
        {"5601210001", "5601000001:zwgk/zcwj/shengzfwj", "reuses another column", JY_E_INVALID},
        {"5601210001", "5601000001:gkxx/sqgk", "is a page column", JY_E_INVALID},
        {"5601210001", "5601000001:zwgk/nosuch", "has no column \"zwgk/nosuch\"", JY_E_NOT_FOUND},
        {"5601210001", "zwgk/tzgg", "must be given as SITE:PATH", JY_E_INVALID},
        {"5600000001", "5600000001:zwgk/tzgg", "the column is on the site itself", JY_E_INVALID},
        {"5601000001", "5600000001:zwgk/tzgg", "open sites are below it", JY_E_INVALID},
        {"5601210001/栖云县教育体育局", "5601000001:zwgk/tzgg", "only sites can be closed",
         JY_E_INVALID},
    };
    struct fx *f = shared();
    const char *before = VALUE(f, snapshot_sql);
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(cases); i++) {
        struct jy_site_result res;
        struct jy_err err = JY_ERR_INIT;
        if (jy_site_close(f->db, f->pool, cases[i].site, cases[i].into, 0, &res, &err) != JY_ERROR)
            jy_test_fail(__FILE__, __LINE__, "case %zu was accepted", i);
        if (strstr(err.msg, cases[i].expect) == NULL || err.code != cases[i].code)
            jy_test_fail(__FILE__, __LINE__, "case %zu: \"%s\" (code %d) does not contain \"%s\"",
                         i, err.msg, (int) err.code, cases[i].expect);
    }
    T_EQ_STR(VALUE(f, snapshot_sql), before);
}


static void
test_reopen_retires_the_map_and_unmerges(void)
{
    struct fx f;
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    const char *target_count = "SELECT count(*) FROM placement p JOIN site_column c ON c.id ="
                               " p.column_id JOIN site s ON s.id = c.site_id"
                               " WHERE s.code = '5601000001' AND c.path = 'zwgk/zwdt/xqdt'";
    const char *before, *first_map;

    fx_open(&f);
    create_county(&f, 23, "xinqu.lanchuan.gov.cn", NULL);
    T_EQ_INT(jy_db_exec(f.db, items_sql, &err), JY_OK);
    T_EQ_INT(jy_db_exec(f.db, extra_sql, &err), JY_OK);
    before = VALUE(&f, target_count);
    T_EQ_INT(jy_site_close(f.db, f.pool, "5601230001", "5601000001:zwgk/zwdt/xqdt", 0, &res, &err),
             JY_OK);
    T_EQ_INT(res.placements, 2000); /* 2,001 items, one of them in the city's column already */
    first_map = jy_pool_printf(f.pool, "%lld", res.redirects);
    /* reopen --unmerge: open again, the map retired but kept, exactly the added placements gone */
    T_EQ_INT(jy_site_reopen(f.db, f.pool, "5601230001", JY_SITE_UNMERGE, &res, &err), JY_OK);
    T_EQ_INT(res.placements, 2000);
    T_EQ_STR(VALUE(&f, target_count), before);
    T_EQ_STR(VALUE(&f, "SELECT status || ' ' || (closed_at IS NULL) || ' '"
                       " || (redirect_column_id IS NULL) FROM site WHERE code = '5601230001'"),
             "open true true");
    T_EQ_STR(VALUE(&f, "SELECT count(*) FILTER (WHERE retired_at IS NULL) || ' live, '"
                       " || count(*) FILTER (WHERE retired_at IS NOT NULL) FROM site_redirect"),
             jy_pool_printf(f.pool, "0 live, %s", first_map));
    /* closed again: a new live map beside the history */
    T_EQ_INT(jy_site_close(f.db, f.pool, "5601230001", "5601000001:zwgk/zwdt/xqdt", 0, &res, &err),
             JY_OK);
    T_EQ_INT(res.placements, 2000);
    T_EQ_STR(VALUE(&f, "SELECT count(*) FILTER (WHERE retired_at IS NULL) || ' live, '"
                       " || count(*) FILTER (WHERE retired_at IS NOT NULL) FROM site_redirect"),
             jy_pool_printf(f.pool, "%s live, %s", first_map, first_map));
    /* a plain reopen leaves the merged items in the city's column */
    T_EQ_INT(jy_site_reopen(f.db, f.pool, "5601230001", 0, &res, &err), JY_OK);
    T_EQ_INT(res.placements, 0);
    T_EQ_INT(atoi(VALUE(&f, target_count)), atoi(before) + 2000);
    T_EQ_INT(jy_site_reopen(f.db, f.pool, "5601230001", 0, &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "site \"新区23人民政府\" is not closed");
    fx_close(&f);
}


/* ---- promote, demote, update ----------------------------------------------------------------- */

static void
test_demote_and_promote_lose_nothing(void)
{
    static const char counts_sql[] =
        "SELECT (SELECT count(*) FROM site_column c WHERE c.site_id = s.id) || ' columns, '"
        " || (SELECT count(*) FROM item i WHERE i.site_id = s.id) || ' items, '"
        " || (SELECT count(*) FROM placement p WHERE p.site_id = s.id) || ' placements, '"
        " || (SELECT count(*) FROM site_domain d WHERE d.site_id = s.id) || ' domains, '"
        " || (SELECT count(*) FROM site_redirect r WHERE r.site_id = s.id) || ' redirects'"
        " FROM site s WHERE s.id = (SELECT id FROM site WHERE name = '新区23人民政府')";
    struct fx f;
    struct jy_site_result res;
    struct jy_site_promotion p;
    struct jy_err err = JY_ERR_INIT;
    const char *domains[] = {"jyj.qiyun.lanchuan.gov.cn", NULL};
    const char *counts;

    fx_open(&f);
    create_county(&f, 23, "xinqu.lanchuan.gov.cn", NULL);
    T_EQ_INT(jy_db_exec(f.db, items_sql, &err), JY_OK);
    T_EQ_INT(jy_site_demote(f.db, f.pool, "5601230001", 0, &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "is open: only a closed site becomes a unit");
    T_EQ_INT(jy_site_close(f.db, f.pool, "5601230001", "5601000001:zwgk/zwdt/xqdt", 0, &res, &err),
             JY_OK);
    counts = VALUE(&f, counts_sql);
    T_EQ_INT(jy_site_demote(f.db, f.pool, "5601230001", 0, &res, &err), JY_OK);
    T_EQ_STR(VALUE(&f, "SELECT kind || ' ' || level || ' ' || status || ' ' || code FROM site"
                       " WHERE name = '新区23人民政府'"),
             "unit county closed 5601230001");
    T_EQ_STR(VALUE(&f, counts_sql), counts);
    /* a unit is reopened by promoting it; the old code and domain come back with it */
    T_EQ_INT(jy_site_reopen(f.db, f.pool, "5601230001", 0, &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "is a column-only unit: promote it");
    memset(&p, 0, sizeof(p));
    p.unit = "5601000001/新区23人民政府";
    T_EQ_INT(jy_site_promote(f.db, f.pool, &p, 0, &res, &err), JY_OK);
    T_EQ_STR(VALUE(&f, "SELECT kind || ' ' || status || ' ' || code FROM site"
                       " WHERE name = '新区23人民政府'"),
             "site open 5601230001");
    T_EQ_STR(VALUE(&f, counts_sql), counts);
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM site_redirect WHERE retired_at IS NULL"), "0");

    /* the demo's county department unit becomes a department site with its own columns */
    memset(&p, 0, sizeof(p));
    p.unit = "5601210001/栖云县教育体育局";
    p.code = "5601210002";
    p.domains = domains;
    p.ndomains = 1;
    p.blueprint = "department";
    p.blueprint_dir = jy_test_path("sites/blueprints");
    if (jy_site_promote(f.db, f.pool, &p, 0, &res, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "promote: %s (%s)", err.msg, err.detail);
    T_EQ_INT(res.columns_created, 40);
    T_EQ_STR(VALUE(&f, "SELECT s.kind || ' ' || s.level || ' ' || s.admin_code || ' ' || d.domain"
                       " || ' ' || (SELECT count(*) FROM site_column c WHERE c.unit_id = s.id)"
                       " FROM site s JOIN site_domain d ON d.site_id = s.id"
                       " WHERE s.code = '5601210002'"),
             "site department 560121 jyj.qiyun.lanchuan.gov.cn 4");
    /* a township stays a unit: no sites below county level */
    memset(&p, 0, sizeof(p));
    p.unit = "5601210001/栖云县云台镇人民政府";
    p.code = "5601210003";
    p.domains = domains;
    p.ndomains = 1;
    T_EQ_INT(jy_site_promote(f.db, f.pool, &p, 0, &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "is a township, and there are no sites below county level");
    T_EQ_STR(err.field, "level");
    T_EQ_STR(VALUE(&f, "SELECT string_agg(action, ',' ORDER BY id) FROM audit_log"
                       " WHERE action LIKE 'site.%'"),
             "site.create,site.close,site.demote,site.promote,site.promote");
    fx_close(&f);
}


static void
test_update_settings_and_move(void)
{
    struct fx f;
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    const struct jy_site_setting ok[] = {
        {"sponsor", "岚川市新区管委会"},
        {"organizer", "新区融媒体中心"},
        {"domains", "xq.lanchuan.gov.cn, xinqu.lanchuan.gov.cn"},
        {"channels", "desktop,mobile"},
        {"contact_postcode", "561230"},
    };
    const struct jy_site_setting clear[] = {{"organizer", ""}};
    const struct jy_site_setting bad_icp[] = {{"sponsor", "甲"}, {"icp_no", "123"}};
    const struct jy_site_setting bad_key[] = {{"sponser", "甲"}};
    const struct jy_site_setting taken[] = {{"domains", "qiyun.lanchuan.gov.cn"}};
    const struct jy_site_setting cycle[] = {{"parent", "5601230001"}};
    const struct jy_site_setting move[] = {{"parent", "5600000001"}};
    const char *before;

    fx_open(&f);
    create_county(&f, 23, "xinqu.lanchuan.gov.cn", NULL);
    T_EQ_INT(jy_site_update(f.db, f.pool, "5601230001", ok, 5, 0, &res, &err), JY_OK);
    T_EQ_INT(res.fields_changed, 5);
    T_EQ_STR(VALUE(&f, "SELECT sponsor || ' ' || organizer || ' ' || channels::text || ' '"
                       " || (SELECT string_agg(domain || ':' || is_primary, ',' ORDER BY domain)"
                       "  FROM site_domain d WHERE d.site_id = s.id) FROM site s"
                       " WHERE code = '5601230001'"),
             "岚川市新区管委会 新区融媒体中心 {desktop,mobile}"
             " xinqu.lanchuan.gov.cn:false,xq.lanchuan.gov.cn:true");
    /* the audit record holds only what changed, both sides */
    T_EQ_STR(VALUE(&f, "SELECT (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(after)"
                       " k) || ' / ' || (before ->> 'organizer' IS NULL) FROM audit_log"
                       " WHERE action = 'site.update'"),
             "channels,contact_postcode,domains,organizer,sponsor / true");
    /* the same again: nothing changed, no record */
    T_EQ_INT(jy_site_update(f.db, f.pool, "5601230001", ok, 5, 0, &res, &err), JY_OK);
    T_EQ_INT(res.fields_changed, 0);
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM audit_log WHERE action = 'site.update'"), "1");
    T_EQ_INT(jy_site_update(f.db, f.pool, "5601230001", clear, 1, 0, &res, &err), JY_OK);
    T_EQ_STR(VALUE(&f, "SELECT organizer IS NULL FROM site WHERE code = '5601230001'"), "t");

    before = VALUE(&f, snapshot_sql);
    T_EQ_INT(jy_site_update(f.db, f.pool, "5601230001", bad_icp, 2, 0, &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "icp_no \"123\" must be an ICP filing number");
    T_EQ_STR(err.field, "icp_no");
    T_EQ_INT(jy_site_update(f.db, f.pool, "5601230001", bad_key, 1, 0, &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "unrecognized setting \"sponser\"");
    T_EQ_INT(jy_site_update(f.db, f.pool, "5601230001", taken, 1, 0, &res, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_CONTAINS(err.msg, "domain \"qiyun.lanchuan.gov.cn\" is already used by \"栖云县人民政府\"");
    /* a parent that would make a cycle */
    T_EQ_INT(jy_site_update(f.db, f.pool, "5601000001", cycle, 1, 0, &res, &err), JY_ERROR);
    T_CONTAINS(err.msg,
               "cannot move \"岚川市人民政府\" under \"新区23人民政府\": \"新区23人民政府\""
               " is below it");
    T_EQ_STR(err.field, "parent");
    T_EQ_INT(jy_site_update(f.db, f.pool, "5601230001", cycle, 1, 0, &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "is the site itself");
    T_EQ_STR(VALUE(&f, snapshot_sql), before);
    /* a county directly under the province (省直管县) is a legal move; the path follows */
    T_EQ_INT(jy_site_update(f.db, f.pool, "5601230001", move, 1, 0, &res, &err), JY_OK);
    T_EQ_STR(VALUE(&f, "SELECT s.path = p.path || s.id FROM site s JOIN site p ON p.id ="
                       " s.parent_id WHERE s.code = '5601230001' AND p.code = '5600000001'"),
             "t");
    fx_close(&f);
}


static void
test_sites_are_found_by_code_domain_id_and_unit_name(void)
{
    struct fx *f = shared();
    struct jy_err err = JY_ERR_INIT;
    long long id, by_domain, by_id, unit;

    T_EQ_INT(jy_site_resolve(f->db, f->pool, "5601210001", "site", &id, &err), JY_OK);
    T_EQ_INT(jy_site_resolve(f->db, f->pool, "QiYun.LanChuan.gov.cn", "site", &by_domain, &err),
             JY_OK);
    T_EQ_INT(by_domain, id);
    T_EQ_INT(
        jy_site_resolve(f->db, f->pool, jy_pool_printf(f->pool, "%lld", id), "site", &by_id, &err),
        JY_OK);
    T_EQ_INT(by_id, id);
    T_EQ_INT(jy_site_resolve(f->db, f->pool, "qiyun.lanchuan.gov.cn/栖云县溪口乡人民政府", "unit",
                             &unit, &err),
             JY_OK);
    T_EQ_STR(VALUE(f, jy_pool_printf(f->pool,
                                     "SELECT kind || ' ' || (parent_id = %lld) FROM site"
                                     " WHERE id = %lld",
                                     id, unit)),
             "unit true");
    T_EQ_INT(jy_site_resolve(f->db, f->pool, "nosuch.gov.cn", "site", &id, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_CONTAINS(err.msg, "site \"nosuch.gov.cn\" does not exist");
    T_EQ_INT(jy_site_resolve(f->db, f->pool, "5601210001/无此乡", "unit", &id, &err), JY_ERROR);
    T_CONTAINS(err.msg, "has no unit or site called \"无此乡\"");
}


/* ---- blueprints and audit -------------------------------------------------------------------- */

static void
test_newer_blueprint_adds_only_what_is_missing(void)
{
    static const char new_columns[] =
        "\"std\": \"zwgk\",\n      \"name\": \"政务公开\",\n      \"kind\": \"list\",\n"
        "      \"children\": [\n"
        "        {\"code\": \"yshj\", \"std\": \"zwgk.yshj\", \"name\": \"营商环境\", \"kind\":"
        " \"list\", \"children\": [{\"code\": \"zcfb\", \"std\": \"zwgk.yshj.zcfb\", \"name\":"
        " \"政策发布\", \"kind\": \"list\"}]},\n"
        "        {\"code\": \"sjyw\", \"std\": \"zwgk.sjyw\", \"name\": \"省级要闻\", \"kind\":"
        " \"list\", \"reuse\": {\"level\": \"province\", \"std\": \"zwgk.zwdt.yw\"}},\n";
    struct fx f;
    struct jy_site_blueprint_report *reps;
    struct jy_err err = JY_ERR_INIT;
    const char *dir, *before, *v2;
    int n, i, created = 0;

    fx_open(&f);
    /* version 2 of the county blueprint: three new columns, one of them reusing */
    dir = blueprint_copy(&f,
                         "\"std\": \"zwgk\",\n      \"name\": \"政务公开\",\n      \"kind\":"
                         " \"list\",\n      \"children\": [\n",
                         new_columns);
    v2 = jy_pool_printf(f.pool, "%s/county.json", dir);
    copy_replace(v2, jy_pool_printf(f.pool, "%s/county.tmp", dir), "\"version\": 1",
                 "\"version\": 2");
    T_EQ_INT(rename(jy_pool_printf(f.pool, "%s/county.tmp", dir), v2), 0);
    /* an editor renamed a column of 栖云县 and moved another */
    VALUE(&f, "UPDATE site_column SET name = '栖云概况' WHERE path = 'gkxx/xqgk' AND site_id ="
              " (SELECT id FROM site WHERE code = '5601210001') RETURNING 1");
    VALUE(&f, "UPDATE site_column SET parent_id = NULL WHERE path = 'zwgk/qzqd' AND site_id ="
              " (SELECT id FROM site WHERE code = '5601210001') RETURNING 1");

    /* a dry run reports and changes nothing */
    before = VALUE(&f, snapshot_sql);
    T_EQ_INT(
        jy_site_blueprint(f.db, f.pool, "5601210001", NULL, dir, JY_SITE_DRY_RUN, &reps, &n, &err),
        JY_OK);
    T_EQ_INT(n, 1);
    T_EQ_INT(reps[0].ncreated, 3);
    T_EQ_STR(reps[0].created[0].path, "zwgk/yshj");
    T_EQ_STR(reps[0].created[2].path, "zwgk/yshj/zcfb");
    T_EQ_STR(VALUE(&f, snapshot_sql), before);

    /* every open county gets the three columns, the edited ones stay as editors left them */
    T_EQ_INT(jy_site_blueprint(f.db, f.pool, NULL, NULL, dir, 0, &reps, &n, &err), JY_OK);
    T_EQ_INT(n, 19); /* the demo's sites: 1 province, 3 cities, 9 counties, 6 departments */
    for (i = 0; i < n; i++) {
        if (strcmp(reps[i].blueprint, "county") == 0) {
            T_EQ_INT(reps[i].ncreated, 3);
            T_EQ_INT(reps[i].from_version, 1);
            T_EQ_INT(reps[i].to_version, 2);
        } else {
            T_EQ_INT(reps[i].ncreated, 0);
        }
        created += reps[i].ncreated;
    }
    T_EQ_INT(created, 27);
    T_EQ_STR(
        VALUE(&f, "SELECT count(*) FROM site WHERE level = 'county' AND blueprint_version = 2"),
        "9");
    T_EQ_STR(VALUE(&f, "SELECT name || ' ' || path FROM site_column WHERE std_code IN"
                       " ('gkxx.dqgk', 'zwgk.qzqd') AND site_id = (SELECT id FROM site"
                       " WHERE code = '5601210001') ORDER BY std_code"),
             "栖云概况 gkxx/xqgk");
    T_EQ_STR(VALUE(&f,
                   "SELECT count(*) || ' ' || min(path) FROM site_column WHERE std_code ="
                   " 'zwgk.qzqd' AND site_id = (SELECT id FROM site WHERE code = '5601210001')"),
             "1 qzqd");
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM site_column c JOIN site_column s ON s.id ="
                       " c.reuse_column_id JOIN site p ON p.id = s.site_id"
                       " WHERE c.std_code = 'zwgk.sjyw' AND p.code = '5600000001'"),
             "9");
    T_EQ_STR(VALUE(&f, "SELECT count(*) || ' ' || min(after ->> 'from_version') || ' '"
                       " || min(after ->> 'blueprint_version') FROM audit_log"
                       " WHERE action = 'site.blueprint'"),
             "9 1 2");
    /* again: nothing to add; and the older file is refused for a site at version 2 */
    T_EQ_INT(jy_site_blueprint(f.db, f.pool, NULL, NULL, dir, 0, &reps, &n, &err), JY_OK);
    for (i = 0; i < n; i++)
        T_EQ_INT(reps[i].ncreated, 0);
    T_EQ_INT(jy_site_blueprint(f.db, f.pool, "5601210001", NULL, jy_test_path("sites/blueprints"),
                               0, &reps, &n, &err),
             JY_ERROR);
    T_CONTAINS(err.msg, "has blueprint \"county\" version 2, newer than");
    fx_close(&f);
}


static void
test_audit_rows_name_the_actor(void)
{
    struct fx f;
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    const struct jy_site_setting set[] = {{"sponsor", "新区管委会"}};

    fx_open(&f);
    jy_db_set_actor(f.db, 42, "admin.li", "10.1.2.3", "req-7");
    create_county(&f, 23, "xinqu.lanchuan.gov.cn", NULL);
    T_EQ_INT(jy_site_update(f.db, f.pool, "5601230001", set, 1, 0, &res, &err), JY_OK);
    T_EQ_INT(jy_site_close(f.db, f.pool, "5601230001", "5601000001:zwgk/zwdt/xqdt", 0, &res, &err),
             JY_OK);
    T_EQ_INT(jy_site_reopen(f.db, f.pool, "5601230001", 0, &res, &err), JY_OK);
    jy_db_set_actor(f.db, 0, NULL, NULL, NULL);
    T_EQ_STR(VALUE(&f, "SELECT string_agg(action || ':' || user_id || ':' || login || ':'"
                       " || host(client_addr) || ':' || request_id || ':' || object_type || ':'"
                       " || (site_id = object_id::bigint), ',' ORDER BY id) FROM audit_log"
                       " WHERE action LIKE 'site.%'"),
             "site.create:42:admin.li:10.1.2.3:req-7:site:true,"
             "site.update:42:admin.li:10.1.2.3:req-7:site:true,"
             "site.close:42:admin.li:10.1.2.3:req-7:site:true,"
             "site.reopen:42:admin.li:10.1.2.3:req-7:site:true");
    T_EQ_STR(VALUE(&f, "SELECT before::text || ' ' || after::text FROM audit_log"
                       " WHERE action = 'site.update'"),
             "{\"sponsor\": \"岚川市新区人民政府办公室\"} {\"sponsor\": \"新区管委会\"}");
    /* a failed step leaves no record */
    T_EQ_INT(jy_site_reopen(f.db, f.pool, "5601230001", 0, &res, &err), JY_ERROR);
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM audit_log WHERE action LIKE 'site.%'"), "4");
    fx_close(&f);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_create_county_from_blueprint),
        T_CASE(test_create_dry_run_changes_nothing),
        T_CASE(test_duplicate_code_and_domain_conflict),
        T_CASE(test_malformed_input_names_the_field),
        T_CASE(test_bad_blueprints_change_nothing),
        T_CASE(test_concurrent_create_exactly_one_wins),
        T_CASE(test_close_merges_2000_items_and_maps_every_url),
        T_CASE(test_close_refusals_change_nothing),
        T_CASE(test_reopen_retires_the_map_and_unmerges),
        T_CASE(test_demote_and_promote_lose_nothing),
        T_CASE(test_update_settings_and_move),
        T_CASE(test_sites_are_found_by_code_domain_id_and_unit_name),
        T_CASE(test_newer_blueprint_adds_only_what_is_missing),
        T_CASE(test_audit_rows_name_the_actor),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
