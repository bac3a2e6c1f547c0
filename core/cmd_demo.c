/*
 * cmd_demo.c - `jiyue demo`: load the demo platform, idempotently, in one
 * transaction, and say what changed.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/demo.h"
#include "core/err.h"
#include "core/pool.h"


static void
print_row(const char *what, const struct jy_demo_count *c, bool can_update)
{
    if (can_update)
        printf("  %-12s %8d %8d %10d\n", what, c->created, c->updated, c->unchanged);
    else
        printf("  %-12s %8d %8s %10d\n", what, c->created, "-", c->unchanged);
}


/* "1 province, 3 cities, 9 counties, 6 departments and 4 units", from the database. */
static void
print_totals(struct jy_db *db, struct jy_pool *pool)
{
    static const char sql[] = "SELECT count(*) FILTER (WHERE kind = 'site' AND level = 'province'),"
                              " count(*) FILTER (WHERE kind = 'site' AND level = 'city'),"
                              " count(*) FILTER (WHERE kind = 'site' AND level = 'county'),"
                              " count(*) FILTER (WHERE kind = 'site' AND level = 'department'),"
                              " count(*) FILTER (WHERE kind = 'unit'),"
                              " (SELECT count(*) FROM site_column), (SELECT count(*) FROM item),"
                              " (SELECT count(*) FROM app_user)"
                              " FROM site";
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *r = jy_db_query(db, pool, sql, 0, NULL, &err);

    if (r == NULL || jy_db_res_rows(r) != 1)
        return;
    printf("the platform holds %s province, %s cities, %s counties, %s departments and %s units;"
           " %s columns, %s items, %s users\n",
           jy_db_res_get(r, 0, 0), jy_db_res_get(r, 0, 1), jy_db_res_get(r, 0, 2),
           jy_db_res_get(r, 0, 3), jy_db_res_get(r, 0, 4), jy_db_res_get(r, 0, 5),
           jy_db_res_get(r, 0, 6), jy_db_res_get(r, 0, 7));
}


static void
print_summary(const struct jy_demo_opts *opts, const struct jy_demo_stats *st)
{
    printf("%s the demo platform from %s\n", opts->dry_run ? "checked (and rolled back)" : "loaded",
           opts->name);
    printf("  %-12s %8s %8s %10s\n", "", "created", "updated", "unchanged");
    print_row("sites", &st->sites, true);
    print_row("units", &st->units, true);
    print_row("domains", &st->domains, true);
    print_row("columns", &st->columns, false);
    print_row("tags", &st->tags, true);
    print_row("users", &st->users, true);
    print_row("grants", &st->grants, false);
    print_row("items", &st->items, true);
    print_row("item tags", &st->item_tags, false);
    print_row("relations", &st->relations, false);
    print_row("placements", &st->placements, true);
    if (st->reuse_wired)
        printf("  %d new column%s reuse a column of a province or city site\n", st->reuse_wired,
               st->reuse_wired == 1 ? "" : "s");
}


/* The name messages use: relative to the share folder when the file is inside it. */
static const char *
display_name(struct jy_cli *cli, const char *path)
{
    const char *share = jy_conf_get(cli->conf, "share_dir");
    size_t n = strlen(share);

    if (n && strncmp(path, share, n) == 0 && path[n] == '/')
        return jy_pool_strdup(cli->pool, path + n + 1);
    return path;
}


static int
cmd_demo_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_demo_opts opts = {NULL, NULL, NULL, false};
    struct jy_demo_stats st;
    const char *share = jy_conf_get(cli->conf, "share_dir");
    struct jy_db *db;
    int i, rc;

    if (jy_cli_wants_help(&jy_cmd_demo, argc, argv))
        return JY_EXIT_OK;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--dry-run") == 0) {
            opts.dry_run = true;
        } else if (strcmp(a, "--file") == 0 || strcmp(a, "--blueprints") == 0) {
            if (i + 1 >= argc)
                return jy_cli_usage_error(&jy_cmd_demo, "option \"%s\" needs a value", a);
            if (a[2] == 'f')
                opts.file = argv[++i];
            else
                opts.blueprint_dir = argv[++i];
        } else if (strncmp(a, "--file=", 7) == 0) {
            opts.file = a + 7;
        } else if (strncmp(a, "--blueprints=", 13) == 0) {
            opts.blueprint_dir = a + 13;
        } else {
            return jy_cli_usage_error(&jy_cmd_demo, "unrecognized argument \"%s\"", a);
        }
    }
    if (opts.file == NULL)
        opts.file = jy_pool_printf(cli->pool, "%s/sites/demo/platform.json", share);
    opts.name = display_name(cli, opts.file);

    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    rc = jy_demo_load(db, cli->pool, &opts, &st, &err);
    if (rc != JY_OK) {
        jy_db_close(db);
        if (err.hint[0] == '\0')
            jy_err_hint(&err, "Nothing was changed: the load runs in one transaction.");
        return jy_cli_fail(&err);
    }
    if (jy_demo_changes(&st) == 0) {
        printf("the demo platform is already loaded: nothing changed (%d sites, %d units, "
               "%d columns, %d users, %d items, %d placements checked)\n",
               st.sites.unchanged, st.units.unchanged, st.columns.unchanged, st.users.unchanged,
               st.items.unchanged, st.placements.unchanged);
    } else {
        print_summary(&opts, &st);
    }
    print_totals(db, cli->pool);
    jy_db_close(db);
    return JY_EXIT_OK;
}

const struct jy_cmd jy_cmd_demo = {
    "demo",
    "load the demo platform: a province, 3 cities, 9 counties, 6 departments",
    "usage: jiyue demo [--file FILE] [--blueprints DIR] [--dry-run]\n"
    "\n"
    "Load the demo platform, a fictional province (云岭省) with 3 cities, 9\n"
    "counties and 6 departments: the sites with their domains and filing\n"
    "numbers, the standard columns of their level from the blueprints, the\n"
    "province and city columns that counties reuse, a few users (without\n"
    "passwords) and items placed in columns of several sites.\n"
    "\n"
    "The load runs in one transaction: it succeeds whole or changes nothing.\n"
    "It is idempotent: objects are matched by their codes and names and only\n"
    "written when they differ from the file, so running it again changes\n"
    "nothing and says so. Columns that exist are never changed.\n"
    "\n"
    "  --file FILE       the platform file (default sites/demo/platform.json\n"
    "                    of the share folder)\n"
    "  --blueprints DIR  the blueprint folder (default: ../blueprints next to\n"
    "                    the folder of FILE)\n"
    "  --dry-run         check and load, then roll back\n",
    cmd_demo_run,
};
