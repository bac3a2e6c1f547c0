/*
 * apicache.h - the answer cache of `jiyue serve` (docs/api-cache.md).
 *
 * Holds the JSON answers of GET /api/v1/items/ID per (user, item), shared
 * by the server's workers. An entry is only ever filled with the answer the
 * handler computed for that user under row-level security, so the rights
 * are exactly the grant logic's; the cache never decides who may read what.
 *
 * Entries are dropped by the database: triggers (schema/0082_api_cache.sql)
 * NOTIFY jy_cache with "i <id>" (that item's answers), "*" (all) or "a"
 * (credentials revoked), and a listener thread of the cache applies them.
 * While the listener is not connected and listening (start, database
 * restart) the cache is empty and takes nothing: a lost connection flushes
 * everything, and answers computed before it are refused (see
 * jy_apicache_begin).
 *
 * Read-your-writes: after a request that may have changed something, a
 * worker calls jy_apicache_sync(), which returns once the listener has
 * applied every notification committed before it.
 */
#ifndef JY_CORE_APICACHE_H
#define JY_CORE_APICACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct jy_apicache;
struct jy_buf;
struct jy_db;
struct jy_err;

/*
 * A cache of at most max_bytes (bodies and their bookkeeping), whose
 * entries live at most ttl seconds, listening on a connection of its own
 * to conninfo. Starts the listener thread. NULL and err when the thread
 * cannot start (a database that is not there is not an error: the cache
 * stays off until it is).
 */
struct jy_apicache *jy_apicache_create(const char *conninfo, size_t max_bytes, int ttl,
                                       struct jy_err *err);
/* Stop the listener and free everything. NULL is fine. */
void jy_apicache_destroy(struct jy_apicache *c);

/* The answer of item for user into out (replacing what it held): true on a hit. */
bool jy_apicache_get(struct jy_apicache *c, long long user, long long item, struct jy_buf *out);

/*
 * Before computing an answer to keep: a ticket for jy_apicache_put(), 0
 * when the cache takes nothing now (the listener is not listening).
 */
uint64_t jy_apicache_begin(struct jy_apicache *c);

/*
 * Keep body as the answer of item for user, computed after ticket was
 * taken, valid until `until` at the latest (the user's next grant expiry; 0:
 * only the ttl). Refused when a notification touching item (or all) came
 * since the ticket: the body may predate that change.
 */
void jy_apicache_put(struct jy_apicache *c, uint64_t ticket, long long user, long long item,
                     const char *body, size_t len, time_t until);

/*
 * Read-your-writes: send a marker through db (NOTIFY, committed after what
 * db and the caller's other connections committed before) and wait until
 * the listener has applied it, so no answer older than those commits is
 * served afterwards. Waits at most a second, then drops everything.
 */
void jy_apicache_sync(struct jy_apicache *c, struct jy_db *db);

/* Bumped whenever credentials may have been revoked ("a", a lost listener): workers drop their
 * cached authentication when it changes. */
unsigned jy_apicache_auth_gen(struct jy_apicache *c);

/* Counters for tests and the log. */
struct jy_apicache_stats {
    unsigned long hits, misses, puts, refused, entries, flushes;
    size_t bytes;
    bool live;
};
void jy_apicache_stats(struct jy_apicache *c, struct jy_apicache_stats *out);

#endif /* JY_CORE_APICACHE_H */
