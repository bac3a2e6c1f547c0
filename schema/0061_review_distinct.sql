-- Review chains may ask a different person for every step of a round
-- ("distinct": true, 三审 by three people). 0060 is applied on existing
-- platforms, so the chain's validity check is replaced here rather than
-- edited there; the new check accepts every chain the old one did, so the
-- site_settings_review constraint holds for the rows already stored.

CREATE OR REPLACE FUNCTION jy_review_chain_valid(j jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    s jsonb;
    k text;
BEGIN
    IF jsonb_typeof(j) <> 'object' OR jsonb_typeof(j -> 'steps') <> 'array'
       OR jsonb_array_length(j -> 'steps') > 9 THEN
        RETURN false;
    END IF;
    FOR k IN SELECT jsonb_object_keys(j) LOOP
        IF k NOT IN ('steps', 'distinct') THEN
            RETURN false;
        END IF;
    END LOOP;
    IF j ? 'distinct' AND jsonb_typeof(j -> 'distinct') <> 'boolean' THEN
        RETURN false;
    END IF;
    FOR s IN SELECT jsonb_array_elements(j -> 'steps') LOOP
        IF jsonb_typeof(s) <> 'object' OR jsonb_typeof(s -> 'name') IS DISTINCT FROM 'string'
           OR length(btrim(s ->> 'name')) NOT BETWEEN 1 AND 32
           OR (s ? 'role') = (s ? 'users')
           OR (s ? 'role' AND (jsonb_typeof(s -> 'role') <> 'string'
                               OR (s ->> 'role') !~ '^[a-z][a-z0-9_]{0,31}$'))
           OR (s ? 'users' AND (jsonb_typeof(s -> 'users') <> 'array'
                                OR jsonb_array_length(s -> 'users') NOT BETWEEN 1 AND 50))
           OR (s ? 'mode' AND s ->> 'mode' NOT IN ('any', 'all')) THEN
            RETURN false;
        END IF;
        FOR k IN SELECT jsonb_object_keys(s) LOOP
            IF k NOT IN ('name', 'role', 'users', 'mode') THEN
                RETURN false;
            END IF;
        END LOOP;
    END LOOP;
    RETURN true;
END
$$;
COMMENT ON FUNCTION jy_review_chain_valid(jsonb) IS
    'Is j a review chain: {"steps": [{"name", "role" | "users", "mode": "any" | "all"}, ...], "distinct": bool}, at most 9 steps?';
