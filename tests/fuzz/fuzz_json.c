/*
 * fuzz_json.c - jy_json_parse(), the typed getters and the printer on
 * arbitrary bytes, with a fresh pool per input.
 *
 * Invariants checked, beyond "no crash":
 *  - a parse error has a non-empty, valid UTF-8 message;
 *  - a parsed tree keeps json.h's promises: strings and keys valid UTF-8,
 *    numbers finite, nesting within JY_JSON_MAX_DEPTH;
 *  - every getter on every member either succeeds or fails with a message
 *    that names the member's path;
 *  - printing (compact and pretty) then parsing again gives an equal tree,
 *    and printing that tree gives the same text.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/utf8.h"

#include <limits.h>
#include <math.h>

#include <cjson/cJSON.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                 \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz_json: invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
                    __LINE__);                                                            \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

static bool
valid_str(const char *s)
{
    return s != NULL && jy_utf8_valid(s, strlen(s), NULL);
}


/* json.h's promises about a parsed tree. */
static void
check_tree(const cJSON *item, int depth)
{
    const cJSON *c;

    FUZZ_ASSERT(depth <= JY_JSON_MAX_DEPTH);
    if (cJSON_IsString(item))
        FUZZ_ASSERT(valid_str(item->valuestring));
    if (cJSON_IsNumber(item))
        FUZZ_ASSERT(isfinite(item->valuedouble));
    for (c = item->child; c; c = c->next) {
        if (cJSON_IsObject(item))
            FUZZ_ASSERT(valid_str(c->string));
        check_tree(c, depth + 1);
    }
}


/* A failed getter: its message names the path of what it was asked about. */
static void
check_getter_error(int rc, const struct jy_err *err, const struct jy_json_node *node,
                   const char *key)
{
    char path[200];

    if (rc == JY_OK)
        return;
    FUZZ_ASSERT(rc == JY_ERROR);
    FUZZ_ASSERT(err->code == JY_E_INVALID);
    FUZZ_ASSERT(err->msg[0] != '\0');
    FUZZ_ASSERT(valid_str(err->msg));
    /*
     * The message holds the path, or the path of the object the member was
     * looked up in. Long paths are cut in messages: only short ones are
     * compared.
     */
    if (jy_json_path(node, key, path, sizeof(path)) < 100 && strstr(err->msg, path) == NULL) {
        jy_json_path(node, NULL, path, sizeof(path));
        FUZZ_ASSERT(strstr(err->msg, path) != NULL);
    }
}


/* Every getter on one value (key NULL: the node itself), on required and optional. */
static void
try_getters(const struct jy_json_node *node, const char *key)
{
    static const char *const names[] = {"draft", "published", "", NULL};
    struct jy_err err = JY_ERR_INIT;
    struct jy_json_node sub;
    const char *s;
    long long ll;
    double d;
    bool b;
    int e, req;
    size_t n;

    for (req = 0; req < 2; req++) {
        check_getter_error(jy_json_get_str(node, key, req, &s, &err), &err, node, key);
        check_getter_error(jy_json_get_str_chars(node, key, req, 1, 10, &s, &err), &err, node, key);
        check_getter_error(jy_json_get_int(node, key, req, -1000, 1000, &ll, &err), &err, node,
                           key);
        check_getter_error(jy_json_get_int(node, key, req, LLONG_MIN, LLONG_MAX, &ll, &err), &err,
                           node, key);
        check_getter_error(jy_json_get_num(node, key, req, -1e9, 1e9, &d, &err), &err, node, key);
        check_getter_error(jy_json_get_bool(node, key, req, &b, &err), &err, node, key);
        check_getter_error(jy_json_get_enum(node, key, req, names, &e, &err), &err, node, key);
        check_getter_error(jy_json_get_object(node, key, req, &sub, &err), &err, node, key);
        check_getter_error(jy_json_get_array(node, key, req, &sub, &n, &err), &err, node, key);
    }
    (void) jy_json_has(node, key);
}


/* Getters on every member or element, one level down from node. */
static void
walk_getters(const struct jy_json_node *node, int depth)
{
    static const char *const known[] = {"code", "name", "hosts", "title", NULL};
    struct jy_err err = JY_ERR_INIT;
    struct jy_json_node c;

    try_getters(node, NULL);
    if (cJSON_IsObject(node->item)) {
        try_getters(node, "code");
        try_getters(node, "no such key");
        check_getter_error(jy_json_check_keys(node, known, &err), &err, node, NULL);
    }
    for (jy_json_first(node, &c); c.item; jy_json_next(&c)) {
        if (c.key)
            try_getters(node, c.key);
        if (depth < 3)
            walk_getters(&c, depth + 1);
    }
}


static void
check_round_trip(struct jy_pool *pool, const cJSON *tree, bool pretty)
{
    struct jy_buf out = JY_BUF_INIT(pool), again = JY_BUF_INIT(pool);
    struct jy_err err = JY_ERR_INIT;
    cJSON *back;

    FUZZ_ASSERT((pretty ? jy_json_print_pretty(tree, &out) : jy_json_print(tree, &out)) == JY_OK);
    FUZZ_ASSERT(jy_utf8_valid(out.buf, out.len, NULL));
    back = jy_json_parse(pool, out.buf, out.len, &err);
    if (back == NULL)
        fprintf(stderr, "fuzz_json: printed text does not parse: %s\n%s\n", err.msg, out.buf);
    FUZZ_ASSERT(back != NULL);
    FUZZ_ASSERT(cJSON_Compare(tree, back, true));
    FUZZ_ASSERT((pretty ? jy_json_print_pretty(back, &again) : jy_json_print(back, &again)) ==
                JY_OK);
    FUZZ_ASSERT(again.len == out.len && memcmp(again.buf, out.buf, out.len) == 0);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_err err = JY_ERR_INIT;
    struct jy_json_node root;
    cJSON *tree;

    tree = jy_json_parse(pool, (const char *) data, size, &err);
    if (tree == NULL) {
        FUZZ_ASSERT(err.msg[0] != '\0');
        FUZZ_ASSERT(valid_str(err.msg));
        FUZZ_ASSERT(err.code == JY_E_INVALID || err.code == JY_E_TOO_LARGE);
        FUZZ_ASSERT(strncmp(err.msg, "invalid JSON", 12) == 0 ||
                    strncmp(err.msg, "JSON text is too large", 22) == 0);
    } else {
        check_tree(tree, 0);
        jy_json_root(&root, tree);
        walk_getters(&root, 0);
        check_round_trip(pool, tree, false);
        check_round_trip(pool, tree, true);
    }
    jy_pool_destroy(pool);
    return 0;
}
