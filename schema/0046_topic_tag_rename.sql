-- 0046_topic_tag_rename.sql - a renamed tag keeps the topic sections that
-- name it working: the sections of topic columns (site_column.settings ->
-- 'sections', core/topic.h) store their tag expressions as written, so the
-- old name is replaced by the new one, as a whole word, in every
-- expression. (A merged tag needs nothing: its name becomes a synonym of
-- the tag it was merged into, and expressions resolve synonyms.) The
-- column's change re-renders the topic's pages (render_change).

CREATE FUNCTION jy_topic_tag_renamed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    -- the old name as a word of an expression: between blanks, parentheses or the ends;
    -- every character of it that is not a letter or digit escaped (literal in a regex)
    pat text := '(^|[[:space:]()])'
                || regexp_replace(OLD.name, '([^[:alnum:]])', '\\\1', 'g')
                || '(?=$|[[:space:]()])';
    rep text := '\1' || replace(NEW.name, '\', '\\');
BEGIN
    UPDATE site_column c
       SET settings = jsonb_set(c.settings, '{sections}', (
           SELECT jsonb_agg(CASE WHEN jsonb_typeof(s -> 'expr') = 'string'
                                 THEN jsonb_set(s, '{expr}',
                                                to_jsonb(regexp_replace(s ->> 'expr', pat, rep, 'g')))
                                 ELSE s END ORDER BY n)
             FROM jsonb_array_elements(c.settings -> 'sections') WITH ORDINALITY AS e (s, n)))
     WHERE c.kind = 'topic' AND jsonb_typeof(c.settings -> 'sections') = 'array'
       AND EXISTS (SELECT 1 FROM jsonb_array_elements(c.settings -> 'sections') s
                    WHERE s ->> 'expr' ~ pat);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION jy_topic_tag_renamed() IS
    'A renamed tag: its old name replaced by the new one in the tag expressions of topic sections.';

CREATE TRIGGER tag_topic_rename AFTER UPDATE OF name ON tag
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION jy_topic_tag_renamed();
