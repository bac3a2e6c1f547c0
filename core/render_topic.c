/*
 * render_topic.c - the sections of topic columns (专题, core/topic.h) in a
 * site's snapshot, their pages and their contexts.
 *
 * A section lists, newest first, the items the site shows (in its own
 * list columns and the columns it reuses) whose tags match the section's
 * expression. Tags are matched by id: the words of every expression are
 * resolved once per site by the database (jy_tag_id: names, synonyms,
 * merged tags), and an item matches when the expression holds over the
 * words whose tag it carries. Everything is read in two statements per
 * site with topic sections (one for a site without).
 *
 * Pages (docs/themes.md): page 1 of the topic column shows every section
 * as a panel of its first `items` items; each section has its own list,
 * <topic path>/section<N>.html, section<N>_<n>.html, paginated with the
 * topic's page size. A section's pages depend on their slice of its list
 * and on the topic column, whose settings hold the sections; page 1 of
 * the topic depends on every panel's items too. Incremental correctness
 * follows from the planner's rules: an item that gains a tag or is
 * published shows in the new plan's dependencies (a changed item), one
 * that loses it or is withdrawn was in the recorded ones (render_dep).
 */
#include "core/compat.h"
#include "core/render_int.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/tagexpr.h"
#include "core/topic.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

static int
cmp_entry_newest(const void *a, const void *b, void *site)
{
    const struct rn_entry *x = a, *y = b;
    const struct rn_site *s = site;

    if (x->published_at != y->published_at)
        return x->published_at > y->published_at ? -1 : 1;
    if (s->items[x->item].id != s->items[y->item].id)
        return s->items[x->item].id > s->items[y->item].id ? -1 : 1;
    return 0;
}


static bool
has_tag(const struct rn_item *it, long long tag)
{
    for (int k = 0; k < it->ntags; k++)
        if (it->tags[k] == tag)
            return true;
    return false;
}


int
rn_topics_load(struct jy_db *db, struct jy_pool *pool, struct rn_site *s, struct jy_err *err)
{
    char sid[32];
    const char *params[1] = {sid};
    struct jy_db_res *r;
    struct jy_topic_section **secs;
    int *nsecs, total = 0, nwords = 0;
    const char **words;
    long long *ids;
    const struct rn_entry **first; /* per item: the entry that gives it its time here */

    if (s->closed)
        return JY_OK;
    snprintf(sid, sizeof(sid), "%lld", s->id);
    r = jy_db_query(db, pool,
                    "SELECT id, (settings -> 'sections')::text FROM site_column "
                    "WHERE site_id = $1 AND kind = 'topic' "
                    "  AND jsonb_typeof(settings -> 'sections') = 'array' ORDER BY id",
                    1, params, err);
    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0)
        return JY_OK;
    secs = jy_pool_new_array(pool, struct jy_topic_section *, (size_t) s->ncols + 1);
    nsecs = jy_pool_new_array(pool, int, (size_t) s->ncols + 1);
    for (int i = 0; i < jy_db_res_rows(r); i++) {
        long long id = strtoll(jy_db_res_get(r, i, 0), NULL, 10);
        const char *json = jy_db_res_get(r, i, 1);
        for (int c = 0; c < s->ncols; c++) {
            if (s->cols[c].id != id)
                continue;
            if (jy_topic_sections_parse(pool, json, strlen(json), &secs[c], &nsecs[c], err) !=
                JY_OK) {
                jy_err_prefix(err, "topic \"%s\" (/%s/)", s->cols[c].name, s->cols[c].path);
                return JY_ERROR;
            }
            total += nsecs[c];
        }
    }
    if (total == 0)
        return JY_OK;

    /* every word of every expression, resolved to its tag by the database */
    words = jy_pool_new_array(pool, const char *, (size_t) total *JY_TAGEXPR_MAX_TAGS + 1);
    for (int c = 0; c < s->ncols; c++)
        for (int k = 0; k < nsecs[c]; k++) {
            int n;
            const char *const *t = jy_tagexpr_tags(secs[c][k].tags, &n);
            for (int i = 0; i < n; i++) {
                int w = 0;
                while (w < nwords && strcmp(words[w], t[i]) != 0)
                    w++;
                if (w == nwords)
                    words[nwords++] = t[i];
            }
        }
    params[0] = jy_db_texts_literal(pool, words, nwords);
    r = jy_db_query(db, pool,
                    "SELECT coalesce(jy_tag_id(w), 0) FROM unnest($1::text[]) WITH ORDINALITY "
                    "AS u (w, n) ORDER BY n",
                    1, params, err);
    if (r == NULL)
        return JY_ERROR;
    ids = jy_pool_new_array(pool, long long, (size_t) nwords + 1);
    for (int w = 0; w < nwords && w < jy_db_res_rows(r); w++)
        ids[w] = strtoll(jy_db_res_get(r, w, 0), NULL, 10);

    /* the items the site shows, each with the time of the entry that gives it its page */
    first = jy_pool_new_array(pool, const struct rn_entry *, (size_t) s->nitems + 1);
    for (int c = 0; c < s->ncols; c++)
        for (int e = 0; e < s->cols[c].nlist; e++) {
            const struct rn_entry *en = &s->cols[c].list[e];
            const struct rn_item *it = &s->items[en->item];
            if (first[en->item] == NULL || (it->local && en->pub == it->pub))
                first[en->item] = en;
        }

    s->sections = jy_pool_new_array(pool, struct rn_section, (size_t) total + 1);
    for (int c = 0; c < s->ncols; c++)
        for (int k = 0; k < nsecs[c]; k++) {
            const struct jy_topic_section *ts = &secs[c][k];
            struct rn_section *sec = &s->sections[s->nsections++];
            const char **have = jy_pool_new_array(pool, const char *, (size_t) nwords + 1);
            sec->col = c;
            sec->pos = k + 1;
            sec->name = ts->name;
            sec->more = ts->more;
            sec->show = (int) ts->items;
            sec->list = jy_pool_new_array(pool, struct rn_entry, (size_t) s->nitems + 1);
            for (int i = 0; i < s->nitems; i++) {
                const struct rn_item *it = &s->items[i];
                int nhave = 0;
                if (first[i] == NULL || it->ntags == 0)
                    continue;
                for (int w = 0; w < nwords; w++)
                    if (ids[w] && has_tag(it, ids[w]))
                        have[nhave++] = words[w];
                if (!jy_tagexpr_match(ts->tags, have, (size_t) nhave))
                    continue;
                sec->list[sec->nlist] = *first[i];
                sec->list[sec->nlist].pinned = false;
                sec->nlist++;
            }
            qsort_r(sec->list, (size_t) sec->nlist, sizeof(sec->list[0]), cmp_entry_newest, s);
        }
    return JY_OK;
}


static int
section_pages(const struct rn_site *s, const struct rn_section *sec)
{
    int size = s->cols[sec->col].page_size > 0 ? s->cols[sec->col].page_size : 20;
    return sec->nlist == 0 ? 1 : (sec->nlist + size - 1) / size;
}


static const char *
section_path(struct jy_pool *pool, const struct rn_site *s, const struct rn_section *sec, int n)
{
    if (n == 1)
        return jy_pool_printf(pool, "%s/section%d.html", s->cols[sec->col].path, sec->pos);
    return jy_pool_printf(pool, "%s/section%d_%d.html", s->cols[sec->col].path, sec->pos, n);
}


void
rn_plan_topics(struct jy_pool *pool, const struct rn_site *s, struct rn_plan *plan, int hch)
{
    for (int k = 0; k < s->nsections; k++) {
        const struct rn_section *sec = &s->sections[k];
        const struct rn_col *c = &s->cols[sec->col];
        int pages = section_pages(s, sec), size = c->page_size > 0 ? c->page_size : 20;
        struct rn_page *p;

        for (int n = 1; n <= pages; n++) {
            int from = (n - 1) * size, to = n * size < sec->nlist ? n * size : sec->nlist;
            const char *path = section_path(pool, s, sec, n);
            p = rn_plan_add(pool, plan, RP_TOPIC_SECTION, hch, path);
            p->col = sec->col;
            p->tag = k;
            p->num = n;
            p->pages = pages;
            p->desc = jy_pool_printf(pool, "section %d of topic %lld page %d of %d", sec->pos,
                                     c->id, n, pages);
            p->deps_items = jy_pool_new_array(pool, long long, (size_t) (to - from) + 1);
            for (int i = from; i < to; i++)
                p->deps_items[p->ndeps_items++] = s->items[sec->list[i].item].id;
            p->deps_cols = jy_pool_new_array(pool, long long, 1);
            p->deps_cols[0] = c->id;
            p->ndeps_cols = 1;
        }
    }

    /* page 1 of each topic shows the panels: their items are its dependencies too */
    for (int i = 0; i < plan->n && s->nsections; i++) {
        struct rn_page *p = &plan->v[i];
        long long *deps;
        int extra = 0;
        if (p->kind != RP_COLUMN || p->hch != hch || p->num != 1 ||
            strcmp(s->cols[p->col].kind, "topic") != 0)
            continue;
        for (int k = 0; k < s->nsections; k++)
            if (s->sections[k].col == p->col)
                extra += s->sections[k].nlist < s->sections[k].show ? s->sections[k].nlist
                                                                    : s->sections[k].show;
        if (extra == 0)
            continue;
        deps = jy_pool_new_array(pool, long long, (size_t) (p->ndeps_items + extra) + 1);
        if (p->ndeps_items)
            memcpy(deps, p->deps_items, sizeof(long long) * (size_t) p->ndeps_items);
        for (int k = 0; k < s->nsections; k++) {
            const struct rn_section *sec = &s->sections[k];
            if (sec->col != p->col)
                continue;
            for (int e = 0; e < sec->nlist && e < sec->show; e++)
                deps[p->ndeps_items++] = s->items[sec->list[e].item].id;
        }
        p->deps_items = deps;
    }
}


static const char *
section_url(struct jy_pool *pool, const void *arg, int n, const char *pre)
{
    const struct rn_page_ctx *x = ((const void *const *) arg)[0];
    const struct rn_section *sec = ((const void *const *) arg)[1];

    return jy_pool_printf(pool, "%s%s", pre, section_path(pool, x->site, sec, n));
}


void
rn_topic_ctx_sections(struct rn_page_ctx *x, const struct rn_page *p, cJSON *topic)
{
    const struct rn_site *s = x->site;
    cJSON *arr = NULL;

    if (p->num != 1)
        return;
    for (int k = 0; k < s->nsections; k++) {
        const struct rn_section *sec = &s->sections[k];
        const void *arg[2] = {x, sec};
        cJSON *o, *items;
        if (sec->col != p->col)
            continue;
        if (arr == NULL)
            arr = cJSON_AddArrayToObject(topic, "sections");
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", sec->name);
        if (sec->more == NULL)
            cJSON_AddStringToObject(o, "url", section_url(x->pool, arg, 1, rn_ctx_pre(x, p)));
        else if (sec->more[0] == '/' && p->hch) /* the same page in this channel */
            cJSON_AddStringToObject(o, "url",
                                    jy_pool_printf(x->pool, "%.*s%s",
                                                   (int) strlen(rn_ctx_pre(x, p)) - 1,
                                                   rn_ctx_pre(x, p), sec->more));
        else
            cJSON_AddStringToObject(o, "url", sec->more);
        items = cJSON_AddArrayToObject(o, "items");
        for (int e = 0; e < sec->nlist && e < sec->show; e++)
            cJSON_AddItemToArray(items, rn_ctx_entry(x, &sec->list[e], rn_ctx_pre(x, p)));
        cJSON_AddItemToArray(arr, o);
    }
}


/* A section's own page: a list page (template "column") under its topic. */
cJSON *
rn_topic_ctx_section(struct rn_page_ctx *x, const struct rn_page *p)
{
    const struct rn_site *s = x->site;
    const struct rn_section *sec = &s->sections[p->tag];
    const struct rn_col *c = &s->cols[sec->col];
    const void *arg[2] = {x, sec};
    int size = c->page_size > 0 ? c->page_size : 20;
    cJSON *root = rn_ctx_common(x, p, "column", sec->name, sec->col), *col, *items, *bc, *e;

    cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(root, "page"), "description",
                            jy_pool_printf(x->pool, "%s专题：%s", c->name, sec->name));
    col = rn_ctx_column(x, c, rn_ctx_pre(x, p));
    cJSON_ReplaceItemInObjectCaseSensitive(col, "name", cJSON_CreateString(sec->name));
    cJSON_ReplaceItemInObjectCaseSensitive(col, "kind", cJSON_CreateString("list"));
    cJSON_ReplaceItemInObjectCaseSensitive(
        col, "url", cJSON_CreateString(section_url(x->pool, arg, 1, rn_ctx_pre(x, p))));
    cJSON_ReplaceItemInObjectCaseSensitive(col, "children", cJSON_CreateArray());
    cJSON_AddItemToObject(root, "column", col);
    /* 首页 › … › the topic › this section */
    bc = cJSON_GetObjectItemCaseSensitive(root, "breadcrumbs");
    if (bc) {
        e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", sec->name);
        cJSON_AddStringToObject(e, "url", section_url(x->pool, arg, 1, rn_ctx_pre(x, p)));
        cJSON_AddBoolToObject(e, "current", true);
        cJSON_AddItemToArray(bc, e);
    }
    items = cJSON_AddArrayToObject(root, "items");
    for (int i = (p->num - 1) * size; i < sec->nlist && i < p->num * size; i++)
        cJSON_AddItemToArray(items, rn_ctx_entry(x, &sec->list[i], rn_ctx_pre(x, p)));
    rn_ctx_pagination(x, root, p, sec->nlist, section_url, arg);
    return root;
}
