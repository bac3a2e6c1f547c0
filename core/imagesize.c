/*
 * imagesize.c - image dimensions from the bytes; the formats are described
 * in imagesize.h.
 */
#include "core/compat.h"
#include "core/imagesize.h"

static uint32_t
be16(const unsigned char *p)
{
    return (uint32_t) p[0] << 8 | p[1];
}


static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}


static uint32_t
le16(const unsigned char *p)
{
    return (uint32_t) p[1] << 8 | p[0];
}


static uint32_t
le24(const unsigned char *p)
{
    return (uint32_t) p[2] << 16 | (uint32_t) p[1] << 8 | p[0];
}


const char *
jy_image_format_name(enum jy_image_format f)
{
    switch (f) {
    case JY_IMAGE_PNG:
        return "PNG";
    case JY_IMAGE_JPEG:
        return "JPEG";
    case JY_IMAGE_GIF:
        return "GIF";
    case JY_IMAGE_WEBP:
        return "WebP";
    case JY_IMAGE_NONE:
        break;
    }
    return "unknown";
}


static int
png_size(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h, const char **why)
{
    if (len < 24) {
        *why = "truncated before the IHDR chunk";
        return JY_ERROR;
    }
    if (be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4) != 0) {
        *why = "the first chunk is not a valid IHDR";
        return JY_ERROR;
    }
    *w = be32(p + 16);
    *h = be32(p + 20);
    if (*w == 0 || *h == 0 || *w > 0x7fffffff || *h > 0x7fffffff) {
        *why = "width or height out of range";
        return JY_ERROR;
    }
    return JY_OK;
}


static int
gif_size(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h, const char **why)
{
    if (len < 10) {
        *why = "truncated before the logical screen size";
        return JY_ERROR;
    }
    *w = le16(p + 6);
    *h = le16(p + 8);
    if (*w == 0 || *h == 0) {
        *why = "width or height is zero";
        return JY_ERROR;
    }
    return JY_OK;
}


static bool
jpeg_is_sof(unsigned m)
{
    return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}


static int
jpeg_size(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h, const char **why)
{
    size_t i = 2;

    for (;;) {
        unsigned m;
        size_t seg;

        if (i >= len || p[i] != 0xff) {
            *why = i >= len ? "truncated before the frame header"
                            : "a segment does not start "
                              "with a marker";
            return JY_ERROR;
        }
        while (i < len && p[i] == 0xff)
            i++; /* fill bytes */
        if (i >= len) {
            *why = "truncated before the frame header";
            return JY_ERROR;
        }
        m = p[i++];
        if (m == 0x01 || m == 0xd8 || (m >= 0xd0 && m <= 0xd7))
            continue; /* no length */
        if (m == 0xd9 || m == 0xda) {
            *why = "no frame header before the image data";
            return JY_ERROR;
        }
        if (len - i < 2) {
            *why = "truncated segment length";
            return JY_ERROR;
        }
        seg = be16(p + i);
        if (seg < 2) {
            *why = "invalid segment length";
            return JY_ERROR;
        }
        if (jpeg_is_sof(m)) {
            if (seg < 7 || len - i < 7) {
                *why = "truncated frame header";
                return JY_ERROR;
            }
            *h = be16(p + i + 3);
            *w = be16(p + i + 5);
            if (*w == 0 || *h == 0) {
                *why = "width or height is zero";
                return JY_ERROR;
            }
            return JY_OK;
        }
        if (len - i < seg) {
            *why = "truncated before the frame header";
            return JY_ERROR;
        }
        i += seg;
    }
}


static int
webp_size(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h, const char **why)
{
    if (len < 30) {
        *why = "truncated before the image header";
        return JY_ERROR;
    }
    if (memcmp(p + 12, "VP8 ", 4) == 0) {
        if (p[23] != 0x9d || p[24] != 0x01 || p[25] != 0x2a) {
            *why = "lossy frame without its start code";
            return JY_ERROR;
        }
        *w = le16(p + 26) & 0x3fff;
        *h = le16(p + 28) & 0x3fff;
    } else if (memcmp(p + 12, "VP8L", 4) == 0) {
        uint32_t bits;
        if (p[20] != 0x2f) {
            *why = "lossless image without its signature";
            return JY_ERROR;
        }
        bits = (uint32_t) p[21] | (uint32_t) p[22] << 8 | (uint32_t) p[23] << 16 |
               (uint32_t) p[24] << 24;
        *w = (bits & 0x3fff) + 1;
        *h = ((bits >> 14) & 0x3fff) + 1;
    } else if (memcmp(p + 12, "VP8X", 4) == 0) {
        *w = le24(p + 24) + 1;
        *h = le24(p + 27) + 1;
    } else {
        *why = "unrecognized first chunk";
        return JY_ERROR;
    }
    if (*w == 0 || *h == 0) {
        *why = "width or height is zero";
        return JY_ERROR;
    }
    return JY_OK;
}


int
jy_image_size(const void *data, size_t len, enum jy_image_format *format, uint32_t *width,
              uint32_t *height, const char **why)
{
    const unsigned char *p = data;

    *width = *height = 0;
    *why = NULL;
    *format = JY_IMAGE_NONE;
    if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) {
        *format = JY_IMAGE_PNG;
        return png_size(p, len, width, height, why);
    }
    if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0)) {
        *format = JY_IMAGE_GIF;
        return gif_size(p, len, width, height, why);
    }
    if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) {
        *format = JY_IMAGE_JPEG;
        return jpeg_size(p, len, width, height, why);
    }
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) {
        *format = JY_IMAGE_WEBP;
        return webp_size(p, len, width, height, why);
    }
    return JY_DECLINED;
}
