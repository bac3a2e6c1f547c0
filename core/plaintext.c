/*
 * plaintext.c - rich text to paragraphs (plaintext.h).
 *
 * A single forward pass over the HTML, no tree: the bodies are already
 * sanitised (core/sanitize.c), and a scanner that never backtracks keeps
 * the checks fast on a province's worth of items. Malformed input (an
 * unclosed tag, a stray '<') is read the forgiving way: a '<' not followed
 * by a tag name is text, an unclosed tag ends the input.
 */
#include "core/compat.h"
#include "core/plaintext.h"

#include "core/buf.h"
#include "core/pool.h"
#include "core/utf8.h"

#include <strings.h>

struct pt_state {
    struct jy_buf out;
    struct jy_plaintext_link *links;
    size_t nlinks, cap;
    bool space;     /* a collapsed space is pending */
    bool cell;      /* inside a row: next cell needs a TAB */
    long open_link; /* index of the <a> whose text is being read, -1 */
};

static const char *const pt_blocks[] = {
    "p",      "div",   "h1", "h2",      "h3",         "h4",  "h5",      "h6",         "li",
    "ul",     "ol",    "tr", "table",   "blockquote", "pre", "section", "article",    "header",
    "footer", "dd",    "dt", "dl",      "caption",    "hr",  "figure",  "figcaption", "thead",
    "tbody",  "tfoot", "br", "address", "center",     "nav", "aside",   "main",
};


static bool
pt_is_block(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(pt_blocks); i++)
        if (strlen(pt_blocks[i]) == len && strncasecmp(pt_blocks[i], name, len) == 0)
            return true;
    return false;
}


static bool
pt_name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(want, name, len) == 0;
}


static bool
pt_at_para_start(const struct pt_state *st)
{
    return st->out.len == 0 || st->out.buf[st->out.len - 1] == '\n';
}


/* End the current paragraph (if it has text). */
static void
pt_break(struct pt_state *st)
{
    st->space = false;
    st->cell = false;
    if (!pt_at_para_start(st))
        jy_buf_add_char(&st->out, '\n');
}


static void
pt_text(struct pt_state *st, const char *s, size_t len)
{
    if (st->space && !pt_at_para_start(st) && st->out.buf[st->out.len - 1] != '\t')
        jy_buf_add_char(&st->out, ' ');
    st->space = false;
    jy_buf_add(&st->out, s, len);
}


/* Decode a character reference at s (s[0] == '&'); returns bytes consumed, 0 if none. */
static size_t
pt_entity(const char *s, size_t len, char *out, size_t *out_len)
{
    static const struct {
        const char *name;
        const char *text;
    } named[] = {{"amp", "&"},
                 {"lt", "<"},
                 {"gt", ">"},
                 {"quot", "\""},
                 {"apos", "'"},
                 {"nbsp", " "},
                 {"ldquo", "\xe2\x80\x9c"},
                 {"rdquo", "\xe2\x80\x9d"},
                 {"middot", "\xc2\xb7"},
                 {"mdash", "\xe2\x80\x94"},
                 {"hellip", "\xe2\x80\xa6"},
                 {"copy", "\xc2\xa9"}};
    size_t i, n;

    if (len >= 3 && s[1] == '#') {
        uint32_t cp = 0;
        bool hex = s[2] == 'x' || s[2] == 'X';
        size_t digits = 0;
        for (i = hex ? 3 : 2; i < len && i < 12; i++) {
            char c = s[i];
            int v;
            if (c >= '0' && c <= '9')
                v = c - '0';
            else if (hex && c >= 'a' && c <= 'f')
                v = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F')
                v = c - 'A' + 10;
            else
                break;
            cp = cp * (hex ? 16 : 10) + (uint32_t) v;
            digits++;
        }
        if (digits == 0 || i >= len || s[i] != ';')
            return 0;
        if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || digits > 7)
            cp = 0xFFFD;
        /* a reference to white space is white space (&#10; does not start a paragraph);
         * to another control character, a replacement character */
        if (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f')
            cp = ' ';
        else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            cp = 0xFFFD;
        *out_len = jy_utf8_encode(cp, out);
        return i + 1;
    }
    for (i = 0; i < JY_ARRAY_LEN(named); i++) {
        n = strlen(named[i].name);
        if (len >= n + 2 && memcmp(s + 1, named[i].name, n) == 0 && s[n + 1] == ';') {
            *out_len = strlen(named[i].text);
            memcpy(out, named[i].text, *out_len);
            return n + 2;
        }
    }
    return 0;
}


/* Append s[0..len) decoded (references) to b. */
static void
pt_decode_into(struct jy_buf *b, const char *s, size_t len)
{
    size_t i = 0;
    char tmp[8];
    size_t tl, used;

    while (i < len) {
        if (s[i] == '&' && (used = pt_entity(s + i, len - i, tmp, &tl)) > 0) {
            jy_buf_add(b, tmp, tl);
            i += used;
        } else {
            jy_buf_add_char(b, s[i]);
            i++;
        }
    }
}


static void
pt_add_link(struct pt_state *st, struct jy_pool *pool, const char *url, size_t url_len, bool image)
{
    struct jy_buf u = JY_BUF_INIT(pool);

    if (st->nlinks == st->cap) {
        size_t ncap = st->cap ? st->cap * 2 : 8;
        st->links = jy_pool_realloc(pool, st->links, st->cap * sizeof(*st->links),
                                    ncap * sizeof(*st->links));
        st->cap = ncap;
    }
    pt_decode_into(&u, url, url_len);
    /* attribute values are trimmed by browsers */
    while (u.len &&
           (u.buf[u.len - 1] == ' ' || u.buf[u.len - 1] == '\n' || u.buf[u.len - 1] == '\t'))
        u.len--;
    u.buf[u.len] = '\0';
    {
        const char *p = u.buf;
        while (*p == ' ' || *p == '\n' || *p == '\t')
            p++;
        st->links[st->nlinks].url = p;
    }
    if (st->space && !pt_at_para_start(st) && !image) {
        jy_buf_add_char(&st->out, ' ');
        st->space = false;
    }
    st->links[st->nlinks].offset = st->out.len;
    st->links[st->nlinks].len = 0;
    if (!image)
        st->open_link = (long) st->nlinks;
    st->nlinks++;
}


/*
 * Read the attributes of a tag from p to the closing '>' (returned; or
 * end). When want is set, store the value of that attribute.
 */
static const char *
pt_attrs(const char *p, const char *end, const char *want, const char **val, size_t *val_len)
{
    *val = NULL;
    while (p < end && *p != '>') {
        const char *name, *v = NULL;
        size_t nlen, vlen = 0;
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '/') {
            p++;
            continue;
        }
        name = p;
        while (p < end && *p != '=' && *p != '>' && *p != ' ' && *p != '\t' && *p != '\n' &&
               *p != '\r' && *p != '/')
            p++;
        nlen = (size_t) (p - name);
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
            p++;
        if (p < end && *p == '=') {
            p++;
            while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
                p++;
            if (p < end && (*p == '"' || *p == '\'')) {
                char q = *p++;
                v = p;
                while (p < end && *p != q)
                    p++;
                vlen = (size_t) (p - v);
                if (p < end)
                    p++;
            } else {
                v = p;
                while (p < end && *p != '>' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
                    p++;
                vlen = (size_t) (p - v);
            }
        }
        if (want && v && pt_name_is(name, nlen, want)) {
            *val = v;
            *val_len = vlen;
        }
    }
    return p;
}


void
jy_plaintext_from_html(struct jy_pool *pool, const char *html, size_t len, struct jy_plaintext *out)
{
    struct pt_state st;
    const char *p = html, *end = html + len;

    memset(&st, 0, sizeof(st));
    jy_buf_init(&st.out, pool, len + 1);
    st.open_link = -1;
    while (p < end) {
        if (*p == '<') {
            const char *q = p + 1, *name;
            bool closing = false;
            size_t nlen;
            if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
                const char *c = memmem(p + 4, (size_t) (end - p - 4), "-->", 3);
                p = c ? c + 3 : end;
                continue;
            }
            if (q < end && (*q == '!' || *q == '?')) {
                const char *c = memchr(q, '>', (size_t) (end - q));
                p = c ? c + 1 : end;
                continue;
            }
            if (q < end && *q == '/') {
                closing = true;
                q++;
            }
            name = q;
            while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                               (*q >= '0' && *q <= '9')))
                q++;
            nlen = (size_t) (q - name);
            if (nlen == 0 ||
                !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) {
                pt_text(&st, p, 1); /* a '<' that starts no tag is text */
                p++;
                continue;
            }
            {
                const char *val = NULL;
                size_t vlen = 0;
                const char *want = closing                         ? NULL
                                   : pt_name_is(name, nlen, "a")   ? "href"
                                   : pt_name_is(name, nlen, "img") ? "src"
                                                                   : NULL;
                q = pt_attrs(q, end, want, &val, &vlen);
                p = q < end ? q + 1 : end;
                if (pt_name_is(name, nlen, "script") || pt_name_is(name, nlen, "style")) {
                    if (!closing) {
                        /* skip to the matching end tag */
                        const char *c = p;
                        for (;;) {
                            c = memchr(c, '<', (size_t) (end - c));
                            if (c == NULL || (end - c >= 2 + (ptrdiff_t) nlen && c[1] == '/' &&
                                              strncasecmp(c + 2, name, nlen) == 0)) {
                                break;
                            }
                            c++;
                        }
                        p = c ? c : end;
                    }
                    continue;
                }
                if (pt_is_block(name, nlen)) {
                    if (st.open_link >= 0) {
                        st.links[st.open_link].len = st.out.len - st.links[st.open_link].offset;
                        st.open_link = -1;
                    }
                    pt_break(&st);
                } else if (pt_name_is(name, nlen, "td") || pt_name_is(name, nlen, "th")) {
                    if (!closing) {
                        if (st.cell && !pt_at_para_start(&st))
                            jy_buf_add_char(&st.out, '\t');
                        st.cell = true;
                        st.space = false;
                    }
                } else if (pt_name_is(name, nlen, "a")) {
                    if (st.open_link >= 0) {
                        st.links[st.open_link].len = st.out.len - st.links[st.open_link].offset;
                        st.open_link = -1;
                    }
                    if (!closing && val)
                        pt_add_link(&st, pool, val, vlen, false);
                } else if (pt_name_is(name, nlen, "img") && !closing && val) {
                    pt_add_link(&st, pool, val, vlen, true);
                }
            }
            continue;
        }
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f') {
            st.space = true;
            p++;
            continue;
        }
        if (*p == '&') {
            char tmp[8];
            size_t tl, used = pt_entity(p, (size_t) (end - p), tmp, &tl);
            if (used > 0) {
                if (tl == 1 && tmp[0] == ' ')
                    st.space = true;
                else
                    pt_text(&st, tmp, tl);
                p += used;
                continue;
            }
        }
        {
            const char *s = p;
            while (p < end && *p != '<' && *p != '&' && *p != ' ' && *p != '\t' && *p != '\n' &&
                   *p != '\r' && *p != '\f')
                p++;
            if (p == s)
                p++;
            pt_text(&st, s, (size_t) (p - s));
        }
    }
    if (st.open_link >= 0)
        st.links[st.open_link].len = st.out.len - st.links[st.open_link].offset;
    /* no trailing newline: the last paragraph ends the text */
    while (st.out.len && st.out.buf[st.out.len - 1] == '\n')
        st.out.len--;
    st.out.buf[st.out.len] = '\0';
    for (size_t i = 0; i < st.nlinks; i++) {
        if (st.links[i].offset > st.out.len)
            st.links[i].offset = st.out.len;
        if (st.links[i].offset + st.links[i].len > st.out.len)
            st.links[i].len = st.out.len - st.links[i].offset;
    }
    out->len = st.out.len;
    out->text = jy_buf_detach(&st.out, NULL);
    out->links = st.links;
    out->nlinks = st.nlinks;
}


void
jy_plaintext_position(const char *text, size_t len, size_t off, int *paragraph, size_t *chars)
{
    const char *start = text, *nl;
    int para = 1;

    if (off > len)
        off = len;
    while ((nl = memchr(start, '\n', (size_t) (text + off - start))) != NULL) {
        para++;
        start = nl + 1;
    }
    *paragraph = para;
    *chars = jy_utf8_count(start, (size_t) (text + off - start));
}
