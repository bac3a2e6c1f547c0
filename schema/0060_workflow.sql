-- 0060_workflow.sql - the editorial workflow (issue 5): review chains per
-- site and column, the record of every transition, scheduled publishing and
-- withdrawal, and submissions of items to the columns of a higher site
-- (信息报送 / 采用). docs/workflow.md tells the whole story; core/workflow.h,
-- core/scheduler.h and core/submission.h are the code over these tables.
--
--   draft ──submit──▶ submitted ──approve (every step)──▶ approved ──publish──▶ published
--     ▲                  │ reject (reason)                   │ reject              │ withdraw
--     └──────────────────┴───────────────────────────────────┘                     ▼
--     draft / withdrawn ──submit── (the chain starts again)                   withdrawn
--
-- A review chain is the JSON setting "review" of a site or a column:
--   {"steps": [{"name": "初审", "role": "reviewer"},
--              {"name": "会签", "users": ["wang.li", "zhao.qi"], "mode": "all"}]}
-- A column's own chain (or its nearest ancestor column's) wins over the
-- site's; {"steps": []} says "no review here". Each step names a role or
-- users; whoever approves must also hold item.review there (rights come
-- from the grants, never from the chain alone). mode "any" (the default):
-- one approval completes the step; "all": every person the step names
-- (every holder of the role there) must approve.


-- ---- review chains --------------------------------------------------------------------------

CREATE FUNCTION jy_review_chain_valid(j jsonb) RETURNS boolean
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
        IF k <> 'steps' THEN
            RETURN false;
        END IF;
    END LOOP;
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
    'Is j a review chain: {"steps": [{"name", "role" | "users", "mode": "any" | "all"}, ...]}, at most 9 steps?';

ALTER TABLE site ADD CONSTRAINT site_settings_review
    CHECK (NOT settings ? 'review' OR jy_review_chain_valid(settings -> 'review'));
ALTER TABLE site_column ADD CONSTRAINT site_column_settings_review
    CHECK (NOT settings ? 'review' OR jy_review_chain_valid(settings -> 'review'));


-- The chain that applies to a column: its own, its nearest ancestor
-- column's, the site's, or none.
CREATE FUNCTION jy_review_chain(on_site bigint, on_column bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT a.settings -> 'review'
           FROM site_column c
           JOIN site_column a ON a.site_id = c.site_id
                             AND (a.id = c.id OR starts_with(c.path, a.path || '/'))
          WHERE c.id = on_column AND a.settings ? 'review'
          ORDER BY length(a.path) DESC LIMIT 1),
        (SELECT settings -> 'review' FROM site WHERE id = on_site AND settings ? 'review'),
        '{"steps": []}'::jsonb)
$$;
COMMENT ON FUNCTION jy_review_chain(bigint, bigint) IS
    'The review chain of a column: its own setting "review", its nearest ancestor column''s, its site''s, or {"steps": []}.';


-- The people who may approve one step of a chain on a column: a live grant
-- covering the column (a site subtree, a column subtree, or a unit owning
-- the column) of a role holding item.review, restricted to the step's role
-- or users. SECURITY DEFINER: it reads other people's grants, and answers
-- only user ids.
CREATE FUNCTION jy_review_holders(step jsonb, on_site bigint, on_column bigint) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(array_agg(DISTINCT g.user_id ORDER BY g.user_id), '{}')
    FROM user_grant g
    JOIN role r ON r.code = g.role AND 'item.review' = ANY (r.permissions)
    JOIN app_user u ON u.id = g.user_id AND NOT u.disabled
    JOIN site s ON s.id = on_site
    LEFT JOIN site_column c ON c.id = on_column AND c.site_id = on_site
    WHERE (g.expires_at IS NULL OR g.expires_at > now())
      AND (NOT step ? 'role' OR g.role = step ->> 'role')
      AND (NOT step ? 'users'
           OR u.login IN (SELECT jsonb_array_elements_text(step -> 'users')))
      AND ((g.column_id IS NULL AND s.path @> ARRAY[g.site_id])
           OR (g.column_id IS NOT NULL AND c.id IS NOT NULL
               AND EXISTS (SELECT 1 FROM site_column root
                            WHERE root.id = g.column_id AND root.site_id = c.site_id
                              AND (c.id = root.id OR starts_with(c.path, root.path || '/'))))
           OR (g.column_id IS NULL AND c.id IS NOT NULL
               AND EXISTS (SELECT 1 FROM site unit
                             JOIN site_column oc ON oc.unit_id = unit.id AND oc.site_id = c.site_id
                            WHERE unit.kind = 'unit' AND unit.path @> ARRAY[g.site_id]
                              AND (c.id = oc.id OR starts_with(c.path, oc.path || '/')))))
$$;
COMMENT ON FUNCTION jy_review_holders(jsonb, bigint, bigint) IS
    'Users who may approve this step of a review chain on this column: item.review there through a live grant, and the step''s role or one of its users.';


-- ---- placements: schedule and review progress -----------------------------------------------

ALTER TABLE placement
    ADD COLUMN publish_at timestamptz,
    ADD COLUMN withdraw_at timestamptz,
    ADD COLUMN scheduled_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
    ADD COLUMN review_chain jsonb,
    ADD COLUMN review_round integer NOT NULL DEFAULT 0,
    ADD COLUMN review_step integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT placement_schedule_order CHECK (withdraw_at > publish_at),
    ADD CONSTRAINT placement_review_progress CHECK (review_round >= 0 AND review_step >= 0);

-- the scheduler's two questions, each an index range scan
CREATE INDEX placement_publish_due_idx ON placement (publish_at) WHERE publish_at IS NOT NULL;
CREATE INDEX placement_withdraw_due_idx ON placement (withdraw_at) WHERE withdraw_at IS NOT NULL;

COMMENT ON COLUMN placement.publish_at IS
    'Scheduled publication: the scheduler publishes the placement at this time once it may be published (approved, or no review chain).';
COMMENT ON COLUMN placement.withdraw_at IS 'Scheduled withdrawal of the published placement.';
COMMENT ON COLUMN placement.scheduled_by IS 'Who set publish_at / withdraw_at (the scheduler acts in their stead).';
COMMENT ON COLUMN placement.review_chain IS
    'The review chain as it was when the placement was last submitted (a later change of the setting does not touch a review under way).';
COMMENT ON COLUMN placement.review_round IS 'How many times the placement was submitted; approvals count within one round.';
COMMENT ON COLUMN placement.review_step IS 'Index of the step waiting for approval (= number of steps once approved).';


-- ---- the record of every transition ---------------------------------------------------------

CREATE TABLE workflow_event (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id bigint NOT NULL,
    item_id      bigint NOT NULL,
    site_id      bigint NOT NULL,
    column_id    bigint NOT NULL,
    action       text NOT NULL,
    from_state   text,
    to_state     text NOT NULL,
    round        integer NOT NULL DEFAULT 0,
    step         integer,
    step_name    text,
    actor_id     bigint,
    actor_login  text,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    comment      text,

    CONSTRAINT workflow_event_action CHECK (action IN (
        'submit', 'approve', 'reject', 'publish', 'withdraw', 'archive', 'schedule',
        'unschedule', 'adopt', 'schedule_failed', 'set_state')),
    CONSTRAINT workflow_event_reject_reason CHECK (action <> 'reject' OR length(btrim(comment)) > 0),
    CONSTRAINT workflow_event_comment_length CHECK (length(comment) <= 2000)
);
CREATE INDEX workflow_event_placement_idx ON workflow_event (placement_id, id);
CREATE INDEX workflow_event_item_idx ON workflow_event (item_id, id);
CREATE INDEX workflow_event_site_idx ON workflow_event (site_id, at DESC);

COMMENT ON TABLE workflow_event IS
    'Every workflow transition of a placement (and every approval, schedule and adoption): who, when, from which state to which, with the comment or the reason of a rejection. Append-only; no foreign keys, the record outlives its placement.';
COMMENT ON COLUMN workflow_event.site_id IS 'Site of the placement''s column.';
COMMENT ON COLUMN workflow_event.round IS 'Submission round of the placement (placement.review_round).';
COMMENT ON COLUMN workflow_event.step IS 'Approvals and rejections: the step (1-based) of the chain acted on.';
COMMENT ON COLUMN workflow_event.actor_id IS 'Acting user; NULL: the system (the scheduler, an operator''s command).';
COMMENT ON COLUMN workflow_event.comment IS 'The comment of the person acting; for a rejection, the reason returned to the editor.';

ALTER TABLE workflow_event ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON workflow_event TO jiyue_app;
CREATE POLICY workflow_event_read ON workflow_event FOR SELECT
    USING (site_id = ANY ((SELECT jy_perm_sites('item.read'))::bigint[])
           OR column_id = ANY ((SELECT jy_perm_columns('item.read'))::bigint[])
           OR actor_id = jy_actor());
CREATE POLICY workflow_event_insert ON workflow_event FOR INSERT
    WITH CHECK (actor_id = jy_actor()
                AND (jy_can('item.review', site_id, column_id)
                     OR jy_can('item.publish', site_id, column_id)
                     OR jy_can('item.write', site_id, column_id)));
CREATE FUNCTION jy_workflow_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'workflow_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER workflow_event_append_only BEFORE UPDATE OR DELETE ON workflow_event
    FOR EACH ROW EXECUTE FUNCTION jy_workflow_event_append_only();
CREATE TRIGGER workflow_event_audit AFTER INSERT OR UPDATE OR DELETE ON workflow_event
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();


-- Before a placement changes state: entering "submitted" starts the chain
-- (a snapshot of the one that applies now, a new round, its first step);
-- for a person (an actor is set), "approved" needs the chain done and
-- "published" needs "approved" unless no chain applies. The system (no
-- actor: the scheduler, imports, the operator) is not held to the chain.
CREATE FUNCTION jy_placement_workflow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_state text;
    old_round integer := 0;
    chain jsonb;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        old_state := OLD.state;
        old_round := OLD.review_round;
    END IF;
    IF NEW.state IS NOT DISTINCT FROM old_state THEN
        RETURN NEW;
    END IF;
    IF NEW.state = 'submitted' THEN
        NEW.review_chain := jy_review_chain(NEW.site_id, NEW.column_id);
        NEW.review_round := old_round + 1;
        NEW.review_step := 0;
    END IF;
    IF jy_actor() IS NOT NULL AND NEW.state IN ('approved', 'published') THEN
        chain := CASE WHEN old_state IN ('submitted', 'approved') THEN NEW.review_chain
                      ELSE jy_review_chain(NEW.site_id, NEW.column_id) END;
        IF NEW.state = 'approved' AND jsonb_array_length(chain -> 'steps') > 0
           AND (old_state IS DISTINCT FROM 'submitted'
                OR NEW.review_step < jsonb_array_length(chain -> 'steps')) THEN
            RAISE EXCEPTION 'the placement of item % is not approved by every step of its review chain', NEW.item_id
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Approvals go through "jiyue item approve", one step after the other.';
        END IF;
        IF NEW.state = 'published' AND old_state IS DISTINCT FROM 'approved'
           AND jsonb_array_length(chain -> 'steps') > 0 THEN
            RAISE EXCEPTION 'the column of item % has a review chain of % step(s): the placement must be approved before it is published',
                            NEW.item_id, jsonb_array_length(chain -> 'steps')
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Submit it ("jiyue item submit") and have every step approve it.';
        END IF;
    END IF;
    IF NEW.state IN ('published', 'archived') THEN
        NEW.publish_at := NULL;
    END IF;
    IF NEW.state IN ('withdrawn', 'archived') THEN
        NEW.withdraw_at := NULL;
    END IF;
    IF NEW.publish_at IS NULL AND NEW.withdraw_at IS NULL THEN
        NEW.scheduled_by := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER placement_workflow BEFORE INSERT OR UPDATE ON placement
    FOR EACH ROW EXECUTE FUNCTION jy_placement_workflow();

-- After a placement changed state: record the transition. The workflow
-- code names the action, step and comment in transaction-local settings
-- (jy.wf_action, jy.wf_step, jy.wf_comment); a state set otherwise by a
-- person is recorded as what it is. Bulk writes of the system (imports,
-- the demo) are left to audit_log, which has them already.
CREATE FUNCTION jy_placement_workflow_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    act text := NULLIF(current_setting('jy.wf_action', true), '');
    stp integer := NULLIF(current_setting('jy.wf_step', true), '')::integer;
    old_state text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.state = OLD.state THEN
            RETURN NULL;
        END IF;
        old_state := OLD.state;
    END IF;
    IF act IS NULL AND (jy_actor() IS NULL OR NEW.state = 'draft' AND TG_OP = 'INSERT') THEN
        RETURN NULL;  -- a new draft is no transition
    END IF;
    INSERT INTO workflow_event (placement_id, item_id, site_id, column_id, action, from_state,
                                to_state, round, step, step_name, actor_id, actor_login, comment)
    VALUES (NEW.id, NEW.item_id, NEW.site_id, NEW.column_id,
            coalesce(act, CASE NEW.state WHEN 'submitted' THEN 'submit'
                                         WHEN 'published' THEN 'publish'
                                         WHEN 'withdrawn' THEN 'withdraw'
                                         WHEN 'archived' THEN 'archive'
                                         ELSE 'set_state' END),
            old_state, NEW.state, NEW.review_round,
            stp, NEW.review_chain -> 'steps' -> (stp - 1) ->> 'name',
            jy_actor(), NULLIF(current_setting('jy.login', true), ''),
            NULLIF(current_setting('jy.wf_comment', true), ''));
    RETURN NULL;
END
$$;
CREATE TRIGGER placement_workflow_event AFTER INSERT OR UPDATE ON placement
    FOR EACH ROW EXECUTE FUNCTION jy_placement_workflow_event();


-- ---- submissions to a higher site (信息报送 / 采用) ----------------------------------------

CREATE TABLE submission (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id      bigint NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    from_site_id bigint NOT NULL REFERENCES site (id) ON DELETE RESTRICT,
    site_id      bigint NOT NULL,
    column_id    bigint NOT NULL,
    state        text NOT NULL DEFAULT 'pending',
    comment      text,
    submitted_by bigint REFERENCES app_user (id) ON DELETE SET NULL DEFAULT jy_actor(),
    submitted_login text DEFAULT NULLIF(current_setting('jy.login', true), ''),
    submitted_at timestamptz NOT NULL DEFAULT now(),
    decided_by   bigint REFERENCES app_user (id) ON DELETE SET NULL,
    decided_at   timestamptz,
    reason       text,
    placement_id bigint REFERENCES placement (id) ON DELETE SET NULL,

    CONSTRAINT submission_column FOREIGN KEY (site_id, column_id)
        REFERENCES site_column (site_id, id) ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT submission_state CHECK (state IN ('pending', 'adopted', 'declined')),
    CONSTRAINT submission_decided CHECK ((state = 'pending') = (decided_at IS NULL)),
    CONSTRAINT submission_decline_reason CHECK (state <> 'declined' OR length(btrim(reason)) > 0),
    CONSTRAINT submission_upwards CHECK (site_id <> from_site_id),
    CONSTRAINT submission_text_length CHECK (length(comment) <= 2000 AND length(reason) <= 2000)
);
-- one pending submission of an item to a column at a time
CREATE UNIQUE INDEX submission_pending_key ON submission (item_id, column_id) WHERE state = 'pending';
CREATE INDEX submission_site_idx ON submission (site_id, submitted_at DESC);
CREATE INDEX submission_from_site_idx ON submission (from_site_id, submitted_at DESC);

COMMENT ON TABLE submission IS
    'An item offered by a lower site to a column of a higher one (信息报送): pending until that site''s reviewers adopt it (a placement there, the item stays one) or decline it with a reason.';
COMMENT ON COLUMN submission.from_site_id IS 'The sending site: the item''s own site.';
COMMENT ON COLUMN submission.site_id IS 'The receiving site (an ancestor of the sending one), whose reviewers decide.';
COMMENT ON COLUMN submission.submitted_login IS 'Login of the sender at the time (shown to the receiving reviewers).';
COMMENT ON COLUMN submission.column_id IS 'The column of the receiving site the item is offered to.';
COMMENT ON COLUMN submission.reason IS 'Why it was declined (or a note on the adoption), shown to the sender.';
COMMENT ON COLUMN submission.placement_id IS 'The placement adoption created.';

-- What a submission may be: the item's own site sends, to a column for
-- items of a site above it that takes the item's kind, where the item is
-- not placed yet. SECURITY DEFINER: the sender need not read the target's
-- drafts to be told the item is there already.
CREATE FUNCTION jy_submission_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    it record;
    col record;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.item_id <> OLD.item_id OR NEW.column_id <> OLD.column_id
           OR NEW.site_id <> OLD.site_id OR NEW.from_site_id <> OLD.from_site_id THEN
            RAISE EXCEPTION 'a submission cannot be moved to another item or column'
                USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.state <> 'pending' AND NEW.state <> OLD.state THEN
            RAISE EXCEPTION 'submission % is % already', OLD.id, OLD.state
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    SELECT id, site_id, kind INTO it FROM item WHERE id = NEW.item_id;
    NEW.from_site_id := it.site_id;
    SELECT c.kind, c.reuse_column_id, c.accepts, s.path, s.status, f.path AS from_path
      INTO col
      FROM site_column c JOIN site s ON s.id = c.site_id, site f
     WHERE c.id = NEW.column_id AND f.id = it.site_id;
    IF NOT (col.from_path @> ARRAY[NEW.site_id]) OR NEW.site_id = it.site_id THEN
        RAISE EXCEPTION 'items are submitted to a site above their own (the city or the province), not to %',
                        (SELECT name FROM site WHERE id = NEW.site_id)
            USING ERRCODE = 'check_violation', COLUMN = 'column_id';
    END IF;
    IF col.kind NOT IN ('list', 'topic') OR col.reuse_column_id IS NOT NULL THEN
        RAISE EXCEPTION 'the column is not one that takes items of its own (a % column%)', col.kind,
                        CASE WHEN col.reuse_column_id IS NOT NULL THEN ' reusing another' ELSE '' END
            USING ERRCODE = 'check_violation', COLUMN = 'column_id';
    END IF;
    IF col.accepts <> '{}' AND NOT it.kind = ANY (col.accepts) THEN
        RAISE EXCEPTION 'the column does not take items of kind %', it.kind
            USING ERRCODE = 'check_violation', COLUMN = 'column_id';
    END IF;
    IF col.status <> 'open' THEN
        RAISE EXCEPTION 'the receiving site is closed' USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM placement WHERE item_id = NEW.item_id AND column_id = NEW.column_id) THEN
        RAISE EXCEPTION 'item % is in that column already', NEW.item_id
            USING ERRCODE = 'check_violation', COLUMN = 'column_id';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER submission_check BEFORE INSERT OR UPDATE ON submission
    FOR EACH ROW EXECUTE FUNCTION jy_submission_check();
CREATE TRIGGER submission_audit AFTER INSERT OR UPDATE OR DELETE ON submission
    FOR EACH ROW EXECUTE FUNCTION jy_audit_row();

ALTER TABLE submission ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON submission TO jiyue_app;
-- the sending site's readers, the receiving site's (or column's) reviewers
CREATE POLICY submission_read ON submission FOR SELECT
    USING (from_site_id = ANY ((SELECT jy_perm_sites('item.read', false))::bigint[])
           OR site_id = ANY ((SELECT jy_perm_sites('item.review'))::bigint[])
           OR column_id = ANY ((SELECT jy_perm_columns('item.review'))::bigint[]));
-- the sending site's writers send, in their own name
CREATE POLICY submission_insert ON submission FOR INSERT
    WITH CHECK (state = 'pending' AND submitted_by = jy_actor()
                AND from_site_id = ANY ((SELECT jy_perm_sites('item.write', false))::bigint[]));
-- the receiving column's reviewers decide
CREATE POLICY submission_decide ON submission FOR UPDATE
    USING (jy_can('item.review', site_id, column_id))
    WITH CHECK (jy_can('item.review', site_id, column_id));

-- Adoption: a reviewer of the receiving column (who may hold no item.write)
-- creates the placement of a pending submission, entering the review of
-- that column; nothing else.
CREATE POLICY placement_adopt ON placement FOR INSERT
    WITH CHECK (state = 'submitted'
                AND jy_can('item.review', site_id, column_id)
                AND EXISTS (SELECT 1 FROM submission s
                             WHERE s.item_id = placement.item_id
                               AND s.column_id = placement.column_id AND s.state = 'pending'));


-- Logins among names that name no user (review chains name people by
-- login; the app may not read every account, so it asks here).
CREATE FUNCTION jy_logins_missing(names text[]) RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(array_agg(n ORDER BY n), '{}')
    FROM unnest(names) n
    WHERE NOT EXISTS (SELECT 1 FROM app_user u WHERE u.login = n)
$$;
COMMENT ON FUNCTION jy_logins_missing(text[]) IS 'The names among these that are no user''s login.';
