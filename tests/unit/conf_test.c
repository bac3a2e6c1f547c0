/*
 * conf_test.c - tests of core/conf.c: the file format, its error messages
 * (always "name:line: ..."), the environment, and the precedence
 * default < file < env < flag whatever the order of the calls.
 */
#include "core/compat.h"
#include "tests/test.h"
#include "core/conf.h"
#include "core/err.h"
#include "core/pool.h"

#include <unistd.h>

static struct jy_pool *pool;
static struct jy_conf *conf;
static struct jy_err err;


static void
fresh(void)
{
    jy_pool_destroy(pool);
    pool = jy_pool_create(0);
    conf = jy_conf_create(pool);
    jy_err_clear(&err);
}


/* Parse text under the name "t.conf". */
static int
parse(const char *text)
{
    return jy_conf_parse(conf, "t.conf", text, strlen(text), &err);
}


static void
test_defaults(void)
{
    const struct jy_conf_entry *e;

    fresh();
    T_EQ_STR(jy_conf_get(conf, "db"), "");
    T_EQ_STR(jy_conf_get(conf, "listen"), "127.0.0.1:8080");
    T_EQ_INT(jy_conf_get_int(conf, "workers"), 2);
    e = jy_conf_entry(conf, "log_level");
    T_EQ_STR(e->value, "info");
    T_EQ_INT(e->source, JY_CONF_DEFAULT);
    T_EQ_STR(e->origin, "default");
    T_ASSERT(conf->file == NULL);
    T_ASSERT(jy_conf_describe("workers") != NULL);
    T_ASSERT(jy_conf_describe("nope") == NULL);
}


static void
test_parse_comments_quotes_escapes(void)
{
    const struct jy_conf_entry *e;

    fresh();
    T_EQ_INT(parse("# Jiyue settings\n"
                   "\n"
                   "   # indented comment\n"
                   "workers = 8   # inline comment\n"
                   "listen=0.0.0.0:80\n"
                   "db = \"host=/run/pg password=a#b c\"  # quoted keeps # and spaces\n"
                   "output_dir = \"C:\\\\www \\\"x\\\"\\tend\\n\"\n"
                   "\t pg_data =  var/pg data  \n"
                   "pg_user =\n"),
             JY_OK);
    T_EQ_INT(jy_conf_get_int(conf, "workers"), 8);
    T_EQ_STR(jy_conf_get(conf, "listen"), "0.0.0.0:80");
    T_EQ_STR(jy_conf_get(conf, "db"), "host=/run/pg password=a#b c");
    T_EQ_STR(jy_conf_get(conf, "output_dir"), "C:\\www \"x\"\tend\n");
    T_EQ_STR(jy_conf_get(conf, "pg_data"), "var/pg data");
    T_EQ_STR(jy_conf_get(conf, "pg_user"), "");
    e = jy_conf_entry(conf, "db");
    T_EQ_INT(e->source, JY_CONF_FILE);
    T_EQ_STR(e->origin, "t.conf:6");
}


static void
test_parse_crlf_and_later_line_wins(void)
{
    fresh();
    T_EQ_INT(parse("workers = 3\r\nlog_level = \"debug\"\r\n# c\r\nworkers = 4\r\n"), JY_OK);
    T_EQ_INT(jy_conf_get_int(conf, "workers"), 4);
    T_EQ_STR(jy_conf_get(conf, "log_level"), "debug");
    T_EQ_STR(jy_conf_entry(conf, "workers")->origin, "t.conf:4");
}


static void
test_parse_bom(void)
{
    fresh();
    /* a byte order mark followed by a comment, then by an indented key */
    T_EQ_INT(parse("\xEF\xBB\xBF# saved by Notepad\nworkers = 5\n"), JY_OK);
    T_EQ_INT(jy_conf_get_int(conf, "workers"), 5);
    fresh();
    T_EQ_INT(parse("\xEF\xBB\xBF  workers = 6\n"), JY_OK);
    T_EQ_INT(jy_conf_get_int(conf, "workers"), 6);
    fresh();
    T_EQ_INT(parse("\xEF\xBB\xBF"), JY_OK);
    /* only at the start: elsewhere it is not a name */
    fresh();
    T_EQ_INT(parse("workers = 5\n\xEF\xBB\xBFlisten = x\n"), JY_ERROR);
    T_CONTAINS(err.msg, "t.conf:2: expected a setting name");
}


static void
test_unknown_key_names_file_and_line(void)
{
    fresh();
    T_EQ_INT(parse("workers = 3\n\n# typo below\nwrokers = 4\n"), JY_ERROR);
    T_EQ_STR(err.msg, "t.conf:4: unrecognized setting \"wrokers\"");
    T_CONTAINS(err.hint, "jiyue config");
    T_EQ_INT(err.code, JY_E_INVALID);
}


static void
test_bad_int(void)
{
    fresh();
    T_EQ_INT(parse("workers = 0\n"), JY_ERROR);
    T_EQ_STR(err.msg, "t.conf:1: \"workers\" must be a whole number from 1 to 256, not \"0\"");
    T_EQ_INT(parse("\nworkers = four\n"), JY_ERROR);
    T_CONTAINS(err.msg, "t.conf:2: \"workers\" must be a whole number");
    T_EQ_INT(parse("workers = 99999999999999999999\n"), JY_ERROR);
    T_EQ_INT(parse("workers = 2 5\n"), JY_ERROR);
    T_EQ_INT(jy_conf_get_int(conf, "workers"), 2);
}


static void
test_bad_level(void)
{
    fresh();
    T_EQ_INT(parse("log_level = verbose\n"), JY_ERROR);
    T_EQ_STR(err.msg,
             "t.conf:1: \"log_level\" must be debug, info, warn, error or off, not \"verbose\"");
    T_EQ_INT(parse("log_level = warn\n"), JY_OK);
    T_EQ_STR(jy_conf_get(conf, "log_level"), "warn");
}


static void
test_invalid_utf8_names_line(void)
{
    fresh();
    T_EQ_INT(parse("workers = 3\n# 注释\nlisten = \"\xff\"\n"), JY_ERROR);
    T_CONTAINS(err.msg, "t.conf:3: not valid UTF-8");
    T_CONTAINS(err.hint, "UTF-8");
    fresh();
    T_EQ_INT(parse("listen = \"\xe4\xb8\"\n"), JY_ERROR); /* a cut character */
    T_CONTAINS(err.msg, "t.conf:1:");
}


static void
test_syntax_errors(void)
{
    fresh();
    T_EQ_INT(parse("db = \"not closed\n"), JY_ERROR);
    T_EQ_STR(err.msg, "t.conf:1: quoted value is not closed (missing \")");
    T_EQ_INT(parse("db = \"x\" y\n"), JY_ERROR);
    T_EQ_STR(err.msg, "t.conf:1: unexpected text after the closing quote");
    T_EQ_INT(parse("\n\ndb = \"a\\qb\"\n"), JY_ERROR);
    T_CONTAINS(err.msg, "t.conf:3: unrecognized escape in quoted value");
    T_CONTAINS(err.msg, "found \"\\q\"");
    T_EQ_INT(parse("workers 3\n"), JY_ERROR);
    T_EQ_STR(err.msg, "t.conf:1: expected \"=\" after \"workers\"");
    T_EQ_INT(parse("= 3\n"), JY_ERROR);
    T_CONTAINS(err.msg, "t.conf:1: expected a setting name");
    T_EQ_INT(parse("DB = x\n"), JY_ERROR);
    T_CONTAINS(err.msg, "found \"D\"");
    T_EQ_INT(parse("db = a\"b\n"), JY_ERROR);
    T_CONTAINS(err.msg, "must be quoted");
    T_EQ_INT(jy_conf_parse(conf, "t.conf", "db = a\0b\n", 9, &err), JY_ERROR);
    T_CONTAINS(err.msg, "t.conf: contains a NUL byte");
}


static void
test_value_too_long(void)
{
    static char text[5000];

    fresh();
    memcpy(text, "db = ", 5);
    memset(text + 5, 'x', 4097);
    T_EQ_INT(parse(text), JY_ERROR);
    T_CONTAINS(err.msg, "t.conf:1: value of \"db\" is too long (4097 bytes, at most 4096)");
    text[5 + 4096] = '\0';
    T_EQ_INT(parse(text), JY_OK);
}


static void
test_failing_file_applies_nothing(void)
{
    fresh();
    T_EQ_INT(parse("workers = 5\ndb = host=x\nlog_level = loud\n"), JY_ERROR);
    T_EQ_INT(jy_conf_get_int(conf, "workers"), 2);
    T_EQ_STR(jy_conf_get(conf, "db"), "");
    T_EQ_INT(jy_conf_entry(conf, "workers")->source, JY_CONF_DEFAULT);
    T_EQ_INT(parse(""), JY_OK);
    T_EQ_INT(jy_conf_parse(conf, "empty", NULL, 0, &err), JY_OK);
}


static void
test_env(void)
{
    /* environ holds char *, and string literals are const (-Wwrite-strings) */
    static char e0[] = "PATH=/usr/bin", e1[] = "JIYUE_DB=host=/tmp dbname=jy",
                e2[] = "JIYUE_WORKERS=7", e3[] = "JIYUE_DB=second", e4[] = "JIYUE_UNKNOWN=1",
                e5[] = "XJIYUE_LISTEN=no", b0[] = "JIYUE_WORKERS=many";
    char *envp[] = {e0, e1, e2, e3, e4, e5, NULL};
    char *bad[] = {b0, NULL};
    const struct jy_conf_entry *e;

    fresh();
    T_EQ_INT(jy_conf_load_env(conf, envp, &err), JY_OK);
    e = jy_conf_entry(conf, "db");
    T_EQ_STR(e->value, "host=/tmp dbname=jy"); /* the first one wins, as with getenv() */
    T_EQ_INT(e->source, JY_CONF_ENV);
    T_EQ_STR(e->origin, "JIYUE_DB");
    T_EQ_INT(jy_conf_get_int(conf, "workers"), 7);
    T_EQ_STR(jy_conf_get(conf, "listen"), "127.0.0.1:8080");
    T_EQ_INT(jy_conf_load_env(conf, bad, &err), JY_ERROR);
    T_CONTAINS(err.msg, "JIYUE_WORKERS: \"workers\" must be a whole number");
    T_EQ_INT(jy_conf_load_env(conf, NULL, &err), JY_OK);
}


static void
test_precedence(void)
{
    static char e0[] = "JIYUE_WORKERS=20", e1[] = "JIYUE_LISTEN=:81";
    char *envp[] = {e0, e1, NULL};
    const char *text = "workers = 10\nlisten = :80\nlog_level = warn\n";

    /* the usual order: defaults, file, environment, flags */
    fresh();
    T_EQ_INT(parse(text), JY_OK);
    T_EQ_INT(jy_conf_load_env(conf, envp, &err), JY_OK);
    T_EQ_INT(jy_conf_set(conf, "workers", "30", JY_CONF_FLAG, "--set", &err), JY_OK);
    T_EQ_INT(jy_conf_get_int(conf, "workers"), 30);
    T_EQ_STR(jy_conf_get(conf, "listen"), ":81");
    T_EQ_STR(jy_conf_get(conf, "log_level"), "warn");
    T_EQ_STR(jy_conf_get(conf, "db"), "");

    /* the reverse order gives the same result */
    fresh();
    T_EQ_INT(jy_conf_set(conf, "workers", "30", JY_CONF_FLAG, "--set", &err), JY_OK);
    T_EQ_INT(jy_conf_load_env(conf, envp, &err), JY_OK);
    T_EQ_INT(parse(text), JY_OK);
    T_EQ_INT(jy_conf_get_int(conf, "workers"), 30);
    T_EQ_STR(jy_conf_entry(conf, "workers")->origin, "--set");
    T_EQ_STR(jy_conf_get(conf, "listen"), ":81");
    T_EQ_STR(jy_conf_entry(conf, "listen")->origin, "JIYUE_LISTEN");
    T_EQ_STR(jy_conf_get(conf, "log_level"), "warn");
    /* a later flag still replaces an earlier flag */
    T_EQ_INT(jy_conf_set(conf, "workers", "31", JY_CONF_FLAG, "--workers", &err), JY_OK);
    T_EQ_INT(jy_conf_get_int(conf, "workers"), 31);
}


static void
test_set(void)
{
    fresh();
    T_EQ_INT(jy_conf_set(conf, "nope", "1", JY_CONF_FLAG, "--set", &err), JY_ERROR);
    T_EQ_STR(err.msg, "--set: unrecognized setting \"nope\"");
    T_EQ_INT(jy_conf_set(conf, "workers", "257", JY_CONF_FLAG, "--set", &err), JY_ERROR);
    T_CONTAINS(err.msg, "--set: \"workers\" must be a whole number from 1 to 256");
    T_EQ_INT(jy_conf_set(conf, "listen", "\xc0\xaf", JY_CONF_FLAG, "--set", &err), JY_ERROR);
    T_CONTAINS(err.msg, "not valid UTF-8");
    T_EQ_INT(jy_conf_set(conf, "pg_database", "政务", JY_CONF_FLAG, "--set", &err), JY_OK);
    T_EQ_STR(jy_conf_get(conf, "pg_database"), "政务");
}


static void
test_load_file(void)
{
    const char *dir = jy_test_tmpdir();
    char path[700];
    FILE *f;
    size_t i;

    fresh();
    snprintf(path, sizeof(path), "%s/jiyue.conf", dir);
    f = fopen(path, "w");
    T_ASSERT(f != NULL);
    fputs("# test\nworkers = 12\nlog_level = error\n", f);
    fclose(f);
    T_EQ_INT(jy_conf_load_file(conf, path, &err), JY_OK);
    T_EQ_STR(conf->file, path);
    T_EQ_INT(jy_conf_get_int(conf, "workers"), 12);
    snprintf(path, sizeof(path), "%s/jiyue.conf:2", dir);
    T_EQ_STR(jy_conf_entry(conf, "workers")->origin, path);

    snprintf(path, sizeof(path), "%s/missing.conf", dir);
    T_EQ_INT(jy_conf_load_file(conf, path, &err), JY_ERROR);
    T_CONTAINS(err.msg, "missing.conf\"");
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_EQ_STR(err.detail, strerror(ENOENT));

    snprintf(path, sizeof(path), "%s/big.conf", dir);
    f = fopen(path, "w");
    T_ASSERT(f != NULL);
    for (i = 0; i < 70000; i++)
        fputs("# padding line\n", f); /* 1.05 MB of comments */
    fclose(f);
    T_EQ_INT(jy_conf_load_file(conf, path, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_TOO_LARGE);
    T_CONTAINS(err.msg, "is larger than 1048576 bytes");
    jy_pool_destroy(pool);
    pool = NULL;
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_defaults),
        T_CASE(test_parse_comments_quotes_escapes),
        T_CASE(test_parse_crlf_and_later_line_wins),
        T_CASE(test_parse_bom),
        T_CASE(test_unknown_key_names_file_and_line),
        T_CASE(test_bad_int),
        T_CASE(test_bad_level),
        T_CASE(test_invalid_utf8_names_line),
        T_CASE(test_syntax_errors),
        T_CASE(test_value_too_long),
        T_CASE(test_failing_file_applies_nothing),
        T_CASE(test_env),
        T_CASE(test_precedence),
        T_CASE(test_set),
        T_CASE(test_load_file),
    };
    int rc = jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));

    jy_pool_destroy(pool);
    return rc;
}
