/*
 * utf8.h - UTF-8 helpers for Chinese text.
 *
 * Validation follows RFC 3629: no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF. Counting and truncation work
 * on code points, which is what an editor means by 字数 for CJK text.
 */
#ifndef JY_CORE_UTF8_H
#define JY_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * True when s[0..len) is well-formed UTF-8. On false, *bad_at (may be NULL)
 * gets the offset of the first byte that does not start a valid sequence.
 */
bool jy_utf8_valid(const char *s, size_t len, size_t *bad_at);

/*
 * Decode one code point at s (at most len bytes). Returns the number of
 * bytes consumed (1..4) and stores the code point, or returns 0 for an
 * invalid or incomplete sequence.
 */
size_t jy_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encode cp into out (4 bytes room); returns bytes written, 0 if cp is not a scalar value. */
size_t jy_utf8_encode(uint32_t cp, char *out);

/* Number of code points in a valid string (invalid bytes count one each). */
size_t jy_utf8_count(const char *s, size_t len);

/*
 * Byte length of the longest prefix of s holding at most max_chars code
 * points, never cutting a sequence in half.
 */
size_t jy_utf8_prefix_bytes(const char *s, size_t len, size_t max_chars);

/*
 * Byte length of the longest prefix of at most max_bytes bytes that ends
 * on a character boundary (for columns of fixed byte size).
 */
size_t jy_utf8_clamp_bytes(const char *s, size_t len, size_t max_bytes);

/*
 * Length of s without an incomplete sequence at its very end: after a
 * byte-counted cut (snprintf into a fixed array) the last character may be
 * missing its tail bytes. Invalid bytes elsewhere are left alone.
 */
size_t jy_utf8_trim_partial(const char *s, size_t len);

/*
 * Truncate to max_chars characters for display: when the text is longer,
 * keep max_chars - 1 characters and append "…" (U+2026). Returns a string
 * in out (out_size bytes); false only when out is too small.
 */
bool jy_utf8_truncate(const char *s, size_t len, size_t max_chars, char *out, size_t out_size);

/*
 * True for CJK ideographs, CJK punctuation and fullwidth forms: the
 * characters that take two columns. Halfwidth forms (U+FF61..U+FFDC) do not.
 */
bool jy_utf8_is_cjk(uint32_t cp);

#endif /* JY_CORE_UTF8_H */
