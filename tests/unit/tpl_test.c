/*
 * tpl_test.c - core/tpl beyond the Mustache spec: compile errors with their
 * positions, filters, limits, escaping, loading, large templates.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/str.h"
#include "core/tpl.h"
#include "tests/test.h"

#include <cjson/cJSON.h>

/* Templates a test loader serves: name, text pairs ending with NULL. */
struct loader {
    const char *const *pairs;
    int calls;
};

static struct jy_pool *test_pool;
static struct jy_tpl_set *test_set;
static struct jy_err test_err;


static int
test_load(void *data, const char *name, struct jy_buf *text, struct jy_err *err)
{
    struct loader *l = data;

    l->calls++;
    if (strcmp(name, "io-error") == 0) {
        jy_err_set(err, JY_E_IO, "could not read \"%s\"", name);
        return JY_ERROR;
    }
    for (const char *const *p = l->pairs; p && p[0]; p += 2) {
        if (strcmp(p[0], name) == 0) {
            jy_buf_add_str(text, p[1]);
            return JY_OK;
        }
    }
    return JY_DECLINED;
}


static void
fresh(struct loader *l)
{
    jy_tpl_set_destroy(test_set);
    jy_pool_destroy(test_pool);
    test_set = jy_tpl_set_create(l ? test_load : NULL, l);
    test_pool = jy_pool_create(0);
    jy_err_clear(&test_err);
}


/* Compile and render; returns the output, or NULL with test_err filled. */
static const char *
render_with(const char *tmpl, const char *json, size_t cap)
{
    struct jy_buf out = JY_BUF_INIT(test_pool);
    const struct jy_tpl *t;
    cJSON *data = json ? cJSON_Parse(json) : NULL;
    int rc;

    if (json)
        T_ASSERT(data != NULL);
    jy_err_clear(&test_err);
    out.max = cap;
    t = jy_tpl_compile(test_set, "page", tmpl, strlen(tmpl), &test_err);
    if (t == NULL) {
        T_ASSERT(test_err.code == JY_E_INVALID);
        cJSON_Delete(data);
        return NULL;
    }
    T_EQ_STR(jy_tpl_name(t), "page");
    rc = jy_tpl_render(t, data, &out, &test_err);
    cJSON_Delete(data);
    T_ASSERT(out.buf[out.len] == '\0');
    T_EQ_INT(rc == JY_OK, test_err.code == JY_E_NONE);
    return rc == JY_OK ? out.buf : NULL;
}


static const char *
render(const char *tmpl, const char *json)
{
    return render_with(tmpl, json, 0);
}


/* The compile error message of tmpl. */
static const char *
compile_error(const char *tmpl)
{
    fresh(NULL);
    T_ASSERT(render(tmpl, "{}") == NULL);
    return test_err.msg;
}


static void
test_error_unclosed_section(void)
{
    T_EQ_STR(compile_error("<ul>\n  {{#items}}\n    <li>{{title}}</li>\n</ul>\n"),
             "template \"page\" line 2, column 3: unclosed section \"items\"");
    T_CONTAINS(test_err.hint, "{{/items}}");
    T_EQ_STR(compile_error("{{<layout}}{{$body}}x{{/body}}"),
             "template \"page\" line 1, column 1: unclosed parent \"layout\"");
    T_EQ_STR(compile_error("a\n\n{{^empty}}"),
             "template \"page\" line 3, column 1: unclosed inverted section \"empty\"");
}


static void
test_error_mismatched_close(void)
{
    T_EQ_STR(compile_error("{{#items}}\n{{#item}}x{{/items}}\n{{/item}}"),
             "template \"page\" line 2, column 11: closing tag \"items\" does not match open "
             "section \"item\"");
    T_CONTAINS(test_err.detail, "line 2, column 1");
    T_EQ_STR(compile_error("text {{/items}}"),
             "template \"page\" line 1, column 6: closing tag \"items\" without an open section");
}


static void
test_error_unclosed_tag(void)
{
    T_EQ_STR(compile_error("line one\n  <p>{{title</p>\n"),
             "template \"page\" line 2, column 6: unclosed tag: \"{{\" without \"}}\"");
    T_EQ_STR(compile_error("{{{raw}}"),
             "template \"page\" line 1, column 1: unclosed tag: \"{{{\" without \"}}}\"");
    T_EQ_STR(compile_error("{{! never ends"),
             "template \"page\" line 1, column 1: unclosed tag: \"{{!\" without \"}}\"");
    /* after a delimiter change the closing delimiter is the new one */
    T_EQ_STR(compile_error("{{=<% %>=}}\n<% name }}"),
             "template \"page\" line 2, column 1: unclosed tag: \"<%\" without \"%>\"");
    /* columns count characters, not bytes */
    T_EQ_STR(compile_error("标题：{{title"),
             "template \"page\" line 1, column 4: unclosed tag: \"{{\" without \"}}\"");
}


static void
test_error_bad_delimiter(void)
{
    T_CONTAINS(compile_error("x\n{{=<%=}}"),
               "template \"page\" line 2, column 1: invalid set-delimiter tag \"<%\"");
    T_CONTAINS(compile_error("{{=<% %> x=}}"), "invalid set-delimiter tag");
    T_CONTAINS(compile_error("{{= a= b =}}"), "invalid set-delimiter tag");
    T_CONTAINS(compile_error("{{=abcdefghijklmnopq b=}}"), "invalid set-delimiter tag");
    T_CONTAINS(test_err.hint, "{{=<% %>=}}");
}


static void
test_error_names(void)
{
    T_EQ_STR(compile_error("a {{}} b"), "template \"page\" line 1, column 3: tag without a name");
    T_EQ_STR(
        compile_error("{{first name}}"),
        "template \"page\" line 1, column 1: invalid name \"first name\": white space inside a "
        "name");
    T_CONTAINS(compile_error("{{a..b}}"), "invalid name \"a..b\": empty part between dots");
    T_CONTAINS(compile_error("{{#.a}}{{/.a}}"), "empty part between dots");
    T_CONTAINS(compile_error("{{>}}"), "partial tag without a name");
    T_CONTAINS(compile_error("{{#a}}\n{{/a}}{{$}}{{/}}"), "block tag without a name");
}


static void
test_error_nesting(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf src = JY_BUF_INIT(pool);

    for (int i = 0; i < 150; i++)
        jy_buf_add_str(&src, "{{#a}}");
    T_CONTAINS(compile_error(src.buf), "sections nested more than 100 levels deep");
    jy_pool_destroy(pool);
}


static void
test_html_escaping(void)
{
    fresh(NULL);
    T_EQ_STR(render("{{s}}|{{{s}}}|{{& s}}", "{\"s\": \"<a href='x'>Tom & \\\"Jerry\\\"</a>\"}"),
             "&lt;a href=&#39;x&#39;&gt;Tom &amp; &quot;Jerry&quot;&lt;/a&gt;|"
             "<a href='x'>Tom & \"Jerry\"</a>|<a href='x'>Tom & \"Jerry\"</a>");
    /* Chinese text and its punctuation pass through untouched */
    T_EQ_STR(render("{{t}}", "{\"t\": \"关于“放管服”改革 & 《通知》\"}"),
             "关于“放管服”改革 &amp; 《通知》");
}


static void
test_values(void)
{
    fresh(NULL);
    T_EQ_STR(render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}}",
                    "{\"a\": 85, \"b\": 1.21, \"c\": true, \"d\": false, \"e\": null, "
                    "\"f\": {\"x\": 1}, \"g\": [1, 2]}"),
             "85 1.21 true false   ");
    T_EQ_STR(render("{{n}}|{{m}}|{{big}}|{{sum}}|{{z}}",
                    "{\"n\": -3, \"m\": 0.1, \"big\": 1e21, \"sum\": 0.30000000000000004, "
                    "\"z\": -0.0}"),
             "-3|0.1|1e+21|0.30000000000000004|0");
    /* falsey: "" and 0 as in JavaScript; "0" and {} are truthy */
    T_EQ_STR(render("{{#e}}E{{/e}}{{#z}}Z{{/z}}{{#s}}S{{/s}}{{#o}}O{{/o}}{{^e}}!e{{/e}}",
                    "{\"e\": \"\", \"z\": 0, \"s\": \"0\", \"o\": {}}"),
             "SO!e");
    /* digits index arrays after the first part */
    T_EQ_STR(render("{{items.1.title}}|{{items.9.title}}|{{#items.0}}{{title}}{{/items.0}}",
                    "{\"items\": [{\"title\": \"a\"}, {\"title\": \"b\"}]}"),
             "b||a");
    /* a NULL context is empty */
    T_EQ_STR(render("[{{x}}{{#x}}y{{/x}}{{^x}}n{{/x}}{{.}}]", NULL), "[n]");
}


static void
test_filter_truncate(void)
{
    fresh(NULL);
    T_EQ_STR(render("{{t | truncate 5}}", "{\"t\": \"abcdefgh\"}"), "abcd…");
    T_EQ_STR(render("{{t | truncate 8}}", "{\"t\": \"abcdefgh\"}"), "abcdefgh");
    T_EQ_STR(render("{{t | truncate 30}}", "{\"t\": \"short\"}"), "short");
    T_EQ_STR(render("{{t | truncate 6}}", "{\"t\": \"关于开展2024年度政务公开工作的通知\"}"),
             "关于开展2…");
    T_EQ_STR(render("{{t | truncate 1}}", "{\"t\": \"政务\"}"), "…");
    /* escaping comes after the filter, so an entity is never cut in half */
    T_EQ_STR(render("{{t | truncate 4}}", "{\"t\": \"a<b>cdef\"}"), "a&lt;b…");
    T_EQ_STR(render("{{{t | truncate 4}}}", "{\"t\": \"a<b>cdef\"}"), "a<b…");
    T_CONTAINS(compile_error("{{t | truncate}}"),
               "column 1: filter \"truncate\" takes 1 argument, not 0");
    T_CONTAINS(compile_error("{{t | truncate x}}"), "filter \"truncate\": invalid length \"x\"");
    T_CONTAINS(compile_error("{{t | truncate 0}}"), "invalid length \"0\"");
}


static void
test_filter_dates(void)
{
    const char *data =
        "{\"d\": \"2024-05-16T08:30:05+08:00\", \"day\": \"2024-05-16\", "
        "\"sp\": \"2023-12-01 23:59\", \"bad\": \"yesterday\", \"bm\": \"2024-13-01\"}";

    fresh(NULL);
    T_EQ_STR(render("{{d | date_cn}}|{{day | date_cn}}|{{sp | date_cn}}", data),
             "2024年05月16日|2024年05月16日|2023年12月01日");
    T_EQ_STR(render("{{d | date \"%Y-%m-%d %H:%M:%S\"}}", data), "2024-05-16 08:30:05");
    T_EQ_STR(render("{{day | date \"%Y/%m/%d %H:%M\"}}", data), "2024/05/16 00:00");
    T_EQ_STR(render("{{sp | date \"%H时%M分 100%% %q\"}}", data), "23时59分 100% %q");
    T_EQ_STR(render("{{d | date %d.%m.%Y}}", data), "16.05.2024");
    /* not a timestamp: written as stored, still escaped */
    T_EQ_STR(render("{{bad | date_cn}}|{{bm | date_cn}}|{{none | date_cn}}", data),
             "yesterday|2024-13-01|");
    T_EQ_STR(render("{{a | date_cn}}|{{b | date_cn}}|{{c | date_cn}}|{{d | date \"%S\"}}",
                    "{\"a\": \"2024-05-16 \", \"b\": \"2024-05-16T08\", \"c\": \"2024-05-16x\", "
                    "\"d\": \"2024-05-16T08:30:xx\"}"),
             "2024年05月16日|2024-05-16T08|2024-05-16x|2024-05-16T08:30:xx");
    T_CONTAINS(compile_error("{{d | date}}"), "filter \"date\" takes 1 argument, not 0");
    T_CONTAINS(compile_error("{{d | date \"%Y}}"), "unterminated string in filter arguments");
}


static void
test_filter_url_json_default(void)
{
    fresh(NULL);
    T_EQ_STR(render("/tag/{{t | url}}", "{\"t\": \"政务 公开/a&b\"}"),
             "/tag/%E6%94%BF%E5%8A%A1%20%E5%85%AC%E5%BC%80%2Fa%26b");
    T_EQ_STR(
        render("{{{o | json}}}", "{\"o\": {\"a\": [1, 2.5, true, null], \"b\": \"</script>\"}}"),
        "{\"a\":[1,2.5,true,null],\"b\":\"\\u003c/script\\u003e\"}");
    T_EQ_STR(render("{{{missing | json}}}|{{{n | json}}}|{{{s | truncate 4 | json}}}",
                    "{\"n\": 7, \"s\": \"it's long\"}"),
             "null|7|\"it\\u0027…\"");
    T_EQ_STR(render("{{{s | json}}}", "{\"s\": \"a\u2028b\u2029c\\u0001\"}"),
             "\"a\\u2028b\\u2029c\\u0001\"");
    /* {{ }} escapes the JSON for an HTML attribute */
    T_EQ_STR(render("<div data-x=\"{{o | json}}\">", "{\"o\": {\"k\": \"v\"}}"),
             "<div data-x=\"{&quot;k&quot;:&quot;v&quot;}\">");
    T_EQ_STR(render("{{a | default \"暂无\"}}|{{b | default none}}", "{\"b\": \"x\"}"), "暂无|x");
    /* filters chain left to right */
    T_EQ_STR(render("{{t | truncate 3 | url}}", "{\"t\": \"a b c d\"}"), "a%20%E2%80%A6");
    /* without spaces around '|' there is no filter: a name with '|' */
    T_EQ_STR(render("{{a|b}}", "{\"a|b\": \"pipe\"}"), "pipe");
    T_CONTAINS(compile_error("{{t | nosuch}}"), "unrecognized filter \"nosuch\"");
    T_CONTAINS(compile_error("{{t | url extra}}"), "filter \"url\" takes 0 arguments, not 1");
    T_CONTAINS(compile_error("{{t | }}"), "invalid filter name");
    T_CONTAINS(compile_error("{{#t | url}}{{/t | url}}"), "white space inside a name");
}


static int
upper_filter(const struct jy_tpl_filter_call *call, struct jy_buf *out, struct jy_err *err)
{
    (void) err;
    if (call->argc == 1 && jy_str_eq_cstr(call->argv[0], "fail")) {
        jy_err_set(err, JY_E_INVALID, "asked to fail");
        return JY_ERROR;
    }
    for (size_t i = 0; i < call->len; i++) {
        char c = call->text[i];
        jy_buf_add_char(out, c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c);
    }
    return JY_OK;
}


static void
test_filter_registry(void)
{
    static const struct jy_tpl_filter upper = {"upper", 0, 1, upper_filter, NULL, NULL};
    struct jy_tpl_filter bad = upper;
    struct jy_err err = JY_ERR_INIT;

    fresh(NULL);
    T_EQ_INT(jy_tpl_set_add_filter(test_set, &upper, &err), JY_OK);
    T_EQ_STR(render("{{t | upper}}", "{\"t\": \"a<b\"}"), "A&lt;B");
    T_EQ_INT(jy_tpl_set_add_filter(test_set, &upper, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_EQ_STR(err.msg, "filter \"upper\" is already registered");
    bad.name = "json";
    T_EQ_INT(jy_tpl_set_add_filter(test_set, &bad, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    bad.name = "Bad-Name";
    T_EQ_INT(jy_tpl_set_add_filter(test_set, &bad, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_CONTAINS(
        compile_error("{{t | json | url | json | url | json | url | json | url | json | url | "
                      "json | url | json | url | json | url | json}}"),
        "more than 16 filters in a tag");
    fresh(NULL);
    T_EQ_INT(jy_tpl_set_add_filter(test_set, &upper, &err), JY_OK);
    T_ASSERT(render("{{t | upper a b}}", "{}") == NULL);
    T_CONTAINS(test_err.msg, "filter \"upper\" takes 0 to 1 arguments, not 2");
    bad = upper;
    bad.name = "nofn";
    bad.fn = NULL;
    T_EQ_INT(jy_tpl_set_add_filter(test_set, &bad, &err), JY_ERROR);
    T_EQ_STR(err.msg, "invalid filter \"nofn\": needs a name, a function and 0 to 8 arguments");
    /* an error of a filter ends the render with the tag's position */
    T_ASSERT(render("x\n  {{t | upper fail}}", "{\"t\": \"a\"}") == NULL);
    T_EQ_STR(test_err.msg, "template \"page\" line 2, column 3: filter \"upper\": asked to fail");
}


static void
test_recursion_limit(void)
{
    static const char *const pairs[] = {
        "self", "[{{>self}}]", "node", "{{name}}{{#kids}}({{>node}}){{/kids}}", NULL,
    };
    struct loader l = {pairs, 0};

    fresh(&l);
    T_ASSERT(render("a {{>self}}", "{}") == NULL);
    T_EQ_INT(test_err.code, JY_E_INVALID);
    T_EQ_STR(
        test_err.msg,
        "template \"self\" line 1, column 2: partial \"self\" nested more than 200 levels deep");
    T_CONTAINS(test_err.hint, "{{#children}}{{>node}}{{/children}}");
    /* recursion that ends with the data is fine */
    T_EQ_STR(render("{{>node}}", "{\"name\": \"a\", \"kids\": [{\"name\": \"b\", \"kids\": "
                                 "[{\"name\": \"c\", \"kids\": []}]}, {\"name\": \"d\", "
                                 "\"kids\": []}]}"),
             "a(b(c))(d)");
    /*
     * Without "kids": [] at the leaves, the lookup of kids walks up the
     * context stack to the parent's list and never ends: the limit says so.
     */
    T_ASSERT(render("{{>node}}", "{\"name\": \"a\", \"kids\": [{\"name\": \"b\"}]}") == NULL);
    T_CONTAINS(test_err.msg, "partial \"node\" nested more than 200 levels deep");
    /* a lower limit */
    jy_tpl_set_limits(test_set, 5, 0);
    T_ASSERT(render("{{>self}}", "{}") == NULL);
    T_CONTAINS(test_err.msg, "nested more than 5 levels deep");
}


static void
test_step_limit(void)
{
    /* 10^6 passes over a bounded depth: only the step count stops it */
    fresh(NULL);
    jy_tpl_set_limits(test_set, 0, 100000);
    T_ASSERT(render("{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}x{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}",
                    "{\"l\": [0,1,2,3,4,5,6,7,8,9]}") == NULL);
    T_EQ_STR(test_err.msg, "rendering template \"page\" stopped after 100000 steps");
    T_CONTAINS(test_err.hint, "without end");
}


static void
test_output_cap(void)
{
    fresh(NULL);
    T_ASSERT(render_with("{{#l}}0123456789{{/l}}", "{\"l\": [1,2,3,4,5,6,7,8,9,10]}", 55) == NULL);
    T_EQ_INT(test_err.code, JY_E_TOO_LARGE);
    T_EQ_STR(test_err.msg, "page rendered from template \"page\" is larger than 55 bytes");
    T_EQ_STR(render_with("{{#l}}0123456789{{/l}}", "{\"l\": [1,2,3,4,5]}", 55),
             "01234567890123456789012345678901234567890123456789");
}


static void
test_loader(void)
{
    static const char *const pairs[] = {
        "header", "<h1>{{title}}</h1>\n", "broken", "ok\n{{#x}}", NULL,
    };
    struct loader l = {pairs, 0};
    const struct jy_tpl *t;
    struct jy_err err = JY_ERR_INIT;

    fresh(&l);
    T_EQ_STR(render("{{>header}}{{>header}}{{>missing}}{{>missing}}.", "{\"title\": \"T\"}"),
             "<h1>T</h1>\n<h1>T</h1>\n.");
    T_EQ_INT(l.calls, 2); /* compiled once, absence remembered */
    t = jy_tpl_set_load(test_set, "header", &err);
    T_ASSERT(t != NULL);
    T_EQ_STR(jy_tpl_name(t), "header");
    T_ASSERT(jy_tpl_set_load(test_set, "missing", &err) == NULL);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_EQ_STR(err.msg, "template \"missing\" does not exist");
    T_EQ_INT(l.calls, 2);

    /* a partial that does not compile fails the render, naming both places */
    T_ASSERT(render("a\n {{>broken}}", "{}") == NULL);
    T_EQ_STR(test_err.msg, "template \"broken\" line 2, column 1: unclosed section \"x\"");
    T_EQ_STR(test_err.detail, "Included from template \"page\" line 2, column 2.");
    /* a loader failure is passed on */
    T_ASSERT(render("{{>io-error}}", "{}") == NULL);
    T_EQ_INT(test_err.code, JY_E_IO);
    T_EQ_STR(test_err.msg, "could not read \"io-error\"");

    /* without a loader only compiled templates exist */
    fresh(NULL);
    T_EQ_STR(render("[{{>header}}]", "{}"), "[]");
}


static void
test_recompile(void)
{
    struct jy_err err = JY_ERR_INIT;
    const struct jy_tpl *a, *b;

    fresh(NULL);
    a = jy_tpl_compile(test_set, "p", "one", 3, &err);
    T_ASSERT(a != NULL);
    T_EQ_STR(render("{{>p}}", "{}"), "one");
    b = jy_tpl_compile(test_set, "p", "two", 3, &err);
    T_ASSERT(b != NULL && b != a);
    T_EQ_STR(render("{{>p}}", "{}"), "two");
    /* a failed compile leaves the previous template in place */
    T_ASSERT(jy_tpl_compile(test_set, "p", "{{#x}}", 6, &err) == NULL);
    T_EQ_STR(render("{{>p}}", "{}"), "two");
    /* NUL bytes are text like any other */
    T_ASSERT(jy_tpl_compile(test_set, "p", "a\0b", 3, &err) != NULL);
}


/* Enough templates to grow the set's table; each stays reachable by name. */
static void
test_many_templates(void)
{
    struct jy_err err = JY_ERR_INIT;
    char name[32], text[32];

    fresh(NULL);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "t%d", i);
        snprintf(text, sizeof(text), "<%d>", i);
        T_ASSERT(jy_tpl_compile(test_set, name, text, strlen(text), &err) != NULL);
    }
    for (int i = 0; i < 300; i += 37) {
        const struct jy_tpl *t;
        snprintf(name, sizeof(name), "t%d", i);
        t = jy_tpl_set_load(test_set, name, &err);
        T_ASSERT(t != NULL);
        T_EQ_STR(jy_tpl_name(t), name);
    }
    T_EQ_STR(render("{{>t0}}{{>t150}}{{>t299}}", "{}"), "<0><150><299>");
}


static void
test_indentation(void)
{
    static const char *const pairs[] = {
        "list",   "<ul>\n{{#items}}\n  <li>{{.}}</li>\n{{/items}}\n</ul>\n",
        "box",    "<div>\n  {{>list}}\n</div>\n",
        "layout", "<body>\n  {{$main}}\n  <p>default</p>\n  {{/main}}\n</body>\n",
        NULL,
    };
    struct loader l = {pairs, 0};

    fresh(&l);
    /* indentation adds up through nested standalone partials */
    T_EQ_STR(render("<main>\n  {{>box}}\n</main>\n", "{\"items\": [\"a\", \"b\"]}"),
             "<main>\n  <div>\n    <ul>\n      <li>a</li>\n      <li>b</li>\n    </ul>\n"
             "  </div>\n</main>\n");
    /* data with newlines is not indented */
    T_EQ_STR(render("  {{>list}}", "{\"items\": [\"x\\ny\"]}"),
             "  <ul>\n    <li>x\ny</li>\n  </ul>\n");
    /* a block override is re-indented at the block's place */
    T_EQ_STR(render("{{<layout}}\n{{$main}}\n<h1>{{t}}</h1>\n<p>body</p>\n{{/main}}\n{{/layout}}\n",
                    "{\"t\": \"标题\"}"),
             "<body>\n  <h1>标题</h1>\n  <p>body</p>\n</body>\n");
    T_EQ_STR(render("{{<layout}}{{/layout}}", "{}"), "<body>\n  <p>default</p>\n</body>\n");
    /* empty lines of a partial stay empty */
    fresh(NULL);
    T_ASSERT(jy_tpl_compile(test_set, "p", "a\n\nb\r\n\r\nc", 9, &test_err) != NULL);
    T_EQ_STR(render("  {{>p}}\n", "{}"), "  a\n\n  b\r\n\r\n  c");
}


/* A page of 5,000 articles, checked against the same text built by hand. */
static void
test_large(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf json = JY_BUF_INIT(pool), want = JY_BUF_INIT(pool), tmpl = JY_BUF_INIT(pool);
    const char *got;

    fresh(NULL);
    jy_buf_add_str(&json, "{\"site\": \"政府网站\", \"articles\": [");
    for (int i = 0; i < 5000; i++)
        jy_buf_addf(&json, "%s{\"id\": %d, \"title\": \"通知 <%d> & 公告\", \"top\": %s}",
                    i ? "," : "", i, i, i % 7 == 0 ? "true" : "false");
    jy_buf_add_str(&json, "]}");
    /* the template itself is large: a long header of text and tags */
    for (int i = 0; i < 2000; i++)
        jy_buf_addf(&tmpl, "<meta name=\"m%d\" content=\"{{site}}\">\n", i);
    jy_buf_add_str(&tmpl, "<ul>\n{{#articles}}\n  <li id=\"a{{id}}\">{{#top}}[置顶] "
                          "{{/top}}{{title}} - {{site}}</li>\n{{/articles}}\n</ul>\n");
    for (int i = 0; i < 2000; i++)
        jy_buf_addf(&want, "<meta name=\"m%d\" content=\"政府网站\">\n", i);
    jy_buf_add_str(&want, "<ul>\n");
    for (int i = 0; i < 5000; i++)
        jy_buf_addf(&want, "  <li id=\"a%d\">%s通知 &lt;%d&gt; &amp; 公告 - 政府网站</li>\n", i,
                    i % 7 == 0 ? "[置顶] " : "", i);
    jy_buf_add_str(&want, "</ul>\n");
    got = render(tmpl.buf, json.buf);
    T_ASSERT(got != NULL);
    T_EQ_INT(strlen(got), want.len);
    T_ASSERT(strcmp(got, want.buf) == 0);
    jy_pool_destroy(pool);
}


static void
test_cleanup(void)
{
    jy_tpl_set_destroy(test_set);
    jy_pool_destroy(test_pool);
    test_set = NULL;
    test_pool = NULL;
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_error_unclosed_section),
        T_CASE(test_error_mismatched_close),
        T_CASE(test_error_unclosed_tag),
        T_CASE(test_error_bad_delimiter),
        T_CASE(test_error_names),
        T_CASE(test_error_nesting),
        T_CASE(test_html_escaping),
        T_CASE(test_values),
        T_CASE(test_filter_truncate),
        T_CASE(test_filter_dates),
        T_CASE(test_filter_url_json_default),
        T_CASE(test_filter_registry),
        T_CASE(test_recursion_limit),
        T_CASE(test_step_limit),
        T_CASE(test_output_cap),
        T_CASE(test_loader),
        T_CASE(test_recompile),
        T_CASE(test_many_templates),
        T_CASE(test_indentation),
        T_CASE(test_large),
        T_CASE(test_cleanup),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
