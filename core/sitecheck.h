/*
 * sitecheck.h - the shape rules of a site's identifiers, checked in C before
 * the database sees them so that an error names the field and shows an
 * example. They mirror the CHECK constraints of schema/0001_site.sql and
 * schema/0006_site_code_check.sql (which stay the last word).
 */
#ifndef JY_CORE_SITECHECK_H
#define JY_CORE_SITECHECK_H

#include <stdbool.h>

struct jy_err;

/* ICP备案号: 岭ICP备56000001号, optionally -N for a second site of one filing. */
bool jy_sitecheck_icp(const char *s);

/* 公安机关备案号: 岭公网安备 56010202000001号 (14 digits, the space optional). */
bool jy_sitecheck_psb(const char *s);

/* A lower-case host name of two labels or more, letters-only top level. */
bool jy_sitecheck_domain(const char *s);

/* name@host.tld with no blanks. */
bool jy_sitecheck_email(const char *s);

/*
 * 政府网站标识码 (SiteIDCode): a 6-digit division code and 4 digits, or "bm"
 * and 8 digits; a local code starts with admin_code when that is given.
 * JY_ERROR with err naming field "code" otherwise.
 */
int jy_sitecheck_code(const char *code, const char *admin_code, struct jy_err *err);

#endif /* JY_CORE_SITECHECK_H */
