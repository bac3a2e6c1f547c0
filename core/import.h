/*
 * import.h - bulk import of the corpus format of ../shared/bench/README.md
 * (a folder with sites.jsonl, columns.jsonl, articles.jsonl and
 * manifest.json) into the platform: `jiyue import DIR`.
 *
 * What becomes what:
 *  - a site: a site under the platform root (created when missing), code
 *    from site_code, level, name, admin_code, icp_no; its domain the
 *    primary one (other domains of the site stay, as aliases);
 *  - a column: a column of that site (type list/page/link is the kind,
 *    url, body, sort); shared_from makes it reuse the named column;
 *  - a column of type "topic" (an extension) is a topic column; a reusing
 *    column's reuse_tag_filter and reuse_kinds (extensions) are its filters
 *    (absent: the platform's are kept);
 *  - an article's kind, index_no and fields (extensions, export.h): the
 *    kind (else policy with a 文号, article without), its 索引号 (else one
 *    is drawn), its other declared fields; fields.interprets names the
 *    documents an interpretation interprets by their ids in articles.jsonl;
 *  - an article: an item owned by its site, kind policy when doc_no is set
 *    (文号; 发文机关 is the site's name, 发布日期 the day of pub_date,
 *    validity from 有效/已修改/已废止/已失效, see below), article otherwise;
 *    attachments in item.metadata.attachments; its tags (created when new,
 *    synonyms and merged tags resolved, order kept in item_tag.sort); one
 *    published placement per column, published_at = pub_date, the first
 *    column the primary one (placement.is_primary).
 * Bodies (of articles and page columns) pass the allowlist sanitiser like
 * every other write (sanitize.h): what it removes is counted in the result
 * (bodies_sanitized, removals) with the first places and findings
 * (articles.jsonl:12: removed <script> element (paragraph 2)). A body made
 * only of paragraphs of plain text, as the corpus's are, is already its
 * sanitised form and is not parsed (jy_sanitize_is_plain), which keeps the
 * import's speed. A body the sanitiser refuses is a bad line.
 * 索引号: an imported item without an index number gets the next one of
 * its site's rule (schema/0031_index_no.sql), in the order of the sites,
 * then of publication, then of the corpus ids, so that the same corpus
 * numbers the same way; counted in index_drawn.
 * Validity: the platform requires a changed validity to be dated and to
 * name the document that changed it, or say its basis in words
 * (0030_item_fields.sql, 0033_validity_basis.sql); the corpus gives
 * neither, so 已修改 and 已废止 keep their validity, dated the day of
 * publication, with metadata.validity_basis "原系统迁移，废止/修改依据未录入",
 * counted in res->validity_degraded: the documents editors should link to
 * the document that changed them.
 *
 * Identity: every record is found again through import_key (source, kind,
 * corpus id) (schema/0020_import_key.sql), so importing the same folder
 * twice changes no row, and a changed record updates its row. A site
 * without a key is matched by its code, a column by its site and path,
 * so an import adopts what exists instead of failing on it.
 *
 * All or nothing: the whole import is one transaction. Every line is
 * parsed and checked first; an error names the file, the line and the
 * field (articles.jsonl:1234: field "pub_date" must be ...). By default
 * the first error aborts the import and nothing is stored; with skip_bad
 * the bad line is left out (and what depends on it: the columns of a
 * skipped site, the articles of a skipped column), counted and listed.
 * Conflicts with the platform's own data (a domain or code of another
 * site) always abort. Files are streamed with a bounded buffer (lines of
 * at most JY_JSON_MAX_SIZE bytes): memory does not grow with the corpus,
 * only with the number of sites and columns.
 *
 * Imports run one at a time (a transaction-level advisory lock): a second
 * one waits for the first to commit, then finds its rows.
 *
 * Audit: the per-row audit triggers are off inside the import (jy.bulk,
 * schema/0021_bulk_audit.sql); one audit_log row (action import.corpus,
 * object "import" named by the source) carries the counts.
 *
 * The import runs as the system (the owner role): the CLI refuses --as.
 */
#ifndef JY_CORE_IMPORT_H
#define JY_CORE_IMPORT_H

#include <stdbool.h>

struct jy_db;
struct jy_err;
struct jy_pool;

/* The tables an import writes, for the counts. */
enum jy_import_table {
    JY_IMPORT_SITE,
    JY_IMPORT_DOMAIN,
    JY_IMPORT_COLUMN,
    JY_IMPORT_TAG,
    JY_IMPORT_ITEM,
    JY_IMPORT_ITEM_TAG,
    JY_IMPORT_PLACEMENT,
    JY_IMPORT_KEY,
    JY_IMPORT_NTABLES
};

struct jy_import_count {
    long long created;
    long long updated;
    long long unchanged;
    long long deleted; /* item_tag, placement: no longer in the record */
};

/* A line left out (skip_bad). */
struct jy_import_bad {
    const char *where; /* "articles.jsonl:1234" */
    const char *msg;   /* 'field "pub_date" must be ...' */
};

#define JY_IMPORT_BAD_LIST 100 /* bad lines listed in the result; more are only counted */

/* Where an import is, for a progress display. */
struct jy_import_progress {
    const char *phase;    /* "sites.jsonl", "columns.jsonl", "articles.jsonl", "apply" */
    const char *step;     /* in "apply": "sites", "columns", "tags", "items" ... */
    long long bytes_read; /* of the three files */
    long long bytes_total;
    long long records;  /* lines read so far, all files */
    long long articles; /* articles read so far */
};

typedef void (*jy_import_progress_fn)(const struct jy_import_progress *p, void *arg);

struct jy_import_opts {
    const char *dir;    /* the corpus folder */
    const char *source; /* import_key.source; NULL: "corpus" */
    bool skip_bad;      /* leave bad lines out instead of aborting */
    bool dry_run;       /* do everything, report it, roll back */
    jy_import_progress_fn
        progress; /* called at most every 100 ms, and at every step; may be NULL */
    void *progress_arg;
};

struct jy_import_result {
    struct jy_import_count tables[JY_IMPORT_NTABLES];
    long long sites; /* records imported */
    long long columns;
    long long articles;
    long long bad;                  /* lines left out (skip_bad) */
    struct jy_import_bad *bad_list; /* the first JY_IMPORT_BAD_LIST of them, in the pool */
    int nbad_list;
    long long validity_degraded; /* 已修改/已废止 whose changing document is not recorded */
    long long bodies_sanitized;  /* bodies (articles, page columns) the sanitiser changed */
    long long removals;          /* what it removed from them, each finding counted */
    struct jy_import_bad *sanitized_list; /* the first JY_IMPORT_BAD_LIST of them: where, what */
    int nsanitized_list;
    long long index_drawn; /* items that got their 索引号 by their site's rule */
    long long bytes;       /* read from the three files */
    long long platform_id; /* the platform root the sites hang under */
    bool dry_run;
};

/* Name of a table in the counts: "site", "site_domain" ... */
const char *jy_import_table_name(enum jy_import_table t);

/*
 * Import the corpus folder o->dir. res is filled (strings in pool) also
 * when the import fails after reading, so a caller can print what was
 * read. JY_OK, or JY_ERROR with err: JY_E_INVALID for bad data (the
 * message starts with file:line), JY_E_NOT_FOUND for a missing file,
 * JY_E_CONFLICT for a clash with the platform's data, JY_E_IO ...
 */
int jy_import_corpus(struct jy_db *db, struct jy_pool *pool, const struct jy_import_opts *o,
                     struct jy_import_result *res, struct jy_err *err);

#endif /* JY_CORE_IMPORT_H */
