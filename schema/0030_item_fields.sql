-- 0030_item_fields.sql - the unified metadata of the resource library
-- (统一元数据): every field of every item kind declared once, as data, and
-- enforced by trigger on every write of an item, so no code path (the API,
-- the CLI, an importer, a psql session) can store an item that breaks it.
--
-- What is declared (table item_field, one row per kind and field):
--   type       text, html, date, datetime, int, url, enum, category, text[],
--              tag[], item, item[], json (what a value must look like);
--   storage    column (a column of table item), metadata (a key of
--              item.metadata), tags (table item_tag), relation (table
--              item_relation, the field name is the relation kind);
--   required   a value must be present (not NULL, not blank, not empty);
--   vocabulary the controlled list (item_vocab) an enum or category value
--              comes from: validity 有效/已修改/已废止/已失效, subject 主题分类;
--   max_length characters (code points) of a text, or of each element of
--              a text[];
--   pattern    a regular expression a text value must match;
--   label      the Chinese name editors see: 文号, 发文机关 ...
--
-- core/item.c reads the same table and runs the same checks before writing,
-- so that the API reports every problem of a request at once; the trigger
-- below is the guarantee and reports the first one. Both say which field,
-- in words editors use: "policy document needs 文号 (doc_no)".
--
-- Fields stored in tags and relations are checked by core/item.c only: the
-- trigger sees one row of item, not its tags or links.

-- ---- item kinds: a noun for messages -----------------------------------------------------------

ALTER TABLE item_kind ADD COLUMN noun text;
COMMENT ON COLUMN item_kind.noun IS 'How messages call an item of the kind: "policy document needs 文号 (doc_no)".';
UPDATE item_kind SET noun = CASE code
    WHEN 'article' THEN 'article'
    WHEN 'policy' THEN 'policy document'
    WHEN 'interpretation' THEN 'policy interpretation'
    WHEN 'image' THEN 'image'
    WHEN 'file' THEN 'file'
    WHEN 'video' THEN 'video'
    WHEN 'qa' THEN 'Q&A'
    WHEN 'link' THEN 'link'
    ELSE code END;


-- ---- vocabularies ------------------------------------------------------------------------------

CREATE TABLE item_vocab (
    vocab text NOT NULL,
    value text NOT NULL,
    label text NOT NULL,
    code  text,
    sort  integer NOT NULL DEFAULT 0,

    PRIMARY KEY (vocab, value),
    CONSTRAINT item_vocab_label_key UNIQUE (vocab, label),
    CONSTRAINT item_vocab_vocab_shape CHECK (vocab ~ '^[a-z][a-z0-9_]{0,31}$'),
    CONSTRAINT item_vocab_value_shape CHECK (length(btrim(value)) BETWEEN 1 AND 64 AND value = btrim(value)
                                             AND strpos(value, '\') = 0),
    CONSTRAINT item_vocab_code_shape CHECK (code ~ '^[0-9A-Za-z]{1,8}$')
);
COMMENT ON TABLE item_vocab IS
    'Controlled vocabularies of item fields (type enum or category): the values a field may take, '
    'with the label editors see and a short code for index numbers (索引号).';
COMMENT ON COLUMN item_vocab.value IS 'What is stored in the item: valid, 综合政务 ...';
COMMENT ON COLUMN item_vocab.label IS 'What editors see and may type instead of the value: 有效 ...';
COMMENT ON COLUMN item_vocab.code IS 'Short ASCII code, used by the {subject} part of an index number rule (01).';

INSERT INTO item_vocab (vocab, value, label, code, sort) VALUES
    ('validity', 'valid', '有效', 'V', 10),
    ('validity', 'amended', '已修改', 'A', 20),
    ('validity', 'repealed', '已废止', 'R', 30),
    ('validity', 'expired', '已失效', 'E', 40);

-- 主题分类 of the government information disclosure catalogue (the top level
-- of the State Council's classification); an item names one of these, or a
-- sub-class below it after a backslash: 综合政务\经济管理.
INSERT INTO item_vocab (vocab, value, label, code, sort)
SELECT 'subject', v, v, lpad(o::text, 2, '0'), o::integer * 10
FROM unnest(ARRAY['综合政务', '国民经济管理、国有资产监管', '财政、金融、审计', '国土资源、能源',
                  '农业、林业、水利', '工业、交通', '商贸、海关、旅游', '市场监管、安全生产监管',
                  '城乡建设、环境保护', '科技、教育', '文化、广电、新闻出版', '卫生、体育',
                  '人口与计划生育、妇女儿童工作', '劳动、人事、监察', '公安、安全、司法',
                  '民政、扶贫、救灾', '民族、宗教', '对外事务', '港澳台侨工作', '国防', '其他'])
     WITH ORDINALITY AS s (v, o);


-- ---- fields ------------------------------------------------------------------------------------

CREATE TABLE item_field (
    kind       text NOT NULL REFERENCES item_kind (code) ON DELETE CASCADE ON UPDATE CASCADE,
    field      text NOT NULL,
    type       text NOT NULL,
    storage    text NOT NULL DEFAULT 'column',
    required   boolean NOT NULL DEFAULT false,
    vocabulary text,
    max_length integer,
    pattern    text,
    label      text NOT NULL,
    sort       integer NOT NULL DEFAULT 0,

    PRIMARY KEY (kind, field),
    CONSTRAINT item_field_field_shape CHECK (field ~ '^[a-z][a-z0-9_]{0,31}$'),
    CONSTRAINT item_field_type CHECK (type IN ('text', 'html', 'date', 'datetime', 'int', 'url',
                                               'enum', 'category', 'text[]', 'tag[]', 'item',
                                               'item[]', 'json')),
    CONSTRAINT item_field_storage CHECK (storage IN ('column', 'metadata', 'tags', 'relation')),
    CONSTRAINT item_field_tags_type CHECK ((storage = 'tags') = (type = 'tag[]')),
    CONSTRAINT item_field_relation_type CHECK (storage <> 'relation' OR type = 'item[]'),
    CONSTRAINT item_field_vocabulary CHECK ((type IN ('enum', 'category')) = (vocabulary IS NOT NULL)),
    CONSTRAINT item_field_max_length CHECK (max_length BETWEEN 1 AND 10000000),
    CONSTRAINT item_field_label_shape CHECK (length(btrim(label)) BETWEEN 1 AND 32)
);
COMMENT ON TABLE item_field IS
    'The metadata schema of each item kind (统一元数据): which fields an item of the kind has, of which type, '
    'which are required, from which vocabulary. Enforced on every write of item by trigger item_check_fields '
    'and, with every problem listed at once, by core/item.c.';
COMMENT ON COLUMN item_field.type IS
    'text, html (sanitised body), date (YYYY-MM-DD), datetime, int, url (http(s):// or /path), enum (a value of the vocabulary), '
    'category (a vocabulary value, optionally followed by \sub-class), text[], tag[], item (an item id), item[], json.';
COMMENT ON COLUMN item_field.storage IS
    'column: the column of table item with the same name; metadata: a key of item.metadata; '
    'tags: table item_tag; relation: table item_relation, kind = field.';
COMMENT ON COLUMN item_field.vocabulary IS 'item_vocab.vocab of an enum or category field.';
COMMENT ON COLUMN item_field.max_length IS 'Most characters of a text value (of each element of a text[]).';
COMMENT ON COLUMN item_field.pattern IS 'Regular expression (POSIX, as PostgreSQL ~) a text value must match.';
COMMENT ON COLUMN item_field.label IS 'Chinese name shown to editors and used in messages: 文号 (doc_no).';

-- A declared column must exist in item with a type that fits the field's.
CREATE FUNCTION jy_item_field_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    coltype text;
    want text;
BEGIN
    IF NEW.vocabulary IS NOT NULL AND NOT EXISTS (SELECT 1 FROM item_vocab WHERE vocab = NEW.vocabulary) THEN
        RAISE EXCEPTION 'field "%" of kind "%": no vocabulary "%"', NEW.field, NEW.kind, NEW.vocabulary
            USING ERRCODE = 'check_violation', COLUMN = 'vocabulary';
    END IF;
    IF NEW.storage <> 'column' THEN
        RETURN NEW;
    END IF;
    SELECT format_type(a.atttypid, NULL) INTO coltype
      FROM pg_attribute a
     WHERE a.attrelid = 'item'::regclass AND a.attname = NEW.field AND a.attnum > 0 AND NOT a.attisdropped;
    IF coltype IS NULL OR NEW.field IN ('id', 'site_id', 'unit_id', 'kind', 'revision', 'created_by',
                                        'updated_by', 'created_at', 'updated_at') THEN
        RAISE EXCEPTION 'field "%" of kind "%" is stored in a column, but item has no content column "%"',
            NEW.field, NEW.kind, NEW.field USING ERRCODE = 'check_violation', COLUMN = 'field';
    END IF;
    -- (a CASE inside IF would end the condition at its first THEN: plpgsql reads up to THEN)
    want := CASE NEW.type
                WHEN 'date' THEN 'date'
                WHEN 'datetime' THEN 'timestamp with time zone'
                WHEN 'item' THEN 'bigint'
                WHEN 'text[]' THEN 'text[]'
                WHEN 'json' THEN 'jsonb'
                ELSE 'text' END;
    IF (NEW.type = 'int' AND coltype NOT IN ('integer', 'bigint', 'smallint'))
       OR (NEW.type <> 'int' AND coltype <> want) THEN
        RAISE EXCEPTION 'field "%" of kind "%" has type % but column item.% is %',
            NEW.field, NEW.kind, NEW.type, NEW.field, coltype
            USING ERRCODE = 'check_violation', COLUMN = 'type';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER item_field_check BEFORE INSERT OR UPDATE ON item_field
    FOR EACH ROW EXECUTE FUNCTION jy_item_field_check();

-- Fields every kind has.
INSERT INTO item_field (kind, field, type, storage, required, vocabulary, max_length, pattern, label, sort)
SELECT k.code, f.field, f.type, f.storage, f.required, f.vocabulary, f.max_length, f.pattern, f.label, f.sort
FROM item_kind k
CROSS JOIN (VALUES
    ('title',       'text',     'column',   true,  NULL,      500,  NULL, '标题', 10),
    ('subtitle',    'text',     'column',   false, NULL,      200,  NULL, '副标题', 20),
    ('summary',     'text',     'column',   false, NULL,      1000, NULL, '摘要', 30),
    ('author',      'text',     'column',   false, NULL,      100,  NULL, '作者', 40),
    ('source',      'text',     'column',   false, NULL,      100,  NULL, '信息来源', 50),
    ('publisher',   'text',     'column',   false, NULL,      100,  NULL, '发布机构', 60),
    ('keywords',    'text[]',   'column',   false, NULL,      32,   NULL, '关键词', 70),
    ('tags',        'tag[]',    'tags',     false, NULL,      NULL, NULL, '标签', 80),
    ('publish_at',  'datetime', 'column',   false, NULL,      NULL, NULL, '发布时间', 90),
    ('index_no',    'text',     'column',   false, NULL,      64,
     '^[0-9A-Za-z][0-9A-Za-z/._-]{0,63}$', '索引号', 100),
    ('subject',     'category', 'column',   false, 'subject', 100,  NULL, '主题分类', 110),
    ('body',        'html',     'column',   false, NULL,      NULL, NULL, '正文', 120),
    ('attachments', 'json',     'metadata', false, NULL,      NULL, NULL, '附件', 130)
) AS f (field, type, storage, required, vocabulary, max_length, pattern, label, sort);

-- Policy documents (政策文件): 文号, 发文机关, the dates and the validity.
INSERT INTO item_field (kind, field, type, storage, required, vocabulary, max_length, label, sort) VALUES
    ('policy', 'doc_no',       'text', 'column', true,  NULL,       100, '文号', 200),
    ('policy', 'issuer',       'text', 'column', true,  NULL,       100, '发文机关', 210),
    ('policy', 'written_on',   'date', 'column', false, NULL,       NULL, '成文日期', 220),
    ('policy', 'issued_on',    'date', 'column', false, NULL,       NULL, '发布日期', 230),
    ('policy', 'effective_on', 'date', 'column', false, NULL,       NULL, '实施日期', 240),
    ('policy', 'validity',     'enum', 'column', true,  'validity', NULL, '效力', 250),
    ('policy', 'validity_on',  'date', 'column', false, NULL,       NULL, '效力变更日期', 260),
    ('policy', 'validity_by',  'item', 'column', false, NULL,       NULL, '废止/修改依据', 270);

-- Interpretations link to the documents they interpret (the document page links back).
INSERT INTO item_field (kind, field, type, storage, required, label, sort) VALUES
    ('interpretation', 'interprets', 'item[]', 'relation', true, '解读的文件', 200);

-- Kind-specific metadata.
INSERT INTO item_field (kind, field, type, storage, required, max_length, label, sort) VALUES
    ('link',  'link_url',    'url',  'column',   true,  2000, '链接地址', 200),
    ('image', 'alt',         'text', 'metadata', false, 200,  '替代文本', 200),
    ('video', 'duration',    'int',  'metadata', false, NULL, '时长（秒）', 200),
    ('qa',    'answered_by', 'text', 'metadata', false, 100,  '答复单位', 200),
    ('qa',    'answered_on', 'date', 'metadata', false, NULL, '答复日期', 210);


-- ---- enforcement -------------------------------------------------------------------------------

-- "文号 (doc_no)": how messages name a field.
CREATE FUNCTION jy_item_field_name(label text, field text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT label || ' (' || field || ')'
$$;

-- Is v (a JSON value) absent for the purpose of "required": null, blank
-- text, empty array or object.
CREATE FUNCTION jy_item_value_empty(v jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT v IS NULL OR v = 'null'::jsonb OR v = '[]'::jsonb OR v = '{}'::jsonb
        OR (jsonb_typeof(v) = 'string' AND btrim(v #>> '{}', E' \t\r\n\u3000') = '')
$$;

-- Check one value against its declaration; returns the problem or NULL.
-- The same rules as core/item.c check_value().
CREATE FUNCTION jy_item_value_problem(f item_field, v jsonb) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    name_ text := jy_item_field_name(f.label, f.field);
    t text := jsonb_typeof(v);
    s text;
    e jsonb;
    n integer;
    labels text;
BEGIN
    IF f.type IN ('text', 'html', 'url', 'enum', 'category') THEN
        IF t <> 'string' THEN
            RETURN format('%s must be text, not %s', name_, t);
        END IF;
        s := v #>> '{}';
        IF f.max_length IS NOT NULL AND char_length(s) > f.max_length THEN
            RETURN format('%s is longer than %s characters (%s)', name_, f.max_length, char_length(s));
        END IF;
        IF f.pattern IS NOT NULL AND s !~ f.pattern THEN
            RETURN format('%s "%s" does not have the required form', name_, s);
        END IF;
        IF f.type = 'url' AND s !~ '^(https?://|/)[^[:space:]]*$' THEN
            RETURN format('%s must be a URL starting with http://, https:// or /, not "%s"', name_, s);
        END IF;
        IF f.type = 'enum' AND NOT EXISTS (SELECT 1 FROM item_vocab WHERE vocab = f.vocabulary AND value = s) THEN
            SELECT string_agg(label || ' (' || value || ')', ', ' ORDER BY sort), count(*)
              INTO labels, n FROM item_vocab WHERE vocab = f.vocabulary;
            RETURN format('%s must be one of %s, not "%s"', name_, labels, s);
        END IF;
        IF f.type = 'category' AND NOT EXISTS (
               SELECT 1 FROM item_vocab WHERE vocab = f.vocabulary AND value = split_part(s, '\', 1)) THEN
            RETURN format('%s "%s" is not a class of the vocabulary "%s"', name_, split_part(s, '\', 1),
                          f.vocabulary);
        END IF;
    ELSIF f.type = 'text[]' THEN
        IF t <> 'array' THEN
            RETURN format('%s must be a list of texts, not %s', name_, t);
        END IF;
        FOR e IN SELECT jsonb_array_elements(v) LOOP
            IF jsonb_typeof(e) <> 'string' OR jy_item_value_empty(e) THEN
                RETURN format('%s must be a list of non-empty texts', name_);
            END IF;
            IF f.max_length IS NOT NULL AND char_length(e #>> '{}') > f.max_length THEN
                RETURN format('%s: "%s" is longer than %s characters', name_, e #>> '{}', f.max_length);
            END IF;
        END LOOP;
    ELSIF f.type IN ('int', 'item') THEN
        IF t <> 'number' OR (v #>> '{}') !~ '^-?[0-9]+$' THEN
            RETURN format('%s must be a whole number, not %s', name_, v::text);
        END IF;
    ELSIF f.type = 'date' THEN
        IF t <> 'string' OR (v #>> '{}') !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
            RETURN format('%s must be a date (YYYY-MM-DD), not %s', name_, v::text);
        END IF;
        BEGIN
            PERFORM (v #>> '{}')::date;
        EXCEPTION WHEN others THEN
            RETURN format('%s must be a date (YYYY-MM-DD), not %s', name_, v::text);
        END;
    ELSIF f.type = 'datetime' THEN
        IF t <> 'string' THEN
            RETURN format('%s must be a date and time (YYYY-MM-DD HH:MM), not %s', name_, v::text);
        END IF;
        BEGIN
            PERFORM (v #>> '{}')::timestamptz;
        EXCEPTION WHEN others THEN
            RETURN format('%s must be a date and time (YYYY-MM-DD HH:MM), not %s', name_, v::text);
        END;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION jy_item_value_problem(item_field, jsonb) IS
    'What is wrong with value v of field f (NULL: nothing); the messages name the field as 文号 (doc_no).';

-- The kind of an item, whoever asks (validity_by may name a document on a
-- site the writer cannot read; the rule is about the truth, not the view).
CREATE FUNCTION jy_item_kind_of(item_id bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT kind FROM item WHERE id = item_id
$$;

-- The rules that are not a single field's: a policy document's validity is
-- dated and, when amended or repealed, names the document that did it.
CREATE FUNCTION jy_item_check_validity(i item) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    vlabel text;
    by_kind text;
BEGIN
    IF i.kind = 'policy' AND i.validity IS NOT NULL THEN
        SELECT label INTO vlabel FROM item_vocab WHERE vocab = 'validity' AND value = i.validity;
        IF i.validity IN ('amended', 'repealed') AND i.validity_by IS NULL THEN
            RAISE EXCEPTION 'policy document marked % (%) needs the document that %: 废止/修改依据 (validity_by)',
                vlabel, i.validity, CASE i.validity WHEN 'amended' THEN 'amended it' ELSE 'repealed it' END
                USING ERRCODE = 'check_violation', COLUMN = 'validity_by',
                      DETAIL = 'constraint item_validity_by_document';
        END IF;
        IF i.validity <> 'valid' AND i.validity_on IS NULL THEN
            RAISE EXCEPTION 'policy document marked % (%) needs 效力变更日期 (validity_on)', vlabel, i.validity
                USING ERRCODE = 'check_violation', COLUMN = 'validity_on',
                      DETAIL = 'constraint item_validity_dated';
        END IF;
        IF i.validity = 'valid' AND i.validity_by IS NOT NULL THEN
            RAISE EXCEPTION 'a valid policy document has no 废止/修改依据 (validity_by)'
                USING ERRCODE = 'check_violation', COLUMN = 'validity_by',
                      DETAIL = 'constraint item_validity_by_only_changed';
        END IF;
    END IF;
    IF i.validity_by IS NOT NULL THEN
        IF i.validity_by = i.id THEN
            RAISE EXCEPTION 'a policy document cannot amend or repeal itself: 废止/修改依据 (validity_by) is its own id %',
                i.id USING ERRCODE = 'check_violation', COLUMN = 'validity_by',
                           DETAIL = 'constraint item_validity_not_self';
        END IF;
        by_kind := jy_item_kind_of(i.validity_by);
        IF by_kind IS NOT NULL AND by_kind <> 'policy' THEN
            RAISE EXCEPTION '废止/修改依据 (validity_by): item % is not a policy document', i.validity_by
                USING ERRCODE = 'check_violation', COLUMN = 'validity_by';
        END IF;
    END IF;
    IF i.written_on > i.issued_on THEN
        RAISE EXCEPTION '成文日期 (written_on) % is after 发布日期 (issued_on) %', i.written_on, i.issued_on
            USING ERRCODE = 'check_violation', COLUMN = 'written_on',
                  DETAIL = 'constraint item_written_before_issued';
    END IF;
END
$$;

-- Metadata keys: declared for the kind, with values of the declared type.
CREATE FUNCTION jy_item_check_metadata(i item, noun text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    k text;
    f item_field;
    problem text;
BEGIN
    FOR k IN SELECT jsonb_object_keys(i.metadata) LOOP
        SELECT * INTO f FROM item_field WHERE kind = i.kind AND field = k AND storage = 'metadata';
        IF NOT FOUND THEN
            RAISE EXCEPTION '% has no field "%"', noun, k
                USING ERRCODE = 'check_violation', COLUMN = 'metadata',
                      HINT = (SELECT 'Fields of ' || noun || ': ' || string_agg(field, ', ' ORDER BY sort)
                                FROM item_field WHERE kind = i.kind);
        END IF;
        IF NOT jy_item_value_empty(i.metadata -> k) THEN
            problem := jy_item_value_problem(f, i.metadata -> k);
            IF problem IS NOT NULL THEN
                RAISE EXCEPTION '%', problem USING ERRCODE = 'check_violation', COLUMN = k;
            END IF;
        END IF;
    END LOOP;
END
$$;

-- The problem of one field of a row, raised; called by the generated trigger
-- when its quick test fails (the exact message is worked out only then).
CREATE FUNCTION jy_item_raise_field(p_kind text, p_field text, v jsonb) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    f item_field;
    problem text;
BEGIN
    SELECT * INTO f FROM item_field WHERE kind = p_kind AND field = p_field;
    problem := jy_item_value_problem(f, v);
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION '%', problem USING ERRCODE = 'check_violation', COLUMN = p_field;
    END IF;
END
$$;

-- Generate the trigger function jy_item_check_fields() from item_field and
-- item_vocab: straight-line tests on NEW's columns per kind, no query per
-- row (a bulk load pays microseconds, not a query per field). Called again
-- by the statement triggers below whenever a declaration or a vocabulary
-- changes, so the declarations stay the only source.
CREATE FUNCTION jy_item_rules_build() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    body text := '';
    k record;
    f record;
    col text;
    empty text;
    bad text;
    vals text;
    blanks CONSTANT text := $q$E' \t\r\n\u3000'$q$;  -- source text of the literal
BEGIN
    FOR k IN SELECT code, coalesce(noun, code) AS noun FROM item_kind ORDER BY sort, code LOOP
        body := body || format(E'    WHEN %L THEN\n', k.code);
        -- declared fields: required, then the quick test of a present value
        FOR f IN SELECT * FROM item_field WHERE kind = k.code AND storage IN ('column', 'metadata')
                 ORDER BY sort, field LOOP
            IF f.storage = 'column' THEN
                col := 'NEW.' || quote_ident(f.field);
                empty := CASE
                    WHEN f.type IN ('text', 'html', 'url', 'enum', 'category')
                        THEN format('(%s IS NULL OR btrim(%s, %s) = %L)', col, col, blanks, '')
                    WHEN f.type = 'text[]' THEN format('(%s IS NULL OR cardinality(%s) = 0)', col, col)
                    ELSE format('%s IS NULL', col) END;
            ELSE
                col := format('(NEW.metadata -> %L)', f.field);
                empty := format('jy_item_value_empty%s', col);
            END IF;
            IF f.required THEN
                body := body || format(E'        IF %s THEN\n            RAISE EXCEPTION USING MESSAGE = %L, ERRCODE = %L, COLUMN = %L;\n        END IF;\n',
                                       empty, k.noun || ' needs ' || jy_item_field_name(f.label, f.field),
                                       'check_violation', f.field);
            END IF;
            IF f.storage = 'metadata' THEN
                CONTINUE;  -- jy_item_check_metadata() judges metadata values
            END IF;
            SELECT string_agg(quote_literal(value), ', ' ORDER BY value) INTO vals
              FROM item_vocab WHERE vocab = f.vocabulary;
            bad := concat_ws(' OR ',
                CASE WHEN f.type IN ('text', 'html', 'url', 'enum', 'category') AND f.max_length IS NOT NULL
                     THEN format('char_length(%s) > %s', col, f.max_length) END,
                CASE WHEN f.pattern IS NOT NULL THEN format('%s !~ %L', col, f.pattern) END,
                CASE WHEN f.type = 'url' THEN format('%s !~ %L', col, '^(https?://|/)[^[:space:]]*$') END,
                CASE WHEN f.type = 'enum' THEN format('%s <> ALL (ARRAY[%s]::text[])', col, coalesce(vals, '')) END,
                CASE WHEN f.type = 'category'
                     THEN format('split_part(%s, %L, 1) <> ALL (ARRAY[%s]::text[])', col, '\', coalesce(vals, '')) END,
                CASE WHEN f.type = 'text[]'
                     THEN format('EXISTS (SELECT 1 FROM unnest(%s) e WHERE e IS NULL OR btrim(e, %s) = %L%s)',
                                 col, blanks, '',
                                 CASE WHEN f.max_length IS NOT NULL
                                      THEN format(' OR char_length(e) > %s', f.max_length) ELSE '' END) END);
            IF bad <> '' THEN
                body := body || format(E'        IF NOT %s AND (%s) THEN\n            PERFORM jy_item_raise_field(%L, %L, to_jsonb(%s));\n        END IF;\n',
                                       empty, bad, k.code, f.field, col);
            END IF;
        END LOOP;
        -- columns other kinds declare stay empty on this one
        FOR f IN SELECT DISTINCT ON (x.field) x.* FROM item_field x
                  WHERE x.storage = 'column'
                    AND NOT EXISTS (SELECT 1 FROM item_field y WHERE y.kind = k.code AND y.field = x.field)
                  ORDER BY x.field, x.kind LOOP
            col := 'NEW.' || quote_ident(f.field);
            empty := CASE
                WHEN f.type IN ('text', 'html', 'url', 'enum', 'category')
                    THEN format('(%s IS NULL OR btrim(%s, %s) = %L)', col, col, blanks, '')
                WHEN f.type = 'text[]' THEN format('(%s IS NULL OR cardinality(%s) = 0)', col, col)
                ELSE format('%s IS NULL', col) END;
            body := body || format(E'        IF NOT %s THEN\n            RAISE EXCEPTION USING MESSAGE = %L, ERRCODE = %L, COLUMN = %L%s;\n        END IF;\n',
                                   empty, k.noun || ' has no field ' || jy_item_field_name(f.label, f.field),
                                   'check_violation', f.field,
                                   CASE WHEN f.kind = 'policy'
                                        THEN format(', DETAIL = %L', 'constraint item_policy_fields') ELSE '' END);
        END LOOP;
        body := body || format(E'        noun := %L;\n', k.noun);
    END LOOP;

    EXECUTE format($f$
CREATE OR REPLACE FUNCTION jy_item_check_fields() RETURNS trigger
LANGUAGE plpgsql AS $body$
-- GENERATED by jy_item_rules_build() from item_field and item_vocab
-- (schema/0030_item_fields.sql): do not edit, change the declarations.
DECLARE
    noun text;
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - '{revision,created_at,updated_at,created_by,updated_by}'::text[])
                          = (to_jsonb(OLD) - '{revision,created_at,updated_at,created_by,updated_by}'::text[]) THEN
        RETURN NEW;  -- nothing the rules look at changed
    END IF;
    CASE NEW.kind
%s    ELSE
        RETURN NEW;  -- the foreign key reports an unknown kind
    END CASE;
    IF NEW.metadata <> '{}'::jsonb THEN
        PERFORM jy_item_check_metadata(NEW, noun);
    END IF;
    IF NEW.kind = 'policy' OR NEW.validity_by IS NOT NULL OR NEW.written_on IS NOT NULL THEN
        PERFORM jy_item_check_validity(NEW);
    END IF;
    RETURN NEW;
END
$body$
$f$, body);
    EXECUTE $c$COMMENT ON FUNCTION jy_item_check_fields() IS
        'BEFORE INSERT OR UPDATE trigger of item, generated by jy_item_rules_build() from item_field and item_vocab: '
        'the row against its kind''s declared fields and the validity rules of policy documents.'$c$;
END
$$;
COMMENT ON FUNCTION jy_item_rules_build() IS
    'Regenerate the trigger function jy_item_check_fields() from item_field and item_vocab (run by trigger when they change).';

CREATE FUNCTION jy_item_rules_rebuild() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM jy_item_rules_build();
    RETURN NULL;
END
$$;

SELECT jy_item_rules_build();

CREATE TRIGGER item_check_fields BEFORE INSERT OR UPDATE ON item
    FOR EACH ROW EXECUTE FUNCTION jy_item_check_fields();
CREATE TRIGGER item_field_rebuild AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON item_field
    FOR EACH STATEMENT EXECUTE FUNCTION jy_item_rules_rebuild();
CREATE TRIGGER item_vocab_rebuild AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON item_vocab
    FOR EACH STATEMENT EXECUTE FUNCTION jy_item_rules_rebuild();
CREATE TRIGGER item_kind_rebuild AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON item_kind
    FOR EACH STATEMENT EXECUTE FUNCTION jy_item_rules_rebuild();

-- ---- revisions: a note saying why (restore) ----------------------------------------------------

-- As in 0004, plus the note a writer may leave for the revision it causes:
-- SELECT set_config('jy.revision_note', 'restored revision 3', true).
CREATE OR REPLACE FUNCTION jy_item_revision_save() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.revision <> OLD.revision THEN
        INSERT INTO item_revision (item_id, site_id, rev, data, saved_by, note)
        VALUES (NEW.id, NEW.site_id, NEW.revision,
                to_jsonb(NEW) - '{id,site_id,revision,created_at,updated_at,created_by,updated_by}'::text[],
                COALESCE(NEW.updated_by, NEW.created_by),
                NULLIF(current_setting('jy.revision_note', true), ''));
    END IF;
    RETURN NULL;
END
$$;


-- ---- access ------------------------------------------------------------------------------------

-- The schema is public knowledge: everyone reads it; only migrations change it.
ALTER TABLE item_vocab ENABLE ROW LEVEL SECURITY;
ALTER TABLE item_field ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON item_vocab, item_field TO jiyue_app;
CREATE POLICY item_vocab_read ON item_vocab FOR SELECT USING (true);
CREATE POLICY item_field_read ON item_field FOR SELECT USING (true);

CREATE TRIGGER item_vocab_audit AFTER INSERT OR UPDATE OR DELETE ON item_vocab
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
CREATE TRIGGER item_field_audit AFTER INSERT OR UPDATE OR DELETE ON item_field
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();
