/*
 * secret_test.c - tests of core/secret.c: sealing and opening with the
 * platform's key file, made on first use (mode 0600); a wrong key, a wrong
 * purpose, damaged text and a missing key file are clear errors, never a
 * wrong secret; plain text from before sealing passes through, marked.
 */
#include "core/compat.h"
#include "tests/test.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/secret.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *
key_file(struct jy_pool *pool, const char *name)
{
    static const char *dir;

    if (dir == NULL)
        dir = jy_test_tmpdir();
    return jy_pool_printf(pool, "%s/keys/%s", dir, name);
}


static void
test_seal_and_open(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    const char *path = key_file(pool, "a.key"), *s1, *s2, *back;
    struct stat st;
    bool plain = true;

    jy_secret_use_file(path);
    s1 = jy_secret_seal(pool, "mirror_credential.password", "correct horse 马", &err);
    T_ASSERT(s1 != NULL);
    T_ASSERT(jy_secret_is_sealed(s1));
    T_ASSERT(strstr(s1, "horse") == NULL);
    /* the key file was made, for its owner only, as 64 hex digits */
    T_EQ_INT(stat(path, &st), 0);
    T_EQ_INT(st.st_mode & 0777, 0600);
    T_EQ_INT((int) st.st_size, 65);
    /* the same secret twice: two different texts (a nonce each) */
    s2 = jy_secret_seal(pool, "mirror_credential.password", "correct horse 马", &err);
    T_ASSERT(s2 != NULL && strcmp(s1, s2) != 0);
    back = jy_secret_open(pool, "mirror_credential.password", s1, &plain, &err);
    T_EQ_STR(back, "correct horse 马");
    T_ASSERT(!plain);
    T_EQ_STR(jy_secret_open(pool, "mirror_credential.password", s2, NULL, &err),
             "correct horse 马");
    /* another purpose does not open it */
    T_ASSERT(jy_secret_open(pool, "site.settings", s1, NULL, &err) == NULL);
    T_CONTAINS(err.msg, "does not open");
    jy_err_clear(&err);
    /* plain text from before sealing comes back as it is, and says so */
    T_EQ_STR(jy_secret_open(pool, "mirror_credential.password", "old-plain", &plain, &err),
             "old-plain");
    T_ASSERT(plain);
    jy_pool_destroy(pool);
}


static void
test_damage_and_wrong_key(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    const char *s, *bad;
    char *flip;
    FILE *f;

    jy_secret_use_file(key_file(pool, "b.key"));
    s = jy_secret_seal(pool, "p", "s3cret", &err);
    T_ASSERT(s != NULL);
    /* one character changed: refused, not a wrong secret */
    flip = jy_pool_strdup(pool, s);
    flip[10] = flip[10] == 'A' ? 'B' : 'A';
    T_ASSERT(jy_secret_open(pool, "p", flip, NULL, &err) == NULL);
    jy_err_clear(&err);
    /* not base64, or too short to be sealed */
    T_ASSERT(jy_secret_open(pool, "p", "jy1:%%%", NULL, &err) == NULL);
    T_CONTAINS(err.msg, "damaged");
    jy_err_clear(&err);
    T_ASSERT(jy_secret_open(pool, "p", "jy1:AAAA", NULL, &err) == NULL);
    jy_err_clear(&err);
    /* another machine's key */
    jy_secret_use_file(key_file(pool, "c.key"));
    T_ASSERT(jy_secret_seal(pool, "p", "x", &err) != NULL); /* makes c.key */
    T_ASSERT(jy_secret_open(pool, "p", s, NULL, &err) == NULL);
    T_CONTAINS(err.msg, "does not open with this machine's secret key");
    jy_err_clear(&err);
    /* no key file at all: opening does not make one, and says where it looked */
    bad = key_file(pool, "missing.key");
    jy_secret_use_file(bad);
    T_ASSERT(jy_secret_open(pool, "p", s, NULL, &err) == NULL);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_CONTAINS(err.msg, "missing.key");
    T_ASSERT(access(bad, F_OK) != 0);
    jy_err_clear(&err);
    /* a key file that is not 64 hex digits */
    f = fopen(bad, "w");
    T_ASSERT(f != NULL);
    fputs("not a key\n", f);
    fclose(f);
    T_ASSERT(jy_secret_seal(pool, "p", "x", &err) == NULL);
    T_CONTAINS(err.msg, "is not 64 hex digits");
    jy_secret_use_file(NULL);
    jy_pool_destroy(pool);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_seal_and_open),
        T_CASE(test_damage_and_wrong_key),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
