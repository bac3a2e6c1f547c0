-- 0021_bulk_audit.sql - bulk loads write one semantic audit row, not one per
-- row they touch.
--
-- jiyue import creates or updates hundreds of thousands of rows in one
-- transaction; jy_audit_row() (0011_rls.sql) would copy each into
-- audit_log, twice the size of the corpus, for a change that one row
-- describes fully ("import.corpus", source, counts per table: core/import.c).
-- The loader sets the transaction-local setting jy.bulk = 'on' and writes
-- that row with jy_audit(); the per-row trigger then records nothing.
--
-- Only the system may do that: the setting is honoured when the session
-- logged in as the role that owns the tables (inside this SECURITY DEFINER
-- function current_user is that owner, so session_user = current_user says
-- "the owner connected"). The application role jiyue_app can set any jy.*
-- setting it likes, and its changes are audited all the same
-- (tests/integration/import_test.c test_app_role_cannot_skip_audit).
--
-- The body is 0011's, with the old and new rows turned into JSON only when
-- they are recorded (a bulk row costs one comparison).

CREATE OR REPLACE FUNCTION jy_audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    secret constant text[] := ARRAY['password_hash', 'token_hash'];
    o jsonb;
    n jsonb;
    r jsonb;
    k text;
BEGIN
    IF current_setting('jy.bulk', true) = 'on' AND session_user = current_user
       AND session_user <> 'jiyue_app' THEN
        RETURN NULL;  -- a bulk load of the system: it records one row itself
    END IF;
    o := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) - secret END;
    n := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) - secret END;
    r := coalesce(n, o);
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
COMMENT ON FUNCTION jy_audit_row() IS
    'AFTER trigger of every tenant table: one audit_log row per insert, update (changed fields only) and delete; '
    'nothing inside a bulk load of the system (jy.bulk = ''on'' on an owner connection), which records itself.';
