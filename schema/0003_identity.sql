-- 0003_identity.sql - one identity for the whole platform (统一用户), roles,
-- grants on a site subtree or a column subtree, and the audit log.
--
-- Passwords, sessions, tokens and row-level security come with issue 3; the
-- tables here are what they will stand on.

CREATE TABLE app_user (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id       bigint REFERENCES site (id) ON DELETE RESTRICT,
    login         text NOT NULL,
    display_name  text NOT NULL,
    organisation  text,
    phone         text,
    email         text,
    password_hash text,
    disabled      boolean NOT NULL DEFAULT false,
    disabled_at   timestamptz,
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT app_user_login_key UNIQUE (login),
    CONSTRAINT app_user_login_shape CHECK (login ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    CONSTRAINT app_user_display_name_shape CHECK (
        length(btrim(display_name)) BETWEEN 1 AND 64 AND display_name = btrim(display_name)),
    -- mainland mobile (13812345678), or a landline with area code (0871-12345678)
    CONSTRAINT app_user_phone_shape CHECK (phone ~ '^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$'),
    CONSTRAINT app_user_email_shape CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    -- PHC string of a password hash ($argon2id$v=19$...); NULL: cannot log in yet
    CONSTRAINT app_user_password_hash_shape CHECK (password_hash ~ '^\$[a-z0-9-]+\$'),
    CONSTRAINT app_user_disabled_at CHECK (disabled = (disabled_at IS NOT NULL))
);
CREATE INDEX app_user_site_idx ON app_user (site_id);

COMMENT ON TABLE app_user IS
    'A person (统一用户): one identity for every site of the platform; what they may do comes from user_grant.';
COMMENT ON COLUMN app_user.site_id IS 'The site whose administrators manage this account (NULL: the platform).';
COMMENT ON COLUMN app_user.login IS 'Login name: lower-case ASCII letters, digits, ".", "_", "-".';
COMMENT ON COLUMN app_user.organisation IS 'Organisation the person works for (工作单位), as shown to reviewers.';
COMMENT ON COLUMN app_user.password_hash IS 'argon2id hash in PHC format; NULL until a password is set.';
COMMENT ON COLUMN app_user.disabled IS 'A disabled user cannot log in and loses its sessions at once.';

CREATE TRIGGER app_user_touch BEFORE UPDATE ON app_user
    FOR EACH ROW EXECUTE FUNCTION jy_touch_updated_at();


CREATE TABLE role (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    description text NOT NULL,
    permissions text[] NOT NULL,
    sort        integer NOT NULL DEFAULT 0,

    CONSTRAINT role_code_shape CHECK (code ~ '^[a-z][a-z0-9_]{0,31}$'),
    CONSTRAINT role_permissions_shape CHECK (
        array_to_string(permissions, ',') ~ '^([a-z_]+\.[a-z_]+(,[a-z_]+\.[a-z_]+)*)?$')
);
COMMENT ON TABLE role IS
    'A named set of permissions given to users through grants. Permissions are object.verb strings (item.write).';

INSERT INTO role (code, name, description, permissions, sort) VALUES
    ('platform_admin', '平台管理员', 'Creates, configures, closes and merges sites; manages every user and grant.',
     '{site.create,site.manage,site.close,column.manage,item.read,item.write,item.review,item.publish,user.manage,grant.manage,audit.read}', 10),
    ('site_admin', '站点管理员', 'Manages one site subtree: settings, columns, its users and their grants.',
     '{site.manage,column.manage,item.read,item.write,item.review,item.publish,user.manage,grant.manage}', 20),
    ('reviewer', '审核员', 'Reviews, approves and publishes items (三审) in the granted sites or columns.',
     '{item.read,item.review,item.publish}', 30),
    ('editor', '编辑', 'Writes items and places them in the granted sites or columns; submits them for review.',
     '{item.read,item.write}', 40),
    ('viewer', '查看者', 'Reads drafts and statistics of the granted sites or columns.',
     '{item.read}', 50),
    ('auditor', '安全审计员', 'Reads the audit log (三员分立: separate from the administrators).',
     '{audit.read}', 60);


CREATE TABLE user_grant (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    role       text NOT NULL REFERENCES role (code) ON DELETE RESTRICT ON UPDATE CASCADE,
    site_id    bigint NOT NULL REFERENCES site (id) ON DELETE CASCADE,
    column_id  bigint,
    granted_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,

    CONSTRAINT user_grant_column_of_site FOREIGN KEY (site_id, column_id)
        REFERENCES site_column (site_id, id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT user_grant_platform_admin_whole_site CHECK (role <> 'platform_admin' OR column_id IS NULL),
    CONSTRAINT user_grant_expiry CHECK (expires_at > granted_at)
);
CREATE UNIQUE INDEX user_grant_key ON user_grant (user_id, role, site_id, COALESCE(column_id, 0));
CREATE INDEX user_grant_site_idx ON user_grant (site_id);

COMMENT ON TABLE user_grant IS
    'Gives a user a role on a site subtree (column_id NULL: the site and every site below it) or on one column subtree of one site.';
COMMENT ON COLUMN user_grant.site_id IS 'Root of the granted site subtree, or the site of column_id.';
COMMENT ON COLUMN user_grant.column_id IS 'Root of the granted column subtree; NULL grants the whole site subtree.';
COMMENT ON COLUMN user_grant.expires_at IS 'The grant ends at this time; NULL: until revoked.';


CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    user_id     bigint,
    login       text,
    client_addr inet,
    request_id  text,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text,
    site_id     bigint,
    before      jsonb,
    after       jsonb,

    CONSTRAINT audit_log_action_shape CHECK (action ~ '^[a-z][a-z0-9_.]{0,63}$'),
    CONSTRAINT audit_log_object_type_shape CHECK (object_type ~ '^[a-z][a-z0-9_]{0,63}$')
);
CREATE INDEX audit_log_site_idx ON audit_log (site_id, at DESC);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, at DESC);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, at DESC);
CREATE INDEX audit_log_at_idx ON audit_log (at);

COMMENT ON TABLE audit_log IS
    'Append-only record of every change: who, when, from where, what object, before and after as JSON. '
    'No foreign keys on purpose: the log outlives the users, sites and objects it names.';
COMMENT ON COLUMN audit_log.user_id IS 'Acting user (NULL: the system, e.g. jiyue demo or a migration).';
COMMENT ON COLUMN audit_log.login IS 'Login of the acting user at the time, kept in case the user is renamed or removed.';
COMMENT ON COLUMN audit_log.action IS 'What was done: create, update, delete, publish, withdraw, login, demo.load ...';
COMMENT ON COLUMN audit_log.object_type IS 'Table or concept acted on: site, site_column, item, placement, app_user ...';
COMMENT ON COLUMN audit_log.site_id IS 'Site the change belongs to, for per-site queries and isolation (NULL: platform-wide).';

CREATE FUNCTION jy_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION jy_audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION jy_audit_log_append_only();
