/*
 * cmd_item.c - `jiyue item`: write items of the resource library, read
 * them, their revisions and diffs, restore, place them in columns of any
 * number of sites, hide reused items, set index number rules; move a
 * placement through its review chain (submit, approve, reject, publish,
 * withdraw), schedule it, and show its history (workflow.h).
 *
 * Values given as k=v on the command line become JSON by the field's
 * declared type (item.h): lists are split at commas, numbers stay numbers,
 * an empty value clears the field. The library checks everything else.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/err.h"
#include "core/item.h"
#include "core/json.h"
#include "core/placement.h"
#include "core/pool.h"
#include "core/utf8.h"
#include "core/workflow.h"

#include <getopt.h>

#include <cjson/cJSON.h>

#define MAX_ARGS 256


/* ---- turning k=v into JSON ---------------------------------------------------------------------
 */

static const struct jy_item_field *
find_field(const struct jy_item_field *f, int n, const char *name)
{
    int i;

    for (i = 0; i < n; i++)
        if (strcmp(f[i].field, name) == 0)
            return &f[i];
    return NULL;
}


/* Split at "," and "，" (the full-width comma of Chinese input) into an array. */
static cJSON *
split_list(struct jy_pool *pool, const char *v, bool numbers)
{
    cJSON *arr = cJSON_CreateArray();
    const char *s = v;

    while (*s) {
        const char *a = strstr(s, ","), *b = strstr(s, "\xEF\xBC\x8C");
        const char *end = a && (!b || a < b) ? a : b;
        size_t len = end ? (size_t) (end - s) : strlen(s);
        char *part = jy_pool_strndup(pool, s, len);
        char *q;
        long long n;
        if (part[0]) {
            n = strtoll(part, &q, 10);
            if (numbers && *q == '\0')
                cJSON_AddItemToArray(arr, cJSON_CreateNumber((double) n));
            else
                cJSON_AddItemToArray(arr, cJSON_CreateString(part));
        }
        if (end == NULL)
            break;
        s = end + (end == a ? 1 : 3);
    }
    return arr;
}


static cJSON *
value_json(struct jy_pool *pool, const struct jy_item_field *f, const char *v)
{
    char *end;
    long long n;

    if (v[0] == '\0')
        return cJSON_CreateNull();
    if (f == NULL)
        return cJSON_CreateString(v);
    if (strcmp(f->type, "text[]") == 0 || strcmp(f->type, "tag[]") == 0)
        return split_list(pool, v, false);
    if (strcmp(f->type, "item[]") == 0)
        return split_list(pool, v, true);
    if (strcmp(f->type, "int") == 0 || strcmp(f->type, "item") == 0) {
        n = strtoll(v, &end, 10);
        return *end == '\0' ? cJSON_CreateNumber((double) n) : cJSON_CreateString(v);
    }
    if (strcmp(f->type, "json") == 0) {
        struct jy_err err = JY_ERR_INIT;
        cJSON *j = jy_json_parse(pool, v, strlen(v), &err);
        return j ? cJSON_Duplicate(j, true) : cJSON_CreateString(v);
    }
    return cJSON_CreateString(v);
}


/* Add "k=v" to obj; a usage error (returns false) when it has no "=". */
static bool
add_assignment(struct jy_pool *pool, cJSON *obj, const struct jy_item_field *f, int nf,
               const char *kv)
{
    const char *eq = strchr(kv, '=');
    char *key;

    if (eq == NULL || eq == kv)
        return false;
    key = jy_pool_strndup(pool, kv, (size_t) (eq - kv));
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    cJSON_AddItemToObject(obj, key, value_json(pool, find_field(f, nf, key), eq + 1));
    return true;
}


/* Read a body file (UTF-8, at most JY_ITEM_BODY_MAX bytes) into pool. */
static const char *
read_body(struct jy_pool *pool, const char *path, struct jy_err *err)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    size_t n;

    if (fp == NULL) {
        jy_err_errno(err, errno, "cannot open body file \"%s\"", path);
        jy_err_field(err, "body");
        return NULL;
    }
    buf = jy_pool_alloc(pool, JY_ITEM_BODY_MAX + 2);
    n = fread(buf, 1, JY_ITEM_BODY_MAX + 1, fp);
    if (ferror(fp)) {
        jy_err_errno(err, errno, "cannot read body file \"%s\"", path);
        fclose(fp);
        return NULL;
    }
    fclose(fp);
    if (n > JY_ITEM_BODY_MAX) {
        jy_err_set(err, JY_E_TOO_LARGE, "body file \"%s\" is larger than %d bytes", path,
                   JY_ITEM_BODY_MAX);
        jy_err_field(err, "body");
        return NULL;
    }
    buf[n] = '\0';
    if (!jy_utf8_valid(buf, n, NULL) || strlen(buf) != n) {
        jy_err_set(err, JY_E_INVALID, "body file \"%s\" is not UTF-8 text", path);
        jy_err_field(err, "body");
        return NULL;
    }
    return buf;
}


/* Print a refused write: every problem, one per line; or the error. */
static int
fail_write(const struct jy_item_result *res, const struct jy_err *err)
{
    int i;

    if (res->nproblems <= 1)
        return jy_cli_fail(err);
    fprintf(stderr, "jiyue: the item has %d problems, nothing was saved:\n", res->nproblems);
    for (i = 0; i < res->nproblems; i++)
        fprintf(stderr, "  - %s\n", res->problems[i].msg);
    return JY_EXIT_FAIL;
}


static void
print_written(const struct jy_item_result *res)
{
    int i;

    for (i = 0; i < res->nremoved; i++)
        printf("  the body was cleaned: %s\n", res->removed[i]);
    for (i = 0; i < res->nplaced; i++)
        printf("  %s %s (%s, %s) as %s\n", res->placed[i].created ? "placed in" : "already in",
               res->placed[i].column, res->placed[i].column_name, res->placed[i].site_name,
               res->placed[i].state);
}


static bool
parse_id(const char *s, long long *id)
{
    char *end;

    *id = strtoll(s, &end, 10);
    return *s && *end == '\0' && *id > 0;
}


/* ---- actions -----------------------------------------------------------------------------------
 */

static int
item_add(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"site", required_argument, NULL, 's'},      {"kind", required_argument, NULL, 'k'},
        {"title", required_argument, NULL, 't'},     {"field", required_argument, NULL, 'f'},
        {"body-file", required_argument, NULL, 'b'}, {"place", required_argument, NULL, 'p'},
        {"state", required_argument, NULL, 'S'},     {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    struct jy_item_spec spec = {0};
    struct jy_item_result res;
    struct jy_item_field *fields;
    struct jy_placement_target *places;
    const char *kvs[MAX_ARGS], *title = NULL, *body_file = NULL, *state = NULL;
    int nkv = 0, nplaces = 0, nfields, ch, i;
    cJSON *obj;

    places = jy_pool_new_array(cli->pool, struct jy_placement_target, (size_t) argc + 1);
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            spec.site = optarg;
            break;
        case 'k':
            spec.kind = optarg;
            break;
        case 't':
            title = optarg;
            break;
        case 'f':
            if (nkv == MAX_ARGS)
                return jy_cli_usage_error(&jy_cmd_item, "too many --field options");
            kvs[nkv++] = optarg;
            break;
        case 'b':
            body_file = optarg;
            break;
        case 'p':
            places[nplaces++].column = optarg;
            break;
        case 'S':
            state = optarg;
            break;
        default:
            return jy_cli_usage_error(&jy_cmd_item, "unrecognized option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return jy_cli_usage_error(&jy_cmd_item,
                                  "unexpected argument \"%s\" (fields are given "
                                  "with --field k=v)",
                                  argv[optind]);
    if (spec.site == NULL || spec.kind == NULL)
        return jy_cli_usage_error(&jy_cmd_item, "\"item add\" needs --site SITE and --kind KIND");
    if (jy_item_fields(db, cli->pool, spec.kind, &fields, &nfields, &err) != JY_OK)
        return jy_cli_fail(&err);
    obj = jy_json_new_object(cli->pool);
    if (title)
        cJSON_AddItemToObject(obj, "title", cJSON_CreateString(title));
    for (i = 0; i < nkv; i++)
        if (!add_assignment(cli->pool, obj, fields, nfields, kvs[i]))
            return jy_cli_usage_error(&jy_cmd_item, "--field \"%s\": expected NAME=VALUE", kvs[i]);
    if (body_file) {
        const char *body = read_body(cli->pool, body_file, &err);
        if (body == NULL)
            return jy_cli_fail(&err);
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "body");
        cJSON_AddItemToObject(obj, "body", cJSON_CreateString(body));
    }
    for (i = 0; i < nplaces; i++)
        places[i].state = state;
    spec.fields = obj;
    spec.places = places;
    spec.nplaces = nplaces;
    if (jy_item_create(db, cli->pool, &spec, &res, &err) != JY_OK)
        return fail_write(&res, &err);
    printf("created item %lld (revision %d, 索引号 %s)\n", res.id, res.revision, res.index_no);
    print_written(&res);
    return JY_EXIT_OK;
}


static int
item_set(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"body-file", required_argument, NULL, 'b'},
        {"note", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    struct jy_item_result res;
    struct jy_item_field *fields;
    const char *body_file = NULL, *note = NULL, *kind;
    cJSON *obj, *item;
    long long id;
    int nfields, ch, i;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 'b')
            body_file = optarg;
        else if (ch == 'n')
            note = optarg;
        else
            return jy_cli_usage_error(&jy_cmd_item, "unrecognized option \"%s\"", argv[optind - 1]);
    }
    if (argc - optind < 1 || !parse_id(argv[optind], &id))
        return jy_cli_usage_error(&jy_cmd_item, "\"item set\" takes ID k=v ...");
    if (argc - optind < 2 && body_file == NULL)
        return jy_cli_usage_error(&jy_cmd_item, "\"item set\" needs at least one k=v");
    if ((item = jy_item_get(db, cli->pool, id, &err)) == NULL)
        return jy_cli_fail(&err);
    kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "kind"));
    if (jy_item_fields(db, cli->pool, kind ? kind : "", &fields, &nfields, &err) != JY_OK)
        return jy_cli_fail(&err);
    obj = jy_json_new_object(cli->pool);
    for (i = optind + 1; i < argc; i++)
        if (!add_assignment(cli->pool, obj, fields, nfields, argv[i]))
            return jy_cli_usage_error(&jy_cmd_item, "\"%s\": expected NAME=VALUE", argv[i]);
    if (body_file) {
        const char *body = read_body(cli->pool, body_file, &err);
        if (body == NULL)
            return jy_cli_fail(&err);
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "body");
        cJSON_AddItemToObject(obj, "body", cJSON_CreateString(body));
    }
    if (jy_item_update(db, cli->pool, id, obj, note, &res, &err) != JY_OK)
        return fail_write(&res, &err);
    if (res.changed)
        printf("item %lld: revision %d\n", id, res.revision);
    else
        printf("item %lld: nothing changed (revision %d)\n", id, res.revision);
    print_written(&res);
    return JY_EXIT_OK;
}


/* A JSON value as people read it: strings bare, lists joined, objects compact. */
static const char *
plain(struct jy_pool *pool, const cJSON *v)
{
    struct jy_buf b = JY_BUF_INIT(pool);
    const cJSON *e;

    if (v == NULL || cJSON_IsNull(v))
        return NULL;
    if (cJSON_IsString(v))
        return v->valuestring[0] ? v->valuestring : NULL;
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 0)
        return NULL;
    if (cJSON_IsArray(v)) {
        cJSON_ArrayForEach(e, v)
        {
            if (b.len)
                jy_buf_add_str(&b, ", ");
            if (cJSON_IsString(e))
                jy_buf_add_str(&b, e->valuestring);
            else
                jy_json_print(e, &b);
        }
        return b.buf;
    }
    jy_json_print(v, &b);
    return b.buf;
}


static void
print_links(struct jy_pool *pool, const cJSON *item, const char *key, const char *label)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(item, key), *e;

    if (cJSON_GetArraySize(arr) == 0)
        return;
    printf("%s:\n", label);
    cJSON_ArrayForEach(e, arr)
    {
        const char *title = plain(pool, cJSON_GetObjectItemCaseSensitive(e, "title"));
        const char *doc = plain(pool, cJSON_GetObjectItemCaseSensitive(e, "doc_no"));
        printf("  item %s  %s%s%s%s\n", plain(pool, cJSON_GetObjectItemCaseSensitive(e, "id")),
               title ? title : "(not visible to you)", doc ? " (" : "", doc ? doc : "",
               doc ? ")" : "");
    }
}


static int
item_show(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_item_field *fields;
    const cJSON *site, *meta, *e;
    cJSON *item;
    long long id;
    int nfields, i;
    bool json = false;
    const char *ids = NULL;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (ids == NULL && argv[i][0] != '-')
            ids = argv[i];
        else
            return jy_cli_usage_error(&jy_cmd_item, "unexpected argument \"%s\"", argv[i]);
    }
    if (ids == NULL || !parse_id(ids, &id))
        return jy_cli_usage_error(&jy_cmd_item, "\"item show\" takes an item id");
    if ((item = jy_item_get(db, cli->pool, id, &err)) == NULL)
        return jy_cli_fail(&err);
    if (json) {
        struct jy_buf b = JY_BUF_INIT(cli->pool);
        jy_json_print_pretty(item, &b);
        printf("%s\n", b.buf);
        return JY_EXIT_OK;
    }
    if (jy_item_fields(db, cli->pool,
                       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "kind")),
                       &fields, &nfields, &err) != JY_OK)
        return jy_cli_fail(&err);
    site = cJSON_GetObjectItemCaseSensitive(item, "site");
    meta = cJSON_GetObjectItemCaseSensitive(item, "metadata");
    printf("item %lld  %s (%s)  revision %s\n", id,
           plain(cli->pool, cJSON_GetObjectItemCaseSensitive(item, "kind_name")),
           plain(cli->pool, cJSON_GetObjectItemCaseSensitive(item, "kind")),
           plain(cli->pool, cJSON_GetObjectItemCaseSensitive(item, "revision")));
    printf("site: %s (%s)\n", plain(cli->pool, cJSON_GetObjectItemCaseSensitive(site, "name")),
           plain(cli->pool, cJSON_GetObjectItemCaseSensitive(site, "code")));
    for (i = 0; i < nfields; i++) {
        const struct jy_item_field *f = &fields[i];
        const cJSON *v;
        const char *s;
        if (strcmp(f->storage, "relation") == 0)
            continue;
        v = cJSON_GetObjectItemCaseSensitive(strcmp(f->storage, "metadata") == 0 ? meta : item,
                                             f->field);
        if ((s = plain(cli->pool, v)) == NULL)
            continue;
        if (strcmp(f->type, "html") == 0) {
            size_t chars = jy_utf8_count(s, strlen(s));
            char shown[200];
            jy_utf8_truncate(s, strlen(s), 40, shown, sizeof(shown));
            printf("%s (%s): %zu characters: %s\n", f->label, f->field, chars, shown);
            continue;
        }
        if (strcmp(f->field, "validity") == 0) {
            printf("%s (%s): %s (%s)\n", f->label, f->field,
                   plain(cli->pool, cJSON_GetObjectItemCaseSensitive(item, "validity_label")), s);
            continue;
        }
        printf("%s (%s): %s\n", f->label, f->field, s);
    }
    print_links(cli->pool, item, "interprets", "interprets (解读的文件)");
    print_links(cli->pool, item, "interpretations", "interpretations (政策解读)");
    if (!cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(item, "validity_by_item"))) {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(item, "validity_by_item");
        printf("changed by: item %s  %s\n",
               plain(cli->pool, cJSON_GetObjectItemCaseSensitive(b, "id")),
               plain(cli->pool, cJSON_GetObjectItemCaseSensitive(b, "title")));
    }
    print_links(cli->pool, item, "changes", "amends or repeals");
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(item, "placements")) > 0)
        printf("placements:\n");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(item, "placements"))
    {
        const char *pin = plain(cli->pool, cJSON_GetObjectItemCaseSensitive(e, "pinned_until"));
        printf("  %s:%s  %s (%s)  %s%s%s\n",
               plain(cli->pool, cJSON_GetObjectItemCaseSensitive(e, "site")),
               plain(cli->pool, cJSON_GetObjectItemCaseSensitive(e, "column")),
               plain(cli->pool, cJSON_GetObjectItemCaseSensitive(e, "column_name")),
               plain(cli->pool, cJSON_GetObjectItemCaseSensitive(e, "site_name")),
               plain(cli->pool, cJSON_GetObjectItemCaseSensitive(e, "state")),
               pin ? ", pinned until " : "", pin ? pin : "");
    }
    return JY_EXIT_OK;
}


static int
item_revisions(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_item_revision *v;
    long long id;
    int n, i;

    if (argc != 2 || !parse_id(argv[1], &id))
        return jy_cli_usage_error(&jy_cmd_item, "\"item revisions\" takes an item id");
    if (jy_item_revisions(db, cli->pool, id, &v, &n, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("rev  saved at                by            changed\n");
    for (i = 0; i < n; i++)
        printf("%-4d %-23s %-13s %s%s%s%s\n", v[i].rev, v[i].saved_at,
               v[i].saved_by ? v[i].saved_by : "-", i == 0 ? "(created)" : v[i].changed,
               v[i].note ? "  [" : "", v[i].note ? v[i].note : "", v[i].note ? "]" : "");
    return JY_EXIT_OK;
}


static int
item_diff(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_item_change *c;
    long long id, a, b;
    int n, i, j;

    if (argc != 4 || !parse_id(argv[1], &id) || !parse_id(argv[2], &a) || !parse_id(argv[3], &b))
        return jy_cli_usage_error(&jy_cmd_item, "\"item diff\" takes ID REV1 REV2");
    if (jy_item_diff(db, cli->pool, id, (int) a, (int) b, &c, &n, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (n == 0) {
        printf("revisions %lld and %lld of item %lld are the same\n", a, b, id);
        return JY_EXIT_OK;
    }
    for (i = 0; i < n; i++) {
        printf("%s (%s)\n", c[i].label, c[i].field);
        if (c[i].nlines > 0) {
            for (j = 0; j < c[i].nlines; j++)
                printf("  %c %s\n", c[i].lines[j].op, c[i].lines[j].text);
            continue;
        }
        if (c[i].before)
            printf("  - %s\n", c[i].before);
        if (c[i].after)
            printf("  + %s\n", c[i].after);
    }
    return JY_EXIT_OK;
}


static int
item_restore(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_item_result res;
    long long id, rev;

    if (argc != 3 || !parse_id(argv[1], &id) || !parse_id(argv[2], &rev))
        return jy_cli_usage_error(&jy_cmd_item, "\"item restore\" takes ID REV");
    if (jy_item_restore(db, cli->pool, id, (int) rev, &res, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (res.changed)
        printf("item %lld: restored revision %lld as revision %d\n", id, rev, res.revision);
    else
        printf("item %lld: already as revision %lld (revision %d)\n", id, rev, res.revision);
    for (int i = 0; i < res.nremoved; i++)
        printf("  note: %s\n", res.removed[i]);
    return JY_EXIT_OK;
}


static int
item_place(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"state", required_argument, NULL, 's'},
        {"pin-until", required_argument, NULL, 'p'},
        {"unpin", no_argument, NULL, 'u'},
        {"sort", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    struct jy_placement_target *t;
    struct jy_placement_done *done;
    const char *state = NULL, *pin = NULL;
    long long id, sort = 0;
    bool sort_set = false;
    int ch, i, n;
    char *end;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 's') {
            state = optarg;
        } else if (ch == 'p') {
            pin = optarg;
        } else if (ch == 'u') {
            pin = "";
        } else if (ch == 'o') {
            sort = strtoll(optarg, &end, 10);
            if (*end || sort < -1000000 || sort > 1000000)
                return jy_cli_usage_error(&jy_cmd_item, "--sort \"%s\" is not a whole number",
                                          optarg);
            sort_set = true;
        } else {
            return jy_cli_usage_error(&jy_cmd_item, "unrecognized option \"%s\"", argv[optind - 1]);
        }
    }
    if (argc - optind < 2 || !parse_id(argv[optind], &id))
        return jy_cli_usage_error(&jy_cmd_item, "\"item place\" takes ID SITE:PATH ...");
    n = argc - optind - 1;
    t = jy_pool_new_array(cli->pool, struct jy_placement_target, (size_t) n);
    for (i = 0; i < n; i++) {
        t[i].column = argv[optind + 1 + i];
        t[i].state = state;
        t[i].pinned_until = pin;
        t[i].sort = (int) sort;
        t[i].sort_set = sort_set;
    }
    if (jy_placement_place(db, cli->pool, id, t, n, &done, &err) != JY_OK)
        return jy_cli_fail(&err);
    for (i = 0; i < n; i++)
        printf("%s %s (%s, %s) as %s\n", done[i].created ? "placed in" : "updated in",
               done[i].column, done[i].column_name, done[i].site_name, done[i].state);
    return JY_EXIT_OK;
}


static int
item_hide(struct jy_cli *cli, struct jy_db *db, int argc, char **argv, bool hide)
{
    struct jy_err err = JY_ERR_INIT;
    long long id;
    bool changed;

    if (argc != 3 || !parse_id(argv[2], &id))
        return jy_cli_usage_error(&jy_cmd_item, "\"item %s\" takes SITE:PATH ID", argv[0]);
    if ((hide ? jy_placement_hide : jy_placement_unhide)(db, cli->pool, argv[1], id, &changed,
                                                         &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("item %lld %s in %s%s\n", id, hide ? "hidden" : "shown again", argv[1],
           changed ? "" : " (it was already)");
    return JY_EXIT_OK;
}


static int
item_list(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"limit", required_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    struct jy_placement_row *rows;
    int limit = 50, n, i, ch;
    char *end;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch != 'l')
            return jy_cli_usage_error(&jy_cmd_item, "unrecognized option \"%s\"", argv[optind - 1]);
        limit = (int) strtol(optarg, &end, 10);
        if (*end)
            return jy_cli_usage_error(&jy_cmd_item, "--limit \"%s\" is not a number", optarg);
    }
    if (argc - optind != 1)
        return jy_cli_usage_error(&jy_cmd_item, "\"item list\" takes SITE:PATH");
    if (jy_placement_list(db, cli->pool, argv[optind], limit, &rows, &n, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (n == 0)
        printf("column %s has no items\n", argv[optind]);
    for (i = 0; i < n; i++)
        printf("%-8lld %-10s %-9s%s%s%s %s\n", rows[i].item_id, rows[i].state,
               rows[i].kind ? rows[i].kind : "", rows[i].pinned ? " [pinned]" : "",
               rows[i].hidden ? " [hidden here]" : "", rows[i].reused ? " [reused]" : "",
               rows[i].title ? rows[i].title : "(not visible to you)");
    return JY_EXIT_OK;
}


static int
item_link(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    long long a, b;
    bool remove = argc == 4 && strcmp(argv[3], "--remove") == 0;

    if ((argc != 3 && !remove) || !parse_id(argv[1], &a) || !parse_id(argv[2], &b))
        return jy_cli_usage_error(&jy_cmd_item, "\"item link\" takes INTERPRETATION DOCUMENT "
                                                "[--remove]");
    if (jy_item_link(db, cli->pool, a, b, !remove, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("item %lld %s item %lld\n", a, remove ? "no longer interprets" : "interprets", b);
    return JY_EXIT_OK;
}


static int
item_fields(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const char *const kinds[] = {
        "article", "policy", "interpretation", "image", "file", "video", "qa", "link"};
    struct jy_err err = JY_ERR_INIT;
    struct jy_item_field *f;
    size_t k;
    int n, i, j;

    if (argc > 2)
        return jy_cli_usage_error(&jy_cmd_item, "\"item fields\" takes at most a KIND");
    for (k = 0; k < JY_ARRAY_LEN(kinds); k++) {
        const char *kind = argc == 2 ? argv[1] : kinds[k];
        if (jy_item_fields(db, cli->pool, kind, &f, &n, &err) != JY_OK)
            return jy_cli_fail(&err);
        printf("%s:\n", kind);
        for (i = 0; i < n; i++) {
            printf("  %-13s %-10s %-9s %s%s", f[i].field, f[i].type,
                   f[i].required ? "required" : "", f[i].label, f[i].max_length ? "" : "");
            if (f[i].max_length)
                printf(", at most %ld characters", f[i].max_length);
            if (f[i].nvalues) {
                printf(", one of ");
                for (j = 0; j < f[i].nvalues; j++)
                    printf("%s%s", j ? "/" : "", f[i].labels[j]);
            }
            putchar('\n');
        }
        if (argc == 2)
            break;
    }
    return JY_EXIT_OK;
}


static int
item_index_rule(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    const char *rule;
    bool own;

    if (argc < 2 || argc > 3)
        return jy_cli_usage_error(&jy_cmd_item, "\"item index-rule\" takes SITE [RULE|--clear]");
    if (argc == 3) {
        bool clear = strcmp(argv[2], "--clear") == 0;
        if (jy_item_index_rule_set(db, cli->pool, argv[1], clear ? NULL : argv[2], &err) != JY_OK)
            return jy_cli_fail(&err);
    }
    if (jy_item_index_rule_get(db, cli->pool, argv[1], &rule, &own, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("索引号 rule of %s: %s%s\n", argv[1], rule, own ? "" : " (inherited)");
    return JY_EXIT_OK;
}


/* ---- the workflow of a placement ------------------------------------------------------------ */

static int
item_workflow(struct jy_cli *cli, struct jy_db *db, int argc, char **argv, enum jy_wf_action action)
{
    static const struct option longopts[] = {
        {"comment", required_argument, NULL, 'c'},
        {"reason", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    struct jy_wf_result res;
    const char *comment = NULL, *name = argv[0];
    long long id;
    int ch;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch != 'c')
            return jy_cli_usage_error(&jy_cmd_item, "unrecognized option \"%s\"", argv[optind - 1]);
        comment = optarg;
    }
    if (argc - optind != 2 || !parse_id(argv[optind], &id))
        return jy_cli_usage_error(&jy_cmd_item, "\"item %s\" takes ID SITE:PATH", name);
    if (action == JY_WF_REJECT && comment == NULL)
        return jy_cli_usage_error(&jy_cmd_item, "\"item reject\" needs --reason TEXT: the editor "
                                                "gets the item back with it");
    if (jy_workflow_act(db, cli->pool, action, id, argv[optind + 1], comment, &res, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("item %lld in %s: %s -> %s", id, argv[optind + 1], res.from_state, res.to_state);
    if (res.step)
        printf(" (step %d \"%s\" %s)", res.step, res.step_name ? res.step_name : "",
               action == JY_WF_REJECT ? "rejected" : "approved");
    putchar('\n');
    if (res.approvals_missing)
        printf("  step %d \"%s\" waits for %d more approval%s\n", res.step,
               res.step_name ? res.step_name : "", res.approvals_missing,
               res.approvals_missing == 1 ? "" : "s");
    else if (res.waiting_step)
        printf("  waiting for step %d/%d \"%s\"\n", res.waiting_step, res.nsteps,
               res.waiting_name ? res.waiting_name : "");
    else if (strcmp(res.to_state, "approved") == 0 ||
             (strcmp(res.to_state, "submitted") == 0 && res.nsteps == 0))
        printf("  waiting for publication\n");
    return JY_EXIT_OK;
}


static int
item_schedule(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"publish-at", required_argument, NULL, 'p'},
        {"withdraw-at", required_argument, NULL, 'w'},
        {"no-publish-at", no_argument, NULL, 'P'},
        {"no-withdraw-at", no_argument, NULL, 'W'},
        {NULL, 0, NULL, 0},
    };
    struct jy_err err = JY_ERR_INIT;
    const char *pub = NULL, *wd = NULL;
    long long id;
    int ch;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch == 'p')
            pub = optarg;
        else if (ch == 'w')
            wd = optarg;
        else if (ch == 'P')
            pub = "";
        else if (ch == 'W')
            wd = "";
        else
            return jy_cli_usage_error(&jy_cmd_item, "unrecognized option \"%s\"", argv[optind - 1]);
    }
    if (argc - optind != 2 || !parse_id(argv[optind], &id))
        return jy_cli_usage_error(&jy_cmd_item, "\"item schedule\" takes ID SITE:PATH");
    if (pub == NULL && wd == NULL)
        return jy_cli_usage_error(&jy_cmd_item, "\"item schedule\" needs --publish-at WHEN, "
                                                "--withdraw-at WHEN or --no-publish-at/"
                                                "--no-withdraw-at");
    if (jy_workflow_schedule(db, cli->pool, id, argv[optind + 1], pub, wd, &err) != JY_OK)
        return jy_cli_fail(&err);
    printf("item %lld in %s:%s%s%s%s\n", id, argv[optind + 1],
           pub ? (pub[0] ? " publish at " : " no scheduled publication") : "", pub ? pub : "",
           wd ? (wd[0] ? " withdraw at " : " no scheduled withdrawal") : "", wd ? wd : "");
    return JY_EXIT_OK;
}


static int
item_history(struct jy_cli *cli, struct jy_db *db, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_wf_event *ev;
    long long id;
    int n, i;

    if (argc != 2 || !parse_id(argv[1], &id))
        return jy_cli_usage_error(&jy_cmd_item, "\"item history\" takes ID");
    if (jy_workflow_history(db, cli->pool, id, &ev, &n, &err) != JY_OK)
        return jy_cli_fail(&err);
    if (n == 0)
        printf("item %lld has no workflow history you may see\n", id);
    for (i = 0; i < n; i++) {
        printf("%s  %-24s %-9s %s -> %s  by %s", ev[i].at, ev[i].column, ev[i].action,
               ev[i].from_state ? ev[i].from_state : "-", ev[i].to_state, ev[i].actor);
        if (ev[i].step)
            printf("  [round %d, step %d %s]", ev[i].round, ev[i].step,
                   ev[i].step_name ? ev[i].step_name : "");
        if (ev[i].comment)
            printf("  \"%s\"", ev[i].comment);
        putchar('\n');
    }
    return JY_EXIT_OK;
}


static int
cmd_item_run(struct jy_cli *cli, int argc, char **argv)
{
    static const char *const actions[] = {
        "add",     "set",    "show",    "revisions", "diff",     "restore",    "place",
        "hide",    "unhide", "list",    "link",      "fields",   "index-rule", "submit",
        "approve", "reject", "publish", "withdraw",  "schedule", "history"};
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db;
    const char *a;
    size_t k;
    int rc;

    if (jy_cli_wants_help(&jy_cmd_item, argc, argv))
        return JY_EXIT_OK;
    if (argc < 2)
        return jy_cli_usage_error(&jy_cmd_item,
                                  "missing action: add, set, show, revisions, diff, "
                                  "restore, place, hide, unhide, list, link, fields, index-rule, "
                                  "submit, approve, reject, publish, withdraw, schedule or "
                                  "history");
    a = argv[1];
    for (k = 0; k < JY_ARRAY_LEN(actions); k++)
        if (strcmp(a, actions[k]) == 0)
            break;
    if (k == JY_ARRAY_LEN(actions))
        return jy_cli_usage_error(&jy_cmd_item, "unrecognized action \"%s\"", a);
    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    argc--;
    argv++;
    if (strcmp(a, "add") == 0)
        rc = item_add(cli, db, argc, argv);
    else if (strcmp(a, "set") == 0)
        rc = item_set(cli, db, argc, argv);
    else if (strcmp(a, "show") == 0)
        rc = item_show(cli, db, argc, argv);
    else if (strcmp(a, "revisions") == 0)
        rc = item_revisions(cli, db, argc, argv);
    else if (strcmp(a, "diff") == 0)
        rc = item_diff(cli, db, argc, argv);
    else if (strcmp(a, "restore") == 0)
        rc = item_restore(cli, db, argc, argv);
    else if (strcmp(a, "place") == 0)
        rc = item_place(cli, db, argc, argv);
    else if (strcmp(a, "hide") == 0 || strcmp(a, "unhide") == 0)
        rc = item_hide(cli, db, argc, argv, strcmp(a, "hide") == 0);
    else if (strcmp(a, "list") == 0)
        rc = item_list(cli, db, argc, argv);
    else if (strcmp(a, "link") == 0)
        rc = item_link(cli, db, argc, argv);
    else if (strcmp(a, "fields") == 0)
        rc = item_fields(cli, db, argc, argv);
    else if (strcmp(a, "submit") == 0)
        rc = item_workflow(cli, db, argc, argv, JY_WF_SUBMIT);
    else if (strcmp(a, "approve") == 0)
        rc = item_workflow(cli, db, argc, argv, JY_WF_APPROVE);
    else if (strcmp(a, "reject") == 0)
        rc = item_workflow(cli, db, argc, argv, JY_WF_REJECT);
    else if (strcmp(a, "publish") == 0)
        rc = item_workflow(cli, db, argc, argv, JY_WF_PUBLISH);
    else if (strcmp(a, "withdraw") == 0)
        rc = item_workflow(cli, db, argc, argv, JY_WF_WITHDRAW);
    else if (strcmp(a, "schedule") == 0)
        rc = item_schedule(cli, db, argc, argv);
    else if (strcmp(a, "history") == 0)
        rc = item_history(cli, db, argc, argv);
    else
        rc = item_index_rule(cli, db, argc, argv);
    jy_db_close(db);
    return rc;
}

const struct jy_cmd jy_cmd_item = {
    "item",
    "write, read, revise and place items of the resource library",
    "usage: jiyue item add --site SITE --kind KIND [--title T] [--field K=V ...]\n"
    "                      [--body-file FILE] [--place SITE:PATH ...] [--state STATE]\n"
    "       jiyue item set ID K=V ... [--body-file FILE] [--note TEXT]\n"
    "       jiyue item show ID [--json]\n"
    "       jiyue item revisions ID\n"
    "       jiyue item diff ID REV1 REV2\n"
    "       jiyue item restore ID REV\n"
    "       jiyue item place ID SITE:PATH ... [--state STATE] [--pin-until WHEN | --unpin]\n"
    "                        [--sort N]\n"
    "       jiyue item hide|unhide SITE:PATH ID\n"
    "       jiyue item list SITE:PATH [--limit N]\n"
    "       jiyue item link INTERPRETATION DOCUMENT [--remove]\n"
    "       jiyue item fields [KIND]\n"
    "       jiyue item index-rule SITE [RULE | --clear]\n"
    "       jiyue item submit|approve|publish|withdraw ID SITE:PATH [--comment TEXT]\n"
    "       jiyue item reject ID SITE:PATH --reason TEXT\n"
    "       jiyue item schedule ID SITE:PATH [--publish-at WHEN | --no-publish-at]\n"
    "                           [--withdraw-at WHEN | --no-withdraw-at]\n"
    "       jiyue item history ID\n"
    "\n"
    "Items are written once and placed in columns of any number of sites in\n"
    "the same call (一次编辑、多处发布). KIND is article, policy, interpretation,\n"
    "image, file, video, qa or link; \"jiyue item fields KIND\" lists its fields,\n"
    "their types and which are required. K=V sets one field: lists (keywords,\n"
    "tags, interprets) are comma-separated, an empty value clears the field,\n"
    "validity takes 有效/已修改/已废止/已失效 or valid/amended/repealed/expired.\n"
    "Every problem of a refused write is listed; nothing is saved then.\n"
    "\n"
    "Every save keeps a revision: \"revisions\" lists them, \"diff\" compares two\n"
    "(the body paragraph by paragraph), \"restore\" makes an old one current\n"
    "again as a new revision. A column is SITE:PATH (5600000001:zwgk/tzgg);\n"
    "STATE is draft (default), submitted, approved, published, withdrawn or\n"
    "archived; WHEN a date (pinned through that day) or a time. \"hide\" hides a\n"
    "reused item in one reusing column only. The index number rule (索引号) is\n"
    "a site setting such as {admin_code}-{subject}-{yyyy}-{seq:4}; parts:\n"
    "{site_code} {admin_code} {org_code} {subject} {kind} {yyyy} {yy} {mm} {dd}\n"
    "{seq} {seq:N}. A site without one uses its nearest ancestor's.\n"
    "\n"
    "Workflow (docs/workflow.md): a placement is submitted by an editor\n"
    "(item.write), approved step by step along the review chain of its column\n"
    "(\"jiyue review chain\"; each step by its role or named users, holding\n"
    "item.review), published or withdrawn by item.publish. With a chain nobody\n"
    "publishes before every step approved; without one item.publish publishes\n"
    "directly. A rejection needs a reason and returns the placement to draft;\n"
    "submitting again starts the chain over. \"schedule\" sets times (future\n"
    "only, site time zone) that \"jiyue scheduler\" fires; \"history\" lists\n"
    "every transition with who, when and the comment.\n"
    "\n"
    "With --as LOGIN the command runs in that user's name, under row-level\n"
    "security: a placement into a column the user may not write refuses the\n"
    "whole call.\n",
    cmd_item_run,
};
