/*
 * tpl_lex.c - cut a Mustache source into tokens and find standalone lines.
 *
 * Grammar, with the current delimiters written {{ and }} (they start that
 * way and change with the set-delimiter tag):
 *
 *     template  := ( text | tag )*
 *     text      := any bytes up to the next opening delimiter
 *     tag       := "{{" ws* ( sigil ws* )? content ws* "}}"
 *                | "{{{" ws* content ws* "}}}"           unescaped variable
 *                | "{{=" ws* open ws+ close ws* "=}}"     set delimiters
 *     sigil     := "#" | "^" | "/" | "!" | ">" | "<" | "$" | "&"
 *     content   := bytes up to the closing delimiter ("!" comments may hold
 *                  newlines; names are checked by the parser)
 *
 * Text tokens are split after each newline, so that a token never holds
 * more than one line: standalone detection and indentation work on lines.
 * After the scan, one pass decides the standalone lines (see tpl_int.h)
 * and another pairs each opening tag with its closing tag, so the parser
 * can look at a block's whole body before compiling it.
 */
#include "core/compat.h"
#include "core/tpl_int.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/utf8.h"

struct lexer {
    const char *name; /* template name, for messages */
    const char *src;  /* the source */
    size_t len;
    size_t pos;       /* scan position */
    const char *open; /* current delimiters: point into the source or a literal */
    size_t open_len;
    const char *close;
    size_t close_len;
    size_t at_off; /* offset whose line/column are at_line/at_col */
    unsigned at_line;
    unsigned at_col;
    struct jy_pool *pool;
    struct jy_tpl_toks *toks;
    struct jy_err *err;
};

static void lex_where(struct lexer *lx, size_t off, unsigned *line, unsigned *col);
static struct jy_tpl_tok *lex_push(struct lexer *lx, enum jy_tpl_tok_type type);
static void lex_text(struct lexer *lx, size_t from, size_t to);
static int lex_tag(struct lexer *lx, size_t at);
static int lex_delimiters(struct lexer *lx, struct jy_tpl_tok *t);
static void lex_standalone(struct jy_tpl_toks *toks);
static void lex_standalone_line(struct jy_tpl_tok *v, size_t from, size_t to);
static void lex_match(struct jy_pool *scratch, struct jy_tpl_toks *toks);


void
jy_tpl_err_at(struct jy_err *err, const char *name, unsigned line, unsigned col, const char *fmt,
              ...)
{
    char what[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    jy_err_set(err, JY_E_INVALID, "template \"%s\" line %u, column %u: %s", name, line, col, what);
}


/*
 * Line and column of a source offset. Offsets are asked in increasing
 * order, so the count resumes where the last one stopped: a long line
 * with many tags stays linear.
 */
static void
lex_where(struct lexer *lx, size_t off, unsigned *line, unsigned *col)
{
    JY_ASSERT(off >= lx->at_off);
    for (; lx->at_off < off; lx->at_off++) {
        unsigned char c = (unsigned char) lx->src[lx->at_off];
        if (c == '\n') {
            lx->at_line++;
            lx->at_col = 1;
        } else if ((c & 0xC0) != 0x80) {
            lx->at_col++; /* count characters, not UTF-8 continuation bytes */
        }
    }
    *line = lx->at_line;
    *col = lx->at_col;
}


static struct jy_tpl_tok *
lex_push(struct lexer *lx, enum jy_tpl_tok_type type)
{
    struct jy_tpl_toks *tk = lx->toks;
    struct jy_tpl_tok *t;

    if (tk->n == tk->alloc) {
        size_t na = tk->alloc ? tk->alloc * 2 : 64;
        tk->v = jy_pool_realloc(lx->pool, tk->v, tk->alloc * sizeof(*t), na * sizeof(*t));
        tk->alloc = na;
    }
    t = &tk->v[tk->n++];
    memset(t, 0, sizeof(*t));
    t->type = (unsigned char) type;
    t->match = JY_TPL_NONE;
    return t;
}


/* Text [from, to) as one token per line. */
static void
lex_text(struct lexer *lx, size_t from, size_t to)
{
    while (from < to) {
        const char *nl = memchr(lx->src + from, '\n', to - from);
        size_t end = nl ? (size_t) (nl - lx->src) + 1 : to;
        struct jy_tpl_tok *t = lex_push(lx, JY_TPL_TOK_TEXT);
        t->ptr = lx->src + from;
        t->len = end - from;
        t->off = from;
        t->end = end;
        from = end;
    }
}


static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


/* The tag whose open delimiter is at `at`. */
static int
lex_tag(struct lexer *lx, size_t at)
{
    const char *src = lx->src;
    size_t p = at + lx->open_len, from, q;
    char closing[JY_TPL_DELIM_MAX + 2];
    size_t closing_len = lx->close_len, skip = 0;
    enum jy_tpl_tok_type type = JY_TPL_TOK_VAR;
    const char *found;
    struct jy_tpl_tok *t;
    unsigned line, col;

    memcpy(closing, lx->close, lx->close_len);
    if (p < lx->len) {
        switch (src[p]) {
        case '{':
            /* {{{name}}}: the content ends at "}" followed by the closing delimiter */
            type = JY_TPL_TOK_RAW;
            closing[0] = '}';
            memcpy(closing + 1, lx->close, lx->close_len);
            closing_len++;
            skip = 1;
            break;
        case '=':
            type = JY_TPL_TOK_DELIM;
            closing[0] = '=';
            memcpy(closing + 1, lx->close, lx->close_len);
            closing_len++;
            skip = 1;
            break;
        case '&':
            type = JY_TPL_TOK_RAW;
            skip = 1;
            break;
        case '#':
            type = JY_TPL_TOK_SECTION;
            skip = 1;
            break;
        case '^':
            type = JY_TPL_TOK_INVERTED;
            skip = 1;
            break;
        case '/':
            type = JY_TPL_TOK_CLOSE;
            skip = 1;
            break;
        case '!':
            type = JY_TPL_TOK_COMMENT;
            skip = 1;
            break;
        case '>':
            type = JY_TPL_TOK_PARTIAL;
            skip = 1;
            break;
        case '<':
            type = JY_TPL_TOK_PARENT;
            skip = 1;
            break;
        case '$':
            type = JY_TPL_TOK_BLOCK;
            skip = 1;
            break;
        default:
            break;
        }
    }
    from = p + skip;
    found = from <= lx->len ? memmem(src + from, lx->len - from, closing, closing_len) : NULL;
    lex_where(lx, at, &line, &col);
    if (found == NULL) {
        jy_tpl_err_at(lx->err, lx->name, line, col, "unclosed tag: \"%.*s\" without \"%.*s\"",
                      (int) (lx->open_len + skip), src + at, (int) closing_len, closing);
        return JY_ERROR;
    }
    q = (size_t) (found - src);
    t = lex_push(lx, type);
    t->off = at;
    t->end = q + closing_len;
    t->line = line;
    t->col = col;
    while (from < q && is_blank(src[from]))
        from++;
    while (q > from && is_blank(src[q - 1]))
        q--;
    t->ptr = src + from;
    t->len = q - from;
    lx->pos = t->end;
    if (type == JY_TPL_TOK_DELIM)
        return lex_delimiters(lx, t);
    return JY_OK;
}


/* {{=open close=}}: two delimiters separated by blanks, without blanks or '='. */
static int
lex_delimiters(struct lexer *lx, struct jy_tpl_tok *t)
{
    const char *s = t->ptr, *e = t->ptr + t->len, *a = s, *b;
    size_t alen, blen;

    while (a < e && !is_blank(*a))
        a++;
    alen = (size_t) (a - s);
    b = a;
    while (b < e && is_blank(*b))
        b++;
    blen = (size_t) (e - b);
    if (alen == 0 || b == a || blen == 0 || memchr(b, ' ', blen) || memchr(b, '\t', blen) ||
        memchr(b, '\n', blen) || memchr(b, '\r', blen) || memchr(s, '=', alen) ||
        memchr(b, '=', blen) || alen > JY_TPL_DELIM_MAX || blen > JY_TPL_DELIM_MAX) {
        jy_tpl_err_at(lx->err, lx->name, t->line, t->col,
                      "invalid set-delimiter tag \"%.*s\": expected two delimiters without '=' "
                      "separated by a space",
                      (int) jy_utf8_clamp_bytes(s, t->len, 60), s);
        jy_err_hint(lx->err, "Write {{=<%% %%>=}} to use <%% and %%> from there on.");
        return JY_ERROR;
    }
    lx->open = s;
    lx->open_len = alen;
    lx->close = b;
    lx->close_len = blen;
    return JY_OK;
}


int
jy_tpl_lex(struct jy_pool *scratch, const char *name, const char *src, size_t len,
           struct jy_tpl_toks *toks, struct jy_err *err)
{
    struct lexer lx = {
        .name = name,
        .src = src,
        .len = len,
        .open = "{{",
        .open_len = 2,
        .close = "}}",
        .close_len = 2,
        .at_line = 1,
        .at_col = 1,
        .pool = scratch,
        .toks = toks,
        .err = err,
    };

    toks->v = NULL;
    toks->n = toks->alloc = 0;
    while (lx.pos < len) {
        const char *at = memmem(src + lx.pos, len - lx.pos, lx.open, lx.open_len);
        size_t off = at ? (size_t) (at - src) : len;
        lex_text(&lx, lx.pos, off);
        if (at == NULL)
            break;
        if (lex_tag(&lx, off) != JY_OK)
            return JY_ERROR;
    }
    lex_standalone(toks);
    lex_match(scratch, toks);
    return JY_OK;
}


static bool
tag_may_stand_alone(const struct jy_tpl_tok *t)
{
    return t->type != JY_TPL_TOK_TEXT && t->type != JY_TPL_TOK_VAR && t->type != JY_TPL_TOK_RAW;
}


/* Blanks only; the last text of a line may end with "\n" or "\r\n". */
static bool
text_is_blank(const struct jy_tpl_tok *t, bool last)
{
    size_t n = t->len;

    if (last && n && t->ptr[n - 1] == '\n') {
        n--;
        if (n && t->ptr[n - 1] == '\r')
            n--;
    }
    for (size_t i = 0; i < n; i++)
        if (t->ptr[i] != ' ' && t->ptr[i] != '\t')
            return false;
    return true;
}


/* Walk the tokens line by line; a line ends after a text token ending in '\n'. */
static void
lex_standalone(struct jy_tpl_toks *toks)
{
    size_t i = 0;

    while (i < toks->n) {
        size_t j = i;
        while (j < toks->n) {
            const struct jy_tpl_tok *t = &toks->v[j++];
            if (t->type == JY_TPL_TOK_TEXT && t->ptr[t->len - 1] == '\n')
                break;
        }
        for (size_t k = i; k < j; k++) {
            toks->v[k].line_off = toks->v[i].off;
            toks->v[k].line_end = toks->v[j - 1].end;
        }
        lex_standalone_line(toks->v, i, j);
        i = j;
    }
}


static void
lex_standalone_line(struct jy_tpl_tok *v, size_t from, size_t to)
{
    size_t ntags = 0, first = JY_TPL_NONE, k;
    const char *indent = NULL;
    size_t indent_len = 0;
    struct jy_tpl_tok *a, *b;

    for (k = from; k < to; k++) {
        if (v[k].type == JY_TPL_TOK_TEXT) {
            if (!text_is_blank(&v[k], k + 1 == to))
                return;
        } else if (!tag_may_stand_alone(&v[k])) {
            return;
        } else {
            if (first == JY_TPL_NONE)
                first = k;
            ntags++;
        }
    }
    if (ntags == 0)
        return;
    if (first > from) {
        indent = v[from].ptr;
        indent_len = v[from].len;
    }

    /*
     * "  {{$b}}{{/b}}\n": the block keeps its newline and takes the blanks
     * as indentation (~inheritance "Standalone block"), like a variable
     * that is replaced by the block's content.
     */
    a = &v[first];
    b = a + 1;
    if (ntags == 2 && a->type == JY_TPL_TOK_BLOCK && b->type == JY_TPL_TOK_CLOSE &&
        a->end == b->off && a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0) {
        a->pair_line = 1;
        a->indent = indent;
        a->indent_len = indent_len;
        if (first > from)
            v[from].removed = 1;
        if (first + 2 < to) {
            struct jy_tpl_tok *tail = &v[first + 2];
            while (tail->len && (tail->ptr[0] == ' ' || tail->ptr[0] == '\t')) {
                tail->ptr++;
                tail->len--;
            }
            if (tail->len == 0)
                tail->removed = 1;
        }
        return;
    }

    /* the first partial or parent of the line is the one included at its indentation */
    first = JY_TPL_NONE;
    for (k = from; k < to; k++) {
        if (v[k].type == JY_TPL_TOK_TEXT) {
            v[k].removed = 1;
            continue;
        }
        v[k].standalone = 1;
        v[k].indent = indent;
        v[k].indent_len = indent_len;
        if (first == JY_TPL_NONE &&
            (v[k].type == JY_TPL_TOK_PARTIAL || v[k].type == JY_TPL_TOK_PARENT)) {
            v[k].first = 1;
            first = k;
        }
    }
}


/* Pair opening tags with closing tags by nesting alone; the parser checks the names. */
static void
lex_match(struct jy_pool *scratch, struct jy_tpl_toks *toks)
{
    size_t *stack = NULL, depth = 0, alloc = 0;

    for (size_t i = 0; i < toks->n; i++) {
        switch (toks->v[i].type) {
        case JY_TPL_TOK_SECTION:
        case JY_TPL_TOK_INVERTED:
        case JY_TPL_TOK_PARENT:
        case JY_TPL_TOK_BLOCK:
            if (depth == alloc) {
                size_t na = alloc ? alloc * 2 : 32;
                stack =
                    jy_pool_realloc(scratch, stack, alloc * sizeof(*stack), na * sizeof(*stack));
                alloc = na;
            }
            stack[depth++] = i;
            break;
        case JY_TPL_TOK_CLOSE:
            if (depth)
                toks->v[stack[--depth]].match = i;
            break;
        default:
            break;
        }
    }
}
