-- 0007_site_lifecycle.sql - the life of a site after its creation: closing
-- and merging (关停整合) with a map from every old URL to the new one, the URL
-- scheme that map is written in, and the audit record of every lifecycle
-- step (core/site.h).

-- ---- URL scheme ------------------------------------------------------------
-- Where the renderer puts pages, in one place so that the redirect map, the
-- renderer and the sitemap agree:
--   site home              https://<primary domain>/
--   column list, page 1    https://<primary domain>/<column path>/
--   column list, page n    https://<primary domain>/<column path>/index_<n>.html
--   item page              https://<primary domain>/<column path>/<item id>.html
-- An item has one page per column that places (or reuses) it.

CREATE FUNCTION jy_column_url_path(column_path text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT '/' || column_path || '/'
$$;
COMMENT ON FUNCTION jy_column_url_path(text) IS
    'URL path of a column''s list page: /zwgk/zcwj/ for the column path zwgk/zcwj.';

CREATE FUNCTION jy_item_url_path(column_path text, item_id bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT '/' || column_path || '/' || item_id || '.html'
$$;
COMMENT ON FUNCTION jy_item_url_path(text, bigint) IS
    'URL path of an item''s page in a column: /zwgk/zcwj/123.html.';

CREATE FUNCTION jy_site_base_url(site_id bigint) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT 'https://' || d.domain FROM site_domain d WHERE d.site_id = $1 AND d.is_primary
$$;
COMMENT ON FUNCTION jy_site_base_url(bigint) IS
    'https://<primary domain> of a site, without a trailing slash; NULL when the site has no primary domain.';


-- ---- redirect map ----------------------------------------------------------

CREATE TABLE site_redirect (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id          bigint NOT NULL REFERENCES site (id) ON DELETE RESTRICT,
    kind             text NOT NULL,
    old_host         text NOT NULL,
    old_path         text NOT NULL,
    new_url          text NOT NULL,
    column_id        bigint REFERENCES site_column (id) ON DELETE SET NULL,
    item_id          bigint REFERENCES item (id) ON DELETE SET NULL,
    target_column_id bigint NOT NULL REFERENCES site_column (id) ON DELETE RESTRICT,
    placement_id     bigint REFERENCES placement (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    retired_at       timestamptz,

    -- site: the home page, and every URL of the host nothing else maps;
    -- column: a column's list pages; reuse: a reusing column's list and item
    -- pages, sent to its source column; item: an item's page in a column
    CONSTRAINT site_redirect_kind CHECK (kind IN ('site', 'column', 'reuse', 'item')),
    CONSTRAINT site_redirect_old_host_shape CHECK (
        old_host ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$'),
    CONSTRAINT site_redirect_old_path_shape CHECK (old_path ~ '^/[^[:space:]]*$'),
    CONSTRAINT site_redirect_new_url_shape CHECK (new_url ~ '^https?://[^[:space:]]+$'),
    CONSTRAINT site_redirect_retired_after CHECK (retired_at >= created_at)
);

-- one live mapping per old URL; retired ones (a reopened site) stay as history
CREATE UNIQUE INDEX site_redirect_old_url_key ON site_redirect (old_host, old_path)
    WHERE retired_at IS NULL;
CREATE INDEX site_redirect_site_idx ON site_redirect (site_id, kind, old_host, old_path);
CREATE INDEX site_redirect_placement_idx ON site_redirect (placement_id)
    WHERE placement_id IS NOT NULL;
CREATE INDEX site_redirect_target_idx ON site_redirect (target_column_id);

-- Row-level security: the old URLs were public pages, so anyone may read
-- the map. No write policy here: a role under row-level security cannot
-- write it until a policy grants it (the permission functions arrive with
-- the row-level security migration, which adds site_redirect's write policy
-- and its grants); the owner role (the operator's CLI) is not affected.
ALTER TABLE site_redirect ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_redirect_read ON site_redirect FOR SELECT USING (true);

COMMENT ON TABLE site_redirect IS
    'The redirect map of closed sites (关停整合): every URL a closed site served (home, column list pages, '
    'item pages, on each of its domains) and where that content lives now. Written by "jiyue site close"; '
    'retired, not deleted, when the site is reopened. "jiyue site redirects --nginx" turns it into an nginx map.';
COMMENT ON COLUMN site_redirect.site_id IS 'The closed site whose URL this was.';
COMMENT ON COLUMN site_redirect.kind IS 'site (home page and fallback for the host), column (list pages), reuse (a reusing column: list and item pages go to its source column), item (an item page).';
COMMENT ON COLUMN site_redirect.old_host IS 'A domain of the closed site (primary or alias) at the time it was closed.';
COMMENT ON COLUMN site_redirect.old_path IS 'URL path on old_host: /, /zwgk/zcwj/, /zwgk/zcwj/123.html (see jy_column_url_path, jy_item_url_path).';
COMMENT ON COLUMN site_redirect.new_url IS 'Absolute URL the old one answers with a 301.';
COMMENT ON COLUMN site_redirect.column_id IS 'The closed site''s column the old URL belonged to (NULL for the home page).';
COMMENT ON COLUMN site_redirect.item_id IS 'item rows: the item of the page.';
COMMENT ON COLUMN site_redirect.target_column_id IS 'The column of an ancestor site that received the closed site''s items.';
COMMENT ON COLUMN site_redirect.placement_id IS 'item rows: the placement the close added to the target column (NULL when the item was there already); "reopen --unmerge" removes these.';
COMMENT ON COLUMN site_redirect.retired_at IS 'Set when the site was reopened: the mapping is history, no longer served.';


-- ---- audit of the site lifecycle -------------------------------------------

-- What the audit log keeps of a site: its row (without the derived path and
-- the timestamps) and its domains, primary first.
CREATE FUNCTION jy_site_snapshot(site_id bigint) RETURNS jsonb
LANGUAGE sql STABLE STRICT AS $$
    SELECT to_jsonb(s) - '{path,created_at,updated_at}'::text[]
           || jsonb_build_object('domains', COALESCE(
                  (SELECT jsonb_agg(d.domain ORDER BY d.is_primary DESC, d.domain)
                     FROM site_domain d WHERE d.site_id = s.id), '[]'::jsonb))
      FROM site s WHERE s.id = $1
$$;
COMMENT ON FUNCTION jy_site_snapshot(bigint) IS
    'A site as the audit log records it: the row without path and timestamps, plus its domains (primary first).';

-- Record one lifecycle step of a site in audit_log, the actor taken from the
-- transaction's jy.* settings (core/db.h jy_db_set_actor). before is the
-- snapshot taken before the change (NULL for a creation); only the fields
-- that changed are kept on both sides, and extra (counts, the target of a
-- close ...) is added to after. Nothing is recorded when nothing changed and
-- there is no extra. Returns what was recorded as after, or NULL.
-- SECURITY DEFINER: a connection that may not write audit_log itself (an
-- application role under row-level security) still records its steps, and
-- only in the name of the actor its transaction declares.
CREATE FUNCTION jy_site_audit(action text, site_id bigint, before jsonb, extra jsonb)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    now_ jsonb := jy_site_snapshot(site_id);
    b jsonb;
    a jsonb;
    addr inet;
BEGIN
    IF before IS NULL THEN
        b := NULL;
        a := now_;
    ELSE
        SELECT jsonb_object_agg(o.key, o.value) INTO b
          FROM jsonb_each(before) o WHERE o.value IS DISTINCT FROM now_ -> o.key;
        SELECT jsonb_object_agg(n.key, n.value) INTO a
          FROM jsonb_each(now_) n WHERE n.value IS DISTINCT FROM before -> n.key;
        IF a IS NULL AND extra IS NULL THEN
            RETURN NULL;
        END IF;
    END IF;
    a := COALESCE(a, '{}'::jsonb) || COALESCE(extra, '{}'::jsonb);
    BEGIN
        addr := NULLIF(current_setting('jy.client_addr', true), '')::inet;
    EXCEPTION WHEN invalid_text_representation THEN
        addr := NULL;  -- an address the HTTP layer could not parse is not worth losing the record
    END;
    INSERT INTO audit_log (user_id, login, client_addr, request_id, action, object_type,
                           object_id, site_id, before, after)
    VALUES (NULLIF(NULLIF(current_setting('jy.user_id', true), ''), '0')::bigint,
            NULLIF(current_setting('jy.login', true), ''), addr,
            NULLIF(current_setting('jy.request_id', true), ''),
            action, 'site', site_id::text, site_id, b, a);
    RETURN a;
END
$$;
COMMENT ON FUNCTION jy_site_audit(text, bigint, jsonb, jsonb) IS
    'Append the audit record of a site lifecycle step (site.create, site.update, site.close ...): '
    'changed fields before and after, plus extra; actor from jy.user_id, jy.login, jy.client_addr, jy.request_id.';
