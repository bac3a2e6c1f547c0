/*
 * httpparse_test.c - query strings, cookies, multipart bodies, upload
 * names (core/httpparse.c) and route matching (core/api.c).
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/err.h"
#include "core/httpparse.h"
#include "core/pool.h"
#include "tests/test.h"

static struct jy_pool *pool;


static void
setup(void)
{
    if (pool == NULL)
        pool = jy_pool_create(0);
}


static void
test_query(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_http_params p;

    setup();
    T_EQ_INT(jy_http_parse_query(pool, "q=%E6%89%B6%E8%B4%AB+x&page=2&&flag&empty=", &p, &err),
             JY_OK);
    T_EQ_INT(p.n, 4);
    T_EQ_STR(jy_http_param(&p, "q"), "扶贫 x");
    T_EQ_STR(jy_http_param(&p, "page"), "2");
    T_EQ_STR(jy_http_param(&p, "flag"), "");
    T_EQ_STR(jy_http_param(&p, "empty"), "");
    T_ASSERT(jy_http_param(&p, "nothing") == NULL);
    T_EQ_INT(jy_http_parse_query(pool, NULL, &p, &err), JY_OK);
    T_EQ_INT(p.n, 0);
}


static void
test_query_refused(void)
{
    static const char *const bad[] = {"a=%zz", "a=%4", "a=%00", "a=%FF%FE", "=1", "a=%0A"};
    struct jy_err err = JY_ERR_INIT;
    struct jy_http_params p;
    struct jy_buf many = JY_BUF_INIT(NULL);
    size_t i;

    setup();
    for (i = 0; i < JY_ARRAY_LEN(bad); i++) {
        jy_err_clear(&err);
        T_EQ_INT(jy_http_parse_query(pool, bad[i], &p, &err), JY_ERROR);
        T_EQ_INT(err.code, JY_E_INVALID);
        T_ASSERT(err.field[0] != '\0');
    }
    many.pool = pool;
    for (i = 0; i < JY_HTTP_MAX_PARAMS + 1; i++)
        jy_buf_addf(&many, "p%zu=1&", i);
    T_EQ_INT(jy_http_parse_query(pool, many.buf, &p, &err), JY_ERROR);
    T_CONTAINS(err.msg, "too many query parameters");
}


static void
test_cookie(void)
{
    setup();
    T_EQ_STR(jy_http_cookie(pool, "a=1; jy_session=abc_DEF-1; b=2", "jy_session"), "abc_DEF-1");
    T_EQ_STR(jy_http_cookie(pool, "jy_session=\"quoted\"", "jy_session"), "quoted");
    T_ASSERT(jy_http_cookie(pool, "xjy_session=1", "jy_session") == NULL);
    T_ASSERT(jy_http_cookie(pool, "jy_session=a b", "jy_session") == NULL);
    T_ASSERT(jy_http_cookie(pool, NULL, "jy_session") == NULL);
}


static void
test_multipart(void)
{
    static const char body[] = "preamble\r\n--B1\r\n"
                               "Content-Disposition: form-data; name=\"site\"\r\n\r\n"
                               "5601210001\r\n--B1\r\n"
                               "content-disposition: form-data; name=\"file\"; filename=\"a.pdf\";"
                               " filename*=UTF-8''%E9%80%9A%E7%9F%A5.pdf\r\n"
                               "Content-Type: application/pdf\r\n\r\n"
                               "%PDF\r\n--B1x\r\n--B1--\r\nepilogue";
    struct jy_err err = JY_ERR_INIT;
    struct jy_http_multipart mp;

    setup();
    T_EQ_STR(jy_http_multipart_boundary(pool, "multipart/form-data; boundary=B1"), "B1");
    T_EQ_STR(jy_http_multipart_boundary(pool, "Multipart/Form-Data; charset=x; boundary=\"a b\""),
             "a b");
    T_ASSERT(jy_http_multipart_boundary(pool, "application/json") == NULL);
    T_ASSERT(jy_http_multipart_boundary(pool, "multipart/form-data") == NULL);
    T_EQ_INT(jy_http_parse_multipart(pool, body, sizeof(body) - 1, "B1", &mp, &err), JY_OK);
    T_EQ_INT(mp.n, 2);
    T_EQ_STR(mp.v[0].name, "site");
    T_ASSERT(mp.v[0].filename == NULL);
    T_EQ_INT(mp.v[0].len, 10);
    T_EQ_STR(mp.v[1].name, "file");
    T_EQ_STR(mp.v[1].filename, "通知.pdf"); /* filename*= wins */
    T_EQ_STR(mp.v[1].content_type, "application/pdf");
    /* the data keeps a line that only looks like a boundary */
    T_EQ_INT(mp.v[1].len, strlen("%PDF\r\n--B1x"));
}


static void
test_multipart_refused(void)
{
    static const char *const bad[] = {
        "no boundary here",
        "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nnever closed",
        "--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--",
        "--B\r\nContent-Disposition: form-data; name=\"a\"",
        "--Bxx",
    };
    struct jy_err err = JY_ERR_INIT;
    struct jy_http_multipart mp;
    size_t i;

    setup();
    for (i = 0; i < JY_ARRAY_LEN(bad); i++) {
        jy_err_clear(&err);
        T_EQ_INT(jy_http_parse_multipart(pool, bad[i], strlen(bad[i]), "B", &mp, &err), JY_ERROR);
        T_CONTAINS(err.msg, "multipart body is malformed");
        T_EQ_STR(err.field, "body");
    }
}


static void
test_filename(void)
{
    static const char *const bad[] = {"",   "../etc/passwd", "a/b.pdf", "..\\win.ini", ".htaccess",
                                      "..", "a\nb.pdf",      "\xff.pdf"};
    struct jy_err err = JY_ERR_INIT;
    char longname[300];
    size_t i;

    T_ASSERT(jy_http_filename_ok("通知 (2024).pdf", &err));
    T_ASSERT(jy_http_filename_ok("report.v2.docx", &err));
    for (i = 0; i < JY_ARRAY_LEN(bad); i++) {
        jy_err_clear(&err);
        T_ASSERT(!jy_http_filename_ok(bad[i], &err));
        T_EQ_STR(err.field, "filename");
    }
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    T_ASSERT(!jy_http_filename_ok(longname, &err));
    T_CONTAINS(err.msg, "longer than 255 bytes");
}


static void
test_route_match(void)
{
    struct jy_api_router *rt;
    const struct jy_api_route *r;
    const char **args, *allow;
    int nargs, status;

    setup();
    rt = jy_api_router_create(pool);
    T_ASSERT(jy_api_route_count(rt) > 20);
    r = jy_api_match(rt, pool, "GET", "/api/v1/items/42/diff", &args, &nargs, &status, &allow);
    T_ASSERT(r != NULL);
    T_EQ_STR(r->pattern, "/api/v1/items/{id}/diff");
    T_EQ_INT(nargs, 1);
    T_EQ_STR(args[0], "42");
    r = jy_api_match(rt, pool, "PUT", "/api/v1/columns/5601210001%3Anews/hidden/7", &args, &nargs,
                     &status, &allow);
    T_ASSERT(r != NULL);
    T_EQ_STR(args[0], "5601210001:news");
    T_EQ_STR(args[1], "7");
    /* a placeholder is one segment; %2F in it is a slash of the value (column paths) */
    r = jy_api_match(rt, pool, "GET", "/api/v1/columns/5601210001%3Azwgk%2Ftzgg/items", &args,
                     &nargs, &status, &allow);
    T_ASSERT(r != NULL);
    T_EQ_STR(args[0], "5601210001:zwgk/tzgg");
    T_ASSERT(jy_api_match(rt, pool, "GET", "/api/v1/sites/a%00b", &args, &nargs, &status, &allow) ==
             NULL);
    T_EQ_INT(status, 400);
    T_ASSERT(jy_api_match(rt, pool, "GET", "/api/v1/items/1/2/3", &args, &nargs, &status, &allow) ==
             NULL);
    T_EQ_INT(status, 404);
    T_ASSERT(jy_api_match(rt, pool, "DELETE", "/api/v1/items", &args, &nargs, &status, &allow) ==
             NULL);
    T_EQ_INT(status, 405);
    T_EQ_STR(allow, "GET, POST");
    T_ASSERT(jy_api_match(rt, pool, "GET", "/api/v1/items/", &args, &nargs, &status, &allow) !=
             NULL); /* a trailing slash is the collection */
}


/* The console's file names: plain names with a known extension, nothing else. */
static void
test_static_name(void)
{
    static const char *const refused[] = {"/../core/db.c", "/..%2Fcore",  "//etc/passwd.css",
                                          "/sub/app.js",   "/Index.HTML", "/.hidden.js",
                                          "/x.exe",        "/app.js.map", "/app.JS",
                                          "/a b.js",       "/.js",        "/app"};
    const char *type;
    size_t i;

    T_EQ_STR(jy_http_static_name("", &type), "index.html");
    T_CONTAINS(type, "text/html");
    T_EQ_STR(jy_http_static_name("/", &type), "index.html");
    T_EQ_STR(jy_http_static_name("/editor.js", &type), "editor.js");
    T_EQ_STR(type, "text/javascript; charset=utf-8");
    T_EQ_STR(jy_http_static_name("/app.css", &type), "app.css");
    T_CONTAINS(type, "text/css");
    T_EQ_STR(jy_http_static_name("/logo_2-x.svg", &type), "logo_2-x.svg");
    T_EQ_STR(type, "image/svg+xml");
    for (i = 0; i < JY_ARRAY_LEN(refused); i++) {
        type = "x";
        T_ASSERT(jy_http_static_name(refused[i], &type) == NULL);
        T_ASSERT(type == NULL);
    }
}


/* /files/<sha256>.<ext>: exactly that, nothing a path could hide in */
static void
test_file_ref(void)
{
    static const char *const refused[] = {
        "",
        ".png",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.",
        "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08.png",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0.png",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a088.png",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.PNG",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.png/",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.tar.gz",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.abcdefghi",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.p%6eg",
        "../9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.png",
        "/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.png",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g.png",
    };
    char sha[65], ext[JY_HTTP_FILE_EXT_MAX + 1];
    size_t i;

    T_ASSERT(jy_http_file_ref(
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.png", sha, ext));
    T_EQ_STR(sha, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    T_EQ_STR(ext, "png");
    T_ASSERT(jy_http_file_ref(
        "0000000000000000000000000000000000000000000000000000000000000000.abcdefgh", sha, ext));
    T_EQ_STR(ext, "abcdefgh");
    for (i = 0; i < JY_ARRAY_LEN(refused); i++) {
        T_ASSERT(!jy_http_file_ref(refused[i], sha, ext));
        T_EQ_STR(sha, "");
        T_EQ_STR(ext, "");
    }
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_query),       T_CASE(test_query_refused),     T_CASE(test_cookie),
        T_CASE(test_multipart),   T_CASE(test_multipart_refused), T_CASE(test_filename),
        T_CASE(test_route_match), T_CASE(test_static_name),       T_CASE(test_file_ref),
    };
    int rc = jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));

    jy_pool_destroy(pool);
    return rc;
}
