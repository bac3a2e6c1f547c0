-- Answers to POST requests sent with an Idempotency-Key header (docs/api.md):
-- a retry with the same key and the same request gets the stored answer
-- instead of creating a second object; the same key with another request is
-- refused (422). Kept 24 hours. Written and read by the server's owner
-- connection only: the application role has no access (row-level security
-- is on with no policy, and nothing is granted).
CREATE TABLE http_idempotency (
    user_id bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    method text NOT NULL,
    path text NOT NULL,
    body_hash text NOT NULL,
    status integer NOT NULL,
    response text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

ALTER TABLE http_idempotency ENABLE ROW LEVEL SECURITY;

COMMENT ON TABLE http_idempotency IS
    'answers to POST requests with an Idempotency-Key, per user, kept 24 hours';
COMMENT ON COLUMN http_idempotency.body_hash IS
    'BLAKE2b-256 of method, path and body: the same key with another request is refused';
