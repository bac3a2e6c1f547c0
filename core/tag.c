/*
 * tag.c - the tag vocabulary: add, synonyms, merge, resolve, list, and the
 * items a tag expression selects (tag.h).
 */
#include "core/compat.h"
#include "core/tag.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/site.h"
#include "core/tagexpr.h"
#include "core/utf8.h"


static const char *
num(struct jy_pool *pool, long long v)
{
    return jy_pool_printf(pool, "%lld", v);
}


/* A tag name or synonym: what tag_name_shape and tag expressions allow. */
static int
check_word(const char *w, const char *field, struct jy_err *err)
{
    size_t len = w ? strlen(w) : 0, chars, i;

    if (len == 0 || !jy_utf8_valid(w, len, NULL) || (chars = jy_utf8_count(w, len)) > 32) {
        jy_err_set(err, JY_E_INVALID, "%s \"%s\" must be 1 to 32 characters of UTF-8", field,
                   w ? w : "");
        jy_err_field(err, field);
        return JY_ERROR;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) w[i];
        if (c <= ' ' || c == '(' || c == ')' || c == '"' || c == '\'' || c == 0x7f ||
            (i + 2 < len && memcmp(w + i, "\xE3\x80\x80", 3) == 0)) {
            jy_err_set(err, JY_E_INVALID,
                       "%s \"%s\" cannot hold spaces, parentheses or quotes (tag expressions "
                       "would not read it)",
                       field, w);
            jy_err_field(err, field);
            return JY_ERROR;
        }
    }
    if (strcmp(w, "AND") == 0 || strcmp(w, "OR") == 0 || strcmp(w, "NOT") == 0) {
        jy_err_set(err, JY_E_INVALID, "%s cannot be \"%s\": it is an operator of tag expressions",
                   field, w);
        jy_err_field(err, field);
        return JY_ERROR;
    }
    return JY_OK;
}


/* Does the actor manage the vocabulary (platform admins; the system always)? */
static int
check_manager(struct jy_db *db, struct jy_pool *pool, struct jy_err *err)
{
    const char *v =
        jy_db_query_value(db, pool,
                          "SELECT NOT row_security_active('tag')"
                          " OR (SELECT id FROM site WHERE parent_id IS NULL AND level = 'platform')"
                          "    = ANY (jy_perm_sites('site.manage'))",
                          0, NULL, err);

    if (v == NULL)
        return JY_ERROR;
    if (strcmp(v, "t") != 0) {
        jy_err_set(err, JY_E_FORBIDDEN, "you may not change the tag vocabulary");
        jy_err_hint(err, "The vocabulary is the platform's: platform administrators manage it.");
        return JY_ERROR;
    }
    return JY_OK;
}


/* What word names now: *id 0 when nothing; *name, *is_name (the word is a tag's own name). */
static int
lookup(struct jy_db *db, struct jy_pool *pool, const char *word, long long *id, const char **name,
       bool *is_name, struct jy_err *err)
{
    const char *p[1] = {word};
    struct jy_db_res *r = jy_db_query(db, pool,
                                      "SELECT t.id, t.name, EXISTS (SELECT 1 FROM tag x"
                                      " WHERE x.name = $1 AND x.merged_into IS NULL)"
                                      " FROM tag t WHERE t.id = jy_tag_id($1)",
                                      1, p, err);

    if (r == NULL)
        return JY_ERROR;
    *id = jy_db_res_rows(r) ? atoll(jy_db_res_get(r, 0, 0)) : 0;
    if (name)
        *name = jy_db_res_rows(r) ? jy_db_res_get(r, 0, 1) : NULL;
    if (is_name)
        *is_name = jy_db_res_rows(r) && strcmp(jy_db_res_get(r, 0, 2), "t") == 0;
    return JY_OK;
}


static int
finish(struct jy_db *db, int rc, struct jy_err *err)
{
    if (rc != JY_OK) {
        jy_db_rollback(db);
        return rc;
    }
    return jy_db_commit(db, err);
}


static int
add_run(struct jy_db *db, struct jy_pool *pool, const char *name, const char *description,
        long long *id, struct jy_err *err)
{
    const char *p[2] = {name, description}, *other, *v;
    long long existing;

    if (check_word(name, "name", err) != JY_OK || check_manager(db, pool, err) != JY_OK ||
        lookup(db, pool, name, &existing, &other, NULL, err) != JY_OK)
        return JY_ERROR;
    if (existing) {
        if (strcmp(other, name) == 0)
            jy_err_set(err, JY_E_CONFLICT, "tag \"%s\" already exists", name);
        else
            jy_err_set(err, JY_E_CONFLICT, "\"%s\" already names tag \"%s\"", name, other);
        jy_err_field(err, "name");
        return JY_ERROR;
    }
    v = jy_db_query_value(db, pool,
                          "INSERT INTO tag (name, description) VALUES ($1, NULLIF($2, ''))"
                          " RETURNING id",
                          2, p, err);
    if (v == NULL)
        return JY_ERROR;
    if (id)
        *id = atoll(v);
    return JY_OK;
}


int
jy_tag_add(struct jy_db *db, struct jy_pool *pool, const char *name, const char *description,
           long long *id, struct jy_err *err)
{
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    return finish(db, add_run(db, pool, name, description, id, err), err);
}


static int
synonym_run(struct jy_db *db, struct jy_pool *pool, const char *tag, const char *synonym,
            struct jy_err *err)
{
    const char *p[2], *name, *other;
    long long id, existing;

    if (check_word(synonym, "synonym", err) != JY_OK || check_manager(db, pool, err) != JY_OK ||
        jy_tag_resolve(db, pool, tag, &id, &name, err) != JY_OK ||
        lookup(db, pool, synonym, &existing, &other, NULL, err) != JY_OK)
        return JY_ERROR;
    if (existing) {
        jy_err_set(err, JY_E_CONFLICT, "\"%s\" already names tag \"%s\"", synonym, other);
        jy_err_field(err, "synonym");
        return JY_ERROR;
    }
    p[0] = synonym;
    p[1] = num(pool, id);
    if (jy_db_query(db, pool, "INSERT INTO tag_synonym (synonym, tag_id) VALUES ($1, $2)", 2, p,
                    err) == NULL)
        return JY_ERROR;
    return JY_OK;
}


int
jy_tag_synonym_add(struct jy_db *db, struct jy_pool *pool, const char *tag, const char *synonym,
                   struct jy_err *err)
{
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    return finish(db, synonym_run(db, pool, tag, synonym, err), err);
}


int
jy_tag_resolve(struct jy_db *db, struct jy_pool *pool, const char *word, long long *id,
               const char **name, struct jy_err *err)
{
    if (lookup(db, pool, word ? word : "", id, name, NULL, err) != JY_OK)
        return JY_ERROR;
    if (*id == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "no tag \"%s\" (nor a synonym of one)", word ? word : "");
        jy_err_hint(err, "\"jiyue tag list\" shows the vocabulary; \"jiyue tag add\" adds a tag.");
        jy_err_field(err, "tag");
        return JY_ERROR;
    }
    return JY_OK;
}


static int
merge_run(struct jy_db *db, struct jy_pool *pool, const char *from, const char *into,
          struct jy_tag_merge_result *res, struct jy_err *err)
{
    const char *p[3], *from_name, *into_name, *v;
    long long from_id, into_id, total;
    struct jy_db_res *r;
    bool is_name;

    if (check_manager(db, pool, err) != JY_OK)
        return JY_ERROR;
    if (lookup(db, pool, from ? from : "", &from_id, &from_name, &is_name, err) != JY_OK)
        return JY_ERROR;
    if (from_id == 0 || !is_name) {
        if (from_id)
            jy_err_set(err, JY_E_INVALID,
                       "\"%s\" is not a tag but a word for tag \"%s\": name the tag to merge", from,
                       from_name);
        else
            jy_err_set(err, JY_E_NOT_FOUND, "no tag \"%s\"", from ? from : "");
        jy_err_field(err, "from");
        return JY_ERROR;
    }
    if (jy_tag_resolve(db, pool, into, &into_id, &into_name, err) != JY_OK) {
        jy_err_field(err, "into");
        return JY_ERROR;
    }
    if (from_id == into_id) {
        jy_err_set(err, JY_E_INVALID, "cannot merge tag \"%s\" into itself", from_name);
        jy_err_field(err, "into");
        return JY_ERROR;
    }
    p[0] = num(pool, from_id);
    p[1] = num(pool, into_id);
    p[2] = from_name;
    /* lock both, so that a concurrent merge or tagging waits */
    if (jy_db_query(db, pool, "SELECT id FROM tag WHERE id IN ($1, $2) ORDER BY id FOR UPDATE", 2,
                    p, err) == NULL)
        return JY_ERROR;
    v = jy_db_query_value(db, pool, "SELECT count(*) FROM item_tag WHERE tag_id = $1", 1, p, err);
    if (v == NULL)
        return JY_ERROR;
    total = atoll(v);
    r = jy_db_query(db, pool,
                    "WITH moved AS (INSERT INTO item_tag (site_id, item_id, tag_id)"
                    "  SELECT site_id, item_id, $2 FROM item_tag WHERE tag_id = $1"
                    "  ON CONFLICT DO NOTHING RETURNING 1)"
                    " SELECT count(*) FROM moved",
                    2, p, err);
    if (r == NULL)
        return JY_ERROR;
    res->items_moved = atoll(jy_db_res_get(r, 0, 0));
    res->items_already = total - res->items_moved;
    if (jy_db_query(db, pool, "DELETE FROM item_tag WHERE tag_id = $1", 1, p, err) == NULL)
        return JY_ERROR;
    r = jy_db_query(db, pool,
                    "WITH gone AS (DELETE FROM tag_synonym WHERE tag_id = $1 RETURNING synonym),"
                    " moved AS (INSERT INTO tag_synonym (synonym, tag_id)"
                    "  SELECT synonym, $2::bigint FROM gone UNION SELECT $3::text, $2::bigint"
                    "  ON CONFLICT DO NOTHING RETURNING 1)"
                    " SELECT count(*) FROM moved",
                    3, p, err);
    if (r == NULL)
        return JY_ERROR;
    res->synonyms_moved = atoll(jy_db_res_get(r, 0, 0));
    if (jy_db_query(db, pool, "UPDATE tag SET merged_into = $2 WHERE id = $1 OR merged_into = $1",
                    2, p, err) == NULL)
        return JY_ERROR;
    {
        const char *q[4] = {p[0], from_name, into_name,
                            jy_pool_printf(pool,
                                           "{\"items_moved\":%lld,\"items_already\":%lld,"
                                           "\"synonyms_moved\":%lld}",
                                           res->items_moved, res->items_already,
                                           res->synonyms_moved)};
        if (jy_db_query(db, pool,
                        "SELECT jy_audit('tag.merge', 'tag', $1, NULL,"
                        " jsonb_build_object('tag', $2::text),"
                        " jsonb_build_object('merged_into', $3::text) || $4::jsonb)",
                        4, q, err) == NULL)
            return JY_ERROR;
    }
    res->from_id = from_id;
    res->into_id = into_id;
    return JY_OK;
}


int
jy_tag_merge(struct jy_db *db, struct jy_pool *pool, const char *from, const char *into,
             struct jy_tag_merge_result *res, struct jy_err *err)
{
    struct jy_tag_merge_result local;

    if (res == NULL)
        res = &local;
    memset(res, 0, sizeof(*res));
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    return finish(db, merge_run(db, pool, from, into, res, err), err);
}


int
jy_tag_list(struct jy_db *db, struct jy_pool *pool, bool with_merged, struct jy_tag_info **out,
            int *n, struct jy_err *err)
{
    const char *p[1] = {with_merged ? "t" : "f"};
    struct jy_db_res *r;
    int i;

    r = jy_db_query(db, pool,
                    "SELECT t.id, t.name, t.description,"
                    " (SELECT string_agg(s.synonym, ',' ORDER BY s.synonym) FROM tag_synonym s"
                    "   WHERE s.tag_id = t.id),"
                    " m.name, (SELECT count(*) FROM item_tag it WHERE it.tag_id = t.id)"
                    " FROM tag t LEFT JOIN tag m ON m.id = t.merged_into"
                    " WHERE $1::boolean OR t.merged_into IS NULL ORDER BY t.name",
                    1, p, err);
    if (r == NULL)
        return JY_ERROR;
    *n = jy_db_res_rows(r);
    *out = jy_pool_new_array(pool, struct jy_tag_info, (size_t) *n + 1);
    for (i = 0; i < *n; i++) {
        struct jy_tag_info *t = &(*out)[i];
        t->id = atoll(jy_db_res_get(r, i, 0));
        t->name = jy_db_res_get(r, i, 1);
        t->description = jy_db_res_get(r, i, 2);
        t->synonyms = jy_db_res_get(r, i, 3) ? jy_db_res_get(r, i, 3) : "";
        t->merged_into = jy_db_res_get(r, i, 4);
        t->items = atoll(jy_db_res_get(r, i, 5));
    }
    return JY_OK;
}


static int
items_run(struct jy_db *db, struct jy_pool *pool, const char *expr, const char *site, int limit,
          long long **ids, int *n, struct jy_err *err)
{
    struct jy_tagexpr *e;
    struct jy_buf sql = JY_BUF_INIT(pool);
    const char *p[JY_TAGEXPR_MAX_TAGS + 2];
    const char *const *tags;
    struct jy_db_res *r;
    long long site_id = 0;
    int ntags, i;

    if (limit < 1 || limit > 10000) {
        jy_err_set(err, JY_E_INVALID, "limit %d is not between 1 and 10000", limit);
        jy_err_field(err, "limit");
        return JY_ERROR;
    }
    if ((e = jy_tagexpr_parse(pool, expr ? expr : "", expr ? strlen(expr) : 0, err)) == NULL)
        return JY_ERROR;
    if (site && jy_site_resolve(db, pool, site, "site", &site_id, err) != JY_OK)
        return JY_ERROR;
    /* $1 limit, $2 site (0: any), the tags from $3 */
    p[0] = num(pool, limit);
    p[1] = num(pool, site_id);
    jy_buf_add_str(&sql, "SELECT i.id FROM item i WHERE ($2::bigint = 0 OR i.site_id = $2) AND ");
    jy_tagexpr_to_sql(e, "i.id", 3, &sql);
    jy_buf_add_str(&sql, " ORDER BY i.publish_at DESC NULLS LAST, i.id DESC LIMIT $1::integer");
    tags = jy_tagexpr_tags(e, &ntags);
    for (i = 0; i < ntags; i++)
        p[2 + i] = tags[i];
    if ((r = jy_db_query(db, pool, sql.buf, 2 + ntags, p, err)) == NULL)
        return JY_ERROR;
    *n = jy_db_res_rows(r);
    *ids = jy_pool_new_array(pool, long long, (size_t) *n + 1);
    for (i = 0; i < *n; i++)
        (*ids)[i] = atoll(jy_db_res_get(r, i, 0));
    return JY_OK;
}


/* In a transaction of its own: the actor is set per transaction (db.h). */
int
jy_tag_items(struct jy_db *db, struct jy_pool *pool, const char *expr, const char *site, int limit,
             long long **ids, int *n, struct jy_err *err)
{
    int rc;

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = items_run(db, pool, expr, site, limit, ids, n, err);
    jy_db_rollback(db);
    return rc;
}
