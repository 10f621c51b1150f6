-- The installation record: one row describing this Muster installation.
CREATE TABLE muster_instance (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    installed_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO muster_instance DEFAULT VALUES;
