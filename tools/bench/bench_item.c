/*
 * bench_item.c - what the write side of the resource library costs:
 * creating an item through jy_item_create (C checks of every field, body
 * sanitised, index number drawn, trigger checks, revision, tags, one
 * placement: one transaction), a paragraph diff of two long bodies, and
 * parsing + compiling tag expressions.
 *
 *   jiyue --data /tmp/benchpg demo
 *   build/bench/bench_item "host=/tmp/benchpg dbname=jiyue user=jiyue" [ITEMS]
 *
 * Needs the demo platform (site 5600000001, its column zwgk/zwdt/yw, the tags
 * 就业 and 数字政府) and writes ITEMS (default 300) items there: use a
 * throwaway cluster. Prints min, median, p95 and max wall-clock times.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/item.h"
#include "core/json.h"
#include "core/log.h"
#include "core/placement.h"
#include "core/pool.h"
#include "core/tagexpr.h"

#include <time.h>

#include <cjson/cJSON.h>

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
report(const char *what, double *t, int n, const char *unit, double scale)
{
    qsort(t, (size_t) n, sizeof(double), cmp_double);
    printf("%-38s min %9.3f  median %9.3f  p95 %9.3f  max %9.3f %s\n", what, t[0] * scale,
           t[n / 2] * scale, t[(n * 95) / 100] * scale, t[n - 1] * scale, unit);
}


/* A body of n paragraphs of about 60 characters each. */
static const char *
body(struct jy_pool *pool, int n, int variant)
{
    struct jy_buf b = JY_BUF_INIT(pool);
    int i;

    for (i = 0; i < n; i++)
        jy_buf_addf(
            &b,
            "<p>第%d段：为深入贯彻落实优化营商环境的各项部署，推动政务服务提质增效，现就有关事项通知如下%s。</p>",
            i + 1, (variant && i % 10 == 3) ? "（修订）" : "");
    return b.buf;
}


static int
bench_create(struct jy_db *db, int n)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    struct jy_placement_target place = {"5600000001:zwgk/zwdt/yw", 0, false, NULL, NULL};
    double *t = jy_xmalloc(sizeof(double) * (size_t) n), t0, total;
    const char *text = body(pool, 30, 0);
    int i;

    total = now_ms();
    for (i = 0; i < n; i++) {
        struct jy_item_result res;
        struct jy_item_spec spec = {"5600000001", "article", NULL, &place, 1};
        cJSON *f = jy_json_new_object(pool);
        cJSON_AddStringToObject(f, "title", "关于进一步优化政务服务的通知");
        cJSON_AddStringToObject(f, "source", "云岭省人民政府办公厅");
        cJSON_AddStringToObject(f, "subject", "综合政务");
        cJSON_AddItemToObject(f, "tags",
                              cJSON_CreateStringArray((const char *[]){"就业", "数字政府"}, 2));
        cJSON_AddStringToObject(f, "body", text);
        spec.fields = f;
        t0 = now_ms();
        if (jy_item_create(db, pool, &spec, &res, &err) != JY_OK) {
            fprintf(stderr, "bench_item: %s (%s)\n", err.msg, err.detail);
            return 1;
        }
        t[i] = now_ms() - t0;
    }
    total = now_ms() - total;
    report("jy_item_create (30-paragraph body)", t, n, "ms", 1.0);
    printf("%-38s %.0f items/s\n", "  throughput, one connection", n / (total / 1e3));
    free(t);
    jy_pool_destroy(pool);
    return 0;
}


static void
bench_diff(int runs)
{
    struct jy_pool *pool = jy_pool_create(0);
    const char *a = body(pool, 500, 0), *b = body(pool, 500, 1);
    double *t = jy_xmalloc(sizeof(double) * (size_t) runs);
    struct jy_diff_line *v;
    int i, n;

    for (i = 0; i < runs; i++) {
        double t0 = now_ms();
        jy_diff_paragraphs(pool, a, b, &v, &n);
        t[i] = now_ms() - t0;
    }
    report("paragraph diff, 500 vs 500 (50 changed)", t, runs, "ms", 1.0);
    free(t);
    jy_pool_destroy(pool);
}


static void
bench_tagexpr(int runs)
{
    static const char *const exprs[] = {"扶贫 AND NOT 通知", "(教育 OR 医疗) AND 2024",
                                        "(a OR b OR c) AND NOT (d AND e) OR (f AND g AND NOT h)"};
    struct jy_pool *pool = jy_pool_create(0);
    double *t = jy_xmalloc(sizeof(double) * (size_t) runs);
    struct jy_err err = JY_ERR_INIT;
    int i;

    for (i = 0; i < runs; i++) {
        const char *x = exprs[i % 3];
        struct jy_buf sql = JY_BUF_INIT(pool);
        double t0 = now_ms();
        struct jy_tagexpr *e = jy_tagexpr_parse(pool, x, strlen(x), &err);
        if (e == NULL || jy_tagexpr_to_sql(e, "i.id", 1, &sql) != JY_OK)
            abort();
        t[i] = now_ms() - t0;
        if (i % 1000 == 999)
            jy_pool_reset(pool);
    }
    report("tag expression parse + SQL", t, runs, "us", 1e3);
    free(t);
    jy_pool_destroy(pool);
}


int
main(int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db;
    int n = argc > 2 ? atoi(argv[2]) : 300, rc;

    if (argc < 2 || n < 1) {
        fprintf(stderr,
                "usage: bench_item CONNINFO [ITEMS]   (a throwaway database with the demo)\n");
        return 2;
    }
    jy_log_min_level = JY_LOG_WARN;
    bench_tagexpr(30000);
    bench_diff(20);
    db = jy_db_connect(argv[1], &err);
    if (db == NULL) {
        fprintf(stderr, "bench_item: %s (%s)\n", err.msg, err.detail);
        return 1;
    }
    rc = bench_create(db, n);
    jy_db_close(db);
    return rc;
}
