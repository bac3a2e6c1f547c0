/*
 * site.c - the site lifecycle: create, update, close, reopen, promote,
 * demote, re-apply blueprints; see site.h.
 *
 * Every operation has the same shape: check what can be checked without
 * the database, BEGIN, lock the site rows it works on (FOR UPDATE the site
 * that changes, FOR SHARE the parent it hangs under, so that a concurrent
 * close of the parent and a create under it serialise), check what needs
 * the database, take a snapshot of the site (jy_site_snapshot), change it
 * with set-based statements, append the audit row (jy_site_audit, which
 * diffs the snapshot) and COMMIT, or ROLLBACK for a dry run and on any
 * error. Unique violations are not left to reach the caller as SQL errors:
 * inserts use ON CONFLICT DO NOTHING and, when nothing was inserted, a
 * second query names who holds the code, name or domain.
 */
#include "core/compat.h"
#include "core/sitecheck.h"
#include "core/site.h"
#include "core/blueprint.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/utf8.h"

#include <cjson/cJSON.h>

#define SITE_MAX_DOMAINS 32

/* The columns of a site row that the operations read. */
struct site_row {
    long long id;
    long long parent_id; /* 0 for the platform */
    const char *kind;    /* site, unit */
    const char *level;
    const char *name;
    const char *code;       /* NULL for units and the platform */
    const char *admin_code; /* NULL when unknown */
    const char *status;     /* open, closed */
    const char *path;       /* {1,4,9}: ids from the root */
    const char *blueprint;  /* NULL: none recorded */
    long long blueprint_version;
};

/* One operation: the connection, the caller's pool and a scratch pool for parameters. */
struct op {
    struct jy_db *db;
    struct jy_pool *pool;
};

static const char *const site_levels[] = {"province", "city", "county", "department", NULL};

static const char site_sql_update[] =
    "SELECT id, parent_id, kind, level, name, code, admin_code, status, path::text, blueprint,"
    " blueprint_version FROM site WHERE id = $1 FOR UPDATE";
static const char site_sql_share[] =
    "SELECT id, parent_id, kind, level, name, code, admin_code, status, path::text, blueprint,"
    " blueprint_version FROM site WHERE id = $1 FOR SHARE";


/* ---- small checks ---------------------------------------------------------------------------- */

static bool
digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}


static bool
all_digits(const char *s)
{
    return s[0] != '\0' && digits(s, strlen(s));
}


/* A theme folder or blueprint file name: [a-z0-9][a-z0-9_-]{0,63}. */
static bool
word_ok(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > 64)
        return false;
    for (i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '_' && c != '-')))
            return false;
    }
    return true;
}


static bool
in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}


/* A name of 1 to max characters without blanks around it. */
static int
check_name(const char *field, const char *v, size_t max, struct jy_err *err)
{
    size_t chars = jy_utf8_valid(v, strlen(v), NULL) ? jy_utf8_count(v, strlen(v)) : 0;

    if (chars == 0 || chars > max || v[0] == ' ' || v[strlen(v) - 1] == ' ') {
        jy_err_set(err, JY_E_INVALID,
                   "%s \"%s\" must be 1 to %zu characters with no blanks around it", field, v, max);
        jy_err_field(err, field);
        return JY_ERROR;
    }
    return JY_OK;
}


/*
 * One optional setting of a site, checked by the rule of its column: a bad
 * value is refused naming the field before the database sees it.
 */
static int
check_setting(const char *field, const char *v, struct jy_err *err)
{
    const char *what = NULL;

    if (v == NULL)
        return JY_OK;
    if (strcmp(field, "name") == 0)
        return check_name(field, v, 100, err);
    if (strcmp(field, "short_name") == 0 || strcmp(field, "sponsor") == 0 ||
        strcmp(field, "organizer") == 0)
        return check_name(field, v, 100, err);
    if (strcmp(field, "icp_no") == 0 && !jy_sitecheck_icp(v))
        what = "an ICP filing number such as 岭ICP备56012101号";
    else if (strcmp(field, "psb_no") == 0 && !jy_sitecheck_psb(v))
        what = "a public-security filing number such as 岭公网安备 56012102000001号";
    else if (strcmp(field, "contact_email") == 0 && !jy_sitecheck_email(v))
        what = "an e-mail address";
    else if (strcmp(field, "contact_postcode") == 0 && (strlen(v) != 6 || !digits(v, 6)))
        what = "a postcode of 6 digits";
    else if (strcmp(field, "dzjg_url") == 0 && strncmp(v, "https://", 8) != 0 &&
             strncmp(v, "http://", 7) != 0)
        what = "an http:// or https:// URL";
    else if (strcmp(field, "theme") == 0 && !word_ok(v))
        what = "a theme folder name (lower-case letters, digits, \"_\", \"-\")";
    else if (strcmp(field, "admin_code") == 0 && (strlen(v) != 6 || !digits(v, 6) || v[0] == '0'))
        what = "a 6-digit administrative division code such as 560121";
    if (what == NULL)
        return JY_OK;
    jy_err_set(err, JY_E_INVALID, "%s \"%s\" must be %s", field, v, what);
    jy_err_field(err, field);
    return JY_ERROR;
}


/* Lower-case ASCII copy of a host name in pool. */
static const char *
lower_host(struct jy_pool *pool, const char *s)
{
    char *d = jy_pool_strdup(pool, s);
    char *p;

    for (p = d; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char) (*p - 'A' + 'a');
    return d;
}


/* Check and lower-case a list of domains; *out gets them as a JSON array text. */
static int
check_domains(struct jy_pool *pool, const char *const *domains, int n, const char **out,
              struct jy_err *err)
{
    struct jy_buf b = JY_BUF_INIT(pool);
    const char **seen;
    int i, j;

    if (n <= 0) {
        jy_err_set(err, JY_E_INVALID, "a site needs a domain");
        jy_err_hint(err, "Give its host name, e.g. --domain xinqu.lanchuan.gov.cn.");
        jy_err_field(err, "domains");
        return JY_ERROR;
    }
    if (n > SITE_MAX_DOMAINS) {
        jy_err_set(err, JY_E_INVALID, "a site has at most %d domains, not %d", SITE_MAX_DOMAINS, n);
        jy_err_field(err, "domains");
        return JY_ERROR;
    }
    seen = jy_pool_new_array(pool, const char *, (size_t) n);
    jy_buf_add_char(&b, '[');
    for (i = 0; i < n; i++) {
        const char *d = lower_host(pool, domains[i]);
        if (!jy_sitecheck_domain(d)) {
            jy_err_set(err, JY_E_INVALID,
                       "domain \"%s\" must be a host name such as xinqu.lanchuan.gov.cn",
                       domains[i]);
            jy_err_field(err, "domains");
            return JY_ERROR;
        }
        for (j = 0; j < i; j++)
            if (strcmp(seen[j], d) == 0) {
                jy_err_set(err, JY_E_INVALID, "domain \"%s\" is given twice", d);
                jy_err_field(err, "domains");
                return JY_ERROR;
            }
        seen[i] = d;
        if (i)
            jy_buf_add_char(&b, ',');
        jy_buf_add_json_str(&b, d, strlen(d));
    }
    jy_buf_add_char(&b, ']');
    *out = b.buf;
    return JY_OK;
}


/* ---- database helpers ------------------------------------------------------------------------ */

static const char *
num(struct jy_pool *pool, long long v)
{
    return jy_pool_printf(pool, "%lld", v);
}


static long long
to_id(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}


static struct jy_db_res *
query(struct op *o, const char *sql, int n, const char *const *params, struct jy_err *err)
{
    return jy_db_query(o->db, o->pool, sql, n, params, err);
}


/*
 * The first value of a one-row answer, NULL when there is none; a failed
 * query is told apart by *failed (with err set), whatever err held before.
 */
static const char *
query_value(struct op *o, const char *sql, int n, const char *const *params, bool *failed,
            struct jy_err *err)
{
    struct jy_err local = JY_ERR_INIT;
    const char *v = jy_db_query_value(o->db, o->pool, sql, n, params, &local);

    *failed = v == NULL && local.code != JY_E_NONE;
    if (*failed)
        *err = local;
    return v;
}


/* A value that must be there: NULL only with err set. */
static const char *
query_value_required(struct op *o, const char *sql, int n, const char *const *params,
                     struct jy_err *err)
{
    bool failed;
    const char *v = query_value(o, sql, n, params, &failed, err);

    if (v == NULL && !failed)
        jy_err_set(err, JY_E_INTERNAL, "no answer from the database to a one-row query");
    return v;
}


/* Load a site row; lock is site_sql, site_sql_update or site_sql_share. */
static int
site_load(struct op *o, const char *lock, long long id, struct site_row *s, struct jy_err *err)
{
    const char *p[1] = {num(o->pool, id)};
    struct jy_db_res *r = query(o, lock, 1, p, err);

    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "site %lld does not exist", id);
        return JY_ERROR;
    }
    s->id = id;
    s->parent_id = to_id(jy_db_res_get(r, 0, 1));
    s->kind = jy_db_res_get(r, 0, 2);
    s->level = jy_db_res_get(r, 0, 3);
    s->name = jy_db_res_get(r, 0, 4);
    s->code = jy_db_res_get(r, 0, 5);
    s->admin_code = jy_db_res_get(r, 0, 6);
    s->status = jy_db_res_get(r, 0, 7);
    s->path = jy_db_res_get(r, 0, 8);
    s->blueprint = jy_db_res_get(r, 0, 9);
    s->blueprint_version = to_id(jy_db_res_get(r, 0, 10));
    return JY_OK;
}


/* True when id appears in the path text {1,4,9} of a site. */
static bool
path_has(const char *path, long long id)
{
    const char *p = path;

    while (*p) {
        char *end;
        long long v;
        if (*p < '0' || *p > '9') {
            p++;
            continue;
        }
        v = strtoll(p, &end, 10);
        if (v == id)
            return true;
        p = end;
    }
    return false;
}


/* How a site is called in messages: its name. */
static const char *
label(const struct site_row *s)
{
    return s->name;
}


static int
begin(struct op *o, struct jy_err *err)
{
    return jy_db_begin(o->db, err);
}


/* End the transaction begun by an operation: roll back on error and for a dry run. */
static int
finish(struct op *o, int rc, int flags, struct jy_site_result *res, struct jy_err *err)
{
    if (rc != JY_OK) {
        jy_db_rollback(o->db);
        return rc;
    }
    if (flags & JY_SITE_DRY_RUN) {
        jy_db_rollback(o->db);
        if (res)
            res->dry_run = true;
        return JY_OK;
    }
    return jy_db_commit(o->db, err);
}


/* The site as the audit log records it, as JSON text. */
static const char *
snapshot(struct op *o, long long id, struct jy_err *err)
{
    const char *p[1] = {num(o->pool, id)};
    return query_value_required(o, "SELECT jy_site_snapshot($1)::text", 1, p, err);
}


/* Append the audit row of one step (see jy_site_audit in schema/0007). */
static int
audit(struct op *o, const char *action, long long id, const char *before, const char *extra,
      struct jy_err *err)
{
    const char *p[4] = {action, num(o->pool, id), before, extra};

    if (query(o, "SELECT jy_site_audit($1, $2, $3::jsonb, $4::jsonb)", 4, p, err) == NULL) {
        jy_err_prefix(err, "could not record %s in the audit log", action);
        return JY_ERROR;
    }
    return JY_OK;
}


/*
 * A check violation of the site table, reported by the rule's field: the
 * constraints are named site_<field>_shape (0001_site.sql).
 */
static void
explain_check(struct jy_err *err)
{
    static const struct {
        const char *constraint, *field;
    } map[] = {
        {"site_icp_shape", "icp_no"},
        {"site_psb_shape", "psb_no"},
        {"site_email_shape", "contact_email"},
        {"site_postcode_shape", "contact_postcode"},
        {"site_time_zone_shape", "time_zone"},
        {"site_theme_shape", "theme"},
        {"site_channels_shape", "channels"},
        {"site_name_shape", "name"},
        {"site_code_shape", "code"},
        {"site_admin_code_shape", "admin_code"},
        {"site_admin_code_level", "admin_code"},
        {"site_code_matches_admin_code", "code"},
        {"site_dzjg_url_shape", "dzjg_url"},
        {"site_township_is_unit", "level"},
        {"site_domain_shape", "domains"},
    };
    size_t i;

    if (err->code != JY_E_INVALID)
        return;
    for (i = 0; i < JY_ARRAY_LEN(map); i++) {
        if (strstr(err->msg, map[i].constraint) == NULL)
            continue;
        jy_err_detail(err, "%s", err->msg);
        jy_err_field(err, map[i].field);
        {
            char msg[sizeof(err->msg)];
            snprintf(msg, sizeof(msg), "invalid value for \"%s\" (rule %s)", map[i].field,
                     map[i].constraint);
            snprintf(err->msg, sizeof(err->msg), "%s", msg);
        }
        return;
    }
}


/* ---- naming sites and columns ---------------------------------------------------------------- */

int
jy_site_resolve(struct jy_db *db, struct jy_pool *pool, const char *ref, const char *field,
                long long *id, struct jy_err *err)
{
    static const char sql[] = "SELECT id FROM ("
                              " SELECT s.id, 1 AS o FROM site s WHERE s.code = $1"
                              " UNION ALL SELECT d.site_id, 2 FROM site_domain d"
                              "  WHERE d.domain = lower($1)"
                              " UNION ALL SELECT s.id, 3 FROM site s WHERE s.id = $2::bigint) x"
                              " ORDER BY o LIMIT 1";
    static const char unit_sql[] = "SELECT id FROM site WHERE parent_id = $1 AND name = $2";
    const char *slash, *v, *p[2];
    struct jy_err local = JY_ERR_INIT;
    long long parent;

    if (ref == NULL || ref[0] == '\0') {
        jy_err_set(err, JY_E_INVALID, "%s is required", field);
        jy_err_hint(err, "Name a site by its 政府网站标识码, one of its domains or its id.");
        jy_err_field(err, field);
        return JY_ERROR;
    }
    slash = strchr(ref, '/');
    if (slash) {
        /* SITE/NAME: a unit by its parent and name */
        const char *site = jy_pool_strndup(pool, ref, (size_t) (slash - ref));
        if (jy_site_resolve(db, pool, site, field, &parent, err) != JY_OK)
            return JY_ERROR;
        p[0] = num(pool, parent);
        p[1] = slash + 1;
        v = jy_db_query_value(db, pool, unit_sql, 2, p, &local);
    } else {
        p[0] = ref;
        p[1] = all_digits(ref) && strlen(ref) <= 18 ? ref : NULL;
        v = jy_db_query_value(db, pool, sql, 2, p, &local);
    }
    if (v == NULL) {
        if (local.code != JY_E_NONE) {
            *err = local;
            return JY_ERROR;
        }
        if (slash)
            jy_err_set(err, JY_E_NOT_FOUND, "%s \"%s\": \"%s\" has no unit or site called \"%s\"",
                       field, ref, jy_pool_strndup(pool, ref, (size_t) (slash - ref)), slash + 1);
        else
            jy_err_set(err, JY_E_NOT_FOUND, "%s \"%s\" does not exist", field, ref);
        jy_err_hint(err, "Name a site by its 政府网站标识码, one of its domains or its id, a unit "
                         "by SITE/NAME; \"jiyue sites\" lists them.");
        jy_err_field(err, field);
        return JY_ERROR;
    }
    *id = to_id(v);
    return JY_OK;
}


/* The default folder of blueprints: the source tree's (share_dir's default). */
static const char *
bp_dir(const char *dir)
{
    return dir ? dir : JY_SOURCE_DIR "/sites/blueprints";
}


/* Read the blueprint called name from dir, checking its reuse against the other levels. */
static struct jy_blueprint *
bp_load(struct jy_pool *pool, const char *dir, const char *name, struct jy_err *err)
{
    struct jy_blueprint *bp;
    const char *path;

    if (!word_ok(name)) {
        jy_err_set(err, JY_E_INVALID, "blueprint \"%s\" must be a blueprint name such as county",
                   name);
        jy_err_field(err, "blueprint");
        return NULL;
    }
    path = jy_pool_printf(pool, "%s/%s.json", bp_dir(dir), name);
    bp = jy_blueprint_load(pool, path, err);
    if (bp == NULL) {
        if (err->code == JY_E_NOT_FOUND) {
            jy_err_set(err, JY_E_NOT_FOUND, "blueprint \"%s\" does not exist", name);
            jy_err_detail(err, "no file %s", path);
            jy_err_hint(err,
                        "The blueprints are the files of %s: province, city, county, "
                        "department.",
                        bp_dir(dir));
        }
        jy_err_field(err, "blueprint");
        return NULL;
    }
    if (jy_blueprint_check_reuse(pool, bp, bp_dir(dir), err) != JY_OK)
        return NULL;
    return bp;
}


/* The levels a site of the given level may hang under. */
static bool
level_fits(const char *level, const char *parent_level)
{
    if (strcmp(level, "province") == 0)
        return strcmp(parent_level, "platform") == 0;
    if (strcmp(level, "city") == 0)
        return strcmp(parent_level, "province") == 0;
    if (strcmp(level, "county") == 0)
        return strcmp(parent_level, "city") == 0 || strcmp(parent_level, "province") == 0;
    if (strcmp(level, "department") == 0)
        return strcmp(parent_level, "province") == 0 || strcmp(parent_level, "city") == 0 ||
               strcmp(parent_level, "county") == 0;
    return false;
}


static const char *
parent_levels(const char *level)
{
    if (strcmp(level, "province") == 0)
        return "the platform";
    if (strcmp(level, "city") == 0)
        return "a province site";
    if (strcmp(level, "county") == 0)
        return "a city or province site";
    return "a province, city or county site";
}


/* The site a new or promoted site hangs under: a site, open, of a level that fits. */
static int
check_parent(const struct site_row *parent, const char *level, const char *what, struct jy_err *err)
{
    if (strcmp(parent->kind, "site") != 0) {
        jy_err_set(err, JY_E_INVALID, "%s cannot hang under \"%s\": it is a column-only unit", what,
                   parent->name);
    } else if (strcmp(parent->status, "open") != 0) {
        jy_err_set(err, JY_E_INVALID, "%s cannot hang under \"%s\": that site is closed", what,
                   parent->name);
        jy_err_hint(err, "Reopen it first, or choose another parent.");
    } else if (!level_fits(level, parent->level)) {
        jy_err_set(err, JY_E_INVALID,
                   "%s cannot hang under \"%s\", a %s site: a %s site belongs under %s", what,
                   parent->name, parent->level, level, parent_levels(level));
    } else {
        return JY_OK;
    }
    jy_err_field(err, "parent");
    return JY_ERROR;
}


/*
 * The division code of a site of level under parent: given, or derived
 * (a department shares its government's; a local site's is the start of
 * its code). It must be of the level's shape and lie inside the parent's:
 * a city 56xx00 in province 560000, a county 5601xx in city 560100.
 */
static int
division(struct jy_pool *pool, const char *level, const char *code, const char *given,
         const struct site_row *parent, const char **out, struct jy_err *err)
{
    const char *field = given ? "admin_code" : "code";
    const char *pa = parent->admin_code, *a = given;
    size_t keep = 0;

    *out = NULL;
    if (a == NULL) {
        if (strcmp(level, "department") == 0 && pa)
            a = pa;
        else if (code && strlen(code) == 10 && digits(code, 10))
            a = jy_pool_strndup(pool, code, 6);
        else
            return JY_OK; /* a "bm" code: no division */
    }
    if (check_setting("admin_code", a, err) != JY_OK)
        return JY_ERROR;
    if (strcmp(level, "province") == 0 && strcmp(a + 2, "0000") != 0) {
        jy_err_set(err, JY_E_INVALID, "%s: \"%s\" is no province division code (those end in 0000)",
                   field, a);
    } else if (strcmp(level, "city") == 0 &&
               (strcmp(a + 4, "00") != 0 || strncmp(a + 2, "00", 2) == 0)) {
        jy_err_set(err, JY_E_INVALID,
                   "%s: \"%s\" is no city division code (those look like 560100)", field, a);
    } else if (strcmp(level, "county") == 0 && strcmp(a + 4, "00") == 0) {
        jy_err_set(err, JY_E_INVALID,
                   "%s: \"%s\" is no county division code (those look like 560121)", field, a);
    } else {
        if (pa && strcmp(level, "department") == 0 && strcmp(a, pa) != 0) {
            jy_err_set(err, JY_E_INVALID,
                       "%s: a department of \"%s\" has its division code \"%s\", not \"%s\"", field,
                       parent->name, pa, a);
            goto fail;
        }
        if (pa && strcmp(parent->level, "province") == 0)
            keep = 2;
        else if (pa && strcmp(parent->level, "city") == 0)
            keep = 4;
        if (keep && strncmp(a, pa, keep) != 0) {
            jy_err_set(err, JY_E_INVALID,
                       "%s: division code \"%s\" is not inside \"%s\" of \"%s\" (it must start "
                       "with %.*s)",
                       field, a, pa, parent->name, (int) keep, pa);
            goto fail;
        }
        *out = a;
        return JY_OK;
    }
fail:
    jy_err_field(err, field);
    return JY_ERROR;
}


/* Who holds a code or a name that an insert found taken: the conflict, named. */
static int
taken(struct op *o, const char *code, long long parent_id, const char *name, struct jy_err *err)
{
    static const char sql[] = "SELECT 'code', name FROM site WHERE code = $1"
                              " UNION ALL SELECT 'name', p.name FROM site s"
                              "  JOIN site p ON p.id = s.parent_id"
                              "  WHERE s.parent_id = $2 AND s.name = $3"
                              " LIMIT 1";
    const char *p[3] = {code, num(o->pool, parent_id), name};
    struct jy_db_res *r = query(o, sql, 3, p, err);

    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_CONFLICT, "site \"%s\" conflicts with a site created meanwhile", name);
        jy_err_hint(err, "Try again.");
    } else if (strcmp(jy_db_res_get(r, 0, 0), "code") == 0) {
        jy_err_set(err, JY_E_CONFLICT, "site code \"%s\" is already taken by \"%s\"", code,
                   jy_db_res_get(r, 0, 1));
        jy_err_hint(err,
                    "Every site has a 政府网站标识码 of its own; \"jiyue site show %s\" "
                    "shows the site that has it.",
                    code);
        jy_err_field(err, "code");
    } else {
        jy_err_set(err, JY_E_CONFLICT, "a site or unit called \"%s\" already exists under \"%s\"",
                   name, jy_db_res_get(r, 0, 1));
        jy_err_field(err, "name");
    }
    return JY_ERROR;
}


/*
 * Give site_id exactly the domains of the JSON array text (the first one
 * primary): add the missing, drop the others, move the primary flag. A
 * domain that belongs to another site is a conflict naming it and that site.
 */
static int
set_domains(struct op *o, long long site_id, const char *domains, struct jy_err *err)
{
    static const char drop[] = "DELETE FROM site_domain WHERE site_id = $1"
                               " AND domain NOT IN (SELECT jsonb_array_elements_text($2::jsonb))";
    static const char unprimary[] =
        "UPDATE site_domain SET is_primary = false WHERE site_id = $1 AND is_primary"
        " AND domain <> $2::jsonb ->> 0";
    /* a domain already as wanted is not rewritten: a repeated setting changes no row */
    static const char add[] =
        "INSERT INTO site_domain AS d (site_id, domain, is_primary)"
        " SELECT $1, t.domain, t.o = 1 FROM jsonb_array_elements_text($2::jsonb)"
        "  WITH ORDINALITY AS t(domain, o)"
        " ON CONFLICT (domain) DO UPDATE SET is_primary = EXCLUDED.is_primary"
        "  WHERE d.site_id = EXCLUDED.site_id AND d.is_primary <> EXCLUDED.is_primary";
    static const char holder[] =
        "SELECT d.domain, s.name FROM jsonb_array_elements_text($2::jsonb) AS t(domain)"
        " JOIN site_domain d ON d.domain = t.domain AND d.site_id <> $1"
        " JOIN site s ON s.id = d.site_id LIMIT 1";
    const char *p[2] = {num(o->pool, site_id), domains};
    struct jy_db_res *r;

    if (query(o, drop, 2, p, err) == NULL || query(o, unprimary, 2, p, err) == NULL)
        return JY_ERROR;
    if (query(o, add, 2, p, err) == NULL || (r = query(o, holder, 2, p, err)) == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0)
        return JY_OK;
    jy_err_set(err, JY_E_CONFLICT, "domain \"%s\" is already used by \"%s\"",
               jy_db_res_get(r, 0, 0), jy_db_res_get(r, 0, 1));
    jy_err_hint(err, "A host name belongs to one site only.");
    jy_err_field(err, "domains");
    return JY_ERROR;
}


/* ---- create ---------------------------------------------------------------------------------- */

/* JSON text of what applying a blueprint created, for the audit record. */
static const char *
bp_extra(struct jy_pool *pool, const struct jy_blueprint *bp, const struct jy_blueprint_created *c,
         int n, bool list, const struct jy_blueprint_result *br, long long from)
{
    struct jy_buf b = JY_BUF_INIT(pool);
    int i;

    jy_buf_add_str(&b, "{\"blueprint\": ");
    jy_buf_add_json_str(&b, bp->name, strlen(bp->name));
    jy_buf_addf(&b, ", \"version\": %lld", bp->version);
    if (from)
        jy_buf_addf(&b, ", \"from_version\": %lld", from);
    jy_buf_addf(&b, ", \"columns_created\": %d, \"columns_present\": %d, \"reuse_wired\": %d",
                br->created, br->present, br->wired);
    if (!list)
        n = 0;
    else
        jy_buf_add_str(&b, ", \"created\": [");
    for (i = 0; i < n; i++) {
        if (i)
            jy_buf_add_str(&b, ", ");
        jy_buf_add_json_str(&b, c[i].path, strlen(c[i].path));
    }
    jy_buf_add_str(&b, list ? "]}" : "}");
    return b.buf;
}


static int
create_run(struct op *o, const struct jy_site_spec *spec, const struct jy_blueprint *bp,
           const char *level, const char *domains, struct jy_site_result *res, struct jy_err *err)
{
    static const char insert[] =
        "INSERT INTO site (parent_id, kind, level, name, short_name, code, admin_code, sponsor,"
        " organizer, contact_phone, contact_email, contact_address, contact_postcode, icp_no,"
        " psb_no, dzjg_url, theme, time_zone, blueprint, blueprint_version, sort, settings)"
        " VALUES ($1, 'site', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
        "  COALESCE($17, 'Asia/Shanghai'), $18, $19,"
        "  (SELECT COALESCE(max(sort), 0) + 10 FROM site WHERE parent_id = $1),"
        "  CASE WHEN $20::jsonb IS NULL THEN '{}'::jsonb"
        "       ELSE jsonb_build_object('review', $20::jsonb) END)"
        " ON CONFLICT DO NOTHING RETURNING id";
    struct jy_blueprint_created *created = NULL;
    struct jy_blueprint_result br = {0, 0, 0};
    struct site_row parent;
    const char *p[20], *admin = NULL;
    struct jy_db_res *r;
    long long parent_id, id;
    int ncreated = 0;

    if (jy_site_resolve(o->db, o->pool, spec->parent, "parent", &parent_id, err) != JY_OK ||
        site_load(o, site_sql_share, parent_id, &parent, err) != JY_OK)
        return JY_ERROR;
    if (check_parent(&parent, level, jy_pool_printf(o->pool, "site \"%s\"", spec->name), err) !=
            JY_OK ||
        division(o->pool, level, spec->code, spec->admin_code, &parent, &admin, err) != JY_OK ||
        jy_sitecheck_code(spec->code, admin, err) != JY_OK)
        return JY_ERROR;

    memset(p, 0, sizeof(p));
    p[0] = num(o->pool, parent_id);
    p[1] = level;
    p[2] = spec->name;
    p[3] = spec->short_name;
    p[4] = spec->code;
    p[5] = admin;
    p[6] = spec->sponsor;
    p[7] = spec->organizer;
    p[8] = spec->contact_phone;
    p[9] = spec->contact_email;
    p[10] = spec->contact_address;
    p[11] = spec->contact_postcode;
    p[12] = spec->icp_no;
    p[13] = spec->psb_no;
    p[14] = spec->dzjg_url;
    p[15] = spec->theme ? spec->theme : bp ? bp->theme : "default";
    p[16] = spec->time_zone;
    p[17] = bp ? bp->name : NULL;
    p[18] = bp ? num(o->pool, bp->version) : NULL;
    p[19] = bp ? bp->review : NULL; /* the blueprint's default review chain */
    if ((r = query(o, insert, 20, p, err)) == NULL) {
        explain_check(err);
        return JY_ERROR;
    }
    if (jy_db_res_rows(r) == 0)
        return taken(o, spec->code, parent_id, spec->name, err);
    id = to_id(jy_db_res_get(r, 0, 0));
    res->site_id = id;
    res->code = jy_pool_strdup(o->pool, spec->code);
    res->name = jy_pool_strdup(o->pool, spec->name);
    if (set_domains(o, id, domains, err) != JY_OK)
        return JY_ERROR;
    if (bp) {
        if (jy_blueprint_apply_log(o->db, o->pool, bp, id, &br, &created, &ncreated, err) != JY_OK)
            return JY_ERROR;
        res->columns_created = br.created;
        res->columns_present = br.present;
        res->columns_wired = br.wired;
    }
    return audit(o, "site.create", id, NULL,
                 bp ? bp_extra(o->pool, bp, created, ncreated, false, &br, 0) : NULL, err);
}


int
jy_site_create(struct jy_db *db, struct jy_pool *pool, const struct jy_site_spec *spec, int flags,
               struct jy_site_result *res, struct jy_err *err)
{
    static const char *const fields[] = {
        "short_name", "sponsor", "organizer", "contact_email", "contact_postcode",
        "icp_no",     "psb_no",  "dzjg_url",  "theme",         NULL};
    const char *const values[] = {spec->short_name,    spec->sponsor,          spec->organizer,
                                  spec->contact_email, spec->contact_postcode, spec->icp_no,
                                  spec->psb_no,        spec->dzjg_url,         spec->theme};
    struct jy_site_result local;
    struct jy_blueprint *bp = NULL;
    struct op o = {db, pool};
    const char *level = spec->level, *domains;
    int i, rc;

    res = res ? res : &local;
    memset(res, 0, sizeof(*res));
    if (spec->name == NULL || spec->code == NULL) {
        jy_err_set(err, JY_E_INVALID, "a new site needs a %s", spec->name ? "code" : "name");
        jy_err_field(err, spec->name ? "code" : "name");
        return JY_ERROR;
    }
    if (check_name("name", spec->name, 100, err) != JY_OK ||
        jy_sitecheck_code(spec->code, NULL, err) != JY_OK)
        return JY_ERROR;
    for (i = 0; fields[i]; i++)
        if (check_setting(fields[i], values[i], err) != JY_OK)
            return JY_ERROR;
    if (check_domains(pool, spec->domains, spec->ndomains, &domains, err) != JY_OK)
        return JY_ERROR;
    if (spec->blueprint && (bp = bp_load(pool, spec->blueprint_dir, spec->blueprint, err)) == NULL)
        return JY_ERROR;
    if (level == NULL)
        level = bp ? bp->level : NULL;
    if (level == NULL || !in_list(level, site_levels)) {
        if (level)
            jy_err_set(err, JY_E_INVALID,
                       "level \"%s\" must be province, city, county or department", level);
        else
            jy_err_set(err, JY_E_INVALID, "a site without a blueprint needs a level");
        jy_err_field(err, "level");
        return JY_ERROR;
    }
    if (bp && strcmp(bp->level, level) != 0) {
        jy_err_set(err, JY_E_INVALID, "blueprint \"%s\" is for %s sites, not %s sites", bp->name,
                   bp->level, level);
        jy_err_field(err, "blueprint");
        return JY_ERROR;
    }
    if (begin(&o, err) != JY_OK)
        return JY_ERROR;
    rc = create_run(&o, spec, bp, level, domains, res, err);
    if (rc != JY_OK && res->site_id == 0 && err->field[0] == '\0')
        jy_err_prefix(err, "could not create site \"%s\"", spec->name);
    return finish(&o, rc, flags, res, err);
}


/* ---- update ---------------------------------------------------------------------------------- */

enum set_type {
    SET_TEXT,     /* text, "" clears it */
    SET_REQUIRED, /* text that cannot be cleared */
    SET_CODE,     /* the 政府网站标识码 */
    SET_PARENT,   /* SITE: move */
    SET_DOMAINS,  /* comma-separated host names */
    SET_LIST,     /* comma-separated words (channels) */
    SET_INT,      /* a whole number (sort) */
};

static const struct {
    const char *key;
    enum set_type type;
} settable[] = {
    {"name", SET_REQUIRED},      {"short_name", SET_TEXT},      {"code", SET_CODE},
    {"admin_code", SET_TEXT},    {"parent", SET_PARENT},        {"domains", SET_DOMAINS},
    {"sponsor", SET_TEXT},       {"organizer", SET_TEXT},       {"contact_phone", SET_TEXT},
    {"contact_email", SET_TEXT}, {"contact_address", SET_TEXT}, {"contact_postcode", SET_TEXT},
    {"icp_no", SET_TEXT},        {"psb_no", SET_TEXT},          {"dzjg_url", SET_TEXT},
    {"theme", SET_REQUIRED},     {"time_zone", SET_REQUIRED},   {"channels", SET_LIST},
    {"sort", SET_INT},
};

/*
 * One statement for every plain setting: $2 is a JSON object of the keys to
 * change, so that the SQL text is fixed whatever the caller sets. The row
 * is written only when a value differs (an idempotent update changes no row).
 */
static const char update_sql[] =
    "UPDATE site s SET"
    " name = CASE WHEN j ? 'name' THEN j ->> 'name' ELSE s.name END,"
    " short_name = CASE WHEN j ? 'short_name' THEN j ->> 'short_name' ELSE s.short_name END,"
    " code = CASE WHEN j ? 'code' THEN j ->> 'code' ELSE s.code END,"
    " admin_code = CASE WHEN j ? 'admin_code' THEN j ->> 'admin_code' ELSE s.admin_code END,"
    " parent_id = CASE WHEN j ? 'parent' THEN (j ->> 'parent')::bigint ELSE s.parent_id END,"
    " sponsor = CASE WHEN j ? 'sponsor' THEN j ->> 'sponsor' ELSE s.sponsor END,"
    " organizer = CASE WHEN j ? 'organizer' THEN j ->> 'organizer' ELSE s.organizer END,"
    " contact_phone = CASE WHEN j ? 'contact_phone' THEN j ->> 'contact_phone'"
    "  ELSE s.contact_phone END,"
    " contact_email = CASE WHEN j ? 'contact_email' THEN j ->> 'contact_email'"
    "  ELSE s.contact_email END,"
    " contact_address = CASE WHEN j ? 'contact_address' THEN j ->> 'contact_address'"
    "  ELSE s.contact_address END,"
    " contact_postcode = CASE WHEN j ? 'contact_postcode' THEN j ->> 'contact_postcode'"
    "  ELSE s.contact_postcode END,"
    " icp_no = CASE WHEN j ? 'icp_no' THEN j ->> 'icp_no' ELSE s.icp_no END,"
    " psb_no = CASE WHEN j ? 'psb_no' THEN j ->> 'psb_no' ELSE s.psb_no END,"
    " dzjg_url = CASE WHEN j ? 'dzjg_url' THEN j ->> 'dzjg_url' ELSE s.dzjg_url END,"
    " theme = CASE WHEN j ? 'theme' THEN j ->> 'theme' ELSE s.theme END,"
    " time_zone = CASE WHEN j ? 'time_zone' THEN j ->> 'time_zone' ELSE s.time_zone END,"
    " channels = CASE WHEN j ? 'channels'"
    "  THEN ARRAY(SELECT jsonb_array_elements_text(j -> 'channels')) ELSE s.channels END,"
    " sort = CASE WHEN j ? 'sort' THEN (j ->> 'sort')::integer ELSE s.sort END"
    " FROM (SELECT $2::jsonb AS j) x WHERE s.id = $1 AND ("
    "  (j ? 'name' AND s.name IS DISTINCT FROM j ->> 'name') OR"
    "  (j ? 'short_name' AND s.short_name IS DISTINCT FROM j ->> 'short_name') OR"
    "  (j ? 'code' AND s.code IS DISTINCT FROM j ->> 'code') OR"
    "  (j ? 'admin_code' AND s.admin_code IS DISTINCT FROM j ->> 'admin_code') OR"
    "  (j ? 'parent' AND s.parent_id IS DISTINCT FROM (j ->> 'parent')::bigint) OR"
    "  (j ? 'sponsor' AND s.sponsor IS DISTINCT FROM j ->> 'sponsor') OR"
    "  (j ? 'organizer' AND s.organizer IS DISTINCT FROM j ->> 'organizer') OR"
    "  (j ? 'contact_phone' AND s.contact_phone IS DISTINCT FROM j ->> 'contact_phone') OR"
    "  (j ? 'contact_email' AND s.contact_email IS DISTINCT FROM j ->> 'contact_email') OR"
    "  (j ? 'contact_address' AND s.contact_address IS DISTINCT FROM j ->> 'contact_address') OR"
    "  (j ? 'contact_postcode' AND s.contact_postcode IS DISTINCT FROM j ->> 'contact_postcode') OR"
    "  (j ? 'icp_no' AND s.icp_no IS DISTINCT FROM j ->> 'icp_no') OR"
    "  (j ? 'psb_no' AND s.psb_no IS DISTINCT FROM j ->> 'psb_no') OR"
    "  (j ? 'dzjg_url' AND s.dzjg_url IS DISTINCT FROM j ->> 'dzjg_url') OR"
    "  (j ? 'theme' AND s.theme IS DISTINCT FROM j ->> 'theme') OR"
    "  (j ? 'time_zone' AND s.time_zone IS DISTINCT FROM j ->> 'time_zone') OR"
    "  (j ? 'channels' AND s.channels IS DISTINCT FROM ARRAY(SELECT jsonb_array_elements_text(j -> 'channels'))) OR"
    "  (j ? 'sort' AND s.sort IS DISTINCT FROM (j ->> 'sort')::integer))";


/* A unique violation of the site table (a race the pre-checks lost), named. */
static void
explain_unique(struct jy_err *err, const char *code, const char *name)
{
    if (err->code != JY_E_CONFLICT)
        return;
    if (strstr(err->msg, "site_code_key") && code) {
        jy_err_set(err, JY_E_CONFLICT, "site code \"%s\" is already taken", code);
        jy_err_field(err, "code");
    } else if (strstr(err->msg, "site_parent_name_key") && name) {
        jy_err_set(err, JY_E_CONFLICT, "a site or unit called \"%s\" already exists there", name);
        jy_err_field(err, "name");
    }
}


/* Append a comma-separated list as a JSON array of trimmed, non-empty words. */
static int
add_list(struct jy_buf *b, const char *key, const char *v, struct jy_err *err)
{
    const char *p = v;
    int n = 0;

    jy_buf_add_char(b, '[');
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *s = p, *e = p + len;
        size_t i;
        while (s < e && *s == ' ')
            s++;
        while (e > s && e[-1] == ' ')
            e--;
        for (i = 0; s + i < e; i++) {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '_' && i > 0))) {
                jy_err_set(err, JY_E_INVALID,
                           "%s \"%s\" must be lower-case words separated by commas", key, v);
                jy_err_field(err, key);
                return JY_ERROR;
            }
        }
        if (e > s) {
            if (n++)
                jy_buf_add_char(b, ',');
            jy_buf_add_json_str(b, s, (size_t) (e - s));
        }
        p += len;
        if (*p == ',')
            p++;
    }
    jy_buf_add_char(b, ']');
    return JY_OK;
}


/* Split a comma-separated list of domains into an array of pool strings. */
static const char **
split_domains(struct jy_pool *pool, const char *v, int *n)
{
    const char **out = jy_pool_new_array(pool, const char *, strlen(v) / 2 + 2);
    const char *p = v;

    *n = 0;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *s = p, *e = p + len;
        while (s < e && *s == ' ')
            s++;
        while (e > s && e[-1] == ' ')
            e--;
        if (e > s)
            out[(*n)++] = jy_pool_strndup(pool, s, (size_t) (e - s));
        p += len;
        if (*p == ',')
            p++;
    }
    return out;
}


/* Record the step and count the fields it changed (0: nothing, no audit row). */
static int
audit_count(struct op *o, const char *action, long long id, const char *before, const char *extra,
            int *changed, struct jy_err *err)
{
    const char *p[4] = {action, num(o->pool, id), before, extra};
    const char *v = query_value_required(
        o,
        "SELECT (SELECT count(*) FROM jsonb_object_keys(a)) FROM jy_site_audit($1, $2, $3::jsonb,"
        " $4::jsonb) AS a",
        4, p, err);

    if (v == NULL) {
        jy_err_prefix(err, "could not record %s in the audit log", action);
        return JY_ERROR;
    }
    *changed = atoi(v);
    return JY_OK;
}


/* Move site s under the site parent_ref: checked, then added to the change set. */
static int
update_parent(struct op *o, const struct site_row *s, const char *ref, struct jy_buf *j,
              struct jy_err *err)
{
    struct site_row parent;
    long long pid;

    if (s->parent_id == 0) {
        jy_err_set(err, JY_E_INVALID, "the platform root has no parent");
        jy_err_field(err, "parent");
        return JY_ERROR;
    }
    if (jy_site_resolve(o->db, o->pool, ref, "parent", &pid, err) != JY_OK ||
        site_load(o, site_sql_share, pid, &parent, err) != JY_OK)
        return JY_ERROR;
    if (pid == s->id || path_has(parent.path, s->id)) {
        jy_err_set(err, JY_E_INVALID,
                   "cannot move \"%s\" under \"%s\": \"%s\" is %s, the move would make a cycle",
                   s->name, parent.name, parent.name,
                   pid == s->id ? "the site itself" : "below it");
        jy_err_field(err, "parent");
        return JY_ERROR;
    }
    if (strcmp(s->kind, "site") == 0) {
        if (check_parent(&parent, s->level, jy_pool_printf(o->pool, "site \"%s\"", s->name), err) !=
            JY_OK)
            return JY_ERROR;
    } else if (strcmp(parent.kind, "site") != 0) {
        jy_err_set(err, JY_E_INVALID, "unit \"%s\" must hang under a site, and \"%s\" is a unit",
                   s->name, parent.name);
        jy_err_field(err, "parent");
        return JY_ERROR;
    }
    jy_buf_addf(j, ",\"parent\":\"%lld\"", pid);
    return JY_OK;
}


static int
update_run(struct op *o, const char *site, const struct jy_site_setting *set, int nset,
           struct jy_site_result *res, struct jy_err *err)
{
    struct jy_buf j = JY_BUF_INIT(o->pool);
    struct site_row s;
    const char *before, *domains = NULL, *code = NULL, *admin = NULL, *name = NULL, *p[2];
    long long id;
    int i, ndomains = 0;

    if (jy_site_resolve(o->db, o->pool, site, "site", &id, err) != JY_OK ||
        site_load(o, site_sql_update, id, &s, err) != JY_OK)
        return JY_ERROR;
    res->site_id = id;
    res->code = s.code;
    res->name = s.name;
    jy_buf_add_str(&j, "{\"_\":0");
    for (i = 0; i < nset; i++) {
        const char *k = set[i].key, *v = set[i].value;
        size_t t;
        for (t = 0; strcmp(settable[t].key, k) != 0; t++)
            ;
        if (v && v[0] == '\0')
            v = NULL;
        switch (settable[t].type) {
        case SET_PARENT:
            if (v == NULL) {
                jy_err_set(err, JY_E_INVALID, "parent cannot be removed");
                jy_err_field(err, "parent");
                return JY_ERROR;
            }
            if (update_parent(o, &s, v, &j, err) != JY_OK)
                return JY_ERROR;
            continue;
        case SET_DOMAINS: {
            const char **list = split_domains(o->pool, v ? v : "", &ndomains);
            if (strcmp(s.kind, "unit") == 0 && ndomains > 0) {
                jy_err_set(err, JY_E_INVALID, "unit \"%s\" has no domain of its own", s.name);
                jy_err_hint(err, "Promote it to a site first (\"jiyue site promote\").");
                jy_err_field(err, "domains");
                return JY_ERROR;
            }
            if (strcmp(s.kind, "site") == 0 &&
                check_domains(o->pool, list, ndomains, &domains, err) != JY_OK)
                return JY_ERROR;
            if (domains == NULL)
                domains = "[]";
            continue;
        }
        case SET_LIST:
            jy_buf_addf(&j, ",\"%s\":", k);
            if (add_list(&j, k, v ? v : "", err) != JY_OK)
                return JY_ERROR;
            continue;
        case SET_INT: {
            char *end;
            long long n = v ? strtoll(v, &end, 10) : 0;
            if (v == NULL || *end != '\0' || n < -1000000 || n > 1000000) {
                jy_err_set(err, JY_E_INVALID, "%s \"%s\" must be a whole number", k, v ? v : "");
                jy_err_field(err, k);
                return JY_ERROR;
            }
            jy_buf_addf(&j, ",\"%s\":%lld", k, n);
            continue;
        }
        case SET_CODE:
            if (v == NULL && strcmp(s.kind, "site") == 0) {
                jy_err_set(err, JY_E_INVALID, "the code of site \"%s\" cannot be removed", s.name);
                jy_err_field(err, "code");
                return JY_ERROR;
            }
            code = v;
            break;
        case SET_REQUIRED:
            if (v == NULL) {
                jy_err_set(err, JY_E_INVALID, "%s cannot be empty", k);
                jy_err_field(err, k);
                return JY_ERROR;
            }
            if (strcmp(k, "name") == 0)
                name = v;
            break;
        case SET_TEXT:
            if (strcmp(k, "admin_code") == 0)
                admin = v ? v : "";
            break;
        }
        if (check_setting(k, v, err) != JY_OK)
            return JY_ERROR;
        jy_buf_addf(&j, ",\"%s\":", k);
        if (v)
            jy_buf_add_json_str(&j, v, strlen(v));
        else
            jy_buf_add_str(&j, "null");
    }
    jy_buf_add_char(&j, '}');
    if (code &&
        jy_sitecheck_code(code, admin ? (admin[0] ? admin : NULL) : s.admin_code, err) != JY_OK)
        return JY_ERROR;
    if (code && (!s.code || strcmp(code, s.code) != 0)) {
        const char *q[2] = {code, num(o->pool, id)};
        bool failed;
        const char *holder = query_value(o, "SELECT name FROM site WHERE code = $1 AND id <> $2", 2,
                                         q, &failed, err);
        if (failed)
            return JY_ERROR;
        if (holder) {
            jy_err_set(err, JY_E_CONFLICT, "site code \"%s\" is already taken by \"%s\"", code,
                       holder);
            jy_err_field(err, "code");
            return JY_ERROR;
        }
    }
    if ((before = snapshot(o, id, err)) == NULL)
        return JY_ERROR;
    p[0] = num(o->pool, id);
    p[1] = j.buf;
    if (query(o, update_sql, 2, p, err) == NULL) {
        explain_check(err);
        explain_unique(err, code, name);
        return JY_ERROR;
    }
    if (domains && set_domains(o, id, domains, err) != JY_OK)
        return JY_ERROR;
    return audit_count(o, "site.update", id, before, NULL, &res->fields_changed, err);
}


int
jy_site_update(struct jy_db *db, struct jy_pool *pool, const char *site,
               const struct jy_site_setting *set, int nset, int flags, struct jy_site_result *res,
               struct jy_err *err)
{
    struct jy_site_result local;
    struct op o = {db, pool};
    int i, k, rc;

    res = res ? res : &local;
    memset(res, 0, sizeof(*res));
    /* every key is known and given once, before anything is touched */
    for (i = 0; i < nset; i++) {
        size_t t;
        for (t = 0; t < JY_ARRAY_LEN(settable); t++)
            if (strcmp(settable[t].key, set[i].key) == 0)
                break;
        if (t == JY_ARRAY_LEN(settable)) {
            struct jy_buf keys = JY_BUF_INIT(pool);
            for (t = 0; t < JY_ARRAY_LEN(settable); t++)
                jy_buf_addf(&keys, "%s%s", t ? ", " : "", settable[t].key);
            jy_err_set(err, JY_E_INVALID, "unrecognized setting \"%s\"", set[i].key);
            jy_err_hint(err, "Settings of a site: %s.", keys.buf);
            jy_err_field(err, set[i].key);
            return JY_ERROR;
        }
        for (k = 0; k < i; k++)
            if (strcmp(set[k].key, set[i].key) == 0) {
                jy_err_set(err, JY_E_INVALID, "setting \"%s\" is given twice", set[i].key);
                jy_err_field(err, set[i].key);
                return JY_ERROR;
            }
    }
    if (begin(&o, err) != JY_OK)
        return JY_ERROR;
    rc = update_run(&o, site, set, nset, res, err);
    return finish(&o, rc, flags, res, err);
}


/* ---- close and reopen ------------------------------------------------------------------------ */

/*
 * The placements and the item pages: every item placed in a column of the
 * closed site ($1) gets one placement in the target column ($2, of site
 * $3), taking the state of its best placement there (published first, then
 * the earliest); every (domain, column, item) page of the closed site maps
 * to the item's page in the target column ($4: its URL up to the item).
 */
static const char close_items_sql[] =
    "WITH src AS ("
    " SELECT c.id AS column_id, c.path, p.id AS pid, p.item_id, p.sort, p.state, p.published_at"
    " FROM site_column c JOIN placement p ON p.column_id = c.id WHERE c.site_id = $1::bigint),"
    " added AS ("
    " INSERT INTO placement (item_id, column_id, site_id, sort, state, published_at, created_by)"
    " SELECT DISTINCT ON (item_id) item_id, $2::bigint, $3::bigint, sort, state, published_at,"
    "  (SELECT u.id FROM app_user u WHERE u.id::text = current_setting('jy.user_id', true))"
    " FROM src ORDER BY item_id, (state = 'published') DESC, published_at NULLS LAST, pid"
    " ON CONFLICT (item_id, column_id) DO NOTHING"
    " RETURNING id, item_id),"
    " mapped AS ("
    " INSERT INTO site_redirect (site_id, kind, old_host, old_path, new_url, column_id, item_id,"
    "  target_column_id, placement_id)"
    " SELECT $1::bigint, 'item', d.domain, jy_item_url_path(s.path, s.item_id),"
    "  $4::text || s.item_id || '.html', s.column_id, s.item_id, $2::bigint, a.id"
    " FROM src s JOIN site_domain d ON d.site_id = $1::bigint"
    " LEFT JOIN added a ON a.item_id = s.item_id"
    " RETURNING 1)"
    " SELECT (SELECT count(*) FROM added), (SELECT count(*) FROM mapped)";

/*
 * The home page and the list pages: a column of the closed site maps to the
 * target column, a reusing column to its source (where its items live).
 */
static const char close_pages_sql[] =
    "INSERT INTO site_redirect (site_id, kind, old_host, old_path, new_url, column_id,"
    " target_column_id)"
    " SELECT $1::bigint, CASE WHEN c.reuse_column_id IS NULL THEN 'column' ELSE 'reuse' END, d.domain,"
    "  jy_column_url_path(c.path),"
    "  COALESCE(jy_site_base_url(src.site_id) || jy_column_url_path(src.path), $3::text), c.id,"
    "  $2::bigint"
    " FROM site_column c JOIN site_domain d ON d.site_id = c.site_id"
    " LEFT JOIN site_column src ON src.id = c.reuse_column_id"
    " WHERE c.site_id = $1::bigint"
    " UNION ALL"
    " SELECT $1::bigint, 'site', d.domain, '/', $3::text, NULL, $2::bigint FROM site_domain d"
    " WHERE d.site_id = $1::bigint";


/* The column SITE:PATH of into: *site_out and *col get their ids, *path its path. */
static int
find_column(struct op *o, const char *into, struct site_row *ts, long long *col, const char **path,
            struct jy_err *err)
{
    static const char sql[] = "SELECT id, kind, reuse_column_id, name FROM site_column"
                              " WHERE site_id = $1 AND path = $2";
    const char *colon = into ? strchr(into, ':') : NULL, *pth, *p[2];
    struct jy_db_res *r;
    long long sid;
    size_t n;

    if (colon == NULL || colon == into || colon[1] == '\0') {
        jy_err_set(err, JY_E_INVALID,
                   "column \"%s\" must be given as SITE:PATH, e.g. 5601000001:zwgk/zwdt/xqdt",
                   into ? into : "");
        jy_err_field(err, "into");
        return JY_ERROR;
    }
    if (jy_site_resolve(o->db, o->pool, jy_pool_strndup(o->pool, into, (size_t) (colon - into)),
                        "into", &sid, err) != JY_OK ||
        site_load(o, site_sql_share, sid, ts, err) != JY_OK)
        return JY_ERROR;
    pth = colon + 1;
    while (*pth == '/')
        pth++;
    n = strlen(pth);
    while (n > 0 && pth[n - 1] == '/')
        n--;
    *path = jy_pool_strndup(o->pool, pth, n);
    p[0] = num(o->pool, sid);
    p[1] = *path;
    if ((r = query(o, sql, 2, p, err)) == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "site \"%s\" has no column \"%s\"", ts->name, *path);
        jy_err_hint(err, "\"jiyue sites --columns --site %s\" lists its columns.",
                    ts->code ? ts->code : "CODE");
        jy_err_field(err, "into");
        return JY_ERROR;
    }
    if (strcmp(jy_db_res_get(r, 0, 1), "list") != 0 &&
        strcmp(jy_db_res_get(r, 0, 1), "topic") != 0) {
        jy_err_set(err, JY_E_INVALID,
                   "column \"%s\" of \"%s\" is a %s column: items go into list or topic columns",
                   *path, ts->name, jy_db_res_get(r, 0, 1));
        jy_err_field(err, "into");
        return JY_ERROR;
    }
    if (!jy_db_res_isnull(r, 0, 2)) {
        jy_err_set(err, JY_E_INVALID,
                   "column \"%s\" of \"%s\" reuses another column: choose a column with items of "
                   "its own",
                   *path, ts->name);
        jy_err_field(err, "into");
        return JY_ERROR;
    }
    *col = to_id(jy_db_res_get(r, 0, 0));
    return JY_OK;
}


static int
close_run(struct op *o, const char *site, const char *into, struct jy_site_result *res,
          struct jy_err *err)
{
    struct site_row s, t;
    struct jy_db_res *r;
    const char *path, *base, *before, *p[5], *extra;
    long long id, col;
    struct jy_buf x = JY_BUF_INIT(o->pool);
    bool failed;

    if (jy_site_resolve(o->db, o->pool, site, "site", &id, err) != JY_OK ||
        site_load(o, site_sql_update, id, &s, err) != JY_OK)
        return JY_ERROR;
    res->site_id = id;
    res->code = s.code;
    res->name = s.name;
    if (strcmp(s.kind, "site") != 0 || s.parent_id == 0) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" is %s: only sites can be closed", label(&s),
                   s.parent_id == 0 ? "the platform root" : "a column-only unit");
        jy_err_field(err, "site");
        return JY_ERROR;
    }
    if (strcmp(s.status, "closed") == 0) {
        jy_err_set(err, JY_E_INVALID, "site \"%s\" is already closed", label(&s));
        jy_err_hint(err, "\"jiyue site redirects %s\" shows where its URLs go.",
                    s.code ? s.code : site);
        jy_err_field(err, "site");
        return JY_ERROR;
    }
    if (find_column(o, into, &t, &col, &path, err) != JY_OK)
        return JY_ERROR;
    if (t.id == s.id || path_has(t.path, s.id)) {
        jy_err_set(err, JY_E_INVALID,
                   "cannot close \"%s\" into \"%s\": the column is on %s, which closes with it",
                   s.name, into, t.id == s.id ? "the site itself" : "a site below it");
        jy_err_hint(err, "Choose a column of a site above it.");
        jy_err_field(err, "into");
        return JY_ERROR;
    }
    if (!path_has(s.path, t.id)) {
        jy_err_set(err, JY_E_INVALID,
                   "cannot close \"%s\" into \"%s\": \"%s\" is not a site above \"%s\"", s.name,
                   into, t.name, s.name);
        jy_err_hint(err, "Its content moves up the tree: choose a column of its parent or of a "
                         "site above that.");
        jy_err_field(err, "into");
        return JY_ERROR;
    }
    if (strcmp(t.kind, "site") != 0 || strcmp(t.status, "open") != 0) {
        jy_err_set(err, JY_E_INVALID, "cannot close \"%s\" into \"%s\": \"%s\" is %s", s.name, into,
                   t.name, strcmp(t.kind, "site") != 0 ? "a unit" : "closed");
        jy_err_field(err, "into");
        return JY_ERROR;
    }
    p[0] = num(o->pool, id);
    r = query(o,
              "SELECT count(*), min(name) FROM site WHERE parent_id = $1 AND kind = 'site'"
              " AND status = 'open'",
              1, p, err);
    if (r == NULL)
        return JY_ERROR;
    if (strcmp(jy_db_res_get(r, 0, 0), "0") != 0) {
        jy_err_set(
            err, JY_E_INVALID, "cannot close \"%s\": %s open site%s below it, such as \"%s\"",
            s.name, jy_db_res_get(r, 0, 0),
            strcmp(jy_db_res_get(r, 0, 0), "1") == 0 ? " is" : "s are", jy_db_res_get(r, 0, 1));
        jy_err_hint(err, "Close or move the sites below it first.");
        jy_err_field(err, "site");
        return JY_ERROR;
    }
    p[0] = num(o->pool, t.id);
    base = query_value(o, "SELECT jy_site_base_url($1)", 1, p, &failed, err);
    if (failed)
        return JY_ERROR;
    if (base == NULL) {
        jy_err_set(err, JY_E_INVALID, "cannot close \"%s\" into \"%s\": \"%s\" has no domain",
                   s.name, into, t.name);
        jy_err_field(err, "into");
        return JY_ERROR;
    }
    res->target = jy_pool_printf(o->pool, "%s:%s", t.code ? t.code : num(o->pool, t.id), path);
    res->target_url = jy_pool_printf(o->pool, "%s/%s/", base, path);
    if ((before = snapshot(o, id, err)) == NULL)
        return JY_ERROR;

    p[0] = num(o->pool, id);
    p[1] = num(o->pool, col);
    p[2] = num(o->pool, t.id);
    p[3] = res->target_url;
    if ((r = query(o, close_items_sql, 4, p, err)) == NULL)
        return JY_ERROR;
    res->placements = to_id(jy_db_res_get(r, 0, 0));
    res->redirects = to_id(jy_db_res_get(r, 0, 1));
    p[2] = res->target_url;
    if ((r = query(o, close_pages_sql, 3, p, err)) == NULL)
        return JY_ERROR;
    res->redirects += jy_db_res_affected(r);
    if (query(o,
              "UPDATE site SET status = 'closed', closed_at = now(), redirect_column_id = $2"
              " WHERE id = $1",
              2, p, err) == NULL)
        return JY_ERROR;

    jy_buf_add_str(&x, "{\"into\": ");
    jy_buf_add_json_str(&x, res->target, strlen(res->target));
    jy_buf_add_str(&x, ", \"url\": ");
    jy_buf_add_json_str(&x, res->target_url, strlen(res->target_url));
    jy_buf_addf(&x, ", \"placements_added\": %lld, \"redirects\": %lld}", res->placements,
                res->redirects);
    extra = x.buf;
    return audit(o, "site.close", id, before, extra, err);
}


int
jy_site_close(struct jy_db *db, struct jy_pool *pool, const char *site, const char *into, int flags,
              struct jy_site_result *res, struct jy_err *err)
{
    struct jy_site_result local;
    struct op o = {db, pool};
    int rc;

    res = res ? res : &local;
    memset(res, 0, sizeof(*res));
    if (begin(&o, err) != JY_OK)
        return JY_ERROR;
    rc = close_run(&o, site, into, res, err);
    return finish(&o, rc, flags, res, err);
}


/* Retire the live redirect entries of a site; with unmerge, first remove what its close added. */
static int
retire(struct op *o, long long id, bool unmerge, struct jy_site_result *res, struct jy_err *err)
{
    static const char unmerge_sql[] =
        "DELETE FROM placement WHERE id IN (SELECT r.placement_id FROM site_redirect r"
        " WHERE r.site_id = $1 AND r.retired_at IS NULL AND r.placement_id IS NOT NULL)";
    static const char retire_sql[] =
        "UPDATE site_redirect SET retired_at = now() WHERE site_id = $1 AND retired_at IS NULL";
    const char *p[1] = {num(o->pool, id)};
    struct jy_db_res *r;

    if (unmerge) {
        if ((r = query(o, unmerge_sql, 1, p, err)) == NULL)
            return JY_ERROR;
        res->placements = jy_db_res_affected(r);
    }
    if ((r = query(o, retire_sql, 1, p, err)) == NULL)
        return JY_ERROR;
    res->redirects = jy_db_res_affected(r);
    return JY_OK;
}


static int
reopen_run(struct op *o, const char *site, int flags, struct jy_site_result *res,
           struct jy_err *err)
{
    struct site_row s;
    const char *before, *p[1];
    long long id;

    if (jy_site_resolve(o->db, o->pool, site, "site", &id, err) != JY_OK ||
        site_load(o, site_sql_update, id, &s, err) != JY_OK)
        return JY_ERROR;
    res->site_id = id;
    res->code = s.code;
    res->name = s.name;
    if (strcmp(s.kind, "site") != 0) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" is a column-only unit: promote it to reopen it",
                   s.name);
        jy_err_hint(err, "\"jiyue site promote\" makes it a site again.");
        jy_err_field(err, "site");
        return JY_ERROR;
    }
    if (strcmp(s.status, "closed") != 0) {
        jy_err_set(err, JY_E_INVALID, "site \"%s\" is not closed", s.name);
        jy_err_field(err, "site");
        return JY_ERROR;
    }
    if ((before = snapshot(o, id, err)) == NULL ||
        retire(o, id, (flags & JY_SITE_UNMERGE) != 0, res, err) != JY_OK)
        return JY_ERROR;
    p[0] = num(o->pool, id);
    if (query(o,
              "UPDATE site SET status = 'open', closed_at = NULL, redirect_column_id = NULL,"
              " redirect_url = NULL WHERE id = $1",
              1, p, err) == NULL)
        return JY_ERROR;
    return audit(o, "site.reopen", id, before,
                 jy_pool_printf(o->pool,
                                "{\"redirects_retired\": %lld, \"placements_removed\": %lld}",
                                res->redirects, res->placements),
                 err);
}


int
jy_site_reopen(struct jy_db *db, struct jy_pool *pool, const char *site, int flags,
               struct jy_site_result *res, struct jy_err *err)
{
    struct jy_site_result local;
    struct op o = {db, pool};
    int rc;

    res = res ? res : &local;
    memset(res, 0, sizeof(*res));
    if (begin(&o, err) != JY_OK)
        return JY_ERROR;
    rc = reopen_run(&o, site, flags, res, err);
    return finish(&o, rc, flags, res, err);
}


/* ---- promote and demote ---------------------------------------------------------------------- */

static int
promote_run(struct op *o, const struct jy_site_promotion *pr, const struct jy_blueprint *bp,
            struct jy_site_result *res, struct jy_err *err)
{
    static const char sql[] =
        "UPDATE site SET kind = 'site', level = $2, code = $3, admin_code = $4, status = 'open',"
        " closed_at = NULL, redirect_column_id = NULL, redirect_url = NULL WHERE id = $1";
    struct jy_blueprint_created *created = NULL;
    struct jy_blueprint_result br = {0, 0, 0};
    struct site_row u, parent;
    const char *level, *code, *admin = NULL, *domains = NULL, *before, *p[4];
    long long id;
    int ncreated = 0, ndomains = pr->ndomains;
    struct jy_buf x = JY_BUF_INIT(o->pool);

    if (jy_site_resolve(o->db, o->pool, pr->unit, "unit", &id, err) != JY_OK ||
        site_load(o, site_sql_update, id, &u, err) != JY_OK)
        return JY_ERROR;
    res->site_id = id;
    res->name = u.name;
    if (strcmp(u.kind, "unit") != 0) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" is already a site", u.name);
        jy_err_field(err, "unit");
        return JY_ERROR;
    }
    level = pr->level ? pr->level : u.level;
    if (strcmp(level, "township") == 0) {
        jy_err_set(err, JY_E_INVALID,
                   "unit \"%s\" is a township, and there are no sites below county level", u.name);
        jy_err_hint(err, "Give the level it takes as a site (--level county or department).");
        jy_err_field(err, "level");
        return JY_ERROR;
    }
    if (!in_list(level, site_levels)) {
        jy_err_set(err, JY_E_INVALID, "level \"%s\" must be province, city, county or department",
                   level);
        jy_err_field(err, "level");
        return JY_ERROR;
    }
    if (bp && strcmp(bp->level, level) != 0) {
        jy_err_set(err, JY_E_INVALID, "blueprint \"%s\" is for %s sites, not %s sites", bp->name,
                   bp->level, level);
        jy_err_field(err, "blueprint");
        return JY_ERROR;
    }
    if (site_load(o, site_sql_share, u.parent_id, &parent, err) != JY_OK ||
        check_parent(&parent, level, jy_pool_printf(o->pool, "site \"%s\"", u.name), err) != JY_OK)
        return JY_ERROR;
    code = pr->code ? pr->code : u.code;
    if (code == NULL) {
        jy_err_set(err, JY_E_INVALID, "a site needs a 政府网站标识码: give unit \"%s\" a code",
                   u.name);
        jy_err_field(err, "code");
        return JY_ERROR;
    }
    if (jy_sitecheck_code(code, NULL, err) != JY_OK ||
        division(o->pool, level, code, pr->admin_code ? pr->admin_code : u.admin_code, &parent,
                 &admin, err) != JY_OK ||
        jy_sitecheck_code(code, admin, err) != JY_OK)
        return JY_ERROR;
    res->code = code;
    if (ndomains > 0) {
        if (check_domains(o->pool, pr->domains, ndomains, &domains, err) != JY_OK)
            return JY_ERROR;
    } else {
        const char *n;
        p[0] = num(o->pool, id);
        n = query_value_required(o, "SELECT count(*) FROM site_domain WHERE site_id = $1", 1, p,
                                 err);
        if (n == NULL)
            return JY_ERROR;
        if (strcmp(n, "0") == 0)
            return check_domains(o->pool, NULL, 0, &domains, err);
    }
    if (code != u.code) {
        const char *q[2] = {code, num(o->pool, id)};
        bool failed;
        const char *holder = query_value(o, "SELECT name FROM site WHERE code = $1 AND id <> $2", 2,
                                         q, &failed, err);
        if (failed)
            return JY_ERROR;
        if (holder) {
            jy_err_set(err, JY_E_CONFLICT, "site code \"%s\" is already taken by \"%s\"", code,
                       holder);
            jy_err_field(err, "code");
            return JY_ERROR;
        }
    }
    if ((before = snapshot(o, id, err)) == NULL)
        return JY_ERROR;
    p[0] = num(o->pool, id);
    p[1] = level;
    p[2] = code;
    p[3] = admin;
    if (query(o, sql, 4, p, err) == NULL) {
        explain_check(err);
        explain_unique(err, code, NULL);
        return JY_ERROR;
    }
    if (domains && set_domains(o, id, domains, err) != JY_OK)
        return JY_ERROR;
    if (retire(o, id, false, res, err) != JY_OK)
        return JY_ERROR;
    jy_buf_addf(&x, "{\"redirects_retired\": %lld", res->redirects);
    if (bp) {
        p[1] = bp->name;
        p[2] = num(o->pool, bp->version);
        if (jy_blueprint_apply_log(o->db, o->pool, bp, id, &br, &created, &ncreated, err) !=
                JY_OK ||
            query(o, "UPDATE site SET blueprint = $2, blueprint_version = $3 WHERE id = $1", 3, p,
                  err) == NULL)
            return JY_ERROR;
        res->columns_created = br.created;
        res->columns_present = br.present;
        res->columns_wired = br.wired;
        jy_buf_addf(&x, ", \"columns_created\": %d", br.created);
    }
    jy_buf_add_char(&x, '}');
    return audit(o, "site.promote", id, before, x.buf, err);
}


int
jy_site_promote(struct jy_db *db, struct jy_pool *pool, const struct jy_site_promotion *p,
                int flags, struct jy_site_result *res, struct jy_err *err)
{
    struct jy_site_result local;
    struct jy_blueprint *bp = NULL;
    struct op o = {db, pool};
    int rc;

    res = res ? res : &local;
    memset(res, 0, sizeof(*res));
    if (p->blueprint && (bp = bp_load(pool, p->blueprint_dir, p->blueprint, err)) == NULL)
        return JY_ERROR;
    if (begin(&o, err) != JY_OK)
        return JY_ERROR;
    rc = promote_run(&o, p, bp, res, err);
    return finish(&o, rc, flags, res, err);
}


static int
demote_run(struct op *o, const char *site, struct jy_site_result *res, struct jy_err *err)
{
    struct site_row s;
    struct jy_db_res *r;
    const char *before, *p[1];
    long long id;

    if (jy_site_resolve(o->db, o->pool, site, "site", &id, err) != JY_OK ||
        site_load(o, site_sql_update, id, &s, err) != JY_OK)
        return JY_ERROR;
    res->site_id = id;
    res->code = s.code;
    res->name = s.name;
    if (strcmp(s.kind, "site") != 0 || s.parent_id == 0) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" is %s", s.name,
                   s.parent_id == 0 ? "the platform root" : "already a unit");
        jy_err_field(err, "site");
        return JY_ERROR;
    }
    if (strcmp(s.status, "closed") != 0) {
        jy_err_set(err, JY_E_INVALID, "site \"%s\" is open: only a closed site becomes a unit",
                   s.name);
        jy_err_hint(err, "Close it into a column of a site above first (\"jiyue site close\"), so "
                         "that its content and URLs have a new home.");
        jy_err_field(err, "site");
        return JY_ERROR;
    }
    p[0] = num(o->pool, id);
    r = query(o, "SELECT count(*), min(name) FROM site WHERE parent_id = $1 AND kind = 'site'", 1,
              p, err);
    if (r == NULL)
        return JY_ERROR;
    if (strcmp(jy_db_res_get(r, 0, 0), "0") != 0) {
        jy_err_set(err, JY_E_INVALID,
                   "site \"%s\" has sites below it (such as \"%s\"): a unit cannot hold sites",
                   s.name, jy_db_res_get(r, 0, 1));
        jy_err_field(err, "site");
        return JY_ERROR;
    }
    if ((before = snapshot(o, id, err)) == NULL)
        return JY_ERROR;
    if (query(o, "UPDATE site SET kind = 'unit' WHERE id = $1", 1, p, err) == NULL) {
        explain_check(err);
        return JY_ERROR;
    }
    return audit(o, "site.demote", id, before, NULL, err);
}


int
jy_site_demote(struct jy_db *db, struct jy_pool *pool, const char *site, int flags,
               struct jy_site_result *res, struct jy_err *err)
{
    struct jy_site_result local;
    struct op o = {db, pool};
    int rc;

    res = res ? res : &local;
    memset(res, 0, sizeof(*res));
    if (begin(&o, err) != JY_OK)
        return JY_ERROR;
    rc = demote_run(&o, site, res, err);
    return finish(&o, rc, flags, res, err);
}


/* ---- blueprints ------------------------------------------------------------------------------ */

struct bp_cache {
    const char *name;
    struct jy_blueprint *bp;
};

static int
blueprint_one(struct op *o, long long id, const char *name, const char *dir, struct bp_cache *cache,
              int *ncache, struct jy_site_blueprint_report *rep, struct jy_err *err)
{
    struct jy_blueprint_result br = {0, 0, 0};
    struct jy_blueprint *bp = NULL;
    struct site_row s;
    const char *before, *p[3];
    int i;

    if (site_load(o, site_sql_update, id, &s, err) != JY_OK)
        return JY_ERROR;
    rep->site_id = id;
    rep->code = s.code;
    rep->name = s.name;
    rep->from_version = s.blueprint_version;
    if (name == NULL)
        name = s.blueprint;
    if (strcmp(s.kind, "site") != 0 || name == NULL) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" %s", s.name,
                   name ? "is a column-only unit: blueprints are for sites"
                        : "records no blueprint");
        if (name == NULL)
            jy_err_hint(err, "Name the blueprint to apply (--blueprint %s).", s.level);
        jy_err_field(err, "blueprint");
        return JY_ERROR;
    }
    for (i = 0; i < *ncache; i++)
        if (strcmp(cache[i].name, name) == 0)
            bp = cache[i].bp;
    if (bp == NULL) {
        if ((bp = bp_load(o->pool, dir, name, err)) == NULL)
            return JY_ERROR;
        if (*ncache < 8) {
            cache[*ncache].name = bp->name;
            cache[(*ncache)++].bp = bp;
        }
    }
    rep->blueprint = bp->name;
    rep->to_version = bp->version;
    if (s.blueprint && strcmp(s.blueprint, bp->name) == 0 && s.blueprint_version > bp->version) {
        jy_err_set(err, JY_E_INVALID,
                   "site \"%s\" has blueprint \"%s\" version %lld, newer than %s (version %lld)",
                   s.name, bp->name, s.blueprint_version, bp->path, bp->version);
        jy_err_hint(err, "Check share_dir: it should hold the newest blueprints.");
        jy_err_field(err, "blueprint");
        return JY_ERROR;
    }
    if ((before = snapshot(o, id, err)) == NULL)
        return JY_ERROR;
    if (jy_blueprint_apply_log(o->db, o->pool, bp, id, &br, &rep->created, &rep->ncreated, err) !=
        JY_OK)
        return JY_ERROR;
    rep->present = br.present;
    rep->wired = br.wired;
    p[0] = num(o->pool, id);
    p[1] = bp->name;
    p[2] = num(o->pool, bp->version);
    if (query(o, "UPDATE site SET blueprint = $2, blueprint_version = $3 WHERE id = $1", 3, p,
              err) == NULL)
        return JY_ERROR;
    return audit(o, "site.blueprint", id, before,
                 br.created ? bp_extra(o->pool, bp, rep->created, rep->ncreated, true, &br,
                                       s.blueprint_version)
                            : NULL,
                 err);
}


int
jy_site_blueprint(struct jy_db *db, struct jy_pool *pool, const char *site, const char *blueprint,
                  const char *blueprint_dir, int flags, struct jy_site_blueprint_report **reports,
                  int *nreports, struct jy_err *err)
{
    static const char all_sql[] = "SELECT id FROM site WHERE kind = 'site' AND status = 'open'"
                                  " AND blueprint IS NOT NULL ORDER BY cardinality(path), sort, id";
    struct op o = {db, pool};
    struct bp_cache cache[8];
    struct jy_db_res *r = NULL;
    long long id = 0;
    int ncache = 0, n, i, rc = JY_OK;

    *reports = NULL;
    *nreports = 0;
    if (begin(&o, err) != JY_OK)
        return JY_ERROR;
    if (site) {
        rc = jy_site_resolve(db, pool, site, "site", &id, err);
        n = 1;
    } else {
        /* parents first: a city's new column exists before its counties reuse it */
        r = query(&o, all_sql, 0, NULL, err);
        rc = r ? JY_OK : JY_ERROR;
        n = r ? jy_db_res_rows(r) : 0;
    }
    if (rc == JY_OK) {
        *reports = jy_pool_new_array(pool, struct jy_site_blueprint_report, (size_t) n + 1);
        for (i = 0; i < n && rc == JY_OK; i++) {
            struct jy_site_blueprint_report *rep = &(*reports)[i];
            rc = blueprint_one(&o, r ? to_id(jy_db_res_get(r, i, 0)) : id, site ? blueprint : NULL,
                               blueprint_dir, cache, &ncache, rep, err);
            if (rc == JY_OK)
                (*nreports)++;
            else if (r)
                jy_err_prefix(err, "site \"%s\"", rep->name ? rep->name : "?");
        }
    }
    return finish(&o, rc, flags, NULL, err);
}


/* ---- describing ------------------------------------------------------------------------------ */

struct cJSON *
jy_site_describe(struct jy_db *db, struct jy_pool *pool, const char *site, struct jy_err *err)
{
    static const char sql[] =
        "SELECT (jy_site_snapshot(s.id) || jsonb_build_object("
        " 'path', s.path, 'created_at', s.created_at, 'updated_at', s.updated_at,"
        " 'base_url', jy_site_base_url(s.id),"
        " 'parent', (SELECT jsonb_build_object('id', p.id, 'code', p.code, 'name', p.name,"
        "   'kind', p.kind) FROM site p WHERE p.id = s.parent_id),"
        " 'column_count', (SELECT count(*) FROM site_column c WHERE c.site_id = s.id),"
        " 'reusing_columns', (SELECT count(*) FROM site_column c WHERE c.site_id = s.id"
        "   AND c.reuse_column_id IS NOT NULL),"
        " 'unit_columns', (SELECT count(*) FROM site_column c WHERE c.unit_id = s.id),"
        " 'unit_items', (SELECT count(*) FROM item i WHERE i.unit_id = s.id),"
        " 'unit_published', (SELECT count(*) FROM placement p JOIN site_column c"
        "   ON c.id = p.column_id WHERE c.unit_id = s.id AND p.state = 'published'),"
        " 'unit_last_published', (SELECT to_char(max(p.published_at) AT TIME ZONE"
        "   'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM placement p JOIN site_column c"
        "   ON c.id = p.column_id WHERE c.unit_id = s.id AND p.state = 'published'),"
        " 'item_count', (SELECT count(*) FROM item i WHERE i.site_id = s.id),"
        " 'placement_count', (SELECT count(*) FROM placement p WHERE p.site_id = s.id),"
        " 'units', (SELECT COALESCE(jsonb_agg(jsonb_build_object('id', u.id, 'name', u.name,"
        "   'level', u.level) ORDER BY u.sort, u.id), '[]') FROM site u"
        "   WHERE u.parent_id = s.id AND u.kind = 'unit'),"
        " 'sites_below', (SELECT count(*) FROM site c WHERE c.parent_id = s.id"
        "   AND c.kind = 'site'),"
        " 'redirect', (SELECT jsonb_build_object('column', COALESCE(ts.code, ts.id::text) || ':'"
        "   || tc.path, 'name', tc.name, 'url', jy_site_base_url(ts.id)"
        "   || jy_column_url_path(tc.path))"
        "   FROM site_column tc JOIN site ts ON ts.id = tc.site_id"
        "   WHERE tc.id = s.redirect_column_id),"
        " 'redirect_count', (SELECT count(*) FROM site_redirect r WHERE r.site_id = s.id"
        "   AND r.retired_at IS NULL)))::text"
        " FROM site s WHERE s.id = $1";
    struct op o = {db, pool};
    const char *p[1], *text;
    long long id;

    if (jy_site_resolve(db, pool, site, "site", &id, err) != JY_OK)
        return NULL;
    p[0] = num(pool, id);
    text = query_value_required(&o, sql, 1, p, err);
    if (text == NULL)
        return NULL;
    return jy_json_parse(pool, text, strlen(text), err);
}


/* ---- the redirect map ------------------------------------------------------------------------ */

int
jy_site_redirects(struct jy_db *db, struct jy_pool *pool, const char *site, bool with_retired,
                  struct jy_site_redirect **out, int *n, struct jy_err *err)
{
    /* exact entries before patterns; within a site: home, columns, items */
    static const char sql[] =
        "SELECT COALESCE(s.code, s.id::text), r.kind, r.old_host, r.old_path, r.new_url,"
        " r.retired_at IS NOT NULL"
        " FROM site_redirect r JOIN site s ON s.id = r.site_id"
        " WHERE ($1::bigint IS NULL OR r.site_id = $1) AND (r.retired_at IS NULL OR $2)"
        " ORDER BY r.site_id, r.retired_at NULLS FIRST,"
        "  array_position('{site,column,reuse,item}'::text[], r.kind), r.old_host, r.old_path,"
        "  r.id";
    const char *p[2];
    struct jy_db_res *r;
    long long id = 0;
    int i;

    *out = NULL;
    *n = 0;
    if (site && jy_site_resolve(db, pool, site, "site", &id, err) != JY_OK)
        return JY_ERROR;
    p[0] = site ? num(pool, id) : NULL;
    p[1] = with_retired ? "true" : "false";
    if ((r = jy_db_query(db, pool, sql, 2, p, err)) == NULL)
        return JY_ERROR;
    *n = jy_db_res_rows(r);
    *out = jy_pool_new_array(pool, struct jy_site_redirect, (size_t) *n + 1);
    for (i = 0; i < *n; i++) {
        struct jy_site_redirect *e = &(*out)[i];
        e->site = jy_db_res_get(r, i, 0);
        e->kind = jy_db_res_get(r, i, 1);
        e->old_host = jy_db_res_get(r, i, 2);
        e->old_path = jy_db_res_get(r, i, 3);
        e->new_url = jy_db_res_get(r, i, 4);
        e->retired = strcmp(jy_db_res_get(r, i, 5), "t") == 0;
    }
    return JY_OK;
}


/* Append s as an nginx quoted string. */
static void
nginx_str(struct jy_buf *b, const char *s)
{
    jy_buf_add_char(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            jy_buf_add_char(b, '\\');
        jy_buf_add_char(b, *s);
    }
    jy_buf_add_char(b, '"');
}


/* Append s with the characters of a regular expression escaped. */
static void
regex_str(struct jy_buf *b, const char *s)
{
    for (; *s; s++) {
        if (strchr(".^$*+?()[]{}|\\", *s))
            jy_buf_add_char(b, '\\');
        jy_buf_add_char(b, *s);
    }
}


int
jy_site_redirects_nginx(const struct jy_site_redirect *v, int n, struct jy_buf *out)
{
    int i;

    jy_buf_add_str(out, "# Redirect map of the closed sites of the platform, written by\n"
                        "# \"jiyue site redirects --all --nginx\"; do not edit, write it again.\n"
                        "#\n"
                        "# In the http block:    map_hash_bucket_size 256;\n"
                        "#                       include /etc/nginx/jiyue-redirects.map;\n"
                        "# In each server block of the old hosts:\n"
                        "#                       if ($jy_redirect) { return 301 $jy_redirect; }\n"
                        "map $host$uri $jy_redirect {\n"
                        "    default \"\";\n");
    /* exact URLs first: nginx tries them before any regular expression */
    for (i = 0; i < n; i++) {
        if (v[i].retired)
            continue;
        jy_buf_add_str(out, "    ");
        nginx_str(out, jy_pool_printf(out->pool, "%s%s", v[i].old_host, v[i].old_path));
        jy_buf_add_char(out, ' ');
        nginx_str(out, v[i].new_url);
        jy_buf_add_str(out, ";\n");
    }
    /* then, in order: item pages of reusing columns go to the source column's ... */
    for (i = 0; i < n; i++) {
        if (v[i].retired || strcmp(v[i].kind, "reuse") != 0)
            continue;
        jy_buf_add_str(out, "    \"~^");
        regex_str(out, v[i].old_host);
        regex_str(out, v[i].old_path);
        jy_buf_add_str(out, "([0-9]+)\\.html$\" ");
        nginx_str(out, v[i].new_url);
        jy_buf_setlen(out, out->len - 1); /* reopen the quoted URL to append the capture */
        jy_buf_add_str(out, "$1.html\";\n");
    }
    /* ... and any other path of an old host goes to the column that took its content */
    for (i = 0; i < n; i++) {
        if (v[i].retired || strcmp(v[i].kind, "site") != 0)
            continue;
        jy_buf_add_str(out, "    \"~^");
        regex_str(out, v[i].old_host);
        jy_buf_add_str(out, "/\" ");
        nginx_str(out, v[i].new_url);
        jy_buf_add_str(out, ";\n");
    }
    jy_buf_add_str(out, "}\n");
    return jy_buf_finish(out);
}
