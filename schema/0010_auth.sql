-- 0010_auth.sql - logging in to the one identity (统一用户): sessions, API
-- tokens for scripts, and the record of login attempts that throttling reads.
--
-- What the code does with these tables is in core/auth.h; the policy (token
-- lifetimes, throttling limits) is documented in docs/operations.md, "Users,
-- passwords and sessions".
--
-- Secrets never reach the database: a session or API token is handed to its
-- owner once and stored only as its BLAKE2b-256 hash (hex). Whoever reads
-- these tables (a backup, a replica, an auditor) cannot log in with them.
--
-- These tables are platform-wide, not tenant tables: an identity spans every
-- site, so they carry no site_id (the user's app_user.site_id says which
-- administrators manage the account).
--
-- Disabling a user ends its sessions and tokens in the database itself
-- (trigger app_user_disable_revokes), so no code path can forget it; and a
-- session or token cannot be created for a user that is disabled, even by a
-- login that raced with the disabling (trigger *_user_enabled).


CREATE TABLE user_session (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash     text NOT NULL,
    user_id        bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    idle_timeout   interval NOT NULL,
    expires_at     timestamptz NOT NULL,
    client_addr    inet,
    user_agent     text,
    revoked_at     timestamptz,
    revoked_reason text,

    CONSTRAINT user_session_token_hash_key UNIQUE (token_hash),
    CONSTRAINT user_session_token_hash_shape CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT user_session_idle_timeout CHECK (idle_timeout > interval '0'),
    CONSTRAINT user_session_expiry CHECK (expires_at > created_at),
    CONSTRAINT user_session_user_agent_length CHECK (octet_length(user_agent) <= 512),
    CONSTRAINT user_session_revoked CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX user_session_user_idx ON user_session (user_id) WHERE revoked_at IS NULL;
CREATE INDEX user_session_expires_idx ON user_session (expires_at);

COMMENT ON TABLE user_session IS
    'A login of a person in a browser or the console: valid while not revoked, before expires_at '
    '(absolute lifetime) and before last_seen_at + idle_timeout (idle timeout).';
COMMENT ON COLUMN user_session.token_hash IS
    'BLAKE2b-256 (hex) of the session token; the token itself is given to the client once and never stored.';
COMMENT ON COLUMN user_session.last_seen_at IS
    'Last use of the session, updated at most once a minute (so the idle timeout is exact to a minute).';
COMMENT ON COLUMN user_session.idle_timeout IS 'The session ends when unused for this long.';
COMMENT ON COLUMN user_session.expires_at IS 'Absolute end of the session, however active it is.';
COMMENT ON COLUMN user_session.client_addr IS 'Address the login came from (NULL: the command line).';
COMMENT ON COLUMN user_session.user_agent IS 'User-Agent of the login request, at most 512 bytes.';
COMMENT ON COLUMN user_session.revoked_reason IS
    'Why the session ended early: logout, user disabled, password changed, revoked.';


CREATE TABLE api_token (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    name           text NOT NULL,
    token_prefix   text NOT NULL,
    token_hash     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz,
    last_used_at   timestamptz,
    revoked_at     timestamptz,
    revoked_reason text,

    CONSTRAINT api_token_prefix_key UNIQUE (token_prefix),
    CONSTRAINT api_token_hash_key UNIQUE (token_hash),
    CONSTRAINT api_token_prefix_shape CHECK (token_prefix ~ '^jy_[A-Za-z0-9_-]{8}$'),
    CONSTRAINT api_token_hash_shape CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT api_token_name_shape CHECK (
        length(btrim(name)) BETWEEN 1 AND 64 AND name = btrim(name)),
    CONSTRAINT api_token_expiry CHECK (expires_at > created_at),
    CONSTRAINT api_token_revoked CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX api_token_user_idx ON api_token (user_id, created_at);

COMMENT ON TABLE api_token IS
    'A long-lived credential for scripts and integrations, acting as its user: "jy_" + 43 random '
    'base64url characters, shown once at creation. Valid while not revoked and before expires_at.';
COMMENT ON COLUMN api_token.name IS 'What the token is for, chosen by its creator ("nightly import").';
COMMENT ON COLUMN api_token.token_prefix IS
    'The first 11 characters of the token ("jy_" + 8): shown in lists so people can tell tokens apart and revoke one.';
COMMENT ON COLUMN api_token.token_hash IS 'BLAKE2b-256 (hex) of the whole token; the token itself is never stored.';
COMMENT ON COLUMN api_token.expires_at IS 'End of validity; NULL: until revoked.';
COMMENT ON COLUMN api_token.last_used_at IS 'Last use, updated at most once a minute.';


CREATE TABLE login_attempt (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login       text NOT NULL,
    user_id     bigint REFERENCES app_user (id) ON DELETE SET NULL,
    client_addr inet,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    success     boolean NOT NULL,
    reason      text NOT NULL,

    CONSTRAINT login_attempt_login_length CHECK (octet_length(login) <= 128),
    CONSTRAINT login_attempt_reason CHECK (reason IN (
        'ok', 'bad_password', 'unknown_login', 'no_password', 'disabled',
        'throttled_login', 'throttled_addr')),
    CONSTRAINT login_attempt_success CHECK (success = (reason = 'ok'))
);
CREATE INDEX login_attempt_login_idx ON login_attempt (login, at DESC);
CREATE INDEX login_attempt_addr_idx ON login_attempt (client_addr, at DESC)
    WHERE client_addr IS NOT NULL;

COMMENT ON TABLE login_attempt IS
    'Every login attempt, successful or not; throttling counts the recent failures per login and per '
    'client address. Platform-wide, no site_id: a login is not yet a user of any site.';
COMMENT ON COLUMN login_attempt.login IS
    'The login name as typed (lower-cased, at most 128 bytes), also when no such user exists.';
COMMENT ON COLUMN login_attempt.user_id IS 'The user the login named, NULL when none.';
COMMENT ON COLUMN login_attempt.client_addr IS 'Address the attempt came from (NULL: the command line).';
COMMENT ON COLUMN login_attempt.reason IS
    'ok, bad_password, unknown_login, no_password, disabled; throttled_login and throttled_addr when '
    'refused without looking at the password (those do not count as failures, so a lock-out is not prolonged by knocking).';


-- The public face of a user for audit_log before/after: an explicit list of
-- columns, so a secret column added later does not leak into the log.
CREATE FUNCTION jy_app_user_audit(u app_user) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', u.id, 'login', u.login, 'display_name', u.display_name,
        'organisation', u.organisation, 'phone', u.phone, 'email', u.email,
        'site_id', u.site_id, 'disabled', u.disabled, 'disabled_at', u.disabled_at,
        'has_password', u.password_hash IS NOT NULL)
$$;
COMMENT ON FUNCTION jy_app_user_audit(app_user) IS
    'A user as JSON for audit_log, without the password hash.';

CREATE FUNCTION jy_api_token_audit(t api_token) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', t.id, 'user_id', t.user_id, 'name', t.name, 'token_prefix', t.token_prefix,
        'created_at', t.created_at, 'expires_at', t.expires_at,
        'revoked_at', t.revoked_at, 'revoked_reason', t.revoked_reason)
$$;
COMMENT ON FUNCTION jy_api_token_audit(api_token) IS
    'An API token as JSON for audit_log, without its hash.';


-- Disabling a user ends its sessions and tokens in the same transaction.
CREATE FUNCTION jy_app_user_disable_revokes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_session SET revoked_at = now(), revoked_reason = 'user disabled'
     WHERE user_id = NEW.id AND revoked_at IS NULL;
    UPDATE api_token SET revoked_at = now(), revoked_reason = 'user disabled'
     WHERE user_id = NEW.id AND revoked_at IS NULL;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION jy_app_user_disable_revokes() IS
    'AFTER UPDATE trigger of app_user: a user that becomes disabled loses every session and API token at once.';
CREATE TRIGGER app_user_disable_revokes AFTER UPDATE OF disabled ON app_user
    FOR EACH ROW WHEN (NEW.disabled AND NOT OLD.disabled)
    EXECUTE FUNCTION jy_app_user_disable_revokes();

-- No new session or token for a disabled user. FOR SHARE waits for a
-- concurrent disabling to commit and then sees it; a disabling that comes
-- after waits for this insert and its trigger then revokes what was made.
CREATE FUNCTION jy_credential_user_enabled() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    is_disabled boolean;
BEGIN
    SELECT disabled INTO is_disabled FROM app_user WHERE id = NEW.user_id FOR SHARE;
    IF is_disabled THEN
        RAISE EXCEPTION 'user % is disabled', NEW.user_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION jy_credential_user_enabled() IS
    'BEFORE INSERT trigger of user_session and api_token: refuses a credential for a disabled user.';
CREATE TRIGGER user_session_user_enabled BEFORE INSERT ON user_session
    FOR EACH ROW EXECUTE FUNCTION jy_credential_user_enabled();
CREATE TRIGGER api_token_user_enabled BEFORE INSERT ON api_token
    FOR EACH ROW EXECUTE FUNCTION jy_credential_user_enabled();
