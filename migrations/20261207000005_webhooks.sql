-- Outgoing webhooks (issue 15), a platform service: an endpoint belongs to something
-- that has events (an app today, a workflow step later), and every event it takes is
-- a delivery, sent by the job queue with retries, kept as a log builders can read.

CREATE TABLE webhook_endpoints (
    id                   uuid PRIMARY KEY,
    account_id           uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- What the endpoint hears about: `app` and the app's id.
    owner_kind           text NOT NULL,
    owner_id             uuid NOT NULL,
    url                  text NOT NULL,
    -- The signing secret, `whsec_…` (the receiver holds the same to verify).
    secret               text NOT NULL,
    events               text[] NOT NULL,
    enabled              boolean NOT NULL DEFAULT true,
    -- Why it was switched off, for the notice builders see.
    disabled_reason      text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    created_by           uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_of_owner ON webhook_endpoints (owner_kind, owner_id);
SELECT muster_isolate_tenant_table('webhook_endpoints');

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    endpoint_id     uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event           text NOT NULL,
    payload         jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed', 'given_up')),
    attempts        integer NOT NULL DEFAULT 0,
    response_code   integer,
    duration_ms     integer,
    error           text,
    next_attempt_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);
CREATE INDEX webhook_deliveries_of_endpoint ON webhook_deliveries (endpoint_id, created_at DESC);
SELECT muster_isolate_tenant_table('webhook_deliveries');
