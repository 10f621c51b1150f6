-- Mail sent through the development outbox (MUSTER_DEV_OUTBOX=1) instead of SMTP.
-- message_id is the mail's identity from the moment it is enqueued: a job delivered
-- twice stores it once.
CREATE TABLE dev_outbox (
    message_id  uuid PRIMARY KEY,
    to_address  text NOT NULL,
    to_name     text,
    subject     text NOT NULL,
    body_text   text NOT NULL,
    stored_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dev_outbox_stored_at ON dev_outbox (stored_at DESC);

-- Mail handed to the SMTP server: a retried job does not send it again.
CREATE TABLE mail_deliveries (
    message_id   uuid PRIMARY KEY,
    delivered_at timestamptz NOT NULL DEFAULT now()
);

-- Each run of a `platform.probe` job: lets operators (and the crash-recovery test)
-- see which worker ran a job and how often.
CREATE TABLE job_probe_runs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token      uuid NOT NULL,
    attempt    smallint NOT NULL,
    worker_id  text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX job_probe_runs_token ON job_probe_runs (token);
