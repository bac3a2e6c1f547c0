/*
 * tpl_spec_test.c - the official Mustache specification against core/tpl.
 *
 * Each JSON file of ../shared/spec/mustache (mustache/spec, see SOURCE.txt
 * there) is one test case; every test in it is compiled and rendered with
 * its data and partials and compared byte for byte with "expected". The
 * lambdas module is not in the folder: the data is JSON, without code.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/tpl.h"
#include "tests/test.h"

#include <cjson/cJSON.h>

#define SPEC_TOTAL 163 /* tests in the seven files, SOURCE.txt */

static const char *const spec_files[] = {
    "comments", "delimiters", "interpolation", "inverted", "partials", "sections", "~inheritance",
};

static int spec_passed;
static int spec_run;
static bool spec_file_done[JY_ARRAY_LEN(spec_files)];


/* Partials of one spec test: the "partials" object, looked up by name. */
static int
spec_load(void *data, const char *name, struct jy_buf *text, struct jy_err *err)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive((const cJSON *) data, name);

    (void) err;
    if (!cJSON_IsString(p))
        return JY_DECLINED;
    jy_buf_add_str(text, p->valuestring);
    return JY_OK;
}


static cJSON *
spec_read(const char *file)
{
    char rel[256];
    const char *path;
    FILE *f;
    char *text;
    long size;
    cJSON *json;

    snprintf(rel, sizeof(rel), "../shared/spec/mustache/%s.json", file);
    path = jy_test_path(rel);
    f = fopen(path, "rb");
    if (f == NULL)
        jy_test_fail(__FILE__, __LINE__, "cannot open \"%s\": %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = malloc((size_t) size + 1);
    T_ASSERT(text != NULL);
    T_ASSERT(fread(text, 1, (size_t) size, f) == (size_t) size);
    fclose(f);
    text[size] = '\0';
    json = cJSON_Parse(text);
    free(text);
    if (json == NULL)
        jy_test_fail(__FILE__, __LINE__, "\"%s\" is not valid JSON", path);
    return json;
}


/* Print a string with its control characters visible, for failure reports. */
static void
spec_show(const char *label, const char *s)
{
    printf("      %-9s \"", label);
    for (; s && *s; s++) {
        if (*s == '\n')
            fputs("\\n", stdout);
        else if (*s == '\r')
            fputs("\\r", stdout);
        else if (*s == '\t')
            fputs("\\t", stdout);
        else
            putchar(*s);
    }
    printf("\"\n");
}


/* One test of a spec file; true when the output is the expected one. */
static bool
spec_one(const char *file, const cJSON *t)
{
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "name"));
    const char *tmpl = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "template"));
    const char *expected = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "expected"));
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(t, "data");
    const cJSON *partials = cJSON_GetObjectItemCaseSensitive(t, "partials");
    struct jy_tpl_set *set = jy_tpl_set_create(spec_load, (void *) partials);
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf out = JY_BUF_INIT(pool);
    struct jy_err err = JY_ERR_INIT;
    const struct jy_tpl *tpl;
    bool ok;

    T_ASSERT(name && tmpl && expected);
    tpl = jy_tpl_compile(set, "spec-template", tmpl, strlen(tmpl), &err);
    ok = tpl && jy_tpl_render(tpl, data, &out, &err) == JY_OK && strcmp(out.buf, expected) == 0;
    T_ASSERT(out.buf[out.len] == '\0');
    if (!ok) {
        printf("    FAIL %s: %s\n", file, name);
        spec_show("template", tmpl);
        spec_show("expected", expected);
        spec_show("got", out.buf);
        if (err.code != JY_E_NONE)
            printf("      error     %s\n", err.msg);
    }
    jy_pool_destroy(pool);
    jy_tpl_set_destroy(set);
    return ok;
}


static void
spec_file(size_t idx)
{
    cJSON *json = spec_read(spec_files[idx]);
    const cJSON *tests = cJSON_GetObjectItemCaseSensitive(json, "tests");
    const cJSON *t;
    int run = 0, passed = 0;

    T_ASSERT(cJSON_IsArray(tests));
    cJSON_ArrayForEach(t, tests)
    {
        run++;
        passed += spec_one(spec_files[idx], t);
    }
    cJSON_Delete(json);
    if (!spec_file_done[idx]) {
        spec_file_done[idx] = true;
        spec_run += run;
        spec_passed += passed;
    }
    printf("    %s: %d of %d passed\n", spec_files[idx], passed, run);
    T_EQ_INT(passed, run);
}


static void
test_comments(void)
{
    spec_file(0);
}


static void
test_delimiters(void)
{
    spec_file(1);
}


static void
test_interpolation(void)
{
    spec_file(2);
}


static void
test_inverted(void)
{
    spec_file(3);
}


static void
test_partials(void)
{
    spec_file(4);
}


static void
test_sections(void)
{
    spec_file(5);
}


static void
test_inheritance(void)
{
    spec_file(6);
}


/* The whole count; runs the files not run yet (when one case was asked for). */
static void
test_spec_total(void)
{
    for (size_t i = 0; i < JY_ARRAY_LEN(spec_files); i++) {
        if (!spec_file_done[i]) {
            cJSON *json = spec_read(spec_files[i]);
            const cJSON *t;
            cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(json, "tests"))
            {
                spec_run++;
                spec_passed += spec_one(spec_files[i], t);
            }
            cJSON_Delete(json);
            spec_file_done[i] = true;
        }
    }
    printf("    mustache spec: %d of %d tests passed\n", spec_passed, spec_run);
    T_EQ_INT(spec_run, SPEC_TOTAL);
    T_EQ_INT(spec_passed, SPEC_TOTAL);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_comments),    T_CASE(test_delimiters), T_CASE(test_interpolation),
        T_CASE(test_inverted),    T_CASE(test_partials),   T_CASE(test_sections),
        T_CASE(test_inheritance), T_CASE(test_spec_total),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
