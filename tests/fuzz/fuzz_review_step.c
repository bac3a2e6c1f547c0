/*
 * fuzz_review_step.c - the --step spec of `jiyue review chain`
 * (jy_workflow_step_json) on arbitrary bytes.
 *
 * Invariants beyond "no crash":
 *  - NULL for input that is not valid UTF-8, holds a NUL, has no ':' after
 *    a non-empty name, or whose part after the name is not role=... or
 *    users=... (optionally :all or :any);
 *  - otherwise the output is a JSON object that parses, with "name" equal
 *    to the bytes before the first ':', exactly one of "role" (a string)
 *    and "users" (a non-empty array of non-empty strings without ','),
 *    "mode" only when the input ended in :all or :any, and nothing else.
 */
#include "core/compat.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/utf8.h"
#include "core/workflow.h"

#include <cjson/cJSON.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
check(struct jy_pool *pool, const char *in, size_t size, const char *out)
{
    struct jy_err err = JY_ERR_INIT;
    const char *colon = memchr(in, ':', size);
    cJSON *j = jy_json_parse(pool, out, strlen(out), &err), *name, *role, *users, *mode, *u;
    int nkeys = 0;

    if (j == NULL || !cJSON_IsObject(j) || colon == NULL || colon == in)
        abort();
    name = cJSON_GetObjectItemCaseSensitive(j, "name");
    role = cJSON_GetObjectItemCaseSensitive(j, "role");
    users = cJSON_GetObjectItemCaseSensitive(j, "users");
    mode = cJSON_GetObjectItemCaseSensitive(j, "mode");
    for (u = j->child; u; u = u->next)
        nkeys++;
    if (!cJSON_IsString(name) || strlen(name->valuestring) != (size_t) (colon - in) ||
        memcmp(name->valuestring, in, (size_t) (colon - in)) != 0)
        abort();
    if ((role != NULL) == (users != NULL))
        abort();
    if (role && !cJSON_IsString(role))
        abort();
    if (users) {
        if (!cJSON_IsArray(users) || cJSON_GetArraySize(users) < 1)
            abort();
        cJSON_ArrayForEach(u, users)
        {
            if (!cJSON_IsString(u) || u->valuestring[0] == '\0' || strchr(u->valuestring, ','))
                abort();
        }
    }
    if (mode) {
        if (!cJSON_IsString(mode) ||
            (strcmp(mode->valuestring, "all") != 0 && strcmp(mode->valuestring, "any") != 0))
            abort();
        if (size < 4 || memcmp(in + size - 4, ":", 1) != 0 ||
            memcmp(in + size - 3, mode->valuestring, 3) != 0)
            abort();
    }
    if (nkeys != 2 + (mode != NULL))
        abort();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jy_pool *pool = jy_pool_create(0);
    char *in = jy_pool_strndup(pool, (const char *) data, size);
    const char *out = jy_workflow_step_json(pool, (const char *) data, size);

    if (out) {
        if (!jy_utf8_valid((const char *) data, size, NULL) || memchr(data, '\0', size))
            abort();
        check(pool, in, size, out);
    }
    jy_pool_destroy(pool);
    return 0;
}
