/*
 * pool_test.c - tests of core/pool.c: alignment, large chunks, reset,
 * cleanup order, realloc in place and moving, the try_alloc countdown.
 */
#include "core/compat.h"
#include "tests/test.h"
#include "core/pool.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define ALIGN _Alignof(max_align_t)

static bool
aligned(const void *p)
{
    return ((uintptr_t) p % ALIGN) == 0;
}


static void
test_alloc_alignment(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    unsigned char *prev = NULL;
    size_t prev_size = 0, size;

    for (size = 0; size < 300; size++) {
        unsigned char *p = jy_pool_alloc(pool, size);
        T_ASSERT(p != NULL);
        T_ASSERT(aligned(p));
        memset(p, 0xA5, size);
        /* the newest allocation never overlaps the previous one */
        if (prev && prev < p)
            T_ASSERT(prev + prev_size <= p);
        prev = p;
        prev_size = size;
    }
    jy_pool_destroy(pool);
}


static void
test_odd_block_size_stays_aligned(void)
{
    /* a block size that is not a multiple of the alignment */
    struct jy_pool *pool = jy_pool_create(1000);
    int i;

    for (i = 0; i < 200; i++) {
        void *p = jy_pool_alloc(pool, (size_t) (i % 37) + 1);
        T_ASSERT(aligned(p));
    }
    jy_pool_destroy(pool);
}


static void
test_large_allocations(void)
{
    struct jy_pool *pool = jy_pool_create(1024);
    unsigned char *a, *b, *small;

    small = jy_pool_alloc(pool, 10);
    a = jy_pool_alloc(pool, 100 * 1024);
    b = jy_pool_alloc(pool, 3 * 1024 * 1024);
    T_ASSERT(aligned(a));
    T_ASSERT(aligned(b));
    memset(a, 1, 100 * 1024);
    memset(b, 2, 3 * 1024 * 1024);
    memset(small, 3, 10);
    T_EQ_INT(a[100 * 1024 - 1], 1);
    T_EQ_INT(b[0], 2);
    T_EQ_INT(small[9], 3);
    T_EQ_INT(jy_pool_used(pool), 10 + 100 * 1024 + 3 * 1024 * 1024);
    jy_pool_destroy(pool);
}


static int cleanup_log[16];
static int cleanup_count;

static void
record_cleanup(void *data)
{
    cleanup_log[cleanup_count++] = *(int *) data;
}


static void
test_reset_keeps_working(void)
{
    struct jy_pool *pool = jy_pool_create(512);
    static int id = 7;
    int round, i;

    cleanup_count = 0;
    for (round = 0; round < 3; round++) {
        for (i = 0; i < 100; i++) {
            char *p = jy_pool_alloc(pool, (size_t) i * 3 + 1);
            memset(p, 'x', (size_t) i * 3 + 1);
        }
        jy_pool_alloc(pool, 10000); /* a large chunk too */
        jy_pool_cleanup_add(pool, record_cleanup, &id);
        T_ASSERT(jy_pool_used(pool) > 0);
        jy_pool_reset(pool);
        T_EQ_INT(jy_pool_used(pool), 0);
        T_EQ_INT(cleanup_count, round + 1);
    }
    T_EQ_STR(jy_pool_strdup(pool, "still works"), "still works");
    jy_pool_destroy(pool);
    jy_pool_destroy(NULL);      /* a no-op */
    T_EQ_INT(cleanup_count, 3); /* reset ran them; destroy has none left */
}


static void
test_calloc_zeroes_reused_memory(void)
{
    struct jy_pool *pool = jy_pool_create(4096);
    unsigned char *p;
    int *arr;
    size_t i;

    p = jy_pool_alloc(pool, 512);
    memset(p, 0xFF, 512);
    jy_pool_reset(pool);
    /* the first block is reused after reset: calloc must still clear it */
    p = jy_pool_calloc(pool, 64, 8);
    for (i = 0; i < 512; i++)
        T_EQ_INT(p[i], 0);
    arr = jy_pool_new_array(pool, int, 100);
    for (i = 0; i < 100; i++)
        T_EQ_INT(arr[i], 0);
    jy_pool_destroy(pool);
}


static void
test_cleanup_order_reverse(void)
{
    struct jy_pool *pool = jy_pool_create(0);
    static int ids[3] = {1, 2, 3};

    cleanup_count = 0;
    jy_pool_cleanup_add(pool, record_cleanup, &ids[0]);
    jy_pool_cleanup_add(pool, record_cleanup, &ids[1]);
    jy_pool_cleanup_add(pool, record_cleanup, &ids[2]);
    T_EQ_INT(cleanup_count, 0);
    jy_pool_destroy(pool);
    T_EQ_INT(cleanup_count, 3);
    T_EQ_INT(cleanup_log[0], 3);
    T_EQ_INT(cleanup_log[1], 2);
    T_EQ_INT(cleanup_log[2], 1);
}


static struct jy_pool *nested_pool;

static void
register_more(void *data)
{
    static int late = 99;

    record_cleanup(data);
    /* a cleanup that registers another one: it must still run */
    jy_pool_cleanup_add(nested_pool, record_cleanup, &late);
}


static void
test_cleanup_added_during_cleanup(void)
{
    static int id = 5;

    nested_pool = jy_pool_create(0);
    cleanup_count = 0;
    jy_pool_cleanup_add(nested_pool, register_more, &id);
    jy_pool_destroy(nested_pool);
    T_EQ_INT(cleanup_count, 2);
    T_EQ_INT(cleanup_log[0], 5);
    T_EQ_INT(cleanup_log[1], 99);
}


static void
test_realloc_in_place(void)
{
    struct jy_pool *pool = jy_pool_create(4096);
    char *p = jy_pool_alloc(pool, 32), *q;
    size_t used;

    memcpy(p, "0123456789abcdef0123456789abcdef", 32);
    q = jy_pool_realloc(pool, p, 32, 200);
    T_ASSERT(q == p); /* the newest allocation grows where it is */
    T_ASSERT(memcmp(q, "0123456789abcdef0123456789abcdef", 32) == 0);
    /* shrinking in place gives the room back to the next allocation */
    q = jy_pool_realloc(pool, q, 200, 16);
    T_ASSERT(q == p);
    used = jy_pool_used(pool);
    T_ASSERT((char *) jy_pool_alloc(pool, 16) == p + (16 + ALIGN - 1) / ALIGN * ALIGN);
    T_EQ_INT(jy_pool_used(pool), used + 16);
    jy_pool_destroy(pool);
}


static void
test_realloc_moving(void)
{
    struct jy_pool *pool = jy_pool_create(4096);
    char *p = jy_pool_alloc(pool, 32), *other, *q;

    memset(p, 'a', 32);
    other = jy_pool_alloc(pool, 16); /* p is no longer the newest */
    memset(other, 'b', 16);
    q = jy_pool_realloc(pool, p, 32, 64);
    T_ASSERT(q != p);
    T_ASSERT(aligned(q));
    T_ASSERT(memcmp(q, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 32) == 0);
    T_ASSERT(memcmp(other, "bbbbbbbbbbbbbbbb", 16) == 0); /* untouched */
    /* NULL old is a plain allocation */
    q = jy_pool_realloc(pool, NULL, 0, 10);
    T_ASSERT(q != NULL);
    jy_pool_destroy(pool);
}


static void
test_realloc_growing_buffer(void)
{
    /* the way jy_buf grows: double from small to well past a block */
    struct jy_pool *pool = jy_pool_create(1024);
    size_t size = 16, i;
    unsigned char *p = jy_pool_alloc(pool, size);

    for (i = 0; i < size; i++)
        p[i] = (unsigned char) i;
    while (size < 4 * 1024 * 1024) {
        p = jy_pool_realloc(pool, p, size, size * 2);
        T_ASSERT(aligned(p));
        for (i = 0; i < size; i++)
            if (p[i] != (unsigned char) i)
                T_ASSERT(!"content lost in realloc");
        for (i = size; i < size * 2; i++)
            p[i] = (unsigned char) i;
        size *= 2;
    }
    jy_pool_destroy(pool);
}


static void
test_try_alloc_countdown(void)
{
    struct jy_pool *pool = jy_pool_create(0);

    T_EQ_INT(jy_pool_fail_try_after(3), 0);
    T_ASSERT(jy_pool_try_alloc(pool, 10) != NULL);
    T_ASSERT(jy_pool_try_alloc(pool, 10) != NULL);
    T_ASSERT(jy_pool_try_alloc(pool, 10) == NULL); /* the third fails */
    T_ASSERT(jy_pool_try_alloc(pool, 10) != NULL); /* transient: later ones work */
    T_EQ_INT(jy_pool_fail_try_after(0), 0);
    /* plain jy_pool_alloc is never affected */
    T_EQ_INT(jy_pool_fail_try_after(1), 0);
    T_ASSERT(jy_pool_alloc(pool, 10) != NULL);
    T_EQ_INT(jy_pool_fail_try_after(0), 1);
    T_ASSERT(jy_pool_try_alloc(pool, 10) != NULL);
    jy_pool_destroy(pool);
}


static void
test_try_alloc_impossible_size(void)
{
    struct jy_pool *pool = jy_pool_create(0);

    /* sizes whose rounding or header would overflow: NULL, not an abort */
    T_ASSERT(jy_pool_try_alloc(pool, SIZE_MAX) == NULL);
    T_ASSERT(jy_pool_try_alloc(pool, SIZE_MAX - 8) == NULL);
    T_ASSERT(jy_pool_try_alloc(pool, SIZE_MAX - 20) == NULL);
    T_ASSERT(jy_pool_try_alloc(pool, 100) != NULL);
    jy_pool_destroy(pool);
}


static void
test_strdup_printf(void)
{
    struct jy_pool *pool = jy_pool_create(256);
    char big[3000];
    char *s;

    T_ASSERT(jy_pool_strdup(pool, NULL) == NULL);
    T_EQ_STR(jy_pool_strdup(pool, "政府网站"), "政府网站");
    s = jy_pool_strndup(pool, "abcdef", 3);
    T_EQ_STR(s, "abc");
    T_EQ_STR(jy_pool_strndup(pool, NULL, 0), "");
    T_EQ_STR(jy_pool_printf(pool, "%s-%d-%03d", "site", 42, 7), "site-42-007");
    T_EQ_STR(jy_pool_printf(pool, "%s", ""), "");
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    s = jy_pool_printf(pool, "<%s>", big); /* larger than the block */
    T_EQ_INT(strlen(s), sizeof(big) + 1);
    T_ASSERT(s[0] == '<' && s[sizeof(big)] == '>');
    jy_pool_destroy(pool);
}


static void
test_calloc_overflow_aborts(void)
{
    pid_t pid;
    int status;

    fflush(stdout);
    pid = fork();
    T_ASSERT(pid >= 0);
    if (pid == 0) {
        struct jy_pool *pool = jy_pool_create(0);
        /* quiet: the child's message is expected */
        if (freopen("/dev/null", "w", stderr) == NULL)
            _exit(3);
        dup2(fileno(stderr), 2);
        jy_pool_calloc(pool, SIZE_MAX / 2, 4);
        _exit(0); /* not reached when the overflow is caught */
    }
    T_ASSERT(waitpid(pid, &status, 0) == pid);
    T_ASSERT(WIFSIGNALED(status));
    T_EQ_INT(WTERMSIG(status), SIGABRT);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_alloc_alignment),
        T_CASE(test_odd_block_size_stays_aligned),
        T_CASE(test_large_allocations),
        T_CASE(test_reset_keeps_working),
        T_CASE(test_calloc_zeroes_reused_memory),
        T_CASE(test_cleanup_order_reverse),
        T_CASE(test_cleanup_added_during_cleanup),
        T_CASE(test_realloc_in_place),
        T_CASE(test_realloc_moving),
        T_CASE(test_realloc_growing_buffer),
        T_CASE(test_try_alloc_countdown),
        T_CASE(test_try_alloc_impossible_size),
        T_CASE(test_strdup_printf),
        T_CASE(test_calloc_overflow_aborts),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
