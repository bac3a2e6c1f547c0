/*
 * item.c - items of the resource library: create, update, read, revisions,
 * diff, restore, interpretation links, index number rules (item.h).
 *
 * How a write goes, in one transaction:
 *   1. the declarations of the kind (item_field, item_vocab) are read;
 *   2. every given field is checked against its declaration, then the
 *      required fields and the rules between fields (policy validity) on
 *      the item as it will be, then what needs the database (tags exist,
 *      validity_by and interprets name policy documents); every problem
 *      is collected, none stops the others;
 *   3. with no problem left, the body is sanitised, the index number
 *      drawn, the row written (the trigger of schema/0030 checks it
 *      again), then tags, links and placements.
 * SQL is built from the declared column names (checked to be plain
 * identifiers) and $n parameters; values never enter the SQL text.
 */
#include "core/compat.h"
#include "core/item.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/placement.h"
#include "core/pool.h"
#include "core/sanitize.h"
#include "core/site.h"
#include "core/utf8.h"

#include <regex.h>

#include <cjson/cJSON.h>

#define MAX_PARAMS 96

/* A declared field (a row of item_field with its vocabulary). */
struct fdef {
    const char *kind, *field, *type, *storage, *label, *vocabulary, *pattern;
    bool required;
    long max_length;
    const char **values, **labels; /* vocabulary, nvalues entries */
    int nvalues;
};

/* The declarations a write needs: its kind's fields, and every kind's. */
struct kdef {
    const char *code, *noun, *name;
    struct fdef *all; /* every kind's fields, this kind's first */
    int nall;
    int n; /* this kind's: all[0 .. n) */
};

/* A checked value of one field. */
struct val {
    const struct fdef *d;
    bool given;         /* named in the input */
    bool empty;         /* null, blank or empty: no value (clears on update) */
    const char *text;   /* the value as a SQL parameter (text, JSON text for arrays) */
    const char *json;   /* metadata: the value as JSON text */
    const char **names; /* tag[]: names as given */
    long long *ids;     /* item[]: ids */
    int nitems;         /* of names or ids */
};

/* State of one operation. */
struct op {
    struct jy_db *db;
    struct jy_pool *pool;
    struct kdef k;
    struct val *v; /* one per field of the kind: v[i] for k.all[i] */
    struct jy_item_problem *problems;
    int nproblems, aproblems;
    long long site_id;
    long long id;                /* update: the item */
    const struct cJSON *current; /* update: the row as it is (to_jsonb) */
    long long *tag_ids;          /* resolved tags, when given */
    int ntag_ids;
    bool fill_validity_on;  /* validity changed without a date: today */
    bool clear_validity_by; /* back to valid: the replacing document goes */
};


static const char *
num(struct jy_pool *pool, long long v)
{
    return jy_pool_printf(pool, "%lld", v);
}


static struct jy_db_res *
query(struct op *o, const char *sql, int n, const char *const *p, struct jy_err *err)
{
    return jy_db_query(o->db, o->pool, sql, n, p, err);
}


/* ---- problems -------------------------------------------------------------------------------- */

static void problem(struct op *o, const char *field, const char *fmt, ...) JY_PRINTF(3, 4);

static void
problem(struct op *o, const char *field, const char *fmt, ...)
{
    va_list ap;
    struct jy_buf b = JY_BUF_INIT(o->pool);

    va_start(ap, fmt);
    jy_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    if (o->nproblems == o->aproblems) {
        int grow = o->aproblems ? o->aproblems * 2 : 8;
        o->problems =
            jy_pool_realloc(o->pool, o->problems, (size_t) o->aproblems * sizeof(*o->problems),
                            (size_t) grow * sizeof(*o->problems));
        o->aproblems = grow;
    }
    o->problems[o->nproblems].field = jy_pool_strdup(o->pool, field);
    o->problems[o->nproblems].msg = b.buf;
    o->nproblems++;
}


/* The error of a refused write: the first problem, the count of the others; all in detail. */
static int
problems_to_err(struct op *o, struct jy_item_result *res, struct jy_err *err)
{
    struct jy_buf all = JY_BUF_INIT(o->pool);
    int i;

    if (o->nproblems == 1)
        jy_err_set(err, JY_E_INVALID, "%s", o->problems[0].msg);
    else
        jy_err_set(err, JY_E_INVALID, "%s (and %d more problem%s)", o->problems[0].msg,
                   o->nproblems - 1, o->nproblems == 2 ? "" : "s");
    for (i = 0; i < o->nproblems; i++)
        jy_buf_addf(&all, "%s%s", i ? "; " : "", o->problems[i].msg);
    if (o->nproblems > 1)
        jy_err_detail(err, "%s", all.buf);
    jy_err_field(err, o->problems[0].field);
    if (res) {
        res->problems = o->problems;
        res->nproblems = o->nproblems;
    }
    return JY_ERROR;
}


/* "文号 (doc_no)" */
static const char *
fname(struct op *o, const struct fdef *d)
{
    return jy_pool_printf(o->pool, "%s (%s)", d->label, d->field);
}


/* ---- declarations ---------------------------------------------------------------------------- */

static bool
ident_ok(const char *s)
{
    if (!(*s >= 'a' && *s <= 'z'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}


static int
load_defs(struct op *o, const char *kind, struct jy_err *err)
{
    static const char kind_sql[] = "SELECT code, coalesce(noun, code), name FROM item_kind"
                                   " WHERE code = $1";
    static const char fields_sql[] =
        "SELECT f.kind, f.field, f.type, f.storage, f.required, f.vocabulary, f.max_length,"
        " f.pattern, f.label,"
        " (SELECT json_agg(json_build_array(v.value, v.label) ORDER BY v.sort)::text"
        "    FROM item_vocab v WHERE v.vocab = f.vocabulary)"
        " FROM item_field f ORDER BY f.kind = $1 DESC, f.kind, f.sort, f.field";
    const char *p[1] = {kind};
    struct jy_db_res *r;
    int i, rows;

    if ((r = query(o, kind_sql, 1, p, err)) == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        const char *kinds = jy_db_query_value(o->db, o->pool,
                                              "SELECT string_agg(code, ', ' ORDER BY sort)"
                                              " FROM item_kind",
                                              0, NULL, err);
        jy_err_set(err, JY_E_NOT_FOUND, "item kind \"%s\" does not exist", kind);
        if (kinds)
            jy_err_hint(err, "Kinds: %s.", kinds);
        jy_err_field(err, "kind");
        return JY_ERROR;
    }
    o->k.code = jy_db_res_get(r, 0, 0);
    o->k.noun = jy_db_res_get(r, 0, 1);
    o->k.name = jy_db_res_get(r, 0, 2);
    if ((r = query(o, fields_sql, 1, p, err)) == NULL)
        return JY_ERROR;
    rows = jy_db_res_rows(r);
    o->k.all = jy_pool_new_array(o->pool, struct fdef, (size_t) rows + 1);
    o->k.nall = rows;
    o->k.n = 0;
    for (i = 0; i < rows; i++) {
        struct fdef *d = &o->k.all[i];
        const char *vals = jy_db_res_get(r, i, 9);
        d->kind = jy_db_res_get(r, i, 0);
        d->field = jy_db_res_get(r, i, 1);
        d->type = jy_db_res_get(r, i, 2);
        d->storage = jy_db_res_get(r, i, 3);
        d->required = strcmp(jy_db_res_get(r, i, 4), "t") == 0;
        d->vocabulary = jy_db_res_get(r, i, 5);
        d->max_length = jy_db_res_get(r, i, 6) ? atol(jy_db_res_get(r, i, 6)) : 0;
        d->pattern = jy_db_res_get(r, i, 7);
        d->label = jy_db_res_get(r, i, 8);
        if (!ident_ok(d->field))
            JY_BUG("item_field.field \"%s\" is not an identifier", d->field);
        if (strcmp(d->kind, kind) == 0)
            o->k.n = i + 1;
        if (vals) {
            struct jy_err local = JY_ERR_INIT;
            cJSON *arr = jy_json_parse(o->pool, vals, strlen(vals), &local), *e;
            int j = 0, n = arr ? cJSON_GetArraySize(arr) : 0;
            d->values = jy_pool_new_array(o->pool, const char *, (size_t) n + 1);
            d->labels = jy_pool_new_array(o->pool, const char *, (size_t) n + 1);
            cJSON_ArrayForEach(e, arr)
            {
                d->values[j] = cJSON_GetStringValue(cJSON_GetArrayItem(e, 0));
                d->labels[j] = cJSON_GetStringValue(cJSON_GetArrayItem(e, 1));
                j++;
            }
            d->nvalues = j;
        }
    }
    o->v = jy_pool_new_array(o->pool, struct val, (size_t) o->k.n + 1);
    for (i = 0; i < o->k.n; i++)
        o->v[i].d = &o->k.all[i];
    return JY_OK;
}


/* The index of field in this kind's declarations, -1 when it has none. */
static int
kind_field(const struct op *o, const char *field)
{
    int i;

    for (i = 0; i < o->k.n; i++)
        if (strcmp(o->k.all[i].field, field) == 0)
            return i;
    return -1;
}


/* A declaration of field for any kind (for "article has no field 文号 (doc_no)"). */
static const struct fdef *
any_field(const struct op *o, const char *field)
{
    int i;

    for (i = 0; i < o->k.nall; i++)
        if (strcmp(o->k.all[i].field, field) == 0)
            return &o->k.all[i];
    return NULL;
}


/* ---- checking values ------------------------------------------------------------------------- */

static const char *
json_type(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "text";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsBool(v))
        return "true or false";
    if (cJSON_IsArray(v))
        return "a list";
    if (cJSON_IsObject(v))
        return "an object";
    return "null";
}


/* The value as JSON text, for messages. */
static const char *
json_text(struct op *o, const cJSON *v)
{
    struct jy_buf b = JY_BUF_INIT(o->pool);

    b.max = 200;
    jy_json_print(v, &b);
    return b.err ? "(a long value)" : b.buf;
}


/* Trim ASCII blanks and U+3000 from both ends; a copy in pool. */
static const char *
trim(struct jy_pool *pool, const char *s)
{
    size_t len = strlen(s);

    for (;;) {
        if (len && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r')) {
            s++;
            len--;
        } else if (len >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0) {
            s += 3;
            len -= 3;
        } else {
            break;
        }
    }
    for (;;) {
        if (len &&
            (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
            len--;
        else if (len >= 3 && memcmp(s + len - 3, "\xE3\x80\x80", 3) == 0)
            len -= 3;
        else
            break;
    }
    return jy_pool_strndup(pool, s, len);
}


static bool
has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char) *s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
            return true;
    return false;
}


static bool
digits(const char *s, int n)
{
    int i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}


/* YYYY-MM-DD, a day that exists. */
static bool
date_ok(const char *s)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, max;

    if (strlen(s) < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return false;
    y = atoi(s);
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1000 || m < 1 || m > 12 || d < 1)
        return false;
    max = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return d <= max;
}


bool
jy_item_time_ok(const char *s)
{
    const char *p = s + 10;

    if (!date_ok(s))
        return false;
    if (*p == '\0')
        return true;
    if (*p != ' ' && *p != 'T')
        return false;
    p++;
    if (!digits(p, 2) || p[2] != ':' || !digits(p + 3, 2) || atoi(p) > 23 || atoi(p + 3) > 59)
        return false;
    p += 5;
    if (*p == ':') {
        if (!digits(p + 1, 2) || atoi(p + 1) > 60)
            return false;
        p += 3;
        if (*p == '.') {
            p++;
            if (!digits(p, 1))
                return false;
            while (*p >= '0' && *p <= '9')
                p++;
        }
    }
    if (*p == 'Z' || *p == 'z')
        return p[1] == '\0';
    if (*p == '+' || *p == '-') {
        if (!digits(p + 1, 2))
            return false;
        p += 3;
        if (*p == ':')
            p++;
        if (*p && (!digits(p, 2) || p[2] != '\0'))
            return false;
        return true;
    }
    return *p == '\0';
}


/* A whole number that a double holds exactly. */
static bool
whole(const cJSON *v, long long *out)
{
    double d;

    if (!cJSON_IsNumber(v))
        return false;
    d = v->valuedouble;
    if (d != d || d < -9007199254740992.0 || d > 9007199254740992.0 || d != (double) (long long) d)
        return false;
    *out = (long long) d;
    return true;
}


static bool
pattern_ok(struct op *o, const struct fdef *d, const char *s)
{
    regex_t re;
    bool ok;

    if (d->pattern == NULL)
        return true;
    if (regcomp(&re, d->pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return true; /* a pattern POSIX cannot read: the trigger judges it */
    ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    (void) o;
    return ok;
}


/* A text-like value (text, html, url, enum, category): trimmed, length, form, vocabulary. */
static void
check_text(struct op *o, struct val *out, const cJSON *v)
{
    const struct fdef *d = out->d;
    const char *s;
    size_t chars;
    int i;

    if (!cJSON_IsString(v)) {
        problem(o, d->field, "%s must be text, not %s", fname(o, d), json_type(v));
        return;
    }
    if (!jy_utf8_valid(v->valuestring, strlen(v->valuestring), NULL)) {
        problem(o, d->field, "%s is not valid UTF-8", fname(o, d));
        return;
    }
    if (strcmp(d->type, "html") == 0) {
        s = v->valuestring;
        if (strlen(s) > JY_ITEM_BODY_MAX) {
            problem(o, d->field, "%s is larger than %d bytes", fname(o, d), JY_ITEM_BODY_MAX);
            return;
        }
        out->empty = trim(o->pool, s)[0] == '\0';
        out->text = s;
        return;
    }
    s = trim(o->pool, v->valuestring);
    out->empty = s[0] == '\0';
    out->text = s;
    if (out->empty)
        return;
    if (has_control(s)) {
        problem(o, d->field, "%s holds a control character", fname(o, d));
        return;
    }
    chars = jy_utf8_count(s, strlen(s));
    if (d->max_length > 0 && chars > (size_t) d->max_length) {
        problem(o, d->field, "%s is longer than %ld characters (%zu)", fname(o, d), d->max_length,
                chars);
        return;
    }
    if (!pattern_ok(o, d, s)) {
        problem(o, d->field, "%s \"%s\" does not have the required form", fname(o, d), s);
        return;
    }
    if (strcmp(d->type, "url") == 0 &&
        ((strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0 && s[0] != '/') ||
         strpbrk(s, " \t\r\n") != NULL)) {
        problem(o, d->field, "%s must be a URL starting with http://, https:// or /, not \"%s\"",
                fname(o, d), s);
        return;
    }
    if (strcmp(d->type, "enum") == 0) {
        struct jy_buf list = JY_BUF_INIT(o->pool);
        for (i = 0; i < d->nvalues; i++) {
            if (strcmp(s, d->values[i]) == 0 || strcmp(s, d->labels[i]) == 0) {
                out->text = d->values[i];
                return;
            }
            jy_buf_addf(&list, "%s%s (%s)", i ? ", " : "", d->labels[i], d->values[i]);
        }
        problem(o, d->field, "%s must be one of %s, not \"%s\"", fname(o, d), list.buf, s);
        return;
    }
    if (strcmp(d->type, "category") == 0) {
        size_t top = strcspn(s, "\\");
        for (i = 0; i < d->nvalues; i++) {
            if (strlen(d->values[i]) == top && strncmp(s, d->values[i], top) == 0)
                return;
            if (strlen(d->labels[i]) == top && strncmp(s, d->labels[i], top) == 0) {
                out->text = jy_pool_printf(o->pool, "%s%s", d->values[i], s + top);
                return;
            }
        }
        problem(o, d->field, "%s \"%.*s\" is not a class of the vocabulary \"%s\"", fname(o, d),
                (int) top, s, d->vocabulary);
    }
}


/* A list of strings (text[], tag[]); the JSON array text goes to out->text. */
static void
check_list(struct op *o, struct val *out, const cJSON *v, bool tags)
{
    const struct fdef *d = out->d;
    struct jy_buf arr = JY_BUF_INIT(o->pool);
    const cJSON *e;
    int n = cJSON_GetArraySize(v), k = 0, j;

    if (!cJSON_IsArray(v)) {
        problem(o, d->field, "%s must be a list of texts, not %s", fname(o, d), json_type(v));
        return;
    }
    out->names = jy_pool_new_array(o->pool, const char *, (size_t) n + 1);
    jy_buf_add_char(&arr, '[');
    cJSON_ArrayForEach(e, v)
    {
        const char *s;
        size_t chars;
        if (!cJSON_IsString(e) || !jy_utf8_valid(e->valuestring, strlen(e->valuestring), NULL) ||
            (s = trim(o->pool, e->valuestring))[0] == '\0') {
            problem(o, d->field, "%s must be a list of non-empty texts", fname(o, d));
            return;
        }
        chars = jy_utf8_count(s, strlen(s));
        if (tags) {
            if (chars > 32 || strpbrk(s, " \t\r\n()\"'") != NULL || has_control(s)) {
                problem(o, d->field,
                        "%s: \"%s\" cannot be a tag (1 to 32 characters, no spaces, "
                        "parentheses or quotes)",
                        fname(o, d), s);
                return;
            }
        } else if (has_control(s) || (d->max_length > 0 && chars > (size_t) d->max_length)) {
            problem(o, d->field, "%s: \"%s\" is longer than %ld characters", fname(o, d), s,
                    d->max_length);
            return;
        }
        for (j = 0; j < k; j++)
            if (strcmp(out->names[j], s) == 0)
                break;
        if (j < k)
            continue; /* given twice: once is enough */
        out->names[k++] = s;
        if (k > 1)
            jy_buf_add_char(&arr, ',');
        jy_buf_add_json_str(&arr, s, strlen(s));
    }
    jy_buf_add_char(&arr, ']');
    out->nitems = k;
    out->empty = k == 0;
    out->text = arr.buf;
}


static void
check_ids(struct op *o, struct val *out, const cJSON *v)
{
    const struct fdef *d = out->d;
    struct jy_buf arr = JY_BUF_INIT(o->pool);
    const cJSON *e;
    int n = cJSON_GetArraySize(v), k = 0, j;
    long long id;

    if (!cJSON_IsArray(v)) {
        problem(o, d->field, "%s must be a list of item ids, not %s", fname(o, d), json_type(v));
        return;
    }
    out->ids = jy_pool_new_array(o->pool, long long, (size_t) n + 1);
    jy_buf_add_char(&arr, '[');
    cJSON_ArrayForEach(e, v)
    {
        if (!whole(e, &id) || id <= 0) {
            problem(o, d->field, "%s must be a list of item ids, not %s", fname(o, d),
                    json_text(o, v));
            return;
        }
        for (j = 0; j < k; j++)
            if (out->ids[j] == id)
                break;
        if (j < k)
            continue;
        out->ids[k++] = id;
        jy_buf_addf(&arr, "%s%lld", k > 1 ? "," : "", id);
    }
    jy_buf_add_char(&arr, ']');
    out->nitems = k;
    out->empty = k == 0;
    out->text = arr.buf;
}


/* Check one given value against its declaration; out->d is set. */
static void
check_value(struct op *o, struct val *out, const cJSON *v)
{
    const struct fdef *d = out->d;
    const char *t = d->type;
    long long n;

    out->given = true;
    if (v == NULL || cJSON_IsNull(v)) {
        out->empty = true;
        return;
    }
    if (strcmp(t, "text") == 0 || strcmp(t, "html") == 0 || strcmp(t, "url") == 0 ||
        strcmp(t, "enum") == 0 || strcmp(t, "category") == 0) {
        check_text(o, out, v);
    } else if (strcmp(t, "text[]") == 0) {
        check_list(o, out, v, false);
    } else if (strcmp(t, "tag[]") == 0) {
        check_list(o, out, v, true);
    } else if (strcmp(t, "item[]") == 0) {
        check_ids(o, out, v);
    } else if (strcmp(t, "int") == 0 || strcmp(t, "item") == 0) {
        if (!whole(v, &n) || (strcmp(t, "item") == 0 && n <= 0)) {
            problem(o, d->field, "%s must be %s, not %s", fname(o, d),
                    strcmp(t, "item") == 0 ? "an item id" : "a whole number", json_text(o, v));
            return;
        }
        out->text = num(o->pool, n);
    } else if (strcmp(t, "date") == 0) {
        if (!cJSON_IsString(v) || strlen(v->valuestring) != 10 || !date_ok(v->valuestring)) {
            problem(o, d->field, "%s must be a date (YYYY-MM-DD), not %s", fname(o, d),
                    json_text(o, v));
            return;
        }
        out->text = v->valuestring;
    } else if (strcmp(t, "datetime") == 0) {
        if (!cJSON_IsString(v) || !jy_item_time_ok(trim(o->pool, v->valuestring))) {
            problem(o, d->field, "%s must be a date and time (YYYY-MM-DD HH:MM), not %s",
                    fname(o, d), json_text(o, v));
            return;
        }
        out->text = trim(o->pool, v->valuestring);
    } else {
        /* json */
        struct jy_buf b = JY_BUF_INIT(o->pool);
        jy_json_print(v, &b);
        out->text = b.buf;
    }
    if (strcmp(d->storage, "metadata") == 0 && !out->empty) {
        struct jy_buf b = JY_BUF_INIT(o->pool);
        if (strcmp(t, "int") == 0 || strcmp(t, "json") == 0)
            jy_buf_add_str(&b, out->text);
        else
            jy_buf_add_json_str(&b, out->text, strlen(out->text));
        out->json = b.buf;
    }
}


/* Every member of fields against the kind's declarations. */
static void
check_fields(struct op *o, const cJSON *fields, bool update)
{
    const cJSON *m;
    int i;

    if (fields == NULL)
        return;
    if (!cJSON_IsObject(fields)) {
        problem(o, "fields", "the fields of an item must be a JSON object, not %s",
                json_type(fields));
        return;
    }
    cJSON_ArrayForEach(m, fields)
    {
        const char *key = m->string;
        const struct fdef *other;
        if (update && strcmp(key, "kind") == 0) {
            problem(o, "kind", "the kind of an item cannot be changed (it is %s)", o->k.code);
            continue;
        }
        i = kind_field(o, key);
        if (i < 0) {
            other = any_field(o, key);
            if (other)
                problem(o, key, "%s has no field %s (%s)", o->k.noun, other->label, key);
            else
                problem(o, key, "%s has no field \"%s\"", o->k.noun, key);
            continue;
        }
        if (o->v[i].given) {
            problem(o, key, "field %s is given twice", fname(o, o->v[i].d));
            continue;
        }
        check_value(o, &o->v[i], m);
    }
}


/* The value of field as the item will be: given, or current (update). NULL: none. */
static const char *
final_text(struct op *o, const char *field)
{
    int i = kind_field(o, field);
    const cJSON *c;

    if (i >= 0 && o->v[i].given)
        return o->v[i].empty ? NULL : o->v[i].text;
    c = o->current ? cJSON_GetObjectItemCaseSensitive(o->current, field) : NULL;
    if (cJSON_IsString(c))
        return c->valuestring[0] ? c->valuestring : NULL;
    if (cJSON_IsNumber(c))
        return num(o->pool, (long long) c->valuedouble);
    return NULL;
}


/* The text of a metadata field as the item will be: given, or current. NULL: none. */
static const char *
final_meta_text(struct op *o, const char *field)
{
    int i = kind_field(o, field);
    const cJSON *m, *c;

    if (i >= 0 && o->v[i].given)
        return o->v[i].empty ? NULL : o->v[i].text;
    m = o->current ? cJSON_GetObjectItemCaseSensitive(o->current, "metadata") : NULL;
    c = m ? cJSON_GetObjectItemCaseSensitive(m, field) : NULL;
    return cJSON_IsString(c) && c->valuestring[0] ? c->valuestring : NULL;
}


static bool
given(const struct op *o, const char *field)
{
    int i = kind_field(o, field);
    return i >= 0 && o->v[i].given;
}


/* Is a required field present on the item as it will be? */
static bool
present(struct op *o, int i, long long current_links)
{
    const struct val *v = &o->v[i];
    const struct fdef *d = v->d;
    const cJSON *c;

    if (v->given)
        return !v->empty;
    if (o->current == NULL)
        return false;
    if (strcmp(d->storage, "tags") == 0 || strcmp(d->storage, "relation") == 0)
        return current_links > 0;
    if (strcmp(d->storage, "metadata") == 0)
        c = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(o->current, "metadata"), d->field);
    else
        c = cJSON_GetObjectItemCaseSensitive(o->current, d->field);
    if (c == NULL || cJSON_IsNull(c))
        return false;
    if (cJSON_IsString(c))
        return trim(o->pool, c->valuestring)[0] != '\0';
    if (cJSON_IsArray(c))
        return cJSON_GetArraySize(c) > 0;
    return true;
}


/* The number of links of relation kind rel (or tags) the item has now. */
static int
current_links(struct op *o, const struct fdef *d, long long *count, struct jy_err *err)
{
    const char *p[2] = {num(o->pool, o->id), d->field};
    const char *v;

    *count = 0;
    if (o->current == NULL)
        return JY_OK;
    if (strcmp(d->storage, "tags") == 0)
        v = jy_db_query_value(o->db, o->pool, "SELECT count(*) FROM item_tag WHERE item_id = $1", 1,
                              p, err);
    else
        v = jy_db_query_value(o->db, o->pool,
                              "SELECT count(*) FROM item_relation WHERE from_id = $1 AND kind = $2",
                              2, p, err);
    if (v == NULL)
        return JY_ERROR;
    *count = atoll(v);
    return JY_OK;
}


static const char *
vocab_label(const struct op *o, const char *field, const char *value)
{
    int i = kind_field(o, field), j;

    if (i < 0 || value == NULL)
        return value;
    for (j = 0; j < o->v[i].d->nvalues; j++)
        if (strcmp(o->v[i].d->values[j], value) == 0)
            return o->v[i].d->labels[j];
    return value;
}


/* Required fields, the rules between fields, and what needs the database. */
static int
check_item(struct op *o, struct jy_err *err)
{
    const char *validity, *validity_by, *written, *issued;
    int i;

    for (i = 0; i < o->k.n; i++) {
        long long links = 0;
        if (!o->v[i].d->required)
            continue;
        if (!o->v[i].given &&
            (strcmp(o->v[i].d->storage, "tags") == 0 ||
             strcmp(o->v[i].d->storage, "relation") == 0) &&
            current_links(o, o->v[i].d, &links, err) != JY_OK)
            return JY_ERROR;
        if (!present(o, i, links))
            problem(o, o->v[i].d->field, "%s needs %s", o->k.noun, fname(o, o->v[i].d));
    }

    /* policy validity: dated, and amended/repealed names the document that did it */
    if (strcmp(o->k.code, "policy") == 0 && (validity = final_text(o, "validity")) != NULL) {
        validity_by = final_text(o, "validity_by");
        if (strcmp(validity, "valid") == 0) {
            if (validity_by && given(o, "validity_by"))
                problem(o, "validity_by",
                        "a valid policy document has no 废止/修改依据 (validity_by)");
            else if (validity_by)
                o->clear_validity_by = true;
        } else {
            if ((strcmp(validity, "amended") == 0 || strcmp(validity, "repealed") == 0) &&
                validity_by == NULL && final_meta_text(o, "validity_basis") == NULL)
                problem(o, "validity_by",
                        "policy document marked %s (%s) needs the document that %s: "
                        "废止/修改依据 (validity_by), or 废止/修改依据说明 (validity_basis) when "
                        "that document is not in the library",
                        vocab_label(o, "validity", validity), validity,
                        strcmp(validity, "amended") == 0 ? "amended it" : "repealed it");
            if (final_text(o, "validity_on") == NULL) {
                if (given(o, "validity_on"))
                    problem(o, "validity_on",
                            "policy document marked %s (%s) needs 效力变更日期 (validity_on)",
                            vocab_label(o, "validity", validity), validity);
                else
                    o->fill_validity_on = true;
            }
        }
    }
    written = final_text(o, "written_on");
    issued = final_text(o, "issued_on");
    if (written && issued && strcmp(written, issued) > 0)
        problem(o, given(o, "written_on") ? "written_on" : "issued_on",
                "成文日期 (written_on) %s is after 发布日期 (issued_on) %s", written, issued);

    /* items named by validity_by and interprets: policy documents, not this one */
    for (i = 0; i < o->k.n; i++) {
        struct val *v = &o->v[i];
        struct jy_db_res *r;
        const char *p[1];
        int j;
        if (!v->given || v->empty)
            continue;
        if (strcmp(v->d->type, "item") == 0) {
            p[0] = jy_pool_printf(o->pool, "[%s]", v->text);
        } else if (strcmp(v->d->type, "item[]") == 0) {
            p[0] = v->text;
        } else {
            continue;
        }
        if (o->id && strcmp(v->d->type, "item") == 0 && atoll(v->text) == o->id) {
            problem(o, v->d->field,
                    "a policy document cannot amend or repeal itself: %s is its "
                    "own id %lld",
                    fname(o, v->d), o->id);
            continue;
        }
        r = query(o,
                  "SELECT x::bigint, jy_item_kind_of(x::bigint)"
                  " FROM jsonb_array_elements_text($1::jsonb) x",
                  1, p, err);
        if (r == NULL)
            return JY_ERROR;
        for (j = 0; j < jy_db_res_rows(r); j++) {
            const char *id = jy_db_res_get(r, j, 0), *kind = jy_db_res_get(r, j, 1);
            if (kind == NULL)
                problem(o, v->d->field, "%s: item %s does not exist", fname(o, v->d), id);
            else if (strcmp(kind, "policy") != 0)
                problem(o, v->d->field, "%s: item %s is not a policy document", fname(o, v->d), id);
        }
    }
    return JY_OK;
}


/* Resolve the given tags (names, synonyms, merged names) to live tags. */
static int
resolve_tags(struct op *o, struct jy_err *err)
{
    int i = kind_field(o, "tags"), j;
    struct val *v;
    struct jy_db_res *r;
    const char *p[1];

    if (i < 0 || !o->v[i].given)
        return JY_OK;
    v = &o->v[i];
    o->tag_ids = jy_pool_new_array(o->pool, long long, (size_t) v->nitems + 1);
    o->ntag_ids = 0;
    if (v->empty)
        return JY_OK;
    p[0] = v->text;
    r = query(o,
              "SELECT w, jy_tag_id(w) FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY"
              " AS x (w, o) ORDER BY o",
              1, p, err);
    if (r == NULL)
        return JY_ERROR;
    for (j = 0; j < jy_db_res_rows(r); j++) {
        const char *id = jy_db_res_get(r, j, 1);
        int k;
        if (id == NULL) {
            problem(o, "tags", "%s: no tag \"%s\" (nor a synonym of one)", fname(o, v->d),
                    jy_db_res_get(r, j, 0));
            continue;
        }
        for (k = 0; k < o->ntag_ids; k++)
            if (o->tag_ids[k] == atoll(id))
                break;
        if (k == o->ntag_ids)
            o->tag_ids[o->ntag_ids++] = atoll(id); /* a synonym and its tag count once */
    }
    return JY_OK;
}


/* ---- sanitising the body --------------------------------------------------------------------- */

_Static_assert(JY_ITEM_BODY_MAX <= JY_SANITIZE_MAX_INPUT,
               "a body the sanitiser refuses as too large");

/*
 * Every body passes through the allowlist sanitiser (sanitize.h) on its way
 * in: *out gets the clean HTML, res->removed what was taken out, as the
 * editor is to be told. A body the sanitiser refuses (not UTF-8, too many
 * tags) is a problem of the field.
 */
static void
item_sanitize_body(struct op *o, struct val *v, struct jy_item_result *res)
{
    struct jy_buf out = JY_BUF_INIT(o->pool);
    struct jy_sanitize_report report;
    struct jy_err local = JY_ERR_INIT;
    int i, n;

    if (jy_sanitize_html(o->pool, v->text, strlen(v->text), &out, &report, &local) != JY_OK) {
        problem(o, v->d->field, "%s cannot be published: %s", fname(o, v->d), local.msg);
        return;
    }
    v->text = out.buf;
    v->empty = trim(o->pool, out.buf)[0] == '\0';
    if (res == NULL || report.n == 0)
        return;
    n = res->nremoved + report.n + (report.more ? 1 : 0);
    res->removed = jy_pool_realloc(o->pool, res->removed, (size_t) res->nremoved * sizeof(char *),
                                   (size_t) n * sizeof(char *));
    for (i = 0; i < report.n; i++)
        res->removed[res->nremoved++] = report.findings[i].message;
    if (report.more)
        res->removed[res->nremoved++] =
            jy_pool_printf(o->pool, "and %d more kinds of removals", report.more);
}


/* ---- writing --------------------------------------------------------------------------------- */

/* The SQL expression for the value of column field d, parameter $n, site $site_param. */
static const char *
value_sql(struct op *o, const struct fdef *d, int n, int site_param)
{
    const char *t = d->type;

    if (strcmp(t, "date") == 0)
        return jy_pool_printf(o->pool, "$%d::date", n);
    if (strcmp(t, "datetime") == 0)
        return jy_pool_printf(o->pool, "jy_site_time($%d, $%d::bigint)", n, site_param);
    if (strcmp(t, "int") == 0 || strcmp(t, "item") == 0)
        return jy_pool_printf(o->pool, "$%d::bigint", n);
    if (strcmp(t, "text[]") == 0)
        return jy_pool_printf(o->pool, "ARRAY(SELECT jsonb_array_elements_text($%d::jsonb))", n);
    if (strcmp(t, "json") == 0)
        return jy_pool_printf(o->pool, "$%d::jsonb", n);
    return jy_pool_printf(o->pool, "$%d", n);
}


/* A database error of a write, in the words of the field it is about. */
static void
explain_write_error(struct op *o, struct jy_err *err)
{
    if (err->code == JY_E_CONFLICT && strstr(err->msg, "item_doc_no_key")) {
        const char *doc = final_text(o, "doc_no"), *issuer = final_text(o, "issuer");
        jy_err_set(err, JY_E_CONFLICT,
                   "文号 (doc_no) \"%s\" is already used by 发文机关 (issuer) \"%s\"",
                   doc ? doc : "", issuer ? issuer : "");
        jy_err_hint(err, "A 文号 is given once by its issuing organ: check the number, or edit "
                         "the document that has it.");
        jy_err_field(err, "doc_no");
    } else if (err->code == JY_E_CONFLICT && strstr(err->msg, "item_index_no_key")) {
        const char *ino = final_text(o, "index_no");
        jy_err_set(err, JY_E_CONFLICT, "索引号 (index_no) \"%s\" is already used on this site",
                   ino ? ino : "");
        jy_err_hint(err, "Leave 索引号 empty to have the next number of the site's rule.");
        jy_err_field(err, "index_no");
    } else if (err->code == JY_E_FORBIDDEN) {
        jy_err_prefix(err, "you may not write this item");
    }
}


static void
add_param(const char **p, int *np, const char *v)
{
    JY_ASSERT(*np < MAX_PARAMS);
    p[(*np)++] = v;
}


/*
 * The items joined to id by interpretation links (either way), as an array
 * literal "{1,2}": taken before a write changes the links, so that the
 * revisions of the items that lose a link are brought up to date too.
 */
static const char *
linked_items(struct op *o, long long id, struct jy_err *err)
{
    const char *p[1] = {num(o->pool, id)};

    return jy_db_query_value(o->db, o->pool,
                             "SELECT coalesce(array_agg(x), '{}')::text FROM ("
                             " SELECT to_id AS x FROM item_relation WHERE from_id = $1::bigint"
                             "  AND kind = 'interprets' UNION"
                             " SELECT from_id FROM item_relation WHERE to_id = $1::bigint"
                             "  AND kind = 'interprets') s",
                             1, p, err);
}


/*
 * The end of a write (schema/0036_revision_links.sql): the revision this
 * transaction wrote for item id gets its tags, links and files as they are
 * now, or, when only those changed, the item gets a new revision; so do the
 * items linked to it now or before (before: an array literal or NULL).
 */
static int
sync_revisions(struct op *o, long long id, const char *before, struct jy_err *err)
{
    const char *p[2] = {num(o->pool, id), before ? before : "{}"};

    return query(o,
                 "SELECT jy_item_revision_sync(ARRAY[$1::bigint] || $2::bigint[]"
                 " || ARRAY(SELECT to_id FROM item_relation WHERE from_id = $1::bigint"
                 "          AND kind = 'interprets')"
                 " || ARRAY(SELECT from_id FROM item_relation WHERE to_id = $1::bigint"
                 "          AND kind = 'interprets'))",
                 2, p, err)
               ? JY_OK
               : JY_ERROR;
}


/* Write tags (o->tag_ids) and links of the item: the given sets replace the old ones. */
static int
write_links(struct op *o, bool *changed, struct jy_err *err)
{
    const char *p[4];
    struct jy_db_res *r;
    int i;

    p[0] = num(o->pool, o->id);
    p[1] = num(o->pool, o->site_id);
    if ((i = kind_field(o, "tags")) >= 0 && o->v[i].given) {
        struct jy_buf ids = JY_BUF_INIT(o->pool);
        int k;
        jy_buf_add_char(&ids, '{');
        for (k = 0; k < o->ntag_ids; k++)
            jy_buf_addf(&ids, "%s%lld", k ? "," : "", o->tag_ids[k]);
        jy_buf_add_char(&ids, '}');
        p[2] = ids.buf;
        if ((r = query(o,
                       "DELETE FROM item_tag WHERE item_id = $1 AND $2::bigint > 0"
                       " AND NOT tag_id = ANY ($3::bigint[])",
                       3, p, err)) == NULL)
            return JY_ERROR;
        *changed |= jy_db_res_affected(r) > 0;
        if ((r = query(o,
                       "INSERT INTO item_tag (site_id, item_id, tag_id)"
                       " SELECT $2, $1, unnest($3::bigint[]) ON CONFLICT DO NOTHING",
                       3, p, err)) == NULL)
            return JY_ERROR;
        *changed |= jy_db_res_affected(r) > 0;
    }
    for (i = 0; i < o->k.n; i++) {
        const struct val *v = &o->v[i];
        if (!v->given || strcmp(v->d->storage, "relation") != 0)
            continue;
        p[2] = v->empty ? "[]" : v->text;
        p[3] = v->d->field;
        if ((r = query(o,
                       "DELETE FROM item_relation WHERE from_id = $1 AND $2::bigint > 0"
                       " AND kind = $4 AND NOT to_id IN"
                       " (SELECT x::bigint FROM jsonb_array_elements_text($3::jsonb) x)",
                       4, p, err)) == NULL)
            return JY_ERROR;
        *changed |= jy_db_res_affected(r) > 0;
        if ((r = query(o,
                       "INSERT INTO item_relation (site_id, from_id, to_id, kind, sort)"
                       " SELECT $2, $1, x::bigint, $4, o::integer"
                       " FROM jsonb_array_elements_text($3::jsonb) WITH ORDINALITY AS j (x, o)"
                       " ON CONFLICT DO NOTHING",
                       4, p, err)) == NULL)
            return JY_ERROR;
        *changed |= jy_db_res_affected(r) > 0;
    }
    return JY_OK;
}


/* Sanitise the given bodies in place (o->v), collecting the findings; refusals are problems. */
static void
sanitize(struct op *o, struct jy_item_result *res)
{
    int i;

    for (i = 0; i < o->k.n; i++) {
        struct val *v = &o->v[i];
        if (v->given && !v->empty && strcmp(v->d->type, "html") == 0)
            item_sanitize_body(o, v, res);
    }
}


static int
create_run(struct op *o, const struct jy_item_spec *spec, struct jy_item_result *res,
           struct jy_err *err)
{
    const char *p[MAX_PARAMS];
    struct jy_buf cols = JY_BUF_INIT(o->pool), vals = JY_BUF_INIT(o->pool);
    struct jy_buf meta = JY_BUF_INIT(o->pool);
    struct jy_db_res *r;
    const char *index_no, *can;
    int np = 0, i, nmeta = 0;
    bool changed = false;

    if (jy_site_resolve(o->db, o->pool, spec->site, "site", &o->site_id, err) != JY_OK)
        return JY_ERROR;
    if (load_defs(o, spec->kind ? spec->kind : "", err) != JY_OK)
        return JY_ERROR;
    p[0] = num(o->pool, o->site_id);
    can = jy_db_query_value(o->db, o->pool,
                            "SELECT NOT row_security_active('item')"
                            " OR $1::bigint = ANY (jy_perm_sites('item.write', false))",
                            1, p, err);
    if (can == NULL)
        return JY_ERROR;
    if (strcmp(can, "t") != 0) {
        jy_err_set(err, JY_E_FORBIDDEN, "you may not create items on site \"%s\"", spec->site);
        jy_err_hint(err, "Writing items needs item.write on the site or on one of its columns.");
        jy_err_field(err, "site");
        return JY_ERROR;
    }

    check_fields(o, spec->fields, false);
    if (check_item(o, err) != JY_OK || resolve_tags(o, err) != JY_OK)
        return JY_ERROR;
    /* an index number drawn by a rule that needs the subject needs the subject */
    if (final_text(o, "index_no") == NULL && final_text(o, "subject") == NULL) {
        const char *rule = jy_db_query_value(o->db, o->pool, "SELECT jy_index_rule($1)", 1, p, err);
        if (rule == NULL)
            return JY_ERROR;
        if (strstr(rule, "{subject}"))
            problem(o, "subject", "索引号 rule \"%s\" of this site needs 主题分类 (subject)", rule);
    }
    sanitize(o, res);
    if (o->nproblems)
        return problems_to_err(o, res, err);

    /* $1 site, $2 kind, then the values */
    add_param(p, &np, num(o->pool, o->site_id));
    add_param(p, &np, o->k.code);
    index_no = final_text(o, "index_no");
    if (index_no == NULL) {
        const char *q[4] = {p[0], o->k.code, final_text(o, "subject"), final_text(o, "publish_at")};
        index_no = jy_db_query_value(o->db, o->pool,
                                     "SELECT jy_item_index_no($1, $2, $3,"
                                     " CASE WHEN $4::text IS NULL THEN NULL"
                                     " ELSE jy_site_time($4, $1) END)",
                                     4, q, err);
        if (index_no == NULL) {
            if (err->code == JY_E_NONE)
                jy_err_set(err, JY_E_INTERNAL, "no index number was drawn");
            return JY_ERROR;
        }
    }
    jy_buf_add_str(&cols, "site_id, kind, index_no, updated_by");
    add_param(p, &np, index_no);
    jy_buf_add_str(&vals, "$1, $2, $3, jy_actor()");
    for (i = 0; i < o->k.n; i++) {
        const struct val *v = &o->v[i];
        if (!v->given || v->empty || strcmp(v->d->field, "index_no") == 0)
            continue;
        if (strcmp(v->d->storage, "metadata") == 0) {
            jy_buf_addf(&meta, "%s", nmeta++ ? "," : "{");
            jy_buf_add_json_str(&meta, v->d->field, strlen(v->d->field));
            jy_buf_addf(&meta, ":%s", v->json);
            continue;
        }
        if (strcmp(v->d->storage, "column") != 0)
            continue;
        add_param(p, &np, v->text);
        jy_buf_addf(&cols, ", %s", v->d->field);
        jy_buf_addf(&vals, ", %s", value_sql(o, v->d, np, 1));
    }
    if (nmeta) {
        jy_buf_add_char(&meta, '}');
        add_param(p, &np, meta.buf);
        jy_buf_add_str(&cols, ", metadata");
        jy_buf_addf(&vals, ", $%d::jsonb", np);
    }
    if (o->fill_validity_on) {
        jy_buf_add_str(&cols, ", validity_on");
        jy_buf_add_str(&vals,
                       ", (now() AT TIME ZONE (SELECT time_zone FROM site WHERE id = $1))::date");
    }
    r = query(o,
              jy_pool_printf(o->pool, "INSERT INTO item (%s) VALUES (%s) RETURNING id, revision",
                             cols.buf, vals.buf),
              np, p, err);
    if (r == NULL) {
        explain_write_error(o, err);
        return JY_ERROR;
    }
    o->id = atoll(jy_db_res_get(r, 0, 0));
    if (write_links(o, &changed, err) != JY_OK)
        return JY_ERROR;
    if (res) {
        res->id = o->id;
        res->revision = atoi(jy_db_res_get(r, 0, 1));
        res->changed = true;
        res->index_no = index_no;
    }
    if (spec->nplaces > 0 &&
        jy_placement_place_in_tx(o->db, o->pool, o->id, spec->places, spec->nplaces,
                                 res ? &res->placed : NULL, err) != JY_OK)
        return JY_ERROR;
    if (res && spec->nplaces > 0)
        res->nplaced = spec->nplaces;
    return sync_revisions(o, o->id, NULL, err);
}


static void
op_init(struct op *o, struct jy_db *db, struct jy_pool *pool)
{
    memset(o, 0, sizeof(*o));
    o->db = db;
    o->pool = pool;
}


int
jy_item_create(struct jy_db *db, struct jy_pool *pool, const struct jy_item_spec *spec,
               struct jy_item_result *res, struct jy_err *err)
{
    struct op o;
    int rc;

    op_init(&o, db, pool);
    if (res)
        memset(res, 0, sizeof(*res));
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = create_run(&o, spec, res, err);
    if (rc != JY_OK) {
        jy_db_rollback(db);
        return rc;
    }
    return jy_db_commit(db, err);
}


/* Load the item for a change: its kind, site and row; NOT_FOUND when invisible. */
static int
load_current(struct op *o, long long id, const char *lock, struct jy_err *err)
{
    const char *p[1] = {num(o->pool, id)};
    struct jy_db_res *r;
    const char *row;

    r = query(o,
              jy_pool_printf(o->pool,
                             "SELECT kind, site_id, to_jsonb(i)::text, revision"
                             " FROM item i WHERE id = $1%s",
                             lock),
              1, p, err);
    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "item %lld does not exist", id);
        jy_err_hint(err, "Or it is a draft of a site you may not read.");
        jy_err_field(err, "id");
        return JY_ERROR;
    }
    o->id = id;
    o->site_id = atoll(jy_db_res_get(r, 0, 1));
    row = jy_db_res_get(r, 0, 2);
    if (load_defs(o, jy_db_res_get(r, 0, 0), err) != JY_OK)
        return JY_ERROR;
    o->current = jy_json_parse(o->pool, row, strlen(row), err);
    return o->current ? JY_OK : JY_ERROR;
}


static int
update_run(struct op *o, long long id, const cJSON *fields, const char *note,
           struct jy_item_result *res, struct jy_err *err)
{
    const char *p[MAX_PARAMS];
    struct jy_buf set = JY_BUF_INIT(o->pool), meta = JY_BUF_INIT(o->pool);
    struct jy_buf drop = JY_BUF_INIT(o->pool);
    struct jy_db_res *r;
    const char *linked;
    int np = 0, i, nmeta = 0, ndrop = 0, before;
    bool changed = false;

    if (load_current(o, id, "", err) != JY_OK)
        return JY_ERROR;
    before = (int) cJSON_GetObjectItemCaseSensitive(o->current, "revision")->valuedouble;
    if ((linked = linked_items(o, id, err)) == NULL)
        return JY_ERROR;
    check_fields(o, fields, true);
    if (check_item(o, err) != JY_OK || resolve_tags(o, err) != JY_OK)
        return JY_ERROR;
    sanitize(o, res);
    if (o->nproblems)
        return problems_to_err(o, res, err);

    add_param(p, &np, num(o->pool, o->id));
    add_param(p, &np, num(o->pool, o->site_id));
    jy_buf_add_str(&set, "updated_by = jy_actor()");
    for (i = 0; i < o->k.n; i++) {
        const struct val *v = &o->v[i];
        if (!v->given)
            continue;
        if (strcmp(v->d->storage, "metadata") == 0) {
            if (v->empty) {
                jy_buf_addf(&drop, "%s", ndrop++ ? "," : "[");
                jy_buf_add_json_str(&drop, v->d->field, strlen(v->d->field));
            } else {
                jy_buf_addf(&meta, "%s", nmeta++ ? "," : "{");
                jy_buf_add_json_str(&meta, v->d->field, strlen(v->d->field));
                jy_buf_addf(&meta, ":%s", v->json);
            }
            continue;
        }
        if (strcmp(v->d->storage, "column") != 0)
            continue;
        if (v->empty) {
            /* keywords is NOT NULL DEFAULT '{}': empty, not NULL */
            jy_buf_addf(&set, ", %s = %s", v->d->field,
                        strcmp(v->d->type, "text[]") == 0 ? "'{}'" : "NULL");
            continue;
        }
        add_param(p, &np, v->text);
        jy_buf_addf(&set, ", %s = %s", v->d->field, value_sql(o, v->d, np, 2));
    }
    if (nmeta || ndrop) {
        jy_buf_add_str(&meta, nmeta ? "}" : "{}");
        jy_buf_add_str(&drop, ndrop ? "]" : "[]");
        add_param(p, &np, meta.buf);
        add_param(p, &np, drop.buf);
        jy_buf_addf(&set,
                    ", metadata = (metadata || $%d::jsonb)"
                    " - ARRAY(SELECT jsonb_array_elements_text($%d::jsonb))",
                    np - 1, np);
    }
    if (o->fill_validity_on)
        jy_buf_add_str(&set, ", validity_on = (now() AT TIME ZONE"
                             " (SELECT time_zone FROM site WHERE id = $2::bigint))::date");
    if (o->clear_validity_by)
        jy_buf_add_str(&set, ", validity_by = NULL");
    if (note && note[0]) {
        const char *q[1] = {note};
        if (query(o, "SELECT set_config('jy.revision_note', $1, true)", 1, q, err) == NULL)
            return JY_ERROR;
    }
    r = query(o,
              jy_pool_printf(o->pool,
                             "UPDATE item SET %s WHERE id = $1 AND site_id = $2"
                             " RETURNING revision, index_no",
                             set.buf),
              np, p, err);
    if (r == NULL) {
        explain_write_error(o, err);
        return JY_ERROR;
    }
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_FORBIDDEN, "you may not change item %lld", id);
        jy_err_hint(err, "Changing an item needs item.write on its site, or on a column it is "
                         "placed in for items you wrote.");
        jy_err_field(err, "id");
        return JY_ERROR;
    }
    if (write_links(o, &changed, err) != JY_OK || sync_revisions(o, o->id, linked, err) != JY_OK)
        return JY_ERROR;
    if (res) {
        const char *q[1] = {num(o->pool, o->id)};
        const char *now = jy_db_query_value(
            o->db, o->pool, "SELECT revision FROM item WHERE id = $1::bigint", 1, q, err);
        if (now == NULL)
            return JY_ERROR;
        res->id = o->id;
        res->revision = atoi(now);
        res->index_no = jy_db_res_get(r, 0, 1);
        res->changed = changed || res->revision != before;
    }
    return JY_OK;
}


int
jy_item_update(struct jy_db *db, struct jy_pool *pool, long long id, const struct cJSON *fields,
               const char *note, struct jy_item_result *res, struct jy_err *err)
{
    struct op o;
    int rc;

    op_init(&o, db, pool);
    if (res)
        memset(res, 0, sizeof(*res));
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = update_run(&o, id, fields, note, res, err);
    if (rc != JY_OK) {
        jy_db_rollback(db);
        return rc;
    }
    return jy_db_commit(db, err);
}


/* ---- reading --------------------------------------------------------------------------------- */

static struct cJSON *
get_run(struct jy_db *db, struct jy_pool *pool, long long id, struct jy_err *err)
{
    static const char sql[] =
        "SELECT (jsonb_build_object("
        "  'id', i.id, 'kind', i.kind, 'kind_name', k.name, 'revision', i.revision,"
        "  'site', jsonb_build_object('id', s.id, 'code', s.code, 'name', s.name),"
        "  'created_at', i.created_at, 'updated_at', i.updated_at)"
        " || (to_jsonb(i) - '{id,site_id,kind,revision,created_at,updated_at,created_by,"
        "updated_by}'::text[])"
        " || jsonb_build_object("
        "  'validity_label', (SELECT v.label FROM item_vocab v"
        "                      WHERE v.vocab = 'validity' AND v.value = i.validity),"
        "  'tags', coalesce((SELECT jsonb_agg(t.name ORDER BY t.name) FROM item_tag it"
        "                    JOIN tag t ON t.id = it.tag_id WHERE it.item_id = i.id), '[]'),"
        "  'interprets', coalesce((SELECT jsonb_agg(jsonb_build_object('id', r.to_id,"
        "      'title', d.title, 'doc_no', d.doc_no) ORDER BY r.sort, r.to_id)"
        "    FROM item_relation r LEFT JOIN item d ON d.id = r.to_id"
        "    WHERE r.from_id = i.id AND r.kind = 'interprets'), '[]'),"
        "  'interpretations', coalesce((SELECT jsonb_agg(jsonb_build_object('id', r.from_id,"
        "      'title', x.title) ORDER BY r.from_id)"
        "    FROM item_relation r LEFT JOIN item x ON x.id = r.from_id"
        "    WHERE r.to_id = i.id AND r.kind = 'interprets'), '[]'),"
        "  'validity_by_item', (SELECT jsonb_build_object('id', b.id, 'title', b.title,"
        "      'doc_no', b.doc_no) FROM item b WHERE b.id = i.validity_by),"
        "  'changes', coalesce((SELECT jsonb_agg(jsonb_build_object('id', c.id, 'title', c.title,"
        "      'doc_no', c.doc_no, 'validity', c.validity) ORDER BY c.id)"
        "    FROM item c WHERE c.validity_by = i.id), '[]'),"
        "  'placements', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id,"
        "      'site', coalesce(ps.code, ps.id::text), 'site_name', ps.name, 'column', c.path,"
        "      'column_name', c.name, 'state', p.state, 'sort', p.sort,"
        "      'pinned_until', p.pinned_until, 'published_at', p.published_at,"
        "      'publish_at', p.publish_at, 'withdraw_at', p.withdraw_at)"
        "      ORDER BY ps.path, c.path)"
        "    FROM placement p JOIN site_column c ON c.id = p.column_id"
        "    JOIN site ps ON ps.id = p.site_id WHERE p.item_id = i.id), '[]')))::text"
        " FROM item i JOIN item_kind k ON k.code = i.kind JOIN site s ON s.id = i.site_id"
        " WHERE i.id = $1";
    const char *p[1] = {num(pool, id)};
    struct jy_err local = JY_ERR_INIT;
    const char *v = jy_db_query_value(db, pool, sql, 1, p, &local);

    if (v == NULL) {
        if (local.code != JY_E_NONE) {
            *err = local;
            return NULL;
        }
        jy_err_set(err, JY_E_NOT_FOUND, "item %lld does not exist", id);
        jy_err_hint(err, "Or it is a draft of a site you may not read.");
        jy_err_field(err, "id");
        return NULL;
    }
    return jy_json_parse(pool, v, strlen(v), err);
}


/*
 * Reads run in a transaction of their own, rolled back at the end: the
 * actor is set per transaction (db.h), and row-level security must see it.
 */
struct cJSON *
jy_item_get(struct jy_db *db, struct jy_pool *pool, long long id, struct jy_err *err)
{
    struct cJSON *j;

    if (jy_db_begin(db, err) != JY_OK)
        return NULL;
    j = get_run(db, pool, id, err);
    jy_db_rollback(db);
    return j;
}


int
jy_item_fields(struct jy_db *db, struct jy_pool *pool, const char *kind, struct jy_item_field **out,
               int *n, struct jy_err *err)
{
    struct op o;
    int i;

    op_init(&o, db, pool);
    if (load_defs(&o, kind, err) != JY_OK)
        return JY_ERROR;
    *out = jy_pool_new_array(pool, struct jy_item_field, (size_t) o.k.n + 1);
    for (i = 0; i < o.k.n; i++) {
        const struct fdef *d = &o.k.all[i];
        struct jy_item_field *f = &(*out)[i];
        f->field = d->field;
        f->type = d->type;
        f->storage = d->storage;
        f->label = d->label;
        f->vocabulary = d->vocabulary;
        f->pattern = d->pattern;
        f->required = d->required;
        f->max_length = d->max_length;
        f->values = d->values;
        f->labels = d->labels;
        f->nvalues = d->nvalues;
    }
    *n = o.k.n;
    return JY_OK;
}


/* ---- revisions ------------------------------------------------------------------------------- */

static int
revisions_run(struct jy_db *db, struct jy_pool *pool, long long id, struct jy_item_revision **out,
              int *n, struct jy_err *err)
{
    static const char sql[] =
        "SELECT r.rev, to_char(r.saved_at, 'YYYY-MM-DD HH24:MI:SSOF'), u.login, r.note,"
        " (SELECT string_agg(k, ',' ORDER BY w, k) FROM ("
        "   SELECT e.key AS k, 0 AS w FROM jsonb_each(r.data) e"
        "    WHERE p.data IS NULL OR p.data -> e.key IS DISTINCT FROM e.value"
        "   UNION ALL SELECT CASE l.key WHEN 'interpreted_by' THEN 'interpretations'"
        "     ELSE l.key END, 1 FROM jsonb_each(r.links) l"
        "    WHERE p.links IS NOT NULL AND p.links -> l.key IS DISTINCT FROM l.value) x)"
        " FROM item_revision r"
        " LEFT JOIN item_revision p ON p.item_id = r.item_id AND p.rev = r.rev - 1"
        " LEFT JOIN app_user u ON u.id = r.saved_by"
        " WHERE r.item_id = $1 ORDER BY r.rev";
    const char *p[1] = {num(pool, id)};
    struct jy_db_res *r;
    int i, rows;

    if (jy_db_query_value(db, pool, "SELECT 1 FROM item WHERE id = $1", 1, p, err) == NULL) {
        if (err->code != JY_E_NONE)
            return JY_ERROR;
        jy_err_set(err, JY_E_NOT_FOUND, "item %lld does not exist", id);
        jy_err_field(err, "id");
        return JY_ERROR;
    }
    if ((r = jy_db_query(db, pool, sql, 1, p, err)) == NULL)
        return JY_ERROR;
    rows = jy_db_res_rows(r);
    *out = jy_pool_new_array(pool, struct jy_item_revision, (size_t) rows + 1);
    for (i = 0; i < rows; i++) {
        struct jy_item_revision *v = &(*out)[i];
        v->rev = atoi(jy_db_res_get(r, i, 0));
        v->saved_at = jy_db_res_get(r, i, 1);
        v->saved_by = jy_db_res_get(r, i, 2);
        v->note = jy_db_res_get(r, i, 3);
        v->changed = jy_db_res_get(r, i, 4) ? jy_db_res_get(r, i, 4) : "";
    }
    *n = rows;
    return JY_OK;
}


int
jy_item_revisions(struct jy_db *db, struct jy_pool *pool, long long id,
                  struct jy_item_revision **out, int *n, struct jy_err *err)
{
    int rc;

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = revisions_run(db, pool, id, out, n, err);
    jy_db_rollback(db);
    return rc;
}


/* The data of revisions a and b of item id: *da, *db_ (cJSON objects in pool). */
/*
 * The links of a revision as an editor reads them: tag names, the linked
 * items with their titles, the interpretations of it, the files by name.
 */
#define LINKS_SHOWN                                                                            \
    "CASE WHEN r.links IS NULL THEN NULL ELSE jsonb_build_object("                             \
    " 'tags', (SELECT coalesce(jsonb_agg(coalesce(g.name, e.v ->> 'tag') ORDER BY e.o), '[]')" \
    "   FROM jsonb_array_elements(r.links -> 'tags') WITH ORDINALITY e (v, o)"                 \
    "   LEFT JOIN tag g ON g.id = (e.v ->> 'tag')::bigint),"                                   \
    " 'relations', (SELECT coalesce(jsonb_agg(jsonb_build_object('kind', e.v ->> 'kind',"      \
    "     'item', (e.v ->> 'to')::bigint, 'title', t.title) ORDER BY e.o), '[]')"              \
    "   FROM jsonb_array_elements(r.links -> 'relations') WITH ORDINALITY e (v, o)"            \
    "   LEFT JOIN item t ON t.id = (e.v ->> 'to')::bigint),"                                   \
    " 'interpretations', (SELECT coalesce(jsonb_agg(jsonb_build_object("                       \
    "     'item', (e.v ->> 'from')::bigint, 'title', t.title) ORDER BY e.o), '[]')"            \
    "   FROM jsonb_array_elements(r.links -> 'interpreted_by') WITH ORDINALITY e (v, o)"       \
    "   LEFT JOIN item t ON t.id = (e.v ->> 'from')::bigint),"                                 \
    " 'files', (SELECT coalesce(jsonb_agg(jsonb_build_object('file', left(f.sha256, 12),"      \
    "     'name', f.original_name, 'caption', e.v -> 'caption') ORDER BY e.o), '[]')"          \
    "   FROM jsonb_array_elements(r.links -> 'files') WITH ORDINALITY e (v, o)"                \
    "   LEFT JOIN file f ON f.id = (e.v ->> 'file')::bigint))::text END"

static int
load_revisions(struct op *o, long long id, int a, int b, cJSON **da, cJSON **dbv, cJSON **la,
               cJSON **lb, struct jy_err *err)
{
    const char *p[3] = {num(o->pool, id), num(o->pool, a), num(o->pool, b)};
    struct jy_db_res *r;
    int i, which;
    const char *kind = NULL;

    r = query(o,
              "SELECT r.rev, r.data::text, r.data ->> 'kind', " LINKS_SHOWN
              " FROM item_revision r WHERE r.item_id = $1 AND r.rev IN ($2::integer, $3::integer)",
              3, p, err);
    if (r == NULL)
        return JY_ERROR;
    *da = *dbv = *la = *lb = NULL;
    for (i = 0; i < jy_db_res_rows(r); i++) {
        const char *data = jy_db_res_get(r, i, 1), *links = jy_db_res_get(r, i, 3);
        cJSON *j = jy_json_parse(o->pool, data, strlen(data), err), *l = NULL;
        if (j == NULL)
            return JY_ERROR;
        if (links && (l = jy_json_parse(o->pool, links, strlen(links), err)) == NULL)
            return JY_ERROR;
        which = atoi(jy_db_res_get(r, i, 0));
        if (which == a) {
            *da = j;
            *la = l;
        }
        if (which == b) {
            *dbv = j;
            *lb = l;
        }
        kind = jy_db_res_get(r, i, 2);
    }
    if (*da == NULL || *dbv == NULL) {
        if (jy_db_query_value(o->db, o->pool, "SELECT 1 FROM item WHERE id = $1", 1, p, err) ==
            NULL) {
            if (err->code != JY_E_NONE)
                return JY_ERROR;
            jy_err_set(err, JY_E_NOT_FOUND, "item %lld does not exist", id);
            jy_err_field(err, "id");
            return JY_ERROR;
        }
        jy_err_set(err, JY_E_NOT_FOUND, "item %lld has no revision %d", id, *da ? b : a);
        jy_err_hint(err, "\"jiyue item revisions %lld\" lists them.", id);
        jy_err_field(err, "rev");
        return JY_ERROR;
    }
    return load_defs(o, kind ? kind : "article", err);
}


/* A field's label for the diff: this kind's, another kind's, or the name itself. */
static const char *
label_of(const struct op *o, const char *field)
{
    int i = kind_field(o, field);
    const struct fdef *d;

    if (i >= 0)
        return o->k.all[i].label;
    d = any_field(o, field);
    return d ? d->label : field;
}


static const char *
print_value(struct op *o, const cJSON *v)
{
    struct jy_buf b = JY_BUF_INIT(o->pool);

    if (v == NULL || cJSON_IsNull(v))
        return NULL;
    jy_json_print(v, &b);
    return b.buf;
}


struct changes {
    struct jy_item_change *v;
    int n, alloc;
};


static void
add_change(struct op *o, struct changes *c, const char *field, const char *label, const cJSON *a,
           const cJSON *b)
{
    struct jy_item_change *x;

    if ((a == NULL || cJSON_IsNull(a)) && (b == NULL || cJSON_IsNull(b)))
        return;
    if (a && b && cJSON_Compare(a, b, true))
        return;
    if (c->n == c->alloc) {
        int grow = c->alloc ? c->alloc * 2 : 16;
        c->v = jy_pool_realloc(o->pool, c->v, (size_t) c->alloc * sizeof(*c->v),
                               (size_t) grow * sizeof(*c->v));
        c->alloc = grow;
    }
    x = &c->v[c->n++];
    memset(x, 0, sizeof(*x));
    x->field = field;
    x->label = label;
    x->before = print_value(o, a);
    x->after = print_value(o, b);
    if (strcmp(field, "body") == 0)
        jy_diff_paragraphs(o->pool, cJSON_IsString(a) ? a->valuestring : "",
                           cJSON_IsString(b) ? b->valuestring : "", &x->lines, &x->nlines);
}


static bool
seen(const struct changes *c, const char *field)
{
    int i;

    for (i = 0; i < c->n; i++)
        if (strcmp(c->v[i].field, field) == 0)
            return true;
    return false;
}


static int
diff_run(struct jy_db *db, struct jy_pool *pool, long long id, int rev_a, int rev_b,
         struct jy_item_change **out, int *n, struct jy_err *err)
{
    static const char *const links[4][2] = {{"tags", NULL},
                                            {"relations", "关联 (relations)"},
                                            {"interpretations", "解读 (interpretations)"},
                                            {"files", "文件 (files)"}};
    struct op o;
    cJSON *a, *b, *m, *ma, *mb, *la, *lb;
    struct changes c = {NULL, 0, 0};
    int i;

    op_init(&o, db, pool);
    if (load_revisions(&o, id, rev_a, rev_b, &a, &b, &la, &lb, err) != JY_OK)
        return JY_ERROR;
    /* the kind's column fields in their order, then its metadata, then anything else */
    for (i = 0; i < o.k.n; i++) {
        const struct fdef *d = &o.k.all[i];
        if (strcmp(d->storage, "column") == 0)
            add_change(&o, &c, d->field, d->label, cJSON_GetObjectItemCaseSensitive(a, d->field),
                       cJSON_GetObjectItemCaseSensitive(b, d->field));
    }
    ma = cJSON_GetObjectItemCaseSensitive(a, "metadata");
    mb = cJSON_GetObjectItemCaseSensitive(b, "metadata");
    for (i = 0; i < 2; i++) {
        const cJSON *side = i == 0 ? ma : mb;
        cJSON_ArrayForEach(m, side)
        {
            const char *f = jy_pool_printf(pool, "metadata.%s", m->string);
            if (seen(&c, f))
                continue;
            add_change(&o, &c, f, label_of(&o, m->string),
                       cJSON_GetObjectItemCaseSensitive(ma, m->string),
                       cJSON_GetObjectItemCaseSensitive(mb, m->string));
        }
    }
    for (i = 0; i < 2; i++) {
        const cJSON *side = i == 0 ? a : b;
        cJSON_ArrayForEach(m, side)
        {
            if (strcmp(m->string, "metadata") == 0 || seen(&c, m->string) ||
                (kind_field(&o, m->string) >= 0 &&
                 strcmp(o.k.all[kind_field(&o, m->string)].storage, "column") == 0))
                continue;
            add_change(&o, &c, m->string, label_of(&o, m->string),
                       cJSON_GetObjectItemCaseSensitive(a, m->string),
                       cJSON_GetObjectItemCaseSensitive(b, m->string));
        }
    }
    /* the state around the row, when both revisions recorded it (schema/0036) */
    for (i = 0; la && lb && i < 4; i++)
        add_change(&o, &c, links[i][0], links[i][1] ? links[i][1] : label_of(&o, links[i][0]),
                   cJSON_GetObjectItemCaseSensitive(la, links[i][0]),
                   cJSON_GetObjectItemCaseSensitive(lb, links[i][0]));
    *out = c.v;
    *n = c.n;
    return JY_OK;
}


int
jy_item_diff(struct jy_db *db, struct jy_pool *pool, long long id, int rev_a, int rev_b,
             struct jy_item_change **out, int *n, struct jy_err *err)
{
    int rc;

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = diff_run(db, pool, id, rev_a, rev_b, out, n, err);
    jy_db_rollback(db);
    return rc;
}


/* Add a line for the editor to res->removed (what a restore could not bring back). */
static void
note_line(struct op *o, struct jy_item_result *res, const char *line)
{
    if (res == NULL)
        return;
    res->removed = jy_pool_realloc(o->pool, res->removed, (size_t) res->nremoved * sizeof(char *),
                                   (size_t) (res->nremoved + 1) * sizeof(char *));
    res->removed[res->nremoved++] = line;
}


/*
 * Bring back the tags, links (both ways) and files of a revision
 * (links: its item_revision.links). Tags merged since are restored as the
 * tag they became; links to items and files that no longer exist cannot
 * come back and are named in res->removed. Links owned by interpretations
 * of sites the actor may not write are refused by row-level security: the
 * restore fails, naming them.
 */
static int
restore_links(struct op *o, long long id, const char *links, struct jy_item_result *res,
              struct jy_err *err)
{
    static const char *const steps[] = {
        /* tags: as they were, merged ones as the tag they became */
        "WITH t AS (SELECT DISTINCT ON (coalesce(g.merged_into, g.id))"
        "   coalesce(g.merged_into, g.id) AS tag, (e.v ->> 'sort')::smallint AS sort"
        "   FROM jsonb_array_elements($2::jsonb -> 'tags') WITH ORDINALITY e (v, o)"
        "   JOIN tag g ON g.id = (e.v ->> 'tag')::bigint ORDER BY coalesce(g.merged_into, g.id), e.o)"
        " DELETE FROM item_tag x WHERE x.item_id = $1::bigint"
        "  AND NOT EXISTS (SELECT 1 FROM t WHERE t.tag = x.tag_id AND t.sort = x.sort)",
        "WITH t AS (SELECT DISTINCT ON (coalesce(g.merged_into, g.id))"
        "   coalesce(g.merged_into, g.id) AS tag, (e.v ->> 'sort')::smallint AS sort"
        "   FROM jsonb_array_elements($2::jsonb -> 'tags') WITH ORDINALITY e (v, o)"
        "   JOIN tag g ON g.id = (e.v ->> 'tag')::bigint ORDER BY coalesce(g.merged_into, g.id), e.o)"
        " INSERT INTO item_tag (site_id, item_id, tag_id, sort)"
        " SELECT i.site_id, i.id, t.tag, t.sort FROM item i, t WHERE i.id = $1::bigint"
        " ON CONFLICT DO NOTHING",
        /* its own links */
        "DELETE FROM item_relation x WHERE x.from_id = $1::bigint AND NOT EXISTS ("
        " SELECT 1 FROM jsonb_array_elements($2::jsonb -> 'relations') e (v)"
        " WHERE (e.v ->> 'to')::bigint = x.to_id AND e.v ->> 'kind' = x.kind"
        "   AND (e.v ->> 'sort')::integer = x.sort)",
        "INSERT INTO item_relation (site_id, from_id, to_id, kind, sort)"
        " SELECT i.site_id, i.id, (e.v ->> 'to')::bigint, e.v ->> 'kind', (e.v ->> 'sort')::integer"
        " FROM item i, jsonb_array_elements($2::jsonb -> 'relations') e (v)"
        " WHERE i.id = $1::bigint AND jy_item_kind_of((e.v ->> 'to')::bigint) IS NOT NULL"
        " ON CONFLICT DO NOTHING",
        /* the interpretations of it: links their items own */
        "DELETE FROM item_relation x WHERE x.to_id = $1::bigint AND x.kind = 'interprets'"
        " AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements($2::jsonb -> 'interpreted_by') e (v)"
        "   WHERE (e.v ->> 'from')::bigint = x.from_id AND (e.v ->> 'sort')::integer = x.sort)"
        " AND EXISTS (SELECT 1 FROM item_relation y WHERE y.from_id = x.from_id"
        "   AND y.kind = 'interprets' AND y.to_id <> x.to_id)",
        "INSERT INTO item_relation (site_id, from_id, to_id, kind, sort)"
        " SELECT f.site_id, f.id, $1::bigint, 'interprets', (e.v ->> 'sort')::integer"
        " FROM jsonb_array_elements($2::jsonb -> 'interpreted_by') e (v)"
        " JOIN item f ON f.id = (e.v ->> 'from')::bigint"
        " ON CONFLICT DO NOTHING",
        /* files */
        "DELETE FROM item_file x WHERE x.item_id = $1::bigint AND NOT EXISTS ("
        " SELECT 1 FROM jsonb_array_elements($2::jsonb -> 'files') e (v)"
        " WHERE (e.v ->> 'file')::bigint = x.file_id AND (e.v ->> 'sort')::integer = x.sort"
        "   AND e.v ->> 'caption' IS NOT DISTINCT FROM x.caption)",
        "INSERT INTO item_file (site_id, item_id, file_id, sort, caption)"
        " SELECT i.site_id, i.id, (e.v ->> 'file')::bigint, (e.v ->> 'sort')::integer,"
        "        e.v ->> 'caption'"
        " FROM item i, jsonb_array_elements($2::jsonb -> 'files') e (v)"
        " WHERE i.id = $1::bigint AND jy_file_visible((e.v ->> 'file')::bigint)"
        " ON CONFLICT DO NOTHING",
    };
    const char *p[2] = {num(o->pool, id), links};
    struct jy_db_res *r;
    size_t k;
    int i;

    for (k = 0; k < JY_ARRAY_LEN(steps); k++)
        if (query(o, steps[k], 2, p, err) == NULL) {
            if (err->code == JY_E_FORBIDDEN)
                jy_err_prefix(err, "cannot bring back the links of item %lld", id);
            return JY_ERROR;
        }
    /* what could not come back: items and files gone, links other sites own */
    r = query(o,
              "SELECT 'link to item ' || (e.v ->> 'to') || ' (' || (e.v ->> 'kind') || ')'"
              "  || ' not restored: the item no longer exists'"
              " FROM jsonb_array_elements($2::jsonb -> 'relations') e (v)"
              " WHERE jy_item_kind_of((e.v ->> 'to')::bigint) IS NULL AND $1::bigint > 0"
              " UNION ALL"
              " SELECT 'interpretation ' || (e.v ->> 'from') || ' not linked again:'"
              "  || ' the item no longer exists or is not visible to you'"
              " FROM jsonb_array_elements($2::jsonb -> 'interpreted_by') e (v)"
              " WHERE NOT EXISTS (SELECT 1 FROM item f WHERE f.id = (e.v ->> 'from')::bigint)"
              " UNION ALL"
              " SELECT 'file ' || (e.v ->> 'file') || ' not restored: it was deleted'"
              "  || ' or is not visible to you'"
              " FROM jsonb_array_elements($2::jsonb -> 'files') e (v)"
              " WHERE NOT jy_file_visible((e.v ->> 'file')::bigint)",
              2, p, err);
    if (r == NULL)
        return JY_ERROR;
    for (i = 0; i < jy_db_res_rows(r); i++)
        note_line(o, res, jy_db_res_get(r, i, 0));
    /* interpretations that interpret nothing else keep their link (it is required) */
    r = query(o,
              "SELECT 'interpretation ' || x.from_id || ' still interprets this item: it"
              " interprets nothing else, and an interpretation needs a document'"
              " FROM item_relation x"
              " WHERE x.to_id = $1::bigint AND x.kind = 'interprets'"
              " AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements($2::jsonb -> 'interpreted_by')"
              "   e (v) WHERE (e.v ->> 'from')::bigint = x.from_id)"
              " AND NOT EXISTS (SELECT 1 FROM item_relation y WHERE y.from_id = x.from_id"
              "   AND y.kind = 'interprets' AND y.to_id <> x.to_id)"
              " ORDER BY x.from_id",
              2, p, err);
    if (r == NULL)
        return JY_ERROR;
    for (i = 0; i < jy_db_res_rows(r); i++)
        note_line(o, res, jy_db_res_get(r, i, 0));
    /* links of interpretations the actor may not change stay: row-level security skipped them */
    r = query(o,
              "SELECT string_agg(x.from_id::text, ', ' ORDER BY x.from_id) FROM item_relation x"
              " WHERE x.to_id = $1::bigint AND x.kind = 'interprets'"
              " AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements($2::jsonb -> 'interpreted_by')"
              "   e (v) WHERE (e.v ->> 'from')::bigint = x.from_id)"
              " AND EXISTS (SELECT 1 FROM item_relation y WHERE y.from_id = x.from_id"
              "   AND y.kind = 'interprets' AND y.to_id <> x.to_id)",
              2, p, err);
    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_get(r, 0, 0)) {
        jy_err_set(err, JY_E_FORBIDDEN,
                   "cannot bring back the links of item %lld: interpretation %s, linked to it "
                   "since, belongs to a site whose items you may not change",
                   id, jy_db_res_get(r, 0, 0));
        jy_err_hint(err, "An editor of that site must remove the link first.");
        jy_err_field(err, "interpretations");
        return JY_ERROR;
    }
    return JY_OK;
}


static int
restore_run(struct op *o, long long id, int rev, struct jy_item_result *res, struct jy_err *err)
{
    const char *p[2], *data, *links, *linked;
    struct jy_db_res *r;
    struct jy_buf cols = JY_BUF_INIT(o->pool), sel = JY_BUF_INIT(o->pool);
    int i, before;

    if (load_current(o, id, "", err) != JY_OK)
        return JY_ERROR;
    before = (int) cJSON_GetObjectItemCaseSensitive(o->current, "revision")->valuedouble;
    if ((linked = linked_items(o, id, err)) == NULL)
        return JY_ERROR;
    p[0] = num(o->pool, id);
    p[1] = num(o->pool, rev);
    r = query(o,
              "SELECT data::text, links::text FROM item_revision WHERE item_id = $1"
              " AND rev = $2::integer",
              2, p, err);
    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "item %lld has no revision %d", id, rev);
        jy_err_hint(err, "\"jiyue item revisions %lld\" lists them.", id);
        jy_err_field(err, "rev");
        return JY_ERROR;
    }
    data = jy_db_res_get(r, 0, 0);
    links = jy_db_res_get(r, 0, 1);
    /* the item's content columns the revision holds (a column added since keeps its value) */
    p[1] = data;
    r = query(o,
              "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 'item'::regclass"
              " AND a.attnum > 0 AND NOT a.attisdropped"
              " AND a.attname <> ALL ('{id,site_id,kind,revision,created_at,updated_at,"
              "created_by,updated_by}') AND $2::jsonb ? a.attname AND $1::bigint > 0"
              " ORDER BY a.attnum",
              2, p, err);
    if (r == NULL)
        return JY_ERROR;
    for (i = 0; i < jy_db_res_rows(r); i++) {
        const char *c = jy_db_res_get(r, i, 0);
        if (!ident_ok(c))
            JY_BUG("item column \"%s\" is not a plain identifier", c);
        jy_buf_addf(&cols, "%s%s", i ? ", " : "", c);
        jy_buf_addf(&sel, "%sr.%s", i ? ", " : "", c);
    }
    if (i == 0) {
        jy_err_set(err, JY_E_INTERNAL, "revision %d of item %lld holds no field", rev, id);
        return JY_ERROR;
    }
    {
        const char *q[1] = {jy_pool_printf(o->pool, "restored revision %d", rev)};
        if (query(o, "SELECT set_config('jy.revision_note', $1, true)", 1, q, err) == NULL)
            return JY_ERROR;
    }
    r = query(
        o,
        jy_pool_printf(o->pool,
                       "UPDATE item i SET (%s) = (SELECT %s FROM"
                       " jsonb_populate_record(NULL::item, $2::jsonb) r),"
                       " updated_by = jy_actor() WHERE i.id = $1 RETURNING revision, index_no",
                       cols.buf, sel.buf),
        2, p, err);
    if (r == NULL) {
        explain_write_error(o, err);
        jy_err_prefix(err, "cannot restore revision %d", rev);
        return JY_ERROR;
    }
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_FORBIDDEN, "you may not change item %lld", id);
        jy_err_field(err, "id");
        return JY_ERROR;
    }
    if (res)
        res->index_no = jy_db_res_get(r, 0, 1);
    if (links == NULL)
        note_line(o, res,
                  "tags, links and files not restored: this revision is older than their "
                  "recording (they stay as they are)");
    else if (restore_links(o, id, links, res, err) != JY_OK)
        return JY_ERROR;
    if (sync_revisions(o, id, linked, err) != JY_OK)
        return JY_ERROR;
    if (res) {
        const char *q[1] = {num(o->pool, id)};
        const char *now = jy_db_query_value(
            o->db, o->pool, "SELECT revision FROM item WHERE id = $1::bigint", 1, q, err);
        if (now == NULL)
            return JY_ERROR;
        res->id = id;
        res->revision = atoi(now);
        res->changed = res->revision != before;
    }
    return JY_OK;
}


int
jy_item_restore(struct jy_db *db, struct jy_pool *pool, long long id, int rev,
                struct jy_item_result *res, struct jy_err *err)
{
    struct op o;
    int rc;

    op_init(&o, db, pool);
    if (res)
        memset(res, 0, sizeof(*res));
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = restore_run(&o, id, rev, res, err);
    if (rc != JY_OK) {
        jy_db_rollback(db);
        return rc;
    }
    return jy_db_commit(db, err);
}


/* ---- links ----------------------------------------------------------------------------------- */

static int
link_run(struct op *o, long long interp, long long doc, bool add, struct jy_err *err)
{
    const char *p[2] = {num(o->pool, interp), num(o->pool, doc)};
    struct jy_db_res *r;
    const char *ik, *dk;

    r = query(o, "SELECT (SELECT kind FROM item WHERE id = $1), jy_item_kind_of($2)", 2, p, err);
    if (r == NULL)
        return JY_ERROR;
    ik = jy_db_res_get(r, 0, 0);
    dk = jy_db_res_get(r, 0, 1);
    if (ik == NULL || (add && dk == NULL)) {
        jy_err_set(err, JY_E_NOT_FOUND, "item %lld does not exist", ik == NULL ? interp : doc);
        jy_err_field(err, ik == NULL ? "interpretation" : "document");
        return JY_ERROR;
    }
    if (strcmp(ik, "interpretation") != 0) {
        jy_err_set(err, JY_E_INVALID, "item %lld is not a policy interpretation (it is %s)", interp,
                   ik);
        jy_err_field(err, "interpretation");
        return JY_ERROR;
    }
    if (add && strcmp(dk, "policy") != 0) {
        jy_err_set(err, JY_E_INVALID, "解读的文件 (interprets): item %lld is not a policy document",
                   doc);
        jy_err_field(err, "interprets");
        return JY_ERROR;
    }
    if (add)
        r = query(o,
                  "INSERT INTO item_relation (site_id, from_id, to_id, kind, sort)"
                  " SELECT site_id, id, $2, 'interprets',"
                  "  (SELECT coalesce(max(sort), 0) + 1 FROM item_relation"
                  "    WHERE from_id = $1 AND kind = 'interprets')"
                  " FROM item WHERE id = $1 ON CONFLICT DO NOTHING",
                  2, p, err);
    else
        r = query(o,
                  "DELETE FROM item_relation WHERE from_id = $1 AND to_id = $2"
                  " AND kind = 'interprets'",
                  2, p, err);
    if (r == NULL) {
        if (err->code == JY_E_FORBIDDEN)
            jy_err_prefix(err, "you may not change the links of item %lld", interp);
        return JY_ERROR;
    }
    return sync_revisions(o, interp, jy_pool_printf(o->pool, "{%lld}", doc), err);
}


int
jy_item_link(struct jy_db *db, struct jy_pool *pool, long long interpretation, long long document,
             bool add, struct jy_err *err)
{
    struct op o;
    int rc;

    op_init(&o, db, pool);
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = link_run(&o, interpretation, document, add, err);
    if (rc != JY_OK) {
        jy_db_rollback(db);
        return rc;
    }
    return jy_db_commit(db, err);
}


/* ---- paragraph diff -------------------------------------------------------------------------- */

/* Does s start with the ASCII word w, case-insensitively? */
static bool
starts_ci(const char *s, const char *w)
{
    return strncasecmp(s, w, strlen(w)) == 0;
}


/* Split HTML into its blocks: a block ends after a closing block tag, a <br> or a newline. */
static const char **
split_paragraphs(struct jy_pool *pool, const char *s, int *n)
{
    static const char *const ends[] = {"</p",   "</div", "</li", "</h1", "</h2",    "</h3",
                                       "</h4",  "</h5",  "</h6", "</tr", "</table", "</blockquote",
                                       "</pre", "</ul",  "</ol", "<br",  "<hr"};
    const char **v = NULL;
    int alloc = 0, count = 0;
    size_t start = 0, i = 0, len = strlen(s);

    for (;;) {
        size_t cut = (size_t) -1, next_start = 0, k;
        if (i >= len) {
            cut = len;
            next_start = len;
        } else if (s[i] == '\n') {
            cut = i;
            next_start = i + 1;
        } else if (s[i] == '<') {
            for (k = 0; k < JY_ARRAY_LEN(ends); k++) {
                size_t w = strlen(ends[k]);
                char after;
                if (!starts_ci(s + i, ends[k]))
                    continue;
                after = s[i + w];
                if (after != '>' && after != ' ' && after != '/' && after != '\t')
                    continue;
                {
                    const char *gt = strchr(s + i, '>');
                    cut = gt ? (size_t) (gt - s) + 1 : len;
                    next_start = cut;
                }
                break;
            }
        }
        if (cut != (size_t) -1) {
            const char *t = trim(pool, jy_pool_strndup(pool, s + start, cut - start));
            if (t[0]) {
                if (count == alloc) {
                    int grow = alloc ? alloc * 2 : 16;
                    v = jy_pool_realloc(pool, v, (size_t) alloc * sizeof(*v),
                                        (size_t) grow * sizeof(*v));
                    alloc = grow;
                }
                v[count++] = t;
            }
            if (next_start >= len)
                break;
            start = i = next_start;
            continue;
        }
        i++;
    }
    *n = count;
    return v;
}


void
jy_diff_paragraphs(struct jy_pool *pool, const char *a, const char *b, struct jy_diff_line **out,
                   int *n)
{
    int na, nb, pre = 0, suf = 0, i, j, k = 0, ma, mb;
    const char **pa = split_paragraphs(pool, a ? a : "", &na);
    const char **pb = split_paragraphs(pool, b ? b : "", &nb);
    struct jy_diff_line *v = jy_pool_new_array(pool, struct jy_diff_line, (size_t) na + nb + 1);
    uint32_t *t = NULL;

    while (pre < na && pre < nb && strcmp(pa[pre], pb[pre]) == 0)
        pre++;
    while (suf < na - pre && suf < nb - pre && strcmp(pa[na - 1 - suf], pb[nb - 1 - suf]) == 0)
        suf++;
    for (i = 0; i < pre; i++)
        v[k++] = (struct jy_diff_line){' ', pa[i]};
    ma = na - pre - suf;
    mb = nb - pre - suf;
    if ((size_t) (ma + 1) * (size_t) (mb + 1) <= JY_DIFF_MAX_CELLS)
        t = jy_pool_try_alloc(pool, (size_t) (ma + 1) * (size_t) (mb + 1) * sizeof(*t));
    if (t == NULL) {
        /* too big to compare: the middle was replaced */
        for (i = 0; i < ma; i++)
            v[k++] = (struct jy_diff_line){'-', pa[pre + i]};
        for (j = 0; j < mb; j++)
            v[k++] = (struct jy_diff_line){'+', pb[pre + j]};
    } else {
        /* t[i][j]: length of the LCS of the middles from i and j on */
#define T(x, y) t[(size_t) (x) * (size_t) (mb + 1) + (size_t) (y)]
        for (i = ma; i >= 0; i--) {
            for (j = mb; j >= 0; j--) {
                if (i == ma || j == mb)
                    T(i, j) = 0;
                else if (strcmp(pa[pre + i], pb[pre + j]) == 0)
                    T(i, j) = T(i + 1, j + 1) + 1;
                else
                    T(i, j) = T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
            }
        }
        i = j = 0;
        while (i < ma || j < mb) {
            if (i < ma && j < mb && strcmp(pa[pre + i], pb[pre + j]) == 0) {
                v[k++] = (struct jy_diff_line){' ', pa[pre + i]};
                i++;
                j++;
            } else if (i < ma && (j == mb || T(i + 1, j) >= T(i, j + 1))) {
                /* removals before additions, as diff(1) shows them */
                v[k++] = (struct jy_diff_line){'-', pa[pre + i]};
                i++;
            } else {
                v[k++] = (struct jy_diff_line){'+', pb[pre + j]};
                j++;
            }
        }
#undef T
    }
    for (i = 0; i < suf; i++)
        v[k++] = (struct jy_diff_line){' ', pa[na - suf + i]};
    *out = v;
    *n = k;
}


/* ---- index number rules ---------------------------------------------------------------------- */

int
jy_item_index_rule_check(const char *rule, struct jy_err *err)
{
    static const char *const parts[] = {"site_code", "admin_code", "org_code", "subject", "kind",
                                        "yyyy",      "yy",         "mm",       "dd"};
    const char *s = rule;
    size_t chr = 1, k;
    int seqs = 0;

    if (rule == NULL || rule[0] == '\0' || strlen(rule) > 128) {
        jy_err_set(err, JY_E_INVALID, "index rule must be 1 to 128 characters");
        jy_err_field(err, "index_rule");
        return JY_ERROR;
    }
    while (*s) {
        if (*s == '{') {
            const char *end = strchr(s, '}');
            size_t n = end ? (size_t) (end - s - 1) : 0;
            bool ok = false;
            if (end) {
                for (k = 0; k < JY_ARRAY_LEN(parts); k++)
                    if (strlen(parts[k]) == n && strncmp(s + 1, parts[k], n) == 0)
                        ok = true;
                if (n >= 3 && strncmp(s + 1, "seq", 3) == 0) {
                    if (n == 3) {
                        ok = true;
                        seqs++;
                    } else if (s[4] == ':' && n >= 5 && n <= 6 && digits(s + 5, (int) n - 4) &&
                               atoi(s + 5) >= 1 && atoi(s + 5) <= 12) {
                        ok = true;
                        seqs++;
                    }
                }
            }
            if (!ok) {
                jy_err_set(err, JY_E_INVALID,
                           "index rule: unrecognized part \"%.*s\" at character %zu",
                           end ? (int) (end - s + 1) : (int) strlen(s), s, chr);
                jy_err_hint(err, "Parts: {site_code} {admin_code} {org_code} {subject} {kind} "
                                 "{yyyy} {yy} {mm} {dd} {seq} {seq:N} (N 1 to 12).");
                jy_err_field(err, "index_rule");
                return JY_ERROR;
            }
            chr += (size_t) (end - s) + 1;
            s = end + 1;
            continue;
        }
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              *s == '/' || *s == '.' || *s == '_' || *s == '-')) {
            uint32_t cp;
            size_t l = jy_utf8_decode(s, strlen(s), &cp);
            jy_err_set(err, JY_E_INVALID,
                       "index rule: \"%.*s\" at character %zu cannot be in an index number",
                       l ? (int) l : 1, s, chr);
            jy_err_hint(err,
                        "An index number holds letters, digits, \"/\", \".\", \"_\" and \"-\".");
            jy_err_field(err, "index_rule");
            return JY_ERROR;
        }
        s++;
        chr++;
    }
    if (seqs != 1) {
        jy_err_set(err, JY_E_INVALID,
                   "index rule \"%s\" must hold {seq} exactly once, not %d times", rule, seqs);
        jy_err_hint(err, "{seq:4} numbers the items of a site and year: 0001, 0002 ...");
        jy_err_field(err, "index_rule");
        return JY_ERROR;
    }
    return JY_OK;
}


int
jy_item_index_rule_set(struct jy_db *db, struct jy_pool *pool, const char *site, const char *rule,
                       struct jy_err *err)
{
    const char *p[2];
    struct jy_db_res *r;
    long long id;

    if (rule && jy_item_index_rule_check(rule, err) != JY_OK)
        return JY_ERROR;
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if (jy_site_resolve(db, pool, site, "site", &id, err) != JY_OK)
        goto fail;
    p[0] = num(pool, id);
    p[1] = rule;
    r = jy_db_query(db, pool,
                    "UPDATE site SET settings = CASE WHEN $2::text IS NULL"
                    " THEN settings - 'index_rule'"
                    " ELSE jsonb_set(settings, '{index_rule}', to_jsonb($2::text)) END"
                    " WHERE id = $1",
                    2, p, err);
    if (r == NULL)
        goto fail;
    if (jy_db_res_affected(r) == 0) {
        jy_err_set(err, JY_E_FORBIDDEN, "you may not change the settings of site \"%s\"", site);
        jy_err_hint(err, "The index rule is a site setting: it needs site.manage.");
        jy_err_field(err, "site");
        goto fail;
    }
    return jy_db_commit(db, err);

fail:
    jy_db_rollback(db);
    return JY_ERROR;
}


int
jy_item_index_rule_get(struct jy_db *db, struct jy_pool *pool, const char *site, const char **rule,
                       bool *own, struct jy_err *err)
{
    const char *p[1];
    struct jy_db_res *r;
    long long id;

    if (jy_site_resolve(db, pool, site, "site", &id, err) != JY_OK)
        return JY_ERROR;
    p[0] = num(pool, id);
    r = jy_db_query(db, pool,
                    "SELECT jy_index_rule(id), settings ? 'index_rule' FROM site WHERE id = $1", 1,
                    p, err);
    if (r == NULL)
        return JY_ERROR;
    *rule = jy_db_res_get(r, 0, 0);
    if (own)
        *own = strcmp(jy_db_res_get(r, 0, 1), "t") == 0;
    return JY_OK;
}
