-- Submissions (issue 13): one filled-in form, bound to the published version it was
-- filled with. `client_id` is made by the device when the form is started: sending it
-- again (a retry, a second sync) never stores a second row.

CREATE TABLE submissions (
    id           uuid PRIMARY KEY,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    app_id       uuid NOT NULL,
    version      integer NOT NULL,
    client_id    uuid NOT NULL,
    -- SHA-256 of the version and the document as sent: the same id with other content
    -- is refused instead of silently keeping either.
    content_hash bytea NOT NULL,
    document     jsonb NOT NULL,
    submitted_by uuid REFERENCES users (id) ON DELETE SET NULL,
    -- When the device says it was finished (its clock), and when it arrived (ours).
    device_time  timestamptz,
    received_at  timestamptz NOT NULL DEFAULT now(),
    status       text NOT NULL DEFAULT 'received'
                 CHECK (status IN ('received', 'processing', 'complete', 'failed')),
    FOREIGN KEY (app_id, version) REFERENCES app_versions (app_id, version) ON DELETE CASCADE,
    UNIQUE (account_id, client_id)
);
CREATE INDEX submissions_app_newest ON submissions (app_id, received_at DESC, id DESC);

SELECT muster_isolate_tenant_table('submissions');
-- Answers are evidence: the runtime role may change a submission's status, never
-- rewrite or remove what was answered.
REVOKE DELETE ON submissions FROM muster_app;
REVOKE UPDATE ON submissions FROM muster_app;
GRANT UPDATE (status) ON submissions TO muster_app;
