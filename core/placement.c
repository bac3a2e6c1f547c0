/*
 * placement.c - items into columns across sites in one call, hiding reused
 * items locally, and a column's list as editors see it (placement.h).
 *
 * A placement call first checks every target and collects every refusal
 * (a column that does not exist, is not for items, does not take the
 * item's kind, or where the actor may not write or publish), so the editor
 * learns all of them at once; then it writes. Rights are asked of
 * jy_can(), the function row-level security itself uses, and only when
 * row-level security applies to the connection (the system may do
 * everything); the policies stay the guarantee.
 */
#include "core/compat.h"
#include "core/placement.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/item.h"
#include "core/pool.h"
#include "core/site.h"
#include "core/tagexpr.h"

struct refusals {
    struct jy_pool *pool;
    struct jy_buf all;
    enum jy_err_code code; /* the strongest: forbidden over not found over invalid */
    char first[256];
    char field[64];
    int n;
};

static void refuse(struct refusals *r, enum jy_err_code code, int i, const char *fmt, ...)
    JY_PRINTF(4, 5);

static void
refuse(struct refusals *r, enum jy_err_code code, int i, const char *fmt, ...)
{
    va_list ap;
    struct jy_buf b = JY_BUF_INIT(r->pool);

    va_start(ap, fmt);
    jy_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    if (r->n == 0) {
        snprintf(r->first, sizeof(r->first), "%s", b.buf);
        snprintf(r->field, sizeof(r->field), "columns[%d]", i);
    }
    jy_buf_addf(&r->all, "%s%s", r->n ? "; " : "", b.buf);
    if (code == JY_E_FORBIDDEN || (code == JY_E_NOT_FOUND && r->code != JY_E_FORBIDDEN) ||
        r->code == JY_E_NONE)
        r->code = code;
    r->n++;
}


static const char *
num(struct jy_pool *pool, long long v)
{
    return jy_pool_printf(pool, "%lld", v);
}


/* SITE:PATH → the site's id and the column path, or an error. */
static int
split_column(struct jy_db *db, struct jy_pool *pool, const char *column, const char *field,
             long long *site_id, const char **path, struct jy_err *err)
{
    const char *colon = column ? strchr(column, ':') : NULL, *pth;
    size_t n;

    if (colon == NULL || colon == column || colon[1] == '\0') {
        jy_err_set(err, JY_E_INVALID,
                   "column \"%s\" must be given as SITE:PATH, e.g. 5600000001:zwgk/tzgg",
                   column ? column : "");
        jy_err_field(err, field);
        return JY_ERROR;
    }
    if (jy_site_resolve(db, pool, jy_pool_strndup(pool, column, (size_t) (colon - column)), field,
                        site_id, err) != JY_OK)
        return JY_ERROR;
    pth = colon + 1;
    while (*pth == '/')
        pth++;
    n = strlen(pth);
    while (n > 0 && pth[n - 1] == '/')
        n--;
    *path = jy_pool_strndup(pool, pth, n);
    return JY_OK;
}


int
jy_placement_resolve_column(struct jy_db *db, struct jy_pool *pool, const char *column,
                            const char *field, long long *column_id, long long *site_id,
                            struct jy_err *err)
{
    const char *path, *p[2], *v;
    struct jy_err local = JY_ERR_INIT;

    if (split_column(db, pool, column, field, site_id, &path, err) != JY_OK)
        return JY_ERROR;
    p[0] = num(pool, *site_id);
    p[1] = path;
    v = jy_db_query_value(db, pool, "SELECT id FROM site_column WHERE site_id = $1 AND path = $2",
                          2, p, &local);
    if (v == NULL) {
        if (local.code != JY_E_NONE) {
            *err = local;
            return JY_ERROR;
        }
        jy_err_set(err, JY_E_NOT_FOUND, "site \"%.*s\" has no column \"%s\"",
                   (int) (strchr(column, ':') - column), column, path);
        jy_err_hint(err, "\"jiyue sites --columns\" lists the columns of the sites.");
        jy_err_field(err, field);
        return JY_ERROR;
    }
    *column_id = atoll(v);
    return JY_OK;
}


static bool
state_ok(const char *s)
{
    static const char *const states[] = {"draft",     "submitted", "approved",
                                         "published", "withdrawn", "archived"};
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(states); i++)
        if (strcmp(s, states[i]) == 0)
            return true;
    return false;
}


/* What one target needs to be judged: its column and the actor's rights there. */
struct target_info {
    long long column_id, site_id;
    const char *kind, *column_name, *site_name, *site_status, *existing_state;
    bool reuses, accepts, can_write, can_review, can_publish;
};

static int
load_target(struct jy_db *db, struct jy_pool *pool, long long item, long long column_id,
            struct target_info *t, struct jy_err *err)
{
    static const char sql[] =
        "SELECT c.kind, c.name, s.name, s.status, c.reuse_column_id IS NOT NULL,"
        " c.accepts = '{}' OR (SELECT kind FROM item WHERE id = $1) = ANY (c.accepts),"
        " NOT row_security_active('placement') OR jy_can('item.write', c.site_id, c.id),"
        " NOT row_security_active('placement') OR jy_can('item.review', c.site_id, c.id),"
        " NOT row_security_active('placement') OR jy_can('item.publish', c.site_id, c.id),"
        " (SELECT state FROM placement p WHERE p.item_id = $1 AND p.column_id = c.id),"
        " c.site_id"
        " FROM site_column c JOIN site s ON s.id = c.site_id WHERE c.id = $2";
    const char *p[2] = {num(pool, item), num(pool, column_id)};
    struct jy_db_res *r = jy_db_query(db, pool, sql, 2, p, err);

    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0)
        JY_BUG("column %lld vanished", column_id);
    t->column_id = column_id;
    t->kind = jy_db_res_get(r, 0, 0);
    t->column_name = jy_db_res_get(r, 0, 1);
    t->site_name = jy_db_res_get(r, 0, 2);
    t->site_status = jy_db_res_get(r, 0, 3);
    t->reuses = strcmp(jy_db_res_get(r, 0, 4), "t") == 0;
    t->accepts = strcmp(jy_db_res_get(r, 0, 5), "t") == 0;
    t->can_write = strcmp(jy_db_res_get(r, 0, 6), "t") == 0;
    t->can_review = strcmp(jy_db_res_get(r, 0, 7), "t") == 0;
    t->can_publish = strcmp(jy_db_res_get(r, 0, 8), "t") == 0;
    t->existing_state = jy_db_res_get(r, 0, 9);
    t->site_id = atoll(jy_db_res_get(r, 0, 10));
    return JY_OK;
}


/* Judge target i; every refusal goes to r. */
static int
judge(struct jy_db *db, struct jy_pool *pool, long long item, const char *item_kind,
      const struct jy_placement_target *tg, int i, struct target_info *t, struct refusals *r,
      struct jy_err *err)
{
    const char *state = tg->state ? tg->state : t->existing_state ? t->existing_state : "draft";

    if (load_target(db, pool, item, t->column_id, t, err) != JY_OK)
        return JY_ERROR;
    if (strcmp(t->kind, "list") != 0 && strcmp(t->kind, "topic") != 0) {
        refuse(r, JY_E_INVALID, i,
               "column \"%s\" (%s of %s) is a %s column: items go into list "
               "or topic columns",
               tg->column, t->column_name, t->site_name, t->kind);
        return JY_OK;
    }
    if (t->reuses) {
        refuse(r, JY_E_INVALID, i,
               "column \"%s\" (%s of %s) reuses another column and shows its "
               "items: place the item in the source column",
               tg->column, t->column_name, t->site_name);
        return JY_OK;
    }
    if (!t->accepts)
        refuse(r, JY_E_INVALID, i, "column \"%s\" (%s of %s) does not take items of kind %s",
               tg->column, t->column_name, t->site_name, item_kind);
    if (strcmp(t->site_status, "open") != 0)
        refuse(r, JY_E_INVALID, i, "column \"%s\": site %s is closed", tg->column, t->site_name);
    if (tg->state && !state_ok(tg->state))
        refuse(r, JY_E_INVALID, i,
               "column \"%s\": state \"%s\" is not one of draft, submitted, "
               "approved, published, withdrawn, archived",
               tg->column, tg->state);
    if (tg->pinned_until && tg->pinned_until[0] && !jy_item_time_ok(tg->pinned_until))
        refuse(r, JY_E_INVALID, i,
               "column \"%s\": pinned until \"%s\" is not a date or time "
               "(YYYY-MM-DD or YYYY-MM-DD HH:MM)",
               tg->column, tg->pinned_until);
    /* a new placement needs item.write; changing one (order, pin, state) also item.review
     * or item.publish, as the update policy of placement says */
    if (!t->can_write && (t->existing_state == NULL || (!t->can_review && !t->can_publish))) {
        refuse(r, JY_E_FORBIDDEN, i, "you may not place items in column \"%s\" (%s of %s)",
               tg->column, t->column_name, t->site_name);
        return JY_OK;
    }
    if ((strcmp(state, "published") == 0 || strcmp(state, "withdrawn") == 0 ||
         strcmp(state, "archived") == 0) &&
        !t->can_publish && (tg->state || t->existing_state == NULL))
        refuse(r, JY_E_FORBIDDEN, i,
               "you may not make the item %s in column \"%s\" (%s of %s): "
               "that needs item.publish",
               state, tg->column, t->column_name, t->site_name);
    else if (strcmp(state, "approved") == 0 && !t->can_review && !t->can_publish && tg->state)
        refuse(r, JY_E_FORBIDDEN, i,
               "you may not approve the item in column \"%s\" (%s of %s): "
               "that needs item.review",
               tg->column, t->column_name, t->site_name);
    return JY_OK;
}


int
jy_placement_place_in_tx(struct jy_db *db, struct jy_pool *pool, long long item,
                         const struct jy_placement_target *targets, int ntargets,
                         struct jy_placement_done **done, struct jy_err *err)
{
    /* a date alone pins through that day: until the next midnight of the site */
    static const char upsert[] =
        "WITH v AS (SELECT CASE WHEN $5::text IS NULL OR $5 = '' THEN NULL"
        "  WHEN $5 ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN jy_site_time(($5::date + 1)::text, $3)"
        "  ELSE jy_site_time($5, $3) END AS pin)"
        " INSERT INTO placement AS p (item_id, column_id, site_id, sort, pinned_until, state,"
        "  published_at, created_by)"
        " SELECT $1, $2, $3, coalesce($4::integer, 0), v.pin, coalesce($6, 'draft'),"
        "  CASE WHEN coalesce($6, 'draft') = 'published' THEN now() END, jy_actor() FROM v"
        " ON CONFLICT (item_id, column_id) DO UPDATE SET"
        "  sort = coalesce($4::integer, p.sort),"
        "  pinned_until = CASE WHEN $5::text IS NULL THEN p.pinned_until"
        "   ELSE EXCLUDED.pinned_until END,"
        "  state = coalesce($6, p.state),"
        "  published_at = CASE WHEN coalesce($6, p.state) = 'published'"
        "   THEN coalesce(p.published_at, now()) ELSE p.published_at END"
        " RETURNING p.id, (p.xmax = 0), p.state";
    /*
     * An existing placement is changed by UPDATE alone: INSERT ... ON CONFLICT
     * is held to the insert policy even when it updates, and a reviewer who may
     * publish a placement may not create one.
     */
    static const char update[] =
        "UPDATE placement AS p SET"
        "  sort = coalesce($4::integer, p.sort),"
        "  pinned_until = CASE WHEN $5::text IS NULL THEN p.pinned_until WHEN $5 = '' THEN NULL"
        "   WHEN $5 ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN jy_site_time(($5::date + 1)::text, $3)"
        "   ELSE jy_site_time($5, $3) END,"
        "  state = coalesce($6, p.state),"
        "  published_at = CASE WHEN coalesce($6, p.state) = 'published'"
        "   THEN coalesce(p.published_at, now()) ELSE p.published_at END"
        " WHERE p.item_id = $1 AND p.column_id = $2"
        " RETURNING p.id, false, p.state";
    struct refusals r = {pool, JY_BUF_INIT(pool), JY_E_NONE, "", "", 0};
    struct target_info *t;
    struct jy_placement_done *d;
    const char *p[1] = {num(pool, item)}, *kind;
    int i, j;

    if (ntargets <= 0) {
        jy_err_set(err, JY_E_INVALID, "no column to place item %lld in", item);
        jy_err_field(err, "columns");
        return JY_ERROR;
    }
    kind = jy_db_query_value(db, pool, "SELECT kind FROM item WHERE id = $1", 1, p, err);
    if (kind == NULL) {
        if (err->code != JY_E_NONE)
            return JY_ERROR;
        jy_err_set(err, JY_E_NOT_FOUND, "item %lld does not exist", item);
        jy_err_hint(err, "Or it is a draft of a site you may not read.");
        jy_err_field(err, "item");
        return JY_ERROR;
    }
    t = jy_pool_new_array(pool, struct target_info, (size_t) ntargets);
    d = jy_pool_new_array(pool, struct jy_placement_done, (size_t) ntargets);
    for (i = 0; i < ntargets; i++) {
        struct jy_err local = JY_ERR_INIT;
        char field[32];
        snprintf(field, sizeof(field), "columns[%d]", i);
        if (jy_placement_resolve_column(db, pool, targets[i].column, field, &t[i].column_id,
                                        &t[i].site_id, &local) != JY_OK) {
            if (local.code != JY_E_NOT_FOUND && local.code != JY_E_INVALID) {
                *err = local;
                return JY_ERROR;
            }
            refuse(&r, local.code, i, "%s", local.msg);
            t[i].column_id = 0;
            continue;
        }
        for (j = 0; j < i; j++)
            if (t[j].column_id == t[i].column_id)
                break;
        if (j < i) {
            refuse(&r, JY_E_INVALID, i, "column \"%s\" is named twice", targets[i].column);
            t[i].column_id = 0;
            continue;
        }
        if (judge(db, pool, item, kind, &targets[i], i, &t[i], &r, err) != JY_OK)
            return JY_ERROR;
    }
    if (r.n) {
        if (r.n == 1)
            jy_err_set(err, r.code, "cannot place item %lld: %s", item, r.first);
        else
            jy_err_set(err, r.code, "cannot place item %lld: %s (and %d more refused)", item,
                       r.first, r.n - 1);
        if (r.n > 1)
            jy_err_detail(err, "%s", r.all.buf);
        if (r.code == JY_E_FORBIDDEN)
            jy_err_hint(err, "Nothing was placed. Placing needs item.write on each column (its "
                             "site or the column's subtree); ask the site's administrator for "
                             "a grant, or leave those columns out.");
        else
            jy_err_hint(err, "Nothing was placed.");
        jy_err_field(err, r.field);
        return JY_ERROR;
    }
    for (i = 0; i < ntargets; i++) {
        const char *q[6];
        struct jy_db_res *res;
        q[0] = num(pool, item);
        q[1] = num(pool, t[i].column_id);
        q[2] = num(pool, t[i].site_id);
        q[3] = targets[i].sort_set ? num(pool, targets[i].sort) : NULL;
        q[4] = targets[i].pinned_until;
        q[5] = targets[i].state;
        res = jy_db_query(db, pool, t[i].existing_state ? update : upsert, 6, q, err);
        if (res && jy_db_res_rows(res) == 0) {
            jy_err_set(err, JY_E_FORBIDDEN,
                       "you may not change the placement of item %lld in "
                       "column \"%s\"",
                       item, targets[i].column);
            jy_err_field(err, jy_pool_printf(pool, "columns[%d]", i));
            return JY_ERROR;
        }
        if (res == NULL) {
            if (err->code == JY_E_FORBIDDEN)
                jy_err_prefix(err, "cannot place item %lld in column \"%s\"", item,
                              targets[i].column);
            jy_err_field(err, jy_pool_printf(pool, "columns[%d]", i));
            return JY_ERROR;
        }
        d[i].id = atoll(jy_db_res_get(res, 0, 0));
        d[i].created = strcmp(jy_db_res_get(res, 0, 1), "t") == 0;
        d[i].state = jy_db_res_get(res, 0, 2);
        d[i].column_id = t[i].column_id;
        d[i].site_id = t[i].site_id;
        d[i].column = targets[i].column;
        d[i].column_name = t[i].column_name;
        d[i].site_name = t[i].site_name;
    }
    if (done)
        *done = d;
    return JY_OK;
}


int
jy_placement_place(struct jy_db *db, struct jy_pool *pool, long long item,
                   const struct jy_placement_target *targets, int ntargets,
                   struct jy_placement_done **done, struct jy_err *err)
{
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if (jy_placement_place_in_tx(db, pool, item, targets, ntargets, done, err) != JY_OK) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    return jy_db_commit(db, err);
}


/* ---- hiding reused items --------------------------------------------------------------------- */

static int
hide_run(struct jy_db *db, struct jy_pool *pool, const char *column, long long item, bool hide,
         bool *changed, struct jy_err *err)
{
    static const char col_sql[] =
        "SELECT c.reuse_column_id IS NOT NULL, c.name, s.name,"
        " NOT row_security_active('placement_hidden') OR jy_can('item.publish', c.site_id, c.id)"
        " FROM site_column c JOIN site s ON s.id = c.site_id WHERE c.id = $1";
    static const char in_source_sql[] =
        "WITH RECURSIVE chain (id, hops) AS ("
        "  SELECT reuse_column_id, 1 FROM site_column WHERE id = $1"
        "  UNION ALL SELECT c.reuse_column_id, chain.hops + 1 FROM site_column c"
        "  JOIN chain ON c.id = chain.id WHERE c.reuse_column_id IS NOT NULL AND chain.hops < 17)"
        " SELECT EXISTS (SELECT 1 FROM placement p WHERE p.item_id = $2"
        "                 AND p.column_id IN (SELECT id FROM chain))";
    long long col, site;
    const char *p[3];
    struct jy_db_res *r;

    if (jy_placement_resolve_column(db, pool, column, "column", &col, &site, err) != JY_OK)
        return JY_ERROR;
    p[0] = num(pool, col);
    p[1] = num(pool, item);
    p[2] = num(pool, site);
    if ((r = jy_db_query(db, pool, col_sql, 1, p, err)) == NULL)
        return JY_ERROR;
    if (strcmp(jy_db_res_get(r, 0, 0), "t") != 0) {
        jy_err_set(err, JY_E_INVALID,
                   "column \"%s\" (%s of %s) reuses no other column: only a reusing column can "
                   "hide a reused item",
                   column, jy_db_res_get(r, 0, 1), jy_db_res_get(r, 0, 2));
        jy_err_hint(err, "To take an item out of a column of its own, withdraw its placement.");
        jy_err_field(err, "column");
        return JY_ERROR;
    }
    if (strcmp(jy_db_res_get(r, 0, 3), "t") != 0) {
        jy_err_set(err, JY_E_FORBIDDEN, "you may not %s items in column \"%s\" (%s of %s)",
                   hide ? "hide" : "show", column, jy_db_res_get(r, 0, 1), jy_db_res_get(r, 0, 2));
        jy_err_hint(err, "Hiding a reused item needs item.publish on the reusing column.");
        jy_err_field(err, "column");
        return JY_ERROR;
    }
    if (hide) {
        const char *in = jy_db_query_value(db, pool, in_source_sql, 2, p, err);
        if (in == NULL)
            return JY_ERROR;
        if (strcmp(in, "t") != 0) {
            jy_err_set(err, JY_E_NOT_FOUND, "item %lld is not among the items column \"%s\" reuses",
                       item, column);
            jy_err_field(err, "item");
            return JY_ERROR;
        }
        r = jy_db_query(db, pool,
                        "INSERT INTO placement_hidden (column_id, site_id, item_id, hidden_by)"
                        " VALUES ($1, $3, $2, jy_actor()) ON CONFLICT DO NOTHING",
                        3, p, err);
    } else {
        r = jy_db_query(db, pool,
                        "DELETE FROM placement_hidden WHERE column_id = $1 AND item_id = $2"
                        " AND site_id = $3",
                        3, p, err);
    }
    if (r == NULL)
        return JY_ERROR;
    if (changed)
        *changed = jy_db_res_affected(r) > 0;
    return JY_OK;
}


static int
hide_tx(struct jy_db *db, struct jy_pool *pool, const char *column, long long item, bool hide,
        bool *changed, struct jy_err *err)
{
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if (hide_run(db, pool, column, item, hide, changed, err) != JY_OK) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    return jy_db_commit(db, err);
}


int
jy_placement_hide(struct jy_db *db, struct jy_pool *pool, const char *column, long long item,
                  bool *changed, struct jy_err *err)
{
    return hide_tx(db, pool, column, item, true, changed, err);
}


int
jy_placement_unhide(struct jy_db *db, struct jy_pool *pool, const char *column, long long item,
                    bool *changed, struct jy_err *err)
{
    return hide_tx(db, pool, column, item, false, changed, err);
}


/* ---- listing --------------------------------------------------------------------------------- */

static int
list_run(struct jy_db *db, struct jy_pool *pool, const char *column, int limit,
         struct jy_placement_row **rows, int *n, struct jy_err *err)
{
    static const char col_sql[] =
        "WITH RECURSIVE chain (id, src, hops) AS ("
        "  SELECT id, reuse_column_id, 0 FROM site_column WHERE id = $1"
        "  UNION ALL SELECT c.id, c.reuse_column_id, chain.hops + 1 FROM site_column c"
        "  JOIN chain ON c.id = chain.src WHERE chain.hops < 17)"
        " SELECT c.item_order, c.reuse_column_id IS NOT NULL, c.reuse_tag_filter,"
        "  array_to_json(c.reuse_kinds)::text,"
        "  (SELECT id FROM chain WHERE src IS NULL ORDER BY hops DESC LIMIT 1)"
        " FROM site_column c WHERE c.id = $1";
    struct jy_buf sql = JY_BUF_INIT(pool);
    const char *p[72], *order, *filter, *kinds, *source;
    long long col, site;
    struct jy_db_res *r;
    bool reuses;
    int np, i;

    if (limit < 1 || limit > 1000) {
        jy_err_set(err, JY_E_INVALID, "limit %d is not between 1 and 1000", limit);
        jy_err_field(err, "limit");
        return JY_ERROR;
    }
    if (jy_placement_resolve_column(db, pool, column, "column", &col, &site, err) != JY_OK)
        return JY_ERROR;
    p[0] = num(pool, col);
    if ((r = jy_db_query(db, pool, col_sql, 1, p, err)) == NULL)
        return JY_ERROR;
    order = jy_db_res_get(r, 0, 0);
    reuses = strcmp(jy_db_res_get(r, 0, 1), "t") == 0;
    filter = jy_db_res_get(r, 0, 2);
    kinds = jy_db_res_get(r, 0, 3);
    source = jy_db_res_get(r, 0, 4);
    /* $1 the column shown, $2 the column whose placements are listed, $3 limit */
    p[1] = reuses && source ? source : p[0];
    p[2] = num(pool, limit);
    p[3] = kinds;
    np = 4;
    jy_buf_add_str(&sql,
                   "SELECT p.item_id, i.title, i.kind, p.state, p.published_at, p.pinned_until,"
                   " p.sort, coalesce(p.pinned_until > now(), false) AS pinned,"
                   " h.item_id IS NOT NULL, $1::bigint <> $2::bigint"
                   " FROM placement p LEFT JOIN item i ON i.id = p.item_id"
                   " LEFT JOIN placement_hidden h ON h.column_id = $1 AND h.item_id = p.item_id"
                   " WHERE p.column_id = $2");
    if (reuses) {
        jy_buf_add_str(&sql, " AND p.state = 'published'"
                             " AND ($4::jsonb = '[]' OR i.kind IN"
                             "      (SELECT jsonb_array_elements_text($4::jsonb)))");
        if (filter && filter[0]) {
            struct jy_tagexpr *e = jy_tagexpr_parse(pool, filter, strlen(filter), err);
            const char *const *tags;
            int ntags;
            if (e == NULL) {
                jy_err_prefix(err, "column \"%s\": its tag filter", column);
                return JY_ERROR;
            }
            jy_buf_add_str(&sql, " AND ");
            jy_tagexpr_to_sql(e, "p.item_id", np + 1, &sql);
            tags = jy_tagexpr_tags(e, &ntags);
            for (i = 0; i < ntags; i++)
                p[np++] = tags[i];
        }
    } else {
        jy_buf_add_str(&sql, " AND $4::jsonb IS NOT NULL");
    }
    /* pinned first, by sort; then the column's order (a fixed set of clauses, never data) */
    jy_buf_add_str(&sql, " ORDER BY pinned DESC, CASE WHEN coalesce(p.pinned_until > now(), false)"
                         " THEN p.sort END, ");
    if (strcmp(order, "publish_asc") == 0)
        jy_buf_add_str(&sql, "p.published_at ASC NULLS LAST, p.item_id ASC");
    else if (strcmp(order, "sort") == 0)
        jy_buf_add_str(&sql, "p.sort ASC, p.published_at DESC NULLS LAST, p.item_id DESC");
    else if (strcmp(order, "title") == 0)
        jy_buf_add_str(
            &sql, "i.title COLLATE jy_pinyin ASC, p.published_at DESC NULLS FIRST, p.item_id DESC");
    else
        jy_buf_add_str(&sql, "p.published_at DESC NULLS FIRST, p.item_id DESC");
    jy_buf_add_str(&sql, " LIMIT $3::integer");
    if ((r = jy_db_query(db, pool, sql.buf, np, p, err)) == NULL)
        return JY_ERROR;
    *n = jy_db_res_rows(r);
    *rows = jy_pool_new_array(pool, struct jy_placement_row, (size_t) *n + 1);
    for (i = 0; i < *n; i++) {
        struct jy_placement_row *w = &(*rows)[i];
        w->item_id = atoll(jy_db_res_get(r, i, 0));
        w->title = jy_db_res_get(r, i, 1);
        w->kind = jy_db_res_get(r, i, 2);
        w->state = jy_db_res_get(r, i, 3);
        w->published_at = jy_db_res_get(r, i, 4);
        w->pinned_until = jy_db_res_get(r, i, 5);
        w->sort = atoi(jy_db_res_get(r, i, 6));
        w->pinned = strcmp(jy_db_res_get(r, i, 7), "t") == 0;
        w->hidden = strcmp(jy_db_res_get(r, i, 8), "t") == 0;
        w->reused = strcmp(jy_db_res_get(r, i, 9), "t") == 0;
    }
    return JY_OK;
}


/* In a transaction of its own: the actor is set per transaction (db.h). */
int
jy_placement_list(struct jy_db *db, struct jy_pool *pool, const char *column, int limit,
                  struct jy_placement_row **rows, int *n, struct jy_err *err)
{
    int rc;

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = list_run(db, pool, column, limit, rows, n, err);
    jy_db_rollback(db);
    return rc;
}
