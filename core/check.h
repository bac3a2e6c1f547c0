/*
 * check.h - content checks before publishing (issue 5): run the checks the
 * plugins registered over an item or a text and return findings with their
 * positions.
 *
 * Setup, once per process at start (the CLI does it in `jiyue check`, the
 * server and the workflow at their start):
 *
 *     if (jy_check_setup(conf, conninfo, &err) != JY_OK) ... fail ...
 *
 * loads every plugin of the plugin folder (setting plugin_dir; problems are
 * logged and listed by jy_check_problems, never fatal) and, unless setting
 * check_isolate is off, runs the checks in a worker process: fork()ed at setup,
 * fed documents over a socket pair, restarted when it crashes or passes
 * check_timeout seconds. A crashing or hanging check thus costs one finding
 * ("check X could not run"), never the server; the other checks still run.
 * conninfo is the system's connection string: the worker opens its own
 * connection with it to resolve internal links and keep the link cache.
 * Call setup before starting threads. Checks are thread-safe but
 * serialised: one document at a time goes through the worker.
 *
 * Findings. Each names its kind (words, typos, names, privacy, links,
 * metadata, or a plugin's own), the field, the position as paragraph
 * (1-based, the N-th paragraph with text of the field, see plaintext.h) and
 * offset (characters before the match within that paragraph, 0-based),
 * the matched text and a suggested fix when one exists. Severity comes
 * from the site's table check_setting, else from the plugin's default:
 * at JY_CHECK_SAVE every reported finding is a warning (kinds off on save
 * are not run); at JY_CHECK_PUBLISH a kind blocks, warns or is off.
 * out->blocking counts the blocking findings: publish only when it is 0.
 */
#ifndef JY_CORE_CHECK_H
#define JY_CORE_CHECK_H

#include <stdbool.h>
#include <stddef.h>

struct jy_conf;
struct jy_db;
struct jy_err;
struct jy_pool;
struct jy_buf;
struct jy_plugin_host;

enum jy_check_stage {
    JY_CHECK_SAVE,    /* warnings only */
    JY_CHECK_PUBLISH, /* blocking or warning, per site configuration */
};

enum jy_check_severity { JY_CHECK_WARN = 1, JY_CHECK_BLOCK = 2 };

struct jy_check_finding {
    const char *check; /* kind: words, typos, names, privacy, links, metadata ... */
    const char *title; /* the kind for editors: 敏感词 */
    enum jy_check_severity severity;
    const char *field;       /* title, summary, body, attachments ...; NULL: the item */
    const char *field_label; /* 标题, 正文 ...; NULL with field */
    int paragraph;           /* 1-based; 0 when field is NULL */
    size_t offset;           /* characters before the match in its paragraph */
    size_t length;           /* characters of the match */
    const char *matched;     /* the text found (or the field name for metadata) */
    const char *message;
    const char *suggestion; /* NULL when none */
};

/* Findings of one run, in field order, then by position; memory from the pool. */
struct jy_check_findings {
    struct jy_check_finding *v;
    size_t n;
    size_t blocking; /* findings with JY_CHECK_BLOCK */
    size_t cap;
};

/*
 * Load the plugins and prepare the worker. Safe to call again (does
 * nothing the second time). JY_ERROR only when the plugin folder cannot be
 * read.
 */
int jy_check_setup(const struct jy_conf *conf, const char *conninfo, struct jy_err *err);

/*
 * The configuration a lazy setup uses (the workflow sets the checks up on
 * the first publication of a program that did not): main() gives the
 * program's own. Both must live as long as the program.
 */
void jy_check_use_conf(const struct jy_conf *conf, const char *conninfo);

/* Set up with the configuration given to jy_check_use_conf() (or the defaults) unless
 * set up already. */
int jy_check_ensure(struct jy_err *err);

/* True once jy_check_setup() succeeded (and until jy_check_shutdown()). */
bool jy_check_is_ready(void);

/* Stop the worker and unload; for tests and the end of the program. */
void jy_check_shutdown(void);

/* The plugin host (after setup), for the renderer's helpers and channels. */
struct jy_plugin_host *jy_check_host(void);

/* Problems of plugins that were skipped at setup. */
size_t jy_check_problems(void);
const char *jy_check_problem(size_t i);

/*
 * Check a saved item for site_id (0: the item's own site): its title,
 * subtitle, summary, body, attachment file names, links and metadata. The
 * item is read over db as its caller (row-level security applies: what the
 * caller cannot read is JY_E_NOT_FOUND). JY_OK with out filled (possibly
 * empty), JY_ERROR with err when the item or the site's configuration
 * could not be read.
 */
int jy_check_item(struct jy_db *db, struct jy_pool *pool, long long item_id, long long site_id,
                  enum jy_check_stage stage, struct jy_check_findings *out, struct jy_err *err);

/*
 * Check a text not saved yet: title (may be NULL) and an HTML body (plain
 * text is HTML without tags). db may be NULL: then only the built-in
 * defaults apply and internal links are not resolved; with db and a
 * site_id the site's configuration and lexicon entries apply.
 */
int jy_check_text(struct jy_db *db, struct jy_pool *pool, long long site_id, const char *title,
                  const char *html, size_t html_len, enum jy_check_stage stage,
                  struct jy_check_findings *out, struct jy_err *err);

/* Append the findings as a JSON array (the --json output of `jiyue check`, the API). */
void jy_check_findings_json(const struct jy_check_findings *f, struct jy_buf *out);

/* Worker statistics for the benchmark: documents sent, restarts. */
void jy_check_worker_stats(unsigned long *docs, unsigned long *restarts);

/* Process id of the check worker, 0 when none runs (monitoring, tests). */
long jy_check_worker_pid(void);

#endif /* JY_CORE_CHECK_H */
