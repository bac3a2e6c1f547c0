/*
 * mirror_servers.h - real servers for the mirror tests and the push
 * benchmark, started by the test itself on loopback with their own
 * configuration and prefix in a temp folder (no system service):
 *
 *  - Debian's nginx with its WebDAV module (dav_methods PUT DELETE MKCOL),
 *    locations that refuse in the ways mirrors refuse (401, 403, 507);
 *  - OpenSSH's sshd with a host key and a user key of the test's own, its
 *    internal-sftp subsystem serving SFTP;
 *  - a stand-in for the renderer that follows the contract of
 *    schema/0040_render_output.sql exactly: a generation row, files renamed
 *    into <output_dir>/<site code>/ with their render_file rows, removed
 *    files with their rows deleted, finished_at set at the end.
 *
 * Helpers return 0 on success and print what went wrong otherwise, so the
 * benchmark (which has no test runner) can use them too.
 */
#ifndef JY_TESTS_MIRROR_SERVERS_H
#define JY_TESTS_MIRROR_SERVERS_H

#include "core/compat.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

static JY_UNUSED int ms_sh(const char *fmt, ...) JY_PRINTF(1, 2);

static JY_UNUSED int
ms_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    int st;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    fflush(stdout);
    st = system(cmd);
    return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}


static JY_UNUSED void
ms_sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (long) (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}


/* A TCP port on 127.0.0.1 that was free a moment ago. */
static JY_UNUSED int
ms_free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int s = socket(AF_INET, SOCK_STREAM, 0), port;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || bind(s, (struct sockaddr *) &a, sizeof(a)) != 0 ||
        getsockname(s, (struct sockaddr *) &a, &len) != 0) {
        if (s >= 0)
            close(s);
        return -1;
    }
    port = ntohs(a.sin_port);
    close(s);
    return port;
}


/* Wait until something accepts connections on port (at most 10 s). */
static JY_UNUSED int
ms_wait_port(int port)
{
    int i;

    for (i = 0; i < 1000; i++) {
        struct sockaddr_in a;
        int s = socket(AF_INET, SOCK_STREAM, 0), rc;
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t) port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = connect(s, (struct sockaddr *) &a, sizeof(a));
        close(s);
        if (rc == 0)
            return 0;
        ms_sleep_ms(10);
    }
    printf("    nothing listens on port %d after 10 s\n", port);
    return -1;
}


static JY_UNUSED pid_t
ms_read_pid(const char *file)
{
    FILE *f = fopen(file, "r");
    long pid = 0;

    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    return (pid_t) pid;
}


/* Stop the daemon whose pid is in file and wait until it is gone. */
static JY_UNUSED void
ms_stop_pidfile(const char *file)
{
    pid_t pid = ms_read_pid(file);
    int i;

    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (i = 0; i < 500 && kill(pid, 0) == 0; i++)
        ms_sleep_ms(10);
    if (kill(pid, 0) == 0)
        kill(pid, SIGKILL);
    unlink(file);
}


struct ms_nginx {
    char dir[512]; /* prefix: nginx.conf, logs, www/ (the served tree) */
    int port;
};

/*
 * nginx on 127.0.0.1:port (port 0: a free one), serving dir/www:
 *   /dav/    PUT DELETE MKCOL, folders created as needed (create_full_put_path)
 *   /mk/     PUT DELETE MKCOL, folders not created: PUT answers 409 without MKCOL
 *   /auth/   as /dav/, behind basic authentication: user "pusher", password "s3cret"
 *   /deny/   PUT and DELETE forbidden (403)
 *   /full/   PUT answered 507 Insufficient Storage
 * The access log (dir/access.log) has one line per request: "METHOD URI STATUS cN", N being
 * nginx's connection number (requests on one kept-alive connection share it).
 * extra: more server-level directives (a location on a small file system ...).
 */
static JY_UNUSED int
ms_nginx_start(struct ms_nginx *n, const char *dir, int port, const char *extra)
{
    char path[700];
    FILE *f;

    if (dir != n->dir) /* a restart passes n->dir itself */
        snprintf(n->dir, sizeof(n->dir), "%s", dir);
    dir = n->dir;
    if (dir[0] != '/') {
        printf("    nginx needs an absolute prefix, not \"%s\"\n", dir);
        return -1;
    }
    n->port = port ? port : ms_free_port();
    if (ms_sh("mkdir -p '%s/www/dav' '%s/www/mk' '%s/www/auth' '%s/www/deny' '%s/www/full' "
              "'%s/tmp'",
              dir, dir, dir, dir, dir, dir) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/htpasswd", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "pusher:{PLAIN}s3cret\n");
    fclose(f);
    snprintf(path, sizeof(path), "%s/nginx.conf", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f,
            "%s"
            "worker_processes 1;\n"
            "pid %s/nginx.pid;\n"
            "error_log %s/error.log warn;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            "  log_format m '$request_method $uri $status c$connection';\n"
            "  access_log %s/access.log m;\n"
            "  client_body_temp_path %s/tmp;\n"
            "  proxy_temp_path %s/tmp; fastcgi_temp_path %s/tmp; uwsgi_temp_path %s/tmp;\n"
            "  scgi_temp_path %s/tmp;\n"
            "  keepalive_requests 100000;\n"
            "  client_max_body_size 64m;\n"
            "  server {\n"
            "    listen 127.0.0.1:%d;\n"
            "    root %s/www;\n"
            "    location /dav/ { dav_methods PUT DELETE MKCOL; create_full_put_path on; }\n"
            "    location /mk/ { dav_methods PUT DELETE MKCOL; }\n"
            "    location /auth/ { auth_basic \"mirror\"; auth_basic_user_file %s/htpasswd;\n"
            "      dav_methods PUT DELETE MKCOL; create_full_put_path on; }\n"
            "    location /deny/ { limit_except GET HEAD { deny all; } }\n"
            "    location /full/ { if ($request_method = PUT) { return 507; } }\n"
            "    %s\n"
            "  }\n"
            "}\n",
            geteuid() == 0 ? "user root root;\n" : "", dir, dir, dir, dir, dir, dir, dir, dir,
            n->port, dir, dir, extra ? extra : "");
    fclose(f);
    if (ms_sh("nginx -q -p '%s' -c '%s/nginx.conf' -e '%s/error.log'", dir, dir, dir) != 0) {
        ms_sh("cat '%s/error.log'", dir);
        return -1;
    }
    return ms_wait_port(n->port);
}


static JY_UNUSED void
ms_nginx_stop(struct ms_nginx *n)
{
    char pidfile[600];

    snprintf(pidfile, sizeof(pidfile), "%s/nginx.pid", n->dir);
    ms_stop_pidfile(pidfile);
}


struct ms_sshd {
    char dir[512];
    int port;
    char host_key_sha256[80]; /* "SHA256:..." */
    char user_key[600];       /* private key file of the user */
    char user[64];
};

/* sshd on 127.0.0.1 with keys of its own; the login is the user running the test. */
static JY_UNUSED int
ms_sshd_start(struct ms_sshd *s, const char *dir)
{
    char path[700], line[512];
    FILE *f;

    snprintf(s->dir, sizeof(s->dir), "%s", dir);
    s->port = ms_free_port();
    snprintf(s->user_key, sizeof(s->user_key), "%s/user_key", dir);
    snprintf(s->user, sizeof(s->user), "%s", getenv("USER") ? getenv("USER") : "root");
    if (geteuid() == 0)
        snprintf(s->user, sizeof(s->user), "root");
    if (ms_sh("mkdir -p '%s/sftp' /run/sshd && chmod 755 '%s' && "
              "ssh-keygen -q -t ecdsa -b 256 -m PEM -N '' -f '%s/host_key' && "
              "ssh-keygen -q -t ecdsa -b 256 -m PEM -N '' -f '%s/user_key' && "
              "cp '%s/user_key.pub' '%s/authorized_keys' && chmod 600 '%s/authorized_keys'",
              dir, dir, dir, dir, dir, dir, dir) != 0)
        return -1;
    snprintf(path, sizeof(path), "ssh-keygen -lf '%s/host_key.pub' -E sha256", dir);
    f = popen(path, "r");
    if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
        if (f)
            pclose(f);
        return -1;
    }
    pclose(f);
    if (sscanf(line, "%*d %79s", s->host_key_sha256) != 1)
        return -1;
    snprintf(path, sizeof(path), "%s/sshd_config", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f,
            "Port %d\nListenAddress 127.0.0.1\nHostKey %s/host_key\nPidFile %s/sshd.pid\n"
            "AuthorizedKeysFile %s/authorized_keys\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPermitRootLogin yes\n"
            "Subsystem sftp internal-sftp\n",
            s->port, dir, dir, dir);
    fclose(f);
    if (ms_sh("/usr/sbin/sshd -f '%s/sshd_config' -E '%s/sshd.log'", dir, dir) != 0) {
        ms_sh("cat '%s/sshd.log'", dir);
        return -1;
    }
    return ms_wait_port(s->port);
}


static JY_UNUSED void
ms_sshd_stop(struct ms_sshd *s)
{
    char pidfile[600];

    snprintf(pidfile, sizeof(pidfile), "%s/sshd.pid", s->dir);
    ms_stop_pidfile(pidfile);
}


/* The renderer's side of the contract, for one site. */
struct ms_site {
    struct jy_db *db; /* the system's connection (the renderer is the table owner) */
    struct jy_pool *pool;
    long long site_id;
    char code[16];
    char root[600]; /* <output_dir>/<code> */
    long long gen;  /* the generation being written, 0 between two */
};


static JY_UNUSED int
ms_q(struct ms_site *s, const char *sql, int n, const char *const *p)
{
    struct jy_err err = JY_ERR_INIT;

    if (jy_db_query(s->db, s->pool, sql, n, p, &err) == NULL) {
        printf("    renderer stand-in: %s\n    %s (%s)\n", sql, err.msg, err.detail);
        return -1;
    }
    return 0;
}


static JY_UNUSED int
ms_site_init(struct ms_site *s, struct jy_db *db, struct jy_pool *pool, long long site_id,
             const char *code, const char *output_dir)
{
    memset(s, 0, sizeof(*s));
    s->db = db;
    s->pool = pool;
    s->site_id = site_id;
    snprintf(s->code, sizeof(s->code), "%s", code);
    snprintf(s->root, sizeof(s->root), "%s/%s", output_dir, code);
    return ms_sh("mkdir -p '%s'", s->root);
}


static JY_UNUSED int
ms_gen_begin(struct ms_site *s, const char *reason)
{
    struct jy_err err = JY_ERR_INIT;
    const char *p[2] = {jy_pool_printf(s->pool, "%lld", s->site_id), reason};
    const char *id = jy_db_query_value(s->db, s->pool,
                                       "INSERT INTO render_generation (site_id, reason)"
                                       " VALUES ($1, $2) RETURNING id",
                                       2, p, &err);

    if (id == NULL) {
        printf("    renderer stand-in: %s (%s)\n", err.msg, err.detail);
        return -1;
    }
    s->gen = atoll(id);
    return 0;
}


/* Write a file (temp + rename), then its manifest row. */
static JY_UNUSED int
ms_write(struct ms_site *s, const char *path, const void *data, size_t len, bool asset,
         const char *channel)
{
    char *dst = jy_pool_printf(s->pool, "%s/%s", s->root, path);
    char *tmp = jy_pool_printf(s->pool, "%s.tmp%d", dst, (int) getpid()), *slash;
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[65];
    const char *p[7];
    int fd;

    for (slash = strchr(dst + strlen(s->root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(dst, 0755);
        *slash = '/';
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, data, len) != (ssize_t) len || close(fd) != 0 || rename(tmp, dst)) {
        printf("    renderer stand-in: cannot write %s: %s\n", dst, strerror(errno));
        return -1;
    }
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    p[0] = jy_pool_printf(s->pool, "%lld", s->site_id);
    p[1] = path;
    p[2] = channel ? channel : (asset ? "asset" : "desktop");
    p[3] = jy_pool_printf(s->pool, "%zu", len);
    p[4] = hex;
    p[5] = asset ? "true" : "false";
    p[6] = jy_pool_printf(s->pool, "%lld", s->gen);
    return ms_q(s,
                "INSERT INTO render_file (site_id, path, channel, size, sha256, is_asset,"
                " generation) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT (site_id, path) DO UPDATE SET channel = excluded.channel,"
                " size = excluded.size, sha256 = excluded.sha256, is_asset = excluded.is_asset,"
                " generation = excluded.generation, updated_at = now()",
                7, p);
}


static JY_UNUSED int
ms_write_str(struct ms_site *s, const char *path, const char *text, bool asset)
{
    return ms_write(s, path, text, strlen(text), asset, NULL);
}


/* Remove a file, then its manifest row. */
static JY_UNUSED int
ms_remove(struct ms_site *s, const char *path)
{
    const char *p[2] = {jy_pool_printf(s->pool, "%lld", s->site_id), path};

    if (unlink(jy_pool_printf(s->pool, "%s/%s", s->root, path)) != 0 && errno != ENOENT)
        return -1;
    return ms_q(s, "DELETE FROM render_file WHERE site_id = $1 AND path = $2", 2, p);
}


/* Finish the generation: what queues the pushes (trigger) and tells pushers (NOTIFY). */
static JY_UNUSED int
ms_gen_finish(struct ms_site *s)
{
    const char *p[2] = {jy_pool_printf(s->pool, "%lld", s->gen),
                        jy_pool_printf(s->pool, "%lld %lld", s->site_id, s->gen)};

    if (ms_q(s, "UPDATE render_generation SET finished_at = now() WHERE id = $1", 1, p) != 0 ||
        ms_q(s, "SELECT pg_notify('jy_render', $1)", 1, p + 1) != 0)
        return -1;
    s->gen = 0;
    return 0;
}

#endif /* JY_TESTS_MIRROR_SERVERS_H */
