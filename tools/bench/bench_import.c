/*
 * bench_import.c - how fast `jiyue import` loads the benchmark corpus, and
 * how much memory the jiyue process needs for it.
 *
 *   build/bench/bench_import JIYUE [--large] [--corpus DIR] [--keep]
 *
 * Generates the medium corpus (make_corpus.py --sites 100 --articles 20000;
 * the large one with --large: 1,000 sites, 200,000 articles, 1.08 GB) unless
 * --corpus names one, starts a throwaway embedded cluster in a temp folder,
 * imports the corpus into it, then imports it again (nothing changes: the
 * cost of checking), and prints seconds, items/s and the peak resident
 * memory of the jiyue process (getrusage of the child, through wait4).
 * Targets (issue 4): medium under 60 s, large under 10 minutes and 1 GiB.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/proc.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct run {
    double seconds;
    long max_rss_kib;
    int status;
};


static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/* Run argv with output to log; wall time and the child's own rusage (wait4). */
static struct run
run_child(const char *const *argv, const char *log)
{
    struct run r = {0, 0, -1};
    struct rusage ru;
    double t0 = now_s();
    int st;
    pid_t pid;

    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], (char *const *) argv);
        _exit(127);
    }
    if (wait4(pid, &st, 0, &ru) != pid) {
        perror("wait4");
        exit(1);
    }
    r.seconds = now_s() - t0;
    r.max_rss_kib = ru.ru_maxrss;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}


static void
jiyue(const char *bin, const char *data, const char *a1, const char *a2)
{
    const char *argv[] = {bin, "--log-level", "warn", "--data", data, a1, a2, NULL};
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf out = JY_BUF_INIT(pool);
    struct jy_proc_opts o = {0};

    o.output = &out;
    if (jy_proc_run(argv, &o) != 0) {
        fprintf(stderr, "jiyue %s %s failed:\n%s\n", a1, a2 ? a2 : "", out.buf);
        exit(1);
    }
    jy_pool_destroy(pool);
}


static long long
manifest_articles(const char *dir)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    char path[600];
    struct cJSON *m;
    const cJSON *c;
    long long n = 0;

    snprintf(path, sizeof(path), "%s/manifest.json", dir);
    m = jy_json_load_file(pool, path, &err);
    c = m ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "counts"),
                                             "articles")
          : NULL;
    if (cJSON_IsNumber(c))
        n = (long long) c->valuedouble;
    jy_pool_destroy(pool);
    return n;
}


static void
report(const char *what, const struct run *r, long long articles)
{
    printf("%-28s %8.1f s  %8.0f items/s  peak RSS of jiyue %7.1f MiB  (exit %d)\n", what,
           r->seconds, (double) articles / r->seconds, (double) r->max_rss_kib / 1024.0, r->status);
}


int
main(int argc, char **argv)
{
    char data[] = "/tmp/jybench-import.XXXXXX", corpus_tmp[] = "/tmp/jybench-corpus.XXXXXX";
    const char *bin = NULL, *corpus = NULL;
    bool large = false, keep = false;
    char cmd[1200], log[600], pgdata[600];
    long long articles;
    struct run first, again;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--large") == 0)
            large = true;
        else if (strcmp(argv[i], "--keep") == 0)
            keep = true;
        else if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
            corpus = argv[++i];
        else if (bin == NULL && argv[i][0] != '-')
            bin = argv[i];
        else {
            bin = NULL;
            break;
        }
    }
    if (bin == NULL) {
        fprintf(stderr, "usage: bench_import JIYUE [--large] [--corpus DIR] [--keep]\n");
        return 2;
    }
    if (corpus == NULL) {
        double t0 = now_s();
        if (mkdtemp(corpus_tmp) == NULL) {
            perror("mkdtemp");
            return 1;
        }
        corpus = corpus_tmp;
        snprintf(cmd, sizeof(cmd),
                 "python3 '%s/../shared/bench/make_corpus.py' %s --out '%s' "
                 "2>/dev/null",
                 JY_SOURCE_DIR, large ? "--scale large" : "--sites 100 --articles 20000", corpus);
        if (system(cmd) != 0) {
            fprintf(stderr, "make_corpus.py failed\n");
            return 1;
        }
        printf("generated the %s corpus in %.1f s\n", large ? "large" : "medium", now_s() - t0);
    }
    articles = manifest_articles(corpus);
    if (mkdtemp(data) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(pgdata, sizeof(pgdata), "%s/pg", data);
    jiyue(bin, pgdata, "db", "start");
    jiyue(bin, pgdata, "migrate", NULL);
    printf("corpus %s: %lld articles; cluster in %s\n", corpus, articles, pgdata);

    snprintf(log, sizeof(log), "%s/import.log", data);
    {
        const char *args[] = {bin,      "--log-level", "warn", "--data", pgdata,
                              "import", "--quiet",     corpus, NULL};
        first = run_child(args, log);
        report("import", &first, articles);
        if (first.status != 0) {
            snprintf(cmd, sizeof(cmd), "cat '%s'", log);
            if (system(cmd) != 0)
                fprintf(stderr, "see %s\n", log);
            return 1;
        }
        again = run_child(args, log);
        report("import again (no change)", &again, articles);
    }
    snprintf(cmd, sizeof(cmd), "grep -E '^  (item|placement) ' '%s'", log);
    if (system(cmd) != 0)
        fprintf(stderr, "see %s\n", log);
    if (large)
        printf("targets: large < 600 s and < 1024 MiB: %s\n",
               first.seconds < 600 && first.max_rss_kib < 1024 * 1024 ? "met" : "MISSED");
    else
        printf("target: medium < 60 s: %s\n", first.seconds < 60 ? "met" : "MISSED");

    if (keep) {
        printf("kept the cluster: %s (stop it with: jiyue --data %s db stop)\n", pgdata, pgdata);
        return 0;
    }
    jiyue(bin, pgdata, "db", "stop");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'%s%s%s", data, corpus == corpus_tmp ? " '" : "",
             corpus == corpus_tmp ? corpus_tmp : "", corpus == corpus_tmp ? "'" : "");
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", data);
    return 0;
}
