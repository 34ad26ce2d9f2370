-- Idempotency-Key of the mutating REST calls: the first request with a key claims it
-- (in_progress, held by one request of one controller under a lease), the transaction that
-- makes the request's change marks it committed with what it made (in the same commit, so a
-- committed change is never without its key), and the answer is kept once written (completed).
-- A repeat of the request answers what was kept instead of doing it again.
CREATE TABLE idempotency_keys (
    -- Whose key: a hash of the credentials the request presented ('' without any).
    scope         text        NOT NULL,
    key           text        NOT NULL,
    -- What the key was used for: method, path, query and media type (hashed), and the body's hash
    -- and length once it has been read (uploads are hashed as they stream, never held whole).
    request_hash  text        NOT NULL,
    body_hash     text,
    body_bytes    bigint,
    state         text        NOT NULL CHECK (state IN ('in_progress', 'committed', 'completed')),
    -- The request holding the key, and until when it is presumed alive.
    token         text        NOT NULL,
    owner         text        NOT NULL,
    lease_until   timestamptz NOT NULL,
    -- What the committed change made; no foreign keys: the record outlives what it names.
    resource_id   text,
    task_id       text,
    -- The answer as it was sent.
    status        integer,
    content_type  text,
    response      bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    committed_at  timestamptz,
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (scope, key),
    CHECK ((state = 'in_progress') = (committed_at IS NULL)),
    CHECK ((state = 'completed') = (status IS NOT NULL))
);

CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
