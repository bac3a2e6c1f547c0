/*
 * theme.c - theme chains, the template lookup rule and fingerprinted
 * assets; see theme.h and docs/themes.md.
 */
#include "core/compat.h"
#include "core/theme.h"
#include "core/buf.h"
#include "core/check.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/plugin.h"
#include "core/pool.h"
#include "core/tpl.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <sys/stat.h>

/* What a template set's loader needs: the chain and the channel. */
struct theme_loader {
    const struct jy_theme *theme;
    char channel[32];
};


bool
jy_theme_valid_template_name(const char *name)
{
    const char *p = name;

    if (*p == '\0')
        return false;
    while (*p) {
        const char *start = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
            p++;
        if (p == start || (*p != '\0' && *p != '/'))
            return false;
        if (*p == '/')
            p++;
        if (*p == '\0' && p[-1] == '/')
            return false;
    }
    return true;
}


/* Append the whole file to out: JY_OK, JY_DECLINED when it does not exist, JY_ERROR. */
static int
read_whole(const char *path, struct jy_buf *out, struct jy_err *err)
{
    char chunk[16384];
    size_t n;
    FILE *f = fopen(path, "rb");

    if (f == NULL) {
        if (errno == ENOENT || errno == ENOTDIR)
            return JY_DECLINED;
        jy_err_errno(err, errno, "could not read \"%s\"", path);
        return JY_ERROR;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        jy_buf_add(out, chunk, n);
    if (ferror(f)) {
        jy_err_errno(err, errno, "could not read \"%s\"", path);
        fclose(f);
        return JY_ERROR;
    }
    fclose(f);
    return JY_OK;
}


/* The lookup rule of docs/themes.md: channel folder, then templates/, theme by theme. */
static int
theme_load(void *data, const char *name, struct jy_buf *text, struct jy_err *err)
{
    const struct theme_loader *l = data;
    char path[4096];
    int rc;

    if (!jy_theme_valid_template_name(name))
        return JY_DECLINED;
    for (int i = 0; i < l->theme->ndirs; i++) {
        if (l->channel[0]) {
            snprintf(path, sizeof(path), "%s/channels/%s/templates/%s.html", l->theme->dirs[i],
                     l->channel, name);
            if ((rc = read_whole(path, text, err)) != JY_DECLINED)
                return rc;
        }
        snprintf(path, sizeof(path), "%s/templates/%s.html", l->theme->dirs[i], name);
        if ((rc = read_whole(path, text, err)) != JY_DECLINED)
            return rc;
    }
    return JY_DECLINED;
}


static void
loader_free(void *data)
{
    free(data);
}


struct jy_tpl_set *
jy_theme_tpl_set(const struct jy_theme *theme, const char *channel)
{
    struct theme_loader *l = jy_xmalloc(sizeof(*l));
    struct jy_tpl_set *set;

    l->theme = theme;
    snprintf(l->channel, sizeof(l->channel), "%s", channel ? channel : "");
    set = jy_tpl_set_create(theme_load, l);
    jy_tpl_set_on_destroy(set, loader_free, l);
    /* the plugins' render helpers ({{x | name}}, plugins/jiyue_plugin.h) when loaded */
    if (jy_check_host() != NULL) {
        struct jy_err err = JY_ERR_INIT;
        if (jy_plugin_host_add_helpers(jy_check_host(), set, &err) != JY_OK)
            jy_log_warn("theme", "plugin helpers not available: %s", err.msg);
    }
    return set;
}


const struct jy_theme_asset *
jy_theme_asset(const struct jy_theme *theme, const char *key)
{
    for (int i = 0; i < theme->nassets; i++)
        if (strcmp(theme->assets[i].key, key) == 0)
            return &theme->assets[i];
    return NULL;
}


static bool
is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}


static const char *
hex(struct jy_pool *pool, const unsigned char *h, size_t n)
{
    char *s = jy_pool_alloc(pool, n * 2 + 1);
    sodium_bin2hex(s, n * 2 + 1, h, n);
    return s;
}


/* Asset file names: [A-Za-z0-9_-] with one extension; nothing that could leave assets/. */
static bool
valid_asset_name(const char *s)
{
    const char *dot = strrchr(s, '.');
    size_t n = strlen(s);

    if (n == 0 || n > 100 || dot == NULL || dot == s || dot[1] == '\0')
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || (*p == '.' && p == dot)))
            return false;
    return true;
}


/* Read theme.json of the most specific theme that has one (a site theme may omit it). */
bool
jy_theme_channel_word_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > 32 || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}


static bool
valid_channel_word(const cJSON *v)
{
    return cJSON_IsString(v) && jy_theme_channel_word_ok(v->valuestring);
}


/*
 * theme.json "channels": [{"code", "label", "prefix"}] (absent: elder, as
 * the default theme declares it). A prefix may not take a name the
 * renderer writes at the top of a site's tree.
 */
static int
theme_read_channels(struct jy_pool *pool, struct jy_theme *t, const cJSON *chs, const char *path,
                    struct jy_err *err)
{
    static const char *const reserved[] = {"desktop", "api",   "assets", "tags",  "wzdt",
                                           "search",  "files", "rss",    "json",  "sitemap",
                                           "mobile",  "asset", "plugin", "index", NULL};
    const cJSON *c;

    if (chs == NULL) {
        t->channels[0] = (struct jy_theme_channel){"elder", "长辈版", "elder"};
        t->nchannels = 1;
        return JY_OK;
    }
    if (!cJSON_IsArray(chs)) {
        jy_err_set(err, JY_E_INVALID, "%s: \"channels\" must be a list", path);
        return JY_ERROR;
    }
    cJSON_ArrayForEach(c, chs)
    {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(c, "code");
        const cJSON *label = cJSON_GetObjectItemCaseSensitive(c, "label");
        const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(c, "prefix");
        struct jy_theme_channel *ch;

        if (t->nchannels == JY_THEME_MAX_CHANNELS) {
            jy_err_set(err, JY_E_INVALID, "%s: more than %d channels", path, JY_THEME_MAX_CHANNELS);
            return JY_ERROR;
        }
        if (!cJSON_IsObject(c) || !valid_channel_word(code) || !valid_channel_word(prefix) ||
            !cJSON_IsString(label) || label->valuestring[0] == '\0' || cJSON_GetArraySize(c) != 3) {
            jy_err_set(err, JY_E_INVALID,
                       "%s: channel %d must be {\"code\", \"label\", \"prefix\"}, code and "
                       "prefix of a-z, 0-9 and _ (starting with a letter), a label to show",
                       path, t->nchannels + 1);
            return JY_ERROR;
        }
        for (int r = 0; reserved[r]; r++)
            if (strcmp(code->valuestring, reserved[r]) == 0 ||
                strcmp(prefix->valuestring, reserved[r]) == 0) {
                jy_err_set(err, JY_E_INVALID,
                           "%s: channel \"%s\" takes the name \"%s\", which the renderer uses",
                           path, code->valuestring, reserved[r]);
                return JY_ERROR;
            }
        for (int k = 0; k < t->nchannels; k++)
            if (strcmp(t->channels[k].code, code->valuestring) == 0 ||
                strcmp(t->channels[k].prefix, prefix->valuestring) == 0) {
                jy_err_set(err, JY_E_INVALID, "%s: channel \"%s\" repeats a code or prefix", path,
                           code->valuestring);
                return JY_ERROR;
            }
        ch = &t->channels[t->nchannels++];
        ch->code = jy_pool_strdup(pool, code->valuestring);
        ch->label = jy_pool_strdup(pool, label->valuestring);
        ch->prefix = jy_pool_strdup(pool, prefix->valuestring);
    }
    return JY_OK;
}


static int
theme_read_manifest(struct jy_pool *pool, struct jy_theme *t, struct jy_err *err)
{
    const cJSON *j = NULL, *pages, *assets, *it;
    char path[4096];

    for (int i = 0; i < t->ndirs && j == NULL; i++) {
        snprintf(path, sizeof(path), "%s/theme.json", t->dirs[i]);
        j = jy_json_load_file(pool, path, err);
        if (j == NULL && err->code != JY_E_NOT_FOUND)
            return JY_ERROR;
    }
    if (j == NULL) {
        jy_err_set(err, JY_E_NOT_FOUND, "theme \"%s\" has no theme.json", t->name);
        return JY_ERROR;
    }
    jy_err_clear(err); /* a site theme without its own theme.json is fine */
    pages = cJSON_GetObjectItemCaseSensitive(j, "pages");
    assets = cJSON_GetObjectItemCaseSensitive(j, "assets");
    if (!cJSON_IsArray(pages) || !cJSON_IsObject(assets)) {
        jy_err_set(err, JY_E_INVALID, "%s: \"pages\" must be a list and \"assets\" an object",
                   path);
        return JY_ERROR;
    }
    cJSON_ArrayForEach(it, pages)
    {
        if (!cJSON_IsString(it) || !jy_theme_valid_template_name(it->valuestring) ||
            t->npages == JY_THEME_MAX_PAGES) {
            jy_err_set(err, JY_E_INVALID, "%s: \"pages\" holds a bad template name or too many",
                       path);
            return JY_ERROR;
        }
        t->pages[t->npages++] = jy_pool_strdup(pool, it->valuestring);
    }
    if (theme_read_channels(pool, t, cJSON_GetObjectItemCaseSensitive(j, "channels"), path, err) !=
        JY_OK)
        return JY_ERROR;
    cJSON_ArrayForEach(it, assets)
    {
        if (!cJSON_IsString(it) || !valid_asset_name(it->valuestring) ||
            t->nassets == JY_THEME_MAX_ASSETS) {
            jy_err_set(err, JY_E_INVALID,
                       "%s: asset \"%s\" must name a file of assets/ such as site.css", path,
                       it->string);
            return JY_ERROR;
        }
        t->assets[t->nassets].key = jy_pool_strdup(pool, it->string);
        t->assets[t->nassets].file = jy_pool_strdup(pool, it->valuestring);
        t->nassets++;
    }
    return JY_OK;
}


/* Read, hash and name every asset (the most specific theme's file wins). */
static int
theme_load_assets(struct jy_pool *pool, struct jy_theme *t, crypto_hash_sha256_state *all,
                  struct jy_err *err)
{
    char path[4096];

    for (int a = 0; a < t->nassets; a++) {
        struct jy_theme_asset *as = &t->assets[a];
        struct jy_buf b = JY_BUF_INIT(pool);
        unsigned char h[crypto_hash_sha256_BYTES];
        int rc = JY_DECLINED;
        const char *dot;

        for (int i = 0; i < t->ndirs && rc == JY_DECLINED; i++) {
            snprintf(path, sizeof(path), "%s/assets/%s", t->dirs[i], as->file);
            rc = read_whole(path, &b, err);
        }
        if (rc == JY_ERROR)
            return JY_ERROR;
        if (rc == JY_DECLINED) {
            jy_err_set(err, JY_E_NOT_FOUND, "theme \"%s\": asset \"%s\" (%s) is missing", t->name,
                       as->key, as->file);
            jy_err_hint(err, "Put the file in the theme's assets/ folder or remove it from "
                             "theme.json.");
            return JY_ERROR;
        }
        crypto_hash_sha256(h, (const unsigned char *) b.buf, b.len);
        crypto_hash_sha256_update(all, h, sizeof(h));
        as->sha256 = hex(pool, h, sizeof(h));
        as->data = (const unsigned char *) b.buf;
        as->len = b.len;
        dot = strrchr(as->file, '.');
        as->path = jy_pool_printf(pool, "assets/%.*s.%.8s%s", (int) (dot - as->file), as->file,
                                  as->sha256, dot);
    }
    return JY_OK;
}


/* Hash every template file of the chain, in a stable order, into all. */
static void
theme_hash_templates(const char *dir, crypto_hash_sha256_state *all, struct jy_pool *pool,
                     int depth)
{
    struct dirent **names = NULL;
    int n;

    if (depth > 8 || (n = scandir(dir, &names, NULL, alphasort)) < 0)
        return;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] == '.')
            continue;
        const char *p = jy_pool_printf(pool, "%s/%s", dir, names[i]->d_name);
        struct jy_buf b = JY_BUF_INIT(pool);
        struct jy_err e = JY_ERR_INIT;
        if (is_dir(p)) {
            theme_hash_templates(p, all, pool, depth + 1);
        } else if (read_whole(p, &b, &e) == JY_OK) {
            crypto_hash_sha256_update(all, (const unsigned char *) p, strlen(p) + 1);
            crypto_hash_sha256_update(all, (const unsigned char *) b.buf, b.len);
        }
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}


struct jy_theme *
jy_theme_open(struct jy_pool *pool, const char *share_dir, const char *name,
              const char *const *channels, int nchannels, struct jy_err *err)
{
    struct jy_theme *t = jy_pool_new(pool, struct jy_theme);
    crypto_hash_sha256_state all;
    unsigned char h[crypto_hash_sha256_BYTES];

    if (!jy_theme_valid_template_name(name) || strchr(name, '/')) {
        jy_err_set(err, JY_E_INVALID,
                   "theme name \"%s\" is not a folder name of themes/ ([a-z0-9_-])", name);
        return NULL;
    }
    t->name = jy_pool_strdup(pool, name);
    if (strcmp(name, "default") != 0)
        t->dirs[t->ndirs++] = jy_pool_printf(pool, "%s/themes/%s", share_dir, name);
    t->dirs[t->ndirs++] = jy_pool_printf(pool, "%s/themes/default", share_dir);
    for (int i = 0; i < t->ndirs; i++)
        if (!is_dir(t->dirs[i])) {
            jy_err_set(err, JY_E_NOT_FOUND, "theme folder \"%s\" does not exist", t->dirs[i]);
            return NULL;
        }
    if (sodium_init() < 0) {
        jy_err_set(err, JY_E_INTERNAL, "libsodium could not start");
        return NULL;
    }
    if (theme_read_manifest(pool, t, err) != JY_OK)
        return NULL;
    crypto_hash_sha256_init(&all);
    if (theme_load_assets(pool, t, &all, err) != JY_OK)
        return NULL;
    for (int i = t->ndirs - 1; i >= 0; i--) {
        theme_hash_templates(jy_pool_printf(pool, "%s/templates", t->dirs[i]), &all, pool, 0);
        theme_hash_templates(jy_pool_printf(pool, "%s/channels", t->dirs[i]), &all, pool, 0);
    }
    crypto_hash_sha256_final(&all, h);
    t->sha256 = hex(pool, h, sizeof(h));

    /* Every page template compiles, with what it includes, in every channel:
     * a broken theme is refused before anything is written. */
    for (int c = -1 - t->nchannels; c < nchannels; c++) {
        const char *chn = c == -1 - t->nchannels ? "desktop"
                          : c < 0                ? t->channels[c + t->nchannels].code
                                                 : channels[c];
        struct jy_tpl_set *set;
        bool done = false;
        for (int k = 0; k < t->nchannels && c >= 0; k++)
            done = done || strcmp(chn, t->channels[k].code) == 0;
        if (done || (c >= 0 && strcmp(chn, "desktop") == 0))
            continue;
        set = jy_theme_tpl_set(t, chn);
        for (int p = 0; p < t->npages; p++) {
            if (jy_tpl_set_load(set, t->pages[p], err) == NULL ||
                jy_tpl_check_refs(set, t->pages[p], err) != JY_OK) {
                if (err->code == JY_E_NOT_FOUND)
                    jy_err_hint(err, "Theme \"%s\" (channel %s) must have templates/%s.html.", name,
                                chn, t->pages[p]);
                jy_tpl_set_destroy(set);
                return NULL;
            }
        }
        jy_tpl_set_destroy(set);
    }
    return t;
}
