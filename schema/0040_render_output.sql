-- 0040_render_output.sql - what the static generator has written: the
-- manifest of every site's published tree, the contract between the
-- renderer (core/render*.c) and the pusher (core/mirror*.c).
--
-- A site's output is one folder tree, <output_dir>/<site code>/ (setting
-- output_dir, default var/www); the desktop channel is its
-- root, every other channel lives under its own prefix (elder/ for 长辈版,
-- api/ for the JSON channel ...). render_file holds one row per file now
-- in that tree: path relative to the site's root, size and SHA-256 of the
-- bytes. A row exists only once its file has been renamed into place, and
-- is deleted when its file is removed, so the table is always the
-- manifest a mirror must converge to. Rows are written by the renderer,
-- running as the platform (table owner); the application role only reads
-- them (published output is public).

CREATE TABLE render_generation (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES site (id) ON DELETE CASCADE,
    reason      text NOT NULL,
    full_build  boolean NOT NULL DEFAULT false,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    written     integer NOT NULL DEFAULT 0,
    removed     integer NOT NULL DEFAULT 0,
    bytes       bigint NOT NULL DEFAULT 0
);
CREATE INDEX render_generation_site_idx ON render_generation (site_id, id DESC);

COMMENT ON TABLE render_generation IS
    'One run of the renderer over one site (full or incremental). When it finishes, '
    'NOTIFY jy_render with payload "<site_id> <generation id>" tells pushers to look.';
COMMENT ON COLUMN render_generation.reason IS 'Why it ran: full, item 42, column 7, template layout.html ...';


CREATE TABLE render_file (
    site_id    bigint NOT NULL REFERENCES site (id) ON DELETE CASCADE,
    path       text NOT NULL,
    channel    text NOT NULL,
    size       bigint NOT NULL,
    sha256     text NOT NULL,
    is_asset   boolean NOT NULL,
    generation bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),

    PRIMARY KEY (site_id, path),
    CONSTRAINT render_file_path_shape CHECK (
        path ~ '^[A-Za-z0-9._~-][A-Za-z0-9._~/-]*$' AND path !~ '(^|/)\.\.?(/|$)'
        AND path !~ '//' AND path !~ '/$' AND length(path) <= 1024),
    CONSTRAINT render_file_sha256_shape CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT render_file_size CHECK (size >= 0)
);
CREATE INDEX render_file_generation_idx ON render_file (site_id, generation);

COMMENT ON TABLE render_file IS
    'The manifest of a site''s published tree: every file the renderer has in place now. '
    'A mirror converges to this set (new and changed files, then deletions).';
COMMENT ON COLUMN render_file.path IS
    'Relative to the site''s root: index.html, elder/index.html, api/columns/7/1.json, assets/site.3f9a1c.css. '
    'ASCII only, no empty, . or .. segment, no leading or trailing slash.';
COMMENT ON COLUMN render_file.channel IS 'desktop, elder, json, feed, sitemap, asset ...: which channel wrote the file.';
COMMENT ON COLUMN render_file.is_asset IS
    'CSS, JS, images, attachments: pushed before pages so that no page on a mirror refers to what has not arrived.';
COMMENT ON COLUMN render_file.generation IS 'The render_generation that last wrote the file.';

ALTER TABLE render_generation ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON render_generation TO jiyue_app;
CREATE POLICY render_generation_read ON render_generation FOR SELECT USING (true);

ALTER TABLE render_file ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON render_file TO jiyue_app;
CREATE POLICY render_file_read ON render_file FOR SELECT USING (true);
