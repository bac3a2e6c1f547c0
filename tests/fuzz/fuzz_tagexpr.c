/*
 * fuzz_tagexpr.c - the tag expression parser on arbitrary bytes.
 *
 * Invariants beyond "no crash":
 *  - failure: a message starting with "tag expression", err->field
 *    "tag_expr", and the position it names lies within the input;
 *  - success: the normal form parses again to the same normal form and the
 *    same distinct tags; the SQL is ASCII, holds no quote and no tag text
 *    (tags travel as parameters), has balanced parentheses and one $n per
 *    tag occurrence at most; matching agrees between the expression and
 *    its normal form on a few tag sets drawn from its own tags.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/tagexpr.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
check_failure(const struct jy_err *err, const char *text, size_t size)
{
    const char *at;

    if (strncmp(err->msg, "tag expression", 14) != 0 || strcmp(err->field, "tag_expr") != 0)
        abort();
    at = strstr(err->msg, "at character ");
    if (at && jy_utf8_valid(text, size, NULL)) {
        unsigned long n = strtoul(at + 13, NULL, 10);
        if (n < 1 || n > jy_utf8_count(text, size) + 1)
            abort();
    }
}


static void
check_sql(const char *sql, int ntags)
{
    const char *c;
    int depth = 0;

    for (c = sql; *c; c++) {
        if ((unsigned char) *c >= 0x80 || *c == '\'' || *c == '"' || *c == ';')
            abort();
        if (*c == '(')
            depth++;
        if (*c == ')' && --depth < 0)
            abort();
        if (*c == '$') {
            long n = strtol(c + 1, NULL, 10);
            if (n < 1 || n > ntags)
                abort();
        }
    }
    if (depth != 0)
        abort();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    const char *text = (const char *) data;
    struct jy_tagexpr *e, *again;
    struct jy_buf f1, f2, sql;
    const char *const *tags, *const *tags2;
    int n, n2, i, mask;

    e = jy_tagexpr_parse(pool, text, size, &err);
    if (e == NULL) {
        check_failure(&err, text, size);
        goto out;
    }
    jy_buf_init(&f1, pool, 0);
    jy_buf_init(&f2, pool, 0);
    jy_buf_init(&sql, pool, 0);
    jy_tagexpr_format(e, &f1);
    again = jy_tagexpr_parse(pool, f1.buf, f1.len, &err);
    if (again == NULL)
        abort();
    jy_tagexpr_format(again, &f2);
    if (strcmp(f1.buf, f2.buf) != 0)
        abort();
    tags = jy_tagexpr_tags(e, &n);
    tags2 = jy_tagexpr_tags(again, &n2);
    if (n != n2 || n < 1)
        abort();
    for (i = 0; i < n; i++)
        if (strcmp(tags[i], tags2[i]) != 0)
            abort();
    if (jy_tagexpr_to_sql(e, "i.id", 1, &sql) != JY_OK)
        abort();
    check_sql(sql.buf, n);
    /* the item carries a subset of the expression's tags: both forms agree */
    for (mask = 0; mask < 8; mask++) {
        const char *set[3];
        size_t k = 0;
        for (i = 0; i < 3 && i < n; i++)
            if (mask & (1 << i))
                set[k++] = tags[i];
        if (jy_tagexpr_match(e, set, k) != jy_tagexpr_match(again, set, k))
            abort();
    }
out:
    jy_pool_destroy(pool);
    return 0;
}
