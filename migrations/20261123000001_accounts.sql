-- Accounts and tenancy.
--
-- Tenant-owned tables carry account_id and have row level security enabled and
-- forced: a row is visible only inside a transaction that set `muster.account_id` to
-- its account (platform::tenancy sets it with set_config(..., true), which lasts for
-- that transaction only). Muster connects as a member of `muster_app`, which owns no
-- table and cannot bypass RLS; these migrations run as the owner role
-- (DATABASE_MIGRATION_URL).

-- The runtime role. Created here when missing (roles are cluster-wide: instances
-- migrating different databases at once may race, hence the exception handler).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'muster_app') THEN
        CREATE ROLE muster_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

CREATE FUNCTION muster_current_account() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('muster.account_id', true), '')::uuid $$;

CREATE FUNCTION muster_current_user() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('muster.user_id', true), '')::uuid $$;

-- Whoever presents an invitation's secret may read that invitation (to join).
CREATE FUNCTION muster_presented_invitation() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('muster.invitation_token_hash', true), '') $$;

-- People. Not tenant-owned: one person can belong to several accounts.
CREATE TABLE users (
    id                uuid PRIMARY KEY,
    name              text NOT NULL,
    email             text NOT NULL,
    email_normalized  text NOT NULL UNIQUE,
    password_hash     text NOT NULL,
    email_verified_at timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- Single-use links sent by e-mail (verify the address, reset the password). Only a
-- hash of the secret is stored.
CREATE TABLE user_tokens (
    token_hash text PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

-- Sessions (tower-sessions records). user_id lets "sign out everywhere" find them.
CREATE TABLE sessions (
    id         text PRIMARY KEY,
    user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
    data       jsonb NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Organisations: the tenants.
CREATE TABLE accounts (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'builder', 'member')),
    joined_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE invitations (
    id               uuid PRIMARY KEY,
    account_id       uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email            text NOT NULL,
    email_normalized text NOT NULL,
    role             text NOT NULL CHECK (role IN ('owner', 'admin', 'builder', 'member')),
    token_hash       text NOT NULL UNIQUE,
    invited_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    accepted_at      timestamptz,
    accepted_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    revoked_at       timestamptz
);
-- One open invitation per address and account: inviting again renews it.
CREATE UNIQUE INDEX invitations_open ON invitations (account_id, email_normalized)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

CREATE TABLE audit_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    actor_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    actor_email   text,
    action        text NOT NULL,
    subject       text,
    detail        text,
    client_ip     text
);
CREATE INDEX audit_events_account_time ON audit_events (account_id, occurred_at DESC, id DESC);

-- Makes a tenant-owned table private to its account: row level security enabled and
-- forced (the owner role is bound by it too; only superusers are not), and one policy
-- confining every command to the transaction's account. Every tenant-owned table of
-- later migrations calls it too.
CREATE FUNCTION muster_isolate_tenant_table(target regclass, account_column text DEFAULT 'account_id')
    RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    EXECUTE format(
        'CREATE POLICY tenant_rows ON %s USING (%I = muster_current_account()) WITH CHECK (%I = muster_current_account())',
        target, account_column, account_column);
END
$$;
REVOKE EXECUTE ON FUNCTION muster_isolate_tenant_table(regclass, text) FROM PUBLIC;

SELECT muster_isolate_tenant_table('accounts', 'id');
SELECT muster_isolate_tenant_table('memberships');
SELECT muster_isolate_tenant_table('invitations');
SELECT muster_isolate_tenant_table('audit_events');

-- Reading a little more: the signed-in user's own memberships and their accounts (to
-- list and switch between them), and an invitation whose secret was presented.
CREATE POLICY own_memberships ON memberships FOR SELECT
    USING (user_id = muster_current_user());
CREATE POLICY own_accounts ON accounts FOR SELECT
    USING (EXISTS (SELECT 1 FROM memberships m
                   WHERE m.account_id = accounts.id AND m.user_id = muster_current_user()));
CREATE POLICY presented_invitation ON invitations FOR SELECT
    USING (token_hash = muster_presented_invitation());

-- What the runtime role may do: data only, never schema.
GRANT USAGE ON SCHEMA public TO muster_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO muster_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO muster_app;
REVOKE INSERT, UPDATE, DELETE ON _sqlx_migrations FROM muster_app;
GRANT EXECUTE ON FUNCTION muster_current_account(), muster_current_user(), muster_presented_invitation() TO muster_app;
-- Tables of later migrations (created by the owner running them) get the same.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO muster_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO muster_app;
