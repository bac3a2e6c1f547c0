/*
 * pool.c - region allocator: a chain of blocks for small allocations, a
 * list of separately malloc'ed chunks for large ones, and a cleanup stack.
 */
#include "core/compat.h"
#include "core/pool.h"

#include <unistd.h>

#define POOL_ALIGN         _Alignof(max_align_t)
#define POOL_DEFAULT_BLOCK 8192

struct pool_block {
    struct pool_block *next; /* older block, NULL for the first */
    size_t size;             /* usable bytes in data[] */
    size_t used;             /* bytes handed out from data[] */
    _Alignas(max_align_t) unsigned char data[];
};

struct pool_large {
    struct pool_large *next;
    _Alignas(max_align_t) unsigned char data[];
};

struct pool_cleanup {
    struct pool_cleanup *next; /* registered earlier: runs after this one */
    jy_pool_cleanup_fn fn;
    void *data;
};

struct jy_pool {
    struct pool_block *current;   /* block allocations come from */
    struct pool_block *first;     /* kept by reset */
    struct pool_large *large;     /* chunks larger than a quarter block */
    struct pool_cleanup *cleanup; /* stack, newest first */
    size_t block_size;            /* size of new blocks */
    size_t used;                  /* bytes handed out, for jy_pool_used() */
};

static int fail_try_countdown;

static JY_NORETURN void pool_out_of_memory(size_t size);
static JY_NORETURN void pool_size_overflow(size_t n, size_t size);
static void *pool_alloc_impl(struct jy_pool *pool, size_t size, int may_fail);
static void pool_run_cleanups(struct jy_pool *pool);


static JY_NORETURN void
pool_out_of_memory(size_t size)
{
    char msg[128];
    int n = snprintf(msg, sizeof(msg), "jiyue: out of memory (allocating %zu bytes)\n", size);
    /* write(2) only: stdio may itself need memory */
    if (n > 0 && write(STDERR_FILENO, msg, (size_t) n) < 0) {
        /* nothing more can be done */
    }
    abort();
}


/* n * size does not fit in size_t: a caller computed a size from bad input. */
static JY_NORETURN void
pool_size_overflow(size_t n, size_t size)
{
    char msg[160];
    int len = snprintf(msg, sizeof(msg),
                       "jiyue: allocation size overflows (%zu items of %zu bytes)\n", n, size);
    if (len > 0 && write(STDERR_FILENO, msg, (size_t) len) < 0) {
        /* nothing more can be done */
    }
    abort();
}


static size_t
align_up(size_t n)
{
    return (n + POOL_ALIGN - 1) & ~(POOL_ALIGN - 1);
}


struct jy_pool *
jy_pool_create(size_t block_size)
{
    struct jy_pool *pool;
    struct pool_block *b;

    if (block_size == 0)
        block_size = POOL_DEFAULT_BLOCK;
    /* keep blocks a multiple of the alignment so the bump pointer stays aligned */
    block_size = align_up(block_size);
    if (block_size == 0 || block_size > SIZE_MAX - sizeof(*b))
        pool_out_of_memory(block_size);
    pool = jy_xmalloc(sizeof(*pool));
    b = jy_xmalloc(sizeof(*b) + block_size);
    b->next = NULL;
    b->size = block_size;
    b->used = 0;
    pool->current = pool->first = b;
    pool->large = NULL;
    pool->cleanup = NULL;
    pool->block_size = block_size;
    pool->used = 0;
    return pool;
}


static void
pool_run_cleanups(struct jy_pool *pool)
{
    /* a cleanup may register another one: drain until empty */
    while (pool->cleanup) {
        struct pool_cleanup *c = pool->cleanup;
        pool->cleanup = c->next;
        c->fn(c->data);
    }
}


static void
pool_free_memory(struct jy_pool *pool, int keep_first)
{
    struct pool_block *b = pool->current;
    struct pool_large *l = pool->large;

    while (b) {
        struct pool_block *next = b->next;
        if (!(keep_first && b == pool->first))
            free(b);
        b = next;
    }
    while (l) {
        struct pool_large *next = l->next;
        free(l);
        l = next;
    }
    pool->large = NULL;
}


void
jy_pool_destroy(struct jy_pool *pool)
{
    if (pool == NULL)
        return;
    pool_run_cleanups(pool);
    pool_free_memory(pool, 0);
    free(pool);
}


void
jy_pool_reset(struct jy_pool *pool)
{
    pool_run_cleanups(pool);
    pool_free_memory(pool, 1);
    pool->first->next = NULL;
    pool->first->used = 0;
    pool->current = pool->first;
    pool->used = 0;
}


static void *
pool_alloc_impl(struct jy_pool *pool, size_t size, int may_fail)
{
    struct pool_block *b = pool->current;
    size_t need = align_up(size ? size : 1);

    if (need < size) /* overflow in align_up */
        goto fail;

    if (need > pool->block_size / 4) {
        struct pool_large *l;
        if (need > SIZE_MAX - sizeof(*l))
            goto fail;
        l = malloc(sizeof(*l) + need);
        if (l == NULL)
            goto fail;
        l->next = pool->large;
        pool->large = l;
        pool->used += size;
        return l->data;
    }
    if (b->size - b->used < need) {
        b = malloc(sizeof(*b) + pool->block_size);
        if (b == NULL)
            goto fail;
        b->next = pool->current;
        b->size = pool->block_size;
        b->used = 0;
        pool->current = b;
    }
    b->used += need;
    pool->used += size;
    return b->data + b->used - need;

fail:
    if (may_fail)
        return NULL;
    pool_out_of_memory(size);
}


void *
jy_pool_alloc(struct jy_pool *pool, size_t size)
{
    return pool_alloc_impl(pool, size, 0);
}


void *
jy_pool_try_alloc(struct jy_pool *pool, size_t size)
{
    if (fail_try_countdown > 0 && --fail_try_countdown == 0)
        return NULL;
    return pool_alloc_impl(pool, size, 1);
}


int
jy_pool_fail_try_after(int n)
{
    int old = fail_try_countdown;
    fail_try_countdown = n;
    return old;
}


void *
jy_pool_calloc(struct jy_pool *pool, size_t n, size_t size)
{
    void *p;

    if (size != 0 && n > SIZE_MAX / size)
        pool_size_overflow(n, size);
    p = pool_alloc_impl(pool, n * size, 0);
    memset(p, 0, n * size);
    return p;
}


void *
jy_pool_realloc(struct jy_pool *pool, void *old, size_t old_size, size_t new_size)
{
    struct pool_block *b = pool->current;
    void *p;

    if (old) {
        /*
         * Addresses are compared as integers: relational comparison of
         * pointers into different objects is undefined behaviour in C.
         */
        uintptr_t o = (uintptr_t) old, data = (uintptr_t) b->data;
        size_t need = align_up(new_size ? new_size : 1);

        /* the newest allocation of the current block grows (or shrinks) in place */
        if (need >= new_size && o >= data && o <= data + b->used &&
            o + align_up(old_size ? old_size : 1) == data + b->used) {
            size_t start = (size_t) (o - data);
            if (need <= b->size - start && need <= pool->block_size / 4) {
                b->used = start + need;
                pool->used += new_size > old_size ? new_size - old_size : 0;
                return old;
            }
        }
        /*
         * The newest large chunk is resized with realloc(): a buffer that
         * keeps doubling (a rendered page) would otherwise leave every
         * smaller copy behind until the pool dies.
         */
        if (pool->large && old == (void *) pool->large->data && old_size > pool->block_size / 4 &&
            need >= new_size && need <= SIZE_MAX - sizeof(struct pool_large)) {
            struct pool_large *l = realloc(pool->large, sizeof(*l) + need);
            if (l == NULL)
                pool_out_of_memory(new_size);
            pool->large = l;
            pool->used += new_size > old_size ? new_size - old_size : 0;
            return l->data;
        }
    }
    p = pool_alloc_impl(pool, new_size, 0);
    if (old)
        memcpy(p, old, old_size < new_size ? old_size : new_size);
    return p;
}


char *
jy_pool_strndup(struct jy_pool *pool, const char *s, size_t len)
{
    char *p;

    if (len == SIZE_MAX)
        pool_out_of_memory(len);
    p = pool_alloc_impl(pool, len + 1, 0);
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}


char *
jy_pool_strdup(struct jy_pool *pool, const char *s)
{
    if (s == NULL)
        return NULL;
    return jy_pool_strndup(pool, s, strlen(s));
}


char *
jy_pool_printf(struct jy_pool *pool, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        JY_BUG("invalid format string \"%s\"", fmt);
    p = pool_alloc_impl(pool, (size_t) n + 1, 0);
    va_start(ap, fmt);
    vsnprintf(p, (size_t) n + 1, fmt, ap);
    va_end(ap);
    return p;
}


void
jy_pool_cleanup_add(struct jy_pool *pool, jy_pool_cleanup_fn fn, void *data)
{
    struct pool_cleanup *c = pool_alloc_impl(pool, sizeof(*c), 0);

    c->fn = fn;
    c->data = data;
    c->next = pool->cleanup;
    pool->cleanup = c;
}


size_t
jy_pool_used(const struct jy_pool *pool)
{
    return pool->used;
}


void *
jy_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        pool_out_of_memory(size);
    return p;
}


void *
jy_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (p == NULL)
        pool_out_of_memory(size);
    return p;
}


char *
jy_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = jy_xmalloc(n);
    memcpy(p, s, n);
    return p;
}
