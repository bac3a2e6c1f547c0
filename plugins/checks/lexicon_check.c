/*
 * lexicon_check.c - the plugin "lexicon": sensitive words (敏感词), typos
 * (错别字) and wrongly written official names, from lexicon files, in one
 * pass of one automaton over each field.
 *
 * Files, in the folder of setting check_lexicon_dir (docs/plugins.md):
 *   sensitive.txt  words that must not appear              -> kind "words"
 *   whitelist.txt  legitimate phrases containing such words (silence any
 *                  finding that lies inside one)
 *   typos.txt      wrong -> right                          -> kind "typos"
 *   names.txt      wrong -> right for names and titles     -> kind "names"
 * A missing file is an empty list; a file that does not parse fails the
 * plugin (reported and skipped by the host, nothing of it loaded).
 *
 * A site adds its own entries in table check_lexicon; they arrive with the
 * document and are matched by a small second automaton, built once per set
 * of entries and kept for the next document of the same site.
 */
#include "plugins/jiyue_plugin.h"
#include "plugins/checks/lexscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct jy_plugin_api *lexicon_api;
static struct lexscan *lexicon_base; /* from the files */
static struct lexscan *lexicon_site; /* last site's entries */
static unsigned long long lexicon_site_key;

static const struct jy_plugin_check_kind lexicon_kinds[] = {
    {"words", "敏感词", JY_PLUGIN_WARN, JY_PLUGIN_BLOCK},
    {"typos", "错别字", JY_PLUGIN_WARN, JY_PLUGIN_WARN},
    {"names", "名称错误", JY_PLUGIN_WARN, JY_PLUGIN_BLOCK},
};

JIYUE_PLUGIN_DECLARE("lexicon", "1.0")


static void
lexicon_report(void *data, const struct lexscan_hit *h)
{
    struct jy_plugin_sink *sink = data;
    struct jy_plugin_finding f;
    char msg[CHK_LEX_MAX_BYTES * 2 + 64];

    memset(&f, 0, sizeof(f));
    f.field = h->field;
    f.offset = h->start;
    f.len = h->end - h->start;
    switch (h->type) {
    case LEXSCAN_SENSITIVE:
        f.kind = "words";
        snprintf(msg, sizeof(msg), "敏感词「%s」", h->word);
        break;
    case LEXSCAN_TYPO:
        f.kind = "typos";
        snprintf(msg, sizeof(msg), "疑似错别字「%s」，应为「%s」", h->word, h->right);
        f.suggestion = h->right;
        break;
    case LEXSCAN_NAME:
        f.kind = "names";
        snprintf(msg, sizeof(msg), "名称写法错误「%s」，应为「%s」", h->word, h->right);
        f.suggestion = h->right;
        break;
    default:
        return;
    }
    f.message = msg;
    lexicon_api->report(sink, &f);
}


/* FNV-1a over the site's entries: the key of the cached site automaton. */
static unsigned long long
lexicon_key(const struct jy_plugin_doc *doc)
{
    unsigned long long h = 1469598103934665603ULL;
    int i;

    for (i = 0; i < doc->nlexicon; i++) {
        const char *parts[3] = {doc->lexicon[i].lexicon, doc->lexicon[i].entry,
                                doc->lexicon[i].replacement ? doc->lexicon[i].replacement : ""};
        for (int k = 0; k < 3; k++) {
            const unsigned char *p = (const unsigned char *) parts[k];
            for (; *p; p++)
                h = (h ^ *p) * 1099511628211ULL;
            h = (h ^ 0xff) * 1099511628211ULL;
        }
    }
    return h;
}


static int
lexicon_run(void *data, const struct jy_plugin_doc *doc, struct jy_plugin_sink *sink)
{
    struct lexscan *site = NULL;
    int i;

    (void) data;
    if (doc->nlexicon > 0) {
        unsigned long long key = lexicon_key(doc);
        if (lexicon_site == NULL || key != lexicon_site_key) {
            lexscan_free(lexicon_site);
            lexicon_site = lexscan_from_entries(doc->lexicon, doc->nlexicon);
            lexicon_site_key = key;
        }
        site = lexicon_site;
    }
    for (i = 0; i < doc->nfields; i++)
        lexscan_field(lexicon_base, site, i, doc->fields[i].text, doc->fields[i].len,
                      lexicon_report, sink);
    return 0;
}


JY_PLUGIN_EXPORT int
jiyue_plugin_init(struct jy_plugin_api *api)
{
    static const struct jy_plugin_check check = {"lexicon", lexicon_kinds, 3, lexicon_run, NULL};
    const char *dir = api->setting(api, "check_lexicon_dir");
    char err[512];

    lexicon_api = api;
    /* a host that sets up again (tests) calls init again on the same loaded object */
    lexscan_free(lexicon_base);
    lexscan_free(lexicon_site);
    lexicon_base = lexicon_site = NULL;
    if (dir == NULL || dir[0] == '\0') {
        api->fail(api, "setting check_lexicon_dir is empty");
        return -1;
    }
    lexicon_base = lexscan_load_dir(dir, err, sizeof(err));
    if (lexicon_base == NULL) {
        api->fail(api, "%s", err);
        return -1;
    }
    return api->register_check(api, &check);
}
