/*
 * file_test.c - uploads into the content-addressed file store
 * (core/filestore.c) against a real PostgreSQL: deduplication, types
 * sniffed from the bytes whatever the name says, size limits, refused
 * types, image dimensions of generated PNG, JPEG, GIF and WebP files, a
 * file in use that cannot be deleted, and row-level security (another
 * site's editor, connected as jiyue_app, can neither attach a file to an
 * item it cannot write nor see a file it has no business with).
 */
#include "core/compat.h"
#include "tests/test.h"
#include "tests/imagegen.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/filestore.h"
#include "core/pool.h"

#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>

#include <sodium.h>

struct fixture {
    struct jy_pool *pool;
    struct jy_db *owner; /* the system: bypasses RLS */
    struct jy_db *app;   /* jiyue_app: every statement passes RLS */
    struct jy_filestore fs;
    char site_a[24], site_b[24];
    char item_a[24], item_b[24];
    char column_a[24];
    long long editor_a, editor_b;
};

static struct fixture fx;

static const char *
own(const char *sql, int n, const char *const *params)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db_res *res = jy_db_query(fx.owner, fx.pool, sql, n, params, &err);

    if (res == NULL)
        jy_test_fail(__FILE__, __LINE__, "fixture: %s\n    %s (%s)", sql, err.msg, err.detail);
    return jy_db_res_rows(res) && jy_db_res_cols(res) ? jy_db_res_get(res, 0, 0) : NULL;
}


static void
copy_id(char *dst, const char *v)
{
    snprintf(dst, 24, "%s", v ? v : "");
}


static long long
editor_of(const char *site, const char *login)
{
    const char *p[2] = {login, NULL};
    const char *id = own("INSERT INTO app_user (login, display_name) VALUES ($1, '编辑') "
                         "RETURNING id",
                         1, p);
    p[0] = id;
    p[1] = site;
    own("INSERT INTO user_grant (user_id, role, site_id) VALUES ($1, 'editor', $2)", 2, p);
    return atoll(id);
}


static void
fixture_build(void)
{
    struct jy_err err = JY_ERR_INIT;
    const char *conninfo = jy_test_db_create(true);
    char platform[24], city[24];
    const char *p[3];
    int i;

    memset(&fx, 0, sizeof(fx));
    fx.pool = jy_pool_create(0);
    fx.owner = jy_db_connect(conninfo, &err);
    T_ASSERT(fx.owner != NULL);
    fx.app = jy_db_connect(jy_pool_printf(fx.pool, "%s user=jiyue_app", conninfo), &err);
    if (fx.app == NULL)
        jy_test_fail(__FILE__, __LINE__, "connect as jiyue_app: %s (%s)", err.msg, err.detail);
    fx.fs.dir = jy_pool_printf(fx.pool, "%s/files", jy_test_tmpdir());
    fx.fs.types = JY_FILE_TYPES_DEFAULT;
    for (i = 0; i < JY_FILE_NCLASSES; i++)
        fx.fs.max[i] = 10 * 1024 * 1024;

    copy_id(platform, own("INSERT INTO site (kind, level, name) VALUES ('site', 'platform', "
                          "'测试平台') RETURNING id",
                          0, NULL));
    p[0] = platform;
    copy_id(city, own("INSERT INTO site (parent_id, kind, level, name, code, admin_code) "
                      "VALUES ($1, 'site', 'province', '测试省', '5600000001', '560000') "
                      "RETURNING id",
                      1, p));
    p[0] = city;
    copy_id(fx.site_a, own("INSERT INTO site (parent_id, kind, level, name, code, admin_code) "
                           "VALUES ($1, 'site', 'city', '甲市', '5601000001', '560100') "
                           "RETURNING id",
                           1, p));
    copy_id(fx.site_b, own("INSERT INTO site (parent_id, kind, level, name, code, admin_code) "
                           "VALUES ($1, 'site', 'city', '乙市', '5602000001', '560200') "
                           "RETURNING id",
                           1, p));
    p[0] = fx.site_a;
    copy_id(fx.item_a, own("INSERT INTO item (site_id, kind, title) VALUES ($1, 'article', "
                           "'甲市的稿件') RETURNING id",
                           1, p));
    copy_id(fx.column_a, own("INSERT INTO site_column (site_id, code, name, kind) "
                             "VALUES ($1, 'news', '动态', 'list') RETURNING id",
                             1, p));
    p[0] = fx.site_b;
    copy_id(fx.item_b, own("INSERT INTO item (site_id, kind, title) VALUES ($1, 'article', "
                           "'乙市的稿件') RETURNING id",
                           1, p));
    fx.editor_a = editor_of(fx.site_a, "editor.a");
    fx.editor_b = editor_of(fx.site_b, "editor.b");
}


static void
fixture_free(void)
{
    jy_db_close(fx.app);
    jy_db_close(fx.owner);
    jy_pool_destroy(fx.pool);
}


/* Act as the editor (jiyue_app, RLS enforced). */
static struct jy_db *
as(long long user)
{
    jy_db_set_actor(fx.app, user, user == fx.editor_a ? "editor.a" : "editor.b", "127.0.0.1",
                    "file_test");
    return fx.app;
}


static int
count_files_in(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char *sub;
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        sub = jy_pool_printf(fx.pool, "%s/%s", dir, e->d_name);
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_files_in(sub);
        else
            n++;
    }
    closedir(d);
    return n;
}


/* A stored ZIP archive with the given members (name, content pairs). */
static void
gen_zip(struct jy_buf *b, const char *const *members, int n)
{
    struct jy_buf cd = JY_BUF_INIT(b->pool);
    int i;

    for (i = 0; i < n; i++) {
        const char *name = members[2 * i], *data = members[2 * i + 1];
        uint32_t crc = gen_crc32((const unsigned char *) data, strlen(data));
        size_t off = b->len;
        jy_buf_add(b, "PK\003\004\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00", 14);
        gen_be32(b, 0); /* placeholder, rewritten little-endian below */
        memcpy(b->buf + b->len - 4, &crc, 4);
        gen_le16(b, (uint32_t) strlen(data));
        gen_le16(b, 0);
        gen_le16(b, (uint32_t) strlen(data));
        gen_le16(b, 0);
        gen_le16(b, (uint32_t) strlen(name));
        gen_le16(b, 0);
        jy_buf_add_str(b, name);
        jy_buf_add_str(b, data);
        jy_buf_add(&cd, "PK\001\002\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00", 16);
        jy_buf_add(&cd, &crc, 4);
        gen_le16(&cd, (uint32_t) strlen(data));
        gen_le16(&cd, 0);
        gen_le16(&cd, (uint32_t) strlen(data));
        gen_le16(&cd, 0);
        gen_le16(&cd, (uint32_t) strlen(name));
        jy_buf_add(&cd, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12);
        gen_le16(&cd, (uint32_t) off);
        gen_le16(&cd, 0);
        jy_buf_add_str(&cd, name);
    }
    {
        size_t cd_off = b->len;
        jy_buf_add(b, cd.buf, cd.len);
        jy_buf_add(b, "PK\005\006\x00\x00\x00\x00", 8);
        gen_le16(b, (uint32_t) n);
        gen_le16(b, (uint32_t) n);
        gen_le16(b, (uint32_t) cd.len);
        gen_le16(b, 0);
        gen_le16(b, (uint32_t) cd_off);
        gen_le16(b, 0);
        gen_le16(b, 0);
    }
}


static void
test_dedup_and_store_layout(void)
{
    struct jy_buf png = JY_BUF_INIT(fx.pool);
    struct jy_err err = JY_ERR_INIT;
    struct jy_file f1, f2, f3;
    unsigned char hash[crypto_hash_sha256_BYTES];
    char hex[65];
    const char *path, *p[1];
    struct stat st;
    int i;

    gen_png(&png, 16, 9, 0x40);
    crypto_hash_sha256(hash, (const unsigned char *) png.buf, png.len);
    for (i = 0; i < (int) sizeof(hash); i++)
        snprintf(hex + 2 * i, 3, "%02x", hash[i]);

    if (jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_a, png.buf, png.len, "会议.png", &f1,
                        &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "add: %s (%s)", err.msg, err.detail);
    T_ASSERT(f1.created);
    T_EQ_STR(f1.sha256, hex);
    T_EQ_STR(f1.mime, "image/png");
    T_EQ_INT(f1.size, png.len);
    T_EQ_INT(f1.width, 16);
    T_EQ_INT(f1.height, 9);
    T_EQ_STR(f1.name, "会议.png");
    path = jy_filestore_path(&fx.fs, fx.pool, hex);
    T_CONTAINS(path, jy_pool_printf(fx.pool, "/files/%.2s/%.2s/%s", hex, hex + 2, hex));
    T_EQ_INT(stat(path, &st), 0);
    T_EQ_INT(st.st_size, png.len);

    /* the same bytes again, under another name: one file */
    T_EQ_INT(jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_a, png.buf, png.len, "again.png",
                             &f2, &err),
             JY_OK);
    T_ASSERT(!f2.created);
    T_EQ_INT(f2.id, f1.id);
    T_EQ_STR(f2.name, "会议.png");
    /* ... and from another site: still one file, now of both sites */
    T_EQ_INT(
        jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_b, png.buf, png.len, "b.png", &f3, &err),
        JY_OK);
    T_EQ_INT(f3.id, f1.id);
    p[0] = hex;
    T_EQ_STR(own("SELECT count(*) FROM file WHERE sha256 = $1", 1, p), "1");
    T_EQ_STR(own("SELECT array_length(sites, 1) FROM file WHERE sha256 = $1", 1, p), "2");
    /* no temporary file left behind, one stored file */
    T_EQ_INT(count_files_in(jy_pool_printf(fx.pool, "%s/tmp", fx.fs.dir)), 0);
    T_EQ_INT(count_files_in(jy_pool_printf(fx.pool, "%s/%.2s", fx.fs.dir, hex)), 1);
    /* the upload is in the audit log */
    T_EQ_STR(own("SELECT count(*) FROM audit_log WHERE object_type = 'file' AND action = 'insert' "
                 "AND after ->> 'sha256' = $1",
                 1, p),
             "1");
}


static void
expect_refused(const void *data, size_t len, const char *name, enum jy_err_code code,
               const char *msg)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_file f;
    const char *before = own("SELECT count(*) FROM file", 0, NULL);
    char *kept = jy_pool_strdup(fx.pool, before);
    int files = count_files_in(fx.fs.dir);

    T_EQ_INT(jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_a, data, len, name, &f, &err),
             JY_ERROR);
    T_EQ_INT(err.code, code);
    T_EQ_STR(err.msg, msg);
    T_EQ_STR(err.field, "file");
    /* nothing stored: no row, no bytes */
    T_EQ_STR(own("SELECT count(*) FROM file", 0, NULL), kept);
    T_EQ_INT(count_files_in(fx.fs.dir), files);
}


static void
test_type_is_sniffed_not_named(void)
{
    struct jy_buf zip = JY_BUF_INIT(fx.pool), png = JY_BUF_INIT(fx.pool),
                  docx = JY_BUF_INIT(fx.pool), ofd = JY_BUF_INIT(fx.pool);
    static const char *const plain[] = {"a.txt", "hello"};
    static const char *const word[] = {"[Content_Types].xml", "<Types/>", "word/document.xml",
                                       "<w:document/>"};
    static const char *const ofd_members[] = {"OFD.xml", "<ofd:OFD/>", "Doc_0/Document.xml",
                                              "<ofd:Document/>"};
    static const char pdf[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n"
                              "%%EOF\n";
    static const char html[] = "<!DOCTYPE html><html><head><title>x</title></head><body>"
                               "<script>alert(1)</script></body></html>\n";
    struct jy_err err = JY_ERR_INIT;
    struct jy_file f;

    gen_zip(&zip, plain, 1);
    gen_png(&png, 2, 2, 0);
    expect_refused(zip.buf, zip.len, "报告.pdf", JY_E_INVALID,
                   "\"报告.pdf\" is a ZIP archive, not a PDF document");
    expect_refused(png.buf, png.len, "photo.jpg", JY_E_INVALID,
                   "\"photo.jpg\" is a PNG image, not a JPEG image");
    expect_refused(html, sizeof(html) - 1, "通知.doc", JY_E_INVALID,
                   "\"通知.doc\" is an HTML page, not a Word document");
    expect_refused(zip.buf, zip.len, "表格.docx", JY_E_INVALID,
                   "\"表格.docx\" is a ZIP archive, not a Word document");

    /* the real thing is accepted, whatever the case of the extension */
    T_EQ_INT(jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_a, pdf, sizeof(pdf) - 1, "通知.PDF",
                             &f, &err),
             JY_OK);
    T_EQ_STR(f.mime, "application/pdf");
    T_EQ_INT(f.cls, JY_FILE_DOCUMENT);
    T_EQ_INT(f.width, 0);
    gen_zip(&docx, word, 2);
    if (jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_a, docx.buf, docx.len, "方案.docx", &f,
                        &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "docx: %s (%s)", err.msg, err.detail);
    T_EQ_STR(f.mime, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    gen_zip(&ofd, ofd_members, 2);
    T_EQ_INT(jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_a, ofd.buf, ofd.len, "公文.ofd", &f,
                             &err),
             JY_OK);
    T_EQ_STR(f.mime, "application/ofd");
    T_EQ_INT(f.cls, JY_FILE_DOCUMENT);
    T_EQ_INT(jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_a, zip.buf, zip.len, "附件.zip", &f,
                             &err),
             JY_OK);
    T_EQ_INT(f.cls, JY_FILE_ARCHIVE);
}


static void
test_refused_types_and_names(void)
{
    static const char elf[] = "\x7f"
                              "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00"
                              "\x3e\x00\x01\x00\x00\x00";
    static const char html[] = "<html><body>x</body></html>\n";

    expect_refused(elf, sizeof(elf) - 1, "setup.exe", JY_E_INVALID,
                   "\"setup.exe\": files ending in \".exe\" are not accepted");
    expect_refused(html, sizeof(html) - 1, "page", JY_E_INVALID,
                   "\"page\" is an HTML page, which is not accepted");
    expect_refused(html, sizeof(html) - 1, "a/b.pdf", JY_E_INVALID,
                   "file name \"a/b.pdf\" holds a '/' or a control character");
    expect_refused("", 0, "empty.pdf", JY_E_INVALID, "\"empty.pdf\" is empty");
}


static void
test_size_limits(void)
{
    struct jy_buf png = JY_BUF_INIT(fx.pool);
    uint64_t saved = fx.fs.max[JY_FILE_IMAGE];

    gen_png(&png, 1000, 1, 7);
    fx.fs.max[JY_FILE_IMAGE] = 1024 * 1024;
    /* bytes after IEND leave it a PNG, one MiB larger */
    while (png.len <= 1024 * 1024)
        jy_buf_add(&png, "0123456789abcdef", 16);
    expect_refused(png.buf, png.len, "大图.png", JY_E_TOO_LARGE,
                   jy_pool_printf(fx.pool,
                                  "\"大图.png\" is too large for an image (%.1f MiB, at "
                                  "most 1 MiB)",
                                  (double) png.len / (1024.0 * 1024.0)));
    fx.fs.max[JY_FILE_IMAGE] = saved;
}


static void
test_image_dimensions(void)
{
    struct jy_buf b = JY_BUF_INIT(fx.pool);
    struct jy_err err = JY_ERR_INIT;
    struct jy_file f;
    const char *p[1];

    gen_jpeg(&b, 800, 600, 70000); /* frame header behind 70 KB of metadata */
    if (jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_a, b.buf, b.len, "现场.jpeg", &f,
                        &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "jpeg: %s (%s)", err.msg, err.detail);
    T_EQ_STR(f.mime, "image/jpeg");
    T_EQ_INT(f.width, 800);
    T_EQ_INT(f.height, 600);
    p[0] = f.sha256;
    T_EQ_STR(own("SELECT width || 'x' || height FROM file WHERE sha256 = $1", 1, p), "800x600");

    jy_buf_reset(&b);
    gen_gif(&b, 31, 17);
    T_EQ_INT(
        jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_a, b.buf, b.len, "动图.gif", &f, &err),
        JY_OK);
    T_EQ_STR(f.mime, "image/gif");
    T_EQ_INT(f.width, 31);
    T_EQ_INT(f.height, 17);

    jy_buf_reset(&b);
    gen_png(&b, 123, 45, 0xee);
    T_EQ_INT(
        jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_a, b.buf, b.len, "图.png", &f, &err),
        JY_OK);
    T_EQ_INT(f.width, 123);
    T_EQ_INT(f.height, 45);

    jy_buf_reset(&b);
    gen_webp(&b, 300, 200);
    if (jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_a, b.buf, b.len, "图.webp", &f, &err) !=
        JY_OK)
        jy_test_fail(__FILE__, __LINE__, "webp: %s (%s)", err.msg, err.detail);
    T_EQ_STR(f.mime, "image/webp");
    T_EQ_INT(f.width, 300);
    T_EQ_INT(f.height, 200);

    /* a PNG cut before its size: refused, not stored with a made-up size */
    jy_buf_reset(&b);
    gen_png(&b, 5, 5, 0);
    expect_refused(b.buf, 20, "cut.png", JY_E_INVALID,
                   "could not read the size of image \"cut.png\": truncated before the IHDR chunk");
}


static void
test_file_in_use_cannot_be_deleted(void)
{
    struct jy_buf b = JY_BUF_INIT(fx.pool);
    struct jy_err err = JY_ERR_INIT;
    struct jy_file f, g;
    const char *path;

    gen_gif(&b, 3, 3);
    jy_buf_add_str(&b, "in use");
    T_EQ_INT(
        jy_file_add_mem(fx.owner, fx.pool, &fx.fs, fx.site_a, b.buf, b.len, "附件.gif", &f, &err),
        JY_OK);
    path = jy_filestore_path(&fx.fs, fx.pool, f.sha256);
    T_EQ_INT(jy_file_attach(fx.owner, fx.pool, atoll(fx.item_a), f.sha256, 1, "附件一", &err),
             JY_OK);
    T_EQ_INT(jy_file_get(fx.owner, fx.pool, jy_pool_strndup(fx.pool, f.sha256, 10), &g, &err),
             JY_OK);
    T_EQ_INT(g.nitems, 1);
    T_EQ_INT(g.items[0], atoll(fx.item_a));

    T_EQ_INT(jy_file_remove(fx.owner, fx.pool, &fx.fs, f.sha256, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_CONTAINS(err.msg, "is still used by 1 item: ");
    T_CONTAINS(err.msg, "\"甲市的稿件\"");
    T_EQ_INT(access(path, F_OK), 0);
    /* the database refuses too, whoever asks */
    {
        const char *p[1] = {f.sha256};
        struct jy_err e2 = JY_ERR_INIT;
        T_ASSERT(jy_db_query(fx.owner, fx.pool, "DELETE FROM file WHERE sha256 = $1", 1, p, &e2) ==
                 NULL);
        T_CONTAINS(e2.detail, "23503");
    }

    T_EQ_INT(jy_file_detach(fx.owner, fx.pool, atoll(fx.item_a), f.sha256, &err), JY_OK);
    T_EQ_INT(jy_file_remove(fx.owner, fx.pool, &fx.fs, f.sha256, &err), JY_OK);
    T_ASSERT(access(path, F_OK) != 0);
    T_EQ_INT(jy_file_get(fx.owner, fx.pool, f.sha256, &g, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_EQ_INT(jy_file_remove(fx.owner, fx.pool, &fx.fs, "zz", &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_INVALID);
}


static void
test_row_level_security(void)
{
    struct jy_buf b = JY_BUF_INIT(fx.pool);
    struct jy_err err = JY_ERR_INIT;
    struct jy_file f, g;
    const char *p[3];

    /* A's editor uploads to A and attaches to A's item */
    gen_png(&b, 7, 7, 0x11);
    if (jy_file_add_mem(as(fx.editor_a), fx.pool, &fx.fs, fx.site_a, b.buf, b.len, "甲.png", &f,
                        &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "add as editor: %s (%s)", err.msg, err.detail);
    T_ASSERT(f.created);
    T_EQ_STR(f.uploaded_by, "editor.a");
    if (jy_file_attach(as(fx.editor_a), fx.pool, atoll(fx.item_a), f.sha256, 0, NULL, &err) !=
        JY_OK)
        jy_test_fail(__FILE__, __LINE__, "attach as editor: %s (%s)", err.msg, err.detail);

    /* B's editor cannot upload to A */
    T_EQ_INT(jy_file_add_mem(as(fx.editor_b), fx.pool, &fx.fs, fx.site_a, "GIF89a\x01\x00\x01\x00",
                             10, "x.gif", &g, &err),
             JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    /* ... does not see A's draft file ... */
    T_EQ_INT(jy_file_get(as(fx.editor_b), fx.pool, f.sha256, &g, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    /* ... cannot attach it to its own item, nor anything to A's item */
    T_EQ_INT(jy_file_attach(as(fx.editor_b), fx.pool, atoll(fx.item_b), f.sha256, 0, NULL, &err),
             JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_EQ_INT(jy_file_add_mem(as(fx.editor_b), fx.pool, &fx.fs, fx.site_b, "GIF89a\x02\x00\x02\x00",
                             10, "乙.gif", &g, &err),
             JY_OK);
    T_EQ_INT(jy_file_attach(as(fx.editor_b), fx.pool, atoll(fx.item_a), g.sha256, 0, NULL, &err),
             JY_ERROR);
    T_ASSERT(err.code == JY_E_FORBIDDEN || err.code == JY_E_NOT_FOUND);
    p[0] = fx.item_a;
    T_EQ_STR(own("SELECT count(*) FROM item_file WHERE item_id = $1", 1, p), "1");
    /* ... cannot delete A's file */
    T_EQ_INT(jy_file_detach(as(fx.editor_b), fx.pool, atoll(fx.item_a), f.sha256, &err), JY_ERROR);

    /* once A's item is published, its file is public */
    p[0] = fx.item_a;
    p[1] = fx.column_a;
    p[2] = fx.site_a;
    own("INSERT INTO placement (item_id, column_id, site_id, state, published_at) "
        "VALUES ($1, $2, $3, 'published', now())",
        3, p);
    T_EQ_INT(jy_file_get(as(fx.editor_b), fx.pool, f.sha256, &g, &err), JY_OK);
    T_EQ_INT(g.id, f.id);

    /* B uploading the same bytes gets the same file, and may use it */
    T_EQ_INT(jy_file_add_mem(as(fx.editor_b), fx.pool, &fx.fs, fx.site_b, b.buf, b.len, "乙.png",
                             &g, &err),
             JY_OK);
    T_EQ_INT(g.id, f.id);
    T_ASSERT(!g.created);
    T_EQ_INT(jy_file_attach(as(fx.editor_b), fx.pool, atoll(fx.item_b), f.sha256, 0, "同图", &err),
             JY_OK);
    /* but only A's writers may delete it (and not while used) */
    T_EQ_INT(jy_file_detach(as(fx.editor_b), fx.pool, atoll(fx.item_b), f.sha256, &err), JY_OK);
    T_EQ_INT(jy_file_detach(as(fx.editor_a), fx.pool, atoll(fx.item_a), f.sha256, &err), JY_OK);
    p[0] = fx.item_a;
    own("DELETE FROM placement WHERE item_id = $1", 1, p);
    T_EQ_INT(jy_file_remove(as(fx.editor_b), fx.pool, &fx.fs, f.sha256, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_EQ_INT(jy_file_remove(as(fx.editor_a), fx.pool, &fx.fs, f.sha256, &err), JY_OK);
}


/* Make path look age_s seconds old. */
static void
age(const char *path, long age_s)
{
    struct timespec ts[2];

    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= age_s;
    ts[1] = ts[0];
    T_EQ_INT(utimensat(AT_FDCWD, path, ts, 0), 0);
}


static const char *
sha_hex(const void *data, size_t len)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char *out = jy_pool_alloc(fx.pool, 65);
    int i;

    crypto_hash_sha256(h, data, len);
    for (i = 0; i < (int) sizeof(h); i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    return out;
}


static void
put_file(const char *path, const char *data, long age_s)
{
    char *dir = jy_pool_strdup(fx.pool, path);
    FILE *f;

    *strrchr(dir, '/') = '\0';
    T_EQ_INT(jy_test_system("mkdir -p '%s'", dir), 0);
    f = fopen(path, "w");
    T_ASSERT(f != NULL);
    fputs(data, f);
    fclose(f);
    age(path, age_s);
}


static void
test_sweep_removes_bytes_no_row_records(void)
{
    struct jy_filestore fs = fx.fs;
    struct jy_buf b = JY_BUF_INIT(fx.pool);
    struct jy_err err = JY_ERR_INIT;
    struct jy_file f, g;
    struct jy_file_sweep sw;
    const char *refused, *kept, *dropped, *young, *old_tmp, *new_tmp, *foreign, *p[1];
    static const char gif[] = "GIF89a\x03\x00\x05\x00";

    fs.dir = jy_pool_printf(fx.pool, "%s/sweep-files", jy_test_tmpdir());
    /* an upload the database refuses (B's editor on A's site): its bytes were placed */
    T_EQ_INT(jy_file_add_mem(as(fx.editor_b), fx.pool, &fs, fx.site_a, gif, 10, "拒.gif", &g, &err),
             JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    refused = jy_filestore_path(&fs, fx.pool, sha_hex(gif, 10));
    T_ASSERT(access(refused, F_OK) == 0);
    /* a file in use, and one whose row was deleted behind the store's back */
    gen_png(&b, 5, 3, 0x21);
    T_EQ_INT(
        jy_file_add_mem(as(fx.editor_a), fx.pool, &fs, fx.site_a, b.buf, b.len, "留.png", &f, &err),
        JY_OK);
    kept = jy_filestore_path(&fs, fx.pool, f.sha256);
    jy_buf_reset(&b);
    gen_png(&b, 3, 5, 0x22);
    T_EQ_INT(
        jy_file_add_mem(as(fx.editor_a), fx.pool, &fs, fx.site_a, b.buf, b.len, "删.png", &g, &err),
        JY_OK);
    dropped = jy_filestore_path(&fs, fx.pool, g.sha256);
    p[0] = g.sha256;
    own("DELETE FROM file WHERE sha256 = $1", 1, p);
    /* an orphan too young to go, temporary files of dead and of running uploads, a stranger */
    young = jy_filestore_path(&fs, fx.pool, sha_hex("young", 5));
    put_file(young, "young", 0);
    old_tmp = jy_pool_printf(fx.pool, "%s/tmp/upload.dead01", fs.dir);
    put_file(old_tmp, "half an upload", 3 * 3600);
    new_tmp = jy_pool_printf(fx.pool, "%s/tmp/upload.live01", fs.dir);
    put_file(new_tmp, "an upload in flight", 0);
    foreign = jy_pool_printf(fx.pool, "%s/README", fs.dir);
    put_file(foreign, "not ours", 3 * 3600);
    age(refused, 3 * 3600);
    age(kept, 3 * 3600);
    age(dropped, 3 * 3600);

    /* only the system may sweep, and not with a grace of nothing */
    T_EQ_INT(jy_file_sweep(as(fx.editor_a), fx.pool, &fs, 60, true, &sw, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_EQ_INT(jy_file_sweep(fx.owner, fx.pool, &fs, 0, false, &sw, &err), JY_ERROR);
    T_EQ_STR(err.field, "grace");

    /* the dry run names the three, removes nothing */
    T_EQ_INT(jy_file_sweep(fx.owner, fx.pool, &fs, 60, false, &sw, &err), JY_OK);
    T_EQ_INT(sw.scanned, 6);
    T_EQ_INT(sw.orphans, 3);
    T_EQ_INT(sw.young, 2);
    T_EQ_INT(sw.orphan_bytes, 10 + (long long) b.len + 14);
    T_EQ_INT(sw.npaths, 3);
    T_ASSERT(access(refused, F_OK) == 0 && access(dropped, F_OK) == 0 &&
             access(old_tmp, F_OK) == 0);
    /* a longer grace keeps them all */
    T_EQ_INT(jy_file_sweep(fx.owner, fx.pool, &fs, 4 * 60, true, &sw, &err), JY_OK);
    T_EQ_INT(sw.orphans, 0);
    T_EQ_INT(sw.young, 5);
    T_ASSERT(access(refused, F_OK) == 0);
    /* --apply */
    T_EQ_INT(jy_file_sweep(fx.owner, fx.pool, &fs, 60, true, &sw, &err), JY_OK);
    T_EQ_INT(sw.orphans, 3);
    T_EQ_INT(sw.failed, 0);
    T_ASSERT(access(refused, F_OK) != 0);
    T_ASSERT(access(dropped, F_OK) != 0);
    T_ASSERT(access(old_tmp, F_OK) != 0);
    T_ASSERT(access(kept, F_OK) == 0);
    T_ASSERT(access(young, F_OK) == 0);
    T_ASSERT(access(new_tmp, F_OK) == 0);
    T_ASSERT(access(foreign, F_OK) == 0);
    /* the file in use is whole and usable */
    T_EQ_INT(jy_file_attach(as(fx.editor_a), fx.pool, atoll(fx.item_a), f.sha256, 0, NULL, &err),
             JY_OK);
    /* the refused bytes uploaded again, rightly this time, come back */
    T_EQ_INT(jy_file_add_mem(as(fx.editor_a), fx.pool, &fs, fx.site_a, gif, 10, "再.gif", &g, &err),
             JY_OK);
    T_ASSERT(access(refused, F_OK) == 0);
    /* nothing left to do */
    if (jy_file_sweep(fx.owner, fx.pool, &fs, 60, true, &sw, &err) != JY_OK)
        jy_test_fail(__FILE__, __LINE__, "sweep: %s (%s)", err.msg, err.detail);
    T_EQ_INT(jy_file_sweep(fx.owner, fx.pool, &fs, 60, true, &sw, &err), JY_OK);
    T_EQ_INT(sw.orphans, 0);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_dedup_and_store_layout),  T_CASE(test_type_is_sniffed_not_named),
        T_CASE(test_refused_types_and_names), T_CASE(test_size_limits),
        T_CASE(test_image_dimensions),        T_CASE(test_file_in_use_cannot_be_deleted),
        T_CASE(test_row_level_security),      T_CASE(test_sweep_removes_bytes_no_row_records),
    };
    int rc;

    fixture_build();
    rc = jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
    fixture_free();
    return rc;
}
