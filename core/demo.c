/*
 * demo.c - load the demo platform; see demo.h for the file format and the
 * idempotence rules.
 *
 * Every write is an upsert that changes a row only when it differs from the
 * file ("ON CONFLICT ... DO UPDATE ... WHERE (row) IS DISTINCT FROM (new)")
 * and reports what it did in a column named "created": true for a new row,
 * false for a changed one, NULL (or no row) for one already as in the file.
 */
#include "core/compat.h"
#include "core/sitecheck.h"
#include "core/demo.h"
#include "core/blueprint.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/utf8.h"

#include <cjson/cJSON.h>

#define DEMO_FORMAT_VERSION 1
#define DEMO_MAX_BLUEPRINTS 32

struct demo_bp {
    const char *name;
    struct jy_blueprint *bp;
};

/* Ids of the items of the file, in file order, for the relation pass. */
struct demo_item {
    long long id;
    long long site_id;
    const char *kind;
};

struct demo {
    struct jy_db *db;
    struct jy_pool *pool;    /* the load: JSON tree, blueprints */
    struct jy_pool *scratch; /* one object: query results, parameters */
    const char *name;        /* the file as messages call it */
    const char *bpdir;
    struct jy_demo_stats *st;
    struct demo_bp bps[DEMO_MAX_BLUEPRINTS];
    int nbps;
    long long platform_id;
    struct demo_item *items;
    int nitems;
};

static const char *const top_keys[] = {
    "version", "description", "platform", "sites", "tags", "users", "items", NULL,
};
static const char *const platform_keys[] = {"name", "short_name", NULL};
static const char *const site_keys[] = {
    "name",    "short_name", "level",   "code",     "admin_code", "domains",
    "sponsor", "organizer",  "contact", "icp_no",   "psb_no",     "dzjg_url",
    "theme",   "blueprint",  "units",   "children", NULL,
};
static const char *const contact_keys[] = {"phone", "email", "address", "postcode", NULL};
static const char *const site_levels[] = {"province", "city", "county", "department", NULL};
static const char *const unit_keys[] = {"name", "level", "columns", NULL};
static const char *const unit_levels[] = {"township", "department", NULL};
static const char *const unit_column_keys[] = {
    "parent", "code", "name", "kind", "accepts", "children", NULL,
};
static const char *const column_kinds[] = {"list", "page", "link", "topic", NULL};
static const char *const tag_keys[] = {"name", "synonyms", NULL};
static const char *const user_keys[] = {
    "login", "display_name", "organisation", "phone", "email", "site", "grants", NULL,
};
static const char *const grant_keys[] = {"role", "site", "column", NULL};
static const char *const item_keys[] = {
    "site",       "unit",      "index_no",     "kind",       "title",       "subtitle",
    "summary",    "author",    "source",       "publisher",  "keywords",    "subject",
    "body",       "link_url",  "metadata",     "publish_at", "doc_no",      "issuer",
    "written_on", "issued_on", "effective_on", "validity",   "validity_on", "validity_by",
    "editor",     "tags",      "interprets",   "placements", NULL,
};
static const char *const item_kinds[] = {
    "article", "policy", "interpretation", "image", "file", "video", "qa", "link", NULL,
};
static const char *const validities[] = {"valid", "amended", "repealed", "expired", NULL};
static const char *const policy_fields[] = {
    "doc_no",   "issuer",      "written_on",  "issued_on", "effective_on",
    "validity", "validity_on", "validity_by", NULL,
};
static const char *const placement_keys[] = {
    "site", "column", "state", "published_at", "pinned_until", "sort", NULL,
};
static const char *const placement_states[] = {
    "draft", "submitted", "approved", "published", "withdrawn", "archived", NULL,
};
static const char *const ref_keys[] = {"site", "index_no", NULL};

static int load_site(struct demo *d, const cJSON *site, long long parent_id, int sort,
                     struct jy_err *err);


/* ---- small checks of the file's values ---------------------------------------------------- */

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
date_ok(const char *s)
{
    int month, day;

    if (strlen(s) != 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return false;
    month = (s[5] - '0') * 10 + (s[6] - '0');
    day = (s[8] - '0') * 10 + (s[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}


/* 2024-03-15T10:00[:00][Z|+08:00|+08]: a time must say its offset. */
static bool
datetime_ok(const char *s)
{
    char date[11];

    if (strlen(s) < 16)
        return false;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!date_ok(date) || (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2) || s[13] != ':' ||
        !digits(s + 14, 2))
        return false;
    s += 16;
    if (s[0] == ':') {
        if (!digits(s + 1, 2))
            return false;
        s += 3;
    }
    if (strcmp(s, "Z") == 0)
        return true;
    if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2))
        return false;
    s += 3;
    if (*s == ':')
        s++;
    return *s == '\0' || (digits(s, 2) && s[2] == '\0');
}


/* An optional date member; "key" names it in the message. */
static int
get_date(const struct jy_json_node *n, const char *key, bool with_time, const char **out,
         struct jy_err *err)
{
    const char *s = NULL;

    if (jy_json_get_str(n, key, false, &s, err) != JY_OK)
        return JY_ERROR;
    if (s == NULL)
        return JY_OK;
    if (with_time && !datetime_ok(s))
        return jy_json_error(err, n, key,
                             "must be a time with its offset such as 2024-03-15T10:00:00+08:00, "
                             "not \"%s\"",
                             s);
    if (!with_time && !date_ok(s))
        return jy_json_error(err, n, key, "must be a date such as 2024-03-15, not \"%s\"", s);
    *out = s;
    return JY_OK;
}


/* ---- database helpers ---------------------------------------------------------------------- */

/* Decimal text of v in the scratch pool, NULL (SQL NULL) for 0. */
static const char *
num(struct demo *d, long long v)
{
    return v ? jy_pool_printf(d->scratch, "%lld", v) : NULL;
}


static long long
to_id(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}


static struct jy_db_res *
query(struct demo *d, const char *sql, int n, const char *const *params, struct jy_err *err)
{
    return jy_db_query(d->db, d->scratch, sql, n, params, err);
}


/* Count an upsert's answer (see the comment at the top) into c. */
static void
tally(struct jy_demo_count *c, const struct jy_db_res *res)
{
    int col = jy_db_res_col(res, "created");
    const char *v = jy_db_res_rows(res) > 0 && col >= 0 ? jy_db_res_get(res, 0, col) : NULL;

    if (v == NULL)
        c->unchanged++;
    else if (v[0] == 't')
        c->created++;
    else
        c->updated++;
}


/* Compact JSON text of a member (array or object) for a jsonb parameter; NULL when absent. */
static const char *
json_param(struct demo *d, const struct jy_json_node *n, const char *key)
{
    const cJSON *v = n->item ? cJSON_GetObjectItemCaseSensitive(n->item, key) : NULL;
    struct jy_buf b = JY_BUF_INIT(d->scratch);

    if (v == NULL || cJSON_IsNull(v))
        return NULL;
    jy_json_print(v, &b);
    return b.buf;
}


/* Id of the site with this code ("platform": the platform node). */
static int
site_by_code(struct demo *d, const char *code, long long *id, struct jy_err *err)
{
    const char *params[1] = {code};
    const char *v;

    if (strcmp(code, "platform") == 0) {
        *id = d->platform_id;
        return JY_OK;
    }
    jy_err_clear(err);
    v = jy_db_query_value(d->db, d->scratch, "SELECT id FROM site WHERE code = $1", 1, params, err);
    if (v == NULL) {
        if (err->code == JY_E_NONE)
            jy_err_set(err, JY_E_INVALID, "site \"%s\" does not exist", code);
        return JY_ERROR;
    }
    *id = to_id(v);
    return JY_OK;
}


/* Id of the column at path on a site: JY_OK, JY_DECLINED when there is none, or JY_ERROR. */
static int
column_by_path(struct demo *d, long long site_id, const char *path, long long *id,
               struct jy_err *err)
{
    const char *params[2] = {num(d, site_id), path};
    const char *v;

    jy_err_clear(err);
    v = jy_db_query_value(d->db, d->scratch,
                          "SELECT id FROM site_column WHERE site_id = $1 AND path = $2", 2, params,
                          err);
    if (v == NULL)
        return err->code == JY_E_NONE ? JY_DECLINED : JY_ERROR;
    *id = to_id(v);
    return JY_OK;
}


/* The blueprint called name, read once per load from the blueprint folder. */
static struct jy_blueprint *
blueprint(struct demo *d, const char *name, struct jy_err *err)
{
    struct jy_blueprint *bp;
    const char *path;
    int i;

    for (i = 0; i < d->nbps; i++)
        if (strcmp(d->bps[i].name, name) == 0)
            return d->bps[i].bp;
    if (d->nbps == DEMO_MAX_BLUEPRINTS) {
        jy_err_set(err, JY_E_INVALID, "more than %d blueprints", DEMO_MAX_BLUEPRINTS);
        return NULL;
    }
    path = jy_pool_printf(d->pool, "%s/%s.json", d->bpdir, name);
    bp = jy_blueprint_load(d->pool, path, err);
    if (bp == NULL)
        return NULL;
    d->bps[d->nbps].name = name;
    d->bps[d->nbps].bp = bp;
    d->nbps++;
    return bp;
}


/* ---- platform, sites, units ---------------------------------------------------------------- */

static int
load_platform(struct demo *d, const struct jy_json_node *root, struct jy_err *err)
{
    /* the platform node is the one row of level platform (index site_one_platform) */
    static const char sql[] =
        "WITH up AS ("
        " INSERT INTO site AS s (level, name, short_name) VALUES ('platform', $1, $2)"
        " ON CONFLICT ((true)) WHERE level = 'platform' DO UPDATE"
        "  SET name = EXCLUDED.name, short_name = EXCLUDED.short_name"
        "  WHERE (s.name, s.short_name) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.short_name)"
        " RETURNING s.id, (s.xmax = 0) AS created)"
        " SELECT id, created FROM up"
        " UNION ALL SELECT id, NULL FROM site WHERE level = 'platform'"
        "  AND NOT EXISTS (SELECT 1 FROM up)";
    struct jy_json_node p;
    const char *params[2] = {NULL, NULL};
    struct jy_db_res *res;

    if (jy_json_get_object(root, "platform", true, &p, err) != JY_OK ||
        jy_json_check_keys(&p, platform_keys, err) != JY_OK ||
        jy_json_get_str_chars(&p, "name", true, 1, 100, &params[0], err) != JY_OK ||
        jy_json_get_str_chars(&p, "short_name", false, 1, 100, &params[1], err) != JY_OK)
        goto fail;
    if ((res = query(d, sql, 2, params, err)) == NULL)
        goto fail;
    tally(&d->st->sites, res);
    d->platform_id = to_id(jy_db_res_get(res, 0, 0));
    return JY_OK;
fail:
    jy_err_prefix(err, "%s: platform", d->name);
    return JY_ERROR;
}


static int
load_domains(struct demo *d, long long site_id, const struct jy_json_node *domains,
             struct jy_err *err)
{
    static const char demote[] = "UPDATE site_domain SET is_primary = false"
                                 " WHERE site_id = $1 AND is_primary AND domain <> $2";
    static const char upsert[] =
        "INSERT INTO site_domain AS d (site_id, domain, is_primary) VALUES ($1, $2, $3)"
        " ON CONFLICT (domain) DO UPDATE"
        "  SET site_id = EXCLUDED.site_id, is_primary = EXCLUDED.is_primary"
        "  WHERE (d.site_id, d.is_primary) IS DISTINCT FROM (EXCLUDED.site_id, EXCLUDED.is_primary)"
        " RETURNING (d.xmax = 0) AS created";
    struct jy_json_node el;
    struct jy_db_res *res;
    const char *domain;
    bool first = true;

    for (jy_json_first(domains, &el); el.item; jy_json_next(&el)) {
        const char *params[3];
        if (jy_json_get_str(&el, NULL, true, &domain, err) != JY_OK)
            return JY_ERROR;
        if (!jy_sitecheck_domain(domain))
            return jy_json_error(err, &el, NULL,
                                 "must be a lower-case host name such as www.example.gov.cn, "
                                 "not \"%s\"",
                                 domain);
        params[0] = num(d, site_id);
        params[1] = domain;
        params[2] = first ? "true" : "false";
        if (first) {
            /* a new primary: the old one becomes an alias first (one primary per site) */
            if ((res = query(d, demote, 2, params, err)) == NULL)
                return JY_ERROR;
            d->st->domains.updated += (int) jy_db_res_affected(res);
        }
        if ((res = query(d, upsert, 3, params, err)) == NULL)
            return JY_ERROR;
        tally(&d->st->domains, res);
        first = false;
    }
    return JY_OK;
}


/* Columns a unit owns on its site, created where missing (never changed). */
static int
load_unit_columns(struct demo *d, long long site_id, long long unit_id, long long parent_id,
                  const struct jy_json_node *cols, struct jy_err *err)
{
    struct jy_json_node el;
    int sort = 0;

    for (jy_json_first(cols, &el); el.item; jy_json_next(&el)) {
        struct jy_json_node c = JY_JSON_ROOT(el.item), kids;
        struct jy_column_def def;
        const char *parent = NULL;
        long long pid = parent_id, id;
        bool created;
        int kind = 0, rc;

        memset(&def, 0, sizeof(def));
        def.in_nav = -1;
        if (jy_json_check_keys(&c, unit_column_keys, err) != JY_OK ||
            jy_json_get_str(&c, "code", true, &def.code, err) != JY_OK ||
            jy_json_get_str_chars(&c, "name", true, 1, 100, &def.name, err) != JY_OK ||
            jy_json_get_enum(&c, "kind", false, column_kinds, &kind, err) != JY_OK ||
            jy_json_get_str(&c, "parent", parent_id == 0, &parent, err) != JY_OK ||
            jy_json_get_array(&c, "children", false, &kids, NULL, err) != JY_OK)
            goto fail;
        if (parent && parent_id != 0) {
            jy_json_error(err, &c, "parent", "is only for the unit's top columns");
            goto fail;
        }
        if (parent && (rc = column_by_path(d, site_id, parent, &pid, err)) != JY_OK) {
            if (rc == JY_DECLINED)
                jy_json_error(err, &c, "parent", "\"%s\" names no column of the unit's site",
                              parent);
            goto fail;
        }
        sort += 10;
        def.site_id = site_id;
        def.parent_id = pid;
        def.kind = column_kinds[kind];
        def.sort = sort;
        def.accepts = json_param(d, &c, "accepts");
        def.unit_id = unit_id;
        if (jy_column_ensure(d->db, d->scratch, &def, &id, &created, err) != JY_OK)
            goto fail;
        if (created)
            d->st->columns.created++;
        else
            d->st->columns.unchanged++;
        if (load_unit_columns(d, site_id, unit_id, id, &kids, err) != JY_OK)
            return JY_ERROR;
        continue;
    fail:
        jy_err_prefix(err, "column \"%s\"", def.name ? def.name : def.code ? def.code : "?");
        return JY_ERROR;
    }
    return JY_OK;
}


static int
load_unit(struct demo *d, long long site_id, const cJSON *item, int sort, struct jy_err *err)
{
    static const char sql[] =
        "WITH up AS ("
        " INSERT INTO site AS s (parent_id, kind, level, name, sort)"
        " VALUES ($1, 'unit', $2, $3, $4)"
        " ON CONFLICT ((COALESCE(parent_id, 0)), name) DO UPDATE"
        "  SET kind = EXCLUDED.kind, level = EXCLUDED.level, sort = EXCLUDED.sort"
        "  WHERE (s.kind, s.level, s.sort) IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.level, EXCLUDED.sort)"
        " RETURNING s.id, (s.xmax = 0) AS created)"
        " SELECT id, created FROM up"
        " UNION ALL SELECT id, NULL FROM site WHERE parent_id = $1 AND name = $3"
        "  AND NOT EXISTS (SELECT 1 FROM up)";
    struct jy_json_node u = JY_JSON_ROOT(item), cols;
    const char *name = NULL, *params[4];
    struct jy_db_res *res;
    int level;

    if (jy_json_get_str_chars(&u, "name", true, 1, 100, &name, err) != JY_OK ||
        jy_json_check_keys(&u, unit_keys, err) != JY_OK ||
        jy_json_get_enum(&u, "level", true, unit_levels, &level, err) != JY_OK ||
        jy_json_get_array(&u, "columns", false, &cols, NULL, err) != JY_OK)
        goto fail;
    params[0] = num(d, site_id);
    params[1] = unit_levels[level];
    params[2] = name;
    params[3] = jy_pool_printf(d->scratch, "%d", sort);
    if ((res = query(d, sql, 4, params, err)) == NULL)
        goto fail;
    tally(&d->st->units, res);
    if (load_unit_columns(d, site_id, to_id(jy_db_res_get(res, 0, 0)), 0, &cols, err) != JY_OK)
        goto fail;
    return JY_OK;
fail:
    jy_err_prefix(err, "unit \"%s\"", name ? name : "?");
    return JY_ERROR;
}


static int
load_site(struct demo *d, const cJSON *item, long long parent_id, int sort, struct jy_err *err)
{
    static const char sql[] =
        "WITH up AS ("
        " INSERT INTO site AS s (parent_id, kind, level, name, short_name, code, admin_code,"
        "  sponsor, organizer, contact_phone, contact_email, contact_address, contact_postcode,"
        "  icp_no, psb_no, dzjg_url, theme, blueprint, blueprint_version, sort)"
        " VALUES ($1, 'site', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
        "  $17, $18, $19)"
        " ON CONFLICT (code) DO UPDATE SET parent_id = EXCLUDED.parent_id, kind = EXCLUDED.kind,"
        "  level = EXCLUDED.level, name = EXCLUDED.name, short_name = EXCLUDED.short_name,"
        "  admin_code = EXCLUDED.admin_code, sponsor = EXCLUDED.sponsor,"
        "  organizer = EXCLUDED.organizer, contact_phone = EXCLUDED.contact_phone,"
        "  contact_email = EXCLUDED.contact_email, contact_address = EXCLUDED.contact_address,"
        "  contact_postcode = EXCLUDED.contact_postcode, icp_no = EXCLUDED.icp_no,"
        "  psb_no = EXCLUDED.psb_no, dzjg_url = EXCLUDED.dzjg_url, theme = EXCLUDED.theme,"
        "  blueprint = EXCLUDED.blueprint, blueprint_version = EXCLUDED.blueprint_version,"
        "  sort = EXCLUDED.sort"
        " WHERE (s.parent_id, s.kind, s.level, s.name, s.short_name, s.admin_code, s.sponsor,"
        "  s.organizer, s.contact_phone, s.contact_email, s.contact_address, s.contact_postcode,"
        "  s.icp_no, s.psb_no, s.dzjg_url, s.theme, s.blueprint, s.blueprint_version, s.sort)"
        "  IS DISTINCT FROM (EXCLUDED.parent_id, EXCLUDED.kind, EXCLUDED.level, EXCLUDED.name,"
        "  EXCLUDED.short_name, EXCLUDED.admin_code, EXCLUDED.sponsor, EXCLUDED.organizer,"
        "  EXCLUDED.contact_phone, EXCLUDED.contact_email, EXCLUDED.contact_address,"
        "  EXCLUDED.contact_postcode, EXCLUDED.icp_no, EXCLUDED.psb_no, EXCLUDED.dzjg_url,"
        "  EXCLUDED.theme, EXCLUDED.blueprint, EXCLUDED.blueprint_version, EXCLUDED.sort)"
        " RETURNING s.id, (s.xmax = 0) AS created)"
        " SELECT id, created FROM up"
        " UNION ALL SELECT id, NULL FROM site WHERE code = $5 AND NOT EXISTS (SELECT 1 FROM up)";
    struct jy_json_node s = JY_JSON_ROOT(item), contact, domains, units, kids, el;
    const char *name = NULL, *code, *admin_code, *bpname = NULL, *theme = NULL, *v;
    const char *p[19];
    struct jy_blueprint *bp = NULL;
    struct jy_blueprint_result bres = {0, 0, 0};
    struct jy_db_res *res;
    long long site_id;
    size_t ndomains;
    int level, i;

    jy_pool_reset(d->scratch);
    memset(p, 0, sizeof(p));
    if (jy_json_get_str_chars(&s, "name", true, 1, 100, &name, err) != JY_OK ||
        jy_json_check_keys(&s, site_keys, err) != JY_OK ||
        jy_json_get_enum(&s, "level", true, site_levels, &level, err) != JY_OK ||
        jy_json_get_str(&s, "code", true, &code, err) != JY_OK ||
        jy_json_get_str(&s, "admin_code", true, &admin_code, err) != JY_OK)
        goto fail;
    if (strlen(admin_code) != 6 || !digits(admin_code, 6)) {
        jy_json_error(err, &s, "admin_code",
                      "must be a 6-digit administrative division code, not \"%s\"", admin_code);
        goto fail;
    }
    if (jy_sitecheck_code(code, admin_code, err) != JY_OK)
        goto fail;
    if (jy_json_get_array(&s, "domains", true, &domains, &ndomains, err) != JY_OK)
        goto fail;
    if (ndomains == 0) {
        jy_json_error(err, &s, "domains", "must name at least the primary domain");
        goto fail;
    }
    p[0] = num(d, parent_id);
    p[1] = site_levels[level];
    p[2] = name;
    p[4] = code;
    p[5] = admin_code;
    if (jy_json_get_str_chars(&s, "short_name", false, 1, 50, &p[3], err) != JY_OK ||
        jy_json_get_str_chars(&s, "sponsor", true, 1, 100, &p[6], err) != JY_OK ||
        jy_json_get_str_chars(&s, "organizer", false, 1, 100, &p[7], err) != JY_OK ||
        jy_json_get_object(&s, "contact", false, &contact, err) != JY_OK ||
        jy_json_check_keys(&contact, contact_keys, err) != JY_OK ||
        jy_json_get_str(&contact, "phone", false, &p[8], err) != JY_OK ||
        jy_json_get_str(&contact, "email", false, &p[9], err) != JY_OK ||
        jy_json_get_str(&contact, "address", false, &p[10], err) != JY_OK ||
        jy_json_get_str(&contact, "postcode", false, &p[11], err) != JY_OK ||
        jy_json_get_str(&s, "icp_no", false, &p[12], err) != JY_OK ||
        jy_json_get_str(&s, "psb_no", false, &p[13], err) != JY_OK ||
        jy_json_get_str(&s, "dzjg_url", false, &p[14], err) != JY_OK ||
        jy_json_get_str(&s, "theme", false, &theme, err) != JY_OK ||
        jy_json_get_str(&s, "blueprint", false, &bpname, err) != JY_OK ||
        jy_json_get_array(&s, "units", false, &units, NULL, err) != JY_OK ||
        jy_json_get_array(&s, "children", false, &kids, NULL, err) != JY_OK)
        goto fail;
    if (p[9] && !jy_sitecheck_email(p[9])) {
        jy_json_error(err, &contact, "email", "must be an e-mail address, not \"%s\"", p[9]);
        goto fail;
    }
    if (p[12] && !jy_sitecheck_icp(p[12])) {
        jy_json_error(err, &s, "icp_no",
                      "must be an ICP filing number such as 岭ICP备56000001号, not \"%s\"", p[12]);
        goto fail;
    }
    if (p[13] && !jy_sitecheck_psb(p[13])) {
        jy_json_error(err, &s, "psb_no",
                      "must be a public-security filing number such as 岭公网安备 "
                      "56010202000001号, not \"%s\"",
                      p[13]);
        goto fail;
    }
    if (bpname) {
        if ((bp = blueprint(d, bpname, err)) == NULL)
            goto fail;
        if (strcmp(bp->level, site_levels[level]) != 0) {
            jy_json_error(err, &s, "blueprint", "\"%s\" is for %s sites, not %s sites", bpname,
                          bp->level, site_levels[level]);
            goto fail;
        }
        p[16] = bp->name;
        p[17] = num(d, bp->version);
    }
    p[15] = theme ? theme : bp ? bp->theme : "default";
    p[18] = jy_pool_printf(d->scratch, "%d", sort);

    if ((res = query(d, sql, 19, p, err)) == NULL)
        goto fail;
    tally(&d->st->sites, res);
    site_id = to_id(jy_db_res_get(res, 0, 0));
    if (load_domains(d, site_id, &domains, err) != JY_OK)
        goto fail;
    if (bp) {
        if (jy_blueprint_apply(d->db, d->scratch, bp, site_id, &bres, err) != JY_OK)
            return JY_ERROR; /* the message names the blueprint file and the column */
        d->st->columns.created += bres.created;
        d->st->columns.unchanged += bres.present;
        d->st->reuse_wired += bres.wired;
    }
    i = 0;
    for (jy_json_first(&units, &el); el.item; jy_json_next(&el))
        if (load_unit(d, site_id, el.item, ++i * 10, err) != JY_OK)
            goto fail;
    i = 0;
    for (jy_json_first(&kids, &el); el.item; jy_json_next(&el)) {
        if (el.item->type != cJSON_Object) {
            jy_json_error(err, &el, NULL, "must be a site object");
            goto fail;
        }
        if (load_site(d, el.item, site_id, ++i * 10, err) != JY_OK)
            return JY_ERROR;
    }
    return JY_OK;
fail:
    v = name ? name : "?";
    jy_err_prefix(err, "%s: site \"%s\"", d->name, v);
    return JY_ERROR;
}


/* ---- tags, users, grants ------------------------------------------------------------------- */

/* Find or create the tag called name; *id gets its id. count: add to the tag statistics. */
static int
ensure_tag(struct demo *d, const char *name, bool count, long long *id, struct jy_err *err)
{
    static const char sql[] =
        "WITH ins AS (INSERT INTO tag (name) VALUES ($1) ON CONFLICT (name) DO NOTHING"
        " RETURNING id)"
        " SELECT id, true AS created FROM ins"
        " UNION ALL SELECT id, NULL FROM tag WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM ins)";
    const char *params[1] = {name};
    struct jy_db_res *res = query(d, sql, 1, params, err);

    if (res == NULL)
        return JY_ERROR;
    if (count)
        tally(&d->st->tags, res);
    *id = to_id(jy_db_res_get(res, 0, 0));
    return JY_OK;
}


static int
load_tags(struct demo *d, const struct jy_json_node *root, struct jy_err *err)
{
    static const char synonym_sql[] =
        "INSERT INTO tag_synonym AS s (synonym, tag_id) VALUES ($1, $2)"
        " ON CONFLICT (synonym) DO UPDATE SET tag_id = EXCLUDED.tag_id"
        "  WHERE s.tag_id <> EXCLUDED.tag_id"
        " RETURNING (s.xmax = 0) AS created";
    struct jy_json_node tags, el, syn, sel;
    const char *name = NULL, *params[2];
    struct jy_db_res *res;
    long long id;

    if (jy_json_get_array(root, "tags", false, &tags, NULL, err) != JY_OK)
        return JY_ERROR;
    for (jy_json_first(&tags, &el); el.item; jy_json_next(&el)) {
        struct jy_json_node t = JY_JSON_ROOT(el.item);
        jy_pool_reset(d->scratch);
        name = NULL;
        if (jy_json_get_str_chars(&t, "name", true, 1, 32, &name, err) != JY_OK ||
            jy_json_check_keys(&t, tag_keys, err) != JY_OK ||
            jy_json_get_array(&t, "synonyms", false, &syn, NULL, err) != JY_OK ||
            ensure_tag(d, name, true, &id, err) != JY_OK)
            goto fail;
        for (jy_json_first(&syn, &sel); sel.item; jy_json_next(&sel)) {
            if (jy_json_get_str_chars(&sel, NULL, true, 1, 32, &params[0], err) != JY_OK)
                goto fail;
            params[1] = num(d, id);
            if ((res = query(d, synonym_sql, 2, params, err)) == NULL)
                goto fail;
            tally(&d->st->tags, res);
        }
    }
    return JY_OK;
fail:
    jy_err_prefix(err, "%s: tag \"%s\"", d->name, name ? name : "?");
    return JY_ERROR;
}


static int
load_grants(struct demo *d, long long user_id, const struct jy_json_node *grants,
            struct jy_err *err)
{
    static const char sql[] =
        "WITH ins AS (INSERT INTO user_grant (user_id, role, site_id, column_id)"
        " VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (user_id, role, site_id, (COALESCE(column_id, 0))) DO NOTHING"
        " RETURNING id)"
        " SELECT true AS created FROM ins";
    struct jy_json_node el;

    for (jy_json_first(grants, &el); el.item; jy_json_next(&el)) {
        struct jy_json_node g = JY_JSON_ROOT(el.item);
        const char *role, *site, *column = NULL, *params[4];
        long long site_id, column_id = 0;
        struct jy_db_res *res;
        char where[32];
        int rc;

        jy_err_clear(err);
        if (jy_json_check_keys(&g, grant_keys, err) != JY_OK ||
            jy_json_get_str(&g, "role", true, &role, err) != JY_OK ||
            jy_json_get_str(&g, "site", true, &site, err) != JY_OK ||
            jy_json_get_str(&g, "column", false, &column, err) != JY_OK)
            goto fail;
        params[0] = role;
        if (jy_db_query_value(d->db, d->scratch, "SELECT 1 FROM role WHERE code = $1", 1, params,
                              err) == NULL) {
            if (err->code == JY_E_NONE)
                jy_json_error(err, &g, "role", "names no role: \"%s\"", role);
            goto fail;
        }
        if (site_by_code(d, site, &site_id, err) != JY_OK)
            goto fail;
        if (column && (rc = column_by_path(d, site_id, column, &column_id, err)) != JY_OK) {
            if (rc == JY_DECLINED)
                jy_json_error(err, &g, "column", "\"%s\" names no column of site \"%s\"", column,
                              site);
            goto fail;
        }
        params[0] = num(d, user_id);
        params[1] = role;
        params[2] = num(d, site_id);
        params[3] = num(d, column_id);
        if ((res = query(d, sql, 4, params, err)) == NULL)
            goto fail;
        tally(&d->st->grants, res);
        continue;
    fail:
        snprintf(where, sizeof(where), "grant %zu", el.index + 1);
        jy_err_prefix(err, "%s", where);
        return JY_ERROR;
    }
    return JY_OK;
}


static int
load_users(struct demo *d, const struct jy_json_node *root, struct jy_err *err)
{
    static const char sql[] =
        "WITH up AS ("
        " INSERT INTO app_user AS u (login, display_name, organisation, phone, email, site_id)"
        " VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (login) DO UPDATE SET display_name = EXCLUDED.display_name,"
        "  organisation = EXCLUDED.organisation, phone = EXCLUDED.phone, email = EXCLUDED.email,"
        "  site_id = EXCLUDED.site_id"
        " WHERE (u.display_name, u.organisation, u.phone, u.email, u.site_id)"
        "  IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.organisation, EXCLUDED.phone,"
        "  EXCLUDED.email, EXCLUDED.site_id)"
        " RETURNING u.id, (u.xmax = 0) AS created)"
        " SELECT id, created FROM up"
        " UNION ALL SELECT id, NULL FROM app_user WHERE login = $1"
        "  AND NOT EXISTS (SELECT 1 FROM up)";
    struct jy_json_node users, el, grants;
    const char *login = NULL;
    struct jy_db_res *res;

    if (jy_json_get_array(root, "users", false, &users, NULL, err) != JY_OK)
        return JY_ERROR;
    for (jy_json_first(&users, &el); el.item; jy_json_next(&el)) {
        struct jy_json_node u = JY_JSON_ROOT(el.item);
        const char *p[6] = {NULL, NULL, NULL, NULL, NULL, NULL}, *site = NULL;
        long long site_id = 0;

        jy_pool_reset(d->scratch);
        login = NULL;
        if (jy_json_get_str_chars(&u, "login", true, 2, 64, &login, err) != JY_OK ||
            jy_json_check_keys(&u, user_keys, err) != JY_OK ||
            jy_json_get_str_chars(&u, "display_name", true, 1, 64, &p[1], err) != JY_OK ||
            jy_json_get_str(&u, "organisation", false, &p[2], err) != JY_OK ||
            jy_json_get_str(&u, "phone", false, &p[3], err) != JY_OK ||
            jy_json_get_str(&u, "email", false, &p[4], err) != JY_OK ||
            jy_json_get_str(&u, "site", false, &site, err) != JY_OK ||
            jy_json_get_array(&u, "grants", false, &grants, NULL, err) != JY_OK)
            goto fail;
        if (p[4] && !jy_sitecheck_email(p[4])) {
            jy_json_error(err, &u, "email", "must be an e-mail address, not \"%s\"", p[4]);
            goto fail;
        }
        if (site && site_by_code(d, site, &site_id, err) != JY_OK)
            goto fail;
        p[0] = login;
        p[5] = num(d, site_id);
        if ((res = query(d, sql, 6, p, err)) == NULL)
            goto fail;
        tally(&d->st->users, res);
        if (load_grants(d, to_id(jy_db_res_get(res, 0, 0)), &grants, err) != JY_OK)
            goto fail;
    }
    return JY_OK;
fail:
    jy_err_prefix(err, "%s: user \"%s\"", d->name, login ? login : "?");
    return JY_ERROR;
}


/* ---- items --------------------------------------------------------------------------------- */

static int
load_placements(struct demo *d, long long item_id, const char *kind, const char *publish_at,
                long long editor, const struct jy_json_node *placements, struct jy_err *err)
{
    static const char column_sql[] =
        "SELECT id, kind, accepts = '{}' OR $3 = ANY (accepts) AS accepts"
        " FROM site_column WHERE site_id = $1 AND path = $2";
    static const char sql[] =
        "INSERT INTO placement AS p (item_id, column_id, site_id, sort, pinned_until, state,"
        "  published_at, created_by)"
        " VALUES ($1, $2, $3, COALESCE($4::integer, 0), $5, $6, $7, $8)"
        " ON CONFLICT (item_id, column_id) DO UPDATE SET sort = EXCLUDED.sort,"
        "  pinned_until = EXCLUDED.pinned_until, state = EXCLUDED.state,"
        "  published_at = EXCLUDED.published_at"
        " WHERE (p.sort, p.pinned_until, p.state, p.published_at)"
        "  IS DISTINCT FROM (EXCLUDED.sort, EXCLUDED.pinned_until, EXCLUDED.state,"
        "  EXCLUDED.published_at)"
        " RETURNING (p.xmax = 0) AS created";
    struct jy_json_node el;

    for (jy_json_first(placements, &el); el.item; jy_json_next(&el)) {
        struct jy_json_node pl = JY_JSON_ROOT(el.item);
        const char *site, *column, *pinned = NULL, *published = publish_at, *p[8];
        long long site_id, sort = 0;
        struct jy_db_res *res;
        int state = 3; /* published */
        char where[32];

        if (jy_json_check_keys(&pl, placement_keys, err) != JY_OK ||
            jy_json_get_str(&pl, "site", true, &site, err) != JY_OK ||
            jy_json_get_str(&pl, "column", true, &column, err) != JY_OK ||
            jy_json_get_enum(&pl, "state", false, placement_states, &state, err) != JY_OK ||
            get_date(&pl, "published_at", true, &published, err) != JY_OK ||
            get_date(&pl, "pinned_until", true, &pinned, err) != JY_OK ||
            jy_json_get_int(&pl, "sort", false, -1000000, 1000000, &sort, err) != JY_OK ||
            site_by_code(d, site, &site_id, err) != JY_OK)
            goto fail;
        if (strcmp(placement_states[state], "published") == 0 && published == NULL) {
            jy_json_error(err, &pl, "published_at",
                          "is required to publish an item that has no publish_at");
            goto fail;
        }
        p[0] = num(d, site_id);
        p[1] = column;
        p[2] = kind;
        if ((res = query(d, column_sql, 3, p, err)) == NULL)
            goto fail;
        if (jy_db_res_rows(res) == 0) {
            jy_json_error(err, &pl, "column", "names no column of site \"%s\": \"%s\"", site,
                          column);
            goto fail;
        }
        if (strcmp(jy_db_res_get(res, 0, 1), "list") != 0 &&
            strcmp(jy_db_res_get(res, 0, 1), "topic") != 0) {
            jy_json_error(err, &pl, "column",
                          "\"%s\" of site \"%s\" is a %s column and holds no items", column, site,
                          jy_db_res_get(res, 0, 1));
            goto fail;
        }
        if (strcmp(jy_db_res_get(res, 0, 2), "t") != 0) {
            jy_json_error(err, &pl, "column", "\"%s\" of site \"%s\" does not accept %s items",
                          column, site, kind);
            goto fail;
        }
        p[0] = num(d, item_id);
        p[1] = jy_db_res_get(res, 0, 0);
        p[2] = num(d, site_id);
        p[3] = num(d, sort);
        p[4] = pinned;
        p[5] = placement_states[state];
        p[6] = published;
        p[7] = num(d, editor);
        if ((res = query(d, sql, 8, p, err)) == NULL)
            goto fail;
        tally(&d->st->placements, res);
        continue;
    fail:
        snprintf(where, sizeof(where), "placement %zu", el.index + 1);
        jy_err_prefix(err, "%s", where);
        return JY_ERROR;
    }
    return JY_OK;
}


static int
load_item_tags(struct demo *d, long long site_id, long long item_id,
               const struct jy_json_node *tags, struct jy_err *err)
{
    static const char sql[] = "INSERT INTO item_tag (site_id, item_id, tag_id) VALUES ($1, $2, $3)"
                              " ON CONFLICT (item_id, tag_id) DO NOTHING RETURNING true AS created";
    struct jy_json_node el;
    const char *name, *p[3];
    struct jy_db_res *res;
    long long tag_id;

    for (jy_json_first(tags, &el); el.item; jy_json_next(&el)) {
        if (jy_json_get_str_chars(&el, NULL, true, 1, 32, &name, err) != JY_OK ||
            ensure_tag(d, name, false, &tag_id, err) != JY_OK)
            return JY_ERROR;
        p[0] = num(d, site_id);
        p[1] = num(d, item_id);
        p[2] = num(d, tag_id);
        if ((res = query(d, sql, 3, p, err)) == NULL)
            return JY_ERROR;
        tally(&d->st->item_tags, res);
    }
    return JY_OK;
}


/* Id of an item of a site by its 索引号, 0 when there is none. */
static int
item_by_index(struct demo *d, long long site_id, const char *index_no, long long *id,
              const char **kind, struct jy_err *err)
{
    const char *p[2] = {num(d, site_id), index_no};
    struct jy_db_res *res =
        query(d, "SELECT id, kind FROM item WHERE site_id = $1 AND index_no = $2", 2, p, err);

    if (res == NULL)
        return JY_ERROR;
    *id = jy_db_res_rows(res) ? to_id(jy_db_res_get(res, 0, 0)) : 0;
    if (kind)
        *kind = jy_db_res_rows(res) ? jy_db_res_get(res, 0, 1) : NULL;
    return JY_OK;
}


static int
load_item(struct demo *d, const struct jy_json_node *el, struct jy_err *err)
{
    static const char sql[] =
        "WITH up AS ("
        " INSERT INTO item AS i (site_id, unit_id, kind, title, subtitle, summary, author, source,"
        "  publisher, keywords, subject, body, link_url, metadata, publish_at, index_no, doc_no,"
        "  issuer, written_on, issued_on, effective_on, validity, validity_on, validity_by,"
        "  created_by, updated_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
        "  ARRAY(SELECT jsonb_array_elements_text($10::jsonb)), $11, $12, $13,"
        "  COALESCE($14::jsonb, '{}'), $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $25)"
        " ON CONFLICT (site_id, index_no) WHERE index_no IS NOT NULL DO UPDATE SET"
        "  unit_id = EXCLUDED.unit_id, kind = EXCLUDED.kind, title = EXCLUDED.title,"
        "  subtitle = EXCLUDED.subtitle, summary = EXCLUDED.summary, author = EXCLUDED.author,"
        "  source = EXCLUDED.source, publisher = EXCLUDED.publisher,"
        "  keywords = EXCLUDED.keywords, subject = EXCLUDED.subject, body = EXCLUDED.body,"
        "  link_url = EXCLUDED.link_url, metadata = EXCLUDED.metadata,"
        "  publish_at = EXCLUDED.publish_at, doc_no = EXCLUDED.doc_no, issuer = EXCLUDED.issuer,"
        "  written_on = EXCLUDED.written_on, issued_on = EXCLUDED.issued_on,"
        "  effective_on = EXCLUDED.effective_on, validity = EXCLUDED.validity,"
        "  validity_on = EXCLUDED.validity_on, validity_by = EXCLUDED.validity_by,"
        "  updated_by = EXCLUDED.updated_by"
        " WHERE (i.unit_id, i.kind, i.title, i.subtitle, i.summary, i.author, i.source,"
        "  i.publisher, i.keywords, i.subject, i.body, i.link_url, i.metadata, i.publish_at,"
        "  i.doc_no, i.issuer, i.written_on, i.issued_on, i.effective_on, i.validity,"
        "  i.validity_on, i.validity_by)"
        "  IS DISTINCT FROM (EXCLUDED.unit_id, EXCLUDED.kind, EXCLUDED.title, EXCLUDED.subtitle,"
        "  EXCLUDED.summary, EXCLUDED.author, EXCLUDED.source, EXCLUDED.publisher,"
        "  EXCLUDED.keywords, EXCLUDED.subject, EXCLUDED.body, EXCLUDED.link_url,"
        "  EXCLUDED.metadata, EXCLUDED.publish_at, EXCLUDED.doc_no, EXCLUDED.issuer,"
        "  EXCLUDED.written_on, EXCLUDED.issued_on, EXCLUDED.effective_on, EXCLUDED.validity,"
        "  EXCLUDED.validity_on, EXCLUDED.validity_by)"
        " RETURNING i.id, (i.xmax = 0) AS created)"
        " SELECT id, created FROM up"
        " UNION ALL SELECT id, NULL FROM item WHERE site_id = $1 AND index_no = $16"
        "  AND NOT EXISTS (SELECT 1 FROM up)";
    struct jy_json_node it = JY_JSON_ROOT(el->item), obj, tags, placements, interprets;
    const char *p[25], *site, *unit = NULL, *editor = NULL, *validity_by = NULL;
    long long site_id, unit_id = 0, editor_id = 0, validity_by_id = 0, item_id;
    struct demo_item *di = &d->items[d->nitems];
    const char *index_no = NULL;
    struct jy_db_res *res;
    int kind, validity = 0, i;
    bool policy;

    jy_pool_reset(d->scratch);
    memset(p, 0, sizeof(p));
    if (jy_json_get_str_chars(&it, "index_no", true, 1, 64, &index_no, err) != JY_OK ||
        jy_json_check_keys(&it, item_keys, err) != JY_OK ||
        jy_json_get_str(&it, "site", true, &site, err) != JY_OK ||
        jy_json_get_enum(&it, "kind", true, item_kinds, &kind, err) != JY_OK ||
        jy_json_get_str_chars(&it, "title", true, 1, 500, &p[3], err) != JY_OK ||
        jy_json_get_str(&it, "unit", false, &unit, err) != JY_OK ||
        jy_json_get_str(&it, "subtitle", false, &p[4], err) != JY_OK ||
        jy_json_get_str(&it, "summary", false, &p[5], err) != JY_OK ||
        jy_json_get_str(&it, "author", false, &p[6], err) != JY_OK ||
        jy_json_get_str(&it, "source", false, &p[7], err) != JY_OK ||
        jy_json_get_str(&it, "publisher", false, &p[8], err) != JY_OK ||
        jy_json_get_array(&it, "keywords", false, &obj, NULL, err) != JY_OK ||
        jy_json_get_str(&it, "subject", false, &p[10], err) != JY_OK ||
        jy_json_get_str(&it, "body", false, &p[11], err) != JY_OK ||
        jy_json_get_str(&it, "link_url", false, &p[12], err) != JY_OK ||
        jy_json_get_object(&it, "metadata", false, &obj, err) != JY_OK ||
        get_date(&it, "publish_at", true, &p[14], err) != JY_OK ||
        jy_json_get_str(&it, "doc_no", false, &p[16], err) != JY_OK ||
        jy_json_get_str(&it, "issuer", false, &p[17], err) != JY_OK ||
        get_date(&it, "written_on", false, &p[18], err) != JY_OK ||
        get_date(&it, "issued_on", false, &p[19], err) != JY_OK ||
        get_date(&it, "effective_on", false, &p[20], err) != JY_OK ||
        jy_json_get_enum(&it, "validity", false, validities, &validity, err) != JY_OK ||
        get_date(&it, "validity_on", false, &p[22], err) != JY_OK ||
        jy_json_get_str(&it, "validity_by", false, &validity_by, err) != JY_OK ||
        jy_json_get_str(&it, "editor", false, &editor, err) != JY_OK ||
        jy_json_get_array(&it, "tags", false, &tags, NULL, err) != JY_OK ||
        jy_json_get_array(&it, "interprets", false, &interprets, NULL, err) != JY_OK ||
        jy_json_get_array(&it, "placements", false, &placements, NULL, err) != JY_OK)
        goto fail;

    policy = strcmp(item_kinds[kind], "policy") == 0;
    for (i = 0; !policy && policy_fields[i]; i++)
        if (jy_json_has(&it, policy_fields[i])) {
            jy_json_error(err, &it, policy_fields[i], "is only for policy documents, not %s items",
                          item_kinds[kind]);
            goto fail;
        }
    if (interprets.item && strcmp(item_kinds[kind], "interpretation") != 0) {
        jy_json_error(err, &it, "interprets", "is only for interpretation items, not %s items",
                      item_kinds[kind]);
        goto fail;
    }
    if (strcmp(item_kinds[kind], "link") == 0 && p[12] == NULL) {
        jy_json_error(err, &it, "link_url", "is required for a link item");
        goto fail;
    }
    if (site_by_code(d, site, &site_id, err) != JY_OK)
        goto fail;
    if (unit) {
        const char *q[2] = {num(d, site_id), unit};
        const char *v = jy_db_query_value(d->db, d->scratch,
                                          "SELECT id FROM site WHERE parent_id = $1 AND name = $2"
                                          " AND kind = 'unit'",
                                          2, q, err);
        if (v == NULL) {
            if (err->code == JY_E_NONE)
                jy_json_error(err, &it, "unit", "\"%s\" is no unit of site \"%s\"", unit, site);
            goto fail;
        }
        unit_id = to_id(v);
    }
    if (editor) {
        const char *q[1] = {editor};
        const char *v = jy_db_query_value(d->db, d->scratch,
                                          "SELECT id FROM app_user WHERE login = $1", 1, q, err);
        if (v == NULL) {
            if (err->code == JY_E_NONE)
                jy_json_error(err, &it, "editor", "\"%s\" is no user of the platform", editor);
            goto fail;
        }
        editor_id = to_id(v);
    }
    if (validity_by) {
        if (item_by_index(d, site_id, validity_by, &validity_by_id, NULL, err) != JY_OK)
            goto fail;
        if (validity_by_id == 0) {
            jy_json_error(err, &it, "validity_by",
                          "\"%s\" names no item of site \"%s\" listed before this one", validity_by,
                          site);
            goto fail;
        }
    }
    p[0] = num(d, site_id);
    p[1] = num(d, unit_id);
    p[2] = item_kinds[kind];
    p[9] = json_param(d, &it, "keywords");
    p[13] = json_param(d, &it, "metadata");
    p[15] = index_no;
    p[21] = policy ? validities[validity] : NULL;
    p[23] = num(d, validity_by_id);
    p[24] = num(d, editor_id);
    if ((res = query(d, sql, 25, p, err)) == NULL)
        goto fail;
    tally(&d->st->items, res);
    item_id = to_id(jy_db_res_get(res, 0, 0));
    di->id = item_id;
    di->site_id = site_id;
    di->kind = item_kinds[kind];
    d->nitems++;
    if (load_item_tags(d, site_id, item_id, &tags, err) != JY_OK ||
        load_placements(d, item_id, item_kinds[kind], p[14], editor_id, &placements, err) != JY_OK)
        goto fail;
    return JY_OK;
fail:
    jy_err_prefix(err, "%s: item \"%s\"", d->name, index_no ? index_no : "?");
    return JY_ERROR;
}


/* Second pass: interpretations link to their documents (which may come later in the file). */
static int
load_relations(struct demo *d, const struct jy_json_node *items, struct jy_err *err)
{
    static const char sql[] =
        "INSERT INTO item_relation (site_id, from_id, to_id, kind)"
        " VALUES ($1, $2, $3, 'interprets')"
        " ON CONFLICT (from_id, to_id, kind) DO NOTHING RETURNING true AS created";
    struct jy_json_node el, refs, ref;
    int n = 0;

    for (jy_json_first(items, &el); el.item; jy_json_next(&el), n++) {
        struct jy_json_node it = JY_JSON_ROOT(el.item);
        const struct demo_item *di = &d->items[n];
        const char *index_no = cJSON_GetObjectItemCaseSensitive(el.item, "index_no")->valuestring;

        jy_pool_reset(d->scratch);
        jy_json_get_array(&it, "interprets", false, &refs, NULL, err);
        for (jy_json_first(&refs, &ref); ref.item; jy_json_next(&ref)) {
            const char *site = NULL, *target = NULL, *kind = NULL, *p[3];
            long long site_id = di->site_id, to = 0;
            struct jy_db_res *res;

            if (cJSON_IsObject(ref.item)) {
                struct jy_json_node r = JY_JSON_ROOT(ref.item);
                if (jy_json_check_keys(&r, ref_keys, err) != JY_OK ||
                    jy_json_get_str(&r, "site", true, &site, err) != JY_OK ||
                    jy_json_get_str(&r, "index_no", true, &target, err) != JY_OK ||
                    site_by_code(d, site, &site_id, err) != JY_OK)
                    goto fail;
            } else if (jy_json_get_str(&ref, NULL, true, &target, err) != JY_OK) {
                goto fail;
            }
            if (item_by_index(d, site_id, target, &to, &kind, err) != JY_OK)
                goto fail;
            if (to == 0 || strcmp(kind, "policy") != 0) {
                jy_json_error(err, &ref, NULL, "\"%s\" names no policy document of the file",
                              target);
                goto fail;
            }
            p[0] = num(d, di->site_id);
            p[1] = num(d, di->id);
            p[2] = num(d, to);
            if ((res = query(d, sql, 3, p, err)) == NULL)
                goto fail;
            tally(&d->st->relations, res);
            continue;
        fail:
            jy_err_prefix(err, "%s: item \"%s\": interprets", d->name, index_no);
            return JY_ERROR;
        }
    }
    return JY_OK;
}


/* ---- the load ------------------------------------------------------------------------------ */

int
jy_demo_changes(const struct jy_demo_stats *st)
{
    const struct jy_demo_count *c[] = {
        &st->sites,  &st->units, &st->domains,   &st->columns,   &st->tags,       &st->users,
        &st->grants, &st->items, &st->item_tags, &st->relations, &st->placements,
    };
    size_t i;
    int n = 0;

    for (i = 0; i < JY_ARRAY_LEN(c); i++)
        n += c[i]->created + c[i]->updated;
    return n;
}


/* Everything between BEGIN and COMMIT. */
static int
demo_run(struct demo *d, const struct jy_json_node *root, struct jy_err *err)
{
    struct jy_json_node sites, items, el;
    size_t nitems = 0;
    int i = 0;

    if (jy_db_exec(d->db, "SELECT pg_advisory_xact_lock(hashtext('jiyue demo'))", err) != JY_OK)
        return JY_ERROR;
    if (load_platform(d, root, err) != JY_OK)
        return JY_ERROR;
    if (jy_json_get_array(root, "sites", true, &sites, NULL, err) != JY_OK)
        goto fail_top;
    for (jy_json_first(&sites, &el); el.item; jy_json_next(&el)) {
        if (el.item->type != cJSON_Object) {
            jy_json_error(err, &el, NULL, "must be a site object");
            goto fail_top;
        }
        if (load_site(d, el.item, d->platform_id, ++i * 10, err) != JY_OK)
            return JY_ERROR;
    }
    if (load_tags(d, root, err) != JY_OK || load_users(d, root, err) != JY_OK)
        return JY_ERROR;
    if (jy_json_get_array(root, "items", false, &items, &nitems, err) != JY_OK)
        goto fail_top;
    d->items = jy_pool_new_array(d->pool, struct demo_item, nitems + 1);
    for (jy_json_first(&items, &el); el.item; jy_json_next(&el)) {
        if (el.item->type != cJSON_Object) {
            jy_json_error(err, &el, NULL, "must be an item object");
            goto fail_top;
        }
        if (load_item(d, &el, err) != JY_OK)
            return JY_ERROR;
    }
    if (load_relations(d, &items, err) != JY_OK)
        return JY_ERROR;

    if (jy_demo_changes(d->st) > 0) {
        /* one audit record for the whole load, none when nothing changed */
        struct jy_buf b = JY_BUF_INIT(d->scratch);
        const char *p[3];
        jy_pool_reset(d->scratch);
        jy_buf_addf(&b, "{\"file\": ");
        jy_buf_add_json_str(&b, d->name, strlen(d->name));
        jy_buf_addf(&b,
                    ", \"sites\": %d, \"units\": %d, \"columns\": %d, \"users\": %d, "
                    "\"items\": %d, \"placements\": %d}",
                    d->st->sites.created + d->st->sites.updated,
                    d->st->units.created + d->st->units.updated, d->st->columns.created,
                    d->st->users.created + d->st->users.updated,
                    d->st->items.created + d->st->items.updated,
                    d->st->placements.created + d->st->placements.updated);
        p[0] = num(d, d->platform_id);
        p[1] = p[0];
        p[2] = b.buf;
        if (query(d,
                  "INSERT INTO audit_log (action, object_type, object_id, site_id, after)"
                  " VALUES ('demo.load', 'site', $1, $2, $3)",
                  3, p, err) == NULL) {
            jy_err_prefix(err, "could not record the load in the audit log");
            return JY_ERROR;
        }
    }
    return JY_OK;
fail_top:
    jy_err_prefix(err, "%s", d->name);
    return JY_ERROR;
}


int
jy_demo_load(struct jy_db *db, struct jy_pool *pool, const struct jy_demo_opts *opts,
             struct jy_demo_stats *stats, struct jy_err *err)
{
    struct demo d;
    struct jy_json_node root;
    long long version;
    const char *slash;
    cJSON *tree;
    int rc;

    memset(stats, 0, sizeof(*stats));
    memset(&d, 0, sizeof(d));
    d.db = db;
    d.pool = pool;
    d.name = opts->name ? opts->name : opts->file;
    d.st = stats;
    if (opts->blueprint_dir) {
        d.bpdir = opts->blueprint_dir;
    } else {
        /* sites/demo/platform.json -> sites/demo/../blueprints */
        slash = strrchr(opts->file, '/');
        d.bpdir = slash ? jy_pool_printf(pool, "%.*s/../blueprints", (int) (slash - opts->file),
                                         opts->file)
                        : "../blueprints";
    }

    tree = jy_json_load_file(pool, opts->file, err);
    if (tree == NULL)
        return JY_ERROR;
    jy_json_root(&root, tree);
    if (jy_json_check_keys(&root, top_keys, err) != JY_OK ||
        jy_json_get_int(&root, "version", true, 0, 1000000, &version, err) != JY_OK) {
        jy_err_prefix(err, "%s", d.name);
        return JY_ERROR;
    }
    if (version != DEMO_FORMAT_VERSION) {
        jy_err_set(err, JY_E_INVALID,
                   "%s: version %lld is not supported (this jiyue reads version %d)", d.name,
                   version, DEMO_FORMAT_VERSION);
        jy_err_field(err, "version");
        return JY_ERROR;
    }

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    d.scratch = jy_pool_create(0);
    rc = demo_run(&d, &root, err);
    jy_pool_destroy(d.scratch);
    if (rc != JY_OK || opts->dry_run) {
        jy_db_rollback(db);
        return rc;
    }
    return jy_db_commit(db, err);
}
