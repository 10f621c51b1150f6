-- Projects, plans and call-ins (issue 14). Every table is private to its account (row
-- level security, forced). References that cross tables carry the account too
-- (composite foreign keys), so a row can never point at another account's location,
-- role or person even though foreign-key checks do not see row level security.

-- Specialist functions of the account ("surveyor", "driver"): a person may fill several.
CREATE TABLE plan_roles (
    id         uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX plan_roles_name ON plan_roles (account_id, lower(btrim(name)));

-- Places; one serves many activities.
CREATE TABLE locations (
    id         uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    address    text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    point      geography (Point, 4326),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, id)
);
CREATE INDEX locations_point ON locations USING gist (point);

CREATE TABLE projects (
    id             uuid PRIMARY KEY,
    account_id     uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    goal           text NOT NULL DEFAULT '' CHECK (length(goal) <= 2000),
    -- An IANA zone name, checked by the server against its tz database.
    time_zone      text NOT NULL,
    starts_on      date NOT NULL,
    ends_on        date NOT NULL CHECK (ends_on >= starts_on),
    -- The speed assumed between locations when looking for conflicts.
    travel_kmh     real NOT NULL DEFAULT 50 CHECK (travel_kmh > 0),
    -- How long a called person has to answer before the slot is offered on.
    answer_minutes integer NOT NULL DEFAULT 240 CHECK (answer_minutes > 0),
    published_at   timestamptz,
    archived_at    timestamptz,
    created_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, id)
);
CREATE INDEX projects_account ON projects (account_id, archived_at, starts_on);

-- People of the account taking part; organisers change the plan.
CREATE TABLE project_members (
    project_id uuid NOT NULL,
    account_id uuid NOT NULL,
    user_id    uuid NOT NULL,
    organiser  boolean NOT NULL DEFAULT false,
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES memberships (account_id, user_id) ON DELETE CASCADE
);
CREATE INDEX project_members_user ON project_members (user_id);

-- The roles a member holds in a project, in the order the organiser offers open slots
-- (`position`, lowest first).
CREATE TABLE project_member_roles (
    project_id uuid NOT NULL,
    account_id uuid NOT NULL,
    user_id    uuid NOT NULL,
    role_id    uuid NOT NULL,
    position   integer NOT NULL,
    PRIMARY KEY (project_id, role_id, user_id),
    FOREIGN KEY (project_id, user_id) REFERENCES project_members (project_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, role_id) REFERENCES plan_roles (account_id, id) ON DELETE CASCADE
);

CREATE TABLE activities (
    id               uuid PRIMARY KEY,
    account_id       uuid NOT NULL,
    project_id       uuid NOT NULL,
    name             text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    location_id      uuid,
    starts_at        timestamptz NOT NULL,
    duration_minutes integer NOT NULL CHECK (duration_minutes > 0),
    -- Bumped by every change: a save based on an older version is a conflict.
    version          integer NOT NULL DEFAULT 1,
    updated_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, location_id) REFERENCES locations (account_id, id)
);
CREATE INDEX activities_project_start ON activities (project_id, starts_at);
CREATE INDEX activities_location ON activities (location_id);

CREATE TABLE activity_tasks (
    id          uuid PRIMARY KEY,
    account_id  uuid NOT NULL,
    activity_id uuid NOT NULL,
    title       text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 500),
    done        boolean NOT NULL DEFAULT false,
    position    integer NOT NULL,
    FOREIGN KEY (account_id, activity_id) REFERENCES activities (account_id, id) ON DELETE CASCADE
);
CREATE INDEX activity_tasks_activity ON activity_tasks (activity_id, position);

-- The summoning plan: per activity and role, how many people and how long before the
-- start they are called in.
CREATE TABLE activity_needs (
    id              uuid PRIMARY KEY,
    account_id      uuid NOT NULL,
    activity_id     uuid NOT NULL,
    role_id         uuid NOT NULL,
    count           integer NOT NULL CHECK (count >= 1),
    call_in_minutes integer NOT NULL CHECK (call_in_minutes >= 0),
    UNIQUE (activity_id, role_id),
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, activity_id) REFERENCES activities (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, role_id) REFERENCES plan_roles (account_id, id)
);

-- One person called to fill one slot of a need. `state` moves scheduled → sent →
-- accepted / declined / expired, or to cancelled when the plan no longer wants it.
-- The call-in job acts only on a row still in the state and at the time it was
-- scheduled for, in the transaction that changes it: no call-in goes out twice.
CREATE TABLE call_ins (
    id          uuid PRIMARY KEY,
    account_id  uuid NOT NULL,
    project_id  uuid NOT NULL,
    activity_id uuid NOT NULL,
    need_id     uuid NOT NULL,
    user_id     uuid NOT NULL,
    state       text NOT NULL DEFAULT 'scheduled'
                CHECK (state IN ('scheduled', 'sent', 'accepted', 'declined', 'expired', 'cancelled')),
    summon_at   timestamptz NOT NULL,
    sent_at     timestamptz,
    answer_by   timestamptz,
    answered_at timestamptz,
    -- What the person was last told (time and place), to tell them what changed.
    told_starts_at timestamptz,
    told_location  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (account_id, activity_id) REFERENCES activities (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, need_id) REFERENCES activity_needs (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (project_id, user_id) REFERENCES project_members (project_id, user_id) ON DELETE CASCADE
);
CREATE INDEX call_ins_activity ON call_ins (activity_id);
CREATE INDEX call_ins_user ON call_ins (user_id, summon_at);
-- A person holds at most one live call-in per need.
CREATE UNIQUE INDEX call_ins_live ON call_ins (need_id, user_id)
    WHERE state IN ('scheduled', 'sent', 'accepted');

-- Apps to be filled in at an activity (issue 14, item 8).
ALTER TABLE apps ADD CONSTRAINT apps_account_id UNIQUE (account_id, id);
CREATE TABLE activity_apps (
    activity_id uuid NOT NULL,
    account_id  uuid NOT NULL,
    app_id      uuid NOT NULL,
    PRIMARY KEY (activity_id, app_id),
    FOREIGN KEY (account_id, activity_id) REFERENCES activities (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, app_id) REFERENCES apps (account_id, id) ON DELETE CASCADE
);

-- What a person is told in the app (and by mail): call-ins, changes, alerts.
CREATE TABLE notifications (
    id         uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    link       text,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC);

-- A submission may be made for an activity (the runner records it).
ALTER TABLE submissions ADD COLUMN activity_id uuid;
CREATE INDEX submissions_activity ON submissions (activity_id) WHERE activity_id IS NOT NULL;

SELECT muster_isolate_tenant_table('plan_roles');
SELECT muster_isolate_tenant_table('locations');
SELECT muster_isolate_tenant_table('projects');
SELECT muster_isolate_tenant_table('project_members');
SELECT muster_isolate_tenant_table('project_member_roles');
SELECT muster_isolate_tenant_table('activities');
SELECT muster_isolate_tenant_table('activity_tasks');
SELECT muster_isolate_tenant_table('activity_needs');
SELECT muster_isolate_tenant_table('call_ins');
SELECT muster_isolate_tenant_table('activity_apps');
SELECT muster_isolate_tenant_table('notifications');
