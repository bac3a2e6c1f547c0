/*
 * demo.h - load the demo platform (sites/demo/platform.json): sites and
 * units, their domains and blueprint columns, reuse links, tags, users and
 * grants, items and their placements.
 *
 * The load runs in ONE transaction and is idempotent: every object is found
 * by its natural key (a site by its 政府网站标识码, a unit by its site and
 * name, a column by its site, parent and code, a user by login, an item by
 * its site and 索引号) and written only when it differs from the file, so a
 * second load changes no row (updated_at included) and says so. Objects the
 * file does not mention are left alone; columns that exist are never
 * changed (editors own them, see blueprint.h). Any error rolls the whole
 * load back and names the file and the object: sites/demo/platform.json:
 * site "栖云县人民政府": code "12345" must be 10 characters ...
 *
 * File format (version 1):
 *
 *   { "version": 1, "description": "...",
 *     "platform": { "name": "...", "short_name": "..." },
 *     "sites": [ SITE ... ],                     the tree, parents first
 *     "tags": [ { "name": "就业", "synonyms": ["稳就业"] } ],
 *     "users": [ USER ... ], "items": [ ITEM ... ] }
 *
 *   SITE = { "name", "short_name", "level" (province, city, county,
 *            department), "code" (SiteIDCode), "admin_code", "domains"
 *            (primary first), "sponsor", "organizer", "contact": { "phone",
 *            "email", "address", "postcode" }, "icp_no", "psb_no",
 *            "dzjg_url", "theme", "blueprint" (a file of the blueprint
 *            folder), "units": [ UNIT ... ], "children": [ SITE ... ] }
 *   UNIT = { "name", "level" (township, department), "columns": [
 *            { "parent": "zwgk/xzxxgk" (column path on the site), "code",
 *              "name", "kind", "children": [ ... ] } ] }
 *   USER = { "login", "display_name", "organisation", "phone", "email",
 *            "site" (code of the managing site), "grants": [ { "role",
 *            "site" (a code, or "platform"), "column" (path, optional) } ] }
 *   ITEM = { "site" (owner's code), "unit" (owning unit's name), "index_no",
 *            "kind", "title", "subtitle", "summary", "author", "source",
 *            "publisher", "keywords": [], "subject", "body", "link_url",
 *            "metadata": {}, "publish_at" (2024-03-15T10:00:00+08:00),
 *            "doc_no", "issuer", "written_on", "issued_on", "effective_on"
 *            (YYYY-MM-DD), "validity", "validity_on", "validity_by" (index_no
 *            of an earlier item of the same site), "editor" (login),
 *            "tags": [], "interprets": [ index_no | {"site", "index_no"} ],
 *            "placements": [ { "site", "column" (path), "state" (default
 *            published), "published_at" (default publish_at),
 *            "pinned_until", "sort" } ] }
 */
#ifndef JY_CORE_DEMO_H
#define JY_CORE_DEMO_H

#include <stdbool.h>

struct jy_db;
struct jy_err;
struct jy_pool;

/* Rows of one kind of object: written new, changed, or already as in the file. */
struct jy_demo_count {
    int created;
    int updated;
    int unchanged;
};

struct jy_demo_stats {
    struct jy_demo_count sites; /* the platform node and the sites */
    struct jy_demo_count units; /* column-only units */
    struct jy_demo_count domains;
    struct jy_demo_count columns; /* updated stays 0: columns are never changed */
    struct jy_demo_count tags;    /* tags and synonyms */
    struct jy_demo_count users;
    struct jy_demo_count grants;
    struct jy_demo_count items;
    struct jy_demo_count item_tags;
    struct jy_demo_count relations;
    struct jy_demo_count placements;
    int reuse_wired; /* columns created with a reuse link */
};

struct jy_demo_opts {
    const char *file;          /* the platform file to read */
    const char *name;          /* how messages call it (NULL: file) */
    const char *blueprint_dir; /* NULL: ../blueprints beside the file's folder */
    bool dry_run;              /* roll back instead of committing */
};

/*
 * Load the demo platform into db in one transaction (BEGIN ... COMMIT,
 * under an advisory lock so that two loads do not interleave). On error
 * nothing is changed and err names the file and the object. stats is
 * filled in either case.
 */
int jy_demo_load(struct jy_db *db, struct jy_pool *pool, const struct jy_demo_opts *opts,
                 struct jy_demo_stats *stats, struct jy_err *err);

/* Rows created or updated by the load: 0 when the database already held the demo. */
int jy_demo_changes(const struct jy_demo_stats *stats);

#endif /* JY_CORE_DEMO_H */
