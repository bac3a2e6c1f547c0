/*
 * test.h - the small test framework of Jiyue (in the spirit of h2o's
 * picotest and git's clar).
 *
 * A test program lists its cases and calls jy_test_main():
 *
 *     static void test_grow(void) { ... T_ASSERT(b.len == 3); ... }
 *     int main(int argc, char **argv)
 *     {
 *         static const struct jy_test_case cases[] = { T_CASE(test_grow), };
 *         return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
 *     }
 *
 * A failing assertion prints file, line and the values, then leaves the
 * case (longjmp) so the next one runs. Output is one line per case
 * ("ok - name" / "not ok - name") and a closing "cases: N passed, M failed"
 * line that tests/run.sh adds up. `prog NAME` runs one case only.
 */
#ifndef JY_TESTS_TEST_H
#define JY_TESTS_TEST_H

#include "core/compat.h"

struct jy_test_case {
    const char *name;
    void (*fn)(void);
};

#define T_CASE(fn) \
    {              \
#fn, fn    \
    }

int jy_test_main(int argc, char **argv, const struct jy_test_case *cases, size_t n);

JY_NORETURN JY_PRINTF(3, 4) void jy_test_fail(const char *file, int line, const char *fmt, ...);

#define T_ASSERT(cond)                                                       \
    do {                                                                     \
        if (!(cond))                                                         \
            jy_test_fail(__FILE__, __LINE__, "assertion failed: %s", #cond); \
    } while (0)

#define T_EQ_INT(a, b)                                                                  \
    do {                                                                                \
        long long a_ = (long long) (a), b_ = (long long) (b);                           \
        if (a_ != b_)                                                                   \
            jy_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_); \
    } while (0)

#define T_EQ_STR(a, b)                                                                    \
    do {                                                                                  \
        const char *a_ = (a), *b_ = (b);                                                  \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                              \
            jy_test_fail(__FILE__, __LINE__,                                              \
                         "%s == %s:\n    got:      \"%s\"\n    expected: \"%s\"", #a, #b, \
                         a_ ? a_ : "(null)", b_ ? b_ : "(null)");                         \
    } while (0)

#define T_CONTAINS(hay, needle)                                                                   \
    do {                                                                                          \
        const char *h_ = (hay), *n_ = (needle);                                                   \
        if (h_ == NULL || strstr(h_, n_) == NULL)                                                 \
            jy_test_fail(__FILE__, __LINE__, "%s does not contain \"%s\":\n    \"%s\"", #hay, n_, \
                         h_ ? h_ : "(null)");                                                     \
    } while (0)

/* Path of a file in the source tree: jy_test_path("schema") */
const char *jy_test_path(const char *rel);

/* Make a fresh empty directory under the test temp folder; removed at exit. */
const char *jy_test_tmpdir(void);

/*
 * Integration tests: create a database of its own from the jy_template
 * database of the cluster that the ctest fixture started (its socket folder is in the file named by
 * JY_TEST_PGINFO) and return its connection string; dropped when the program exits. When migrated
 * is false the database is empty (created from template0).
 */
const char *jy_test_db_create(bool migrated);

/* Run a shell command, return its exit status (-1 when it did not exit). */
int jy_test_system(const char *fmt, ...) JY_PRINTF(1, 2);

#endif /* JY_TESTS_TEST_H */
