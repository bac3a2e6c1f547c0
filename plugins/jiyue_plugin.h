/*
 * jiyue_plugin.h - the interface between the jiyue program and its plugins.
 *
 * A plugin is a shared object in the plugin folder (setting plugin_dir). At
 * start the host dlopen()s every *.so there and, for each:
 *
 *  1. calls jiyue_plugin_info() (declare it with JIYUE_PLUGIN_DECLARE) and
 *     compares info->abi with its own JY_PLUGIN_ABI: a plugin built for
 *     another interface version is reported and skipped, never called;
 *  2. calls jiyue_plugin_init(api): the plugin registers what it offers
 *     through the api table (pre-publish checks, render helpers, output
 *     channels) and returns 0, or returns -1 after api->fail() to be
 *     reported and skipped (a lexicon that does not parse ...).
 *
 * Plugins call the host only through the api table (sqlite3ext.h): it is
 * append-only, so a plugin built for ABI N runs on any host whose api->size
 * covers the members it uses. Nothing else of the host is linked into a
 * plugin; build plugins with -fvisibility=hidden and export only the two
 * functions above. Symbols of a plugin start with its name.
 *
 * Checks run in a worker process (core/check.h): a check that crashes or
 * hangs kills only the worker, which the host reports and restarts. So a
 * check must not rely on state kept between runs beyond what it built in
 * init, and must not write to files it did not open itself.
 *
 * Strings handed to a plugin are UTF-8 and NUL-terminated, valid for the
 * duration of the call. Strings a plugin hands to the host (findings,
 * helper output) are copied during the call, so stack buffers are fine.
 *
 * See docs/plugins.md and plugins/example/example.c.
 */
#ifndef JIYUE_PLUGIN_H
#define JIYUE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

/* Bump when a struct below changes other than by appending to jy_plugin_api. */
#define JY_PLUGIN_ABI 1

#if defined(__GNUC__)
#define JY_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define JY_PLUGIN_EXPORT
#endif

struct jy_plugin_api;
struct jy_plugin_sink;
struct jy_plugin_out;

/* What the plugin says about itself, before the host calls anything else. */
struct jy_plugin_info {
    uint32_t abi;        /* JY_PLUGIN_ABI the plugin was compiled against */
    const char *name;    /* [a-z0-9_]+, unique among loaded plugins */
    const char *version; /* free text, shown by `jiyue check plugins` */
};

/* ---- pre-publish checks ------------------------------------------------ */

/* What a finding does when the item is published (per site, table check_setting). */
enum jy_plugin_severity {
    JY_PLUGIN_OFF = 0,   /* the kind is not checked */
    JY_PLUGIN_WARN = 1,  /* shown, publishing goes on */
    JY_PLUGIN_BLOCK = 2, /* publishing is refused until fixed */
};

/* One kind of finding a check produces; sites configure severity per kind. */
struct jy_plugin_check_kind {
    const char *name;    /* [a-z0-9_]+: "words", "typos" ... unique among all plugins */
    const char *title;   /* for editors: 敏感词 */
    int default_save;    /* JY_PLUGIN_OFF or JY_PLUGIN_WARN: run when an item is saved */
    int default_publish; /* JY_PLUGIN_OFF, _WARN or _BLOCK: when it is published */
};

/*
 * A text field of the document. Rich text (the body) arrives as plain
 * text: one paragraph per line ('\n' between block elements, '\t' between
 * table cells), entities decoded, tags removed. Attachment file names are
 * the field "attachments", one name per line.
 */
struct jy_plugin_field {
    const char *name;  /* title, subtitle, summary, body, attachments ... */
    const char *label; /* 标题, 正文 ... */
    const char *text;
    size_t len; /* bytes */
};

/* A link of the body: <a href> or <img src>. */
struct jy_plugin_link {
    const char *url; /* as written, entities decoded */
    int field;       /* index into doc->fields */
    size_t offset;   /* byte offset of the link text in that field */
    size_t len;      /* bytes of link text (0 for an image) */
};

/* A metadata field of the item's kind, with its value and whether it is required. */
struct jy_plugin_meta {
    const char *field;       /* doc_no */
    const char *label;       /* 文号 */
    const char *value;       /* as text; NULL or "" when empty */
    const char *required_by; /* NULL: optional; else why: "kind policy", "column 政策文件" */
};

/* An entry the site added to a lexicon (table check_lexicon). */
struct jy_plugin_lex_entry {
    const char *lexicon;     /* sensitive, whitelist, typos, names */
    const char *entry;       /* the word, or the wrong form */
    const char *replacement; /* the right form (typos, names); NULL otherwise */
};

/* The document checked: a saved item, or a text not yet saved (item_id 0). */
struct jy_plugin_doc {
    long long item_id;
    long long site_id; /* the site it is checked for; 0 when none */
    const char *kind;  /* item kind (article, policy ...); NULL when unknown */
    const struct jy_plugin_field *fields;
    int nfields;
    const struct jy_plugin_link *links;
    int nlinks;
    const struct jy_plugin_meta *meta;
    int nmeta;
    const struct jy_plugin_lex_entry *lexicon;
    int nlexicon;
    const char *const *domains; /* the site's domains: links to them are internal */
    int ndomains;
};

/* A finding, handed to api->report(). */
struct jy_plugin_finding {
    const char *kind;       /* one of the check's kinds */
    int field;              /* index into doc->fields, -1 for the whole item */
    size_t offset;          /* bytes into the field's text (the host counts characters) */
    size_t len;             /* bytes of the matched text */
    const char *matched;    /* NULL: the text at offset/len */
    const char *message;    /* for the editor, Chinese welcome */
    const char *suggestion; /* the fix, NULL when none */
};

/*
 * Run the check on doc, reporting each finding with api->report(sink, ...).
 * Return 0, or -1 when the check could not run (api->fail() says why).
 */
typedef int (*jy_plugin_check_fn)(void *data, const struct jy_plugin_doc *doc,
                                  struct jy_plugin_sink *sink);

struct jy_plugin_check {
    const char *name; /* the check: [a-z0-9_]+ */
    const struct jy_plugin_check_kind *kinds;
    int nkinds;
    jy_plugin_check_fn run;
    void *data;
};

/* ---- render helpers ---------------------------------------------------- */

/*
 * A helper is a filter of the template engine: {{value | name arg ...}}.
 * It reads text[0..len) (the value, or the output of the previous
 * filter), appends its result with api->out_add() and returns 0, or -1
 * after api->out_fail() to end the render with that message. The renderer
 * HTML-escapes the final result of a {{ }} tag.
 */
typedef int (*jy_plugin_helper_fn)(void *data, const char *text, size_t len, int argc,
                                   const char *const *argv, struct jy_plugin_out *out);

struct jy_plugin_helper {
    const char *name; /* [a-z0-9_]+ */
    int min_args;
    int max_args;
    jy_plugin_helper_fn fn;
    void *data;
};

/* ---- output channels --------------------------------------------------- */

/* A page the renderer has produced, offered to every channel. */
struct jy_plugin_page {
    const char *site_code; /* 政府网站标识码 */
    const char *path;      /* URL path of the page: /zwgk/zcwj/123.html */
    const char *kind;      /* home, column, item, sitemap ... */
    const char *context;   /* the page's template context as JSON */
    size_t context_len;
};

/*
 * Render the page for this channel: append the file's bytes with
 * api->out_add() and return 0 (the renderer writes <path><ext> and pushes
 * it with the site's files), 1 when the channel has nothing for this page,
 * or -1 after api->out_fail().
 */
typedef int (*jy_plugin_channel_fn)(void *data, const struct jy_plugin_page *page,
                                    struct jy_plugin_out *out);

struct jy_plugin_channel {
    const char *name; /* [a-z0-9_]+: "wechat" */
    const char *ext;  /* suffix of the output file: ".wechat.json" */
    jy_plugin_channel_fn render;
    void *data;
};

/* ---- the host's table -------------------------------------------------- */

enum jy_plugin_log_level { JY_PLUGIN_LOG_DEBUG = 0, JY_PLUGIN_LOG_INFO, JY_PLUGIN_LOG_WARN };

struct jy_plugin_api {
    uint32_t abi;  /* the host's JY_PLUGIN_ABI */
    uint32_t size; /* sizeof(struct jy_plugin_api) of the host: members past it are absent */
    void *host;    /* the host's, opaque */

    /* registration, during jiyue_plugin_init only; 0, or -1 (name taken, bad shape) */
    int (*register_check)(struct jy_plugin_api *api, const struct jy_plugin_check *check);
    int (*register_helper)(struct jy_plugin_api *api, const struct jy_plugin_helper *helper);
    int (*register_channel)(struct jy_plugin_api *api, const struct jy_plugin_channel *channel);

    /* why init failed, as "lexicon \"/x/words.txt\" line 3: invalid UTF-8" */
    void (*fail)(struct jy_plugin_api *api, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
    void (*log)(struct jy_plugin_api *api, int level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    /*
     * A setting of the host (plugin_dir, check_lexicon_dir,
     * check_link_timeout, check_link_ttl ...); NULL when unknown.
     */
    const char *(*setting)(struct jy_plugin_api *api, const char *key);

    /* during a check */
    void (*report)(struct jy_plugin_sink *sink, const struct jy_plugin_finding *finding);
    /* why the check could not run (it then returns -1) */
    void (*check_fail)(struct jy_plugin_sink *sink, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
    /*
     * An internal link: 1 when path (/col/123.html, /col/) is a published
     * item or a column page of site_id, 0 when not, -1 when it could not be
     * looked up. path may also be an absolute http(s) URL: then its host
     * names the site, and the answer is -2 when the host is no domain of
     * the platform (the link is external).
     */
    int (*url_published)(struct jy_plugin_sink *sink, long long site_id, const char *path);
    /*
     * The link cache: 1 and *status/info when url was checked less than
     * check_link_ttl ago, 0 when not cached. status: HTTP status, 0 when the
     * request failed (info says why).
     */
    int (*link_cache_get)(struct jy_plugin_sink *sink, const char *url, int *status, char *info,
                          size_t info_size);
    void (*link_cache_put)(struct jy_plugin_sink *sink, const char *url, int status,
                           const char *info);

    /* helper and channel output */
    void (*out_add)(struct jy_plugin_out *out, const char *data, size_t len);
    void (*out_fail)(struct jy_plugin_out *out, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

    /* append new members here only */
};

/* Exported by every plugin. */
typedef const struct jy_plugin_info *(*jy_plugin_info_fn)(void);
typedef int (*jy_plugin_init_fn)(struct jy_plugin_api *api);

JY_PLUGIN_EXPORT const struct jy_plugin_info *jiyue_plugin_info(void);
JY_PLUGIN_EXPORT int jiyue_plugin_init(struct jy_plugin_api *api);

/* Define jiyue_plugin_info() for a plugin built against this header. */
#define JIYUE_PLUGIN_DECLARE(name_, version_)                                        \
    JY_PLUGIN_EXPORT const struct jy_plugin_info *jiyue_plugin_info(void)            \
    {                                                                                \
        static const struct jy_plugin_info info_ = {JY_PLUGIN_ABI, name_, version_}; \
        return &info_;                                                               \
    }

#endif /* JIYUE_PLUGIN_H */
