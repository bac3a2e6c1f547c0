-- 0011_rls.sql - tenant isolation in the database: row-level security on
-- every tenant table, driven by the acting user's grants, and an audit
-- trigger that records every change with who, when and from where.
--
-- How it works (docs/security.md has the whole story):
--  * The application connects as role jiyue_app, which is neither superuser
--    nor table owner and does not bypass RLS. Every transaction starts by
--    setting jy.user_id (core/db.c jy_db_begin), so each statement sees only
--    what that user's grants allow, even if application code forgets a
--    WHERE clause.
--  * The owner role (the one that runs migrations) bypasses RLS: it is the
--    system (the operator's CLI, loaders, the renderer of published pages).
--  * Public content stays public: site and column trees and published
--    placements (and their items) are readable by anyone; drafts are not.
--  * jy_perm_sites()/jy_perm_columns() compute the sites and columns where
--    the actor holds a permission once per statement (policies call them in
--    a sub-select, which PostgreSQL runs as an InitPlan), so a list of
--    thousands of rows costs one grant lookup, not one per row.

-- The role of the application. Roles belong to the cluster, not the
-- database: create it only once. Creating it needs CREATEROLE; on an
-- external server a DBA may create it beforehand.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jiyue_app') THEN
        CREATE ROLE jiyue_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;
COMMENT ON ROLE jiyue_app IS 'Jiyue application connections: every row it sees passes row-level security.';

-- jiyue_app may use the schema, nothing it did not get explicitly below
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO jiyue_app;


-- The acting user of this transaction, NULL for none (anonymous).
CREATE FUNCTION jy_actor() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT NULLIF(NULLIF(current_setting('jy.user_id', true), ''), '0')::bigint
$$;
COMMENT ON FUNCTION jy_actor() IS 'User id set by jy_db_begin() for this transaction; NULL: nobody (anonymous).';


-- Sites where the actor holds perm. whole_site_only: only grants on a site
-- subtree count; otherwise a grant on any column of a site counts too (an
-- editor of one column may create items on that site).
CREATE FUNCTION jy_perm_sites(perm text, whole_site_only boolean DEFAULT true) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(array_agg(DISTINCT s.id), '{}')
    FROM user_grant g
    JOIN role r ON r.code = g.role
    JOIN app_user u ON u.id = g.user_id AND NOT u.disabled
    JOIN site s ON (g.column_id IS NULL AND s.path @> ARRAY[g.site_id])
                OR (NOT whole_site_only AND g.column_id IS NOT NULL AND s.id = g.site_id)
    WHERE g.user_id = jy_actor()
      AND (g.expires_at IS NULL OR g.expires_at > now())
      AND perm = ANY (r.permissions)
$$;

-- Columns where the actor holds perm through a grant on a column subtree.
CREATE FUNCTION jy_perm_columns(perm text) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(array_agg(DISTINCT c.id), '{}')
    FROM user_grant g
    JOIN role r ON r.code = g.role
    JOIN app_user u ON u.id = g.user_id AND NOT u.disabled
    JOIN site_column root ON root.id = g.column_id
    JOIN site_column c ON c.site_id = root.site_id
                      AND (c.id = root.id OR starts_with(c.path, root.path || '/'))
    WHERE g.user_id = jy_actor()
      AND g.column_id IS NOT NULL
      AND (g.expires_at IS NULL OR g.expires_at > now())
      AND perm = ANY (r.permissions)
$$;

-- One check for one row: perm on the site, or on the column when given.
CREATE FUNCTION jy_can(perm text, on_site bigint, on_column bigint DEFAULT NULL) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT on_site = ANY (jy_perm_sites(perm))
        OR (on_column IS NOT NULL AND on_column = ANY (jy_perm_columns(perm)))
$$;

COMMENT ON FUNCTION jy_perm_sites(text, boolean) IS
    'Sites where the acting user holds a permission through unexpired grants on a site subtree (or, unless whole_site_only, on a column of the site).';
COMMENT ON FUNCTION jy_perm_columns(text) IS
    'Columns where the acting user holds a permission through grants on a column subtree.';
COMMENT ON FUNCTION jy_can(text, bigint, bigint) IS 'Does the acting user hold perm on this site (or this column)?';


-- Why a user holds which permission on a site: one row per (permission,
-- grant). `jiyue user rights U --site S` prints it.
CREATE FUNCTION jy_explain_rights(for_user bigint, on_site bigint)
RETURNS TABLE (permission text, role text, granted_on text, scope text, expires_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT p, r.code, gs.name || ' (' || coalesce(gs.code, gs.level) || ')',
           CASE WHEN g.column_id IS NULL
                THEN CASE WHEN g.site_id = on_site THEN 'this site and every site below it'
                          ELSE 'inherited: grant on an ancestor site covers its subtree' END
                ELSE 'only column "' || c.path || '" and its subcolumns' END,
           g.expires_at
    FROM user_grant g
    JOIN role r ON r.code = g.role
    JOIN site gs ON gs.id = g.site_id
    JOIN site target ON target.id = on_site
    LEFT JOIN site_column c ON c.id = g.column_id
    CROSS JOIN LATERAL unnest(r.permissions) AS p
    WHERE g.user_id = for_user
      AND (g.expires_at IS NULL OR g.expires_at > now())
      AND ((g.column_id IS NULL AND target.path @> ARRAY[g.site_id])
           OR (g.column_id IS NOT NULL AND g.site_id = on_site))
      -- the application may ask about its own user, or where it manages grants
      AND (session_user <> 'jiyue_app' OR for_user = jy_actor()
           OR on_site = ANY (jy_perm_sites('grant.manage')))
    ORDER BY p, r.sort
$$;
REVOKE EXECUTE ON FUNCTION jy_explain_rights(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jy_explain_rights(bigint, bigint) TO jiyue_app;


-- Audit: every change of a tenant table, written by trigger so no code path
-- can skip it. Updates record only the fields that changed; secrets never
-- enter the log.
CREATE FUNCTION jy_audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    secret constant text[] := ARRAY['password_hash', 'token_hash'];
    o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) - secret END;
    n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) - secret END;
    r jsonb := coalesce(n, o);
    k text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF o = n THEN
            RETURN NULL;  -- an idempotent write changes nothing: nothing to record
        END IF;
        FOR k IN SELECT key FROM jsonb_each(o) LOOP
            IF o -> k = n -> k THEN
                o := o - k;
                n := n - k;
            END IF;
        END LOOP;
    END IF;
    INSERT INTO audit_log (user_id, login, client_addr, request_id, action, object_type,
                           object_id, site_id, before, after)
    VALUES (jy_actor(), NULLIF(current_setting('jy.login', true), ''),
            NULLIF(current_setting('jy.client_addr', true), '')::inet,
            NULLIF(current_setting('jy.request_id', true), ''),
            lower(TG_OP), TG_TABLE_NAME,
            coalesce(r ->> 'id', r ->> 'item_id'),
            CASE WHEN TG_TABLE_NAME = 'site' THEN (r ->> 'id')::bigint
                 ELSE (r ->> 'site_id')::bigint END,
            o, n);
    RETURN NULL;
END
$$;

-- Semantic events (site.close, session.login ...) for code running as
-- jiyue_app: the actor is stamped here, so nobody can write a row in
-- another user's name. jiyue_app cannot INSERT into audit_log directly.
CREATE FUNCTION jy_audit(action text, object_type text, object_id text, on_site bigint,
                         before jsonb DEFAULT NULL, after jsonb DEFAULT NULL) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO audit_log (user_id, login, client_addr, request_id, action, object_type,
                           object_id, site_id, before, after)
    VALUES (jy_actor(), NULLIF(current_setting('jy.login', true), ''),
            NULLIF(current_setting('jy.client_addr', true), '')::inet,
            NULLIF(current_setting('jy.request_id', true), ''),
            action, object_type, object_id, on_site, before, after)
$$;
COMMENT ON FUNCTION jy_audit(text, text, text, bigint, jsonb, jsonb) IS
    'Record a semantic event in the audit log in the name of the acting user.';


-- Row-level security, table by table. Policies name the permission they
-- need; role permissions are in table role (0003_identity.sql).

-- site: the tree is public (it is what the websites show)
ALTER TABLE site ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON site TO jiyue_app;
CREATE POLICY site_read ON site FOR SELECT USING (true);
CREATE POLICY site_create ON site FOR INSERT
    WITH CHECK (parent_id = ANY ((SELECT jy_perm_sites('site.create'))::bigint[]));
CREATE POLICY site_update ON site FOR UPDATE
    USING (id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[])
           OR id = ANY ((SELECT jy_perm_sites('site.close'))::bigint[]));

ALTER TABLE site_domain ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON site_domain TO jiyue_app;
CREATE POLICY site_domain_read ON site_domain FOR SELECT USING (true);
CREATE POLICY site_domain_write ON site_domain FOR ALL
    USING (site_id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]))
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]));

-- the redirect map of closed sites (0007): public (nginx serves it), written
-- by those who close sites; its rows are derived from the site.close event,
-- which the audit log records, so they carry no audit trigger of their own
GRANT SELECT, INSERT, UPDATE, DELETE ON site_redirect TO jiyue_app;
CREATE POLICY site_redirect_write ON site_redirect FOR ALL
    USING (site_id = ANY ((SELECT jy_perm_sites('site.close'))::bigint[]))
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('site.close'))::bigint[]));

-- columns: public structure; managed with column.manage on the site or the column subtree
ALTER TABLE site_column ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON site_column TO jiyue_app;
CREATE POLICY site_column_read ON site_column FOR SELECT USING (true);
CREATE POLICY site_column_write ON site_column FOR ALL
    USING (site_id = ANY ((SELECT jy_perm_sites('column.manage'))::bigint[])
           OR id = ANY ((SELECT jy_perm_columns('column.manage'))::bigint[]))
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('column.manage'))::bigint[])
                OR parent_id = ANY ((SELECT jy_perm_columns('column.manage'))::bigint[])
                OR id = ANY ((SELECT jy_perm_columns('column.manage'))::bigint[]));

-- placements: published ones are public; drafts need item.read on the showing site/column
ALTER TABLE placement ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON placement TO jiyue_app;
CREATE POLICY placement_read ON placement FOR SELECT
    USING (state = 'published'
           OR site_id = ANY ((SELECT jy_perm_sites('item.read'))::bigint[])
           OR column_id = ANY ((SELECT jy_perm_columns('item.read'))::bigint[]));
CREATE POLICY placement_insert ON placement FOR INSERT
    WITH CHECK ((site_id = ANY ((SELECT jy_perm_sites('item.write'))::bigint[])
                 OR column_id = ANY ((SELECT jy_perm_columns('item.write'))::bigint[]))
                AND (state IN ('draft', 'submitted')
                     OR site_id = ANY ((SELECT jy_perm_sites('item.publish'))::bigint[])
                     OR column_id = ANY ((SELECT jy_perm_columns('item.publish'))::bigint[])));
-- who may leave a placement in which state: publishing (and withdrawing,
-- archiving) needs item.publish, approving item.review, the rest item.write
CREATE POLICY placement_update ON placement FOR UPDATE
    USING (jy_can('item.write', site_id, column_id) OR jy_can('item.review', site_id, column_id)
           OR jy_can('item.publish', site_id, column_id))
    WITH CHECK (CASE
        WHEN state IN ('published', 'withdrawn', 'archived') THEN jy_can('item.publish', site_id, column_id)
        WHEN state = 'approved' THEN jy_can('item.review', site_id, column_id)
                                     OR jy_can('item.publish', site_id, column_id)
        ELSE jy_can('item.write', site_id, column_id) OR jy_can('item.review', site_id, column_id)
             OR jy_can('item.publish', site_id, column_id)
    END);
CREATE POLICY placement_delete ON placement FOR DELETE
    USING (state IN ('draft', 'submitted', 'withdrawn') AND jy_can('item.write', site_id, column_id));

ALTER TABLE placement_hidden ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, DELETE ON placement_hidden TO jiyue_app;
CREATE POLICY placement_hidden_read ON placement_hidden FOR SELECT USING (true);
CREATE POLICY placement_hidden_write ON placement_hidden FOR ALL
    USING (jy_can('item.publish', site_id, column_id))
    WITH CHECK (jy_can('item.publish', site_id, column_id));

-- items: readable by readers of the owning site, by their author, and
-- wherever a visible placement shows them (published anywhere, or in a
-- site or column the reader may read). Written by the owning site's
-- writers; a writer holding only a column grant writes its own items and
-- those placed in its columns.
ALTER TABLE item ALTER COLUMN created_by SET DEFAULT jy_actor();
ALTER TABLE item ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON item TO jiyue_app;
CREATE POLICY item_read ON item FOR SELECT
    USING (site_id = ANY ((SELECT jy_perm_sites('item.read'))::bigint[])
           OR created_by = jy_actor()
           OR EXISTS (SELECT 1 FROM placement p WHERE p.item_id = item.id));
CREATE POLICY item_insert ON item FOR INSERT
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[]));
CREATE POLICY item_update ON item FOR UPDATE
    USING (site_id = ANY ((SELECT jy_perm_sites('item.write'))::bigint[])
           OR (site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[])
               AND (created_by = jy_actor()
                    OR EXISTS (SELECT 1 FROM placement p WHERE p.item_id = item.id
                               AND p.column_id = ANY ((SELECT jy_perm_columns('item.write'))::bigint[])))))
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[]));

-- revisions: the history of an item, for those who may read the item on its own site
ALTER TABLE item_revision ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON item_revision TO jiyue_app;
CREATE POLICY item_revision_read ON item_revision FOR SELECT
    USING (site_id = ANY ((SELECT jy_perm_sites('item.read', false))::bigint[])
           AND EXISTS (SELECT 1 FROM item i WHERE i.id = item_revision.item_id));
CREATE POLICY item_revision_insert ON item_revision FOR INSERT
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[]));

ALTER TABLE item_relation ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON item_relation TO jiyue_app;
CREATE POLICY item_relation_read ON item_relation FOR SELECT USING (true);
CREATE POLICY item_relation_write ON item_relation FOR ALL
    USING (site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[]))
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[]));

ALTER TABLE item_tag ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, DELETE ON item_tag TO jiyue_app;
CREATE POLICY item_tag_read ON item_tag FOR SELECT USING (true);
CREATE POLICY item_tag_write ON item_tag FOR ALL
    USING (site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[]))
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[]));

-- the vocabulary is platform-wide: read by all, managed by platform admins
ALTER TABLE tag ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON tag TO jiyue_app;
CREATE POLICY tag_read ON tag FOR SELECT USING (true);
CREATE POLICY tag_write ON tag FOR ALL
    USING ((SELECT id FROM site WHERE parent_id IS NULL) = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]))
    WITH CHECK ((SELECT id FROM site WHERE parent_id IS NULL) = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]));
ALTER TABLE tag_synonym ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, DELETE ON tag_synonym TO jiyue_app;
CREATE POLICY tag_synonym_read ON tag_synonym FOR SELECT USING (true);
CREATE POLICY tag_synonym_write ON tag_synonym FOR ALL
    USING ((SELECT id FROM site WHERE parent_id IS NULL) = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]))
    WITH CHECK ((SELECT id FROM site WHERE parent_id IS NULL) = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]));

GRANT SELECT ON role, item_kind TO jiyue_app;

-- users: people see themselves; user.manage on the managing site (NULL:
-- the platform root) sees and manages the account. Phone numbers and
-- e-mail are personal data: nobody else reads them.
ALTER TABLE app_user ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON app_user TO jiyue_app;
-- password hashes are for the owner role (login runs there), never for the
-- app: it may read every other column
REVOKE SELECT ON app_user FROM jiyue_app;
GRANT SELECT (id, site_id, login, display_name, organisation, phone, email, disabled,
              disabled_at, last_login_at, created_at, updated_at) ON app_user TO jiyue_app;
CREATE POLICY app_user_read ON app_user FOR SELECT
    USING (id = jy_actor()
           OR coalesce(site_id, (SELECT id FROM site WHERE parent_id IS NULL))
              = ANY ((SELECT jy_perm_sites('user.manage'))::bigint[]));
CREATE POLICY app_user_write ON app_user FOR ALL
    USING (coalesce(site_id, (SELECT id FROM site WHERE parent_id IS NULL))
           = ANY ((SELECT jy_perm_sites('user.manage'))::bigint[]))
    WITH CHECK (coalesce(site_id, (SELECT id FROM site WHERE parent_id IS NULL))
                = ANY ((SELECT jy_perm_sites('user.manage'))::bigint[]));

-- grants: a person sees their own; grant.manage on a site manages grants
-- there, and nobody hands out a permission they do not hold themselves
ALTER TABLE user_grant ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON user_grant TO jiyue_app;
CREATE POLICY user_grant_read ON user_grant FOR SELECT
    USING (user_id = jy_actor() OR site_id = ANY ((SELECT jy_perm_sites('grant.manage'))::bigint[]));
CREATE POLICY user_grant_write ON user_grant FOR ALL
    USING (site_id = ANY ((SELECT jy_perm_sites('grant.manage'))::bigint[]))
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('grant.manage'))::bigint[])
                AND NOT EXISTS (SELECT 1 FROM role r, unnest(r.permissions) p
                                WHERE r.code = user_grant.role
                                  AND NOT site_id = ANY (jy_perm_sites(p))));

-- audit: readers with audit.read on the site (NULL site: platform root);
-- rows arrive only through jy_audit_row() and jy_audit()
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON audit_log TO jiyue_app;
CREATE POLICY audit_log_read ON audit_log FOR SELECT
    USING (coalesce(site_id, (SELECT id FROM site WHERE parent_id IS NULL))
           = ANY ((SELECT jy_perm_sites('audit.read'))::bigint[]));

GRANT EXECUTE ON FUNCTION jy_audit(text, text, text, bigint, jsonb, jsonb) TO jiyue_app;


-- Every change of these tables is recorded.
CREATE TRIGGER site_audit AFTER INSERT OR UPDATE OR DELETE ON site
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER site_domain_audit AFTER INSERT OR UPDATE OR DELETE ON site_domain
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER site_column_audit AFTER INSERT OR UPDATE OR DELETE ON site_column
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER item_audit AFTER INSERT OR UPDATE OR DELETE ON item
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER placement_audit AFTER INSERT OR UPDATE OR DELETE ON placement
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER placement_hidden_audit AFTER INSERT OR UPDATE OR DELETE ON placement_hidden
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER item_relation_audit AFTER INSERT OR UPDATE OR DELETE ON item_relation
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER item_tag_audit AFTER INSERT OR UPDATE OR DELETE ON item_tag
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER tag_audit AFTER INSERT OR UPDATE OR DELETE ON tag
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER app_user_audit AFTER INSERT OR UPDATE OR DELETE ON app_user
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER user_grant_audit AFTER INSERT OR UPDATE OR DELETE ON user_grant
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
