/*
 * http_workflow_test.c - the routes of the workflow, submissions, render
 * status, "where is my item", mirrors and content checks over HTTP, on the
 * demo platform: the real `jiyue serve` on loopback (its own renderer,
 * pusher and scheduler off, so the test decides when they run), driven
 * with libcurl as the demo's people. Happy paths, bad input (unknown
 * fields, wrong types, wrong state -> 409 with the workflow's words, not
 * allowed -> 403, another tenant's placement -> 404) with the database
 * unchanged, and one journey end to end: an editor writes a province
 * document that every city and county reuses, a reviewer approves and
 * publishes it, the renderer runs, and "where" shows every site's page
 * and that its file exists.
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/auth.h"
#include "core/db.h"
#include "core/demo.h"
#include "core/err.h"
#include "core/json.h"
#include "core/mirror.h"
#include "core/pool.h"
#include "core/push.h"
#include "core/render.h"
#include "tests/integration/http_client.h"
#include "tests/test.h"

#include <cjson/cJSON.h>

#define PW     "Bamboo-River-7"
#define PROV   "5600000001"
#define SZFWJ  PROV ":zwgk/zcwj/szfwj" /* 省政府文件, reused by every city and county */
#define COUNTY "5601210001"            /* 栖云县 */

enum { ADMIN, EDITOR, REVIEWER, COUNTY_ADMIN, AUDITOR, NUSERS };
static const char *const logins[NUSERS] = {"admin", "liu.yang", "chen.jing", "he.min", "su.wen"};

static struct {
    struct jy_pool *pool;
    struct jy_db *owner;
    const char *conninfo;
    const char *out; /* output_dir of the renderer and the server */
    const char *auth[NUSERS];
    struct jy_render_opts opts;
    long long published; /* the item of the end-to-end case */
} fx;

static struct srv server;


/* ---- helpers ---- */

static const char *
own(const char *sql, int n, const char *const *params)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *res = jy_db_query(fx.owner, fx.pool, sql, n, params, &err);

    if (res == NULL)
        jy_test_fail(__FILE__, __LINE__, "%s\n    %s (%s)", sql, err.msg, err.detail);
    return jy_db_res_rows(res) && jy_db_res_cols(res) ? jy_db_res_get(res, 0, 0) : NULL;
}


static const char *
num(long long v)
{
    return jy_pool_printf(fx.pool, "%lld", v);
}


static void
setup(void)
{
    static bool ready;
    struct jy_err err = JY_ERR_INIT;
    struct jy_demo_opts dopts = {NULL, NULL, NULL, false};
    struct jy_demo_stats dst;
    struct jy_render_stats rst;
    struct jy_auth_policy *policy;
    char buf[512];
    FILE *f;
    int i;

    if (ready)
        return;
    jy_auth_set_cost(JY_AUTH_COST_TEST);
    fx.pool = jy_pool_create(0);
    fx.conninfo = jy_test_db_create(true);
    fx.owner = jy_db_connect(fx.conninfo, &err);
    if (fx.owner == NULL)
        jy_test_fail(__FILE__, __LINE__, "connect: %s", err.msg);
    dopts.file = jy_test_path("sites/demo/platform.json");
    dopts.name = "platform.json";
    dopts.blueprint_dir = jy_test_path("sites/blueprints");
    if (jy_demo_load(fx.owner, fx.pool, &dopts, &dst, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "demo: %s (%s)", err.msg, err.detail);
    policy = jy_auth_policy_load(fx.pool, jy_test_path("sites/common-passwords.txt"), &err);
    T_ASSERT(policy != NULL);
    for (i = 0; i < NUSERS; i++) {
        char tok[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];
        if (jy_auth_user_set_password(fx.owner, policy, logins[i], PW, &err) != JY_OK ||
            jy_auth_token_create(fx.owner, logins[i], "http test", 0, tok, prefix, &err) != JY_OK)
            jy_test_fail(__FILE__, __LINE__, "%s: %s", logins[i], err.msg);
        fx.auth[i] = jy_pool_printf(fx.pool, "Authorization: Bearer %s", tok);
    }
    /* every site rendered once, as a running platform has it */
    fx.out = jy_pool_printf(fx.pool, "%s/www", jy_test_tmpdir());
    fx.opts.output_dir = fx.out;
    fx.opts.share_dir = jy_test_path("");
    fx.opts.threads = 2;
    memset(&rst, 0, sizeof(rst));
    if (jy_render_all(fx.owner, &fx.opts, &rst, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "render: %s (%s)", err.msg, err.detail);
    f = fopen(getenv("JY_TEST_PGINFO"), "r");
    T_ASSERT(f && fgets(buf, sizeof(buf), f));
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    {
        const char *db = jy_pool_printf(fx.pool, "host=%s dbname=%s user=jiyue", buf,
                                        own("SELECT current_database()", 0, NULL));
        const char *sets[] = {
            "workers=2",
            "http_auth_cache=0",
            "serve_render=0",
            "serve_push=0",
            "serve_scheduler=0",
            "check_link_timeout=1",
            jy_pool_printf(fx.pool, "output_dir=%s", fx.out),
            jy_pool_printf(fx.pool, "plugin_dir=%s", getenv("JY_PLUGIN_BUILD_DIR")),
            NULL};
        srv_start(&server, fx.pool, db, sets);
    }
    ready = true;
}


static struct resp
req(int u, const char *method, const char *path, const char *body)
{
    const char *h[2] = {u >= 0 ? fx.auth[u] : NULL, NULL};

    return http_req(fx.pool, &server, method, path, body, body ? strlen(body) : 0, NULL,
                    u >= 0 ? h : NULL);
}


static cJSON *
js(const struct resp *r)
{
    struct jy_err err = JY_ERR_INIT;
    cJSON *j = jy_json_parse(fx.pool, r->body, strlen(r->body), &err);

    if (j == NULL)
        jy_test_fail(__FILE__, __LINE__, "answer is not JSON (%s): %s", err.msg, r->body);
    return j;
}


/* A member by dotted path ("placement.state", "items.0.title") as text; NULL when absent. */
static const char *
jstr(const cJSON *j, const char *path)
{
    const cJSON *v = j;
    char key[64];

    while (*path && v) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof(key), "%.*s", (int) n, path);
        if (cJSON_IsArray(v))
            v = cJSON_GetArrayItem(v, atoi(key));
        else
            v = cJSON_GetObjectItemCaseSensitive(v, key);
        path += n + (path[n] == '.');
    }
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v))
        return jy_pool_printf(fx.pool, "%.0f", v->valuedouble);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? "true" : "false";
    if (cJSON_IsNull(v))
        return "null";
    return NULL;
}


static void
expect_status_at(const struct resp *r, long status, int line)
{
    if (r->status != status)
        jy_test_fail(__FILE__, line, "status %ld, expected %ld: %s", r->status, status, r->body);
}

#define expect_status(r, s) expect_status_at((r), (s), __LINE__)


/* An error answer: status, code, and the field when given. */
static void
expect_error_at(const struct resp *r, long status, const char *code, const char *field, int line)
{
    cJSON *j;

    expect_status_at(r, status, line);
    j = js(r);
    if (jstr(j, "error.code") == NULL || strcmp(jstr(j, "error.code"), code) != 0)
        jy_test_fail(__FILE__, line, "error code %s, expected %s: %s", jstr(j, "error.code"), code,
                     r->body);
    if (jstr(j, "error.message") == NULL || jstr(j, "error.message")[0] == '\0')
        jy_test_fail(__FILE__, line, "no message: %s", r->body);
    if (field && (jstr(j, "error.field") == NULL || strcmp(jstr(j, "error.field"), field) != 0))
        jy_test_fail(__FILE__, line, "field %s, expected %s: %s", jstr(j, "error.field"), field,
                     r->body);
}

#define expect_error(r, s, c, f) expect_error_at((r), (s), (c), (f), __LINE__)


/* A province policy document placed in 省政府文件 (a draft), made by the editor. */
static long long
new_document(const char *title, const char *doc_no)
{
    struct resp r =
        req(EDITOR, "POST", "/api/v1/items",
            jy_pool_printf(fx.pool,
                           "{\"site\": \"" PROV "\", \"kind\": \"policy\", \"fields\":"
                           " {\"title\": \"%s\", \"doc_no\": \"%s\","
                           " \"issuer\": \"云岭省人民政府\", \"validity\": \"valid\","
                           " \"body\": \"<p>各市、县人民政府：现将有关事项通知如下。</p>\"},"
                           " \"places\": [{\"column\": \"" SZFWJ "\"}]}",
                           title, doc_no));

    expect_status(&r, 201);
    return atoll(jstr(js(&r), "id"));
}


static const char *
state_of(long long item, const char *column_path, const char *site)
{
    const char *p[3] = {num(item), column_path, site};

    return own("SELECT p.state FROM placement p JOIN site_column c ON c.id = p.column_id"
               " JOIN site s ON s.id = c.site_id WHERE p.item_id = $1 AND c.path = $2"
               " AND s.code = $3",
               3, p);
}


static long long
events_of(long long item)
{
    const char *p[1] = {num(item)};

    return atoll(own("SELECT count(*) FROM workflow_event e JOIN placement p"
                     " ON p.id = e.placement_id WHERE p.item_id = $1",
                     1, p));
}


/* A one-step chain on 省政府文件 (the blueprint's has three, the last for site admins). */
static void
one_step_chain(void)
{
    struct resp r = req(ADMIN, "PUT", "/api/v1/review/chain/" PROV "?column=zwgk/zcwj/szfwj",
                        "{\"steps\": [{\"name\": \"审核\", \"role\": \"reviewer\"}]}");

    expect_status(&r, 200);
}


static void
render_pending(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_render_stats st;

    memset(&st, 0, sizeof(st));
    if (jy_render_pending(fx.owner, &fx.opts, &st, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "render pending: %s (%s)", err.msg, err.detail);
}


/* ---- cases ---- */

/*
 * The journey: the editor logs in and writes a document into 省政府文件,
 * submits; the reviewer logs in, finds it in the queue, approves and
 * publishes; the renderer runs; "where" shows the province page and every
 * reusing site's page with its URL, and each file exists.
 */
static void
test_end_to_end_publish_everywhere(void)
{
    const char *ed[3] = {NULL, NULL, NULL}, *rv[3] = {NULL, NULL, NULL};
    struct resp r;
    cJSON *j, *places, *e;
    long long item, nreusers;
    const char *p[1];
    int found = 0, i;

    setup();
    one_step_chain();
    /* the editor, with a session cookie and the CSRF token */
    for (i = 0; i < 2; i++) {
        const char **h = i == 0 ? ed : rv;
        const char *body = jy_pool_printf(fx.pool, "{\"login\": \"%s\", \"password\": \"" PW "\"}",
                                          logins[i == 0 ? EDITOR : REVIEWER]);
        const char *sc;
        r = http_req(fx.pool, &server, "POST", "/api/v1/session", body, strlen(body), NULL, NULL);
        expect_status(&r, 201);
        sc = resp_header(fx.pool, &r, "Set-Cookie");
        T_ASSERT(sc != NULL);
        h[0] = jy_pool_printf(fx.pool, "Cookie: %.*s", (int) strcspn(sc, ";"), sc);
        h[1] = jy_pool_printf(fx.pool, "X-CSRF-Token: %s", jstr(js(&r), "csrf_token"));
    }
    {
        const char *body =
            "{\"site\": \"" PROV "\", \"kind\": \"policy\", \"fields\":"
            " {\"title\": \"云岭省人民政府关于全程演示的通知\","
            " \"doc_no\": \"云政发〔2026〕88号\", \"issuer\": \"云岭省人民政府\","
            " \"validity\": \"valid\", \"body\": \"<p>各市、县人民政府：请遵照执行。</p>\"},"
            " \"places\": [{\"column\": \"" SZFWJ "\"}]}";
        r = http_req(fx.pool, &server, "POST", "/api/v1/items", body, strlen(body), NULL, ed);
        expect_status(&r, 201);
        item = atoll(jstr(js(&r), "id"));
    }
    fx.published = item;
    {
        const char *body =
            "{\"action\": \"submit\", \"column\": \"" SZFWJ "\", \"comment\": \"请审核\"}";
        /* without the CSRF token the cookie is not enough */
        const char *nocsrf[2] = {ed[0], NULL};
        r = http_req(fx.pool, &server, "POST",
                     jy_pool_printf(fx.pool, "/api/v1/items/%lld/workflow", item), body,
                     strlen(body), NULL, nocsrf);
        expect_error(&r, 403, "csrf", NULL);
        T_EQ_STR(state_of(item, "zwgk/zcwj/szfwj", PROV), "draft");
        r = http_req(fx.pool, &server, "POST",
                     jy_pool_printf(fx.pool, "/api/v1/items/%lld/workflow", item), body,
                     strlen(body), NULL, ed);
        expect_status(&r, 200);
        j = js(&r);
        T_EQ_STR(jstr(j, "from"), "draft");
        T_EQ_STR(jstr(j, "to"), "submitted");
        T_EQ_STR(jstr(j, "placement.state"), "submitted");
        T_EQ_STR(jstr(j, "placement.steps"), "1");
        T_EQ_STR(jstr(j, "placement.waiting_step"), "1");
        T_EQ_STR(jstr(j, "placement.waiting_name"), "审核");
    }
    /* the reviewer's queue has it, waiting for the step */
    r = http_req(fx.pool, &server, "GET", "/api/v1/review/queue?site=" PROV, NULL, 0, NULL, rv);
    expect_status(&r, 200);
    j = js(&r);
    for (i = 0; i < cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")); i++) {
        e = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "items"), i);
        if (atoll(jstr(e, "item_id")) != item)
            continue;
        found++;
        T_EQ_STR(jstr(e, "state"), "submitted");
        T_EQ_STR(jstr(e, "column"), SZFWJ);
        T_EQ_STR(jstr(e, "title"), "云岭省人民政府关于全程演示的通知");
        T_EQ_STR(jstr(e, "submitter"), "liu.yang");
        T_CONTAINS(jstr(e, "waiting"), "审核");
    }
    T_EQ_INT(found, 1);
    /* the editor's own queue does not hold it (nothing to review there) */
    r = http_req(fx.pool, &server, "GET", "/api/v1/review/queue", NULL, 0, NULL, ed);
    expect_status(&r, 200);
    T_ASSERT(strstr(r.body, jy_pool_printf(fx.pool, "\"item_id\":%lld,", item)) == NULL);

    r = http_req(
        fx.pool, &server, "POST", jy_pool_printf(fx.pool, "/api/v1/items/%lld/workflow", item),
        "{\"action\": \"approve\", \"column\": \"" SZFWJ "\", \"comment\": \"同意\"}",
        strlen("{\"action\": \"approve\", \"column\": \"" SZFWJ "\", \"comment\": \"同意\"}"), NULL,
        rv);
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "to"), "approved");
    T_EQ_STR(jstr(js(&r), "placement.step"), "1");
    r = http_req(fx.pool, &server, "POST",
                 jy_pool_printf(fx.pool, "/api/v1/items/%lld/workflow", item),
                 "{\"action\": \"publish\", \"column\": \"" SZFWJ "\"}",
                 strlen("{\"action\": \"publish\", \"column\": \"" SZFWJ "\"}"), NULL, rv);
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "from"), "approved");
    T_EQ_STR(jstr(js(&r), "to"), "published");
    T_EQ_STR(state_of(item, "zwgk/zcwj/szfwj", PROV), "published");

    /* the history, oldest first, with who and the comments */
    r = req(EDITOR, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld/history", item), NULL);
    expect_status(&r, 200);
    j = js(&r);
    T_EQ_STR(jstr(j, "total"), "3");
    T_EQ_STR(jstr(j, "items.0.action"), "submit");
    T_EQ_STR(jstr(j, "items.0.actor"), "liu.yang");
    T_EQ_STR(jstr(j, "items.0.comment"), "请审核");
    T_EQ_STR(jstr(j, "items.1.action"), "approve");
    T_EQ_STR(jstr(j, "items.1.actor"), "chen.jing");
    T_EQ_STR(jstr(j, "items.1.step_name"), "审核");
    T_EQ_STR(jstr(j, "items.2.action"), "publish");
    T_EQ_STR(jstr(j, "items.2.to"), "published");

    /* changes wait for the renderer: the status says so, then the renderer runs */
    r = req(EDITOR, "GET", "/api/v1/render/status?site=" PROV, NULL);
    expect_status(&r, 200);
    T_ASSERT(atoll(jstr(js(&r), "items.0.pending")) >= 1);
    render_pending();
    r = req(EDITOR, "GET", "/api/v1/render/status?site=" PROV, NULL);
    expect_status(&r, 200);
    j = js(&r);
    T_EQ_STR(jstr(j, "items.0.pending"), "0");
    T_EQ_STR(jstr(j, "items.0.site"), PROV);
    T_ASSERT(atoll(jstr(j, "items.0.generation")) > 0);
    T_ASSERT(atoll(jstr(j, "items.0.written")) > 0);
    T_ASSERT(jstr(j, "items.0.finished_at") && strcmp(jstr(j, "items.0.finished_at"), "null"));

    /* where is it: the province's own page, and every site reusing 省政府文件 */
    p[0] = PROV;
    nreusers = atoll(own("SELECT count(*) FROM site_column c JOIN site_column src"
                         " ON src.id = c.reuse_column_id JOIN site s ON s.id = src.site_id"
                         " WHERE s.code = $1 AND src.path = 'zwgk/zcwj/szfwj'"
                         " AND c.reuse_tag_filter IS NULL",
                         1, p));
    T_ASSERT(nreusers >= 9); /* three cities and their counties */
    r = req(EDITOR, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld/where", item), NULL);
    expect_status(&r, 200);
    j = js(&r);
    places = cJSON_GetObjectItem(j, "places");
    T_EQ_INT(cJSON_GetArraySize(places), nreusers + 1);
    T_EQ_STR(jstr(j, "title"), "云岭省人民政府关于全程演示的通知");
    for (i = 0; i < cJSON_GetArraySize(places); i++) {
        const char *site, *path, *url, *domain, *q[1];
        struct stat sb;
        e = cJSON_GetArrayItem(places, i);
        site = jstr(e, "site");
        q[0] = site;
        domain = own("SELECT d.domain FROM site_domain d JOIN site s ON s.id = d.site_id"
                     " WHERE s.code = $1 AND d.is_primary",
                     1, q);
        T_EQ_STR(jstr(e, "state"), "published");
        if (strcmp(site, PROV) == 0) {
            T_EQ_STR(jstr(e, "how"), "own");
            T_EQ_STR(jstr(e, "column"), SZFWJ);
        } else {
            T_EQ_STR(jstr(e, "how"), "reused");
            T_EQ_STR(jstr(e, "source"), SZFWJ);
        }
        if (strcmp(jstr(e, "pages.0.channel"), "desktop") != 0)
            jy_test_fail(__FILE__, __LINE__, "no desktop page on %s: %s", site,
                         cJSON_PrintUnformatted(e));
        T_EQ_STR(jstr(e, "pages.0.rendered"), "true");
        path = jstr(e, "pages.0.path");
        T_CONTAINS(path, jy_pool_printf(fx.pool, "/%lld.html", item));
        url = jstr(e, "pages.0.url");
        T_EQ_STR(url, jy_pool_printf(fx.pool, "https://%s/%s", domain, path));
        T_ASSERT(atoll(jstr(e, "pages.0.generation")) > 0);
        T_ASSERT(stat(jy_pool_printf(fx.pool, "%s/%s/%s", fx.out, site, path), &sb) == 0);
        T_ASSERT(sb.st_size > 0 && (long long) sb.st_size == atoll(jstr(e, "pages.0.size")));
        /* the elder channel too (every demo site has it) */
        T_EQ_STR(jstr(e, "pages.1.channel"), "elder");
        T_ASSERT(stat(jy_pool_printf(fx.pool, "%s/%s/%s", fx.out, site, jstr(e, "pages.1.path")),
                      &sb) == 0);
    }
    /* the county's page is the county's URL */
    T_CONTAINS(r.body,
               jy_pool_printf(fx.pool,
                              "https://qiyun.lanchuan.gov.cn/zwgk/zcwj/shengzfwj/%lld.html", item));
}


/*
 * "where" follows what the reusing columns show: a tag the 惠企政策 columns
 * of the counties filter on brings the document there too; hiding it in
 * one county's column takes it away from that county.
 */
static void
test_where_follows_reuse(void)
{
    const char *p[1] = {PROV}, *path;
    long long before, filtered;
    struct resp r;
    cJSON *places;
    int i, same_page = 0;

    setup();
    T_ASSERT(fx.published > 0);
    path = jy_pool_printf(fx.pool, "/api/v1/items/%lld/where", fx.published);
    r = req(EDITOR, "GET", path, NULL);
    expect_status(&r, 200);
    before = atoll(jstr(js(&r), "total"));
    T_ASSERT(strstr(r.body, "/zwgk/zcwj/hqzc") == NULL);
    filtered = atoll(own("SELECT count(*) FROM site_column c JOIN site_column src"
                         " ON src.id = c.reuse_column_id JOIN site s ON s.id = src.site_id"
                         " WHERE s.code = $1 AND src.path = 'zwgk/zcwj/szfwj'"
                         " AND c.reuse_tag_filter LIKE '%就业%'",
                         1, p));
    T_ASSERT(filtered >= 1);

    r = req(EDITOR, "PATCH", jy_pool_printf(fx.pool, "/api/v1/items/%lld", fx.published),
            "{\"fields\": {\"tags\": [\"就业\"]}}");
    expect_status(&r, 200);
    r = req(EDITOR, "GET", path, NULL);
    expect_status(&r, 200);
    T_EQ_INT(atoll(jstr(js(&r), "total")), before + filtered);
    /* a site has one page for the item: the 惠企政策 place links to the page it has */
    places = cJSON_GetObjectItem(js(&r), "places");
    for (i = 0; i < cJSON_GetArraySize(places); i++) {
        cJSON *e = cJSON_GetArrayItem(places, i);
        int k;
        if (strstr(jstr(e, "column"), ":zwgk/zcwj/hqzc") == NULL)
            continue;
        T_EQ_STR(jstr(e, "how"), "reused");
        for (k = 0; k < cJSON_GetArraySize(places); k++) {
            cJSON *o = cJSON_GetArrayItem(places, k);
            if (k == i || strcmp(jstr(o, "site"), jstr(e, "site")) != 0)
                continue;
            T_EQ_STR(jstr(o, "pages.0.url"), jstr(e, "pages.0.url"));
            T_EQ_STR(jstr(e, "pages.0.rendered"), "true");
            same_page++;
        }
    }
    T_EQ_INT(same_page, filtered);
    render_pending();
    r = req(EDITOR, "GET", path, NULL);
    places = cJSON_GetObjectItem(js(&r), "places");
    for (i = 0; i < cJSON_GetArraySize(places); i++)
        T_EQ_STR(jstr(cJSON_GetArrayItem(places, i), "pages.0.rendered"), "true");

    /* the county hides it in its 省政府文件: that place goes */
    r = req(COUNTY_ADMIN, "PUT",
            jy_pool_printf(fx.pool,
                           "/api/v1/columns/" COUNTY ":zwgk%%2Fzcwj%%2Fshengzfwj/hidden/%lld",
                           fx.published),
            NULL);
    T_ASSERT(r.status == 200 || r.status == 201 || r.status == 204);
    r = req(EDITOR, "GET", path, NULL);
    T_EQ_INT(atoll(jstr(js(&r), "total")), before + filtered - 1);
    T_ASSERT(strstr(r.body, "\"" COUNTY ":zwgk/zcwj/shengzfwj\"") == NULL);
    r = req(COUNTY_ADMIN, "DELETE",
            jy_pool_printf(fx.pool,
                           "/api/v1/columns/" COUNTY ":zwgk%%2Fzcwj%%2Fshengzfwj/hidden/%lld",
                           fx.published),
            NULL);
    T_ASSERT(r.status == 200 || r.status == 204);
    r = req(EDITOR, "GET", path, NULL);
    T_EQ_INT(atoll(jstr(js(&r), "total")), before + filtered);
}


/* Bad input to the workflow route: refused with the field named, nothing changes. */
static void
test_workflow_bad_input(void)
{
    long long item;
    const char *path;
    struct resp r;

    setup();
    one_step_chain();
    item = new_document("错误输入的文件", "云政发〔2026〕90号");
    path = jy_pool_printf(fx.pool, "/api/v1/items/%lld/workflow", item);

    r = req(EDITOR, "POST", path,
            "{\"action\": \"submit\", \"column\": \"" SZFWJ "\", \"colour\": 1}");
    expect_error(&r, 400, "invalid", "colour");
    r = req(EDITOR, "POST", path, "{\"action\": 3, \"column\": \"" SZFWJ "\"}");
    expect_error(&r, 400, "invalid", "action");
    T_CONTAINS(r.body, "must be one of");
    r = req(EDITOR, "POST", path, "{\"action\": \"bless\", \"column\": \"" SZFWJ "\"}");
    expect_error(&r, 400, "invalid", "action");
    r = req(EDITOR, "POST", path, "{\"action\": \"submit\"}");
    expect_error(&r, 400, "invalid", "column");
    r = req(EDITOR, "POST", path, "{\"action\": \"submit\", \"column\": [\"" SZFWJ "\"]}");
    expect_error(&r, 400, "invalid", "column");
    r = req(EDITOR, "POST", path,
            "{\"action\": \"submit\", \"column\": \"" SZFWJ "\", \"reason\": \"x\"}");
    expect_error(&r, 400, "invalid", "reason");
    r = req(EDITOR, "POST", path, "[1, 2]");
    expect_status(&r, 400);
    r = req(EDITOR, "POST", "/api/v1/items/abc/workflow",
            "{\"action\": \"submit\", \"column\": \"" SZFWJ "\"}");
    expect_error(&r, 400, "invalid", "id");
    r = req(EDITOR, "POST", path,
            "{\"action\": \"submit\", \"column\": \"" PROV ":no/such/column\"}");
    expect_error(&r, 404, "not_found", "column");
    r = req(EDITOR, "POST", "/api/v1/items/99999999/workflow",
            "{\"action\": \"submit\", \"column\": \"" SZFWJ "\"}");
    expect_error(&r, 404, "not_found", NULL);
    r = req(EDITOR, "GET", "/api/v1/review/queue?site=9999999999", NULL);
    expect_status(&r, 404);
    r = req(EDITOR, "GET", "/api/v1/review/queue?mine=1", NULL);
    expect_error(&r, 400, "invalid", "mine");

    /* wrong state: approving a draft is a conflict, in the workflow's words */
    r = req(REVIEWER, "POST", path, "{\"action\": \"approve\", \"column\": \"" SZFWJ "\"}");
    expect_error(&r, 409, "conflict", NULL);
    T_CONTAINS(r.body, "draft");
    r = req(REVIEWER, "POST", path, "{\"action\": \"withdraw\", \"column\": \"" SZFWJ "\"}");
    expect_error(&r, 409, "conflict", NULL);
    /* not allowed: an editor does not publish; the auditor writes nothing */
    r = req(EDITOR, "POST", path, "{\"action\": \"publish\", \"column\": \"" SZFWJ "\"}");
    expect_error(&r, 403, "forbidden", NULL);
    /* another tenant: the county's admin cannot see the province's draft */
    r = req(COUNTY_ADMIN, "POST", path, "{\"action\": \"submit\", \"column\": \"" SZFWJ "\"}");
    expect_error(&r, 404, "not_found", NULL);
    r = req(COUNTY_ADMIN, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld/where", item), NULL);
    expect_error(&r, 404, "not_found", NULL);
    r = req(COUNTY_ADMIN, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld/history", item), NULL);
    T_ASSERT(r.status == 404 || (r.status == 200 && strcmp(jstr(js(&r), "total"), "0") == 0));
    /* nothing happened */
    T_EQ_STR(state_of(item, "zwgk/zcwj/szfwj", PROV), "draft");
    T_EQ_INT(events_of(item), 0);

    /* reject: a reason is required; then it goes back to the editor with it */
    r = req(EDITOR, "POST", path, "{\"action\": \"submit\", \"column\": \"" SZFWJ "\"}");
    expect_status(&r, 200);
    r = req(REVIEWER, "POST", path, "{\"action\": \"reject\", \"column\": \"" SZFWJ "\"}");
    expect_error(&r, 400, "invalid", "reason");
    T_EQ_STR(state_of(item, "zwgk/zcwj/szfwj", PROV), "submitted");
    r = req(EDITOR, "POST", path,
            "{\"action\": \"reject\", \"column\": \"" SZFWJ "\", \"reason\": \"自己退回\"}");
    expect_error(&r, 403, "forbidden", NULL);
    r = req(REVIEWER, "POST", path,
            "{\"action\": \"reject\", \"column\": \"" SZFWJ
            "\", \"reason\": \"文号有误，请核对\"}");
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "to"), "draft");
    r = req(EDITOR, "GET", "/api/v1/review/queue", NULL);
    expect_status(&r, 200);
    T_CONTAINS(r.body, "文号有误，请核对");
    T_EQ_INT(events_of(item), 2);
    /* text is stored as sent and comes back exactly so */
    r = req(EDITOR, "POST", path,
            "{\"action\": \"submit\", \"column\": \"" SZFWJ "\","
            " \"comment\": \"<script>alert(1)</script>'; DROP TABLE item; --\"}");
    expect_status(&r, 200);
    r = req(EDITOR, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld/history", item), NULL);
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "items.2.comment"), "<script>alert(1)</script>'; DROP TABLE item; --");
    T_EQ_STR(jstr(js(&r), "items.1.comment"), "文号有误，请核对");
}


static void
test_schedule(void)
{
    long long item;
    const char *path, *wpath;
    struct resp r;

    setup();
    one_step_chain();
    item = new_document("定时发布的文件", "云政发〔2026〕91号");
    path = jy_pool_printf(fx.pool, "/api/v1/items/%lld/schedule", item);
    wpath = jy_pool_printf(fx.pool, "/api/v1/items/%lld/workflow", item);
    r = req(EDITOR, "POST", wpath, "{\"action\": \"submit\", \"column\": \"" SZFWJ "\"}");
    expect_status(&r, 200);
    r = req(REVIEWER, "POST", wpath, "{\"action\": \"approve\", \"column\": \"" SZFWJ "\"}");
    expect_status(&r, 200);

    r = req(REVIEWER, "POST", path, "{\"column\": \"" SZFWJ "\"}");
    expect_error(&r, 400, "invalid", "publish_at");
    r = req(REVIEWER, "POST", path, "{\"column\": \"" SZFWJ "\", \"publish_at\": 20991201}");
    expect_error(&r, 400, "invalid", "publish_at");
    r = req(REVIEWER, "POST", path, "{\"column\": \"" SZFWJ "\", \"when\": \"2099-12-01 08:00\"}");
    expect_error(&r, 400, "invalid", "when");
    r = req(REVIEWER, "POST", path,
            "{\"column\": \"" SZFWJ "\", \"publish_at\": \"2020-01-01 08:00\"}");
    expect_status(&r, 400);
    r = req(REVIEWER, "POST", path, "{\"column\": \"" SZFWJ "\", \"publish_at\": \"明天早上\"}");
    expect_status(&r, 400);
    r = req(EDITOR, "POST", path,
            "{\"column\": \"" SZFWJ "\", \"publish_at\": \"2099-12-01 08:00\"}");
    expect_error(&r, 403, "forbidden", NULL);
    r = req(COUNTY_ADMIN, "POST", path,
            "{\"column\": \"" SZFWJ "\", \"publish_at\": \"2099-12-01 08:00\"}");
    T_ASSERT(r.status == 404 || r.status == 403);
    T_EQ_STR(own(jy_pool_printf(fx.pool,
                                "SELECT coalesce(publish_at::text, 'none') FROM placement"
                                " WHERE item_id = %lld",
                                item),
                 0, NULL),
             "none");

    r = req(REVIEWER, "POST", path,
            "{\"column\": \"" SZFWJ "\", \"publish_at\": \"2099-12-01 08:00\","
            " \"withdraw_at\": \"2100-01-01 08:00\"}");
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "placement.publish_at"), "2099-12-01T08:00:00+08:00");
    T_EQ_STR(jstr(js(&r), "placement.withdraw_at"), "2100-01-01T08:00:00+08:00");
    T_EQ_STR(jstr(js(&r), "placement.state"), "approved");
    /* null clears one, absence leaves the other */
    r = req(REVIEWER, "POST", path, "{\"column\": \"" SZFWJ "\", \"withdraw_at\": null}");
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "placement.publish_at"), "2099-12-01T08:00:00+08:00");
    T_EQ_STR(jstr(js(&r), "placement.withdraw_at"), "null");

    /* what is scheduled: the reviewer sees it, another tenant's admin does not */
    r = req(REVIEWER, "GET", "/api/v1/schedule?site=" PROV, NULL);
    expect_status(&r, 200);
    T_CONTAINS(r.body, jy_pool_printf(fx.pool, "\"item_id\":%lld", item));
    T_CONTAINS(r.body, "\"publish_at\":\"2099-12-01T08:00:00+08:00\"");
    T_CONTAINS(r.body, "\"title\":\"定时发布的文件\"");
    T_CONTAINS(r.body, "\"column\":\"" SZFWJ "\"");
    r = req(COUNTY_ADMIN, "GET", "/api/v1/schedule", NULL);
    expect_status(&r, 200);
    T_ASSERT(strstr(r.body, "定时发布的文件") == NULL);
    r = req(REVIEWER, "GET", "/api/v1/schedule?limit=0", NULL);
    expect_error(&r, 400, "invalid", "limit");
    r = req(REVIEWER, "GET", "/api/v1/schedule?sight=" PROV, NULL);
    expect_error(&r, 400, "invalid", "sight");
    r = req(REVIEWER, "GET", "/api/v1/schedule?site=9999999999", NULL);
    expect_status(&r, 404);
    /* cancelled: gone from the list */
    r = req(REVIEWER, "POST", path, "{\"column\": \"" SZFWJ "\", \"publish_at\": null}");
    expect_status(&r, 200);
    r = req(REVIEWER, "GET", "/api/v1/schedule?site=" PROV, NULL);
    T_ASSERT(strstr(r.body, "定时发布的文件") == NULL);
}


static void
test_review_chain(void)
{
    struct resp r;
    const char *path = "/api/v1/review/chain/" PROV "?column=zwgk/zcwj/szfwj";
    char *inherited;

    setup();
    r = req(EDITOR, "GET", "/api/v1/review/chain/" PROV, NULL);
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "target"), PROV);
    T_ASSERT(jstr(js(&r), "source") != NULL);
    /* the column's own setting removed: what it inherits from the site */
    r = req(ADMIN, "PUT", path, "{\"inherit\": true}");
    expect_status(&r, 200);
    inherited = cJSON_PrintUnformatted(cJSON_GetObjectItem(js(&r), "steps"));
    jy_pool_cleanup_add(fx.pool, free, inherited);

    r = req(EDITOR, "PUT", path, "{\"steps\": []}");
    expect_error(&r, 403, "forbidden", NULL);
    r = req(ADMIN, "PUT", path, "{\"steps\": \"初审\"}");
    expect_error(&r, 400, "invalid", "steps");
    r = req(ADMIN, "PUT", path, "{\"steps\": [], \"inherit\": true}");
    expect_error(&r, 400, "invalid", "inherit");
    r = req(ADMIN, "PUT", path, "{\"stpes\": []}");
    expect_error(&r, 400, "invalid", "stpes");
    r = req(ADMIN, "PUT", path, "{\"steps\": [{\"name\": \"审\", \"role\": \"editor\"}]}");
    expect_status(&r, 400);
    r = req(ADMIN, "GET", "/api/v1/review/chain/" PROV ":zwgk", NULL);
    expect_error(&r, 400, "invalid", "site");
    r = req(ADMIN, "GET", "/api/v1/review/chain/" PROV "?column=no/such", NULL);
    expect_status(&r, 404);
    r = req(ADMIN, "GET", "/api/v1/review/chain/" PROV "?colum=zwgk", NULL);
    expect_error(&r, 400, "invalid", "colum");

    r = req(ADMIN, "PUT", path,
            "{\"steps\": [{\"name\": \"初审\", \"role\": \"reviewer\"},"
            " {\"name\": \"会签\", \"users\": [\"chen.jing\", \"admin\"], \"mode\": \"all\"}]}");
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "steps.1.name"), "会签");
    T_EQ_STR(jstr(js(&r), "target"), SZFWJ);
    T_CONTAINS(jstr(js(&r), "source"), "zwgk/zcwj/szfwj");
    r = req(ADMIN, "PUT", path, "{\"inherit\": true}");
    expect_status(&r, 200);
    T_CONTAINS(r.body, jy_pool_printf(fx.pool, "\"steps\":%s", inherited));
    r = req(EDITOR, "GET", path, NULL);
    expect_status(&r, 200);
    T_CONTAINS(r.body, jy_pool_printf(fx.pool, "\"steps\":%s", inherited));

    /* 三审 by three people: "distinct" round-trips; every problem names its step's field */
    r = req(ADMIN, "PUT", path,
            "{\"steps\": [{\"name\": \"初审\", \"role\": \"reviewer\"},"
            " {\"name\": \"复审\", \"role\": \"reviewer\"},"
            " {\"name\": \"终审\", \"role\": \"site_admin\"}], \"distinct\": true}");
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "distinct"), "true");
    T_EQ_STR(jstr(js(&r), "steps.2.name"), "终审");
    r = req(REVIEWER, "GET", path, NULL);
    T_EQ_STR(jstr(js(&r), "distinct"), "true");
    r = req(ADMIN, "PUT", path,
            "{\"steps\": [{\"name\": \"初审\", \"role\": \"reviewer\"},"
            " {\"name\": \"复审\", \"role\": \"editor\"}]}");
    expect_error(&r, 400, "invalid", "steps[1].role");
    T_CONTAINS(jstr(js(&r), "error.message"), "复审");
    r = req(ADMIN, "PUT", path,
            "{\"steps\": [{\"name\": \"会签\", \"users\": [\"chen.jing\", \"no.such\"]}]}");
    expect_error(&r, 400, "invalid", "steps[0].users");
    T_CONTAINS(jstr(js(&r), "error.message"), "no.such");
    r = req(ADMIN, "PUT", path,
            "{\"steps\": [{\"name\": \"初审\", \"role\": \"reviewer\"},"
            " {\"name\": \"复审\", \"role\": \"reviewer\", \"mode\": \"most\"}]}");
    expect_error(&r, 400, "invalid", "steps[1].mode");
    r = req(ADMIN, "PUT", path, "{\"steps\": [{\"name\": \"\", \"role\": \"reviewer\"}]}");
    expect_error(&r, 400, "invalid", "steps[0].name");
    r = req(ADMIN, "PUT", path, "{\"steps\": [{\"name\": \"审\"}]}");
    expect_error(&r, 400, "invalid", "steps[0].role");
    r = req(ADMIN, "PUT", path,
            "{\"steps\": [{\"name\": \"审\", \"role\": \"reviewer\", \"users\": [\"admin\"]}]}");
    expect_error(&r, 400, "invalid", "steps[0].role");
    r = req(ADMIN, "PUT", path, "{\"steps\": [{\"name\": \"审\", \"users\": []}]}");
    expect_error(&r, 400, "invalid", "steps[0].users");
    r = req(ADMIN, "PUT", path,
            "{\"steps\": [{\"name\": \"审\", \"role\": \"reviewer\"}], \"distinct\": true}");
    expect_error(&r, 400, "invalid", "distinct");
    r = req(ADMIN, "PUT", path, "{\"inherit\": true, \"distinct\": true}");
    expect_error(&r, 400, "invalid", "distinct");
    /* nothing of the refused ones was stored: still the three distinct steps */
    r = req(ADMIN, "GET", path, NULL);
    T_EQ_STR(jstr(js(&r), "steps.2.name"), "终审");
    T_EQ_STR(jstr(js(&r), "distinct"), "true");
    r = req(ADMIN, "PUT", path, "{\"inherit\": true}");
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "distinct"), "false");
}


static void
test_submissions(void)
{
    struct resp r;
    long long item, item2, sub, sub2;
    cJSON *j;

    setup();
    r = req(COUNTY_ADMIN, "POST", "/api/v1/items",
            "{\"site\": \"" COUNTY
            "\", \"kind\": \"article\", \"fields\": {\"title\": \"县里的好经验\"}}");
    expect_status(&r, 201);
    item = atoll(jstr(js(&r), "id"));
    r = req(COUNTY_ADMIN, "POST", "/api/v1/items",
            "{\"site\": \"" COUNTY
            "\", \"kind\": \"article\", \"fields\": {\"title\": \"县里的通知\"}}");
    expect_status(&r, 201);
    item2 = atoll(jstr(js(&r), "id"));

    /* bad input */
    r = req(COUNTY_ADMIN, "POST", "/api/v1/submissions",
            jy_pool_printf(fx.pool, "{\"item\": \"%lld\", \"column\": \"" PROV ":zwgk/zwdt/yw\"}",
                           item));
    expect_error(&r, 400, "invalid", "item");
    r = req(COUNTY_ADMIN, "POST", "/api/v1/submissions",
            jy_pool_printf(fx.pool,
                           "{\"item\": %lld, \"column\": \"" PROV ":zwgk/zwdt/yw\", \"to\": 1}",
                           item));
    expect_error(&r, 400, "invalid", "to");
    r = req(COUNTY_ADMIN, "POST", "/api/v1/submissions",
            jy_pool_printf(fx.pool, "{\"item\": %lld, \"column\": \"5601220001:zwgk/zwdt/xzdt\"}",
                           item));
    expect_error(&r, 400, "invalid", NULL);
    T_CONTAINS(r.body, "a site above");
    T_EQ_STR(own("SELECT count(*) FROM submission", 0, NULL), "0");

    r = req(COUNTY_ADMIN, "POST", "/api/v1/submissions",
            jy_pool_printf(fx.pool,
                           "{\"item\": %lld, \"column\": \"" PROV
                           ":zwgk/zwdt/yw\", \"comment\": \"供省网采用\"}",
                           item));
    expect_status(&r, 201);
    sub = atoll(jstr(js(&r), "id"));
    r = req(
        COUNTY_ADMIN, "POST", "/api/v1/submissions",
        jy_pool_printf(fx.pool, "{\"item\": %lld, \"column\": \"" PROV ":zwgk/zwdt/yw\"}", item));
    expect_error(&r, 409, "conflict", NULL);
    r = req(
        COUNTY_ADMIN, "POST", "/api/v1/submissions",
        jy_pool_printf(fx.pool, "{\"item\": %lld, \"column\": \"" PROV ":zwgk/zwdt/yw\"}", item2));
    expect_status(&r, 201);
    sub2 = atoll(jstr(js(&r), "id"));

    r = req(REVIEWER, "GET", "/api/v1/submissions?site=" PROV "&state=pending", NULL);
    expect_status(&r, 200);
    j = js(&r);
    T_EQ_STR(jstr(j, "total"), "2");
    T_CONTAINS(r.body, "县里的好经验");
    T_EQ_STR(jstr(j, "items.0.from_site"), COUNTY);
    r = req(REVIEWER, "GET", "/api/v1/submissions?state=lost", NULL);
    expect_error(&r, 400, "invalid", "state");
    r = req(REVIEWER, "GET", "/api/v1/submissions?direction=up", NULL);
    expect_error(&r, 400, "invalid", "direction");

    /* deciding: the sender may not; the receiving reviewer adopts once */
    r = req(COUNTY_ADMIN, "POST", jy_pool_printf(fx.pool, "/api/v1/submissions/%lld/adopt", sub),
            "{}");
    expect_error(&r, 403, "forbidden", NULL);
    r = req(REVIEWER, "POST", jy_pool_printf(fx.pool, "/api/v1/submissions/%lld/adopt", sub),
            "{\"note\": \"采用\"}");
    expect_status(&r, 200);
    T_ASSERT(atoll(jstr(js(&r), "placement_id")) > 0);
    T_EQ_STR(state_of(item, "zwgk/zwdt/yw", PROV), "submitted");
    r = req(REVIEWER, "POST", jy_pool_printf(fx.pool, "/api/v1/submissions/%lld/adopt", sub), "{}");
    expect_error(&r, 409, "conflict", NULL);
    r = req(REVIEWER, "POST", jy_pool_printf(fx.pool, "/api/v1/submissions/%lld/decline", sub2),
            "{}");
    expect_error(&r, 400, "invalid", "reason");
    r = req(REVIEWER, "POST", "/api/v1/submissions/0/decline", "{\"reason\": \"x\"}");
    expect_error(&r, 400, "invalid", "id");
    r = req(REVIEWER, "POST", jy_pool_printf(fx.pool, "/api/v1/submissions/%lld/decline", sub2),
            "{\"reason\": \"不适合省网\"}");
    expect_status(&r, 200);
    r = req(COUNTY_ADMIN, "GET", "/api/v1/submissions?site=" COUNTY "&direction=sent", NULL);
    expect_status(&r, 200);
    T_CONTAINS(r.body, "不适合省网");

    r = req(REVIEWER, "GET", "/api/v1/submissions/stats?site=" PROV, NULL);
    expect_status(&r, 200);
    j = js(&r);
    T_CONTAINS(r.body, "\"site\":\"" COUNTY "\"");
    T_CONTAINS(r.body, "\"period\":\"total\"");
    T_CONTAINS(r.body, "\"adopted\":1,\"declined\":1");
    T_CONTAINS(r.body, "\"adoption_rate\":0.5");
    r = req(REVIEWER, "GET", "/api/v1/submissions/stats", NULL);
    expect_error(&r, 400, "invalid", "site");
    r = req(REVIEWER, "GET", "/api/v1/submissions/stats?site=" PROV "&period=week", NULL);
    expect_error(&r, 400, "invalid", "period");
}


static void
test_render_status_and_request(void)
{
    struct resp r;
    cJSON *j;

    setup();
    render_pending(); /* what the cases before changed */
    r = req(AUDITOR, "GET", "/api/v1/render/status", NULL);
    expect_status(&r, 200);
    j = js(&r);
    T_ASSERT(atoll(jstr(j, "total")) >= 19);
    T_ASSERT(strcmp(jstr(j, "items.0.generation"), "null") != 0);
    r = req(AUDITOR, "GET", "/api/v1/render/status?site=9999999999", NULL);
    expect_error(&r, 404, "not_found", "site");
    r = req(AUDITOR, "GET", "/api/v1/render/status?sites=" PROV, NULL);
    expect_error(&r, 400, "invalid", "sites");

    r = req(EDITOR, "POST", "/api/v1/render/" COUNTY, NULL);
    expect_error(&r, 403, "forbidden", NULL);
    r = req(COUNTY_ADMIN, "POST", "/api/v1/render/" COUNTY, NULL);
    expect_error(&r, 403, "forbidden", NULL);
    T_EQ_STR(own("SELECT count(*) FROM render_change", 0, NULL), "0");
    r = req(ADMIN, "POST", "/api/v1/render/9999999999", NULL);
    expect_error(&r, 404, "not_found", "site");
    {
        const char *unit = own("SELECT id FROM site WHERE kind = 'unit' LIMIT 1", 0, NULL);
        T_ASSERT(unit != NULL);
        r = req(ADMIN, "POST", jy_pool_printf(fx.pool, "/api/v1/render/%s", unit), NULL);
        expect_error(&r, 400, "invalid", "site");
    }
    r = req(ADMIN, "POST", "/api/v1/render/" COUNTY, NULL);
    expect_status(&r, 202);
    T_EQ_STR(jstr(js(&r), "queued"), "true");
    r = req(AUDITOR, "GET", "/api/v1/render/status?site=" COUNTY, NULL);
    T_EQ_STR(jstr(js(&r), "items.0.pending"), "1");
    {
        const char *before = own("SELECT max(id) FROM render_generation", 0, NULL);
        const char *p[2] = {before, COUNTY};
        render_pending();
        /* the renderer did the county, every file of it (nothing changed: nothing written) */
        T_EQ_STR(own("SELECT count(*) FROM render_generation g JOIN site s ON s.id = g.site_id"
                     " WHERE g.id > $1 AND s.code = $2 AND g.finished_at IS NOT NULL",
                     2, p),
                 "1");
    }
    r = req(AUDITOR, "GET", "/api/v1/render/status?site=" COUNTY, NULL);
    T_EQ_STR(jstr(js(&r), "items.0.pending"), "0");
}


/* Runs after the end-to-end case: its item is published and rendered. */
static void
test_mirrors_and_where(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_mirror_spec sp;
    struct jy_push_conf pc;
    struct jy_pusher *pusher;
    const char *dir = jy_pool_printf(fx.pool, "%s/mirror-prov", jy_test_tmpdir());
    long long id = 0, county = 0;
    struct resp r;
    cJSON *j;

    setup();
    T_ASSERT(fx.published > 0);
    memset(&sp, 0, sizeof(sp));
    sp.site = PROV;
    sp.name = "intranet";
    sp.kind = "folder";
    sp.url = dir;
    sp.verify_sample = 0;
    if (jy_mirror_add(fx.owner, fx.pool, &sp, &id, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "mirror: %s", err.msg);
    memset(&pc, 0, sizeof(pc));
    pc.output_dir = fx.out;
    pc.total_parallel = 4;
    pc.max_mirrors = 2;
    pc.retry_base_ms = 60000;
    pc.retry_max_ms = 120000;
    pc.degrade_after = 3;
    pc.poll_ms = 1000;
    pusher = jy_pusher_create(fx.conninfo, &pc, &err);
    T_ASSERT(pusher != NULL);
    T_EQ_INT(jy_pusher_drain(pusher, NULL, &err), JY_OK);
    jy_pusher_destroy(pusher);

    r = req(ADMIN, "GET", "/api/v1/mirrors?site=" PROV, NULL);
    expect_status(&r, 200);
    j = js(&r);
    T_EQ_STR(jstr(j, "total"), "1");
    T_EQ_STR(jstr(j, "items.0.name"), "intranet");
    T_EQ_STR(jstr(j, "items.0.kind"), "folder");
    T_EQ_STR(jstr(j, "items.0.status.state"), "ok");
    T_EQ_STR(jstr(j, "items.0.lag.files"), "0");
    T_EQ_STR(jstr(j, "items.0.last_error"), "null");
    T_ASSERT(atoll(jstr(j, "items.0.status.confirmed_files")) > 100);
    r = req(ADMIN, "GET", jy_pool_printf(fx.pool, "/api/v1/mirrors/%lld", id), NULL);
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "site"), PROV);
    r = req(ADMIN, "GET", "/api/v1/mirrors/" PROV "%2Fintranet", NULL);
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "id"), num(id));
    /* an editor does not see the platform's mirrors; another site's admin neither */
    r = req(EDITOR, "GET", "/api/v1/mirrors", NULL);
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "total"), "0");
    r = req(COUNTY_ADMIN, "GET", jy_pool_printf(fx.pool, "/api/v1/mirrors/%lld", id), NULL);
    expect_error(&r, 404, "not_found", NULL);
    r = req(ADMIN, "GET", "/api/v1/mirrors/999999", NULL);
    expect_error(&r, 404, "not_found", NULL);
    r = req(ADMIN, "GET", "/api/v1/mirrors?site=" PROV "&state=ok", NULL);
    expect_error(&r, 400, "invalid", "state");
    /* a site admin sees their site's mirrors but may not verify (it logs in to the mirror) */
    memset(&sp, 0, sizeof(sp));
    sp.site = COUNTY;
    sp.name = "county";
    sp.kind = "folder";
    sp.url = jy_pool_printf(fx.pool, "%s/mirror-county", jy_test_tmpdir());
    if (jy_mirror_add(fx.owner, fx.pool, &sp, &county, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "mirror: %s", err.msg);
    r = req(COUNTY_ADMIN, "GET", "/api/v1/mirrors", NULL);
    expect_status(&r, 200);
    T_EQ_STR(jstr(js(&r), "total"), "1");
    T_EQ_STR(jstr(js(&r), "items.0.name"), "county");
    T_EQ_STR(jstr(js(&r), "items.0.status.state"), "new");
    T_EQ_STR(jstr(js(&r), "items.0.status.queued"), "true");
    T_ASSERT(atoll(jstr(js(&r), "items.0.lag.files")) > 100);
    r = req(COUNTY_ADMIN, "POST", jy_pool_printf(fx.pool, "/api/v1/mirrors/%lld/verify", county),
            "{}");
    expect_error(&r, 403, "forbidden", NULL);

    /* where: the province page is on the mirror, since the push */
    r = req(EDITOR, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld/where", fx.published), NULL);
    expect_status(&r, 200);
    j = js(&r);
    T_EQ_STR(jstr(j, "places.0.site"), PROV);
    T_EQ_STR(jstr(j, "places.0.pages.0.mirrors.0.name"), "intranet");
    T_EQ_STR(jstr(j, "places.0.pages.0.mirrors.0.confirmed"), "true");
    T_ASSERT(strcmp(jstr(j, "places.0.pages.0.mirrors.0.since"), "null") != 0);
    T_ASSERT(jstr(j, "places.1.pages.0.mirrors.0.name") == NULL); /* a county: no mirror */

    /* verify: platform admins only; a file changed behind our back is found and re-queued */
    r = req(COUNTY_ADMIN, "POST", jy_pool_printf(fx.pool, "/api/v1/mirrors/%lld/verify", id), "{}");
    expect_error(&r, 404, "not_found", NULL);
    r = req(EDITOR, "POST", "/api/v1/mirrors/" PROV "%2Fintranet/verify", "{}");
    expect_error(&r, 404, "not_found", NULL);
    r = req(ADMIN, "POST", jy_pool_printf(fx.pool, "/api/v1/mirrors/%lld/verify", id),
            "{\"sample\": 0}");
    expect_error(&r, 400, "invalid", "sample");
    r = req(ADMIN, "POST", jy_pool_printf(fx.pool, "/api/v1/mirrors/%lld/verify", id), "{}");
    expect_status(&r, 200);
    j = js(&r);
    T_ASSERT(atoll(jstr(j, "checked")) > 100);
    T_EQ_STR(jstr(j, "wrong"), "0");
    T_EQ_STR(jstr(j, "checked"), jstr(j, "ok"));
    {
        FILE *f = fopen(jy_pool_printf(fx.pool, "%s/index.html", dir), "w");
        T_ASSERT(f != NULL);
        fputs("tampered", f);
        fclose(f);
    }
    r = req(ADMIN, "POST", jy_pool_printf(fx.pool, "/api/v1/mirrors/%lld/verify", id), "{}");
    expect_status(&r, 200);
    j = js(&r);
    T_EQ_STR(jstr(j, "wrong"), "1");
    T_EQ_STR(jstr(j, "problems.0.path"), "index.html");
    T_EQ_STR(jstr(j, "repair_queued"), "true");
    r = req(ADMIN, "GET", jy_pool_printf(fx.pool, "/api/v1/mirrors/%lld", id), NULL);
    T_EQ_STR(jstr(js(&r), "lag.files"), "1");
    T_EQ_STR(jstr(js(&r), "status.queued"), "true");
}


static void
test_checks(void)
{
    struct resp r;
    long long item;
    cJSON *j;

    setup();
    r = req(EDITOR, "POST", "/api/v1/checks/text",
            "{\"site\": \"" PROV "\", \"title\": \"通知\","
            " \"body\": \"<p>咨询电话：13800138000。</p>\"}");
    expect_status(&r, 200);
    j = js(&r);
    T_EQ_STR(jstr(j, "stage"), "save");
    T_CONTAINS(r.body, "\"check\":\"privacy\"");
    T_CONTAINS(r.body, "13800138000");
    T_EQ_STR(jstr(j, "blocking"), "0");
    r = req(EDITOR, "POST", "/api/v1/checks/text", "{\"site\": \"" PROV "\", \"text\": \"x\"}");
    expect_error(&r, 400, "invalid", "text");
    r = req(EDITOR, "POST", "/api/v1/checks/text", "{\"body\": \"x\"}");
    expect_error(&r, 400, "invalid", "site");
    r = req(EDITOR, "POST", "/api/v1/checks/text", "{\"site\": \"" PROV "\", \"body\": 5}");
    expect_error(&r, 400, "invalid", "body");
    r = req(EDITOR, "POST", "/api/v1/checks/text", "{\"site\": \"9999999999\", \"body\": \"x\"}");
    expect_error(&r, 404, "not_found", "site");

    r = req(EDITOR, "POST", "/api/v1/items",
            "{\"site\": \"" PROV "\", \"kind\": \"article\", \"fields\": {\"title\": \"联系方式\","
            " \"body\": \"<p>第一段。</p><p>请致电13800138000咨询。</p>\"},"
            " \"places\": [{\"column\": \"" PROV ":zwgk/zwdt/yw\"}]}");
    expect_status(&r, 201);
    item = atoll(jstr(js(&r), "id"));
    r = req(EDITOR, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld/checks", item), NULL);
    expect_status(&r, 200);
    j = js(&r);
    T_EQ_STR(jstr(j, "item"), num(item));
    T_CONTAINS(r.body, "\"check\":\"privacy\"");
    T_CONTAINS(r.body, "\"paragraph\":2");
    r = req(EDITOR, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld/checks?stage=publish", item),
            NULL);
    expect_error(&r, 400, "invalid", "stage");
    /* the county's admin cannot read the province's draft */
    r = req(COUNTY_ADMIN, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld/checks", item), NULL);
    expect_error(&r, 404, "not_found", NULL);
}


static void
teardown(void)
{
    int rc;

    if (server.pid <= 0)
        return;
    rc = srv_stop(&server, SIGTERM);
    if (rc != 0)
        jy_test_system("grep -v 'module=access\\|module=render' %s | tail -60", server.log);
    T_EQ_INT(rc, 0);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_end_to_end_publish_everywhere),
        T_CASE(test_where_follows_reuse),
        T_CASE(test_workflow_bad_input),
        T_CASE(test_schedule),
        T_CASE(test_review_chain),
        T_CASE(test_submissions),
        T_CASE(test_render_status_and_request),
        T_CASE(test_mirrors_and_where),
        T_CASE(test_checks),
        T_CASE(teardown),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_ALL);
    rc = jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
    if (server.pid > 0)
        srv_stop(&server, SIGKILL);
    return rc;
}
