/*
 * proc.h - running other programs (initdb, pg_ctl, useradd) the safe way:
 * fork + execv with an argument vector (no shell, so no quoting bugs),
 * optionally as another system user, with stdout and stderr captured so a
 * failure can be reported with what the program said.
 */
#ifndef JY_CORE_PROC_H
#define JY_CORE_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct jy_buf;

struct jy_proc_opts {
    bool as_user; /* switch to uid/gid before exec (we are root) */
    uid_t uid;
    gid_t gid;
    const char *cwd;        /* chdir before exec; NULL keeps ours */
    struct jy_buf *output;  /* stdout+stderr land here when not NULL, else /dev/null */
    const char *const *env; /* extra NAME=VALUE entries, NULL-terminated */
};

/*
 * Run argv[0] (an absolute path) with argv and wait for it. Returns its
 * exit status 0..255, 128+signal when killed, or -1 when it could not be
 * started (errno set).
 */
int jy_proc_run(const char *const *argv, const struct jy_proc_opts *opts);

/* Absolute path of a program found in PATH, or NULL. Static storage. */
const char *jy_proc_which(const char *name);

#endif /* JY_CORE_PROC_H */
