/*
 * utf8.c - UTF-8 validation, decoding, counting and safe truncation.
 *
 * Well-formed sequences (RFC 3629, Unicode table 3-7):
 *   U+0000..U+007F     00..7F
 *   U+0080..U+07FF     C2..DF 80..BF
 *   U+0800..U+0FFF     E0     A0..BF 80..BF
 *   U+1000..U+CFFF     E1..EC 80..BF 80..BF
 *   U+D000..U+D7FF     ED     80..9F 80..BF
 *   U+E000..U+FFFF     EE..EF 80..BF 80..BF
 *   U+10000..U+3FFFF   F0     90..BF 80..BF 80..BF
 *   U+40000..U+FFFFF   F1..F3 80..BF 80..BF 80..BF
 *   U+100000..U+10FFFF F4     80..8F 80..BF 80..BF
 */
#include "core/compat.h"
#include "core/utf8.h"


size_t
jy_utf8_decode(const char *str, size_t len, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *) str;
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n, i;
    uint32_t c;

    if (len == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
        c = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        c = s[0] & 0x0F;
        if (s[0] == 0xE0)
            lo = 0xA0;
        else if (s[0] == 0xED)
            hi = 0x9F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        c = s[0] & 0x07;
        if (s[0] == 0xF0)
            lo = 0x90;
        else if (s[0] == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (i = 1; i < n; i++) {
        unsigned char b = s[i];
        if (b < lo || b > hi)
            return 0;
        lo = 0x80;
        hi = 0xBF;
        c = (c << 6) | (b & 0x3F);
    }
    *cp = c;
    return n;
}


bool
jy_utf8_valid(const char *s, size_t len, size_t *bad_at)
{
    size_t i = 0;
    uint32_t cp;

    while (i < len) {
        size_t n;
        if ((unsigned char) s[i] < 0x80) {
            i++;
            continue;
        }
        n = jy_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            if (bad_at)
                *bad_at = i;
            return false;
        }
        i += n;
    }
    return true;
}


size_t
jy_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *) out;

    if (cp < 0x80) {
        o[0] = (unsigned char) cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char) (0xC0 | (cp >> 6));
        o[1] = (unsigned char) (0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        o[0] = (unsigned char) (0xE0 | (cp >> 12));
        o[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char) (0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        o[0] = (unsigned char) (0xF0 | (cp >> 18));
        o[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char) (0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}


/* Bytes of the character at s: its full sequence, or 1 for an invalid byte. */
static size_t
char_len(const char *s, size_t len)
{
    uint32_t cp;
    size_t n;

    if ((unsigned char) s[0] < 0x80)
        return 1;
    n = jy_utf8_decode(s, len, &cp);
    return n ? n : 1;
}


size_t
jy_utf8_count(const char *s, size_t len)
{
    size_t i = 0, count = 0;

    while (i < len) {
        i += char_len(s + i, len - i);
        count++;
    }
    return count;
}


size_t
jy_utf8_prefix_bytes(const char *s, size_t len, size_t max_chars)
{
    size_t i = 0, count = 0;

    while (i < len && count < max_chars) {
        i += char_len(s + i, len - i);
        count++;
    }
    return i;
}


size_t
jy_utf8_clamp_bytes(const char *s, size_t len, size_t max_bytes)
{
    size_t i = 0;

    while (i < len) {
        size_t n = char_len(s + i, len - i);
        if (i + n > max_bytes)
            break;
        i += n;
    }
    return i;
}


size_t
jy_utf8_trim_partial(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *) str;
    size_t i = len, tail = 0, need;

    /* a sequence is at most 4 bytes: look back over at most 3 continuation bytes */
    while (i > 0 && tail < 3 && (s[i - 1] & 0xC0) == 0x80) {
        i--;
        tail++;
    }
    if (i == 0 || s[i - 1] < 0xC2 || s[i - 1] > 0xF4)
        return len;
    need = s[i - 1] >= 0xF0 ? 4 : s[i - 1] >= 0xE0 ? 3 : 2;
    /* cut only a sequence that is short and would be valid if completed */
    if (tail + 1 < need) {
        size_t k;
        unsigned char lo = 0x80, hi = 0xBF;
        if (s[i - 1] == 0xE0)
            lo = 0xA0;
        else if (s[i - 1] == 0xED)
            hi = 0x9F;
        else if (s[i - 1] == 0xF0)
            lo = 0x90;
        else if (s[i - 1] == 0xF4)
            hi = 0x8F;
        for (k = 0; k < tail; k++) {
            if (s[i + k] < lo || s[i + k] > hi)
                return len;
            lo = 0x80;
            hi = 0xBF;
        }
        return i - 1;
    }
    return len;
}


bool
jy_utf8_truncate(const char *s, size_t len, size_t max_chars, char *out, size_t out_size)
{
    static const char ellipsis[] = "\xE2\x80\xA6"; /* … */
    size_t keep;

    if (jy_utf8_count(s, len) <= max_chars) {
        keep = len;
        if (keep + 1 > out_size)
            return false;
        memcpy(out, s, keep);
        out[keep] = '\0';
        return true;
    }
    keep = max_chars ? jy_utf8_prefix_bytes(s, len, max_chars - 1) : 0;
    if (max_chars == 0) {
        if (out_size < 1)
            return false;
        out[0] = '\0';
        return true;
    }
    if (keep + sizeof(ellipsis) > out_size)
        return false;
    memcpy(out, s, keep);
    memcpy(out + keep, ellipsis, sizeof(ellipsis));
    return true;
}


bool
jy_utf8_is_cjk(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) ||   /* CJK Unified Ideographs */
           (cp >= 0x3400 && cp <= 0x4DBF) ||   /* Extension A */
           (cp >= 0x20000 && cp <= 0x2FA1F) || /* Extensions B..F, compatibility supplement */
           (cp >= 0x30000 && cp <= 0x323AF) || /* Extensions G and H */
           (cp >= 0xF900 && cp <= 0xFAFF) ||   /* Compatibility Ideographs */
           (cp >= 0x2E80 && cp <= 0x2FDF) ||   /* Radicals Supplement, Kangxi Radicals */
           (cp >= 0x3000 && cp <= 0x303F) ||   /* CJK Symbols and Punctuation */
           (cp >= 0xFF01 && cp <= 0xFF60) ||   /* Fullwidth ASCII variants and brackets */
           (cp >= 0xFFE0 && cp <= 0xFFE6);     /* Fullwidth signs: ￥ ￡ ￠ */
}
