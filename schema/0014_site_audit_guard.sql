-- 0014_site_audit_guard.sql - only those who may change a site record its
-- lifecycle events.
--
-- jy_site_audit() (0007) is SECURITY DEFINER so that site operations run by
-- the application role can write their audit row; as it stood, any user of
-- that role could also append a site.close or site.update event for a site it
-- has no right to touch (in its own name, but a false record all the same).
-- The unchecked function is kept under another name, out of the application
-- role's reach, behind a wrapper that checks the right first.

ALTER FUNCTION jy_site_audit(text, bigint, jsonb, jsonb) RENAME TO jy_site_audit_unchecked;
REVOKE EXECUTE ON FUNCTION jy_site_audit_unchecked(text, bigint, jsonb, jsonb) FROM PUBLIC;

CREATE FUNCTION jy_site_audit(action text, site_id bigint, before jsonb, extra jsonb)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- the system (owner role) records anything; a person only sites it may
    -- manage or close, or create under their parent
    IF session_user = 'jiyue_app'
       AND NOT (site_id = ANY (jy_perm_sites('site.manage'))
                OR site_id = ANY (jy_perm_sites('site.close'))
                OR (SELECT s.parent_id FROM site s WHERE s.id = jy_site_audit.site_id)
                   = ANY (jy_perm_sites('site.create'))) THEN
        RAISE EXCEPTION 'you may not record events of site %', site_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN jy_site_audit_unchecked(action, site_id, before, extra);
END
$$;
COMMENT ON FUNCTION jy_site_audit(text, bigint, jsonb, jsonb) IS
    'Append the audit record of a site lifecycle step, for the system or a user with rights on the site.';
REVOKE EXECUTE ON FUNCTION jy_site_audit(text, bigint, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jy_site_audit(text, bigint, jsonb, jsonb) TO jiyue_app;
