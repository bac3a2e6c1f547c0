/*
 * badabi.c - a test plugin built "for another interface version": the host
 * must refuse it before calling its init.
 */
#include "plugins/jiyue_plugin.h"

#include <stdlib.h>

JY_PLUGIN_EXPORT const struct jy_plugin_info *
jiyue_plugin_info(void)
{
    static const struct jy_plugin_info info = {JY_PLUGIN_ABI + 98, "badabi", "test"};
    return &info;
}


JY_PLUGIN_EXPORT int
jiyue_plugin_init(struct jy_plugin_api *api)
{
    (void) api;
    abort(); /* never called */
}
