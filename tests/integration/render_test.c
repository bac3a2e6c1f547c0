/*
 * render_test.c - the static generator against a real PostgreSQL and a real
 * file system: the demo platform rendered in full; what an edit renders
 * again (exactly the files whose bytes change, and a tree equal to a full
 * render); reused items in the county's own URL space with a canonical
 * link to the original; removal of withdrawn pages; a broken theme that
 * leaves live files and manifest as they were, and does not stop the other
 * sites of the same run; --explain.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/demo.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/filestore.h"
#include "core/render.h"
#include "core/topic.h"
#include "tests/imagegen.h"
#include "tests/test.h"

#include <dirent.h>
#include <ftw.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
    struct jy_pool *pool;
    struct jy_db *db;
    struct jy_render_opts opts;
    const char *out;
};

/* One file of a tree: path relative to the site folders' parent, and a hash. */
struct tree_file {
    char path[768];
    char sha[65];
};

struct tree {
    struct tree_file *v;
    int n, cap;
};

static struct tree *walk_into;
static size_t walk_base;

static int
walk_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    FILE *f;
    unsigned char buf[65536], h[32];
    crypto_hash_sha256_state s;
    size_t n;

    (void) st;
    (void) ftw;
    if (flag != FTW_F)
        return 0;
    if (walk_into->n == walk_into->cap) {
        walk_into->cap = walk_into->cap ? walk_into->cap * 2 : 1024;
        walk_into->v = realloc(walk_into->v, sizeof(struct tree_file) * (size_t) walk_into->cap);
    }
    struct tree_file *t = &walk_into->v[walk_into->n++];
    snprintf(t->path, sizeof(t->path), "%s", path + walk_base);
    f = fopen(path, "rb");
    T_ASSERT(f != NULL);
    crypto_hash_sha256_init(&s);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        crypto_hash_sha256_update(&s, buf, n);
    fclose(f);
    crypto_hash_sha256_final(&s, h);
    sodium_bin2hex(t->sha, sizeof(t->sha), h, sizeof(h));
    return 0;
}


static int
cmp_tree_file(const void *a, const void *b)
{
    return strcmp(((const struct tree_file *) a)->path, ((const struct tree_file *) b)->path);
}


/* Every file under dir (following the site links), sorted by path. */
static struct tree
tree_of(const char *dir)
{
    struct tree t = {0};
    DIR *d = opendir(dir);
    struct dirent *de;

    T_ASSERT(d != NULL);
    while ((de = readdir(d)) != NULL) {
        char site[1024];
        struct stat st;
        if (de->d_name[0] == '.')
            continue;
        snprintf(site, sizeof(site), "%s/%s/", dir, de->d_name);
        if (stat(site, &st) != 0 || !S_ISDIR(st.st_mode))
            continue; /* redirects.map */
        /* nftw does not follow the link itself: walk the folder it names, and
         * name files "<code>/<path>" whatever the build folder is called */
        char real[4096];
        T_ASSERT(realpath(site, real) != NULL);
        struct tree part = {0};
        walk_into = &part;
        walk_base = strlen(real) + 1;
        nftw(real, walk_one, 16, FTW_PHYS);
        for (int i = 0; i < part.n; i++) {
            if (t.n == t.cap) {
                t.cap = t.cap ? t.cap * 2 : 4096;
                t.v = realloc(t.v, sizeof(struct tree_file) * (size_t) t.cap);
            }
            int w = snprintf(t.v[t.n].path, sizeof(t.v[t.n].path), "%.200s/%.500s", de->d_name,
                             part.v[i].path);
            T_ASSERT(w > 0 && (size_t) w < sizeof(t.v[t.n].path));
            memcpy(t.v[t.n].sha, part.v[i].sha, sizeof(t.v[t.n].sha));
            t.n++;
        }
        free(part.v);
    }
    closedir(d);
    qsort(t.v, (size_t) t.n, sizeof(t.v[0]), cmp_tree_file);
    return t;
}


static const char *
value(struct fx *f, int line, const char *sql)
{
    struct jy_err err = JY_ERR_INIT;
    const char *v = jy_db_query_value(f->db, f->pool, sql, 0, NULL, &err);

    if (v == NULL && err.code != JY_E_NONE)
        jy_test_fail(__FILE__, line, "%s\n    failed: %s (%s)", sql, err.msg, err.detail);
    return v;
}

#define VALUE(f, sql) value((f), __LINE__, (sql))
/* Run a statement; a failure fails the test at the caller's line (value() does). */
#define EXEC(f, sql) ((void) value((f), __LINE__, (sql)))


static const char *
read_text(struct fx *f, const char *path)
{
    struct jy_buf b = JY_BUF_INIT(f->pool);
    char chunk[8192];
    size_t n;
    FILE *fp = fopen(path, "rb");

    if (fp == NULL)
        return NULL;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        jy_buf_add(&b, chunk, n);
    fclose(fp);
    jy_buf_add_char(&b, '\0');
    return b.buf;
}


/*
 * The demo loaded once (loading is the slow part) into one database shared
 * by the cases; each case renders into a folder of its own and puts back
 * what it changes.
 */
static struct jy_db *shared_db;

static void
fx_open(struct fx *f, const char *name)
{
    struct jy_err err = JY_ERR_INIT;

    memset(f, 0, sizeof(*f));
    f->pool = jy_pool_create(0);
    if (shared_db == NULL) {
        struct jy_demo_opts opts = {NULL, NULL, NULL, false};
        struct jy_demo_stats st;
        shared_db = jy_db_connect(jy_test_db_create(true), &err);
        if (shared_db == NULL)
            jy_test_fail(__FILE__, __LINE__, "connect: %s (%s)", err.msg, err.detail);
        opts.file = jy_test_path("sites/demo/platform.json");
        opts.name = "platform.json";
        opts.blueprint_dir = jy_test_path("sites/blueprints");
        if (jy_demo_load(shared_db, f->pool, &opts, &st, &err) != JY_OK)
            jy_test_fail(__FILE__, __LINE__, "demo: %s (%s)", err.msg, err.detail);
    }
    f->db = shared_db;
    f->out = jy_pool_printf(f->pool, "%s/%s", jy_test_tmpdir(), name);
    f->opts.output_dir = f->out;
    f->opts.share_dir = jy_test_path("");
    f->opts.file_dir = jy_pool_printf(f->pool, "%s/files", jy_test_tmpdir());
    f->opts.threads = 2;
}


static void
fx_close(struct fx *f)
{
    jy_pool_destroy(f->pool);
}


static void
render_all(struct fx *f, struct jy_render_opts *o)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_render_stats st = {0};

    if (jy_render_all(f->db, o ? o : &f->opts, &st, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "render --all: %s (%s)", err.msg, err.detail);
    T_ASSERT(st.sites >= 19);
}


static void
pending(struct fx *f, struct jy_render_stats *st)
{
    struct jy_err err = JY_ERR_INIT;

    memset(st, 0, sizeof(*st));
    if (jy_render_pending(f->db, &f->opts, st, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "render --pending: %s (%s)", err.msg, err.detail);
}


/* The manifest, as "<code>/<path>" + sha, sorted like tree_of(). */
static struct tree
manifest_of(struct fx *f)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *r = jy_db_query(f->db, f->pool,
                                      "SELECT s.code || '/' || f.path, f.sha256 FROM render_file f "
                                      "JOIN site s ON s.id = f.site_id",
                                      0, NULL, &err);
    struct tree t = {0};

    T_ASSERT(r != NULL);
    t.n = t.cap = jy_db_res_rows(r);
    t.v = calloc((size_t) t.n + 1, sizeof(struct tree_file));
    for (int i = 0; i < t.n; i++) {
        snprintf(t.v[i].path, sizeof(t.v[i].path), "%s", jy_db_res_get(r, i, 0));
        snprintf(t.v[i].sha, sizeof(t.v[i].sha), "%s", jy_db_res_get(r, i, 1));
    }
    qsort(t.v, (size_t) t.n, sizeof(t.v[0]), cmp_tree_file);
    return t;
}


static void
expect_same_tree(int line, const struct tree *a, const struct tree *b, const char *what)
{
    int i = 0, j = 0;

    while (i < a->n || j < b->n) {
        int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->v[i].path, b->v[j].path);
        if (c < 0)
            jy_test_fail(__FILE__, line, "%s: %s only in the first", what, a->v[i].path);
        if (c > 0)
            jy_test_fail(__FILE__, line, "%s: %s only in the second", what, b->v[j].path);
        if (strcmp(a->v[i].sha, b->v[j].sha) != 0)
            jy_test_fail(__FILE__, line, "%s: %s differs", what, a->v[i].path);
        i++;
        j++;
    }
}


static void
test_full_render_of_the_demo(void)
{
    struct fx f;
    struct tree disk, man;
    const char *home, *county_item, *policy;

    fx_open(&f, "full");
    render_all(&f, NULL);
    disk = tree_of(f.out);
    man = manifest_of(&f);
    /* the manifest is exactly what is on disk */
    expect_same_tree(__LINE__, &disk, &man, "disk vs manifest");
    T_ASSERT(disk.n > 3000);

    /* every channel of the province portal */
    home = read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/index.html", f.out));
    T_ASSERT(home != NULL);
    T_CONTAINS(home, "<meta name=\"SiteIDCode\" content=\"5600000001\">");
    T_CONTAINS(home, "云岭省人民政府");
    T_ASSERT(read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/elder/index.html", f.out)));
    T_ASSERT(read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/sitemap.xml", f.out)));
    T_ASSERT(read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/robots.txt", f.out)));
    T_ASSERT(read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/api/site.json", f.out)));
    T_ASSERT(read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/zwgk/zcwj/rss.xml", f.out)));

    /* tag pages list the site's items with the tag */
    {
        const char *tag = VALUE(&f, "SELECT tag_id FROM item_tag WHERE item_id = 4 LIMIT 1");
        const char *page;
        T_ASSERT(tag != NULL);
        page =
            read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/tags/%s/index.html", f.out, tag));
        T_ASSERT(page != NULL);
        T_CONTAINS(page, "/zwgk/zwdt/yw/4.html");
    }

    /* the province's policy document: metadata table, and its interpretation linked */
    policy = read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/zwgk/zcwj/szfwj/1.html", f.out));
    T_ASSERT(policy != NULL);
    T_CONTAINS(policy, "<meta name=\"ArticleTitle\"");
    T_CONTAINS(policy, "索引号");
    T_CONTAINS(policy, "/zwgk/zcjd/wzjd/3.html");

    /* reused on a county: the county's URL and chrome, canonical to the original */
    county_item =
        read_text(&f, jy_pool_printf(f.pool, "%s/5603210001/zwgk/zcwj/shengzfwj/1.html", f.out));
    T_ASSERT(county_item != NULL);
    T_CONTAINS(county_item, "<link rel=\"canonical\" href=\"https://www.yunling.gov.cn/zwgk/zcwj/"
                            "szfwj/1.html\">");
    T_CONTAINS(county_item, "<meta name=\"SiteIDCode\" content=\"5603210001\">");
    free(disk.v);
    free(man.v);
    fx_close(&f);
}


/*
 * An edit of a province document reused by every county: the incremental
 * run writes exactly the files whose bytes changed, and the result equals
 * a full render from scratch.
 */
static void
test_incremental_writes_exactly_what_changed(void)
{
    struct fx f;
    struct tree before, after, full;
    struct jy_render_stats st;
    struct jy_render_opts o;
    int changed = 0;

    fx_open(&f, "incr");
    render_all(&f, NULL);
    before = tree_of(f.out);
    EXEC(&f, "UPDATE item SET title = title || '（修订）' WHERE id = 1");
    T_EQ_STR(VALUE(&f, "SELECT count(*) > 0 FROM render_change"), "t");
    pending(&f, &st);
    after = tree_of(f.out);
    T_EQ_INT(before.n, after.n);
    for (int i = 0; i < after.n; i++) {
        T_EQ_STR(before.v[i].path, after.v[i].path);
        changed += strcmp(before.v[i].sha, after.v[i].sha) != 0;
    }
    /* the written files are exactly the changed ones */
    T_EQ_INT(st.written, changed);
    T_ASSERT(changed >= 19 * 2); /* at least the document page on every county, both channels */
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM render_change"), "0");
    /* nothing was rendered on sites that do not show the document */
    T_ASSERT(st.sites < 19);

    /* the same as rendering everything again */
    o = f.opts;
    o.output_dir = jy_pool_printf(f.pool, "%s/incr-full", jy_test_tmpdir());
    EXEC(&f, "TRUNCATE render_file, render_dep, render_site_state");
    render_all(&f, &o);
    full = tree_of(o.output_dir);
    expect_same_tree(__LINE__, &after, &full, "incremental vs full");

    /* nothing changed: nothing rendered */
    pending(&f, &st);
    T_EQ_INT(st.pages, 0);
    EXEC(&f, "UPDATE item SET title = replace(title, '（修订）', '') WHERE id = 1");
    free(before.v);
    free(after.v);
    free(full.v);
    fx_close(&f);
}


static void
test_withdrawn_page_is_removed(void)
{
    struct fx f;
    struct jy_render_stats st;
    const char *page;

    fx_open(&f, "withdraw");
    render_all(&f, NULL);
    page = jy_pool_printf(f.pool, "%s/5600000001/zwgk/zwdt/yw/4.html", f.out);
    T_ASSERT(read_text(&f, page) != NULL);
    EXEC(&f, "UPDATE placement SET state = 'withdrawn' WHERE item_id = 4");
    pending(&f, &st);
    T_ASSERT(read_text(&f, page) == NULL);
    T_ASSERT(st.removed >= 2);
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM render_file WHERE path LIKE '%/4.html'"), "0");
    /* and back */
    EXEC(&f, "UPDATE placement SET state = 'published' WHERE item_id = 4");
    pending(&f, &st);
    T_ASSERT(read_text(&f, page) != NULL);
    fx_close(&f);
}


/* Copy the default theme into share/themes/<name> with one template replaced. */
static const char *
broken_share(struct fx *f, const char *tpl, const char *text)
{
    const char *share = jy_pool_printf(f->pool, "%s/share", jy_test_tmpdir());
    const char *cmd = jy_pool_printf(
        f->pool,
        "rm -rf '%s' && mkdir -p '%s/themes/broken/templates/partials' && cp -r '%s' '%s/themes/'",
        share, share, jy_test_path("themes/default"), share);
    FILE *fp;

    T_EQ_INT(system(cmd), 0);
    fp = fopen(jy_pool_printf(f->pool, "%s/themes/broken/templates/%s.html", share, tpl), "wb");
    T_ASSERT(fp != NULL);
    fputs(text, fp);
    fclose(fp);
    return share;
}


static void
test_broken_theme_changes_nothing(void)
{
    struct fx f;
    struct jy_err err = JY_ERR_INIT;
    struct jy_render_stats st = {0};
    struct tree before, after, man_before, man_after;
    struct jy_render_opts o;

    fx_open(&f, "broken");
    render_all(&f, NULL);
    before = tree_of(f.out);
    man_before = manifest_of(&f);
    o = f.opts;
    o.share_dir = broken_share(&f, "item",
                               "{{<layout}}{{$main}}\n<p>{{#item.title}}</p>\n"
                               "{{/layout}}");
    EXEC(&f, "UPDATE site SET theme = 'broken' WHERE code = '5603210001'");
    T_EQ_INT(jy_render_site(f.db, &o, "5603210001", &st, &err), JY_ERROR);
    T_CONTAINS(err.msg, "item");
    T_CONTAINS(err.msg, "template \"item\" line 3, column 1");
    /* an unknown partial is named too */
    o.share_dir = broken_share(&f, "home",
                               "{{<layout}}{{$main}}{{>partials/nope}}{{/main}}"
                               "{{/layout}}");
    jy_err_clear(&err);
    T_EQ_INT(jy_render_site(f.db, &o, "5603210001", &st, &err), JY_ERROR);
    T_CONTAINS(err.msg, "partials/nope");
    /* the same through the pending changes */
    jy_err_clear(&err);
    T_EQ_INT(jy_render_pending(f.db, &o, &st, &err), JY_ERROR);
    after = tree_of(f.out);
    man_after = manifest_of(&f);
    expect_same_tree(__LINE__, &before, &after, "live files");
    expect_same_tree(__LINE__, &man_before, &man_after, "manifest");
    EXEC(&f, "UPDATE site SET theme = 'default' WHERE code = '5603210001'");
    free(before.v);
    free(after.v);
    free(man_before.v);
    free(man_after.v);
    fx_close(&f);
}


/*
 * One edit shown by every county while one county's theme is broken: that
 * county fails (its live files and manifest stay as they were, its state is
 * marked to render in full after a fix), the other sites of the same run
 * are rendered and recorded, and the change is taken.
 */
static void
test_one_failing_site_does_not_stop_the_others(void)
{
    struct fx f;
    struct jy_err err = JY_ERR_INIT;
    struct jy_render_stats st = {0};
    struct jy_render_opts o;
    const char *other, *page_a, *page_b, *page_p, *man_a;

    fx_open(&f, "onefails");
    render_all(&f, NULL);
    other = VALUE(&f, "SELECT s.code FROM render_file f JOIN site s ON s.id = f.site_id "
                      "WHERE f.path = 'zwgk/zcwj/shengzfwj/1.html' AND s.code <> '5603210001' "
                      "ORDER BY s.code LIMIT 1");
    T_ASSERT(other != NULL);
    page_a = jy_pool_printf(f.pool, "%s/5603210001/zwgk/zcwj/shengzfwj/1.html", f.out);
    page_b = jy_pool_printf(f.pool, "%s/%s/zwgk/zcwj/shengzfwj/1.html", f.out, other);
    page_p = jy_pool_printf(f.pool, "%s/5600000001/zwgk/zcwj/szfwj/1.html", f.out);
    T_ASSERT(read_text(&f, page_a) != NULL);
    man_a =
        VALUE(&f, "SELECT string_agg(f.path || f.sha256, ',' ORDER BY f.path) FROM render_file f "
                  "JOIN site s ON s.id = f.site_id WHERE s.code = '5603210001'");
    o = f.opts;
    o.share_dir = broken_share(&f, "item",
                               "{{<layout}}{{$main}}\n<p>{{#item.title}}</p>\n"
                               "{{/layout}}");
    EXEC(&f, "UPDATE site SET theme = 'broken' WHERE code = '5603210001'");
    EXEC(&f, "UPDATE item SET title = title || '（两处）' WHERE id = 1");
    T_EQ_INT(jy_render_pending(f.db, &o, &st, &err), JY_ERROR);
    T_CONTAINS(err.msg, "5603210001");
    T_CONTAINS(err.msg, "template \"item\" line 3, column 1");
    /* the others: rendered, recorded */
    T_CONTAINS(read_text(&f, page_b), "（两处）");
    T_CONTAINS(read_text(&f, page_p), "（两处）");
    T_ASSERT(st.sites >= 2);
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM render_change"), "0");
    /* the failing one: as it was, and marked */
    T_ASSERT(strstr(read_text(&f, page_a), "（两处）") == NULL);
    T_EQ_STR(VALUE(&f,
                   "SELECT string_agg(f.path || f.sha256, ',' ORDER BY f.path) FROM render_file f "
                   "JOIN site s ON s.id = f.site_id WHERE s.code = '5603210001'"),
             man_a);
    T_EQ_STR(VALUE(&f, "SELECT theme_sha FROM render_site_state st JOIN site s ON s.id = "
                       "st.site_id WHERE s.code = '5603210001'"),
             "failed");
    /* fixed: the next run renders it, with the edit */
    EXEC(&f, "UPDATE site SET theme = 'default' WHERE code = '5603210001'");
    pending(&f, &st);
    T_CONTAINS(read_text(&f, page_a), "（两处）");
    EXEC(&f, "UPDATE item SET title = replace(title, '（两处）', '') WHERE id = 1");
    pending(&f, &st);
    fx_close(&f);
}


/* A template changed on disk renders the pages of the sites using it again, with no data change. */
static void
test_theme_change_on_disk(void)
{
    struct fx f;
    struct jy_err err = JY_ERR_INIT;
    struct jy_render_stats st = {0};
    struct jy_render_opts o;
    const char *footer, *share, *page;
    FILE *fp;

    fx_open(&f, "theme");
    o = f.opts;
    share = broken_share(&f, "partials/footer", "<footer>第一版页脚</footer>\n");
    o.share_dir = share;
    EXEC(&f, "UPDATE site SET theme = 'broken' WHERE code = '5603210001'");
    if (jy_render_all(f.db, &o, &st, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "render --all: %s", err.msg);
    page = jy_pool_printf(f.pool, "%s/5603210001/index.html", f.out);
    T_CONTAINS(read_text(&f, page), "第一版页脚");
    memset(&st, 0, sizeof(st));
    T_EQ_INT(jy_render_pending(f.db, &o, &st, &err), JY_OK);
    T_EQ_INT(st.pages, 0); /* nothing changed yet */
    footer = jy_pool_printf(f.pool, "%s/themes/broken/templates/partials/footer.html", share);
    fp = fopen(footer, "wb");
    T_ASSERT(fp != NULL);
    fputs("<footer>第二版页脚</footer>\n", fp);
    fclose(fp);
    memset(&st, 0, sizeof(st));
    if (jy_render_pending(f.db, &o, &st, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "render --pending: %s", err.msg);
    T_EQ_INT(st.sites, 1);
    T_ASSERT(st.written > 100);
    T_CONTAINS(read_text(&f, page), "第二版页脚");
    T_ASSERT(strstr(read_text(&f, jy_pool_printf(f.pool, "%s/5603220001/index.html", f.out)),
                    "第二版页脚") == NULL);
    EXEC(&f, "UPDATE site SET theme = 'default' WHERE code = '5603210001'");
    fx_close(&f);
}


/* Write text into file rel of the theme folder "broken" of share. */
static void
theme_file(struct fx *f, const char *share, const char *rel, const char *text)
{
    const char *path = jy_pool_printf(f->pool, "%s/themes/broken/%s", share, rel);
    const char *dir = jy_pool_strndup(f->pool, path, (size_t) (strrchr(path, '/') - path));
    FILE *fp;

    T_EQ_INT(system(jy_pool_printf(f->pool, "mkdir -p '%s'", dir)), 0);
    fp = fopen(path, "wb");
    T_ASSERT(fp != NULL);
    fputs(text, fp);
    fclose(fp);
}


/*
 * A channel is declared by a theme, not by code: a third HTML channel
 * (无障碍版 under wza/) with a header of its own renders every page under its
 * prefix, is linked from the other channels' pages, is recorded under its
 * code, and goes away when the site stops naming it.
 */
static void
test_theme_declares_a_channel(void)
{
    struct fx f;
    struct jy_err err = JY_ERR_INIT;
    struct jy_render_stats st = {0};
    struct jy_render_opts o;
    const char *share, *home, *wza, *elder;

    fx_open(&f, "channel");
    o = f.opts;
    share = broken_share(&f, "partials/unused", "");
    o.share_dir = share;
    theme_file(&f, share, "theme.json",
               "{\"name\": \"broken\", \"pages\": [\"home\", \"column\", \"item\", \"topic\", "
               "\"tag\", \"sitemap\", \"search\", \"404\", \"redirect\"],"
               " \"assets\": {\"css\": \"site.css\", \"elder_css\": \"elder.css\", \"js\": "
               "\"site.js\"}, \"channels\": [{\"code\": \"elder\", \"label\": \"长辈版\", "
               "\"prefix\": \"elder\"}, {\"code\": \"wza\", \"label\": \"无障碍版\", "
               "\"prefix\": \"wza\"}]}");
    theme_file(&f, share, "channels/wza/templates/partials/header.html",
               "<header><p>无障碍版页头：{{channel.label}}</p>"
               "<a href=\"{{channel.desktop_url}}\">标准版</a></header>\n");
    EXEC(&f, "UPDATE site SET theme = 'broken', channels = '{desktop,elder,wza,rss}'"
             " WHERE code = '5603210001'");
    if (jy_render_site(f.db, &o, "5603210001", &st, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "render: %s", err.msg);
    home = read_text(&f, jy_pool_printf(f.pool, "%s/5603210001/index.html", f.out));
    wza = read_text(&f, jy_pool_printf(f.pool, "%s/5603210001/wza/index.html", f.out));
    elder = read_text(&f, jy_pool_printf(f.pool, "%s/5603210001/elder/index.html", f.out));
    T_ASSERT(wza != NULL && home != NULL && elder != NULL);
    T_CONTAINS(wza, "无障碍版页头：无障碍版");
    T_CONTAINS(wza, "href=\"/\""); /* back to the desktop page */
    T_ASSERT(strstr(home, "无障碍版页头") == NULL && strstr(elder, "无障碍版页头") == NULL);
    /* every other channel links to the same page there */
    T_CONTAINS(home, "<a href=\"/wza/\">无障碍版</a>");
    T_CONTAINS(elder, "<a href=\"/wza/\">无障碍版</a>");
    T_CONTAINS(home, "<a href=\"/elder/\">长辈版</a>");
    /* lists link within the channel; the manifest knows its files by the channel's code */
    T_CONTAINS(read_text(&f, jy_pool_printf(f.pool, "%s/5603210001/wza/zwgk/index.html", f.out)),
               "href=\"/wza/zwgk/");
    T_EQ_STR(VALUE(&f, "SELECT count(*) FILTER (WHERE channel = 'wza') || ' ' ||"
                       " count(*) FILTER (WHERE channel = 'elder') FROM render_file f"
                       " JOIN site s ON s.id = f.site_id WHERE s.code = '5603210001'"),
             VALUE(&f, "SELECT count(*) || ' ' || count(*) FROM render_file f"
                       " JOIN site s ON s.id = f.site_id"
                       " WHERE s.code = '5603210001' AND channel = 'elder'"));
    /* the site stops naming it: its files go */
    EXEC(&f, "UPDATE site SET channels = '{desktop,elder,rss}' WHERE code = '5603210001'");
    memset(&st, 0, sizeof(st));
    if (jy_render_pending(f.db, &o, &st, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "render --pending: %s", err.msg);
    T_ASSERT(read_text(&f, jy_pool_printf(f.pool, "%s/5603210001/wza/index.html", f.out)) == NULL);
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM render_file WHERE channel = 'wza'"), "0");
    T_ASSERT(strstr(read_text(&f, jy_pool_printf(f.pool, "%s/5603210001/index.html", f.out)),
                    "无障碍版") == NULL);
    /* a channel that takes a name the renderer writes is refused, naming it */
    theme_file(&f, share, "theme.json",
               "{\"pages\": [\"home\"], \"assets\": {}, \"channels\": [{\"code\": \"x\", "
               "\"label\": \"X\", \"prefix\": \"assets\"}]}");
    jy_err_clear(&err);
    T_EQ_INT(jy_render_site(f.db, &o, "5603210001", &st, &err), JY_ERROR);
    T_CONTAINS(err.msg, "takes the name \"assets\"");
    EXEC(&f, "UPDATE site SET theme = 'default', channels = DEFAULT WHERE code = '5603210001'");
    fx_close(&f);
}


/* Links in a body that leave the government domain carry the leave-site warning. */
static void
test_external_links_in_bodies(void)
{
    struct fx f;
    struct jy_render_stats st;
    const char *page;

    fx_open(&f, "links");
    render_all(&f, NULL);
    EXEC(&f,
         "UPDATE item SET body = '<p>见<a href=\"https://www.example.com/a?b=1\">外部网站</a>和"
         "<a href=\"https://www.gov.cn/zhengce/\">中国政府网</a>、<a href=\"/zwgk/\">本站</a></p>' "
         "WHERE id = 4");
    pending(&f, &st);
    page = read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/zwgk/zwdt/yw/4.html", f.out));
    T_ASSERT(page != NULL);
    T_CONTAINS(page, "<a class=\"jy-external\" href=\"https://www.example.com/a?b=1\" "
                     "data-leave=\"云岭省人民政府\">外部网站</a>");
    T_CONTAINS(page, "<a href=\"https://www.gov.cn/zhengce/\">中国政府网</a>");
    T_CONTAINS(page, "<a href=\"/zwgk/\">本站</a>");
    fx_close(&f);
}


/* A pin that expires renders its list again, though nothing was written. */
static void
test_expired_pin_renders_again(void)
{
    struct fx f;
    struct jy_render_stats st;
    const char *list;

    fx_open(&f, "pin");
    render_all(&f, NULL);
    EXEC(&f, "UPDATE placement SET pinned_until = now() + interval '2 seconds' WHERE item_id = 4");
    pending(&f, &st);
    list = jy_pool_printf(f.pool, "%s/5600000001/zwgk/zwdt/yw/index.html", f.out);
    T_CONTAINS(read_text(&f, list), "jy-badge-pinned");
    sleep(3);
    pending(&f, &st);
    T_ASSERT(st.written > 0);
    T_ASSERT(strstr(read_text(&f, list), "jy-badge-pinned") == NULL);
    EXEC(&f, "UPDATE placement SET pinned_until = NULL WHERE item_id = 4");
    pending(&f, &st);
    fx_close(&f);
}


/* Render everything again into a fresh folder and compare it with what f->out holds now. */
static void
expect_same_as_full(struct fx *f, int line, const char *name)
{
    struct jy_render_opts o = f->opts;
    struct tree now = tree_of(f->out), full;

    o.output_dir = jy_pool_printf(f->pool, "%s/%s", jy_test_tmpdir(), name);
    EXEC(f, "TRUNCATE render_file, render_dep, render_site_state");
    render_all(f, &o);
    full = tree_of(o.output_dir);
    expect_same_tree(line, &now, &full, "incremental vs full");
    free(now.v);
    free(full.v);
}


/* A topic's sections: bad input refused with the place named and nothing stored. */
static void
test_topic_sections_refused(void)
{
    struct fx f;
    struct jy_err err = JY_ERR_INIT;
    struct jy_topic_section v[2];
    const char *before;

    fx_open(&f, "topic-bad");
    before = VALUE(
        &f,
        "SELECT settings::text FROM site_column WHERE site_id = (SELECT id FROM site WHERE code = '5600000001') AND path = "
        "'ztzl/yhyshj'");
    memset(v, 0, sizeof(v));
    v[0] = (struct jy_topic_section){"政策", "优化营商环境", 5, NULL, NULL};
    v[1] = (struct jy_topic_section){"动态", "优化营商环境 AND", 5, NULL, NULL};
    T_EQ_INT(jy_topic_set(f.db, f.pool, "5600000001:ztzl/yhyshj", v, 2, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_CONTAINS(err.msg, "section 2 (\"动态\"): tag expression: expected a tag after \"AND\"");
    T_CONTAINS(err.msg, "at character 11");

    jy_err_clear(&err);
    v[1].expr = "就业 OR 没有这个标签";
    T_EQ_INT(jy_topic_set(f.db, f.pool, "5600000001:ztzl/yhyshj", v, 2, &err), JY_ERROR);
    T_CONTAINS(err.msg, "section 2 (\"动态\"): tag expression: there is no tag \"没有这个标签\" "
                        "(character 7)");

    jy_err_clear(&err);
    v[1] = (struct jy_topic_section){"政策", "就业", 5, NULL, NULL};
    T_EQ_INT(jy_topic_set(f.db, f.pool, "5600000001:ztzl/yhyshj", v, 2, &err), JY_ERROR);
    T_CONTAINS(err.msg, "section 2 (\"政策\"): the name is the name of section 1 too");

    jy_err_clear(&err);
    v[1] = (struct jy_topic_section){"动态", "就业", 0, NULL, NULL};
    T_EQ_INT(jy_topic_set(f.db, f.pool, "5600000001:ztzl/yhyshj", v, 2, &err), JY_ERROR);
    T_CONTAINS(err.msg, "section 2 (\"动态\"): a panel shows 1 to 50 items, not 0");

    jy_err_clear(&err);
    v[1] = (struct jy_topic_section){"动态", "就业", 5, "javascript:alert(1)", NULL};
    T_EQ_INT(jy_topic_set(f.db, f.pool, "5600000001:ztzl/yhyshj", v, 2, &err), JY_ERROR);
    T_CONTAINS(err.msg, "section 2 (\"动态\"): \"more\" must be a path of the site");

    jy_err_clear(&err);
    T_EQ_INT(jy_topic_set(f.db, f.pool, "5600000001:zwgk/zwdt/yw", v, 1, &err), JY_ERROR);
    T_CONTAINS(err.msg, "is a list column: sections are for topic columns");

    T_EQ_STR(
        VALUE(
            &f,
            "SELECT settings::text FROM site_column WHERE site_id = (SELECT id FROM site WHERE code = '5600000001') AND path = "
            "'ztzl/yhyshj'"),
        before);

    /* a renamed tag is renamed in the expressions that name it, as a whole word only */
    v[0] =
        (struct jy_topic_section){"政策", "(就业 OR 优化营商环境) AND NOT 卫生健康", 5, NULL, NULL};
    v[1] = (struct jy_topic_section){"动态", "就业创业 OR 就业", 5, NULL, NULL};
    jy_err_clear(&err);
    T_EQ_INT(jy_topic_set(f.db, f.pool, "5600000001:ztzl/yhyshj", v, 2, &err), JY_OK);
    EXEC(&f, "UPDATE tag SET name = '稳岗就业' WHERE name = '就业'");
    T_EQ_STR(VALUE(&f, "SELECT string_agg(s ->> 'expr', ' | ') FROM site_column c, "
                       "jsonb_array_elements(c.settings -> 'sections') s "
                       "WHERE c.path = 'ztzl/yhyshj' AND c.site_id = (SELECT id FROM site WHERE "
                       "code = '5600000001')"),
             "(稳岗就业 OR 优化营商环境) AND NOT 卫生健康 | 就业创业 OR 稳岗就业");
    EXEC(&f, "UPDATE tag SET name = '就业' WHERE name = '稳岗就业'");
    T_EQ_INT(jy_topic_set(f.db, f.pool, "5600000001:ztzl/yhyshj", NULL, 0, &err), JY_OK);
    fx_close(&f);
}


/*
 * Topic sections render as panels and pages of their own; a tag added to
 * an item, or taken from it, renders exactly the topic pages that show or
 * would show it, and the result equals a full render.
 */
static void
test_topic_sections(void)
{
    struct fx f;
    struct jy_err err = JY_ERR_INIT;
    struct jy_render_stats st;
    struct jy_topic_section v[2] = {{"营商环境", "优化营商环境", 3, NULL, NULL},
                                    {"就业与健康", "就业 OR 卫生健康", 6, "/zwgk/zwdt/", NULL}};
    const char *topic, *section, *elder, *tagged, *tag4, *url4;

    fx_open(&f, "topic");
    T_EQ_INT(jy_topic_set(f.db, f.pool, "5600000001:ztzl/yhyshj", v, 2, &err), JY_OK);
    render_all(&f, NULL);
    topic = jy_pool_printf(f.pool, "%s/5600000001/ztzl/yhyshj/index.html", f.out);
    section = jy_pool_printf(f.pool, "%s/5600000001/ztzl/yhyshj/section1.html", f.out);
    elder = jy_pool_printf(f.pool, "%s/5600000001/elder/ztzl/yhyshj/index.html", f.out);

    /* an item of the province tagged 优化营商环境 that the province shows */
    tagged = VALUE(
        &f,
        "SELECT i.id FROM item i JOIN item_tag it ON it.item_id = i.id "
        "JOIN tag t ON t.id = it.tag_id AND t.name = '优化营商环境' "
        "JOIN placement p ON p.item_id = i.id AND p.state = 'published' "
        "JOIN site_column c ON c.id = p.column_id AND c.site_id = (SELECT id FROM site WHERE code = '5600000001') "
        "ORDER BY i.id LIMIT 1");
    T_ASSERT(tagged != NULL);
    T_CONTAINS(read_text(&f, topic), "<h2>营商环境</h2>");
    T_CONTAINS(read_text(&f, topic), "<h2>就业与健康</h2>");
    T_CONTAINS(read_text(&f, topic), "href=\"/ztzl/yhyshj/section1.html\"");
    T_CONTAINS(read_text(&f, topic), "href=\"/zwgk/zwdt/\">更多");
    T_CONTAINS(read_text(&f, section), jy_pool_printf(f.pool, "/%s.html\"", tagged));
    T_CONTAINS(read_text(&f, section), "<meta name=\"ColumnName\" content=\"营商环境\">");
    T_CONTAINS(read_text(&f, elder), "href=\"/elder/ztzl/yhyshj/section1.html\"");
    T_CONTAINS(read_text(&f, elder), "href=\"/elder/zwgk/zwdt/\">更多");

    /* item 4 (要闻) gets the tag: the topic shows it after an incremental run */
    url4 = "/zwgk/zwdt/yw/4.html";
    T_ASSERT(strstr(read_text(&f, section), url4) == NULL);
    tag4 = VALUE(&f, "SELECT id FROM tag WHERE name = '优化营商环境'");
    EXEC(&f, jy_pool_printf(f.pool,
                            "INSERT INTO item_tag (site_id, item_id, tag_id, sort) "
                            "SELECT site_id, 4, %s, 9 FROM item WHERE id = 4",
                            tag4));
    pending(&f, &st);
    T_CONTAINS(read_text(&f, section), url4);
    T_CONTAINS(read_text(&f, topic), url4);
    expect_same_as_full(&f, __LINE__, "topic-full-1");

    /* and loses it */
    EXEC(&f,
         jy_pool_printf(f.pool, "DELETE FROM item_tag WHERE item_id = 4 AND tag_id = %s", tag4));
    pending(&f, &st);
    T_ASSERT(strstr(read_text(&f, section), url4) == NULL);
    T_ASSERT(strstr(read_text(&f, topic), url4) == NULL);

    /* withdrawn: gone from the topic too */
    EXEC(&f, jy_pool_printf(f.pool, "UPDATE placement SET state = 'withdrawn' WHERE item_id = %s",
                            tagged));
    pending(&f, &st);
    T_ASSERT(strstr(read_text(&f, section), jy_pool_printf(f.pool, "/%s.html\"", tagged)) == NULL);
    EXEC(&f, jy_pool_printf(f.pool, "UPDATE placement SET state = 'published' WHERE item_id = %s",
                            tagged));
    pending(&f, &st);
    T_CONTAINS(read_text(&f, section), jy_pool_printf(f.pool, "/%s.html\"", tagged));

    /* sections removed: their pages go, and the topic lists its own items again */
    T_EQ_INT(jy_topic_set(f.db, f.pool, "5600000001:ztzl/yhyshj", NULL, 0, &err), JY_OK);
    pending(&f, &st);
    T_ASSERT(read_text(&f, section) == NULL);
    T_ASSERT(strstr(read_text(&f, topic), "<h2>营商环境</h2>") == NULL);
    expect_same_as_full(&f, __LINE__, "topic-full-2");
    fx_close(&f);
}


/* The bytes of a file, or NULL. */
static const char *
read_bytes(struct fx *f, const char *path, size_t *len)
{
    const char *t = read_text(f, path);

    *len = 0;
    if (t) {
        struct stat st;
        if (stat(path, &st) == 0)
            *len = (size_t) st.st_size;
    }
    return t;
}


/*
 * An uploaded attachment and an inline picture: both land in the site's
 * tree, byte for byte the store's, in the manifest; the page links them;
 * detaching removes the file in the next incremental run.
 */
static void
test_uploaded_files(void)
{
    struct fx f;
    struct jy_err err = JY_ERR_INIT;
    struct jy_render_stats st;
    struct jy_filestore fs;
    struct jy_file pdf, png;
    struct jy_buf img;
    static const char pdf_bytes[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n"
                                    "<< >>\n%%EOF\n";
    const char *page, *elder, *pdf_out, *png_out, *body;
    size_t len;

    fx_open(&f, "files");
    memset(&fs, 0, sizeof(fs));
    fs.dir = f.opts.file_dir;
    fs.types = JY_FILE_TYPES_DEFAULT;
    for (int i = 0; i < JY_FILE_NCLASSES; i++)
        fs.max[i] = 10 * 1024 * 1024;
    jy_buf_init(&img, f.pool, 256);
    gen_png(&img, 12, 8, 0x33);
    (void) gen_gif; /* tests/imagegen.h: only the PNG is needed here */
    (void) gen_jpeg;
    (void) gen_webp;
    T_EQ_INT(jy_file_add_mem(f.db, f.pool, &fs, "5600000001", pdf_bytes, sizeof(pdf_bytes) - 1,
                             "实施方案.pdf", &pdf, &err),
             JY_OK);
    T_EQ_INT(
        jy_file_add_mem(f.db, f.pool, &fs, "5600000001", img.buf, img.len, "现场.png", &png, &err),
        JY_OK);
    body = VALUE(&f, "SELECT body FROM item WHERE id = 4");
    T_EQ_INT(jy_file_attach(f.db, f.pool, 4, pdf.sha256, 1, "实施方案（全文）", &err), JY_OK);
    T_EQ_INT(jy_file_attach(f.db, f.pool, 4, png.sha256, 2, NULL, &err), JY_OK);
    {
        const char *p[1] = {jy_pool_printf(
            f.pool, "<p>现场：<img src=\"/files/%s.png\" alt=\"现场\"></p>", png.sha256)};
        T_ASSERT(jy_db_query(f.db, f.pool, "UPDATE item SET body = body || $1 WHERE id = 4", 1, p,
                             &err) != NULL);
    }
    render_all(&f, NULL);

    pdf_out = jy_pool_printf(f.pool, "%s/5600000001/files/%s.pdf", f.out, pdf.sha256);
    png_out = jy_pool_printf(f.pool, "%s/5600000001/files/%s.png", f.out, png.sha256);
    T_ASSERT(read_bytes(&f, pdf_out, &len) != NULL);
    T_EQ_INT(len, sizeof(pdf_bytes) - 1);
    T_ASSERT(memcmp(read_text(&f, pdf_out), pdf_bytes, len) == 0);
    T_ASSERT(read_bytes(&f, png_out, &len) != NULL);
    T_EQ_INT(len, img.len);
    T_ASSERT(memcmp(read_text(&f, png_out), img.buf, len) == 0);
    T_EQ_STR(
        VALUE(
            &f,
            jy_pool_printf(
                f.pool,
                "SELECT channel || ' ' || is_asset || ' ' || size FROM "
                "render_file WHERE site_id = (SELECT id FROM site WHERE code = '5600000001') AND path = 'files/%s.pdf'",
                pdf.sha256)),
        jy_pool_printf(f.pool, "file true %zu", sizeof(pdf_bytes) - 1));

    /* the page: the attachment listed with its caption, the picture inline and not again */
    page = read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/zwgk/zwdt/yw/4.html", f.out));
    T_CONTAINS(page, jy_pool_printf(f.pool, "href=\"/files/%s.pdf\"", pdf.sha256));
    T_CONTAINS(page, "实施方案（全文）");
    T_CONTAINS(page, jy_pool_printf(f.pool, "src=\"/files/%s.png\"", png.sha256));
    T_ASSERT(strstr(page, jy_pool_printf(f.pool, "href=\"/files/%s.png\"", png.sha256)) == NULL);
    T_CONTAINS(page, jy_pool_printf(f.pool,
                                    "<meta name=\"Image\" content=\"https://www.yunling.gov.cn/"
                                    "files/%s.png\">",
                                    png.sha256));
    elder = read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/elder/zwgk/zwdt/yw/4.html", f.out));
    T_CONTAINS(elder, jy_pool_printf(f.pool, "href=\"/files/%s.pdf\"", pdf.sha256));
    T_CONTAINS(read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/api/items/4.json", f.out)),
               jy_pool_printf(f.pool, "\"url\":\"/files/%s.pdf\"", pdf.sha256));

    /* detached: the file goes in the incremental run; the picture stays (the body shows it) */
    T_EQ_INT(jy_file_detach(f.db, f.pool, 4, pdf.sha256, &err), JY_OK);
    pending(&f, &st);
    T_ASSERT(read_text(&f, pdf_out) == NULL);
    T_ASSERT(read_text(&f, png_out) != NULL);
    T_ASSERT(st.removed >= 1);
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM render_file WHERE path LIKE 'files/%.pdf'"), "0");
    page = read_text(&f, jy_pool_printf(f.pool, "%s/5600000001/zwgk/zwdt/yw/4.html", f.out));
    T_ASSERT(strstr(page, jy_pool_printf(f.pool, "/files/%s.pdf", pdf.sha256)) == NULL);

    /* attached again: back in the incremental run */
    T_EQ_INT(jy_file_attach(f.db, f.pool, 4, pdf.sha256, 1, NULL, &err), JY_OK);
    pending(&f, &st);
    T_ASSERT(read_bytes(&f, pdf_out, &len) != NULL && len == sizeof(pdf_bytes) - 1);
    expect_same_as_full(&f, __LINE__, "files-full");

    /* the same file system: a hard link to the store; another one (tmpfs): a copy */
    {
        struct stat a, b, shm;
        struct jy_render_stats st2 = {0};
        T_EQ_INT(stat(pdf_out, &a), 0);
        T_EQ_INT(stat(jy_filestore_path(&fs, f.pool, pdf.sha256), &b), 0);
        T_ASSERT(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
        if (stat("/dev/shm", &shm) == 0 && shm.st_dev != b.st_dev) {
            struct jy_render_opts o = f.opts;
            const char *copy;
            o.output_dir = jy_pool_printf(f.pool, "/dev/shm/jy-render-test-%d", (int) getpid());
            T_EQ_INT(jy_render_site(f.db, &o, "5600000001", &st2, &err), JY_OK);
            copy = jy_pool_printf(f.pool, "%s/5600000001/files/%s.pdf", o.output_dir, pdf.sha256);
            T_ASSERT(read_bytes(&f, copy, &len) != NULL && len == sizeof(pdf_bytes) - 1);
            T_ASSERT(memcmp(read_text(&f, copy), pdf_bytes, len) == 0);
            T_EQ_INT(stat(copy, &a), 0);
            T_ASSERT(a.st_dev != b.st_dev);
            jy_test_system("rm -rf '%s'", o.output_dir);
        }
    }

    /* put back: the picture out of the body, the files detached: both go */
    {
        const char *p[1] = {body};
        T_ASSERT(jy_db_query(f.db, f.pool, "UPDATE item SET body = $1 WHERE id = 4", 1, p, &err) !=
                 NULL);
    }
    T_EQ_INT(jy_file_detach(f.db, f.pool, 4, pdf.sha256, &err), JY_OK);
    T_EQ_INT(jy_file_detach(f.db, f.pool, 4, png.sha256, &err), JY_OK);
    f.opts.output_dir = f.out;
    render_all(&f, NULL);
    pending(&f, &st);
    T_EQ_STR(VALUE(&f, "SELECT count(*) FROM render_file WHERE channel = 'file'"), "0");
    fx_close(&f);
}

static void
test_explain(void)
{
    struct fx f;
    struct jy_err err = JY_ERR_INIT;
    struct jy_buf out;

    fx_open(&f, "explain");
    /* the manifest and dependencies of the earlier cases' runs are in the database */
    jy_buf_init(&out, f.pool, 0);
    T_EQ_INT(
        jy_render_explain(f.db, f.pool, "5603210001", "zwgk/zcwj/shengzfwj/index.html", &out, &err),
        JY_OK);
    jy_buf_add_char(&out, '\0');
    T_CONTAINS(out.buf, "item 1 (policy)");
    T_CONTAINS(out.buf, "/zwgk/zcwj/szfwj/ (site 5600000001)");
    jy_err_clear(&err);
    T_EQ_INT(jy_render_explain(f.db, f.pool, "5603210001", "no/such.html", &out, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    jy_err_clear(&err);
    T_EQ_INT(jy_render_explain(f.db, f.pool, "nosuchsite", "index.html", &out, &err), JY_ERROR);
    T_CONTAINS(err.msg, "no site");
    fx_close(&f);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_full_render_of_the_demo),
        T_CASE(test_incremental_writes_exactly_what_changed),
        T_CASE(test_withdrawn_page_is_removed),
        T_CASE(test_broken_theme_changes_nothing),
        T_CASE(test_theme_change_on_disk),
        T_CASE(test_one_failing_site_does_not_stop_the_others),
        T_CASE(test_theme_declares_a_channel),
        T_CASE(test_external_links_in_bodies),
        T_CASE(test_expired_pin_renders_again),
        T_CASE(test_explain),
        T_CASE(test_topic_sections_refused),
        T_CASE(test_topic_sections),
        T_CASE(test_uploaded_files),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
