/*
 * push.h - the pusher: makes every mirror hold its site's manifest.
 *
 * The queue is push_job (schema/0050_mirror.sql): one row per mirror that
 * must converge. A pusher takes due rows with FOR UPDATE SKIP LOCKED and
 * holds a session advisory lock on each mirror it works on, so any number
 * of pushers (processes, machines) share the queue and each mirror has at
 * most one at a time; a pusher killed mid-push loses its locks with its
 * connection, and the next one resumes from what the mirror confirmed.
 *
 * One push of a mirror: read the newest finished generation G, then the
 * difference between the manifest (render_file, filtered by the mirror's
 * channels) and the mirror's confirmed manifest (mirror_file); send new and
 * changed assets, then pages (only if every asset arrived), then
 * deletions (only if every upload arrived); fetch a sample back and compare
 * hashes. Each file is confirmed (mirror_file) only after the server
 * accepted it, with the hash of the bytes actually read from the output
 * folder. Transfers run in one libcurl multi handle: keep-alive
 * connections, at most mirror.max_parallel per mirror and push_parallel in
 * total. A failed push is retried after an exponential backoff with jitter
 * (push_retry_base doubling up to push_retry_max); after
 * push_degraded_after failures in a row, or when the server refuses our
 * credentials, the mirror is "degraded" and keeps being retried at that
 * pace without holding up the others.
 *
 * Kinds: webdav (PUT; on 409, MKCOL of the missing folders and PUT again;
 * DELETE; GET to verify), sftp (libcurl/libssh2 upload creating folders,
 * "rm" quote, download), folder (POSIX: temp file + fsync + rename, so a
 * visitor never sees half a file).
 */
#ifndef JY_CORE_PUSH_H
#define JY_CORE_PUSH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct jy_conf;
struct jy_db;
struct jy_err;
struct jy_pool;

struct jy_push_conf {
    const char *output_dir; /* a site's tree is <output_dir>/<site code>/ */
    int total_parallel;     /* transfers at once over all mirrors (push_parallel) */
    int max_mirrors;        /* mirrors this process pushes at once (push_mirrors) */
    int retry_base_ms;      /* first retry delay (push_retry_base, seconds) */
    int retry_max_ms;       /* longest retry delay (push_retry_max, seconds) */
    int degrade_after;      /* failures in a row that make a mirror degraded */
    int poll_ms;            /* look at the queue this often without notification */
    long long only_mirror;  /* 0, or push this mirror only (jiyue mirror push --wait) */
};

/* Fill pc from the settings (output_dir, push_*). Strings live as long as conf. */
void jy_push_conf_from(struct jy_push_conf *pc, const struct jy_conf *conf);

struct jy_push_stats {
    long long pushes;        /* pushes finished */
    long long pushes_failed; /* of which failed (retried later) */
    long long files_sent;    /* uploads confirmed */
    long long bytes_sent;
    long long files_deleted;
    long long transfers_failed;
    long long verified;     /* files fetched back and compared */
    long long verify_wrong; /* of which wrong or missing */
};

struct jy_pusher;

/*
 * A pusher with its own database connection (conninfo; the system's role:
 * it reads credentials and writes mirror state). NULL and err on failure.
 */
struct jy_pusher *jy_pusher_create(const char *conninfo, const struct jy_push_conf *pc,
                                   struct jy_err *err);
void jy_pusher_destroy(struct jy_pusher *p);

/*
 * Push every job that is due, and those that become due meanwhile, until
 * none is due (jobs waiting for a retry are left) or *stop is set. For
 * `jiyue mirror push --wait`, tests and the benchmark.
 */
int jy_pusher_drain(struct jy_pusher *p, volatile sig_atomic_t *stop, struct jy_err *err);

/*
 * The long-running pusher (`jiyue pusher`): LISTEN jy_render and jy_push,
 * take due jobs when told and every poll_ms anyway, until *stop is set or
 * stop_fd (the read end of a self-pipe, -1 for none) becomes readable.
 * Jobs in flight when it stops are left to the next pusher: files already
 * confirmed stay confirmed. JY_ERROR only when the database is lost for
 * good (it reconnects otherwise).
 */
int jy_pusher_run(struct jy_pusher *p, int stop_fd, volatile sig_atomic_t *stop,
                  struct jy_err *err);

void jy_pusher_stats(const struct jy_pusher *p, struct jy_push_stats *out);

/* One file found wrong by verification. */
struct jy_verify_problem {
    const char *path;
    const char *what; /* "missing", "wrong content (...)", or the server's words */
};

struct jy_verify_report {
    long long checked;
    long long ok;
    long long wrong;                    /* missing or different bytes */
    long long errors;                   /* could not be fetched (the server's words in problems) */
    struct jy_verify_problem *problems; /* at most 50, in the report's pool */
    int nproblems;
};

/*
 * Fetch back every file the mirror has confirmed (sample -1) or a random
 * sample of them, and compare hashes with the confirmed manifest. Files found
 * missing or different are dropped from the confirmed manifest and a push is
 * queued, so the next push repairs them. The system only (credentials).
 */
int jy_mirror_verify(const char *conninfo, struct jy_pool *pool, long long mirror_id, int sample,
                     struct jy_verify_report *rep, struct jy_err *err);

/*
 * The words of a server's answer, for a person and for mirror_status:
 * "HTTP/1.1 507 Insufficient Storage: <the body's text>". Both parts come
 * from outside: only valid UTF-8 is kept, control characters are dropped,
 * white space is collapsed, HTML tags are removed from the body, the body
 * gives at most 200 bytes, and the whole is cut on a character boundary to
 * fit cap (with its NUL). An empty status gives "no answer". Returns the
 * length written.
 */
size_t jy_push_server_words(const char *status, size_t slen, const char *body, size_t blen,
                            char *dst, size_t cap);

#endif /* JY_CORE_PUSH_H */
