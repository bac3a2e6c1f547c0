/*
 * plugin.c - loading plugins and the api table they call (plugin.h).
 *
 * The ABI check follows PostgreSQL's PG_MODULE_MAGIC: the plugin answers a
 * function (dlsym is only guaranteed for functions) with the ABI it was
 * compiled against, and the host refuses a mismatch before calling
 * anything else of it. Registration is transactional per plugin: what a
 * plugin registered is dropped again when its init fails.
 */
#include "core/compat.h"
#include "core/plugin.h"

#include "core/buf.h"
#include "core/conf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/str.h"
#include "core/tpl.h"

#include <dirent.h>
#include <dlfcn.h>

struct plugin_entry {
    void *handle;
    const struct jy_plugin_info *info;
    char path[512];
};

struct jy_plugin_host {
    struct jy_plugin_api api; /* first: plugins get &host->api */
    const struct jy_conf *conf;
    struct plugin_entry *plugins;
    size_t nplugins;
    char **problems;
    size_t nproblems;
    struct jy_plugin_check *checks;
    size_t nchecks;
    struct jy_plugin_helper *helpers;
    size_t nhelpers;
    struct jy_plugin_channel *channels;
    size_t nchannels;
    char init_error[512]; /* api->fail() during the current init */
    bool in_init;
};

#define HOST(api_) ((struct jy_plugin_host *) (api_))


static bool
plugin_name_ok(const char *s)
{
    size_t i;

    if (s == NULL || s[0] == '\0' || strlen(s) > 64)
        return false;
    for (i = 0; s[i]; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}


static void host_fail(struct jy_plugin_host *host, const char *fmt, ...) JY_PRINTF(2, 3);

static void
host_fail(struct jy_plugin_host *host, const char *fmt, ...)
{
    va_list ap;

    if (host->init_error[0])
        return; /* the first problem is the one to tell */
    va_start(ap, fmt);
    vsnprintf(host->init_error, sizeof(host->init_error), fmt, ap);
    va_end(ap);
}


static int
api_register_check(struct jy_plugin_api *api, const struct jy_plugin_check *c)
{
    struct jy_plugin_host *host = HOST(api);
    size_t i;
    int k, m;

    if (!host->in_init) {
        host_fail(host, "register_check called outside jiyue_plugin_init");
        return -1;
    }
    if (c == NULL || !plugin_name_ok(c->name) || c->run == NULL || c->nkinds < 1 ||
        c->kinds == NULL) {
        host_fail(host, "check \"%s\": needs a name of [a-z0-9_], a run function and kinds",
                  c && c->name ? c->name : "");
        return -1;
    }
    for (k = 0; k < c->nkinds; k++) {
        const struct jy_plugin_check_kind *kd = &c->kinds[k];
        if (!plugin_name_ok(kd->name) || kd->title == NULL || kd->default_save < 0 ||
            kd->default_save > JY_PLUGIN_WARN || kd->default_publish < 0 ||
            kd->default_publish > JY_PLUGIN_BLOCK) {
            host_fail(host, "check \"%s\": kind %d is malformed", c->name, k + 1);
            return -1;
        }
        if (jy_plugin_host_kind(host, kd->name) != NULL) {
            host_fail(host, "check \"%s\": kind \"%s\" is already registered", c->name, kd->name);
            return -1;
        }
        for (m = 0; m < k; m++)
            if (strcmp(c->kinds[m].name, kd->name) == 0) {
                host_fail(host, "check \"%s\": kind \"%s\" twice", c->name, kd->name);
                return -1;
            }
    }
    for (i = 0; i < host->nchecks; i++)
        if (strcmp(host->checks[i].name, c->name) == 0) {
            host_fail(host, "check \"%s\" is already registered", c->name);
            return -1;
        }
    host->checks = jy_xrealloc(host->checks, (host->nchecks + 1) * sizeof(*host->checks));
    host->checks[host->nchecks++] = *c;
    return 0;
}


static int
api_register_helper(struct jy_plugin_api *api, const struct jy_plugin_helper *h)
{
    struct jy_plugin_host *host = HOST(api);
    size_t i;

    if (!host->in_init || h == NULL || !plugin_name_ok(h->name) || h->fn == NULL ||
        h->min_args < 0 || h->max_args < h->min_args || h->max_args > 16) {
        host_fail(host,
                  "helper \"%s\": needs a name of [a-z0-9_], a function and 0 <= min_args "
                  "<= max_args <= 16",
                  h && h->name ? h->name : "");
        return -1;
    }
    for (i = 0; i < host->nhelpers; i++)
        if (strcmp(host->helpers[i].name, h->name) == 0) {
            host_fail(host, "helper \"%s\" is already registered", h->name);
            return -1;
        }
    host->helpers = jy_xrealloc(host->helpers, (host->nhelpers + 1) * sizeof(*host->helpers));
    host->helpers[host->nhelpers++] = *h;
    return 0;
}


static int
api_register_channel(struct jy_plugin_api *api, const struct jy_plugin_channel *c)
{
    struct jy_plugin_host *host = HOST(api);
    size_t i;

    if (!host->in_init || c == NULL || !plugin_name_ok(c->name) || c->render == NULL ||
        c->ext == NULL || c->ext[0] != '.' || strchr(c->ext, '/') != NULL) {
        host_fail(host,
                  "channel \"%s\": needs a name of [a-z0-9_], a render function and an "
                  "extension starting with '.'",
                  c && c->name ? c->name : "");
        return -1;
    }
    for (i = 0; i < host->nchannels; i++)
        if (strcmp(host->channels[i].name, c->name) == 0) {
            host_fail(host, "channel \"%s\" is already registered", c->name);
            return -1;
        }
    host->channels = jy_xrealloc(host->channels, (host->nchannels + 1) * sizeof(*host->channels));
    host->channels[host->nchannels++] = *c;
    return 0;
}


static void api_fail(struct jy_plugin_api *api, const char *fmt, ...) JY_PRINTF(2, 3);

static void
api_fail(struct jy_plugin_api *api, const char *fmt, ...)
{
    struct jy_plugin_host *host = HOST(api);
    va_list ap;

    if (host->init_error[0])
        return;
    va_start(ap, fmt);
    vsnprintf(host->init_error, sizeof(host->init_error), fmt, ap);
    va_end(ap);
}


static void api_log(struct jy_plugin_api *api, int level, const char *fmt, ...) JY_PRINTF(3, 4);

static void
api_log(struct jy_plugin_api *api, int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    (void) api;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    jy_log(level >= JY_PLUGIN_LOG_WARN   ? JY_LOG_WARN
           : level == JY_PLUGIN_LOG_INFO ? JY_LOG_INFO
                                         : JY_LOG_DEBUG,
           "plugin", "%s", msg);
}


static const char *
api_setting(struct jy_plugin_api *api, const char *key)
{
    struct jy_plugin_host *host = HOST(api);

    if (host->conf == NULL || key == NULL || jy_conf_describe(key) == NULL)
        return NULL;
    return jy_conf_get(host->conf, key);
}


static void
api_report(struct jy_plugin_sink *sink, const struct jy_plugin_finding *f)
{
    if (sink && sink->report && f)
        sink->report(sink, f);
}


static void api_check_fail(struct jy_plugin_sink *sink, const char *fmt, ...) JY_PRINTF(2, 3);

static void
api_check_fail(struct jy_plugin_sink *sink, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (sink && sink->fail)
        sink->fail(sink, msg);
}


static int
api_url_published(struct jy_plugin_sink *sink, long long site_id, const char *path)
{
    if (sink == NULL || sink->url_published == NULL || path == NULL)
        return -1;
    return sink->url_published(sink, site_id, path);
}


static int
api_link_cache_get(struct jy_plugin_sink *sink, const char *url, int *status, char *info,
                   size_t info_size)
{
    if (sink == NULL || sink->cache_get == NULL || url == NULL)
        return 0;
    return sink->cache_get(sink, url, status, info, info_size);
}


static void
api_link_cache_put(struct jy_plugin_sink *sink, const char *url, int status, const char *info)
{
    if (sink && sink->cache_put && url)
        sink->cache_put(sink, url, status, info ? info : "");
}


static void
api_out_add(struct jy_plugin_out *out, const char *data, size_t len)
{
    if (out && data)
        jy_buf_add(out->buf, data, len);
}


static void api_out_fail(struct jy_plugin_out *out, const char *fmt, ...) JY_PRINTF(2, 3);

static void
api_out_fail(struct jy_plugin_out *out, const char *fmt, ...)
{
    va_list ap;

    if (out == NULL || out->failed)
        return;
    out->failed = true;
    va_start(ap, fmt);
    vsnprintf(out->msg, sizeof(out->msg), fmt, ap);
    va_end(ap);
}


struct jy_plugin_host *
jy_plugin_host_create(const struct jy_conf *conf)
{
    struct jy_plugin_host *host = jy_xmalloc(sizeof(*host));

    memset(host, 0, sizeof(*host));
    host->conf = conf;
    host->api.abi = JY_PLUGIN_ABI;
    host->api.size = sizeof(struct jy_plugin_api);
    host->api.host = host;
    host->api.register_check = api_register_check;
    host->api.register_helper = api_register_helper;
    host->api.register_channel = api_register_channel;
    host->api.fail = api_fail;
    host->api.log = api_log;
    host->api.setting = api_setting;
    host->api.report = api_report;
    host->api.check_fail = api_check_fail;
    host->api.url_published = api_url_published;
    host->api.link_cache_get = api_link_cache_get;
    host->api.link_cache_put = api_link_cache_put;
    host->api.out_add = api_out_add;
    host->api.out_fail = api_out_fail;
    return host;
}


void
jy_plugin_host_destroy(struct jy_plugin_host *host)
{
    size_t i;

    if (host == NULL)
        return;
    /* no dlclose: a plugin may have registered atexit handlers or thread keys
     * (libcurl does); the process ends soon after the host anyway */
    for (i = 0; i < host->nproblems; i++)
        free(host->problems[i]);
    free(host->problems);
    free(host->plugins);
    free(host->checks);
    free(host->helpers);
    free(host->channels);
    free(host);
}


static void
host_problem(struct jy_plugin_host *host, const char *msg)
{
    host->problems = jy_xrealloc(host->problems, (host->nproblems + 1) * sizeof(char *));
    host->problems[host->nproblems++] = jy_xstrdup(msg);
    jy_log_warn("plugin", "%s", msg);
}


int
jy_plugin_host_load(struct jy_plugin_host *host, const char *path, struct jy_err *err)
{
    size_t nchecks = host->nchecks, nhelpers = host->nhelpers, nchannels = host->nchannels, i;
    jy_plugin_info_fn info_fn;
    jy_plugin_init_fn init_fn;
    const struct jy_plugin_info *info;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    void *h;

    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        jy_err_set(err, JY_E_INVALID, "plugin \"%s\" could not be loaded", base);
        jy_err_detail(err, "%s", dlerror());
        goto out_problem;
    }
    *(void **) (&info_fn) = dlsym(h, "jiyue_plugin_info");
    *(void **) (&init_fn) = dlsym(h, "jiyue_plugin_init");
    if (info_fn == NULL || init_fn == NULL) {
        jy_err_set(err, JY_E_INVALID,
                   "plugin \"%s\" is not a Jiyue plugin: it lacks jiyue_plugin_info or "
                   "jiyue_plugin_init",
                   base);
        goto out_close;
    }
    info = info_fn();
    if (info == NULL || info->abi != JY_PLUGIN_ABI) {
        jy_err_set(err, JY_E_INVALID,
                   "plugin \"%s\" was built for ABI %u, this jiyue provides ABI %d", base,
                   info ? info->abi : 0, JY_PLUGIN_ABI);
        jy_err_hint(err, "Rebuild the plugin against this version's plugins/jiyue_plugin.h.");
        goto out_close;
    }
    if (!plugin_name_ok(info->name)) {
        jy_err_set(err, JY_E_INVALID, "plugin \"%s\" has an invalid name", base);
        goto out_close;
    }
    for (i = 0; i < host->nplugins; i++)
        if (strcmp(host->plugins[i].info->name, info->name) == 0) {
            jy_err_set(err, JY_E_CONFLICT, "plugin \"%s\": a plugin named \"%s\" is already loaded",
                       base, info->name);
            goto out_close;
        }
    host->init_error[0] = '\0';
    host->in_init = true;
    if (init_fn(&host->api) != 0 || host->init_error[0]) {
        host->in_init = false;
        jy_err_set(err, JY_E_INVALID, "plugin \"%s\" failed to start: %s", info->name,
                   host->init_error[0] ? host->init_error : "its init returned an error");
        /* forget what it registered before failing */
        host->nchecks = nchecks;
        host->nhelpers = nhelpers;
        host->nchannels = nchannels;
        goto out_close;
    }
    host->in_init = false;
    host->plugins = jy_xrealloc(host->plugins, (host->nplugins + 1) * sizeof(*host->plugins));
    host->plugins[host->nplugins].handle = h;
    host->plugins[host->nplugins].info = info;
    snprintf(host->plugins[host->nplugins].path, sizeof(host->plugins[0].path), "%s", path);
    host->nplugins++;
    jy_log_debug("plugin", "loaded \"%s\" %s from %s", info->name, info->version, path);
    return JY_OK;

out_close:
    dlclose(h);
out_problem:
    host_problem(host, err->msg);
    return JY_ERROR;
}


static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


int
jy_plugin_host_load_dir(struct jy_plugin_host *host, const char *dir, struct jy_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, i;

    if (d == NULL) {
        jy_err_errno(err, errno, "cannot read plugin folder \"%s\"", dir);
        return JY_ERROR;
    }
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 3 && strcmp(e->d_name + l - 3, ".so") == 0 && e->d_name[0] != '.') {
            names = jy_xrealloc(names, (n + 1) * sizeof(char *));
            names[n++] = jy_xstrdup(e->d_name);
        }
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(char *), cmp_str);
    for (i = 0; i < n; i++) {
        struct jy_err perr = JY_ERR_INIT;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        jy_plugin_host_load(host, path, &perr); /* a problem is kept, the rest go on */
        free(names[i]);
    }
    free(names);
    return JY_OK;
}


size_t
jy_plugin_host_count(const struct jy_plugin_host *host)
{
    return host->nplugins;
}


const struct jy_plugin_info *
jy_plugin_host_info(const struct jy_plugin_host *host, size_t i)
{
    return i < host->nplugins ? host->plugins[i].info : NULL;
}


size_t
jy_plugin_host_problems(const struct jy_plugin_host *host)
{
    return host->nproblems;
}


const char *
jy_plugin_host_problem(const struct jy_plugin_host *host, size_t i)
{
    return i < host->nproblems ? host->problems[i] : NULL;
}


size_t
jy_plugin_host_checks(const struct jy_plugin_host *host)
{
    return host->nchecks;
}


const struct jy_plugin_check *
jy_plugin_host_check(const struct jy_plugin_host *host, size_t i)
{
    return i < host->nchecks ? &host->checks[i] : NULL;
}


size_t
jy_plugin_host_channels(const struct jy_plugin_host *host)
{
    return host->nchannels;
}


const struct jy_plugin_channel *
jy_plugin_host_channel(const struct jy_plugin_host *host, size_t i)
{
    return i < host->nchannels ? &host->channels[i] : NULL;
}


size_t
jy_plugin_host_helpers(const struct jy_plugin_host *host)
{
    return host->nhelpers;
}


const struct jy_plugin_helper *
jy_plugin_host_helper(const struct jy_plugin_host *host, size_t i)
{
    return i < host->nhelpers ? &host->helpers[i] : NULL;
}


const struct jy_plugin_check_kind *
jy_plugin_host_kind(const struct jy_plugin_host *host, const char *name)
{
    size_t i;
    int k;

    for (i = 0; i < host->nchecks; i++)
        for (k = 0; k < host->checks[i].nkinds; k++)
            if (strcmp(host->checks[i].kinds[k].name, name) == 0)
                return &host->checks[i].kinds[k];
    return NULL;
}


const struct jy_plugin_api *
jy_plugin_host_api(const struct jy_plugin_host *host)
{
    return &host->api;
}


static int
helper_filter(const struct jy_tpl_filter_call *call, struct jy_buf *out, struct jy_err *err)
{
    const struct jy_plugin_helper *helper = call->data;
    const char *argv[16];
    struct jy_plugin_out po;
    int argc = call->argc < 16 ? call->argc : 16, i;

    for (i = 0; i < argc; i++)
        argv[i] = jy_pool_strndup(out->pool, call->argv[i].ptr, call->argv[i].len);
    memset(&po, 0, sizeof(po));
    po.buf = out;
    if (helper->fn(helper->data, call->text, call->len, argc, argv, &po) != 0 || po.failed) {
        jy_err_set(err, JY_E_INVALID, "helper \"%s\" failed: %s", helper->name,
                   po.msg[0] ? po.msg : "no reason given");
        return JY_ERROR;
    }
    return JY_OK;
}


int
jy_plugin_host_add_helpers(struct jy_plugin_host *host, struct jy_tpl_set *set, struct jy_err *err)
{
    size_t i;

    /* host->helpers no longer moves once the plugins are loaded: point at it */
    for (i = 0; i < host->nhelpers; i++) {
        struct jy_tpl_filter f;
        memset(&f, 0, sizeof(f));
        f.name = host->helpers[i].name;
        f.min_args = host->helpers[i].min_args;
        f.max_args = host->helpers[i].max_args;
        f.fn = helper_filter;
        f.data = &host->helpers[i];
        if (jy_tpl_set_add_filter(set, &f, err) != JY_OK) {
            jy_err_prefix(err, "plugin helper \"%s\"", host->helpers[i].name);
            return JY_ERROR;
        }
    }
    return JY_OK;
}


int
jy_plugin_host_render_channel(struct jy_plugin_host *host, size_t i,
                              const struct jy_plugin_page *page, struct jy_buf *out,
                              struct jy_err *err)
{
    struct jy_plugin_out po;
    int rc;

    if (i >= host->nchannels) {
        jy_err_set(err, JY_E_NOT_FOUND, "no channel %zu", i);
        return JY_ERROR;
    }
    memset(&po, 0, sizeof(po));
    po.buf = out;
    rc = host->channels[i].render(host->channels[i].data, page, &po);
    if (rc < 0 || po.failed) {
        jy_err_set(err, JY_E_INTERNAL, "channel \"%s\" failed on \"%s\": %s",
                   host->channels[i].name, page->path, po.msg[0] ? po.msg : "no reason given");
        return JY_ERROR;
    }
    return rc == 1 ? JY_DECLINED : JY_OK;
}
