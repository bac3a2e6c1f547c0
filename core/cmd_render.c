/*
 * cmd_render.c - `jiyue render`: build sites into static files (core/render.h),
 * in full, incrementally from the changes waiting, or continuously; and
 * explain why a file is what it is.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/check.h"
#include "core/cli.h"
#include "core/conf.h"
#include "core/db.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/render.h"
#include "core/theme.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t render_stop;

static void
on_signal(int sig)
{
    (void) sig;
    render_stop = 1;
}


static void
print_stats(const struct jy_render_stats *st)
{
    printf("rendered %lld files of %lld sites in %.2f s (%.0f files/s): %lld written, %lld "
           "unchanged, %lld removed, %.1f MiB\n",
           st->pages, st->sites, st->seconds, st->seconds > 0 ? st->pages / st->seconds : 0,
           st->written, st->unchanged, st->removed, (double) st->bytes / 1048576.0);
}


static int
cmd_render_run(struct jy_cli *cli, int argc, char **argv)
{
    struct jy_err err = JY_ERR_INIT;
    struct jy_render_opts o;
    struct jy_render_stats st;
    struct jy_db *db;
    const char *site = NULL, *explain = NULL;
    bool all = false, pending = false, watch = false;
    int rc, i;

    if (jy_cli_wants_help(&jy_cmd_render, argc, argv))
        return JY_EXIT_OK;
    memset(&o, 0, sizeof(o));
    memset(&st, 0, sizeof(st));
    o.output_dir = jy_conf_get(cli->conf, "output_dir");
    o.share_dir = jy_conf_get(cli->conf, "share_dir");
    o.file_dir = jy_conf_get(cli->conf, "file_dir");
    o.threads = atoi(jy_conf_get(cli->conf, "workers"));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--site") == 0 || strcmp(a, "--explain") == 0 ||
            strcmp(a, "--threads") == 0 || strcmp(a, "--channel") == 0) {
            if (i + 1 >= argc)
                return jy_cli_usage_error(&jy_cmd_render, "option \"%s\" needs a value", a);
            const char *v = argv[++i];
            if (a[2] == 's')
                site = v;
            else if (a[2] == 'e')
                explain = v;
            else if (a[2] == 'c')
                o.only_channel = v;
            else if ((o.threads = atoi(v)) < 1 || o.threads > 16)
                return jy_cli_usage_error(&jy_cmd_render, "--threads takes 1 to 16, not \"%s\"", v);
        } else if (strcmp(a, "--all") == 0) {
            all = true;
        } else if (strcmp(a, "--pending") == 0) {
            pending = true;
        } else if (strcmp(a, "--watch") == 0) {
            watch = true;
        } else {
            return jy_cli_usage_error(&jy_cmd_render, "unrecognized option \"%s\"", a);
        }
    }
    if (o.only_channel && !jy_theme_channel_word_ok(o.only_channel))
        return jy_cli_usage_error(&jy_cmd_render,
                                  "--channel takes a channel's code (desktop, elder, json, rss, "
                                  "sitemap or one the theme declares), not \"%s\"",
                                  o.only_channel);
    /* exactly one action; --explain is its own and names its site with --site */
    if ((explain ? 1 : site != NULL) + all + pending + watch != 1)
        return jy_cli_usage_error(&jy_cmd_render,
                                  "give one of --site S, --all, --pending, --watch, or "
                                  "--explain FILE --site S");
    if (explain && site == NULL)
        return jy_cli_usage_error(&jy_cmd_render, "--explain needs --site");
    if (cli->as_login) {
        jy_err_set(&err, JY_E_FORBIDDEN, "render runs as the system, not --as \"%s\"",
                   cli->as_login);
        return jy_cli_fail(&err);
    }
    if (isatty(STDERR_FILENO) && !explain)
        o.progress = stderr;
    db = jy_cli_open_platform(cli, &err);
    if (db == NULL)
        return jy_cli_fail(&err);
    /* the plugins' render helpers are in the same host as their checks */
    if (jy_check_ensure(&err) != JY_OK) {
        jy_db_close(db);
        return jy_cli_fail(&err);
    }

    if (explain) {
        struct jy_buf out = JY_BUF_INIT(cli->pool);
        rc = jy_render_explain(db, cli->pool, site, explain, &out, &err);
        if (rc == JY_OK)
            fputs(out.buf, stdout);
    } else if (watch) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        o.progress = NULL;
        printf("watching for changes (Ctrl-C stops)\n");
        fflush(stdout);
        rc = jy_db_wait_notify(db, "LISTEN jy_change", 0, NULL, 0, &err);
        rc = rc == JY_ERROR ? JY_ERROR : JY_OK;
        while (rc == JY_OK && !render_stop) {
            memset(&st, 0, sizeof(st));
            rc = jy_render_pending(db, &o, &st, &err);
            if (rc == JY_OK && st.sites) {
                print_stats(&st);
                fflush(stdout);
            }
            /* wait for the next change; a missed notification costs at most a second */
            while (rc == JY_OK && !render_stop) {
                int w = jy_db_wait_notify(db, NULL, 1000, NULL, 0, &err);
                if (w == JY_ERROR)
                    rc = JY_ERROR;
                if (w == JY_OK) {
                    /* take every notification waiting, then render once */
                    while (jy_db_wait_notify(db, NULL, 0, NULL, 0, &err) == JY_OK)
                        ;
                }
                break;
            }
        }
    } else {
        if (site)
            rc = jy_render_site(db, &o, site, &st, &err);
        else if (all)
            rc = jy_render_all(db, &o, &st, &err);
        else
            rc = jy_render_pending(db, &o, &st, &err);
        if (rc == JY_OK)
            print_stats(&st);
    }
    jy_db_close(db);
    return rc == JY_OK ? JY_EXIT_OK : jy_cli_fail(&err);
}


const struct jy_cmd jy_cmd_render = {
    "render",
    "build sites into static files, in full or what changed",
    "usage: jiyue render --site SITE | --all | --pending | --watch\n"
    "       jiyue render --explain FILE --site SITE\n"
    "\n"
    "Render sites from the resource library into <output_dir>/<site code>/ with\n"
    "the site's theme: every channel the site declares (desktop, elder under\n"
    "elder/, json under api/, rss, sitemap), a manifest of every file for the\n"
    "mirrors and the dependencies of every file.\n"
    "\n"
    "  --site SITE     render one site in full (code or id): the new tree is built\n"
    "                  beside the live one and switched in one step\n"
    "  --all           render every open site in full\n"
    "  --pending       render what the changes since the last run touch, on every\n"
    "                  site, and nothing else (files with the same bytes are not\n"
    "                  rewritten); a new site is rendered in full\n"
    "  --watch         do --pending at every change until Ctrl-C or SIGTERM\n"
    "  --explain FILE  what file FILE of SITE renders and what it depends on\n"
    "  --threads N     rendering threads (default: setting workers)\n"
    "  --channel C     only channel C (desktop, elder, json, rss, sitemap, or an\n"
    "                  HTML channel the site's theme declares): for\n"
    "                  measuring; the other channels' files are removed\n"
    "\n"
    "A template error, a theme that lacks a page template or an output path that\n"
    "would leave the site's folder stops the site's run with a message naming the\n"
    "place; the live files and the manifest stay as they were.\n",
    cmd_render_run,
};
