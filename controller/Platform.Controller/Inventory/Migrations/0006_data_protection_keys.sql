-- ASP.NET Core Data Protection keys (they encrypt secrets such as a shared printer's password),
-- kept with the inventory so every controller replica reads what another wrote.
CREATE TABLE data_protection_keys (
    friendly_name  text PRIMARY KEY,
    xml            text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
