/*
 * cli.h - the jiyue program's subcommands.
 *
 * Each subcommand is one file cmd_<name>.c defining a struct jy_cmd; main.c
 * lists them. Options common to all (--config, --db, --data, --log-level,
 * --set key=value) may stand before or after the subcommand; main.c takes
 * them out and fills cli->conf before the subcommand runs, so a subcommand
 * sees only its own arguments, argv[0] being its name.
 *
 * Exit status: 0 success, 1 the operation failed, 2 usage error (unknown
 * command or flag), 3 the database or another service is unavailable.
 */
#ifndef JY_CORE_CLI_H
#define JY_CORE_CLI_H

#include <stdbool.h>
#include <stddef.h>

struct jy_conf;
struct jy_db;
struct jy_err;
struct jy_pool;

enum { JY_EXIT_OK = 0, JY_EXIT_FAIL = 1, JY_EXIT_USAGE = 2, JY_EXIT_UNAVAILABLE = 3 };

struct jy_cli {
    struct jy_pool *pool; /* lives as long as the command */
    struct jy_conf *conf; /* effective configuration */
    const char *as_login; /* --as LOGIN: act as this user, under row-level security */
};

struct jy_cmd {
    const char *name;
    const char *summary; /* one line for `jiyue --help` */
    const char *usage;   /* full text for `jiyue NAME --help` */
    int (*run)(struct jy_cli *cli, int argc, char **argv);
};

/*
 * Open the configured database: the --db connection string when set,
 * otherwise the embedded cluster, which is created and started first if
 * needed. NULL and err on failure.
 *
 * Without --as the connection is the system's (the owner role: the
 * operator at the shell can do everything). With --as LOGIN it connects as
 * the application role jiyue_app with that user as the actor of every
 * transaction, so row-level security decides what the command may see and
 * change, exactly as for that user in the console.
 */
struct jy_db *jy_cli_open_db(struct jy_cli *cli, struct jy_err *err);

/*
 * Like jy_cli_open_db(), for the commands that work on the platform's data:
 * the schema must be up to date. The embedded cluster is migrated on the
 * spot (it is ours); an external database with pending migrations is an
 * error telling to run "jiyue migrate".
 */
struct jy_db *jy_cli_open_platform(struct jy_cli *cli, struct jy_err *err);

/* Connection string of the configured database (embedded or not). */
const char *jy_cli_conninfo(struct jy_cli *cli);

/* True when argv holds -h or --help: print cmd->usage and return. */
bool jy_cli_wants_help(const struct jy_cmd *cmd, int argc, char **argv);

/* Report a usage error ("unrecognized option ..."), point at --help; returns JY_EXIT_USAGE. */
int jy_cli_usage_error(const struct jy_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print err and return the exit status it calls for. */
int jy_cli_fail(const struct jy_err *err);

/* Columns a UTF-8 string takes on a terminal: wide (CJK) characters count 2. */
size_t jy_cli_display_width(const char *s);

/* `jiyue grant rights` / `jiyue user rights`: print why login holds what on site. */
int jy_cli_print_rights(struct jy_cli *cli, struct jy_db *db, const char *login, const char *site);

extern const struct jy_cmd jy_cmd_config;
extern const struct jy_cmd jy_cmd_db;
extern const struct jy_cmd jy_cmd_migrate;
extern const struct jy_cmd jy_cmd_demo;
extern const struct jy_cmd jy_cmd_sites;
extern const struct jy_cmd jy_cmd_site;
extern const struct jy_cmd jy_cmd_user;
extern const struct jy_cmd jy_cmd_version;
extern const struct jy_cmd jy_cmd_grant;
extern const struct jy_cmd jy_cmd_audit;
extern const struct jy_cmd jy_cmd_import;
extern const struct jy_cmd jy_cmd_export;
extern const struct jy_cmd jy_cmd_render;
extern const struct jy_cmd jy_cmd_item;
extern const struct jy_cmd jy_cmd_tag;
extern const struct jy_cmd jy_cmd_topic;
extern const struct jy_cmd jy_cmd_file;
extern const struct jy_cmd jy_cmd_review;
extern const struct jy_cmd jy_cmd_submission;
extern const struct jy_cmd jy_cmd_scheduler;
extern const struct jy_cmd jy_cmd_check;
extern const struct jy_cmd jy_cmd_mirror;
extern const struct jy_cmd jy_cmd_pusher;
extern const struct jy_cmd jy_cmd_serve;

#endif /* JY_CORE_CLI_H */
