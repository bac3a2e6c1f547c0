/*
 * sanitize.h - rich-text bodies: HTML from the editor made safe to publish.
 *
 * An item's body is HTML typed or pasted (often from Word or an old site)
 * by an editor. It is parsed with gumbo, Google's implementation of the
 * HTML5 parsing algorithm, so the tree we look at is the one a browser
 * builds, whatever tricks the markup plays (unclosed tags, entities inside
 * "javascript:", attributes that look like tags). We then walk that tree
 * and write our own serialisation of what the allowlist below keeps: no
 * byte of the input reaches the output except as escaped text or attribute
 * values (jy_buf_add_html), so the output is well-formed, valid UTF-8, and
 * parsing it again gives the same tree.
 *
 * What is kept:
 *  - elements: p br h2-h6 strong b em i u s sub sup small del ins blockquote
 *    ul ol li dl dt dd table caption colgroup col thead tbody tfoot tr th td
 *    a img figure figcaption span div pre code hr ruby rt rp;
 *    h1 becomes h2 (the page title is the page's only h1), center a div
 *    with text-align: center, strike an s;
 *  - attributes on every kept element: title, lang, dir (ltr, rtl, auto),
 *    class (only the editor's classes, JY_SANITIZE_CLASSES), style (only
 *    text-align: left/right/center/justify/start/end and text-indent with a
 *    non-negative length such as 2em, 21pt, 32px; the rest are the "foreign
 *    styles" Word leaves behind);
 *  - a: href (http, https, mailto, tel or a relative URL), target (_blank
 *    or _self; with _blank, rel="noopener noreferrer" is added, and any rel
 *    of the input is replaced);
 *  - img: src (http, https or relative: data: URLs are refused, upload the
 *    image as a file, which is sniffed, size-checked and reusable), alt,
 *    width, height; an img without a usable src is removed;
 *  - tables: border, cellpadding, cellspacing, width, align on table;
 *    colspan, rowspan, width, height, align, valign (and scope on th) on
 *    cells; align, valign on rows and row groups; span, width on col and
 *    colgroup; align on p, div and headings; start and type on ol, value on
 *    li. Numbers and keywords are checked; an invalid value is removed.
 *
 * What is removed:
 *  - with their content: script, style, iframe, frame(set), object, embed,
 *    applet, form and its controls, noscript, template, media (video, audio,
 *    canvas, map ...), head elements (meta, link, base, title), svg and
 *    math (anything the parser puts in a foreign namespace);
 *  - the tag only, content kept: every other element (font, o:p, section,
 *    label, details ...), and elements nested deeper than
 *    JY_SANITIZE_MAX_DEPTH;
 *  - comments, every on* event handler, every attribute not listed above,
 *    URLs with other schemes (javascript:, vbscript:, data:, file: ...),
 *    classes and styles not listed above, C0 control characters.
 *
 * The report lists what was removed as findings an editor understands:
 * "removed <script> element (paragraph 3)", "removed onclick attribute from
 * <a> (event handlers run scripts)", "removed javascript: link from <a>".
 * Identical findings are counted, not repeated ("... (12 times, first in
 * paragraph 2)"). A paragraph is a top-level block of the body, counted
 * from 1.
 *
 * Limits (parsing HTML5 costs time in proportion to tags times nesting depth
 * in every implementation, gumbo included, and unclosed formatting tags are
 * repeated in every paragraph after them): input and output at most
 * JY_SANITIZE_MAX_INPUT bytes and JY_SANITIZE_MAX_TAGS start tags, the
 * parser's memory at most 16 MiB + 64 bytes per input byte; past them
 * JY_E_TOO_LARGE. The worst input under these limits takes about half a second
 * (20,000 nested list items); an article takes about a millisecond. Input
 * that is not valid UTF-8 is refused (JY_E_INVALID, naming the byte), like
 * all text entering Jiyue.
 */
#ifndef JY_CORE_SANITIZE_H
#define JY_CORE_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

struct jy_buf;
struct jy_err;
struct jy_pool;

#define JY_SANITIZE_MAX_INPUT (2 * 1024 * 1024)
#define JY_SANITIZE_MAX_TAGS  20000
#define JY_SANITIZE_MAX_DEPTH 64
/* Distinct findings listed; more are only counted in report->more. */
#define JY_SANITIZE_MAX_FINDINGS 100

/* The editor's classes, the only ones a body may carry (space-separated). */
#define JY_SANITIZE_CLASSES                                                                \
    "jy-align-left jy-align-center jy-align-right jy-align-justify jy-indent jy-img-left " \
    "jy-img-center jy-img-right jy-table jy-note jy-attachment"

enum jy_sanitize_kind {
    JY_SAN_ELEMENT,   /* an element removed with its content */
    JY_SAN_TAG,       /* a tag removed, its content kept */
    JY_SAN_CHANGED,   /* an element replaced by an allowed one (h1 by h2) */
    JY_SAN_FOREIGN,   /* svg or math content removed */
    JY_SAN_COMMENT,   /* a comment removed */
    JY_SAN_EVENT,     /* an event handler attribute (on*) removed */
    JY_SAN_ATTRIBUTE, /* another attribute, or an invalid value, removed */
    JY_SAN_URL,       /* a link or image source with a refused scheme removed */
    JY_SAN_STYLE,     /* a style declaration removed */
    JY_SAN_CLASS,     /* a class removed */
    JY_SAN_NESTING,   /* tags removed because elements nested too deeply */
};

struct jy_sanitize_finding {
    enum jy_sanitize_kind kind;
    const char *message; /* for the editor: "removed <script> element (paragraph 3)" */
    const char *element; /* tag name of the element concerned: "script", "a" */
    const char *name;    /* attribute, style property, class or URL scheme; NULL */
    int paragraph;       /* first place: top-level block, from 1; 0 before the first */
    int line;            /* first place: line of the element in the input, from 1 */
    int count;           /* how many times it was found */
};

struct jy_sanitize_report {
    struct jy_sanitize_finding *findings; /* in the pool, in order of first place */
    int n;
    int more; /* distinct findings not listed (cap reached) */
};

/*
 * Sanitise html[0..len) and append the result to out (which holds only
 * complete output: on error nothing is appended). report (may be NULL) gets
 * the findings, allocated in pool. Errors: JY_E_INVALID for input that is
 * not UTF-8, JY_E_TOO_LARGE past the limits above or when out's cap is
 * reached; err->field is "body".
 */
int jy_sanitize_html(struct jy_pool *pool, const char *html, size_t len, struct jy_buf *out,
                     struct jy_sanitize_report *report, struct jy_err *err);

/*
 * True when html[0..len) is already what jy_sanitize_html() writes for it,
 * so that sanitising would return it unchanged: one or more paragraphs
 * <p>TEXT</p> and nothing between them, TEXT being valid UTF-8 with at
 * least one character and none of < > & " ' nor a C0 or C1 control
 * character (jy_sanitize_html escapes or removes those). The importer
 * takes this shortcut for the bulk of migrated bodies; the fuzz target
 * checks that sanitising such a body does give it back.
 */
bool jy_sanitize_is_plain(const char *html, size_t len);

/* True when name (NUL-terminated, case-insensitive) is one of JY_SANITIZE_CLASSES. */
bool jy_sanitize_class_allowed(const char *name, size_t len);

#endif /* JY_CORE_SANITIZE_H */
