-- 0036_revision_links.sql - a revision is the whole state an editor sees,
-- not only the item's row: its tags, its links to other items and the links
-- of interpretations to it (interpretation links are read both ways), and
-- the files it uses (item_file). Restoring a revision brings all of it back
-- (core/item.c jy_item_restore), and a diff shows it.
--
-- item_revision.links holds that state as JSON:
--   {"tags": [{"tag": 7, "sort": 0}, ...],                 item_tag, in order
--    "relations": [{"to": 12, "kind": "interprets", "sort": 1}, ...],
--    "interpreted_by": [{"from": 34, "sort": 1}, ...],      interpretations of it
--    "files": [{"file": 5, "sort": 0, "caption": "通知原文"}, ...]}
-- NULL: not recorded (revisions older than this migration but the current
-- one, which gets today's state below).
--
-- When it is written: the row trigger of 0004/0030 writes a revision when the
-- row changes; a change of tags, links or files alone changes no row, so
-- every write path ends with jy_item_revision_sync(items): a revision written
-- by the same transaction gets the state as it is at the end of the write,
-- and an item whose state differs from its last revision's gets a new
-- revision (revision = revision + 1, which the bump trigger now accepts as
-- "a new revision, though the row is the same").

ALTER TABLE item_revision ADD COLUMN links jsonb;
ALTER TABLE item_revision ADD COLUMN tx xid8;
ALTER TABLE item_revision ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
ALTER TABLE item_revision ADD CONSTRAINT item_revision_links_object
    CHECK (links IS NULL OR jsonb_typeof(links) = 'object');
COMMENT ON COLUMN item_revision.links IS
    'Tags, relations both ways and files of the item at this revision (see schema/0036); NULL: not recorded.';
COMMENT ON COLUMN item_revision.tx IS
    'Transaction that wrote the revision: the same transaction may complete its links (jy_item_revision_sync).';

-- The state of many items at once, set-based (the importer syncs 20,000 at a time).
CREATE FUNCTION jy_item_links_of(p_items bigint[]) RETURNS TABLE (item_id bigint, links jsonb)
LANGUAGE sql STABLE AS $$
    SELECT i.id, jsonb_build_object(
        'tags', coalesce(t.v, '[]'::jsonb), 'relations', coalesce(r.v, '[]'::jsonb),
        'interpreted_by', coalesce(b.v, '[]'::jsonb), 'files', coalesce(f.v, '[]'::jsonb))
      FROM unnest(p_items) AS i (id)
      LEFT JOIN (SELECT x.item_id, jsonb_agg(jsonb_build_object('tag', x.tag_id, 'sort', x.sort)
                                             ORDER BY x.sort, g.name) AS v
                   FROM item_tag x JOIN tag g ON g.id = x.tag_id
                  WHERE x.item_id = ANY (p_items) GROUP BY x.item_id) t ON t.item_id = i.id
      LEFT JOIN (SELECT x.from_id, jsonb_agg(jsonb_build_object('to', x.to_id, 'kind', x.kind,
                                                                'sort', x.sort)
                                             ORDER BY x.kind, x.sort, x.to_id) AS v
                   FROM item_relation x WHERE x.from_id = ANY (p_items) GROUP BY x.from_id) r
             ON r.from_id = i.id
      LEFT JOIN (SELECT x.to_id, jsonb_agg(jsonb_build_object('from', x.from_id, 'sort', x.sort)
                                           ORDER BY x.from_id) AS v
                   FROM item_relation x WHERE x.to_id = ANY (p_items) AND x.kind = 'interprets'
                  GROUP BY x.to_id) b ON b.to_id = i.id
      LEFT JOIN (SELECT x.item_id, jsonb_agg(jsonb_build_object('file', x.file_id, 'sort', x.sort,
                                                                'caption', x.caption)
                                             ORDER BY x.sort, x.file_id) AS v
                   FROM item_file x WHERE x.item_id = ANY (p_items) GROUP BY x.item_id) f
             ON f.item_id = i.id
$$;
COMMENT ON FUNCTION jy_item_links_of(bigint[]) IS
    'Tags, relations (both ways for interpretations) and files of each item, as item_revision.links holds them.';

CREATE FUNCTION jy_item_links(p_item bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT links FROM jy_item_links_of(ARRAY[p_item])
$$;

-- A new revision also when asked for explicitly: revision = revision + 1
-- with the row unchanged (the links changed).
CREATE OR REPLACE FUNCTION jy_item_revision_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    meta CONSTANT text[] := '{revision,created_at,updated_at,created_by,updated_by}';
BEGIN
    IF (to_jsonb(NEW) - meta) IS DISTINCT FROM (to_jsonb(OLD) - meta) THEN
        NEW.revision := OLD.revision + 1;
    ELSIF NEW.revision = OLD.revision + 1 THEN
        NULL; -- asked for: the state around the row changed
    ELSE
        NEW.revision := OLD.revision;
    END IF;
    RETURN NEW;
END
$$;

-- As in 0030, with the links: none for a new item (nothing can point to a
-- row that did not exist), the state as it is for a change.
CREATE OR REPLACE FUNCTION jy_item_revision_save() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.revision <> OLD.revision THEN
        INSERT INTO item_revision (item_id, site_id, rev, data, saved_by, note, links)
        VALUES (NEW.id, NEW.site_id, NEW.revision,
                to_jsonb(NEW) - '{id,site_id,revision,created_at,updated_at,created_by,updated_by}'::text[],
                COALESCE(NEW.updated_by, NEW.created_by),
                NULLIF(current_setting('jy.revision_note', true), ''),
                CASE WHEN TG_OP = 'INSERT'
                     THEN '{"tags": [], "relations": [], "interpreted_by": [], "files": []}'::jsonb
                     ELSE jy_item_links(NEW.id) END);
    END IF;
    RETURN NULL;
END
$$;

-- The end of every write of items: revisions written by this transaction
-- get the links as they are now; an item whose links differ from its last
-- revision's (written earlier) gets a new revision. Items the acting user
-- may not write are left as they are (row-level security). Returns the
-- number of new revisions.
CREATE FUNCTION jy_item_revision_sync(p_items bigint[]) RETURNS integer
LANGUAGE sql AS $$
    WITH c AS MATERIALIZED (
        SELECT c.item_id, i.revision AS rev, c.links,
               coalesce(r.tx = pg_current_xact_id(), false) AS ours,
               r.links IS NOT DISTINCT FROM c.links AS same
          FROM jy_item_links_of(ARRAY(SELECT DISTINCT x FROM unnest(p_items) x
                                       WHERE x IS NOT NULL)) c
          JOIN item i ON i.id = c.item_id
          LEFT JOIN item_revision r ON r.item_id = i.id AND r.rev = i.revision),
    completed AS (
        UPDATE item_revision r SET links = c.links FROM c
         WHERE r.item_id = c.item_id AND r.rev = c.rev AND c.ours AND NOT c.same RETURNING 1),
    bumped AS (
        UPDATE item i SET revision = i.revision + 1, updated_by = coalesce(jy_actor(), i.updated_by)
          FROM c WHERE i.id = c.item_id AND NOT c.ours AND NOT c.same RETURNING 1)
    SELECT (SELECT count(*) FROM bumped)::integer + 0 * (SELECT count(*) FROM completed)::integer
$$;
COMMENT ON FUNCTION jy_item_revision_sync(bigint[]) IS
    'Complete the revisions of this transaction with the items'' links, or record changed links as a new revision.';

-- The application role completes only the revisions its own transaction wrote.
GRANT UPDATE (links) ON item_revision TO jiyue_app;
CREATE POLICY item_revision_complete ON item_revision FOR UPDATE
    USING (tx = pg_current_xact_id())
    WITH CHECK (tx = pg_current_xact_id());

-- Today's state for every item's current revision, so that the next save
-- compares with what is there; older revisions stay unrecorded (NULL).
UPDATE item_revision r SET links = c.links
  FROM item i, LATERAL jy_item_links_of(ARRAY[i.id]) c
 WHERE r.item_id = i.id AND r.rev = i.revision;
