/*
 * render_int.h - the renderer's internals, shared by render_load.c (reads a
 * site from the database), render_plan.c (which files a site has and what
 * each depends on), render_page.c (the page contexts and non-HTML files)
 * and render.c (threads, output, manifest, incremental runs).
 *
 * A site snapshot (struct rn_site) is everything the pages of one site
 * show, read in a few statements and then read-only: rendering threads
 * share it without locks.
 */
#ifndef JY_CORE_RENDER_INT_H
#define JY_CORE_RENDER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/render.h" /* jy_render_path_ok */

struct cJSON;
struct jy_buf;
struct jy_db;
struct jy_err;
struct jy_pool;
struct jy_theme;
struct jy_tpl_set;

#define RN_HOME_ITEMS   10    /* latest items of each top column on the home page */
#define RN_FEED_ITEMS   20    /* items of an RSS feed */
#define RN_TAG_PAGE     20    /* items per tag page */
#define RN_SITEMAP_URLS 50000 /* URLs of one sitemap file (sitemaps.org) */
#define RN_MAX_HCH      9     /* HTML channels: desktop and JY_THEME_MAX_CHANNELS of the theme */

/* What only an item page needs; loaded for the items whose pages are rendered. */
struct rn_item_full {
    const char *subtitle, *author, *keywords, *body, *index_no, *subject, *issuer;
    const char *written_on, *issued_on, *effective_on, *validity_on, *publish_iso;
    const char *attachments; /* JSON array [{name,url,size,format}] */
};

struct rn_item {
    long long id, site_id;
    const char *kind, *title, *summary, *source, *link_url, *doc_no, *validity;
    const char *canonical;      /* absolute URL of its page on its own site, NULL: none */
    const char *local;          /* its page on the site rendered: path, NULL: links elsewhere */
    int local_col;              /* column (index) of that page */
    const char *href;           /* what the site's lists link to */
    bool external;              /* href leaves the government domain */
    long long validity_by;      /* the document that repealed or amended it, 0: none */
    long long *interpretations; /* items interpreting this document */
    int ninterpretations;
    long long *interprets; /* documents this interpretation interprets */
    int ninterprets;
    long long *tags; /* tag ids, in the item's order */
    int ntags;
    const char *pub; /* ISO time of the placement that gives it its page here */
    long long published_at;
    struct rn_item_full *full;
};

/* An item in a column's list. */
struct rn_entry {
    int item;        /* index in site->items */
    const char *pub; /* ISO time of the placement, in the site's zone */
    long long published_at;
    long long via_col; /* column whose placement put it there */
    int sort;
    int title_rank; /* place of its title in pinyin order within the list */
    bool pinned;
};

struct rn_col {
    long long id, parent_id, reuse_id;
    int parent; /* index, -1: top */
    int depth;
    const char *code, *path, *std_code, *name, *kind, *order, *url, *description, *keywords, *body;
    const char *type_name; /* ColumnType */
    int page_size;
    bool in_nav;
    struct rn_entry *list;
    int nlist;
    long long
        *src; /* the columns its list reads: itself, its reuse chain, their list descendants */
    int nsrc;
};

/* A tag with items that have pages on the site: its tag pages list them, newest first. */
struct rn_tag {
    long long id;
    const char *name, *description;
    int *items; /* indices in site->items */
    int nitems;
};

/* A panel of a topic column (core/topic.h): the site's items matching its tag expression. */
struct rn_section {
    int col; /* the topic column (index) */
    int pos; /* 1-based among the column's sections: its pages are section<pos>.html */
    const char *name;
    const char *more;      /* "更多" target, NULL: its own pages */
    int show;              /* items in the panel */
    struct rn_entry *list; /* newest first */
    int nlist;
};

/* A stored file that a page of the site links (core/filestore.h), placed at path. */
struct rn_file {
    const char *sha256, *ext, *name, *cls; /* ext lower case; cls document, image ... */
    const char *path;                      /* files/<sha256>.<ext> */
    long long size;
    long long *items; /* items with pages here that link it */
    int nitems;
};

/* A file an item uses: attached (item_file) or linked in its body. */
struct rn_item_file {
    int item, file;      /* indices in site->items, site->files */
    bool attached;       /* item_file: listed as an attachment unless the body shows it */
    bool in_body;        /* the body links it */
    const char *caption; /* item_file.caption */
};

/* A closed site's old URL and where it went (site_redirect). */
struct rn_redirect {
    const char *path; /* output path: old_path without '/', index.html for folders */
    const char *url;  /* absolute */
    const char *title;
};

struct rn_site {
    long long id;
    bool closed; /* 关停整合: only redirect pages are rendered */
    struct rn_redirect *redirects;
    int nredirects;
    const char *code, *name, *short_name, *domain, *url, *sponsor, *organizer, *icp_no, *psb_no,
        *dzjg_url, *contact_phone, *contact_address, *theme, *time_zone;
    const char *channels; /* site.channels as ",desktop,elder,json,": a channel is ",code," */
    bool ch_json, ch_rss, ch_sitemap;
    struct rn_col *cols;
    int ncols;
    struct rn_item *items;
    int nitems;
    struct rn_tag *tags;
    int ntags;
    struct rn_section *sections; /* render_topic.c */
    int nsections;
    struct rn_file *files; /* render_files.c: sorted by path */
    int nfiles;
    struct rn_item_file *item_files; /* sorted by item, attachments in their order */
    int nitem_files;
    int *item_hash; /* open addressing, id -> index + 1 */
    size_t hash_size;
};

enum rn_page_kind {
    RP_HOME,
    RP_COLUMN,
    RP_ITEM,
    RP_SITEMAP_PAGE,
    RP_SEARCH,
    RP_404,
    RP_SITEMAP_XML,
    RP_ROBOTS,
    RP_RSS,
    RP_JSON_SITE,
    RP_JSON_COLUMN,
    RP_JSON_ITEM,
    RP_ASSET,
    RP_TAG,
    RP_REDIRECT,
    RP_PLUGIN,        /* a plugin's output channel for the HTML page plan->v[base] */
    RP_TOPIC_SECTION, /* page num of section tag of a topic column */
    RP_FILE,          /* a stored file: site->files[asset] */
};

struct rn_page {
    enum rn_page_kind kind;
    int hch;   /* HTML channel: 0 desktop, k the theme's channels[k - 1] (pages under its prefix) */
    int col;   /* RP_COLUMN, RP_RSS, RP_JSON_COLUMN, RP_ITEM: the column of the page */
    int num;   /* RP_COLUMN, RP_JSON_COLUMN: page number, 1-based; pages of the list */
    int pages; /* number of pages of the list */
    int item;  /* RP_ITEM, RP_JSON_ITEM */
    int asset; /* RP_ASSET: index in theme->assets; RP_FILE: index in site->files */
    int tag;   /* RP_TAG: index in site->tags; RP_REDIRECT: in site->redirects;
                  RP_TOPIC_SECTION: in site->sections */
    int base;  /* RP_PLUGIN: the page it is made from (index in the plan) */
    int channel; /* RP_PLUGIN: the plugin channel (index in the plugin host) */
    bool absent; /* RP_PLUGIN: the channel had nothing for the page: no file */
    const char *path;
    const char *desc; /* render_dep.page */
    long long *deps_items;
    int ndeps_items;
    long long *deps_cols;
    int ndeps_cols;
    /* the outcome */
    bool dirty;      /* to render in this run */
    const char *tmp; /* incremental: the temporary file to rename into place */
    const char *sha256;
    long long size;
    bool written;
};

struct rn_plan {
    struct rn_page *v;
    int n, cap;
    const struct jy_theme *theme; /* its channels give the HTML channels' codes and prefixes */
};

/* render_load.c */
struct rn_site *rn_site_load(struct jy_db *db, struct jy_pool *pool, long long site_id,
                             struct jy_err *err);
/*
 * Snapshots of the sites ids[0..n) with one statement per kind for all of
 * them. sites[i] is NULL when site i cannot be rendered, with the reason in
 * errs[i]; JY_ERROR (err) only when the database fails.
 */
int rn_sites_load(struct jy_db *db, struct jy_pool *pool, const long long *ids, int n,
                  struct rn_site **sites, struct jy_err *errs, struct jy_err *err);
int rn_items_load_full(struct jy_db *db, struct jy_pool *pool, struct rn_site *s, const bool *need,
                       struct jy_err *err);
/* The full text of the items need[i][k] of sites[i], for all n sites in one statement. */
int rn_sites_load_full(struct jy_db *db, struct jy_pool *pool, struct rn_site **sites,
                       bool *const *need, int n, struct jy_err *err);
int rn_site_item(const struct rn_site *s, long long id);        /* index or -1 */
const char *rn_iso_date(struct jy_pool *pool, const char *iso); /* 2024-03-05 of a timestamp */

/* render_plan.c */
void rn_plan_site(struct jy_pool *pool, const struct rn_site *s, const struct jy_theme *theme,
                  const char *only_channel, struct rn_plan *plan);

int rn_list_pages(const struct rn_col *c);
/* A new page of plan (zeroed, indices -1); hch > 0 puts path under that channel's prefix. */
struct rn_page *rn_plan_add(struct jy_pool *pool, struct rn_plan *plan, enum rn_page_kind kind,
                            int hch, const char *path);
bool rn_site_has_channel(const struct rn_site *s, const char *code);
/* The HTML channel code of hch ("desktop" for 0) and the URL prefix of its pages ("/", "/elder/").
 */
const char *rn_hch_code(const struct jy_theme *theme, int hch);
const char *rn_hch_prefix(struct jy_pool *pool, const struct jy_theme *theme, int hch);
int rn_sitemap_urls(const struct rn_site *s);

/* render_page.c: the bytes of one file into out */
struct rn_page_ctx {
    const struct rn_site *site;
    const struct jy_theme *theme;
    struct jy_tpl_set *sets[RN_MAX_HCH]; /* per HTML channel (rn_page.hch): 0 desktop */
    struct jy_pool *pool;                /* reset per page */
    struct cJSON *site_json;             /* built on first use, shared by the thread's pages */
    const struct rn_plan *plan;          /* the base pages of plugin channels */
};
int rn_page_render(struct rn_page_ctx *ctx, const struct rn_page *p, struct jy_buf *out,
                   struct jy_err *err);
bool rn_url_external(const char *url);

/* render_page.c: pieces of page contexts for the page kinds of other files */
/* pre: the URL prefix of the page's HTML channel, "/" or "/elder/" (rn_ctx_pre) */
typedef const char *(*rn_page_url_fn)(struct jy_pool *pool, const void *arg, int n,
                                      const char *pre);
const char *rn_ctx_pre(const struct rn_page_ctx *x, const struct rn_page *p);
struct cJSON *rn_ctx_common(struct rn_page_ctx *x, const struct rn_page *p, const char *kind,
                            const char *title, int cur_col);
struct cJSON *rn_ctx_entry(struct rn_page_ctx *x, const struct rn_entry *en, const char *pre);
struct cJSON *rn_ctx_column(struct rn_page_ctx *x, const struct rn_col *c, const char *pre);
void rn_ctx_pagination(struct rn_page_ctx *x, struct cJSON *root, const struct rn_page *p,
                       int total, rn_page_url_fn url, const void *arg);

/* render_topic.c: the sections of topic columns */
int rn_topics_load(struct jy_db *db, struct jy_pool *pool, struct rn_site *s, struct jy_err *err);
void rn_plan_topics(struct jy_pool *pool, const struct rn_site *s, struct rn_plan *plan, int hch);
void rn_topic_ctx_sections(struct rn_page_ctx *x, const struct rn_page *p, struct cJSON *topic);
struct cJSON *rn_topic_ctx_section(struct rn_page_ctx *x, const struct rn_page *p);

/* render_files.c: stored files in the site's tree */
int rn_files_load(struct jy_db *db, struct jy_pool *pool, struct rn_site *s, struct jy_err *err);
void rn_plan_files(struct jy_pool *pool, const struct rn_site *s, struct rn_plan *plan);
void rn_files_ctx_item(struct rn_page_ctx *x, const struct rn_page *p, struct cJSON *item);
int rn_file_place(const char *file_dir, const struct rn_file *f, const char *dest,
                  const char *final, struct jy_err *err);

#endif /* JY_CORE_RENDER_INT_H */
