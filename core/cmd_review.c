/*
 * cmd_review.c - `jiyue review`: what waits for a person (the review
 * queue) and the review chains of sites and columns (workflow.h).
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/workflow.h"

#include <getopt.h>


static int
review_queue(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"site", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    struct jy_wf_queue_row *rows;
    const char *site = NULL;
    int n, i, ch;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch != 's')
            return jy_cli_usage_error(&jy_cmd_review, "unrecognized option \"%s\"",
                                      argv[optind - 1]);
        site = optarg;
    }
    if (optind != argc)
        return jy_cli_usage_error(&jy_cmd_review, "unexpected argument \"%s\"", argv[optind]);
    if (jy_workflow_queue(db, cli->pool, site, &rows, &n, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (n == 0)
        printf("nothing waits for %s\n", cli->as_login ? cli->as_login : "review");
    for (i = 0; i < n; i++)
        printf("%-8lld %-28s %-10s %s  %s  %s (from %s, since %s)\n", rows[i].item_id,
               rows[i].column, rows[i].state, rows[i].waiting,
               rows[i].title ? rows[i].title : "(not visible to you)", rows[i].site_name,
               rows[i].submitter ? rows[i].submitter : "system", rows[i].since);
    return JY_EXIT_OK;
}


static int
review_chain(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"step", required_argument, NULL, 's'}, {"json", required_argument, NULL, 'j'},
        {"none", no_argument, NULL, 'n'},       {"inherit", no_argument, NULL, 'i'},
        {"distinct", no_argument, NULL, 'd'},   {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    struct jy_buf steps = JY_BUF_INIT(cli->pool);
    const char *json = NULL, *chain, *source;
    bool none = false, inherit = false, distinct = false, change;
    int nsteps = 0, ch;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 's') {
            const char *s = jy_workflow_step_json(cli->pool, optarg, strlen(optarg));
            if (s == NULL)
                return jy_cli_usage_error(&jy_cmd_review,
                                          "--step \"%s\": expected NAME:role=ROLE[:all] or "
                                          "NAME:users=LOGIN,LOGIN[:all]",
                                          optarg);
            jy_buf_addf(&steps, "%s%s", nsteps++ ? ", " : "", s);
        } else if (ch == 'j') {
            json = optarg;
        } else if (ch == 'n') {
            none = true;
        } else if (ch == 'i') {
            inherit = true;
        } else if (ch == 'd') {
            distinct = true;
        } else {
            return jy_cli_usage_error(&jy_cmd_review, "unrecognized option \"%s\"",
                                      argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return jy_cli_usage_error(&jy_cmd_review, "\"review chain\" takes SITE or SITE:PATH");
    if ((nsteps > 0) + (json != NULL) + none + inherit > 1)
        return jy_cli_usage_error(&jy_cmd_review,
                                  "give one of --step ..., --json, --none or --inherit");
    if (distinct && nsteps < 2)
        return jy_cli_usage_error(&jy_cmd_review, "--distinct goes with two --step or more");
    change = nsteps > 0 || json || none || inherit;
    if (nsteps)
        json = jy_pool_printf(cli->pool, "{\"steps\": [%s]%s}", steps.buf,
                              distinct ? ", \"distinct\": true" : "");
    else if (none)
        json = "{\"steps\": []}";
    if (change &&
        jy_workflow_chain_set(db, cli->pool, argv[optind], inherit ? NULL : json, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (jy_workflow_chain_get(db, cli->pool, argv[optind], &chain, &source, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("review chain of %s (from %s): %s\n", argv[optind], source, chain);
    return JY_EXIT_OK;
}


static int
cmd_review_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db;
    int rc;

    if (jy_cli_wants_help(&jy_cmd_review, argc, argv))
        return JY_EXIT_OK;
    if (argc < 2)
        return jy_cli_usage_error(&jy_cmd_review, "missing action: queue or chain");
    if (strcmp(argv[1], "queue") != 0 && strcmp(argv[1], "chain") != 0)
        return jy_cli_usage_error(&jy_cmd_review, "unrecognized action \"%s\"", argv[1]);
    if ((db = jy_cli_open_platform(cli, &err)) == NULL)
        return jy_cli_fail(&err);
    if (strcmp(argv[1], "queue") == 0)
        rc = review_queue(cli, db, argc - 1, argv + 1);
    else
        rc = review_chain(cli, db, argc - 1, argv + 1);
    jy_db_close(db);
    return rc;
}

const struct jy_cmd jy_cmd_review = {
    "review",
    "the review queue of a person and the review chains of sites and columns",
    "usage: jiyue review queue [--site SITE]\n"
    "       jiyue review chain SITE[:PATH] [--step NAME:role=ROLE[:all] ... |\n"
    "                                       --step NAME:users=LOGIN,LOGIN[:all] ...\n"
    "                                       [--distinct] |\n"
    "                                       --json CHAIN | --none | --inherit]\n"
    "\n"
    "\"queue\" lists what waits for the acting user (--as LOGIN): placements whose\n"
    "current review step they may approve, approved ones they may publish, and\n"
    "their own submissions rejected back to them with the reason. Without --as\n"
    "it lists everything under review.\n"
    "\n"
    "\"chain\" shows the review chain that applies to a site or a column, or sets\n"
    "it: one --step per step, in order; a step names a role (its holders with\n"
    "item.review there) or users; \":all\" makes every one of them approve,\n"
    "otherwise one approval completes the step. --distinct: a different person\n"
    "for every step of a review (三审 by three people). --none: no review there (with\n"
    "item.publish one publishes directly); --inherit: drop the column's own chain\n"
    "(a site's: no review). A column's chain covers its subcolumns and wins over\n"
    "the site's. Reviews under way keep the chain they started with. Setting a\n"
    "site's chain needs site.manage, a column's column.manage.\n"
    "\n"
    "examples:\n"
    "  jiyue review chain 5600000001 --step 初审:role=reviewer \\\n"
    "        --step 复审:role=reviewer --step 终审:role=site_admin\n"
    "  jiyue review chain 5600000001:zwgk/tzgg --step 会签:users=wang.li,zhao.qi:all\n"
    "  jiyue --as chen.jing review queue\n",
    cmd_review_run,
};
