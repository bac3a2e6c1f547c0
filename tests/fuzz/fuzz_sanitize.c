/*
 * fuzz_sanitize.c - jy_sanitize_html() on arbitrary bytes, with a fresh
 * pool per input so LeakSanitizer means something.
 *
 * Invariants checked, beyond "no crash":
 *  - input that is not UTF-8 is refused with JY_E_INVALID; the same input
 *    with its bad bytes replaced by '?' is sanitised too, so the fuzzer
 *    reaches the tree walk whatever it generates;
 *  - on success the output is valid UTF-8, holds no script-capable
 *    construct once parsed again (tests/sanitize_oracle.h: no disallowed
 *    element or attribute, no on*, no URL scheme but http, https, mailto,
 *    tel), and sanitising it again gives it back byte for byte with no
 *    finding (a fixed point);
 *  - every finding has a message, a count >= 1 and a paragraph >= 1;
 *  - an input jy_sanitize_is_plain() accepts (the importer's shortcut)
 *    comes out unchanged, with no finding; and an output made only of
 *    plain paragraphs is accepted by it;
 *  - on failure the error has a message and names the field "body", and
 *    the output buffer is untouched.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/sanitize.h"
#include "core/utf8.h"
#include "tests/sanitize_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                     \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "fuzz_sanitize: invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
                    __LINE__);                                                                \
            abort();                                                                          \
        }                                                                                     \
    } while (0)


static void
check(struct jy_pool *pool, const char *in, size_t len)
{
    struct jy_buf out = JY_BUF_INIT(pool), again = JY_BUF_INIT(pool);
    struct jy_err err = JY_ERR_INIT;
    struct jy_sanitize_report rep, rep2;
    char why[256];
    int i;

    if (jy_sanitize_html(pool, in, len, &out, &rep, &err) != JY_OK) {
        FUZZ_ASSERT(err.msg[0] != '\0');
        FUZZ_ASSERT(strcmp(err.field, "body") == 0);
        FUZZ_ASSERT(err.code == JY_E_INVALID || err.code == JY_E_TOO_LARGE);
        FUZZ_ASSERT(out.len == 0);
        return;
    }
    FUZZ_ASSERT(jy_utf8_valid(out.buf, out.len, NULL));
    FUZZ_ASSERT(strlen(out.buf) == out.len);
    if (jy_sanitize_is_plain(in, len)) {
        if (out.len != len || memcmp(out.buf, in, len) != 0 || rep.n != 0) {
            fprintf(stderr, "fuzz_sanitize: a plain body changed:\n%.*s\n---\n%s\n", (int) len, in,
                    out.buf);
            abort();
        }
    }
    if (oracle_check(out.buf, out.len, why, sizeof(why)) != NULL) {
        fprintf(stderr, "fuzz_sanitize: unsafe output: %s\n%s\n", why, out.buf);
        abort();
    }
    for (i = 0; i < rep.n; i++) {
        FUZZ_ASSERT(rep.findings[i].message && rep.findings[i].message[0]);
        FUZZ_ASSERT(rep.findings[i].count >= 1);
        FUZZ_ASSERT(rep.findings[i].paragraph >= 1);
        FUZZ_ASSERT(jy_utf8_valid(rep.findings[i].message, strlen(rep.findings[i].message), NULL));
    }
    FUZZ_ASSERT(jy_sanitize_html(pool, out.buf, out.len, &again, &rep2, &err) == JY_OK);
    if (again.len != out.len || memcmp(again.buf, out.buf, out.len) != 0) {
        fprintf(stderr, "fuzz_sanitize: not a fixed point:\n%s\n---\n%s\n", out.buf, again.buf);
        abort();
    }
    if (rep2.n != 0) {
        fprintf(stderr, "fuzz_sanitize: re-sanitising the output reports \"%s\":\n%s\n",
                rep2.findings[0].message, out.buf);
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jy_pool *pool = jy_pool_create(0);
    const char *in = (const char *) data;
    size_t bad;

    if (jy_utf8_valid(in, size, &bad)) {
        check(pool, in, size);
    } else {
        struct jy_buf out = JY_BUF_INIT(pool);
        struct jy_err err = JY_ERR_INIT;
        char *fixed = jy_pool_alloc(pool, size + 1);
        size_t i = 0;

        FUZZ_ASSERT(jy_sanitize_html(pool, in, size, &out, NULL, &err) == JY_ERROR);
        FUZZ_ASSERT(err.code == JY_E_INVALID || err.code == JY_E_TOO_LARGE);
        while (i < size) {
            uint32_t cp;
            size_t n = jy_utf8_decode(in + i, size - i, &cp);
            if (n == 0) {
                fixed[i++] = '?';
                continue;
            }
            memcpy(fixed + i, in + i, n);
            i += n;
        }
        check(pool, fixed, size);
    }
    jy_pool_destroy(pool);
    return 0;
}
