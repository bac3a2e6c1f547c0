/*
 * httpparse.c - query strings, cookies, multipart bodies and upload names
 * (grammars in httpparse.h).
 */
#include "core/compat.h"
#include "core/httpparse.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/utf8.h"

#include <strings.h>


static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}


/* True when s (len bytes) is UTF-8 without control characters. */
static bool
text_ok(const char *s, size_t len)
{
    size_t i;

    if (!jy_utf8_valid(s, len, NULL))
        return false;
    for (i = 0; i < len; i++)
        if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}


/* Percent-decode s[0..len) ("+" is a space) into the pool; NULL when malformed. */
static char *
url_decode(struct jy_pool *pool, const char *s, size_t len, bool plus)
{
    char *out = jy_pool_alloc(pool, len + 1), *o = out;
    size_t i;

    for (i = 0; i < len; i++) {
        if (s[i] == '%') {
            int h, l;
            if (len - i < 3)
                return NULL;
            h = hexval(s[i + 1]);
            l = hexval(s[i + 2]);
            if (h < 0 || l < 0)
                return NULL;
            *o++ = (char) (h * 16 + l);
            i += 2;
        } else if (plus && s[i] == '+') {
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    if (!text_ok(out, (size_t) (o - out)))
        return NULL;
    return out;
}


int
jy_http_parse_query(struct jy_pool *pool, const char *query, struct jy_http_params *out,
                    struct jy_err *err)
{
    const char *p = query ? query : "";

    out->v = jy_pool_new_array(pool, struct jy_http_param, JY_HTTP_MAX_PARAMS);
    out->n = 0;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t) (amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t) (eq - p) : len;
        char *name, *value;

        if (len > 0) {
            if (out->n == JY_HTTP_MAX_PARAMS) {
                jy_err_set(err, JY_E_INVALID, "too many query parameters (at most %d)",
                           JY_HTTP_MAX_PARAMS);
                jy_err_field(err, "query");
                return JY_ERROR;
            }
            name = url_decode(pool, p, nlen, true);
            value = eq ? url_decode(pool, eq + 1, len - nlen - 1, true) : jy_pool_strdup(pool, "");
            if (name == NULL || name[0] == '\0' || value == NULL) {
                jy_err_set(err, JY_E_INVALID,
                           "query parameter %d is not valid: invalid percent-encoding or"
                           " characters that are not text",
                           out->n + 1);
                jy_err_field(err, name && name[0] ? name : "query");
                return JY_ERROR;
            }
            out->v[out->n].name = name;
            out->v[out->n].value = value;
            out->n++;
        }
        p += len;
        if (*p == '&')
            p++;
    }
    return JY_OK;
}


const char *
jy_http_param(const struct jy_http_params *p, const char *name)
{
    int i;

    for (i = 0; i < p->n; i++)
        if (strcmp(p->v[i].name, name) == 0)
            return p->v[i].value;
    return NULL;
}


const char *
jy_http_cookie(struct jy_pool *pool, const char *header, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = header;

    if (header == NULL)
        return NULL;
    while (*p) {
        const char *end, *eq;
        size_t len;
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        end = strchr(p, ';');
        len = end ? (size_t) (end - p) : strlen(p);
        eq = memchr(p, '=', len);
        if (eq && (size_t) (eq - p) == nlen && memcmp(p, name, nlen) == 0) {
            const char *v = eq + 1;
            size_t vlen = len - nlen - 1;
            while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
                v++;
                vlen -= 2;
            }
            if (!text_ok(v, vlen) || memchr(v, '"', vlen) || memchr(v, ' ', vlen))
                return NULL;
            return jy_pool_strndup(pool, v, vlen);
        }
        p += len;
    }
    return NULL;
}


/* Case-insensitive prefix test; returns the rest or NULL. */
static const char *
skip_ci(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncasecmp(s, prefix, n) == 0 ? s + n : NULL;
}


/*
 * Read the parameter value at p: a token up to ";" or a quoted string
 * (backslash escapes a character). Returns the value in pool and moves
 * *end past it; NULL when malformed.
 */
static char *
param_value(struct jy_pool *pool, const char *p, const char *lim, const char **end)
{
    char *out, *o;

    if (p < lim && *p == '"') {
        out = o = jy_pool_alloc(pool, (size_t) (lim - p) + 1);
        for (p++; p < lim && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < lim)
                p++;
            *o++ = *p;
        }
        if (p >= lim)
            return NULL;
        *o = '\0';
        *end = p + 1;
        return out;
    }
    o = (char *) p;
    while (p < lim && *p != ';' && *p != ' ' && *p != '\t')
        p++;
    *end = p;
    return jy_pool_strndup(pool, o, (size_t) (p - o));
}


const char *
jy_http_multipart_boundary(struct jy_pool *pool, const char *ct)
{
    const char *p, *lim, *end;
    char *b;
    size_t i, len;

    if (ct == NULL || (p = skip_ci(ct, "multipart/form-data")) == NULL)
        return NULL;
    lim = p + strlen(p);
    while (p < lim) {
        while (p < lim && (*p == ';' || *p == ' ' || *p == '\t'))
            p++;
        if (skip_ci(p, "boundary=")) {
            b = param_value(pool, p + 9, lim, &end);
            if (b == NULL)
                return NULL;
            len = strlen(b);
            if (len < 1 || len > 70)
                return NULL;
            for (i = 0; i < len; i++)
                if ((unsigned char) b[i] < 0x20 || (unsigned char) b[i] >= 0x7f)
                    return NULL;
            return b;
        }
        while (p < lim && *p != ';')
            p++;
    }
    return NULL;
}


static int
mp_fail(struct jy_err *err, int part, const char *what)
{
    jy_err_set(err, JY_E_INVALID, "multipart body is malformed: %s (part %d)", what, part);
    jy_err_field(err, "body");
    return JY_ERROR;
}


/* Read the Content-Disposition parameters of one part: [p, lim) is the header value. */
static int
mp_disposition(struct jy_pool *pool, const char *p, const char *lim, struct jy_http_part *part)
{
    const char *end, *v;
    char *val;
    bool star = false;

    p = skip_ci(p, "form-data");
    if (p == NULL)
        return JY_ERROR;
    while (p < lim) {
        while (p < lim && (*p == ';' || *p == ' ' || *p == '\t'))
            p++;
        if (p >= lim)
            break;
        if ((v = skip_ci(p, "name=")) != NULL) {
            if ((part->name = param_value(pool, v, lim, &end)) == NULL)
                return JY_ERROR;
        } else if ((v = skip_ci(p, "filename*=")) != NULL) {
            const char *enc;
            if ((val = param_value(pool, v, lim, &end)) == NULL)
                return JY_ERROR;
            enc = skip_ci(val, "UTF-8\'\'");
            if (enc == NULL || (part->filename = url_decode(pool, enc, strlen(enc), false)) == NULL)
                return JY_ERROR;
            star = true;
        } else if ((v = skip_ci(p, "filename=")) != NULL) {
            if ((val = param_value(pool, v, lim, &end)) == NULL)
                return JY_ERROR;
            if (!star) /* filename*= wins over filename= (RFC 6266) */
                part->filename = val;
        } else {
            end = p;
            while (end < lim && *end != ';')
                end++;
        }
        p = end;
    }
    return part->name ? JY_OK : JY_ERROR;
}


/* Find needle in [s, s+len); NULL when absent. */
static const char *
find(const char *s, size_t len, const char *needle, size_t nlen)
{
    return memmem(s, len, needle, nlen);
}


/*
 * The next delimiter line at or after p: CRLF "--" boundary followed by
 * "--", or by blanks and CRLF (RFC 2046); "--B1x" is data, not a delimiter.
 */
static const char *
next_delimiter(const char *p, const char *lim, const char *delim, size_t dlen)
{
    while (p < lim) {
        const char *d = find(p, (size_t) (lim - p), delim, dlen), *q;
        if (d == NULL)
            return NULL;
        q = d + dlen;
        if (lim - q >= 2 && q[0] == '-' && q[1] == '-')
            return d;
        while (q < lim && (*q == ' ' || *q == '\t'))
            q++;
        if (lim - q >= 2 && q[0] == '\r' && q[1] == '\n')
            return d;
        p = d + 1;
    }
    return NULL;
}


int
jy_http_parse_multipart(struct jy_pool *pool, const char *body, size_t len, const char *boundary,
                        struct jy_http_multipart *out, struct jy_err *err)
{
    size_t blen = strlen(boundary);
    char *delim = jy_pool_printf(pool, "\r\n--%s", boundary);
    size_t dlen = blen + 4;
    const char *p, *lim = body + len;

    out->v = jy_pool_new_array(pool, struct jy_http_part, JY_HTTP_MAX_PARTS);
    out->n = 0;
    /* the first boundary may start the body (no CRLF before it) */
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
        p = body + dlen - 2;
    } else {
        p = find(body, len, delim, dlen);
        if (p == NULL)
            return mp_fail(err, 0, "no boundary found");
        p += dlen;
    }
    for (;;) {
        struct jy_http_part *part;
        const char *hend, *next;

        /* after a boundary: "--" ends the body, CRLF starts a part */
        if (lim - p >= 2 && p[0] == '-' && p[1] == '-')
            return JY_OK;
        while (p < lim && (*p == ' ' || *p == '\t'))
            p++;
        if (lim - p < 2 || p[0] != '\r' || p[1] != '\n')
            return mp_fail(err, out->n + 1, "boundary not followed by a line end");
        p += 2;
        if (out->n == JY_HTTP_MAX_PARTS) {
            jy_err_set(err, JY_E_INVALID, "too many parts in the multipart body (at most %d)",
                       JY_HTTP_MAX_PARTS);
            jy_err_field(err, "body");
            return JY_ERROR;
        }
        part = &out->v[out->n];
        memset(part, 0, sizeof(*part));
        hend = find(p, (size_t) (lim - p), "\r\n\r\n", 4);
        if (hend == NULL)
            return mp_fail(err, out->n + 1, "headers of a part do not end");
        hend += 2; /* keep the CRLF of the last header line */
        while (p < hend) {
            const char *eol = find(p, (size_t) (hend - p), "\r\n", 2), *v;
            if (eol == NULL)
                break;
            if ((v = skip_ci(p, "Content-Disposition:")) != NULL && v < eol) {
                while (v < eol && (*v == ' ' || *v == '\t'))
                    v++;
                if (mp_disposition(pool, v, eol, part) != JY_OK)
                    return mp_fail(err, out->n + 1, "invalid Content-Disposition");
            } else if ((v = skip_ci(p, "Content-Type:")) != NULL && v < eol) {
                while (v < eol && (*v == ' ' || *v == '\t'))
                    v++;
                part->content_type = jy_pool_strndup(pool, v, (size_t) (eol - v));
            }
            p = eol + 2;
        }
        if (part->name == NULL)
            return mp_fail(err, out->n + 1, "part without a Content-Disposition name");
        p = hend + 2;
        next = next_delimiter(p, lim, delim, dlen);
        if (next == NULL)
            return mp_fail(err, out->n + 1, "body ends before the closing boundary");
        part->data = p;
        part->len = (size_t) (next - p);
        out->n++;
        p = next + dlen;
    }
}


bool
jy_http_filename_ok(const char *name, struct jy_err *err)
{
    size_t len = name ? strlen(name) : 0;
    const char *why = NULL;

    if (len == 0)
        why = "is empty";
    else if (len > JY_HTTP_NAME_MAX)
        why = "is longer than 255 bytes";
    else if (!text_ok(name, len))
        why = "is not text (invalid UTF-8 or control characters)";
    else if (strchr(name, '/') || strchr(name, '\\'))
        why = "contains a path separator (\"/\" or \"\\\")";
    else if (name[0] == '.')
        why = "starts with a dot";
    if (why == NULL)
        return true;
    /* quote at most 80 bytes, cut on a character boundary */
    jy_err_set(err, JY_E_INVALID, "file name \"%.*s\" %s",
               (int) (text_ok(name, len) ? jy_utf8_clamp_bytes(name, len, 80) : 0),
               name ? name : "", why);
    jy_err_hint(err, "Upload the file under its plain name, such as 通知.pdf.");
    jy_err_field(err, "filename");
    return false;
}


const char *
jy_http_static_name(const char *rest, const char **type)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
    };
    const char *name = rest, *dot;
    size_t i;

    *type = NULL;
    if (*name == '/')
        name++;
    if (*name == '\0')
        name = "index.html";
    dot = strchr(name, '.');
    if (dot == NULL || dot == name)
        return NULL;
    for (i = 0; name + i < dot; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '-' || name[i] == '_'))
            return NULL;
    for (i = 0; i < JY_ARRAY_LEN(types); i++)
        if (strcmp(dot, types[i][0]) == 0) {
            *type = types[i][1];
            return name;
        }
    return NULL;
}


bool
jy_http_file_ref(const char *rest, char sha[65], char ext[JY_HTTP_FILE_EXT_MAX + 1])
{
    size_t i, n;

    sha[0] = ext[0] = '\0';
    for (i = 0; i < 64; i++)
        if (!((rest[i] >= '0' && rest[i] <= '9') || (rest[i] >= 'a' && rest[i] <= 'f')))
            return false;
    if (rest[64] != '.')
        return false;
    n = strlen(rest + 65);
    if (n == 0 || n > JY_HTTP_FILE_EXT_MAX)
        return false;
    for (i = 0; i < n; i++) {
        char ch = rest[65 + i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')))
            return false;
    }
    memcpy(sha, rest, 64);
    sha[64] = '\0';
    memcpy(ext, rest + 65, n + 1);
    return true;
}
