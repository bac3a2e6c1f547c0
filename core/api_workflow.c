/*
 * api_workflow.c - the editorial workflow over HTTP: actions on a
 * placement (submit, approve, reject, publish, withdraw), scheduling, the
 * history of an item, the review queue and chains (core/workflow.c), and
 * submissions to a column of a higher site (core/submission.c).
 *
 * Rights are the workflow's own (jy_can through workflow.c and row-level
 * security): a handler only reads the request, calls the C API as the
 * user and answers; its errors keep their codes (409 for a transition the
 * state does not allow, 403 for one the user may not make, 404 for a
 * placement the user cannot see).
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/err.h"
#include "core/json.h"
#include "core/placement.h"
#include "core/pool.h"
#include "core/submission.h"
#include "core/workflow.h"

#include <cjson/cJSON.h>


static void
add_str_or_null(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}


/* "column": "SITE:PATH", required. */
static int
body_column(struct jy_api_req *r, const char **column, struct jy_err *err)
{
    struct jy_json_node root = JY_JSON_ROOT(r->body);

    return jy_json_get_str_chars(&root, "column", true, 3, 300, column, err);
}


/*
 * POST /api/v1/items/{id}/workflow
 * {"action": "submit|approve|reject|publish|withdraw", "column", "comment", "reason"}
 */
static int
wf_act(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"action", "column", "comment", "reason", NULL};
    static const char *const actions[] = {"submit",  "approve",  "reject",
                                          "publish", "withdraw", NULL};
    static const enum jy_wf_action codes[] = {JY_WF_SUBMIT, JY_WF_APPROVE, JY_WF_REJECT,
                                              JY_WF_PUBLISH, JY_WF_WITHDRAW};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    const char *column = NULL, *comment = NULL, *reason = NULL;
    struct jy_wf_result res;
    long long item;
    int action = 0;
    cJSON *o, *p;

    if (jy_api_arg_id(r, 0, "id", &item, err) != JY_OK ||
        jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_enum(&root, "action", true, actions, &action, err) != JY_OK ||
        body_column(r, &column, err) != JY_OK ||
        jy_json_get_str_chars(&root, "comment", false, 0, 2000, &comment, err) != JY_OK ||
        jy_json_get_str_chars(&root, "reason", false, 0, 2000, &reason, err) != JY_OK)
        return JY_ERROR;
    if (codes[action] == JY_WF_REJECT) {
        if (reason == NULL || reason[0] == '\0')
            reason = comment;
        if (reason == NULL || reason[0] == '\0') {
            jy_err_set(err, JY_E_INVALID, "a rejection needs a reason for the editor");
            jy_err_field(err, "reason");
            jy_err_hint(err, "Say what must change in \"reason\": it goes back to the editor.");
            return JY_ERROR;
        }
        comment = reason;
    } else if (reason != NULL) {
        jy_err_set(err, JY_E_INVALID, "field \"reason\" is for \"reject\" only; use \"comment\"");
        jy_err_field(err, "reason");
        return JY_ERROR;
    }
    memset(&res, 0, sizeof(res));
    if (jy_workflow_act(r->db, r->pool, codes[action], item, column, comment, &res, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    p = cJSON_AddObjectToObject(o, "placement");
    cJSON_AddNumberToObject(p, "id", (double) res.placement_id);
    cJSON_AddNumberToObject(p, "item", (double) item);
    cJSON_AddStringToObject(p, "column", column);
    add_str_or_null(p, "state", res.to_state);
    cJSON_AddNumberToObject(p, "steps", res.nsteps);
    if (res.step) {
        cJSON_AddNumberToObject(p, "step", res.step);
        add_str_or_null(p, "step_name", res.step_name);
    } else {
        cJSON_AddNullToObject(p, "step");
        cJSON_AddNullToObject(p, "step_name");
    }
    if (res.waiting_step) {
        cJSON_AddNumberToObject(p, "waiting_step", res.waiting_step);
        add_str_or_null(p, "waiting_name", res.waiting_name);
    } else {
        cJSON_AddNullToObject(p, "waiting_step");
        cJSON_AddNullToObject(p, "waiting_name");
    }
    cJSON_AddNumberToObject(p, "approvals_missing", res.approvals_missing);
    cJSON_AddStringToObject(o, "action", actions[action]);
    add_str_or_null(o, "from", res.from_state);
    add_str_or_null(o, "to", res.to_state);
    return jy_api_reply(r, 200, o);
}


/*
 * A time of the schedule: absent leaves it (*out NULL), null clears it
 * (""), a string of 1..40 characters sets it.
 */
static int
body_time(struct jy_api_req *r, const char *key, const char **out, struct jy_err *err)
{
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, key);

    *out = NULL;
    if (v == NULL)
        return JY_OK;
    if (cJSON_IsNull(v)) {
        *out = "";
        return JY_OK;
    }
    if (!cJSON_IsString(v))
        return jy_json_error(err, &root, key,
                             "must be a time (\"2026-12-01 08:00\", ISO 8601) or null");
    return jy_json_get_str_chars(&root, key, true, 1, 40, out, err);
}


/* POST /api/v1/items/{id}/schedule {"column", "publish_at": TIME|null, "withdraw_at": TIME|null} */
static int
wf_schedule(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"column", "publish_at", "withdraw_at", NULL};
    const char *column = NULL, *pub = NULL, *wd = NULL;
    long long item, col, site;
    cJSON *o;

    if (jy_api_arg_id(r, 0, "id", &item, err) != JY_OK ||
        jy_api_body_keys(r, known, err) != JY_OK || body_column(r, &column, err) != JY_OK ||
        body_time(r, "publish_at", &pub, err) != JY_OK ||
        body_time(r, "withdraw_at", &wd, err) != JY_OK)
        return JY_ERROR;
    if (pub == NULL && wd == NULL) {
        jy_err_set(err, JY_E_INVALID, "give \"publish_at\" or \"withdraw_at\" (null clears it)");
        jy_err_field(err, "publish_at");
        return JY_ERROR;
    }
    if (jy_workflow_schedule(r->db, r->pool, item, column, pub, wd, err) != JY_OK)
        return JY_ERROR;
    if (jy_placement_resolve_column(r->db, r->pool, column, "column", &col, &site, err) != JY_OK)
        return JY_ERROR;
    {
        static const char *const ints[] = {"id", NULL};
        const char *p[2] = {jy_pool_printf(r->pool, "%lld", item),
                            jy_pool_printf(r->pool, "%lld", col)};
        struct jy_db_res *res = jy_api_query(
            r,
            "SELECT p.id, p.state, jy_iso_time(p.publish_at, s.time_zone) AS publish_at,"
            "       jy_iso_time(p.withdraw_at, s.time_zone) AS withdraw_at"
            "  FROM placement p JOIN site s ON s.id = p.site_id"
            " WHERE p.item_id = $1 AND p.column_id = $2",
            2, p, err);
        cJSON *rows;
        if (res == NULL)
            return JY_ERROR;
        rows = jy_api_rows(r, res, ints, NULL, NULL);
        o = jy_json_new_object(r->pool);
        cJSON_AddNumberToObject(o, "item", (double) item);
        cJSON_AddStringToObject(o, "column", column);
        if (cJSON_GetArraySize(rows) > 0)
            cJSON_AddItemReferenceToObject(o, "placement", cJSON_GetArrayItem(rows, 0));
        else
            cJSON_AddNullToObject(o, "placement");
    }
    return jy_api_reply(r, 200, o);
}


/* GET /api/v1/items/{id}/history */
static int
wf_history(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {NULL};
    struct jy_wf_event *ev;
    long long item;
    cJSON *arr, *o;
    int n, i;

    if (jy_api_arg_id(r, 0, "id", &item, err) != JY_OK || jy_api_query_keys(r, known, err) != JY_OK)
        return JY_ERROR;
    if (jy_workflow_history(r->db, r->pool, item, &ev, &n, err) != JY_OK)
        return JY_ERROR;
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "at", ev[i].at);
        cJSON_AddStringToObject(e, "column", ev[i].column);
        cJSON_AddStringToObject(e, "action", ev[i].action);
        add_str_or_null(e, "from", ev[i].from_state);
        add_str_or_null(e, "to", ev[i].to_state);
        cJSON_AddNumberToObject(e, "round", ev[i].round);
        if (ev[i].step)
            cJSON_AddNumberToObject(e, "step", ev[i].step);
        else
            cJSON_AddNullToObject(e, "step");
        add_str_or_null(e, "step_name", ev[i].step_name);
        add_str_or_null(e, "actor", ev[i].actor);
        add_str_or_null(e, "comment", ev[i].comment);
        cJSON_AddItemToArray(arr, e);
    }
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "item", (double) item);
    cJSON_AddItemReferenceToObject(o, "items", arr);
    cJSON_AddNumberToObject(o, "total", n);
    return jy_api_reply(r, 200, o);
}


/* GET /api/v1/review/queue[?site=CODE] */
static int
review_queue(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"site", NULL};
    struct jy_wf_queue_row *rows;
    cJSON *arr;
    int n, i;

    if (jy_api_query_keys(r, known, err) != JY_OK)
        return JY_ERROR;
    if (jy_workflow_queue(r->db, r->pool, jy_http_param(&r->query, "site"), &rows, &n, err) !=
        JY_OK)
        return JY_ERROR;
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "item_id", (double) rows[i].item_id);
        cJSON_AddNumberToObject(e, "placement_id", (double) rows[i].placement_id);
        add_str_or_null(e, "title", rows[i].title);
        cJSON_AddStringToObject(e, "column", rows[i].column);
        add_str_or_null(e, "site_name", rows[i].site_name);
        cJSON_AddStringToObject(e, "state", rows[i].state);
        add_str_or_null(e, "waiting", rows[i].waiting);
        add_str_or_null(e, "since", rows[i].since);
        add_str_or_null(e, "submitter", rows[i].submitter);
        cJSON_AddItemToArray(arr, e);
    }
    return jy_api_reply_list(r, arr, n);
}


/* GET /api/v1/schedule[?site=&limit=]: what is scheduled, soonest first. */
static int
schedule_list(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"site", "limit", NULL};
    struct jy_wf_sched_row *rows;
    long long limit;
    cJSON *arr;
    int n, i;

    if (jy_api_query_keys(r, known, err) != JY_OK ||
        jy_api_query_int(r, "limit", 200, 1, 1000, &limit, err) != JY_OK)
        return JY_ERROR;
    if (jy_workflow_scheduled(r->db, r->pool, jy_http_param(&r->query, "site"), (int) limit, &rows,
                              &n, err) != JY_OK)
        return JY_ERROR;
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "item_id", (double) rows[i].item_id);
        cJSON_AddNumberToObject(e, "placement_id", (double) rows[i].placement_id);
        add_str_or_null(e, "title", rows[i].title);
        cJSON_AddStringToObject(e, "column", rows[i].column);
        add_str_or_null(e, "site_name", rows[i].site_name);
        cJSON_AddStringToObject(e, "state", rows[i].state);
        add_str_or_null(e, "publish_at", rows[i].publish_at);
        add_str_or_null(e, "withdraw_at", rows[i].withdraw_at);
        add_str_or_null(e, "time_zone", rows[i].time_zone);
        cJSON_AddItemToArray(arr, e);
    }
    return jy_api_reply_list(r, arr, n);
}


/* The target of a chain: SITE, or SITE:PATH with ?column=PATH. */
static int
chain_target(struct jy_api_req *r, const char **target, struct jy_err *err)
{
    static const char *const known[] = {"column", NULL};
    const char *column = jy_http_param(&r->query, "column");

    if (jy_api_query_keys(r, known, err) != JY_OK)
        return JY_ERROR;
    if (strchr(r->args[0], ':') != NULL) {
        jy_err_set(err, JY_E_INVALID,
                   "site \"%s\" in the path must be a site; name a column with ?column=PATH",
                   r->args[0]);
        jy_err_field(err, "site");
        return JY_ERROR;
    }
    if (column && (column[0] == '\0' || column[0] == '/')) {
        jy_err_set(err, JY_E_INVALID,
                   "query parameter \"column\" must be a column path like zwgk/tzgg, not \"%s\"",
                   column);
        jy_err_field(err, "column");
        return JY_ERROR;
    }
    *target = column ? jy_pool_printf(r->pool, "%s:%s", r->args[0], column) : r->args[0];
    return JY_OK;
}


static int
chain_answer(struct jy_api_req *r, const char *target, struct jy_err *err)
{
    const char *chain = NULL, *source = NULL;
    struct jy_err perr = JY_ERR_INIT;
    const cJSON *c;
    cJSON *o;

    if (jy_workflow_chain_get(r->db, r->pool, target, &chain, &source, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddStringToObject(o, "target", target);
    add_str_or_null(o, "source", source);
    c = chain ? jy_json_parse(r->pool, chain, strlen(chain), &perr) : NULL;
    if (c && cJSON_IsObject(c) && cJSON_GetObjectItemCaseSensitive(c, "steps"))
        cJSON_AddItemToObject(o, "steps",
                              cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(c, "steps"), 1));
    else
        cJSON_AddArrayToObject(o, "steps");
    cJSON_AddBoolToObject(o, "distinct",
                          c && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "distinct")));
    return jy_api_reply(r, 200, o);
}


/* GET /api/v1/review/chain/{site}[?column=PATH] */
static int
chain_get(struct jy_api_req *r, struct jy_err *err)
{
    const char *target;

    if (chain_target(r, &target, err) != JY_OK)
        return JY_ERROR;
    return chain_answer(r, target, err);
}


/*
 * One STEP of a chain, checked here so that each problem names its field
 * (steps[1].mode); whether roles review and users exist is the workflow's
 * check (jy_workflow_chain_set), which names the field the same way.
 */
static int
chain_step_check(const struct jy_json_node *st, struct jy_err *err)
{
    static const char *const keys[] = {"name", "role", "users", "mode", NULL};
    static const char *const modes[] = {"any", "all", NULL};
    struct jy_json_node users, u;
    const char *s;
    size_t n = 0;
    bool role, some;
    int mode;

    if (!cJSON_IsObject(st->item))
        return jy_json_error(err, st, NULL,
                             "must be an object {\"name\", \"role\" or \"users\", \"mode\"}");
    if (jy_json_check_keys(st, keys, err) != JY_OK ||
        jy_json_get_str_chars(st, "name", true, 1, 40, &s, err) != JY_OK ||
        jy_json_get_enum(st, "mode", false, modes, &mode, err) != JY_OK)
        return JY_ERROR;
    role = jy_json_has(st, "role");
    some = jy_json_has(st, "users");
    if (role == some)
        return jy_json_error(err, st, "role", "%s",
                             role ? "and \"users\" are both given: a step names a role or users"
                                  : "is missing: a step names a role or users");
    if (role)
        return jy_json_get_str_chars(st, "role", true, 1, 64, &s, err);
    if (jy_json_get_array(st, "users", true, &users, &n, err) != JY_OK)
        return JY_ERROR;
    if (n == 0)
        return jy_json_error(err, st, "users", "must name at least one login");
    for (jy_json_first(&users, &u); u.item; jy_json_next(&u))
        if (!cJSON_IsString(u.item) || u.item->valuestring[0] == '\0')
            return jy_json_error(err, &u, NULL, "must be a login");
    return JY_OK;
}


/*
 * PUT /api/v1/review/chain/{site}[?column=PATH] {"steps": [STEP, ...],
 * "distinct"} or {"inherit": true} (a column takes its parent's or the
 * site's chain again).
 */
static int
chain_put(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"steps", "inherit", "distinct", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body), steps, st;
    const char *target, *json = NULL;
    bool inherit = false, distinct = false;
    size_t n = 0;

    if (chain_target(r, &target, err) != JY_OK || jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_bool(&root, "inherit", false, &inherit, err) != JY_OK ||
        jy_json_get_bool(&root, "distinct", false, &distinct, err) != JY_OK)
        return JY_ERROR;
    if (inherit && jy_json_has(&root, "steps")) {
        jy_err_set(err, JY_E_INVALID, "give \"steps\" or \"inherit\": true, not both");
        jy_err_field(err, "inherit");
        return JY_ERROR;
    }
    if (inherit && distinct) {
        jy_err_set(err, JY_E_INVALID, "\"distinct\" goes with \"steps\", not with \"inherit\"");
        jy_err_field(err, "distinct");
        return JY_ERROR;
    }
    if (!inherit) {
        struct jy_buf b = JY_BUF_INIT(r->pool);
        cJSON *o;
        if (jy_json_get_array(&root, "steps", true, &steps, &n, err) != JY_OK)
            return JY_ERROR;
        if (n > 9)
            return jy_json_error(err, &root, "steps", "must have at most 9 steps");
        for (jy_json_first(&steps, &st); st.item; jy_json_next(&st))
            if (chain_step_check(&st, err) != JY_OK)
                return JY_ERROR;
        if (distinct && n < 2)
            return jy_json_error(err, &root, "distinct",
                                 "needs two steps or more: it asks a different person per step");
        o = jy_json_new_object(r->pool);
        cJSON_AddItemReferenceToObject(o, "steps", (cJSON *) steps.item);
        if (distinct)
            cJSON_AddTrueToObject(o, "distinct");
        jy_json_print(o, &b);
        json = b.buf;
    }
    if (jy_workflow_chain_set(r->db, r->pool, target, json, err) != JY_OK)
        return JY_ERROR;
    return chain_answer(r, target, err);
}


/* ---- submissions (信息报送) ---- */

static cJSON *
submission_json(const struct jy_submission_row *s)
{
    cJSON *e = cJSON_CreateObject();

    cJSON_AddNumberToObject(e, "id", (double) s->id);
    cJSON_AddNumberToObject(e, "item_id", (double) s->item_id);
    add_str_or_null(e, "title", s->title);
    add_str_or_null(e, "from_site", s->from_site);
    cJSON_AddStringToObject(e, "column", s->column);
    cJSON_AddStringToObject(e, "state", s->state);
    add_str_or_null(e, "submitted_at", s->submitted_at);
    add_str_or_null(e, "submitted_by", s->submitted_by);
    add_str_or_null(e, "decided_at", s->decided_at);
    add_str_or_null(e, "reason", s->reason);
    return e;
}


/* POST /api/v1/submissions {"item", "column", "comment"} */
static int
sub_send(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"item", "column", "comment", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    const char *column = NULL, *comment = NULL;
    long long item = 0, id = 0;
    cJSON *o;

    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_int(&root, "item", true, 1, 9007199254740992LL, &item, err) != JY_OK ||
        body_column(r, &column, err) != JY_OK ||
        jy_json_get_str_chars(&root, "comment", false, 0, 2000, &comment, err) != JY_OK)
        return JY_ERROR;
    if (jy_submission_send(r->db, r->pool, item, column, comment, &id, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "id", (double) id);
    cJSON_AddNumberToObject(o, "item", (double) item);
    cJSON_AddStringToObject(o, "column", column);
    cJSON_AddStringToObject(o, "state", "pending");
    return jy_api_reply(r, 201, o);
}


/* POST /api/v1/submissions/{id}/adopt {"note"} */
static int
sub_adopt(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"note", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    const char *note = NULL;
    long long id, placement = 0;
    cJSON *o;

    if (jy_api_arg_id(r, 0, "id", &id, err) != JY_OK || jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "note", false, 0, 2000, &note, err) != JY_OK)
        return JY_ERROR;
    if (jy_submission_adopt(r->db, r->pool, id, note, &placement, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "id", (double) id);
    cJSON_AddStringToObject(o, "state", "adopted");
    cJSON_AddNumberToObject(o, "placement_id", (double) placement);
    return jy_api_reply(r, 200, o);
}


/* POST /api/v1/submissions/{id}/decline {"reason"} */
static int
sub_decline(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"reason", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    const char *reason = NULL;
    long long id;
    cJSON *o;

    if (jy_api_arg_id(r, 0, "id", &id, err) != JY_OK || jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "reason", true, 1, 2000, &reason, err) != JY_OK)
        return JY_ERROR;
    if (jy_submission_decline(r->db, r->pool, id, reason, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "id", (double) id);
    cJSON_AddStringToObject(o, "state", "declined");
    cJSON_AddStringToObject(o, "reason", reason);
    return jy_api_reply(r, 200, o);
}


/* ?direction=received|sent (default received) */
static int
query_sent(struct jy_api_req *r, bool *sent, struct jy_err *err)
{
    const char *d = jy_http_param(&r->query, "direction");

    *sent = false;
    if (d == NULL || strcmp(d, "received") == 0)
        return JY_OK;
    if (strcmp(d, "sent") == 0) {
        *sent = true;
        return JY_OK;
    }
    jy_err_set(err, JY_E_INVALID,
               "query parameter \"direction\" must be received or sent, not \"%s\"", d);
    jy_err_field(err, "direction");
    return JY_ERROR;
}


/* GET /api/v1/submissions[?site=&state=&direction=&limit=] */
static int
sub_list(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"site", "state", "direction", "limit", NULL};
    static const char *const states[] = {"pending", "adopted", "declined", NULL};
    const char *state = jy_http_param(&r->query, "state");
    struct jy_submission_row *rows;
    long long limit;
    bool sent;
    cJSON *arr;
    int n, i, k;

    if (jy_api_query_keys(r, known, err) != JY_OK || query_sent(r, &sent, err) != JY_OK ||
        jy_api_query_int(r, "limit", 200, 1, 1000, &limit, err) != JY_OK)
        return JY_ERROR;
    for (k = 0; state && states[k] && strcmp(states[k], state) != 0; k++)
        ;
    if (state && states[k] == NULL) {
        jy_err_set(err, JY_E_INVALID,
                   "query parameter \"state\" must be pending, adopted or declined, not \"%s\"",
                   state);
        jy_err_field(err, "state");
        return JY_ERROR;
    }
    if (jy_submission_list(r->db, r->pool, jy_http_param(&r->query, "site"), sent, state,
                           (int) limit, &rows, &n, err) != JY_OK)
        return JY_ERROR;
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, submission_json(&rows[i]));
    return jy_api_reply_list(r, arr, n);
}


/* GET /api/v1/submissions/stats?site=&direction=&period=&from=&to= */
static int
sub_stats(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"site", "direction", "period", "from", "to", NULL};
    const char *site = jy_http_param(&r->query, "site");
    const char *period = jy_http_param(&r->query, "period");
    struct jy_submission_stat *rows;
    bool sent;
    cJSON *arr, *o;
    int n, i;

    if (jy_api_query_keys(r, known, err) != JY_OK || query_sent(r, &sent, err) != JY_OK)
        return JY_ERROR;
    if (site == NULL || site[0] == '\0') {
        jy_err_set(err, JY_E_INVALID, "query parameter \"site\" is required: whose submissions?");
        jy_err_field(err, "site");
        return JY_ERROR;
    }
    if (period && strcmp(period, "month") != 0 && strcmp(period, "quarter") != 0 &&
        strcmp(period, "year") != 0) {
        jy_err_set(err, JY_E_INVALID,
                   "query parameter \"period\" must be month, quarter or year, not \"%s\"", period);
        jy_err_field(err, "period");
        return JY_ERROR;
    }
    if (jy_submission_stats(r->db, r->pool, site, sent, period ? period : "month",
                            jy_http_param(&r->query, "from"), jy_http_param(&r->query, "to"), &rows,
                            &n, err) != JY_OK)
        return JY_ERROR;
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "period", rows[i].period);
        add_str_or_null(e, "site", rows[i].site);
        add_str_or_null(e, "site_name", rows[i].site_name);
        cJSON_AddNumberToObject(e, "submitted", rows[i].submitted);
        cJSON_AddNumberToObject(e, "adopted", rows[i].adopted);
        cJSON_AddNumberToObject(e, "declined", rows[i].declined);
        cJSON_AddNumberToObject(e, "pending", rows[i].pending);
        if (rows[i].adoption_rate < 0)
            cJSON_AddNullToObject(e, "adoption_rate");
        else
            cJSON_AddNumberToObject(e, "adoption_rate", rows[i].adoption_rate);
        cJSON_AddItemToArray(arr, e);
    }
    o = jy_json_new_object(r->pool);
    cJSON_AddStringToObject(o, "site", site);
    cJSON_AddStringToObject(o, "direction", sent ? "sent" : "received");
    cJSON_AddItemReferenceToObject(o, "items", arr);
    return jy_api_reply(r, 200, o);
}


static const struct jy_api_route routes[] = {
    {"POST", "/api/v1/items/{id}/workflow", wf_act, JY_API_JSON,
     "submit, approve, reject, publish or withdraw a placement"},
    {"POST", "/api/v1/items/{id}/schedule", wf_schedule, JY_API_JSON,
     "schedule publication or withdrawal of a placement"},
    {"GET", "/api/v1/items/{id}/history", wf_history, 0, "workflow events of an item"},
    {"GET", "/api/v1/review/queue", review_queue, 0, "what waits for the user's review"},
    {"GET", "/api/v1/schedule", schedule_list, 0, "scheduled publications and withdrawals"},
    {"GET", "/api/v1/review/chain/{site}", chain_get, 0, "the review chain of a site or column"},
    {"PUT", "/api/v1/review/chain/{site}", chain_put, JY_API_JSON,
     "set the review chain of a site or column"},
    {"GET", "/api/v1/submissions", sub_list, 0, "submissions to columns of higher sites"},
    {"POST", "/api/v1/submissions", sub_send, JY_API_JSON | JY_API_IDEMPOTENT,
     "offer an item to a column of a higher site"},
    {"GET", "/api/v1/submissions/stats", sub_stats, 0, "adoption statistics of a site"},
    {"POST", "/api/v1/submissions/{id}/adopt", sub_adopt, JY_API_JSON, "adopt a submission"},
    {"POST", "/api/v1/submissions/{id}/decline", sub_decline, JY_API_JSON,
     "decline a submission with a reason"},
};


void
jy_api_workflow_routes(struct jy_api_router *rt)
{
    jy_api_add(rt, routes, JY_ARRAY_LEN(routes));
}
