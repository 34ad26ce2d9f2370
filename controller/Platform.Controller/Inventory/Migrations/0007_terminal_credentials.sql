-- Terminals get their own credential at registration (a random token; only its SHA-256 is
-- kept), and the console can tell chosen terminals to update to a version even while
-- auto-update is off (the seed's notifyupdatehgdrive).
ALTER TABLE terminals
    ADD COLUMN token_hash        text UNIQUE,
    ADD COLUMN notified_version  bigint NOT NULL DEFAULT 0 CHECK (notified_version >= 0),
    ADD CONSTRAINT terminals_version_not_negative CHECK (tool_disk_version >= 0),
    ADD CONSTRAINT terminals_downloading_since CHECK (is_downloading = (downloading_since IS NOT NULL));
