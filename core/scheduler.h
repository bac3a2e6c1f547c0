/*
 * scheduler.h - scheduled publication and withdrawal of placements
 * (placement.publish_at / withdraw_at, set by jy_workflow_schedule).
 *
 * jy_scheduler_run_due() fires every transition due at a time: a
 * publication once the placement may be published (approved, or its column
 * has no review chain), a withdrawal of a published placement. Each fires
 * in a transaction of its own on a row locked FOR UPDATE SKIP LOCKED, and
 * firing clears the time in the same transaction: several schedulers on
 * several machines fire each transition exactly once, and a transition
 * missed while no scheduler ran fires at the next run. A publication the
 * pre-publish checks refuse is not retried: its time is cleared and the
 * refusal recorded (workflow_event "schedule_failed") for the editors.
 *
 * `jiyue scheduler` runs it at start and then at every minute.
 */
#ifndef JY_CORE_SCHEDULER_H
#define JY_CORE_SCHEDULER_H

struct jy_db;
struct jy_err;
struct jy_pool;

struct jy_scheduler_stats {
    int published; /* placements published */
    int withdrawn; /* placements withdrawn */
    int failed;    /* publications refused (recorded, not retried) */
};

/*
 * Fire what is due at now (a time as text, "2026-12-01 08:00+08"; NULL:
 * the database's clock). Acts as the system (the connection's actor is
 * left as it is; use a connection without one). stats (may be NULL) counts
 * what happened. JY_ERROR only when the database fails; refusals of single
 * placements are counted in stats->failed.
 */
int jy_scheduler_run_due(struct jy_db *db, struct jy_pool *pool, const char *now,
                         struct jy_scheduler_stats *stats, struct jy_err *err);

#endif /* JY_CORE_SCHEDULER_H */
