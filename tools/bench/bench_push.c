/*
 * bench_push.c - distribution to two WebDAV mirrors (local nginx, started
 * here with its own prefix) by a real `jiyue pusher` process.
 *
 *   build/bench/bench_push JIYUE [--files N] [--changed K] [--rounds R] [--size BYTES]
 *
 * A throwaway cluster gets a site whose output has N files (default 2000,
 * SIZE bytes each, default 8192; one in ten an asset). Both mirrors are
 * added, and the first full push is timed (files/s over both mirrors).
 * Then R rounds (default 20): K files change (default 100; renderer stand-in
 * of tests/mirror_servers.h: temp + rename, render_file rows, finished_at),
 * and the time from the generation's commit to the moment both mirrors
 * have confirmed it (jy_mirror_sites_confirmed(), polled every 2 ms)
 * is the latency; prints files/s and p50/p95/max of the latency. The
 * pusher runs with the default settings (push_parallel 16, max_parallel 4
 * per mirror, 3 files fetched back per push).
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/mirror.h"
#include "core/pool.h"
#include "tests/mirror_servers.h"

#include <time.h>
#include <unistd.h>


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


static const char *
value(struct jy_db *db, struct jy_pool *pool, const char *sql)
{
    struct jy_err err = JY_ERR_INIT;
    const char *v = jy_db_query_value(db, pool, sql, 0, NULL, &err);

    if (v == NULL && err.code) {
        fprintf(stderr, "bench_push: %s\n  %s (%s)\n", sql, err.msg, err.detail);
        exit(1);
    }
    return v;
}


/* Wait until every mirror of the site holds generation gen (or newer); ms waited, -1 after 60 s. */
static double
wait_confirmed(struct jy_db *db, struct jy_pool *pool, long long gen, double t0)
{
    struct jy_err err = JY_ERR_INIT;
    int done, pending;

    for (;;) {
        double t = now_ms();
        if (jy_mirror_sites_confirmed(db, pool, gen - 1, &done, &pending, &err) != JY_OK) {
            fprintf(stderr, "bench_push: %s\n", err.msg);
            exit(1);
        }
        if (done == 1 && pending == 0)
            return t - t0;
        if (t - t0 > 60000)
            return -1;
        ms_sleep_ms(2);
    }
}


static void
page(char *buf, size_t size, int i, int round)
{
    size_t n = (size_t) snprintf(buf, size, "<!doctype html><title>第%d条 r%d</title>", i, round);
    memset(buf + n, 'x', size - n);
}


int
main(int argc, char **argv)
{
    char tmp[] = "/tmp/jybench-push.XXXXXX";
    const char *bin = NULL;
    int nfiles = 2000, changed = 100, rounds = 20, size = 8192, i, r;
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    struct ms_nginx a, b;
    struct ms_site site;
    struct jy_db *db;
    double t0, ms, *lat;
    char *buf, conninfo[700];
    const char *data, *out;
    pid_t pusher;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--files") == 0 && i + 1 < argc)
            nfiles = atoi(argv[++i]);
        else if (strcmp(argv[i], "--changed") == 0 && i + 1 < argc)
            changed = atoi(argv[++i]);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
            size = atoi(argv[++i]);
        else if (bin == NULL && argv[i][0] != '-')
            bin = argv[i];
        else {
            bin = NULL;
            break;
        }
    }
    if (bin == NULL || nfiles < 1 || changed < 1 || changed > nfiles || rounds < 1 || size < 64) {
        fprintf(stderr, "usage: bench_push JIYUE [--files N] [--changed K] [--rounds R] "
                        "[--size BYTES]\n");
        return 2;
    }
    if (mkdtemp(tmp) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    data = jy_pool_printf(pool, "%s/pg", tmp);
    out = jy_pool_printf(pool, "%s/out", tmp);
    if (ms_sh("'%s' --log-level warn --data '%s' db start >/dev/null && "
              "'%s' --log-level warn --data '%s' migrate >/dev/null",
              bin, data, bin, data) != 0)
        return 1;
    snprintf(conninfo, sizeof(conninfo), "host=%s dbname=jiyue user=jiyue", data);
    db = jy_db_connect(conninfo, &err);
    if (db == NULL) {
        fprintf(stderr, "bench_push: %s\n", err.msg);
        return 1;
    }
    value(db, pool, "INSERT INTO site (name, level) VALUES ('平台', 'platform')");
    value(db, pool,
          "INSERT INTO site (parent_id, name, level, code, admin_code)"
          " SELECT id, '云岭省人民政府', 'province', '5600000001', '560000' FROM site");
    if (ms_nginx_start(&a, jy_pool_printf(pool, "%s/nginx-a", tmp), 0, NULL) != 0 ||
        ms_nginx_start(&b, jy_pool_printf(pool, "%s/nginx-b", tmp), 0, NULL) != 0)
        return 1;
    if (ms_site_init(&site, db, pool,
                     atoll(value(db, pool, "SELECT id FROM site WHERE code = '5600000001'")),
                     "5600000001", out) != 0)
        return 1;

    /* the site as rendered, before any mirror */
    buf = jy_xmalloc((size_t) size);
    ms_gen_begin(&site, "full");
    for (i = 0; i < nfiles; i++) {
        char path[64];
        snprintf(path, sizeof(path), i % 10 ? "news/%d/%d.html" : "assets/%d/%d.css", i / 200, i);
        page(buf, (size_t) size, i, 0);
        if (ms_write(&site, path, buf, (size_t) size, i % 10 == 0, NULL) != 0)
            return 1;
    }
    ms_gen_finish(&site);

    fflush(stdout);
    pusher = fork();
    if (pusher == 0) {
        const char *args[] = {bin,
                              "--log-level",
                              "warn",
                              "--db",
                              conninfo,
                              "--set",
                              jy_pool_printf(pool, "output_dir=%s", out),
                              "pusher",
                              NULL};
        execv(bin, (char **) args);
        _exit(127);
    }
    ms_sleep_ms(300); /* it listens before the mirrors exist: their first push is notified */
    t0 = now_ms();
    value(db, pool,
          jy_pool_printf(pool,
                         "INSERT INTO mirror (site_id, name, kind, url) SELECT id, 'a', 'webdav',"
                         " 'http://127.0.0.1:%d/dav/' FROM site WHERE code = '5600000001'",
                         a.port));
    value(db, pool,
          jy_pool_printf(pool,
                         "INSERT INTO mirror (site_id, name, kind, url) SELECT id, 'b', 'webdav',"
                         " 'http://127.0.0.1:%d/dav/' FROM site WHERE code = '5600000001'",
                         b.port));
    ms = wait_confirmed(db, pool, atoll(value(db, pool, "SELECT max(id) FROM render_generation")),
                        t0);
    if (ms < 0) {
        fprintf(stderr, "bench_push: the first push did not complete in 60 s\n");
        return 1;
    }
    printf("full push: %d files of %d bytes to 2 mirrors in %.0f ms: %.0f files/s\n", nfiles, size,
           ms, 2.0 * nfiles / (ms / 1e3));

    lat = jy_pool_new_array(pool, double, (size_t) rounds);
    for (r = 1; r <= rounds; r++) {
        ms_gen_begin(&site, "edit");
        for (i = 0; i < changed; i++) {
            int f = (r * 7919 + i * 13) % nfiles;
            char path[64];
            snprintf(path, sizeof(path), f % 10 ? "news/%d/%d.html" : "assets/%d/%d.css", f / 200,
                     f);
            page(buf, (size_t) size, f, r);
            if (ms_write(&site, path, buf, (size_t) size, f % 10 == 0, NULL) != 0)
                return 1;
        }
        t0 = now_ms();
        ms_gen_finish(&site);
        lat[r - 1] = wait_confirmed(
            db, pool, atoll(value(db, pool, "SELECT max(id) FROM render_generation")), t0);
        if (lat[r - 1] < 0) {
            fprintf(stderr, "bench_push: round %d did not complete in 60 s\n", r);
            return 1;
        }
    }
    qsort(lat, (size_t) rounds, sizeof(*lat), cmp_double);
    {
        double sum = 0;
        for (r = 0; r < rounds; r++)
            sum += lat[r];
        printf("%d rounds of %d changed files (%d bytes) to 2 mirrors: %.0f files/s\n", rounds,
               changed, size, 2.0 * changed * rounds / (sum / 1e3));
        printf("latency from generation finished to last file confirmed on both mirrors:\n"
               "  p50 %.1f ms  p95 %.1f ms  max %.1f ms\n",
               lat[rounds / 2],
               lat[(int) (rounds * 0.95) < rounds ? (int) (rounds * 0.95) : rounds - 1],
               lat[rounds - 1]);
    }
    printf("unchanged site: %s files on the mirrors, lag %s files\n",
           value(db, pool, "SELECT count(*) FROM mirror_file"),
           value(db, pool, "SELECT sum(lag_files) FROM mirror_lag"));

    kill(pusher, SIGTERM);
    waitpid(pusher, NULL, 0);
    ms_nginx_stop(&a);
    ms_nginx_stop(&b);
    jy_db_close(db);
    ms_sh("'%s' --log-level warn --data '%s' db stop >/dev/null; rm -rf '%s'", bin, data, tmp);
    free(buf);
    jy_pool_destroy(pool);
    return 0;
}
