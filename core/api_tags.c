/*
 * api_tags.c - the tag vocabulary: list, add, synonyms, merge (core/tag.c).
 */
#include "core/compat.h"
#include "core/api.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/tag.h"

#include <cjson/cJSON.h>


/* GET /api/v1/tags?merged=true */
static int
tags_list(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"merged", NULL};
    const char *m = jy_http_param(&r->query, "merged");
    struct jy_tag_info *v;
    cJSON *arr;
    int n, i;

    if (jy_api_query_keys(r, known, err) != JY_OK)
        return JY_ERROR;
    if (m && strcmp(m, "true") != 0 && strcmp(m, "false") != 0) {
        jy_err_set(err, JY_E_INVALID,
                   "query parameter \"merged\" must be true or false, not \"%s\"", m);
        jy_err_field(err, "merged");
        return JY_ERROR;
    }
    if (jy_tag_list(r->db, r->pool, m && strcmp(m, "true") == 0, &v, &n, err) != JY_OK)
        return JY_ERROR;
    arr = jy_json_new_array(r->pool);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "id", (double) v[i].id);
        cJSON_AddStringToObject(e, "name", v[i].name);
        if (v[i].description)
            cJSON_AddStringToObject(e, "description", v[i].description);
        {
            cJSON *syn = cJSON_AddArrayToObject(e, "synonyms");
            const char *s = v[i].synonyms;
            while (s && *s) {
                const char *comma = strchr(s, ',');
                size_t len = comma ? (size_t) (comma - s) : strlen(s);
                cJSON_AddItemToArray(syn, cJSON_CreateString(jy_pool_strndup(r->pool, s, len)));
                s += len;
                if (*s == ',')
                    s++;
            }
        }
        if (v[i].merged_into)
            cJSON_AddStringToObject(e, "merged_into", v[i].merged_into);
        cJSON_AddNumberToObject(e, "items", (double) v[i].items);
        cJSON_AddItemToArray(arr, e);
    }
    return jy_api_reply_list(r, arr, n);
}


/* POST /api/v1/tags {"name", "description"} */
static int
tags_create(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"name", "description", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    const char *name = NULL, *desc = NULL;
    long long id = 0;
    cJSON *o;

    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "name", true, 1, 32, &name, err) != JY_OK ||
        jy_json_get_str_chars(&root, "description", false, 0, 500, &desc, err) != JY_OK)
        return JY_ERROR;
    if (jy_tag_add(r->db, r->pool, name, desc, &id, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "id", (double) id);
    cJSON_AddStringToObject(o, "name", name);
    return jy_api_reply(r, 201, o);
}


/* POST /api/v1/tags/{tag}/synonyms {"synonym"} */
static int
tags_synonym(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"synonym", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    const char *syn = NULL;
    cJSON *o;

    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "synonym", true, 1, 32, &syn, err) != JY_OK)
        return JY_ERROR;
    if (jy_tag_synonym_add(r->db, r->pool, r->args[0], syn, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddStringToObject(o, "tag", r->args[0]);
    cJSON_AddStringToObject(o, "synonym", syn);
    return jy_api_reply(r, 201, o);
}


/* POST /api/v1/tags/{tag}/merge {"into"}: the tag becomes a synonym of another. */
static int
tags_merge(struct jy_api_req *r, struct jy_err *err)
{
    static const char *const known[] = {"into", NULL};
    struct jy_json_node root = JY_JSON_ROOT(r->body);
    struct jy_tag_merge_result res;
    const char *into = NULL;
    cJSON *o;

    if (jy_api_body_keys(r, known, err) != JY_OK ||
        jy_json_get_str_chars(&root, "into", true, 1, 32, &into, err) != JY_OK)
        return JY_ERROR;
    if (jy_tag_merge(r->db, r->pool, r->args[0], into, &res, err) != JY_OK)
        return JY_ERROR;
    o = jy_json_new_object(r->pool);
    cJSON_AddNumberToObject(o, "from_id", (double) res.from_id);
    cJSON_AddNumberToObject(o, "into_id", (double) res.into_id);
    return jy_api_reply(r, 200, o);
}


static const struct jy_api_route routes[] = {
    {"GET", "/api/v1/tags", tags_list, 0, "the tag vocabulary"},
    {"POST", "/api/v1/tags", tags_create, JY_API_JSON | JY_API_IDEMPOTENT, "add a tag"},
    {"POST", "/api/v1/tags/{tag}/synonyms", tags_synonym, JY_API_JSON, "add a synonym to a tag"},
    {"POST", "/api/v1/tags/{tag}/merge", tags_merge, JY_API_JSON, "merge a tag into another"},
};


void
jy_api_tags_routes(struct jy_api_router *rt)
{
    jy_api_add(rt, routes, JY_ARRAY_LEN(routes));
}
