/*
 * cmd_db.c - `jiyue db start|stop|status|exec`: the embedded cluster.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/cluster.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/sqlsplit.h"

#include <time.h>

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}


/* start/stop manage our own cluster only: refuse when --db points elsewhere. */
static int
db_need_embedded(struct jy_cli *cli, const char *action, struct jy_cluster *c, struct jy_err *err)
{
    const struct jy_conf_entry *e = jy_conf_entry(cli->conf, "db");

    if (e->value[0]) {
        jy_err_set(err, JY_E_INVALID, "cannot %s: a database connection string is configured (%s)",
                   action, e->origin);
        jy_err_hint(err, "jiyue manages only its embedded cluster; manage that server with its "
                         "own tools, or unset the connection string.");
        return JY_ERROR;
    }
    return jy_cluster_init(c, cli->pool, cli->conf, err);
}


static int
db_start(struct jy_cli *cli)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_cluster c;
    double t0 = now_ms();

    if (db_need_embedded(cli, "start the embedded cluster", &c, &err) != JY_OK ||
        jy_cluster_start(&c, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("PostgreSQL is running in %s (ready in %.0f ms)\n", c.data, now_ms() - t0);
    printf("connect with: psql \"%s\"\n", jy_cluster_conninfo(&c, NULL));
    return JY_EXIT_OK;
}


static int
db_stop(struct jy_cli *cli)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_cluster c;

    if (db_need_embedded(cli, "stop the embedded cluster", &c, &err) != JY_OK ||
        jy_cluster_stop(&c, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("PostgreSQL is stopped in %s\n", c.data);
    return JY_EXIT_OK;
}


static int
db_status(struct jy_cli *cli)
{
    struct jy_err err = JY_ERR_INIT;
    const char *conninfo = jy_conf_get(cli->conf, "db");
    struct jy_cluster_status st;
    struct jy_cluster c;

    if (conninfo[0]) {
        struct jy_db *db = jy_db_connect(conninfo, &err);
        if (db == NULL) {
            printf("external database: unreachable (%s)\n", err.detail);
            return JY_EXIT_UNAVAILABLE;
        }
        printf("external database: reachable, PostgreSQL %d.%d\n", jy_db_server_version(db) / 10000,
               jy_db_server_version(db) % 10000);
        jy_db_close(db);
        return JY_EXIT_OK;
    }
    if (jy_cluster_init(&c, cli->pool, cli->conf, &err) != JY_OK ||
        jy_cluster_status(&c, &st, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("data folder: %s\n", c.data);
    printf("programs:    %s\n", c.bindir);
    if (!st.initialised) {
        printf("state:       not initialised (\"jiyue db start\" creates it)\n");
        return JY_EXIT_FAIL;
    }
    printf("version:     PostgreSQL %s\n", st.version[0] ? st.version : "?");
    if (st.running) {
        printf("state:       running (pid %ld)\n", st.pid);
        printf("connect:     psql \"%s\"\n", jy_cluster_conninfo(&c, NULL));
        return JY_EXIT_OK;
    }
    printf("state:       stopped\n");
    return JY_EXIT_FAIL;
}


/*
 * Run SQL statements one by one (in autocommit) and print the rows of each
 * tab-separated: a small psql for scripts and tests. Stops at the first
 * failing statement.
 */
static int
db_exec(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_sqlsplit sp;
    struct jy_db *db;
    size_t start, len;
    int line, rc = JY_EXIT_OK;
    bool unterminated;

    if (argc != 3)
        return jy_cli_usage_error(&jy_cmd_db, "\"db exec\" takes SQL as one argument");
    db = jy_cli_open_db(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    jy_sqlsplit_init(&sp, argv[2], strlen(argv[2]));
    while (jy_sqlsplit_next(&sp, &start, &len, &line, &unterminated)) {
        char *stmt = jy_pool_strndup(cli->pool, argv[2] + start, len);
        struct jy_db_res *res = jy_db_query(db, cli->pool, stmt, 0, NULL, &err);
        int r, c;
        if (res == NULL) {
            rc = jy_cli_fail(&err);
            break;
        }
        for (r = 0; r < jy_db_res_rows(res); r++) {
            for (c = 0; c < jy_db_res_cols(res); c++) {
                const char *v = jy_db_res_get(res, r, c);
                printf("%s%s", c ? "\t" : "", v ? v : "");
            }
            putchar('\n');
        }
    }
    jy_db_close(db);
    return rc;
}


static int
cmd_db_run(struct jy_cli *cli, int argc, char **argv)
{
    if (jy_cli_wants_help(&jy_cmd_db, argc, argv))
        return JY_EXIT_OK;
    if (argc < 2)
        return jy_cli_usage_error(&jy_cmd_db, "missing action: start, stop, status or exec");
    if (strcmp(argv[1], "exec") == 0)
        return db_exec(cli, argc, argv);
    if (argc > 2)
        return jy_cli_usage_error(&jy_cmd_db, "unexpected argument \"%s\"", argv[2]);
    if (strcmp(argv[1], "start") == 0)
        return db_start(cli);
    if (strcmp(argv[1], "stop") == 0)
        return db_stop(cli);
    if (strcmp(argv[1], "status") == 0)
        return db_status(cli);
    return jy_cli_usage_error(&jy_cmd_db, "unrecognized action \"%s\"", argv[1]);
}

const struct jy_cmd jy_cmd_db = {
    "db",
    "start, stop or inspect the embedded PostgreSQL cluster",
    "usage: jiyue db start|stop|status\n"
    "       jiyue db exec SQL\n"
    "\n"
    "The embedded cluster lives in the data folder (--data DIR, setting pg_data,\n"
    "default var/pg) and listens only on a Unix socket in that folder. Started as\n"
    "root, PostgreSQL runs as the system user of setting pg_user (default jiyue),\n"
    "which is created when missing.\n"
    "\n"
    "  start    create the cluster if needed, start it, wait until it is ready;\n"
    "           a running cluster is left alone, a crashed one recovers\n"
    "  stop     stop it (fast shutdown: open transactions are rolled back)\n"
    "  status   where it is and whether it runs; exit status 0 when running\n"
    "  exec     run one SQL statement on the configured database and print\n"
    "           the rows tab-separated\n"
    "\n"
    "With --db CONNSTR (or JIYUE_DB) jiyue uses that server instead; start and\n"
    "stop then refuse, status reports whether it is reachable.\n",
    cmd_db_run,
};
