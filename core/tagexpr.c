/*
 * tagexpr.c - parse tag expressions and turn them into SQL conditions.
 *
 * Grammar (a recursive-descent parser, one function per rule):
 *
 *     expr     = or
 *     or       = and { "OR" and }
 *     and      = unary { "AND" unary }
 *     unary    = "NOT" unary | primary
 *     primary  = "(" expr ")" | tag
 *     tag      = 1 to 32 characters, none of them white space, "(", ")",
 *                '"', "'" or a control character; not one of the words
 *                AND, OR, NOT
 *
 * White space is ASCII blanks and the ideographic space U+3000 that Chinese
 * input methods type. The operators are written in capitals (a tag may be
 * called "and"); NOT binds tighter than AND, AND tighter than OR, so
 * "a OR b AND NOT c" is "a OR (b AND (NOT c))". Two tags side by side are
 * an error, not an implicit AND: the editor says what is meant.
 *
 * Limits: JY_TAGEXPR_MAX_BYTES of text, JY_TAGEXPR_MAX_TAGS tags,
 * JY_TAGEXPR_MAX_DEPTH nested parentheses and NOTs (the parser recurses
 * that deep, no deeper).
 *
 * SQL: a tag becomes
 *     EXISTS (SELECT 1 FROM item_tag jy_t WHERE jy_t.item_id = <col>
 *             AND jy_t.tag_id = jy_tag_id($n))
 * which the primary key of item_tag (item_id, tag_id) answers, and the
 * operators become AND, OR, NOT with parentheses around every pair. Tag
 * names only ever travel as parameters.
 */
#include "core/compat.h"
#include "core/tagexpr.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/utf8.h"

enum node_type { N_TAG, N_AND, N_OR, N_NOT };

struct node {
    enum node_type type;
    struct node *left;  /* AND, OR; NOT's operand */
    struct node *right; /* AND, OR */
    int tag;            /* N_TAG: index into jy_tagexpr.tags */
};

struct jy_tagexpr {
    struct node *root;
    const char **tags; /* distinct names, in order of first appearance */
    int ntags;
};

enum tok_type { T_END, T_LPAREN, T_RPAREN, T_AND, T_OR, T_NOT, T_TAG };

struct tok {
    enum tok_type type;
    size_t start, len; /* bytes of the token in the text */
    size_t chr;        /* its position in characters, from 1 */
};

struct parser {
    struct jy_pool *pool;
    const char *s;
    size_t len;
    size_t pos;      /* next byte to lex */
    size_t chr;      /* character number of pos, from 1 */
    struct tok tok;  /* the current token */
    struct tok prev; /* the one before it, for "after ..." messages */
    int depth;
    int occurrences; /* tags seen, for the limit */
    struct jy_tagexpr *e;
    int tags_alloc;
    struct jy_err *err;
};

static struct node *parse_or(struct parser *p);


/* Length of a white space character at s (0: none). */
static size_t
space_len(const char *s, size_t n)
{
    if (n >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r'))
        return 1;
    /* U+3000 IDEOGRAPHIC SPACE: E3 80 80 */
    if (n >= 3 && (unsigned char) s[0] == 0xE3 && (unsigned char) s[1] == 0x80 &&
        (unsigned char) s[2] == 0x80)
        return 3;
    return 0;
}


static bool
is_delim(char c)
{
    return c == '(' || c == ')' || c == '"' || c == '\'';
}


/* How a token is quoted in messages: the operator, or the tag text. */
static const char *
tok_text(const struct parser *p, const struct tok *t)
{
    switch (t->type) {
    case T_END:
        return "the end";
    case T_LPAREN:
        return "\"(\"";
    case T_RPAREN:
        return "\")\"";
    case T_AND:
        return "\"AND\"";
    case T_OR:
        return "\"OR\"";
    case T_NOT:
        return "\"NOT\"";
    case T_TAG:
        break;
    }
    {
        /* a tag is at most 32 characters: quote at most that, so the message keeps its place */
        char cut[JY_TAGEXPR_TAG_CHARS * 4 + 8];
        jy_utf8_truncate(p->s + t->start, t->len, JY_TAGEXPR_TAG_CHARS + 1, cut, sizeof(cut));
        return jy_pool_printf(p->pool, "\"%s\"", cut);
    }
}


static bool
word_is(const struct parser *p, const struct tok *t, const char *w)
{
    return t->len == strlen(w) && strncasecmp(p->s + t->start, w, t->len) == 0;
}


/* Read the next token into p->tok; JY_ERROR with err set on a quote. */
static int
next(struct parser *p)
{
    size_t n, start;

    p->prev = p->tok;
    while (p->pos < p->len && (n = space_len(p->s + p->pos, p->len - p->pos)) > 0) {
        p->pos += n;
        p->chr++;
    }
    p->tok.start = p->pos;
    p->tok.chr = p->chr;
    p->tok.len = 0;
    if (p->pos >= p->len) {
        p->tok.type = T_END;
        return JY_OK;
    }
    switch (p->s[p->pos]) {
    case '(':
        p->tok.type = T_LPAREN;
        p->tok.len = 1;
        p->pos++;
        p->chr++;
        return JY_OK;
    case ')':
        p->tok.type = T_RPAREN;
        p->tok.len = 1;
        p->pos++;
        p->chr++;
        return JY_OK;
    case '"':
    case '\'':
        jy_err_set(p->err, JY_E_INVALID,
                   "tag expression: quotes are not allowed (tags hold none) at character %zu",
                   p->chr);
        jy_err_hint(p->err, "Write tags as they are named: 扶贫 AND NOT 通知.");
        jy_err_field(p->err, "tag_expr");
        return JY_ERROR;
    default:
        break;
    }
    start = p->pos;
    while (p->pos < p->len && !is_delim(p->s[p->pos]) &&
           space_len(p->s + p->pos, p->len - p->pos) == 0) {
        uint32_t cp;
        if ((unsigned char) p->s[p->pos] < 0x20 || p->s[p->pos] == 0x7f) {
            jy_err_set(p->err, JY_E_INVALID, "tag expression: control character at character %zu",
                       p->chr);
            jy_err_field(p->err, "tag_expr");
            return JY_ERROR;
        }
        n = jy_utf8_decode(p->s + p->pos, p->len - p->pos, &cp);
        p->pos += n ? n : 1; /* the text was validated: n is never 0 */
        p->chr++;
    }
    p->tok.len = p->pos - start;
    if (p->tok.len == 3 && memcmp(p->s + start, "AND", 3) == 0)
        p->tok.type = T_AND;
    else if (p->tok.len == 2 && memcmp(p->s + start, "OR", 2) == 0)
        p->tok.type = T_OR;
    else if (p->tok.len == 3 && memcmp(p->s + start, "NOT", 3) == 0)
        p->tok.type = T_NOT;
    else
        p->tok.type = T_TAG;
    return JY_OK;
}


static struct node *
new_node(struct parser *p, enum node_type type, struct node *l, struct node *r)
{
    struct node *n = jy_pool_new(p->pool, struct node);

    n->type = type;
    n->left = l;
    n->right = r;
    return n;
}


/* The index of tag text in e->tags, adding it when new. */
static int
tag_index(struct parser *p, const char *s, size_t len)
{
    struct jy_tagexpr *e = p->e;
    int i;

    for (i = 0; i < e->ntags; i++)
        if (strlen(e->tags[i]) == len && memcmp(e->tags[i], s, len) == 0)
            return i;
    if (e->ntags == p->tags_alloc) {
        int grow = p->tags_alloc ? p->tags_alloc * 2 : 8;
        e->tags = jy_pool_realloc(p->pool, e->tags, (size_t) p->tags_alloc * sizeof(*e->tags),
                                  (size_t) grow * sizeof(*e->tags));
        p->tags_alloc = grow;
    }
    e->tags[e->ntags] = jy_pool_strndup(p->pool, s, len);
    return e->ntags++;
}


/* "expected a tag after "AND" at character 7" and friends. */
static struct node *
expected_tag(struct parser *p)
{
    const struct tok *t = &p->tok;

    if (t->type == T_TAG || t->type == T_LPAREN || t->type == T_NOT)
        JY_BUG("expected_tag() with a token that starts an operand");
    if (p->prev.type == T_END && p->prev.len == 0 && p->prev.chr == 0)
        jy_err_set(p->err, JY_E_INVALID, "tag expression: expected a tag at character %zu, not %s",
                   t->chr, tok_text(p, t));
    else if (t->type == T_END)
        jy_err_set(p->err, JY_E_INVALID, "tag expression: expected a tag after %s at character %zu",
                   tok_text(p, &p->prev), t->chr);
    else
        jy_err_set(p->err, JY_E_INVALID,
                   "tag expression: expected a tag after %s at character %zu, not %s",
                   tok_text(p, &p->prev), t->chr, tok_text(p, t));
    jy_err_field(p->err, "tag_expr");
    return NULL;
}


static struct node *
parse_primary(struct parser *p)
{
    struct node *n;
    struct tok open;

    if (p->tok.type == T_LPAREN) {
        open = p->tok;
        if (++p->depth > JY_TAGEXPR_MAX_DEPTH)
            goto too_deep;
        if (next(p) != JY_OK || (n = parse_or(p)) == NULL)
            return NULL;
        if (p->tok.type != T_RPAREN) {
            jy_err_set(p->err, JY_E_INVALID,
                       "tag expression: expected \")\" to close \"(\" of character %zu at "
                       "character %zu, not %s",
                       open.chr, p->tok.chr, tok_text(p, &p->tok));
            if (p->tok.type == T_TAG)
                jy_err_hint(p->err, "Join tags with AND or OR: (教育 OR 医疗) AND 2024.");
            jy_err_field(p->err, "tag_expr");
            return NULL;
        }
        p->depth--;
        if (next(p) != JY_OK)
            return NULL;
        return n;
    }
    if (p->tok.type != T_TAG)
        return expected_tag(p);
    if (jy_utf8_count(p->s + p->tok.start, p->tok.len) > JY_TAGEXPR_TAG_CHARS) {
        jy_err_set(p->err, JY_E_INVALID,
                   "tag expression: tag %s at character %zu is longer than %d characters",
                   tok_text(p, &p->tok), p->tok.chr, JY_TAGEXPR_TAG_CHARS);
        jy_err_field(p->err, "tag_expr");
        return NULL;
    }
    if (++p->occurrences > JY_TAGEXPR_MAX_TAGS) {
        jy_err_set(p->err, JY_E_TOO_LARGE, "tag expression: more than %d tags",
                   JY_TAGEXPR_MAX_TAGS);
        jy_err_field(p->err, "tag_expr");
        return NULL;
    }
    n = new_node(p, N_TAG, NULL, NULL);
    n->tag = tag_index(p, p->s + p->tok.start, p->tok.len);
    if (next(p) != JY_OK)
        return NULL;
    return n;

too_deep:
    jy_err_set(p->err, JY_E_TOO_LARGE,
               "tag expression: more than %d nested parentheses and NOTs at character %zu",
               JY_TAGEXPR_MAX_DEPTH, open.chr);
    jy_err_field(p->err, "tag_expr");
    return NULL;
}


static struct node *
parse_unary(struct parser *p)
{
    struct node *n;
    size_t chr = p->tok.chr;

    if (p->tok.type != T_NOT)
        return parse_primary(p);
    if (++p->depth > JY_TAGEXPR_MAX_DEPTH) {
        jy_err_set(p->err, JY_E_TOO_LARGE,
                   "tag expression: more than %d nested parentheses and NOTs at character %zu",
                   JY_TAGEXPR_MAX_DEPTH, chr);
        jy_err_field(p->err, "tag_expr");
        return NULL;
    }
    if (next(p) != JY_OK || (n = parse_unary(p)) == NULL)
        return NULL;
    p->depth--;
    return new_node(p, N_NOT, n, NULL);
}


static struct node *
parse_and(struct parser *p)
{
    struct node *l = parse_unary(p), *r;

    while (l && p->tok.type == T_AND) {
        if (next(p) != JY_OK || (r = parse_unary(p)) == NULL)
            return NULL;
        l = new_node(p, N_AND, l, r);
    }
    return l;
}


static struct node *
parse_or(struct parser *p)
{
    struct node *l = parse_and(p), *r;

    while (l && p->tok.type == T_OR) {
        if (next(p) != JY_OK || (r = parse_and(p)) == NULL)
            return NULL;
        l = new_node(p, N_OR, l, r);
    }
    return l;
}


struct jy_tagexpr *
jy_tagexpr_parse(struct jy_pool *pool, const char *text, size_t len, struct jy_err *err)
{
    struct parser p;
    size_t bad;

    if (len > JY_TAGEXPR_MAX_BYTES) {
        jy_err_set(err, JY_E_TOO_LARGE, "tag expression is longer than %d bytes",
                   JY_TAGEXPR_MAX_BYTES);
        jy_err_field(err, "tag_expr");
        return NULL;
    }
    if (!jy_utf8_valid(text, len, &bad)) {
        jy_err_set(err, JY_E_INVALID, "tag expression: invalid UTF-8 at character %zu",
                   jy_utf8_count(text, bad) + 1);
        jy_err_field(err, "tag_expr");
        return NULL;
    }
    memset(&p, 0, sizeof(p));
    p.pool = pool;
    p.s = text;
    p.len = len;
    p.chr = 1;
    p.err = err;
    p.e = jy_pool_new(pool, struct jy_tagexpr);
    /* prev stays all zero until the first next(): "expected a tag at character 1" */
    if (next(&p) != JY_OK)
        return NULL;
    p.prev.type = T_END;
    p.prev.len = 0;
    p.prev.chr = 0;
    if (p.tok.type == T_END) {
        jy_err_set(err, JY_E_INVALID, "tag expression is empty");
        jy_err_hint(err, "Write tags joined by AND, OR and NOT: 扶贫 AND NOT 通知.");
        jy_err_field(err, "tag_expr");
        return NULL;
    }
    p.e->root = parse_or(&p);
    if (p.e->root == NULL)
        return NULL;
    if (p.tok.type != T_END) {
        if (p.tok.type == T_RPAREN)
            jy_err_set(err, JY_E_INVALID,
                       "tag expression: unexpected \")\" at character %zu: no \"(\" is open",
                       p.tok.chr);
        else
            jy_err_set(err, JY_E_INVALID,
                       "tag expression: expected AND or OR before %s at character %zu",
                       tok_text(&p, &p.tok), p.tok.chr);
        if (word_is(&p, &p.tok, "and") || word_is(&p, &p.tok, "or") || word_is(&p, &p.tok, "not"))
            jy_err_hint(err, "Operators are written in capitals: AND, OR, NOT.");
        else if (p.tok.type != T_RPAREN)
            jy_err_hint(err, "Join tags with AND or OR: (教育 OR 医疗) AND 2024.");
        jy_err_field(err, "tag_expr");
        return NULL;
    }
    return p.e;
}


/* ---- output ---------------------------------------------------------------------------------- */

static void
sql_node(const struct jy_tagexpr *e, const struct node *n, const char *col, int first,
         struct jy_buf *b)
{
    switch (n->type) {
    case N_TAG:
        jy_buf_addf(b,
                    "EXISTS (SELECT 1 FROM item_tag jy_t WHERE jy_t.item_id = %s"
                    " AND jy_t.tag_id = jy_tag_id($%d))",
                    col, first + n->tag);
        return;
    case N_NOT:
        jy_buf_add_str(b, "NOT ");
        sql_node(e, n->left, col, first, b);
        return;
    case N_AND:
    case N_OR:
        jy_buf_add_char(b, '(');
        sql_node(e, n->left, col, first, b);
        jy_buf_add_str(b, n->type == N_AND ? " AND " : " OR ");
        sql_node(e, n->right, col, first, b);
        jy_buf_add_char(b, ')');
        return;
    }
}


int
jy_tagexpr_to_sql(const struct jy_tagexpr *e, const char *item_col, int first_param,
                  struct jy_buf *sql)
{
    const char *c;

    /* the column is the caller's SQL, never data: refuse anything but a (qualified) name */
    for (c = item_col; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '.'))
            JY_BUG("jy_tagexpr_to_sql: item_col \"%s\" is not a column name", item_col);
    JY_ASSERT(first_param >= 1);
    sql_node(e, e->root, item_col, first_param, sql);
    return jy_buf_finish(sql);
}


const char *const *
jy_tagexpr_tags(const struct jy_tagexpr *e, int *n)
{
    *n = e->ntags;
    return e->tags;
}


/* Binding strength: OR 1, AND 2, NOT 3, tag 4. */
static int
strength(const struct node *n)
{
    switch (n->type) {
    case N_OR:
        return 1;
    case N_AND:
        return 2;
    case N_NOT:
        return 3;
    case N_TAG:
        break;
    }
    return 4;
}


static void
format_node(const struct jy_tagexpr *e, const struct node *n, int min, struct jy_buf *b)
{
    bool paren = strength(n) < min;

    if (paren)
        jy_buf_add_char(b, '(');
    switch (n->type) {
    case N_TAG:
        jy_buf_add_str(b, e->tags[n->tag]);
        break;
    case N_NOT:
        jy_buf_add_str(b, "NOT ");
        format_node(e, n->left, 3, b);
        break;
    case N_AND:
    case N_OR:
        /* left-associative: the left side may be of the same strength, the right not */
        format_node(e, n->left, strength(n), b);
        jy_buf_add_str(b, n->type == N_AND ? " AND " : " OR ");
        format_node(e, n->right, strength(n) + 1, b);
        break;
    }
    if (paren)
        jy_buf_add_char(b, ')');
}


void
jy_tagexpr_format(const struct jy_tagexpr *e, struct jy_buf *out)
{
    format_node(e, e->root, 0, out);
}


static bool
match_node(const struct jy_tagexpr *e, const struct node *n, const char *const *tags, size_t ntags)
{
    size_t i;

    switch (n->type) {
    case N_TAG:
        for (i = 0; i < ntags; i++)
            if (strcmp(tags[i], e->tags[n->tag]) == 0)
                return true;
        return false;
    case N_NOT:
        return !match_node(e, n->left, tags, ntags);
    case N_AND:
        return match_node(e, n->left, tags, ntags) && match_node(e, n->right, tags, ntags);
    case N_OR:
        return match_node(e, n->left, tags, ntags) || match_node(e, n->right, tags, ntags);
    }
    return false;
}


bool
jy_tagexpr_match(const struct jy_tagexpr *e, const char *const *tags, size_t ntags)
{
    return match_node(e, e->root, tags, ntags);
}
