/*
 * json.h - JSON over cJSON: strict parsing with limits and readable errors,
 * typed getters whose errors name the field path, and printing into a jy_buf.
 *
 * Ownership: cJSON allocates with malloc(); a tree returned here is freed
 * by a cleanup of the pool it was parsed or created for (STYLE.md: cJSON
 * trees are freed by a pool cleanup, cJSON never allocates from the pool).
 * Only roots are owned that way: an item added to a tree belongs to the
 * tree, so never hand a subtree to jy_json_own().
 *
 * What jy_json_parse() accepts is RFC 8259 JSON, stricter than cJSON alone:
 *  - at most JY_JSON_MAX_SIZE bytes and JY_JSON_MAX_DEPTH nested arrays and
 *    objects; valid UTF-8 only; an optional byte order mark at the start;
 *  - no control characters in strings and none outside them but blanks;
 *  - numbers of the JSON grammar only (no "01", "1.", "+1"), at most 63
 *    characters, finite ("1e999" is an error, not infinity);
 *  - no "\u0000" and no unpaired surrogate escapes (strings stay valid
 *    UTF-8 C strings);
 *  - no key twice in one object (a second "code" is an error, not a
 *    silent choice of one).
 * Errors name the place: invalid JSON at line 3, column 7: unexpected "}"
 * (columns count characters, not bytes, so they match an editor's).
 *
 * Reading values: a struct jy_json_node is a value plus where it sits, so
 * every getter can say which field is wrong. The usage is
 *
 *     struct jy_json_node root = JY_JSON_ROOT(tree), sites, site;
 *     const char *code;
 *
 *     if (jy_json_get_array(&root, "sites", true, &sites, NULL, err) != JY_OK)
 *         return JY_ERROR;
 *     for (jy_json_first(&sites, &site); site.item; jy_json_next(&site))
 *         if (jy_json_get_str_chars(&site, "code", true, 10, 10, &code, err) != JY_OK)
 *             return JY_ERROR;    field "sites[3].code" must be a string of 10 characters, not 42
 *
 * A loader that names things itself starts a new root at the item, so the
 * path is relative, and puts its own context in front:
 *
 *     struct jy_json_node s = JY_JSON_ROOT(site.item);
 *     if (jy_json_get_str_chars(&s, "code", true, 10, 10, &code, err) != JY_OK) {
 *         jy_err_prefix(err, "%s: site \"%s\"", path, name);
 *         return JY_ERROR;    sites/demo.json: site "xx": field "code" must be ...
 *     }
 *
 * Getter rules, the same for all of them:
 *  - key names a member of the node, which must be an object; key NULL
 *    means the node itself (an array element, a document root);
 *  - a missing member, or one that is null, is "absent": when required,
 *    that is an error (JY_E_INVALID, 'field "x" is required'); otherwise
 *    the getter returns JY_OK and leaves *out untouched, so set the default
 *    first. A node whose item is NULL (an absent optional object) has only
 *    absent members;
 *  - a wrong type or a value out of range is JY_E_INVALID with a message
 *    that says what was expected and what was found, and err->field holds
 *    the path;
 *  - strings returned point into the tree and live as long as its pool.
 * Nodes point at their parent node: keep a parent alive (on the stack) as
 * long as its children are used.
 */
#ifndef JY_CORE_JSON_H
#define JY_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct jy_buf;
struct jy_err;
struct jy_pool;

#define JY_JSON_MAX_SIZE  (8 * 1024 * 1024) /* bytes; the HTTP layer caps bodies lower */
#define JY_JSON_MAX_DEPTH 64                /* nested arrays and objects */

/*
 * Parse len bytes of text (need not be NUL-terminated). Returns the tree,
 * freed when pool is reset or destroyed, or NULL with err set: JY_E_INVALID
 * with line and column, or JY_E_TOO_LARGE past JY_JSON_MAX_SIZE.
 */
struct cJSON *jy_json_parse(struct jy_pool *pool, const char *text, size_t len, struct jy_err *err);

/*
 * Read and parse a file. Errors start with the path: sites/demo.json:
 * invalid JSON at line 3, column 7: ... A missing file is JY_E_NOT_FOUND.
 */
struct cJSON *jy_json_load_file(struct jy_pool *pool, const char *path, struct jy_err *err);

/* Make pool free the tree item (a root built with cJSON_Create*) when it goes. */
void jy_json_own(struct jy_pool *pool, struct cJSON *item);

/* An empty object or array owned by pool; aborts when memory runs out. */
struct cJSON *jy_json_new_object(struct jy_pool *pool);
struct cJSON *jy_json_new_array(struct jy_pool *pool);

/*
 * Append item as compact JSON ({"a":[1,2]}) or indented by two spaces.
 * Strings are escaped by jy_buf_add_json_str(), numbers printed so they
 * read back to the same double; NaN and infinities print as null. Returns
 * jy_buf_finish(out): JY_ERROR when out passed its cap.
 */
int jy_json_print(const struct cJSON *item, struct jy_buf *out);
int jy_json_print_pretty(const struct cJSON *item, struct jy_buf *out);

/* A value and the way to it from the root, for messages. */
struct jy_json_node {
    const struct cJSON *item;          /* the value; NULL when absent */
    const struct jy_json_node *parent; /* the array or object holding it; NULL at a root */
    const char *key;                   /* member name in an object parent, NULL in an array */
    size_t index;                      /* position in the parent */
};

#define JY_JSON_ROOT(it)    \
    {                       \
        (it), NULL, NULL, 0 \
    }

void jy_json_root(struct jy_json_node *node, const struct cJSON *item);

/*
 * Iterate over the elements of an array or the members of an object:
 *     for (jy_json_first(&arr, &el); el.item; jy_json_next(&el)) ...
 * Both return whether it->item is set. A scalar or absent parent has none.
 */
bool jy_json_first(const struct jy_json_node *parent, struct jy_json_node *it);
bool jy_json_next(struct jy_json_node *it);

/* True when the member key is present and not null (key NULL: the node itself). */
bool jy_json_has(const struct jy_json_node *node, const char *key);

/* A string of any length. */
int jy_json_get_str(const struct jy_json_node *node, const char *key, bool required,
                    const char **out, struct jy_err *err);

/*
 * A string of min_chars to max_chars characters (code points, so a Chinese
 * character counts one): must be a string of 10 characters, of at most 200
 * characters, of 1 to 80 characters. SIZE_MAX means no upper limit.
 */
int jy_json_get_str_chars(const struct jy_json_node *node, const char *key, bool required,
                          size_t min_chars, size_t max_chars, const char **out, struct jy_err *err);

/* One of the strings of names (NULL-terminated); *out gets its index. */
int jy_json_get_enum(const struct jy_json_node *node, const char *key, bool required,
                     const char *const *names, int *out, struct jy_err *err);

/* A whole number in [min, max]; beyond +-2^53 a double is not exact and is refused. */
int jy_json_get_int(const struct jy_json_node *node, const char *key, bool required, long long min,
                    long long max, long long *out, struct jy_err *err);

/* Any number in [min, max]. */
int jy_json_get_num(const struct jy_json_node *node, const char *key, bool required, double min,
                    double max, double *out, struct jy_err *err);

int jy_json_get_bool(const struct jy_json_node *node, const char *key, bool required, bool *out,
                     struct jy_err *err);

/*
 * An object or an array, as a node to read from or iterate over. When it
 * is absent and optional, out->item is NULL (and *n 0): getters on it see
 * only absent members and iteration is empty. n (may be NULL) gets the
 * number of elements of an array.
 */
int jy_json_get_object(const struct jy_json_node *node, const char *key, bool required,
                       struct jy_json_node *out, struct jy_err *err);
int jy_json_get_array(const struct jy_json_node *node, const char *key, bool required,
                      struct jy_json_node *out, size_t *n, struct jy_err *err);

/*
 * Refuse members of an object not listed in known (NULL-terminated), so a
 * misspelt field in a data file is an error, not a setting silently lost:
 * unrecognized field "sites[3].nmae", with the known names in the hint.
 */
int jy_json_check_keys(const struct jy_json_node *node, const char *const *known,
                       struct jy_err *err);

/*
 * An error about a field found by the caller's own checks: the message is
 * 'field "<path>" ' followed by fmt, and err->field the path. Returns
 * JY_ERROR so that a check can end with return jy_json_error(...).
 */
int jy_json_error(struct jy_err *err, const struct jy_json_node *node, const char *key,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Write the path of member key of node (key NULL: of node) into dst, e.g.
 * sites[3].name; names that are not plain words are quoted: a["x.y"].
 * Returns the length; the text is cut on a character boundary to fit.
 */
size_t jy_json_path(const struct jy_json_node *node, const char *key, char *dst, size_t size);

#endif /* JY_CORE_JSON_H */
