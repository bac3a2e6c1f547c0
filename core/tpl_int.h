/*
 * tpl_int.h - what tpl_lex.c, tpl_parse.c and tpl_render.c share; nothing
 * outside the template engine includes this (SQLite btree.h / btreeInt.h).
 *
 * Pipeline: the lexer cuts the source into tokens and decides which lines
 * are standalone; the parser turns tokens into a tree of nodes in the
 * set's pool; the renderer walks the tree.
 *
 * Standalone lines. A line (from one newline of the text to the next; a
 * tag may span several lines) that holds at least one tag, no
 * interpolation tag and nothing but blanks otherwise is standalone: the
 * blanks and the newline are not output. This is the rule of the
 * specification generalised to several tags on a line, which the
 * inheritance module needs ("{{<parent}}{{$block}}" on one line). One
 * exception, from the inheritance module: "{{$b}}{{/b}}" alone on a line
 * keeps its newline; its leading blanks become the block's indentation.
 *
 * Indentation. Every line of a partial (or parent) included by a
 * standalone tag is indented by the blanks before the tag. The engine does
 * not rewrite the partial's text: nodes that start a template line carry
 * `bol`, and the renderer writes the chain of indentations in force before
 * such a node (and after each newline inside text), except on empty lines.
 * Data written by a tag is never indented, as the specification requires.
 *
 * Block indentation (~inheritance "Block reindentation"): the lines of a
 * block whose opening tag is standalone lose their common leading blanks
 * when compiled (`dedent`), and a standalone block is expanded at its
 * site's indentation: the blanks its own default content had, or the
 * blanks before its tag when it has none.
 */
#ifndef JY_CORE_TPL_INT_H
#define JY_CORE_TPL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/tpl.h"

struct jy_pool;

#define JY_TPL_DELIM_MAX   16  /* bytes of a delimiter set with {{=a b=}} */
#define JY_TPL_MAX_NESTING 100 /* sections nested in one template's source */
#define JY_TPL_MAX_ARGS    8   /* arguments of one filter */
#define JY_TPL_NONE        ((size_t) -1)

enum jy_tpl_tok_type {
    JY_TPL_TOK_TEXT,
    JY_TPL_TOK_VAR,      /* {{name}} */
    JY_TPL_TOK_RAW,      /* {{{name}}} and {{&name}} */
    JY_TPL_TOK_SECTION,  /* {{#name}} */
    JY_TPL_TOK_INVERTED, /* {{^name}} */
    JY_TPL_TOK_CLOSE,    /* {{/name}} */
    JY_TPL_TOK_COMMENT,  /* {{! text }} */
    JY_TPL_TOK_PARTIAL,  /* {{>name}} */
    JY_TPL_TOK_PARENT,   /* {{<name}} */
    JY_TPL_TOK_BLOCK,    /* {{$name}} */
    JY_TPL_TOK_DELIM,    /* {{=<% %>=}} */
};

struct jy_tpl_tok {
    const char *ptr; /* text: the bytes (one line at most, '\n' last); tag: content, trimmed */
    size_t len;
    size_t off;         /* source offset where the token starts (tag: its open delimiter) */
    size_t end;         /* source offset just past the token */
    size_t line_off;    /* offset where the token's line starts */
    size_t line_end;    /* offset just past the token's line (its '\n' included) */
    const char *indent; /* tag on a standalone or pair line: the blanks that start the line */
    size_t indent_len;
    size_t match;             /* opening tags: index of the closing token, JY_TPL_NONE if none */
    unsigned line;            /* tags: 1-based line of the open delimiter */
    unsigned col;             /* tags: 1-based column, in characters */
    unsigned char type;       /* enum jy_tpl_tok_type */
    unsigned char standalone; /* tag: its line is standalone and not output */
    unsigned char first; /* partial/parent: the first of a standalone line, takes its indentation */
    unsigned char pair_line; /* block tag: "{{$b}}{{/b}}" alone on its line */
    unsigned char removed;   /* text: blanks of a standalone line, not output */
};

struct jy_tpl_toks {
    struct jy_tpl_tok *v;
    size_t n;
    size_t alloc;
};

enum jy_tpl_node_type {
    JY_TPL_N_TEXT,
    JY_TPL_N_VAR,
    JY_TPL_N_SECTION,
    JY_TPL_N_INVERTED,
    JY_TPL_N_PARTIAL,
    JY_TPL_N_PARENT,
    JY_TPL_N_BLOCK,
};

/* One filter of a variable tag, resolved when the template is compiled. */
struct jy_tpl_filter_use {
    const struct jy_tpl_filter *filter;
    int argc;
    struct jy_str *argv; /* in the set's pool */
};

struct jy_tpl_node {
    struct jy_tpl_node *next; /* following sibling */
    unsigned char type;       /* enum jy_tpl_node_type */
    unsigned char bol;        /* starts a line of the template: indentation goes first */
    unsigned char escape;     /* VAR: HTML-escape the value */
    unsigned char indented;   /* PARTIAL/PARENT: standalone, include with `indent`;
                                 BLOCK: standalone site, expand at `indent` */
    const char *text;         /* TEXT: the bytes; PARTIAL/PARENT/BLOCK: the name (NUL-terminated) */
    size_t len;
    const char **parts; /* VAR/SECTION/INVERTED: the dotted name split at '.' */
    unsigned nparts;    /* 0 for "." */
    unsigned nfilters;
    struct jy_tpl_filter_use *filters;
    const char *indent; /* see `indented` */
    size_t indent_len;
    struct jy_tpl_node *body;   /* SECTION/INVERTED/BLOCK: content; PARENT: its block overrides */
    const struct jy_tpl *owner; /* template whose source holds the node */
    unsigned line;              /* tags: position for messages */
    unsigned col;
};

struct jy_tpl {
    struct jy_tpl_set *set; /* where partials are looked up */
    const char *name;       /* NUL-terminated, in the set's pool */
    const char *src;        /* the source, copied; text nodes point into it */
    size_t len;
    struct jy_tpl_node *root;
};

/* Template or remembered absence in a set's hash table. */
struct jy_tpl_entry {
    struct jy_tpl_entry *next;
    const char *name;
    const struct jy_tpl *tpl; /* NULL: the loader has no template of that name */
};

/* A filter registered in a set (the built-in ones sit in a static table). */
struct jy_tpl_filter_reg {
    struct jy_tpl_filter_reg *next;
    struct jy_tpl_filter filter;
};

struct jy_tpl_set {
    struct jy_pool *pool; /* templates, names, nodes, filters */
    jy_tpl_load_fn load;  /* may be NULL */
    void *load_data;
    struct jy_tpl_entry **buckets;     /* hash table by name */
    size_t nbuckets;                   /* power of two */
    size_t count;                      /* entries in the table */
    struct jy_tpl_filter_reg *filters; /* registered with jy_tpl_set_add_filter() */
    unsigned max_depth;
    unsigned long max_steps;
};

/* tpl_lex.c */

/*
 * Cut src into tokens in scratch memory (text split after each newline),
 * mark standalone lines and pair sections with their closing tags. JY_OK,
 * or JY_ERROR with a positioned message in err.
 */
int jy_tpl_lex(struct jy_pool *scratch, const char *name, const char *src, size_t len,
               struct jy_tpl_toks *toks, struct jy_err *err);

/* err = JY_E_INVALID "template "name" line L, column C: <fmt>" */
void jy_tpl_err_at(struct jy_err *err, const char *name, unsigned line, unsigned col,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* tpl_render.c */

/* A filter by name: the set's registered ones, then the built-in ones; NULL if none. */
const struct jy_tpl_filter *jy_tpl_filter_find(const struct jy_tpl_set *set, const char *name,
                                               size_t len);

#endif /* JY_CORE_TPL_INT_H */
