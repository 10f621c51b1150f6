-- Photos and signatures (issue 13). A file is uploaded on its own, in chunks, before
-- the submission that names it; the submission claims it (`submission_id`) in the
-- transaction that stores the submission. An upload nobody claims is deleted after a
-- while (the job that does it is enqueued with the upload).

CREATE TABLE media (
    account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- Made by the device, so a retried upload finds what already arrived.
    id            uuid NOT NULL,
    -- The submission the device says it belongs to (its device-made id): nobody else's
    -- submission can claim it.
    submission_client_id uuid NOT NULL,
    uploaded_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    bytes         bigint NOT NULL CHECK (bytes > 0),
    received      bigint NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= bytes),
    -- uploading → uploaded (all bytes, content checked) → processing (claimed) → ready | failed
    status        text NOT NULL DEFAULT 'uploading'
                  CHECK (status IN ('uploading', 'uploaded', 'processing', 'ready', 'failed')),
    submission_id uuid REFERENCES submissions (id) ON DELETE CASCADE,
    width         integer,
    height        integer,
    -- Where the camera says it was (EXIF), kept as data: the stored image has no EXIF.
    exif_latitude  double precision,
    exif_longitude double precision,
    failure       text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, id)
);
CREATE INDEX media_of_submission ON media (submission_id) WHERE submission_id IS NOT NULL;

SELECT muster_isolate_tenant_table('media');
