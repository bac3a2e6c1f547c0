/*
 * tpl_render.c - walk a compiled template against a cJSON context; the
 * built-in filters and the filter registry.
 *
 * Rendering allocates nothing per tag. What changes while descending - the
 * context stack, the indentation chain of standalone partials, the block
 * overrides of enclosing parents - is a linked list of frames on the C
 * stack; each level points at the one above it. Output is appended to the
 * caller's jy_buf; filters write into two scratch buffers from the same
 * pool that are reused for every tag.
 *
 * Work is bounded: max_depth nested sections/partials/blocks and max_steps
 * visited nodes per render (tpl.h jy_tpl_set_limits), and the jy_buf cap
 * ends the render as soon as it is passed.
 */
#include "core/compat.h"
#include "core/tpl_int.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/str.h"
#include "core/utf8.h"

#include <math.h>

#include <cjson/cJSON.h>

#define JSON_MAX_DEPTH 512 /* the json filter writes deeper values as null */

/* Context stack: innermost first. */
struct ctx_frame {
    const cJSON *v;
    const struct ctx_frame *up;
};

/* Indentation of standalone partials and blocks: written outermost first. */
struct indent {
    const char *ptr;
    size_t len;
    const struct indent *up;
};

/* Block overrides of the enclosing parent tags, innermost first. */
struct override {
    const struct jy_tpl_node *blocks; /* BLOCK nodes, linked by next */
    const struct override *up;
};

struct scope {
    const struct ctx_frame *ctx;
    const struct indent *indent; /* NULL: the lines of this content are not indented */
    const struct override *over;
};

struct render {
    struct jy_tpl_set *set;
    const struct jy_tpl *top; /* template given to jy_tpl_render */
    struct jy_buf *out;
    struct jy_err *err;
    unsigned depth;           /* nested sections, partials, blocks */
    unsigned long steps;      /* nodes visited */
    bool force_bol;           /* the next content starts a line (override at a standalone block) */
    struct jy_buf scratch[2]; /* filter output, ping-pong */
};

static int render_list(struct render *r, const struct jy_tpl_node *n, const struct scope *sc);


/* ---- values ---- */


/* Shortest text that reads back as the same double: 85, 1.21, 1e+100. */
static void
format_number(double d, char *buf, size_t size)
{
    if (d == 0) {
        snprintf(buf, size, "0"); /* also for -0 */
        return;
    }
    if (!isfinite(d)) {
        snprintf(buf, size, "null");
        return;
    }
    snprintf(buf, size, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, size, "%.17g", d);
}


/* What {{{name}}} prints for v: strings, numbers, true/false; nothing otherwise. */
static void
value_text(const cJSON *v, char *num, size_t num_size, const char **s, size_t *len)
{
    *s = "";
    *len = 0;
    if (v == NULL)
        return;
    if (cJSON_IsString(v) && v->valuestring) {
        *s = v->valuestring;
    } else if (cJSON_IsNumber(v)) {
        format_number(v->valuedouble, num, num_size);
        *s = num;
    } else if (cJSON_IsTrue(v)) {
        *s = "true";
    } else if (cJSON_IsFalse(v)) {
        *s = "false";
    }
    *len = strlen(*s);
}


/* Falsey: missing, false, null, [], "" and 0 (tpl.h "Data model"). */
static bool
truthy(const cJSON *v)
{
    if (v == NULL || cJSON_IsFalse(v) || cJSON_IsNull(v) || cJSON_IsInvalid(v))
        return false;
    if (cJSON_IsArray(v))
        return v->child != NULL;
    if (cJSON_IsString(v))
        return v->valuestring && v->valuestring[0];
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    return true;
}


/* Member `key` of an object, or element `key` of an array when key is all digits. */
static const cJSON *
child(const cJSON *v, const char *key)
{
    if (cJSON_IsObject(v))
        return cJSON_GetObjectItemCaseSensitive(v, key);
    if (cJSON_IsArray(v) && key[0] >= '0' && key[0] <= '9' && strlen(key) <= 9) {
        int idx = 0;
        for (const char *k = key; *k; k++) {
            if (*k < '0' || *k > '9')
                return NULL;
            idx = idx * 10 + (*k - '0');
        }
        return cJSON_GetArrayItem(v, idx);
    }
    return NULL;
}


/*
 * Resolve a name (spec "Interpolation" overview): the first part in the
 * innermost context that is an object holding it, the other parts only
 * inside what was found.
 */
static const cJSON *
lookup(const struct scope *sc, const struct jy_tpl_node *n)
{
    const struct ctx_frame *f;
    const cJSON *v = NULL;

    if (n->nparts == 0)
        return sc->ctx ? sc->ctx->v : NULL;
    for (f = sc->ctx; f; f = f->up) {
        if (cJSON_IsObject(f->v) && (v = cJSON_GetObjectItemCaseSensitive(f->v, n->parts[0])))
            break;
    }
    for (unsigned i = 1; v && i < n->nparts; i++)
        v = child(v, n->parts[i]);
    return v;
}


/* ---- output ---- */


static void
write_indent(struct jy_buf *out, const struct indent *in)
{
    if (in->up)
        write_indent(out, in->up);
    jy_buf_add(out, in->ptr, in->len);
}


/* Template text; with an indentation chain, each non-empty line gets it first. */
static void
render_text(struct render *r, const struct jy_tpl_node *n, bool bol, const struct indent *indent)
{
    const char *p = n->text, *end = n->text + n->len;

    if (indent == NULL) {
        jy_buf_add(r->out, n->text, n->len);
        return;
    }
    if (n->len == 0 && bol)
        write_indent(r->out, indent); /* a line that starts with a closing tag */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        const char *e = nl ? nl + 1 : end;
        if (bol && *p != '\n' && !(*p == '\r' && p + 1 < end && p[1] == '\n'))
            write_indent(r->out, indent);
        jy_buf_add(r->out, p, (size_t) (e - p));
        p = e;
        bol = true;
    }
}


static int
fail_too_large(struct render *r)
{
    if (r->out->max)
        jy_err_set(r->err, JY_E_TOO_LARGE,
                   "page rendered from template \"%s\" is larger than %zu bytes", r->top->name,
                   r->out->max);
    else
        jy_err_set(r->err, JY_E_TOO_LARGE, "page rendered from template \"%s\" is too large",
                   r->top->name);
    return JY_ERROR;
}


/* Apply the tag's filters to v; the result is left in *s, *len (a scratch buffer). */
static int
run_filters(struct render *r, const struct jy_tpl_node *n, const cJSON *v, const char **s,
            size_t *len)
{
    struct jy_tpl_filter_call call;
    char num[32];

    value_text(v, num, sizeof(num), &call.text, &call.len);
    call.value = v;
    call.chained = false;
    for (unsigned i = 0; i < n->nfilters; i++) {
        const struct jy_tpl_filter_use *u = &n->filters[i];
        struct jy_buf *b = &r->scratch[i & 1];
        struct jy_err e = JY_ERR_INIT;

        if (b->pool == NULL) {
            jy_buf_init(b, r->out->pool, 0);
            b->max = r->out->max;
        }
        jy_buf_reset(b);
        call.argc = u->argc;
        call.argv = u->argv;
        call.data = u->filter->data;
        if (u->filter->fn(&call, b, &e) != JY_OK) {
            jy_tpl_err_at(r->err, n->owner->name, n->line, n->col, "filter \"%s\": %s",
                          u->filter->name, e.msg[0] ? e.msg : "failed");
            if (r->err && e.detail[0])
                jy_err_detail(r->err, "%s", e.detail);
            return JY_ERROR;
        }
        if (b->err)
            return fail_too_large(r);
        call.value = NULL;
        call.text = b->buf;
        call.len = b->len;
        call.chained = true;
    }
    *s = call.text;
    *len = call.len;
    return JY_OK;
}


static int
render_var(struct render *r, const struct jy_tpl_node *n, const struct scope *sc)
{
    const cJSON *v = lookup(sc, n);
    const char *s;
    size_t len;
    char num[32];

    if (n->nfilters) {
        if (run_filters(r, n, v, &s, &len) != JY_OK)
            return JY_ERROR;
    } else {
        value_text(v, num, sizeof(num), &s, &len);
    }
    if (n->escape)
        jy_buf_add_html(r->out, s, len);
    else
        jy_buf_add(r->out, s, len);
    return JY_OK;
}


/* Count one more level of nesting, or fail with a message naming the tag. */
static int
render_enter(struct render *r, const struct jy_tpl_node *n)
{
    if (r->depth < r->set->max_depth) {
        r->depth++;
        return JY_OK;
    }
    if (n->type == JY_TPL_N_PARTIAL || n->type == JY_TPL_N_PARENT) {
        jy_tpl_err_at(r->err, n->owner->name, n->line, n->col,
                      "partial \"%s\" nested more than %u levels deep", n->text, r->set->max_depth);
        jy_err_hint(r->err, "A partial that includes itself must do it inside a section that "
                            "ends with the data, e.g. {{#children}}{{>node}}{{/children}}.");
    } else {
        jy_tpl_err_at(r->err, n->owner->name, n->line, n->col,
                      "\"%s\" nested more than %u levels deep", n->text, r->set->max_depth);
    }
    return JY_ERROR;
}


static int
render_section(struct render *r, const struct jy_tpl_node *n, const struct scope *sc)
{
    const cJSON *v = lookup(sc, n);
    struct ctx_frame frame;
    struct scope sub = *sc;
    int rc = JY_OK;

    if (n->type == JY_TPL_N_INVERTED) {
        if (truthy(v))
            return JY_OK;
        if (render_enter(r, n) != JY_OK)
            return JY_ERROR;
        rc = render_list(r, n->body, sc);
        r->depth--;
        return rc;
    }
    if (!truthy(v))
        return JY_OK;
    if (render_enter(r, n) != JY_OK)
        return JY_ERROR;
    frame.up = sc->ctx;
    sub.ctx = &frame;
    if (cJSON_IsArray(v)) {
        for (const cJSON *c = v->child; c && rc == JY_OK; c = c->next) {
            frame.v = c;
            rc = render_list(r, n->body, &sub);
        }
    } else {
        frame.v = v;
        rc = render_list(r, n->body, &sub);
    }
    r->depth--;
    return rc;
}


/* The template a partial or parent tag names; *tpl NULL when there is none (renders nothing). */
static int
find_template(struct render *r, const struct jy_tpl_node *n, const struct jy_tpl **tpl)
{
    struct jy_err e = JY_ERR_INIT;

    *tpl = jy_tpl_set_load(r->set, n->text, &e);
    if (*tpl || e.code == JY_E_NOT_FOUND)
        return JY_OK;
    if (r->err) {
        *r->err = e;
        if (r->err->detail[0] == '\0')
            jy_err_detail(r->err, "Included from template \"%s\" line %u, column %u.",
                          n->owner->name, n->line, n->col);
    }
    return JY_ERROR;
}


/* {{>partial}} and {{<parent}}: the other template, indented when the tag stands alone. */
static int
render_include(struct render *r, const struct jy_tpl_node *n, const struct scope *sc)
{
    const struct jy_tpl *tpl;
    struct indent ind;
    struct override over;
    struct scope sub = *sc;
    int rc;

    if (find_template(r, n, &tpl) != JY_OK)
        return JY_ERROR;
    if (tpl == NULL)
        return JY_OK;
    if (render_enter(r, n) != JY_OK)
        return JY_ERROR;
    sub.indent = NULL; /* an inline partial's lines are not indented (spec "Inline Indentation") */
    if (n->indented) {
        sub.indent = sc->indent;
        if (n->indent_len) {
            ind.ptr = n->indent;
            ind.len = n->indent_len;
            ind.up = sc->indent;
            sub.indent = &ind;
        }
    }
    if (n->type == JY_TPL_N_PARENT) {
        over.blocks = n->body;
        over.up = sc->over;
        sub.over = &over;
    }
    rc = render_list(r, tpl->root, &sub);
    r->depth--;
    return rc;
}


/*
 * {{$block}}: the content given by the outermost enclosing parent tag that
 * overrides it (~inheritance "Multi-level inheritance"), else the default.
 */
static int
render_block(struct render *r, const struct jy_tpl_node *n, const struct scope *sc)
{
    const struct jy_tpl_node *use = NULL;
    struct indent ind;
    struct scope sub = *sc;
    int rc;

    for (const struct override *o = sc->over; o; o = o->up)
        for (const struct jy_tpl_node *b = o->blocks; b; b = b->next)
            if (strcmp(b->text, n->text) == 0) {
                use = b;
                break;
            }
    if (render_enter(r, n) != JY_OK)
        return JY_ERROR;
    if (n->indented) {
        if (n->indent_len) {
            ind.ptr = n->indent;
            ind.len = n->indent_len;
            ind.up = sc->indent;
            sub.indent = &ind;
        }
    } else if (use) {
        sub.indent = NULL; /* inserted inline, as written */
    }
    /* an override given inline still starts the line of a standalone block */
    r->force_bol = use && n->indented;
    rc = render_list(r, use ? use->body : n->body, &sub);
    r->force_bol = false;
    r->depth--;
    return rc;
}


static int
render_list(struct render *r, const struct jy_tpl_node *n, const struct scope *sc)
{
    bool force = r->force_bol;
    int rc = JY_OK;

    r->force_bol = false;
    for (; n && rc == JY_OK; n = n->next) {
        bool bol = n->bol || force;
        force = false;
        if (++r->steps > r->set->max_steps) {
            jy_err_set(r->err, JY_E_INVALID, "rendering template \"%s\" stopped after %lu steps",
                       r->top->name, r->set->max_steps);
            jy_err_hint(r->err, "A partial or block probably repeats itself without end.");
            return JY_ERROR;
        }
        if (bol && sc->indent && n->type != JY_TPL_N_TEXT)
            write_indent(r->out, sc->indent);
        switch (n->type) {
        case JY_TPL_N_TEXT:
            render_text(r, n, bol, sc->indent);
            break;
        case JY_TPL_N_VAR:
            rc = render_var(r, n, sc);
            break;
        case JY_TPL_N_SECTION:
        case JY_TPL_N_INVERTED:
            rc = render_section(r, n, sc);
            break;
        case JY_TPL_N_PARTIAL:
        case JY_TPL_N_PARENT:
            rc = render_include(r, n, sc);
            break;
        case JY_TPL_N_BLOCK:
            rc = render_block(r, n, sc);
            break;
        default:
            JY_BUG("unexpected node type %d", n->type);
        }
        if (rc == JY_OK && r->out->err)
            return fail_too_large(r);
    }
    return rc;
}


int
jy_tpl_render(const struct jy_tpl *tpl, const cJSON *context, struct jy_buf *out,
              struct jy_err *err)
{
    struct ctx_frame root = {context, NULL};
    struct scope sc = {&root, NULL, NULL};
    struct render r;

    memset(&r, 0, sizeof(r));
    r.set = tpl->set;
    r.top = tpl;
    r.out = out;
    r.err = err;
    if (out->err)
        return fail_too_large(&r);
    return render_list(&r, tpl->root, &sc);
}


/* ---- filters ---- */


/* Date and time fields of an ISO 8601 text; the clock is 00:00:00 for a bare date. */
struct iso_time {
    int year, month, day, hour, min, sec;
};


static bool
digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}


/* YYYY-MM-DD, optionally followed by T or a space and HH:MM[:SS] and anything (fraction, zone). */
static bool
parse_iso(const char *s, size_t len, struct iso_time *t)
{
    memset(t, 0, sizeof(*t));
    if (len < 10 || !digits(s, 4, &t->year) || s[4] != '-' || !digits(s + 5, 2, &t->month) ||
        s[7] != '-' || !digits(s + 8, 2, &t->day))
        return false;
    if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31)
        return false;
    if (len == 10)
        return true;
    if (s[10] != 'T' && s[10] != ' ')
        return false;
    if (len < 16 || !digits(s + 11, 2, &t->hour) || s[13] != ':' || !digits(s + 14, 2, &t->min))
        return len == 11; /* "2024-05-16 " is still a date */
    if (len >= 19 && s[16] == ':' && !digits(s + 17, 2, &t->sec))
        return false;
    return t->hour <= 23 && t->min <= 59 && t->sec <= 60;
}


static void
write_date(struct jy_buf *out, const struct iso_time *t, const char *fmt, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (fmt[i] != '%' || i + 1 == len) {
            jy_buf_add_char(out, fmt[i]);
            continue;
        }
        switch (fmt[++i]) {
        case 'Y':
            jy_buf_addf(out, "%04d", t->year);
            break;
        case 'm':
            jy_buf_addf(out, "%02d", t->month);
            break;
        case 'd':
            jy_buf_addf(out, "%02d", t->day);
            break;
        case 'H':
            jy_buf_addf(out, "%02d", t->hour);
            break;
        case 'M':
            jy_buf_addf(out, "%02d", t->min);
            break;
        case 'S':
            jy_buf_addf(out, "%02d", t->sec);
            break;
        case '%':
            jy_buf_add_char(out, '%');
            break;
        default:
            jy_buf_add(out, fmt + i - 1, 2); /* not ours: written as it is */
            break;
        }
    }
}


static int
filter_date_cn(const struct jy_tpl_filter_call *call, struct jy_buf *out, struct jy_err *err)
{
    struct iso_time t;

    (void) err;
    if (!parse_iso(call->text, call->len, &t))
        jy_buf_add(out, call->text, call->len); /* an editor sees what is stored */
    else
        jy_buf_addf(out, "%04d年%02d月%02d日", t.year, t.month, t.day);
    return JY_OK;
}


static int
filter_date(const struct jy_tpl_filter_call *call, struct jy_buf *out, struct jy_err *err)
{
    struct iso_time t;

    (void) err;
    if (!parse_iso(call->text, call->len, &t))
        jy_buf_add(out, call->text, call->len);
    else
        write_date(out, &t, call->argv[0].ptr, call->argv[0].len);
    return JY_OK;
}


static int
check_truncate(int argc, const struct jy_str *argv, struct jy_err *err)
{
    long long n;

    (void) argc;
    if (!jy_str_to_ll(argv[0], 1, 1000000, &n)) {
        jy_err_set(err, JY_E_INVALID, "invalid length \"%.*s\": expected 1 to 1000000 characters",
                   (int) jy_utf8_clamp_bytes(argv[0].ptr, argv[0].len, 20), argv[0].ptr);
        return JY_ERROR;
    }
    return JY_OK;
}


static int
filter_truncate(const struct jy_tpl_filter_call *call, struct jy_buf *out, struct jy_err *err)
{
    static const char ellipsis[] = "\xE2\x80\xA6"; /* … */
    long long n;
    size_t keep;

    if (!jy_str_to_ll(call->argv[0], 1, 1000000, &n))
        return check_truncate(call->argc, call->argv, err);
    if (jy_utf8_count(call->text, call->len) <= (size_t) n) {
        jy_buf_add(out, call->text, call->len);
        return JY_OK;
    }
    keep = jy_utf8_prefix_bytes(call->text, call->len, (size_t) n - 1);
    jy_buf_add(out, call->text, keep);
    jy_buf_add(out, ellipsis, sizeof(ellipsis) - 1);
    return JY_OK;
}


static int
filter_url(const struct jy_tpl_filter_call *call, struct jy_buf *out, struct jy_err *err)
{
    (void) err;
    jy_buf_add_urlenc(out, call->text, call->len);
    return JY_OK;
}


static int
filter_default(const struct jy_tpl_filter_call *call, struct jy_buf *out, struct jy_err *err)
{
    (void) err;
    if (call->len)
        jy_buf_add(out, call->text, call->len);
    else
        jy_buf_add(out, call->argv[0].ptr, call->argv[0].len);
    return JY_OK;
}


/*
 * A JSON string that is also safe inside an HTML <script> element: < > &
 * and ' are \u escapes (so "</script>" cannot end the element), as are
 * U+2028 and U+2029, which end a line in older JavaScript.
 */
static void
json_string(struct jy_buf *b, const char *s, size_t len)
{
    size_t i, start = 0;
    char esc[8];

    jy_buf_add_char(b, '"');
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];
        const char *rep = NULL;
        size_t skip = 1;
        if (c == '"') {
            rep = "\\\"";
        } else if (c == '\\') {
            rep = "\\\\";
        } else if (c == '\n') {
            rep = "\\n";
        } else if (c == '\r') {
            rep = "\\r";
        } else if (c == '\t') {
            rep = "\\t";
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\'') {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            rep = esc;
        } else if (c == 0xE2 && i + 2 < len && (unsigned char) s[i + 1] == 0x80 &&
                   ((unsigned char) s[i + 2] == 0xA8 || (unsigned char) s[i + 2] == 0xA9)) {
            rep = (unsigned char) s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
            skip = 3;
        } else {
            continue;
        }
        jy_buf_add(b, s + start, i - start);
        jy_buf_add_str(b, rep);
        i += skip - 1;
        start = i + 1;
    }
    jy_buf_add(b, s + start, len - start);
    jy_buf_add_char(b, '"');
}


static void
json_value(struct jy_buf *b, const cJSON *v, unsigned depth)
{
    char num[32];
    const cJSON *c;

    if (v == NULL || depth > JSON_MAX_DEPTH || cJSON_IsNull(v) || cJSON_IsInvalid(v) ||
        cJSON_IsRaw(v)) {
        jy_buf_add_str(b, "null");
    } else if (cJSON_IsTrue(v)) {
        jy_buf_add_str(b, "true");
    } else if (cJSON_IsFalse(v)) {
        jy_buf_add_str(b, "false");
    } else if (cJSON_IsNumber(v)) {
        format_number(v->valuedouble, num, sizeof(num));
        jy_buf_add_str(b, num);
    } else if (cJSON_IsString(v)) {
        json_string(b, v->valuestring ? v->valuestring : "",
                    v->valuestring ? strlen(v->valuestring) : 0);
    } else if (cJSON_IsArray(v)) {
        jy_buf_add_char(b, '[');
        for (c = v->child; c; c = c->next) {
            json_value(b, c, depth + 1);
            if (c->next)
                jy_buf_add_char(b, ',');
        }
        jy_buf_add_char(b, ']');
    } else {
        jy_buf_add_char(b, '{');
        for (c = v->child; c; c = c->next) {
            const char *k = c->string ? c->string : "";
            json_string(b, k, strlen(k));
            jy_buf_add_char(b, ':');
            json_value(b, c, depth + 1);
            if (c->next)
                jy_buf_add_char(b, ',');
        }
        jy_buf_add_char(b, '}');
    }
}


static int
filter_json(const struct jy_tpl_filter_call *call, struct jy_buf *out, struct jy_err *err)
{
    (void) err;
    if (call->chained)
        json_string(out, call->text, call->len);
    else
        json_value(out, call->value, 0);
    return JY_OK;
}


static const struct jy_tpl_filter builtin_filters[] = {
    {"truncate", 1, 1, filter_truncate, check_truncate, NULL},
    {"date_cn", 0, 0, filter_date_cn, NULL, NULL},
    {"date", 1, 1, filter_date, NULL, NULL},
    {"url", 0, 0, filter_url, NULL, NULL},
    {"json", 0, 0, filter_json, NULL, NULL},
    {"default", 1, 1, filter_default, NULL, NULL},
};


const struct jy_tpl_filter *
jy_tpl_filter_find(const struct jy_tpl_set *set, const char *name, size_t len)
{
    for (const struct jy_tpl_filter_reg *f = set->filters; f; f = f->next)
        if (strlen(f->filter.name) == len && memcmp(f->filter.name, name, len) == 0)
            return &f->filter;
    for (size_t i = 0; i < JY_ARRAY_LEN(builtin_filters); i++)
        if (strlen(builtin_filters[i].name) == len &&
            memcmp(builtin_filters[i].name, name, len) == 0)
            return &builtin_filters[i];
    return NULL;
}


int
jy_tpl_set_add_filter(struct jy_tpl_set *set, const struct jy_tpl_filter *filter,
                      struct jy_err *err)
{
    struct jy_tpl_filter_reg *reg;
    const char *c;

    if (filter->name == NULL || filter->name[0] == '\0' || filter->fn == NULL ||
        filter->min_args < 0 || filter->min_args > filter->max_args ||
        filter->max_args > JY_TPL_MAX_ARGS) {
        jy_err_set(err, JY_E_INVALID,
                   "invalid filter \"%s\": needs a name, a function and 0 to %d arguments",
                   filter->name ? filter->name : "", JY_TPL_MAX_ARGS);
        return JY_ERROR;
    }
    for (c = filter->name; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) {
            jy_err_set(err, JY_E_INVALID,
                       "invalid filter name \"%s\": use lower-case letters, digits and '_'",
                       filter->name);
            return JY_ERROR;
        }
    }
    if (jy_tpl_filter_find(set, filter->name, strlen(filter->name))) {
        jy_err_set(err, JY_E_CONFLICT, "filter \"%s\" is already registered", filter->name);
        return JY_ERROR;
    }
    reg = jy_pool_new(set->pool, struct jy_tpl_filter_reg);
    reg->filter = *filter;
    reg->next = set->filters;
    set->filters = reg;
    return JY_OK;
}
