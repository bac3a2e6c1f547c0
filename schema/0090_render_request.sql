-- 0090_render_request.sql - what the HTTP API (core/api_render.c) needs of
-- the renderer's queue: how many changes wait per site, and a platform
-- admin's request to render a site again in full.
--
-- render_change is the renderer's outbox and the application role has no
-- access to it (0041). These two functions run as the owner and give the
-- application role exactly this much: counts per site (not sensitive: the
-- published output itself is public, 0040) and, for platform admins only
-- (jy_is_platform_admin, 0050), a 'site' change, which the running
-- renderer (jy_render_pending) handles by rendering every file of the
-- site again; files whose bytes did not change are not rewritten.

CREATE FUNCTION jy_render_pending_by_site()
RETURNS TABLE (site_id bigint, changes bigint, oldest timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH touched (id, created_at, site_id) AS (
        SELECT c.id, c.created_at, p.site_id
          FROM render_change c JOIN placement p ON p.item_id = c.ref_id
         WHERE c.kind = 'item'
        UNION
        SELECT c.id, c.created_at, rc.site_id
          FROM render_change c JOIN placement p ON p.item_id = c.ref_id
          JOIN site_column rc ON rc.reuse_column_id = p.column_id
         WHERE c.kind = 'item'
        UNION
        SELECT c.id, c.created_at, sc.site_id
          FROM render_change c JOIN site_column sc ON sc.id = c.ref_id OR sc.reuse_column_id = c.ref_id
         WHERE c.kind = 'column'
        UNION
        SELECT c.id, c.created_at, c.ref_id FROM render_change c WHERE c.kind = 'site')
    SELECT t.site_id, count(DISTINCT t.id), min(t.created_at) FROM touched t GROUP BY t.site_id
$$;
COMMENT ON FUNCTION jy_render_pending_by_site() IS
    'Changes waiting in render_change per site they may touch (own placements, reusing columns, '
    'columns, the site itself), with the oldest one''s time: the "pending" of GET /api/v1/render/status.';
GRANT EXECUTE ON FUNCTION jy_render_pending_by_site() TO jiyue_app;


CREATE FUNCTION jy_render_request(p_site bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT jy_is_platform_admin() THEN
        RAISE EXCEPTION 'only a platform admin may ask for a full render of a site'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM site WHERE id = p_site AND kind = 'site' AND code IS NOT NULL) THEN
        RAISE EXCEPTION 'site % has no pages of its own (a unit publishes in its site''s columns)', p_site
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM jy_render_change_note('site', p_site);
    PERFORM jy_audit('render.request', 'site', p_site::text, p_site, NULL, NULL);
END
$$;
COMMENT ON FUNCTION jy_render_request(bigint) IS
    'A platform admin asks the running renderer to render every file of a site again '
    '(POST /api/v1/render/{site}): queued as a site change in render_change.';
GRANT EXECUTE ON FUNCTION jy_render_request(bigint) TO jiyue_app;
