/*
 * render_files.c - uploaded files in the site's tree: every stored file
 * (core/filestore.h) that a page of the site links is placed at
 * files/<sha256>.<ext> of its folder and listed in its manifest
 * (render_file, channel "file", pushed before pages like assets).
 *
 * Which files: for each item with a page on the site, its attachments
 * (item_file, under the extension of the file's original name) and the
 * files its body links as /files/<sha256>.<ext> (item_body_file, kept by
 * trigger from the body: schema/0045_item_body_file.sql), under the name
 * the body uses. The URLs are site-absolute, so the pages of every
 * channel (elder/ too) link the same file.
 *
 * Each file depends on the items linking it: detaching it, or editing it
 * out of a body, changes the item, the site is planned again, the file is
 * no longer in the plan, and the run removes it like any page that no
 * longer exists. A file's bytes never change (its name is their hash), so
 * the manifest's hash is the file's and an unchanged file costs nothing.
 *
 * Placing: a hard link to the store when both are on one file system,
 * else a copy; to a temporary name renamed into place by the run
 * (render.c), like every other file.
 */
#include "core/compat.h"
#include "core/render_int.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Attachments first in their order, then the body's links; the extension
 * of an attachment is its original name's, lower case (upload checked that
 * it agrees with the bytes).
 */
static const char files_sql[] =
    "SELECT af.item_id, f.sha256, "
    "       coalesce(lower(substring(f.original_name from '\\.([A-Za-z0-9]{1,8})$')), 'bin'), "
    "       f.original_name, f.size, f.type_class, true, af.caption, af.sort "
    "  FROM item_file af JOIN file f ON f.id = af.file_id WHERE af.item_id = ANY ($1::bigint[]) "
    "UNION ALL "
    "SELECT b.item_id, f.sha256, b.ext, f.original_name, f.size, f.type_class, false, NULL, 0 "
    "  FROM item_body_file b JOIN file f ON f.sha256 = b.sha256 "
    " WHERE b.item_id = ANY ($1::bigint[]) "
    "ORDER BY 1, 7 DESC, 9, 2, 3";


static int
cmp_path(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}


static int
file_index(const struct rn_site *s, const char *path)
{
    int lo = 0, hi = s->nfiles - 1;

    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(s->files[mid].path, path);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}


int
rn_files_load(struct jy_db *db, struct jy_pool *pool, struct rn_site *s, struct jy_err *err)
{
    struct jy_buf arr = JY_BUF_INIT(pool);
    const char *params[1], **paths;
    struct jy_db_res *r;
    int n = 0, rows, npaths = 0;

    if (s->closed)
        return JY_OK;
    jy_buf_add_char(&arr, '{');
    for (int i = 0; i < s->nitems; i++)
        if (s->items[i].local)
            jy_buf_addf(&arr, "%s%lld", n++ ? "," : "", s->items[i].id);
    jy_buf_add_char(&arr, '}');
    if (n == 0)
        return JY_OK;
    params[0] = arr.buf;
    if ((r = jy_db_query(db, pool, files_sql, 1, params, err)) == NULL)
        return JY_ERROR;
    rows = jy_db_res_rows(r);
    if (rows == 0)
        return JY_OK;

    /* the distinct paths, sorted: the files */
    paths = jy_pool_new_array(pool, const char *, (size_t) rows + 1);
    for (int i = 0; i < rows; i++)
        paths[i] =
            jy_pool_printf(pool, "files/%s.%s", jy_db_res_get(r, i, 1), jy_db_res_get(r, i, 2));
    {
        const char **sorted = jy_pool_new_array(pool, const char *, (size_t) rows + 1);
        memcpy(sorted, paths, sizeof(*sorted) * (size_t) rows);
        qsort(sorted, (size_t) rows, sizeof(*sorted), cmp_path);
        s->files = jy_pool_new_array(pool, struct rn_file, (size_t) rows + 1);
        for (int i = 0; i < rows; i++)
            if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0)
                s->files[npaths++].path = sorted[i];
        s->nfiles = npaths;
    }

    /* the links, in the statement's order (by item), and each file's items */
    s->item_files = jy_pool_new_array(pool, struct rn_item_file, (size_t) rows + 1);
    for (int i = 0; i < rows; i++) {
        long long item_id = strtoll(jy_db_res_get(r, i, 0), NULL, 10);
        int item = rn_site_item(s, item_id), fi = file_index(s, paths[i]);
        struct rn_file *f = &s->files[fi];
        struct rn_item_file *l;
        if (item < 0 || fi < 0)
            continue;
        if (f->sha256 == NULL) {
            f->sha256 = jy_pool_strdup(pool, jy_db_res_get(r, i, 1));
            f->ext = jy_pool_strdup(pool, jy_db_res_get(r, i, 2));
            f->name = jy_pool_strdup(pool, jy_db_res_get(r, i, 3));
            f->size = strtoll(jy_db_res_get(r, i, 4), NULL, 10);
            f->cls = jy_pool_strdup(pool, jy_db_res_get(r, i, 5));
            f->items = jy_pool_new_array(pool, long long, (size_t) rows + 1);
        }
        if (f->nitems == 0 || f->items[f->nitems - 1] != item_id)
            f->items[f->nitems++] = item_id;
        l = &s->item_files[s->nitem_files++];
        l->item = item;
        l->file = fi;
        l->attached = jy_db_res_get(r, i, 6)[0] == 't';
        l->caption =
            jy_db_res_isnull(r, i, 7) ? NULL : jy_pool_strdup(pool, jy_db_res_get(r, i, 7));
    }
    /* an attachment that the body shows (an inline picture) is not listed again */
    for (int i = 0; i < s->nitem_files; i++) {
        struct rn_item_file *a = &s->item_files[i];
        for (int k = 0; a->attached && k < s->nitem_files; k++) {
            const struct rn_item_file *b = &s->item_files[k];
            if (!b->attached && b->item == a->item &&
                strcmp(s->files[b->file].sha256, s->files[a->file].sha256) == 0)
                a->in_body = true;
        }
    }
    return JY_OK;
}


void
rn_plan_files(struct jy_pool *pool, const struct rn_site *s, struct rn_plan *plan)
{
    for (int i = 0; i < s->nfiles; i++) {
        const struct rn_file *f = &s->files[i];
        struct rn_page *p;
        if (f->sha256 == NULL)
            continue;
        p = rn_plan_add(pool, plan, RP_FILE, 0, f->path);
        p->asset = i;
        p->desc = jy_pool_printf(pool, "file %.12s (%s)", f->sha256, f->name);
        p->deps_items = f->items;
        p->ndeps_items = f->nitems;
    }
}


/* "386 KB", "1.2 MB" as the theme shows sizes. */
static const char *
size_text(struct jy_pool *pool, long long bytes)
{
    double b = (double) bytes;

    if (b >= 1048576)
        return jy_pool_printf(pool, "%.1f MB", b / 1048576);
    return jy_pool_printf(pool, "%.0f KB", b / 1024 < 1 ? 1 : b / 1024);
}


void
rn_files_ctx_item(struct rn_page_ctx *x, const struct rn_page *p, cJSON *item)
{
    const struct rn_site *s = x->site;
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(item, "attachments");
    const struct rn_file *image = NULL;
    int lo = 0, hi = s->nitem_files;

    /* the item's links are one run of item_files, which is ordered by item id */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (s->items[s->item_files[mid].item].id < s->items[p->item].id)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int i = lo; i < s->nitem_files && s->item_files[i].item == p->item; i++) {
        const struct rn_item_file *l = &s->item_files[i];
        const struct rn_file *f = &s->files[l->file];
        if (image == NULL && strcmp(f->cls, "image") == 0)
            image = f;
        if (l->attached && !l->in_body) {
            cJSON *e = cJSON_CreateObject();
            char fmt[16];
            size_t k = 0;
            for (; f->ext[k] && k < sizeof(fmt) - 1; k++)
                fmt[k] = (char) toupper((unsigned char) f->ext[k]);
            fmt[k] = '\0';
            cJSON_AddStringToObject(e, "name", l->caption ? l->caption : f->name);
            cJSON_AddStringToObject(e, "url", jy_pool_printf(x->pool, "/%s", f->path));
            cJSON_AddStringToObject(e, "format", fmt);
            cJSON_AddStringToObject(e, "size", size_text(x->pool, f->size));
            if (arr == NULL) /* the JSON channel has the key only with attachments */
                arr = cJSON_AddArrayToObject(item, "attachments");
            cJSON_AddItemToArray(arr, e);
        }
    }
    if (image && cJSON_GetObjectItemCaseSensitive(item, "image")) /* HTML pages: Image */
        cJSON_ReplaceItemInObjectCaseSensitive(
            item, "image",
            cJSON_CreateString(jy_pool_printf(x->pool, "%s/%s", s->url, image->path)));
}


/* Copy src to dest (created, never there before). */
static int
copy_file(const char *src, const char *dest, struct jy_err *err)
{
    char buf[65536];
    int in = open(src, O_RDONLY | O_CLOEXEC), out;
    ssize_t n;

    if (in < 0) {
        jy_err_errno(err, errno, "could not read \"%s\"", src);
        return JY_ERROR;
    }
    out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        jy_err_errno(err, errno, "could not write \"%s\"", dest);
        close(in);
        return JY_ERROR;
    }
    while ((n = read(in, buf, sizeof(buf))) != 0) {
        size_t off = 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            jy_err_errno(err, errno, "could not read \"%s\"", src);
            goto fail;
        }
        while (off < (size_t) n) {
            ssize_t w = write(out, buf + off, (size_t) n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                jy_err_errno(err, w < 0 ? errno : ENOSPC, "could not write \"%s\"", dest);
                goto fail;
            }
            off += (size_t) w;
        }
    }
    close(in);
    if (close(out) != 0) {
        jy_err_errno(err, errno, "could not write \"%s\"", dest);
        unlink(dest);
        return JY_ERROR;
    }
    return JY_OK;
fail:
    close(in);
    close(out);
    unlink(dest);
    return JY_ERROR;
}


int
rn_file_place(const char *file_dir, const struct rn_file *f, const char *dest, const char *final,
              struct jy_err *err)
{
    char src[4096];
    struct stat ss, ds;

    if (file_dir == NULL || file_dir[0] == '\0') {
        jy_err_set(err, JY_E_INVALID, "the renderer does not know the file store (file_dir)");
        return JY_ERROR;
    }
    snprintf(src, sizeof(src), "%s/%.2s/%.2s/%s", file_dir, f->sha256, f->sha256 + 2, f->sha256);
    if (stat(src, &ss) != 0) {
        jy_err_errno(err, errno, "stored file %s (\"%s\") is missing from the file store",
                     f->sha256, f->name);
        jy_err_hint(err,
                    "Restore \"%s\" from the backup of file_dir; the pages linking it are "
                    "not published until then.",
                    src);
        return JY_ERROR;
    }
    unlink(dest); /* a temporary file left by a run that died */
    /* a final name that already is the store's file (a lost manifest) would make rename(2) a
     * no-op that leaves the temporary name behind: copy then */
    if (!(final && stat(final, &ds) == 0 && ds.st_ino == ss.st_ino && ds.st_dev == ss.st_dev) &&
        link(src, dest) == 0)
        return JY_OK;
    return copy_file(src, dest, err);
}
