/*
 * metadata_check.c - the plugin "metadata": required metadata of the item's
 * kind and of the columns that place it (a policy document without 文号 or
 * validity, a column that asks for 信息来源). The host hands every field of
 * the kind with its value and the reason it is required (the kind's schema,
 * item_field.required, or a rule of table check_required_field); this
 * check reports each required field that is empty.
 */
#include "plugins/jiyue_plugin.h"

#include <stdio.h>
#include <string.h>

static struct jy_plugin_api *metadata_api;

static const struct jy_plugin_check_kind metadata_kinds[] = {
    {"metadata", "元数据缺失", JY_PLUGIN_WARN, JY_PLUGIN_BLOCK},
};

JIYUE_PLUGIN_DECLARE("metadata", "1.0")


static int
metadata_blank(const char *v)
{
    if (v == NULL)
        return 1;
    for (; *v; v++)
        if (*v != ' ' && *v != '\t' && *v != '\n' && *v != '\r')
            return 0;
    return 1;
}


static int
metadata_run(void *data, const struct jy_plugin_doc *doc, struct jy_plugin_sink *sink)
{
    struct jy_plugin_finding f;
    char msg[256];
    int i;

    (void) data;
    for (i = 0; i < doc->nmeta; i++) {
        const struct jy_plugin_meta *m = &doc->meta[i];
        if (m->required_by == NULL || !metadata_blank(m->value))
            continue;
        memset(&f, 0, sizeof(f));
        f.kind = "metadata";
        f.field = -1;
        f.matched = m->field;
        snprintf(msg, sizeof(msg), "缺少%s（%s要求）", m->label, m->required_by);
        f.message = msg;
        f.suggestion = NULL;
        metadata_api->report(sink, &f);
    }
    return 0;
}


JY_PLUGIN_EXPORT int
jiyue_plugin_init(struct jy_plugin_api *api)
{
    static const struct jy_plugin_check check = {"metadata", metadata_kinds, 1, metadata_run, NULL};

    metadata_api = api;
    return api->register_check(api, &check);
}
