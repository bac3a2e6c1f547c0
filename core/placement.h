/*
 * placement.h - putting items into columns (一次编辑、多处发布): one item,
 * many placements, across sites, each with its own order, pin and state;
 * and hiding a reused item in one reusing column (共享栏目).
 *
 * Rules every operation keeps:
 *  - one call is one transaction: every target is checked first and all
 *    refusals are reported together; one refused target refuses the whole
 *    call and nothing is stored;
 *  - rights are those of the acting user (db.h jy_db_set_actor): placing
 *    needs item.write on the target column (a grant on its site or on the
 *    column's subtree), placing as published item.publish there, hiding a
 *    reused item item.publish on the reusing column. Row-level security
 *    enforces the same rules; the checks here are there to name the column;
 *  - a column is named SITE:PATH, the site (政府网站标识码, domain or id)
 *    and the column's URL path: 5600000001:zwgk/tzgg;
 *  - items go into list and topic columns of open sites that have items of
 *    their own (not into a reusing column: it shows its source's items),
 *    and only when the column accepts the item's kind;
 *  - errors name the column (err->field "columns[i]" for the i-th target).
 *
 * Order within a column, as editors see it (jy_placement_list) and as the
 * renderer lists it: placements pinned until a time still ahead come first,
 * by sort then newest; then the rest in the column's order (item_order:
 * publish_desc by default, ties by item id).
 */
#ifndef JY_CORE_PLACEMENT_H
#define JY_CORE_PLACEMENT_H

#include <stdbool.h>

struct jy_db;
struct jy_err;
struct jy_pool;

/* One target of a placement call. */
struct jy_placement_target {
    const char *column;       /* SITE:PATH (required) */
    int sort;                 /* manual order, when sort_set */
    bool sort_set;            /* false: 0 for a new placement, kept for one that exists */
    const char *pinned_until; /* pin to the top until this time (2026-12-31, "2026-12-31 18:00"); ""
                                 unpins; NULL: unchanged */
    const char *state; /* draft (default for a new placement), submitted, approved, published,
                          withdrawn, archived; NULL: unchanged */
};

/* What happened to one target. */
struct jy_placement_done {
    long long id; /* the placement */
    long long column_id;
    long long site_id;       /* the column's site */
    const char *column;      /* SITE:PATH as given */
    const char *column_name; /* 通知公告 */
    const char *site_name;   /* 云岭省人民政府 */
    const char *state;
    bool created; /* false: the item was there already (order, pin, state updated) */
};

/*
 * Place item in every target column, in one transaction. *done (in pool)
 * gets one entry per target, in the order given. A column named twice is
 * an error. Refused when the item is not visible to the actor
 * (JY_E_NOT_FOUND), a target does not exist (JY_E_NOT_FOUND), is not a
 * column for items (JY_E_INVALID), or the actor may not write or publish
 * there (JY_E_FORBIDDEN, naming every such column).
 */
int jy_placement_place(struct jy_db *db, struct jy_pool *pool, long long item,
                       const struct jy_placement_target *targets, int ntargets,
                       struct jy_placement_done **done, struct jy_err *err);

/* The same inside a transaction the caller has begun (jy_item_create uses it). */
int jy_placement_place_in_tx(struct jy_db *db, struct jy_pool *pool, long long item,
                             const struct jy_placement_target *targets, int ntargets,
                             struct jy_placement_done **done, struct jy_err *err);

/*
 * Hide item in the reusing column SITE:PATH, or show it again: local to
 * that column, every other column reusing the same source still shows it.
 * The column must reuse another one and the item must be among the
 * source's items. Hiding twice or unhiding an item that is not hidden is
 * no error; *changed (may be NULL) says whether anything changed.
 */
int jy_placement_hide(struct jy_db *db, struct jy_pool *pool, const char *column, long long item,
                      bool *changed, struct jy_err *err);
int jy_placement_unhide(struct jy_db *db, struct jy_pool *pool, const char *column, long long item,
                        bool *changed, struct jy_err *err);

/* One line of a column's list as editors see it. */
struct jy_placement_row {
    long long item_id;
    const char *title;
    const char *kind;
    const char *state;
    const char *published_at; /* NULL until published */
    const char *pinned_until; /* NULL: not pinned */
    int sort;
    bool pinned; /* pinned_until lies ahead */
    bool hidden; /* a reusing column: hidden here (shown to editors, not to readers) */
    bool reused; /* the placement belongs to the source column */
};

/*
 * The items of a column in the order above, at most limit (1..1000). A
 * reusing column lists its source's published placements, filtered by its
 * kinds and tag expression (reuse_kinds, reuse_tag_filter), and marks the
 * ones it hides; its own column lists every state the actor may read.
 */
int jy_placement_list(struct jy_db *db, struct jy_pool *pool, const char *column, int limit,
                      struct jy_placement_row **rows, int *n, struct jy_err *err);

/*
 * Find the column SITE:PATH: *column_id and *site_id get its ids. field
 * names the input in errors.
 */
int jy_placement_resolve_column(struct jy_db *db, struct jy_pool *pool, const char *column,
                                const char *field, long long *column_id, long long *site_id,
                                struct jy_err *err);

#endif /* JY_CORE_PLACEMENT_H */
