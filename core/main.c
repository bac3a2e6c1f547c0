/*
 * main.c - the jiyue program: global options, then one subcommand.
 */
#include "core/compat.h"
#include "core/check.h"
#include "core/cli.h"
#include "core/conf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/pool.h"

#include <unistd.h>

extern char **environ;

static const struct jy_cmd *const commands[] = {
    &jy_cmd_db,     &jy_cmd_migrate,    &jy_cmd_demo,      &jy_cmd_sites,   &jy_cmd_site,
    &jy_cmd_user,   &jy_cmd_grant,      &jy_cmd_audit,     &jy_cmd_import,  &jy_cmd_export,
    &jy_cmd_render, &jy_cmd_item,       &jy_cmd_tag,       &jy_cmd_topic,   &jy_cmd_file,
    &jy_cmd_review, &jy_cmd_submission, &jy_cmd_scheduler, &jy_cmd_check,   &jy_cmd_mirror,
    &jy_cmd_pusher, &jy_cmd_serve,      &jy_cmd_config,    &jy_cmd_version,
};

static const char global_usage[] =
    "usage: jiyue [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Jiyue hosts every government website of a province on one shared core.\n"
    "\n"
    "Options (before or after COMMAND):\n"
    "  --config FILE      read settings from FILE (default ./jiyue.conf when present)\n"
    "  --db CONNSTR       use this PostgreSQL instead of the embedded cluster\n"
    "  --data DIR         data folder of the embedded cluster (default var/pg)\n"
    "  --log-level LEVEL  debug, info, warn, error or off\n"
    "  --set KEY=VALUE    set any setting (see \"jiyue config\")\n"
    "  --as LOGIN         act as this user, under row-level security (default:\n"
    "                     the system, which may do everything)\n"
    "  -h, --help         show this help, or a command's with \"jiyue COMMAND --help\"\n"
    "\n"
    "Settings come from defaults, then the file, then JIYUE_* environment\n"
    "variables, then these options; the later wins.\n"
    "\n"
    "Commands:\n";


static void
print_usage(FILE *out)
{
    size_t i;

    fputs(global_usage, out);
    for (i = 0; i < JY_ARRAY_LEN(commands); i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\nRun \"jiyue COMMAND --help\" for the options of one command.\n", out);
}


static const struct jy_cmd *
find_command(const char *name)
{
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(commands); i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}


/* Global option with its value: "--db X" or "--db=X". Returns the value or NULL. */
static const char *
take_option(int argc, char **argv, int *i, const char *name, bool *matched, struct jy_err *err)
{
    size_t n = strlen(name);
    const char *a = argv[*i];

    *matched = false;
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=') {
        *matched = true;
        return a + n + 1;
    }
    if (a[n] != '\0')
        return NULL;
    *matched = true;
    if (*i + 1 >= argc) {
        jy_err_set(err, JY_E_INVALID, "option \"%s\" needs a value", name);
        return NULL;
    }
    (*i)++;
    return argv[*i];
}


int
main(int argc, char **argv)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    struct jy_cli cli = {pool, NULL, NULL};
    static const char *const flag_keys[][2] = {
        {"--db", "db"}, {"--data", "pg_data"}, {"--log-level", "log_level"}};
    const char *config_file = NULL;
    char **rest = jy_pool_new_array(pool, char *, (size_t) argc + 1);
    const char **flag_vals = jy_pool_new_array(pool, const char *, 3);
    const char **sets = jy_pool_new_array(pool, const char *, (size_t) argc + 1);
    int nrest = 0, nsets = 0, i, rc;
    bool help = false, dashdash = false;
    const struct jy_cmd *cmd = NULL;
    size_t k;

    /* take the global options out, wherever they stand */
    for (i = 1; i < argc; i++) {
        bool m = false;
        const char *v;
        if (dashdash || argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
            rest[nrest++] = argv[i];
            continue;
        }
        if (strcmp(argv[i], "--") == 0) {
            dashdash = true;
            rest[nrest++] = argv[i];
            continue;
        }
        if (nrest == 0 && (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)) {
            help = true;
            continue;
        }
        if (nrest == 0 && strcmp(argv[i], "--version") == 0) {
            rest[nrest++] = (char *) "version";
            continue;
        }
        v = take_option(argc, argv, &i, "--config", &m, &err);
        if (m) {
            if (v == NULL)
                goto usage_error;
            config_file = v;
            continue;
        }
        v = take_option(argc, argv, &i, "--as", &m, &err);
        if (m) {
            if (v == NULL)
                goto usage_error;
            cli.as_login = v;
            continue;
        }
        v = take_option(argc, argv, &i, "--set", &m, &err);
        if (m) {
            if (v == NULL)
                goto usage_error;
            sets[nsets++] = v;
            continue;
        }
        for (k = 0; k < JY_ARRAY_LEN(flag_keys); k++) {
            v = take_option(argc, argv, &i, flag_keys[k][0], &m, &err);
            if (m) {
                if (v == NULL)
                    goto usage_error;
                flag_vals[k] = v;
                break;
            }
        }
        if (!m)
            rest[nrest++] = argv[i];
    }

    if (help || nrest == 0) {
        print_usage(help ? stdout : stderr);
        rc = help ? JY_EXIT_OK : JY_EXIT_USAGE;
        goto out;
    }
    if (strcmp(rest[0], "help") == 0) {
        cmd = nrest > 1 ? find_command(rest[1]) : NULL;
        if (nrest > 1 && cmd == NULL) {
            fprintf(stderr, "jiyue: unrecognized command \"%s\"\n", rest[1]);
            rc = JY_EXIT_USAGE;
        } else {
            if (cmd)
                fputs(cmd->usage, stdout);
            else
                print_usage(stdout);
            rc = JY_EXIT_OK;
        }
        goto out;
    }
    cmd = find_command(rest[0]);
    if (cmd == NULL) {
        fprintf(stderr, "jiyue: unrecognized command \"%s\"\n", rest[0]);
        fprintf(stderr, "Run \"jiyue --help\" to list the commands.\n");
        rc = JY_EXIT_USAGE;
        goto out;
    }

    /* configuration: defaults < file < environment < flags */
    cli.conf = jy_conf_create(pool);
    if (config_file == NULL)
        config_file = getenv("JIYUE_CONFIG");
    if (config_file && config_file[0]) {
        if (jy_conf_load_file(cli.conf, config_file, &err) != JY_OK)
            goto fail;
    } else if (access("jiyue.conf", F_OK) == 0) {
        if (jy_conf_load_file(cli.conf, "jiyue.conf", &err) != JY_OK)
            goto fail;
    }
    if (jy_conf_load_env(cli.conf, environ, &err) != JY_OK)
        goto fail;
    for (k = 0; k < JY_ARRAY_LEN(flag_keys); k++)
        if (flag_vals[k] && jy_conf_set(cli.conf, flag_keys[k][1], flag_vals[k], JY_CONF_FLAG,
                                        flag_keys[k][0], &err) != JY_OK)
            goto fail;
    for (i = 0; i < nsets; i++) {
        const char *eq = strchr(sets[i], '=');
        char *key;
        if (eq == NULL) {
            jy_err_set(&err, JY_E_INVALID, "--set \"%s\": expected KEY=VALUE", sets[i]);
            goto usage_error;
        }
        key = jy_pool_strndup(pool, sets[i], (size_t) (eq - sets[i]));
        if (jy_conf_set(cli.conf, key, eq + 1, JY_CONF_FLAG, "--set", &err) != JY_OK)
            goto fail;
    }
    jy_log_min_level = (enum jy_log_level) jy_log_level_parse(jy_conf_get(cli.conf, "log_level"));

    /* a publication anywhere in this program runs the content checks with its settings */
    jy_check_use_conf(cli.conf, jy_cli_conninfo(&cli));
    jy_secret_use_file(jy_conf_get(cli.conf, "secret_key_file"));
    rc = cmd->run(&cli, nrest, rest);
    jy_check_shutdown();
    goto out;

usage_error:
    jy_err_print(&err);
    fprintf(stderr, "Run \"jiyue --help\" for the options.\n");
    rc = JY_EXIT_USAGE;
    goto out;
fail:
    rc = jy_cli_fail(&err);
out:
    jy_pool_destroy(pool);
    return rc;
}
