/*
 * cmd_mirror.c - `jiyue mirror`: the mirrors of a site (add, list, remove,
 * enable, disable), their status and lag, a push on demand and the full
 * verification of what a mirror serves (mirror.h, push.h).
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/mirror.h"
#include "core/pool.h"
#include "core/push.h"
#include "core/str.h"

#include <getopt.h>


/* Read a password from FILE ("-": standard input): the first line, at most 1024 bytes. */
static const char *
read_secret(struct jy_pool *pool, const char *path, struct jy_err *err)
{
    char buf[1100];
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    size_t len;

    if (f == NULL) {
        jy_err_errno(err, errno, "cannot read password file \"%s\"", path);
        jy_err_field(err, "password");
        return NULL;
    }
    if (fgets(buf, sizeof(buf), f) == NULL)
        buf[0] = '\0';
    if (f != stdin)
        fclose(f);
    len = strcspn(buf, "\r\n");
    buf[len] = '\0';
    if (len == 0 || len > 1024) {
        jy_err_set(err, JY_E_INVALID,
                   "the password in \"%s\" must be 1 to 1024 bytes on its first line", path);
        jy_err_field(err, "password");
        return NULL;
    }
    return jy_pool_strdup(pool, buf);
}


static int
mirror_add(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"kind", required_argument, NULL, 'k'},     {"url", required_argument, NULL, 'u'},
        {"channels", required_argument, NULL, 'c'}, {"parallel", required_argument, NULL, 'p'},
        {"verify", required_argument, NULL, 'v'},   {"timeout", required_argument, NULL, 't'},
        {"user", required_argument, NULL, 'U'},     {"password-file", required_argument, NULL, 'P'},
        {"ssh-key", required_argument, NULL, 'K'},  {"ssh-pubkey", required_argument, NULL, 'B'},
        {"host-key", required_argument, NULL, 'H'}, {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    struct jy_mirror_spec sp;
    const char *password_file = NULL;
    long long id, n;
    int ch;

    memset(&sp, 0, sizeof(sp));
    sp.verify_sample = -2;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'k':
            sp.kind = optarg;
            break;
        case 'u':
            sp.url = optarg;
            break;
        case 'c':
            sp.channels = optarg;
            break;
        case 'p':
            if (!jy_str_to_ll(jy_str_from(optarg), 1, 64, &n))
                return jy_cli_usage_error(&jy_cmd_mirror, "--parallel takes 1 to 64, not \"%s\"",
                                          optarg);
            sp.max_parallel = (int) n;
            break;
        case 'v':
            if (strcmp(optarg, "all") == 0)
                n = -1;
            else if (!jy_str_to_ll(jy_str_from(optarg), 0, 1000000, &n))
                return jy_cli_usage_error(&jy_cmd_mirror,
                                          "--verify takes a number of files or \"all\", not \"%s\"",
                                          optarg);
            sp.verify_sample = (int) n;
            break;
        case 't':
            if (!jy_str_to_ll(jy_str_from(optarg), 1, 3600, &n))
                return jy_cli_usage_error(&jy_cmd_mirror,
                                          "--timeout takes 1 to 3600 seconds, not \"%s\"", optarg);
            sp.timeout_s = (int) n;
            break;
        case 'U':
            sp.username = optarg;
            break;
        case 'P':
            password_file = optarg;
            break;
        case 'K':
            sp.ssh_key = optarg;
            break;
        case 'B':
            sp.ssh_pubkey = optarg;
            break;
        case 'H':
            sp.host_key_sha256 = optarg;
            break;
        default:
            return jy_cli_usage_error(&jy_cmd_mirror, "unrecognized option \"%s\"",
                                      argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return jy_cli_usage_error(&jy_cmd_mirror, "\"mirror add\" takes SITE NAME");
    if (sp.kind == NULL || sp.url == NULL)
        return jy_cli_usage_error(&jy_cmd_mirror, "\"mirror add\" needs --kind and --url");
    sp.site = argv[optind];
    sp.name = argv[optind + 1];
    if (password_file && (sp.password = read_secret(cli->pool, password_file, &err)) == NULL)
        return jy_cli_fail(&err);
    if (jy_mirror_add(db, cli->pool, &sp, &id, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("added mirror %lld %s/%s (%s %s); a full push is queued\n", id, sp.site, sp.name,
           sp.kind, sp.url);
    return JY_EXIT_OK;
}


static int
mirror_list(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    const char *site = NULL;
    struct jy_mirror *ms;
    int i, n;

    if (argc == 3 && strcmp(argv[1], "--site") == 0)
        site = argv[2];
    else if (argc != 1)
        return jy_cli_usage_error(&jy_cmd_mirror, "\"mirror list\" takes [--site SITE]");
    if (jy_mirror_list(db, cli->pool, site, &ms, &n, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (n == 0) {
        printf("no mirrors\n");
        return JY_EXIT_OK;
    }
    printf("%-6s %-24s %-7s %-8s %s\n", "id", "mirror", "kind", "enabled", "url");
    for (i = 0; i < n; i++) {
        char ref[80];
        snprintf(ref, sizeof(ref), "%s/%s", ms[i].site_code, ms[i].name);
        printf("%-6lld %-24s %-7s %-8s %s%s%s\n", ms[i].id, ref, jy_mirror_kind_name(ms[i].kind),
               ms[i].enabled ? "yes" : "no", ms[i].url, ms[i].channels ? "  channels " : "",
               ms[i].channels ? ms[i].channels : "");
    }
    return JY_EXIT_OK;
}


static void
print_status(const struct jy_mirror *m, const struct jy_mirror_status *st)
{
    printf("mirror %lld %s/%s (%s %s)\n", m->id, m->site_code, m->name,
           jy_mirror_kind_name(m->kind), m->url);
    printf("  state       %s%s\n", m->enabled ? st->state : "disabled", st->failures ? "" : "");
    if (st->failures)
        printf("  failures    %d in a row\n", st->failures);
    printf("  lag         %lld files, %lld s\n", st->lag_files, st->lag_seconds);
    printf("  confirmed   %lld files, generation %lld%s%s\n", st->confirmed_files,
           st->confirmed_generation, st->confirmed_at ? " at " : "",
           st->confirmed_at ? st->confirmed_at : "");
    if (st->queued)
        printf("  queued      push due %s\n", st->run_after ? st->run_after : "now");
    if (st->last_push_at)
        printf("  last push   %s: %d files, %lld bytes, %d ms\n", st->last_push_at,
               st->last_push_files, st->last_push_bytes, st->last_push_ms);
    if (st->last_error && st->failures)
        printf("  error       %s (%s)\n", st->last_error, st->last_error_at);
    if (st->pusher)
        printf("  pusher      %s\n", st->pusher);
}


static int
mirror_status(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_mirror *ms, one;
    struct jy_mirror_status st;
    int i, n;

    if (argc == 2) {
        if (jy_mirror_find(db, cli->pool, argv[1], &one, &err) != JY_OK)
            return jy_cli_fail(&err);
        ms = &one;
        n = 1;
    } else if (argc == 1 || (argc == 3 && strcmp(argv[1], "--site") == 0)) {
        if (jy_mirror_list(db, cli->pool, argc == 3 ? argv[2] : NULL, &ms, &n, &err) != JY_OK)
            return jy_cli_fail(&err);
        if (n == 0)
            printf("no mirrors\n");
    } else {
        return jy_cli_usage_error(&jy_cmd_mirror, "\"mirror status\" takes [MIRROR | --site SITE]");
    }
    for (i = 0; i < n; i++) {
        if (jy_mirror_status_get(db, cli->pool, ms[i].id, &st, &err) != JY_OK)
            return jy_cli_fail(&err);
        print_status(&ms[i], &st);
    }
    return JY_EXIT_OK;
}


static int
mirror_push(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_push_conf pc;
    struct jy_pusher *p;
    struct jy_push_stats stats;
    struct jy_mirror_status st;
    struct jy_mirror m;
    bool wait = false;

    if (argc == 3 && strcmp(argv[2], "--wait") == 0)
        wait = true;
    else if (argc != 2)
        return jy_cli_usage_error(&jy_cmd_mirror, "\"mirror push\" takes MIRROR [--wait]");
    if (jy_mirror_find(db, cli->pool, argv[1], &m, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (!m.enabled) {
        jy_err_set(&err, JY_E_CONFLICT, "mirror \"%s\" is disabled", argv[1]);
        jy_err_hint(&err, "Enable it first: jiyue mirror enable %s", argv[1]);
        return jy_cli_fail(&err);
    }
    if (jy_mirror_enqueue(db, cli->pool, &m, "jiyue mirror push", &err) != JY_OK)
        return jy_cli_fail(&err);
    if (!wait) {
        printf("queued a push of mirror %s/%s\n", m.site_code, m.name);
        return JY_EXIT_OK;
    }
    jy_push_conf_from(&pc, cli->conf);
    pc.only_mirror = m.id;
    p = jy_pusher_create(jy_cli_conninfo(cli), &pc, &err);
    if (p == NULL)
        return jy_cli_fail(&err);
    if (jy_pusher_drain(p, NULL, &err) != JY_OK) {
        jy_pusher_destroy(p);
        return jy_cli_fail(&err);
    }
    jy_pusher_stats(p, &stats);
    jy_pusher_destroy(p);
    printf("pushed mirror %s/%s: %lld files sent (%lld bytes), %lld deleted, %lld verified\n",
           m.site_code, m.name, stats.files_sent, stats.bytes_sent, stats.files_deleted,
           stats.verified);
    if (jy_mirror_status_get(db, cli->pool, m.id, &st, &err) != JY_OK)
        return jy_cli_fail(&err);
    print_status(&m, &st);
    if (stats.pushes_failed || stats.pushes == 0) {
        jy_err_set(&err, JY_E_UNAVAILABLE, "mirror %s/%s does not hold its manifest yet",
                   m.site_code, m.name);
        if (st.last_error)
            jy_err_detail(&err, "%s", st.last_error);
        jy_err_hint(&err, "The push is queued again; a running \"jiyue pusher\" retries it.");
        return jy_cli_fail(&err);
    }
    return JY_EXIT_OK;
}


static int
mirror_verify(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_verify_report rep;
    struct jy_mirror m;
    long long sample = -1;
    int i;

    if (argc == 4 && strcmp(argv[2], "--sample") == 0) {
        if (!jy_str_to_ll(jy_str_from(argv[3]), 1, 1000000, &sample))
            return jy_cli_usage_error(&jy_cmd_mirror,
                                      "--sample takes a number of files, not \"%s\"", argv[3]);
    } else if (argc != 2) {
        return jy_cli_usage_error(&jy_cmd_mirror, "\"mirror verify\" takes MIRROR [--sample N]");
    }
    if (jy_mirror_find(db, cli->pool, argv[1], &m, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (cli->as_login) {
        jy_err_set(&err, JY_E_FORBIDDEN, "only the system verifies mirrors (it logs in to them)");
        return jy_cli_fail(&err);
    }
    if (jy_mirror_verify(jy_cli_conninfo(cli), cli->pool, m.id, (int) sample, &rep, &err) != JY_OK)
        return jy_cli_fail(&err);
    for (i = 0; i < rep.nproblems; i++)
        printf("  %s: %s\n", rep.problems[i].path, rep.problems[i].what);
    printf("verified mirror %s/%s: %lld files checked, %lld ok, %lld wrong or missing, %lld could "
           "not be fetched\n",
           m.site_code, m.name, rep.checked, rep.ok, rep.wrong, rep.errors);
    if (rep.wrong || rep.errors) {
        jy_err_set(&err, rep.wrong ? JY_E_CONFLICT : JY_E_UNAVAILABLE,
                   "mirror %s/%s does not serve what it confirmed", m.site_code, m.name);
        if (rep.wrong)
            jy_err_hint(&err, "The wrong files were dropped from its confirmed manifest and a "
                              "push is queued to send them again.");
        return jy_cli_fail(&err);
    }
    return JY_EXIT_OK;
}


static int
cmd_mirror_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db;
    const char *a;
    int rc;

    if (jy_cli_wants_help(&jy_cmd_mirror, argc, argv))
        return JY_EXIT_OK;
    if (argc < 2)
        return jy_cli_usage_error(&jy_cmd_mirror, "missing action: add, list, remove, enable, "
                                                  "disable, status, push or verify");
    a = argv[1];
    if (strcmp(a, "add") && strcmp(a, "list") && strcmp(a, "remove") && strcmp(a, "enable") &&
        strcmp(a, "disable") && strcmp(a, "status") && strcmp(a, "push") && strcmp(a, "verify"))
        return jy_cli_usage_error(&jy_cmd_mirror, "unrecognized action \"%s\"", a);
    if ((!strcmp(a, "remove") || !strcmp(a, "enable") || !strcmp(a, "disable")) && argc != 3)
        return jy_cli_usage_error(&jy_cmd_mirror, "\"mirror %s\" takes MIRROR", a);
    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    if (strcmp(a, "add") == 0) {
        rc = mirror_add(cli, db, argc - 1, argv + 1);
    } else if (strcmp(a, "list") == 0) {
        rc = mirror_list(cli, db, argc - 1, argv + 1);
    } else if (strcmp(a, "status") == 0) {
        rc = mirror_status(cli, db, argc - 1, argv + 1);
    } else if (strcmp(a, "push") == 0) {
        rc = mirror_push(cli, db, argc - 1, argv + 1);
    } else if (strcmp(a, "verify") == 0) {
        rc = mirror_verify(cli, db, argc - 1, argv + 1);
    } else if (strcmp(a, "remove") == 0) {
        rc = jy_mirror_remove(db, cli->pool, argv[2], &err) == JY_OK ? JY_EXIT_OK : -1;
        if (rc == JY_EXIT_OK)
            printf("removed mirror %s (the files on the server stay)\n", argv[2]);
    } else {
        bool on = strcmp(a, "enable") == 0;
        rc = jy_mirror_set_enabled(db, cli->pool, argv[2], on, &err) == JY_OK ? JY_EXIT_OK : -1;
        if (rc == JY_EXIT_OK)
            printf("%s mirror %s%s\n", on ? "enabled" : "disabled", argv[2],
                   on ? "; a push is queued" : "");
    }
    if (rc == -1)
        rc = jy_cli_fail(&err);
    jy_db_close(db);
    return rc;
}

const struct jy_cmd jy_cmd_mirror = {
    "mirror",
    "mirrors of a site: add, list, remove, status and lag, push, verify",
    "usage: jiyue mirror add SITE NAME --kind folder|webdav|sftp --url URL [options]\n"
    "       jiyue mirror list [--site SITE]\n"
    "       jiyue mirror status [MIRROR | --site SITE]\n"
    "       jiyue mirror push MIRROR [--wait]\n"
    "       jiyue mirror verify MIRROR [--sample N]\n"
    "       jiyue mirror enable|disable|remove MIRROR\n"
    "\n"
    "A mirror is a web server that serves a site's rendered tree: a local folder,\n"
    "a WebDAV server (PUT, DELETE, MKCOL) or an SFTP server. Every finished render\n"
    "queues a push to each mirror of the site; a running \"jiyue pusher\" sends\n"
    "the files that changed (assets, then pages, then deletions) until the mirror\n"
    "holds the manifest. MIRROR is an id or SITE/NAME (1304000009/intranet).\n"
    "\n"
    "add options:\n"
    "  --kind KIND          folder, webdav or sftp\n"
    "  --url URL            /srv/www/1304000009, http://m1.example.cn/dav/1304000009/,\n"
    "                       sftp://m2.example.cn:22/var/www/1304000009/ (no user in it)\n"
    "  --channels LIST      only these channels (desktop,elder ...); default all\n"
    "  --parallel N         transfers at once to this mirror (default 4)\n"
    "  --verify N|all       files fetched back and hashed after each push (default 3)\n"
    "  --timeout S          connect timeout, and the time a transfer may stay under\n"
    "                       1 KiB/s before it fails (default 30)\n"
    "  --user NAME          user name on the server\n"
    "  --password-file F    the password (or the ssh key's passphrase) on the first\n"
    "                       line of F, \"-\" for standard input; never on the command line\n"
    "  --ssh-key PATH       sftp: private key file (on every machine running a pusher)\n"
    "  --ssh-pubkey PATH    sftp: its public key, when it is not next to it\n"
    "  --host-key SHA256:X  sftp: the server's host key as \"ssh-keygen -lf\" prints it\n"
    "\n"
    "status shows the state (new, ok, pushing, retrying, degraded), the lag in files\n"
    "and seconds, and the last error in the server's words. push --wait pushes now,\n"
    "in this process, and reports. verify fetches every confirmed file (or a sample)\n"
    "and compares hashes; wrong files are dropped from the confirmed manifest and a\n"
    "push is queued to repair them. Credentials are stored apart and never shown.\n",
    cmd_mirror_run,
};
