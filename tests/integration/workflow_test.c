/*
 * workflow_test.c - the editorial workflow against a real PostgreSQL: a
 * two-step review chain (any-of, then all-of) with a rejection and a
 * resubmission; transitions refused for the state or the person with
 * nothing changed; tenant isolation; adoption of a county's submission by
 * the province; scheduled publication and withdrawal fired exactly once,
 * also with two schedulers at once; schedules in the past refused.
 */
#include "core/compat.h"
#include "core/placement.h"
#include "core/scheduler.h"
#include "core/submission.h"
#include "core/workflow.h"
#include "tests/integration/library_fixture.h"

/* reviewers added to the library fixture: r1, r2, r3 on the province, k1_rev on k1 */
enum { R1, R2, R3, K1_REV, NREV };
static const char *const rev_logins[NREV] = {"r1", "r2", "r3", "k1_rev"};
static long long rev[NREV];

static void
open_all(void)
{
    int i;

    fx_open();
    for (i = 0; i < NREV; i++) {
        const char *p[2] = {rev_logins[i], fx_num(fx.site[i == K1_REV ? K1 : PROV])};
        rev[i] = fx_own_id("INSERT INTO app_user (login, display_name) VALUES ($1, $1)"
                           " RETURNING id",
                           1, p);
        p[0] = fx_num(rev[i]);
        fx_own("INSERT INTO user_grant (user_id, role, site_id) VALUES ($1, 'reviewer', $2)", 2, p);
    }
}


static struct jy_db *
as_rev(int r)
{
    jy_db_set_actor(fx.app, rev[r], rev_logins[r], NULL, NULL);
    return fx.app;
}


static const char *
state_of(long long item, long long column)
{
    const char *p[2] = {fx_num(item), fx_num(column)};
    return fx_own("SELECT state FROM placement WHERE item_id = $1 AND column_id = $2", 2, p);
}


static long long
events(void)
{
    return fx_count("SELECT count(*) FROM workflow_event", 0, NULL);
}


/* A draft item of site placed in column (SITE:PATH) by db. */
static long long
draft_in(struct jy_db *db, int site, const char *column)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_placement_target t;
    long long item = fx_item_on(db, site, "article", "{\"title\": \"稿件\"}");

    memset(&t, 0, sizeof(t));
    t.column = column;
    if (jy_placement_place(db, fx.pool, item, &t, 1, NULL, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "place: %s (%s)", err.msg, err.detail);
    return item;
}


#define ACT(db, a, item, col, comment) \
    jy_workflow_act((db), fx.pool, (a), (item), (col), (comment), &res, &err)

static void
test_chain_with_rejection_and_resubmission(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_wf_result res;
    struct jy_wf_event *ev;
    struct jy_wf_queue_row *q;
    struct jy_placement_target t;
    long long item;
    int n, i;

    open_all();
    T_EQ_INT(jy_workflow_chain_set(fx_as(U_ADMIN), fx.pool, "5600000001:news",
                                   "{\"steps\": [{\"name\": \"初审\", \"role\": \"reviewer\"},"
                                   " {\"name\": \"会签\", \"users\": [\"r1\", \"r2\"],"
                                   "  \"mode\": \"all\"}]}",
                                   &err),
             JY_OK);
    item = draft_in(fx_as(U_PROV_EDITOR), PROV, "5600000001:news");

    /* the editor may not publish, neither here nor through a placement */
    T_EQ_INT(ACT(fx_as(U_PROV_EDITOR), JY_WF_PUBLISH, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    /* even the platform admin does not publish past the chain */
    T_EQ_INT(ACT(fx_as(U_ADMIN), JY_WF_PUBLISH, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_CONTAINS(err.msg, "review chain of 2 steps");
    memset(&t, 0, sizeof(t));
    t.column = "5600000001:news";
    t.state = "published";
    T_EQ_INT(jy_placement_place(fx_as(U_ADMIN), fx.pool, item, &t, 1, NULL, &err), JY_ERROR);
    T_CONTAINS(err.msg, "must be approved before it is published");
    T_EQ_STR(state_of(item, fx.news[PROV]), "draft");

    /* submit: step 1 waits */
    T_EQ_INT(ACT(fx_as(U_PROV_EDITOR), JY_WF_SUBMIT, item, "5600000001:news", "请审核"), JY_OK);
    T_EQ_STR(res.to_state, "submitted");
    T_EQ_INT(res.waiting_step, 1);
    T_EQ_STR(res.waiting_name, "初审");
    /* the editor may not approve it */
    T_EQ_INT(ACT(fx_as(U_PROV_EDITOR), JY_WF_APPROVE, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    /* r3 sees it in the queue, and approves step 1 (any-of) */
    T_EQ_INT(jy_workflow_queue(as_rev(R3), fx.pool, NULL, &q, &n, &err), JY_OK);
    T_EQ_INT(n, 1);
    T_EQ_STR(q[0].waiting, "step 1/2 初审");
    T_EQ_STR(q[0].submitter, "prov_editor");
    T_EQ_INT(ACT(as_rev(R3), JY_WF_APPROVE, item, "5600000001:news", NULL), JY_OK);
    T_EQ_INT(res.waiting_step, 2);
    /* step 2 is for r1 and r2 only, and needs both */
    T_EQ_INT(ACT(as_rev(R3), JY_WF_APPROVE, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_CONTAINS(err.msg, "step 2/2 \"会签\" is for r1, r2");
    T_EQ_INT(jy_workflow_queue(as_rev(R3), fx.pool, NULL, &q, &n, &err), JY_OK);
    T_EQ_INT(n, 0);
    T_EQ_INT(ACT(as_rev(R1), JY_WF_APPROVE, item, "5600000001:news", "同意"), JY_OK);
    T_EQ_STR(res.to_state, "submitted");
    T_EQ_INT(res.approvals_missing, 1);
    T_EQ_INT(ACT(as_rev(R1), JY_WF_APPROVE, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_CONTAINS(err.msg, "already");
    /* r2 rejects: a reason is required, and the editor gets the item back with it */
    T_EQ_INT(ACT(as_rev(R2), JY_WF_REJECT, item, "5600000001:news", "  "), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_INT(ACT(as_rev(R2), JY_WF_REJECT, item, "5600000001:news", "标题有误，请核实"), JY_OK);
    T_EQ_STR(res.to_state, "draft");
    T_EQ_INT(res.step, 2);
    T_EQ_INT(jy_workflow_queue(fx_as(U_PROV_EDITOR), fx.pool, NULL, &q, &n, &err), JY_OK);
    T_EQ_INT(n, 1);
    T_EQ_STR(q[0].waiting, "returned: 标题有误，请核实");
    /* resubmission starts the chain again: r1's earlier approval no longer counts */
    T_EQ_INT(ACT(fx_as(U_PROV_EDITOR), JY_WF_SUBMIT, item, "5600000001:news", NULL), JY_OK);
    T_EQ_INT(res.waiting_step, 1);
    T_EQ_INT(ACT(as_rev(R1), JY_WF_APPROVE, item, "5600000001:news", NULL), JY_OK);
    T_EQ_INT(res.waiting_step, 2);
    T_EQ_INT(ACT(as_rev(R1), JY_WF_APPROVE, item, "5600000001:news", NULL), JY_OK);
    T_EQ_INT(res.approvals_missing, 1);
    T_EQ_INT(ACT(as_rev(R2), JY_WF_APPROVE, item, "5600000001:news", NULL), JY_OK);
    T_EQ_STR(res.to_state, "approved");
    T_EQ_INT(ACT(as_rev(R2), JY_WF_PUBLISH, item, "5600000001:news", NULL), JY_OK);
    T_EQ_STR(state_of(item, fx.news[PROV]), "published");
    T_EQ_INT(ACT(as_rev(R2), JY_WF_PUBLISH, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_EQ_INT(ACT(as_rev(R2), JY_WF_WITHDRAW, item, "5600000001:news", "过期"), JY_OK);
    T_EQ_STR(state_of(item, fx.news[PROV]), "withdrawn");

    /* the whole story, in order, with who and why */
    T_EQ_INT(jy_workflow_history(fx_as(U_PROV_EDITOR), fx.pool, item, &ev, &n, &err), JY_OK);
    {
        struct jy_buf b = JY_BUF_INIT(fx.pool);
        for (i = 0; i < n; i++)
            jy_buf_addf(&b, "%s%s:%s:%d:%s", i ? " " : "", ev[i].action, ev[i].actor, ev[i].step,
                        ev[i].to_state);
        T_EQ_STR(b.buf, "submit:prov_editor:0:submitted approve:r3:1:submitted "
                        "approve:r1:2:submitted reject:r2:2:draft submit:prov_editor:0:submitted "
                        "approve:r1:1:submitted approve:r1:2:submitted approve:r2:2:approved "
                        "publish:r2:0:published withdraw:r2:0:withdrawn");
        T_EQ_STR(ev[3].comment, "标题有误，请核实");
        T_EQ_INT(ev[4].round, 2);
    }
    /* the table is append-only and audited */
    T_EQ_INT(jy_db_query(fx.owner, fx.pool, "DELETE FROM workflow_event", 0, NULL, &err) == NULL,
             1);
    T_CONTAINS(err.msg, "append-only");
    T_ASSERT(fx_count("SELECT count(*) FROM audit_log WHERE object_type = 'workflow_event'", 0,
                      NULL) == 10);
    fx_close();
}


static void
test_distinct_chain_wants_a_person_per_step(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_wf_result res;
    struct jy_wf_queue_row *q;
    long long item;
    int n;

    open_all();
    T_EQ_INT(jy_workflow_chain_set(fx_as(U_ADMIN), fx.pool, "5600000001:news",
                                   "{\"steps\": [{\"name\": \"初审\", \"role\": \"reviewer\"},"
                                   " {\"name\": \"复审\", \"role\": \"reviewer\"}],"
                                   " \"distinct\": true}",
                                   &err),
             JY_OK);
    item = draft_in(fx_as(U_PROV_EDITOR), PROV, "5600000001:news");
    T_EQ_INT(ACT(fx_as(U_PROV_EDITOR), JY_WF_SUBMIT, item, "5600000001:news", NULL), JY_OK);
    T_EQ_INT(ACT(as_rev(R1), JY_WF_APPROVE, item, "5600000001:news", NULL), JY_OK);
    /* r1 belongs to step 2 as well, but approved step 1 of this review */
    T_EQ_INT(jy_workflow_queue(as_rev(R1), fx.pool, NULL, &q, &n, &err), JY_OK);
    T_EQ_INT(n, 0);
    T_EQ_INT(ACT(as_rev(R1), JY_WF_APPROVE, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_CONTAINS(err.msg, "wants a different person for every step");
    T_EQ_STR(state_of(item, fx.news[PROV]), "submitted");
    T_EQ_INT(jy_workflow_queue(as_rev(R2), fx.pool, NULL, &q, &n, &err), JY_OK);
    T_EQ_INT(n, 1);
    T_EQ_INT(ACT(as_rev(R2), JY_WF_APPROVE, item, "5600000001:news", NULL), JY_OK);
    T_EQ_STR(res.to_state, "approved");
    /* a malformed flag is refused by the database's check of the shape */
    T_EQ_INT(jy_workflow_chain_set(fx_as(U_ADMIN), fx.pool, "5600000001:news",
                                   "{\"steps\": [], \"distinct\": \"yes\"}", &err),
             JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    fx_close();
}


static void
test_refused_transitions_change_nothing(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_wf_result res;
    long long item, before;
    const char *snap, *p[1];

    open_all();
    T_EQ_INT(jy_workflow_chain_set(fx_as(U_ADMIN), fx.pool, "5600000001",
                                   "{\"steps\": [{\"name\": \"审核\", \"role\": \"reviewer\"}]}",
                                   &err),
             JY_OK);
    item = draft_in(fx_as(U_PROV_EDITOR), PROV, "5600000001:news");
    p[0] = fx_num(item);
    snap = fx_own("SELECT row_to_json(p)::text FROM placement p WHERE item_id = $1", 1, p);
    before = events();
    /* not from this state */
    T_EQ_INT(ACT(as_rev(R1), JY_WF_APPROVE, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_CONTAINS(err.msg, "it is draft, not submitted for review");
    T_EQ_INT(ACT(as_rev(R1), JY_WF_WITHDRAW, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_EQ_INT(ACT(as_rev(R1), JY_WF_REJECT, item, "5600000001:news", "不行"), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_EQ_INT(ACT(as_rev(R1), JY_WF_PUBLISH, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    /* not by this person: the viewer reads, nothing more; a reviewer does not submit */
    T_EQ_INT(ACT(fx_as(U_VIEWER), JY_WF_SUBMIT, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_EQ_INT(ACT(as_rev(R1), JY_WF_SUBMIT, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_CONTAINS(err.msg, "that needs item.write");
    T_EQ_INT(jy_workflow_schedule(fx_as(U_PROV_EDITOR), fx.pool, item, "5600000001:news",
                                  "2099-01-01 08:00", NULL, &err),
             JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    /* nowhere: a column without the item, a column that does not exist */
    T_EQ_INT(ACT(fx_as(U_PROV_EDITOR), JY_WF_SUBMIT, item, "5600000001:docs", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_EQ_INT(ACT(fx_as(U_PROV_EDITOR), JY_WF_SUBMIT, item, "5600000001:nope", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    /* a chain whose step nobody can approve is refused at submission */
    T_EQ_INT(jy_workflow_chain_set(fx_as(U_ADMIN), fx.pool, "5600000001:news",
                                   "{\"steps\": [{\"name\": \"终审\", \"role\": \"site_admin\"}]}",
                                   &err),
             JY_OK);
    T_EQ_INT(ACT(fx_as(U_PROV_EDITOR), JY_WF_SUBMIT, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_CONTAINS(err.msg, "step 1 \"终审\" of its review chain has nobody who may approve it");
    /* invalid chains */
    T_EQ_INT(jy_workflow_chain_set(fx_as(U_ADMIN), fx.pool, "5600000001:news",
                                   "{\"steps\": [{\"name\": \"x\", \"role\": \"editor\"}]}", &err),
             JY_ERROR);
    T_CONTAINS(err.msg, "role \"editor\" does not exist or may not review");
    T_EQ_INT(jy_workflow_chain_set(fx_as(U_ADMIN), fx.pool, "5600000001:news",
                                   "{\"steps\": [{\"name\": \"x\", \"users\": [\"nobody\"]}]}",
                                   &err),
             JY_ERROR);
    T_CONTAINS(err.msg, "no user has the login nobody");
    T_EQ_INT(
        jy_workflow_chain_set(fx_as(U_ADMIN), fx.pool, "5600000001:news", "{\"steps\": 3", &err),
        JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_STR(fx_own("SELECT row_to_json(p)::text FROM placement p WHERE item_id = $1", 1, p), snap);
    T_EQ_INT(events(), before);
    fx_close();
}


static void
test_tenant_isolation(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_wf_result res;
    struct jy_wf_queue_row *q;
    enum jy_wf_action a;
    long long draft, pub, before, sub;
    int n;

    open_all();
    draft = draft_in(fx_as(U_K1_EDITOR), K1, "5601210001:news");
    pub = draft_in(fx_as(U_K1_ADMIN), K1, "5601210001:news");
    T_EQ_INT(ACT(fx_as(U_K1_ADMIN), JY_WF_PUBLISH, pub, "5601210001:news", NULL), JY_OK);
    T_EQ_INT(ACT(fx_as(U_K1_EDITOR), JY_WF_SUBMIT, draft, "5601210001:news", NULL), JY_OK);
    before = events();
    /* county B's administrator, whatever the call: nothing about county A moves */
    for (a = JY_WF_SUBMIT; a <= JY_WF_WITHDRAW; a++) {
        T_EQ_INT(ACT(fx_as(U_K2_ADMIN), a, draft, "5601210001:news", "x"), JY_ERROR);
        T_EQ_INT(err.code, JY_E_NOT_FOUND); /* a draft of another county is not even seen */
        T_EQ_INT(ACT(fx_as(U_K2_ADMIN), a, pub, "5601210001:news", "x"), JY_ERROR);
        T_ASSERT(err.code == JY_E_FORBIDDEN);
    }
    T_EQ_INT(jy_workflow_schedule(fx_as(U_K2_ADMIN), fx.pool, pub, "5601210001:news", NULL,
                                  "2099-01-01", &err),
             JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_EQ_INT(
        jy_workflow_chain_set(fx_as(U_K2_ADMIN), fx.pool, "5601210001", "{\"steps\": []}", &err),
        JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_EQ_INT(jy_workflow_chain_set(fx_as(U_K2_ADMIN), fx.pool, "5601210001:news", "{\"steps\": []}",
                                   &err),
             JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_EQ_INT(
        jy_submission_send(fx_as(U_K2_ADMIN), fx.pool, draft, "5601000001:news", NULL, &sub, &err),
        JY_ERROR);
    T_ASSERT(err.code == JY_E_NOT_FOUND || err.code == JY_E_FORBIDDEN);
    T_EQ_INT(
        jy_submission_send(fx_as(U_K2_ADMIN), fx.pool, pub, "5601000001:news", NULL, &sub, &err),
        JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_EQ_INT(jy_workflow_queue(fx_as(U_K2_ADMIN), fx.pool, NULL, &q, &n, &err), JY_OK);
    T_EQ_INT(n, 0);
    {
        struct jy_wf_event *ev;
        T_EQ_INT(jy_workflow_history(fx_as(U_K2_ADMIN), fx.pool, draft, &ev, &n, &err), JY_OK);
        T_EQ_INT(n, 0);
    }
    /* county A's submission to the city: county B neither sees nor decides it */
    T_EQ_INT(
        jy_submission_send(fx_as(U_K1_EDITOR), fx.pool, draft, "5601000001:news", NULL, &sub, &err),
        JY_OK);
    before = events();
    T_EQ_INT(jy_submission_adopt(fx_as(U_K2_ADMIN), fx.pool, sub, NULL, NULL, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_EQ_INT(jy_submission_decline(fx_as(U_K2_ADMIN), fx.pool, sub, "不要", &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    {
        struct jy_submission_row *rows;
        T_EQ_INT(
            jy_submission_list(fx_as(U_K2_ADMIN), fx.pool, NULL, false, NULL, 50, &rows, &n, &err),
            JY_OK);
        T_EQ_INT(n, 0);
    }
    T_EQ_STR(fx_own("SELECT state FROM submission", 0, NULL), "pending");
    T_EQ_INT(events(), before);
    T_EQ_STR(state_of(draft, fx.news[K1]), "submitted");
    T_EQ_STR(state_of(pub, fx.news[K1]), "published");
    T_EQ_INT(fx_count("SELECT count(*) FROM submission", 0, NULL), 1);
    /* and county A's own administrator may */
    T_EQ_INT(jy_workflow_queue(fx_as(U_K1_ADMIN), fx.pool, NULL, &q, &n, &err), JY_OK);
    T_EQ_INT(n, 1);
    T_EQ_INT(q[0].item_id, draft);
    fx_close();
}


static void
test_county_submission_adopted_by_province(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_wf_result res;
    struct jy_submission_row *rows;
    struct jy_submission_stat *st;
    long long item, other, sub, sub2, pl, items;
    int n;

    open_all();
    T_EQ_INT(jy_workflow_chain_set(
                 fx_as(U_ADMIN), fx.pool, "5600000001",
                 "{\"steps\": [{\"name\": \"采编审核\", \"role\": \"reviewer\"}]}", &err),
             JY_OK);
    item = fx_item_on(fx_as(U_K1_EDITOR), K1, "article", "{\"title\": \"县里的好经验\"}");
    other = fx_item_on(fx_as(U_K1_EDITOR), K1, "article", "{\"title\": \"县里的通知\"}");
    items = fx_count("SELECT count(*) FROM item", 0, NULL);
    /* upwards only, into a column that takes the item */
    T_EQ_INT(
        jy_submission_send(fx_as(U_K1_EDITOR), fx.pool, item, "5601220001:news", NULL, &sub, &err),
        JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_CONTAINS(err.msg, "a site above their own");
    T_EQ_INT(
        jy_submission_send(fx_as(U_K1_EDITOR), fx.pool, item, "5600000001:docs", NULL, &sub, &err),
        JY_ERROR);
    T_CONTAINS(err.msg, "does not take items of kind article");
    T_EQ_INT(jy_submission_send(fx_as(U_K1_EDITOR), fx.pool, item, "5600000001:news",
                                "供省政府网采用", &sub, &err),
             JY_OK);
    T_EQ_INT(
        jy_submission_send(fx_as(U_K1_EDITOR), fx.pool, item, "5600000001:news", NULL, &sub2, &err),
        JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_EQ_INT(jy_submission_send(fx_as(U_K1_EDITOR), fx.pool, other, "5600000001:news", NULL, &sub2,
                                &err),
             JY_OK);
    /* a submission is not a placement */
    T_EQ_INT(fx_count("SELECT count(*) FROM placement", 0, NULL), 0);
    /* the province's reviewer sees both; the county editor may not decide */
    T_EQ_INT(jy_submission_list(as_rev(R1), fx.pool, "5600000001", false, "pending", 50, &rows, &n,
                                &err),
             JY_OK);
    T_EQ_INT(n, 2);
    T_EQ_STR(rows[1].title, "县里的好经验");
    T_EQ_STR(rows[1].from_site, "5601210001");
    T_EQ_STR(rows[1].submitted_by, "k1_editor");
    T_EQ_INT(jy_submission_adopt(fx_as(U_K1_EDITOR), fx.pool, sub, NULL, &pl, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_EQ_INT(jy_submission_adopt(as_rev(R1), fx.pool, sub, "采用", &pl, &err), JY_OK);
    T_EQ_INT(jy_submission_adopt(as_rev(R1), fx.pool, sub, NULL, &pl, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_EQ_INT(jy_submission_decline(as_rev(R2), fx.pool, sub2, "", &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_INT(jy_submission_decline(as_rev(R2), fx.pool, sub2, "与本栏目定位不符", &err), JY_OK);
    /* the item stays one item; its placement on the province goes through the province's chain */
    T_EQ_INT(fx_count("SELECT count(*) FROM item", 0, NULL), items);
    T_EQ_STR(state_of(item, fx.news[PROV]), "submitted");
    T_EQ_INT(ACT(as_rev(R1), JY_WF_PUBLISH, item, "5600000001:news", NULL), JY_ERROR);
    T_EQ_INT(ACT(as_rev(R2), JY_WF_APPROVE, item, "5600000001:news", NULL), JY_OK);
    T_EQ_INT(ACT(as_rev(R2), JY_WF_PUBLISH, item, "5600000001:news", NULL), JY_OK);
    {
        const char *p[1] = {fx_num(item)};
        T_EQ_STR(fx_own("SELECT string_agg(action, ',' ORDER BY id) FROM workflow_event"
                        " WHERE item_id = $1",
                        1, p),
                 "adopt,approve,publish");
        T_EQ_STR(fx_own("SELECT i.site_id = p.site_id FROM item i JOIN placement p"
                        " ON p.item_id = i.id WHERE i.id = $1",
                        1, p),
                 "f");
    }
    /* the sender sees the decisions; statistics count them per period and site */
    T_EQ_INT(jy_submission_list(fx_as(U_K1_EDITOR), fx.pool, "5601210001", true, NULL, 50, &rows,
                                &n, &err),
             JY_OK);
    T_EQ_INT(n, 2);
    T_EQ_STR(rows[0].state, "declined");
    T_EQ_STR(rows[0].reason, "与本栏目定位不符");
    T_EQ_STR(rows[1].state, "adopted");
    T_EQ_INT(jy_submission_stats(as_rev(R1), fx.pool, "5600000001", false, "month", NULL, NULL, &st,
                                 &n, &err),
             JY_OK);
    T_EQ_INT(n, 2);
    T_EQ_STR(st[0].site, "5601210001");
    T_EQ_INT(st[0].submitted, 2);
    T_EQ_INT(st[0].adopted, 1);
    T_EQ_INT(st[0].declined, 1);
    T_ASSERT(st[0].adoption_rate > 0.49 && st[0].adoption_rate < 0.51);
    T_EQ_STR(st[1].period, "total");
    T_EQ_INT(jy_submission_stats(as_rev(R1), fx.pool, "5600000001", false, "week", NULL, NULL, &st,
                                 &n, &err),
             JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    fx_close();
}


/* A time as text, shifted from the database's now. */
static const char *
in(const char *interval)
{
    const char *p[1] = {interval};
    return fx_own("SELECT to_char((now() + $1::interval) AT TIME ZONE 'Asia/Shanghai',"
                  " 'YYYY-MM-DD HH24:MI')",
                  1, p);
}


static const char *
at(const char *interval)
{
    const char *p[1] = {interval};
    return fx_own("SELECT (now() + $1::interval)::text", 1, p);
}


static void
test_scheduled_publication_fires_once(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_wf_result res;
    struct jy_scheduler_stats st;
    struct jy_db *other;
    long long item, before;
    const char *p[2];

    open_all();
    item = draft_in(fx_as(U_K1_ADMIN), K1, "5601210001:news");
    before = events();
    /* schedules in the past (or now) are refused, and nothing changes */
    T_EQ_INT(jy_workflow_schedule(fx_as(U_K1_ADMIN), fx.pool, item, "5601210001:news",
                                  in("-1 minute"), NULL, &err),
             JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_CONTAINS(err.msg, "is not in the future");
    T_EQ_INT(jy_workflow_schedule(fx_as(U_K1_ADMIN), fx.pool, item, "5601210001:news",
                                  in("2 hours"), in("1 hour"), &err),
             JY_ERROR);
    T_CONTAINS(err.msg, "is not after publication time");
    T_EQ_INT(jy_workflow_schedule(fx_as(U_K1_ADMIN), fx.pool, item, "5601210001:news", "tomorrow",
                                  NULL, &err),
             JY_ERROR);
    T_EQ_STR(err.field, "publish_at");
    T_EQ_INT(events(), before);
    T_EQ_INT(jy_workflow_schedule(fx_as(U_K1_ADMIN), fx.pool, item, "5601210001:news", in("1 hour"),
                                  in("3 hours"), &err),
             JY_OK);
    /* nothing is due yet */
    T_EQ_INT(jy_scheduler_run_due(fx.owner, fx.pool, NULL, &st, &err), JY_OK);
    T_EQ_INT(st.published + st.withdrawn, 0);
    /* two hours later, while another scheduler holds the row, this one skips it */
    p[0] = fx_num(item);
    other = jy_db_connect(
        jy_pool_printf(fx.pool, "host=%s dbname=%s user=jiyue",
                       fx_own("SELECT current_setting('unix_socket_directories')", 0, NULL),
                       fx_own("SELECT current_database()", 0, NULL)),
        &err);
    T_ASSERT(other != NULL);
    T_EQ_INT(jy_db_begin(other, &err), JY_OK);
    T_ASSERT(jy_db_query(other, fx.pool, "SELECT 1 FROM placement WHERE item_id = $1 FOR UPDATE", 1,
                         p, &err) != NULL);
    T_EQ_INT(jy_scheduler_run_due(fx.owner, fx.pool, at("2 hours"), &st, &err), JY_OK);
    T_EQ_INT(st.published, 0);
    jy_db_rollback(other);
    jy_db_close(other);
    T_EQ_INT(jy_scheduler_run_due(fx.owner, fx.pool, at("2 hours"), &st, &err), JY_OK);
    T_EQ_INT(st.published, 1);
    T_EQ_STR(state_of(item, fx.news[K1]), "published");
    /* exactly once */
    T_EQ_INT(jy_scheduler_run_due(fx.owner, fx.pool, at("2 hours"), &st, &err), JY_OK);
    T_EQ_INT(st.published, 0);
    T_EQ_STR(fx_own("SELECT comment FROM workflow_event WHERE item_id = $1 AND action = 'publish'",
                    1, p),
             "scheduled publication (set by k1_admin)");
    /* the withdrawal at its time */
    T_EQ_INT(jy_scheduler_run_due(fx.owner, fx.pool, at("4 hours"), &st, &err), JY_OK);
    T_EQ_INT(st.withdrawn, 1);
    T_EQ_STR(state_of(item, fx.news[K1]), "withdrawn");
    T_EQ_INT(ACT(fx_as(U_K1_ADMIN), JY_WF_WITHDRAW, item, "5601210001:news", NULL), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    fx_close();
}


static void
test_scheduled_publication_waits_for_approval(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_wf_result res;
    struct jy_scheduler_stats st;
    long long item;

    open_all();
    T_EQ_INT(jy_workflow_chain_set(fx_as(U_K1_ADMIN), fx.pool, "5601210001:news",
                                   "{\"steps\": [{\"name\": \"审核\", \"role\": \"reviewer\"}]}",
                                   &err),
             JY_OK);
    item = draft_in(fx_as(U_K1_EDITOR), K1, "5601210001:news");
    T_EQ_INT(jy_workflow_schedule(fx_as(U_K1_ADMIN), fx.pool, item, "5601210001:news", in("1 hour"),
                                  NULL, &err),
             JY_OK);
    T_EQ_INT(ACT(fx_as(U_K1_EDITOR), JY_WF_SUBMIT, item, "5601210001:news", NULL), JY_OK);
    /* due, but not approved: it waits */
    T_EQ_INT(jy_scheduler_run_due(fx.owner, fx.pool, at("2 hours"), &st, &err), JY_OK);
    T_EQ_INT(st.published, 0);
    T_EQ_STR(state_of(item, fx.news[K1]), "submitted");
    T_EQ_INT(ACT(as_rev(K1_REV), JY_WF_APPROVE, item, "5601210001:news", NULL), JY_OK);
    T_EQ_INT(jy_scheduler_run_due(fx.owner, fx.pool, at("2 hours"), &st, &err), JY_OK);
    T_EQ_INT(st.published, 1);
    T_EQ_STR(state_of(item, fx.news[K1]), "published");
    fx_close();
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_chain_with_rejection_and_resubmission),
        T_CASE(test_distinct_chain_wants_a_person_per_step),
        T_CASE(test_refused_transitions_change_nothing),
        T_CASE(test_tenant_isolation),
        T_CASE(test_county_submission_adopted_by_province),
        T_CASE(test_scheduled_publication_fires_once),
        T_CASE(test_scheduled_publication_waits_for_approval),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
