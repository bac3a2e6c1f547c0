/*
 * cmd_migrate.c - `jiyue migrate`: apply schema/NNNN_*.sql.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/migrate.h"
#include "core/pool.h"

static int
cmd_migrate_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_migrate_result res;
    const char *dir;
    bool status = false;
    struct jy_db *db;
    int i, rc;

    if (jy_cli_wants_help(&jy_cmd_migrate, argc, argv))
        return JY_EXIT_OK;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--status") == 0)
            status = true;
        else
            return jy_cli_usage_error(&jy_cmd_migrate, "unrecognized argument \"%s\"", argv[i]);
    }
    dir = jy_pool_printf(cli->pool, "%s/schema", jy_conf_get(cli->conf, "share_dir"));
    db = jy_cli_open_db(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    if (status) {
        rc = jy_migrate_status(db, cli->pool, dir, &err);
    } else {
        rc = jy_migrate_apply(db, cli->pool, dir, true, &res, &err);
        if (rc == JY_OK && res.applied == 0)
            printf("schema is up to date (version %04d, %d migrations)\n", res.latest, res.skipped);
        else if (rc == JY_OK)
            printf("applied %d migration%s; schema is at version %04d\n", res.applied,
                   res.applied == 1 ? "" : "s", res.latest);
        if (rc == JY_OK && res.changed)
            printf("warning: %d applied migration%s changed since; see the log above\n",
                   res.changed, res.changed == 1 ? "" : "s");
    }
    jy_db_close(db);
    return rc == JY_OK ? JY_EXIT_OK : jy_cli_fail(&err);
}

const struct jy_cmd jy_cmd_migrate = {
    "migrate",
    "apply the schema migrations (idempotent)",
    "usage: jiyue migrate [--status]\n"
    "\n"
    "Apply the migrations of schema/ (files NNNN_name.sql) that the database\n"
    "does not have yet, in order, each in a transaction of its own. A failing\n"
    "migration is rolled back whole and named with the line and statement that\n"
    "failed. Running it again when nothing is pending changes nothing.\n"
    "\n"
    "  --status   list every migration as applied, pending or changed\n",
    cmd_migrate_run,
};
