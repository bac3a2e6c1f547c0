/*
 * buf.h - a growable byte buffer whose memory comes from a pool
 * (git strbuf + PostgreSQL StringInfo + sqlite3_str's sticky error).
 *
 * Invariants:
 *  - buf is never NULL and buf[len] is always '\0', so a jy_buf can be
 *    printed at any time. JY_BUF_INIT points buf at a shared empty string;
 *    an unused buffer allocates nothing.
 *  - Read alloc only through jy_buf_avail().
 *  - len < alloc, except for the shared empty string (alloc == 0, len == 0).
 *  - Errors are sticky: once an append would pass max, err is set, later
 *    appends do nothing, and the caller checks once with jy_buf_finish().
 *    The content is never silently cut: with err set, the buffer holds what
 *    was there before the failing call, never half of an escaped string.
 *  - Running out of memory is not an error here: like every pool
 *    allocation it aborts (pool.h). Cap untrusted sizes with max.
 *
 * Usage:
 *     struct jy_buf b = JY_BUF_INIT(pool);
 *     jy_buf_add_str(&b, "<p>");
 *     jy_buf_add_html(&b, title, strlen(title));
 *     if (jy_buf_finish(&b) != JY_OK) ... page too large ...
 */
#ifndef JY_CORE_BUF_H
#define JY_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct jy_pool;

struct jy_buf {
    char *buf;            /* never NULL, NUL-terminated */
    size_t len;           /* bytes used, excluding the NUL */
    size_t alloc;         /* bytes allocated, 0 while buf is the shared empty string */
    size_t max;           /* cap on len, 0 for none; passing it sets err */
    struct jy_pool *pool; /* where the memory comes from */
    int err;              /* sticky: JY_BUF_TOOBIG once a cap was hit */
};

enum { JY_BUF_TOOBIG = 1 };

extern char jy_buf_slop[1];

#define JY_BUF_INIT(p)               \
    {                                \
        jy_buf_slop, 0, 0, 0, (p), 0 \
    }

void jy_buf_init(struct jy_buf *b, struct jy_pool *pool, size_t hint);

/* Make room for at least extra more bytes (plus the NUL). */
void jy_buf_grow(struct jy_buf *b, size_t extra);

/* Bytes that can be appended without growing. */
size_t jy_buf_avail(const struct jy_buf *b);

/* Forget the content, keep the memory and clear err. */
void jy_buf_reset(struct jy_buf *b);

/* Shorten to len bytes (len <= b->len). */
void jy_buf_setlen(struct jy_buf *b, size_t len);

/* Append len bytes; data may point into b->buf itself (e.g. to repeat a part). */
void jy_buf_add(struct jy_buf *b, const void *data, size_t len);
void jy_buf_add_str(struct jy_buf *b, const char *s);
void jy_buf_add_char(struct jy_buf *b, char c);
/* printf into the buffer; no argument may point into b->buf itself. */
void jy_buf_addf(struct jy_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jy_buf_vaddf(struct jy_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * The escaping appends below read s while they write: s must not point into
 * b->buf.
 */

/* Append text escaped for HTML text and attribute values (& < > " '). */
void jy_buf_add_html(struct jy_buf *b, const char *s, size_t len);

/*
 * Append s as a JSON string literal, quotes included. Control characters
 * are escaped, valid UTF-8 is copied as is, and a byte that is not valid
 * UTF-8 becomes \ufffd so the result is always valid JSON.
 */
void jy_buf_add_json_str(struct jy_buf *b, const char *s, size_t len);

/* Append s escaped for a URL path segment or query value (RFC 3986 unreserved kept). */
void jy_buf_add_urlenc(struct jy_buf *b, const char *s, size_t len);

/* JY_OK, or JY_ERROR when an append failed (err says why). */
int jy_buf_finish(const struct jy_buf *b);

/*
 * Hand the content to the caller: the returned string lives in the pool,
 * the buffer is reset to empty. *len_out may be NULL.
 */
char *jy_buf_detach(struct jy_buf *b, size_t *len_out);

#endif /* JY_CORE_BUF_H */
