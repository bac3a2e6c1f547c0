/*
 * push.c - the pusher (see push.h): a libcurl multi loop over the mirrors
 * this process holds, fed by the push_job queue.
 *
 * Shape of the loop (push_loop):
 *   claim due jobs (SKIP LOCKED + advisory lock) -> plan each mirror (the
 *   difference of manifests, as ops in phase order) -> start ops within
 *   the per-mirror and total limits -> curl_multi_poll (also on the
 *   database socket and the stop pipe) -> finish transfers (a webdav PUT
 *   answered 409 goes on with MKCOL steps, an sftp rm that failed checks
 *   whether the file is gone) -> when a phase is done move on, or stop the
 *   push at the first phase with a failure -> write the outcome.
 * Confirmations are written in batches (at most PUSH_BATCH, and at every
 * phase end): a pusher killed between two batches only sends those files
 * again.
 */
#include "core/compat.h"
#include "core/push.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mirror.h"
#include "core/pool.h"
#include "core/secret.h"
#include "core/utf8.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

/* advisory locks (class, mirror id), 0x6a79 "jy": written as a literal in the SQL here and in
 * mirror.c */
#define PUSH_LOCK_CLASS  27257
#define PUSH_BATCH       200 /* confirmations written at once */
#define PUSH_BODY_MAX    400 /* bytes of an error answer kept for its words */
#define PUSH_MAX_PROBLEM 50

enum op_kind { OP_PUT, OP_DELETE, OP_GET };
enum { PHASE_ASSETS, PHASE_PAGES, PHASE_DELETE, PHASE_VERIFY, PHASE_END };

struct push_mirror;

struct push_op {
    enum op_kind kind;
    int phase;
    const char *path;   /* relative to the site's root */
    const char *sha256; /* expected: the manifest's (PUT), the confirmed one (GET) */
    long long size;
    struct push_op *verify; /* PUT: the GET that checks it after the push, or NULL */
    struct push_mirror *pm;
    /* while it runs */
    int step;         /* 0 the operation; webdav PUT: n > 0 MKCOL of the n-th folder */
    bool retried;     /* webdav PUT sent again after MKCOL */
    int fd;           /* PUT: the source file */
    long long nbytes; /* PUT: bytes read; GET: bytes received */
    crypto_hash_sha256_state hs;
    char status_line[160];    /* "HTTP/1.1 507 Insufficient Storage" */
    char body[PUSH_BODY_MAX]; /* start of the answer's body, for its words */
    size_t body_len;
    char errbuf[CURL_ERROR_SIZE];
    CURL *easy;
    struct curl_slist *quote;
};

struct push_mirror {
    struct push_mirror *link; /* in jy_pusher.mirrors */
    struct jy_pool *pool;
    struct jy_mirror m;
    const char *user, *password, *ssh_key, *ssh_pubkey;
    const char *base;      /* URL or folder of the site's root, ending in "/" */
    const char *sftp_dir;  /* sftp: the absolute path of base, ending in "/" */
    const char *src_dir;   /* <output_dir>/<site code>/ */
    long long seq;         /* push_job.seq when taken */
    long long generation;  /* newest finished generation when planned */
    const char *snap_xmin; /* oldest running transaction when the manifest was read */
    bool full;             /* the whole manifest was compared (not only rows since synced_xid) */
    bool dropped;          /* verification dropped confirmed files */
    const char *prev_state;
    bool verify_only;
    struct push_op *ops;
    int nops, next, active, phase; /* next: index of the next op to start */
    int failed;
    bool auth_refused;
    char error[700];
    char error_path[200];
    /* confirmations waiting to be written */
    struct jy_buf c_paths, c_sizes, c_hashes, d_paths;
    int nconf, ndel;
    long long files, bytes, deleted;
    struct timespec started;
    struct jy_verify_report *rep;
    struct jy_pool *rep_pool;     /* where the report's strings go */
    struct curl_slist *no_expect; /* "Expect:" (freed with the mirror) */
};

struct jy_pusher {
    struct jy_push_conf pc;
    struct jy_db *db;
    CURLM *multi;
    struct push_mirror *mirrors; /* being pushed */
    int nmirrors;
    int active; /* transfers in flight */
    CURL **free_easy;
    int nfree, free_cap;
    char id[128]; /* host:pid */
    bool wake;    /* a notification came: look at the queue */
    struct jy_push_stats stats;
};


static void push_op_finish(struct jy_pusher *p, struct push_op *op, CURLcode rc);
static int push_op_start(struct jy_pusher *p, struct push_op *op);


void
jy_push_conf_from(struct jy_push_conf *pc, const struct jy_conf *conf)
{
    memset(pc, 0, sizeof(*pc));
    pc->output_dir = jy_conf_get(conf, "output_dir");
    pc->total_parallel = (int) jy_conf_get_int(conf, "push_parallel");
    pc->max_mirrors = (int) jy_conf_get_int(conf, "push_mirrors");
    pc->retry_base_ms = (int) jy_conf_get_int(conf, "push_retry_base") * 1000;
    pc->retry_max_ms = (int) jy_conf_get_int(conf, "push_retry_max") * 1000;
    pc->degrade_after = (int) jy_conf_get_int(conf, "push_degraded_after");
    pc->poll_ms = (int) jy_conf_get_int(conf, "push_poll") * 1000;
}


static long long
ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000LL + (t.tv_nsec - t0->tv_nsec) / 1000000;
}


static void
hex_digest(crypto_hash_sha256_state *hs, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256_final(hs, h);
    sodium_bin2hex(out, 65, h, sizeof(h));
}


/* ---- the queue ---------------------------------------------------------- */

static struct jy_db_res *
pq(struct jy_pusher *p, struct jy_pool *pool, const char *sql, int n, const char *const *params)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *res = jy_db_query(p->db, pool, sql, n, params, &err);

    if (res == NULL)
        jy_log_error("push", "%s (%s)", err.msg, err.detail);
    return res;
}


/* Write the confirmations and deletions gathered so far. */
static void
push_flush(struct jy_pusher *p, struct push_mirror *pm)
{
    char id[24], site[24];
    const char *v[5] = {id, site};

    snprintf(id, sizeof(id), "%lld", pm->m.id);
    snprintf(site, sizeof(site), "%lld", pm->m.site_id);
    if (pm->nconf) {
        v[2] = jy_pool_printf(pm->pool, "{%s}", pm->c_paths.buf);
        v[3] = jy_pool_printf(pm->pool, "{%s}", pm->c_sizes.buf);
        v[4] = jy_pool_printf(pm->pool, "{%s}", pm->c_hashes.buf);
        pq(p, pm->pool,
           "INSERT INTO mirror_file (mirror_id, site_id, path, size, sha256)"
           " SELECT $1, $2, unnest($3::text[]), unnest($4::bigint[]), unnest($5::text[])"
           " ON CONFLICT (mirror_id, path) DO UPDATE"
           " SET size = excluded.size, sha256 = excluded.sha256, confirmed_at = now()",
           5, v);
        jy_buf_reset(&pm->c_paths);
        jy_buf_reset(&pm->c_sizes);
        jy_buf_reset(&pm->c_hashes);
        pm->nconf = 0;
    }
    if (pm->ndel) {
        v[1] = jy_pool_printf(pm->pool, "{%s}", pm->d_paths.buf);
        pq(p, pm->pool, "DELETE FROM mirror_file WHERE mirror_id = $1 AND path = ANY ($2::text[])",
           2, v);
        jy_buf_reset(&pm->d_paths);
        pm->ndel = 0;
    }
}


/* Paths are [A-Za-z0-9._~/-] (render_file_path_shape): quoting in an array literal is safe. */
static void
push_confirm(struct jy_pusher *p, struct push_mirror *pm, const char *path, long long size,
             const char *sha)
{
    const char *sep = pm->nconf ? "," : "";

    jy_buf_addf(&pm->c_paths, "%s\"%s\"", sep, path);
    jy_buf_addf(&pm->c_sizes, "%s%lld", sep, size);
    jy_buf_addf(&pm->c_hashes, "%s%s", sep, sha);
    if (++pm->nconf >= PUSH_BATCH)
        push_flush(p, pm);
}


static void
push_forget(struct jy_pusher *p, struct push_mirror *pm, const char *path)
{
    jy_buf_addf(&pm->d_paths, "%s\"%s\"", pm->ndel ? "," : "", path);
    if (++pm->ndel >= PUSH_BATCH)
        push_flush(p, pm);
}


/* Record the first failure of a push: the path and the server's words. */
static void JY_PRINTF(3, 4)
    push_fail(struct push_mirror *pm, const char *path, const char *fmt, ...)
{
    va_list ap;

    pm->failed++;
    if (pm->error[0])
        return;
    va_start(ap, fmt);
    vsnprintf(pm->error, sizeof(pm->error), fmt, ap);
    va_end(ap);
    snprintf(pm->error_path, sizeof(pm->error_path), "%s", path ? path : "");
}


static void
verify_problem(struct push_mirror *pm, const char *path, const char *what)
{
    struct jy_verify_report *r = pm->rep;

    if (r == NULL || r->nproblems >= PUSH_MAX_PROBLEM)
        return;
    r->problems[r->nproblems].path = jy_pool_strdup(pm->rep_pool, path);
    r->problems[r->nproblems].what = jy_pool_strdup(pm->rep_pool, what);
    r->nproblems++;
}


/* ---- planning ------------------------------------------------------------ */

static struct push_op *
plan_add(struct push_mirror *pm, int phase, enum op_kind kind, const char *path, const char *sha,
         long long size)
{
    struct push_op *op = &pm->ops[pm->nops++]; /* the array was sized for every op */

    memset(op, 0, sizeof(*op));
    op->kind = kind;
    op->phase = phase;
    op->path = path;
    op->sha256 = sha;
    op->size = size;
    op->fd = -1;
    op->pm = pm;
    return op;
}


/* Where a mirror's files go, with credentials; NULL when the mirror is gone or disabled. */
static bool
plan_mirror(struct jy_pusher *p, struct push_mirror *pm, long long mirror_id)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *res;
    char id[24];
    const char *v[1] = {id};

    snprintf(id, sizeof(id), "%lld", mirror_id);
    if (jy_mirror_find(p->db, pm->pool, id, &pm->m, &err) != JY_OK) {
        jy_log_warn("push", "mirror %lld: %s", mirror_id, err.msg);
        return false;
    }
    res = pq(p, pm->pool,
             "SELECT c.username, c.password, c.ssh_key, c.ssh_pubkey,"
             " coalesce(st.state, 'new') FROM mirror m"
             " LEFT JOIN mirror_credential c ON c.mirror_id = m.id"
             " LEFT JOIN mirror_status st ON st.mirror_id = m.id WHERE m.id = $1",
             1, v);
    if (res == NULL || jy_db_res_rows(res) == 0)
        return false;
    pm->user = jy_db_res_get(res, 0, 0);
    pm->password = jy_db_res_get(res, 0, 1);
    if (pm->password) {
        bool plain = false;
        const char *open =
            jy_secret_open(pm->pool, "mirror_credential.password", pm->password, &plain, &err);
        if (open == NULL) {
            jy_log_error("push", "mirror %lld: its password cannot be read: %s", mirror_id,
                         err.msg);
            return false;
        }
        if (plain)
            jy_log_warn("push",
                        "mirror %lld: its password is stored in plain text (from before "
                        "secrets were sealed); remove the mirror and add it again",
                        mirror_id);
        pm->password = open;
    }
    pm->ssh_key = jy_db_res_get(res, 0, 2);
    pm->ssh_pubkey = jy_db_res_get(res, 0, 3);
    pm->prev_state = jy_db_res_get(res, 0, 4);
    pm->base = pm->m.url[strlen(pm->m.url) - 1] == '/' ? pm->m.url
                                                       : jy_pool_printf(pm->pool, "%s/", pm->m.url);
    if (pm->m.kind == JY_MIRROR_SFTP) {
        const char *path = strchr(pm->base + strlen("sftp://"), '/');
        pm->sftp_dir = path;
    }
    pm->src_dir = jy_pool_printf(pm->pool, "%s/%s/", p->pc.output_dir, pm->m.site_code);
    pm->no_expect = curl_slist_append(NULL, "Expect:");
    jy_buf_init(&pm->c_paths, pm->pool, 0);
    jy_buf_init(&pm->c_sizes, pm->pool, 0);
    jy_buf_init(&pm->c_hashes, pm->pool, 0);
    jy_buf_init(&pm->d_paths, pm->pool, 0);
    return true;
}


/*
 * The difference of the manifests, in phase order; a sample of uploads to
 * fetch back. Read in one REPEATABLE READ transaction, so the generation,
 * the counts and both lists come from one snapshot.
 *
 * Incremental: once a push completed, the mirror holds every manifest row
 * written by a transaction older than the oldest one still running when
 * that manifest was read (synced_xid). The next push compares only rows
 * written since (age(xmin) no greater than that transaction's age: the
 * same statement computes both ages, so they agree; frozen rows are the
 * oldest of all). Deleted rows leave no trace, but after the uploads every
 * manifest path is confirmed, so deletions exist exactly when the mirror
 * would then hold more files than the manifest: only then is the (full)
 * anti-join run. Everything is compared again when synced_xid is unset or
 * 100 million transactions old (before freezing could hide a change).
 */
static bool
plan_push(struct jy_pusher *p, struct push_mirror *pm)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *head, *up, *del = NULL;
    char id[24], site[24];
    const char *v[3] = {id, site};
    int *order;
    int i, nup, ndel = 0, sample;
    long long nrender, nconfirmed, nnew = 0;

    snprintf(id, sizeof(id), "%lld", pm->m.id);
    snprintf(site, sizeof(site), "%lld", pm->m.site_id);
    if (jy_db_exec(p->db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", &err) != JY_OK) {
        jy_log_error("push", "%s (%s)", err.msg, err.detail);
        return false;
    }
    head = pq(p, pm->pool,
              "SELECT (SELECT max(id) FROM render_generation"
              "         WHERE site_id = $2 AND finished_at IS NOT NULL),"
              " pg_snapshot_xmin(pg_current_snapshot()),"
              " CASE WHEN st.synced_xid IS NOT NULL"
              "       AND pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
              "           - st.synced_xid::text::bigint < 100000000"
              "      THEN (st.synced_xid::text::bigint % 4294967296)::text END,"
              " (SELECT count(*) FROM render_file r WHERE r.site_id = $2"
              "   AND (m.channels IS NULL OR r.channel = ANY (m.channels))),"
              " (SELECT count(*) FROM mirror_file f WHERE f.mirror_id = m.id)"
              " FROM mirror m LEFT JOIN mirror_status st ON st.mirror_id = m.id WHERE m.id = $1",
              2, v);
    if (head == NULL || jy_db_res_rows(head) == 0)
        goto out_rollback;
    pm->generation = jy_db_res_get(head, 0, 0) ? atoll(jy_db_res_get(head, 0, 0)) : 0;
    pm->snap_xmin = jy_db_res_get(head, 0, 1);
    v[2] = jy_db_res_get(head, 0, 2); /* the 32-bit xid of synced_xid, or NULL: full */
    pm->full = v[2] == NULL;
    nrender = atoll(jy_db_res_get(head, 0, 3));
    nconfirmed = atoll(jy_db_res_get(head, 0, 4));
    up = pq(p, pm->pool,
            "SELECT r.path, r.sha256, r.size, r.is_asset, f.path IS NULL FROM render_file r"
            " JOIN mirror m ON m.id = $1"
            " LEFT JOIN mirror_file f ON f.mirror_id = m.id AND f.path = r.path"
            " WHERE r.site_id = $2 AND (m.channels IS NULL OR r.channel = ANY (m.channels))"
            "   AND ($3::text IS NULL OR age(r.xmin) <= age($3::text::xid))"
            "   AND (f.path IS NULL OR f.sha256 <> r.sha256 OR f.size <> r.size)"
            " ORDER BY NOT r.is_asset, r.path",
            3, v);
    if (up == NULL)
        goto out_rollback;
    nup = jy_db_res_rows(up);
    for (i = 0; i < nup; i++)
        nnew += strcmp(jy_db_res_get(up, i, 4), "t") == 0;
    if (pm->full || nconfirmed + nnew > nrender) {
        del = pq(p, pm->pool,
                 "SELECT f.path FROM mirror_file f JOIN mirror m ON m.id = f.mirror_id"
                 " WHERE f.mirror_id = $1 AND NOT EXISTS (SELECT 1 FROM render_file r"
                 "  WHERE r.site_id = $2 AND r.path = f.path"
                 "    AND (m.channels IS NULL OR r.channel = ANY (m.channels)))"
                 " ORDER BY f.path DESC",
                 2, v);
        if (del == NULL)
            goto out_rollback;
        ndel = jy_db_res_rows(del);
    }
    if (jy_db_exec(p->db, "COMMIT", &err) != JY_OK)
        return false;
    sample = pm->m.verify_sample < 0 || pm->m.verify_sample > nup ? nup : pm->m.verify_sample;
    pm->ops = jy_pool_new_array(pm->pool, struct push_op, (size_t) (nup + ndel + sample + 1));
    for (i = 0; i < nup; i++) {
        bool asset = strcmp(jy_db_res_get(up, i, 3), "t") == 0;
        plan_add(pm, asset ? PHASE_ASSETS : PHASE_PAGES, OP_PUT, jy_db_res_get(up, i, 0),
                 jy_db_res_get(up, i, 1), atoll(jy_db_res_get(up, i, 2)));
    }
    for (i = 0; i < ndel; i++)
        plan_add(pm, PHASE_DELETE, OP_DELETE, jy_db_res_get(del, i, 0), NULL, 0);
    /* the sample to fetch back: a partial Fisher-Yates shuffle of the uploads */
    order = jy_pool_new_array(pm->pool, int, (size_t) (nup + 1));
    for (i = 0; i < nup; i++)
        order[i] = i;
    for (i = 0; i < sample; i++) {
        int j = i + (int) randombytes_uniform((uint32_t) (nup - i)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (i = 0; i < sample; i++) {
        struct push_op *put = &pm->ops[order[i]];
        struct push_op *get = plan_add(pm, PHASE_VERIFY, OP_GET, put->path, NULL, put->size);
        put->verify = get; /* its expected hash is set when the PUT is done */
    }
    pm->phase = pm->nops ? pm->ops[0].phase : PHASE_END;
    return true;

out_rollback:
    jy_db_exec(p->db, "ROLLBACK", &err);
    return false;
}


/* ---- transfers ---------------------------------------------------------- */

static size_t
cb_read(char *buf, size_t size, size_t n, void *arg)
{
    struct push_op *op = arg;
    ssize_t r = read(op->fd, buf, size * n);

    if (r < 0)
        return CURL_READFUNC_ABORT;
    crypto_hash_sha256_update(&op->hs, (const unsigned char *) buf, (unsigned long long) r);
    op->nbytes += r;
    return (size_t) r;
}


/* libcurl rewinds an upload to send it again (authentication, a dead kept-alive connection). */
static int
cb_seek(void *arg, curl_off_t offset, int origin)
{
    struct push_op *op = arg;

    if (offset != 0 || origin != SEEK_SET || lseek(op->fd, 0, SEEK_SET) != 0)
        return CURL_SEEKFUNC_CANTSEEK;
    crypto_hash_sha256_init(&op->hs);
    op->nbytes = 0;
    return CURL_SEEKFUNC_OK;
}


static size_t
cb_write(char *data, size_t size, size_t n, void *arg)
{
    struct push_op *op = arg;
    size_t len = size * n, keep;

    if (op->kind == OP_GET && op->step == 0) {
        crypto_hash_sha256_update(&op->hs, (const unsigned char *) data, len);
        op->nbytes += (long long) len;
    }
    keep = sizeof(op->body) - 1 - op->body_len;
    if (keep > len)
        keep = len;
    memcpy(op->body + op->body_len, data, keep);
    op->body_len += keep;
    return len;
}


static size_t
cb_header(char *data, size_t size, size_t n, void *arg)
{
    struct push_op *op = arg;
    size_t len = size * n;

    /* keep the last status line (after a "100 Continue" comes the real one) */
    if (len > 5 && strncmp(data, "HTTP/", 5) == 0) {
        size_t l = len < sizeof(op->status_line) ? len : sizeof(op->status_line) - 1;
        memcpy(op->status_line, data, l);
        while (l && (op->status_line[l - 1] == '\r' || op->status_line[l - 1] == '\n'))
            l--;
        op->status_line[l] = '\0';
        op->body_len = 0;
    }
    return len;
}


static CURL *
easy_get(struct jy_pusher *p)
{
    if (p->nfree)
        return p->free_easy[--p->nfree];
    return curl_easy_init();
}


static void
easy_put(struct jy_pusher *p, CURL *e)
{
    curl_easy_reset(e);
    if (p->nfree == p->free_cap) {
        p->free_cap = p->free_cap ? p->free_cap * 2 : 16;
        p->free_easy = jy_xrealloc(p->free_easy, sizeof(*p->free_easy) * (size_t) p->free_cap);
    }
    p->free_easy[p->nfree++] = e;
}


/*
 * Append at most max bytes of outside text to b for a person: valid UTF-8
 * only, control characters dropped, white space collapsed, HTML tags
 * removed when tags is set (nginx and most servers answer errors in HTML).
 */
static void
words_add(struct jy_buf *b, const char *s, size_t len, bool tags, size_t max)
{
    size_t i = 0, start = b->len;
    bool in_tag = false, space = true;

    while (i < len) {
        uint32_t cp;
        size_t n = jy_utf8_decode(s + i, len - i, &cp);

        if (n == 0) { /* not UTF-8: skip the byte */
            i++;
            continue;
        }
        i += n;
        if (tags && cp == '<') {
            in_tag = true;
            continue;
        }
        if (tags && in_tag) {
            if (cp == '>') {
                in_tag = false;
                cp = ' ';
            } else {
                continue;
            }
        }
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
            if (!space && b->len > start)
                jy_buf_add_char(b, ' ');
            space = true;
            continue;
        }
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
            continue;
        if (b->len - start + n > max)
            break;
        jy_buf_add(b, s + i - n, n);
        space = false;
    }
    while (b->len > start && b->buf[b->len - 1] == ' ')
        jy_buf_setlen(b, b->len - 1);
}


size_t
jy_push_server_words(const char *status, size_t slen, const char *body, size_t blen, char *dst,
                     size_t cap)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf b = JY_BUF_INIT(pool);
    size_t out;

    words_add(&b, status, slen, false, 160);
    if (b.len == 0)
        jy_buf_add_str(&b, "no answer");
    if (blen) {
        size_t mark = b.len;
        jy_buf_add_str(&b, ": ");
        words_add(&b, body, blen, true, 200);
        if (b.len == mark + 2)
            jy_buf_setlen(&b, mark);
    }
    out = jy_utf8_clamp_bytes(b.buf, b.len, cap ? cap - 1 : 0);
    if (cap) {
        memcpy(dst, b.buf, out);
        dst[out] = '\0';
    }
    jy_pool_destroy(pool);
    return out;
}


/* The server's words: "HTTP/1.1 507 Insufficient Storage: <text of the body>", or curl's. */
static const char *
op_words(struct push_op *op, CURLcode rc, char *dst, size_t cap)
{
    if (rc != CURLE_OK) {
        const char *what = curl_easy_strerror(rc);
        /* the error buffer may quote the server (sftp): it passes the same filter */
        jy_push_server_words(what, strlen(what), op->errbuf, strlen(op->errbuf), dst, cap);
        return dst;
    }
    jy_push_server_words(op->status_line, strlen(op->status_line), op->body, op->body_len, dst,
                         cap);
    return dst;
}


static const char *
op_verb(const struct push_op *op)
{
    return op->kind == OP_PUT ? "upload" : op->kind == OP_DELETE ? "delete" : "fetch";
}


/*
 * The URL of the n-th folder on the way to op's file, counted from the
 * server's root ("http://h/dav/a/b.html": 1 "http://h/dav/", 2
 * "http://h/dav/a/"), NULL past the last: after a 409 every folder is made,
 * the mirror's own base included (MKCOL of one that exists answers 405).
 */
static const char *
op_folder(struct push_op *op, int n)
{
    const char *full = jy_pool_printf(op->pm->pool, "%s%s", op->pm->base, op->path);
    const char *e = strstr(full, "://");
    int i;

    e = e ? strchr(e + 3, '/') : NULL;
    for (i = 0; e && i < n; i++)
        e = strchr(e + 1, '/');
    return e ? jy_pool_strndup(op->pm->pool, full, (size_t) (e - full + 1)) : NULL;
}


static void
easy_common(struct push_op *op, CURL *e, const char *url)
{
    struct push_mirror *pm = op->pm;

    op->errbuf[0] = '\0';
    op->status_line[0] = '\0';
    op->body_len = 0;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, op);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, op->errbuf);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long) pm->m.timeout_s);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long) pm->m.timeout_s);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, cb_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, op);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, cb_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, op);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "jiyue-pusher/" JY_VERSION);
    if (pm->user)
        curl_easy_setopt(e, CURLOPT_USERNAME, pm->user);
    if (pm->m.kind == JY_MIRROR_WEBDAV) {
        if (pm->password) {
            curl_easy_setopt(e, CURLOPT_PASSWORD, pm->password);
            curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
        }
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    } else {
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "sftp");
        if (pm->ssh_key) {
            curl_easy_setopt(e, CURLOPT_SSH_PRIVATE_KEYFILE, pm->ssh_key);
            curl_easy_setopt(e, CURLOPT_SSH_AUTH_TYPES, (long) CURLSSH_AUTH_PUBLICKEY);
            if (pm->ssh_pubkey)
                curl_easy_setopt(e, CURLOPT_SSH_PUBLIC_KEYFILE, pm->ssh_pubkey);
            if (pm->password)
                curl_easy_setopt(e, CURLOPT_KEYPASSWD, pm->password);
        } else if (pm->password) {
            curl_easy_setopt(e, CURLOPT_PASSWORD, pm->password);
            curl_easy_setopt(e, CURLOPT_SSH_AUTH_TYPES, (long) CURLSSH_AUTH_PASSWORD);
        }
        if (pm->m.host_key_sha256)
            curl_easy_setopt(e, CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256, pm->m.host_key_sha256);
    }
}


/* Set up the current step of op on a (reset) handle. */
static void
easy_setup(struct push_op *op, CURL *e)
{
    struct push_mirror *pm = op->pm;
    const char *url = jy_pool_printf(pm->pool, "%s%s", pm->base, op->path);

    if (op->kind == OP_PUT && op->step > 0) { /* webdav MKCOL of a missing folder */
        easy_common(op, e, op_folder(op, op->step));
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "MKCOL");
        return;
    }
    if (op->kind == OP_DELETE && op->step > 0) { /* sftp: is the file gone after all? */
        easy_common(op, e, url);
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        return;
    }
    switch (op->kind) {
    case OP_PUT:
        easy_common(op, e, url);
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t) op->size);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, cb_read);
        curl_easy_setopt(e, CURLOPT_READDATA, op);
        curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, cb_seek);
        curl_easy_setopt(e, CURLOPT_SEEKDATA, op);
        if (pm->m.kind == JY_MIRROR_SFTP)
            curl_easy_setopt(e, CURLOPT_FTP_CREATE_MISSING_DIRS, (long) CURLFTP_CREATE_DIR_RETRY);
        else if (op->size < 1024 * 1024)
            /* no "Expect: 100-continue" round trip for small files: a refusal costs little */
            curl_easy_setopt(e, CURLOPT_HTTPHEADER, pm->no_expect);
        break;
    case OP_DELETE:
        if (pm->m.kind == JY_MIRROR_WEBDAV) {
            easy_common(op, e, url);
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
        } else {
            easy_common(op, e, pm->base);
            op->quote = curl_slist_append(
                NULL, jy_pool_printf(pm->pool, "rm %s%s", pm->sftp_dir, op->path));
            curl_easy_setopt(e, CURLOPT_QUOTE, op->quote);
            curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        }
        break;
    case OP_GET:
        easy_common(op, e, url);
        break;
    }
}


static int
op_open_source(struct push_op *op, char *why, size_t cap)
{
    struct stat st;
    const char *src = jy_pool_printf(op->pm->pool, "%s%s", op->pm->src_dir, op->path);

    op->fd = open(src, O_RDONLY | O_CLOEXEC);
    if (op->fd < 0 || fstat(op->fd, &st) != 0) {
        snprintf(why, cap, "cannot read \"%s\" in the output folder: %s", src, strerror(errno));
        if (op->fd >= 0)
            close(op->fd);
        op->fd = -1;
        return JY_ERROR;
    }
    /* the renderer renames new versions into place: this descriptor reads one whole version */
    op->size = st.st_size;
    op->nbytes = 0;
    crypto_hash_sha256_init(&op->hs);
    return JY_OK;
}


/* Make the folders of dst (a path inside the mirror folder). */
static int
folder_mkdirs(char *dst)
{
    char *s;

    for (s = strchr(dst + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(dst, 0755) != 0 && errno != EEXIST) {
            *s = '/';
            return -1;
        }
        *s = '/';
    }
    return 0;
}


/* A folder mirror: done at once, without curl. Returns JY_OK or JY_ERROR with why. */
static int
folder_op(struct push_op *op, char *why, size_t cap, char sha_out[65])
{
    struct push_mirror *pm = op->pm;
    char *dst = jy_pool_printf(pm->pool, "%s%s", pm->base, op->path), *tmp;
    char buf[65536];
    ssize_t r;
    int out = -1, fd;

    if (op->kind == OP_DELETE) {
        char *slash;
        if (unlink(dst) != 0 && errno != ENOENT) {
            snprintf(why, cap, "cannot remove \"%s\": %s", dst, strerror(errno));
            return JY_ERROR;
        }
        /* folders left empty go too (rmdir refuses one that is not empty) */
        while ((slash = strrchr(dst, '/')) != NULL && (size_t) (slash - dst) >= strlen(pm->base)) {
            *slash = '\0';
            if (rmdir(dst) != 0)
                break;
        }
        return JY_OK;
    }
    if (op->kind == OP_GET) {
        fd = open(dst, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(why, cap, "%s", errno == ENOENT ? "missing" : strerror(errno));
            return JY_ERROR;
        }
        crypto_hash_sha256_init(&op->hs);
        while ((r = read(fd, buf, sizeof(buf))) > 0)
            crypto_hash_sha256_update(&op->hs, (unsigned char *) buf, (unsigned long long) r);
        close(fd);
        hex_digest(&op->hs, sha_out);
        return JY_OK;
    }
    if (op_open_source(op, why, cap) != JY_OK)
        return JY_ERROR;
    tmp = jy_pool_printf(pm->pool, "%s.jy-tmp.%d", dst, (int) getpid());
    if (folder_mkdirs(dst) != 0 ||
        (out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        goto out_errno;
    while ((r = read(op->fd, buf, sizeof(buf))) > 0) {
        crypto_hash_sha256_update(&op->hs, (unsigned char *) buf, (unsigned long long) r);
        op->nbytes += r;
        if (write(out, buf, (size_t) r) != r)
            goto out_errno;
    }
    if (r < 0 || fsync(out) != 0 || close(out) != 0) {
        out = -1;
        goto out_errno;
    }
    out = -1;
    if (rename(tmp, dst) != 0)
        goto out_errno;
    close(op->fd);
    op->fd = -1;
    hex_digest(&op->hs, sha_out);
    return JY_OK;

out_errno:
    snprintf(why, cap, "cannot write \"%s\": %s", dst, strerror(errno));
    if (out >= 0)
        close(out);
    unlink(tmp);
    close(op->fd);
    op->fd = -1;
    return JY_ERROR;
}


/* An op is over (ok or not): account for it and free its resources. */
static void
op_done(struct jy_pusher *p, struct push_op *op, bool ok, const char *sha, const char *why)
{
    struct push_mirror *pm = op->pm;

    if (op->fd >= 0)
        close(op->fd);
    op->fd = -1;
    switch (op->kind) {
    case OP_PUT:
        if (ok) {
            push_confirm(p, pm, op->path, op->nbytes, sha);
            pm->files++;
            pm->bytes += op->nbytes;
            p->stats.files_sent++;
            p->stats.bytes_sent += op->nbytes;
            if (op->verify)
                op->verify->sha256 = jy_pool_strdup(pm->pool, sha);
        }
        break;
    case OP_DELETE:
        if (ok) {
            push_forget(p, pm, op->path);
            pm->deleted++;
            p->stats.files_deleted++;
        }
        break;
    case OP_GET:
        p->stats.verified++;
        if (pm->rep)
            pm->rep->checked++;
        if (ok && op->sha256 && strcmp(sha, op->sha256) == 0) {
            if (pm->rep)
                pm->rep->ok++;
            break;
        }
        if (ok || (why && strcmp(why, "missing") == 0)) {
            char what[200];
            if (ok)
                snprintf(what, sizeof(what),
                         "wrong content: the mirror returned %lld bytes with SHA-256 %.12s..., "
                         "expected %.12s...",
                         op->nbytes, sha, op->sha256 ? op->sha256 : "?");
            else
                snprintf(what, sizeof(what), "missing on the mirror");
            p->stats.verify_wrong++;
            if (pm->rep)
                pm->rep->wrong++;
            verify_problem(pm, op->path, what);
            push_fail(pm, op->path, "verification of \"%s\": %s", op->path, what);
            push_forget(p, pm, op->path); /* not there as confirmed: send it again */
            pm->dropped = true;
            return;
        }
        if (pm->rep)
            pm->rep->errors++;
        verify_problem(pm, op->path, why ? why : "?");
        break;
    }
    if (!ok) {
        p->stats.transfers_failed++;
        push_fail(pm, op->path, "%s \"%s\": %s", op_verb(op), op->path, why ? why : "?");
    }
}


/* Start op: a folder op runs now, a curl one joins the multi handle. */
static int
push_op_start(struct jy_pusher *p, struct push_op *op)
{
    struct push_mirror *pm = op->pm;
    char why[600], sha[65] = "";

    if (op->kind == OP_GET && op->sha256 == NULL && !pm->verify_only) {
        op_done(p, op, false, NULL, "its upload did not complete");
        return JY_OK;
    }
    if (pm->m.kind == JY_MIRROR_FOLDER) {
        int rc = folder_op(op, why, sizeof(why), sha);
        op_done(p, op, rc == JY_OK, sha, rc == JY_OK ? NULL : why);
        return JY_OK;
    }
    if (op->kind == OP_PUT && op->step == 0 && !op->retried &&
        op_open_source(op, why, sizeof(why)) != JY_OK) {
        op_done(p, op, false, NULL, why);
        return JY_OK;
    }
    if (op->kind == OP_GET)
        crypto_hash_sha256_init(&op->hs);
    op->easy = easy_get(p);
    easy_setup(op, op->easy);
    curl_multi_add_handle(p->multi, op->easy);
    pm->active++;
    p->active++;
    return JY_OK;
}


static void
op_release_easy(struct jy_pusher *p, struct push_op *op)
{
    curl_multi_remove_handle(p->multi, op->easy);
    easy_put(p, op->easy);
    op->easy = NULL;
    curl_slist_free_all(op->quote);
    op->quote = NULL;
    op->pm->active--;
    p->active--;
}


/* A transfer of op ended with rc: decide, maybe go on with another step. */
static void
push_op_finish(struct jy_pusher *p, struct push_op *op, CURLcode rc)
{
    struct push_mirror *pm = op->pm;
    long code = 0;
    char why[700], sha[65] = "";

    curl_easy_getinfo(op->easy, CURLINFO_RESPONSE_CODE, &code);
    op_words(op, rc, why, sizeof(why));
    op_release_easy(p, op);
    if (pm->m.kind == JY_MIRROR_WEBDAV && rc == CURLE_OK && (code == 401 || code == 403))
        pm->auth_refused = true;

    if (op->kind == OP_PUT && op->step > 0) { /* a MKCOL answered */
        if (rc == CURLE_OK && (code == 201 || code == 405 || code == 301)) {
            op->step++;
            if (op_folder(op, op->step) == NULL) {
                op->step = 0;
                op->retried = true;
                cb_seek(op, 0, SEEK_SET);
            }
            push_op_start(p, op);
            return;
        }
        op_done(p, op, false, NULL, why);
        return;
    }
    switch (op->kind) {
    case OP_PUT:
        if (pm->m.kind == JY_MIRROR_WEBDAV && rc == CURLE_OK && (code == 409 || code == 500) &&
            !op->retried && strchr(op->path, '/')) {
            /*
             * The folder is missing and the server does not create it: RFC 4918
             * 9.7.1 says 409; nginx without create_full_put_path says 500. Make
             * the folders (MKCOL of one that exists is a harmless 405) and send
             * once more; a real server error then answers the second time.
             */
            op->step = 1;
            push_op_start(p, op);
            return;
        }
        if (rc == CURLE_OK && (pm->m.kind == JY_MIRROR_SFTP || (code >= 200 && code < 300)) &&
            op->nbytes == op->size) {
            hex_digest(&op->hs, sha);
            op_done(p, op, true, sha, NULL);
        } else {
            if (rc == CURLE_OK && op->nbytes != op->size && code < 300)
                snprintf(why, sizeof(why), "sent %lld of %lld bytes", op->nbytes, op->size);
            op_done(p, op, false, NULL, why);
        }
        return;
    case OP_DELETE:
        if (pm->m.kind == JY_MIRROR_WEBDAV) {
            bool ok = rc == CURLE_OK && ((code >= 200 && code < 300) || code == 404);
            op_done(p, op, ok, NULL, why);
        } else if (op->step == 0 && rc == CURLE_QUOTE_ERROR) {
            op->step = 1; /* rm failed: fine if the file is not there */
            op->quote = NULL;
            push_op_start(p, op);
        } else if (op->step == 1) {
            op_done(p, op, rc == CURLE_REMOTE_FILE_NOT_FOUND, NULL,
                    rc == CURLE_OK ? "the file is still there after \"rm\"" : why);
        } else {
            op_done(p, op, rc == CURLE_OK, NULL, why);
        }
        return;
    case OP_GET:
        if (rc == CURLE_OK && (pm->m.kind == JY_MIRROR_SFTP || code == 200)) {
            hex_digest(&op->hs, sha);
            op_done(p, op, true, sha, NULL);
        } else if ((rc == CURLE_OK && code == 404) || rc == CURLE_REMOTE_FILE_NOT_FOUND) {
            op_done(p, op, false, NULL, "missing");
        } else {
            op_done(p, op, false, NULL, why);
        }
        return;
    }
}


/* ---- one mirror from start to end ---------------------------------------- */

static void
push_mirror_free(struct jy_pusher *p, struct push_mirror *pm)
{
    int i;

    for (i = 0; i < pm->nops; i++) {
        struct push_op *op = &pm->ops[i];
        if (op->easy)
            op_release_easy(p, op);
        if (op->fd >= 0)
            close(op->fd);
    }
    curl_slist_free_all(pm->no_expect);
    jy_pool_destroy(pm->pool);
}


static long long
backoff_ms(const struct jy_push_conf *pc, int failures)
{
    long long d = pc->retry_base_ms;
    int i;

    for (i = 1; i < failures && d < pc->retry_max_ms; i++)
        d *= 2;
    if (d > pc->retry_max_ms)
        d = pc->retry_max_ms;
    /* full jitter over the upper half: pushers that failed together do not retry together */
    return d / 2 + (long long) randombytes_uniform((uint32_t) (d / 2 + 1));
}


/* Write the outcome of a push, release the mirror's lock. */
static void
push_mirror_end(struct jy_pusher *p, struct push_mirror *pm, bool stopped)
{
    char id[24], seq[24], gen[24], files[24], bytes[24], ms[24], delay[24], fails[24];
    const char *v[9] = {id};
    bool ok = pm->failed == 0 && pm->phase == PHASE_END;
    struct jy_db_res *res;

    push_flush(p, pm);
    snprintf(id, sizeof(id), "%lld", pm->m.id);
    snprintf(seq, sizeof(seq), "%lld", pm->seq);
    snprintf(gen, sizeof(gen), "%lld", pm->generation);
    snprintf(files, sizeof(files), "%lld", pm->files + pm->deleted);
    snprintf(bytes, sizeof(bytes), "%lld", pm->bytes);
    snprintf(ms, sizeof(ms), "%lld", ms_since(&pm->started));
    if (stopped) {
        v[1] = pm->prev_state;
        pq(p, pm->pool, "UPDATE mirror_status SET state = $2 WHERE mirror_id = $1", 2, v);
    } else if (ok) {
        v[1] = gen;
        v[2] = files;
        v[3] = bytes;
        v[4] = ms;
        v[5] = pm->snap_xmin;
        pq(p, pm->pool,
           "UPDATE mirror_status SET state = 'ok', failures = 0,"
           " confirmed_generation = greatest(confirmed_generation, nullif($2::bigint, 0)),"
           " confirmed_at = now(), last_push_at = now(), last_push_files = $3,"
           " last_push_bytes = $4, last_push_ms = $5, synced_xid = $6::xid8 WHERE mirror_id = $1",
           6, v);
        v[1] = seq;
        res = pq(p, pm->pool, "DELETE FROM push_job WHERE mirror_id = $1 AND seq = $2", 2, v);
        if (res && jy_db_res_affected(res) == 0) /* asked again meanwhile: once more, now */
            pq(p, pm->pool,
               "UPDATE push_job SET attempts = 0, run_after = now()"
               " WHERE mirror_id = $1",
               1, v);
        p->stats.pushes++;
        jy_log_info("push", "mirror %s/%s: %lld sent, %lld deleted, %lld bytes in %s ms",
                    pm->m.site_code, pm->m.name, pm->files, pm->deleted, pm->bytes, ms);
    } else {
        const char *f = jy_db_query_value(p->db, pm->pool,
                                          "SELECT failures + 1 FROM mirror_status"
                                          " WHERE mirror_id = $1",
                                          1, v, &(struct jy_err) JY_ERR_INIT);
        int failures = f ? atoi(f) : 1;
        bool degraded = failures >= p->pc.degrade_after || pm->auth_refused;

        snprintf(fails, sizeof(fails), "%d", failures);
        snprintf(delay, sizeof(delay), "%lld",
                 backoff_ms(&p->pc, pm->auth_refused && failures < p->pc.degrade_after
                                        ? p->pc.degrade_after
                                        : failures));
        v[1] = degraded ? "degraded" : "retrying";
        v[2] = fails;
        v[3] = pm->error[0] ? pm->error : "push did not complete";
        v[4] = pm->error_path[0] ? pm->error_path : NULL;
        v[5] = files;
        v[6] = bytes;
        v[7] = ms;
        v[8] = pm->dropped ? "true" : "false";
        /* files found wrong were dropped from mirror_file: compare everything next time */
        pq(p, pm->pool,
           "UPDATE mirror_status SET state = $2, failures = $3, last_error = $4,"
           " last_error_path = $5, last_error_at = now(), last_push_at = now(),"
           " last_push_files = $6, last_push_bytes = $7, last_push_ms = $8,"
           " synced_xid = CASE WHEN $9 THEN NULL ELSE synced_xid END WHERE mirror_id = $1",
           9, v);
        v[1] = delay;
        pq(p, pm->pool,
           "UPDATE push_job SET attempts = attempts + 1,"
           " run_after = now() + $2::bigint * interval '1 millisecond' WHERE mirror_id = $1",
           2, v);
        p->stats.pushes++;
        p->stats.pushes_failed++;
        jy_log_warn("push", "mirror %s/%s: %d failed (%s), retry in %s ms%s", pm->m.site_code,
                    pm->m.name, pm->failed, pm->error, delay, degraded ? ", degraded" : "");
    }
    pq(p, pm->pool, "SELECT pg_advisory_unlock(27257, $1::int)", 1, v);
}


/* Start what may start; move to the next phase when one is done. Returns true when pm is over. */
static bool
push_mirror_step(struct jy_pusher *p, struct push_mirror *pm)
{
    for (;;) {
        while (pm->next < pm->nops && pm->ops[pm->next].phase == pm->phase &&
               pm->active < pm->m.max_parallel && p->active < p->pc.total_parallel) {
            struct push_op *op = &pm->ops[pm->next++];
            op->pm = pm;
            push_op_start(p, op);
        }
        if (pm->active > 0)
            return false;
        if (pm->next < pm->nops && pm->ops[pm->next].phase == pm->phase)
            return false; /* waiting for room under the total limit */
        /* the phase is done */
        push_flush(p, pm);
        if (pm->failed && pm->phase < PHASE_VERIFY)
            return true; /* no pages without their assets, no deletions before uploads */
        pm->phase = pm->next < pm->nops ? pm->ops[pm->next].phase : PHASE_END;
        if (pm->phase == PHASE_END)
            return true;
    }
}


/* A fresh mirror record with a pool of its own (the struct lives in it). */
static struct push_mirror *
push_mirror_new(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct push_mirror *pm = jy_pool_new(pool, struct push_mirror);

    pm->pool = pool;
    clock_gettime(CLOCK_MONOTONIC, &pm->started);
    return pm;
}


static void
push_mirror_attach(struct jy_pusher *p, struct push_mirror *pm)
{
    pm->link = p->mirrors;
    p->mirrors = pm;
    p->nmirrors++;
}


/* Take due jobs (up to the free mirror slots) and plan them; returns how many. */
static int
push_claim(struct jy_pusher *p)
{
    struct jy_pool *pool;
    struct jy_buf held;
    struct push_mirror *pm;
    struct jy_db_res *res;
    char limit[12], only[24];
    const char *v[3];
    int i, n, taken = 0;

    if (p->nmirrors >= p->pc.max_mirrors)
        return 0;
    pool = jy_pool_create(0);
    jy_buf_init(&held, pool, 0);
    jy_buf_add_char(&held, '{');
    for (pm = p->mirrors; pm; pm = pm->link)
        jy_buf_addf(&held, "%s%lld", pm == p->mirrors ? "" : ",", pm->m.id);
    jy_buf_add_char(&held, '}');
    snprintf(limit, sizeof(limit), "%d", p->pc.max_mirrors - p->nmirrors);
    snprintf(only, sizeof(only), "%lld", p->pc.only_mirror);
    v[0] = held.buf;
    v[1] = limit;
    v[2] = only;
    /*
     * SKIP LOCKED: two pushers claiming at once never pick the same row; the
     * advisory lock taken on the rows returned is the claim that lasts for
     * the push (and ends with the connection). Rows whose mirror another
     * pusher holds are left out before the LIMIT, so they cannot starve the
     * others.
     */
    res = pq(p, pool,
             "SELECT j.mirror_id, j.seq, pg_try_advisory_lock(27257, j.mirror_id::int) FROM ("
             " SELECT j.mirror_id, j.seq FROM push_job j JOIN mirror m ON m.id = j.mirror_id"
             "  WHERE m.enabled AND j.run_after <= now() AND NOT j.mirror_id = ANY ($1::bigint[])"
             "    AND ($3::bigint = 0 OR j.mirror_id = $3)"
             "    AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory'"
             "      AND l.classid = 27257 AND l.objid = j.mirror_id AND l.objsubid = 2"
             "      AND l.database = (SELECT oid FROM pg_database"
             "                         WHERE datname = current_database()))"
             "  ORDER BY j.run_after LIMIT $2 FOR UPDATE OF j SKIP LOCKED) j",
             3, v);
    n = res ? jy_db_res_rows(res) : 0;
    for (i = 0; i < n; i++) {
        const char *mid = jy_db_res_get(res, i, 0);
        const char *w[2] = {mid, p->id};

        if (strcmp(jy_db_res_get(res, i, 2), "t") != 0)
            continue; /* taken by another pusher between the two steps */
        pm = push_mirror_new();
        pm->seq = atoll(jy_db_res_get(res, i, 1));
        if (!plan_mirror(p, pm, atoll(mid)) || !plan_push(p, pm)) {
            pq(p, pool, "SELECT pg_advisory_unlock(27257, $1::int)", 1, w);
            jy_pool_destroy(pm->pool);
            continue;
        }
        pq(p, pool,
           "UPDATE mirror_status SET pusher = $2,"
           " state = CASE WHEN state IN ('new', 'ok') THEN 'pushing' ELSE state END"
           " WHERE mirror_id = $1",
           2, w);
        push_mirror_attach(p, pm);
        taken++;
    }
    jy_pool_destroy(pool);
    return taken;
}


static void
push_on_notify(void *arg, const char *channel, const char *payload)
{
    struct jy_pusher *p = arg;

    (void) channel;
    (void) payload;
    p->wake = true;
}


/* Hand finished transfers to their ops. */
static void
push_collect(struct jy_pusher *p)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(p->multi, &left)) != NULL) {
        struct push_op *op = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &op);
        push_op_finish(p, op, msg->data.result);
    }
}


/* Advance every mirror; end those that are over. */
static void
push_advance(struct jy_pusher *p)
{
    struct push_mirror **pp = &p->mirrors;

    while (*pp) {
        struct push_mirror *pm = *pp;
        if (push_mirror_step(p, pm)) {
            *pp = pm->link;
            p->nmirrors--;
            if (!pm->verify_only)
                push_mirror_end(p, pm, false);
            push_mirror_free(p, pm);
        } else {
            pp = &pm->link;
        }
    }
}


/*
 * The database connection was lost, and with it the advisory locks: another
 * pusher may take these mirrors now, so stop sending to them at once (an
 * upload of ours finishing after one of its would put older bytes back)
 * and write nothing about them. Their jobs are still queued.
 */
static void
push_abandon_all(struct jy_pusher *p)
{
    while (p->mirrors) {
        struct push_mirror *pm = p->mirrors;
        p->mirrors = pm->link;
        p->nmirrors--;
        jy_log_warn("push", "mirror %s/%s: database connection lost, push abandoned",
                    pm->m.site_code, pm->m.name);
        push_mirror_free(p, pm);
    }
}


/* Connect again and LISTEN, trying every second for a minute (a database restart). */
static int
push_reconnect(struct jy_pusher *p, volatile sig_atomic_t *stop, struct jy_err *err)
{
    int i;

    for (i = 0; i < 60 && !(stop && __atomic_load_n(stop, __ATOMIC_SEQ_CST)); i++) {
        if (jy_db_reset(p->db, err) == JY_OK &&
            jy_db_exec(p->db, "LISTEN jy_render; LISTEN jy_push", err) == JY_OK) {
            jy_log_info("push", "database connection back");
            return JY_OK;
        }
        sleep(1);
    }
    return JY_ERROR;
}


/*
 * The loop. drain: return when nothing is in flight and nothing is due.
 * Otherwise wait for notifications and poll the queue every poll_ms.
 */
static int
push_loop(struct jy_pusher *p, bool drain, int stop_fd, volatile sig_atomic_t *stop,
          struct jy_err *err)
{
    struct timespec last_claim = {0, 0};
    bool claim = true;

    while (!(stop && __atomic_load_n(stop, __ATOMIC_SEQ_CST))) {
        struct curl_waitfd extra[2];
        int nextra = 0, running, numfds;

        if (claim || ms_since(&last_claim) >= p->pc.poll_ms) {
            int got = push_claim(p);
            clock_gettime(CLOCK_MONOTONIC, &last_claim);
            claim = false;
            if (got == 0 && p->mirrors == NULL && drain)
                return JY_OK;
        }
        {
            int before = p->nmirrors;
            push_advance(p);
            /* a push that ended frees a place: jobs left waiting for one go now, not at the
             * next poll */
            if (p->nmirrors < before)
                claim = true;
        }
        if (p->mirrors == NULL && drain) {
            claim = true;
            continue;
        }
        if (p->mirrors == NULL && drain == false && p->wake) {
            p->wake = false;
            claim = true;
            continue;
        }
        memset(extra, 0, sizeof(extra));
        if (!drain && jy_db_socket(p->db) >= 0) {
            extra[nextra].fd = jy_db_socket(p->db);
            extra[nextra++].events = CURL_WAIT_POLLIN;
        }
        if (stop_fd >= 0) {
            extra[nextra].fd = stop_fd;
            extra[nextra++].events = CURL_WAIT_POLLIN;
        }
        curl_multi_poll(p->multi, extra, (unsigned) nextra, p->mirrors ? 100 : p->pc.poll_ms,
                        &numfds);
        if (stop_fd >= 0 && extra[nextra - 1].revents)
            break;
        if (!jy_db_ok(p->db)) {
            push_abandon_all(p);
            if (drain) {
                jy_err_set(err, JY_E_UNAVAILABLE, "could not reach the database");
                return JY_ERROR;
            }
            if (push_reconnect(p, stop, err) != JY_OK)
                return JY_ERROR;
            claim = true;
            continue;
        }
        curl_multi_perform(p->multi, &running);
        push_collect(p);
        if (!drain) {
            if (jy_db_notifies(p->db, push_on_notify, p, err) < 0) {
                push_abandon_all(p);
                jy_log_warn("push", "%s (%s): reconnecting", err->msg, err->detail);
                if (push_reconnect(p, stop, err) != JY_OK)
                    return JY_ERROR;
                claim = true; /* what was queued meanwhile sent no notification to us */
            }
            if (p->wake) {
                p->wake = false;
                claim = true;
            }
        } else if (p->nmirrors < p->pc.max_mirrors) {
            claim = claim || ms_since(&last_claim) >= 200;
        }
    }
    /* stopping: leave unfinished pushes to the next pusher; what is confirmed stays */
    while (p->mirrors) {
        struct push_mirror *pm = p->mirrors;
        p->mirrors = pm->link;
        p->nmirrors--;
        if (!pm->verify_only)
            push_mirror_end(p, pm, true);
        push_mirror_free(p, pm);
    }
    return JY_OK;
}


struct jy_pusher *
jy_pusher_create(const char *conninfo, const struct jy_push_conf *pc, struct jy_err *err)
{
    struct jy_pusher *p;
    char host[64] = "?";

    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        jy_err_set(err, JY_E_INTERNAL, "could not initialise libsodium or libcurl");
        return NULL;
    }
    p = jy_xmalloc(sizeof(*p));
    memset(p, 0, sizeof(*p));
    p->pc = *pc;
    if (p->pc.total_parallel < 1)
        p->pc.total_parallel = 16;
    if (p->pc.max_mirrors < 1)
        p->pc.max_mirrors = 8;
    if (p->pc.retry_base_ms < 1)
        p->pc.retry_base_ms = 1000;
    if (p->pc.retry_max_ms < p->pc.retry_base_ms)
        p->pc.retry_max_ms = p->pc.retry_base_ms;
    if (p->pc.degrade_after < 1)
        p->pc.degrade_after = 5;
    if (p->pc.poll_ms < 10)
        p->pc.poll_ms = 5000;
    gethostname(host, sizeof(host) - 1);
    snprintf(p->id, sizeof(p->id), "%s:%d", host, (int) getpid());
    p->db = jy_db_connect(conninfo, err);
    if (p->db == NULL) {
        free(p);
        return NULL;
    }
    p->multi = curl_multi_init();
    curl_multi_setopt(p->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long) p->pc.total_parallel);
    return p;
}


void
jy_pusher_destroy(struct jy_pusher *p)
{
    int i;

    if (p == NULL)
        return;
    while (p->mirrors) {
        struct push_mirror *pm = p->mirrors;
        p->mirrors = pm->link;
        push_mirror_free(p, pm);
    }
    for (i = 0; i < p->nfree; i++)
        curl_easy_cleanup(p->free_easy[i]);
    free(p->free_easy);
    curl_multi_cleanup(p->multi);
    jy_db_close(p->db);
    free(p);
}


int
jy_pusher_drain(struct jy_pusher *p, volatile sig_atomic_t *stop, struct jy_err *err)
{
    return push_loop(p, true, -1, stop, err);
}


int
jy_pusher_run(struct jy_pusher *p, int stop_fd, volatile sig_atomic_t *stop, struct jy_err *err)
{
    if (jy_db_exec(p->db, "LISTEN jy_render; LISTEN jy_push", err) != JY_OK)
        return JY_ERROR;
    jy_log_info("push", "pusher %s ready: %d transfers, %d mirrors at once", p->id,
                p->pc.total_parallel, p->pc.max_mirrors);
    return push_loop(p, false, stop_fd, stop, err);
}


void
jy_pusher_stats(const struct jy_pusher *p, struct jy_push_stats *out)
{
    *out = p->stats;
}


int
jy_mirror_verify(const char *conninfo, struct jy_pool *pool, long long mirror_id, int sample,
                 struct jy_verify_report *rep, struct jy_err *err)
{
    struct jy_push_conf pc;
    struct jy_pusher *p;
    struct push_mirror *pm;
    struct jy_db_res *res;
    char id[24], lim[24];
    const char *v[2] = {id, lim};
    int i, n;

    memset(rep, 0, sizeof(*rep));
    rep->problems = jy_pool_new_array(pool, struct jy_verify_problem, PUSH_MAX_PROBLEM);
    memset(&pc, 0, sizeof(pc));
    pc.output_dir = "";
    p = jy_pusher_create(conninfo, &pc, err);
    if (p == NULL)
        return JY_ERROR;
    pm = push_mirror_new();
    pm->verify_only = true;
    pm->rep = rep;
    pm->rep_pool = pool;
    snprintf(id, sizeof(id), "%lld", mirror_id);
    snprintf(lim, sizeof(lim), "%d", sample);
    if (!plan_mirror(p, pm, mirror_id)) {
        jy_err_set(err, JY_E_NOT_FOUND, "no mirror %lld", mirror_id);
        goto out_fail;
    }
    res = jy_db_query(p->db, pm->pool,
                      "SELECT path, sha256, size FROM mirror_file WHERE mirror_id = $1"
                      " ORDER BY CASE WHEN $2::int >= 0 THEN random() END, path"
                      " LIMIT CASE WHEN $2::int >= 0 THEN $2::int END",
                      2, v, err);
    if (res == NULL)
        goto out_fail;
    n = jy_db_res_rows(res);
    pm->ops = jy_pool_new_array(pm->pool, struct push_op, (size_t) n + 1);
    for (i = 0; i < n; i++)
        plan_add(pm, PHASE_VERIFY, OP_GET, jy_db_res_get(res, i, 0), jy_db_res_get(res, i, 1),
                 atoll(jy_db_res_get(res, i, 2)));
    pm->phase = PHASE_VERIFY;
    push_mirror_attach(p, pm);
    while (p->mirrors) {
        int running, numfds;
        push_advance(p);
        if (p->mirrors == NULL)
            break;
        curl_multi_poll(p->multi, NULL, 0, 100, &numfds);
        curl_multi_perform(p->multi, &running);
        push_collect(p);
    }
    /* pm is freed (its deletions flushed at the phase end); queue a repair when needed */
    if (rep->wrong) {
        res = jy_db_query(p->db, pool,
                          "WITH r AS (UPDATE mirror_status SET synced_xid = NULL"
                          "            WHERE mirror_id = $1 RETURNING mirror_id)"
                          " SELECT jy_push_enqueue(site_id, id, 'verification found files wrong')"
                          " FROM mirror WHERE id = (SELECT mirror_id FROM r)",
                          1, v, err);
        if (res == NULL) {
            jy_pusher_destroy(p);
            return JY_ERROR;
        }
    }
    jy_pusher_destroy(p);
    return JY_OK;

out_fail:
    jy_pool_destroy(pm->pool);
    jy_pusher_destroy(p);
    return JY_ERROR;
}
