-- 0020_import_key.sql - what bulk import and export of the corpus format
-- (../shared/bench/README.md, core/import.h, core/export.h) and the query
-- API (core/query.h) need from the schema: the map from the ids of an import
-- source to the platform's rows, which placement is an item's primary one,
-- the order of an item's tags, and their publication time for tag pages.
--
-- Why a map table and not a column "external id" on site, site_column and
-- item: one platform takes data from several sources (the benchmark corpus,
-- a legacy CMS, another platform's export), each numbering its records from
-- 1; a row may be known to several of them; and the tenant tables stay free
-- of importer concerns. docs/model.md, "Import and export", has the rules.

CREATE TABLE import_key (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source     text NOT NULL,
    kind       text NOT NULL,
    ext_id     bigint NOT NULL,
    local_id   bigint NOT NULL,
    site_id    bigint NOT NULL REFERENCES site (id) ON DELETE CASCADE,
    pending    jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT import_key_ext_key UNIQUE (source, kind, ext_id),
    -- one platform row is one record of a source
    CONSTRAINT import_key_local_key UNIQUE (source, kind, local_id),
    CONSTRAINT import_key_source_shape CHECK (source ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    CONSTRAINT import_key_kind CHECK (kind IN ('site', 'column', 'item')),
    CONSTRAINT import_key_ext_id_positive CHECK (ext_id > 0),
    CONSTRAINT import_key_pending_object CHECK (jsonb_typeof(pending) = 'object')
);
CREATE INDEX import_key_pending_idx ON import_key (site_id) WHERE pending IS NOT NULL;
CREATE INDEX import_key_site_idx ON import_key (site_id);

COMMENT ON TABLE import_key IS
    'Map from the record ids of an import source (a corpus folder, a legacy CMS) to platform rows: '
    'jiyue import finds the rows it created before through it, so importing the same data twice '
    'changes nothing, and jiyue export writes these ids back. Rows whose platform row was deleted '
    'are ignored (the record is imported anew).';
COMMENT ON COLUMN import_key.source IS 'Name of the source (jiyue import --source, default "corpus"): ids are unique per source.';
COMMENT ON COLUMN import_key.kind IS 'site (local_id is site.id), column (site_column.id) or item (item.id).';
COMMENT ON COLUMN import_key.ext_id IS 'Id of the record in the source (the "id" of a line of sites.jsonl, columns.jsonl, articles.jsonl).';
COMMENT ON COLUMN import_key.local_id IS 'Id of the platform row; no foreign key (three tables): a dangling key means the row was deleted.';
COMMENT ON COLUMN import_key.pending IS
    'Values of the source record the platform could not store as given, for editors to complete: '
    '{"validity": "已废止"} for a document repealed by one the source does not name (stored as 已失效 '
    'meanwhile). Export writes them back while the row still holds the stand-in.';
COMMENT ON COLUMN import_key.site_id IS 'Site of the row (the site itself, the column''s, the item''s owning site): row-level security and distribution by site.';

-- Readable where the reader may read items; written only by the system
-- (import and export run as the owner role).
ALTER TABLE import_key ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON import_key TO jiyue_app;
CREATE POLICY import_key_read ON import_key FOR SELECT
    USING (site_id = ANY ((SELECT jy_perm_sites('item.read', false))::bigint[]));
CREATE TRIGGER import_key_audit AFTER INSERT OR UPDATE OR DELETE ON import_key
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();


-- The primary placement of an item: the column where the item lives (its
-- canonical page, the first of "column_ids" in the corpus format); the other
-- placements list it and link there.
ALTER TABLE placement ADD COLUMN is_primary boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX placement_one_primary ON placement (item_id) WHERE is_primary;
COMMENT ON COLUMN placement.is_primary IS
    'The item''s home column (its canonical page); at most one per item. Other placements list the item and link to it.';

-- The order of an item's tags as its editor (or the import) gave them.
ALTER TABLE item_tag ADD COLUMN sort smallint NOT NULL DEFAULT 0;
COMMENT ON COLUMN item_tag.sort IS 'Position among the item''s tags, 0 first (the main tag); ties by tag name.';

-- A tag page lists the items of a tag newest first (core/query.h). With the
-- publication time in item_tag itself, page 1 of any tag, frequent or rare,
-- is the start of one index range; read through item, the planner has to
-- guess how far down the newest items it must go to find twenty with the
-- tag, and guesses badly for the rare ones. The copy is kept by triggers:
-- every insert of item_tag takes the item's time, every change of the
-- item's time reaches its tags.
ALTER TABLE item_tag ADD COLUMN publish_at timestamptz;
COMMENT ON COLUMN item_tag.publish_at IS
    'Copy of item.publish_at (kept by triggers) so that a tag''s newest items are one range of item_tag_list_idx.';
CREATE INDEX item_tag_list_idx ON item_tag (tag_id, publish_at DESC, item_id DESC) INCLUDE (site_id)
    WHERE publish_at IS NOT NULL;

CREATE FUNCTION jy_item_tag_publish_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.publish_at := (SELECT publish_at FROM item WHERE id = NEW.item_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER item_tag_publish_at BEFORE INSERT OR UPDATE OF item_id, publish_at ON item_tag
    FOR EACH ROW EXECUTE FUNCTION jy_item_tag_publish_at();

-- SECURITY DEFINER: whoever may change an item's time keeps its tags in
-- step, whatever item_tag privileges they hold.
CREATE FUNCTION jy_item_publish_at_to_tags() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE item_tag SET publish_at = NEW.publish_at WHERE item_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER item_publish_at_to_tags AFTER UPDATE OF publish_at ON item
    FOR EACH ROW WHEN (OLD.publish_at IS DISTINCT FROM NEW.publish_at)
    EXECUTE FUNCTION jy_item_publish_at_to_tags();
