/*
 * utf8_test.c - tests of core/utf8.c: RFC 3629 validation at every edge
 * of the table in utf8.c, counting Chinese text, and cutting text without
 * ever splitting a character.
 */
#include "core/compat.h"
#include "tests/test.h"
#include "core/utf8.h"

/* Valid, and the first bad byte is at bad when not. */
#define T_VALID(lit) T_ASSERT(jy_utf8_valid((lit), sizeof(lit) - 1, NULL))
#define T_INVALID_AT(lit, at)                                    \
    do {                                                         \
        size_t bad_ = 999;                                       \
        T_ASSERT(!jy_utf8_valid((lit), sizeof(lit) - 1, &bad_)); \
        T_EQ_INT(bad_, (at));                                    \
    } while (0)


static void
test_valid_text(void)
{
    T_VALID("");
    T_VALID("plain ASCII\n\t\x7f");
    T_VALID("中华人民共和国政府网站");
    T_VALID("\xc2\x80");                      /* U+0080, first of two bytes */
    T_VALID("\xdf\xbf");                      /* U+07FF */
    T_VALID("\xe0\xa0\x80");                  /* U+0800 */
    T_VALID("\xed\x9f\xbf");                  /* U+D7FF, just below the surrogates */
    T_VALID("\xee\x80\x80");                  /* U+E000, just above */
    T_VALID("\xef\xbf\xbf");                  /* U+FFFF */
    T_VALID("\xf0\x90\x80\x80");              /* U+10000 */
    T_VALID("\xf4\x8f\xbf\xbf");              /* U+10FFFF, the last code point */
    T_ASSERT(jy_utf8_valid("a\0b", 3, NULL)); /* NUL is a character like any other */
}


static void
test_overlongs(void)
{
    T_INVALID_AT("\xc0\x80", 0);     /* NUL in two bytes */
    T_INVALID_AT("ab\xc1\xbf", 2);   /* U+007F in two bytes */
    T_INVALID_AT("\xe0\x80\x80", 0); /* three bytes for U+0000 */
    T_INVALID_AT("\xe0\x9f\xbf", 0); /* U+07FF in three bytes */
    T_INVALID_AT("x\xf0\x80\x80\x80", 1);
    T_INVALID_AT("\xf0\x8f\xbf\xbf", 0); /* U+FFFF in four bytes */
}


static void
test_surrogates_and_range(void)
{
    T_INVALID_AT("\xed\xa0\x80", 0);     /* U+D800 */
    T_INVALID_AT("ok\xed\xbf\xbf", 2);   /* U+DFFF */
    T_INVALID_AT("\xf4\x90\x80\x80", 0); /* U+110000 */
    T_INVALID_AT("\xf5\x80\x80\x80", 0);
    T_INVALID_AT("\xf8\x88\x80\x80\x80", 0); /* old five-byte form */
    T_INVALID_AT("\xff", 0);
    T_INVALID_AT("\xfe", 0);
}


static void
test_truncated_and_stray(void)
{
    T_INVALID_AT("中\xe4\xb8", 3); /* the last character lost its tail */
    T_INVALID_AT("\xe4\xb8"
                 "A",
                 0);                 /* interrupted by ASCII */
    T_INVALID_AT("\xf0\x9f\x98", 0); /* three of four bytes */
    T_INVALID_AT("abc\x80", 3);      /* a continuation byte alone */
    T_INVALID_AT("\xc3", 0);
}


static void
test_decode_encode(void)
{
    static const uint32_t cps[] = {0,      0x41,   0x7F,   0x80,    0x7FF,   0x800,   0x4E2D,
                                   0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF};
    uint32_t cp = 0;
    char out[4];
    size_t i, n;

    T_EQ_INT(jy_utf8_decode("中", 3, &cp), 3);
    T_EQ_INT(cp, 0x4E2D);
    T_EQ_INT(jy_utf8_decode("中", 2, &cp), 0); /* incomplete */
    T_EQ_INT(jy_utf8_decode("", 0, &cp), 0);
    for (i = 0; i < JY_ARRAY_LEN(cps); i++) {
        n = jy_utf8_encode(cps[i], out);
        T_ASSERT(n >= 1 && n <= 4);
        T_EQ_INT(jy_utf8_decode(out, n, &cp), n);
        T_EQ_INT(cp, cps[i]);
    }
    T_EQ_INT(jy_utf8_encode(0xD800, out), 0);
    T_EQ_INT(jy_utf8_encode(0xDFFF, out), 0);
    T_EQ_INT(jy_utf8_encode(0x110000, out), 0);
}


static void
test_count_chinese(void)
{
    const char *s = "吉林省人民政府";

    T_EQ_INT(jy_utf8_count(s, strlen(s)), 7);
    T_EQ_INT(jy_utf8_count("GB 2312 标准", strlen("GB 2312 标准")), 10);
    T_EQ_INT(jy_utf8_count("😀a", strlen("😀a")), 2);
    T_EQ_INT(jy_utf8_count("", 0), 0);
    /* invalid bytes count one each, so a count never runs past the text */
    T_EQ_INT(jy_utf8_count("a\xff\xe4\xb8", 4), 4);
}


static void
test_prefix_never_splits(void)
{
    const char *s = "a中b😀，c文";
    size_t len = strlen(s), total = jy_utf8_count(s, len), k;

    for (k = 0; k <= total + 2; k++) {
        size_t n = jy_utf8_prefix_bytes(s, len, k);
        T_ASSERT(n <= len);
        T_ASSERT(jy_utf8_valid(s, n, NULL));
        T_EQ_INT(jy_utf8_count(s, n), k < total ? k : total);
    }
    T_EQ_INT(jy_utf8_prefix_bytes(s, len, 2), 4); /* "a中" */
}


static void
test_clamp_bytes(void)
{
    const char *s = "ab中文😀x";
    size_t len = strlen(s), max;

    for (max = 0; max <= len + 1; max++) {
        size_t n = jy_utf8_clamp_bytes(s, len, max);
        T_ASSERT(n <= max);
        T_ASSERT(jy_utf8_valid(s, n, NULL));
        /* as long as possible: the next character would not fit */
        if (n < len) {
            uint32_t cp;
            T_ASSERT(n + jy_utf8_decode(s + n, len - n, &cp) > max);
        }
    }
    T_EQ_INT(jy_utf8_clamp_bytes(s, len, 4), 2); /* "ab", not "ab" + 2 bytes of 中 */
    T_EQ_INT(jy_utf8_clamp_bytes(s, len, 5), 5); /* "ab中" */
}


static void
test_truncate_with_ellipsis(void)
{
    char out[64];
    const char *s = "中华人民共和国";

    T_ASSERT(jy_utf8_truncate(s, strlen(s), 4, out, sizeof(out)));
    T_EQ_STR(out, "中华人…");
    T_EQ_INT(jy_utf8_count(out, strlen(out)), 4);
    T_ASSERT(jy_utf8_truncate(s, strlen(s), 7, out, sizeof(out)));
    T_EQ_STR(out, s); /* fits: unchanged, no ellipsis */
    T_ASSERT(jy_utf8_truncate(s, strlen(s), 1, out, sizeof(out)));
    T_EQ_STR(out, "…");
    T_ASSERT(jy_utf8_truncate(s, strlen(s), 0, out, sizeof(out)));
    T_EQ_STR(out, "");
    T_ASSERT(jy_utf8_truncate("abc", 3, 10, out, sizeof(out)));
    T_EQ_STR(out, "abc");
    /* "中华…" needs 10 bytes: 9 is too small, and nothing is half-written */
    T_ASSERT(!jy_utf8_truncate(s, strlen(s), 3, out, 9));
    T_ASSERT(jy_utf8_truncate(s, strlen(s), 3, out, 10));
    T_EQ_STR(out, "中华…");
}


static void
test_trim_partial(void)
{
    T_EQ_INT(jy_utf8_trim_partial("ab\xe4\xb8", 4), 2);
    T_EQ_INT(jy_utf8_trim_partial("ab\xe4", 3), 2);
    T_EQ_INT(jy_utf8_trim_partial("a\xf0\x9f\x98", 4), 1);
    T_EQ_INT(jy_utf8_trim_partial("ab中", 5), 5);      /* complete */
    T_EQ_INT(jy_utf8_trim_partial("a\x80", 2), 2);     /* stray byte: not a cut */
    T_EQ_INT(jy_utf8_trim_partial("a\xed\xa0", 3), 3); /* would be a surrogate */
    T_EQ_INT(jy_utf8_trim_partial("", 0), 0);
}


static void
test_is_cjk(void)
{
    uint32_t cp;

    jy_utf8_decode("中", 3, &cp);
    T_ASSERT(jy_utf8_is_cjk(cp));
    T_ASSERT(jy_utf8_is_cjk(0x3002));  /* 。 */
    T_ASSERT(jy_utf8_is_cjk(0xFF0C));  /* ， fullwidth comma */
    T_ASSERT(jy_utf8_is_cjk(0xFF21));  /* Ａ fullwidth A */
    T_ASSERT(jy_utf8_is_cjk(0x20BB7)); /* 𠮷, Extension B */
    T_ASSERT(jy_utf8_is_cjk(0x30000)); /* Extension G */
    T_ASSERT(!jy_utf8_is_cjk('A'));
    T_ASSERT(!jy_utf8_is_cjk(0xFF71)); /* ｱ halfwidth katakana is narrow */
    T_ASSERT(!jy_utf8_is_cjk(0xFFA1)); /* halfwidth hangul */
    T_ASSERT(!jy_utf8_is_cjk(0x1F600));
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_valid_text),
        T_CASE(test_overlongs),
        T_CASE(test_surrogates_and_range),
        T_CASE(test_truncated_and_stray),
        T_CASE(test_decode_encode),
        T_CASE(test_count_chinese),
        T_CASE(test_prefix_never_splits),
        T_CASE(test_clamp_bytes),
        T_CASE(test_truncate_with_ellipsis),
        T_CASE(test_trim_partial),
        T_CASE(test_is_cjk),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
