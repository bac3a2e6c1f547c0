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

static const char *const column_keys[] = {
    "code",        "std", "name", "kind",     "accepts", "update_days", "page_size", "in_nav",
    "description", "url", "body", "settings", "reuse",   "children",    NULL,
};
static const char *const reuse_keys[] = {"level", "std", "tags", "kinds", NULL};
static const char *const top_keys[] = {
    "blueprint", "version", "level", "title", "description", "theme", "review", "columns", NULL,
};
static const char *const review_keys[] = {"steps", NULL};
static const char *const step_keys[] = {"name", "role", "all_of", NULL};
/* roles that may review: those holding item.review (schema/0003_identity.sql) */
static const char *const review_roles[] = {"reviewer", "site_admin", "platform_admin", NULL};
#define REVIEW_STEPS_MAX 5
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


/*
 * The default review chain of sites made from the blueprint (三审 and the
 * like), checked and kept as compact JSON for site.settings.review:
 *   "review": {"steps": [{"name": "初审", "role": "reviewer"},
 *                        {"name": "终审", "role": "site_admin", "all_of": false}]}
 * A step is passed when one holder of the role on the site approves, or
 * every holder with "all_of": true. The workflow (issue 5) reads it; a site
 * may change its chain afterwards, and re-applying a blueprint leaves it be.
 */
static int
bp_review(struct jy_pool *pool, const struct jy_json_node *root, struct jy_blueprint *bp,
          struct jy_err *err)
{
    struct jy_json_node review, steps, step;
    struct jy_buf out = JY_BUF_INIT(pool);
    size_t n;

    bp->review = NULL;
    if (jy_json_get_object(root, "review", false, &review, err) != JY_OK)
        return JY_ERROR;
    if (review.item == NULL)
        return JY_OK;
    if (jy_json_check_keys(&review, review_keys, err) != JY_OK ||
        jy_json_get_array(&review, "steps", true, &steps, &n, err) != JY_OK)
        return JY_ERROR;
    if (n < 1 || n > REVIEW_STEPS_MAX)
        return jy_json_error(err, &review, "steps", "must hold 1 to %d steps, not %zu",
                             REVIEW_STEPS_MAX, n);
    for (jy_json_first(&steps, &step); step.item; jy_json_next(&step)) {
        const char *name;
        int role;
        bool all_of = false;
        if (jy_json_check_keys(&step, step_keys, err) != JY_OK ||
            jy_json_get_str_chars(&step, "name", true, 1, 20, &name, err) != JY_OK ||
            jy_json_get_enum(&step, "role", true, review_roles, &role, err) != JY_OK ||
            jy_json_get_bool(&step, "all_of", false, &all_of, err) != JY_OK)
            return JY_ERROR;
    }
    if (jy_json_print(review.item, &out) != JY_OK) {
        jy_err_set(err, JY_E_INTERNAL, "could not print the review chain");
        return JY_ERROR;
    }
    bp->review = out.buf;
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
    if (bp_review(pool, &root, bp, err) != JY_OK) {
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


/*
 * Applying, set-based. The tree is flattened in depth-first order (the
 * index k of a column is its place in that order); then one query resolves
 * every reuse link, and one statement per depth level finds or creates all
 * the columns of that level at once (jsonb_to_recordset of the level's
 * columns). A county blueprint of 84 columns thus costs four round trips,
 * not 84 (tools/bench/bench_site_create.c).
 */

/* One column of the blueprint, flattened. */
struct bp_flat {
    const cJSON *col;
    int parent;           /* index of the parent column, -1 for a root */
    int depth;            /* 1 for roots */
    int sort;             /* 10, 20 ... among siblings */
    long long id;         /* the site's column, once its level is applied */
    long long reuse_id;   /* resolved source column; 0: none or not found */
    const char *reuse_at; /* reuse: name of the ancestor site found, NULL when none */
};

/* State of one apply. */
struct bp_apply {
    struct jy_db *db;
    struct jy_pool *pool; /* the caller's: the log of created columns */
    struct jy_pool *scratch;
    const struct jy_blueprint *bp;
    long long site_id;
    const char *site_name;
    struct bp_flat *v;
    int n, maxdepth;
    struct jy_blueprint_result *res;
    struct jy_blueprint_created *created; /* may be NULL: not wanted */
    int ncreated;
};


static const char *
json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}


static int
flatten(struct bp_apply *a, const cJSON *arr, int parent, int depth)
{
    const cJSON *col;
    int sort = 0;

    cJSON_ArrayForEach(col, arr)
    {
        int k = a->n++;
        JY_ASSERT(k < a->bp->ncolumns);
        a->v[k].col = col;
        a->v[k].parent = parent;
        a->v[k].depth = depth;
        a->v[k].sort = (sort += 10);
        if (depth > a->maxdepth)
            a->maxdepth = depth;
        flatten(a, cJSON_GetObjectItemCaseSensitive(col, "children"), k, depth + 1);
    }
    return JY_OK;
}


/*
 * Resolve every reuse link in one query: the nearest site above ours of the
 * given level (or our parent) and its column with the standard code. A link
 * that cannot be resolved is an error only for a column that has to be
 * created (see apply_level).
 */
static int
resolve_reuse(struct bp_apply *a, struct jy_err *err)
{
    static const char sql[] =
        "SELECT r.k, a.name, c.id FROM jsonb_to_recordset($2::jsonb) AS r(k int, level text,"
        "  std text)"
        " LEFT JOIN LATERAL ("
        "  SELECT a.id, a.name FROM site s"
        "   JOIN site a ON a.id = ANY (s.path) AND a.id <> s.id AND a.kind = 'site'"
        "  WHERE s.id = $1"
        "   AND CASE WHEN r.level = 'parent' THEN a.id = s.parent_id ELSE a.level = r.level END"
        "  ORDER BY cardinality(a.path) DESC LIMIT 1) a ON true"
        " LEFT JOIN site_column c ON c.site_id = a.id AND c.std_code = r.std"
        " ORDER BY r.k";
    struct jy_buf b = JY_BUF_INIT(a->scratch);
    const char *params[2];
    struct jy_db_res *r;
    int k, i, nreuse = 0;

    jy_buf_add_char(&b, '[');
    for (k = 0; k < a->n; k++) {
        const cJSON *reuse = cJSON_GetObjectItemCaseSensitive(a->v[k].col, "reuse");
        const char *level = json_str(reuse, "level"), *std = json_str(reuse, "std");
        if (!cJSON_IsObject(reuse))
            continue;
        jy_buf_addf(&b, "%s{\"k\":%d,\"level\":", nreuse++ ? "," : "", k);
        jy_buf_add_json_str(&b, level, strlen(level));
        jy_buf_add_str(&b, ",\"std\":");
        jy_buf_add_json_str(&b, std, strlen(std));
        jy_buf_add_char(&b, '}');
    }
    jy_buf_add_char(&b, ']');
    if (nreuse == 0)
        return JY_OK;
    params[0] = jy_pool_printf(a->scratch, "%lld", a->site_id);
    params[1] = b.buf;
    r = jy_db_query(a->db, a->scratch, sql, 2, params, err);
    if (r == NULL) {
        jy_err_prefix(err, "%s: site \"%s\": could not resolve reuse", a->bp->path, a->site_name);
        return JY_ERROR;
    }
    for (i = 0; i < jy_db_res_rows(r); i++) {
        k = atoi(jy_db_res_get(r, i, 0));
        if (k < 0 || k >= a->n)
            continue;
        a->v[k].reuse_at = jy_db_res_get(r, i, 1);
        if (!jy_db_res_isnull(r, i, 2))
            a->v[k].reuse_id = strtoll(jy_db_res_get(r, i, 2), NULL, 10);
    }
    return JY_OK;
}


/* The error for a column that must be created but whose reuse source is missing. */
static int
reuse_error(struct bp_apply *a, const struct bp_flat *f, struct jy_err *err)
{
    const cJSON *reuse = cJSON_GetObjectItemCaseSensitive(f->col, "reuse");
    const char *name = json_str(f->col, "name"), *level = json_str(reuse, "level");
    const char *std = json_str(reuse, "std");

    if (f->reuse_at == NULL) {
        jy_err_set(err, JY_E_INVALID,
                   "%s: site \"%s\": column \"%s\": there is no %s site above to reuse \"%s\" from",
                   a->bp->path, a->site_name, name, level, std);
        jy_err_field(err, "reuse.level");
        return JY_ERROR;
    }
    jy_err_set(err, JY_E_INVALID,
               "%s: site \"%s\": column \"%s\": site \"%s\" has no column \"%s\" to reuse",
               a->bp->path, a->site_name, name, f->reuse_at, std);
    jy_err_field(err, "reuse.std");
    jy_err_hint(err, "Apply the blueprint of \"%s\" before those of the sites below it.",
                f->reuse_at);
    return JY_ERROR;
}


/* The columns of one depth level, as the JSON array the level statement reads. */
static const char *
level_json(struct bp_apply *a, int depth)
{
    struct jy_buf b = JY_BUF_INIT(a->scratch);
    int k, n = 0;

    jy_buf_add_char(&b, '[');
    for (k = 0; k < a->n; k++) {
        const struct bp_flat *f = &a->v[k];
        const cJSON *m;
        if (f->depth != depth)
            continue;
        jy_buf_addf(&b, "%s{\"k\":%d,\"sort\":%d", n++ ? "," : "", k, f->sort);
        if (f->parent >= 0)
            jy_buf_addf(&b, ",\"parent_id\":%lld", a->v[f->parent].id);
        if (f->reuse_id)
            jy_buf_addf(&b, ",\"reuse_id\":%lld", f->reuse_id);
        else if (cJSON_GetObjectItemCaseSensitive(f->col, "reuse"))
            jy_buf_add_str(&b, ",\"reuse_missing\":true");
        /* the blueprint's own fields, but not the subtree */
        cJSON_ArrayForEach(m, f->col)
        {
            if (strcmp(m->string, "children") == 0)
                continue;
            jy_buf_add_char(&b, ',');
            jy_buf_add_json_str(&b, m->string, strlen(m->string));
            jy_buf_add_char(&b, ':');
            jy_json_print(m, &b);
        }
        jy_buf_add_char(&b, '}');
    }
    jy_buf_add_char(&b, ']');
    return b.buf;
}


/*
 * Find or create every column of one depth level. A blueprint column is
 * there when the site has a column with its standard code (wherever editors
 * moved it, whatever they renamed it to), or a column with its code under
 * the same parent; then it is left exactly as it is. Otherwise it is
 * created under the column that stands for its blueprint parent.
 */
static int
apply_level(struct bp_apply *a, int depth, struct jy_err *err)
{
    static const char sql[] =
        "WITH spec AS ("
        " SELECT * FROM jsonb_to_recordset($2::jsonb) AS s(k int, parent_id bigint, sort int,"
        "  code text, std text, name text, kind text, page_size int, accepts text[],"
        "  update_days int, url text, body text, description text, in_nav boolean,"
        "  settings jsonb, reuse jsonb, reuse_id bigint, reuse_missing boolean)),"
        " found AS ("
        " SELECT s.k, COALESCE("
        "  (SELECT c.id FROM site_column c WHERE c.site_id = $1 AND c.std_code = s.std),"
        "  (SELECT c.id FROM site_column c WHERE c.site_id = $1"
        "    AND COALESCE(c.parent_id, 0) = COALESCE(s.parent_id, 0) AND c.code = s.code)) AS id"
        " FROM spec s),"
        " ins AS ("
        " INSERT INTO site_column (site_id, parent_id, code, std_code, name, kind, sort,"
        "  page_size, accepts, update_days, url, body, description, in_nav, settings,"
        "  reuse_column_id, reuse_tag_filter, reuse_kinds)"
        " SELECT $1, s.parent_id, s.code, s.std, s.name, s.kind, s.sort,"
        "  COALESCE(s.page_size, 20), COALESCE(s.accepts, '{}'), s.update_days, s.url, s.body,"
        "  s.description, COALESCE(s.in_nav, true), COALESCE(s.settings, '{}'), s.reuse_id,"
        "  s.reuse ->> 'tags',"
        "  ARRAY(SELECT jsonb_array_elements_text(COALESCE(s.reuse -> 'kinds', '[]')))"
        " FROM spec s JOIN found f ON f.k = s.k"
        " WHERE f.id IS NULL AND NOT COALESCE(s.reuse_missing, false)"
        " ORDER BY s.k"
        " ON CONFLICT (site_id, (COALESCE(parent_id, 0)), code) DO NOTHING"
        " RETURNING id, parent_id, code, path)"
        " SELECT s.k, COALESCE(f.id, i.id), i.id IS NOT NULL, i.path"
        " FROM spec s JOIN found f ON f.k = s.k"
        " LEFT JOIN ins i ON f.id IS NULL AND i.code = s.code"
        "  AND i.parent_id IS NOT DISTINCT FROM s.parent_id"
        " ORDER BY s.k";
    const char *params[2];
    struct jy_db_res *r;
    int i;

    params[0] = jy_pool_printf(a->scratch, "%lld", a->site_id);
    params[1] = level_json(a, depth);
    r = jy_db_query(a->db, a->scratch, sql, 2, params, err);
    if (r == NULL) {
        jy_err_prefix(err, "%s: site \"%s\": columns of depth %d", a->bp->path, a->site_name,
                      depth);
        return JY_ERROR;
    }
    for (i = 0; i < jy_db_res_rows(r); i++) {
        int k = atoi(jy_db_res_get(r, i, 0));
        struct bp_flat *f;

        if (k < 0 || k >= a->n)
            continue;
        f = &a->v[k];
        if (jy_db_res_isnull(r, i, 1)) {
            if (cJSON_GetObjectItemCaseSensitive(f->col, "reuse") && f->reuse_id == 0)
                return reuse_error(a, f, err);
            jy_err_set(err, JY_E_CONFLICT,
                       "%s: site \"%s\": column \"%s\" was created by another session meanwhile",
                       a->bp->path, a->site_name, json_str(f->col, "name"));
            jy_err_hint(err, "Apply the blueprint again: it adds what is still missing.");
            return JY_ERROR;
        }
        f->id = strtoll(jy_db_res_get(r, i, 1), NULL, 10);
        if (strcmp(jy_db_res_get(r, i, 2), "t") != 0) {
            a->res->present++;
            continue;
        }
        a->res->created++;
        if (f->reuse_id)
            a->res->wired++;
        if (a->created) {
            struct jy_blueprint_created *c = &a->created[a->ncreated++];
            c->id = f->id;
            c->path = jy_pool_strdup(a->pool, jy_db_res_get(r, i, 3));
            c->name = json_str(f->col, "name");
            c->reuse_column_id = f->reuse_id;
        }
    }
    return JY_OK;
}


int
jy_blueprint_apply_log(struct jy_db *db, struct jy_pool *pool, const struct jy_blueprint *bp,
                       long long site_id, struct jy_blueprint_result *res,
                       struct jy_blueprint_created **created, int *ncreated, struct jy_err *err)
{
    struct jy_blueprint_result local = {0, 0, 0};
    struct bp_apply a;
    char b_site[24];
    const char *params[1] = {b_site};
    struct jy_db_res *r;
    const char *level;
    int rc = JY_OK, depth;

    memset(&a, 0, sizeof(a));
    a.db = db;
    a.pool = pool;
    a.bp = bp;
    a.site_id = site_id;
    a.res = res ? res : &local;
    if (created) {
        *created = NULL;
        *ncreated = 0;
        a.created = jy_pool_new_array(pool, struct jy_blueprint_created, (size_t) bp->ncolumns + 1);
    }
    snprintf(b_site, sizeof(b_site), "%lld", site_id);
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
    a.v = jy_pool_new_array(a.scratch, struct bp_flat, (size_t) bp->ncolumns + 1);
    flatten(&a, bp->columns, -1, 1);
    rc = resolve_reuse(&a, err);
    for (depth = 1; rc == JY_OK && depth <= a.maxdepth; depth++)
        rc = apply_level(&a, depth, err);
    jy_pool_destroy(a.scratch);
    if (rc == JY_OK && created) {
        *created = a.created;
        *ncreated = a.ncreated;
    }
    return rc;
}


int
jy_blueprint_apply(struct jy_db *db, struct jy_pool *pool, const struct jy_blueprint *bp,
                   long long site_id, struct jy_blueprint_result *res, struct jy_err *err)
{
    return jy_blueprint_apply_log(db, pool, bp, site_id, res, NULL, NULL, err);
}


/* True when the column tree arr holds a column with the standard code std. */
static bool
blueprint_has_std(const cJSON *arr, const char *std)
{
    const cJSON *col;

    cJSON_ArrayForEach(col, arr)
    {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(col, "std");
        if ((cJSON_IsString(s) && strcmp(s->valuestring, std) == 0) ||
            blueprint_has_std(cJSON_GetObjectItemCaseSensitive(col, "children"), std))
            return true;
    }
    return false;
}


/*
 * A reuse of a province, city or county column names a standard code that
 * the blueprint of that level must define: a typo ("zwgk.zcwj.zfwjj")
 * would otherwise show up only when the first site is created.
 */
int
jy_blueprint_check_reuse(struct jy_pool *pool, const struct jy_blueprint *bp, const char *dir,
                         struct jy_err *err)
{
    struct {
        const char *level;
        struct jy_blueprint *bp;
    } seen[4];
    int nseen = 0, i;
    struct jy_blueprint *other;
    struct bp_apply a;

    memset(&a, 0, sizeof(a));
    a.bp = bp;
    a.v = jy_pool_new_array(pool, struct bp_flat, (size_t) bp->ncolumns + 1);
    flatten(&a, bp->columns, -1, 1);
    for (i = 0; i < a.n; i++) {
        const cJSON *reuse = cJSON_GetObjectItemCaseSensitive(a.v[i].col, "reuse");
        const char *level = json_str(reuse, "level"), *std = json_str(reuse, "std");
        int j;

        if (level == NULL || strcmp(level, "parent") == 0)
            continue;
        other = NULL;
        for (j = 0; j < nseen; j++)
            if (strcmp(seen[j].level, level) == 0)
                other = seen[j].bp;
        if (other == NULL) {
            const char *path = jy_pool_printf(pool, "%s/%s.json", dir, level);
            other = jy_blueprint_load(pool, path, err);
            if (other == NULL)
                return JY_ERROR;
            if (nseen < (int) JY_ARRAY_LEN(seen)) {
                seen[nseen].level = level;
                seen[nseen++].bp = other;
            }
        }
        if (!blueprint_has_std(other->columns, std)) {
            jy_err_set(err, JY_E_INVALID,
                       "%s: column \"%s\": field \"reuse.std\" \"%s\" is no column of blueprint "
                       "\"%s\"",
                       bp->path, json_str(a.v[i].col, "name"), std, other->name);
            jy_err_field(err, "reuse.std");
            jy_err_hint(err, "Reuse a standard code that %s lists.", other->path);
            return JY_ERROR;
        }
    }
    return JY_OK;
}
