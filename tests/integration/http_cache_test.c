/*
 * http_cache_test.c - the answer cache of GET /api/v1/items/ID
 * (docs/api-cache.md) against the real `jiyue serve` and the real triggers
 * of schema/0082_api_cache.sql:
 *  - an answer kept for one user is never given to another: a county
 *    admin asking for the other county's draft gets 404 after its editor
 *    filled the cache, and the editor's own answer stays a hit;
 *  - a change made by another process (SQL on the owner connection) is
 *    seen by the next GETs once its notification arrives;
 *  - a change made through the server is seen by the very next GET
 *    (read-your-writes, no waiting);
 *  - a revoked grant and a revoked API token take effect;
 *  - losing the listener's connection (a terminated backend; a real
 *    restart of a cluster of its own) drops every answer: a change whose
 *    notification never came is seen after it.
 * Waiting for a notification is a bounded loop of requests that looks for
 * the new state; nothing measures time.
 */
#include "tests/integration/library_fixture.h"
#include "tests/integration/http_client.h"
#include "core/auth.h"

#define POLL_TRIES 2000 /* requests at most while waiting for a notification to arrive */

static struct srv server;
static const char *tokens[NUSERS];
static bool ready;


static void
setup(void)
{
    struct jy_err err = JY_ERR_INIT;
    const char *db;
    char buf[512];
    FILE *f;
    int i;

    if (ready)
        return;
    fx_open();
    for (i = 0; i < NUSERS; i++) {
        char tok[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];
        if (jy_auth_token_create(fx.owner, fx_logins[i], "cache test", 0, tok, prefix, &err) !=
            JY_OK)
            jy_test_fail(__FILE__, __LINE__, "token: %s", err.msg);
        tokens[i] = jy_pool_printf(fx.pool, "Authorization: Bearer %s", tok);
    }
    f = fopen(getenv("JY_TEST_PGINFO"), "r");
    T_ASSERT(f && fgets(buf, sizeof(buf), f));
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    db = jy_pool_printf(fx.pool, "host=%s dbname=%s user=jiyue", buf,
                        fx_own("SELECT current_database()", 0, NULL));
    {
        /* credentials are trusted for long: only the "a" notification can end them early */
        static const char *const sets[] = {"workers=2", "http_auth_cache=300", NULL};
        srv_start(&server, fx.pool, db, sets);
    }
    ready = true;
}


static struct resp
get_as(int u, long long item)
{
    const char *h[2] = {tokens[u], NULL};
    return http_req(fx.pool, &server, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld", item),
                    NULL, 0, NULL, h);
}


static const char *
cache_state(const struct resp *r)
{
    const char *v = resp_header(fx.pool, r, "X-Jiyue-Cache");
    return v ? v : "(none)";
}


/* A draft on site made through the API by user u; its id. */
static long long
draft(int u, int site, const char *title)
{
    const char *h[2] = {tokens[u], NULL};
    const char *body = jy_pool_printf(fx.pool,
                                      "{\"site\": \"%s\", \"kind\": \"article\", \"fields\": "
                                      "{\"title\": \"%s\", \"body\": \"<p>正文</p>\"}}",
                                      fx_codes[site], title);
    struct resp r =
        http_req(fx.pool, &server, "POST", "/api/v1/items", body, strlen(body), NULL, h);
    const char *id;

    if (r.status != 201)
        jy_test_fail(__FILE__, __LINE__, "create: %ld %s", r.status, r.body);
    id = strstr(r.body, "\"id\":");
    T_ASSERT(id != NULL);
    return atoll(id + 5);
}


/* GET until the answer has status (and contains want, when not NULL); false after POLL_TRIES. */
static bool
poll_until(int u, long long item, long status, const char *want)
{
    int i;

    for (i = 0; i < POLL_TRIES; i++) {
        struct resp r = get_as(u, item);
        if (r.status == status && (want == NULL || strstr(r.body, want)))
            return true;
        usleep(1000);
    }
    return false;
}


static void
test_answers_never_cross_users(void)
{
    long long item;
    struct resp r;

    setup();
    item = draft(U_K1_EDITOR, K1, "一县草稿");
    r = get_as(U_K1_EDITOR, item);
    T_EQ_INT(r.status, 200);
    T_EQ_STR(cache_state(&r), "miss");
    r = get_as(U_K1_EDITOR, item);
    T_EQ_INT(r.status, 200);
    T_EQ_STR(cache_state(&r), "hit");
    T_CONTAINS(r.body, "一县草稿");

    /* the other county's admin: the editor's kept answer is not theirs */
    r = get_as(U_K2_ADMIN, item);
    T_EQ_INT(r.status, 404);
    T_ASSERT(strstr(r.body, "一县草稿") == NULL);
    r = get_as(U_K2_ADMIN, item);
    T_EQ_INT(r.status, 404);
    T_ASSERT(strstr(r.body, "一县草稿") == NULL);
    /* a refusal is not kept: it is asked of the database each time */
    T_EQ_STR(cache_state(&r), "miss");

    /* and the editor's answer is still the editor's */
    r = get_as(U_K1_EDITOR, item);
    T_EQ_INT(r.status, 200);
    T_EQ_STR(cache_state(&r), "hit");
}


static void
test_change_by_another_process_is_seen(void)
{
    long long item;
    struct resp r;
    const char *p[1];

    setup();
    item = draft(U_PROV_EDITOR, PROV, "旧标题");
    T_EQ_INT(get_as(U_PROV_EDITOR, item).status, 200);
    r = get_as(U_PROV_EDITOR, item);
    T_EQ_STR(cache_state(&r), "hit");
    T_CONTAINS(r.body, "旧标题");

    /* another process changes it: SQL on the owner connection, not the server */
    p[0] = fx_num(item);
    fx_own("UPDATE item SET title = '新标题' WHERE id = $1", 1, p);
    T_ASSERT(poll_until(U_PROV_EDITOR, item, 200, "新标题"));

    /* what the item's JSON shows of its placements: placed by SQL, seen too */
    {
        const char *q[3] = {fx_num(item), fx_num(fx.site[PROV]), fx_num(fx.news[PROV])};
        fx_own("INSERT INTO placement (item_id, site_id, column_id) VALUES ($1, $2, $3)", 3, q);
    }
    T_ASSERT(poll_until(U_PROV_EDITOR, item, 200, "\"column\":\"news\""));
}


static void
test_write_through_the_server_is_read_at_once(void)
{
    const char *h[2];
    long long item;
    struct resp r;
    const char *body = "{\"fields\": {\"title\": \"改过的标题\"}}";

    setup();
    h[0] = tokens[U_PROV_EDITOR];
    h[1] = NULL;
    item = draft(U_PROV_EDITOR, PROV, "要改的标题");
    T_EQ_INT(get_as(U_PROV_EDITOR, item).status, 200);
    r = get_as(U_PROV_EDITOR, item);
    T_EQ_STR(cache_state(&r), "hit");

    r = http_req(fx.pool, &server, "PATCH", jy_pool_printf(fx.pool, "/api/v1/items/%lld", item),
                 body, strlen(body), NULL, h);
    T_EQ_INT(r.status, 200);
    /* the very next GET, no waiting: the server dropped the answer before it answered */
    r = get_as(U_PROV_EDITOR, item);
    T_EQ_INT(r.status, 200);
    T_CONTAINS(r.body, "改过的标题");
}


static void
test_revoked_grant_and_token_take_effect(void)
{
    long long item;
    struct resp r;
    const char *p[1];

    setup();
    /* the viewer reads province drafts through a grant */
    item = draft(U_PROV_EDITOR, PROV, "只给看的人");
    T_EQ_INT(get_as(U_VIEWER, item).status, 200);
    r = get_as(U_VIEWER, item);
    T_EQ_INT(r.status, 200);
    T_EQ_STR(cache_state(&r), "hit");

    p[0] = fx_num(fx.user[U_VIEWER]);
    fx_own("DELETE FROM user_grant WHERE user_id = $1", 1, p);
    T_ASSERT(poll_until(U_VIEWER, item, 404, NULL));

    /* the editor's API token revoked by another process: 401 although the
     * server trusts a checked token for 300 seconds */
    r = get_as(U_PROV_EDITOR, item);
    T_EQ_INT(r.status, 200);
    p[0] = fx_num(fx.user[U_PROV_EDITOR]);
    fx_own("UPDATE api_token SET revoked_at = now(), revoked_reason = 'test'"
           " WHERE user_id = $1 AND name = 'cache test'",
           1, p);
    T_ASSERT(poll_until(U_PROV_EDITOR, item, 401, NULL));
    {
        /* a new token for the cases after this one */
        struct jy_err err = JY_ERR_INIT;
        char tok[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];
        T_EQ_INT(jy_auth_token_create(fx.owner, fx_logins[U_PROV_EDITOR], "cache test 2", 0, tok,
                                      prefix, &err),
                 JY_OK);
        tokens[U_PROV_EDITOR] = jy_pool_printf(fx.pool, "Authorization: Bearer %s", tok);
    }
}


static void
test_lost_listener_drops_everything(void)
{
    struct jy_err err = JY_ERR_INIT;
    long long item;
    struct resp r;
    const char *p[1];
    int i;

    setup();
    item = draft(U_K1_ADMIN, K1, "重启之前");
    T_EQ_INT(get_as(U_K1_ADMIN, item).status, 200);
    r = get_as(U_K1_ADMIN, item);
    T_EQ_STR(cache_state(&r), "hit");

    /* a change the cache is not told about (its trigger off for one transaction) ... */
    p[0] = fx_num(item);
    T_EQ_INT(jy_db_exec(fx.owner, "BEGIN; ALTER TABLE item DISABLE TRIGGER item_cache", &err),
             JY_OK);
    fx_own("UPDATE item SET title = '重启之后' WHERE id = $1", 1, p);
    T_EQ_INT(jy_db_exec(fx.owner, "ALTER TABLE item ENABLE TRIGGER item_cache; COMMIT", &err),
             JY_OK);
    /* ... is not seen: the kept answer is served (this is what a lost notification costs) */
    for (i = 0; i < 20; i++) {
        r = get_as(U_K1_ADMIN, item);
        T_EQ_STR(cache_state(&r), "hit");
        T_CONTAINS(r.body, "重启之前");
    }

    /* the listener's connection goes away, as in a database restart: every answer is dropped
     * and the cache comes back once it listens again */
    T_EQ_INT(atoi(fx_own("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                         " WHERE datname = current_database() AND query = 'LISTEN jy_cache'",
                         0, NULL)),
             1);
    T_ASSERT(poll_until(U_K1_ADMIN, item, 200, "重启之后"));
    for (i = 0; i < POLL_TRIES; i++) {
        r = get_as(U_K1_ADMIN, item);
        if (strcmp(cache_state(&r), "hit") == 0)
            break;
        usleep(1000);
    }
    T_EQ_STR(cache_state(&r), "hit");
    T_CONTAINS(r.body, "重启之后");
}


/*
 * A real restart of PostgreSQL (a cluster of its own, as in
 * http_lifecycle_test.c, so no other test is disturbed): the listener's
 * connection dies with it, every answer is dropped, and once the database
 * is back a change the cache was never told about is seen.
 */
static void
test_database_restart_drops_everything(void)
{
    struct jy_err err = JY_ERR_INIT;
    const char *bin = getenv("JIYUE_BIN"), *dir, *db, *item, *auth, *h[2];
    char tok[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];
    const char *path, *p[1];
    struct jy_db *owner;
    struct srv s;
    struct resp r;
    int i;

    setup();
    dir = jy_test_tmpdir();
    T_EQ_INT(jy_test_system("%s --log-level warn --data %s/pg db start >/dev/null", bin, dir), 0);
    T_EQ_INT(jy_test_system("%s --log-level warn --data %s/pg migrate >/dev/null", bin, dir), 0);
    T_EQ_INT(jy_test_system("%s --log-level warn --data %s/pg demo >/dev/null", bin, dir), 0);
    db = jy_pool_printf(fx.pool, "host=%s/pg dbname=jiyue user=jiyue", dir);
    owner = jy_db_connect(db, &err);
    T_ASSERT(owner != NULL);
    item = jy_db_query_value(owner, fx.pool,
                             "SELECT i.id FROM item i JOIN site s ON s.id = i.site_id"
                             " WHERE s.code = '5600000001' ORDER BY i.id LIMIT 1",
                             0, NULL, &err);
    T_ASSERT(item != NULL);
    item = jy_pool_strdup(fx.pool, item);
    T_EQ_INT(jy_auth_token_create(owner, "liu.yang", "cache restart", 0, tok, prefix, &err), JY_OK);
    auth = jy_pool_printf(fx.pool, "Authorization: Bearer %s", tok);
    h[0] = auth;
    h[1] = NULL;
    path = jy_pool_printf(fx.pool, "/api/v1/items/%s", item);
    {
        static const char *const sets[] = {"workers=2", "serve_render=0", "serve_push=0",
                                           "serve_scheduler=0", NULL};
        srv_start(&s, fx.pool, db, sets);
    }
    T_EQ_INT(http_req(fx.pool, &s, "GET", path, NULL, 0, NULL, h).status, 200);
    r = http_req(fx.pool, &s, "GET", path, NULL, 0, NULL, h);
    T_EQ_STR(cache_state(&r), "hit");

    /* a change the cache is not told about */
    p[0] = item;
    T_EQ_INT(jy_db_exec(owner, "BEGIN; ALTER TABLE item DISABLE TRIGGER item_cache", &err), JY_OK);
    T_ASSERT(jy_db_query(owner, fx.pool, "UPDATE item SET title = '重启后的标题' WHERE id = $1", 1,
                         p, &err) != NULL);
    T_EQ_INT(jy_db_exec(owner, "ALTER TABLE item ENABLE TRIGGER item_cache; COMMIT", &err), JY_OK);
    jy_db_close(owner);
    r = http_req(fx.pool, &s, "GET", path, NULL, 0, NULL, h);
    T_EQ_STR(cache_state(&r), "hit");
    T_ASSERT(strstr(r.body, "重启后的标题") == NULL);

    /* the restart: while the database is down, no answer at all (503), never a kept one */
    T_EQ_INT(jy_test_system("%s --log-level warn --data %s/pg db stop >/dev/null", bin, dir), 0);
    r = http_req(fx.pool, &s, "GET", path, NULL, 0, NULL, h);
    T_EQ_INT(r.status, 503);
    T_EQ_INT(jy_test_system("%s --log-level warn --data %s/pg db start >/dev/null", bin, dir), 0);
    for (i = 0; i < POLL_TRIES; i++) {
        r = http_req(fx.pool, &s, "GET", path, NULL, 0, NULL, h);
        if (r.status == 200)
            break;
        usleep(10000);
    }
    T_EQ_INT(r.status, 200);
    T_CONTAINS(r.body, "重启后的标题");
    T_EQ_INT(srv_stop(&s, SIGTERM), 0);
    T_EQ_INT(jy_test_system("%s --log-level warn --data %s/pg db stop >/dev/null", bin, dir), 0);
}


static void
teardown(void)
{
    if (!ready)
        return;
    T_EQ_INT(srv_stop(&server, SIGTERM), 0);
    fx_close();
    ready = false;
}


static void
test_cache_off(void)
{
    struct srv off;
    const char *db, *h[2];
    struct resp r;
    long long item;
    char buf[512];
    FILE *f;

    setup();
    item = draft(U_PROV_EDITOR, PROV, "不缓存");
    f = fopen(getenv("JY_TEST_PGINFO"), "r");
    T_ASSERT(f && fgets(buf, sizeof(buf), f));
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    db = jy_pool_printf(fx.pool, "host=%s dbname=%s user=jiyue", buf,
                        fx_own("SELECT current_database()", 0, NULL));
    {
        static const char *const sets[] = {"workers=1", "http_item_cache_mb=0", NULL};
        srv_start(&off, fx.pool, db, sets);
    }
    h[0] = tokens[U_PROV_EDITOR];
    h[1] = NULL;
    r = http_req(fx.pool, &off, "GET", jy_pool_printf(fx.pool, "/api/v1/items/%lld", item), NULL, 0,
                 NULL, h);
    T_EQ_INT(r.status, 200);
    T_CONTAINS(r.body, "不缓存");
    T_ASSERT(resp_header(fx.pool, &r, "X-Jiyue-Cache") == NULL);
    T_EQ_INT(srv_stop(&off, SIGTERM), 0);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_answers_never_cross_users),
        T_CASE(test_change_by_another_process_is_seen),
        T_CASE(test_write_through_the_server_is_read_at_once),
        T_CASE(test_revoked_grant_and_token_take_effect),
        T_CASE(test_lost_listener_drops_everything),
        T_CASE(test_cache_off),
        T_CASE(test_database_restart_drops_everything),
        T_CASE(teardown),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_ALL);
    rc = jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
    if (server.pid > 0)
        srv_stop(&server, SIGKILL);
    return rc;
}
