/*
 * log_test.c - tests of core/log.c: the logfmt fields, escaping, the
 * request id, level filtering without evaluating arguments, long lines.
 * Lines go to a temporary file through jy_log_set_fd().
 */
#include "core/compat.h"
#include "tests/test.h"
#include "core/log.h"
#include "core/utf8.h"

#include <unistd.h>

static FILE *log_file;
static char log_text[16384];


/* Start capturing: empty the file and point the logger at it. */
static void
capture_start(void)
{
    if (log_file == NULL)
        log_file = tmpfile();
    T_ASSERT(log_file != NULL);
    T_ASSERT(ftruncate(fileno(log_file), 0) == 0);
    T_ASSERT(lseek(fileno(log_file), 0, SEEK_SET) == 0);
    jy_log_set_fd(fileno(log_file));
    jy_log_min_level = JY_LOG_DEBUG;
    jy_log_set_request_id(NULL);
}


/* What was logged since capture_start(), as a string. */
static const char *
captured(void)
{
    ssize_t n = pread(fileno(log_file), log_text, sizeof(log_text) - 1, 0);

    T_ASSERT(n >= 0);
    log_text[n] = '\0';
    return log_text;
}


static void
capture_end(void)
{
    jy_log_set_fd(2);
    jy_log_min_level = JY_LOG_INFO;
    jy_log_set_request_id(NULL);
}


/* The value of msg= in a single line. */
static const char *
msg_of(const char *line)
{
    const char *m = strstr(line, " msg=");

    T_ASSERT(m != NULL);
    return m + 5;
}


static bool
is_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}


static void
test_fields(void)
{
    const char *out;

    capture_start();
    jy_log_info("db", "cluster ready on port %d", 5432);
    out = captured();
    capture_end();
    /* ts=2026-11-23T20:49:03.123+08:00 level=info module=db msg="..." */
    T_ASSERT(strncmp(out, "ts=", 3) == 0);
    T_ASSERT(is_digits(out + 3, 4) && out[7] == '-' && is_digits(out + 8, 2) && out[10] == '-');
    T_ASSERT(out[13] == 'T' && out[16] == ':' && out[19] == ':' && out[22] == '.');
    T_ASSERT(is_digits(out + 23, 3));
    T_ASSERT(strncmp(out + 26, "+08:00 ", 7) == 0);
    T_EQ_STR(out + 33, "level=info module=db msg=\"cluster ready on port 5432\"\n");
}


static void
test_request_id(void)
{
    const char *out;

    capture_start();
    jy_log_set_request_id("7f3a1c");
    T_EQ_STR(jy_log_request_id(), "7f3a1c");
    jy_log_warn("http", "slow");
    jy_log_set_request_id(NULL);
    T_EQ_STR(jy_log_request_id(), "");
    jy_log_warn("http", "after");
    out = captured();
    capture_end();
    T_CONTAINS(out, " level=warn module=http req=7f3a1c msg=\"slow\"\n");
    T_CONTAINS(out, " level=warn module=http msg=\"after\"\n");
}


static void
test_request_id_from_client_is_sanitised(void)
{
    const char *out;
    char longid[100];

    capture_start();
    /* a crafted X-Request-Id must not add a field or a line */
    jy_log_set_request_id("a b\"c\nlevel=error");
    T_EQ_STR(jy_log_request_id(), "a_b_c_level_error");
    memset(longid, 'x', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    jy_log_set_request_id(longid);
    T_EQ_INT(strlen(jy_log_request_id()), 39);
    jy_log_info("t", "m");
    out = captured();
    capture_end();
    T_EQ_INT(strchr(out, '\n') - out + 1, strlen(out)); /* one line */
}


static void
test_escaping(void)
{
    const char *out;

    capture_start();
    jy_log_error("t", "say \"hi\" \\ path\nsecond\rline\ttab\x01\x7f 中文 \xff end");
    out = captured();
    capture_end();
    T_EQ_STR(msg_of(out),
             "\"say \\\"hi\\\" \\\\ path\\nsecond\\rline\\ttab\\x01\\x7f 中文 \\xff end\"\n");
    T_ASSERT(jy_utf8_valid(out, strlen(out), NULL));
    T_EQ_INT(strchr(out, '\n') - out + 1, strlen(out));
}


static int counter;

static int
count_call(void)
{
    return ++counter;
}


static void
test_level_filter_skips_arguments(void)
{
    const char *out;
    int level_evals = 0;

    capture_start();
    jy_log_min_level = JY_LOG_WARN;
    counter = 0;
    jy_log_debug("t", "%d", count_call());
    jy_log_info("t", "%d", count_call());
    T_EQ_INT(counter, 0); /* filtered lines evaluate nothing */
    T_EQ_STR(captured(), "");
    jy_log_warn("t", "warned %d", count_call());
    jy_log_error("t", "failed %d", count_call());
    T_EQ_INT(counter, 2);
    /* the level expression itself is evaluated once */
    jy_log((level_evals++, JY_LOG_ERROR), "t", "once");
    T_EQ_INT(level_evals, 1);
    jy_log_min_level = JY_LOG_OFF;
    jy_log_error("t", "%d", count_call());
    T_EQ_INT(counter, 2);
    out = captured();
    capture_end();
    T_CONTAINS(out, "level=warn module=t msg=\"warned 1\"");
    T_CONTAINS(out, "level=error module=t msg=\"failed 2\"");
    T_CONTAINS(out, "msg=\"once\"");
}


static void
test_long_message_cut_on_boundary(void)
{
    static char big[10000];
    const char *out;
    size_t i, len;

    for (i = 0; i + 3 < sizeof(big); i += 3)
        memcpy(big + i, "政", 3);
    big[i] = '\0';
    capture_start();
    jy_log_info("t", "x%s", big); /* the x puts the cut inside a character */
    jy_log_info("t", "%s", "short after");
    out = captured();
    capture_end();
    len = (size_t) (strchr(out, '\n') - out) + 1;
    T_ASSERT(len <= 4096);
    T_ASSERT(len > 4000);
    T_ASSERT(jy_utf8_valid(out, strlen(out), NULL));
    T_ASSERT(memcmp(out + len - 5, "…\"\n", 5) == 0);
    T_CONTAINS(out + len, "msg=\"short after\"\n");
}


static void
test_errno_preserved(void)
{
    capture_start();
    errno = ENOENT;
    jy_log_info("t", "something");
    T_EQ_INT(errno, ENOENT);
    /* a failing write (closed fd) neither fails the caller nor changes errno */
    jy_log_set_fd(-1);
    errno = EACCES;
    jy_log_info("t", "lost");
    T_EQ_INT(errno, EACCES);
    capture_end();
}


static void
test_format_time(void)
{
    char ts[32];

    jy_log_format_time(ts, 0, 0, 480);
    T_EQ_STR(ts, "1970-01-01T08:00:00.000+08:00");
    jy_log_format_time(ts, 1700000000, 123, 480);
    T_EQ_STR(ts, "2023-11-15T06:13:20.123+08:00");
    jy_log_format_time(ts, 1700000000, 5, -300);
    T_EQ_STR(ts, "2023-11-14T17:13:20.005-05:00");
    jy_log_format_time(ts, 1700000000, 0, 0);
    T_EQ_STR(ts, "2023-11-14T22:13:20.000+00:00");
    /* out of range: clamped, never longer than 31 characters */
    jy_log_format_time(ts, 999999999999999LL, 5000, 480);
    T_EQ_STR(ts, "9999-12-31T23:59:59.000+08:00");
    jy_log_format_time(ts, -5, 0, 100000);
    T_EQ_STR(ts, "1970-01-01T00:00:00.000+00:00");
}


static void
test_level_names(void)
{
    T_EQ_INT(jy_log_level_parse("debug"), JY_LOG_DEBUG);
    T_EQ_INT(jy_log_level_parse("info"), JY_LOG_INFO);
    T_EQ_INT(jy_log_level_parse("warn"), JY_LOG_WARN);
    T_EQ_INT(jy_log_level_parse("error"), JY_LOG_ERROR);
    T_EQ_INT(jy_log_level_parse("off"), JY_LOG_OFF);
    T_EQ_INT(jy_log_level_parse("INFO"), -1);
    T_EQ_INT(jy_log_level_parse("verbose"), -1);
    T_EQ_INT(jy_log_level_parse(NULL), -1);
    T_EQ_STR(jy_log_level_name(JY_LOG_WARN), "warn");
    T_EQ_STR(jy_log_level_name((enum jy_log_level) 42), "?");
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_fields),
        T_CASE(test_request_id),
        T_CASE(test_request_id_from_client_is_sanitised),
        T_CASE(test_escaping),
        T_CASE(test_level_filter_skips_arguments),
        T_CASE(test_long_message_cut_on_boundary),
        T_CASE(test_errno_preserved),
        T_CASE(test_format_time),
        T_CASE(test_level_names),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
