/*
 * tag.h - the platform's tag vocabulary: tags, their synonyms (the words
 * people use for them, colloquial → official), merging two tags into one,
 * and the items a tag expression selects.
 *
 * The vocabulary is platform-wide (every site uses the same tags); under
 * row-level security only platform administrators change it (site.manage
 * on the root), everyone reads it. A word names a tag by its name, by one
 * of its synonyms, or by the name of a tag merged into it (jy_tag_id() in
 * schema/0032_tag_resolve.sql); items and tag expressions accept all three.
 *
 * Names and synonyms are 1 to 32 characters without white space,
 * parentheses or quotes, and not AND, OR or NOT (tag expressions must stay
 * parseable). Errors name the field: name, synonym, from, into, tag_expr.
 */
#ifndef JY_CORE_TAG_H
#define JY_CORE_TAG_H

#include <stdbool.h>

struct jy_db;
struct jy_err;
struct jy_pool;

/* Add a tag; *id (may be NULL) gets its id. A name or synonym in use is JY_E_CONFLICT. */
int jy_tag_add(struct jy_db *db, struct jy_pool *pool, const char *name, const char *description,
               long long *id, struct jy_err *err);

/* Give tag (a word naming it) another word. A word already naming a tag is JY_E_CONFLICT. */
int jy_tag_synonym_add(struct jy_db *db, struct jy_pool *pool, const char *tag, const char *synonym,
                       struct jy_err *err);

/* What a merge did. */
struct jy_tag_merge_result {
    long long from_id, into_id;
    long long items_moved;    /* items that now carry into (and did not before) */
    long long items_already;  /* items that carried both */
    long long synonyms_moved; /* synonyms of from, now of into (from's name counts too) */
};

/*
 * Merge tag from into tag into, in one transaction: from's items carry
 * into instead, from's synonyms and its name become synonyms of into, from
 * is marked merged_into (kept: old links and expressions still resolve),
 * and tags merged into from earlier now point at into.
 */
int jy_tag_merge(struct jy_db *db, struct jy_pool *pool, const char *from, const char *into,
                 struct jy_tag_merge_result *res, struct jy_err *err);

/* The live tag a word names: *id gets its id, *name (may be NULL) its name. */
int jy_tag_resolve(struct jy_db *db, struct jy_pool *pool, const char *word, long long *id,
                   const char **name, struct jy_err *err);

/* One tag of the vocabulary. */
struct jy_tag_info {
    long long id;
    const char *name;
    const char *description;
    const char *synonyms;    /* comma-separated, sorted */
    const char *merged_into; /* name of the tag it was merged into; NULL: live */
    long long items;         /* items carrying it */
};

/* The vocabulary in name order; merged tags only when with_merged. */
int jy_tag_list(struct jy_db *db, struct jy_pool *pool, bool with_merged, struct jy_tag_info **out,
                int *n, struct jy_err *err);

/*
 * Items the tag expression expr selects (tagexpr.h), the newest first, at
 * most limit (1..10000), visible to the actor: *ids (in pool) gets *n ids.
 * site (may be NULL) keeps only items owned by that site.
 */
int jy_tag_items(struct jy_db *db, struct jy_pool *pool, const char *expr, const char *site,
                 int limit, long long **ids, int *n, struct jy_err *err);

#endif /* JY_CORE_TAG_H */
