/*
 * sitecheck.c - shape rules of site identifiers; see sitecheck.h.
 */
#include "core/compat.h"
#include "core/sitecheck.h"
#include "core/err.h"
#include "core/utf8.h"


static bool
digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}


/* Skip one CJK character (the province abbreviation of a filing number). */
static const char *
skip_cjk(const char *s)
{
    uint32_t cp;
    size_t n = jy_utf8_decode(s, strlen(s), &cp);

    return n > 1 && jy_utf8_is_cjk(cp) ? s + n : NULL;
}


static const char *
skip_digits(const char *s, size_t min, size_t max)
{
    size_t n = 0;

    while (s[n] >= '0' && s[n] <= '9')
        n++;
    return n >= min && n <= max ? s + n : NULL;
}


/* ICP备案号: 岭ICP备56000001号, optionally -N (the rule of site_icp_shape). */
bool
jy_sitecheck_icp(const char *s)
{
    if ((s = skip_cjk(s)) == NULL || strncmp(s, "ICP备", 6) != 0)
        return false;
    if ((s = skip_digits(s + 6, 6, 10)) == NULL || strncmp(s, "号", 3) != 0)
        return false;
    s += 3;
    if (*s == '-' && (s = skip_digits(s + 1, 1, 3)) == NULL)
        return false;
    return *s == '\0';
}


/* 公安机关备案号: 岭公网安备 56010202000001号 (the rule of site_psb_shape). */
bool
jy_sitecheck_psb(const char *s)
{
    if ((s = skip_cjk(s)) == NULL || strncmp(s, "公网安备", 12) != 0)
        return false;
    s += 12;
    if (*s == ' ')
        s++;
    if ((s = skip_digits(s, 14, 14)) == NULL)
        return false;
    return strcmp(s, "号") == 0;
}


/* A lower-case host name of two labels or more (the rule of site_domain_shape). */
bool
jy_sitecheck_domain(const char *s)
{
    size_t n = strlen(s), label = 0, i;
    int dots = 0;
    const char *tld;

    if (n == 0 || n > 253)
        return false;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
            dots++;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    tld = strrchr(s, '.');
    if (dots == 0 || label < 2 || s[n - 1] == '-')
        return false;
    for (tld++; *tld; tld++)
        if (*tld < 'a' || *tld > 'z')
            return false;
    return true;
}


bool
jy_sitecheck_email(const char *s)
{
    const char *at = strchr(s, '@');

    if (at == NULL || at == s || strchr(at + 1, '@') || strpbrk(s, " \t\r\n"))
        return false;
    at = strchr(at + 1, '.');
    return at && at[-1] != '@' && at[1] != '\0';
}


/*
 * 政府网站标识码: a 6-digit division code and 4 digits, or "bm" and 8
 * digits; a local code starts with the division code of its government.
 */
int
jy_sitecheck_code(const char *code, const char *admin_code, struct jy_err *err)
{
    size_t len = strlen(code);

    if (!jy_utf8_valid(code, len, NULL) || jy_utf8_count(code, len) != 10) {
        jy_err_set(err, JY_E_INVALID,
                   "code \"%s\" must be 10 characters: a 6-digit division code and 4 digits, "
                   "or \"bm\" and 8 digits",
                   code);
    } else if (!digits(code, 10) &&
               !(len == 10 && strncmp(code, "bm", 2) == 0 && digits(code + 2, 8))) {
        jy_err_set(err, JY_E_INVALID,
                   "code \"%s\" must be a 6-digit division code and 4 digits, or \"bm\" and 8 "
                   "digits",
                   code);
    } else if (code[0] == '0') {
        jy_err_set(err, JY_E_INVALID, "code \"%s\" must start with a division code, not 0", code);
    } else if (admin_code && digits(code, 10) && strncmp(code, admin_code, 6) != 0) {
        jy_err_set(err, JY_E_INVALID, "code \"%s\" must start with the division code \"%s\"", code,
                   admin_code);
    } else {
        return JY_OK;
    }
    jy_err_field(err, "code");
    return JY_ERROR;
}
