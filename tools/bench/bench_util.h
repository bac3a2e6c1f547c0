/*
 * bench_util.h - what every benchmark program needs: a monotonic clock in
 * milliseconds and percentiles of a set of samples. Header-only: each
 * bench_*.c is a program of its own.
 */
#ifndef JY_BENCH_UTIL_H
#define JY_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

static inline double
bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}


static inline int
bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}


/* Sort v[0..n) and return its p-th percentile (p in 0..100), nearest rank. */
static inline double
bench_percentile(double *v, int n, int p)
{
    int i;

    if (n <= 0)
        return 0;
    qsort(v, (size_t) n, sizeof(double), bench_cmp_double);
    i = (n * p) / 100;
    return v[i < n ? i : n - 1];
}

#endif /* JY_BENCH_UTIL_H */
