/*
 * workflow.c - transitions of placements through review chains, schedules,
 * the review queue and the history (workflow.h, docs/workflow.md).
 *
 * An action reads the placement and the actor's rights first (to refuse
 * with words that name the column, the state and the step), then locks
 * the row and reads its review progress again, so two reviewers approving
 * an all-of step at the same moment count each other. The database keeps
 * the same rules as a last word: row-level security on placement, and the
 * trigger jy_placement_workflow (schema/0060_workflow.sql) that refuses a
 * person's publication without approvals. That trigger's twin records the
 * state changes in workflow_event, with the action, step and comment this
 * file puts in transaction-local settings; approvals that change no state
 * are recorded here.
 */
#include "core/compat.h"
#include "core/workflow.h"
#include "core/check.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/item.h"
#include "core/placement.h"
#include "core/pool.h"
#include "core/site.h"
#include "core/utf8.h"

/* A placement as an action sees it. */
struct pl {
    long long id, item, column_id, site_id;
    const char *column; /* SITE:PATH as given */
    const char *column_name, *site_name;
    bool can_write, can_review, can_publish;
    /* read again under the row lock */
    const char *state;
    int round, step, nsteps, eff_nsteps;
    const char *step_name, *mode, *step_role, *step_users;
    bool eligible, approved_already;
    bool distinct, approved_other; /* a chain wanting one person per step; the actor approved
                                      another step of this round */
    int holders, missing_after;
};


const char *
jy_wf_action_name(enum jy_wf_action a)
{
    switch (a) {
    case JY_WF_SUBMIT:
        return "submit";
    case JY_WF_APPROVE:
        return "approve";
    case JY_WF_REJECT:
        return "reject";
    case JY_WF_PUBLISH:
        return "publish";
    case JY_WF_WITHDRAW:
        return "withdraw";
    }
    return "?";
}


static const char *
num(struct jy_pool *pool, long long v)
{
    return jy_pool_printf(pool, "%lld", v);
}


static bool
is_t(const char *v)
{
    return v && strcmp(v, "t") == 0;
}


/*
 * The checks that run before anything is published (sensitive words,
 * personal data, links, required metadata: core/check.h). Every
 * publication, by a person or by the scheduler, passes here. A program
 * that did not set the checks up with its configuration gets them with the
 * defaults: there is no way to publish without them.
 */
static int
run_pre_publish_checks(struct jy_db *db, struct jy_pool *pool, long long item_id, long long site_id,
                       struct jy_err *err)
{
    struct jy_check_findings f;
    struct jy_buf msg;
    size_t shown = 0;

    if (jy_check_ensure(err) != JY_OK)
        return JY_ERROR;
    if (jy_check_item(db, pool, item_id, site_id, JY_CHECK_PUBLISH, &f, err) != JY_OK)
        return JY_ERROR;
    if (f.blocking == 0)
        return JY_OK;
    jy_buf_init(&msg, pool, 256);
    for (size_t i = 0; i < f.n && shown < 3; i++) {
        const struct jy_check_finding *x = &f.v[i];
        if (x->severity != JY_CHECK_BLOCK)
            continue;
        jy_buf_addf(&msg, "%s%s", shown++ ? "; " : "", x->title ? x->title : x->check);
        if (x->field_label && x->paragraph)
            jy_buf_addf(&msg, "（%s第%d段）", x->field_label, x->paragraph);
        else if (x->field_label)
            jy_buf_addf(&msg, "（%s）", x->field_label);
        if (x->matched)
            jy_buf_addf(&msg, "“%s”", x->matched);
    }
    jy_err_set(err, JY_E_INVALID, "item %lld cannot be published: %zu blocking finding%s: %s%s",
               item_id, f.blocking, f.blocking == 1 ? "" : "s", msg.buf,
               f.blocking > shown ? " ..." : "");
    jy_err_hint(err, "See them all with: jiyue check item %lld", item_id);
    return JY_ERROR;
}


/* Name the action, step and comment for the trigger that records state changes. */
static int
set_wf(struct jy_db *db, struct jy_pool *pool, const char *action, int step, const char *comment,
       struct jy_err *err)
{
    const char *p[3] = {action ? action : "", step ? num(pool, step) : "", comment ? comment : ""};

    return jy_db_query(db, pool,
                       "SELECT set_config('jy.wf_action', $1, true),"
                       " set_config('jy.wf_step', $2, true), set_config('jy.wf_comment', $3, true)",
                       3, p, err)
               ? JY_OK
               : JY_ERROR;
}


/* Record an event that changes no state (an approval short of the step's end, a schedule). */
static int
record(struct jy_db *db, struct jy_pool *pool, const struct pl *t, const char *action, int step,
       const char *comment, struct jy_err *err)
{
    const char *p[4] = {num(pool, t->id), action, step ? num(pool, step) : NULL, comment};

    return jy_db_query(
               db, pool,
               "INSERT INTO workflow_event (placement_id, item_id, site_id, column_id, action,"
               " from_state, to_state, round, step, step_name, actor_id, actor_login, comment)"
               " SELECT p.id, p.item_id, p.site_id, p.column_id, $2, p.state, p.state,"
               "  p.review_round, $3::integer, p.review_chain -> 'steps' -> ($3::integer - 1) ->> 'name',"
               "  jy_actor(), NULLIF(current_setting('jy.login', true), ''), NULLIF($4, '')"
               " FROM placement p WHERE p.id = $1",
               4, p, err)
               ? JY_OK
               : JY_ERROR;
}


/* Find the placement of item in column and the actor's rights there. */
static int
load(struct jy_db *db, struct jy_pool *pool, long long item, const char *column, struct pl *t,
     struct jy_err *err)
{
    static const char sql[] =
        "SELECT p.id, c.name, s.name,"
        " NOT row_security_active('placement') OR jy_can('item.write', p.site_id, p.column_id),"
        " NOT row_security_active('placement') OR jy_can('item.review', p.site_id, p.column_id),"
        " NOT row_security_active('placement') OR jy_can('item.publish', p.site_id, p.column_id)"
        " FROM placement p JOIN site_column c ON c.id = p.column_id JOIN site s ON s.id = p.site_id"
        " WHERE p.item_id = $1 AND p.column_id = $2";
    const char *p[2];
    struct jy_db_res *r;

    memset(t, 0, sizeof(*t));
    t->item = item;
    t->column = column;
    if (jy_placement_resolve_column(db, pool, column, "column", &t->column_id, &t->site_id, err) !=
        JY_OK)
        return JY_ERROR;
    p[0] = num(pool, item);
    p[1] = num(pool, t->column_id);
    if ((r = jy_db_query(db, pool, sql, 2, p, err)) == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "item %lld is not placed in column \"%s\"", item, column);
        jy_err_hint(err, "Place it first (\"jiyue item place\"), or it is a draft of a column you "
                         "may not read.");
        jy_err_field(err, "column");
        return JY_ERROR;
    }
    t->id = atoll(jy_db_res_get(r, 0, 0));
    t->column_name = jy_db_res_get(r, 0, 1);
    t->site_name = jy_db_res_get(r, 0, 2);
    t->can_write = is_t(jy_db_res_get(r, 0, 3));
    t->can_review = is_t(jy_db_res_get(r, 0, 4));
    t->can_publish = is_t(jy_db_res_get(r, 0, 5));
    return JY_OK;
}


/* Lock the row and read the review progress and the actor's place in it. */
static int
lock(struct jy_db *db, struct jy_pool *pool, struct pl *t, struct jy_err *err)
{
    static const char sql[] =
        "WITH p AS (SELECT * FROM placement WHERE id = $1 FOR UPDATE),"
        " s AS (SELECT p.*, p.review_chain -> 'steps' -> p.review_step AS st FROM p),"
        " h AS (SELECT s.*,"
        "   CASE WHEN s.st IS NULL THEN '{}'::bigint[]"
        "        ELSE jy_review_holders(s.st, s.site_id, s.column_id) END AS holders,"
        "   coalesce((SELECT array_agg(DISTINCT e.actor_id) FROM workflow_event e"
        "     WHERE e.placement_id = s.id AND e.round = s.review_round"
        "       AND e.step = s.review_step + 1 AND e.action = 'approve'"
        "       AND e.actor_id IS NOT NULL), '{}') AS approvers FROM s)"
        " SELECT state, review_round, review_step,"
        "  coalesce(jsonb_array_length(review_chain -> 'steps'), 0),"
        "  jsonb_array_length(jy_review_chain(site_id, column_id) -> 'steps'),"
        "  st ->> 'name', coalesce(st ->> 'mode', 'any'), st ->> 'role',"
        "  (SELECT string_agg(u, ', ') FROM jsonb_array_elements_text(st -> 'users') u),"
        "  coalesce(jy_actor() = ANY (holders), false), coalesce(jy_actor() = ANY (approvers), false),"
        "  cardinality(holders),"
        "  cardinality(ARRAY(SELECT unnest(holders) EXCEPT SELECT unnest(approvers || jy_actor()))),"
        "  coalesce((review_chain ->> 'distinct')::boolean, false),"
        "  EXISTS (SELECT 1 FROM workflow_event e WHERE e.placement_id = h.id"
        "   AND e.round = h.review_round AND e.action = 'approve' AND e.actor_id = jy_actor()"
        "   AND e.step <> h.review_step + 1)"
        " FROM h";
    const char *p[1] = {num(pool, t->id)};
    struct jy_db_res *r = jy_db_query(db, pool, sql, 1, p, err);

    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_FORBIDDEN,
                   "you may not change the placement of item %lld in column "
                   "\"%s\"",
                   t->item, t->column);
        jy_err_field(err, "column");
        return JY_ERROR;
    }
    t->state = jy_db_res_get(r, 0, 0);
    t->round = atoi(jy_db_res_get(r, 0, 1));
    t->step = atoi(jy_db_res_get(r, 0, 2));
    t->nsteps = atoi(jy_db_res_get(r, 0, 3));
    t->eff_nsteps = atoi(jy_db_res_get(r, 0, 4));
    t->step_name = jy_db_res_get(r, 0, 5);
    t->mode = jy_db_res_get(r, 0, 6);
    t->step_role = jy_db_res_get(r, 0, 7);
    t->step_users = jy_db_res_get(r, 0, 8);
    t->eligible = is_t(jy_db_res_get(r, 0, 9));
    t->approved_already = is_t(jy_db_res_get(r, 0, 10));
    t->holders = atoi(jy_db_res_get(r, 0, 11));
    t->missing_after = atoi(jy_db_res_get(r, 0, 12));
    t->distinct = is_t(jy_db_res_get(r, 0, 13));
    t->approved_other = is_t(jy_db_res_get(r, 0, 14));
    return JY_OK;
}


static bool
system_acts(struct jy_db *db)
{
    return jy_db_actor(db) == 0;
}


/* Refuse an action the state does not allow. */
static int
wrong_state(struct pl *t, const char *verb, const char *what, struct jy_err *err)
{
    jy_err_set(err, JY_E_CONFLICT, "cannot %s item %lld in column \"%s\": it is %s%s%s", verb,
               t->item, t->column, t->state, what ? ", " : "", what ? what : "");
    jy_err_field(err, "column");
    return JY_ERROR;
}


static int
forbidden(struct pl *t, const char *verb, const char *needs, struct jy_err *err)
{
    jy_err_set(err, JY_E_FORBIDDEN, "you may not %s item %lld in column \"%s\" (%s of %s)%s%s",
               verb, t->item, t->column, t->column_name, t->site_name, needs ? ": " : "",
               needs ? needs : "");
    jy_err_field(err, "column");
    return JY_ERROR;
}


/* Every step of the chain that applies now must have somebody who may approve it. */
static int
check_chain_staffed(struct jy_db *db, struct jy_pool *pool, struct pl *t, struct jy_err *err)
{
    static const char sql[] =
        "SELECT s.ord, s.st ->> 'name' FROM jsonb_array_elements("
        "  jy_review_chain($1, $2) -> 'steps') WITH ORDINALITY AS s (st, ord)"
        " WHERE cardinality(jy_review_holders(s.st, $1, $2)) = 0 ORDER BY s.ord LIMIT 1";
    const char *p[2] = {num(pool, t->site_id), num(pool, t->column_id)};
    struct jy_db_res *r = jy_db_query(db, pool, sql, 2, p, err);

    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0)
        return JY_OK;
    jy_err_set(err, JY_E_INVALID,
               "cannot submit item %lld in column \"%s\": step %s \"%s\" of its review chain has "
               "nobody who may approve it",
               t->item, t->column, jy_db_res_get(r, 0, 0), jy_db_res_get(r, 0, 1));
    jy_err_hint(err, "Grant the step's role (with item.review) on the site or column, or change "
                     "the chain with \"jiyue review chain\".");
    jy_err_field(err, "column");
    return JY_ERROR;
}


static int
set_state(struct jy_db *db, struct jy_pool *pool, struct pl *t, const char *state,
          const char *extra_set, struct jy_err *err)
{
    const char *p[2] = {num(pool, t->id), state};
    char sql[512];
    struct jy_db_res *r;

    snprintf(sql, sizeof(sql), "UPDATE placement SET state = $2%s WHERE id = $1", extra_set);
    if ((r = jy_db_query(db, pool, sql, 2, p, err)) == NULL) {
        jy_err_prefix(err, "cannot %s item %lld in column \"%s\"",
                      strcmp(state, "published") == 0 ? "publish" : "change", t->item, t->column);
        return JY_ERROR;
    }
    if (jy_db_res_affected(r) != 1)
        return forbidden(t, "change", NULL, err);
    return JY_OK;
}


static int
do_submit(struct jy_db *db, struct jy_pool *pool, struct pl *t, const char *comment,
          struct jy_err *err)
{
    if (!t->can_write)
        return forbidden(t, "submit", "that needs item.write", err);
    if (strcmp(t->state, "submitted") == 0)
        return wrong_state(t, "submit", "waiting for review already", err);
    if (strcmp(t->state, "approved") == 0)
        return wrong_state(t, "submit", "ready to be published", err);
    if (strcmp(t->state, "published") == 0)
        return wrong_state(t, "submit", "withdraw it first", err);
    if (strcmp(t->state, "draft") != 0 && strcmp(t->state, "withdrawn") != 0)
        return wrong_state(t, "submit", NULL, err);
    if (check_chain_staffed(db, pool, t, err) != JY_OK)
        return JY_ERROR;
    if (set_wf(db, pool, "submit", 0, comment, err) != JY_OK ||
        set_state(db, pool, t, "submitted", "", err) != JY_OK)
        return JY_ERROR;
    return JY_OK;
}


static int
do_approve(struct jy_db *db, struct jy_pool *pool, struct pl *t, const char *comment,
           struct jy_wf_result *res, struct jy_err *err)
{
    const char *who;
    bool complete;
    int step = t->step + 1;

    if (strcmp(t->state, "approved") == 0)
        return wrong_state(t, "approve", "approved already", err);
    if (strcmp(t->state, "submitted") != 0)
        return wrong_state(t, "approve", "not submitted for review", err);
    if (t->nsteps == 0) {
        if (!t->can_review && !t->can_publish)
            return forbidden(t, "approve", "that needs item.review", err);
        if (set_wf(db, pool, "approve", 0, comment, err) != JY_OK ||
            set_state(db, pool, t, "approved", "", err) != JY_OK)
            return JY_ERROR;
        return JY_OK;
    }
    if (!system_acts(db) && (!t->eligible || !t->can_review)) {
        who = t->step_role ? jy_pool_printf(pool, "role %s", t->step_role)
                           : jy_pool_printf(pool, "%s", t->step_users ? t->step_users : "?");
        return forbidden(t, "approve",
                         jy_pool_printf(pool, "step %d/%d \"%s\" is for %s, with item.review", step,
                                        t->nsteps, t->step_name, who),
                         err);
    }
    if (!system_acts(db) && t->approved_already) {
        jy_err_set(err, JY_E_CONFLICT,
                   "you approved step %d \"%s\" of item %lld in column \"%s\" already; it waits "
                   "for %d more",
                   step, t->step_name, t->item, t->column, t->missing_after);
        jy_err_field(err, "column");
        return JY_ERROR;
    }
    if (!system_acts(db) && t->distinct && t->approved_other) {
        jy_err_set(err, JY_E_FORBIDDEN,
                   "you may not approve step %d \"%s\" of item %lld in column \"%s\": you "
                   "approved another step of this review, and its chain wants a different person "
                   "for every step",
                   step, t->step_name, t->item, t->column);
        jy_err_field(err, "column");
        return JY_ERROR;
    }
    complete = system_acts(db) || strcmp(t->mode, "all") != 0 || t->missing_after == 0;
    res->step = step;
    res->step_name = t->step_name;
    if (complete && step == t->nsteps) {
        if (set_wf(db, pool, "approve", step, comment, err) != JY_OK ||
            set_state(db, pool, t, "approved",
                      jy_pool_printf(pool, ", review_step = %d", t->nsteps), err) != JY_OK)
            return JY_ERROR;
        return JY_OK;
    }
    if (complete) {
        const char *p[2] = {num(pool, t->id), num(pool, step)};
        if (jy_db_query(db, pool, "UPDATE placement SET review_step = $2 WHERE id = $1", 2, p,
                        err) == NULL)
            return JY_ERROR;
    } else {
        res->approvals_missing = t->missing_after;
    }
    return record(db, pool, t, "approve", step, comment, err);
}


static int
do_reject(struct jy_db *db, struct jy_pool *pool, struct pl *t, const char *reason,
          struct jy_wf_result *res, struct jy_err *err)
{
    int step = 0;

    if (reason == NULL || strspn(reason, " \t\r\n") == strlen(reason)) {
        jy_err_set(err, JY_E_INVALID, "a rejection of item %lld needs a reason for its editor",
                   t->item);
        jy_err_hint(err, "Say what to change, e.g. --comment \"标题有误，请核实\".");
        jy_err_field(err, "comment");
        return JY_ERROR;
    }
    if (strcmp(t->state, "submitted") == 0) {
        if (t->nsteps > 0) {
            step = t->step + 1;
            if (!system_acts(db) && !t->can_publish && (!t->eligible || !t->can_review))
                return forbidden(
                    t, "reject",
                    jy_pool_printf(pool,
                                   "only the people of step %d \"%s\" (or those who may "
                                   "publish there) may",
                                   step, t->step_name),
                    err);
        } else if (!t->can_review && !t->can_publish) {
            return forbidden(t, "reject", "that needs item.review", err);
        }
    } else if (strcmp(t->state, "approved") == 0) {
        if (!t->can_review && !t->can_publish)
            return forbidden(t, "reject", "that needs item.review", err);
    } else {
        return wrong_state(t, "reject", "not waiting for review or publication", err);
    }
    res->step = step;
    res->step_name = step ? t->step_name : NULL;
    if (set_wf(db, pool, "reject", step, reason, err) != JY_OK ||
        set_state(db, pool, t, "draft", "", err) != JY_OK)
        return JY_ERROR;
    return JY_OK;
}


static int
publish_now(struct jy_db *db, struct jy_pool *pool, struct pl *t, const char *comment,
            struct jy_err *err)
{
    if (run_pre_publish_checks(db, pool, t->item, t->site_id, err) != JY_OK) {
        jy_err_prefix(err, "cannot publish item %lld in column \"%s\"", t->item, t->column);
        return JY_ERROR;
    }
    if (set_wf(db, pool, "publish", 0, comment, err) != JY_OK ||
        set_state(db, pool, t, "published", ", published_at = coalesce(published_at, now())",
                  err) != JY_OK)
        return JY_ERROR;
    return JY_OK;
}


static int
do_publish(struct jy_db *db, struct jy_pool *pool, struct pl *t, const char *comment,
           struct jy_err *err)
{
    int chain;

    if (!t->can_publish)
        return forbidden(t, "publish", "that needs item.publish", err);
    if (strcmp(t->state, "published") == 0)
        return wrong_state(t, "publish", "published already", err);
    if (strcmp(t->state, "archived") == 0)
        return wrong_state(t, "publish", NULL, err);
    chain = strcmp(t->state, "submitted") == 0 ? t->nsteps : t->eff_nsteps;
    if (strcmp(t->state, "approved") != 0 && chain > 0 && !system_acts(db)) {
        jy_err_set(err, JY_E_CONFLICT,
                   "cannot publish item %lld in column \"%s\": it is %s, and the column has a "
                   "review chain of %d step%s",
                   t->item, t->column, t->state, chain, chain == 1 ? "" : "s");
        jy_err_hint(err, "%s",
                    strcmp(t->state, "submitted") == 0
                        ? "Every step must approve it first (\"jiyue review queue\")."
                        : "Submit it (\"jiyue item submit\") and have every step "
                          "approve it.");
        jy_err_field(err, "column");
        return JY_ERROR;
    }
    return publish_now(db, pool, t, comment, err);
}


static int
do_withdraw(struct jy_db *db, struct jy_pool *pool, struct pl *t, const char *comment,
            struct jy_err *err)
{
    if (!t->can_publish)
        return forbidden(t, "withdraw", "that needs item.publish", err);
    if (strcmp(t->state, "published") != 0)
        return wrong_state(t, "withdraw", "not published", err);
    if (set_wf(db, pool, "withdraw", 0, comment, err) != JY_OK ||
        set_state(db, pool, t, "withdrawn", "", err) != JY_OK)
        return JY_ERROR;
    return JY_OK;
}


/* After a state change: where the review stands now. */
static int
describe(struct jy_db *db, struct jy_pool *pool, struct pl *t, struct jy_wf_result *res,
         struct jy_err *err)
{
    static const char sql[] =
        "SELECT state, coalesce(jsonb_array_length(review_chain -> 'steps'), 0), review_step,"
        " review_chain -> 'steps' -> review_step ->> 'name' FROM placement WHERE id = $1";
    const char *p[1] = {num(pool, t->id)};
    struct jy_db_res *r = jy_db_query(db, pool, sql, 1, p, err);
    int step;

    if (r == NULL || jy_db_res_rows(r) != 1)
        return r ? JY_OK : JY_ERROR;
    res->to_state = jy_db_res_get(r, 0, 0);
    res->nsteps = atoi(jy_db_res_get(r, 0, 1));
    step = atoi(jy_db_res_get(r, 0, 2));
    if (strcmp(res->to_state, "submitted") == 0 && step < res->nsteps) {
        res->waiting_step = step + 1;
        res->waiting_name = jy_db_res_get(r, 0, 3);
    }
    return JY_OK;
}


static int
act_run(struct jy_db *db, struct jy_pool *pool, enum jy_wf_action action, long long item,
        const char *column, const char *comment, struct jy_wf_result *res, struct jy_err *err)
{
    struct pl t;
    int rc;

    if (comment && strlen(comment) > 2000) {
        jy_err_set(err, JY_E_INVALID, "the comment is longer than 2000 bytes");
        jy_err_field(err, "comment");
        return JY_ERROR;
    }
    if (comment && !jy_utf8_valid(comment, strlen(comment), NULL)) {
        jy_err_set(err, JY_E_INVALID, "the comment is not valid UTF-8");
        jy_err_field(err, "comment");
        return JY_ERROR;
    }
    if (load(db, pool, item, column, &t, err) != JY_OK)
        return JY_ERROR;
    if (!t.can_write && !t.can_review && !t.can_publish)
        return forbidden(&t, jy_wf_action_name(action), NULL, err);
    if (lock(db, pool, &t, err) != JY_OK)
        return JY_ERROR;
    res->placement_id = t.id;
    res->from_state = t.state;
    switch (action) {
    case JY_WF_SUBMIT:
        rc = do_submit(db, pool, &t, comment, err);
        break;
    case JY_WF_APPROVE:
        rc = do_approve(db, pool, &t, comment, res, err);
        break;
    case JY_WF_REJECT:
        rc = do_reject(db, pool, &t, comment, res, err);
        break;
    case JY_WF_PUBLISH:
        rc = do_publish(db, pool, &t, comment, err);
        break;
    default:
        rc = do_withdraw(db, pool, &t, comment, err);
        break;
    }
    if (rc != JY_OK || set_wf(db, pool, NULL, 0, NULL, err) != JY_OK)
        return JY_ERROR;
    return describe(db, pool, &t, res, err);
}


int
jy_workflow_act(struct jy_db *db, struct jy_pool *pool, enum jy_wf_action action, long long item,
                const char *column, const char *comment, struct jy_wf_result *res,
                struct jy_err *err)
{
    struct jy_wf_result local;

    if (res == NULL)
        res = &local;
    memset(res, 0, sizeof(*res));
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if (act_run(db, pool, action, item, column, comment, res, err) != JY_OK) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    return jy_db_commit(db, err);
}


/* ---- scheduling ------------------------------------------------------------------------- */

static int
schedule_run(struct jy_db *db, struct jy_pool *pool, long long item, const char *column,
             const char *publish_at, const char *withdraw_at, struct jy_err *err)
{
    static const char calc[] =
        "SELECT CASE WHEN $2::text IS NULL THEN p.publish_at WHEN $2 = '' THEN NULL"
        "            ELSE jy_site_time($2, p.site_id) END,"
        "       CASE WHEN $3::text IS NULL THEN p.withdraw_at WHEN $3 = '' THEN NULL"
        "            ELSE jy_site_time($3, p.site_id) END"
        " FROM placement p WHERE p.id = $1";
    static const char judge[] =
        "SELECT $2::timestamptz <= now(), $3::timestamptz <= now(), $3::timestamptz <= $2,"
        " to_char($2::timestamptz AT TIME ZONE s.time_zone, 'YYYY-MM-DD HH24:MI'),"
        " to_char($3::timestamptz AT TIME ZONE s.time_zone, 'YYYY-MM-DD HH24:MI')"
        " FROM site s WHERE s.id = $1";
    const char *times[2] = {publish_at, withdraw_at}, *p[3], *pub, *wd;
    struct jy_db_res *r;
    struct pl t;
    int i;

    for (i = 0; i < 2; i++)
        if (times[i] && times[i][0] && !jy_item_time_ok(times[i])) {
            jy_err_set(err, JY_E_INVALID,
                       "%s time \"%s\" is not a time (YYYY-MM-DD HH:MM, in the site's time zone)",
                       i ? "withdrawal" : "publication", times[i]);
            jy_err_field(err, i ? "withdraw_at" : "publish_at");
            return JY_ERROR;
        }
    if (load(db, pool, item, column, &t, err) != JY_OK)
        return JY_ERROR;
    if (!t.can_publish)
        return forbidden(&t, "schedule", "that needs item.publish", err);
    if (lock(db, pool, &t, err) != JY_OK)
        return JY_ERROR;
    if (strcmp(t.state, "archived") == 0)
        return wrong_state(&t, "schedule", NULL, err);
    if (publish_at && publish_at[0] && strcmp(t.state, "published") == 0)
        return wrong_state(&t, "schedule the publication of", "published already", err);
    p[0] = num(pool, t.id);
    p[1] = publish_at;
    p[2] = withdraw_at;
    if ((r = jy_db_query(db, pool, calc, 3, p, err)) == NULL)
        return JY_ERROR;
    pub = jy_db_res_get(r, 0, 0);
    wd = jy_db_res_get(r, 0, 1);
    p[0] = num(pool, t.site_id);
    p[1] = pub;
    p[2] = wd;
    if ((r = jy_db_query(db, pool, judge, 3, p, err)) == NULL)
        return JY_ERROR;
    if (publish_at && publish_at[0] && is_t(jy_db_res_get(r, 0, 0))) {
        jy_err_set(err, JY_E_INVALID, "publication time %s is not in the future",
                   jy_db_res_get(r, 0, 3));
        jy_err_hint(err, "To publish now, use \"jiyue item publish\".");
        jy_err_field(err, "publish_at");
        return JY_ERROR;
    }
    if (withdraw_at && withdraw_at[0] && is_t(jy_db_res_get(r, 0, 1))) {
        jy_err_set(err, JY_E_INVALID, "withdrawal time %s is not in the future",
                   jy_db_res_get(r, 0, 4));
        jy_err_hint(err, "To withdraw now, use \"jiyue item withdraw\".");
        jy_err_field(err, "withdraw_at");
        return JY_ERROR;
    }
    if (is_t(jy_db_res_get(r, 0, 2))) {
        jy_err_set(err, JY_E_INVALID, "withdrawal time %s is not after publication time %s",
                   jy_db_res_get(r, 0, 4), jy_db_res_get(r, 0, 3));
        jy_err_field(err, "withdraw_at");
        return JY_ERROR;
    }
    {
        const char *q[3] = {num(pool, t.id), pub, wd};
        const char *c1 = jy_db_res_get(r, 0, 3), *c2 = jy_db_res_get(r, 0, 4);
        if (jy_db_query(db, pool,
                        "UPDATE placement SET publish_at = $2, withdraw_at = $3,"
                        " scheduled_by = CASE WHEN $2::timestamptz IS NULL"
                        "  AND $3::timestamptz IS NULL THEN NULL ELSE jy_actor() END"
                        " WHERE id = $1",
                        3, q, err) == NULL)
            return JY_ERROR;
        return record(db, pool, &t, pub || wd ? "schedule" : "unschedule", 0,
                      pub || wd
                          ? jy_pool_printf(pool, "%s%s%s%s", pub ? "publish at " : "",
                                           pub ? c1 : "", pub && wd ? ", " : "",
                                           wd ? jy_pool_printf(pool, "withdraw at %s", c2) : "")
                          : NULL,
                      err);
    }
}


int
jy_workflow_schedule(struct jy_db *db, struct jy_pool *pool, long long item, const char *column,
                     const char *publish_at, const char *withdraw_at, struct jy_err *err)
{
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if (schedule_run(db, pool, item, column, publish_at, withdraw_at, err) != JY_OK) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    return jy_db_commit(db, err);
}


int
jy_workflow_fire(struct jy_db *db, struct jy_pool *pool, long long placement_id, bool publish,
                 const char *by_login, struct jy_err *err)
{
    static const char sql[] =
        "SELECT p.item_id, p.site_id, s.code || ':' || c.path FROM placement p"
        " JOIN site_column c ON c.id = p.column_id JOIN site s ON s.id = p.site_id"
        " WHERE p.id = $1";
    const char *p[1] = {num(pool, placement_id)};
    struct jy_db_res *r = jy_db_query(db, pool, sql, 1, p, err);
    const char *comment;
    struct pl t;

    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "placement %lld does not exist", placement_id);
        return JY_ERROR;
    }
    memset(&t, 0, sizeof(t));
    t.id = placement_id;
    t.item = atoll(jy_db_res_get(r, 0, 0));
    t.site_id = atoll(jy_db_res_get(r, 0, 1));
    t.column = jy_db_res_get(r, 0, 2);
    comment = jy_pool_printf(pool, "scheduled %s (set by %s)",
                             publish ? "publication" : "withdrawal", by_login ? by_login : "?");
    if (publish) {
        if (publish_now(db, pool, &t, comment, err) != JY_OK)
            return JY_ERROR;
    } else {
        if (set_wf(db, pool, "withdraw", 0, comment, err) != JY_OK ||
            set_state(db, pool, &t, "withdrawn", "", err) != JY_OK)
            return JY_ERROR;
    }
    return set_wf(db, pool, NULL, 0, NULL, err);
}


/* ---- review chains ---------------------------------------------------------------------- */

/* SITE or SITE:PATH → site id and column id (0 for a site). */
static int
resolve_target(struct jy_db *db, struct jy_pool *pool, const char *target, long long *site,
               long long *column, struct jy_err *err)
{
    *column = 0;
    if (target && strchr(target, ':'))
        return jy_placement_resolve_column(db, pool, target, "target", column, site, err);
    return jy_site_resolve(db, pool, target, "target", site, err);
}


const char *
jy_workflow_step_json(struct jy_pool *pool, const char *spec, size_t len)
{
    struct jy_buf b = JY_BUF_INIT(pool);
    const char *end = spec + len, *c1, *who, *wend, *mode = NULL, *u, *comma;
    size_t mlen = 0;

    if (len == 0 || !jy_utf8_valid(spec, len, NULL) || memchr(spec, '\0', len))
        return NULL;
    c1 = memchr(spec, ':', len);
    if (c1 == NULL || c1 == spec)
        return NULL;
    who = c1 + 1;
    wend = memchr(who, ':', (size_t) (end - who));
    if (wend) {
        mode = wend + 1;
        mlen = (size_t) (end - mode);
        if (!((mlen == 3 && memcmp(mode, "all", 3) == 0) ||
              (mlen == 3 && memcmp(mode, "any", 3) == 0)))
            return NULL;
    } else {
        wend = end;
    }
    jy_buf_add_str(&b, "{\"name\": ");
    jy_buf_add_json_str(&b, spec, (size_t) (c1 - spec));
    if (wend - who > 5 && memcmp(who, "role=", 5) == 0) {
        jy_buf_add_str(&b, ", \"role\": ");
        jy_buf_add_json_str(&b, who + 5, (size_t) (wend - who - 5));
    } else if (wend - who > 6 && memcmp(who, "users=", 6) == 0) {
        if (wend[-1] == ',')
            return NULL;
        jy_buf_add_str(&b, ", \"users\": [");
        for (u = who + 6; u < wend; u = comma + 1) {
            comma = memchr(u, ',', (size_t) (wend - u));
            if (comma == NULL)
                comma = wend;
            if (comma == u)
                return NULL; /* an empty login: "a,,b" or a trailing comma */
            jy_buf_add_json_str(&b, u, (size_t) (comma - u));
            if (comma < wend)
                jy_buf_add_str(&b, ", ");
            if (comma == wend)
                break;
        }
        jy_buf_add_char(&b, ']');
    } else {
        return NULL;
    }
    if (mode)
        jy_buf_addf(&b, ", \"mode\": \"%.*s\"", (int) mlen, mode);
    jy_buf_add_char(&b, '}');
    return b.buf;
}


static int
chain_set_run(struct jy_db *db, struct jy_pool *pool, const char *target, const char *chain,
              struct jy_err *err)
{
    /* the first offending step, with its index from 0 for the field: steps[1].role */
    static const char bad_role[] =
        "SELECT st ->> 'name', st ->> 'role', i - 1"
        " FROM jsonb_array_elements($1::jsonb -> 'steps') WITH ORDINALITY AS s(st, i)"
        " WHERE st ? 'role' AND NOT EXISTS (SELECT 1 FROM role r WHERE r.code = st ->> 'role'"
        "  AND 'item.review' = ANY (r.permissions)) ORDER BY i LIMIT 1";
    static const char bad_user[] =
        "SELECT st ->> 'name', array_to_string(jy_logins_missing(ARRAY("
        "  SELECT jsonb_array_elements_text(st -> 'users'))), ', '), i - 1"
        " FROM jsonb_array_elements($1::jsonb -> 'steps') WITH ORDINALITY AS s(st, i)"
        " WHERE st ? 'users' AND cardinality(jy_logins_missing(ARRAY("
        "  SELECT jsonb_array_elements_text(st -> 'users')))) > 0 ORDER BY i LIMIT 1";
    char field[64];
    long long site, column;
    const char *p[3], *v;
    struct jy_db_res *r;
    struct jy_err local = JY_ERR_INIT;

    if (resolve_target(db, pool, target, &site, &column, err) != JY_OK)
        return JY_ERROR;
    if (chain) {
        p[0] = chain;
        v = jy_db_query_value(db, pool, "SELECT jy_review_chain_valid($1::jsonb)", 1, p, &local);
        if (v == NULL || !is_t(v)) {
            jy_err_set(err, JY_E_INVALID,
                       "review chain %s is not {\"steps\": [...]} with at most 9 steps, each a "
                       "\"name\" and a \"role\" or \"users\" (and \"mode\" any or all)",
                       chain);
            if (local.code != JY_E_NONE)
                jy_err_detail(err, "%s", local.msg);
            jy_err_field(err, "chain");
            return JY_ERROR;
        }
        if ((r = jy_db_query(db, pool, bad_role, 1, p, err)) == NULL)
            return JY_ERROR;
        if (jy_db_res_rows(r)) {
            jy_err_set(err, JY_E_INVALID,
                       "step \"%s\": role \"%s\" does not exist or may not review (item.review)",
                       jy_db_res_get(r, 0, 0), jy_db_res_get(r, 0, 1));
            jy_err_hint(err, "Roles that review: reviewer, site_admin, platform_admin.");
            snprintf(field, sizeof(field), "steps[%s].role", jy_db_res_get(r, 0, 2));
            jy_err_field(err, field);
            return JY_ERROR;
        }
        if ((r = jy_db_query(db, pool, bad_user, 1, p, err)) == NULL)
            return JY_ERROR;
        if (jy_db_res_rows(r)) {
            jy_err_set(err, JY_E_INVALID, "step \"%s\": no user has the login %s",
                       jy_db_res_get(r, 0, 0), jy_db_res_get(r, 0, 1));
            snprintf(field, sizeof(field), "steps[%s].users", jy_db_res_get(r, 0, 2));
            jy_err_field(err, field);
            return JY_ERROR;
        }
    }
    p[0] = num(pool, site);
    p[1] = num(pool, column);
    p[2] = chain;
    if (column) {
        v = jy_db_query_value(db, pool,
                              "SELECT NOT row_security_active('site_column')"
                              " OR jy_can('column.manage', $1, $2)",
                              2, p, err);
        if (v == NULL)
            return JY_ERROR;
        if (!is_t(v)) {
            jy_err_set(err, JY_E_FORBIDDEN, "you may not change the review chain of column \"%s\"",
                       target);
            jy_err_hint(err, "That needs column.manage on the column or its site.");
            jy_err_field(err, "target");
            return JY_ERROR;
        }
        r = jy_db_query(db, pool,
                        "UPDATE site_column SET settings = CASE WHEN $3::jsonb IS NULL"
                        " THEN settings - 'review' ELSE jsonb_set(settings, '{review}', $3::jsonb)"
                        " END WHERE id = $2 AND site_id = $1",
                        3, p, err);
    } else {
        v = jy_db_query_value(db, pool,
                              "SELECT NOT row_security_active('site') OR jy_can('site.manage', $1)",
                              1, p, err);
        if (v == NULL)
            return JY_ERROR;
        if (!is_t(v)) {
            jy_err_set(err, JY_E_FORBIDDEN, "you may not change the review chain of site \"%s\"",
                       target);
            jy_err_hint(err, "That needs site.manage on the site.");
            jy_err_field(err, "target");
            return JY_ERROR;
        }
        r = jy_db_query(db, pool,
                        "UPDATE site SET settings = CASE WHEN $3::jsonb IS NULL"
                        " THEN settings - 'review' ELSE jsonb_set(settings, '{review}', $3::jsonb)"
                        " END WHERE id = $1 AND $2::bigint = 0",
                        3, p, err);
    }
    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_affected(r) != 1) {
        jy_err_set(err, JY_E_FORBIDDEN, "you may not change the review chain of \"%s\"", target);
        jy_err_field(err, "target");
        return JY_ERROR;
    }
    return JY_OK;
}


int
jy_workflow_chain_set(struct jy_db *db, struct jy_pool *pool, const char *target,
                      const char *chain_json, struct jy_err *err)
{
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if (chain_set_run(db, pool, target, chain_json, err) != JY_OK) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    return jy_db_commit(db, err);
}


static int
chain_get_run(struct jy_db *db, struct jy_pool *pool, const char *target, const char **chain,
              const char **source, struct jy_err *err)
{
    static const char sql[] =
        "SELECT jy_review_chain($1, $2)::text,"
        " coalesce((SELECT 'column ' || a.path FROM site_column c JOIN site_column a"
        "   ON a.site_id = c.site_id AND (a.id = c.id OR starts_with(c.path, a.path || '/'))"
        "   WHERE c.id = $2 AND a.settings ? 'review' ORDER BY length(a.path) DESC LIMIT 1),"
        "  (SELECT 'site' FROM site WHERE id = $1 AND settings ? 'review'), 'none')";
    long long site, column;
    const char *p[2];
    struct jy_db_res *r;

    if (resolve_target(db, pool, target, &site, &column, err) != JY_OK)
        return JY_ERROR;
    p[0] = num(pool, site);
    p[1] = column ? num(pool, column) : NULL;
    if ((r = jy_db_query(db, pool, sql, 2, p, err)) == NULL)
        return JY_ERROR;
    *chain = jy_db_res_get(r, 0, 0);
    *source = jy_db_res_get(r, 0, 1);
    return JY_OK;
}


int
jy_workflow_chain_get(struct jy_db *db, struct jy_pool *pool, const char *target,
                      const char **chain_json, const char **source, struct jy_err *err)
{
    int rc;

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = chain_get_run(db, pool, target, chain_json, source, err);
    jy_db_rollback(db);
    return rc;
}


/* ---- the queue and the history ---------------------------------------------------------- */

static int
queue_run(struct jy_db *db, struct jy_pool *pool, const char *site, struct jy_wf_queue_row **rows,
          int *n, struct jy_err *err)
{
    /*
     * Whether the actor may approve a step is asked once per distinct
     * (step, column) (CTE mine), not once per placement: a queue of
     * thousands of placements usually waits on a handful of steps.
     */
    static const char sql[] =
        "WITH pub AS MATERIALIZED (SELECT jy_perm_sites('item.publish') AS s,"
        "   jy_perm_columns('item.publish') AS c),"
        " rev AS MATERIALIZED (SELECT jy_perm_sites('item.review') AS s,"
        "   jy_perm_columns('item.review') AS c),"
        " cand AS (SELECT p.id, p.item_id, p.site_id, p.column_id, p.state, p.updated_at,"
        "   p.review_round, p.review_step, p.review_chain -> 'steps' -> p.review_step AS st,"
        "   coalesce((p.review_chain ->> 'distinct')::boolean, false) AS distinct_steps,"
        "   coalesce(jsonb_array_length(p.review_chain -> 'steps'), 0) AS nsteps"
        "  FROM placement p WHERE ($1::bigint IS NULL OR p.site_id = $1)"
        "   AND (p.state IN ('submitted', 'approved')"
        "        OR p.state = 'draft' AND EXISTS (SELECT 1 FROM workflow_event e"
        "            WHERE e.placement_id = p.id AND e.action = 'reject'))),"
        " steps AS MATERIALIZED (SELECT DISTINCT st, site_id, column_id FROM cand"
        "  WHERE state = 'submitted' AND nsteps > 0),"
        " mine AS MATERIALIZED (SELECT st, site_id, column_id FROM steps"
        "  WHERE NOT row_security_active('placement')"
        "     OR jy_actor() = ANY (jy_review_holders(st, site_id, column_id)))"
        " SELECT p.item_id, p.id, i.title, s.code || ':' || c.path, s.name, p.state,"
        "  CASE WHEN p.state = 'submitted' AND p.nsteps > 0"
        "       THEN 'step ' || (p.review_step + 1) || '/' || p.nsteps || ' ' || (p.st ->> 'name')"
        "       WHEN p.state IN ('submitted', 'approved') THEN 'publication'"
        "       ELSE 'returned: ' || coalesce(last.comment, '') END,"
        "  to_char(coalesce(last.at, p.updated_at) AT TIME ZONE s.time_zone, 'YYYY-MM-DD HH24:MI'),"
        "  sub.actor_login"
        " FROM cand p"
        " JOIN site_column c ON c.id = p.column_id JOIN site s ON s.id = p.site_id"
        " LEFT JOIN item i ON i.id = p.item_id"
        " LEFT JOIN LATERAL (SELECT e.action, e.comment, e.at FROM workflow_event e"
        "   WHERE e.placement_id = p.id ORDER BY e.id DESC LIMIT 1) last ON true"
        " LEFT JOIN LATERAL (SELECT e.actor_id, e.actor_login FROM workflow_event e"
        "   WHERE e.placement_id = p.id AND e.action IN ('submit', 'adopt')"
        "   ORDER BY e.id DESC LIMIT 1) sub ON true,"
        " pub, rev"
        " WHERE (p.state = 'approved' OR (p.state = 'submitted' AND p.nsteps = 0))"
        "   AND (NOT row_security_active('placement')"
        "        OR p.site_id = ANY (pub.s) OR p.column_id = ANY (pub.c))"
        "  OR p.state = 'submitted' AND p.nsteps > 0"
        "   AND EXISTS (SELECT 1 FROM mine m WHERE m.st = p.st AND m.site_id = p.site_id"
        "               AND m.column_id = p.column_id)"
        "   AND (NOT row_security_active('placement')"
        "        OR ((p.site_id = ANY (rev.s) OR p.column_id = ANY (rev.c))"
        "            AND NOT EXISTS (SELECT 1 FROM workflow_event e WHERE e.placement_id = p.id"
        "                AND e.round = p.review_round"
        "                AND (e.step = p.review_step + 1 OR p.distinct_steps)"
        "                AND e.action = 'approve' AND e.actor_id = jy_actor())))"
        "  OR p.state = 'draft' AND last.action = 'reject' AND sub.actor_id = jy_actor()"
        " ORDER BY coalesce(last.at, p.updated_at), p.id LIMIT 500";
    const char *p[1] = {NULL};
    struct jy_db_res *r;
    long long sid;
    int i;

    if (site) {
        if (jy_site_resolve(db, pool, site, "site", &sid, err) != JY_OK)
            return JY_ERROR;
        p[0] = num(pool, sid);
    }
    if ((r = jy_db_query(db, pool, sql, 1, p, err)) == NULL)
        return JY_ERROR;
    *n = jy_db_res_rows(r);
    *rows = jy_pool_new_array(pool, struct jy_wf_queue_row, (size_t) *n + 1);
    for (i = 0; i < *n; i++) {
        struct jy_wf_queue_row *w = &(*rows)[i];
        w->item_id = atoll(jy_db_res_get(r, i, 0));
        w->placement_id = atoll(jy_db_res_get(r, i, 1));
        w->title = jy_db_res_get(r, i, 2);
        w->column = jy_db_res_get(r, i, 3);
        w->site_name = jy_db_res_get(r, i, 4);
        w->state = jy_db_res_get(r, i, 5);
        w->waiting = jy_db_res_get(r, i, 6);
        w->since = jy_db_res_get(r, i, 7);
        w->submitter = jy_db_res_get(r, i, 8);
    }
    return JY_OK;
}


int
jy_workflow_queue(struct jy_db *db, struct jy_pool *pool, const char *site,
                  struct jy_wf_queue_row **rows, int *n, struct jy_err *err)
{
    int rc;

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = queue_run(db, pool, site, rows, n, err);
    jy_db_rollback(db);
    return rc;
}


static int
history_run(struct jy_db *db, struct jy_pool *pool, long long item, struct jy_wf_event **events,
            int *n, struct jy_err *err)
{
    static const char sql[] =
        "SELECT to_char(e.at AT TIME ZONE s.time_zone, 'YYYY-MM-DD HH24:MI:SS'),"
        " s.code || ':' || c.path, e.action, e.from_state, e.to_state, e.round,"
        " coalesce(e.step, 0), e.step_name, coalesce(e.actor_login, 'system'), e.comment"
        " FROM workflow_event e JOIN site s ON s.id = e.site_id"
        " LEFT JOIN site_column c ON c.id = e.column_id"
        " WHERE e.item_id = $1 ORDER BY e.id";
    const char *p[1] = {num(pool, item)};
    struct jy_db_res *r = jy_db_query(db, pool, sql, 1, p, err);
    int i;

    if (r == NULL)
        return JY_ERROR;
    *n = jy_db_res_rows(r);
    *events = jy_pool_new_array(pool, struct jy_wf_event, (size_t) *n + 1);
    for (i = 0; i < *n; i++) {
        struct jy_wf_event *e = &(*events)[i];
        e->at = jy_db_res_get(r, i, 0);
        e->column = jy_db_res_get(r, i, 1);
        e->action = jy_db_res_get(r, i, 2);
        e->from_state = jy_db_res_get(r, i, 3);
        e->to_state = jy_db_res_get(r, i, 4);
        e->round = atoi(jy_db_res_get(r, i, 5));
        e->step = atoi(jy_db_res_get(r, i, 6));
        e->step_name = jy_db_res_get(r, i, 7);
        e->actor = jy_db_res_get(r, i, 8);
        e->comment = jy_db_res_get(r, i, 9);
    }
    return JY_OK;
}


int
jy_workflow_history(struct jy_db *db, struct jy_pool *pool, long long item,
                    struct jy_wf_event **events, int *n, struct jy_err *err)
{
    int rc;

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = history_run(db, pool, item, events, n, err);
    jy_db_rollback(db);
    return rc;
}


/* ---- what is scheduled ------------------------------------------------------------------- */

static int
scheduled_run(struct jy_db *db, struct jy_pool *pool, const char *site, int limit,
              struct jy_wf_sched_row **rows, int *n, struct jy_err *err)
{
    static const char sql[] =
        "SELECT p.item_id, p.id, i.title, s.code || ':' || c.path, s.name, p.state,"
        " jy_iso_time(p.publish_at, s.time_zone), jy_iso_time(p.withdraw_at, s.time_zone),"
        " s.time_zone"
        " FROM placement p JOIN site s ON s.id = p.site_id"
        " JOIN site_column c ON c.id = p.column_id LEFT JOIN item i ON i.id = p.item_id"
        " WHERE (p.publish_at IS NOT NULL OR p.withdraw_at IS NOT NULL)"
        "   AND ($1::bigint IS NULL OR p.site_id = $1)"
        " ORDER BY least(p.publish_at, p.withdraw_at), p.id LIMIT $2";
    const char *p[2] = {NULL, num(pool, limit)};
    struct jy_db_res *r;
    long long sid;
    int i;

    if (site) {
        if (jy_site_resolve(db, pool, site, "site", &sid, err) != JY_OK)
            return JY_ERROR;
        p[0] = num(pool, sid);
    }
    if ((r = jy_db_query(db, pool, sql, 2, p, err)) == NULL)
        return JY_ERROR;
    *n = jy_db_res_rows(r);
    *rows = jy_pool_new_array(pool, struct jy_wf_sched_row, (size_t) *n + 1);
    for (i = 0; i < *n; i++) {
        struct jy_wf_sched_row *w = &(*rows)[i];
        w->item_id = atoll(jy_db_res_get(r, i, 0));
        w->placement_id = atoll(jy_db_res_get(r, i, 1));
        w->title = jy_db_res_get(r, i, 2);
        w->column = jy_db_res_get(r, i, 3);
        w->site_name = jy_db_res_get(r, i, 4);
        w->state = jy_db_res_get(r, i, 5);
        w->publish_at = jy_db_res_get(r, i, 6);
        w->withdraw_at = jy_db_res_get(r, i, 7);
        w->time_zone = jy_db_res_get(r, i, 8);
    }
    return JY_OK;
}


int
jy_workflow_scheduled(struct jy_db *db, struct jy_pool *pool, const char *site, int limit,
                      struct jy_wf_sched_row **rows, int *n, struct jy_err *err)
{
    int rc;

    /* a transaction, so that row-level security sees the acting user (db.h) */
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = scheduled_run(db, pool, site, limit, rows, n, err);
    jy_db_rollback(db);
    return rc;
}
