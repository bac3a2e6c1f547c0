/*
 * bench_workflow.c - what the editorial workflow costs: one action of a
 * person (submit, approve, publish: each one transaction under row-level
 * security, with the review chain read, the row locked and the event
 * recorded), the review queue of a reviewer with many placements waiting,
 * and the scheduler firing many due publications (each its own
 * transaction, FOR UPDATE SKIP LOCKED).
 *
 *   jiyue --data /tmp/benchpg demo
 *   build/bench/bench_workflow "host=/tmp/benchpg dbname=jiyue user=jiyue" [ITEMS]
 *
 * Needs the demo platform (site 5600000001, its column zwgk/zwdt/yw, the
 * users liu.yang, an editor, and chen.jing, a reviewer of the province).
 * Sets a one-step chain on that column and writes ITEMS (default 500)
 * items: use a throwaway cluster. Prints min, median, p95 and max
 * wall-clock times and the scheduler's rate.
 */
#include "core/compat.h"
#include "core/db.h"
#include "core/err.h"
#include "core/item.h"
#include "core/json.h"
#include "core/log.h"
#include "core/placement.h"
#include "core/pool.h"
#include "core/scheduler.h"
#include "core/workflow.h"

#include <time.h>

#include <cjson/cJSON.h>

#define COLUMN "5600000001:zwgk/zwdt/yw"

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}


static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}


static void
report(const char *what, double *t, int n)
{
    qsort(t, (size_t) n, sizeof(double), cmp_double);
    printf("%-34s min %8.3f  median %8.3f  p95 %8.3f  max %8.3f ms\n", what, t[0], t[n / 2],
           t[(n * 95) / 100], t[n - 1]);
}


static long long
user_id(struct jy_db *db, struct jy_pool *pool, const char *login)
{
    const char *p[1] = {login};
    struct jy_err err = JY_ERR_INIT;
    const char *v =
        jy_db_query_value(db, pool, "SELECT id FROM app_user WHERE login = $1", 1, p, &err);
    if (v == NULL) {
        fprintf(stderr, "bench_workflow: no user %s: load the demo first\n", login);
        exit(1);
    }
    return atoll(v);
}


static void
die(const char *what, const struct jy_err *err)
{
    fprintf(stderr, "bench_workflow: %s: %s (%s)\n", what, err->msg, err->detail);
    exit(1);
}


int
main(int argc, char **argv)
{
    struct jy_pool *pool = jy_pool_create(0), *loop = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    struct jy_placement_target place = {COLUMN, 0, false, NULL, NULL};
    struct jy_scheduler_stats st;
    struct jy_wf_queue_row *rows;
    struct jy_db *owner, *app;
    long long *items, editor, reviewer;
    double *t, t0;
    int n = argc > 2 ? atoi(argv[2]) : 500, i, nq;

    if (argc < 2 || n < 10) {
        fprintf(stderr, "usage: bench_workflow CONNINFO [ITEMS >= 10]\n");
        return 2;
    }
    jy_log_min_level = JY_LOG_WARN;
    if ((owner = jy_db_connect(argv[1], &err)) == NULL ||
        (app = jy_db_connect(jy_pool_printf(pool, "%s user=jiyue_app", argv[1]), &err)) == NULL)
        die("connect", &err);
    editor = user_id(owner, pool, "liu.yang");
    reviewer = user_id(owner, pool, "chen.jing");
    if (jy_workflow_chain_set(owner, pool, COLUMN,
                              "{\"steps\": [{\"name\": \"审核\", \"role\": \"reviewer\"}]}",
                              &err) != JY_OK)
        die("chain", &err);
    items = jy_xmalloc(sizeof(long long) * (size_t) n);
    t = jy_xmalloc(sizeof(double) * (size_t) n);
    jy_db_set_actor(app, editor, "liu.yang", NULL, NULL);
    for (i = 0; i < n; i++) {
        struct jy_item_result res;
        cJSON *f = jy_json_new_object(loop);
        struct jy_item_spec spec = {"5600000001", "article", NULL, &place, 1};
        cJSON_AddItemToObject(f, "title", cJSON_CreateString("流程压测稿件"));
        spec.fields = f;
        if (jy_item_create(app, loop, &spec, &res, &err) != JY_OK)
            die("create", &err);
        items[i] = res.id;
        jy_pool_reset(loop);
    }

    /* submit: as the editor */
    for (i = 0; i < n; i++) {
        t0 = now_ms();
        if (jy_workflow_act(app, loop, JY_WF_SUBMIT, items[i], COLUMN, NULL, NULL, &err) != JY_OK)
            die("submit", &err);
        t[i] = now_ms() - t0;
        jy_pool_reset(loop);
    }
    report("submit (editor, RLS)", t, n);

    /* the reviewer's queue with n placements waiting */
    jy_db_set_actor(app, reviewer, "chen.jing", NULL, NULL);
    for (i = 0; i < 20; i++) {
        t0 = now_ms();
        if (jy_workflow_queue(app, loop, "5600000001", &rows, &nq, &err) != JY_OK)
            die("queue", &err);
        t[i] = now_ms() - t0;
        jy_pool_reset(loop);
    }
    printf("review queue holds %d placements\n", nq);
    report("review queue (reviewer)", t, 20);

    /* approve: as the reviewer */
    for (i = 0; i < n; i++) {
        t0 = now_ms();
        if (jy_workflow_act(app, loop, JY_WF_APPROVE, items[i], COLUMN, NULL, NULL, &err) != JY_OK)
            die("approve", &err);
        t[i] = now_ms() - t0;
        jy_pool_reset(loop);
    }
    report("approve (reviewer, RLS)", t, n);

    /* half published by the reviewer, half by the scheduler */
    for (i = 0; i < n / 2; i++) {
        t0 = now_ms();
        if (jy_workflow_act(app, loop, JY_WF_PUBLISH, items[i], COLUMN, NULL, NULL, &err) != JY_OK)
            die("publish", &err);
        t[i] = now_ms() - t0;
        jy_pool_reset(loop);
    }
    report("publish (reviewer, RLS)", t, n / 2);
    for (i = n / 2; i < n; i++)
        if (jy_workflow_schedule(app, loop, items[i], COLUMN, "2099-01-01 08:00", NULL, &err) !=
            JY_OK)
            die("schedule", &err);
    t0 = now_ms();
    if (jy_scheduler_run_due(owner, loop, "2099-01-01 08:01+08", &st, &err) != JY_OK)
        die("scheduler", &err);
    t0 = now_ms() - t0;
    printf("scheduler: %d publications in %.1f ms, %.0f per second (one transaction each)\n",
           st.published, t0, st.published / (t0 / 1e3));
    jy_db_close(app);
    jy_db_close(owner);
    jy_pool_destroy(loop);
    jy_pool_destroy(pool);
    free(items);
    free(t);
    return 0;
}
