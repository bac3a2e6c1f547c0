/*
 * sqlsplit_test.c - statement splitting of migration scripts.
 */
#include "core/compat.h"
#include "core/sqlsplit.h"
#include "tests/test.h"

/* Split sql and join the statements with '|' (each trimmed of blanks), lines with ','. */
static void
split(const char *sql, char *out, size_t outsz, char *lines, size_t linesz, bool *unterm)
{
    struct jy_sqlsplit s;
    size_t start, len, o = 0, l = 0;
    int line;
    bool u;

    *unterm = false;
    out[0] = lines[0] = '\0';
    jy_sqlsplit_init(&s, sql, strlen(sql));
    while (jy_sqlsplit_next(&s, &start, &len, &line, &u)) {
        while (len && (sql[start + len - 1] == ' ' || sql[start + len - 1] == '\n'))
            len--;
        o += (size_t) snprintf(out + o, outsz - o, "%s%.*s", o ? "|" : "", (int) len, sql + start);
        l += (size_t) snprintf(lines + l, linesz - l, "%s%d", l ? "," : "", line);
        *unterm |= u;
    }
    *unterm |= s.unterminated;
}

#define CHECK_SPLIT(sql, want, want_lines)                             \
    do {                                                               \
        char out_[1024], lines_[256];                                  \
        bool u_;                                                       \
        split((sql), out_, sizeof(out_), lines_, sizeof(lines_), &u_); \
        T_EQ_STR(out_, (want));                                        \
        T_EQ_STR(lines_, (want_lines));                                \
        T_ASSERT(!u_);                                                 \
    } while (0)


static void
test_plain_statements_and_lines(void)
{
    CHECK_SPLIT("SELECT 1;\nSELECT 2;\n\n\nSELECT 3", "SELECT 1|SELECT 2|SELECT 3", "1,2,5");
    CHECK_SPLIT("", "", "");
    CHECK_SPLIT(" ;;\n; -- only comments\n/* here */", "", "");
}


static void
test_quotes_hide_semicolons(void)
{
    CHECK_SPLIT("INSERT INTO t VALUES ('a;b', 'it''s;');SELECT 2",
                "INSERT INTO t VALUES ('a;b', 'it''s;')|SELECT 2", "1,1");
    CHECK_SPLIT("SELECT E'x\\';y';SELECT 1", "SELECT E'x\\';y'|SELECT 1", "1,1");
    CHECK_SPLIT("CREATE TABLE \"a;b\" (x int);", "CREATE TABLE \"a;b\" (x int)", "1");
    /* a backslash in a standard string is an ordinary character */
    CHECK_SPLIT("SELECT 'a\\';SELECT 2", "SELECT 'a\\'|SELECT 2", "1,1");
}


static void
test_comments_hide_semicolons(void)
{
    CHECK_SPLIT("SELECT 1 -- no; split\n+ 1;\nSELECT 2", "SELECT 1 -- no; split\n+ 1|SELECT 2",
                "1,3");
    CHECK_SPLIT("/* a; /* nested; */ still; */ SELECT 1;", "SELECT 1", "1");
}


static void
test_dollar_quoting(void)
{
    CHECK_SPLIT("CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;"
                "SELECT 2",
                "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql|"
                "SELECT 2",
                "1,1");
    CHECK_SPLIT("DO $body$ BEGIN PERFORM '$$;'; END $body$;SELECT 1",
                "DO $body$ BEGIN PERFORM '$$;'; END $body$|SELECT 1", "1,1");
    /* $1 is a parameter, not a quote */
    CHECK_SPLIT("SELECT $1;SELECT 2", "SELECT $1|SELECT 2", "1,1");
}


static void
test_unterminated_is_reported(void)
{
    char out[256], lines[64];
    bool u;

    split("SELECT 'open;\nSELECT 2;", out, sizeof(out), lines, sizeof(lines), &u);
    T_ASSERT(u);
    split("SELECT 1; /* open", out, sizeof(out), lines, sizeof(lines), &u);
    T_ASSERT(u);
    split("DO $$ BEGIN", out, sizeof(out), lines, sizeof(lines), &u);
    T_ASSERT(u);
}


static void
test_lines_count_inside_quotes(void)
{
    CHECK_SPLIT("SELECT 'a\nb\nc';\nSELECT $$x\ny$$;\nSELECT 3",
                "SELECT 'a\nb\nc'|SELECT $$x\ny$$|SELECT 3", "1,4,6");
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_plain_statements_and_lines), T_CASE(test_quotes_hide_semicolons),
        T_CASE(test_comments_hide_semicolons),   T_CASE(test_dollar_quoting),
        T_CASE(test_unterminated_is_reported),   T_CASE(test_lines_count_inside_quotes),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
