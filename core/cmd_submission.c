/*
 * cmd_submission.c - `jiyue submission`: 信息报送 / 采用, items offered to a
 * column of a higher site, adopted or declined there, and the statistics
 * (submission.h).
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/submission.h"

#include <getopt.h>


static bool
parse_id(const char *s, long long *id)
{
    char *end;

    *id = strtoll(s, &end, 10);
    return *s && *end == '\0' && *id > 0;
}


/* The one text option of send, adopt and decline. */
static int
text_opt(int argc, char **argv, const char *name, const char **text)
{
    static const struct option longopts[] = {
        {"comment", required_argument, NULL, 'c'},
        {"reason", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    optind = 1;
    opterr = 0;
    *text = NULL;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch != 'c')
            return jy_cli_usage_error(&jy_cmd_submission, "unrecognized option \"%s\"",
                                      argv[optind - 1]);
        *text = optarg;
    }
    (void) name;
    return JY_EXIT_OK;
}


static int
sub_send(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    const char *comment;
    long long item, id;
    int rc;

    if ((rc = text_opt(argc, argv, "send", &comment)) != JY_EXIT_OK)
        return rc;
    if (argc - optind != 2 || !parse_id(argv[optind], &item))
        return jy_cli_usage_error(&jy_cmd_submission,
                                  "\"submission send\" takes ITEM SITE:PATH (a column of a site "
                                  "above the item's)");
    if (jy_submission_send(db, cli->pool, item, argv[optind + 1], comment, &id, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("sent item %lld to %s as submission %lld (pending)\n", item, argv[optind + 1], id);
    return JY_EXIT_OK;
}


static int
sub_decide(struct jy_cli *cli, struct jy_db *db, int argc, char **argv, bool adopt)
{
    struct jy_err err = JY_ERR_INIT;
    const char *text;
    long long id, placement;
    int rc;

    if ((rc = text_opt(argc, argv, argv[0], &text)) != JY_EXIT_OK)
        return rc;
    if (argc - optind != 1 || !parse_id(argv[optind], &id))
        return jy_cli_usage_error(&jy_cmd_submission, "\"submission %s\" takes ID",
                                  adopt ? "adopt" : "decline");
    if (!adopt && text == NULL)
        return jy_cli_usage_error(&jy_cmd_submission, "\"submission decline\" needs --reason "
                                                      "TEXT: the sender sees it");
    if (adopt) {
        if (jy_submission_adopt(db, cli->pool, id, text, &placement, &err) != JY_OK)
            return jy_cli_fail(&err);
        printf("adopted submission %lld: placement %lld, submitted for review there\n", id,
               placement);
    } else {
        if (jy_submission_decline(db, cli->pool, id, text, &err) != JY_OK)
            return jy_cli_fail(&err);
        printf("declined submission %lld\n", id);
    }
    return JY_EXIT_OK;
}


static int
sub_list(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"sent", no_argument, NULL, 's'},
        {"state", required_argument, NULL, 't'},
        {"limit", required_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    struct jy_submission_row *rows;
    const char *state = NULL, *site = NULL;
    bool sent = false;
    int limit = 50, n, i, ch;
    char *end;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 's') {
            sent = true;
        } else if (ch == 't') {
            state = optarg;
        } else if (ch == 'l') {
            limit = (int) strtol(optarg, &end, 10);
            if (*end)
                return jy_cli_usage_error(&jy_cmd_submission, "--limit \"%s\" is not a number",
                                          optarg);
        } else {
            return jy_cli_usage_error(&jy_cmd_submission, "unrecognized option \"%s\"",
                                      argv[optind - 1]);
        }
    }
    if (argc - optind > 1)
        return jy_cli_usage_error(&jy_cmd_submission, "\"submission list\" takes at most SITE");
    if (argc - optind == 1)
        site = argv[optind];
    if (jy_submission_list(db, cli->pool, site, sent, state, limit, &rows, &n, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (n == 0)
        printf("no submissions\n");
    for (i = 0; i < n; i++) {
        printf("%-6lld item %-8lld %-9s %s -> %-28s %s by %s  %s", rows[i].id, rows[i].item_id,
               rows[i].state, rows[i].from_site, rows[i].column, rows[i].submitted_at,
               rows[i].submitted_by, rows[i].title ? rows[i].title : "(not visible to you)");
        if (rows[i].reason)
            printf("  \"%s\"", rows[i].reason);
        putchar('\n');
    }
    return JY_EXIT_OK;
}


static int
sub_stats(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"sent", no_argument, NULL, 's'},
        {"by", required_argument, NULL, 'b'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    struct jy_submission_stat *st;
    const char *period = "month", *from = NULL, *to = NULL;
    bool sent = false;
    int n, i, ch;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 's')
            sent = true;
        else if (ch == 'b')
            period = optarg;
        else if (ch == 'f')
            from = optarg;
        else if (ch == 't')
            to = optarg;
        else
            return jy_cli_usage_error(&jy_cmd_submission, "unrecognized option \"%s\"",
                                      argv[optind - 1]);
    }
    if (argc - optind != 1)
        return jy_cli_usage_error(&jy_cmd_submission, "\"submission stats\" takes SITE");
    if (jy_submission_stats(db, cli->pool, argv[optind], sent, period, from, to, &st, &n, &err) !=
        JY_OK)
        return jy_cli_fail(&err);
    printf("%-8s %-12s %9s %7s %8s %7s %6s  %s\n", "period", sent ? "to" : "from", "submitted",
           "adopted", "declined", "pending", "rate", "site");
    for (i = 0; i < n; i++) {
        char rate[16];
        if (st[i].adoption_rate < 0)
            snprintf(rate, sizeof(rate), "-");
        else
            snprintf(rate, sizeof(rate), "%.0f%%", st[i].adoption_rate * 100);
        printf("%-8s %-12s %9d %7d %8d %7d %6s  %s\n", st[i].period, st[i].site ? st[i].site : "",
               st[i].submitted, st[i].adopted, st[i].declined, st[i].pending, rate,
               st[i].site_name ? st[i].site_name : "");
    }
    return JY_EXIT_OK;
}


static int
cmd_submission_run(struct jy_cli *cli, int argc, char **argv)
{
    static const char *const actions[] = {"send", "adopt", "decline", "list", "stats"};
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db;
    const char *a;
    size_t k;
    int rc;

    if (jy_cli_wants_help(&jy_cmd_submission, argc, argv))
        return JY_EXIT_OK;
    if (argc < 2)
        return jy_cli_usage_error(&jy_cmd_submission,
                                  "missing action: send, adopt, decline, list or stats");
    a = argv[1];
    for (k = 0; k < JY_ARRAY_LEN(actions); k++)
        if (strcmp(a, actions[k]) == 0)
            break;
    if (k == JY_ARRAY_LEN(actions))
        return jy_cli_usage_error(&jy_cmd_submission, "unrecognized action \"%s\"", a);
    if ((db = jy_cli_open_platform(cli, &err)) == NULL)
        return jy_cli_fail(&err);
    argc--;
    argv++;
    if (strcmp(a, "send") == 0)
        rc = sub_send(cli, db, argc, argv);
    else if (strcmp(a, "adopt") == 0 || strcmp(a, "decline") == 0)
        rc = sub_decide(cli, db, argc, argv, strcmp(a, "adopt") == 0);
    else if (strcmp(a, "list") == 0)
        rc = sub_list(cli, db, argc, argv);
    else
        rc = sub_stats(cli, db, argc, argv);
    jy_db_close(db);
    return rc;
}

const struct jy_cmd jy_cmd_submission = {
    "submission",
    "send items to a higher site's column (信息报送), adopt or decline them (采用)",
    "usage: jiyue submission send ITEM SITE:PATH [--comment TEXT]\n"
    "       jiyue submission adopt ID [--comment TEXT]\n"
    "       jiyue submission decline ID --reason TEXT\n"
    "       jiyue submission list [SITE] [--sent] [--state pending|adopted|declined]\n"
    "                             [--limit N]\n"
    "       jiyue submission stats SITE [--sent] [--by month|quarter|year]\n"
    "                              [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
    "\n"
    "An editor of a county (item.write on the item's site) sends one of its items\n"
    "to a column of a site above it, the city or the province: a submission,\n"
    "not yet a placement. The reviewers of that column (item.review there) adopt\n"
    "it, which places the same item there (no copy) and submits it into that\n"
    "column's review chain, or decline it with a reason the sender sees.\n"
    "\n"
    "\"list\" shows the submissions a site received (or, with --sent, sent), newest\n"
    "first; without SITE all those you may see. \"stats\" counts a site's\n"
    "submissions per period (in the site's time zone) and per site on the other\n"
    "side: submitted, adopted, declined, pending and the adoption rate\n"
    "(adopted / decided), with a total line.\n",
    cmd_submission_run,
};
