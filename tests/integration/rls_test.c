/*
 * rls_test.c - tenant isolation enforced by PostgreSQL row-level security.
 *
 * The isolation matrix: for every role x (own site, parent site, sibling
 * site, child site) x every operation on sites, columns, items, users,
 * grants and the audit log, the allowed ones succeed and the others fail,
 * run as the application role (jiyue_app) with the actor set the way
 * jy_db_begin() sets it. The fixture is built by the owner role, which
 * bypasses RLS (the system).
 */
#include "core/compat.h"
#include "core/auth.h"
#include "core/db.h"
#include "core/err.h"
#include "core/grant.h"
#include "core/pool.h"
#include "core/site.h"
#include "tests/test.h"

enum target { OWN, PARENT, SIBLING, CHILD, NTARGETS };
static const char *const target_names[NTARGETS] = {"own", "parent", "sibling", "child"};

struct fixture {
    struct jy_pool *pool;
    struct jy_db *owner; /* bypasses RLS: builds the fixture */
    struct jy_db *app;   /* jiyue_app: everything it does passes RLS */
    char platform[24];
    char site[NTARGETS]
             [24]; /* own = county K1, parent = its city, sibling = K2, child = a unit of K1 */
    char column[NTARGETS][24];    /* a list column on each */
    char item[NTARGETS][24];      /* a draft item owned by each */
    char placement[NTARGETS][24]; /* its draft placement in that column */
    char user[NTARGETS][24];      /* a user managed by each */
};

static struct fixture fx;

/* Run SQL as the owner and return the first value (the fixture must not fail). */
static const char *
own(const char *sql, int n, const char *const *params)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *res = jy_db_query(fx.owner, fx.pool, sql, n, params, &err);

    if (res == NULL)
        jy_test_fail(__FILE__, __LINE__, "fixture: %s\n    %s (%s)", sql, err.msg, err.detail);
    return jy_db_res_rows(res) && jy_db_res_cols(res) ? jy_db_res_get(res, 0, 0) : NULL;
}


static void
copy_id(char *dst, const char *v)
{
    snprintf(dst, 24, "%s", v ? v : "");
}


static const char *
add_site(const char *parent, const char *kind, const char *level, const char *name,
         const char *code, const char *admin_code)
{
    const char *p[6] = {parent, kind, level, name, code, admin_code};
    return own("INSERT INTO site (parent_id, kind, level, name, code, admin_code) "
               "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
               6, p);
}


static void
fixture_build(void)
{
    struct jy_err err = JY_ERR_INIT;
    const char *conninfo = jy_test_db_create(true);
    char *app_conninfo;
    int t;

    memset(&fx, 0, sizeof(fx));
    fx.pool = jy_pool_create(0);
    fx.owner = jy_db_connect(conninfo, &err);
    T_ASSERT(fx.owner != NULL);
    /* the same database as the application role: libpq takes the last user= */
    app_conninfo = jy_pool_printf(fx.pool, "%s user=jiyue_app", conninfo);
    fx.app = jy_db_connect(app_conninfo, &err);
    if (fx.app == NULL)
        jy_test_fail(__FILE__, __LINE__, "connect as jiyue_app: %s (%s)", err.msg, err.detail);

    copy_id(fx.platform, add_site(NULL, "site", "platform", "测试平台", NULL, NULL));
    {
        char prov[24], city[24];
        copy_id(prov, add_site(fx.platform, "site", "province", "测试省人民政府", "5600000001",
                               "560000"));
        copy_id(city, add_site(prov, "site", "city", "测试市人民政府", "5601000001", "560100"));
        copy_id(fx.site[PARENT], city);
        copy_id(fx.site[OWN],
                add_site(city, "site", "county", "东区人民政府", "5601020001", "560102"));
        copy_id(fx.site[SIBLING],
                add_site(city, "site", "county", "西县人民政府", "5601210001", "560121"));
        copy_id(fx.site[CHILD],
                add_site(fx.site[OWN], "unit", "township", "东区某街道办事处", NULL, NULL));
    }
    for (t = 0; t < NTARGETS; t++) {
        const char *p[3];
        char login[32];
        p[0] = fx.site[t];
        copy_id(fx.column[t], own("INSERT INTO site_column (site_id, code, name, kind) "
                                  "VALUES ($1, 'news', '动态', 'list') RETURNING id",
                                  1, p));
        copy_id(fx.item[t], own("INSERT INTO item (site_id, kind, title) "
                                "VALUES ($1, 'article', '未发布的稿件') RETURNING id",
                                1, p));
        p[0] = fx.item[t];
        p[1] = fx.column[t];
        p[2] = fx.site[t];
        copy_id(fx.placement[t], own("INSERT INTO placement (item_id, column_id, site_id, state) "
                                     "VALUES ($1, $2, $3, 'draft') RETURNING id",
                                     3, p));
        snprintf(login, sizeof(login), "user.%s", target_names[t]);
        p[0] = fx.site[t];
        p[1] = login;
        copy_id(fx.user[t], own("INSERT INTO app_user (site_id, login, display_name) "
                                "VALUES ($1, $2, '某人') RETURNING id",
                                2, p));
    }
}


static void
fixture_free(void)
{
    jy_db_close(fx.app);
    jy_db_close(fx.owner);
    jy_pool_destroy(fx.pool);
}


/* A user holding role on site (column NULL: the whole site subtree); returns its id. */
static long long
actor_with(const char *role, const char *site, const char *column)
{
    static int seq;
    char login[32];
    const char *p[4];
    const char *id;

    snprintf(login, sizeof(login), "actor%d", ++seq);
    p[0] = login;
    id = own("INSERT INTO app_user (login, display_name) VALUES ($1, '操作者') RETURNING id", 1, p);
    if (role) {
        p[0] = id;
        p[1] = role;
        p[2] = site;
        p[3] = column;
        own("INSERT INTO user_grant (user_id, role, site_id, column_id) VALUES ($1, $2, $3, $4)", 4,
            p);
    }
    return atoll(id);
}


enum op {
    OP_SITE_READ,
    OP_SITE_UPDATE,
    OP_SITE_CREATE_CHILD,
    OP_COLUMN_CREATE,
    OP_COLUMN_UPDATE,
    OP_ITEM_READ_DRAFT,
    OP_ITEM_CREATE,
    OP_ITEM_UPDATE,
    OP_PLACEMENT_PUBLISH,
    OP_USER_READ,
    OP_USER_UPDATE,
    OP_GRANT_CREATE,
    OP_AUDIT_READ,
    NOPS
};

struct op_def {
    const char *name;
    const char *perm; /* NULL: allowed to everyone */
    const char *sql; /* $1 target site, $2 its column, $3 its item, $4 its placement, $5 its user */
    enum { ROWS, AFFECTED, NO_ERROR } success;
};

/* every statement sees the target's objects as p.site, p.col, p.item, p.pl, p.usr */
#define P                                                                           \
    "WITH p AS (SELECT $1::bigint AS site, $2::bigint AS col, $3::bigint AS item, " \
    "$4::bigint AS pl, $5::bigint AS usr) "

static const struct op_def ops[NOPS] = {
    {"read site", NULL, P "SELECT 1 FROM site, p WHERE id = p.site", ROWS},
    {"update site settings", "site.manage",
     P "UPDATE site SET sponsor = '改' FROM p WHERE id = p.site", AFFECTED},
    {"create a unit under the site", "site.create",
     P "INSERT INTO site (parent_id, kind, level, name) SELECT site, 'unit', 'department', "
       "'新单位' FROM p",
     NO_ERROR},
    {"create a column", "column.manage",
     P "INSERT INTO site_column (site_id, code, name, kind) SELECT site, 'newcol', '新栏目', "
       "'list' FROM p",
     NO_ERROR},
    {"rename a column", "column.manage",
     P "UPDATE site_column SET name = '改名' FROM p WHERE id = p.col", AFFECTED},
    {"read a draft item", "item.read", P "SELECT 1 FROM item, p WHERE id = p.item", ROWS},
    {"create an item", "item.write",
     P "INSERT INTO item (site_id, kind, title) SELECT site, 'article', '新稿' FROM p", NO_ERROR},
    {"edit a draft item", "item.write", P "UPDATE item SET title = '改稿' FROM p WHERE id = p.item",
     AFFECTED},
    {"publish a placement", "item.publish",
     P "UPDATE placement SET state = 'published', published_at = now() FROM p WHERE id = p.pl",
     AFFECTED},
    {"read a user of the site", "user.manage", P "SELECT 1 FROM app_user, p WHERE id = p.usr",
     ROWS},
    {"edit a user of the site", "user.manage",
     P "UPDATE app_user SET display_name = '改名' FROM p WHERE id = p.usr", AFFECTED},
    {"grant viewer on the site", "grant.manage",
     P "INSERT INTO user_grant (user_id, role, site_id) SELECT usr, 'viewer', site FROM p",
     NO_ERROR},
    {"read the site's audit log", "audit.read",
     P "SELECT 1 FROM audit_log, p WHERE site_id = p.site LIMIT 1", ROWS},
};


/* Run one operation as actor in a transaction that is rolled back; true if it succeeded. */
static bool
attempt(long long actor, enum op op, enum target t, char *why, size_t whysz)
{
    struct jy_err err = JY_ERR_INIT;
    const char *p[5] = {fx.site[t], fx.column[t], fx.item[t], fx.placement[t], fx.user[t]};
    struct jy_db_res *res;
    bool ok = false;

    why[0] = '\0';
    jy_db_set_actor(fx.app, actor, "tester", "127.0.0.1", "matrix");
    if (jy_db_begin(fx.app, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "begin: %s", err.msg);
    res = jy_db_query(fx.app, fx.pool, ops[op].sql, 5, p, &err);
    if (res == NULL)
        snprintf(why, whysz, "%s", err.msg);
    else if (ops[op].success == ROWS)
        ok = jy_db_res_rows(res) > 0;
    else if (ops[op].success == AFFECTED)
        ok = jy_db_res_affected(res) == 1;
    else
        ok = true;
    jy_db_rollback(fx.app);
    return ok;
}


/* Permissions of a role, from the database (the one place they are defined). */
static bool
role_has(const char *role, const char *perm)
{
    const char *p[2] = {role, perm};
    return role && strcmp(own("SELECT EXISTS (SELECT 1 FROM role WHERE code = $1 "
                              "AND $2 = ANY (permissions))",
                              2, p),
                          "t") == 0;
}


/*
 * Check every operation on every target for one role granted on the own
 * site (NULL role: a user without any grant). whole_tree: the grant is on
 * the platform root instead, so it covers every target.
 */
static void
check_role(const char *role, bool whole_tree)
{
    long long actor;
    int t, o, wrong = 0;
    char report[8192];
    size_t rl = 0;

    fixture_build();
    actor = actor_with(role, whole_tree ? fx.platform : fx.site[OWN], NULL);
    for (t = 0; t < NTARGETS; t++) {
        for (o = 0; o < NOPS; o++) {
            bool in_scope = whole_tree || t == OWN || t == CHILD;
            bool expect = ops[o].perm == NULL || (in_scope && role_has(role, ops[o].perm));
            char why[300];
            bool got = attempt(actor, (enum op) o, (enum target) t, why, sizeof(why));
            if (got != expect) {
                wrong++;
                rl += (size_t) snprintf(report + rl, sizeof(report) - rl,
                                        "\n    %s on %s site: expected %s, got %s%s%s", ops[o].name,
                                        target_names[t], expect ? "allowed" : "refused",
                                        got ? "allowed" : "refused", why[0] ? ": " : "", why);
                if (rl >= sizeof(report))
                    rl = sizeof(report) - 1;
            }
        }
    }
    /* the same rules through the C API, on the application role's connection */
    for (t = 0; t < NTARGETS; t++) {
        bool in_scope = whole_tree || t == OWN || t == CHILD;
        struct jy_err err = JY_ERR_INIT;
        struct jy_site_setting set = {"sponsor", "某某单位"};
        struct jy_site_result sres;
        struct jy_grant_spec g = {0};
        char login[32];
        long long gid;
        bool got;

        jy_db_set_actor(fx.app, actor, "tester", NULL, "capi");
        memset(&sres, 0, sizeof(sres));
        got = jy_site_update(fx.app, fx.pool, fx.site[t], &set, 1, JY_SITE_DRY_RUN, &sres, &err) ==
                  JY_OK &&
              sres.fields_changed == 1;
        if (got != (in_scope && role_has(role, "site.manage"))) {
            wrong++;
            rl += (size_t) snprintf(report + rl, sizeof(report) - rl,
                                    "\n    C API jy_site_update on %s site: %s (%s)",
                                    target_names[t], got ? "allowed" : "refused", err.msg);
        }
        snprintf(login, sizeof(login), "user.%s", target_names[t]);
        g.login = login;
        g.role = "viewer";
        g.site = fx.site[t];
        got = jy_grant_add(fx.app, fx.pool, &g, &gid, &err) == JY_OK;
        if (got != (in_scope && role_has(role, "grant.manage"))) {
            wrong++;
            rl += (size_t) snprintf(report + rl, sizeof(report) - rl,
                                    "\n    C API jy_grant_add on %s site: %s (%s)", target_names[t],
                                    got ? "allowed" : "refused", err.msg);
        }
        /* accounts: created and disabled by user.manage holders of the managing site */
        {
            struct jy_auth_user_new nu = {0};
            char newlogin[32];
            snprintf(newlogin, sizeof(newlogin), "new.%s", target_names[t]);
            nu.login = newlogin;
            nu.display_name = "新用户";
            nu.site_id = atoll(fx.site[t]);
            got = jy_auth_user_create(fx.app, NULL, &nu, NULL, NULL, &err) == JY_OK;
            if (got != (in_scope && role_has(role, "user.manage"))) {
                wrong++;
                rl += (size_t) snprintf(report + rl, sizeof(report) - rl,
                                        "\n    C API jy_auth_user_create on %s site: %s (%s)",
                                        target_names[t], got ? "allowed" : "refused", err.msg);
            }
            got = jy_auth_user_disable(fx.app, login, &err) == JY_OK;
            if (got != (in_scope && role_has(role, "user.manage"))) {
                wrong++;
                rl += (size_t) snprintf(report + rl, sizeof(report) - rl,
                                        "\n    C API jy_auth_user_disable on %s site: %s (%s)",
                                        target_names[t], got ? "allowed" : "refused", err.msg);
            }
        }
        if (rl >= sizeof(report))
            rl = sizeof(report) - 1;
    }
    fixture_free();
    if (wrong)
        jy_test_fail(__FILE__, __LINE__, "role %s: %d checks wrong:%s", role ? role : "(none)",
                     wrong, report);
}


static void
test_matrix_platform_admin(void)
{
    check_role("platform_admin", true);
}


static void
test_matrix_site_admin(void)
{
    check_role("site_admin", false);
}


static void
test_matrix_reviewer(void)
{
    check_role("reviewer", false);
}


static void
test_matrix_editor(void)
{
    check_role("editor", false);
}


static void
test_matrix_viewer(void)
{
    check_role("viewer", false);
}


static void
test_matrix_auditor(void)
{
    check_role("auditor", false);
}


static void
test_matrix_no_grant(void)
{
    check_role(NULL, false);
}


/* Run SQL as the app role with actor set; returns the result or NULL (err filled). */
static struct jy_db_res *
as_actor(long long actor, const char *sql, int n, const char *const *params, struct jy_err *err)
{
    struct jy_db_res *res;

    jy_db_set_actor(fx.app, actor, "tester", NULL, NULL);
    if (jy_db_begin(fx.app, err) != JY_OK)
        return NULL;
    res = jy_db_query(fx.app, fx.pool, sql, n, params, err);
    if (res == NULL)
        jy_db_rollback(fx.app);
    else if (jy_db_commit(fx.app, err) != JY_OK)
        return NULL;
    return res;
}


static int
count_as(long long actor, const char *sql, int n, const char *const *params)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *res = as_actor(actor, sql, n, params, &err);

    if (res == NULL)
        jy_test_fail(__FILE__, __LINE__, "%s: %s", sql, err.msg);
    return atoi(jy_db_res_get(res, 0, 0));
}


static void
test_anonymous_sees_published_only(void)
{
    const char *p[1];

    fixture_build();
    p[0] = fx.placement[SIBLING];
    own("UPDATE placement SET state = 'published', published_at = now() WHERE id = $1", 1, p);
    /* nobody logged in: published placements and their items, no drafts */
    T_EQ_INT(count_as(0, "SELECT count(*) FROM placement", 0, NULL), 1);
    T_EQ_INT(count_as(0, "SELECT count(*) FROM item", 0, NULL), 1);
    p[0] = fx.item[SIBLING];
    T_EQ_INT(count_as(0, "SELECT count(*) FROM item WHERE id = $1", 1, p), 1);
    T_EQ_INT(count_as(0, "SELECT count(*) FROM item_revision", 0, NULL), 0);
    T_EQ_INT(count_as(0, "SELECT count(*) FROM app_user", 0, NULL), 0);
    T_EQ_INT(count_as(0, "SELECT count(*) FROM audit_log", 0, NULL), 0);
    /* the site and column trees are public: they are what the websites show */
    T_EQ_INT(count_as(0, "SELECT count(*) FROM site", 0, NULL), 6);
    fixture_free();
}


static void
test_placed_item_visible_to_showing_site(void)
{
    /* an item of the sibling county placed (as a draft) into our column: our
     * editors see it, because our site shows it */
    const char *p[3];
    long long editor;

    fixture_build();
    editor = actor_with("editor", fx.site[OWN], NULL);
    p[0] = fx.item[SIBLING];
    T_EQ_INT(count_as(editor, "SELECT count(*) FROM item WHERE id = $1", 1, p), 0);
    p[1] = fx.column[OWN];
    p[2] = fx.site[OWN];
    own("INSERT INTO placement (item_id, column_id, site_id) VALUES ($1, $2, $3)", 3, p);
    T_EQ_INT(count_as(editor, "SELECT count(*) FROM item WHERE id = $1", 1, p), 1);
    /* seeing is not editing: the item belongs to the sibling */
    T_EQ_INT(count_as(editor,
                      "WITH u AS (UPDATE item SET title = 'x' WHERE id = $1 RETURNING 1) "
                      "SELECT count(*) FROM u",
                      1, p),
             0);
    fixture_free();
}


static void
test_secrets_are_out_of_reach(void)
{
    struct jy_err err = JY_ERR_INIT;
    long long admin;

    fixture_build();
    admin = actor_with("platform_admin", fx.platform, NULL);
    T_ASSERT(as_actor(admin, "SELECT password_hash FROM app_user", 0, NULL, &err) == NULL);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_ASSERT(as_actor(admin, "SELECT count(*) FROM schema_version", 0, NULL, &err) == NULL);
    T_ASSERT(as_actor(admin,
                      "INSERT INTO audit_log (user_id, action, object_type) "
                      "VALUES (1, 'forged', 'site')",
                      0, NULL, &err) == NULL);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_ASSERT(as_actor(admin, "DELETE FROM audit_log", 0, NULL, &err) == NULL);
    /* site events only for sites one may change: an editor cannot fake a closing */
    {
        long long editor = actor_with("editor", fx.site[OWN], NULL);
        const char *q[1] = {fx.site[SIBLING]};
        T_ASSERT(as_actor(editor, "SELECT jy_site_audit('site.close', $1::bigint, NULL, NULL)", 1,
                          q, &err) == NULL);
        T_EQ_INT(err.code, JY_E_FORBIDDEN);
        T_ASSERT(as_actor(editor,
                          "SELECT jy_site_audit_unchecked('site.close', $1::bigint, NULL, NULL)", 1,
                          q, &err) == NULL);
    }
    /* semantic events go through jy_audit(), which stamps the real actor */
    T_ASSERT(as_actor(admin, "SELECT jy_audit('site.note', 'site', '1', NULL)", 0, NULL, &err));
    {
        char a[24];
        const char *p[1] = {a};
        snprintf(a, sizeof(a), "%lld", admin);
        T_EQ_STR(
            own("SELECT count(*) FROM audit_log WHERE action = 'site.note' AND user_id = $1", 1, p),
            "1");
    }
    fixture_free();
}


static void
test_no_escalation_through_grants(void)
{
    struct jy_err err = JY_ERR_INIT;
    long long site_admin;
    const char *p[2];

    fixture_build();
    site_admin = actor_with("site_admin", fx.site[OWN], NULL);
    p[0] = fx.user[OWN];
    p[1] = fx.site[OWN];
    /* a site admin may grant what it holds ... */
    T_ASSERT(as_actor(site_admin,
                      "INSERT INTO user_grant (user_id, role, site_id) VALUES ($1, 'editor', $2)",
                      2, p, &err));
    /* ... but not the platform admin's powers (site.create is not its own) */
    T_ASSERT(as_actor(site_admin,
                      "INSERT INTO user_grant (user_id, role, site_id) "
                      "VALUES ($1, 'platform_admin', $2)",
                      2, p, &err) == NULL);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    /* nor the auditor's (三员分立: administrators do not read the audit log) */
    T_ASSERT(as_actor(site_admin,
                      "INSERT INTO user_grant (user_id, role, site_id) VALUES ($1, 'auditor', $2)",
                      2, p, &err) == NULL);
    fixture_free();
}


static void
test_column_grant_is_limited_to_its_subtree(void)
{
    struct jy_err err = JY_ERR_INIT;
    const char *p[3];
    char other[24], sub[24];
    long long col_editor;

    fixture_build();
    p[0] = fx.site[OWN];
    p[1] = fx.column[OWN];
    copy_id(sub, own("INSERT INTO site_column (site_id, parent_id, code, name, kind) "
                     "VALUES ($1, $2, 'sub', '子栏目', 'list') RETURNING id",
                     2, p));
    copy_id(other, own("INSERT INTO site_column (site_id, code, name, kind) "
                       "VALUES ($1, 'other', '其他', 'list') RETURNING id",
                       1, p));
    col_editor = actor_with("editor", fx.site[OWN], fx.column[OWN]);
    /* creates items on the site, places them in its column and below ... */
    {
        struct jy_db_res *r = as_actor(col_editor,
                                       "INSERT INTO item (site_id, kind, title) "
                                       "VALUES ($1, 'article', '栏目稿件') RETURNING id",
                                       1, p, &err);
        char item[24];
        T_ASSERT(r != NULL);
        copy_id(item, jy_db_res_get(r, 0, 0));
        p[0] = item;
        p[1] = sub;
        p[2] = fx.site[OWN];
        T_ASSERT(as_actor(col_editor,
                          "INSERT INTO placement (item_id, column_id, site_id) VALUES ($1, $2, $3)",
                          3, p, &err));
        /* ... but not into another column of the same site */
        p[1] = other;
        T_ASSERT(as_actor(col_editor,
                          "INSERT INTO placement (item_id, column_id, site_id) VALUES ($1, $2, $3)",
                          3, p, &err) == NULL);
        T_EQ_INT(err.code, JY_E_FORBIDDEN);
    }
    /* it reads the drafts of its column (the fixture's item is placed there) ... */
    p[0] = fx.item[OWN];
    T_EQ_INT(count_as(col_editor, "SELECT count(*) FROM item WHERE id = $1", 1, p), 1);
    /* ... but not the site's drafts placed elsewhere, nor may it edit them */
    {
        char elsewhere[24];
        p[0] = fx.site[OWN];
        copy_id(elsewhere, own("INSERT INTO item (site_id, kind, title) "
                               "VALUES ($1, 'article', '别的栏目的稿件') RETURNING id",
                               1, p));
        p[0] = elsewhere;
        p[1] = other;
        p[2] = fx.site[OWN];
        own("INSERT INTO placement (item_id, column_id, site_id) VALUES ($1, $2, $3)", 3, p);
        T_EQ_INT(count_as(col_editor, "SELECT count(*) FROM item WHERE id = $1", 1, p), 0);
        T_EQ_INT(count_as(col_editor,
                          "WITH u AS (UPDATE item SET title = 'x' WHERE id = $1 RETURNING 1) "
                          "SELECT count(*) FROM u",
                          1, p),
                 0);
    }
    fixture_free();
}


static void
test_unit_grant_covers_the_units_columns(void)
{
    /* a township (unit) publishes into columns of the county portal it owns;
     * its editor is granted on the unit */
    struct jy_err err = JY_ERR_INIT;
    const char *p[4];
    char unit_col[24], item[24];
    long long unit_editor;
    struct jy_db_res *r;

    fixture_build();
    p[0] = fx.site[OWN];
    p[1] = fx.site[CHILD];
    copy_id(unit_col, own("INSERT INTO site_column (site_id, unit_id, code, name, kind) "
                          "VALUES ($1, $2, 'town', '街道动态', 'list') RETURNING id",
                          2, p));
    unit_editor = actor_with("editor", fx.site[CHILD], NULL);
    /* it writes items of the county site for its unit ... */
    r = as_actor(unit_editor,
                 "INSERT INTO item (site_id, unit_id, kind, title) "
                 "VALUES ($1, $2, 'article', '街道新闻') RETURNING id",
                 2, p, &err);
    if (r == NULL)
        jy_test_fail(__FILE__, __LINE__, "unit editor cannot create an item: %s", err.msg);
    copy_id(item, jy_db_res_get(r, 0, 0));
    /* ... places them in the unit's column ... */
    p[0] = item;
    p[1] = unit_col;
    p[2] = fx.site[OWN];
    T_ASSERT(as_actor(unit_editor,
                      "INSERT INTO placement (item_id, column_id, site_id) VALUES ($1, $2, $3)", 3,
                      p, &err));
    /* ... but not in the county's own columns, and it reads no county drafts */
    p[1] = fx.column[OWN];
    T_ASSERT(as_actor(unit_editor,
                      "INSERT INTO placement (item_id, column_id, site_id) VALUES ($1, $2, $3)", 3,
                      p, &err) == NULL);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    p[0] = fx.item[OWN];
    T_EQ_INT(count_as(unit_editor, "SELECT count(*) FROM item WHERE id = $1", 1, p), 0);
    fixture_free();
}


static void
test_disabled_user_and_expired_grant_lose_rights_at_once(void)
{
    long long editor, temp;
    char id[24];
    const char *p[2];

    fixture_build();
    editor = actor_with("editor", fx.site[OWN], NULL);
    p[0] = fx.item[OWN];
    T_EQ_INT(count_as(editor, "SELECT count(*) FROM item WHERE id = $1", 1, p), 1);
    snprintf(id, sizeof(id), "%lld", editor);
    p[1] = id;
    own("UPDATE app_user SET disabled = true, disabled_at = now() WHERE id = $2::bigint "
        "AND $1::bigint > 0",
        2, p);
    T_EQ_INT(count_as(editor, "SELECT count(*) FROM item WHERE id = $1", 1, p), 0);

    temp = actor_with("editor", fx.site[OWN], NULL);
    snprintf(id, sizeof(id), "%lld", temp);
    own("UPDATE user_grant SET granted_at = now() - interval '2 days', "
        "expires_at = now() - interval '1 day' WHERE user_id = $2::bigint AND $1::bigint > 0",
        2, p);
    T_EQ_INT(count_as(temp, "SELECT count(*) FROM item WHERE id = $1", 1, p), 0);
    fixture_free();
}


static void
test_audit_records_actor_and_changed_fields(void)
{
    long long editor;
    char id[24];
    const char *p[2];
    struct jy_err err = JY_ERR_INIT;

    fixture_build();
    editor = actor_with("editor", fx.site[OWN], NULL);
    p[0] = fx.item[OWN];
    jy_db_set_actor(fx.app, editor, "tester", "10.1.2.3", "req-42");
    T_EQ_INT(jy_db_begin(fx.app, &err), JY_OK);
    T_ASSERT(
        jy_db_query(fx.app, fx.pool, "UPDATE item SET title = '新标题' WHERE id = $1", 1, p, &err));
    T_EQ_INT(jy_db_commit(fx.app, &err), JY_OK);
    snprintf(id, sizeof(id), "%lld", editor);
    p[1] = id;
    T_EQ_STR(own("SELECT login || ' ' || host(client_addr) || ' ' || request_id || ' ' || action "
                 "|| ' ' || (after ->> 'title') || ' ' || (before ->> 'title') || ' ' || "
                 "(after ? 'body')::text "
                 "FROM audit_log WHERE object_type = 'item' AND object_id = $1 "
                 "AND user_id = $2::bigint ORDER BY id DESC LIMIT 1",
                 2, p),
             "tester 10.1.2.3 req-42 update 新标题 未发布的稿件 false");
    /* the system (owner role, no actor) is recorded as nobody, and an
     * idempotent update records nothing */
    {
        const char *before = own("SELECT count(*) FROM audit_log", 0, NULL);
        char b[24];
        copy_id(b, before);
        own("UPDATE item SET title = title WHERE id = $1", 1, p);
        T_EQ_STR(own("SELECT count(*) FROM audit_log", 0, NULL), b);
    }
    fixture_free();
}


static void
test_explain_rights(void)
{
    long long admin, col_editor;
    char id[24];
    const char *p[2];

    fixture_build();
    admin = actor_with("site_admin", fx.site[PARENT], NULL);
    col_editor = actor_with("editor", fx.site[OWN], fx.column[OWN]);
    snprintf(id, sizeof(id), "%lld", admin);
    p[0] = id;
    p[1] = fx.site[OWN];
    T_CONTAINS(own("SELECT string_agg(permission || ':' || scope, ';') "
                   "FROM jy_explain_rights($1, $2) WHERE permission = 'column.manage'",
                   2, p),
               "column.manage:inherited: grant on an ancestor site covers its subtree");
    snprintf(id, sizeof(id), "%lld", col_editor);
    T_CONTAINS(own("SELECT string_agg(permission || ':' || scope, ';') "
                   "FROM jy_explain_rights($1, $2)",
                   2, p),
               "item.write:only column \"news\" and its subcolumns");
    p[1] = fx.site[SIBLING];
    T_EQ_STR(own("SELECT count(*) FROM jy_explain_rights($1, $2)", 2, p), "0");
    fixture_free();
}


static void
test_every_tenant_table_has_row_level_security(void)
{
    /* a table with site_id, or one the app role may touch, without RLS is a leak */
    fixture_build();
    T_EQ_STR(own("SELECT coalesce(string_agg(c.relname, ', ' ORDER BY c.relname), 'none') "
                 "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity "
                 "AND c.relname NOT IN ('role', 'item_kind') "
                 "AND (EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid "
                 "             AND a.attname = 'site_id' AND NOT a.attisdropped) "
                 "     OR has_table_privilege('jiyue_app', c.oid, 'SELECT') "
                 "     OR has_table_privilege('jiyue_app', c.oid, 'INSERT') "
                 "     OR has_any_column_privilege('jiyue_app', c.oid, 'SELECT'))",
                 0, NULL),
             "none");
    T_EQ_STR(own("SELECT rolbypassrls::text || rolsuper::text FROM pg_roles "
                 "WHERE rolname = 'jiyue_app'",
                 0, NULL),
             "falsefalse");
    fixture_free();
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_matrix_platform_admin),
        T_CASE(test_matrix_site_admin),
        T_CASE(test_matrix_reviewer),
        T_CASE(test_matrix_editor),
        T_CASE(test_matrix_viewer),
        T_CASE(test_matrix_auditor),
        T_CASE(test_matrix_no_grant),
        T_CASE(test_anonymous_sees_published_only),
        T_CASE(test_placed_item_visible_to_showing_site),
        T_CASE(test_secrets_are_out_of_reach),
        T_CASE(test_no_escalation_through_grants),
        T_CASE(test_column_grant_is_limited_to_its_subtree),
        T_CASE(test_unit_grant_covers_the_units_columns),
        T_CASE(test_disabled_user_and_expired_grant_lose_rights_at_once),
        T_CASE(test_audit_records_actor_and_changed_fields),
        T_CASE(test_explain_rights),
        T_CASE(test_every_tenant_table_has_row_level_security),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
