-- What the controller's migration runner keeps about itself (ControllerStore.migrate(), under its advisory
-- lock, before any migration): which migrations were applied, with the md5 of their text, and the md5 of the
-- function files last applied. Idempotent: run at every start.
CREATE SCHEMA IF NOT EXISTS plumb;
CREATE TABLE IF NOT EXISTS plumb.schema_migrations (
    version    int         PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS plumb.schema_functions (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
