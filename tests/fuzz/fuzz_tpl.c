/*
 * fuzz_tpl.c - compile arbitrary bytes as a Mustache template and render it
 * against a small fixed context (core/tpl.h).
 *
 * Every input gets a fresh template set and a fresh output pool, destroyed
 * at the end, so LeakSanitizer sees leaks of a single input. The loader
 * serves a few fixed partials and parents, and the input itself as
 * "self", so recursion, inheritance and the limits get exercised.
 *
 * Invariants checked beyond "no crash":
 *  - compile returns NULL exactly when err is set, with a message;
 *  - render returns JY_OK exactly when err is still clear;
 *  - the output buffer is always NUL-terminated and within its cap, and
 *    a render stopped by a small cap wrote the start of the full page;
 *  - a source without "{{" renders to itself, byte for byte.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/tpl.h"

#include <cjson/cJSON.h>

#define FUZZ_MAX_INPUT (64 * 1024)
#define FUZZ_OUT_CAP   (256 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_input {
    const char *data;
    size_t size;
};

static const char fuzz_context[] =
    "{\"title\": \"关于<开展>政务公开 & \\\"检查\\\"的通知\", \"name\": \"Jiyue\", "
    "\"pub_date\": \"2024-05-16T08:30:05+08:00\", \"day\": \"2024-05-16\", \"n\": 42, "
    "\"pi\": 3.14159, \"zero\": 0, \"empty\": \"\", \"yes\": true, \"no\": false, \"nil\": null, "
    "\"list\": [1, \"two\", 3.5, [4, 5], {\"x\": \"y\"}], \"none\": [], "
    "\"site\": {\"name\": \"政府网站\", \"url\": \"https://www.example.gov.cn/\"}, "
    "\"items\": [{\"title\": \"a\", \"url\": \"/a\", \"top\": true}, {\"title\": \"b<\", \"url\": "
    "\"/b c\"}], \"nodes\": [{\"content\": \"X\", \"nodes\": [{\"content\": \"Y\", \"nodes\": "
    "[]}]}]}";

/* name, text of the templates the loader knows besides "self" */
static const char *const fuzz_partials[] = {
    "header", "<h1>{{title}}</h1>\n",
    "item",   "<li>{{title | truncate 5}}</li>\n",
    "layout", "<body>\n  {{$main}}\n  default\n  {{/main}}\n{{$foot}}f{{/foot}}\n</body>\n",
    "node",   "{{content}}<{{#nodes}}{{>node}}{{/nodes}}>",
    "bad",    "{{#unclosed}}",
    NULL,
};

static cJSON *fuzz_ctx;


static int
fuzz_load(void *arg, const char *name, struct jy_buf *text, struct jy_err *err)
{
    const struct fuzz_input *in = arg;

    if (strcmp(name, "self") == 0) {
        jy_buf_add(text, in->data, in->size);
        return JY_OK;
    }
    if (strcmp(name, "fail") == 0) {
        jy_err_set(err, JY_E_IO, "could not read template \"%s\"", name);
        return JY_ERROR;
    }
    for (const char *const *p = fuzz_partials; p[0]; p += 2) {
        if (strcmp(p[0], name) == 0) {
            jy_buf_add_str(text, p[1]);
            return JY_OK;
        }
    }
    return JY_DECLINED;
}


/* Render into a fresh pool with an output cap; returns a malloc'ed copy of the output. */
static char *
fuzz_render(const struct jy_tpl *tpl, const struct fuzz_input *in, size_t cap, size_t *len)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf out = JY_BUF_INIT(pool);
    struct jy_err err = JY_ERR_INIT;
    char *copy;
    int rc;

    out.max = cap;
    rc = jy_tpl_render(tpl, fuzz_ctx, &out, &err);
    JY_ASSERT(out.buf != NULL && out.buf[out.len] == '\0');
    JY_ASSERT(out.len <= cap);
    JY_ASSERT((rc == JY_OK) == (err.code == JY_E_NONE));
    JY_ASSERT(rc == JY_OK || err.msg[0] != '\0');
    if (memmem(in->data, in->size, "{{", 2) == NULL && cap >= in->size) {
        JY_ASSERT(rc == JY_OK);
        JY_ASSERT(out.len == in->size && memcmp(out.buf, in->data, in->size) == 0);
    }
    copy = malloc(out.len + 1);
    JY_ASSERT(copy != NULL);
    memcpy(copy, out.buf, out.len + 1);
    *len = out.len;
    jy_pool_destroy(pool);
    return copy;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {(const char *) data, size};
    struct jy_err err = JY_ERR_INIT;
    struct jy_tpl_set *set;
    const struct jy_tpl *tpl;
    char *full, *cut;
    size_t full_len, cut_len;

    if (size > FUZZ_MAX_INPUT)
        return 0;
    if (fuzz_ctx == NULL) {
        fuzz_ctx = cJSON_Parse(fuzz_context);
        JY_ASSERT(fuzz_ctx != NULL);
    }
    set = jy_tpl_set_create(fuzz_load, &in);
    jy_tpl_set_limits(set, 40, 200000); /* keep each input fast */
    tpl = jy_tpl_compile(set, "fuzz", in.data, size, &err);
    if (tpl == NULL) {
        JY_ASSERT(err.code == JY_E_INVALID && err.msg[0] != '\0');
    } else {
        JY_ASSERT(err.code == JY_E_NONE);
        full = fuzz_render(tpl, &in, FUZZ_OUT_CAP, &full_len);
        cut = fuzz_render(tpl, &in, 64, &cut_len);
        /* the cap stops the render cleanly: what was written is the start of the page */
        JY_ASSERT(cut_len <= full_len && memcmp(cut, full, cut_len) == 0);
        free(full);
        free(cut);
    }
    jy_tpl_set_destroy(set);
    return 0;
}
