/*
 * mirror.h - the mirrors of a site (schema/0050_mirror.sql): where its
 * rendered tree is served from, their credentials and their status.
 *
 * A mirror is named by its id or by SITE/NAME, SITE being the site's
 * 政府网站标识码, a domain or its id (the same as everywhere in the CLI).
 * Everything here runs under the connection's actor: as the system (owner
 * role) it may do anything, as a person (jiyue_app) row-level security
 * lets platform admins manage mirrors and site admins read their own
 * site's mirrors and status. Credentials are written here but never read
 * back: only the pusher (push.h) loads them.
 *
 * Strings of the structs below live in the pool passed to the call.
 */
#ifndef JY_CORE_MIRROR_H
#define JY_CORE_MIRROR_H

#include <stdbool.h>

struct jy_db;
struct jy_err;
struct jy_pool;

enum jy_mirror_kind {
    JY_MIRROR_FOLDER, /* a local folder: files written with temp + fsync + rename */
    JY_MIRROR_WEBDAV, /* HTTP PUT, DELETE, MKCOL (nginx dav_methods) */
    JY_MIRROR_SFTP,   /* SFTP through libcurl (libssh2) */
};

struct jy_mirror {
    long long id;
    long long site_id;
    const char *site_code; /* 政府网站标识码 of the site */
    const char *site_name;
    const char *name;
    enum jy_mirror_kind kind;
    const char *url;      /* folder path, http(s):// or sftp:// URL of the site's root */
    const char *channels; /* "desktop,elder", or NULL for every channel */
    bool enabled;
    int max_parallel;            /* transfers at once */
    int verify_sample;           /* files fetched back after a push; -1 all */
    int timeout_s;               /* connect and low-speed limit */
    const char *host_key_sha256; /* sftp: expected host key, or NULL */
};

/* What `jiyue mirror add` takes. NULL or 0 fields take the defaults. */
struct jy_mirror_spec {
    const char *site; /* code, domain or id */
    const char *name;
    const char *kind; /* folder, webdav, sftp */
    const char *url;
    const char *channels; /* comma-separated, NULL: all */
    int max_parallel;     /* 0: default 4 */
    int verify_sample;    /* -2: default 3 */
    int timeout_s;        /* 0: default 30 */
    const char *host_key_sha256;
    /* credentials (stored in mirror_credential) */
    const char *username;
    const char *password; /* or the passphrase of ssh_key */
    const char *ssh_key;  /* path of the private key file */
    const char *ssh_pubkey;
};

struct jy_mirror_status {
    const char *state; /* new, ok, pushing, retrying, degraded */
    int failures;      /* failed pushes in a row */
    long long confirmed_generation;
    const char *confirmed_at;
    long long lag_files;   /* files to send or delete */
    long long lag_seconds; /* since the oldest generation the mirror lacks */
    long long confirmed_files;
    bool queued;
    const char *run_after; /* when the queued push may run, or NULL */
    const char *last_push_at;
    int last_push_files;
    long long last_push_bytes;
    int last_push_ms;
    const char *last_error; /* with the server's words, or NULL */
    const char *last_error_path;
    const char *last_error_at;
    const char *pusher;
};

const char *jy_mirror_kind_name(enum jy_mirror_kind kind);

/*
 * Check a spec and insert the mirror (and its credentials), in one
 * transaction; a full push is queued at once. Every problem is reported with
 * the field it concerns (err->field). *id_out gets the new id.
 */
int jy_mirror_add(struct jy_db *db, struct jy_pool *pool, const struct jy_mirror_spec *spec,
                  long long *id_out, struct jy_err *err);

/* Find a mirror by id or SITE/NAME; JY_E_NOT_FOUND when there is none (or it is not visible). */
int jy_mirror_find(struct jy_db *db, struct jy_pool *pool, const char *ref, struct jy_mirror *m,
                   struct jy_err *err);

/* Every visible mirror, of one site (code, domain or id) or of all when site is NULL. */
int jy_mirror_list(struct jy_db *db, struct jy_pool *pool, const char *site, struct jy_mirror **out,
                   int *n_out, struct jy_err *err);

/* Remove a mirror with its confirmed manifest, status, queue entry and credentials. */
int jy_mirror_remove(struct jy_db *db, struct jy_pool *pool, const char *ref, struct jy_err *err);

/* Enable or disable; enabling queues a push, disabling drops the queued one. */
int jy_mirror_set_enabled(struct jy_db *db, struct jy_pool *pool, const char *ref, bool enabled,
                          struct jy_err *err);

/* Status and lag of a mirror. */
int jy_mirror_status_get(struct jy_db *db, struct jy_pool *pool, long long mirror_id,
                         struct jy_mirror_status *st, struct jy_err *err);

/*
 * Queue a push of the mirror now (run_after = now, even in backoff). The
 * system only: a person's connection gets JY_E_FORBIDDEN from the database.
 */
int jy_mirror_enqueue(struct jy_db *db, struct jy_pool *pool, const struct jy_mirror *m,
                      const char *reason, struct jy_err *err);

/*
 * Where the renders since a point stand on the mirrors, for the end-to-end
 * benchmark (edit -> every affected page on every mirror) and for status
 * pages: among the sites with a render_generation newer than
 * after_generation, *done gets those whose enabled mirrors all hold the
 * site's newest finished generation (and no newer generation is still
 * rendering), *pending the others. Wait for *done to reach the number of
 * sites the edit affects and *pending to be 0.
 */
int jy_mirror_sites_confirmed(struct jy_db *db, struct jy_pool *pool, long long after_generation,
                              int *done, int *pending, struct jy_err *err);

#endif /* JY_CORE_MIRROR_H */
