/*
 * str.c - string views.
 */
#include "core/compat.h"
#include "core/str.h"
#include "core/pool.h"

#include <limits.h>


struct jy_str
jy_str_from(const char *s)
{
    struct jy_str r = {s, s ? strlen(s) : 0};
    return r;
}


bool
jy_str_eq(struct jy_str a, struct jy_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}


bool
jy_str_eq_cstr(struct jy_str a, const char *s)
{
    return jy_str_eq(a, jy_str_from(s));
}


bool
jy_str_has_prefix(struct jy_str s, const char *prefix)
{
    size_t n = strlen(prefix);

    /* memcmp() must not see the NULL of JY_STR_NULL, even for 0 bytes */
    return n == 0 || (s.len >= n && memcmp(s.ptr, prefix, n) == 0);
}


static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}


struct jy_str
jy_str_trim(struct jy_str s)
{
    while (s.len && is_space(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && is_space(s.ptr[s.len - 1]))
        s.len--;
    return s;
}


char *
jy_str_dup(struct jy_pool *pool, struct jy_str s)
{
    return jy_pool_strndup(pool, s.ptr ? s.ptr : "", s.len);
}


struct jy_str
jy_str_split(struct jy_str s, char sep, struct jy_str *head)
{
    const char *p = s.len ? memchr(s.ptr, sep, s.len) : NULL;
    struct jy_str tail = JY_STR_NULL;

    if (p == NULL) {
        *head = s;
        return tail;
    }
    head->ptr = s.ptr;
    head->len = (size_t) (p - s.ptr);
    tail.ptr = p + 1;
    tail.len = s.len - head->len - 1;
    return tail;
}


bool
jy_str_to_ll(struct jy_str s, long long min, long long max, long long *out)
{
    size_t i = 0;
    bool neg = false;
    unsigned long long v = 0, limit;

    if (s.len == 0)
        return false;
    if (s.ptr[0] == '-' || s.ptr[0] == '+') {
        neg = s.ptr[0] == '-';
        i = 1;
        if (s.len == 1)
            return false;
    }
    limit = neg ? (unsigned long long) LLONG_MAX + 1 : (unsigned long long) LLONG_MAX;
    for (; i < s.len; i++) {
        unsigned d;
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
        d = (unsigned) (s.ptr[i] - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    {
        long long r = neg ? (v == (unsigned long long) LLONG_MAX + 1 ? LLONG_MIN : -(long long) v)
                          : (long long) v;
        if (r < min || r > max)
            return false;
        *out = r;
    }
    return true;
}
