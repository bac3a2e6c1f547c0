-- 0002_column.sql - columns (栏目): the tree of each site, standard column
-- codes, reuse of another site's column (共享栏目) and unit ownership.
--
-- The table is called site_column because COLUMN is a reserved word in SQL.

CREATE TABLE site_column (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id          bigint NOT NULL REFERENCES site (id) ON DELETE RESTRICT,
    parent_id        bigint,
    path             text NOT NULL DEFAULT '',
    code             text NOT NULL,
    std_code         text,
    name             text NOT NULL,
    description      text,
    keywords         text,
    kind             text NOT NULL DEFAULT 'list',
    sort             integer NOT NULL DEFAULT 0,
    in_nav           boolean NOT NULL DEFAULT true,
    page_size        integer NOT NULL DEFAULT 20,
    item_order       text NOT NULL DEFAULT 'publish_desc',
    accepts          text[] NOT NULL DEFAULT '{}',
    update_days      integer,
    url              text,
    body             text,
    reuse_column_id  bigint REFERENCES site_column (id) ON DELETE RESTRICT,
    reuse_tag_filter text,
    reuse_kinds      text[] NOT NULL DEFAULT '{}',
    unit_id          bigint,
    settings         jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),

    -- target of the composite keys below and of placements: (site, column) pairs
    CONSTRAINT site_column_site_id_key UNIQUE (site_id, id),
    -- the parent is a column of the same site
    CONSTRAINT site_column_parent_same_site FOREIGN KEY (site_id, parent_id)
        REFERENCES site_column (site_id, id) ON DELETE RESTRICT ON UPDATE CASCADE,
    -- the owning unit hangs directly under the column's site
    CONSTRAINT site_column_unit_of_site FOREIGN KEY (unit_id, site_id)
        REFERENCES site (id, parent_id) ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT site_column_not_own_parent CHECK (parent_id <> id),
    -- a path segment of the column's URL: /zwgk/zcwj/
    CONSTRAINT site_column_code_shape CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    -- standard column code, dotted: zwgk.zcwj.zfwj
    CONSTRAINT site_column_std_code_shape CHECK (std_code ~ '^[a-z][a-z0-9]*(\.[a-z][a-z0-9]*){0,7}$'),
    CONSTRAINT site_column_name_shape CHECK (length(btrim(name)) BETWEEN 1 AND 100 AND name = btrim(name)),
    CONSTRAINT site_column_kind CHECK (kind IN ('list', 'page', 'link', 'topic')),
    CONSTRAINT site_column_page_size CHECK (page_size BETWEEN 1 AND 200),
    CONSTRAINT site_column_item_order CHECK (
        item_order IN ('publish_desc', 'publish_asc', 'sort', 'title')),
    CONSTRAINT site_column_update_days CHECK (update_days BETWEEN 1 AND 3660),
    CONSTRAINT site_column_link_has_url CHECK ((kind = 'link') = (url IS NOT NULL)),
    CONSTRAINT site_column_url_shape CHECK (url ~ '^(https?://|/)[^[:space:]]*$'),
    CONSTRAINT site_column_body_only_page CHECK (kind = 'page' OR body IS NULL),
    CONSTRAINT site_column_reuse_kind CHECK (reuse_column_id IS NULL OR kind IN ('list', 'topic')),
    CONSTRAINT site_column_not_own_source CHECK (reuse_column_id <> id),
    CONSTRAINT site_column_reuse_filters CHECK (
        reuse_column_id IS NOT NULL OR (reuse_tag_filter IS NULL AND reuse_kinds = '{}')),
    CONSTRAINT site_column_settings_object CHECK (jsonb_typeof(settings) = 'object')
);

-- sibling codes are unique (root columns have parent_id NULL, hence COALESCE)
CREATE UNIQUE INDEX site_column_sibling_code_key
    ON site_column (site_id, COALESCE(parent_id, 0), code);
CREATE UNIQUE INDEX site_column_path_key ON site_column (site_id, path);
-- a standard code means one column per site (blueprints find columns by it)
CREATE UNIQUE INDEX site_column_std_code_key ON site_column (site_id, std_code)
    WHERE std_code IS NOT NULL;
CREATE INDEX site_column_parent_idx ON site_column (site_id, parent_id, sort, id);
-- "which columns show the items of column X": the planner re-renders them
CREATE INDEX site_column_reuse_idx ON site_column (reuse_column_id)
    WHERE reuse_column_id IS NOT NULL;
CREATE INDEX site_column_unit_idx ON site_column (unit_id) WHERE unit_id IS NOT NULL;
CREATE INDEX site_column_std_idx ON site_column (std_code) WHERE std_code IS NOT NULL;

ALTER TABLE site ADD CONSTRAINT site_redirect_column
    FOREIGN KEY (redirect_column_id) REFERENCES site_column (id) ON DELETE RESTRICT;

COMMENT ON TABLE site_column IS
    'A column (栏目) of a site: a node of the site''s column tree. Kinds: list of items, single page, '
    'link, topic (专题). A column may reuse a column of another site (共享栏目): it then shows the '
    'source''s published placements live, filtered by tags or kinds, minus the ones hidden locally.';
COMMENT ON COLUMN site_column.site_id IS 'The site whose tree holds the column.';
COMMENT ON COLUMN site_column.parent_id IS 'Parent column, always of the same site (composite foreign key).';
COMMENT ON COLUMN site_column.path IS 'URL path below the site root, codes joined by "/" (zwgk/zcwj/zfwj); maintained by trigger.';
COMMENT ON COLUMN site_column.code IS 'Path segment: lower-case ASCII (pinyin initials), unique among siblings.';
COMMENT ON COLUMN site_column.std_code IS 'Standard column code (zwgk.zcwj): the same code means the same column on every site; unique per site.';
COMMENT ON COLUMN site_column.name IS 'Display name, the ColumnName meta tag.';
COMMENT ON COLUMN site_column.description IS 'ColumnDescription meta tag.';
COMMENT ON COLUMN site_column.keywords IS 'ColumnKeywords meta tag.';
COMMENT ON COLUMN site_column.kind IS 'list, page (single page: body), link (url), topic (专题).';
COMMENT ON COLUMN site_column.sort IS 'Order among siblings.';
COMMENT ON COLUMN site_column.in_nav IS 'Shown in the site navigation.';
COMMENT ON COLUMN site_column.page_size IS 'Items per list page.';
COMMENT ON COLUMN site_column.item_order IS 'publish_desc (newest first), publish_asc, sort (manual), title.';
COMMENT ON COLUMN site_column.accepts IS 'Item kinds that may be placed here (item_kind codes); empty accepts every kind.';
COMMENT ON COLUMN site_column.update_days IS 'Expected update period in days for the inspection rules (news 14, notices and policies 180); NULL: no expectation.';
COMMENT ON COLUMN site_column.url IS 'Target of a link column (absolute URL or a path on the site).';
COMMENT ON COLUMN site_column.body IS 'HTML body of a single-page column.';
COMMENT ON COLUMN site_column.reuse_column_id IS 'Source column whose items this column shows (共享栏目); chains are followed, cycles refused.';
COMMENT ON COLUMN site_column.reuse_tag_filter IS 'Tag expression the reused items must match (扶贫 AND NOT 通知); NULL: all.';
COMMENT ON COLUMN site_column.reuse_kinds IS 'Item kinds the reused items must have; empty: all.';
COMMENT ON COLUMN site_column.unit_id IS 'Column-only unit (a child of site_id) that owns this column and publishes into it.';
COMMENT ON COLUMN site_column.settings IS 'Extension settings (plugins, templates) as a JSON object.';


-- Maintain path; refuse moves into the own subtree and reuse cycles.
CREATE FUNCTION jy_site_column_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    parent_path text;
    src bigint;
    hops integer := 0;
BEGIN
    IF NEW.parent_id IS NULL THEN
        NEW.path := NEW.code;
    ELSE
        SELECT path INTO parent_path FROM site_column WHERE id = NEW.parent_id;
        IF parent_path IS NOT NULL THEN  -- else the foreign key reports it
            IF TG_OP = 'UPDATE' AND (parent_path = OLD.path OR starts_with(parent_path, OLD.path || '/')) THEN
                RAISE EXCEPTION 'column "%" cannot be moved under its own subtree', NEW.name
                    USING ERRCODE = 'check_violation', COLUMN = 'parent_id';
            END IF;
            NEW.path := parent_path || '/' || NEW.code;
        END IF;
    END IF;

    src := NEW.reuse_column_id;
    WHILE src IS NOT NULL LOOP
        IF src = NEW.id THEN
            RAISE EXCEPTION 'column "%" cannot reuse a column that reuses it', NEW.name
                USING ERRCODE = 'check_violation', COLUMN = 'reuse_column_id';
        END IF;
        hops := hops + 1;
        IF hops > 16 THEN
            RAISE EXCEPTION 'column "%": reuse chain longer than 16 columns', NEW.name
                USING ERRCODE = 'check_violation', COLUMN = 'reuse_column_id';
        END IF;
        SELECT reuse_column_id INTO src FROM site_column WHERE id = src;
    END LOOP;
    RETURN NEW;
END
$$;

CREATE FUNCTION jy_site_column_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE site_column SET path = '' WHERE parent_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER site_column_check BEFORE INSERT OR UPDATE ON site_column
    FOR EACH ROW EXECUTE FUNCTION jy_site_column_check();
CREATE TRIGGER site_column_moved AFTER UPDATE OF parent_id, code, path ON site_column
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path) EXECUTE FUNCTION jy_site_column_moved();
CREATE TRIGGER site_column_touch BEFORE UPDATE ON site_column
    FOR EACH ROW EXECUTE FUNCTION jy_touch_updated_at();
