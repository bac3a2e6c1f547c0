/*
 * render_page.c - the bytes of one file of a site: the page context of
 * docs/themes.md rendered through the theme for HTML pages, and RSS 2.0,
 * sitemap.xml, robots.txt and the JSON channel written directly.
 *
 * Every value comes from the snapshot; nothing depends on the clock, so a
 * page is a pure function of its dependencies and the incremental planner
 * can skip what did not change (docs/themes.md "Nothing that changes by
 * itself").
 */
#include "core/compat.h"
#include "core/render_int.h"
#include "core/buf.h"
#include "core/check.h"
#include "core/err.h"
#include "core/json.h"
#include "core/plugin.h"
#include "core/pool.h"
#include "core/theme.h"
#include "core/tpl.h"

#include <cjson/cJSON.h>
#include <ctype.h>

static const char *const validity_words[][2] = {
    {"valid", "有效"}, {"amended", "已修改"}, {"repealed", "已废止"}, {"expired", "已失效"}};

static const char *
validity_word(const char *v)
{
    for (size_t i = 0; v && i < sizeof(validity_words) / sizeof(validity_words[0]); i++)
        if (strcmp(validity_words[i][0], v) == 0)
            return validity_words[i][1];
    return v;
}


/*
 * A link leaves the government domain when it is absolute and its host is
 * neither gov.cn nor below it (docs/themes.md "external").
 */
bool
rn_url_external(const char *url)
{
    const char *h, *end;
    size_t n;

    if (url == NULL)
        return false;
    if (strncmp(url, "https://", 8) == 0)
        h = url + 8;
    else if (strncmp(url, "http://", 7) == 0)
        h = url + 7;
    else
        return false;
    end = h + strcspn(h, "/:?#");
    n = (size_t) (end - h);
    if (n == 6 && memcmp(h, "gov.cn", 6) == 0)
        return false;
    return !(n > 7 && memcmp(end - 7, ".gov.cn", 7) == 0);
}


/*
 * A body (sanitised HTML, core/sanitize.h: attributes double-quoted, no
 * raw '>' inside them) with every link that leaves the government domain
 * marked as the theme marks its own (docs/themes.md "external"): class
 * jy-external and data-leave with the site's name, which site.js reads to
 * warn before leaving. Other bytes are copied as they are.
 */
static const char *
mark_external_links(struct jy_pool *pool, const char *html, const char *site_name)
{
    struct jy_buf b;
    const char *p = html, *tag;

    if (html == NULL || strstr(html, "<a ") == NULL)
        return html;
    jy_buf_init(&b, pool, strlen(html) + 256);
    while ((tag = strstr(p, "<a ")) != NULL) {
        const char *end = strchr(tag, '>'), *href, *cls;
        char url[2048];
        size_t n;
        if (end == NULL)
            break;
        jy_buf_add(&b, p, (size_t) (tag - p));
        href = strstr(tag, " href=\"");
        if (href == NULL || href > end) {
            jy_buf_add(&b, tag, (size_t) (end + 1 - tag));
            p = end + 1;
            continue;
        }
        href += 7;
        n = strcspn(href, "\"");
        snprintf(url, sizeof(url), "%.*s", (int) (n < sizeof(url) ? n : sizeof(url) - 1), href);
        const char *marked = strstr(tag, " data-leave=");
        if (!rn_url_external(url) || (marked && marked < end)) {
            jy_buf_add(&b, tag, (size_t) (end + 1 - tag));
            p = end + 1;
            continue;
        }
        cls = strstr(tag, " class=\"");
        if (cls && cls < end) {
            /* <a ... class="x ...">: jy-external joins the classes */
            jy_buf_add(&b, tag, (size_t) (cls + 8 - tag));
            jy_buf_add_str(&b, "jy-external ");
            jy_buf_add(&b, cls + 8, (size_t) (end - (cls + 8)));
        } else {
            jy_buf_add_str(&b, "<a class=\"jy-external\"");
            jy_buf_add(&b, tag + 2, (size_t) (end - (tag + 2)));
        }
        jy_buf_add_str(&b, " data-leave=\"");
        jy_buf_add_html(&b, site_name, strlen(site_name));
        jy_buf_add_str(&b, "\">");
        p = end + 1;
    }
    jy_buf_add_str(&b, p);
    return b.buf;
}


/* Root-relative URL of a path of the site in a channel: directories end in '/'. */
static const char *
link_to(struct jy_pool *pool, const char *pre, const char *path)
{
    size_t n = strlen(path);

    if (strcmp(path, "index.html") == 0)
        return pre;
    if (n > 11 && strcmp(path + n - 11, "/index.html") == 0)
        return jy_pool_printf(pool, "%s%.*s/", pre, (int) (n - 10), path);
    return jy_pool_printf(pool, "%s%s", pre, path);
}


/* The URL of column c in a channel. */
static const char *
column_url(struct jy_pool *pool, const struct rn_col *c, const char *pre)
{
    if (strcmp(c->kind, "link") == 0)
        return c->url;
    return jy_pool_printf(pool, "%s%s/", pre, c->path);
}


/* What a list links to for item i in a channel. */
static const char *
item_href(struct jy_pool *pool, const struct rn_item *it, const char *pre)
{
    if (it->local && pre[1]) /* another channel than desktop: its own copy of the page */
        return jy_pool_printf(pool, "%s%s", pre, it->local);
    return it->href;
}


static void
add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
}


/* The page's path without the channel prefix (the same page in the other channels). */
static const char *
bare_path(const struct rn_page_ctx *x, const struct rn_page *p)
{
    return p->hch ? p->path + strlen(x->theme->channels[p->hch - 1].prefix) + 1 : p->path;
}


/* The URL prefix of the page's channel: "/" or "/elder/". */
static const char *
pre_of(const struct rn_page_ctx *x, const struct rn_page *p)
{
    return rn_hch_prefix(x->pool, x->theme, p->hch);
}


static cJSON *
site_json(const struct rn_site *s)
{
    cJSON *o = cJSON_CreateObject();

    add_str(o, "name", s->name);
    add_str(o, "short_name", s->short_name);
    add_str(o, "code", s->code);
    add_str(o, "domain", s->domain);
    add_str(o, "url", s->url);
    add_str(o, "sponsor", s->sponsor);
    add_str(o, "organizer", s->organizer);
    add_str(o, "icp_no", s->icp_no);
    add_str(o, "psb_no", s->psb_no);
    if (s->psb_no) {
        /* the registry looks the number up by its digits */
        char digits[32];
        size_t n = 0;
        for (const char *q = s->psb_no; *q && n < sizeof(digits) - 1; q++)
            if (*q >= '0' && *q <= '9')
                digits[n++] = *q;
        digits[n] = '\0';
        if (n) {
            char url[128];
            snprintf(url, sizeof(url), "https://beian.mps.gov.cn/#/query/webSearch?code=%s",
                     digits);
            cJSON_AddStringToObject(o, "psb_url", url);
        }
    }
    add_str(o, "dzjg_url", s->dzjg_url);
    add_str(o, "contact_phone", s->contact_phone);
    add_str(o, "contact_address", s->contact_address);
    return o;
}


/* The index of the top column above column c (c itself when top), -1 for none. */
static int
top_of(const struct rn_site *s, int c)
{
    while (c >= 0 && s->cols[c].parent >= 0)
        c = s->cols[c].parent;
    return c;
}


/* Everything on every page: site, channel, assets, nav, page. */
static cJSON *
page_common(struct rn_page_ctx *x, const struct rn_page *p, const char *kind, const char *title,
            int cur_col)
{
    const struct rn_site *s = x->site;
    struct jy_pool *pool = x->pool;
    cJSON *root = cJSON_CreateObject(), *ch, *as, *nav, *pg, *e;
    const char *bare = bare_path(x, p), *pre = pre_of(x, p), *code = rn_hch_code(x->theme, p->hch);
    int top = top_of(s, cur_col);

    cJSON_AddItemReferenceToObject(root, "site", x->site_json);
    ch = cJSON_AddObjectToObject(root, "channel");
    cJSON_AddStringToObject(ch, "name", code);
    cJSON_AddStringToObject(ch, "label", p->hch ? x->theme->channels[p->hch - 1].label : "标准版");
    cJSON_AddBoolToObject(ch, "elder", strcmp(code, "elder") == 0);
    cJSON_AddBoolToObject(ch, "desktop", p->hch == 0);
    cJSON_AddStringToObject(ch, "home_url", pre);
    cJSON_AddStringToObject(ch, "sitemap_url", jy_pool_printf(pool, "%swzdt/", pre));
    cJSON_AddStringToObject(ch, "search_url", jy_pool_printf(pool, "%ssearch/", pre));
    cJSON_AddStringToObject(ch, "desktop_url", link_to(pool, "/", bare));
    {
        /* this very page in every HTML channel the site has: channel.others[] and <code>_url */
        cJSON *others = cJSON_AddArrayToObject(ch, "others");
        for (int k = 0; k <= x->theme->nchannels; k++) {
            const char *kc = rn_hch_code(x->theme, k);
            const char *url = link_to(pool, rn_hch_prefix(pool, x->theme, k), bare);
            if (k > 0 && !rn_site_has_channel(s, kc) && k != p->hch)
                continue;
            if (k > 0)
                cJSON_AddStringToObject(ch, jy_pool_printf(pool, "%s_url", kc), url);
            if (k == p->hch)
                continue;
            e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "code", kc);
            cJSON_AddStringToObject(e, "label", k ? x->theme->channels[k - 1].label : "标准版");
            cJSON_AddStringToObject(e, "url", url);
            cJSON_AddItemToArray(others, e);
        }
    }

    as = cJSON_AddObjectToObject(root, "assets");
    for (int a = 0; a < x->theme->nassets; a++)
        cJSON_AddStringToObject(as, x->theme->assets[a].key,
                                jy_pool_printf(pool, "/%s", x->theme->assets[a].path));

    nav = cJSON_AddArrayToObject(root, "nav");
    e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", "首页");
    cJSON_AddStringToObject(e, "url", pre_of(x, p));
    cJSON_AddBoolToObject(e, "current", p->kind == RP_HOME);
    cJSON_AddItemToArray(nav, e);
    for (int c = 0; c < s->ncols; c++) {
        const struct rn_col *col = &s->cols[c];
        if (col->parent >= 0 || !col->in_nav)
            continue;
        e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", col->name);
        cJSON_AddStringToObject(e, "url", column_url(pool, col, pre));
        cJSON_AddBoolToObject(e, "current", c == top);
        if (strcmp(col->kind, "link") == 0 && rn_url_external(col->url))
            cJSON_AddBoolToObject(e, "external", true);
        cJSON_AddItemToArray(nav, e);
    }

    pg = cJSON_AddObjectToObject(root, "page");
    cJSON_AddStringToObject(pg, "kind", kind);
    cJSON_AddStringToObject(pg, "title", title);
    cJSON_AddStringToObject(pg, "url",
                            jy_pool_printf(pool, "%s%s", s->url, link_to(pool, pre, bare)));
    cJSON_AddStringToObject(pg, "canonical",
                            jy_pool_printf(pool, "%s%s", s->url, link_to(pool, "/", bare)));

    if (cur_col >= 0) {
        /* 首页 › ancestors › the column; section nav: the top column and its children */
        cJSON *bc = cJSON_AddArrayToObject(root, "breadcrumbs"), *sn, *links;
        int chain[80], n = 0;
        e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", "首页");
        cJSON_AddStringToObject(e, "url", pre_of(x, p));
        cJSON_AddItemToArray(bc, e);
        for (int c = cur_col; c >= 0 && n < 80; c = s->cols[c].parent)
            chain[n++] = c;
        while (n-- > 0) {
            e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "name", s->cols[chain[n]].name);
            cJSON_AddStringToObject(e, "url", column_url(pool, &s->cols[chain[n]], pre));
            if (n == 0 && p->kind == RP_COLUMN)
                cJSON_AddBoolToObject(e, "current", true);
            cJSON_AddItemToArray(bc, e);
        }
        sn = cJSON_AddObjectToObject(root, "section_nav");
        cJSON_AddStringToObject(sn, "name", s->cols[top].name);
        cJSON_AddStringToObject(sn, "url", column_url(pool, &s->cols[top], pre));
        links = cJSON_AddArrayToObject(sn, "links");
        for (int c = 0; c < s->ncols; c++) {
            if (s->cols[c].parent != top)
                continue;
            e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "name", s->cols[c].name);
            cJSON_AddStringToObject(e, "url", column_url(pool, &s->cols[c], pre));
            if (c == cur_col || top_of(s, cur_col) == c)
                cJSON_AddBoolToObject(e, "current", c == cur_col);
            if (strcmp(s->cols[c].kind, "link") == 0 && rn_url_external(s->cols[c].url))
                cJSON_AddBoolToObject(e, "external", true);
            cJSON_AddItemToArray(links, e);
        }
    }
    return root;
}


/* One element of items[]. */
static cJSON *
list_entry(struct rn_page_ctx *x, const struct rn_entry *en, const char *pre)
{
    const struct rn_item *it = &x->site->items[en->item];
    cJSON *e = cJSON_CreateObject();

    cJSON_AddStringToObject(e, "title", it->title);
    cJSON_AddStringToObject(e, "url", item_href(x->pool, it, pre));
    add_str(e, "pub_date", en->pub);
    add_str(e, "summary", it->summary);
    if (en->pinned)
        cJSON_AddBoolToObject(e, "pinned", true);
    if (it->external)
        cJSON_AddBoolToObject(e, "external", true);
    add_str(e, "doc_no", it->doc_no);
    if (it->validity &&
        (strcmp(it->validity, "repealed") == 0 || strcmp(it->validity, "expired") == 0)) {
        cJSON_AddBoolToObject(e, "abolished", true);
        cJSON_AddStringToObject(e, "validity", validity_word(it->validity));
    }
    add_str(e, "source", it->source);
    return e;
}


/* The URL of page n of a list whose folder is base (no slashes around). */
static const char *
paged_url(struct jy_pool *pool, const char *base, int n, const char *pre)
{
    if (n == 1)
        return jy_pool_printf(pool, "%s%s/", pre, base);
    return jy_pool_printf(pool, "%s%s/index_%d.html", pre, base, n);
}


/* paged_url() of a column path or tag folder, as an rn_page_url_fn */
static const char *
paged_url_fn(struct jy_pool *pool, const void *base, int n, const char *pre)
{
    return paged_url(pool, base, n, pre);
}


static void
add_pagination(struct rn_page_ctx *x, cJSON *root, const struct rn_page *p)
{
    const char *base = p->kind == RP_TAG
                           ? jy_pool_printf(x->pool, "tags/%lld", x->site->tags[p->tag].id)
                           : x->site->cols[p->col].path;
    int total = p->kind == RP_TAG ? x->site->tags[p->tag].nitems : x->site->cols[p->col].nlist;

    rn_ctx_pagination(x, root, p, total, paged_url_fn, base);
}


void
rn_ctx_pagination(struct rn_page_ctx *x, cJSON *root, const struct rn_page *p, int total,
                  rn_page_url_fn url, const void *base)
{
    cJSON *pg, *list;
    int n = p->num, pages = p->pages, last = 0;

    if (pages <= 1)
        return;
    pg = cJSON_AddObjectToObject(root, "pagination");
    cJSON_AddNumberToObject(pg, "number", n);
    cJSON_AddNumberToObject(pg, "pages", pages);
    cJSON_AddNumberToObject(pg, "total", total);
    if (n > 1) {
        cJSON_AddStringToObject(pg, "first_url", url(x->pool, base, 1, pre_of(x, p)));
        cJSON_AddStringToObject(pg, "prev_url", url(x->pool, base, n - 1, pre_of(x, p)));
    }
    if (n < pages) {
        cJSON_AddStringToObject(pg, "next_url", url(x->pool, base, n + 1, pre_of(x, p)));
        cJSON_AddStringToObject(pg, "last_url", url(x->pool, base, pages, pre_of(x, p)));
    }
    /* 1, 2, the window around n, the last two; "…" in the holes */
    list = cJSON_AddArrayToObject(pg, "pages_list");
    for (int k = 1; k <= pages; k++) {
        if (k > 2 && k < pages - 1 && (k < n - 2 || k > n + 2))
            continue;
        cJSON *e;
        if (last && k > last + 1) {
            e = cJSON_CreateObject();
            cJSON_AddBoolToObject(e, "gap", true);
            cJSON_AddItemToArray(list, e);
        }
        e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "n", k);
        cJSON_AddStringToObject(e, "url", url(x->pool, base, k, pre_of(x, p)));
        if (k == n)
            cJSON_AddBoolToObject(e, "current", true);
        cJSON_AddItemToArray(list, e);
        last = k;
    }
}


static cJSON *
column_json(struct rn_page_ctx *x, const struct rn_col *c, const char *pre, bool children)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "name", c->name);
    add_str(o, "description", c->description);
    add_str(o, "keywords", c->keywords);
    cJSON_AddStringToObject(o, "type", c->type_name);
    cJSON_AddStringToObject(o, "kind", c->kind);
    cJSON_AddStringToObject(o, "url", column_url(x->pool, c, pre));
    add_str(o, "body", mark_external_links(x->pool, c->body, x->site->name));
    if (children) {
        cJSON *ch = cJSON_AddArrayToObject(o, "children");
        int me = (int) (c - x->site->cols);
        for (int k = 0; k < x->site->ncols; k++) {
            const struct rn_col *cc = &x->site->cols[k];
            if (cc->parent != me)
                continue;
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "name", cc->name);
            cJSON_AddStringToObject(e, "url", column_url(x->pool, cc, pre));
            if (strcmp(cc->kind, "link") == 0 && rn_url_external(cc->url))
                cJSON_AddBoolToObject(e, "external", true);
            cJSON_AddItemToArray(ch, e);
        }
    }
    return o;
}


static cJSON *
ctx_home(struct rn_page_ctx *x, const struct rn_page *p)
{
    const struct rn_site *s = x->site;
    cJSON *root = page_common(x, p, "home", s->name, -1), *home, *secs;

    add_str(cJSON_GetObjectItemCaseSensitive(root, "page"), "description",
            jy_pool_printf(x->pool, "%s门户网站", s->name));
    home = cJSON_AddObjectToObject(root, "home");
    secs = cJSON_AddArrayToObject(home, "sections");
    for (int c = 0; c < s->ncols; c++) {
        const struct rn_col *col = &s->cols[c];
        cJSON *sec, *items, *co;
        if (col->parent >= 0 || (strcmp(col->kind, "list") && strcmp(col->kind, "topic")))
            continue;
        sec = cJSON_CreateObject();
        co = cJSON_AddObjectToObject(sec, "column");
        cJSON_AddStringToObject(co, "name", col->name);
        cJSON_AddStringToObject(co, "url", column_url(x->pool, col, pre_of(x, p)));
        items = cJSON_AddArrayToObject(sec, "items");
        for (int e = 0; e < col->nlist && e < RN_HOME_ITEMS; e++)
            cJSON_AddItemToArray(items, list_entry(x, &col->list[e], pre_of(x, p)));
        cJSON_AddItemToArray(secs, sec);
    }
    return root;
}


static cJSON *
ctx_column(struct rn_page_ctx *x, const struct rn_page *p)
{
    const struct rn_col *c = &x->site->cols[p->col];
    bool topic = strcmp(c->kind, "topic") == 0;
    cJSON *root = page_common(x, p, topic ? "topic" : "column", c->name, p->col), *items;
    int size = c->page_size > 0 ? c->page_size : 20;

    add_str(cJSON_GetObjectItemCaseSensitive(root, "page"), "description", c->description);
    add_str(cJSON_GetObjectItemCaseSensitive(root, "page"), "keywords", c->keywords);
    cJSON_AddItemToObject(root, "column", column_json(x, c, pre_of(x, p), true));
    if (topic) {
        cJSON *t = cJSON_AddObjectToObject(root, "topic");
        cJSON_AddStringToObject(t, "name", c->name);
        add_str(t, "description", c->description);
        rn_topic_ctx_sections(x, p, t);
    }
    items = cJSON_AddArrayToObject(root, "items");
    for (int e = (p->num - 1) * size; e < c->nlist && e < p->num * size; e++)
        cJSON_AddItemToArray(items, list_entry(x, &c->list[e], pre_of(x, p)));
    add_pagination(x, root, p);
    return root;
}


/* {title, url[, doc_no]} of a related item */
static cJSON *
related(struct rn_page_ctx *x, long long id, const char *pre)
{
    int k = rn_site_item(x->site, id);
    cJSON *e;

    if (k < 0)
        return NULL;
    e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "title", x->site->items[k].title);
    cJSON_AddStringToObject(e, "url", item_href(x->pool, &x->site->items[k], pre));
    add_str(e, "doc_no", x->site->items[k].doc_no);
    return e;
}


static cJSON *
ctx_item(struct rn_page_ctx *x, const struct rn_page *p)
{
    const struct rn_site *s = x->site;
    const struct rn_item *it = &s->items[p->item];
    const struct rn_item_full *f = it->full;
    const struct rn_col *c = &s->cols[p->col];
    cJSON *root = page_common(x, p, "item", it->title, p->col), *co, *o, *arr, *pg;
    const char *own_url = jy_pool_printf(x->pool, "%s/%s", s->url, it->local);

    pg = cJSON_GetObjectItemCaseSensitive(root, "page");
    if (it->canonical)
        cJSON_ReplaceItemInObjectCaseSensitive(pg, "canonical", cJSON_CreateString(it->canonical));
    co = cJSON_AddObjectToObject(root, "column");
    cJSON_AddStringToObject(co, "name", c->name);
    cJSON_AddStringToObject(co, "type", c->type_name);
    cJSON_AddStringToObject(co, "url", column_url(x->pool, c, pre_of(x, p)));

    o = cJSON_AddObjectToObject(root, "item");
    cJSON_AddStringToObject(o, "kind", it->kind);
    cJSON_AddStringToObject(o, "title", it->title);
    add_str(o, "subtitle", f->subtitle);
    add_str(o, "pub_date", f->publish_iso);
    cJSON_AddStringToObject(o, "source", it->source ? it->source : "");
    cJSON_AddStringToObject(o, "author", f->author ? f->author : "");
    cJSON_AddStringToObject(o, "keywords", f->keywords ? f->keywords : "");
    cJSON_AddStringToObject(o, "description", it->summary ? it->summary : "");
    cJSON_AddStringToObject(o, "image", "");
    cJSON_AddStringToObject(o, "url", own_url);
    add_str(o, "body", mark_external_links(x->pool, f->body, x->site->name));

    arr = cJSON_AddArrayToObject(o, "attachments");
    if (f->attachments) {
        cJSON *src = cJSON_Parse(f->attachments), *a;
        cJSON_ArrayForEach(a, src)
        {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(a, "name");
            const cJSON *u = cJSON_GetObjectItemCaseSensitive(a, "url");
            const cJSON *sz = cJSON_GetObjectItemCaseSensitive(a, "size");
            const cJSON *fm = cJSON_GetObjectItemCaseSensitive(a, "format");
            cJSON *e;
            char size[32], fmt[24];
            if (!cJSON_IsString(nm) || !cJSON_IsString(u))
                continue;
            e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "name", nm->valuestring);
            cJSON_AddStringToObject(e, "url", u->valuestring);
            if (cJSON_IsString(fm)) {
                size_t k = 0;
                for (; fm->valuestring[k] && k < sizeof(fmt) - 1; k++)
                    fmt[k] = (char) toupper((unsigned char) fm->valuestring[k]);
                fmt[k] = '\0';
                cJSON_AddStringToObject(e, "format", fmt);
            }
            if (cJSON_IsNumber(sz)) {
                double b = sz->valuedouble;
                if (b >= 1048576)
                    snprintf(size, sizeof(size), "%.1f MB", b / 1048576);
                else
                    snprintf(size, sizeof(size), "%.0f KB", b / 1024 < 1 ? 1 : b / 1024);
                cJSON_AddStringToObject(e, "size", size);
            }
            cJSON_AddItemToArray(arr, e);
        }
        cJSON_Delete(src);
    }
    rn_files_ctx_item(x, p, o); /* uploaded attachments and the title image */

    if (strcmp(it->kind, "policy") == 0) {
        cJSON *pol = cJSON_AddObjectToObject(o, "policy");
        add_str(pol, "index_no", f->index_no);
        add_str(pol, "subject", f->subject);
        add_str(pol, "issuer", f->issuer);
        add_str(pol, "doc_no", it->doc_no);
        add_str(pol, "written_on", f->written_on);
        add_str(pol, "issued_on",
                f->issued_on ? f->issued_on : rn_iso_date(x->pool, f->publish_iso));
        add_str(pol, "effective_on", f->effective_on);
        add_str(pol, "validity", validity_word(it->validity));
        cJSON_AddBoolToObject(pol, "abolished",
                              it->validity && (strcmp(it->validity, "repealed") == 0 ||
                                               strcmp(it->validity, "expired") == 0));
        cJSON_AddBoolToObject(pol, "amended", it->validity && !strcmp(it->validity, "amended"));
        add_str(pol, "validity_on", f->validity_on);
        if (it->validity_by) {
            cJSON *by = related(x, it->validity_by, pre_of(x, p));
            if (by)
                cJSON_AddItemToObject(pol, "validity_by", by);
        }
    }
    arr = cJSON_AddArrayToObject(o, "interpretations");
    for (int k = 0; k < it->ninterpretations; k++) {
        cJSON *e = related(x, it->interpretations[k], pre_of(x, p));
        if (e)
            cJSON_AddItemToArray(arr, e);
    }
    arr = cJSON_AddArrayToObject(o, "interprets");
    for (int k = 0; k < it->ninterprets; k++) {
        cJSON *e = related(x, it->interprets[k], pre_of(x, p));
        if (e)
            cJSON_AddItemToArray(arr, e);
    }
    return root;
}


static cJSON *
ctx_tag(struct rn_page_ctx *x, const struct rn_page *p)
{
    const struct rn_tag *t = &x->site->tags[p->tag];
    cJSON *root = page_common(x, p, "tag", t->name, -1), *o, *items, *bc, *e;

    add_str(cJSON_GetObjectItemCaseSensitive(root, "page"), "description",
            jy_pool_printf(x->pool, "%s网站上标为“%s”的信息。", x->site->name, t->name));
    o = cJSON_AddObjectToObject(root, "tag");
    cJSON_AddStringToObject(o, "name", t->name);
    add_str(o, "description", t->description);
    bc = cJSON_AddArrayToObject(root, "breadcrumbs");
    e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", "首页");
    cJSON_AddStringToObject(e, "url", pre_of(x, p));
    cJSON_AddItemToArray(bc, e);
    e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", t->name);
    cJSON_AddStringToObject(
        e, "url", paged_url(x->pool, jy_pool_printf(x->pool, "tags/%lld", t->id), 1, pre_of(x, p)));
    cJSON_AddBoolToObject(e, "current", true);
    cJSON_AddItemToArray(bc, e);
    items = cJSON_AddArrayToObject(root, "items");
    for (int i = (p->num - 1) * RN_TAG_PAGE; i < t->nitems && i < p->num * RN_TAG_PAGE; i++) {
        const struct rn_item *it = &x->site->items[t->items[i]];
        struct rn_entry en = {.item = t->items[i], .pub = it->pub};
        cJSON_AddItemToArray(items, list_entry(x, &en, pre_of(x, p)));
    }
    add_pagination(x, root, p);
    return root;
}


static cJSON *
sitemap_nodes(struct rn_page_ctx *x, int parent, const char *pre, int depth)
{
    cJSON *arr = cJSON_CreateArray();

    for (int c = 0; c < x->site->ncols && depth < 16; c++) {
        const struct rn_col *col = &x->site->cols[c];
        if (col->parent != parent)
            continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", col->name);
        cJSON_AddStringToObject(e, "url", column_url(x->pool, col, pre));
        if (strcmp(col->kind, "link") == 0 && rn_url_external(col->url))
            cJSON_AddBoolToObject(e, "external", true);
        cJSON_AddItemToObject(e, "children", sitemap_nodes(x, c, pre, depth + 1));
        cJSON_AddItemToArray(arr, e);
    }
    return arr;
}


/*
 * The page context of an HTML page and the template it takes (*t when a
 * kind-specific one exists, else *tpl_name_out). NULL with err on failure.
 */
static cJSON *
html_context(struct rn_page_ctx *x, const struct rn_page *p, const struct jy_tpl **t,
             const char **tpl_name_out, struct jy_err *err)
{
    struct jy_tpl_set *set = x->sets[p->hch];
    cJSON *ctx;
    const char *tpl_name;

    *t = NULL;
    switch (p->kind) {
    case RP_HOME:
        ctx = ctx_home(x, p);
        tpl_name = "home";
        break;
    case RP_COLUMN:
        ctx = ctx_column(x, p);
        tpl_name = strcmp(x->site->cols[p->col].kind, "topic") == 0 ? "topic" : "column";
        break;
    case RP_ITEM:
        ctx = ctx_item(x, p);
        tpl_name = jy_pool_printf(x->pool, "item-%s", x->site->items[p->item].kind);
        *t = jy_tpl_set_load(set, tpl_name, err);
        if (*t == NULL && err->code != JY_E_NOT_FOUND) {
            cJSON_Delete(ctx);
            return NULL;
        }
        tpl_name = "item";
        break;
    case RP_SITEMAP_PAGE: {
        ctx = page_common(x, p, "sitemap", "网站地图", -1);
        cJSON *sm = cJSON_AddObjectToObject(ctx, "sitemap");
        cJSON_AddItemToObject(sm, "columns", sitemap_nodes(x, -1, pre_of(x, p), 0));
        tpl_name = "sitemap";
        break;
    }
    case RP_TAG:
        ctx = ctx_tag(x, p);
        tpl_name = "tag";
        break;
    case RP_TOPIC_SECTION:
        ctx = rn_topic_ctx_section(x, p);
        tpl_name = "column";
        break;
    case RP_REDIRECT: {
        const struct rn_redirect *d = &x->site->redirects[p->tag];
        cJSON *pg, *rd;
        ctx = page_common(x, p, "redirect", "页面已迁移", -1);
        pg = cJSON_GetObjectItemCaseSensitive(ctx, "page");
        cJSON_ReplaceItemInObjectCaseSensitive(pg, "canonical", cJSON_CreateString(d->url));
        cJSON_AddBoolToObject(pg, "noindex", true);
        rd = cJSON_AddObjectToObject(ctx, "redirect");
        cJSON_AddStringToObject(rd, "url", d->url);
        add_str(rd, "title", d->title);
        tpl_name = "redirect";
        break;
    }
    case RP_SEARCH:
        ctx = page_common(x, p, "search", "站内搜索", -1);
        cJSON_AddBoolToObject(cJSON_GetObjectItemCaseSensitive(ctx, "page"), "noindex", true);
        tpl_name = "search";
        break;
    default:
        ctx = page_common(x, p, "404", "页面不存在", -1);
        cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(ctx, "page"),
                                               "canonical", cJSON_CreateString(""));
        cJSON_AddBoolToObject(cJSON_GetObjectItemCaseSensitive(ctx, "page"), "noindex", true);
        tpl_name = "404";
        break;
    }
    jy_err_clear(err);
    *tpl_name_out = tpl_name;
    return ctx;
}


static int
render_html(struct rn_page_ctx *x, const struct rn_page *p, struct jy_buf *out, struct jy_err *err)
{
    struct jy_tpl_set *set = x->sets[p->hch];
    const struct jy_tpl *t;
    const char *tpl_name;
    cJSON *ctx = html_context(x, p, &t, &tpl_name, err);
    int rc;

    if (ctx == NULL)
        return JY_ERROR;
    if (t == NULL)
        t = jy_tpl_set_load(set, tpl_name, err);
    rc = t ? jy_tpl_render(t, ctx, out, err) : JY_ERROR;
    cJSON_Delete(ctx);
    return rc;
}


/* A plugin's output channel for the page's base: JY_DECLINED when it has nothing for it. */
static int
render_plugin(struct rn_page_ctx *x, const struct rn_page *p, struct jy_buf *out,
              struct jy_err *err)
{
    static const char *const kinds[] = {[RP_HOME] = "home", [RP_COLUMN] = "column",
                                        [RP_ITEM] = "item", [RP_SITEMAP_PAGE] = "sitemap",
                                        [RP_TAG] = "tag",   [RP_REDIRECT] = "redirect"};
    const struct rn_page *base = &x->plan->v[p->base];
    const struct jy_tpl *t;
    const char *tpl_name;
    struct jy_buf json;
    struct jy_plugin_page page;
    cJSON *ctx = html_context(x, base, &t, &tpl_name, err);
    int rc;

    if (ctx == NULL)
        return JY_ERROR;
    jy_buf_init(&json, x->pool, 16384);
    jy_json_print(ctx, &json);
    cJSON_Delete(ctx);
    page.site_code = x->site->code;
    page.path = jy_pool_printf(x->pool, "/%s", base->path);
    page.kind = base->kind < (int) (sizeof(kinds) / sizeof(kinds[0])) && kinds[base->kind]
                    ? kinds[base->kind]
                    : "page";
    page.context = json.buf;
    page.context_len = json.len;
    rc = jy_plugin_host_render_channel(jy_check_host(), (size_t) p->channel, &page, out, err);
    return rc;
}


/* XML text: & < > " escaped (jy_buf_add_html also escapes ', which XML allows). */
static void
xml(struct jy_buf *b, const char *s)
{
    if (s)
        jy_buf_add_html(b, s, strlen(s));
}


/* RFC 822 date of an ISO time with offset, for RSS. */
static void
rfc822(struct jy_buf *b, const char *iso)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int y, m, d, H, M, S;
    char sign;
    int oh, om;

    if (iso == NULL ||
        sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%c%2d:%2d", &y, &m, &d, &H, &M, &S, &sign, &oh, &om) !=
            9 ||
        m < 1 || m > 12)
        return;
    jy_buf_addf(b, "<pubDate>%02d %s %04d %02d:%02d:%02d %c%02d%02d</pubDate>", d, mon[m - 1], y, H,
                M, S, sign, oh, om);
}


static int
render_rss(struct rn_page_ctx *x, const struct rn_page *p, struct jy_buf *b)
{
    const struct rn_site *s = x->site;
    const struct rn_col *c = &s->cols[p->col];

    jy_buf_add_str(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n"
                      "<channel>\n<title>");
    xml(b, c->name);
    jy_buf_add_str(b, " - ");
    xml(b, s->name);
    jy_buf_addf(b, "</title>\n<link>%s/%s/</link>\n<description>", s->url, c->path);
    xml(b, c->description ? c->description : c->name);
    jy_buf_add_str(b, "</description>\n<language>zh-cn</language>\n");
    for (int e = 0; e < c->nlist && e < RN_FEED_ITEMS; e++) {
        const struct rn_item *it = &s->items[c->list[e].item];
        const char *href = it->href;
        if (href[0] == '/')
            href = jy_pool_printf(x->pool, "%s%s", s->url, href);
        jy_buf_add_str(b, "<item><title>");
        xml(b, it->title);
        jy_buf_add_str(b, "</title><link>");
        xml(b, href);
        jy_buf_add_str(b, "</link>");
        if (it->summary) {
            jy_buf_add_str(b, "<description>");
            xml(b, it->summary);
            jy_buf_add_str(b, "</description>");
        }
        jy_buf_add_str(b, "<guid isPermaLink=\"true\">");
        xml(b, href);
        jy_buf_add_str(b, "</guid>");
        rfc822(b, c->list[e].pub);
        jy_buf_add_str(b, "</item>\n");
    }
    jy_buf_add_str(b, "</channel>\n</rss>\n");
    return JY_OK;
}


/* The URLs of a sitemap file: page->num 1.. of page->pages files (all of them when one). */
static int
render_sitemap(struct rn_page_ctx *x, const struct rn_page *p, struct jy_buf *b)
{
    const struct rn_site *s = x->site;
    int from = (p->num - 1) * RN_SITEMAP_URLS, to = p->num * RN_SITEMAP_URLS, k = 0;

    if (p->num == 0) {
        jy_buf_add_str(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for (int n = 1; n <= p->pages; n++)
            jy_buf_addf(b, "<sitemap><loc>%s/sitemap-%d.xml</loc></sitemap>\n", s->url, n);
        jy_buf_add_str(b, "</sitemapindex>\n");
        return JY_OK;
    }
    jy_buf_add_str(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    if (k++ >= from && k <= to)
        jy_buf_addf(b, "<url><loc>%s/</loc></url>\n", s->url);
    for (int c = 0; c < s->ncols; c++)
        if (strcmp(s->cols[c].kind, "link") != 0 && k++ >= from && k <= to)
            jy_buf_addf(b, "<url><loc>%s/%s/</loc></url>\n", s->url, s->cols[c].path);
    for (int i = 0; i < s->nitems; i++)
        if (s->items[i].local && k++ >= from && k <= to)
            jy_buf_addf(b, "<url><loc>%s/%s</loc></url>\n", s->url, s->items[i].local);
    jy_buf_add_str(b, "</urlset>\n");
    return JY_OK;
}


static void
json_entry(struct rn_page_ctx *x, cJSON *arr, const struct rn_entry *en)
{
    const struct rn_item *it = &x->site->items[en->item];
    cJSON *e = cJSON_CreateObject();

    cJSON_AddNumberToObject(e, "id", (double) it->id);
    cJSON_AddStringToObject(e, "kind", it->kind);
    cJSON_AddStringToObject(e, "title", it->title);
    cJSON_AddStringToObject(e, "url", it->href);
    if (it->local)
        cJSON_AddStringToObject(e, "json", jy_pool_printf(x->pool, "/api/items/%lld.json", it->id));
    add_str(e, "pub_date", en->pub);
    add_str(e, "summary", it->summary);
    add_str(e, "source", it->source);
    add_str(e, "doc_no", it->doc_no);
    add_str(e, "validity", validity_word(it->validity));
    cJSON_AddBoolToObject(e, "pinned", en->pinned);
    cJSON_AddItemToArray(arr, e);
}


static int
render_json(struct rn_page_ctx *x, const struct rn_page *p, struct jy_buf *b)
{
    const struct rn_site *s = x->site;
    cJSON *root = cJSON_CreateObject();
    int rc;

    if (p->kind == RP_JSON_SITE) {
        cJSON *cols = cJSON_AddArrayToObject(root, "columns");
        cJSON_AddItemReferenceToObject(root, "site", x->site_json);
        for (int c = 0; c < s->ncols; c++) {
            const struct rn_col *col = &s->cols[c];
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "id", (double) col->id);
            if (col->parent >= 0)
                cJSON_AddNumberToObject(e, "parent_id", (double) col->parent_id);
            cJSON_AddStringToObject(e, "name", col->name);
            cJSON_AddStringToObject(e, "kind", col->kind);
            cJSON_AddStringToObject(e, "path", col->path);
            cJSON_AddStringToObject(e, "url", column_url(x->pool, col, "/"));
            if (strcmp(col->kind, "list") == 0 || strcmp(col->kind, "topic") == 0)
                cJSON_AddStringToObject(
                    e, "json", jy_pool_printf(x->pool, "/api/columns/%lld/1.json", col->id));
            cJSON_AddItemToArray(cols, e);
        }
    } else if (p->kind == RP_JSON_COLUMN) {
        const struct rn_col *c = &s->cols[p->col];
        int size = c->page_size > 0 ? c->page_size : 20;
        cJSON *items;
        cJSON_AddNumberToObject(root, "column_id", (double) c->id);
        cJSON_AddStringToObject(root, "name", c->name);
        cJSON_AddNumberToObject(root, "page", p->num);
        cJSON_AddNumberToObject(root, "pages", p->pages);
        cJSON_AddNumberToObject(root, "total", c->nlist);
        if (p->num < p->pages)
            cJSON_AddStringToObject(
                root, "next",
                jy_pool_printf(x->pool, "/api/columns/%lld/%d.json", c->id, p->num + 1));
        items = cJSON_AddArrayToObject(root, "items");
        for (int e = (p->num - 1) * size; e < c->nlist && e < p->num * size; e++)
            json_entry(x, items, &c->list[e]);
    } else {
        const struct rn_item *it = &s->items[p->item];
        const struct rn_item_full *f = it->full;
        cJSON_AddNumberToObject(root, "id", (double) it->id);
        cJSON_AddStringToObject(root, "kind", it->kind);
        cJSON_AddStringToObject(root, "title", it->title);
        add_str(root, "subtitle", f->subtitle);
        cJSON_AddStringToObject(root, "url", jy_pool_printf(x->pool, "%s/%s", s->url, it->local));
        add_str(root, "canonical", it->canonical);
        add_str(root, "pub_date", f->publish_iso);
        add_str(root, "source", it->source);
        add_str(root, "author", f->author);
        add_str(root, "summary", it->summary);
        add_str(root, "keywords", f->keywords);
        add_str(root, "index_no", f->index_no);
        add_str(root, "doc_no", it->doc_no);
        add_str(root, "issuer", f->issuer);
        add_str(root, "written_on", f->written_on);
        add_str(root, "effective_on", f->effective_on);
        add_str(root, "validity", validity_word(it->validity));
        add_str(root, "body", f->body);
        if (f->attachments)
            cJSON_AddItemToObject(root, "attachments", cJSON_Parse(f->attachments));
        rn_files_ctx_item(x, p, root); /* uploaded attachments */
    }
    rc = jy_json_print(root, b);
    jy_buf_add_char(b, '\n');
    cJSON_Delete(root);
    return rc;
}


int
rn_page_render(struct rn_page_ctx *x, const struct rn_page *p, struct jy_buf *out,
               struct jy_err *err)
{
    if (x->site_json == NULL)
        x->site_json = site_json(x->site);
    switch (p->kind) {
    case RP_ASSET:
        jy_buf_add(out, x->theme->assets[p->asset].data, x->theme->assets[p->asset].len);
        return JY_OK;
    case RP_RSS:
        return render_rss(x, p, out);
    case RP_SITEMAP_XML:
        return render_sitemap(x, p, out);
    case RP_ROBOTS:
        jy_buf_addf(out, "User-agent: *\nDisallow: /search/\nSitemap: %s/sitemap.xml\n",
                    x->site->url);
        return JY_OK;
    case RP_JSON_SITE:
    case RP_JSON_COLUMN:
    case RP_JSON_ITEM:
        return render_json(x, p, out);
    case RP_PLUGIN:
        return render_plugin(x, p, out, err);
    default:
        return render_html(x, p, out, err);
    }
}


cJSON *
rn_ctx_common(struct rn_page_ctx *x, const struct rn_page *p, const char *kind, const char *title,
              int cur_col)
{
    return page_common(x, p, kind, title, cur_col);
}


cJSON *
rn_ctx_entry(struct rn_page_ctx *x, const struct rn_entry *en, const char *pre)
{
    return list_entry(x, en, pre);
}


const char *
rn_ctx_pre(const struct rn_page_ctx *x, const struct rn_page *p)
{
    return pre_of(x, p);
}


cJSON *
rn_ctx_column(struct rn_page_ctx *x, const struct rn_col *c, const char *pre)
{
    return column_json(x, c, pre, true);
}
