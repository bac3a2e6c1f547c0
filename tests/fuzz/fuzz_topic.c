/*
 * fuzz_topic.c - the sections of a topic column (core/topic.h) from
 * arbitrary bytes: what site_column.settings -> 'sections' holds and what
 * `jiyue topic set --json` reads.
 *
 * Invariants beyond "no crash":
 *  - failure: JY_E_INVALID or JY_E_TOO_LARGE and a message that says
 *    where: "section N ..." with N between 1 and the number of sections + 1,
 *    "a topic has at most", "the sections must be" an array, or the JSON
 *    parser's line and column;
 *  - success: at most JY_TOPIC_MAX_SECTIONS sections, names of 1 to 40
 *    characters without control characters and unique, items in 1 .. 50,
 *    expressions in normal form (formatting the parsed one gives it back),
 *    "more" a path or an https:// URL without blanks or quotes; and the
 *    stored form (jy_topic_sections_json) parses to the very same sections.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/tagexpr.h"
#include "core/topic.h"
#include "core/utf8.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
check_failure(const struct jy_err *err, size_t count_hint)
{
    if (err->code != JY_E_INVALID && err->code != JY_E_TOO_LARGE)
        abort();
    if (strncmp(err->msg, "section ", 8) == 0) {
        unsigned long n = strtoul(err->msg + 8, NULL, 10);
        if (n < 1 || n > count_hint + 1)
            abort();
    } else if (strncmp(err->msg, "a topic has at most", 19) != 0 &&
               strncmp(err->msg, "the sections must be", 20) != 0 &&
               strstr(err->msg, "JSON") == NULL) {
        abort();
    }
}


static void
check_sections(struct jy_pool *pool, const struct jy_topic_section *v, int n)
{
    if (n < 0 || n > JY_TOPIC_MAX_SECTIONS)
        abort();
    for (int i = 0; i < n; i++) {
        size_t chars = jy_utf8_count(v[i].name, strlen(v[i].name));
        struct jy_buf norm = JY_BUF_INIT(pool);
        if (chars < 1 || chars > JY_TOPIC_NAME_CHARS || v[i].items < 1 ||
            v[i].items > JY_TOPIC_MAX_ITEMS || v[i].tags == NULL)
            abort();
        for (const char *p = v[i].name; *p; p++)
            if ((unsigned char) *p < 0x20)
                abort();
        for (int k = 0; k < i; k++)
            if (strcmp(v[k].name, v[i].name) == 0)
                abort();
        jy_tagexpr_format(v[i].tags, &norm);
        if (strcmp(norm.buf, v[i].expr) != 0)
            abort();
        if (v[i].more) {
            if (v[i].more[0] != '/' && strncmp(v[i].more, "https://", 8) != 0)
                abort();
            if (strpbrk(v[i].more, " \"<>\\\t\n") != NULL)
                abort();
        }
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    struct jy_topic_section *v, *w;
    int n, m;
    size_t commas = 0;

    for (size_t i = 0; i < size; i++)
        commas += data[i] == ',' || data[i] == '{';
    if (jy_topic_sections_parse(pool, (const char *) data, size, &v, &n, &err) != JY_OK) {
        check_failure(&err, commas);
    } else {
        const char *stored = jy_topic_sections_json(pool, v, n);
        check_sections(pool, v, n);
        if (jy_topic_sections_parse(pool, stored, strlen(stored), &w, &m, &err) != JY_OK || m != n)
            abort();
        for (int i = 0; i < n; i++)
            if (strcmp(v[i].name, w[i].name) != 0 || strcmp(v[i].expr, w[i].expr) != 0 ||
                v[i].items != w[i].items || (v[i].more == NULL) != (w[i].more == NULL) ||
                (v[i].more && strcmp(v[i].more, w[i].more) != 0))
                abort();
    }
    jy_pool_destroy(pool);
    return 0;
}
