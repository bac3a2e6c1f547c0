/*
 * migrate.h - schema migrations.
 *
 * Migrations are the files schema/NNNN_<what>.sql (four digits, a name of
 * lower-case letters, digits and '_'), applied in order of NNNN. Each file
 * runs in its own transaction, statement by statement, and is recorded in
 * the table schema_version with a checksum of its text. A failing file is
 * rolled back whole, so the database is exactly as before it, and the error
 * names the file, the line and the statement that failed. Applying is
 * idempotent: applied files are skipped. An advisory lock keeps two
 * jiyue processes from migrating at once.
 *
 * Files must not hold BEGIN/COMMIT of their own; a file whose text changed
 * after it was applied is reported (never re-applied): add a new migration.
 */
#ifndef JY_CORE_MIGRATE_H
#define JY_CORE_MIGRATE_H

#include <stdbool.h>

struct jy_db;
struct jy_err;
struct jy_pool;

struct jy_migrate_result {
    int applied; /* files applied by this run */
    int skipped; /* already applied before */
    int changed; /* applied files whose text has changed since */
    int latest;  /* highest version now applied, 0 when none */
};

/* Apply pending migrations of dir to db. verbose prints one line per file to stdout. */
int jy_migrate_apply(struct jy_db *db, struct jy_pool *pool, const char *dir, bool verbose,
                     struct jy_migrate_result *res, struct jy_err *err);

/* Count the migrations of dir not yet applied to db (all of them on an empty database). */
int jy_migrate_pending(struct jy_db *db, struct jy_pool *pool, const char *dir, int *pending,
                       struct jy_err *err);

/* Print every migration of dir with its state (applied when, pending, changed). */
int jy_migrate_status(struct jy_db *db, struct jy_pool *pool, const char *dir, struct jy_err *err);

#endif /* JY_CORE_MIGRATE_H */
