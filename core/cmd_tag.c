/*
 * cmd_tag.c - `jiyue tag`: the platform's tag vocabulary (add, synonyms,
 * merge, list) and the items a tag expression selects.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/tag.h"

#include <getopt.h>


static int
tag_add(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"description", required_argument, NULL, 'd'},
        {"synonym", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    const char *description = NULL, **syn;
    long long id;
    int nsyn = 0, ch, i;

    syn = jy_pool_new_array(cli->pool, const char *, (size_t) argc + 1);
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 'd')
            description = optarg;
        else if (ch == 's')
            syn[nsyn++] = optarg;
        else
            return jy_cli_usage_error(&jy_cmd_tag, "unrecognized option \"%s\"", argv[optind - 1]);
    }
    if (argc - optind != 1)
        return jy_cli_usage_error(&jy_cmd_tag, "\"tag add\" takes NAME");
    if (jy_tag_add(db, cli->pool, argv[optind], description, &id, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("added tag %s (%lld)\n", argv[optind], id);
    for (i = 0; i < nsyn; i++) {
        if (jy_tag_synonym_add(db, cli->pool, argv[optind], syn[i], &err) != JY_OK)
            return jy_cli_fail(&err);
        printf("  synonym %s\n", syn[i]);
    }
    return JY_EXIT_OK;
}


static int
tag_synonym(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    int i;

    if (argc < 3)
        return jy_cli_usage_error(&jy_cmd_tag, "\"tag synonym\" takes TAG SYNONYM ...");
    for (i = 2; i < argc; i++) {
        if (jy_tag_synonym_add(db, cli->pool, argv[1], argv[i], &err) != JY_OK)
            return jy_cli_fail(&err);
        printf("%s now also names tag %s\n", argv[i], argv[1]);
    }
    return JY_EXIT_OK;
}


static int
tag_merge(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_tag_merge_result res;

    if (argc != 3)
        return jy_cli_usage_error(&jy_cmd_tag, "\"tag merge\" takes FROM INTO");
    if (jy_tag_merge(db, cli->pool, argv[1], argv[2], &res, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("merged tag %s into %s: %lld item%s moved, %lld carried both, %lld synonym%s moved\n",
           argv[1], argv[2], res.items_moved, res.items_moved == 1 ? "" : "s", res.items_already,
           res.synonyms_moved, res.synonyms_moved == 1 ? "" : "s");
    return JY_EXIT_OK;
}


static int
tag_list(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_tag_info *t;
    bool merged = argc == 2 && strcmp(argv[1], "--merged") == 0;
    int n, i;

    if (argc > 2 || (argc == 2 && !merged))
        return jy_cli_usage_error(&jy_cmd_tag, "\"tag list\" takes only --merged");
    if (jy_tag_list(db, cli->pool, merged, &t, &n, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (n == 0)
        printf("the vocabulary is empty\n");
    for (i = 0; i < n; i++) {
        printf("%s  %lld item%s", t[i].name, t[i].items, t[i].items == 1 ? "" : "s");
        if (t[i].synonyms[0])
            printf("  synonyms: %s", t[i].synonyms);
        if (t[i].merged_into)
            printf("  merged into %s", t[i].merged_into);
        putchar('\n');
    }
    return JY_EXIT_OK;
}


static int
tag_items(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"site", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    const char *site = NULL;
    long long *ids;
    int limit = 100, n, i, ch;
    char *end;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 's') {
            site = optarg;
        } else if (ch == 'l') {
            limit = (int) strtol(optarg, &end, 10);
            if (*end)
                return jy_cli_usage_error(&jy_cmd_tag, "--limit \"%s\" is not a number", optarg);
        } else {
            return jy_cli_usage_error(&jy_cmd_tag, "unrecognized option \"%s\"", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return jy_cli_usage_error(&jy_cmd_tag, "\"tag items\" takes one EXPRESSION (quote it)");
    if (jy_tag_items(db, cli->pool, argv[optind], site, limit, &ids, &n, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (n == 0)
        printf("no item matches\n");
    for (i = 0; i < n; i++)
        printf("%lld\n", ids[i]);
    return JY_EXIT_OK;
}


static int
cmd_tag_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db;
    const char *a;
    int rc;

    if (jy_cli_wants_help(&jy_cmd_tag, argc, argv))
        return JY_EXIT_OK;
    if (argc < 2)
        return jy_cli_usage_error(&jy_cmd_tag,
                                  "missing action: add, synonym, merge, list or items");
    a = argv[1];
    if (strcmp(a, "add") && strcmp(a, "synonym") && strcmp(a, "merge") && strcmp(a, "list") &&
        strcmp(a, "items"))
        return jy_cli_usage_error(&jy_cmd_tag, "unrecognized action \"%s\"", a);
    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    if (strcmp(a, "add") == 0)
        rc = tag_add(cli, db, argc - 1, argv + 1);
    else if (strcmp(a, "synonym") == 0)
        rc = tag_synonym(cli, db, argc - 1, argv + 1);
    else if (strcmp(a, "merge") == 0)
        rc = tag_merge(cli, db, argc - 1, argv + 1);
    else if (strcmp(a, "list") == 0)
        rc = tag_list(cli, db, argc - 1, argv + 1);
    else
        rc = tag_items(cli, db, argc - 1, argv + 1);
    jy_db_close(db);
    return rc;
}

const struct jy_cmd jy_cmd_tag = {
    "tag",
    "the platform's tag vocabulary: add, synonyms, merge, list, select items",
    "usage: jiyue tag add NAME [--description TEXT] [--synonym WORD ...]\n"
    "       jiyue tag synonym TAG WORD ...\n"
    "       jiyue tag merge FROM INTO\n"
    "       jiyue tag list [--merged]\n"
    "       jiyue tag items EXPRESSION [--site SITE] [--limit N]\n"
    "\n"
    "Tags are one vocabulary for every site. A synonym is another word for a\n"
    "tag (colloquial → official); items and expressions may use either.\n"
    "\"merge\" moves FROM's items to INTO, makes FROM's name and synonyms words\n"
    "for INTO, and marks FROM merged. Only platform administrators change the\n"
    "vocabulary.\n"
    "\n"
    "EXPRESSION selects items by their tags: tags joined by AND, OR, NOT and\n"
    "parentheses, NOT binding tightest, then AND, then OR:\n"
    "    jiyue tag items '扶贫 AND NOT 通知'\n"
    "    jiyue tag items '(教育 OR 医疗) AND 2024'\n"
    "Operators are written in capitals; two tags need an operator between them.\n",
    cmd_tag_run,
};
