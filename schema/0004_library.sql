-- 0004_library.sql - the unified resource library (统一信息资源库): items of
-- every kind with unified metadata, their revisions, the relations between
-- them (an interpretation and its policy document), and the platform's tags.
--
-- "先入库，后使用": an item is stored once, owned by one site, and placed in
-- columns of any number of sites (0005_placement.sql).

CREATE TABLE item_kind (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    description text NOT NULL,
    sort        integer NOT NULL DEFAULT 0,

    CONSTRAINT item_kind_code_shape CHECK (code ~ '^[a-z][a-z0-9_]{0,31}$')
);
COMMENT ON TABLE item_kind IS
    'The kinds of items. Issue 4 declares each kind''s metadata fields (统一元数据) beside this table.';

INSERT INTO item_kind (code, name, description, sort) VALUES
    ('article', '文章', 'News, notices and other text items.', 10),
    ('policy', '政策文件', 'A policy document with 文号, 发文机关, 成文日期, 发布日期, 实施日期 and validity.', 20),
    ('interpretation', '政策解读', 'An interpretation (text, graphic, video or Q&A) linked to the documents it interprets.', 30),
    ('image', '图片', 'A picture with caption.', 40),
    ('file', '文件', 'A downloadable file (form, report, attachment).', 50),
    ('video', '视频', 'A video.', 60),
    ('qa', '问答', 'A question and its answer (常见问题, published letters).', 70),
    ('link', '链接', 'A link to a page elsewhere, listed like an item.', 80);


CREATE TABLE item (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id      bigint NOT NULL REFERENCES site (id) ON DELETE RESTRICT,
    unit_id      bigint,
    kind         text NOT NULL REFERENCES item_kind (code) ON DELETE RESTRICT ON UPDATE CASCADE,
    title        text NOT NULL,
    subtitle     text,
    summary      text,
    author       text,
    source       text,
    publisher    text,
    keywords     text[] NOT NULL DEFAULT '{}',
    subject      text,
    body         text,
    link_url     text,
    metadata     jsonb NOT NULL DEFAULT '{}',
    publish_at   timestamptz,
    index_no     text,
    doc_no       text,
    issuer       text,
    written_on   date,
    issued_on    date,
    effective_on date,
    validity     text,
    validity_on  date,
    validity_by  bigint REFERENCES item (id) ON DELETE RESTRICT,
    revision     integer NOT NULL DEFAULT 1,
    created_by   bigint REFERENCES app_user (id) ON DELETE SET NULL,
    updated_by   bigint REFERENCES app_user (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),

    -- target of composite keys that pin a row to the item's site
    CONSTRAINT item_site_id_key UNIQUE (site_id, id),
    CONSTRAINT item_unit_of_site FOREIGN KEY (unit_id, site_id)
        REFERENCES site (id, parent_id) ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT item_title_shape CHECK (length(btrim(title)) BETWEEN 1 AND 500),
    CONSTRAINT item_link_has_url CHECK (kind <> 'link' OR link_url IS NOT NULL),
    CONSTRAINT item_link_url_shape CHECK (link_url ~ '^(https?://|/)[^[:space:]]*$'),
    CONSTRAINT item_metadata_object CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT item_index_no_shape CHECK (index_no ~ '^[0-9A-Za-z][0-9A-Za-z/._-]{0,63}$'),
    -- the policy fields belong to policy documents only
    CONSTRAINT item_policy_fields CHECK (kind = 'policy' OR (
        doc_no IS NULL AND issuer IS NULL AND written_on IS NULL AND issued_on IS NULL
        AND effective_on IS NULL AND validity IS NULL AND validity_on IS NULL AND validity_by IS NULL)),
    CONSTRAINT item_policy_validity_required CHECK (kind <> 'policy' OR validity IS NOT NULL),
    -- 有效 valid, 已修改 amended, 已废止 repealed, 已失效 expired
    CONSTRAINT item_validity CHECK (validity IN ('valid', 'amended', 'repealed', 'expired')),
    CONSTRAINT item_validity_dated CHECK (validity = 'valid' OR validity_on IS NOT NULL),
    CONSTRAINT item_validity_by_document CHECK (
        validity NOT IN ('amended', 'repealed') OR validity_by IS NOT NULL),
    CONSTRAINT item_validity_by_only_changed CHECK (validity <> 'valid' OR validity_by IS NULL),
    CONSTRAINT item_validity_not_self CHECK (validity_by <> id),
    CONSTRAINT item_written_before_issued CHECK (written_on <= issued_on),
    CONSTRAINT item_revision_positive CHECK (revision >= 1)
);

CREATE UNIQUE INDEX item_index_no_key ON item (site_id, index_no) WHERE index_no IS NOT NULL;
-- a 文号 is given once by its issuing organ
CREATE UNIQUE INDEX item_doc_no_key ON item (issuer, doc_no) WHERE doc_no IS NOT NULL;
CREATE INDEX item_site_kind_idx ON item (site_id, kind, publish_at DESC, id DESC);
CREATE INDEX item_validity_by_idx ON item (validity_by) WHERE validity_by IS NOT NULL;
CREATE INDEX item_unit_idx ON item (unit_id) WHERE unit_id IS NOT NULL;

COMMENT ON TABLE item IS
    'An item of the unified resource library: stored once, owned by one site, placed in columns of any number of sites. '
    'Every save keeps a revision in item_revision (trigger).';
COMMENT ON COLUMN item.site_id IS 'Owning site: its editors may change the item.';
COMMENT ON COLUMN item.unit_id IS 'Column-only unit (child of site_id) that wrote the item, for its statistics.';
COMMENT ON COLUMN item.kind IS 'An item_kind code: article, policy, interpretation, image, file, video, qa, link.';
COMMENT ON COLUMN item.title IS 'ArticleTitle.';
COMMENT ON COLUMN item.source IS '信息来源 (ContentSource).';
COMMENT ON COLUMN item.publisher IS 'Publishing organisation (发布机构).';
COMMENT ON COLUMN item.keywords IS 'Keywords meta tag.';
COMMENT ON COLUMN item.subject IS '主题分类 (subject classification of the disclosure catalogue).';
COMMENT ON COLUMN item.body IS 'Sanitised HTML.';
COMMENT ON COLUMN item.link_url IS 'Target of a link item.';
COMMENT ON COLUMN item.metadata IS 'Kind-specific metadata (统一元数据) as a JSON object; its schema per kind arrives with issue 4.';
COMMENT ON COLUMN item.publish_at IS 'Publication time shown on the page (PubDate); NULL until first published.';
COMMENT ON COLUMN item.index_no IS '索引号 of the disclosure catalogue, unique within the owning site.';
COMMENT ON COLUMN item.doc_no IS '文号 of a policy document (岭政发〔2024〕3号), unique per issuing organ.';
COMMENT ON COLUMN item.issuer IS '发文机关.';
COMMENT ON COLUMN item.written_on IS '成文日期.';
COMMENT ON COLUMN item.issued_on IS '发布日期.';
COMMENT ON COLUMN item.effective_on IS '实施日期.';
COMMENT ON COLUMN item.validity IS 'Policy documents: valid 有效, amended 已修改, repealed 已废止, expired 已失效; shown on the document page.';
COMMENT ON COLUMN item.validity_on IS 'Date the validity last changed.';
COMMENT ON COLUMN item.validity_by IS 'The document that amended or repealed this one.';
COMMENT ON COLUMN item.revision IS 'Number of the current revision in item_revision; bumped by trigger on every real change.';


CREATE TABLE item_revision (
    item_id  bigint NOT NULL,
    site_id  bigint NOT NULL,
    rev      integer NOT NULL,
    data     jsonb NOT NULL,
    saved_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
    saved_at timestamptz NOT NULL DEFAULT now(),
    note     text,

    PRIMARY KEY (item_id, rev),
    CONSTRAINT item_revision_item FOREIGN KEY (site_id, item_id)
        REFERENCES item (site_id, id) ON DELETE CASCADE ON UPDATE CASCADE
);
COMMENT ON TABLE item_revision IS
    'Every saved state of every item (written by trigger, so no code path can skip it); restore copies data back.';
COMMENT ON COLUMN item_revision.data IS 'The item''s content fields as JSON (no ids, timestamps or revision number).';

-- Bump the revision when the content really changed ...
CREATE FUNCTION jy_item_revision_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    meta CONSTANT text[] := '{revision,created_at,updated_at,created_by,updated_by}';
BEGIN
    IF (to_jsonb(NEW) - meta) IS DISTINCT FROM (to_jsonb(OLD) - meta) THEN
        NEW.revision := OLD.revision + 1;
    ELSE
        NEW.revision := OLD.revision;
    END IF;
    RETURN NEW;
END
$$;

-- ... and keep it.
CREATE FUNCTION jy_item_revision_save() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.revision <> OLD.revision THEN
        INSERT INTO item_revision (item_id, site_id, rev, data, saved_by)
        VALUES (NEW.id, NEW.site_id, NEW.revision,
                to_jsonb(NEW) - '{id,site_id,revision,created_at,updated_at,created_by,updated_by}'::text[],
                COALESCE(NEW.updated_by, NEW.created_by));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER item_revision_bump BEFORE UPDATE ON item
    FOR EACH ROW EXECUTE FUNCTION jy_item_revision_bump();
CREATE TRIGGER item_revision_save AFTER INSERT OR UPDATE ON item
    FOR EACH ROW EXECUTE FUNCTION jy_item_revision_save();
CREATE TRIGGER item_touch BEFORE UPDATE ON item
    FOR EACH ROW EXECUTE FUNCTION jy_touch_updated_at();


CREATE TABLE item_relation (
    site_id    bigint NOT NULL,
    from_id    bigint NOT NULL,
    to_id      bigint NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    sort       integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),

    PRIMARY KEY (from_id, to_id, kind),
    CONSTRAINT item_relation_from FOREIGN KEY (site_id, from_id)
        REFERENCES item (site_id, id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT item_relation_kind CHECK (
        kind IN ('interprets', 'amends', 'repeals', 'replaces', 'attachment', 'related')),
    CONSTRAINT item_relation_not_self CHECK (from_id <> to_id)
);
-- the document page links back to its interpretations: WHERE to_id = $1
CREATE INDEX item_relation_to_idx ON item_relation (to_id, kind);

COMMENT ON TABLE item_relation IS
    'A directed link between two items, read both ways: an interpretation interprets a policy document '
    '(and the document page lists its interpretations), a document amends or repeals another, a file is an attachment.';
COMMENT ON COLUMN item_relation.site_id IS 'Site of the from item (the one that owns the relation).';

CREATE FUNCTION jy_item_relation_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    from_kind text;
    to_kind text;
BEGIN
    IF NEW.kind = 'interprets' THEN
        SELECT kind INTO from_kind FROM item WHERE id = NEW.from_id;
        SELECT kind INTO to_kind FROM item WHERE id = NEW.to_id;
        IF from_kind <> 'interpretation' OR to_kind <> 'policy' THEN
            RAISE EXCEPTION 'only an interpretation can interpret, and only a policy document (got % → %)',
                from_kind, to_kind USING ERRCODE = 'check_violation', COLUMN = 'kind';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER item_relation_check BEFORE INSERT OR UPDATE ON item_relation
    FOR EACH ROW EXECUTE FUNCTION jy_item_relation_check();


CREATE TABLE tag (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    description text,
    merged_into bigint REFERENCES tag (id) ON DELETE RESTRICT,
    created_at  timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT tag_name_key UNIQUE (name),
    -- no spaces, quotes or parentheses: tag expressions (扶贫 AND NOT 通知) stay parseable
    CONSTRAINT tag_name_shape CHECK (name ~ '^[^[:space:]()"'']{1,32}$'
                                     AND name NOT IN ('AND', 'OR', 'NOT')),
    CONSTRAINT tag_not_merged_into_self CHECK (merged_into <> id)
);
COMMENT ON TABLE tag IS
    'The platform-wide vocabulary (not a tenant table: every site uses the same tags). A merged tag points to the one that replaced it.';

CREATE TABLE tag_synonym (
    synonym text PRIMARY KEY,
    tag_id  bigint NOT NULL REFERENCES tag (id) ON DELETE CASCADE,

    CONSTRAINT tag_synonym_shape CHECK (synonym ~ '^[^[:space:]()"'']{1,32}$')
);
CREATE INDEX tag_synonym_tag_idx ON tag_synonym (tag_id);
COMMENT ON TABLE tag_synonym IS
    'Other words for a tag (colloquial → official), used by search and when editors type tags.';

CREATE TABLE item_tag (
    site_id bigint NOT NULL,
    item_id bigint NOT NULL,
    tag_id  bigint NOT NULL REFERENCES tag (id) ON DELETE RESTRICT,

    PRIMARY KEY (item_id, tag_id),
    CONSTRAINT item_tag_item FOREIGN KEY (site_id, item_id)
        REFERENCES item (site_id, id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX item_tag_tag_idx ON item_tag (tag_id, item_id);
COMMENT ON TABLE item_tag IS 'Tags of an item; site_id is the item''s site.';


-- Columns accept only known item kinds (the list lives in item_kind).
CREATE FUNCTION jy_site_column_accepts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad text;
BEGIN
    SELECT k INTO bad FROM unnest(NEW.accepts || NEW.reuse_kinds) k
     WHERE NOT EXISTS (SELECT 1 FROM item_kind WHERE code = k) LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'column "%": unrecognized item kind "%"', NEW.name, bad
            USING ERRCODE = 'check_violation', COLUMN = 'accepts';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER site_column_accepts BEFORE INSERT OR UPDATE OF accepts, reuse_kinds ON site_column
    FOR EACH ROW WHEN (NEW.accepts <> '{}' OR NEW.reuse_kinds <> '{}')
    EXECUTE FUNCTION jy_site_column_accepts();
