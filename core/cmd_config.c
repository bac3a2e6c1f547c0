/*
 * cmd_config.c - `jiyue config`: the effective settings and where each came from.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/conf.h"

static int
cmd_config_run(struct jy_cli *cli, int argc, char **argv)
{
    size_t i;
    bool describe = false;

    if (jy_cli_wants_help(&jy_cmd_config, argc, argv))
        return JY_EXIT_OK;
    for (i = 1; i < (size_t) argc; i++) {
        if (strcmp(argv[i], "--describe") == 0)
            describe = true;
        else
            return jy_cli_usage_error(&jy_cmd_config, "unrecognized argument \"%s\"", argv[i]);
    }
    if (cli->conf->file)
        printf("# configuration file: %s\n", cli->conf->file);
    else
        printf("# no configuration file (looked for ./jiyue.conf)\n");
    for (i = 0; i < cli->conf->n; i++) {
        const struct jy_conf_entry *e = &cli->conf->entries[i];
        if (describe)
            printf("# %s\n", jy_conf_describe(e->key));
        /* connection strings may hold a password: show that one is set, not what */
        if (strcmp(e->key, "db") == 0 && strstr(e->value, "password"))
            printf("%-12s = <set, contains a password>   # %s\n", e->key, e->origin);
        else
            printf("%-12s = %s   # %s\n", e->key, e->value, e->origin);
    }
    return JY_EXIT_OK;
}

const struct jy_cmd jy_cmd_config = {
    "config",
    "show the effective settings and where each comes from",
    "usage: jiyue config [--describe]\n"
    "\n"
    "Print every setting with its value and its origin: default, the file and\n"
    "line, an environment variable, or a flag. --describe adds what each means.\n"
    "\n"
    "Precedence, lowest to highest: defaults, the configuration file (--config\n"
    "FILE, $JIYUE_CONFIG, or ./jiyue.conf), JIYUE_<KEY> environment variables,\n"
    "command-line flags (--db, --data, --log-level, --set KEY=VALUE).\n",
    cmd_config_run,
};
