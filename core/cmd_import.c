/*
 * cmd_import.c - `jiyue import DIR`: load a corpus folder in bulk (core/import.h),
 * with a progress bar on a terminal and a summary at the end.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/err.h"
#include "core/import.h"
#include "core/pool.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct display {
    bool tty; /* stderr is a terminal: redraw one line */
    bool quiet;
    double start;     /* monotonic seconds */
    double last_line; /* of the last plain progress line */
    const char *last_phase;
    int drawn; /* columns of the line drawn last (tty) */
};


static double
mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/* "1:05" or "42 s" */
static void
fmt_duration(char *out, size_t size, double s)
{
    long t = (long) (s + 0.5);

    if (t >= 60)
        snprintf(out, size, "%ld:%02ld", t / 60, t % 60);
    else
        snprintf(out, size, "%ld s", t);
}


static void
show_progress(const struct jy_import_progress *p, void *arg)
{
    struct display *d = arg;
    double el = mono() - d->start;
    double frac = p->bytes_total > 0 ? (double) p->bytes_read / (double) p->bytes_total : 1.0;
    double rate = el > 0 ? (double) p->articles / el : 0;
    char line[200], eta[32];
    int n;

    if (d->quiet)
        return;
    if (p->step) {
        char e[32];
        fmt_duration(e, sizeof(e), el);
        n = snprintf(line, sizeof(line), "import: writing %s ... (%s)", p->step, e);
    } else {
        int i, w = 30, fill = (int) (frac * w);
        char bar[40];
        for (i = 0; i < w; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[w] = '\0';
        if (frac > 0.001 && frac < 1)
            fmt_duration(eta, sizeof(eta), el / frac - el);
        else
            snprintf(eta, sizeof(eta), "-");
        if (d->tty)
            n = snprintf(line, sizeof(line), "%-15s [%s] %3d%%  %lld items  %.0f items/s  ETA %s",
                         p->phase, bar, (int) (frac * 100), p->articles, rate, eta);
        else
            n = snprintf(line, sizeof(line),
                         "import: %s %d%% of the bytes read, %lld items, %.0f items/s, ETA %s",
                         p->phase, (int) (frac * 100), p->articles, rate, eta);
    }
    if (n < 0)
        return;
    if (d->tty) {
        fprintf(stderr, "\r%s%*s", line, d->drawn > n ? d->drawn - n : 0, "");
        d->drawn = n;
        fflush(stderr);
        return;
    }
    /* plain lines: at every phase and step, else every 5 seconds */
    if (d->last_phase != (p->step ? p->step : p->phase) || el - d->last_line >= 5) {
        fprintf(stderr, "%s\n", line);
        d->last_line = el;
        d->last_phase = p->step ? p->step : p->phase;
    }
}


static void
print_summary(const struct jy_import_opts *o, const struct jy_import_result *r, double seconds)
{
    struct rusage ru;
    int t, i;

    getrusage(RUSAGE_SELF, &ru);
    printf("%s corpus \"%s\" from %s: %lld sites, %lld columns, %lld articles\n",
           r->dry_run ? "checked (and rolled back)" : "imported", o->source ? o->source : "corpus",
           o->dir, r->sites, r->columns, r->articles);
    printf("  %-12s %9s %9s %9s %9s\n", "", "created", "updated", "unchanged", "deleted");
    for (t = 0; t < JY_IMPORT_NTABLES; t++) {
        const struct jy_import_count *c = &r->tables[t];
        printf("  %-12s %9lld %9lld %9lld %9lld\n", jy_import_table_name(t), c->created, c->updated,
               c->unchanged, c->deleted);
    }
    if (r->index_drawn)
        printf("  %lld item%s got their 索引号 by their site's rule\n", r->index_drawn,
               r->index_drawn == 1 ? "" : "s");
    if (r->bodies_sanitized) {
        printf("  the sanitiser changed %lld bod%s, removing %lld thing%s:\n", r->bodies_sanitized,
               r->bodies_sanitized == 1 ? "y" : "ies", r->removals, r->removals == 1 ? "" : "s");
        for (i = 0; i < r->nsanitized_list; i++)
            printf("    %s: %s\n", r->sanitized_list[i].where, r->sanitized_list[i].msg);
        if (r->bodies_sanitized > r->nsanitized_list)
            printf("    ... and %lld more\n", r->bodies_sanitized - r->nsanitized_list);
    } else {
        printf("  every body was clean: the sanitiser removed nothing\n");
    }
    if (r->validity_degraded)
        printf("  %lld policy documents marked 已修改/已废止 name no document that changed them: "
               "their basis reads \"原系统迁移，废止/修改依据未录入\" until an editor links it\n",
               r->validity_degraded);
    if (r->bad) {
        printf("left out %lld bad line%s:\n", r->bad, r->bad == 1 ? "" : "s");
        for (i = 0; i < r->nbad_list; i++)
            printf("  %s: %s\n", r->bad_list[i].where, r->bad_list[i].msg);
        if (r->bad > r->nbad_list)
            printf("  ... and %lld more\n", r->bad - r->nbad_list);
    }
    printf("%.2f s, %.0f items/s, %.1f MiB read, peak memory %.1f MiB\n", seconds,
           seconds > 0 ? (double) r->articles / seconds : 0, (double) r->bytes / 1048576.0,
           (double) ru.ru_maxrss / 1024.0);
}


static int
cmd_import_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_import_opts o;
    struct jy_import_result r;
    struct display d;
    struct jy_db *db;
    int i, rc;

    if (jy_cli_wants_help(&jy_cmd_import, argc, argv))
        return JY_EXIT_OK;
    memset(&o, 0, sizeof(o));
    memset(&d, 0, sizeof(d));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--skip-bad") == 0) {
            o.skip_bad = true;
        } else if (strcmp(a, "--dry-run") == 0) {
            o.dry_run = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            d.quiet = true;
        } else if (strcmp(a, "--source") == 0) {
            if (i + 1 >= argc)
                return jy_cli_usage_error(&jy_cmd_import, "option \"--source\" needs a value");
            o.source = argv[++i];
        } else if (strncmp(a, "--source=", 9) == 0) {
            o.source = a + 9;
        } else if (a[0] == '-' && a[1] != '\0') {
            return jy_cli_usage_error(&jy_cmd_import, "unrecognized option \"%s\"", a);
        } else if (o.dir == NULL) {
            o.dir = a;
        } else {
            return jy_cli_usage_error(&jy_cmd_import, "unexpected argument \"%s\"", a);
        }
    }
    if (o.dir == NULL)
        return jy_cli_usage_error(&jy_cmd_import, "give the corpus folder to import");
    if (cli->as_login) {
        jy_err_set(&err, JY_E_FORBIDDEN, "import runs as the system, not --as \"%s\"",
                   cli->as_login);
        jy_err_hint(&err, "Run it without --as; the audit log records one import.corpus entry.");
        return jy_cli_fail(&err);
    }
    d.tty = isatty(2) != 0;
    d.start = mono();
    o.progress = show_progress;
    o.progress_arg = &d;

    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    rc = jy_import_corpus(db, cli->pool, &o, &r, &err);
    if (d.tty && d.drawn && !d.quiet)
        fprintf(stderr, "\r%*s\r", d.drawn, "");
    jy_db_close(db);
    if (rc != JY_OK)
        return jy_cli_fail(&err);
    print_summary(&o, &r, mono() - d.start);
    return JY_EXIT_OK;
}


const struct jy_cmd jy_cmd_import = {
    "import",
    "load a corpus folder (sites, columns, articles) in bulk",
    "usage: jiyue import DIR [--source NAME] [--skip-bad] [--dry-run] [--quiet]\n"
    "\n"
    "Load the corpus folder DIR (sites.jsonl, columns.jsonl, articles.jsonl and\n"
    "manifest.json, the format of ../shared/bench/README.md) into the platform:\n"
    "sites under the platform root, their columns (shared columns reuse the\n"
    "province's), articles as items with tags, attachments and published\n"
    "placements. Importing the same folder again changes nothing; a changed\n"
    "record updates its row. Everything happens in one transaction.\n"
    "\n"
    "Every line is checked first. A bad line is reported with its file, line\n"
    "number and field, and aborts the import: nothing is stored.\n"
    "\n"
    "Options:\n"
    "  --source NAME  name of the source the ids belong to (default \"corpus\"):\n"
    "                 import two different corpora under two names\n"
    "  --skip-bad     leave bad lines out (and what depends on them), list them\n"
    "                 at the end, import the rest\n"
    "  --dry-run      check and apply everything, print the summary, roll back\n"
    "  -q, --quiet    no progress display\n"
    "\n"
    "The import runs as the system (not --as) and writes one audit entry,\n"
    "import.corpus, with the counts.\n",
    cmd_import_run,
};
