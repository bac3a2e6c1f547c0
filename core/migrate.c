/*
 * migrate.c - applies schema/NNNN_*.sql in order; see migrate.h.
 */
#include "core/compat.h"
#include "core/migrate.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/sqlsplit.h"
#include "core/str.h"

#include <dirent.h>
#include <strings.h>
#include <sys/stat.h>

#define MIGRATION_FILE_MAX (16 * 1024 * 1024)
/* pg_advisory_lock key: "jiyuemig" in ASCII, so it shows up recognisably in pg_locks */
#define MIGRATE_LOCK_KEY "7595320417580558695"

struct migration {
    int version;
    const char *name; /* file name, "0001_core.sql" */
    const char *path;
};

static const char create_table_sql[] = "CREATE TABLE IF NOT EXISTS schema_version ("
                                       " version integer PRIMARY KEY,"
                                       " name text NOT NULL,"
                                       " checksum text NOT NULL,"
                                       " applied_at timestamptz NOT NULL DEFAULT now())";


static int
migration_cmp(const void *a, const void *b)
{
    const struct migration *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}


/* True for NNNN_name.sql; sets *version. */
static bool
migration_name_ok(const char *name, int *version)
{
    size_t len = strlen(name), i;

    if (len < 10 || strcmp(name + len - 4, ".sql") != 0 || name[4] != '_')
        return false;
    for (i = 0; i < 4; i++)
        if (name[i] < '0' || name[i] > '9')
            return false;
    for (i = 5; i < len - 4; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '_'))
            return false;
    *version =
        (name[0] - '0') * 1000 + (name[1] - '0') * 100 + (name[2] - '0') * 10 + (name[3] - '0');
    return *version > 0;
}


/* The migrations of dir sorted by version; NULL and err on a bad file name or a duplicate. */
static struct migration *
migration_list(struct jy_pool *pool, const char *dir, size_t *n, struct jy_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct migration *list;
    size_t cap = 32, i;

    *n = 0;
    if (d == NULL) {
        jy_err_errno(err, errno, "cannot read the migrations folder \"%s\"", dir);
        jy_err_hint(err, "Set share_dir to the folder that holds schema/.");
        return NULL;
    }
    list = jy_pool_new_array(pool, struct migration, cap);
    while ((e = readdir(d)) != NULL) {
        int v;
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 4 || strcmp(e->d_name + len - 4, ".sql") != 0)
            continue;
        if (!migration_name_ok(e->d_name, &v)) {
            jy_err_set(err, JY_E_INVALID, "migration file name \"%s/%s\" is not NNNN_name.sql", dir,
                       e->d_name);
            jy_err_hint(err, "Name migrations with four digits, '_', and lower-case letters, "
                             "digits or '_': 0007_letters.sql.");
            closedir(d);
            return NULL;
        }
        if (*n == cap) {
            list = jy_pool_realloc(pool, list, cap * sizeof(*list), 2 * cap * sizeof(*list));
            cap *= 2;
        }
        list[*n].version = v;
        list[*n].name = jy_pool_strdup(pool, e->d_name);
        list[*n].path = jy_pool_printf(pool, "%s/%s", dir, e->d_name);
        (*n)++;
    }
    closedir(d);
    qsort(list, *n, sizeof(*list), migration_cmp);
    for (i = 1; i < *n; i++) {
        if (list[i].version == list[i - 1].version) {
            jy_err_set(err, JY_E_INVALID, "migrations \"%s\" and \"%s\" have the same number",
                       list[i - 1].name, list[i].name);
            return NULL;
        }
    }
    return list;
}


static char *
read_whole_file(struct jy_pool *pool, const char *path, size_t *len, struct jy_err *err)
{
    FILE *f = fopen(path, "rb");
    struct jy_buf b = JY_BUF_INIT(pool);
    char chunk[16384];
    size_t n;

    if (f == NULL) {
        jy_err_errno(err, errno, "cannot read \"%s\"", path);
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b.len + n > MIGRATION_FILE_MAX) {
            fclose(f);
            jy_err_set(err, JY_E_TOO_LARGE, "migration \"%s\" is larger than %d bytes", path,
                       MIGRATION_FILE_MAX);
            return NULL;
        }
        jy_buf_add(&b, chunk, n);
    }
    if (ferror(f)) {
        jy_err_errno(err, errno, "could not read \"%s\"", path);
        fclose(f);
        return NULL;
    }
    fclose(f);
    return jy_buf_detach(&b, len);
}


/* FNV-1a, 64 bits: detects an edited file; not a security measure. */
static const char *
checksum(struct jy_pool *pool, const char *text, size_t len)
{
    uint64_t h = 14695981039346656037ULL;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char) text[i];
        h *= 1099511628211ULL;
    }
    return jy_pool_printf(pool, "fnv1a64:%016llx", (unsigned long long) h);
}


/* First line of a statement, shortened, for messages. */
static const char *
statement_excerpt(struct jy_pool *pool, const char *stmt, size_t len)
{
    size_t n = strcspn(stmt, "\n");

    if (n > len)
        n = len;
    if (n > 120)
        return jy_pool_printf(pool, "%.117s...", stmt);
    return jy_pool_printf(pool, "%.*s%s", (int) n, stmt, n < len ? " ..." : "");
}


/* Run one file inside the caller's transaction, statement by statement. */
static int
migration_run(struct jy_db *db, struct jy_pool *pool, const struct migration *m, const char *text,
              size_t len, struct jy_err *err)
{
    struct jy_sqlsplit sp;
    size_t start, slen;
    int line;
    bool unterminated;

    jy_sqlsplit_init(&sp, text, len);
    while (jy_sqlsplit_next(&sp, &start, &slen, &line, &unterminated)) {
        char *stmt = jy_pool_strndup(pool, text + start, slen);
        struct jy_str word = jy_str_trim(jy_str_from(stmt));
        if (unterminated) {
            jy_err_set(err, JY_E_INVALID,
                       "migration \"%s\" line %d: a quote, comment or $$ body is not closed",
                       m->name, line);
            return JY_ERROR;
        }
        if ((word.len >= 5 && strncasecmp(word.ptr, "BEGIN", 5) == 0 &&
             (word.len == 5 || word.ptr[5] == ' ' || word.ptr[5] == ';')) ||
            (word.len >= 6 && strncasecmp(word.ptr, "COMMIT", 6) == 0)) {
            jy_err_set(err, JY_E_INVALID,
                       "migration \"%s\" line %d: transaction control is not allowed", m->name,
                       line);
            jy_err_hint(err, "Remove BEGIN/COMMIT: every migration runs in a transaction of "
                             "its own.");
            return JY_ERROR;
        }
        if (jy_db_exec(db, stmt, err) != JY_OK) {
            char detail[sizeof(err->detail)];
            snprintf(detail, sizeof(detail), "%s", err->detail);
            jy_err_prefix(err, "migration \"%s\" failed at line %d", m->name, line);
            jy_err_detail(err, "statement: %s%s%s", statement_excerpt(pool, stmt, slen),
                          detail[0] ? "\n  " : "", detail);
            return JY_ERROR;
        }
    }
    if (sp.unterminated) {
        jy_err_set(err, JY_E_INVALID, "migration \"%s\" ends inside a quote, comment or $$ body",
                   m->name);
        return JY_ERROR;
    }
    return JY_OK;
}


/* Applied versions and checksums: a result of (version, name, checksum, applied_at). */
static struct jy_db_res *
applied_list(struct jy_db *db, struct jy_pool *pool, struct jy_err *err)
{
    return jy_db_query(db, pool,
                       "SELECT version, name, checksum, "
                       "to_char(applied_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') "
                       "FROM schema_version ORDER BY version",
                       0, NULL, err);
}


static int
applied_find(const struct jy_db_res *res, int version)
{
    int i;

    for (i = 0; i < jy_db_res_rows(res); i++)
        if (atoi(jy_db_res_get(res, i, 0)) == version)
            return i;
    return -1;
}


int
jy_migrate_apply(struct jy_db *db, struct jy_pool *pool, const char *dir, bool verbose,
                 struct jy_migrate_result *res, struct jy_err *err)
{
    struct migration *list;
    struct jy_db_res *applied;
    size_t n, i;
    int rc = JY_ERROR;

    memset(res, 0, sizeof(*res));
    list = migration_list(pool, dir, &n, err);
    if (list == NULL)
        return JY_ERROR;
    if (jy_db_exec(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err) != JY_OK)
        return JY_ERROR;
    if (jy_db_exec(db, create_table_sql, err) != JY_OK)
        goto out_unlock;
    applied = applied_list(db, pool, err);
    if (applied == NULL)
        goto out_unlock;

    for (i = 0; i < n; i++) {
        const struct migration *m = &list[i];
        size_t len;
        char *text = read_whole_file(pool, m->path, &len, err);
        const char *sum, *vstr;
        const char *params[3];
        int row;

        if (text == NULL)
            goto out_unlock;
        sum = checksum(pool, text, len);
        row = applied_find(applied, m->version);
        if (row >= 0) {
            res->skipped++;
            if (strcmp(jy_db_res_get(applied, row, 2), sum) != 0) {
                res->changed++;
                jy_log_warn("migrate",
                            "\"%s\" changed after it was applied on %s; it is not applied "
                            "again: put schema changes in a new migration",
                            m->name, jy_db_res_get(applied, row, 3));
            }
            res->latest = m->version;
            continue;
        }
        if (jy_db_begin(db, err) != JY_OK)
            goto out_unlock;
        if (migration_run(db, pool, m, text, len, err) != JY_OK) {
            jy_db_rollback(db);
            jy_err_hint(err, "Nothing of \"%s\" was applied; the database is as it was before.",
                        m->name);
            goto out_unlock;
        }
        vstr = jy_pool_printf(pool, "%d", m->version);
        params[0] = vstr;
        params[1] = m->name;
        params[2] = sum;
        if (jy_db_query(db, pool,
                        "INSERT INTO schema_version (version, name, checksum) VALUES ($1, $2, $3)",
                        3, params, err) == NULL ||
            jy_db_commit(db, err) != JY_OK) {
            jy_db_rollback(db);
            goto out_unlock;
        }
        res->applied++;
        res->latest = m->version;
        if (verbose)
            printf("applied %s\n", m->name);
        else
            jy_log_info("migrate", "applied \"%s\"", m->name);
    }
    rc = JY_OK;

out_unlock : {
    struct jy_err ignore = JY_ERR_INIT;
    jy_db_exec(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", &ignore);
}
    return rc;
}


int
jy_migrate_pending(struct jy_db *db, struct jy_pool *pool, const char *dir, int *pending,
                   struct jy_err *err)
{
    struct migration *list;
    struct jy_db_res *applied;
    size_t n, i;

    *pending = 0;
    list = migration_list(pool, dir, &n, err);
    if (list == NULL)
        return JY_ERROR;
    {
        const char *has = jy_db_query_value(
            db, pool, "SELECT to_regclass('schema_version') IS NOT NULL", 0, NULL, err);
        if (has == NULL)
            return JY_ERROR;
        if (has[0] != 't') {
            *pending = (int) n;
            return JY_OK;
        }
    }
    applied = applied_list(db, pool, err);
    if (applied == NULL)
        return JY_ERROR;
    for (i = 0; i < n; i++)
        if (applied_find(applied, list[i].version) < 0)
            (*pending)++;
    return JY_OK;
}


int
jy_migrate_status(struct jy_db *db, struct jy_pool *pool, const char *dir, struct jy_err *err)
{
    struct migration *list;
    struct jy_db_res *applied;
    size_t n, i;

    list = migration_list(pool, dir, &n, err);
    if (list == NULL)
        return JY_ERROR;
    if (jy_db_exec(db, create_table_sql, err) != JY_OK)
        return JY_ERROR;
    applied = applied_list(db, pool, err);
    if (applied == NULL)
        return JY_ERROR;
    for (i = 0; i < n; i++) {
        size_t len;
        char *text = read_whole_file(pool, list[i].path, &len, err);
        int row = applied_find(applied, list[i].version);
        if (text == NULL)
            return JY_ERROR;
        if (row < 0)
            printf("pending  %s\n", list[i].name);
        else if (strcmp(jy_db_res_get(applied, row, 2), checksum(pool, text, len)) != 0)
            printf("CHANGED  %s  (applied %s, edited since)\n", list[i].name,
                   jy_db_res_get(applied, row, 3));
        else
            printf("applied  %s  %s\n", list[i].name, jy_db_res_get(applied, row, 3));
    }
    for (i = 0; i < (size_t) jy_db_res_rows(applied); i++) {
        size_t j;
        bool found = false;
        for (j = 0; j < n; j++)
            found |= list[j].version == atoi(jy_db_res_get(applied, (int) i, 0));
        if (!found)
            printf("MISSING  %s  (applied %s, file is gone)\n", jy_db_res_get(applied, (int) i, 1),
                   jy_db_res_get(applied, (int) i, 3));
    }
    return JY_OK;
}
