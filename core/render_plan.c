/*
 * render_plan.c - the files of one site and what each depends on, from
 * its snapshot, without rendering anything. The incremental planner
 * compares this plan with the dependencies recorded last time
 * (render_dep): a file whose items (in order) or columns differ, or that
 * shows a changed item, is rendered again.
 *
 * Paths (relative to the site's folder; in an HTML channel of the theme, such
 * as 长辈版, its prefix before them: elder/):
 *   index.html                      home
 *   <column path>/index.html        page 1 of a list, or a single-page column
 *   <column path>/index_<n>.html    page n of a list
 *   <column path>/<item id>.html    an item's page (in the column that gives it a page here)
 *   wzdt/index.html                 the site map page (网站地图)
 *   tags/<tag id>/index[_<n>].html  the items of a tag that have pages here
 *   search/index.html, 404.html     search shell, not-found page
 *   <column path>/rss.xml           RSS 2.0 of a list column (rss channel)
 *   sitemap.xml, robots.txt         sitemap channel; past 50,000 URLs sitemap.xml is an
 *                                   index of sitemap-<n>.xml
 *   api/site.json, api/columns/<id>/<n>.json, api/items/<id>.json   json channel
 *   assets/<name>.<hash>.<ext>      the theme's fingerprinted assets
 *   <topic path>/section<N>[_<n>].html  page n of section N of a topic (render_topic.c)
 *   files/<sha256>.<ext>            a stored file a page links (render_files.c)
 */
#include "core/compat.h"
#include "core/render_int.h"
#include "core/pool.h"
#include "core/check.h"
#include "core/plugin.h"
#include "core/theme.h"

_Static_assert(RN_MAX_HCH == 1 + JY_THEME_MAX_CHANNELS, "an HTML channel per theme channel");

bool
rn_site_has_channel(const struct rn_site *s, const char *code)
{
    const char *p = s->channels ? strstr(s->channels, code) : NULL;
    size_t n = strlen(code);

    for (; p; p = strstr(p + 1, code))
        if (p[-1] == ',' && p[n] == ',')
            return true;
    return false;
}


const char *
rn_hch_code(const struct jy_theme *theme, int hch)
{
    return hch == 0 ? "desktop" : theme->channels[hch - 1].code;
}


const char *
rn_hch_prefix(struct jy_pool *pool, const struct jy_theme *theme, int hch)
{
    return hch == 0 ? "/" : jy_pool_printf(pool, "/%s/", theme->channels[hch - 1].prefix);
}


/* A page of the plan; hch > 0 puts it under that HTML channel's prefix. */
struct rn_page *
rn_plan_add(struct jy_pool *pool, struct rn_plan *plan, enum rn_page_kind kind, int hch,
            const char *path)
{
    struct rn_page *p;

    if (plan->n == plan->cap) {
        int cap = plan->cap ? plan->cap * 2 : 256;
        struct rn_page *v = jy_pool_new_array(pool, struct rn_page, (size_t) cap);
        if (plan->n)
            memcpy(v, plan->v, sizeof(*v) * (size_t) plan->n);
        plan->v = v;
        plan->cap = cap;
    }
    p = &plan->v[plan->n++];
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->hch = hch;
    p->col = p->item = p->asset = p->tag = -1;
    p->path =
        hch ? jy_pool_printf(pool, "%s/%s", plan->theme->channels[hch - 1].prefix, path) : path;
    return p;
}


/* The items of entries [from, to) of a list, in order. */
static void
deps_slice(struct jy_pool *pool, const struct rn_site *s, const struct rn_col *c, int from, int to,
           struct rn_page *p)
{
    if (to > c->nlist)
        to = c->nlist;
    if (from > to)
        from = to;
    p->ndeps_items = to - from;
    p->deps_items = jy_pool_new_array(pool, long long, (size_t) p->ndeps_items + 1);
    for (int i = from; i < to; i++)
        p->deps_items[i - from] = s->items[c->list[i].item].id;
    p->ndeps_cols = c->nsrc + 1;
    p->deps_cols = jy_pool_new_array(pool, long long, (size_t) p->ndeps_cols);
    p->deps_cols[0] = c->id;
    memcpy(p->deps_cols + 1, c->src, sizeof(long long) * (size_t) c->nsrc);
}


/* URLs of a site's sitemap: home, every column that has a page, every item page here. */
int
rn_sitemap_urls(const struct rn_site *s)
{
    int n = 1;

    for (int c = 0; c < s->ncols; c++)
        n += strcmp(s->cols[c].kind, "link") != 0;
    for (int i = 0; i < s->nitems; i++)
        n += s->items[i].local != NULL;
    return n;
}


int
rn_list_pages(const struct rn_col *c)
{
    int size = c->page_size > 0 ? c->page_size : 20;
    return c->nlist == 0 ? 1 : (c->nlist + size - 1) / size;
}


static bool
is_list(const struct rn_col *c)
{
    return strcmp(c->kind, "list") == 0 || strcmp(c->kind, "topic") == 0;
}


/* The HTML pages of one channel. */
static void
plan_html(struct jy_pool *pool, const struct rn_site *s, struct rn_plan *plan, int hch)
{
    struct rn_page *p;
    int ntop = 0;

    /* home: the latest items of every top list column */
    p = rn_plan_add(pool, plan, RP_HOME, hch, "index.html");
    p->desc = "home";
    for (int c = 0; c < s->ncols; c++)
        if (s->cols[c].parent < 0 && is_list(&s->cols[c]))
            ntop++;
    p->deps_items = jy_pool_new_array(pool, long long, (size_t) ntop *RN_HOME_ITEMS + 1);
    p->deps_cols = jy_pool_new_array(pool, long long, (size_t) ntop + 1);
    for (int c = 0; c < s->ncols; c++) {
        const struct rn_col *col = &s->cols[c];
        if (col->parent >= 0 || !is_list(col))
            continue;
        p->deps_cols[p->ndeps_cols++] = col->id;
        for (int e = 0; e < col->nlist && e < RN_HOME_ITEMS; e++)
            p->deps_items[p->ndeps_items++] = s->items[col->list[e].item].id;
    }

    for (int c = 0; c < s->ncols; c++) {
        const struct rn_col *col = &s->cols[c];
        if (strcmp(col->kind, "page") == 0) {
            p = rn_plan_add(pool, plan, RP_COLUMN, hch,
                            jy_pool_printf(pool, "%s/index.html", col->path));
            p->col = c;
            p->num = p->pages = 1;
            p->desc = jy_pool_printf(pool, "column %lld", col->id);
            p->deps_cols = jy_pool_new_array(pool, long long, 1);
            p->deps_cols[0] = col->id;
            p->ndeps_cols = 1;
            continue;
        }
        if (!is_list(col))
            continue;
        int pages = rn_list_pages(col), size = col->page_size > 0 ? col->page_size : 20;
        for (int n = 1; n <= pages; n++) {
            p = rn_plan_add(pool, plan, RP_COLUMN, hch,
                            n == 1 ? jy_pool_printf(pool, "%s/index.html", col->path)
                                   : jy_pool_printf(pool, "%s/index_%d.html", col->path, n));
            p->col = c;
            p->num = n;
            p->pages = pages;
            p->desc = jy_pool_printf(pool, "column %lld page %d of %d", col->id, n, pages);
            deps_slice(pool, s, col, (n - 1) * size, n * size, p);
        }
    }

    for (int i = 0; i < s->nitems; i++) {
        const struct rn_item *it = &s->items[i];
        if (it->local == NULL)
            continue;
        p = rn_plan_add(pool, plan, RP_ITEM, hch, it->local);
        p->item = i;
        p->col = it->local_col;
        p->desc = jy_pool_printf(pool, "item %lld in column %lld", it->id, s->cols[p->col].id);
        p->deps_items = jy_pool_new_array(pool, long long,
                                          (size_t) (2 + it->ninterpretations + it->ninterprets));
        p->deps_items[p->ndeps_items++] = it->id;
        for (int k = 0; k < it->ninterpretations; k++)
            p->deps_items[p->ndeps_items++] = it->interpretations[k];
        for (int k = 0; k < it->ninterprets; k++)
            p->deps_items[p->ndeps_items++] = it->interprets[k];
        if (it->validity_by)
            p->deps_items[p->ndeps_items++] = it->validity_by;
        p->deps_cols = jy_pool_new_array(pool, long long, 1);
        p->deps_cols[0] = s->cols[p->col].id;
        p->ndeps_cols = 1;
    }

    for (int t = 0; t < s->ntags; t++) {
        const struct rn_tag *tag = &s->tags[t];
        int pages = tag->nitems == 0 ? 1 : (tag->nitems + RN_TAG_PAGE - 1) / RN_TAG_PAGE;
        for (int n = 1; n <= pages; n++) {
            int from = (n - 1) * RN_TAG_PAGE, to = n * RN_TAG_PAGE;
            if (to > tag->nitems)
                to = tag->nitems;
            p = rn_plan_add(pool, plan, RP_TAG, hch,
                            n == 1 ? jy_pool_printf(pool, "tags/%lld/index.html", tag->id)
                                   : jy_pool_printf(pool, "tags/%lld/index_%d.html", tag->id, n));
            p->tag = t;
            p->num = n;
            p->pages = pages;
            p->desc = jy_pool_printf(pool, "tag %lld page %d of %d", tag->id, n, pages);
            p->deps_items = jy_pool_new_array(pool, long long, (size_t) (to - from) + 1);
            for (int i = from; i < to; i++)
                p->deps_items[p->ndeps_items++] = s->items[tag->items[i]].id;
        }
    }

    p = rn_plan_add(pool, plan, RP_SITEMAP_PAGE, hch, "wzdt/index.html");
    p->desc = "site map page";
    p = rn_plan_add(pool, plan, RP_SEARCH, hch, "search/index.html");
    p->desc = "search page";
    p = rn_plan_add(pool, plan, RP_404, hch, "404.html");
    p->desc = "not found page";
    rn_plan_topics(pool, s, plan, hch); /* pages of topic sections */
}


void
rn_plan_site(struct jy_pool *pool, const struct rn_site *s, const struct jy_theme *theme,
             const char *only_channel, struct rn_plan *plan)
{
    struct rn_page *p;
    bool all = only_channel == NULL;

    memset(plan, 0, sizeof(*plan));
    plan->theme = theme;
    for (int a = 0; a < theme->nassets; a++) {
        p = rn_plan_add(pool, plan, RP_ASSET, false, theme->assets[a].path);
        p->asset = a;
        p->desc = jy_pool_printf(pool, "asset %s of theme %s", theme->assets[a].file, theme->name);
    }
    if (s->closed) {
        /* a closed site is its redirects (old paths that are not ours to write are left to
         * the nginx map: check_plan would refuse them) */
        for (int i = 0; i < s->nredirects; i++) {
            if (!jy_render_path_ok(s->redirects[i].path))
                continue;
            p = rn_plan_add(pool, plan, RP_REDIRECT, false, s->redirects[i].path);
            p->tag = i;
            p->desc = jy_pool_printf(pool, "redirect to %s", s->redirects[i].url);
        }
        return;
    }
    if (all || strcmp(only_channel, "desktop") == 0) {
        int first = plan->n, last;
        struct jy_plugin_host *host = jy_check_host();
        plan_html(pool, s, plan, 0);
        last = plan->n;
        /*
         * The output channels of plugins (plugins/jiyue_plugin.h): one file
         * <page path><ext> per desktop page they take, with the page's
         * dependencies. A channel that declines a page writes nothing.
         */
        for (size_t c = 0; host && all && c < jy_plugin_host_channels(host); c++) {
            const struct jy_plugin_channel *ch = jy_plugin_host_channel(host, c);
            for (int i = first; i < last; i++) {
                struct rn_page base = plan->v[i];
                if (base.kind == RP_SEARCH || base.kind == RP_404)
                    continue;
                p = rn_plan_add(pool, plan, RP_PLUGIN, false,
                                jy_pool_printf(pool, "%s%s", base.path, ch->ext));
                p->base = i;
                p->channel = (int) c;
                p->item = base.item;
                p->col = base.col;
                p->deps_items = base.deps_items;
                p->ndeps_items = base.ndeps_items;
                p->deps_cols = base.deps_cols;
                p->ndeps_cols = base.ndeps_cols;
                p->desc = jy_pool_printf(pool, "channel %s of %s", ch->name, base.desc);
            }
        }
    }
    /* the theme's other HTML channels (长辈版 ...) that the site renders */
    bool html = all || strcmp(only_channel, "desktop") == 0 || strcmp(only_channel, "file") == 0;
    for (int k = 0; k < theme->nchannels; k++)
        if ((all && rn_site_has_channel(s, theme->channels[k].code)) ||
            (only_channel && strcmp(only_channel, theme->channels[k].code) == 0)) {
            plan_html(pool, s, plan, k + 1);
            html = true;
        }
    /* the stored files the pages link (render_files.c), for every HTML channel */
    if (html)
        rn_plan_files(pool, s, plan);

    if ((all && s->ch_rss) || (only_channel && strcmp(only_channel, "rss") == 0))
        for (int c = 0; c < s->ncols; c++) {
            const struct rn_col *col = &s->cols[c];
            if (!is_list(col))
                continue;
            p = rn_plan_add(pool, plan, RP_RSS, false,
                            jy_pool_printf(pool, "%s/rss.xml", col->path));
            p->col = c;
            p->desc = jy_pool_printf(pool, "rss of column %lld", col->id);
            deps_slice(pool, s, col, 0, RN_FEED_ITEMS, p);
        }

    if ((all && s->ch_sitemap) || (only_channel && strcmp(only_channel, "sitemap") == 0)) {
        /* one file, or past RN_SITEMAP_URLS an index (num 0) and files of that many (1..) */
        int urls = rn_sitemap_urls(s), files = (urls + RN_SITEMAP_URLS - 1) / RN_SITEMAP_URLS;
        for (int n = files > 1 ? 0 : 1; n <= (files > 1 ? files : 1); n++) {
            p = rn_plan_add(pool, plan, RP_SITEMAP_XML, false,
                            n <= 1 && files <= 1 ? "sitemap.xml"
                            : n == 0             ? "sitemap.xml"
                                                 : jy_pool_printf(pool, "sitemap-%d.xml", n));
            p->num = files > 1 ? n : 1;
            p->pages = files > 1 ? files : 1;
            p->desc = n == 0 ? "sitemap index" : jy_pool_printf(pool, "sitemap %d of %d", n, files);
            if (n == 0)
                continue; /* the index names files, not items: the count decides it */
            p->deps_items = jy_pool_new_array(pool, long long, (size_t) s->nitems + 1);
            for (int i = 0; i < s->nitems; i++)
                if (s->items[i].local)
                    p->deps_items[p->ndeps_items++] = s->items[i].id;
        }
        p = rn_plan_add(pool, plan, RP_ROBOTS, false, "robots.txt");
        p->desc = "robots.txt";
    }

    if ((all && s->ch_json) || (only_channel && strcmp(only_channel, "json") == 0)) {
        p = rn_plan_add(pool, plan, RP_JSON_SITE, false, "api/site.json");
        p->desc = "site and column tree as JSON";
        for (int c = 0; c < s->ncols; c++) {
            const struct rn_col *col = &s->cols[c];
            if (!is_list(col))
                continue;
            int pages = rn_list_pages(col), size = col->page_size > 0 ? col->page_size : 20;
            for (int n = 1; n <= pages; n++) {
                p = rn_plan_add(pool, plan, RP_JSON_COLUMN, false,
                                jy_pool_printf(pool, "api/columns/%lld/%d.json", col->id, n));
                p->col = c;
                p->num = n;
                p->pages = pages;
                p->desc =
                    jy_pool_printf(pool, "json of column %lld page %d of %d", col->id, n, pages);
                deps_slice(pool, s, col, (n - 1) * size, n * size, p);
            }
        }
        for (int i = 0; i < s->nitems; i++) {
            if (s->items[i].local == NULL)
                continue;
            p = rn_plan_add(pool, plan, RP_JSON_ITEM, false,
                            jy_pool_printf(pool, "api/items/%lld.json", s->items[i].id));
            p->item = i;
            p->col = s->items[i].local_col;
            p->desc = jy_pool_printf(pool, "json of item %lld", s->items[i].id);
            p->deps_items = jy_pool_new_array(pool, long long, 1);
            p->deps_items[0] = s->items[i].id;
            p->ndeps_items = 1;
        }
    }
}
