/*
 * sanitize.c - the HTML allowlist of item bodies; what it keeps and why is
 * in sanitize.h.
 *
 * How it works:
 *  1. Cheap checks on the bytes: size, UTF-8, number of tags.
 *  2. gumbo parses the input as a fragment of <body>, as a browser would
 *     for innerHTML. Its memory comes from a child pool with a budget: when
 *     the budget is spent the allocator longjmps out of the parser (gumbo
 *     holds nothing but memory, all of it in that pool, which we destroy).
 *     Parse errors are not recorded (max_errors = 0): gumbo copies the
 *     stack of open elements into every error, which is quadratic memory on
 *     deeply nested input.
 *  3. The tree is walked without recursion (an explicit stack: nesting is
 *     the attacker's choice) and what the allowlist keeps is serialised by
 *     us, escaping every text and attribute value.
 *  4. The output is parsed and serialised again until it does not change
 *     (normally once): the HTML parser moves some content when it reparses
 *     markup that it built itself (a tag removed from inside a heading,
 *     foster-parented table content), and the promise is that sanitising
 *     our output changes nothing.
 */
#include "core/compat.h"
#include "core/sanitize.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/utf8.h"

#include <ctype.h>
#include <setjmp.h>
#include <strings.h>

#include <gumbo.h>

/* Parser memory: bytes per input byte, plus a floor, before we give up. */
#define SAN_BUDGET_FACTOR 64
#define SAN_BUDGET_FLOOR  (16 * 1024 * 1024)
/* Passes after the first that may still move content (see 4. above). */
#define SAN_MAX_RECHECKS 4
#define SAN_URL_MAX      4096

enum rule {
    R_UNWRAP, /* drop the tag, keep the content */
    R_DROP,   /* drop the element and its content */
    R_KEEP,   /* keep, with filtered attributes */
    R_VOID,   /* keep, no content and no end tag */
};

/* Which attribute checks apply to an element (bit set). */
enum {
    A_ALIGN = 1 << 0, /* align: left center right justify */
    A_CELL = 1 << 1,  /* colspan rowspan width height align valign */
    A_ROW = 1 << 2,   /* align valign */
    A_TABLE = 1 << 3, /* border cellpadding cellspacing width align */
    A_COL = 1 << 4,   /* span width */
    A_LINK = 1 << 5,  /* href target */
    A_IMG = 1 << 6,   /* src alt width height */
    A_OL = 1 << 7,    /* start type */
    A_LI = 1 << 8,    /* value */
    A_TH = 1 << 9,    /* scope */
};

struct finding {
    struct jy_sanitize_finding f;
    const char *base; /* message without the place */
};

/* Parser arena (see 2. above). */
struct arena {
    struct jy_pool *pool;
    size_t used, budget;
    jmp_buf fail;
};

/* One pass of the walk. */
struct san {
    struct jy_pool *pool; /* findings and their strings (the caller's) */
    struct jy_pool *tmp;  /* this pass's scratch */
    struct jy_buf *out;   /* this pass's output */
    bool report;          /* first pass: collect findings */
    struct finding *v;
    int n, alloc, more;
    int paragraph; /* current top-level block, from 1 */
    int line;      /* line of the current element */
};

/* An element of the tree being written. */
struct frame {
    const GumboNode *node;
    unsigned next;     /* next child to write */
    const char *close; /* end tag after the children; NULL when unwrapped */
    int depth;         /* kept elements open, this one included */
};

static void *arena_alloc(void *userdata, size_t size);
static void arena_free(void *userdata, void *ptr);
static GumboOutput *san_parse(struct arena *a, const char *html, size_t len);
static void add_finding(struct san *s, enum jy_sanitize_kind kind, const char *element,
                        const char *name, const char *fmt, ...) JY_PRINTF(5, 6);
static int san_pass(struct san *s, const char *html, size_t len, struct jy_err *err);


static void *
arena_alloc(void *userdata, size_t size)
{
    struct arena *a = userdata;
    void *p;

    if (size > a->budget - a->used)
        longjmp(a->fail, 1);
    a->used += size;
    p = jy_pool_try_alloc(a->pool, size ? size : 1);
    if (p == NULL)
        longjmp(a->fail, 1);
    return p;
}


static void
arena_free(void *userdata, void *ptr)
{
    /* the whole arena goes with its pool */
    (void) userdata;
    (void) ptr;
}


static GumboOutput *
san_parse(struct arena *a, const char *html, size_t len)
{
    GumboOptions opts = kGumboDefaultOptions;

    opts.allocator = arena_alloc;
    opts.deallocator = arena_free;
    opts.userdata = a;
    opts.max_errors = 0;
    opts.fragment_context = GUMBO_TAG_BODY;
    opts.fragment_namespace = GUMBO_NAMESPACE_HTML;
    if (setjmp(a->fail) != 0)
        return NULL;
    return gumbo_parse_with_options(&opts, html, len);
}


bool
jy_sanitize_class_allowed(const char *name, size_t len)
{
    const char *p = JY_SANITIZE_CLASSES;

    while (*p) {
        size_t n = strcspn(p, " ");
        if (n == len && memcmp(p, name, len) == 0)
            return true;
        p += n;
        while (*p == ' ')
            p++;
    }
    return false;
}


static enum rule
tag_rule(GumboTag tag, int *attrs)
{
    *attrs = 0;
    switch (tag) {
    case GUMBO_TAG_BR:
    case GUMBO_TAG_HR:
        return R_VOID;
    case GUMBO_TAG_IMG:
        *attrs = A_IMG;
        return R_VOID;
    case GUMBO_TAG_COL:
        *attrs = A_COL;
        return R_VOID;
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_CENTER:
        *attrs = A_ALIGN;
        return R_KEEP;
    case GUMBO_TAG_STRONG:
    case GUMBO_TAG_B:
    case GUMBO_TAG_EM:
    case GUMBO_TAG_I:
    case GUMBO_TAG_U:
    case GUMBO_TAG_S:
    case GUMBO_TAG_STRIKE:
    case GUMBO_TAG_SUB:
    case GUMBO_TAG_SUP:
    case GUMBO_TAG_SMALL:
    case GUMBO_TAG_DEL:
    case GUMBO_TAG_INS:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_SPAN:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_CODE:
    case GUMBO_TAG_RUBY:
    case GUMBO_TAG_RT:
    case GUMBO_TAG_RP:
        return R_KEEP;
    case GUMBO_TAG_OL:
        *attrs = A_OL;
        return R_KEEP;
    case GUMBO_TAG_LI:
        *attrs = A_LI;
        return R_KEEP;
    case GUMBO_TAG_TABLE:
        *attrs = A_TABLE;
        return R_KEEP;
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TR:
        *attrs = A_ROW;
        return R_KEEP;
    case GUMBO_TAG_TD:
        *attrs = A_CELL;
        return R_KEEP;
    case GUMBO_TAG_TH:
        *attrs = A_CELL | A_TH;
        return R_KEEP;
    case GUMBO_TAG_COLGROUP:
        *attrs = A_COL;
        return R_KEEP;
    case GUMBO_TAG_A:
        *attrs = A_LINK;
        return R_KEEP;

    /* scripts, styles, embedded content, forms, head elements: content goes too */
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_APPLET:
    case GUMBO_TAG_PARAM:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_TRACK:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_MAP:
    case GUMBO_TAG_AREA:
    case GUMBO_TAG_BGSOUND:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_DATALIST:
    case GUMBO_TAG_OPTGROUP:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_OUTPUT:
    case GUMBO_TAG_ISINDEX:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_META:
    case GUMBO_TAG_XMP:
    case GUMBO_TAG_PLAINTEXT:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_SVG:
        return R_DROP;
    default:
        return R_UNWRAP;
    }
}


/* The name of an element for messages: "script", "o:p". */
static const char *
elem_name(struct san *s, const GumboElement *e)
{
    GumboStringPiece p;
    char *name;
    size_t i, n;

    if (e->tag != GUMBO_TAG_UNKNOWN)
        return gumbo_normalized_tagname(e->tag);
    p = e->original_tag;
    if (p.data == NULL || p.length == 0)
        return "unknown";
    gumbo_tag_from_original_text(&p);
    n = jy_utf8_clamp_bytes(p.data, p.length, 40);
    if (n == 0 || !jy_utf8_valid(p.data, n, NULL))
        return "unknown";
    name = jy_pool_strndup(s->tmp, p.data, n);
    for (i = 0; i < n; i++)
        name[i] = (char) tolower((unsigned char) name[i]);
    return name;
}


/* A name from the input for a message: at most 40 bytes, cut on a character boundary. */
static const char *
msg_name(struct san *s, const char *v)
{
    size_t len = strlen(v);
    size_t n = jy_utf8_clamp_bytes(v, len, 40);
    char *r = jy_pool_strndup(s->tmp, v, n), *p;

    for (p = r; *p; p++)
        if ((unsigned char) *p < 0x20 || *p == 0x7f)
            *p = '?';
    return n < len ? jy_pool_printf(s->tmp, "%s...", r) : r;
}


static void
add_finding(struct san *s, enum jy_sanitize_kind kind, const char *element, const char *name,
            const char *fmt, ...)
{
    va_list ap;
    char *base;
    int i;

    if (!s->report)
        return;
    va_start(ap, fmt);
    {
        struct jy_buf b = JY_BUF_INIT(s->tmp);
        jy_buf_vaddf(&b, fmt, ap);
        base = jy_buf_detach(&b, NULL);
    }
    va_end(ap);
    for (i = 0; i < s->n; i++) {
        if (strcmp(s->v[i].base, base) == 0) {
            s->v[i].f.count++;
            return;
        }
    }
    if (s->n == JY_SANITIZE_MAX_FINDINGS) {
        s->more++;
        return;
    }
    if (s->n == s->alloc) {
        int na = s->alloc ? s->alloc * 2 : 8;
        s->v = jy_pool_realloc(s->pool, s->v, (size_t) s->alloc * sizeof(*s->v),
                               (size_t) na * sizeof(*s->v));
        s->alloc = na;
    }
    memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
    s->v[s->n].base = jy_pool_strdup(s->pool, base);
    s->v[s->n].f.kind = kind;
    s->v[s->n].f.element = jy_pool_strdup(s->pool, element);
    s->v[s->n].f.name = name ? jy_pool_strdup(s->pool, name) : NULL;
    s->v[s->n].f.paragraph = s->paragraph;
    s->v[s->n].f.line = s->line;
    s->v[s->n].f.count = 1;
    s->n++;
}


/* Append text escaped, without C0 control characters other than tab, LF and FF. */
static void
put_text(struct jy_buf *b, const char *v, size_t len)
{
    size_t i, start = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) v[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\f') || c == 0x7f) {
            jy_buf_add_html(b, v + start, i - start);
            start = i + 1;
        }
    }
    jy_buf_add_html(b, v + start, len - start);
}


static void
put_attr(struct jy_buf *b, const char *name, const char *value)
{
    jy_buf_add_char(b, ' ');
    jy_buf_add_str(b, name);
    jy_buf_add_str(b, "=\"");
    /* old IE took a backtick for a quote when it re-serialised markup: escape it too */
    for (;;) {
        size_t n = strcspn(value, "`");
        put_text(b, value, n);
        if (value[n] == '\0')
            break;
        jy_buf_add_str(b, "&#96;");
        value += n + 1;
    }
    jy_buf_add_char(b, '"');
}


/* Is v one of the words of list (space-separated), ASCII case-insensitively? */
static bool
one_of(const char *v, const char *list)
{
    size_t len = strlen(v);

    while (*list) {
        size_t n = strcspn(list, " ");
        if (n == len && strncasecmp(list, v, n) == 0)
            return true;
        list += n;
        while (*list == ' ')
            list++;
    }
    return false;
}


/* Decimal integer in [min, max], digits only (an optional '-' when min < 0). */
static bool
is_int(const char *v, long min, long max)
{
    const char *p = v;
    long n = 0;
    bool neg = false;

    if (*p == '-' && min < 0) {
        neg = true;
        p++;
    }
    if (*p == '\0' || strlen(p) > 7)
        return false;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        n = n * 10 + (*p - '0');
    }
    if (neg)
        n = -n;
    return n >= min && n <= max;
}


/* Width or height attribute: pixels (1 to 5 digits) or a percentage. */
static bool
is_dimension(const char *v)
{
    size_t n = strspn(v, "0123456789");

    if (n == 0)
        return false;
    if (v[n] == '\0')
        return n <= 5;
    return n <= 3 && v[n] == '%' && v[n + 1] == '\0';
}


/* A language tag: en, zh-CN, zh-Hans-CN. */
static bool
is_lang(const char *v)
{
    size_t n = 0;

    if (*v == '\0')
        return false;
    for (; *v; v++) {
        if (*v == '-') {
            if (n == 0)
                return false;
            n = 0;
            continue;
        }
        if (!isalnum((unsigned char) *v) || ++n > 8)
            return false;
    }
    return n > 0;
}


/*
 * A URL as browsers read it: leading and trailing C0 controls and spaces
 * are stripped, tab and newlines anywhere removed. Returns the clean URL in
 * s->tmp, or NULL with *scheme set to the refused scheme ("" for an
 * invalid URL). image: only http and https (not mailto or tel).
 */
static const char *
clean_url(struct san *s, const char *v, bool image, const char **scheme)
{
    size_t len = strlen(v), i, n = 0, colon;
    char *u;

    *scheme = "";
    while (len > 0 && (unsigned char) v[len - 1] <= 0x20)
        len--;
    while (len > 0 && (unsigned char) *v <= 0x20) {
        v++;
        len--;
    }
    if (len == 0 || len > SAN_URL_MAX)
        return NULL;
    u = jy_pool_alloc(s->tmp, len + 1);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) v[i];
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c < 0x20 || c == 0x7f)
            return NULL;
        u[n++] = (char) c;
    }
    u[n] = '\0';
    colon = strcspn(u, ":/?#");
    if (u[colon] != ':')
        return u; /* relative: path, query or fragment, or //host */
    if (colon == 0)
        return NULL;
    {
        char *sch = jy_pool_strndup(s->tmp, u, colon);
        bool valid = isalpha((unsigned char) sch[0]);
        for (i = 0; i < colon; i++) {
            sch[i] = (char) tolower((unsigned char) sch[i]);
            if (!isalnum((unsigned char) sch[i]) && sch[i] != '+' && sch[i] != '-' && sch[i] != '.')
                valid = false;
        }
        if (valid && (strcmp(sch, "http") == 0 || strcmp(sch, "https") == 0))
            return u;
        if (valid && !image && (strcmp(sch, "mailto") == 0 || strcmp(sch, "tel") == 0))
            return u;
        *scheme = valid ? sch : "";
        return NULL;
    }
}


/* The value of a style declaration's text-indent: a non-negative length. */
static bool
is_css_length(const char *v)
{
    size_t n = strspn(v, "0123456789");
    static const char *const units[] = {"em", "rem", "ex", "ch", "px", "pt",
                                        "pc", "cm",  "mm", "in", "%"};
    size_t i;

    if (n == 0 && v[0] != '.')
        return false;
    if (n > 4)
        return false;
    if (v[n] == '.') {
        size_t f = strspn(v + n + 1, "0123456789");
        if (f == 0 || f > 4)
            return false;
        n += 1 + f;
    }
    if (v[n] == '\0')
        return strspn(v, "0.") == strlen(v); /* a bare number must be zero */
    for (i = 0; i < JY_ARRAY_LEN(units); i++)
        if (strcmp(v + n, units[i]) == 0)
            return true;
    return false;
}


static char *
trim_lower(struct jy_pool *pool, const char *p, size_t len)
{
    char *r;
    size_t i;

    while (len > 0 && isspace((unsigned char) *p)) {
        p++;
        len--;
    }
    while (len > 0 && isspace((unsigned char) p[len - 1]))
        len--;
    r = jy_pool_strndup(pool, p, len);
    for (i = 0; i < len; i++)
        r[i] = (char) tolower((unsigned char) r[i]);
    return r;
}


/*
 * Keep text-align and text-indent of a style attribute (the last of each
 * wins, as in CSS); report the other declarations. Declarations are split
 * at semicolons outside quotes and parentheses, so a quoted ';' cannot
 * smuggle one in, and a value must match exactly (no escapes, comments or
 * functions).
 */
static void
filter_style(struct san *s, const char *elem, const char *v, const char **align,
             const char **indent)
{
    const char *p = v, *start = v;
    char quote = 0;
    int depth = 0;

    for (;; p++) {
        if (*p != '\0') {
            if (quote) {
                if (*p == '\\' && p[1])
                    p++;
                else if (*p == quote)
                    quote = 0;
                continue;
            }
            if (*p == '"' || *p == '\'') {
                quote = *p;
                continue;
            }
            if (*p == '\\' && p[1]) {
                p++;
                continue;
            }
            if (*p == '(')
                depth++;
            else if (*p == ')' && depth > 0)
                depth--;
            if (*p != ';' || depth > 0)
                continue;
        }
        {
            const char *colon = memchr(start, ':', (size_t) (p - start));
            char *prop, *val;
            if (colon == NULL) {
                char *junk = trim_lower(s->tmp, start, (size_t) (p - start));
                if (junk[0])
                    add_finding(s, JY_SAN_STYLE, elem, junk,
                                "removed foreign style \"%s\" from <%s>", msg_name(s, junk), elem);
            } else {
                prop = trim_lower(s->tmp, start, (size_t) (colon - start));
                val = trim_lower(s->tmp, colon + 1, (size_t) (p - colon - 1));
                if (strcmp(prop, "text-align") == 0 &&
                    one_of(val, "left right center justify start end"))
                    *align = val;
                else if (strcmp(prop, "text-indent") == 0 && is_css_length(val))
                    *indent = val;
                else
                    add_finding(s, JY_SAN_STYLE, elem, prop,
                                "removed foreign style \"%s\" from <%s>", msg_name(s, prop), elem);
            }
        }
        if (*p == '\0')
            break;
        start = p + 1;
    }
}


/* Keep the editor's classes, once each, in order; report the others. */
static const char *
filter_class(struct san *s, const char *elem, const char *v)
{
    struct jy_buf b = JY_BUF_INIT(s->tmp);
    const char *p = v;

    while (*p) {
        size_t n;
        p += strspn(p, " \t\n\f\r");
        n = strcspn(p, " \t\n\f\r");
        if (n == 0)
            break;
        if (jy_sanitize_class_allowed(p, n)) {
            const char *have = b.buf;
            bool dup = false;
            while (*have) {
                size_t m = strcspn(have, " ");
                if (m == n && memcmp(have, p, n) == 0)
                    dup = true;
                have += m + (have[m] == ' ');
            }
            if (!dup) {
                if (b.len)
                    jy_buf_add_char(&b, ' ');
                jy_buf_add(&b, p, n);
            }
        } else {
            const char *name = msg_name(s, jy_pool_strndup(s->tmp, p, n));
            add_finding(s, JY_SAN_CLASS, elem, name, "removed class \"%s\" from <%s>", name, elem);
        }
        p += n;
    }
    return b.len ? b.buf : NULL;
}


enum attr_verdict { ATTR_OK, ATTR_BAD_VALUE, ATTR_NOT_ALLOWED };

/* Attributes of kept elements: which elements (attrs bits, 0: all) and how the value is checked. */
static enum attr_verdict
attr_check(int attrs, const char *name, const char *v)
{
    bool ok;

    if (strcmp(name, "title") == 0)
        return ATTR_OK;
    if (strcmp(name, "lang") == 0)
        ok = is_lang(v);
    else if (strcmp(name, "dir") == 0)
        ok = one_of(v, "ltr rtl auto");
    else if ((attrs & (A_ALIGN | A_CELL | A_ROW)) && strcmp(name, "align") == 0)
        ok = one_of(v, "left center right justify");
    else if ((attrs & A_TABLE) && strcmp(name, "align") == 0)
        ok = one_of(v, "left center right");
    else if ((attrs & (A_CELL | A_ROW)) && strcmp(name, "valign") == 0)
        ok = one_of(v, "top middle bottom baseline");
    else if ((attrs & (A_CELL | A_TABLE | A_COL | A_IMG)) && strcmp(name, "width") == 0)
        ok = is_dimension(v);
    else if ((attrs & (A_CELL | A_IMG)) && strcmp(name, "height") == 0)
        ok = is_dimension(v);
    else if ((attrs & A_CELL) && strcmp(name, "colspan") == 0)
        ok = is_int(v, 1, 1000);
    else if ((attrs & A_CELL) && strcmp(name, "rowspan") == 0)
        ok = is_int(v, 0, 1000);
    else if ((attrs & A_TH) && strcmp(name, "scope") == 0)
        ok = one_of(v, "row col rowgroup colgroup");
    else if ((attrs & A_TABLE) && strcmp(name, "border") == 0)
        ok = is_int(v, 0, 20);
    else if ((attrs & A_TABLE) &&
             (strcmp(name, "cellpadding") == 0 || strcmp(name, "cellspacing") == 0))
        ok = is_int(v, 0, 100);
    else if ((attrs & A_COL) && strcmp(name, "span") == 0)
        ok = is_int(v, 1, 1000);
    else if ((attrs & A_OL) && strcmp(name, "start") == 0)
        ok = is_int(v, -999999, 999999);
    else if ((attrs & A_OL) && strcmp(name, "type") == 0)
        ok = strlen(v) == 1 && strchr("1aAiI", v[0]) != NULL;
    else if ((attrs & A_LI) && strcmp(name, "value") == 0)
        ok = is_int(v, 0, 999999);
    else if ((attrs & A_LINK) && strcmp(name, "target") == 0)
        ok = one_of(v, "_blank _self");
    else if ((attrs & A_IMG) && strcmp(name, "alt") == 0)
        return ATTR_OK;
    else
        return ATTR_NOT_ALLOWED;
    return ok ? ATTR_OK : ATTR_BAD_VALUE;
}


/* Keyword values are written lower-case (except ol type, where case matters). */
static const char *
attr_value_out(struct san *s, const char *name, const char *v)
{
    if (strcmp(name, "title") == 0 || strcmp(name, "alt") == 0 || strcmp(name, "type") == 0 ||
        strcmp(name, "lang") == 0)
        return v;
    return trim_lower(s->tmp, v, strlen(v));
}


/*
 * Write the start tag of a kept element with its filtered attributes.
 * Returns false when the element must go after all (an img without a
 * usable source): nothing is written then.
 */
static bool
write_start_tag(struct san *s, const GumboElement *e, const char *elem, const char *out_name,
                int attrs, const char *default_align)
{
    struct jy_buf *b = s->out;
    size_t mark = b->len;
    const char *align = default_align, *indent = NULL, *cls = NULL, *target = NULL;
    bool has_src = false;
    unsigned i;

    jy_buf_add_char(b, '<');
    jy_buf_add_str(b, out_name);
    for (i = 0; i < e->attributes.length; i++) {
        const GumboAttribute *a = e->attributes.data[i];
        const char *name = a->name, *v = a->value ? a->value : "";

        if (strcmp(name, "style") == 0) {
            filter_style(s, elem, v, &align, &indent);
            continue;
        }
        if (strcmp(name, "class") == 0) {
            cls = filter_class(s, elem, v);
            continue;
        }
        if (strcmp(name, "rel") == 0 && (attrs & A_LINK))
            continue; /* replaced by ours below */
        if ((strcmp(name, "href") == 0 && (attrs & A_LINK)) ||
            (strcmp(name, "src") == 0 && (attrs & A_IMG))) {
            const char *scheme, *url = clean_url(s, v, (attrs & A_IMG) != 0, &scheme);
            if (url) {
                put_attr(b, name, url);
                has_src = true;
            } else if ((attrs & A_IMG) && strcmp(scheme, "data") == 0) {
                add_finding(s, JY_SAN_URL, elem, scheme,
                            "removed <img> with a data: image (upload the image as a file "
                            "instead)");
            } else if (attrs & A_IMG) {
                if (scheme[0])
                    add_finding(s, JY_SAN_URL, elem, scheme, "removed <img> with a %s: source",
                                msg_name(s, scheme));
                else
                    add_finding(s, JY_SAN_URL, elem, NULL, "removed <img> with an invalid source");
            } else if (scheme[0]) {
                add_finding(s, JY_SAN_URL, elem, scheme, "removed %s: link from <%s>",
                            msg_name(s, scheme), elem);
            } else {
                add_finding(s, JY_SAN_URL, elem, NULL, "removed invalid link from <%s>", elem);
            }
            continue;
        }
        if (strncasecmp(name, "on", 2) == 0) {
            add_finding(s, JY_SAN_EVENT, elem, name,
                        "removed %s attribute from <%s> (event handlers run scripts)",
                        msg_name(s, name), elem);
            continue;
        }
        switch (attr_check(attrs, name, v)) {
        case ATTR_OK:
            if (strcmp(name, "align") == 0 && !(attrs & (A_TABLE | A_CELL | A_ROW))) {
                /* p, div, headings: align is text-align; a style wins over it */
                if (align == default_align)
                    align = trim_lower(s->tmp, v, strlen(v));
            } else if (strcmp(name, "target") == 0) {
                target = trim_lower(s->tmp, v, strlen(v));
            } else {
                put_attr(b, name, attr_value_out(s, name, v));
            }
            break;
        case ATTR_BAD_VALUE:
            add_finding(s, JY_SAN_ATTRIBUTE, elem, name,
                        "removed %s attribute from <%s>: \"%s\" is not a valid value", name, elem,
                        msg_name(s, v));
            break;
        case ATTR_NOT_ALLOWED:
            add_finding(s, JY_SAN_ATTRIBUTE, elem, name, "removed %s attribute from <%s>",
                        msg_name(s, name), elem);
            break;
        }
    }
    if ((attrs & A_IMG) && !has_src) {
        if (e->attributes.length == 0 || gumbo_get_attribute(&e->attributes, "src") == NULL)
            add_finding(s, JY_SAN_ELEMENT, elem, NULL, "removed <img> without a source");
        jy_buf_setlen(b, mark);
        return false;
    }
    if (target) {
        put_attr(b, "target", target);
        if (strcmp(target, "_blank") == 0)
            put_attr(b, "rel", "noopener noreferrer");
    }
    if (cls)
        put_attr(b, "class", cls);
    if (align || indent) {
        struct jy_buf st = JY_BUF_INIT(s->tmp);
        if (align)
            jy_buf_addf(&st, "text-align: %s", align);
        if (indent)
            jy_buf_addf(&st, "%stext-indent: %s", align ? "; " : "", indent);
        put_attr(b, "style", st.buf);
    }
    jy_buf_add_char(b, '>');
    return true;
}


/* Is the node text holding something other than white space? */
static bool
node_counts_as_block(const GumboNode *n)
{
    const char *t;

    if (n->type == GUMBO_NODE_WHITESPACE)
        return false;
    if (n->type != GUMBO_NODE_TEXT)
        return true;
    for (t = n->v.text.text; *t; t++)
        if (!isspace((unsigned char) *t))
            return true;
    return false;
}


/*
 * Handle one element child: drop it, or write its start tag; returns the
 * frame to push for its children (close NULL: unwrapped), or false when
 * nothing is to be pushed.
 */
static bool
open_element(struct san *s, const GumboNode *node, int depth, struct frame *push)
{
    const GumboElement *e = &node->v.element;
    const char *elem = elem_name(s, e);
    const char *out_name = elem, *default_align = NULL;
    int attrs;
    enum rule r;

    s->line = (int) e->start_pos.line;
    if (e->tag_namespace != GUMBO_NAMESPACE_HTML) {
        add_finding(s, JY_SAN_FOREIGN, elem, NULL,
                    "removed <%s> element (SVG and MathML are not allowed in bodies)", elem);
        return false;
    }
    r = tag_rule(e->tag, &attrs);
    if (r == R_DROP) {
        add_finding(s, JY_SAN_ELEMENT, elem, NULL, "removed <%s> element", elem);
        return false;
    }
    push->node = node;
    push->next = 0;
    push->close = NULL;
    push->depth = depth;
    if (r == R_UNWRAP) {
        add_finding(s, JY_SAN_TAG, elem, NULL, "removed <%s> tag, kept its content", elem);
        return true;
    }
    if (r == R_KEEP && depth >= JY_SANITIZE_MAX_DEPTH) {
        /*
         * Elements the parser made up (an implied tbody, a reconstructed
         * <b>) were not written by the editor: unwrapping them is not news,
         * and the reparse of our output makes them up again.
         */
        if (!(node->parse_flags &
              (GUMBO_INSERTION_BY_PARSER | GUMBO_INSERTION_RECONSTRUCTED_FORMATTING_ELEMENT |
               GUMBO_INSERTION_ADOPTION_AGENCY_CLONED)))
            add_finding(s, JY_SAN_NESTING, elem, NULL,
                        "removed tags of elements nested deeper than %d levels, kept their "
                        "content",
                        JY_SANITIZE_MAX_DEPTH);
        return true;
    }
    switch (e->tag) {
    case GUMBO_TAG_H1:
        out_name = "h2";
        add_finding(s, JY_SAN_CHANGED, elem, NULL,
                    "changed <h1> to <h2> (the page title is the page's only <h1>)");
        break;
    case GUMBO_TAG_CENTER:
        out_name = "div";
        default_align = "center";
        add_finding(s, JY_SAN_CHANGED, elem, NULL, "changed <center> to a centred <div>");
        break;
    case GUMBO_TAG_STRIKE:
        out_name = "s";
        break;
    default:
        break;
    }
    if (!write_start_tag(s, e, elem, out_name, attrs, default_align))
        return false;
    if (r == R_VOID)
        return false;
    /* the parser drops a newline right after <pre>: write one more so the text keeps its own */
    if (e->tag == GUMBO_TAG_PRE && e->children.length > 0) {
        const GumboNode *first = e->children.data[0];
        if ((first->type == GUMBO_NODE_TEXT || first->type == GUMBO_NODE_WHITESPACE) &&
            first->v.text.text[0] == '\n')
            jy_buf_add_char(s->out, '\n');
    }
    push->close = out_name;
    push->depth = depth + 1;
    return true;
}


/* Write the tree below root, iteratively. */
static void
walk(struct san *s, const GumboNode *root)
{
    struct frame *stack;
    size_t n = 1, alloc = 64;

    stack = jy_pool_new_array(s->tmp, struct frame, alloc);
    stack[0].node = root;
    stack[0].next = 0;
    stack[0].close = NULL;
    stack[0].depth = 0;
    while (n > 0) {
        struct frame *f = &stack[n - 1];
        const GumboVector *kids = &f->node->v.element.children;
        const GumboNode *child;

        if (f->next >= kids->length) {
            if (f->close) {
                jy_buf_add_str(s->out, "</");
                jy_buf_add_str(s->out, f->close);
                jy_buf_add_char(s->out, '>');
            }
            n--;
            continue;
        }
        child = kids->data[f->next++];
        if (n == 1 && node_counts_as_block(child))
            s->paragraph++;
        switch (child->type) {
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_WHITESPACE:
            put_text(s->out, child->v.text.text, strlen(child->v.text.text));
            break;
        case GUMBO_NODE_COMMENT:
            s->line = (int) child->v.text.start_pos.line;
            add_finding(s, JY_SAN_COMMENT, "", NULL, "removed comment");
            break;
        case GUMBO_NODE_CDATA:
            break; /* only inside foreign content, which is dropped */
        case GUMBO_NODE_TEMPLATE:
            s->line = (int) child->v.element.start_pos.line;
            add_finding(s, JY_SAN_ELEMENT, "template", NULL, "removed <template> element");
            break;
        case GUMBO_NODE_ELEMENT: {
            struct frame next;
            if (!open_element(s, child, f->depth, &next))
                break;
            if (n == alloc) {
                stack = jy_pool_realloc(s->tmp, stack, alloc * sizeof(*stack),
                                        2 * alloc * sizeof(*stack));
                alloc *= 2;
            }
            stack[n++] = next;
            break;
        }
        case GUMBO_NODE_DOCUMENT:
            break;
        }
    }
}


/* Start tags in the input, counting every '<' that a letter follows (an upper bound). */
static size_t
count_tags(const char *html, size_t len)
{
    size_t i, n = 0;

    for (i = 0; i + 1 < len; i++)
        if (html[i] == '<' && isalpha((unsigned char) html[i + 1]))
            n++;
    return n;
}


static int
san_pass(struct san *s, const char *html, size_t len, struct jy_err *err)
{
    struct arena a;
    GumboOutput *doc;

    a.pool = jy_pool_create(0);
    a.used = 0;
    a.budget = SAN_BUDGET_FLOOR + SAN_BUDGET_FACTOR * len;
    doc = san_parse(&a, html, len);
    if (doc == NULL) {
        jy_pool_destroy(a.pool);
        jy_err_set(err, JY_E_TOO_LARGE,
                   "body is too complex to sanitise (parsing it took more than %zu MiB)",
                   a.budget >> 20);
        jy_err_hint(err, "Nesting of thousands of unclosed elements does this; paste the text "
                         "without its formatting.");
        jy_err_field(err, "body");
        return JY_ERROR;
    }
    walk(s, doc->root);
    jy_pool_destroy(a.pool);
    return JY_OK;
}


/* Messages with their places, in order of first place. */
static void
finish_report(struct san *s, struct jy_sanitize_report *report)
{
    int i;

    report->n = s->n;
    report->more = s->more;
    report->findings = jy_pool_new_array(s->pool, struct jy_sanitize_finding, s->n ? s->n : 1);
    for (i = 0; i < s->n; i++) {
        struct jy_sanitize_finding *f = &report->findings[i];
        *f = s->v[i].f;
        if (f->count == 1)
            f->message = jy_pool_printf(s->pool, "%s (paragraph %d)", s->v[i].base, f->paragraph);
        else
            f->message = jy_pool_printf(s->pool, "%s (%d times, first in paragraph %d)",
                                        s->v[i].base, f->count, f->paragraph);
    }
}


bool
jy_sanitize_is_plain(const char *html, size_t len)
{
    size_t i = 0;

    if (len == 0 || !jy_utf8_valid(html, len, NULL))
        return false;
    while (i < len) {
        size_t start;
        if (len - i < 7 || memcmp(html + i, "<p>", 3) != 0)
            return false;
        i += 3;
        start = i;
        for (; i < len && html[i] != '<'; i++) {
            unsigned char c = (unsigned char) html[i];
            if (c < 0x20 || c == 0x7f || c == '>' || c == '&' || c == '"' || c == '\'')
                return false;
            /* C1 controls, U+0080..U+009F: C2 80..C2 9F */
            if (c == 0xc2 && i + 1 < len && (unsigned char) html[i + 1] < 0xa0)
                return false;
        }
        if (i == start || len - i < 4 || memcmp(html + i, "</p>", 4) != 0)
            return false;
        i += 4;
    }
    return true;
}


int
jy_sanitize_html(struct jy_pool *pool, const char *html, size_t len, struct jy_buf *out,
                 struct jy_sanitize_report *report, struct jy_err *err)
{
    struct jy_pool *tmp;
    struct san s;
    struct jy_buf cur, next;
    size_t bad, tags;
    int i, rc = JY_ERROR;

    if (report)
        memset(report, 0, sizeof(*report));
    if (len > JY_SANITIZE_MAX_INPUT) {
        jy_err_set(err, JY_E_TOO_LARGE, "body is too large (%zu bytes, at most %d)", len,
                   JY_SANITIZE_MAX_INPUT);
        jy_err_field(err, "body");
        return JY_ERROR;
    }
    if (!jy_utf8_valid(html, len, &bad)) {
        jy_err_set(err, JY_E_INVALID, "body is not valid UTF-8 (byte %zu)", bad + 1);
        jy_err_field(err, "body");
        return JY_ERROR;
    }
    tags = count_tags(html, len);
    if (tags > JY_SANITIZE_MAX_TAGS) {
        jy_err_set(err, JY_E_TOO_LARGE, "body has too many tags (%zu, at most %d)", tags,
                   JY_SANITIZE_MAX_TAGS);
        jy_err_hint(err, "Split the text into several items, or attach it as a file.");
        jy_err_field(err, "body");
        return JY_ERROR;
    }

    tmp = jy_pool_create(0);
    memset(&s, 0, sizeof(s));
    s.pool = pool;
    s.tmp = tmp;
    s.report = report != NULL;
    jy_buf_init(&cur, tmp, len + 64);
    s.out = &cur;
    if (san_pass(&s, html, len, err) != JY_OK)
        goto out;

    /* sanitising the output must change nothing: reparse until it does not */
    s.report = false;
    for (i = 0;; i++) {
        if (i == SAN_MAX_RECHECKS) {
            jy_err_set(err, JY_E_INVALID, "body could not be brought to a stable form");
            jy_err_detail(err, "the HTML parser still moved content after %d passes", i + 1);
            jy_err_field(err, "body");
            goto out;
        }
        jy_buf_init(&next, tmp, cur.len + 64);
        s.out = &next;
        s.paragraph = 0;
        if (san_pass(&s, cur.buf, cur.len, err) != JY_OK)
            goto out;
        if (next.len == cur.len && memcmp(next.buf, cur.buf, cur.len) == 0)
            break;
        cur = next;
    }
    /* the output must be acceptable input: sanitising it again gives it back */
    tags = count_tags(cur.buf, cur.len);
    if (cur.len > JY_SANITIZE_MAX_INPUT || tags > JY_SANITIZE_MAX_TAGS) {
        jy_err_set(err, JY_E_TOO_LARGE,
                   "body grows past the limits once its tags are closed (%zu bytes, %zu tags)",
                   cur.len, tags);
        jy_err_hint(err, "Unclosed formatting tags (<b>, <i>, <font>) are repeated in every "
                         "paragraph that follows them; close them, or paste the text without "
                         "its formatting.");
        jy_err_field(err, "body");
        goto out;
    }
    if (!jy_utf8_valid(cur.buf, cur.len, &bad)) {
        jy_err_set(err, JY_E_INTERNAL, "sanitised body is not valid UTF-8 (byte %zu)", bad + 1);
        jy_err_field(err, "body");
        goto out;
    }
    {
        size_t before = out->len;
        jy_buf_add(out, cur.buf, cur.len);
        if (jy_buf_finish(out) != JY_OK) {
            jy_buf_setlen(out, before);
            jy_err_set(err, JY_E_TOO_LARGE, "sanitised body is too large (%zu bytes)", cur.len);
            jy_err_field(err, "body");
            goto out;
        }
    }
    if (report)
        finish_report(&s, report);
    rc = JY_OK;
out:
    jy_pool_destroy(tmp);
    return rc;
}
