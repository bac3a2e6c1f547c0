/*
 * json_test.c - tests of core/json.c: strict parsing with line and column
 * in errors, limits, getters whose messages name the field path, printing
 * and the print/parse round trip.
 */
#include "core/compat.h"
#include "tests/test.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/utf8.h"

#include <limits.h>
#include <math.h>

#include <cjson/cJSON.h>

static struct jy_pool *pool;
static struct jy_err err;


static void
fresh(void)
{
    jy_pool_destroy(pool);
    pool = jy_pool_create(0);
    jy_err_clear(&err);
}


static cJSON *
parse(const char *text)
{
    return jy_json_parse(pool, text, strlen(text), &err);
}


/* Parsing fails with exactly this message. */
#define T_PARSE_FAILS(text, message)   \
    do {                               \
        jy_err_clear(&err);            \
        T_ASSERT(parse(text) == NULL); \
        T_EQ_STR(err.msg, (message));  \
    } while (0)


static const char *
print(const cJSON *item)
{
    struct jy_buf b = JY_BUF_INIT(pool);

    T_EQ_INT(jy_json_print(item, &b), JY_OK);
    return b.buf;
}


static void
test_parse_valid(void)
{
    cJSON *t;
    const char *text = "{\"code\": \"1304000009\", \"name\": \"吉林省人民政府\", "
                       "\"tags\": [\"政务\", \"公开\"], \"size\": -12.5e1, \"ok\": true, "
                       "\"none\": null, \"empty\": {}, \"list\": []}";

    fresh();
    t = jy_json_parse(pool, text, strlen(text), &err);
    T_ASSERT(t != NULL);
    T_EQ_STR(cJSON_GetObjectItemCaseSensitive(t, "name")->valuestring, "吉林省人民政府");
    T_ASSERT(cJSON_GetObjectItemCaseSensitive(t, "size")->valuedouble == -125.0);
    /* the text need not be NUL-terminated: only len bytes are read */
    t = jy_json_parse(pool, "[1,2]garbage", 5, &err);
    T_ASSERT(t != NULL && cJSON_GetArraySize(t) == 2);
    /* the tree belongs to the pool: destroying it frees the tree (ASan checks) */
    jy_pool_destroy(pool);
    pool = NULL;
}


static void
test_syntax_error_line_and_column(void)
{
    fresh();
    T_PARSE_FAILS("{\n  \"a\": 1,\n  \"b\": }\n",
                  "invalid JSON at line 3, column 8: unexpected \"}\"");
    T_EQ_INT(err.code, JY_E_INVALID);
    T_PARSE_FAILS("[1 2]", "invalid JSON at line 1, column 4: unexpected \"2\"");
    T_PARSE_FAILS("[tru]", "invalid JSON at line 1, column 2: unexpected \"tru\"");
    T_PARSE_FAILS("{\"a\" 1}", "invalid JSON at line 1, column 6: unexpected \"1\"");
    T_PARSE_FAILS("[1,2,]", "invalid JSON at line 1, column 6: unexpected \"]\"");
    T_PARSE_FAILS("{'a': 1}", "invalid JSON at line 1, column 2: unexpected \"'a'\"");
    /* where a key is missing, cJSON points one too far: the message does not */
    T_PARSE_FAILS("{\"a\": 1,}", "invalid JSON at line 1, column 9: unexpected \"}\"");
    T_PARSE_FAILS("{\"a\": [1], x}", "invalid JSON at line 1, column 12: unexpected \"x\"");
    T_PARSE_FAILS("[1,2x]", "invalid JSON at line 1, column 5: unexpected \"x\"");
    T_PARSE_FAILS("{\"a\":2x}", "invalid JSON at line 1, column 7: unexpected \"x\"");
}


static void
test_column_counts_characters(void)
{
    fresh();
    /* {"名称": tru} - the error is at the 8th character, the 12th byte */
    T_PARSE_FAILS("{\"名称\": tru}", "invalid JSON at line 1, column 8: unexpected \"tru\"");
    T_PARSE_FAILS("{\"a\": \"中文\",\n\"b\": \"文\" x}",
                  "invalid JSON at line 2, column 10: unexpected \"x\"");
}


static void
test_end_of_text_and_trailing(void)
{
    fresh();
    T_PARSE_FAILS("{\"a\": [1, 2", "invalid JSON at line 1, column 12: unexpected end of text");
    T_PARSE_FAILS("{\"a\":", "invalid JSON at line 1, column 6: unexpected end of text");
    T_PARSE_FAILS("{} x",
                  "invalid JSON at line 1, column 4: unexpected \"x\" after the end of the value");
    T_PARSE_FAILS("[1]\n\n]",
                  "invalid JSON at line 3, column 1: unexpected \"]\" after the end of the value");
    T_PARSE_FAILS("", "invalid JSON: the text is empty");
    T_PARSE_FAILS(" \n\t", "invalid JSON: the text is empty");
    T_ASSERT(parse(" [1]\r\n ") != NULL); /* blanks around the value are fine */
}


static void
test_strict_strings(void)
{
    cJSON *t;

    fresh();
    T_PARSE_FAILS("[\"abc", "invalid JSON at line 1, column 2: string is not closed (missing \")");
    T_PARSE_FAILS("[\"abc\\",
                  "invalid JSON at line 1, column 2: string is not closed (missing \")");
    T_PARSE_FAILS("[\"abc\\\"]",
                  "invalid JSON at line 1, column 2: string is not closed (missing \")");
    T_PARSE_FAILS(
        "[\"a\tb\"]",
        "invalid JSON at line 1, column 4: control character U+0009 in a string (write it as \\u0009)");
    T_PARSE_FAILS("[\"a\\xb\"]",
                  "invalid JSON at line 1, column 4: invalid escape \"\\x\" in a string");
    T_PARSE_FAILS(
        "[\"\\u12\"]",
        "invalid JSON at line 1, column 3: invalid escape \"\\u12\"]\" in a string (\\u takes 4 hex digits)");
    T_PARSE_FAILS("[\"ab\\u0000cd\"]",
                  "invalid JSON at line 1, column 5: \"\\u0000\" is not allowed in a string");
    T_PARSE_FAILS(
        "[\"\\ud800\"]",
        "invalid JSON at line 1, column 3: invalid escape \"\\ud800\" in a string (unpaired surrogate)");
    T_PARSE_FAILS(
        "[\"\\udc00\\ud800\"]",
        "invalid JSON at line 1, column 3: invalid escape \"\\udc00\" in a string (unpaired surrogate)");
    T_PARSE_FAILS(
        "[\"\\ud800\\u0041\"]",
        "invalid JSON at line 1, column 3: invalid escape \"\\ud800\" in a string (unpaired surrogate)");
    t = parse("[\"\\ud83d\\ude00 \\u4e2d \\\"\\\\\\/\\b\\f\\n\\r\\t\"]");
    T_ASSERT(t != NULL);
    T_EQ_STR(cJSON_GetArrayItem(t, 0)->valuestring, "😀 中 \"\\/\b\f\n\r\t");
}


static void
test_invalid_utf8_and_controls(void)
{
    fresh();
    T_PARSE_FAILS("{\"a\":\n \"b\xff\"}", "invalid JSON at line 2, column 4: not valid UTF-8");
    T_PARSE_FAILS("[\"\xe4\xb8\"]", "invalid JSON at line 1, column 3: not valid UTF-8");
    T_PARSE_FAILS("\x01[1]",
                  "invalid JSON at line 1, column 1: unexpected control character U+0001");
    T_ASSERT(jy_json_parse(pool, "[1]\0", 4, &err) == NULL);
    T_EQ_STR(err.msg, "invalid JSON at line 1, column 4: unexpected control character U+0000");
    /* a byte order mark at the start is skipped; columns count after it */
    T_ASSERT(parse("\xEF\xBB\xBF{\"a\": 1}") != NULL);
    T_PARSE_FAILS("\xEF\xBB\xBF{x}", "invalid JSON at line 1, column 2: unexpected \"x\"");
}


static void
test_strict_numbers(void)
{
    cJSON *t;

    fresh();
    T_PARSE_FAILS("[01]", "invalid JSON at line 1, column 2: invalid number \"01\"");
    T_PARSE_FAILS("[1.]", "invalid JSON at line 1, column 2: invalid number \"1.\"");
    T_PARSE_FAILS("[-]", "invalid JSON at line 1, column 2: invalid number \"-\"");
    T_PARSE_FAILS("[1e]", "invalid JSON at line 1, column 2: invalid number \"1e\"");
    T_PARSE_FAILS("[1.5.2]", "invalid JSON at line 1, column 2: invalid number \"1.5.2\"");
    T_PARSE_FAILS("[+1]", "invalid JSON at line 1, column 2: unexpected \"+1\"");
    T_PARSE_FAILS("[.5]", "invalid JSON at line 1, column 2: unexpected \".5\"");
    T_PARSE_FAILS("[1e999]", "invalid JSON at line 1, column 2: number \"1e999\" is too large");
    T_PARSE_FAILS("[-1e400]", "invalid JSON at line 1, column 2: number \"-1e400\" is too large");
    {
        char text[80] = "[1";
        memset(text + 2, '0', 63); /* 64 digits */
        memcpy(text + 65, "]", 2);
        T_PARSE_FAILS(
            text,
            "invalid JSON at line 1, column 2: number \"100000000000…\" is too long (at most 63 characters)");
        text[64] = ']';
        text[65] = '\0';
        T_ASSERT(parse(text) != NULL); /* 63 digits */
    }
    T_PARSE_FAILS("[NaN]", "invalid JSON at line 1, column 2: unexpected \"NaN\"");
    t = parse("[0, -0, 1e-400, 0.5E+3, -12.25e-2, 9007199254740993]");
    T_ASSERT(t != NULL);
    T_ASSERT(cJSON_GetArrayItem(t, 2)->valuedouble == 0.0); /* underflow is zero, not an error */
    T_ASSERT(cJSON_GetArrayItem(t, 3)->valuedouble == 500.0);
    T_ASSERT(cJSON_GetArrayItem(t, 4)->valuedouble == -0.1225);
}


static void
test_depth_limit(void)
{
    static char text[300000];
    size_t i;

    fresh();
    for (i = 0; i < JY_JSON_MAX_DEPTH; i++)
        text[i] = '[';
    for (i = 0; i < JY_JSON_MAX_DEPTH; i++)
        text[JY_JSON_MAX_DEPTH + i] = ']';
    text[2 * JY_JSON_MAX_DEPTH] = '\0';
    T_ASSERT(parse(text) != NULL); /* exactly the limit */

    memmove(text + 1, text, strlen(text) + 1);
    text[0] = '{';
    T_ASSERT(parse(text) == NULL);
    T_EQ_STR(
        err.msg,
        "invalid JSON at line 1, column 65: arrays and objects are nested deeper than 64 levels");

    /* far deeper than any stack would take: refused before cJSON recurses */
    memset(text, '[', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    T_ASSERT(parse(text) == NULL);
    T_CONTAINS(err.msg, "nested deeper than 64 levels");
    /* brackets inside strings do not count */
    T_ASSERT(
        parse("[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]") !=
        NULL);
}


static void
test_size_limit(void)
{
    char *text = malloc(JY_JSON_MAX_SIZE + 2);

    T_ASSERT(text != NULL);
    fresh();
    /* a string of exactly the maximum size is accepted */
    memset(text, 'a', JY_JSON_MAX_SIZE);
    text[0] = '"';
    text[JY_JSON_MAX_SIZE - 1] = '"';
    T_ASSERT(jy_json_parse(pool, text, JY_JSON_MAX_SIZE, &err) != NULL);
    text[JY_JSON_MAX_SIZE] = ' ';
    T_ASSERT(jy_json_parse(pool, text, JY_JSON_MAX_SIZE + 1, &err) == NULL);
    T_EQ_INT(err.code, JY_E_TOO_LARGE);
    T_EQ_STR(err.msg, "JSON text is too large (8388609 bytes, at most 8388608)");
    free(text);
    jy_pool_destroy(pool);
    pool = NULL;
}


static void
test_duplicate_keys(void)
{
    struct jy_buf b;
    int i;

    fresh();
    T_PARSE_FAILS(
        "{\"sites\": [{\"code\": \"1\"}, {\"code\": \"2\", \"name\": \"x\", \"code\": \"3\"}]}",
        "invalid JSON: field \"sites[1].code\" appears more than once");
    T_EQ_STR(err.field, "sites[1].code");
    /* a large object takes the sorting path */
    jy_buf_init(&b, pool, 0);
    jy_buf_add_char(&b, '{');
    for (i = 0; i < 100; i++)
        jy_buf_addf(&b, "\"k%d\": %d, ", i, i);
    jy_buf_add_str(&b, "\"k57\": 0}");
    T_ASSERT(jy_json_parse(pool, b.buf, b.len, &err) == NULL);
    T_EQ_STR(err.msg, "invalid JSON: field \"k57\" appears more than once");
    jy_buf_setlen(&b, b.len - 9);
    jy_buf_add_str(&b, "\"k100\": 0}");
    T_ASSERT(jy_json_parse(pool, b.buf, b.len, &err) != NULL);
}


static const char site_json[] =
    "{\"sites\": [\n"
    "  {\"code\": \"1304000009\", \"name\": \"吉林省人民政府\", \"workers\": 4, \"public\": true,\n"
    "   \"status\": \"published\", \"ratio\": 0.5, \"hosts\": [\"www.jl.gov.cn\", \"jl.gov.cn\"]},\n"
    "  {\"code\": 1304000010, \"name\": null, \"workers\": 1.5, \"public\": \"yes\",\n"
    "   \"status\": \"pub\", \"ratio\": 2, \"hosts\": \"x\", \"nmae\": \"typo\"}\n"
    "], \"meta\": {\"a.b\": 1, \"版本\": \"2\"}}";

static void
test_getters_ok(void)
{
    static const char *const statuses[] = {"draft", "published", NULL};
    struct jy_json_node root, sites, site, hosts, host;
    const char *code = NULL, *name = NULL, *missing = "default";
    long long workers = 0;
    bool pub = false;
    double ratio = 0;
    int status = -1;
    size_t n = 0;
    cJSON *t;

    fresh();
    t = parse(site_json);
    T_ASSERT(t != NULL);
    jy_json_root(&root, t);
    T_EQ_INT(jy_json_get_array(&root, "sites", true, &sites, &n, &err), JY_OK);
    T_EQ_INT(n, 2);
    T_ASSERT(jy_json_first(&sites, &site));
    T_EQ_INT(jy_json_get_str_chars(&site, "code", true, 10, 10, &code, &err), JY_OK);
    T_EQ_STR(code, "1304000009");
    /* seven Chinese characters are seven characters, not 21 bytes */
    T_EQ_INT(jy_json_get_str_chars(&site, "name", true, 1, 7, &name, &err), JY_OK);
    T_EQ_STR(name, "吉林省人民政府");
    T_EQ_INT(jy_json_get_int(&site, "workers", true, 1, 256, &workers, &err), JY_OK);
    T_EQ_INT(workers, 4);
    T_EQ_INT(jy_json_get_bool(&site, "public", true, &pub, &err), JY_OK);
    T_ASSERT(pub);
    T_EQ_INT(jy_json_get_enum(&site, "status", true, statuses, &status, &err), JY_OK);
    T_EQ_INT(status, 1);
    T_EQ_INT(jy_json_get_num(&site, "ratio", true, 0, 1, &ratio, &err), JY_OK);
    T_ASSERT(ratio == 0.5);
    /* optional and absent: JY_OK, the default stays */
    T_EQ_INT(jy_json_get_str(&site, "missing", false, &missing, &err), JY_OK);
    T_EQ_STR(missing, "default");
    T_ASSERT(!jy_json_has(&site, "missing"));
    T_ASSERT(jy_json_has(&site, "hosts"));
    T_EQ_INT(jy_json_get_array(&site, "hosts", true, &hosts, &n, &err), JY_OK);
    T_EQ_INT(n, 2);
    n = 0;
    for (jy_json_first(&hosts, &host); host.item; jy_json_next(&host)) {
        const char *h = NULL;
        T_EQ_INT(jy_json_get_str(&host, NULL, true, &h, &err), JY_OK); /* the element itself */
        T_EQ_INT(host.index, n);
        n++;
    }
    T_EQ_INT(n, 2);
    T_ASSERT(jy_json_next(&site));
    T_ASSERT(!jy_json_next(&site));
    T_ASSERT(site.item == NULL);
}


static void
test_getter_errors_name_the_path(void)
{
    static const char *const statuses[] = {"draft", "published", NULL};
    struct jy_json_node root, sites, site;
    const char *s = "keep";
    long long v = 7;
    bool b = false;
    double d = 0;
    int e = 0;

    fresh();
    jy_json_root(&root, parse(site_json));
    T_EQ_INT(jy_json_get_array(&root, "sites", true, &sites, NULL, &err), JY_OK);
    jy_json_first(&sites, &site);
    jy_json_next(&site); /* sites[1], the broken one */

    T_EQ_INT(jy_json_get_str(&site, "code", true, &s, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"sites[1].code\" must be a string, not 1304000010");
    T_EQ_STR(err.field, "sites[1].code");
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_STR(s, "keep"); /* untouched on error */
    T_EQ_INT(jy_json_get_str(&site, "name", true, &s, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"sites[1].name\" must be a string, not null");
    T_EQ_INT(jy_json_get_str(&site, "name", false, &s, &err), JY_OK); /* null = absent */
    T_EQ_INT(jy_json_get_str(&site, "title", true, &s, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"sites[1].title\" is required");
    T_EQ_INT(jy_json_get_int(&site, "workers", true, 1, 256, &v, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"sites[1].workers\" must be a whole number from 1 to 256, not 1.5");
    T_EQ_INT(v, 7);
    T_EQ_INT(jy_json_get_bool(&site, "public", true, &b, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"sites[1].public\" must be true or false, not \"yes\"");
    T_EQ_INT(jy_json_get_enum(&site, "status", true, statuses, &e, &err), JY_ERROR);
    T_EQ_STR(err.msg,
             "field \"sites[1].status\" must be one of \"draft\", \"published\", not \"pub\"");
    T_EQ_INT(jy_json_get_num(&site, "ratio", true, 0, 1, &d, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"sites[1].ratio\" must be a number from 0 to 1, not 2");
    T_EQ_INT(jy_json_get_array(&site, "hosts", true, &root, NULL, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"sites[1].hosts\" must be an array, not \"x\"");
    T_EQ_INT(jy_json_get_object(&site, "hosts", true, &root, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"sites[1].hosts\" must be an object, not \"x\"");
    /* asking a member of something that is not an object */
    T_EQ_INT(jy_json_get_str(&sites, "code", true, &s, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"sites\" must be an object, not an array");
}


static void
test_string_length_rules(void)
{
    struct jy_json_node root;
    const char *s = NULL;

    fresh();
    jy_json_root(
        &root,
        parse(
            "{\"code\": \"12345\", \"long\": \"这是一个很长很长很长很长很长很长很长很长的标题\", \"e\": \"\"}"));
    T_EQ_INT(jy_json_get_str_chars(&root, "code", true, 10, 10, &s, &err), JY_ERROR);
    T_EQ_STR(err.msg,
             "field \"code\" must be a string of 10 characters, not \"12345\" (5 characters)");
    T_EQ_INT(jy_json_get_str_chars(&root, "code", true, 0, 4, &s, &err), JY_ERROR);
    T_EQ_STR(
        err.msg,
        "field \"code\" must be a string of at most 4 characters, not \"12345\" (5 characters)");
    T_EQ_INT(jy_json_get_str_chars(&root, "code", true, 6, SIZE_MAX, &s, &err), JY_ERROR);
    T_CONTAINS(err.msg, "must be a string of at least 6 characters");
    T_EQ_INT(jy_json_get_str_chars(&root, "e", true, 1, SIZE_MAX, &s, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"e\" must be a non-empty string, not \"\" (0 characters)");
    T_EQ_INT(jy_json_get_str_chars(&root, "long", true, 2, 10, &s, &err), JY_ERROR);
    /* the value shown is cut on a character boundary, with … */
    T_EQ_STR(
        err.msg,
        "field \"long\" must be a string of 2 to 10 characters, not \"这是一个很长很长\xe2\x80\xa6\" (23 characters)");
    T_ASSERT(jy_utf8_valid(err.msg, strlen(err.msg), NULL));
}


static void
test_loader_message_with_prefix(void)
{
    struct jy_json_node root, sites, site, s;
    const char *code = NULL, *name = NULL;

    fresh();
    jy_json_root(&root, parse("{\"sites\": [{\"name\": \"xx\", \"code\": 42}]}"));
    T_EQ_INT(jy_json_get_array(&root, "sites", true, &sites, NULL, &err), JY_OK);
    jy_json_first(&sites, &site);
    /* a loader that names the site itself starts a relative path at it */
    jy_json_root(&s, site.item);
    T_EQ_INT(jy_json_get_str(&s, "name", true, &name, &err), JY_OK);
    T_EQ_INT(jy_json_get_str_chars(&s, "code", true, 10, 10, &code, &err), JY_ERROR);
    jy_err_prefix(&err, "%s: site \"%s\"", "sites/demo.json", name);
    T_EQ_STR(
        err.msg,
        "sites/demo.json: site \"xx\": field \"code\" must be a string of 10 characters, not 42");
    T_EQ_STR(err.field, "code");
}


static void
test_optional_absent_containers(void)
{
    struct jy_json_node root, opts, it;
    const char *s = "def";
    size_t n = 9;

    fresh();
    jy_json_root(&root, parse("{\"a\": 1, \"b\": null}"));
    T_EQ_INT(jy_json_get_object(&root, "options", false, &opts, &err), JY_OK);
    T_ASSERT(opts.item == NULL);
    /* an absent optional object has only absent members */
    T_EQ_INT(jy_json_get_str(&opts, "theme", false, &s, &err), JY_OK);
    T_EQ_STR(s, "def");
    T_EQ_INT(jy_json_get_str(&opts, "theme", true, &s, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"options.theme\" is required");
    T_ASSERT(!jy_json_first(&opts, &it));
    T_EQ_INT(jy_json_get_array(&root, "b", false, &opts, &n, &err), JY_OK);
    T_EQ_INT(n, 0);
    T_ASSERT(opts.item == NULL);
    T_EQ_INT(jy_json_get_array(&root, "b", true, &opts, &n, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"b\" must be an array, not null");
}


static void
test_int_limits(void)
{
    struct jy_json_node root;
    long long v = 0;

    fresh();
    jy_json_root(&root,
                 parse("{\"big\": 9007199254740992, \"huge\": 1e20, \"neg\": -3, \"s\": \"3\"}"));
    T_EQ_INT(jy_json_get_int(&root, "big", true, LLONG_MIN, LLONG_MAX, &v, &err), JY_OK);
    T_EQ_INT(v, 9007199254740992LL);
    T_EQ_INT(jy_json_get_int(&root, "huge", true, LLONG_MIN, LLONG_MAX, &v, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"huge\" must be a whole number, not 1e+20");
    T_EQ_INT(jy_json_get_int(&root, "neg", true, 0, 10, &v, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"neg\" must be a whole number from 0 to 10, not -3");
    T_EQ_INT(jy_json_get_int(&root, "s", true, 0, 10, &v, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"s\" must be a whole number from 0 to 10, not \"3\"");
    T_EQ_INT(jy_json_get_int(&root, "neg", true, -3, -3, &v, &err), JY_OK);
    T_EQ_INT(v, -3);
}


static void
test_iterate_object_and_paths(void)
{
    struct jy_json_node root, meta, m;
    char path[64];
    int n = 0;

    fresh();
    jy_json_root(&root, parse(site_json));
    T_EQ_INT(jy_json_get_object(&root, "meta", true, &meta, &err), JY_OK);
    for (jy_json_first(&meta, &m); m.item; jy_json_next(&m)) {
        jy_json_path(&m, NULL, path, sizeof(path));
        if (n == 0) {
            T_EQ_STR(m.key, "a.b");
            T_EQ_STR(path, "meta[\"a.b\"]"); /* not a plain word: quoted */
        } else {
            T_EQ_STR(m.key, "版本");
            T_EQ_STR(path, "meta.版本");
        }
        n++;
    }
    T_EQ_INT(n, 2);
    T_EQ_INT(jy_json_path(&root, NULL, path, sizeof(path)), 0);
    T_EQ_STR(path, "");
    /* a path that does not fit is cut on a character boundary */
    jy_json_path(&meta, "版本版本版本", path, 12);
    T_EQ_STR(path, "meta.版本");
}


static void
test_check_keys(void)
{
    static const char *const known[] = {"code",   "name",  "workers", "public",
                                        "status", "ratio", "hosts",   NULL};
    static const char *const none[] = {NULL};
    struct jy_json_node root, sites, site;

    fresh();
    jy_json_root(&root, parse(site_json));
    jy_json_get_array(&root, "sites", true, &sites, NULL, &err);
    jy_json_first(&sites, &site);
    T_EQ_INT(jy_json_check_keys(&site, known, &err), JY_OK);
    jy_json_next(&site);
    T_EQ_INT(jy_json_check_keys(&site, known, &err), JY_ERROR);
    T_EQ_STR(err.msg, "unrecognized field \"sites[1].nmae\"");
    T_EQ_STR(err.hint, "Known fields: code, name, workers, public, status, ratio, hosts.");
    T_EQ_STR(err.field, "sites[1].nmae");
    T_EQ_INT(jy_json_check_keys(&site, none, &err), JY_ERROR);
    T_EQ_STR(err.hint, "No fields are allowed here.");
    T_EQ_INT(jy_json_check_keys(&sites, known, &err), JY_ERROR);
    T_EQ_STR(err.msg, "field \"sites\" must be an object, not an array");
}


static void
test_custom_error(void)
{
    struct jy_json_node root;

    fresh();
    jy_json_root(&root, parse("{\"host\": \"bad host\"}"));
    T_EQ_INT(jy_json_error(&err, &root, "host", "must be a host name, not \"%s\"", "bad host"),
             JY_ERROR);
    T_EQ_STR(err.msg, "field \"host\" must be a host name, not \"bad host\"");
    T_EQ_INT(jy_json_error(&err, &root, NULL, "must describe one site"), JY_ERROR);
    T_EQ_STR(err.msg, "the value must describe one site");
}


static void
test_print_compact_and_pretty(void)
{
    struct jy_buf b;
    cJSON *t;

    fresh();
    t = parse(
        " { \"a\" : [ 1 , 2.5 , -0 , true , false , null ] ,\n \"中\" : \"x\\ny\\u0001\\\"\" , "
        "\"o\" : { } , \"e\" : [ ] } ");
    T_EQ_STR(print(t),
             "{\"a\":[1,2.5,-0,true,false,null],\"中\":\"x\\ny\\u0001\\\"\",\"o\":{},\"e\":[]}");
    jy_buf_init(&b, pool, 0);
    T_EQ_INT(jy_json_print_pretty(t, &b), JY_OK);
    T_EQ_STR(b.buf, "{\n"
                    "  \"a\": [\n    1,\n    2.5,\n    -0,\n    true,\n    false,\n    null\n  ],\n"
                    "  \"中\": \"x\\ny\\u0001\\\"\",\n"
                    "  \"o\": {},\n"
                    "  \"e\": []\n"
                    "}");
    T_EQ_STR(print(NULL), "null");
}


static void
test_print_numbers_round_trip(void)
{
    static const double values[] = {0.1,
                                    1.0 / 3,
                                    1e300,
                                    -1e-300,
                                    123456789012345678.0,
                                    9007199254740993.0,
                                    5e-324,
                                    1.7976931348623157e308,
                                    42};
    size_t i;

    fresh();
    for (i = 0; i < JY_ARRAY_LEN(values); i++) {
        cJSON *n = cJSON_CreateNumber(values[i]), *back;
        const char *text;
        jy_json_own(pool, n);
        text = print(n);
        back = parse(text);
        T_ASSERT(back != NULL);
        if (back->valuedouble != values[i])
            T_ASSERT(!"number does not read back to the same double");
    }
    {
        cJSON *n = cJSON_CreateNumber(42);
        jy_json_own(pool, n);
        T_EQ_STR(print(n), "42");
    }
}


static void
test_print_nonfinite_and_cap(void)
{
    struct jy_buf b;
    cJSON *o;

    fresh();
    o = jy_json_new_object(pool);
    cJSON_AddNumberToObject(o, "inf", HUGE_VAL);
    cJSON_AddNumberToObject(o, "nan", NAN);
    cJSON_AddStringToObject(o, "s", "0123456789");
    T_EQ_STR(print(o), "{\"inf\":null,\"nan\":null,\"s\":\"0123456789\"}");
    /* a capped buffer: JY_ERROR, and the content is not cut */
    jy_buf_init(&b, pool, 0);
    jy_buf_add_str(&b, "data=");
    b.max = 20;
    T_EQ_INT(jy_json_print(o, &b), JY_ERROR);
    T_EQ_STR(b.buf, "data=");
}


static void
test_round_trip(void)
{
    static const char *const docs[] = {
        "{\"a\":[1,2,{\"b\":null}],\"c\":\"中文\\u2028\\ud83d\\ude00\",\"d\":-1.5e-7}",
        "[]",
        "\"just a string\"",
        "[[[[[[[[[[]]]]]]]]]]",
        "{\"\":\"\",\" \":[true,false]}",
    };
    size_t i;

    fresh();
    for (i = 0; i < JY_ARRAY_LEN(docs); i++) {
        cJSON *a = parse(docs[i]), *b;
        T_ASSERT(a != NULL);
        b = parse(print(a));
        T_ASSERT(b != NULL);
        T_ASSERT(cJSON_Compare(a, b, true));
    }
}


static void
test_new_and_own(void)
{
    struct jy_pool *p = jy_pool_create(0);
    cJSON *o = jy_json_new_object(p), *a = jy_json_new_array(p);

    cJSON_AddItemToArray(a, cJSON_CreateString("x"));
    cJSON_AddItemToObject(o, "list", cJSON_CreateArray());
    T_ASSERT(cJSON_IsObject(o) && cJSON_IsArray(a));
    jy_json_own(p, NULL); /* a no-op */
    jy_json_own(p, cJSON_CreateString("owned"));
    jy_pool_destroy(p); /* frees all three roots: LeakSanitizer would tell */
}


static void
test_load_file(void)
{
    const char *dir = jy_test_tmpdir();
    char path[700];
    FILE *f;
    cJSON *t;

    fresh();
    snprintf(path, sizeof(path), "%s/demo.json", dir);
    f = fopen(path, "w");
    T_ASSERT(f != NULL);
    fputs("{\n  \"code\": \"1304000009\",\n  \"name\": \"示例\"\n}\n", f);
    fclose(f);
    t = jy_json_load_file(pool, path, &err);
    T_ASSERT(t != NULL);
    T_EQ_STR(cJSON_GetObjectItemCaseSensitive(t, "name")->valuestring, "示例");

    snprintf(path, sizeof(path), "%s/broken.json", dir);
    f = fopen(path, "w");
    T_ASSERT(f != NULL);
    fputs("{\n  \"code\": \"1304000009\"\n  \"name\": \"示例\"\n}\n", f);
    fclose(f);
    T_ASSERT(jy_json_load_file(pool, path, &err) == NULL);
    T_CONTAINS(err.msg,
               "broken.json: invalid JSON at line 3, column 3: unexpected string \"name\"");
    T_ASSERT(strncmp(err.msg, dir, strlen(dir)) == 0);

    snprintf(path, sizeof(path), "%s/none.json", dir);
    T_ASSERT(jy_json_load_file(pool, path, &err) == NULL);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_CONTAINS(err.msg, "could not open \"");
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_parse_valid),
        T_CASE(test_syntax_error_line_and_column),
        T_CASE(test_column_counts_characters),
        T_CASE(test_end_of_text_and_trailing),
        T_CASE(test_strict_strings),
        T_CASE(test_invalid_utf8_and_controls),
        T_CASE(test_strict_numbers),
        T_CASE(test_depth_limit),
        T_CASE(test_size_limit),
        T_CASE(test_duplicate_keys),
        T_CASE(test_getters_ok),
        T_CASE(test_getter_errors_name_the_path),
        T_CASE(test_string_length_rules),
        T_CASE(test_loader_message_with_prefix),
        T_CASE(test_optional_absent_containers),
        T_CASE(test_int_limits),
        T_CASE(test_iterate_object_and_paths),
        T_CASE(test_check_keys),
        T_CASE(test_custom_error),
        T_CASE(test_print_compact_and_pretty),
        T_CASE(test_print_numbers_round_trip),
        T_CASE(test_print_nonfinite_and_cap),
        T_CASE(test_round_trip),
        T_CASE(test_new_and_own),
        T_CASE(test_load_file),
    };
    int rc = jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));

    jy_pool_destroy(pool);
    return rc;
}
