/*
 * render_preview.c - one page of a site as it would be rendered with the
 * unpublished placements a person may see (issue 8, "Preview").
 *
 * The preview is the renderer itself, not a second rendering of its own:
 * inside one transaction that is always rolled back, the chosen draft,
 * submitted and approved placements are set to published (the system acts,
 * so no review chain applies to a change nobody will ever see), the site's
 * snapshot is read as the renderer reads it, and the page at `path` is
 * rendered into memory. What the preview shows is therefore exactly what
 * publishing those placements would show, lists, reused columns, 长辈版 and
 * all; and nothing of it outlives the call: the triggers' queued render
 * changes, audit rows and notifications go with the rollback.
 *
 * Which placements: those the person can read under row-level security
 * (the caller asks on the person's connection, see jy_render_preview_ids),
 * in the columns whose lists the site shows: its own and the sources its
 * columns reuse, with their descendants; the newest 1,000 at most.
 */
#include "core/compat.h"
#include "core/render_int.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/theme.h"
#include "core/tpl.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/*
 * The unpublished placements the connection's actor may read in the
 * columns site $1 shows (its own columns, and the sources its columns
 * reuse, hop by hop, with their list descendants). Run under the person's
 * row-level security.
 */
static const char ids_sql[] =
    "WITH RECURSIVE lc AS ("
    "  SELECT c.id, c.reuse_column_id, 0 AS hop FROM site_column c WHERE c.site_id = $1 "
    "  UNION ALL "
    "  SELECT s.id, s.reuse_column_id, lc.hop + 1 FROM lc JOIN site_column s "
    "      ON s.id = lc.reuse_column_id WHERE lc.hop < 16), "
    "src AS (SELECT DISTINCT c.site_id, c.path FROM lc JOIN site_column c ON c.id = lc.id "
    "         WHERE lc.reuse_column_id IS NULL) "
    "SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM ("
    "  SELECT DISTINCT p.id FROM placement p "
    "    JOIN site_column c ON c.id = p.column_id "
    "    JOIN src ON src.site_id = c.site_id "
    "         AND (c.path = src.path OR starts_with(c.path, src.path || '/')) "
    "   WHERE p.state IN ('draft', 'submitted', 'approved') "
    "   ORDER BY p.id DESC LIMIT 1000) x";


const char *
jy_render_preview_ids(struct jy_db *as_person, struct jy_pool *pool, long long site_id,
                      struct jy_err *err)
{
    char id[24];
    const char *p[1] = {id}, *v;

    snprintf(id, sizeof(id), "%lld", site_id);
    if (jy_db_begin(as_person, err) != JY_OK)
        return NULL;
    v = jy_db_query_value(as_person, pool, ids_sql, 1, p, err);
    jy_db_rollback(as_person); /* it only read */
    return v == NULL && err->code == JY_E_NONE ? "{}" : v;
}


/* The page of plan with that path, or NULL. */
static const struct rn_page *
page_at(const struct rn_plan *plan, const char *path)
{
    for (int i = 0; i < plan->n; i++)
        if (strcmp(plan->v[i].path, path) == 0)
            return &plan->v[i];
    return NULL;
}


static int
render_one(struct jy_db *db, struct jy_pool *pool, const char *share_dir, long long site_id,
           const char *path, struct jy_buf *out, struct jy_err *err)
{
    static const char *const channels[] = {"desktop"}; /* and the theme's own */
    struct rn_page_ctx x = {.pool = pool};
    const struct rn_page *page;
    struct rn_site *s;
    struct rn_plan plan = {0};
    bool *need;
    int rc;

    if ((s = rn_site_load(db, pool, site_id, err)) == NULL)
        return JY_ERROR;
    if ((x.theme = jy_theme_open(pool, share_dir, s->theme, channels, 1, err)) == NULL) {
        jy_err_prefix(err, "site %s", s->code);
        return JY_ERROR;
    }
    rn_plan_site(pool, s, x.theme, NULL, &plan);
    if ((page = page_at(&plan, path)) == NULL) {
        jy_err_set(err, JY_E_NOT_FOUND, "site %s has no page %s", s->code, path);
        return JY_ERROR;
    }
    need = jy_pool_new_array(pool, bool, (size_t) s->nitems + 1);
    if (page->kind == RP_ITEM || page->kind == RP_JSON_ITEM)
        need[page->item] = true;
    if (page->kind == RP_PLUGIN &&
        (plan.v[page->base].kind == RP_ITEM || plan.v[page->base].kind == RP_JSON_ITEM))
        need[plan.v[page->base].item] = true;
    if (rn_items_load_full(db, pool, s, need, err) != JY_OK)
        return JY_ERROR;
    x.site = s;
    x.plan = &plan;
    for (int k = 0; k <= x.theme->nchannels; k++)
        x.sets[k] = jy_theme_tpl_set(x.theme, rn_hch_code(x.theme, k));
    rc = rn_page_render(&x, page, out, err);
    if (rc == JY_DECLINED) {
        jy_err_set(err, JY_E_NOT_FOUND, "site %s has no page %s", s->code, path);
        rc = JY_ERROR;
    }
    for (int k = 0; k <= x.theme->nchannels; k++)
        jy_tpl_set_destroy(x.sets[k]);
    if (x.site_json)
        cJSON_Delete(x.site_json);
    return rc;
}


int
jy_render_preview(struct jy_db *db, struct jy_pool *pool, const char *share_dir, long long site_id,
                  const char *ids, const char *path, struct jy_buf *out, struct jy_err *err)
{
    int rc;

    if (!jy_render_path_ok(path)) {
        jy_err_set(err, JY_E_NOT_FOUND, "no page %s", path);
        return JY_ERROR;
    }
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    /* the what-if: as if these placements were published now (the system acts: no chain) */
    if (ids && strcmp(ids, "{}") != 0 &&
        jy_db_query(
            db, pool,
            "UPDATE placement SET state = 'published', published_at = now()"
            " WHERE id = ANY ($1::bigint[]) AND state IN ('draft', 'submitted', 'approved')",
            1, &ids, err) == NULL) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    rc = render_one(db, pool, share_dir, site_id, path, out, err);
    jy_db_rollback(db); /* always: a preview changes nothing */
    return rc;
}
