/*
 * theme_test.c - the platform's default theme (themes/default): every
 * template compiles, every page kind renders its fixture context
 * (the JSON files of tests/fixtures/theme: the context docs/themes.md
 * defines) into a page that carries what the theme guide and the
 * inspection rules promise:
 * the meta tags of the 网页设计规范, the footer identifiers, the leave-site
 * warning, the 已废止 banner, interpretations linked both ways, escaping.
 *
 * The loader here follows the lookup rule of docs/themes.md (site theme
 * before default theme, channel folder before the theme's own templates),
 * so the renderer's loader and this one can be checked against each other.
 *
 * test_write_pages writes every rendered fixture to $JY_THEME_OUT (or a
 * temporary folder) as <fixture>.html, with the assets under the
 * fingerprinted names the fixtures use: tests/cli/theme_html_test.sh runs
 * the Nu HTML Checker over them, and people can open them in a browser.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/theme.h"
#include "core/tpl.h"
#include "tests/test.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#define MAX_THEME_DIRS 4

/* A theme loader: themes searched in order, each with an optional channel folder. */
struct theme_loader {
    const char *dirs[MAX_THEME_DIRS]; /* site theme first, default theme last */
    int ndirs;
    const char *channel; /* "desktop", "elder"; NULL for none */
};

/* One rendered fixture. */
struct page {
    const char *fixture; /* file name without .json */
    const char *kind;    /* page.kind */
    const char *html;
};

static struct jy_pool *test_pool;
static struct jy_tpl_set *desktop_set, *elder_set;
static struct theme_loader desktop_loader, elder_loader;
static struct page pages[32];
static int npages;


/* Read a whole file into out; false when it cannot be opened. */
static bool
read_file(const char *path, struct jy_buf *out)
{
    char chunk[8192];
    size_t n;
    FILE *f = fopen(path, "rb");

    if (f == NULL)
        return false;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        jy_buf_add(out, chunk, n);
    fclose(f);
    return true;
}


static void
write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    T_ASSERT(f != NULL);
    T_EQ_INT(fwrite(data, 1, len, f), len);
    T_EQ_INT(fclose(f), 0);
}


/* The lookup rule of docs/themes.md, "Overriding templates". */
static int
theme_load(void *data, const char *name, struct jy_buf *text, struct jy_err *err)
{
    const struct theme_loader *l = data;
    char path[2048];

    if (!jy_theme_valid_template_name(name))
        return JY_DECLINED;
    for (int i = 0; i < l->ndirs; i++) {
        if (l->channel) {
            snprintf(path, sizeof(path), "%s/channels/%s/templates/%s.html", l->dirs[i], l->channel,
                     name);
            if (read_file(path, text))
                return JY_OK;
        }
        snprintf(path, sizeof(path), "%s/templates/%s.html", l->dirs[i], name);
        if (read_file(path, text))
            return JY_OK;
        if (errno != ENOENT) {
            jy_err_set(err, JY_E_IO, "could not read \"%s\": %s", path, strerror(errno));
            return JY_ERROR;
        }
    }
    return JY_DECLINED;
}


static void setup_once(void);


/* jy_test_path() reuses its buffers: keep a copy. */
static const char *
default_theme(void)
{
    static char dir[512]; /* shorter than the path buffers below: no truncation */

    if (dir[0] == '\0')
        snprintf(dir, sizeof(dir), "%s", jy_test_path("themes/default"));
    return dir;
}


static cJSON *
load_json(const char *path)
{
    struct jy_err err = JY_ERR_INIT;
    cJSON *j;

    setup_once();
    j = jy_json_load_file(test_pool, path, &err);

    if (j == NULL)
        jy_test_fail(__FILE__, __LINE__, "%s", err.msg);
    return j;
}


/* Copy the top-level keys of from (but "_…" notes) into to, replacing what is there. */
static void
merge_into(cJSON *to, const cJSON *from)
{
    for (const cJSON *c = from->child; c; c = c->next) {
        if (c->string[0] == '_')
            continue;
        cJSON *copy = cJSON_Duplicate(c, true);
        if (cJSON_GetObjectItemCaseSensitive(to, c->string))
            cJSON_ReplaceItemInObjectCaseSensitive(to, c->string, copy);
        else
            cJSON_AddItemToObject(to, c->string, copy);
    }
}


/* Apply fixture `name` (and the fixture it extends) on top of ctx. */
static void
apply_fixture(cJSON *ctx, const char *name, int depth)
{
    char rel[256];
    const cJSON *fx, *base;

    T_ASSERT(depth < 4);
    snprintf(rel, sizeof(rel), "tests/fixtures/theme/%s", name);
    fx = load_json(jy_test_path(rel));
    base = cJSON_GetObjectItemCaseSensitive(fx, "_extends");
    if (cJSON_IsString(base))
        apply_fixture(ctx, base->valuestring, depth + 1);
    merge_into(ctx, fx);
}


/* The page context of a fixture: common.json with the fixture's keys on top. */
static cJSON *
fixture_context(const char *fixture)
{
    char file[256];
    cJSON *ctx = load_json(jy_test_path("tests/fixtures/theme/common.json"));

    snprintf(file, sizeof(file), "%s.json", fixture);
    apply_fixture(ctx, file, 0);
    return ctx;
}


static const char *
json_str(const cJSON *root, const char *a, const char *b)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, a);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, b);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}


static struct jy_tpl_set *
set_for_channel(const char *channel)
{
    return channel && strcmp(channel, "elder") == 0 ? elder_set : desktop_set;
}


/* Render template `name` of set against ctx; the page, or a test failure. */
static const char *
render_tpl(struct jy_tpl_set *set, const char *name, const cJSON *ctx)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_buf out = JY_BUF_INIT(test_pool);
    const struct jy_tpl *t = jy_tpl_set_load(set, name, &err);

    if (t == NULL)
        jy_test_fail(__FILE__, __LINE__, "template \"%s\": %s", name, err.msg);
    if (jy_tpl_render(t, ctx, &out, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "rendering \"%s\": %s (%s)", name, err.msg, err.detail);
    return out.buf;
}


/* Render a fixture with the template its page.kind names, in its channel. */
static const char *
render_fixture(const char *fixture)
{
    cJSON *ctx = fixture_context(fixture);
    const char *kind = json_str(ctx, "page", "kind");

    T_ASSERT(kind != NULL);
    return render_tpl(set_for_channel(json_str(ctx, "channel", "name")), kind, ctx);
}


static void render_pages_once(void);


static const char *
page_html(const char *fixture)
{
    render_pages_once();
    for (int i = 0; i < npages; i++)
        if (strcmp(pages[i].fixture, fixture) == 0)
            return pages[i].html;
    jy_test_fail(__FILE__, __LINE__, "no page rendered from fixture \"%s\"", fixture);
}


static int
count_of(const char *hay, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);

    for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}


/*
 * The content of <meta name="NAME" content="...">, as written (still
 * HTML-escaped); NULL when absent. A tag present twice is a failure.
 */
static const char *
meta(const char *html, const char *name)
{
    char open[128];
    const char *p, *q;

    snprintf(open, sizeof(open), "<meta name=\"%s\" content=\"", name);
    p = strstr(html, open);
    if (p == NULL)
        return NULL;
    if (strstr(p + 1, open) != NULL)
        jy_test_fail(__FILE__, __LINE__, "meta tag \"%s\" appears twice", name);
    p += strlen(open);
    q = strchr(p, '"');
    T_ASSERT(q != NULL);
    /* inside <head> */
    T_ASSERT(p < strstr(html, "</head>"));
    return jy_pool_strndup(test_pool, p, (size_t) (q - p));
}


#define T_META(html, name, want)                                            \
    do {                                                                    \
        const char *m_ = meta((html), (name));                              \
        if (m_ == NULL)                                                     \
            jy_test_fail(__FILE__, __LINE__, "no meta tag \"%s\"", (name)); \
        T_EQ_STR(m_, (want));                                               \
    } while (0)

#define T_NOT_CONTAINS(hay, needle)                                                      \
    do {                                                                                 \
        const char *h2_ = (hay), *n2_ = (needle);                                        \
        if (strstr(h2_, n2_) != NULL)                                                    \
            jy_test_fail(__FILE__, __LINE__, "%s should not contain \"%s\"", #hay, n2_); \
    } while (0)


/* The text between the first `from` and the next `to` after it (a pool copy). */
static const char *
between(const char *html, const char *from, const char *to)
{
    const char *p = strstr(html, from), *q;

    if (p == NULL)
        jy_test_fail(__FILE__, __LINE__, "no \"%s\" in the page", from);
    q = strstr(p, to);
    if (q == NULL)
        jy_test_fail(__FILE__, __LINE__, "no \"%s\" after \"%s\"", to, from);
    return jy_pool_strndup(test_pool, p, (size_t) (q - p) + strlen(to));
}


/* The pool and the two template sets (desktop, elder) of the default theme. */
static void
setup_once(void)
{
    if (test_pool != NULL)
        return;
    test_pool = jy_pool_create(0);
    desktop_loader = (struct theme_loader){{default_theme()}, 1, "desktop"};
    elder_loader = (struct theme_loader){{default_theme()}, 1, "elder"};
    desktop_set = jy_tpl_set_create(theme_load, &desktop_loader);
    elder_set = jy_tpl_set_create(theme_load, &elder_loader);
}


static void
test_setup(void)
{
    setup_once();
    T_ASSERT(jy_theme_valid_template_name("partials/footer"));
    T_ASSERT(jy_theme_valid_template_name("404"));
    T_ASSERT(!jy_theme_valid_template_name("../x"));
    T_ASSERT(!jy_theme_valid_template_name("/etc/passwd"));
    T_ASSERT(!jy_theme_valid_template_name("a//b"));
    T_ASSERT(!jy_theme_valid_template_name("a/"));
    T_ASSERT(!jy_theme_valid_template_name("A"));
    T_ASSERT(!jy_theme_valid_template_name(""));
}


/* theme.json names the page templates and the assets; all of them exist. */
static void
test_manifest(void)
{
    char path[2048];
    struct stat st;
    cJSON *m = load_json(jy_test_path("themes/default/theme.json"));
    const cJSON *p, *a;
    int n = 0;

    T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(m, "name")), "default");
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(m, "pages"))
    {
        snprintf(path, sizeof(path), "%s/templates/%s.html", default_theme(), p->valuestring);
        if (stat(path, &st) != 0)
            jy_test_fail(__FILE__, __LINE__, "page template \"%s\" is missing", path);
        n++;
    }
    T_EQ_INT(n, 9);
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(m, "assets"))
    {
        snprintf(path, sizeof(path), "%s/assets/%s", default_theme(), a->valuestring);
        if (stat(path, &st) != 0 || st.st_size == 0)
            jy_test_fail(__FILE__, __LINE__, "asset \"%s\" is missing", path);
    }
    T_ASSERT(cJSON_IsString(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "assets"), "css")));
    T_ASSERT(cJSON_IsString(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "assets"), "elder_css")));
    T_ASSERT(cJSON_IsString(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "assets"), "js")));
}


/* The text of a file of the default theme. */
static const char *
theme_file(const char *rel)
{
    char path[2048];
    struct jy_buf text = JY_BUF_INIT(test_pool);

    snprintf(path, sizeof(path), "%s/%s", default_theme(), rel);
    if (!read_file(path, &text))
        jy_test_fail(__FILE__, __LINE__, "cannot read \"%s\"", path);
    return text.buf;
}


/*
 * The assets load nothing from elsewhere (no CDN, no web fonts, no
 * requests), and do what docs/themes.md says they do.
 */
static void
test_assets(void)
{
    static const char *const files[] = {"assets/site.css", "assets/elder.css", "assets/site.js"};
    const char *css, *elder, *js;

    setup_once();
    for (size_t i = 0; i < JY_ARRAY_LEN(files); i++) {
        const char *t = theme_file(files[i]);
        /* the one URL allowed: the SVG namespace inside a data: URL */
        for (const char *p = strstr(t, "://"); p; p = strstr(p + 3, "://")) {
            if (p - t < 4 || strncmp(p - 4, "http://www.w3.org/2000/svg", 26) != 0)
                jy_test_fail(__FILE__, __LINE__, "%s refers to \"%.40s\"", files[i],
                             p - t < 8 ? t : p - 8);
        }
        T_NOT_CONTAINS(t, "@import");
        T_NOT_CONTAINS(t, "@font-face");
        T_NOT_CONTAINS(t, "//cdn");
    }
    css = theme_file("assets/site.css");
    elder = theme_file("assets/elder.css");
    js = theme_file("assets/site.js");
    T_CONTAINS(css, "@media print");
    T_CONTAINS(css, "@media (max-width: 640px)");
    T_CONTAINS(css, ":focus-visible");
    T_CONTAINS(css, ".jy-external::after");
    T_CONTAINS(elder, "body {\n    background: #fff;\n    font-size: 22px;");
    T_CONTAINS(js, "window.confirm(leaveMessage(t))");
    T_CONTAINS(js, "前往非政府网站");
    T_NOT_CONTAINS(js, "XMLHttpRequest");
    T_NOT_CONTAINS(js, "fetch(");
}


/*
 * Every name a template includes ({{>name}} or {{<name}}) must be a
 * template of the theme: a missing partial renders as nothing, silently.
 */
static void
check_references(const char *file, const char *text)
{
    char path[2048], name[256];
    struct stat st;

    for (const char *p = strstr(text, "{{"); p; p = strstr(p + 2, "{{")) {
        const char *s = p + 2, *e;
        if (*s != '>' && *s != '<')
            continue;
        s++;
        while (*s == ' ')
            s++;
        e = strstr(s, "}}");
        T_ASSERT(e != NULL);
        while (e > s && e[-1] == ' ')
            e--;
        T_ASSERT((size_t) (e - s) < sizeof(name));
        memcpy(name, s, (size_t) (e - s));
        name[e - s] = '\0';
        snprintf(path, sizeof(path), "%s/templates/%s.html", default_theme(), name);
        if (stat(path, &st) != 0)
            jy_test_fail(__FILE__, __LINE__, "%s includes \"%s\", which does not exist", file,
                         name);
    }
}


/* Compile every template file below dir (name prefix `prefix`); returns how many. */
static int
compile_dir(struct jy_tpl_set *set, const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    T_ASSERT(d != NULL);
    while ((de = readdir(d)) != NULL) {
        char path[2048], name[512];
        struct stat st;
        size_t len = strlen(de->d_name);

        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        T_EQ_INT(stat(path, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            snprintf(name, sizeof(name), "%s%s/", prefix, de->d_name);
            n += compile_dir(set, path, name);
            continue;
        }
        if (len < 6 || strcmp(de->d_name + len - 5, ".html") != 0)
            jy_test_fail(__FILE__, __LINE__, "%s: a theme's templates end in .html", path);
        snprintf(name, sizeof(name), "%s%.*s", prefix, (int) (len - 5), de->d_name);
        T_ASSERT(jy_theme_valid_template_name(name));

        struct jy_buf text = JY_BUF_INIT(test_pool);
        struct jy_err err = JY_ERR_INIT;
        T_ASSERT(read_file(path, &text));
        check_references(path, text.buf);
        if (jy_tpl_compile(set, name, text.buf, text.len, &err) == NULL)
            jy_test_fail(__FILE__, __LINE__, "%s", err.msg);
        T_ASSERT(jy_tpl_set_load(set, name, &err) != NULL);
        n++;
    }
    closedir(d);
    return n;
}


static void
test_compile_all(void)
{
    struct jy_tpl_set *set = jy_tpl_set_create(NULL, NULL);
    char dir[2048];
    int n;

    setup_once();
    snprintf(dir, sizeof(dir), "%s/templates", default_theme());
    n = compile_dir(set, dir, "");
    /* layout, 9 page templates, the partials */
    T_ASSERT(n >= 20);
    jy_tpl_set_destroy(set);
}


static const char *const fixtures[] = {
    "home",         "column",   "item-policy", "item-abolished", "item-interpretation",
    "item-article", "topic",    "tag",         "sitemap",        "search",
    "404",          "redirect", "elder-item",  "elder-home",
};


/* Render every fixture once; the cases below look at the pages. */
static void
render_pages_once(void)
{
    setup_once();
    if (npages == (int) JY_ARRAY_LEN(fixtures))
        return;
    npages = 0;
    for (size_t i = 0; i < JY_ARRAY_LEN(fixtures); i++) {
        cJSON *ctx = fixture_context(fixtures[i]);
        struct page *pg = &pages[i];
        pg->fixture = fixtures[i];
        pg->kind = json_str(ctx, "page", "kind");
        pg->html = render_fixture(fixtures[i]);
    }
    npages = (int) JY_ARRAY_LEN(fixtures);
}


/* Every page kind of theme.json renders from a fixture; the basics of every page. */
static void
test_render_all(void)
{
    cJSON *m;
    const cJSON *kind;

    render_pages_once();
    m = load_json(jy_test_path("themes/default/theme.json"));
    cJSON_ArrayForEach(kind, cJSON_GetObjectItem(m, "pages"))
    {
        bool seen = false;
        for (int i = 0; i < npages; i++)
            seen |= strcmp(pages[i].kind, kind->valuestring) == 0;
        if (!seen)
            jy_test_fail(__FILE__, __LINE__, "no fixture renders page kind \"%s\"",
                         kind->valuestring);
    }
    for (int i = 0; i < npages; i++) {
        const char *h = pages[i].html;
        bool is404 = strcmp(pages[i].kind, "404") == 0;

        if (strncmp(h, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n", 36) != 0)
            jy_test_fail(__FILE__, __LINE__,
                         "%s: page does not start with the doctype and "
                         "<html lang=\"zh-CN\">: %.80s",
                         pages[i].fixture, h);
        T_CONTAINS(h, "<meta charset=\"utf-8\">");
        T_CONTAINS(h, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        T_EQ_INT(count_of(h, "<title>"), 1);
        T_META(h, "SiteName", "栖云县人民政府");
        T_META(h, "SiteDomain", "qiyun.lanchuan.gov.cn");
        T_META(h, "SiteIDCode", "5601210001");
        /* every page but the 404 page (served for any address) names its canonical URL */
        T_EQ_INT(count_of(h, "<link rel=\"canonical\" href=\"https://"), is404 ? 0 : 1);
        /* landmarks and the skip link */
        T_CONTAINS(h, "<a class=\"jy-skip\" href=\"#main\">跳到主要内容</a>");
        T_EQ_INT(count_of(h, "<main id=\"main\""), 1);
        T_EQ_INT(count_of(h, "<header class=\"jy-header\">"), 1);
        T_EQ_INT(count_of(h, "<footer class=\"jy-footer\">"), 1);
        T_CONTAINS(h, "<nav class=\"jy-nav\" aria-label=\"主导航\">");
        /* the other channel is one click away */
        T_ASSERT(strstr(h, ">长辈版</a>") != NULL || strstr(h, ">返回标准版</a>") != NULL);
        /* nothing of the template language leaks into the page */
        T_NOT_CONTAINS(h, "{{");
        T_NOT_CONTAINS(h, "}}");
        T_CONTAINS(h, "</html>\n");
    }
}


static void
test_footer(void)
{
    render_pages_once();
    for (int i = 0; i < npages; i++) {
        const char *f = between(pages[i].html, "<footer class=\"jy-footer\">", "</footer>");

        T_CONTAINS(f, "主办单位：栖云县人民政府办公室");
        T_CONTAINS(f, "承办单位：栖云县融媒体中心");
        T_CONTAINS(f, "网站标识码：5601210001");
        T_CONTAINS(f, "<a href=\"https://beian.miit.gov.cn/\">岭ICP备56012101号</a>");
        T_CONTAINS(f, "<a class=\"jy-psb\" href=\"https://beian.mps.gov.cn/#/query/"
                      "webSearch?code=56012102000001\">岭公网安备 56012102000001号</a>");
        /* the seal is ours (SVG), links to the registry, and is named for people */
        T_CONTAINS(f, "<a class=\"jy-dzjg\" href=\"https://bszs.conac.cn/sitename?method=show&amp;"
                      "id=F6099BEAF870F4C783CA4BBAFF638601\">");
        T_CONTAINS(f, "<span class=\"jy-dzjg-text\">党政机关<br>网站标识</span>");
        T_CONTAINS(f, "<a class=\"jy-zhaocuo\" href=\"https://zfwzzc.www.gov.cn/"
                      "?site_code=5601210001\">");
        T_CONTAINS(f, "我为政府网站</span><span class=\"jy-zhaocuo-main\">找错</span>");
        T_CONTAINS(f, "联系电话：0569-6100024");
        T_CONTAINS(f, "地址：云岭省岚川市栖云县政府大院");
        T_CONTAINS(f, "网站地图</a>");
    }
}


static void
test_column_page(void)
{
    const char *h = page_html("column");
    const char *pinned, *ext, *pager;

    T_META(h, "ColumnName", "通知公告");
    T_META(h, "ColumnDescription", "栖云县人民政府及其部门发布的通知、公告、通告。");
    T_META(h, "ColumnKeywords", "通知,公告,通告,栖云县");
    T_META(h, "ColumnType", "通知公告");
    T_ASSERT(meta(h, "ArticleTitle") == NULL);
    T_CONTAINS(h, "<title>通知公告_栖云县人民政府</title>");
    T_CONTAINS(h, "<link rel=\"canonical\" href=\"https://qiyun.lanchuan.gov.cn/zwgk/tzgg/"
                  "index_2.html\">");
    T_CONTAINS(h, "<h1 class=\"jy-page-title\">通知公告</h1>");

    /* the pinned item is marked 置顶, and only that one */
    pinned = between(h, "<li class=\"jy-list-item is-pinned\">", "</li>");
    T_CONTAINS(pinned, "<span class=\"jy-badge jy-badge-pinned\">置顶</span>");
    T_CONTAINS(pinned, "关于2024年清明节期间森林防火的通告");
    T_EQ_INT(count_of(h, ">置顶</span>"), 1);
    T_EQ_INT(count_of(h, "<li class=\"jy-list-item"), 8);

    /* the link leaving the government domain carries the warning markup */
    ext = between(h, "<a class=\"jy-list-title jy-external\"", "</a>");
    T_CONTAINS(ext, "href=\"https://tour.example.com/qiyun/2024-chunjie.html\"");
    T_CONTAINS(ext, "data-leave=\"栖云县人民政府\"");
    T_CONTAINS(ext, "<span class=\"jy-sr\">（非政府网站）</span>");
    T_EQ_INT(count_of(h, "jy-external"), 1);

    /* page 2 of 5 */
    pager = between(h, "<nav class=\"jy-pager\" aria-label=\"分页\">", "</nav>");
    T_CONTAINS(pager, "<a href=\"/zwgk/tzgg/\" rel=\"prev\">上一页</a>");
    T_CONTAINS(pager, "<a href=\"/zwgk/tzgg/index_3.html\" rel=\"next\">下一页</a>");
    T_CONTAINS(pager, "<a href=\"/zwgk/tzgg/\">首页</a>");
    T_CONTAINS(pager, "<a href=\"/zwgk/tzgg/index_5.html\">尾页</a>");
    T_CONTAINS(pager, "<a href=\"/zwgk/tzgg/index_2.html\" aria-current=\"page\">"
                      "<span class=\"jy-sr\">第</span>2<span class=\"jy-sr\">页</span></a>");
    T_EQ_INT(count_of(pager, "aria-current"), 1);
    T_EQ_INT(count_of(pager, "<a href=\"/zwgk/tzgg/index_4.html\">"), 1);
    T_CONTAINS(pager, "第 2 页，共 5 页，96 条");

    /* where the visitor is: breadcrumbs, the column in the sidebar and the nav */
    T_CONTAINS(between(h, "<nav class=\"jy-crumbs\"", "</nav>"),
               "<a href=\"/zwgk/tzgg/\" aria-current=\"page\">通知公告</a>");
    T_CONTAINS(between(h, "<aside class=\"jy-side\">", "</aside>"),
               "<a href=\"/zwgk/tzgg/\" aria-current=\"true\">通知公告</a>");
    T_CONTAINS(h, "<a href=\"/zwgk/\" aria-current=\"true\">政务公开</a>");
    T_CONTAINS(h, "<time class=\"jy-list-date\" datetime=\"2024-01-19T10:30:00+08:00\">"
                  "2024-01-19</time>");
}


static void
test_item_meta(void)
{
    const char *h = page_html("item-policy");

    T_META(h, "ColumnName", "县政府文件");
    T_META(h, "ColumnType", "政策文件");
    T_META(h, "ArticleTitle", "栖云县人民政府关于印发《栖云县优化营商环境若干措施》的通知");
    T_META(h, "PubDate", "2024-03-05 10:00");
    T_META(h, "ContentSource", "栖云县人民政府办公室");
    T_META(h, "Keywords", "优化营商环境,若干措施,栖云县");
    T_META(h, "Author", "县政府办公室");
    T_META(h, "Description",
           "为持续优化营商环境，激发市场主体活力，县人民政府制定了《栖云县优化营商"
           "环境若干措施》，现印发给你们，请认真贯彻执行。");
    T_META(h, "Image", "");
    T_META(h, "Url", "https://qiyun.lanchuan.gov.cn/zwgk/zcwj/xzfwj/10234.html");
    T_ASSERT(meta(h, "ColumnDescription") == NULL);
    T_ASSERT(meta(h, "description") == NULL);
    T_CONTAINS(h, "<title>栖云县人民政府关于印发《栖云县优化营商环境若干措施》的通知_栖云县人民政府"
                  "</title>");

    h = page_html("item-article");
    T_META(h, "PubDate", "2024-03-15 18:05");
    T_META(h, "Image", "https://qiyun.lanchuan.gov.cn/uploads/2024/03/10298-cover.jpg");
    T_META(h, "Author", "李晓云 &amp; 王川");
    /* a reused article names the original as canonical, its own address as Url */
    T_CONTAINS(h, "<link rel=\"canonical\" href=\"https://www.lanchuan.gov.cn/zwgk/zwdt/qxdt/"
                  "10298.html\">");
    T_META(h, "Url", "https://qiyun.lanchuan.gov.cn/zwgk/zwdt/yw/10298.html");
    T_CONTAINS(h, "发布时间：<time datetime=\"2024-03-15T18:05:00+08:00\">2024-03-15 18:05</time>");
    T_CONTAINS(h, "<span>来源：栖云县融媒体中心</span>");
    T_CONTAINS(h, "<p class=\"jy-subtitle\">审议通过《栖云县2024年粮食生产工作方案》</p>");
}


static void
test_policy_document(void)
{
    const char *h = page_html("item-policy");
    const char *t = between(h, "<table class=\"jy-policy-meta\">", "</table>");
    const char *rel, *att;

    T_CONTAINS(t, "<th scope=\"row\">索引号</th><td>560121001/2024-00012</td>");
    T_CONTAINS(t, "<th scope=\"row\">主题分类</th><td>综合政务/政务公开</td>");
    T_CONTAINS(t, "<th scope=\"row\">发文机关</th><td>栖云县人民政府</td>");
    T_CONTAINS(t, "<th scope=\"row\">成文日期</th><td>2024年03月01日</td>");
    T_CONTAINS(t, "<th scope=\"row\">文　　号</th><td>栖政发〔2024〕5号</td>");
    T_CONTAINS(t, "<th scope=\"row\">发布日期</th><td>2024年03月05日</td>");
    T_CONTAINS(t, "<th scope=\"row\">实施日期</th><td>2024年04月01日</td>");
    T_CONTAINS(t, "<td class=\"jy-validity\">有效</td>");
    T_NOT_CONTAINS(h, "jy-banner");
    T_NOT_CONTAINS(h, "is-abolished");

    /* the document links to its interpretations */
    rel = between(h, "<section class=\"jy-related jy-interpretations\"", "</section>");
    T_CONTAINS(rel, "相关解读</h2>");
    T_CONTAINS(rel,
               "<a href=\"/zwgk/zcjd/wzjd/10240.html\">《栖云县优化营商环境若干措施》政策解读</a>");
    T_CONTAINS(rel, "<a href=\"/zwgk/zcjd/tjjd/10241.html\">图解：栖云县优化营商环境若干措施</a>");
    T_NOT_CONTAINS(h, "jy-interprets");

    att = between(h, "<section class=\"jy-attachments\"", "</section>");
    T_CONTAINS(att,
               "<a href=\"/uploads/2024/03/10234-1.pdf\">栖云县优化营商环境若干措施（全文）.pdf</a>"
               "<span class=\"jy-file-meta\">PDF，386 KB</span>");
    T_EQ_INT(count_of(att, "<li>"), 2);

    /* ... and the interpretation links back to its document */
    h = page_html("item-interpretation");
    rel = between(h, "<aside class=\"jy-related jy-interprets\"", "</aside>");
    T_CONTAINS(rel, "政策原文</h2>");
    T_CONTAINS(rel,
               "<a href=\"/zwgk/zcwj/xzfwj/10234.html\">栖云县人民政府关于印发《栖云县优化营商环境"
               "若干措施》的通知</a><span class=\"jy-list-docno\">栖政发〔2024〕5号</span>");
    T_NOT_CONTAINS(h, "jy-policy-meta");
    T_NOT_CONTAINS(h, "jy-interpretations");
    T_NOT_CONTAINS(h, "jy-attachments");
    T_CONTAINS(h, "<article class=\"jy-article jy-article-interpretation\"");
}


static void
test_abolished_document(void)
{
    const char *h = page_html("item-abolished");
    const char *banner = between(h, "<div class=\"jy-banner jy-banner-abolished\">", "</div>");

    T_CONTAINS(banner, "<strong class=\"jy-stamp\">已废止</strong>");
    T_CONTAINS(banner, "本文件已废止（2024年03月01日起），仅供查阅，不再作为执行依据。");
    T_CONTAINS(banner, "详见：<a href=\"/zwgk/zcwj/gfxwj/10215.html\">栖云县人民政府关于废止和修改"
                       "部分行政规范性文件的决定</a>");
    /* the banner comes before the text of the document */
    T_ASSERT(strstr(h, "jy-banner-abolished") < strstr(h, "<h1 id=\"jy-title\">"));
    T_CONTAINS(h, "<article class=\"jy-article jy-article-policy is-abolished\"");
    T_CONTAINS(h, "<td class=\"jy-validity is-abolished\">已废止</td>");
    T_NOT_CONTAINS(h, "jy-banner-amended");
}


static void
test_escaping(void)
{
    const char *h = page_html("item-article");
    const char *esc = "县政府召开常务会议 研究部署春耕生产&lt;script&gt;alert(&quot;x&quot;)&lt;/"
                      "script&gt;工作";
    char want[512];

    /* the title is text wherever it appears, never markup */
    T_NOT_CONTAINS(h, "<script>alert");
    T_META(h, "ArticleTitle", esc);
    snprintf(want, sizeof(want), "<title>%s_栖云县人民政府</title>", esc);
    T_CONTAINS(h, want);
    snprintf(want, sizeof(want), "<h1 id=\"jy-title\">%s</h1>", esc);
    T_CONTAINS(h, want);
    /* the only script is the theme's own */
    T_EQ_INT(count_of(h, "<script"), 1);
    T_CONTAINS(h, "<script src=\"/assets/site.c04a9e13.js\" defer></script>");

    /* the sanitised body is HTML, inserted as it is */
    T_CONTAINS(h,
               "<figure><img src=\"/uploads/2024/03/10298-1.jpg\" alt=\"县政府第32次常务会议现场\" "
               "width=\"800\" height=\"450\"><figcaption>");
    T_CONTAINS(h, "<tr><td>水稻</td><td>12.6</td></tr>");
    T_CONTAINS(h, "确保<strong>粮食播种面积只增不减</strong>。");
    T_NOT_CONTAINS(h, "&lt;p&gt;");
}


static void
test_channels(void)
{
    const char *h = page_html("item-policy");
    const char *e = page_html("elder-item");

    /* desktop: links to the elder channel, no elder stylesheet */
    T_CONTAINS(h, "<a class=\"jy-channel-link\" href=\"/elder/zwgk/zcwj/xzfwj/10234.html\">");
    T_CONTAINS(h, "<link rel=\"stylesheet\" href=\"/assets/site.3b1f0c9a.css\">");
    T_NOT_CONTAINS(h, "elder.7d52e4b1.css");
    T_NOT_CONTAINS(h, "jy-elder");
    /* elder: the same template, the elder stylesheet after the site's, a way back */
    T_CONTAINS(e, "<link rel=\"stylesheet\" href=\"/assets/site.3b1f0c9a.css\">\n"
                  "<link rel=\"stylesheet\" href=\"/assets/elder.7d52e4b1.css\">");
    T_CONTAINS(e, "<body class=\"jy-kind-item jy-elder\">");
    T_CONTAINS(e,
               "<a class=\"jy-channel-link\" href=\"/zwgk/zcwj/xzfwj/10234.html\">返回标准版</a>");
    T_NOT_CONTAINS(e, ">长辈版</a>");
    T_CONTAINS(e, "<a class=\"jy-brand\" href=\"/elder/\">");
    T_CONTAINS(e, "<form class=\"jy-search\" role=\"search\" action=\"/elder/search/\"");
    /* the elder page is a copy of the desktop page: canonical and meta name the desktop URL */
    T_CONTAINS(e, "<link rel=\"canonical\" href=\"https://qiyun.lanchuan.gov.cn/zwgk/zcwj/xzfwj/"
                  "10234.html\">");
    T_META(e, "Url", "https://qiyun.lanchuan.gov.cn/zwgk/zcwj/xzfwj/10234.html");
    T_CONTAINS(page_html("elder-home"), "<body class=\"jy-kind-home jy-elder\">");
}


static void
test_home_page(void)
{
    const char *h = page_html("home");

    T_CONTAINS(h, "<title>栖云县人民政府</title>");
    T_META(h, "description", "栖云县人民政府门户网站：政务公开、政务服务、互动交流。");
    T_META(h, "keywords", "栖云县,人民政府,政务公开,政务服务");
    T_ASSERT(meta(h, "ColumnName") == NULL);
    T_ASSERT(meta(h, "ArticleTitle") == NULL);
    T_EQ_INT(count_of(h, "<h1"), 1);
    T_CONTAINS(h, "<h2 id=\"jy-headline-title\"><a href=\"/zwgk/zwdt/yw/10311.html\">"
                  "栖云县召开2024年优化营商环境工作推进会</a></h2>");
    T_EQ_INT(count_of(h, "<section class=\"jy-panel\">"), 4);
    T_CONTAINS(h, "<a class=\"jy-more\" href=\"/zwgk/tzgg/\">更多<span class=\"jy-sr\">通知公告"
                  "</span></a>");
    T_CONTAINS(h, "<span class=\"jy-list-docno\">栖政发〔2024〕5号</span>");
    T_CONTAINS(h, "<a href=\"/\" aria-current=\"true\">首页</a>");
    /* government sites are not "external"; the one commercial link is */
    T_EQ_INT(count_of(h, "class=\"jy-external\""), 1);
    T_CONTAINS(h,
               "<a href=\"https://tour.example.com/qiyun/\" class=\"jy-external\" "
               "data-leave=\"栖云县人民政府\">栖云文旅网<span class=\"jy-sr\">（非政府网站）</span>"
               "</a>");
    T_CONTAINS(h, "<a href=\"https://www.gov.cn/\">中国政府网</a>");
    /* a section is a column's latest items: no pagination on the home page */
    T_NOT_CONTAINS(h, "jy-pager");
    T_NOT_CONTAINS(h, "jy-crumbs");
}


static void
test_other_pages(void)
{
    const char *h;

    h = page_html("topic");
    T_META(h, "ColumnName", "优化营商环境");
    T_META(h, "ColumnType", "专题专栏");
    T_CONTAINS(h, "<h1 id=\"jy-title\">优化营商环境</h1>");
    T_EQ_INT(count_of(h, "<section class=\"jy-panel\">"), 3);
    T_CONTAINS(h, "<a class=\"jy-more\" href=\"/tags/%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83/\">");

    h = page_html("tag");
    T_CONTAINS(h,
               "<h1 class=\"jy-page-title\"><span class=\"jy-tag-label\">标签</span>营商环境</h1>");
    T_CONTAINS(h, "rel=\"next\">下一页</a>");
    T_NOT_CONTAINS(h, "rel=\"prev\"");
    T_EQ_INT(count_of(h, "<li class=\"jy-list-item"), 3);

    h = page_html("sitemap");
    T_CONTAINS(h, "<h1 class=\"jy-page-title\">网站地图</h1>");
    /* the tree nests: 政务公开 > 机构职能 > 县政府职能 */
    T_CONTAINS(between(h, "<a href=\"/zwgk/jgzn/\">机构职能</a>", "</ul>"),
               "<a href=\"/zwgk/jgzn/zfzn/\">县政府职能</a>");
    T_EQ_INT(count_of(h, "<a href=\"/zwgk/jgzn/zfzn/\">"), 1);
    T_CONTAINS(h, "<a href=\"https://tour.example.com/qiyun/\" class=\"jy-external\" "
                  "data-leave=\"栖云县人民政府\">栖云文旅网</a>");
    T_CONTAINS(h, "<a href=\"https://zwfw.yunling.gov.cn/qiyun/\">网上办事大厅</a>");

    h = page_html("search");
    T_CONTAINS(
        h, "<form class=\"jy-search-page\" role=\"search\" action=\"/search/\" method=\"get\">");
    T_CONTAINS(h, "<input id=\"jy-search-q\" name=\"q\" type=\"search\"");
    T_CONTAINS(h, "<div id=\"jy-search-results\"");
    T_CONTAINS(h, "<meta name=\"robots\" content=\"noindex\">");

    h = page_html("404");
    T_CONTAINS(h, "<h1 class=\"jy-page-title\">您访问的页面不存在</h1>");
    T_CONTAINS(h, "<meta name=\"robots\" content=\"noindex\">");
    T_CONTAINS(h, "<a href=\"/wzdt/\">查看网站地图</a>");

    h = page_html("redirect");
    T_CONTAINS(h, "<meta http-equiv=\"refresh\" content=\"0; url=https://www.lanchuan.gov.cn/zwgk/"
                  "zcwj/qxwj/7715.html\">");
    T_ASSERT(strstr(h, "http-equiv") < strstr(h, "</head>"));
    T_CONTAINS(h,
               "<a href=\"https://www.lanchuan.gov.cn/zwgk/zcwj/qxwj/7715.html\">栖云县林业局关于"
               "做好2021年松材线虫病防控工作的通知</a>");
    T_CONTAINS(h, "<link rel=\"canonical\" href=\"https://www.lanchuan.gov.cn/zwgk/zcwj/qxwj/"
                  "7715.html\">");
}


/*
 * Templates never fail on missing data: every page template renders from
 * the shared part of the context alone, and from nothing at all.
 */
static void
test_sparse_context(void)
{
    cJSON *m = load_json(jy_test_path("themes/default/theme.json"));
    cJSON *common = load_json(jy_test_path("tests/fixtures/theme/common.json"));
    cJSON *empty = jy_json_new_object(test_pool);
    const cJSON *kind;

    cJSON_ArrayForEach(kind, cJSON_GetObjectItem(m, "pages"))
    {
        const char *a = render_tpl(desktop_set, kind->valuestring, common);
        const char *b = render_tpl(elder_set, kind->valuestring, empty);
        T_CONTAINS(a, "<meta name=\"SiteIDCode\" content=\"5601210001\">");
        T_CONTAINS(b, "</html>");
        T_NOT_CONTAINS(a, "{{");
    }
}


/* Make dir/rel's folders and write text into it. */
static void
put_file(const char *dir, const char *rel, const char *text)
{
    char path[2048];

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    for (char *s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        T_ASSERT(mkdir(path, 0755) == 0 || errno == EEXIST);
        *s = '/';
    }
    write_file(path, text, strlen(text));
}


/*
 * The lookup rule: a site theme overrides any template of the default
 * theme by name; a channel folder overrides the theme's own template for
 * that channel; the rest comes from the default theme.
 */
static void
test_override_rule(void)
{
    const char *site = jy_test_tmpdir();
    struct theme_loader dl = {{site, default_theme()}, 2, "desktop"};
    struct theme_loader el = {{site, default_theme()}, 2, "elder"};
    struct jy_tpl_set *ds = jy_tpl_set_create(theme_load, &dl);
    struct jy_tpl_set *es = jy_tpl_set_create(theme_load, &el);
    cJSON *ctx = fixture_context("home");
    const char *h;

    put_file(site, "templates/partials/footer.html",
             "<footer class=\"jy-footer\">栖云县自己的页脚 {{site.code}}</footer>\n");
    put_file(site, "channels/elder/templates/partials/header.html",
             "<header class=\"jy-header\">长辈版页头</header>\n");

    h = render_tpl(ds, "home", ctx);
    T_CONTAINS(h, "<footer class=\"jy-footer\">栖云县自己的页脚 5601210001</footer>");
    T_NOT_CONTAINS(h, "主办单位");
    T_CONTAINS(h, "<span class=\"jy-site-name\">栖云县人民政府</span>"); /* default header */
    T_NOT_CONTAINS(h, "长辈版页头");

    h = render_tpl(es, "home", ctx);
    T_CONTAINS(h, "<header class=\"jy-header\">长辈版页头</header>");
    T_CONTAINS(h, "栖云县自己的页脚");
    T_NOT_CONTAINS(h, "jy-site-name");

    /* names outside the theme are never looked up */
    struct jy_err err = JY_ERR_INIT;
    T_ASSERT(jy_tpl_set_load(ds, "../theme", &err) == NULL);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    jy_tpl_set_destroy(ds);
    jy_tpl_set_destroy(es);
}


/* Copy the theme asset behind a fingerprinted URL ("/assets/site.3b1f0c9a.css") to dir. */
static void
copy_asset(const char *dir, const char *url)
{
    char src[2048], dst[2048], plain[256];
    const char *base = strrchr(url, '/') + 1;
    const char *dot = strchr(base, '.'), *ext = strrchr(base, '.');
    struct jy_buf data = JY_BUF_INIT(test_pool);

    T_ASSERT(dot != NULL && ext != NULL && dot < ext);
    snprintf(plain, sizeof(plain), "%.*s%s", (int) (dot - base), base, ext);
    snprintf(src, sizeof(src), "%s/assets/%s", default_theme(), plain);
    T_ASSERT(read_file(src, &data));
    snprintf(dst, sizeof(dst), "%s/assets/%s", dir, base);
    write_file(dst, data.buf, data.len);
}


static void
test_write_pages(void)
{
    const char *dir = getenv("JY_THEME_OUT");
    char path[2048];
    cJSON *common;

    render_pages_once();
    common = load_json(jy_test_path("tests/fixtures/theme/common.json"));
    if (dir == NULL || dir[0] == '\0')
        dir = jy_test_tmpdir();
    T_ASSERT(mkdir(dir, 0755) == 0 || errno == EEXIST);
    for (int i = 0; i < npages; i++) {
        snprintf(path, sizeof(path), "%s/%s.html", dir, pages[i].fixture);
        write_file(path, pages[i].html, strlen(pages[i].html));
    }
    snprintf(path, sizeof(path), "%s/assets", dir);
    T_ASSERT(mkdir(path, 0755) == 0 || errno == EEXIST);
    copy_asset(dir, json_str(common, "assets", "css"));
    copy_asset(dir, json_str(common, "assets", "elder_css"));
    copy_asset(dir, json_str(common, "assets", "js"));
    T_EQ_INT(npages, (int) JY_ARRAY_LEN(fixtures));
}


static void
test_cleanup(void)
{
    jy_tpl_set_destroy(desktop_set);
    jy_tpl_set_destroy(elder_set);
    jy_pool_destroy(test_pool);
    desktop_set = elder_set = NULL;
    test_pool = NULL;
}


int
main(int argc, char **argv)
{
    /* the fixtures are rendered once, by the first case that looks at a page */
    static const struct jy_test_case cases[] = {
        T_CASE(test_setup),           T_CASE(test_manifest),
        T_CASE(test_assets),          T_CASE(test_compile_all),
        T_CASE(test_render_all),      T_CASE(test_footer),
        T_CASE(test_column_page),     T_CASE(test_item_meta),
        T_CASE(test_policy_document), T_CASE(test_abolished_document),
        T_CASE(test_escaping),        T_CASE(test_channels),
        T_CASE(test_home_page),       T_CASE(test_other_pages),
        T_CASE(test_sparse_context),  T_CASE(test_override_rule),
        T_CASE(test_write_pages),     T_CASE(test_cleanup),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
