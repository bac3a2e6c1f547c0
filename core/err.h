/*
 * err.h - error values that carry a message an editor can read.
 *
 * Modelled on PostgreSQL's errmsg/errdetail/errhint:
 *  - msg: the primary message, short, lower-case, no final period, says
 *    what failed first and quotes the offending value: could not load site
 *    "1304000009": connection to database failed
 *  - detail: the technical cause (libpq text, SQLSTATE, errno text). For
 *    5xx answers it goes to the log only.
 *  - hint: what the person can do about it, a full sentence.
 *  - field: the input field the error is about (API answers name it).
 *
 * "could not" means a retry may succeed, "cannot" that it will not.
 * Strings are copied into fixed arrays so an error can outlive any pool; a
 * text too long for its array is cut on a character boundary, so every
 * field stays valid UTF-8.
 */
#ifndef JY_CORE_ERR_H
#define JY_CORE_ERR_H

#include <stddef.h>

enum jy_err_code {
    JY_E_NONE = 0,
    JY_E_INVALID,     /* bad input from the caller: 400 */
    JY_E_NOT_FOUND,   /* 404 */
    JY_E_CONFLICT,    /* already exists, changed meanwhile: 409 */
    JY_E_FORBIDDEN,   /* not allowed: 403 */
    JY_E_TOO_LARGE,   /* 413 */
    JY_E_UNAVAILABLE, /* database or peer down, retry later: 503 */
    JY_E_INTERNAL,    /* a bug or an unexpected failure: 500 */
    JY_E_IO,          /* file system: disk full, permission */
};

struct jy_err {
    enum jy_err_code code;
    char msg[256];
    char detail[512];
    char hint[256];
    char field[64];
};

#define JY_ERR_INIT               \
    {                             \
        JY_E_NONE, "", "", "", "" \
    }

/* Set code and the primary message; clears detail, hint and field. */
void jy_err_set(struct jy_err *e, enum jy_err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void jy_err_detail(struct jy_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jy_err_hint(struct jy_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jy_err_field(struct jy_err *e, const char *field);

/*
 * Set from errno: msg is the formatted text, detail the system's text for
 * errnum, code from jy_err_code_from_errno(), and a hint for a full disk or
 * a permission problem. Pass errno as its own argument (nginx): it is read
 * before fmt's arguments can change it.
 */
void jy_err_errno(struct jy_err *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The code that fits an errno value: ENOENT is JY_E_NOT_FOUND, EEXIST
 * JY_E_CONFLICT, ECONNREFUSED and ETIMEDOUT JY_E_UNAVAILABLE, a full disk or
 * a permission problem JY_E_IO; anything unexpected is JY_E_INTERNAL.
 */
enum jy_err_code jy_err_code_from_errno(int errnum);

/*
 * Put context in front of the message: "loading demo: <old msg>". When the
 * result is too long, the end of the old message is cut.
 */
void jy_err_prefix(struct jy_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void jy_err_clear(struct jy_err *e);

/* HTTP status for the code (400, 404, 409, 403, 413, 503, 500). */
int jy_err_http_status(const struct jy_err *e);

/*
 * Process exit status for the CLI: 0 for none, 3 when a service is
 * unavailable, 4 for internal errors, 1 for everything else (the user can fix
 * it). 2 is kept for usage errors, which the CLI reports itself.
 */
int jy_err_exit_status(const struct jy_err *e);

/* Print "jiyue: msg", then "  detail: ..." and "  hint: ..." when set, to stderr. */
void jy_err_print(const struct jy_err *e);

#endif /* JY_CORE_ERR_H */
