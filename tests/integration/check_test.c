/*
 * check_test.c - the content checks over real items of a real database
 * (core/check.c with the shipped plugins): exact positions, the site's
 * severities and lexicon entries, required metadata, internal and external
 * links against a web server this test starts, a crashing and a hanging
 * plugin, plugins that must be refused, helpers and channels, and
 * row-level security of the configuration tables.
 */
#include "tests/integration/library_fixture.h"

#include "core/check.h"
#include "core/conf.h"
#include "core/plugin.h"
#include "core/tpl.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct jy_conf *conf;


static const char *
env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL)
        jy_test_fail(__FILE__, __LINE__, "%s is not set (run through ctest)", name);
    return v;
}


static void
set(const char *key, const char *value)
{
    struct jy_err err = JY_ERR_INIT;
    if (jy_conf_set(conf, key, value, JY_CONF_FLAG, "test", &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "set %s: %s", key, err.msg);
}


/* A plugin folder of symlinks to the named plugins ("privacy", "test:crash" ...). */
static const char *
plugin_dir(const char *const *names, size_t n)
{
    const char *dir = jy_test_tmpdir();
    size_t i;

    for (i = 0; i < n; i++) {
        bool test = strncmp(names[i], "test:", 5) == 0;
        const char *name = test ? names[i] + 5 : names[i];
        const char *src = jy_pool_printf(
            fx.pool, "%s/%s.so", env(test ? "JY_TEST_PLUGIN_DIR" : "JY_PLUGIN_BUILD_DIR"), name);
        const char *dst = jy_pool_printf(fx.pool, "%s/%s.so", dir, name);
        if (symlink(src, dst) != 0)
            jy_test_fail(__FILE__, __LINE__, "symlink %s: %s", src, strerror(errno));
    }
    return dir;
}


static void
setup(const char *dir, bool isolate)
{
    struct jy_err err = JY_ERR_INIT;

    jy_check_shutdown();
    conf = jy_conf_create(fx.pool);
    set("plugin_dir", dir ? dir : env("JY_PLUGIN_BUILD_DIR"));
    set("check_isolate", isolate ? "1" : "0");
    set("check_timeout", "2");
    set("check_link_timeout", "1");
    set("check_link_private", "1"); /* the test's web server is on 127.0.0.1 */
    if (jy_check_setup(conf, fx.conninfo, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "setup: %s", err.msg);
}


/* The findings as lines "check sev field para:offset+len «matched» -> suggestion". */
static const char *
fmt(const struct jy_check_findings *f)
{
    struct jy_buf b = JY_BUF_INIT(fx.pool);
    size_t i;

    for (i = 0; i < f->n; i++) {
        const struct jy_check_finding *x = &f->v[i];
        jy_buf_addf(&b, "%s %s %s %d:%zu+%zu «%s»%s%s\n", x->check,
                    x->severity == JY_CHECK_BLOCK ? "block" : "warn", x->field ? x->field : "-",
                    x->paragraph, x->offset, x->length, x->matched ? x->matched : "",
                    x->suggestion ? " -> " : "", x->suggestion ? x->suggestion : "");
    }
    return b.buf;
}


static const char *
check(long long item, int site, enum jy_check_stage stage, size_t *blocking)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_check_findings f;

    if (jy_check_item(fx.owner, fx.pool, item, site < 0 ? 0 : fx.site[site], stage, &f, &err) !=
        JY_OK)
        jy_test_fail(__FILE__, __LINE__, "check item %lld: %s (%s)", item, err.msg, err.detail);
    if (blocking)
        *blocking = f.blocking;
    return fmt(&f);
}


static const char *
check_text(const char *title, const char *html, size_t *blocking)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_check_findings f;

    if (jy_check_text(NULL, fx.pool, 0, title, html, strlen(html), JY_CHECK_PUBLISH, &f, &err) !=
        JY_OK)
        jy_test_fail(__FILE__, __LINE__, "check text: %s", err.msg);
    if (blocking)
        *blocking = f.blocking;
    return fmt(&f);
}


static long long
notice_item(void)
{
    long long id = fx_item(K1, "article",
                           "{\"title\": \"关于按步就班做好工作的通知\", \"body\": "
                           "\"<p>各单位：</p><p>  请于本周内报送材料，联系人张三，"
                           "身份证号11010519491231002X。</p>"
                           "<table><tbody><tr><td>序号</td><td>电话</td></tr>"
                           "<tr><td>1</td><td>13800138000</td></tr></tbody></table>"
                           "<p>开展反邪教宣传，抵制邪教&amp;迷信。</p>\"}");
    long long file;
    const char *p[2] = {fx_num(fx.site[K1]), NULL};

    file = fx_own_id("INSERT INTO file (site_id, sites, sha256, size, mime_type, type_class,"
                     " original_name) VALUES ($1, ARRAY[$1::bigint], repeat('a', 64), 10,"
                     " 'application/pdf', 'document', '张三13800138000报名表.pdf') RETURNING id",
                     1, p);
    {
        const char *q[3] = {fx_num(fx.site[K1]), fx_num(id), fx_num(file)};
        fx_own("INSERT INTO item_file (site_id, item_id, file_id) VALUES ($1, $2, $3)", 3, q);
    }
    return id;
}


static void
test_positions_exact(void)
{
    size_t blocking;
    long long id;

    fx_open();
    setup(NULL, true);
    id = notice_item();
    T_EQ_STR(check(id, -1, JY_CHECK_PUBLISH, &blocking),
             "typos warn title 1:2+4 «按步就班» -> 按部就班\n"
             "privacy block body 2:20+18 «11010519491231002X» -> 110105********002X\n"
             "privacy block body 4:2+11 «13800138000» -> 138****8000\n"
             "words block body 5:10+2 «邪教»\n"
             "privacy block attachments 1:2+11 «13800138000» -> 138****8000\n");
    T_EQ_INT(blocking, 4);
    /* on save everything is a warning */
    T_EQ_STR(check(id, -1, JY_CHECK_SAVE, &blocking),
             "typos warn title 1:2+4 «按步就班» -> 按部就班\n"
             "privacy warn body 2:20+18 «11010519491231002X» -> 110105********002X\n"
             "privacy warn body 4:2+11 «13800138000» -> 138****8000\n"
             "words warn body 5:10+2 «邪教»\n"
             "privacy warn attachments 1:2+11 «13800138000» -> 138****8000\n");
    T_EQ_INT(blocking, 0);
    /* the same in-process */
    setup(NULL, false);
    T_EQ_STR(check(id, -1, JY_CHECK_PUBLISH, &blocking),
             "typos warn title 1:2+4 «按步就班» -> 按部就班\n"
             "privacy block body 2:20+18 «11010519491231002X» -> 110105********002X\n"
             "privacy block body 4:2+11 «13800138000» -> 138****8000\n"
             "words block body 5:10+2 «邪教»\n"
             "privacy block attachments 1:2+11 «13800138000» -> 138****8000\n");
    jy_check_shutdown();
    fx_close();
}


static void
test_site_settings_and_lexicon(void)
{
    size_t blocking;
    long long k1, k2;
    const char *p[1];

    fx_open();
    setup(NULL, true);
    k1 = fx_item(K1, "article",
                 "{\"title\": \"通知\", \"body\": \"<p>这是内部资料，按步就班。</p>\"}");
    k2 = fx_item(K2, "article",
                 "{\"title\": \"通知\", \"body\": \"<p>这是内部资料，按步就班。</p>\"}");
    p[0] = fx_num(fx.site[K1]);
    /* K1: typos block, words off on save; its own sensitive word and name */
    fx_own("INSERT INTO check_setting (site_id, kind, on_save, on_publish) VALUES"
           " ($1, 'typos', 'warn', 'block'), ($1, 'words', 'off', 'block')",
           1, p);
    fx_own("INSERT INTO check_lexicon (site_id, lexicon, entry, replacement) VALUES"
           " ($1, 'sensitive', '内部资料', NULL)",
           1, p);
    T_EQ_STR(check(k1, K1, JY_CHECK_PUBLISH, &blocking),
             "words block body 1:2+4 «内部资料»\n"
             "typos block body 1:7+4 «按步就班» -> 按部就班\n");
    T_EQ_INT(blocking, 2);
    T_EQ_STR(check(k1, K1, JY_CHECK_SAVE, &blocking),
             "typos warn body 1:7+4 «按步就班» -> 按部就班\n");
    /* K2 has neither the entry nor the settings: its item only warns of the typo */
    T_EQ_STR(check(k2, K2, JY_CHECK_PUBLISH, &blocking),
             "typos warn body 1:7+4 «按步就班» -> 按部就班\n");
    T_EQ_INT(blocking, 0);
    /* a public service line K1 whitelisted is no personal data there */
    {
        long long line = fx_item(K1, "article",
                                 "{\"title\": \"热线\", \"body\": \"<p>服务热线13912345678，"
                                 "值班手机13800138000</p>\"}");
        fx_own("INSERT INTO check_lexicon (site_id, lexicon, entry) VALUES"
               " ($1, 'whitelist', '13912345678')",
               1, p);
        T_EQ_STR(check(line, K1, JY_CHECK_PUBLISH, NULL),
                 "privacy block body 1:20+11 «13800138000» -> 138****8000\n");
    }
    /* typos off on K1's publishing */
    fx_own("UPDATE check_setting SET on_publish = 'off' WHERE site_id = $1 AND kind = 'typos'", 1,
           p);
    T_EQ_STR(check(k1, K1, JY_CHECK_PUBLISH, NULL), "words block body 1:2+4 «内部资料»\n");
    jy_check_shutdown();
    fx_close();
}


static void
test_required_metadata(void)
{
    long long a, b;
    const char *p[2];

    fx_open();
    setup(NULL, true);
    a = fx_item(K1, "article", "{\"title\": \"通知\"}");
    b = fx_item(K1, "article", "{\"title\": \"通知\", \"source\": \"栖云县人民政府\"}");
    p[0] = fx_num(fx.site[K1]);
    p[1] = fx_num(fx.news[K1]);
    fx_own("INSERT INTO check_required_field (site_id, column_id, kind, field)"
           " VALUES ($1, $2, 'article', 'source')",
           2, p);
    /* not placed in the column: not required */
    T_EQ_STR(check(a, K1, JY_CHECK_PUBLISH, NULL), "");
    {
        const char *q[3] = {fx_num(a), p[1], p[0]};
        fx_own("INSERT INTO placement (item_id, column_id, site_id) VALUES ($1, $2, $3)", 3, q);
        q[0] = fx_num(b);
        fx_own("INSERT INTO placement (item_id, column_id, site_id) VALUES ($1, $2, $3)", 3, q);
    }
    {
        struct jy_err err = JY_ERR_INIT;
        struct jy_check_findings f;
        T_EQ_INT(jy_check_item(fx.owner, fx.pool, a, fx.site[K1], JY_CHECK_PUBLISH, &f, &err),
                 JY_OK);
        T_EQ_INT(f.n, 1);
        T_EQ_STR(f.v[0].check, "metadata");
        T_ASSERT(f.v[0].field == NULL);
        T_EQ_STR(f.v[0].matched, "source");
        T_EQ_STR(f.v[0].message, "缺少信息来源（栏目「栏目news」要求）");
        T_EQ_INT(f.blocking, 1);
    }
    T_EQ_STR(check(b, K1, JY_CHECK_PUBLISH, NULL), "");
    /* a rule for the whole site */
    fx_own("INSERT INTO check_required_field (site_id, kind, field) VALUES ($1, 'article',"
           " 'author')",
           1, p);
    T_EQ_STR(check(b, K1, JY_CHECK_PUBLISH, NULL), "metadata block - 0:0+0 «author»\n");
    jy_check_shutdown();
    fx_close();
}


/* Start tests/tools/linkserver.py; returns its port. */
static int
start_linkserver(const char **dir_out)
{
    const char *dir = jy_test_tmpdir();
    const char *port = jy_pool_printf(fx.pool, "%s/port", dir);
    struct stat st;
    int i;

    if (jy_test_system("python3 %s/tests/tools/linkserver.py %s >%s/out 2>&1 &", JY_SOURCE_DIR, dir,
                       dir) != 0)
        jy_test_fail(__FILE__, __LINE__, "could not start the link server");
    for (i = 0; i < 200 && stat(port, &st) != 0; i++)
        usleep(50000);
    *dir_out = dir;
    {
        FILE *f = fopen(port, "r");
        int p = 0;
        if (f == NULL || fscanf(f, "%d", &p) != 1)
            jy_test_fail(__FILE__, __LINE__, "link server did not start");
        fclose(f);
        return p;
    }
}


static void
stop_linkserver(const char *dir)
{
    jy_test_system("kill $(cat %s/pid) 2>/dev/null", dir);
}


static int
count_requests(const char *dir)
{
    char line[256];
    int n = 0;
    FILE *f = fopen(jy_pool_printf(fx.pool, "%s/log", dir), "r");

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f))
        n++;
    fclose(f);
    return n;
}


static void
test_links(void)
{
    static const char *const plugins[] = {"links"};
    const char *srv;
    int port;
    long long pub, draft, id;
    const char *body;

    fx_open();
    port = start_linkserver(&srv);
    setup(plugin_dir(plugins, 1), true);
    pub = fx_item(K1, "article", "{\"title\": \"已发布\"}");
    draft = fx_item(K1, "article", "{\"title\": \"草稿\"}");
    {
        const char *q[3] = {fx_num(pub), fx_num(fx.news[K1]), fx_num(fx.site[K1])};
        fx_own("INSERT INTO placement (item_id, column_id, site_id, state, published_at)"
               " VALUES ($1, $2, $3, 'published', now())",
               3, q);
        q[0] = fx_num(draft);
        fx_own("INSERT INTO placement (item_id, column_id, site_id) VALUES ($1, $2, $3)", 3, q);
    }
    body = jy_pool_printf(
        fx.pool,
        "{\"title\": \"链接\", \"body\": \"<p><a href=\\\"/news/%lld.html\\\">已发布</a>"
        "，<a href=\\\"/news/%lld.html\\\">草稿</a>，<a href=\\\"/about/\\\">关于</a>，"
        "<a href=\\\"https://x3.example.gov.cn/nothing/\\\">无此栏目</a></p>"
        "<p><a href=\\\"http://127.0.0.1:%d/ok\\\">好</a> <a href=\\\"http://127.0.0.1:%d/missing\\\">坏</a>"
        " <a href=\\\"http://127.0.0.1:%d/redirect\\\">转</a> <a href=\\\"http://127.0.0.1:%d/nohead\\\">头</a>"
        " <a href=\\\"http://127.0.0.1:%d/slow\\\">慢</a> <a href=\\\"http://127.0.0.1:%d/loop\\\">环</a>"
        " <a href=\\\"http://127.0.0.1:%d/missing\\\">再坏</a></p>"
        "<p><a href=\\\"https://x1.example.gov.cn/news/\\\">省</a>"
        "<a href=\\\"https://X1.example.gov.cn/news/%lld.html\\\">省稿</a></p>\"}",
        pub, draft, port, port, port, port, port, port, port, pub);
    id = fx_item(K1, "article", body);
    {
        const char *got = check(id, K1, JY_CHECK_PUBLISH, NULL);
        const char *want =
            jy_pool_printf(fx.pool,
                           "links warn body 1:4+2 «/news/%lld.html»\n"
                           "links warn body 1:10+4 «https://x3.example.gov.cn/nothing/»\n"
                           "links warn body 2:2+1 «http://127.0.0.1:%d/missing»\n"
                           "links warn body 2:8+1 «http://127.0.0.1:%d/slow»\n"
                           "links warn body 2:10+1 «http://127.0.0.1:%d/loop»\n"
                           "links warn body 2:12+2 «http://127.0.0.1:%d/missing»\n"
                           "links warn body 3:1+2 «https://X1.example.gov.cn/news/%lld.html»\n",
                           draft, port, port, port, port, pub);
        T_EQ_STR(got, want);
    }
    /* HEAD first, GET only where HEAD was refused; the duplicate asked once */
    T_EQ_INT(jy_test_system("grep -c '^GET /nohead$' %s/log | grep -qx 1", srv), 0);
    T_EQ_INT(jy_test_system("grep -c '^HEAD /missing$' %s/log | grep -qx 1", srv), 0);
    T_EQ_INT(jy_test_system("grep -q '^GET /ok$' %s/log", srv) != 0, 1);
    T_EQ_STR(fx_own("SELECT string_agg(substring(url from '/[a-z]+$') || '=' || status, ' '"
                    " ORDER BY url) FROM check_link_cache",
                    0, NULL),
             "/loop=0 /missing=404 /nohead=200 /ok=200 /redirect=200 /slow=0");
    /* the second run asks nobody: every answer is cached */
    {
        int before = count_requests(srv);
        check(id, K1, JY_CHECK_PUBLISH, NULL);
        T_EQ_INT(count_requests(srv), before);
    }
    /* by default an address inside the network is reported, never requested */
    jy_check_shutdown();
    set("check_link_private", "0");
    {
        struct jy_err err = JY_ERR_INIT;
        struct jy_check_findings f;
        const char *html = jy_pool_printf(fx.pool,
                                          "<p><a href=\"http://127.0.0.1:%d/inside\">内网</a>"
                                          "<a href=\"http://[::1]:%d/inside6\">内网6</a></p>",
                                          port, port);
        T_EQ_INT(jy_check_setup(conf, fx.conninfo, &err), JY_OK);
        T_EQ_INT(
            jy_check_text(NULL, fx.pool, 0, NULL, html, strlen(html), JY_CHECK_PUBLISH, &f, &err),
            JY_OK);
        T_EQ_INT(f.n, 2);
        T_EQ_STR(f.v[0].message, "链接指向内部网络地址，公众无法访问（未请求）");
        T_EQ_STR(f.v[1].message, "链接指向内部网络地址，公众无法访问（未请求）");
        T_EQ_INT(jy_test_system("grep -q inside %s/log", srv) != 0, 1);
    }
    stop_linkserver(srv);
    jy_check_shutdown();
    fx_close();
}


static void
test_worker_survives_crash_and_hang(void)
{
    static const char *const plugins[] = {"test:crash", "test:hang", "privacy"};
    unsigned long docs, restarts;
    size_t blocking;
    const char *got;

    fx_open();
    setup(plugin_dir(plugins, 3), true);
    got = check_text(NULL, "<p>CRASH 13800138000</p>", &blocking);
    T_CONTAINS(got, "crash block - 0:0+0 «»\n");
    T_CONTAINS(got, "privacy block body 1:6+11 «13800138000» -> 138****8000\n");
    T_EQ_INT(blocking, 2);
    {
        struct jy_err err = JY_ERR_INIT;
        struct jy_check_findings f;
        jy_check_text(NULL, fx.pool, 0, NULL, "CRASH", 5, JY_CHECK_PUBLISH, &f, &err);
        T_EQ_INT(f.n, 1);
        /* signal 11 (SIGSEGV); under the sanitizers their handler ends the worker instead */
        T_CONTAINS(f.v[0].message, "检查「crash」运行时崩溃（");
        T_CONTAINS(f.v[0].message, "已重启检查进程");
    }
    /* the next document runs normally in a new worker */
    T_EQ_STR(check_text(NULL, "<p>电话13800138000</p>", &blocking),
             "privacy block body 1:2+11 «13800138000» -> 138****8000\n");
    got = check_text(NULL, "<p>HANG 13800138000</p>", &blocking);
    T_CONTAINS(got, "hang block - 0:0+0 «»\n");
    T_CONTAINS(got, "privacy block body 1:5+11 «13800138000»");
    jy_check_worker_stats(&docs, &restarts);
    T_EQ_INT(restarts, 3);
    T_EQ_STR(check_text(NULL, "<p>正常</p>", NULL), "");
    /* a worker killed from outside between documents is replaced without blaming a check */
    T_ASSERT(jy_check_worker_pid() > 0);
    {
        pid_t w = (pid_t) jy_check_worker_pid();
        int st;
        T_EQ_INT(kill(w, SIGKILL), 0);
        T_EQ_INT(waitpid(w, &st, 0), w); /* gone for sure before the next document */
    }
    T_EQ_STR(check_text(NULL, "<p>电话13800138000</p>", NULL),
             "privacy block body 1:2+11 «13800138000» -> 138****8000\n");
    jy_check_worker_stats(&docs, &restarts);
    T_EQ_INT(restarts, 4);
    jy_check_shutdown();
    fx_close();
}


static void
test_plugins_refused(void)
{
    static const char *const plugins[] = {"test:badabi", "test:failinit", "privacy"};
    const char *dir;
    struct jy_plugin_host *h;
    FILE *f;

    fx_open();
    dir = plugin_dir(plugins, 3);
    f = fopen(jy_pool_printf(fx.pool, "%s/garbage.so", dir), "w");
    fputs("not an ELF file\n", f);
    fclose(f);
    setup(dir, true);
    h = jy_check_host();
    T_EQ_INT(jy_plugin_host_count(h), 1);
    T_EQ_STR(jy_plugin_host_info(h, 0)->name, "privacy");
    T_EQ_INT(jy_check_problems(), 3);
    T_EQ_STR(jy_check_problem(0), "plugin \"badabi.so\" was built for ABI 99, this jiyue provides "
                                  "ABI 1");
    T_EQ_STR(jy_check_problem(1), "plugin \"failinit\" failed to start: lexicon \"/x/words.txt\" "
                                  "line 3: invalid UTF-8");
    T_EQ_STR(jy_check_problem(2), "plugin \"garbage.so\" could not be loaded");
    /* what failinit registered before failing is gone */
    T_EQ_INT(jy_plugin_host_helpers(h), 0);
    /* the loaded one works */
    T_EQ_STR(check_text(NULL, "13800138000", NULL),
             "privacy block body 1:0+11 «13800138000» -> 138****8000\n");
    jy_check_shutdown();
    fx_close();
}


static void
test_lexicon_invalid_utf8(void)
{
    static const char *const plugins[] = {"lexicon", "privacy"};
    const char *lexdir;
    FILE *f;

    fx_open();
    lexdir = jy_test_tmpdir();
    f = fopen(jy_pool_printf(fx.pool, "%s/sensitive.txt", lexdir), "w");
    fputs("# words\n赌博\n色\xe6\x83\n", f);
    fclose(f);
    jy_check_shutdown();
    conf = jy_conf_create(fx.pool);
    set("plugin_dir", plugin_dir(plugins, 2));
    set("check_lexicon_dir", lexdir);
    {
        struct jy_err err = JY_ERR_INIT;
        T_EQ_INT(jy_check_setup(conf, NULL, &err), JY_OK);
    }
    T_EQ_INT(jy_check_problems(), 1);
    T_EQ_STR(jy_check_problem(0),
             jy_pool_printf(fx.pool,
                            "plugin \"lexicon\" failed to start: lexicon \"%s/sensitive.txt\" "
                            "line 3: invalid UTF-8 at byte 4",
                            lexdir));
    /* nothing of the lexicon is used; the other checks run */
    T_EQ_STR(check_text(NULL, "赌博 13800138000", NULL),
             "privacy block body 1:3+11 «13800138000» -> 138****8000\n");
    jy_check_shutdown();
    fx_close();
}


static void
test_helpers_and_channels(void)
{
    static const char *const names[] = {"example"};
    struct jy_err err = JY_ERR_INIT;
    struct jy_tpl_set *set_;
    const struct jy_tpl *t;
    struct jy_buf out = JY_BUF_INIT(NULL);
    struct jy_plugin_page page = {"5601210001", "/news/12.html", "item", "{}", 2};
    const char *dir = jy_test_tmpdir();

    fx_open();
    out.pool = fx.pool;
    if (symlink(jy_pool_printf(fx.pool, "%s/example/example.so", env("JY_PLUGIN_BUILD_DIR")),
                jy_pool_printf(fx.pool, "%s/example.so", dir)) != 0)
        jy_test_fail(__FILE__, __LINE__, "symlink: %s", strerror(errno));
    (void) names;
    setup(dir, false);
    set_ = jy_tpl_set_create(NULL, NULL);
    T_EQ_INT(jy_plugin_host_add_helpers(jy_check_host(), set_, &err), JY_OK);
    t = jy_tpl_compile(set_, "t", "电话{{phone | fullwidth_digits}}", 34, &err);
    T_ASSERT(t != NULL);
    T_EQ_INT(jy_tpl_render(t, fx_json("{\"phone\": \"12345\"}"), &out, &err), JY_OK);
    T_EQ_STR(out.buf, "电话１２３４５");
    jy_tpl_set_destroy(set_);
    jy_buf_reset(&out);
    T_EQ_INT(jy_plugin_host_channels(jy_check_host()), 1);
    T_EQ_INT(jy_plugin_host_render_channel(jy_check_host(), 0, &page, &out, &err), JY_OK);
    T_EQ_STR(out.buf, "/news/12.html\n");
    page.kind = "home";
    T_EQ_INT(jy_plugin_host_render_channel(jy_check_host(), 0, &page, &out, &err), JY_DECLINED);
    /* its check */
    T_EQ_STR(check_text("TODO", "<p>内容待补充</p>", NULL),
             "placeholder block title 1:0+4 «TODO»\nplaceholder block body 1:2+3 «待补充»\n");
    jy_check_shutdown();
    fx_close();
}


static void
test_rls_and_isolation(void)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_check_findings f;
    struct jy_db *db;
    const char *p[1];
    long long k1item;

    fx_open();
    setup(NULL, true);
    k1item = fx_item(K1, "article", "{\"title\": \"栖云县草稿\"}");
    p[0] = fx_num(fx.site[K1]);
    fx_own("INSERT INTO check_lexicon (site_id, lexicon, entry) VALUES ($1, 'sensitive', '秘密词')",
           1, p);
    /* k2's admin neither sees K1's lexicon nor changes K1's settings */
    db = fx_as(U_K2_ADMIN);
    T_EQ_INT(jy_db_begin(db, &err), JY_OK);
    T_EQ_STR(jy_db_query_value(db, fx.pool, "SELECT count(*) FROM check_lexicon", 0, NULL, &err),
             "0");
    T_ASSERT(
        jy_db_query(db, fx.pool,
                    "INSERT INTO check_setting (site_id, kind, on_publish) VALUES ($1, 'words',"
                    " 'off')",
                    1, p, &err) == NULL);
    jy_db_rollback(db);
    /* nor checks K1's draft: not found, as if it did not exist */
    T_EQ_INT(jy_db_begin(db, &err), JY_OK);
    T_EQ_INT(jy_check_item(db, fx.pool, k1item, 0, JY_CHECK_PUBLISH, &f, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    jy_db_rollback(db);
    /* k1's admin may */
    db = fx_as(U_K1_ADMIN);
    T_EQ_INT(jy_db_begin(db, &err), JY_OK);
    T_ASSERT(
        jy_db_query(db, fx.pool,
                    "INSERT INTO check_setting (site_id, kind, on_publish) VALUES ($1, 'words',"
                    " 'warn')",
                    1, p, &err) != NULL);
    T_EQ_INT(jy_check_item(db, fx.pool, k1item, 0, JY_CHECK_PUBLISH, &f, &err), JY_OK);
    T_EQ_INT(jy_db_commit(db, &err), JY_OK);
    T_EQ_STR(fx_own("SELECT count(*) FROM audit_log WHERE object_type = 'check_setting'", 0, NULL),
             "1");
    jy_check_shutdown();
    fx_close();
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_positions_exact),
        T_CASE(test_site_settings_and_lexicon),
        T_CASE(test_required_metadata),
        T_CASE(test_links),
        T_CASE(test_worker_survives_crash_and_hang),
        T_CASE(test_plugins_refused),
        T_CASE(test_lexicon_invalid_utf8),
        T_CASE(test_helpers_and_channels),
        T_CASE(test_rls_and_isolation),
    };
    signal(SIGPIPE, SIG_IGN);
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
