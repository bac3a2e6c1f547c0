/*
 * buf.c - growable pooled buffer; see buf.h for the invariants.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/pool.h"
#include "core/utf8.h"

char jy_buf_slop[1];


void
jy_buf_init(struct jy_buf *b, struct jy_pool *pool, size_t hint)
{
    b->buf = jy_buf_slop;
    b->len = 0;
    b->alloc = 0;
    b->max = 0;
    b->pool = pool;
    b->err = 0;
    if (hint)
        jy_buf_grow(b, hint);
}


void
jy_buf_grow(struct jy_buf *b, size_t extra)
{
    size_t want, cap;
    char *p;

    if (extra > SIZE_MAX - b->len - 1)
        JY_BUG("jy_buf size overflow");
    want = b->len + extra + 1;
    if (want <= b->alloc)
        return;
    cap = b->alloc ? b->alloc : 64;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    if (b->alloc == 0) {
        p = jy_pool_alloc(b->pool, cap);
        p[0] = '\0';
    } else {
        p = jy_pool_realloc(b->pool, b->buf, b->alloc, cap);
    }
    b->buf = p;
    b->alloc = cap;
}


size_t
jy_buf_avail(const struct jy_buf *b)
{
    return b->alloc ? b->alloc - b->len - 1 : 0;
}


void
jy_buf_reset(struct jy_buf *b)
{
    b->len = 0;
    b->err = 0;
    if (b->alloc) /* else buf is the shared jy_buf_slop, already "": threads must not write it */
        b->buf[0] = '\0';
}


void
jy_buf_setlen(struct jy_buf *b, size_t len)
{
    JY_ASSERT(len <= b->len);
    b->len = len;
    if (b->alloc)
        b->buf[len] = '\0';
}


/*
 * The escaping appends below write in several pieces. When one piece hits
 * the cap, the pieces already written are taken back so the buffer never
 * ends inside an entity, an escape or a multi-byte character (buf.h: "the
 * content is never silently cut").
 */
static void
buf_rollback_on_error(struct jy_buf *b, size_t len_before)
{
    if (b->err && b->len > len_before)
        jy_buf_setlen(b, len_before);
}


/* Checks the cap and grows; false when the append must not happen. */
static bool
buf_reserve(struct jy_buf *b, size_t len)
{
    if (b->err)
        return false;
    if (b->max && (len > b->max || b->len > b->max - len)) {
        b->err = JY_BUF_TOOBIG;
        return false;
    }
    jy_buf_grow(b, len);
    return true;
}


void
jy_buf_add(struct jy_buf *b, const void *data, size_t len)
{
    uintptr_t d = (uintptr_t) data, start = (uintptr_t) b->buf;
    bool inside = b->alloc && d >= start && d < start + b->alloc;

    if (len == 0 || !buf_reserve(b, len))
        return;
    /* a part of the buffer appended to itself: growing may have moved it */
    if (inside)
        data = b->buf + (d - start);
    memmove(b->buf + b->len, data, len);
    b->len += len;
    b->buf[b->len] = '\0';
}


void
jy_buf_add_str(struct jy_buf *b, const char *s)
{
    jy_buf_add(b, s, strlen(s));
}


void
jy_buf_add_char(struct jy_buf *b, char c)
{
    jy_buf_add(b, &c, 1);
}


void
jy_buf_vaddf(struct jy_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    if (b->err)
        return;
    va_copy(cp, ap);
    n = vsnprintf(b->buf + b->len, jy_buf_avail(b) + (b->alloc ? 1 : 0), fmt, cp);
    va_end(cp);
    if (n < 0)
        JY_BUG("invalid format string \"%s\"", fmt);
    if ((size_t) n > jy_buf_avail(b)) {
        if (!buf_reserve(b, (size_t) n)) {
            b->buf[b->len] = '\0';
            return;
        }
        vsnprintf(b->buf + b->len, (size_t) n + 1, fmt, ap);
    } else if (b->max && b->len + (size_t) n > b->max) {
        b->err = JY_BUF_TOOBIG;
        b->buf[b->len] = '\0';
        return;
    }
    b->len += (size_t) n;
}


void
jy_buf_addf(struct jy_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    jy_buf_vaddf(b, fmt, ap);
    va_end(ap);
}


void
jy_buf_add_html(struct jy_buf *b, const char *s, size_t len)
{
    size_t i, start = 0, before = b->len;

    if (b->err)
        return;
    for (i = 0; i < len; i++) {
        const char *rep;
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        jy_buf_add(b, s + start, i - start);
        jy_buf_add_str(b, rep);
        start = i + 1;
    }
    jy_buf_add(b, s + start, len - start);
    buf_rollback_on_error(b, before);
}


void
jy_buf_add_json_str(struct jy_buf *b, const char *s, size_t len)
{
    static const char replacement[] = "\\ufffd";
    size_t i = 0, start = 0, before = b->len;

    if (b->err)
        return;
    jy_buf_add_char(b, '"');
    while (i < len) {
        unsigned char c = (unsigned char) s[i];
        char esc[8];
        uint32_t cp;
        size_t n;

        if (c >= 0x80) {
            /*
             * JSON text must be UTF-8 (RFC 8259 section 8.1): a byte that
             * does not start a valid sequence becomes U+FFFD instead of
             * making the whole document unreadable.
             */
            n = jy_utf8_decode(s + i, len - i, &cp);
            if (n) {
                i += n;
                continue;
            }
            jy_buf_add(b, s + start, i - start);
            jy_buf_add(b, replacement, sizeof(replacement) - 1);
            start = ++i;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        jy_buf_add(b, s + start, i - start);
        switch (c) {
        case '"':
            jy_buf_add(b, "\\\"", 2);
            break;
        case '\\':
            jy_buf_add(b, "\\\\", 2);
            break;
        case '\n':
            jy_buf_add(b, "\\n", 2);
            break;
        case '\r':
            jy_buf_add(b, "\\r", 2);
            break;
        case '\t':
            jy_buf_add(b, "\\t", 2);
            break;
        case '\b':
            jy_buf_add(b, "\\b", 2);
            break;
        case '\f':
            jy_buf_add(b, "\\f", 2);
            break;
        default:
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            jy_buf_add(b, esc, 6);
        }
        start = ++i;
    }
    jy_buf_add(b, s + start, len - start);
    jy_buf_add_char(b, '"');
    buf_rollback_on_error(b, before);
}


void
jy_buf_add_urlenc(struct jy_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, before = b->len;

    if (b->err)
        return;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            jy_buf_add_char(b, (char) c);
        } else {
            char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
            jy_buf_add(b, enc, 3);
        }
    }
    buf_rollback_on_error(b, before);
}


int
jy_buf_finish(const struct jy_buf *b)
{
    return b->err ? JY_ERROR : JY_OK;
}


char *
jy_buf_detach(struct jy_buf *b, size_t *len_out)
{
    char *s;

    if (len_out)
        *len_out = b->len;
    s = b->alloc ? b->buf : jy_pool_strndup(b->pool, "", 0);
    b->buf = jy_buf_slop;
    b->len = 0;
    b->alloc = 0;
    b->err = 0;
    return s;
}
