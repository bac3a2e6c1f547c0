/*
 * theme.h - a site's theme as the renderer sees it: the chain of theme
 * folders (the site's own theme, then the platform default), the lookup
 * rule of docs/themes.md, the required page templates and the
 * fingerprinted assets.
 *
 * A theme is opened once per render run and is read-only afterwards, so
 * rendering threads share it. Templates are compiled into a jy_tpl_set per
 * thread and channel (jy_theme_tpl_set): a set is not thread-safe.
 *
 *     struct jy_theme *t = jy_theme_open(pool, share_dir, "default", &err);
 *     struct jy_tpl_set *set = jy_theme_tpl_set(t, "elder");
 *     const struct jy_tpl *page = jy_tpl_set_load(set, "item", &err);
 *
 * Assets: every file named in theme.json "assets" is read once, hashed
 * (SHA-256) and given a fingerprinted name, site.3b1f0c9a.css: the first 8
 * hex digits of the hash before the extension. Mirrors and browsers may
 * cache such a name forever; a change of content is a new name.
 */
#ifndef JY_CORE_THEME_H
#define JY_CORE_THEME_H

#include <stdbool.h>
#include <stddef.h>

struct jy_err;
struct jy_pool;
struct jy_tpl_set;

#define JY_THEME_MAX_DIRS     4
#define JY_THEME_MAX_ASSETS   32
#define JY_THEME_MAX_PAGES    32
#define JY_THEME_MAX_CHANNELS 8

/*
 * An HTML channel beside desktop, declared in theme.json "channels": the
 * same pages under their own path prefix, with the templates of
 * channels/<code>/templates/ before the common ones. 长辈版 is the default
 * theme's {"code": "elder", "label": "长辈版", "prefix": "elder"}; a site
 * renders the ones its site.channels name. A theme.json without "channels"
 * declares elder alone, as the default does.
 */
struct jy_theme_channel {
    const char *code;   /* in site.channels and render_file.channel: [a-z][a-z0-9_]* */
    const char *label;  /* what links to it say: 长辈版 */
    const char *prefix; /* folder of its pages in the site's tree: elder */
};

struct jy_theme_asset {
    const char *key;    /* context name: css, elder_css, js */
    const char *file;   /* as in theme.json: site.css */
    const char *path;   /* output path: assets/site.3b1f0c9a.css */
    const char *sha256; /* of the bytes, hex */
    const unsigned char *data;
    size_t len;
};

struct jy_theme {
    const char *name;
    const char *dirs[JY_THEME_MAX_DIRS]; /* most specific first, the default last */
    int ndirs;
    const char *pages[JY_THEME_MAX_PAGES]; /* templates the theme must have */
    int npages;
    struct jy_theme_asset assets[JY_THEME_MAX_ASSETS];
    int nassets;
    struct jy_theme_channel channels[JY_THEME_MAX_CHANNELS];
    int nchannels;
    const char *sha256; /* of every template and asset file of the chain: a change of any
                           of them changes it (the renderer re-renders the theme's pages) */
};

/*
 * Open theme `name` below share_dir/themes. "default" is the platform
 * theme; any other name is a site theme laid over it. Checks that name is
 * a plain folder name, that the folders exist, that theme.json parses,
 * that every page template of "pages" exists and compiles (with the
 * partials and parents it names) for desktop, for every channel the theme
 * declares and for every one in channels[] (tests), and that
 * every asset can be read. Everything lives in pool. NULL with err naming
 * the file (and line and column for a template) on failure.
 */
struct jy_theme *jy_theme_open(struct jy_pool *pool, const char *share_dir, const char *name,
                               const char *const *channels, int nchannels, struct jy_err *err);

/* A new template set for one channel ("desktop", "elder"), loading through the lookup rule.
 * Destroy it with jy_tpl_set_destroy(). */
struct jy_tpl_set *jy_theme_tpl_set(const struct jy_theme *theme, const char *channel);

/* The asset of context name key, or NULL. */
const struct jy_theme_asset *jy_theme_asset(const struct jy_theme *theme, const char *key);

/* True for a channel's code or path prefix: [a-z][a-z0-9_]*, at most 32 characters. */
bool jy_theme_channel_word_ok(const char *s);

/* True for a template name the lookup rule accepts: [a-z0-9_-] parts joined by '/'. */
bool jy_theme_valid_template_name(const char *name);

#endif /* JY_CORE_THEME_H */
