/*
 * cmd_scheduler.c - `jiyue scheduler`: fires scheduled publications and
 * withdrawals (scheduler.h) at start, which catches up what was missed
 * while no scheduler ran, and then at every minute, until SIGTERM, SIGINT
 * or SIGHUP stops it between two passes.
 *
 * The signals are blocked and waited for with sigtimedwait(), so a signal
 * can only arrive while the scheduler sleeps: a pass is never cut in the
 * middle, and there is no handler racing with the loop.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/scheduler.h"

#include <errno.h>
#include <signal.h>
#include <time.h>


/* Seconds until the next full minute (1..60). */
static long
to_next_minute(void)
{
    time_t now = time(NULL);
    return 60 - (long) (now % 60);
}


static int
pass(struct jy_db *db, struct jy_pool *pool, const char *label, bool always)
{
    struct jy_scheduler_stats st;
    struct jy_err err = JY_ERR_INIT;

    if (jy_scheduler_run_due(db, pool, NULL, &st, &err) != JY_OK) {
        jy_log_error("scheduler", "msg=\"%s\" detail=\"%s\"", err.msg, err.detail);
        if (err.code == JY_E_UNAVAILABLE && jy_db_reset(db, &err) != JY_OK)
            jy_log_error("scheduler", "msg=\"%s\"", err.msg);
        return JY_ERROR;
    }
    if (always || st.published || st.withdrawn || st.failed) {
        printf("%s: published %d, withdrawn %d, refused %d\n", label, st.published, st.withdrawn,
               st.failed);
        fflush(stdout);
    }
    return JY_OK;
}


static int
cmd_scheduler_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_pool *pool;
    struct jy_db *db;
    sigset_t stop;
    bool once = false;
    int i, sig = 0;

    if (jy_cli_wants_help(&jy_cmd_scheduler, argc, argv))
        return JY_EXIT_OK;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0)
            once = true;
        else
            return jy_cli_usage_error(&jy_cmd_scheduler, "unrecognized argument \"%s\"", argv[i]);
    }
    if (cli->as_login)
        return jy_cli_usage_error(&jy_cmd_scheduler,
                                  "the scheduler acts as the system; --as is not for it");
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    sigprocmask(SIG_BLOCK, &stop, NULL);
    if ((db = jy_cli_open_platform(cli, &err)) == NULL)
        return jy_cli_fail(&err);
    pool = jy_pool_create(0);
    if (!once) {
        printf("scheduler started (pid %ld): due transitions now, then at every minute\n",
               (long) getpid());
        fflush(stdout);
    }
    pass(db, pool, once ? "scheduler" : "first pass", true);
    while (!once) {
        struct timespec ts = {to_next_minute(), 0};
        jy_pool_reset(pool);
        sig = sigtimedwait(&stop, NULL, &ts);
        if (sig > 0)
            break;
        if (sig < 0 && errno != EAGAIN && errno != EINTR) {
            jy_log_error("scheduler", "msg=\"sigtimedwait failed\" errno=%d", errno);
            break;
        }
        pass(db, pool, "pass", false);
    }
    if (!once) {
        printf("scheduler stopped%s\n", sig == SIGTERM  ? " (SIGTERM)"
                                        : sig == SIGINT ? " (SIGINT)"
                                        : sig == SIGHUP ? " (SIGHUP)"
                                                        : "");
        fflush(stdout);
    }
    jy_pool_destroy(pool);
    jy_db_close(db);
    return JY_EXIT_OK;
}

const struct jy_cmd jy_cmd_scheduler = {
    "scheduler",
    "fire scheduled publications and withdrawals at the minute",
    "usage: jiyue scheduler [--once]\n"
    "\n"
    "Publishes the placements whose publication time has come (once they may be\n"
    "published: approved, or in a column without a review chain) and withdraws\n"
    "those whose withdrawal time has come, running the pre-publish checks on the\n"
    "way. It runs at start, which catches up everything missed while no\n"
    "scheduler ran, and then at every full minute, until SIGTERM, SIGINT or\n"
    "SIGHUP stops it between two passes. --once runs one pass and exits.\n"
    "\n"
    "Several schedulers may run at once (on several machines): each transition\n"
    "fires exactly once. Times are set with \"jiyue item schedule\"; a publication\n"
    "the checks refuse is not retried and shows in \"jiyue item history\".\n",
    cmd_scheduler_run,
};
