-- A million submissions for the benchmarks (issue 15): for the app :'app' of the account
-- :'account' (published, version 1, owned by the user :'owner'), 1 000 000 submissions
-- by 20 members (the owner and 19 generated people) over a year, and 100 000 more
-- spread over 50 apps of 50 other accounts, interleaved in arrival order as they would
-- arrive (one in eleven rows is another account's).
--
-- Each document answers the app's form (server/benches/submissions.rs): a site name from
-- a pool of 200, a count, the visit's date, a condition (single choice), a water level,
-- safe to access (yes/no), a place in the Netherlands (the `location` column is the same
-- point; one submission in 50 has no place) and, for one in four, a note. Review
-- statuses: 40 % new, 10 % in review, 40 % approved, 10 % rejected.
--
-- Places follow a low-discrepancy (R2) sequence over 3.40..7.10 E, 50.80..53.40 N, so a
-- box holds its share of the area's points: 0.5 % of the area, about 5 000 pins.
-- Deterministic (hashes of the row number, no random()), so runs compare.
-- Run as a superuser (row level security does not apply):
--   psql -v account=… -v owner=… -v app=… -v total=1100000 -f submission_fixture.sql

\set ON_ERROR_STOP on
-- The secondary indexes are dropped before the load and made again after it, from
-- their own definitions (whatever the migrations made): a third of the time, half the
-- WAL, and compact indexes (as after a restore or a REINDEX), so the three copies of
-- the test clusters (primary, replica, delayed replica) fit the disk.
SET maintenance_work_mem = '256MB';
BEGIN;
CREATE TEMPORARY TABLE bench_indexes AS
SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid = 'submissions'::regclass AND NOT i.indisprimary AND NOT i.indisunique;
DO $$
DECLARE index_name text;
BEGIN
    FOR index_name IN SELECT name FROM bench_indexes LOOP
        EXECUTE format('DROP INDEX %I', index_name);
    END LOOP;
END
$$;

-- The 19 other submitters, members of the account.
INSERT INTO users (id, name, email, email_normalized, password_hash, email_verified_at)
SELECT md5(:'app' || 'user' || n)::uuid, 'Inspector ' || n, 'inspector' || n || '.' || :'app' || '@example.org',
       'inspector' || n || '.' || :'app' || '@example.org', 'not-a-login', now()
  FROM generate_series(1, 19) AS n;
INSERT INTO memberships (account_id, user_id, role)
SELECT :'account'::uuid, md5(:'app' || 'user' || n)::uuid, 'member' FROM generate_series(1, 19) AS n;

-- 50 other accounts, each with its owner and an app publishing the same form.
INSERT INTO users (id, name, email, email_normalized, password_hash, email_verified_at)
SELECT md5(:'app' || 'other owner' || k)::uuid, 'Owner ' || k, 'owner' || k || '.' || :'app' || '@example.org',
       'owner' || k || '.' || :'app' || '@example.org', 'not-a-login', now()
  FROM generate_series(0, 49) AS k;
INSERT INTO accounts (id, name, created_by)
SELECT md5(:'app' || 'other account' || k)::uuid, 'Other ' || k, md5(:'app' || 'other owner' || k)::uuid
  FROM generate_series(0, 49) AS k;
INSERT INTO memberships (account_id, user_id, role)
SELECT md5(:'app' || 'other account' || k)::uuid, md5(:'app' || 'other owner' || k)::uuid, 'owner'
  FROM generate_series(0, 49) AS k;
INSERT INTO apps (id, account_id, name, created_by)
SELECT md5(:'app' || 'other app' || k)::uuid, md5(:'app' || 'other account' || k)::uuid, 'Inspections ' || k,
       md5(:'app' || 'other owner' || k)::uuid
  FROM generate_series(0, 49) AS k;
INSERT INTO app_versions (app_id, account_id, version, form, published_by)
SELECT md5(:'app' || 'other app' || k)::uuid, md5(:'app' || 'other account' || k)::uuid, 1,
       (SELECT form FROM app_versions WHERE app_id = :'app' AND version = 1),
       md5(:'app' || 'other owner' || k)::uuid
  FROM generate_series(0, 49) AS k;

-- :total rows (1 100 000) over 365 days (one every 28.7 s); row n is another account's
-- when n is a multiple of 11.
INSERT INTO submissions (id, account_id, app_id, version, client_id, content_hash, document, submitted_by,
                         device_time, received_at, status, location, location_accuracy_m, review_status)
SELECT md5(:'app' || 'submission' || n)::uuid,
       CASE WHEN mine THEN :'account'::uuid ELSE md5(:'app' || 'other account' || other)::uuid END,
       CASE WHEN mine THEN :'app'::uuid ELSE md5(:'app' || 'other app' || other)::uuid END,
       1,
       md5(:'app' || 'client' || n)::uuid,
       sha256(convert_to(:'app' || n, 'UTF8')),
       jsonb_strip_nulls(jsonb_build_object(
           'site', (ARRAY['Pumping station', 'Sluice', 'Dike post', 'Weir', 'Culvert', 'Bridge', 'Lock', 'Quay',
                          'Outfall', 'Reservoir', 'Polder mill', 'Storm drain', 'Canal bank', 'Footbridge',
                          'Ferry landing', 'Water tower', 'Tide gauge', 'Groyne', 'Sea wall', 'Fish ladder'])[1 + h1 % 20]
                   || ' ' || (ARRAY['Noord', 'Zuid', 'Oost', 'West', 'Centrum', 'Haven', 'Dorp', 'Veld', 'Kade', 'Molen'])[1 + (h1 / 20) % 10],
           'count', (h2 % 40)::text,
           'visited_on', to_char(received_at - interval '3 hours', 'YYYY-MM-DD'),
           'condition', (ARRAY['good', 'good', 'fair', 'poor', 'damaged'])[1 + (h2 / 40) % 5],
           'water_level', to_char(((h2 / 200) % 400 - 100) / 100.0, 'FM990.00'),
           'safe', CASE WHEN (h2 / 80000) % 10 = 0 THEN 'no' ELSE 'yes' END,
           'place', CASE WHEN n % 50 <> 7 THEN to_char(lat, 'FM90.000000') || ' ' || to_char(lon, 'FM990.000000') || ' ' || (3 + h1 % 20) END,
           'notes', CASE WHEN h3 % 4 = 0 THEN
                   (ARRAY['Fence damaged near the gate.', 'Grating blocked by leaves, cleared.', 'All in order.',
                          'Crack in the concrete, photo taken.', 'Water higher than usual after rain.',
                          'Access road flooded, came back later.', 'Graffiti on the north wall.',
                          'Lock mechanism stiff, needs grease.'])[1 + (h3 / 4) % 8] END
       )),
       CASE WHEN NOT mine THEN md5(:'app' || 'other owner' || other)::uuid
            WHEN n % 20 = 0 THEN :'owner'::uuid
            ELSE md5(:'app' || 'user' || (n % 20))::uuid END,
       received_at - ((h3 % 600) || ' seconds')::interval,
       received_at,
       'complete',
       CASE WHEN n % 50 <> 7 THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography END,
       CASE WHEN n % 50 <> 7 THEN 3 + h1 % 20 END,
       (ARRAY['new', 'new', 'new', 'new', 'in_review', 'approved', 'approved', 'approved', 'approved', 'rejected'])[1 + (h3 / 7) % 10]
  FROM (
        SELECT n, n % 11 <> 0 AS mine, (n / 11) % 50 AS other,
               (hashint8extended(n, 1) & 9223372036854775807) AS h1, (hashint8extended(n, 2) & 9223372036854775807) AS h2, (hashint8extended(n, 3) & 9223372036854775807) AS h3,
               TIMESTAMPTZ '2025-12-08 00:00:00+00' + (n::float8 / :total) * interval '365 days' AS received_at,
               round((3.40 + 3.70 * ((n * 0.7548776662466927) - floor(n * 0.7548776662466927)))::numeric, 6)::float8 AS lon,
               round((50.80 + 2.60 * ((n * 0.5698402909980532) - floor(n * 0.5698402909980532)))::numeric, 6)::float8 AS lat
          FROM generate_series(1, :total) AS n
       ) AS g;
DO $$
DECLARE definition text;
BEGIN
    FOR definition IN SELECT d.definition FROM bench_indexes d LOOP
        EXECUTE definition;
    END LOOP;
END
$$;
COMMIT;
-- As autovacuum leaves an insert-only table: visibility map set, statistics fresh.
VACUUM ANALYZE submissions, users, memberships, accounts, apps, app_versions;
