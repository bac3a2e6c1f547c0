-- 0083_plan_once.sql - the functions every write and every row-level
-- security check runs are PL/pgSQL now, with the same queries as before.
--
-- Why: PostgreSQL plans the query of a LANGUAGE sql function that it cannot
-- inline anew on every call of the statement calling it, and these four
-- cannot be inlined (SECURITY DEFINER; a data-changing WITH; a set-returning
-- function called with a computed argument). PL/pgSQL keeps each query's
-- plan for the session, and plan_cache_mode = force_generic_plan makes it
-- use that plan from the first call on instead of planning the first five
-- calls (and, when the estimates say so, every call) for their arguments:
-- the queries are small lookups by the acting user's grants and by item ids,
-- for which one plan fits every argument.
-- Measured under `bench_http` on the POST of a draft (pg_stat_user_functions,
-- docs/benchmarks.md): jy_perm_sites ran 7 times per draft at 0.81 ms a call
-- as LANGUAGE sql, 0.17 ms as PL/pgSQL with a generic plan; jy_item_links_of
-- 2.2 ms a call. The answers are the same: tests/integration/rls_test.c and
-- item_test.c hold them.

CREATE OR REPLACE FUNCTION jy_perm_columns(perm text) RETURNS bigint[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
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
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
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

CREATE OR REPLACE FUNCTION jy_item_links_of(p_items bigint[]) RETURNS TABLE (item_id bigint, links jsonb)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
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
                 ON f.item_id = i.id;
END
$$;

CREATE OR REPLACE FUNCTION jy_item_revision_sync(p_items bigint[]) RETURNS integer
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
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
