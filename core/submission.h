/*
 * submission.h - items offered to a column of a higher site (信息报送) and
 * adopted or declined there (采用), with statistics per site.
 *
 * A county editor sends an item of the county to a column of its city or
 * province (any site above it): a submission row, pending, not a placement
 * yet. The receiving column's reviewers (item.review there) adopt it,
 * which creates the placement in that column, entering that column's
 * review chain as submitted (the item stays one item, edited in one
 * place), or decline it with a reason the sender sees. One pending
 * submission of an item to a column at a time; every step is recorded in
 * the audit log, an adoption also in workflow_event.
 *
 * Errors: JY_E_FORBIDDEN when the actor may not send from the item's site
 * (item.write) or decide at the receiving column (item.review);
 * JY_E_INVALID for a column that is not above the item's site, does not
 * take the item's kind, already shows the item; JY_E_CONFLICT when the
 * submission is decided already or pending twice.
 */
#ifndef JY_CORE_SUBMISSION_H
#define JY_CORE_SUBMISSION_H

#include <stdbool.h>

struct jy_db;
struct jy_err;
struct jy_pool;

/* Send item to column (SITE:PATH of a higher site). *id gets the submission. */
int jy_submission_send(struct jy_db *db, struct jy_pool *pool, long long item, const char *column,
                       const char *comment, long long *id, struct jy_err *err);

/*
 * Adopt submission id: creates the placement (*placement_id, may be NULL)
 * in the receiving column, submitted into its review chain. note is
 * optional.
 */
int jy_submission_adopt(struct jy_db *db, struct jy_pool *pool, long long id, const char *note,
                        long long *placement_id, struct jy_err *err);

/* Decline submission id; reason is required and shown to the sender. */
int jy_submission_decline(struct jy_db *db, struct jy_pool *pool, long long id, const char *reason,
                          struct jy_err *err);

struct jy_submission_row {
    long long id;
    long long item_id;
    const char *title;
    const char *from_site; /* code */
    const char *column;    /* SITE:PATH */
    const char *state;     /* pending, adopted, declined */
    const char *submitted_at;
    const char *submitted_by;
    const char *decided_at;
    const char *reason;
};

/*
 * Submissions the actor may see concerning site (sent by it when sent is
 * true, received otherwise; NULL site: all), newest first, at most limit
 * (1..1000); state NULL for all, or pending/adopted/declined.
 */
int jy_submission_list(struct jy_db *db, struct jy_pool *pool, const char *site, bool sent,
                       const char *state, int limit, struct jy_submission_row **rows, int *n,
                       struct jy_err *err);

struct jy_submission_stat {
    const char *period; /* 2026-03 (month), 2026-Q1 (quarter), 2026 (year) */
    const char *site;   /* the other side: sending site (received) or receiving site (sent) */
    const char *site_name;
    int submitted, adopted, declined, pending;
    double adoption_rate; /* adopted / (adopted + declined); -1 when nothing decided */
};

/*
 * Statistics of site's submissions (received by it, or sent when sent is
 * true) by period ("month", "quarter" or "year", in the site's time zone)
 * and by the site on the other side, between from and to (dates, NULL:
 * open), newest period first. A last row with period "total" and site
 * NULL sums everything.
 */
int jy_submission_stats(struct jy_db *db, struct jy_pool *pool, const char *site, bool sent,
                        const char *period, const char *from, const char *to,
                        struct jy_submission_stat **rows, int *n, struct jy_err *err);

#endif /* JY_CORE_SUBMISSION_H */
