-- The driver center (seed 003 §6): the system and printer drivers on the driver disk, which
-- templates use which system drivers, the disk's saved base and deltas as the agent reported
-- them, the terminals that sync it, and the voi_drive_center setting. Column names follow the
-- seed where it names them.

-- Templates are the platform's images. hg_version counts every change of a template's drivers;
-- is_allow_heterogeneous says it has at least one (kept with the relation in one transaction).
ALTER TABLE images
    ADD COLUMN hg_version integer NOT NULL DEFAULT 0 CHECK (hg_version >= 0),
    ADD COLUMN is_allow_heterogeneous boolean NOT NULL DEFAULT false;

-- Named settings, one JSON document each (the seed's settings table).
CREATE TABLE settings (
    name        text PRIMARY KEY,
    value       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- mount_status: 1 normal, 2 merging, 3 error, 4 restoring.
INSERT INTO settings (name, value) VALUES ('voi_drive_center', '{"is_auto_update": true, "mount_status": 1}');

-- System drivers (the seed's voi_driver_files). type 1 universal (.iso, sys/wang), 2 extracted
-- (.tq, sys/tq); os_type 1 Windows7_32, 2 Windows7_64, 3 Windows10_32, 4 Windows10_64.
-- file_name is the driver's folder on the disk. A row is 'importing' from the moment its upload
-- begins (it holds the name) until the agent has it; deleting one in any status is allowed.
CREATE TABLE drivers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    os_type     smallint NOT NULL CHECK (os_type BETWEEN 1 AND 4),
    type        smallint NOT NULL CHECK (type IN (1, 2)),
    size        bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
    files       integer NOT NULL DEFAULT 0 CHECK (files >= 0),
    describe    text NOT NULL DEFAULT '',
    file_name   text NOT NULL,
    status      text NOT NULL CHECK (status IN ('importing', 'available')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    deleted     boolean NOT NULL DEFAULT false,
    CHECK (deleted = (deleted_at IS NOT NULL))
);
CREATE UNIQUE INDEX drivers_name ON drivers (lower(name)) WHERE NOT deleted;
CREATE UNIQUE INDEX drivers_folder ON drivers (type, lower(file_name)) WHERE NOT deleted;

-- Which system drivers a template uses (the seed's voi_driver_relate_image): at most one of
-- each type per template.
CREATE TABLE template_drivers (
    image_id    text NOT NULL REFERENCES images (image_id) ON DELETE CASCADE,
    driver_id   bigint NOT NULL REFERENCES drivers (id),
    type        smallint NOT NULL CHECK (type IN (1, 2)),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (image_id, type)
);
CREATE INDEX template_drivers_driver ON template_drivers (driver_id);

-- The driver disk's base (the seed's voi_drivecenter_imagesnode) and its deltas for terminals
-- (voi_drivecenter_tempimagesnode), as the agent's manifest named them after each save. file_name
-- is the name the agent serves them under; a node the agent no longer keeps is soft-deleted.
CREATE TABLE driver_disk_bases (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid        uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    disk_type   integer NOT NULL DEFAULT 5,
    version     bigint NOT NULL UNIQUE CHECK (version >= 0),
    file_name   text NOT NULL,
    file_size   bigint NOT NULL CHECK (file_size >= 0),
    md5         text NOT NULL,
    sha256      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    deleted     boolean NOT NULL DEFAULT false
);

CREATE TABLE driver_disk_deltas (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid             uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    from_version     bigint NOT NULL CHECK (from_version >= 0),
    to_version       bigint NOT NULL UNIQUE CHECK (to_version > from_version),
    parent_uuid      uuid,
    file_name        text NOT NULL,
    file_size        bigint NOT NULL CHECK (file_size >= 0),
    md5              text NOT NULL,
    sha256           text NOT NULL,
    parent_md5       text,
    merge_uuid       uuid,
    merge_md5        text NOT NULL,
    merge_file_size  bigint,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    deleted          boolean NOT NULL DEFAULT false
);

-- Printer drivers (pri/FOLDER on the disk). type 1 local, 2 shared, 3 network; upload_type 1
-- terminal, 2 console (then client_name and client_mac say which terminal). config is the public
-- configuration as terminals receive it, without the shared printer's password, which is kept
-- only as ASP.NET Core Data Protection ciphertext in password_protected.
CREATE TABLE printer_drivers (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL,
    environment         text NOT NULL DEFAULT '',
    type                smallint NOT NULL DEFAULT 1 CHECK (type IN (1, 2, 3)),
    upload_type         smallint NOT NULL CHECK (upload_type IN (1, 2)),
    describe            text NOT NULL DEFAULT '',
    client_name         text,
    client_mac          macaddr,
    file_name           text NOT NULL,
    size                bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
    files               integer NOT NULL DEFAULT 0 CHECK (files >= 0),
    config              jsonb NOT NULL DEFAULT '{}',
    password_protected  text,
    status              text NOT NULL CHECK (status IN ('importing', 'available')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz,
    deleted             boolean NOT NULL DEFAULT false,
    CHECK (deleted = (deleted_at IS NOT NULL)),
    CHECK ((upload_type = 1) = (client_mac IS NOT NULL))
);
CREATE UNIQUE INDEX printer_drivers_folder ON printer_drivers (lower(file_name)) WHERE NOT deleted;

-- Terminals that sync the driver disk ("tool disk"). is_downloading is what the seed's
-- checkallclient_isupdatestatus asked: while any terminal downloads, the disk is not saved.
CREATE TABLE terminals (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text NOT NULL,
    mac               macaddr NOT NULL UNIQUE,
    tool_disk_version bigint NOT NULL DEFAULT 0,
    is_downloading    boolean NOT NULL DEFAULT false,
    downloading_since timestamptz,
    last_seen         timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- Which printers a terminal receives (client_nums counts a printer's rows).
CREATE TABLE printer_terminals (
    printer_id   bigint NOT NULL REFERENCES printer_drivers (id) ON DELETE CASCADE,
    terminal_id  bigint NOT NULL REFERENCES terminals (id) ON DELETE CASCADE,
    PRIMARY KEY (printer_id, terminal_id)
);
CREATE INDEX printer_terminals_terminal ON printer_terminals (terminal_id);

-- Two more ways a task can fail, both the driver center's: the host has no room to save the
-- disk, and the disk is held by another command.
ALTER TABLE tasks DROP CONSTRAINT tasks_error_code_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_error_code_check CHECK (error_code IN (
    'refused', 'device_still_attached', 'guest_ignored_shutdown', 'agent_timeout',
    'agent_unavailable', 'no_host_available', 'agent_failed', 'gave_up', 'internal',
    'no_space', 'busy'));
