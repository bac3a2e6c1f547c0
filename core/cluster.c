/*
 * cluster.c - the embedded PostgreSQL cluster; see cluster.h for what it
 * promises.
 */
#include "core/compat.h"
#include "core/cluster.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/proc.h"

#include <dirent.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* sizeof(sockaddr_un.sun_path) on Linux, including the NUL */
#define SUN_PATH_MAX    108
#define SOCKET_NAME     "/.s.PGSQL.5432"
#define START_ATTEMPTS  15
#define PG_DEFAULT_ROOT "/usr/lib/postgresql"

static const char conf_marker[] = "# Settings of the Jiyue embedded cluster";


static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}


/* The newest Debian server under /usr/lib/postgresql/<major>/bin, or NULL. */
static const char *
cluster_find_bindir(struct jy_pool *pool)
{
    DIR *d = opendir(PG_DEFAULT_ROOT);
    struct dirent *e;
    long best = -1;
    const char *which;

    if (d) {
        while ((e = readdir(d)) != NULL) {
            char path[512];
            char *end;
            long v = strtol(e->d_name, &end, 10);
            if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end != '\0')
                continue;
            snprintf(path, sizeof(path), PG_DEFAULT_ROOT "/%s/bin/pg_ctl", e->d_name);
            if (access(path, X_OK) == 0 && v > best)
                best = v;
        }
        closedir(d);
    }
    if (best >= 0)
        return jy_pool_printf(pool, PG_DEFAULT_ROOT "/%ld/bin", best);
    which = jy_proc_which("pg_ctl");
    if (which) {
        char *dir = jy_pool_strdup(pool, which);
        *strrchr(dir, '/') = '\0';
        return dir;
    }
    return NULL;
}


int
jy_cluster_init(struct jy_cluster *c, struct jy_pool *pool, const struct jy_conf *conf,
                struct jy_err *err)
{
    const char *data = jy_conf_get(conf, "pg_data");
    const char *bindir = jy_conf_get(conf, "pg_bindir");
    char cwd[4096];
    size_t len;

    memset(c, 0, sizeof(*c));
    c->pool = pool;
    if (data[0] == '\0') {
        jy_err_set(err, JY_E_INVALID, "setting \"pg_data\" is empty");
        jy_err_hint(err, "Give the data folder of the embedded cluster with --data DIR.");
        return JY_ERROR;
    }
    if (data[0] == '/') {
        c->data = jy_pool_strdup(pool, data);
    } else {
        if (getcwd(cwd, sizeof(cwd)) == NULL) {
            jy_err_errno(err, errno, "cannot determine the current folder");
            return JY_ERROR;
        }
        c->data = jy_pool_printf(pool, "%s/%s", strcmp(cwd, "/") ? cwd : "",
                                 strncmp(data, "./", 2) == 0 ? data + 2 : data);
    }
    len = strlen(c->data);
    while (len > 1 && c->data[len - 1] == '/')
        ((char *) c->data)[--len] = '\0';
    if (len + sizeof(SOCKET_NAME) > SUN_PATH_MAX) {
        jy_err_set(err, JY_E_INVALID, "data folder path \"%s\" is too long for a Unix socket",
                   c->data);
        jy_err_detail(err, "%zu bytes, at most %zu", len,
                      (size_t) SUN_PATH_MAX - sizeof(SOCKET_NAME));
        jy_err_hint(err, "Choose a shorter path with --data DIR.");
        return JY_ERROR;
    }
    c->bindir = bindir[0] ? jy_pool_strdup(pool, bindir) : cluster_find_bindir(pool);
    if (c->bindir == NULL) {
        jy_err_set(err, JY_E_UNAVAILABLE, "cannot find the PostgreSQL server programs");
        jy_err_hint(err, "Install them with \"apt-get install postgresql\", set pg_bindir, or "
                         "use an existing server with --db.");
        return JY_ERROR;
    }
    c->database = jy_pool_strdup(pool, jy_conf_get(conf, "pg_database"));
    c->drop_root = geteuid() == 0;
    if (c->drop_root) {
        c->os_user = jy_pool_strdup(pool, jy_conf_get(conf, "pg_user"));
    } else {
        struct passwd *pw = getpwuid(geteuid());
        c->os_user = jy_pool_strdup(pool, pw ? pw->pw_name : "?");
        c->uid = geteuid();
        c->gid = getegid();
    }
    return JY_OK;
}


const char *
jy_cluster_conninfo(const struct jy_cluster *c, const char *db)
{
    /* the role is always "jiyue": initdb -U jiyue, whoever owns the files */
    return jy_pool_printf(c->pool, "host=%s dbname=%s user=jiyue connect_timeout=10", c->data,
                          db ? db : c->database);
}


bool
jy_cluster_ready(const struct jy_cluster *c)
{
    char conninfo[300];

    snprintf(conninfo, sizeof(conninfo), "host=%s dbname=postgres user=jiyue connect_timeout=5",
             c->data);
    return PQping(conninfo) == PQPING_OK;
}


/* Options for running a PostgreSQL program: as the cluster user, from "/". */
static struct jy_proc_opts
cluster_proc_opts(const struct jy_cluster *c, struct jy_buf *out)
{
    struct jy_proc_opts o = {0};

    o.as_user = c->drop_root;
    o.uid = c->uid;
    o.gid = c->gid;
    o.cwd = "/";
    o.output = out;
    return o;
}


/* As root: find or create the system user that will own the cluster. */
static int
cluster_ensure_user(struct jy_cluster *c, struct jy_err *err)
{
    struct passwd *pw;

    if (!c->drop_root)
        return JY_OK;
    pw = getpwnam(c->os_user);
    if (pw == NULL) {
        struct jy_buf out = JY_BUF_INIT(c->pool);
        const char *useradd = jy_proc_which("useradd");
        const char *argv[] = {useradd ? useradd : "/usr/sbin/useradd",
                              "--system",
                              "--user-group",
                              "--no-create-home",
                              "--home-dir",
                              "/nonexistent",
                              "--shell",
                              "/usr/sbin/nologin",
                              "--comment",
                              "Jiyue embedded PostgreSQL",
                              c->os_user,
                              NULL};
        struct jy_proc_opts o = {0};
        int rc;

        o.output = &out;
        jy_log_info("cluster", "creating system user \"%s\" to run PostgreSQL (it refuses root)",
                    c->os_user);
        rc = jy_proc_run(argv, &o);
        pw = getpwnam(c->os_user);
        if (rc != 0 || pw == NULL) {
            jy_err_set(err, JY_E_INTERNAL, "could not create system user \"%s\"", c->os_user);
            jy_err_detail(err, "%s", out.len ? out.buf : "useradd failed");
            jy_err_hint(err,
                        "Create it yourself (useradd --system %s) or set pg_user to an "
                        "existing user.",
                        c->os_user);
            return JY_ERROR;
        }
    }
    if (pw->pw_uid == 0) {
        jy_err_set(err, JY_E_INVALID, "pg_user \"%s\" is root; PostgreSQL refuses to run as root",
                   c->os_user);
        jy_err_hint(err, "Set pg_user to an ordinary system user.");
        return JY_ERROR;
    }
    c->uid = pw->pw_uid;
    c->gid = pw->pw_gid;
    return JY_OK;
}


/*
 * As root: every folder above the data folder must let the cluster user
 * pass (search permission), or the postmaster cannot reach its data. A
 * clone under /root (mode 0700) is the common case; grant o+x only, which
 * lets others pass through but not list the folder.
 */
static int
cluster_ensure_reachable(struct jy_cluster *c, struct jy_err *err)
{
    char *path = jy_pool_strdup(c->pool, c->data);
    char *slash;

    if (!c->drop_root)
        return JY_OK;
    while ((slash = strrchr(path, '/')) != NULL) {
        struct stat st;
        mode_t need;
        if (slash == path)
            slash[1] = '\0';
        else
            *slash = '\0';
        if (stat(path, &st) == 0) {
            need = st.st_uid == c->uid ? S_IXUSR : st.st_gid == c->gid ? S_IXGRP : S_IXOTH;
            if (!(st.st_mode & need)) {
                jy_log_warn("cluster",
                            "granting search permission (o+x) on \"%s\" so that system user "
                            "\"%s\" can reach the data folder",
                            path, c->os_user);
                if (chmod(path, (st.st_mode & 07777) | S_IXOTH) != 0) {
                    jy_err_errno(err, errno, "cannot let user \"%s\" reach folder \"%s\"",
                                 c->os_user, path);
                    return JY_ERROR;
                }
            }
        }
        if (strcmp(path, "/") == 0)
            break;
    }
    return JY_OK;
}


/* mkdir -p for the parents of path; created folders belong to the caller. */
static int
mkdir_parents(struct jy_pool *pool, const char *path, struct jy_err *err)
{
    char *p = jy_pool_strdup(pool, path);
    char *s;

    for (s = p + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            jy_err_errno(err, errno, "cannot create folder \"%s\"", p);
            return JY_ERROR;
        }
        *s = '/';
    }
    return JY_OK;
}


static int
remove_tree(struct jy_cluster *c, const char *path)
{
    const char *rm = jy_proc_which("rm");
    const char *argv[] = {rm ? rm : "/bin/rm", "-rf", "--", path, NULL};
    struct jy_proc_opts o = {0};

    (void) c;
    return jy_proc_run(argv, &o);
}


/* Last lines of a text, for error details. */
static const char *
tail_lines(struct jy_pool *pool, const char *text, size_t len, int lines)
{
    size_t i = len;

    while (i > 0 && (text[i - 1] == '\n' || text[i - 1] == ' '))
        i--;
    len = i;
    while (i > 0 && lines > 0) {
        i--;
        if (text[i] == '\n')
            lines--;
    }
    if (text[i] == '\n')
        i++;
    return jy_pool_strndup(pool, text + i, len - i);
}


static const char *
read_file_tail(struct jy_pool *pool, const char *path, int lines)
{
    FILE *f = fopen(path, "rb");
    struct jy_buf b = JY_BUF_INIT(pool);
    char chunk[4096];
    size_t n;
    long size;

    if (f == NULL)
        return "";
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, size > 16384 ? size - 16384 : 0, SEEK_SET);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        jy_buf_add(&b, chunk, n);
    fclose(f);
    return tail_lines(pool, b.buf, b.len, lines);
}


/* An available locale for initdb: C.UTF-8 sorts bytewise and knows Unicode classes. */
static const char *
cluster_locale(void)
{
    struct stat st;

    if (stat("/usr/lib/locale/C.utf8", &st) == 0 || stat("/usr/lib/locale/C.UTF-8", &st) == 0)
        return "C.UTF-8";
    return "C";
}


static int
cluster_initdb(struct jy_cluster *c, struct jy_err *err)
{
    const char *tmp = jy_pool_printf(c->pool, "%s.init-%ld", c->data, (long) getpid());
    const char *initdb = jy_pool_printf(c->pool, "%s/initdb", c->bindir);
    const char *locale = jy_pool_printf(c->pool, "--locale=%s", cluster_locale());
    const char *argv[] = {
        initdb, "-D", tmp, "-U", "jiyue", "-A", "trust", "-E", "UTF8", locale, "--no-instructions",
        NULL};
    struct jy_buf out = JY_BUF_INIT(c->pool);
    struct jy_proc_opts o = cluster_proc_opts(c, &out);
    const char *conf_path, *log_dir;
    FILE *f;
    int rc;

    jy_log_info("cluster", "initialising a new PostgreSQL cluster in \"%s\"", c->data);
    if (mkdir_parents(c->pool, c->data, err) != JY_OK)
        return JY_ERROR;
    remove_tree(c, tmp); /* left over from a crash during an earlier initdb */
    if (mkdir(tmp, 0700) != 0) {
        jy_err_errno(err, errno, "cannot create folder \"%s\"", tmp);
        return JY_ERROR;
    }
    if (c->drop_root && chown(tmp, c->uid, c->gid) != 0) {
        jy_err_errno(err, errno, "cannot give folder \"%s\" to user \"%s\"", tmp, c->os_user);
        goto out_remove;
    }
    rc = jy_proc_run(argv, &o);
    if (rc != 0) {
        jy_err_set(err, JY_E_INTERNAL, "initdb failed for \"%s\" (exit status %d)", c->data, rc);
        jy_err_detail(err, "%s", tail_lines(c->pool, out.buf, out.len, 6));
        if (strstr(out.buf, "No space left"))
            jy_err_hint(err, "The disk is full. Free some space and run the command again.");
        goto out_remove;
    }
    conf_path = jy_pool_printf(c->pool, "%s/postgresql.conf", tmp);
    f = fopen(conf_path, "a");
    if (f == NULL) {
        jy_err_errno(err, errno, "cannot write \"%s\"", conf_path);
        goto out_remove;
    }
    /* no TCP at all: only the socket in the data folder, reachable by the owner (and root) */
    fprintf(f,
            "\n%s\nlisten_addresses = ''\nunix_socket_directories = '%s'\n"
            "unix_socket_permissions = 0700\nmax_connections = 200\n"
            "timezone = 'Asia/Shanghai'\nlog_timezone = 'Asia/Shanghai'\n",
            conf_marker, c->data);
    if (fclose(f) != 0) {
        jy_err_errno(err, errno, "cannot write \"%s\"", conf_path);
        goto out_remove;
    }
    log_dir = jy_pool_printf(c->pool, "%s/log", tmp);
    if (mkdir(log_dir, 0700) != 0 || (c->drop_root && chown(log_dir, c->uid, c->gid) != 0)) {
        jy_err_errno(err, errno, "cannot create folder \"%s\"", log_dir);
        goto out_remove;
    }
    /* rename(2) replaces an empty folder too (a folder made by mktemp -d, say) */
    if (rename(tmp, c->data) != 0) {
        jy_err_errno(err, errno, "cannot move the new cluster into \"%s\"", c->data);
        goto out_remove;
    }
    return JY_OK;

out_remove:
    remove_tree(c, tmp);
    return JY_ERROR;
}


static long
read_postmaster_pid(const struct jy_cluster *c)
{
    char path[600], line[64];
    FILE *f;
    long pid = 0;

    snprintf(path, sizeof(path), "%s/postmaster.pid", c->data);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    if (fgets(line, sizeof(line), f))
        pid = strtol(line, NULL, 10);
    fclose(f);
    return pid > 0 ? pid : 0;
}


/* True when pid is a running PostgreSQL server process. */
static bool
pid_is_postgres(long pid)
{
    char path[64], comm[64] = "";
    FILE *f;

    if (pid <= 0 || (kill((pid_t) pid, 0) != 0 && errno != EPERM))
        return false;
    snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
    f = fopen(path, "r");
    if (f == NULL)
        return true; /* no /proc: assume the worst, let PostgreSQL decide */
    if (fgets(comm, sizeof(comm), f) == NULL)
        comm[0] = '\0';
    fclose(f);
    if (strncmp(comm, "postgres", 8) != 0 && strncmp(comm, "postmaster", 10) != 0)
        return false;
    /* a killed postmaster whose parent does not reap it stays a zombie: dead all the same */
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f) {
        char stat[256] = "";
        const char *paren;
        if (fgets(stat, sizeof(stat), f) == NULL)
            stat[0] = '\0';
        fclose(f);
        paren = strrchr(stat, ')');
        if (paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'))
            return false;
    }
    return true;
}


int
jy_cluster_status(struct jy_cluster *c, struct jy_cluster_status *st, struct jy_err *err)
{
    char path[600];
    FILE *f;

    (void) err;
    memset(st, 0, sizeof(*st));
    snprintf(path, sizeof(path), "%s/PG_VERSION", c->data);
    f = fopen(path, "r");
    if (f) {
        st->initialised = true;
        if (fgets(st->version, sizeof(st->version), f))
            st->version[strcspn(st->version, "\n")] = '\0';
        fclose(f);
    } else if (errno == EACCES) {
        st->initialised = true; /* exists, not ours to read */
    }
    st->pid = read_postmaster_pid(c);
    if (st->pid && !pid_is_postgres(st->pid))
        st->pid = 0;
    st->running = st->initialised && jy_cluster_ready(c);
    return JY_OK;
}


/* Check that the existing data folder is a cluster we may run. */
static int
cluster_check_existing(struct jy_cluster *c, bool *need_init, struct jy_err *err)
{
    struct stat st;
    char path[600];
    DIR *d;
    struct dirent *e;
    bool empty = true;

    *need_init = false;
    if (stat(c->data, &st) != 0) {
        if (errno == ENOENT) {
            *need_init = true;
            return JY_OK;
        }
        jy_err_errno(err, errno, "cannot use data folder \"%s\"", c->data);
        return JY_ERROR;
    }
    if (!S_ISDIR(st.st_mode)) {
        jy_err_set(err, JY_E_INVALID, "data folder \"%s\" is not a folder", c->data);
        jy_err_hint(err, "Choose another path with --data DIR.");
        return JY_ERROR;
    }
    snprintf(path, sizeof(path), "%s/PG_VERSION", c->data);
    if (stat(path, &st) != 0 && errno == ENOENT) {
        d = opendir(c->data);
        while (d && (e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                empty = false;
        if (d)
            closedir(d);
        if (!empty) {
            jy_err_set(err, JY_E_INVALID,
                       "data folder \"%s\" is not empty and holds no PostgreSQL cluster", c->data);
            jy_err_hint(err, "Choose an empty or new folder with --data DIR.");
            return JY_ERROR;
        }
        *need_init = true;
        return JY_OK;
    }
    if (stat(c->data, &st) != 0) {
        jy_err_errno(err, errno, "cannot use data folder \"%s\"", c->data);
        return JY_ERROR;
    }
    if (st.st_uid != c->uid) {
        struct passwd *pw = getpwuid(st.st_uid);
        jy_err_set(err, JY_E_INVALID, "data folder \"%s\" belongs to user \"%s\", not \"%s\"",
                   c->data, pw ? pw->pw_name : "?", c->os_user);
        jy_err_hint(err, "%s",
                    c->drop_root ? "Set pg_user to that user, or choose another --data."
                                 : "Run jiyue as that user, or choose another --data.");
        return JY_ERROR;
    }
    return JY_OK;
}


static int
cluster_create_database(struct jy_cluster *c, struct jy_err *err)
{
    PGconn *conn = PQconnectdb(jy_cluster_conninfo(c, "postgres"));
    const char *params[1] = {c->database};
    PGresult *r;
    int rc = JY_ERROR;

    if (PQstatus(conn) != CONNECTION_OK) {
        jy_err_set(err, JY_E_UNAVAILABLE, "could not connect to the embedded cluster");
        jy_err_detail(err, "%s", PQerrorMessage(conn));
        goto out;
    }
    r = PQexecParams(conn, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL, params, NULL,
                     NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 0) {
        char *q = PQescapeIdentifier(conn, c->database, strlen(c->database));
        char *sql = jy_pool_printf(c->pool, "CREATE DATABASE %s", q ? q : "\"\"");
        PQfreemem(q);
        PQclear(r);
        r = PQexec(conn, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            jy_err_set(err, JY_E_INTERNAL, "could not create database \"%s\"", c->database);
            jy_err_detail(err, "%s", PQerrorMessage(conn));
            PQclear(r);
            goto out;
        }
        jy_log_info("cluster", "created database \"%s\"", c->database);
    }
    PQclear(r);
    rc = JY_OK;
out:
    PQfinish(conn);
    return rc;
}


int
jy_cluster_start(struct jy_cluster *c, struct jy_err *err)
{
    const char *pg_ctl = jy_pool_printf(c->pool, "%s/pg_ctl", c->bindir);
    const char *logfile = jy_pool_printf(c->pool, "%s/log/server.log", c->data);
    const char *argv[] = {pg_ctl, "start", "-D", c->data, "-l", logfile,
                          "-w",   "-t",    "60", "-s",    NULL};
    bool need_init;
    int attempt;
    long pid;

    /* the everyday case: it runs already, whoever owns it */
    if (jy_cluster_ready(c)) {
        jy_log_debug("cluster", "PostgreSQL is running in \"%s\"", c->data);
        return cluster_create_database(c, err);
    }
    if (cluster_ensure_user(c, err) != JY_OK || cluster_ensure_reachable(c, err) != JY_OK ||
        cluster_check_existing(c, &need_init, err) != JY_OK)
        return JY_ERROR;
    if (need_init && cluster_initdb(c, err) != JY_OK)
        return JY_ERROR;

    for (attempt = 1;; attempt++) {
        struct jy_buf out = JY_BUF_INIT(c->pool);
        struct jy_proc_opts o = cluster_proc_opts(c, &out);
        const char *log_tail;
        int rc;

        pid = read_postmaster_pid(c);
        if (pid && pid_is_postgres(pid)) {
            /* a postmaster runs (or is starting, or shutting down): wait for it */
            int i;
            for (i = 0; i < 300 && !jy_cluster_ready(c) && pid_is_postgres(pid); i++)
                sleep_ms(100);
            if (jy_cluster_ready(c)) {
                jy_log_info("cluster", "PostgreSQL is running in \"%s\" (pid %ld)", c->data, pid);
                break;
            }
            if (pid_is_postgres(pid)) {
                jy_err_set(err, JY_E_UNAVAILABLE,
                           "PostgreSQL (pid %ld) runs in \"%s\" but does not accept connections",
                           pid, c->data);
                jy_err_detail(err, "%s", read_file_tail(c->pool, logfile, 5));
                jy_err_hint(err, "Look at %s; \"jiyue db stop\" then start again.", logfile);
                return JY_ERROR;
            }
        } else if (pid) {
            /*
             * The pid in postmaster.pid is gone or belongs to another
             * program now. A dead pid PostgreSQL handles itself; a pid
             * reused by another program of the same user would stop it,
             * so the stale file goes.
             */
            if (kill((pid_t) pid, 0) == 0) {
                char path[600];
                snprintf(path, sizeof(path), "%s/postmaster.pid", c->data);
                jy_log_warn("cluster", "removing stale \"%s\" (pid %ld is not PostgreSQL)", path,
                            pid);
                unlink(path);
            } else {
                jy_log_warn("cluster",
                            "PostgreSQL in \"%s\" was not shut down cleanly "
                            "(pid %ld is gone); it recovers on start",
                            c->data, pid);
            }
        }
        rc = jy_proc_run(argv, &o);
        if (rc == 0 && jy_cluster_ready(c)) {
            jy_log_info("cluster", "PostgreSQL started in \"%s\"", c->data);
            break;
        }
        log_tail = read_file_tail(c->pool, logfile, 8);
        /*
         * After a kill -9 of the postmaster its children notice and exit
         * within a moment; until then the old shared memory is in use and
         * a new postmaster refuses to start. Retry for a while.
         */
        if (attempt < START_ATTEMPTS && (strstr(log_tail, "shared memory block") ||
                                         strstr(log_tail, "lock file") || rc == -1)) {
            jy_log_info("cluster", "waiting for the previous PostgreSQL processes to exit");
            sleep_ms(1000);
            continue;
        }
        jy_err_set(err, JY_E_UNAVAILABLE, "could not start PostgreSQL in \"%s\"", c->data);
        jy_err_detail(err, "%s%s%s", out.len ? tail_lines(c->pool, out.buf, out.len, 3) : "",
                      out.len ? "\n" : "", log_tail);
        if (strstr(log_tail, "No space left"))
            jy_err_hint(err, "The disk is full. Free some space and run the command again.");
        else
            jy_err_hint(err, "The server log is %s.", logfile);
        return JY_ERROR;
    }
    return cluster_create_database(c, err);
}


int
jy_cluster_stop(struct jy_cluster *c, struct jy_err *err)
{
    const char *pg_ctl = jy_pool_printf(c->pool, "%s/pg_ctl", c->bindir);
    const char *argv[] = {pg_ctl, "stop", "-D", c->data, "-m", "fast",
                          "-w",   "-t",   "60", "-s",    NULL};
    struct jy_buf out = JY_BUF_INIT(c->pool);
    struct jy_cluster_status st;
    struct jy_proc_opts o;
    int rc;

    if (jy_cluster_status(c, &st, err) != JY_OK)
        return JY_ERROR;
    if (!st.initialised || st.pid == 0) {
        jy_log_info("cluster", "PostgreSQL is not running in \"%s\"", c->data);
        return JY_OK;
    }
    if (cluster_ensure_user(c, err) != JY_OK)
        return JY_ERROR;
    o = cluster_proc_opts(c, &out);
    rc = jy_proc_run(argv, &o);
    if (rc != 0) {
        jy_err_set(err, JY_E_INTERNAL, "could not stop PostgreSQL in \"%s\"", c->data);
        jy_err_detail(err, "%s", tail_lines(c->pool, out.buf, out.len, 4));
        return JY_ERROR;
    }
    jy_log_info("cluster", "PostgreSQL stopped in \"%s\"", c->data);
    return JY_OK;
}
