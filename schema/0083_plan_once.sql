-- 0083_plan_once.sql - the functions every write and every row-level
-- security check runs are PL/pgSQL now, with the same queries as before.
--
-- Why: PostgreSQL plans the query of a LANGUAGE sql function that it cannot
-- inline anew on every call of the statement calling it, and these three
-- cannot be inlined (SECURITY DEFINER; a data-changing WITH). PL/pgSQL keeps
-- each query's plan for the session, so a server connection plans them once.
-- Measured with pg_stat_statements under `bench_http` (docs/benchmarks.md):
-- jy_item_revision_sync took 7 ms of the 16 ms of database time of a new
-- draft; the rights functions run 8 times per draft and on every item read.
-- The answers are the same: tests/integration/rls_test.c and item_test.c
-- hold them.

CREATE OR REPLACE FUNCTION jy_perm_columns(perm text) RETURNS bigint[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN (
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
    );
END
$$;

CREATE OR REPLACE FUNCTION jy_perm_sites(perm text, whole_site_only boolean DEFAULT true) RETURNS bigint[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN (
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
    );
END
$$;

CREATE OR REPLACE FUNCTION jy_item_revision_sync(p_items bigint[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
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
      INTO n;
    RETURN n;
END
$$;
