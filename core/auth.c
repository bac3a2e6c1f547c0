/*
 * auth.c - passwords, logins, sessions and API tokens; the rules are in
 * auth.h, the tables in schema/0010_auth.sql.
 */
#include "core/compat.h"
#include "core/auth.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/str.h"
#include "core/utf8.h"

#include <arpa/inet.h>
#include <stdatomic.h>

#include <sodium.h>

#define LOGIN_MAX_BYTES  128 /* login_attempt.login */
#define USER_AGENT_MAX   512 /* user_session.user_agent */
#define COMMON_MIN_CHARS 4   /* shorter list entries are ignored */
#define TZ               "Asia/Shanghai"
#define MSG_BAD_LOGIN    "invalid login name or password"
#define MSG_BAD_SESSION  "session is not valid"
#define MSG_BAD_TOKEN    "API token is not valid"

/*
 * Dummy hashes that unknown logins are verified against, one per cost, of a
 * random password nobody knows. Their parameters must be those of the cost
 * (tests/unit/auth_test.c checks it): the point is that they take exactly as
 * long as a real user's hash.
 */
static const char dummy_interactive[] = "$argon2id$v=19$m=65536,t=2,p=1$0VhwQXGdWtGSr14GWOWr7A$"
                                        "CejJWsQgfqPb5+2U8jWislydn0Yzs7IzUGrHErrR/DM";
static const char dummy_test[] = "$argon2id$v=19$m=8,t=1,p=1$Oktw9Bq8DbwCKu8PMTe6Bg$"
                                 "S5Y7SBNQjId3lXSx23M0zsHQLBWvub/FS9kX4V8GOZY";

static atomic_int auth_cost = JY_AUTH_COST_INTERACTIVE;
static atomic_ulong verify_count;

struct jy_auth_policy {
    char **common; /* lower-cased entries */
    size_t *common_len;
    size_t n;
};

/* An audit_log row; NULL fields fall back to the transaction's actor (jy_db_set_actor). */
struct audit_row {
    const char *user_id;
    const char *login;
    const char *client_addr;
    const char *action;
    const char *object_type;
    const char *object_id;
    const char *site_id;
    const char *before; /* JSON text or NULL */
    const char *after;
};


int
jy_auth_init(void)
{
    return sodium_init() < 0 ? JY_ERROR : JY_OK;
}


static void
auth_need_init(void)
{
    if (jy_auth_init() != JY_OK)
        JY_BUG("libsodium cannot be initialised");
}


void
jy_auth_set_cost(enum jy_auth_cost cost)
{
    atomic_store(&auth_cost, (int) cost);
    if (cost == JY_AUTH_COST_TEST)
        jy_log_warn("auth", "password_cost is \"test\": new password hashes are weak; "
                            "never use this setting outside tests");
}


enum jy_auth_cost
jy_auth_get_cost(void)
{
    return (enum jy_auth_cost) atomic_load(&auth_cost);
}


int
jy_auth_cost_parse(const char *name, enum jy_auth_cost *out, struct jy_err *err)
{
    if (strcmp(name, "interactive") == 0) {
        *out = JY_AUTH_COST_INTERACTIVE;
        return JY_OK;
    }
    if (strcmp(name, "test") == 0) {
        *out = JY_AUTH_COST_TEST;
        return JY_OK;
    }
    jy_err_set(err, JY_E_INVALID,
               "setting \"password_cost\" must be interactive or test, not \"%s\"", name);
    jy_err_field(err, "password_cost");
    return JY_ERROR;
}


static void
cost_params(unsigned long long *ops, size_t *mem)
{
    if (jy_auth_get_cost() == JY_AUTH_COST_TEST) {
        *ops = crypto_pwhash_OPSLIMIT_MIN;
        *mem = crypto_pwhash_MEMLIMIT_MIN;
    } else {
        *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    }
}


int
jy_auth_hash_password(const char *password, char out[JY_AUTH_HASH_SIZE], struct jy_err *err)
{
    unsigned long long ops;
    size_t mem;

    JY_ASSERT(JY_AUTH_HASH_SIZE >= crypto_pwhash_STRBYTES);
    auth_need_init();
    cost_params(&ops, &mem);
    if (crypto_pwhash_str_alg(out, password, strlen(password), ops, mem,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        jy_err_set(err, JY_E_INTERNAL, "could not hash the password: out of memory");
        jy_err_detail(err, "argon2id needs %zu KiB", mem / 1024);
        return JY_ERROR;
    }
    return JY_OK;
}


bool
jy_auth_verify_password(const char *hash, const char *password)
{
    auth_need_init();
    atomic_fetch_add(&verify_count, 1);
    if (hash == NULL || strlen(hash) >= crypto_pwhash_STRBYTES)
        return false;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}


bool
jy_auth_hash_is_weak(const char *hash)
{
    unsigned long long ops;
    size_t mem;
    const char *p;
    unsigned long m, t;
    char *end;

    auth_need_init();
    cost_params(&ops, &mem);
    if (strncmp(hash, "$argon2id$", 10) != 0)
        return true;
    if (crypto_pwhash_str_needs_rehash(hash, ops, mem) == 0)
        return false;
    /* parameters differ: weak only when one of them is lower (auth.h) */
    p = strstr(hash, "$m=");
    if (p == NULL)
        return true;
    m = strtoul(p + 3, &end, 10);
    if (strncmp(end, ",t=", 3) != 0)
        return true;
    t = strtoul(end + 3, &end, 10);
    return (unsigned long long) m * 1024 < mem || t < ops;
}


unsigned long
jy_auth_verify_count(void)
{
    return atomic_load(&verify_count);
}


const char *
jy_auth_dummy_hash(void)
{
    return jy_auth_get_cost() == JY_AUTH_COST_TEST ? dummy_test : dummy_interactive;
}


void
jy_auth_wipe(void *p, size_t len)
{
    sodium_memzero(p, len);
}


/* ---- password policy ---- */


const char *
jy_auth_pw_rule_name(enum jy_auth_pw_rule rule)
{
    switch (rule) {
    case JY_AUTH_PW_OK:
        return "ok";
    case JY_AUTH_PW_NOT_TEXT:
        return "text";
    case JY_AUTH_PW_TOO_LONG:
        return "max_length";
    case JY_AUTH_PW_TOO_SHORT:
        return "length";
    case JY_AUTH_PW_FEW_CLASSES:
        return "classes";
    case JY_AUTH_PW_HAS_LOGIN:
        return "login";
    case JY_AUTH_PW_COMMON:
        return "common";
    }
    return "?";
}


static void
ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char) (*s - 'A' + 'a');
}


struct jy_auth_policy *
jy_auth_policy_load(struct jy_pool *pool, const char *path, struct jy_err *err)
{
    struct jy_auth_policy *p = jy_pool_new(pool, struct jy_auth_policy);
    size_t cap = 256;
    char line[512];
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        jy_err_errno(err, errno, "could not read the common-password list \"%s\"", path);
        return NULL;
    }
    p->common = jy_pool_new_array(pool, char *, cap);
    while (fgets(line, sizeof(line), f)) {
        struct jy_str s = jy_str_trim(jy_str_from(line));
        char *w;
        if (s.len == 0 || s.ptr[0] == '#' || jy_utf8_count(s.ptr, s.len) < COMMON_MIN_CHARS)
            continue;
        if (p->n == cap) {
            p->common =
                jy_pool_realloc(pool, p->common, cap * sizeof(char *), 2 * cap * sizeof(char *));
            cap *= 2;
        }
        w = jy_str_dup(pool, s);
        ascii_lower(w);
        p->common[p->n++] = w;
    }
    if (ferror(f)) {
        jy_err_errno(err, errno, "could not read the common-password list \"%s\"", path);
        fclose(f);
        return NULL;
    }
    fclose(f);
    p->common_len = jy_pool_new_array(pool, size_t, p->n + 1);
    for (cap = 0; cap < p->n; cap++)
        p->common_len[cap] = strlen(p->common[cap]);
    return p;
}


size_t
jy_auth_policy_size(const struct jy_auth_policy *policy)
{
    return policy->n;
}


/* ASCII digits, punctuation and space: what people pad a common password with. */
static bool
padding_only(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            return false;
    }
    return true;
}


static bool
is_common(const struct jy_auth_policy *policy, const char *lowered, size_t len)
{
    size_t i;

    for (i = 0; i < policy->n; i++) {
        const char *w = policy->common[i], *at = lowered;
        size_t wl = policy->common_len[i];
        while ((at = strstr(at, w)) != NULL) {
            size_t off = (size_t) (at - lowered);
            if (padding_only(lowered, off) && padding_only(at + wl, len - off - wl))
                return true;
            at++;
        }
    }
    return false;
}


static enum jy_auth_pw_rule pw_fail(struct jy_err *err, enum jy_auth_pw_rule rule, const char *fmt,
                                    ...) JY_PRINTF(3, 4);

static enum jy_auth_pw_rule
pw_fail(struct jy_err *err, enum jy_auth_pw_rule rule, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    jy_err_set(err, JY_E_INVALID, "%s", msg);
    jy_err_field(err, "password");
    jy_err_hint(err,
                "A password needs at least %d characters mixing at least 3 of lower-case "
                "letters, upper-case letters, digits and other characters; it must not "
                "contain the login name or be a common password. A short sentence is easy "
                "to remember and hard to guess.",
                JY_AUTH_PASSWORD_MIN_CHARS);
    return rule;
}


enum jy_auth_pw_rule
jy_auth_password_check(const struct jy_auth_policy *policy, const char *login, const char *password,
                       struct jy_err *err)
{
    char lowered[JY_AUTH_PASSWORD_MAX_BYTES + 1], login_l[LOGIN_MAX_BYTES + 1];
    size_t len = strlen(password), i = 0, chars = 0;
    bool lower = false, upper = false, digit = false, other = false;
    enum jy_auth_pw_rule rule = JY_AUTH_PW_OK;
    int classes;

    if (len > JY_AUTH_PASSWORD_MAX_BYTES)
        return pw_fail(err, JY_AUTH_PW_TOO_LONG, "password is too long: %zu bytes, at most %d", len,
                       JY_AUTH_PASSWORD_MAX_BYTES);
    while (i < len) {
        uint32_t cp;
        size_t n = jy_utf8_decode(password + i, len - i, &cp);
        if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
            return pw_fail(err, JY_AUTH_PW_NOT_TEXT,
                           "password must be UTF-8 text without control characters");
        if (cp >= 'a' && cp <= 'z')
            lower = true;
        else if (cp >= 'A' && cp <= 'Z')
            upper = true;
        else if (cp >= '0' && cp <= '9')
            digit = true;
        else
            other = true;
        chars++;
        i += n;
    }
    if (chars < JY_AUTH_PASSWORD_MIN_CHARS)
        return pw_fail(err, JY_AUTH_PW_TOO_SHORT,
                       "password is too short: %zu characters, at least %d", chars,
                       JY_AUTH_PASSWORD_MIN_CHARS);
    classes = lower + upper + digit + other;
    if (classes < 3)
        return pw_fail(err, JY_AUTH_PW_FEW_CLASSES,
                       "password mixes too few kinds of characters: %d of lower-case letters, "
                       "upper-case letters, digits and others, at least 3",
                       classes);
    memcpy(lowered, password, len + 1);
    ascii_lower(lowered);
    if (login && strlen(login) >= 3 && strlen(login) <= LOGIN_MAX_BYTES) {
        struct jy_str l = jy_str_trim(jy_str_from(login));
        memcpy(login_l, l.ptr, l.len);
        login_l[l.len] = '\0';
        ascii_lower(login_l);
        if (l.len >= 3 && strstr(lowered, login_l))
            rule = pw_fail(err, JY_AUTH_PW_HAS_LOGIN,
                           "password must not contain the login name \"%s\"", login_l);
    }
    if (rule == JY_AUTH_PW_OK && policy && is_common(policy, lowered, len))
        rule = pw_fail(err, JY_AUTH_PW_COMMON,
                       "password is too common: it is a well-known password, "
                       "perhaps with digits or symbols added");
    jy_auth_wipe(lowered, sizeof(lowered));
    return rule;
}


/* ---- tokens ---- */


static void
random_b64url(char *out, size_t size)
{
    unsigned char raw[JY_AUTH_TOKEN_BYTES];

    auth_need_init();
    JY_ASSERT(size >= JY_AUTH_SESSION_TOKEN_LEN + 1);
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, size, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}


void
jy_auth_session_token_new(char out[JY_AUTH_SESSION_TOKEN_LEN + 1])
{
    random_b64url(out, JY_AUTH_SESSION_TOKEN_LEN + 1);
}


void
jy_auth_api_token_new(char out[JY_AUTH_API_TOKEN_LEN + 1])
{
    memcpy(out, "jy_", 3);
    random_b64url(out + 3, JY_AUTH_SESSION_TOKEN_LEN + 1);
}


static bool
b64url_ok(const char *s, size_t want)
{
    size_t i;

    for (i = 0; s[i]; i++) {
        char c = s[i];
        if (i >= want || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return i == want;
}


bool
jy_auth_session_token_ok(const char *token)
{
    return token && b64url_ok(token, JY_AUTH_SESSION_TOKEN_LEN);
}


bool
jy_auth_api_token_ok(const char *token)
{
    return token && strncmp(token, "jy_", 3) == 0 &&
           b64url_ok(token + 3, JY_AUTH_API_TOKEN_LEN - 3);
}


void
jy_auth_token_hash(const char *token, char out[JY_AUTH_TOKEN_HASH_LEN + 1])
{
    unsigned char h[32];

    auth_need_init();
    crypto_generichash(h, sizeof(h), (const unsigned char *) token, strlen(token), NULL, 0);
    sodium_bin2hex(out, JY_AUTH_TOKEN_HASH_LEN + 1, h, sizeof(h));
}


/* ---- database helpers ---- */


static const char *
num(struct jy_pool *pool, long long v)
{
    return jy_pool_printf(pool, "%lld", v);
}


static long long
to_id(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}


static bool
is_true(const char *s)
{
    return s && s[0] == 't';
}


/*
 * A login as looked up and recorded: blanks around it dropped, ASCII
 * lower-cased, bytes that are not UTF-8 replaced by "?", cut to
 * LOGIN_MAX_BYTES on a character boundary.
 */
static char *
norm_login(struct jy_pool *pool, const char *login)
{
    struct jy_str s = jy_str_trim(jy_str_from(login ? login : ""));
    struct jy_buf b = JY_BUF_INIT(pool);
    size_t i = 0;

    while (i < s.len) {
        uint32_t cp;
        size_t n = jy_utf8_decode(s.ptr + i, s.len - i, &cp);
        bool bad = n == 0 || cp < 0x20;
        if (b.len + (bad ? 1 : n) > LOGIN_MAX_BYTES)
            break;
        if (bad)
            jy_buf_add_char(&b, '?');
        else
            jy_buf_add(&b, s.ptr + i, n);
        i += n ? n : 1;
    }
    ascii_lower(b.buf);
    return jy_buf_detach(&b, NULL);
}


/* Text cut to max bytes on a character boundary, invalid bytes replaced; NULL stays NULL. */
static const char *
clamp_text(struct jy_pool *pool, const char *s, size_t max)
{
    struct jy_buf b = JY_BUF_INIT(pool);
    size_t i = 0, len;

    if (s == NULL)
        return NULL;
    len = strlen(s);
    while (i < len) {
        uint32_t cp;
        size_t n = jy_utf8_decode(s + i, len - i, &cp);
        const char *part = s + i;
        if (n == 0) {
            part = "?";
            n = 1;
        }
        if (b.len + n > max)
            break;
        jy_buf_add(&b, part, n);
        i += n;
    }
    return jy_buf_detach(&b, NULL);
}


static int
check_addr(const char *addr, struct jy_err *err)
{
    unsigned char buf[sizeof(struct in6_addr)];

    if (addr == NULL || inet_pton(AF_INET, addr, buf) == 1 || inet_pton(AF_INET6, addr, buf) == 1)
        return JY_OK;
    jy_err_set(err, JY_E_INVALID, "invalid client address \"%s\"", addr);
    return JY_ERROR;
}


static int
audit(struct jy_db *db, struct jy_pool *pool, const struct audit_row *a, struct jy_err *err)
{
    const char *p[9] = {a->user_id,   a->login,   a->client_addr, a->action, a->object_type,
                        a->object_id, a->site_id, a->before,      a->after};
    struct jy_db_res *res;

    if (a->user_id == NULL && a->login == NULL && a->client_addr == NULL) {
        /*
         * The transaction's actor acts: jy_audit() stamps it, and is the
         * only way the application role may write the log.
         */
        res = jy_db_query(db, pool,
                          "SELECT jy_audit($4, $5, $6, $7::bigint, $8::jsonb, $9::jsonb)"
                          " WHERE $1::bigint IS NULL AND $2::text IS NULL AND $3::inet IS NULL",
                          9, p, err);
    } else {
        /* the system records a login attempt in the name of whoever tried */
        res = jy_db_query(
            db, pool,
            "INSERT INTO audit_log (user_id, login, client_addr, request_id, action,"
            " object_type, object_id, site_id, before, after) VALUES ("
            " COALESCE($1::bigint,"
            "  NULLIF(NULLIF(current_setting('jy.user_id', true), ''), '0')::bigint),"
            " COALESCE($2, NULLIF(current_setting('jy.login', true), '')),"
            " COALESCE($3::inet, NULLIF(current_setting('jy.client_addr', true), '')::inet),"
            " NULLIF(current_setting('jy.request_id', true), ''),"
            " $4, $5, $6, $7::bigint, $8::jsonb, $9::jsonb)",
            9, p, err);
    }
    if (res == NULL) {
        jy_err_prefix(err, "could not write the audit log");
        return JY_ERROR;
    }
    return JY_OK;
}


/* Look up a user by (normalised) login; NULL result and JY_E_NOT_FOUND when absent. */
static struct jy_db_res *
user_find(struct jy_db *db, struct jy_pool *pool, const char *login, bool for_update,
          struct jy_err *err)
{
    const char *p[1] = {login};
    struct jy_db_res *res;

    res = jy_db_query(db, pool,
                      /* no whole-row reference: the application role may not read
                       * every column (password_hash) */
                      for_update ? "SELECT u.id, u.site_id, u.disabled, jy_user_snapshot(u.id) AS j"
                                   " FROM app_user u WHERE u.login = $1 FOR UPDATE"
                                 : "SELECT u.id, u.site_id, u.disabled, jy_user_snapshot(u.id) AS j"
                                   " FROM app_user u WHERE u.login = $1",
                      1, p, err);
    if (res == NULL)
        return NULL;
    if (jy_db_res_rows(res) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "user \"%s\" does not exist", login);
        jy_err_hint(err, "Run \"jiyue user list\" to see the users.");
        return NULL;
    }
    return res;
}


/* ---- users ---- */


static bool
login_shape_ok(const char *s)
{
    size_t i, len = strlen(s);

    if (len < 2 || len > 64)
        return false;
    for (i = 0; i < len; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}


/* Turn a constraint violation of app_user into words. */
static void
user_err_explain(struct jy_err *err, const struct jy_auth_user_new *u)
{
    if (err->code == JY_E_CONFLICT && strstr(err->msg, "app_user_login_key")) {
        jy_err_set(err, JY_E_CONFLICT, "user \"%s\" already exists", u->login);
        jy_err_field(err, "login");
    } else if (strstr(err->msg, "app_user_phone_shape")) {
        jy_err_set(err, JY_E_INVALID,
                   "phone \"%s\" is neither a mainland mobile number nor a landline with area code",
                   u->phone);
        jy_err_hint(err, "Write 13812345678 or 0871-12345678.");
        jy_err_field(err, "phone");
    } else if (strstr(err->msg, "app_user_email_shape")) {
        jy_err_set(err, JY_E_INVALID, "email \"%s\" is not an email address", u->email);
        jy_err_field(err, "email");
    } else if (strstr(err->msg, "app_user_display_name_shape")) {
        jy_err_set(err, JY_E_INVALID,
                   "display name \"%s\" must be 1 to 64 characters without blanks around it",
                   u->display_name);
        jy_err_field(err, "display_name");
    } else if (strstr(err->msg, "app_user_site_id_fkey")) {
        jy_err_set(err, JY_E_INVALID, "site %lld does not exist", u->site_id);
        jy_err_field(err, "site_id");
    }
}


int
jy_auth_user_create(struct jy_db *db, const struct jy_auth_policy *policy,
                    const struct jy_auth_user_new *u, const char *password, long long *id_out,
                    struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    char hash[JY_AUTH_HASH_SIZE];
    struct jy_db_res *res;
    struct audit_row a = {0};
    const char *p[7];
    int rc = JY_ERROR;

    if (u->login == NULL || !login_shape_ok(u->login)) {
        jy_err_set(err, JY_E_INVALID,
                   "login name \"%s\" must be 2 to 64 lower-case letters, digits, \".\", \"_\" or "
                   "\"-\", starting with a letter or digit",
                   u->login ? u->login : "");
        jy_err_field(err, "login");
        goto out;
    }
    if (u->display_name == NULL) {
        jy_err_set(err, JY_E_INVALID, "display name is required");
        jy_err_field(err, "display_name");
        goto out;
    }
    if (password) {
        if (jy_auth_password_check(policy, u->login, password, err) != JY_AUTH_PW_OK ||
            jy_auth_hash_password(password, hash, err) != JY_OK)
            goto out;
    }
    p[0] = u->login;
    p[1] = u->display_name;
    p[2] = u->organisation;
    p[3] = u->phone;
    p[4] = u->email;
    p[5] = u->site_id > 0 ? num(pool, u->site_id) : NULL;
    p[6] = password ? hash : NULL;
    if (jy_db_begin(db, err) != JY_OK)
        goto out;
    res = jy_db_query(db, pool,
                      "INSERT INTO app_user (login, display_name, organisation, phone, email,"
                      " site_id, password_hash) VALUES ($1, $2, $3, $4, $5, $6::bigint, $7)"
                      " RETURNING id",
                      7, p, err);
    if (res == NULL) {
        if (err->code == JY_E_FORBIDDEN)
            jy_err_set(err, JY_E_FORBIDDEN, "you may not create users managed by site %lld",
                       u->site_id);
        user_err_explain(err, u);
        goto rollback;
    }
    a.action = "user.create";
    a.object_type = "app_user";
    a.object_id = jy_db_res_field(res, 0, "id");
    a.site_id = p[5];
    {
        const char *q[1] = {a.object_id};
        a.after = jy_db_query_value(db, pool, "SELECT jy_user_snapshot($1::bigint)", 1, q, err);
        if (a.after == NULL && err->code != JY_E_NONE)
            goto rollback;
    }
    if (audit(db, pool, &a, err) != JY_OK || jy_db_commit(db, err) != JY_OK)
        goto rollback;
    if (id_out)
        *id_out = to_id(a.object_id);
    jy_log_info("auth", "user \"%s\" created (id %s)", u->login, a.object_id);
    rc = JY_OK;
    goto out;
rollback:
    jy_db_rollback(db);
out:
    jy_auth_wipe(hash, sizeof(hash));
    jy_pool_destroy(pool);
    return rc;
}


int
jy_auth_user_set_password(struct jy_db *db, const struct jy_auth_policy *policy, const char *login,
                          const char *password, struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    const char *name = norm_login(pool, login);
    char hash[JY_AUTH_HASH_SIZE];
    struct jy_db_res *res, *after;
    struct audit_row a = {0};
    const char *p[2];
    int rc = JY_ERROR;

    if (jy_auth_password_check(policy, name, password, err) != JY_AUTH_PW_OK ||
        jy_auth_hash_password(password, hash, err) != JY_OK)
        goto out;
    if (jy_db_begin(db, err) != JY_OK)
        goto out;
    res = user_find(db, pool, name, true, err);
    if (res == NULL)
        goto rollback;
    p[0] = jy_db_res_field(res, 0, "id");
    p[1] = hash;
    if (jy_db_query(db, pool, "UPDATE app_user SET password_hash = $2 WHERE id = $1", 2, p, err) ==
        NULL)
        goto rollback;
    /* a new password ends every session: whoever had the old one is out */
    after = jy_db_query(db, pool,
                        "SELECT jy_user_snapshot($1::bigint) || jsonb_build_object("
                        "'sessions_ended', jy_user_end_sessions($1::bigint, 'password changed'))"
                        " AS j",
                        1, p, err);
    if (after == NULL)
        goto rollback;
    a.action = "user.password";
    a.object_type = "app_user";
    a.object_id = p[0];
    a.site_id = jy_db_res_field(res, 0, "site_id");
    a.before = jy_db_res_field(res, 0, "j");
    a.after = jy_db_res_field(after, 0, "j");
    if (audit(db, pool, &a, err) != JY_OK || jy_db_commit(db, err) != JY_OK)
        goto rollback;
    jy_log_info("auth", "password of user \"%s\" changed", name);
    rc = JY_OK;
    goto out;
rollback:
    jy_db_rollback(db);
out:
    jy_auth_wipe(hash, sizeof(hash));
    jy_pool_destroy(pool);
    return rc;
}


/* Disable (disable true) or enable a user; JY_DONE when it was so already. */
static int
user_set_disabled(struct jy_db *db, const char *login, bool disable, struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    const char *name = norm_login(pool, login);
    struct jy_db_res *res, *after;
    struct audit_row a = {0};
    const char *p[1];
    int rc = JY_ERROR;

    if (jy_db_begin(db, err) != JY_OK)
        goto out;
    res = user_find(db, pool, name, true, err);
    if (res == NULL)
        goto rollback;
    if (is_true(jy_db_res_field(res, 0, "disabled")) == disable) {
        jy_db_rollback(db);
        rc = JY_DONE;
        goto out;
    }
    p[0] = jy_db_res_field(res, 0, "id");
    if (jy_db_query(db, pool,
                    disable
                        ? "UPDATE app_user SET disabled = true, disabled_at = now() WHERE id = $1"
                        : "UPDATE app_user SET disabled = false, disabled_at = NULL WHERE id = $1",
                    1, p, err) == NULL)
        goto rollback;
    /* the trigger app_user_disable_revokes has ended them in this transaction */
    after =
        jy_db_query(db, pool,
                    "SELECT jy_user_snapshot($1::bigint) || jy_user_credentials_ended($1::bigint)"
                    " AS j",
                    1, p, err);
    if (after == NULL)
        goto rollback;
    a.action = disable ? "user.disable" : "user.enable";
    a.object_type = "app_user";
    a.object_id = p[0];
    a.site_id = jy_db_res_field(res, 0, "site_id");
    a.before = jy_db_res_field(res, 0, "j");
    a.after = jy_db_res_field(after, 0, "j");
    if (audit(db, pool, &a, err) != JY_OK || jy_db_commit(db, err) != JY_OK)
        goto rollback;
    jy_log_info("auth", "user \"%s\" %s", name, disable ? "disabled" : "enabled");
    rc = JY_OK;
    goto out;
rollback:
    jy_db_rollback(db);
out:
    jy_pool_destroy(pool);
    return rc;
}


int
jy_auth_user_disable(struct jy_db *db, const char *login, struct jy_err *err)
{
    return user_set_disabled(db, login, true, err);
}


int
jy_auth_user_enable(struct jy_db *db, const char *login, struct jy_err *err)
{
    return user_set_disabled(db, login, false, err);
}


int
jy_auth_user_list(struct jy_db *db, struct jy_pool *pool, struct jy_auth_user_info **out, size_t *n,
                  struct jy_err *err)
{
    struct jy_db_res *res;
    int i, rows;

    res = jy_db_query(
        db, pool,
        "SELECT u.id, u.login, u.display_name, u.organisation, u.phone, u.email, u.disabled,"
        " u.password_hash IS NOT NULL AS has_password,"
        " to_char(u.last_login_at AT TIME ZONE '" TZ "', 'YYYY-MM-DD HH24:MI') AS last_login_at,"
        " (SELECT count(*) FROM user_session s WHERE s.user_id = u.id AND s.revoked_at IS NULL"
        "   AND now() < s.expires_at AND now() < s.last_seen_at + s.idle_timeout) AS sessions,"
        " (SELECT count(*) FROM api_token t WHERE t.user_id = u.id AND t.revoked_at IS NULL"
        "   AND (t.expires_at IS NULL OR now() < t.expires_at)) AS tokens"
        " FROM app_user u ORDER BY u.login",
        0, NULL, err);
    if (res == NULL)
        return JY_ERROR;
    rows = jy_db_res_rows(res);
    *out = jy_pool_new_array(pool, struct jy_auth_user_info, (size_t) rows + 1);
    for (i = 0; i < rows; i++) {
        struct jy_auth_user_info *u = &(*out)[i];
        u->id = to_id(jy_db_res_field(res, i, "id"));
        u->login = jy_db_res_field(res, i, "login");
        u->display_name = jy_db_res_field(res, i, "display_name");
        u->organisation = jy_db_res_field(res, i, "organisation");
        u->phone = jy_db_res_field(res, i, "phone");
        u->email = jy_db_res_field(res, i, "email");
        u->disabled = is_true(jy_db_res_field(res, i, "disabled"));
        u->has_password = is_true(jy_db_res_field(res, i, "has_password"));
        u->last_login_at = jy_db_res_field(res, i, "last_login_at");
        u->sessions = atoi(jy_db_res_field(res, i, "sessions"));
        u->tokens = atoi(jy_db_res_field(res, i, "tokens"));
    }
    *n = (size_t) rows;
    return JY_OK;
}


/* ---- logins and sessions ---- */

/* What one login attempt came to, for login_attempt and the audit log. */
struct attempt {
    const char *login;   /* normalised */
    const char *user_id; /* NULL: no such user */
    const char *site_id; /* the user's managing site */
    const char *client_addr;
    const char *reason; /* login_attempt.reason */
    const char *until;  /* end of a lock, for throttled attempts */
};


/*
 * When the login or the address is locked: the end of the lock as text in
 * Asia/Shanghai time, NULL when not locked. A lock starts at the failure
 * that completes N failures within the window (auth.h), and lasts
 * JY_AUTH_LOCK_SECONDS from that failure; throttled attempts do not count,
 * and for the login, failures before its last success do not either.
 */
static int
throttle_check(struct jy_db *db, struct jy_pool *pool, const char *login, const char *addr,
               const char **login_until, const char **addr_until, struct jy_err *err)
{
    const char *p[6];
    struct jy_db_res *res;

    p[0] = login;
    p[1] = addr;
    p[2] = num(pool, JY_AUTH_THROTTLE_WINDOW_SECONDS);
    p[3] = num(pool, JY_AUTH_LOCK_SECONDS);
    p[4] = num(pool, JY_AUTH_THROTTLE_LOGIN_FAILURES);
    p[5] = num(pool, JY_AUTH_THROTTLE_ADDR_FAILURES);
    res = jy_db_query(
        db, pool,
        "WITH lf AS (SELECT at FROM login_attempt"
        "  WHERE login = $1 AND NOT success AND reason NOT LIKE 'throttled%'"
        "   AND at > clock_timestamp() - make_interval(secs => $3::int + $4::int)"
        "   AND at > COALESCE((SELECT max(at) FROM login_attempt WHERE login = $1 AND success),"
        "                     '-infinity')"
        "  ORDER BY at DESC LIMIT $5::int),"
        " af AS (SELECT at FROM login_attempt"
        "  WHERE $2::inet IS NOT NULL AND client_addr = $2::inet AND NOT success"
        "   AND reason NOT LIKE 'throttled%'"
        "   AND at > clock_timestamp() - make_interval(secs => $3::int + $4::int)"
        "  ORDER BY at DESC LIMIT $6::int)"
        " SELECT"
        " (SELECT to_char((max(at) + make_interval(secs => $4::int)) AT TIME ZONE '" TZ "',"
        "   'YYYY-MM-DD HH24:MI:SS') FROM lf"
        "  HAVING count(*) = $5::int AND max(at) - min(at) <= make_interval(secs => $3::int)"
        "   AND max(at) + make_interval(secs => $4::int) > clock_timestamp()) AS login_until,"
        " (SELECT to_char((max(at) + make_interval(secs => $4::int)) AT TIME ZONE '" TZ "',"
        "   'YYYY-MM-DD HH24:MI:SS') FROM af"
        "  HAVING count(*) = $6::int AND max(at) - min(at) <= make_interval(secs => $3::int)"
        "   AND max(at) + make_interval(secs => $4::int) > clock_timestamp()) AS addr_until",
        6, p, err);
    if (res == NULL)
        return JY_ERROR;
    *login_until = jy_db_res_field(res, 0, "login_until");
    *addr_until = jy_db_res_field(res, 0, "addr_until");
    return JY_OK;
}


/* Record an attempt in login_attempt (and, when it failed, the audit log). Inside a transaction. */
static int
attempt_record(struct jy_db *db, struct jy_pool *pool, const struct attempt *t, struct jy_err *err)
{
    const char *p[4] = {t->login, t->user_id, t->client_addr, t->reason};
    struct audit_row a = {0};
    struct jy_buf j = JY_BUF_INIT(pool);

    if (jy_db_query(db, pool,
                    "INSERT INTO login_attempt (login, user_id, client_addr, success, reason)"
                    " VALUES ($1, $2::bigint, $3::inet, $4 = 'ok', $4)",
                    4, p, err) == NULL)
        return JY_ERROR;
    if (strcmp(t->reason, "ok") == 0)
        return JY_OK;
    jy_buf_add_str(&j, "{\"login\": ");
    jy_buf_add_json_str(&j, t->login, strlen(t->login));
    jy_buf_add_str(&j, ", \"reason\": ");
    jy_buf_add_json_str(&j, t->reason, strlen(t->reason));
    if (t->until) {
        jy_buf_add_str(&j, ", \"locked_until\": ");
        jy_buf_add_json_str(&j, t->until, strlen(t->until));
    }
    jy_buf_add_char(&j, '}');
    a.user_id = t->user_id;
    a.login = t->login;
    a.client_addr = t->client_addr;
    a.action = "session.login_failed";
    a.object_type = "app_user";
    a.object_id = t->user_id;
    a.site_id = t->site_id;
    a.after = j.buf;
    return audit(db, pool, &a, err);
}


/* A failed attempt in a transaction of its own; err is left as the caller set it. */
static void
attempt_fail(struct jy_db *db, struct jy_pool *pool, const struct attempt *t)
{
    struct jy_err e = JY_ERR_INIT;

    if (jy_db_begin(db, &e) != JY_OK || attempt_record(db, pool, t, &e) != JY_OK ||
        jy_db_commit(db, &e) != JY_OK) {
        jy_db_rollback(db);
        jy_log_error("auth", "could not record a failed login of \"%s\": %s (%s)", t->login, e.msg,
                     e.detail);
    }
}


/* Create the session of a successful login, with its audit row; in one transaction. */
static int
login_succeed(struct jy_db *db, struct jy_pool *pool, const struct attempt *t,
              const struct jy_auth_login_req *req, const char *old_hash, const char *new_hash,
              struct jy_auth_login_res *res, struct jy_err *err)
{
    char token_hash[JY_AUTH_TOKEN_HASH_LEN + 1];
    struct jy_db_res *r;
    struct audit_row a = {0};
    struct jy_buf j = JY_BUF_INIT(pool);
    const char *p[6];

    jy_auth_session_token_new(res->token);
    jy_auth_token_hash(res->token, token_hash);
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    /* the person logging in is the actor of this transaction, for audit triggers too */
    p[0] = t->user_id;
    p[1] = t->login;
    p[2] = t->client_addr ? t->client_addr : "";
    if (jy_db_query(db, pool,
                    "SELECT set_config('jy.user_id', $1, true), set_config('jy.login', $2, true),"
                    " set_config('jy.client_addr', $3, true)",
                    3, p, err) == NULL ||
        attempt_record(db, pool, t, err) != JY_OK)
        goto rollback;
    p[0] = token_hash;
    p[1] = t->user_id;
    p[2] = num(pool, JY_AUTH_SESSION_IDLE_SECONDS);
    p[3] = num(pool, JY_AUTH_SESSION_LIFETIME_SECONDS);
    p[4] = t->client_addr;
    p[5] = clamp_text(pool, req->user_agent, USER_AGENT_MAX);
    r = jy_db_query(
        db, pool,
        "INSERT INTO user_session (token_hash, user_id, idle_timeout, expires_at,"
        " client_addr, user_agent) VALUES ($1, $2::bigint, make_interval(secs => $3::int),"
        " now() + make_interval(secs => $4::int), $5::inet, $6)"
        " RETURNING id, to_char(expires_at AT TIME ZONE '" TZ "',"
        " 'YYYY-MM-DD HH24:MI:SS') AS expires_at",
        6, p, err);
    if (r == NULL) {
        if (err->code == JY_E_FORBIDDEN) /* disabled meanwhile (trigger) */
            jy_err_set(err, JY_E_FORBIDDEN, "user \"%s\" is disabled", t->login);
        goto rollback;
    }
    res->session_id = to_id(jy_db_res_field(r, 0, "id"));
    snprintf(res->expires_at, sizeof(res->expires_at), "%s", jy_db_res_field(r, 0, "expires_at"));
    p[0] = t->user_id;
    if (jy_db_query(db, pool, "UPDATE app_user SET last_login_at = now() WHERE id = $1::bigint", 1,
                    p, err) == NULL)
        goto rollback;
    if (new_hash) {
        /* only if nobody changed the password since we read it */
        const char *q[3] = {t->user_id, new_hash, old_hash};
        r = jy_db_query(db, pool,
                        "UPDATE app_user SET password_hash = $2 WHERE id = $1::bigint"
                        " AND password_hash = $3",
                        3, q, err);
        if (r == NULL)
            goto rollback;
        res->rehashed = jy_db_res_affected(r) == 1;
    }
    jy_buf_addf(&j, "{\"session_id\": %lld, \"expires_at\": ", res->session_id);
    jy_buf_add_json_str(&j, res->expires_at, strlen(res->expires_at));
    jy_buf_addf(&j, ", \"password_rehashed\": %s}", res->rehashed ? "true" : "false");
    a.user_id = t->user_id;
    a.login = t->login;
    a.client_addr = t->client_addr;
    a.action = "session.login";
    a.object_type = "user_session";
    a.object_id = num(pool, res->session_id);
    a.site_id = t->site_id;
    a.after = j.buf;
    if (audit(db, pool, &a, err) != JY_OK || jy_db_commit(db, err) != JY_OK)
        goto rollback;
    return JY_OK;
rollback:
    jy_db_rollback(db);
    jy_auth_wipe(res->token, sizeof(res->token));
    return JY_ERROR;
}


int
jy_auth_login(struct jy_db *db, const struct jy_auth_login_req *req, struct jy_auth_login_res *res,
              struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    const char *password = req->password ? req->password : "";
    const char *login_until = NULL, *addr_until = NULL, *hash = NULL, *p[1];
    char new_hash[JY_AUTH_HASH_SIZE];
    struct attempt t = {0};
    struct jy_db_res *u;
    bool ok, has_new_hash = false;
    int rc = JY_ERROR;

    memset(res, 0, sizeof(*res));
    t.login = norm_login(pool, req->login);
    t.client_addr = req->client_addr;
    if (t.login[0] == '\0') {
        jy_err_set(err, JY_E_INVALID, "login name is required");
        jy_err_field(err, "login");
        goto out;
    }
    if (check_addr(req->client_addr, err) != JY_OK)
        goto out;

    if (throttle_check(db, pool, t.login, t.client_addr, &login_until, &addr_until, err) != JY_OK)
        goto out;
    if (login_until || addr_until) {
        t.reason = login_until ? "throttled_login" : "throttled_addr";
        t.until = login_until ? login_until : addr_until;
        attempt_fail(db, pool, &t);
        if (login_until)
            jy_err_set(err, JY_E_FORBIDDEN,
                       "too many failed logins for \"%s\": try again after %s (" TZ ")", t.login,
                       login_until);
        else
            jy_err_set(err, JY_E_FORBIDDEN,
                       "too many failed logins from this address: try again after %s (" TZ ")",
                       addr_until);
        jy_err_hint(err, "Wait until then, or ask an administrator to check the account.");
        jy_log_warn("auth", "login of \"%s\" from %s refused: %s until %s", t.login,
                    t.client_addr ? t.client_addr : "the command line", t.reason, t.until);
        goto out;
    }

    p[0] = t.login;
    u = jy_db_query(db, pool,
                    "SELECT id, site_id, password_hash, disabled FROM app_user WHERE login = $1", 1,
                    p, err);
    if (u == NULL)
        goto out;
    if (jy_db_res_rows(u) == 1) {
        t.user_id = jy_db_res_field(u, 0, "id");
        t.site_id = jy_db_res_field(u, 0, "site_id");
        hash = jy_db_res_field(u, 0, "password_hash");
    }
    /* one verification whatever the case, so timing does not tell which logins exist */
    ok = jy_auth_verify_password(hash ? hash : jy_auth_dummy_hash(), password) && hash &&
         strlen(password) <= JY_AUTH_PASSWORD_MAX_BYTES;
    if (t.user_id == NULL)
        t.reason = "unknown_login";
    else if (hash == NULL)
        t.reason = "no_password";
    else if (!ok)
        t.reason = "bad_password";
    else if (is_true(jy_db_res_field(u, 0, "disabled")))
        t.reason = "disabled";
    else
        t.reason = "ok";
    if (strcmp(t.reason, "ok") != 0) {
        attempt_fail(db, pool, &t);
        if (strcmp(t.reason, "disabled") == 0) {
            jy_err_set(err, JY_E_FORBIDDEN, "user \"%s\" is disabled", t.login);
            jy_err_hint(err, "Ask a platform or site administrator to enable the account.");
        } else {
            jy_err_set(err, JY_E_FORBIDDEN, MSG_BAD_LOGIN);
        }
        jy_err_field(err, "login");
        jy_log_info("auth", "login of \"%s\" from %s refused: %s", t.login,
                    t.client_addr ? t.client_addr : "the command line", t.reason);
        goto out;
    }

    if (jy_auth_hash_is_weak(hash)) {
        if (jy_auth_hash_password(password, new_hash, err) != JY_OK)
            goto out;
        has_new_hash = true;
    }
    if (login_succeed(db, pool, &t, req, hash, has_new_hash ? new_hash : NULL, res, err) != JY_OK)
        goto out;
    res->user_id = to_id(t.user_id);
    jy_log_info("auth", "user \"%s\" logged in from %s (session %lld%s)", t.login,
                t.client_addr ? t.client_addr : "the command line", res->session_id,
                res->rehashed ? ", password hash upgraded" : "");
    rc = JY_OK;
out:
    jy_auth_wipe(new_hash, sizeof(new_hash));
    jy_pool_destroy(pool);
    return rc;
}


int
jy_auth_session_check(struct jy_db *db, const char *token, long long *user_id, struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    char token_hash[JY_AUTH_TOKEN_HASH_LEN + 1];
    const char *p[2] = {token_hash, NULL}, *why = NULL, *id;
    struct jy_db_res *res = NULL;
    int rc = JY_ERROR;

    *user_id = 0;
    if (!jy_auth_session_token_ok(token)) {
        why = "malformed token";
        goto refuse;
    }
    jy_auth_token_hash(token, token_hash);
    p[1] = num(pool, JY_AUTH_TOUCH_SECONDS);
    res = jy_db_query(
        db, pool,
        "SELECT s.id, s.user_id, s.revoked_at IS NOT NULL AS revoked,"
        " now() >= s.expires_at AS expired,"
        " now() >= s.last_seen_at + s.idle_timeout AS idle, u.disabled,"
        " now() - s.last_seen_at >= make_interval(secs => $2::int) AS stale"
        " FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = $1",
        2, p, err);
    if (res == NULL)
        goto out;
    if (jy_db_res_rows(res) == 0)
        why = "unknown token";
    else if (is_true(jy_db_res_field(res, 0, "revoked")))
        why = "revoked";
    else if (is_true(jy_db_res_field(res, 0, "disabled")))
        why = "user disabled";
    else if (is_true(jy_db_res_field(res, 0, "expired")))
        why = "expired (lifetime)";
    else if (is_true(jy_db_res_field(res, 0, "idle")))
        why = "expired (idle)";
    if (why)
        goto refuse;
    id = jy_db_res_field(res, 0, "id");
    if (is_true(jy_db_res_field(res, 0, "stale"))) {
        /* a minute's precision is enough for the idle timeout: spare the writes */
        p[0] = id;
        if (jy_db_query(db, pool,
                        "UPDATE user_session SET last_seen_at = now() WHERE id = $1::bigint", 1, p,
                        err) == NULL)
            goto out;
    }
    *user_id = to_id(jy_db_res_field(res, 0, "user_id"));
    rc = JY_OK;
    goto out;
refuse:
    if (res && jy_db_res_rows(res) == 1)
        jy_log_info("auth", "session %s of user %s refused: %s", jy_db_res_field(res, 0, "id"),
                    jy_db_res_field(res, 0, "user_id"), why);
    else
        jy_log_info("auth", "session refused: %s", why);
    jy_err_set(err, JY_E_FORBIDDEN, MSG_BAD_SESSION);
    jy_err_hint(err, "Log in again.");
out:
    jy_pool_destroy(pool);
    return rc;
}


int
jy_auth_session_revoke(struct jy_db *db, const char *token, struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    char token_hash[JY_AUTH_TOKEN_HASH_LEN + 1];
    const char *p[1] = {token_hash};
    struct jy_db_res *res;
    struct audit_row a = {0};
    int rc = JY_ERROR;

    if (!jy_auth_session_token_ok(token)) {
        jy_err_set(err, JY_E_FORBIDDEN, MSG_BAD_SESSION);
        goto out;
    }
    jy_auth_token_hash(token, token_hash);
    if (jy_db_begin(db, err) != JY_OK)
        goto out;
    res = jy_db_query(db, pool,
                      "UPDATE user_session s SET revoked_at = now(), revoked_reason = 'logout'"
                      " FROM app_user u WHERE u.id = s.user_id AND s.token_hash = $1"
                      " AND s.revoked_at IS NULL"
                      " RETURNING s.id, s.user_id, u.login, u.site_id",
                      1, p, err);
    if (res == NULL)
        goto rollback;
    if (jy_db_res_rows(res) == 0) {
        jy_err_set(err, JY_E_FORBIDDEN, MSG_BAD_SESSION);
        goto rollback;
    }
    a.user_id = jy_db_res_field(res, 0, "user_id");
    a.login = jy_db_res_field(res, 0, "login");
    a.action = "session.logout";
    a.object_type = "user_session";
    a.object_id = jy_db_res_field(res, 0, "id");
    a.site_id = jy_db_res_field(res, 0, "site_id");
    a.after = "{\"revoked_reason\": \"logout\"}";
    if (audit(db, pool, &a, err) != JY_OK || jy_db_commit(db, err) != JY_OK)
        goto rollback;
    jy_log_info("auth", "session %s of \"%s\" ended (logout)", a.object_id, a.login);
    rc = JY_OK;
    goto out;
rollback:
    jy_db_rollback(db);
out:
    jy_pool_destroy(pool);
    return rc;
}


/* ---- API tokens ---- */


int
jy_auth_token_create(struct jy_db *db, const char *login, const char *name, int expires_days,
                     char token[JY_AUTH_API_TOKEN_LEN + 1], char prefix[JY_AUTH_API_PREFIX_LEN + 1],
                     struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    const char *lname = norm_login(pool, login);
    char token_hash[JY_AUTH_TOKEN_HASH_LEN + 1];
    struct jy_str nm = jy_str_trim(jy_str_from(name ? name : ""));
    struct jy_db_res *u = NULL, *res = NULL;
    struct audit_row a = {0};
    const char *p[5];
    int rc = JY_ERROR, tries;

    token[0] = prefix[0] = '\0';
    if (nm.len == 0 || jy_utf8_count(nm.ptr, nm.len) > 64 || nm.len != strlen(name) ||
        !jy_utf8_valid(nm.ptr, nm.len, NULL)) {
        jy_err_set(err, JY_E_INVALID,
                   "token name \"%s\" must be 1 to 64 characters without blanks around it",
                   name ? name : "");
        jy_err_hint(err, "Name the token after what uses it, e.g. \"nightly import\".");
        jy_err_field(err, "name");
        goto out;
    }
    if (expires_days < 0 || expires_days > JY_AUTH_TOKEN_MAX_DAYS) {
        jy_err_set(err, JY_E_INVALID, "token expiry must be 1 to %d days (0: never), not %d",
                   JY_AUTH_TOKEN_MAX_DAYS, expires_days);
        jy_err_field(err, "expires");
        goto out;
    }
    /* a clash of the 48-bit visible prefix is rare: try again with new randomness */
    for (tries = 0; tries < 3; tries++) {
        if (jy_db_begin(db, err) != JY_OK)
            goto out;
        u = user_find(db, pool, lname, false, err);
        if (u == NULL)
            goto rollback;
        if (is_true(jy_db_res_field(u, 0, "disabled"))) {
            jy_err_set(err, JY_E_FORBIDDEN, "user \"%s\" is disabled", lname);
            jy_err_hint(err, "Enable the user first (\"jiyue user enable %s\").", lname);
            goto rollback;
        }
        jy_auth_api_token_new(token);
        memcpy(prefix, token, JY_AUTH_API_PREFIX_LEN);
        prefix[JY_AUTH_API_PREFIX_LEN] = '\0';
        jy_auth_token_hash(token, token_hash);
        p[0] = jy_db_res_field(u, 0, "id");
        p[1] = name;
        p[2] = prefix;
        p[3] = token_hash;
        p[4] = expires_days ? num(pool, expires_days) : NULL;
        res = jy_db_query(db, pool,
                          "INSERT INTO api_token (user_id, name, token_prefix, token_hash,"
                          " expires_at) VALUES ($1::bigint, $2, $3, $4,"
                          " now() + make_interval(days => $5::int))"
                          " RETURNING id, jy_api_token_audit(api_token) AS j",
                          5, p, err);
        if (res || err->code != JY_E_CONFLICT)
            break;
        jy_db_rollback(db);
        jy_auth_wipe(token, JY_AUTH_API_TOKEN_LEN + 1);
    }
    if (res == NULL)
        goto rollback;
    a.action = "token.create";
    a.object_type = "api_token";
    a.object_id = jy_db_res_field(res, 0, "id");
    a.site_id = jy_db_res_field(u, 0, "site_id");
    a.after = jy_db_res_field(res, 0, "j");
    if (audit(db, pool, &a, err) != JY_OK || jy_db_commit(db, err) != JY_OK)
        goto rollback;
    jy_log_info("auth", "API token %s \"%s\" created for \"%s\"", prefix, name, lname);
    rc = JY_OK;
    goto out;
rollback:
    jy_db_rollback(db);
    jy_auth_wipe(token, JY_AUTH_API_TOKEN_LEN + 1);
    prefix[0] = '\0';
out:
    jy_pool_destroy(pool);
    return rc;
}


int
jy_auth_token_check(struct jy_db *db, const char *token, long long *user_id, struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    char token_hash[JY_AUTH_TOKEN_HASH_LEN + 1];
    const char *p[2] = {token_hash, NULL}, *why = NULL;
    struct jy_db_res *res = NULL;
    int rc = JY_ERROR;

    *user_id = 0;
    if (!jy_auth_api_token_ok(token)) {
        why = "malformed token";
        goto refuse;
    }
    jy_auth_token_hash(token, token_hash);
    p[1] = num(pool, JY_AUTH_TOUCH_SECONDS);
    res = jy_db_query(
        db, pool,
        "SELECT t.id, t.token_prefix, t.user_id, t.revoked_at IS NOT NULL AS revoked,"
        " t.expires_at IS NOT NULL AND now() >= t.expires_at AS expired, u.disabled,"
        " t.last_used_at IS NULL OR now() - t.last_used_at >= make_interval(secs => $2::int)"
        " AS stale FROM api_token t JOIN app_user u ON u.id = t.user_id WHERE t.token_hash = $1",
        2, p, err);
    if (res == NULL)
        goto out;
    if (jy_db_res_rows(res) == 0)
        why = "unknown token";
    else if (is_true(jy_db_res_field(res, 0, "revoked")))
        why = "revoked";
    else if (is_true(jy_db_res_field(res, 0, "disabled")))
        why = "user disabled";
    else if (is_true(jy_db_res_field(res, 0, "expired")))
        why = "expired";
    if (why)
        goto refuse;
    if (is_true(jy_db_res_field(res, 0, "stale"))) {
        p[0] = jy_db_res_field(res, 0, "id");
        if (jy_db_query(db, pool, "UPDATE api_token SET last_used_at = now() WHERE id = $1::bigint",
                        1, p, err) == NULL)
            goto out;
    }
    *user_id = to_id(jy_db_res_field(res, 0, "user_id"));
    rc = JY_OK;
    goto out;
refuse:
    if (res && jy_db_res_rows(res) == 1)
        jy_log_info("auth", "API token %s of user %s refused: %s",
                    jy_db_res_field(res, 0, "token_prefix"), jy_db_res_field(res, 0, "user_id"),
                    why);
    else
        jy_log_info("auth", "API token refused: %s", why);
    jy_err_set(err, JY_E_FORBIDDEN, MSG_BAD_TOKEN);
out:
    jy_pool_destroy(pool);
    return rc;
}


int
jy_auth_token_revoke(struct jy_db *db, const char *login, const char *prefix, struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    const char *lname = norm_login(pool, login);
    struct jy_db_res *u, *res;
    struct audit_row a = {0};
    const char *p[2];
    char pre[JY_AUTH_API_PREFIX_LEN + 1];
    int rc = JY_ERROR;

    if (prefix == NULL || strlen(prefix) < JY_AUTH_API_PREFIX_LEN ||
        strncmp(prefix, "jy_", 3) != 0) {
        jy_err_set(err, JY_E_INVALID,
                   "token prefix \"%s\" must be \"jy_\" and 8 more characters, as listed",
                   prefix ? prefix : "");
        jy_err_hint(err, "Run \"jiyue user token list %s\" to see the prefixes.", lname);
        goto out;
    }
    /* a whole token works too: only its visible part is used */
    memcpy(pre, prefix, JY_AUTH_API_PREFIX_LEN);
    pre[JY_AUTH_API_PREFIX_LEN] = '\0';
    if (jy_db_begin(db, err) != JY_OK)
        goto out;
    u = user_find(db, pool, lname, false, err);
    if (u == NULL)
        goto rollback;
    p[0] = jy_db_res_field(u, 0, "id");
    p[1] = pre;
    res = jy_db_query(db, pool,
                      "SELECT t.id, jy_api_token_audit(t) AS j FROM api_token t"
                      " WHERE t.user_id = $1::bigint AND t.token_prefix = $2"
                      " AND t.revoked_at IS NULL FOR UPDATE",
                      2, p, err);
    if (res == NULL)
        goto rollback;
    if (jy_db_res_rows(res) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "user \"%s\" has no token \"%s\" that is not revoked",
                   lname, pre);
        jy_err_hint(err, "Run \"jiyue user token list %s\" to see the tokens.", lname);
        goto rollback;
    }
    a.before = jy_db_res_field(res, 0, "j");
    p[0] = jy_db_res_field(res, 0, "id");
    res = jy_db_query(db, pool,
                      "UPDATE api_token t SET revoked_at = now(), revoked_reason = 'revoked'"
                      " WHERE t.id = $1::bigint RETURNING t.id, jy_api_token_audit(t) AS j",
                      1, p, err);
    if (res == NULL)
        goto rollback;
    a.action = "token.revoke";
    a.object_type = "api_token";
    a.object_id = jy_db_res_field(res, 0, "id");
    a.site_id = jy_db_res_field(u, 0, "site_id");
    a.after = jy_db_res_field(res, 0, "j");
    if (audit(db, pool, &a, err) != JY_OK || jy_db_commit(db, err) != JY_OK)
        goto rollback;
    jy_log_info("auth", "API token %s of \"%s\" revoked", pre, lname);
    rc = JY_OK;
    goto out;
rollback:
    jy_db_rollback(db);
out:
    jy_pool_destroy(pool);
    return rc;
}


int
jy_auth_token_list(struct jy_db *db, struct jy_pool *pool, const char *login,
                   struct jy_auth_token_info **out, size_t *n, struct jy_err *err)
{
    const char *lname = norm_login(pool, login);
    const char *p[1];
    struct jy_db_res *u, *res;
    int i, rows;

    u = user_find(db, pool, lname, false, err);
    if (u == NULL)
        return JY_ERROR;
    p[0] = jy_db_res_field(u, 0, "id");
    res = jy_db_query(
        db, pool,
        "SELECT token_prefix, name,"
        " to_char(created_at AT TIME ZONE '" TZ "', 'YYYY-MM-DD HH24:MI') AS created_at,"
        " to_char(expires_at AT TIME ZONE '" TZ "', 'YYYY-MM-DD HH24:MI') AS expires_at,"
        " to_char(last_used_at AT TIME ZONE '" TZ "', 'YYYY-MM-DD HH24:MI') AS last_used_at,"
        " to_char(revoked_at AT TIME ZONE '" TZ "', 'YYYY-MM-DD HH24:MI') AS revoked_at,"
        " revoked_reason,"
        " revoked_at IS NULL AND (expires_at IS NULL OR now() < expires_at) AS valid"
        " FROM api_token WHERE user_id = $1::bigint ORDER BY created_at, id",
        1, p, err);
    if (res == NULL)
        return JY_ERROR;
    rows = jy_db_res_rows(res);
    *out = jy_pool_new_array(pool, struct jy_auth_token_info, (size_t) rows + 1);
    for (i = 0; i < rows; i++) {
        struct jy_auth_token_info *t = &(*out)[i];
        t->prefix = jy_db_res_field(res, i, "token_prefix");
        t->name = jy_db_res_field(res, i, "name");
        t->created_at = jy_db_res_field(res, i, "created_at");
        t->expires_at = jy_db_res_field(res, i, "expires_at");
        t->last_used_at = jy_db_res_field(res, i, "last_used_at");
        t->revoked_at = jy_db_res_field(res, i, "revoked_at");
        t->revoked_reason = jy_db_res_field(res, i, "revoked_reason");
        t->valid = is_true(jy_db_res_field(res, i, "valid"));
    }
    *n = (size_t) rows;
    return JY_OK;
}
