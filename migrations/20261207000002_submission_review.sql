-- Submissions at scale (issue 15): builders review submissions (a status of their own,
-- apart from the processing `status`), correct answers with an audit trail, and filter
-- a million rows by status, submitter, version, an answer or free text.

ALTER TABLE submissions
    ADD COLUMN review_status text NOT NULL DEFAULT 'new'
        CHECK (review_status IN ('new', 'in_review', 'approved', 'rejected')),
    -- The words of every text answer, for "free text" (the `simple` configuration: the
    -- answers are in any language, so no stemming).
    ADD COLUMN search tsvector
        GENERATED ALWAYS AS (jsonb_to_tsvector('simple', document, '["string"]')) STORED;

-- Keyset pages per filter: each starts at the newest (or oldest) matching row and reads
-- only the page. Date ranges and the unfiltered table use submissions_app_newest.
CREATE INDEX submissions_app_review ON submissions (app_id, review_status, received_at DESC, id DESC);
CREATE INDEX submissions_app_submitter ON submissions (app_id, submitted_by, received_at DESC, id DESC);
-- "This question's answer is exactly …": `document @> '{"site": "North gate"}'`.
CREATE INDEX submissions_answers ON submissions USING gin (document jsonb_path_ops);
CREATE INDEX submissions_search ON submissions USING gin (search);

-- Builders may correct answers and set the review status; every change is written to
-- submission_changes in the same transaction, so nothing answered is ever lost.
GRANT UPDATE (document, location, location_accuracy_m, review_status) ON submissions TO muster_app;

CREATE TABLE submission_changes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    submission_id uuid NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    changed_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    -- `status`, or the path of the answer changed (`site`, `visits.1.duration`).
    what          text NOT NULL,
    old_value     text,
    new_value     text
);
CREATE INDEX submission_changes_of ON submission_changes (submission_id, id);
SELECT muster_isolate_tenant_table('submission_changes');
-- An audit trail is appended to, never rewritten.
REVOKE UPDATE, DELETE ON submission_changes FROM muster_app;
