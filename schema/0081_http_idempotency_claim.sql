-- An Idempotency-Key is claimed before its request runs (docs/api.md): a row
-- with status 0 marks a request still being handled, so a second copy sent
-- at the same time is answered 409 instead of running twice.
COMMENT ON COLUMN http_idempotency.status IS
    'HTTP status of the answer; 0 while the first request with the key is still being handled';
