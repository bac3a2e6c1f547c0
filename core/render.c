/*
 * render.c - full and incremental builds of sites: plan, render in
 * threads, put the files in place, record manifest and dependencies; see
 * render.h.
 *
 * One run over a batch of sites (render_pipeline() overlaps the batches):
 *   1. read the snapshots of all its sites, one statement per kind, and plan
 *      every file (render_load.c, render_plan.c) [loader thread, own
 *      connection];
 *   2. decide which files to render: all (full), or those that are new or
 *      whose dependencies differ from render_dep or show a changed item;
 *   3. render the pages of all its sites from one queue of threads; each
 *      file is written (incremental: to a temporary name beside its final
 *      place) and hashed; a file whose hash equals the manifest's is dropped
 *      (nothing to write, nothing to push);
 *   4. record manifest, dependencies and generations of the sites that
 *      rendered in one transaction, put their files in place (renames, or
 *      switch a site's link to the new tree of a full build), commit, then
 *      delete the files that no longer exist.
 * A site that fails in 1-3 leaves its live tree and records as they were
 * and does not stop the other sites of its batch.
 *
 * Only one renderer writes at a time: every run holds a PostgreSQL
 * advisory lock for its duration.
 */
#include "core/compat.h"
#include "core/render.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/render_int.h"
#include "core/theme.h"
#include "core/tpl.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RENDER_LOCK_KEY "7410021" /* pg_advisory_lock key of the renderer */
#define MAX_THREADS     16

static const char *const html_channels[] = {"desktop"}; /* and the theme's own channels */

/*
 * A theme opened once per run and the template sets of each rendering
 * thread slot: sites sharing a theme compile nothing again.
 */
struct theme_entry {
    const struct jy_theme *theme;
    struct jy_tpl_set *sets[MAX_THREADS][RN_MAX_HCH]; /* per HTML channel; made when first used */
};

struct run_cache {
    pthread_mutex_t lock; /* theme_get from parallel site runs */
    struct jy_pool *pool;
    struct theme_entry themes[8];
    int nthemes;
};

/* Changes an incremental run looks for. */
struct changes {
    long long *items, *cols; /* sorted */
    int nitems, ncols;
    bool everything; /* the site itself changed: every page */
    const char *reason;
};


/*
 * One site of a batch: its snapshot, plan and outcome. Sites are read,
 * rendered and recorded in batches (render_batch): one statement per kind
 * for all sites of a batch, their pages rendered by one set of threads,
 * their records written in one transaction.
 */
struct site_run {
    long long id;
    struct rn_site *site;
    const struct jy_theme *theme;
    struct theme_entry *te;
    struct rn_plan plan;
    const char *state_sha; /* render_site_state.theme_sha; NULL: never rendered */
    const char *live;      /* <output_dir>/<code>: the link to the live tree */
    const char *dir;       /* where the files go: the live tree, or the new tree of a full build */
    const char *old_dir;   /* full build: the live tree, whose unchanged files are linked */
    struct old_file *old;  /* the manifest before, sorted by path */
    int nold;
    bool full;
    bool everything; /* the site itself changed: every page */
    bool *need;      /* items whose full text its pages need */
    int *todo;       /* indices of plan pages to render */
    int ntodo;
    atomic_int done;
    atomic_int failed; /* this site failed: its other pages are skipped */
    struct jy_err err;
    bool rendered; /* its files are ready to put in place */
    long long written, removed, bytes;
    const char *gen; /* its render_generation */
    double t0, t_planned, t_rendered;
};

struct old_file {
    const char *path, *sha256;
    bool kept;         /* the new plan has it too */
    bool touched;      /* it showed a changed item or hung on a changed column */
    const char *items; /* touched: the items it showed, in order ("{4,9,2}") */
};

/* A batch of sites. */
struct batch {
    const struct jy_render_opts *opts;
    struct run_cache *cache;
    struct jy_pool *pool;
    struct site_run *v;
    int n;
    const struct changes *ch; /* NULL: full builds */
    bool mark_failed;         /* a failing site is marked to render in full after a fix */
    const char *builds;       /* <output_dir>/.builds, resolved */
    /* rendering: the pages of every site in one queue */
    struct work *work;
    int nwork;
    atomic_int next;
    atomic_int done;
    pthread_mutex_t err_lock;
    struct jy_pool *keep[MAX_THREADS]; /* per thread: what pages keep after the thread */
    double started;
    bool in_tx; /* record_runs opened the transaction the files wait for */
    double plan_seconds, ms_read, ms_plan; /* of batch_load */
};

struct work {
    int run, page;
};


static double
mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static int
cmp_old(const void *a, const void *b)
{
    return strcmp(((const struct old_file *) a)->path, ((const struct old_file *) b)->path);
}


static struct old_file *
old_find(struct site_run *r, const char *path)
{
    struct old_file key = {.path = path};
    return r->nold ? bsearch(&key, r->old, (size_t) r->nold, sizeof(key), cmp_old) : NULL;
}


/* mkdir -p of the folders above path (relative to dir). */
static int
make_parents(const char *dir, const char *path, struct jy_err *err)
{
    char buf[4096];
    int n = snprintf(buf, sizeof(buf), "%s/%s", dir, path);
    size_t base = strlen(dir) + 1;

    if (n < 0 || (size_t) n >= sizeof(buf)) {
        jy_err_set(err, JY_E_INVALID, "output path too long: %s", path);
        return JY_ERROR;
    }
    for (char *p = buf + base; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            jy_err_errno(err, errno, "could not create folder \"%s\"", buf);
            return JY_ERROR;
        }
        *p = '/';
    }
    return JY_OK;
}


/* mkdir -p dir itself. */
static int
make_dir(const char *dir, struct jy_err *err)
{
    char buf[4096];

    snprintf(buf, sizeof(buf), "%s/", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            jy_err_errno(err, errno, "could not create folder \"%s\"", buf);
            return JY_ERROR;
        }
        *p = '/';
    }
    return JY_OK;
}


/*
 * An output path is ours to write when it is relative, ASCII [A-Za-z0-9._~/-],
 * without empty, "." or ".." segments: nothing a column code or a theme
 * could smuggle in escapes the site's folder (render_file_path_shape).
 */
bool
jy_render_path_ok(const char *p)
{
    const char *seg = p;

    if (*p == '\0' || *p == '/' || strlen(p) > 1024)
        return false;
    for (const char *q = p;; q++) {
        if (*q == '/' || *q == '\0') {
            size_t n = (size_t) (q - seg);
            if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
                return false;
            if (*q == '\0')
                return true;
            seg = q + 1;
            continue;
        }
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
              *q == '.' || *q == '_' || *q == '~' || *q == '-'))
            return false;
    }
}


static void
run_fail(struct batch *b, struct site_run *r, const struct rn_page *p, const struct jy_err *e)
{
    pthread_mutex_lock(&b->err_lock);
    if (atomic_fetch_add(&r->failed, 1) == 0) {
        r->err = *e;
        jy_err_prefix(&r->err, "site %s, %s (%s)", r->site->code, p->path, p->desc);
    }
    pthread_mutex_unlock(&b->err_lock);
}


/*
 * Write buf to path (created or truncated). With start_writeback, the
 * kernel starts writing it out now: ext4 flushes a file renamed over
 * another at the rename (auto_da_alloc), and an incremental run renames
 * every file it wrote after recording; started here, in the rendering
 * threads, the writes overlap the rendering instead of queueing at the
 * renames (150-300 ms for 160 renames on the shared disk, 10 ms after).
 */
static int
write_file(const char *path, const struct jy_buf *b, bool start_writeback, struct jy_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t off = 0;

    if (fd < 0) {
        jy_err_errno(err, errno, "could not write \"%s\"", path);
        return JY_ERROR;
    }
    while (off < b->len) {
        ssize_t w = write(fd, b->buf + off, b->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            jy_err_errno(err, w < 0 ? errno : ENOSPC, "could not write \"%s\"", path);
            close(fd);
            unlink(path);
            return JY_ERROR;
        }
        off += (size_t) w;
    }
#ifdef SYNC_FILE_RANGE_WRITE
    if (start_writeback)
        sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE); /* a hint: failure changes nothing */
#else
    (void) start_writeback;
#endif
    if (close(fd) != 0) {
        jy_err_errno(err, errno, "could not write \"%s\"", path);
        unlink(path);
        return JY_ERROR;
    }
    return JY_OK;
}


/* Write buf to a temporary name beside the page's final place. */
static int
write_temp(struct site_run *r, const struct rn_page *p, const struct jy_buf *b,
           const char **tmp_out, struct jy_pool *pool, struct jy_err *err)
{
    const char *tmp = jy_pool_printf(pool, "%s/%s.jytmp", r->dir, p->path);

    if (make_parents(r->dir, p->path, err) != JY_OK || write_file(tmp, b, true, err) != JY_OK)
        return JY_ERROR;
    *tmp_out = tmp;
    return JY_OK;
}


static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}


/*
 * A full build: make every folder the pages to render need, once, before
 * the threads start (a mkdir per file and level costs more than the file).
 */
static int
make_plan_dirs(struct site_run *r, struct jy_pool *pool, struct jy_err *err)
{
    const char **dirs = jy_pool_new_array(pool, const char *, (size_t) r->ntodo + 1);
    int n = 0;

    for (int i = 0; i < r->ntodo; i++) {
        const char *path = r->plan.v[r->todo[i]].path, *slash = strrchr(path, '/');
        if (slash)
            dirs[n++] = jy_pool_strndup(pool, path, (size_t) (slash - path + 1));
    }
    qsort(dirs, (size_t) n, sizeof(*dirs), cmp_str);
    for (int i = 0; i < n; i++)
        if ((i == 0 || strcmp(dirs[i], dirs[i - 1]) != 0) &&
            make_parents(r->dir, dirs[i], err) != JY_OK)
            return JY_ERROR;
    return JY_OK;
}


/*
 * A stored file a page links (render_files.c): its hash is its name, so
 * an unchanged one costs a comparison; else it is linked (or copied) from
 * the store to a temporary name, or straight to its place in a full
 * build's new tree.
 */
static int
place_file(const struct jy_render_opts *opts, struct site_run *r, struct rn_page *p,
           struct jy_pool *keep, struct jy_pool *pool, struct jy_err *err)
{
    const struct rn_file *f = &r->site->files[p->asset];
    const struct old_file *old = old_find(r, p->path);
    const char *final = jy_pool_printf(pool, "%s/%s", r->dir, p->path);

    p->sha256 = f->sha256;
    p->size = f->size;
    p->written = !(old && strcmp(old->sha256, f->sha256) == 0);
    if (r->full)
        return rn_file_place(opts->file_dir, f, final, NULL, err);
    if (!p->written)
        return JY_OK;
    if (make_parents(r->dir, p->path, err) != JY_OK)
        return JY_ERROR;
    p->tmp = jy_pool_printf(keep, "%s.jytmp", final);
    if (rn_file_place(opts->file_dir, f, p->tmp, final, err) != JY_OK) {
        p->tmp = NULL;
        return JY_ERROR;
    }
    return JY_OK;
}


/* Rendering thread `slot`: take pages of the batch until none is left. */
struct worker_arg {
    struct batch *b;
    int slot; /* its template sets and keep pool */
};

/* Point the page context at site run r (the thread's template sets of its theme). */
static void
ctx_switch(struct rn_page_ctx *x, struct site_run *r, int slot)
{
    if (x->site_json)
        cJSON_Delete(x->site_json);
    x->site_json = NULL;
    x->site = r->site;
    x->theme = r->theme;
    x->plan = &r->plan;
    if (r->te->sets[slot][0] == NULL)
        for (int k = 0; k <= r->theme->nchannels; k++)
            r->te->sets[slot][k] = jy_theme_tpl_set(r->theme, rn_hch_code(r->theme, k));
    memcpy(x->sets, r->te->sets[slot], sizeof(x->sets));
}

static void *
render_worker(void *arg)
{
    struct batch *bt = ((struct worker_arg *) arg)->b;
    int slot = ((struct worker_arg *) arg)->slot;
    struct jy_pool *keep = bt->keep[slot];
    struct jy_pool *pool = jy_pool_create(64 * 1024);
    struct rn_page_ctx x = {0};
    struct site_run *cur = NULL;
    struct jy_err err = JY_ERR_INIT;
    int i;

    while ((i = atomic_fetch_add(&bt->next, 1)) < bt->nwork) {
        struct site_run *r = &bt->v[bt->work[i].run];
        struct rn_page *p = &r->plan.v[bt->work[i].page];
        struct jy_buf b;
        unsigned char h[crypto_hash_sha256_BYTES];
        char hex[crypto_hash_sha256_BYTES * 2 + 1];
        const struct old_file *old;
        int rc = JY_OK;

        if (atomic_load(&r->failed))
            continue;
        if (r != cur) {
            ctx_switch(&x, r, slot);
            cur = r;
        }
        jy_pool_reset(pool);
        x.pool = pool;
        jy_err_clear(&err);
        if (p->kind == RP_FILE) {
            if (place_file(bt->opts, r, p, keep, pool, &err) != JY_OK) {
                run_fail(bt, r, p, &err);
                continue;
            }
            atomic_fetch_add(&r->done, 1);
            atomic_fetch_add(&bt->done, 1);
            continue;
        }
        jy_buf_init(&b, pool, 16384);
        {
            int rc0 = rn_page_render(&x, p, &b, &err);
            if (rc0 == JY_DECLINED) { /* a plugin channel with nothing for this page */
                p->absent = true;
                atomic_fetch_add(&r->done, 1);
                atomic_fetch_add(&bt->done, 1);
                continue;
            }
            if (rc0 != JY_OK) {
                run_fail(bt, r, p, &err);
                continue;
            }
        }
        if (EVP_Digest(b.buf, b.len, h, NULL, EVP_sha256(), NULL) != 1) {
            jy_err_set(&err, JY_E_INTERNAL, "SHA-256 failed");
            run_fail(bt, r, p, &err);
            continue;
        }
        sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
        p->sha256 = jy_pool_strdup(keep, hex);
        p->size = (long long) b.len;
        old = old_find(r, p->path);
        p->written = !(old && strcmp(old->sha256, hex) == 0);
        if (!r->full) {
            /* incremental: into place later, and only what changed */
            if (p->written)
                rc = write_temp(r, p, &b, &p->tmp, keep, &err);
        } else {
            /* a full build writes a tree nobody sees yet: final names at once, in the
             * folders make_plan_dirs() made; an unchanged file of the live tree is linked,
             * not written again */
            const char *to = jy_pool_printf(pool, "%s/%s", r->dir, p->path);
            if (!(r->old_dir && !p->written &&
                  link(jy_pool_printf(pool, "%s/%s", r->old_dir, p->path), to) == 0))
                rc = write_file(to, &b, false, &err);
        }
        if (rc != JY_OK) {
            run_fail(bt, r, p, &err);
            continue;
        }
        atomic_fetch_add(&r->done, 1);
        atomic_fetch_add(&bt->done, 1);
    }
    if (x.site_json)
        cJSON_Delete(x.site_json);
    jy_pool_destroy(pool);
    return NULL;
}


static void
draw_progress(struct batch *b, bool last)
{
    FILE *f = b->opts->progress;
    int done = atomic_load(&b->done);
    double el = mono() - b->started, rate = el > 0 ? done / el : 0;

    if (f == NULL)
        return;
    fprintf(f, "\r  %s%s: %d/%d files, %.0f files/s", b->v[0].site->code, b->n > 1 ? " ..." : "",
            done, b->nwork, rate);
    if (!last && rate > 0)
        fprintf(f, ", %.0f s left  ", (b->nwork - done) / rate);
    else
        fputs("            ", f);
    if (last)
        fputc('\n', f);
    fflush(f);
}


/*
 * Render the pages to render of every site of the batch with the
 * configured threads (the caller's thread is one of them): one queue, so
 * both cores work whether the batch is one large site or many small ones.
 */
static void
render_pages(struct batch *b)
{
    int nt = b->opts->threads > 0 ? b->opts->threads : 2;
    pthread_t th[MAX_THREADS];
    struct worker_arg args[MAX_THREADS];
    int started = 0;

    if (nt > MAX_THREADS)
        nt = MAX_THREADS;
    b->nwork = 0;
    for (int i = 0; i < b->n; i++)
        b->nwork += b->v[i].rendered ? b->v[i].ntodo : 0;
    b->work = jy_pool_new_array(b->pool, struct work, (size_t) b->nwork + 1);
    b->nwork = 0;
    for (int i = 0; i < b->n; i++)
        for (int k = 0; b->v[i].rendered && k < b->v[i].ntodo; k++)
            b->work[b->nwork++] = (struct work){i, b->v[i].todo[k]};
    if (nt > b->nwork)
        nt = b->nwork > 0 ? b->nwork : 1;
    atomic_init(&b->next, 0);
    atomic_init(&b->done, 0);
    b->started = mono();
    for (int t = 0; t < nt; t++) {
        if (b->keep[t] == NULL) {
            b->keep[t] = jy_pool_create(0);
            jy_pool_cleanup_add(b->pool, (jy_pool_cleanup_fn) jy_pool_destroy, b->keep[t]);
        }
        args[t] = (struct worker_arg){b, t};
    }
    for (int t = 1; t < nt; t++) {
        if (pthread_create(&th[t], NULL, render_worker, &args[t]) != 0)
            break;
        started = t;
    }
    if (b->opts->progress && b->nwork > 200) {
        /* the caller's thread draws the progress while the others render */
        while (atomic_load(&b->next) < b->nwork && started > 0) {
            struct timespec ts = {0, 200 * 1000 * 1000};
            draw_progress(b, false);
            nanosleep(&ts, NULL);
        }
    }
    render_worker(&args[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(th[t], NULL);
    if (b->opts->progress && b->nwork > 200)
        draw_progress(b, true);
}


static const char *
page_channel(const struct site_run *r, const struct rn_page *p)
{
    switch (p->kind) {
    case RP_ASSET:
        return "asset";
    case RP_RSS:
        return "rss";
    case RP_SITEMAP_XML:
    case RP_ROBOTS:
        return "sitemap";
    case RP_JSON_SITE:
    case RP_JSON_COLUMN:
    case RP_JSON_ITEM:
        return "json";
    case RP_PLUGIN:
        return "plugin";
    case RP_FILE:
        return "file";
    default:
        return rn_hch_code(r->theme, p->hch);
    }
}


/* True when a sorted array holds one of v[0..n). */
static bool
meets(const long long *sorted, int nsorted, const long long *v, int n)
{
    for (int i = 0; i < n; i++) {
        int lo = 0, hi = nsorted - 1;
        while (lo <= hi) {
            int mid = (lo + hi) / 2;
            if (sorted[mid] == v[i])
                return true;
            if (sorted[mid] < v[i])
                lo = mid + 1;
            else
                hi = mid - 1;
        }
    }
    return false;
}


static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;
    return remove(path);
}


static void
rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}


static long long
resolve_site(struct jy_db *db, struct jy_pool *pool, const char *site, struct jy_err *err)
{
    const char *params[1] = {site};
    const char *v = jy_db_query_value(
        db, pool, "SELECT id FROM site WHERE code = $1 OR id::text = $1 ORDER BY id LIMIT 1", 1,
        params, err);

    if (v == NULL) {
        if (err->code == JY_E_NONE) {
            jy_err_set(err, JY_E_NOT_FOUND, "there is no site \"%s\"", site);
            jy_err_hint(err, "Give a site code (10 characters) or id; `jiyue sites` lists them.");
        }
        return 0;
    }
    return atoll(v);
}


/* COPY rows into table; rows is text in COPY format. */
static int
copy_rows(struct jy_db *db, const char *sql, const struct jy_buf *rows, struct jy_err *err)
{
    if (jy_db_copy_begin(db, sql, err) != JY_OK)
        return JY_ERROR;
    if (rows->len && jy_db_copy_send(db, rows->buf, rows->len, err) != JY_OK) {
        jy_db_copy_end(db, err);
        return JY_ERROR;
    }
    return jy_db_copy_end(db, err);
}


/*
 * Record the sites of the batch that rendered: generations, manifest,
 * dependencies, state, in one transaction left open (one statement per
 * kind for all sites, one COPY per table): the caller puts the files in
 * place and commits, or rolls back when it cannot. Sites that failed are
 * marked (b->mark_failed) in the same transaction.
 */
static int
record_runs(struct jy_db *db, struct batch *b, struct jy_err *err)
{
    struct jy_pool *pool = b->pool;
    struct jy_buf files = JY_BUF_INIT(pool), deps = JY_BUF_INIT(pool);
    struct jy_buf ids = JY_BUF_INIT(pool), fulls = JY_BUF_INIT(pool);
    struct jy_buf gsite = JY_BUF_INIT(pool), failed = JY_BUF_INIT(pool);
    struct jy_buf shas = JY_BUF_INIT(pool), wr = JY_BUF_INIT(pool), rm = JY_BUF_INIT(pool);
    struct jy_buf by = JY_BUF_INIT(pool), gens = JY_BUF_INIT(pool), fullids = JY_BUF_INIT(pool);
    struct jy_db_res *res;
    const char *params[5];
    int nok = 0, nfailed = 0, ngone = 0, nfull = 0;
    bool direct = true; /* every site full: COPY straight into the tables */
    const char **rs = jy_pool_new_array(pool, const char *, (size_t) b->n + 1), **gp;
    int cap = 1;

    for (int i = 0; i < b->n; i++)
        cap += b->v[i].rendered ? b->v[i].nold : 0;
    gp = jy_pool_new_array(pool, const char *, (size_t) cap);

    for (int i = 0; i < b->n; i++) {
        struct site_run *r = &b->v[i];
        if (!r->rendered) {
            if (b->mark_failed)
                jy_buf_addf(&failed, "%s%lld", nfailed++ ? "," : "", r->id);
            continue;
        }
        jy_buf_addf(&ids, "%s%lld", nok ? "," : "", r->id);
        rs[nok] = b->ch && b->ch->reason ? b->ch->reason : (r->full ? "full" : "changes");
        jy_buf_addf(&fulls, "%s%s", nok ? "," : "", r->full ? "t" : "f");
        jy_buf_add_str(&shas, nok ? "," : "");
        jy_buf_add_str(&shas, r->theme->sha256);
        nok++;
        if (r->full)
            jy_buf_addf(&fullids, "%s%lld", nfull++ ? "," : "", r->id);
        else
            direct = false;
        for (int k = 0; !r->full && k < r->nold; k++)
            if (!r->old[k].kept) {
                jy_buf_addf(&gsite, "%s%lld", ngone ? "," : "", r->id);
                gp[ngone++] = r->old[k].path;
            }
    }
    if (nok == 0 && nfailed == 0)
        return JY_OK;
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    b->in_tx = true;
    /* A crash may lose the last runs' records, never files: the changes they handled
     * are deleted in a later commit, so they are rendered again. */
    if (jy_db_exec(db, "SET LOCAL synchronous_commit = off", err) != JY_OK)
        goto fail;
    if (nfailed) {
        params[0] = jy_pool_printf(pool, "{%s}", failed.buf);
        if (!jy_db_query(db, pool,
                         "UPDATE render_site_state SET theme_sha = 'failed' "
                         "WHERE site_id = ANY ($1::bigint[])",
                         1, params, err))
            goto fail;
    }
    if (nok == 0)
        return JY_OK;
    params[0] = jy_pool_printf(pool, "{%s}", ids.buf);
    params[1] = jy_db_texts_literal(pool, rs, nok);
    params[2] = jy_pool_printf(pool, "{%s}", fulls.buf);
    res = jy_db_query(db, pool,
                      "INSERT INTO render_generation (site_id, reason, full_build) "
                      "SELECT * FROM unnest($1::bigint[], $2::text[], $3::boolean[]) "
                      "RETURNING site_id, id",
                      3, params, err);
    if (res == NULL)
        goto fail;
    for (int row = 0; row < jy_db_res_rows(res); row++) {
        long long sid = atoll(jy_db_res_get(res, row, 0));
        for (int i = 0; i < b->n; i++)
            if (b->v[i].rendered && b->v[i].id == sid)
                b->v[i].gen = jy_pool_strdup(pool, jy_db_res_get(res, row, 1));
    }
    for (int i = 0; i < b->n; i++) {
        struct site_run *r = &b->v[i];
        char sid[32];
        if (!r->rendered)
            continue;
        snprintf(sid, sizeof(sid), "%lld", r->id);
        for (int k = 0; k < r->plan.n; k++) {
            const struct rn_page *p = &r->plan.v[k];
            if (!p->dirty || p->absent)
                continue;
            if (r->full || p->written)
                jy_buf_addf(&files, "%s\t%s\t%s\t%lld\t%s\t%s\t%s\n", sid, p->path,
                            page_channel(r, p), p->size, p->sha256,
                            p->kind == RP_ASSET || p->kind == RP_FILE ? "t" : "f", r->gen);
            jy_buf_addf(&deps, "%s\t%s\t%s\t%s\t%s\n", sid, p->path, p->desc,
                        jy_db_ids_literal(pool, p->deps_items, p->ndeps_items),
                        jy_db_ids_literal(pool, p->deps_cols, p->ndeps_cols));
        }
        jy_buf_addf(&gens, "%s%s", gens.len ? "," : "", r->gen);
        jy_buf_addf(&wr, "%s%lld", wr.len ? "," : "", r->written);
        jy_buf_addf(&rm, "%s%lld", rm.len ? "," : "", r->removed);
        jy_buf_addf(&by, "%s%lld", by.len ? "," : "", r->bytes);
    }
    if (nfull) {
        params[0] = jy_pool_printf(pool, "{%s}", fullids.buf);
        if (!jy_db_query(db, pool, "DELETE FROM render_file WHERE site_id = ANY ($1::bigint[])", 1,
                         params, err) ||
            !jy_db_query(db, pool, "DELETE FROM render_dep WHERE site_id = ANY ($1::bigint[])", 1,
                         params, err))
            goto fail;
    }
    if (ngone) {
        params[0] = jy_pool_printf(pool, "{%s}", gsite.buf);
        params[1] = jy_db_texts_literal(pool, gp, ngone);
        if (!jy_db_query(db, pool,
                         "DELETE FROM render_file f USING unnest($1::bigint[], $2::text[]) g "
                         "(site_id, path) WHERE f.site_id = g.site_id AND f.path = g.path",
                         2, params, err) ||
            !jy_db_query(db, pool,
                         "DELETE FROM render_dep f USING unnest($1::bigint[], $2::text[]) g "
                         "(site_id, path) WHERE f.site_id = g.site_id AND f.path = g.path",
                         2, params, err))
            goto fail;
    }
    if (direct) {
        if (copy_rows(db,
                      "COPY render_file (site_id, path, channel, size, sha256, is_asset, "
                      "generation) FROM STDIN",
                      &files, err) != JY_OK ||
            copy_rows(db, "COPY render_dep (site_id, path, page, items, columns) FROM STDIN", &deps,
                      err) != JY_OK)
            goto fail;
    } else if (jy_db_exec(db,
                          "CREATE TEMP TABLE IF NOT EXISTS rn_file (LIKE render_file INCLUDING "
                          "DEFAULTS) ON COMMIT DELETE ROWS; CREATE TEMP TABLE IF NOT EXISTS "
                          "rn_dep (LIKE render_dep) ON COMMIT DELETE ROWS",
                          err) != JY_OK ||
               copy_rows(db,
                         "COPY rn_file (site_id, path, channel, size, sha256, is_asset, "
                         "generation) FROM STDIN",
                         &files, err) != JY_OK ||
               copy_rows(db, "COPY rn_dep (site_id, path, page, items, columns) FROM STDIN", &deps,
                         err) != JY_OK ||
               jy_db_exec(db,
                          "INSERT INTO render_file (site_id, path, channel, size, sha256, "
                          "is_asset, generation) SELECT site_id, path, channel, size, sha256, "
                          "is_asset, generation FROM rn_file ON CONFLICT (site_id, path) DO "
                          "UPDATE SET channel = EXCLUDED.channel, size = EXCLUDED.size, sha256 = "
                          "EXCLUDED.sha256, is_asset = EXCLUDED.is_asset, generation = "
                          "EXCLUDED.generation, updated_at = now(); "
                          "INSERT INTO render_dep SELECT * FROM rn_dep ON CONFLICT (site_id, path) "
                          "DO UPDATE SET page = EXCLUDED.page, items = EXCLUDED.items, columns = "
                          "EXCLUDED.columns",
                          err) != JY_OK) {
        goto fail;
    }
    params[0] = jy_pool_printf(pool, "{%s}", ids.buf);
    params[1] = jy_pool_printf(pool, "{%s}", shas.buf);
    if (!jy_db_query(db, pool,
                     "INSERT INTO render_site_state (site_id, theme_sha) "
                     "SELECT * FROM unnest($1::bigint[], $2::text[]) "
                     "ON CONFLICT (site_id) DO UPDATE SET theme_sha = EXCLUDED.theme_sha, "
                     "rendered_at = now()",
                     2, params, err))
        goto fail;
    params[0] = jy_pool_printf(pool, "{%s}", gens.buf);
    params[1] = jy_pool_printf(pool, "{%s}", wr.buf);
    params[2] = jy_pool_printf(pool, "{%s}", rm.buf);
    params[3] = jy_pool_printf(pool, "{%s}", by.buf);
    if (!jy_db_query(
            db, pool,
            "WITH g AS (UPDATE render_generation g SET finished_at = clock_timestamp(), "
            "written = u.w, removed = u.rm, bytes = u.b "
            "FROM unnest($1::bigint[], $2::int[], $3::int[], $4::bigint[]) u (id, w, rm, b) "
            "WHERE g.id = u.id RETURNING g.id, g.site_id) "
            "SELECT pg_notify('jy_render', g.site_id || ' ' || g.id) FROM g",
            4, params, err))
        goto fail;
    return JY_OK; /* the caller commits once the files are in place */
fail:
    jy_db_rollback(db);
    b->in_tx = false;
    return JY_ERROR;
}


/* Pages that are slices of one list share a key: when one changes, the others may shift. */
static int
list_key(const struct rn_site *s, const struct rn_page *p)
{
    switch (p->kind) {
    case RP_COLUMN:
    case RP_JSON_COLUMN:
    case RP_RSS:
        return p->col;
    case RP_TAG:
        return s->ncols + p->tag;
    case RP_TOPIC_SECTION:
        return s->ncols + s->ntags + p->tag;
    default:
        return -1;
    }
}


static int
cmp_plan_path(const void *a, const void *b)
{
    return strcmp(((const struct rn_page *) a)->path, ((const struct rn_page *) b)->path);
}


/* Every path safe and used once: a column code must not take a path the renderer uses. */
static int
check_plan(struct jy_pool *pool, const struct rn_site *s, struct rn_plan *plan, struct jy_err *err)
{
    struct rn_page *sorted = jy_pool_new_array(pool, struct rn_page, (size_t) plan->n + 1);

    for (int i = 0; i < plan->n; i++)
        if (!jy_render_path_ok(plan->v[i].path)) {
            jy_err_set(err, JY_E_INVALID, "site %s: output path \"%s\" (%s) is not allowed",
                       s->code, plan->v[i].path, plan->v[i].desc);
            jy_err_hint(err, "Paths are relative, ASCII letters, digits and ._~- only.");
            return JY_ERROR;
        }
    memcpy(sorted, plan->v, sizeof(*sorted) * (size_t) plan->n);
    qsort(sorted, (size_t) plan->n, sizeof(*sorted), cmp_plan_path);
    for (int i = 1; i < plan->n; i++)
        if (strcmp(sorted[i].path, sorted[i - 1].path) == 0) {
            jy_err_set(err, JY_E_CONFLICT, "site %s: \"%s\" would be written twice: %s, and %s",
                       s->code, sorted[i].path, sorted[i - 1].desc, sorted[i].desc);
            jy_err_hint(err, "Rename the column whose code takes a name the renderer uses "
                             "(elder, api, assets, search, wzdt).");
            return JY_ERROR;
        }
    return JY_OK;
}


static struct theme_entry *theme_get_locked(struct run_cache *c, const struct jy_render_opts *opts,
                                            const char *name, struct jy_err *err);

static struct theme_entry *
theme_get(struct run_cache *c, const struct jy_render_opts *opts, const char *name,
          struct jy_err *err)
{
    struct theme_entry *te;

    pthread_mutex_lock(&c->lock);
    te = theme_get_locked(c, opts, name, err);
    pthread_mutex_unlock(&c->lock);
    return te;
}


static struct theme_entry *
theme_get_locked(struct run_cache *c, const struct jy_render_opts *opts, const char *name,
                 struct jy_err *err)
{
    const struct jy_theme *t;

    for (int i = 0; i < c->nthemes; i++)
        if (strcmp(c->themes[i].theme->name, name) == 0)
            return &c->themes[i];
    if (c->nthemes == (int) (sizeof(c->themes) / sizeof(c->themes[0]))) {
        jy_err_set(err, JY_E_INVALID, "more than %d themes in one run", c->nthemes);
        return NULL;
    }
    if ((t = jy_theme_open(c->pool, opts->share_dir, name, html_channels, 1, err)) == NULL)
        return NULL;
    c->themes[c->nthemes].theme = t;
    return &c->themes[c->nthemes++];
}


static struct run_cache *
cache_create(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct run_cache *c = jy_pool_new(pool, struct run_cache);
    c->pool = pool;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}


static void
cache_destroy(struct run_cache *c)
{
    for (int i = 0; i < c->nthemes; i++)
        for (int t = 0; t < MAX_THREADS; t++)
            for (int k = 0; k < RN_MAX_HCH; k++)
                jy_tpl_set_destroy(c->themes[i].sets[t][k]);
    pthread_mutex_destroy(&c->lock);
    jy_pool_destroy(c->pool);
}


/* Throw away what a failed run wrote: its new tree, or its temporary files. */
static void
discard_run(struct site_run *r)
{
    if (r->full) {
        rm_tree(r->dir);
        return;
    }
    for (int i = 0; i < r->plan.n; i++)
        if (r->plan.v[i].tmp) {
            unlink(r->plan.v[i].tmp);
            r->plan.v[i].tmp = NULL;
        }
}


/*
 * Read what the batch needs before planning: the snapshots, the manifest
 * of each site's last run (sorted by path), the theme each was rendered
 * with, and, with changes, the files that showed a changed item or hung on
 * a changed column (GIN index scans of render_dep): one statement each
 * for the whole batch.
 */
static int
batch_read(struct jy_db *db, struct batch *b, struct jy_err *err)
{
    struct jy_pool *pool = b->pool;
    long long *ids = jy_pool_new_array(pool, long long, (size_t) b->n + 1);
    struct rn_site **sites = jy_pool_new_array(pool, struct rn_site *, (size_t) b->n + 1);
    struct jy_err *errs = jy_pool_new_array(pool, struct jy_err, (size_t) b->n + 1);
    const char *params[3];
    struct jy_db_res *res;
    int *count;

    for (int i = 0; i < b->n; i++)
        ids[i] = b->v[i].id;
    if (rn_sites_load(db, pool, ids, b->n, sites, errs, err) != JY_OK)
        return JY_ERROR;
    for (int i = 0; i < b->n; i++) {
        b->v[i].site = sites[i];
        if (sites[i] == NULL) {
            b->v[i].err = errs[i];
            atomic_store(&b->v[i].failed, 1);
        }
    }
    params[0] = jy_db_ids_literal(pool, ids, b->n);
    res = jy_db_query(db, pool,
                      "SELECT site_id, theme_sha FROM render_site_state "
                      "WHERE site_id = ANY ($1::bigint[])",
                      1, params, err);
    if (res == NULL)
        return JY_ERROR;
    for (int row = 0; row < jy_db_res_rows(res); row++)
        for (int i = 0; i < b->n; i++)
            if (b->v[i].id == atoll(jy_db_res_get(res, row, 0)))
                b->v[i].state_sha = jy_pool_strdup(pool, jy_db_res_get(res, row, 1));
    res = jy_db_query(db, pool,
                      "SELECT site_id, path, sha256 FROM render_file "
                      "WHERE site_id = ANY ($1::bigint[]) ORDER BY site_id",
                      1, params, err);
    if (res == NULL)
        return JY_ERROR;
    count = jy_pool_new_array(pool, int, (size_t) b->n + 1);
    for (int pass = 0; pass < 2; pass++) {
        int i = 0;
        for (int row = 0; row < jy_db_res_rows(res); row++) {
            long long sid = atoll(jy_db_res_get(res, row, 0));
            struct site_run *r;
            if (b->v[i].id != sid)
                for (i = 0; i < b->n && b->v[i].id != sid; i++)
                    ;
            if (i == b->n) {
                i = 0;
                continue;
            }
            r = &b->v[i];
            if (pass == 0) {
                count[i]++;
                continue;
            }
            r->old[r->nold].path = jy_db_res_get(res, row, 1);
            r->old[r->nold].sha256 = jy_db_res_get(res, row, 2);
            r->nold++;
        }
        for (int k = 0; pass == 0 && k < b->n; k++)
            b->v[k].old = jy_pool_new_array(pool, struct old_file, (size_t) count[k] + 1);
    }
    for (int i = 0; i < b->n; i++)
        qsort(b->v[i].old, (size_t) b->v[i].nold, sizeof(struct old_file), cmp_old);
    if (b->ch == NULL || (b->ch->nitems == 0 && b->ch->ncols == 0))
        return JY_OK;
    params[1] = jy_db_ids_literal(pool, b->ch->items, b->ch->nitems);
    params[2] = jy_db_ids_literal(pool, b->ch->cols, b->ch->ncols);
    res = jy_db_query(
        db, pool,
        "SELECT site_id, path, items FROM render_dep WHERE site_id = ANY ($1::bigint[]) "
        "AND (items && $2::bigint[] OR columns && $3::bigint[])",
        3, params, err);
    if (res == NULL)
        return JY_ERROR;
    for (int row = 0; row < jy_db_res_rows(res); row++) {
        long long sid = atoll(jy_db_res_get(res, row, 0));
        for (int i = 0; i < b->n; i++)
            if (b->v[i].id == sid) {
                struct old_file *o = old_find(&b->v[i], jy_db_res_get(res, row, 1));
                if (o) {
                    o->touched = true;
                    o->items = jy_db_res_get(res, row, 2);
                }
            }
    }
    return JY_OK;
}


/*
 * Plan site run r and decide what to render (no database): everything in
 * a full run, after a change of the site itself or of its theme;
 * otherwise a file that is new, that showed a changed item or hung on a
 * changed column before, or that does now; and then every slice of a list
 * one of whose slices shows other items than before, as an item coming or
 * going shifts the pages after it. (A slice that shows the same items in
 * the same order, such as the page of an item whose title was edited,
 * shifts nothing: the other slices stay as they are.)
 */
static int
site_prepare(struct batch *b, struct site_run *r, struct jy_err *err)
{
    const struct jy_render_opts *opts = b->opts;
    const struct changes *ch = b->ch;
    struct jy_pool *pool = b->pool;
    struct rn_plan *plan = &r->plan;
    char livereal[4096];
    struct stat st;
    bool all, *shifted;

    r->t0 = mono();
    if ((r->te = theme_get(b->cache, opts, r->site->theme, err)) == NULL) {
        jy_err_prefix(err, "site %s", r->site->code);
        return JY_ERROR;
    }
    r->theme = r->te->theme;
    rn_plan_site(pool, r->site, r->theme, opts->only_channel, plan);
    if (check_plan(pool, r->site, plan, err) != JY_OK)
        return JY_ERROR;
    r->live = jy_pool_printf(pool, "%s/%s", opts->output_dir, r->site->code);
    r->full = opts->full || ch == NULL || r->state_sha == NULL ||
              realpath(r->live, livereal) == NULL || lstat(r->live, &st) != 0 ||
              !S_ISLNK(st.st_mode);
    if (!r->full)
        r->dir = jy_pool_strdup(pool, livereal);
    r->todo = jy_pool_new_array(pool, int, (size_t) plan->n + 1);
    r->need = jy_pool_new_array(pool, bool, (size_t) r->site->nitems + 1);
    all = r->full || r->everything || strcmp(r->state_sha, r->theme->sha256) != 0;
    shifted = jy_pool_new_array(
        pool, bool, (size_t) (r->site->ncols + r->site->ntags + r->site->nsections) + 1);
    for (int i = 0; i < plan->n; i++) {
        struct rn_page *p = &plan->v[i];
        struct old_file *old = old_find(r, p->path);
        if (old)
            old->kept = true;
        p->dirty = all || old == NULL || old->touched ||
                   meets(ch->items, ch->nitems, p->deps_items, p->ndeps_items) ||
                   meets(ch->cols, ch->ncols, p->deps_cols, p->ndeps_cols);
        if (p->dirty && list_key(r->site, p) >= 0 &&
            !(old && old->items && !all &&
              strcmp(old->items, jy_db_ids_literal(pool, p->deps_items, p->ndeps_items)) == 0))
            shifted[list_key(r->site, p)] = true;
    }
    for (int i = 0; i < plan->n; i++) {
        struct rn_page *p = &plan->v[i];
        if (!p->dirty && list_key(r->site, p) >= 0 && shifted[list_key(r->site, p)])
            p->dirty = true;
        if (p->dirty) {
            r->todo[r->ntodo++] = i;
            if (p->kind == RP_ITEM || p->kind == RP_JSON_ITEM)
                r->need[p->item] = true;
        }
    }
    if (r->full)
        for (int i = 0; i < r->nold; i++)
            r->old[i].kept = true; /* the new tree simply lacks them */
    return JY_OK;
}


/* Where site run r writes: the live tree, or a new tree beside it (full build). */
static int
site_place(struct batch *b, struct site_run *r, struct jy_err *err)
{
    struct jy_pool *pool = b->pool;

    for (int i = 0; i < r->plan.n; i++)
        if (r->plan.v[i].dirty &&
            (r->plan.v[i].kind == RP_ITEM || r->plan.v[i].kind == RP_JSON_ITEM) &&
            r->site->items[r->plan.v[i].item].full == NULL) {
            jy_err_set(err, JY_E_CONFLICT, "item %lld changed while site %s was read",
                       r->site->items[r->plan.v[i].item].id, r->site->code);
            jy_err_hint(err, "Run the render again.");
            return JY_ERROR;
        }
    r->t_planned = mono();
    if (r->full) {
        struct timespec ts;
        struct stat st;
        char livereal[4096];
        clock_gettime(CLOCK_REALTIME, &ts);
        r->dir = jy_pool_printf(pool, "%s/%s.%lld%09ld", b->builds, r->site->code,
                                (long long) ts.tv_sec, ts.tv_nsec);
        if (mkdir(r->dir, 0755) != 0) {
            jy_err_errno(err, errno, "could not create folder \"%s\"", r->dir);
            return JY_ERROR;
        }
        if (lstat(r->live, &st) == 0 && !S_ISLNK(st.st_mode)) {
            jy_err_set(err, JY_E_CONFLICT,
                       "\"%s\" is a folder, not the link to the live tree Jiyue keeps there",
                       r->live);
            jy_err_hint(err, "Move it away; Jiyue writes each build under %s and links it.",
                        b->builds);
            rm_tree(r->dir);
            return JY_ERROR;
        }
        if (realpath(r->live, livereal) != NULL)
            r->old_dir = jy_pool_strdup(pool, livereal);
        if (make_plan_dirs(r, pool, err) != JY_OK) {
            rm_tree(r->dir);
            return JY_ERROR;
        }
    }
    return JY_OK;
}


/* Put the files of site run r in place (before the commit). */
static int
site_finish(struct batch *b, struct site_run *r, struct jy_err *err)
{
    struct jy_pool *pool = b->pool;

    for (int i = 0; i < r->plan.n; i++) {
        struct rn_page *p = &r->plan.v[i];
        if (p->tmp && rename(p->tmp, jy_pool_printf(pool, "%s/%s", r->dir, p->path)) != 0) {
            jy_err_errno(err, errno, "could not rename \"%s\" into place", p->tmp);
            return JY_ERROR;
        }
        p->tmp = NULL;
    }
    if (r->full) {
        const char *lnk = jy_pool_printf(pool, "%s/.%s.link", b->opts->output_dir, r->site->code);
        const char *target = jy_pool_printf(pool, ".builds/%s", strrchr(r->dir, '/') + 1);
        unlink(lnk);
        if (symlink(target, lnk) != 0 || rename(lnk, r->live) != 0) {
            jy_err_errno(err, errno, "could not switch \"%s\" to the new build", r->live);
            return JY_ERROR;
        }
    }
    return JY_OK;
}


static void
batch_fail(struct site_run *r, const struct jy_err *e)
{
    if (atomic_fetch_add(&r->failed, 1) == 0)
        r->err = *e;
}


/*
 * Stage 1 of a batch, on a connection of its own (the pipeline reads batch
 * k+1 while batch k renders and records): snapshots, plans, full texts,
 * the folders of new trees. A site that cannot be planned is marked
 * failed; JY_ERROR when the database fails.
 */
static int
batch_load(struct jy_db *db, struct batch *b, struct jy_err *err)
{
    struct rn_site **sites = jy_pool_new_array(b->pool, struct rn_site *, (size_t) b->n + 1);
    bool **needs = jy_pool_new_array(b->pool, bool *, (size_t) b->n + 1);
    double t0 = mono(), t_read;

    if (batch_read(db, b, err) != JY_OK)
        return JY_ERROR;
    t_read = mono();
    for (int i = 0; i < b->n; i++) {
        struct site_run *r = &b->v[i];
        struct jy_err e = JY_ERR_INIT;
        if (atomic_load(&r->failed))
            continue;
        if (site_prepare(b, r, &e) != JY_OK) {
            batch_fail(r, &e);
            continue;
        }
        sites[i] = r->site;
        needs[i] = r->need;
    }
    b->ms_read = (t_read - t0) * 1000;
    b->ms_plan = (mono() - t_read) * 1000;
    if (rn_sites_load_full(db, b->pool, sites, needs, b->n, err) != JY_OK)
        return JY_ERROR;
    b->plan_seconds = mono() - t0;
    {
        const char *builds = jy_pool_printf(b->pool, "%s/.builds", b->opts->output_dir);
        char real[4096];
        if (make_dir(builds, err) != JY_OK)
            return JY_ERROR;
        if (realpath(builds, real) == NULL) {
            jy_err_errno(err, errno, "could not resolve \"%s\"", builds);
            return JY_ERROR;
        }
        b->builds = jy_pool_strdup(b->pool, real);
    }
    for (int i = 0; i < b->n; i++) {
        struct site_run *r = &b->v[i];
        struct jy_err e = JY_ERR_INIT;
        if (atomic_load(&r->failed))
            continue;
        if (site_place(b, r, &e) != JY_OK)
            batch_fail(r, &e);
        else
            r->rendered = true;
    }
    return JY_OK;
}


/*
 * Stages 2 and 3 of a batch: render its pages, then record the sites that
 * rendered and put their files in place (one transaction). A site that
 * fails leaves its live files and records as they were and does not stop
 * the others; the caller reads each run's outcome (rendered, err).
 * JY_ERROR only when the batch as a whole failed (database, recording).
 */
static int
batch_finish(struct jy_db *db, struct batch *b, struct jy_render_stats *stats, struct jy_err *err)
{
    double t0 = mono(), t_rendered, t_recorded, t_placed, t_committed;

    render_pages(b);
    t_rendered = mono();
    for (int i = 0; i < b->n; i++) {
        struct site_run *r = &b->v[i];
        if (!r->rendered)
            continue;
        r->t_rendered = t_rendered;
        if (atomic_load(&r->failed)) {
            r->rendered = false;
            discard_run(r); /* nothing of this run becomes visible */
            continue;
        }
        for (int k = 0; k < r->plan.n; k++) {
            const struct rn_page *p = &r->plan.v[k];
            if (p->absent) {
                struct old_file *o = old_find(r, p->path);
                if (o && !r->full)
                    o->kept = false; /* it had a file before: it goes */
                continue;
            }
            if (p->dirty) {
                r->bytes += p->size;
                r->written += p->written;
            }
        }
        for (int k = 0; k < r->nold; k++)
            r->removed += !r->old[k].kept;
    }
    for (int i = 0; i < b->n; i++)
        if (atomic_load(&b->v[i].failed))
            jy_log_error("render", "%s", b->v[i].err.msg);
    if (record_runs(db, b, err) != JY_OK)
        goto discard;
    t_recorded = mono();
    /* into place, then commit: a manifest row never names a file not in place */
    for (int i = 0; i < b->n; i++)
        if (b->v[i].rendered && site_finish(b, &b->v[i], err) != JY_OK) {
            jy_db_rollback(db);
            b->in_tx = false;
            goto discard;
        }
    t_placed = mono();
    if (b->in_tx && jy_db_commit(db, err) != JY_OK) {
        jy_err_prefix(err, "the files are in place but the manifest was not recorded "
                           "(the next run records them)");
        return JY_ERROR;
    }
    t_committed = mono();
    /* what no longer exists goes after the manifest says so */
    for (int i = 0; i < b->n; i++) {
        struct site_run *r = &b->v[i];
        if (!r->rendered)
            continue;
        if (r->full && r->old_dir && strncmp(r->old_dir, b->builds, strlen(b->builds)) == 0)
            rm_tree(r->old_dir); /* an old tree outside .builds is not ours to remove */
        for (int k = 0; k < r->nold && !r->full; k++)
            if (!r->old[k].kept)
                unlink(jy_pool_printf(b->pool, "%s/%s", r->dir, r->old[k].path));
        stats->sites++;
        stats->pages += r->ntodo;
        stats->written += r->written;
        stats->unchanged += r->ntodo - r->written;
        stats->removed += r->removed;
        stats->bytes += r->bytes;
        jy_log_info("render", "site=%s full=%d rendered=%d written=%lld removed=%lld",
                    r->site->code, r->full, r->ntodo, r->written, r->removed);
    }
    stats->plan_seconds += b->plan_seconds;
    jy_log_info("render",
                "batch sites=%d files=%d read_ms=%.1f plan_ms=%.1f full_ms=%.1f render_ms=%.1f "
                "record_ms=%.1f place_ms=%.1f commit_ms=%.1f clean_ms=%.1f",
                b->n, b->nwork, b->ms_read, b->ms_plan,
                b->plan_seconds * 1000 - b->ms_read - b->ms_plan, (t_rendered - t0) * 1000,
                (t_recorded - t_rendered) * 1000, (t_placed - t_recorded) * 1000,
                (t_committed - t_placed) * 1000, (mono() - t_committed) * 1000);
    return JY_OK;
discard:
    for (int i = 0; i < b->n; i++)
        if (b->v[i].rendered) {
            discard_run(&b->v[i]);
            b->v[i].rendered = false;
        }
    return JY_ERROR;
}


/* Throw away the new trees a loaded batch made and will not render. */
static void
batch_drop(struct batch *b)
{
    for (int i = 0; i < b->n; i++)
        if (b->v[i].rendered) {
            discard_run(&b->v[i]);
            b->v[i].rendered = false;
        }
}


/* A batch over ids[0..n) in pool. */
static struct batch *
batch_create(struct jy_pool *pool, const struct jy_render_opts *opts, struct run_cache *cache,
             const long long *ids, int n, const struct changes *ch)
{
    struct batch *b = jy_pool_new(pool, struct batch);

    b->opts = opts;
    b->cache = cache;
    b->pool = pool;
    b->ch = ch;
    b->n = n;
    b->v = jy_pool_new_array(pool, struct site_run, (size_t) n + 1);
    for (int i = 0; i < n; i++) {
        b->v[i].id = ids[i];
        b->v[i].everything = ch == NULL || ch->everything;
        atomic_init(&b->v[i].done, 0);
        atomic_init(&b->v[i].failed, 0);
    }
    return b;
}


/* A loader of a pipeline: reads and plans one batch on its connection. */
struct loader {
    struct jy_db *db;
    struct batch *b;
    int rc;
    struct jy_err err;
};

static void *
loader_main(void *arg)
{
    struct loader *l = arg;

    l->rc = batch_load(l->db, l->b, &l->err);
    return NULL;
}


/* What a pipeline renders and how it reports. */
struct pipeline {
    const struct jy_render_opts *opts;
    struct run_cache *cache;
    const long long *ids;
    int n;
    int size;                 /* sites per batch */
    const struct changes *ch; /* NULL: full builds */
    const long long *changed; /* sites that changed themselves (sorted): every page */
    int nchanged;
    bool stop_on_failure; /* full builds: no batch after one with a failed site */
    int failed;           /* sites that failed */
    struct jy_err first;  /* the first of them */
};

static struct batch *
pipeline_batch(struct pipeline *pl, int from)
{
    int m = pl->n - from < pl->size ? pl->n - from : pl->size;
    struct jy_pool *pool = jy_pool_create(256 * 1024);
    struct batch *b = batch_create(pool, pl->opts, pl->cache, pl->ids + from, m, pl->ch);

    b->mark_failed = pl->ch != NULL;
    for (int i = 0; pl->ch && i < m; i++)
        b->v[i].everything = meets(pl->changed, pl->nchanged, &b->v[i].id, 1);
    return b;
}


#define LOADERS 2 /* loader threads (and connections) of a pipeline */

/*
 * Render the sites of pl in batches, pipelined: while this thread renders
 * batch k and records it on db, loader threads read and plan the next
 * batches on connections of their own (LOADERS of them, each reading one
 * batch at a time, so the database reads on both cores), and the
 * database's reading, the rendering threads and the database's recording
 * overlap. Batches are rendered and recorded in order. Without a second
 * connection the batches run one after the other.
 */
static int
render_pipeline(struct jy_db *db, struct pipeline *pl, struct jy_render_stats *stats,
                struct jy_err *err)
{
    int nb = (pl->n + pl->size - 1) / pl->size, nl = 0, rc = JY_OK;
    struct jy_db *ldb[LOADERS];
    struct jy_pool *pool = jy_pool_create(0);
    struct loader *l = jy_pool_new_array(pool, struct loader, (size_t) nb + 1);
    pthread_t *th = jy_pool_new_array(pool, pthread_t, (size_t) nb + 1);
    bool *threaded = jy_pool_new_array(pool, bool, (size_t) nb + 1);

    for (; nl < LOADERS && nl < nb - 1; nl++) {
        struct jy_err e = JY_ERR_INIT;
        ldb[nl] = jy_db_connect(jy_db_conninfo(db), &e);
        if (ldb[nl] == NULL ||
            jy_db_exec(ldb[nl], "SET jit = off; SET work_mem = '64MB'", &e) != JY_OK) {
            jy_log_warn("render", "fewer loader connections: %s", e.msg);
            if (ldb[nl])
                jy_db_close(ldb[nl]);
            break;
        }
    }
    for (int k = 0; k < nb; k++) {
        l[k].b = pipeline_batch(pl, k * pl->size);
        l[k].rc = JY_OK;
        l[k].err = (struct jy_err) JY_ERR_INIT;
        l[k].db = nl ? ldb[k % nl] : db;
    }
    /* the first batches, one per loader */
    for (int k = 0; k < nl && k < nb; k++)
        threaded[k] = pthread_create(&th[k], NULL, loader_main, &l[k]) == 0;
    for (int k = 0; k < nb; k++) {
        int before = pl->failed;
        if (threaded[k])
            pthread_join(th[k], NULL);
        else if (rc == JY_OK)
            loader_main(&l[k]);
        else
            l[k].rc = JY_ERROR;
        /* its loader is free: on to the batch it reads next */
        if (nl && k + nl < nb && rc == JY_OK)
            threaded[k + nl] = pthread_create(&th[k + nl], NULL, loader_main, &l[k + nl]) == 0;
        if (rc == JY_OK && l[k].rc != JY_OK) {
            *err = l[k].err;
            rc = JY_ERROR;
        }
        if (rc == JY_OK) {
            rc = batch_finish(db, l[k].b, stats, err);
            for (int i = 0; i < l[k].b->n; i++)
                if (atomic_load(&l[k].b->v[i].failed) && pl->failed++ == 0)
                    pl->first = l[k].b->v[i].err;
            if (pl->stop_on_failure && pl->failed > before)
                rc = JY_DONE; /* no further batch */
        } else {
            batch_drop(l[k].b);
        }
        jy_pool_destroy(l[k].b->pool);
    }
    for (int k = 0; k < nl; k++)
        jy_db_close(ldb[k]);
    jy_pool_destroy(pool);
    return rc == JY_DONE ? JY_OK : rc;
}


static int
lock_renderer(struct jy_db *db, bool lock, struct jy_err *err)
{
    /*
     * The renderer's statements read thousands of rows at once: no JIT (the
     * items statement paid 20 ms of compiling for 100 ms of work), and room
     * to sort the lists of a batch in memory. For the session: the
     * connection is the renderer's (CLI or daemon thread).
     */
    return jy_db_exec(db,
                      lock ? "SELECT pg_advisory_lock(" RENDER_LOCK_KEY "); SET jit = off; "
                             "SET work_mem = '64MB'"
                           : "SELECT pg_advisory_unlock(" RENDER_LOCK_KEY ")",
                      err);
}


int
jy_render_site(struct jy_db *db, const struct jy_render_opts *opts, const char *site,
               struct jy_render_stats *stats, struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    double t0 = mono();
    long long id = resolve_site(db, pool, site, err);
    struct run_cache *cache = cache_create();
    int rc = JY_ERROR;

    if (id && lock_renderer(db, true, err) == JY_OK) {
        struct jy_render_opts o = *opts;
        struct pipeline pl = {.opts = &o, .cache = cache, .ids = &id, .n = 1, .size = 1};
        o.full = true;
        rc = render_pipeline(db, &pl, stats, err);
        if (rc == JY_OK && pl.failed) {
            *err = pl.first;
            rc = JY_ERROR;
        }
        lock_renderer(db, false, err);
    }
    stats->seconds += mono() - t0;
    cache_destroy(cache);
    jy_pool_destroy(pool);
    return rc;
}


/*
 * <output_dir>/redirects.map: every live redirect of a closed or moved
 * site, for nginx to include in a map on "$host$uri" and answer 301
 * (docs/operations.md). Exact old URLs first; a closed site's host as a
 * whole ("site" redirects of "/") maps by a regular expression nginx
 * tries after them. Written to a temporary name and renamed.
 */
static int
write_redirect_map(struct jy_db *db, struct jy_pool *pool, const char *output_dir,
                   struct jy_err *err)
{
    struct jy_db_res *r = jy_db_query(db, pool,
                                      "SELECT kind, old_host, old_path, new_url FROM site_redirect "
                                      "WHERE retired_at IS NULL ORDER BY old_host, old_path",
                                      0, NULL, err);
    struct jy_buf b = JY_BUF_INIT(pool);
    const char *path, *tmp;
    FILE *f;

    if (r == NULL)
        return JY_ERROR;
    jy_buf_add_str(&b, "# written by jiyue render: old URL -> new URL (include in an nginx map "
                       "on $host$uri)\n");
    for (int i = 0; i < jy_db_res_rows(r); i++) {
        const char *kind = jy_db_res_get(r, i, 0), *host = jy_db_res_get(r, i, 1);
        const char *old = jy_db_res_get(r, i, 2), *url = jy_db_res_get(r, i, 3);
        /* the values were checked on the way in (no blanks); quotes keep nginx's parser
         * out of anything else */
        if (strchr(old, '"') || strchr(url, '"') || strchr(old, '\\') || strchr(url, '\\'))
            continue;
        jy_buf_addf(&b, "\"%s%s\" \"%s\";\n", host, old, url);
        if (strcmp(kind, "site") == 0 && strcmp(old, "/") == 0) {
            jy_buf_add_str(&b, "\"~^");
            for (const char *h = host; *h; h++)
                jy_buf_addf(&b, "%s%c", *h == '.' ? "\\" : "", *h);
            jy_buf_addf(&b, "/\" \"%s\";\n", url);
        }
    }
    if (make_dir(output_dir, err) != JY_OK)
        return JY_ERROR;
    path = jy_pool_printf(pool, "%s/redirects.map", output_dir);
    tmp = jy_pool_printf(pool, "%s/.redirects.map.tmp", output_dir);
    f = fopen(tmp, "wb");
    if (f == NULL || fwrite(b.buf, 1, b.len, f) != b.len || fclose(f) != 0) {
        jy_err_errno(err, errno, "could not write \"%s\"", tmp);
        unlink(tmp);
        return JY_ERROR;
    }
    if (rename(tmp, path) != 0) {
        jy_err_errno(err, errno, "could not rename \"%s\"", tmp);
        unlink(tmp);
        return JY_ERROR;
    }
    return JY_OK;
}


/*
 * Sites of a full build per batch: one statement per kind and one
 * transaction for that many sites; the renderer holds one batch at a time
 * (memory stays that of a few sites whatever the platform's size).
 */
#define ALL_BATCH 8

int
jy_render_all(struct jy_db *db, const struct jy_render_opts *opts, struct jy_render_stats *stats,
              struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_db_res *res;
    double t0 = mono();
    struct run_cache *cache = cache_create();
    int rc = JY_ERROR;

    res = jy_db_query(
        db, pool,
        "SELECT s.id FROM site s WHERE s.kind = 'site' AND s.code IS NOT NULL "
        "   AND (s.status = 'open' OR EXISTS (SELECT 1 FROM site_domain d "
        "                                      WHERE d.site_id = s.id AND d.is_primary)) "
        "ORDER BY s.id",
        0, NULL, err);
    if (res && lock_renderer(db, true, err) == JY_OK) {
        struct jy_render_opts o = *opts;
        int n = jy_db_res_rows(res);
        long long *ids = jy_pool_new_array(pool, long long, (size_t) n + 1);
        /* every change made before the run is in what it renders */
        const char *max =
            jy_db_query_value(db, pool, "SELECT max(id) FROM render_change", 0, NULL, err);
        o.full = true;
        for (int i = 0; i < n; i++)
            ids[i] = atoll(jy_db_res_get(res, i, 0));
        rc = err->code ? JY_ERROR : JY_OK;
        if (rc == JY_OK && n > 0) {
            struct pipeline pl = {.opts = &o,
                                  .cache = cache,
                                  .ids = ids,
                                  .n = n,
                                  .size = ALL_BATCH,
                                  .stop_on_failure = true};
            rc = render_pipeline(db, &pl, stats, err);
            if (rc == JY_OK && pl.failed) {
                *err = pl.first;
                rc = JY_ERROR;
            }
        }
        if (rc == JY_OK && max &&
            !jy_db_query(db, pool, "DELETE FROM render_change WHERE id <= $1", 1, &max, err))
            rc = JY_ERROR;
        if (rc == JY_OK)
            rc = write_redirect_map(db, pool, opts->output_dir, err);
        lock_renderer(db, false, err);
    }
    stats->seconds += mono() - t0;
    cache_destroy(cache);
    jy_pool_destroy(pool);
    return rc;
}


static int
cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *) a, y = *(const long long *) b;
    return x < y ? -1 : x > y;
}


static int
parse_sorted(struct jy_pool *pool, const char *text, long long **out)
{
    int n = 0, cap = 1;

    for (const char *p = text ? text : ""; *p; p++)
        cap += *p == ',';
    *out = jy_pool_new_array(pool, long long, (size_t) cap);
    for (const char *p = text ? text : ""; *p;) {
        if (*p >= '0' && *p <= '9') {
            char *end;
            (*out)[n++] = strtoll(p, &end, 10);
            p = end;
        } else {
            p++;
        }
    }
    qsort(*out, (size_t) n, sizeof(long long), cmp_ll);
    return n;
}


/*
 * The sites that changed items, columns and sites can touch, among those
 * rendered before; and the changed sites themselves even when never
 * rendered (a site just created is rendered in full by the next run).
 */
static const char affected_sql[] =
    "WITH RECURSIVE placed AS ("
    "  SELECT p.column_id AS id FROM placement p WHERE p.item_id = ANY ($1::bigint[]) "
    "  UNION SELECT unnest($2::bigint[])), "
    "up AS (SELECT c.id FROM placed x JOIN site_column pc ON pc.id = x.id "
    "        JOIN site_column c ON c.site_id = pc.site_id "
    "         AND (c.id = pc.id OR starts_with(pc.path, c.path || '/'))), "
    "reusers (id, hop) AS (SELECT id, 0 FROM up UNION ALL "
    "  SELECT c.id, r.hop + 1 FROM reusers r JOIN site_column c ON c.reuse_column_id = r.id "
    "   WHERE r.hop < 16), "
    "sites AS (SELECT c.site_id AS id FROM reusers r JOIN site_column c ON c.id = r.id "
    "  UNION SELECT d.site_id FROM render_dep d WHERE d.items && $1::bigint[] "
    "  UNION SELECT d.site_id FROM render_dep d WHERE d.columns && $2::bigint[] "
    "  UNION SELECT unnest($3::bigint[])) "
    "SELECT s.id FROM sites JOIN site s ON s.id = sites.id "
    "  LEFT JOIN render_site_state st ON st.site_id = s.id "
    " WHERE s.kind = 'site' AND s.code IS NOT NULL "
    "   AND (st.site_id IS NOT NULL OR s.id = ANY ($3::bigint[])) "
    "   AND EXISTS (SELECT 1 FROM site_domain d WHERE d.site_id = s.id AND d.is_primary) "
    " ORDER BY s.id";


/*
 * The changed sites (text form of bigint[]) plus every rendered site whose
 * theme's files no longer hash to what its pages were rendered with. A
 * theme that does not open any more is reported by the site's run.
 */
static const char *
theme_changed_sites(struct jy_db *db, struct jy_pool *pool, struct run_cache *cache,
                    const struct jy_render_opts *opts, const char *changed, struct jy_err *err)
{
    struct jy_db_res *res =
        jy_db_query(db, pool,
                    "SELECT st.site_id, s.theme, st.theme_sha FROM render_site_state st "
                    "JOIN site s ON s.id = st.site_id ORDER BY s.theme",
                    0, NULL, err);
    struct jy_buf b = JY_BUF_INIT(pool);

    if (res == NULL)
        return NULL;
    jy_buf_add_str(&b, changed);
    jy_buf_setlen(&b, b.len - 1); /* without the closing brace */
    for (int i = 0; i < jy_db_res_rows(res); i++) {
        struct jy_err e = JY_ERR_INIT;
        struct theme_entry *te = theme_get(cache, opts, jy_db_res_get(res, i, 1), &e);
        /* a theme that does not open waits for its next change: no retry every run */
        if (te == NULL || strcmp(te->theme->sha256, jy_db_res_get(res, i, 2)) == 0)
            continue;
        jy_buf_addf(&b, "%s%s", b.len > 1 ? "," : "", jy_db_res_get(res, i, 0));
    }
    jy_buf_add_char(&b, '}');
    return b.buf;
}


int
jy_render_pending(struct jy_db *db, const struct jy_render_opts *opts,
                  struct jy_render_stats *stats, struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_db_res *res;
    struct changes ch = {.reason = "changes"};
    struct run_cache *cache = cache_create();
    long long *sites_changed = NULL;
    int nsites_changed, rc = JY_ERROR;
    double t0 = mono();
    const char *params[3], *max_id;

    if (lock_renderer(db, true, err) != JY_OK)
        goto out;
    /* pins that expired since the last look count as changes of their items */
    if (jy_db_exec(db,
                   "WITH c AS (SELECT checked_to FROM render_pin_clock FOR UPDATE), "
                   "n AS (UPDATE render_pin_clock SET checked_to = now() RETURNING checked_to) "
                   "INSERT INTO render_change (kind, ref_id) "
                   "SELECT DISTINCT 'item', p.item_id FROM placement p, c "
                   " WHERE p.state = 'published' AND p.pinned_until > c.checked_to "
                   "   AND p.pinned_until <= now()",
                   err) != JY_OK)
        goto unlock;
    res = jy_db_query(db, pool,
                      "SELECT max(id), "
                      "  array_agg(DISTINCT ref_id) FILTER (WHERE kind = 'item')::text, "
                      "  array_agg(DISTINCT ref_id) FILTER (WHERE kind = 'column')::text, "
                      "  array_agg(DISTINCT ref_id) FILTER (WHERE kind = 'site')::text "
                      "FROM render_change",
                      0, NULL, err);
    if (res == NULL)
        goto unlock;
    max_id = jy_db_res_isnull(res, 0, 0) ? "0" : jy_pool_strdup(pool, jy_db_res_get(res, 0, 0));
    params[0] = jy_db_res_isnull(res, 0, 1) ? "{}" : jy_pool_strdup(pool, jy_db_res_get(res, 0, 1));
    params[1] = jy_db_res_isnull(res, 0, 2) ? "{}" : jy_pool_strdup(pool, jy_db_res_get(res, 0, 2));
    params[2] = jy_db_res_isnull(res, 0, 3) ? "{}" : jy_pool_strdup(pool, jy_db_res_get(res, 0, 3));
    /* a theme changed on disk changes every page of the sites that use it */
    if ((params[2] = theme_changed_sites(db, pool, cache, opts, params[2], err)) == NULL)
        goto unlock;
    if (strcmp(params[0], "{}") == 0 && strcmp(params[1], "{}") == 0 &&
        strcmp(params[2], "{}") == 0) {
        rc = JY_OK;
        goto unlock;
    }
    ch.nitems = parse_sorted(pool, params[0], &ch.items);
    ch.ncols = parse_sorted(pool, params[1], &ch.cols);
    nsites_changed = parse_sorted(pool, params[2], &sites_changed);
    ch.reason = jy_pool_printf(pool, "changes: %d items, %d columns, %d sites", ch.nitems, ch.ncols,
                               nsites_changed);
    if ((res = jy_db_query(db, pool, affected_sql, 3, params, err)) == NULL)
        goto unlock;
    stats->plan_seconds += mono() - t0;
    /*
     * One batch for every affected site: one statement per kind to read
     * them, their pages rendered by one set of threads, their records in
     * one transaction. One site that fails (a broken template, a body that
     * does not render) must not hold up the others: it is reported, its
     * state is marked so that it renders in full once its theme changes,
     * and the changes are taken anyway. The run answers with the first
     * failure.
     */
    {
        int n = jy_db_res_rows(res);
        long long *ids = jy_pool_new_array(pool, long long, (size_t) n + 1);
        struct pipeline pl = {.opts = opts,
                              .cache = cache,
                              .ids = ids,
                              .n = n,
                              .ch = &ch,
                              .changed = sites_changed,
                              .nchanged = nsites_changed};
        for (int i = 0; i < n; i++)
            ids[i] = atoll(jy_db_res_get(res, i, 0));
        /* four batches, so that reading (two loaders), rendering and recording overlap */
        pl.size = n < 4 ? (n > 0 ? n : 1) : (n + 3) / 4;
        if (n > 0 && render_pipeline(db, &pl, stats, err) != JY_OK)
            goto unlock;
        rc = JY_OK;
        if (nsites_changed)
            rc = write_redirect_map(db, pool, opts->output_dir, err); /* a site may have closed */
        if (rc == JY_OK && strcmp(max_id, "0") != 0) {
            params[0] = max_id;
            if (!jy_db_query(db, pool, "DELETE FROM render_change WHERE id <= $1", 1, params, err))
                rc = JY_ERROR;
        }
        if (rc == JY_OK && pl.failed) {
            *err = pl.first;
            if (pl.failed > 1)
                jy_err_detail(err, "%d sites failed; the others were rendered", pl.failed);
            rc = JY_ERROR;
        }
    }
unlock:
    lock_renderer(db, false, err);
out:
    stats->seconds += mono() - t0;
    cache_destroy(cache);
    jy_pool_destroy(pool);
    return rc;
}


int
jy_render_explain(struct jy_db *db, struct jy_pool *pool, const char *site, const char *path,
                  struct jy_buf *out, struct jy_err *err)
{
    long long id = resolve_site(db, pool, site, err);
    char sid[32];
    const char *params[2] = {sid, path};
    struct jy_db_res *r;

    if (id == 0)
        return JY_ERROR;
    snprintf(sid, sizeof(sid), "%lld", id);
    r = jy_db_query(
        db, pool,
        "SELECT f.channel, f.size, f.sha256, f.is_asset, g.id, g.reason, "
        "       to_char(g.finished_at, 'YYYY-MM-DD HH24:MI:SS'), d.page, "
        "       (SELECT string_agg(format('  item %s (%s) %s', i.id, i.kind, i.title), E'\\n' "
        "                          ORDER BY x.ord) "
        "          FROM unnest(d.items) WITH ORDINALITY x (id, ord) JOIN item i ON i.id = x.id), "
        "       (SELECT string_agg(format('  column %s %s /%s/ (site %s)', c.id, c.name, c.path, "
        "                                 s.code), E'\\n' ORDER BY x.ord) "
        "          FROM unnest(d.columns) WITH ORDINALITY x (id, ord) "
        "          JOIN site_column c ON c.id = x.id JOIN site s ON s.id = c.site_id), "
        "       st.theme_sha, ss.theme "
        "  FROM render_file f JOIN render_generation g ON g.id = f.generation "
        "  JOIN site ss ON ss.id = f.site_id "
        "  LEFT JOIN render_dep d ON d.site_id = f.site_id AND d.path = f.path "
        "  LEFT JOIN render_site_state st ON st.site_id = f.site_id "
        " WHERE f.site_id = $1 AND f.path = ltrim($2, '/')",
        2, params, err);
    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "site %s has no rendered file \"%s\"", site, path);
        jy_err_hint(err, "Paths are relative to the site's folder: zwgk/tzgg/index.html.");
        return JY_ERROR;
    }
    jy_buf_addf(out, "%s: %s channel, %s bytes, sha256 %.16s…\n", path, jy_db_res_get(r, 0, 0),
                jy_db_res_get(r, 0, 1), jy_db_res_get(r, 0, 2));
    jy_buf_addf(out, "written by generation %s (%s), finished %s\n", jy_db_res_get(r, 0, 4),
                jy_db_res_get(r, 0, 5), jy_db_res_get(r, 0, 6));
    if (!jy_db_res_isnull(r, 0, 7))
        jy_buf_addf(out, "renders: %s\n", jy_db_res_get(r, 0, 7));
    jy_buf_addf(out, "depends on the site's settings and theme \"%s\" (%.16s…)\n",
                jy_db_res_get(r, 0, 11), jy_db_res_isnull(r, 0, 10) ? "" : jy_db_res_get(r, 0, 10));
    if (!jy_db_res_isnull(r, 0, 9))
        jy_buf_addf(out, "columns (a change of these renders it again):\n%s\n",
                    jy_db_res_get(r, 0, 9));
    if (!jy_db_res_isnull(r, 0, 8))
        jy_buf_addf(out,
                    "items, in the order shown (a change of any, or of the order, renders it "
                    "again):\n%s\n",
                    jy_db_res_get(r, 0, 8));
    return JY_OK;
}
