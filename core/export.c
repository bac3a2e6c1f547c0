/*
 * export.c - the platform in the corpus format; see export.h.
 */
#include "core/compat.h"
#include "core/export.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "core/pool.h"
#include "core/site.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#define FETCH_ROWS 500
/* The basis an import gives migrated 已修改/已废止 documents (import.c): not written back. */
#define EXPORT_VALIDITY_BASIS "原系统迁移，废止/修改依据未录入"
#define DEFAULT_SOURCE        "corpus"

static const char *const file_names[3] = {"sites.jsonl", "columns.jsonl", "articles.jsonl"};

/* What manifest.json counts (the generator's counts, ../shared/bench/make_corpus.py). */
struct counts {
    long long sites, by_level[4];
    long long columns, by_type[3], shared;
    long long articles, multi_column, cross_site, policy_docs, with_attachments, body_chars,
        tag_assignments;
};

struct exp {
    struct jy_db *db;
    struct jy_pool *pool;
    struct jy_pool *batch; /* reset for every FETCH */
    const struct jy_export_opts *o;
    struct jy_export_result *res;
    const char *source;
    const char *site_code; /* --site, as its code; NULL: all */
    struct counts n;
    FILE *out;
    const char *tmp_path;    /* of the file being written */
    const char *done_tmp[4]; /* files written, to rename at the end */
    const char *done_path[4];
    int ndone;
    struct jy_buf line;
};


/* A JSON string as Python's json.dumps(ensure_ascii=False) writes it. */
static void
json_str(struct jy_buf *b, const char *s)
{
    if (s == NULL) {
        jy_buf_add(b, "null", 4);
        return;
    }
    /* jy_buf_add_json_str writes the short escapes (\n, \b ...) as json.dumps does */
    jy_buf_add_json_str(b, s, strlen(s));
}


/* ,"key": (first: without the comma, with the opening brace) */
static void
json_key(struct jy_buf *b, const char *key, bool first)
{
    jy_buf_add_str(b, first ? "{\"" : ",\"");
    jy_buf_add_str(b, key);
    jy_buf_add_str(b, "\":");
}


/* A number of the database as text, or null. */
static void
json_num(struct jy_buf *b, const char *v)
{
    jy_buf_add_str(b, v ? v : "null");
}


/* Text characters of an HTML body, tags not counted (make_corpus.py body_chars). */
static long long
text_chars(const char *s)
{
    long long n = 0;
    bool tag = false;

    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '<')
            tag = true;
        else if (c == '>' && tag)
            tag = false;
        else if (!tag && (c & 0xC0) != 0x80)
            n++;
    }
    return n;
}


static struct jy_db_res *
q(struct exp *ex, const char *sql, int n, const char *const *p, struct jy_err *err)
{
    return jy_db_query(ex->db, ex->batch, sql, n, p, err);
}


/* ---- files ----------------------------------------------------------------------------------- */

static int
file_open(struct exp *ex, int f, struct jy_err *err)
{
    ex->tmp_path = jy_pool_printf(ex->pool, "%s/.%s.tmp", ex->o->dir, file_names[f]);
    ex->out = fopen(ex->tmp_path, "w");
    if (ex->out == NULL) {
        jy_err_errno(err, errno, "cannot write \"%s\"", ex->tmp_path);
        return JY_ERROR;
    }
    setvbuf(ex->out, NULL, _IOFBF, 1 << 20);
    return JY_OK;
}


static int
file_put_line(struct exp *ex, struct jy_err *err)
{
    jy_buf_add_char(&ex->line, '\n');
    if (jy_buf_finish(&ex->line) != JY_OK) {
        jy_err_set(err, JY_E_TOO_LARGE, "a record of \"%s\" is too large", ex->tmp_path);
        return JY_ERROR;
    }
    if (fwrite(ex->line.buf, 1, ex->line.len, ex->out) != ex->line.len) {
        jy_err_errno(err, errno, "cannot write \"%s\"", ex->tmp_path);
        return JY_ERROR;
    }
    ex->res->bytes += (long long) ex->line.len;
    jy_buf_reset(&ex->line);
    return JY_OK;
}


/* Close the temporary file; it gets its name once the transaction committed. */
static int
file_close(struct exp *ex, const char *name, struct jy_err *err)
{
    FILE *f = ex->out;

    ex->out = NULL;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        jy_err_errno(err, errno, "cannot write \"%s\"", ex->tmp_path);
        fclose(f);
        return JY_ERROR;
    }
    if (fclose(f) != 0) {
        jy_err_errno(err, errno, "cannot write \"%s\"", ex->tmp_path);
        return JY_ERROR;
    }
    ex->done_tmp[ex->ndone] = ex->tmp_path;
    ex->done_path[ex->ndone] = jy_pool_printf(ex->pool, "%s/%s", ex->o->dir, name);
    ex->ndone++;
    ex->tmp_path = NULL;
    return JY_OK;
}


/* ---- the scope and its ids ------------------------------------------------------------------- */

/*
 * exp_site, exp_column, exp_item: the rows to write with their ids in the
 * source, which rows that have none get now (the next free ones).
 */
static int
scope(struct exp *ex, long long site, struct jy_err *err)
{
    char sid[24];
    const char *p[2];
    struct jy_db_res *r;
    static const char *const kinds[3][2] = {
        {"site", "exp_site"}, {"column", "exp_column"}, {"item", "exp_item"}};
    int k;

    snprintf(sid, sizeof(sid), "%lld", site);
    p[0] = site ? sid : NULL;
    if (q(ex,
          "CREATE TEMP TABLE exp_site ON COMMIT DROP AS "
          "SELECT id, id AS site_id, NULL::bigint AS ext FROM site "
          "WHERE kind = 'site' AND level IN ('province', 'city', 'county', 'department') "
          "  AND ($1::bigint IS NULL OR path @> ARRAY[$1::bigint])",
          1, p, err) == NULL ||
        q(ex,
          "CREATE TEMP TABLE exp_column ON COMMIT DROP AS "
          "SELECT c.id, c.site_id, NULL::bigint AS ext FROM site_column c "
          "JOIN exp_site s ON s.id = c.site_id",
          0, NULL, err) == NULL ||
        /* items of every kind published in a list or topic column of their own site */
        q(ex,
          "CREATE TEMP TABLE exp_item ON COMMIT DROP AS "
          "SELECT i.id, i.site_id, NULL::bigint AS ext FROM item i JOIN exp_site s ON s.id = i.site_id "
          "WHERE EXISTS (SELECT 1 FROM placement p "
          "  JOIN site_column c ON c.id = p.column_id WHERE p.item_id = i.id "
          "  AND p.state = 'published' AND c.site_id = i.site_id AND c.kind IN ('list', 'topic') "
          "  AND c.reuse_column_id IS NULL)",
          0, NULL, err) == NULL)
        return JY_ERROR;
    r = q(ex,
          "SELECT count(*) - (SELECT count(*) FROM exp_item) FROM item i "
          "JOIN exp_site s ON s.id = i.site_id",
          0, NULL, err);
    if (r == NULL)
        return JY_ERROR;
    ex->res->items_skipped = atoll(jy_db_res_get(r, 0, 0));

    if (q(ex, "ALTER TABLE exp_item ADD COLUMN pending jsonb", 0, NULL, err) == NULL)
        return JY_ERROR;
    p[0] = ex->source;
    for (k = 0; k < 3; k++) {
        struct jy_buf sql = JY_BUF_INIT(ex->batch);
        p[1] = kinds[k][0];
        jy_buf_addf(&sql,
                    "WITH base AS (SELECT coalesce(max(ext_id), 0) AS b FROM import_key "
                    "  WHERE source = $1 AND kind = $2), "
                    "todo AS (SELECT e.id, e.site_id, row_number() OVER (ORDER BY e.id) AS n "
                    "  FROM %s e WHERE NOT EXISTS (SELECT 1 FROM import_key k "
                    "    WHERE k.source = $1 AND k.kind = $2 AND k.local_id = e.id)) "
                    "INSERT INTO import_key (source, kind, ext_id, local_id, site_id) "
                    "SELECT $1, $2, base.b + todo.n, todo.id, todo.site_id FROM todo, base "
                    "ORDER BY todo.n",
                    kinds[k][1]);
        r = q(ex, sql.buf, 2, p, err);
        if (r == NULL)
            return JY_ERROR;
        ex->res->keys_added += jy_db_res_affected(r);
        jy_buf_reset(&sql);
        jy_buf_addf(&sql,
                    "UPDATE %s e SET ext = k.ext_id%s FROM import_key k "
                    "WHERE k.source = $1 AND k.kind = $2 AND k.local_id = e.id",
                    kinds[k][1], k == 2 ? ", pending = k.pending" : "");
        if (q(ex, sql.buf, 2, p, err) == NULL)
            return JY_ERROR;
        jy_buf_reset(&sql);
        jy_buf_addf(&sql, "CREATE UNIQUE INDEX ON %s (id); ANALYZE %s", kinds[k][1], kinds[k][1]);
        if (jy_db_exec(ex->db, sql.buf, err) != JY_OK)
            return JY_ERROR;
    }
    return JY_OK;
}


/* ---- sites.jsonl, columns.jsonl -------------------------------------------------------------- */

static int
write_sites(struct exp *ex, struct jy_err *err)
{
    static const char *const levels[4] = {"province", "city", "county", "department"};
    struct jy_db_res *r;
    int i, l;

    r = q(ex,
          "SELECT e.ext, pe.ext, s.level, s.name, "
          "  (SELECT d.domain FROM site_domain d WHERE d.site_id = s.id "
          "   ORDER BY d.is_primary DESC, d.domain LIMIT 1), s.code, s.admin_code, s.icp_no "
          "FROM exp_site e JOIN site s ON s.id = e.id LEFT JOIN exp_site pe ON pe.id = s.parent_id "
          "ORDER BY e.ext",
          0, NULL, err);
    if (r == NULL || file_open(ex, 0, err) != JY_OK)
        return JY_ERROR;
    for (i = 0; i < jy_db_res_rows(r); i++) {
        struct jy_buf *b = &ex->line;
        const char *level = jy_db_res_get(r, i, 2);
        json_key(b, "id", true);
        json_num(b, jy_db_res_get(r, i, 0));
        json_key(b, "parent_id", false);
        json_num(b, jy_db_res_get(r, i, 1));
        json_key(b, "level", false);
        json_str(b, level);
        json_key(b, "name", false);
        json_str(b, jy_db_res_get(r, i, 3));
        json_key(b, "domain", false);
        json_str(b, jy_db_res_get(r, i, 4));
        json_key(b, "site_code", false);
        json_str(b, jy_db_res_get(r, i, 5));
        json_key(b, "admin_code", false);
        json_str(b, jy_db_res_get(r, i, 6));
        json_key(b, "icp", false);
        json_str(b, jy_db_res_get(r, i, 7));
        jy_buf_add_char(b, '}');
        if (file_put_line(ex, err) != JY_OK)
            return JY_ERROR;
        for (l = 0; l < 4; l++)
            if (strcmp(level, levels[l]) == 0)
                ex->n.by_level[l]++;
    }
    ex->n.sites = ex->res->sites = jy_db_res_rows(r);
    return file_close(ex, file_names[0], err);
}


static int
write_columns(struct exp *ex, struct jy_err *err)
{
    static const char *const types[3] = {"list", "page", "link"};
    struct jy_db_res *r;
    int i, t;

    r = q(
        ex,
        "SELECT e.ext, se.ext, pe.ext, c.name, c.code, c.kind, c.sort, re.ext, c.url, c.body, "
        "  c.kind = 'topic', c.reuse_column_id IS NOT NULL AND re.ext IS NULL, "
        "  CASE WHEN re.ext IS NOT NULL THEN c.reuse_tag_filter END, "
        "  CASE WHEN re.ext IS NOT NULL AND c.reuse_kinds <> '{}' "
        "    THEN array_to_json(c.reuse_kinds)::text END "
        "FROM exp_column e JOIN site_column c ON c.id = e.id JOIN exp_site se ON se.id = c.site_id "
        "LEFT JOIN exp_column pe ON pe.id = c.parent_id "
        "LEFT JOIN (exp_column re JOIN site_column rc ON rc.id = re.id "
        "           AND rc.reuse_column_id IS NULL AND rc.kind IN ('list', 'topic')) "
        "  ON re.id = c.reuse_column_id "
        "ORDER BY e.ext",
        0, NULL, err);
    if (r == NULL || file_open(ex, 1, err) != JY_OK)
        return JY_ERROR;
    for (i = 0; i < jy_db_res_rows(r); i++) {
        struct jy_buf *b = &ex->line;
        const char *type = jy_db_res_get(r, i, 5);
        json_key(b, "id", true);
        json_num(b, jy_db_res_get(r, i, 0));
        json_key(b, "site_id", false);
        json_num(b, jy_db_res_get(r, i, 1));
        json_key(b, "parent_id", false);
        json_num(b, jy_db_res_get(r, i, 2));
        json_key(b, "name", false);
        json_str(b, jy_db_res_get(r, i, 3));
        json_key(b, "code", false);
        json_str(b, jy_db_res_get(r, i, 4));
        json_key(b, "type", false);
        json_str(b, type);
        json_key(b, "sort", false);
        json_num(b, jy_db_res_get(r, i, 6));
        json_key(b, "shared_from", false);
        json_num(b, jy_db_res_get(r, i, 7));
        json_key(b, "url", false);
        json_str(b, jy_db_res_get(r, i, 8));
        json_key(b, "body", false);
        json_str(b, jy_db_res_get(r, i, 9));
        /* extensions, only where they apply (export.h) */
        if (jy_db_res_get(r, i, 12)) {
            json_key(b, "reuse_tag_filter", false);
            json_str(b, jy_db_res_get(r, i, 12));
        }
        if (jy_db_res_get(r, i, 13)) {
            json_key(b, "reuse_kinds", false);
            jy_buf_add_str(b, jy_db_res_get(r, i, 13));
        }
        jy_buf_add_char(b, '}');
        if (file_put_line(ex, err) != JY_OK)
            return JY_ERROR;
        for (t = 0; t < 3; t++)
            if (strcmp(type, types[t]) == 0 || (t == 0 && strcmp(type, "topic") == 0))
                ex->n.by_type[t]++;
        if (jy_db_res_get(r, i, 7))
            ex->n.shared++;
        if (strcmp(jy_db_res_get(r, i, 10), "t") == 0)
            ex->res->topics++;
        if (strcmp(jy_db_res_get(r, i, 11), "t") == 0)
            ex->res->reuse_dropped++;
    }
    ex->n.columns = ex->res->columns = jy_db_res_rows(r);
    return file_close(ex, file_names[1], err);
}


/* ---- articles.jsonl -------------------------------------------------------------------------- */

/* The attachments of metadata, keys in the corpus order (name, url, size, format). */
static void
write_attachments(struct exp *ex, const char *json)
{
    static const char *const keys[4] = {"name", "url", "size", "format"};
    struct jy_buf *b = &ex->line;
    struct jy_err err = JY_ERR_INIT;
    struct cJSON *tree = json ? jy_json_parse(ex->batch, json, strlen(json), &err) : NULL;
    const struct cJSON *a;
    bool first = true;
    int k;

    jy_buf_add_char(b, '[');
    if (tree == NULL || !cJSON_IsArray(tree)) {
        jy_buf_add_char(b, ']');
        return;
    }
    cJSON_ArrayForEach(a, tree)
    {
        if (!cJSON_IsObject(a))
            continue;
        if (!first)
            jy_buf_add_char(b, ',');
        first = false;
        for (k = 0; k < 4; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, keys[k]);
            json_key(b, keys[k], k == 0);
            if (cJSON_IsString(v))
                json_str(b, v->valuestring);
            else if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
                     fabs(v->valuedouble) < 9007199254740992.0)
                jy_buf_addf(b, "%lld", (long long) v->valuedouble);
            else if (cJSON_IsNumber(v))
                jy_buf_addf(b, "%.17g", v->valuedouble);
            else
                jy_buf_add_str(b, "null");
        }
        jy_buf_add_char(b, '}');
    }
    jy_buf_add_char(b, ']');
}


static const char articles_cursor[] =
    "DECLARE exp_cur NO SCROLL CURSOR FOR "
    "SELECT e.ext, se.ext, pl.cols, i.title, i.summary, i.author, i.source, "
    "  to_char(x.ts AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS') "
    "  || CASE WHEN extract(microseconds FROM x.ts) % 1000000 = 0 THEN '' "
    "          ELSE rtrim(to_char(x.ts AT TIME ZONE 'Asia/Shanghai', '.US'), '0') END "
    "  || '+08:00', "
    "  tg.tags, i.doc_no, "
    "  CASE WHEN i.kind = 'policy' AND i.doc_no IS NOT NULL THEN CASE "
    "    WHEN i.validity = 'expired' AND e.pending ? 'validity' THEN e.pending ->> 'validity' "
    "    ELSE CASE i.validity "
    "    WHEN 'valid' THEN '有效' WHEN 'amended' THEN '已修改' WHEN 'repealed' THEN '已废止' "
    "    WHEN 'expired' THEN '已失效' END END END, "
    "  i.metadata -> 'attachments', coalesce(i.body, ''), pl.ncols, pl.cross_site, tg.ntags, "
    "  CASE WHEN i.kind <> CASE WHEN i.doc_no IS NULL THEN 'article' ELSE 'policy' END "
    "    THEN i.kind END, "
    "  CASE WHEN i.index_no IS DISTINCT FROM e.pending ->> 'index_no' THEN i.index_no END, "
    "  nullif(jsonb_strip_nulls(jsonb_build_object("
    "    'subtitle', i.subtitle, 'publisher', i.publisher, 'subject', i.subject, "
    "    'keywords', CASE WHEN i.keywords <> '{}' THEN to_jsonb(i.keywords) END, "
    "    'link_url', i.link_url, 'written_on', i.written_on, 'effective_on', i.effective_on, "
    "    'issuer', CASE WHEN i.kind = 'policy' AND i.issuer IS DISTINCT FROM s.name "
    "      THEN i.issuer END, "
    "    'issued_on', CASE WHEN i.kind = 'policy' AND i.issued_on IS DISTINCT FROM "
    "      (x.ts AT TIME ZONE st.time_zone)::date THEN i.issued_on END, "
    "    'validity_on', CASE WHEN i.validity_on IS DISTINCT FROM CASE WHEN i.validity <> 'valid' "
    "      THEN (x.ts AT TIME ZONE st.time_zone)::date END THEN i.validity_on END, "
    "    'validity_by', (SELECT ev.ext FROM exp_item ev WHERE ev.id = i.validity_by), "
    "    'interprets', (SELECT jsonb_agg(ei.ext ORDER BY r.sort, r.to_id) FROM item_relation r "
    "      JOIN exp_item ei ON ei.id = r.to_id WHERE r.from_id = i.id AND r.kind = 'interprets')) "
    "    || (i.metadata - 'attachments' - CASE WHEN i.metadata ->> 'validity_basis' = "
    "      '" EXPORT_VALIDITY_BASIS "' AND i.validity IN ('amended', 'repealed') "
    "      THEN 'validity_basis' ELSE '' END)), '{}')::text "
    "FROM exp_item e JOIN item i ON i.id = e.id JOIN exp_site se ON se.id = i.site_id "
    "JOIN site s ON s.id = i.site_id JOIN site st ON st.id = i.site_id "
    "CROSS JOIN LATERAL (SELECT string_agg(ce.ext::text, ',' ORDER BY "
    "      c.site_id = i.site_id AND p.is_primary DESC, c.site_id = i.site_id DESC, p.id) AS cols, "
    "    count(*) AS ncols, bool_or(c.site_id <> i.site_id) AS cross_site, "
    "    min(p.published_at) AS first_pub "
    "  FROM placement p JOIN exp_column ce ON ce.id = p.column_id "
    "  JOIN site_column c ON c.id = p.column_id "
    "  WHERE p.item_id = i.id AND p.state = 'published' AND c.kind IN ('list', 'topic') "
    "    AND c.reuse_column_id IS NULL) pl "
    "CROSS JOIN LATERAL (SELECT coalesce(i.publish_at, pl.first_pub) AS ts) x "
    "CROSS JOIN LATERAL (SELECT string_agg(t.name, ' ' ORDER BY it.sort, t.name) AS tags, "
    "    count(*) AS ntags FROM item_tag it JOIN tag t ON t.id = it.tag_id "
    "  WHERE it.item_id = i.id) tg "
    "ORDER BY e.ext";

static int
write_article(struct exp *ex, const struct jy_db_res *r, int i, struct jy_err *err)
{
    struct jy_buf *b = &ex->line;
    const char *tags = jy_db_res_get(r, i, 8), *body = jy_db_res_get(r, i, 12);
    const char *att = jy_db_res_get(r, i, 11);

    json_key(b, "id", true);
    json_num(b, jy_db_res_get(r, i, 0));
    json_key(b, "site_id", false);
    json_num(b, jy_db_res_get(r, i, 1));
    json_key(b, "column_ids", false);
    jy_buf_add_char(b, '[');
    jy_buf_add_str(b, jy_db_res_get(r, i, 2));
    jy_buf_add_char(b, ']');
    json_key(b, "title", false);
    json_str(b, jy_db_res_get(r, i, 3));
    json_key(b, "summary", false);
    json_str(b, jy_db_res_get(r, i, 4));
    json_key(b, "author", false);
    json_str(b, jy_db_res_get(r, i, 5));
    json_key(b, "source", false);
    json_str(b, jy_db_res_get(r, i, 6));
    json_key(b, "pub_date", false);
    json_str(b, jy_db_res_get(r, i, 7));
    json_key(b, "tags", false);
    jy_buf_add_char(b, '[');
    if (tags) {
        /* names joined by spaces: a tag name holds none */
        const char *s = tags;
        while (*s) {
            size_t n = strcspn(s, " ");
            char *one = jy_pool_strndup(ex->batch, s, n);
            if (s != tags)
                jy_buf_add_char(b, ',');
            json_str(b, one);
            s += n;
            while (*s == ' ')
                s++;
        }
    }
    jy_buf_add_char(b, ']');
    json_key(b, "doc_no", false);
    json_str(b, jy_db_res_get(r, i, 9));
    json_key(b, "validity", false);
    json_str(b, jy_db_res_get(r, i, 10));
    json_key(b, "attachments", false);
    write_attachments(ex, att);
    json_key(b, "body", false);
    json_str(b, body);
    /* extensions, only where they apply (export.h) */
    if (jy_db_res_get(r, i, 16)) {
        json_key(b, "kind", false);
        json_str(b, jy_db_res_get(r, i, 16));
    }
    if (jy_db_res_get(r, i, 17)) {
        json_key(b, "index_no", false);
        json_str(b, jy_db_res_get(r, i, 17));
    }
    if (jy_db_res_get(r, i, 18)) {
        const char *f = jy_db_res_get(r, i, 18);
        struct jy_err ignored = JY_ERR_INIT;
        struct cJSON *tree = jy_json_parse(ex->batch, f, strlen(f), &ignored);
        json_key(b, "fields", false);
        if (tree == NULL || jy_json_print(tree, b) != JY_OK)
            jy_buf_add_str(b, "null");
    }
    jy_buf_add_char(b, '}');

    ex->n.articles++;
    if (atoll(jy_db_res_get(r, i, 13)) > 1)
        ex->n.multi_column++;
    if (strcmp(jy_db_res_get(r, i, 14), "t") == 0)
        ex->n.cross_site++;
    if (jy_db_res_get(r, i, 9))
        ex->n.policy_docs++;
    if (att && strcmp(att, "[]") != 0)
        ex->n.with_attachments++;
    ex->n.body_chars += text_chars(body);
    ex->n.tag_assignments += atoll(jy_db_res_get(r, i, 15));
    return file_put_line(ex, err);
}


static int
write_articles(struct exp *ex, struct jy_err *err)
{
    if (q(ex, articles_cursor, 0, NULL, err) == NULL || file_open(ex, 2, err) != JY_OK)
        return JY_ERROR;
    for (;;) {
        struct jy_db_res *r;
        int i, n;
        char sql[64];

        jy_pool_reset(ex->batch);
        jy_buf_init(&ex->line, ex->batch, 64 * 1024);
        snprintf(sql, sizeof(sql), "FETCH %d FROM exp_cur", FETCH_ROWS);
        r = q(ex, sql, 0, NULL, err);
        if (r == NULL)
            return JY_ERROR;
        n = jy_db_res_rows(r);
        for (i = 0; i < n; i++)
            if (write_article(ex, r, i, err) != JY_OK)
                return JY_ERROR;
        if (n < FETCH_ROWS)
            break;
    }
    if (q(ex, "CLOSE exp_cur", 0, NULL, err) == NULL)
        return JY_ERROR;
    ex->res->articles = ex->n.articles;
    return file_close(ex, file_names[2], err);
}


/* ---- manifest.json --------------------------------------------------------------------------- */

/* Written the way Python's json.dump(indent=2) writes the generator's manifest. */
static int
write_manifest(struct exp *ex, struct jy_err *err)
{
    struct jy_buf *b = &ex->line;
    const struct counts *n = &ex->n;

    jy_buf_reset(b);
    jy_buf_add_str(b, "{\n  \"format_version\": 1,\n  \"generator\": \"jiyue-export/1\",\n"
                      "  \"params\": {\n    \"site\": ");
    json_str(b, ex->site_code);
    jy_buf_add_str(b, ",\n    \"source\": ");
    json_str(b, ex->source);
    jy_buf_addf(b,
                "\n  },\n  \"counts\": {\n    \"sites\": %lld,\n    \"sites_by_level\": {\n"
                "      \"province\": %lld,\n      \"city\": %lld,\n      \"county\": %lld,\n"
                "      \"department\": %lld\n    },\n    \"columns\": %lld,\n"
                "    \"columns_by_type\": {\n      \"list\": %lld,\n      \"page\": %lld,\n"
                "      \"link\": %lld\n    },\n    \"shared_columns\": %lld,\n"
                "    \"articles\": %lld,\n    \"multi_column\": %lld,\n    \"cross_site\": %lld,\n"
                "    \"policy_docs\": %lld,\n    \"with_attachments\": %lld,\n"
                "    \"body_chars\": %lld,\n    \"tag_assignments\": %lld\n  },\n"
                "  \"files\": [\n    \"sites.jsonl\",\n    \"columns.jsonl\",\n"
                "    \"articles.jsonl\"\n  ]\n}",
                n->sites, n->by_level[0], n->by_level[1], n->by_level[2], n->by_level[3],
                n->columns, n->by_type[0], n->by_type[1], n->by_type[2], n->shared, n->articles,
                n->multi_column, n->cross_site, n->policy_docs, n->with_attachments, n->body_chars,
                n->tag_assignments);
    ex->tmp_path = jy_pool_printf(ex->pool, "%s/.manifest.json.tmp", ex->o->dir);
    ex->out = fopen(ex->tmp_path, "w");
    if (ex->out == NULL) {
        jy_err_errno(err, errno, "cannot write \"%s\"", ex->tmp_path);
        return JY_ERROR;
    }
    if (file_put_line(ex, err) != JY_OK)
        return JY_ERROR;
    return file_close(ex, "manifest.json", err);
}


static void
destroy_pool(void *data)
{
    jy_pool_destroy(data);
}


int
jy_export_corpus(struct jy_db *db, struct jy_pool *pool, const struct jy_export_opts *o,
                 struct jy_export_result *res, struct jy_err *err)
{
    struct exp ex;
    long long site = 0;
    bool began = false;
    int rc = JY_ERROR, i;
    long long bytes;

    memset(res, 0, sizeof(*res));
    memset(&ex, 0, sizeof(ex));
    ex.db = db;
    ex.pool = pool;
    ex.o = o;
    ex.res = res;
    ex.source = o->source ? o->source : DEFAULT_SOURCE;
    ex.batch = jy_pool_create(0);
    jy_pool_cleanup_add(pool, destroy_pool, ex.batch);
    jy_buf_init(&ex.line, ex.batch, 64 * 1024);

    if (mkdir(o->dir, 0755) != 0) {
        struct stat st;
        if (errno != EEXIST) {
            jy_err_errno(err, errno, "cannot create folder \"%s\"", o->dir);
            return JY_ERROR;
        }
        if (stat(o->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            jy_err_set(err, JY_E_INVALID, "\"%s\" is not a folder", o->dir);
            return JY_ERROR;
        }
    }
    if (o->site) {
        const char *p[1];
        char id[24];
        if (jy_site_resolve(db, pool, o->site, "site", &site, err) != JY_OK)
            return JY_ERROR;
        snprintf(id, sizeof(id), "%lld", site);
        p[0] = id;
        ex.site_code = jy_pool_strdup(
            pool,
            jy_db_query_value(db, pool, "SELECT coalesce(code, id::text) FROM site WHERE id = $1",
                              1, p, err));
    }
    /* one snapshot for the whole export */
    if (jy_db_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ", err) != JY_OK)
        return JY_ERROR;
    began = true;
    if (q(&ex, "SELECT set_config('jy.bulk', 'on', true), set_config('work_mem', '64MB', true)", 0,
          NULL, err) == NULL ||
        scope(&ex, site, err) != JY_OK || write_sites(&ex, err) != JY_OK ||
        write_columns(&ex, err) != JY_OK || write_articles(&ex, err) != JY_OK)
        goto out;
    bytes = res->bytes; /* of the .jsonl files */
    if (write_manifest(&ex, err) != JY_OK)
        goto out;
    res->bytes = bytes;
    if (res->keys_added > 0) {
        char after[200], root[24];
        const char *p[3];
        const char *rid = jy_db_query_value(
            db, ex.batch, "SELECT id FROM site WHERE level = 'platform'", 0, NULL, err);
        snprintf(root, sizeof(root), "%s", rid ? rid : "");
        snprintf(after, sizeof(after),
                 "{\"keys_added\":%lld,\"sites\":%lld,\"columns\":%lld,"
                 "\"articles\":%lld}",
                 res->keys_added, res->sites, res->columns, res->articles);
        p[0] = ex.source;
        p[1] = rid ? root : NULL;
        p[2] = after;
        if (q(&ex, "SELECT jy_audit('export.corpus', 'import', $1, $2::bigint, NULL, $3::jsonb)", 3,
              p, err) == NULL)
            goto out;
    }
    if (jy_db_commit(db, err) != JY_OK) {
        began = false;
        goto out;
    }
    began = false;
    for (i = 0; i < ex.ndone; i++) {
        if (rename(ex.done_tmp[i], ex.done_path[i]) != 0) {
            jy_err_errno(err, errno, "cannot rename \"%s\" to \"%s\"", ex.done_tmp[i],
                         ex.done_path[i]);
            goto out;
        }
        ex.done_tmp[i] = NULL;
    }
    rc = JY_OK;

out:
    if (began)
        jy_db_rollback(db);
    if (ex.out) {
        fclose(ex.out);
        unlink(ex.tmp_path);
    }
    for (i = 0; i < ex.ndone; i++)
        if (ex.done_tmp[i])
            unlink(ex.done_tmp[i]);
    return rc;
}
