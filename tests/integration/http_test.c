/*
 * http_test.c - the JSON API end to end: the real `jiyue serve` started on
 * a database of its own (the platform of library_fixture.h), driven over
 * loopback with libcurl. Every route's happy path, bad input (malformed
 * JSON, wrong types, unknown fields, oversize bodies, path traversal in
 * upload names, missing CSRF, expired sessions, injection strings stored
 * literally), tenant isolation between two counties, ETag/304,
 * Idempotency-Key, slow clients, and the OpenAPI description against the
 * routes the server registers.
 */
#include "tests/integration/library_fixture.h"
#include "tests/integration/http_client.h"
#include "tests/imagegen.h"
#include "core/api.h"
#include "core/auth.h"

#include <netinet/in.h>
#include <sys/socket.h>

#define PW "Bamboo-River-7"

static struct srv server;
static const char *tokens[NUSERS]; /* API tokens, one per fixture user */
static bool ready;


static void
setup(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_auth_policy *policy;
    const char *db, *host;
    char buf[512];
    FILE *f;
    int i;

    if (ready)
        return;
    jy_auth_set_cost(JY_AUTH_COST_TEST);
    fx_open();
    policy = jy_auth_policy_load(fx.pool, jy_test_path("sites/common-passwords.txt"), &err);
    T_ASSERT(policy != NULL);
    for (i = 0; i < NUSERS; i++) {
        char tok[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];
        if (jy_auth_user_set_password(fx.owner, policy, fx_logins[i], PW, &err) != JY_OK)
            jy_test_fail(__FILE__, __LINE__, "password: %s", err.msg);
        if (jy_auth_token_create(fx.owner, fx_logins[i], "http test", 0, tok, prefix, &err) !=
            JY_OK)
            jy_test_fail(__FILE__, __LINE__, "token: %s", err.msg);
        tokens[i] = jy_pool_printf(fx.pool, "Authorization: Bearer %s", tok);
    }
    /* the server's connection string: the fixture's database on the test cluster */
    f = fopen(getenv("JY_TEST_PGINFO"), "r");
    T_ASSERT(f && fgets(buf, sizeof(buf), f));
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    host = jy_pool_strdup(fx.pool, buf);
    db = jy_pool_printf(fx.pool, "host=%s dbname=%s user=jiyue", host,
                        fx_own("SELECT current_database()", 0, NULL));
    {
        static const char *const sets[] = {"workers=2",
                                           "http_auth_cache=0",
                                           "http_read_timeout=2",
                                           "http_body_max_kb=64",
                                           "http_upload_max_mb=1",
                                           "http_trusted_proxies=127.0.0.1",
                                           NULL};
        srv_start(&server, fx.pool, db, sets);
    }
    ready = true;
}


static struct resp
req_as(int u, const char *method, const char *path, const char *body)
{
    const char *h[2] = {u >= 0 ? tokens[u] : NULL, NULL};
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


static const char *
jstr(const cJSON *j, const char *path)
{
    const cJSON *v = j;
    char key[64];

    while (*path && v) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof(key), "%.*s", (int) n, path);
        v = cJSON_GetObjectItemCaseSensitive(v, key);
        path += n + (path[n] == '.');
    }
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v))
        return jy_pool_printf(fx.pool, "%.0f", v->valuedouble);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? "true" : "false";
    return NULL;
}


/* The status of an answer; the body is printed when it is another. */
static void
expect_status(const struct resp *r, long status, int line)
{
    if (r->status != status)
        jy_test_fail(__FILE__, line, "status %ld, expected %ld: %s", r->status, status, r->body);
}


/* An error answer: status, code and (when given) field. */
static void
expect_error(const struct resp *r, long status, const char *code, const char *field)
{
    cJSON *j;

    if (r->status != status)
        jy_test_fail(__FILE__, __LINE__, "status %ld, expected %ld: %s", r->status, status,
                     r->body);
    j = js(r);
    T_EQ_STR(jstr(j, "error.code"), code);
    T_ASSERT(jstr(j, "error.message") && jstr(j, "error.message")[0]);
    if (field)
        T_EQ_STR(jstr(j, "error.field"), field);
}


static long long
create_item(int u, int site, const char *title)
{
    struct resp r =
        req_as(u, "POST", "/api/v1/items",
               jy_pool_printf(fx.pool,
                              "{\"site\": \"%s\", \"kind\": \"article\","
                              " \"fields\": {\"title\": \"%s\", \"body\": \"<p>正文</p>\"}}",
                              fx_codes[site], title));
    if (r.status != 201)
        jy_test_fail(__FILE__, __LINE__, "create: %ld %s", r.status, r.body);
    return atoll(jstr(js(&r), "id"));
}


static void
test_health_and_request_id(void)
{
    const char *h[2] = {"X-Request-Id: test-rid-42", NULL};
    struct resp r;

    setup();
    r = http_req(fx.pool, &server, "GET", "/api/v1/health", NULL, 0, NULL, h);
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(jstr(js(&r), "database"), "ok");
    T_EQ_STR(resp_header(fx.pool, &r, "X-Request-Id"), "test-rid-42");
    T_CONTAINS(resp_header(fx.pool, &r, "Content-Type"), "application/json");
    /* a header that is not a plain token is replaced by an id of ours */
    h[0] = "X-Request-Id: bad id with spaces";
    r = http_req(fx.pool, &server, "GET", "/api/v1/health", NULL, 0, NULL, h);
    T_EQ_INT(strlen(resp_header(fx.pool, &r, "X-Request-Id")), 16);
    /* and the access log has a line for it, with its id */
    T_EQ_INT(
        jy_test_system(
            "grep -q 'req=test-rid-42 .*module=access\\|module=access req=test-rid-42.*status=200' %s",
            server.log),
        0);
}


static void
test_routes_not_found_and_method(void)
{
    struct resp r;

    setup();
    r = req_as(U_ADMIN, "GET", "/api/v1/nothing", NULL);
    expect_error(&r, 404, "not_found", NULL);
    r = req_as(U_ADMIN, "DELETE", "/api/v1/items", NULL);
    expect_error(&r, 405, "method_not_allowed", NULL);
    T_CONTAINS(resp_header(fx.pool, &r, "Allow"), "POST");
    r = req_as(U_ADMIN, "GET", "/api/v1/items/abc", NULL);
    expect_error(&r, 400, "invalid", "id");
    r = req_as(U_ADMIN, "GET", "/api/v1/items/%ZZ", NULL);
    expect_error(&r, 400, "invalid", NULL);
}


static void
test_unauthenticated(void)
{
    const char *bad[2] = {"Authorization: Bearer jy_notavalidtoken", NULL};
    struct resp r;

    setup();
    r = req_as(-1, "GET", "/api/v1/items", NULL);
    expect_error(&r, 401, "unauthenticated", NULL);
    r = http_req(fx.pool, &server, "GET", "/api/v1/items", NULL, 0, NULL, bad);
    expect_error(&r, 401, "unauthenticated", NULL);
}


/* Log in; returns the Cookie header line and the CSRF token. */
static void
login(const char *user, const char *const *extra, const char **cookie, const char **csrf,
      struct resp *out)
{
    const char *body =
        jy_pool_printf(fx.pool, "{\"login\": \"%s\", \"password\": \"%s\"}", user, PW);
    struct resp r =
        http_req(fx.pool, &server, "POST", "/api/v1/session", body, strlen(body), NULL, extra);
    const char *sc;

    if (r.status != 201)
        jy_test_fail(__FILE__, __LINE__, "login: %ld %s", r.status, r.body);
    sc = resp_header(fx.pool, &r, "Set-Cookie");
    T_ASSERT(sc != NULL);
    *cookie = jy_pool_printf(fx.pool, "Cookie: %.*s", (int) strcspn(sc, ";"), sc);
    *csrf = jy_pool_printf(fx.pool, "X-CSRF-Token: %s", jstr(js(&r), "csrf_token"));
    if (out)
        *out = r;
}


static void
test_login_cookie_and_csrf(void)
{
    const char *cookie, *csrf, *sc;
    const char *h[3] = {NULL, NULL, NULL};
    const char *https[2] = {"X-Forwarded-Proto: https", NULL};
    struct resp r;
    char *body;

    setup();
    /* wrong password: 401, the same words as an unknown login */
    body = jy_pool_printf(fx.pool, "{\"login\": \"k1_editor\", \"password\": \"wrong-Pass-1\"}");
    r = http_req(fx.pool, &server, "POST", "/api/v1/session", body, strlen(body), NULL, NULL);
    expect_error(&r, 401, "unauthenticated", NULL);
    T_CONTAINS(r.body, "invalid login name or password");
    body = jy_pool_printf(fx.pool, "{\"login\": \"nobody\", \"password\": \"wrong-Pass-1\"}");
    r = http_req(fx.pool, &server, "POST", "/api/v1/session", body, strlen(body), NULL, NULL);
    T_CONTAINS(r.body, "invalid login name or password");

    login("k1_editor", NULL, &cookie, &csrf, &r);
    sc = resp_header(fx.pool, &r, "Set-Cookie");
    T_CONTAINS(sc, "HttpOnly");
    T_CONTAINS(sc, "SameSite=Lax");
    T_ASSERT(strstr(sc, "Secure") == NULL);
    /* behind a trusted proxy that saw TLS the cookie is Secure */
    login("k1_editor", https, &cookie, &csrf, &r);
    T_CONTAINS(resp_header(fx.pool, &r, "Set-Cookie"), "; Secure");

    h[0] = cookie;
    r = http_req(fx.pool, &server, "GET", "/api/v1/session", NULL, 0, NULL, h);
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(jstr(js(&r), "login"), "k1_editor");
    T_EQ_STR(jstr(js(&r), "csrf_token"), csrf + strlen("X-CSRF-Token: "));

    /* a state-changing request with the cookie and no CSRF token: 403, nothing made */
    body = jy_pool_printf(fx.pool,
                          "{\"site\": \"%s\", \"kind\": \"article\", \"fields\":"
                          " {\"title\": \"无令牌\"}}",
                          fx_codes[K1]);
    r = http_req(fx.pool, &server, "POST", "/api/v1/items", body, strlen(body), NULL, h);
    expect_error(&r, 403, "csrf", NULL);
    T_EQ_INT(fx_count("SELECT count(*) FROM item WHERE title = '无令牌'", 0, NULL), 0);
    h[1] = "X-CSRF-Token: 0000000000000000000000000000000000000000000000000000000000000000";
    r = http_req(fx.pool, &server, "POST", "/api/v1/items", body, strlen(body), NULL, h);
    expect_error(&r, 403, "csrf", NULL);
    h[1] = csrf;
    r = http_req(fx.pool, &server, "POST", "/api/v1/items", body, strlen(body), NULL, h);
    expect_status(&r, 201, __LINE__);

    /* logout ends the session */
    r = http_req(fx.pool, &server, "DELETE", "/api/v1/session", NULL, 0, NULL, h);
    expect_status(&r, 204, __LINE__);
    r = http_req(fx.pool, &server, "GET", "/api/v1/session", NULL, 0, NULL, h);
    expect_error(&r, 401, "unauthenticated", NULL);
}


static void
test_expired_session(void)
{
    const char *cookie, *csrf;
    const char *h[2] = {NULL, NULL};
    struct resp r;

    setup();
    login("k2_admin", NULL, &cookie, &csrf, NULL);
    h[0] = cookie;
    r = http_req(fx.pool, &server, "GET", "/api/v1/session", NULL, 0, NULL, h);
    expect_status(&r, 200, __LINE__);
    /* idle for longer than the idle timeout */
    fx_own("UPDATE user_session SET last_seen_at = now() - interval '2 hours'"
           " WHERE user_id = (SELECT id FROM app_user WHERE login = 'k2_admin')",
           0, NULL);
    r = http_req(fx.pool, &server, "GET", "/api/v1/session", NULL, 0, NULL, h);
    expect_error(&r, 401, "unauthenticated", NULL);
    T_CONTAINS(r.body, "session is not valid");
}


static void
test_item_lifecycle(void)
{
    struct resp r;
    long long id;
    const char *path, *etag;
    const char *h[3] = {NULL, NULL, NULL};
    cJSON *j;

    setup();
    id = create_item(U_K1_EDITOR, K1, "栖云县通知");
    path = jy_pool_printf(fx.pool, "/api/v1/items/%lld", id);
    r = req_as(U_K1_EDITOR, "GET", path, NULL);
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(jstr(js(&r), "title"), "栖云县通知");
    etag = resp_header(fx.pool, &r, "ETag");
    T_ASSERT(etag && etag[0] == '"');
    /* If-None-Match: 304 without a body */
    h[0] = tokens[U_K1_EDITOR];
    h[1] = jy_pool_printf(fx.pool, "If-None-Match: %s", etag);
    r = http_req(fx.pool, &server, "GET", path, NULL, 0, NULL, h);
    expect_status(&r, 304, __LINE__);
    T_EQ_STR(r.body, "");

    r = req_as(U_K1_EDITOR, "PATCH", path,
               "{\"fields\": {\"title\": \"栖云县通知（修订）\"}, \"note\": \"改标题\"}");
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(jstr(js(&r), "revision"), "2");
    /* the item changed, so the old ETag no longer matches */
    r = http_req(fx.pool, &server, "GET", path, NULL, 0, NULL, h);
    expect_status(&r, 200, __LINE__);

    r = req_as(U_K1_EDITOR, "GET", jy_pool_printf(fx.pool, "%s/revisions", path), NULL);
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(jstr(js(&r), "total"), "2");
    r = req_as(U_K1_EDITOR, "GET", jy_pool_printf(fx.pool, "%s/diff?from=1&to=2", path), NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "\"field\":\"title\"");
    T_CONTAINS(r.body, "修订");
    r = req_as(U_K1_EDITOR, "GET", jy_pool_printf(fx.pool, "%s/diff?from=1", path), NULL);
    expect_error(&r, 400, "invalid", "to");
    r = req_as(U_K1_EDITOR, "POST", jy_pool_printf(fx.pool, "%s/restore", path),
               "{\"revision\": 1}");
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(jstr(js(&r), "revision"), "3");
    r = req_as(U_K1_EDITOR, "GET", path, NULL);
    T_EQ_STR(jstr(js(&r), "title"), "栖云县通知");

    /* placed into a column; listed there */
    r = req_as(U_K1_EDITOR, "POST", jy_pool_printf(fx.pool, "%s/placements", path),
               jy_pool_printf(fx.pool, "{\"places\": [{\"column\": \"%s:news\"}]}", fx_codes[K1]));
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "\"created\":true");
    r = req_as(U_K1_EDITOR, "GET",
               jy_pool_printf(fx.pool, "/api/v1/columns/%s:news/items", fx_codes[K1]), NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "栖云县通知");

    /* the list, filtered and paged, with a total */
    r = req_as(U_K1_EDITOR, "GET",
               jy_pool_printf(fx.pool, "/api/v1/items?site=%s&sort=-id&page_size=1", fx_codes[K1]),
               NULL);
    expect_status(&r, 200, __LINE__);
    j = js(&r);
    T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 1);
    T_ASSERT(atoi(jstr(j, "total")) >= 1);
    T_EQ_STR(jstr(j, "page_size"), "1");
    r = req_as(U_K1_EDITOR, "GET", "/api/v1/items?sort=nonsense", NULL);
    expect_error(&r, 400, "invalid", "sort");
    r = req_as(U_K1_EDITOR, "GET", "/api/v1/items?colour=red", NULL);
    expect_error(&r, 400, "invalid", "colour");
    r = req_as(U_K1_EDITOR, "GET", "/api/v1/items?page_size=1000", NULL);
    expect_error(&r, 400, "invalid", "page_size");
}


static void
test_bad_bodies(void)
{
    struct resp r;
    struct jy_buf big = JY_BUF_INIT(fx.pool);
    const char *h[2];
    long long before;
    int i;

    setup();
    before = fx_count("SELECT count(*) FROM item", 0, NULL);
    r = req_as(U_K1_EDITOR, "POST", "/api/v1/items", "{\"site\": \"x\",");
    expect_error(&r, 400, "invalid", "body");
    T_CONTAINS(r.body, "line 1");
    r = req_as(U_K1_EDITOR, "POST", "/api/v1/items", "[1, 2]");
    expect_error(&r, 400, "invalid", "body");
    r = req_as(
        U_K1_EDITOR, "POST", "/api/v1/items",
        jy_pool_printf(fx.pool, "{\"site\": \"%s\", \"kind\": 7, \"fields\": {}}", fx_codes[K1]));
    expect_error(&r, 400, "invalid", "kind");
    r = req_as(U_K1_EDITOR, "POST", "/api/v1/items",
               jy_pool_printf(fx.pool,
                              "{\"site\": \"%s\", \"kind\": \"article\", \"fields\":"
                              " {\"title\": \"x\"}, \"colour\": \"red\"}",
                              fx_codes[K1]));
    expect_error(&r, 400, "invalid", "colour");
    /* a field the kind does not have: every problem listed */
    r = req_as(U_K1_EDITOR, "POST", "/api/v1/items",
               jy_pool_printf(fx.pool,
                              "{\"site\": \"%s\", \"kind\": \"article\", \"fields\":"
                              " {\"title\": 5, \"no_such\": 1}}",
                              fx_codes[K1]));
    expect_status(&r, 400, __LINE__);
    T_CONTAINS(r.body, "\"problems\"");
    /* not JSON at all */
    h[0] = tokens[U_K1_EDITOR];
    h[1] = NULL;
    r = http_req(fx.pool, &server, "POST", "/api/v1/items", "a=b", 3,
                 "application/x-www-form-urlencoded", h);
    expect_error(&r, 415, "unsupported_media_type", "body");
    /* over the JSON limit (64 KiB here): 413 as JSON */
    jy_buf_add_str(&big, "{\"site\": \"");
    for (i = 0; i < 70 * 1024; i++)
        jy_buf_add_char(&big, 'x');
    jy_buf_add_str(&big, "\"}");
    r = req_as(U_K1_EDITOR, "POST", "/api/v1/items", big.buf);
    expect_error(&r, 413, "too_large", "body");
    T_EQ_INT(fx_count("SELECT count(*) FROM item", 0, NULL), before);
    /* past the largest body of all (the 1 MiB upload limit) libevent refuses it while reading */
    for (i = 0; i < 1100 * 1024; i++)
        jy_buf_add_char(&big, 'x');
    r = req_as(U_K1_EDITOR, "POST", "/api/v1/items", big.buf);
    expect_status(&r, 413, __LINE__);
    /* and the server is still there */
    r = req_as(U_K1_EDITOR, "GET", "/api/v1/health", NULL);
    expect_status(&r, 200, __LINE__);
}


static void
test_injection_stored_literally(void)
{
    static const char evil[] = "'; DROP TABLE item; -- <script>alert(1)</script> \\\" %s";
    struct resp r;
    long long id;
    const char *body;

    setup();
    body = jy_pool_printf(fx.pool,
                          "{\"site\": \"%s\", \"kind\": \"article\", \"fields\":"
                          " {\"title\": \"%s\"}}",
                          fx_codes[K1], evil);
    r = req_as(U_K1_EDITOR, "POST", "/api/v1/items", body);
    expect_status(&r, 201, __LINE__);
    id = atoll(jstr(js(&r), "id"));
    r = req_as(U_K1_EDITOR, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld", id), NULL);
    T_EQ_STR(jstr(js(&r), "title"), "'; DROP TABLE item; -- <script>alert(1)</script> \" %s");
    T_ASSERT(fx_count("SELECT count(*) FROM item", 0, NULL) > 0);
    /* a search for it is a parameter, not SQL */
    r = req_as(U_K1_EDITOR, "GET", "/api/v1/items?q=%27%3B%20DROP", NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "DROP TABLE item");
}


static void
test_tenant_isolation(void)
{
    struct resp r;
    long long id;
    const char *path;

    setup();
    id = create_item(U_K1_EDITOR, K1, "栖云县草稿");
    path = jy_pool_printf(fx.pool, "/api/v1/items/%lld", id);
    /* the other county's administrator sees nothing of it, by any route */
    r = req_as(U_K2_ADMIN, "GET", path, NULL);
    T_ASSERT(r.status == 404 || r.status == 403);
    r = req_as(U_K2_ADMIN, "PATCH", path, "{\"fields\": {\"title\": \"改掉\"}}");
    T_ASSERT(r.status == 404 || r.status == 403);
    r = req_as(U_K2_ADMIN, "GET", jy_pool_printf(fx.pool, "%s/revisions", path), NULL);
    T_ASSERT(r.status == 404 || r.status == 403);
    r = req_as(U_K2_ADMIN, "GET", jy_pool_printf(fx.pool, "%s/diff?from=1&to=1", path), NULL);
    T_ASSERT(r.status == 404 || r.status == 403);
    r = req_as(U_K2_ADMIN, "POST", jy_pool_printf(fx.pool, "%s/restore", path),
               "{\"revision\": 1}");
    T_ASSERT(r.status == 404 || r.status == 403);
    r = req_as(U_K2_ADMIN, "POST", jy_pool_printf(fx.pool, "%s/placements", path),
               jy_pool_printf(fx.pool, "{\"places\": [{\"column\": \"%s:news\"}]}", fx_codes[K2]));
    T_ASSERT(r.status == 404 || r.status == 403);
    r = req_as(U_K2_ADMIN, "GET", "/api/v1/items?q=%E6%A0%96%E4%BA%91%E5%8E%BF%E8%8D%89%E7%A8%BF",
               NULL);
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(jstr(js(&r), "total"), "0");
    r = req_as(U_K2_ADMIN, "GET",
               jy_pool_printf(fx.pool, "/api/v1/audit?object_type=item&object_id=%lld", id), NULL);
    expect_status(&r, 200, __LINE__);
    T_ASSERT(strstr(r.body, "栖云县草稿") == NULL);
    /* nor can it write into the other county */
    r = req_as(U_K2_ADMIN, "POST", "/api/v1/items",
               jy_pool_printf(fx.pool,
                              "{\"site\": \"%s\", \"kind\": \"article\", \"fields\":"
                              " {\"title\": \"越权\"}}",
                              fx_codes[K1]));
    T_ASSERT(r.status == 403 || r.status == 404);
    T_EQ_INT(fx_count("SELECT count(*) FROM item WHERE title IN ('越权', '改掉')", 0, NULL), 0);
    /* its own editor still sees it unchanged */
    r = req_as(U_K1_EDITOR, "GET", path, NULL);
    T_EQ_STR(jstr(js(&r), "title"), "栖云县草稿");
}


static void
test_idempotency_key(void)
{
    const char *h[3] = {NULL, "Idempotency-Key: create-abc-1", NULL};
    const char *body, *body2;
    struct resp a, b, c;

    setup();
    h[0] = tokens[U_K1_EDITOR];
    body = jy_pool_printf(fx.pool,
                          "{\"site\": \"%s\", \"kind\": \"article\", \"fields\":"
                          " {\"title\": \"只建一次\"}}",
                          fx_codes[K1]);
    body2 = jy_pool_printf(fx.pool,
                           "{\"site\": \"%s\", \"kind\": \"article\", \"fields\":"
                           " {\"title\": \"另一个\"}}",
                           fx_codes[K1]);
    a = http_req(fx.pool, &server, "POST", "/api/v1/items", body, strlen(body), NULL, h);
    expect_status(&a, 201, __LINE__);
    b = http_req(fx.pool, &server, "POST", "/api/v1/items", body, strlen(body), NULL, h);
    expect_status(&b, 201, __LINE__);
    T_EQ_STR(jstr(js(&b), "id"), jstr(js(&a), "id"));
    T_EQ_STR(resp_header(fx.pool, &b, "Idempotent-Replayed"), "true");
    T_EQ_INT(fx_count("SELECT count(*) FROM item WHERE title = '只建一次'", 0, NULL), 1);
    c = http_req(fx.pool, &server, "POST", "/api/v1/items", body2, strlen(body2), NULL, h);
    expect_error(&c, 422, "idempotency_mismatch", "Idempotency-Key");
    T_EQ_INT(fx_count("SELECT count(*) FROM item WHERE title = '另一个'", 0, NULL), 0);
}


static const char *
multipart(const char *boundary, const char *site, const char *filename, const char *data,
          size_t len, size_t *out_len)
{
    struct jy_buf b = JY_BUF_INIT(fx.pool);

    jy_buf_addf(&b, "--%s\r\nContent-Disposition: form-data; name=\"site\"\r\n\r\n%s\r\n", boundary,
                site);
    jy_buf_addf(&b,
                "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n",
                boundary, filename);
    jy_buf_add(&b, data, len);
    jy_buf_addf(&b, "\r\n--%s--\r\n", boundary);
    *out_len = b.len;
    return b.buf;
}


static void
test_upload(void)
{
    struct jy_buf png = JY_BUF_INIT(fx.pool);
    const char *h[2] = {NULL, NULL};
    const char *body, *ct = "multipart/form-data; boundary=XyZ123";
    size_t len;
    struct resp r;
    long long before;

    setup();
    h[0] = tokens[U_K1_EDITOR];
    gen_png(&png, 16, 9, 128);
    before = fx_count("SELECT count(*) FROM file", 0, NULL);
    body = multipart("XyZ123", fx_codes[K1], "../../etc/passwd", png.buf, png.len, &len);
    r = http_req(fx.pool, &server, "POST", "/api/v1/files", body, len, ct, h);
    expect_error(&r, 400, "invalid", "filename");
    body = multipart("XyZ123", fx_codes[K1], "..\\\\win.png", png.buf, png.len, &len);
    r = http_req(fx.pool, &server, "POST", "/api/v1/files", body, len, ct, h);
    expect_error(&r, 400, "invalid", "filename");
    T_EQ_INT(fx_count("SELECT count(*) FROM file", 0, NULL), before);
    body = multipart("XyZ123", fx_codes[K1], "示意图.png", png.buf, png.len, &len);
    r = http_req(fx.pool, &server, "POST", "/api/v1/files", body, len, ct, h);
    expect_status(&r, 201, __LINE__);
    T_EQ_STR(jstr(js(&r), "mime_type"), "image/png");
    T_EQ_STR(jstr(js(&r), "width"), "16");
    T_EQ_STR(jstr(js(&r), "name"), "示意图.png");
    r = req_as(U_K1_EDITOR, "GET",
               jy_pool_printf(fx.pool, "/api/v1/files/%s", jstr(js(&r), "sha256")), NULL);
    expect_status(&r, 200, __LINE__);
    /* a truncated body */
    r = http_req(fx.pool, &server, "POST", "/api/v1/files", body, len / 2, ct, h);
    expect_error(&r, 400, "invalid", "body");
    /* not multipart */
    r = http_req(fx.pool, &server, "POST", "/api/v1/files", "{}", 2, NULL, h);
    expect_error(&r, 400, "invalid", "body");
}


static void
test_sites_tags_users_audit(void)
{
    struct resp r;
    const char *code = "5700000001";

    setup();
    r = req_as(U_VIEWER, "GET", "/api/v1/sites", NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "云岭省人民政府");
    r = req_as(U_VIEWER, "GET", "/api/v1/sites?level=county", NULL);
    expect_status(&r, 200, __LINE__);
    T_ASSERT(strstr(r.body, "云岭省人民政府") == NULL);
    r = req_as(U_VIEWER, "GET", jy_pool_printf(fx.pool, "/api/v1/sites/%s", fx_codes[PROV]), NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "5600000001");
    r = req_as(U_VIEWER, "GET", jy_pool_printf(fx.pool, "/api/v1/sites/%s/columns", fx_codes[K1]),
               NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "prov_news");
    r = req_as(U_VIEWER, "GET", "/api/v1/blueprints", NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "county");

    /* a site from a blueprint, as the platform admin; the viewer may not */
    r = req_as(U_VIEWER, "POST", "/api/v1/sites",
               jy_pool_printf(fx.pool,
                              "{\"parent\": \"%lld\", \"blueprint\": \"province\","
                              " \"name\": \"听涛省人民政府\", \"code\": \"%s\","
                              " \"domains\": [\"tt.example.gov.cn\"]}",
                              fx.site[PLATFORM], code));
    T_ASSERT(r.status == 403 || r.status == 404);
    r = req_as(U_ADMIN, "POST", "/api/v1/sites",
               jy_pool_printf(fx.pool,
                              "{\"parent\": \"%lld\", \"blueprint\": \"province\","
                              " \"name\": \"听涛省人民政府\", \"code\": \"%s\","
                              " \"domains\": [\"tt.example.gov.cn\"]}",
                              fx.site[PLATFORM], code));
    if (r.status != 201)
        jy_test_fail(__FILE__, __LINE__, "site create: %ld %s", r.status, r.body);
    T_ASSERT(atoi(jstr(js(&r), "columns_created")) > 0);
    r = req_as(U_ADMIN, "POST", "/api/v1/sites", "{\"parent\": 1, \"name\": \"x\"}");
    expect_error(&r, 400, "invalid", "parent");
    r = req_as(U_ADMIN, "PATCH", jy_pool_printf(fx.pool, "/api/v1/sites/%s", code),
               "{\"short_name\": \"听涛县\"}");
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(jstr(js(&r), "fields_changed"), "1");
    r = req_as(U_ADMIN, "PATCH", jy_pool_printf(fx.pool, "/api/v1/sites/%s", code),
               "{\"colour\": \"red\"}");
    expect_status(&r, 400, __LINE__);
    /* close a county into its city's news column (关停整合), then reopen it */
    r = req_as(U_ADMIN, "POST", "/api/v1/sites",
               jy_pool_printf(fx.pool,
                              "{\"parent\": \"%s\", \"level\": \"county\", \"name\":"
                              " \"听涛县人民政府\", \"code\": \"5601230001\", \"domains\":"
                              " [\"ttx.example.gov.cn\"]}",
                              fx_codes[CITY]));
    expect_status(&r, 201, __LINE__);
    r = req_as(
        U_ADMIN, "POST", "/api/v1/sites/5601230001/close",
        jy_pool_printf(fx.pool, "{\"into\": \"%s:news\", \"dry_run\": true}", fx_codes[CITY]));
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(jstr(js(&r), "dry_run"), "true");
    T_EQ_STR(fx_own("SELECT status FROM site WHERE code = '5601230001'", 0, NULL), "open");
    r = req_as(U_ADMIN, "POST", "/api/v1/sites/5601230001/close",
               jy_pool_printf(fx.pool, "{\"into\": \"%s:news\"}", fx_codes[CITY]));
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(fx_own("SELECT status FROM site WHERE code = '5601230001'", 0, NULL), "closed");
    r = req_as(U_ADMIN, "GET", "/api/v1/sites/5601230001/redirects", NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "ttx.example.gov.cn");
    r = req_as(U_ADMIN, "GET", "/api/v1/sites/5601230001/redirects?retired=maybe", NULL);
    expect_error(&r, 400, "invalid", "retired");
    /* demoted while closed, then promoted back (and reopened with it) */
    r = req_as(U_ADMIN, "POST", "/api/v1/sites/5601230001/demote", "{}");
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(fx_own("SELECT kind FROM site WHERE name = '听涛县人民政府'", 0, NULL), "unit");
    r = req_as(U_ADMIN, "POST",
               jy_pool_printf(fx.pool, "/api/v1/sites/%s/promote",
                              fx_own("SELECT id FROM site WHERE name = '听涛县人民政府'", 0, NULL)),
               "{\"level\": \"county\", \"colour\": 1}");
    expect_error(&r, 400, "invalid", "colour");
    r = req_as(U_ADMIN, "POST",
               jy_pool_printf(fx.pool, "/api/v1/sites/%s/promote",
                              fx_own("SELECT id FROM site WHERE name = '听涛县人民政府'", 0, NULL)),
               "{}");
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(fx_own("SELECT kind || ' ' || status FROM site WHERE code = '5601230001'", 0, NULL),
             "site open");
    /* closed once more, then reopened as it was */
    r = req_as(U_ADMIN, "POST", "/api/v1/sites/5601230001/close",
               jy_pool_printf(fx.pool, "{\"into\": \"%s:news\"}", fx_codes[CITY]));
    expect_status(&r, 200, __LINE__);
    r = req_as(U_ADMIN, "POST", "/api/v1/sites/5601230001/reopen", "{\"unmerge\": true}");
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(fx_own("SELECT status FROM site WHERE code = '5601230001'", 0, NULL), "open");
    r = req_as(U_ADMIN, "POST", "/api/v1/sites/5601230001/reopen", "{}");
    T_EQ_INT(r.status, 400); /* not closed */

    /* tags */
    r = req_as(U_ADMIN, "POST", "/api/v1/tags", "{\"name\": \"扶贫\"}");
    expect_status(&r, 201, __LINE__);
    r = req_as(U_ADMIN, "POST", "/api/v1/tags", "{\"name\": \"脱贫\"}");
    expect_status(&r, 201, __LINE__);
    r = req_as(U_ADMIN, "POST", "/api/v1/tags", "{\"name\": \"扶贫\"}");
    expect_error(&r, 409, "conflict", NULL);
    r = req_as(U_ADMIN, "POST", "/api/v1/tags/%E6%89%B6%E8%B4%AB/synonyms",
               "{\"synonym\": \"精准扶贫\"}");
    expect_status(&r, 201, __LINE__);
    r = req_as(U_ADMIN, "POST", "/api/v1/tags/%E8%84%B1%E8%B4%AB/merge", "{\"into\": \"扶贫\"}");
    expect_status(&r, 200, __LINE__);
    r = req_as(U_VIEWER, "GET", "/api/v1/tags", NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "精准扶贫");

    /* users and grants */
    r = req_as(U_ADMIN, "POST", "/api/v1/users",
               "{\"login\": \"tt_editor\", \"display_name\": \"听涛编辑\", \"password\": \"" PW
               "\"}");
    expect_status(&r, 201, __LINE__);
    r = req_as(U_ADMIN, "POST", "/api/v1/users",
               "{\"login\": \"tt_editor\", \"display_name\": \"x\"}");
    expect_error(&r, 409, "conflict", NULL);
    r = req_as(U_ADMIN, "POST", "/api/v1/grants",
               jy_pool_printf(fx.pool,
                              "{\"login\": \"tt_editor\", \"role\": \"editor\", \"site\": \"%s\"}",
                              code));
    expect_status(&r, 201, __LINE__);
    {
        const char *gid = jstr(js(&r), "id");
        r = req_as(U_ADMIN, "GET", "/api/v1/grants?login=tt_editor", NULL);
        expect_status(&r, 200, __LINE__);
        T_CONTAINS(r.body, "editor");
        r = req_as(U_ADMIN, "DELETE", jy_pool_printf(fx.pool, "/api/v1/grants/%s", gid), NULL);
        expect_status(&r, 204, __LINE__);
    }
    /* a password against the policy is refused with the rule; a good one ends sessions */
    r = req_as(U_ADMIN, "PUT", "/api/v1/users/tt_editor/password", "{\"password\": \"short\"}");
    expect_error(&r, 400, "invalid", "password");
    r = req_as(U_ADMIN, "PUT", "/api/v1/users/tt_editor/password",
               "{\"password\": \"Another-Long-Pass-9\"}");
    expect_status(&r, 204, __LINE__);
    r = req_as(U_ADMIN, "POST", "/api/v1/users/tt_editor/disable", NULL);
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(jstr(js(&r), "changed"), "true");
    T_EQ_STR(fx_own("SELECT disabled::text FROM app_user WHERE login = 'tt_editor'", 0, NULL),
             "true");
    r = req_as(U_ADMIN, "POST", "/api/v1/users/tt_editor/disable", NULL);
    T_EQ_STR(jstr(js(&r), "changed"), "false");
    r = req_as(U_ADMIN, "POST", "/api/v1/users/tt_editor/enable", NULL);
    expect_status(&r, 200, __LINE__);
    r = req_as(U_K2_ADMIN, "POST", "/api/v1/users/admin/disable", NULL);
    T_ASSERT(r.status == 403 || r.status == 404);
    T_EQ_STR(fx_own("SELECT disabled::text FROM app_user WHERE login = 'admin'", 0, NULL), "false");
    r = req_as(U_ADMIN, "GET", "/api/v1/users?page_size=2", NULL);
    expect_status(&r, 200, __LINE__);
    T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(js(&r), "items")), 2);
    r = req_as(U_ADMIN, "GET", jy_pool_printf(fx.pool, "/api/v1/audit?site=%s", code), NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "\"action\"");
    /* the audit log knows the request that did it */
    T_ASSERT(fx_count("SELECT count(*) FROM audit_log WHERE login = 'admin'"
                      " AND request_id IS NOT NULL AND request_id <> ''",
                      0, NULL) > 0);
}


static void
test_links_and_attachments(void)
{
    struct jy_buf png = JY_BUF_INIT(fx.pool);
    const char *h[2] = {NULL, NULL}, *body, *sha;
    long long doc, doc2, interp;
    struct resp r;
    size_t len;

    setup();
    doc = fx_item(PROV, "policy",
                  "{\"title\": \"行动方案\", \"doc_no\": \"岭政发〔2026〕15号\","
                  " \"issuer\": \"云岭省人民政府\", \"validity\": \"valid\"}");
    doc2 = fx_item(PROV, "policy",
                   "{\"title\": \"实施细则\", \"doc_no\": \"岭政办发〔2026〕16号\","
                   " \"issuer\": \"云岭省人民政府办公厅\", \"validity\": \"valid\"}");
    r = req_as(U_PROV_EDITOR, "POST", "/api/v1/items",
               jy_pool_printf(fx.pool,
                              "{\"site\": \"%s\", \"kind\": \"interpretation\","
                              " \"fields\": {\"title\": \"解读\", \"interprets\": [%lld]}}",
                              fx_codes[PROV], doc));
    expect_status(&r, 201, __LINE__);
    interp = atoll(jstr(js(&r), "id"));
    r = req_as(U_PROV_EDITOR, "PUT",
               jy_pool_printf(fx.pool, "/api/v1/items/%lld/interprets/%lld", interp, doc2), NULL);
    expect_status(&r, 200, __LINE__);
    r = req_as(U_PROV_EDITOR, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld", doc2), NULL);
    T_CONTAINS(r.body, "\"interpretations\":[{");
    r = req_as(U_PROV_EDITOR, "DELETE",
               jy_pool_printf(fx.pool, "/api/v1/items/%lld/interprets/%lld", interp, doc2), NULL);
    expect_status(&r, 200, __LINE__);
    r = req_as(U_PROV_EDITOR, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld", doc2), NULL);
    T_CONTAINS(r.body, "\"interpretations\":[]");
    /* a document cannot interpret: the core's words come through */
    r = req_as(U_PROV_EDITOR, "PUT",
               jy_pool_printf(fx.pool, "/api/v1/items/%lld/interprets/%lld", doc, doc2), NULL);
    expect_error(&r, 400, "invalid", NULL);
    T_CONTAINS(r.body, "is not a policy interpretation");

    /* a file uploaded, used on the interpretation, then no more */
    h[0] = tokens[U_PROV_EDITOR];
    gen_png(&png, 20, 10, 7);
    {
        struct jy_buf b = JY_BUF_INIT(fx.pool);
        jy_buf_addf(
            &b,
            "--b0\r\nContent-Disposition: form-data; name=\"site\"\r\n\r\n%s\r\n"
            "--b0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"图.png\"\r\n\r\n",
            fx_codes[PROV]);
        jy_buf_add(&b, png.buf, png.len);
        jy_buf_add_str(&b, "\r\n--b0--\r\n");
        body = b.buf;
        len = b.len;
    }
    r = http_req(fx.pool, &server, "POST", "/api/v1/files", body, len,
                 "multipart/form-data; boundary=b0", h);
    expect_status(&r, 201, __LINE__);
    sha = jstr(js(&r), "sha256");
    r = req_as(U_PROV_EDITOR, "POST", jy_pool_printf(fx.pool, "/api/v1/items/%lld/files", interp),
               jy_pool_printf(fx.pool, "{\"file\": \"%s\", \"caption\": \"示意\"}", sha));
    expect_status(&r, 200, __LINE__);
    r = req_as(U_PROV_EDITOR, "GET", jy_pool_printf(fx.pool, "/api/v1/files/%s", sha), NULL);
    expect_status(&r, 200, __LINE__);
    r = req_as(U_PROV_EDITOR, "DELETE",
               jy_pool_printf(fx.pool, "/api/v1/items/%lld/files/%s", interp, sha), NULL);
    expect_status(&r, 204, __LINE__);
    r = req_as(U_PROV_EDITOR, "POST", jy_pool_printf(fx.pool, "/api/v1/items/%lld/files", interp),
               "{\"file\": 12}");
    expect_error(&r, 400, "invalid", "file");
}


/* A county hides a province item in its reusing column, then shows it again; the other county
 * cannot. */
static void
test_hide_reused_item(void)
{
    struct resp r;
    long long id;
    const char *p[3], *path;

    setup();
    id = fx_item(PROV, "article", "{\"title\": \"省里的新闻\"}");
    p[0] = fx_num(id);
    p[1] = fx_num(fx.news[PROV]);
    p[2] = fx_num(fx.site[PROV]);
    fx_own("INSERT INTO placement (item_id, column_id, site_id, state, published_at)"
           " VALUES ($1, $2, $3, 'published', now())",
           3, p);
    path = jy_pool_printf(fx.pool, "/api/v1/columns/%s:prov_news/hidden/%lld", fx_codes[K1], id);
    r = req_as(U_K2_ADMIN, "PUT", path, NULL);
    T_ASSERT(r.status == 403 || r.status == 404);
    r = req_as(U_K1_ADMIN, "PUT", path, NULL);
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(jstr(js(&r), "changed"), "true");
    r = req_as(U_K1_ADMIN, "PUT", path, NULL);
    T_EQ_STR(jstr(js(&r), "changed"), "false");
    T_EQ_INT(fx_count("SELECT count(*) FROM placement_hidden WHERE item_id = $1", 1, p), 1);
    r = req_as(U_K1_ADMIN, "DELETE", path, NULL);
    expect_status(&r, 200, __LINE__);
    T_EQ_STR(jstr(js(&r), "changed"), "true");
    T_EQ_INT(fx_count("SELECT count(*) FROM placement_hidden WHERE item_id = $1", 1, p), 0);
    r = req_as(U_K1_ADMIN, "PUT",
               jy_pool_printf(fx.pool, "/api/v1/columns/%s:prov_news/hidden/0", fx_codes[K1]),
               NULL);
    expect_error(&r, 400, "invalid", "id");
}


/* Headers past http_header_max_kb are refused while reading; the server stays up. */
static void
test_oversize_headers(void)
{
    struct jy_buf big = JY_BUF_INIT(fx.pool);
    const char *h[2];
    struct resp r;
    int i;

    setup();
    jy_buf_add_str(&big, "X-Big: ");
    for (i = 0; i < 20 * 1024; i++)
        jy_buf_add_char(&big, 'a');
    h[0] = big.buf;
    h[1] = NULL;
    r = http_req(fx.pool, &server, "GET", "/api/v1/health", NULL, 0, NULL, h);
    /* libevent answers 400 itself (its own body: the handler never ran) */
    T_EQ_INT(r.status, 400);
    r = req_as(-1, "GET", "/api/v1/health", NULL);
    expect_status(&r, 200, __LINE__);
}


/* The console's files: only plain names with known extensions, with a strict CSP. */
static void
test_console_files(void)
{
    static const char *const missing[] = {
        "/admin/../core/db.c", "/admin/..%2Fcore%2Fdb.c", "/admin/nope.css",
        "/admin/Index.HTML",   "/admin/.hidden.js",       "/admin/x.exe",
        "/admin//etc/passwd",  "/admin/%2Fetc%2Fpasswd",  "/admin/sub/app.js"};
    struct resp r;
    size_t i;

    setup();
    r = req_as(-1, "GET", "/admin/", NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(resp_header(fx.pool, &r, "Content-Type"), "text/html");
    T_CONTAINS(resp_header(fx.pool, &r, "Content-Security-Policy"), "default-src 'self'");
    T_CONTAINS(r.body, "登录");
    T_ASSERT(strstr(r.body, "http://") == NULL && strstr(r.body, "https://") == NULL); /* no CDN */
    r = req_as(-1, "GET", "/admin", NULL);
    expect_status(&r, 200, __LINE__);
    r = req_as(-1, "GET", "/admin/app.js", NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(resp_header(fx.pool, &r, "Content-Type"), "text/javascript");
    r = req_as(-1, "GET", "/admin/api.js", NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "X-CSRF-Token");
    /* no versioned names: revalidated every time, 304 while the file is unchanged */
    T_EQ_STR(resp_header(fx.pool, &r, "Cache-Control"), "no-cache");
    {
        const char *etag = resp_header(fx.pool, &r, "ETag"), *h[2];
        T_ASSERT(etag != NULL && etag[0] == '"');
        h[0] = jy_pool_printf(fx.pool, "If-None-Match: %s", etag);
        h[1] = NULL;
        r = http_req(fx.pool, &server, "GET", "/admin/api.js", NULL, 0, NULL, h);
        T_EQ_INT(r.status, 304);
    }
    r = req_as(-1, "GET", "/admin/app.css", NULL);
    expect_status(&r, 200, __LINE__);
    for (i = 0; i < JY_ARRAY_LEN(missing); i++) {
        r = req_as(-1, "GET", missing[i], NULL);
        expect_error(&r, 404, "not_found", NULL);
    }
    r = req_as(-1, "POST", "/admin/index.html", "{}");
    expect_status(&r, 404, __LINE__);
}


/* A client that sends half a request and stops is dropped; others are served meanwhile. */
static void
test_slow_client_dropped(void)
{
    struct sockaddr_in a;
    struct timeval tv = {30, 0};
    char buf[256];
    ssize_t n;
    struct resp r;
    int fd;

    setup();
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t) server.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    T_EQ_INT(connect(fd, (struct sockaddr *) &a, sizeof(a)), 0);
    T_ASSERT(write(fd, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ", 46) == 46);
    r = req_as(U_VIEWER, "GET", "/api/v1/health", NULL);
    expect_status(&r, 200, __LINE__);
    /* the server closes it (http_read_timeout is 2 s here); 30 s is only a safety net */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    do {
        n = read(fd, buf, sizeof(buf));
    } while (n > 0);
    T_EQ_INT(n, 0);
    close(fd);
}


/* A topic's sections through the API: set, read back, refused in words, and other sites' refused.
 */
static void
test_topic_sections(void)
{
    const char *url = "/api/v1/columns/5601210001:zt/topic";
    struct resp r;

    setup();
    fx_column(fx.site[K1], "zt", "topic", "{}", NULL);
    fx_own("INSERT INTO tag (name) VALUES ('专题甲'), ('专题乙') ON CONFLICT DO NOTHING", 0, NULL);
    r = req_as(U_K1_ADMIN, "PUT", url,
               "{\"sections\": [{\"name\": \"政策\", \"expr\": \"专题甲  AND  NOT 专题乙\", "
               "\"items\": 4}, {\"name\": \"动态\", \"expr\": \"专题乙\", \"more\": \"/zwgk/\"}]}");
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "\"expr\":\"专题甲 AND NOT 专题乙\"");
    r = req_as(U_VIEWER, "GET", url, NULL);
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "{\"name\":\"动态\",\"expr\":\"专题乙\",\"items\":6,\"more\":\"/zwgk/\"}");

    /* the place of the mistake, and nothing stored */
    r = req_as(U_K1_ADMIN, "PUT", url,
               "{\"sections\": [{\"name\": \"政策\", \"expr\": \"专题甲 OR (专题乙\"}]}");
    expect_error(&r, 400, "invalid", "expr");
    T_CONTAINS(r.body, "section 1 (\\\"政策\\\"): tag expression: expected \\\")\\\"");
    r = req_as(U_K1_ADMIN, "PUT", url,
               "{\"sections\": [{\"name\": \"政策\", \"expr\": \"专题丙\"}]}");
    expect_error(&r, 400, "invalid", "expr");
    T_CONTAINS(r.body, "there is no tag \\\"专题丙\\\" (character 1)");
    r = req_as(U_K2_ADMIN, "PUT", url, "{\"sections\": []}");
    expect_error(&r, 403, "forbidden", NULL);
    r = req_as(U_K1_ADMIN, "GET", "/api/v1/columns/5601210001:nope/topic", NULL);
    expect_error(&r, 404, "not_found", "column");
    r = req_as(U_VIEWER, "GET", url, NULL);
    T_CONTAINS(r.body, "\"name\":\"政策\",\"expr\":\"专题甲 AND NOT 专题乙\"");

    /* [] removes them */
    r = req_as(U_K1_ADMIN, "PUT", url, "{\"sections\": []}");
    expect_status(&r, 200, __LINE__);
    T_CONTAINS(r.body, "\"sections\":[]");
}


/* docs/openapi.json describes exactly the routes the server registers. */
static void
test_openapi_matches_routes(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_api_router *rt = jy_api_router_create(pool);
    cJSON *doc = jy_json_load_file(pool, jy_test_path("docs/openapi.json"), &err), *paths, *p, *m;
    size_t i;
    int documented = 0;

    if (doc == NULL)
        jy_test_fail(__FILE__, __LINE__, "%s", err.msg);
    paths = cJSON_GetObjectItem(doc, "paths");
    T_ASSERT(paths != NULL);
    for (i = 0; i < jy_api_route_count(rt); i++) {
        const struct jy_api_route *route = jy_api_route_at(rt, i);
        char method[8];
        size_t k;
        for (k = 0; route->method[k] && k < sizeof(method) - 1; k++)
            method[k] = (char) (route->method[k] - 'A' + 'a');
        method[k] = '\0';
        p = cJSON_GetObjectItemCaseSensitive(paths, route->pattern);
        if (p == NULL || cJSON_GetObjectItemCaseSensitive(p, method) == NULL)
            jy_test_fail(__FILE__, __LINE__, "route %s %s is not in docs/openapi.json",
                         route->method, route->pattern);
    }
    cJSON_ArrayForEach(p, paths)
    {
        cJSON_ArrayForEach(m, p)
        {
            bool found = false;
            if (strcmp(m->string, "parameters") == 0)
                continue;
            for (i = 0; i < jy_api_route_count(rt) && !found; i++) {
                const struct jy_api_route *route = jy_api_route_at(rt, i);
                found = strcmp(route->pattern, p->string) == 0 &&
                        strcasecmp(route->method, m->string) == 0;
            }
            if (!found)
                jy_test_fail(__FILE__, __LINE__, "docs/openapi.json has %s %s, the server does not",
                             m->string, p->string);
            documented++;
        }
    }
    T_EQ_INT(documented, (long long) jy_api_route_count(rt));
    jy_pool_destroy(pool);
}


static void
teardown(void)
{
    if (ready)
        T_EQ_INT(srv_stop(&server, SIGTERM), 0);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_openapi_matches_routes),
        T_CASE(test_health_and_request_id),
        T_CASE(test_routes_not_found_and_method),
        T_CASE(test_unauthenticated),
        T_CASE(test_login_cookie_and_csrf),
        T_CASE(test_expired_session),
        T_CASE(test_item_lifecycle),
        T_CASE(test_bad_bodies),
        T_CASE(test_injection_stored_literally),
        T_CASE(test_tenant_isolation),
        T_CASE(test_idempotency_key),
        T_CASE(test_upload),
        T_CASE(test_sites_tags_users_audit),
        T_CASE(test_links_and_attachments),
        T_CASE(test_topic_sections),
        T_CASE(test_console_files),
        T_CASE(test_hide_reused_item),
        T_CASE(test_oversize_headers),
        T_CASE(test_slow_client_dropped),
        T_CASE(teardown),
    };
    int rc;

    (void) gen_gif; /* imagegen.h has more than this test needs */
    (void) gen_jpeg;
    (void) gen_webp;
    curl_global_init(CURL_GLOBAL_ALL);
    rc = jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
    if (server.pid > 0)
        srv_stop(&server, SIGKILL);
    return rc;
}
