/*
 * failinit.c - a test plugin that registers a helper, then fails its init:
 * it is skipped with its reason and its helper is dropped again.
 */
#include "plugins/jiyue_plugin.h"

static int
failinit_helper(void *data, const char *text, size_t len, int argc, const char *const *argv,
                struct jy_plugin_out *out)
{
    (void) data;
    (void) text;
    (void) len;
    (void) argc;
    (void) argv;
    (void) out;
    return 0;
}

JIYUE_PLUGIN_DECLARE("failinit", "test")


JY_PLUGIN_EXPORT int
jiyue_plugin_init(struct jy_plugin_api *api)
{
    static const struct jy_plugin_helper helper = {"failinit_helper", 0, 0, failinit_helper, NULL};

    api->register_helper(api, &helper);
    api->fail(api, "lexicon \"%s\" line %d: invalid UTF-8", "/x/words.txt", 3);
    return -1;
}
