/*
 * topic.c - the sections of topic columns: parsing and checking them (the
 * JSON of site_column.settings -> 'sections', also what the CLI builds),
 * reading and replacing them; see topic.h.
 *
 * The stored form is exactly what jy_topic_sections_json() writes, and
 * the renderer parses it with jy_topic_sections_parse() again, so a
 * section that was accepted once renders the same way later.
 */
#include "core/compat.h"
#include "core/topic.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/placement.h"
#include "core/pool.h"
#include "core/tagexpr.h"
#include "core/utf8.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

static const char *const section_keys[] = {"name", "expr", "items", "more", NULL};


/* "section 2 ("工作动态")" in front of err's message. */
static int
section_error(struct jy_err *err, int pos, const char *name)
{
    if (name)
        jy_err_prefix(err, "section %d (\"%s\")", pos, name);
    else
        jy_err_prefix(err, "section %d", pos);
    return JY_ERROR;
}


/* A "more" target: a path of the site or an https:// URL, printable ASCII without blanks. */
static bool
more_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 500)
        return false;
    if (s[0] != '/' && strncmp(s, "https://", 8) != 0)
        return false;
    if (s[0] == '/' && s[1] == '/')
        return false; /* //host is another site, not a path */
    for (const char *p = s; *p; p++)
        if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f || *p == '"' || *p == '<' ||
            *p == '>' || *p == '\\')
            return false;
    return true;
}


int
jy_topic_sections_check(struct jy_pool *pool, struct jy_topic_section *v, int n, struct jy_err *err)
{
    if (n > JY_TOPIC_MAX_SECTIONS) {
        jy_err_set(err, JY_E_INVALID, "a topic has at most %d sections, not %d",
                   JY_TOPIC_MAX_SECTIONS, n);
        jy_err_field(err, "sections");
        return JY_ERROR;
    }
    for (int i = 0; i < n; i++) {
        struct jy_topic_section *s = &v[i];
        size_t chars;
        struct jy_buf norm = JY_BUF_INIT(pool);

        if (s->name == NULL || !jy_utf8_valid(s->name, strlen(s->name), NULL)) {
            jy_err_set(err, JY_E_INVALID, "a section needs a name (UTF-8 text)");
            jy_err_field(err, "name");
            return section_error(err, i + 1, NULL);
        }
        chars = jy_utf8_count(s->name, strlen(s->name));
        if (chars < 1 || chars > JY_TOPIC_NAME_CHARS || s->name[0] == ' ' ||
            s->name[strlen(s->name) - 1] == ' ') {
            jy_err_set(err, JY_E_INVALID,
                       "the name must have 1 to %d characters without blanks around, not %zu",
                       JY_TOPIC_NAME_CHARS, chars);
            jy_err_field(err, "name");
            return section_error(err, i + 1, NULL);
        }
        for (const char *p = s->name; *p; p++)
            if ((unsigned char) *p < 0x20) {
                jy_err_set(err, JY_E_INVALID, "the name holds a control character");
                jy_err_field(err, "name");
                return section_error(err, i + 1, NULL);
            }
        for (int k = 0; k < i; k++)
            if (strcmp(v[k].name, s->name) == 0) {
                jy_err_set(err, JY_E_INVALID, "the name is the name of section %d too", k + 1);
                jy_err_hint(err, "Each panel of a topic has a name of its own.");
                jy_err_field(err, "name");
                return section_error(err, i + 1, s->name);
            }
        if (s->expr == NULL || s->expr[0] == '\0') {
            jy_err_set(err, JY_E_INVALID, "a section needs a tag expression");
            jy_err_hint(err,
                        "Write tags joined by AND, OR, NOT and parentheses: 乡村振兴 AND 2026.");
            jy_err_field(err, "expr");
            return section_error(err, i + 1, s->name);
        }
        s->tags = jy_tagexpr_parse(pool, s->expr, strlen(s->expr), err);
        if (s->tags == NULL) {
            jy_err_field(err, "expr");
            return section_error(err, i + 1, s->name);
        }
        jy_tagexpr_format(s->tags, &norm);
        s->expr = norm.buf;
        if (s->items < 1 || s->items > JY_TOPIC_MAX_ITEMS) {
            jy_err_set(err, JY_E_INVALID, "a panel shows 1 to %d items, not %lld",
                       JY_TOPIC_MAX_ITEMS, s->items);
            jy_err_field(err, "items");
            return section_error(err, i + 1, s->name);
        }
        if (s->more && !more_ok(s->more)) {
            jy_err_set(err, JY_E_INVALID,
                       "\"more\" must be a path of the site (/zwgk/zwdt/) or an https:// URL, "
                       "not \"%.80s\"",
                       s->more);
            jy_err_field(err, "more");
            return section_error(err, i + 1, s->name);
        }
    }
    return JY_OK;
}


int
jy_topic_sections_parse(struct jy_pool *pool, const char *json, size_t len,
                        struct jy_topic_section **v, int *n, struct jy_err *err)
{
    cJSON *tree = jy_json_parse(pool, json, len, err);
    struct jy_json_node root, el;
    size_t count = 0;
    int i = 0;

    *v = NULL;
    *n = 0;
    if (tree == NULL)
        return JY_ERROR;
    if (!cJSON_IsArray(tree)) {
        jy_err_set(err, JY_E_INVALID,
                   "the sections must be a JSON array [{\"name\", \"expr\", ...}, ...]");
        jy_err_field(err, "sections");
        return JY_ERROR;
    }
    jy_json_root(&root, tree);
    if (jy_json_get_array(&root, NULL, true, &root, &count, err) != JY_OK)
        return JY_ERROR;
    if (count > JY_TOPIC_MAX_SECTIONS) {
        jy_err_set(err, JY_E_INVALID, "a topic has at most %d sections, not %zu",
                   JY_TOPIC_MAX_SECTIONS, count);
        jy_err_field(err, "sections");
        return JY_ERROR;
    }
    *v = jy_pool_new_array(pool, struct jy_topic_section, count + 1);
    for (jy_json_first(&root, &el); el.item; jy_json_next(&el), i++) {
        struct jy_json_node s = JY_JSON_ROOT(el.item);
        struct jy_topic_section *t = &(*v)[i];
        const char *name = NULL;

        t->items = JY_TOPIC_ITEMS;
        if (!cJSON_IsObject(el.item)) {
            jy_err_set(err, JY_E_INVALID,
                       "must be an object {\"name\", \"expr\", \"items\", "
                       "\"more\"}");
            return section_error(err, i + 1, NULL);
        }
        if (jy_json_get_str(&s, "name", false, &name, err) != JY_OK)
            return section_error(err, i + 1, NULL);
        if (jy_json_check_keys(&s, section_keys, err) != JY_OK ||
            jy_json_get_str(&s, "expr", false, &t->expr, err) != JY_OK ||
            jy_json_get_int(&s, "items", false, 1, JY_TOPIC_MAX_ITEMS, &t->items, err) != JY_OK ||
            jy_json_get_str(&s, "more", false, &t->more, err) != JY_OK)
            return section_error(err, i + 1, name);
        t->name = name;
    }
    *n = i;
    return jy_topic_sections_check(pool, *v, *n, err);
}


const char *
jy_topic_sections_json(struct jy_pool *pool, const struct jy_topic_section *v, int n)
{
    cJSON *arr = jy_json_new_array(pool);
    struct jy_buf b = JY_BUF_INIT(pool);

    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", v[i].name);
        cJSON_AddStringToObject(o, "expr", v[i].expr);
        cJSON_AddNumberToObject(o, "items", (double) v[i].items);
        if (v[i].more)
            cJSON_AddStringToObject(o, "more", v[i].more);
        cJSON_AddItemToArray(arr, o);
    }
    jy_json_print(arr, &b);
    return b.buf;
}


/* The character (from 1) where word first stands as a whole tag in expr, 0 if nowhere. */
static size_t
word_at(const char *expr, const char *word)
{
    size_t wl = strlen(word), chr = 1;

    for (const char *p = expr; *p;) {
        bool start = p == expr || p[-1] == ' ' || p[-1] == '(' || p[-1] == ')';
        if (start && strncmp(p, word, wl) == 0 &&
            (p[wl] == '\0' || p[wl] == ' ' || p[wl] == '(' || p[wl] == ')'))
            return chr;
        p++;
        chr += ((unsigned char) *p & 0xc0) != 0x80; /* a new character starts here */
    }
    return 0;
}


/* The column SITE:PATH, which must be a topic: *id gets it. */
static int
topic_column(struct jy_db *db, struct jy_pool *pool, const char *column, long long *id,
             const char **settings, struct jy_err *err)
{
    long long site_id;
    char sid[32];
    const char *params[1] = {sid};
    struct jy_db_res *r;

    if (jy_placement_resolve_column(db, pool, column, "column", id, &site_id, err) != JY_OK)
        return JY_ERROR;
    snprintf(sid, sizeof(sid), "%lld", *id);
    r = jy_db_query(db, pool,
                    "SELECT kind, name, coalesce(settings -> 'sections', '[]')::text "
                    "FROM site_column WHERE id = $1",
                    1, params, err);
    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "there is no column \"%s\"", column);
        return JY_ERROR;
    }
    if (strcmp(jy_db_res_get(r, 0, 0), "topic") != 0) {
        jy_err_set(err, JY_E_INVALID,
                   "column \"%s\" (%s) is a %s column: sections are for topic columns (专题)",
                   column, jy_db_res_get(r, 0, 1), jy_db_res_get(r, 0, 0));
        jy_err_field(err, "column");
        return JY_ERROR;
    }
    *settings = jy_pool_strdup(pool, jy_db_res_get(r, 0, 2));
    return JY_OK;
}


int
jy_topic_get(struct jy_db *db, struct jy_pool *pool, const char *column,
             struct jy_topic_section **v, int *n, struct jy_err *err)
{
    long long id;
    const char *json;

    if (topic_column(db, pool, column, &id, &json, err) != JY_OK)
        return JY_ERROR;
    if (jy_topic_sections_parse(pool, json, strlen(json), v, n, err) != JY_OK) {
        jy_err_prefix(err, "the stored sections of \"%s\"", column);
        return JY_ERROR;
    }
    return JY_OK;
}


int
jy_topic_set(struct jy_db *db, struct jy_pool *pool, const char *column, struct jy_topic_section *v,
             int n, struct jy_err *err)
{
    long long id;
    const char *old, *params[2];
    char cid[32];

    if (jy_topic_sections_check(pool, v, n, err) != JY_OK)
        return JY_ERROR;
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if (topic_column(db, pool, column, &id, &old, err) != JY_OK)
        goto fail;
    /* every tag must exist: a typo would make a panel that stays empty for ever */
    for (int i = 0; i < n; i++) {
        int ntags;
        const char *const *tags = jy_tagexpr_tags(v[i].tags, &ntags);
        for (int k = 0; k < ntags; k++) {
            const char *p1[1] = {tags[k]};
            struct jy_err e = JY_ERR_INIT;
            const char *t = jy_db_query_value(db, pool, "SELECT jy_tag_id($1)::text", 1, p1, &e);
            if (t == NULL && e.code != JY_E_NONE) {
                *err = e;
                goto fail;
            }
            if (t == NULL) {
                jy_err_set(err, JY_E_INVALID,
                           "tag expression: there is no tag \"%s\" (character %zu)", tags[k],
                           word_at(v[i].expr, tags[k]));
                jy_err_hint(err, "\"jiyue tag list\" shows the tags; \"jiyue tag add\" adds one.");
                jy_err_field(err, "expr");
                section_error(err, i + 1, v[i].name);
                goto fail;
            }
        }
    }
    snprintf(cid, sizeof(cid), "%lld", id);
    params[0] = cid;
    params[1] = jy_topic_sections_json(pool, v, n);
    {
        const char *done = jy_db_query_value(
            db, pool,
            "UPDATE site_column SET settings = CASE WHEN $2::jsonb = '[]'::jsonb "
            "THEN settings - 'sections' ELSE jsonb_set(settings, '{sections}', $2::jsonb) END "
            "WHERE id = $1 RETURNING id",
            2, params, err);
        if (done == NULL) {
            if (err->code == JY_E_NONE) {
                jy_err_set(err, JY_E_FORBIDDEN, "you may not change the column \"%s\"", column);
                jy_err_hint(err, "Changing a column needs the right column.manage on it.");
            }
            goto fail;
        }
    }
    return jy_db_commit(db, err);
fail:
    jy_db_rollback(db);
    return JY_ERROR;
}
