/*
 * cmd_file.c - `jiyue file`: uploads in the content-addressed file store
 * (filestore.h): add, show, remove, attach to and detach from items.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/err.h"
#include "core/filestore.h"
#include "core/pool.h"
#include "core/str.h"

#include <getopt.h>


static void
print_file(const struct jy_filestore *fs, struct jy_pool *pool, const struct jy_file *f)
{
    int i;

    printf("hash        %s\n", f->sha256);
    printf("type        %s (%s, %s)\n", f->mime, f->what, jy_file_class_name(f->cls));
    printf("size        %lld bytes\n", f->size);
    if (f->width)
        printf("dimensions  %ux%u\n", f->width, f->height);
    printf("name        %s\n", f->name);
    if (f->site)
        printf("site        %s\n", f->site);
    if (f->uploaded_by)
        printf("uploaded by %s\n", f->uploaded_by);
    if (f->created_at)
        printf("uploaded at %s\n", f->created_at);
    printf("stored at   %s\n", jy_filestore_path(fs, pool, f->sha256));
    if (f->nitems == 0)
        printf("used by     no item\n");
    for (i = 0; i < f->nitems; i++)
        printf("%s item %lld \"%s\"\n", i ? "           " : "used by    ", f->items[i],
               f->item_titles[i]);
}


static int
file_add(struct jy_cli *cli, struct jy_db *db, const struct jy_filestore *fs, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"site", required_argument, NULL, 's'},
        {"name", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    const char *site = NULL, *name = NULL;
    struct jy_file f;
    int ch;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 's')
            site = optarg;
        else if (ch == 'n')
            name = optarg;
        else
            return jy_cli_usage_error(&jy_cmd_file, "unrecognized option \"%s\"", argv[optind - 1]);
    }
    if (argc - optind != 1)
        return jy_cli_usage_error(&jy_cmd_file, "\"file add\" takes PATH");
    if (site == NULL)
        return jy_cli_usage_error(&jy_cmd_file, "\"file add\" needs --site SITE");
    if (jy_file_add_path(db, cli->pool, fs, site, argv[optind], name, &f, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("%s file %lld\n", f.created ? "stored" : "already stored as", f.id);
    print_file(fs, cli->pool, &f);
    return JY_EXIT_OK;
}


static int
file_show(struct jy_cli *cli, struct jy_db *db, const struct jy_filestore *fs, int argc,
          char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_file f;

    if (argc != 2)
        return jy_cli_usage_error(&jy_cmd_file, "\"file show\" takes HASH");
    if (jy_file_get(db, cli->pool, argv[1], &f, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("file %lld\n", f.id);
    print_file(fs, cli->pool, &f);
    return JY_EXIT_OK;
}


static int
file_rm(struct jy_cli *cli, struct jy_db *db, const struct jy_filestore *fs, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;

    if (argc != 2)
        return jy_cli_usage_error(&jy_cmd_file, "\"file rm\" takes HASH");
    if (jy_file_remove(db, cli->pool, fs, argv[1], &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("removed file %s\n", argv[1]);
    return JY_EXIT_OK;
}


static int
file_attach(struct jy_cli *cli, struct jy_db *db, int argc, char **argv, bool attach)
{
    static const struct option longopts[] = {
        {"item", required_argument, NULL, 'i'},
        {"caption", required_argument, NULL, 'c'},
        {"sort", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    const char *item = NULL, *caption = NULL;
    long long item_id, sort = 0;
    int ch, rc;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 'i')
            item = optarg;
        else if (ch == 'c' && attach)
            caption = optarg;
        else if (ch == 's' && attach && jy_str_to_ll(jy_str_from(optarg), -100000, 100000, &sort))
            continue;
        else
            return jy_cli_usage_error(&jy_cmd_file, "unrecognized or invalid option \"%s\"",
                                      argv[optind - 1]);
    }
    if (argc - optind != 1 || item == NULL)
        return jy_cli_usage_error(&jy_cmd_file, "\"file %s\" takes HASH --item ID", argv[0]);
    if (!jy_str_to_ll(jy_str_from(item), 1, INT64_MAX, &item_id))
        return jy_cli_usage_error(&jy_cmd_file, "--item takes an item id, not \"%s\"", item);
    rc = attach ? jy_file_attach(db, cli->pool, item_id, argv[optind], (int) sort, caption, &err)
                : jy_file_detach(db, cli->pool, item_id, argv[optind], &err);
    if (rc != JY_OK)
        return jy_cli_fail(&err);
    printf("%s file %s %s item %lld\n", attach ? "attached" : "detached", argv[optind],
           attach ? "to" : "from", item_id);
    return JY_EXIT_OK;
}


static int
file_sweep(struct jy_cli *cli, struct jy_db *db, const struct jy_filestore *fs, int argc,
           char **argv)
{
    static const struct option longopts[] = {
        {"apply", no_argument, NULL, 'a'},
        {"grace", required_argument, NULL, 'g'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    struct jy_file_sweep sw;
    int grace = fs->sweep_grace, ch, i;
    bool apply = false;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        char *end;
        long v;
        if (ch == 'a') {
            apply = true;
            continue;
        }
        if (ch != 'g')
            return jy_cli_usage_error(&jy_cmd_file, "unrecognized or invalid option \"%s\"",
                                      argv[optind - 1]);
        errno = 0;
        v = strtol(optarg, &end, 10);
        if (errno || end == optarg || *end || v < 1 || v > 525600)
            return jy_cli_usage_error(&jy_cmd_file,
                                      "--grace takes minutes from 1 to 525600, not \"%s\"", optarg);
        grace = (int) v;
    }
    if (optind < argc)
        return jy_cli_usage_error(&jy_cmd_file, "unexpected argument \"%s\"", argv[optind]);
    if (jy_file_sweep(db, cli->pool, fs, grace, apply, &sw, &err) != JY_OK)
        return jy_cli_fail(&err);
    for (i = 0; i < sw.npaths; i++)
        printf("%s %s\n", apply ? "removed" : "would remove", sw.paths[i]);
    if (sw.orphans > sw.npaths)
        printf("... and %lld more\n", sw.orphans - sw.npaths);
    printf("%s %lld file%s (%lld bytes) that no row records, older than %d minutes; "
           "%lld file%s looked at",
           apply ? "removed" : "would remove", sw.orphans, sw.orphans == 1 ? "" : "s",
           sw.orphan_bytes, grace, sw.scanned, sw.scanned == 1 ? "" : "s");
    if (sw.young)
        printf("; kept %lld younger one%s", sw.young, sw.young == 1 ? "" : "s");
    printf("\n");
    if (!apply && sw.orphans)
        printf("dry run: nothing was removed; run again with --apply to remove them\n");
    if (sw.failed) {
        fprintf(stderr, "error: could not remove %lld file%s (see the log)\n", sw.failed,
                sw.failed == 1 ? "" : "s");
        return JY_EXIT_FAIL;
    }
    return JY_EXIT_OK;
}


static int
cmd_file_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_filestore fs;
    struct jy_db *db;
    const char *a;
    int rc;

    if (jy_cli_wants_help(&jy_cmd_file, argc, argv))
        return JY_EXIT_OK;
    if (argc < 2)
        return jy_cli_usage_error(&jy_cmd_file,
                                  "missing action: add, show, rm, attach, detach or sweep");
    a = argv[1];
    if (strcmp(a, "add") && strcmp(a, "show") && strcmp(a, "rm") && strcmp(a, "attach") &&
        strcmp(a, "detach") && strcmp(a, "sweep"))
        return jy_cli_usage_error(&jy_cmd_file, "unrecognized action \"%s\"", a);
    jy_filestore_init(&fs, cli->conf);
    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    if (strcmp(a, "add") == 0)
        rc = file_add(cli, db, &fs, argc - 1, argv + 1);
    else if (strcmp(a, "show") == 0)
        rc = file_show(cli, db, &fs, argc - 1, argv + 1);
    else if (strcmp(a, "rm") == 0)
        rc = file_rm(cli, db, &fs, argc - 1, argv + 1);
    else if (strcmp(a, "sweep") == 0)
        rc = file_sweep(cli, db, &fs, argc - 1, argv + 1);
    else
        rc = file_attach(cli, db, argc - 1, argv + 1, strcmp(a, "attach") == 0);
    jy_db_close(db);
    return rc;
}

const struct jy_cmd jy_cmd_file = {
    "file",
    "uploaded files: add, show, remove, attach to items, sweep the store",
    "usage: jiyue file add PATH --site SITE [--name NAME]\n"
    "       jiyue file show HASH\n"
    "       jiyue file rm HASH\n"
    "       jiyue file attach HASH --item ID [--caption TEXT] [--sort N]\n"
    "       jiyue file detach HASH --item ID\n"
    "       jiyue file sweep [--apply] [--grace MINUTES]\n"
    "\n"
    "Files are stored once per platform under their SHA-256 in the folder of\n"
    "the setting file_dir (<ab>/<cd>/<sha256>); the same bytes uploaded twice\n"
    "are one file. The type is sniffed from the bytes, never taken from the\n"
    "name: a name whose extension disagrees with the content is refused.\n"
    "Accepted extensions are the setting file_types; each class (document,\n"
    "image, archive, video) has its size limit, file_max_<class> in MiB.\n"
    "\n"
    "HASH is the file's SHA-256 or its first 8 or more hex digits. A file\n"
    "that an item still uses cannot be removed.\n"
    "\n"
    "sweep lists the bytes in the store that no file row records (uploads the\n"
    "database refused, rows deleted while unlinking failed, temporary files of\n"
    "uploads that died) and are older than the grace period; --apply removes\n"
    "them. An upload in flight is never removed. Run it as the system (no --as).\n"
    "\n"
    "  --site SITE   the uploading site: 政府网站标识码, domain or id\n"
    "  --name NAME   the original name to record (default: PATH's last part)\n"
    "  --item ID     the item to attach the file to, or detach it from\n"
    "  --apply       sweep: remove what it finds (default: only list it)\n"
    "  --grace MIN   sweep: keep files younger than MIN minutes (default: the\n"
    "                setting file_sweep_grace, 1440)\n",
    cmd_file_run,
};
