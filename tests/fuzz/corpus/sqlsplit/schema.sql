-- 0001_site.sql - the site tree: the platform, its province, city, county and
-- department sites, and the column-only units that publish into a site.
--
-- Conventions of every migration (docs/CONTRIBUTING: "adding a migration"):
--  * ids are bigint identities; natural keys get UNIQUE constraints;
--  * every tenant table carries site_id (row-level security arrives with
--    issue 3 and will filter on it; the schema can be distributed by site);
--  * constraints are named <table>_<what> so that an error names the rule;
--  * the runner wraps each file in one transaction: no BEGIN/COMMIT here.

-- Keep updated_at honest: only a real change moves it, so that an idempotent
-- load (UPDATE with the same values) leaves rows exactly as they were.
CREATE FUNCTION jy_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION jy_touch_updated_at() IS
    'BEFORE UPDATE trigger: set updated_at to now() when the row really changed.';


CREATE TABLE site (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id          bigint REFERENCES site (id) ON DELETE RESTRICT,
    path               bigint[] NOT NULL DEFAULT '{}',
    kind               text NOT NULL DEFAULT 'site',
    level              text NOT NULL,
    name               text NOT NULL,
    short_name         text,
    code               text,
    admin_code         text,
    sponsor            text,
    organizer          text,
    contact_phone      text,
    contact_email      text,
    contact_address    text,
    contact_postcode   text,
    icp_no             text,
    psb_no             text,
    dzjg_url           text,
    theme              text NOT NULL DEFAULT 'default',
    channels           text[] NOT NULL DEFAULT '{desktop,mobile,elder,json,rss,sitemap}',
    time_zone          text NOT NULL DEFAULT 'Asia/Shanghai',
    status             text NOT NULL DEFAULT 'open',
    closed_at          timestamptz,
    redirect_column_id bigint,  -- FK added in 0002 (site_column does not exist yet)
    redirect_url       text,
    blueprint          text,
    blueprint_version  integer,
    sort               integer NOT NULL DEFAULT 0,
    settings           jsonb NOT NULL DEFAULT '{}',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT site_kind CHECK (kind IN ('site', 'unit')),
    CONSTRAINT site_level CHECK (level IN ('platform', 'province', 'city', 'county',
                                           'department', 'township')),
    -- national rule: below county level there are no sites
    CONSTRAINT site_township_is_unit CHECK (level <> 'township' OR kind = 'unit'),
    CONSTRAINT site_platform_is_root CHECK (level <> 'platform' OR (parent_id IS NULL AND kind = 'site')),
    CONSTRAINT site_unit_has_parent CHECK (kind <> 'unit' OR parent_id IS NOT NULL),
    CONSTRAINT site_not_own_parent CHECK (parent_id <> id),
    CONSTRAINT site_name_shape CHECK (length(btrim(name)) BETWEEN 1 AND 100 AND name = btrim(name)),
    -- 政府网站标识码 (SiteIDCode): 6-digit administrative division code + 4 digits,
    -- or "bm" + 8 digits for State Council departments
    CONSTRAINT site_code_shape CHECK (code ~ '^([0-9]{10}|bm[0-9]{8})$'),
    CONSTRAINT site_code_required CHECK (kind = 'unit' OR level = 'platform' OR code IS NOT NULL),
    -- GB/T 2260 administrative division codes: province NN0000, city NNNN00
    CONSTRAINT site_admin_code_shape CHECK (admin_code ~ '^[1-9][0-9]{5}$'),
    CONSTRAINT site_admin_code_level CHECK (
        (level <> 'province' OR admin_code ~ '^[1-9][0-9]0000$')
        AND (level <> 'city' OR admin_code ~ '^[1-9][0-9]([0-9][1-9]|[1-9][0-9])00$')
        AND (level <> 'county' OR admin_code ~ '^[1-9][0-9]{3}([0-9][1-9]|[1-9][0-9])$')),
    -- a local site's code starts with the division code of its government
    CONSTRAINT site_code_matches_admin_code CHECK (
        code IS NULL OR admin_code IS NULL OR code LIKE 'bm%' OR left(code, 6) = admin_code),
    CONSTRAINT site_email_shape CHECK (contact_email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    CONSTRAINT site_postcode_shape CHECK (contact_postcode ~ '^[0-9]{6}$'),
    -- ICP备案号: 滇ICP备12345678号 or 滇ICP备12345678号-2
    CONSTRAINT site_icp_shape CHECK (icp_no ~ '^[一-龥]ICP备[0-9]{6,10}号(-[0-9]{1,3})?$'),
    -- 公安机关备案号: 滇公网安备 53010202000123号 (14 digits, the first 6 a division code)
    CONSTRAINT site_psb_shape CHECK (psb_no ~ '^[一-龥]公网安备 ?[0-9]{14}号$'),
    CONSTRAINT site_dzjg_url_shape CHECK (dzjg_url ~ '^https?://[^[:space:]]+$'),
    CONSTRAINT site_redirect_url_shape CHECK (redirect_url ~ '^https?://[^[:space:]]+$'),
    CONSTRAINT site_theme_shape CHECK (theme ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    CONSTRAINT site_channels_shape CHECK (
        array_to_string(channels, ',') ~ '^([a-z][a-z0-9_]*(,[a-z][a-z0-9_]*)*)?$'),
    CONSTRAINT site_time_zone_shape CHECK (time_zone ~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$'),
    CONSTRAINT site_status CHECK (status IN ('open', 'closed')),
    CONSTRAINT site_closed_at CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
    CONSTRAINT site_redirect_only_closed CHECK (
        status = 'closed' OR (redirect_column_id IS NULL AND redirect_url IS NULL)),
    CONSTRAINT site_blueprint_shape CHECK (blueprint ~ '^[a-z][a-z0-9_-]{0,63}$'),
    CONSTRAINT site_blueprint_version CHECK (
        (blueprint IS NULL) = (blueprint_version IS NULL) AND blueprint_version >= 1),
    CONSTRAINT site_settings_object CHECK (jsonb_typeof(settings) = 'object'),
    -- target of composite foreign keys "this unit belongs to that site"
    CONSTRAINT site_id_parent_key UNIQUE (id, parent_id)
);

CREATE UNIQUE INDEX site_code_key ON site (code);
-- one platform node per database: the root of everything
CREATE UNIQUE INDEX site_one_platform ON site ((true)) WHERE level = 'platform';
-- siblings have distinct names (a unit is found by its host site and its name)
CREATE UNIQUE INDEX site_parent_name_key ON site (COALESCE(parent_id, 0), name);
CREATE INDEX site_parent_idx ON site (parent_id, sort, id);
-- subtree queries (grants on a subtree, RLS): WHERE path @> ARRAY[$root]
CREATE INDEX site_path_idx ON site USING gin (path);

COMMENT ON TABLE site IS
    'A node of the site tree: the platform root, province, city, county and department sites, '
    'and column-only units (townships, county departments) that publish into columns of their '
    'parent site. Sites and units share this table so that a unit can be promoted to a site and '
    'a closed site demoted to a unit without losing anything: only kind changes.';
COMMENT ON COLUMN site.parent_id IS 'Parent node; NULL only for the platform root (or a detached tree). Cycles are refused by trigger.';
COMMENT ON COLUMN site.path IS 'Ids from the root down to this node (itself included), maintained by trigger; path @> ARRAY[x] finds the subtree of x.';
COMMENT ON COLUMN site.kind IS 'site: has its own domain and portal; unit: a column-only tenant (below county level, or a department without a site) publishing into columns of its parent site.';
COMMENT ON COLUMN site.level IS 'platform, province, city, county, department, or township (townships are always units).';
COMMENT ON COLUMN site.name IS 'Full name, the SiteName meta tag: 云岭省人民政府.';
COMMENT ON COLUMN site.short_name IS 'Short name for navigation and breadcrumbs: 云岭省.';
COMMENT ON COLUMN site.code IS '政府网站标识码 (SiteIDCode): 10 characters, division code + 4 digits or bm + 8 digits. NULL for units and the platform root.';
COMMENT ON COLUMN site.admin_code IS 'Administrative division code (GB/T 2260, 6 digits) of the government the site belongs to.';
COMMENT ON COLUMN site.sponsor IS '主办单位 shown in the footer.';
COMMENT ON COLUMN site.organizer IS '承办单位 shown in the footer.';
COMMENT ON COLUMN site.icp_no IS 'ICP备案号, e.g. 岭ICP备56000001号.';
COMMENT ON COLUMN site.psb_no IS '公安机关备案号, e.g. 岭公网安备 56010202000001号.';
COMMENT ON COLUMN site.dzjg_url IS 'Link behind the 党政机关网站标识 seal in the footer.';
COMMENT ON COLUMN site.theme IS 'Theme name under themes/; the site theme overrides the platform theme.';
COMMENT ON COLUMN site.channels IS 'Output channels rendered for the site: desktop, mobile, elder (长辈版), json, rss, sitemap, or a plugin''s.';
COMMENT ON COLUMN site.time_zone IS 'IANA time zone for displayed times (PubDate).';
COMMENT ON COLUMN site.status IS 'open, or closed (关停整合): a closed site keeps its rows; its URLs redirect to redirect_column_id or redirect_url.';
COMMENT ON COLUMN site.redirect_column_id IS 'Closed sites: the column of another site that received the content.';
COMMENT ON COLUMN site.blueprint IS 'Name of the blueprint (sites/blueprints/<name>.json) last applied, with its version.';
COMMENT ON COLUMN site.sort IS 'Order among siblings in lists and navigation.';
COMMENT ON COLUMN site.settings IS 'Extension settings (plugins, theme options) as a JSON object.';


-- Maintain path and refuse cycles. A move rewrites the paths of the subtree.
CREATE FUNCTION jy_site_tree() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    parent_path bigint[];
BEGIN
    IF NEW.parent_id IS NULL THEN
        NEW.path := ARRAY[NEW.id];
        RETURN NEW;
    END IF;
    SELECT path INTO parent_path FROM site WHERE id = NEW.parent_id;
    IF parent_path IS NULL THEN
        RETURN NEW;  -- the foreign key reports the missing parent
    END IF;
    IF NEW.id = ANY (parent_path) THEN
        RAISE EXCEPTION 'site "%" cannot be moved under its own subtree', NEW.name
            USING ERRCODE = 'check_violation', COLUMN = 'parent_id';
    END IF;
    NEW.path := parent_path || NEW.id;
    RETURN NEW;
END
$$;

CREATE FUNCTION jy_site_tree_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- children recompute their path from ours; their own trigger recurses
    UPDATE site SET path = '{}' WHERE parent_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER site_tree BEFORE INSERT OR UPDATE OF parent_id, path ON site
    FOR EACH ROW EXECUTE FUNCTION jy_site_tree();
CREATE TRIGGER site_tree_moved AFTER UPDATE OF parent_id, path ON site
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path) EXECUTE FUNCTION jy_site_tree_moved();
CREATE TRIGGER site_touch BEFORE UPDATE ON site
    FOR EACH ROW EXECUTE FUNCTION jy_touch_updated_at();


CREATE TABLE site_domain (
    site_id    bigint NOT NULL REFERENCES site (id) ON DELETE CASCADE,
    domain     text NOT NULL,
    is_primary boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),

    PRIMARY KEY (domain),
    -- lower-case host name, at least two labels, no port
    CONSTRAINT site_domain_shape CHECK (
        domain ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$' AND length(domain) <= 253)
);
CREATE UNIQUE INDEX site_domain_one_primary ON site_domain (site_id) WHERE is_primary;
CREATE INDEX site_domain_site_idx ON site_domain (site_id);

COMMENT ON TABLE site_domain IS
    'Host names of a site: one primary (SiteDomain, canonical URLs) and any aliases, which redirect to it. A host belongs to one site only.';
COMMENT ON COLUMN site_domain.is_primary IS 'The canonical host; at most one per site.';
