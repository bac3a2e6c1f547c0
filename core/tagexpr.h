/*
 * tagexpr.h - tag expressions: which items a column or a topic (专题)
 * aggregates, by their tags.
 *
 *     扶贫 AND NOT 通知
 *     (教育 OR 医疗) AND 2024
 *
 * The grammar (core/tagexpr.c has it in full) has tags, AND, OR, NOT and
 * parentheses; NOT binds tighter than AND, AND tighter than OR. A tag is
 * written as it is named (tags hold no spaces, parentheses or quotes:
 * schema/0004_library.sql tag_name_shape); a synonym or the name of a merged
 * tag works too, because the SQL resolves names with jy_tag_id().
 *
 * An expression is parsed once, then turned into a SQL condition whose tag
 * names are parameters ($n), never text pasted into the SQL:
 *
 *     struct jy_tagexpr *e = jy_tagexpr_parse(pool, text, strlen(text), err);
 *     jy_buf_addf(&sql, "SELECT i.id FROM item i WHERE ");
 *     jy_tagexpr_to_sql(e, "i.id", 1, &sql);          condition with $1, $2 ...
 *     names = jy_tagexpr_tags(e, &n);                  the values of $1 .. $n
 *     jy_db_query(db, pool, sql.buf, n, names, err);
 *
 * Errors name the place, counted in characters from 1 (a Chinese character
 * counts one): tag expression: expected a tag after "AND" at character 7.
 */
#ifndef JY_CORE_TAGEXPR_H
#define JY_CORE_TAGEXPR_H

#include <stdbool.h>
#include <stddef.h>

struct jy_buf;
struct jy_err;
struct jy_pool;
struct jy_tagexpr;

#define JY_TAGEXPR_MAX_BYTES 2000 /* of the text */
#define JY_TAGEXPR_MAX_TAGS  64   /* tag occurrences */
#define JY_TAGEXPR_MAX_DEPTH 32   /* nested parentheses and NOTs */
#define JY_TAGEXPR_TAG_CHARS 32   /* characters of one tag, as tag_name_shape */

/*
 * Parse len bytes of text. Returns the expression, living in pool, or NULL
 * with err set (JY_E_INVALID, field "tag_expr", message naming the
 * character where it went wrong; JY_E_TOO_LARGE past the limits above).
 */
struct jy_tagexpr *jy_tagexpr_parse(struct jy_pool *pool, const char *text, size_t len,
                                    struct jy_err *err);

/*
 * Append to sql a boolean SQL condition true for the items whose id is the
 * SQL expression item_col ("i.id", "p.item_id": trusted text of the
 * caller's query, letters, digits, "_" and "." only) and that match e. The
 * distinct tags of e are the parameters $first_param, $first_param + 1 ...
 * in the order jy_tagexpr_tags() gives them. Returns jy_buf_finish(sql).
 */
int jy_tagexpr_to_sql(const struct jy_tagexpr *e, const char *item_col, int first_param,
                      struct jy_buf *sql);

/* The distinct tag names of e in order of first appearance; *n gets their number. */
const char *const *jy_tagexpr_tags(const struct jy_tagexpr *e, int *n);

/*
 * Append e in its normal form: single spaces, only the parentheses that
 * precedence needs ("(教育 OR 医疗) AND 2024"). Parsing the result gives an
 * expression with the same normal form.
 */
void jy_tagexpr_format(const struct jy_tagexpr *e, struct jy_buf *out);

/* Does an item carrying these tags (exact names) match e? */
bool jy_tagexpr_match(const struct jy_tagexpr *e, const char *const *tags, size_t ntags);

#endif /* JY_CORE_TAGEXPR_H */
