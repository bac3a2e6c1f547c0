/*
 * fuzz_conf.c - jy_conf_parse() on arbitrary bytes, with a fresh pool per
 * input (h2o fuzz/driver_url.cc) so LeakSanitizer means something.
 *
 * Invariants checked, beyond "no crash":
 *  - on success every value is valid UTF-8 of at most 4096 bytes, and a
 *    value read from the file is one jy_conf_set() accepts too (the file
 *    and the flags check values the same way);
 *  - on success, writing the values back as quoted lines and parsing that
 *    text gives the same values (the escapes round-trip);
 *  - on failure err.msg is non-empty, valid UTF-8, starts with the input's
 *    name, and nothing of the text was applied.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/utf8.h"

#define FUZZ_NAME "fuzz.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                 \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz_conf: invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
                    __LINE__);                                                            \
            abort();                                                                      \
        }                                                                                 \
    } while (0)


/* Append value as a quoted configuration value, escaping what must be. */
static void
add_quoted(struct jy_buf *b, const char *v)
{
    jy_buf_add_char(b, '"');
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            jy_buf_add_char(b, '\\');
        if (*v == '\n')
            jy_buf_add_str(b, "\\n");
        else
            jy_buf_add_char(b, *v);
    }
    jy_buf_add_char(b, '"');
}


static void
check_success(struct jy_pool *pool, const struct jy_conf *conf)
{
    struct jy_conf *again = jy_conf_create(pool), *check = jy_conf_create(pool);
    struct jy_buf text = JY_BUF_INIT(pool);
    struct jy_err err = JY_ERR_INIT;
    size_t i;

    for (i = 0; i < conf->n; i++) {
        const struct jy_conf_entry *e = &conf->entries[i];
        size_t len = strlen(e->value);

        FUZZ_ASSERT(jy_utf8_valid(e->value, len, NULL));
        FUZZ_ASSERT(len <= 4096);
        if (e->source != JY_CONF_FILE)
            continue;
        FUZZ_ASSERT(strncmp(e->origin, FUZZ_NAME ":", strlen(FUZZ_NAME) + 1) == 0);
        FUZZ_ASSERT(jy_conf_set(check, e->key, e->value, JY_CONF_FLAG, "--set", &err) == JY_OK);
        jy_buf_addf(&text, "%s = ", e->key);
        add_quoted(&text, e->value);
        jy_buf_add_char(&text, '\n');
    }
    FUZZ_ASSERT(jy_conf_get_int(conf, "workers") >= 1 && jy_conf_get_int(conf, "workers") <= 256);
    FUZZ_ASSERT(jy_conf_parse(again, "again.conf", text.buf, text.len, &err) == JY_OK);
    for (i = 0; i < conf->n; i++)
        FUZZ_ASSERT(strcmp(conf->entries[i].value, again->entries[i].value) == 0);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_conf *conf = jy_conf_create(pool);
    struct jy_err err = JY_ERR_INIT;
    size_t i;

    if (jy_conf_parse(conf, FUZZ_NAME, (const char *) data, size, &err) == JY_OK) {
        check_success(pool, conf);
    } else {
        FUZZ_ASSERT(err.msg[0] != '\0');
        FUZZ_ASSERT(strncmp(err.msg, FUZZ_NAME, strlen(FUZZ_NAME)) == 0);
        FUZZ_ASSERT(jy_utf8_valid(err.msg, strlen(err.msg), NULL));
        FUZZ_ASSERT(err.code == JY_E_INVALID);
        /* a failing text applies nothing */
        for (i = 0; i < conf->n; i++)
            FUZZ_ASSERT(conf->entries[i].source == JY_CONF_DEFAULT);
    }
    jy_pool_destroy(pool);
    return 0;
}
