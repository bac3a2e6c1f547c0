/*
 * cmd_pusher.c - `jiyue pusher`: the long-running process that sends
 * rendered files to mirrors (push.h). Any number may run, on any machine
 * that reaches the database and the output folder; they share the queue.
 */
#include "core/compat.h"
#include "core/cli.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/log.h"
#include "core/push.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static volatile sig_atomic_t pusher_stop;
static int pusher_pipe[2] = {-1, -1};


static void
pusher_on_signal(int sig)
{
    int saved = errno;
    char c = (char) sig;

    pusher_stop = 1;
    if (write(pusher_pipe[1], &c, 1) < 0) {
        /* the pipe is full: the loop is waking anyway */
    }
    errno = saved;
}


static int
cmd_pusher_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_push_conf pc;
    struct jy_push_stats st;
    struct jy_pusher *p;
    struct sigaction sa;
    bool once = false;
    int rc;

    if (jy_cli_wants_help(&jy_cmd_pusher, argc, argv))
        return JY_EXIT_OK;
    if (argc == 2 && strcmp(argv[1], "--once") == 0)
        once = true;
    else if (argc != 1)
        return jy_cli_usage_error(&jy_cmd_pusher, "unrecognized argument \"%s\"", argv[1]);
    if (cli->as_login)
        return jy_cli_usage_error(&jy_cmd_pusher, "the pusher acts as the system, not --as a user");
    /* the schema must be there; the pusher has a connection of its own */
    {
        struct jy_db *db = jy_cli_open_platform(cli, &err);
        if (db == NULL)
            return jy_cli_fail(&err);
        jy_db_close(db);
    }
    jy_push_conf_from(&pc, cli->conf);
    p = jy_pusher_create(jy_cli_conninfo(cli), &pc, &err);
    if (p == NULL)
        return jy_cli_fail(&err);
    if (pipe2(pusher_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        jy_err_errno(&err, errno, "cannot create a pipe");
        jy_pusher_destroy(p);
        return jy_cli_fail(&err);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = pusher_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = once ? jy_pusher_drain(p, &pusher_stop, &err)
              : jy_pusher_run(p, pusher_pipe[0], &pusher_stop, &err);
    jy_pusher_stats(p, &st);
    jy_pusher_destroy(p);
    close(pusher_pipe[0]);
    close(pusher_pipe[1]);
    jy_log_info("push",
                "pusher stopped: %lld pushes (%lld failed), %lld files sent, %lld bytes, "
                "%lld deleted, %lld verified (%lld wrong)",
                st.pushes, st.pushes_failed, st.files_sent, st.bytes_sent, st.files_deleted,
                st.verified, st.verify_wrong);
    if (rc != JY_OK)
        return jy_cli_fail(&err);
    if (once)
        printf("%lld pushes (%lld failed), %lld files sent, %lld deleted\n", st.pushes,
               st.pushes_failed, st.files_sent, st.files_deleted);
    return JY_EXIT_OK;
}

const struct jy_cmd jy_cmd_pusher = {
    "pusher",
    "send rendered files to mirrors until each holds its manifest (long-running)",
    "usage: jiyue pusher [--once]\n"
    "\n"
    "Waits for finished renders (LISTEN jy_render, jy_push; and a look at the\n"
    "queue every push_poll seconds) and pushes every mirror that is due: new\n"
    "and changed files, assets before pages, deletions last; a sample of the\n"
    "files sent is fetched back and compared. Failed pushes are retried with\n"
    "exponential backoff (push_retry_base .. push_retry_max seconds, with\n"
    "jitter); after push_degraded_after failures in a row a mirror is shown as\n"
    "degraded. Several pushers may run at once, on several machines: they share\n"
    "the queue in the database, one pusher per mirror at a time.\n"
    "\n"
    "SIGTERM or SIGINT stop it cleanly: transfers in flight are abandoned, what\n"
    "was confirmed stays, and the next pusher resumes the push.\n"
    "\n"
    "  --once   push what is due now, then exit (jobs waiting to retry are left)\n"
    "\n"
    "Settings: output_dir, push_parallel, push_mirrors, push_retry_base,\n"
    "push_retry_max, push_degraded_after, push_poll.\n",
    cmd_pusher_run,
};
