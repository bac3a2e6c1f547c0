/*
 * cmd_audit.c - `jiyue audit`: query the append-only audit log.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/site.h"

#include <getopt.h>

#define AUDIT_LIMIT_MAX 100000

static int
cmd_audit_run(struct jy_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"site", required_argument, NULL, 's'},
        {"user", required_argument, NULL, 'u'},
        {"object", required_argument, NULL, 'o'},
        {"action", required_argument, NULL, 'a'},
        {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},
        {"limit", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    const char *site = NULL, *user = NULL, *object = NULL, *action = NULL, *since = NULL,
               *until = NULL, *limit = "50";
    char *object_type = NULL, *object_id = NULL, site_id[24] = "";
    bool json = false;
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db;
    struct jy_db_res *res;
    const char *p[8];
    int ch, r, rc = JY_EXIT_OK;
    long long n;
    char *end;

    if (jy_cli_wants_help(&jy_cmd_audit, argc, argv))
        return JY_EXIT_OK;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            site = optarg;
            break;
        case 'u':
            user = optarg;
            break;
        case 'o':
            object = optarg;
            break;
        case 'a':
            action = optarg;
            break;
        case 'S':
            since = optarg;
            break;
        case 'U':
            until = optarg;
            break;
        case 'l':
            limit = optarg;
            break;
        case 'j':
            json = true;
            break;
        default:
            return jy_cli_usage_error(&jy_cmd_audit, "unrecognized option \"%s\"",
                                      argv[optind - 1]);
        }
    }
    if (optind != argc)
        return jy_cli_usage_error(&jy_cmd_audit, "unexpected argument \"%s\"", argv[optind]);
    n = strtoll(limit, &end, 10);
    if (*end || n < 1 || n > AUDIT_LIMIT_MAX)
        return jy_cli_usage_error(&jy_cmd_audit, "--limit must be a number from 1 to %d",
                                  AUDIT_LIMIT_MAX);
    if (object) {
        char *colon;
        object_type = jy_pool_strdup(cli->pool, object);
        colon = strchr(object_type, ':');
        if (colon) {
            *colon = '\0';
            object_id = colon + 1;
        }
    }
    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    if (site) {
        long long id;
        if (jy_site_resolve(db, cli->pool, site, "site", &id, &err) != JY_OK) {
            rc = jy_cli_fail(&err);
            goto out;
        }
        snprintf(site_id, sizeof(site_id), "%lld", id);
    }
    p[0] = site ? site_id : NULL;
    p[1] = user;
    p[2] = object_type;
    p[3] = object_id;
    p[4] = action;
    p[5] = since;
    p[6] = until;
    p[7] = limit;
    /* a transaction so that --as applies: the actor is set per transaction */
    if (jy_db_begin(db, &err) != JY_OK) {
        rc = jy_cli_fail(&err);
        goto out;
    }
    res =
        jy_db_query(db, cli->pool,
                    "SELECT to_char(a.at AT TIME ZONE 'Asia/Shanghai', "
                    "'YYYY-MM-DD HH24:MI:SS') AS at, coalesce(a.login, 'system') AS who, "
                    "coalesce(host(a.client_addr), '') AS addr, a.action, a.object_type, "
                    "coalesce(a.object_id, '') AS object_id, coalesce(s.name, '') AS site, "
                    "coalesce(a.before::text, '') AS before, coalesce(a.after::text, '') AS after "
                    "FROM audit_log a LEFT JOIN site s ON s.id = a.site_id "
                    "WHERE ($1::bigint IS NULL OR a.site_id = $1) "
                    "AND ($2::text IS NULL OR a.login = $2) "
                    "AND ($3::text IS NULL OR a.object_type = $3) "
                    "AND ($4::text IS NULL OR a.object_id = $4) "
                    "AND ($5::text IS NULL OR a.action = $5 OR a.action LIKE $5 || '.%') "
                    "AND ($6::timestamptz IS NULL OR a.at >= $6) "
                    "AND ($7::timestamptz IS NULL OR a.at < $7) "
                    "ORDER BY a.at DESC, a.id DESC LIMIT $8",
                    8, p, &err);
    if (res == NULL) {
        jy_db_rollback(db);
        if (err.code == JY_E_INVALID)
            jy_err_hint(&err, "--since and --until take a date or time: 2026-11-01, "
                              "\"2026-11-01 08:00\".");
        rc = jy_cli_fail(&err);
        goto out;
    }
    for (r = 0; r < jy_db_res_rows(res); r++) {
        const char *before = jy_db_res_field(res, r, "before");
        const char *after = jy_db_res_field(res, r, "after");
        if (json) {
            printf("{\"at\":\"%s\",\"who\":\"%s\",\"action\":\"%s\",\"object\":\"%s:%s\","
                   "\"before\":%s,\"after\":%s}\n",
                   jy_db_res_field(res, r, "at"), jy_db_res_field(res, r, "who"),
                   jy_db_res_field(res, r, "action"), jy_db_res_field(res, r, "object_type"),
                   jy_db_res_field(res, r, "object_id"), before[0] ? before : "null",
                   after[0] ? after : "null");
            continue;
        }
        printf("%s  %-12s %-16s %s:%s  %s%s%s\n", jy_db_res_field(res, r, "at"),
               jy_db_res_field(res, r, "who"), jy_db_res_field(res, r, "action"),
               jy_db_res_field(res, r, "object_type"), jy_db_res_field(res, r, "object_id"),
               jy_db_res_field(res, r, "site"), jy_db_res_field(res, r, "addr")[0] ? "  from " : "",
               jy_db_res_field(res, r, "addr"));
        if (before[0])
            printf("    before: %.300s\n", before);
        if (after[0])
            printf("    after:  %.300s\n", after);
    }
    jy_db_rollback(db);
    if (!json && jy_db_res_rows(res) == 0)
        printf("no audit entries match\n");
out:
    jy_db_close(db);
    return rc;
}

const struct jy_cmd jy_cmd_audit = {
    "audit",
    "query the audit log: who changed what, when, from where",
    "usage: jiyue audit [--site SITE] [--user LOGIN] [--object TYPE[:ID]] [--action A]\n"
    "                   [--since TIME] [--until TIME] [--limit N] [--json]\n"
    "\n"
    "Print audit entries, newest first (default 50, at most 100000). Every change\n"
    "of sites, columns, items, placements, tags, users and grants is recorded by\n"
    "the database itself, with the fields that changed; semantic events\n"
    "(site.close, session.login ...) too. --action site matches site and site.*.\n"
    "TIME is a date or a time (2026-11-01, \"2026-11-01 08:00\"). --json prints one\n"
    "JSON object per line. Under --as LOGIN only what that user may read\n"
    "(role auditor or platform admin) is shown.\n",
    cmd_audit_run,
};
