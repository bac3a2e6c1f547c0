/*
 * crash.c - a test plugin whose check dies on a text containing "CRASH"
 * (a NULL write) and reports "crash_seen" otherwise; tests/integration/
 * check_test.c shows the worker survives it.
 */
#include "plugins/jiyue_plugin.h"

#include <string.h>

static struct jy_plugin_api *crash_api;
static const struct jy_plugin_check_kind crash_kinds[] = {
    {"crash_seen", "测试", 1, 1},
};

JIYUE_PLUGIN_DECLARE("crash", "test")


static int
crash_run(void *data, const struct jy_plugin_doc *doc, struct jy_plugin_sink *sink)
{
    int i;

    (void) data;
    (void) sink;
    for (i = 0; i < doc->nfields; i++) {
        if (strstr(doc->fields[i].text, "CRASH")) {
            volatile int *p = NULL;
            *p = 1;
        }
    }
    return 0;
}


JY_PLUGIN_EXPORT int
jiyue_plugin_init(struct jy_plugin_api *api)
{
    static const struct jy_plugin_check check = {"crash", crash_kinds, 1, crash_run, NULL};

    crash_api = api;
    return api->register_check(api, &check);
}
