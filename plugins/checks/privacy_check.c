/*
 * privacy_check.c - the plugin "privacy": personal data (个人隐私) in every
 * text field and in attachment file names: resident ID numbers, mobile
 * numbers, bank cards and e-mail addresses (the rules are in scan.h).
 * The suggestion is the number masked as it may be published. A number the
 * site has put in its whitelist (check_lexicon), exactly as written, is not
 * reported: a public service line may be a mobile number.
 */
#include "plugins/jiyue_plugin.h"
#include "plugins/checks/scan.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static struct jy_plugin_api *privacy_api;

static const struct jy_plugin_check_kind privacy_kinds[] = {
    {"privacy", "个人隐私", JY_PLUGIN_WARN, JY_PLUGIN_BLOCK},
};

JIYUE_PLUGIN_DECLARE("privacy", "1.0")

struct privacy_run {
    struct jy_plugin_sink *sink;
    const struct jy_plugin_doc *doc;
    const struct jy_plugin_field *field;
    int index;
};


/*
 * A number the site published on purpose (a public service line that
 * happens to be a mobile number) is in its whitelist: written exactly as
 * in the text.
 */
static int
privacy_whitelisted(const struct jy_plugin_doc *doc, const char *s, size_t len)
{
    int i;

    for (i = 0; i < doc->nlexicon; i++)
        if (strcmp(doc->lexicon[i].lexicon, "whitelist") == 0 &&
            strlen(doc->lexicon[i].entry) == len && memcmp(doc->lexicon[i].entry, s, len) == 0)
            return 1;
    return 0;
}


/* Keep the first keep_head and last keep_tail characters, mask the digits between. */
static void
privacy_mask(const char *s, size_t len, size_t keep_head, size_t keep_tail, char *out,
             size_t out_size)
{
    size_t i, o = 0;

    for (i = 0; i < len && o + 1 < out_size; i++) {
        char c = s[i];
        if (i >= keep_head && i + keep_tail < len && c != ' ' && c != '-' && c != '@' && c != '.')
            c = '*';
        out[o++] = c;
    }
    out[o] = '\0';
}


static void
privacy_hit(void *data, enum chk_pii_type type, size_t start, size_t end)
{
    struct privacy_run *r = data;
    const char *s = r->field->text + start;
    size_t len = end - start;
    struct jy_plugin_finding f;
    char mask[128], msg[256];
    const char *what = "";

    if (privacy_whitelisted(r->doc, s, len))
        return;
    memset(&f, 0, sizeof(f));
    f.kind = "privacy";
    f.field = r->index;
    f.offset = start;
    f.len = len;
    switch (type) {
    case CHK_PII_ID:
        what = "身份证号码";
        privacy_mask(s, len, 6, 4, mask, sizeof(mask));
        break;
    case CHK_PII_MOBILE:
        what = "手机号码";
        privacy_mask(s, len, len - 8, 4, mask, sizeof(mask));
        break;
    case CHK_PII_CARD:
        what = "银行卡号";
        privacy_mask(s, len, 4, 4, mask, sizeof(mask));
        break;
    case CHK_PII_EMAIL: {
        const char *at = memchr(s, '@', len);
        what = "电子邮箱";
        privacy_mask(s, len, 1, at ? len - (size_t) (at - s) : 0, mask, sizeof(mask));
        break;
    }
    }
    snprintf(msg, sizeof(msg), "%s中含有%s，公开前须删除或打码", r->field->label, what);
    f.message = msg;
    f.suggestion = mask;
    privacy_api->report(r->sink, &f);
}


static int
privacy_run(void *data, const struct jy_plugin_doc *doc, struct jy_plugin_sink *sink)
{
    struct privacy_run r = {sink, doc, NULL, 0};
    struct tm tm;
    time_t now = time(NULL);
    int i;

    (void) data;
    gmtime_r(&now, &tm);
    for (i = 0; i < doc->nfields; i++) {
        r.field = &doc->fields[i];
        r.index = i;
        chk_pii_scan(r.field->text, r.field->len, tm.tm_year + 1900, privacy_hit, &r);
    }
    return 0;
}


JY_PLUGIN_EXPORT int
jiyue_plugin_init(struct jy_plugin_api *api)
{
    static const struct jy_plugin_check check = {"privacy", privacy_kinds, 1, privacy_run, NULL};

    privacy_api = api;
    return api->register_check(api, &check);
}
