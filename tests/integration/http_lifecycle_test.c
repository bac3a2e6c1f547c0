/*
 * http_lifecycle_test.c - the server's life around its requests:
 *  - SIGTERM while a request is being handled: the request finishes and
 *    its answer arrives, then the server exits 0;
 *  - the database restarted under load: requests get 503 JSON while it is
 *    down, nothing else, the server stays up and serves again without a
 *    restart once the database is back. This runs on a PostgreSQL cluster
 *    of its own (started with `jiyue db start` like the fixture's), so
 *    stopping it disturbs no other test.
 * Nothing here measures time: each step waits for a state it can see (a
 * lock wait in pg_stat_activity, an answer counted), never for a delay.
 */
#include "tests/integration/library_fixture.h"
#include "tests/integration/http_client.h"
#include "core/auth.h"

#include <pthread.h>

#define PW "Bamboo-River-7"


static const char *
test_cluster_host(void)
{
    char buf[512];
    FILE *f = fopen(getenv("JY_TEST_PGINFO"), "r");

    T_ASSERT(f && fgets(buf, sizeof(buf), f));
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return jy_pool_strdup(fx.pool, buf);
}


static const char *
bearer(struct jy_db *owner, const char *login)
{
    struct jy_err err = JY_ERR_INIT;
    char tok[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];

    if (jy_auth_token_create(owner, login, "lifecycle test", 0, tok, prefix, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "token: %s", err.msg);
    return jy_pool_printf(fx.pool, "Authorization: Bearer %s", tok);
}


struct slow_call {
    const struct srv *s;
    const char *path;
    const char *body;
    const char *auth;
    struct jy_pool *pool;
    struct resp r;
};


static void *
slow_call_run(void *arg)
{
    struct slow_call *c = arg;
    const char *h[2] = {c->auth, NULL};

    c->r = http_req(c->pool, c->s, "PATCH", c->path, c->body, strlen(c->body), NULL, h);
    return NULL;
}


static void
test_sigterm_finishes_in_flight(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct srv s;
    struct slow_call call;
    pthread_t th;
    long long id;
    const char *idp[1];
    int waiting = 0;

    jy_auth_set_cost(JY_AUTH_COST_TEST);
    fx_open();
    id = fx_item(K1, "article", "{\"title\": \"停机前\"}");
    idp[0] = fx_num(id);
    {
        const char *db =
            jy_pool_printf(fx.pool, "host=%s dbname=%s user=jiyue", test_cluster_host(),
                           fx_own("SELECT current_database()", 0, NULL));
        static const char *const sets[] = {"workers=2", NULL};
        srv_start(&s, fx.pool, db, sets);
    }
    memset(&call, 0, sizeof(call));
    call.s = &s;
    call.pool = jy_pool_create(0);
    call.auth = bearer(fx.owner, "k1_editor");
    call.path = jy_pool_printf(fx.pool, "/api/v1/items/%lld", id);
    call.body = "{\"fields\": {\"title\": \"停机中完成\"}}";

    /* hold the item's row, so the request waits inside the database */
    T_EQ_INT(jy_db_begin(fx.owner, &err), JY_OK);
    T_ASSERT(jy_db_query(fx.owner, fx.pool, "SELECT id FROM item WHERE id = $1 FOR UPDATE", 1, idp,
                         &err) != NULL);
    T_EQ_INT(pthread_create(&th, NULL, slow_call_run, &call), 0);
    {
        struct jy_db *watch = jy_db_connect(
            jy_pool_printf(fx.pool, "host=%s dbname=%s user=jiyue", test_cluster_host(),
                           fx_own("SELECT current_database()", 0, NULL)),
            &err);
        T_ASSERT(watch != NULL);
        while (!waiting) {
            const char *v = jy_db_query_value(
                watch, fx.pool,
                "SELECT count(*) FROM pg_stat_activity WHERE usename = 'jiyue_app'"
                " AND wait_event_type = 'Lock' AND datname = current_database()",
                0, NULL, &err);
            waiting = v && atoi(v) > 0;
            if (!waiting)
                usleep(10000);
        }
        jy_db_close(watch);
    }
    /* the request is in the handler: ask the server to stop, then let the request go on */
    kill(s.pid, SIGTERM);
    jy_db_rollback(fx.owner);
    pthread_join(th, NULL);
    if (call.r.status != 200)
        jy_test_fail(__FILE__, __LINE__, "in-flight request: %ld %s", call.r.status, call.r.body);
    T_CONTAINS(call.r.body, "\"revision\":2");
    T_EQ_STR(fx_own("SELECT title FROM item WHERE id = $1", 1, idp), "停机中完成");
    /* and the server exits cleanly */
    {
        int status = 0;
        waitpid(s.pid, &status, 0);
        s.pid = 0;
        T_ASSERT(WIFEXITED(status));
        T_EQ_INT(WEXITSTATUS(status), 0);
    }
    T_EQ_INT(jy_test_system("grep -q 'finishing requests in flight' %s", s.log), 0);
    jy_pool_destroy(call.pool);
    fx_close();
}


/* ---- database restart under load ---- */

struct load {
    const struct srv *s;
    const char *auth;
    volatile int stop;
    pthread_mutex_t mu;
    long ok, unavailable, other; /* answers counted */
    char other_body[512];
};


static void *
load_run(void *arg)
{
    struct load *l = arg;
    struct jy_pool *pool = jy_pool_create(0);
    const char *h[2] = {l->auth, NULL};

    while (!l->stop) {
        struct resp r = http_req(pool, l->s, "GET", "/api/v1/session", NULL, 0, NULL, h);
        pthread_mutex_lock(&l->mu);
        if (r.status == 200) {
            l->ok++;
        } else if (r.status == 503 && strstr(r.body, "\"code\":\"unavailable\"")) {
            l->unavailable++;
        } else {
            l->other++;
            snprintf(l->other_body, sizeof(l->other_body), "%ld %s", r.status, r.body);
        }
        pthread_mutex_unlock(&l->mu);
        jy_pool_reset(pool);
    }
    jy_pool_destroy(pool);
    return NULL;
}


static long
counted(struct load *l, long *which)
{
    long v;

    pthread_mutex_lock(&l->mu);
    v = *which;
    pthread_mutex_unlock(&l->mu);
    return v;
}


static void
test_database_restart_under_load(void)
{
    struct jy_err err = JY_ERR_INIT;
    const char *bin = getenv("JIYUE_BIN"), *dir, *db;
    struct jy_auth_policy *policy;
    struct jy_auth_user_new u = {"editor1", "编辑", NULL, NULL, NULL, 0};
    struct jy_db *owner;
    struct load l;
    pthread_t th[3];
    struct srv s;
    long before;
    int i;

    memset(&fx, 0, sizeof(fx));
    fx.pool = jy_pool_create(0);
    dir = jy_test_tmpdir();
    T_EQ_INT(jy_test_system("%s --log-level warn db start --data %s/pg", bin, dir), 0);
    T_EQ_INT(jy_test_system("%s --log-level warn --db 'host=%s/pg dbname=postgres user=jiyue'"
                            " db exec 'CREATE DATABASE jy'",
                            bin, dir),
             0);
    db = jy_pool_printf(fx.pool, "host=%s/pg dbname=jy user=jiyue", dir);
    T_EQ_INT(jy_test_system("%s --log-level warn --db '%s' migrate >/dev/null", bin, db), 0);
    owner = jy_db_connect(db, &err);
    T_ASSERT(owner != NULL);
    policy = jy_auth_policy_load(fx.pool, jy_test_path("sites/common-passwords.txt"), &err);
    T_ASSERT(policy != NULL);
    T_EQ_INT(jy_auth_user_create(owner, policy, &u, PW, NULL, &err), JY_OK);

    {
        static const char *const sets[] = {"workers=2", "http_auth_cache=0", NULL};
        srv_start(&s, fx.pool, db, sets);
    }
    memset(&l, 0, sizeof(l));
    l.s = &s;
    l.auth = bearer(owner, "editor1");
    jy_db_close(owner);
    pthread_mutex_init(&l.mu, NULL);
    for (i = 0; i < 3; i++)
        T_EQ_INT(pthread_create(&th[i], NULL, load_run, &l), 0);
    while (counted(&l, &l.ok) < 50)
        usleep(10000);

    /* the database goes away under load: 503s, and nothing else */
    T_EQ_INT(jy_test_system("%s --log-level warn db stop --data %s/pg", bin, dir), 0);
    while (counted(&l, &l.unavailable) < 20)
        usleep(10000);
    T_EQ_INT(kill(s.pid, 0), 0);

    /* it comes back: answers are 200 again, without restarting jiyue */
    T_EQ_INT(jy_test_system("%s --log-level warn db start --data %s/pg", bin, dir), 0);
    before = counted(&l, &l.ok);
    while (counted(&l, &l.ok) < before + 50)
        usleep(10000);
    l.stop = 1;
    for (i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    if (l.other)
        jy_test_fail(__FILE__, __LINE__, "%ld answers were neither 200 nor 503 JSON, e.g. %s",
                     l.other, l.other_body);
    T_ASSERT(l.unavailable >= 20);
    T_EQ_INT(srv_stop(&s, SIGTERM), 0);
    T_EQ_INT(jy_test_system("%s --log-level warn db stop --data %s/pg", bin, dir), 0);
    jy_pool_destroy(fx.pool);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_sigterm_finishes_in_flight),
        T_CASE(test_database_restart_under_load),
    };

    curl_global_init(CURL_GLOBAL_ALL);
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
