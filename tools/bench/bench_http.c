/*
 * bench_http.c - throughput and latency of `jiyue serve` on loopback,
 * measured with wrk (Debian package wrk).
 *
 *   build/bench/bench_http JIYUE [--duration S] [--connections N] [--threads N]
 *                          [--workers N] [--data PGDATA] [--set KEY=VALUE]...
 *
 * Starts a throwaway embedded cluster (or uses PGDATA as it is), loads the
 * demo platform (jiyue demo), makes an API token for the province editor
 * liu.yang, starts `jiyue serve` (log level info: the access log is written,
 * as in production, to a file) and runs wrk twice against it:
 *   1. GET /api/v1/items/ID, an item of the demo platform in full, as JSON;
 *   2. POST /api/v1/items creating a draft article on the province site.
 * A third run, GET /api/v1/health (no authentication, one SELECT 1), is the
 * peer: what the server does when the database work is trivial. Two more
 * measure the workflow routes the console polls: GET /api/v1/items/ID/where
 * (that item, a province document reused by every city and county) and
 * GET /api/v1/review/queue.
 * Each run: -d S (default 10) -c N (default 32) -t N (default 2) --latency;
 * prints requests/s and the latency percentiles wrk reports.
 * --set passes a setting to `jiyue serve` (up to 8): "--set http_item_cache_mb=0" measures
 * GET item without the answer cache (docs/api-cache.md), every request reaching the database.
 * Targets (issue 8): GET >= 10,000 requests/s with p99 < 20 ms, POST >= 1,000
 * drafts/s, on 2 cores (wrk, jiyue and PostgreSQL share them).
 */
#include "core/compat.h"
#include "core/auth.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/proc.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>


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


/* Run wrk, print its summary lines; *rps and *p99 (ms) from its output. */
static void
run_wrk(const char *title, const char *args, double *rps, double *p99)
{
    char cmd[4096], line[512];
    FILE *p;

    *rps = *p99 = -1;
    snprintf(cmd, sizeof(cmd), "wrk %s 2>&1", args);
    p = popen(cmd, "r");
    if (p == NULL) {
        perror("wrk");
        exit(1);
    }
    printf("\n%s\n", title);
    while (fgets(line, sizeof(line), p)) {
        double v;
        char unit[8];
        if (strstr(line, "Requests/sec:") || strstr(line, "Latency") || strstr(line, "%") ||
            strstr(line, "requests in") || strstr(line, "Non-2xx") || strstr(line, "Socket errors"))
            fputs(line, stdout);
        if (sscanf(line, " Requests/sec: %lf", &v) == 1)
            *rps = v;
        if (sscanf(line, " 99%% %lf%7s", &v, unit) == 2)
            *p99 = strcmp(unit, "us") == 0 ? v / 1000 : strcmp(unit, "s") == 0 ? v * 1000 : v;
    }
    if (pclose(p) != 0) {
        fprintf(stderr, "wrk failed (is the package wrk installed?)\n");
        exit(1);
    }
}


int
main(int argc, char **argv)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    const char *bin = argc > 1 ? argv[1] : NULL, *data = NULL, *item, *site = "5600000001";
    char tmp[] = "/tmp/jy_bench_http.XXXXXX", conninfo[600], token[JY_AUTH_API_TOKEN_LEN + 1],
         prefix[JY_AUTH_API_PREFIX_LEN + 1], cmd[4096];
    int duration = 10, conns = 32, threads = 2, workers = 2, port = 0, i;
    double get_rps, get_p99, post_rps, post_p99, base_rps, base_p99;
    double where_rps = 0, where_p99 = 0, queue_rps = 0, queue_p99 = 0;
    bool own = false;
    const char *sets[8];
    int nsets = 0;
    struct jy_db *db;
    const char *ready, *lua;
    pid_t pid;
    FILE *f;

    for (i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--duration") == 0)
            duration = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--connections") == 0)
            conns = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--workers") == 0)
            workers = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--data") == 0)
            data = argv[i + 1];
        else if (strcmp(argv[i], "--set") == 0 && nsets < 8)
            sets[nsets++] = argv[i + 1];
        else
            bin = NULL;
    }
    if (bin == NULL || duration < 1 || conns < 1 || threads < 1 || workers < 1) {
        fprintf(stderr, "usage: bench_http JIYUE [--duration S] [--connections N] [--threads N] "
                        "[--workers N] [--data PGDATA] [--set KEY=VALUE]...\n");
        return 2;
    }
    if (mkdtemp(tmp) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    if (data == NULL) {
        const char *migrate[] = {"migrate", NULL}, *demo[] = {"demo", NULL};
        data = jy_pool_printf(pool, "%s/pg", tmp);
        own = true;
        {
            const char *start[] = {"db", "start", NULL};
            jiyue(bin, data, start);
        }
        jiyue(bin, data, migrate);
        jiyue(bin, data, demo);
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
    item = jy_db_query_value(db, pool,
                             "SELECT i.id FROM item i JOIN site s ON s.id = i.site_id"
                             " WHERE s.code = '5600000001' ORDER BY i.id LIMIT 1",
                             0, NULL, &err);
    if (item == NULL ||
        jy_auth_token_create(db, "liu.yang", "bench_http", 1, token, prefix, &err) != JY_OK) {
        fprintf(stderr, "preparing the platform: %s\n", item ? err.msg : "no item of the province");
        return 1;
    }
    printf("platform: %s items, %s sites; GET item %s as liu.yang (editor of the province)\n",
           jy_db_query_value(db, pool, "SELECT count(*) FROM item", 0, NULL, &err),
           jy_db_query_value(db, pool, "SELECT count(*) FROM site", 0, NULL, &err), item);
    jy_db_close(db);

    ready = jy_pool_printf(pool, "%s/port", tmp);
    fflush(stdout); /* or the child prints what is buffered once more */
    pid = fork();
    if (pid == 0) {
        const char *log = jy_pool_printf(pool, "%s/serve.log", tmp);
        if (freopen(log, "a", stderr) == NULL || freopen("/dev/null", "w", stdout) == NULL)
            _exit(127);
        const char *av[32] = {bin,
                              "--data",
                              data,
                              "--set",
                              "listen=127.0.0.1:0",
                              "--set",
                              jy_pool_printf(pool, "workers=%d", workers)};
        int n = 7, k;
        for (k = 0; k < nsets; k++) {
            av[n++] = "--set";
            av[n++] = sets[k];
        }
        av[n++] = "serve";
        av[n++] = "--ready-file";
        av[n++] = ready;
        av[n] = NULL;
        execv(bin, (char *const *) av);
        _exit(127);
    }
    for (i = 0; i < 3000 && port == 0; i++) {
        if ((f = fopen(ready, "r")) != NULL) {
            if (fscanf(f, "%d", &port) != 1)
                port = 0;
            fclose(f);
        } else {
            usleep(10000);
        }
    }
    if (port == 0) {
        fprintf(stderr, "jiyue serve did not start (log: %s/serve.log)\n", tmp);
        kill(pid, SIGKILL);
        return 1;
    }
    printf("jiyue serve: %d workers on port %d; wrk -t%d -c%d -d%ds\n", workers, port, threads,
           conns, duration);

    snprintf(cmd, sizeof(cmd), "-t%d -c%d -d%ds --latency http://127.0.0.1:%d/api/v1/health",
             threads, conns, duration, port);
    run_wrk("GET /api/v1/health (peer: the server itself, one SELECT 1, no row-level security)",
            cmd, &base_rps, &base_p99);

    snprintf(cmd, sizeof(cmd),
             "-t%d -c%d -d%ds --latency -H 'Authorization: Bearer %s'"
             " http://127.0.0.1:%d/api/v1/items/%s",
             threads, conns, duration, token, port, item);
    run_wrk("GET /api/v1/items/ID (one item in full, JSON)", cmd, &get_rps, &get_p99);

    /* issue 8's workflow routes: "where is my item" (the province document every
     * city and county reuses: one place per site) and the review queue */
    snprintf(cmd, sizeof(cmd),
             "-t%d -c%d -d%ds --latency -H 'Authorization: Bearer %s'"
             " http://127.0.0.1:%d/api/v1/items/%s/where",
             threads, conns, duration, token, port, item);
    run_wrk("GET /api/v1/items/ID/where (every site showing it, pages, files, mirrors)", cmd,
            &where_rps, &where_p99);
    snprintf(cmd, sizeof(cmd),
             "-t%d -c%d -d%ds --latency -H 'Authorization: Bearer %s'"
             " http://127.0.0.1:%d/api/v1/review/queue",
             threads, conns, duration, token, port);
    run_wrk("GET /api/v1/review/queue (what waits for the user)", cmd, &queue_rps, &queue_p99);

    lua = jy_pool_printf(pool, "%s/post.lua", tmp);
    f = fopen(lua, "w");
    if (f == NULL) {
        perror(lua);
        return 1;
    }
    fprintf(f,
            "wrk.method = \"POST\"\n"
            "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
            "wrk.headers[\"Authorization\"] = \"Bearer %s\"\n"
            "wrk.body = '{\"site\": \"%s\", \"kind\": \"article\", \"fields\": "
            "{\"title\": \"压测草稿\", \"body\": \"<p>正文</p>\"}}'\n",
            token, site);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "-t%d -c%d -d%ds --latency -s %s http://127.0.0.1:%d/api/v1/items",
             threads, conns, duration, lua, port);
    run_wrk("POST /api/v1/items (a new draft, authenticated)", cmd, &post_rps, &post_p99);

    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    printf("\nsummary: GET item %.0f req/s, p99 %.2f ms (target >= 10000, < 20 ms);"
           " POST draft %.0f req/s, p99 %.2f ms (target >= 1000);"
           " health %.0f req/s, p99 %.2f ms (item/health %.3f);"
           " where %.0f req/s, p99 %.2f ms; review queue %.0f req/s, p99 %.2f ms\n",
           get_rps, get_p99, post_rps, post_p99, base_rps, base_p99,
           base_rps > 0 ? get_rps / base_rps : 0.0, where_rps, where_p99, queue_rps, queue_p99);
    if (own) {
        const char *stop[] = {"db", "stop", NULL};
        jiyue(bin, data, stop);
    }
    /* the temp folder (and its access log: tens of MB) goes in both cases; --data lives elsewhere
     */
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    jy_pool_destroy(pool);
    return 0;
}
