/*
 * bench_render.c - how fast `jiyue render` builds the desktop channel of
 * every site of the benchmark corpus, against the bare cost of writing the
 * same files and against Hugo on an equivalent site, all in one run.
 *
 *   build/bench/bench_render JIYUE [--scale small|medium|large] [--corpus DIR]
 *                            [--threads N] [--work DIR [--work DIR2]] [--no-hugo] [--keep]
 *
 * With two --work folders (say /tmp on ext4 and /dev/shm on tmpfs) steps
 * 2-4 run in each, against the same cluster (in the first): one run gives
 * the figures where writing files costs and where it is nearly free.
 *
 * 1. Generates the corpus (../shared/bench/make_corpus.py --scale medium,
 *    or the --scale given) unless --corpus names one, starts a throwaway
 *    embedded cluster in a temp folder under --work (default $TMPDIR or
 *    /tmp) and imports the corpus (`jiyue import`).
 * 2. Renders it: `jiyue render --all --channel desktop` as a child process
 *    into an empty output folder; prints files, bytes, seconds, files/s and
 *    the peak resident memory of that process (wait4 rusage).
 * 3. The floor: reads the whole rendered tree into memory, then times only
 *    writing the same folders and files into a fresh folder, with as many
 *    threads as the render used; prints seconds and render/floor.
 * 4. The peer: turns the corpus into a Hugo site (tools/bench/hugo_site.py:
 *    the same sites, columns, articles, lists of 20 per page, homes, plus
 *    RSS per list column and a sitemap per site), runs `hugo` on it and
 *    measures it the same way; prints ours/Hugo in files per second, after
 *    checking (hugo_check.py) that every list page of both shows the same
 *    articles in the same order. Hugo is not installed by this program:
 *    without it that part is skipped.
 *
 * Targets (issue 6): ≥ 5× Hugo's pages/s, ≤ 3× the write floor, and on the
 * large corpus a render under 1 GiB. docs/benchmarks.md has the figures.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/pool.h"
#include "core/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct run {
    double seconds;
    double cpu; /* user + system seconds of the child */
    long max_rss_kib;
    int status;
};

/* One entry of a tree read into memory: a folder, or a file and its bytes. */
struct entry {
    const char *path; /* relative to the tree's root */
    const char *data; /* NULL: a folder */
    size_t len;
};

/* A tree in memory, in the order nftw visits it: a folder before what it holds. */
struct tree {
    struct jy_pool *pool;
    const char *root;
    size_t root_len;
    struct entry *v;
    size_t n, cap;
    int *part; /* start of each top-level folder's entries; part[nparts] = n */
    int nparts, part_cap;
    long long files, bytes, aliases;
    int fail_errno;
};

/* The floor's threads take top-level folders (one per site) in turn. */
struct floor_run {
    const struct tree *t;
    const char *dest;
    atomic_int next;
    atomic_int failed;
};

static struct tree *walking; /* nftw takes no closure */

/* What cleanup() stops and removes when the program ends, by any path. */
static const char *cleanup_bin, *cleanup_pg, *cleanup_work;
static const char *extra_work; /* the second --work folder's temp folder */
static bool cleanup_keep;
static struct jy_pool *cleanup_pool; /* main's: those strings live in it */


static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/* Run argv (searched on PATH) with output to log; wall time and the child's own rusage. */
static struct run
run_child(const char *const *argv, const char *log)
{
    struct run r = {0, 0, 0, -1};
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
        execvp(argv[0], (char *const *) argv);
        _exit(127);
    }
    if (wait4(pid, &st, 0, &ru) != pid) {
        perror("wait4");
        exit(1);
    }
    r.seconds = now_s() - t0;
    r.cpu = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 +
            (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
    r.max_rss_kib = ru.ru_maxrss;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}


static void
show_log(const char *log)
{
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "tail -n 20 '%s' >&2", log);
    if (system(cmd) != 0)
        fprintf(stderr, "see %s\n", log);
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


/* At exit: stop the throwaway cluster and remove the work folder, unless --keep. */
static void
cleanup(void)
{
    char cmd[1200];

    if (cleanup_keep || cleanup_work == NULL)
        goto out;
    if (cleanup_pg) {
        const char *argv[] = {cleanup_bin, "--log-level", "warn", "--data",
                              cleanup_pg,  "db",          "stop", NULL};
        struct jy_pool *pool = jy_pool_create(0);
        struct jy_buf out = JY_BUF_INIT(pool);
        struct jy_proc_opts o = {0};
        o.output = &out;
        if (jy_proc_run(argv, &o) != 0)
            fprintf(stderr, "could not stop the cluster in %s:\n%s\n", cleanup_pg, out.buf);
        jy_pool_destroy(pool);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cleanup_work);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", cleanup_work);
    if (extra_work) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", extra_work);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", extra_work);
    }
out:
    if (cleanup_pool)
        jy_pool_destroy(cleanup_pool);
    cleanup_pool = NULL;
}


static int
tree_visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    struct tree *t = walking;
    struct entry *e;

    if (ftw->level == 0)
        return 0; /* the root itself */
    if (flag != FTW_F && flag != FTW_D) {
        t->fail_errno = EINVAL; /* links, unreadable folders: not what a render writes */
        return 1;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        struct entry *v = jy_pool_new_array(t->pool, struct entry, cap);
        if (t->n)
            memcpy(v, t->v, sizeof(*v) * t->n);
        t->v = v;
        t->cap = cap;
    }
    if (ftw->level == 1) {
        if (t->nparts + 1 >= t->part_cap) {
            int cap = t->part_cap ? t->part_cap * 2 : 256;
            int *p = jy_pool_new_array(t->pool, int, (size_t) cap);
            if (t->nparts)
                memcpy(p, t->part, sizeof(*p) * (size_t) t->nparts);
            t->part = p;
            t->part_cap = cap;
        }
        t->part[t->nparts++] = (int) t->n;
    }
    e = &t->v[t->n++];
    e->path = jy_pool_strdup(t->pool, path + t->root_len + 1);
    e->data = NULL;
    e->len = 0;
    if (flag == FTW_F) {
        char *buf = jy_pool_alloc(t->pool, (size_t) st->st_size + 1);
        size_t off = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            t->fail_errno = errno;
            return 1;
        }
        while (off < (size_t) st->st_size) {
            ssize_t r = read(fd, buf + off, (size_t) st->st_size - off);
            if (r <= 0)
                break;
            off += (size_t) r;
        }
        close(fd);
        e->data = buf;
        e->len = off;
        t->files++;
        t->bytes += (long long) off;
        /* Hugo writes page/1/ of every list as a redirect to the list */
        if (strstr(e->path, "/page/1/index.html") != NULL)
            t->aliases++;
    }
    return 0;
}


/* Read every folder and file under root into memory. */
static struct tree *
tree_read(struct jy_pool *pool, const char *root)
{
    struct tree *t = jy_pool_new(pool, struct tree);

    t->pool = pool;
    t->root = root;
    t->root_len = strlen(root);
    walking = t;
    if (nftw(root, tree_visit, 32, FTW_PHYS) != 0) {
        fprintf(stderr, "could not read the tree %s: %s\n", root,
                strerror(t->fail_errno ? t->fail_errno : errno));
        exit(1);
    }
    walking = NULL;
    if (t->nparts == 0 || t->part == NULL)
        t->part = jy_pool_new_array(pool, int, 1);
    t->part[t->nparts] = (int) t->n;
    return t;
}


static int
write_all(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t off = 0;

    if (fd < 0)
        return -1;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t) w;
    }
    return close(fd);
}


static void *
floor_worker(void *arg)
{
    struct floor_run *f = arg;
    const struct tree *t = f->t;
    char path[4096];
    int part;

    while (atomic_load(&f->failed) == 0 && (part = atomic_fetch_add(&f->next, 1)) < t->nparts) {
        for (int i = t->part[part]; i < t->part[part + 1]; i++) {
            const struct entry *e = &t->v[i];
            int rc;
            snprintf(path, sizeof(path), "%s/%s", f->dest, e->path);
            rc = e->data ? write_all(path, e->data, e->len) : mkdir(path, 0755);
            if (rc != 0) {
                fprintf(stderr, "could not write %s: %s\n", path, strerror(errno));
                atomic_store(&f->failed, 1);
                break;
            }
        }
    }
    return NULL;
}


/* The floor: write tree t again under dest with nthreads threads; the seconds it took. */
static double
floor_write(const struct tree *t, const char *dest, int nthreads)
{
    struct floor_run f = {.t = t, .dest = dest};
    pthread_t th[16];
    int started = 0;
    double t0;

    if (nthreads > 16)
        nthreads = 16;
    atomic_init(&f.next, 0);
    atomic_init(&f.failed, 0);
    if (mkdir(dest, 0755) != 0) {
        perror(dest);
        exit(1);
    }
    t0 = now_s();
    for (int i = 1; i < nthreads; i++)
        if (pthread_create(&th[started], NULL, floor_worker, &f) == 0)
            started++;
    floor_worker(&f);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    t0 = now_s() - t0;
    if (atomic_load(&f.failed)) {
        fprintf(stderr, "the floor could not write its files\n");
        exit(1);
    }
    return t0;
}


static void
report(const char *what, long long files, long long bytes, const struct run *r)
{
    printf("%-22s %7lld files %8.1f MiB %7.2f s %8.0f files/s  cpu %6.2f s  peak RSS %7.1f MiB\n",
           what, files, (double) bytes / 1048576.0, r->seconds,
           r->seconds > 0 ? (double) files / r->seconds : 0, r->cpu,
           (double) r->max_rss_kib / 1024.0);
}


/*
 * The renderer's own account, from its log line per batch of sites
 * (read_ms, plan_ms, full_ms by the loaders; render_ms, record_ms,
 * place_ms, commit_ms, clean_ms by the caller's thread): the loaders read
 * and plan the next batches while batch k renders and records, so the
 * parts add up to more than the run.
 */
static void
phases(const char *log)
{
    static const char *const keys[] = {"read_ms=",   "plan_ms=",  "full_ms=",   "render_ms=",
                                       "record_ms=", "place_ms=", "commit_ms=", "clean_ms="};
    double sum[8] = {0};
    FILE *f = fopen(log, "r");
    char line[4096];
    int batches = 0, sites = 0;

    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f)) {
        const char *b = strstr(line, "msg=\"batch sites=");
        if (strstr(line, "module=render") == NULL || b == NULL)
            continue;
        sites += atoi(b + strlen("msg=\"batch sites="));
        for (int k = 0; k < 8; k++) {
            const char *v = strstr(line, keys[k]);
            if (v)
                sum[k] += atof(v + strlen(keys[k]));
        }
        batches++;
    }
    fclose(f);
    if (batches)
        printf("%-22s %d sites in %d batches: loader (overlapped) reading %.2f s, planning "
               "%.2f s, item texts %.2f s; then rendering and writing %.2f s, recording %.2f s, "
               "renames %.2f s, commit %.2f s\n",
               "", sites, batches, sum[0] / 1000, sum[1] / 1000, sum[2] / 1000, sum[3] / 1000,
               sum[4] / 1000, sum[5] / 1000, sum[6] / 1000 + sum[7] / 1000);
}


static bool
have_hugo(void)
{
    return system("command -v hugo >/dev/null 2>&1") == 0;
}


static void
usage(void)
{
    fprintf(stderr, "usage: bench_render JIYUE [--scale small|medium|large] [--corpus DIR] "
                    "[--threads N] [--work DIR [--work DIR2]] [--no-hugo] [--keep]\n");
    exit(2);
}


/*
 * Steps 2-4 with output, floor and Hugo site in dir: the render, the floor,
 * Hugo, and their ratios.
 */
static int
measure_in(struct jy_pool *pool, const char *bin, const char *pg, const char *corpus,
           const char *dir, const char *threads, int nthreads, bool hugo, const char *scale)
{
    const char *out = jy_pool_printf(pool, "%s/out", dir), *log;
    struct run ren, hug = {0, 0, 0, -1};
    struct tree *ours, *peer = NULL;
    double floor_s, t0;
    char cmd[2400];

    /* 2. the render, into an empty output folder */
    setenv("JIYUE_OUTPUT_DIR", out, 1);
    log = jy_pool_printf(pool, "%s/render.log", dir);
    {
        /* info: the renderer logs each site's time and its reading and rendering parts */
        const char *args[] = {bin,     "--log-level", "info",    "--data",    pg,      "render",
                              "--all", "--channel",   "desktop", "--threads", threads, NULL};
        ren = run_child(args, log);
        if (ren.status != 0) {
            fprintf(stderr, "jiyue render failed:\n");
            show_log(log);
            return -1;
        }
    }
    /* every site's tree is <out>/.builds/<code>.<generation>; the links beside are not read */
    ours = tree_read(pool, jy_pool_printf(pool, "%s/.builds", out));
    printf("\n");
    report("jiyue render desktop", ours->files, ours->bytes, &ren);
    phases(log);

    /* 3. the floor: the same folders and files, from memory, into a fresh folder */
    floor_s = floor_write(ours, jy_pool_printf(pool, "%s/floor", dir), nthreads);
    printf("%-22s %7lld files %8.1f MiB %7.2f s %8.0f files/s  (%d thread%s, from memory)\n",
           "write floor", ours->files, (double) ours->bytes / 1048576.0, floor_s,
           (double) ours->files / floor_s, nthreads, nthreads == 1 ? "" : "s");

    /* 4. Hugo on the equivalent site */
    if (hugo && !have_hugo()) {
        printf("hugo is not installed: the comparison with Hugo is skipped "
               "(Debian: apt-get install hugo, 0.111)\n");
        hugo = false;
    }
    if (hugo) {
        const char *site = jy_pool_printf(pool, "%s/hugo", dir);
        const char *pub = jy_pool_printf(pool, "%s/hugo-public", dir);
        const char *cache = jy_pool_printf(pool, "%s/hugo-cache", dir);
        const char *args[] = {"hugo", "--quiet",    "--source", site, "--destination",
                              pub,    "--cacheDir", cache,      NULL};
        t0 = now_s();
        snprintf(cmd, sizeof(cmd), "python3 '%s/tools/bench/hugo_site.py' '%s' '%s' >/dev/null",
                 JY_SOURCE_DIR, corpus, site);
        if (system(cmd) != 0) {
            fprintf(stderr, "hugo_site.py failed: %s\n", cmd);
            return -1;
        }
        printf("%-22s converted the corpus in %.1f s (not timed below)\n", "hugo site",
               now_s() - t0);
        log = jy_pool_printf(pool, "%s/hugo.log", dir);
        hug = run_child(args, log);
        if (hug.status != 0) {
            fprintf(stderr, "hugo failed:\n");
            show_log(log);
            return -1;
        }
        peer = tree_read(pool, pub);
        report("hugo", peer->files - peer->aliases, peer->bytes, &hug);
        printf("%-22s (and %lld page/1/ redirects it also wrote, not counted)\n", "",
               peer->aliases);
        /* the ratio means something only if both list the same articles */
        snprintf(cmd, sizeof(cmd),
                 "python3 '%s/tools/bench/hugo_check.py' '%s' '%s' '%s' | tail -n 1 | "
                 "sed 's/^/same lists?             /'",
                 JY_SOURCE_DIR, corpus, out, pub);
        fflush(stdout);
        if (system(cmd) != 0)
            fprintf(stderr, "hugo_check.py failed: %s\n", cmd);
    }

    /* the ratios and the targets */
    {
        double ours_rate = (double) ours->files / ren.seconds;
        double ratio_floor = ren.seconds / floor_s;
        printf("\nrender / floor         %.2f x   (target <= 3: %s)\n", ratio_floor,
               ratio_floor <= 3 ? "met" : "MISSED");
        if (peer) {
            double hugo_rate = (double) (peer->files - peer->aliases) / hug.seconds;
            printf("ours / hugo, files/s   %.2f x   (target >= 5: %s)\n", ours_rate / hugo_rate,
                   ours_rate / hugo_rate >= 5 ? "met" : "MISSED");
            printf("peak memory ours/hugo  %.1f / %.1f MiB\n", (double) ren.max_rss_kib / 1024.0,
                   (double) hug.max_rss_kib / 1024.0);
        }
        if (strcmp(scale, "large") == 0)
            printf("peak memory of the render %.1f MiB   (target < 1024: %s)\n",
                   (double) ren.max_rss_kib / 1024.0,
                   ren.max_rss_kib < 1024 * 1024 ? "met" : "MISSED");
    }

    return 0;
}


/*
 * The trees read into memory go with a pool of their own: the children of
 * the next folder are forked from a process that no longer holds them (a
 * child's peak RSS counts what it had at the fork).
 */
static int
measure(const char *bin, const char *pg, const char *corpus, const char *dir, const char *threads,
        int nthreads, bool hugo, const char *scale)
{
    struct jy_pool *pool = jy_pool_create(0);
    int rc = measure_in(pool, bin, pg, corpus, dir, threads, nthreads, hugo, scale);

    jy_pool_destroy(pool);
    malloc_trim(0);
    return rc;
}


int
main(int argc, char **argv)
{
    struct jy_pool *pool = jy_pool_create(0);
    const char *bin = NULL, *corpus = NULL, *scale = "medium", *threads = "2";
    const char *tmp = getenv("TMPDIR"), *works[2] = {NULL, NULL};
    bool keep = false, hugo = true;
    char *work, cmd[2400];
    const char *pg, *log;
    struct run imp;
    double t0;
    int nthreads, i, nwork = 0;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--keep") == 0)
            keep = true;
        else if (strcmp(a, "--no-hugo") == 0)
            hugo = false;
        else if (strcmp(a, "--scale") == 0 && i + 1 < argc)
            scale = argv[++i];
        else if (strcmp(a, "--corpus") == 0 && i + 1 < argc)
            corpus = argv[++i];
        else if (strcmp(a, "--threads") == 0 && i + 1 < argc)
            threads = argv[++i];
        else if (strcmp(a, "--work") == 0 && i + 1 < argc && nwork < 2)
            works[nwork++] = argv[++i];
        else if (bin == NULL && a[0] != '-')
            bin = a;
        else
            usage();
    }
    nthreads = atoi(threads);
    if (nwork == 0)
        works[nwork++] = tmp;
    tmp = works[0];
    if (bin == NULL || nthreads < 1 || nthreads > 16 ||
        (strcmp(scale, "small") && strcmp(scale, "medium") && strcmp(scale, "large")))
        usage();
    if (bin[0] != '/') {
        char real[4096];
        if (realpath(bin, real) == NULL) {
            perror(bin);
            return 2;
        }
        bin = jy_pool_strdup(pool, real);
    }
    work = jy_pool_printf(pool, "%s/jybench-render.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(work) == NULL) {
        perror(work);
        return 1;
    }
    pg = jy_pool_printf(pool, "%s/pg", work);

    /* 1. corpus, cluster, import */
    if (corpus == NULL) {
        t0 = now_s();
        corpus = jy_pool_printf(pool, "%s/corpus", work);
        snprintf(cmd, sizeof(cmd),
                 "python3 '%s/../shared/bench/make_corpus.py' --scale %s --out '%s' 2>/dev/null",
                 JY_SOURCE_DIR, scale, corpus);
        if (system(cmd) != 0) {
            fprintf(stderr, "make_corpus.py failed: %s\n", cmd);
            return 1;
        }
        printf("generated the %s corpus in %.1f s\n", scale, now_s() - t0);
    }
    cleanup_bin = bin;
    cleanup_work = work;
    cleanup_keep = keep;
    cleanup_pool = pool;
    atexit(cleanup);
    jiyue(bin, pg, "db", "start");
    cleanup_pg = pg;
    jiyue(bin, pg, "migrate", NULL);
    log = jy_pool_printf(pool, "%s/import.log", work);
    {
        const char *args[] = {bin,      "--log-level", "warn", "--data", pg,
                              "import", "--quiet",     corpus, NULL};
        imp = run_child(args, log);
        if (imp.status != 0) {
            fprintf(stderr, "jiyue import failed:\n");
            show_log(log);
            return 1;
        }
        printf("imported %s in %.1f s (cluster in %s)\n", corpus, imp.seconds, pg);
    }

    for (int w = 0; w < nwork; w++) {
        const char *dir =
            w == 0 ? work : jy_pool_printf(pool, "%s/jybench-render.XXXXXX", works[w]);
        if (w > 0) {
            if (mkdtemp((char *) dir) == NULL) {
                perror(dir);
                return 1;
            }
            extra_work = dir;
        }
        printf("\n== output in %s\n", works[w] && works[w][0] ? works[w] : "/tmp");
        if (measure(bin, pg, corpus, dir, threads, nthreads, hugo, scale) != 0)
            return 1;
    }

    if (keep)
        printf("kept %s (stop the cluster with: jiyue --data %s db stop)\n", work, pg);
    return 0; /* cleanup() stops the cluster and removes the work folder */
}
