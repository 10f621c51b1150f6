-- A large plan for the benchmarks (issue 14): in the account :'account', owned by the
-- user :'owner', a project of 60 days with 300 locations, 20 roles, 200 members (the
-- owner and 199 generated people holding one or two roles each), 5 000 activities,
-- each needing one or two roles, and about 3 000 call-ins (accepted, sent, scheduled).
-- Run as the owner role: psql -v account=… -v owner=… -v project=… -f plan_fixture.sql
-- Deterministic (no random()), so runs compare.

\set ON_ERROR_STOP on
BEGIN;
SELECT set_config('muster.account_id', :'account', true);

INSERT INTO users (id, name, email, email_normalized, password_hash, email_verified_at)
SELECT md5(:'project' || 'user' || n)::uuid, 'Member ' || n, 'member' || n || '.' || :'project' || '@example.org',
       'member' || n || '.' || :'project' || '@example.org', 'not-a-login', now()
  FROM generate_series(1, 199) AS n;
INSERT INTO memberships (account_id, user_id, role)
SELECT :'account'::uuid, md5(:'project' || 'user' || n)::uuid, 'member' FROM generate_series(1, 199) AS n;

INSERT INTO plan_roles (id, account_id, name)
SELECT md5(:'project' || 'role' || n)::uuid, :'account'::uuid, 'Role ' || n || ' ' || left(:'project', 8)
  FROM generate_series(0, 19) AS n;

-- Locations on a grid around Amsterdam (about 80 by 80 km).
INSERT INTO locations (id, account_id, name, address, point)
SELECT md5(:'project' || 'place' || n)::uuid, :'account'::uuid, 'Site ' || n, 'Road ' || n,
       ST_SetSRID(ST_MakePoint(4.3 + (n % 20) * 0.06, 52.0 + (n / 20) * 0.05), 4326)::geography
  FROM generate_series(0, 299) AS n;

INSERT INTO projects (id, account_id, name, goal, time_zone, starts_on, ends_on, created_by)
VALUES (:'project', :'account', 'Large plan', 'Benchmark', 'Europe/Amsterdam',
        DATE '2027-03-01', DATE '2027-04-29', :'owner');

INSERT INTO project_members (project_id, account_id, user_id, organiser)
VALUES (:'project', :'account', :'owner', true);
INSERT INTO project_members (project_id, account_id, user_id, organiser)
SELECT :'project'::uuid, :'account'::uuid, md5(:'project' || 'user' || n)::uuid, false FROM generate_series(1, 199) AS n;
-- Each person holds role n % 20, and every third person also role (n + 7) % 20.
INSERT INTO project_member_roles (project_id, account_id, user_id, role_id, position)
SELECT :'project'::uuid, :'account'::uuid, md5(:'project' || 'user' || n)::uuid, md5(:'project' || 'role' || (n % 20))::uuid, n
  FROM generate_series(1, 199) AS n
UNION ALL
SELECT :'project'::uuid, :'account'::uuid, md5(:'project' || 'user' || n)::uuid, md5(:'project' || 'role' || ((n + 7) % 20))::uuid, n
  FROM generate_series(1, 199) AS n WHERE n % 3 = 0;

-- 5 000 activities over 58 days, 07:00 to 18:00 local (UTC+1/+2), 1 to 6 hours long.
INSERT INTO activities (id, account_id, project_id, name, location_id, starts_at, duration_minutes, updated_by)
SELECT md5(:'project' || 'activity' || n)::uuid, :'account'::uuid, :'project'::uuid, 'Activity ' || n,
       md5(:'project' || 'place' || (n % 300))::uuid,
       TIMESTAMPTZ '2027-03-01 06:00:00+00' + ((n % 58) || ' days')::interval + (((n * 37) % 11) || ' hours')::interval,
       60 * (1 + (n % 6)), :'owner'::uuid
  FROM generate_series(0, 4999) AS n;
INSERT INTO activity_tasks (id, account_id, activity_id, title, done, position)
SELECT md5(:'project' || 'task' || n)::uuid, :'account'::uuid, md5(:'project' || 'activity' || n)::uuid,
       'Check the site', n % 2 = 0, 1
  FROM generate_series(0, 4999) AS n;
INSERT INTO activity_needs (id, account_id, activity_id, role_id, count, call_in_minutes)
SELECT md5(:'project' || 'need' || n)::uuid, :'account'::uuid, md5(:'project' || 'activity' || n)::uuid,
       md5(:'project' || 'role' || (n % 20))::uuid, 1 + n % 2, 120
  FROM generate_series(0, 4999) AS n;
INSERT INTO activity_needs (id, account_id, activity_id, role_id, count, call_in_minutes)
SELECT md5(:'project' || 'extra need ' || n)::uuid, :'account'::uuid, md5(:'project' || 'activity' || n)::uuid,
       md5(:'project' || 'role' || ((n + 10) % 20))::uuid, 1, 60
  FROM generate_series(0, 4999) AS n WHERE n % 4 = 0;

-- Call-ins: for 3 000 activities, one holder of the first role (in the role's order).
INSERT INTO call_ins (id, account_id, project_id, activity_id, need_id, user_id, state, summon_at)
SELECT md5(:'project' || 'call' || n)::uuid, :'account'::uuid, :'project'::uuid, md5(:'project' || 'activity' || n)::uuid,
       md5(:'project' || 'need' || n)::uuid,
       md5(:'project' || 'user' || (20 * ((n / 20) % 9) + (n % 20) + CASE WHEN n % 20 = 0 THEN 20 ELSE 0 END))::uuid,
       (ARRAY['accepted', 'sent', 'scheduled'])[1 + n % 3],
       TIMESTAMPTZ '2027-03-01 04:00:00+00' + ((n % 58) || ' days')::interval + (((n * 37) % 11) || ' hours')::interval
  FROM generate_series(0, 2999) AS n;
COMMIT;
ANALYZE activities, activity_needs, call_ins, activity_tasks, locations, project_member_roles;
