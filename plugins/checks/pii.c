/*
 * pii.c - personal data in plain text (scan.h).
 *
 * One pass over the bytes: only ASCII digits, '+' and '@' start work, so
 * Chinese text is skipped a byte at a time through a class table. A run of
 * digits (with single spaces or hyphens between groups, for numbers written
 * 138 0013 8000 or 6222-0200-...) is cut out whole and judged whole: a
 * number inside a longer run of digits or letters is never reported, which
 * is what keeps dates, 文号, extensions and table figures out.
 */
#include "plugins/checks/scan.h"

#include <string.h>

enum { C_OTHER = 0, C_DIGIT = 1, C_ALPHA = 2, C_AT = 4, C_MAILCH = 8 };

static uint8_t cls[256];

static void
cls_init(void)
{
    int i;

    if (cls['0'])
        return;
    for (i = '0'; i <= '9'; i++)
        cls[i] = C_DIGIT | C_MAILCH;
    for (i = 'a'; i <= 'z'; i++)
        cls[i] = C_ALPHA | C_MAILCH;
    for (i = 'A'; i <= 'Z'; i++)
        cls[i] = C_ALPHA | C_MAILCH;
    cls['@'] = C_AT;
    cls['.'] = cls['_'] = cls['%'] = cls['+'] = cls['-'] = C_MAILCH;
}


static bool
is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}


static bool
is_alnum(uint8_t c)
{
    return (cls[c] & (C_DIGIT | C_ALPHA)) != 0;
}


/* Province-level region codes (GB/T 2260): the first two digits of an ID. */
static bool
region_ok(int r)
{
    switch (r) {
    case 11:
    case 12:
    case 13:
    case 14:
    case 15:
    case 21:
    case 22:
    case 23:
    case 31:
    case 32:
    case 33:
    case 34:
    case 35:
    case 36:
    case 37:
    case 41:
    case 42:
    case 43:
    case 44:
    case 45:
    case 46:
    case 50:
    case 51:
    case 52:
    case 53:
    case 54:
    case 61:
    case 62:
    case 63:
    case 64:
    case 65:
    case 71:
    case 81:
    case 82:
        return true;
    default:
        return false;
    }
}


static int
num(const char *s, int n)
{
    int v = 0;

    while (n--)
        v = v * 10 + (*s++ - '0');
    return v;
}


static bool
date_ok(int y, int m, int d, int year_now)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int dim;

    if (y < 1900 || y > year_now || m < 1 || m > 12 || d < 1)
        return false;
    dim = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return d <= dim;
}


bool
chk_id_valid(const char *s, size_t len, int year_now)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    int sum = 0, i;
    char last;

    cls_init();
    if (len != 18)
        return false;
    for (i = 0; i < 17; i++)
        if (!is_digit((uint8_t) s[i]))
            return false;
    last = s[17] == 'x' ? 'X' : s[17];
    if (!is_digit((uint8_t) last) && last != 'X')
        return false;
    if (!region_ok(num(s, 2)) || num(s + 2, 4) == 0)
        return false;
    if (!date_ok(num(s + 6, 4), num(s + 10, 2), num(s + 12, 2), year_now))
        return false;
    for (i = 0; i < 17; i++)
        sum += (s[i] - '0') * w[i];
    return check[sum % 11] == last;
}


bool
chk_luhn_valid(const char *d, size_t len)
{
    int sum = 0, dbl = 0;
    size_t i;

    if (len < 2)
        return false;
    for (i = len; i-- > 0;) {
        int v = d[i] - '0';
        if (v < 0 || v > 9)
            return false;
        if (dbl) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}


static bool
card_prefix_ok(const char *d, size_t n)
{
    int p2 = num(d, 2), p4 = num(d, 4);

    if (n == 15)
        return p2 == 34 || p2 == 37;
    if (n < 16 || n > 19)
        return false;
    if (p2 == 62 || d[0] == '4' || p2 == 35)
        return true;
    if (n == 16 && ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)))
        return true;
    return false;
}


const char *
chk_pii_type_name(enum chk_pii_type type)
{
    switch (type) {
    case CHK_PII_ID:
        return "id";
    case CHK_PII_MOBILE:
        return "mobile";
    case CHK_PII_CARD:
        return "card";
    case CHK_PII_EMAIL:
        return "email";
    }
    return "?";
}


/* Which separator a grouped number uses between its groups: 0 none. */
static bool
is_group_sep(uint8_t c)
{
    return c == ' ' || c == '-';
}


/*
 * The digit run starting at start: digits, possibly in groups divided by
 * single spaces or hyphens (one kind), the last of which is not followed by
 * another digit group. Copies the digits (at most 24) into d.
 */
static size_t
digit_run(const char *t, size_t len, size_t start, char *d, size_t *nd, int *groups)
{
    size_t i = start, n = 0;
    uint8_t sep = 0;

    *groups = 1;
    for (;;) {
        while (i < len && is_digit((uint8_t) t[i])) {
            if (n < 24)
                d[n] = t[i];
            n++;
            i++;
        }
        if (i + 1 < len && is_group_sep((uint8_t) t[i]) && is_digit((uint8_t) t[i + 1]) &&
            (sep == 0 || sep == (uint8_t) t[i])) {
            sep = (uint8_t) t[i];
            (*groups)++;
            i++;
            continue;
        }
        break;
    }
    *nd = n;
    return i;
}


static bool
mobile_ok(const char *d, size_t n)
{
    return n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}


/* Is the grouped run shaped like a mobile number: 11 digits as 3-4-4 or one group. */
static bool
mobile_groups_ok(const char *t, size_t start, size_t end, int groups)
{
    size_t g1 = 0, i;

    if (groups == 1)
        return true;
    if (groups != 3)
        return false;
    for (i = start; i < end && is_digit((uint8_t) t[i]); i++)
        g1++;
    return g1 == 3 && end - start == 13;
}


static bool
card_groups_ok(const char *t, size_t start, size_t end, int groups)
{
    size_t i, g = 0;

    if (groups == 1)
        return true;
    /* groups of four, the last one 1 to 4 digits (6222 0200 1234 5678 901) */
    for (i = start; i < end; i++) {
        if (is_digit((uint8_t) t[i])) {
            g++;
        } else {
            if (g != 4)
                return false;
            g = 0;
        }
    }
    return g >= 1 && g <= 4;
}


/* An e-mail address around the '@' at at; returns true with its span. */
static bool
email_at(const char *t, size_t len, size_t at, size_t *s_out, size_t *e_out)
{
    size_t s = at, e = at + 1, dot = 0, lab = 0, tld = 0;

    /* a local part does not start with '.', '-' or '+' */
    while (s > 0 && (cls[(uint8_t) t[s - 1]] & C_MAILCH))
        s--;
    while (s < at && (t[s] == '.' || t[s] == '-' || t[s] == '+'))
        s++;
    if (s == at)
        return false;
    while (e < len && (is_alnum((uint8_t) t[e]) || t[e] == '-' || t[e] == '.')) {
        if (t[e] == '.') {
            if (lab == 0)
                break;
            dot = e;
            lab = 0;
        } else {
            lab++;
        }
        e++;
    }
    /* a trailing dot ends the sentence, not the address */
    while (e > at + 1 && t[e - 1] == '.')
        e--;
    for (dot = e; dot > at + 1 && t[dot - 1] != '.'; dot--)
        ;
    if (dot <= at + 1)
        return false;
    dot--; /* at the last '.' of the domain */
    for (size_t i = dot + 1; i < e; i++) {
        if (!(cls[(uint8_t) t[i]] & C_ALPHA))
            return false;
        tld++;
    }
    if (tld < 2 || dot == at + 1)
        return false;
    *s_out = s;
    *e_out = e;
    return true;
}


void
chk_pii_scan(const char *text, size_t len, int year_now, chk_pii_fn fn, void *data)
{
    const uint8_t *t = (const uint8_t *) text;
    char d[24];
    size_t i = 0, last_end = 0;

    cls_init();
    while (i < len) {
        uint8_t k = cls[t[i]];
        if (!(k & (C_DIGIT | C_AT))) {
            i++;
            continue;
        }
        if (k & C_AT) {
            size_t s, e;
            if (email_at(text, len, i, &s, &e) && s >= last_end) {
                fn(data, CHK_PII_EMAIL, s, e);
                last_end = e;
                i = e;
            } else {
                i++;
            }
            continue;
        }
        {
            size_t start = i, end, nd, dstart;
            int groups;
            bool prefix86 = false;
            end = digit_run(text, len, start, d, &nd, &groups);
            /* glued to letters or digits on either side, or inside a decimal: not a number of
             * its own (credit codes, 文号, 1234.5678) */
            if ((start > 0 &&
                 (is_alnum(t[start - 1]) || t[start - 1] == '.' || t[start - 1] == '/' ||
                  t[start - 1] == '_' || t[start - 1] == '@')) ||
                (end < len &&
                 (is_alnum(t[end]) || t[end] == '_' || t[end] == '/' || t[end] == '@' ||
                  (t[end] == '.' && end + 1 < len && is_digit(t[end + 1]))))) {
                /* an ID's X check character is a letter right after 17 digits */
                if (!(groups == 1 && nd == 17 && end < len && (t[end] == 'X' || t[end] == 'x') &&
                      !(end + 1 < len && is_alnum(t[end + 1])) &&
                      !(start > 0 && is_alnum(t[start - 1])))) {
                    i = end;
                    continue;
                }
            }
            dstart = start;
            /* +86 138..., 86-138...: the country code is not part of the number */
            if (groups >= 2 && nd == 13 && d[0] == '8' && d[1] == '6' &&
                (t[start + 2] == ' ' || t[start + 2] == '-') && mobile_ok(d + 2, 11))
                prefix86 = true;
            if (start > 0 && t[start - 1] == '+' && !prefix86) {
                /* +86 glued to the number: 8613800138000 */
                if (nd == 13 && d[0] == '8' && d[1] == '6' && mobile_ok(d + 2, 11) && groups == 1)
                    prefix86 = true;
            }
            /* a number right after a hyphen that follows digits is an extension or a
             * part of a longer code (0571-87654321-8001): not personal data on its own */
            if (start >= 2 && t[start - 1] == '-' && is_digit(t[start - 2])) {
                i = end;
                continue;
            }
            if (prefix86) {
                fn(data, CHK_PII_MOBILE, start > 0 && t[start - 1] == '+' ? start - 1 : dstart,
                   end);
            } else if (groups == 1 && nd == 17 && end < len && (t[end] == 'X' || t[end] == 'x')) {
                memcpy(d + 17, "X", 1);
                if (chk_id_valid(d, 18, year_now)) {
                    fn(data, CHK_PII_ID, start, end + 1);
                    end++;
                }
            } else if (groups == 1 && nd == 18 && chk_id_valid(d, 18, year_now)) {
                fn(data, CHK_PII_ID, start, end);
            } else if (nd == 11 && mobile_ok(d, nd) && mobile_groups_ok(text, start, end, groups)) {
                fn(data, CHK_PII_MOBILE, start, end);
            } else if (nd >= 15 && nd <= 19 && card_groups_ok(text, start, end, groups) &&
                       card_prefix_ok(d, nd) && chk_luhn_valid(d, nd)) {
                fn(data, CHK_PII_CARD, start, end);
            }
            last_end = end;
            i = end;
        }
    }
}
