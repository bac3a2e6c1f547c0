/*
 * fuzz_imagesize.c - jy_image_size() on arbitrary bytes: the PNG, GIF, JPEG
 * and WebP header parsers must never read past the input (ASan) whatever
 * the length fields say.
 *
 * Invariants checked, beyond "no crash":
 *  - JY_OK: a format is named, width and height are at least 1 (and below
 *    2^31, so they fit the database's integer);
 *  - JY_ERROR: a format is named and *why says what is wrong;
 *  - JY_DECLINED: no format;
 *  - the answer depends only on the bytes: the same call on a copy of the
 *    input in a buffer of exactly its size (so ASan sees any overread)
 *    gives the same result.
 */
#include "core/compat.h"
#include "core/imagesize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                      \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_imagesize: invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
                    __LINE__);                                                                 \
            abort();                                                                           \
        }                                                                                      \
    } while (0)


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum jy_image_format f, f2;
    uint32_t w, h, w2, h2;
    const char *why, *why2;
    unsigned char *copy = malloc(size ? size : 1);
    int rc, rc2;

    FUZZ_ASSERT(copy != NULL);
    memcpy(copy, data, size);
    rc = jy_image_size(data, size, &f, &w, &h, &why);
    rc2 = jy_image_size(copy, size, &f2, &w2, &h2, &why2);
    FUZZ_ASSERT(rc == rc2 && f == f2);
    if (rc == JY_OK) {
        FUZZ_ASSERT(f != JY_IMAGE_NONE);
        FUZZ_ASSERT(w >= 1 && h >= 1 && w <= 0x7fffffff && h <= 0x7fffffff);
        FUZZ_ASSERT(w == w2 && h == h2);
        FUZZ_ASSERT(strcmp(jy_image_format_name(f), "unknown") != 0);
    } else if (rc == JY_ERROR) {
        FUZZ_ASSERT(f != JY_IMAGE_NONE);
        FUZZ_ASSERT(why != NULL && why[0] != '\0');
    } else {
        FUZZ_ASSERT(rc == JY_DECLINED);
        FUZZ_ASSERT(f == JY_IMAGE_NONE);
    }
    free(copy);
    return 0;
}
