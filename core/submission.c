/*
 * submission.c - 信息报送 / 采用: items offered to a higher site's column,
 * adopted or declined there, and their statistics (submission.h).
 *
 * The rules live in the database as well: the trigger jy_submission_check
 * (schema/0060_workflow.sql) keeps submissions upwards, into columns that
 * take the item, not twice; row-level security lets only the item's site
 * send and only the receiving column's reviewers decide; the policy
 * placement_adopt lets a reviewer who holds no item.write create exactly
 * the placement of a pending submission. The checks here come first to
 * name the item, the column and the right that is missing.
 */
#include "core/compat.h"
#include "core/submission.h"
#include "core/db.h"
#include "core/err.h"
#include "core/placement.h"
#include "core/pool.h"
#include "core/site.h"
#include "core/utf8.h"

static const char *
num(struct jy_pool *pool, long long v)
{
    return jy_pool_printf(pool, "%lld", v);
}


/* YYYY-MM-DD */
static bool
date_ok(const char *s)
{
    int i;

    for (i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !(s[i] >= '0' && s[i] <= '9'))
            return false;
    return s[10] == '\0';
}


static int
check_text(const char *s, const char *what, const char *field, struct jy_err *err)
{
    if (s && (strlen(s) > 2000 || !jy_utf8_valid(s, strlen(s), NULL))) {
        jy_err_set(err, JY_E_INVALID, "the %s is longer than 2000 bytes or not valid UTF-8", what);
        jy_err_field(err, field);
        return JY_ERROR;
    }
    return JY_OK;
}


static int
send_run(struct jy_db *db, struct jy_pool *pool, long long item, const char *column,
         const char *comment, long long *id, struct jy_err *err)
{
    long long column_id, site_id;
    const char *p[4], *v;
    struct jy_db_res *r;

    if (check_text(comment, "comment", "comment", err) != JY_OK ||
        jy_placement_resolve_column(db, pool, column, "column", &column_id, &site_id, err) != JY_OK)
        return JY_ERROR;
    p[0] = num(pool, item);
    if ((r = jy_db_query(db, pool,
                         "SELECT NOT row_security_active('submission')"
                         " OR site_id = ANY (jy_perm_sites('item.write', false))"
                         " FROM item WHERE id = $1",
                         1, p, err)) == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "item %lld does not exist", item);
        jy_err_hint(err, "Or it is a draft of a site you may not read.");
        jy_err_field(err, "item");
        return JY_ERROR;
    }
    if (strcmp(jy_db_res_get(r, 0, 0), "t") != 0) {
        jy_err_set(err, JY_E_FORBIDDEN,
                   "you may not send item %lld: that needs item.write on "
                   "its site",
                   item);
        jy_err_field(err, "item");
        return JY_ERROR;
    }
    p[1] = num(pool, site_id);
    p[2] = num(pool, column_id);
    p[3] = comment;
    v = jy_db_query_value(db, pool,
                          "INSERT INTO submission (item_id, site_id, column_id, comment)"
                          " VALUES ($1, $2, $3, NULLIF($4, '')) RETURNING id",
                          4, p, err);
    if (v == NULL) {
        if (err->code == JY_E_CONFLICT) {
            jy_err_set(err, JY_E_CONFLICT,
                       "item %lld waits for a decision in column \"%s\" "
                       "already",
                       item, column);
            jy_err_field(err, "column");
        } else if (err->code != JY_E_NONE) {
            jy_err_prefix(err, "cannot send item %lld to column \"%s\"", item, column);
            jy_err_field(err, "column");
        }
        return JY_ERROR;
    }
    *id = atoll(v);
    return JY_OK;
}


int
jy_submission_send(struct jy_db *db, struct jy_pool *pool, long long item, const char *column,
                   const char *comment, long long *id, struct jy_err *err)
{
    long long local;

    if (id == NULL)
        id = &local;
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if (send_run(db, pool, item, column, comment, id, err) != JY_OK) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    return jy_db_commit(db, err);
}


/* The submission as its decider sees it; refuses what may not be decided. */
static int
load_pending(struct jy_db *db, struct jy_pool *pool, long long id, const char *verb,
             long long *item, long long *site, long long *column, struct jy_err *err)
{
    static const char sql[] =
        "SELECT s.state, s.item_id, s.site_id, s.column_id, x.code || ':' || c.path,"
        " NOT row_security_active('submission') OR jy_can('item.review', s.site_id, s.column_id)"
        " FROM submission s JOIN site x ON x.id = s.site_id JOIN site_column c ON c.id = s.column_id"
        " WHERE s.id = $1";
    const char *p[1] = {num(pool, id)};
    struct jy_db_res *r = jy_db_query(db, pool, sql, 1, p, err);

    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "submission %lld does not exist", id);
        jy_err_hint(err, "Or it was sent to a column you may not review.");
        jy_err_field(err, "id");
        return JY_ERROR;
    }
    if (strcmp(jy_db_res_get(r, 0, 5), "t") != 0) {
        jy_err_set(err, JY_E_FORBIDDEN,
                   "you may not %s submission %lld: that needs item.review "
                   "on column \"%s\"",
                   verb, id, jy_db_res_get(r, 0, 4));
        jy_err_field(err, "id");
        return JY_ERROR;
    }
    if (strcmp(jy_db_res_get(r, 0, 0), "pending") != 0) {
        jy_err_set(err, JY_E_CONFLICT, "cannot %s submission %lld: it is %s already", verb, id,
                   jy_db_res_get(r, 0, 0));
        jy_err_field(err, "id");
        return JY_ERROR;
    }
    *item = atoll(jy_db_res_get(r, 0, 1));
    *site = atoll(jy_db_res_get(r, 0, 2));
    *column = atoll(jy_db_res_get(r, 0, 3));
    return JY_OK;
}


static int
adopt_run(struct jy_db *db, struct jy_pool *pool, long long id, const char *note,
          long long *placement_id, struct jy_err *err)
{
    long long item, site, column;
    const char *p[5], *v;
    struct jy_db_res *r;

    if (check_text(note, "note", "comment", err) != JY_OK ||
        load_pending(db, pool, id, "adopt", &item, &site, &column, err) != JY_OK)
        return JY_ERROR;
    p[0] = "adopt";
    p[1] = note ? note : "";
    if (jy_db_query(
            db, pool,
            "SELECT set_config('jy.wf_action', $1, true), set_config('jy.wf_step', '', true),"
            " set_config('jy.wf_comment', $2, true)",
            2, p, err) == NULL)
        return JY_ERROR;
    p[0] = num(pool, item);
    p[1] = num(pool, column);
    p[2] = num(pool, site);
    v = jy_db_query_value(db, pool,
                          "INSERT INTO placement (item_id, column_id, site_id, state, created_by)"
                          " VALUES ($1, $2, $3, 'submitted', jy_actor()) RETURNING id",
                          3, p, err);
    if (v == NULL) {
        if (err->code != JY_E_NONE)
            jy_err_prefix(err, "cannot adopt submission %lld", id);
        else
            jy_err_set(err, JY_E_INTERNAL, "cannot adopt submission %lld", id);
        return JY_ERROR;
    }
    *placement_id = atoll(v);
    p[0] = num(pool, id);
    p[1] = v;
    p[2] = note;
    if ((r = jy_db_query(db, pool,
                         "UPDATE submission SET state = 'adopted', placement_id = $2,"
                         " reason = NULLIF($3, ''), decided_by = jy_actor(), decided_at = now()"
                         " WHERE id = $1 AND state = 'pending'",
                         3, p, err)) == NULL)
        return JY_ERROR;
    if (jy_db_res_affected(r) != 1) {
        jy_err_set(err, JY_E_CONFLICT, "submission %lld was decided meanwhile", id);
        return JY_ERROR;
    }
    return jy_db_query(db, pool,
                       "SELECT set_config('jy.wf_action', '', true),"
                       " set_config('jy.wf_comment', '', true)",
                       0, NULL, err)
               ? JY_OK
               : JY_ERROR;
}


int
jy_submission_adopt(struct jy_db *db, struct jy_pool *pool, long long id, const char *note,
                    long long *placement_id, struct jy_err *err)
{
    long long local;

    if (placement_id == NULL)
        placement_id = &local;
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if (adopt_run(db, pool, id, note, placement_id, err) != JY_OK) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    return jy_db_commit(db, err);
}


static int
decline_run(struct jy_db *db, struct jy_pool *pool, long long id, const char *reason,
            struct jy_err *err)
{
    long long item, site, column;
    const char *p[2];
    struct jy_db_res *r;

    if (reason == NULL || strspn(reason, " \t\r\n") == strlen(reason)) {
        jy_err_set(err, JY_E_INVALID, "declining submission %lld needs a reason for its sender",
                   id);
        jy_err_field(err, "reason");
        return JY_ERROR;
    }
    if (check_text(reason, "reason", "reason", err) != JY_OK ||
        load_pending(db, pool, id, "decline", &item, &site, &column, err) != JY_OK)
        return JY_ERROR;
    p[0] = num(pool, id);
    p[1] = reason;
    if ((r = jy_db_query(db, pool,
                         "UPDATE submission SET state = 'declined', reason = $2,"
                         " decided_by = jy_actor(), decided_at = now()"
                         " WHERE id = $1 AND state = 'pending'",
                         2, p, err)) == NULL)
        return JY_ERROR;
    if (jy_db_res_affected(r) != 1) {
        jy_err_set(err, JY_E_CONFLICT, "submission %lld was decided meanwhile", id);
        return JY_ERROR;
    }
    return JY_OK;
}


int
jy_submission_decline(struct jy_db *db, struct jy_pool *pool, long long id, const char *reason,
                      struct jy_err *err)
{
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if (decline_run(db, pool, id, reason, err) != JY_OK) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    return jy_db_commit(db, err);
}


static int
list_run(struct jy_db *db, struct jy_pool *pool, const char *site, bool sent, const char *state,
         int limit, struct jy_submission_row **rows, int *n, struct jy_err *err)
{
    static const char sql[] =
        "SELECT s.id, s.item_id, i.title, f.code, x.code || ':' || c.path, s.state,"
        " to_char(s.submitted_at AT TIME ZONE x.time_zone, 'YYYY-MM-DD HH24:MI'),"
        " coalesce(s.submitted_login, 'system'),"
        " to_char(s.decided_at AT TIME ZONE x.time_zone, 'YYYY-MM-DD HH24:MI'), s.reason"
        " FROM submission s JOIN site f ON f.id = s.from_site_id JOIN site x ON x.id = s.site_id"
        " JOIN site_column c ON c.id = s.column_id LEFT JOIN item i ON i.id = s.item_id"
        " WHERE ($1::bigint IS NULL OR (CASE WHEN $2::boolean THEN s.from_site_id"
        "        ELSE s.site_id END) = $1)"
        "   AND ($3::text IS NULL OR s.state = $3)"
        " ORDER BY s.submitted_at DESC, s.id DESC LIMIT $4::integer";
    const char *p[4];
    struct jy_db_res *r;
    long long sid;
    int i;

    if (limit < 1 || limit > 1000) {
        jy_err_set(err, JY_E_INVALID, "limit %d is not between 1 and 1000", limit);
        jy_err_field(err, "limit");
        return JY_ERROR;
    }
    if (state && strcmp(state, "pending") != 0 && strcmp(state, "adopted") != 0 &&
        strcmp(state, "declined") != 0) {
        jy_err_set(err, JY_E_INVALID, "state \"%s\" is not pending, adopted or declined", state);
        jy_err_field(err, "state");
        return JY_ERROR;
    }
    p[0] = NULL;
    if (site) {
        if (jy_site_resolve(db, pool, site, "site", &sid, err) != JY_OK)
            return JY_ERROR;
        p[0] = num(pool, sid);
    }
    p[1] = sent ? "t" : "f";
    p[2] = state;
    p[3] = num(pool, limit);
    if ((r = jy_db_query(db, pool, sql, 4, p, err)) == NULL)
        return JY_ERROR;
    *n = jy_db_res_rows(r);
    *rows = jy_pool_new_array(pool, struct jy_submission_row, (size_t) *n + 1);
    for (i = 0; i < *n; i++) {
        struct jy_submission_row *w = &(*rows)[i];
        w->id = atoll(jy_db_res_get(r, i, 0));
        w->item_id = atoll(jy_db_res_get(r, i, 1));
        w->title = jy_db_res_get(r, i, 2);
        w->from_site = jy_db_res_get(r, i, 3);
        w->column = jy_db_res_get(r, i, 4);
        w->state = jy_db_res_get(r, i, 5);
        w->submitted_at = jy_db_res_get(r, i, 6);
        w->submitted_by = jy_db_res_get(r, i, 7);
        w->decided_at = jy_db_res_get(r, i, 8);
        w->reason = jy_db_res_get(r, i, 9);
    }
    return JY_OK;
}


int
jy_submission_list(struct jy_db *db, struct jy_pool *pool, const char *site, bool sent,
                   const char *state, int limit, struct jy_submission_row **rows, int *n,
                   struct jy_err *err)
{
    int rc;

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = list_run(db, pool, site, sent, state, limit, rows, n, err);
    jy_db_rollback(db);
    return rc;
}


static int
stats_run(struct jy_db *db, struct jy_pool *pool, const char *site, bool sent, const char *period,
          const char *from, const char *to, struct jy_submission_stat **rows, int *n,
          struct jy_err *err)
{
    static const char sql[] =
        "WITH x AS (SELECT s.*, to_char(s.submitted_at AT TIME ZONE me.time_zone, $3) AS period"
        "  FROM submission s JOIN site me ON me.id = $1"
        "  WHERE (CASE WHEN $2::boolean THEN s.from_site_id ELSE s.site_id END) = $1"
        "    AND ($4::text IS NULL OR s.submitted_at >= jy_site_time($4, $1))"
        "    AND ($5::text IS NULL OR s.submitted_at < jy_site_time(($5::date + 1)::text, $1)))"
        " SELECT coalesce(x.period, 'total'), o.code, o.name, count(*),"
        "  count(*) FILTER (WHERE x.state = 'adopted'), count(*) FILTER (WHERE x.state = 'declined'),"
        "  count(*) FILTER (WHERE x.state = 'pending')"
        " FROM x JOIN site o ON o.id = CASE WHEN $2::boolean THEN x.site_id ELSE x.from_site_id END"
        " GROUP BY GROUPING SETS ((x.period, o.code, o.name), ())"
        " ORDER BY x.period DESC NULLS LAST, o.code";
    const char *p[5], *fmt;
    struct jy_db_res *r;
    long long sid;
    int i;

    if (period == NULL || strcmp(period, "month") == 0)
        fmt = "YYYY-MM";
    else if (strcmp(period, "quarter") == 0)
        fmt = "YYYY-\"Q\"Q";
    else if (strcmp(period, "year") == 0)
        fmt = "YYYY";
    else {
        jy_err_set(err, JY_E_INVALID, "period \"%s\" is not month, quarter or year", period);
        jy_err_field(err, "period");
        return JY_ERROR;
    }
    if ((from && !date_ok(from)) || (to && !date_ok(to))) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" is not a date (YYYY-MM-DD)",
                   from && !date_ok(from) ? from : to);
        jy_err_field(err, from && !date_ok(from) ? "from" : "to");
        return JY_ERROR;
    }
    if (jy_site_resolve(db, pool, site, "site", &sid, err) != JY_OK)
        return JY_ERROR;
    p[0] = num(pool, sid);
    p[1] = sent ? "t" : "f";
    p[2] = fmt;
    p[3] = from;
    p[4] = to;
    if ((r = jy_db_query(db, pool, sql, 5, p, err)) == NULL)
        return JY_ERROR;
    *n = jy_db_res_rows(r);
    *rows = jy_pool_new_array(pool, struct jy_submission_stat, (size_t) *n + 1);
    for (i = 0; i < *n; i++) {
        struct jy_submission_stat *w = &(*rows)[i];
        w->period = jy_db_res_get(r, i, 0);
        w->site = jy_db_res_get(r, i, 1);
        w->site_name = jy_db_res_get(r, i, 2);
        w->submitted = atoi(jy_db_res_get(r, i, 3));
        w->adopted = atoi(jy_db_res_get(r, i, 4));
        w->declined = atoi(jy_db_res_get(r, i, 5));
        w->pending = atoi(jy_db_res_get(r, i, 6));
        w->adoption_rate = w->adopted + w->declined
                               ? (double) w->adopted / (double) (w->adopted + w->declined)
                               : -1;
    }
    return JY_OK;
}


int
jy_submission_stats(struct jy_db *db, struct jy_pool *pool, const char *site, bool sent,
                    const char *period, const char *from, const char *to,
                    struct jy_submission_stat **rows, int *n, struct jy_err *err)
{
    int rc;

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    rc = stats_run(db, pool, site, sent, period, from, to, rows, n, err);
    jy_db_rollback(db);
    return rc;
}
