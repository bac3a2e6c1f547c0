-- 0025_file.sql - uploaded files (附件, images, videos) of the resource
-- library: stored once per platform under their SHA-256 (content-addressed,
-- core/filestore.h), used by any number of items.
--
-- The bytes live in the file store folder (setting file_dir) at
-- <ab>/<cd>/<sha256>; this table records what they are, sniffed from the
-- bytes (never trusted from the name). A file is read by whoever may read
-- an item using it (so a published item's files are public), by the
-- readers of a site that uploaded it and by its uploader; it is written by
-- the item.write holders of a site. A file still used by an item cannot be
-- deleted (item_file.file_id ... ON DELETE RESTRICT).

CREATE TABLE file (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id       bigint NOT NULL REFERENCES site (id) ON DELETE RESTRICT,
    sites         bigint[] NOT NULL,
    sha256        text NOT NULL,
    size          bigint NOT NULL,
    mime_type     text NOT NULL,
    type_class    text NOT NULL,
    original_name text NOT NULL,
    width         integer,
    height        integer,
    uploaded_by   bigint REFERENCES app_user (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT file_sha256_key UNIQUE (sha256),
    CONSTRAINT file_sha256_shape CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT file_size_positive CHECK (size > 0),
    CONSTRAINT file_mime_shape CHECK (mime_type ~ '^[a-z0-9.+-]+/[A-Za-z0-9.+-]+$'),
    CONSTRAINT file_type_class CHECK (type_class IN ('document', 'image', 'archive', 'video')),
    CONSTRAINT file_name_shape CHECK (length(original_name) BETWEEN 1 AND 255
                                      AND original_name !~ '[/[:cntrl:]]'),
    CONSTRAINT file_dimensions CHECK ((width IS NULL) = (height IS NULL)
                                      AND (width IS NULL OR (width > 0 AND height > 0))),
    CONSTRAINT file_image_has_dimensions CHECK (type_class <> 'image' OR width IS NOT NULL),
    CONSTRAINT file_sites_has_site CHECK (site_id = ANY (sites))
);
CREATE INDEX file_site_idx ON file (site_id, created_at DESC);
CREATE INDEX file_sites_idx ON file USING gin (sites);

COMMENT ON TABLE file IS
    'An uploaded file, stored once per platform under its SHA-256 in the file store (setting file_dir); '
    'used by items through item_file. Type and dimensions are read from the bytes.';
COMMENT ON COLUMN file.site_id IS 'The site that uploaded these bytes first; its writers may delete the file while no item uses it.';
COMMENT ON COLUMN file.sites IS 'Every site that uploaded these bytes (an upload of the same content by another site adds it here): their readers see the file.';
COMMENT ON COLUMN file.sha256 IS 'SHA-256 of the bytes, lower-case hex; the path in the store is <ab>/<cd>/<sha256>.';
COMMENT ON COLUMN file.mime_type IS 'Media type sniffed from the bytes by libmagic (image/png, application/pdf ...).';
COMMENT ON COLUMN file.type_class IS 'document, image, archive or video: the class decides the size limit (settings file_max_*).';
COMMENT ON COLUMN file.original_name IS 'Name of the first upload (报告.pdf), offered as the download name.';
COMMENT ON COLUMN file.width IS 'Images: width in pixels, read from the bytes (PNG IHDR, JPEG SOF, GIF, WebP).';


CREATE TABLE item_file (
    site_id    bigint NOT NULL,
    item_id    bigint NOT NULL,
    file_id    bigint NOT NULL REFERENCES file (id) ON DELETE RESTRICT,
    sort       integer NOT NULL DEFAULT 0,
    caption    text,
    created_at timestamptz NOT NULL DEFAULT now(),

    PRIMARY KEY (item_id, file_id),
    CONSTRAINT item_file_item FOREIGN KEY (site_id, item_id)
        REFERENCES item (site_id, id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT item_file_caption_shape CHECK (caption IS NULL OR length(caption) <= 500)
);
CREATE INDEX item_file_file_idx ON item_file (file_id);

COMMENT ON TABLE item_file IS 'The files an item uses (attachments, pictures), in order; site_id is the item''s site.';
COMMENT ON COLUMN item_file.caption IS 'Caption or link text shown with the file on this item.';


-- Register stored bytes: insert the file, or, when these bytes are already
-- on the platform, add the site to the existing row's sites. A SECURITY
-- DEFINER function because the existing row may be invisible to the
-- uploader under row-level security (another site's draft attachment):
-- uploading the same bytes proves the uploader has them. The application
-- role must hold item.write on the site (on the site or a column of it).
-- Returns the file's id and whether the row is new.
CREATE FUNCTION jy_file_register(p_site bigint, p_sha256 text, p_size bigint, p_mime text,
                                 p_class text, p_name text, p_width integer, p_height integer,
                                 OUT file_id bigint, OUT created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF session_user = 'jiyue_app' AND NOT p_site = ANY (jy_perm_sites('item.write', false)) THEN
        RAISE EXCEPTION 'you may not upload files to site %', p_site
            USING ERRCODE = 'insufficient_privilege', COLUMN = 'site';
    END IF;
    INSERT INTO file (site_id, sites, sha256, size, mime_type, type_class, original_name,
                      width, height, uploaded_by)
    VALUES (p_site, ARRAY[p_site], p_sha256, p_size, p_mime, p_class, p_name, p_width, p_height,
            jy_actor())
    ON CONFLICT (sha256) DO NOTHING
    RETURNING id INTO file_id;
    IF file_id IS NOT NULL THEN
        created := true;
        RETURN;
    END IF;
    created := false;
    UPDATE file SET sites = sites || p_site
     WHERE sha256 = p_sha256 AND NOT p_site = ANY (sites)
    RETURNING id INTO file_id;
    IF file_id IS NULL THEN
        SELECT id INTO file_id FROM file WHERE sha256 = p_sha256;
    END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION jy_file_register(bigint, text, bigint, text, text, text, integer, integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jy_file_register(bigint, text, bigint, text, text, text, integer, integer)
    TO jiyue_app;
COMMENT ON FUNCTION jy_file_register(bigint, text, bigint, text, text, text, integer, integer) IS
    'Record stored bytes for a site: a new file row, or the site added to the row of the same bytes.';


-- Row-level security (docs/security.md).
ALTER TABLE file ENABLE ROW LEVEL SECURITY;
GRANT SELECT, DELETE ON file TO jiyue_app;
CREATE POLICY file_read ON file FOR SELECT
    USING (sites && (SELECT jy_perm_sites('item.read', false))::bigint[]
           OR uploaded_by = jy_actor()
           OR EXISTS (SELECT 1 FROM item_file f WHERE f.file_id = file.id));
CREATE POLICY file_delete ON file FOR DELETE
    USING (site_id = ANY ((SELECT jy_perm_sites('item.write'))::bigint[]));

-- Can the acting user see this file? For the policies of item_file, which
-- cannot name table file directly: file's own read policy names item_file,
-- and PostgreSQL refuses policies that refer to each other's tables
-- ("infinite recursion detected in policy"). A plpgsql function is not
-- inlined, so its query is planned on its own, under file's policies.
CREATE FUNCTION jy_file_visible(fid bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM file WHERE id = fid);
END
$$;
COMMENT ON FUNCTION jy_file_visible(bigint) IS
    'Whether the acting user may see file fid (row-level security of table file decides).';

-- item_file rows are seen with their item (item_read decides), written by
-- the item's site's writers, and only with a file the writer can see
ALTER TABLE item_file ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON item_file TO jiyue_app;
CREATE POLICY item_file_read ON item_file FOR SELECT
    USING (EXISTS (SELECT 1 FROM item i WHERE i.id = item_file.item_id));
CREATE POLICY item_file_insert ON item_file FOR INSERT
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[])
                AND EXISTS (SELECT 1 FROM item i WHERE i.id = item_file.item_id)
                AND jy_file_visible(file_id));
CREATE POLICY item_file_update ON item_file FOR UPDATE
    USING (site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[]))
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[])
                AND jy_file_visible(file_id));
CREATE POLICY item_file_delete ON item_file FOR DELETE
    USING (site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[]));

CREATE TRIGGER file_audit AFTER INSERT OR UPDATE OR DELETE ON file
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER item_file_audit AFTER INSERT OR UPDATE OR DELETE ON item_file
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
