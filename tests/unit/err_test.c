/*
 * err_test.c - tests of core/err.c: formatting, prefixes, cutting long
 * messages on character boundaries, errno mapping, HTTP and exit statuses.
 */
#include "core/compat.h"
#include "tests/test.h"
#include "core/err.h"
#include "core/utf8.h"

#include <unistd.h>


static void
test_set_formats_and_clears(void)
{
    struct jy_err e = JY_ERR_INIT;

    T_EQ_INT(e.code, JY_E_NONE);
    T_EQ_STR(e.msg, "");
    jy_err_set(&e, JY_E_INVALID, "first");
    jy_err_detail(&e, "detail %d", 1);
    jy_err_hint(&e, "Do %s.", "this");
    jy_err_field(&e, "sites[0].code");
    T_EQ_STR(e.detail, "detail 1");
    T_EQ_STR(e.hint, "Do this.");
    T_EQ_STR(e.field, "sites[0].code");
    jy_err_set(&e, JY_E_NOT_FOUND, "could not load site \"%s\": %s", "1304000009", "no such site");
    T_EQ_INT(e.code, JY_E_NOT_FOUND);
    T_EQ_STR(e.msg, "could not load site \"1304000009\": no such site");
    /* a new error does not keep the old one's detail, hint or field */
    T_EQ_STR(e.detail, "");
    T_EQ_STR(e.hint, "");
    T_EQ_STR(e.field, "");
    jy_err_clear(&e);
    T_EQ_INT(e.code, JY_E_NONE);
    T_EQ_STR(e.msg, "");
}


static void
test_null_err_is_ignored(void)
{
    /* callers that do not care pass NULL: every setter must accept it */
    jy_err_set(NULL, JY_E_INVALID, "x");
    jy_err_detail(NULL, "x");
    jy_err_hint(NULL, "x");
    jy_err_field(NULL, "x");
    jy_err_errno(NULL, ENOENT, "x");
    jy_err_prefix(NULL, "x");
    jy_err_clear(NULL);
    T_ASSERT(true);
}


static void
test_prefix(void)
{
    struct jy_err e = JY_ERR_INIT;

    jy_err_set(&e, JY_E_INVALID, "field \"code\" must be a string");
    jy_err_prefix(&e, "site \"%s\"", "xx");
    jy_err_prefix(&e, "%s", "sites/demo.json");
    T_EQ_STR(e.msg, "sites/demo.json: site \"xx\": field \"code\" must be a string");
    T_EQ_INT(e.code, JY_E_INVALID); /* the code is kept */
}


static void
test_long_chinese_message_cut_on_boundary(void)
{
    struct jy_err e = JY_ERR_INIT;
    char name[400] = "";
    size_t i;

    /* 3-byte characters: 255 is not a multiple of 3 after the quote */
    for (i = 0; i < 120; i++)
        memcpy(name + i * 3, "政", 3);
    jy_err_set(&e, JY_E_INVALID, "id \"%s\" is invalid", name); /* 4 + 3k bytes: cut inside */
    T_ASSERT(strlen(e.msg) < sizeof(e.msg));
    T_ASSERT(strlen(e.msg) >= sizeof(e.msg) - 4);
    T_ASSERT(jy_utf8_valid(e.msg, strlen(e.msg), NULL));
    jy_err_hint(&e, "%s%s", "x", name);
    T_ASSERT(jy_utf8_valid(e.hint, strlen(e.hint), NULL));
}


static void
test_long_prefix_cut_on_boundary(void)
{
    struct jy_err e = JY_ERR_INIT;
    char ctx[200] = "";
    int k;

    for (k = 0; k < 40; k++)
        memcpy(ctx + k * 3, "网", 3);
    for (k = 0; k < 4; k++) {
        jy_err_set(&e, JY_E_INVALID, "%.*s缺少字段", k, "abc");
        jy_err_prefix(&e, "%s", ctx);
        jy_err_prefix(&e, "%s", ctx);
        T_ASSERT(strlen(e.msg) < sizeof(e.msg));
        T_ASSERT(jy_utf8_valid(e.msg, strlen(e.msg), NULL));
        T_ASSERT(strncmp(e.msg, ctx, strlen(ctx)) == 0); /* the newest context is whole */
    }
}


static void
test_errno_mapping(void)
{
    struct jy_err e = JY_ERR_INIT;

    jy_err_errno(&e, ENOENT, "could not open \"%s\"", "jiyue.conf");
    T_EQ_STR(e.msg, "could not open \"jiyue.conf\"");
    T_EQ_STR(e.detail, strerror(ENOENT));
    T_EQ_INT(e.code, JY_E_NOT_FOUND);
    T_EQ_INT(jy_err_http_status(&e), 404);
    T_EQ_INT(jy_err_exit_status(&e), 1); /* a missing file is the user's to fix */

    jy_err_errno(&e, ENOSPC, "could not write \"%s\"", "index.html");
    T_EQ_INT(e.code, JY_E_IO);
    T_CONTAINS(e.hint, "disk is full");
    T_EQ_INT(jy_err_http_status(&e), 500);

    jy_err_errno(&e, EACCES, "could not write");
    T_EQ_INT(e.code, JY_E_IO);
    T_CONTAINS(e.hint, "permissions");

    jy_err_errno(&e, ECONNREFUSED, "could not connect");
    T_EQ_INT(e.code, JY_E_UNAVAILABLE);
    T_EQ_STR(e.hint, ""); /* no stale hint from the call before */
    T_EQ_INT(jy_err_http_status(&e), 503);
    T_EQ_INT(jy_err_exit_status(&e), 3);

    T_EQ_INT(jy_err_code_from_errno(EEXIST), JY_E_CONFLICT);
    T_EQ_INT(jy_err_code_from_errno(EFBIG), JY_E_TOO_LARGE);
    T_EQ_INT(jy_err_code_from_errno(EINVAL), JY_E_INTERNAL);
}


static void
test_http_and_exit_status(void)
{
    static const struct {
        enum jy_err_code code;
        int http, exit;
    } table[] = {
        {JY_E_NONE, 200, 0},        {JY_E_INVALID, 400, 1},   {JY_E_NOT_FOUND, 404, 1},
        {JY_E_CONFLICT, 409, 1},    {JY_E_FORBIDDEN, 403, 1}, {JY_E_TOO_LARGE, 413, 1},
        {JY_E_UNAVAILABLE, 503, 3}, {JY_E_INTERNAL, 500, 4},  {JY_E_IO, 500, 1},
    };
    struct jy_err e = JY_ERR_INIT;
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(table); i++) {
        e.code = table[i].code;
        T_EQ_INT(jy_err_http_status(&e), table[i].http);
        T_EQ_INT(jy_err_exit_status(&e), table[i].exit);
    }
}


static void
test_print(void)
{
    struct jy_err e = JY_ERR_INIT;
    char out[1024];
    int fds[2], saved;
    ssize_t n;

    jy_err_set(&e, JY_E_UNAVAILABLE, "could not load site \"%s\"", "demo");
    jy_err_detail(&e, "connection refused");
    jy_err_hint(&e, "Start the database.");
    T_ASSERT(pipe(fds) == 0);
    fflush(stderr);
    saved = dup(2);
    dup2(fds[1], 2);
    jy_err_print(&e);
    jy_err_clear(&e);
    jy_err_print(&e);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fds[1]);
    n = read(fds[0], out, sizeof(out) - 1);
    close(fds[0]);
    T_ASSERT(n > 0);
    out[n] = '\0';
    T_EQ_STR(out, "jiyue: could not load site \"demo\"\n"
                  "  detail: connection refused\n"
                  "  hint: Start the database.\n"
                  "jiyue: unspecified error\n");
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_set_formats_and_clears),
        T_CASE(test_null_err_is_ignored),
        T_CASE(test_prefix),
        T_CASE(test_long_chinese_message_cut_on_boundary),
        T_CASE(test_long_prefix_cut_on_boundary),
        T_CASE(test_errno_mapping),
        T_CASE(test_http_and_exit_status),
        T_CASE(test_print),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
