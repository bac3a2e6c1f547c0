/*
 * json.c - JSON over cJSON; what is accepted and the getter rules are in
 * json.h.
 *
 * Parsing runs in three passes over text that is at most JY_JSON_MAX_SIZE:
 *  1. json_scan(): a lexical check cJSON does not do. It validates UTF-8,
 *     strings (escapes, control characters, termination), number tokens
 *     and the nesting depth, and reports each problem at its own line and
 *     column. Knowing the depth first also bounds cJSON's recursion.
 *  2. cJSON_ParseWithLengthOpts() builds the tree and finds structural
 *     errors (a missing comma, a stray bracket).
 *  3. json_check_tree() refuses duplicate keys, which only show in the tree.
 * Pass 1 is linear; pass 3 sorts the keys of large objects, so an API body
 * with 100000 keys costs n log n, not n².
 */
#include "core/compat.h"
#include "core/json.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/utf8.h"

#include <math.h>

#include <cjson/cJSON.h>

#define JSON_NUMBER_MAX 63   /* cJSON reads at most 63 characters of a number */
#define JSON_PATH_MAX   160  /* bytes of a path in a message */
#define JSON_SHOW_MAX   24   /* bytes of a found value quoted in a message */
#define JSON_PRINT_MAX  1000 /* nesting the printer follows (trees built in code) */

/* A problem found by json_scan(): where it is and what it is. */
struct json_fault {
    size_t at;
    char what[160];
};

static void json_cleanup(void *data);
static int json_scan(const char *s, size_t len, struct json_fault *f);
static cJSON *json_parse_nul(struct jy_pool *pool, char *text, size_t len, struct jy_err *err);


static void
json_cleanup(void *data)
{
    cJSON_Delete(data);
}


/* Line and column (both from 1; the column in characters) of offset at. */
static void
json_line_col(const char *s, size_t len, size_t at, size_t *line, size_t *col)
{
    size_t i, start = 0;

    if (at > len)
        at = len;
    *line = 1;
    for (i = 0; i < at; i++) {
        if (s[i] == '\n') {
            (*line)++;
            start = i + 1;
        }
    }
    *col = jy_utf8_count(s + start, at - start) + 1;
}


static bool
json_is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}


/* The value of the 4 hex digits at s, or -1. */
static long
json_hex4(const char *s, size_t avail)
{
    char tmp[5];

    if (avail < 4 || !json_is_hex(s[0]) || !json_is_hex(s[1]) || !json_is_hex(s[2]) ||
        !json_is_hex(s[3]))
        return -1;
    memcpy(tmp, s, 4);
    tmp[4] = '\0';
    return strtol(tmp, NULL, 16);
}


/*
 * Check the string starting at the quote s[*i]; on success *i is just past
 * the closing quote.
 */
static int
json_scan_string(const char *s, size_t len, size_t *i, struct json_fault *f)
{
    size_t start = *i, p = *i + 1;

    while (p < len && s[p] != '"') {
        unsigned char c = (unsigned char) s[p];
        long u, lo;

        if (c < 0x20) {
            f->at = p;
            snprintf(f->what, sizeof(f->what),
                     "control character U+%04X in a string (write it as \\u%04x)", c, c);
            return JY_ERROR;
        }
        if (c != '\\') {
            p++;
            continue;
        }
        if (p + 1 >= len) {
            p = len; /* a '\\' at the very end: the string is not closed */
            break;
        }
        switch (s[p + 1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            p += 2;
            continue;
        case 'u':
            break;
        default:
            f->at = p;
            snprintf(f->what, sizeof(f->what), "invalid escape \"\\%.*s\" in a string",
                     (int) jy_utf8_prefix_bytes(s + p + 1, len - p - 1, 1), s + p + 1);
            return JY_ERROR;
        }
        u = json_hex4(s + p + 2, len - p - 2);
        if (u < 0) {
            f->at = p;
            snprintf(f->what, sizeof(f->what),
                     "invalid escape \"%.*s\" in a string (\\u takes 4 hex digits)",
                     (int) jy_utf8_prefix_bytes(s + p, len - p, 6), s + p);
            return JY_ERROR;
        }
        if (u == 0) {
            /* cJSON would cut the string there: refuse rather than lose the rest */
            f->at = p;
            snprintf(f->what, sizeof(f->what), "\"\\u0000\" is not allowed in a string");
            return JY_ERROR;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            lo = p + 7 < len && s[p + 6] == '\\' && s[p + 7] == 'u'
                     ? json_hex4(s + p + 8, len - p - 8)
                     : -1;
            if (lo < 0xDC00 || lo > 0xDFFF)
                goto unpaired;
            p += 12;
            continue;
        }
        if (u >= 0xDC00 && u <= 0xDFFF)
            goto unpaired;
        p += 6;
        continue;
    unpaired:
        f->at = p;
        snprintf(f->what, sizeof(f->what),
                 "invalid escape \"%.6s\" in a string (unpaired surrogate)", s + p);
        return JY_ERROR;
    }
    if (p >= len) {
        f->at = start;
        snprintf(f->what, sizeof(f->what), "string is not closed (missing \")");
        return JY_ERROR;
    }
    *i = p + 1;
    return JY_OK;
}


/* True when s[0..n) is a number of RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
json_number_ok(const char *s, size_t n)
{
    size_t i = 0, d;

    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0') {
        i++;
    } else {
        for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
        if (i == d)
            return false;
    }
    if (i < n && s[i] == '.') {
        for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
        if (i == d)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
        if (i == d)
            return false;
    }
    return i == n;
}


/* Check the number token starting at s[*i]; *i moves past it. */
static int
json_scan_number(const char *s, size_t len, size_t *i, struct json_fault *f)
{
    size_t start = *i, p = *i;
    char tmp[JSON_NUMBER_MAX + 1];

    /* in valid JSON a number ends at a blank, ',', ']', '}' or the end */
    while (p < len && ((s[p] >= '0' && s[p] <= '9') || s[p] == '-' || s[p] == '+' || s[p] == '.' ||
                       s[p] == 'e' || s[p] == 'E'))
        p++;
    f->at = start;
    if (p - start > JSON_NUMBER_MAX) {
        snprintf(f->what, sizeof(f->what), "number \"%.12s…\" is too long (at most %d characters)",
                 s + start, JSON_NUMBER_MAX);
        return JY_ERROR;
    }
    if (!json_number_ok(s + start, p - start)) {
        snprintf(f->what, sizeof(f->what), "invalid number \"%.*s\"", (int) (p - start), s + start);
        return JY_ERROR;
    }
    memcpy(tmp, s + start, p - start);
    tmp[p - start] = '\0';
    if (!isfinite(strtod(tmp, NULL))) {
        snprintf(f->what, sizeof(f->what), "number \"%s\" is too large", tmp);
        return JY_ERROR;
    }
    *i = p;
    return JY_OK;
}


/*
 * Pass 1: the lexical checks of json.h. Outside strings it only looks at
 * brackets, number tokens and control characters; everything else is
 * cJSON's job. In valid JSON a '"' outside a string always opens one, so
 * the string tracking cannot go wrong on valid text.
 */
static int
json_scan(const char *s, size_t len, struct json_fault *f)
{
    size_t i = 0, depth = 0;

    if (!jy_utf8_valid(s, len, &f->at)) {
        snprintf(f->what, sizeof(f->what), "not valid UTF-8");
        return JY_ERROR;
    }
    while (i < len) {
        unsigned char c = (unsigned char) s[i];

        if (c == '"') {
            if (json_scan_string(s, len, &i, f) != JY_OK)
                return JY_ERROR;
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            if (json_scan_number(s, len, &i, f) != JY_OK)
                return JY_ERROR;
            continue;
        }
        if (c == '[' || c == '{') {
            if (++depth > JY_JSON_MAX_DEPTH) {
                f->at = i;
                snprintf(f->what, sizeof(f->what),
                         "arrays and objects are nested deeper than %d levels", JY_JSON_MAX_DEPTH);
                return JY_ERROR;
            }
        } else if (c == ']' || c == '}') {
            if (depth > 0)
                depth--;
        } else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            /* cJSON would skip these as blanks */
            f->at = i;
            snprintf(f->what, sizeof(f->what), "unexpected control character U+%04X", c);
            return JY_ERROR;
        }
        i++;
    }
    return JY_OK;
}


/*
 * Describe the token at s[at] for "unexpected ...": "}", "tru", string
 * "name", end of text.
 */
static void
json_unexpected(const char *s, size_t len, size_t at, const char *after, struct json_fault *f)
{
    size_t n = 0;

    f->at = at;
    if (at >= len) {
        snprintf(f->what, sizeof(f->what), "unexpected end of text%s", after);
        return;
    }
    if (s[at] == '"') {
        /* pass 1 checked the string: it is closed and its escapes are valid */
        for (n = 1; at + n < len && s[at + n] != '"'; n += s[at + n] == '\\' ? 2 : 1)
            ;
        n = n - 1 > JSON_SHOW_MAX ? jy_utf8_clamp_bytes(s + at + 1, len - at - 1, JSON_SHOW_MAX)
                                  : n - 1;
        snprintf(f->what, sizeof(f->what), "unexpected string \"%.*s%s\"%s", (int) n, s + at + 1,
                 at + 1 + n < len && s[at + 1 + n] == '"' ? "" : "…", after);
        return;
    }
    if (s[at] != '\0' && strchr("[]{},:", s[at]) != NULL) {
        n = 1;
    } else {
        while (at + n < len && n < JSON_SHOW_MAX && s[at + n] != '\0' &&
               strchr(" \t\r\n[]{},:\"", s[at + n]) == NULL)
            n++;
        n = jy_utf8_clamp_bytes(s + at, len - at, n);
        if (n == 0)
            n = 1;
    }
    snprintf(f->what, sizeof(f->what), "unexpected \"%.*s\"%s", (int) n, s + at, after);
}


/*
 * cJSON points one character too far when an object key is missing
 * ({x} or {"a": 1,}): its string parser steps over the opening character
 * before it sees that it is not a '"'. Move back in that one case: the
 * character before the reported position is not blank, the innermost open
 * bracket there is '{', and before it (blanks aside) comes '{' or ','.
 */
static size_t
json_fix_key_pos(const char *s, size_t len, size_t at)
{
    size_t i, depth = 0, p;
    char open[JY_JSON_MAX_DEPTH + 1];
    bool in_str = false;

    if (at == 0 || at > len || strchr(" \t\r\n{,", s[at - 1]) != NULL)
        return at;
    for (p = at - 1; p > 0 && strchr(" \t\r\n", s[p - 1]) != NULL; p--)
        ;
    if (p == 0 || (s[p - 1] != '{' && s[p - 1] != ','))
        return at;
    for (i = 0; i < at - 1; i++) {
        if (in_str) {
            if (s[i] == '\\')
                i++;
            else if (s[i] == '"')
                in_str = false;
        } else if (s[i] == '"') {
            in_str = true;
        } else if ((s[i] == '[' || s[i] == '{') && depth < sizeof(open)) {
            open[depth++] = s[i];
        } else if ((s[i] == ']' || s[i] == '}') && depth > 0) {
            depth--;
        }
    }
    return depth > 0 && open[depth - 1] == '{' ? at - 1 : at;
}


/* Comparator of key pointers, for finding duplicates by sorting. */
static int
json_key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}


/* The key that appears twice in object item, or NULL. */
static const char *
json_duplicate_key(const cJSON *item)
{
    const cJSON *c, *d;
    const char **keys;
    const char *dup = NULL;
    size_t n = 0, i;

    for (c = item->child; c; c = c->next)
        n++;
    if (n < 16) {
        /* small objects, the usual case: no allocation */
        for (c = item->child; c; c = c->next)
            for (d = c->next; d; d = d->next)
                if (strcmp(c->string, d->string) == 0)
                    return c->string;
        return NULL;
    }
    keys = jy_xmalloc(n * sizeof(*keys));
    for (i = 0, c = item->child; c; c = c->next)
        keys[i++] = c->string;
    qsort(keys, n, sizeof(*keys), json_key_cmp);
    for (i = 1; i < n && dup == NULL; i++)
        if (strcmp(keys[i - 1], keys[i]) == 0)
            dup = keys[i];
    free(keys);
    return dup;
}


/* Pass 3: no object has a key twice. Depth is bounded by pass 1. */
static int
json_check_tree(const struct jy_json_node *node, struct jy_err *err)
{
    const cJSON *item = node->item;
    struct jy_json_node child;
    const char *dup;

    if (cJSON_IsObject(item) && (dup = json_duplicate_key(item)) != NULL) {
        char path[JSON_PATH_MAX];
        jy_json_path(node, dup, path, sizeof(path));
        jy_err_set(err, JY_E_INVALID, "invalid JSON: field \"%s\" appears more than once", path);
        jy_err_field(err, path);
        return JY_ERROR;
    }
    for (jy_json_first(node, &child); child.item; jy_json_next(&child))
        if ((cJSON_IsObject(child.item) || cJSON_IsArray(child.item)) &&
            json_check_tree(&child, err) != JY_OK)
            return JY_ERROR;
    return JY_OK;
}


/* Parse text[0..len), which must have text[len] == '\0' (cJSON relies on it). */
static cJSON *
json_parse_nul(struct jy_pool *pool, char *text, size_t len, struct jy_err *err)
{
    struct json_fault f = {0, ""};
    struct jy_json_node root;
    const char *end = NULL;
    size_t skip = 0, line, col, rest;
    cJSON *tree;

    JY_ASSERT(text[len] == '\0');
    if (len > JY_JSON_MAX_SIZE) {
        jy_err_set(err, JY_E_TOO_LARGE, "JSON text is too large (%zu bytes, at most %d)", len,
                   JY_JSON_MAX_SIZE);
        return NULL;
    }
    /* RFC 8259 allows ignoring a byte order mark; Windows editors write one */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        skip = 3;
    if (json_scan(text + skip, len - skip, &f) != JY_OK)
        goto fault;
    if (strspn(text + skip, " \t\r\n") == len - skip) {
        jy_err_set(err, JY_E_INVALID, "invalid JSON: the text is empty");
        return NULL;
    }
    /*
     * The length given to cJSON includes the NUL, so running out of text
     * fails at offset len ("end of text") instead of at len - 1, where it
     * could not be told from an error at the last character. The end
     * pointer is used rather than cJSON_GetErrorPtr(): that one is a
     * global shared by every thread.
     */
    tree = cJSON_ParseWithLengthOpts(text + skip, len - skip + 1, &end, 0);
    if (tree == NULL) {
        if (end == NULL) {
            jy_err_set(err, JY_E_INTERNAL, "could not parse JSON: out of memory");
            return NULL;
        }
        json_unexpected(text + skip, len - skip,
                        json_fix_key_pos(text + skip, len - skip, (size_t) (end - text - skip)), "",
                        &f);
        goto fault;
    }
    rest = (size_t) (end - text - skip);
    rest += strspn(end, " \t\r\n");
    if (rest < len - skip) {
        cJSON_Delete(tree);
        json_unexpected(text + skip, len - skip, rest, " after the end of the value", &f);
        goto fault;
    }
    jy_json_root(&root, tree);
    if (json_check_tree(&root, err) != JY_OK) {
        cJSON_Delete(tree);
        return NULL;
    }
    jy_json_own(pool, tree);
    return tree;

fault:
    json_line_col(text + skip, len - skip, f.at, &line, &col);
    jy_err_set(err, JY_E_INVALID, "invalid JSON at line %zu, column %zu: %s", line, col, f.what);
    return NULL;
}


cJSON *
jy_json_parse(struct jy_pool *pool, const char *text, size_t len, struct jy_err *err)
{
    char *copy;
    cJSON *tree;

    if (len > JY_JSON_MAX_SIZE) {
        jy_err_set(err, JY_E_TOO_LARGE, "JSON text is too large (%zu bytes, at most %d)", len,
                   JY_JSON_MAX_SIZE);
        return NULL;
    }
    /* cJSON reads up to a NUL: give it a terminated copy of a length-bounded text */
    copy = jy_xmalloc(len + 1);
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    tree = json_parse_nul(pool, copy, len, err);
    free(copy);
    return tree;
}


cJSON *
jy_json_load_file(struct jy_pool *pool, const char *path, struct jy_err *err)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    cJSON *tree = NULL;

    if (f == NULL) {
        jy_err_errno(err, errno, "could not open \"%s\"", path);
        return NULL;
    }
    /* read one byte past the cap to tell "exactly the cap" from "larger" */
    do {
        if (cap - len < 4096) {
            cap = cap ? 2 * cap : 65536;
            if (cap > JY_JSON_MAX_SIZE + 2)
                cap = JY_JSON_MAX_SIZE + 2;
            text = jy_xrealloc(text, cap);
        }
        n = fread(text + len, 1, cap - 1 - len, f);
        len += n;
    } while (n > 0 && len < JY_JSON_MAX_SIZE + 1);
    if (ferror(f)) {
        jy_err_errno(err, errno, "could not read \"%s\"", path);
        goto out_close;
    }
    text[len] = '\0';
    if (len > JY_JSON_MAX_SIZE) {
        jy_err_set(err, JY_E_TOO_LARGE, "\"%s\" is larger than %d bytes", path, JY_JSON_MAX_SIZE);
        goto out_close;
    }
    tree = json_parse_nul(pool, text, len, err);
    if (tree == NULL)
        jy_err_prefix(err, "%s", path);

out_close:
    fclose(f);
    free(text);
    return tree;
}


void
jy_json_own(struct jy_pool *pool, cJSON *item)
{
    if (item)
        jy_pool_cleanup_add(pool, json_cleanup, item);
}


static cJSON *
json_new_owned(struct jy_pool *pool, cJSON *item)
{
    if (item == NULL) {
        fputs("jiyue: out of memory (creating a JSON value)\n", stderr);
        abort();
    }
    jy_json_own(pool, item);
    return item;
}


cJSON *
jy_json_new_object(struct jy_pool *pool)
{
    return json_new_owned(pool, cJSON_CreateObject());
}


cJSON *
jy_json_new_array(struct jy_pool *pool)
{
    return json_new_owned(pool, cJSON_CreateArray());
}


/* Shortest of %.15g and %.17g that reads back as d (what cJSON does too). */
static void
json_format_number(double d, char *out, size_t size)
{
    if (!isfinite(d)) {
        snprintf(out, size, "null");
        return;
    }
    snprintf(out, size, "%.15g", d);
    if (strtod(out, NULL) != d)
        snprintf(out, size, "%.17g", d);
}


static void
json_newline(struct jy_buf *out, int indent, int level)
{
    if (indent) {
        jy_buf_add_char(out, '\n');
        for (int i = 0; i < indent * level; i++)
            jy_buf_add_char(out, ' ');
    }
}


static void
json_print_value(const cJSON *item, struct jy_buf *out, int indent, int level)
{
    const cJSON *c;
    char num[40];
    bool object;

    if (level > JSON_PRINT_MAX) {
        out->err = JY_BUF_TOOBIG; /* a cycle or a runaway tree built in code */
        return;
    }
    switch (item->type & 0xFF) {
    case cJSON_False:
        jy_buf_add(out, "false", 5);
        return;
    case cJSON_True:
        jy_buf_add(out, "true", 4);
        return;
    case cJSON_Number:
        json_format_number(item->valuedouble, num, sizeof(num));
        jy_buf_add_str(out, num);
        return;
    case cJSON_String:
        jy_buf_add_json_str(out, item->valuestring ? item->valuestring : "",
                            item->valuestring ? strlen(item->valuestring) : 0);
        return;
    case cJSON_Raw:
        jy_buf_add_str(out, item->valuestring ? item->valuestring : "null");
        return;
    case cJSON_Array:
    case cJSON_Object:
        break;
    default: /* cJSON_NULL, cJSON_Invalid */
        jy_buf_add(out, "null", 4);
        return;
    }
    object = (item->type & 0xFF) == cJSON_Object;
    jy_buf_add_char(out, object ? '{' : '[');
    for (c = item->child; c; c = c->next) {
        json_newline(out, indent, level + 1);
        if (object) {
            const char *k = c->string ? c->string : "";
            jy_buf_add_json_str(out, k, strlen(k));
            jy_buf_add(out, ": ", indent ? 2 : 1);
        }
        json_print_value(c, out, indent, level + 1);
        if (c->next)
            jy_buf_add_char(out, ',');
    }
    if (item->child)
        json_newline(out, indent, level);
    jy_buf_add_char(out, object ? '}' : ']');
}


/* Print, and on failure take the partial output back (buf.h: content is never cut). */
static int
json_print(const cJSON *item, struct jy_buf *out, int indent)
{
    size_t before = out->len;

    if (item)
        json_print_value(item, out, indent, 0);
    else
        jy_buf_add(out, "null", 4);
    if (out->err && out->len > before)
        jy_buf_setlen(out, before);
    return jy_buf_finish(out);
}


int
jy_json_print(const cJSON *item, struct jy_buf *out)
{
    return json_print(item, out, 0);
}


int
jy_json_print_pretty(const cJSON *item, struct jy_buf *out)
{
    return json_print(item, out, 2);
}


void
jy_json_root(struct jy_json_node *node, const cJSON *item)
{
    node->item = item;
    node->parent = NULL;
    node->key = NULL;
    node->index = 0;
}


bool
jy_json_first(const struct jy_json_node *parent, struct jy_json_node *it)
{
    const cJSON *p = parent->item;

    it->parent = parent;
    it->index = 0;
    it->item = p && (cJSON_IsArray(p) || cJSON_IsObject(p)) ? p->child : NULL;
    it->key = it->item && cJSON_IsObject(p) ? it->item->string : NULL;
    return it->item != NULL;
}


bool
jy_json_next(struct jy_json_node *it)
{
    if (it->item == NULL)
        return false;
    it->item = it->item->next;
    it->index++;
    it->key = it->item && cJSON_IsObject(it->parent->item) ? it->item->string : NULL;
    return it->item != NULL;
}


/* Path writer: appends and remembers whether anything was cut. */
struct json_pathw {
    char *dst;
    size_t size, len;
};


static void
json_path_add(struct json_pathw *w, const char *s, size_t n)
{
    if (w->size == 0)
        return;
    if (n > w->size - 1 - w->len)
        n = jy_utf8_clamp_bytes(s, n, w->size - 1 - w->len);
    memcpy(w->dst + w->len, s, n);
    w->len += n;
    w->dst[w->len] = '\0';
}


/* A member name shown bare: no brackets, dots, quotes, blanks or control characters. */
static bool
json_plain_key(const char *k)
{
    if (*k == '\0')
        return false;
    for (; *k; k++)
        if ((unsigned char) *k <= ' ' || strchr(".[]\"\\", *k) != NULL)
            return false;
    return true;
}


static void
json_path_key(struct json_pathw *w, const char *k)
{
    if (json_plain_key(k)) {
        if (w->len)
            json_path_add(w, ".", 1);
        json_path_add(w, k, strlen(k));
        return;
    }
    /* quoted like a JSON string, with anything unprintable shown as '?' */
    json_path_add(w, "[\"", 2);
    for (; *k; k++) {
        if (*k == '"' || *k == '\\')
            json_path_add(w, "\\", 1);
        json_path_add(w, (unsigned char) *k < ' ' ? "?" : k, 1);
    }
    json_path_add(w, "\"]", 2);
}


size_t
jy_json_path(const struct jy_json_node *node, const char *key, char *dst, size_t size)
{
    const struct jy_json_node *chain[JY_JSON_MAX_DEPTH + 1];
    struct json_pathw w = {dst, size, 0};
    size_t n = 0;
    bool cut = false;

    if (size)
        dst[0] = '\0';
    /* the chain runs leaf to root; a path is written root first */
    for (; node && node->parent; node = node->parent) {
        if (n == JY_ARRAY_LEN(chain)) {
            cut = true;
            break;
        }
        chain[n++] = node;
    }
    if (cut)
        json_path_add(&w, "…", strlen("…"));
    while (n-- > 0) {
        if (chain[n]->key) {
            json_path_key(&w, chain[n]->key);
        } else {
            char idx[32];
            int len = snprintf(idx, sizeof(idx), "[%zu]", chain[n]->index);
            json_path_add(&w, idx, (size_t) len);
        }
    }
    if (key)
        json_path_key(&w, key);
    /* quoted keys are added byte by byte: never end inside a character */
    if (size) {
        w.len = jy_utf8_trim_partial(dst, w.len);
        dst[w.len] = '\0';
    }
    return w.len;
}


int
jy_json_error(struct jy_err *err, const struct jy_json_node *node, const char *key, const char *fmt,
              ...)
{
    char path[JSON_PATH_MAX], what[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    what[jy_utf8_trim_partial(what, strlen(what))] = '\0';
    if (jy_json_path(node, key, path, sizeof(path)) == 0)
        jy_err_set(err, JY_E_INVALID, "the value %s", what);
    else
        jy_err_set(err, JY_E_INVALID, "field \"%s\" %s", path, what);
    jy_err_field(err, path);
    return JY_ERROR;
}


/* What was found, for ", not ...": 42, "yes", null, true, an array, an object. */
static const char *
json_found(const cJSON *item, char *buf, size_t size)
{
    switch (item->type & 0xFF) {
    case cJSON_False:
        return "false";
    case cJSON_True:
        return "true";
    case cJSON_NULL:
        return "null";
    case cJSON_Array:
        return "an array";
    case cJSON_Object:
        return "an object";
    case cJSON_Number:
        json_format_number(item->valuedouble, buf, size);
        return buf;
    case cJSON_String: {
        size_t len = strlen(item->valuestring);
        size_t n = jy_utf8_clamp_bytes(item->valuestring, len, JSON_SHOW_MAX);
        snprintf(buf, size, "\"%.*s%s\"", (int) n, item->valuestring, n < len ? "…" : "");
        return buf;
    }
    default:
        return "an invalid value";
    }
}


/*
 * Find member key of node (or node itself) into *child. JY_DECLINED when it
 * is absent or null and not required (the getter leaves *out alone);
 * JY_ERROR with err set when required and absent, or node is not an object.
 */
static int
json_lookup(const struct jy_json_node *node, const char *key, bool required,
            struct jy_json_node *child, struct jy_err *err)
{
    char found[64];

    if (key == NULL) {
        *child = *node;
    } else {
        child->parent = node;
        child->key = key;
        child->index = 0;
        child->item = NULL;
        if (node->item && !cJSON_IsObject(node->item))
            return jy_json_error(err, node, NULL, "must be an object, not %s",
                                 json_found(node->item, found, sizeof(found)));
        if (node->item)
            child->item = cJSON_GetObjectItemCaseSensitive(node->item, key);
    }
    if (child->item && !cJSON_IsNull(child->item))
        return JY_OK;
    if (!required)
        return JY_DECLINED;
    if (child->item == NULL)
        return jy_json_error(err, node, key, "is required");
    return JY_ERROR; /* present but null: the caller's type check says "not null" */
}


int
jy_json_get_str(const struct jy_json_node *node, const char *key, bool required, const char **out,
                struct jy_err *err)
{
    return jy_json_get_str_chars(node, key, required, 0, SIZE_MAX, out, err);
}


int
jy_json_get_str_chars(const struct jy_json_node *node, const char *key, bool required,
                      size_t min_chars, size_t max_chars, const char **out, struct jy_err *err)
{
    struct jy_json_node c;
    char rule[80], found[64];
    size_t n = 0;
    int rc = json_lookup(node, key, required, &c, err);

    if (rc == JY_DECLINED)
        return JY_OK;
    if (rc == JY_ERROR && c.item == NULL)
        return JY_ERROR;
    if (min_chars == 0 && max_chars == SIZE_MAX)
        snprintf(rule, sizeof(rule), "a string");
    else if (min_chars == max_chars)
        snprintf(rule, sizeof(rule), "a string of %zu character%s", min_chars,
                 min_chars == 1 ? "" : "s");
    else if (max_chars == SIZE_MAX && min_chars == 1)
        snprintf(rule, sizeof(rule), "a non-empty string");
    else if (max_chars == SIZE_MAX)
        snprintf(rule, sizeof(rule), "a string of at least %zu characters", min_chars);
    else if (min_chars == 0)
        snprintf(rule, sizeof(rule), "a string of at most %zu characters", max_chars);
    else
        snprintf(rule, sizeof(rule), "a string of %zu to %zu characters", min_chars, max_chars);
    if (!cJSON_IsString(c.item) || c.item->valuestring == NULL)
        return jy_json_error(err, node, key, "must be %s, not %s", rule,
                             json_found(c.item, found, sizeof(found)));
    if (min_chars > 0 || max_chars < SIZE_MAX)
        n = jy_utf8_count(c.item->valuestring, strlen(c.item->valuestring));
    if (n < min_chars || n > max_chars)
        return jy_json_error(err, node, key, "must be %s, not %s (%zu character%s)", rule,
                             json_found(c.item, found, sizeof(found)), n, n == 1 ? "" : "s");
    *out = c.item->valuestring;
    return JY_OK;
}


/*
 * Join names into dst: "a", "b", "c" (quoted) or a, b, c. When they do not
 * all fit, the list ends with ", …". Returns how many were written.
 */
static size_t
json_join(char *dst, size_t size, const char *const *names, bool quote)
{
    size_t i, len = 0;

    dst[0] = '\0';
    for (i = 0; names[i]; i++) {
        /* keep room for ", …" (6 bytes) and the NUL */
        int w = snprintf(dst + len, size - len, "%s%s%s%s", i ? ", " : "", quote ? "\"" : "",
                         names[i], quote ? "\"" : "");
        if (w < 0 || (size_t) w + 7 > size - len) {
            snprintf(dst + len, size - len, "%s…", i ? ", " : "");
            return i;
        }
        len += (size_t) w;
    }
    return i;
}


int
jy_json_get_enum(const struct jy_json_node *node, const char *key, bool required,
                 const char *const *names, int *out, struct jy_err *err)
{
    struct jy_json_node c;
    char found[64], list[160];
    int i, rc = json_lookup(node, key, required, &c, err);

    if (rc == JY_DECLINED)
        return JY_OK;
    if (rc == JY_ERROR && c.item == NULL)
        return JY_ERROR;
    if (cJSON_IsString(c.item)) {
        for (i = 0; names[i]; i++) {
            if (strcmp(names[i], c.item->valuestring) == 0) {
                *out = i;
                return JY_OK;
            }
        }
    }
    /* the message lists the choices: must be one of "draft", "published", not "pub" */
    json_join(list, sizeof(list), names, true);
    return jy_json_error(err, node, key, "must be one of %s, not %s", list,
                         json_found(c.item, found, sizeof(found)));
}


/* Doubles hold every integer up to 2^53 exactly; beyond, "whole" means nothing. */
#define JSON_EXACT_INT 9007199254740992.0

int
jy_json_get_int(const struct jy_json_node *node, const char *key, bool required, long long min,
                long long max, long long *out, struct jy_err *err)
{
    struct jy_json_node c;
    char found[64];
    double d;
    int rc = json_lookup(node, key, required, &c, err);

    if (rc == JY_DECLINED)
        return JY_OK;
    if (rc == JY_ERROR && c.item == NULL)
        return JY_ERROR;
    d = cJSON_IsNumber(c.item) ? c.item->valuedouble : NAN;
    if (isfinite(d) && d == floor(d) && d >= -JSON_EXACT_INT && d <= JSON_EXACT_INT &&
        (long long) d >= min && (long long) d <= max) {
        *out = (long long) d;
        return JY_OK;
    }
    if (min <= -(long long) JSON_EXACT_INT && max >= (long long) JSON_EXACT_INT)
        return jy_json_error(err, node, key, "must be a whole number, not %s",
                             json_found(c.item, found, sizeof(found)));
    return jy_json_error(err, node, key, "must be a whole number from %lld to %lld, not %s", min,
                         max, json_found(c.item, found, sizeof(found)));
}


int
jy_json_get_num(const struct jy_json_node *node, const char *key, bool required, double min,
                double max, double *out, struct jy_err *err)
{
    struct jy_json_node c;
    char found[64], lo[40], hi[40];
    int rc = json_lookup(node, key, required, &c, err);

    if (rc == JY_DECLINED)
        return JY_OK;
    if (rc == JY_ERROR && c.item == NULL)
        return JY_ERROR;
    if (cJSON_IsNumber(c.item) && c.item->valuedouble >= min && c.item->valuedouble <= max) {
        *out = c.item->valuedouble;
        return JY_OK;
    }
    json_format_number(min, lo, sizeof(lo));
    json_format_number(max, hi, sizeof(hi));
    return jy_json_error(err, node, key, "must be a number from %s to %s, not %s", lo, hi,
                         json_found(c.item, found, sizeof(found)));
}


int
jy_json_get_bool(const struct jy_json_node *node, const char *key, bool required, bool *out,
                 struct jy_err *err)
{
    struct jy_json_node c;
    char found[64];
    int rc = json_lookup(node, key, required, &c, err);

    if (rc == JY_DECLINED)
        return JY_OK;
    if (rc == JY_ERROR && c.item == NULL)
        return JY_ERROR;
    if (!cJSON_IsBool(c.item))
        return jy_json_error(err, node, key, "must be true or false, not %s",
                             json_found(c.item, found, sizeof(found)));
    *out = cJSON_IsTrue(c.item);
    return JY_OK;
}


/* Shared by the object and array getters: type is cJSON_Object or cJSON_Array. */
static int
json_get_container(const struct jy_json_node *node, const char *key, bool required, int type,
                   struct jy_json_node *out, struct jy_err *err)
{
    struct jy_json_node c;
    char found[64];
    int rc = json_lookup(node, key, required, &c, err);

    if (rc == JY_DECLINED) {
        *out = c;
        out->item = NULL;
        return JY_OK;
    }
    if (rc == JY_ERROR && c.item == NULL)
        return JY_ERROR;
    if ((c.item->type & 0xFF) != type)
        return jy_json_error(err, node, key, "must be %s, not %s",
                             type == cJSON_Object ? "an object" : "an array",
                             json_found(c.item, found, sizeof(found)));
    *out = c;
    return JY_OK;
}


int
jy_json_get_object(const struct jy_json_node *node, const char *key, bool required,
                   struct jy_json_node *out, struct jy_err *err)
{
    return json_get_container(node, key, required, cJSON_Object, out, err);
}


int
jy_json_get_array(const struct jy_json_node *node, const char *key, bool required,
                  struct jy_json_node *out, size_t *n, struct jy_err *err)
{
    const cJSON *c;

    if (n)
        *n = 0;
    if (json_get_container(node, key, required, cJSON_Array, out, err) != JY_OK)
        return JY_ERROR;
    for (c = out->item ? out->item->child : NULL; n && c; c = c->next)
        (*n)++;
    return JY_OK;
}


int
jy_json_check_keys(const struct jy_json_node *node, const char *const *known, struct jy_err *err)
{
    struct jy_json_node m;
    char found[64], list[200];
    size_t i;

    if (node->item == NULL)
        return JY_OK;
    if (!cJSON_IsObject(node->item))
        return jy_json_error(err, node, NULL, "must be an object, not %s",
                             json_found(node->item, found, sizeof(found)));
    for (jy_json_first(node, &m); m.item; jy_json_next(&m)) {
        char path[JSON_PATH_MAX];

        for (i = 0; known[i] && strcmp(known[i], m.key) != 0; i++)
            ;
        if (known[i])
            continue;
        jy_json_path(node, m.key, path, sizeof(path));
        jy_err_set(err, JY_E_INVALID, "unrecognized field \"%s\"", path);
        jy_err_field(err, path);
        /* hints are full sentences: Known fields: code, name, host. */
        if (json_join(list, sizeof(list), known, false) == 0 && known[0] == NULL)
            jy_err_hint(err, "No fields are allowed here.");
        else
            jy_err_hint(err, "Known fields: %s.", list);
        return JY_ERROR;
    }
    return JY_OK;
}


bool
jy_json_has(const struct jy_json_node *node, const char *key)
{
    const cJSON *item = node->item;

    if (key && item)
        item = cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, key) : NULL;
    return item != NULL && !cJSON_IsNull(item);
}
