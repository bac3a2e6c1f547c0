/*
 * conf.h - configuration from defaults, a file, the environment and flags.
 *
 * Precedence, lowest to highest (documented in docs/operations.md):
 *   1. built-in defaults
 *   2. the configuration file: --config FILE, else $JIYUE_CONFIG, else
 *      ./jiyue.conf when it exists
 *   3. environment variables JIYUE_<KEY> (key upper-cased: JIYUE_DB)
 *   4. command-line flags (--db, --data, --log-level, --set key=value)
 *
 * The order holds whatever the order of the calls: a value from a lower
 * source never replaces one from a higher source (a file read after the
 * environment does not undo JIYUE_DB); the same source replaces.
 *
 * File format, one setting per line (like postgresql.conf):
 *
 *   # comment
 *   key = value
 *   key = "value with # and spaces, \" and \\ escaped"
 *
 * Keys are lower-case letters, digits and '_'; every key must be one that
 * Jiyue knows, so a typo is an error naming file and line instead of a
 * setting silently ignored. Values are UTF-8 of at most 4096 bytes.
 */
#ifndef JY_CORE_CONF_H
#define JY_CORE_CONF_H

#include <stdbool.h>
#include <stddef.h>

struct jy_err;
struct jy_pool;

enum jy_conf_source {
    JY_CONF_DEFAULT = 0,
    JY_CONF_FILE,
    JY_CONF_ENV,
    JY_CONF_FLAG,
};

struct jy_conf_entry {
    const char *key;   /* static, from the table of known keys */
    const char *value; /* in the conf's pool */
    enum jy_conf_source source;
    const char *origin; /* "jiyue.conf:12", "JIYUE_DB", "--db", "default" */
};

struct jy_conf {
    struct jy_pool *pool; /* owns every string */
    struct jy_conf_entry *entries;
    size_t n;
    const char *file; /* the file that was read, or NULL */
};

/* Create a conf holding the defaults. */
struct jy_conf *jy_conf_create(struct jy_pool *pool);

/*
 * Parse configuration text (name is used in messages). On error nothing of
 * the text is applied and err names "name:line" and what is wrong. A UTF-8
 * byte order mark at the start is ignored.
 */
int jy_conf_parse(struct jy_conf *conf, const char *name, const char *text, size_t len,
                  struct jy_err *err);

/* Read and parse a file (at most 1 MiB); a missing file is an error (JY_E_NOT_FOUND). */
int jy_conf_load_file(struct jy_conf *conf, const char *path, struct jy_err *err);

/* Apply JIYUE_<KEY> variables from environ. */
int jy_conf_load_env(struct jy_conf *conf, char **envp, struct jy_err *err);

/* Set one key from a flag ("--db") or "key=value" (--set); unknown keys fail. */
int jy_conf_set(struct jy_conf *conf, const char *key, const char *value,
                enum jy_conf_source source, const char *origin, struct jy_err *err);

/* Value of a key (never NULL for known keys; "" when empty). Unknown keys are a bug. */
const char *jy_conf_get(const struct jy_conf *conf, const char *key);
long long jy_conf_get_int(const struct jy_conf *conf, const char *key);
const struct jy_conf_entry *jy_conf_entry(const struct jy_conf *conf, const char *key);

/* Description of a known key for `jiyue config`, NULL if unknown. */
const char *jy_conf_describe(const char *key);

#endif /* JY_CORE_CONF_H */
