/*
 * str.h - string views: a pointer and a length into someone else's memory
 * (nginx ngx_str_t). A view is usually not NUL-terminated; it lives as long
 * as the memory it points into. Always passed pointer first, length second.
 */
#ifndef JY_CORE_STR_H
#define JY_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>

struct jy_pool;

struct jy_str {
    const char *ptr;
    size_t len;
};

#define JY_STR(lit) ((struct jy_str){(lit), sizeof(lit) - 1})
#define JY_STR_NULL ((struct jy_str){NULL, 0})

struct jy_str jy_str_from(const char *s);
bool jy_str_eq(struct jy_str a, struct jy_str b);
bool jy_str_eq_cstr(struct jy_str a, const char *s);
bool jy_str_has_prefix(struct jy_str s, const char *prefix);
struct jy_str jy_str_trim(struct jy_str s);

/* Copy into the pool with a terminating NUL. */
char *jy_str_dup(struct jy_pool *pool, struct jy_str s);

/*
 * Split at the first sep: *head gets what is before, the return value what
 * is after. When sep is absent, *head is s and the result has ptr NULL.
 */
struct jy_str jy_str_split(struct jy_str s, char sep, struct jy_str *head);

/* Parse a decimal integer in [min, max]; false on anything else. */
bool jy_str_to_ll(struct jy_str s, long long min, long long max, long long *out);

#endif /* JY_CORE_STR_H */
