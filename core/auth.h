/*
 * auth.h - one identity for the platform (统一用户): passwords, logins,
 * sessions and API tokens.
 *
 * Passwords are hashed with argon2id (libsodium crypto_pwhash_str_alg) and
 * stored in PHC form ($argon2id$v=19$m=65536,t=2,p=1$salt$hash) in
 * app_user.password_hash. The cost is OPSLIMIT_INTERACTIVE /
 * MEMLIMIT_INTERACTIVE (2 passes over 64 MiB, about 60 ms on one core);
 * a hash made with weaker parameters is replaced at the next successful
 * login (never by a weaker one).
 *
 * Password policy (jy_auth_password_check; docs/operations.md):
 *  - at least JY_AUTH_PASSWORD_MIN_CHARS (10) characters, counted as
 *    Unicode code points, and at most JY_AUTH_PASSWORD_MAX_BYTES bytes;
 *  - UTF-8 text without control characters;
 *  - at least 3 of 4 kinds of characters: lower-case ASCII letters,
 *    upper-case ASCII letters, ASCII digits, others (punctuation, space and
 *    every non-ASCII character, so 汉字 count as "other");
 *  - not containing the login name, ignoring case (for logins of 3 or more
 *    characters: a two-letter login would forbid too much);
 *  - not a common password (the list sites/common-passwords.txt), ignoring
 *    case, nor one with only digits and symbols added before or after it
 *    ("Password2024!" counts as "password").
 * Each violation is one rule (enum jy_auth_pw_rule) with its own message,
 * so a console can translate it; the message never contains the password.
 *
 * Logins (jy_auth_login):
 *  - an unknown login, a user without a password, and a wrong password get
 *    the same message, and each costs one argon2id verification (unknown
 *    logins are verified against a dummy hash of the same cost), so neither
 *    the answer nor its timing tells which logins exist;
 *  - a disabled user is refused, but only after its password was verified
 *    (a wrong password gets the common message);
 *  - throttling: after JY_AUTH_THROTTLE_LOGIN_FAILURES (5) failures for one
 *    login within JY_AUTH_THROTTLE_WINDOW_SECONDS (15 min), that login is
 *    refused for JY_AUTH_LOCK_SECONDS (15 min) from the last failure,
 *    whether it exists or not; after JY_AUTH_THROTTLE_ADDR_FAILURES (20)
 *    failures from one client address within the window, that address is
 *    refused likewise. A successful login resets its login's count (not
 *    its address's: many people may share one office NAT address). Refused
 *    attempts are recorded but do not count, so knocking during a lock does
 *    not prolong it. The message says until when, in Asia/Shanghai time.
 *  - every attempt is recorded in login_attempt and the audit log
 *    (session.login, session.login_failed).
 *
 * Sessions: JY_AUTH_TOKEN_BYTES (32) random bytes, given to the caller
 * base64url-encoded (43 characters) once and stored only as their
 * BLAKE2b-256 hash (hex). A session ends after JY_AUTH_SESSION_IDLE_SECONDS
 * (30 min) without use or JY_AUTH_SESSION_LIFETIME_SECONDS (12 h) after the
 * login, whichever comes first, or when revoked (logout, disabled user, new
 * password). last_seen_at is written at most once a minute
 * (JY_AUTH_TOUCH_SECONDS), so busy sessions do not turn every request into
 * a write.
 *
 * API tokens, for scripts: "jy_" + 43 base64url characters (32 random
 * bytes). The first JY_AUTH_API_PREFIX_LEN (11) characters ("jy_" and 8
 * more, 48 random bits) are kept visible so people can tell tokens apart and
 * revoke one; the token itself is stored only hashed. Optional expiry,
 * revocable, last use recorded (at most once a minute).
 *
 * Secrets: a password, a session token or an API token is never logged,
 * never written to the audit log (nor is any hash of one), and a token is
 * shown only once, when it is made. Buffers that held one are wiped with
 * jy_auth_wipe().
 *
 * Disabling a user ends its sessions and tokens in the database itself
 * (schema/0010_auth.sql, trigger app_user_disable_revokes), so no code path
 * can forget it, not even a hand-written UPDATE.
 *
 * Audit: every change writes an audit_log row whose actor is the one set
 * with jy_db_set_actor() (none: the system, e.g. the CLI), except logins,
 * whose actor is the user logging in. before/after come from the SQL
 * functions jy_app_user_audit() and jy_api_token_audit(), which list the
 * public columns explicitly.
 *
 * Connections: pass a connection of the owner role (the system, as the CLI
 * has without --as). The application role jiyue_app may not read password
 * hashes, the credential tables or write audit_log directly
 * (schema/0011_rls.sql), and a login happens before there is a user to act
 * as.
 *
 * Errors: JY_E_INVALID (bad input, a password against the policy),
 * JY_E_FORBIDDEN (login refused, session or token not valid), JY_E_NOT_FOUND
 * (no such user or token, for administrative calls), JY_E_CONFLICT (login
 * taken), JY_E_UNAVAILABLE (database). Functions that touch the database do
 * so in their own transaction; do not call them inside one.
 */
#ifndef JY_CORE_AUTH_H
#define JY_CORE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct jy_db;
struct jy_err;
struct jy_pool;

#define JY_AUTH_PASSWORD_MIN_CHARS       10
#define JY_AUTH_PASSWORD_MAX_BYTES       1024
#define JY_AUTH_SESSION_IDLE_SECONDS     (30 * 60)
#define JY_AUTH_SESSION_LIFETIME_SECONDS (12 * 60 * 60)
#define JY_AUTH_TOUCH_SECONDS            60
#define JY_AUTH_THROTTLE_WINDOW_SECONDS  (15 * 60)
#define JY_AUTH_THROTTLE_LOGIN_FAILURES  5
#define JY_AUTH_THROTTLE_ADDR_FAILURES   20
#define JY_AUTH_LOCK_SECONDS             (15 * 60)
#define JY_AUTH_TOKEN_MAX_DAYS           3650

#define JY_AUTH_TOKEN_BYTES       32  /* random bytes of a session or API token */
#define JY_AUTH_SESSION_TOKEN_LEN 43  /* base64url of 32 bytes, no padding */
#define JY_AUTH_API_TOKEN_LEN     46  /* "jy_" + 43 */
#define JY_AUTH_API_PREFIX_LEN    11  /* "jy_" + 8: the visible part */
#define JY_AUTH_TOKEN_HASH_LEN    64  /* hex of BLAKE2b-256 */
#define JY_AUTH_HASH_SIZE         128 /* room for a PHC hash string (crypto_pwhash_STRBYTES) */

/*
 * Initialise libsodium. Safe to call any number of times and from several
 * threads; every function below calls it itself, so calling it at start is
 * only a way to fail early. JY_ERROR when libsodium cannot work (no
 * randomness source).
 */
int jy_auth_init(void);

/* Cost of new password hashes. */
enum jy_auth_cost {
    JY_AUTH_COST_INTERACTIVE = 0, /* the default: OPSLIMIT/MEMLIMIT_INTERACTIVE */
    JY_AUTH_COST_TEST,            /* OPSLIMIT/MEMLIMIT_MIN: for tests only */
};

/*
 * Set the cost of the hashes made from now on, for the whole process; set it
 * once at start (setting "password_cost"). JY_AUTH_COST_TEST makes hashes
 * that are fast to guess: tests use it to keep fast, and production must
 * never (a warning is logged when it is set).
 */
void jy_auth_set_cost(enum jy_auth_cost cost);
enum jy_auth_cost jy_auth_get_cost(void);

/* "interactive" or "test" to a cost; JY_E_INVALID naming the value otherwise. */
int jy_auth_cost_parse(const char *name, enum jy_auth_cost *out, struct jy_err *err);

/*
 * Hash a password at the current cost into out (a NUL-terminated PHC
 * string). The policy is not checked here. JY_ERROR only when memory for
 * argon2 cannot be had.
 */
int jy_auth_hash_password(const char *password, char out[JY_AUTH_HASH_SIZE], struct jy_err *err);

/* True when password matches hash. A malformed hash never matches. */
bool jy_auth_verify_password(const char *hash, const char *password);

/*
 * True when hash was made with another algorithm or weaker parameters than
 * the current cost asks for (it should be replaced at the next login).
 * A stronger hash is not weak: lowering the cost never downgrades hashes.
 */
bool jy_auth_hash_is_weak(const char *hash);

/*
 * Number of argon2 verifications done by this process: lets tests check
 * that an unknown login costs the same work as a wrong password.
 */
unsigned long jy_auth_verify_count(void);

/* The dummy hash that unknown logins are verified against, at the current cost. */
const char *jy_auth_dummy_hash(void);

/* Overwrite a buffer that held a secret (the compiler cannot drop it). */
void jy_auth_wipe(void *p, size_t len);


/* ---- password policy ---- */

enum jy_auth_pw_rule {
    JY_AUTH_PW_OK = 0,
    JY_AUTH_PW_NOT_TEXT,    /* not UTF-8, or holds control characters */
    JY_AUTH_PW_TOO_LONG,    /* more than JY_AUTH_PASSWORD_MAX_BYTES */
    JY_AUTH_PW_TOO_SHORT,   /* fewer than JY_AUTH_PASSWORD_MIN_CHARS characters */
    JY_AUTH_PW_FEW_CLASSES, /* fewer than 3 of lower, upper, digit, other */
    JY_AUTH_PW_HAS_LOGIN,   /* contains the login name */
    JY_AUTH_PW_COMMON,      /* a common password, maybe with digits/symbols added */
};

/* Short stable name of a rule for APIs and translations: "length", "classes" ... */
const char *jy_auth_pw_rule_name(enum jy_auth_pw_rule rule);

/* The list of common passwords; immutable once loaded, share it between threads. */
struct jy_auth_policy;

/*
 * Load the common-password list from path (sites/common-passwords.txt
 * under share_dir): one password a line, "#" comments, compared ignoring
 * case; entries shorter than 4 characters are ignored. The policy lives in
 * pool. NULL and err when the file cannot be read.
 */
struct jy_auth_policy *jy_auth_policy_load(struct jy_pool *pool, const char *path,
                                           struct jy_err *err);

/* Number of entries of the common-password list. */
size_t jy_auth_policy_size(const struct jy_auth_policy *policy);

/*
 * Check password against the policy for a user called login (NULL: no
 * login rule). Returns JY_AUTH_PW_OK, or the first rule broken with err set:
 * JY_E_INVALID, field "password", a message naming the rule, and a hint
 * stating the whole policy.
 */
enum jy_auth_pw_rule jy_auth_password_check(const struct jy_auth_policy *policy, const char *login,
                                            const char *password, struct jy_err *err);


/* ---- tokens (no database) ---- */

/* A new session token: 43 base64url characters and a NUL. */
void jy_auth_session_token_new(char out[JY_AUTH_SESSION_TOKEN_LEN + 1]);

/* A new API token: "jy_" + 43 base64url characters and a NUL. */
void jy_auth_api_token_new(char out[JY_AUTH_API_TOKEN_LEN + 1]);

/* Shape checks, so garbage is refused before any database lookup. */
bool jy_auth_session_token_ok(const char *token);
bool jy_auth_api_token_ok(const char *token);

/* BLAKE2b-256 of the token text, as 64 lower-case hex digits and a NUL. */
void jy_auth_token_hash(const char *token, char out[JY_AUTH_TOKEN_HASH_LEN + 1]);


/* ---- users ---- */

struct jy_auth_user_new {
    const char *login;        /* lower-case ASCII letters, digits, ".", "_", "-"; 2..64 */
    const char *display_name; /* 1..64 characters */
    const char *organisation; /* NULL for none */
    const char *phone;        /* NULL, a mainland mobile or a landline with area code */
    const char *email;        /* NULL or an address */
    long long site_id;        /* managing site; 0: the platform */
};

/*
 * Create a user; password NULL creates one that cannot log in until a
 * password is set. Audit action user.create. *id_out (may be NULL) gets the
 * new id. JY_E_CONFLICT when the login is taken, JY_E_INVALID (with field)
 * for a malformed value or a password against the policy.
 */
int jy_auth_user_create(struct jy_db *db, const struct jy_auth_policy *policy,
                        const struct jy_auth_user_new *u, const char *password, long long *id_out,
                        struct jy_err *err);

/*
 * Set a new password (checked against the policy). Every session of the
 * user ends (its API tokens stay: scripts are revoked one by one). Audit
 * action user.password.
 */
int jy_auth_user_set_password(struct jy_db *db, const struct jy_auth_policy *policy,
                              const char *login, const char *password, struct jy_err *err);

/*
 * Disable a user: it cannot log in, and its sessions and API tokens end at
 * once (by trigger, in the same transaction). Audit action user.disable,
 * whose after says how many sessions and tokens ended. JY_DONE when the
 * user was already disabled (nothing written).
 */
int jy_auth_user_disable(struct jy_db *db, const char *login, struct jy_err *err);

/* Enable a disabled user (its old sessions and tokens stay ended). JY_DONE when enabled already. */
int jy_auth_user_enable(struct jy_db *db, const char *login, struct jy_err *err);

struct jy_auth_user_info {
    long long id;
    const char *login;
    const char *display_name;
    const char *organisation; /* NULL when none; so are phone and email */
    const char *phone;
    const char *email;
    bool disabled;
    bool has_password;
    const char *last_login_at; /* "2026-11-23 21:01" Asia/Shanghai, NULL: never */
    int sessions;              /* valid sessions now */
    int tokens;                /* valid API tokens now */
};

/* Every user, ordered by login; the array and strings live in pool. */
int jy_auth_user_list(struct jy_db *db, struct jy_pool *pool, struct jy_auth_user_info **out,
                      size_t *n, struct jy_err *err);


/* ---- logins and sessions ---- */

struct jy_auth_login_req {
    const char *login; /* as typed: blanks around it are ignored, case too */
    const char *password;
    const char *client_addr; /* IPv4/IPv6 text; NULL for the command line (no address throttling) */
    const char *user_agent;  /* NULL or the User-Agent header; cut to 512 bytes */
};

struct jy_auth_login_res {
    long long user_id;
    long long session_id;
    char token[JY_AUTH_SESSION_TOKEN_LEN + 1]; /* the secret: hand it over, then jy_auth_wipe() */
    char expires_at[32]; /* absolute end, "2026-11-24 09:01:02" Asia/Shanghai */
    bool rehashed;       /* the stored hash was upgraded */
};

/*
 * Log in: check throttling, verify the password, and on success create a
 * session and fill res. On failure err says why in words fit for the person
 * logging in (JY_E_FORBIDDEN): "invalid login name or password" for an
 * unknown login, a user without a password and a wrong password alike;
 * 'user "x" is disabled'; 'too many failed logins for "x": try again after
 * 2026-11-23 21:15:03 (Asia/Shanghai)'; or the same "from this address".
 */
int jy_auth_login(struct jy_db *db, const struct jy_auth_login_req *req,
                  struct jy_auth_login_res *res, struct jy_err *err);

/*
 * The user a session token belongs to. Expired, idle, revoked and unknown
 * tokens all give JY_E_FORBIDDEN "session is not valid"; the log says which.
 * Updates last_seen_at when it is older than a minute.
 */
int jy_auth_session_check(struct jy_db *db, const char *token, long long *user_id,
                          struct jy_err *err);

/* End the session of token (logout). Audit session.logout. "session is not valid" when it was not.
 */
int jy_auth_session_revoke(struct jy_db *db, const char *token, struct jy_err *err);


/* ---- API tokens ---- */

/*
 * Make an API token for the user login: name says what it is for (1..64
 * characters), expires_days 0 for none or 1..JY_AUTH_TOKEN_MAX_DAYS. The
 * token is written to token (show it once, then jy_auth_wipe()), its
 * visible prefix to prefix. Audit token.create.
 */
int jy_auth_token_create(struct jy_db *db, const char *login, const char *name, int expires_days,
                         char token[JY_AUTH_API_TOKEN_LEN + 1],
                         char prefix[JY_AUTH_API_PREFIX_LEN + 1], struct jy_err *err);

/*
 * The user an API token belongs to. Expired, revoked and unknown tokens, and
 * tokens of disabled users, give JY_E_FORBIDDEN "API token is not valid".
 * Updates last_used_at when older than a minute.
 */
int jy_auth_token_check(struct jy_db *db, const char *token, long long *user_id,
                        struct jy_err *err);

/*
 * Revoke the token of user login whose visible prefix is prefix ("jy_" + 8
 * characters, as listed; a whole token works too). Audit token.revoke.
 * JY_E_NOT_FOUND when the user has no such token that is still valid.
 */
int jy_auth_token_revoke(struct jy_db *db, const char *login, const char *prefix,
                         struct jy_err *err);

struct jy_auth_token_info {
    const char *prefix;
    const char *name;
    const char *created_at;   /* Asia/Shanghai, "2026-11-23 21:01" */
    const char *expires_at;   /* NULL: never */
    const char *last_used_at; /* NULL: never used */
    const char *revoked_at;   /* NULL: not revoked */
    const char *revoked_reason;
    bool valid; /* neither revoked nor expired */
};

/* The API tokens of user login, oldest first; in pool. JY_E_NOT_FOUND for an unknown login. */
int jy_auth_token_list(struct jy_db *db, struct jy_pool *pool, const char *login,
                       struct jy_auth_token_info **out, size_t *n, struct jy_err *err);

#endif /* JY_CORE_AUTH_H */
