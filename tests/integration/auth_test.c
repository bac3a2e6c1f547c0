/*
 * auth_test.c - users, logins, throttling, sessions and API tokens against a
 * real PostgreSQL (core/auth.h, schema/0010_auth.sql).
 *
 * All cases share one migrated database (a test program may make only a few)
 * and keep apart by using logins and client addresses of their own. Hashes
 * use the cheap test cost except where the cost itself is tested.
 */
#include "core/compat.h"
#include "core/auth.h"
#include "core/db.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"
#include "tests/test.h"

#include <fcntl.h>
#include <unistd.h>

#define PW   "Bamboo-River-7"
#define PW2  "Quiet-Lake-42"
#define SAME "invalid login name or password"

static struct jy_db *db;
static struct jy_pool *pool;
static struct jy_auth_policy *policy;


static void
setup(void)
{
    struct jy_err err = JY_ERR_INIT;

    jy_auth_set_cost(JY_AUTH_COST_TEST);
    if (db)
        return;
    pool = jy_pool_create(0);
    db = jy_db_connect(jy_test_db_create(true), &err);
    if (db == NULL)
        jy_test_fail(__FILE__, __LINE__, "connect: %s (%s)", err.msg, err.detail);
    policy = jy_auth_policy_load(pool, jy_test_path("sites/common-passwords.txt"), &err);
    T_ASSERT(policy != NULL);
}


/* First value of a query with up to 3 parameters (NULL: no row or SQL NULL). */
static const char *
sql(const char *q, const char *a, const char *b, const char *c)
{
    struct jy_err err = JY_ERR_INIT;
    const char *p[3] = {a, b, c};
    int n = c ? 3 : b ? 2 : a ? 1 : 0;
    struct jy_db_res *res = jy_db_query(db, pool, q, n, p, &err);

    if (res == NULL)
        jy_test_fail(__FILE__, __LINE__, "%s\n    %s (%s)", q, err.msg, err.detail);
    return jy_db_res_rows(res) ? jy_db_res_get(res, 0, 0) : NULL;
}


static long long
mkuser(const char *login, const char *password)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_auth_user_new u = {login, "测试用户", "省政务服务中心", NULL, NULL, 0};
    long long id = 0;

    if (jy_auth_user_create(db, policy, &u, password, &id, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "create \"%s\": %s (%s)", login, err.msg, err.detail);
    T_ASSERT(id > 0);
    return id;
}


static int
try_login(const char *login, const char *password, const char *addr, struct jy_auth_login_res *res,
          struct jy_err *err)
{
    struct jy_auth_login_req req = {login, password, addr, "Mozilla/5.0 (test)"};

    jy_err_clear(err);
    return jy_auth_login(db, &req, res, err);
}


static void
login_ok(const char *login, const char *password, struct jy_auth_login_res *res)
{
    struct jy_err err = JY_ERR_INIT;

    if (try_login(login, password, NULL, res, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "login \"%s\": %s (%s)", login, err.msg, err.detail);
    T_EQ_INT(strlen(res->token), JY_AUTH_SESSION_TOKEN_LEN);
}


static bool
session_ok(const char *token, long long *uid)
{
    struct jy_err err = JY_ERR_INIT;
    long long dummy;
    int rc = jy_auth_session_check(db, token, uid ? uid : &dummy, &err);

    if (rc != JY_OK) {
        T_EQ_INT(err.code, JY_E_FORBIDDEN);
        T_EQ_STR(err.msg, "session is not valid");
    }
    return rc == JY_OK;
}


static bool
token_ok(const char *token)
{
    struct jy_err err = JY_ERR_INIT;
    long long uid;
    int rc = jy_auth_token_check(db, token, &uid, &err);

    if (rc != JY_OK) {
        T_EQ_INT(err.code, JY_E_FORBIDDEN);
        T_EQ_STR(err.msg, "API token is not valid");
    }
    return rc == JY_OK;
}


static void
test_create_login_and_check(void)
{
    struct jy_auth_login_res res;
    long long id, uid = 0;

    setup();
    id = mkuser("wangfang", PW);
    T_CONTAINS(sql("SELECT password_hash FROM app_user WHERE login = 'wangfang'", NULL, NULL, NULL),
               "$argon2id$v=19$m=8,t=1,p=1$");
    login_ok("wangfang", PW, &res);
    T_EQ_INT(res.user_id, id);
    T_ASSERT(res.session_id > 0);
    T_ASSERT(!res.rehashed);
    T_ASSERT(session_ok(res.token, &uid));
    T_EQ_INT(uid, id);
    /* stored hashed, never in clear; lifetimes as documented */
    T_EQ_STR(sql("SELECT count(*) FROM user_session WHERE token_hash = $1", res.token, NULL, NULL),
             "0");
    T_EQ_STR(sql("SELECT idle_timeout = interval '30 minutes' AND expires_at - created_at = "
                 "interval '12 hours' AND user_agent = 'Mozilla/5.0 (test)' FROM user_session "
                 "WHERE id = $1::bigint",
                 jy_pool_printf(pool, "%lld", res.session_id), NULL, NULL),
             "t");
    T_EQ_STR(sql("SELECT last_login_at IS NOT NULL FROM app_user WHERE id = $1::bigint",
                 jy_pool_printf(pool, "%lld", id), NULL, NULL),
             "t");
    T_EQ_STR(sql("SELECT string_agg(reason, ',') FROM login_attempt WHERE login = 'wangfang'", NULL,
                 NULL, NULL),
             "ok");
    T_EQ_STR(sql("SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE object_id = "
                 "$1 AND object_type = 'app_user' AND action LIKE '%.%'",
                 jy_pool_printf(pool, "%lld", id), NULL, NULL),
             "user.create");
    T_EQ_STR(sql("SELECT user_id || ' ' || login FROM audit_log WHERE action = 'session.login' "
                 "AND object_id = $1",
                 jy_pool_printf(pool, "%lld", res.session_id), NULL, NULL),
             jy_pool_printf(pool, "%lld wangfang", id));
}


static void
test_unknown_login_looks_like_wrong_password(void)
{
    struct jy_auth_login_res res;
    struct jy_err e1 = JY_ERR_INIT, e2 = JY_ERR_INIT, e3 = JY_ERR_INIT;
    unsigned long n0, n1, n2, n3;

    setup();
    mkuser("zhaolei", PW);
    mkuser("nopass", NULL);
    n0 = jy_auth_verify_count();
    T_EQ_INT(try_login("zhaolei", "Wrong-Pass-99", NULL, &res, &e1), JY_ERROR);
    n1 = jy_auth_verify_count();
    T_EQ_INT(try_login("nobody-here", "Wrong-Pass-99", NULL, &res, &e2), JY_ERROR);
    n2 = jy_auth_verify_count();
    T_EQ_INT(try_login("nopass", "", NULL, &res, &e3), JY_ERROR);
    n3 = jy_auth_verify_count();
    /* the same answer, and the same work: one argon2id verification each */
    T_EQ_INT(e1.code, JY_E_FORBIDDEN);
    T_EQ_INT(e2.code, e1.code);
    T_EQ_INT(e3.code, e1.code);
    T_EQ_STR(e1.msg, SAME);
    T_EQ_STR(e2.msg, e1.msg);
    T_EQ_STR(e3.msg, e1.msg);
    T_EQ_STR(e2.hint, e1.hint);
    T_EQ_INT(n1 - n0, 1);
    T_EQ_INT(n2 - n1, 1);
    T_EQ_INT(n3 - n2, 1);
    T_ASSERT(res.token[0] == '\0');
    /* the record says which */
    T_EQ_STR(sql("SELECT string_agg(reason, ',' ORDER BY id) FROM login_attempt WHERE login IN "
                 "('zhaolei', 'nobody-here', 'nopass')",
                 NULL, NULL, NULL),
             "bad_password,unknown_login,no_password");
    T_EQ_STR(sql("SELECT count(*) FROM audit_log WHERE action = 'session.login_failed' AND "
                 "after->>'login' IN ('zhaolei', 'nobody-here', 'nopass')",
                 NULL, NULL, NULL),
             "3");
}


static void
test_login_name_is_normalised(void)
{
    struct jy_auth_login_res res;
    struct jy_err err = JY_ERR_INIT;
    char junk[300];

    setup();
    mkuser("chenjing", PW);
    login_ok("  ChenJing ", PW, &res);
    T_EQ_INT(try_login("", PW, NULL, &res, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_STR(err.msg, "login name is required");
    /* a long login of bytes that are not UTF-8 is recorded cut and cleaned, and refused */
    memset(junk, 0xff, sizeof(junk) - 1);
    junk[sizeof(junk) - 1] = '\0';
    T_EQ_INT(try_login(junk, PW, NULL, &res, &err), JY_ERROR);
    T_EQ_STR(err.msg, SAME);
    T_EQ_STR(sql("SELECT octet_length(login) || ' ' || reason FROM login_attempt WHERE login LIKE "
                 "'??%' ORDER BY id DESC LIMIT 1",
                 NULL, NULL, NULL),
             "128 unknown_login");
    T_EQ_INT(try_login("chenjing", PW, "not-an-address", &res, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_CONTAINS(err.msg, "invalid client address");
}


static void
test_create_refuses_bad_input(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_auth_user_new u = {"sunli", "孙丽", NULL, NULL, NULL, 0};

    setup();
    T_EQ_INT(jy_auth_user_create(db, policy, &u, "Sunli-2024-pw", NULL, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_CONTAINS(err.msg, "must not contain the login name \"sunli\"");
    T_EQ_INT(jy_auth_user_create(db, policy, &u, "Password123!", NULL, &err), JY_ERROR);
    T_CONTAINS(err.msg, "password is too common");
    T_EQ_STR(sql("SELECT count(*) FROM app_user WHERE login = 'sunli'", NULL, NULL, NULL), "0");
    u.phone = "12345";
    T_EQ_INT(jy_auth_user_create(db, policy, &u, PW, NULL, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_STR(err.field, "phone");
    T_CONTAINS(err.msg, "phone \"12345\"");
    u.phone = "0871-12345678";
    u.email = "sunli-at-example";
    T_EQ_INT(jy_auth_user_create(db, policy, &u, PW, NULL, &err), JY_ERROR);
    T_EQ_STR(err.field, "email");
    u.email = "sunli@example.gov.cn";
    T_EQ_INT(jy_auth_user_create(db, policy, &u, PW, NULL, &err), JY_OK);
    T_EQ_INT(jy_auth_user_create(db, policy, &u, PW, NULL, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_EQ_STR(err.msg, "user \"sunli\" already exists");
    u.login = "Sun Li";
    T_EQ_INT(jy_auth_user_create(db, policy, &u, PW, NULL, &err), JY_ERROR);
    T_EQ_STR(err.field, "login");
    T_CONTAINS(err.msg, "login name \"Sun Li\" must be");
}


static void
test_disabled_user_cannot_log_in(void)
{
    struct jy_auth_login_res res;
    struct jy_err err = JY_ERR_INIT;

    setup();
    mkuser("liuyang2", PW);
    T_EQ_INT(jy_auth_user_disable(db, "liuyang2", &err), JY_OK);
    T_EQ_INT(try_login("liuyang2", PW, NULL, &res, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_EQ_STR(err.msg, "user \"liuyang2\" is disabled");
    /* without the right password a disabled account looks like any other */
    T_EQ_INT(try_login("liuyang2", "Wrong-Pass-99", NULL, &res, &err), JY_ERROR);
    T_EQ_STR(err.msg, SAME);
    T_EQ_INT(jy_auth_user_disable(db, "liuyang2", &err), JY_DONE);
    T_EQ_INT(jy_auth_user_enable(db, "liuyang2", &err), JY_OK);
    login_ok("liuyang2", PW, &res);
    T_EQ_INT(jy_auth_user_enable(db, "liuyang2", &err), JY_DONE);
    T_EQ_INT(jy_auth_user_disable(db, "no-such-user", &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
}


static void
test_disable_ends_sessions_and_tokens_at_once(void)
{
    struct jy_auth_login_res a, b;
    struct jy_err err = JY_ERR_INIT;
    char token[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];
    const char *id;

    setup();
    id = jy_pool_printf(pool, "%lld", mkuser("huangmin", PW));
    login_ok("huangmin", PW, &a);
    login_ok("huangmin", PW, &b);
    T_EQ_INT(jy_auth_token_create(db, "huangmin", "sync", 0, token, prefix, &err), JY_OK);
    T_ASSERT(session_ok(a.token, NULL) && session_ok(b.token, NULL) && token_ok(token));
    T_EQ_INT(jy_auth_user_disable(db, "huangmin", &err), JY_OK);
    T_ASSERT(!session_ok(a.token, NULL));
    T_ASSERT(!session_ok(b.token, NULL));
    T_ASSERT(!token_ok(token));
    T_EQ_STR(sql("SELECT count(*) FILTER (WHERE revoked_reason = 'user disabled') || '/' || "
                 "count(*) FROM user_session WHERE user_id = $1::bigint",
                 id, NULL, NULL),
             "2/2");
    T_EQ_STR(sql("SELECT revoked_reason FROM api_token WHERE user_id = $1::bigint", id, NULL, NULL),
             "user disabled");
    T_EQ_STR(sql("SELECT (after->>'sessions_ended') || '/' || (after->>'tokens_ended') FROM "
                 "audit_log WHERE action = 'user.disable' AND object_id = $1",
                 id, NULL, NULL),
             "2/1");
    /* enabling does not bring them back, and no new token for a disabled user */
    T_EQ_INT(jy_auth_user_enable(db, "huangmin", &err), JY_OK);
    T_ASSERT(!session_ok(a.token, NULL));
    T_ASSERT(!token_ok(token));
    T_EQ_INT(jy_auth_user_disable(db, "huangmin", &err), JY_OK);
    T_EQ_INT(jy_auth_token_create(db, "huangmin", "sync2", 0, token, prefix, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_ASSERT(token[0] == '\0');
}


static void
test_disable_in_plain_sql_ends_sessions(void)
{
    struct jy_auth_login_res a;
    struct jy_err err = JY_ERR_INIT;
    char token[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];
    const char *id, *p[1];

    setup();
    id = jy_pool_printf(pool, "%lld", mkuser("songtao", PW));
    login_ok("songtao", PW, &a);
    T_EQ_INT(jy_auth_token_create(db, "songtao", "report", 0, token, prefix, &err), JY_OK);
    /* a hand-written UPDATE that knows nothing of sessions: the trigger does it */
    sql("UPDATE app_user SET disabled = true, disabled_at = now() WHERE id = $1::bigint", id, NULL,
        NULL);
    T_ASSERT(!session_ok(a.token, NULL));
    T_ASSERT(!token_ok(token));
    T_EQ_STR(sql("SELECT count(*) FROM user_session WHERE user_id = $1::bigint AND revoked_at IS "
                 "NULL",
                 id, NULL, NULL),
             "0");
    /* nor can SQL give a disabled user a new session */
    p[0] = id;
    T_ASSERT(jy_db_query(db, pool,
                         "INSERT INTO user_session (token_hash, user_id, idle_timeout, expires_at)"
                         " VALUES (repeat('a', 64), $1::bigint, '30 min', now() + '1 h')",
                         1, p, &err) == NULL);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_CONTAINS(err.msg, "is disabled");
}


static void
test_throttle_after_five_failures(void)
{
    struct jy_auth_login_res res;
    struct jy_err err = JY_ERR_INIT;
    unsigned long n;
    const char *until;
    int i;

    setup();
    mkuser("guojun", PW);
    mkuser("guojun2", PW);
    for (i = 0; i < JY_AUTH_THROTTLE_LOGIN_FAILURES; i++) {
        T_EQ_INT(try_login("guojun", "Wrong-Pass-99", "198.51.100.1", &res, &err), JY_ERROR);
        T_EQ_STR(err.msg, SAME);
    }
    /* now even the right password is refused, without looking at it */
    n = jy_auth_verify_count();
    T_EQ_INT(try_login("guojun", PW, "198.51.100.1", &res, &err), JY_ERROR);
    T_EQ_INT(jy_auth_verify_count(), n);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    until = sql("SELECT to_char((max(at) + interval '15 minutes') AT TIME ZONE 'Asia/Shanghai', "
                "'YYYY-MM-DD HH24:MI:SS') FROM login_attempt WHERE login = 'guojun' AND NOT "
                "success AND reason = 'bad_password'",
                NULL, NULL, NULL);
    T_EQ_STR(err.msg, jy_pool_printf(pool,
                                     "too many failed logins for \"guojun\": try again after %s "
                                     "(Asia/Shanghai)",
                                     until));
    /* any login string is throttled alike: the answer does not tell which exist */
    for (i = 0; i < JY_AUTH_THROTTLE_LOGIN_FAILURES; i++)
        try_login("ghost-user", "Wrong-Pass-99", "198.51.100.1", &res, &err);
    T_EQ_INT(try_login("ghost-user", PW, "198.51.100.1", &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "too many failed logins for \"ghost-user\"");
    /* another login from the same address is not locked out */
    login_ok("guojun2", PW, &res);
    T_EQ_STR(sql("SELECT count(*) FROM login_attempt WHERE login = 'guojun' AND reason = "
                 "'throttled_login'",
                 NULL, NULL, NULL),
             "1");
    T_EQ_STR(sql("SELECT after->>'reason' FROM audit_log WHERE action = 'session.login_failed' "
                 "AND after->>'login' = 'guojun' ORDER BY id DESC LIMIT 1",
                 NULL, NULL, NULL),
             "throttled_login");
}


static void
test_throttle_lock_ends_and_knocking_does_not_prolong_it(void)
{
    struct jy_auth_login_res res;
    struct jy_err err = JY_ERR_INIT;
    int i;

    setup();
    mkuser("maqiang", PW);
    for (i = 0; i < JY_AUTH_THROTTLE_LOGIN_FAILURES; i++)
        try_login("maqiang", "Wrong-Pass-99", NULL, &res, &err);
    /* as many knocks as it takes to lock: they must not count */
    for (i = 0; i < JY_AUTH_THROTTLE_LOGIN_FAILURES; i++) {
        T_EQ_INT(try_login("maqiang", PW, NULL, &res, &err), JY_ERROR);
        T_CONTAINS(err.msg, "too many failed logins");
    }
    /* 16 minutes later (moved in the database), the lock is over */
    sql("UPDATE login_attempt SET at = at - interval '16 minutes' WHERE login = 'maqiang' AND "
        "reason = 'bad_password'",
        NULL, NULL, NULL);
    login_ok("maqiang", PW, &res);
}


static void
test_success_resets_the_login_count(void)
{
    struct jy_auth_login_res res;
    struct jy_err err = JY_ERR_INIT;
    int i;

    setup();
    mkuser("yanghui", PW);
    for (i = 0; i < JY_AUTH_THROTTLE_LOGIN_FAILURES - 1; i++)
        try_login("yanghui", "Wrong-Pass-99", NULL, &res, &err);
    login_ok("yanghui", PW, &res);
    for (i = 0; i < JY_AUTH_THROTTLE_LOGIN_FAILURES - 1; i++)
        try_login("yanghui", "Wrong-Pass-99", NULL, &res, &err);
    login_ok("yanghui", PW, &res);
}


static void
test_throttle_by_client_address(void)
{
    struct jy_auth_login_res res;
    struct jy_err err = JY_ERR_INIT;
    int i;

    setup();
    mkuser("zhouyan", PW);
    /* 20 failures over many logins (4 each: no login lock) from one address */
    for (i = 0; i < JY_AUTH_THROTTLE_ADDR_FAILURES; i++) {
        char login[32];
        snprintf(login, sizeof(login), "guess%d", i / 4);
        T_EQ_INT(try_login(login, "Wrong-Pass-99", "2001:db8::7", &res, &err), JY_ERROR);
        T_EQ_STR(err.msg, SAME);
    }
    T_EQ_INT(try_login("zhouyan", PW, "2001:db8::7", &res, &err), JY_ERROR);
    T_CONTAINS(err.msg, "too many failed logins from this address: try again after ");
    T_CONTAINS(err.msg, "(Asia/Shanghai)");
    /* the same person from another address is fine */
    T_EQ_INT(try_login("zhouyan", PW, "203.0.113.9", &res, &err), JY_OK);
    T_EQ_STR(sql("SELECT host(client_addr) FROM user_session WHERE id = $1::bigint",
                 jy_pool_printf(pool, "%lld", res.session_id), NULL, NULL),
             "203.0.113.9");
}


/* Capture the log lines written while fn runs. */
static const char *
with_log(void (*fn)(void *), void *arg)
{
    const char *dir = jy_test_tmpdir();
    char path[700], text[8192];
    int fd;
    ssize_t n;
    enum jy_log_level old = jy_log_min_level;

    snprintf(path, sizeof(path), "%s/log", dir);
    fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    T_ASSERT(fd >= 0);
    jy_log_set_fd(fd);
    jy_log_min_level = JY_LOG_INFO;
    fn(arg);
    jy_log_set_fd(2);
    jy_log_min_level = old;
    lseek(fd, 0, SEEK_SET);
    n = read(fd, text, sizeof(text) - 1);
    close(fd);
    text[n > 0 ? n : 0] = '\0';
    return jy_pool_strdup(pool, text);
}


static void
check_refused(void *token)
{
    T_ASSERT(!session_ok(token, NULL));
}


static void
test_session_lifetime_and_idle_timeout(void)
{
    struct jy_auth_login_res a, b;
    const char *log;

    setup();
    mkuser("xuming", PW);
    login_ok("xuming", PW, &a);
    login_ok("xuming", PW, &b);
    /* absolute lifetime over (however active) */
    sql("UPDATE user_session SET created_at = now() - interval '13 hours', expires_at = now() - "
        "interval '1 hour' WHERE id = $1::bigint",
        jy_pool_printf(pool, "%lld", a.session_id), NULL, NULL);
    log = with_log(check_refused, a.token);
    T_CONTAINS(log, "refused: expired (lifetime)");
    /* idle for 31 minutes */
    sql("UPDATE user_session SET last_seen_at = now() - interval '31 minutes' WHERE id = "
        "$1::bigint",
        jy_pool_printf(pool, "%lld", b.session_id), NULL, NULL);
    log = with_log(check_refused, b.token);
    T_CONTAINS(log, "refused: expired (idle)");
    /* the log names the session, never the token */
    T_ASSERT(strstr(log, b.token) == NULL);
}


static void
test_last_seen_written_at_most_once_a_minute(void)
{
    struct jy_auth_login_res a;
    const char *id;

    setup();
    mkuser("hujing", PW);
    login_ok("hujing", PW, &a);
    id = jy_pool_printf(pool, "%lld", a.session_id);
    sql("UPDATE user_session SET last_seen_at = now() - interval '30 seconds' WHERE id = $1::bigint",
        id, NULL, NULL);
    T_ASSERT(session_ok(a.token, NULL));
    T_EQ_STR(sql("SELECT now() - last_seen_at >= interval '29 seconds' FROM user_session WHERE id "
                 "= $1::bigint",
                 id, NULL, NULL),
             "t");
    sql("UPDATE user_session SET last_seen_at = now() - interval '25 minutes' WHERE id = $1::bigint",
        id, NULL, NULL);
    T_ASSERT(session_ok(a.token, NULL));
    T_EQ_STR(sql("SELECT now() - last_seen_at < interval '10 seconds' FROM user_session WHERE id = "
                 "$1::bigint",
                 id, NULL, NULL),
             "t");
}


static void
test_unknown_and_malformed_session_tokens(void)
{
    char t[JY_AUTH_SESSION_TOKEN_LEN + 1];
    const char *log;

    setup();
    jy_auth_session_token_new(t);
    log = with_log(check_refused, t);
    T_CONTAINS(log, "session refused: unknown token");
    T_ASSERT(strstr(log, t) == NULL);
    log = with_log(check_refused, (void *) "'; DROP TABLE user_session; --");
    T_CONTAINS(log, "session refused: malformed token");
    T_ASSERT(!session_ok("", NULL));
}


static void
test_logout(void)
{
    struct jy_auth_login_res a;
    struct jy_err err = JY_ERR_INIT;

    setup();
    mkuser("dengli", PW);
    login_ok("dengli", PW, &a);
    T_EQ_INT(jy_auth_session_revoke(db, a.token, &err), JY_OK);
    T_ASSERT(!session_ok(a.token, NULL));
    T_EQ_INT(jy_auth_session_revoke(db, a.token, &err), JY_ERROR);
    T_EQ_STR(err.msg, "session is not valid");
    T_EQ_STR(sql("SELECT revoked_reason FROM user_session WHERE id = $1::bigint",
                 jy_pool_printf(pool, "%lld", a.session_id), NULL, NULL),
             "logout");
    T_EQ_STR(sql("SELECT login FROM audit_log WHERE action = 'session.logout' AND object_id = $1",
                 jy_pool_printf(pool, "%lld", a.session_id), NULL, NULL),
             "dengli");
}


static void
test_api_token_create_check_list_revoke(void)
{
    struct jy_err err = JY_ERR_INIT;
    char token[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];
    char other[JY_AUTH_API_TOKEN_LEN + 1], oprefix[JY_AUTH_API_PREFIX_LEN + 1];
    struct jy_auth_token_info *list;
    long long uid = 0, id;
    size_t n;

    setup();
    id = mkuser("tanglei", PW);
    T_EQ_INT(jy_auth_token_create(db, "tanglei", "nightly import", 30, token, prefix, &err), JY_OK);
    T_EQ_INT(jy_auth_token_create(db, "tanglei", "monitor", 0, other, oprefix, &err), JY_OK);
    T_ASSERT(jy_auth_api_token_ok(token));
    T_ASSERT(strncmp(token, prefix, JY_AUTH_API_PREFIX_LEN) == 0);
    T_EQ_INT(strlen(prefix), 11);
    T_EQ_INT(jy_auth_token_check(db, token, &uid, &err), JY_OK);
    T_EQ_INT(uid, id);
    T_EQ_STR(sql("SELECT last_used_at IS NOT NULL AND expires_at - created_at = interval '30 "
                 "days' FROM api_token WHERE token_prefix = $1",
                 prefix, NULL, NULL),
             "t");
    T_EQ_STR(sql("SELECT count(*) FROM api_token WHERE token_hash = $1 OR token_prefix = $1", token,
                 NULL, NULL),
             "0");
    T_EQ_INT(jy_auth_token_list(db, pool, "tanglei", &list, &n, &err), JY_OK);
    T_EQ_INT(n, 2);
    T_EQ_STR(list[0].prefix, prefix);
    T_EQ_STR(list[0].name, "nightly import");
    T_ASSERT(list[0].valid && list[0].expires_at && list[0].last_used_at);
    T_ASSERT(list[1].expires_at == NULL && list[1].last_used_at == NULL);
    /* revoke one by its prefix: the other keeps working */
    T_EQ_INT(jy_auth_token_revoke(db, "tanglei", prefix, &err), JY_OK);
    T_ASSERT(!token_ok(token));
    T_ASSERT(token_ok(other));
    T_EQ_INT(jy_auth_token_revoke(db, "tanglei", prefix, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    /* another user's token cannot be revoked through this user */
    mkuser("tanglei2", PW);
    T_EQ_INT(jy_auth_token_revoke(db, "tanglei2", oprefix, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_ASSERT(token_ok(other));
    T_EQ_INT(jy_auth_token_revoke(db, "tanglei", "abc", &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_INT(jy_auth_token_list(db, pool, "tanglei", &list, &n, &err), JY_OK);
    T_ASSERT(!list[0].valid && list[0].revoked_at &&
             strcmp(list[0].revoked_reason, "revoked") == 0);
    T_EQ_STR(sql("SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE object_type = "
                 "'api_token' AND after->>'token_prefix' = $1",
                 prefix, NULL, NULL),
             "token.create,token.revoke");
}


static void
test_api_token_expiry_and_bad_input(void)
{
    struct jy_err err = JY_ERR_INIT;
    char token[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];
    char fake[JY_AUTH_API_TOKEN_LEN + 1];

    setup();
    mkuser("luohua", PW);
    T_EQ_INT(jy_auth_token_create(db, "luohua", "short-lived", 1, token, prefix, &err), JY_OK);
    T_ASSERT(token_ok(token));
    sql("UPDATE api_token SET created_at = now() - interval '3 days', expires_at = now() - "
        "interval '1 day' WHERE token_prefix = $1",
        prefix, NULL, NULL);
    T_ASSERT(!token_ok(token));
    jy_auth_api_token_new(fake);
    T_ASSERT(!token_ok(fake));
    T_ASSERT(!token_ok("jy_"));
    T_EQ_INT(jy_auth_token_create(db, "luohua", "", 0, token, prefix, &err), JY_ERROR);
    T_EQ_STR(err.field, "name");
    T_EQ_INT(jy_auth_token_create(db, "luohua", " padded", 0, token, prefix, &err), JY_ERROR);
    T_EQ_STR(err.field, "name");
    T_EQ_INT(
        jy_auth_token_create(db, "luohua", "x", JY_AUTH_TOKEN_MAX_DAYS + 1, token, prefix, &err),
        JY_ERROR);
    T_EQ_STR(err.field, "expires");
    T_EQ_INT(jy_auth_token_create(db, "nobody-at-all", "x", 0, token, prefix, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_EQ_STR(err.msg, "user \"nobody-at-all\" does not exist");
}


static void
test_rehash_when_cost_rises(void)
{
    struct jy_auth_login_res res;
    const char *h;

    setup();
    mkuser("fengyu", PW);
    jy_auth_set_cost(JY_AUTH_COST_INTERACTIVE);
    login_ok("fengyu", PW, &res);
    T_ASSERT(res.rehashed);
    h = sql("SELECT password_hash FROM app_user WHERE login = 'fengyu'", NULL, NULL, NULL);
    T_CONTAINS(h, "$argon2id$v=19$m=65536,t=2,p=1$");
    login_ok("fengyu", PW, &res);
    T_ASSERT(!res.rehashed);
    /* a lower cost never downgrades a hash */
    jy_auth_set_cost(JY_AUTH_COST_TEST);
    login_ok("fengyu", PW, &res);
    T_ASSERT(!res.rehashed);
    T_EQ_STR(sql("SELECT password_hash FROM app_user WHERE login = 'fengyu'", NULL, NULL, NULL), h);
    T_EQ_STR(sql("SELECT string_agg(after->>'password_rehashed', ',' ORDER BY id) FROM audit_log "
                 "WHERE action = 'session.login' AND login = 'fengyu'",
                 NULL, NULL, NULL),
             "true,false,false");
}


static void
test_new_password_ends_sessions(void)
{
    struct jy_auth_login_res a, b;
    struct jy_err err = JY_ERR_INIT;
    char token[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];
    const char *before;

    setup();
    mkuser("jiangtao", PW);
    login_ok("jiangtao", PW, &a);
    T_EQ_INT(jy_auth_token_create(db, "jiangtao", "backup", 0, token, prefix, &err), JY_OK);
    before = sql("SELECT password_hash FROM app_user WHERE login = 'jiangtao'", NULL, NULL, NULL);
    T_EQ_INT(jy_auth_user_set_password(db, policy, "jiangtao", "qwerty12345", &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_STR(sql("SELECT password_hash FROM app_user WHERE login = 'jiangtao'", NULL, NULL, NULL),
             before);
    T_ASSERT(session_ok(a.token, NULL));
    T_EQ_INT(jy_auth_user_set_password(db, policy, "jiangtao", PW2, &err), JY_OK);
    T_ASSERT(!session_ok(a.token, NULL));
    T_ASSERT(token_ok(token)); /* scripts keep their tokens */
    T_EQ_INT(try_login("jiangtao", PW, NULL, &b, &err), JY_ERROR);
    login_ok("jiangtao", PW2, &b);
    T_EQ_INT(jy_auth_user_set_password(db, policy, "nobody-xyz", PW2, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
}


static void
test_user_list(void)
{
    struct jy_auth_user_info *users;
    struct jy_auth_login_res a;
    struct jy_err err = JY_ERR_INIT;
    char token[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];
    size_t n, i;
    bool seen = false;

    setup();
    mkuser("zzlist", PW);
    login_ok("zzlist", PW, &a);
    T_EQ_INT(jy_auth_token_create(db, "zzlist", "t", 0, token, prefix, &err), JY_OK);
    T_EQ_INT(jy_auth_user_list(db, pool, &users, &n, &err), JY_OK);
    T_ASSERT(n >= 1);
    for (i = 0; i < n; i++) {
        if (i > 0)
            T_ASSERT(strcmp(users[i - 1].login, users[i].login) < 0);
        if (strcmp(users[i].login, "zzlist") == 0) {
            seen = true;
            T_EQ_INT(users[i].sessions, 1);
            T_EQ_INT(users[i].tokens, 1);
            T_ASSERT(users[i].has_password && !users[i].disabled && users[i].last_login_at);
            T_EQ_STR(users[i].organisation, "省政务服务中心");
        }
    }
    T_ASSERT(seen);
}


static void
test_audit_log_holds_no_secrets(void)
{
    struct jy_auth_login_res a;
    struct jy_err err = JY_ERR_INIT;
    char token[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];

    setup();
    mkuser("secretive", PW);
    login_ok("secretive", PW, &a);
    T_EQ_INT(jy_auth_session_revoke(db, a.token, &err), JY_OK);
    T_EQ_INT(try_login("secretive", PW2, NULL, &a, &err), JY_ERROR);
    login_ok("secretive", PW, &a);
    T_EQ_INT(jy_auth_token_create(db, "secretive", "ci", 0, token, prefix, &err), JY_OK);
    T_EQ_INT(jy_auth_user_set_password(db, policy, "secretive", PW2, &err), JY_OK);
    T_EQ_INT(jy_auth_token_revoke(db, "secretive", prefix, &err), JY_OK);
    T_EQ_INT(jy_auth_user_disable(db, "secretive", &err), JY_OK);
    T_EQ_INT(jy_auth_user_enable(db, "secretive", &err), JY_OK);
    /* every action of this file was recorded ... */
    T_EQ_STR(sql("SELECT count(DISTINCT action) FROM audit_log WHERE action IN ('user.create', "
                 "'user.password', 'user.disable', 'user.enable', 'token.create', 'token.revoke', "
                 "'session.login', 'session.login_failed', 'session.logout')",
                 NULL, NULL, NULL),
             "9");
    /* ... and no row holds a password, a password hash, a token or a token hash */
    T_EQ_STR(sql("SELECT count(*) FROM audit_log a WHERE "
                 " concat(a.before::text, a.after::text) ~ '\\$argon2'"
                 " OR strpos(concat(a.before::text, a.after::text), $1) > 0"
                 " OR strpos(concat(a.before::text, a.after::text), $2) > 0"
                 " OR strpos(concat(a.before::text, a.after::text), $3) > 0"
                 " OR EXISTS (SELECT 1 FROM user_session s"
                 "   WHERE strpos(concat(a.before::text, a.after::text), s.token_hash) > 0)"
                 " OR EXISTS (SELECT 1 FROM api_token t"
                 "   WHERE strpos(concat(a.before::text, a.after::text), t.token_hash) > 0)"
                 " OR concat(a.before::text, a.after::text) ~ '(Bamboo-River-7|Quiet-Lake-42)'",
                 a.token, token, PW),
             "0");
    T_EQ_STR(sql("SELECT count(*) FROM audit_log WHERE concat(before::text, after::text) LIKE "
                 "'%password_hash%' OR concat(before::text, after::text) LIKE '%token_hash%'",
                 NULL, NULL, NULL),
             "0");
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_create_login_and_check),
        T_CASE(test_unknown_login_looks_like_wrong_password),
        T_CASE(test_login_name_is_normalised),
        T_CASE(test_create_refuses_bad_input),
        T_CASE(test_disabled_user_cannot_log_in),
        T_CASE(test_disable_ends_sessions_and_tokens_at_once),
        T_CASE(test_disable_in_plain_sql_ends_sessions),
        T_CASE(test_throttle_after_five_failures),
        T_CASE(test_throttle_lock_ends_and_knocking_does_not_prolong_it),
        T_CASE(test_success_resets_the_login_count),
        T_CASE(test_throttle_by_client_address),
        T_CASE(test_session_lifetime_and_idle_timeout),
        T_CASE(test_last_seen_written_at_most_once_a_minute),
        T_CASE(test_unknown_and_malformed_session_tokens),
        T_CASE(test_logout),
        T_CASE(test_api_token_create_check_list_revoke),
        T_CASE(test_api_token_expiry_and_bad_input),
        T_CASE(test_rehash_when_cost_rises),
        T_CASE(test_new_password_ends_sessions),
        T_CASE(test_user_list),
        T_CASE(test_audit_log_holds_no_secrets),
    };
    int rc;

    jy_log_min_level = JY_LOG_ERROR;
    rc = jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
    if (db)
        jy_db_close(db);
    jy_pool_destroy(pool);
    return rc;
}
