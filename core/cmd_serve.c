/*
 * cmd_serve.c - `jiyue serve`: run the HTTP server of the JSON API.
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/auth.h"
#include "core/check.h"
#include "core/cli.h"
#include "core/daemons.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/filestore.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/server.h"

static int serve_run(struct jy_cli *cli, int argc, char **argv);

const struct jy_cmd jy_cmd_serve = {
    "serve",
    "run the HTTP server of the JSON API (/api/v1)",
    "usage: jiyue serve [--ready-file FILE]\n"
    "       jiyue serve --routes\n"
    "\n"
    "Serve the JSON API under /api/v1 (docs/api.md) on the address of the\n"
    "setting \"listen\" with \"workers\" threads, until SIGTERM or Ctrl-C; requests\n"
    "in flight then finish before it stops. The database is the configured one\n"
    "(--db, or the embedded cluster, started and migrated when needed); when it\n"
    "goes away, requests get 503 until it is back.\n"
    "\n"
    "Settings: listen, workers, http_body_max_kb, http_upload_max_mb,\n"
    "http_header_max_kb, http_read_timeout, http_auth_cache, http_item_cache_mb,\n"
    "http_item_cache_ttl,\n"
    "http_trusted_proxies, http_shutdown_timeout, password_cost, file_* (see\n"
    "\"jiyue config\" and docs/operations.md).\n"
    "\n"
    "Options:\n"
    "  --ready-file FILE  write the port to FILE once listening (for scripts and tests)\n"
    "  --routes           print the routes (METHOD PATH  summary) and exit\n",
    serve_run,
};


static int
print_routes(struct jy_pool *pool)
{
    struct jy_api_router *rt = jy_api_router_create(pool);
    size_t i;

    for (i = 0; i < jy_api_route_count(rt); i++) {
        const struct jy_api_route *r = jy_api_route_at(rt, i);
        printf("%-6s %-44s %s\n", r->method, r->pattern, r->summary);
    }
    return JY_EXIT_OK;
}


static int
serve_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_server_opts o;
    struct jy_api_env env;
    struct jy_filestore fs;
    enum jy_auth_cost cost;
    struct jy_db *db;
    const char *ready = NULL;
    int i;

    if (jy_cli_wants_help(&jy_cmd_serve, argc, argv))
        return JY_EXIT_OK;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--routes") == 0)
            return print_routes(cli->pool);
        if (strcmp(argv[i], "--ready-file") == 0 && i + 1 < argc)
            ready = argv[++i];
        else
            return jy_cli_usage_error(&jy_cmd_serve, "unrecognized argument \"%s\"", argv[i]);
    }
    if (cli->as_login)
        return jy_cli_usage_error(&jy_cmd_serve, "--as makes no sense here: every request "
                                                 "acts as the user who sends it");
    if (jy_auth_cost_parse(jy_conf_get(cli->conf, "password_cost"), &cost, &err) != JY_OK)
        return jy_cli_fail(&err);
    jy_auth_set_cost(cost);

    /* start and migrate the embedded cluster when that is the database */
    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    jy_db_close(db);

    memset(&env, 0, sizeof(env));
    env.conf = cli->conf;
    env.share_dir = jy_conf_get(cli->conf, "share_dir");
    jy_filestore_init(&fs, cli->conf);
    env.files = &fs;
    env.policy = jy_auth_policy_load(
        cli->pool, jy_pool_printf(cli->pool, "%s/sites/common-passwords.txt", env.share_dir), &err);
    if (env.policy == NULL)
        return jy_cli_fail(&err);

    memset(&o, 0, sizeof(o));
    o.listen = jy_conf_get(cli->conf, "listen");
    o.workers = (int) jy_conf_get_int(cli->conf, "workers");
    o.conninfo = jy_cli_conninfo(cli);
    o.body_max = (size_t) jy_conf_get_int(cli->conf, "http_body_max_kb") * 1024;
    o.upload_max = (size_t) jy_conf_get_int(cli->conf, "http_upload_max_mb") * 1024 * 1024;
    o.header_max = (size_t) jy_conf_get_int(cli->conf, "http_header_max_kb") * 1024;
    o.read_timeout = (int) jy_conf_get_int(cli->conf, "http_read_timeout");
    o.auth_cache = (int) jy_conf_get_int(cli->conf, "http_auth_cache");
    o.item_cache_max = (size_t) jy_conf_get_int(cli->conf, "http_item_cache_mb") * 1024 * 1024;
    o.item_cache_ttl = (int) jy_conf_get_int(cli->conf, "http_item_cache_ttl");
    o.trusted_proxies = jy_conf_get(cli->conf, "http_trusted_proxies");
    o.shutdown_timeout = (int) jy_conf_get_int(cli->conf, "http_shutdown_timeout");
    o.ready_file = ready;
    o.env = &env;
    env.conninfo = o.conninfo;
    if (o.conninfo == NULL) {
        jy_err_set(&err, JY_E_UNAVAILABLE, "no database configured");
        return jy_cli_fail(&err);
    }
    /* the renderer, the pusher and the scheduler run beside the server */
    {
        struct jy_daemons_opts dopts = {o.conninfo, cli->conf,
                                        jy_conf_get_int(cli->conf, "serve_render") != 0,
                                        jy_conf_get_int(cli->conf, "serve_push") != 0,
                                        jy_conf_get_int(cli->conf, "serve_scheduler") != 0};
        int rc;
        jy_check_use_conf(cli->conf, o.conninfo);
        /* the checks' worker process is forked now, before any thread runs */
        if (jy_check_ensure(&err) != JY_OK || jy_daemons_start(&dopts, &err) != JY_OK)
            return jy_cli_fail(&err);
        rc = jy_server_run(&o, &err);
        jy_daemons_stop();
        if (rc != JY_OK)
            return jy_cli_fail(&err);
    }
    return JY_EXIT_OK;
}
