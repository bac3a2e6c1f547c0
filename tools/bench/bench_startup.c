/*
 * bench_startup.c - how long `jiyue db start` takes to report a ready
 * database: against a cluster that already runs (the everyday case: every
 * jiyue command starts this way), and from a stopped cluster.
 *
 *   build/bench/bench_startup build/jiyue [RUNS]
 *
 * Uses a throwaway cluster in a temp folder; prints min, median and max
 * wall-clock milliseconds of whole process runs (fork, exec, connect, exit).
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/pool.h"
#include "core/proc.h"

#include <stdlib.h>
#include <time.h>

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


static double
run(const char *jiyue, const char *data, const char *action)
{
    const char *argv[] = {jiyue, "--log-level", "off", "--data", data, "db", action, NULL};
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf out = JY_BUF_INIT(pool);
    struct jy_proc_opts o = {0};
    double t0 = now_ms(), t;
    int rc;

    o.output = &out;
    rc = jy_proc_run(argv, &o);
    t = now_ms() - t0;
    if (rc != 0) {
        fprintf(stderr, "jiyue db %s failed (%d):\n%s\n", action, rc, out.buf);
        exit(1);
    }
    jy_pool_destroy(pool);
    return t;
}


static void
report(const char *what, double *t, int n)
{
    qsort(t, (size_t) n, sizeof(*t), cmp_double);
    printf("%-40s min %7.1f ms   median %7.1f ms   max %7.1f ms   (%d runs)\n", what, t[0],
           t[n / 2], t[n - 1], n);
}


int
main(int argc, char **argv)
{
    char data[] = "/tmp/jybench.XXXXXX";
    int runs = argc > 2 ? atoi(argv[2]) : 20, i;
    double *warm, *cold;
    char cmd[256];

    if (argc < 2 || runs < 1) {
        fprintf(stderr, "usage: bench_startup JIYUE [RUNS]\n");
        return 2;
    }
    if (mkdtemp(data) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    warm = calloc((size_t) runs, sizeof(double));
    cold = calloc((size_t) runs, sizeof(double));
    printf("initdb + first start: %.0f ms\n", run(argv[1], data, "start"));
    for (i = 0; i < runs; i++)
        warm[i] = run(argv[1], data, "start");
    for (i = 0; i < runs && i < 5; i++) {
        run(argv[1], data, "stop");
        cold[i] = run(argv[1], data, "start");
    }
    report("ready, cluster already running", warm, runs);
    report("ready, cluster stopped before", cold, runs < 5 ? runs : 5);
    run(argv[1], data, "stop");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", data);
    free(warm);
    free(cold);
    return 0;
}
