/*
 * http_files_test.c - GET /files/<sha256>.<ext> (core/server.c
 * serve_file): the uploaded bytes served to a logged-in user who may see
 * the file under row-level security, on the demo platform with the real
 * `jiyue serve` on loopback driven by libcurl. The province's editor
 * uploads a PNG; it comes back byte for byte with its stored type, the
 * hash as ETag and immutable caching (304 on revalidation), by bearer token
 * and by session cookie; a county column editor who cannot read the
 * province, an anonymous caller, a wrong extension and every malformed
 * name get 404 (401 without login) and learn nothing.
 */
#include "core/compat.h"
#include "core/auth.h"
#include "core/db.h"
#include "core/demo.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "tests/imagegen.h"
#include "tests/integration/http_client.h"
#include "tests/test.h"

#include <cjson/cJSON.h>

#define PW   "Bamboo-River-7"
#define PROV "5600000001"

enum { EDITOR, OTHER, NUSERS };
/* liu.yang: editor of the province; tang.lei: editor of one column of 栖云县 only */
static const char *const logins[NUSERS] = {"liu.yang", "tang.lei"};

static struct {
    struct jy_pool *pool;
    struct jy_db *owner;
    const char *auth[NUSERS];
    struct jy_buf png;
    const char *sha; /* of png, once uploaded */
    const char *out; /* output_dir: the rendered sites the preview serves */
} fx;

static struct srv server;


static void
setup(void)
{
    static bool ready;
    struct jy_err err = JY_ERR_INIT;
    struct jy_demo_opts dopts = {NULL, NULL, NULL, false};
    struct jy_demo_stats dst;
    struct jy_auth_policy *policy;
    const char *conninfo;
    char buf[512];
    FILE *f;
    int i;

    if (ready)
        return;
    jy_auth_set_cost(JY_AUTH_COST_TEST);
    fx.pool = jy_pool_create(0);
    conninfo = jy_test_db_create(true);
    fx.owner = jy_db_connect(conninfo, &err);
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
            jy_auth_token_create(fx.owner, logins[i], "files test", 0, tok, prefix, &err) != JY_OK)
            jy_test_fail(__FILE__, __LINE__, "%s: %s", logins[i], err.msg);
        fx.auth[i] = jy_pool_printf(fx.pool, "Authorization: Bearer %s", tok);
    }
    f = fopen(getenv("JY_TEST_PGINFO"), "r");
    T_ASSERT(f && fgets(buf, sizeof(buf), f));
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    fx.out = jy_pool_printf(fx.pool, "%s/www", jy_test_tmpdir());
    {
        const char *db = jy_pool_printf(
            fx.pool, "host=%s dbname=%s user=jiyue", buf,
            jy_db_query_value(fx.owner, fx.pool, "SELECT current_database()", 0, NULL, &err));
        const char *sets[] = {"workers=2",
                              "serve_render=0",
                              "serve_push=0",
                              "serve_scheduler=0",
                              jy_pool_printf(fx.pool, "output_dir=%s", fx.out),
                              NULL};
        srv_start(&server, fx.pool, db, sets);
    }
    fx.png.pool = fx.pool;
    jy_buf_init(&fx.png, fx.pool, 256);
    gen_png(&fx.png, 24, 16, 77);
    ready = true;
}


static struct resp
get(int u, const char *path, const char *extra)
{
    const char *h[3] = {NULL, NULL, NULL};
    int n = 0;

    if (u >= 0)
        h[n++] = fx.auth[u];
    if (extra)
        h[n++] = extra;
    return http_req(fx.pool, &server, "GET", path, NULL, 0, NULL, h);
}


static void
expect_status_at(const struct resp *r, long status, int line)
{
    if (r->status != status)
        jy_test_fail(__FILE__, line, "status %ld, expected %ld: %s", r->status, status, r->body);
}

#define expect_status(r, s) expect_status_at((r), (s), __LINE__)


/* A JSON error answer of the API's shape with this code. */
static void
expect_error_at(const struct resp *r, long status, const char *code, int line)
{
    struct jy_err err = JY_ERR_INIT;
    cJSON *j;
    const cJSON *e, *c;

    expect_status_at(r, status, line);
    j = jy_json_parse(fx.pool, r->body, strlen(r->body), &err);
    e = j ? cJSON_GetObjectItemCaseSensitive(j, "error") : NULL;
    c = e ? cJSON_GetObjectItemCaseSensitive(e, "code") : NULL;
    if (!cJSON_IsString(c) || strcmp(c->valuestring, code) != 0)
        jy_test_fail(__FILE__, line, "expected error %s: %s", code, r->body);
    if (strstr(r->body, "\x89PNG"))
        jy_test_fail(__FILE__, line, "the refusal carries the file's bytes");
}

#define expect_error(r, s, c) expect_error_at((r), (s), (c), __LINE__)


/* The editor uploads the PNG for the province (POST /api/v1/files). */
static void
upload(void)
{
    struct jy_buf b = JY_BUF_INIT(fx.pool);
    const char *h[2] = {fx.auth[EDITOR], NULL};
    struct resp r;
    struct jy_err err = JY_ERR_INIT;
    cJSON *j;

    (void) gen_gif; /* imagegen.h: only the PNG is needed here */
    (void) gen_jpeg;
    (void) gen_webp;
    if (fx.sha)
        return;
    jy_buf_add_str(&b, "--Bq7\r\nContent-Disposition: form-data; name=\"site\"\r\n\r\n" PROV "\r\n"
                       "--Bq7\r\nContent-Disposition: form-data; name=\"file\"; "
                       "filename=\"现场.png\"\r\nContent-Type: image/png\r\n\r\n");
    jy_buf_add(&b, fx.png.buf, fx.png.len);
    jy_buf_add_str(&b, "\r\n--Bq7--\r\n");
    r = http_req(fx.pool, &server, "POST", "/api/v1/files", b.buf, b.len,
                 "multipart/form-data; boundary=Bq7", h);
    expect_status(&r, 201);
    j = jy_json_parse(fx.pool, r.body, strlen(r.body), &err);
    T_ASSERT(j != NULL);
    fx.sha = jy_pool_strdup(fx.pool, cJSON_GetObjectItemCaseSensitive(j, "sha256")->valuestring);
    T_EQ_INT((long long) strlen(fx.sha), 64);
}


/* The bytes, their type, the hash as ETag, cached for good; 304 when the browser has them. */
static void
test_served_to_the_uploader(void)
{
    struct resp r, again;
    const char *path;

    setup();
    upload();
    path = jy_pool_printf(fx.pool, "/files/%s.png", fx.sha);
    r = get(EDITOR, path, NULL);
    expect_status(&r, 200);
    T_EQ_STR(resp_header(fx.pool, &r, "Content-Type"), "image/png");
    T_EQ_STR(resp_header(fx.pool, &r, "ETag"), jy_pool_printf(fx.pool, "\"%s\"", fx.sha));
    T_EQ_STR(resp_header(fx.pool, &r, "Cache-Control"), "private, max-age=31536000, immutable");
    T_EQ_STR(resp_header(fx.pool, &r, "X-Content-Type-Options"), "nosniff");
    T_EQ_INT(atoll(resp_header(fx.pool, &r, "Content-Length")), (long long) fx.png.len);
    T_ASSERT(memcmp(r.body, fx.png.buf, fx.png.len) == 0);

    again = get(EDITOR, path, jy_pool_printf(fx.pool, "If-None-Match: \"%s\"", fx.sha));
    expect_status(&again, 304);
    T_EQ_STR(again.body, "");
    T_EQ_STR(resp_header(fx.pool, &again, "ETag"), jy_pool_printf(fx.pool, "\"%s\"", fx.sha));

    /* another tag is not these bytes */
    again = get(EDITOR, path, "If-None-Match: \"0123\"");
    expect_status(&again, 200);
}


/* The browser's way: the session cookie of POST /api/v1/session, no token. */
static void
test_served_by_session_cookie(void)
{
    const char *body = "{\"login\": \"liu.yang\", \"password\": \"" PW "\"}";
    struct resp login, r;
    const char *cookie, *semi;

    setup();
    upload();
    login = http_req(fx.pool, &server, "POST", "/api/v1/session", body, strlen(body), NULL, NULL);
    expect_status(&login, 201);
    cookie = resp_header(fx.pool, &login, "Set-Cookie");
    T_ASSERT(cookie != NULL);
    semi = strchr(cookie, ';');
    cookie = jy_pool_printf(fx.pool, "Cookie: %.*s",
                            (int) (semi ? semi - cookie : (long) strlen(cookie)), cookie);
    r = get(-1, jy_pool_printf(fx.pool, "/files/%s.png", fx.sha), cookie);
    expect_status(&r, 200);
    T_ASSERT(memcmp(r.body, fx.png.buf, fx.png.len) == 0);
}


/* Nobody else: no login is 401, another tenant's editor 404 like a missing file. */
static void
test_refused_to_others(void)
{
    const char *path, *missing;
    struct resp r, m;

    setup();
    upload();
    path = jy_pool_printf(fx.pool, "/files/%s.png", fx.sha);
    r = get(-1, path, NULL);
    expect_error(&r, 401, "unauthenticated");
    r = get(OTHER, path, NULL);
    expect_error(&r, 404, "not_found");
    missing = "/files/0000000000000000000000000000000000000000000000000000000000000000.png";
    m = get(OTHER, missing, NULL);
    expect_error(&m, 404, "not_found");
    /* the refusal of a hidden file and of a missing one say the same, apart from the name */
    T_ASSERT(strstr(r.body, "no such file") != NULL && strstr(m.body, "no such file") != NULL);
    r = get(EDITOR, missing, NULL);
    expect_error(&r, 404, "not_found");
}


/* Only exactly <64 lower-case hex>.<extension of the stored type>; nothing else reaches a file. */
static void
test_names_checked_strictly(void)
{
    /* prefix, how much of the hash, suffix */
    static const struct {
        const char *pre;
        int len;
        const char *post;
    } bad[] = {
        {"/files/", 64, ".jpg"},    {"/files/", 64, ".PNG"},       {"/files/", 64, ""},
        {"/files/", 64, "."},       {"/files/", 64, ".png/"},      {"/files/", 64, ".png.png"},
        {"/files/", 63, ".png"},    {"/files/../", 64, ".png"},    {"/files/%2e%2e/", 64, ".png"},
        {"/files/", 64, ".png%00"}, {"/files/", 64, ".abcdefghi"}, {"/files/x", 64, ".png"},
        {"/files//", 64, ".png"},   {"/files/", 64, "%2epng"},
    };
    struct resp r;
    size_t i;

    setup();
    upload();
    for (i = 0; i < JY_ARRAY_LEN(bad); i++) {
        const char *path =
            jy_pool_printf(fx.pool, "%s%.*s%s", bad[i].pre, bad[i].len, fx.sha, bad[i].post);
        r = get(EDITOR, path, NULL);
        if (r.status != 404 && r.status != 400)
            jy_test_fail(__FILE__, __LINE__, "%s: status %ld", path, r.status);
        if (r.status == 200 || memmem(r.body, strlen(r.body), "\x89PNG", 4))
            jy_test_fail(__FILE__, __LINE__, "%s served the file", path);
    }
    r = get(EDITOR, jy_pool_printf(fx.pool, "/files/%s", "../../etc/passwd"), NULL);
    expect_status(&r, 404);
    r = http_req(fx.pool, &server, "POST", jy_pool_printf(fx.pool, "/files/%s.png", fx.sha), "{}",
                 2, NULL, (const char *const[]){fx.auth[EDITOR], NULL});
    expect_error(&r, 404, "not_found");
}


/*
 * The site preview (cookie jy_site): a published page's files are copies in
 * the site's rendered tree, served to anyone as a mirror would; this route
 * refusing the name does not hide them.
 */
static void
test_preview_falls_back_to_the_site_tree(void)
{
    const char *name = "1111111111111111111111111111111111111111111111111111111111111111.png";
    const char *dir, *path;
    struct resp r;
    FILE *f;

    setup();
    dir = jy_pool_printf(fx.pool, "%s/" PROV "/files", fx.out);
    T_EQ_INT(jy_test_system("mkdir -p %s", dir), 0);
    path = jy_pool_printf(fx.pool, "%s/%s", dir, name);
    f = fopen(path, "wb");
    T_ASSERT(f != NULL);
    fwrite(fx.png.buf, 1, fx.png.len, f);
    fclose(f);
    r = get(-1, jy_pool_printf(fx.pool, "/files/%s", name), "Cookie: jy_site=" PROV);
    expect_status(&r, 200);
    T_EQ_STR(resp_header(fx.pool, &r, "Content-Type"), "image/png");
    T_ASSERT(memcmp(r.body, fx.png.buf, fx.png.len) == 0);
    /* without the preview's cookie the same request is the route's refusal */
    r = get(-1, jy_pool_printf(fx.pool, "/files/%s", name), NULL);
    expect_error(&r, 401, "unauthenticated");
}


static void
teardown(void)
{
    if (server.pid > 0)
        T_EQ_INT(srv_stop(&server, SIGTERM), 0);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_served_to_the_uploader),
        T_CASE(test_served_by_session_cookie),
        T_CASE(test_refused_to_others),
        T_CASE(test_names_checked_strictly),
        T_CASE(test_preview_falls_back_to_the_site_tree),
        T_CASE(teardown),
    };

    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
