/*
 * tagexpr_test.c - the tag expression parser, its errors, its normal form,
 * its SQL and its evaluator.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/tagexpr.h"
#include "tests/test.h"

static struct jy_pool *pool;


static struct jy_tagexpr *
parse(const char *s, struct jy_err *err)
{
    return jy_tagexpr_parse(pool, s, strlen(s), err);
}


/* The normal form of s, or "ERROR: msg". */
static const char *
norm(const char *s)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_tagexpr *e = parse(s, &err);
    struct jy_buf b = JY_BUF_INIT(pool);

    if (e == NULL)
        return jy_pool_printf(pool, "ERROR: %s", err.msg);
    jy_tagexpr_format(e, &b);
    return b.buf;
}


static bool
matches(const char *expr, const char *const *tags, size_t n)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_tagexpr *e = parse(expr, &err);

    T_ASSERT(e != NULL);
    return jy_tagexpr_match(e, tags, n);
}


static void
test_precedence_and_normal_form(void)
{
    pool = jy_pool_create(0);
    T_EQ_STR(norm("扶贫 AND NOT 通知"), "扶贫 AND NOT 通知");
    T_EQ_STR(norm("(教育 OR 医疗) AND 2024"), "(教育 OR 医疗) AND 2024");
    T_EQ_STR(norm("  a   OR b AND NOT c "), "a OR b AND NOT c");
    T_EQ_STR(norm("((a))"), "a");
    T_EQ_STR(norm("a OR (b OR c)"), "a OR (b OR c)");
    T_EQ_STR(norm("(a OR b) OR c"), "a OR b OR c");
    T_EQ_STR(norm("NOT (a AND b)"), "NOT (a AND b)");
    T_EQ_STR(norm("NOT NOT a"), "NOT NOT a");
    /* the ideographic space of Chinese input methods separates like a blank */
    T_EQ_STR(norm("教育\xE3\x80\x80OR\xE3\x80\x80医疗"), "教育 OR 医疗");
    /* lower-case words are tags (a tag may be called "and") */
    T_EQ_STR(norm("and"), "and");
    jy_pool_destroy(pool);
}


static void
test_errors_name_the_character(void)
{
    pool = jy_pool_create(0);
    T_EQ_STR(norm("扶贫 AND"),
             "ERROR: tag expression: expected a tag after \"AND\" at character 7");
    T_EQ_STR(norm("扶贫 AND )"),
             "ERROR: tag expression: expected a tag after \"AND\" at character 8, not \")\"");
    T_EQ_STR(norm("AND 扶贫"), "ERROR: tag expression: expected a tag at character 1, not \"AND\"");
    T_EQ_STR(norm("(教育 OR 医疗"),
             "ERROR: tag expression: expected \")\" to close \"(\" of character 1 at character 10, "
             "not the end");
    T_EQ_STR(norm("教育 医疗"),
             "ERROR: tag expression: expected AND or OR before \"医疗\" at character 4");
    T_EQ_STR(norm("a)"),
             "ERROR: tag expression: unexpected \")\" at character 2: no \"(\" is open");
    T_EQ_STR(norm("NOT"), "ERROR: tag expression: expected a tag after \"NOT\" at character 4");
    T_EQ_STR(norm("a OR \"b\""),
             "ERROR: tag expression: quotes are not allowed (tags hold none) at character 6");
    T_EQ_STR(norm(""), "ERROR: tag expression is empty");
    T_EQ_STR(norm(" \t "), "ERROR: tag expression is empty");
    T_EQ_STR(norm("()"),
             "ERROR: tag expression: expected a tag after \"(\" at character 2, not \")\"");
    {
        struct jy_err err = JY_ERR_INIT;
        T_ASSERT(parse("a and b", &err) == NULL);
        T_CONTAINS(err.hint, "capitals");
        T_EQ_STR(err.field, "tag_expr");
        T_EQ_INT(err.code, JY_E_INVALID);
        T_ASSERT(jy_tagexpr_parse(pool, "ab\0c", 4, &err) == NULL);
        T_EQ_STR(err.msg, "tag expression: control character at character 3");
        T_ASSERT(jy_tagexpr_parse(pool, "a\xff", 2, &err) == NULL);
        T_CONTAINS(err.msg, "invalid UTF-8 at character 2");
    }
    jy_pool_destroy(pool);
}


static void
test_limits(void)
{
    struct jy_buf b;
    struct jy_err err = JY_ERR_INIT;
    int i;

    pool = jy_pool_create(0);
    jy_buf_init(&b, pool, 0);
    for (i = 0; i < JY_TAGEXPR_MAX_DEPTH + 1; i++)
        jy_buf_add_char(&b, '(');
    jy_buf_add_char(&b, 'a');
    for (i = 0; i < JY_TAGEXPR_MAX_DEPTH + 1; i++)
        jy_buf_add_char(&b, ')');
    T_ASSERT(parse(b.buf, &err) == NULL);
    T_EQ_INT(err.code, JY_E_TOO_LARGE);
    T_CONTAINS(err.msg, "nested");
    /* exactly the limit is fine */
    jy_buf_setlen(&b, 0);
    for (i = 0; i < JY_TAGEXPR_MAX_DEPTH; i++)
        jy_buf_add_char(&b, '(');
    jy_buf_add_char(&b, 'a');
    for (i = 0; i < JY_TAGEXPR_MAX_DEPTH; i++)
        jy_buf_add_char(&b, ')');
    T_ASSERT(parse(b.buf, &err) != NULL);

    jy_buf_setlen(&b, 0);
    for (i = 0; i < JY_TAGEXPR_MAX_TAGS + 1; i++)
        jy_buf_addf(&b, "%st%d", i ? " OR " : "", i);
    T_ASSERT(parse(b.buf, &err) == NULL);
    T_CONTAINS(err.msg, "more than 64 tags");

    /* a long word is quoted cut, so the message keeps its position */
    jy_buf_setlen(&b, 0);
    jy_buf_add_str(&b, "a ");
    for (i = 0; i < 200; i++)
        jy_buf_add_str(&b, "长");
    T_ASSERT(parse(b.buf, &err) == NULL);
    T_CONTAINS(err.msg, "…\" at character 3");
    T_ASSERT(parse("一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三", &err) ==
             NULL);
    T_CONTAINS(err.msg, "longer than 32 characters");
    T_ASSERT(parse("一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二", &err) !=
             NULL);

    jy_buf_setlen(&b, 0);
    for (i = 0; i < JY_TAGEXPR_MAX_BYTES + 1; i++)
        jy_buf_add_char(&b, ' ');
    T_ASSERT(parse(b.buf, &err) == NULL);
    T_EQ_INT(err.code, JY_E_TOO_LARGE);
    jy_pool_destroy(pool);
}


static void
test_sql_has_parameters_only(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_tagexpr *e;
    struct jy_buf sql;
    const char *const *tags;
    int n;

    pool = jy_pool_create(0);
    jy_buf_init(&sql, pool, 0);
    e = parse("(教育 OR 医疗) AND NOT 教育;DROP", &err);
    T_ASSERT(e != NULL);
    T_EQ_INT(jy_tagexpr_to_sql(e, "i.id", 3, &sql), JY_OK);
    tags = jy_tagexpr_tags(e, &n);
    /* distinct tags, in order of first appearance, numbered from $3 */
    T_EQ_INT(n, 3);
    T_EQ_STR(tags[0], "教育");
    T_EQ_STR(tags[1], "医疗");
    T_EQ_STR(tags[2], "教育;DROP");
    T_EQ_STR(sql.buf, "((EXISTS (SELECT 1 FROM item_tag jy_t WHERE jy_t.item_id = i.id AND "
                      "jy_t.tag_id = jy_tag_id($3)) OR EXISTS (SELECT 1 FROM item_tag jy_t WHERE "
                      "jy_t.item_id = i.id AND jy_t.tag_id = jy_tag_id($4))) AND NOT EXISTS "
                      "(SELECT 1 FROM item_tag jy_t WHERE jy_t.item_id = i.id AND jy_t.tag_id = "
                      "jy_tag_id($5)))");
    /* no tag text in the SQL */
    T_ASSERT(strstr(sql.buf, "教育") == NULL);
    T_ASSERT(strstr(sql.buf, "DROP") == NULL);
    jy_pool_destroy(pool);
}


static void
test_match(void)
{
    static const char *const a[] = {"扶贫", "2024"};
    static const char *const b[] = {"扶贫", "通知"};
    static const char *const c[] = {"医疗", "2024"};
    static const char *const d[] = {"教育"};

    pool = jy_pool_create(0);
    T_ASSERT(matches("扶贫 AND NOT 通知", a, 2));
    T_ASSERT(!matches("扶贫 AND NOT 通知", b, 2));
    T_ASSERT(matches("(教育 OR 医疗) AND 2024", c, 2));
    T_ASSERT(!matches("(教育 OR 医疗) AND 2024", d, 1));
    T_ASSERT(matches("教育 OR 医疗 AND 2024", d, 1)); /* AND binds tighter */
    T_ASSERT(matches("NOT 通知", d, 1));
    T_ASSERT(!matches("扶贫", NULL, 0));
    jy_pool_destroy(pool);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_precedence_and_normal_form),
        T_CASE(test_errors_name_the_character),
        T_CASE(test_limits),
        T_CASE(test_sql_has_parameters_only),
        T_CASE(test_match),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
