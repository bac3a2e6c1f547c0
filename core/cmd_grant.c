/*
 * cmd_grant.c - `jiyue grant add|list|revoke|rights`.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/err.h"
#include "core/grant.h"
#include "core/pool.h"

#include <getopt.h>


/* Print a result as aligned columns (widths in characters, so Chinese lines up). */
static void
print_table(const struct jy_db_res *res, const char *const *headers)
{
    int rows = jy_db_res_rows(res), cols = jy_db_res_cols(res), r, c;
    size_t width[16] = {0};

    if (cols > 16)
        cols = 16;
    for (c = 0; c < cols; c++) {
        width[c] = jy_cli_display_width(headers[c]);
        for (r = 0; r < rows; r++) {
            const char *v = jy_db_res_get(res, r, c);
            size_t w = jy_cli_display_width(v ? v : "");
            if (w > width[c])
                width[c] = w;
        }
    }
    for (c = 0; c < cols; c++)
        printf("%s%s%*s", c ? "  " : "", headers[c],
               c + 1 < cols ? (int) (width[c] - jy_cli_display_width(headers[c])) : 0, "");
    putchar('\n');
    for (r = 0; r < rows; r++) {
        for (c = 0; c < cols; c++) {
            const char *v = jy_db_res_get(res, r, c);
            v = v ? v : "";
            printf("%s%s%*s", c ? "  " : "", v,
                   c + 1 < cols ? (int) (width[c] - jy_cli_display_width(v)) : 0, "");
        }
        putchar('\n');
    }
}


static int
grant_add(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"column", required_argument, NULL, 'c'},
        {"expires", required_argument, NULL, 'e'},
        {NULL, 0, NULL, 0},
    };
    struct jy_grant_spec spec = {0};
    struct jy_err err = JY_ERR_INIT;
    long long id;
    int ch;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 'c')
            spec.column = optarg;
        else if (ch == 'e')
            spec.expires = optarg;
        else
            return jy_cli_usage_error(&jy_cmd_grant, "unrecognized option \"%s\"",
                                      argv[optind - 1]);
    }
    if (argc - optind != 3)
        return jy_cli_usage_error(&jy_cmd_grant, "\"grant add\" takes LOGIN ROLE SITE");
    spec.login = argv[optind];
    spec.role = argv[optind + 1];
    spec.site = argv[optind + 2];
    if (jy_grant_add(db, cli->pool, &spec, &id, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("granted %s to %s on %s%s%s%s%s (grant %lld)\n", spec.role, spec.login, spec.site,
           spec.column ? ", column " : "", spec.column ? spec.column : "",
           spec.expires ? ", until " : "", spec.expires ? spec.expires : "", id);
    return JY_EXIT_OK;
}


static int
grant_list(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"user", required_argument, NULL, 'u'},
        {"site", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    static const char *const headers[] = {"id",   "login",  "name",    "role",   "site",
                                          "code", "column", "granted", "expires"};
    const char *login = NULL, *site = NULL;
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *res;
    int ch;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 'u')
            login = optarg;
        else if (ch == 's')
            site = optarg;
        else
            return jy_cli_usage_error(&jy_cmd_grant, "unrecognized option \"%s\"",
                                      argv[optind - 1]);
    }
    if (optind != argc)
        return jy_cli_usage_error(&jy_cmd_grant, "unexpected argument \"%s\"", argv[optind]);
    res = jy_grant_list(db, cli->pool, login, site, &err);
    if (res == NULL)
        return jy_cli_fail(&err);
    print_table(res, headers);
    return JY_EXIT_OK;
}


static int
grant_revoke(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    char *end;
    long long id;

    if (argc != 2)
        return jy_cli_usage_error(&jy_cmd_grant, "\"grant revoke\" takes the grant's id");
    id = strtoll(argv[1], &end, 10);
    if (*end || id <= 0)
        return jy_cli_usage_error(&jy_cmd_grant, "grant id \"%s\" is not a number", argv[1]);
    if (jy_grant_revoke(db, cli->pool, id, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("revoked grant %lld\n", id);
    return JY_EXIT_OK;
}


int
jy_cli_print_rights(struct jy_cli *cli, struct jy_db *db, const char *login, const char *site)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *res = jy_grant_explain(db, cli->pool, login, site, &err);
    int r;

    if (res == NULL)
        return jy_cli_fail(&err);
    if (jy_db_res_rows(res) == 0) {
        printf("%s holds no permission on %s\n", login, site);
        return JY_EXIT_OK;
    }
    printf("%s on %s:\n", login, site);
    for (r = 0; r < jy_db_res_rows(res); r++) {
        const char *exp = jy_db_res_field(res, r, "expires_at");
        printf("  %-14s from role %s granted on %s: %s%s%s\n",
               jy_db_res_field(res, r, "permission"), jy_db_res_field(res, r, "role"),
               jy_db_res_field(res, r, "granted_on"), jy_db_res_field(res, r, "scope"),
               exp[0] ? ", until " : "", exp);
    }
    return JY_EXIT_OK;
}


static int
grant_rights(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"site", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    const char *site = NULL;
    int ch;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 's')
            site = optarg;
        else
            return jy_cli_usage_error(&jy_cmd_grant, "unrecognized option \"%s\"",
                                      argv[optind - 1]);
    }
    if (argc - optind != 1 || site == NULL)
        return jy_cli_usage_error(&jy_cmd_grant, "\"rights\" takes LOGIN --site SITE");
    return jy_cli_print_rights(cli, db, argv[optind], site);
}


static int
cmd_grant_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db;
    int rc;

    if (jy_cli_wants_help(&jy_cmd_grant, argc, argv))
        return JY_EXIT_OK;
    if (argc < 2)
        return jy_cli_usage_error(&jy_cmd_grant, "missing action: add, list, revoke or rights");
    if (strcmp(argv[1], "add") && strcmp(argv[1], "list") && strcmp(argv[1], "revoke") &&
        strcmp(argv[1], "rights"))
        return jy_cli_usage_error(&jy_cmd_grant, "unrecognized action \"%s\"", argv[1]);
    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    if (strcmp(argv[1], "add") == 0)
        rc = grant_add(cli, db, argc - 1, argv + 1);
    else if (strcmp(argv[1], "list") == 0)
        rc = grant_list(cli, db, argc - 1, argv + 1);
    else if (strcmp(argv[1], "revoke") == 0)
        rc = grant_revoke(cli, db, argc - 1, argv + 1);
    else
        rc = grant_rights(cli, db, argc - 1, argv + 1);
    jy_db_close(db);
    return rc;
}

const struct jy_cmd jy_cmd_grant = {
    "grant",
    "give, list and revoke roles on sites and columns; explain rights",
    "usage: jiyue grant add LOGIN ROLE SITE [--column PATH] [--expires WHEN]\n"
    "       jiyue grant list [--user LOGIN] [--site SITE]\n"
    "       jiyue grant revoke ID\n"
    "       jiyue grant rights LOGIN --site SITE     (also: jiyue user rights)\n"
    "\n"
    "A grant gives a role on a site and every site below it, or with --column on\n"
    "one column of the site and its subcolumns. Roles: platform_admin, site_admin,\n"
    "reviewer, editor, viewer, auditor. SITE is a site code, a domain or an id;\n"
    "PATH a column's URL path (zwgk/tzgg). WHEN is a date (2027-06-30), a time,\n"
    "or a span (90 days). \"rights\" prints every permission the user holds on\n"
    "SITE and the grant it comes from.\n"
    "\n"
    "With --as LOGIN the command runs in that user's name, under row-level\n"
    "security: nobody hands out a permission they do not hold.\n",
    cmd_grant_run,
};
