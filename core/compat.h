/*
 * compat.h - the first include of every .c file in Jiyue.
 *
 * It sets the feature macros, pulls in the system headers nearly every file
 * needs, defines the assertion and attribute macros, and includes banned.h
 * last so that the unsafe libc functions are caught after the headers that
 * declare them (git's git-compat-util.h does the same).
 */
#ifndef JY_CORE_COMPAT_H
#define JY_CORE_COMPAT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasestr, memmem, pipe2, getresuid */
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JY_PRINTF(fmt_idx, args_idx) __attribute__((format(printf, fmt_idx, args_idx)))
#define JY_NORETURN                  __attribute__((noreturn))
#define JY_UNUSED                    __attribute__((unused))
#define JY_ARRAY_LEN(a)              (sizeof(a) / sizeof((a)[0]))

/*
 * Return codes of action-named functions (nginx ngx_core.h).
 * JY_DECLINED means "not mine, try the next one" and is never an error.
 */
enum jy_rc {
    JY_OK = 0,
    JY_ERROR = -1,
    JY_AGAIN = -2,
    JY_DECLINED = -3,
    JY_DONE = -4,
};

JY_NORETURN void jy_assert_fail(const char *expr, const char *file, int line);
JY_NORETURN JY_PRINTF(3, 4) void jy_bug_fl(const char *file, int line, const char *fmt, ...);

/* Programmer errors only: never assert on data from users, the DB or plugins. */
#define JY_ASSERT(e) ((e) ? (void) 0 : jy_assert_fail(#e, __FILE__, __LINE__))
#define JY_BUG(...)  jy_bug_fl(__FILE__, __LINE__, __VA_ARGS__)

/*
 * Defensive branches (sqliteInt.h ALWAYS/NEVER): they assert in debug builds
 * and are plain tests in release builds, where the branch handles the case.
 */
#ifdef NDEBUG
#define JY_ALWAYS(x) (x)
#define JY_NEVER(x)  (x)
#else
#define JY_ALWAYS(x) ((x) ? 1 : (jy_assert_fail(#x, __FILE__, __LINE__), 0))
#define JY_NEVER(x)  ((x) ? (jy_assert_fail("!(" #x ")", __FILE__, __LINE__), 1) : 0)
#endif

#include "banned.h"

#endif /* JY_CORE_COMPAT_H */
