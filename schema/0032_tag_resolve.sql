-- 0032_tag_resolve.sql - finding a tag by what people type: its name, one of
-- its synonyms, or the name of a tag that was merged into it.
--
-- Merging (core/tag.c jy_tag_merge) moves the item_tag rows of the old tag
-- to the new one, moves its synonyms, makes its name a synonym too, and
-- marks it merged_into; tags merged into the old one are re-pointed, so
-- merged_into is never a chain. Resolving follows merged_into all the same
-- (one hop at most, a few for data written before that rule).

CREATE FUNCTION jy_tag_id(word text) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH RECURSIVE start AS (
        SELECT id FROM tag WHERE name = word
        UNION ALL
        SELECT tag_id FROM tag_synonym
         WHERE synonym = word AND NOT EXISTS (SELECT 1 FROM tag WHERE name = word)
    ), follow (id, merged_into, hops) AS (
        SELECT t.id, t.merged_into, 0 FROM tag t JOIN start s ON s.id = t.id
        UNION ALL
        SELECT t.id, t.merged_into, f.hops + 1 FROM tag t JOIN follow f ON t.id = f.merged_into
         WHERE f.hops < 8
    )
    SELECT id FROM follow WHERE merged_into IS NULL ORDER BY hops LIMIT 1
$$;
COMMENT ON FUNCTION jy_tag_id(text) IS
    'The live tag a word names: a tag name, a synonym, or the name of a merged tag (followed to the tag it was merged into); NULL when none.';
GRANT EXECUTE ON FUNCTION jy_tag_id(text) TO jiyue_app;

-- Synonyms are looked up per tag when listing the vocabulary.
COMMENT ON COLUMN tag.merged_into IS 'The tag this one was merged into (jiyue tag merge); its items and synonyms moved there.';
