-- Prepared exports (issue 15): an export of more rows than are streamed straight away
-- is written by a job to the file store, with its progress here (and live over the
-- realtime hub), and can be downloaded until it expires.

CREATE TABLE exports (
    id           uuid PRIMARY KEY,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    app_id       uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    requested_by uuid REFERENCES users (id) ON DELETE SET NULL,
    format       text NOT NULL CHECK (format IN ('csv', 'xlsx', 'geojson')),
    -- The table's address query it exports (filters and order).
    query        text NOT NULL,
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'done', 'failed')),
    rows_done    bigint NOT NULL DEFAULT 0,
    rows_total   bigint,
    file_name    text,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    expires_at   timestamptz
);
CREATE INDEX exports_of_app ON exports (app_id, created_at DESC);
SELECT muster_isolate_tenant_table('exports');
