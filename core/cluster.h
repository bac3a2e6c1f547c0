/*
 * cluster.h - the embedded PostgreSQL cluster.
 *
 * With no connection string configured, Jiyue runs its own cluster with
 * Debian's initdb and pg_ctl under a data folder (setting pg_data, default
 * var/pg), listening on a Unix socket inside that folder and on no TCP
 * port. Layout of the data folder: it is PGDATA itself; the socket is
 * <pg_data>/.s.PGSQL.5432 and the server log <pg_data>/log/server.log.
 *
 * PostgreSQL refuses to run as root. When jiyue runs as root, the cluster
 * belongs to a system user (setting pg_user, default "jiyue", created with
 * useradd when missing) and initdb, pg_ctl and postgres run as that user;
 * jiyue itself connects over the socket. Run as an ordinary user, the
 * cluster belongs to that user.
 *
 * Guarantees:
 *  - start is idempotent: a running cluster is left alone;
 *  - a first start initialises into a temporary sibling folder and renames
 *    it into place only when initdb succeeded, so a failed start never
 *    leaves a half-initialised cluster;
 *  - a stale postmaster.pid (the process is gone, or its pid now belongs to
 *    another program) is removed, and a crashed cluster is started again
 *    (PostgreSQL replays its WAL);
 *  - every failure says what is wrong and what to do.
 */
#ifndef JY_CORE_CLUSTER_H
#define JY_CORE_CLUSTER_H

#include <stdbool.h>
#include <sys/types.h>

struct jy_conf;
struct jy_err;
struct jy_pool;

struct jy_cluster {
    const char *data;     /* absolute path of PGDATA */
    const char *bindir;   /* folder of initdb, pg_ctl, postgres */
    const char *database; /* database jiyue uses, created on start */
    const char *os_user;  /* owner of the cluster's processes */
    bool drop_root;       /* we are root: run PostgreSQL as os_user */
    uid_t uid;            /* of os_user */
    gid_t gid;
    struct jy_pool *pool; /* strings above live here */
};

struct jy_cluster_status {
    bool initialised; /* PG_VERSION exists */
    bool running;     /* the postmaster answers */
    long pid;         /* postmaster pid, 0 when not running */
    char version[32]; /* PG_VERSION contents, e.g. "15" */
};

/* Resolve paths, the PostgreSQL programs and the system user from conf. */
int jy_cluster_init(struct jy_cluster *c, struct jy_pool *pool, const struct jy_conf *conf,
                    struct jy_err *err);

/* Initialise if needed, start if not running, wait until it accepts connections. */
int jy_cluster_start(struct jy_cluster *c, struct jy_err *err);

/* Stop (fast shutdown: running transactions are rolled back); stopped is JY_OK. */
int jy_cluster_stop(struct jy_cluster *c, struct jy_err *err);

int jy_cluster_status(struct jy_cluster *c, struct jy_cluster_status *st, struct jy_err *err);

/* Connection string for database db (NULL: c->database). Lives in c->pool. */
const char *jy_cluster_conninfo(const struct jy_cluster *c, const char *db);

/* True when a postmaster of this cluster accepts connections right now. */
bool jy_cluster_ready(const struct jy_cluster *c);

#endif /* JY_CORE_CLUSTER_H */
