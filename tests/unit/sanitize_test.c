/*
 * sanitize_test.c - tests of core/sanitize.c.
 *
 * Every XSS payload below (in the style of the OWASP XSS filter evasion
 * cheat sheet) is sanitised, and the output is checked by parsing it again
 * with gumbo and walking the tree (tests/sanitize_oracle.h): no disallowed
 * element, no on* attribute, no URL with another scheme than http, https,
 * mailto, tel or none. Each output must also be a fixed point (sanitising it
 * again changes nothing and reports nothing), and each payload must produce
 * at least one finding, so the editor is told.
 */
#include "core/compat.h"
#include "tests/test.h"
#include "tests/sanitize_oracle.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/sanitize.h"
#include "core/utf8.h"

#include <time.h>

static const char *const payloads[] = {
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<a href=\"jav&#x0A;ascript:alert(1)\">x</a>",
    "<a href=\"jav&Tab;ascript:alert(1)\">x</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
    "<a href=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112"
    "&#0000116&#0000058alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a href=\"\x01\x02 javascript:alert(1)\">x</a>",
    "<a href=\"javascript&colon;alert(1)\">x</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"#\" onclick=\"alert(1)\">x</a>",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\">",
    "<img src=\"x` `<script>alert(1)</script>\"` `>",
    "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
    "<img src=1 href=1 onerror=\"javascript:alert(1)\"></img>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe/src=\"data:text/html,<svg onload=alert(1)>\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math href=\"javascript:alert(1)\">click</math>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x=20 y=20>x</text></a></svg>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<style>@import 'http://evil.example/x.css';</style><p>x</p>",
    "<p style=\"width: expression(alert(1))\">x</p>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<div style=\"x:expr/**/ession(alert(1))\">x</div>",
    "<p style=\"text-align: center; behavior: url(x.htc)\">x</p>",
    "<p style='font-family:\"a;text-align:center\"'>x</p>",
    "<base href=\"javascript:alert(1)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<link rel=stylesheet href=\"javascript:alert(1)\">",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">",
    "<form action=\"javascript:alert(1)\"><input type=submit></form>",
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    "<div onmouseover=\"alert(1)\">hover</div>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<p>unclosed <b>bold <a href=javascript:alert(1)>link",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<select><template><style><img src=x onerror=alert(1)></style></template></select>",
    "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
    "<p>x<!--<img src=x onerror=alert(1)>-->y</p>",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    "<plaintext><img src=x onerror=alert(1)>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
    "<a href=\"file:///C:/Users/editor/报告.doc\">报告</a>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<isindex action=\"javascript:alert(1)\" type=image>",
};

struct result {
    const char *html;
    struct jy_sanitize_report rep;
};

static struct result
sanitize(struct jy_pool *pool, const char *in, size_t len)
{
    struct jy_buf out = JY_BUF_INIT(pool);
    struct jy_err err = JY_ERR_INIT;
    struct result r;

    if (jy_sanitize_html(pool, in, len, &out, &r.rep, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "sanitize failed: %s", err.msg);
    r.html = out.buf;
    return r;
}


/* The output is safe (re-parsed), a fixed point, and valid UTF-8. */
static void
check_output(struct jy_pool *pool, const char *in, const char *out)
{
    char why[256];
    struct result again;

    if (oracle_check(out, strlen(out), why, sizeof(why)) != NULL)
        jy_test_fail(__FILE__, __LINE__, "unsafe output for\n    %s\n    -> %s\n    %s", in, out,
                     why);
    T_ASSERT(jy_utf8_valid(out, strlen(out), NULL));
    again = sanitize(pool, out, strlen(out));
    T_EQ_STR(again.html, out);
    if (again.rep.n != 0)
        jy_test_fail(__FILE__, __LINE__, "re-sanitising %s reports \"%s\"", out,
                     again.rep.findings[0].message);
}


/* Does the report hold a finding whose message contains needle? */
static bool
reported(const struct jy_sanitize_report *rep, const char *needle)
{
    int i;

    for (i = 0; i < rep->n; i++)
        if (strstr(rep->findings[i].message, needle))
            return true;
    return false;
}


static void
dump(const struct jy_sanitize_report *rep)
{
    int i;

    for (i = 0; i < rep->n; i++)
        fprintf(stderr, "    finding: %s\n", rep->findings[i].message);
}


static void
test_xss_payloads(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    size_t i;

    T_ASSERT(JY_ARRAY_LEN(payloads) >= 30);
    for (i = 0; i < JY_ARRAY_LEN(payloads); i++) {
        const char *in = payloads[i];
        struct result r = sanitize(pool, in, strlen(in));

        check_output(pool, in, r.html);
        if (r.rep.n == 0)
            jy_test_fail(__FILE__, __LINE__, "nothing reported for %s -> %s", in, r.html);
        /* nothing that could run survives as markup */
        T_ASSERT(strstr(r.html, "<script") == NULL);
        T_ASSERT(strstr(r.html, "onerror=") == NULL);
        T_ASSERT(strcasestr(r.html, "javascript:") == NULL ||
                 strstr(r.html, "=\"javascript") == NULL);
    }
    jy_pool_destroy(pool);
}


/* Payloads that are harmless once parsed: nothing to report, but the output must be safe. */
static void
test_harmless_lookalikes(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct result r;

    r = sanitize(pool, "<img src=\"x` `onerror=alert(1)\">",
                 strlen("<img src=\"x` `onerror=alert(1)\">"));
    T_EQ_STR(r.html, "<img src=\"x&#96; &#96;onerror=alert(1)\">");
    check_output(pool, "backticks", r.html);
    /* a <body> or <html> tag inside a body is ignored by the parser, as browsers do */
    r = sanitize(pool, "<body onload=alert(1)><html onmouseover=alert(1)>x",
                 strlen("<body onload=alert(1)><html onmouseover=alert(1)>x"));
    T_EQ_STR(r.html, "x");
    /* a tag cut by the end of the input is dropped by the parser */
    r = sanitize(pool, "a<img src=x onerror=alert(1)//", strlen("a<img src=x onerror=alert(1)//"));
    T_EQ_STR(r.html, "a");
    r = sanitize(pool, "<a href=\"java script:alert(1)\">x</a><a href=\"//evil.example/\">y</a>",
                 strlen("<a href=\"java script:alert(1)\">x</a><a href=\"//evil.example/\">y</a>"));
    /* "java script:" is not a scheme (browsers read a relative path), but we refuse it anyway */
    T_EQ_STR(r.html, "<a>x</a><a href=\"//evil.example/\">y</a>");
    check_output(pool, "java script", r.html);
    jy_pool_destroy(pool);
}


static void
test_nul_in_scheme(void)
{
    static const char in[] = "<a href=\"java\0script:alert(1)\">x</a>";
    struct jy_pool *pool = jy_pool_create(0);
    struct result r = sanitize(pool, in, sizeof(in) - 1);

    check_output(pool, "java\\0script", r.html);
    T_EQ_STR(r.html, "<a>x</a>");
    jy_pool_destroy(pool);
}


static void
test_messages_name_what_and_where(void)
{
    static const char in[] = "<p>一</p><p>二</p><script>alert(1)</script>"
                             "<p><a href=\"javascript:alert(1)\" onclick=\"x()\">三</a></p>";
    struct jy_pool *pool = jy_pool_create(0);
    struct result r = sanitize(pool, in, sizeof(in) - 1);

    if (r.rep.n != 3)
        dump(&r.rep);
    T_EQ_INT(r.rep.n, 3);
    T_EQ_STR(r.rep.findings[0].message, "removed <script> element (paragraph 3)");
    T_EQ_INT(r.rep.findings[0].kind, JY_SAN_ELEMENT);
    T_EQ_STR(r.rep.findings[0].element, "script");
    T_EQ_STR(r.rep.findings[1].message, "removed javascript: link from <a> (paragraph 4)");
    T_EQ_INT(r.rep.findings[1].kind, JY_SAN_URL);
    T_EQ_STR(r.rep.findings[1].name, "javascript");
    T_EQ_STR(r.rep.findings[2].message,
             "removed onclick attribute from <a> (event handlers run scripts) (paragraph 4)");
    T_EQ_INT(r.rep.findings[2].kind, JY_SAN_EVENT);
    T_EQ_STR(r.html, "<p>一</p><p>二</p><p><a>三</a></p>");
    jy_pool_destroy(pool);
}


static void
test_repeated_findings_are_counted(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct result r =
        sanitize(pool, "<p>a</p><p onclick=x>b</p><p onclick=y>c</p><p onclick=z>d</p>",
                 strlen("<p>a</p><p onclick=x>b</p><p onclick=y>c</p><p onclick=z>d</p>"));

    T_EQ_INT(r.rep.n, 1);
    T_EQ_INT(r.rep.findings[0].count, 3);
    T_EQ_INT(r.rep.findings[0].paragraph, 2);
    T_EQ_STR(r.rep.findings[0].message, "removed onclick attribute from <p> (event handlers run "
                                        "scripts) (3 times, first in paragraph 2)");
    jy_pool_destroy(pool);
}


/* A typical article of a government site: it must pass unchanged (in our canonical form). */
static void
test_government_article_passes(void)
{
    static const char in[] =
        "<p style=\"text-indent: 2em;\">为贯彻落实《国务院办公厅关于加强政府网站信息内容建设的意见》"
        "，现将有关事项通知如下：</p>\n"
        "<h2>一、总体要求</h2>\n"
        "<p style=\"text-indent:2em\">各地区、各部门要高度重视，<strong>切实加强</strong>组织领导。</p>\n"
        "<table border=\"1\" cellpadding=\"0\" cellspacing=\"0\" width=\"100%\"><caption>2024年预算表"
        "</caption><thead><tr><th scope=\"col\">项目</th><th>金额（万元）</th></tr></thead>"
        "<tbody><tr><td>一般公共预算</td><td align=\"right\">1,234.5</td></tr>"
        "<tr><td colspan=\"2\" valign=\"top\">合计</td></tr></tbody></table>\n"
        "<p style=\"text-align: center;\"><img src=\"/files/ab/cd/abcd.png\" alt=\"会议现场\" "
        "width=\"600\" height=\"400\"></p>\n"
        "<figure><img src=\"https://www.example.gov.cn/a.jpg\" alt=\"\"><figcaption>图1</figcaption>"
        "</figure>\n"
        "<ol start=\"2\"><li>加强统筹</li><li>狠抓落实</li></ol>\n"
        "<p>详见<a href=\"https://www.gov.cn/zhengce/\" target=\"_blank\">中国政府网</a>，"
        "咨询电话<a href=\"tel:0871-12345678\">12345678</a>，"
        "邮箱<a href=\"mailto:ban@example.gov.cn\">ban@example.gov.cn</a>。</p>\n"
        "<p style=\"text-align:right\">云岭省人民政府办公厅<br>2024年3月1日</p>";
    static const char expected[] =
        "<p style=\"text-indent: 2em\">为贯彻落实《国务院办公厅关于加强政府网站信息内容建设的意见》"
        "，现将有关事项通知如下：</p>\n"
        "<h2>一、总体要求</h2>\n"
        "<p style=\"text-indent: 2em\">各地区、各部门要高度重视，<strong>切实加强</strong>组织领导。</p>\n"
        "<table border=\"1\" cellpadding=\"0\" cellspacing=\"0\" width=\"100%\"><caption>2024年预算表"
        "</caption><thead><tr><th scope=\"col\">项目</th><th>金额（万元）</th></tr></thead>"
        "<tbody><tr><td>一般公共预算</td><td align=\"right\">1,234.5</td></tr>"
        "<tr><td colspan=\"2\" valign=\"top\">合计</td></tr></tbody></table>\n"
        "<p style=\"text-align: center\"><img src=\"/files/ab/cd/abcd.png\" alt=\"会议现场\" "
        "width=\"600\" height=\"400\"></p>\n"
        "<figure><img src=\"https://www.example.gov.cn/a.jpg\" alt=\"\"><figcaption>图1</figcaption>"
        "</figure>\n"
        "<ol start=\"2\"><li>加强统筹</li><li>狠抓落实</li></ol>\n"
        "<p>详见<a href=\"https://www.gov.cn/zhengce/\" target=\"_blank\" rel=\"noopener noreferrer\">"
        "中国政府网</a>，"
        "咨询电话<a href=\"tel:0871-12345678\">12345678</a>，"
        "邮箱<a href=\"mailto:ban@example.gov.cn\">ban@example.gov.cn</a>。</p>\n"
        "<p style=\"text-align: right\">云岭省人民政府办公厅<br>2024年3月1日</p>";
    struct jy_pool *pool = jy_pool_create(0);
    struct result r = sanitize(pool, in, sizeof(in) - 1);

    if (r.rep.n)
        dump(&r.rep);
    T_EQ_INT(r.rep.n, 0);
    T_EQ_STR(r.html, expected);
    check_output(pool, in, r.html);
    jy_pool_destroy(pool);
}


/* Pasted from Word: the text and its indent stay, Word's classes and styles go, and are reported.
 */
static void
test_word_paste(void)
{
    static const char in[] =
        "<p class=\"MsoNormal\" align=\"center\" style=\"text-indent:21.0pt;"
        "mso-char-indent-count:2.0\"><span style=\"font-family:宋体;mso-ascii-font-family:Calibri\">"
        "通知</span><o:p></o:p></p><p class=MsoNormal><font face=\"仿宋\">正文</font></p>";
    struct jy_pool *pool = jy_pool_create(0);
    struct result r = sanitize(pool, in, sizeof(in) - 1);

    T_EQ_STR(r.html, "<p style=\"text-align: center; text-indent: 21.0pt\"><span>通知</span></p>"
                     "<p>正文</p>");
    T_ASSERT(
        reported(&r.rep, "removed class \"MsoNormal\" from <p> (2 times, first in paragraph 1)"));
    T_ASSERT(reported(&r.rep, "removed foreign style \"mso-char-indent-count\" from <p>"));
    T_ASSERT(reported(&r.rep, "removed foreign style \"font-family\" from <span>"));
    T_ASSERT(reported(&r.rep, "removed <o:p> tag, kept its content"));
    T_ASSERT(reported(&r.rep, "removed <font> tag, kept its content (paragraph 2)"));
    check_output(pool, in, r.html);
    jy_pool_destroy(pool);
}


static void
test_allowed_attributes_and_values(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct result r;

    r = sanitize(pool, "<h1 id=x>标题</h1><center>居中</center><strike>删</strike>",
                 strlen("<h1 id=x>标题</h1><center>居中</center><strike>删</strike>"));
    T_EQ_STR(r.html, "<h2>标题</h2><div style=\"text-align: center\">居中</div><s>删</s>");
    T_ASSERT(reported(&r.rep, "changed <h1> to <h2>"));
    T_ASSERT(reported(&r.rep, "removed id attribute from <h1>"));

    r = sanitize(
        pool, "<img src=a.png width=abc height=20 class=\"jy-img-left evil jy-img-left\">",
        strlen("<img src=a.png width=abc height=20 class=\"jy-img-left evil jy-img-left\">"));
    T_EQ_STR(r.html, "<img src=\"a.png\" height=\"20\" class=\"jy-img-left\">");
    T_ASSERT(reported(&r.rep, "removed width attribute from <img>: \"abc\" is not a valid value"));
    T_ASSERT(reported(&r.rep, "removed class \"evil\" from <img>"));

    r = sanitize(
        pool, "<a href=x target=_TOP rel=opener>a</a><a href=y target=_blank rel=opener>b</a>",
        strlen("<a href=x target=_TOP rel=opener>a</a><a href=y target=_blank rel=opener>b</a>"));
    T_EQ_STR(r.html, "<a href=\"x\">a</a><a href=\"y\" target=\"_blank\" "
                     "rel=\"noopener noreferrer\">b</a>");

    r = sanitize(pool, "<img alt=无源>", strlen("<img alt=无源>"));
    T_EQ_STR(r.html, "");
    T_ASSERT(reported(&r.rep, "removed <img> without a source"));

    r = sanitize(pool, "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
                 strlen("<img src=\"data:image/png;base64,iVBORw0KGgo=\">"));
    T_EQ_STR(r.html, "");
    T_ASSERT(reported(&r.rep, "upload the image as a file instead"));

    r = sanitize(pool, "<pre>\n\nx</pre><ruby>汉<rt>hàn</rt></ruby>",
                 strlen("<pre>\n\nx</pre><ruby>汉<rt>hàn</rt></ruby>"));
    T_EQ_STR(r.html, "<pre>\n\nx</pre><ruby>汉<rt>hàn</rt></ruby>");
    check_output(pool, "pre", r.html);

    r = sanitize(pool, "a &amp; b &lt;c&gt; \"d\" 'e'", strlen("a &amp; b &lt;c&gt; \"d\" 'e'"));
    T_EQ_STR(r.html, "a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39;");
    T_EQ_INT(r.rep.n, 0);
    jy_pool_destroy(pool);
}


static void
test_errors(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf out = JY_BUF_INIT(pool);
    struct jy_err err = JY_ERR_INIT;
    struct jy_sanitize_report rep;
    struct jy_buf big = JY_BUF_INIT(pool);
    int i;

    jy_buf_add_str(&out, "kept");
    T_EQ_INT(jy_sanitize_html(pool, "<p>\xe4\xb8</p>", 7, &out, &rep, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_STR(err.msg, "body is not valid UTF-8 (byte 4)");
    T_EQ_STR(err.field, "body");
    T_EQ_STR(out.buf, "kept");

    for (i = 0; i < JY_SANITIZE_MAX_TAGS + 1; i++)
        jy_buf_add_str(&big, "<b>");
    T_EQ_INT(jy_sanitize_html(pool, big.buf, big.len, &out, &rep, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_TOO_LARGE);
    T_CONTAINS(err.msg, "too many tags");

    jy_buf_reset(&big);
    while (big.len <= JY_SANITIZE_MAX_INPUT)
        jy_buf_add_str(&big, "中文内容中文内容");
    T_EQ_INT(jy_sanitize_html(pool, big.buf, big.len, &out, &rep, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_TOO_LARGE);
    T_CONTAINS(err.msg, "body is too large");
    T_EQ_STR(out.buf, "kept");

    /* the caller's cap */
    out.max = 10;
    T_EQ_INT(jy_sanitize_html(pool, "<p>a long enough body</p>", 25, &out, &rep, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_TOO_LARGE);
    T_EQ_STR(out.buf, "kept");
    jy_pool_destroy(pool);
}


static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/* Deep nesting at the tag limit: output depth is capped, and it is still fast enough. */
static void
test_deep_nesting(void)
{
    static const char *const units[] = {"<div>", "<b>x", "<ul><li>", "<table><td>", "<p><i>x"};
    struct jy_pool *pool = jy_pool_create(0);
    size_t u;

    for (u = 0; u < JY_ARRAY_LEN(units); u++) {
        struct jy_buf in = JY_BUF_INIT(pool);
        struct result r;
        double t0;
        int i, n = JY_SANITIZE_MAX_TAGS / 2;
        struct jy_err err = JY_ERR_INIT;
        struct jy_buf out = JY_BUF_INIT(pool);

        for (i = 0; i < n; i++)
            jy_buf_add_str(&in, units[u]);
        t0 = now();
        if (jy_sanitize_html(pool, in.buf, in.len, &out, &r.rep, &err) != JY_OK) {
            /* unclosed <i> repeated in every paragraph: refused, not ballooned */
            fprintf(stderr, "    %d x %s: %.2f s, %s\n", n, units[u], now() - t0, err.msg);
            T_EQ_INT(err.code, JY_E_TOO_LARGE);
            T_EQ_STR(units[u], "<p><i>x");
            continue;
        }
        r.html = out.buf;
        fprintf(stderr, "    %d x %s: %.2f s, %zu bytes out\n", n, units[u], now() - t0,
                strlen(r.html));
        check_output(pool, units[u], r.html);
        jy_pool_reset(pool);
    }
    jy_pool_destroy(pool);
}


/* The importer's shortcut: a body jy_sanitize_is_plain() accepts is its own sanitised form. */
static void
test_plain_bodies_come_out_unchanged(void)
{
    static const char *const plain[] = {
        "<p>a</p>",
        "<p> </p>",
        "<p>  两个空格开头，结尾也有  </p><p>第二段</p>",
        "<p>不间断\xc2\xa0空格、零宽\xe2\x80\x8b空格、BOM\xef\xbb\xbf、行分隔\xe2\x80\xa8。</p>",
        "<p>１２３ ＡＢＣ — “引号” ‘单引号’ ……《书名》〔2023〕12号</p>",
        "<p>emoji \xf0\x9f\x98\x80 and U+00A0 at the end\xc2\xa0</p>",
        "<p>x</p><p>y</p><p>z</p>",
        "<p>\344\274\232\350\256\256\346\214\207\345\207\272\357\274\214\345\235\232\345\206\263\350\220\275\345\256\236\345\260\261\344\270\232\345\210\233\344\270\232\345\267\245\344\275\234\346\230\257\350\267\265\350\241\214\344\273\245\344\272\272\346\260\221\344\270\272\344\270\255\345\277\203\345\217\221\345\261\225\346\200\235\346\203\263\347\232\204\345\205\267\344\275\223\344\275\223\347\216\260\357\274\214\347\247\221\346\212\200\351\203\250\351\227\250\350\246\201\345\212\240\345\274\272\351\203\250\351\227\250\345\215\217\345\220\214\343\200\201\345\275\242\346\210\220\345\267\245\344\275\234\345\220\210\345\212\233\343\200\202\346\215\256\344\272\206\350\247\243\357\274\214\347\231\275\345\237\216\345\216\277\345\244\247\345\212\233\345\256\236\346\226\275\344\272\272\346\211\215\345\274\225\350\277\233\345\267\245\344\275\234\357\274\214\345\205\261\345\217\227\347\220\206\345\220\204\347\261\273\344\272\213\351\241\27188889\344\273\266\357\274\214\345\212\236\347\273\223\347\216\207\350\276\27697.1%\357\274\214\345\267\245\344\275\234\346\210\220\346\225\210\345\276\227\345\210\260\344\270\212\347\272\247\351\203\250\351\227\250\345\205\205\345\210\206\350\202\257\345\256\232\343\200\202</p><p>\344\274\232\350\256\256\345\274\272\350\260\203\357\274\214\350\207\252\347\204\266\350\265\204\346\272\220\351\203\250\351\227\250\350\246\201\345\210\207\345\256\236\345\212\240\345\274\272\346\226\207\346\230\216\345\237\216\345\270\202\345\210\233\345\273\272\357\274\214\345\210\207\345\256\236\346\217\220\351\253\230\345\267\245\344\275\234\350\264\250\346\225\210\357\274\214\345\210\207\345\256\236\347\273\264\346\212\244\344\272\272\346\260\221\347\276\244\344\274\227\347\224\237\345\221\275\350\264\242\344\272\247\345\256\211\345\205\250\343\200\202\344\270\213\344\270\200\346\255\245\357\274\214\347\231\275\345\237\216\345\216\277\345\260\206\345\205\250\345\212\233\346\216\250\350\277\233\346\260\264\350\265\204\346\272\220\350\212\202\347\272\246\351\233\206\347\272\246\345\210\251\347\224\250\357\274\214\351\253\230\344\275\215\346\216\250\345\212\250\345\271\263\345\256\211\345\273\272\350\256\276\357\274\214\344\273\245\344\274\230\345\274\202\346\210\220\347\273\251\350\277\216\346\216\245\344\270\212\347\272\247\350\200\203\346\240\270\343\200\202\344\270\200\345\255\243\345\272\246\344\273\245\346\235\245\357\274\214\347\231\275\345\237\216\345\216\277\345\205\250\345\212\233\344\277\235\351\232\234\346\240\241\345\233\255\345\256\211\345\205\250\347\256\241\347\220\206\357\274\214\344\270\273\350\246\201\346\214\207\346\240\207\345\242\236\351\200\237\351\253\230\344\272\216\345\205\250\347\234\201\345\271\263\345\235\207\346\260\264\345\271\263\343\200\202\345\220\204\345\233\255\345\214\272\347\256\241\345\247\224\344\274\232\350\246\201\345\212\240\345\274\272\347\235\243\344\277\203\346\243\200\346\237\245\345\222\214\350\267\237\350\270\252\351\227\256\346\225\210\357\274\214\345\210\207\345\256\236\346\217\220\351\253\230\345\267\245\344\275\234\350\264\250\346\225\210\357\274\214\347\241\256\344\277\235\345\256\214\346\210\220\345\205\250\345\271\264\347\233\256\346\240\207\344\273\273\345\212\241\343\200\202</p><p>\344\274\232\350\256\256\346\214\207\345\207\272\357\274\214\347\250\263\346\255\245\346\216\250\350\277\233\347\216\260\344\273\243\345\206\234\344\270\232\344\272\247\344\270\232\345\233\255\345\273\272\350\256\276\346\230\257\344\270\200\351\241\271\351\207\215\345\244\247\346\224\277\346\262\273\344\273\273\345\212\241\357\274\214\345\205\254\345\256\211\346\234\272\345\205\263\350\246\201\345\235\232\345\206\263\345\256\210\344\275\217\345\256\211\345\205\250\345\272\225\347\272\277\343\200\202\344\270\213\344\270\200\346\255\245\357\274\214\347\231\275\345\237\216\345\216\277\345\260\206\346\214\201\347\273\255\346\267\261\345\214\226\347\244\276\344\274\232\346\225\221\345\212\251\345\205\221\347\216\260\357\274\214\346\214\201\347\273\255\346\267\261\345\214\226\346\240\241\345\233\255\345\256\211\345\205\250\347\256\241\347\220\206\357\274\214\345\212\252\345\212\233\346\211\223\351\200\240\345\205\250\347\234\201\344\270\200\346\265\201\347\232\204\347\244\272\350\214\203\346\240\207\346\235\206\343\200\202\346\234\254\345\221\250\357\274\214\347\231\275\345\237\216\345\216\277\345\217\254\345\274\200\346\260\264\350\265\204\346\272\220\350\212\202\347\272\246\351\233\206\347\272\246\345\210\251\347\224\250\345\267\245\344\275\234\346\216\250\350\277\233\344\274\232\357\274\214\346\267\261\345\205\245\350\264\257\345\275\273\350\220\275\345\256\23612345\346\224\277\345\212\241\346\234\215\345\212\241\344\276\277\346\260\221\347\203\255\347\272\277\343\200\202\347\231\275\345\237\216\345\216\277\344\272\272\346\260\221\346\224\277\345\272\234\345\205\232\347\273\204\346\210\220\345\221\230\343\200\201\345\211\257\345\216\277\351\225\277\344\270\207\345\213\207\345\207\272\345\270\255\344\274\232\350\256\256\345\271\266\350\256\262\350\257\235\343\200\202\346\215\256\344\272\206\350\247\243\357\274\214\347\231\275\345\237\216\345\216\277\350\256\244\347\234\237\347\273\204\347\273\207\347\224\237\346\200\201\347\216\257\345\242\203\344\277\235\346\212\244\345\267\245\344\275\234\357\274\214\345\217\221\346\224\276\345\220\204\347\261\273\350\241\245\345\212\251\350\265\204\351\207\2215127.6\344\270\207\345\205\203\357\274\214\350\246\206\347\233\22621\344\270\252\344\271\241\351\225\207\357\274\210\350\241\227\351\201\223\357\274\211\357\274\214\347\276\244\344\274\227\350\216\267\345\276\227\346\204\237\343\200\201\345\271\270\347\246\217\346\204\237\343\200\201\345\256\211\345\205\250\346\204\237\344\270\215\346\226\255\345\242\236\345\274\272\343\200\202</p>",
    };
    static const char *const not_plain[] = {
        "",
        "a",
        "<p></p>",
        "<p>a</p> ",
        " <p>a</p>",
        "<p>a &amp; b</p>",
        "<p>a<br>b</p>",
        "<p>a\nb</p>",
        "<p>a\tb</p>",
        "<p>\"</p>",
        "<p>'</p>",
        "<p>a > b</p>",
        "<P>a</P>",
        "<p>a</p><p>",
        "<p>c1 \xc2\x85</p>",
        "<p>bad \xff</p>",
        "<p class=x>a</p>",
        "<p>a</p>\n",
    };
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    size_t i;

    for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        struct jy_buf out = JY_BUF_INIT(pool);
        struct jy_sanitize_report rep;
        T_ASSERT(jy_sanitize_is_plain(plain[i], strlen(plain[i])));
        T_EQ_INT(jy_sanitize_html(pool, plain[i], strlen(plain[i]), &out, &rep, &err), JY_OK);
        T_EQ_STR(out.buf, plain[i]);
        T_EQ_INT(rep.n, 0);
    }
    for (i = 0; i < sizeof(not_plain) / sizeof(not_plain[0]); i++)
        if (jy_sanitize_is_plain(not_plain[i], strlen(not_plain[i])))
            jy_test_fail(__FILE__, __LINE__, "\"%s\" taken for plain", not_plain[i]);
    jy_pool_destroy(pool);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_plain_bodies_come_out_unchanged),
        T_CASE(test_xss_payloads),
        T_CASE(test_harmless_lookalikes),
        T_CASE(test_nul_in_scheme),
        T_CASE(test_messages_name_what_and_where),
        T_CASE(test_repeated_findings_are_counted),
        T_CASE(test_government_article_passes),
        T_CASE(test_word_paste),
        T_CASE(test_allowed_attributes_and_values),
        T_CASE(test_errors),
        T_CASE(test_deep_nesting),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
