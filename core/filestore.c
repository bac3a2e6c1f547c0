/*
 * filestore.c - content-addressed uploads; the rules are in filestore.h.
 */
#include "core/compat.h"
#include "core/filestore.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/imagesize.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/site.h"
#include "core/utf8.h"

#include <ctype.h>
#include <dirent.h>
#include <time.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <magic.h>
#include <sodium.h>

#define HEAD_MAX       (1024 * 1024)      /* bytes libmagic looks at */
#define IMAGE_HEAD_MAX (16 * 1024 * 1024) /* bytes read to find an image's size */
#define NAME_MAX_BYTES 255
#define COPY_CHUNK     (256 * 1024)

/* The types we know: a sniffed media type, the extensions that may carry it. */
struct ftype {
    const char *mime;
    const char *exts;
    const char *what;
    enum jy_file_class cls;
};

static const struct ftype ftypes[] = {
    {"application/pdf", "pdf", "a PDF document", JY_FILE_DOCUMENT},
    {"application/ofd", "ofd", "an OFD document", JY_FILE_DOCUMENT},
    {"application/msword", "doc wps", "a Word document", JY_FILE_DOCUMENT},
    {"application/vnd.ms-works", "wps", "a WPS document", JY_FILE_DOCUMENT},
    {"application/vnd.ms-excel", "xls et", "an Excel workbook", JY_FILE_DOCUMENT},
    {"application/vnd.ms-powerpoint", "ppt dps", "a PowerPoint presentation", JY_FILE_DOCUMENT},
    /* Office and WPS files that libmagic sees only as OLE compound documents */
    {"application/cdfv2", "doc xls ppt wps et dps", "an Office document", JY_FILE_DOCUMENT},
    {"application/x-ole-storage", "doc xls ppt wps et dps", "an Office document", JY_FILE_DOCUMENT},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx",
     "a Word document", JY_FILE_DOCUMENT},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
     "an Excel workbook", JY_FILE_DOCUMENT},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx",
     "a PowerPoint presentation", JY_FILE_DOCUMENT},
    {"application/zip", "zip", "a ZIP archive", JY_FILE_ARCHIVE},
    {"image/jpeg", "jpg jpeg", "a JPEG image", JY_FILE_IMAGE},
    {"image/png", "png", "a PNG image", JY_FILE_IMAGE},
    {"image/gif", "gif", "a GIF image", JY_FILE_IMAGE},
    {"image/webp", "webp", "a WebP image", JY_FILE_IMAGE},
    {"video/mp4", "mp4", "an MP4 video", JY_FILE_VIDEO},
};

/* Names for types we refuse, so the message says what the file really is. */
static const struct {
    const char *mime;
    const char *what;
} other_types[] = {
    {"text/html", "an HTML page"},
    {"text/plain", "plain text"},
    {"text/xml", "an XML file"},
    {"image/svg+xml", "an SVG image"},
    {"image/bmp", "a BMP image"},
    {"image/tiff", "a TIFF image"},
    {"application/x-dosexec", "a Windows program"},
    {"application/x-executable", "a Linux program"},
    {"application/x-pie-executable", "a Linux program"},
    {"application/x-sharedlib", "a Linux library"},
    {"text/x-shellscript", "a shell script"},
    {"application/x-rar", "a RAR archive"},
    {"application/x-7z-compressed", "a 7-Zip archive"},
    {"application/gzip", "a gzip file"},
    {"application/x-tar", "a tar archive"},
    {"application/octet-stream", "binary data of unknown type"},
    {"application/x-empty", "empty"},
};

static const char *const class_names[JY_FILE_NCLASSES] = {"document", "image", "archive", "video"};
static const char *const class_articles[JY_FILE_NCLASSES] = {"a document", "an image", "an archive",
                                                             "a video"};

struct src {
    int fd; /* -1 for memory */
    const unsigned char *mem;
    uint64_t size;
    const char *label; /* for messages: the path or the name */
};

static const struct ftype *ftype_by_mime(const char *mime);
static bool word_in(const char *word, const char *list);


const char *
jy_file_class_name(enum jy_file_class c)
{
    return c < JY_FILE_NCLASSES ? class_names[c] : "unknown";
}


void
jy_filestore_init(struct jy_filestore *fs, const struct jy_conf *conf)
{
    static const char *const keys[JY_FILE_NCLASSES] = {"file_max_document", "file_max_image",
                                                       "file_max_archive", "file_max_video"};
    int i;

    fs->dir = jy_conf_get(conf, "file_dir");
    fs->types = jy_conf_get(conf, "file_types");
    for (i = 0; i < JY_FILE_NCLASSES; i++)
        fs->max[i] = (uint64_t) jy_conf_get_int(conf, keys[i]) * 1024 * 1024;
    fs->sweep_grace = (int) jy_conf_get_int(conf, "file_sweep_grace");
}


const char *
jy_filestore_path(const struct jy_filestore *fs, struct jy_pool *pool, const char *sha256)
{
    return jy_pool_printf(pool, "%s/%.2s/%.2s/%s", fs->dir, sha256, sha256 + 2, sha256);
}


static bool
word_in(const char *word, const char *list)
{
    size_t len = strlen(word);

    while (*list) {
        size_t n;
        list += strspn(list, " \t,");
        n = strcspn(list, " \t,");
        if (n == len && n > 0 && strncasecmp(list, word, n) == 0)
            return true;
        list += n;
    }
    return false;
}


/* Is any word of words in list? */
static bool
any_word_in(const char *words, const char *list)
{
    while (*words) {
        size_t n = strcspn(words, " ");
        char w[16];
        if (n > 0 && n < sizeof(w)) {
            memcpy(w, words, n);
            w[n] = '\0';
            if (word_in(w, list))
                return true;
        }
        words += n;
        words += strspn(words, " ");
    }
    return false;
}


static const struct ftype *
ftype_by_mime(const char *mime)
{
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(ftypes); i++)
        if (strcasecmp(ftypes[i].mime, mime) == 0)
            return &ftypes[i];
    return NULL;
}


/* What the bytes are, for people: "a ZIP archive", "a Windows program". */
static const char *
what_of_mime(struct jy_pool *pool, const char *mime)
{
    const struct ftype *t = ftype_by_mime(mime);
    size_t i;

    if (t)
        return t->what;
    for (i = 0; i < JY_ARRAY_LEN(other_types); i++)
        if (strcmp(other_types[i].mime, mime) == 0)
            return other_types[i].what;
    return jy_pool_printf(pool, "a file of type %s", mime);
}


/* What a name with this extension should be: "a PDF document". */
static const char *
what_of_ext(const char *ext)
{
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(ftypes); i++)
        if (word_in(ext, ftypes[i].exts) && strcmp(ftypes[i].mime, "application/cdfv2") != 0)
            return ftypes[i].what;
    return "what its name says";
}


/*
 * A ZIP container says what it holds through its members' names: Office
 * Open XML ([Content_Types].xml with word/, xl/ or ppt/), OFD (OFD.xml).
 * libmagic recognises OOXML only when the members come in a certain order,
 * so we look at the local file headers in the head ourselves.
 */
static const char *
zip_refine(const unsigned char *p, size_t len)
{
    bool types = false, word = false, xl = false, ppt = false, ofd = false;
    size_t i = 0;

    while (i + 30 <= len) {
        const unsigned char *h = memmem(p + i, len - i, "PK\003\004", 4);
        size_t off, n;
        if (h == NULL)
            break;
        off = (size_t) (h - p);
        if (off + 30 > len)
            break;
        n = (size_t) h[26] | (size_t) h[27] << 8;
        if (off + 30 + n <= len) {
            const char *name = (const char *) h + 30;
            if (n == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
                types = true;
            else if (n == 7 && memcmp(name, "OFD.xml", 7) == 0)
                ofd = true;
            else if (n > 5 && memcmp(name, "word/", 5) == 0)
                word = true;
            else if (n > 3 && memcmp(name, "xl/", 3) == 0)
                xl = true;
            else if (n > 4 && memcmp(name, "ppt/", 4) == 0)
                ppt = true;
        }
        i = off + 4;
    }
    if (ofd)
        return "application/ofd";
    if (types && word)
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    if (types && xl)
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    if (types && ppt)
        return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    return NULL;
}


/* The media type of the bytes, lower-case, in pool; NULL and err when libmagic fails. */
static const char *
sniff(struct jy_pool *pool, const void *head, size_t len, struct jy_err *err)
{
    magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
    const char *r;
    char *mime = NULL, *p;

    if (m == NULL || magic_load(m, NULL) != 0) {
        jy_err_set(err, JY_E_INTERNAL, "could not load the file type database of libmagic");
        if (m) {
            jy_err_detail(err, "%s", magic_error(m) ? magic_error(m) : "magic_load failed");
            magic_close(m);
        }
        return NULL;
    }
    r = magic_buffer(m, head, len);
    if (r == NULL) {
        jy_err_set(err, JY_E_INTERNAL, "could not determine the type of the file");
        jy_err_detail(err, "%s", magic_error(m) ? magic_error(m) : "magic_buffer failed");
    } else {
        mime = jy_pool_strdup(pool, r);
        for (p = mime; *p; p++)
            *p = (char) tolower((unsigned char) *p);
    }
    magic_close(m);
    if (mime && strcmp(mime, "application/zip") == 0) {
        const char *z = zip_refine(head, len);
        if (z)
            mime = jy_pool_strdup(pool, z);
    }
    return mime;
}


static int
check_name(const char *name, struct jy_err *err)
{
    size_t len = strlen(name), bad, i;

    if (len == 0) {
        jy_err_set(err, JY_E_INVALID, "file name is empty");
        goto fail;
    }
    if (!jy_utf8_valid(name, len, &bad)) {
        jy_err_set(err, JY_E_INVALID, "file name is not valid UTF-8 (byte %zu)", bad + 1);
        goto fail;
    }
    if (len > NAME_MAX_BYTES) {
        jy_err_set(err, JY_E_INVALID, "file name \"%s\" is too long (%zu bytes, at most %d)", name,
                   len, NAME_MAX_BYTES);
        goto fail;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) name[i];
        if (c < 0x20 || c == 0x7f || c == '/') {
            jy_err_set(err, JY_E_INVALID, "file name \"%s\" holds a '/' or a control character",
                       name);
            goto fail;
        }
    }
    return JY_OK;
fail:
    jy_err_field(err, "file");
    return JY_ERROR;
}


/* The extension of name, lower-case, or NULL. */
static const char *
name_ext(struct jy_pool *pool, const char *name)
{
    const char *dot = strrchr(name, '.');
    char *ext, *p;

    if (dot == NULL || dot[1] == '\0')
        return NULL;
    ext = jy_pool_strdup(pool, dot + 1);
    for (p = ext; *p; p++)
        *p = (char) tolower((unsigned char) *p);
    return ext;
}


static const char *
human_size(struct jy_pool *pool, uint64_t n)
{
    if (n < 1024)
        return jy_pool_printf(pool, "%llu bytes", (unsigned long long) n);
    if (n < 1024 * 1024)
        return jy_pool_printf(pool, "%.1f KiB", (double) n / 1024.0);
    return jy_pool_printf(pool, "%.1f MiB", (double) n / (1024.0 * 1024.0));
}


int
jy_file_check(const struct jy_filestore *fs, struct jy_pool *pool, const void *head, size_t headlen,
              uint64_t size, const char *name, struct jy_file *f, struct jy_err *err)
{
    const struct ftype *t;
    const char *mime, *ext;

    memset(f, 0, sizeof(*f));
    if (check_name(name, err) != JY_OK)
        return JY_ERROR;
    f->name = jy_pool_strdup(pool, name);
    f->size = (long long) size;
    if (size == 0) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" is empty", name);
        jy_err_field(err, "file");
        return JY_ERROR;
    }
    ext = name_ext(pool, name);
    if (ext && !word_in(ext, fs->types)) {
        jy_err_set(err, JY_E_INVALID, "\"%s\": files ending in \".%s\" are not accepted", name,
                   ext);
        jy_err_hint(err, "Accepted: %s.", fs->types);
        jy_err_field(err, "file");
        return JY_ERROR;
    }
    mime = sniff(pool, head, headlen, err);
    if (mime == NULL)
        return JY_ERROR;
    t = ftype_by_mime(mime);
    if (ext && (t == NULL || !word_in(ext, t->exts))) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" is %s, not %s", name, what_of_mime(pool, mime),
                   what_of_ext(ext));
        jy_err_detail(err, "type sniffed from the bytes: %s", mime);
        jy_err_hint(err, "The type is read from the file's content, not from its name; save the "
                         "file in the format its name says, or name it for what it is.");
        jy_err_field(err, "file");
        return JY_ERROR;
    }
    if (t == NULL || (ext == NULL && !any_word_in(t->exts, fs->types))) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" is %s, which is not accepted", name,
                   what_of_mime(pool, mime));
        jy_err_detail(err, "type sniffed from the bytes: %s", mime);
        jy_err_hint(err, "Accepted: %s.", fs->types);
        jy_err_field(err, "file");
        return JY_ERROR;
    }
    f->mime = t->mime;
    f->what = t->what;
    f->cls = t->cls;
    if (size > fs->max[t->cls]) {
        jy_err_set(err, JY_E_TOO_LARGE, "\"%s\" is too large for %s (%s, at most %llu MiB)", name,
                   class_articles[t->cls], human_size(pool, size),
                   (unsigned long long) (fs->max[t->cls] >> 20));
        jy_err_field(err, "file");
        return JY_ERROR;
    }
    if (t->cls == JY_FILE_IMAGE) {
        enum jy_image_format fmt;
        const char *why;
        int rc = jy_image_size(head, headlen, &fmt, &f->width, &f->height, &why);
        if (rc != JY_OK) {
            jy_err_set(err, JY_E_INVALID, "could not read the size of image \"%s\": %s", name,
                       rc == JY_DECLINED ? "not a PNG, JPEG, GIF or WebP image" : why);
            jy_err_field(err, "file");
            return JY_ERROR;
        }
    }
    return JY_OK;
}


/* Read up to n bytes at off; returns bytes read or -1 with errno. */
static ssize_t
src_read(const struct src *s, uint64_t off, void *buf, size_t n)
{
    if (s->fd < 0) {
        if (off >= s->size)
            return 0;
        if (n > s->size - off)
            n = (size_t) (s->size - off);
        memcpy(buf, s->mem + off, n);
        return (ssize_t) n;
    }
    for (;;) {
        ssize_t r = pread(s->fd, buf, n, (off_t) off);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}


/* Fill buf with up to n bytes from the start; *got gets how many. */
static int
src_head(const struct src *s, void *buf, size_t n, size_t *got, struct jy_err *err)
{
    size_t have = 0;

    while (have < n) {
        ssize_t r = src_read(s, have, (char *) buf + have, n - have);
        if (r < 0) {
            jy_err_errno(err, errno, "could not read \"%s\"", s->label);
            return JY_ERROR;
        }
        if (r == 0)
            break;
        have += (size_t) r;
    }
    *got = have;
    return JY_OK;
}


/* mkdir -p for the store's folders. */
static int
make_dirs(struct jy_pool *pool, const char *path, struct jy_err *err)
{
    char *p = jy_pool_strdup(pool, path), *slash;

    for (slash = strchr(p + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash)
            *slash = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            jy_err_errno(err, errno, "could not create folder \"%s\" of the file store", p);
            return JY_ERROR;
        }
        if (slash == NULL)
            break;
        *slash = '/';
    }
    return JY_OK;
}


static void
fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        (void) fsync(fd);
        close(fd);
    }
}


/*
 * Copy the source into a temporary file of the store, hashing it. *tmp
 * gets its path (the caller renames or removes it), f->sha256 the hash.
 */
static int
store_temp(const struct jy_filestore *fs, struct jy_pool *pool, const struct src *s,
           struct jy_file *f, const char **tmp, struct jy_err *err)
{
    const char *dir = jy_pool_printf(pool, "%s/tmp", fs->dir);
    char *path = jy_pool_printf(pool, "%s/upload.XXXXXX", dir);
    unsigned char *buf = jy_pool_alloc(pool, COPY_CHUNK), hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    uint64_t off = 0;
    int fd, i;

    if (make_dirs(pool, dir, err) != JY_OK)
        return JY_ERROR;
    fd = mkstemp(path);
    if (fd < 0) {
        jy_err_errno(err, errno, "could not create a file in \"%s\"", dir);
        return JY_ERROR;
    }
    (void) fchmod(fd, 0644);
    crypto_hash_sha256_init(&st);
    for (;;) {
        ssize_t r = src_read(s, off, buf, COPY_CHUNK);
        size_t done = 0;
        if (r < 0) {
            jy_err_errno(err, errno, "could not read \"%s\"", s->label);
            goto fail;
        }
        if (r == 0)
            break;
        crypto_hash_sha256_update(&st, buf, (unsigned long long) r);
        while (done < (size_t) r) {
            ssize_t w = write(fd, buf + done, (size_t) r - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                jy_err_errno(err, errno, "could not write to the file store \"%s\"", fs->dir);
                goto fail;
            }
            done += (size_t) w;
        }
        off += (uint64_t) r;
    }
    if (off != s->size) {
        jy_err_set(err, JY_E_CONFLICT, "\"%s\" changed while it was read (%llu bytes, then %llu)",
                   s->label, (unsigned long long) s->size, (unsigned long long) off);
        goto fail;
    }
    if (fsync(fd) != 0) {
        jy_err_errno(err, errno, "could not write to the file store \"%s\"", fs->dir);
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        jy_err_errno(err, errno, "could not write to the file store \"%s\"", fs->dir);
        goto fail_unlink;
    }
    crypto_hash_sha256_final(&st, hash);
    for (i = 0; i < (int) sizeof(hash); i++)
        snprintf(f->sha256 + 2 * i, 3, "%02x", hash[i]);
    *tmp = path;
    return JY_OK;

fail:
    close(fd);
fail_unlink:
    unlink(path);
    return JY_ERROR;
}


/* Move the temporary file into place (or drop it when the bytes are there already). */
static int
store_place(const struct jy_filestore *fs, struct jy_pool *pool, const char *tmp,
            const struct jy_file *f, struct jy_err *err)
{
    const char *final = jy_filestore_path(fs, pool, f->sha256);
    const char *dir = jy_pool_strndup(pool, final, strlen(final) - 65);
    struct stat st;

    if (stat(final, &st) == 0 && st.st_size == f->size) {
        unlink(tmp);
        return JY_OK;
    }
    if (make_dirs(pool, dir, err) != JY_OK)
        return JY_ERROR;
    if (rename(tmp, final) != 0) {
        jy_err_errno(err, errno, "could not move the upload into the file store \"%s\"", fs->dir);
        unlink(tmp);
        return JY_ERROR;
    }
    fsync_dir(dir);
    return JY_OK;
}


/* Serialise work on one hash across processes: a session advisory lock keyed by it. */
static int
hash_lock(struct jy_db *db, struct jy_pool *pool, const char *sha256, bool lock, struct jy_err *err)
{
    const char *p[1] = {sha256};
    struct jy_err local = JY_ERR_INIT;

    if (jy_db_query(db, pool,
                    lock ? "SELECT pg_advisory_lock(('x' || substr($1, 1, 16))::bit(64)::bigint)"
                         : "SELECT pg_advisory_unlock(('x' || substr($1, 1, 16))::bit(64)::bigint)",
                    1, p, lock ? err : &local) == NULL)
        return JY_ERROR;
    return JY_OK;
}


static int
file_add(struct jy_db *db, struct jy_pool *pool, const struct jy_filestore *fs, const char *site,
         const struct src *s, const char *name, struct jy_file *out, struct jy_err *err)
{
    size_t want, got;
    unsigned char *head;
    const char *tmp = NULL, *p[8];
    long long site_id;
    struct jy_db_res *res;
    struct jy_file f;

    if (jy_site_resolve(db, pool, site, "site", &site_id, err) != JY_OK)
        return JY_ERROR;
    want = s->size < HEAD_MAX ? (size_t) s->size : HEAD_MAX;
    head = jy_pool_alloc(pool, want + 1);
    if (src_head(s, head, want, &got, err) != JY_OK)
        return JY_ERROR;
    if (got == want && s->size > want && s->size <= IMAGE_HEAD_MAX) {
        /* an image's frame header may follow a megabyte of metadata: read all of a small file */
        const char *m = sniff(pool, head, got, err);
        const struct ftype *t = m ? ftype_by_mime(m) : NULL;
        if (t && t->cls == JY_FILE_IMAGE) {
            want = (size_t) s->size;
            head = jy_pool_try_alloc(pool, want);
            if (head == NULL || src_head(s, head, want, &got, err) != JY_OK) {
                if (head == NULL)
                    jy_err_set(err, JY_E_TOO_LARGE, "not enough memory to read \"%s\"", name);
                return JY_ERROR;
            }
        }
    }
    if (jy_file_check(fs, pool, head, got, s->size, name, &f, err) != JY_OK)
        return JY_ERROR;
    if (store_temp(fs, pool, s, &f, &tmp, err) != JY_OK)
        return JY_ERROR;

    if (hash_lock(db, pool, f.sha256, true, err) != JY_OK) {
        unlink(tmp);
        return JY_ERROR;
    }
    if (jy_db_begin(db, err) != JY_OK)
        goto fail_unlock;
    if (store_place(fs, pool, tmp, &f, err) != JY_OK) {
        tmp = NULL;
        goto fail_rollback;
    }
    tmp = NULL;
    p[0] = jy_pool_printf(pool, "%lld", site_id);
    p[1] = f.sha256;
    p[2] = jy_pool_printf(pool, "%lld", f.size);
    p[3] = f.mime;
    p[4] = jy_file_class_name(f.cls);
    p[5] = f.name;
    p[6] = f.width ? jy_pool_printf(pool, "%u", f.width) : NULL;
    p[7] = f.height ? jy_pool_printf(pool, "%u", f.height) : NULL;
    res = jy_db_query(db, pool,
                      "SELECT file_id, created FROM jy_file_register($1::bigint, $2, $3::bigint, "
                      "$4, $5, $6, $7::integer, $8::integer)",
                      8, p, err);
    if (res == NULL) {
        if (err->code == JY_E_FORBIDDEN)
            jy_err_hint(err, "Uploading needs the right to write items (item.write) on the site.");
        jy_err_field(err, "site");
        goto fail_rollback;
    }
    if (jy_db_commit(db, err) != JY_OK)
        goto fail_unlock;
    hash_lock(db, pool, f.sha256, false, err);
    if (jy_file_get(db, pool, f.sha256, out, err) != JY_OK) {
        /* recorded, but invisible to us? show what we know */
        *out = f;
        jy_err_clear(err);
    }
    out->id = atoll(jy_db_res_get(res, 0, 0));
    out->created = strcmp(jy_db_res_get(res, 0, 1), "t") == 0;
    return JY_OK;

fail_rollback:
    jy_db_rollback(db);
fail_unlock : {
    struct jy_err ignored = JY_ERR_INIT;
    hash_lock(db, pool, f.sha256, false, &ignored);
}
    if (tmp)
        unlink(tmp);
    return JY_ERROR;
}


int
jy_file_add_path(struct jy_db *db, struct jy_pool *pool, const struct jy_filestore *fs,
                 const char *site, const char *path, const char *name, struct jy_file *out,
                 struct jy_err *err)
{
    struct src s;
    struct stat st;
    int rc;

    s.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s.fd < 0) {
        jy_err_errno(err, errno, "could not open \"%s\"", path);
        jy_err_field(err, "file");
        return JY_ERROR;
    }
    if (fstat(s.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" is not a regular file", path);
        jy_err_field(err, "file");
        close(s.fd);
        return JY_ERROR;
    }
    s.mem = NULL;
    s.size = (uint64_t) st.st_size;
    s.label = path;
    if (name == NULL) {
        const char *slash = strrchr(path, '/');
        name = slash ? slash + 1 : path;
    }
    rc = file_add(db, pool, fs, site, &s, name, out, err);
    close(s.fd);
    return rc;
}


int
jy_file_add_mem(struct jy_db *db, struct jy_pool *pool, const struct jy_filestore *fs,
                const char *site, const void *data, size_t len, const char *name,
                struct jy_file *out, struct jy_err *err)
{
    struct src s = {-1, data, len, name};

    return file_add(db, pool, fs, site, &s, name, out, err);
}


/* Resolve FILE (hash or prefix of at least 8 hex digits) to a visible row. */
static struct jy_db_res *
file_find(struct jy_db *db, struct jy_pool *pool, const char *ref, struct jy_err *err)
{
    static const char sql[] =
        "SELECT f.id, f.sha256, f.size, f.mime_type, f.type_class, f.original_name, f.width, "
        "f.height, f.site_id, coalesce(s.code, s.id::text) || ' ' || s.name AS site, "
        "u.login, to_char(f.created_at, 'YYYY-MM-DD HH24:MI:SS') AS created_at "
        "FROM file f JOIN site s ON s.id = f.site_id "
        "LEFT JOIN app_user u ON u.id = f.uploaded_by "
        "WHERE f.sha256 LIKE $1 || '%' ORDER BY f.sha256 LIMIT 2";
    size_t len = ref ? strlen(ref) : 0;
    const char *p[1];
    struct jy_db_res *res;

    if (len < 8 || len > 64 || strspn(ref, "0123456789abcdef") != len) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" is not a file hash", ref ? ref : "");
        jy_err_hint(err, "Name a file by its SHA-256 in lower-case hex, or the first 8 or more "
                         "digits of it.");
        jy_err_field(err, "file");
        return NULL;
    }
    p[0] = ref;
    res = jy_db_query(db, pool, sql, 1, p, err);
    if (res == NULL)
        return NULL;
    if (jy_db_res_rows(res) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "no file \"%s\"", ref);
        jy_err_field(err, "file");
        return NULL;
    }
    if (jy_db_res_rows(res) > 1) {
        jy_err_set(err, JY_E_INVALID, "\"%s\" names more than one file", ref);
        jy_err_hint(err, "Give more digits of the hash.");
        jy_err_field(err, "file");
        return NULL;
    }
    return res;
}


static enum jy_file_class
class_by_name(const char *n)
{
    int i;

    for (i = 0; i < JY_FILE_NCLASSES; i++)
        if (strcmp(class_names[i], n) == 0)
            return (enum jy_file_class) i;
    return JY_FILE_DOCUMENT;
}


/* jy_file_get() inside the caller's transaction. */
static int
file_get_tx(struct jy_db *db, struct jy_pool *pool, const char *ref, struct jy_file *out,
            struct jy_err *err)
{
    struct jy_db_res *res = file_find(db, pool, ref, err), *items;
    const char *v, *p[1];
    int i;

    if (res == NULL)
        return JY_ERROR;
    memset(out, 0, sizeof(*out));
    out->id = atoll(jy_db_res_get(res, 0, 0));
    snprintf(out->sha256, sizeof(out->sha256), "%s", jy_db_res_get(res, 0, 1));
    out->size = atoll(jy_db_res_get(res, 0, 2));
    out->mime = jy_db_res_get(res, 0, 3);
    out->what = what_of_mime(pool, out->mime);
    out->cls = class_by_name(jy_db_res_get(res, 0, 4));
    out->name = jy_db_res_get(res, 0, 5);
    v = jy_db_res_get(res, 0, 6);
    out->width = v ? (uint32_t) atol(v) : 0;
    v = jy_db_res_get(res, 0, 7);
    out->height = v ? (uint32_t) atol(v) : 0;
    out->site_id = atoll(jy_db_res_get(res, 0, 8));
    out->site = jy_db_res_get(res, 0, 9);
    out->uploaded_by = jy_db_res_get(res, 0, 10);
    out->created_at = jy_db_res_get(res, 0, 11);
    p[0] = jy_db_res_get(res, 0, 0);
    items = jy_db_query(db, pool,
                        "SELECT i.id, i.title FROM item_file x JOIN item i ON i.id = x.item_id "
                        "WHERE x.file_id = $1::bigint ORDER BY i.id",
                        1, p, err);
    if (items == NULL)
        return JY_ERROR;
    out->nitems = jy_db_res_rows(items);
    out->items = jy_pool_new_array(pool, long long, (size_t) out->nitems + 1);
    out->item_titles = jy_pool_new_array(pool, const char *, (size_t) out->nitems + 1);
    for (i = 0; i < out->nitems; i++) {
        out->items[i] = atoll(jy_db_res_get(items, i, 0));
        out->item_titles[i] = jy_db_res_get(items, i, 1);
    }
    return JY_OK;
}


int
jy_file_get(struct jy_db *db, struct jy_pool *pool, const char *ref, struct jy_file *out,
            struct jy_err *err)
{
    /* a transaction, so that row-level security sees the acting user (db.h) */
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if (file_get_tx(db, pool, ref, out, err) != JY_OK) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    return jy_db_commit(db, err);
}


const char *
jy_file_served_type(struct jy_db *db, struct jy_pool *pool, const char *sha256, const char *ext,
                    struct jy_err *err)
{
    const struct ftype *t;
    const char *p[1] = {sha256}, *mime;

    /* a transaction, so that row-level security sees the acting user (db.h) */
    if (jy_db_begin(db, err) != JY_OK)
        return NULL;
    mime = jy_db_query_value(db, pool, "SELECT mime_type FROM file WHERE sha256 = $1", 1, p, err);
    if (mime == NULL) {
        bool failed = err->code != JY_E_NONE;
        jy_db_rollback(db);
        if (!failed)
            jy_err_set(err, JY_E_NOT_FOUND, "no such file: %s.%s", sha256, ext);
        return NULL;
    }
    if (jy_db_commit(db, err) != JY_OK)
        return NULL;
    t = ftype_by_mime(mime);
    if (t == NULL || !word_in(ext, t->exts)) {
        jy_err_set(err, JY_E_NOT_FOUND, "no such file: %s.%s", sha256, ext);
        return NULL;
    }
    return mime;
}


int
jy_file_remove(struct jy_db *db, struct jy_pool *pool, const struct jy_filestore *fs,
               const char *ref, struct jy_err *err)
{
    struct jy_file f;
    struct jy_db_res *res;
    const char *p[1], *path;
    struct jy_err ignored = JY_ERR_INIT;

    if (jy_file_get(db, pool, ref, &f, err) != JY_OK)
        return JY_ERROR;
    if (f.nitems > 0) {
        struct jy_buf b = JY_BUF_INIT(pool);
        int i;
        for (i = 0; i < f.nitems && i < 5; i++)
            jy_buf_addf(&b, "%s%lld \"%s\"", i ? ", " : "", f.items[i], f.item_titles[i]);
        if (f.nitems > 5)
            jy_buf_addf(&b, " and %d more", f.nitems - 5);
        jy_err_set(err, JY_E_CONFLICT, "file \"%.12s\" (%s) is still used by %d item%s: %s",
                   f.sha256, f.name, f.nitems, f.nitems == 1 ? "" : "s", b.buf);
        jy_err_hint(err, "Remove it from these items first.");
        jy_err_field(err, "file");
        return JY_ERROR;
    }
    if (hash_lock(db, pool, f.sha256, true, err) != JY_OK)
        return JY_ERROR;
    if (jy_db_begin(db, err) != JY_OK)
        goto fail_unlock;
    p[0] = jy_pool_printf(pool, "%lld", f.id);
    res = jy_db_query(db, pool, "DELETE FROM file WHERE id = $1::bigint", 1, p, err);
    if (res == NULL) {
        if (strstr(err->detail, "SQLSTATE 23503")) {
            /* used by an item the actor cannot see: the foreign key refuses */
            jy_err_set(err, JY_E_CONFLICT, "file \"%.12s\" (%s) is still used by items", f.sha256,
                       f.name);
            jy_err_hint(err, "Some of them belong to sites you cannot read; their editors must "
                             "remove the file first.");
            jy_err_field(err, "file");
        }
        goto fail_rollback;
    }
    if (jy_db_res_affected(res) == 0) {
        jy_err_set(err, JY_E_FORBIDDEN, "you may not delete file \"%.12s\" (%s)", f.sha256, f.name);
        jy_err_hint(err, "Only editors of the site that uploaded it first (%s) may delete it.",
                    f.site);
        jy_err_field(err, "file");
        goto fail_rollback;
    }
    if (jy_db_commit(db, err) != JY_OK)
        goto fail_unlock;
    path = jy_filestore_path(fs, pool, f.sha256);
    if (unlink(path) != 0 && errno != ENOENT)
        jy_log_warn("file", "could not remove \"%s\" from the file store: %s", path,
                    strerror(errno));
    hash_lock(db, pool, f.sha256, false, &ignored);
    return JY_OK;

fail_rollback:
    jy_db_rollback(db);
fail_unlock:
    hash_lock(db, pool, f.sha256, false, &ignored);
    return JY_ERROR;
}


/* The files an item uses are part of its revisions (schema/0036): record, then commit. */
static int
revision_commit(struct jy_db *db, struct jy_pool *pool, long long item_id, struct jy_err *err)
{
    const char *p[1] = {jy_pool_printf(pool, "%lld", item_id)};

    if (jy_db_query(db, pool, "SELECT jy_item_revision_sync(ARRAY[$1::bigint])", 1, p, err) ==
        NULL) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    return jy_db_commit(db, err);
}


int
jy_file_attach(struct jy_db *db, struct jy_pool *pool, long long item_id, const char *ref, int sort,
               const char *caption, struct jy_err *err)
{
    struct jy_db_res *res;
    const char *p[4];

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    res = file_find(db, pool, ref, err);
    if (res == NULL) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    p[0] = jy_pool_printf(pool, "%lld", item_id);
    p[1] = jy_db_res_get(res, 0, 0);
    p[2] = jy_pool_printf(pool, "%d", sort);
    p[3] = caption;
    res = jy_db_query(db, pool,
                      "INSERT INTO item_file (site_id, item_id, file_id, sort, caption) "
                      "SELECT i.site_id, i.id, $2::bigint, $3::integer, $4 FROM item i "
                      "WHERE i.id = $1::bigint "
                      "ON CONFLICT (item_id, file_id) DO UPDATE SET sort = EXCLUDED.sort, "
                      "caption = EXCLUDED.caption",
                      4, p, err);
    if (res == NULL) {
        if (err->code == JY_E_FORBIDDEN) {
            jy_err_set(err, JY_E_FORBIDDEN, "you may not attach files to item %lld", item_id);
            jy_err_hint(err, "Attaching needs the right to write the item (item.write).");
        }
        jy_err_field(err, "item");
        jy_db_rollback(db);
        return JY_ERROR;
    }
    if (jy_db_res_affected(res) == 0) {
        jy_db_rollback(db);
        jy_err_set(err, JY_E_NOT_FOUND, "no item %lld", item_id);
        jy_err_field(err, "item");
        return JY_ERROR;
    }
    return revision_commit(db, pool, item_id, err);
}


int
jy_file_detach(struct jy_db *db, struct jy_pool *pool, long long item_id, const char *ref,
               struct jy_err *err)
{
    struct jy_db_res *res;
    const char *p[2];

    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    res = file_find(db, pool, ref, err);
    if (res == NULL) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    p[0] = jy_pool_printf(pool, "%lld", item_id);
    p[1] = jy_db_res_get(res, 0, 0);
    res = jy_db_query(db, pool,
                      "DELETE FROM item_file WHERE item_id = $1::bigint AND file_id = $2::bigint",
                      2, p, err);
    if (res == NULL) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    if (jy_db_res_affected(res) == 0) {
        jy_db_rollback(db);
        jy_err_set(err, JY_E_NOT_FOUND,
                   "item %lld does not use file \"%s\" (or you may not "
                   "change it)",
                   item_id, ref);
        jy_err_field(err, "item");
        return JY_ERROR;
    }
    return revision_commit(db, pool, item_id, err);
}


/* ---- the sweep ------------------------------------------------------------------------------- */

/* A file of the store that may be an orphan. */
struct sweep_cand {
    const char *path;
    char sha256[65]; /* "" for a temporary file */
    long long size;
    bool old; /* older than the grace */
};

struct sweep {
    struct jy_pool *pool;
    struct sweep_cand *v;
    size_t n, alloc;
    time_t cutoff;
};


static bool
hex_name(const char *s, size_t len)
{
    size_t i;

    if (strlen(s) != len)
        return false;
    for (i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}


static void
sweep_add(struct sweep *sw, const char *path, const char *sha256, const struct stat *st)
{
    struct sweep_cand *c;

    if (sw->n == sw->alloc) {
        size_t grow = sw->alloc ? sw->alloc * 2 : 256;
        sw->v = jy_pool_realloc(sw->pool, sw->v, sw->alloc * sizeof(*sw->v), grow * sizeof(*sw->v));
        sw->alloc = grow;
    }
    c = &sw->v[sw->n++];
    c->path = path;
    snprintf(c->sha256, sizeof(c->sha256), "%s", sha256);
    c->size = (long long) st->st_size;
    c->old = st->st_mtime < sw->cutoff;
}


/*
 * The regular files of dir whose names pass (64 hex digits for the store,
 * anything for tmp); sub-folders of two hex digits are walked down to
 * depth levels. Other names are not ours and are left alone.
 */
static int
sweep_walk(struct sweep *sw, const char *dir, int depth, bool temp, struct jy_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL) {
        if (errno == ENOENT)
            return JY_OK;
        jy_err_errno(err, errno, "could not read folder \"%s\" of the file store", dir);
        return JY_ERROR;
    }
    while ((e = readdir(d)) != NULL) {
        const char *path;
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        path = jy_pool_printf(sw->pool, "%s/%s", dir, e->d_name);
        if (lstat(path, &st) != 0)
            continue; /* gone meanwhile */
        if (depth > 0 && S_ISDIR(st.st_mode) && hex_name(e->d_name, 2)) {
            if (sweep_walk(sw, path, depth - 1, false, err) != JY_OK) {
                closedir(d);
                return JY_ERROR;
            }
        } else if (S_ISREG(st.st_mode) && temp) {
            sweep_add(sw, path, "", &st);
        } else if (S_ISREG(st.st_mode) && depth == 0 && hex_name(e->d_name, 64)) {
            sweep_add(sw, path, e->d_name, &st);
        }
    }
    closedir(d);
    return JY_OK;
}


/* Mark (sha256 cleared to "-") the candidates whose hash has a row, 1,000 per query. */
static int
sweep_known(struct jy_db *db, struct sweep *sw, struct jy_err *err)
{
    size_t i = 0, j;

    while (i < sw->n) {
        struct jy_buf arr = JY_BUF_INIT(sw->pool);
        const char *p[1];
        struct jy_db_res *r;
        int k;
        size_t end = i;
        jy_buf_add_char(&arr, '{');
        for (j = i; j < sw->n && j < i + 1000; j++, end++)
            if (sw->v[j].sha256[0] && sw->v[j].sha256[0] != '-')
                jy_buf_addf(&arr, "%s%s", arr.len > 1 ? "," : "", sw->v[j].sha256);
        jy_buf_add_char(&arr, '}');
        p[0] = arr.buf;
        r = jy_db_query(db, sw->pool,
                        "SELECT f.sha256 FROM file f WHERE f.sha256 = ANY ($1::text[])", 1, p, err);
        if (r == NULL)
            return JY_ERROR;
        for (k = 0; k < jy_db_res_rows(r); k++) {
            const char *h = jy_db_res_get(r, k, 0);
            for (j = i; j < end; j++)
                if (strcmp(sw->v[j].sha256, h) == 0)
                    memcpy(sw->v[j].sha256, "-", 2);
        }
        i = end;
    }
    return JY_OK;
}


enum sweep_outcome { SWEEP_REMOVED, SWEEP_KEPT, SWEEP_FAILED };

/*
 * Remove one candidate. A store file is removed under its hash lock, and
 * only if still no row names it and it is still old (an upload of the same
 * bytes may have come meanwhile); a temporary file has no hash to lock
 * yet, and the grace protects it.
 */
static int
sweep_remove(struct jy_db *db, struct sweep *sw, const struct sweep_cand *c,
             enum sweep_outcome *how, struct jy_err *err)
{
    const char *p[1] = {c->sha256};
    const char *known = NULL;
    struct stat st;
    struct jy_err ignored = JY_ERR_INIT;
    bool locked = c->sha256[0] != '\0';

    *how = SWEEP_KEPT;
    if (locked) {
        if (hash_lock(db, sw->pool, c->sha256, true, err) != JY_OK)
            return JY_ERROR;
        jy_err_clear(err); /* NULL with no error: no row */
        known = jy_db_query_value(db, sw->pool, "SELECT 1 FROM file WHERE sha256 = $1", 1, p, err);
        if (known == NULL && err->code != JY_E_NONE) {
            hash_lock(db, sw->pool, c->sha256, false, &ignored);
            return JY_ERROR;
        }
    }
    if (known == NULL && lstat(c->path, &st) == 0 && st.st_mtime < sw->cutoff) {
        if (unlink(c->path) == 0) {
            *how = SWEEP_REMOVED;
        } else {
            *how = SWEEP_FAILED;
            jy_log_warn("file", "could not remove \"%s\" from the file store: %s", c->path,
                        strerror(errno));
        }
    }
    if (locked)
        hash_lock(db, sw->pool, c->sha256, false, &ignored);
    return JY_OK;
}


int
jy_file_sweep(struct jy_db *db, struct jy_pool *pool, const struct jy_filestore *fs,
              int grace_minutes, bool apply, struct jy_file_sweep *out, struct jy_err *err)
{
    struct sweep sw;
    const char *rls;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (grace_minutes < 1) {
        jy_err_set(err, JY_E_INVALID, "grace period of %d minutes: it must be at least 1",
                   grace_minutes);
        jy_err_hint(err, "A shorter one could remove the bytes of an upload still in flight.");
        jy_err_field(err, "grace");
        return JY_ERROR;
    }
    rls = jy_db_query_value(db, pool, "SELECT row_security_active('file')", 0, NULL, err);
    if (rls == NULL)
        return JY_ERROR;
    if (strcmp(rls, "t") == 0) {
        jy_err_set(err, JY_E_FORBIDDEN, "the file sweep runs as the system, not as a user");
        jy_err_hint(err, "Run it without --as: files of sites you cannot read would look unused.");
        return JY_ERROR;
    }
    memset(&sw, 0, sizeof(sw));
    sw.pool = pool;
    sw.cutoff = time(NULL) - (time_t) grace_minutes * 60;
    if (sweep_walk(&sw, fs->dir, 2, false, err) != JY_OK ||
        sweep_walk(&sw, jy_pool_printf(pool, "%s/tmp", fs->dir), 0, true, err) != JY_OK ||
        sweep_known(db, &sw, err) != JY_OK)
        return JY_ERROR;
    out->scanned = (long long) sw.n;
    out->paths = jy_pool_new_array(pool, const char *, JY_FILE_SWEEP_LIST);
    for (i = 0; i < sw.n; i++) {
        const struct sweep_cand *c = &sw.v[i];
        enum sweep_outcome how = SWEEP_REMOVED;
        if (c->sha256[0] == '-')
            continue; /* a row names it */
        if (!c->old) {
            out->young++;
            continue;
        }
        if (apply && sweep_remove(db, &sw, c, &how, err) != JY_OK)
            return JY_ERROR;
        if (how == SWEEP_FAILED)
            out->failed++;
        if (how != SWEEP_REMOVED)
            continue;
        out->orphans++;
        out->orphan_bytes += c->size;
        if (out->npaths < JY_FILE_SWEEP_LIST)
            out->paths[out->npaths++] = c->path;
    }
    return JY_OK;
}
