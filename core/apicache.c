/*
 * apicache.c - the answer cache of `jiyue serve`; see apicache.h and
 * docs/api-cache.md.
 *
 * One mutex guards the table: entries are hashed by item id (a
 * notification drops every user's answer of an item by walking one chain)
 * and kept on a list in the order they were filled, the oldest dropped
 * first when the memory bound is reached. Every drop bumps `seq`; the
 * chain's `epoch` (or `flushed`, for a drop of everything) remembers the
 * seq of its last drop, so a fill whose ticket is older than that is
 * refused: its body may have been computed before the change.
 */
#include "core/compat.h"
#include "core/apicache.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>

#define CACHE_BUCKETS  4096
#define LISTEN_POLL_MS 200  /* how often the listener looks at its stop flag */
#define RECONNECT_MS   1000 /* between attempts to reach a database that went away */
#define SYNC_WAIT_MS   1000

struct entry {
    long long user, item;
    time_t until;
    size_t len;
    struct entry *next;          /* in the bucket */
    struct entry *older, *newer; /* fill order */
    char body[];
};

struct jy_apicache {
    pthread_mutex_t mu;
    pthread_cond_t synced_cv;
    struct entry *bucket[CACHE_BUCKETS];
    uint64_t epoch[CACHE_BUCKETS]; /* seq of the bucket's last drop */
    struct entry *oldest, *newest;
    uint64_t seq;     /* drops so far */
    uint64_t flushed; /* seq of the last drop of everything */
    bool live;        /* the listener listens: entries may be kept */
    size_t bytes, max_bytes;
    int ttl;
    unsigned long hits, misses, puts, refused, entries, flushes;
    uint64_t sync_sent, sync_seen; /* markers of jy_apicache_sync() */
    char nonce[17];                /* marks this process's markers among other servers' */
    atomic_uint auth_gen;

    char *conninfo;
    pthread_t thread;
    atomic_int stop;
};


static size_t
bucket_of(long long item)
{
    return (size_t) ((unsigned long long) item * 0x9E3779B97F4A7C15ULL >> 52) % CACHE_BUCKETS;
}


static void
entry_unlink(struct jy_apicache *c, struct entry *e)
{
    struct entry **pp = &c->bucket[bucket_of(e->item)];

    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    c->bytes -= sizeof(*e) + e->len;
    c->entries--;
    free(e);
}


/* Drop the answers of one item (item > 0) or all (item 0). Caller holds mu. */
static void
drop_locked(struct jy_apicache *c, long long item)
{
    c->seq++;
    if (item == 0) {
        while (c->oldest)
            entry_unlink(c, c->oldest);
        c->flushed = c->seq;
        c->flushes++;
        return;
    }
    {
        size_t b = bucket_of(item);
        struct entry *e = c->bucket[b], *next;
        c->epoch[b] = c->seq;
        for (; e; e = next) {
            next = e->next;
            if (e->item == item)
                entry_unlink(c, e);
        }
    }
}


bool
jy_apicache_get(struct jy_apicache *c, long long user, long long item, struct jy_buf *out)
{
    struct entry *e;
    time_t now = time(NULL);
    bool hit = false;

    pthread_mutex_lock(&c->mu);
    for (e = c->bucket[bucket_of(item)]; e; e = e->next)
        if (e->item == item && e->user == user)
            break;
    if (e && e->until <= now) {
        entry_unlink(c, e);
        e = NULL;
    }
    if (e && c->live) {
        jy_buf_reset(out);
        jy_buf_add(out, e->body, e->len);
        hit = true;
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}


uint64_t
jy_apicache_begin(struct jy_apicache *c)
{
    uint64_t t;

    pthread_mutex_lock(&c->mu);
    /* tickets start at 1: 0 means "keep nothing" */
    t = c->live ? c->seq + 1 : 0;
    pthread_mutex_unlock(&c->mu);
    return t;
}


void
jy_apicache_put(struct jy_apicache *c, uint64_t ticket, long long user, long long item,
                const char *body, size_t len, time_t until)
{
    size_t b = bucket_of(item), need = sizeof(struct entry) + len;
    time_t limit = time(NULL) + c->ttl;
    struct entry *e, *old;

    if (ticket == 0 || need > c->max_bytes / 8)
        return; /* nothing is kept now, or one answer would take too much of the cache */
    e = jy_xmalloc(need);
    e->user = user;
    e->item = item;
    e->until = until > 0 && until < limit ? until : limit;
    e->len = len;
    memcpy(e->body, body, len);
    pthread_mutex_lock(&c->mu);
    /* a drop since the ticket (seq > ticket - 1) may have been of a change the body predates */
    if (!c->live || c->flushed >= ticket || c->epoch[b] >= ticket) {
        c->refused++;
        pthread_mutex_unlock(&c->mu);
        free(e);
        return;
    }
    for (old = c->bucket[b]; old; old = old->next)
        if (old->item == item && old->user == user) {
            entry_unlink(c, old);
            break;
        }
    while (c->oldest && c->bytes + need > c->max_bytes)
        entry_unlink(c, c->oldest);
    e->next = c->bucket[b];
    c->bucket[b] = e;
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
    c->bytes += need;
    c->entries++;
    c->puts++;
    pthread_mutex_unlock(&c->mu);
}


unsigned
jy_apicache_auth_gen(struct jy_apicache *c)
{
    return atomic_load(&c->auth_gen);
}


void
jy_apicache_stats(struct jy_apicache *c, struct jy_apicache_stats *out)
{
    pthread_mutex_lock(&c->mu);
    out->hits = c->hits;
    out->misses = c->misses;
    out->puts = c->puts;
    out->refused = c->refused;
    out->entries = c->entries;
    out->flushes = c->flushes;
    out->bytes = c->bytes;
    out->live = c->live;
    pthread_mutex_unlock(&c->mu);
}


void
jy_apicache_sync(struct jy_apicache *c, struct jy_db *db)
{
    struct jy_pool *pool;
    struct jy_err err = JY_ERR_INIT;
    char payload[64];
    const char *p[1] = {payload};
    uint64_t mine;
    struct timespec until;
    bool ok = true;

    pthread_mutex_lock(&c->mu);
    if (!c->live) { /* nothing is kept: nothing can be stale */
        pthread_mutex_unlock(&c->mu);
        return;
    }
    mine = ++c->sync_sent;
    pthread_mutex_unlock(&c->mu);

    snprintf(payload, sizeof(payload), "s %s %llu", c->nonce, (unsigned long long) mine);
    pool = jy_pool_create(0);
    if (jy_db_query(db, pool, "SELECT pg_notify('jy_cache', $1)", 1, p, &err) == NULL)
        ok = false;
    jy_pool_destroy(pool);

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += SYNC_WAIT_MS / 1000;
    pthread_mutex_lock(&c->mu);
    /* markers arrive in commit order: a later one seen means ours is behind it too */
    while (ok && c->live && c->sync_seen < mine)
        if (pthread_cond_timedwait(&c->synced_cv, &c->mu, &until) == ETIMEDOUT)
            ok = false;
    if (!ok || !c->live) {
        if (!ok)
            jy_log_warn("cache",
                        "could not confirm the answer cache saw a change (%s); "
                        "dropping every answer",
                        err.msg[0] ? err.msg : "no notification in time");
        drop_locked(c, 0);
    }
    pthread_mutex_unlock(&c->mu);
}


/* One notification of jy_cache, applied. */
static void
on_notify(void *arg, const char *channel, const char *payload)
{
    struct jy_apicache *c = arg;

    (void) channel;
    pthread_mutex_lock(&c->mu);
    if (payload[0] == 'i' && payload[1] == ' ') {
        long long id = strtoll(payload + 2, NULL, 10);
        if (id > 0)
            drop_locked(c, id);
    } else if (payload[0] == 's' && payload[1] == ' ') {
        /* markers of other servers on the same database say nothing about ours */
        size_t k = strlen(c->nonce);
        uint64_t n = strncmp(payload + 2, c->nonce, k) == 0 && payload[2 + k] == ' '
                         ? strtoull(payload + 3 + k, NULL, 10)
                         : 0;
        if (n > c->sync_seen) {
            c->sync_seen = n;
            pthread_cond_broadcast(&c->synced_cv);
        }
    } else if (strcmp(payload, "a") == 0) {
        atomic_fetch_add(&c->auth_gen, 1);
    } else {
        /* "*", or anything this version does not know: the safe answer is to drop all */
        drop_locked(c, 0);
    }
    pthread_mutex_unlock(&c->mu);
}


/* Stop keeping answers: drop all, wake the syncs waiting (they drop all too). */
static void
set_live(struct jy_apicache *c, bool live)
{
    pthread_mutex_lock(&c->mu);
    drop_locked(c, 0);
    c->live = live;
    if (!live) {
        atomic_fetch_add(&c->auth_gen, 1); /* revocations may be missed meanwhile */
        pthread_cond_broadcast(&c->synced_cv);
    }
    pthread_mutex_unlock(&c->mu);
}


/* Wait ms, or less when asked to stop. */
static void
nap(struct jy_apicache *c, int ms)
{
    for (; ms > 0 && !atomic_load(&c->stop); ms -= LISTEN_POLL_MS)
        poll(NULL, 0, LISTEN_POLL_MS);
}


static void *
listener_main(void *arg)
{
    struct jy_apicache *c = arg;
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db = NULL;
    bool warned = false;

    while (!atomic_load(&c->stop)) {
        struct pollfd pfd;
        int rc;

        if (db == NULL) {
            jy_err_clear(&err);
            db = jy_db_connect(c->conninfo, &err);
            if (db && jy_db_exec(db, "LISTEN jy_cache", &err) != JY_OK) {
                jy_db_close(db);
                db = NULL;
            }
            if (db == NULL) {
                if (!warned)
                    jy_log_warn("cache", "answer cache off until the database is back: %s (%s)",
                                err.msg, err.detail);
                warned = true;
                nap(c, RECONNECT_MS);
                continue;
            }
            if (warned)
                jy_log_info("cache", "answer cache on again");
            warned = false;
            set_live(c, true); /* from here on every change is heard */
        }
        pfd = (struct pollfd){.fd = jy_db_socket(db), .events = POLLIN};
        rc = poll(&pfd, 1, LISTEN_POLL_MS);
        if (rc < 0 && errno != EINTR)
            rc = 1; /* let the read find out what is wrong */
        if (rc <= 0)
            continue;
        if (jy_db_notifies(db, on_notify, c, &err) < 0) {
            jy_log_warn("cache", "lost the connection of the answer cache: %s (%s)", err.msg,
                        err.detail);
            set_live(c, false);
            jy_db_close(db);
            db = NULL;
            warned = true;
        }
    }
    set_live(c, false);
    jy_db_close(db);
    return NULL;
}


struct jy_apicache *
jy_apicache_create(const char *conninfo, size_t max_bytes, int ttl, struct jy_err *err)
{
    struct jy_apicache *c = jy_xmalloc(sizeof(*c));

    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->synced_cv, NULL);
    c->max_bytes = max_bytes;
    c->ttl = ttl;
    c->conninfo = jy_xstrdup(conninfo);
    {
        unsigned char rb[8];
        randombytes_buf(rb, sizeof(rb));
        sodium_bin2hex(c->nonce, sizeof(c->nonce), rb, sizeof(rb));
    }
    atomic_init(&c->stop, 0);
    atomic_init(&c->auth_gen, 0);
    if (pthread_create(&c->thread, NULL, listener_main, c) != 0) {
        jy_err_errno(err, errno, "could not start the listener of the answer cache");
        free(c->conninfo);
        free(c);
        return NULL;
    }
    return c;
}


void
jy_apicache_destroy(struct jy_apicache *c)
{
    if (c == NULL)
        return;
    atomic_store(&c->stop, 1);
    pthread_join(c->thread, NULL);
    pthread_mutex_lock(&c->mu);
    drop_locked(c, 0);
    pthread_mutex_unlock(&c->mu);
    pthread_cond_destroy(&c->synced_cv);
    pthread_mutex_destroy(&c->mu);
    free(c->conninfo);
    free(c);
}
