/*
 * plaintext_test.c - rich text to the paragraphs the checks count in
 * (core/plaintext.c): blocks, cells, white space, references, links and
 * the position of a byte offset.
 */
#include "tests/test.h"
#include "core/plaintext.h"
#include "core/pool.h"

static struct jy_plaintext
pt(struct jy_pool *pool, const char *html)
{
    struct jy_plaintext out;

    jy_plaintext_from_html(pool, html, strlen(html), &out);
    return out;
}


static void
test_paragraphs(void)
{
    struct jy_pool *pool = jy_pool_create(0);

    T_EQ_STR(pt(pool, "<p>一</p><p></p><p> </p><div><p>二</p></div>三<br>四<br/><br>五").text,
             "一\n二\n三\n四\n五");
    T_EQ_STR(pt(pool, "<h2>  标题\n  文字 </h2><ul><li>甲</li><li>乙</li></ul>").text,
             "标题 文字\n甲\n乙");
    T_EQ_STR(pt(pool, "<table><tr><th>序号</th><th>电话</th></tr><tr><td>1</td><td> 2 </td></tr>"
                      "</table>")
                 .text,
             "序号\t电话\n1\t2");
    T_EQ_STR(pt(pool, "a&amp;b &lt;c&gt; &#20013;&#x6587; x&nbsp;y &unknown; &#0; &#xD800;").text,
             "a&b <c> 中文 x y &unknown; \xef\xbf\xbd \xef\xbf\xbd");
    T_EQ_STR(
        pt(pool, "<p>a<!-- <p>hidden</p> -->b<script>x<p>y</p></script>c<style>p{}</style></p>")
            .text,
        "abc");
    T_EQ_STR(pt(pool, "<p>a&#10;&#13;b&#x1;c&#x85;</p>").text, "a b\xef\xbf\xbd"
                                                               "c\xef\xbf\xbd");
    T_EQ_STR(pt(pool, "1 < 2 and <3").text, "1 < 2 and <3");
    T_EQ_STR(pt(pool, "<p>unclosed <b").text, "unclosed");
    T_EQ_STR(pt(pool, "").text, "");
    jy_pool_destroy(pool);
}


static void
test_links(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_plaintext p = pt(pool, "<p>见<a href=\" /a?x=1&amp;y=2 \">通知</a>。</p>"
                                     "<p><img src='/i.png' alt=图>和<a href=http://x.cn>外链</a>"
                                     "<a>无</a></p>");

    T_EQ_STR(p.text, "见通知。\n和外链无");
    T_EQ_INT(p.nlinks, 3);
    T_EQ_STR(p.links[0].url, "/a?x=1&y=2");
    T_EQ_INT(p.links[0].offset, 3);
    T_EQ_INT(p.links[0].len, 6);
    T_EQ_STR(p.links[1].url, "/i.png");
    T_EQ_INT(p.links[1].offset, 13);
    T_EQ_INT(p.links[1].len, 0);
    T_EQ_STR(p.links[2].url, "http://x.cn");
    T_EQ_INT(p.links[2].offset, 16);
    T_EQ_INT(p.links[2].len, 6);
    jy_pool_destroy(pool);
}


static void
test_position(void)
{
    const char *t = "第一段\n第二段文字\n\tx";
    int para;
    size_t chars;

    jy_plaintext_position(t, strlen(t), 0, &para, &chars);
    T_EQ_INT(para, 1);
    T_EQ_INT(chars, 0);
    jy_plaintext_position(t, strlen(t), 10 + 6, &para, &chars);
    T_EQ_INT(para, 2);
    T_EQ_INT(chars, 2);
    jy_plaintext_position(t, strlen(t), strlen(t), &para, &chars);
    T_EQ_INT(para, 3);
    T_EQ_INT(chars, 2);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_paragraphs),
        T_CASE(test_links),
        T_CASE(test_position),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
