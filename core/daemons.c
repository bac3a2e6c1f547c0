/*
 * daemons.c - the renderer, the pusher and the scheduler on threads of
 * `jiyue serve`; see daemons.h.
 *
 * Stopping: jy_daemons_stop() sets a flag and writes to a self-pipe; the
 * pusher polls the pipe, the renderer and scheduler wait at most a second
 * before they look at the flag again.
 */
#include "core/compat.h"
#include "core/daemons.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/push.h"
#include "core/render.h"
#include "core/scheduler.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static struct {
    struct jy_daemons_opts opts;
    pthread_t render, push, sched;
    bool have_render, have_push, have_sched;
    volatile sig_atomic_t stop;
    int pipe[2];
} d = {.pipe = {-1, -1}};


/*
 * The stop flag, read by the background threads while jy_daemons_stop()
 * sets it from the main thread: atomic loads and stores (volatile is for
 * signal handlers, not threads; ThreadSanitizer reported the race).
 */
static bool
stopping(void)
{
    return __atomic_load_n(&d.stop, __ATOMIC_SEQ_CST) != 0;
}


/* A connection, retried every second until it comes or we stop. */
static struct jy_db *
connect_until(const char *who)
{
    struct jy_err err = JY_ERR_INIT;
    bool said = false;

    while (!stopping()) {
        struct jy_db *db = jy_db_connect(d.opts.conninfo, &err);
        if (db)
            return db;
        if (!said)
            jy_log_warn(who, "waiting for the database: %s", err.msg);
        said = true;
        sleep(1);
    }
    return NULL;
}


static void *
render_main(void *arg)
{
    struct jy_render_opts o;
    struct jy_db *db;

    (void) arg;
    memset(&o, 0, sizeof(o));
    o.output_dir = jy_conf_get(d.opts.conf, "output_dir");
    o.share_dir = jy_conf_get(d.opts.conf, "share_dir");
    o.file_dir = jy_conf_get(d.opts.conf, "file_dir");
    o.threads = (int) jy_conf_get_int(d.opts.conf, "workers");
    while (!stopping() && (db = connect_until("render")) != NULL) {
        struct jy_err err = JY_ERR_INIT;
        if (jy_db_wait_notify(db, "LISTEN jy_change", 0, NULL, 0, &err) == JY_ERROR) {
            jy_db_close(db);
            continue;
        }
        while (!stopping()) {
            struct jy_render_stats st;
            int w;
            memset(&st, 0, sizeof(st));
            jy_err_clear(&err);
            if (jy_render_pending(db, &o, &st, &err) != JY_OK) {
                /* a broken template stays broken until someone fixes it: say so, go on */
                jy_log_error("render", "%s", err.msg);
                if (!jy_db_ok(db))
                    break;
            } else if (st.sites) {
                jy_log_info("render", "sites=%lld files=%lld written=%lld removed=%lld ms=%.1f",
                            st.sites, st.pages, st.written, st.removed, st.seconds * 1000);
            }
            w = jy_db_wait_notify(db, NULL, 1000, NULL, 0, &err);
            if (w == JY_ERROR)
                break;
            while (w == JY_OK && jy_db_wait_notify(db, NULL, 0, NULL, 0, &err) == JY_OK)
                ; /* several changes: one run */
        }
        jy_db_close(db);
    }
    return NULL;
}


static void *
push_main(void *arg)
{
    struct jy_push_conf pc;
    struct jy_err err = JY_ERR_INIT;
    struct jy_pusher *p;

    (void) arg;
    jy_push_conf_from(&pc, d.opts.conf);
    while (!stopping()) {
        p = jy_pusher_create(d.opts.conninfo, &pc, &err);
        if (p == NULL) {
            jy_log_warn("push", "cannot start the pusher: %s", err.msg);
            sleep(1);
            continue;
        }
        if (jy_pusher_run(p, d.pipe[0], &d.stop, &err) != JY_OK)
            jy_log_error("push", "pusher stopped: %s; starting again", err.msg);
        jy_pusher_destroy(p);
        if (!stopping())
            sleep(1);
    }
    return NULL;
}


static void *
sched_main(void *arg)
{
    struct jy_db *db = NULL;

    (void) arg;
    while (!stopping()) {
        struct jy_err err = JY_ERR_INIT;
        struct jy_scheduler_stats st = {0};
        struct jy_pool *pool;
        time_t now;

        if (db == NULL && (db = connect_until("scheduler")) == NULL)
            break;
        pool = jy_pool_create(0);
        if (jy_scheduler_run_due(db, pool, NULL, &st, &err) != JY_OK) {
            jy_log_error("scheduler", "%s", err.msg);
            if (!jy_db_ok(db)) {
                jy_db_close(db);
                db = NULL;
            }
        } else if (st.published || st.withdrawn || st.failed) {
            jy_log_info("scheduler", "published=%d withdrawn=%d failed=%d", st.published,
                        st.withdrawn, st.failed);
        }
        jy_pool_destroy(pool);
        /* at the next minute: a missed time fires at once on start */
        now = time(NULL);
        for (int s = 60 - (int) (now % 60); s > 0 && !stopping(); s--)
            sleep(1);
    }
    if (db)
        jy_db_close(db);
    return NULL;
}


int
jy_daemons_start(const struct jy_daemons_opts *opts, struct jy_err *err)
{
    sigset_t set, old;

    d.opts = *opts;
    __atomic_store_n(&d.stop, 0, __ATOMIC_SEQ_CST);
    if (pipe(d.pipe) != 0) {
        jy_err_errno(err, errno, "cannot create a pipe");
        return JY_ERROR;
    }
    /*
     * SIGTERM and SIGINT are for the server's main thread (sigwait). These
     * threads start before it blocks them: blocked here (and so in every
     * thread they start: the renderer's), a SIGTERM that arrives while the
     * main thread is not yet in sigwait stays pending for it instead of
     * killing the process from a thread that does not block it.
     */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    if (opts->render) {
        if (pthread_create(&d.render, NULL, render_main, NULL) != 0)
            goto fail;
        d.have_render = true;
    }
    if (opts->push) {
        if (pthread_create(&d.push, NULL, push_main, NULL) != 0)
            goto fail;
        d.have_push = true;
    }
    if (opts->scheduler) {
        if (pthread_create(&d.sched, NULL, sched_main, NULL) != 0)
            goto fail;
        d.have_sched = true;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    jy_log_info("serve", "background work: render=%d push=%d scheduler=%d", opts->render,
                opts->push, opts->scheduler);
    return JY_OK;
fail:
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    jy_err_set(err, JY_E_INTERNAL, "cannot start a thread for the background work");
    jy_daemons_stop();
    return JY_ERROR;
}


void
jy_daemons_stop(void)
{
    __atomic_store_n(&d.stop, 1, __ATOMIC_SEQ_CST);
    if (d.pipe[1] >= 0 && write(d.pipe[1], "x", 1) < 0)
        jy_log_warn("serve", "cannot wake the pusher: %s", strerror(errno));
    if (d.have_render)
        pthread_join(d.render, NULL);
    if (d.have_push)
        pthread_join(d.push, NULL);
    if (d.have_sched)
        pthread_join(d.sched, NULL);
    d.have_render = d.have_push = d.have_sched = false;
    if (d.pipe[0] >= 0)
        close(d.pipe[0]);
    if (d.pipe[1] >= 0)
        close(d.pipe[1]);
    d.pipe[0] = d.pipe[1] = -1;
}
