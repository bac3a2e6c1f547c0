-- 0013_unit_grants.sql - a grant on a column-only unit covers the unit's columns.
--
-- A township or county department (a unit, site.kind = 'unit') publishes
-- into columns of the county portal that it owns (site_column.unit_id). Its
-- editors and reviewers are granted on the unit itself; since the columns
-- live on the county site, a grant on the unit subtree must reach the
-- columns the unit owns (and their subcolumns), not the county's others.

CREATE OR REPLACE FUNCTION jy_perm_columns(perm text) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(array_agg(DISTINCT c.id), '{}')
    FROM (
        -- grants on a column subtree
        SELECT g.column_id AS root_id
        FROM user_grant g
        JOIN role r ON r.code = g.role
        JOIN app_user u ON u.id = g.user_id AND NOT u.disabled
        WHERE g.user_id = jy_actor() AND g.column_id IS NOT NULL
          AND (g.expires_at IS NULL OR g.expires_at > now())
          AND perm = ANY (r.permissions)
        UNION
        -- grants on a unit (or a subtree holding units): the columns the units own
        SELECT oc.id
        FROM user_grant g
        JOIN role r ON r.code = g.role
        JOIN app_user u ON u.id = g.user_id AND NOT u.disabled
        JOIN site unit ON unit.kind = 'unit' AND unit.path @> ARRAY[g.site_id]
        JOIN site_column oc ON oc.unit_id = unit.id
        WHERE g.user_id = jy_actor() AND g.column_id IS NULL
          AND (g.expires_at IS NULL OR g.expires_at > now())
          AND perm = ANY (r.permissions)
    ) roots
    JOIN site_column root ON root.id = roots.root_id
    JOIN site_column c ON c.site_id = root.site_id
                      AND (c.id = root.id OR starts_with(c.path, root.path || '/'))
$$;

-- ... and lets the unit's writers create items on the site that shows them
-- (item.site_id is the county, item.unit_id the unit), as a column grant does
CREATE OR REPLACE FUNCTION jy_perm_sites(perm text, whole_site_only boolean DEFAULT true) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(array_agg(DISTINCT s.id), '{}')
    FROM user_grant g
    JOIN role r ON r.code = g.role
    JOIN app_user u ON u.id = g.user_id AND NOT u.disabled
    JOIN site s ON (g.column_id IS NULL AND s.path @> ARRAY[g.site_id])
                OR (NOT whole_site_only AND g.column_id IS NOT NULL AND s.id = g.site_id)
                OR (NOT whole_site_only AND g.column_id IS NULL
                    AND EXISTS (SELECT 1 FROM site un WHERE un.kind = 'unit'
                                AND un.parent_id = s.id AND un.path @> ARRAY[g.site_id]))
    WHERE g.user_id = jy_actor()
      AND (g.expires_at IS NULL OR g.expires_at > now())
      AND perm = ANY (r.permissions)
$$;
