/*
 * bench_incremental.c - the planner of issue 6: how long the incremental
 * render takes after one edit of a province document that every county
 * shows through its shared column (省政府文件), on the medium corpus
 * (100 sites).
 *
 *   build/bench/bench_incremental JIYUE [--corpus DIR] [--edits N] [--work DIR]
 *
 * Generates the medium corpus (or uses --corpus), imports it into a
 * throwaway embedded cluster, renders every site in full once, then N times
 * (default 20): changes the title of a document of the province's shared
 * column (an UPDATE through `jiyue db exec`, so the triggers queue the
 * change as any edit does) and runs `jiyue render --pending`. Prints, per
 * edit and as p50/p95, the renderer's own time for the run (planning,
 * rendering and recording, as `render` reports it, without the process
 * start), the wall time of the command, the sites touched and the files
 * rendered and written. Target: under 200 ms for the run.
 */
#include "core/compat.h"
#include "tools/bench/bench_util.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Run a shell command; its first line of output into line (may be NULL). */
static int
run(const char *cmd, char *line, size_t size)
{
    FILE *f = popen(cmd, "r");
    char buf[4096];
    int got = 0;

    if (f == NULL)
        return -1;
    while (fgets(buf, sizeof(buf), f)) {
        if (line && !got) {
            snprintf(line, size, "%s", buf);
            got = 1;
        }
    }
    return pclose(f);
}


int
main(int argc, char **argv)
{
    const char *bin, *corpus = NULL, *work = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[1024], cmd[8192], line[4096], pg[1200], www[1200], corpus_dir[1200], jy[4096];
    int edits = 20;
    double *own, *wall;
    long long item;

    if (argc < 2) {
        fprintf(stderr, "usage: %s JIYUE [--corpus DIR] [--edits N] [--work DIR]\n", argv[0]);
        return 2;
    }
    bin = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--corpus") == 0)
            corpus = argv[i + 1];
        else if (strcmp(argv[i], "--edits") == 0)
            edits = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--work") == 0)
            work = argv[i + 1];
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (edits < 1 || edits > 1000)
        edits = 20;
    snprintf(dir, sizeof(dir), "%s/jy-bench-incr.XXXXXX", work);
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(pg, sizeof(pg), "%s/pg", dir);
    snprintf(www, sizeof(www), "%s/www", dir);
    snprintf(jy, sizeof(jy), "'%s' --log-level warn --data '%s' --set 'output_dir=%s'", bin, pg,
             www);
    if (corpus == NULL) {
        snprintf(corpus_dir, sizeof(corpus_dir), "%s/corpus", dir);
        snprintf(
            cmd, sizeof(cmd),
            "python3 '%s/../shared/bench/make_corpus.py' --scale medium --out '%s' 2>/dev/null",
            JY_SOURCE_DIR, corpus_dir);
        printf("generating the medium corpus ...\n");
        fflush(stdout);
        if (run(cmd, NULL, 0) != 0) {
            fprintf(stderr, "make_corpus.py failed: %s\n", cmd);
            return 1;
        }
        corpus = corpus_dir;
    }
    printf("importing %s ...\n", corpus);
    fflush(stdout);
    snprintf(cmd, sizeof(cmd), "%s import '%s' 2>&1 | tail -1", jy, corpus);
    if (run(cmd, line, sizeof(line)) != 0) {
        fprintf(stderr, "import failed: %s\n", line);
        return 1;
    }
    printf("  %s", line);
    snprintf(cmd, sizeof(cmd), "%s render --all 2>&1 | tail -1", jy);
    if (run(cmd, line, sizeof(line)) != 0) {
        fprintf(stderr, "render --all failed: %s\n", line);
        return 1;
    }
    printf("full render: %s", line);

    /* a published document of the province column that counties reuse, the newest */
    snprintf(cmd, sizeof(cmd),
             "%s db exec \"SELECT p.item_id FROM placement p JOIN site_column c ON c.id = "
             "p.column_id WHERE p.state = 'published' AND EXISTS (SELECT 1 FROM site_column r "
             "WHERE r.reuse_column_id = c.id) ORDER BY p.published_at DESC, p.item_id DESC "
             "LIMIT 1\"",
             jy);
    if (run(cmd, line, sizeof(line)) != 0 || (item = atoll(line)) <= 0) {
        fprintf(stderr, "no document in a shared column\n");
        return 1;
    }
    snprintf(cmd, sizeof(cmd),
             "%s db exec \"SELECT count(DISTINCT r.site_id) FROM placement p JOIN site_column r "
             "ON r.reuse_column_id = p.column_id WHERE p.item_id = %lld\"",
             jy, item);
    run(cmd, line, sizeof(line));
    printf("editing item %lld, shown by %d reusing sites and its own\n", item, atoi(line));

    own = calloc((size_t) edits, sizeof(double));
    wall = calloc((size_t) edits, sizeof(double));
    for (int e = 0; e < edits; e++) {
        double t0, secs = 0;
        long long files = 0, sites = 0, written = 0;
        snprintf(
            cmd, sizeof(cmd),
            "%s db exec \"UPDATE item SET title = regexp_replace(title, '（第[0-9]+次修订）$', "
            "'') || '（第%d次修订）' WHERE id = %lld\" >/dev/null",
            jy, e + 1, item);
        if (run(cmd, NULL, 0) != 0) {
            fprintf(stderr, "edit failed\n");
            return 1;
        }
        snprintf(cmd, sizeof(cmd), "%s render --pending 2>&1 | tail -1", jy);
        t0 = bench_now_ms() / 1e3;
        if (run(cmd, line, sizeof(line)) != 0) {
            fprintf(stderr, "render --pending failed: %s\n", line);
            return 1;
        }
        wall[e] = bench_now_ms() / 1e3 - t0;
        /* "rendered F files of S sites in X s (...): W written, ..." */
        if (sscanf(line, "rendered %lld files of %lld sites in %lf s", &files, &sites, &secs) != 3)
            fprintf(stderr, "unexpected output: %s", line);
        {
            const char *w = strstr(line, "): ");
            if (w)
                written = atoll(w + 3);
        }
        own[e] = secs;
        printf("  edit %2d: %lld sites, %lld files rendered, %lld written: %.0f ms in the "
               "renderer, %.0f ms the command\n",
               e + 1, sites, files, written, secs * 1000, wall[e] * 1000);
        fflush(stdout);
    }
    printf("incremental render after one edit, %d edits: renderer p50 %.0f ms, p95 %.0f ms; "
           "command p50 %.0f ms, p95 %.0f ms (target: under 200 ms)\n",
           edits, bench_percentile(own, edits, 50) * 1000, bench_percentile(own, edits, 95) * 1000,
           bench_percentile(wall, edits, 50) * 1000, bench_percentile(wall, edits, 95) * 1000);
    snprintf(cmd, sizeof(cmd), "%s db stop >/dev/null 2>&1; rm -rf '%s'", jy, dir);
    run(cmd, NULL, 0);
    free(own);
    free(wall);
    return 0;
}
