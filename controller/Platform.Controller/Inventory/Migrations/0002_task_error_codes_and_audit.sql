-- A task failure's kind becomes a column of its own instead of a prefix of its message, and the
-- audit trail learns who asked for what, under which task, and how it ended.

-- The kinds TaskFailureKinds names; the message in tasks.error is the plain sentence.
ALTER TABLE tasks ADD COLUMN error_code text CHECK (error_code IN (
    'refused', 'device_still_attached', 'guest_ignored_shutdown', 'agent_timeout',
    'agent_unavailable', 'no_host_available', 'agent_failed', 'gave_up', 'internal'));

-- Failures recorded before this migration carried their kind as a prefix: move it over.
UPDATE tasks SET
    error_code = CASE
        WHEN error LIKE 'device still attached: %' THEN 'device_still_attached'
        WHEN error LIKE 'agent timed out: %' THEN 'agent_timeout'
        WHEN error LIKE 'agent unreachable: %' THEN 'agent_unavailable'
        WHEN error LIKE 'no host available: %' THEN 'no_host_available'
        WHEN error LIKE 'refused by the agent: %' THEN 'refused'
        WHEN error LIKE 'internal error: %' THEN 'internal'
        WHEN error LIKE 'gave up after %' THEN 'gave_up'
        WHEN error LIKE 'this controller cannot run tasks%' THEN 'internal'
        ELSE 'agent_failed'
    END,
    error = regexp_replace(error, '^(device still attached|agent timed out|agent unreachable|no host available|refused by the agent): ', '')
WHERE state = 'failed';

ALTER TABLE tasks ADD CONSTRAINT tasks_failed_has_error_code CHECK ((state = 'failed') = (error_code IS NOT NULL));

UPDATE volumes SET error = regexp_replace(error, '^(device still attached|agent timed out|agent unreachable|no host available|refused by the agent): ', '')
WHERE error IS NOT NULL;
UPDATE network_interfaces SET error = regexp_replace(error, '^(device still attached|agent timed out|agent unreachable|no host available|refused by the agent): ', '')
WHERE error IS NOT NULL;
UPDATE instances SET error = regexp_replace(error, '^(destroy failed: )?(device still attached|agent timed out|agent unreachable|no host available|refused by the agent): ', '\1')
WHERE error IS NOT NULL;

-- One row when a mutating request is accepted (in the transaction of its state change, so a
-- refused request leaves none) and one when its task ends. There is no authentication yet:
-- the caller is known by address and by the request and trace ids its own logs carry.
-- task_id has no foreign key: the trail must outlive any clean-up of finished tasks.
ALTER TABLE audit_events
    ADD COLUMN outcome         text NOT NULL DEFAULT 'succeeded' CHECK (outcome IN ('accepted', 'succeeded', 'failed')),
    ADD COLUMN task_id         text,
    ADD COLUMN error_code      text,
    ADD COLUMN error           text,
    ADD COLUMN remote_address  text,
    ADD COLUMN request_id      text,
    ADD COLUMN trace_id        text,
    ADD CONSTRAINT audit_events_failed_has_error_code CHECK ((outcome = 'failed') = (error_code IS NOT NULL));
ALTER TABLE audit_events ALTER COLUMN outcome DROP DEFAULT;

-- Destroy was the only writer so far, naming the end of the task rather than the request.
UPDATE audit_events SET action = 'instance.destroy' WHERE action = 'instance.destroyed';

DROP INDEX audit_events_resource;
CREATE INDEX audit_events_resource ON audit_events (resource_id, event_id DESC);
CREATE INDEX audit_events_action ON audit_events (action, event_id DESC);
CREATE INDEX audit_events_task ON audit_events (task_id) WHERE task_id IS NOT NULL;
