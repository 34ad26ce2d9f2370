-- The libvirt domain type each host's agent gives its domains (kvm, or qemu when KVM does not
-- really run a guest there) and why, as the agent reports it when it registers.
-- Empty for hosts whose agent predates the report.
ALTER TABLE hosts
    ADD COLUMN domain_type        text NOT NULL DEFAULT '' CHECK (domain_type IN ('', 'kvm', 'qemu')),
    ADD COLUMN domain_type_reason text NOT NULL DEFAULT '';
