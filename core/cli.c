/*
 * cli.c - what every subcommand shares: opening the database, help, errors.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/cluster.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/log.h"
#include "core/migrate.h"
#include "core/pool.h"
#include "core/utf8.h"


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


/* As the system: look up the user --as names; its id, or 0 and err. */
static long long
cli_actor_id(struct jy_db *sys, struct jy_pool *pool, const char *login, struct jy_err *err)
{
    const char *p[1] = {login};
    struct jy_db_res *res =
        jy_db_query(sys, pool, "SELECT id, disabled FROM app_user WHERE login = $1", 1, p, err);

    if (res == NULL)
        return 0;
    if (jy_db_res_rows(res) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "--as \"%s\": no such user", login);
        return 0;
    }
    if (strcmp(jy_db_res_get(res, 0, 1), "t") == 0) {
        jy_err_set(err, JY_E_FORBIDDEN, "--as \"%s\": the user is disabled", login);
        return 0;
    }
    return atoll(jy_db_res_get(res, 0, 0));
}


struct jy_db *
jy_cli_open_db(struct jy_cli *cli, struct jy_err *err)
{
    const char *conninfo = jy_conf_get(cli->conf, "db");
    struct jy_cluster c;
    struct jy_db *sys, *app;
    long long actor;

    if (conninfo[0] == '\0') {
        /* the embedded default: make sure our own cluster runs */
        if (jy_cluster_init(&c, cli->pool, cli->conf, err) != JY_OK)
            return NULL;
        if (!jy_cluster_ready(&c) && jy_cluster_start(&c, err) != JY_OK)
            return NULL;
        conninfo = jy_cluster_conninfo(&c, NULL);
    }
    sys = jy_db_connect(conninfo, err);
    if (sys == NULL || cli->as_login == NULL)
        return sys;
    actor = cli_actor_id(sys, cli->pool, cli->as_login, err);
    jy_db_close(sys);
    if (actor == 0)
        return NULL;
    /* libpq takes the last user= of a connection string */
    app = jy_db_connect(jy_pool_printf(cli->pool, "%s user=jiyue_app", conninfo), err);
    if (app == NULL) {
        jy_err_prefix(err, "--as \"%s\"", cli->as_login);
        return NULL;
    }
    jy_db_set_actor(app, actor, cli->as_login, NULL, NULL);
    return app;
}


size_t
jy_cli_display_width(const char *s)
{
    size_t len = strlen(s), i = 0, w = 0;

    while (i < len) {
        uint32_t cp;
        size_t n = jy_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            n = 1;
            cp = '?';
        }
        w += jy_utf8_is_cjk(cp) ? 2 : 1;
        i += n;
    }
    return w;
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


struct jy_db *
jy_cli_open_platform(struct jy_cli *cli, struct jy_err *err)
{
    const char *dir = jy_pool_printf(cli->pool, "%s/schema", jy_conf_get(cli->conf, "share_dir"));
    const char *as = cli->as_login;
    struct jy_migrate_result res;
    struct jy_db *db;
    int pending;

    /* look at the schema as the system, then open what the caller asked for */
    cli->as_login = NULL;
    db = jy_cli_open_db(cli, err);
    cli->as_login = as;
    if (db == NULL)
        return NULL;
    if (jy_migrate_pending(db, cli->pool, dir, &pending, err) != JY_OK)
        goto fail;
    if (pending > 0 && jy_conf_get(cli->conf, "db")[0]) {
        jy_err_set(err, JY_E_UNAVAILABLE, "the database lacks %d migration%s of this jiyue",
                   pending, pending == 1 ? "" : "s");
        jy_err_hint(err, "Run \"jiyue migrate\" first.");
        goto fail;
    }
    if (pending > 0) {
        jy_log_info("cli", "applying %d pending migration%s to the embedded cluster", pending,
                    pending == 1 ? "" : "s");
        if (jy_migrate_apply(db, cli->pool, dir, false, &res, err) != JY_OK)
            goto fail;
    }
    if (as == NULL)
        return db;
    jy_db_close(db);
    return jy_cli_open_db(cli, err);

fail:
    jy_db_close(db);
    return NULL;
}
