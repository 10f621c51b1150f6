-- Apps (issue 5): an app belongs to an account and has one draft form and immutable
-- published versions. Submissions will reference (app_id, version).

CREATE TABLE apps (
    id         uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       text NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX apps_account ON apps (account_id, lower(name));

-- The form being edited. `revision` grows with every save: a save based on an older
-- revision is refused instead of silently overwriting someone else's work.
CREATE TABLE app_drafts (
    app_id     uuid PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    form       jsonb NOT NULL,
    revision   bigint NOT NULL DEFAULT 1,
    updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Published forms: v1, v2, … Never changed: the runtime role may not update or delete.
CREATE TABLE app_versions (
    app_id       uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    version      integer NOT NULL CHECK (version >= 1),
    form         jsonb NOT NULL,
    published_by uuid REFERENCES users (id) ON DELETE SET NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (app_id, version)
);

SELECT muster_isolate_tenant_table('apps');
SELECT muster_isolate_tenant_table('app_drafts');
SELECT muster_isolate_tenant_table('app_versions');

REVOKE UPDATE, DELETE ON app_versions FROM muster_app;
