/*
 * render.c - full and incremental builds of sites: plan, render in
 * threads, put the files in place, record manifest and dependencies; see
 * render.h.
 *
 * One run over one site:
 *   1. read the snapshot and plan every file (render_load.c, render_plan.c);
 *   2. decide which files to render: all (full), or those that are new or
 *      whose dependencies differ from render_dep or show a changed item;
 *   3. render them in threads; each file is written to a temporary name
 *      beside its final place and hashed; a file whose hash equals the
 *      manifest's is dropped (nothing to write, nothing to push);
 *   4. only when every file rendered: rename the files into place (or
 *      switch the site's link to the new tree of a full build), then record
 *      manifest, dependencies and the finished generation in one
 *      transaction, then delete the files that no longer exist.
 * A failure in 1-3 leaves the live tree and the database as they were.
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

static const char *const html_channels[] = {"desktop", "elder"};

/*
 * A theme opened once per run and the template sets of each rendering
 * thread slot: sites sharing a theme compile nothing again.
 */
struct theme_entry {
    const struct jy_theme *theme;
    struct jy_tpl_set *sets[MAX_THREADS][2]; /* desktop, elder; made when first used */
};

struct run_cache {
    pthread_mutex_t lock; /* theme_get from parallel site runs */
    struct jy_pool *pool;
    struct theme_entry themes[8];
    int nthemes;
};

/* The outcome of one site's run, shared by its threads. */
struct site_run {
    const struct jy_render_opts *opts;
    struct rn_site *site;
    const struct jy_theme *theme;
    struct theme_entry *te;
    int slot_base; /* first template-set slot of its threads */
    struct rn_plan *plan;
    const char *dir;      /* where the files go: the live tree, or the new tree of a full build */
    const char *old_dir;  /* full build: the live tree, whose unchanged files are linked */
    struct old_file *old; /* the manifest before, sorted by path */
    int nold;
    bool full;
    int *todo; /* indices of plan pages to render */
    int ntodo;
    atomic_int next;
    atomic_int done;
    atomic_int failed;
    pthread_mutex_t err_lock;
    struct jy_err err;
    struct jy_pool *keep[MAX_THREADS]; /* per thread: what pages keep after the thread */
    double started;
};

struct old_file {
    const char *path, *sha256;
    bool kept;    /* the new plan has it too */
    bool touched; /* it showed a changed item or hung on a changed column */
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
run_fail(struct site_run *r, const struct rn_page *p, const struct jy_err *e)
{
    pthread_mutex_lock(&r->err_lock);
    if (atomic_fetch_add(&r->failed, 1) == 0) {
        r->err = *e;
        jy_err_prefix(&r->err, "site %s, %s (%s)", r->site->code, p->path, p->desc);
    }
    pthread_mutex_unlock(&r->err_lock);
}


/* Write buf to path (created or truncated). */
static int
write_file(const char *path, const struct jy_buf *b, struct jy_err *err)
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

    if (make_parents(r->dir, p->path, err) != JY_OK || write_file(tmp, b, err) != JY_OK)
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
        const char *path = r->plan->v[r->todo[i]].path, *slash = strrchr(path, '/');
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
place_file(struct site_run *r, struct rn_page *p, struct jy_pool *keep, struct jy_pool *pool,
           struct jy_err *err)
{
    const struct rn_file *f = &r->site->files[p->asset];
    const struct old_file *old = old_find(r, p->path);
    const char *final = jy_pool_printf(pool, "%s/%s", r->dir, p->path);

    p->sha256 = f->sha256;
    p->size = f->size;
    p->written = !(old && strcmp(old->sha256, f->sha256) == 0);
    if (r->full)
        return rn_file_place(r->opts->file_dir, f, final, NULL, err);
    if (!p->written)
        return JY_OK;
    if (make_parents(r->dir, p->path, err) != JY_OK)
        return JY_ERROR;
    p->tmp = jy_pool_printf(keep, "%s.jytmp", final);
    if (rn_file_place(r->opts->file_dir, f, p->tmp, final, err) != JY_OK) {
        p->tmp = NULL;
        return JY_ERROR;
    }
    return JY_OK;
}


/* Rendering thread `slot`: take pages until none is left or one failed. */
struct worker_arg {
    struct site_run *run;
    int index; /* 0..threads-1: the thread's keep pool */
    int slot;  /* the template sets it uses (run-wide: parallel site runs use other slots) */
};

static void *
render_worker(void *arg)
{
    struct site_run *r = ((struct worker_arg *) arg)->run;
    struct jy_pool *keep = r->keep[((struct worker_arg *) arg)->index];
    struct jy_pool *pool = jy_pool_create(64 * 1024);
    struct rn_page_ctx x = {.site = r->site, .theme = r->theme, .plan = r->plan};
    struct jy_err err = JY_ERR_INIT;
    int i;

    {
        int slot = ((struct worker_arg *) arg)->slot;
        if (r->te->sets[slot][0] == NULL) {
            r->te->sets[slot][0] = jy_theme_tpl_set(r->theme, "desktop");
            r->te->sets[slot][1] = jy_theme_tpl_set(r->theme, "elder");
        }
        x.desktop = r->te->sets[slot][0];
        x.elder = r->te->sets[slot][1];
    }
    while (atomic_load(&r->failed) == 0 && (i = atomic_fetch_add(&r->next, 1)) < r->ntodo) {
        struct rn_page *p = &r->plan->v[r->todo[i]];
        struct jy_buf b;
        unsigned char h[crypto_hash_sha256_BYTES];
        char hex[crypto_hash_sha256_BYTES * 2 + 1];
        const struct old_file *old;
        int rc = JY_OK;

        jy_pool_reset(pool);
        x.pool = pool;
        jy_err_clear(&err);
        if (p->kind == RP_FILE) {
            if (place_file(r, p, keep, pool, &err) != JY_OK) {
                run_fail(r, p, &err);
                break;
            }
            atomic_fetch_add(&r->done, 1);
            continue;
        }
        jy_buf_init(&b, pool, 16384);
        {
            int rc0 = rn_page_render(&x, p, &b, &err);
            if (rc0 == JY_DECLINED) { /* a plugin channel with nothing for this page */
                p->absent = true;
                atomic_fetch_add(&r->done, 1);
                continue;
            }
            if (rc0 != JY_OK) {
                run_fail(r, p, &err);
                break;
            }
        }
        if (EVP_Digest(b.buf, b.len, h, NULL, EVP_sha256(), NULL) != 1) {
            jy_err_set(&err, JY_E_INTERNAL, "SHA-256 failed");
            run_fail(r, p, &err);
            break;
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
                rc = write_file(to, &b, &err);
        }
        if (rc != JY_OK) {
            run_fail(r, p, &err);
            break;
        }
        atomic_fetch_add(&r->done, 1);
    }
    if (x.site_json)
        cJSON_Delete(x.site_json);
    jy_pool_destroy(pool);
    return NULL;
}


static void
draw_progress(struct site_run *r, bool last)
{
    FILE *f = r->opts->progress;
    int done = atomic_load(&r->done);
    double el = mono() - r->started, rate = el > 0 ? done / el : 0;

    if (f == NULL)
        return;
    fprintf(f, "\r  %s: %d/%d files, %.0f files/s", r->site->code, done, r->ntodo, rate);
    if (!last && rate > 0)
        fprintf(f, ", %.0f s left  ", (r->ntodo - done) / rate);
    else
        fputs("            ", f);
    if (last)
        fputc('\n', f);
    fflush(f);
}


/* Render r->todo with the configured threads (the caller's thread is one of them). */
static int
render_pages(struct site_run *r, struct jy_pool *pool, struct jy_err *err)
{
    int nt = r->opts->threads > 0 ? r->opts->threads : 2;
    pthread_t th[MAX_THREADS];
    struct worker_arg args[MAX_THREADS];
    int started = 0;

    if (nt > MAX_THREADS - r->slot_base)
        nt = MAX_THREADS - r->slot_base;
    if (nt > r->ntodo)
        nt = r->ntodo > 0 ? r->ntodo : 1;
    atomic_init(&r->next, 0);
    atomic_init(&r->done, 0);
    atomic_init(&r->failed, 0);
    pthread_mutex_init(&r->err_lock, NULL);
    r->started = mono();
    for (int t = 0; t < nt; t++) {
        r->keep[t] = jy_pool_create(0);
        jy_pool_cleanup_add(pool, (jy_pool_cleanup_fn) jy_pool_destroy, r->keep[t]);
        args[t] = (struct worker_arg){r, t, r->slot_base + t};
    }
    for (int t = 1; t < nt; t++) {
        if (pthread_create(&th[t], NULL, render_worker, &args[t]) != 0)
            break;
        started = t;
    }
    if (r->opts->progress && r->ntodo > 200) {
        /* the caller's thread draws the progress while the others render */
        while (atomic_load(&r->done) < r->ntodo && atomic_load(&r->failed) == 0 && started > 0) {
            struct timespec ts = {0, 200 * 1000 * 1000};
            draw_progress(r, false);
            nanosleep(&ts, NULL);
            if (atomic_load(&r->next) >= r->ntodo)
                break;
        }
    }
    render_worker(&args[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(th[t], NULL);
    if (r->opts->progress && r->ntodo > 200)
        draw_progress(r, true);
    pthread_mutex_destroy(&r->err_lock);
    if (atomic_load(&r->failed)) {
        *err = r->err;
        return JY_ERROR;
    }
    return JY_OK;
}


static const char *
page_channel(const struct rn_page *p)
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
        return p->elder ? "elder" : "desktop";
    }
}


/* {1,2,3}: the text form PostgreSQL gives and takes for bigint[]. */
static const char *
ids_text(struct jy_pool *pool, const long long *v, int n)
{
    struct jy_buf b = JY_BUF_INIT(pool);

    jy_buf_add_char(&b, '{');
    for (int i = 0; i < n; i++)
        jy_buf_addf(&b, "%s%lld", i ? "," : "", v[i]);
    jy_buf_add_char(&b, '}');
    return b.buf;
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


/* Changes an incremental run looks for. */
struct changes {
    long long *items, *cols; /* sorted */
    int nitems, ncols;
    bool everything; /* the site itself changed: every page */
    const char *reason;
};


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
 * Record the run: manifest, dependencies, generation, state, in a
 * transaction left open: the caller puts the files in place and commits,
 * or rolls back when it cannot.
 */
static int
record_run(struct jy_db *db, struct jy_pool *pool, struct site_run *r, const char *reason,
           long long written, long long removed, long long bytes, struct jy_err *err)
{
    struct jy_buf files = JY_BUF_INIT(pool), deps = JY_BUF_INIT(pool), gone = JY_BUF_INIT(pool);
    char sid[32];
    const char *gen, *params[6];

    snprintf(sid, sizeof(sid), "%lld", r->site->id);
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    /* A crash may lose the last runs' records, never files: the changes they handled
     * are deleted in a later commit, so they are rendered again. */
    if (jy_db_exec(db, "SET LOCAL synchronous_commit = off", err) != JY_OK)
        goto fail;
    params[0] = sid;
    params[1] = reason;
    params[2] = r->full ? "true" : "false";
    gen = jy_db_query_value(db, pool,
                            "INSERT INTO render_generation (site_id, reason, full_build) "
                            "VALUES ($1, $2, $3) RETURNING id",
                            3, params, err);
    if (gen == NULL)
        goto fail;
    for (int i = 0; i < r->plan->n; i++) {
        const struct rn_page *p = &r->plan->v[i];
        if (!p->dirty || p->absent)
            continue;
        if (r->full || p->written)
            jy_buf_addf(&files, "%s\t%s\t%s\t%lld\t%s\t%s\t%s\n", sid, p->path, page_channel(p),
                        p->size, p->sha256, p->kind == RP_ASSET || p->kind == RP_FILE ? "t" : "f",
                        gen);
        jy_buf_addf(&deps, "%s\t%s\t%s\t%s\t%s\n", sid, p->path, p->desc,
                    ids_text(pool, p->deps_items, p->ndeps_items),
                    ids_text(pool, p->deps_cols, p->ndeps_cols));
    }
    jy_buf_add_char(&gone, '{');
    for (int i = 0, n = 0; i < r->nold; i++)
        if (!r->old[i].kept) {
            jy_buf_add_str(&gone, n++ ? ",\"" : "\"");
            jy_buf_add_str(&gone, r->old[i].path);
            jy_buf_add_char(&gone, '"');
        }
    jy_buf_add_char(&gone, '}');
    params[1] = gone.buf;
    if (r->full) {
        if (!jy_db_query(db, pool, "DELETE FROM render_file WHERE site_id = $1", 1, params, err) ||
            !jy_db_query(db, pool, "DELETE FROM render_dep WHERE site_id = $1", 1, params, err) ||
            copy_rows(db,
                      "COPY render_file (site_id, path, channel, size, sha256, is_asset, "
                      "generation) FROM STDIN",
                      &files, err) != JY_OK ||
            copy_rows(db, "COPY render_dep (site_id, path, page, items, columns) FROM STDIN", &deps,
                      err) != JY_OK)
            goto fail;
    } else {
        if (!jy_db_query(db, pool,
                         "DELETE FROM render_file WHERE site_id = $1 AND path = ANY ($2::text[])",
                         2, params, err) ||
            !jy_db_query(db, pool,
                         "DELETE FROM render_dep WHERE site_id = $1 AND path = ANY ($2::text[])", 2,
                         params, err) ||
            jy_db_exec(
                db,
                "CREATE TEMP TABLE IF NOT EXISTS rn_file (LIKE render_file INCLUDING DEFAULTS) ON COMMIT "
                "DELETE ROWS; CREATE TEMP TABLE IF NOT EXISTS rn_dep (LIKE render_dep) "
                "ON COMMIT DELETE ROWS",
                err) != JY_OK ||
            copy_rows(db,
                      "COPY rn_file (site_id, path, channel, size, sha256, is_asset, generation) "
                      "FROM STDIN",
                      &files, err) != JY_OK ||
            copy_rows(db, "COPY rn_dep (site_id, path, page, items, columns) FROM STDIN", &deps,
                      err) != JY_OK ||
            jy_db_exec(db,
                       "INSERT INTO render_file (site_id, path, channel, size, sha256, is_asset, "
                       "generation) SELECT site_id, path, channel, size, sha256, is_asset, "
                       "generation FROM rn_file ON CONFLICT (site_id, path) DO UPDATE SET "
                       "channel = EXCLUDED.channel, size = EXCLUDED.size, sha256 = "
                       "EXCLUDED.sha256, is_asset = EXCLUDED.is_asset, generation = "
                       "EXCLUDED.generation, updated_at = now(); "
                       "INSERT INTO render_dep SELECT * FROM rn_dep ON CONFLICT (site_id, path) "
                       "DO UPDATE SET page = EXCLUDED.page, items = EXCLUDED.items, columns = "
                       "EXCLUDED.columns",
                       err) != JY_OK)
            goto fail;
    }
    {
        char w[32], rm[32], by[32];
        const char *p2[2] = {sid, r->theme->sha256};
        const char *p5[5];
        snprintf(w, sizeof(w), "%lld", written);
        snprintf(rm, sizeof(rm), "%lld", removed);
        snprintf(by, sizeof(by), "%lld", bytes);
        p5[0] = sid;
        p5[1] = gen;
        p5[2] = w;
        p5[3] = rm;
        p5[4] = by;
        if (!jy_db_query(db, pool,
                         "INSERT INTO render_site_state (site_id, theme_sha) VALUES ($1, $2) "
                         "ON CONFLICT (site_id) DO UPDATE SET theme_sha = EXCLUDED.theme_sha, "
                         "rendered_at = now()",
                         2, p2, err) ||
            !jy_db_query(db, pool,
                         "WITH g AS (UPDATE render_generation SET finished_at = clock_timestamp(), "
                         "written = $3, removed = $4, bytes = $5 WHERE id = $2 RETURNING id) "
                         "SELECT pg_notify('jy_render', $1 || ' ' || g.id) FROM g",
                         5, p5, err))
            goto fail;
    }
    return JY_OK; /* the caller commits once the files are in place */
fail:
    jy_db_rollback(db);
    return JY_ERROR;
}


/*
 * Read the manifest of the site's last run, sorted by path; with changes,
 * mark the files that showed a changed item or hung on a changed column
 * (two GIN index scans of render_dep).
 */
static int
load_old(struct jy_db *db, struct jy_pool *pool, struct site_run *r, const struct changes *ch,
         struct jy_err *err)
{
    char sid[32];
    const char *params[3] = {sid, NULL, NULL};
    struct jy_db_res *res;

    snprintf(sid, sizeof(sid), "%lld", r->site->id);
    res = jy_db_query(db, pool, "SELECT path, sha256 FROM render_file WHERE site_id = $1", 1,
                      params, err);
    if (res == NULL)
        return JY_ERROR;
    r->nold = jy_db_res_rows(res);
    r->old = jy_pool_new_array(pool, struct old_file, (size_t) r->nold + 1);
    for (int i = 0; i < r->nold; i++) {
        r->old[i].path = jy_pool_strdup(pool, jy_db_res_get(res, i, 0));
        r->old[i].sha256 = jy_pool_strdup(pool, jy_db_res_get(res, i, 1));
    }
    qsort(r->old, (size_t) r->nold, sizeof(r->old[0]), cmp_old);
    if (ch == NULL || ch->everything || (ch->nitems == 0 && ch->ncols == 0))
        return JY_OK;
    params[1] = ids_text(pool, ch->items, ch->nitems);
    params[2] = ids_text(pool, ch->cols, ch->ncols);
    res = jy_db_query(db, pool,
                      "SELECT path FROM render_dep WHERE site_id = $1 "
                      "AND (items && $2::bigint[] OR columns && $3::bigint[])",
                      3, params, err);
    if (res == NULL)
        return JY_ERROR;
    for (int i = 0; i < jy_db_res_rows(res); i++) {
        struct old_file *o = old_find(r, jy_db_res_get(res, i, 0));
        if (o)
            o->touched = true;
    }
    return JY_OK;
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
    if ((t = jy_theme_open(c->pool, opts->share_dir, name, html_channels, 2, err)) == NULL)
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
            for (int k = 0; k < 2; k++)
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
    for (int i = 0; i < r->plan->n; i++)
        if (r->plan->v[i].tmp) {
            unlink(r->plan->v[i].tmp);
            r->plan->v[i].tmp = NULL;
        }
}


/*
 * Render site_id: in full (ch == NULL or no earlier run), or what the
 * changes touch. Adds to stats.
 */
static int
site_render(struct jy_db *db, const struct jy_render_opts *opts, struct run_cache *cache,
            long long site_id, const struct changes *ch, int slot_base,
            struct jy_render_stats *stats, struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(256 * 1024);
    struct site_run r;
    struct rn_plan plan;
    double t0 = mono(), t_planned = t0, t_rendered = t0;
    char live[4096], livereal[4096];
    const char *builds, *state_sha = NULL;
    bool *need;
    long long written = 0, removed = 0, bytes = 0;
    int rc = JY_ERROR;
    char sid[32];
    const char *params[1] = {sid};

    memset(&r, 0, sizeof(r));
    r.opts = opts;
    r.slot_base = slot_base;
    r.plan = &plan;
    snprintf(sid, sizeof(sid), "%lld", site_id);
    if ((r.site = rn_site_load(db, pool, site_id, err)) == NULL)
        goto out;
    if ((r.te = theme_get(cache, opts, r.site->theme, err)) == NULL) {
        jy_err_prefix(err, "site %s", r.site->code);
        goto out;
    }
    r.theme = r.te->theme;
    rn_plan_site(pool, r.site, r.theme, opts->only_channel, &plan);
    if (check_plan(pool, r.site, &plan, err) != JY_OK || load_old(db, pool, &r, ch, err) != JY_OK)
        goto out;
    jy_err_clear(err);
    state_sha = jy_db_query_value(
        db, pool, "SELECT theme_sha FROM render_site_state WHERE site_id = $1", 1, params, err);
    if (err->code)
        goto out;

    snprintf(live, sizeof(live), "%s/%s", opts->output_dir, r.site->code);
    r.full = opts->full || ch == NULL || state_sha == NULL || realpath(live, livereal) == NULL;
    if (!r.full) {
        struct stat st;
        if (lstat(live, &st) != 0 || !S_ISLNK(st.st_mode))
            r.full = true;
    }

    /*
     * What to render. Everything in a full run, after a change of the site
     * itself or of its theme. Otherwise: a file that is new, that showed a
     * changed item or hung on a changed column before, or that does now;
     * and then every slice of a list one of whose slices is to render, as
     * an item coming or going shifts the pages after it.
     */
    r.todo = jy_pool_new_array(pool, int, (size_t) plan.n + 1);
    need = jy_pool_new_array(pool, bool, (size_t) r.site->nitems + 1);
    {
        bool all = r.full || ch->everything || strcmp(state_sha, r.theme->sha256) != 0;
        bool *shifted = jy_pool_new_array(
            pool, bool, (size_t) (r.site->ncols + r.site->ntags + r.site->nsections) + 1);
        for (int i = 0; i < plan.n; i++) {
            struct rn_page *p = &plan.v[i];
            struct old_file *old = old_find(&r, p->path);
            if (old)
                old->kept = true;
            p->dirty = all || old == NULL || old->touched ||
                       meets(ch->items, ch->nitems, p->deps_items, p->ndeps_items) ||
                       meets(ch->cols, ch->ncols, p->deps_cols, p->ndeps_cols);
            if (p->dirty && list_key(r.site, p) >= 0)
                shifted[list_key(r.site, p)] = true;
        }
        for (int i = 0; i < plan.n; i++) {
            struct rn_page *p = &plan.v[i];
            if (!p->dirty && list_key(r.site, p) >= 0 && shifted[list_key(r.site, p)])
                p->dirty = true;
            if (p->dirty) {
                r.todo[r.ntodo++] = i;
                if (p->kind == RP_ITEM || p->kind == RP_JSON_ITEM)
                    need[p->item] = true;
            }
        }
    }
    if (r.full)
        for (int i = 0; i < r.nold; i++)
            r.old[i].kept = true; /* the new tree simply lacks them */
    if (rn_items_load_full(db, pool, r.site, need, err) != JY_OK)
        goto out;
    for (int i = 0; i < plan.n; i++)
        if (plan.v[i].dirty && (plan.v[i].kind == RP_ITEM || plan.v[i].kind == RP_JSON_ITEM) &&
            r.site->items[plan.v[i].item].full == NULL) {
            jy_err_set(err, JY_E_CONFLICT, "item %lld changed while site %s was read",
                       r.site->items[plan.v[i].item].id, r.site->code);
            jy_err_hint(err, "Run the render again.");
            goto out;
        }
    t_planned = mono();
    stats->plan_seconds += t_planned - t0;

    /* where */
    builds = jy_pool_printf(pool, "%s/.builds", opts->output_dir);
    if (make_dir(builds, err) != JY_OK)
        goto out;
    {
        char real[4096];
        if (realpath(builds, real) == NULL) {
            jy_err_errno(err, errno, "could not resolve \"%s\"", builds);
            goto out;
        }
        builds = jy_pool_strdup(pool, real);
    }
    if (r.full) {
        struct timespec ts;
        struct stat st;
        clock_gettime(CLOCK_REALTIME, &ts);
        r.dir = jy_pool_printf(pool, "%s/%s.%lld%09ld", builds, r.site->code, (long long) ts.tv_sec,
                               ts.tv_nsec);
        if (mkdir(r.dir, 0755) != 0) {
            jy_err_errno(err, errno, "could not create folder \"%s\"", r.dir);
            goto out;
        }
        if (lstat(live, &st) == 0 && !S_ISLNK(st.st_mode)) {
            jy_err_set(err, JY_E_CONFLICT,
                       "\"%s\" is a folder, not the link to the live tree Jiyue keeps there", live);
            jy_err_hint(err, "Move it away; Jiyue writes each build under %s and links it.",
                        builds);
            rm_tree(r.dir);
            goto out;
        }
        if (realpath(live, livereal) != NULL)
            r.old_dir = jy_pool_strdup(pool, livereal);
    } else {
        r.dir = jy_pool_strdup(pool, livereal);
    }

    if ((r.full && make_plan_dirs(&r, pool, err) != JY_OK) ||
        render_pages(&r, pool, err) != JY_OK) {
        discard_run(&r); /* nothing of this run becomes visible */
        goto out;
    }
    t_rendered = mono();

    for (int i = 0; i < plan.n; i++) {
        const struct rn_page *p = &plan.v[i];
        if (p->absent) {
            struct old_file *o = old_find(&r, p->path);
            if (o && !r.full)
                o->kept = false; /* it had a file before: it goes */
            continue;
        }
        if (p->dirty) {
            bytes += p->size;
            written += p->written;
        }
    }
    for (int i = 0; i < r.nold; i++)
        removed += !r.old[i].kept;
    if (record_run(db, pool, &r, ch && ch->reason ? ch->reason : (r.full ? "full" : "changes"),
                   written, removed, bytes, err) != JY_OK) {
        discard_run(&r);
        goto out;
    }

    /* into place, then commit: a manifest row never names a file not in place */
    for (int i = 0; i < plan.n; i++) {
        const struct rn_page *p = &plan.v[i];
        if (p->tmp && rename(p->tmp, jy_pool_printf(pool, "%s/%s", r.dir, p->path)) != 0) {
            jy_err_errno(err, errno, "could not rename \"%s\" into place", p->tmp);
            jy_db_rollback(db);
            discard_run(&r);
            goto out;
        }
        plan.v[i].tmp = NULL;
    }
    if (r.full) {
        const char *lnk = jy_pool_printf(pool, "%s/.%s.link", opts->output_dir, r.site->code);
        const char *target = jy_pool_printf(pool, ".builds/%s", strrchr(r.dir, '/') + 1);
        unlink(lnk);
        if (symlink(target, lnk) != 0 || rename(lnk, live) != 0) {
            jy_err_errno(err, errno, "could not switch \"%s\" to the new build", live);
            jy_db_rollback(db);
            discard_run(&r);
            goto out;
        }
    }
    if (jy_db_commit(db, err) != JY_OK) {
        jy_err_prefix(err,
                      "site %s: the files are in place but the manifest was not recorded "
                      "(the next run records them)",
                      r.site->code);
        goto out;
    }
    /* what no longer exists goes after the manifest says so */
    if (r.full && r.old_dir && strncmp(r.old_dir, builds, strlen(builds)) != 0) {
        /* an old tree outside .builds is not ours to remove */
    } else if (r.full && r.old_dir) {
        rm_tree(r.old_dir);
    }
    for (int i = 0; i < r.nold && !r.full; i++)
        if (!r.old[i].kept)
            unlink(jy_pool_printf(pool, "%s/%s", r.dir, r.old[i].path));

    stats->sites++;
    stats->pages += r.ntodo;
    stats->written += written;
    stats->unchanged += r.ntodo - written;
    stats->removed += removed;
    stats->bytes += bytes;
    jy_log_info("render",
                "site=%s full=%d rendered=%d written=%lld removed=%lld ms=%.1f plan_ms=%.1f "
                "render_ms=%.1f",
                r.site->code, r.full, r.ntodo, written, removed, (mono() - t0) * 1000,
                (t_planned - t0) * 1000, (t_rendered - t_planned) * 1000);
    rc = JY_OK;
out:
    jy_pool_destroy(pool);
    return rc;
}


static int
lock_renderer(struct jy_db *db, bool lock, struct jy_err *err)
{
    return jy_db_exec(db,
                      lock ? "SELECT pg_advisory_lock(" RENDER_LOCK_KEY ")"
                           : "SELECT pg_advisory_unlock(" RENDER_LOCK_KEY ")",
                      err);
}


int
jy_render_site(struct jy_db *db, const struct jy_render_opts *opts, const char *site,
               struct jy_render_stats *stats, struct jy_err *err)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct changes all = {.everything = true, .reason = "full"};
    double t0 = mono();
    long long id = resolve_site(db, pool, site, err);
    struct run_cache *cache = cache_create();
    int rc = JY_ERROR;

    if (id && lock_renderer(db, true, err) == JY_OK) {
        struct jy_render_opts o = *opts;
        o.full = true;
        rc = site_render(db, &o, cache, id, &all, 0, stats, err);
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
        struct changes all = {.everything = true, .reason = "full"};
        /* every change made before the run is in what it renders */
        const char *max =
            jy_db_query_value(db, pool, "SELECT max(id) FROM render_change", 0, NULL, err);
        o.full = true;
        rc = err->code ? JY_ERROR : JY_OK;
        for (int i = 0; i < jy_db_res_rows(res) && rc == JY_OK; i++)
            rc = site_render(db, &o, cache, atoll(jy_db_res_get(res, i, 0)), &all, 0, stats, err);
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
 * The sites of one pending run, rendered by up to SITE_THREADS threads at
 * once, each with a connection of its own and one rendering thread: an
 * incremental run of a site is mostly waiting for its statements, so
 * sites overlap well. A failing site is reported, marked so that it
 * renders in full once its theme changes, and does not stop the others.
 */
#define SITE_THREADS 3

struct site_pool {
    const struct jy_render_opts *opts;
    struct run_cache *cache;
    const struct changes *ch;
    const long long *sites_changed;
    int nsites_changed;
    long long *ids;
    int nids;
    atomic_int next;
    pthread_mutex_t lock; /* the fields below */
    struct jy_render_stats stats;
    struct jy_err first;
    int failed;
    bool lost; /* a connection failed: the run fails */
};

struct site_thread {
    struct site_pool *sp;
    struct jy_db *db;
    int slot;
};

static void *
site_thread_main(void *arg)
{
    struct site_thread *t = arg;
    struct site_pool *sp = t->sp;
    struct jy_render_opts o = *sp->opts;
    struct jy_pool *pool = jy_pool_create(0);
    int i;

    if (t->slot > 0 || sp->nids > 1)
        o.threads = 1; /* the sites run side by side: one rendering thread each */
    o.progress = NULL;
    while ((i = atomic_fetch_add(&sp->next, 1)) < sp->nids) {
        struct jy_render_stats st;
        struct jy_err err = JY_ERR_INIT;
        struct changes c = *sp->ch;
        char id[32];
        const char *params[1] = {id};

        memset(&st, 0, sizeof(st));
        c.everything = meets(sp->sites_changed, sp->nsites_changed, &sp->ids[i], 1);
        if (site_render(t->db, &o, sp->cache, sp->ids[i], &c, t->slot, &st, &err) != JY_OK) {
            jy_log_error("render", "%s", err.msg);
            snprintf(id, sizeof(id), "%lld", sp->ids[i]);
            pthread_mutex_lock(&sp->lock);
            if (sp->failed++ == 0)
                sp->first = err;
            pthread_mutex_unlock(&sp->lock);
            if (!jy_db_ok(t->db) ||
                !jy_db_query(t->db, pool,
                             "UPDATE render_site_state SET theme_sha = 'failed' WHERE site_id = $1",
                             1, params, &err)) {
                pthread_mutex_lock(&sp->lock);
                sp->lost = true;
                pthread_mutex_unlock(&sp->lock);
                break;
            }
        }
        pthread_mutex_lock(&sp->lock);
        sp->stats.sites += st.sites;
        sp->stats.pages += st.pages;
        sp->stats.written += st.written;
        sp->stats.unchanged += st.unchanged;
        sp->stats.removed += st.removed;
        sp->stats.bytes += st.bytes;
        sp->stats.plan_seconds += st.plan_seconds;
        pthread_mutex_unlock(&sp->lock);
        jy_pool_reset(pool);
    }
    jy_pool_destroy(pool);
    return NULL;
}


static int
render_sites(struct jy_db *db, struct site_pool *sp, struct jy_render_stats *stats,
             struct jy_err *err)
{
    struct site_thread th[SITE_THREADS];
    pthread_t tid[SITE_THREADS];
    int n = sp->nids < SITE_THREADS ? sp->nids : SITE_THREADS, started = 0;

    atomic_init(&sp->next, 0);
    pthread_mutex_init(&sp->lock, NULL);
    if (n < 1)
        n = 1;
    /* the caller's connection serves thread 0; the others open their own */
    for (int k = 0; k < n; k++) {
        th[k] = (struct site_thread){sp, db, k};
        if (k > 0) {
            struct jy_err e = JY_ERR_INIT;
            th[k].db = jy_db_connect(jy_db_conninfo(db), &e);
            if (th[k].db == NULL) {
                n = k; /* fewer threads then */
                break;
            }
        }
    }
    for (int k = 1; k < n; k++)
        if (pthread_create(&tid[k], NULL, site_thread_main, &th[k]) == 0)
            started = k;
        else
            break;
    site_thread_main(&th[0]);
    for (int k = 1; k <= started; k++)
        pthread_join(tid[k], NULL);
    for (int k = 1; k < n; k++)
        jy_db_close(th[k].db);
    stats->sites += sp->stats.sites;
    stats->pages += sp->stats.pages;
    stats->written += sp->stats.written;
    stats->unchanged += sp->stats.unchanged;
    stats->removed += sp->stats.removed;
    stats->bytes += sp->stats.bytes;
    stats->plan_seconds += sp->stats.plan_seconds;
    if (sp->lost) {
        *err = sp->first;
        if (err->code == JY_E_NONE)
            jy_err_set(err, JY_E_UNAVAILABLE, "lost the database connection while rendering");
        return JY_ERROR;
    }
    return JY_OK;
}


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
     * One site that fails (a broken template, a body that does not render)
     * must not hold up the others: it is reported, its state is marked so
     * that it renders in full once its theme changes, and the changes are
     * taken anyway. The run answers with the first failure.
     */
    {
        struct site_pool sp;
        memset(&sp, 0, sizeof(sp));
        sp.opts = opts;
        sp.cache = cache;
        sp.ch = &ch;
        sp.sites_changed = sites_changed;
        sp.nsites_changed = nsites_changed;
        sp.ids = jy_pool_new_array(pool, long long, (size_t) jy_db_res_rows(res) + 1);
        for (int i = 0; i < jy_db_res_rows(res); i++)
            sp.ids[sp.nids++] = atoll(jy_db_res_get(res, i, 0));
        if (render_sites(db, &sp, stats, err) != JY_OK) {
            rc = JY_ERROR;
            goto unlock;
        }
        rc = JY_OK;
        if (nsites_changed)
            rc = write_redirect_map(db, pool, opts->output_dir, err); /* a site may have closed */
        if (rc == JY_OK && strcmp(max_id, "0") != 0) {
            params[0] = max_id;
            if (!jy_db_query(db, pool, "DELETE FROM render_change WHERE id <= $1", 1, params, err))
                rc = JY_ERROR;
        }
        if (rc == JY_OK && sp.failed) {
            *err = sp.first;
            if (sp.failed > 1)
                jy_err_detail(err, "%d sites failed; the others were rendered", sp.failed);
            rc = JY_ERROR;
        }
        pthread_mutex_destroy(&sp.lock);
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
