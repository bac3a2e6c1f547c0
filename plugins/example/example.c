/*
 * example.c - the example plugin of docs/plugins.md: one of each thing a
 * plugin can offer.
 *
 *  - check "example" with kind "placeholder": text an editor forgot to
 *    replace (待补充, XXX, TODO) is reported with its position;
 *  - render helper "fullwidth_digits": {{phone | fullwidth_digits}} writes
 *    ASCII digits as full-width ones (１２３);
 *  - output channel "plaintext": a .txt file with the page's title.
 *
 * Build: plugins/example/CMakeLists.txt (a MODULE library, hidden
 * visibility, no link to the host). Test: tests/integration/plugin_test.c.
 */
#define _GNU_SOURCE /* memmem */
#include "plugins/jiyue_plugin.h"

#include <stdio.h>
#include <string.h>

static struct jy_plugin_api *example_api;

JIYUE_PLUGIN_DECLARE("example", "1.0")

static const struct jy_plugin_check_kind example_kinds[] = {
    {"placeholder", "占位文字", JY_PLUGIN_WARN, JY_PLUGIN_BLOCK},
};

static const char *const example_words[] = {"待补充", "XXX", "TODO"};


static int
example_check(void *data, const struct jy_plugin_doc *doc, struct jy_plugin_sink *sink)
{
    int i;
    size_t w;

    (void) data;
    for (i = 0; i < doc->nfields; i++) {
        const struct jy_plugin_field *f = &doc->fields[i];
        for (w = 0; w < sizeof(example_words) / sizeof(example_words[0]); w++) {
            const char *p = f->text, *end = f->text + f->len;
            size_t n = strlen(example_words[w]);
            while ((p = memmem(p, (size_t) (end - p), example_words[w], n)) != NULL) {
                struct jy_plugin_finding fd;
                memset(&fd, 0, sizeof(fd));
                fd.kind = "placeholder";
                fd.field = i;
                fd.offset = (size_t) (p - f->text);
                fd.len = n;
                fd.message = "占位文字尚未替换";
                example_api->report(sink, &fd);
                p += n;
            }
        }
    }
    return 0;
}


static int
example_fullwidth(void *data, const char *text, size_t len, int argc, const char *const *argv,
                  struct jy_plugin_out *out)
{
    size_t i;

    (void) data;
    (void) argc;
    (void) argv;
    for (i = 0; i < len; i++) {
        if (text[i] >= '0' && text[i] <= '9') {
            /* U+FF10 + d: EF BC 90+d */
            char fw[3] = {(char) 0xEF, (char) 0xBC, (char) (0x90 + (text[i] - '0'))};
            example_api->out_add(out, fw, 3);
        } else {
            example_api->out_add(out, text + i, 1);
        }
    }
    return 0;
}


static int
example_plaintext(void *data, const struct jy_plugin_page *page, struct jy_plugin_out *out)
{
    (void) data;
    if (strcmp(page->kind, "item") != 0)
        return 1;
    example_api->out_add(out, page->path, strlen(page->path));
    example_api->out_add(out, "\n", 1);
    return 0;
}


JY_PLUGIN_EXPORT int
jiyue_plugin_init(struct jy_plugin_api *api)
{
    static const struct jy_plugin_check check = {"example", example_kinds, 1, example_check, NULL};
    static const struct jy_plugin_helper helper = {"fullwidth_digits", 0, 0, example_fullwidth,
                                                   NULL};
    static const struct jy_plugin_channel channel = {"plaintext", ".txt", example_plaintext, NULL};

    example_api = api;
    if (api->register_check(api, &check) != 0 || api->register_helper(api, &helper) != 0 ||
        api->register_channel(api, &channel) != 0)
        return -1;
    return 0;
}
