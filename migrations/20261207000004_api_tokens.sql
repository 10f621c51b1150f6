-- API tokens (issue 15): outside systems call /api/v1 with a token an admin made for
-- the account. The token is shown once; only its SHA-256 is kept (a token is 256
-- random bits, so a fast hash is enough and lookups stay cheap).

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    secret_hash  text NOT NULL UNIQUE,
    scope        text NOT NULL CHECK (scope IN ('read', 'read_write')),
    -- The token acts for the admin who made it, and stops working when they are no
    -- longer an owner or admin of the account.
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_of_account ON api_tokens (account_id, created_at DESC);
SELECT muster_isolate_tenant_table('api_tokens');

-- A request presents a token before anyone knows its account: this function (owned by
-- the migration role, so it sees past row level security) finds a live token by the
-- hash of what was presented and nothing else.
CREATE FUNCTION muster_api_token(presented text)
    RETURNS TABLE (id uuid, account_id uuid, created_by uuid, scope text, last_used_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        SELECT t.id, t.account_id, t.created_by, t.scope, t.last_used_at
          FROM api_tokens t
         WHERE t.secret_hash = presented AND t.revoked_at IS NULL AND t.created_by IS NOT NULL
$$;
REVOKE EXECUTE ON FUNCTION muster_api_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION muster_api_token(text) TO muster_app;
