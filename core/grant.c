/*
 * grant.c - grants and rights; the rules live in schema/0011_rls.sql.
 */
#include "core/compat.h"
#include "core/grant.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/site.h"


/* Id of the user with this login, as text in pool; NULL and err when none. */
static const char *
grant_user_id(struct jy_db *db, struct jy_pool *pool, const char *login, struct jy_err *err)
{
    const char *p[1] = {login};
    const char *id;

    id = jy_db_query_value(db, pool, "SELECT id FROM app_user WHERE login = $1", 1, p, err);
    if (id == NULL && err->code == JY_E_NONE) {
        jy_err_set(err, JY_E_NOT_FOUND, "no user with login \"%s\"", login);
        jy_err_field(err, "login");
    }
    return id;
}


static const char *
grant_site_id(struct jy_db *db, struct jy_pool *pool, const char *site, struct jy_err *err)
{
    long long id;

    if (jy_site_resolve(db, pool, site, "site", &id, err) != JY_OK)
        return NULL;
    return jy_pool_printf(pool, "%lld", id);
}


int
jy_grant_add(struct jy_db *db, struct jy_pool *pool, const struct jy_grant_spec *spec,
             long long *id, struct jy_err *err)
{
    const char *user, *site, *column = NULL;
    const char *p[5];
    struct jy_db_res *res;

    jy_err_clear(err);
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    if ((user = grant_user_id(db, pool, spec->login, err)) == NULL ||
        (site = grant_site_id(db, pool, spec->site, err)) == NULL)
        goto fail;
    p[0] = spec->role;
    if (jy_db_query_value(db, pool, "SELECT code FROM role WHERE code = $1", 1, p, err) == NULL) {
        if (err->code == JY_E_NONE) {
            jy_err_set(err, JY_E_NOT_FOUND, "no role \"%s\"", spec->role);
            jy_err_hint(err, "The roles are platform_admin, site_admin, reviewer, editor, viewer "
                             "and auditor.");
            jy_err_field(err, "role");
        }
        goto fail;
    }
    if (spec->column && spec->column[0]) {
        p[0] = site;
        p[1] = spec->column;
        column = jy_db_query_value(
            db, pool, "SELECT id FROM site_column WHERE site_id = $1 AND path = $2", 2, p, err);
        if (column == NULL) {
            if (err->code == JY_E_NONE) {
                jy_err_set(err, JY_E_NOT_FOUND, "site \"%s\" has no column \"%s\"", spec->site,
                           spec->column);
                jy_err_field(err, "column");
            }
            goto fail;
        }
        if (strcmp(spec->role, "platform_admin") == 0) {
            jy_err_set(err, JY_E_INVALID, "role \"platform_admin\" cannot be limited to a column");
            jy_err_field(err, "column");
            goto fail;
        }
    }
    if (spec->expires && spec->expires[0]) {
        p[0] = spec->expires;
        if (jy_db_query_value(db, pool,
                              "SELECT 1 WHERE CASE WHEN $1 ~ '^[0-9]+ *(day|days|hour|hours|"
                              "month|months|year|years)$' THEN now() + $1::interval "
                              "ELSE $1::timestamptz END > now()",
                              1, p, err) == NULL) {
            if (err->code == JY_E_NONE || err->code == JY_E_INVALID) {
                jy_err_set(err, JY_E_INVALID, "expiry \"%s\" is not a time in the future",
                           spec->expires);
                jy_err_hint(err, "Give a date (2027-06-30), a time, or a span (90 days).");
                jy_err_field(err, "expires");
            }
            goto fail;
        }
    }
    p[0] = user;
    p[1] = spec->role;
    p[2] = site;
    p[3] = column;
    p[4] = spec->expires && spec->expires[0] ? spec->expires : NULL;
    res = jy_db_query(db, pool,
                      "INSERT INTO user_grant (user_id, role, site_id, column_id, granted_by, "
                      "expires_at) VALUES ($1, $2, $3, $4, jy_actor(), "
                      "CASE WHEN $5 ~ '^[0-9]+ *(day|days|hour|hours|month|months|year|years)$' "
                      "THEN now() + $5::interval ELSE $5::timestamptz END) RETURNING id",
                      5, p, err);
    if (res == NULL) {
        if (err->code == JY_E_CONFLICT) {
            jy_err_set(err, JY_E_CONFLICT, "user \"%s\" already holds role \"%s\" there",
                       spec->login, spec->role);
        } else if (err->code == JY_E_FORBIDDEN) {
            jy_err_set(err, JY_E_FORBIDDEN,
                       "you cannot grant role \"%s\" on \"%s\": it holds permissions you do "
                       "not hold there",
                       spec->role, spec->site);
        }
        goto fail;
    }
    *id = atoll(jy_db_res_get(res, 0, 0));
    return jy_db_commit(db, err);

fail:
    jy_db_rollback(db);
    return JY_ERROR;
}


int
jy_grant_revoke(struct jy_db *db, struct jy_pool *pool, long long id, struct jy_err *err)
{
    char sid[24];
    const char *p[1] = {sid};
    struct jy_db_res *res;

    jy_err_clear(err);
    snprintf(sid, sizeof(sid), "%lld", id);
    if (jy_db_begin(db, err) != JY_OK)
        return JY_ERROR;
    res = jy_db_query(db, pool, "DELETE FROM user_grant WHERE id = $1", 1, p, err);
    if (res == NULL)
        goto fail;
    if (jy_db_res_affected(res) == 0) {
        jy_err_set(err, JY_E_NOT_FOUND, "no grant %lld (or it is not yours to revoke)", id);
        goto fail;
    }
    return jy_db_commit(db, err);

fail:
    jy_db_rollback(db);
    return JY_ERROR;
}


struct jy_db_res *
jy_grant_list(struct jy_db *db, struct jy_pool *pool, const char *login, const char *site,
              struct jy_err *err)
{
    const char *p[2] = {login, NULL};

    jy_err_clear(err);
    if (site && (p[1] = grant_site_id(db, pool, site, err)) == NULL)
        return NULL;
    if (login && grant_user_id(db, pool, login, err) == NULL)
        return NULL;
    return jy_db_query(db, pool,
                       "SELECT g.id, u.login, u.display_name, g.role, s.name AS site, "
                       "coalesce(s.code, '') AS site_code, coalesce(c.path, '') AS column_path, "
                       "to_char(g.granted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') "
                       "AS granted_at, coalesce(to_char(g.expires_at AT TIME ZONE "
                       "'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), '') AS expires_at "
                       "FROM user_grant g JOIN app_user u ON u.id = g.user_id "
                       "JOIN site s ON s.id = g.site_id "
                       "LEFT JOIN site_column c ON c.id = g.column_id "
                       "WHERE ($1::text IS NULL OR u.login = $1) "
                       "AND ($2::bigint IS NULL OR g.site_id = $2) "
                       "ORDER BY g.granted_at DESC, g.id DESC",
                       2, p, err);
}


struct jy_db_res *
jy_grant_explain(struct jy_db *db, struct jy_pool *pool, const char *login, const char *site,
                 struct jy_err *err)
{
    const char *p[2];

    jy_err_clear(err);
    if ((p[0] = grant_user_id(db, pool, login, err)) == NULL ||
        (p[1] = grant_site_id(db, pool, site, err)) == NULL)
        return NULL;
    return jy_db_query(db, pool,
                       "SELECT permission, role, granted_on, scope, coalesce(to_char(expires_at "
                       "AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), '') AS expires_at "
                       "FROM jy_explain_rights($1, $2)",
                       2, p, err);
}
