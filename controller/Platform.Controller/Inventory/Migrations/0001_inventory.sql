-- The inventory: what the platform has made, where it runs, and the work in flight.
-- Forward-only: a released migration is never edited; changes come as a new file.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE hosts (
    host_id            text PRIMARY KEY,
    hostname           text NOT NULL,
    grpc_endpoint      text NOT NULL,
    host_ip            text NOT NULL,
    cpus               integer NOT NULL CHECK (cpus > 0),
    memory_bytes       bigint NOT NULL CHECK (memory_bytes > 0),
    memory_free_bytes  bigint NOT NULL,
    running_domains    integer NOT NULL DEFAULT 0,
    agent_version      text NOT NULL DEFAULT '',
    status             text NOT NULL CHECK (status IN ('up', 'down')),
    registered_at      timestamptz NOT NULL DEFAULT now(),
    last_heartbeat     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE images (
    image_id     text PRIMARY KEY CHECK (image_id ~ '^ami-[0-9a-f]{8}$'),
    image_name   text NOT NULL,
    image_size   bigint NOT NULL CHECK (image_size >= 0),
    os_type      text NOT NULL CHECK (os_type IN ('Linux', 'Windows')),
    describe     text NOT NULL DEFAULT '',
    status       text NOT NULL CHECK (status IN ('creating', 'available', 'error')),
    error        text,
    create_time  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX images_name_trgm ON images USING gin (lower(image_name) gin_trgm_ops);
CREATE INDEX images_create_time ON images (create_time DESC, image_id);

CREATE TABLE networks (
    network_id   text PRIMARY KEY,
    bridge       text NOT NULL,
    cidr         cidr NOT NULL,
    gateway      inet,
    range_start  inet NOT NULL,
    range_end    inet NOT NULL,
    CHECK (range_start <= range_end AND range_start << cidr AND range_end << cidr)
);

CREATE TABLE instances (
    instance_id    text PRIMARY KEY CHECK (instance_id ~ '^i-[0-9a-f]{8}$'),
    instance_name  text NOT NULL,
    uuid           uuid NOT NULL UNIQUE,
    status         text NOT NULL CHECK (status IN ('creating', 'running', 'stopped', 'starting', 'stopping', 'destroying', 'error')),
    error          text,
    host_id        text REFERENCES hosts (host_id),
    image_id       text NOT NULL REFERENCES images (image_id),
    cpu            integer NOT NULL CHECK (cpu BETWEEN 1 AND 64),
    memory         integer NOT NULL CHECK (memory BETWEEN 64 AND 1048576),
    describe       text NOT NULL DEFAULT '',
    create_time    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX instances_name_trgm ON instances USING gin (lower(instance_name) gin_trgm_ops);
CREATE INDEX instances_create_time ON instances (create_time DESC, instance_id);
CREATE INDEX instances_host ON instances (host_id) WHERE host_id IS NOT NULL;
CREATE INDEX instances_image ON instances (image_id);

CREATE TABLE volumes (
    volume_id     text PRIMARY KEY CHECK (volume_id ~ '^vol-[0-9a-f]{8}$'),
    volume_name   text NOT NULL,
    volume_size   integer NOT NULL CHECK (volume_size BETWEEN 1 AND 65536),
    image_id      text REFERENCES images (image_id),
    instance_id   text REFERENCES instances (instance_id),
    device        text,
    is_boot       boolean NOT NULL DEFAULT false,
    status        text NOT NULL CHECK (status IN ('creating', 'available', 'attaching', 'in-use', 'detaching', 'deleting', 'error')),
    error         text,
    describe      text NOT NULL DEFAULT '',
    create_time   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (instance_id, device)
);
CREATE INDEX volumes_name_trgm ON volumes USING gin (lower(volume_name) gin_trgm_ops);
CREATE INDEX volumes_create_time ON volumes (create_time DESC, volume_id);
CREATE INDEX volumes_instance ON volumes (instance_id) WHERE instance_id IS NOT NULL;
CREATE INDEX volumes_image ON volumes (image_id) WHERE image_id IS NOT NULL;

CREATE TABLE network_interfaces (
    nic_id       text PRIMARY KEY CHECK (nic_id ~ '^nic-[0-9a-f]{8}$'),
    nic_name     text NOT NULL,
    network_id   text NOT NULL REFERENCES networks (network_id),
    mac          macaddr NOT NULL UNIQUE,
    ip           inet NOT NULL,
    instance_id  text REFERENCES instances (instance_id),
    attach_time  timestamptz,
    status       text NOT NULL CHECK (status IN ('idle', 'attaching', 'attached', 'detaching', 'error')),
    error        text,
    describe     text NOT NULL DEFAULT '',
    create_time  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (network_id, ip)
);
CREATE INDEX nics_name_trgm ON network_interfaces USING gin (lower(nic_name) gin_trgm_ops);
CREATE INDEX nics_create_time ON network_interfaces (create_time DESC, nic_id);
CREATE INDEX nics_instance ON network_interfaces (instance_id) WHERE instance_id IS NOT NULL;

-- Long operations. A task runs on one controller replica at a time: the one holding an
-- unexpired lease; a replica that dies lets its lease run out and another resumes the task.
CREATE TABLE tasks (
    task_id      text PRIMARY KEY CHECK (task_id ~ '^task-[0-9a-f]{16}$'),
    kind         text NOT NULL,
    resource_id  text NOT NULL,
    state        text NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed')),
    step         text NOT NULL DEFAULT '',
    percent      integer NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
    error        text,
    payload      jsonb NOT NULL DEFAULT '{}',
    attempts     integer NOT NULL DEFAULT 0,
    owner        text,
    lease_until  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX tasks_resource ON tasks (resource_id, created_at DESC);
CREATE INDEX tasks_unfinished ON tasks (lease_until) WHERE state IN ('pending', 'running');

-- Two operations on the same resource never interleave: a task holds a row here for every
-- resource it touches from creation to its end; a second one fails on the primary key.
CREATE TABLE resource_locks (
    resource_id  text PRIMARY KEY,
    task_id      text NOT NULL REFERENCES tasks (task_id) ON DELETE CASCADE
);
CREATE INDEX resource_locks_task ON resource_locks (task_id);

CREATE TABLE audit_events (
    event_id     bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    action       text NOT NULL,
    resource_id  text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_resource ON audit_events (resource_id, at DESC);

-- What reconciliation found that the inventory does not say: open until it is resolved.
CREATE TABLE drift (
    drift_id     bigserial PRIMARY KEY,
    kind         text NOT NULL,
    resource_id  text NOT NULL,
    host_id      text,
    detail       text NOT NULL,
    action       text NOT NULL DEFAULT 'recorded',
    first_seen   timestamptz NOT NULL DEFAULT now(),
    last_seen    timestamptz NOT NULL DEFAULT now(),
    resolved_at  timestamptz
);
CREATE UNIQUE INDEX drift_open ON drift (kind, resource_id) WHERE resolved_at IS NULL;
