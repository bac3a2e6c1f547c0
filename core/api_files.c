/*
 * api_files.c - uploads (multipart/form-data) into the file store and
 * their description (core/filestore.c).
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/err.h"
#include "core/filestore.h"
#include "core/json.h"
#include "core/pool.h"

#include <cjson/cJSON.h>


static int
file_reply(struct jy_api_req *r, int status, const struct jy_file *f)
{
    cJSON *o = jy_json_new_object(r->pool);

    cJSON_AddNumberToObject(o, "id", (double) f->id);
    cJSON_AddStringToObject(o, "sha256", f->sha256);
    cJSON_AddNumberToObject(o, "size", (double) f->size);
    if (f->mime)
        cJSON_AddStringToObject(o, "mime_type", f->mime);
    cJSON_AddStringToObject(o, "class", jy_file_class_name(f->cls));
    if (f->name)
        cJSON_AddStringToObject(o, "name", f->name);
    if (f->width)
        cJSON_AddNumberToObject(o, "width", f->width);
    if (f->height)
        cJSON_AddNumberToObject(o, "height", f->height);
    cJSON_AddBoolToObject(o, "created", f->created);
    return jy_api_reply(r, status, o);
}


/*
 * POST /api/v1/files: multipart/form-data with a field "site" (SITE) and
 * one part "file" carrying the file and its name.
 */
static int
files_upload(struct jy_api_req *r, struct jy_err *err)
{
    const char *boundary = jy_http_multipart_boundary(r->pool, r->content_type);
    struct jy_http_multipart mp;
    const struct jy_http_part *file = NULL;
    const char *site = NULL;
    struct jy_file f;
    int i;

    if (boundary == NULL) {
        jy_err_set(err, JY_E_INVALID, "the body must be multipart/form-data with a boundary");
        jy_err_field(err, "body");
        return JY_ERROR;
    }
    if (jy_http_parse_multipart(r->pool, r->raw, r->raw_len, boundary, &mp, err) != JY_OK)
        return JY_ERROR;
    for (i = 0; i < mp.n; i++) {
        const struct jy_http_part *p = &mp.v[i];
        if (strcmp(p->name, "site") == 0 && p->filename == NULL) {
            site = jy_pool_strndup(r->pool, p->data, p->len);
        } else if (strcmp(p->name, "file") == 0 && file == NULL) {
            file = p;
        } else {
            jy_err_set(err, JY_E_INVALID, "unrecognized form field \"%s\"", p->name);
            jy_err_hint(err, "Known fields: site, file.");
            jy_err_field(err, p->name);
            return JY_ERROR;
        }
    }
    if (site == NULL || site[0] == '\0') {
        jy_err_set(err, JY_E_INVALID, "form field \"site\" is required");
        jy_err_field(err, "site");
        return JY_ERROR;
    }
    if (file == NULL || file->filename == NULL) {
        jy_err_set(err, JY_E_INVALID, "form field \"file\" with a file is required");
        jy_err_field(err, "file");
        return JY_ERROR;
    }
    if (!jy_http_filename_ok(file->filename, err))
        return JY_ERROR;
    if (file->len == 0) {
        jy_err_set(err, JY_E_INVALID, "file \"%s\" is empty", file->filename);
        jy_err_field(err, "file");
        return JY_ERROR;
    }
    memset(&f, 0, sizeof(f));
    /*
     * NEEDSWORK: the body is held in memory (http_upload_max caps it). evhttp
     * of libevent 2.1 (Debian 12: 2.1.12) cannot stream a server request's
     * body: the request object is created inside evhttp and handed to us only
     * once the whole body is read; evhttp_request_set_chunked_cb() and
     * _set_header_cb() apply to requests we create (client side), and a
     * hook that would reach a server request before its body is read
     * (evhttp_set_newreqcb() of libevent's later versions) is not in 2.1's
     * headers. Streaming to a temporary file needs that, or reading upload
     * bodies ourselves on the connection's bufferevent (evhttp_set_bevcb).
     */
    if (jy_file_add_mem(r->db, r->pool, r->env->files, site, file->data, file->len, file->filename,
                        &f, err) != JY_OK)
        return JY_ERROR;
    if (f.created)
        jy_api_header(r, "Location", jy_pool_printf(r->pool, "/api/v1/files/%s", f.sha256));
    return file_reply(r, f.created ? 201 : 200, &f);
}


/* GET /api/v1/files/{ref}: a file by its sha256 (or a unique prefix of 8 hex digits or more). */
static int
files_get(struct jy_api_req *r, struct jy_err *err)
{
    struct jy_file f;

    memset(&f, 0, sizeof(f));
    if (jy_file_get(r->db, r->pool, r->args[0], &f, err) != JY_OK)
        return JY_ERROR;
    return file_reply(r, 200, &f);
}


static const struct jy_api_route routes[] = {
    {"POST", "/api/v1/files", files_upload, JY_API_UPLOAD,
     "upload a file (multipart/form-data: site, file)"},
    {"GET", "/api/v1/files/{ref}", files_get, 0, "a file's description (by sha256)"},
};


void
jy_api_files_routes(struct jy_api_router *rt)
{
    jy_api_add(rt, routes, JY_ARRAY_LEN(routes));
}
