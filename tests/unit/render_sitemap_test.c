/*
 * render_sitemap_test.c - sitemaps of a site too big for one file: past
 * 50,000 URLs sitemap.xml is an index of sitemap-<n>.xml files that hold
 * every URL exactly once (sitemaps.org), and below it one file holds all;
 * and the rule that keeps every output path inside the site's folder.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/render_int.h"

#include <cjson/cJSON.h>
#include "core/theme.h"
#include "tests/test.h"

static struct rn_site *
site_with_items(struct jy_pool *pool, int n)
{
    struct rn_site *s = jy_pool_new(pool, struct rn_site);

    s->id = 1;
    s->code = "5600000001";
    s->name = "云岭省人民政府";
    s->url = "https://www.yunling.gov.cn";
    s->ch_sitemap = true;
    s->ncols = 1;
    s->cols = jy_pool_new_array(pool, struct rn_col, 1);
    s->cols[0] = (struct rn_col){.id = 7,
                                 .parent = -1,
                                 .path = "zwgk",
                                 .kind = "list",
                                 .name = "政务公开",
                                 .order = "publish_desc",
                                 .page_size = 20};
    s->nitems = n;
    s->items = jy_pool_new_array(pool, struct rn_item, (size_t) n);
    for (int i = 0; i < n; i++) {
        s->items[i].id = i + 1;
        s->items[i].local = jy_pool_printf(pool, "zwgk/%d.html", i + 1);
        s->items[i].local_col = 0;
    }
    return s;
}


/* Occurrences of needle (by hand: the sanitizers' strstr reads the whole rest each call). */
static int
count(const char *hay, const char *needle)
{
    size_t m = strlen(needle);
    int n = 0;

    for (const char *p = hay; *p; p++)
        if (*p == needle[0] && strncmp(p, needle, m) == 0)
            n++;
    return n;
}


static void
sitemaps(int items, int want_files)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct rn_site *s = site_with_items(pool, items);
    struct jy_theme theme = {.name = "default"};
    struct rn_page_ctx x = {.site = s, .theme = &theme, .pool = pool};
    struct rn_plan plan;
    struct jy_err err = JY_ERR_INIT;
    int files = 0, urls = 0, index = 0;

    rn_plan_site(pool, s, &theme, "sitemap", &plan);
    for (int i = 0; i < plan.n; i++) {
        struct jy_buf b = JY_BUF_INIT(pool);
        if (plan.v[i].kind != RP_SITEMAP_XML)
            continue;
        T_EQ_INT(rn_page_render(&x, &plan.v[i], &b, &err), JY_OK);
        if (plan.v[i].num == 0) {
            T_EQ_STR(plan.v[i].path, "sitemap.xml");
            T_CONTAINS(b.buf,
                       "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">");
            index = count(b.buf, "<sitemap><loc>");
            T_CONTAINS(b.buf, "<loc>https://www.yunling.gov.cn/sitemap-1.xml</loc>");
            continue;
        }
        files++;
        T_ASSERT(count(b.buf, "<url>") <= RN_SITEMAP_URLS);
        urls += count(b.buf, "<url>");
    }
    T_EQ_INT(files, want_files);
    T_EQ_INT(index, want_files > 1 ? want_files : 0);
    T_EQ_INT(urls, items + 2); /* home, the column, the items */
    if (x.site_json)
        cJSON_Delete(x.site_json);
    jy_pool_destroy(pool);
}


static void
test_small_site_has_one_sitemap(void)
{
    sitemaps(1000, 1);
}


static void
test_big_site_has_an_index(void)
{
    sitemaps(60000, 2);
}


static void
test_exactly_the_limit_fits_one_file(void)
{
    sitemaps(RN_SITEMAP_URLS - 2, 1);
    sitemaps(RN_SITEMAP_URLS - 1, 2);
}


/* Output paths stay inside the site's folder whatever a column code or old URL holds. */
static void
test_output_paths_stay_inside(void)
{
    static const char *const ok[] = {"index.html", "zwgk/tzgg/index_2.html", "elder/a/1.html",
                                     "assets/site.3b1f0c9a.css", "a~b/c-d_e.f"};
    static const char *const bad[] = {
        "",   "/etc/passwd",    "../x", "a/../../x", "a/./b",      "a//b", "a/",  ".",
        "..", "zwgk/通知.html", "a b",  "a\\b",      "a%2F..%2Fb", "a?b",  "a\nb"};

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!jy_render_path_ok(ok[i]))
            jy_test_fail(__FILE__, __LINE__, "refused \"%s\"", ok[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (jy_render_path_ok(bad[i]))
            jy_test_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_small_site_has_one_sitemap),
        T_CASE(test_big_site_has_an_index),
        T_CASE(test_exactly_the_limit_fits_one_file),
        T_CASE(test_output_paths_stay_inside),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
