-- 0041_render_plan.sql - what the incremental renderer needs: the
-- dependencies of every rendered file, the queue of changes that may touch
-- rendered files, and the theme each site was last rendered with.
--
-- The planner (core/render.c) answers "which files does this change
-- affect?" with render_dep: every page records the items and columns it
-- was built from (GIN indexes make "pages showing item 42" one index scan).
-- Changes reach it through render_change, written by triggers on the
-- library's tables, so no code path (CLI, API, importer, scheduler, SQL by
-- hand) can change content without the renderer hearing of it.

-- Timestamps in the pages: ISO 8601 in the site's time zone with its
-- offset, 2024-03-05T10:00:00+08:00 (docs/themes.md "Dates").
CREATE FUNCTION jy_iso_time(ts timestamptz, tz text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(ts AT TIME ZONE tz, 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN o < 0 THEN '-' ELSE '+' END
        || lpad((abs(o) / 3600)::text, 2, '0') || ':' || lpad((abs(o) % 3600 / 60)::text, 2, '0')
      FROM (SELECT extract(epoch FROM (ts AT TIME ZONE tz) - (ts AT TIME ZONE 'UTC'))::int AS o) x
$$;


CREATE TABLE render_dep (
    site_id bigint NOT NULL REFERENCES site (id) ON DELETE CASCADE,
    path    text NOT NULL,
    page    text NOT NULL,
    items   bigint[] NOT NULL DEFAULT '{}',
    columns bigint[] NOT NULL DEFAULT '{}',

    PRIMARY KEY (site_id, path)
);
CREATE INDEX render_dep_items_idx ON render_dep USING gin (items);
CREATE INDEX render_dep_columns_idx ON render_dep USING gin (columns);

COMMENT ON TABLE render_dep IS
    'Why a rendered file is what it is: the page it renders and the items and columns it was built from. '
    'Every page also depends on its site''s settings and theme (render_site_state).';
COMMENT ON COLUMN render_dep.page IS 'The page: home, column 7 page 2, item 42 in column 7, rss 7, sitemap ...';


CREATE TABLE render_site_state (
    site_id     bigint PRIMARY KEY REFERENCES site (id) ON DELETE CASCADE,
    theme_sha   text NOT NULL,
    rendered_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE render_site_state IS
    'The theme (hash of every template and asset of its chain) a site''s pages were last rendered with: '
    'another hash means a theme change, and the pages are rendered again.';


-- The outbox of changes. kind: item, column, site. Rows are taken (deleted)
-- by the renderer in the transaction that records what it rendered.
CREATE TABLE render_change (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL,
    ref_id     bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT render_change_kind CHECK (kind IN ('item', 'column', 'site'))
);
COMMENT ON TABLE render_change IS
    'Changes the renderer has not handled yet (written by triggers; NOTIFY jy_change wakes it).';

-- A bulk load of the system (jy.bulk = 'on' on an owner connection, as in
-- schema/0021_bulk_audit.sql) notes each site it touched once, in the
-- loader, instead of a row per item: `jiyue import` renders afterwards.
CREATE FUNCTION jy_render_change_note(p_kind text, p_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('jy.bulk', true) = 'on' AND session_user = current_user
       AND session_user <> 'jiyue_app' THEN
        RETURN;
    END IF;
    INSERT INTO render_change (kind, ref_id) VALUES (p_kind, p_id);
    PERFORM pg_notify('jy_change', p_kind || ' ' || p_id);
END
$$;

CREATE FUNCTION jy_render_change_item() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM jy_render_change_note('item', OLD.item_id);
        RETURN OLD;
    END IF;
    IF TG_TABLE_NAME = 'item' THEN
        PERFORM jy_render_change_note('item', NEW.id);
    ELSE
        PERFORM jy_render_change_note('item', NEW.item_id);
        IF TG_OP = 'UPDATE' AND OLD.item_id <> NEW.item_id THEN
            PERFORM jy_render_change_note('item', OLD.item_id);
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION jy_render_change_relation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE r record;
BEGIN
    r := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    PERFORM jy_render_change_note('item', r.from_id);
    PERFORM jy_render_change_note('item', r.to_id);
    RETURN r;
END
$$;

CREATE FUNCTION jy_render_change_column() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM jy_render_change_note('site', OLD.site_id);
        RETURN OLD;
    END IF;
    PERFORM jy_render_change_note('column', NEW.id);
    IF TG_OP = 'INSERT' OR OLD.path <> NEW.path OR OLD.name <> NEW.name
       OR OLD.in_nav <> NEW.in_nav OR OLD.sort <> NEW.sort OR OLD.kind <> NEW.kind
       OR OLD.parent_id IS DISTINCT FROM NEW.parent_id THEN
        -- the navigation, breadcrumbs and site map of every page may show it
        PERFORM jy_render_change_note('site', NEW.site_id);
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION jy_render_change_site() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM jy_render_change_note('site', CASE WHEN TG_OP = 'DELETE' THEN OLD.site_id ELSE NEW.site_id END);
    RETURN NULL;
END
$$;

CREATE FUNCTION jy_render_change_site_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM jy_render_change_note('site', NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER item_render_change AFTER INSERT OR UPDATE ON item
    FOR EACH ROW EXECUTE FUNCTION jy_render_change_item();
CREATE TRIGGER placement_render_change AFTER INSERT OR UPDATE OR DELETE ON placement
    FOR EACH ROW EXECUTE FUNCTION jy_render_change_item();
CREATE TRIGGER placement_hidden_render_change AFTER INSERT OR UPDATE OR DELETE ON placement_hidden
    FOR EACH ROW EXECUTE FUNCTION jy_render_change_item();
CREATE TRIGGER item_tag_render_change AFTER INSERT OR UPDATE OR DELETE ON item_tag
    FOR EACH ROW EXECUTE FUNCTION jy_render_change_item();
CREATE TRIGGER item_file_render_change AFTER INSERT OR UPDATE OR DELETE ON item_file
    FOR EACH ROW EXECUTE FUNCTION jy_render_change_item();
CREATE TRIGGER item_relation_render_change AFTER INSERT OR UPDATE OR DELETE ON item_relation
    FOR EACH ROW EXECUTE FUNCTION jy_render_change_relation();
CREATE TRIGGER site_column_render_change AFTER INSERT OR UPDATE OR DELETE ON site_column
    FOR EACH ROW EXECUTE FUNCTION jy_render_change_column();
CREATE TRIGGER site_render_change AFTER UPDATE ON site
    FOR EACH ROW EXECUTE FUNCTION jy_render_change_site_row();
CREATE TRIGGER site_domain_render_change AFTER INSERT OR UPDATE OR DELETE ON site_domain
    FOR EACH ROW EXECUTE FUNCTION jy_render_change_site();

ALTER TABLE render_dep ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON render_dep TO jiyue_app;
CREATE POLICY render_dep_read ON render_dep FOR SELECT USING (true);
ALTER TABLE render_site_state ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON render_site_state TO jiyue_app;
CREATE POLICY render_site_state_read ON render_site_state FOR SELECT USING (true);
ALTER TABLE render_change ENABLE ROW LEVEL SECURITY;
