-- 0022_query.sql - what the query API of the renderer and the server
-- (core/query.h) needs: a covering list index, and tag filters of reusing
-- columns turned into something an index scan can test row by row (tag
-- pages have their index in 0020: item_tag_list_idx).

-- The list page of a column (0005_placement.sql), now covering pinned_until
-- too. The list statement reaches a column's placements through a join, so
-- the planner knows only the average column (a dozen placements) and would
-- rather sort a bitmap of all of them than walk the index in order; with
-- every column the statement reads inside the index, walking it (an index
-- only scan that stops after one page) is the cheapest plan for any column,
-- and a column of 100,000 items costs what a column of 20 does.
DROP INDEX placement_column_list_idx;
CREATE INDEX placement_column_list_idx ON placement (column_id, published_at DESC, item_id DESC)
    INCLUDE (pinned_until) WHERE state = 'published';

-- A tag expression (site_column.reuse_tag_filter: 扶贫 AND NOT 通知, with OR
-- and parentheses; NOT binds tighter than AND, AND tighter than OR) as a
-- tsquery over tag ids, to test against
--     array_to_tsvector(array_agg(item_tag.tag_id::text))
-- Words are resolved like jy_tag_id() resolves them: a tag name, else a
-- synonym, then merged_into followed. A word that names no tag becomes a
-- lexeme no item has. NULL or blank: NULL (no filter). An expression that
-- does not parse raises (syntax error in tsquery) naming the expression.
CREATE FUNCTION jy_tag_expr_tsquery(expr text) RETURNS tsquery
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    tok text;
    found bigint;
    hops integer;
    nxt bigint;
    out_ text := '';
BEGIN
    IF expr IS NULL OR btrim(expr) = '' THEN
        RETURN NULL;
    END IF;
    FOR tok IN SELECT m[1] FROM regexp_matches(expr, '(\(|\)|[^[:space:]()]+)', 'g') AS m LOOP
        IF tok IN ('(', ')') THEN
            out_ := out_ || tok || ' ';
        ELSIF tok = 'AND' THEN
            out_ := out_ || '& ';
        ELSIF tok = 'OR' THEN
            out_ := out_ || '| ';
        ELSIF tok = 'NOT' THEN
            out_ := out_ || '! ';
        ELSE
            SELECT t.id INTO found FROM tag t WHERE t.name = tok;
            IF found IS NULL THEN
                SELECT s.tag_id INTO found FROM tag_synonym s WHERE s.synonym = tok;
            END IF;
            hops := 0;
            WHILE found IS NOT NULL AND hops < 8 LOOP
                SELECT t.merged_into INTO nxt FROM tag t WHERE t.id = found;
                EXIT WHEN nxt IS NULL;
                found := nxt;
                hops := hops + 1;
            END LOOP;
            IF found IS NULL THEN
                -- no such tag: a lexeme that is never a tag id
                out_ := out_ || '''?' || replace(replace(tok, '\', '\\'), '''', '''''') || ''' ';
            ELSE
                out_ := out_ || '''' || found || ''' ';
            END IF;
        END IF;
    END LOOP;
    BEGIN
        RETURN out_::tsquery;
    EXCEPTION WHEN syntax_error THEN
        RAISE EXCEPTION 'tag expression "%" does not parse', expr
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'reuse_tag_filter',
                  HINT = 'Write tags joined by AND, OR, NOT and parentheses: 扶贫 AND NOT 通知.';
    END;
END
$$;
COMMENT ON FUNCTION jy_tag_expr_tsquery(text) IS
    'A tag expression (扶贫 AND NOT 通知) as a tsquery over tag ids, for array_to_tsvector(tag ids of an item) @@ it; NULL for none.';
GRANT EXECUTE ON FUNCTION jy_tag_expr_tsquery(text) TO jiyue_app;
