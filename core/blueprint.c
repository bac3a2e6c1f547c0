/*
 * blueprint.c - read, check and apply site blueprints; see blueprint.h.
 */
#include "core/compat.h"
#include "core/blueprint.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"

#include <cjson/cJSON.h>

/* State of one load: where we are and what the tree holds so far. */
struct bp_check {
    struct jy_pool *pool;
    const char *path;
    const char **stds; /* standard codes seen, to refuse duplicates */
    int nstds, allocstds;
    int ncolumns, nreuse;
};

/* State of one apply. */
struct bp_apply {
    struct jy_db *db;
    struct jy_pool *scratch; /* reset for every column */
    const struct jy_blueprint *bp;
    long long site_id;
    const char *site_name;
    struct jy_blueprint_result *res;
};

static const char *const column_keys[] = {
    "code",        "std", "name", "kind",     "accepts", "update_days", "page_size", "in_nav",
    "description", "url", "body", "settings", "reuse",   "children",    NULL,
};
static const char *const reuse_keys[] = {"level", "std", "tags", "kinds", NULL};
static const char *const top_keys[] = {
    "blueprint", "version", "level", "title", "description", "theme", "columns", NULL,
};
static const char *const column_kinds[] = {"list", "page", "link", "topic", NULL};
static const char *const reuse_levels[] = {"province", "city", "county", "parent", NULL};
static const char *const site_levels[] = {"province", "city", "county", "department", NULL};

static int check_columns(struct bp_check *c, const struct jy_json_node *arr, int depth,
                         struct jy_err *err);


/* A URL path segment: [a-z0-9][a-z0-9_-]{0,63}, the rule of site_column_code_shape. */
static bool
code_ok(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > 64)
        return false;
    for (i = 0; i < n; i++) {
        char ch = s[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!alnum && (i == 0 || (ch != '_' && ch != '-')))
            return false;
    }
    return true;
}


/* A standard column code: dotted words of [a-z][a-z0-9]*, at most 8 of them. */
static bool
std_ok(const char *s)
{
    int words = 0;
    bool start = true;

    for (; *s; s++) {
        if (start) {
            if (*s < 'a' || *s > 'z')
                return false;
            start = false;
            words++;
        } else if (*s == '.') {
            start = true;
        } else if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))) {
            return false;
        }
    }
    return !start && words <= 8;
}


/* An item kind or other lower-case word: [a-z][a-z0-9_]* */
static bool
word_ok(const char *s)
{
    if (*s < 'a' || *s > 'z')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}


/* An optional array of lower-case words (item kinds). */
static int
check_words(const struct jy_json_node *node, const char *key, struct jy_err *err)
{
    struct jy_json_node arr, el;
    const char *s;

    if (jy_json_get_array(node, key, false, &arr, NULL, err) != JY_OK)
        return JY_ERROR;
    for (jy_json_first(&arr, &el); el.item; jy_json_next(&el)) {
        if (jy_json_get_str(&el, NULL, true, &s, err) != JY_OK)
            return JY_ERROR;
        if (!word_ok(s))
            return jy_json_error(err, &el, NULL,
                                 "must be an item kind such as \"policy\", not \"%s\"", s);
    }
    return JY_OK;
}


static int
check_reuse(struct bp_check *c, const struct jy_json_node *col, const char *kind,
            struct jy_err *err)
{
    struct jy_json_node reuse;
    const char *std, *tags;
    int level;

    if (jy_json_get_object(col, "reuse", false, &reuse, err) != JY_OK)
        return JY_ERROR;
    if (reuse.item == NULL)
        return JY_OK;
    c->nreuse++;
    if (jy_json_check_keys(&reuse, reuse_keys, err) != JY_OK ||
        jy_json_get_enum(&reuse, "level", true, reuse_levels, &level, err) != JY_OK ||
        jy_json_get_str(&reuse, "std", true, &std, err) != JY_OK ||
        jy_json_get_str_chars(&reuse, "tags", false, 1, 500, &tags, err) != JY_OK ||
        check_words(&reuse, "kinds", err) != JY_OK)
        return JY_ERROR;
    if (!std_ok(std))
        return jy_json_error(err, &reuse, "std",
                             "must be a standard column code such as \"zwgk.zcwj\", not \"%s\"",
                             std);
    if (strcmp(kind, "list") != 0 && strcmp(kind, "topic") != 0)
        return jy_json_error(err, col, "reuse", "is only for list and topic columns, not %s", kind);
    return JY_OK;
}


/* Check one column (node rooted at the column object) but not its children. */
static int
check_column(struct bp_check *c, const struct jy_json_node *col, struct jy_err *err)
{
    const char *code, *std, *name, *s;
    struct jy_json_node obj;
    long long n;
    bool b, is_link;
    int kind, i;

    if (jy_json_check_keys(col, column_keys, err) != JY_OK ||
        jy_json_get_str(col, "code", true, &code, err) != JY_OK ||
        jy_json_get_str(col, "std", true, &std, err) != JY_OK ||
        jy_json_get_str_chars(col, "name", true, 1, 100, &name, err) != JY_OK ||
        jy_json_get_enum(col, "kind", true, column_kinds, &kind, err) != JY_OK)
        return JY_ERROR;
    if (!code_ok(code))
        return jy_json_error(
            err, col, "code",
            "must be lower-case ASCII letters, digits, \"_\" or \"-\" (pinyin initials, at most 64), not \"%s\"",
            code);
    if (!std_ok(std))
        return jy_json_error(err, col, "std",
                             "must be a standard column code such as \"zwgk.zcwj\", not \"%s\"",
                             std);
    for (i = 0; i < c->nstds; i++)
        if (strcmp(c->stds[i], std) == 0)
            return jy_json_error(err, col, "std",
                                 "\"%s\" is used by another column of the blueprint", std);
    if (c->nstds == c->allocstds) {
        int na = c->allocstds ? 2 * c->allocstds : 64;
        c->stds = jy_pool_realloc(c->pool, c->stds, sizeof(*c->stds) * (size_t) c->allocstds,
                                  sizeof(*c->stds) * (size_t) na);
        c->allocstds = na;
    }
    c->stds[c->nstds++] = std;

    if (check_words(col, "accepts", err) != JY_OK ||
        jy_json_get_int(col, "update_days", false, 1, 3660, &n, err) != JY_OK ||
        jy_json_get_int(col, "page_size", false, 1, 200, &n, err) != JY_OK ||
        jy_json_get_bool(col, "in_nav", false, &b, err) != JY_OK ||
        jy_json_get_str(col, "description", false, &s, err) != JY_OK ||
        jy_json_get_str(col, "body", false, &s, err) != JY_OK ||
        jy_json_get_object(col, "settings", false, &obj, err) != JY_OK)
        return JY_ERROR;

    s = NULL;
    if (jy_json_get_str(col, "url", false, &s, err) != JY_OK)
        return JY_ERROR;
    is_link = strcmp(column_kinds[kind], "link") == 0;
    if (is_link && s == NULL)
        return jy_json_error(err, col, "url", "is required for a link column");
    if (s && !is_link)
        return jy_json_error(err, col, "url", "is only for link columns");
    if (s && strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0 && s[0] != '/')
        return jy_json_error(err, col, "url", "must start with http://, https:// or /, not \"%s\"",
                             s);
    if (jy_json_has(col, "body") && strcmp(column_kinds[kind], "page") != 0)
        return jy_json_error(err, col, "body", "is only for page columns");
    return check_reuse(c, col, column_kinds[kind], err);
}


static int
check_columns(struct bp_check *c, const struct jy_json_node *arr, int depth, struct jy_err *err)
{
    struct jy_json_node el, kids;

    if (depth > 8)
        return jy_json_error(err, arr, NULL, "nests columns deeper than 8 levels");
    for (jy_json_first(arr, &el); el.item; jy_json_next(&el)) {
        struct jy_json_node col = JY_JSON_ROOT(el.item), other;
        const char *name = NULL, *code = NULL;
        char where[200];

        c->ncolumns++;
        if (el.item->type != cJSON_Object)
            return jy_json_error(err, &el, NULL, "must be a column object");
        if (check_column(c, &col, err) != JY_OK)
            goto fail;
        /* sibling codes are unique: they are the URL */
        jy_json_get_str(&col, "code", true, &code, err);
        for (jy_json_first(arr, &other); other.item != el.item; jy_json_next(&other)) {
            const cJSON *oc = cJSON_GetObjectItemCaseSensitive(other.item, "code");
            if (cJSON_IsString(oc) && strcmp(oc->valuestring, code) == 0) {
                jy_json_error(err, &col, "code", "\"%s\" is used by a sibling column", code);
                goto fail;
            }
        }
        if (jy_json_get_array(&el, "children", false, &kids, NULL, err) != JY_OK)
            goto fail;
        if (kids.item && check_columns(c, &kids, depth + 1, err) != JY_OK)
            return JY_ERROR;
        continue;
    fail:
        /* name the column by its name, or by where it is when it has none */
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(el.item, "name")))
            name = cJSON_GetObjectItemCaseSensitive(el.item, "name")->valuestring;
        jy_json_path(&el, NULL, where, sizeof(where));
        if (name)
            jy_err_prefix(err, "%s: column \"%s\"", c->path, name);
        else
            jy_err_prefix(err, "%s: column %s", c->path, where);
        return JY_ERROR;
    }
    return JY_OK;
}


struct jy_blueprint *
jy_blueprint_load(struct jy_pool *pool, const char *path, struct jy_err *err)
{
    struct jy_blueprint *bp = jy_pool_new(pool, struct jy_blueprint);
    struct bp_check c = {pool, path, NULL, 0, 0, 0, 0};
    struct jy_json_node root, cols;
    const char *base, *s;
    size_t blen;
    int level;
    cJSON *tree;

    tree = jy_json_load_file(pool, path, err);
    if (tree == NULL)
        return NULL;
    jy_json_root(&root, tree);
    bp->path = jy_pool_strdup(pool, path);
    bp->theme = "default";
    if (jy_json_check_keys(&root, top_keys, err) != JY_OK ||
        jy_json_get_str(&root, "blueprint", true, &bp->name, err) != JY_OK ||
        jy_json_get_int(&root, "version", true, 1, 1000000, &bp->version, err) != JY_OK ||
        jy_json_get_enum(&root, "level", true, site_levels, &level, err) != JY_OK ||
        jy_json_get_str_chars(&root, "title", true, 1, 100, &bp->title, err) != JY_OK ||
        jy_json_get_str(&root, "description", false, &s, err) != JY_OK ||
        jy_json_get_str(&root, "theme", false, &bp->theme, err) != JY_OK ||
        jy_json_get_array(&root, "columns", true, &cols, NULL, err) != JY_OK) {
        jy_err_prefix(err, "%s", path);
        return NULL;
    }
    bp->level = site_levels[level];
    /* the name is the file's, so "blueprint": "county" is always county.json */
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    blen = strlen(bp->name);
    if (strncmp(base, bp->name, blen) != 0 || strcmp(base + blen, ".json") != 0) {
        jy_json_error(err, &root, "blueprint",
                      "must be the file name without \".json\", not \"%s\"", bp->name);
        jy_err_prefix(err, "%s", path);
        return NULL;
    }
    if (!code_ok(bp->theme)) {
        jy_json_error(err, &root, "theme", "must be a theme folder name, not \"%s\"", bp->theme);
        jy_err_prefix(err, "%s", path);
        return NULL;
    }
    if (check_columns(&c, &cols, 1, err) != JY_OK)
        return NULL;
    bp->columns = cols.item;
    bp->ncolumns = c.ncolumns;
    bp->nreuse = c.nreuse;
    return bp;
}


/* Decimal text of v, or NULL (SQL NULL) for 0. buf holds 24 bytes. */
static const char *
id_param(char *buf, long long v)
{
    if (v == 0)
        return NULL;
    snprintf(buf, 24, "%lld", v);
    return buf;
}


int
jy_column_ensure(struct jy_db *db, struct jy_pool *pool, const struct jy_column_def *def,
                 long long *id, bool *created, struct jy_err *err)
{
    /*
     * Insert unless (site, parent, code) is taken; in both cases one row
     * comes back with the id. An existing column is never updated: it may
     * carry an editor's changes.
     */
    static const char sql[] =
        "WITH ins AS ("
        " INSERT INTO site_column (site_id, parent_id, code, std_code, name, kind, sort,"
        "  page_size, accepts, update_days, url, body, description, in_nav, settings,"
        "  reuse_column_id, reuse_tag_filter, reuse_kinds, unit_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8::integer, 20),"
        "  ARRAY(SELECT jsonb_array_elements_text($9::jsonb)), $10, $11, $12, $13,"
        "  COALESCE($14::boolean, true), COALESCE($15::jsonb, '{}'), $16, $17,"
        "  ARRAY(SELECT jsonb_array_elements_text($18::jsonb)), $19)"
        " ON CONFLICT (site_id, (COALESCE(parent_id, 0)), code) DO NOTHING"
        " RETURNING id)"
        " SELECT id, true AS created FROM ins"
        " UNION ALL"
        " SELECT id, false FROM site_column"
        "  WHERE site_id = $1 AND COALESCE(parent_id, 0) = COALESCE($2::bigint, 0) AND code = $3"
        "  AND NOT EXISTS (SELECT 1 FROM ins)";
    char b_site[24], b_parent[24], b_sort[24], b_size[24], b_days[24], b_reuse[24], b_unit[24];
    const char *params[19];
    struct jy_db_res *res;

    snprintf(b_sort, sizeof(b_sort), "%d", def->sort);
    params[0] = id_param(b_site, def->site_id);
    params[1] = id_param(b_parent, def->parent_id);
    params[2] = def->code;
    params[3] = def->std_code;
    params[4] = def->name;
    params[5] = def->kind ? def->kind : "list";
    params[6] = b_sort;
    params[7] = id_param(b_size, def->page_size);
    params[8] = def->accepts;
    params[9] = id_param(b_days, def->update_days);
    params[10] = def->url;
    params[11] = def->body;
    params[12] = def->description;
    params[13] = def->in_nav < 0 ? NULL : def->in_nav ? "true" : "false";
    params[14] = def->settings;
    params[15] = id_param(b_reuse, def->reuse_column_id);
    params[16] = def->reuse_tags;
    params[17] = def->reuse_kinds;
    params[18] = id_param(b_unit, def->unit_id);
    res = jy_db_query(db, pool, sql, 19, params, err);
    if (res == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(res) != 1) {
        jy_err_set(err, JY_E_INTERNAL, "could not create column \"%s\"", def->code);
        return JY_ERROR;
    }
    *id = strtoll(jy_db_res_get(res, 0, 0), NULL, 10);
    *created = strcmp(jy_db_res_get(res, 0, 1), "t") == 0;
    return JY_OK;
}


/* Compact JSON text of member key of obj, or NULL when absent; lives in pool. */
static const char *
json_text(struct jy_pool *pool, const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    struct jy_buf b = JY_BUF_INIT(pool);

    if (v == NULL || cJSON_IsNull(v))
        return NULL;
    jy_json_print(v, &b);
    return b.buf;
}


static const char *
json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}


static long long
json_int(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? (long long) v->valuedouble : 0;
}


/*
 * The column of an ancestor site that a reusing column shows: the nearest
 * site above ours of the given level (or our parent) holding std.
 */
static int
resolve_reuse(struct bp_apply *a, const char *colname, const cJSON *reuse, long long *source,
              struct jy_err *err)
{
    static const char sql[] =
        "SELECT a.name, c.id FROM site s"
        "  JOIN site a ON a.id = ANY (s.path) AND a.id <> s.id AND a.kind = 'site'"
        "  LEFT JOIN site_column c ON c.site_id = a.id AND c.std_code = $3"
        " WHERE s.id = $1"
        "   AND CASE WHEN $2 = 'parent' THEN a.id = s.parent_id ELSE a.level = $2 END"
        " ORDER BY cardinality(a.path) DESC LIMIT 1";
    const char *level = json_str(reuse, "level"), *std = json_str(reuse, "std");
    char b_site[24];
    const char *params[3] = {id_param(b_site, a->site_id), level, std};
    struct jy_db_res *res = jy_db_query(a->db, a->scratch, sql, 3, params, err);

    if (res == NULL) {
        jy_err_prefix(err, "%s: site \"%s\": column \"%s\"", a->bp->path, a->site_name, colname);
        return JY_ERROR;
    }
    if (jy_db_res_rows(res) == 0) {
        jy_err_set(err, JY_E_INVALID,
                   "%s: site \"%s\": column \"%s\": there is no %s site above to reuse \"%s\" from",
                   a->bp->path, a->site_name, colname, level, std);
        jy_err_field(err, "reuse.level");
        return JY_ERROR;
    }
    if (jy_db_res_isnull(res, 0, 1)) {
        jy_err_set(err, JY_E_INVALID,
                   "%s: site \"%s\": column \"%s\": site \"%s\" has no column \"%s\" to reuse",
                   a->bp->path, a->site_name, colname, jy_db_res_get(res, 0, 0), std);
        jy_err_field(err, "reuse.std");
        jy_err_hint(err, "Apply the blueprint of \"%s\" before those of the sites below it.",
                    jy_db_res_get(res, 0, 0));
        return JY_ERROR;
    }
    *source = strtoll(jy_db_res_get(res, 0, 1), NULL, 10);
    return JY_OK;
}


static int
apply_columns(struct bp_apply *a, const cJSON *arr, long long parent_id, struct jy_err *err)
{
    const cJSON *col;
    int sort = 0;

    cJSON_ArrayForEach(col, arr)
    {
        struct jy_column_def def;
        const cJSON *reuse = cJSON_GetObjectItemCaseSensitive(col, "reuse");
        const cJSON *in_nav = cJSON_GetObjectItemCaseSensitive(col, "in_nav");
        long long id;
        bool created;

        jy_pool_reset(a->scratch);
        memset(&def, 0, sizeof(def));
        sort += 10;
        def.site_id = a->site_id;
        def.parent_id = parent_id;
        def.code = json_str(col, "code");
        def.std_code = json_str(col, "std");
        def.name = json_str(col, "name");
        def.kind = json_str(col, "kind");
        def.sort = sort;
        def.page_size = json_int(col, "page_size");
        def.accepts = json_text(a->scratch, col, "accepts");
        def.update_days = json_int(col, "update_days");
        def.url = json_str(col, "url");
        def.body = json_str(col, "body");
        def.description = json_str(col, "description");
        def.in_nav = cJSON_IsBool(in_nav) ? cJSON_IsTrue(in_nav) : -1;
        def.settings = json_text(a->scratch, col, "settings");
        if (cJSON_IsObject(reuse)) {
            if (resolve_reuse(a, def.name, reuse, &def.reuse_column_id, err) != JY_OK)
                return JY_ERROR;
            def.reuse_tags = json_str(reuse, "tags");
            def.reuse_kinds = json_text(a->scratch, reuse, "kinds");
        }
        if (jy_column_ensure(a->db, a->scratch, &def, &id, &created, err) != JY_OK) {
            jy_err_prefix(err, "%s: site \"%s\": column \"%s\"", a->bp->path, a->site_name,
                          def.name);
            return JY_ERROR;
        }
        if (created) {
            a->res->created++;
            if (def.reuse_column_id)
                a->res->wired++;
        } else {
            a->res->present++;
        }
        if (apply_columns(a, cJSON_GetObjectItemCaseSensitive(col, "children"), id, err) != JY_OK)
            return JY_ERROR;
    }
    return JY_OK;
}


int
jy_blueprint_apply(struct jy_db *db, struct jy_pool *pool, const struct jy_blueprint *bp,
                   long long site_id, struct jy_blueprint_result *res, struct jy_err *err)
{
    struct jy_blueprint_result local = {0, 0, 0};
    struct bp_apply a = {db, NULL, bp, site_id, NULL, res ? res : &local};
    char b_site[24];
    const char *params[1] = {id_param(b_site, site_id)};
    struct jy_db_res *r;
    const char *level;
    int rc;

    r = jy_db_query(db, pool, "SELECT name, level, kind FROM site WHERE id = $1", 1, params, err);
    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "cannot apply blueprint \"%s\": site %lld does not exist",
                   bp->name, site_id);
        return JY_ERROR;
    }
    a.site_name = jy_db_res_get(r, 0, 0);
    level = jy_db_res_get(r, 0, 1);
    if (strcmp(level, bp->level) != 0 || strcmp(jy_db_res_get(r, 0, 2), "site") != 0) {
        jy_err_set(err, JY_E_INVALID,
                   "cannot apply blueprint \"%s\" to site \"%s\": the blueprint is for %s sites, "
                   "the site is a %s %s",
                   bp->name, a.site_name, bp->level, level, jy_db_res_get(r, 0, 2));
        return JY_ERROR;
    }
    a.scratch = jy_pool_create(0);
    rc = apply_columns(&a, bp->columns, 0, err);
    jy_pool_destroy(a.scratch);
    return rc;
}
