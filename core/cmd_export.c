/*
 * cmd_export.c - `jiyue export DIR [--site SITE]`: write the platform (or one
 * site's subtree) in the corpus format that `jiyue import` reads (core/export.h).
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/err.h"
#include "core/export.h"
#include "core/pool.h"

#include <time.h>


static double
mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static int
cmd_export_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_export_opts o;
    struct jy_export_result r;
    struct jy_db *db;
    double t0 = mono();
    int i, rc;

    if (jy_cli_wants_help(&jy_cmd_export, argc, argv))
        return JY_EXIT_OK;
    memset(&o, 0, sizeof(o));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--site") == 0 || strcmp(a, "--source") == 0) {
            if (i + 1 >= argc)
                return jy_cli_usage_error(&jy_cmd_export, "option \"%s\" needs a value", a);
            if (a[3] == 'i')
                o.site = argv[++i];
            else
                o.source = argv[++i];
        } else if (strncmp(a, "--site=", 7) == 0) {
            o.site = a + 7;
        } else if (strncmp(a, "--source=", 9) == 0) {
            o.source = a + 9;
        } else if (a[0] == '-' && a[1] != '\0') {
            return jy_cli_usage_error(&jy_cmd_export, "unrecognized option \"%s\"", a);
        } else if (o.dir == NULL) {
            o.dir = a;
        } else {
            return jy_cli_usage_error(&jy_cmd_export, "unexpected argument \"%s\"", a);
        }
    }
    if (o.dir == NULL)
        return jy_cli_usage_error(&jy_cmd_export, "give the folder to write");
    if (cli->as_login) {
        jy_err_set(&err, JY_E_FORBIDDEN, "export runs as the system, not --as \"%s\"",
                   cli->as_login);
        jy_err_hint(&err, "Run it without --as: it records the ids it gives in import_key.");
        return jy_cli_fail(&err);
    }
    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    rc = jy_export_corpus(db, cli->pool, &o, &r, &err);
    jy_db_close(db);
    if (rc != JY_OK)
        return jy_cli_fail(&err);
    printf("exported %lld sites, %lld columns, %lld articles to %s (%.1f MiB, %.2f s)\n", r.sites,
           r.columns, r.articles, o.dir, (double) r.bytes / 1048576.0, mono() - t0);
    if (r.keys_added)
        printf("  %lld rows got ids of source \"%s\" (recorded in import_key)\n", r.keys_added,
               o.source ? o.source : "corpus");
    if (r.items_skipped)
        printf("  %lld items not written: other kinds than article and policy, or not published "
               "in a list column of their own site\n",
               r.items_skipped);
    if (r.topics)
        printf("  %lld topic columns written as list columns\n", r.topics);
    if (r.reuse_dropped)
        printf("  %lld reusing columns written without shared_from: their source is not exported "
               "or reuses another column\n",
               r.reuse_dropped);
    return JY_EXIT_OK;
}


const struct jy_cmd jy_cmd_export = {
    "export",
    "write sites, columns and articles in the corpus format",
    "usage: jiyue export DIR [--site SITE] [--source NAME]\n"
    "\n"
    "Write the platform's sites, columns and articles to DIR (sites.jsonl,\n"
    "columns.jsonl, articles.jsonl, manifest.json), the format \"jiyue import\"\n"
    "reads: importing the folder gives the same platform back.\n"
    "\n"
    "Options:\n"
    "  --site SITE    only this site and the sites below it (code, domain or id)\n"
    "  --source NAME  write the ids of this import source (default \"corpus\");\n"
    "                 rows without one get the next free ids, recorded so that a\n"
    "                 later export writes the same\n",
    cmd_export_run,
};
