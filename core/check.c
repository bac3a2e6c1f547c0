/*
 * check.c - running the content checks (check.h).
 *
 * Parent side: read the item and the site's configuration over the
 * caller's connection, turn rich text into paragraphs (plaintext.h), send
 * the document to the worker, collect raw findings (byte offsets), then
 * place them (paragraph, characters) and give them their severity.
 *
 * Worker side: a fork of the process after the plugins were loaded. It
 * reads a document, runs the checks it was asked for in order, announcing
 * each ('C' frame) before running it, so when it dies the parent knows
 * which check killed it, reports that one and resends the rest to a new
 * worker.
 *
 * Wire format (socketpair, both directions): frames of one type byte, a
 * 32-bit length and the payload; integers little-endian as the host writes
 * them (both ends are the same binary), strings as length + bytes with
 * 0xFFFFFFFF for NULL.
 */
#include "core/compat.h"
#include "core/check.h"

#include "core/buf.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/log.h"
#include "core/plaintext.h"
#include "core/plugin.h"
#include "core/pool.h"
#include "core/utf8.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK_FRAME_MAX (64u << 20) /* a document or finding larger than this is refused */

/* A finding as a plugin reported it, before it is placed. */
struct raw_finding {
    const char *kind;
    int field;
    size_t offset, len;
    const char *matched;
    const char *message;
    const char *suggestion;
    bool failure; /* the check could not run */
};

struct raw_list {
    struct raw_finding *v;
    size_t n, cap;
    struct jy_pool *pool;
};

static struct {
    bool ready;
    struct jy_plugin_host *host;
    bool isolate;
    int timeout_s;
    int link_ttl_h;
    char *conninfo;
    struct jy_db *sysdb; /* the system's connection of this process (worker or in-process) */
    pid_t worker;
    int fd;
    unsigned long docs, restarts;
} g = {.fd = -1};

/*
 * One worker serves the process, one document at a time: the HTTP
 * server's threads take turns here (plugins keep per-site caches that are
 * not thread-safe either). NEEDSWORK: a pool of workers when one core of
 * checks stops being enough for a platform's editors.
 */
static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;


/* ---- wire ------------------------------------------------------------- */

static void
put_u32(struct jy_buf *b, uint32_t v)
{
    jy_buf_add(b, &v, sizeof(v));
}


static void
put_i64(struct jy_buf *b, long long v)
{
    int64_t x = v;
    jy_buf_add(b, &x, sizeof(x));
}


static void
put_str(struct jy_buf *b, const char *s)
{
    if (s == NULL) {
        put_u32(b, UINT32_MAX);
        return;
    }
    put_u32(b, (uint32_t) strlen(s));
    jy_buf_add(b, s, strlen(s));
}


static void
put_strn(struct jy_buf *b, const char *s, size_t len)
{
    put_u32(b, (uint32_t) len);
    jy_buf_add(b, s, len);
}


struct rd {
    const char *p;
    size_t left;
    bool bad;
    struct jy_pool *pool;
};


static uint32_t
get_u32(struct rd *r)
{
    uint32_t v = 0;

    if (r->left < sizeof(v)) {
        r->bad = true;
        return 0;
    }
    memcpy(&v, r->p, sizeof(v));
    r->p += sizeof(v);
    r->left -= sizeof(v);
    return v;
}


static long long
get_i64(struct rd *r)
{
    int64_t v = 0;

    if (r->left < sizeof(v)) {
        r->bad = true;
        return 0;
    }
    memcpy(&v, r->p, sizeof(v));
    r->p += sizeof(v);
    r->left -= sizeof(v);
    return v;
}


static const char *
get_str(struct rd *r, size_t *len_out)
{
    uint32_t n = get_u32(r);
    const char *s;

    if (len_out)
        *len_out = 0;
    if (r->bad || n == UINT32_MAX)
        return NULL;
    if (r->left < n) {
        r->bad = true;
        return NULL;
    }
    s = jy_pool_strndup(r->pool, r->p, n);
    r->p += n;
    r->left -= n;
    if (len_out)
        *len_out = n;
    return s;
}


static int
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t) w;
    }
    return 0;
}


static int
send_frame(int fd, char type, const char *payload, size_t len)
{
    char head[5];
    uint32_t l = (uint32_t) len;

    head[0] = type;
    memcpy(head + 1, &l, 4);
    if (write_all(fd, head, 5) != 0)
        return -1;
    return write_all(fd, payload, len);
}


static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/*
 * Read exactly n bytes before the deadline (0: none). 0 ok, -1 EOF/error,
 * -2 timeout.
 */
static int
read_all(int fd, char *p, size_t n, double deadline)
{
    while (n > 0) {
        ssize_t got;
        if (deadline > 0) {
            struct pollfd pfd = {fd, POLLIN, 0};
            double left = deadline - now_s();
            int rc;
            if (left <= 0)
                return -2;
            rc = poll(&pfd, 1, (int) (left * 1000) + 1);
            if (rc < 0 && errno == EINTR)
                continue;
            if (rc == 0)
                return -2;
            if (rc < 0)
                return -1;
        }
        got = read(fd, p, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        p += got;
        n -= (size_t) got;
    }
    return 0;
}


/* Read one frame into pool memory. 0 ok, -1 EOF/error, -2 timeout. */
static int
recv_frame(int fd, struct jy_pool *pool, double deadline, char *type, char **payload, size_t *len)
{
    char head[5];
    uint32_t l;
    int rc = read_all(fd, head, 5, deadline);

    if (rc != 0)
        return rc;
    memcpy(&l, head + 1, 4);
    if (l > CHECK_FRAME_MAX)
        return -1;
    *type = head[0];
    *payload = jy_pool_alloc(pool, (size_t) l + 1);
    (*payload)[l] = '\0';
    *len = l;
    return read_all(fd, *payload, l, deadline);
}


/* ---- documents -------------------------------------------------------- */

static void
doc_encode(struct jy_buf *b, const struct jy_plugin_doc *d, const int *checks, int nchecks)
{
    int i;

    put_i64(b, d->item_id);
    put_i64(b, d->site_id);
    put_str(b, d->kind);
    put_u32(b, (uint32_t) d->nfields);
    for (i = 0; i < d->nfields; i++) {
        put_str(b, d->fields[i].name);
        put_str(b, d->fields[i].label);
        put_strn(b, d->fields[i].text, d->fields[i].len);
    }
    put_u32(b, (uint32_t) d->nlinks);
    for (i = 0; i < d->nlinks; i++) {
        put_str(b, d->links[i].url);
        put_u32(b, (uint32_t) d->links[i].field);
        put_i64(b, (long long) d->links[i].offset);
        put_i64(b, (long long) d->links[i].len);
    }
    put_u32(b, (uint32_t) d->nmeta);
    for (i = 0; i < d->nmeta; i++) {
        put_str(b, d->meta[i].field);
        put_str(b, d->meta[i].label);
        put_str(b, d->meta[i].value);
        put_str(b, d->meta[i].required_by);
    }
    put_u32(b, (uint32_t) d->nlexicon);
    for (i = 0; i < d->nlexicon; i++) {
        put_str(b, d->lexicon[i].lexicon);
        put_str(b, d->lexicon[i].entry);
        put_str(b, d->lexicon[i].replacement);
    }
    put_u32(b, (uint32_t) d->ndomains);
    for (i = 0; i < d->ndomains; i++)
        put_str(b, d->domains[i]);
    put_u32(b, (uint32_t) nchecks);
    for (i = 0; i < nchecks; i++)
        put_u32(b, (uint32_t) checks[i]);
}


/* Counts are bounded by the bytes left, so a bad frame cannot ask for a huge array. */
static int
get_count(struct rd *r, size_t min_item)
{
    uint32_t n = get_u32(r);

    if (r->bad || (size_t) n > r->left / min_item) {
        r->bad = true;
        return 0;
    }
    return (int) n;
}


static int
doc_decode(struct rd *r, struct jy_plugin_doc *d, int **checks, int *nchecks)
{
    struct jy_plugin_field *f;
    struct jy_plugin_link *l;
    struct jy_plugin_meta *m;
    struct jy_plugin_lex_entry *x;
    const char **dom;
    int i;

    memset(d, 0, sizeof(*d));
    d->item_id = get_i64(r);
    d->site_id = get_i64(r);
    d->kind = get_str(r, NULL);
    d->nfields = get_count(r, 12);
    f = jy_pool_new_array(r->pool, struct jy_plugin_field, (size_t) d->nfields + 1);
    for (i = 0; i < d->nfields; i++) {
        f[i].name = get_str(r, NULL);
        f[i].label = get_str(r, NULL);
        f[i].text = get_str(r, &f[i].len);
        if (f[i].name == NULL || f[i].label == NULL || f[i].text == NULL)
            r->bad = true;
    }
    d->fields = f;
    d->nlinks = get_count(r, 24);
    l = jy_pool_new_array(r->pool, struct jy_plugin_link, (size_t) d->nlinks + 1);
    for (i = 0; i < d->nlinks; i++) {
        l[i].url = get_str(r, NULL);
        l[i].field = (int) get_u32(r);
        l[i].offset = (size_t) get_i64(r);
        l[i].len = (size_t) get_i64(r);
        if (l[i].url == NULL || l[i].field < 0 || l[i].field >= d->nfields ||
            l[i].offset + l[i].len > f[l[i].field].len)
            r->bad = true;
    }
    d->links = l;
    d->nmeta = get_count(r, 16);
    m = jy_pool_new_array(r->pool, struct jy_plugin_meta, (size_t) d->nmeta + 1);
    for (i = 0; i < d->nmeta; i++) {
        m[i].field = get_str(r, NULL);
        m[i].label = get_str(r, NULL);
        m[i].value = get_str(r, NULL);
        m[i].required_by = get_str(r, NULL);
        if (m[i].field == NULL || m[i].label == NULL)
            r->bad = true;
    }
    d->meta = m;
    d->nlexicon = get_count(r, 12);
    x = jy_pool_new_array(r->pool, struct jy_plugin_lex_entry, (size_t) d->nlexicon + 1);
    for (i = 0; i < d->nlexicon; i++) {
        x[i].lexicon = get_str(r, NULL);
        x[i].entry = get_str(r, NULL);
        x[i].replacement = get_str(r, NULL);
        if (x[i].lexicon == NULL || x[i].entry == NULL)
            r->bad = true;
    }
    d->lexicon = x;
    d->ndomains = get_count(r, 4);
    dom = jy_pool_new_array(r->pool, const char *, (size_t) d->ndomains + 1);
    for (i = 0; i < d->ndomains; i++)
        if ((dom[i] = get_str(r, NULL)) == NULL)
            r->bad = true;
    d->domains = dom;
    *nchecks = get_count(r, 4);
    *checks = jy_pool_new_array(r->pool, int, (size_t) *nchecks + 1);
    for (i = 0; i < *nchecks; i++)
        (*checks)[i] = (int) get_u32(r);
    return r->bad ? JY_ERROR : JY_OK;
}


/* ---- the system connection: internal links and the link cache ---------- */

static struct jy_db *
sysdb(void)
{
    struct jy_err err = JY_ERR_INIT;

    if (g.sysdb && jy_db_ok(g.sysdb))
        return g.sysdb;
    if (g.conninfo == NULL)
        return NULL;
    if (g.sysdb)
        jy_db_close(g.sysdb);
    g.sysdb = jy_db_connect(g.conninfo, &err);
    if (g.sysdb == NULL)
        jy_log_warn("check", "no database for the link check: %s", err.msg);
    return g.sysdb;
}


/*
 * Is path a page of the site? / (home), /<column>/, /<column>/index_N.html,
 * /<column>/<item>.html of a published placement (in the column or in the
 * column it reuses), /files/... of a stored file.
 */
static int
sink_url_published(struct jy_plugin_sink *sink, long long site_id, const char *path)
{
    struct jy_db *db = sysdb();
    struct jy_pool *pool;
    struct jy_err err = JY_ERR_INIT;
    char site[32], item[32];
    const char *col, *last, *v;
    size_t plen = strlen(path);
    int rc = -1;

    (void) sink;
    if (db == NULL)
        return -1;
    pool = jy_pool_create(0);
    if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0) {
        /* an absolute URL: on a domain of the platform it is a page of that site */
        const char *host = strstr(path, "//") + 2, *slash = strchr(host, '/');
        const char *p[1] = {
            jy_pool_strndup(pool, host, slash ? (size_t) (slash - host) : strlen(host))};
        v = jy_db_query_value(db, pool, "SELECT site_id FROM site_domain WHERE domain = lower($1)",
                              1, p, &err);
        if (v == NULL) {
            rc = err.code == JY_E_NONE ? -2 : -1;
            goto out;
        }
        site_id = atoll(v);
        path = slash ? jy_pool_strndup(pool, slash, strcspn(slash, "?#")) : "/";
        plen = strlen(path);
    }
    snprintf(site, sizeof(site), "%lld", site_id);
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        rc = 1;
        goto out;
    }
    if (strncmp(path, "/files/", 7) == 0) {
        const char *p[1] = {path};
        v = jy_db_query_value(db, pool,
                              "SELECT EXISTS (SELECT 1 FROM file WHERE sha256 = "
                              "substring($1 from '([0-9a-f]{64})'))::text",
                              1, p, &err);
        rc = v ? strcmp(v, "true") == 0 : -1;
        goto out;
    }
    last = strrchr(path, '/');
    if (path[0] != '/' || last == path) {
        rc = 0;
        goto out;
    }
    col = jy_pool_strndup(pool, path + 1, (size_t) (last - path - 1));
    if (last[1] == '\0' || strncmp(last + 1, "index", 5) == 0) {
        const char *p[2] = {site, col};
        v = jy_db_query_value(db, pool,
                              "SELECT EXISTS (SELECT 1 FROM site_column WHERE site_id = $1 "
                              "AND path = $2)::text",
                              2, p, &err);
        rc = v ? strcmp(v, "true") == 0 : -1;
        goto out;
    }
    if (plen > 5 && strcmp(path + plen - 5, ".html") == 0 &&
        strspn(last + 1, "0123456789") == (size_t) (path + plen - 5 - last - 1) &&
        path + plen - 5 - last - 1 > 0 && path + plen - 5 - last - 1 < 19) {
        const char *p[3] = {site, col, item};
        snprintf(item, sizeof(item), "%.*s", (int) (path + plen - 5 - last - 1), last + 1);
        v = jy_db_query_value(db, pool,
                              "SELECT EXISTS (SELECT 1 FROM site_column c JOIN placement p "
                              "ON p.column_id = coalesce(c.reuse_column_id, c.id) "
                              "WHERE c.site_id = $1 AND c.path = $2 AND p.item_id = $3::bigint "
                              "AND p.state = 'published')::text",
                              3, p, &err);
        rc = v ? strcmp(v, "true") == 0 : -1;
        goto out;
    }
    rc = 0;
out:
    if (rc < 0)
        jy_log_warn("check", "could not resolve internal link \"%s\": %s", path, err.msg);
    jy_pool_destroy(pool);
    return rc;
}


static int
sink_cache_get(struct jy_plugin_sink *sink, const char *url, int *status, char *info,
               size_t info_size)
{
    struct jy_db *db = sysdb();
    struct jy_pool *pool;
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *res;
    char ttl[16];
    const char *p[2] = {url, ttl};
    int hit = 0;

    (void) sink;
    if (db == NULL || g.link_ttl_h <= 0)
        return 0;
    pool = jy_pool_create(0);
    snprintf(ttl, sizeof(ttl), "%d", g.link_ttl_h);
    res = jy_db_query(db, pool,
                      "SELECT status, info FROM check_link_cache WHERE url = $1 "
                      "AND checked_at > now() - make_interval(hours => $2::int)",
                      2, p, &err);
    if (res && jy_db_res_rows(res) == 1) {
        *status = atoi(jy_db_res_get(res, 0, 0));
        snprintf(info, info_size, "%s", jy_db_res_get(res, 0, 1));
        hit = 1;
    }
    jy_pool_destroy(pool);
    return hit;
}


static void
sink_cache_put(struct jy_plugin_sink *sink, const char *url, int status, const char *info)
{
    struct jy_db *db = sysdb();
    struct jy_pool *pool;
    struct jy_err err = JY_ERR_INIT;
    char st[16];
    const char *p[3] = {url, st, info};

    (void) sink;
    if (db == NULL || status < 0 || status > 999 || (status > 0 && status < 100))
        return;
    pool = jy_pool_create(0);
    snprintf(st, sizeof(st), "%d", status);
    if (jy_db_query(db, pool,
                    "INSERT INTO check_link_cache (url, status, info) VALUES ($1, $2::int, $3) "
                    "ON CONFLICT (url) DO UPDATE SET status = EXCLUDED.status, "
                    "info = EXCLUDED.info, checked_at = now()",
                    3, p, &err) == NULL)
        jy_log_warn("check", "could not cache the answer of \"%s\": %s", url, err.msg);
    jy_pool_destroy(pool);
}


/* ---- running checks in this process ------------------------------------ */

struct run_ctx {
    struct jy_plugin_sink sink; /* first */
    const struct jy_plugin_doc *doc;
    int fd;               /* worker: where frames go; -1 in-process */
    struct raw_list *out; /* in-process */
    struct jy_buf frame;
};


static void
raw_add(struct raw_list *l, const struct raw_finding *f)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        l->v = jy_pool_realloc(l->pool, l->v, l->cap * sizeof(*l->v), ncap * sizeof(*l->v));
        l->cap = ncap;
    }
    l->v[l->n] = *f;
    l->v[l->n].kind = jy_pool_strdup(l->pool, f->kind);
    l->v[l->n].matched = jy_pool_strdup(l->pool, f->matched);
    l->v[l->n].message = jy_pool_strdup(l->pool, f->message);
    l->v[l->n].suggestion = jy_pool_strdup(l->pool, f->suggestion);
    l->n++;
}


static void
sink_report(struct jy_plugin_sink *sink, const struct jy_plugin_finding *f)
{
    struct run_ctx *c = (struct run_ctx *) sink;
    const struct jy_plugin_doc *d = c->doc;
    struct raw_finding r;

    /* a plugin's data is not trusted: positions must lie in the field */
    if (f->kind == NULL || f->message == NULL || f->field < -1 || f->field >= d->nfields)
        return;
    if (f->field >= 0 &&
        (f->offset > d->fields[f->field].len || f->len > d->fields[f->field].len - f->offset))
        return;
    memset(&r, 0, sizeof(r));
    r.kind = f->kind;
    r.field = f->field;
    r.offset = f->field >= 0 ? f->offset : 0;
    r.len = f->field >= 0 ? f->len : 0;
    r.matched = f->matched;
    r.message = f->message;
    r.suggestion = f->suggestion;
    if (c->fd >= 0) {
        jy_buf_reset(&c->frame);
        put_str(&c->frame, r.kind);
        put_u32(&c->frame, (uint32_t) (r.field + 1));
        put_i64(&c->frame, (long long) r.offset);
        put_i64(&c->frame, (long long) r.len);
        put_str(&c->frame, r.matched);
        put_str(&c->frame, r.message);
        put_str(&c->frame, r.suggestion);
        if (send_frame(c->fd, 'F', c->frame.buf, c->frame.len) != 0)
            _exit(3);
    } else {
        raw_add(c->out, &r);
    }
}


static void
sink_fail(struct jy_plugin_sink *sink, const char *msg)
{
    struct run_ctx *c = (struct run_ctx *) sink;
    struct raw_finding r;

    if (c->fd >= 0) {
        if (send_frame(c->fd, 'E', msg, strlen(msg)) != 0)
            _exit(3);
        return;
    }
    memset(&r, 0, sizeof(r));
    r.kind = "";
    r.field = -1;
    r.message = msg;
    r.failure = true;
    raw_add(c->out, &r);
}


static void
run_init(struct run_ctx *c, const struct jy_plugin_doc *doc, struct jy_pool *pool)
{
    memset(c, 0, sizeof(*c));
    c->sink.report = sink_report;
    c->sink.fail = sink_fail;
    c->sink.url_published = sink_url_published;
    c->sink.cache_get = sink_cache_get;
    c->sink.cache_put = sink_cache_put;
    c->doc = doc;
    c->fd = -1;
    jy_buf_init(&c->frame, pool, 256);
}


/* ---- the worker -------------------------------------------------------- */

JY_NORETURN static void
worker_main(int fd)
{
    struct jy_pool *pool = jy_pool_create(0);

    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_IGN);
    /* what a plugin prints must not end up in the command's output (--json) */
    dup2(STDERR_FILENO, STDOUT_FILENO);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* the parent's connection is the parent's: never touch its socket */
    g.sysdb = NULL;
    for (;;) {
        struct jy_plugin_doc doc;
        struct run_ctx ctx;
        struct rd r;
        char type, *payload;
        size_t len;
        int *checks, nchecks, i;
        char pos[4];

        jy_pool_reset(pool);
        if (recv_frame(fd, pool, 0, &type, &payload, &len) != 0 || type != 'D')
            _exit(0);
        r.p = payload;
        r.left = len;
        r.bad = false;
        r.pool = pool;
        if (doc_decode(&r, &doc, &checks, &nchecks) != JY_OK)
            _exit(2);
        run_init(&ctx, &doc, pool);
        ctx.fd = fd;
        for (i = 0; i < nchecks; i++) {
            const struct jy_plugin_check *c = jy_plugin_host_check(g.host, (size_t) checks[i]);
            uint32_t p = (uint32_t) i;
            memcpy(pos, &p, 4);
            if (send_frame(fd, 'C', pos, 4) != 0)
                _exit(3);
            if (c && c->run(c->data, &doc, &ctx.sink) != 0)
                sink_fail(&ctx.sink, "the check returned an error");
        }
        if (send_frame(fd, 'Z', "", 0) != 0)
            _exit(3);
    }
}


static void
worker_stop(void)
{
    int status;

    if (g.worker > 0) {
        kill(g.worker, SIGKILL);
        while (waitpid(g.worker, &status, 0) < 0 && errno == EINTR)
            ;
    }
    if (g.fd >= 0)
        close(g.fd);
    g.worker = 0;
    g.fd = -1;
}


static int
worker_start(struct jy_err *err)
{
    int sv[2];
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        jy_err_errno(err, errno, "could not start the check worker");
        return JY_ERROR;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        jy_err_errno(err, errno, "could not start the check worker");
        close(sv[0]);
        close(sv[1]);
        return JY_ERROR;
    }
    if (pid == 0) {
        close(sv[0]);
        worker_main(sv[1]);
    }
    close(sv[1]);
    g.worker = pid;
    g.fd = sv[0];
    return JY_OK;
}


/* Why the worker ended: "signal 11 (Segmentation fault)" / "exit status 2". */
static void
worker_reap(char *why, size_t size)
{
    int status = 0;
    pid_t pid = g.worker;

    if (g.fd >= 0)
        close(g.fd);
    g.fd = -1;
    g.worker = 0;
    if (pid <= 0) {
        snprintf(why, size, "no worker");
        return;
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
        snprintf(why, size, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status))
        snprintf(why, size, "exit status %d", WEXITSTATUS(status));
    else
        snprintf(why, size, "killed");
}


static void failure_finding(struct raw_list *raw, const struct jy_plugin_check *c, const char *fmt,
                            ...) JY_PRINTF(3, 4);

static void
failure_finding(struct raw_list *raw, const struct jy_plugin_check *c, const char *fmt, ...)
{
    struct raw_finding r;
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    memset(&r, 0, sizeof(r));
    r.kind = c ? c->name : "";
    r.field = -1;
    r.message = msg;
    r.failure = true;
    raw_add(raw, &r);
}


/* Run checks[0..n) over doc in the worker, restarting it as needed. */
static int
run_isolated(struct jy_pool *pool, const struct jy_plugin_doc *doc, const int *checks, int n,
             struct raw_list *raw, struct jy_err *err)
{
    int start = 0;

    while (start < n) {
        struct jy_buf req = JY_BUF_INIT(pool);
        int current = start, rc = 0;
        double deadline;

        if (g.worker <= 0 && worker_start(err) != JY_OK)
            return JY_ERROR;
        doc_encode(&req, doc, checks + start, n - start);
        if (req.len > CHECK_FRAME_MAX) {
            jy_err_set(err, JY_E_TOO_LARGE, "document too large to check (%zu bytes)", req.len);
            return JY_ERROR;
        }
        g.docs++;
        if (send_frame(g.fd, 'D', req.buf, req.len) != 0) {
            /* the worker was gone before this document (killed from outside): that is no
             * check's fault, start another and send again once */
            char why[128];
            worker_reap(why, sizeof(why));
            jy_log_warn("check", "check worker had ended (%s); starting another", why);
            g.restarts++;
            if (worker_start(err) != JY_OK)
                return JY_ERROR;
            if (send_frame(g.fd, 'D', req.buf, req.len) != 0)
                rc = -1;
        }
        deadline = now_s() + g.timeout_s;
        while (rc == 0) {
            char type, *payload;
            size_t len;
            struct rd r;
            rc = recv_frame(g.fd, pool, deadline, &type, &payload, &len);
            if (rc != 0)
                break;
            r.p = payload;
            r.left = len;
            r.bad = false;
            r.pool = pool;
            if (type == 'Z') {
                break;
            } else if (type == 'C') {
                current = start + (int) get_u32(&r);
                deadline = now_s() + g.timeout_s;
            } else if (type == 'E') {
                failure_finding(raw, jy_plugin_host_check(g.host, (size_t) checks[current]), "%s",
                                payload);
            } else if (type == 'F') {
                struct raw_finding f;
                memset(&f, 0, sizeof(f));
                f.kind = get_str(&r, NULL);
                f.field = (int) get_u32(&r) - 1;
                f.offset = (size_t) get_i64(&r);
                f.len = (size_t) get_i64(&r);
                f.matched = get_str(&r, NULL);
                f.message = get_str(&r, NULL);
                f.suggestion = get_str(&r, NULL);
                if (!r.bad && f.kind && f.message)
                    raw_add(raw, &f);
            }
        }
        if (rc == 0)
            return JY_OK;
        {
            const struct jy_plugin_check *c =
                current < n ? jy_plugin_host_check(g.host, (size_t) checks[current]) : NULL;
            char why[128];
            if (rc == -2) {
                worker_reap(why, sizeof(why));
                failure_finding(raw, c, "检查「%s」超时（%d 秒），已终止并重启检查进程",
                                c ? c->name : "?", g.timeout_s);
            } else {
                worker_reap(why, sizeof(why));
                failure_finding(raw, c, "检查「%s」运行时崩溃（%s），已重启检查进程",
                                c ? c->name : "?", why);
            }
            jy_log_warn("check", "check \"%s\" failed on item %lld: %s", c ? c->name : "?",
                        doc->item_id, rc == -2 ? "timeout" : why);
            g.restarts++;
        }
        start = current + 1;
    }
    return JY_OK;
}


static void
run_inprocess(struct jy_pool *pool, const struct jy_plugin_doc *doc, const int *checks, int n,
              struct raw_list *raw)
{
    struct run_ctx ctx;
    int i;

    run_init(&ctx, doc, pool);
    ctx.out = raw;
    for (i = 0; i < n; i++) {
        const struct jy_plugin_check *c = jy_plugin_host_check(g.host, (size_t) checks[i]);
        size_t before = raw->n;
        if (c->run(c->data, doc, &ctx.sink) != 0 && raw->n == before)
            failure_finding(raw, c, "检查「%s」未能运行", c->name);
        for (size_t k = before; k < raw->n; k++)
            if (raw->v[k].failure && raw->v[k].kind[0] == '\0')
                raw->v[k].kind = c->name;
    }
}


/* ---- setup ------------------------------------------------------------- */

int
jy_check_setup(const struct jy_conf *conf, const char *conninfo, struct jy_err *err)
{
    if (g.ready)
        return JY_OK;
    g.host = jy_plugin_host_create(conf);
    g.isolate = jy_conf_get_int(conf, "check_isolate") != 0;
    g.timeout_s = (int) jy_conf_get_int(conf, "check_timeout");
    g.link_ttl_h = (int) jy_conf_get_int(conf, "check_link_ttl");
    g.conninfo = conninfo ? jy_xstrdup(conninfo) : NULL;
    if (jy_plugin_host_load_dir(g.host, jy_conf_get(conf, "plugin_dir"), err) != JY_OK) {
        jy_plugin_host_destroy(g.host);
        g.host = NULL;
        free(g.conninfo);
        g.conninfo = NULL;
        return JY_ERROR;
    }
    g.ready = true;
    /* fork the worker now, while the program is still one thread (a fork from a
     * threaded server copies only the forking thread; better not to need it) */
    if (g.isolate && jy_plugin_host_checks(g.host) > 0 && worker_start(err) != JY_OK) {
        jy_log_warn("check", "%s: will retry at the first check", err->msg);
        jy_err_clear(err);
    }
    return JY_OK;
}


static const struct jy_conf *lazy_conf;
static const char *lazy_conninfo;

void
jy_check_use_conf(const struct jy_conf *conf, const char *conninfo)
{
    lazy_conf = conf;
    lazy_conninfo = conninfo;
}


int
jy_check_ensure(struct jy_err *err)
{
    static struct jy_pool *defaults_pool;

    if (g.ready)
        return JY_OK;
    if (lazy_conf == NULL) {
        if (defaults_pool == NULL)
            defaults_pool = jy_pool_create(0);
        lazy_conf = jy_conf_create(defaults_pool);
    }
    return jy_check_setup(lazy_conf, lazy_conninfo, err);
}


bool
jy_check_is_ready(void)
{
    return g.ready;
}


void
jy_check_shutdown(void)
{
    if (!g.ready)
        return;
    worker_stop();
    if (g.sysdb)
        jy_db_close(g.sysdb);
    g.sysdb = NULL;
    jy_plugin_host_destroy(g.host);
    g.host = NULL;
    free(g.conninfo);
    g.conninfo = NULL;
    g.ready = false;
}


struct jy_plugin_host *
jy_check_host(void)
{
    return g.host;
}


size_t
jy_check_problems(void)
{
    return g.host ? jy_plugin_host_problems(g.host) : 0;
}


const char *
jy_check_problem(size_t i)
{
    return g.host ? jy_plugin_host_problem(g.host, i) : NULL;
}


long
jy_check_worker_pid(void)
{
    return g.worker > 0 ? (long) g.worker : 0;
}


void
jy_check_worker_stats(unsigned long *docs, unsigned long *restarts)
{
    *docs = g.docs;
    *restarts = g.restarts;
}


/* ---- building the document --------------------------------------------- */

struct docb {
    struct jy_plugin_doc doc;
    struct jy_plugin_field fields[8];
    struct jy_plugin_link *links;
    size_t nlinks, cap;
    struct jy_plugin_meta *meta;
    struct jy_plugin_lex_entry *lex;
    const char **domains;
    /* site configuration: kind -> severity for this stage */
    const char **set_kind;
    int *set_sev;
    int nset;
};


static void
docb_text(struct docb *b, const char *name, const char *label, const char *text)
{
    struct jy_plugin_field *f;

    if (text == NULL || text[0] == '\0' || b->doc.nfields >= (int) JY_ARRAY_LEN(b->fields))
        return;
    f = &b->fields[b->doc.nfields++];
    f->name = name;
    f->label = label;
    f->text = text;
    f->len = strlen(text);
}


static void
docb_html(struct docb *b, struct jy_pool *pool, const char *name, const char *label,
          const char *html, size_t len)
{
    struct jy_plaintext pt;
    size_t i;
    int fi;

    if (html == NULL || len == 0)
        return;
    jy_plaintext_from_html(pool, html, len, &pt);
    if (pt.len == 0 && pt.nlinks == 0)
        return;
    fi = b->doc.nfields;
    b->fields[fi].name = name;
    b->fields[fi].label = label;
    b->fields[fi].text = pt.text;
    b->fields[fi].len = pt.len;
    b->doc.nfields++;
    b->links = jy_pool_new_array(pool, struct jy_plugin_link, pt.nlinks + 1);
    for (i = 0; i < pt.nlinks; i++) {
        b->links[i].url = pt.links[i].url;
        b->links[i].field = fi;
        b->links[i].offset = pt.links[i].offset;
        b->links[i].len = pt.links[i].len;
    }
    b->doc.links = b->links;
    b->doc.nlinks = (int) pt.nlinks;
}


/* The site's configuration, entries and domains (nothing when db or site is absent). */
static int
docb_site(struct docb *b, struct jy_db *db, struct jy_pool *pool, long long site_id,
          enum jy_check_stage stage, struct jy_err *err)
{
    struct jy_db_res *res;
    char site[32];
    const char *p[1] = {site};
    int i, n;

    if (db == NULL || site_id <= 0)
        return JY_OK;
    snprintf(site, sizeof(site), "%lld", site_id);
    res = jy_db_query(db, pool,
                      "SELECT kind, on_save, on_publish FROM check_setting "
                      "WHERE site_id = $1::bigint",
                      1, p, err);
    if (res == NULL)
        return JY_ERROR;
    n = jy_db_res_rows(res);
    b->set_kind = jy_pool_new_array(pool, const char *, (size_t) n + 1);
    b->set_sev = jy_pool_new_array(pool, int, (size_t) n + 1);
    for (i = 0; i < n; i++) {
        const char *v = jy_db_res_get(res, i, stage == JY_CHECK_SAVE ? 1 : 2);
        b->set_kind[i] = jy_db_res_get(res, i, 0);
        b->set_sev[i] = strcmp(v, "block") == 0  ? JY_PLUGIN_BLOCK
                        : strcmp(v, "warn") == 0 ? JY_PLUGIN_WARN
                                                 : JY_PLUGIN_OFF;
    }
    b->nset = n;
    res = jy_db_query(db, pool,
                      "SELECT lexicon, entry, replacement FROM check_lexicon "
                      "WHERE site_id = $1::bigint ORDER BY id",
                      1, p, err);
    if (res == NULL)
        return JY_ERROR;
    n = jy_db_res_rows(res);
    b->lex = jy_pool_new_array(pool, struct jy_plugin_lex_entry, (size_t) n + 1);
    for (i = 0; i < n; i++) {
        b->lex[i].lexicon = jy_db_res_get(res, i, 0);
        b->lex[i].entry = jy_db_res_get(res, i, 1);
        b->lex[i].replacement = jy_db_res_get(res, i, 2);
    }
    b->doc.lexicon = b->lex;
    b->doc.nlexicon = n;
    res = jy_db_query(db, pool,
                      "SELECT domain FROM site_domain WHERE site_id = $1::bigint "
                      "ORDER BY is_primary DESC, domain",
                      1, p, err);
    if (res == NULL)
        return JY_ERROR;
    n = jy_db_res_rows(res);
    b->domains = jy_pool_new_array(pool, const char *, (size_t) n + 1);
    for (i = 0; i < n; i++)
        b->domains[i] = jy_db_res_get(res, i, 0);
    b->doc.domains = b->domains;
    b->doc.ndomains = n;
    return JY_OK;
}


/* Severity of a kind on this site at this stage. */
static int
kind_severity(const struct docb *b, const struct jy_plugin_check_kind *k, enum jy_check_stage st)
{
    int i, sev;

    for (i = 0; i < b->nset; i++)
        if (strcmp(b->set_kind[i], k->name) == 0) {
            sev = b->set_sev[i];
            return st == JY_CHECK_SAVE && sev != JY_PLUGIN_OFF ? JY_PLUGIN_WARN : sev;
        }
    return st == JY_CHECK_SAVE ? k->default_save : k->default_publish;
}


struct sort_key {
    int field; /* index of the field in the document; item-level findings last */
    int paragraph;
    size_t offset;
    size_t seq; /* order of reporting: keeps the sort stable */
};


static int
cmp_key(const void *a, const void *b)
{
    const struct sort_key *x = a, *y = b;

    if (x->field != y->field)
        return x->field - y->field;
    if (x->paragraph != y->paragraph)
        return x->paragraph - y->paragraph;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}


/* Run the enabled checks over b->doc and place the findings into out. */
static int
docb_run(struct docb *b, struct jy_pool *pool, enum jy_check_stage stage,
         struct jy_check_findings *out, struct jy_err *err)
{
    size_t nc = jy_plugin_host_checks(g.host), i;
    int *checks = jy_pool_new_array(pool, int, nc + 1), n = 0, k;
    struct raw_list raw = {NULL, 0, 0, pool};
    int *field_order;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < nc; i++) {
        const struct jy_plugin_check *c = jy_plugin_host_check(g.host, i);
        for (k = 0; k < c->nkinds; k++)
            if (kind_severity(b, &c->kinds[k], stage) != JY_PLUGIN_OFF)
                break;
        if (k < c->nkinds)
            checks[n++] = (int) i;
    }
    b->doc.fields = b->fields;
    if (n > 0) {
        int rc = JY_OK;
        pthread_mutex_lock(&check_lock);
        if (g.isolate)
            rc = run_isolated(pool, &b->doc, checks, n, &raw, err);
        else
            run_inprocess(pool, &b->doc, checks, n, &raw);
        pthread_mutex_unlock(&check_lock);
        if (rc != JY_OK)
            return JY_ERROR;
    }
    out->v = jy_pool_new_array(pool, struct jy_check_finding, raw.n + 1);
    field_order = jy_pool_new_array(pool, int, raw.n + 1);
    for (i = 0; i < raw.n; i++) {
        const struct raw_finding *r = &raw.v[i];
        struct jy_check_finding *f = &out->v[out->n];
        const struct jy_plugin_check_kind *kd = jy_plugin_host_kind(g.host, r->kind);
        int sev;

        if (r->failure) {
            /* a check that could not run: at publishing that blocks, nobody vouched */
            f->check = r->kind[0] ? r->kind : "check";
            f->title = "检查失败";
            f->severity = stage == JY_CHECK_PUBLISH ? JY_CHECK_BLOCK : JY_CHECK_WARN;
            f->message = r->message;
        } else {
            if (kd == NULL)
                continue; /* a kind the plugin did not declare */
            sev = kind_severity(b, kd, stage);
            if (sev == JY_PLUGIN_OFF)
                continue;
            f->check = kd->name;
            f->title = kd->title;
            f->severity = sev == JY_PLUGIN_BLOCK ? JY_CHECK_BLOCK : JY_CHECK_WARN;
            f->message = r->message;
            f->suggestion = r->suggestion;
            if (r->field >= 0) {
                const struct jy_plugin_field *fd = &b->fields[r->field];
                f->field = fd->name;
                f->field_label = fd->label;
                jy_plaintext_position(fd->text, fd->len, r->offset, &f->paragraph, &f->offset);
                f->length = jy_utf8_count(fd->text + r->offset, r->len);
                f->matched =
                    r->matched ? r->matched : jy_pool_strndup(pool, fd->text + r->offset, r->len);
            } else {
                f->matched = r->matched;
            }
        }
        field_order[out->n] = r->field < 0 ? 1000 : r->field;
        if (f->severity == JY_CHECK_BLOCK)
            out->blocking++;
        out->n++;
    }
    /* order: by field (in document order), then position; stable for equal keys */
    if (out->n > 1) {
        struct sort_key *keys = jy_pool_new_array(pool, struct sort_key, out->n);
        struct jy_check_finding *sorted = jy_pool_new_array(pool, struct jy_check_finding, out->n);
        for (i = 0; i < out->n; i++) {
            keys[i].field = field_order[i];
            keys[i].paragraph = out->v[i].paragraph;
            keys[i].offset = out->v[i].offset;
            keys[i].seq = i;
        }
        qsort(keys, out->n, sizeof(*keys), cmp_key);
        for (i = 0; i < out->n; i++)
            sorted[i] = out->v[keys[i].seq];
        out->v = sorted;
    }
    out->cap = out->n;
    return JY_OK;
}


static int
check_ready(struct jy_err *err)
{
    if (!g.ready) {
        jy_err_set(err, JY_E_INTERNAL, "content checks are not set up");
        jy_err_hint(err, "Call jy_check_setup() at start.");
        return JY_ERROR;
    }
    return JY_OK;
}


int
jy_check_item(struct jy_db *db, struct jy_pool *pool, long long item_id, long long site_id,
              enum jy_check_stage stage, struct jy_check_findings *out, struct jy_err *err)
{
    struct docb b;
    struct jy_db_res *res;
    char id[32], site[32];
    const char *p[2] = {id, site};
    int i, n;

    memset(out, 0, sizeof(*out));
    if (check_ready(err) != JY_OK)
        return JY_ERROR;
    memset(&b, 0, sizeof(b));
    snprintf(id, sizeof(id), "%lld", item_id);
    res = jy_db_query(db, pool,
                      "SELECT i.id, i.site_id, i.kind, i.title, i.subtitle, i.summary, i.body, "
                      "(SELECT string_agg(replace(f.original_name, E'\\n', ' '), E'\\n' "
                      "ORDER BY x.sort, f.id) FROM item_file x JOIN file f ON f.id = x.file_id "
                      "WHERE x.item_id = i.id) FROM item i WHERE i.id = $1::bigint",
                      1, p, err);
    if (res == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(res) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "item %lld not found", item_id);
        return JY_ERROR;
    }
    if (site_id <= 0)
        site_id = atoll(jy_db_res_get(res, 0, 1));
    snprintf(site, sizeof(site), "%lld", site_id);
    b.doc.item_id = item_id;
    b.doc.site_id = site_id;
    b.doc.kind = jy_db_res_get(res, 0, 2);
    docb_text(&b, "title", "标题", jy_db_res_get(res, 0, 3));
    docb_text(&b, "subtitle", "副标题", jy_db_res_get(res, 0, 4));
    docb_text(&b, "summary", "摘要", jy_db_res_get(res, 0, 5));
    if (!jy_db_res_isnull(res, 0, 6))
        docb_html(&b, pool, "body", "正文", jy_db_res_get(res, 0, 6), jy_db_res_len(res, 0, 6));
    docb_text(&b, "attachments", "附件名称", jy_db_res_get(res, 0, 7));

    /* metadata of the kind, with why each field is required */
    res = jy_db_query(
        db, pool,
        "SELECT f.field, f.label, "
        "NULLIF(NULLIF(NULLIF(CASE f.storage "
        "  WHEN 'column' THEN to_jsonb(i) ->> f.field "
        "  WHEN 'metadata' THEN i.metadata ->> f.field "
        "  WHEN 'tags' THEN (SELECT string_agg(t.tag_id::text, ',') FROM item_tag t "
        "                    WHERE t.item_id = i.id) "
        "  ELSE (SELECT string_agg(r.to_id::text, ',') FROM item_relation r "
        "        WHERE r.from_id = i.id AND r.kind = f.field) END, '[]'), '{}'), ''), "
        "CASE WHEN f.required THEN '类型「' || k.name || '」' ELSE "
        "  (SELECT CASE WHEN q.column_id IS NULL THEN '本站' ELSE '栏目「' || c.name || '」' END "
        "   FROM check_required_field q LEFT JOIN site_column c ON c.id = q.column_id "
        "   WHERE q.site_id = $2::bigint AND q.kind = i.kind AND q.field = f.field "
        "     AND (q.column_id IS NULL OR EXISTS (SELECT 1 FROM placement pl "
        "          WHERE pl.item_id = i.id AND pl.column_id = q.column_id)) "
        "   ORDER BY q.column_id NULLS FIRST LIMIT 1) END "
        "FROM item i JOIN item_field f ON f.kind = i.kind JOIN item_kind k ON k.code = i.kind "
        "WHERE i.id = $1::bigint ORDER BY f.sort, f.field",
        2, p, err);
    if (res == NULL)
        return JY_ERROR;
    n = jy_db_res_rows(res);
    b.meta = jy_pool_new_array(pool, struct jy_plugin_meta, (size_t) n + 1);
    for (i = 0; i < n; i++) {
        b.meta[i].field = jy_db_res_get(res, i, 0);
        b.meta[i].label = jy_db_res_get(res, i, 1);
        b.meta[i].value = jy_db_res_get(res, i, 2);
        b.meta[i].required_by = jy_db_res_get(res, i, 3);
    }
    b.doc.meta = b.meta;
    b.doc.nmeta = n;
    if (docb_site(&b, db, pool, site_id, stage, err) != JY_OK)
        return JY_ERROR;
    return docb_run(&b, pool, stage, out, err);
}


int
jy_check_text(struct jy_db *db, struct jy_pool *pool, long long site_id, const char *title,
              const char *html, size_t html_len, enum jy_check_stage stage,
              struct jy_check_findings *out, struct jy_err *err)
{
    struct docb b;
    size_t bad;

    memset(out, 0, sizeof(*out));
    if (check_ready(err) != JY_OK)
        return JY_ERROR;
    if (!jy_utf8_valid(html, html_len, &bad)) {
        jy_err_set(err, JY_E_INVALID, "text is not valid UTF-8 (byte %zu)", bad + 1);
        return JY_ERROR;
    }
    if (title && !jy_utf8_valid(title, strlen(title), &bad)) {
        jy_err_set(err, JY_E_INVALID, "title is not valid UTF-8 (byte %zu)", bad + 1);
        return JY_ERROR;
    }
    memset(&b, 0, sizeof(b));
    b.doc.site_id = site_id;
    docb_text(&b, "title", "标题", title);
    docb_html(&b, pool, "body", "正文", html, html_len);
    if (docb_site(&b, db, pool, site_id, stage, err) != JY_OK)
        return JY_ERROR;
    return docb_run(&b, pool, stage, out, err);
}


void
jy_check_findings_json(const struct jy_check_findings *f, struct jy_buf *out)
{
    size_t i;

    jy_buf_add_char(out, '[');
    for (i = 0; i < f->n; i++) {
        const struct jy_check_finding *x = &f->v[i];
        const char *s;
        if (i)
            jy_buf_add_char(out, ',');
        jy_buf_add_str(out, "{\"check\":");
        jy_buf_add_json_str(out, x->check, strlen(x->check));
        jy_buf_add_str(out, ",\"title\":");
        jy_buf_add_json_str(out, x->title, strlen(x->title));
        jy_buf_addf(out, ",\"severity\":\"%s\",\"field\":",
                    x->severity == JY_CHECK_BLOCK ? "block" : "warn");
        if (x->field)
            jy_buf_add_json_str(out, x->field, strlen(x->field));
        else
            jy_buf_add_str(out, "null");
        jy_buf_addf(out,
                    ",\"paragraph\":%d,\"offset\":%zu,\"length\":%zu,\"matched\":", x->paragraph,
                    x->offset, x->length);
        s = x->matched;
        if (s)
            jy_buf_add_json_str(out, s, strlen(s));
        else
            jy_buf_add_str(out, "null");
        jy_buf_add_str(out, ",\"message\":");
        jy_buf_add_json_str(out, x->message, strlen(x->message));
        jy_buf_add_str(out, ",\"suggestion\":");
        if (x->suggestion)
            jy_buf_add_json_str(out, x->suggestion, strlen(x->suggestion));
        else
            jy_buf_add_str(out, "null");
        jy_buf_add_char(out, '}');
    }
    jy_buf_add_char(out, ']');
}
