-- 0006_site_code_check.sql - a malformed 政府网站标识码 is reported as such.
--
-- site_code_matches_admin_code (0001) also fired for codes of the wrong
-- shape ("12345"), so the error could name the division code instead of the
-- shape. It now judges only well-formed local codes (10 digits) and leaves
-- the rest to site_code_shape.

ALTER TABLE site DROP CONSTRAINT site_code_matches_admin_code;
ALTER TABLE site ADD CONSTRAINT site_code_matches_admin_code CHECK (
    code IS NULL OR admin_code IS NULL OR code !~ '^[0-9]{10}$' OR left(code, 6) = admin_code);
