-- 0044_render_pin_clock.sql - the one change that needs no write: a pin
-- (置顶) that expires. Pages are pure functions of the data, so the list
-- that showed an item on top must be rendered again when pinned_until
-- passes. The renderer keeps how far it has looked (render_pin_clock) and
-- treats the items whose pin expired since then as changed.

CREATE TABLE render_pin_clock (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    checked_to timestamptz NOT NULL
);
INSERT INTO render_pin_clock (checked_to) VALUES (now());

COMMENT ON TABLE render_pin_clock IS
    'Pins that expired up to checked_to have been rendered (one row; written by the renderer).';

CREATE INDEX placement_pin_expiry_idx ON placement (pinned_until)
    WHERE pinned_until IS NOT NULL AND state = 'published';

ALTER TABLE render_pin_clock ENABLE ROW LEVEL SECURITY;
