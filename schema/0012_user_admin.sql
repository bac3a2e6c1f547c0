-- 0012_user_admin.sql - administering accounts in a person's name.
--
-- A site admin creates, disables and re-enables the accounts of its sites
-- and resets their passwords through the application role (jiyue_app),
-- under row-level security (user.manage on the account's managing site).
-- Credentials (sessions, tokens, password hashes) stay out of that role's
-- reach: the few steps that touch them are SECURITY DEFINER functions that
-- check the right themselves.

-- may the acting user administer this account? the system (owner role) may
CREATE FUNCTION jy_can_manage_user(for_id bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT session_user <> 'jiyue_app'
        OR EXISTS (SELECT 1 FROM app_user u
                   WHERE u.id = for_id
                     AND coalesce(u.site_id, (SELECT id FROM site WHERE parent_id IS NULL))
                         = ANY (jy_perm_sites('user.manage')))
$$;
COMMENT ON FUNCTION jy_can_manage_user(bigint) IS
    'True when the acting user holds user.manage on the site that manages the account (always for the system).';

-- the account as the audit log shows it (no secrets), for its administrators
CREATE FUNCTION jy_user_snapshot(for_id bigint) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT jy_app_user_audit(u) FROM app_user u WHERE u.id = for_id AND jy_can_manage_user(for_id)
$$;
COMMENT ON FUNCTION jy_user_snapshot(bigint) IS
    'A user as JSON for the audit log, without secrets; NULL for those who may not administer it.';

-- a new password ends every live session of the account; returns how many
CREATE FUNCTION jy_user_end_sessions(for_id bigint, reason text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT jy_can_manage_user(for_id) THEN
        RAISE EXCEPTION 'you may not administer user %', for_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    WITH ended AS (
        UPDATE user_session SET revoked_at = now(), revoked_reason = reason
         WHERE user_id = for_id AND revoked_at IS NULL RETURNING 1)
    SELECT count(*) INTO n FROM ended;
    RETURN n;
END
$$;

-- what disabling an account ended in this transaction (for the audit record)
CREATE FUNCTION jy_user_credentials_ended(for_id bigint) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT jsonb_build_object(
        'sessions_ended', (SELECT count(*) FROM user_session s WHERE s.user_id = for_id
                           AND s.revoked_reason = 'user disabled' AND s.revoked_at = now()),
        'tokens_ended', (SELECT count(*) FROM api_token t WHERE t.user_id = for_id
                         AND t.revoked_reason = 'user disabled' AND t.revoked_at = now()))
    WHERE jy_can_manage_user(for_id)
$$;

-- disabling by a site admin must still end the account's credentials
ALTER FUNCTION jy_app_user_disable_revokes() SECURITY DEFINER SET search_path = public, pg_temp;

REVOKE EXECUTE ON FUNCTION jy_can_manage_user(bigint), jy_user_snapshot(bigint),
    jy_user_end_sessions(bigint, text), jy_user_credentials_ended(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jy_can_manage_user(bigint), jy_user_snapshot(bigint),
    jy_user_end_sessions(bigint, text), jy_user_credentials_ended(bigint) TO jiyue_app;
