/*
 * import.c - bulk import of the corpus format; see import.h.
 *
 * Two phases in one transaction:
 *  1. read: each file is streamed line by line through a bounded buffer,
 *     every line parsed and checked field by field, and the good records
 *     sent with COPY into temporary staging tables (imp_site, imp_column,
 *     imp_article). Checks that span records (unique ids, parents, the
 *     columns an article names) use small in-memory indexes of the sites
 *     and columns; articles are never kept.
 *  2. apply: set-based SQL maps the staged records to platform rows through
 *     import_key, inserts what is new (parents first, ids drawn from the
 *     tables' sequences so the map is known before the insert), updates
 *     what changed (an unchanged row is not written at all), and brings the
 *     tags and placements of the imported items in line with the records.
 * The per-row audit triggers are off (jy.bulk, schema/0021_bulk_audit.sql);
 * one audit row sums the import up.
 */
#include "core/compat.h"
#include "core/import.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/sanitize.h"
#include "core/tagexpr.h"
#include "core/utf8.h"

/*
 * What a migrated 已修改/已废止 document says about its basis: the corpus
 * knows the validity but not the document that changed it (0033).
 */
#define IMPORT_VALIDITY_BASIS "原系统迁移，废止/修改依据未录入"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK     (1024 * 1024)          /* first size of the line buffer */
#define READ_MAX       (JY_JSON_MAX_SIZE + 1) /* longest line, its newline included */
#define COPY_FLUSH     (1024 * 1024)          /* send COPY data in pieces of this size */
#define MAX_ID         9007199254740991LL     /* 2^53 - 1: exact in every JSON reader */
#define MAX_DEPTH      32                     /* of the site tree and of a column tree */
#define MAX_TAGS       32
#define MAX_COLUMNS    64 /* column_ids of one article */
#define MAX_ATTACH     100
#define DEFAULT_SOURCE "corpus"

enum { LEVEL_PROVINCE, LEVEL_CITY, LEVEL_COUNTY, LEVEL_DEPARTMENT };
enum { TYPE_LIST, TYPE_PAGE, TYPE_LINK, TYPE_TOPIC };

static const char *const levels[] = {"province", "city", "county", "department", NULL};
static const char *const types[] = {"list", "page", "link", "topic", NULL};
static const char *const validities[] = {"有效", "已修改", "已废止", "已失效", NULL};

static const char *const site_keys[] = {"id",        "parent_id",  "level", "name", "domain",
                                        "site_code", "admin_code", "icp",   NULL};
static const char *const column_keys[] = {
    "id",  "site_id", "parent_id",        "name",        "code", "type", "sort", "shared_from",
    "url", "body",    "reuse_tag_filter", "reuse_kinds", NULL};
static const char *const article_keys[] = {
    "id",     "site_id",  "column_ids", "title",  "summary",  "author",
    "source", "pub_date", "tags",       "doc_no", "validity", "attachments",
    "body",   "kind",     "index_no",   "fields", NULL};
/*
 * Jiyue's extensions of the corpus format (docs/library.md): optional keys,
 * written by the exporter only where they apply, so that an export of an
 * imported corpus is the corpus. articles: kind (when not what doc_no
 * implies), index_no, fields (the other declared fields); columns: type
 * "topic", reuse_tag_filter, reuse_kinds.
 */
static const char *const kinds[] = {"article", "policy", "interpretation", "image", "file",
                                    "video",   "qa",     "link",           NULL};
static const char *const field_keys[] = {
    "subtitle",     "publisher",   "subject",     "keywords",       "link_url",    "written_on",
    "effective_on", "issuer",      "issued_on",   "validity_on",    "interprets",  "alt",
    "duration",     "answered_by", "answered_on", "validity_basis", "validity_by", NULL};
static const char *const attachment_keys[] = {"name", "url", "size", "format", NULL};

static const char *const table_names[JY_IMPORT_NTABLES] = {
    "site", "site_domain", "site_column", "tag", "item", "item_tag", "placement", "import_key"};


/* ---- a set of byte strings with a value each (FNV-1a, open addressing) ----------------------- */

struct hent {
    const char *key; /* in the pool; NULL: empty slot */
    size_t len;
    uint64_t hash;
    long long val;
};

struct hset {
    struct hent *v;
    size_t cap; /* a power of two */
    size_t n;
    struct jy_pool *pool;
};

static void
hset_free(void *data)
{
    struct hset *h = data;
    free(h->v);
    h->v = NULL;
}


static void
hset_init(struct hset *h, struct jy_pool *pool)
{
    h->cap = 1024;
    h->n = 0;
    h->pool = pool;
    h->v = jy_xmalloc(h->cap * sizeof(*h->v));
    memset(h->v, 0, h->cap * sizeof(*h->v));
    jy_pool_cleanup_add(pool, hset_free, h);
}


static uint64_t
hash_bytes(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t x = 14695981039346656037ULL;
    size_t i;

    for (i = 0; i < len; i++) {
        x ^= p[i];
        x *= 1099511628211ULL;
    }
    return x;
}


static struct hent *
hset_slot(struct hent *v, size_t cap, const void *key, size_t len, uint64_t hash)
{
    size_t i = (size_t) hash & (cap - 1);

    while (v[i].key && !(v[i].hash == hash && v[i].len == len && memcmp(v[i].key, key, len) == 0))
        i = (i + 1) & (cap - 1);
    return &v[i];
}


/* The value stored under key, 0 when none. */
static long long
hset_get(const struct hset *h, const void *key, size_t len)
{
    return hset_slot(h->v, h->cap, key, len, hash_bytes(key, len))->val;
}


/* Store val (> 0) under key unless present; returns the value already there, or 0. */
static long long
hset_put(struct hset *h, const void *key, size_t len, long long val)
{
    uint64_t hash = hash_bytes(key, len);
    struct hent *e = hset_slot(h->v, h->cap, key, len, hash);

    if (e->key)
        return e->val;
    if ((h->n + 1) * 2 > h->cap) {
        size_t cap = h->cap * 2, i;
        struct hent *v = jy_xmalloc(cap * sizeof(*v));
        memset(v, 0, cap * sizeof(*v));
        for (i = 0; i < h->cap; i++)
            if (h->v[i].key)
                *hset_slot(v, cap, h->v[i].key, h->v[i].len, h->v[i].hash) = h->v[i];
        free(h->v);
        h->v = v;
        h->cap = cap;
        e = hset_slot(h->v, h->cap, key, len, hash);
    }
    e->key = jy_pool_strndup(h->pool, key, len);
    e->len = len;
    e->hash = hash;
    e->val = val;
    h->n++;
    return 0;
}


/* ---- reading lines --------------------------------------------------------------------------- */

struct reader {
    const char *name; /* "articles.jsonl", for messages */
    const char *path;
    int fd;
    char *buf;
    size_t cap;
    size_t start; /* first byte not returned yet */
    size_t scan;  /* bytes from start known to hold no newline */
    size_t end;
    bool eof;
    long long line;  /* number of the line last returned */
    long long bytes; /* returned so far, newlines included */
    long long size;  /* of the file */
};

static void
reader_close(void *data)
{
    struct reader *r = data;

    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    free(r->buf);
    r->buf = NULL;
}


static int
reader_open(struct reader *r, struct jy_pool *pool, const char *dir, const char *name,
            struct jy_err *err)
{
    struct stat st;

    memset(r, 0, sizeof(*r));
    r->name = name;
    r->path = jy_pool_printf(pool, "%s/%s", dir, name);
    r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        jy_err_errno(err, errno, "cannot open \"%s\"", r->path);
        if (errno == ENOENT)
            jy_err_hint(err, "A corpus folder holds sites.jsonl, columns.jsonl, articles.jsonl "
                             "and manifest.json (../shared/bench/README.md).");
        return JY_ERROR;
    }
    jy_pool_cleanup_add(pool, reader_close, r);
    if (fstat(r->fd, &st) != 0) {
        jy_err_errno(err, errno, "cannot read \"%s\"", r->path);
        return JY_ERROR;
    }
    if (!S_ISREG(st.st_mode)) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" is not a file", r->path);
        return JY_ERROR;
    }
    r->size = (long long) st.st_size;
    r->cap = READ_CHUNK;
    r->buf = jy_xmalloc(r->cap);
    return JY_OK;
}


/* The next line, without its newline: JY_OK, JY_DONE at the end, or JY_ERROR. */
static int
reader_next(struct reader *r, const char **s, size_t *len, struct jy_err *err)
{
    for (;;) {
        char *nl = memchr(r->buf + r->start + r->scan, '\n', r->end - r->start - r->scan);
        ssize_t n;

        if (nl || (r->eof && r->end > r->start)) {
            size_t l = nl ? (size_t) (nl - (r->buf + r->start)) : r->end - r->start;
            *s = r->buf + r->start;
            *len = l;
            r->start += l + (nl ? 1 : 0);
            r->bytes += (long long) (l + (nl ? 1 : 0));
            r->scan = 0;
            r->line++;
            return JY_OK;
        }
        if (r->eof)
            return JY_DONE;
        r->scan = r->end - r->start;
        if (r->start > 0) {
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->start = 0;
        }
        if (r->end == r->cap) {
            if (r->cap >= READ_MAX) {
                jy_err_set(err, JY_E_TOO_LARGE, "%s:%lld: line longer than %d bytes", r->name,
                           r->line + 1, JY_JSON_MAX_SIZE);
                return JY_ERROR;
            }
            r->cap = r->cap * 2 > READ_MAX ? READ_MAX : r->cap * 2;
            r->buf = jy_xrealloc(r->buf, r->cap);
        }
        do
            n = read(r->fd, r->buf + r->end, r->cap - r->end);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            jy_err_errno(err, errno, "cannot read \"%s\"", r->path);
            return JY_ERROR;
        }
        if (n == 0)
            r->eof = true;
        r->end += (size_t) n;
    }
}


/* ---- the state of one import ----------------------------------------------------------------- */

struct isite {
    long long id, parent, line;
    bool bad;
};

struct icol {
    long long id, site, parent, shared, line;
    int type;
    bool bad;
};

struct imp {
    struct jy_db *db;
    struct jy_pool *pool;      /* the caller's: lives as long as the result */
    struct jy_pool *line_pool; /* reset for every line */
    const struct jy_import_opts *o;
    struct jy_import_result *res;
    const char *source;
    struct jy_buf copy; /* COPY rows not sent yet */
    bool in_copy;
    bool clashed; /* the error is a clash with the platform's data (no prefix) */
    struct reader files[3];
    struct jy_import_progress prog;
    double last_progress;

    struct isite *sites; /* sites.jsonl in file order */
    size_t nsites, asites;
    struct hset site_ids; /* id -> index + 1 */
    struct icol *cols;
    size_t ncols, acols;
    struct hset col_ids;     /* id -> index + 1 */
    struct hset uniq;        /* codes, domains, names ... -> line */
    struct hset article_ids; /* id -> line */
    long long manifest[3];   /* counts.sites, columns, articles; -1 when absent */
    long long lines[3];      /* records read per file, bad ones included */
};

enum { F_SITES, F_COLUMNS, F_ARTICLES };
static const char *const file_names[3] = {"sites.jsonl", "columns.jsonl", "articles.jsonl"};


static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static void
progress(struct imp *im, bool force)
{
    double t;

    if (im->o->progress == NULL)
        return;
    t = now_s();
    if (!force && t - im->last_progress < 0.1)
        return;
    im->last_progress = t;
    im->o->progress(&im->prog, im->o->progress_arg);
}


static void
step(struct imp *im, const char *what)
{
    im->prog.phase = "apply";
    im->prog.step = what;
    jy_log_debug("import", "apply: %s", what);
    progress(im, true);
}


/* Remember a bad line; in the default mode it is the error of the import. */
static int
bad_line(struct imp *im, const char *file, long long line, struct jy_err *err)
{
    struct jy_import_result *res = im->res;

    jy_err_prefix(err, "%s:%lld", file, line);
    if (!im->o->skip_bad)
        return JY_ERROR;
    if (res->nbad_list < JY_IMPORT_BAD_LIST) {
        const char *m = strchr(err->msg, ' ');
        res->bad_list[res->nbad_list].where = jy_pool_printf(im->pool, "%s:%lld", file, line);
        res->bad_list[res->nbad_list].msg = jy_pool_strdup(im->pool, m ? m + 1 : err->msg);
        res->nbad_list++;
    }
    res->bad++;
    jy_log_debug("import", "skipped %s", err->msg);
    jy_err_clear(err);
    return JY_OK;
}


/* ---- COPY ------------------------------------------------------------------------------------ */

static int
copy_flush(struct imp *im, bool force, struct jy_err *err)
{
    if (im->copy.len == 0 || (!force && im->copy.len < COPY_FLUSH))
        return JY_OK;
    if (jy_db_copy_send(im->db, im->copy.buf, im->copy.len, err) != JY_OK)
        return JY_ERROR;
    jy_buf_reset(&im->copy);
    return JY_OK;
}


static int
copy_begin(struct imp *im, const char *sql, struct jy_err *err)
{
    if (jy_db_copy_begin(im->db, sql, err) != JY_OK)
        return JY_ERROR;
    im->in_copy = true;
    return JY_OK;
}


static int
copy_end(struct imp *im, struct jy_err *err)
{
    im->in_copy = false;
    if (copy_flush(im, true, err) != JY_OK) {
        struct jy_err ignored = JY_ERR_INIT;
        jy_db_copy_end(im->db, &ignored);
        return JY_ERROR;
    }
    return jy_db_copy_end(im->db, err);
}


/* Text for COPY's text format: backslash, tab, newline and return escaped. */
static void
copy_text(struct jy_buf *b, const char *s, size_t len)
{
    size_t i, start = 0;

    for (i = 0; i < len; i++) {
        const char *esc;
        switch (s[i]) {
        case '\\':
            esc = "\\\\";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            continue;
        }
        jy_buf_add(b, s + start, i - start);
        jy_buf_add(b, esc, 2);
        start = i + 1;
    }
    jy_buf_add(b, s + start, len - start);
}


/* One field: a string (NULL: SQL NULL), then a tab or, last, a newline. */
static void
copy_str(struct jy_buf *b, const char *s, bool last)
{
    if (s == NULL)
        jy_buf_add(b, "\\N", 2);
    else
        copy_text(b, s, strlen(s));
    jy_buf_add_char(b, last ? '\n' : '\t');
}


static void
copy_int(struct jy_buf *b, long long v, bool null, bool last)
{
    if (null)
        jy_buf_add(b, "\\N", 2);
    else
        jy_buf_addf(b, "%lld", v);
    jy_buf_add_char(b, last ? '\n' : '\t');
}


/* ---- checks of single values ----------------------------------------------------------------- */

static bool
all_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}


/* 政府网站标识码: 10 digits, or bm + 8 digits (site_code_shape). */
static bool
site_code_ok(const char *s)
{
    size_t n = strlen(s);
    return n == 10 && (all_digits(s, 10) || (s[0] == 'b' && s[1] == 'm' && all_digits(s + 2, 8)));
}


/* Division code of the level (site_admin_code_shape, site_admin_code_level). */
static bool
admin_code_ok(const char *s, int level)
{
    if (strlen(s) != 6 || !all_digits(s, 6) || s[0] == '0')
        return false;
    switch (level) {
    case LEVEL_PROVINCE:
        return strcmp(s + 2, "0000") == 0;
    case LEVEL_CITY:
        return strcmp(s + 4, "00") == 0 && strncmp(s + 2, "00", 2) != 0;
    case LEVEL_COUNTY:
        return strcmp(s + 4, "00") != 0;
    default:
        return true;
    }
}


/* Lower-case host name of two labels or more (site_domain_shape). */
static bool
domain_ok(const char *s)
{
    size_t n = strlen(s), i = 0, labels = 0, tld = 0;

    if (n == 0 || n > 253)
        return false;
    while (i < n) {
        size_t j = i;
        bool letters = true;
        while (j < n && s[j] != '.') {
            char c = s[j];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                return false;
            if (!(c >= 'a' && c <= 'z'))
                letters = false;
            j++;
        }
        if (j == i || j - i > 63 || s[i] == '-' || s[j - 1] == '-')
            return false;
        labels++;
        tld = letters && j - i >= 2 ? j - i : 0;
        if (j < n && j + 1 == n)
            return false; /* trailing dot */
        i = j + 1;
    }
    return labels >= 2 && tld > 0;
}


/* ICP备案号: one CJK character, "ICP备", 6-10 digits, "号", optionally -N (site_icp_shape). */
static bool
icp_ok(const char *s)
{
    size_t n = strlen(s), k;
    uint32_t cp;
    size_t l = jy_utf8_decode(s, n, &cp);

    if (l == 0 || cp < 0x4E00 || cp > 0x9FA5)
        return false;
    s += l;
    if (strncmp(s, "ICP备", strlen("ICP备")) != 0)
        return false;
    s += strlen("ICP备");
    for (k = 0; s[k] >= '0' && s[k] <= '9'; k++)
        ;
    if (k < 6 || k > 10)
        return false;
    s += k;
    if (strncmp(s, "号", strlen("号")) != 0)
        return false;
    s += strlen("号");
    if (*s == '\0')
        return true;
    if (*s++ != '-')
        return false;
    for (k = 0; s[k] >= '0' && s[k] <= '9'; k++)
        ;
    return k >= 1 && k <= 3 && s[k] == '\0';
}


/* Column path segment (site_column_code_shape). */
static bool
column_code_ok(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > 64)
        return false;
    for (i = 0; i < n; i++) {
        char c = s[i];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-'));
        if (!ok)
            return false;
    }
    return true;
}


static bool
is_space_cp(uint32_t cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}


/* http(s):// or /path, without white space (site_column_url_shape, item_link_url_shape). */
static bool
url_ok(const char *s)
{
    size_t n = strlen(s), i;

    if (!(strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0 || s[0] == '/'))
        return false;
    for (i = 0; i < n;) {
        uint32_t cp;
        size_t l = jy_utf8_decode(s + i, n - i, &cp);
        if (l == 0 || is_space_cp(cp))
            return false;
        i += l;
    }
    return true;
}


/* A tag name: 1-32 characters, no white space, quotes or parentheses, not AND/OR/NOT
 * (tag_name_shape). */
static bool
tag_ok(const char *s)
{
    size_t n = strlen(s), i, chars = 0;

    if (strcmp(s, "AND") == 0 || strcmp(s, "OR") == 0 || strcmp(s, "NOT") == 0)
        return false;
    for (i = 0; i < n;) {
        uint32_t cp;
        size_t l = jy_utf8_decode(s + i, n - i, &cp);
        if (l == 0 || is_space_cp(cp) || cp == '(' || cp == ')' || cp == '"' || cp == '\'')
            return false;
        i += l;
        chars++;
    }
    return chars >= 1 && chars <= 32;
}


/* Nothing but white space (what jy_item_value_empty() calls blank). */
static bool
blank(const char *s)
{
    size_t n = strlen(s), i;

    for (i = 0; i < n;) {
        uint32_t cp;
        size_t l = jy_utf8_decode(s + i, n - i, &cp);
        if (l == 0 || !is_space_cp(cp))
            return false;
        i += l;
    }
    return true;
}


static int
two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}


/* ISO 8601 with a UTC offset: 2023-05-16T19:01:00+08:00, fractions of a second allowed, Z too. */
static bool
pub_date_ok(const char *s)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t n = strlen(s), i;
    int year, month, day;

    if (n < 20 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) || s[7] != '-' ||
        !all_digits(s + 8, 2) || s[10] != 'T' || !all_digits(s + 11, 2) || s[13] != ':' ||
        !all_digits(s + 14, 2) || s[16] != ':' || !all_digits(s + 17, 2))
        return false;
    year = atoi(s);
    month = two(s + 5);
    day = two(s + 8);
    if (year < 1000 || month < 1 || month > 12 || day < 1 || day > mdays[month - 1] ||
        (month == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))))
        return false;
    if (two(s + 11) > 23 || two(s + 14) > 59 || two(s + 17) > 59)
        return false;
    i = 19;
    if (s[i] == '.') {
        size_t k = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == k || i - k > 9)
            return false;
    }
    if (s[i] == 'Z')
        return i + 1 == n;
    return (s[i] == '+' || s[i] == '-') && n - i == 6 && all_digits(s + i + 1, 2) &&
           s[i + 3] == ':' && all_digits(s + i + 4, 2) && two(s + i + 1) <= 14 &&
           two(s + i + 4) <= 59;
}


/* A name of 1 to 100 characters with no space at either end (site_name_shape ...). */
static int
get_name(const struct jy_json_node *n, const char *key, size_t max, const char **out,
         struct jy_err *err)
{
    size_t len;

    if (jy_json_get_str_chars(n, key, true, 1, max, out, err) != JY_OK)
        return JY_ERROR;
    len = strlen(*out);
    if ((*out)[0] == ' ' || (*out)[len - 1] == ' ' || blank(*out))
        return jy_json_error(err, n, key, "must not be blank nor start or end with a space");
    return JY_OK;
}


static int
get_id(const struct jy_json_node *n, const char *key, bool required, long long *out,
       struct jy_err *err)
{
    return jy_json_get_int(n, key, required, 1, MAX_ID, out, err);
}


/* ---- sites.jsonl ----------------------------------------------------------------------------- */

static struct isite *
site_by_id(struct imp *im, long long id)
{
    long long i = hset_get(&im->site_ids, &id, sizeof(id));
    return i ? &im->sites[i - 1] : NULL;
}


static struct icol *
col_by_id(struct imp *im, long long id)
{
    long long i = hset_get(&im->col_ids, &id, sizeof(id));
    return i ? &im->cols[i - 1] : NULL;
}


/*
 * A new entry for the site (column) of this id, read at line; found by id
 * from now on. Entries of lines left out are added too, marked bad, so
 * that what refers to them is reported as such rather than as unknown.
 */
static struct isite *
site_add(struct imp *im, long long id, long long line, bool bad)
{
    struct isite *s;

    if (im->nsites == im->asites) {
        im->asites = im->asites ? im->asites * 2 : 256;
        im->sites = jy_xrealloc(im->sites, im->asites * sizeof(*im->sites));
    }
    s = &im->sites[im->nsites++];
    memset(s, 0, sizeof(*s));
    s->id = id;
    s->line = line;
    s->bad = bad;
    hset_put(&im->site_ids, &id, sizeof(id), (long long) im->nsites);
    return s;
}


static struct icol *
col_add(struct imp *im, long long id, long long line, bool bad)
{
    struct icol *c;

    if (im->ncols == im->acols) {
        im->acols = im->acols ? im->acols * 2 : 1024;
        im->cols = jy_xrealloc(im->cols, im->acols * sizeof(*im->cols));
    }
    c = &im->cols[im->ncols++];
    memset(c, 0, sizeof(*c));
    c->id = id;
    c->line = line;
    c->bad = bad;
    hset_put(&im->col_ids, &id, sizeof(id), (long long) im->ncols);
    return c;
}


/* Is key (a short tag + value) new? Else the error names the line that had it. */
static int
unique(struct imp *im, const struct jy_json_node *n, const char *field, const char *what,
       const char *value, size_t vlen, long long line, struct jy_err *err)
{
    struct jy_buf k = JY_BUF_INIT(im->line_pool);
    long long prev;

    jy_buf_add_str(&k, what);
    jy_buf_add_char(&k, '\0');
    jy_buf_add(&k, value, vlen);
    prev = hset_put(&im->uniq, k.buf, k.len, line);
    if (prev)
        return jy_json_error(err, n, field, "repeats the %s of line %lld", what, prev);
    return JY_OK;
}


static int
read_site(struct imp *im, const struct jy_json_node *n, long long line, struct jy_err *err)
{
    long long id, parent = 0;
    int level;
    const char *name, *domain = NULL, *code, *admin = NULL, *icp = NULL;
    struct isite *s;
    struct jy_buf *b = &im->copy;
    struct jy_buf key = JY_BUF_INIT(im->line_pool);

    if (jy_json_check_keys(n, site_keys, err) != JY_OK ||
        get_id(n, "id", true, &id, err) != JY_OK ||
        get_id(n, "parent_id", false, &parent, err) != JY_OK ||
        jy_json_get_enum(n, "level", true, levels, &level, err) != JY_OK ||
        get_name(n, "name", 100, &name, err) != JY_OK ||
        jy_json_get_str(n, "domain", false, &domain, err) != JY_OK ||
        jy_json_get_str(n, "site_code", true, &code, err) != JY_OK ||
        jy_json_get_str(n, "admin_code", false, &admin, err) != JY_OK ||
        jy_json_get_str(n, "icp", false, &icp, err) != JY_OK)
        return JY_ERROR;
    if (domain && !domain_ok(domain))
        return jy_json_error(err, n, "domain",
                             "must be a lower-case host name such as "
                             "www.example.gov.cn, not \"%s\"",
                             domain);
    if (!site_code_ok(code))
        return jy_json_error(err, n, "site_code",
                             "must be 10 digits or bm and 8 digits, not \"%s\"", code);
    if (admin && !admin_code_ok(admin, level))
        return jy_json_error(err, n, "admin_code", "\"%s\" is no division code of a %s", admin,
                             levels[level]);
    if (admin && all_digits(code, 10) && strncmp(code, admin, 6) != 0)
        return jy_json_error(err, n, "site_code", "\"%s\" must start with the division code %s",
                             code, admin);
    if (icp && !icp_ok(icp))
        return jy_json_error(err, n, "icp", "must look like 云ICP备12345678号, not \"%s\"", icp);
    if (parent == id)
        return jy_json_error(err, n, "parent_id", "is the site itself");
    if (site_by_id(im, id))
        return jy_json_error(err, n, "id", "%lld repeats line %lld", id, site_by_id(im, id)->line);
    if (unique(im, n, "site_code", "site_code", code, strlen(code), line, err) != JY_OK ||
        (domain && unique(im, n, "domain", "domain", domain, strlen(domain), line, err) != JY_OK))
        return JY_ERROR;
    jy_buf_addf(&key, "%lld/%s", parent, name);
    if (unique(im, n, "name", "name under the same parent", key.buf, key.len, line, err) != JY_OK)
        return JY_ERROR;

    s = site_add(im, id, line, false);
    s->parent = parent;

    copy_int(b, id, false, false);
    copy_int(b, line, false, false);
    copy_int(b, parent, parent == 0, false);
    copy_str(b, levels[level], false);
    copy_str(b, name, false);
    copy_str(b, domain, false);
    copy_str(b, code, false);
    copy_str(b, admin, false);
    copy_str(b, icp, true);
    return JY_OK;
}


/* ---- columns.jsonl --------------------------------------------------------------------------- */

/*
 * Sanitise a body (sanitize.h) as every write does: *body becomes the clean
 * HTML (in the line pool); what was removed is counted and the first
 * bodies are listed. A body already in sanitised form is left as it is.
 */
static int
clean_body(struct imp *im, const struct jy_json_node *n, int f, long long line, const char **body,
           struct jy_err *err)
{
    struct jy_buf out = JY_BUF_INIT(im->line_pool);
    struct jy_sanitize_report rep;
    struct jy_err local = JY_ERR_INIT;
    size_t len = strlen(*body);
    int i;
    long long count = 0;

    if (len == 0 || jy_sanitize_is_plain(*body, len))
        return JY_OK;
    if (jy_sanitize_html(im->line_pool, *body, len, &out, &rep, &local) != JY_OK)
        return jy_json_error(err, n, "body", "cannot be published: %s", local.msg);
    if (out.len == len && memcmp(out.buf, *body, len) == 0 && rep.n == 0)
        return JY_OK;
    for (i = 0; i < rep.n; i++)
        count += rep.findings[i].count;
    im->res->bodies_sanitized++;
    im->res->removals += count;
    if (im->res->nsanitized_list < JY_IMPORT_BAD_LIST) {
        struct jy_import_bad *b = &im->res->sanitized_list[im->res->nsanitized_list++];
        b->where = jy_pool_printf(im->pool, "%s:%lld", file_names[f], line);
        if (rep.n == 0)
            b->msg = jy_pool_strdup(im->pool, "markup rewritten in the sanitiser's form");
        else if (rep.n == 1 && !rep.more)
            b->msg = jy_pool_strdup(im->pool, rep.findings[0].message);
        else
            b->msg = jy_pool_printf(im->pool, "%s (and %d more kinds of removals)",
                                    rep.findings[0].message, rep.n - 1 + rep.more);
    }
    *body = out.buf;
    return JY_OK;
}


/* reuse_kinds: an array of item kinds, as a text[] literal in out ("" when absent or empty). */
static int
read_kinds(struct imp *im, const struct jy_json_node *n, struct jy_buf *out, struct jy_err *err)
{
    struct jy_json_node arr, el;
    size_t cnt;

    (void) im;
    if (jy_json_get_array(n, "reuse_kinds", false, &arr, &cnt, err) != JY_OK)
        return JY_ERROR;
    if (arr.item == NULL || cnt == 0)
        return JY_OK;
    jy_buf_add_char(out, '{');
    for (jy_json_first(&arr, &el); el.item; jy_json_next(&el)) {
        int k;
        if (jy_json_get_enum(&el, NULL, true, kinds, &k, err) != JY_OK)
            return JY_ERROR;
        jy_buf_addf(out, "%s%s", el.index ? "," : "", kinds[k]);
    }
    jy_buf_add_char(out, '}');
    return JY_OK;
}


static int
read_column(struct imp *im, const struct jy_json_node *n, long long line, struct jy_err *err)
{
    long long id, site, parent = 0, shared = 0, sort;
    int type;
    const char *name, *code, *url = NULL, *body = NULL, *filter = NULL;
    struct jy_buf rkinds = JY_BUF_INIT(im->line_pool);
    struct isite *s;
    struct icol *c;
    struct jy_buf *b = &im->copy;
    char key[120];

    if (jy_json_check_keys(n, column_keys, err) != JY_OK ||
        get_id(n, "id", true, &id, err) != JY_OK ||
        get_id(n, "site_id", true, &site, err) != JY_OK ||
        get_id(n, "parent_id", false, &parent, err) != JY_OK ||
        get_name(n, "name", 100, &name, err) != JY_OK ||
        jy_json_get_str(n, "code", true, &code, err) != JY_OK ||
        jy_json_get_enum(n, "type", true, types, &type, err) != JY_OK ||
        jy_json_get_int(n, "sort", true, -2147483647LL, 2147483647LL, &sort, err) != JY_OK ||
        get_id(n, "shared_from", false, &shared, err) != JY_OK ||
        jy_json_get_str(n, "url", false, &url, err) != JY_OK ||
        jy_json_get_str(n, "body", false, &body, err) != JY_OK ||
        jy_json_get_str_chars(n, "reuse_tag_filter", false, 1, 500, &filter, err) != JY_OK ||
        read_kinds(im, n, &rkinds, err) != JY_OK)
        return JY_ERROR;
    if ((filter || rkinds.len) && !shared)
        return jy_json_error(err, n, filter ? "reuse_tag_filter" : "reuse_kinds",
                             "must be null for a column that reuses none (shared_from)");
    if (filter) {
        struct jy_err local = JY_ERR_INIT;
        if (jy_tagexpr_parse(im->line_pool, filter, strlen(filter), &local) == NULL)
            return jy_json_error(err, n, "reuse_tag_filter", "%s", local.msg);
    }
    if (!column_code_ok(code))
        return jy_json_error(err, n, "code",
                             "must be lower-case letters, digits, \"_\" or \"-\" "
                             "(at most 64), not \"%s\"",
                             code);
    if (type == TYPE_LINK && url == NULL)
        return jy_json_error(err, n, "url", "is required for a link column");
    if (type != TYPE_LINK && url)
        return jy_json_error(err, n, "url", "must be null for a %s column", types[type]);
    if (url && !url_ok(url))
        return jy_json_error(err, n, "url",
                             "must start with http://, https:// or / and hold no "
                             "space, not \"%s\"",
                             url);
    if (body && type != TYPE_PAGE)
        return jy_json_error(err, n, "body", "must be null for a %s column", types[type]);
    if (body && clean_body(im, n, F_COLUMNS, line, &body, err) != JY_OK)
        return JY_ERROR;
    if (shared && type != TYPE_LIST)
        return jy_json_error(err, n, "shared_from", "only a list column can reuse another");
    if (shared == id)
        return jy_json_error(err, n, "shared_from", "is the column itself");
    if (parent == id)
        return jy_json_error(err, n, "parent_id", "is the column itself");
    if (col_by_id(im, id))
        return jy_json_error(err, n, "id", "%lld repeats line %lld", id, col_by_id(im, id)->line);
    s = site_by_id(im, site);
    if (s == NULL)
        return jy_json_error(err, n, "site_id", "%lld is no site of sites.jsonl", site);
    if (s->bad)
        return jy_json_error(err, n, "site_id", "%lld is a site left out (line %lld)", site,
                             s->line);
    snprintf(key, sizeof(key), "%lld/%lld/%s", site, parent, code);
    if (unique(im, n, "code", "code among its siblings", key, strlen(key), line, err) != JY_OK)
        return JY_ERROR;

    c = col_add(im, id, line, false);
    c->site = site;
    c->parent = parent;
    c->shared = shared;
    c->type = type;

    copy_int(b, id, false, false);
    copy_int(b, line, false, false);
    copy_int(b, site, false, false);
    copy_int(b, parent, parent == 0, false);
    copy_str(b, name, false);
    copy_str(b, code, false);
    copy_str(b, types[type], false);
    copy_int(b, sort, false, false);
    copy_int(b, shared, shared == 0, false);
    copy_str(b, url, false);
    copy_str(b, body, false);
    copy_str(b, filter, false);
    copy_str(b, rkinds.len ? rkinds.buf : NULL, true);
    return JY_OK;
}


static bool
index_no_ok(const char *s)
{
    size_t i, n = strlen(s);

    if (n < 1 || n > 64 || !isalnum((unsigned char) s[0]))
        return false;
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char) s[i]) && !strchr("/._-", s[i]))
            return false;
    return true;
}


/*
 * fields (an extension, docs/library.md): the declared fields the corpus
 * has no key for, an object of field_keys; written to out as JSON text.
 * Types are checked here where they are simple (interprets: article ids),
 * the rest by the item's declarations when it is stored.
 */
static int
read_fields(struct imp *im, const struct jy_json_node *n, struct jy_buf *out, struct jy_err *err)
{
    struct jy_json_node f, el, x;
    size_t cnt;

    (void) im;
    if (jy_json_get_object(n, "fields", false, &f, err) != JY_OK)
        return JY_ERROR;
    if (f.item == NULL)
        return JY_OK;
    if (jy_json_check_keys(&f, field_keys, err) != JY_OK)
        return JY_ERROR;
    if (jy_json_get_array(&f, "interprets", false, &el, &cnt, err) != JY_OK)
        return JY_ERROR;
    for (jy_json_first(&el, &x); x.item; jy_json_next(&x)) {
        long long v;
        if (get_id(&x, NULL, true, &v, err) != JY_OK)
            return JY_ERROR;
    }
    {
        long long v;
        if (get_id(&f, "validity_by", false, &v, err) != JY_OK)
            return JY_ERROR;
    }
    jy_json_print(f.item, out);
    return JY_OK;
}


/* ---- articles.jsonl -------------------------------------------------------------------------- */

static int
read_attachments(struct imp *im, const struct jy_json_node *n, struct jy_buf *json,
                 struct jy_err *err)
{
    struct jy_json_node arr, el;
    size_t count;

    if (jy_json_get_array(n, "attachments", false, &arr, &count, err) != JY_OK)
        return JY_ERROR;
    if (count > MAX_ATTACH)
        return jy_json_error(err, n, "attachments", "must hold at most %d entries, not %zu",
                             MAX_ATTACH, count);
    jy_buf_add_char(json, '[');
    for (jy_json_first(&arr, &el); el.item; jy_json_next(&el)) {
        const char *name, *url, *format;
        long long size;
        if (jy_json_check_keys(&el, attachment_keys, err) != JY_OK ||
            jy_json_get_str_chars(&el, "name", true, 1, 255, &name, err) != JY_OK ||
            jy_json_get_str(&el, "url", true, &url, err) != JY_OK ||
            jy_json_get_int(&el, "size", true, 0, MAX_ID, &size, err) != JY_OK ||
            jy_json_get_str_chars(&el, "format", true, 1, 16, &format, err) != JY_OK)
            return JY_ERROR;
        if (!url_ok(url))
            return jy_json_error(err, &el, "url",
                                 "must start with http://, https:// or / and "
                                 "hold no space, not \"%s\"",
                                 url);
        if (el.index > 0)
            jy_buf_add_char(json, ',');
        jy_buf_add_str(json, "{\"name\":");
        jy_buf_add_json_str(json, name, strlen(name));
        jy_buf_add_str(json, ",\"url\":");
        jy_buf_add_json_str(json, url, strlen(url));
        jy_buf_addf(json, ",\"size\":%lld,\"format\":", size);
        jy_buf_add_json_str(json, format, strlen(format));
        jy_buf_add_char(json, '}');
    }
    jy_buf_add_char(json, ']');
    (void) im;
    return JY_OK;
}


static int
read_tags(struct imp *im, const struct jy_json_node *n, struct jy_buf *arr, struct jy_err *err)
{
    struct jy_json_node tags, el;
    size_t count;
    const char *seen[MAX_TAGS];
    size_t i;

    if (jy_json_get_array(n, "tags", false, &tags, &count, err) != JY_OK)
        return JY_ERROR;
    if (count > MAX_TAGS)
        return jy_json_error(err, n, "tags", "must hold at most %d tags, not %zu", MAX_TAGS, count);
    jy_buf_add_char(arr, '{');
    for (jy_json_first(&tags, &el); el.item; jy_json_next(&el)) {
        const char *t, *p;
        if (jy_json_get_str(&el, NULL, true, &t, err) != JY_OK)
            return JY_ERROR;
        if (!tag_ok(t))
            return jy_json_error(err, &el, NULL,
                                 "must be a tag of 1 to 32 characters without "
                                 "spaces, quotes or parentheses, not \"%s\"",
                                 t);
        for (i = 0; i < el.index; i++)
            if (strcmp(seen[i], t) == 0)
                return jy_json_error(err, &el, NULL, "repeats tag \"%s\"", t);
        seen[el.index] = t;
        /* an element of a text[] literal: quoted, with \ and " escaped */
        if (el.index > 0)
            jy_buf_add_char(arr, ',');
        jy_buf_add_char(arr, '"');
        for (p = t; *p; p++) {
            if (*p == '"' || *p == '\\')
                jy_buf_add_char(arr, '\\');
            jy_buf_add_char(arr, *p);
        }
        jy_buf_add_char(arr, '"');
    }
    jy_buf_add_char(arr, '}');
    (void) im;
    return JY_OK;
}


static int
read_article(struct imp *im, const struct jy_json_node *n, long long line, struct jy_err *err)
{
    long long id, site_id;
    const char *title, *summary = NULL, *author = NULL, *source = NULL, *pub, *doc_no = NULL, *body;
    const char *index_no = NULL;
    int validity = -1, kind = -1;
    struct jy_buf fields = JY_BUF_INIT(im->line_pool);
    struct jy_json_node cols, el;
    size_t ncols;
    long long colv[MAX_COLUMNS];
    struct jy_buf tags = JY_BUF_INIT(im->line_pool), att = JY_BUF_INIT(im->line_pool);
    struct jy_buf cids = JY_BUF_INIT(im->line_pool);
    struct jy_buf *b = &im->copy;
    struct isite *s;
    size_t i;

    if (jy_json_check_keys(n, article_keys, err) != JY_OK ||
        get_id(n, "id", true, &id, err) != JY_OK ||
        get_id(n, "site_id", true, &site_id, err) != JY_OK ||
        jy_json_get_array(n, "column_ids", true, &cols, &ncols, err) != JY_OK)
        return JY_ERROR;
    if (ncols < 1 || ncols > MAX_COLUMNS)
        return jy_json_error(err, n, "column_ids", "must name 1 to %d columns, not %zu",
                             MAX_COLUMNS, ncols);
    s = site_by_id(im, site_id);
    if (s == NULL)
        return jy_json_error(err, n, "site_id", "%lld is no site of sites.jsonl", site_id);
    if (s->bad)
        return jy_json_error(err, n, "site_id", "%lld is a site left out (line %lld)", site_id,
                             s->line);
    jy_buf_add_char(&cids, '{');
    for (jy_json_first(&cols, &el); el.item; jy_json_next(&el)) {
        struct icol *c;
        if (get_id(&el, NULL, true, &colv[el.index], err) != JY_OK)
            return JY_ERROR;
        c = col_by_id(im, colv[el.index]);
        if (c == NULL)
            return jy_json_error(err, &el, NULL, "%lld is no column of columns.jsonl",
                                 colv[el.index]);
        if (c->bad)
            return jy_json_error(err, &el, NULL, "%lld is a column left out (line %lld)", c->id,
                                 c->line);
        if (c->type != TYPE_LIST && c->type != TYPE_TOPIC)
            return jy_json_error(err, &el, NULL,
                                 "%lld is a %s column: articles go into list "
                                 "columns",
                                 c->id, types[c->type]);
        if (c->shared)
            return jy_json_error(err, &el, NULL,
                                 "%lld reuses column %lld and holds no articles "
                                 "of its own",
                                 c->id, c->shared);
        if (el.index == 0 && c->site != site_id)
            return jy_json_error(err, &el, NULL,
                                 "the first column (%lld) is on site %lld, not on "
                                 "the article's site %lld",
                                 c->id, c->site, site_id);
        for (i = 0; i < el.index; i++)
            if (colv[i] == colv[el.index])
                return jy_json_error(err, &el, NULL, "repeats column %lld", c->id);
        jy_buf_addf(&cids, "%s%lld", el.index ? "," : "", c->id);
    }
    jy_buf_add_char(&cids, '}');
    if (jy_json_get_str_chars(n, "title", true, 1, 500, &title, err) != JY_OK ||
        jy_json_get_str_chars(n, "summary", false, 0, 1000, &summary, err) != JY_OK ||
        jy_json_get_str_chars(n, "author", false, 0, 100, &author, err) != JY_OK ||
        jy_json_get_str_chars(n, "source", false, 0, 100, &source, err) != JY_OK ||
        jy_json_get_str(n, "pub_date", true, &pub, err) != JY_OK ||
        read_tags(im, n, &tags, err) != JY_OK ||
        jy_json_get_str_chars(n, "doc_no", false, 1, 100, &doc_no, err) != JY_OK ||
        jy_json_get_enum(n, "validity", false, validities, &validity, err) != JY_OK ||
        read_attachments(im, n, &att, err) != JY_OK ||
        jy_json_get_str(n, "body", true, &body, err) != JY_OK ||
        jy_json_get_enum(n, "kind", false, kinds, &kind, err) != JY_OK ||
        jy_json_get_str(n, "index_no", false, &index_no, err) != JY_OK ||
        read_fields(im, n, &fields, err) != JY_OK)
        return JY_ERROR;
    if (kind < 0)
        kind = doc_no ? 1 : 0; /* what the corpus implies: policy with a 文号 */
    if (doc_no && kind != 1)
        return jy_json_error(err, n, "doc_no", "must be null for kind \"%s\"", kinds[kind]);
    if (!doc_no && kind == 1)
        return jy_json_error(err, n, "doc_no", "is required for a policy document");
    if (index_no && !index_no_ok(index_no))
        return jy_json_error(err, n, "index_no",
                             "must be 1 to 64 letters, digits, \"/\", \".\", \"_\" or \"-\", "
                             "starting with a letter or digit, not \"%s\"",
                             index_no);
    if (index_no) {
        char key[40];
        int kl = snprintf(key, sizeof(key), "index_no/%lld/", site_id);
        struct jy_buf k = JY_BUF_INIT(im->line_pool);
        jy_buf_add(&k, key, (size_t) kl);
        jy_buf_add_str(&k, index_no);
        if (unique(im, n, "index_no", "索引号 of the same site", k.buf, k.len, line, err) != JY_OK)
            return JY_ERROR;
    }
    if (blank(title))
        return jy_json_error(err, n, "title", "must not be blank");
    if (!pub_date_ok(pub))
        return jy_json_error(err, n, "pub_date",
                             "must be a time like 2023-05-16T19:01:00+08:00, "
                             "not \"%s\"",
                             pub);
    if (doc_no && blank(doc_no))
        return jy_json_error(err, n, "doc_no", "must not be blank");
    if (doc_no && validity < 0)
        return jy_json_error(err, n, "validity",
                             "is required for a policy document (doc_no is "
                             "set)");
    if (!doc_no && validity >= 0)
        return jy_json_error(err, n, "validity", "must be null when doc_no is");
    {
        long long prev = hset_put(&im->article_ids, &id, sizeof(id), line);
        if (prev)
            return jy_json_error(err, n, "id", "%lld repeats line %lld", id, prev);
    }
    if (doc_no) {
        char key[40];
        int kl = snprintf(key, sizeof(key), "doc_no/%lld/", site_id);
        struct jy_buf k = JY_BUF_INIT(im->line_pool);
        jy_buf_add(&k, key, (size_t) kl);
        jy_buf_add_str(&k, doc_no);
        if (unique(im, n, "doc_no", "文号 of the same site", k.buf, k.len, line, err) != JY_OK)
            return JY_ERROR;
    }

    if (clean_body(im, n, F_ARTICLES, line, &body, err) != JY_OK)
        return JY_ERROR;
    copy_int(b, id, false, false);
    copy_int(b, line, false, false);
    copy_int(b, site_id, false, false);
    copy_str(b, cids.buf, false);
    copy_str(b, title, false);
    copy_str(b, summary, false);
    copy_str(b, author, false);
    copy_str(b, source, false);
    copy_str(b, pub, false);
    copy_str(b, tags.buf, false);
    copy_str(b, doc_no, false);
    copy_str(b, validity >= 0 ? validities[validity] : NULL, false);
    copy_str(b, att.buf, false);
    copy_str(b, body, false);
    copy_str(b, kinds[kind], false);
    copy_str(b, index_no, false);
    copy_str(b, fields.len ? fields.buf : NULL, true);
    return JY_OK;
}


/* ---- reading a file -------------------------------------------------------------------------- */

typedef int (*read_record_fn)(struct imp *im, const struct jy_json_node *n, long long line,
                              struct jy_err *err);

/* Replace "invalid JSON at line 1, column 7" (the parser sees one line) by "... at column 7". */
static void
json_error_column(struct jy_err *err)
{
    static const char at[] = "at line 1, column";
    char *p = strstr(err->msg, at);

    if (p)
        memmove(p + 3, p + sizeof(at) - sizeof("column"),
                strlen(p + sizeof(at) - sizeof("column")) + 1);
}


/*
 * A site or column line left out: remember its id (when it has one), so that
 * what names it is told "left out (line N)" rather than "no such site".
 */
static void
left_out(struct imp *im, int f, const struct cJSON *tree, long long line)
{
    const struct cJSON *idv = cJSON_GetObjectItemCaseSensitive(tree, "id");
    long long id;

    if (f == F_ARTICLES || !cJSON_IsNumber(idv) || idv->valuedouble < 1 ||
        idv->valuedouble > (double) MAX_ID ||
        idv->valuedouble != (double) (long long) idv->valuedouble)
        return;
    id = (long long) idv->valuedouble;
    if (f == F_SITES && site_by_id(im, id) == NULL)
        site_add(im, id, line, true);
    else if (f == F_COLUMNS && col_by_id(im, id) == NULL)
        col_add(im, id, line, true);
}


static int
read_file(struct imp *im, int f, const char *copy_sql, read_record_fn fn, struct jy_err *err)
{
    struct reader *r = &im->files[f];
    long long before = 0;
    int i;

    for (i = 0; i < f; i++)
        before += im->files[i].bytes;
    im->prog.phase = r->name;
    im->prog.step = NULL;
    progress(im, true);
    if (copy_begin(im, copy_sql, err) != JY_OK)
        return JY_ERROR;
    for (;;) {
        const char *line;
        size_t len;
        struct cJSON *tree;
        int rc = reader_next(r, &line, &len, err);

        if (rc == JY_DONE)
            break;
        if (rc != JY_OK)
            return JY_ERROR;
        im->prog.bytes_read = before + r->bytes;
        if (len == 0 || (len == 1 && line[0] == '\r'))
            continue; /* a blank line (a trailing one, say) holds no record */
        im->lines[f]++;
        im->prog.records++;
        if (f == F_ARTICLES)
            im->prog.articles++;
        jy_pool_reset(im->line_pool);
        tree = jy_json_parse(im->line_pool, line, len, err);
        if (tree == NULL) {
            json_error_column(err);
            if (bad_line(im, r->name, r->line, err) != JY_OK)
                return JY_ERROR;
        } else if (!cJSON_IsObject(tree)) {
            jy_err_set(err, JY_E_INVALID, "a record must be a JSON object");
            if (bad_line(im, r->name, r->line, err) != JY_OK)
                return JY_ERROR;
        } else {
            struct jy_json_node n = JY_JSON_ROOT(tree);
            if (fn(im, &n, r->line, err) != JY_OK) {
                if (bad_line(im, r->name, r->line, err) != JY_OK)
                    return JY_ERROR;
                left_out(im, f, tree, r->line);
            }
        }
        if (jy_buf_finish(&im->copy) != JY_OK) {
            jy_err_set(err, JY_E_INTERNAL, "COPY buffer overflow");
            return JY_ERROR;
        }
        if (copy_flush(im, false, err) != JY_OK)
            return JY_ERROR;
        progress(im, false);
    }
    if (copy_end(im, err) != JY_OK)
        return JY_ERROR;
    if (im->manifest[f] >= 0 && im->lines[f] != im->manifest[f]) {
        jy_err_set(err, JY_E_INVALID, "%s holds %lld records, manifest.json counts %lld", r->name,
                   im->lines[f], im->manifest[f]);
        jy_err_hint(err, "The file may have been cut short or belong to another corpus.");
        return JY_ERROR;
    }
    progress(im, true);
    return JY_OK;
}


/* Delete records found bad after reading (ids in list) from a staging table. */
static int
unstage(struct imp *im, const char *table, struct jy_buf *list, struct jy_err *err)
{
    const char *p[1];
    char sql[80];

    if (list->len == 0)
        return JY_OK;
    jy_buf_add_char(list, '}');
    p[0] = list->buf;
    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE ext_id = ANY ($1::bigint[])", table);
    return jy_db_query(im->db, im->line_pool, sql, 1, p, err) ? JY_OK : JY_ERROR;
}


static void
list_add(struct jy_buf *list, long long id)
{
    jy_buf_addf(list, "%c%lld", list->len ? ',' : '{', id);
}


/*
 * Checks that need the whole file: every parent exists, is not left out,
 * and no chain of parents loops. Left-out sites take their subtree along.
 */
static int
check_sites(struct imp *im, struct jy_err *err)
{
    struct jy_buf list = JY_BUF_INIT(im->pool);
    bool changed = true;
    size_t i;

    while (changed) {
        changed = false;
        for (i = 0; i < im->nsites; i++) {
            struct isite *s = &im->sites[i], *p;
            int depth = 0;
            if (s->bad || s->parent == 0)
                continue;
            p = site_by_id(im, s->parent);
            if (p == NULL)
                jy_err_set(err, JY_E_INVALID, "field \"parent_id\" %lld is no site of sites.jsonl",
                           s->parent);
            else if (p->bad)
                jy_err_set(err, JY_E_INVALID,
                           "field \"parent_id\" %lld is a site left out (line "
                           "%lld)",
                           p->id, p->line);
            else {
                while (p && p->parent && p != s && depth < MAX_DEPTH) {
                    p = site_by_id(im, p->parent);
                    depth++;
                }
                if (p != s && depth < MAX_DEPTH)
                    continue;
                jy_err_set(err, JY_E_INVALID,
                           "field \"parent_id\": site %lld is below itself or "
                           "more than %d levels deep",
                           s->id, MAX_DEPTH);
            }
            jy_err_field(err, "parent_id");
            s->bad = true;
            changed = true;
            list_add(&list, s->id);
            if (bad_line(im, file_names[F_SITES], s->line, err) != JY_OK)
                return JY_ERROR;
        }
    }
    return unstage(im, "imp_site", &list, err);
}


static int
check_columns(struct imp *im, struct jy_err *err)
{
    struct jy_buf list = JY_BUF_INIT(im->pool);
    bool changed = true;
    size_t i;

    while (changed) {
        changed = false;
        for (i = 0; i < im->ncols; i++) {
            struct icol *c = &im->cols[i], *p = NULL, *src;
            const char *field = "parent_id";
            int depth = 0;
            if (c->bad)
                continue;
            if (c->parent) {
                p = col_by_id(im, c->parent);
                if (p == NULL) {
                    jy_err_set(err, JY_E_INVALID,
                               "field \"parent_id\" %lld is no column of "
                               "columns.jsonl",
                               c->parent);
                    goto bad;
                }
                if (p->bad) {
                    jy_err_set(err, JY_E_INVALID,
                               "field \"parent_id\" %lld is a column left out "
                               "(line %lld)",
                               p->id, p->line);
                    goto bad;
                }
                if (p->site != c->site) {
                    jy_err_set(err, JY_E_INVALID,
                               "field \"parent_id\" %lld is a column of site "
                               "%lld, not of site %lld",
                               p->id, p->site, c->site);
                    goto bad;
                }
                if (p->type != TYPE_LIST && p->type != TYPE_TOPIC) {
                    jy_err_set(err, JY_E_INVALID,
                               "field \"parent_id\" %lld is a %s column, which "
                               "has no children",
                               p->id, types[p->type]);
                    goto bad;
                }
                while (p && p->parent && p != c && depth < MAX_DEPTH) {
                    p = col_by_id(im, p->parent);
                    depth++;
                }
                if (p == c || depth >= MAX_DEPTH) {
                    jy_err_set(err, JY_E_INVALID,
                               "field \"parent_id\": column %lld is below "
                               "itself or more than %d levels deep",
                               c->id, MAX_DEPTH);
                    goto bad;
                }
            }
            if (c->shared) {
                field = "shared_from";
                src = col_by_id(im, c->shared);
                if (src == NULL) {
                    jy_err_set(err, JY_E_INVALID,
                               "field \"shared_from\" %lld is no column of "
                               "columns.jsonl",
                               c->shared);
                    goto bad;
                }
                if (src->bad) {
                    jy_err_set(err, JY_E_INVALID,
                               "field \"shared_from\" %lld is a column left out "
                               "(line %lld)",
                               src->id, src->line);
                    goto bad;
                }
                if ((src->type != TYPE_LIST && src->type != TYPE_TOPIC) || src->shared) {
                    jy_err_set(err, JY_E_INVALID,
                               "field \"shared_from\" %lld must be a list or topic column "
                               "that reuses none",
                               src->id);
                    goto bad;
                }
            }
            continue;
        bad:
            jy_err_field(err, field);
            c->bad = true;
            changed = true;
            list_add(&list, c->id);
            if (bad_line(im, file_names[F_COLUMNS], c->line, err) != JY_OK)
                return JY_ERROR;
        }
    }
    return unstage(im, "imp_column", &list, err);
}


/* ---- manifest.json --------------------------------------------------------------------------- */

static int
read_manifest(struct imp *im, struct jy_err *err)
{
    const char *path = jy_pool_printf(im->pool, "%s/manifest.json", im->o->dir);
    struct cJSON *tree = jy_json_load_file(im->line_pool, path, err);
    struct jy_json_node root, counts;
    long long version;
    static const char *const names[3] = {"sites", "columns", "articles"};
    int i;

    im->manifest[0] = im->manifest[1] = im->manifest[2] = -1;
    if (tree == NULL) {
        if (err->code == JY_E_NOT_FOUND)
            jy_err_hint(err, "A corpus folder holds sites.jsonl, columns.jsonl, articles.jsonl "
                             "and manifest.json (../shared/bench/README.md).");
        return JY_ERROR;
    }
    jy_json_root(&root, tree);
    if (jy_json_get_int(&root, "format_version", true, 1, 1000, &version, err) != JY_OK ||
        jy_json_get_object(&root, "counts", false, &counts, err) != JY_OK)
        goto bad;
    if (version != 1) {
        jy_json_error(err, &root, "format_version", "is %lld; this jiyue reads version 1", version);
        goto bad;
    }
    for (i = 0; i < 3; i++)
        if (jy_json_get_int(&counts, names[i], false, 0, MAX_ID, &im->manifest[i], err) != JY_OK)
            goto bad;
    return JY_OK;

bad:
    jy_err_prefix(err, "manifest.json");
    return JY_ERROR;
}


/* ---- apply: SQL over the staging tables ------------------------------------------------------ */

static const char stage_sql[] =
    "CREATE TEMP TABLE imp_site (ext_id bigint, line bigint, parent_ext bigint, level text, "
    "  name text, domain text, code text, admin_code text, icp text, depth integer) "
    "  ON COMMIT DROP;"
    "CREATE TEMP TABLE imp_column (ext_id bigint, line bigint, site_ext bigint, parent_ext bigint, "
    "  name text, code text, kind text, sort integer, shared_ext bigint, url text, body text, "
    "  tag_filter text, reuse_kinds text[], depth integer, path text) ON COMMIT DROP;"
    "CREATE TEMP TABLE imp_article (ext_id bigint, line bigint, site_ext bigint, "
    "  column_ids bigint[], title text, summary text, author text, source text, "
    "  pub_date timestamptz, tags text[], doc_no text, validity text, attachments jsonb, "
    "  body text, kind text, index_no text, fields jsonb) ON COMMIT DROP;";

static const char copy_sites_sql[] =
    "COPY imp_site (ext_id, line, parent_ext, level, name, domain, code, admin_code, icp) "
    "FROM STDIN";
static const char copy_columns_sql[] =
    "COPY imp_column (ext_id, line, site_ext, parent_ext, name, code, kind, sort, shared_ext, "
    "url, body, tag_filter, reuse_kinds) FROM STDIN";
static const char copy_articles_sql[] =
    "COPY imp_article (ext_id, line, site_ext, column_ids, title, summary, author, source, "
    "pub_date, tags, doc_no, validity, attachments, body, kind, index_no, fields) FROM STDIN";


static struct jy_db_res *
q(struct imp *im, const char *sql, int n, const char *const *p, struct jy_err *err)
{
    return jy_db_query(im->db, im->line_pool, sql, n, p, err);
}


static long long
num(const struct jy_db_res *res, int row, int col)
{
    const char *v = jy_db_res_get(res, row, col);
    return v ? strtoll(v, NULL, 10) : 0;
}


/* Run a statement, *out = its first value (a count). */
static int
q_count(struct imp *im, const char *sql, int n, const char *const *p, long long *out,
        struct jy_err *err)
{
    struct jy_db_res *res = q(im, sql, n, p, err);

    if (res == NULL)
        return JY_ERROR;
    *out = jy_db_res_rows(res) ? num(res, 0, 0) : 0;
    return JY_OK;
}


/* Run a statement, counts[] = its first row (created, updated ...). */
static int
q_counts(struct imp *im, const char *sql, int n, const char *const *p, long long *counts,
         int ncounts, struct jy_err *err)
{
    struct jy_db_res *res = q(im, sql, n, p, err);
    int i;

    if (res == NULL)
        return JY_ERROR;
    for (i = 0; i < ncounts; i++)
        counts[i] = jy_db_res_rows(res) && i < jy_db_res_cols(res) ? num(res, 0, i) : 0;
    return JY_OK;
}


/*
 * A staged record that clashes with the platform's own data: the first by
 * line, as 'file:line: field "f" "v1" what "v2"tail' (sql returns line, v1, v2).
 */
static int
clash(struct imp *im, const char *sql, const char *file, const char *field, const char *what,
      const char *tail, struct jy_err *err)
{
    struct jy_db_res *res = q(im, sql, 0, NULL, err);
    const char *v1, *v2;

    if (res == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(res) == 0)
        return JY_OK;
    v1 = jy_db_res_get(res, 0, 1);
    v2 = jy_db_res_get(res, 0, 2);
    jy_err_set(err, JY_E_CONFLICT, "%s:%s: field \"%s\" \"%s\" %s \"%s\"%s", file,
               jy_db_res_get(res, 0, 0), field, v1 ? v1 : "", what, v2 ? v2 : "", tail);
    jy_err_field(err, field);
    im->clashed = true;
    return JY_ERROR;
}


static void
counted(struct imp *im, enum jy_import_table t, long long total, long long created,
        long long updated)
{
    struct jy_import_count *c = &im->res->tables[t];

    c->created += created;
    c->updated += updated;
    c->unchanged += total - created - updated;
}


/* Give the new rows of a map table ids from the sequence of their table, in corpus order. */
static int
assign_ids(struct imp *im, const char *map, const char *table, struct jy_err *err)
{
    char sql[400];

    snprintf(sql, sizeof(sql),
             "UPDATE %s m SET local_id = n.id FROM (SELECT ext_id, nextval(pg_get_serial_sequence("
             "'%s', 'id')) AS id FROM (SELECT ext_id FROM %s WHERE is_new ORDER BY ext_id) o) n "
             "WHERE m.ext_id = n.ext_id",
             map, table, map);
    return q(im, sql, 0, NULL, err) ? JY_OK : JY_ERROR;
}


/*
 * Record (source, kind, ext_id) -> local_id for every staged record of a
 * map; map_sql gives ext_id, local_id, site_id and pending.
 */
static int
upsert_keys(struct imp *im, const char *kind, const char *map_sql, struct jy_err *err)
{
    struct jy_buf sql = JY_BUF_INIT(im->line_pool);
    const char *p[2] = {im->source, kind};
    long long c[3];

    jy_buf_addf(
        &sql,
        "WITH u AS (INSERT INTO import_key AS k (source, kind, ext_id, local_id, site_id, "
        "  pending) "
        "SELECT $1, $2, ext_id, local_id, site_id, pending FROM (%s) m ORDER BY ext_id "
        "ON CONFLICT (source, kind, ext_id) DO UPDATE SET local_id = EXCLUDED.local_id, "
        "site_id = EXCLUDED.site_id, pending = EXCLUDED.pending "
        "WHERE (k.local_id, k.site_id, k.pending) IS DISTINCT FROM "
        "(EXCLUDED.local_id, EXCLUDED.site_id, EXCLUDED.pending) RETURNING xmax = 0 AS created) "
        "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created), "
        "(SELECT count(*) FROM (%s) a) FROM u",
        map_sql, map_sql);
    if (q_counts(im, sql.buf, 2, p, c, 3, err) != JY_OK)
        return JY_ERROR;
    counted(im, JY_IMPORT_KEY, c[2], c[0], c[1]);
    return JY_OK;
}


static int
apply_domains(struct imp *im, struct jy_err *err)
{
    long long demoted, c[3];

    /* the corpus names the primary domain; a site's other domains stay as aliases */
    if (q_count(im,
                "WITH u AS (UPDATE site_domain x SET is_primary = false "
                "FROM imp_site s JOIN imp_site_map m USING (ext_id) "
                "WHERE x.site_id = m.local_id AND x.is_primary AND s.domain IS NOT NULL "
                "  AND x.domain <> s.domain RETURNING 1) SELECT count(*) FROM u",
                0, NULL, &demoted, err) != JY_OK ||
        q_counts(im,
                 "WITH u AS (INSERT INTO site_domain AS x (site_id, domain, is_primary) "
                 "  SELECT m.local_id, s.domain, true FROM imp_site s JOIN imp_site_map m "
                 "  USING (ext_id) WHERE s.domain IS NOT NULL ORDER BY s.ext_id "
                 "  ON CONFLICT (domain) DO UPDATE SET is_primary = true WHERE NOT x.is_primary "
                 "  RETURNING xmax = 0 AS created) "
                 "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created), "
                 "  (SELECT count(*) FROM imp_site WHERE domain IS NOT NULL) FROM u",
                 0, NULL, c, 3, err) != JY_OK)
        return JY_ERROR;
    counted(im, JY_IMPORT_DOMAIN, c[2] + demoted, c[0], c[1] + demoted);
    return JY_OK;
}


static int
apply_sites(struct imp *im, struct jy_err *err)
{
    char root[24];
    const char *p[2];
    long long total, maxd, d, created = 0, updated;
    struct jy_db_res *res;

    step(im, "sites");
    /* the platform root: the one row of level platform */
    res =
        q(im,
          "WITH ins AS (INSERT INTO site (level, name) SELECT 'platform', '政府网站集约化平台' "
          "  WHERE NOT EXISTS (SELECT 1 FROM site WHERE level = 'platform') RETURNING id) "
          "SELECT id, true FROM ins UNION ALL SELECT id, false FROM site WHERE level = 'platform'",
          0, NULL, err);
    if (res == NULL)
        return JY_ERROR;
    im->res->platform_id = num(res, 0, 0);
    if (strcmp(jy_db_res_get(res, 0, 1), "t") == 0)
        im->res->tables[JY_IMPORT_SITE].created++;
    snprintf(root, sizeof(root), "%lld", im->res->platform_id);

    if (q(im,
          "WITH RECURSIVE t AS (SELECT ext_id, 0 AS depth FROM imp_site WHERE parent_ext IS NULL "
          "  UNION ALL SELECT s.ext_id, t.depth + 1 FROM imp_site s JOIN t ON s.parent_ext = t.ext_id "
          "  WHERE t.depth < 64) "
          "UPDATE imp_site s SET depth = t.depth FROM t WHERE s.ext_id = t.ext_id",
          0, NULL, err) == NULL ||
        q(im, "ANALYZE imp_site", 0, NULL, err) == NULL)
        return JY_ERROR;
    /* known through a key, else adopted by its code */
    p[0] = im->source;
    if (q(im,
          "CREATE TEMP TABLE imp_site_map ON COMMIT DROP AS "
          "SELECT s.ext_id, coalesce(k.local_id, c.id) AS local_id, "
          "       (k.local_id IS NULL AND c.id IS NULL) AS is_new "
          "FROM imp_site s "
          "LEFT JOIN (SELECT k.ext_id, k.local_id FROM import_key k JOIN site x ON x.id = k.local_id "
          "           WHERE k.source = $1 AND k.kind = 'site') k ON k.ext_id = s.ext_id "
          "LEFT JOIN site c ON k.local_id IS NULL AND c.code = s.code",
          1, p, err) == NULL)
        return JY_ERROR;
    if (clash(im,
              "SELECT s.line, s.code, o.name FROM imp_site s JOIN imp_site_map m USING (ext_id) "
              "JOIN site o ON o.code = s.code AND o.id <> m.local_id "
              "ORDER BY s.line LIMIT 1",
              file_names[F_SITES], "site_code", "is already the code of site", "", err) != JY_OK ||
        clash(im,
              "SELECT s.line, s.domain, o.name FROM imp_site s JOIN imp_site_map m USING (ext_id) "
              "JOIN site_domain d ON d.domain = s.domain JOIN site o ON o.id = d.site_id "
              "WHERE (m.local_id IS NULL OR d.site_id <> m.local_id) "
              "ORDER BY s.line LIMIT 1",
              file_names[F_SITES], "domain", "is already a domain of site", "", err) != JY_OK)
        return JY_ERROR;
    if (assign_ids(im, "imp_site_map", "site", err) != JY_OK ||
        q_count(im, "SELECT count(*) FROM imp_site", 0, NULL, &total, err) != JY_OK ||
        q_count(im, "SELECT coalesce(max(depth), -1) FROM imp_site", 0, NULL, &maxd, err) != JY_OK)
        return JY_ERROR;
    /* new sites, parents first */
    for (d = 0; d <= maxd; d++) {
        char depth[24];
        struct jy_db_res *r;
        snprintf(depth, sizeof(depth), "%lld", d);
        p[0] = depth;
        p[1] = root;
        r = q(im,
              "INSERT INTO site (id, parent_id, kind, level, name, code, admin_code, icp_no) "
              "OVERRIDING SYSTEM VALUE "
              "SELECT m.local_id, coalesce(pm.local_id, $2::bigint), 'site', s.level, s.name, "
              "       s.code, s.admin_code, s.icp "
              "FROM imp_site s JOIN imp_site_map m USING (ext_id) "
              "LEFT JOIN imp_site_map pm ON pm.ext_id = s.parent_ext "
              "WHERE m.is_new AND s.depth = $1::integer ORDER BY s.ext_id",
              2, p, err);
        if (r == NULL)
            return JY_ERROR;
        created += jy_db_res_affected(r);
    }
    /* the others, where they differ */
    p[0] = root;
    if (q_count(im,
                "WITH u AS (UPDATE site t SET parent_id = v.parent_id, level = v.level, "
                "  name = v.name, code = v.code, admin_code = v.admin_code, icp_no = v.icp "
                "FROM (SELECT m.local_id, coalesce(pm.local_id, $1::bigint) AS parent_id, s.level, "
                "        s.name, s.code, s.admin_code, s.icp "
                "      FROM imp_site s JOIN imp_site_map m USING (ext_id) "
                "      LEFT JOIN imp_site_map pm ON pm.ext_id = s.parent_ext WHERE NOT m.is_new) v "
                "WHERE t.id = v.local_id AND (t.parent_id, t.level, t.name, t.code, t.admin_code, "
                "  t.icp_no) IS DISTINCT FROM (v.parent_id, v.level, v.name, v.code, v.admin_code, "
                "  v.icp) RETURNING 1) SELECT count(*) FROM u",
                1, p, &updated, err) != JY_OK)
        return JY_ERROR;
    counted(im, JY_IMPORT_SITE, total, created, updated);
    im->res->sites = total;
    if (apply_domains(im, err) != JY_OK)
        return JY_ERROR;
    return upsert_keys(
        im, "site",
        "SELECT ext_id, local_id, local_id AS site_id, NULL::jsonb AS pending FROM imp_site_map",
        err);
}


static int
apply_columns(struct imp *im, struct jy_err *err)
{
    const char *p[1];
    long long total, maxd, d, created = 0, updated;

    step(im, "columns");
    if (q(im,
          "WITH RECURSIVE t AS (SELECT ext_id, code AS path, 0 AS depth FROM imp_column "
          "  WHERE parent_ext IS NULL "
          "  UNION ALL SELECT c.ext_id, t.path || '/' || c.code, t.depth + 1 "
          "  FROM imp_column c JOIN t ON c.parent_ext = t.ext_id WHERE t.depth < 64) "
          "UPDATE imp_column c SET path = t.path, depth = t.depth FROM t WHERE c.ext_id = t.ext_id",
          0, NULL, err) == NULL ||
        q(im, "ANALYZE imp_column", 0, NULL, err) == NULL)
        return JY_ERROR;
    /* known through a key, else adopted by its site and path */
    p[0] = im->source;
    if (q(im,
          "CREATE TEMP TABLE imp_column_map ON COMMIT DROP AS "
          "SELECT c.ext_id, coalesce(k.local_id, n.id) AS local_id, "
          "       (k.local_id IS NULL AND n.id IS NULL) AS is_new, sm.local_id AS site_id, "
          "       k.site_id AS keyed_site "
          "FROM imp_column c JOIN imp_site_map sm ON sm.ext_id = c.site_ext "
          "LEFT JOIN (SELECT k.ext_id, k.local_id, x.site_id FROM import_key k "
          "           JOIN site_column x ON x.id = k.local_id "
          "           WHERE k.source = $1 AND k.kind = 'column') k ON k.ext_id = c.ext_id "
          "LEFT JOIN site_column n ON k.local_id IS NULL AND n.site_id = sm.local_id "
          "       AND n.path = c.path",
          1, p, err) == NULL)
        return JY_ERROR;
    if (clash(im,
              "SELECT c.line, c.ext_id::text, s.name FROM imp_column_map m JOIN imp_column c "
              "USING (ext_id) JOIN site s ON s.id = m.keyed_site "
              "WHERE m.keyed_site <> m.site_id ORDER BY c.line LIMIT 1",
              file_names[F_COLUMNS], "id", "names a column imported into site",
              ": import does not move columns between sites", err) != JY_OK)
        return JY_ERROR;
    if (assign_ids(im, "imp_column_map", "site_column", err) != JY_OK ||
        q_count(im, "SELECT count(*) FROM imp_column", 0, NULL, &total, err) != JY_OK ||
        q_count(im, "SELECT coalesce(max(depth), -1) FROM imp_column", 0, NULL, &maxd, err) !=
            JY_OK)
        return JY_ERROR;
    for (d = 0; d <= maxd; d++) {
        char depth[24];
        struct jy_db_res *r;
        snprintf(depth, sizeof(depth), "%lld", d);
        p[0] = depth;
        r = q(im,
              "INSERT INTO site_column (id, site_id, parent_id, code, name, kind, sort, url, body) "
              "OVERRIDING SYSTEM VALUE "
              "SELECT m.local_id, m.site_id, pm.local_id, c.code, c.name, c.kind, c.sort, c.url, "
              "       c.body "
              "FROM imp_column c JOIN imp_column_map m USING (ext_id) "
              "LEFT JOIN imp_column_map pm ON pm.ext_id = c.parent_ext "
              "WHERE m.is_new AND c.depth = $1::integer ORDER BY c.ext_id",
              1, p, err);
        if (r == NULL)
            return JY_ERROR;
        created += jy_db_res_affected(r);
    }
    /* everything that differs, the reuse of the new columns included (sources exist now) */
    if (q_count(
            im,
            "WITH u AS (UPDATE site_column t SET parent_id = v.parent_id, code = v.code, "
            "  name = v.name, kind = v.kind, sort = v.sort, url = v.url, body = v.body, "
            "  reuse_column_id = v.reuse_id, "
            "  reuse_tag_filter = CASE WHEN v.reuse_id IS NOT NULL "
            "    THEN coalesce(v.tag_filter, t.reuse_tag_filter) END, "
            "  reuse_kinds = CASE WHEN v.reuse_id IS NOT NULL "
            "    THEN coalesce(v.reuse_kinds, t.reuse_kinds) ELSE '{}' END "
            "FROM (SELECT m.local_id, m.is_new, pm.local_id AS parent_id, c.code, c.name, "
            "        c.kind, c.sort, c.url, c.body, rm.local_id AS reuse_id, c.tag_filter, "
            "        c.reuse_kinds "
            "      FROM imp_column c JOIN imp_column_map m USING (ext_id) "
            "      LEFT JOIN imp_column_map pm ON pm.ext_id = c.parent_ext "
            "      LEFT JOIN imp_column_map rm ON rm.ext_id = c.shared_ext) v "
            "WHERE t.id = v.local_id AND (t.parent_id, t.code, t.name, t.kind, t.sort, t.url, "
            "  t.body, t.reuse_column_id, t.reuse_tag_filter, t.reuse_kinds) IS DISTINCT FROM "
            "  (v.parent_id, v.code, v.name, v.kind, v.sort, v.url, v.body, v.reuse_id, "
            "   CASE WHEN v.reuse_id IS NOT NULL THEN coalesce(v.tag_filter, t.reuse_tag_filter) END, "
            "   CASE WHEN v.reuse_id IS NOT NULL THEN coalesce(v.reuse_kinds, t.reuse_kinds) "
            "   ELSE '{}' END) "
            "RETURNING v.is_new) SELECT count(*) FILTER (WHERE NOT is_new) FROM u",
            0, NULL, &updated, err) != JY_OK)
        return JY_ERROR;
    counted(im, JY_IMPORT_COLUMN, total, created, updated);
    im->res->columns = total;
    return upsert_keys(im, "column",
                       "SELECT ext_id, local_id, site_id, NULL::jsonb AS pending "
                       "FROM imp_column_map",
                       err);
}


static int
apply_tags(struct imp *im, struct jy_err *err)
{
    long long c[2];

    step(im, "tags");
    /* a word is a tag's name, a synonym or a merged tag's name (jy_tag_id); else a new tag */
    if (q(im,
          "CREATE TEMP TABLE imp_tag ON COMMIT DROP AS SELECT name, jy_tag_id(name) AS id "
          "FROM (SELECT DISTINCT unnest(tags) AS name FROM imp_article) x",
          0, NULL, err) == NULL ||
        q_counts(im,
                 "WITH ins AS (INSERT INTO tag (name) SELECT name FROM imp_tag WHERE id IS NULL "
                 "  ORDER BY name ON CONFLICT (name) DO NOTHING RETURNING id, name), "
                 "u AS (UPDATE imp_tag t SET id = ins.id FROM ins WHERE t.name = ins.name "
                 "  RETURNING 1) "
                 "SELECT count(*), (SELECT count(*) FROM imp_tag) FROM u",
                 0, NULL, c, 2, err) != JY_OK)
        return JY_ERROR;
    counted(im, JY_IMPORT_TAG, c[1], c[0], 0);
    return JY_OK;
}


/* The item row a staged article asks for (v), beside the row it may update (t). */
#define ITEM_NEW                                                                                          \
    "SELECT m.local_id AS id, m.is_new, m.site_id, a.kind, "                                              \
    "  a.title, a.summary, a.author, a.source, a.body, a.pub_date, a.doc_no, a.index_no, "                \
    "  CASE WHEN a.doc_no IS NOT NULL THEN coalesce(a.fields ->> 'issuer', s.name) END "                  \
    "    AS issuer, "                                                                                     \
    "  CASE WHEN a.doc_no IS NOT NULL THEN coalesce((a.fields ->> 'issued_on')::date, "                   \
    "    (a.pub_date AT TIME ZONE st.time_zone)::date) END AS issued_on, "                                \
    "  CASE a.validity WHEN '有效' THEN 'valid' WHEN '已修改' THEN 'amended' "                       \
    "    WHEN '已废止' THEN 'repealed' WHEN '已失效' THEN 'expired' END AS validity, "              \
    "  coalesce((a.fields ->> 'validity_on')::date, CASE WHEN a.validity <> '有效' "                    \
    "    THEN (a.pub_date AT TIME ZONE st.time_zone)::date END) AS validity_on, "                         \
    "  a.fields ->> 'subtitle' AS subtitle, a.fields ->> 'publisher' AS publisher, "                      \
    "  a.fields ->> 'subject' AS subject, a.fields ->> 'link_url' AS link_url, "                          \
    "  CASE WHEN a.fields ? 'keywords' THEN ARRAY(SELECT jsonb_array_elements_text("                      \
    "    a.fields -> 'keywords')) END AS keywords, "                                                      \
    "  (a.fields ->> 'written_on')::date AS written_on, "                                                 \
    "  (a.fields ->> 'effective_on')::date AS effective_on, "                                             \
    "  CASE WHEN a.attachments = '[]' THEN '{}'::jsonb "                                                  \
    "       ELSE jsonb_build_object('attachments', a.attachments) END "                                   \
    "  || CASE WHEN a.validity IN ('已修改', '已废止') AND NOT coalesce(a.fields ? "                \
    "          'validity_basis', false) AND (m.is_new OR NOT coalesce(a.fields ? 'validity_by', false)) " \
    "          THEN jsonb_build_object('validity_basis', '" IMPORT_VALIDITY_BASIS "') "                   \
    "          ELSE '{}'::jsonb END "                                                                     \
    "  || coalesce(a.fields - '{subtitle,publisher,subject,link_url,keywords,written_on,"                 \
    "effective_on,issuer,issued_on,validity_on,interprets,validity_by}'::text[], '{}'::jsonb) AS meta "   \
    "FROM imp_article a JOIN imp_item_map m USING (ext_id) "                                              \
    "JOIN imp_site s ON s.ext_id = a.site_ext JOIN site st ON st.id = m.site_id"

#define ITEM_COLS                                                                                 \
    "site_id, kind, title, summary, author, source, body, metadata, publish_at, doc_no, issuer, " \
    "written_on, issued_on, effective_on, validity, validity_on, validity_by, subtitle, "         \
    "publisher, subject, link_url, keywords"
#define ITEM_COLS_T                                                                                 \
    "t.site_id, t.kind, t.title, t.summary, t.author, t.source, t.body, t.metadata, t.publish_at, " \
    "t.doc_no, t.issuer, t.written_on, t.issued_on, t.effective_on, t.validity, t.validity_on, "    \
    "t.validity_by, t.subtitle, t.publisher, t.subject, t.link_url, t.keywords"

/* What the record does not carry is kept (written_on ...) unless the kind no longer has it. */
#define ITEM_VALUES                                                                     \
    "v.site_id, v.kind, v.title, v.summary, v.author, v.source, v.body, "               \
    "(t.metadata - 'attachments' - 'validity_basis') || v.meta, v.pub_date, v.doc_no, " \
    "v.issuer, "                                                                        \
    "CASE WHEN v.kind = 'policy' THEN coalesce(v.written_on, t.written_on) END, "       \
    "v.issued_on, "                                                                     \
    "CASE WHEN v.kind = 'policy' THEN coalesce(v.effective_on, t.effective_on) END, "   \
    "v.validity, v.validity_on, "                                                       \
    "CASE WHEN v.validity <> 'valid' THEN t.validity_by END, "                          \
    "coalesce(v.subtitle, t.subtitle), coalesce(v.publisher, t.publisher), "            \
    "coalesce(v.subject, t.subject), "                                                  \
    "CASE WHEN v.kind = 'link' THEN coalesce(v.link_url, t.link_url) END, "             \
    "coalesce(v.keywords, t.keywords)"

/*
 * imp_index (id, ino): the 索引号 of the items that have none yet, new or
 * imported before numbers were drawn. Set-based: the items are numbered per
 * site and year (of publication, in the site's time zone) in the order of
 * publication then id, each site's sequence for the year is moved past the
 * range in one update, and each number is formatted by the site's rule
 * (jy_index_format). The few numbers that clash with one already taken on
 * the site (typed by hand, or a rule without {yyyy} repeating last year's)
 * are drawn again one by one by jy_item_index_no, which skips taken ones.
 */
static int
draw_index_numbers(struct imp *im, struct jy_err *err)
{
    long long clashes;
    int round;

    step(im, "index numbers");
    if (q(im,
          "CREATE TEMP TABLE imp_index ON COMMIT DROP AS "
          "WITH todo AS (SELECT v.id, v.site_id, v.kind, v.pub_date, "
          "    jy_index_year(v.site_id, v.pub_date) AS year "
          "  FROM (" ITEM_NEW ") v LEFT JOIN item t ON t.id = v.id AND NOT v.is_new "
          "  WHERE v.index_no IS NULL AND (v.is_new OR t.index_no IS NULL)), "
          "numbered AS (SELECT *, row_number() OVER (PARTITION BY site_id, year "
          "    ORDER BY pub_date, id) AS n, count(*) OVER (PARTITION BY site_id, year) AS cnt "
          "  FROM todo), "
          "ranges AS (INSERT INTO item_index_seq AS q (site_id, year, last) "
          "  SELECT site_id, year, count(*) FROM todo GROUP BY 1, 2 ORDER BY 1, 2 "
          "  ON CONFLICT (site_id, year) DO UPDATE SET last = q.last + EXCLUDED.last "
          "  RETURNING q.site_id, q.year, q.last) "
          "SELECT n.id, n.site_id, n.kind, n.pub_date, "
          "  jy_index_format(n.site_id, n.kind, NULL, n.pub_date, r.last - n.cnt + n.n) AS ino "
          "FROM numbered n JOIN ranges r USING (site_id, year)",
          0, NULL, err) == NULL ||
        q(im, "CREATE UNIQUE INDEX ON imp_index (id)", 0, NULL, err) == NULL ||
        q(im, "CREATE INDEX ON imp_index (site_id, ino)", 0, NULL, err) == NULL ||
        q(im, "ANALYZE imp_index", 0, NULL, err) == NULL)
        return JY_ERROR;
    step(im, "index numbers (clashes)");
    /* clashes with numbers taken on the site, or among themselves: drawn again, in order,
       until none is left (a number drawn again may meet one of the others) */
    for (round = 0, clashes = 0; round < 10; round++) {
        long long n;
        if (q_count(
                im,
                "WITH bad AS (SELECT x.id FROM imp_index x WHERE EXISTS (SELECT 1 FROM item i "
                "    WHERE i.site_id = x.site_id AND i.index_no = x.ino) "
                "  OR EXISTS (SELECT 1 FROM imp_index y WHERE y.site_id = x.site_id "
                "    AND y.ino = x.ino AND y.id < x.id)), "
                "redrawn AS (SELECT x.id, jy_item_index_no(x.site_id, x.kind, NULL, x.pub_date) "
                "    AS ino FROM (SELECT x.* FROM imp_index x JOIN bad USING (id) "
                "    ORDER BY x.site_id, x.pub_date, x.id OFFSET 0) x), "
                "u AS (UPDATE imp_index x SET ino = r.ino FROM redrawn r WHERE x.id = r.id "
                "  RETURNING 1) "
                "SELECT count(*) FROM u",
                0, NULL, &n, err) != JY_OK)
            return JY_ERROR;
        clashes += n;
        if (n == 0)
            break;
    }
    if (q_count(im, "SELECT count(*) FROM imp_index", 0, NULL, &im->res->index_drawn, err) != JY_OK)
        return JY_ERROR;
    if (clashes)
        jy_log_info("import", "%lld index numbers clashed with numbers taken and were drawn again",
                    clashes);
    return JY_OK;
}


static int
apply_items(struct imp *im, struct jy_err *err)
{
    const char *p[1] = {im->source};
    long long total, created, updated;

    step(im, "items");
    if (q(im,
          "CREATE TEMP TABLE imp_item_map ON COMMIT DROP AS "
          "SELECT a.ext_id, k.local_id, k.local_id IS NULL AS is_new, sm.local_id AS site_id "
          "FROM imp_article a JOIN imp_site_map sm ON sm.ext_id = a.site_ext "
          "LEFT JOIN (SELECT k.ext_id, k.local_id FROM import_key k JOIN item x ON x.id = k.local_id "
          "           WHERE k.source = $1 AND k.kind = 'item') k ON k.ext_id = a.ext_id",
          1, p, err) == NULL ||
        assign_ids(im, "imp_item_map", "item", err) != JY_OK ||
        q(im, "ANALYZE imp_item_map", 0, NULL, err) == NULL ||
        q_count(im, "SELECT count(*) FROM imp_item_map", 0, NULL, &total, err) != JY_OK ||
        q_count(im, "SELECT count(*) FROM imp_article WHERE validity IN ('已修改', '已废止')", 0,
                NULL, &im->res->validity_degraded, err) != JY_OK)
        return JY_ERROR;
    if (draw_index_numbers(im, err) != JY_OK)
        return JY_ERROR;
    step(im, "items (new)");
    if (q_count(im,
                "WITH u AS (INSERT INTO item (id, site_id, kind, title, summary, author, source, "
                "  body, metadata, publish_at, doc_no, issuer, issued_on, validity, validity_on, "
                "  index_no, subtitle, publisher, subject, link_url, keywords, written_on, "
                "  effective_on) "
                "OVERRIDING SYSTEM VALUE "
                "SELECT v.id, v.site_id, v.kind, v.title, v.summary, v.author, v.source, v.body, "
                "  v.meta, v.pub_date, v.doc_no, v.issuer, v.issued_on, v.validity, v.validity_on, "
                "  coalesce(v.index_no, x.ino), v.subtitle, v.publisher, v.subject, v.link_url, "
                "  coalesce(v.keywords, '{}'), v.written_on, v.effective_on "
                "FROM (" ITEM_NEW ") v LEFT JOIN imp_index x ON x.id = v.id "
                "WHERE v.is_new ORDER BY v.id RETURNING 1) "
                "SELECT count(*) FROM u",
                0, NULL, &created, err) != JY_OK)
        return JY_ERROR;
    step(im, "items (changed)");
    if (q_count(im,
                "WITH u AS (UPDATE item t SET (" ITEM_COLS ", index_no) = (" ITEM_VALUES
                ", coalesce(v.index_no, t.index_no, x.ino)) "
                "FROM (" ITEM_NEW ") v LEFT JOIN imp_index x ON x.id = v.id "
                "WHERE t.id = v.id AND NOT v.is_new AND (" ITEM_COLS_T
                ", t.index_no) IS DISTINCT FROM (" ITEM_VALUES
                ", coalesce(v.index_no, t.index_no, x.ino)) RETURNING 1) SELECT count(*) FROM u",
                0, NULL, &updated, err) != JY_OK)
        return JY_ERROR;
    counted(im, JY_IMPORT_ITEM, total, created, updated);
    im->res->articles = total;
    /* pending.index_no: the number this import drew, which an export leaves out */
    return upsert_keys(im, "item",
                       "SELECT m.ext_id, m.local_id, m.site_id, "
                       "  CASE WHEN x.ino IS NOT NULL THEN jsonb_build_object('index_no', x.ino) "
                       "       WHEN a.index_no IS NOT NULL THEN NULL ELSE k.pending END AS pending "
                       "FROM imp_item_map m JOIN imp_article a USING (ext_id) "
                       "LEFT JOIN imp_index x ON x.id = m.local_id "
                       "LEFT JOIN import_key k ON k.source = $1 AND k.kind = $2 "
                       "  AND k.ext_id = m.ext_id",
                       err);
}


static int
apply_item_tags(struct imp *im, struct jy_err *err)
{
    long long deleted, c[3];

    step(im, "item tags");
    if (q(im,
          "CREATE TEMP TABLE imp_item_tag ON COMMIT DROP AS "
          "SELECT DISTINCT ON (m.local_id, t.id) m.local_id AS item_id, m.site_id, t.id AS tag_id, "
          "       (x.ord - 1)::smallint AS sort "
          "FROM imp_article a JOIN imp_item_map m USING (ext_id) "
          "CROSS JOIN LATERAL unnest(a.tags) WITH ORDINALITY AS x (name, ord) "
          "JOIN imp_tag t ON t.name = x.name WHERE t.id IS NOT NULL "
          "ORDER BY m.local_id, t.id, x.ord",
          0, NULL, err) == NULL ||
        q(im, "ANALYZE imp_item_tag", 0, NULL, err) == NULL ||
        q_count(im,
                "WITH d AS (DELETE FROM item_tag it USING imp_item_map m "
                "  WHERE it.item_id = m.local_id AND NOT EXISTS (SELECT 1 FROM imp_item_tag n "
                "    WHERE n.item_id = it.item_id AND n.tag_id = it.tag_id) RETURNING 1) "
                "SELECT count(*) FROM d",
                0, NULL, &deleted, err) != JY_OK ||
        q_counts(
            im,
            "WITH u AS (INSERT INTO item_tag AS x (site_id, item_id, tag_id, sort) "
            "  SELECT site_id, item_id, tag_id, sort FROM imp_item_tag ORDER BY item_id, tag_id "
            "  ON CONFLICT (item_id, tag_id) DO UPDATE SET sort = EXCLUDED.sort "
            "  WHERE x.sort IS DISTINCT FROM EXCLUDED.sort RETURNING xmax = 0 AS created) "
            "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created), "
            "  (SELECT count(*) FROM imp_item_tag) FROM u",
            0, NULL, c, 3, err) != JY_OK)
        return JY_ERROR;
    counted(im, JY_IMPORT_ITEM_TAG, c[2], c[0], c[1]);
    im->res->tables[JY_IMPORT_ITEM_TAG].deleted += deleted;
    return JY_OK;
}


static int
apply_placements(struct imp *im, struct jy_err *err)
{
    long long deleted, demoted, c[3];

    step(im, "placements");
    if (q(im,
          "CREATE TEMP TABLE imp_placement ON COMMIT DROP AS "
          "SELECT m.local_id AS item_id, cm.local_id AS column_id, cm.site_id, "
          "       x.ord = 1 AS is_primary, a.pub_date "
          "FROM imp_article a JOIN imp_item_map m USING (ext_id) "
          "CROSS JOIN LATERAL unnest(a.column_ids) WITH ORDINALITY AS x (cid, ord) "
          "JOIN imp_column_map cm ON cm.ext_id = x.cid",
          0, NULL, err) == NULL ||
        q(im, "ANALYZE imp_placement", 0, NULL, err) == NULL ||
        /* the record names every column of the item: other placements go */
        q_count(im,
                "WITH d AS (DELETE FROM placement p USING imp_item_map m "
                "  WHERE p.item_id = m.local_id AND NOT EXISTS (SELECT 1 FROM imp_placement n "
                "    WHERE n.item_id = p.item_id AND n.column_id = p.column_id) RETURNING 1) "
                "SELECT count(*) FROM d",
                0, NULL, &deleted, err) != JY_OK ||
        /* one primary per item: step down first, then the new one takes over */
        q_count(im,
                "WITH u AS (UPDATE placement p SET is_primary = false FROM imp_placement n "
                "  WHERE n.item_id = p.item_id AND n.column_id = p.column_id AND p.is_primary "
                "  AND NOT n.is_primary RETURNING 1) SELECT count(*) FROM u",
                0, NULL, &demoted, err) != JY_OK ||
        q_counts(im,
                 "WITH u AS (INSERT INTO placement AS x (item_id, column_id, site_id, state, "
                 "  published_at, is_primary) "
                 "  SELECT item_id, column_id, site_id, 'published', pub_date, is_primary "
                 "  FROM imp_placement ORDER BY item_id, column_id "
                 "  ON CONFLICT (item_id, column_id) DO UPDATE SET "
                 "    published_at = EXCLUDED.published_at, is_primary = EXCLUDED.is_primary "
                 "  WHERE (x.published_at, x.is_primary) IS DISTINCT FROM "
                 "    (EXCLUDED.published_at, EXCLUDED.is_primary) "
                 "  RETURNING xmax = 0 AS created) "
                 "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created), "
                 "  (SELECT count(*) FROM imp_placement) FROM u",
                 0, NULL, c, 3, err) != JY_OK)
        return JY_ERROR;
    if (demoted > c[2] - c[0] - c[1])
        demoted = c[2] - c[0] - c[1];
    counted(im, JY_IMPORT_PLACEMENT, c[2], c[0], c[1] + demoted);
    im->res->tables[JY_IMPORT_PLACEMENT].deleted += deleted;
    return JY_OK;
}


/* The one audit row of the import: what it was and what it did. */
/*
 * fields.interprets: an interpretation's documents, by their ids in
 * articles.jsonl. The links of an imported interpretation that names them
 * become exactly these.
 */
static int
apply_relations(struct imp *im, struct jy_err *err)
{
    struct jy_db_res *r;

    step(im, "interpretation links");
    r = q(im,
          "SELECT a.line, x.e FROM imp_article a "
          "CROSS JOIN LATERAL jsonb_array_elements_text(a.fields -> 'interprets') x (e) "
          "WHERE a.fields ? 'interprets' AND NOT EXISTS (SELECT 1 FROM imp_item_map m "
          "  WHERE m.ext_id = x.e::bigint) ORDER BY a.line LIMIT 1",
          0, NULL, err);
    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) > 0) {
        jy_err_set(err, JY_E_INVALID,
                   "articles.jsonl:%s: field \"fields.interprets\" names article %s, which is "
                   "not in articles.jsonl",
                   jy_db_res_get(r, 0, 0), jy_db_res_get(r, 0, 1));
        jy_err_field(err, "fields.interprets");
        return JY_ERROR;
    }
    /* fields.validity_by: the document that amended or repealed this one, by its id */
    r = q(im,
          "SELECT a.line, a.fields ->> 'validity_by' FROM imp_article a "
          "WHERE a.fields ? 'validity_by' AND NOT EXISTS (SELECT 1 FROM imp_item_map m "
          "  WHERE m.ext_id = (a.fields ->> 'validity_by')::bigint) ORDER BY a.line LIMIT 1",
          0, NULL, err);
    if (r == NULL)
        return JY_ERROR;
    if (jy_db_res_rows(r) > 0) {
        jy_err_set(err, JY_E_INVALID,
                   "articles.jsonl:%s: field \"fields.validity_by\" names article %s, which is "
                   "not in articles.jsonl",
                   jy_db_res_get(r, 0, 0), jy_db_res_get(r, 0, 1));
        jy_err_field(err, "fields.validity_by");
        return JY_ERROR;
    }
    /* the import's stand-in basis goes where the document is named */
    if (q(im,
          "UPDATE item t SET validity_by = d.local_id, "
          "  metadata = CASE WHEN t.metadata ->> 'validity_basis' = '" IMPORT_VALIDITY_BASIS "' "
          "    THEN t.metadata - 'validity_basis' ELSE t.metadata END "
          "FROM imp_article a JOIN imp_item_map m USING (ext_id) "
          "JOIN imp_item_map d ON d.ext_id = (a.fields ->> 'validity_by')::bigint "
          "WHERE a.fields ? 'validity_by' AND t.id = m.local_id "
          "AND (t.validity_by IS DISTINCT FROM d.local_id "
          "  OR t.metadata ->> 'validity_basis' = '" IMPORT_VALIDITY_BASIS "')",
          0, NULL, err) == NULL)
        return JY_ERROR;
    if (q(im,
          "CREATE TEMP TABLE imp_relation ON COMMIT DROP AS "
          "SELECT m.site_id, m.local_id AS from_id, d.local_id AS to_id, x.o::integer AS sort "
          "FROM imp_article a JOIN imp_item_map m USING (ext_id) "
          "CROSS JOIN LATERAL jsonb_array_elements_text(a.fields -> 'interprets') "
          "  WITH ORDINALITY x (e, o) "
          "JOIN imp_item_map d ON d.ext_id = x.e::bigint "
          "WHERE a.fields ? 'interprets'",
          0, NULL, err) == NULL ||
        q(im,
          "DELETE FROM item_relation r USING imp_article a JOIN imp_item_map m USING (ext_id) "
          "WHERE a.fields ? 'interprets' AND r.from_id = m.local_id AND r.kind = 'interprets' "
          "AND NOT EXISTS (SELECT 1 FROM imp_relation n WHERE n.from_id = r.from_id "
          "  AND n.to_id = r.to_id AND n.sort = r.sort)",
          0, NULL, err) == NULL ||
        q(im,
          "INSERT INTO item_relation (site_id, from_id, to_id, kind, sort) "
          "SELECT site_id, from_id, to_id, 'interprets', sort FROM imp_relation "
          "ORDER BY from_id, sort ON CONFLICT DO NOTHING",
          0, NULL, err) == NULL)
        return JY_ERROR;
    return JY_OK;
}


/*
 * The revisions of the imported items hold their tags as imported
 * (schema/0036): a revision this import wrote gets them; an item whose
 * tags alone changed gets a new revision.
 */
static int
sync_revisions(struct imp *im, struct jy_err *err)
{
    step(im, "revisions");
    return q(im, "SELECT jy_item_revision_sync(ARRAY(SELECT local_id FROM imp_item_map))", 0, NULL,
             err)
               ? JY_OK
               : JY_ERROR;
}


static int
audit(struct imp *im, struct jy_err *err)
{
    struct jy_buf a = JY_BUF_INIT(im->line_pool);
    char root[24];
    const char *p[3];
    int t;

    jy_buf_add_str(&a, "{\"dir\":");
    jy_buf_add_json_str(&a, im->o->dir, strlen(im->o->dir));
    jy_buf_addf(&a,
                ",\"sites\":%lld,\"columns\":%lld,\"articles\":%lld,\"bad\":%lld,"
                "\"validity_degraded\":%lld,\"tables\":{",
                im->res->sites, im->res->columns, im->res->articles, im->res->bad,
                im->res->validity_degraded);
    for (t = 0; t < JY_IMPORT_NTABLES; t++) {
        const struct jy_import_count *c = &im->res->tables[t];
        jy_buf_addf(&a,
                    "%s\"%s\":{\"created\":%lld,\"updated\":%lld,\"unchanged\":%lld,"
                    "\"deleted\":%lld}",
                    t ? "," : "", table_names[t], c->created, c->updated, c->unchanged, c->deleted);
    }
    jy_buf_add_str(&a, "}}");
    snprintf(root, sizeof(root), "%lld", im->res->platform_id);
    p[0] = im->source;
    p[1] = root;
    p[2] = a.buf;
    return q(im, "SELECT jy_audit('import.corpus', 'import', $1, $2::bigint, NULL, $3::jsonb)", 3,
             p, err)
               ? JY_OK
               : JY_ERROR;
}


static bool
source_ok(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > 64)
        return false;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              (i > 0 && (c == '.' || c == '_' || c == '-'))))
            return false;
    }
    return true;
}


static void
destroy_pool(void *data)
{
    jy_pool_destroy(data);
}


const char *
jy_import_table_name(enum jy_import_table t)
{
    return (unsigned) t < JY_IMPORT_NTABLES ? table_names[t] : "?";
}


int
jy_import_corpus(struct jy_db *db, struct jy_pool *pool, const struct jy_import_opts *o,
                 struct jy_import_result *res, struct jy_err *err)
{
    static const char *const copies[3] = {copy_sites_sql, copy_columns_sql, copy_articles_sql};
    static const read_record_fn readers[3] = {read_site, read_column, read_article};
    struct jy_pool *work = jy_pool_create(0);
    struct imp im;
    bool began = false, reading = true;
    int f, rc = JY_ERROR;

    memset(res, 0, sizeof(*res));
    memset(&im, 0, sizeof(im));
    im.db = db;
    im.pool = pool;
    im.o = o;
    im.res = res;
    im.source = o->source ? o->source : DEFAULT_SOURCE;
    im.line_pool = jy_pool_create(0);
    jy_pool_cleanup_add(work, destroy_pool, im.line_pool);
    jy_buf_init(&im.copy, work, COPY_FLUSH + 64 * 1024);
    hset_init(&im.site_ids, work);
    hset_init(&im.col_ids, work);
    hset_init(&im.uniq, work);
    hset_init(&im.article_ids, work);
    res->bad_list = jy_pool_new_array(pool, struct jy_import_bad, JY_IMPORT_BAD_LIST);
    res->sanitized_list = jy_pool_new_array(pool, struct jy_import_bad, JY_IMPORT_BAD_LIST);
    res->dry_run = o->dry_run;

    if (!source_ok(im.source)) {
        jy_err_set(err, JY_E_INVALID,
                   "source \"%s\" must be 1 to 64 lower-case letters, digits, "
                   "\".\", \"_\" or \"-\"",
                   im.source);
        jy_err_field(err, "source");
        goto out;
    }
    if (read_manifest(&im, err) != JY_OK)
        goto out;
    for (f = 0; f < 3; f++) {
        if (reader_open(&im.files[f], work, o->dir, file_names[f], err) != JY_OK)
            goto out;
        im.prog.bytes_total += im.files[f].size;
    }
    if (jy_db_begin(db, err) != JY_OK)
        goto out;
    began = true;
    /*
     * Per-row audit off (one row sums the import up), room for the hash
     * joins, and one import at a time: a second waits for the first to end
     * (two would race for the same new sites and keys).
     */
    if (q(&im,
          "SELECT set_config('jy.bulk', 'on', true), set_config('work_mem', '64MB', true), "
          "pg_advisory_xact_lock(hashtext('jiyue import'))",
          0, NULL, err) == NULL ||
        jy_db_exec(db, stage_sql, err) != JY_OK)
        goto out;
    for (f = 0; f < 3; f++) {
        if (read_file(&im, f, copies[f], readers[f], err) != JY_OK)
            goto out;
        if (f == F_SITES && check_sites(&im, err) != JY_OK)
            goto out;
        if (f == F_COLUMNS && check_columns(&im, err) != JY_OK)
            goto out;
    }
    reading = false;
    if (q(&im, "ANALYZE imp_article", 0, NULL, err) == NULL || apply_sites(&im, err) != JY_OK ||
        apply_columns(&im, err) != JY_OK || apply_tags(&im, err) != JY_OK ||
        apply_items(&im, err) != JY_OK || apply_item_tags(&im, err) != JY_OK ||
        apply_placements(&im, err) != JY_OK || apply_relations(&im, err) != JY_OK ||
        sync_revisions(&im, err) != JY_OK || audit(&im, err) != JY_OK)
        goto out;
    if (o->dry_run) {
        jy_db_rollback(db);
        began = false;
    } else {
        step(&im, "commit");
        if (jy_db_commit(db, err) != JY_OK) {
            began = false;
            goto out;
        }
        began = false;
        /*
         * Fresh statistics, and a visibility map that lets the list pages
         * of core/query.c read placements from the index alone. Autovacuum
         * would get there too, minutes later; a failure here loses nothing.
         */
        step(&im, "statistics");
        if (jy_db_exec(db, "VACUUM (ANALYZE) placement, item_tag, import_key", err) != JY_OK ||
            jy_db_exec(db, "ANALYZE item, site, site_domain, site_column, tag", err) != JY_OK) {
            jy_log_warn("import", "could not refresh the statistics: %s", err->msg);
            jy_err_clear(err);
        }
    }
    rc = JY_OK;

out:
    if (rc != JY_OK && !reading && !im.clashed && im.prog.step)
        jy_err_prefix(err, "could not import the %s", im.prog.step);
    if (im.in_copy) {
        struct jy_err ignored = JY_ERR_INIT;
        jy_db_copy_end(db, &ignored);
    }
    if (began)
        jy_db_rollback(db);
    for (f = 0; f < 3; f++)
        res->bytes += im.files[f].bytes;
    free(im.sites);
    free(im.cols);
    jy_pool_destroy(work);
    return rc;
}
