/*
 * cmd_check.c - `jiyue check`: the content checks on demand (issue 5).
 *
 *   check item ID          one saved item
 *   check content --site S every item a site owns or places
 *   check text FILE        a text not saved yet
 *   check plugins          what is loaded, kinds with their defaults, problems
 *   check set              a site's severity of one kind of finding
 *   check require          metadata a site requires per column and kind
 *   check lexicon          a site's own lexicon entries; validate a lexicon file
 *
 * Exit status: 0 when nothing blocks publishing, 1 when something does (or
 * on error), so scripts can gate on it.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/check.h"
#include "core/cli.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/plugin.h"
#include "core/pool.h"
#include "core/site.h"
#include "plugins/checks/scan.h"

#include <getopt.h>

struct check_opts {
    const char *site;
    const char *kind;
    const char *title;
    enum jy_check_stage stage;
    bool json;
    long limit;
};


/* with_db: the checks may use the database (internal links, the link cache). */
static int
check_setup(struct jy_cli *cli, bool with_db, struct jy_err *err)
{
    size_t i;

    if (jy_check_setup(cli->conf, with_db ? jy_cli_conninfo(cli) : NULL, err) != JY_OK)
        return JY_ERROR;
    for (i = 0; i < jy_check_problems(); i++)
        fprintf(stderr, "jiyue: warning: %s (skipped)\n", jy_check_problem(i));
    return JY_OK;
}


/* Parse the common options; returns optind or -1 after a usage error (*rc set). */
static int
check_parse(int argc, char **argv, struct check_opts *o, int *rc)
{
    static const struct option longopts[] = {
        {"site", required_argument, NULL, 's'},
        {"kind", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"stage", required_argument, NULL, 't'},
        {"limit", required_argument, NULL, 'l'},
        {"title", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    char *end;

    memset(o, 0, sizeof(*o));
    o->stage = JY_CHECK_PUBLISH;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            o->site = optarg;
            break;
        case 'k':
            o->kind = optarg;
            break;
        case 'j':
            o->json = true;
            break;
        case 'T':
            o->title = optarg;
            break;
        case 't':
            if (strcmp(optarg, "save") == 0) {
                o->stage = JY_CHECK_SAVE;
            } else if (strcmp(optarg, "publish") == 0) {
                o->stage = JY_CHECK_PUBLISH;
            } else {
                *rc = jy_cli_usage_error(&jy_cmd_check, "--stage takes save or publish, not \"%s\"",
                                         optarg);
                return -1;
            }
            break;
        case 'l':
            o->limit = strtol(optarg, &end, 10);
            if (*end || o->limit < 1) {
                *rc = jy_cli_usage_error(&jy_cmd_check, "--limit \"%s\" is not a positive number",
                                         optarg);
                return -1;
            }
            break;
        default:
            *rc = jy_cli_usage_error(&jy_cmd_check, "unrecognized option \"%s\"", argv[optind - 1]);
            return -1;
        }
    }
    return optind;
}


static void
print_findings(const char *what, const struct jy_check_findings *f)
{
    size_t i;

    for (i = 0; i < f->n; i++) {
        const struct jy_check_finding *x = &f->v[i];
        printf("%s%s %s [%s]", what, x->severity == JY_CHECK_BLOCK ? "  BLOCK" : "  warn ",
               x->check, x->title);
        if (x->field)
            printf(" %s 第%d段 第%zu字", x->field_label, x->paragraph, x->offset + 1);
        if (x->matched && x->field)
            printf(" 「%s」", x->matched);
        printf(": %s", x->message);
        if (x->suggestion)
            printf(" → %s", x->suggestion);
        putchar('\n');
    }
}


static long long
site_id_of(struct jy_cli *cli, struct jy_db *db, const char *ref, struct jy_err *err)
{
    long long id = 0;

    if (ref == NULL)
        return 0;
    if (jy_site_resolve(db, cli->pool, ref, "site", &id, err) != JY_OK)
        return -1;
    return id;
}


static int
check_item(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_check_findings f;
    struct check_opts o;
    long long id, site;
    char *end;
    int rc = 0, i = check_parse(argc, argv, &o, &rc);

    if (i < 0)
        return rc;
    if (argc - i != 1)
        return jy_cli_usage_error(&jy_cmd_check, "\"check item\" takes one ITEM id");
    id = strtoll(argv[i], &end, 10);
    if (*end || id <= 0)
        return jy_cli_usage_error(&jy_cmd_check, "item id \"%s\" is not a number", argv[i]);
    if ((site = site_id_of(cli, db, o.site, &err)) < 0 || check_setup(cli, true, &err) != JY_OK ||
        jy_check_item(db, cli->pool, id, site, o.stage, &f, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (o.json) {
        struct jy_buf b = JY_BUF_INIT(cli->pool);
        jy_check_findings_json(&f, &b);
        printf("{\"item\":%lld,\"blocking\":%zu,\"findings\":%s}\n", id, f.blocking, b.buf);
    } else {
        printf("item %lld: %zu finding%s, %zu blocking\n", id, f.n, f.n == 1 ? "" : "s",
               f.blocking);
        print_findings("", &f);
    }
    return f.blocking ? JY_EXIT_FAIL : JY_EXIT_OK;
}


static int
check_content(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct check_opts o;
    struct jy_db_res *res;
    struct jy_pool *run;
    long long site;
    size_t blocking = 0, findings = 0, items_flagged = 0;
    char sid[32], lim[32];
    int rc = 0, i = check_parse(argc, argv, &o, &rc), n, k;

    if (i < 0)
        return rc;
    if (argc != i)
        return jy_cli_usage_error(&jy_cmd_check, "\"check content\" takes no argument \"%s\"",
                                  argv[i]);
    if (o.site == NULL)
        return jy_cli_usage_error(&jy_cmd_check, "\"check content\" needs --site SITE");
    if ((site = site_id_of(cli, db, o.site, &err)) < 0 || check_setup(cli, true, &err) != JY_OK)
        return jy_cli_fail(&err);
    snprintf(sid, sizeof(sid), "%lld", site);
    snprintf(lim, sizeof(lim), "%ld", o.limit > 0 ? o.limit : 0);
    {
        const char *p[3] = {sid, o.kind, lim};
        if (o.kind && jy_db_query_value(db, cli->pool, "SELECT 1 FROM item_kind WHERE code = $1", 1,
                                        p + 1, &err) == NULL) {
            if (err.code == JY_E_NONE) {
                jy_err_set(&err, JY_E_INVALID, "unrecognized item kind \"%s\"", o.kind);
                jy_err_field(&err, "kind");
            }
            return jy_cli_fail(&err);
        }
        res = jy_db_query(db, cli->pool,
                          "SELECT i.id FROM item i WHERE (i.site_id = $1::bigint OR EXISTS "
                          "(SELECT 1 FROM placement p WHERE p.item_id = i.id "
                          "AND p.site_id = $1::bigint)) AND ($2::text IS NULL OR i.kind = $2) "
                          "ORDER BY i.id LIMIT NULLIF($3::bigint, 0)",
                          3, p, &err);
    }
    if (res == NULL)
        return jy_cli_fail(&err);
    n = jy_db_res_rows(res);
    run = jy_pool_create(0);
    if (o.json)
        printf("{\"site\":%lld,\"items\":[", site);
    for (k = 0; k < n; k++) {
        struct jy_check_findings f;
        long long id = atoll(jy_db_res_get(res, k, 0));
        jy_pool_reset(run);
        if (jy_check_item(db, run, id, site, o.stage, &f, &err) != JY_OK) {
            jy_pool_destroy(run);
            if (o.json)
                printf("]}\n");
            return jy_cli_fail(&err);
        }
        findings += f.n;
        blocking += f.blocking;
        if (f.n == 0)
            continue;
        items_flagged++;
        if (o.json) {
            struct jy_buf b = JY_BUF_INIT(run);
            jy_check_findings_json(&f, &b);
            printf("%s{\"item\":%lld,\"blocking\":%zu,\"findings\":%s}",
                   items_flagged > 1 ? "," : "", id, f.blocking, b.buf);
        } else {
            char what[48];
            snprintf(what, sizeof(what), "item %lld", id);
            print_findings(what, &f);
        }
    }
    jy_pool_destroy(run);
    if (o.json)
        printf("],\"checked\":%d,\"findings\":%zu,\"blocking\":%zu}\n", n, findings, blocking);
    else
        printf("%d item%s checked, %zu with findings: %zu finding%s, %zu blocking\n", n,
               n == 1 ? "" : "s", items_flagged, findings, findings == 1 ? "" : "s", blocking);
    return blocking ? JY_EXIT_FAIL : JY_EXIT_OK;
}


static int
check_text(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_check_findings f;
    struct check_opts o;
    struct jy_buf text = JY_BUF_INIT(cli->pool);
    long long site;
    FILE *in;
    char chunk[65536];
    size_t got;
    int rc = 0, i = check_parse(argc, argv, &o, &rc);

    if (i < 0)
        return rc;
    if (argc - i != 1)
        return jy_cli_usage_error(&jy_cmd_check, "\"check text\" takes one FILE (- for stdin)");
    in = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "rb");
    if (in == NULL) {
        jy_err_errno(&err, errno, "cannot read \"%s\"", argv[i]);
        return jy_cli_fail(&err);
    }
    text.max = 64u << 20;
    while ((got = fread(chunk, 1, sizeof(chunk), in)) > 0)
        jy_buf_add(&text, chunk, got);
    if (in != stdin)
        fclose(in);
    if (jy_buf_finish(&text) != JY_OK) {
        jy_err_set(&err, JY_E_TOO_LARGE, "\"%s\" is larger than 64 MiB", argv[i]);
        return jy_cli_fail(&err);
    }
    if ((site = site_id_of(cli, db, o.site, &err)) < 0 ||
        check_setup(cli, db != NULL, &err) != JY_OK ||
        jy_check_text(o.site ? db : NULL, cli->pool, site, o.title, text.buf, text.len, o.stage, &f,
                      &err) != JY_OK) {
        jy_err_prefix(&err, "%s", argv[i]);
        return jy_cli_fail(&err);
    }
    if (o.json) {
        struct jy_buf b = JY_BUF_INIT(cli->pool);
        jy_check_findings_json(&f, &b);
        printf("{\"blocking\":%zu,\"findings\":%s}\n", f.blocking, b.buf);
    } else {
        printf("%s: %zu finding%s, %zu blocking\n", argv[i], f.n, f.n == 1 ? "" : "s", f.blocking);
        print_findings("", &f);
    }
    return f.blocking ? JY_EXIT_FAIL : JY_EXIT_OK;
}


/* Say in words what row-level security refused; the server's text stays in detail. */
static void
forbidden_message(struct jy_err *err, const char *what, const char *site)
{
    char detail[sizeof(err->detail)];

    if (err->code != JY_E_FORBIDDEN)
        return;
    snprintf(detail, sizeof(detail), "%s", err->msg);
    jy_err_set(err, JY_E_FORBIDDEN, "you may not %s of site %s", what, site);
    jy_err_detail(err, "%s", detail);
    jy_err_hint(err, "This needs the site.manage permission on the site (site_admin).");
}


static const char *
sev_name(int s)
{
    return s == JY_PLUGIN_BLOCK ? "block" : s == JY_PLUGIN_WARN ? "warn" : "off";
}


static int
check_plugins(struct jy_cli *cli)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_plugin_host *h;
    size_t i;
    int k;

    if (check_setup(cli, false, &err) != JY_OK)
        return jy_cli_fail(&err);
    h = jy_check_host();
    printf("plugin folder %s\n", jy_conf_get(cli->conf, "plugin_dir"));
    for (i = 0; i < jy_plugin_host_count(h); i++)
        printf("plugin %s %s\n", jy_plugin_host_info(h, i)->name,
               jy_plugin_host_info(h, i)->version);
    for (i = 0; i < jy_plugin_host_checks(h); i++) {
        const struct jy_plugin_check *c = jy_plugin_host_check(h, i);
        for (k = 0; k < c->nkinds; k++)
            printf("  check %s: kind %s (%s) on save %s, on publish %s\n", c->name,
                   c->kinds[k].name, c->kinds[k].title, sev_name(c->kinds[k].default_save),
                   sev_name(c->kinds[k].default_publish));
    }
    for (i = 0; i < jy_plugin_host_helpers(h); i++)
        printf("  helper %s\n", jy_plugin_host_helper(h, i)->name);
    for (i = 0; i < jy_plugin_host_channels(h); i++)
        printf("  channel %s (%s)\n", jy_plugin_host_channel(h, i)->name,
               jy_plugin_host_channel(h, i)->ext);
    for (i = 0; i < jy_check_problems(); i++)
        printf("skipped: %s\n", jy_check_problem(i));
    return JY_EXIT_OK;
}


/* check set --site S KIND --publish block|warn|off [--save warn|off] */
static int
check_set(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"site", required_argument, NULL, 's'},
        {"publish", required_argument, NULL, 'p'},
        {"save", required_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    const char *site = NULL, *publish = NULL, *save = NULL;
    const struct jy_plugin_check_kind *kind;
    long long sid;
    int ch;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 's')
            site = optarg;
        else if (ch == 'p')
            publish = optarg;
        else if (ch == 'v')
            save = optarg;
        else
            return jy_cli_usage_error(&jy_cmd_check, "unrecognized option \"%s\"",
                                      argv[optind - 1]);
    }
    if (argc - optind != 1 || site == NULL || (publish == NULL && save == NULL))
        return jy_cli_usage_error(&jy_cmd_check,
                                  "\"check set\" takes --site SITE KIND --publish block|warn|off "
                                  "[--save warn|off]");
    if (publish && strcmp(publish, "block") && strcmp(publish, "warn") && strcmp(publish, "off"))
        return jy_cli_usage_error(&jy_cmd_check, "--publish takes block, warn or off, not \"%s\"",
                                  publish);
    if (save && strcmp(save, "warn") && strcmp(save, "off"))
        return jy_cli_usage_error(&jy_cmd_check, "--save takes warn or off, not \"%s\"", save);
    if (check_setup(cli, false, &err) != JY_OK)
        return jy_cli_fail(&err);
    kind = jy_plugin_host_kind(jy_check_host(), argv[optind]);
    if (kind == NULL) {
        jy_err_set(&err, JY_E_INVALID, "unrecognized check kind \"%s\"", argv[optind]);
        jy_err_hint(&err, "\"jiyue check plugins\" lists the kinds of the loaded checks.");
        return jy_cli_fail(&err);
    }
    if ((sid = site_id_of(cli, db, site, &err)) < 0 || jy_db_begin(db, &err) != JY_OK)
        return jy_cli_fail(&err);
    {
        char s[32];
        const char *p[6] = {s,
                            kind->name,
                            save,
                            publish,
                            sev_name(kind->default_save),
                            sev_name(kind->default_publish)};
        struct jy_db_res *res;
        snprintf(s, sizeof(s), "%lld", sid);
        res = jy_db_query(db, cli->pool,
                          "INSERT INTO check_setting AS c (site_id, kind, on_save, on_publish) "
                          "VALUES ($1::bigint, $2, coalesce($3, $5), coalesce($4, $6)) "
                          "ON CONFLICT (site_id, kind) DO UPDATE "
                          "SET on_save = coalesce($3, c.on_save), "
                          "on_publish = coalesce($4, c.on_publish) "
                          "RETURNING on_save, on_publish",
                          6, p, &err);
        if (res == NULL || jy_db_commit(db, &err) != JY_OK) {
            jy_db_rollback(db);
            forbidden_message(&err, "change the check settings", site);
            return jy_cli_fail(&err);
        }
        printf("site %s: %s (%s) on save %s, on publish %s\n", site, kind->name, kind->title,
               jy_db_res_get(res, 0, 0), jy_db_res_get(res, 0, 1));
    }
    return JY_EXIT_OK;
}


static const char *const lexicons[] = {"sensitive", "whitelist", "typos", "names"};


static bool
lexicon_known(const char *name)
{
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(lexicons); i++)
        if (strcmp(lexicons[i], name) == 0)
            return true;
    return false;
}


/*
 * check lexicon add --site S LEXICON ENTRY [RIGHT]
 * check lexicon remove --site S LEXICON ENTRY
 * check lexicon list --site S
 * check lexicon test FILE [--pairs]
 */
static int
check_lexicon(struct jy_cli *cli, struct jy_db **dbp, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct check_opts o;
    const char *act;
    long long sid;
    char s[32];
    int rc = 0, i;

    if (argc < 2)
        return jy_cli_usage_error(&jy_cmd_check,
                                  "\"check lexicon\" takes add, remove, list or test");
    act = argv[1];
    if (strcmp(act, "test") == 0) {
        struct chk_lexicon lex;
        char msg[512];
        bool pairs = argc == 4 && strcmp(argv[3], "--pairs") == 0;
        if (argc != 3 && !pairs)
            return jy_cli_usage_error(&jy_cmd_check, "\"check lexicon test\" takes FILE [--pairs]");
        if (chk_lexicon_load(argv[2], pairs, &lex, msg, sizeof(msg)) != 0) {
            jy_err_set(&err, JY_E_INVALID, "%s", msg);
            jy_err_hint(&err, "Nothing of the file is used until it is fixed.");
            return jy_cli_fail(&err);
        }
        printf("%s: %zu entr%s\n", argv[2], lex.n, lex.n == 1 ? "y" : "ies");
        chk_lexicon_release(&lex);
        return JY_EXIT_OK;
    }
    if (strcmp(act, "add") && strcmp(act, "remove") && strcmp(act, "list"))
        return jy_cli_usage_error(&jy_cmd_check, "unrecognized lexicon action \"%s\"", act);
    i = check_parse(argc - 1, argv + 1, &o, &rc);
    if (i < 0)
        return rc;
    i++; /* index into argv */
    if (o.site == NULL)
        return jy_cli_usage_error(&jy_cmd_check, "\"check lexicon %s\" needs --site SITE", act);
    *dbp = jy_cli_open_platform(cli, &err);
    if (*dbp == NULL || (sid = site_id_of(cli, *dbp, o.site, &err)) < 0)
        return jy_cli_fail(&err);
    snprintf(s, sizeof(s), "%lld", sid);
    if (strcmp(act, "list") == 0) {
        const char *p[1] = {s};
        struct jy_db_res *res;
        int k;
        if (argc != i)
            return jy_cli_usage_error(&jy_cmd_check, "\"check lexicon list\" takes only --site");
        res = jy_db_query(*dbp, cli->pool,
                          "SELECT lexicon, entry, replacement FROM check_lexicon "
                          "WHERE site_id = $1::bigint ORDER BY lexicon, entry",
                          1, p, &err);
        if (res == NULL)
            return jy_cli_fail(&err);
        for (k = 0; k < jy_db_res_rows(res); k++)
            printf("%s\t%s%s%s\n", jy_db_res_get(res, k, 0), jy_db_res_get(res, k, 1),
                   jy_db_res_isnull(res, k, 2) ? "" : " -> ",
                   jy_db_res_isnull(res, k, 2) ? "" : jy_db_res_get(res, k, 2));
        if (jy_db_res_rows(res) == 0)
            printf("site %s has no lexicon entries of its own\n", o.site);
        return JY_EXIT_OK;
    }
    {
        bool add = strcmp(act, "add") == 0;
        bool pairs;
        const char *p[4];
        struct jy_db_res *res;
        if (argc - i < 2 || !lexicon_known(argv[i]))
            return jy_cli_usage_error(&jy_cmd_check,
                                      "\"check lexicon %s\" takes LEXICON (sensitive, whitelist, "
                                      "typos or names) and ENTRY",
                                      act);
        pairs = strcmp(argv[i], "typos") == 0 || strcmp(argv[i], "names") == 0;
        if (add && argc - i != (pairs ? 3 : 2))
            return jy_cli_usage_error(
                &jy_cmd_check,
                pairs ? "lexicon %s takes ENTRY and RIGHT" : "lexicon %s takes one ENTRY", argv[i]);
        if (!add && argc - i != 2)
            return jy_cli_usage_error(&jy_cmd_check,
                                      "\"check lexicon remove\" takes LEXICON ENTRY");
        p[0] = s;
        p[1] = argv[i];
        p[2] = argv[i + 1];
        p[3] = add && pairs ? argv[i + 2] : NULL;
        if (jy_db_begin(*dbp, &err) != JY_OK)
            return jy_cli_fail(&err);
        res = jy_db_query(*dbp, cli->pool,
                          add ? "INSERT INTO check_lexicon (site_id, lexicon, entry, replacement) "
                                "VALUES ($1::bigint, $2, $3, $4)"
                              : "DELETE FROM check_lexicon WHERE site_id = $1::bigint "
                                "AND lexicon = $2 AND entry = $3 AND $4::text IS NULL",
                          4, p, &err);
        if (res != NULL && !add && jy_db_res_affected(res) == 0) {
            jy_err_set(&err, JY_E_NOT_FOUND, "site %s has no entry \"%s\" in lexicon %s", o.site,
                       argv[i + 1], argv[i]);
            res = NULL;
        }
        if (res == NULL || jy_db_commit(*dbp, &err) != JY_OK) {
            jy_db_rollback(*dbp);
            forbidden_message(&err, "change the lexicon entries", o.site);
            if (err.code == JY_E_CONFLICT)
                jy_err_set(&err, JY_E_CONFLICT, "site %s already has \"%s\" in lexicon %s", o.site,
                           argv[i + 1], argv[i]);
            return jy_cli_fail(&err);
        }
        printf("%s %s \"%s\" %s site %s\n", add ? "added" : "removed", argv[i], argv[i + 1],
               add ? "to" : "from", o.site);
    }
    return JY_EXIT_OK;
}


/*
 * check require --site S [--column PATH] KIND FIELD      (add a rule)
 * check require --site S [--column PATH] KIND FIELD --remove
 * check require --site S                                 (list)
 */
static int
check_require(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"site", required_argument, NULL, 's'},
        {"column", required_argument, NULL, 'c'},
        {"remove", no_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    const char *site = NULL, *column = NULL;
    struct jy_db_res *res;
    bool remove = false;
    long long sid;
    char s[32];
    int ch, k;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 's')
            site = optarg;
        else if (ch == 'c')
            column = optarg;
        else if (ch == 'r')
            remove = true;
        else
            return jy_cli_usage_error(&jy_cmd_check, "unrecognized option \"%s\"",
                                      argv[optind - 1]);
    }
    if (site == NULL || (argc - optind != 0 && argc - optind != 2) ||
        (argc == optind && (column || remove)))
        return jy_cli_usage_error(&jy_cmd_check,
                                  "\"check require\" takes --site SITE [--column PATH] KIND FIELD "
                                  "[--remove], or --site SITE alone to list");
    if ((sid = site_id_of(cli, db, site, &err)) < 0)
        return jy_cli_fail(&err);
    snprintf(s, sizeof(s), "%lld", sid);
    if (argc == optind) {
        const char *p[1] = {s};
        res = jy_db_query(db, cli->pool,
                          "SELECT coalesce(c.path, '(whole site)'), q.kind, q.field, f.label "
                          "FROM check_required_field q JOIN item_field f USING (kind, field) "
                          "LEFT JOIN site_column c ON c.id = q.column_id "
                          "WHERE q.site_id = $1::bigint ORDER BY 1, 2, 3",
                          1, p, &err);
        if (res == NULL)
            return jy_cli_fail(&err);
        for (k = 0; k < jy_db_res_rows(res); k++)
            printf("%s\t%s.%s (%s)\n", jy_db_res_get(res, k, 0), jy_db_res_get(res, k, 1),
                   jy_db_res_get(res, k, 2), jy_db_res_get(res, k, 3));
        if (jy_db_res_rows(res) == 0)
            printf("site %s requires no metadata beyond the kinds' own\n", site);
        return JY_EXIT_OK;
    }
    {
        const char *kind = argv[optind], *field = argv[optind + 1];
        const char *p[4] = {s, column, kind, field};
        const char *label;
        if (column && jy_db_query_value(db, cli->pool,
                                        "SELECT 1 FROM site_column WHERE site_id = $1::bigint "
                                        "AND path = $2",
                                        2, p, &err) == NULL) {
            if (err.code == JY_E_NONE) {
                jy_err_set(&err, JY_E_NOT_FOUND, "site %s has no column \"%s\"", site, column);
                jy_err_field(&err, "column");
            }
            return jy_cli_fail(&err);
        }
        label = jy_db_query_value(db, cli->pool,
                                  "SELECT label FROM item_field WHERE kind = $1 AND field = $2", 2,
                                  p + 2, &err);
        if (label == NULL) {
            if (err.code == JY_E_NONE) {
                jy_err_set(&err, JY_E_INVALID, "items of kind \"%s\" have no field \"%s\"", kind,
                           field);
                jy_err_hint(&err, "\"jiyue item fields %s\" lists them.", kind);
            }
            return jy_cli_fail(&err);
        }
        if (jy_db_begin(db, &err) != JY_OK)
            return jy_cli_fail(&err);
        res = jy_db_query(
            db, cli->pool,
            remove ? "DELETE FROM check_required_field q WHERE q.site_id = $1::bigint "
                     "AND q.kind = $3 AND q.field = $4 AND q.column_id IS NOT DISTINCT FROM "
                     "(SELECT id FROM site_column WHERE site_id = $1::bigint AND path = $2)"
                   : "INSERT INTO check_required_field (site_id, column_id, kind, field) "
                     "VALUES ($1::bigint, (SELECT id FROM site_column WHERE site_id = $1::bigint "
                     "AND path = $2), $3, $4)",
            4, p, &err);
        if (res != NULL && remove && jy_db_res_affected(res) == 0) {
            jy_err_set(&err, JY_E_NOT_FOUND, "site %s has no such rule", site);
            res = NULL;
        }
        if (res == NULL || jy_db_commit(db, &err) != JY_OK) {
            jy_db_rollback(db);
            forbidden_message(&err, "change the required metadata", site);
            if (err.code == JY_E_CONFLICT)
                jy_err_set(&err, JY_E_CONFLICT, "site %s already requires %s there", site, label);
            return jy_cli_fail(&err);
        }
        printf("site %s %s %s (%s.%s) for %s\n", site, remove ? "no longer requires" : "requires",
               label, kind, field, column ? column : "the whole site");
    }
    return JY_EXIT_OK;
}


static int
cmd_check_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db = NULL;
    const char *a;
    int rc;

    if (jy_cli_wants_help(&jy_cmd_check, argc, argv))
        return JY_EXIT_OK;
    if (argc < 2)
        return jy_cli_usage_error(&jy_cmd_check,
                                  "missing action: item, content, text, plugins, set, require or "
                                  "lexicon");
    a = argv[1];
    if (strcmp(a, "plugins") == 0) {
        if (argc != 2)
            return jy_cli_usage_error(&jy_cmd_check, "\"check plugins\" takes no argument");
        rc = check_plugins(cli);
        jy_check_shutdown();
        return rc;
    }
    if (strcmp(a, "lexicon") == 0) {
        rc = check_lexicon(cli, &db, argc - 1, argv + 1);
        if (db)
            jy_db_close(db);
        jy_check_shutdown();
        return rc;
    }
    if (strcmp(a, "item") && strcmp(a, "content") && strcmp(a, "text") && strcmp(a, "set") &&
        strcmp(a, "require"))
        return jy_cli_usage_error(&jy_cmd_check, "unrecognized action \"%s\"", a);
    /* a text without --site needs no database */
    {
        bool needs_db = strcmp(a, "text") != 0;
        int k;
        for (k = 2; k < argc && !needs_db; k++)
            needs_db = strcmp(argv[k], "--site") == 0 || strncmp(argv[k], "--site=", 7) == 0;
        if (needs_db) {
            db = jy_cli_open_platform(cli, &err);
            if (db == NULL)
                return jy_cli_fail(&err);
        }
    }
    if (strcmp(a, "item") == 0)
        rc = check_item(cli, db, argc - 1, argv + 1);
    else if (strcmp(a, "content") == 0)
        rc = check_content(cli, db, argc - 1, argv + 1);
    else if (strcmp(a, "set") == 0)
        rc = check_set(cli, db, argc - 1, argv + 1);
    else if (strcmp(a, "require") == 0)
        rc = check_require(cli, db, argc - 1, argv + 1);
    else
        rc = check_text(cli, db, argc - 1, argv + 1);
    jy_check_shutdown();
    if (db)
        jy_db_close(db);
    return rc;
}

const struct jy_cmd jy_cmd_check = {
    "check",
    "content checks before publishing: sensitive words, typos, personal data, links, metadata",
    "usage: jiyue check item ID [--site SITE] [--stage save|publish] [--json]\n"
    "       jiyue check content --site SITE [--kind KIND] [--limit N] [--stage ...] [--json]\n"
    "       jiyue check text FILE [--site SITE] [--title TITLE] [--stage ...] [--json]\n"
    "       jiyue check plugins\n"
    "       jiyue check set --site SITE KIND [--publish block|warn|off] [--save warn|off]\n"
    "       jiyue check require --site SITE [--column PATH] KIND FIELD [--remove]\n"
    "       jiyue check require --site SITE\n"
    "       jiyue check lexicon add --site SITE LEXICON ENTRY [RIGHT]\n"
    "       jiyue check lexicon remove --site SITE LEXICON ENTRY\n"
    "       jiyue check lexicon list --site SITE\n"
    "       jiyue check lexicon test FILE [--pairs]\n"
    "\n"
    "The checks are plugins (setting plugin_dir): words (敏感词), typos (错别字),\n"
    "names (名称错误), privacy (ID numbers, mobile numbers, bank cards, e-mail),\n"
    "links (internal and external) and metadata (required fields). Each finding\n"
    "names the field, the paragraph (1-based), the character where it starts\n"
    "(1-based in the listing, 0-based \"offset\" in --json), what was found and\n"
    "the fix where one is known.\n"
    "\n"
    "--stage publish (the default) applies the site's severities: a kind blocks,\n"
    "warns or is off (\"check set\"); --stage save reports warnings only. The\n"
    "exit status is 1 when a finding blocks publishing.\n"
    "\n"
    "\"content\" checks every item the site owns or places (--kind: of one kind).\n"
    "\"text\" checks a file (HTML or plain text; - reads stdin); with --site the\n"
    "site's settings and lexicon entries apply.\n"
    "\n"
    "\"require\" adds metadata that items of KIND placed in the column (or\n"
    "anywhere on the site) must have before they are published, beyond the\n"
    "kind's own required fields (check kind metadata); alone it lists the rules.\n"
    "\n"
    "LEXICON is sensitive, whitelist (phrases that legitimately contain a\n"
    "sensitive word), typos or names (the last two take WRONG RIGHT). \"lexicon\n"
    "test\" validates a lexicon file before it is installed in check_lexicon_dir.\n",
    cmd_check_run,
};
