/*
 * buf_test.c - tests of core/buf.c. Every operation is followed by
 * assert_sane() (git t/unit-tests/u-strbuf.c assert_sane_strbuf): buf is
 * never NULL, always NUL-terminated, and len < alloc unless the buffer is
 * the shared empty string.
 */
#include "core/compat.h"
#include "tests/test.h"
#include "core/buf.h"
#include "core/pool.h"
#include "core/utf8.h"

#define assert_sane(b)                                              \
    do {                                                            \
        const struct jy_buf *sb_ = (b);                             \
        T_ASSERT(sb_->buf != NULL);                                 \
        if (sb_->alloc == 0) {                                      \
            T_ASSERT(sb_->buf == jy_buf_slop);                      \
            T_EQ_INT(sb_->len, 0);                                  \
        } else {                                                    \
            T_ASSERT(sb_->len < sb_->alloc);                        \
            T_EQ_INT(jy_buf_avail(sb_), sb_->alloc - sb_->len - 1); \
        }                                                           \
        T_EQ_INT(sb_->buf[sb_->len], '\0');                         \
        T_EQ_INT(strlen(sb_->buf) <= sb_->len, 1);                  \
        if (sb_->max)                                               \
            T_ASSERT(sb_->len <= sb_->max);                         \
    } while (0)


static void
test_init_allocates_nothing(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool), c;

    assert_sane(&b);
    T_EQ_STR(b.buf, "");
    T_EQ_INT(jy_buf_avail(&b), 0);
    T_EQ_INT(jy_pool_used(pool), 0);
    T_EQ_INT(jy_buf_finish(&b), JY_OK);
    jy_buf_add(&b, "", 0); /* an empty append allocates nothing either */
    assert_sane(&b);
    T_EQ_INT(jy_pool_used(pool), 0);
    jy_buf_init(&c, pool, 100);
    assert_sane(&c);
    T_ASSERT(jy_buf_avail(&c) >= 100);
    jy_pool_destroy(pool);
}


static void
test_add_and_grow(void)
{
    struct jy_pool *pool = jy_pool_create(1024);
    struct jy_buf b = JY_BUF_INIT(pool);
    char expect[20000];
    size_t i;

    for (i = 0; i < 5000; i++) {
        char piece[4] = {(char) ('a' + i % 26), 'x', 'y', 'z'};
        jy_buf_add(&b, piece, 4);
        memcpy(expect + i * 4, piece, 4);
        assert_sane(&b);
    }
    T_EQ_INT(b.len, 20000);
    T_ASSERT(memcmp(b.buf, expect, 20000) == 0);
    jy_buf_add_str(&b, "!");
    jy_buf_add_char(&b, '?');
    assert_sane(&b);
    T_ASSERT(memcmp(b.buf + 20000, "!?", 3) == 0);
    jy_pool_destroy(pool);
}


static void
test_self_append(void)
{
    struct jy_pool *pool = jy_pool_create(256);
    struct jy_buf b = JY_BUF_INIT(pool);
    int i;

    jy_buf_add_str(&b, "ab");
    for (i = 0; i < 10; i++) {
        jy_buf_add(&b, b.buf, b.len); /* the source moves when the buffer grows */
        assert_sane(&b);
    }
    T_EQ_INT(b.len, 2 << 10);
    for (i = 0; i < (2 << 10); i += 2)
        T_ASSERT(b.buf[i] == 'a' && b.buf[i + 1] == 'b');
    jy_pool_destroy(pool);
}


static void
test_addf(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);
    char big[500];

    jy_buf_addf(&b, "%d-%s", 42, "站点"); /* into the shared empty string */
    assert_sane(&b);
    T_EQ_STR(b.buf, "42-站点");
    jy_buf_addf(&b, "%s", "");
    assert_sane(&b);
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    jy_buf_addf(&b, "[%s]", big); /* longer than what is available: formats twice */
    assert_sane(&b);
    T_EQ_INT(b.len, strlen("42-站点") + sizeof(big) + 1);
    T_ASSERT(b.buf[b.len - 1] == ']');
    jy_buf_addf(&b, "%c", 'z'); /* fits in what is available */
    assert_sane(&b);
    T_ASSERT(b.buf[b.len - 1] == 'z');
    jy_pool_destroy(pool);
}


static void
test_setlen_and_reset(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);
    size_t alloc;

    jy_buf_add_str(&b, "hello world");
    jy_buf_setlen(&b, 5);
    assert_sane(&b);
    T_EQ_STR(b.buf, "hello");
    alloc = b.alloc;
    b.max = 3;
    jy_buf_add_str(&b, "x");
    T_EQ_INT(b.err, JY_BUF_TOOBIG);
    b.max = 0;
    jy_buf_reset(&b);
    assert_sane(&b);
    T_EQ_STR(b.buf, "");
    T_EQ_INT(b.err, 0);       /* reset clears the error */
    T_EQ_INT(b.alloc, alloc); /* and keeps the memory */
    jy_buf_add_str(&b, "again");
    T_EQ_STR(b.buf, "again");
    jy_pool_destroy(pool);
}


static void
test_max_is_sticky(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);

    b.max = 10;
    jy_buf_add_str(&b, "12345");
    jy_buf_add_str(&b, "67890"); /* exactly max: allowed */
    assert_sane(&b);
    T_EQ_INT(jy_buf_finish(&b), JY_OK);
    T_EQ_STR(b.buf, "1234567890");
    jy_buf_setlen(&b, 5);
    jy_buf_add_str(&b, "678901"); /* one past max: refused whole */
    assert_sane(&b);
    T_EQ_INT(b.err, JY_BUF_TOOBIG);
    T_EQ_STR(b.buf, "12345");
    jy_buf_add_str(&b, "a"); /* would fit, but the error is sticky */
    jy_buf_add_char(&b, 'b');
    jy_buf_addf(&b, "%d", 1);
    assert_sane(&b);
    T_EQ_STR(b.buf, "12345");
    T_EQ_INT(jy_buf_finish(&b), JY_ERROR);
    jy_pool_destroy(pool);
}


static void
test_max_addf_not_cut(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);
    char long_text[300];

    jy_buf_init(&b, pool, 64);
    b.max = 20;
    jy_buf_add_str(&b, "abc");
    /* fits in the allocation but not under max: the printed text is taken back */
    jy_buf_addf(&b, "%s", "0123456789012345678");
    assert_sane(&b);
    T_EQ_INT(b.err, JY_BUF_TOOBIG);
    T_EQ_STR(b.buf, "abc");
    jy_buf_reset(&b);
    b.max = 100;
    memset(long_text, 'w', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    jy_buf_add_str(&b, "abc");
    /* larger than the allocation and than max */
    jy_buf_addf(&b, "%s", long_text);
    assert_sane(&b);
    T_EQ_STR(b.buf, "abc");
    T_EQ_INT(jy_buf_finish(&b), JY_ERROR);
    jy_pool_destroy(pool);
}


static void
test_max_escapes_not_cut(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);

    /* "a&lt;b&gt;" is 10 bytes: with max 8 the first pieces would fit */
    b.max = 8;
    jy_buf_add_str(&b, "[");
    jy_buf_add_html(&b, "a<b>", 4);
    assert_sane(&b);
    T_EQ_INT(b.err, JY_BUF_TOOBIG);
    T_EQ_STR(b.buf, "[");

    jy_buf_reset(&b);
    b.max = 8;
    jy_buf_add_json_str(&b, "中文字", strlen("中文字")); /* 11 bytes with quotes */
    assert_sane(&b);
    T_EQ_STR(b.buf, "");
    T_EQ_INT(jy_buf_finish(&b), JY_ERROR);

    jy_buf_reset(&b);
    b.max = 8;
    jy_buf_add_urlenc(&b, "ab中", strlen("ab中")); /* ab%E4%B8%AD: 11 bytes */
    assert_sane(&b);
    T_EQ_STR(b.buf, "");
    T_ASSERT(jy_utf8_valid(b.buf, b.len, NULL));
    jy_pool_destroy(pool);
}


static void
test_html_escape(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);
    const char *in = "<a href=\"x\" title='t'>Tom & 杰瑞</a>\t\n";

    jy_buf_add_html(&b, in, strlen(in));
    assert_sane(&b);
    T_EQ_STR(b.buf, "&lt;a href=&quot;x&quot; title=&#39;t&#39;&gt;Tom &amp; 杰瑞&lt;/a&gt;\t\n");
    jy_buf_reset(&b);
    jy_buf_add_html(&b, "plain", 5);
    jy_buf_add_html(&b, "", 0);
    assert_sane(&b);
    T_EQ_STR(b.buf, "plain");
    jy_pool_destroy(pool);
}


static void
test_json_escape(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);
    const char in[] = "q\"b\\n\nr\rt\t\x01\x1f\x7f 中文 😀";

    jy_buf_add_json_str(&b, in, sizeof(in) - 1);
    assert_sane(&b);
    T_EQ_STR(b.buf, "\"q\\\"b\\\\n\\nr\\rt\\t\\u0001\\u001f\x7f 中文 😀\"");
    jy_buf_reset(&b);
    jy_buf_add_json_str(&b, "a\0b", 3); /* an embedded NUL is escaped, not a cut */
    T_EQ_STR(b.buf, "\"a\\u0000b\"");
    jy_buf_reset(&b);
    jy_buf_add_json_str(&b, "", 0);
    T_EQ_STR(b.buf, "\"\"");
    jy_buf_reset(&b);
    jy_buf_add_json_str(&b, "\b\f", 2); /* the short escapes, as json.dumps writes them */
    T_EQ_STR(b.buf, "\"\\b\\f\"");
    jy_pool_destroy(pool);
}


static void
test_json_escape_invalid_utf8(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);

    /* a stray byte, an overlong '/', a truncated 中 at the end */
    jy_buf_add_json_str(&b,
                        "a\xff"
                        "b\xc0\xaf"
                        "c\xe4\xb8",
                        8);
    assert_sane(&b);
    T_EQ_STR(b.buf, "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffd\"");
    T_ASSERT(jy_utf8_valid(b.buf, b.len, NULL));
    jy_pool_destroy(pool);
}


static void
test_urlenc(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);

    jy_buf_add_urlenc(&b, "AZaz09-_.~", 10);
    T_EQ_STR(b.buf, "AZaz09-_.~");
    jy_buf_reset(&b);
    jy_buf_add_urlenc(&b, "a b/c?d=e&f#中", strlen("a b/c?d=e&f#中"));
    assert_sane(&b);
    T_EQ_STR(b.buf, "a%20b%2Fc%3Fd%3De%26f%23%E4%B8%AD");
    jy_buf_reset(&b);
    jy_buf_add_urlenc(&b, "\0\xff", 2);
    T_EQ_STR(b.buf, "%00%FF");
    jy_pool_destroy(pool);
}


static void
test_detach(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);
    size_t len = 99;
    char *s;

    s = jy_buf_detach(&b, &len); /* nothing allocated yet: still a real string */
    T_ASSERT(s != NULL && s != jy_buf_slop);
    T_EQ_STR(s, "");
    T_EQ_INT(len, 0);
    assert_sane(&b);

    jy_buf_add_str(&b, "owned by the caller");
    s = jy_buf_detach(&b, &len);
    assert_sane(&b);
    T_EQ_INT(b.alloc, 0);
    T_EQ_STR(s, "owned by the caller");
    T_EQ_INT(len, strlen(s));
    /* the buffer is reusable and does not share memory with s */
    jy_buf_add_str(&b, "next");
    assert_sane(&b);
    T_EQ_STR(s, "owned by the caller");
    T_EQ_STR(jy_buf_detach(&b, NULL), "next");
    jy_pool_destroy(pool);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_init_allocates_nothing),
        T_CASE(test_add_and_grow),
        T_CASE(test_self_append),
        T_CASE(test_addf),
        T_CASE(test_setlen_and_reset),
        T_CASE(test_max_is_sticky),
        T_CASE(test_max_addf_not_cut),
        T_CASE(test_max_escapes_not_cut),
        T_CASE(test_html_escape),
        T_CASE(test_json_escape),
        T_CASE(test_json_escape_invalid_utf8),
        T_CASE(test_urlenc),
        T_CASE(test_detach),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
