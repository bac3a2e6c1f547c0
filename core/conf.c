/*
 * conf.c - configuration; the format and the precedence are in conf.h.
 */
#include "core/compat.h"
#include "core/conf.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/filestore.h"
#include "core/pool.h"
#include "core/str.h"
#include "core/utf8.h"

#include <limits.h>

#define CONF_VALUE_MAX 4096
#define CONF_FILE_MAX  (1024 * 1024)

enum conf_type { CONF_STRING, CONF_INT, CONF_LEVEL };

struct conf_key {
    const char *key;
    const char *def;
    enum conf_type type;
    long long min, max; /* CONF_INT */
    const char *doc;
};

/* The keys Jiyue knows. Add new ones here and to docs/operations.md. */
static const struct conf_key conf_keys[] = {
    {"db", "", CONF_STRING, 0, 0,
     "libpq connection string of an existing PostgreSQL; empty starts the embedded cluster"},
    {"pg_data", "var/pg", CONF_STRING, 0, 0, "data folder of the embedded PostgreSQL cluster"},
    {"pg_bindir", "", CONF_STRING, 0, 0,
     "folder with initdb, pg_ctl and postgres; empty finds Debian's newest"},
    {"pg_user", "jiyue", CONF_STRING, 0, 0,
     "system user that owns the embedded cluster when jiyue runs as root"},
    {"pg_database", "jiyue", CONF_STRING, 0, 0, "database of the embedded cluster"},
    {"log_level", "info", CONF_LEVEL, 0, 0, "debug, info, warn, error or off"},
    {"share_dir", JY_SOURCE_DIR, CONF_STRING, 0, 0, "folder holding schema/, sites/ and themes/"},
    {"output_dir", "var/www", CONF_STRING, 0, 0, "where rendered sites are written"},
    {"listen", "127.0.0.1:8080", CONF_STRING, 0, 0, "address the HTTP server listens on"},
    {"workers", "2", CONF_INT, 1, 256, "worker threads of the HTTP server and the renderer"},
    {"serve_render", "1", CONF_INT, 0, 1,
     "1: jiyue serve renders what changes (as render --watch) on a thread of its own"},
    {"serve_push", "1", CONF_INT, 0, 1,
     "1: jiyue serve pushes rendered files to the mirrors (as jiyue pusher)"},
    {"serve_scheduler", "1", CONF_INT, 0, 1,
     "1: jiyue serve fires due publications and withdrawals (as jiyue scheduler)"},
    {"password_cost", "interactive", CONF_STRING, 0, 0,
     "cost of new password hashes: interactive; \"test\" is weak and for tests only"},
    {"secret_key_file", "var/secret.key", CONF_STRING, 0, 0,
     "the platform's key that seals stored secrets (mirror passwords); made on first use, mode "
     "0600; every machine running a pusher needs a copy"},
    {"file_dir", "var/files", CONF_STRING, 0, 0,
     "where uploaded files are stored, content-addressed: <ab>/<cd>/<sha256>"},
    {"file_types", JY_FILE_TYPES_DEFAULT, CONF_STRING, 0, 0,
     "extensions of the file types that may be uploaded (space-separated)"},
    {"file_max_document", "50", CONF_INT, 1, 4096,
     "largest document (pdf, doc, docx, xls, xlsx, wps, ofd ...) in MiB"},
    {"file_max_image", "10", CONF_INT, 1, 4096, "largest image (jpeg, png, gif, webp) in MiB"},
    {"file_max_archive", "100", CONF_INT, 1, 4096, "largest archive (zip) in MiB"},
    {"file_max_video", "500", CONF_INT, 1, 4096, "largest video (mp4) in MiB"},
    {"file_sweep_grace", "1440", CONF_INT, 1, 525600,
     "minutes a stored file without a row is kept before `jiyue file sweep --apply` removes it"},
    {"plugin_dir", JY_PLUGIN_DIR, CONF_STRING, 0, 0,
     "folder whose *.so plugins are loaded at start (content checks, helpers, channels)"},
    {"check_lexicon_dir", JY_SOURCE_DIR "/plugins/checks/lexicons", CONF_STRING, 0, 0,
     "folder of the content checks' lexicons: sensitive.txt, whitelist.txt, typos.txt, names.txt"},
    {"check_isolate", "1", CONF_INT, 0, 1,
     "1 runs the content checks in a worker process that a crashing check cannot take down"},
    {"check_timeout", "30", CONF_INT, 1, 3600,
     "seconds one content check may run before its worker is killed and restarted"},
    {"check_link_timeout", "5", CONF_INT, 1, 120,
     "seconds the link check waits for an external link to answer"},
    {"check_link_private", "0", CONF_INT, 0, 1,
     "1 lets the link check request loopback and private addresses (tests); 0 reports them"},
    {"check_link_ttl", "24", CONF_INT, 0, 8760,
     "hours the answer of an external link is kept in the link cache (0: always ask)"},
    {"push_parallel", "16", CONF_INT, 1, 1024,
     "transfers to mirrors at once, over all mirrors, per pusher process"},
    {"push_mirrors", "8", CONF_INT, 1, 1024, "mirrors one pusher process pushes at once"},
    {"push_retry_base", "1", CONF_INT, 1, 3600,
     "seconds before the first retry of a failed push (doubles each time, with jitter)"},
    {"push_retry_max", "300", CONF_INT, 1, 86400,
     "longest wait between retries of a push, in seconds"},
    {"push_degraded_after", "5", CONF_INT, 1, 1000,
     "failed pushes in a row after which a mirror is shown as degraded"},
    {"push_poll", "5", CONF_INT, 1, 3600,
     "seconds between looks at the push queue when no notification comes"},
    /* jiyue serve (docs/api.md, Server) */
    {"http_body_max_kb", "1024", CONF_INT, 1, 65536,
     "largest JSON request body in KiB (413 above)"},
    {"http_upload_max_mb", "64", CONF_INT, 1, 4096,
     "largest multipart upload body in MiB (held in memory while it is stored)"},
    {"http_header_max_kb", "16", CONF_INT, 1, 1024,
     "largest request line and headers together in KiB"},
    {"http_read_timeout", "30", CONF_INT, 1, 3600,
     "seconds a connection may stay silent before it is closed (slow clients, idle keep-alive)"},
    {"http_auth_cache", "5", CONF_INT, 0, 300,
     "seconds a worker trusts a checked session or API token before checking it again"},
    {"http_item_cache_mb", "64", CONF_INT, 0, 65536,
     "memory in MiB for cached answers of GET /api/v1/items/ID (docs/api-cache.md); 0: no cache"},
    {"http_item_cache_ttl", "300", CONF_INT, 1, 86400,
     "seconds a cached item answer lives at most, even when no change was announced"},
    {"http_trusted_proxies", "", CONF_STRING, 0, 0,
     "addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed"},
    {"http_shutdown_timeout", "10", CONF_INT, 1, 3600,
     "seconds requests in flight get to finish after SIGTERM"},
};

static const struct conf_key *
conf_key_find(const char *key, size_t len)
{
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(conf_keys); i++)
        if (strlen(conf_keys[i].key) == len && memcmp(conf_keys[i].key, key, len) == 0)
            return &conf_keys[i];
    return NULL;
}


const char *
jy_conf_describe(const char *key)
{
    const struct conf_key *k = conf_key_find(key, strlen(key));
    return k ? k->doc : NULL;
}


struct jy_conf *
jy_conf_create(struct jy_pool *pool)
{
    struct jy_conf *conf = jy_pool_new(pool, struct jy_conf);
    size_t i;

    conf->pool = pool;
    conf->n = JY_ARRAY_LEN(conf_keys);
    conf->entries = jy_pool_new_array(pool, struct jy_conf_entry, conf->n);
    for (i = 0; i < conf->n; i++) {
        conf->entries[i].key = conf_keys[i].key;
        conf->entries[i].value = conf_keys[i].def;
        conf->entries[i].source = JY_CONF_DEFAULT;
        conf->entries[i].origin = "default";
    }
    return conf;
}


/* Check a value against its key's type; fills err naming origin. */
static int
conf_check_value(const struct conf_key *k, const char *value, const char *origin,
                 struct jy_err *err)
{
    size_t len = strlen(value), bad;
    long long v;

    if (len > CONF_VALUE_MAX) {
        jy_err_set(err, JY_E_INVALID, "%s: value of \"%s\" is too long (%zu bytes, at most %d)",
                   origin, k->key, len, CONF_VALUE_MAX);
        return JY_ERROR;
    }
    if (!jy_utf8_valid(value, len, &bad)) {
        jy_err_set(err, JY_E_INVALID, "%s: value of \"%s\" is not valid UTF-8 (byte %zu)", origin,
                   k->key, bad + 1);
        return JY_ERROR;
    }
    if (k->type == CONF_INT && !jy_str_to_ll(jy_str_from(value), k->min, k->max, &v)) {
        jy_err_set(err, JY_E_INVALID,
                   "%s: \"%s\" must be a whole number from %lld to %lld, not \"%s\"", origin,
                   k->key, k->min, k->max, value);
        return JY_ERROR;
    }
    if (k->type == CONF_LEVEL && strcmp(value, "debug") && strcmp(value, "info") &&
        strcmp(value, "warn") && strcmp(value, "error") && strcmp(value, "off")) {
        jy_err_set(err, JY_E_INVALID,
                   "%s: \"%s\" must be debug, info, warn, error or off, not \"%s\"", origin, k->key,
                   value);
        return JY_ERROR;
    }
    return JY_OK;
}


int
jy_conf_set(struct jy_conf *conf, const char *key, const char *value, enum jy_conf_source source,
            const char *origin, struct jy_err *err)
{
    const struct conf_key *k = conf_key_find(key, strlen(key));
    size_t i;

    if (k == NULL) {
        jy_err_set(err, JY_E_INVALID, "%s: unrecognized setting \"%s\"", origin, key);
        jy_err_hint(err, "Run \"jiyue config\" to list the settings.");
        return JY_ERROR;
    }
    if (conf_check_value(k, value, origin, err) != JY_OK)
        return JY_ERROR;
    i = (size_t) (k - conf_keys);
    /* precedence does not depend on the order of the calls (conf.h) */
    if (conf->entries[i].source > source)
        return JY_OK;
    conf->entries[i].value = jy_pool_strdup(conf->pool, value);
    conf->entries[i].source = source;
    conf->entries[i].origin = jy_pool_strdup(conf->pool, origin);
    return JY_OK;
}


/*
 * Parse the value part of a line, [p, end). Quoted: "..." with \" \\ \n \t
 * escapes, after which only blanks or a comment may follow. Bare: up to '#'
 * or the end of line, blanks trimmed. NULL and *why set on error.
 */
static const char *
conf_parse_value(struct jy_pool *pool, const char *p, const char *end, const char **why,
                 const char **why_at)
{
    struct jy_buf b = JY_BUF_INIT(pool);
    struct jy_str bare;

    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p < end && *p == '"') {
        for (p++; p < end && *p != '"'; p++) {
            if (*p != '\\') {
                jy_buf_add_char(&b, *p);
                continue;
            }
            if (++p == end)
                break;
            switch (*p) {
            case '"':
                jy_buf_add_char(&b, '"');
                break;
            case '\\':
                jy_buf_add_char(&b, '\\');
                break;
            case 'n':
                jy_buf_add_char(&b, '\n');
                break;
            case 't':
                jy_buf_add_char(&b, '\t');
                break;
            default:
                *why = "unrecognized escape in quoted value (use \\\", \\\\, \\n or \\t)";
                *why_at = p - 1;
                return NULL;
            }
        }
        if (p >= end) {
            *why = "quoted value is not closed (missing \")";
            return NULL;
        }
        for (p++; p < end && (*p == ' ' || *p == '\t' || *p == '\r'); p++)
            ;
        if (p < end && *p != '#') {
            *why = "unexpected text after the closing quote";
            return NULL;
        }
        return jy_buf_detach(&b, NULL);
    }
    bare.ptr = p;
    bare.len = (size_t) (end - p);
    {
        const char *hash = memchr(bare.ptr, '#', bare.len);
        if (hash)
            bare.len = (size_t) (hash - bare.ptr);
    }
    bare = jy_str_trim(bare);
    if (memchr(bare.ptr, '"', bare.len)) {
        *why = "a value containing '\"' must be quoted";
        return NULL;
    }
    return jy_str_dup(pool, bare);
}


struct pending {
    const struct conf_key *key;
    const char *value;
    int line;
};


int
jy_conf_parse(struct jy_conf *conf, const char *name, const char *text, size_t len,
              struct jy_err *err)
{
    struct pending *pend;
    size_t npend = 0, cap = 16, bad, i;
    const char *p = text, *end = text + len;
    int line = 0;
    char origin[600];

    if (len == 0)
        return JY_OK; /* an empty file sets nothing; text may be NULL then */
    if (memchr(text, '\0', len)) {
        jy_err_set(err, JY_E_INVALID, "%s: contains a NUL byte; is it a text file?", name);
        return JY_ERROR;
    }
    if (!jy_utf8_valid(text, len, &bad)) {
        int l = 1;
        for (i = 0; i < bad; i++)
            l += text[i] == '\n';
        jy_err_set(err, JY_E_INVALID, "%s:%d: not valid UTF-8", name, l);
        jy_err_hint(err, "Save the file as UTF-8.");
        return JY_ERROR;
    }
    /*
     * A byte order mark, written by some Windows editors, can only be at
     * the very start of the file; stripping it first keeps "# comment" and
     * indented keys on the first line working.
     */
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    pend = jy_pool_new_array(conf->pool, struct pending, cap);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t) (end - p));
        const char *k, *why = NULL, *why_at = NULL, *value;
        struct jy_str key;

        if (eol == NULL)
            eol = end;
        line++;
        while (p < eol && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        if (p == eol || *p == '#') {
            p = eol + (eol < end);
            continue;
        }
        k = p;
        while (p < eol && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            p++;
        key.ptr = k;
        key.len = (size_t) (p - k);
        snprintf(origin, sizeof(origin), "%s:%d", name, line);
        if (key.len == 0) {
            jy_err_set(
                err, JY_E_INVALID,
                "%s: expected a setting name (lower-case letters, digits, _), found \"%.*s\"",
                origin, (int) jy_utf8_prefix_bytes(p, (size_t) (eol - p), 1), p);
            return JY_ERROR;
        }
        while (p < eol && (*p == ' ' || *p == '\t'))
            p++;
        if (p == eol || *p != '=') {
            jy_err_set(err, JY_E_INVALID, "%s: expected \"=\" after \"%.*s\"", origin,
                       (int) key.len, key.ptr);
            return JY_ERROR;
        }
        value = conf_parse_value(conf->pool, p + 1, eol, &why, &why_at);
        if (value == NULL) {
            if (why_at)
                jy_err_set(err, JY_E_INVALID, "%s: %s, found \"%.*s\"", origin, why,
                           (int) jy_utf8_prefix_bytes(why_at, (size_t) (eol - why_at), 2), why_at);
            else
                jy_err_set(err, JY_E_INVALID, "%s: %s", origin, why);
            return JY_ERROR;
        }
        {
            const struct conf_key *ck = conf_key_find(key.ptr, key.len);
            if (ck == NULL) {
                jy_err_set(err, JY_E_INVALID, "%s: unrecognized setting \"%.*s\"", origin,
                           (int) key.len, key.ptr);
                jy_err_hint(err, "Run \"jiyue config\" to list the settings.");
                return JY_ERROR;
            }
            if (conf_check_value(ck, value, origin, err) != JY_OK)
                return JY_ERROR;
            if (npend == cap) {
                pend =
                    jy_pool_realloc(conf->pool, pend, cap * sizeof(*pend), 2 * cap * sizeof(*pend));
                cap *= 2;
            }
            pend[npend].key = ck;
            pend[npend].value = value;
            pend[npend].line = line;
            npend++;
        }
        p = eol + (eol < end);
    }
    /* all lines are valid: apply them (a later line wins over an earlier one) */
    for (i = 0; i < npend; i++) {
        size_t ki = (size_t) (pend[i].key - conf_keys);
        if (conf->entries[ki].source > JY_CONF_FILE)
            continue; /* set by the environment or a flag, which win */
        conf->entries[ki].value = pend[i].value;
        conf->entries[ki].source = JY_CONF_FILE;
        conf->entries[ki].origin = jy_pool_printf(conf->pool, "%s:%d", name, pend[i].line);
    }
    return JY_OK;
}


int
jy_conf_load_file(struct jy_conf *conf, const char *path, struct jy_err *err)
{
    FILE *f = fopen(path, "rb");
    struct jy_buf text = JY_BUF_INIT(conf->pool);
    char chunk[8192];
    size_t n;

    if (f == NULL) {
        jy_err_errno(err, errno, "could not open configuration file \"%s\"", path);
        return JY_ERROR;
    }
    /* read what is there, not CONF_FILE_MAX bytes up front: the pool lives as long as the conf */
    text.max = CONF_FILE_MAX;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && jy_buf_finish(&text) == JY_OK)
        jy_buf_add(&text, chunk, n);
    if (ferror(f)) {
        jy_err_errno(err, errno, "could not read configuration file \"%s\"", path);
        fclose(f);
        return JY_ERROR;
    }
    fclose(f);
    if (jy_buf_finish(&text) != JY_OK) {
        jy_err_set(err, JY_E_TOO_LARGE, "configuration file \"%s\" is larger than %d bytes", path,
                   CONF_FILE_MAX);
        return JY_ERROR;
    }
    if (jy_conf_parse(conf, path, text.buf, text.len, err) != JY_OK)
        return JY_ERROR;
    conf->file = jy_pool_strdup(conf->pool, path);
    return JY_OK;
}


int
jy_conf_load_env(struct jy_conf *conf, char **envp, struct jy_err *err)
{
    size_t i;

    for (i = 0; i < conf->n; i++) {
        char name[64], *v;
        size_t j;
        snprintf(name, sizeof(name), "JIYUE_%s", conf->entries[i].key);
        for (j = 6; name[j]; j++)
            if (name[j] >= 'a' && name[j] <= 'z')
                name[j] = (char) (name[j] - 'a' + 'A');
        v = NULL;
        /* the first match wins, as with getenv() */
        for (j = 0; v == NULL && envp && envp[j]; j++) {
            size_t nl = strlen(name);
            if (strncmp(envp[j], name, nl) == 0 && envp[j][nl] == '=')
                v = envp[j] + nl + 1;
        }
        if (v && jy_conf_set(conf, conf->entries[i].key, v, JY_CONF_ENV, name, err) != JY_OK)
            return JY_ERROR;
    }
    return JY_OK;
}


const struct jy_conf_entry *
jy_conf_entry(const struct jy_conf *conf, const char *key)
{
    const struct conf_key *k = conf_key_find(key, strlen(key));

    if (k == NULL)
        JY_BUG("unrecognized configuration key \"%s\"", key);
    return &conf->entries[k - conf_keys];
}


const char *
jy_conf_get(const struct jy_conf *conf, const char *key)
{
    return jy_conf_entry(conf, key)->value;
}


long long
jy_conf_get_int(const struct jy_conf *conf, const char *key)
{
    long long v = 0;

    if (!jy_str_to_ll(jy_str_from(jy_conf_get(conf, key)), LLONG_MIN, LLONG_MAX, &v))
        JY_BUG("configuration key \"%s\" is not an integer", key);
    return v;
}
