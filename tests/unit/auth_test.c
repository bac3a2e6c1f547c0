/*
 * auth_test.c - password policy, hashing and token encoding (no database;
 * the login flow is tested in tests/integration/auth_test.c).
 */
#include "core/compat.h"
#include "core/auth.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"
#include "tests/test.h"

#include <sodium.h>

static struct jy_pool *pool;
static struct jy_auth_policy *policy;


static void
setup(void)
{
    struct jy_err err = JY_ERR_INIT;

    if (policy)
        return;
    pool = jy_pool_create(0);
    policy = jy_auth_policy_load(pool, jy_test_path("sites/common-passwords.txt"), &err);
    if (policy == NULL)
        jy_test_fail(__FILE__, __LINE__, "loading the list: %s (%s)", err.msg, err.detail);
    jy_auth_set_cost(JY_AUTH_COST_TEST);
}


/* Check pw for login and expect rule; the message must never echo the password. */
static void
expect_rule(const char *login, const char *pw, enum jy_auth_pw_rule want, const char *msg_part)
{
    struct jy_err err = JY_ERR_INIT;
    enum jy_auth_pw_rule got = jy_auth_password_check(policy, login, pw, &err);

    if (got != want)
        jy_test_fail(__FILE__, __LINE__, "password \"%s\": rule %s, expected %s (%s)", pw,
                     jy_auth_pw_rule_name(got), jy_auth_pw_rule_name(want), err.msg);
    if (want == JY_AUTH_PW_OK) {
        T_EQ_INT(err.code, JY_E_NONE);
        return;
    }
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_STR(err.field, "password");
    T_CONTAINS(err.msg, msg_part);
    T_CONTAINS(err.hint, "at least 10 characters");
    if (strlen(pw) >= 4 && strstr(err.msg, pw))
        jy_test_fail(__FILE__, __LINE__, "message shows the password: %s", err.msg);
}


static void
test_list_is_loaded(void)
{
    setup();
    T_ASSERT(jy_auth_policy_size(policy) >= 190);
}


static void
test_list_skips_comments_and_short_entries(void)
{
    struct jy_err err = JY_ERR_INIT;
    const char *dir = jy_test_tmpdir();
    char path[700];
    FILE *f;
    struct jy_auth_policy *p;

    snprintf(path, sizeof(path), "%s/list.txt", dir);
    f = fopen(path, "w");
    T_ASSERT(f != NULL);
    fputs("# a comment\n\nabc\n  Sunflower99  \n密码密码\n", f);
    fclose(f);
    p = jy_auth_policy_load(pool ? pool : (pool = jy_pool_create(0)), path, &err);
    T_ASSERT(p != NULL);
    T_EQ_INT(jy_auth_policy_size(p), 2);
    /* compared ignoring case, blanks around the entry dropped */
    T_EQ_INT(jy_auth_password_check(p, NULL, "SUNFLOWER99!", &err), JY_AUTH_PW_COMMON);
    T_EQ_INT(jy_auth_password_check(p, NULL, "Abc-Defg-123", &err), JY_AUTH_PW_OK);
}


static void
test_list_missing_file_is_an_error(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_pool *p = jy_pool_create(0);

    T_ASSERT(jy_auth_policy_load(p, "/nonexistent/common-passwords.txt", &err) == NULL);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_CONTAINS(err.msg, "could not read the common-password list");
    jy_pool_destroy(p);
}


static void
test_too_short_counts_characters(void)
{
    setup();
    expect_rule("zhangsan", "Ab1!xyz", JY_AUTH_PW_TOO_SHORT, "password is too short: 7 characters");
    /* 6 characters in 10 bytes: characters count, not bytes */
    expect_rule("zhangsan", "我的Ab1!", JY_AUTH_PW_TOO_SHORT, "6 characters, at least 10");
    expect_rule("zhangsan", "Ab1!Ab1!Ab", JY_AUTH_PW_OK, NULL);
}


static void
test_classes(void)
{
    setup();
    expect_rule(NULL, "abcdefghijkl", JY_AUTH_PW_FEW_CLASSES, "1 of lower-case letters");
    expect_rule(NULL, "abcdefgh7391", JY_AUTH_PW_FEW_CLASSES, "2 of lower-case");
    expect_rule(NULL, "ABCDEFGH-+-+", JY_AUTH_PW_FEW_CLASSES, "at least 3");
    expect_rule(NULL, "kfjdieuw739!", JY_AUTH_PW_OK, NULL);
    expect_rule(NULL, "Kfjdieuw7391", JY_AUTH_PW_OK, NULL);
    expect_rule(NULL, "horse battery Staple", JY_AUTH_PW_OK, NULL);
}


static void
test_non_ascii_counts_as_other(void)
{
    setup();
    /* 我的密码 + lower + digits: three kinds */
    expect_rule(NULL, "我的密码abcd7391", JY_AUTH_PW_OK, NULL);
    /* 汉字 alone are one kind */
    expect_rule(NULL, "天将降大任于斯人也", JY_AUTH_PW_TOO_SHORT, "9 characters");
    expect_rule(NULL, "天将降大任于斯人也故", JY_AUTH_PW_FEW_CLASSES, "1 of");
}


static void
test_login_name_not_allowed(void)
{
    setup();
    expect_rule("zhangsan", "Zhangsan-2024!", JY_AUTH_PW_HAS_LOGIN,
                "must not contain the login name \"zhangsan\"");
    expect_rule("ZhangSan", "my-ZHANGSAN-pw9", JY_AUTH_PW_HAS_LOGIN, "login name");
    /* a two-letter login would forbid too much */
    expect_rule("li", "Olive-Tree-42", JY_AUTH_PW_OK, NULL);
}


static void
test_common_passwords(void)
{
    setup();
    expect_rule(NULL, "Password123!", JY_AUTH_PW_COMMON, "password is too common");
    expect_rule(NULL, "Woaini1314!!", JY_AUTH_PW_COMMON, "too common");
    expect_rule(NULL, "!!Aa123456", JY_AUTH_PW_COMMON, "too common");
    expect_rule(NULL, "1QAZ2wsx3edc", JY_AUTH_PW_COMMON, "too common");
    expect_rule(NULL, "2024#Qwerty", JY_AUTH_PW_COMMON, "too common");
    expect_rule(NULL, "a12345678Z!", JY_AUTH_PW_OK, NULL); /* a letter added: not only padding */
    expect_rule(NULL, "Password-is-long", JY_AUTH_PW_OK, NULL);
    expect_rule(NULL, "Bamboo-River-7", JY_AUTH_PW_OK, NULL);
}


static void
test_not_text_and_too_long(void)
{
    char big[JY_AUTH_PASSWORD_MAX_BYTES + 2];

    setup();
    expect_rule(NULL, "Abcdefgh12\x01", JY_AUTH_PW_NOT_TEXT, "without control characters");
    expect_rule(NULL, "Abcdefgh12\xff", JY_AUTH_PW_NOT_TEXT, "UTF-8");
    expect_rule(NULL, "Abcdefgh12\xc2\x85", JY_AUTH_PW_NOT_TEXT, "UTF-8"); /* C1 control */
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    expect_rule(NULL, big, JY_AUTH_PW_TOO_LONG, "too long: 1025 bytes, at most 1024");
}


static void
test_rule_names_are_stable(void)
{
    T_EQ_STR(jy_auth_pw_rule_name(JY_AUTH_PW_OK), "ok");
    T_EQ_STR(jy_auth_pw_rule_name(JY_AUTH_PW_TOO_SHORT), "length");
    T_EQ_STR(jy_auth_pw_rule_name(JY_AUTH_PW_FEW_CLASSES), "classes");
    T_EQ_STR(jy_auth_pw_rule_name(JY_AUTH_PW_HAS_LOGIN), "login");
    T_EQ_STR(jy_auth_pw_rule_name(JY_AUTH_PW_COMMON), "common");
    T_EQ_STR(jy_auth_pw_rule_name(JY_AUTH_PW_NOT_TEXT), "text");
    T_EQ_STR(jy_auth_pw_rule_name(JY_AUTH_PW_TOO_LONG), "max_length");
}


static bool
is_b64url(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}


static void
test_session_tokens(void)
{
    char a[JY_AUTH_SESSION_TOKEN_LEN + 1], b[JY_AUTH_SESSION_TOKEN_LEN + 1];
    char bad[JY_AUTH_SESSION_TOKEN_LEN + 2];

    jy_auth_session_token_new(a);
    jy_auth_session_token_new(b);
    T_EQ_INT(strlen(a), 43);
    T_ASSERT(is_b64url(a));
    T_ASSERT(strcmp(a, b) != 0);
    T_ASSERT(jy_auth_session_token_ok(a));
    T_ASSERT(!jy_auth_api_token_ok(a));
    /* wrong length, base64 (not url) characters, padding, NULL */
    memcpy(bad, a, sizeof(a));
    bad[42] = '\0';
    T_ASSERT(!jy_auth_session_token_ok(bad));
    memcpy(bad, a, sizeof(a));
    bad[43] = 'x';
    bad[44] = '\0';
    T_ASSERT(!jy_auth_session_token_ok(bad));
    memcpy(bad, a, sizeof(a));
    bad[5] = '+';
    T_ASSERT(!jy_auth_session_token_ok(bad));
    bad[5] = '=';
    T_ASSERT(!jy_auth_session_token_ok(bad));
    T_ASSERT(!jy_auth_session_token_ok(NULL));
    T_ASSERT(!jy_auth_session_token_ok(""));
}


static void
test_api_tokens(void)
{
    char t[JY_AUTH_API_TOKEN_LEN + 1], u[JY_AUTH_API_TOKEN_LEN + 1];

    jy_auth_api_token_new(t);
    jy_auth_api_token_new(u);
    T_EQ_INT(strlen(t), 46);
    T_ASSERT(strncmp(t, "jy_", 3) == 0);
    T_ASSERT(is_b64url(t + 3));
    T_ASSERT(strncmp(t, u, JY_AUTH_API_PREFIX_LEN) != 0); /* 48 random bits in the prefix */
    T_ASSERT(jy_auth_api_token_ok(t));
    T_ASSERT(!jy_auth_session_token_ok(t));
    t[0] = 'x';
    T_ASSERT(!jy_auth_api_token_ok(t));
    T_ASSERT(!jy_auth_api_token_ok("jy_short"));
}


static void
test_token_hash_is_blake2b_hex(void)
{
    char h[JY_AUTH_TOKEN_HASH_LEN + 1], t[JY_AUTH_SESSION_TOKEN_LEN + 1];

    /* RFC 7693 / libsodium: BLAKE2b-256("abc") */
    jy_auth_token_hash("abc", h);
    T_EQ_STR(h, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    jy_auth_session_token_new(t);
    jy_auth_token_hash(t, h);
    T_EQ_INT(strlen(h), 64);
    T_ASSERT(strstr(h, t) == NULL);
}


static void
test_hash_and_verify(void)
{
    struct jy_err err = JY_ERR_INIT;
    char h[JY_AUTH_HASH_SIZE], h2[JY_AUTH_HASH_SIZE];
    unsigned long before = jy_auth_verify_count();

    setup();
    T_EQ_INT(jy_auth_hash_password("Bamboo-River-7", h, &err), JY_OK);
    T_ASSERT(strncmp(h, "$argon2id$v=19$m=8,t=1,p=1$", 27) == 0);
    T_ASSERT(jy_auth_verify_password(h, "Bamboo-River-7"));
    T_ASSERT(!jy_auth_verify_password(h, "bamboo-River-7"));
    T_ASSERT(!jy_auth_verify_password(h, ""));
    T_ASSERT(!jy_auth_verify_password("not a hash", "Bamboo-River-7"));
    T_ASSERT(!jy_auth_verify_password(NULL, "Bamboo-River-7"));
    T_EQ_INT(jy_auth_verify_count() - before, 5);
    /* salted: the same password hashes differently */
    T_EQ_INT(jy_auth_hash_password("Bamboo-River-7", h2, &err), JY_OK);
    T_ASSERT(strcmp(h, h2) != 0);
}


static void
test_weak_hash_detection(void)
{
    struct jy_err err = JY_ERR_INIT;
    char cheap[JY_AUTH_HASH_SIZE], argon2i[crypto_pwhash_STRBYTES];

    setup();
    T_EQ_INT(jy_auth_hash_password("Bamboo-River-7", cheap, &err), JY_OK);
    T_ASSERT(!jy_auth_hash_is_weak(cheap));
    T_ASSERT(sodium_init() >= 0);
    T_EQ_INT(crypto_pwhash_argon2i_str(argon2i, "x", 1, crypto_pwhash_argon2i_OPSLIMIT_MIN,
                                       crypto_pwhash_argon2i_MEMLIMIT_MIN),
             0);
    jy_auth_set_cost(JY_AUTH_COST_INTERACTIVE);
    T_ASSERT(jy_auth_hash_is_weak(cheap));
    T_ASSERT(jy_auth_hash_is_weak(argon2i)); /* another algorithm */
    T_ASSERT(jy_auth_hash_is_weak("$2y$10$bcrypt"));
    T_ASSERT(!jy_auth_hash_is_weak(jy_auth_dummy_hash()));
    /* a stronger hash is kept when the cost goes down */
    jy_auth_set_cost(JY_AUTH_COST_TEST);
    T_ASSERT(!jy_auth_hash_is_weak(
        "$argon2id$v=19$m=65536,t=2,p=1$0VhwQXGdWtGSr14GWOWr7A$CejJWsQgfqPb5+2U8jWislydn0Yzs7IzUGrHErrR/DM"));
}


static void
test_dummy_hash_matches_cost(void)
{
    /* the dummy must cost what a real hash costs, or timing tells unknown logins apart */
    T_ASSERT(sodium_init() >= 0);
    jy_auth_set_cost(JY_AUTH_COST_INTERACTIVE);
    T_EQ_INT(crypto_pwhash_str_needs_rehash(jy_auth_dummy_hash(),
                                            crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                            crypto_pwhash_MEMLIMIT_INTERACTIVE),
             0);
    jy_auth_set_cost(JY_AUTH_COST_TEST);
    T_EQ_INT(crypto_pwhash_str_needs_rehash(jy_auth_dummy_hash(), crypto_pwhash_OPSLIMIT_MIN,
                                            crypto_pwhash_MEMLIMIT_MIN),
             0);
    T_ASSERT(!jy_auth_verify_password(jy_auth_dummy_hash(), ""));
}


static void
test_cost_setting(void)
{
    struct jy_err err = JY_ERR_INIT;
    enum jy_auth_cost c = JY_AUTH_COST_TEST;

    T_EQ_INT(jy_auth_cost_parse("interactive", &c, &err), JY_OK);
    T_EQ_INT(c, JY_AUTH_COST_INTERACTIVE);
    T_EQ_INT(jy_auth_cost_parse("test", &c, &err), JY_OK);
    T_EQ_INT(c, JY_AUTH_COST_TEST);
    T_EQ_INT(jy_auth_cost_parse("cheap", &c, &err), JY_ERROR);
    T_EQ_STR(err.msg, "setting \"password_cost\" must be interactive or test, not \"cheap\"");
}


static void
test_wipe(void)
{
    char secret[16] = "Bamboo-River-7";
    size_t i;

    jy_auth_wipe(secret, sizeof(secret));
    for (i = 0; i < sizeof(secret); i++)
        T_EQ_INT(secret[i], 0);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_list_is_loaded),
        T_CASE(test_list_skips_comments_and_short_entries),
        T_CASE(test_list_missing_file_is_an_error),
        T_CASE(test_too_short_counts_characters),
        T_CASE(test_classes),
        T_CASE(test_non_ascii_counts_as_other),
        T_CASE(test_login_name_not_allowed),
        T_CASE(test_common_passwords),
        T_CASE(test_not_text_and_too_long),
        T_CASE(test_rule_names_are_stable),
        T_CASE(test_session_tokens),
        T_CASE(test_api_tokens),
        T_CASE(test_token_hash_is_blake2b_hex),
        T_CASE(test_hash_and_verify),
        T_CASE(test_weak_hash_detection),
        T_CASE(test_dummy_hash_matches_cost),
        T_CASE(test_cost_setting),
        T_CASE(test_wipe),
    };
    int rc;

    jy_log_min_level = JY_LOG_ERROR; /* the cost warning is expected here */
    rc = jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
    jy_pool_destroy(pool);
    return rc;
}
