/*
 * cmd_sites.c - `jiyue sites`: the site tree, optionally with each site's
 * columns (reused ones marked with their source), as text or JSON.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"

#include <cjson/cJSON.h>

/* A row of the site or column query, linked into its tree. */
struct node {
    long long id;
    long long parent; /* 0 for a root */
    int row;          /* in the query result */
    int first, last;  /* children, -1 when none */
    int next;         /* next sibling, -1 at the end */
    int col_first;    /* sites: root columns */
    int col_last;
};

struct tree {
    struct node *v;
    int n;
};

/* Sites in sibling order (sort, id); the primary domain and a column count. */
static const char sites_sql[] =
    "SELECT s.id, s.parent_id, s.kind, s.level, s.name, s.code, s.status, d.domain,"
    " (SELECT count(*) FROM site_column c WHERE c.site_id = s.id) AS columns"
    " FROM site s LEFT JOIN site_domain d ON d.site_id = s.id AND d.is_primary"
    " ORDER BY s.sort, s.id";

/* Columns in sibling order, each with the column it reuses and the unit that owns it. */
static const char columns_sql[] =
    "SELECT c.id, c.parent_id, c.site_id, c.code, c.name, c.kind, c.std_code, c.path,"
    " src.path AS src_path, ss.name AS src_site, ss.code AS src_code, u.name AS unit"
    " FROM site_column c"
    " LEFT JOIN site_column src ON src.id = c.reuse_column_id"
    " LEFT JOIN site ss ON ss.id = src.site_id"
    " LEFT JOIN site u ON u.id = c.unit_id"
    " ORDER BY c.site_id, c.sort, c.id";


static int
node_cmp(const void *a, const void *b)
{
    const struct node *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}


/* Index in t of the node with this id, -1 when absent (t->v sorted by id). */
static int
find(const struct tree *t, long long id)
{
    struct node key, *hit;

    key.id = id;
    hit = bsearch(&key, t->v, (size_t) t->n, sizeof(*t->v), node_cmp);
    return hit ? (int) (hit - t->v) : -1;
}


/*
 * Make a tree of the rows of r (column 0 the id, column 1 the parent id).
 * Children keep the order of the rows; t->v is sorted by id for find().
 */
static void
tree_build(struct jy_pool *pool, const struct jy_db_res *r, struct tree *t)
{
    int i, n = jy_db_res_rows(r);
    int *order = jy_pool_new_array(pool, int, (size_t) n + 1);

    t->n = n;
    t->v = jy_pool_new_array(pool, struct node, (size_t) n + 1);
    for (i = 0; i < n; i++) {
        const char *p = jy_db_res_get(r, i, 1);
        t->v[i].id = strtoll(jy_db_res_get(r, i, 0), NULL, 10);
        t->v[i].parent = p ? strtoll(p, NULL, 10) : 0;
        t->v[i].row = i;
        t->v[i].first = t->v[i].last = t->v[i].next = -1;
        t->v[i].col_first = t->v[i].col_last = -1;
    }
    qsort(t->v, (size_t) n, sizeof(*t->v), node_cmp);
    /* link children in row order, so siblings keep the query's sort */
    for (i = 0; i < n; i++)
        order[t->v[i].row] = i;
    for (i = 0; i < n; i++) {
        struct node *c = &t->v[order[i]];
        int pi = c->parent ? find(t, c->parent) : -1;
        if (pi < 0)
            continue;
        if (t->v[pi].last >= 0)
            t->v[t->v[pi].last].next = order[i];
        else
            t->v[pi].first = order[i];
        t->v[pi].last = order[i];
    }
}


/* Roots of a tree in row order, linked by next; returns the first or -1. */
static int
tree_roots(struct jy_pool *pool, struct tree *t)
{
    int *order = jy_pool_new_array(pool, int, (size_t) t->n + 1);
    int i, first = -1, last = -1;

    for (i = 0; i < t->n; i++)
        order[t->v[i].row] = i;
    for (i = 0; i < t->n; i++) {
        struct node *c = &t->v[order[i]];
        if (c->parent && find(t, c->parent) >= 0)
            continue;
        if (last >= 0)
            t->v[last].next = order[i];
        else
            first = order[i];
        last = order[i];
    }
    return first;
}


/* Hang every root column under its site's node. */
static void
attach_columns(struct jy_pool *pool, struct tree *sites, struct tree *cols,
               const struct jy_db_res *cr)
{
    int *order = jy_pool_new_array(pool, int, (size_t) cols->n + 1);
    int i;

    for (i = 0; i < cols->n; i++)
        order[cols->v[i].row] = i;
    for (i = 0; i < cols->n; i++) {
        int ci = order[i], si;
        if (cols->v[ci].parent)
            continue;
        si = find(sites, strtoll(jy_db_res_get(cr, i, 2), NULL, 10));
        if (si < 0)
            continue;
        if (sites->v[si].col_last >= 0)
            cols->v[sites->v[si].col_last].next = ci;
        else
            sites->v[si].col_first = ci;
        sites->v[si].col_last = ci;
    }
}


/* ---- text -------------------------------------------------------------------------------- */

struct text_out {
    const struct tree *sites, *cols;
    const struct jy_db_res *sr, *cr;
    struct jy_buf *prefix; /* the tree-drawing margin of the current depth */
};

static void
print_columns(struct text_out *o, int ci, int depth, const char *margin)
{
    for (; ci >= 0; ci = o->cols->v[ci].next) {
        int row = o->cols->v[ci].row;
        const char *std = jy_db_res_get(o->cr, row, 6), *src = jy_db_res_get(o->cr, row, 8);
        const char *unit = jy_db_res_get(o->cr, row, 11);

        printf("%s%*s- %s  %s  %s", margin, depth * 2, "", jy_db_res_get(o->cr, row, 4),
               jy_db_res_get(o->cr, row, 3), jy_db_res_get(o->cr, row, 5));
        if (std)
            printf("  [%s]", std);
        if (unit)
            printf("  unit: %s", unit);
        if (src)
            printf("  <= reuses %s %s (%s)", jy_db_res_get(o->cr, row, 9), src,
                   jy_db_res_get(o->cr, row, 10) ? jy_db_res_get(o->cr, row, 10) : "-");
        putchar('\n');
        print_columns(o, o->cols->v[ci].first, depth + 1, margin);
    }
}


static void
print_site(struct text_out *o, int si, bool last, bool root)
{
    const struct node *s = &o->sites->v[si];
    const struct jy_db_res *r = o->sr;
    const char *code = jy_db_res_get(r, s->row, 5), *domain = jy_db_res_get(r, s->row, 7);
    const char *kind = jy_db_res_get(r, s->row, 2), *status = jy_db_res_get(r, s->row, 6);
    size_t saved = o->prefix->len;
    int c;

    printf("%s%s", o->prefix->buf, root ? "" : last ? "└── " : "├── ");
    printf("%s%s", strcmp(kind, "unit") == 0 ? "[unit] " : "", jy_db_res_get(r, s->row, 4));
    if (code)
        printf("  %s", code);
    if (domain)
        printf("  %s", domain);
    printf("  %s", jy_db_res_get(r, s->row, 3));
    if (strcmp(status, "open") != 0)
        printf("  (%s)", status);
    if (o->cols == NULL && strcmp(jy_db_res_get(r, s->row, 8), "0") != 0)
        printf("  %s columns", jy_db_res_get(r, s->row, 8));
    putchar('\n');

    if (!root)
        jy_buf_add_str(o->prefix, last ? "    " : "│   ");
    if (o->cols && s->col_first >= 0) {
        /* the columns sit between the site line and its children */
        const char *bar = s->first >= 0 ? "│ " : "  ";
        char *margin = jy_pool_printf(o->prefix->pool, "%s%s", o->prefix->buf, bar);
        print_columns(o, s->col_first, 0, margin);
    }
    for (c = s->first; c >= 0; c = o->sites->v[c].next)
        print_site(o, c, o->sites->v[c].next < 0, false);
    jy_buf_setlen(o->prefix, saved);
}


/* ---- JSON -------------------------------------------------------------------------------- */

static void
add_str(cJSON *obj, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(obj, key, v);
    else
        cJSON_AddNullToObject(obj, key);
}


static cJSON *
json_columns(const struct tree *cols, const struct jy_db_res *cr, int ci)
{
    cJSON *arr = cJSON_CreateArray();

    for (; ci >= 0; ci = cols->v[ci].next) {
        int row = cols->v[ci].row;
        cJSON *c = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, c);
        cJSON_AddNumberToObject(c, "id", (double) cols->v[ci].id);
        add_str(c, "code", jy_db_res_get(cr, row, 3));
        add_str(c, "name", jy_db_res_get(cr, row, 4));
        add_str(c, "kind", jy_db_res_get(cr, row, 5));
        add_str(c, "std", jy_db_res_get(cr, row, 6));
        add_str(c, "path", jy_db_res_get(cr, row, 7));
        add_str(c, "unit", jy_db_res_get(cr, row, 11));
        if (jy_db_res_get(cr, row, 8)) {
            cJSON *r = cJSON_AddObjectToObject(c, "reuses");
            add_str(r, "site", jy_db_res_get(cr, row, 10));
            add_str(r, "site_name", jy_db_res_get(cr, row, 9));
            add_str(r, "path", jy_db_res_get(cr, row, 8));
        } else {
            cJSON_AddNullToObject(c, "reuses");
        }
        if (cols->v[ci].first >= 0)
            cJSON_AddItemToObject(c, "children", json_columns(cols, cr, cols->v[ci].first));
    }
    return arr;
}


static cJSON *
json_sites(const struct tree *sites, const struct jy_db_res *sr, const struct tree *cols,
           const struct jy_db_res *cr, int si)
{
    cJSON *arr = cJSON_CreateArray();

    for (; si >= 0; si = sites->v[si].next) {
        const struct node *s = &sites->v[si];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        cJSON_AddNumberToObject(o, "id", (double) s->id);
        add_str(o, "name", jy_db_res_get(sr, s->row, 4));
        add_str(o, "code", jy_db_res_get(sr, s->row, 5));
        add_str(o, "domain", jy_db_res_get(sr, s->row, 7));
        add_str(o, "level", jy_db_res_get(sr, s->row, 3));
        add_str(o, "kind", jy_db_res_get(sr, s->row, 2));
        add_str(o, "status", jy_db_res_get(sr, s->row, 6));
        cJSON_AddNumberToObject(o, "column_count", strtod(jy_db_res_get(sr, s->row, 8), NULL));
        if (cols)
            cJSON_AddItemToObject(o, "columns", json_columns(cols, cr, s->col_first));
        cJSON_AddItemToObject(o, "children", json_sites(sites, sr, cols, cr, s->first));
    }
    return arr;
}


static int
cmd_sites_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    bool with_columns = false, as_json = false;
    const char *only = NULL;
    struct jy_db_res *sr, *cr = NULL;
    struct tree sites, cols;
    struct jy_db *db;
    int i, first;

    if (jy_cli_wants_help(&jy_cmd_sites, argc, argv))
        return JY_EXIT_OK;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--columns") == 0)
            with_columns = true;
        else if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else if (strcmp(argv[i], "--site") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "--site") == 0)
            return jy_cli_usage_error(&jy_cmd_sites, "option \"--site\" needs a site code");
        else if (strncmp(argv[i], "--site=", 7) == 0)
            only = argv[i] + 7;
        else
            return jy_cli_usage_error(&jy_cmd_sites, "unrecognized argument \"%s\"", argv[i]);
    }

    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    sr = jy_db_query(db, cli->pool, sites_sql, 0, NULL, &err);
    if (sr && with_columns)
        cr = jy_db_query(db, cli->pool, columns_sql, 0, NULL, &err);
    jy_db_close(db);
    if (sr == NULL || (with_columns && cr == NULL)) {
        jy_err_prefix(&err, "could not list the sites");
        return jy_cli_fail(&err);
    }

    tree_build(cli->pool, sr, &sites);
    first = tree_roots(cli->pool, &sites);
    if (cr) {
        tree_build(cli->pool, cr, &cols);
        attach_columns(cli->pool, &sites, &cols, cr);
    }
    if (only) {
        /* one subtree: the site with that code */
        first = -1;
        for (i = 0; i < sites.n; i++) {
            const char *code = jy_db_res_get(sr, sites.v[i].row, 5);
            if (code && strcmp(code, only) == 0) {
                first = i;
                sites.v[i].next = -1;
            }
        }
        if (first < 0) {
            jy_err_set(&err, JY_E_NOT_FOUND, "site \"%s\" does not exist", only);
            jy_err_hint(&err, "Run \"jiyue sites\" to list the sites and their codes.");
            return jy_cli_fail(&err);
        }
    }

    if (as_json) {
        struct jy_buf b = JY_BUF_INIT(cli->pool);
        cJSON *doc = jy_json_new_object(cli->pool);
        cJSON_AddItemToObject(doc, "sites", json_sites(&sites, sr, cr ? &cols : NULL, cr, first));
        jy_json_print_pretty(doc, &b);
        fwrite(b.buf, 1, b.len, stdout);
        putchar('\n');
    } else if (first < 0) {
        printf("no sites yet: load the demo platform with \"jiyue demo\"\n");
    } else {
        struct jy_buf prefix = JY_BUF_INIT(cli->pool);
        struct text_out o = {&sites, cr ? &cols : NULL, sr, cr, &prefix};
        for (i = first; i >= 0; i = sites.v[i].next)
            print_site(&o, i, sites.v[i].next < 0, true);
    }
    return JY_EXIT_OK;
}

const struct jy_cmd jy_cmd_sites = {
    "sites",
    "print the site tree (with --columns, each site's columns)",
    "usage: jiyue sites [--columns] [--json] [--site CODE]\n"
    "\n"
    "Print the tree of sites: the platform, the province, its cities,\n"
    "counties and departments, and the column-only units, each with its name,\n"
    "政府网站标识码, primary domain and level.\n"
    "\n"
    "  --columns    also print each site's column tree; a column that reuses\n"
    "               a column of another site shows that site and the path\n"
    "  --json       print the same as JSON, for programs\n"
    "  --site CODE  only the subtree of the site with this code\n",
    cmd_sites_run,
};
