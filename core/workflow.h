/*
 * workflow.h - the editorial workflow of placements: submit, approve,
 * reject, publish, withdraw, schedule; review chains per site and column;
 * the review queue of a person; the history of an item (docs/workflow.md).
 *
 *   draft ─submit─▶ submitted ─approve every step─▶ approved ─publish─▶ published ─withdraw─▶
 * withdrawn ▲                 │ reject (reason)              │ reject
 *     └─────────────────┴──────────────────────────────┘
 *   a withdrawn placement may be submitted again (or, without a chain, published again)
 *
 * Rules every action keeps:
 *  - one call is one transaction; a refused action changes nothing;
 *  - rights are those of the acting user (db.h jy_db_set_actor), asked of
 *    jy_can() as row-level security does: submitting needs item.write on
 *    the column, approving a step item.review there and being one of the
 *    step's people (jy_review_holders), rejecting the same or
 *    item.publish, publishing and withdrawing item.publish. The system
 *    (no actor) may do everything and is not held to the chain;
 *  - with a review chain, nobody publishes before every step approved;
 *    with none, whoever holds item.publish publishes directly (from draft,
 *    submitted or withdrawn);
 *  - every transition is recorded in workflow_event with who, when and
 *    the comment (a rejection's reason is required and goes back to the
 *    editor); resubmission starts the chain again from its first step;
 *  - a column is named SITE:PATH as in placement.h; errors name it
 *    (err->field "column"). A transition the state does not allow is
 *    JY_E_CONFLICT, one the person may not make JY_E_FORBIDDEN, a
 *    placement that does not exist (or cannot be seen) JY_E_NOT_FOUND.
 */
#ifndef JY_CORE_WORKFLOW_H
#define JY_CORE_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>

struct jy_db;
struct jy_err;
struct jy_pool;

enum jy_wf_action {
    JY_WF_SUBMIT,
    JY_WF_APPROVE,
    JY_WF_REJECT,
    JY_WF_PUBLISH,
    JY_WF_WITHDRAW,
};

/* "submit", "approve" ... */
const char *jy_wf_action_name(enum jy_wf_action a);

/* What an action did. Strings live in the pool of the call. */
struct jy_wf_result {
    long long placement_id;
    const char *from_state;
    const char *to_state;
    int nsteps;            /* steps of the chain of this round (0: no chain) */
    int step;              /* approve/reject: the step acted on, 1-based; 0 otherwise */
    const char *step_name; /* its name */
    int waiting_step;      /* the step now waiting (1-based), 0 when none */
    const char *waiting_name;
    int approvals_missing; /* an all-of step: approvals still needed on it */
};

/*
 * Act on the placement of item in column (SITE:PATH). comment is optional
 * except for JY_WF_REJECT, where it is the reason given back to the
 * editor. res (may be NULL) says what happened.
 */
int jy_workflow_act(struct jy_db *db, struct jy_pool *pool, enum jy_wf_action action,
                    long long item, const char *column, const char *comment,
                    struct jy_wf_result *res, struct jy_err *err);

/*
 * Schedule the placement: publish_at and withdraw_at are times
 * ("2026-12-01 08:00", in the site's time zone unless an offset is given);
 * NULL leaves that time as it is, "" clears it. Times not in the future are
 * refused, and withdrawal must come after publication. Needs item.publish.
 * A scheduled publication fires once the placement may be published
 * (approved, or no chain), at the minute (jy_scheduler_run_due).
 */
int jy_workflow_schedule(struct jy_db *db, struct jy_pool *pool, long long item, const char *column,
                         const char *publish_at, const char *withdraw_at, struct jy_err *err);

/*
 * Fire the due transition of one placement, for the scheduler, inside the
 * caller's transaction on a locked row: publish (running the pre-publish
 * checks) or withdraw. by_login names who scheduled it, for the record.
 */
int jy_workflow_fire(struct jy_db *db, struct jy_pool *pool, long long placement_id, bool publish,
                     const char *by_login, struct jy_err *err);

/* ---- review chains ---------------------------------------------------------------------- */

/*
 * Set the review chain of a site (target SITE) or of a column and its
 * subcolumns (SITE:PATH). chain_json is {"steps": [...]} (schema/0060:
 * each step a "name" and a "role" or "users", "mode" "any" or "all");
 * {"steps": []} means no review there; NULL removes the setting, so the
 * column inherits (the site: no review). Roles must hold item.review and
 * users must exist. Needs site.manage (a site) or column.manage (a column).
 * Reviews under way keep the chain they started with.
 */
int jy_workflow_chain_set(struct jy_db *db, struct jy_pool *pool, const char *target,
                          const char *chain_json, struct jy_err *err);

/*
 * One step of a chain as written on the command line, as JSON:
 *   NAME:role=ROLE[:all|:any]          初审:role=reviewer
 *   NAME:users=LOGIN,LOGIN[:all|:any]  会签:users=wang.li,zhao.qi:all
 * NAME is any UTF-8 text without ':'. NULL when spec is not of that shape
 * (the shape only: jy_workflow_chain_set checks roles and users). The
 * result lives in pool.
 */
const char *jy_workflow_step_json(struct jy_pool *pool, const char *spec, size_t len);

/*
 * The chain that applies to target (SITE or SITE:PATH) as JSON, and where
 * it comes from in words ("column zwgk/tzgg", "site", "none").
 */
int jy_workflow_chain_get(struct jy_db *db, struct jy_pool *pool, const char *target,
                          const char **chain_json, const char **source, struct jy_err *err);

/* ---- the queue and the history ---------------------------------------------------------- */

struct jy_wf_queue_row {
    long long item_id;
    long long placement_id;
    const char *title;
    const char *column; /* SITE:PATH */
    const char *site_name;
    const char *state;   /* submitted, approved, or draft (returned to its editor) */
    const char *waiting; /* "step 2/3 复审", "publication", "returned: REASON" */
    const char *since;   /* when it entered this state */
    const char *submitter;
};

/*
 * What waits for the acting user: submitted placements whose current step
 * they may approve (and have not yet), approved placements they may
 * publish, and their own submissions rejected back to them (with the
 * reason). site (NULL: all) limits it to one site. The system sees every
 * submitted and approved placement.
 */
int jy_workflow_queue(struct jy_db *db, struct jy_pool *pool, const char *site,
                      struct jy_wf_queue_row **rows, int *n, struct jy_err *err);

struct jy_wf_event {
    const char *at;
    const char *column; /* SITE:PATH */
    const char *action;
    const char *from_state;
    const char *to_state;
    int round;
    int step; /* 0: none */
    const char *step_name;
    const char *actor; /* login, or "system" */
    const char *comment;
};

/* Every workflow event of item's placements the actor may see, oldest first. */
int jy_workflow_history(struct jy_db *db, struct jy_pool *pool, long long item,
                        struct jy_wf_event **events, int *n, struct jy_err *err);

/* ---- what is scheduled ------------------------------------------------------------------- */

struct jy_wf_sched_row {
    long long item_id;
    long long placement_id;
    const char *title;  /* NULL for an item the actor may not read */
    const char *column; /* SITE:PATH */
    const char *site_name;
    const char *state; /* the placement's state now */
    const char
        *publish_at; /* ISO 8601 in the site's time zone (2099-12-01T08:00:00+08:00), or NULL */
    const char *withdraw_at; /* the same */
    const char *time_zone;   /* the site's, which both times are in */
};

/*
 * The placements the actor may see (row-level security) with a publication
 * or a withdrawal scheduled, soonest first, at most limit; site (NULL: all)
 * limits it to one site. Cancelling is jy_workflow_schedule() with "".
 */
int jy_workflow_scheduled(struct jy_db *db, struct jy_pool *pool, const char *site, int limit,
                          struct jy_wf_sched_row **rows, int *n, struct jy_err *err);

#endif /* JY_CORE_WORKFLOW_H */
