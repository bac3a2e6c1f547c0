/*
 * plugin.h - the host side of plugins/jiyue_plugin.h: loading shared
 * objects from the plugin folder, the registry of what they offer, and the
 * bridges to the rest of the core (template filters, check sinks).
 *
 * Loading never stops the program: a plugin that cannot be opened, lacks
 * the entry points, was built for another ABI, fails its init or registers
 * a name already taken is skipped, its problem kept (jy_plugin_host_problem)
 * and logged as a warning, and nothing it registered stays.
 *
 * One host per process, created at start, before any worker is forked;
 * read-only afterwards.
 */
#ifndef JY_CORE_PLUGIN_H
#define JY_CORE_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "plugins/jiyue_plugin.h"

struct jy_buf;
struct jy_conf;
struct jy_err;
struct jy_tpl_set;
struct jy_plugin_host;

/*
 * What a check run offers the plugins through the api table (the host
 * side of struct jy_plugin_sink, opaque to plugins). core/check.c fills it.
 */
struct jy_plugin_sink {
    void (*report)(struct jy_plugin_sink *sink, const struct jy_plugin_finding *f);
    void (*fail)(struct jy_plugin_sink *sink, const char *msg);
    int (*url_published)(struct jy_plugin_sink *sink, long long site_id, const char *path);
    int (*cache_get)(struct jy_plugin_sink *sink, const char *url, int *status, char *info,
                     size_t info_size);
    void (*cache_put)(struct jy_plugin_sink *sink, const char *url, int status, const char *info);
    void *data;
};

/* Where helper and channel output goes. */
struct jy_plugin_out {
    struct jy_buf *buf;
    bool failed;
    char msg[256];
};

/* Create an empty host reading settings from conf (may be NULL: no settings). */
struct jy_plugin_host *jy_plugin_host_create(const struct jy_conf *conf);
/* dlclose every plugin and free the host. NULL is a no-op. */
void jy_plugin_host_destroy(struct jy_plugin_host *host);

/*
 * Load every *.so of dir, in name order. JY_OK even when plugins were
 * skipped (see jy_plugin_host_problem); JY_ERROR with err only when dir
 * cannot be read.
 */
int jy_plugin_host_load_dir(struct jy_plugin_host *host, const char *dir, struct jy_err *err);

/* Load one plugin; JY_OK, or JY_ERROR with err (also kept as a problem). */
int jy_plugin_host_load(struct jy_plugin_host *host, const char *path, struct jy_err *err);

/* Loaded plugins and the problems of those skipped. */
size_t jy_plugin_host_count(const struct jy_plugin_host *host);
const struct jy_plugin_info *jy_plugin_host_info(const struct jy_plugin_host *host, size_t i);
size_t jy_plugin_host_problems(const struct jy_plugin_host *host);
const char *jy_plugin_host_problem(const struct jy_plugin_host *host, size_t i);

/* Registered checks, helpers and channels, in load order. */
size_t jy_plugin_host_checks(const struct jy_plugin_host *host);
const struct jy_plugin_check *jy_plugin_host_check(const struct jy_plugin_host *host, size_t i);
size_t jy_plugin_host_channels(const struct jy_plugin_host *host);
const struct jy_plugin_channel *jy_plugin_host_channel(const struct jy_plugin_host *host, size_t i);
size_t jy_plugin_host_helpers(const struct jy_plugin_host *host);
const struct jy_plugin_helper *jy_plugin_host_helper(const struct jy_plugin_host *host, size_t i);

/* The kind of finding named name (over all checks), NULL when none. */
const struct jy_plugin_check_kind *jy_plugin_host_kind(const struct jy_plugin_host *host,
                                                       const char *name);

/* The api table handed to plugins (check.c calls checks through it). */
const struct jy_plugin_api *jy_plugin_host_api(const struct jy_plugin_host *host);

/*
 * Register every helper as a filter of the template set ({{x | name}}):
 * the renderer calls this for each set it creates. JY_ERROR with err when a
 * name is taken by a built-in filter.
 */
int jy_plugin_host_add_helpers(struct jy_plugin_host *host, struct jy_tpl_set *set,
                               struct jy_err *err);

/*
 * Run channel i on a page: JY_OK with the file's bytes appended to out,
 * JY_DECLINED when the channel has nothing for this page, JY_ERROR with err.
 */
int jy_plugin_host_render_channel(struct jy_plugin_host *host, size_t i,
                                  const struct jy_plugin_page *page, struct jy_buf *out,
                                  struct jy_err *err);

#endif /* JY_CORE_PLUGIN_H */
