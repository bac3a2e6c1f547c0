-- The answer cache of `jiyue serve` (docs/api-cache.md): GET /api/v1/items/ID
-- is answered from memory, per user and item, until one of these triggers
-- says the answer may have changed. Channel jy_cache, payloads:
--   "i <id>"  the JSON of item <id> may have changed (drop its answers);
--   "*"       anything may have changed: rights (grants, roles, users, the
--             site and column trees) or names every answer shows (tags,
--             kinds, vocabularies): drop every answer;
--   "a"       a session or API token was revoked or deleted: workers check
--             credentials again instead of trusting their short cache.
-- The notifications are sent at commit, so a rolled-back change drops
-- nothing. Nothing is stored: no table here.

-- An item and the items whose JSON shows it (its title, number or
-- validity): the two ends of its relations, the document it was changed by,
-- the documents it changed.
CREATE FUNCTION jy_cache_touch(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE n bigint;
BEGIN
    IF p_id IS NULL THEN
        RETURN;
    END IF;
    -- a bulk load of the system (schema/0021_bulk_audit.sql) drops everything
    -- once instead of looking up neighbours row by row
    IF current_setting('jy.bulk', true) = 'on' AND session_user = current_user
       AND session_user <> 'jiyue_app' THEN
        PERFORM pg_notify('jy_cache', '*');
        RETURN;
    END IF;
    PERFORM pg_notify('jy_cache', 'i ' || p_id);
    FOR n IN
        SELECT to_id FROM item_relation WHERE from_id = p_id
        UNION SELECT from_id FROM item_relation WHERE to_id = p_id
        UNION SELECT validity_by FROM item WHERE id = p_id AND validity_by IS NOT NULL
        UNION SELECT id FROM item WHERE validity_by = p_id
    LOOP
        PERFORM pg_notify('jy_cache', 'i ' || n);
    END LOOP;
END
$$;
COMMENT ON FUNCTION jy_cache_touch(bigint) IS
    'NOTIFY jy_cache "i <id>" for an item and every item whose JSON shows it (API answer cache).';

CREATE FUNCTION jy_cache_item() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF TG_TABLE_NAME = 'item' THEN
            PERFORM jy_cache_touch(OLD.id);
        ELSE
            PERFORM jy_cache_touch(OLD.item_id);
        END IF;
        RETURN OLD;
    END IF;
    IF TG_TABLE_NAME = 'item' THEN
        PERFORM jy_cache_touch(NEW.id);
        IF TG_OP = 'UPDATE' AND OLD.validity_by IS DISTINCT FROM NEW.validity_by THEN
            PERFORM jy_cache_touch(OLD.validity_by);
        END IF;
    ELSE
        PERFORM jy_cache_touch(NEW.item_id);
        IF TG_OP = 'UPDATE' AND OLD.item_id <> NEW.item_id THEN
            PERFORM jy_cache_touch(OLD.item_id);
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION jy_cache_item() IS
    'Trigger: an item, its placements, tags or files changed; drop the cached answers that show it.';

CREATE FUNCTION jy_cache_relation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE r record;
BEGIN
    r := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    PERFORM pg_notify('jy_cache', 'i ' || r.from_id);
    PERFORM pg_notify('jy_cache', 'i ' || r.to_id);
    IF TG_OP = 'UPDATE' THEN
        PERFORM pg_notify('jy_cache', 'i ' || OLD.from_id);
        PERFORM pg_notify('jy_cache', 'i ' || OLD.to_id);
    END IF;
    RETURN r;
END
$$;
COMMENT ON FUNCTION jy_cache_relation() IS
    'Trigger: a relation between items changed; drop the cached answers of both ends.';

CREATE FUNCTION jy_cache_flush() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM pg_notify('jy_cache', TG_ARGV[0]);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION jy_cache_flush() IS
    'Statement trigger: NOTIFY jy_cache with its argument ("*": drop every cached answer, '
    '"a": check credentials again).';

CREATE TRIGGER item_cache AFTER INSERT OR UPDATE OR DELETE ON item
    FOR EACH ROW EXECUTE FUNCTION jy_cache_item();
CREATE TRIGGER placement_cache AFTER INSERT OR UPDATE OR DELETE ON placement
    FOR EACH ROW EXECUTE FUNCTION jy_cache_item();
CREATE TRIGGER item_tag_cache AFTER INSERT OR UPDATE OR DELETE ON item_tag
    FOR EACH ROW EXECUTE FUNCTION jy_cache_item();
CREATE TRIGGER item_file_cache AFTER INSERT OR UPDATE OR DELETE ON item_file
    FOR EACH ROW EXECUTE FUNCTION jy_cache_item();
CREATE TRIGGER item_relation_cache AFTER INSERT OR UPDATE OR DELETE ON item_relation
    FOR EACH ROW EXECUTE FUNCTION jy_cache_relation();

-- rights and what every answer shows by name: everything goes
CREATE TRIGGER user_grant_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_grant
    FOR EACH STATEMENT EXECUTE FUNCTION jy_cache_flush('*');
CREATE TRIGGER role_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON role
    FOR EACH STATEMENT EXECUTE FUNCTION jy_cache_flush('*');
CREATE TRIGGER site_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON site
    FOR EACH STATEMENT EXECUTE FUNCTION jy_cache_flush('*');
CREATE TRIGGER site_column_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON site_column
    FOR EACH STATEMENT EXECUTE FUNCTION jy_cache_flush('*');
CREATE TRIGGER tag_cache AFTER UPDATE OR DELETE OR TRUNCATE ON tag
    FOR EACH STATEMENT EXECUTE FUNCTION jy_cache_flush('*');
CREATE TRIGGER item_kind_cache AFTER UPDATE OR DELETE OR TRUNCATE ON item_kind
    FOR EACH STATEMENT EXECUTE FUNCTION jy_cache_flush('*');
CREATE TRIGGER item_vocab_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON item_vocab
    FOR EACH STATEMENT EXECUTE FUNCTION jy_cache_flush('*');
-- a user disabled (rights end) or renamed: both caches
CREATE TRIGGER app_user_cache AFTER UPDATE OR DELETE OR TRUNCATE ON app_user
    FOR EACH STATEMENT EXECUTE FUNCTION jy_cache_flush('*');
CREATE TRIGGER app_user_auth_cache AFTER UPDATE OR DELETE OR TRUNCATE ON app_user
    FOR EACH STATEMENT EXECUTE FUNCTION jy_cache_flush('a');

-- credentials revoked or gone (a logout in another process, `jiyue user
-- disable`); last_seen_at updates of every check send nothing
CREATE FUNCTION jy_cache_credential() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
       OR (OLD.expires_at IS DISTINCT FROM NEW.expires_at) THEN
        PERFORM pg_notify('jy_cache', 'a');
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION jy_cache_credential() IS
    'Trigger: a session or API token was revoked, shortened or deleted; NOTIFY jy_cache "a".';
CREATE TRIGGER user_session_cache AFTER UPDATE OR DELETE ON user_session
    FOR EACH ROW EXECUTE FUNCTION jy_cache_credential();
CREATE TRIGGER api_token_cache AFTER UPDATE OR DELETE ON api_token
    FOR EACH ROW EXECUTE FUNCTION jy_cache_credential();
