/*
 * tpl.h - Mustache templates: compile once, render many times into a jy_buf.
 *
 * The engine implements the Mustache specification (github.com/mustache/spec:
 * comments, delimiters, interpolation, inverted, partials, sections and the
 * optional ~inheritance module). Lambdas are not supported: the data is
 * JSON, which has no functions.
 *
 * Templates live in a set. A set owns a pool; every template compiled into
 * it, and everything a compiled template points to, lives in that pool and
 * goes away with jy_tpl_set_destroy(). Partials ({{>name}}) and parents
 * ({{<name}}) are looked up by name in the same set when the page is
 * rendered; a name the set does not hold yet is asked of the loader
 * callback, so a theme hands over template text only when it is needed.
 *
 * Usage:
 *
 *     struct jy_tpl_set *set = jy_tpl_set_create(theme_load, theme);
 *     const struct jy_tpl *t = jy_tpl_set_load(set, "article", &err);
 *     struct jy_buf page = JY_BUF_INIT(request_pool);
 *     if (t == NULL || jy_tpl_render(t, article_json, &page, &err) != JY_OK)
 *         ... answer with err ...
 *     ...
 *     jy_tpl_set_destroy(set);          (when the theme is reloaded)
 *
 * Data model. The context is a cJSON tree:
 *  - A name is looked up in the context stack from the innermost section
 *    outwards; "a.b.c" looks up "a" that way and then "b" and "c" only
 *    inside what was found. "." is the innermost value itself. A part that
 *    is all digits also indexes an array ("items.0.title").
 *  - Falsey values: false, null, a missing name, an empty array, and - as
 *    in JavaScript, whose `!!data` the specification uses as its example -
 *    the empty string and the number 0. So {{#subtitle}}<h2>...{{/subtitle}}
 *    hides the heading when the column is empty. Everything else is
 *    truthy, including {} and "0".
 *  - A section over an array renders once per element with the element
 *    pushed on the stack; over any other truthy value once with the value
 *    pushed.
 *  - Interpolation writes strings as they are, numbers in the shortest
 *    form that reads back the same (85, 1.21), true and false as words,
 *    and nothing for null, objects and arrays (use the json filter).
 *  - {{name}} escapes & < > " ' for HTML; {{{name}}} and {{&name}} do not.
 *
 * Standalone lines. As in the specification, a line holding only a
 * section, inverted, closing, comment, partial, parent, block or
 * set-delimiter tag and blanks is left out of the output entirely. Jiyue
 * extends this to lines holding several such tags and nothing else
 * ("{{/items}}{{^items}}", "{{<layout}}{{$main}}"), which the inheritance
 * module needs; "  {{$block}}{{/block}}" alone on a line keeps its newline
 * and indents the block's content, as that module asks.
 *
 * Filters (an extension; the specification never writes " | " in a tag):
 *
 *     {{title | truncate 30}}   {{pub_date | date_cn}}
 *     {{pub_date | date "%Y-%m-%d %H:%M"}}   {{{. | json}}}
 *
 * A variable tag whose content holds a '|' with white space on both sides
 * is a name followed by filters, applied left to right; the HTML escaping
 * of {{ }} applies to the final text. Arguments are bare words or
 * "double-quoted strings" (\" and \\ inside). Filters are resolved when
 * the template is compiled, so an unknown filter or a wrong number of
 * arguments is a compile error with a line and column. Built in:
 *  - truncate N: at most N characters (code points, never a cut UTF-8
 *    sequence); longer text keeps N-1 characters and ends with "…".
 *  - date_cn: an ISO 8601 timestamp ("2024-05-16", "2024-05-16T08:30:00+08:00")
 *    as 2024年05月16日; text that is not a timestamp is written unchanged.
 *  - date FORMAT: the same timestamp through %Y %m %d %H %M %S and %%;
 *    the clock fields of a bare date are 00. No time zone conversion: the
 *    fields are those written in the text.
 *  - url: percent-encode for a URL path segment or query value.
 *  - json: the value as JSON (a missing name gives null, text from an
 *    earlier filter a JSON string); < > & ' and U+2028/9 are written as
 *    \u escapes, so the output is safe inside <script> with {{{ }}}.
 *  - default TEXT: TEXT when the value prints as nothing.
 * More filters are registered per set with jy_tpl_set_add_filter().
 *
 * Errors. Compile errors fill a struct jy_err with code JY_E_INVALID and a
 * message naming the template, the line and the column (in characters,
 * 1-based) of the offending tag:
 *
 *     template "article" line 12, column 5: unclosed section "items"
 *
 * Rendering errors (a partial that does not compile, partials nested
 * deeper than the limit, too much work, output over the jy_buf cap) are
 * reported the same way by jy_tpl_render().
 *
 * A set is not thread-safe: rendering may load and compile partials into
 * it. Use one set per thread or a lock.
 */
#ifndef JY_CORE_TPL_H
#define JY_CORE_TPL_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct jy_buf;
struct jy_err;
struct jy_str;
struct jy_tpl;
struct jy_tpl_set;

/* Defaults of jy_tpl_set_limits(). */
#define JY_TPL_MAX_DEPTH 200      /* sections, partials and blocks nested in one render */
#define JY_TPL_MAX_STEPS 20000000 /* tags and text pieces visited by one render */

/*
 * Loader: append the text of template `name` to `text` and return JY_OK;
 * return JY_DECLINED when there is no such template (a partial of that
 * name then renders as nothing, as the specification asks, and the set
 * remembers the answer); return JY_ERROR with err filled when the text
 * could not be read. `text` lives in a scratch pool freed after the
 * compilation, so the loader need not keep anything.
 */
typedef int (*jy_tpl_load_fn)(void *data, const char *name, struct jy_buf *text,
                              struct jy_err *err);

/*
 * Create an empty set. `load` may be NULL: then only templates given to
 * jy_tpl_compile() exist. Aborts on out-of-memory like the pool does.
 */
struct jy_tpl_set *jy_tpl_set_create(jy_tpl_load_fn load, void *load_data);

/* Free the set, its templates and its pool. NULL is a no-op. */
void jy_tpl_set_destroy(struct jy_tpl_set *set);

/*
 * Limit what one render may do: max_depth nested sections, partials and
 * blocks (a partial that includes itself without end stops there with a
 * clear error), max_steps tags and text pieces visited (a template that
 * does exponential work stops there). 0 keeps the current value. Each
 * level of depth is a few hundred bytes of C stack: keep it in hundreds.
 */
void jy_tpl_set_limits(struct jy_tpl_set *set, unsigned max_depth, unsigned long max_steps);

/*
 * Compile text[0..len) as template `name` into the set, replacing an
 * earlier template of that name (the earlier one stays valid until the set
 * is destroyed). The text is copied; the caller may free it. Returns the
 * template, or NULL with err filled (JY_E_INVALID, name/line/column).
 */
const struct jy_tpl *jy_tpl_compile(struct jy_tpl_set *set, const char *name, const char *text,
                                    size_t len, struct jy_err *err);

/*
 * The template `name`: one compiled before, or else the loader's text,
 * compiled now and kept. NULL with err filled when the loader declined
 * (code JY_E_NOT_FOUND), failed, or the text does not compile.
 */
const struct jy_tpl *jy_tpl_set_load(struct jy_tpl_set *set, const char *name, struct jy_err *err);

/*
 * Render `tpl` against `context` (NULL is an empty context), appending to
 * `out`. Nothing is allocated per tag: the output grows `out` in its own
 * pool and the context stack lives on the C stack. Returns JY_OK, or
 * JY_ERROR with err filled; `out` then holds what was rendered before the
 * failure. When `out` has a cap (out->max) and the page passes it, the
 * result is JY_ERROR with code JY_E_TOO_LARGE.
 */
int jy_tpl_render(const struct jy_tpl *tpl, const struct cJSON *context, struct jy_buf *out,
                  struct jy_err *err);

/*
 * Check that every partial and parent template `name` uses, and those
 * they use in turn, exists and compiles, and that none includes itself
 * without end: a parent cycle, or a partial cycle outside any section (a
 * partial that includes itself inside a section recurses over a tree of
 * data and is fine). JY_OK, or JY_ERROR with err naming the template,
 * line and column of the reference.
 */
int jy_tpl_check_refs(struct jy_tpl_set *set, const char *name, struct jy_err *err);

/* Call fn(data) when the set is destroyed (a loader's state). */
void jy_tpl_set_on_destroy(struct jy_tpl_set *set, void (*fn)(void *), void *data);

/* The name the template was compiled under. */
const char *jy_tpl_name(const struct jy_tpl *tpl);


/*
 * Filters. A filter reads one value and appends its text to `out`,
 * unescaped: the renderer escapes the final result of a {{ }} tag.
 */
struct jy_tpl_filter_call {
    const struct cJSON *value; /* the named value for the first filter of a tag (NULL when
                                  the name is missing); NULL for later filters */
    const char *text;          /* the value as {{{name}}} would print it, or the output of
                                  the previous filter; not NUL-terminated */
    size_t len;
    bool chained; /* text comes from an earlier filter */
    int argc;     /* arguments as written in the tag, quotes removed */
    const struct jy_str *argv;
    void *data; /* jy_tpl_filter.data */
};

/* Append the result to out; JY_OK, or JY_ERROR with err filled (ends the render). */
typedef int (*jy_tpl_filter_fn)(const struct jy_tpl_filter_call *call, struct jy_buf *out,
                                struct jy_err *err);

/*
 * Optional compile-time check of the arguments (argc is already within
 * min_args..max_args): JY_OK, or JY_ERROR with a message in err, which
 * the compiler prefixes with the template position.
 */
typedef int (*jy_tpl_filter_check_fn)(int argc, const struct jy_str *argv, struct jy_err *err);

struct jy_tpl_filter {
    const char *name; /* [a-z0-9_]+, used as {{x | name ...}} */
    int min_args;     /* arguments allowed after the name */
    int max_args;
    jy_tpl_filter_fn fn;
    jy_tpl_filter_check_fn check; /* may be NULL */
    void *data;                   /* handed to fn in call->data */
};

/*
 * Register a filter for the templates compiled into the set afterwards.
 * The struct is copied; name and data must outlive the set. A name that
 * is taken (built in or registered) is refused with JY_E_CONFLICT, so two
 * plugins cannot silently replace each other's filter.
 */
int jy_tpl_set_add_filter(struct jy_tpl_set *set, const struct jy_tpl_filter *filter,
                          struct jy_err *err);

#endif /* JY_CORE_TPL_H */
