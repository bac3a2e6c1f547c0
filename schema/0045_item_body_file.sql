-- 0045_item_body_file.sql - which stored files the body of an item links
-- (<img src="/files/<sha256>.<ext>">, <a href="/files/...">, as the console
-- writes them), kept by trigger when the body changes, so the renderer
-- knows every file a site's pages link without reading every body
-- (core/render_files.c): those files are placed in the site's tree at
-- files/<sha256>.<ext> and removed when no page links them any more.
--
-- Not a tenant table and not granted to the application role: only the
-- trigger (running as the owner) writes it and only the renderer reads it.

CREATE TABLE item_body_file (
    item_id bigint NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    sha256  text NOT NULL,
    ext     text NOT NULL,

    PRIMARY KEY (item_id, sha256, ext),
    CONSTRAINT item_body_file_sha256_shape CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT item_body_file_ext_shape CHECK (ext ~ '^[A-Za-z0-9]{1,8}$')
);
CREATE INDEX item_body_file_sha256_idx ON item_body_file (sha256);
ALTER TABLE item_body_file ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE item_body_file IS
    'Stored files an item''s body links as /files/<sha256>.<ext> (maintained by trigger from item.body; '
    'the renderer places them in the trees of the sites showing the item).';
COMMENT ON COLUMN item_body_file.ext IS 'The extension as the body writes it: the file is placed under exactly that name.';

-- The links of a sanitised body: attributes are double-quoted (core/sanitize.h).
CREATE FUNCTION jy_body_files(body text) RETURNS TABLE (sha256 text, ext text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT m[1], m[2]
      FROM regexp_matches(coalesce(body, ''), '="/files/([0-9a-f]{64})\.([A-Za-z0-9]{1,8})"', 'g') m
$$;
COMMENT ON FUNCTION jy_body_files(text) IS
    'The stored files an HTML body links as ="/files/<sha256>.<ext>": hash and extension.';

CREATE FUNCTION jy_item_body_files() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM item_body_file WHERE item_id = NEW.id;
    END IF;
    INSERT INTO item_body_file (item_id, sha256, ext)
    SELECT NEW.id, b.sha256, b.ext FROM jy_body_files(NEW.body) b
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

-- an insert costs nothing for bodies without stored files (imports)
CREATE TRIGGER item_body_file_insert AFTER INSERT ON item
    FOR EACH ROW WHEN (NEW.body LIKE '%/files/%') EXECUTE FUNCTION jy_item_body_files();
CREATE TRIGGER item_body_file_update AFTER UPDATE OF body ON item
    FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body) EXECUTE FUNCTION jy_item_body_files();

INSERT INTO item_body_file (item_id, sha256, ext)
SELECT i.id, b.sha256, b.ext FROM item i, jy_body_files(i.body) b WHERE i.body LIKE '%/files/%';
