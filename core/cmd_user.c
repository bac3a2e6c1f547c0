/*
 * cmd_user.c - `jiyue user`: people, their passwords, API tokens and logins
 * from the command line (core/auth.h does the work).
 *
 * The operator at the shell acts as the system: audit rows written here
 * have no acting user. Secrets: passwords come from standard input only
 * (never from arguments, which other users can read in ps), and a token is
 * printed once, alone on standard output, so scripts can capture it.
 */
#include "core/compat.h"
#include "core/auth.h"
#include "core/cli.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/site.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/str.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#define PASSWORD_BUF (JY_AUTH_PASSWORD_MAX_BYTES + 2)

/* One option of an action: --name VALUE (or --name=VALUE), or a flag. */
struct user_opt {
    const char *name;   /* "--name" */
    const char **value; /* where the value goes; NULL for a flag */
    bool *flag;         /* set for a flag */
};

/* The terminal's settings while echo is off, restored on a signal too. */
static struct termios tty_saved;
static volatile sig_atomic_t tty_echo_off;


/*
 * Split argv[first..] into options and positional arguments. Unknown
 * options, missing values and more than max_pos positional arguments are
 * usage errors (exit status 2, returned); JY_OK otherwise.
 */
static int
user_parse(int argc, char **argv, int first, const struct user_opt *opts, size_t nopts,
           const char **pos, int max_pos, int *npos)
{
    bool only_pos = false;
    int i;
    size_t k;

    *npos = 0;
    for (i = first; i < argc; i++) {
        const char *a = argv[i];
        bool matched = false;
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (*npos >= max_pos)
                return jy_cli_usage_error(&jy_cmd_user, "unexpected argument \"%s\"", a);
            pos[(*npos)++] = a;
            continue;
        }
        for (k = 0; k < nopts && !matched; k++) {
            size_t n = strlen(opts[k].name);
            if (strncmp(a, opts[k].name, n) != 0 || (a[n] != '\0' && a[n] != '='))
                continue;
            matched = true;
            if (opts[k].value == NULL) {
                if (a[n] == '=')
                    return jy_cli_usage_error(&jy_cmd_user, "option \"%s\" takes no value",
                                              opts[k].name);
                *opts[k].flag = true;
            } else if (a[n] == '=') {
                *opts[k].value = a + n + 1;
            } else if (i + 1 < argc) {
                *opts[k].value = argv[++i];
            } else {
                return jy_cli_usage_error(&jy_cmd_user, "option \"%s\" needs a value",
                                          opts[k].name);
            }
        }
        if (!matched)
            return jy_cli_usage_error(&jy_cmd_user, "unrecognized option \"%s\"", a);
    }
    return JY_OK;
}


static void
tty_restore_on_signal(int sig)
{
    if (tty_echo_off)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
    signal(sig, SIG_DFL);
    raise(sig);
}


/*
 * Read one line from standard input into out (without its line end) using
 * read(2), so no stdio buffer keeps a copy. On a terminal, prompt on stderr
 * with echo off.
 */
static int
read_line(const char *prompt, char *out, size_t size, struct jy_err *err)
{
    bool tty = isatty(STDIN_FILENO);
    struct sigaction sa, old_int, old_term, old_hup;
    struct termios quiet;
    size_t len = 0;
    bool too_long = false, nul = false, got = false;
    int rc = JY_OK;

    if (tty) {
        fputs(prompt, stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &tty_saved) == 0) {
            memset(&sa, 0, sizeof(sa));
            sa.sa_handler = tty_restore_on_signal;
            sigemptyset(&sa.sa_mask);
            sigaction(SIGINT, &sa, &old_int);
            sigaction(SIGTERM, &sa, &old_term);
            sigaction(SIGHUP, &sa, &old_hup);
            quiet = tty_saved;
            quiet.c_lflag &= (tcflag_t) ~ECHO;
            quiet.c_lflag |= ECHONL;
            tty_echo_off = 1;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
    }
    for (;;) {
        char c;
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            jy_err_errno(err, errno, "could not read the password from standard input");
            rc = JY_ERROR;
            break;
        }
        if (n == 0 || c == '\n')
            break;
        got = true;
        if (c == '\0')
            nul = true;
        if (len + 1 < size)
            out[len++] = c;
        else
            too_long = true;
    }
    if (len && out[len - 1] == '\r')
        len--;
    out[len] = '\0';
    if (tty && tty_echo_off) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
        tty_echo_off = 0;
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGHUP, &old_hup, NULL);
    }
    if (rc != JY_OK)
        return rc;
    if (!got) {
        jy_err_set(err, JY_E_INVALID, "no password on standard input");
        jy_err_hint(err, "Pipe it in: printf '%%s\\n' \"$PASSWORD\" | jiyue user ...");
        return JY_ERROR;
    }
    if (nul) {
        jy_err_set(err, JY_E_INVALID, "password must not contain a NUL byte");
        return JY_ERROR;
    }
    if (too_long) {
        jy_err_set(err, JY_E_INVALID, "password is too long: at most %d bytes",
                   JY_AUTH_PASSWORD_MAX_BYTES);
        return JY_ERROR;
    }
    return JY_OK;
}


/* A new password: on a terminal asked twice, otherwise one line of stdin. */
static int
read_new_password(char *out, size_t size, struct jy_err *err)
{
    char again[PASSWORD_BUF];
    int rc;

    if (read_line("New password: ", out, size, err) != JY_OK)
        return JY_ERROR;
    if (!isatty(STDIN_FILENO))
        return JY_OK;
    rc = read_line("Repeat the new password: ", again, sizeof(again), err);
    if (rc == JY_OK && strcmp(out, again) != 0) {
        jy_err_set(err, JY_E_INVALID, "the two passwords differ");
        rc = JY_ERROR;
    }
    jy_auth_wipe(again, sizeof(again));
    return rc;
}


/*
 * What every action needs: the hash cost from the settings, the
 * common-password list when passwords are set, and the database.
 */
static struct jy_db *
user_setup(struct jy_cli *cli, bool allow_as, struct jy_auth_policy **policy, struct jy_err *err)
{
    enum jy_auth_cost cost;

    if (cli->as_login && !allow_as) {
        /*
         * Sessions, tokens and the list of every account are out of the
         * application role's reach (0011_rls, 0012_user_admin); add,
         * passwd, disable and enable work in a person's name.
         */
        jy_err_set(err, JY_E_INVALID,
                   "this \"jiyue user\" action runs as the system: --as is "
                   "not supported");
        jy_err_hint(err, "Leave out --as \"%s\".", cli->as_login);
        return NULL;
    }
    if (jy_auth_cost_parse(jy_conf_get(cli->conf, "password_cost"), &cost, err) != JY_OK)
        return NULL;
    if (jy_auth_init() != JY_OK) {
        jy_err_set(err, JY_E_INTERNAL, "libsodium cannot be initialised");
        return NULL;
    }
    if (cost != jy_auth_get_cost())
        jy_auth_set_cost(cost);
    if (policy) {
        const char *path = jy_pool_printf(cli->pool, "%s/sites/common-passwords.txt",
                                          jy_conf_get(cli->conf, "share_dir"));
        *policy = jy_auth_policy_load(cli->pool, path, err);
        if (*policy == NULL)
            return NULL;
    }
    return jy_cli_open_platform(cli, err);
}


static int
user_add(struct jy_cli *cli, int argc, char **argv)
{
    const char *site = NULL; /* --site: the site whose admins manage the account */
    struct jy_err err = JY_ERR_INIT;
    struct jy_auth_user_new u = {0};
    const char *pos[1];
    bool from_stdin = false;
    const struct user_opt opts[] = {
        {"--name", &u.display_name, NULL}, {"--org", &u.organisation, NULL},
        {"--phone", &u.phone, NULL},       {"--email", &u.email, NULL},
        {"--site", &site, NULL},           {"--password-stdin", NULL, &from_stdin},
    };
    char password[PASSWORD_BUF];
    struct jy_auth_policy *policy;
    struct jy_db *db;
    long long id = 0;
    int npos, rc;

    rc = user_parse(argc, argv, 2, opts, JY_ARRAY_LEN(opts), pos, 1, &npos);
    if (rc != JY_OK)
        return rc;
    if (npos != 1)
        return jy_cli_usage_error(&jy_cmd_user, "\"user add\" needs the login name");
    if (u.display_name == NULL)
        return jy_cli_usage_error(&jy_cmd_user, "\"user add\" needs --name NAME");
    u.login = pos[0];
    password[0] = '\0';
    if (from_stdin && read_new_password(password, sizeof(password), &err) != JY_OK)
        return jy_cli_fail(&err);
    db = user_setup(cli, true, &policy, &err);
    if (db == NULL) {
        jy_auth_wipe(password, sizeof(password));
        return jy_cli_fail(&err);
    }
    if (site && jy_site_resolve(db, cli->pool, site, "site", &u.site_id, &err) != JY_OK) {
        jy_auth_wipe(password, sizeof(password));
        jy_db_close(db);
        return jy_cli_fail(&err);
    }
    rc = jy_auth_user_create(db, policy, &u, from_stdin ? password : NULL, &id, &err);
    jy_auth_wipe(password, sizeof(password));
    jy_db_close(db);
    if (rc != JY_OK)
        return jy_cli_fail(&err);
    printf("user \"%s\" created (id %lld)\n", u.login, id);
    if (!from_stdin)
        printf("it has no password yet: set one with \"jiyue user passwd %s\"\n", u.login);
    return JY_EXIT_OK;
}


static int
user_passwd(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    char password[PASSWORD_BUF];
    struct jy_auth_policy *policy;
    const char *pos[1];
    struct jy_db *db;
    int npos, rc;

    rc = user_parse(argc, argv, 2, NULL, 0, pos, 1, &npos);
    if (rc != JY_OK)
        return rc;
    if (npos != 1)
        return jy_cli_usage_error(&jy_cmd_user, "\"user passwd\" needs the login name");
    db = user_setup(cli, true, &policy, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    rc = read_new_password(password, sizeof(password), &err);
    if (rc == JY_OK)
        rc = jy_auth_user_set_password(db, policy, pos[0], password, &err);
    jy_auth_wipe(password, sizeof(password));
    jy_db_close(db);
    if (rc != JY_OK)
        return jy_cli_fail(&err);
    printf("password of \"%s\" changed; its sessions have ended\n", pos[0]);
    return JY_EXIT_OK;
}


static int
user_disable(struct jy_cli *cli, int argc, char **argv, bool disable)
{
    struct jy_err err = JY_ERR_INIT;
    const char *pos[1];
    struct jy_db *db;
    int npos, rc;

    rc = user_parse(argc, argv, 2, NULL, 0, pos, 1, &npos);
    if (rc != JY_OK)
        return rc;
    if (npos != 1)
        return jy_cli_usage_error(&jy_cmd_user, "\"user %s\" needs the login name", argv[1]);
    db = user_setup(cli, true, NULL, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    rc = disable ? jy_auth_user_disable(db, pos[0], &err) : jy_auth_user_enable(db, pos[0], &err);
    jy_db_close(db);
    if (rc == JY_DONE) {
        printf("user \"%s\" was %s already\n", pos[0], disable ? "disabled" : "enabled");
        return JY_EXIT_OK;
    }
    if (rc != JY_OK)
        return jy_cli_fail(&err);
    if (disable)
        printf("user \"%s\" disabled; its sessions and API tokens have ended\n", pos[0]);
    else
        printf("user \"%s\" enabled; it may log in again\n", pos[0]);
    return JY_EXIT_OK;
}


static int
user_list(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_auth_user_info *users;
    const char *pos[1];
    struct jy_db *db;
    size_t n, i;
    int npos, rc;

    rc = user_parse(argc, argv, 2, NULL, 0, pos, 0, &npos);
    if (rc != JY_OK)
        return rc;
    db = user_setup(cli, false, NULL, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    rc = jy_auth_user_list(db, cli->pool, &users, &n, &err);
    jy_db_close(db);
    if (rc != JY_OK)
        return jy_cli_fail(&err);
    printf("%-6s %-20s %-11s %-16s %-8s %-6s %s\n", "ID", "LOGIN", "STATE", "LAST LOGIN",
           "SESSIONS", "TOKENS", "NAME (ORGANISATION)");
    for (i = 0; i < n; i++) {
        const struct jy_auth_user_info *u = &users[i];
        printf("%-6lld %-20s %-11s %-16s %-8d %-6d %s%s%s%s\n", u->id, u->login,
               u->disabled       ? "disabled"
               : u->has_password ? "active"
                                 : "no-password",
               u->last_login_at ? u->last_login_at : "never", u->sessions, u->tokens,
               u->display_name, u->organisation ? " (" : "", u->organisation ? u->organisation : "",
               u->organisation ? ")" : "");
    }
    printf("%zu user%s\n", n, n == 1 ? "" : "s");
    return JY_EXIT_OK;
}


static int
user_token(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    const char *name = NULL, *expires = NULL, *pos[2];
    const struct user_opt create_opts[] = {{"--name", &name, NULL}, {"--expires", &expires, NULL}};
    const char *action = argc > 2 ? argv[2] : "";
    bool create = strcmp(action, "create") == 0, list = strcmp(action, "list") == 0,
         revoke = strcmp(action, "revoke") == 0;
    char token[JY_AUTH_API_TOKEN_LEN + 1], prefix[JY_AUTH_API_PREFIX_LEN + 1];
    long long days = 0;
    struct jy_db *db;
    int npos, rc;

    if (!create && !list && !revoke) {
        if (argc <= 2)
            return jy_cli_usage_error(&jy_cmd_user, "missing token action: create, list or revoke");
        return jy_cli_usage_error(&jy_cmd_user, "unrecognized token action \"%s\"", action);
    }
    rc = user_parse(argc, argv, 3, create ? create_opts : NULL,
                    create ? JY_ARRAY_LEN(create_opts) : 0, pos, revoke ? 2 : 1, &npos);
    if (rc != JY_OK)
        return rc;
    if (npos != (revoke ? 2 : 1))
        return jy_cli_usage_error(&jy_cmd_user, "\"user token %s\" needs %s", action,
                                  revoke ? "the login name and the token prefix"
                                         : "the login name");
    if (create && name == NULL)
        return jy_cli_usage_error(&jy_cmd_user, "\"user token create\" needs --name NAME");
    if (expires && !jy_str_to_ll(jy_str_from(expires), 1, JY_AUTH_TOKEN_MAX_DAYS, &days))
        return jy_cli_usage_error(&jy_cmd_user,
                                  "--expires takes a number of days from 1 to %d, not \"%s\"",
                                  JY_AUTH_TOKEN_MAX_DAYS, expires);
    db = user_setup(cli, false, NULL, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    if (create) {
        rc = jy_auth_token_create(db, pos[0], name, (int) days, token, prefix, &err);
        if (rc == JY_OK) {
            /* the token alone on stdout, so TOKEN=$(jiyue user token create ...) works */
            printf("%s\n", token);
            fflush(stdout);
            jy_auth_wipe(token, sizeof(token));
            fprintf(stderr,
                    "API token %s \"%s\" of \"%s\" created%s%s%s; it is shown only this "
                    "once: store it now\n",
                    prefix, name, pos[0], days ? " (valid for " : "", days ? expires : "",
                    days ? " days)" : "");
        }
    } else if (revoke) {
        rc = jy_auth_token_revoke(db, pos[0], pos[1], &err);
        if (rc == JY_OK)
            printf("token %.*s of \"%s\" revoked\n", JY_AUTH_API_PREFIX_LEN, pos[1], pos[0]);
    } else {
        struct jy_auth_token_info *t;
        size_t n, i;
        rc = jy_auth_token_list(db, cli->pool, pos[0], &t, &n, &err);
        if (rc == JY_OK) {
            printf("%-12s %-16s %-16s %-16s %-16s %s\n", "PREFIX", "STATE", "CREATED", "EXPIRES",
                   "LAST USED", "NAME");
            for (i = 0; i < n; i++) {
                const char *state = t[i].valid ? "valid" : t[i].revoked_at ? "revoked" : "expired";
                printf("%-12s %-16s %-16s %-16s %-16s %s\n", t[i].prefix, state, t[i].created_at,
                       t[i].expires_at ? t[i].expires_at : "never",
                       t[i].last_used_at ? t[i].last_used_at : "never", t[i].name);
            }
            printf("%zu token%s\n", n, n == 1 ? "" : "s");
        }
    }
    jy_db_close(db);
    return rc == JY_OK ? JY_EXIT_OK : jy_cli_fail(&err);
}


static int
user_login(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_auth_login_req req = {0};
    struct jy_auth_login_res res;
    char password[PASSWORD_BUF];
    const char *pos[1];
    struct jy_db *db;
    int npos, rc;

    rc = user_parse(argc, argv, 2, NULL, 0, pos, 1, &npos);
    if (rc != JY_OK)
        return rc;
    if (npos != 1)
        return jy_cli_usage_error(&jy_cmd_user, "\"user login\" needs the login name");
    db = user_setup(cli, false, NULL, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    rc = read_line("Password: ", password, sizeof(password), &err);
    if (rc == JY_OK) {
        req.login = pos[0];
        req.password = password;
        req.user_agent = "jiyue-cli/" JY_VERSION;
        rc = jy_auth_login(db, &req, &res, &err);
    }
    jy_auth_wipe(password, sizeof(password));
    jy_db_close(db);
    if (rc != JY_OK)
        return jy_cli_fail(&err);
    printf("%s\n", res.token);
    fflush(stdout);
    jy_auth_wipe(res.token, sizeof(res.token));
    fprintf(stderr,
            "session %lld of \"%s\" until %s (Asia/Shanghai), ends after %d minutes unused\n",
            res.session_id, pos[0], res.expires_at, JY_AUTH_SESSION_IDLE_SECONDS / 60);
    return JY_EXIT_OK;
}


/* `user rights LOGIN --site SITE`: the same as `grant rights` (cmd_grant.c). */
static int
user_rights(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_db *db;
    int rc;

    if (argc != 5 || strcmp(argv[3], "--site") != 0)
        return jy_cli_usage_error(&jy_cmd_user, "\"user rights\" takes LOGIN --site SITE");
    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    rc = jy_cli_print_rights(cli, db, argv[2], argv[4]);
    jy_db_close(db);
    return rc;
}


static int
cmd_user_run(struct jy_cli *cli, int argc, char **argv)
{
    const char *action = argc > 1 ? argv[1] : NULL;

    if (jy_cli_wants_help(&jy_cmd_user, argc, argv))
        return JY_EXIT_OK;
    if (action == NULL)
        return jy_cli_usage_error(
            &jy_cmd_user,
            "missing action: add, passwd, disable, enable, list, token, login or rights");
    if (strcmp(action, "add") == 0)
        return user_add(cli, argc, argv);
    if (strcmp(action, "passwd") == 0)
        return user_passwd(cli, argc, argv);
    if (strcmp(action, "disable") == 0)
        return user_disable(cli, argc, argv, true);
    if (strcmp(action, "enable") == 0)
        return user_disable(cli, argc, argv, false);
    if (strcmp(action, "list") == 0)
        return user_list(cli, argc, argv);
    if (strcmp(action, "token") == 0)
        return user_token(cli, argc, argv);
    if (strcmp(action, "login") == 0)
        return user_login(cli, argc, argv);
    if (strcmp(action, "rights") == 0)
        return user_rights(cli, argc, argv);
    return jy_cli_usage_error(&jy_cmd_user, "unrecognized action \"%s\"", action);
}

const struct jy_cmd jy_cmd_user = {
    "user",
    "manage users, their passwords, API tokens and logins",
    "usage: jiyue user add LOGIN --name NAME [--org ORG] [--phone P] [--email E]\n"
    "                      [--site SITE] [--password-stdin]\n"
    "       jiyue user passwd LOGIN\n"
    "       jiyue user disable LOGIN\n"
    "       jiyue user enable LOGIN\n"
    "       jiyue user list\n"
    "       jiyue user token create LOGIN --name NAME [--expires DAYS]\n"
    "       jiyue user token list LOGIN\n"
    "       jiyue user token revoke LOGIN PREFIX\n"
    "       jiyue user login LOGIN\n"
    "       jiyue user rights LOGIN --site SITE\n"
    "\n"
    "One identity for every site of the platform (统一用户).\n"
    "\n"
    "  add        create a user; with --password-stdin its password is read from\n"
    "             standard input, otherwise it cannot log in until \"passwd\";\n"
    "             --site names the site whose administrators manage the account\n"
    "             (default: the platform)\n"
    "  passwd     set a new password, read from standard input (on a terminal it\n"
    "             is asked twice, without echo); every session of the user ends\n"
    "  disable    the user cannot log in; its sessions and API tokens end at once\n"
    "  enable     the user may log in again (old sessions and tokens stay ended)\n"
    "  list       every user with its state, last login, sessions and tokens\n"
    "  token      API tokens for scripts: \"create\" prints the token once, alone\n"
    "             on standard output; \"list\" shows prefixes; \"revoke\" takes the\n"
    "             prefix (jy_ and 8 characters) as listed\n"
    "  login      log in with the password from standard input and print the\n"
    "             session token (for scripts and tests)\n"
    "  rights     every permission the user holds on SITE and the grant it comes\n"
    "             from (see \"jiyue grant\")\n"
    "\n"
    "Passwords need at least 10 characters mixing 3 of lower-case, upper-case,\n"
    "digits and other characters, without the login name, and must not be a\n"
    "common password (sites/common-passwords.txt). Passwords are never taken\n"
    "from the command line, where other users could read them.\n"
    "\n"
    "add, passwd, disable and enable also work with --as LOGIN: then row-level\n"
    "security lets a site admin manage only the accounts of its sites.\n"
    "\n"
    "Setting password_cost = test makes hashing cheap for tests; never use it\n"
    "in production.\n",
    cmd_user_run,
};
