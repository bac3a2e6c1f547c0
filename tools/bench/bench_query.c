/*
 * bench_query.c - latency of the query API (core/query.h) on a platform
 * holding a benchmark corpus: page 1 of a reused column on a county site
 * (the list every county portal renders from the province's 政府文件),
 * and for comparison an own list column, a tag page and one item in full.
 *
 *   build/bench/bench_query JIYUE [--large] [--corpus DIR] [--data PGDATA] [--runs N]
 *
 * With --data, the embedded cluster in PGDATA (already holding an imported
 * corpus, e.g. left by bench_import --keep) is used as it is; otherwise a
 * throwaway cluster is started and the medium corpus (--large: the large
 * one; --corpus: that folder) imported first. Each statement runs N times
 * (default 1000) after 50 warm-up runs, one call of the C API per run (one
 * SQL round trip over the Unix socket), rotating over every county's
 * reusing column; prints p50, p95, p99 and max in milliseconds.
 * Target (issue 4): p95 under 5 ms for page 1 of a reused county column
 * with 200,000 items in the platform.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/proc.h"
#include "core/query.h"

#include <time.h>
#include <unistd.h>

#define WARMUP 50

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}


static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}


static void
jiyue(const char *bin, const char *data, const char *const *args)
{
    const char *argv[16] = {bin, "--log-level", "warn", "--data", data};
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf out = JY_BUF_INIT(pool);
    struct jy_proc_opts o = {0};
    int i;

    for (i = 0; args[i] && i < 10; i++)
        argv[5 + i] = args[i];
    argv[5 + i] = NULL;
    o.output = &out;
    if (jy_proc_run(argv, &o) != 0) {
        fprintf(stderr, "jiyue %s failed:\n%s\n", args[0], out.buf);
        exit(1);
    }
    jy_pool_destroy(pool);
}


/* The ids a query returns, one per row (first column). */
static long long *
ids(struct jy_db *db, struct jy_pool *pool, const char *sql, int *n)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *r = jy_db_query(db, pool, sql, 0, NULL, &err);
    long long *v;
    int i;

    if (r == NULL) {
        fprintf(stderr, "%s: %s\n", sql, err.msg);
        exit(1);
    }
    *n = jy_db_res_rows(r);
    v = jy_pool_new_array(pool, long long, (size_t) *n + 1);
    for (i = 0; i < *n; i++)
        v[i] = atoll(jy_db_res_get(r, i, 0));
    return v;
}


enum what { COLUMN, TAG, ITEM };

static void
measure(struct jy_db *db, const char *label, enum what w, const long long *targets, int ntargets,
        int runs)
{
    double *t = calloc((size_t) runs, sizeof(double));
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    long long rows = 0;
    int i;

    if (ntargets == 0) {
        printf("%-44s no targets in this platform\n", label);
        free(t);
        jy_pool_destroy(pool);
        return;
    }
    for (i = -WARMUP; i < runs; i++) {
        long long id = targets[(i + WARMUP) % ntargets];
        double t0 = now_ms();
        int rc;
        if (w == COLUMN) {
            struct jy_query_page pg;
            rc = jy_query_column_items(db, pool, id, 1, 20, &pg, &err);
            rows += pg.n;
        } else if (w == TAG) {
            struct jy_query_page pg;
            rc = jy_query_tag_items(db, pool, id, 0, 1, 20, &pg, &err);
            rows += pg.n;
        } else {
            struct jy_query_item it;
            rc = jy_query_item(db, pool, id, &it, &err);
            rows += it.nshowing;
        }
        if (rc != JY_OK) {
            fprintf(stderr, "%s %lld: %s\n", label, id, err.msg);
            exit(1);
        }
        if (i >= 0)
            t[i] = now_ms() - t0;
        jy_pool_reset(pool);
    }
    qsort(t, (size_t) runs, sizeof(*t), cmp_double);
    printf("%-44s p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (%d runs, %d targets, "
           "%.1f rows each)\n",
           label, t[runs / 2], t[(int) (runs * 0.95)], t[(int) (runs * 0.99)], t[runs - 1], runs,
           ntargets, (double) rows / (runs + WARMUP));
    if (w == COLUMN && strstr(label, "reused"))
        printf("target: p95 < 5 ms: %s\n", t[(int) (runs * 0.95)] < 5.0 ? "met" : "MISSED");
    free(t);
    jy_pool_destroy(pool);
}


int
main(int argc, char **argv)
{
    char tmp[] = "/tmp/jybench-query.XXXXXX", corpus_tmp[] = "/tmp/jybench-corpus.XXXXXX";
    const char *bin = NULL, *corpus = NULL, *data = NULL;
    bool large = false, own_cluster = false;
    int runs = 1000, i, n;
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db;
    char conninfo[700], cmd[1200];
    long long *targets;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--large") == 0)
            large = true;
        else if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
            corpus = argv[++i];
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (bin == NULL && argv[i][0] != '-')
            bin = argv[i];
        else {
            bin = NULL;
            break;
        }
    }
    if (bin == NULL || runs < 1) {
        fprintf(stderr, "usage: bench_query JIYUE [--large] [--corpus DIR] [--data PGDATA] "
                        "[--runs N]\n");
        return 2;
    }
    if (data == NULL) {
        const char *start[] = {"db", "start", NULL}, *migrate[] = {"migrate", NULL};
        if (mkdtemp(tmp) == NULL) {
            perror("mkdtemp");
            return 1;
        }
        data = jy_pool_printf(pool, "%s/pg", tmp);
        own_cluster = true;
        if (corpus == NULL) {
            if (mkdtemp(corpus_tmp) == NULL) {
                perror("mkdtemp");
                return 1;
            }
            corpus = corpus_tmp;
            snprintf(cmd, sizeof(cmd),
                     "python3 '%s/../shared/bench/make_corpus.py' %s --out '%s' "
                     "2>/dev/null",
                     JY_SOURCE_DIR, large ? "--scale large" : "--sites 100 --articles 20000",
                     corpus);
            if (system(cmd) != 0) {
                fprintf(stderr, "make_corpus.py failed\n");
                return 1;
            }
        }
        jiyue(bin, data, start);
        jiyue(bin, data, migrate);
        {
            const char *imp[] = {"import", "--quiet", corpus, NULL};
            double t0 = now_ms();
            jiyue(bin, data, imp);
            printf("imported %s in %.1f s\n", corpus, (now_ms() - t0) / 1e3);
        }
    } else {
        const char *start[] = {"db", "start", NULL};
        jiyue(bin, data, start);
    }
    snprintf(conninfo, sizeof(conninfo), "host=%s dbname=jiyue user=jiyue", data);
    db = jy_db_connect(conninfo, &err);
    if (db == NULL) {
        fprintf(stderr, "%s: %s\n", conninfo, err.msg);
        return 1;
    }
    printf("platform: %s items, %s placements, %s sites, %s columns\n",
           jy_db_query_value(db, pool, "SELECT count(*) FROM item", 0, NULL, &err),
           jy_db_query_value(db, pool, "SELECT count(*) FROM placement", 0, NULL, &err),
           jy_db_query_value(db, pool, "SELECT count(*) FROM site", 0, NULL, &err),
           jy_db_query_value(db, pool, "SELECT count(*) FROM site_column", 0, NULL, &err));

    targets = ids(db, pool,
                  "SELECT c.id FROM site_column c JOIN site s ON s.id = c.site_id "
                  "JOIN site_column src ON src.id = c.reuse_column_id "
                  "WHERE s.level = 'county' AND src.path = 'zwgk/zcwj/zfwj' ORDER BY c.id",
                  &n);
    measure(db, "page 1 of a reused county column (省政府文件)", COLUMN, targets, n, runs);
    targets = ids(db, pool,
                  "SELECT c.id FROM site_column c JOIN site s ON s.id = c.site_id "
                  "WHERE s.level = 'county' AND c.reuse_column_id IS NOT NULL ORDER BY c.id",
                  &n);
    measure(db, "page 1 of any reused county column", COLUMN, targets, n, runs);
    targets = ids(db, pool,
                  "SELECT c.id FROM site_column c WHERE c.parent_id IS NULL AND c.kind = 'list' "
                  "AND c.reuse_column_id IS NULL ORDER BY c.id LIMIT 2000",
                  &n);
    measure(db, "page 1 of a top list column (+ descendants)", COLUMN, targets, n, runs);
    targets = ids(db, pool, "SELECT tag_id FROM item_tag GROUP BY 1 ORDER BY count(*) DESC", &n);
    measure(db, "page 1 of a tag (all 207 tags in turn)", TAG, targets, n, runs);
    targets = ids(db, pool, "SELECT id FROM item ORDER BY id LIMIT 5000", &n);
    measure(db, "one item in full (placements, reuses ...)", ITEM, targets, n, runs);

    jy_db_close(db);
    if (own_cluster) {
        const char *stop[] = {"db", "stop", NULL};
        jiyue(bin, data, stop);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'%s%s%s", tmp, corpus == corpus_tmp ? " '" : "",
                 corpus == corpus_tmp ? corpus_tmp : "", corpus == corpus_tmp ? "'" : "");
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmp);
    }
    jy_pool_destroy(pool);
    return 0;
}
