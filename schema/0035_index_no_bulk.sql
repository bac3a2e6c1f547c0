-- 0035_index_no_bulk.sql - 索引号 for many items at once (the importer):
-- the expansion of a site's rule for a given sequence number, apart from
-- drawing the number, so that a bulk load draws a whole range of a site's
-- sequence per year with one update of item_index_seq and formats each
-- number, instead of updating the same sequence row once per item (which
-- in one transaction walks an ever longer chain of row versions).
-- jy_item_index_no (0031) now uses the same expansion.

-- The index number of an item of kind/subject on p_site published at p_at
-- (NULL: now) with sequence number p_seq, by the site's rule. Raises as
-- jy_item_index_no does when the rule needs what the site or item lacks.
CREATE FUNCTION jy_index_format(p_site bigint, p_kind text, p_subject text, p_at timestamptz,
                                p_seq bigint)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    s site;
    rule text;
    local_ timestamp;
    subject_code text;
    width integer;
    out_ text;
BEGIN
    SELECT * INTO s FROM site WHERE id = p_site;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'site % does not exist', p_site USING ERRCODE = 'foreign_key_violation';
    END IF;
    rule := jy_index_rule(p_site);
    local_ := coalesce(p_at, now()) AT TIME ZONE s.time_zone;
    IF strpos(rule, '{site_code}') > 0 AND s.code IS NULL THEN
        RAISE EXCEPTION '索引号 rule "%" of site "%" uses {site_code}, but the site has no 政府网站标识码', rule, s.name
            USING ERRCODE = 'check_violation', COLUMN = 'index_no';
    END IF;
    IF strpos(rule, '{admin_code}') > 0 AND s.admin_code IS NULL THEN
        RAISE EXCEPTION '索引号 rule "%" of site "%" uses {admin_code}, but the site has no division code', rule, s.name
            USING ERRCODE = 'check_violation', COLUMN = 'index_no';
    END IF;
    IF strpos(rule, '{org_code}') > 0 AND NOT s.settings ? 'org_code' THEN
        RAISE EXCEPTION '索引号 rule "%" of site "%" uses {org_code}, but the site has no setting org_code', rule, s.name
            USING ERRCODE = 'check_violation', COLUMN = 'index_no';
    END IF;
    IF strpos(rule, '{subject}') > 0 THEN
        SELECT code INTO subject_code FROM item_vocab
         WHERE vocab = 'subject' AND value = split_part(p_subject, '\', 1);
        IF subject_code IS NULL THEN
            RAISE EXCEPTION '索引号 rule "%" of site "%" needs 主题分类 (subject)', rule, s.name
                USING ERRCODE = 'check_violation', COLUMN = 'subject';
        END IF;
    END IF;
    rule := replace(rule, '{site_code}', coalesce(s.code, ''));
    rule := replace(rule, '{admin_code}', coalesce(s.admin_code, ''));
    rule := replace(rule, '{org_code}', coalesce(s.settings ->> 'org_code', ''));
    rule := replace(rule, '{subject}', coalesce(subject_code, ''));
    rule := replace(rule, '{kind}', coalesce(p_kind, ''));
    rule := replace(rule, '{yyyy}', to_char(local_, 'YYYY'));
    rule := replace(rule, '{yy}', to_char(local_, 'YY'));
    rule := replace(rule, '{mm}', to_char(local_, 'MM'));
    rule := replace(rule, '{dd}', to_char(local_, 'DD'));
    width := coalesce(substring(rule FROM '\{seq:([0-9]+)\}')::integer, 1);
    out_ := regexp_replace(rule, '\{seq(:[0-9]+)?\}',
                           lpad(p_seq::text, greatest(width, length(p_seq::text)), '0'));
    IF out_ !~ '^[0-9A-Za-z][0-9A-Za-z/._-]{0,63}$' THEN
        RAISE EXCEPTION '索引号 rule of site "%" gives "%", which is not a valid 索引号', s.name, out_
            USING ERRCODE = 'check_violation', COLUMN = 'index_no',
                  HINT = 'An index number is 1 to 64 letters, digits, "/", ".", "_" or "-", starting with a letter or digit.';
    END IF;
    RETURN out_;
END
$$;
COMMENT ON FUNCTION jy_index_format(bigint, text, text, timestamptz, bigint) IS
    'The 索引号 with sequence number p_seq of an item of p_site, by the site''s rule (jy_index_rule); draws nothing.';

-- The year of the sequence a number is drawn from: p_at (NULL: now) in the site's time zone.
CREATE FUNCTION jy_index_year(p_site bigint, p_at timestamptz) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT extract(year FROM coalesce(p_at, now()) AT TIME ZONE
                   coalesce((SELECT time_zone FROM site WHERE id = p_site), 'Asia/Shanghai'))::integer
$$;

-- As in 0031, the expansion now in jy_index_format.
CREATE OR REPLACE FUNCTION jy_item_index_no(p_site bigint, p_kind text, p_subject text, p_at timestamptz)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    seq bigint;
    out_ text;
    tries integer := 0;
BEGIN
    IF session_user = 'jiyue_app'
       AND NOT p_site = ANY (jy_perm_sites('item.write', false)) THEN
        RAISE EXCEPTION 'cannot number items of site %: no item.write there', p_site
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- checks the rule against the site before a number is spent
    PERFORM jy_index_format(p_site, p_kind, p_subject, p_at, 1);
    LOOP
        INSERT INTO item_index_seq AS q (site_id, year, last)
        VALUES (p_site, jy_index_year(p_site, p_at), 1)
        ON CONFLICT (site_id, year) DO UPDATE SET last = q.last + 1
        RETURNING q.last INTO seq;
        out_ := jy_index_format(p_site, p_kind, p_subject, p_at, seq);
        EXIT WHEN NOT EXISTS (SELECT 1 FROM item WHERE site_id = p_site AND index_no = out_);
        tries := tries + 1;
        IF tries >= 1000 THEN
            RAISE EXCEPTION 'could not find a free 索引号 for site % after 1000 tries (last "%")', p_site, out_
                USING ERRCODE = 'check_violation', COLUMN = 'index_no';
        END IF;
    END LOOP;
    RETURN out_;
END
$$;
