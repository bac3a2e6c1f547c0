/*
 * render.h - the static generator: every site rendered from the resource
 * library into a folder tree per site, with its manifest (render_file) and
 * the dependencies of every file (render_dep).
 *
 * Output. Site S is written to <output_dir>/<S's code>, a symbolic link to
 * the folder of the build that is live (<output_dir>/.builds/<code>.<gen>).
 * A full build writes a new folder beside the live one and switches the
 * link with one rename(2): visitors and pushers see the old tree or the
 * new one, never a mix. An incremental build writes into the live folder,
 * each file to a temporary name renamed into place. Unchanged files (same
 * SHA-256 as in the manifest) are not rewritten, so mirrors get nothing.
 *
 * Channels (site.channels): desktop at the root; elder (长辈版) under
 * elder/; json (for apps) under api/; rss (rss.xml per list column);
 * sitemap (sitemap.xml, robots.txt). mobile is the desktop channel (one
 * responsive URL). Stored files the pages link are placed at
 * files/<sha256>.<ext> (opts->file_dir is the file store).
 *
 * Incremental builds. Triggers write every change of items, placements,
 * tags, relations, columns and sites into render_change
 * (schema/0041_render_plan.sql). jy_render_pending() takes them, finds the
 * sites they can touch (files that depended on the changed rows, and sites
 * that show the changed items now), plans each such site again (cheap: no
 * rendering) and renders only the files that are new or whose
 * dependencies changed, and removes the files that no longer exist.
 *
 * Batches and threads. Sites are handled in batches (8 sites in a full
 * build; a pending run cuts its affected sites into four): one statement
 * per kind reads every site of a batch (no query per site, none per page),
 * opts->threads threads render the pages of all its sites from one queue,
 * each with its own template sets and memory pool, and one transaction
 * records them (one COPY per table). Batches are pipelined: two loader
 * threads read and plan the next batches on connections of their own
 * while batch k renders and records on the caller's.
 */
#ifndef JY_CORE_RENDER_H
#define JY_CORE_RENDER_H

#include <stdbool.h>
#include <stdio.h>

struct jy_buf;
struct jy_db;
struct jy_err;
struct jy_pool;

struct jy_render_opts {
    const char *output_dir;   /* setting output_dir */
    const char *share_dir;    /* setting share_dir: themes/ */
    const char *file_dir;     /* setting file_dir: the file store, for the files pages link */
    int threads;              /* 0: 2 */
    bool full;                /* build the whole site beside the live tree and switch */
    FILE *progress;           /* a terminal to draw progress on, or NULL */
    const char *only_channel; /* NULL: every channel of the site; "desktop" ... (benchmarks) */
};

struct jy_render_stats {
    long long sites;
    long long pages;     /* files rendered (pages and assets) */
    long long written;   /* of those, new or changed: written */
    long long unchanged; /* same bytes as before: not written */
    long long removed;   /* files that no longer exist, deleted */
    long long bytes;     /* of the files rendered */
    double seconds;
    double plan_seconds; /* of seconds: reading and planning */
};

/*
 * True for a path the renderer may write, and a preview may read, inside a
 * site's folder: relative, ASCII letters, digits and ._~-, no empty, "." or
 * ".." segment (the shape render_file.path checks too).
 */
bool jy_render_path_ok(const char *path);

/* Render site (its code or id) in full. */
int jy_render_site(struct jy_db *db, const struct jy_render_opts *opts, const char *site,
                   struct jy_render_stats *stats, struct jy_err *err);

/* Render every open site (not units) in full. */
int jy_render_all(struct jy_db *db, const struct jy_render_opts *opts,
                  struct jy_render_stats *stats, struct jy_err *err);

/*
 * Handle the changes waiting in render_change: render what they touch.
 * A site never rendered is rendered in full when it changed itself (a new
 * site, its columns or settings); otherwise it is left alone.
 */
int jy_render_pending(struct jy_db *db, const struct jy_render_opts *opts,
                      struct jy_render_stats *stats, struct jy_err *err);

/*
 * Why file `path` of site exists and what it depends on, as lines of text
 * appended to out. JY_E_NOT_FOUND when the site has no such file.
 */
int jy_render_explain(struct jy_db *db, struct jy_pool *pool, const char *site, const char *path,
                      struct jy_buf *out, struct jy_err *err);

/*
 * Preview (core/render_preview.c): page `path` of site as it would be
 * rendered with the placements ids (a PostgreSQL array literal, "{1,2}")
 * published now, into out. Runs in a transaction it always rolls back, so
 * nothing changes; db must act as the system (jy_db_set_actor 0): the
 * ids decide what is shown, and they come from jy_render_preview_ids() on
 * the person's own connection. JY_E_NOT_FOUND when the site has no such
 * page.
 */
int jy_render_preview(struct jy_db *db, struct jy_pool *pool, const char *share_dir,
                      long long site_id, const char *ids, const char *path, struct jy_buf *out,
                      struct jy_err *err);

/*
 * The draft, submitted and approved placements that the actor of
 * as_person may read (row-level security) in the columns site shows: its
 * own and the sources its columns reuse (the newest 1,000). An array
 * literal in pool, "{}" when none; NULL with err set on failure.
 */
const char *jy_render_preview_ids(struct jy_db *as_person, struct jy_pool *pool, long long site_id,
                                  struct jy_err *err);

#endif /* JY_CORE_RENDER_H */
