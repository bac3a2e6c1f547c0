/*
 * sanitize_oracle.h - an independent check of the sanitiser's output, for
 * tests/unit/sanitize_test.c and tests/fuzz/fuzz_sanitize.c.
 *
 * It does not trust the sanitiser's own tables: it parses the output with
 * gumbo, as a browser would, walks the tree and fails on anything that can
 * run a script or load foreign content: an element outside a short list, a
 * comment or CDATA node, an attribute outside a short list or any on*
 * attribute, a URL whose scheme (read the way browsers read it: control
 * characters and spaces stripped from the ends, tabs and newlines removed)
 * is not http, https, mailto or tel (http and https for src), a style with
 * anything but text-align and text-indent and plain values, a class that is
 * not the editor's.
 *
 * Static functions in a header, included by one file of each program.
 */
#ifndef JY_TESTS_SANITIZE_ORACLE_H
#define JY_TESTS_SANITIZE_ORACLE_H

#include "core/compat.h"

#include <ctype.h>
#include <strings.h>

#include <gumbo.h>

static const char *const oracle_elements[] = {
    "p",     "br",    "h2",   "h3",  "h4",   "h5",    "h6",      "strong",   "b",          "em",
    "i",     "u",     "s",    "sub", "sup",  "small", "del",     "ins",      "blockquote", "ul",
    "ol",    "li",    "dl",   "dt",  "dd",   "table", "caption", "colgroup", "col",        "thead",
    "tbody", "tfoot", "tr",   "th",  "td",   "a",     "img",     "figure",   "figcaption", "span",
    "div",   "pre",   "code", "hr",  "ruby", "rt",    "rp"};

static const char *const oracle_attributes[] = {
    "href",   "src",         "alt",         "title", "width", "height", "colspan", "rowspan",
    "class",  "style",       "target",      "rel",   "lang",  "dir",    "align",   "valign",
    "border", "cellpadding", "cellspacing", "span",  "start", "type",   "value",   "scope"};

static bool
oracle_in(const char *const *list, size_t n, const char *s)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}


/* The scheme of a URL as a browser sees it, lower-cased into sch; "" for a relative URL. */
static void
oracle_scheme(const char *v, char *sch, size_t schlen)
{
    char clean[256];
    size_t len = strlen(v), n = 0, i;

    while (len > 0 && (unsigned char) v[len - 1] <= 0x20)
        len--;
    while (len > 0 && (unsigned char) *v <= 0x20) {
        v++;
        len--;
    }
    for (i = 0; i < len && n + 1 < sizeof(clean); i++)
        if (v[i] != '\t' && v[i] != '\n' && v[i] != '\r')
            clean[n++] = v[i];
    clean[n] = '\0';
    sch[0] = '\0';
    if (!isalpha((unsigned char) clean[0]))
        return;
    for (i = 1; clean[i]; i++) {
        if (clean[i] == ':') {
            size_t k;
            if (i >= schlen)
                i = schlen - 1;
            for (k = 0; k < i; k++)
                sch[k] = (char) tolower((unsigned char) clean[k]);
            sch[i] = '\0';
            return;
        }
        if (!isalnum((unsigned char) clean[i]) && clean[i] != '+' && clean[i] != '-' &&
            clean[i] != '.')
            return;
    }
}


static bool
oracle_style_ok(const char *v)
{
    char buf[512];
    char *decl, *save = NULL;

    if (strlen(v) >= sizeof(buf))
        return false;
    snprintf(buf, sizeof(buf), "%s", v);
    for (decl = strtok_r(buf, ";", &save); decl; decl = strtok_r(NULL, ";", &save)) {
        char *colon = strchr(decl, ':'), *p;
        if (colon == NULL)
            return false;
        *colon = '\0';
        while (*decl == ' ')
            decl++;
        if (strcmp(decl, "text-align") != 0 && strcmp(decl, "text-indent") != 0)
            return false;
        for (p = colon + 1; *p; p++)
            if (!islower((unsigned char) *p) && !isdigit((unsigned char) *p) && *p != '.' &&
                *p != '%' && *p != ' ')
                return false;
    }
    return true;
}


/* NULL when html is safe; otherwise what is wrong, in why. */
static const char *
oracle_check(const char *html, size_t len, char *why, size_t whylen)
{
    GumboOptions opts = kGumboDefaultOptions;
    GumboOutput *doc;
    const GumboNode **stack;
    size_t n = 0, alloc = 256;
    const char *bad = NULL;

    opts.fragment_context = GUMBO_TAG_BODY;
    opts.max_errors = 0;
    doc = gumbo_parse_with_options(&opts, html, len);
    stack = malloc(alloc * sizeof(*stack));
    if (stack == NULL)
        abort();
    stack[n++] = doc->root;
    while (n > 0 && bad == NULL) {
        const GumboNode *node = stack[--n];
        const GumboElement *e;
        unsigned i;

        if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE)
            continue;
        if (node->type != GUMBO_NODE_ELEMENT) {
            snprintf(why, whylen, "node of type %d (comment, CDATA or template)", node->type);
            bad = why;
            break;
        }
        e = &node->v.element;
        if (node != doc->root) {
            const char *name = gumbo_normalized_tagname(e->tag);
            if (e->tag_namespace != GUMBO_NAMESPACE_HTML || e->tag == GUMBO_TAG_UNKNOWN ||
                !oracle_in(oracle_elements, JY_ARRAY_LEN(oracle_elements), name)) {
                snprintf(why, whylen, "element <%s> (namespace %d)", name, e->tag_namespace);
                bad = why;
                break;
            }
            for (i = 0; i < e->attributes.length && bad == NULL; i++) {
                const GumboAttribute *a = e->attributes.data[i];
                char sch[32];
                if (strncasecmp(a->name, "on", 2) == 0 ||
                    !oracle_in(oracle_attributes, JY_ARRAY_LEN(oracle_attributes), a->name)) {
                    snprintf(why, whylen, "attribute %s on <%s>", a->name, name);
                    bad = why;
                } else if (strcmp(a->name, "href") == 0 || strcmp(a->name, "src") == 0) {
                    oracle_scheme(a->value, sch, sizeof(sch));
                    if (sch[0] && strcmp(sch, "http") && strcmp(sch, "https") &&
                        (strcmp(a->name, "src") == 0 ||
                         (strcmp(sch, "mailto") && strcmp(sch, "tel")))) {
                        snprintf(why, whylen, "%s with scheme \"%s\" on <%s>", a->name, sch, name);
                        bad = why;
                    }
                } else if (strcmp(a->name, "style") == 0 && !oracle_style_ok(a->value)) {
                    snprintf(why, whylen, "style \"%.80s\" on <%s>", a->value, name);
                    bad = why;
                } else if (strcmp(a->name, "class") == 0 &&
                           strspn(a->value, "abcdefghijklmnopqrstuvwxyz- ") != strlen(a->value)) {
                    snprintf(why, whylen, "class \"%.80s\" on <%s>", a->value, name);
                    bad = why;
                }
            }
        }
        for (i = 0; i < e->children.length && bad == NULL; i++) {
            if (n == alloc) {
                alloc *= 2;
                stack = realloc(stack, alloc * sizeof(*stack));
                if (stack == NULL)
                    abort();
            }
            stack[n++] = e->children.data[i];
        }
    }
    free(stack);
    gumbo_destroy_output(&opts, doc);
    return bad;
}

#endif /* JY_TESTS_SANITIZE_ORACLE_H */
