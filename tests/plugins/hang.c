/*
 * hang.c - a test plugin whose check never returns on a text containing
 * "HANG": the worker is killed after check_timeout and restarted.
 */
#include "plugins/jiyue_plugin.h"

#include <string.h>
#include <unistd.h>

static const struct jy_plugin_check_kind hang_kinds[] = {
    {"hang_seen", "测试", 1, 1},
};

JIYUE_PLUGIN_DECLARE("hang", "test")


static int
hang_run(void *data, const struct jy_plugin_doc *doc, struct jy_plugin_sink *sink)
{
    int i;

    (void) data;
    (void) sink;
    for (i = 0; i < doc->nfields; i++)
        if (strstr(doc->fields[i].text, "HANG"))
            for (;;)
                pause();
    return 0;
}


JY_PLUGIN_EXPORT int
jiyue_plugin_init(struct jy_plugin_api *api)
{
    static const struct jy_plugin_check check = {"hang", hang_kinds, 1, hang_run, NULL};

    return api->register_check(api, &check);
}
