/*
 * daemons.h - the platform's background work inside one process: the
 * renderer following changes (render --watch), the pusher feeding the
 * mirrors (jiyue pusher) and the scheduler firing due publications
 * (jiyue scheduler), each on a thread of its own with its own database
 * connection. `jiyue serve` runs them beside the HTTP server, so that one
 * command is the whole platform: an approval in the console reaches every
 * mirror without another program running.
 *
 * Each can also run as its own process (the commands above) and on other
 * machines: the renderer takes an advisory lock, the pushers share their
 * queue with SKIP LOCKED and schedulers fire each due time exactly once.
 */
#ifndef JY_CORE_DAEMONS_H
#define JY_CORE_DAEMONS_H

#include <stdbool.h>

struct jy_conf;
struct jy_err;

struct jy_daemons_opts {
    const char *conninfo;
    const struct jy_conf *conf;
    bool render;    /* follow render_change and render what it touches */
    bool push;      /* push rendered files to the mirrors */
    bool scheduler; /* fire due publications and withdrawals every minute */
};

/* Start the threads asked for. JY_ERROR (nothing started) when one cannot start. */
int jy_daemons_start(const struct jy_daemons_opts *opts, struct jy_err *err);

/* Ask them to stop and wait: the render or push in progress finishes first. */
void jy_daemons_stop(void);

#endif /* JY_CORE_DAEMONS_H */
