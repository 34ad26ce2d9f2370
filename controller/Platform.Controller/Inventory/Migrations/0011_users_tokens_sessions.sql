-- Who may use the REST API: users with a role, the API tokens scripts present
-- (Authorization: Bearer) and the sessions the console keeps in a cookie. Secrets are kept
-- only as hashes: passwords as Argon2id PHC strings, token and session secrets as SHA-256
-- (they are 256 random bits, so a slow hash would add nothing).
CREATE TABLE users (
    user_id        text        PRIMARY KEY,
    name           text        NOT NULL,
    role           text        NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash  text        NOT NULL,
    disabled       boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_name ON users (name);

-- A token acts for its user with at most its own role (privilege separation: a script can hold
-- a viewer token of an admin). Revoked tokens stay listed until deleted with their user.
CREATE TABLE api_tokens (
    token_id       text        PRIMARY KEY,
    user_id        text        NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    name           text        NOT NULL,
    role           text        NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    secret_hash    bytea       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz,
    revoked_at     timestamptz,
    last_used_at   timestamptz
);
CREATE UNIQUE INDEX api_tokens_user_name ON api_tokens (user_id, name);

CREATE TABLE sessions (
    session_id     text        PRIMARY KEY,
    user_id        text        NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    secret_hash    bytea       NOT NULL,
    csrf_token     text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Who made the change: the user (and how they signed in), or a terminal.
ALTER TABLE audit_events ADD COLUMN principal text;
