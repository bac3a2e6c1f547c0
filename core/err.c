/*
 * err.c - error values; message style is described in err.h.
 */
#include "core/compat.h"
#include "core/err.h"
#include "core/utf8.h"


/*
 * Format into a fixed array. A message too long for it is cut at a
 * character boundary, never in the middle of a Chinese character: messages
 * go into JSON answers and logs, which must stay valid UTF-8. (Clamping the
 * cut text would not do: its last, incomplete character looks like an
 * invalid byte, which clamping keeps.)
 */
static void err_vformat(char *dst, size_t size, const char *fmt, va_list ap) JY_PRINTF(3, 0);

static void
err_vformat(char *dst, size_t size, const char *fmt, va_list ap)
{
    int n = vsnprintf(dst, size, fmt, ap);

    if (n < 0)
        dst[0] = '\0';
    else if ((size_t) n >= size)
        dst[jy_utf8_trim_partial(dst, size - 1)] = '\0';
}


/* Thread-safe strerror(): several workers may fail at once. */
static const char *
err_strerror(int errnum, char *buf, size_t size)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    return strerror_r(errnum, buf, size); /* the GNU variant returns the text */
#else
    if (strerror_r(errnum, buf, size) != 0)
        snprintf(buf, size, "error %d", errnum);
    return buf;
#endif
}


enum jy_err_code
jy_err_code_from_errno(int errnum)
{
    switch (errnum) {
    case ENOENT:
    case ENOTDIR:
        return JY_E_NOT_FOUND;
    case EEXIST:
    case ENOTEMPTY:
        return JY_E_CONFLICT;
    case EFBIG:
    case E2BIG:
    case ENAMETOOLONG:
        return JY_E_TOO_LARGE;
    case EAGAIN:
    case ECONNREFUSED:
    case ECONNRESET:
    case ETIMEDOUT:
    case EHOSTUNREACH:
    case ENETUNREACH:
        return JY_E_UNAVAILABLE;
    case ENOSPC:
    case EDQUOT:
    case EACCES:
    case EPERM:
    case EROFS:
    case EIO:
    case EISDIR:
        return JY_E_IO;
    default:
        return JY_E_INTERNAL;
    }
}


static void err_format(char *dst, size_t size, const char *fmt, ...) JY_PRINTF(3, 4);

static void
err_format(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vformat(dst, size, fmt, ap);
    va_end(ap);
}


void
jy_err_set(struct jy_err *e, enum jy_err_code code, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return;
    e->code = code;
    e->detail[0] = e->hint[0] = e->field[0] = '\0';
    va_start(ap, fmt);
    err_vformat(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
}


void
jy_err_detail(struct jy_err *e, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return;
    va_start(ap, fmt);
    err_vformat(e->detail, sizeof(e->detail), fmt, ap);
    va_end(ap);
}


void
jy_err_hint(struct jy_err *e, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return;
    va_start(ap, fmt);
    err_vformat(e->hint, sizeof(e->hint), fmt, ap);
    va_end(ap);
}


void
jy_err_field(struct jy_err *e, const char *field)
{
    if (e == NULL)
        return;
    err_format(e->field, sizeof(e->field), "%s", field ? field : "");
}


void
jy_err_errno(struct jy_err *e, int errnum, const char *fmt, ...)
{
    char text[128];
    va_list ap;

    if (e == NULL)
        return;
    e->code = jy_err_code_from_errno(errnum);
    e->hint[0] = e->field[0] = '\0';
    va_start(ap, fmt);
    err_vformat(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    err_format(e->detail, sizeof(e->detail), "%s", err_strerror(errnum, text, sizeof(text)));
    if (errnum == ENOSPC)
        jy_err_hint(e, "The disk is full. Free some space and try again.");
    else if (errnum == EACCES || errnum == EPERM)
        jy_err_hint(e, "Check who owns the path and its permissions.");
}


void
jy_err_prefix(struct jy_err *e, const char *fmt, ...)
{
    char prefix[sizeof(e->msg)], old[sizeof(e->msg)];
    size_t plen, olen;
    va_list ap;

    if (e == NULL)
        return;
    va_start(ap, fmt);
    err_vformat(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof(old));
    old[sizeof(old) - 1] = '\0';
    plen = strlen(prefix);
    olen = strlen(old);
    /* the context is kept whole; the end of the old message gives way */
    if (plen > sizeof(e->msg) - 3)
        plen = jy_utf8_trim_partial(prefix, sizeof(e->msg) - 3);
    if (olen > sizeof(e->msg) - 3 - plen)
        olen = jy_utf8_trim_partial(old, sizeof(e->msg) - 3 - plen);
    memcpy(e->msg, prefix, plen);
    memcpy(e->msg + plen, ": ", 2);
    memcpy(e->msg + plen + 2, old, olen);
    e->msg[plen + 2 + olen] = '\0';
}


void
jy_err_clear(struct jy_err *e)
{
    if (e == NULL)
        return;
    e->code = JY_E_NONE;
    e->msg[0] = e->detail[0] = e->hint[0] = e->field[0] = '\0';
}


int
jy_err_http_status(const struct jy_err *e)
{
    switch (e->code) {
    case JY_E_NONE:
        return 200;
    case JY_E_INVALID:
        return 400;
    case JY_E_NOT_FOUND:
        return 404;
    case JY_E_CONFLICT:
        return 409;
    case JY_E_FORBIDDEN:
        return 403;
    case JY_E_TOO_LARGE:
        return 413;
    case JY_E_UNAVAILABLE:
        return 503;
    case JY_E_INTERNAL:
    case JY_E_IO:
        return 500;
    }
    return 500;
}


int
jy_err_exit_status(const struct jy_err *e)
{
    switch (e->code) {
    case JY_E_NONE:
        return 0;
    case JY_E_UNAVAILABLE:
        return 3;
    case JY_E_INTERNAL:
        return 4;
    default:
        return 1;
    }
}


void
jy_err_print(const struct jy_err *e)
{
    fprintf(stderr, "jiyue: %s\n", e->msg[0] ? e->msg : "unspecified error");
    if (e->detail[0])
        fprintf(stderr, "  detail: %s\n", e->detail);
    if (e->hint[0])
        fprintf(stderr, "  hint: %s\n", e->hint);
}


void
jy_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "jiyue: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}


void
jy_bug_fl(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "jiyue: BUG (%s:%d): ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
