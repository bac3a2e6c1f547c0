/*
 * cmd_site.c - `jiyue site`: what a platform admin does with sites; the
 * work is in site.c, this file parses arguments and prints.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/blueprint.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/site.h"

#include <cjson/cJSON.h>

#define MAX_DOMAINS 32

/* One option of an action: --name VALUE (or --name=VALUE), or a flag. */
struct opt {
    const char *name;   /* "--code" */
    const char **value; /* for options with a value */
    bool *flag;         /* for flags */
    const char **list;  /* for repeatable options (--domain): MAX_DOMAINS slots */
    int *nlist;
};


/*
 * Parse argv[start..] into opts and up to maxpos positional arguments.
 * Returns JY_EXIT_OK or the usage error's exit status.
 */
static int
parse(int argc, char **argv, int start, const struct opt *opts, const char **pos, int maxpos,
      int *npos)
{
    int i;

    *npos = 0;
    for (i = start; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        const struct opt *o;
        size_t n = eq && strncmp(a, "--", 2) == 0 ? (size_t) (eq - a) : strlen(a);

        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (*npos == maxpos)
                return jy_cli_usage_error(&jy_cmd_site, "unexpected argument \"%s\"", a);
            pos[(*npos)++] = a;
            continue;
        }
        for (o = opts; o->name; o++)
            if (strlen(o->name) == n && strncmp(o->name, a, n) == 0)
                break;
        if (o->name == NULL)
            return jy_cli_usage_error(&jy_cmd_site, "unrecognized option \"%.*s\"", (int) n, a);
        if (o->flag) {
            if (eq && a[n] == '=')
                return jy_cli_usage_error(&jy_cmd_site, "option \"%s\" takes no value", o->name);
            *o->flag = true;
            continue;
        }
        if (a[n] != '=' && i + 1 >= argc)
            return jy_cli_usage_error(&jy_cmd_site, "option \"%s\" needs a value", o->name);
        a = a[n] == '=' ? a + n + 1 : argv[++i];
        if (o->list) {
            if (*o->nlist == MAX_DOMAINS)
                return jy_cli_usage_error(&jy_cmd_site, "option \"%s\" given too often", o->name);
            o->list[(*o->nlist)++] = a;
        } else {
            *o->value = a;
        }
    }
    return JY_EXIT_OK;
}


static const char *
blueprint_dir(struct jy_cli *cli)
{
    return jy_pool_printf(cli->pool, "%s/sites/blueprints", jy_conf_get(cli->conf, "share_dir"));
}


/* Report a failed operation: nothing changed, since each runs in one transaction. */
static int
fail(const struct jy_err *err)
{
    struct jy_err e = *err;

    if (e.hint[0] == '\0' && e.code != JY_E_UNAVAILABLE)
        jy_err_hint(&e, "Nothing was changed.");
    return jy_cli_fail(&e);
}


static const char *
dry(const struct jy_site_result *res)
{
    return res->dry_run ? " (dry run: nothing was changed)" : "";
}


/* ---- create ---------------------------------------------------------------------------------- */

static int
site_create(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_site_spec spec;
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    const char *domains[MAX_DOMAINS], *pos[1];
    bool dry_run = false;
    int npos, rc;
    const struct opt opts[] = {
        {"--parent", &spec.parent, NULL, NULL, NULL},
        {"--blueprint", &spec.blueprint, NULL, NULL, NULL},
        {"--level", &spec.level, NULL, NULL, NULL},
        {"--name", &spec.name, NULL, NULL, NULL},
        {"--short-name", &spec.short_name, NULL, NULL, NULL},
        {"--code", &spec.code, NULL, NULL, NULL},
        {"--admin-code", &spec.admin_code, NULL, NULL, NULL},
        {"--domain", NULL, NULL, domains, &spec.ndomains},
        {"--sponsor", &spec.sponsor, NULL, NULL, NULL},
        {"--organizer", &spec.organizer, NULL, NULL, NULL},
        {"--phone", &spec.contact_phone, NULL, NULL, NULL},
        {"--email", &spec.contact_email, NULL, NULL, NULL},
        {"--address", &spec.contact_address, NULL, NULL, NULL},
        {"--postcode", &spec.contact_postcode, NULL, NULL, NULL},
        {"--icp", &spec.icp_no, NULL, NULL, NULL},
        {"--psb", &spec.psb_no, NULL, NULL, NULL},
        {"--dzjg-url", &spec.dzjg_url, NULL, NULL, NULL},
        {"--theme", &spec.theme, NULL, NULL, NULL},
        {"--time-zone", &spec.time_zone, NULL, NULL, NULL},
        {"--dry-run", NULL, &dry_run, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL},
    };

    memset(&spec, 0, sizeof(spec));
    if ((rc = parse(argc, argv, 2, opts, pos, 0, &npos)) != JY_EXIT_OK)
        return rc;
    if (spec.parent == NULL || spec.name == NULL || spec.code == NULL || spec.ndomains == 0)
        return jy_cli_usage_error(&jy_cmd_site, "site create needs --parent, --name, --code and "
                                                "--domain");
    spec.domains = domains;
    spec.blueprint_dir = blueprint_dir(cli);
    if (jy_site_create(db, cli->pool, &spec, dry_run ? JY_SITE_DRY_RUN : 0, &res, &err) != JY_OK)
        return fail(&err);
    printf("created site \"%s\" (code %s, id %lld)%s\n", res.name, res.code, res.site_id,
           dry(&res));
    printf("  https://%s/\n", domains[0]);
    if (spec.blueprint)
        printf("  %d columns from blueprint \"%s\"; %d of them reuse columns of sites above\n",
               res.columns_created, spec.blueprint, res.columns_wired);
    return JY_EXIT_OK;
}


/* ---- show ------------------------------------------------------------------------------------ */

static const char *
jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}


static double
jnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}


static void
line(const char *key, const char *value)
{
    if (value)
        printf("  %-14s %s\n", key, value);
}


static int
site_show(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    bool as_json = false;
    const char *pos[1];
    const struct opt opts[] = {
        {"--json", NULL, &as_json, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL},
    };
    const cJSON *d, *el, *parent, *redirect;
    struct jy_buf b = JY_BUF_INIT(cli->pool);
    cJSON *s;
    int npos, rc, i = 0;

    if ((rc = parse(argc, argv, 2, opts, pos, 1, &npos)) != JY_EXIT_OK)
        return rc;
    if (npos != 1)
        return jy_cli_usage_error(&jy_cmd_site, "site show needs a site");
    if ((s = jy_site_describe(db, cli->pool, pos[0], &err)) == NULL)
        return jy_cli_fail(&err);
    if (as_json) {
        jy_json_print_pretty(s, &b);
        printf("%s\n", b.buf);
        return JY_EXIT_OK;
    }
    printf("%s  (%s, %s, %s)\n", jstr(s, "name"), jstr(s, "kind"), jstr(s, "level"),
           jstr(s, "status"));
    printf("  %-14s %.0f\n", "id", jnum(s, "id"));
    line("code", jstr(s, "code"));
    line("admin_code", jstr(s, "admin_code"));
    parent = cJSON_GetObjectItemCaseSensitive(s, "parent");
    if (cJSON_IsObject(parent))
        line("parent", jy_pool_printf(cli->pool, "%s (%s)", jstr(parent, "name"),
                                      jstr(parent, "code") ? jstr(parent, "code") : "-"));
    d = cJSON_GetObjectItemCaseSensitive(s, "domains");
    cJSON_ArrayForEach(el, d)
    {
        jy_buf_addf(&b, "%s%s%s", i ? ", " : "", el->valuestring, i ? "" : " (primary)");
        i++;
    }
    line("domains", i ? b.buf : NULL);
    line("url", jstr(s, "base_url") ? jy_pool_printf(cli->pool, "%s/", jstr(s, "base_url")) : NULL);
    line("short_name", jstr(s, "short_name"));
    line("sponsor", jstr(s, "sponsor"));
    line("organizer", jstr(s, "organizer"));
    line("contact_phone", jstr(s, "contact_phone"));
    line("contact_email", jstr(s, "contact_email"));
    line("icp_no", jstr(s, "icp_no"));
    line("psb_no", jstr(s, "psb_no"));
    line("theme", jstr(s, "theme"));
    line("time_zone", jstr(s, "time_zone"));
    if (jstr(s, "blueprint"))
        line("blueprint", jy_pool_printf(cli->pool, "%s version %.0f", jstr(s, "blueprint"),
                                         jnum(s, "blueprint_version")));
    printf("  %-14s %.0f (%.0f reuse columns of sites above)\n", "columns", jnum(s, "column_count"),
           jnum(s, "reusing_columns"));
    printf("  %-14s %.0f owned, %.0f placements in its columns\n", "items", jnum(s, "item_count"),
           jnum(s, "placement_count"));
    if (jnum(s, "unit_columns") > 0)
        printf("  %-14s %.0f on its parent site\n", "unit columns", jnum(s, "unit_columns"));
    if (jstr(s, "kind") && strcmp(jstr(s, "kind"), "unit") == 0)
        /* a column-only unit's own statistics: what it publishes into its columns */
        printf("  %-14s %.0f items of the unit, %.0f published in its columns, last %s\n",
               "statistics", jnum(s, "unit_items"), jnum(s, "unit_published"),
               jstr(s, "unit_last_published") ? jstr(s, "unit_last_published") : "never");
    d = cJSON_GetObjectItemCaseSensitive(s, "units");
    jy_buf_reset(&b);
    i = 0;
    cJSON_ArrayForEach(el, d) jy_buf_addf(&b, "%s%s", i++ ? ", " : "", jstr(el, "name"));
    line("units", i ? b.buf : NULL);
    if (jnum(s, "sites_below") > 0)
        printf("  %-14s %.0f\n", "sites below", jnum(s, "sites_below"));
    redirect = cJSON_GetObjectItemCaseSensitive(s, "redirect");
    if (cJSON_IsObject(redirect))
        line("closed into", jy_pool_printf(cli->pool, "%s %s (%s), since %s",
                                           jstr(redirect, "column"), jstr(redirect, "name"),
                                           jstr(redirect, "url") ? jstr(redirect, "url") : "-",
                                           jstr(s, "closed_at")));
    if (jnum(s, "redirect_count") > 0)
        printf("  %-14s %.0f old URLs mapped\n", "redirects", jnum(s, "redirect_count"));
    return JY_EXIT_OK;
}


/* ---- set ------------------------------------------------------------------------------------- */

static int
site_set(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_site_setting *set =
        jy_pool_new_array(cli->pool, struct jy_site_setting, (size_t) argc + 1);
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    bool dry_run = false;
    const char *site = NULL;
    int i, n = 0;

    for (i = 2; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (strcmp(argv[i], "--dry-run") == 0) {
            dry_run = true;
        } else if (argv[i][0] == '-') {
            return jy_cli_usage_error(&jy_cmd_site, "unrecognized option \"%s\"", argv[i]);
        } else if (site == NULL && eq == NULL) {
            site = argv[i];
        } else if (eq == NULL || eq == argv[i]) {
            return jy_cli_usage_error(&jy_cmd_site, "\"%s\": expected KEY=VALUE", argv[i]);
        } else {
            set[n].key = jy_pool_strndup(cli->pool, argv[i], (size_t) (eq - argv[i]));
            set[n++].value = eq + 1;
        }
    }
    if (site == NULL || n == 0)
        return jy_cli_usage_error(&jy_cmd_site, "site set needs a site and KEY=VALUE settings");
    if (jy_site_update(db, cli->pool, site, set, n, dry_run ? JY_SITE_DRY_RUN : 0, &res, &err) !=
        JY_OK)
        return fail(&err);
    if (res.fields_changed == 0)
        printf("site \"%s\": nothing changed (the settings were already so)\n", res.name);
    else
        printf("site \"%s\": %d setting%s changed%s\n", res.name, res.fields_changed,
               res.fields_changed == 1 ? "" : "s", dry(&res));
    return JY_EXIT_OK;
}


/* ---- close, reopen, promote, demote ---------------------------------------------------------- */

static int
site_close(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    const char *into = NULL, *pos[1];
    bool dry_run = false;
    int npos, rc;
    const struct opt opts[] = {
        {"--into", &into, NULL, NULL, NULL},
        {"--dry-run", NULL, &dry_run, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL},
    };

    if ((rc = parse(argc, argv, 2, opts, pos, 1, &npos)) != JY_EXIT_OK)
        return rc;
    if (npos != 1 || into == NULL)
        return jy_cli_usage_error(&jy_cmd_site, "site close needs a site and --into SITE:PATH");
    if (jy_site_close(db, cli->pool, pos[0], into, dry_run ? JY_SITE_DRY_RUN : 0, &res, &err) !=
        JY_OK)
        return fail(&err);
    printf("closed site \"%s\" into %s%s\n", res.name, res.target, dry(&res));
    printf("  %lld item%s placed in %s\n", res.placements, res.placements == 1 ? "" : "s",
           res.target_url);
    printf("  %lld old URL%s mapped (\"jiyue site redirects %s --nginx\" writes the map)\n",
           res.redirects, res.redirects == 1 ? "" : "s", res.code ? res.code : pos[0]);
    return JY_EXIT_OK;
}


static int
site_reopen(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    const char *pos[1];
    bool dry_run = false, unmerge = false;
    int npos, rc;
    const struct opt opts[] = {
        {"--unmerge", NULL, &unmerge, NULL, NULL},
        {"--dry-run", NULL, &dry_run, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL},
    };

    if ((rc = parse(argc, argv, 2, opts, pos, 1, &npos)) != JY_EXIT_OK)
        return rc;
    if (npos != 1)
        return jy_cli_usage_error(&jy_cmd_site, "site reopen needs a site");
    if (jy_site_reopen(db, cli->pool, pos[0],
                       (dry_run ? JY_SITE_DRY_RUN : 0) | (unmerge ? JY_SITE_UNMERGE : 0), &res,
                       &err) != JY_OK)
        return fail(&err);
    printf("reopened site \"%s\"%s\n", res.name, dry(&res));
    printf("  %lld redirect entr%s retired (kept as history)\n", res.redirects,
           res.redirects == 1 ? "y" : "ies");
    if (unmerge)
        printf("  %lld placement%s the close had added removed\n", res.placements,
               res.placements == 1 ? "" : "s");
    return JY_EXIT_OK;
}


static int
site_promote(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_site_promotion p;
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    const char *domains[MAX_DOMAINS], *pos[1];
    bool dry_run = false;
    int npos, rc;
    const struct opt opts[] = {
        {"--code", &p.code, NULL, NULL, NULL},
        {"--admin-code", &p.admin_code, NULL, NULL, NULL},
        {"--domain", NULL, NULL, domains, &p.ndomains},
        {"--level", &p.level, NULL, NULL, NULL},
        {"--blueprint", &p.blueprint, NULL, NULL, NULL},
        {"--dry-run", NULL, &dry_run, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL},
    };

    memset(&p, 0, sizeof(p));
    if ((rc = parse(argc, argv, 2, opts, pos, 1, &npos)) != JY_EXIT_OK)
        return rc;
    if (npos != 1)
        return jy_cli_usage_error(&jy_cmd_site, "site promote needs a unit");
    p.unit = pos[0];
    p.domains = domains;
    p.blueprint_dir = blueprint_dir(cli);
    if (jy_site_promote(db, cli->pool, &p, dry_run ? JY_SITE_DRY_RUN : 0, &res, &err) != JY_OK)
        return fail(&err);
    printf("promoted \"%s\" to a site (code %s, id %lld)%s\n", res.name, res.code, res.site_id,
           dry(&res));
    if (p.blueprint)
        printf("  %d columns from blueprint \"%s\"\n", res.columns_created, p.blueprint);
    if (res.redirects)
        printf("  %lld redirect entries of its closed site retired\n", res.redirects);
    return JY_EXIT_OK;
}


static int
site_demote(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    const char *pos[1];
    bool dry_run = false;
    int npos, rc;
    const struct opt opts[] = {
        {"--dry-run", NULL, &dry_run, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL},
    };

    if ((rc = parse(argc, argv, 2, opts, pos, 1, &npos)) != JY_EXIT_OK)
        return rc;
    if (npos != 1)
        return jy_cli_usage_error(&jy_cmd_site, "site demote needs a site");
    if (jy_site_demote(db, cli->pool, pos[0], dry_run ? JY_SITE_DRY_RUN : 0, &res, &err) != JY_OK)
        return fail(&err);
    printf("site \"%s\" is now a column-only unit of its parent%s\n", res.name, dry(&res));
    printf("  it keeps its code, domains, columns, items and redirect map\n");
    return JY_EXIT_OK;
}


/* ---- redirects and blueprints ---------------------------------------------------------------- */

static int
site_redirects(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_site_redirect *v;
    const char *pos[1];
    bool all = false, nginx = false, retired = false;
    int npos, rc, n, i;
    const struct opt opts[] = {
        {"--all", NULL, &all, NULL, NULL},
        {"--nginx", NULL, &nginx, NULL, NULL},
        {"--retired", NULL, &retired, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL},
    };

    if ((rc = parse(argc, argv, 2, opts, pos, 1, &npos)) != JY_EXIT_OK)
        return rc;
    if ((npos == 1) == all)
        return jy_cli_usage_error(&jy_cmd_site, "site redirects needs a site or --all");
    if (nginx && retired)
        return jy_cli_usage_error(&jy_cmd_site, "--retired entries are never served: not with "
                                                "--nginx");
    if (jy_site_redirects(db, cli->pool, all ? NULL : pos[0], retired, &v, &n, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (nginx) {
        struct jy_buf b = JY_BUF_INIT(cli->pool);
        jy_site_redirects_nginx(v, n, &b);
        fwrite(b.buf, 1, b.len, stdout);
        return JY_EXIT_OK;
    }
    for (i = 0; i < n; i++)
        printf("%s\t%s\t%s%s\t%s%s\n", v[i].site, v[i].kind, v[i].old_host, v[i].old_path,
               v[i].new_url, v[i].retired ? "\tretired" : "");
    return JY_EXIT_OK;
}


static int
site_blueprint(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_site_blueprint_report *reps;
    const char *name = NULL, *pos[1];
    bool all = false, dry_run = false;
    int npos, rc, n, i, j, total = 0;
    const struct opt opts[] = {
        {"--all", NULL, &all, NULL, NULL},
        {"--blueprint", &name, NULL, NULL, NULL},
        {"--dry-run", NULL, &dry_run, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL},
    };

    if ((rc = parse(argc, argv, 2, opts, pos, 1, &npos)) != JY_EXIT_OK)
        return rc;
    if ((npos == 1) == all)
        return jy_cli_usage_error(&jy_cmd_site, "site blueprint needs a site or --all");
    if (all && name)
        return jy_cli_usage_error(&jy_cmd_site, "--blueprint names the blueprint of one site: "
                                                "not with --all");
    if (jy_site_blueprint(db, cli->pool, all ? NULL : pos[0], name, blueprint_dir(cli),
                          dry_run ? JY_SITE_DRY_RUN : 0, &reps, &n, &err) != JY_OK)
        return fail(&err);
    for (i = 0; i < n; i++) {
        const struct jy_site_blueprint_report *r = &reps[i];
        total += r->ncreated;
        if (all && r->ncreated == 0 && r->from_version == r->to_version)
            continue;
        printf("%s (%s): blueprint \"%s\" version %lld -> %lld: %d column%s created, %d "
               "present\n",
               r->name, r->code ? r->code : "-", r->blueprint, r->from_version, r->to_version,
               r->ncreated, r->ncreated == 1 ? "" : "s", r->present);
        for (j = 0; j < r->ncreated; j++)
            printf("  + %s  %s%s\n", r->created[j].path, r->created[j].name,
                   r->created[j].reuse_column_id ? "  (reuses a column above)" : "");
    }
    printf("%d site%s checked, %d column%s created%s\n", n, n == 1 ? "" : "s", total,
           total == 1 ? "" : "s", dry_run ? " (dry run: nothing was changed)" : "");
    return JY_EXIT_OK;
}


/* ---- the command ----------------------------------------------------------------------------- */

static const struct {
    const char *name;
    int (*run)(struct jy_cli *cli, struct jy_db *db, int argc, char **argv);
} actions[] = {
    {"create", site_create}, {"show", site_show},           {"set", site_set},
    {"close", site_close},   {"reopen", site_reopen},       {"promote", site_promote},
    {"demote", site_demote}, {"redirects", site_redirects}, {"blueprint", site_blueprint},
};


static int
cmd_site_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db;
    size_t i;
    int rc;

    if (jy_cli_wants_help(&jy_cmd_site, argc, argv))
        return JY_EXIT_OK;
    if (argc < 2)
        return jy_cli_usage_error(&jy_cmd_site, "missing action");
    for (i = 0; i < JY_ARRAY_LEN(actions); i++)
        if (strcmp(actions[i].name, argv[1]) == 0)
            break;
    if (i == JY_ARRAY_LEN(actions))
        return jy_cli_usage_error(&jy_cmd_site, "unrecognized action \"%s\"", argv[1]);
    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    rc = actions[i].run(cli, db, argc, argv);
    jy_db_close(db);
    return rc;
}

const struct jy_cmd jy_cmd_site = {
    "site",
    "create, change, close, merge, reopen, promote and demote sites",
    "usage: jiyue site ACTION ...\n"
    "\n"
    "  create --parent SITE --blueprint NAME --name NAME --code CODE --domain HOST\n"
    "         [--domain ALIAS]... [--short-name S] [--admin-code NNNNNN] [--level L]\n"
    "         [--sponsor S] [--organizer S] [--phone P] [--email E] [--address A]\n"
    "         [--postcode P] [--icp ICP] [--psb PSB] [--dzjg-url URL] [--theme T]\n"
    "         [--time-zone TZ] [--dry-run]\n"
    "      create a site under SITE, complete with the columns of its blueprint\n"
    "      (sites/blueprints/NAME.json of share_dir) and their reuse links, in one\n"
    "      transaction; the first --domain is the primary one\n"
    "  show SITE [--json]\n"
    "      its settings, domains, counts, and where it redirects when closed\n"
    "  set SITE KEY=VALUE... [--dry-run]\n"
    "      change settings: name, short_name, code, admin_code, parent (moves it),\n"
    "      domains (comma-separated, primary first), sponsor, organizer,\n"
    "      contact_phone, contact_email, contact_address, contact_postcode, icp_no,\n"
    "      psb_no, dzjg_url, theme, time_zone, channels, sort; KEY= clears one\n"
    "  close SITE --into COLUMN [--dry-run]\n"
    "      关停整合: place every item of SITE in COLUMN, a column of a site above it,\n"
    "      map every old URL to its new one, mark SITE closed; nothing is deleted\n"
    "  reopen SITE [--unmerge] [--dry-run]\n"
    "      open a closed site again; its redirect map is retired (kept as history);\n"
    "      --unmerge also removes the placements the close added\n"
    "  promote UNIT [--code CODE] [--domain HOST]... [--level L] [--blueprint NAME]\n"
    "         [--dry-run]\n"
    "      make a column-only unit a site; its columns and items stay where they are\n"
    "  demote SITE [--dry-run]\n"
    "      make a closed site a column-only unit of its parent; nothing is lost\n"
    "  redirects SITE|--all [--nginx] [--retired]\n"
    "      print the redirect map: SITE, kind, old host+path and new URL per line\n"
    "      (tab-separated); --nginx prints a map file for nginx instead\n"
    "  blueprint SITE|--all [--blueprint NAME] [--dry-run]\n"
    "      re-apply the newest version of the site's blueprint: add the columns it\n"
    "      lacks, touch nothing editors made, say what was added\n"
    "\n"
    "SITE is a site's 政府网站标识码 (5601210001), one of its domains or its id;\n"
    "a unit is its id or SITE/NAME (5601210001/栖云县教育体育局). COLUMN is\n"
    "SITE:PATH, the site and the column's URL path: 5601000001:zwgk/zwdt/xqdt.\n"
    "Every action runs in one transaction and writes one audit record;\n"
    "--dry-run does the work, prints what it did, and rolls it back.\n",
    cmd_site_run,
};
