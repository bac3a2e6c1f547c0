/*
 * imagegen.h - small, valid PNG, JPEG, GIF and WebP files made in memory
 * for the tests of imagesize.c and the file store (no fixtures on disk).
 *
 * The PNG is complete (IHDR, one IDAT of stored deflate blocks with its
 * zlib header and Adler-32, IEND, every chunk with its CRC-32); the GIF is
 * a one-colour image; the JPEG carries APP0 (JFIF), an optional APP1 of
 * any size (EXIF-like metadata before the frame header) and a baseline
 * SOF0; the WebP is a lossy VP8 header. Static functions in a header,
 * included by one file of each program. Output goes to a jy_buf.
 */
#ifndef JY_TESTS_IMAGEGEN_H
#define JY_TESTS_IMAGEGEN_H

#include "core/compat.h"
#include "core/buf.h"

static void
gen_be32(struct jy_buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char) (v >> 24), (unsigned char) (v >> 16),
                          (unsigned char) (v >> 8), (unsigned char) v};
    jy_buf_add(b, p, 4);
}


static void
gen_le16(struct jy_buf *b, uint32_t v)
{
    unsigned char p[2] = {(unsigned char) v, (unsigned char) (v >> 8)};
    jy_buf_add(b, p, 2);
}


static void
gen_be16(struct jy_buf *b, uint32_t v)
{
    unsigned char p[2] = {(unsigned char) (v >> 8), (unsigned char) v};
    jy_buf_add(b, p, 2);
}


static uint32_t
gen_crc32(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    size_t i;
    int k;

    for (i = 0; i < n; i++) {
        c ^= p[i];
        for (k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}


static void
gen_png_chunk(struct jy_buf *b, const char *type, const unsigned char *data, size_t n)
{
    size_t start;

    gen_be32(b, (uint32_t) n);
    start = b->len;
    jy_buf_add(b, type, 4);
    jy_buf_add(b, data, n);
    gen_be32(b, gen_crc32((const unsigned char *) b->buf + start, n + 4));
}


/* An RGB PNG of w x h pixels, all of one grey. */
static void
gen_png(struct jy_buf *b, uint32_t w, uint32_t h, unsigned char grey)
{
    struct jy_buf ihdr = JY_BUF_INIT(b->pool), raw = JY_BUF_INIT(b->pool), z = JY_BUF_INIT(b->pool);
    uint32_t a = 1, bb = 0, y, x;
    size_t i, off;

    jy_buf_add(b, "\x89PNG\r\n\x1a\n", 8);
    gen_be32(&ihdr, w);
    gen_be32(&ihdr, h);
    jy_buf_add(&ihdr, "\x08\x02\x00\x00\x00", 5);
    gen_png_chunk(b, "IHDR", (const unsigned char *) ihdr.buf, ihdr.len);
    for (y = 0; y < h; y++) {
        jy_buf_add_char(&raw, 0);
        for (x = 0; x < 3 * w; x++)
            jy_buf_add_char(&raw, (char) grey);
    }
    jy_buf_add(&z, "\x78\x01", 2);
    for (off = 0; off < raw.len || off == 0;) {
        size_t n = raw.len - off > 65535 ? 65535 : raw.len - off;
        jy_buf_add_char(&z, off + n == raw.len ? 1 : 0);
        gen_le16(&z, (uint32_t) n);
        gen_le16(&z, (uint32_t) (~n & 0xffff));
        jy_buf_add(&z, raw.buf + off, n);
        off += n;
        if (n == 0)
            break;
    }
    for (i = 0; i < raw.len; i++) {
        a = (a + (unsigned char) raw.buf[i]) % 65521;
        bb = (bb + a) % 65521;
    }
    gen_be32(&z, bb << 16 | a);
    gen_png_chunk(b, "IDAT", (const unsigned char *) z.buf, z.len);
    gen_png_chunk(b, "IEND", NULL, 0);
}


/* A GIF89a of w x h with a two-colour palette. */
static void
gen_gif(struct jy_buf *b, uint32_t w, uint32_t h)
{
    jy_buf_add(b, "GIF89a", 6);
    gen_le16(b, w);
    gen_le16(b, h);
    jy_buf_add(b, "\x80\x00\x00", 3);
    jy_buf_add(b, "\x00\x00\x00\xff\xff\xff", 6);
    jy_buf_add(b, ",\x00\x00\x00\x00", 5);
    gen_le16(b, w);
    gen_le16(b, h);
    jy_buf_add(b, "\x00\x02\x02\x44\x01\x00;", 7);
}


/* A baseline JPEG header of w x h; app1 bytes of metadata before the frame header. */
static void
gen_jpeg(struct jy_buf *b, uint32_t w, uint32_t h, size_t app1)
{
    size_t i;

    jy_buf_add(b, "\xff\xd8", 2);
    jy_buf_add(b, "\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
    while (app1 > 0) {
        size_t n = app1 > 65000 ? 65000 : app1;
        jy_buf_add(b, "\xff\xe1", 2);
        gen_be16(b, (uint32_t) n + 2);
        for (i = 0; i < n; i++)
            jy_buf_add_char(b, (char) (i & 0x7f));
        app1 -= n;
    }
    jy_buf_add(b, "\xff\xc0\x00\x0b\x08", 5);
    gen_be16(b, h);
    gen_be16(b, w);
    jy_buf_add(b, "\x01\x01\x11\x00", 4);
    jy_buf_add(b, "\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00", 10);
    jy_buf_add(b, "\x00\x00\x00\x00\xff\xd9", 6);
}


/* A lossy WebP header of w x h. */
static void
gen_webp(struct jy_buf *b, uint32_t w, uint32_t h)
{
    jy_buf_add(b, "RIFF", 4);
    jy_buf_add(b, "\x26\x00\x00\x00", 4);
    jy_buf_add(b, "WEBPVP8 ", 8);
    jy_buf_add(b, "\x1a\x00\x00\x00", 4);
    jy_buf_add(b, "\x00\x00\x00\x9d\x01\x2a", 6);
    gen_le16(b, w);
    gen_le16(b, h);
    jy_buf_add(b, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 16);
}

#endif /* JY_TESTS_IMAGEGEN_H */
