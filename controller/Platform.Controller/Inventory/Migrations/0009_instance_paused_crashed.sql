-- An instance shows what its host reports: paused (an I/O error, a guest or emulation crash, a
-- watchdog) and crashed are states of their own with libvirt's reason, never folded into
-- running or stopped.
ALTER TABLE instances DROP CONSTRAINT instances_status_check;
ALTER TABLE instances ADD CONSTRAINT instances_status_check CHECK (status IN (
    'creating', 'running', 'stopped', 'starting', 'stopping', 'destroying', 'error', 'paused', 'crashed'));
ALTER TABLE instances ADD COLUMN status_reason text;
