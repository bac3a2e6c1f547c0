/*
 * http_client.h - what the HTTP tests share: start the real `jiyue serve`
 * (the binary of JIYUE_BIN) on a free loopback port, talk to it with
 * libcurl, stop it with a signal.
 */
#ifndef JY_TESTS_HTTP_CLIENT_H
#define JY_TESTS_HTTP_CLIENT_H

#include "core/compat.h"
#include "core/buf.h"
#include "core/pool.h"
#include "tests/test.h"

#include <fcntl.h>
#include <strings.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

struct srv {
    pid_t pid;
    int port;
    const char *dir; /* its temp folder: ready file, log, file store */
    const char *log;
};

/*
 * Start jiyue serve on db with extra "--set k=v" settings (NULL-terminated);
 * returns when it listens (it writes its port to a ready file).
 */
static JY_UNUSED void
srv_start(struct srv *s, struct jy_pool *pool, const char *db, const char *const *sets)
{
    const char *bin = getenv("JIYUE_BIN");
    const char *argv[64];
    int n = 0, i, status;
    const char *ready;
    FILE *f;

    T_ASSERT(bin != NULL);
    s->dir = jy_test_tmpdir();
    s->log = jy_pool_printf(pool, "%s/server.log", s->dir);
    ready = jy_pool_printf(pool, "%s/port", s->dir);
    argv[n++] = bin;
    argv[n++] = "--db";
    argv[n++] = db;
    argv[n++] = "--log-level";
    argv[n++] = "info";
    argv[n++] = "--set";
    argv[n++] = "listen=127.0.0.1:0";
    argv[n++] = "--set";
    argv[n++] = "password_cost=test";
    argv[n++] = "--set";
    argv[n++] = jy_pool_printf(pool, "file_dir=%s/files", s->dir);
    for (i = 0; sets && sets[i]; i++) {
        argv[n++] = "--set";
        argv[n++] = sets[i];
    }
    argv[n++] = "serve";
    argv[n++] = "--ready-file";
    argv[n++] = ready;
    argv[n] = NULL;
    s->pid = fork();
    T_ASSERT(s->pid >= 0);
    if (s->pid == 0) {
        int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(bin, (char *const *) argv);
        _exit(127);
    }
    /* wait for the ready file, or for the server to die */
    for (;;) {
        if ((f = fopen(ready, "r")) != NULL) {
            T_ASSERT(fscanf(f, "%d", &s->port) == 1);
            fclose(f);
            break;
        }
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            jy_test_system("cat %s", s->log);
            jy_test_fail(__FILE__, __LINE__, "jiyue serve exited before listening");
        }
        usleep(20000);
    }
}


/* Send sig and wait for the exit; returns the exit status (-1: killed by a signal). */
static JY_UNUSED int
srv_stop(struct srv *s, int sig)
{
    int status = 0;

    if (s->pid <= 0)
        return -1;
    kill(s->pid, sig);
    waitpid(s->pid, &status, 0);
    s->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}


struct resp {
    long status;
    char *body;    /* NUL-terminated, in the pool */
    char *headers; /* raw header lines */
};

struct sink {
    struct jy_buf b;
};


static size_t
http_sink(char *p, size_t size, size_t n, void *arg)
{
    struct sink *s = arg;
    jy_buf_add(&s->b, p, size * n);
    return size * n;
}


/*
 * One request. hdrs: extra header lines (NULL-terminated, may be NULL);
 * body NULL for none; content_type NULL means application/json when there
 * is a body.
 */
static JY_UNUSED struct resp
http_req(struct jy_pool *pool, const struct srv *s, const char *method, const char *path,
         const char *body, size_t body_len, const char *content_type, const char *const *hdrs)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    struct sink sb = {JY_BUF_INIT(pool)}, sh = {JY_BUF_INIT(pool)};
    struct resp r;
    CURLcode rc;
    int i;

    curl_easy_setopt(c, CURLOPT_URL, jy_pool_printf(pool, "http://127.0.0.1:%d%s", s->port, path));
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sb);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_sink);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &sh);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) body_len);
        h = curl_slist_append(h, jy_pool_printf(pool, "Content-Type: %s",
                                                content_type ? content_type : "application/json"));
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    h = curl_slist_append(h, "Expect:");
    for (i = 0; hdrs && hdrs[i]; i++)
        h = curl_slist_append(h, hdrs[i]);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    rc = curl_easy_perform(c);
    r.status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    r.body = sb.b.buf;
    r.headers = sh.b.buf;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return r;
}


/* Value of response header name (case-insensitive), in the pool; NULL when absent. */
static JY_UNUSED const char *
resp_header(struct jy_pool *pool, const struct resp *r, const char *name)
{
    size_t n = strlen(name);
    const char *p = r->headers;

    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t) (eol - p) : strlen(p);
        if (len > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            return jy_pool_strndup(pool, v, len - (size_t) (v - p));
        }
        p += len + (eol ? 2 : 0);
    }
    return NULL;
}

#endif /* JY_TESTS_HTTP_CLIENT_H */
