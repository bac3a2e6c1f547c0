-- 0070_checks.sql - content checks (issue 5): per-site severity of each
-- kind of finding, per-site lexicon entries, required metadata per column,
-- and the link cache. The checks themselves are plugins (docs/plugins.md);
-- core/check.c reads these tables.

-- What a kind of finding does on this site. A kind without a row keeps the
-- default its plugin declares (docs/checks.md lists them).
CREATE TABLE check_setting (
    site_id    bigint NOT NULL REFERENCES site (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    on_save    text NOT NULL DEFAULT 'warn',
    on_publish text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),

    PRIMARY KEY (site_id, kind),
    CONSTRAINT check_setting_kind_shape CHECK (kind ~ '^[a-z0-9_]{1,64}$'),
    CONSTRAINT check_setting_on_save CHECK (on_save IN ('warn', 'off')),
    CONSTRAINT check_setting_on_publish CHECK (on_publish IN ('block', 'warn', 'off'))
);
COMMENT ON TABLE check_setting IS
    'Per site: whether a kind of check finding (words, typos, names, privacy, links, metadata ...) '
    'is reported when an item is saved, and whether it blocks, warns or is off when it is published.';
COMMENT ON COLUMN check_setting.kind IS 'A kind registered by a check plugin (jiyue check plugins lists them).';

CREATE TRIGGER check_setting_touch BEFORE UPDATE ON check_setting
    FOR EACH ROW EXECUTE FUNCTION jy_touch_updated_at();


-- A site's own lexicon entries, added to the platform's lexicon files.
CREATE TABLE check_lexicon (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES site (id) ON DELETE CASCADE,
    lexicon     text NOT NULL,
    entry       text NOT NULL,
    replacement text,
    created_by  bigint REFERENCES app_user (id) ON DELETE SET NULL DEFAULT jy_actor(),
    created_at  timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT check_lexicon_key UNIQUE (site_id, lexicon, entry),
    CONSTRAINT check_lexicon_lexicon CHECK (lexicon IN ('sensitive', 'whitelist', 'typos', 'names')),
    CONSTRAINT check_lexicon_entry_shape CHECK (
        length(btrim(entry)) BETWEEN 1 AND 64 AND entry = btrim(entry) AND entry !~ '[[:cntrl:]]'),
    CONSTRAINT check_lexicon_pairs CHECK (
        (lexicon IN ('typos', 'names')) = (replacement IS NOT NULL)),
    CONSTRAINT check_lexicon_replacement_shape CHECK (
        replacement IS NULL OR (length(btrim(replacement)) BETWEEN 1 AND 64
                                AND replacement !~ '[[:cntrl:]]' AND replacement <> entry))
);
COMMENT ON TABLE check_lexicon IS
    'Entries a site adds to the lexicons of the content checks: sensitive words, whitelisted phrases, '
    'typos and official names (wrong entry -> right replacement).';


-- Metadata a site requires beyond the kind's schema (item_field.required):
-- for the items of one kind placed in a column (or anywhere on the site).
CREATE TABLE check_required_field (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id    bigint NOT NULL REFERENCES site (id) ON DELETE CASCADE,
    column_id  bigint,
    kind       text NOT NULL,
    field      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT check_required_field_column FOREIGN KEY (site_id, column_id)
        REFERENCES site_column (site_id, id) ON DELETE CASCADE,
    CONSTRAINT check_required_field_field FOREIGN KEY (kind, field)
        REFERENCES item_field (kind, field) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX check_required_field_key
    ON check_required_field (site_id, coalesce(column_id, 0), kind, field);
COMMENT ON TABLE check_required_field IS
    'Required metadata per site and column: an item of this kind placed in the column (NULL: anywhere on '
    'the site) must have the field filled before it is published (check kind "metadata").';


-- Results of external link requests, shared by every site (a URL answers
-- the same whoever links to it).
CREATE TABLE check_link_cache (
    url        text PRIMARY KEY,
    status     integer NOT NULL,
    info       text NOT NULL DEFAULT '',
    checked_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT check_link_cache_status CHECK (status = 0 OR status BETWEEN 100 AND 999)
);
COMMENT ON TABLE check_link_cache IS
    'Last answer of each external URL the link check requested: HTTP status (0: the request failed, '
    'info says why). Entries older than setting check_link_ttl are requested again.';


-- Row-level security. Settings, lexicon entries and rules are read by the
-- readers of the site (editors see why their text was flagged) and written
-- by those who manage it. The link cache is the checks' own: the check
-- worker writes it over the system's connection; the application role
-- does not see it.
ALTER TABLE check_setting ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON check_setting TO jiyue_app;
CREATE POLICY check_setting_read ON check_setting FOR SELECT
    USING (site_id = ANY ((SELECT jy_perm_sites('item.read', false))::bigint[]));
CREATE POLICY check_setting_write ON check_setting FOR ALL
    USING (site_id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]))
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]));

ALTER TABLE check_lexicon ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON check_lexicon TO jiyue_app;
CREATE POLICY check_lexicon_read ON check_lexicon FOR SELECT
    USING (site_id = ANY ((SELECT jy_perm_sites('item.read', false))::bigint[]));
CREATE POLICY check_lexicon_write ON check_lexicon FOR ALL
    USING (site_id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]))
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]));

ALTER TABLE check_required_field ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON check_required_field TO jiyue_app;
CREATE POLICY check_required_field_read ON check_required_field FOR SELECT
    USING (site_id = ANY ((SELECT jy_perm_sites('item.read', false))::bigint[]));
CREATE POLICY check_required_field_write ON check_required_field FOR ALL
    USING (site_id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]))
    WITH CHECK (site_id = ANY ((SELECT jy_perm_sites('site.manage'))::bigint[]));

ALTER TABLE check_link_cache ENABLE ROW LEVEL SECURITY;

CREATE TRIGGER check_setting_audit AFTER INSERT OR UPDATE OR DELETE ON check_setting
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER check_lexicon_audit AFTER INSERT OR UPDATE OR DELETE ON check_lexicon
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER check_required_field_audit AFTER INSERT OR UPDATE OR DELETE ON check_required_field
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
