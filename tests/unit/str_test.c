/*
 * str_test.c - tests of core/str.c: views, comparison, trimming, splitting
 * and integer parsing at the limits.
 */
#include "core/compat.h"
#include "tests/test.h"
#include "core/pool.h"
#include "core/str.h"

#include <limits.h>


static void
test_from_and_eq(void)
{
    struct jy_str a = jy_str_from("站点"), b = JY_STR("站点"), n = jy_str_from(NULL);

    T_EQ_INT(a.len, 6);
    T_EQ_INT(b.len, 6);
    T_ASSERT(jy_str_eq(a, b));
    T_ASSERT(jy_str_eq_cstr(a, "站点"));
    T_ASSERT(!jy_str_eq_cstr(a, "站"));
    T_ASSERT(!jy_str_eq(JY_STR("abc"), JY_STR("abd")));
    T_EQ_INT(n.len, 0);
    /* empty views are equal whatever their pointer */
    T_ASSERT(jy_str_eq(n, JY_STR("")));
    T_ASSERT(jy_str_eq(JY_STR_NULL, JY_STR("")));
}


static void
test_has_prefix(void)
{
    T_ASSERT(jy_str_has_prefix(JY_STR("/admin/sites"), "/admin/"));
    T_ASSERT(!jy_str_has_prefix(JY_STR("/adm"), "/admin/"));
    T_ASSERT(jy_str_has_prefix(JY_STR("x"), ""));
    /* the empty prefix of a NULL view: no memcmp on NULL (UBSan checks) */
    T_ASSERT(jy_str_has_prefix(JY_STR_NULL, ""));
    T_ASSERT(!jy_str_has_prefix(JY_STR_NULL, "a"));
}


static void
test_trim(void)
{
    struct jy_str t = jy_str_trim(JY_STR(" \t\r\n value x \v\f\n"));

    T_EQ_INT(t.len, 7);
    T_ASSERT(memcmp(t.ptr, "value x", 7) == 0);
    t = jy_str_trim(JY_STR(" \t \n"));
    T_EQ_INT(t.len, 0);
    t = jy_str_trim(JY_STR_NULL);
    T_EQ_INT(t.len, 0);
    t = jy_str_trim(JY_STR("　全角")); /* U+3000 is not ASCII space: kept */
    T_EQ_INT(t.len, strlen("　全角"));
}


static void
test_split(void)
{
    struct jy_str head, tail;

    tail = jy_str_split(JY_STR("key=value=more"), '=', &head);
    T_ASSERT(jy_str_eq_cstr(head, "key"));
    T_ASSERT(jy_str_eq_cstr(tail, "value=more"));

    tail = jy_str_split(JY_STR("novalue"), '=', &head);
    T_ASSERT(jy_str_eq_cstr(head, "novalue"));
    T_ASSERT(tail.ptr == NULL); /* absent separator: NULL, not an empty view */

    tail = jy_str_split(JY_STR("key="), '=', &head);
    T_ASSERT(jy_str_eq_cstr(head, "key"));
    T_ASSERT(tail.ptr != NULL && tail.len == 0);

    tail = jy_str_split(JY_STR("=v"), '=', &head);
    T_EQ_INT(head.len, 0);
    T_ASSERT(jy_str_eq_cstr(tail, "v"));

    tail = jy_str_split(JY_STR_NULL, '=', &head);
    T_ASSERT(tail.ptr == NULL && head.len == 0);
}


static void
test_to_ll(void)
{
    long long v = 0;

    T_ASSERT(jy_str_to_ll(JY_STR("42"), 0, 100, &v) && v == 42);
    T_ASSERT(jy_str_to_ll(JY_STR("-7"), -10, 10, &v) && v == -7);
    T_ASSERT(jy_str_to_ll(JY_STR("+7"), -10, 10, &v) && v == 7);
    T_ASSERT(jy_str_to_ll(JY_STR("007"), 0, 10, &v) && v == 7);
    T_ASSERT(jy_str_to_ll(JY_STR("9223372036854775807"), LLONG_MIN, LLONG_MAX, &v));
    T_ASSERT(v == LLONG_MAX);
    T_ASSERT(jy_str_to_ll(JY_STR("-9223372036854775808"), LLONG_MIN, LLONG_MAX, &v));
    T_ASSERT(v == LLONG_MIN);
    v = 5;
    T_ASSERT(!jy_str_to_ll(JY_STR("9223372036854775808"), LLONG_MIN, LLONG_MAX, &v));
    T_ASSERT(!jy_str_to_ll(JY_STR("-9223372036854775809"), LLONG_MIN, LLONG_MAX, &v));
    T_ASSERT(!jy_str_to_ll(JY_STR("99999999999999999999"), LLONG_MIN, LLONG_MAX, &v));
    T_EQ_INT(v, 5); /* failures leave *out alone */
}


static void
test_to_ll_rejects(void)
{
    long long v;

    T_ASSERT(!jy_str_to_ll(JY_STR(""), 0, 10, &v));
    T_ASSERT(!jy_str_to_ll(JY_STR_NULL, 0, 10, &v));
    T_ASSERT(!jy_str_to_ll(JY_STR("-"), -10, 10, &v));
    T_ASSERT(!jy_str_to_ll(JY_STR("+"), -10, 10, &v));
    T_ASSERT(!jy_str_to_ll(JY_STR(" 1"), 0, 10, &v));
    T_ASSERT(!jy_str_to_ll(JY_STR("1 "), 0, 10, &v));
    T_ASSERT(!jy_str_to_ll(JY_STR("1a"), 0, 10, &v));
    T_ASSERT(!jy_str_to_ll(JY_STR("0x10"), 0, 100, &v));
    T_ASSERT(!jy_str_to_ll(JY_STR("１"), 0, 10, &v)); /* fullwidth digit */
    T_ASSERT(!jy_str_to_ll(JY_STR("11"), 0, 10, &v)); /* above max */
    T_ASSERT(!jy_str_to_ll(JY_STR("0"), 1, 256, &v)); /* below min */
    T_ASSERT(jy_str_to_ll(JY_STR("256"), 1, 256, &v) && v == 256);
}


static void
test_dup(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    const char text[] = "abcdef";
    struct jy_str mid = {text + 2, 3};

    T_EQ_STR(jy_str_dup(pool, mid), "cde");
    T_EQ_STR(jy_str_dup(pool, JY_STR_NULL), "");
    jy_pool_destroy(pool);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_from_and_eq), T_CASE(test_has_prefix),    T_CASE(test_trim), T_CASE(test_split),
        T_CASE(test_to_ll),       T_CASE(test_to_ll_rejects), T_CASE(test_dup),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
