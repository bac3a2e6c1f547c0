/*
 * imagesize_test.c - tests of core/imagesize.c on images made in memory
 * (tests/imagegen.h), and on every truncation of them: a cut image is an
 * error, never a wrong size.
 */
#include "core/compat.h"
#include "tests/test.h"
#include "tests/imagegen.h"
#include "core/buf.h"
#include "core/imagesize.h"
#include "core/pool.h"

static void
expect_size(const struct jy_buf *b, enum jy_image_format want, uint32_t w, uint32_t h)
{
    enum jy_image_format f;
    uint32_t gw, gh;
    const char *why;

    T_EQ_INT(jy_image_size(b->buf, b->len, &f, &gw, &gh, &why), JY_OK);
    T_EQ_INT(f, want);
    T_EQ_INT(gw, w);
    T_EQ_INT(gh, h);
}


/* Every prefix shorter than the header is an error naming the format, never JY_OK. */
static void
expect_truncations_fail(const struct jy_buf *b, size_t header_len, enum jy_image_format want)
{
    size_t n;

    for (n = 0; n < header_len; n++) {
        enum jy_image_format f;
        uint32_t w, h;
        const char *why;
        int rc = jy_image_size(b->buf, n, &f, &w, &h, &why);
        T_ASSERT(rc != JY_OK);
        if (rc == JY_ERROR) {
            T_EQ_INT(f, want);
            T_ASSERT(why && why[0]);
        }
    }
}


static void
test_png(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);

    gen_png(&b, 3, 2, 0x80);
    expect_size(&b, JY_IMAGE_PNG, 3, 2);
    expect_truncations_fail(&b, 24, JY_IMAGE_PNG);
    jy_buf_reset(&b);
    gen_png(&b, 1200, 1, 0);
    expect_size(&b, JY_IMAGE_PNG, 1200, 1);
    /* a zero width is refused */
    b.buf[16] = b.buf[17] = b.buf[18] = b.buf[19] = 0;
    {
        enum jy_image_format f;
        uint32_t w, h;
        const char *why;
        T_EQ_INT(jy_image_size(b.buf, b.len, &f, &w, &h, &why), JY_ERROR);
        T_CONTAINS(why, "out of range");
    }
    jy_pool_destroy(pool);
}


static void
test_gif(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);

    gen_gif(&b, 5, 7);
    expect_size(&b, JY_IMAGE_GIF, 5, 7);
    expect_truncations_fail(&b, 10, JY_IMAGE_GIF);
    jy_pool_destroy(pool);
}


static void
test_jpeg(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);

    gen_jpeg(&b, 640, 480, 0);
    expect_size(&b, JY_IMAGE_JPEG, 640, 480);
    expect_truncations_fail(&b, 20 + 9, JY_IMAGE_JPEG);
    /* the frame header after 200 KB of metadata in several segments */
    jy_buf_reset(&b);
    gen_jpeg(&b, 4000, 3000, 200000);
    expect_size(&b, JY_IMAGE_JPEG, 4000, 3000);
    expect_truncations_fail(&b, b.len - 16 - 4, JY_IMAGE_JPEG);
    /* progressive (SOF2) */
    jy_buf_reset(&b);
    gen_jpeg(&b, 33, 44, 0);
    b.buf[21] = (char) 0xc2;
    expect_size(&b, JY_IMAGE_JPEG, 33, 44);
    /* scan data before any frame header */
    {
        enum jy_image_format f;
        uint32_t w, h;
        const char *why;
        T_EQ_INT(jy_image_size("\xff\xd8\xff\xda\x00\x02", 6, &f, &w, &h, &why), JY_ERROR);
        T_CONTAINS(why, "no frame header");
    }
    jy_pool_destroy(pool);
}


static void
test_webp(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);
    static const unsigned char lossless[] = {'R',  'I',  'F',  'F',  0x16, 0,   0,    0, 'W', 'E',
                                             'B',  'P',  'V',  'P',  '8',  'L', 0x0a, 0, 0,   0,
                                             0x2f, 0x63, 0x40, 0x0c, 0x00, 0,   0,    0, 0,   0};
    static const unsigned char extended[] = {
        'R', 'I',  'F', 'F', 0x16, 0,    0, 0, 'W', 'E',  'B',  'P',  'V',  'P',  '8',
        'X', 0x0a, 0,   0,   0,    0x10, 0, 0, 0,   0x7f, 0x07, 0x00, 0x37, 0x04, 0x00};
    enum jy_image_format f;
    uint32_t w, h;
    const char *why;

    gen_webp(&b, 300, 200);
    expect_size(&b, JY_IMAGE_WEBP, 300, 200);
    expect_truncations_fail(&b, 30, JY_IMAGE_WEBP);
    /* VP8L: 14 bits width - 1 = 99, 14 bits height - 1 = 49 */
    T_EQ_INT(jy_image_size(lossless, sizeof(lossless), &f, &w, &h, &why), JY_OK);
    T_EQ_INT(w, 100);
    T_EQ_INT(h, 50);
    /* VP8X: canvas 1920 x 1080 */
    T_EQ_INT(jy_image_size(extended, sizeof(extended), &f, &w, &h, &why), JY_OK);
    T_EQ_INT(w, 1920);
    T_EQ_INT(h, 1080);
    jy_pool_destroy(pool);
}


static void
test_other_bytes_are_declined(void)
{
    enum jy_image_format f;
    uint32_t w, h;
    const char *why;

    T_EQ_INT(jy_image_size("%PDF-1.4\n", 9, &f, &w, &h, &why), JY_DECLINED);
    T_EQ_INT(f, JY_IMAGE_NONE);
    T_EQ_INT(jy_image_size("", 0, &f, &w, &h, &why), JY_DECLINED);
    T_EQ_STR(jy_image_format_name(JY_IMAGE_WEBP), "WebP");
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_png),
        T_CASE(test_gif),
        T_CASE(test_jpeg),
        T_CASE(test_webp),
        T_CASE(test_other_bytes_are_declined),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
