/*
 * fuzz_httpparse.c - what the server parses from requests itself
 * (core/httpparse.c, core/api.c): the query string, the Cookie header,
 * multipart bodies, upload file names, and the route table's matching of
 * request paths. The same input goes to each.
 *
 * Invariants beyond "no crash":
 *  - query: success means at most JY_HTTP_MAX_PARAMS pairs, every name
 *    non-empty, names and values valid UTF-8 without control characters;
 *    failure names a field;
 *  - cookie: a value found is valid UTF-8 with no blank, quote or control
 *    character;
 *  - multipart (first line: the boundary, the rest: the body): success
 *    means every part has a name and its data lies inside the body, in
 *    order, without overlap; failure says "multipart" and names "body";
 *  - filename: an accepted name is 1..255 bytes of UTF-8 text with no path
 *    separator and no leading dot;
 *  - routes: the status is 200, 400, 404 or 405; a match hands over one
 *    non-empty UTF-8 argument without control characters per placeholder;
 *  - static names (the console's /admin/NAME): an accepted name is
 *    [a-z0-9_-]+ and one known extension, so it has no "/", no "\\", no
 *    "..", does not start with a dot, and comes with a Content-Type.
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/err.h"
#include "core/httpparse.h"
#include "core/pool.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
check_text(const char *s)
{
    size_t i, n = strlen(s);

    if (!jy_utf8_valid(s, n, NULL))
        abort();
    for (i = 0; i < n; i++)
        if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
            abort();
}


static void
fuzz_query(struct jy_pool *pool, const char *text)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_http_params p;
    int i;

    if (jy_http_parse_query(pool, text, &p, &err) != JY_OK) {
        if (err.code != JY_E_INVALID || err.field[0] == '\0')
            abort();
        return;
    }
    if (p.n < 0 || p.n > JY_HTTP_MAX_PARAMS)
        abort();
    for (i = 0; i < p.n; i++) {
        if (p.v[i].name[0] == '\0')
            abort();
        check_text(p.v[i].name);
        check_text(p.v[i].value);
        if (jy_http_param(&p, p.v[i].name) == NULL)
            abort();
    }
}


static void
fuzz_cookie(struct jy_pool *pool, const char *text)
{
    const char *v = jy_http_cookie(pool, text, "jy_session");

    if (v == NULL)
        return;
    check_text(v);
    if (strchr(v, ' ') || strchr(v, '"'))
        abort();
}


static void
fuzz_multipart(struct jy_pool *pool, const char *data, size_t size)
{
    struct jy_err err = JY_ERR_INIT;
    const char *nl = memchr(data, '\n', size), *boundary, *body, *end = NULL;
    struct jy_http_multipart mp;
    size_t blen;
    int i;

    if (nl == NULL)
        return;
    boundary = jy_http_multipart_boundary(
        pool, jy_pool_printf(pool, "multipart/form-data; boundary=%.*s", (int) (nl - data), data));
    if (boundary == NULL)
        return;
    body = nl + 1;
    blen = size - (size_t) (body - data);
    if (jy_http_parse_multipart(pool, body, blen, boundary, &mp, &err) != JY_OK) {
        if (strncmp(err.msg, "multipart", 9) != 0 && strncmp(err.msg, "too many parts", 14) != 0)
            abort();
        if (strcmp(err.field, "body") != 0)
            abort();
        return;
    }
    for (i = 0; i < mp.n; i++) {
        const struct jy_http_part *p = &mp.v[i];
        if (p->name == NULL || p->data < body || p->data + p->len > body + blen)
            abort();
        if (end && p->data < end)
            abort();
        end = p->data + p->len;
        if (p->filename)
            (void) strlen(p->filename);
    }
}


static void
fuzz_filename(const char *text)
{
    struct jy_err err = JY_ERR_INIT;
    size_t n = strlen(text);

    if (!jy_http_filename_ok(text, &err)) {
        if (strcmp(err.field, "filename") != 0 || !jy_utf8_valid(err.msg, strlen(err.msg), NULL))
            abort();
        return;
    }
    if (n == 0 || n > JY_HTTP_NAME_MAX || text[0] == '.' || strchr(text, '/') || strchr(text, '\\'))
        abort();
    check_text(text);
}


static void
fuzz_route(struct jy_pool *pool, const char *text)
{
    static struct jy_pool *rpool;
    static struct jy_api_router *rt;
    const struct jy_api_route *r;
    const char **args, *allow;
    int nargs, status, i, holes = 0;
    const char *p;

    if (rt == NULL) {
        rpool = jy_pool_create(0);
        rt = jy_api_router_create(rpool);
    }
    r = jy_api_match(rt, pool, "GET", text, &args, &nargs, &status, &allow);
    if (r == NULL) {
        if (status != 400 && status != 404 && status != 405)
            abort();
        if (status == 405 && (allow == NULL || allow[0] == '\0'))
            abort();
        return;
    }
    if (status != 200)
        abort();
    for (p = r->pattern; *p; p++)
        holes += *p == '{';
    if (nargs != holes)
        abort();
    for (i = 0; i < nargs; i++) {
        if (args[i] == NULL || args[i][0] == '\0')
            abort();
        check_text(args[i]);
    }
}


static void
fuzz_static_name(const char *text)
{
    const char *type = (const char *) 1;
    const char *name = jy_http_static_name(text, &type);
    size_t n, base;

    if (name == NULL) {
        if (type != NULL)
            abort();
        return;
    }
    n = strlen(name);
    base = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_");
    if (type == NULL || base == 0 || name[base] != '.' || strchr(name + base + 1, '.') ||
        strchr(name, '/') || strchr(name, '\\') || n > strlen(text) + strlen("index.html"))
        abort();
    if (strcmp(name + base, ".html") != 0 && strcmp(name + base, ".css") != 0 &&
        strcmp(name + base, ".js") != 0 && strcmp(name + base, ".svg") != 0)
        abort();
}


static void
fuzz_file_ref(const char *text)
{
    char sha[65], ext[JY_HTTP_FILE_EXT_MAX + 1];
    size_t n;

    if (!jy_http_file_ref(text, sha, ext)) {
        if (sha[0] || ext[0])
            abort();
        return;
    }
    n = strlen(ext);
    if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64 || n == 0 ||
        n > JY_HTTP_FILE_EXT_MAX || strspn(ext, "0123456789abcdefghijklmnopqrstuvwxyz") != n ||
        strncmp(text, sha, 64) != 0 || text[64] != '.' || strcmp(text + 65, ext) != 0)
        abort();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jy_pool *pool = jy_pool_create(0);
    char *text = jy_pool_strndup(pool, (const char *) data, size);

    fuzz_query(pool, text);
    fuzz_cookie(pool, text);
    fuzz_multipart(pool, (const char *) data, size);
    fuzz_filename(text);
    fuzz_route(pool, text);
    fuzz_static_name(text);
    fuzz_file_ref(text);
    jy_pool_destroy(pool);
    return 0;
}
