/*
 * bench_auth.c - what one password costs: argon2id hash and verify at the
 * production cost (password_cost = interactive), and at the test cost for
 * comparison; plus the token work a request does (session token check's
 * BLAKE2b hash).
 *
 *   build/bench/bench_auth [RUNS]
 *
 * Prints min, median and max wall-clock milliseconds of RUNS (default 15)
 * calls on one thread. No database.
 */
#include "core/compat.h"
#include "core/auth.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"

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


static void
report(const char *what, double *t, int n)
{
    qsort(t, (size_t) n, sizeof(double), cmp_double);
    printf("%-34s min %8.3f  median %8.3f  max %8.3f ms\n", what, t[0], t[n / 2], t[n - 1]);
}


static int
bench_cost(enum jy_auth_cost cost, const char *name, int runs)
{
    struct jy_err err = JY_ERR_INIT;
    char hash[JY_AUTH_HASH_SIZE], label[64];
    double *th = jy_xmalloc(sizeof(double) * (size_t) runs);
    double *tv = jy_xmalloc(sizeof(double) * (size_t) runs);
    int i;

    jy_auth_set_cost(cost);
    for (i = 0; i < runs; i++) {
        double t0 = now_ms();
        if (jy_auth_hash_password("Bamboo-River-7", hash, &err) != JY_OK) {
            fprintf(stderr, "bench_auth: %s\n", err.msg);
            return 1;
        }
        th[i] = now_ms() - t0;
        t0 = now_ms();
        if (!jy_auth_verify_password(hash, "Bamboo-River-7")) {
            fprintf(stderr, "bench_auth: verification failed\n");
            return 1;
        }
        tv[i] = now_ms() - t0;
    }
    snprintf(label, sizeof(label), "hash   (%s)", name);
    report(label, th, runs);
    snprintf(label, sizeof(label), "verify (%s)", name);
    report(label, tv, runs);
    free(th);
    free(tv);
    return 0;
}


int
main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 15, i;
    char token[JY_AUTH_SESSION_TOKEN_LEN + 1], h[JY_AUTH_TOKEN_HASH_LEN + 1];
    double t0, *tt;

    if (runs < 1 || runs > 100000 || jy_auth_init() != JY_OK) {
        fprintf(stderr, "usage: bench_auth [RUNS]\n");
        return 2;
    }
    jy_log_min_level = JY_LOG_ERROR; /* no warning about the test cost */
    if (bench_cost(JY_AUTH_COST_INTERACTIVE, "interactive: t=2, 64 MiB", runs) ||
        bench_cost(JY_AUTH_COST_TEST, "test: t=1, 8 KiB", runs))
        return 1;
    tt = jy_xmalloc(sizeof(double) * (size_t) runs);
    jy_auth_session_token_new(token);
    for (i = 0; i < runs; i++) {
        t0 = now_ms();
        jy_auth_token_hash(token, h);
        tt[i] = now_ms() - t0;
    }
    report("token hash (BLAKE2b-256)", tt, runs);
    free(tt);
    return 0;
}
