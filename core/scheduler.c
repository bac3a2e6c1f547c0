/*
 * scheduler.c - fire due publications and withdrawals (scheduler.h).
 *
 * One transition per transaction: a refusal of one placement (the
 * pre-publish checks) must not undo the others, and a short transaction
 * holds its row lock only briefly. SKIP LOCKED makes concurrent schedulers
 * take different rows instead of waiting for each other; clearing the time
 * in the firing transaction makes the second one find nothing to do.
 */
#include "core/compat.h"
#include "core/scheduler.h"
#include "core/db.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/workflow.h"

/* Upper bound of transitions per run, so one run cannot go on for ever. */
#define SCHEDULER_MAX_PER_RUN 10000

/*
 * The next due placement, locked. A publication is due when its time has
 * come and the placement may be published: approved, or without a chain
 * (the one it was submitted with, or for a draft the one that applies now).
 */
static const char next_sql[] =
    "SELECT p.id, p.publish_at IS NOT NULL AND p.publish_at <= t.now"
    "   AND p.state <> 'published', coalesce(u.login, 'system')"
    " FROM placement p CROSS JOIN (SELECT coalesce($1::timestamptz, now()) AS now) t"
    " LEFT JOIN app_user u ON u.id = p.scheduled_by"
    " WHERE (p.publish_at <= t.now AND (p.state = 'approved'"
    "        OR (p.state = 'submitted' AND coalesce(jsonb_array_length(p.review_chain -> 'steps'), 0) = 0)"
    "        OR (p.state IN ('draft', 'withdrawn')"
    "            AND jsonb_array_length(jy_review_chain(p.site_id, p.column_id) -> 'steps') = 0)))"
    "    OR (p.withdraw_at <= t.now AND p.state = 'published')"
    " ORDER BY least(p.publish_at, p.withdraw_at), p.id"
    " LIMIT 1 FOR UPDATE OF p SKIP LOCKED";


/* A transition refused (the checks): clear its time and say why, in a transaction of its own. */
static int
record_failure(struct jy_db *db, struct jy_pool *pool, long long id, bool publish,
               const struct jy_err *why, struct jy_err *err)
{
    const char *p[3] = {jy_pool_printf(pool, "%lld", id), why->msg, publish ? "t" : "f"};

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if (jy_db_query(db, pool,
                    "WITH p AS (UPDATE placement SET publish_at = CASE WHEN $3::boolean"
                    "  THEN NULL ELSE publish_at END, withdraw_at = CASE WHEN $3::boolean"
                    "  THEN withdraw_at ELSE NULL END WHERE id = $1"
                    "  RETURNING id, item_id, site_id, column_id, state, review_round)"
                    " INSERT INTO workflow_event (placement_id, item_id, site_id, column_id,"
                    "  action, from_state, to_state, round, actor_login, comment)"
                    " SELECT id, item_id, site_id, column_id, 'schedule_failed', state, state,"
                    "  review_round, 'scheduler', left($2, 2000) FROM p",
                    3, p, err) == NULL) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    return jy_db_commit(db, err);
}


int
jy_scheduler_run_due(struct jy_db *db, struct jy_pool *pool, const char *now,
                     struct jy_scheduler_stats *stats, struct jy_err *err)
{
    struct jy_scheduler_stats local = {0, 0, 0};
    const char *p[1] = {now};
    int i;

    if (stats == NULL)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    for (i = 0; i < SCHEDULER_MAX_PER_RUN; i++) {
        struct jy_err why = JY_ERR_INIT;
        struct jy_db_res *r;
        long long id;
        bool publish;
        const char *by;

        if (jy_db_begin(db, err) != JY_OK)
            return JY_ERROR;
        if ((r = jy_db_query(db, pool, next_sql, 1, p, err)) == NULL) {
            jy_db_rollback(db);
            return JY_ERROR;
        }
        if (jy_db_res_rows(r) == 0) {
            jy_db_rollback(db);
            return JY_OK;
        }
        id = atoll(jy_db_res_get(r, 0, 0));
        publish = strcmp(jy_db_res_get(r, 0, 1), "t") == 0;
        by = jy_db_res_get(r, 0, 2);
        if (jy_workflow_fire(db, pool, id, publish, by, &why) == JY_OK &&
            jy_db_commit(db, &why) == JY_OK) {
            if (publish)
                stats->published++;
            else
                stats->withdrawn++;
            jy_log_info("scheduler", "placement=%lld action=%s scheduled_by=%s", id,
                        publish ? "publish" : "withdraw", by);
            continue;
        }
        jy_db_rollback(db);
        if (why.code == JY_E_UNAVAILABLE || why.code == JY_E_INTERNAL) {
            *err = why;
            return JY_ERROR;
        }
        jy_log_warn("scheduler", "placement=%lld action=%s refused=\"%s\"", id,
                    publish ? "publish" : "withdraw", why.msg);
        stats->failed++;
        if (record_failure(db, pool, id, publish, &why, err) != JY_OK)
            return JY_ERROR;
    }
    return JY_OK;
}
