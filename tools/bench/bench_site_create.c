/*
 * bench_site_create.c - how long the site lifecycle takes on the demo
 * platform: creating one county site from its blueprint (84 columns, 7
 * reuse links; median of 20), creating 1,000 sites (200 counties and 800
 * departments under the demo's three cities: total and sites/s),
 * re-applying the blueprints to every site, and closing a county of 2,000
 * items into a column of its city.
 *
 *   build/bench/bench_site_create build/jiyue [SITES]
 *
 * Uses a throwaway cluster in a temp folder (`jiyue db start`, `migrate`,
 * `demo`), then calls the C API in-process over the Unix socket, as the
 * CLI does: every site is created in a transaction of its own. Targets
 * (issue 3): one county under 100 ms, 1,000 sites under 60 s.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/proc.h"
#include "core/site.h"

#include <stdlib.h>
#include <time.h>

#define SINGLE_RUNS 20

struct city {
    const char *code;   /* 政府网站标识码 */
    const char *prefix; /* first 4 digits of its division code */
    const char *host;   /* domain its sites hang under */
};

static const struct city cities[] = {
    {"5601000001", "5601", "lanchuan.gov.cn"},
    {"5602000001", "5602", "heling.gov.cn"},
    {"5603000001", "5603", "qingya.gov.cn"},
};


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


/* Run jiyue with args against the cluster in data; exit on failure. */
static void
jiyue(const char *bin, const char *data, const char *a1, const char *a2)
{
    const char *argv[] = {bin, "--log-level", "warn", "--data", data, a1, a2, NULL};
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf out = JY_BUF_INIT(pool);
    struct jy_proc_opts o = {0};
    int rc;

    o.output = &out;
    rc = jy_proc_run(argv, &o);
    if (rc != 0) {
        fprintf(stderr, "jiyue %s %s failed (%d):\n%s\n", a1, a2 ? a2 : "", rc, out.buf);
        exit(1);
    }
    jy_pool_destroy(pool);
}


static void
die(const char *what, const struct jy_err *err)
{
    fprintf(stderr, "%s: %s\n  %s\n", what, err->msg, err->detail);
    exit(1);
}


/* Create one site; returns the milliseconds it took. */
static double
create(struct jy_db *db, const char *parent, const char *blueprint, const char *name,
       const char *code, const char *domain)
{
    struct jy_pool *pool = jy_pool_create(0);
    const char *domains[] = {domain};
    struct jy_site_spec spec;
    struct jy_site_result res;
    struct jy_err err = JY_ERR_INIT;
    double t0, t;

    memset(&spec, 0, sizeof(spec));
    spec.parent = parent;
    spec.blueprint = blueprint;
    spec.blueprint_dir = JY_SOURCE_DIR "/sites/blueprints";
    spec.name = name;
    spec.code = code;
    spec.domains = domains;
    spec.ndomains = 1;
    spec.sponsor = name;
    t0 = now_ms();
    if (jy_site_create(db, pool, &spec, 0, &res, &err) != JY_OK)
        die(code, &err);
    t = now_ms() - t0;
    jy_pool_destroy(pool);
    return t;
}


/* The i-th county code of a city: NN from 23 up (the demo uses lower ones). */
static void
county(int i, char *code, char *name, char *domain, const char **parent)
{
    const struct city *c = &cities[i % 3];
    int nn = 23 + i / 3;

    snprintf(code, 16, "%s%02d0001", c->prefix, nn);
    snprintf(name, 64, "测试%s%02d县人民政府", c->prefix, nn);
    snprintf(domain, 128, "x%02d.%s", nn, c->host);
    *parent = c->code;
}


static void
department(int i, char *code, char *name, char *domain, const char **parent)
{
    const struct city *c = &cities[i % 3];
    int seq = 100 + i / 3;

    snprintf(code, 16, "%s00%04d", c->prefix, seq);
    snprintf(name, 64, "测试%s第%d局", c->prefix, seq);
    snprintf(domain, 128, "bm%04d.%s", seq, c->host);
    *parent = c->code;
}


static const char items_sql[] =
    "WITH k AS (SELECT id FROM site WHERE code = '5603230001'),"
    " cols AS (SELECT c.id, c.site_id, row_number() OVER (ORDER BY c.id) - 1 AS n,"
    "  count(*) OVER () AS total FROM site_column c, k"
    "  WHERE c.site_id = k.id AND c.kind = 'list' AND c.reuse_column_id IS NULL),"
    " items AS (INSERT INTO item (site_id, kind, title, publish_at)"
    "  SELECT k.id, 'article', '测试动态' || g, now() - g * interval '1 hour'"
    "  FROM k, generate_series(1, 2000) g RETURNING id, publish_at)"
    " INSERT INTO placement (item_id, column_id, site_id, state, published_at)"
    " SELECT i.id, c.id, c.site_id, 'published', i.publish_at"
    " FROM items i JOIN cols c ON c.n = i.id % c.total";


int
main(int argc, char **argv)
{
    char data[] = "/tmp/jybench.XXXXXX", cmd[256], code[16], name[64], domain[128];
    int sites = argc > 2 ? atoi(argv[2]) : 1000, i, ncounties, nreports;
    struct jy_err err = JY_ERR_INIT;
    struct jy_site_blueprint_report *reports;
    struct jy_site_result res;
    struct jy_pool *pool;
    const char *parent;
    double single[SINGLE_RUNS], t0, total;
    struct jy_db *db;

    if (argc < 2 || sites < 1) {
        fprintf(stderr, "usage: bench_site_create JIYUE [SITES]\n");
        return 2;
    }
    if (mkdtemp(data) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    t0 = now_ms();
    jiyue(argv[1], data, "db", "start");
    jiyue(argv[1], data, "migrate", NULL);
    jiyue(argv[1], data, "demo", NULL);
    printf("throwaway cluster with the demo platform ready in %.0f ms\n", now_ms() - t0);
    snprintf(cmd, sizeof(cmd), "host=%s dbname=jiyue user=jiyue", data);
    if ((db = jy_db_connect(cmd, &err)) == NULL)
        die("connect", &err);

    /* one county at a time: the first SINGLE_RUNS county codes */
    for (i = 0; i < SINGLE_RUNS; i++) {
        county(i, code, name, domain, &parent);
        single[i] = create(db, parent, "county", name, code, domain);
    }
    qsort(single, SINGLE_RUNS, sizeof(*single), cmp_double);
    printf("%-44s min %6.1f ms   median %6.1f ms   max %6.1f ms   (%d runs)\n",
           "one county site from its blueprint", single[0], single[SINGLE_RUNS / 2],
           single[SINGLE_RUNS - 1], SINGLE_RUNS);

    /* 1,000 sites: a fifth counties (84 columns), the rest departments (40 columns) */
    ncounties = sites / 5;
    t0 = now_ms();
    for (i = 0; i < sites; i++) {
        if (i < ncounties) {
            county(SINGLE_RUNS + i, code, name, domain, &parent);
            create(db, parent, "county", name, code, domain);
        } else {
            department(i - ncounties, code, name, domain, &parent);
            create(db, parent, "department", name, code, domain);
        }
    }
    total = now_ms() - t0;
    printf("%-44s total %7.2f s   %6.1f sites/s   (%d counties, %d departments)\n",
           "sites created one transaction each", total / 1e3, sites / (total / 1e3), ncounties,
           sites - ncounties);

    /* every site again: its blueprint has nothing left to add */
    pool = jy_pool_create(0);
    t0 = now_ms();
    if (jy_site_blueprint(db, pool, NULL, NULL, JY_SOURCE_DIR "/sites/blueprints", 0, &reports,
                          &nreports, &err) != JY_OK)
        die("blueprint --all", &err);
    printf("%-44s total %7.2f s   (%d sites, one transaction)\n",
           "re-apply every blueprint (nothing to add)", (now_ms() - t0) / 1e3, nreports);
    jy_pool_destroy(pool);

    /* close a county of 2,000 items into its city's 县区动态 */
    if (jy_db_exec(db, items_sql, &err) != JY_OK)
        die("items", &err);
    pool = jy_pool_create(0);
    t0 = now_ms();
    if (jy_site_close(db, pool, "5603230001", "5603000001:zwgk/zwdt/xqdt", 0, &res, &err) != JY_OK)
        die("close", &err);
    printf("%-44s total %7.1f ms  (%lld placements, %lld redirects)\n",
           "close a county of 2,000 items", now_ms() - t0, res.placements, res.redirects);
    jy_pool_destroy(pool);

    jy_db_close(db);
    jiyue(argv[1], data, "db", "stop");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", data);
    return 0;
}
