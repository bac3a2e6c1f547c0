/*
 * grant.h - who may do what where: grants of a role on a site subtree or
 * on a column subtree, and the explanation of a user's effective rights.
 *
 * The rights themselves are computed in one place, the database
 * (schema/0011_rls.sql: jy_perm_sites, jy_perm_columns, jy_explain_rights),
 * which row-level security uses too; this file only writes grants and asks.
 * Every grant and revocation is audited by trigger.
 *
 * Naming: LOGIN is a login name; SITE a site code, domain or id (site.h);
 * a column is the column's URL path on that site (zwgk/tzgg).
 */
#ifndef JY_CORE_GRANT_H
#define JY_CORE_GRANT_H

struct jy_db;
struct jy_db_res;
struct jy_err;
struct jy_pool;

struct jy_grant_spec {
    const char *login;   /* who */
    const char *role;    /* platform_admin, site_admin, reviewer, editor, viewer, auditor */
    const char *site;    /* SITE: the subtree root, or the column's site */
    const char *column;  /* column path on site; NULL: the whole site subtree */
    const char *expires; /* a time PostgreSQL understands ("2027-01-01", "30 days"); NULL: never */
};

/*
 * Grant; *id gets the grant's id. Errors name the field: an unknown login,
 * role, site or column is JY_E_NOT_FOUND; a platform_admin grant on a
 * column, or an expiry in the past, JY_E_INVALID; the same grant twice
 * JY_E_CONFLICT. On a connection of the application role the database also
 * refuses to hand out a permission the actor does not hold (JY_E_FORBIDDEN).
 */
int jy_grant_add(struct jy_db *db, struct jy_pool *pool, const struct jy_grant_spec *spec,
                 long long *id, struct jy_err *err);

/* Revoke one grant by id; JY_E_NOT_FOUND when there is none (or it is not visible). */
int jy_grant_revoke(struct jy_db *db, struct jy_pool *pool, long long id, struct jy_err *err);

/*
 * Grants, newest first, of login (NULL: everybody) on site (NULL:
 * anywhere). Columns: id, login, display_name, role, site, site_code,
 * column_path, granted_at, expires_at.
 */
struct jy_db_res *jy_grant_list(struct jy_db *db, struct jy_pool *pool, const char *login,
                                const char *site, struct jy_err *err);

/*
 * Why login holds which permission on site: columns permission, role,
 * granted_on, scope, expires_at (one row per permission and grant; none
 * when the user holds nothing there).
 */
struct jy_db_res *jy_grant_explain(struct jy_db *db, struct jy_pool *pool, const char *login,
                                   const char *site, struct jy_err *err);

#endif /* JY_CORE_GRANT_H */
