-- 0050_mirror.sql - distribution to mirrors (issue 7): where a site's
-- rendered tree goes, what each mirror has confirmed, and the durable queue
-- of pushes still to do.
--
-- The renderer's manifest (render_file, 0040) is what a mirror must hold.
-- mirror_file is what the mirror was last seen to hold: a row is written
-- only after the server accepted the bytes, with the SHA-256 of the bytes
-- actually sent. A push sends the difference of the two (new and changed
-- files, assets before pages, deletions last).
--
-- The queue holds at most one job per mirror: a job means "converge this
-- mirror to the manifest as it is when you run", never "replay generation
-- N", so a mirror that was down for 500 generations catches up in one
-- push. A trigger on render_generation enqueues the jobs when a generation
-- finishes, inside the renderer's own transaction: no render is ever
-- finished without its pushes queued. Pushers take jobs with FOR UPDATE
-- SKIP LOCKED and hold a session advisory lock on the mirror while they
-- push (released by PostgreSQL if the process dies), so each mirror has one
-- pusher at a time: per-mirror order is kept, and a later manifest is never
-- overwritten by an earlier one.
--
-- Rights: mirrors, their state and their credentials are platform
-- business. Platform admins (site.manage on the root site) manage them;
-- site administrators may read their own site's mirrors and status; the
-- credentials are readable by platform admins only and never enter the
-- audit log. The pusher runs as the system (owner role).

CREATE FUNCTION jy_is_platform_admin() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT (SELECT id FROM site WHERE parent_id IS NULL) = ANY (jy_perm_sites('site.manage'))
$$;
COMMENT ON FUNCTION jy_is_platform_admin() IS
    'Does the acting user hold site.manage on the root site (平台管理员)?';


CREATE TABLE mirror (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id       bigint NOT NULL REFERENCES site (id) ON DELETE CASCADE,
    name          text NOT NULL,
    kind          text NOT NULL,
    url           text NOT NULL,
    channels      text[],
    enabled       boolean NOT NULL DEFAULT true,
    max_parallel  integer NOT NULL DEFAULT 4,
    verify_sample integer NOT NULL DEFAULT 3,
    timeout_s     integer NOT NULL DEFAULT 30,
    host_key_sha256 text,
    created_at    timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT mirror_site_name_key UNIQUE (site_id, name),
    CONSTRAINT mirror_id_site_key UNIQUE (id, site_id),
    CONSTRAINT mirror_name_shape CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    CONSTRAINT mirror_kind CHECK (kind IN ('folder', 'webdav', 'sftp')),
    CONSTRAINT mirror_url_shape CHECK (
        length(url) <= 1024 AND url !~ '[[:space:][:cntrl:]]'
        AND CASE kind WHEN 'folder' THEN url ~ '^/' AND url !~ '(^|/)\.\.?(/|$)'
                      WHEN 'webdav' THEN url ~* '^https?://[^/@?#]+(/[^?#]*)?$'
                      WHEN 'sftp' THEN url ~* '^sftp://[^/@?#]+/[^?#]*$' END),
    CONSTRAINT mirror_channels_shape CHECK (
        channels IS NULL OR (cardinality(channels) > 0
                             AND array_to_string(channels, ',') ~ '^[a-z0-9_-]+(,[a-z0-9_-]+)*$')),
    CONSTRAINT mirror_max_parallel CHECK (max_parallel BETWEEN 1 AND 64),
    CONSTRAINT mirror_verify_sample CHECK (verify_sample >= -1),
    CONSTRAINT mirror_timeout CHECK (timeout_s BETWEEN 1 AND 3600),
    CONSTRAINT mirror_host_key_shape CHECK (
        host_key_sha256 IS NULL OR (kind = 'sftp' AND host_key_sha256 ~ '^[A-Za-z0-9+/]{43}=?$'))
);

COMMENT ON TABLE mirror IS
    'A web server that serves a site''s rendered tree (or some channels of it): a local folder, '
    'a WebDAV server (PUT, DELETE, MKCOL) or an SFTP server. Credentials live in mirror_credential.';
COMMENT ON COLUMN mirror.name IS 'Short name, unique within the site: intranet, cdn-origin ...';
COMMENT ON COLUMN mirror.url IS
    'Where the site''s root goes: /srv/www/1304000009 (folder), https://m1.example.cn/dav/1304000009/ '
    '(webdav), sftp://m2.example.cn:22/var/www/1304000009/ (sftp). Never holds a user or password.';
COMMENT ON COLUMN mirror.channels IS 'Only files of these channels (desktop, elder, json ...); NULL: every file of the site.';
COMMENT ON COLUMN mirror.max_parallel IS 'Transfers to this mirror at the same time.';
COMMENT ON COLUMN mirror.verify_sample IS 'Files fetched back and hashed after each push: 0 none, -1 every file sent.';
COMMENT ON COLUMN mirror.timeout_s IS 'A transfer slower than 1 KiB/s for this long, or a connection not made in this time, fails.';
COMMENT ON COLUMN mirror.host_key_sha256 IS 'SFTP: the server''s host key, SHA-256 in base64 as ssh-keygen -l prints it (without "SHA256:").';

CREATE TRIGGER mirror_audit AFTER INSERT OR UPDATE OR DELETE ON mirror
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();

ALTER TABLE mirror ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON mirror TO jiyue_app;
CREATE POLICY mirror_read ON mirror FOR SELECT
    USING (site_id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]));
CREATE POLICY mirror_write ON mirror FOR ALL
    USING ((SELECT jy_is_platform_admin()))
    WITH CHECK ((SELECT jy_is_platform_admin()));


-- Credentials, apart from the mirror so that reading a mirror never reads
-- a secret. No jy_audit_row trigger (it would copy the password into the
-- audit log): changes are recorded as events without values.
CREATE TABLE mirror_credential (
    mirror_id  bigint PRIMARY KEY,
    site_id    bigint NOT NULL,
    username   text,
    password   text,
    ssh_key    text,
    ssh_pubkey text,
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT mirror_credential_mirror FOREIGN KEY (mirror_id, site_id)
        REFERENCES mirror (id, site_id) ON DELETE CASCADE,
    CONSTRAINT mirror_credential_username CHECK (username IS NULL OR username ~ '^[^[:cntrl:]:]{1,128}$'),
    CONSTRAINT mirror_credential_password CHECK (password IS NULL OR length(password) BETWEEN 1 AND 1024),
    CONSTRAINT mirror_credential_keys CHECK (
        (ssh_key IS NULL OR ssh_key ~ '^/') AND (ssh_pubkey IS NULL OR ssh_pubkey ~ '^/'))
);
COMMENT ON TABLE mirror_credential IS
    'How the pusher logs in to a mirror. Readable by platform admins only; never printed or logged.';
COMMENT ON COLUMN mirror_credential.password IS 'WebDAV or SFTP password, or the passphrase of ssh_key.';
COMMENT ON COLUMN mirror_credential.ssh_key IS 'SFTP: path of the private key file on every machine that runs a pusher.';

CREATE FUNCTION jy_mirror_credential_audit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r mirror_credential := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
    PERFORM jy_audit('mirror.credential.' || lower(TG_OP), 'mirror', r.mirror_id::text, r.site_id,
                     NULL, jsonb_build_object('username', r.username,
                                              'password', r.password IS NOT NULL,
                                              'ssh_key', r.ssh_key));
    RETURN NULL;
END
$$;
CREATE TRIGGER mirror_credential_audit AFTER INSERT OR UPDATE OR DELETE ON mirror_credential
    FOR EACH ROW EXECUTE FUNCTION jy_mirror_credential_audit();

ALTER TABLE mirror_credential ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON mirror_credential TO jiyue_app;
CREATE POLICY mirror_credential_admin ON mirror_credential FOR ALL
    USING ((SELECT jy_is_platform_admin()))
    WITH CHECK ((SELECT jy_is_platform_admin()));


-- What each mirror holds, as far as the pusher knows: written only after
-- the server accepted the bytes (and after verification found them wrong,
-- removed again).
CREATE TABLE mirror_file (
    mirror_id    bigint NOT NULL,
    site_id      bigint NOT NULL,
    path         text NOT NULL,
    size         bigint NOT NULL,
    sha256       text NOT NULL,
    confirmed_at timestamptz NOT NULL DEFAULT now(),

    PRIMARY KEY (mirror_id, path),
    CONSTRAINT mirror_file_mirror FOREIGN KEY (mirror_id, site_id)
        REFERENCES mirror (id, site_id) ON DELETE CASCADE,
    CONSTRAINT mirror_file_sha256_shape CHECK (sha256 ~ '^[0-9a-f]{64}$')
);
COMMENT ON TABLE mirror_file IS
    'The confirmed manifest of a mirror: files the server accepted, with the SHA-256 of the bytes sent.';

ALTER TABLE mirror_file ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON mirror_file TO jiyue_app;
CREATE POLICY mirror_file_read ON mirror_file FOR SELECT
    USING (site_id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]));


-- State of each mirror as the pushers see it (not audited: it changes on
-- every push; the audit log is for what people do).
CREATE TABLE mirror_status (
    mirror_id        bigint PRIMARY KEY,
    site_id          bigint NOT NULL,
    state            text NOT NULL DEFAULT 'new',
    failures         integer NOT NULL DEFAULT 0,
    confirmed_generation bigint,
    confirmed_at     timestamptz,
    last_push_at     timestamptz,
    last_push_files  integer NOT NULL DEFAULT 0,
    last_push_bytes  bigint NOT NULL DEFAULT 0,
    last_push_ms     integer,
    last_error       text,
    last_error_path  text,
    last_error_at    timestamptz,
    pusher           text,

    CONSTRAINT mirror_status_mirror FOREIGN KEY (mirror_id, site_id)
        REFERENCES mirror (id, site_id) ON DELETE CASCADE,
    CONSTRAINT mirror_status_state CHECK (state IN ('new', 'ok', 'pushing', 'retrying', 'degraded'))
);
COMMENT ON TABLE mirror_status IS
    'Per mirror: new (never pushed), ok, pushing, retrying (last push failed), degraded (failed '
    'again and again, or refused our credentials); the last error with the server''s words.';
COMMENT ON COLUMN mirror_status.confirmed_generation IS
    'The newest render_generation whose manifest the mirror held completely after a push.';
COMMENT ON COLUMN mirror_status.pusher IS 'host:pid of the pusher working on the mirror now, or last.';

ALTER TABLE mirror_status ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON mirror_status TO jiyue_app;
CREATE POLICY mirror_status_read ON mirror_status FOR SELECT
    USING (site_id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]));


-- The durable queue: at most one row per mirror. seq grows with every
-- request, so a pusher that finishes knows whether a newer request came in
-- meanwhile (then the row stays and runs again).
CREATE TABLE push_job (
    mirror_id    bigint PRIMARY KEY,
    site_id      bigint NOT NULL,
    seq          bigint NOT NULL DEFAULT 1,
    generation   bigint,
    reason       text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    run_after    timestamptz NOT NULL DEFAULT now(),
    attempts     integer NOT NULL DEFAULT 0,

    CONSTRAINT push_job_mirror FOREIGN KEY (mirror_id, site_id)
        REFERENCES mirror (id, site_id) ON DELETE CASCADE
);
CREATE INDEX push_job_due_idx ON push_job (run_after);
COMMENT ON TABLE push_job IS
    'A mirror that must converge to its site''s manifest: one row per mirror, taken by pushers with '
    'FOR UPDATE SKIP LOCKED. run_after delays retries (exponential backoff with jitter).';
COMMENT ON COLUMN push_job.generation IS 'Newest finished render_generation when last requested (informative).';

ALTER TABLE push_job ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON push_job TO jiyue_app;
CREATE POLICY push_job_read ON push_job FOR SELECT
    USING (site_id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]));


-- Ask for a push of mirror m (or every enabled mirror of site s when m is
-- NULL). A job waiting for its retry time keeps it (a new render does not
-- break a failing mirror's backoff); a fresh one runs now. Tells pushers
-- through NOTIFY jy_push. Runs as the caller: the application role cannot
-- write push_job, so only the system (renderer, CLI, pusher) enqueues.
CREATE FUNCTION jy_push_enqueue(s bigint, m bigint, why text, gen bigint DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO push_job AS j (mirror_id, site_id, generation, reason)
    SELECT mi.id, mi.site_id, gen, why FROM mirror mi
     WHERE mi.site_id = s AND mi.enabled AND (m IS NULL OR mi.id = m)
    ON CONFLICT (mirror_id) DO UPDATE
       SET seq = j.seq + 1,
           generation = greatest(j.generation, excluded.generation),
           reason = excluded.reason,
           run_after = CASE WHEN j.attempts = 0 OR m IS NOT NULL THEN least(j.run_after, now())
                            ELSE j.run_after END;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('jy_push', s::text);
    END IF;
    RETURN n;
END
$$;
COMMENT ON FUNCTION jy_push_enqueue(bigint, bigint, text, bigint) IS
    'Queue a push of one mirror (or of every enabled mirror of the site) to the current manifest.';

CREATE FUNCTION jy_render_generation_finished() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM jy_push_enqueue(NEW.site_id, NULL, 'generation ' || NEW.id, NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER render_generation_push AFTER UPDATE OF finished_at ON render_generation
    FOR EACH ROW WHEN (OLD.finished_at IS NULL AND NEW.finished_at IS NOT NULL)
    EXECUTE FUNCTION jy_render_generation_finished();
CREATE TRIGGER render_generation_push_insert AFTER INSERT ON render_generation
    FOR EACH ROW WHEN (NEW.finished_at IS NOT NULL)
    EXECUTE FUNCTION jy_render_generation_finished();

-- A new or re-enabled mirror starts with a full push.
CREATE FUNCTION jy_mirror_start() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO mirror_status (mirror_id, site_id) VALUES (NEW.id, NEW.site_id);
    END IF;
    IF NEW.enabled THEN
        PERFORM jy_push_enqueue(NEW.site_id, NEW.id, 'mirror added or changed');
    ELSE
        DELETE FROM push_job WHERE mirror_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER mirror_start AFTER INSERT OR UPDATE ON mirror
    FOR EACH ROW EXECUTE FUNCTION jy_mirror_start();


-- Lag of every mirror: files still to send or delete, and seconds since
-- the oldest finished generation the mirror has not confirmed.
CREATE VIEW mirror_lag WITH (security_invoker = true) AS
SELECT m.id AS mirror_id, m.site_id,
       (SELECT count(*) FROM render_file r
         LEFT JOIN mirror_file f ON f.mirror_id = m.id AND f.path = r.path
         WHERE r.site_id = m.site_id AND (m.channels IS NULL OR r.channel = ANY (m.channels))
           AND (f.path IS NULL OR f.sha256 <> r.sha256 OR f.size <> r.size))
     + (SELECT count(*) FROM mirror_file f
         WHERE f.mirror_id = m.id
           AND NOT EXISTS (SELECT 1 FROM render_file r
                            WHERE r.site_id = m.site_id AND r.path = f.path
                              AND (m.channels IS NULL OR r.channel = ANY (m.channels))))
       AS lag_files,
       coalesce(extract(epoch FROM now() - (
           SELECT min(g.finished_at) FROM render_generation g
            WHERE g.site_id = m.site_id AND g.finished_at IS NOT NULL
              AND g.id > coalesce(st.confirmed_generation, 0))), 0)::bigint AS lag_seconds
FROM mirror m
LEFT JOIN mirror_status st ON st.mirror_id = m.id;
COMMENT ON VIEW mirror_lag IS 'Per mirror: files and seconds behind its site''s manifest.';
GRANT SELECT ON mirror_lag TO jiyue_app;
