/*
 * item.h - the write side of the unified resource library (统一信息资源库):
 * items with unified metadata (统一元数据), their revisions, and the links
 * between policy interpretations and the documents they interpret.
 *
 * Metadata is declared once, in the database (schema/0030_item_fields.sql,
 * table item_field): for each kind, the fields, their types, which are
 * required, their vocabularies. A trigger enforces it on every write, from
 * any code path; this module runs the same checks first so that a refused
 * write lists every problem at once (res->problems), each naming its field
 * as editors know it: "policy document needs 文号 (doc_no)".
 *
 * Fields are given as a JSON object, field name → value:
 *   text, html, url     a string (html: the body, sanitised on the way in)
 *   enum                a value of the vocabulary or its label: "repealed" or "已废止"
 *   category            a class of the vocabulary, optionally "\sub-class": "综合政务\经济管理"
 *   date                "YYYY-MM-DD"
 *   datetime            "YYYY-MM-DD HH:MM[:SS]" or ISO 8601 with T and an offset;
 *                       without an offset the time is in the site's time zone
 *   int, item           a whole number (item: an item id)
 *   text[], tag[]       an array of strings (tags by name, synonym or merged name)
 *   item[]              an array of item ids (interprets: the policy documents)
 *   json                any JSON value (attachments)
 *   null                no value (update: clear the field)
 * A field the kind does not have, a value of the wrong type, a missing
 * required field: each is one problem; nothing is written while any is left.
 *
 * Bodies (type html) pass the allowlist sanitiser (sanitize.h) on the way
 * in; what it removed is in res->removed, one line per finding, for the
 * editor ("removed <script> element (paragraph 2)").
 *
 * Every operation, reads included, is one transaction of its own (do not
 * call these inside one) and runs as the acting user (jy_db_set_actor):
 * row-level security decides what may be read and written. Errors: JY_E_INVALID (problems,
 * vocabulary, rules), JY_E_NOT_FOUND (an item the actor cannot see), JY_E_FORBIDDEN (may not
 * write), JY_E_CONFLICT (a 文号 already given by the same issuer, an index number already used).
 *
 * Revisions are kept for every save (item_revision): the row's fields by
 * trigger, and its tags, links both ways and files (item_revision.links,
 * schema/0036), so a restore brings back all an editor sees; a change of
 * links alone makes a revision too.
 */
#ifndef JY_CORE_ITEM_H
#define JY_CORE_ITEM_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct jy_db;
struct jy_err;
struct jy_pool;
struct jy_placement_done;
struct jy_placement_target;

#define JY_ITEM_BODY_MAX (2 * 1024 * 1024) /* bytes of a body: the sanitiser's input limit */

/* One problem of one field; a refused write lists them all. */
struct jy_item_problem {
    const char *field; /* "doc_no", "tags", "metadata" */
    const char *msg;   /* policy document needs 文号 (doc_no) */
};

/* What a write did; strings live in the pool of the call. */
struct jy_item_result {
    long long id;
    int revision;                     /* after the write */
    bool changed;                     /* false: the write changed nothing (no new revision) */
    const char *index_no;             /* 索引号 */
    struct jy_item_problem *problems; /* a refused write: every problem found */
    int nproblems;
    const char **removed; /* what the sanitiser took out of the body, one line each */
    int nremoved;
    struct jy_placement_done *placed; /* jy_item_create with places */
    int nplaced;
};

/* A new item. */
struct jy_item_spec {
    const char *site;                         /* SITE that owns the item (site.h) */
    const char *kind;                         /* article, policy, interpretation, ... */
    const struct cJSON *fields;               /* object of field values (see the top) */
    const struct jy_placement_target *places; /* placed in the same transaction (placement.h) */
    int nplaces;
};

/*
 * Create an item: check the fields, sanitise the body, give it an index
 * number by the site's rule when none is given, store it with its tags and
 * links, place it. res (may be NULL) gets the id, the revision (1), the
 * index number, the sanitiser's findings and the placements; on JY_E_INVALID
 * the problems. err holds the first problem (and the count of the others).
 */
int jy_item_create(struct jy_db *db, struct jy_pool *pool, const struct jy_item_spec *spec,
                   struct jy_item_result *res, struct jy_err *err);

/*
 * Change the fields given in fields (the others stay). The kind cannot be
 * changed. Setting validity to 已修改/已废止 needs validity_by (the
 * document that amended or repealed this one); validity_on defaults to
 * today; back to 有效 clears validity_by. note (may be NULL) is kept with
 * the revision the change makes.
 */
int jy_item_update(struct jy_db *db, struct jy_pool *pool, long long id, const struct cJSON *fields,
                   const char *note, struct jy_item_result *res, struct jy_err *err);

/*
 * The item as a JSON object owned by pool: every field (validity also as
 * validity_label), metadata, site, tags, the documents it interprets
 * (interprets) and the interpretations of it (interpretations), the
 * document that amended or repealed it (validity_by_item) and the ones it
 * amended or repealed (changes), its placements. One query.
 */
struct cJSON *jy_item_get(struct jy_db *db, struct jy_pool *pool, long long id, struct jy_err *err);

/* One saved state. */
struct jy_item_revision {
    int rev;
    const char *saved_at; /* 2026-03-01 09:30:00+08 */
    const char *saved_by; /* login; NULL: the system or a user the reader may not see */
    const char *note;     /* restored revision 2 ... */
    const char *changed;  /* fields changed from the revision before, comma-separated */
};

/* The revisions of an item, oldest first. */
int jy_item_revisions(struct jy_db *db, struct jy_pool *pool, long long id,
                      struct jy_item_revision **out, int *n, struct jy_err *err);

/* One line of a paragraph diff. */
struct jy_diff_line {
    char op;          /* ' ' in both, '-' only in the old text, '+' only in the new */
    const char *text; /* the paragraph (HTML of one block) */
};

/* One field that differs between two revisions. */
struct jy_item_change {
    const char *field;  /* title, body, metadata.alt ... */
    const char *label;  /* 标题 */
    const char *before; /* the value as JSON text; NULL: absent */
    const char *after;
    struct jy_diff_line *lines; /* body: the paragraphs, as a diff */
    int nlines;
};

/*
 * What changed from revision rev_a to rev_b of item, field by field in
 * the kind's order; the body as a diff of its paragraphs. *out (in pool)
 * gets *n changes (0: the revisions are equal).
 */
int jy_item_diff(struct jy_db *db, struct jy_pool *pool, long long id, int rev_a, int rev_b,
                 struct jy_item_change **out, int *n, struct jy_err *err);

/*
 * Make revision rev the current state again: the row, tags, links both
 * ways and files, as one new revision noted "restored revision N"
 * (res->changed false when the item already is that revision). The fields
 * are checked by today's rules. What could not come back (items or files
 * deleted since) is listed in res->removed. JY_E_FORBIDDEN, nothing
 * changed, when a link to undo belongs to a site the actor may not write.
 */
int jy_item_restore(struct jy_db *db, struct jy_pool *pool, long long id, int rev,
                    struct jy_item_result *res, struct jy_err *err);

/*
 * Link an interpretation to the policy document it interprets (add), or
 * remove the link. Both pages show it: jy_item_get gives interprets on the
 * interpretation and interpretations on the document.
 */
int jy_item_link(struct jy_db *db, struct jy_pool *pool, long long interpretation,
                 long long document, bool add, struct jy_err *err);

/*
 * Diff of two HTML bodies by paragraph (block elements and line breaks
 * end a paragraph): the longest common subsequence, after the common
 * start and end are taken off. Inputs too big for the table (more than
 * JY_DIFF_MAX_CELLS pairs of paragraphs left) come out as all removed,
 * then all added. *out lives in pool.
 */
#define JY_DIFF_MAX_CELLS (4 * 1024 * 1024)
void jy_diff_paragraphs(struct jy_pool *pool, const char *a, const char *b,
                        struct jy_diff_line **out, int *n);

/*
 * Is s a time as fields and pins take it: YYYY-MM-DD, optionally followed
 * by (" " or "T") HH:MM[:SS[.fraction]] and Z or an offset (+08:00)?
 */
bool jy_item_time_ok(const char *s);

/* A field as declared for a kind (table item_field). */
struct jy_item_field {
    const char *field, *type, *storage, *label;
    const char *vocabulary; /* NULL unless enum or category */
    const char *pattern;    /* NULL: none */
    bool required;
    long max_length;           /* 0: none */
    const char *const *values; /* of the vocabulary, with their labels */
    const char *const *labels;
    int nvalues;
};

/* The declared fields of kind, in order; JY_E_NOT_FOUND for an unknown kind. */
int jy_item_fields(struct jy_db *db, struct jy_pool *pool, const char *kind,
                   struct jy_item_field **out, int *n, struct jy_err *err);

/*
 * 索引号 rules (schema/0031_index_no.sql has the parts): check one, set a
 * site's (rule NULL: remove it, the site inherits), and read the rule in
 * force with an example of the next number (which is not taken).
 */
int jy_item_index_rule_check(const char *rule, struct jy_err *err);
int jy_item_index_rule_set(struct jy_db *db, struct jy_pool *pool, const char *site,
                           const char *rule, struct jy_err *err);
int jy_item_index_rule_get(struct jy_db *db, struct jy_pool *pool, const char *site,
                           const char **rule, bool *own, struct jy_err *err);

#endif /* JY_CORE_ITEM_H */
