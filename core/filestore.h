/*
 * filestore.h - uploaded files: stored once per platform under their
 * SHA-256, typed from their bytes, recorded in table file
 * (schema/0025_file.sql) and used by items through item_file.
 *
 * The store is a folder (setting file_dir, default var/files) holding
 * <ab>/<cd>/<sha256>, ab and cd being the first four hex digits: no folder
 * grows past 65,536 entries, and the same bytes uploaded twice, by any
 * site, are one file. Bytes are written to a temporary name under
 * file_dir/tmp, fsync()ed, then rename()d into place and the folder
 * fsync()ed: a crash leaves either the whole file or none, never half of
 * one. Placing the bytes and recording the row happen under a per-hash
 * advisory lock, as does deleting them, so a delete racing an upload of
 * the same bytes never leaves a row without its file.
 *
 * What is accepted:
 *  - the type is sniffed from the bytes with libmagic (and, for ZIP
 *    containers, the names of their members: docx, xlsx, pptx, ofd) and
 *    never taken from the name; the name's extension must be one of
 *    file_types (JY_FILE_TYPES_DEFAULT) and agree with the sniffed type,
 *    else the upload is refused naming both: "报告.pdf" is a ZIP archive,
 *    not a PDF document;
 *  - each class has its size limit in MiB: file_max_document,
 *    file_max_image, file_max_archive, file_max_video;
 *  - an image must have readable dimensions (imagesize.h), stored with it;
 *  - empty files and names that are not UTF-8, longer than 255 bytes or
 *    hold a '/' or a control character are refused.
 *
 * A file is named by its hash or a unique prefix of at least 8 hex digits
 * (FILE below). Errors name the field ("file", "site", "item") and follow
 * err.h: JY_E_INVALID for a refused type or name, JY_E_TOO_LARGE past a
 * limit, JY_E_NOT_FOUND for a file, site or item that does not exist or
 * that the acting user cannot see, JY_E_FORBIDDEN when row-level security
 * refuses the write, JY_E_CONFLICT for a file still used by items, JY_E_IO
 * for the store folder.
 */
#ifndef JY_CORE_FILESTORE_H
#define JY_CORE_FILESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jy_conf;
struct jy_db;
struct jy_err;
struct jy_pool;

/* Extensions accepted by default (setting file_types). */
#define JY_FILE_TYPES_DEFAULT \
    "pdf doc docx xls xlsx ppt pptx wps et dps ofd jpg jpeg png gif webp zip mp4"

enum jy_file_class {
    JY_FILE_DOCUMENT,
    JY_FILE_IMAGE,
    JY_FILE_ARCHIVE,
    JY_FILE_VIDEO,
    JY_FILE_NCLASSES
};

struct jy_filestore {
    const char *dir;                /* file_dir */
    const char *types;              /* file_types: accepted extensions */
    uint64_t max[JY_FILE_NCLASSES]; /* bytes, per class */
    int sweep_grace;                /* file_sweep_grace: minutes */
};

/* One file, as stored and recorded. Strings live in the pool of the call. */
struct jy_file {
    long long id;
    char sha256[65];  /* lower-case hex */
    long long size;   /* bytes */
    const char *mime; /* sniffed: "image/png" */
    const char *what; /* for people: "a PNG image" */
    enum jy_file_class cls;
    const char *name;        /* original name: 报告.pdf */
    uint32_t width, height;  /* images; 0 otherwise */
    long long site_id;       /* the site that uploaded it first */
    const char *site;        /* its code (or id) and name, for show */
    const char *uploaded_by; /* login, or NULL */
    const char *created_at;  /* text of the timestamp */
    bool created;            /* add: a new file; false: these bytes were there */
    int nitems;              /* show: items (visible to the actor) using it */
    long long *items;        /* their ids */
    const char **item_titles;
};

/* "document", "image", "archive", "video". */
const char *jy_file_class_name(enum jy_file_class c);

/* Fill fs from the settings file_dir, file_types and file_max_*. */
void jy_filestore_init(struct jy_filestore *fs, const struct jy_conf *conf);

/* Path of the stored bytes of sha256, in pool. */
const char *jy_filestore_path(const struct jy_filestore *fs, struct jy_pool *pool,
                              const char *sha256);

/*
 * Decide what bytes are and whether they may be stored: head is the start
 * of the content (at least its first MiB, or all of it; for images all of
 * it up to 16 MiB, so that the dimensions can be read), size the whole
 * length, name the original name. Fills f->mime, what, cls, name, width,
 * height, size. Errors as above, field "file".
 */
int jy_file_check(const struct jy_filestore *fs, struct jy_pool *pool, const void *head,
                  size_t headlen, uint64_t size, const char *name, struct jy_file *f,
                  struct jy_err *err);

/*
 * Upload: check the bytes, place them in the store and record them for
 * site (SITE as in site.h), as the acting user of db (who needs item.write
 * on that site, or on a column of it). From a path (name NULL: the path's
 * last component) or from memory. out->created tells whether the bytes
 * were new to the platform; uploading bytes that are already there adds
 * the site to the file's sites and returns the existing file.
 */
int jy_file_add_path(struct jy_db *db, struct jy_pool *pool, const struct jy_filestore *fs,
                     const char *site, const char *path, const char *name, struct jy_file *out,
                     struct jy_err *err);
int jy_file_add_mem(struct jy_db *db, struct jy_pool *pool, const struct jy_filestore *fs,
                    const char *site, const void *data, size_t len, const char *name,
                    struct jy_file *out, struct jy_err *err);

/* Look a file up by FILE, with the items (visible to the actor) that use it. */
int jy_file_get(struct jy_db *db, struct jy_pool *pool, const char *ref, struct jy_file *out,
                struct jy_err *err);

/*
 * What GET /files/<sha256>.<ext> answers (core/server.c): the stored MIME
 * type of the file with this sha256 when the acting user of db may see it
 * (one query under row-level security, in a transaction of its own) and
 * ext is an extension of that type ("jpg" and "jpeg" for a JPEG image).
 * NULL otherwise, with err JY_E_NOT_FOUND, whether the file is missing,
 * hidden from the user or named with the wrong extension, so a caller
 * learns nothing of files they may not see; or the database's error.
 */
const char *jy_file_served_type(struct jy_db *db, struct jy_pool *pool, const char *sha256,
                                const char *ext, struct jy_err *err);

/*
 * Delete a file no item uses: its row, then its bytes. A file still used
 * is refused with JY_E_CONFLICT naming the items; only writers of the site
 * that uploaded it first may delete it.
 */
int jy_file_remove(struct jy_db *db, struct jy_pool *pool, const struct jy_filestore *fs,
                   const char *ref, struct jy_err *err);

/*
 * Use a file on an item (caption may be NULL), or stop using it. The
 * acting user must be able to write the item and to see the file.
 */
int jy_file_attach(struct jy_db *db, struct jy_pool *pool, long long item_id, const char *ref,
                   int sort, const char *caption, struct jy_err *err);
int jy_file_detach(struct jy_db *db, struct jy_pool *pool, long long item_id, const char *ref,
                   struct jy_err *err);

/*
 * The sweep: bytes in the store that no row of table file records. They
 * come from uploads the database refused after the bytes were placed (no
 * right to the site, a lost connection, a crash between rename and
 * commit), from deletes whose unlink failed, and from temporary files of
 * uploads that died (file_dir/tmp). jy_file_sweep() finds the store files
 * (<ab>/<cd>/<sha256>) and temporary files older than grace_minutes (at
 * least 1) whose hash has no row, and with apply removes them.
 *
 * An upload in flight is never swept: its temporary file is younger than
 * the grace period, and a store file is removed only under the same
 * per-hash advisory lock an upload holds from placing its bytes until its
 * row is committed, after checking again that no row names the hash. It
 * must run as the system (the owner role): under row-level security a
 * row the actor cannot see would look missing (JY_E_FORBIDDEN).
 */
#define JY_FILE_SWEEP_LIST 100 /* paths listed in the result; more are only counted */

struct jy_file_sweep {
    long long scanned;      /* store files looked at (temporary ones included) */
    long long orphans;      /* with no row and older than the grace: removed (apply) */
    long long orphan_bytes; /* their size */
    long long young;        /* with no row but younger than the grace: kept */
    long long failed;       /* could not be removed (logged) */
    const char **paths;     /* the first JY_FILE_SWEEP_LIST orphans, in pool */
    int npaths;
};

int jy_file_sweep(struct jy_db *db, struct jy_pool *pool, const struct jy_filestore *fs,
                  int grace_minutes, bool apply, struct jy_file_sweep *out, struct jy_err *err);

#endif /* JY_CORE_FILESTORE_H */
