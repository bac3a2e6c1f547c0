/*
 * tpl_parse.c - template sets and the compiler from tokens to a node tree.
 *
 * The tree (tpl_int.h struct jy_tpl_node) is a list of siblings per level:
 *
 *     node      := TEXT | VAR | SECTION body | INVERTED body | PARTIAL
 *                | PARENT overrides | BLOCK body
 *     overrides := the BLOCK nodes written directly inside {{<parent}};
 *                  any other content of a parent tag is parsed (so its
 *                  errors are reported) and dropped, as the spec says
 *
 * Text nodes point into the template's copy of its source, so compiling
 * costs one copy of the text plus the nodes, all in the set's pool.
 * Adjacent text pieces are merged back into one node when nothing was
 * cut out between them.
 */
#include "core/compat.h"
#include "core/tpl_int.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/str.h"
#include "core/utf8.h"

#define PARSE_MAX_FILTERS 16 /* filters in one tag */

struct parser {
    struct jy_tpl_set *set;
    struct jy_pool *pool;   /* the set's pool: nodes, names */
    struct jy_tpl *tpl;     /* template being compiled */
    const char *src;        /* its source */
    struct jy_tpl_tok *tok; /* tokens from the lexer */
    size_t ntok;
    size_t i;           /* next token */
    const char *dedent; /* blanks cut from each line start (innermost standalone block) */
    size_t dedent_len;
    bool at_bol;    /* the next output starts a line of the template */
    unsigned depth; /* sections open */
    struct jy_err *err;
};

/* Sibling list under construction. */
struct node_list {
    struct jy_tpl_node *head;
    struct jy_tpl_node *last;
};

static uint64_t set_hash(const char *name);
static struct jy_tpl_entry *set_find(const struct jy_tpl_set *set, const char *name);
static void set_put(struct jy_tpl_set *set, const char *name, const struct jy_tpl *tpl);
static int parse_list(struct parser *p, const struct jy_tpl_tok *open, struct jy_tpl_node **out);
static void parse_text(struct parser *p, struct node_list *l, const struct jy_tpl_tok *t);
static int parse_var(struct parser *p, struct node_list *l, const struct jy_tpl_tok *t);
static int parse_section(struct parser *p, struct node_list *l, const struct jy_tpl_tok *t);
static int parse_include(struct parser *p, struct node_list *l, const struct jy_tpl_tok *t);
static int parse_block(struct parser *p, struct node_list *l, const struct jy_tpl_tok *t);
static int parse_close(struct parser *p, struct node_list *l, const struct jy_tpl_tok *open,
                       const struct jy_tpl_tok *t);
static int parse_name(struct parser *p, const struct jy_tpl_tok *t, const char *s, size_t len,
                      struct jy_tpl_node *n);
static int parse_plain_name(struct parser *p, const struct jy_tpl_tok *t, struct jy_tpl_node *n);
static int parse_filters(struct parser *p, const struct jy_tpl_tok *t, const char *s, size_t len,
                         struct jy_tpl_node *n);


/* ---- sets ---- */


struct jy_tpl_set *
jy_tpl_set_create(jy_tpl_load_fn load, void *load_data)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_tpl_set *set = jy_pool_new(pool, struct jy_tpl_set);

    set->pool = pool;
    set->load = load;
    set->load_data = load_data;
    set->nbuckets = 32;
    set->buckets = jy_pool_new_array(pool, struct jy_tpl_entry *, set->nbuckets);
    set->max_depth = JY_TPL_MAX_DEPTH;
    set->max_steps = JY_TPL_MAX_STEPS;
    return set;
}


void
jy_tpl_set_destroy(struct jy_tpl_set *set)
{
    if (set)
        jy_pool_destroy(set->pool);
}


void
jy_tpl_set_limits(struct jy_tpl_set *set, unsigned max_depth, unsigned long max_steps)
{
    if (max_depth)
        set->max_depth = max_depth;
    if (max_steps)
        set->max_steps = max_steps;
}


const char *
jy_tpl_name(const struct jy_tpl *tpl)
{
    return tpl->name;
}


/* FNV-1a: names are short and few; anything spreading them is enough. */
static uint64_t
set_hash(const char *name)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *name; name++)
        h = (h ^ (unsigned char) *name) * 1099511628211ULL;
    return h;
}


static struct jy_tpl_entry *
set_find(const struct jy_tpl_set *set, const char *name)
{
    struct jy_tpl_entry *e = set->buckets[set_hash(name) & (set->nbuckets - 1)];

    while (e && strcmp(e->name, name) != 0)
        e = e->next;
    return e;
}


static void
set_put(struct jy_tpl_set *set, const char *name, const struct jy_tpl *tpl)
{
    struct jy_tpl_entry *e = set_find(set, name), **slot;

    if (e) {
        e->tpl = tpl;
        return;
    }
    if (set->count >= set->nbuckets) {
        /* keep chains short: double and rehash (the old array stays in the pool) */
        size_t nb = set->nbuckets * 2;
        struct jy_tpl_entry **b = jy_pool_new_array(set->pool, struct jy_tpl_entry *, nb);
        for (size_t i = 0; i < set->nbuckets; i++) {
            while (set->buckets[i]) {
                struct jy_tpl_entry *x = set->buckets[i];
                set->buckets[i] = x->next;
                slot = &b[set_hash(x->name) & (nb - 1)];
                x->next = *slot;
                *slot = x;
            }
        }
        set->buckets = b;
        set->nbuckets = nb;
    }
    e = jy_pool_new(set->pool, struct jy_tpl_entry);
    e->name = tpl ? tpl->name : jy_pool_strdup(set->pool, name);
    e->tpl = tpl;
    slot = &set->buckets[set_hash(name) & (set->nbuckets - 1)];
    e->next = *slot;
    *slot = e;
    set->count++;
}


const struct jy_tpl *
jy_tpl_set_load(struct jy_tpl_set *set, const char *name, struct jy_err *err)
{
    struct jy_tpl_entry *e = set_find(set, name);
    const struct jy_tpl *tpl = NULL;
    struct jy_pool *scratch;
    struct jy_buf text;
    int rc;

    if (e && e->tpl)
        return e->tpl;
    if (e || set->load == NULL) {
        jy_err_set(err, JY_E_NOT_FOUND, "template \"%s\" does not exist", name);
        return NULL;
    }
    scratch = jy_pool_create(0);
    jy_buf_init(&text, scratch, 0);
    rc = set->load(set->load_data, name, &text, err);
    if (rc == JY_DECLINED) {
        set_put(set, name, NULL); /* remembered: the loader is not asked again */
        jy_err_set(err, JY_E_NOT_FOUND, "template \"%s\" does not exist", name);
    } else if (rc != JY_OK) {
        if (err && err->code == JY_E_NONE)
            jy_err_set(err, JY_E_IO, "could not load template \"%s\"", name);
    } else if (jy_buf_finish(&text) != JY_OK) {
        jy_err_set(err, JY_E_TOO_LARGE, "template \"%s\" is too large", name);
    } else {
        tpl = jy_tpl_compile(set, name, text.buf, text.len, err);
    }
    jy_pool_destroy(scratch);
    return tpl;
}


/* ---- compiler ---- */


const struct jy_tpl *
jy_tpl_compile(struct jy_tpl_set *set, const char *name, const char *text, size_t len,
               struct jy_err *err)
{
    struct jy_pool *scratch = jy_pool_create(0);
    struct jy_tpl *tpl = jy_pool_new(set->pool, struct jy_tpl);
    struct jy_tpl_toks toks;
    struct parser p;
    int rc;

    tpl->set = set;
    tpl->name = jy_pool_strdup(set->pool, name);
    tpl->src = jy_pool_strndup(set->pool, text, len);
    tpl->len = len;
    rc = jy_tpl_lex(scratch, tpl->name, tpl->src, len, &toks, err);
    if (rc == JY_OK) {
        memset(&p, 0, sizeof(p));
        p.set = set;
        p.pool = set->pool;
        p.tpl = tpl;
        p.src = tpl->src;
        p.tok = toks.v;
        p.ntok = toks.n;
        p.at_bol = true;
        p.err = err;
        rc = parse_list(&p, NULL, &tpl->root);
    }
    jy_pool_destroy(scratch);
    if (rc != JY_OK)
        return NULL;
    set_put(set, tpl->name, tpl);
    return tpl;
}


static struct jy_tpl_node *
node_new(struct parser *p, enum jy_tpl_node_type type, const struct jy_tpl_tok *t)
{
    struct jy_tpl_node *n = jy_pool_new(p->pool, struct jy_tpl_node);

    n->type = (unsigned char) type;
    n->owner = p->tpl;
    if (t) {
        n->line = t->line;
        n->col = t->col;
    }
    return n;
}


static void
list_add(struct node_list *l, struct jy_tpl_node *n)
{
    if (l->last)
        l->last->next = n;
    else
        l->head = n;
    l->last = n;
}


/* For messages: at most 60 bytes of a name, never half a character. */
static int
shown(size_t len, const char *s)
{
    return (int) jy_utf8_clamp_bytes(s, len, 60);
}


static const char *
tag_kind(const struct jy_tpl_tok *t)
{
    switch (t->type) {
    case JY_TPL_TOK_PARENT:
        return "parent";
    case JY_TPL_TOK_BLOCK:
        return "block";
    case JY_TPL_TOK_INVERTED:
        return "inverted section";
    default:
        return "section";
    }
}


/*
 * Siblings up to the closing tag of `open` (to the end of the source when
 * open is NULL). Each opening tag recurses for its body.
 */
static int
parse_list(struct parser *p, const struct jy_tpl_tok *open, struct jy_tpl_node **out)
{
    struct node_list l = {NULL, NULL};
    int rc = JY_OK;

    *out = NULL;
    while (p->i < p->ntok && rc == JY_OK) {
        const struct jy_tpl_tok *t = &p->tok[p->i++];
        switch (t->type) {
        case JY_TPL_TOK_TEXT:
            parse_text(p, &l, t);
            break;
        case JY_TPL_TOK_COMMENT:
        case JY_TPL_TOK_DELIM:
            break; /* nothing to output; a standalone line's newline was removed text */
        case JY_TPL_TOK_VAR:
        case JY_TPL_TOK_RAW:
            rc = parse_var(p, &l, t);
            break;
        case JY_TPL_TOK_SECTION:
        case JY_TPL_TOK_INVERTED:
            rc = parse_section(p, &l, t);
            break;
        case JY_TPL_TOK_PARTIAL:
        case JY_TPL_TOK_PARENT:
            rc = parse_include(p, &l, t);
            break;
        case JY_TPL_TOK_BLOCK:
            rc = parse_block(p, &l, t);
            break;
        case JY_TPL_TOK_CLOSE:
            rc = parse_close(p, &l, open, t);
            *out = l.head;
            return rc;
        default:
            JY_BUG("unexpected token type %d", t->type);
        }
    }
    if (rc == JY_OK && open) {
        jy_tpl_err_at(p->err, p->tpl->name, open->line, open->col, "unclosed %s \"%.*s\"",
                      tag_kind(open), shown(open->len, open->ptr), open->ptr);
        jy_err_hint(p->err, "Close it with {{/%.*s}}.", shown(open->len, open->ptr), open->ptr);
        return JY_ERROR;
    }
    *out = l.head;
    return rc;
}


static void
parse_text(struct parser *p, struct node_list *l, const struct jy_tpl_tok *t)
{
    const char *s = t->ptr;
    size_t len = t->len, k = 0;
    struct jy_tpl_node *n;

    if (t->removed) {
        if (len && s[len - 1] == '\n')
            p->at_bol = true;
        return;
    }
    if (p->dedent_len && (s == p->src || s[-1] == '\n')) {
        while (k < len && k < p->dedent_len && s[k] == p->dedent[k])
            k++;
        s += k;
        len -= k;
    }
    if (len == 0)
        return;
    n = l->last;
    if (n && n->type == JY_TPL_N_TEXT && n->text + n->len == s) {
        n->len += len; /* nothing was cut out between: one node */
    } else {
        n = node_new(p, JY_TPL_N_TEXT, NULL);
        n->text = s;
        n->len = len;
        n->bol = p->at_bol;
        list_add(l, n);
    }
    p->at_bol = s[len - 1] == '\n';
}


/* A '|' with blanks on both sides (or last, to report the missing filter): filters follow. */
static const char *
find_pipe(const char *s, size_t len)
{
    for (size_t i = 1; i < len; i++)
        if (s[i] == '|' && (s[i - 1] == ' ' || s[i - 1] == '\t') &&
            (i + 1 == len || s[i + 1] == ' ' || s[i + 1] == '\t'))
            return s + i;
    return NULL;
}


static int
parse_var(struct parser *p, struct node_list *l, const struct jy_tpl_tok *t)
{
    struct jy_tpl_node *n = node_new(p, JY_TPL_N_VAR, t);
    const char *pipe = find_pipe(t->ptr, t->len);
    size_t name_len = pipe ? (size_t) (pipe - t->ptr) : t->len;

    n->escape = t->type == JY_TPL_TOK_VAR;
    n->bol = p->at_bol;
    p->at_bol = false;
    while (name_len && (t->ptr[name_len - 1] == ' ' || t->ptr[name_len - 1] == '\t'))
        name_len--;
    if (parse_name(p, t, t->ptr, name_len, n) != JY_OK)
        return JY_ERROR;
    if (pipe && parse_filters(p, t, pipe, t->len - (size_t) (pipe - t->ptr), n) != JY_OK)
        return JY_ERROR;
    list_add(l, n);
    return JY_OK;
}


static int
parse_section(struct parser *p, struct node_list *l, const struct jy_tpl_tok *t)
{
    struct jy_tpl_node *n =
        node_new(p, t->type == JY_TPL_TOK_SECTION ? JY_TPL_N_SECTION : JY_TPL_N_INVERTED, t);
    int rc;

    if (parse_name(p, t, t->ptr, t->len, n) != JY_OK)
        return JY_ERROR;
    if (!t->standalone) {
        n->bol = p->at_bol;
        p->at_bol = false;
    }
    if (p->depth >= JY_TPL_MAX_NESTING) {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                      "sections nested more than %d levels deep", JY_TPL_MAX_NESTING);
        return JY_ERROR;
    }
    p->depth++;
    rc = parse_list(p, t, &n->body);
    p->depth--;
    list_add(l, n);
    return rc;
}


/* Blanks of `indent` left once the current block's dedent is cut from its start. */
static void
strip_dedent(const struct parser *p, const char *indent, size_t len, struct jy_tpl_node *n)
{
    size_t k = 0;

    while (k < len && k < p->dedent_len && indent[k] == p->dedent[k])
        k++;
    n->indent = indent ? indent + k : "";
    n->indent_len = len - k;
}


/* {{>name}} and {{<name}}...{{/name}}. */
static int
parse_include(struct parser *p, struct node_list *l, const struct jy_tpl_tok *t)
{
    bool parent = t->type == JY_TPL_TOK_PARENT;
    struct jy_tpl_node *n = node_new(p, parent ? JY_TPL_N_PARENT : JY_TPL_N_PARTIAL, t);
    struct jy_tpl_node *content, **tail;
    int rc;

    if (parse_plain_name(p, t, n) != JY_OK)
        return JY_ERROR;
    if (t->standalone && t->first) {
        n->indented = 1;
        strip_dedent(p, t->indent, t->indent_len, n);
    }
    if (!t->standalone) {
        n->bol = p->at_bol;
        p->at_bol = false;
    }
    list_add(l, n);
    if (!parent)
        return JY_OK;
    if (p->depth >= JY_TPL_MAX_NESTING) {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                      "sections nested more than %d levels deep", JY_TPL_MAX_NESTING);
        return JY_ERROR;
    }
    p->depth++;
    rc = parse_list(p, t, &content);
    p->depth--;
    /* keep the blocks: they are the arguments; the rest of the content is ignored */
    tail = &n->body;
    for (; content; content = content->next) {
        if (content->type == JY_TPL_N_BLOCK) {
            *tail = content;
            tail = &content->next;
        }
    }
    *tail = NULL;
    return rc;
}


/*
 * Common leading blanks of the non-blank lines of src[from, to): what a
 * block's content is indented by where it is written. *nonblank tells
 * whether there was any such line.
 */
static void
common_indent(const char *src, size_t from, size_t to, const char **indent, size_t *len,
              bool *nonblank)
{
    *indent = NULL;
    *len = 0;
    *nonblank = false;
    while (from < to) {
        const char *nl = memchr(src + from, '\n', to - from);
        size_t end = nl ? (size_t) (nl - src) : to, k = from, i;
        while (k < end && (src[k] == ' ' || src[k] == '\t'))
            k++;
        if (k < end && !(k + 1 == end && src[k] == '\r')) {
            if (!*nonblank) {
                *indent = src + from;
                *len = k - from;
                *nonblank = true;
            } else {
                for (i = 0; i < *len && from + i < k && (*indent)[i] == src[from + i]; i++)
                    ;
                *len = i;
            }
        }
        from = end + 1;
    }
}


/* {{$name}}default{{/name}}: a block, inside a parent an override. */
static int
parse_block(struct parser *p, struct node_list *l, const struct jy_tpl_tok *t)
{
    struct jy_tpl_node *n = node_new(p, JY_TPL_N_BLOCK, t);
    const char *saved = p->dedent;
    size_t saved_len = p->dedent_len;
    int rc;

    if (parse_plain_name(p, t, n) != JY_OK)
        return JY_ERROR;
    if (t->pair_line) {
        n->indented = 1;
        strip_dedent(p, t->indent, t->indent_len, n);
        p->at_bol = false;
    } else if (t->standalone) {
        /* the body is the lines after this tag's line, up to the closing tag('s line) */
        size_t from = t->line_end, to = from;
        const char *indent;
        size_t indent_len;
        bool nonblank;
        if (t->match != JY_TPL_NONE) {
            const struct jy_tpl_tok *c = &p->tok[t->match];
            to = c->standalone ? c->line_off : c->off;
        }
        common_indent(p->src, from, to > from ? to : from, &indent, &indent_len, &nonblank);
        n->indented = 1;
        if (nonblank) {
            strip_dedent(p, indent, indent_len, n);
            p->dedent = indent;
            p->dedent_len = indent_len;
        } else {
            strip_dedent(p, t->indent, t->indent_len, n);
        }
    } else {
        n->bol = p->at_bol;
        p->at_bol = false;
    }
    if (p->depth >= JY_TPL_MAX_NESTING) {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                      "sections nested more than %d levels deep", JY_TPL_MAX_NESTING);
        return JY_ERROR;
    }
    p->depth++;
    rc = parse_list(p, t, &n->body);
    p->depth--;
    p->dedent = saved;
    p->dedent_len = saved_len;
    list_add(l, n);
    return rc;
}


static int
parse_close(struct parser *p, struct node_list *l, const struct jy_tpl_tok *open,
            const struct jy_tpl_tok *t)
{
    if (open == NULL) {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                      "closing tag \"%.*s\" without an open section", shown(t->len, t->ptr),
                      t->ptr);
        return JY_ERROR;
    }
    if (open->len != t->len || memcmp(open->ptr, t->ptr, t->len) != 0) {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                      "closing tag \"%.*s\" does not match open %s \"%.*s\"", shown(t->len, t->ptr),
                      t->ptr, tag_kind(open), shown(open->len, open->ptr), open->ptr);
        jy_err_detail(p->err, "The %s \"%.*s\" was opened at line %u, column %u.", tag_kind(open),
                      shown(open->len, open->ptr), open->ptr, open->line, open->col);
        return JY_ERROR;
    }
    if (!t->standalone) {
        if (p->at_bol) {
            /*
             * "x\n{{/s}}": the line of the closing tag starts inside the
             * section, so its indentation is written once per pass.
             */
            struct jy_tpl_node *n = node_new(p, JY_TPL_N_TEXT, NULL);
            n->text = "";
            n->bol = 1;
            list_add(l, n);
        }
        p->at_bol = false;
    }
    return JY_OK;
}


static bool
has_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
            return true;
    return false;
}


/* A dotted name: "." or parts separated by single dots, without blanks. */
static int
parse_name(struct parser *p, const struct jy_tpl_tok *t, const char *s, size_t len,
           struct jy_tpl_node *n)
{
    unsigned nparts = 1, k = 0;
    size_t i, start = 0;

    n->text = jy_pool_strndup(p->pool, s, len);
    n->len = len;
    if (len == 0) {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col, "tag without a name");
        return JY_ERROR;
    }
    if (has_blank(s, len)) {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                      "invalid name \"%.*s\": white space inside a name", shown(len, s), s);
        jy_err_hint(p->err, "Filters are written after \" | \", e.g. {{title | truncate 30}}.");
        return JY_ERROR;
    }
    if (len == 1 && s[0] == '.')
        return JY_OK;
    for (i = 0; i < len; i++)
        nparts += s[i] == '.';
    n->parts = jy_pool_new_array(p->pool, const char *, nparts);
    for (i = 0; i <= len; i++) {
        if (i < len && s[i] != '.')
            continue;
        if (i == start) {
            jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                          "invalid name \"%.*s\": empty part between dots", shown(len, s), s);
            return JY_ERROR;
        }
        n->parts[k++] = jy_pool_strndup(p->pool, s + start, i - start);
        start = i + 1;
    }
    n->nparts = k;
    return JY_OK;
}


/* Names of partials, parents and blocks: any bytes but blanks. */
static int
parse_plain_name(struct parser *p, const struct jy_tpl_tok *t, struct jy_tpl_node *n)
{
    if (t->len == 0) {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col, "%s tag without a name",
                      t->type == JY_TPL_TOK_PARTIAL  ? "partial"
                      : t->type == JY_TPL_TOK_PARENT ? "parent"
                                                     : "block");
        return JY_ERROR;
    }
    if (has_blank(t->ptr, t->len)) {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                      "invalid name \"%.*s\": white space inside a name", shown(t->len, t->ptr),
                      t->ptr);
        return JY_ERROR;
    }
    n->text = jy_pool_strndup(p->pool, t->ptr, t->len);
    n->len = t->len;
    return JY_OK;
}


/*
 * One filter argument at *pos: a bare word up to a blank, or a "quoted
 * string" with \" and \\. The value is copied into the pool.
 */
static int
parse_arg(struct parser *p, const struct jy_tpl_tok *t, const char *s, size_t len, size_t *pos,
          struct jy_str *out)
{
    size_t i = *pos, start = i;
    char *v;
    size_t n = 0;

    if (s[i] != '"') {
        while (i < len && s[i] != ' ' && s[i] != '\t')
            i++;
        out->ptr = jy_pool_strndup(p->pool, s + start, i - start);
        out->len = i - start;
        *pos = i;
        return JY_OK;
    }
    v = jy_pool_alloc(p->pool, len - i + 1);
    for (i++; i < len && s[i] != '"'; i++) {
        if (s[i] == '\\' && i + 1 < len && (s[i + 1] == '"' || s[i + 1] == '\\'))
            i++;
        v[n++] = s[i];
    }
    if (i >= len) {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                      "unterminated string in filter arguments");
        return JY_ERROR;
    }
    i++;
    if (i < len && s[i] != ' ' && s[i] != '\t') {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                      "missing space after a quoted filter argument");
        return JY_ERROR;
    }
    v[n] = '\0';
    out->ptr = v;
    out->len = n;
    *pos = i;
    return JY_OK;
}


/* Check and store one filter: name resolved, argument count and values checked. */
static int
add_filter(struct parser *p, const struct jy_tpl_tok *t, const char *name, size_t name_len,
           const struct jy_str *args, int argc, struct jy_tpl_filter_use *use)
{
    const struct jy_tpl_filter *f = jy_tpl_filter_find(p->set, name, name_len);
    struct jy_err e = JY_ERR_INIT;

    if (f == NULL) {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col, "unrecognized filter \"%.*s\"",
                      shown(name_len, name), name);
        return JY_ERROR;
    }
    if (argc < f->min_args || argc > f->max_args) {
        if (f->min_args == f->max_args)
            jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                          "filter \"%s\" takes %d argument%s, not %d", f->name, f->min_args,
                          f->min_args == 1 ? "" : "s", argc);
        else
            jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                          "filter \"%s\" takes %d to %d arguments, not %d", f->name, f->min_args,
                          f->max_args, argc);
        return JY_ERROR;
    }
    if (f->check && f->check(argc, args, &e) != JY_OK) {
        jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col, "filter \"%s\": %s", f->name,
                      e.msg[0] ? e.msg : "invalid arguments");
        return JY_ERROR;
    }
    use->filter = f;
    use->argc = argc;
    use->argv = argc ? jy_pool_new_array(p->pool, struct jy_str, (size_t) argc) : NULL;
    if (argc)
        memcpy(use->argv, args, (size_t) argc * sizeof(*args));
    return JY_OK;
}


/* "| name arg ... | name ..." after the variable's name. */
static int
parse_filters(struct parser *p, const struct jy_tpl_tok *t, const char *s, size_t len,
              struct jy_tpl_node *n)
{
    struct jy_tpl_filter_use uses[PARSE_MAX_FILTERS];
    struct jy_str args[JY_TPL_MAX_ARGS];
    unsigned nuse = 0;
    size_t i = 0;

    while (i < len) {
        size_t name_start;
        const char *name;
        size_t name_len;
        int argc = 0;

        i++; /* the '|' */
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        name_start = i;
        while (i < len &&
               ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            i++;
        name = s + name_start;
        name_len = i - name_start;
        if (name_len == 0 || (i < len && s[i] != ' ' && s[i] != '\t')) {
            jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                          "invalid filter name after \"|\" in \"%.*s\"", shown(t->len, t->ptr),
                          t->ptr);
            return JY_ERROR;
        }
        for (;;) {
            while (i < len && (s[i] == ' ' || s[i] == '\t'))
                i++;
            if (i >= len || (s[i] == '|' && (i + 1 == len || s[i + 1] == ' ' || s[i + 1] == '\t')))
                break;
            if (argc == JY_TPL_MAX_ARGS) {
                jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col,
                              "more than %d arguments for filter \"%.*s\"", JY_TPL_MAX_ARGS,
                              (int) name_len, name);
                return JY_ERROR;
            }
            if (parse_arg(p, t, s, len, &i, &args[argc++]) != JY_OK)
                return JY_ERROR;
        }
        if (nuse == PARSE_MAX_FILTERS) {
            jy_tpl_err_at(p->err, p->tpl->name, t->line, t->col, "more than %d filters in a tag",
                          PARSE_MAX_FILTERS);
            return JY_ERROR;
        }
        if (add_filter(p, t, name, name_len, args, argc, &uses[nuse]) != JY_OK)
            return JY_ERROR;
        nuse++;
    }
    n->nfilters = nuse;
    n->filters = jy_pool_new_array(p->pool, struct jy_tpl_filter_use, nuse);
    memcpy(n->filters, uses, nuse * sizeof(*uses));
    return JY_OK;
}


void
jy_tpl_set_on_destroy(struct jy_tpl_set *set, void (*fn)(void *), void *data)
{
    jy_pool_cleanup_add(set->pool, fn, data);
}


/* The names on the way from the checked template down to here. */
struct ref_walk {
    const char *names[64];
    bool conditional[64]; /* the reference to names[i] sits inside a section */
    int n;
};

static int check_refs_tpl(struct jy_tpl_set *set, const struct jy_tpl *t, bool conditional,
                          struct ref_walk *w, struct jy_err *err);

static int
check_refs_nodes(struct jy_tpl_set *set, const struct jy_tpl_node *n, bool conditional,
                 struct ref_walk *w, struct jy_err *err)
{
    for (; n; n = n->next) {
        if (n->type == JY_TPL_N_PARTIAL || n->type == JY_TPL_N_PARENT) {
            const struct jy_tpl *t;
            bool cycle = false, guarded = conditional;
            for (int i = 0; i < w->n; i++)
                if (strcmp(w->names[i], n->text) == 0) {
                    cycle = true;
                    for (int k = i + 1; k < w->n; k++)
                        guarded = guarded || w->conditional[k];
                }
            if (cycle) {
                /* A partial that includes itself inside a section recurses over data
                 * (a tree); anything else never ends. */
                if (n->type == JY_TPL_N_PARENT || !guarded) {
                    jy_tpl_err_at(err, n->owner->name, n->line, n->col,
                                  "\"%s\" includes itself without end (a cycle of %s)", n->text,
                                  n->type == JY_TPL_N_PARENT ? "parents" : "partials");
                    return JY_ERROR;
                }
                continue;
            }
            t = jy_tpl_set_load(set, n->text, err);
            if (t == NULL) {
                if (err->code == JY_E_NOT_FOUND)
                    jy_tpl_err_at(err, n->owner->name, n->line, n->col, "%s \"%s\" does not exist",
                                  n->type == JY_TPL_N_PARENT ? "parent" : "partial", n->text);
                return JY_ERROR;
            }
            if (w->n == (int) (sizeof(w->names) / sizeof(w->names[0]))) {
                jy_tpl_err_at(err, n->owner->name, n->line, n->col,
                              "templates nested deeper than %d", w->n);
                return JY_ERROR;
            }
            if (check_refs_tpl(set, t, conditional, w, err) != JY_OK)
                return JY_ERROR;
        }
        if (n->body && check_refs_nodes(set, n->body,
                                        conditional || n->type == JY_TPL_N_SECTION ||
                                            n->type == JY_TPL_N_INVERTED,
                                        w, err) != JY_OK)
            return JY_ERROR;
    }
    return JY_OK;
}


static int
check_refs_tpl(struct jy_tpl_set *set, const struct jy_tpl *t, bool conditional, struct ref_walk *w,
               struct jy_err *err)
{
    int rc;

    w->names[w->n] = t->name;
    w->conditional[w->n] = conditional;
    w->n++;
    rc = check_refs_nodes(set, t->root, false, w, err);
    w->n--;
    return rc;
}


int
jy_tpl_check_refs(struct jy_tpl_set *set, const char *name, struct jy_err *err)
{
    struct ref_walk w = {.n = 0};
    const struct jy_tpl *t = jy_tpl_set_load(set, name, err);

    return t ? check_refs_tpl(set, t, false, &w, err) : JY_ERROR;
}
