/*
 * cmd_topic.c - `jiyue topic`: the sections of a topic column (专题), one
 * panel per tag expression (core/topic.h).
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/topic.h"

#include <stdio.h>
#include <stdlib.h>


static void
print_sections(const char *column, const struct jy_topic_section *v, int n)
{
    if (n == 0) {
        printf("%s: no sections (the topic page lists the topic's own items)\n", column);
        return;
    }
    printf("%s: %d section%s\n", column, n, n == 1 ? "" : "s");
    for (int i = 0; i < n; i++) {
        printf("  %d. %s  [%s]  %lld items", i + 1, v[i].name, v[i].expr, v[i].items);
        if (v[i].more)
            printf("  更多 -> %s", v[i].more);
        putchar('\n');
    }
}


/* Read all of path ("-": standard input) into pool. */
static const char *
slurp(struct jy_pool *pool, const char *path, size_t *len, struct jy_err *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    struct jy_buf b = JY_BUF_INIT(pool);
    char chunk[8192];
    size_t n;

    if (f == NULL) {
        jy_err_errno(err, errno, "could not open \"%s\"", path);
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < 1024 * 1024)
        jy_buf_add(&b, chunk, n);
    if (f != stdin)
        fclose(f);
    *len = b.len;
    return b.buf;
}


static int
topic_set(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_topic_section *v;
    const char *column = NULL, *json = NULL;
    int n = 0;

    v = jy_pool_new_array(cli->pool, struct jy_topic_section, (size_t) argc + 1);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(a, "--section") == 0 && has) {
            v[n].name = argv[++i];
            v[n].items = JY_TOPIC_ITEMS;
            n++;
        } else if ((strcmp(a, "--expr") == 0 || strcmp(a, "--items") == 0 ||
                    strcmp(a, "--more") == 0) &&
                   has) {
            const char *val = argv[++i];
            if (n == 0)
                return jy_cli_usage_error(&jy_cmd_topic, "\"%s\" belongs to a --section before it",
                                          a);
            if (strcmp(a, "--expr") == 0) {
                v[n - 1].expr = val;
            } else if (strcmp(a, "--more") == 0) {
                v[n - 1].more = val;
            } else {
                char *end;
                v[n - 1].items = strtoll(val, &end, 10);
                if (*val == '\0' || *end != '\0')
                    return jy_cli_usage_error(&jy_cmd_topic,
                                              "--items takes a number of items, not \"%s\"", val);
            }
        } else if (strcmp(a, "--json") == 0 && has) {
            json = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            return jy_cli_usage_error(&jy_cmd_topic, "unrecognized option \"%s\"", a);
        } else if (column == NULL) {
            column = a;
        } else {
            return jy_cli_usage_error(&jy_cmd_topic, "unexpected argument \"%s\"", a);
        }
    }
    if (column == NULL)
        return jy_cli_usage_error(&jy_cmd_topic, "\"topic set\" takes the topic column SITE:PATH");
    if (json && n)
        return jy_cli_usage_error(&jy_cmd_topic,
                                  "give sections with --section or --json, not both");
    if (json == NULL && n == 0)
        return jy_cli_usage_error(&jy_cmd_topic,
                                  "give the sections: --section NAME --expr EXPRESSION ... "
                                  "(\"topic clear\" removes them)");
    if (json) {
        size_t len;
        const char *text = slurp(cli->pool, json, &len, &err);
        if (text == NULL || jy_topic_sections_parse(cli->pool, text, len, &v, &n, &err) != JY_OK) {
            if (text)
                jy_err_prefix(&err, "%s", json);
            return jy_cli_fail(&err);
        }
    }
    if (jy_topic_set(db, cli->pool, column, v, n, &err) != JY_OK)
        return jy_cli_fail(&err);
    print_sections(column, v, n);
    return JY_EXIT_OK;
}


static int
cmd_topic_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_topic_section *v = NULL;
    struct jy_db *db;
    const char *a;
    int n = 0, rc = JY_EXIT_OK;

    if (jy_cli_wants_help(&jy_cmd_topic, argc, argv))
        return JY_EXIT_OK;
    if (argc < 2)
        return jy_cli_usage_error(&jy_cmd_topic, "missing action: show, set or clear");
    a = argv[1];
    if (strcmp(a, "show") && strcmp(a, "set") && strcmp(a, "clear"))
        return jy_cli_usage_error(&jy_cmd_topic, "unrecognized action \"%s\"", a);
    if (strcmp(a, "set") != 0) {
        bool as_json = argc == 4 && strcmp(argv[3], "--json") == 0 && strcmp(a, "show") == 0;
        if (argc != 3 && !as_json)
            return jy_cli_usage_error(&jy_cmd_topic,
                                      "\"topic %s\" takes the topic column SITE:PATH", a);
    }
    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    if (strcmp(a, "set") == 0) {
        rc = topic_set(cli, db, argc - 1, argv + 1);
    } else if (strcmp(a, "clear") == 0) {
        if (jy_topic_set(db, cli->pool, argv[2], NULL, 0, &err) != JY_OK)
            rc = jy_cli_fail(&err);
        else
            printf("%s: sections removed\n", argv[2]);
    } else if (jy_topic_get(db, cli->pool, argv[2], &v, &n, &err) != JY_OK) {
        rc = jy_cli_fail(&err);
    } else if (argc == 4) {
        printf("%s\n", jy_topic_sections_json(cli->pool, v, n));
    } else {
        print_sections(argv[2], v, n);
    }
    jy_db_close(db);
    return rc;
}

const struct jy_cmd jy_cmd_topic = {
    "topic",
    "the sections of a topic column (专题): one panel per tag expression",
    "usage: jiyue topic show COLUMN [--json]\n"
    "       jiyue topic set COLUMN --section NAME --expr EXPRESSION [--items N] [--more URL] ...\n"
    "       jiyue topic set COLUMN --json FILE\n"
    "       jiyue topic clear COLUMN\n"
    "\n"
    "COLUMN is a column of kind topic, as SITE:PATH (5601000001:ztzl/xczx).\n"
    "\"set\" replaces every section, in the order given. Each section is a panel\n"
    "on the topic's page listing the newest items of the site whose tags match\n"
    "EXPRESSION (tags joined by AND, OR, NOT and parentheses, as in \"jiyue tag\n"
    "items\"), with its own paginated list at <topic>/section<N>.html:\n"
    "    jiyue topic set 5601000001:ztzl/xczx \\\n"
    "        --section 政策文件 --expr '乡村振兴 AND 政策' --items 8 \\\n"
    "        --section 工作动态 --expr '乡村振兴 AND NOT 政策' --more /zwgk/zwdt/\n"
    "NAME has 1 to 40 characters, unique in the topic; --items is what the\n"
    "panel shows (1-50, default 6); --more sends the panel's 更多 link to a path\n"
    "of the site or an https:// URL instead of the section's own pages. Every\n"
    "tag must exist. At most 20 sections. --json FILE (\"-\": standard input)\n"
    "takes the sections as \"show --json\" prints them:\n"
    "    [{\"name\": \"政策文件\", \"expr\": \"乡村振兴 AND 政策\", \"items\": 8}]\n"
    "The topic shows the items the site itself shows (its own columns and the\n"
    "columns it reuses); the next \"jiyue render --pending\" renders its pages.\n"
    "Changing sections needs the right column.manage on the column.\n",
    cmd_topic_run,
};
