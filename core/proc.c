/*
 * proc.c - fork/exec with optional privilege drop and captured output.
 */
#include "core/compat.h"
#include "core/proc.h"
#include "core/buf.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/*
 * In the child: everything here must be async-signal-safe, since the
 * parent may have threads. On failure write a short reason and _exit(127).
 */
static JY_NORETURN void
proc_child(const char *const *argv, const struct jy_proc_opts *opts, int out_fd)
{
    static const char msg_user[] = "jiyue: cannot switch to the cluster's system user\n";
    static const char msg_cwd[] = "jiyue: cannot change to the working folder\n";
    static const char msg_exec[] = "jiyue: cannot execute program\n";
    int devnull = open("/dev/null", O_RDONLY);

    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        close(devnull);
    }
    if (out_fd >= 0) {
        dup2(out_fd, STDOUT_FILENO);
        dup2(out_fd, STDERR_FILENO);
        close(out_fd);
    }
    if (opts && opts->as_user) {
        if (setgroups(0, NULL) != 0 || setgid(opts->gid) != 0 || setuid(opts->uid) != 0) {
            if (write(STDERR_FILENO, msg_user, sizeof(msg_user) - 1) < 0) {
                /* nothing to do */
            }
            _exit(127);
        }
    }
    if (opts && opts->cwd && chdir(opts->cwd) != 0) {
        if (write(STDERR_FILENO, msg_cwd, sizeof(msg_cwd) - 1) < 0) {
            /* nothing to do */
        }
        _exit(127);
    }
    if (opts && opts->env) {
        size_t i;
        for (i = 0; opts->env[i]; i++)
            putenv((char *) opts->env[i]);
    }
    execv(argv[0], (char *const *) argv);
    if (write(STDERR_FILENO, msg_exec, sizeof(msg_exec) - 1) < 0) {
        /* nothing to do */
    }
    _exit(127);
}


int
jy_proc_run(const char *const *argv, const struct jy_proc_opts *opts)
{
    int pipefd[2] = {-1, -1}, status;
    pid_t pid;

    if (opts && opts->output && pipe2(pipefd, O_CLOEXEC) != 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        int e = errno;
        if (pipefd[0] >= 0) {
            close(pipefd[0]);
            close(pipefd[1]);
        }
        errno = e;
        return -1;
    }
    if (pid == 0) {
        if (pipefd[0] >= 0)
            close(pipefd[0]);
        proc_child(argv, opts, pipefd[1]);
    }
    if (pipefd[1] >= 0) {
        char chunk[4096];
        ssize_t n;
        close(pipefd[1]);
        /*
         * pg_ctl start leaves the postmaster holding our pipe only if its
         * output is not redirected; we always pass -l, so EOF comes when
         * pg_ctl exits.
         */
        while ((n = read(pipefd[0], chunk, sizeof(chunk))) != 0) {
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                break;
            }
            jy_buf_add(opts->output, chunk, (size_t) n);
        }
        close(pipefd[0]);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}


const char *
jy_proc_which(const char *name)
{
    static char found[4096];
    const char *path = getenv("PATH");
    const char *p;

    if (path == NULL || path[0] == '\0')
        path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
    for (p = path; *p;) {
        size_t n = strcspn(p, ":");
        struct stat st;
        snprintf(found, sizeof(found), "%.*s/%s", (int) n, p, name);
        if (n && stat(found, &st) == 0 && S_ISREG(st.st_mode) && access(found, X_OK) == 0)
            return found;
        p += n;
        if (*p == ':')
            p++;
    }
    return NULL;
}
