-- 0033_validity_basis.sql - a changed policy document whose changing
-- document is not in the library.
--
-- Documents migrated from an old system (or the benchmark corpus) are known
-- to be 已修改 or 已废止 without the amending or repealing document being in
-- the resource library. Marking them 已失效 instead would show a wrong
-- validity on a government page; inventing a link is worse. The document
-- keeps its true validity and says, in words, what its basis is
-- (validity_basis: "据岭政发〔2023〕5号废止", or for a migration "原系统迁移，
-- 废止/修改依据未录入"): the page shows it, and editors find the documents
-- still to link with
--   SELECT id FROM item WHERE metadata ? 'validity_basis' AND validity_by IS NULL.

ALTER TABLE item DROP CONSTRAINT item_validity_by_document;
ALTER TABLE item ADD CONSTRAINT item_validity_by_document CHECK (
    validity NOT IN ('amended', 'repealed') OR validity_by IS NOT NULL
    OR coalesce(btrim(metadata ->> 'validity_basis'), '') <> '');

-- a declaration shipped with the schema, not an editor's change: no audit row
SELECT set_config('jy.bulk', 'on', true);
INSERT INTO item_field (kind, field, type, storage, required, vocabulary, max_length, pattern,
                        label, sort)
VALUES ('policy', 'validity_basis', 'text', 'metadata', false, NULL, 200, NULL,
        '废止/修改依据说明', 275);
SELECT set_config('jy.bulk', '', true);

CREATE OR REPLACE FUNCTION jy_item_check_validity(i item) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    vlabel text;
    by_kind text;
BEGIN
    IF i.kind = 'policy' AND i.validity IS NOT NULL THEN
        SELECT label INTO vlabel FROM item_vocab WHERE vocab = 'validity' AND value = i.validity;
        IF i.validity IN ('amended', 'repealed') AND i.validity_by IS NULL
           AND coalesce(btrim(i.metadata ->> 'validity_basis'), '') = '' THEN
            RAISE EXCEPTION 'policy document marked % (%) needs the document that %: 废止/修改依据 (validity_by), or 废止/修改依据说明 (validity_basis) when that document is not in the library',
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
