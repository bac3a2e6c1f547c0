/*
 * pool.h - region (arena) allocation with one lifetime per pool.
 *
 * A pool is created for a request, a render job, a CLI command, and
 * destroyed when it ends; everything allocated from it goes away at once
 * (nginx ngx_pool_t, PostgreSQL memory contexts, h2o per-request pools).
 *
 * Invariants:
 *  - jy_pool_alloc() never returns NULL: when memory runs out the process
 *    calls the out-of-memory handler, which logs and aborts. Callers do not
 *    check for NULL.
 *  - Sizes that come from outside input (a request body, an upload, a file)
 *    are capped by the caller first and then allocated with
 *    jy_pool_try_alloc(), which returns NULL on failure so the caller can
 *    answer "too large" instead of dying.
 *  - Allocations are aligned for any type (max_align_t).
 *  - Never store a pointer into a shorter-lived pool inside a longer-lived
 *    structure: copy the data up.
 *
 * Resources that are not memory (file descriptors, PGresult, cJSON trees)
 * are released by cleanup handlers registered with jy_pool_cleanup_add(),
 * run in reverse order of registration by jy_pool_reset() and
 * jy_pool_destroy().
 */
#ifndef JY_CORE_POOL_H
#define JY_CORE_POOL_H

#include <stddef.h>

struct jy_pool;

typedef void (*jy_pool_cleanup_fn)(void *data);

/* Create a pool whose blocks are block_size bytes (0 picks 8 KiB). */
struct jy_pool *jy_pool_create(size_t block_size);

/* Run the cleanup handlers and free every byte of the pool. NULL is a no-op. */
void jy_pool_destroy(struct jy_pool *pool);

/*
 * Run the cleanup handlers and forget every allocation, keeping the first
 * block for reuse: the per-item loop of a render job resets instead of
 * destroying and creating.
 */
void jy_pool_reset(struct jy_pool *pool);

/* Allocate size bytes (uninitialised); aborts on out-of-memory. */
void *jy_pool_alloc(struct jy_pool *pool, size_t size);

/* Allocate n * size zeroed bytes; aborts on overflow or out-of-memory. */
void *jy_pool_calloc(struct jy_pool *pool, size_t n, size_t size);

/* Like jy_pool_alloc() but returns NULL when the memory cannot be had. */
void *jy_pool_try_alloc(struct jy_pool *pool, size_t size);

/*
 * Grow an allocation made from this pool to new_size bytes, keeping the
 * first old_size bytes. The old pointer must not be used afterwards.
 */
void *jy_pool_realloc(struct jy_pool *pool, void *old, size_t old_size, size_t new_size);

/* Copy a NUL-terminated string (NULL gives NULL) into the pool. */
char *jy_pool_strdup(struct jy_pool *pool, const char *s);

/* Copy len bytes and add a NUL. */
char *jy_pool_strndup(struct jy_pool *pool, const char *s, size_t len);

/* printf into a new string of the pool. */
char *jy_pool_printf(struct jy_pool *pool, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Register fn(data) to run when the pool is reset or destroyed. */
void jy_pool_cleanup_add(struct jy_pool *pool, jy_pool_cleanup_fn fn, void *data);

/* Bytes handed out by the pool since creation or the last reset. */
size_t jy_pool_used(const struct jy_pool *pool);

/* Typed allocation helpers (h2o h2o_mem_alloc_pool). */
#define jy_pool_new(pool, type)          ((type *) jy_pool_calloc((pool), 1, sizeof(type)))
#define jy_pool_new_array(pool, type, n) ((type *) jy_pool_calloc((pool), (n), sizeof(type)))

/*
 * Allocation that aborts on failure, for the few places that live outside
 * any pool (process-wide state). Same out-of-memory policy as the pool.
 */
void *jy_xmalloc(size_t size);
void *jy_xrealloc(void *ptr, size_t size);
char *jy_xstrdup(const char *s);

/*
 * Test hook (sqlite test_malloc.c faultsimStep): make the n-th following
 * jy_pool_try_alloc() fail; 0 disables. Returns the previous countdown.
 */
int jy_pool_fail_try_after(int n);

#endif /* JY_CORE_POOL_H */
