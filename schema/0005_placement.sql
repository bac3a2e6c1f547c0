-- 0005_placement.sql - placements: one item in one column, with its own
-- order, pin and publish state (一次编辑、多处发布), and the local hiding of
-- a reused item by a reusing column.

CREATE TABLE placement (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id      bigint NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    column_id    bigint NOT NULL,
    site_id      bigint NOT NULL,
    sort         integer NOT NULL DEFAULT 0,
    pinned_until timestamptz,
    state        text NOT NULL DEFAULT 'draft',
    published_at timestamptz,
    created_by   bigint REFERENCES app_user (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT placement_item_column_key UNIQUE (item_id, column_id),
    -- site_id is the column's site: a placement belongs to the site that shows it
    CONSTRAINT placement_column FOREIGN KEY (site_id, column_id)
        REFERENCES site_column (site_id, id) ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT placement_state CHECK (
        state IN ('draft', 'submitted', 'approved', 'published', 'withdrawn', 'archived')),
    CONSTRAINT placement_published_at CHECK (state <> 'published' OR published_at IS NOT NULL)
);

-- The list page of a column: published items, newest first, ties by item id.
--   WHERE column_id = $1 AND state = 'published'
--   ORDER BY published_at DESC, item_id DESC LIMIT $n
-- A reusing column runs the same query on its source column.
CREATE INDEX placement_column_list_idx ON placement (column_id, published_at DESC, item_id DESC)
    WHERE state = 'published';
-- pinned items are few: fetched apart and put on top
CREATE INDEX placement_column_pinned_idx ON placement (column_id, pinned_until)
    WHERE pinned_until IS NOT NULL AND state = 'published';
-- a site's newest items (home page, the "home page not updated" inspection rule)
CREATE INDEX placement_site_published_idx ON placement (site_id, published_at DESC)
    WHERE state = 'published';
-- review queues: what waits for a reviewer on a site
CREATE INDEX placement_site_state_idx ON placement (site_id, state)
    WHERE state IN ('submitted', 'approved');
CREATE INDEX placement_column_idx ON placement (column_id);

COMMENT ON TABLE placement IS
    'An item shown in a column: one item, many placements, across sites. Each placement has its own order, pin and workflow state.';
COMMENT ON COLUMN placement.site_id IS 'Site of the column (not of the item): the site that shows the item.';
COMMENT ON COLUMN placement.sort IS 'Manual order for columns ordered by sort.';
COMMENT ON COLUMN placement.pinned_until IS 'Pinned to the top of the column until this time (置顶); NULL: not pinned.';
COMMENT ON COLUMN placement.state IS 'draft → submitted → approved → published → withdrawn / archived.';
COMMENT ON COLUMN placement.published_at IS 'Time the item went live in this column; orders the list and is the PubDate shown there.';

CREATE TRIGGER placement_touch BEFORE UPDATE ON placement
    FOR EACH ROW EXECUTE FUNCTION jy_touch_updated_at();


CREATE TABLE placement_hidden (
    column_id bigint NOT NULL,
    site_id   bigint NOT NULL,
    item_id   bigint NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    hidden_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
    hidden_at timestamptz NOT NULL DEFAULT now(),

    PRIMARY KEY (column_id, item_id),
    CONSTRAINT placement_hidden_column FOREIGN KEY (site_id, column_id)
        REFERENCES site_column (site_id, id) ON DELETE CASCADE ON UPDATE CASCADE
);
COMMENT ON TABLE placement_hidden IS
    'A reused item hidden by one reusing column: the item stays on the source site and on every other reusing site.';
COMMENT ON COLUMN placement_hidden.column_id IS 'The reusing column that hides the item.';
COMMENT ON COLUMN placement_hidden.site_id IS 'Site of the reusing column.';

CREATE FUNCTION jy_placement_hidden_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM site_column WHERE id = NEW.column_id AND reuse_column_id IS NOT NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'only a column that reuses another can hide a reused item'
            USING ERRCODE = 'check_violation', COLUMN = 'column_id';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER placement_hidden_check BEFORE INSERT OR UPDATE ON placement_hidden
    FOR EACH ROW EXECUTE FUNCTION jy_placement_hidden_check();
