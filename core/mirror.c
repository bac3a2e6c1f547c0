/*
 * mirror.c - mirrors of a site: add (checked field by field, credentials
 * stored apart), find, list, remove, enable, status with lag, enqueue.
 */
#include "core/compat.h"
#include "core/mirror.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/secret.h"
#include "core/site.h"
#include "core/str.h"

#include <ctype.h>


/* The columns every mirror query reads, in struct order (see mirror_from_row). */
#define MIRROR_COLS                                                                  \
    "m.id, m.site_id, coalesce(s.code, ''), s.name, m.name, m.kind, m.url,"          \
    " array_to_string(m.channels, ','), m.enabled, m.max_parallel, m.verify_sample," \
    " m.timeout_s, m.host_key_sha256"
#define MIRROR_FROM " FROM mirror m JOIN site s ON s.id = m.site_id"


const char *
jy_mirror_kind_name(enum jy_mirror_kind kind)
{
    switch (kind) {
    case JY_MIRROR_FOLDER:
        return "folder";
    case JY_MIRROR_WEBDAV:
        return "webdav";
    case JY_MIRROR_SFTP:
        return "sftp";
    }
    return "?";
}


static bool
mirror_kind_parse(const char *s, enum jy_mirror_kind *kind)
{
    if (strcmp(s, "folder") == 0)
        *kind = JY_MIRROR_FOLDER;
    else if (strcmp(s, "webdav") == 0)
        *kind = JY_MIRROR_WEBDAV;
    else if (strcmp(s, "sftp") == 0)
        *kind = JY_MIRROR_SFTP;
    else
        return false;
    return true;
}


static void
mirror_from_row(const struct jy_db_res *res, int row, struct jy_mirror *m)
{
    const char *channels = jy_db_res_get(res, row, 7);

    m->id = atoll(jy_db_res_get(res, row, 0));
    m->site_id = atoll(jy_db_res_get(res, row, 1));
    m->site_code = jy_db_res_get(res, row, 2);
    m->site_name = jy_db_res_get(res, row, 3);
    m->name = jy_db_res_get(res, row, 4);
    if (!mirror_kind_parse(jy_db_res_get(res, row, 5), &m->kind))
        m->kind = JY_MIRROR_FOLDER; /* the CHECK constraint allows no other */
    m->url = jy_db_res_get(res, row, 6);
    m->channels = channels && channels[0] ? channels : NULL;
    m->enabled = strcmp(jy_db_res_get(res, row, 8), "t") == 0;
    m->max_parallel = atoi(jy_db_res_get(res, row, 9));
    m->verify_sample = atoi(jy_db_res_get(res, row, 10));
    m->timeout_s = atoi(jy_db_res_get(res, row, 11));
    m->host_key_sha256 = jy_db_res_get(res, row, 12);
}


/* The shape rules of the table, checked here first to answer in words. */
static int
mirror_spec_check(const struct jy_mirror_spec *sp, enum jy_mirror_kind *kind, struct jy_err *err)
{
    const char *u = sp->url, *p;
    size_t i;

    if (sp->name == NULL || sp->name[0] == '\0' || strlen(sp->name) > 40 ||
        !(islower((unsigned char) sp->name[0]) || isdigit((unsigned char) sp->name[0])) ||
        sp->name[strspn(sp->name, "abcdefghijklmnopqrstuvwxyz0123456789_-")] != '\0') {
        jy_err_set(err, JY_E_INVALID, "invalid mirror name \"%s\"", sp->name ? sp->name : "");
        jy_err_hint(err, "A name is 1 to 40 lower-case letters, digits, \"-\" or \"_\", starting "
                         "with a letter or digit: intranet, cdn-origin.");
        jy_err_field(err, "name");
        return JY_ERROR;
    }
    if (sp->kind == NULL || !mirror_kind_parse(sp->kind, kind)) {
        jy_err_set(err, JY_E_INVALID, "unrecognized mirror kind \"%s\"", sp->kind ? sp->kind : "");
        jy_err_hint(err, "The kinds are folder, webdav and sftp.");
        jy_err_field(err, "kind");
        return JY_ERROR;
    }
    if (u == NULL || u[0] == '\0' || strlen(u) > 1024) {
        jy_err_set(err, JY_E_INVALID,
                   "a mirror needs a URL (or a folder path) of at most 1024 "
                   "bytes");
        jy_err_field(err, "url");
        return JY_ERROR;
    }
    for (i = 0; u[i]; i++)
        if (isspace((unsigned char) u[i]) || iscntrl((unsigned char) u[i])) {
            jy_err_set(err, JY_E_INVALID,
                       "invalid URL \"%s\": it contains a space or a control "
                       "character at byte %zu",
                       u, i + 1);
            jy_err_field(err, "url");
            return JY_ERROR;
        }
    p = strstr(u, "://");
    if (p && memchr(p + 3, '@', strcspn(p + 3, "/"))) {
        jy_err_set(err, JY_E_INVALID, "the URL of a mirror must not hold a user or password");
        jy_err_hint(err, "Give the user with --user and the password with --password-file: "
                         "credentials are stored apart and never shown.");
        jy_err_field(err, "url");
        return JY_ERROR;
    }
    if ((*kind == JY_MIRROR_FOLDER && u[0] != '/') ||
        (*kind == JY_MIRROR_WEBDAV && strncasecmp(u, "http://", 7) != 0 &&
         strncasecmp(u, "https://", 8) != 0) ||
        (*kind == JY_MIRROR_SFTP &&
         (strncasecmp(u, "sftp://", 7) != 0 || strchr(u + 7, '/') == NULL))) {
        jy_err_set(err, JY_E_INVALID, "invalid %s mirror URL \"%s\"", sp->kind, u);
        jy_err_hint(err, "%s",
                    *kind == JY_MIRROR_FOLDER   ? "A folder mirror takes an absolute path: "
                                                  "/srv/www/1304000009."
                    : *kind == JY_MIRROR_WEBDAV ? "A WebDAV mirror takes http:// or https://"
                                                  "host[:port]/path/."
                                                : "An SFTP mirror takes sftp://host[:port]/path/.");
        jy_err_field(err, "url");
        return JY_ERROR;
    }
    if (strchr(u, '?') || strchr(u, '#') || strstr(u, "/../") || strstr(u, "/./")) {
        jy_err_set(err, JY_E_INVALID,
                   "invalid mirror URL \"%s\": no query, fragment, . or .. "
                   "segment allowed",
                   u);
        jy_err_field(err, "url");
        return JY_ERROR;
    }
    if (sp->channels) {
        const char *c = sp->channels;
        bool ok = c[0] != '\0' && c[0] != ',' && c[strlen(c) - 1] != ',' && !strstr(c, ",,") &&
                  c[strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789_-,")] == '\0';
        if (!ok) {
            jy_err_set(err, JY_E_INVALID, "invalid channel list \"%s\"", c);
            jy_err_hint(err, "Name channels separated by commas: desktop,elder.");
            jy_err_field(err, "channels");
            return JY_ERROR;
        }
    }
    if (sp->max_parallel < 0 || sp->max_parallel > 64) {
        jy_err_set(err, JY_E_INVALID, "parallel transfers must be from 1 to 64, not %d",
                   sp->max_parallel);
        jy_err_field(err, "max_parallel");
        return JY_ERROR;
    }
    if (sp->verify_sample < -2) {
        jy_err_set(err, JY_E_INVALID, "verify sample must be 0 or more files, or \"all\"");
        jy_err_field(err, "verify_sample");
        return JY_ERROR;
    }
    if (sp->timeout_s < 0 || sp->timeout_s > 3600) {
        jy_err_set(err, JY_E_INVALID, "timeout must be from 1 to 3600 seconds, not %d",
                   sp->timeout_s);
        jy_err_field(err, "timeout");
        return JY_ERROR;
    }
    if (sp->host_key_sha256 && *kind != JY_MIRROR_SFTP) {
        jy_err_set(err, JY_E_INVALID, "a host key belongs to an sftp mirror only");
        jy_err_field(err, "host_key");
        return JY_ERROR;
    }
    if (sp->host_key_sha256) {
        const char *k = sp->host_key_sha256;
        size_t n = strlen(k);
        if (strncmp(k, "SHA256:", 7) == 0)
            k += 7, n -= 7;
        if (n < 43 || n > 44 ||
            k[strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789+/=")] != '\0') {
            jy_err_set(err, JY_E_INVALID, "invalid host key fingerprint \"%s\"",
                       sp->host_key_sha256);
            jy_err_hint(err, "Give the SHA-256 fingerprint as \"ssh-keygen -lf KEY.pub\" prints "
                             "it: SHA256: and 43 base64 characters.");
            jy_err_field(err, "host_key");
            return JY_ERROR;
        }
    }
    if (*kind == JY_MIRROR_SFTP && (sp->username == NULL || sp->username[0] == '\0')) {
        jy_err_set(err, JY_E_INVALID, "an sftp mirror needs a user name");
        jy_err_hint(err, "Give it with --user.");
        jy_err_field(err, "username");
        return JY_ERROR;
    }
    if (*kind == JY_MIRROR_FOLDER && (sp->username || sp->password || sp->ssh_key)) {
        jy_err_set(err, JY_E_INVALID, "a folder mirror takes no credentials");
        jy_err_field(err, "username");
        return JY_ERROR;
    }
    if ((sp->ssh_key && sp->ssh_key[0] != '/') || (sp->ssh_pubkey && sp->ssh_pubkey[0] != '/')) {
        jy_err_set(err, JY_E_INVALID, "key files are given by absolute path");
        jy_err_field(err, "ssh_key");
        return JY_ERROR;
    }
    if (sp->ssh_key && *kind != JY_MIRROR_SFTP) {
        jy_err_set(err, JY_E_INVALID, "an ssh key belongs to an sftp mirror only");
        jy_err_field(err, "ssh_key");
        return JY_ERROR;
    }
    return JY_OK;
}


int
jy_mirror_add(struct jy_db *db, struct jy_pool *pool, const struct jy_mirror_spec *sp,
              long long *id_out, struct jy_err *err)
{
    return jy_mirror_add_n(db, pool, sp, id_out, NULL, err);
}


int
jy_mirror_add_n(struct jy_db *db, struct jy_pool *pool, const struct jy_mirror_spec *sp,
                long long *id_out, int *n_out, struct jy_err *err)
{
    enum jy_mirror_kind kind;
    long long site_id;
    struct jy_db_res *res;
    const char *p[15], *code, *hk = sp->host_key_sha256;
    char site_s[24], par[12], ver[12], tmo[12];
    bool templ = sp->url && strstr(sp->url, "{code}") != NULL;

    if (mirror_spec_check(sp, &kind, err) != JY_OK)
        return JY_ERROR;
    if (sp->subtree && !templ) {
        jy_err_set(err, JY_E_INVALID,
                   "a mirror for every site of a subtree needs {code} in its URL");
        jy_err_hint(err, "Each site goes to its own folder: http://m1.example.cn/dav/{code}/.");
        jy_err_field(err, "url");
        return JY_ERROR;
    }
    if (jy_site_resolve(db, pool, sp->site, "site", &site_id, err) != JY_OK)
        return JY_ERROR;
    snprintf(site_s, sizeof(site_s), "%lld", site_id);
    p[0] = site_s;
    jy_err_clear(err);
    code = jy_db_query_value(db, pool, "SELECT code FROM site WHERE id = $1", 1, p, err);
    if (code == NULL && !sp->subtree) {
        if (err->code == JY_E_NONE) {
            jy_err_set(err, JY_E_INVALID,
                       "site \"%s\" has no 政府网站标识码: it publishes no "
                       "tree of its own to mirror",
                       sp->site);
            jy_err_field(err, "site");
        }
        return JY_ERROR;
    }
    if (hk && strncmp(hk, "SHA256:", 7) == 0)
        hk += 7;
    snprintf(par, sizeof(par), "%d", sp->max_parallel ? sp->max_parallel : 4);
    snprintf(ver, sizeof(ver), "%d", sp->verify_sample == -2 ? 3 : sp->verify_sample);
    snprintf(tmo, sizeof(tmo), "%d", sp->timeout_s ? sp->timeout_s : 30);
    p[0] = site_s;
    p[1] = sp->name;
    p[2] = jy_mirror_kind_name(kind);
    p[3] = sp->url;
    p[4] = sp->channels;
    p[5] = par;
    p[6] = ver;
    p[7] = tmo;
    p[8] = hk ? jy_pool_printf(pool, "%.43s", hk) : NULL;
    p[9] = sp->subtree ? "true" : "false";
    p[10] = sp->username || sp->password || sp->ssh_key ? "true" : "false";
    p[11] = sp->username;
    p[12] = NULL;
    if (sp->password) { /* stored sealed: a copy of the database gives nothing away */
        size_t n = strlen(sp->password);
        if (n == 0 || n > 1024) {
            jy_err_set(err, JY_E_INVALID, "a password must be 1 to 1024 bytes, not %zu", n);
            jy_err_field(err, "password");
            return JY_ERROR;
        }
        if ((p[12] = jy_secret_seal(pool, "mirror_credential.password", sp->password, err)) == NULL)
            return JY_ERROR;
    }
    p[13] = sp->ssh_key;
    p[14] = sp->ssh_pubkey;
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    /*
     * One statement for one site or a whole subtree (every open site with a
     * code, {code} replaced by its own), credentials included: all or none.
     */
    res = jy_db_query(
        db, pool,
        "WITH m AS (INSERT INTO mirror (site_id, name, kind, url, channels, max_parallel,"
        "  verify_sample, timeout_s, host_key_sha256)"
        " SELECT s.id, $2, $3, replace($4, '{code}', s.code), string_to_array($5, ','), $6, $7,"
        "  $8, $9 FROM site s"
        " WHERE s.code IS NOT NULL AND (s.id = $1 OR ($10 AND s.path @> ARRAY[$1::bigint]"
        "                                              AND s.status <> 'closed'))"
        " ORDER BY s.id = $1 DESC, s.path RETURNING id, site_id),"
        " c AS (INSERT INTO mirror_credential (mirror_id, site_id, username, password, ssh_key,"
        "  ssh_pubkey) SELECT id, site_id, $12, $13, $14, $15 FROM m WHERE $11)"
        " SELECT count(*), min(id) FROM m",
        15, p, err);
    if (res == NULL)
        goto out_fail;
    if (atoi(jy_db_res_get(res, 0, 0)) == 0) {
        jy_err_set(err, JY_E_INVALID, "no site under \"%s\" has a 政府网站标识码 to mirror",
                   sp->site);
        jy_err_field(err, "site");
        jy_db_rollback(db);
        return JY_ERROR;
    }
    if (jy_db_commit(db, err) != JY_OK)
        return JY_ERROR;
    *id_out = atoll(jy_db_res_get(res, 0, 1));
    if (n_out)
        *n_out = atoi(jy_db_res_get(res, 0, 0));
    return JY_OK;

out_fail:
    jy_db_rollback(db);
    if (err->code == JY_E_CONFLICT) {
        jy_err_set(err, JY_E_CONFLICT, "%s \"%s\" already has a mirror named \"%s\"",
                   sp->subtree ? "a site under" : "site", sp->site, sp->name);
        jy_err_field(err, "name");
    } else if (err->code == JY_E_FORBIDDEN) {
        jy_err_set(err, JY_E_FORBIDDEN, "only platform admins may add mirrors");
    } else if (err->code == JY_E_INVALID && templ) {
        jy_err_prefix(err, "URL \"%s\" with {code} replaced", sp->url);
    }
    return JY_ERROR;
}


int
jy_mirror_find(struct jy_db *db, struct jy_pool *pool, const char *ref, struct jy_mirror *m,
               struct jy_err *err)
{
    const char *slash = strchr(ref, '/');
    struct jy_db_res *res;
    long long id;
    const char *p[2];

    if (slash == NULL) {
        if (!jy_str_to_ll(jy_str_from(ref), 1, INT64_MAX, &id)) {
            jy_err_set(err, JY_E_INVALID, "invalid mirror \"%s\"", ref);
            jy_err_hint(err, "Name a mirror by its id or as SITE/NAME: 1304000009/intranet.");
            jy_err_field(err, "mirror");
            return JY_ERROR;
        }
        p[0] = ref;
        if (jy_db_begin(db, err) != JY_OK)
            return JY_ERROR;
        res =
            jy_db_query(db, pool, "SELECT " MIRROR_COLS MIRROR_FROM " WHERE m.id = $1", 1, p, err);
    } else {
        long long site_id;
        char site_s[24];
        const char *site = jy_pool_strndup(pool, ref, (size_t) (slash - ref));

        if (jy_site_resolve(db, pool, site, "mirror", &site_id, err) != JY_OK)
            return JY_ERROR;
        snprintf(site_s, sizeof(site_s), "%lld", site_id);
        p[0] = site_s;
        p[1] = slash + 1;
        if (jy_db_begin(db, err) != JY_OK)
            return JY_ERROR;
        res = jy_db_query(db, pool,
                          "SELECT " MIRROR_COLS MIRROR_FROM " WHERE m.site_id = $1 AND m.name = $2",
                          2, p, err);
    }
    if (res == NULL || jy_db_commit(db, err) != JY_OK) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    if (jy_db_res_rows(res) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "no mirror \"%s\"", ref);
        jy_err_hint(err, "\"jiyue mirror list\" shows the mirrors you may see.");
        jy_err_field(err, "mirror");
        return JY_ERROR;
    }
    mirror_from_row(res, 0, m);
    return JY_OK;
}


int
jy_mirror_list(struct jy_db *db, struct jy_pool *pool, const char *site, struct jy_mirror **out,
               int *n_out, struct jy_err *err)
{
    struct jy_db_res *res;
    long long site_id = 0;
    char site_s[24];
    const char *p[1] = {NULL};
    int i, n;

    if (site) {
        if (jy_site_resolve(db, pool, site, "site", &site_id, err) != JY_OK)
            return JY_ERROR;
        snprintf(site_s, sizeof(site_s), "%lld", site_id);
        p[0] = site_s;
    }
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    res = jy_db_query(db, pool,
                      "SELECT " MIRROR_COLS MIRROR_FROM
                      " WHERE $1::bigint IS NULL OR m.site_id = $1 ORDER BY s.path, m.name",
                      1, p, err);
    if (res == NULL || jy_db_commit(db, err) != JY_OK) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    n = jy_db_res_rows(res);
    *out = jy_pool_new_array(pool, struct jy_mirror, n ? n : 1);
    for (i = 0; i < n; i++)
        mirror_from_row(res, i, &(*out)[i]);
    *n_out = n;
    return JY_OK;
}


/* Run one statement changing the mirror ref; a row-level security refusal becomes words. */
static int
mirror_change(struct jy_db *db, struct jy_pool *pool, const char *ref, const char *sql,
              const char *what, struct jy_err *err)
{
    struct jy_mirror m;
    struct jy_db_res *res;
    char id[24];
    const char *p[1] = {id};

    if (jy_mirror_find(db, pool, ref, &m, err) != JY_OK)
        return JY_ERROR;
    snprintf(id, sizeof(id), "%lld", m.id);
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    res = jy_db_query(db, pool, sql, 1, p, err);
    if (res != NULL && jy_db_res_affected(res) == 0) {
        jy_err_set(err, JY_E_FORBIDDEN, "only platform admins may %s mirrors", what);
        res = NULL;
    }
    if (res == NULL) {
        if (err->code == JY_E_FORBIDDEN)
            jy_err_set(err, JY_E_FORBIDDEN, "only platform admins may %s mirrors", what);
        jy_db_rollback(db);
        return JY_ERROR;
    }
    return jy_db_commit(db, err);
}


int
jy_mirror_remove(struct jy_db *db, struct jy_pool *pool, const char *ref, struct jy_err *err)
{
    return mirror_change(db, pool, ref, "DELETE FROM mirror WHERE id = $1", "remove", err);
}


int
jy_mirror_set_enabled(struct jy_db *db, struct jy_pool *pool, const char *ref, bool enabled,
                      struct jy_err *err)
{
    return mirror_change(db, pool, ref,
                         enabled ? "UPDATE mirror SET enabled = true WHERE id = $1"
                                 : "UPDATE mirror SET enabled = false WHERE id = $1",
                         "change", err);
}


int
jy_mirror_status_get(struct jy_db *db, struct jy_pool *pool, long long mirror_id,
                     struct jy_mirror_status *st, struct jy_err *err)
{
    struct jy_db_res *res;
    char id[24];
    const char *p[1] = {id}, *v;

    snprintf(id, sizeof(id), "%lld", mirror_id);
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    res = jy_db_query(
        db, pool,
        "SELECT CASE WHEN st.state = 'pushing' AND NOT EXISTS (SELECT 1 FROM pg_locks l"
        "  WHERE l.locktype = 'advisory' AND l.classid = 27257 AND l.objid = m.id"
        "    AND l.objsubid = 2) THEN 'interrupted' ELSE coalesce(st.state, 'new') END,"
        " coalesce(st.failures, 0), st.confirmed_generation,"
        " to_char(st.confirmed_at, 'YYYY-MM-DD HH24:MI:SS'), l.lag_files, l.lag_seconds,"
        " (SELECT count(*) FROM mirror_file f WHERE f.mirror_id = m.id),"
        " j.mirror_id IS NOT NULL, to_char(j.run_after, 'YYYY-MM-DD HH24:MI:SS'),"
        " to_char(st.last_push_at, 'YYYY-MM-DD HH24:MI:SS'), coalesce(st.last_push_files, 0),"
        " coalesce(st.last_push_bytes, 0), coalesce(st.last_push_ms, 0), st.last_error,"
        " st.last_error_path, to_char(st.last_error_at, 'YYYY-MM-DD HH24:MI:SS'), st.pusher"
        " FROM mirror m LEFT JOIN mirror_status st ON st.mirror_id = m.id"
        " LEFT JOIN mirror_lag l ON l.mirror_id = m.id"
        " LEFT JOIN push_job j ON j.mirror_id = m.id WHERE m.id = $1",
        1, p, err);
    if (res == NULL || jy_db_commit(db, err) != JY_OK) {
        jy_db_rollback(db);
        return JY_ERROR;
    }
    if (jy_db_res_rows(res) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "no mirror %lld", mirror_id);
        return JY_ERROR;
    }
    memset(st, 0, sizeof(*st));
    st->state = jy_db_res_get(res, 0, 0);
    st->failures = atoi(jy_db_res_get(res, 0, 1));
    v = jy_db_res_get(res, 0, 2);
    st->confirmed_generation = v ? atoll(v) : 0;
    st->confirmed_at = jy_db_res_get(res, 0, 3);
    v = jy_db_res_get(res, 0, 4);
    st->lag_files = v ? atoll(v) : 0;
    v = jy_db_res_get(res, 0, 5);
    st->lag_seconds = v ? atoll(v) : 0;
    st->confirmed_files = atoll(jy_db_res_get(res, 0, 6));
    st->queued = strcmp(jy_db_res_get(res, 0, 7), "t") == 0;
    st->run_after = jy_db_res_get(res, 0, 8);
    st->last_push_at = jy_db_res_get(res, 0, 9);
    st->last_push_files = atoi(jy_db_res_get(res, 0, 10));
    st->last_push_bytes = atoll(jy_db_res_get(res, 0, 11));
    st->last_push_ms = atoi(jy_db_res_get(res, 0, 12));
    st->last_error = jy_db_res_get(res, 0, 13);
    st->last_error_path = jy_db_res_get(res, 0, 14);
    st->last_error_at = jy_db_res_get(res, 0, 15);
    st->pusher = jy_db_res_get(res, 0, 16);
    return JY_OK;
}


int
jy_mirror_enqueue(struct jy_db *db, struct jy_pool *pool, const struct jy_mirror *m,
                  const char *reason, struct jy_err *err)
{
    char site[24], id[24];
    const char *p[3] = {site, id, reason};

    snprintf(site, sizeof(site), "%lld", m->site_id);
    snprintf(id, sizeof(id), "%lld", m->id);
    if (jy_db_query(db, pool, "SELECT jy_push_enqueue($1, $2, $3)", 3, p, err) == NULL) {
        if (err->code == JY_E_FORBIDDEN)
            jy_err_set(err, JY_E_FORBIDDEN, "only the system may queue pushes");
        return JY_ERROR;
    }
    return JY_OK;
}


int
jy_mirror_sites_confirmed(struct jy_db *db, struct jy_pool *pool, long long after_generation,
                          int *done, int *pending, struct jy_err *err)
{
    struct jy_db_res *res;
    char after[24];
    const char *p[1] = {after};

    snprintf(after, sizeof(after), "%lld", after_generation);
    res = jy_db_query(
        db, pool,
        "WITH s AS (SELECT site_id, max(id) FILTER (WHERE finished_at IS NOT NULL) AS last,"
        "                  bool_or(finished_at IS NULL) AS rendering"
        "             FROM render_generation WHERE id > $1 GROUP BY site_id)"
        " SELECT count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok) FROM ("
        "  SELECT NOT s.rendering AND NOT EXISTS (SELECT 1 FROM mirror m"
        "    LEFT JOIN mirror_status st ON st.mirror_id = m.id"
        "    WHERE m.site_id = s.site_id AND m.enabled"
        "      AND coalesce(st.confirmed_generation, 0) < s.last) AS ok FROM s) x",
        1, p, err);
    if (res == NULL)
        return JY_ERROR;
    *done = atoi(jy_db_res_get(res, 0, 0));
    *pending = atoi(jy_db_res_get(res, 0, 1));
    return JY_OK;
}


static void
json_str(struct jy_buf *b, const char *key, const char *v)
{
    jy_buf_addf(b, ",\"%s\":", key);
    if (v == NULL) {
        jy_buf_add_str(b, "null");
        return;
    }
    jy_buf_add_json_str(b, v, strlen(v));
}


int
jy_mirror_status_json(struct jy_db *db, struct jy_pool *pool, const char *site, struct jy_buf *out,
                      struct jy_err *err)
{
    struct jy_mirror *ms;
    struct jy_mirror_status st;
    int i, n;

    if (jy_mirror_list(db, pool, site, &ms, &n, err) != JY_OK)
        return JY_ERROR;
    jy_buf_add_char(out, '[');
    for (i = 0; i < n; i++) {
        if (jy_mirror_status_get(db, pool, ms[i].id, &st, err) != JY_OK)
            return JY_ERROR;
        jy_buf_addf(out, "%s{\"id\":%lld", i ? "," : "", ms[i].id);
        json_str(out, "site", ms[i].site_code);
        json_str(out, "name", ms[i].name);
        json_str(out, "kind", jy_mirror_kind_name(ms[i].kind));
        json_str(out, "url", ms[i].url);
        jy_buf_addf(out, ",\"enabled\":%s", ms[i].enabled ? "true" : "false");
        json_str(out, "state", ms[i].enabled ? st.state : "disabled");
        jy_buf_addf(out,
                    ",\"failures\":%d,\"lag_files\":%lld,\"lag_seconds\":%lld,"
                    "\"confirmed_files\":%lld,\"confirmed_generation\":%lld",
                    st.failures, st.lag_files, st.lag_seconds, st.confirmed_files,
                    st.confirmed_generation);
        json_str(out, "confirmed_at", st.confirmed_at);
        jy_buf_addf(out, ",\"queued\":%s", st.queued ? "true" : "false");
        json_str(out, "run_after", st.run_after);
        json_str(out, "last_push_at", st.last_push_at);
        jy_buf_addf(out, ",\"last_push_files\":%d,\"last_push_ms\":%d", st.last_push_files,
                    st.last_push_ms);
        json_str(out, "last_error", st.failures ? st.last_error : NULL);
        json_str(out, "last_error_path", st.failures ? st.last_error_path : NULL);
        json_str(out, "last_error_at", st.failures ? st.last_error_at : NULL);
        jy_buf_add_char(out, '}');
    }
    jy_buf_add_char(out, ']');
    if (jy_buf_finish(out) != JY_OK) {
        jy_err_set(err, JY_E_TOO_LARGE, "the status of %d mirrors does not fit the output", n);
        return JY_ERROR;
    }
    return JY_OK;
}
