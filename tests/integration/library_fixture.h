/*
 * library_fixture.h - the small platform the resource library tests stand
 * on (item_test.c, tag_test.c, placement_test.c), built by the owner role:
 *
 *   平台 ─ 云岭省 5600000001 ─ 岚川市 5601000001 ─ 栖云县 5601210001 (k1)
 *                                                └ 落霞县 5601220001 (k2)
 *
 * Columns on every site: news (list), docs (list, policy only), about
 * (page). On both counties: prov_news (list, reusing the province's news).
 * Users (acting through the jiyue_app connection, under row-level
 * security): admin (platform_admin), prov_editor (editor of the province),
 * k1_editor (editor of k1), k1_admin (site_admin of k1), k2_admin
 * (site_admin of k2), viewer (viewer of the province).
 */
#ifndef JY_TESTS_LIBRARY_FIXTURE_H
#define JY_TESTS_LIBRARY_FIXTURE_H

#include "core/compat.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/item.h"
#include "core/json.h"
#include "core/pool.h"
#include "tests/test.h"

#include <cjson/cJSON.h>

enum { PLATFORM, PROV, CITY, K1, K2, NSITES };
enum { U_ADMIN, U_PROV_EDITOR, U_K1_EDITOR, U_K1_ADMIN, U_K2_ADMIN, U_VIEWER, NUSERS };

struct lib_fx {
    struct jy_pool *pool;
    struct jy_db *owner;  /* the system: bypasses row-level security */
    struct jy_db *app;    /* jiyue_app: acts as a user */
    const char *conninfo; /* of the owner connection */
    long long site[NSITES];
    long long news[NSITES], docs[NSITES], about[NSITES], reuse[NSITES];
    long long user[NUSERS];
};

static struct lib_fx fx;

static const char *const fx_codes[NSITES] = {NULL, "5600000001", "5601000001", "5601210001",
                                             "5601220001"};
static const char *const fx_logins[NUSERS] = {"admin",    "prov_editor", "k1_editor",
                                              "k1_admin", "k2_admin",    "viewer"};

/* Run SQL as the owner; the first value of the first row (the fixture must not fail). */
static JY_UNUSED const char *
fx_own(const char *sql, int n, const char *const *params)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *res = jy_db_query(fx.owner, fx.pool, sql, n, params, &err);

    if (res == NULL)
        jy_test_fail(__FILE__, __LINE__, "fixture: %s\n    %s (%s)", sql, err.msg, err.detail);
    return jy_db_res_rows(res) && jy_db_res_cols(res) ? jy_db_res_get(res, 0, 0) : NULL;
}


static JY_UNUSED long long
fx_own_id(const char *sql, int n, const char *const *params)
{
    const char *v = fx_own(sql, n, params);
    return v ? atoll(v) : 0;
}


static JY_UNUSED const char *
fx_num(long long v)
{
    return jy_pool_printf(fx.pool, "%lld", v);
}


/* Count rows of a query as the owner. */
static JY_UNUSED long long
fx_count(const char *sql, int n, const char *const *params)
{
    return atoll(fx_own(sql, n, params));
}


static JY_UNUSED long long
fx_column(long long site, const char *code, const char *kind, const char *accepts,
          const char *reuse)
{
    const char *p[5] = {fx_num(site), code, kind, accepts, reuse};
    return fx_own_id("INSERT INTO site_column (site_id, code, name, kind, accepts, body,"
                     " reuse_column_id)"
                     " VALUES ($1, $2, '栏目' || $2, $3, $4::text[],"
                     "  CASE WHEN $3 = 'page' THEN '<p>页面</p>' END, $5::bigint) RETURNING id",
                     5, p);
}


static JY_UNUSED void
fx_open(void)
{
    static const char *const names[NSITES] = {"测试平台", "云岭省人民政府", "岚川市人民政府",
                                              "栖云县人民政府", "落霞县人民政府"};
    static const char *const levels[NSITES] = {"platform", "province", "city", "county", "county"};
    static const char *const admin_codes[NSITES] = {NULL, "560000", "560100", "560121", "560122"};
    static const int parents[NSITES] = {-1, PLATFORM, PROV, CITY, CITY};
    static const struct {
        int user;
        const char *role;
        int site;
    } grants[] = {
        {U_ADMIN, "platform_admin", PLATFORM}, {U_PROV_EDITOR, "editor", PROV},
        {U_K1_EDITOR, "editor", K1},           {U_K1_ADMIN, "site_admin", K1},
        {U_K2_ADMIN, "site_admin", K2},        {U_VIEWER, "viewer", PROV},
    };
    struct jy_err err = JY_ERR_INIT;
    const char *conninfo = jy_test_db_create(true);
    size_t g;
    int i;

    memset(&fx, 0, sizeof(fx));
    fx.pool = jy_pool_create(0);
    fx.conninfo = conninfo;
    fx.owner = jy_db_connect(conninfo, &err);
    if (fx.owner == NULL)
        jy_test_fail(__FILE__, __LINE__, "connect: %s (%s)", err.msg, err.detail);
    fx.app = jy_db_connect(jy_pool_printf(fx.pool, "%s user=jiyue_app", conninfo), &err);
    if (fx.app == NULL)
        jy_test_fail(__FILE__, __LINE__, "connect as jiyue_app: %s (%s)", err.msg, err.detail);
    for (i = 0; i < NSITES; i++) {
        const char *p[6] = {parents[i] < 0 ? NULL : fx_num(fx.site[parents[i]]),
                            names[i],
                            levels[i],
                            fx_codes[i],
                            admin_codes[i],
                            fx_codes[i] ? jy_pool_printf(fx.pool, "x%d.example.gov.cn", i) : NULL};
        fx.site[i] = fx_own_id("INSERT INTO site (parent_id, name, level, code, admin_code)"
                               " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                               5, p);
        if (p[5]) {
            const char *q[2] = {fx_num(fx.site[i]), p[5]};
            fx_own("INSERT INTO site_domain (site_id, domain, is_primary) VALUES ($1, $2, true)", 2,
                   q);
        }
        fx.news[i] = fx_column(fx.site[i], "news", "list", "{}", NULL);
        fx.docs[i] = fx_column(fx.site[i], "docs", "list", "{policy}", NULL);
        fx.about[i] = fx_column(fx.site[i], "about", "page", "{}", NULL);
    }
    fx.reuse[K1] = fx_column(fx.site[K1], "prov_news", "list", "{}", fx_num(fx.news[PROV]));
    fx.reuse[K2] = fx_column(fx.site[K2], "prov_news", "list", "{}", fx_num(fx.news[PROV]));
    for (i = 0; i < NUSERS; i++) {
        const char *p[1] = {fx_logins[i]};
        fx.user[i] = fx_own_id("INSERT INTO app_user (login, display_name) VALUES ($1, $1)"
                               " RETURNING id",
                               1, p);
    }
    for (g = 0; g < JY_ARRAY_LEN(grants); g++) {
        const char *p[3] = {fx_num(fx.user[grants[g].user]), grants[g].role,
                            fx_num(fx.site[grants[g].site])};
        fx_own("INSERT INTO user_grant (user_id, role, site_id) VALUES ($1, $2, $3)", 3, p);
    }
}


static JY_UNUSED void
fx_close(void)
{
    jy_db_close(fx.app);
    jy_db_close(fx.owner);
    jy_pool_destroy(fx.pool);
}


/* The app connection acting as user u. */
static JY_UNUSED struct jy_db *
fx_as(int u)
{
    jy_db_set_actor(fx.app, fx.user[u], fx_logins[u], NULL, NULL);
    return fx.app;
}


/* JSON text to a cJSON tree (owned by the pool). */
static JY_UNUSED cJSON *
fx_json(const char *text)
{
    struct jy_err err = JY_ERR_INIT;
    cJSON *j = jy_json_parse(fx.pool, text, strlen(text), &err);

    if (j == NULL)
        jy_test_fail(__FILE__, __LINE__, "fixture JSON: %s: %s", text, err.msg);
    return j;
}


/* Create an item that must be accepted; returns its id. */
static JY_UNUSED long long
fx_item_on(struct jy_db *db, int site, const char *kind, const char *fields)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_item_result res;
    struct jy_item_spec spec = {fx_codes[site], kind, fx_json(fields), NULL, 0};

    if (jy_item_create(db, fx.pool, &spec, &res, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "create %s %s: %s (%s)", kind, fields, err.msg,
                     err.detail);
    return res.id;
}


static JY_UNUSED long long
fx_item(int site, const char *kind, const char *fields)
{
    return fx_item_on(fx.owner, site, kind, fields);
}

#endif /* JY_TESTS_LIBRARY_FIXTURE_H */
