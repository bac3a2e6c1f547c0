/*
 * httpparse.h - the parts of an HTTP request that Jiyue reads itself,
 * apart from libevent's own request line and header parser: the query
 * string, the Cookie header, multipart/form-data bodies (uploads), and the
 * file names uploads carry. No I/O here, so each parser has a fuzz target
 * (tests/fuzz/fuzz_httpparse.c).
 *
 * Grammars accepted:
 *
 *   query     = [ pair *( "&" pair ) ]            (";" is not a separator)
 *   pair      = name [ "=" value ]                 empty pairs ("a=1&&b") are skipped
 *   name, value: percent-encoded bytes, "+" is a space; after decoding they
 *   must be valid UTF-8 without control characters, and a "%" not followed
 *   by two hex digits is an error (not passed through).
 *
 *   cookie    = pair *( ";" OWS pair )             RFC 6265 section 4.2.1
 *   pair      = name "=" value                     a value may be in double quotes
 *
 *   multipart (RFC 7578): the body starts with "--" boundary CRLF; every part
 *   has headers (Content-Disposition: form-data; name="x"; filename="y",
 *   optional Content-Type), a blank line, its bytes, then CRLF "--"
 *   boundary, and the last boundary is followed by "--". A preamble before
 *   the first boundary and an epilogue after the last are ignored.
 *   filename*= (RFC 5987) is read when it is UTF-8''percent-encoded.
 *
 * Limits: at most JY_HTTP_MAX_PARAMS query pairs and JY_HTTP_MAX_PARTS parts;
 * more is an error (JY_E_INVALID), not a silent cut. Results point into the
 * pool; part data points into the body passed (no copy).
 */
#ifndef JY_CORE_HTTPPARSE_H
#define JY_CORE_HTTPPARSE_H

#include <stdbool.h>
#include <stddef.h>

struct jy_err;
struct jy_pool;

#define JY_HTTP_MAX_PARAMS 64
#define JY_HTTP_MAX_PARTS  16
#define JY_HTTP_NAME_MAX   255 /* bytes of an upload's file name */

struct jy_http_param {
    const char *name;
    const char *value; /* "" when the pair had no "=" */
};

struct jy_http_params {
    struct jy_http_param *v;
    int n;
};

/*
 * Parse a query string (without the "?"; NULL or "" is empty). JY_OK, or
 * JY_ERROR with err (JY_E_INVALID, field "query") naming the parameter.
 */
int jy_http_parse_query(struct jy_pool *pool, const char *query, struct jy_http_params *out,
                        struct jy_err *err);

/* Value of the first parameter called name, NULL when absent. */
const char *jy_http_param(const struct jy_http_params *p, const char *name);

/*
 * Value of the cookie name in a Cookie header (NULL: none), copied into
 * pool; NULL when absent or malformed.
 */
const char *jy_http_cookie(struct jy_pool *pool, const char *header, const char *name);

struct jy_http_part {
    const char *name;         /* form field name */
    const char *filename;     /* NULL when the part is not a file */
    const char *content_type; /* NULL when not given */
    const char *data;         /* points into the body */
    size_t len;
};

struct jy_http_multipart {
    struct jy_http_part *v;
    int n;
};

/*
 * The boundary of a Content-Type "multipart/form-data; boundary=..."
 * (1..70 characters, RFC 2046), copied into pool; NULL when the type is
 * another or the boundary is missing or malformed.
 */
const char *jy_http_multipart_boundary(struct jy_pool *pool, const char *content_type);

/* Split body into parts. JY_ERROR with err (JY_E_INVALID, field "body") saying what is wrong. */
int jy_http_parse_multipart(struct jy_pool *pool, const char *body, size_t len,
                            const char *boundary, struct jy_http_multipart *out,
                            struct jy_err *err);

/*
 * Is name acceptable as the name of an uploaded file? It is kept as the
 * file's display name and used in download links, never as a path, but we
 * refuse what would be dangerous if someone did: empty, longer than
 * JY_HTTP_NAME_MAX bytes, not UTF-8, control characters, "/" or "\", ".."
 * or "." alone, a leading dot. err (field "filename") says which.
 */
bool jy_http_filename_ok(const char *name, struct jy_err *err);

/*
 * The file a static request names, for the console (/admin/NAME): rest is
 * the request path after the prefix ("", "/" or "/NAME"). "" and "/" name
 * "index.html". NAME must be letters a-z, digits, "-" and "_" followed by
 * one known extension (.html, .css, .js, .svg): no "/", no "..", nothing
 * absolute, no upper case, so no request reaches another folder. Returns
 * the file name (a pointer into rest or a literal) and sets *type to its
 * Content-Type, or returns NULL and sets *type to NULL.
 */
const char *jy_http_static_name(const char *rest, const char **type);

/* Longest extension accepted by jy_http_file_ref(). */
#define JY_HTTP_FILE_EXT_MAX 8

/*
 * The stored file a request names: rest is the path after "/files/", and
 * must be exactly 64 lower-case hex digits (a SHA-256), one ".", and an
 * extension of 1 to JY_HTTP_FILE_EXT_MAX lower-case letters or digits:
 * nothing before, nothing after, no second dot, no "/" or "%". On success
 * fills sha (64 digits and a NUL) and ext (without the dot) and returns
 * true; otherwise returns false and leaves both empty.
 */
bool jy_http_file_ref(const char *rest, char sha[65], char ext[JY_HTTP_FILE_EXT_MAX + 1]);

#endif /* JY_CORE_HTTPPARSE_H */
