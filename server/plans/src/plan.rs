//! Reading a plan: everything its pages draw, in one read snapshot on a replica that has
//! the reader's last write, through the cache. A cached plan carries the position it was
//! read at and is dropped on every write to the plan (by tag); a reader whose last
//! write is newer than a cached copy never gets that copy (they read it again); a burst
//! of readers on a cold plan computes it once; with Redis down, plans still load.

use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, NaiveDate, Utc};
use muster_accounts::Actor;
use muster_domain::plans::{
    activity::ProjectSpan,
    staffing::{conflicts, CallInState, Commitment, Point, SlotCount},
    views::{
        ActivityView, CallInView, LinkedApp, MemberView, NeedView, PersonConflict, PlanView,
        ProjectInfo, RoleView, Roster, TaskView,
    },
};
use muster_platform::{db::Lsn, Work};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{access::access, catalog, events, zone, PlansError};

/// How long a cached plan may live without being read again or invalidated.
const CACHE_TTL: Duration = Duration::from_secs(600);

/// The plan of `project` as the caller may see it.
pub async fn plan(work: &Work, actor: &Actor, project: Uuid) -> Result<PlanView, PlansError> {
    let standing = access(work, actor, project).await?;
    let scope = actor.scope();
    let mut view: PlanView = work
        .cache
        .get_or_compute_at(
            &events::plan_key(project),
            CACHE_TTL,
            work.seen(),
            |required| async move {
                // At least the plan's last write, even when it was someone else's.
                work.see(required);
                let read = work
                    .read_with_source(&scope, |conn, _| {
                        Box::pin(async move { load(conn, project).await })
                    })
                    .await?;
                let mut view = read.value.ok_or(PlansError::NotFound)?;
                let position = read.snapshot.unwrap_or(Lsn(0));
                view.position = position.to_string();
                Ok::<_, PlansError>((view, position))
            },
        )
        .await?;
    view.map = muster_domain::maps::MapTiles {
        url: work.config.map.tile_url.clone(),
        attribution: work.config.map.attribution.clone(),
        max_zoom: work.config.map.max_zoom,
    };
    view.viewer = muster_domain::plans::views::Viewer {
        user_id: actor.user_id.to_string(),
        name: actor.name.clone(),
        organiser: standing.organiser && !standing.archived,
    };
    view.read_at = Some(chrono::Utc::now());
    Ok(view)
}

type ProjectRow = (
    String,
    String,
    String,
    NaiveDate,
    NaiveDate,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    f32,
    i32,
);
type ActivityRow = (Uuid, String, Option<Uuid>, DateTime<Utc>, i32, i32);
type NeedRow = (Uuid, Uuid, Uuid, i32, i32);
type CallInRow = (Uuid, Uuid, Uuid, Uuid, String, DateTime<Utc>);
type BusyRow = (Uuid, Uuid, DateTime<Utc>, i32, Option<f64>, Option<f64>);

/// The whole plan from one snapshot; `None` if the project is not there.
async fn load(conn: &mut PgConnection, project: Uuid) -> Result<Option<PlanView>, sqlx::Error> {
    let row: Option<ProjectRow> = sqlx::query_as(
        "SELECT name, goal, time_zone, starts_on, ends_on, published_at, archived_at, travel_kmh, answer_minutes
           FROM projects WHERE id = $1",
    )
    .bind(project)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((
        name,
        goal,
        time_zone,
        starts_on,
        ends_on,
        published_at,
        archived_at,
        travel_kmh,
        answer_minutes,
    )) = row
    else {
        return Ok(None);
    };
    let roles: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, name FROM plan_roles ORDER BY lower(name), id")
            .fetch_all(&mut *conn)
            .await?;
    let locations: Vec<catalog::LocationRow> = sqlx::query_as(
        "SELECT id, name, address, ST_Y(point::geometry), ST_X(point::geometry) FROM locations ORDER BY lower(name), id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let members: Vec<(Uuid, String, bool)> = sqlx::query_as(
        "SELECT m.user_id, u.name, m.organiser FROM project_members m JOIN users u ON u.id = m.user_id
          WHERE m.project_id = $1 ORDER BY lower(u.name), m.user_id",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    let held: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT role_id, user_id FROM project_member_roles WHERE project_id = $1 ORDER BY role_id, position, user_id",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    let activities: Vec<ActivityRow> = sqlx::query_as(
        "SELECT id, name, location_id, starts_at, duration_minutes, version FROM activities
          WHERE project_id = $1 ORDER BY starts_at, id",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    let tasks: Vec<(Uuid, Uuid, String, bool)> = sqlx::query_as(
        "SELECT t.activity_id, t.id, t.title, t.done FROM activity_tasks t JOIN activities a ON a.id = t.activity_id
          WHERE a.project_id = $1 ORDER BY t.activity_id, t.position, t.id",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    let needs: Vec<NeedRow> = sqlx::query_as(
        "SELECT n.activity_id, n.id, n.role_id, n.count, n.call_in_minutes FROM activity_needs n
           JOIN activities a ON a.id = n.activity_id WHERE a.project_id = $1 ORDER BY n.activity_id, n.id",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    let call_ins: Vec<CallInRow> = sqlx::query_as(
        "SELECT activity_id, id, need_id, user_id, state, summon_at FROM call_ins
          WHERE project_id = $1 AND state <> 'cancelled' ORDER BY activity_id, summon_at, id",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    let apps: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
        "SELECT l.activity_id, l.app_id, p.name FROM activity_apps l JOIN apps p ON p.id = l.app_id
           JOIN activities a ON a.id = l.activity_id WHERE a.project_id = $1 ORDER BY l.activity_id, lower(p.name)",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    // What the members are called to anywhere in the account, for conflicts with this
    // plan's activities.
    let busy: Vec<BusyRow> = sqlx::query_as(
        "SELECT DISTINCT c.user_id, a.id, a.starts_at, a.duration_minutes, ST_Y(l.point::geometry), ST_X(l.point::geometry)
           FROM call_ins c JOIN activities a ON a.id = c.activity_id LEFT JOIN locations l ON l.id = a.location_id
          WHERE c.user_id IN (SELECT user_id FROM project_members WHERE project_id = $1)
            AND c.state IN ('scheduled', 'sent', 'accepted')",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;

    let tz = zone::parse(&time_zone).unwrap_or(chrono_tz::UTC);
    let mut tasks_of: HashMap<Uuid, Vec<TaskView>> = HashMap::new();
    for (activity, id, title, done) in tasks {
        tasks_of.entry(activity).or_default().push(TaskView {
            id: id.to_string(),
            title,
            done,
        });
    }
    let mut call_ins_of: HashMap<Uuid, Vec<CallInView>> = HashMap::new();
    let mut states_of_need: HashMap<Uuid, Vec<CallInState>> = HashMap::new();
    for (activity, id, need, user, state, summon_at) in call_ins {
        let Some(state) = CallInState::parse(&state) else {
            continue;
        };
        states_of_need.entry(need).or_default().push(state);
        call_ins_of.entry(activity).or_default().push(CallInView {
            id: id.to_string(),
            need_id: need.to_string(),
            user_id: user.to_string(),
            state,
            summon_at,
        });
    }
    let mut needs_of: HashMap<Uuid, Vec<NeedView>> = HashMap::new();
    for (activity, id, role, count, minutes) in needs {
        let slots = SlotCount::of(count, states_of_need.remove(&id).unwrap_or_default());
        needs_of.entry(activity).or_default().push(NeedView {
            id: id.to_string(),
            role_id: role.to_string(),
            count,
            call_in_minutes: i64::from(minutes),
            slots,
        });
    }
    let mut apps_of: HashMap<Uuid, Vec<LinkedApp>> = HashMap::new();
    for (activity, app, name) in apps {
        apps_of.entry(activity).or_default().push(LinkedApp {
            app_id: app.to_string(),
            name,
        });
    }
    let mut roles_of: HashMap<Uuid, Vec<String>> = HashMap::new();
    let mut rosters: Vec<Roster> = Vec::new();
    for (role, user) in held {
        roles_of.entry(user).or_default().push(role.to_string());
        match rosters.last_mut() {
            Some(roster) if roster.role_id == role.to_string() => {
                roster.user_ids.push(user.to_string())
            }
            _ => rosters.push(Roster {
                role_id: role.to_string(),
                user_ids: vec![user.to_string()],
            }),
        }
    }
    let mut commitments_of: HashMap<Uuid, Vec<Commitment>> = HashMap::new();
    for (user, activity, starts_at, duration, latitude, longitude) in busy {
        commitments_of.entry(user).or_default().push(Commitment {
            activity_id: activity.to_string(),
            starts_at,
            ends_at: starts_at + chrono::Duration::minutes(i64::from(duration)),
            place: latitude.zip(longitude).map(|(latitude, longitude)| Point {
                latitude,
                longitude,
            }),
        });
    }
    let ours: std::collections::HashSet<String> =
        activities.iter().map(|a| a.0.to_string()).collect();
    let mut person_conflicts = Vec::new();
    for (user, theirs) in &commitments_of {
        for conflict in conflicts(theirs, f64::from(travel_kmh)) {
            let (a, b) = conflict.activities();
            if ours.contains(a) || ours.contains(b) {
                person_conflicts.push(PersonConflict {
                    user_id: user.to_string(),
                    conflict,
                });
            }
        }
    }
    person_conflicts.sort_by(|a, b| {
        (a.user_id.as_str(), a.conflict.activities())
            .cmp(&(b.user_id.as_str(), b.conflict.activities()))
    });

    Ok(Some(PlanView {
        project: ProjectInfo {
            id: project.to_string(),
            name,
            goal,
            time_zone: tz.name().to_owned(),
            span: ProjectSpan { starts_on, ends_on },
            archived: archived_at.is_some(),
            published_at,
            travel_kmh: f64::from(travel_kmh),
            answer_minutes: i64::from(answer_minutes),
        },
        zone: zone::window(tz, starts_on, ends_on),
        roles: roles
            .into_iter()
            .map(|(id, name)| RoleView {
                id: id.to_string(),
                name,
            })
            .collect(),
        locations: locations.into_iter().map(catalog::location_view).collect(),
        members: members
            .into_iter()
            .map(|(user, name, organiser)| MemberView {
                user_id: user.to_string(),
                name,
                organiser,
                roles: roles_of.remove(&user).unwrap_or_default(),
            })
            .collect(),
        activities: activities
            .into_iter()
            .map(
                |(id, name, location, starts_at, duration, version)| ActivityView {
                    id: id.to_string(),
                    name,
                    location_id: location.map(|l| l.to_string()),
                    starts_at,
                    duration_minutes: i64::from(duration),
                    version,
                    tasks: tasks_of.remove(&id).unwrap_or_default(),
                    needs: needs_of.remove(&id).unwrap_or_default(),
                    call_ins: call_ins_of.remove(&id).unwrap_or_default(),
                    apps: apps_of.remove(&id).unwrap_or_default(),
                },
            )
            .collect(),
        rosters,
        conflicts: person_conflicts,
        position: String::new(),
        map: Default::default(),
        viewer: Default::default(),
        read_at: None,
    }))
}

/// One activity as its page shows it, from the caller's transaction.
pub(crate) async fn activity_view(
    conn: &mut PgConnection,
    activity: Uuid,
) -> Result<Option<ActivityView>, PlansError> {
    let row: Option<(Uuid, String, Option<Uuid>, DateTime<Utc>, i32, i32)> = sqlx::query_as(
        "SELECT id, name, location_id, starts_at, duration_minutes, version FROM activities WHERE id = $1",
    )
    .bind(activity)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, name, location, starts_at, duration, version)) = row else {
        return Ok(None);
    };
    let tasks: Vec<(Uuid, String, bool)> = sqlx::query_as(
        "SELECT id, title, done FROM activity_tasks WHERE activity_id = $1 ORDER BY position, id",
    )
    .bind(activity)
    .fetch_all(&mut *conn)
    .await?;
    let needs: Vec<(Uuid, Uuid, i32, i32)> = sqlx::query_as(
        "SELECT id, role_id, count, call_in_minutes FROM activity_needs WHERE activity_id = $1 ORDER BY id",
    )
    .bind(activity)
    .fetch_all(&mut *conn)
    .await?;
    let call_ins: Vec<(Uuid, Uuid, Uuid, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, need_id, user_id, state, summon_at FROM call_ins
          WHERE activity_id = $1 AND state <> 'cancelled' ORDER BY summon_at, id",
    )
    .bind(activity)
    .fetch_all(&mut *conn)
    .await?;
    let apps: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT l.app_id, p.name FROM activity_apps l JOIN apps p ON p.id = l.app_id WHERE l.activity_id = $1 ORDER BY lower(p.name)",
    )
    .bind(activity)
    .fetch_all(&mut *conn)
    .await?;
    let call_ins: Vec<CallInView> = call_ins
        .into_iter()
        .filter_map(|(id, need, user, state, summon_at)| {
            Some(CallInView {
                id: id.to_string(),
                need_id: need.to_string(),
                user_id: user.to_string(),
                state: CallInState::parse(&state)?,
                summon_at,
            })
        })
        .collect();
    Ok(Some(ActivityView {
        id: id.to_string(),
        name,
        location_id: location.map(|l| l.to_string()),
        starts_at,
        duration_minutes: i64::from(duration),
        version,
        tasks: tasks
            .into_iter()
            .map(|(id, title, done)| TaskView {
                id: id.to_string(),
                title,
                done,
            })
            .collect(),
        needs: needs
            .into_iter()
            .map(|(id, role, count, minutes)| {
                let states = call_ins
                    .iter()
                    .filter(|c| c.need_id == id.to_string())
                    .map(|c| c.state);
                NeedView {
                    id: id.to_string(),
                    role_id: role.to_string(),
                    count,
                    call_in_minutes: i64::from(minutes),
                    slots: SlotCount::of(count, states),
                }
            })
            .collect(),
        call_ins,
        apps: apps
            .into_iter()
            .map(|(app, name)| LinkedApp {
                app_id: app.to_string(),
                name,
            })
            .collect(),
    }))
}
