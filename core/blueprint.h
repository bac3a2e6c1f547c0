/*
 * blueprint.h - site blueprints: the standard column tree of one level of
 * site, declared in sites/blueprints/<name>.json, and applying one to a site.
 *
 * File format (version 1 of the format; "version" is the blueprint's own):
 *
 *   { "blueprint": "county",            name, = the file name without .json
 *     "version": 1,                     bumped when the tree changes
 *     "level": "county",                level of the sites it is for
 *     "title": "...", "description": "...",
 *     "theme": "default",               theme of sites that name none
 *     "columns": [ COLUMN ... ] }
 *
 *   COLUMN = { "code": "zcwj",          URL path segment, [a-z0-9][a-z0-9_-]*
 *              "std": "zwgk.zcwj",      standard column code, unique in the file
 *              "name": "政策文件",
 *              "kind": "list",          list, page, link or topic
 *              "accepts": ["policy"],   item kinds (default: all)
 *              "update_days": 180,      expected update period (inspection rules)
 *              "page_size": 20, "in_nav": true, "description": "...",
 *              "url": "https://...",    link columns only, and required there
 *              "body": "<p>...</p>",    page columns only
 *              "settings": { ... },     extension settings
 *              "reuse": { "level": "province",  province, city, county, or
 *                                               parent (the site's parent)
 *                         "std": "zwgk.zcwj.zfwj",  column of that site
 *                         "tags": "扶贫 AND NOT 通知", "kinds": ["policy"] },
 *              "children": [ COLUMN ... ] }
 *
 * Applying adds what is missing and never changes what is there: a column is
 * there when the site has a column with its standard code (wherever editors
 * moved it, whatever they renamed it to) or one with its code under the
 * same parent; an existing one is left exactly as editors made it, a missing
 * one is created under the column that stands for its blueprint parent, with
 * its reuse link wired to the column of the ancestor site that has the given
 * standard code. Applying the same blueprint twice therefore changes nothing
 * the second time; applying a newer version adds its new columns only.
 * The work is set-based: one query resolves every reuse link, one statement
 * per depth level creates the columns of that level (a county: 4 round
 * trips for 84 columns).
 */
#ifndef JY_CORE_BLUEPRINT_H
#define JY_CORE_BLUEPRINT_H

#include <stdbool.h>

struct cJSON;
struct jy_db;
struct jy_err;
struct jy_pool;

struct jy_blueprint {
    const char *path;  /* file it was read from, named in messages */
    const char *name;  /* "county" */
    long long version; /* the blueprint's version, >= 1 */
    const char *level; /* province, city, county or department */
    const char *title;
    const char *theme;           /* "default" when the file names none */
    const char *review;          /* default review chain as compact JSON, NULL for none */
    const struct cJSON *columns; /* the validated column array */
    int ncolumns;                /* columns of the whole tree */
    int nreuse;                  /* of which reuse another site's column */
};

/* What applying did. */
struct jy_blueprint_result {
    int created; /* columns created */
    int present; /* columns that were there already, left untouched */
    int wired;   /* created columns that reuse a column of another site */
};

/*
 * Read and check a blueprint file. The whole tree is validated before
 * anything is returned: unknown fields, malformed codes, duplicate sibling
 * codes or standard codes, a link without url, a reuse without level.
 * Errors name the file and the column: sites/blueprints/county.json:
 * column "省政府文件": field "reuse.level" must be one of ... The result and
 * its JSON tree live in pool.
 */
struct jy_blueprint *jy_blueprint_load(struct jy_pool *pool, const char *path, struct jy_err *err);

/*
 * Apply bp to the site site_id (whose level must be bp->level): create the
 * missing columns, wiring reuse. Runs in the caller's transaction; on error
 * the caller rolls back. res may be NULL.
 */
int jy_blueprint_apply(struct jy_db *db, struct jy_pool *pool, const struct jy_blueprint *bp,
                       long long site_id, struct jy_blueprint_result *res, struct jy_err *err);

/* A column that an apply created. */
struct jy_blueprint_created {
    long long id;
    const char *path;          /* zwgk/zcwj/shengzfwj */
    const char *name;          /* points into the blueprint's tree */
    long long reuse_column_id; /* 0: reuses nothing */
};

/*
 * Like jy_blueprint_apply(), and *created gets the columns it created, in
 * blueprint order (depth-first), *ncreated their number; both live in pool.
 * created may be NULL.
 */
int jy_blueprint_apply_log(struct jy_db *db, struct jy_pool *pool, const struct jy_blueprint *bp,
                           long long site_id, struct jy_blueprint_result *res,
                           struct jy_blueprint_created **created, int *ncreated,
                           struct jy_err *err);

/*
 * Check that every reuse of a province, city or county column names a
 * standard code the blueprint of that level (dir/<level>.json) defines, so
 * that an unknown column code is refused before any site is touched:
 * county.json: column "省政府文件": field "reuse.std" "zwgk.zcwj.zfwjj" is no
 * column of blueprint "province". Reuse of the "parent" level is checked
 * when applying (the parent's blueprint is not known here).
 */
int jy_blueprint_check_reuse(struct jy_pool *pool, const struct jy_blueprint *bp, const char *dir,
                             struct jy_err *err);

/* One column to create if missing (the blueprint columns and the demo's unit columns). */
struct jy_column_def {
    long long site_id;
    long long parent_id; /* 0: a root column */
    const char *code;
    const char *std_code; /* NULL: none */
    const char *name;
    const char *kind; /* list, page, link, topic */
    int sort;
    long long page_size;   /* 0: the default */
    const char *accepts;   /* PostgreSQL array literal ({policy,article}) or NULL */
    long long update_days; /* 0: none */
    const char *url;
    const char *body;
    const char *description;
    int in_nav;                /* -1: the default (shown) */
    const char *settings;      /* JSON object text or NULL */
    long long reuse_column_id; /* 0: no reuse */
    const char *reuse_tags;
    const char *reuse_kinds; /* array literal or NULL */
    long long unit_id;       /* 0: owned by the site itself */
};

/*
 * Find the column (site, parent, code) or create it from def. *id gets its
 * id and *created whether it was made now. An existing column is not
 * changed. Database errors come back as they are; the caller adds context.
 */
int jy_column_ensure(struct jy_db *db, struct jy_pool *pool, const struct jy_column_def *def,
                     long long *id, bool *created, struct jy_err *err);

#endif /* JY_CORE_BLUEPRINT_H */
