-- Mirror passwords are stored sealed with the platform's key (core/secret.h):
-- "jy1:" and base64, never in plain text, so that a dump or a backup of the
-- database does not give away the servers the pushers log in to. The
-- length rule of 0050 was for plain text (1 to 1024 bytes: jiyue checks
-- that now before sealing); the new rule admits only sealed values. It is
-- NOT VALID: a password stored before this migration stays readable (the
-- pusher opens plain text as it is and warns) until it is stored again.
ALTER TABLE mirror_credential DROP CONSTRAINT mirror_credential_password;
ALTER TABLE mirror_credential ADD CONSTRAINT mirror_credential_password_sealed
    CHECK (password IS NULL OR password ~ '^jy1:[A-Za-z0-9+/]+={0,2}$' AND length(password) <= 8192)
    NOT VALID;
COMMENT ON COLUMN mirror_credential.password IS
    'WebDAV or SFTP password, or the passphrase of ssh_key, sealed with the platform''s key '
    '(core/secret.h: "jy1:" and base64); the key is the file of the setting secret_key_file.';
