/*
 * site.h - the life of a site, as the province platform admin runs it:
 * create from a blueprint, change settings, close and merge into a column of
 * a site above (关停整合), reopen, promote a column-only unit to a site,
 * demote a closed site to a unit, re-apply a newer blueprint.
 *
 * Rules every operation keeps:
 *  - one operation is one transaction: it succeeds whole or changes nothing
 *    (JY_SITE_DRY_RUN does the work, reports it and rolls back);
 *  - every operation that changed something appends one audit_log row
 *    (action site.create, site.update, site.close, site.reopen,
 *    site.promote, site.demote, site.blueprint; object "site"; before and
 *    after hold the fields that changed plus what the step did), the actor
 *    taken from the transaction's jy.* settings (db.h jy_db_set_actor);
 *  - nothing is ever deleted: a closed site keeps its columns, items and
 *    placements; a demoted site keeps its code, domains and redirect map;
 *  - errors name the field (err->field) and the offending value, with
 *    JY_E_INVALID for bad input, JY_E_NOT_FOUND for a site, column or
 *    blueprint that does not exist, JY_E_CONFLICT for a code, domain or
 *    name already taken (also when another session took it a moment ago:
 *    two sessions creating the same site, exactly one wins).
 *
 * Naming a site (SITE below): its 政府网站标识码 (5601210001), one of its
 * domains (qiyun.lanchuan.gov.cn) or its id (42). A unit, which has neither
 * code nor domain, is named by its id or by SITE/NAME, its parent site and
 * its name (5601210001/栖云县教育体育局). A column is named SITE:PATH, the
 * site and the column's URL path (5601000001:zwgk/zwdt/xqdt).
 *
 * Closing (关停整合), what happens:
 *  - every item placed in a column of the closed site gets a placement in
 *    the target column, which must be a list or topic column of its own
 *    (not a reusing one) on an open site above the closed one: its state
 *    and publication time are kept (published stays published; when an
 *    item sat in several columns, its published placement wins), its pin is
 *    not; an item already in the target column is left as it is;
 *  - site_redirect maps every URL the site served on each of its domains
 *    (home page, every column's list pages, every item page) to the new
 *    URL; a reusing column's pages go to its source column instead; any
 *    other path of the host goes to the target column;
 *  - the site is marked closed (status, closed_at, redirect_column_id); its
 *    own columns, placements and units stay as they were.
 * Refused: a target in the site's own subtree or on a site that is not
 * above it, a site with open sites below it, a site already closed.
 *
 * Reopening undoes the status and retires the redirect map (rows get
 * retired_at: kept as history, no longer served); the placements the close
 * added stay in the target column unless JY_SITE_UNMERGE removes them.
 */
#ifndef JY_CORE_SITE_H
#define JY_CORE_SITE_H

#include <stdbool.h>

struct cJSON;
struct jy_blueprint_created;
struct jy_buf;
struct jy_db;
struct jy_err;
struct jy_pool;

/* Flags of the operations. */
enum {
    JY_SITE_DRY_RUN = 1 << 0, /* do the work and report it, then roll back */
    JY_SITE_UNMERGE = 1 << 1, /* reopen: remove the placements the close added */
};

/* A new site. Strings are UTF-8; NULL means "not given". */
struct jy_site_spec {
    const char *parent;         /* SITE above the new one (required) */
    const char *blueprint;      /* name of <blueprint_dir>/<name>.json; NULL: no columns */
    const char *blueprint_dir;  /* NULL: sites/blueprints of the source tree */
    const char *level;          /* province, city, county, department; NULL: the blueprint's */
    const char *name;           /* SiteName: 栖云县人民政府 (required) */
    const char *short_name;     /* 栖云县 */
    const char *code;           /* 政府网站标识码 (required) */
    const char *admin_code;     /* division code; NULL: from the code (departments: the parent's) */
    const char *const *domains; /* ndomains host names, the first one primary (at least one) */
    int ndomains;
    const char *sponsor;   /* 主办单位 */
    const char *organizer; /* 承办单位 */
    const char *contact_phone;
    const char *contact_email;
    const char *contact_address;
    const char *contact_postcode;
    const char *icp_no;    /* 岭ICP备56012101号 */
    const char *psb_no;    /* 岭公网安备 56012102000001号 */
    const char *dzjg_url;  /* link behind the 党政机关网站标识 */
    const char *theme;     /* NULL: the blueprint's, else "default" */
    const char *time_zone; /* NULL: Asia/Shanghai */
};

/* What an operation did. */
struct jy_site_result {
    long long site_id;
    const char *code; /* of the site (NULL for a unit without one), in the pool */
    const char *name;
    int columns_created;    /* create, promote, blueprint */
    int columns_present;    /* blueprint: already there, left as editors made them */
    int columns_wired;      /* of the created ones, those that reuse a column above */
    int fields_changed;     /* update */
    long long placements;   /* close: added to the target column; reopen: removed (unmerge) */
    long long redirects;    /* close: entries written; reopen, promote: entries retired */
    const char *target;     /* close: the target column as SITE:PATH (code of the site) */
    const char *target_url; /* close: its URL */
    bool dry_run;           /* the work was rolled back */
};

/* One setting of jy_site_update(): key and new value (NULL or "": clear it). */
struct jy_site_setting {
    const char *key;
    const char *value;
};

/* A unit to promote to a site. */
struct jy_site_promotion {
    const char *unit;           /* the unit: its id or SITE/NAME */
    const char *code;           /* NULL: the code it kept (a demoted site) */
    const char *admin_code;     /* NULL: as for create */
    const char *const *domains; /* NULL: the domains it kept */
    int ndomains;
    const char *level;     /* NULL: the unit's (a township must be given another) */
    const char *blueprint; /* apply this blueprint (and record it); NULL: none */
    const char *blueprint_dir;
};

/* What re-applying a blueprint did to one site. */
struct jy_site_blueprint_report {
    long long site_id;
    const char *code, *name;
    const char *blueprint;
    long long from_version; /* recorded before; 0: none */
    long long to_version;   /* of the file applied */
    int present, wired;
    struct jy_blueprint_created *created; /* columns created, in blueprint order */
    int ncreated;
};

/*
 * Find a site or unit by SITE (see above): *id gets its id. field names the
 * input in the error ("parent", "site"). JY_E_NOT_FOUND when there is none.
 */
int jy_site_resolve(struct jy_db *db, struct jy_pool *pool, const char *ref, const char *field,
                    long long *id, struct jy_err *err);

/*
 * Create a site under spec->parent and apply its blueprint: a complete,
 * publishable site (columns, reuse links to the province and city columns)
 * in one transaction. Checks, each naming its field: the code's shape (10
 * characters: division code + 4 digits, or bm + 8 digits) and that it
 * starts with the division code, which must lie inside the parent's
 * (a county of 560100 is 5601xx); the level fits the parent (a county
 * under a city or the province ...); domains are lower-case host names
 * given once; the blueprint exists, is for that level and its reuse names
 * known columns. res->site_id gets the new id.
 */
int jy_site_create(struct jy_db *db, struct jy_pool *pool, const struct jy_site_spec *spec,
                   int flags, struct jy_site_result *res, struct jy_err *err);

/*
 * Change settings of a site. Keys: name, short_name, code, admin_code,
 * parent (SITE: moves the site; a move under its own subtree is refused),
 * domains (comma-separated, the first primary; replaces the list), sponsor,
 * organizer, contact_phone, contact_email, contact_address,
 * contact_postcode, icp_no, psb_no, dzjg_url, theme, time_zone, channels
 * (comma-separated), sort. An unknown key is refused before anything
 * changes. res->fields_changed counts the fields that really changed (0: no
 * audit row).
 */
int jy_site_update(struct jy_db *db, struct jy_pool *pool, const char *site,
                   const struct jy_site_setting *set, int nset, int flags,
                   struct jy_site_result *res, struct jy_err *err);

/* Close site into the column SITE:PATH (see the top of this file). */
int jy_site_close(struct jy_db *db, struct jy_pool *pool, const char *site, const char *into,
                  int flags, struct jy_site_result *res, struct jy_err *err);

/* Reopen a closed site (not a demoted one: promote that). JY_SITE_UNMERGE: see the top. */
int jy_site_reopen(struct jy_db *db, struct jy_pool *pool, const char *site, int flags,
                   struct jy_site_result *res, struct jy_err *err);

/*
 * Make a column-only unit a site: kind site, a code and a domain (given, or
 * kept from when it was a site), open; its columns on the parent site and
 * its items stay where they are. A demoted site comes back with its
 * redirect map retired, as by reopen. With p->blueprint, the blueprint's
 * columns are created too.
 */
int jy_site_promote(struct jy_db *db, struct jy_pool *pool, const struct jy_site_promotion *p,
                    int flags, struct jy_site_result *res, struct jy_err *err);

/*
 * Make a closed site a column-only unit of its parent: only kind changes.
 * It keeps its code, domains (they still answer with the redirect map),
 * columns, items and placements. Refused for an open site and for a site
 * with sites below it.
 */
int jy_site_demote(struct jy_db *db, struct jy_pool *pool, const char *site, int flags,
                   struct jy_site_result *res, struct jy_err *err);

/*
 * Re-apply to site (NULL: to every open site that records a blueprint,
 * parents first) the current version of its blueprint from blueprint_dir
 * (NULL: the source tree's): add what is missing, touch nothing else,
 * record the name and version. blueprint (one site only; NULL: the one the
 * site records) applies another blueprint of the site's level. All sites
 * in one transaction. *reports (in pool) gets one entry per site,
 * *nreports their number. A file older than the version a site records is
 * refused. A column that editors deleted counts as missing and comes back:
 * run with JY_SITE_DRY_RUN first to see what would be created.
 */
int jy_site_blueprint(struct jy_db *db, struct jy_pool *pool, const char *site,
                      const char *blueprint, const char *blueprint_dir, int flags,
                      struct jy_site_blueprint_report **reports, int *nreports, struct jy_err *err);

/* One entry of the redirect map. */
struct jy_site_redirect {
    const char *site;     /* code (or id) of the closed site */
    const char *kind;     /* site, column, reuse, item (schema/0007_site_lifecycle.sql) */
    const char *old_host; /* qiyun.lanchuan.gov.cn */
    const char *old_path; /* /zwgk/zcwj/xzfwj/123.html */
    const char *new_url;  /* https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/123.html */
    bool retired;         /* the site was reopened: history only */
};

/*
 * The redirect map of site (NULL: of every site), exact URLs in order of
 * site, kind and URL; retired entries too when with_retired. *out (in pool)
 * gets *n entries.
 */
int jy_site_redirects(struct jy_db *db, struct jy_pool *pool, const char *site, bool with_retired,
                      struct jy_site_redirect **out, int *n, struct jy_err *err);

/*
 * Append the live entries of v as an nginx map file: "map $host$uri
 * $jy_redirect { ... }", exact "host/path" keys first, then for each
 * reusing column a regular expression sending its item pages to the source
 * column, then for each old host a fallback to the column that took the
 * content. The server blocks of the old hosts answer with
 * "if ($jy_redirect) { return 301 $jy_redirect; }". Returns
 * jy_buf_finish(out).
 */
int jy_site_redirects_nginx(const struct jy_site_redirect *v, int n, struct jy_buf *out);

/*
 * The site as a JSON object owned by pool: its row, domains (primary
 * first), parent, counts (columns, items, placements, units, sites below),
 * where a closed site redirects and how many redirect entries are live.
 */
struct cJSON *jy_site_describe(struct jy_db *db, struct jy_pool *pool, const char *site,
                               struct jy_err *err);

#endif /* JY_CORE_SITE_H */
