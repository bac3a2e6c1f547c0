/*
 * imagesize.h - the width and height of an image, read from its first
 * bytes, for the four formats a government site publishes: PNG, JPEG, GIF
 * and WebP. Small parsers of untrusted bytes: they never read past len and
 * never trust a length field (tests/fuzz/fuzz_imagesize.c).
 *
 * Where the numbers are:
 *   PNG   89 50 4E 47 0D 0A 1A 0A, then the IHDR chunk: length 13, "IHDR",
 *         width and height as 32-bit big-endian (each 1 .. 2^31-1).
 *   GIF   "GIF87a" or "GIF89a", then the logical screen: width and height
 *         as 16-bit little-endian.
 *   JPEG  FF D8, then segments FF xx (any number of FF fill bytes) with a
 *         16-bit big-endian length that counts itself, until a start of
 *         frame (SOF0-3, 5-7, 9-11, 13-15): precision, height, width as
 *         16-bit big-endian. RSTn, TEM and SOI have no length. Reaching
 *         the start of scan (SOS) or the end (EOI) first is an error.
 *   WebP  "RIFF" size "WEBP" then the first chunk:
 *         "VP8 " (lossy): 3 bytes frame tag, start code 9D 01 2A, then
 *                 width and height as 14 bits of 16-bit little-endian;
 *         "VP8L" (lossless): signature 2F, then 14 bits width - 1 and 14
 *                 bits height - 1, little-endian bit order;
 *         "VP8X" (extended): flags and 3 reserved bytes, then canvas
 *                 width - 1 and height - 1 as 24-bit little-endian.
 */
#ifndef JY_CORE_IMAGESIZE_H
#define JY_CORE_IMAGESIZE_H

#include <stddef.h>
#include <stdint.h>

enum jy_image_format {
    JY_IMAGE_NONE = 0,
    JY_IMAGE_PNG,
    JY_IMAGE_JPEG,
    JY_IMAGE_GIF,
    JY_IMAGE_WEBP,
};

/* "PNG", "JPEG", "GIF", "WebP" or "unknown". */
const char *jy_image_format_name(enum jy_image_format f);

/*
 * Read the size of the image in data[0..len). Returns JY_OK with *format,
 * *width and *height set (both at least 1); JY_DECLINED when the bytes
 * start like none of the four formats (*format JY_IMAGE_NONE); JY_ERROR
 * when they start like one but the size cannot be read (truncated,
 * malformed, zero): *format is set and *why (static text) says what is
 * wrong.
 */
int jy_image_size(const void *data, size_t len, enum jy_image_format *format, uint32_t *width,
                  uint32_t *height, const char **why);

#endif /* JY_CORE_IMAGESIZE_H */
