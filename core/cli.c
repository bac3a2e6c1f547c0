/*
 * cli.c - what every subcommand shares: opening the database, help, errors.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/cluster.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"


const char *
jy_cli_conninfo(struct jy_cli *cli)
{
    const char *db = jy_conf_get(cli->conf, "db");
    struct jy_cluster c;
    struct jy_err err = JY_ERR_INIT;

    if (db[0])
        return db;
    if (jy_cluster_init(&c, cli->pool, cli->conf, &err) != JY_OK)
        return NULL;
    return jy_cluster_conninfo(&c, NULL);
}


struct jy_db *
jy_cli_open_db(struct jy_cli *cli, struct jy_err *err)
{
    const char *conninfo = jy_conf_get(cli->conf, "db");
    struct jy_cluster c;

    if (conninfo[0] == '\0') {
        /* the embedded default: make sure our own cluster runs */
        if (jy_cluster_init(&c, cli->pool, cli->conf, err) != JY_OK)
            return NULL;
        if (!jy_cluster_ready(&c) && jy_cluster_start(&c, err) != JY_OK)
            return NULL;
        conninfo = jy_cluster_conninfo(&c, NULL);
    }
    return jy_db_connect(conninfo, err);
}


bool
jy_cli_wants_help(const struct jy_cmd *cmd, int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(cmd->usage, stdout);
            return true;
        }
    }
    return false;
}


int
jy_cli_usage_error(const struct jy_cmd *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "jiyue %s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun \"jiyue %s --help\" for its usage.\n", cmd->name);
    return JY_EXIT_USAGE;
}


int
jy_cli_fail(const struct jy_err *err)
{
    jy_err_print(err);
    return err->code == JY_E_UNAVAILABLE ? JY_EXIT_UNAVAILABLE : JY_EXIT_FAIL;
}
