-- An API token may also be a terminal-enrollment token: it registers terminals and does nothing
-- else, so that terminals' install media need not carry a user's credentials.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('admin', 'operator', 'viewer', 'terminal-enrollment'));
