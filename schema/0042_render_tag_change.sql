-- 0042_render_tag_change.sql - a renamed or redescribed tag changes the tag
-- pages of every site showing its items: note each such item as changed.

CREATE FUNCTION jy_render_change_tag() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF OLD.name IS DISTINCT FROM NEW.name OR OLD.description IS DISTINCT FROM NEW.description THEN
        PERFORM jy_render_change_note('item', it.item_id) FROM item_tag it WHERE it.tag_id = NEW.id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER tag_render_change AFTER UPDATE ON tag
    FOR EACH ROW EXECUTE FUNCTION jy_render_change_tag();
