/*
 * export.h - write the platform, or one site and the sites below it, in the
 * corpus format that core/import.h reads (sites.jsonl, columns.jsonl,
 * articles.jsonl, manifest.json): `jiyue export DIR [--site SITE]`.
 *
 * Round trip: import(export(x)) gives x back. The ids written are those of
 * import_key for the source (default "corpus"): a platform loaded from a
 * corpus exports that corpus's ids, so exporting right after an import
 * reproduces the corpus files byte for byte, but for the normalisations
 * below. Rows that no import created get the next free ids of the source,
 * and the export records them in import_key (one audit row, export.corpus,
 * says so), so the export can be imported into the same platform as a
 * no-op, and a second export writes the same ids.
 *
 * What is written (everything in ascending id order, JSON written like
 * Python's json.dumps(ensure_ascii=False, separators=(",", ":"))):
 *  - sites: every site (not the platform root, not column-only units) of
 *    the levels province, city, county and department; parent_id is null
 *    when the parent is not exported; domain is the primary domain;
 *  - columns: every column of those sites; a topic column is written as
 *    type "topic"; shared_from names the reused column when it is exported
 *    and reuses none itself, with its filters (reuse_tag_filter,
 *    reuse_kinds) when it has any;
 *  - articles: the items of every kind owned by those sites that are
 *    published in a list or topic column of their own site; column_ids are
 *    their published placements in exported list and topic columns, the
 *    primary one first, then in the order they were placed; pub_date is the
 *    item's publication time in +08:00; validity in Chinese (有效, 已修改,
 *    已废止, 已失效); unpublished items are counted, not written;
 *  - the extensions of the format (docs/library.md), each written only
 *    where it applies, so that an export of an imported corpus is the
 *    corpus: on articles kind (when it is not what doc_no implies: policy
 *    with a 文号, article without), index_no (unless it is the number the
 *    import drew, import_key.pending), fields (subtitle, publisher,
 *    subject, keywords, link_url, written_on, effective_on, issuer and
 *    issued_on when not the import's defaults, validity_on, interprets and
 *    validity_by as article ids, and the metadata but attachments: alt,
 *    duration, answered_by, answered_on, validity_basis unless the import's
 *    stand-in); on columns type "topic", reuse_tag_filter, reuse_kinds.
 * Normalisations against a corpus: pub_date is always written +08:00 (a
 * time with another offset is the same instant); manifest.json is
 * written by this exporter (generator "jiyue-export/1", its own params),
 * with counts computed from what was written.
 *
 * Every file is written under a temporary name and renamed when complete;
 * articles are streamed through a cursor, so memory does not grow with the
 * platform. The export reads one consistent snapshot (REPEATABLE READ).
 */
#ifndef JY_CORE_EXPORT_H
#define JY_CORE_EXPORT_H

struct jy_db;
struct jy_err;
struct jy_pool;

struct jy_export_opts {
    const char *dir;    /* created when missing (its parent must exist) */
    const char *site;   /* SITE (code, domain or id): it and the sites below it; NULL: all */
    const char *source; /* import_key source of the ids; NULL: "corpus" */
};

struct jy_export_result {
    long long sites, columns, articles; /* written */
    long long keys_added;               /* rows that got an id of the source now */
    long long items_skipped;            /* unpublished, or not in a column of their own site */
    long long reuse_dropped;            /* reusing columns written without shared_from */
    long long topics;                   /* topic columns written (type "topic") */
    long long bytes;                    /* of the three .jsonl files */
};

/* Export as described above. JY_OK, or JY_ERROR with err (nothing renamed into place). */
int jy_export_corpus(struct jy_db *db, struct jy_pool *pool, const struct jy_export_opts *o,
                     struct jy_export_result *res, struct jy_err *err);

#endif /* JY_CORE_EXPORT_H */
