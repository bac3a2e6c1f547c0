/*
 * topic.h - the sections of a topic (专题): panels of a column of kind
 * "topic", one per tag expression, each listing the newest items of the
 * site that carry matching tags (docs/themes.md "topic").
 *
 * Where they live: site_column.settings -> 'sections' of the topic column,
 * a JSON array in the order shown:
 *
 *     [{"name": "政策文件", "expr": "乡村振兴 AND 政策", "items": 8},
 *      {"name": "工作动态", "expr": "乡村振兴 AND NOT 政策", "more": "/zwgk/zwdt/"}]
 *
 *  - name: 1 to 40 characters, unique within the topic;
 *  - expr: a tag expression (core/tagexpr.h: tags, AND, OR, NOT,
 *    parentheses), kept in its normal form; every tag must exist when the
 *    sections are set (a name, a synonym or a merged tag's name);
 *  - items: how many items the panel shows, 1 to 50 (default 6);
 *  - more: optional target of the panel's "更多" link, a path of the site
 *    ("/zwgk/zwdt/") or an https:// URL; without it the link goes to the
 *    section's own paginated pages (<topic path>/section<N>.html).
 * At most JY_TOPIC_MAX_SECTIONS sections. Errors name the section by its
 * position and name and, for an expression, the character where it went
 * wrong: section 2 ("工作动态"): tag expression: expected a tag after "AND"
 * at character 7.
 *
 * Which items: those the site itself shows (its own list columns and the
 * columns it reuses, through their filters and hides), so a topic never
 * brings onto a site what its editors and its reuse links did not; each
 * links to its page on the site (docs/themes.md).
 */
#ifndef JY_CORE_TOPIC_H
#define JY_CORE_TOPIC_H

#include <stddef.h>

struct jy_db;
struct jy_err;
struct jy_pool;
struct jy_tagexpr;

#define JY_TOPIC_MAX_SECTIONS 20
#define JY_TOPIC_NAME_CHARS   40
#define JY_TOPIC_MAX_ITEMS    50
#define JY_TOPIC_ITEMS        6 /* default panel length */

struct jy_topic_section {
    const char *name;
    const char *expr;        /* normal form */
    long long items;         /* items shown in the panel */
    const char *more;        /* NULL: the section's own pages */
    struct jy_tagexpr *tags; /* the parsed expression */
};

/*
 * Parse and check a sections array (JSON text as stored or sent). *v (in
 * pool) and *n get the sections. JY_E_INVALID naming the section and field.
 */
int jy_topic_sections_parse(struct jy_pool *pool, const char *json, size_t len,
                            struct jy_topic_section **v, int *n, struct jy_err *err);

/*
 * Check sections built by a caller (the CLI's flags): fills ->tags and
 * puts ->expr in normal form; the same rules and messages as parsing.
 */
int jy_topic_sections_check(struct jy_pool *pool, struct jy_topic_section *v, int n,
                            struct jy_err *err);

/* The sections as compact JSON, the stored form. */
const char *jy_topic_sections_json(struct jy_pool *pool, const struct jy_topic_section *v, int n);

/*
 * The sections of topic column SITE:PATH. JY_E_NOT_FOUND for no such
 * column, JY_E_INVALID when it is not a topic.
 */
int jy_topic_get(struct jy_db *db, struct jy_pool *pool, const char *column,
                 struct jy_topic_section **v, int *n, struct jy_err *err);

/*
 * Replace the sections of topic column SITE:PATH (n == 0 removes them), in
 * one transaction: every tag of every expression must exist, the acting
 * user needs column.manage on the column (row-level security decides).
 * The column's change re-renders its pages (render_change).
 */
int jy_topic_set(struct jy_db *db, struct jy_pool *pool, const char *column,
                 struct jy_topic_section *v, int n, struct jy_err *err);

#endif /* JY_CORE_TOPIC_H */
