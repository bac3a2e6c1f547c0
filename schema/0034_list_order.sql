-- 0034_list_order.sql - a column's own order of its list (site_column.item_order)
-- as the query API reads it (core/query.c): publish_desc (the default, on
-- placement_column_list_idx), publish_asc, sort (manual order) and title
-- (by pinyin, collation below), the last three sorted in memory.

-- Titles order as a Chinese reader expects: by pinyin (ICU's zh collation
-- orders by pinyin; C.UTF-8, the cluster's own, would order by code point,
-- which for Chinese is the order of the Unicode tables, meaningless to an
-- editor). Latin letters and digits come as in a dictionary.
CREATE COLLATION IF NOT EXISTS jy_pinyin (provider = icu, locale = 'zh-u-co-pinyin');
COMMENT ON COLLATION jy_pinyin IS
    'Pinyin order of Chinese text (ICU), for lists ordered by title (site_column.item_order = title).';

-- No index for manual order (sort) or titles: a column ordered by hand or by
-- title is a short list (services, leaders, a document directory), sorted
-- whole in memory; an index more on placement would slow every write and
-- import for them, and a second index that starts with column_id makes the
-- planner, which expects a dozen placements per column, take it for the
-- default order and sort (0022 says why that matters for long columns).
