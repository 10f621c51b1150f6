//! What a member sees of their own call-ins ("my call-ins", and the page a call-in's
//! mail links to).

use chrono::{DateTime, Utc};
use muster_accounts::Actor;
use muster_domain::plans::{
    staffing::CallInState,
    views::{DueApps, LinkedApp, MyCallIn},
};
use muster_platform::Work;
use uuid::Uuid;

use crate::{zone, PlansError};

type Row = (
    Uuid,
    Uuid,
    String,
    Uuid,
    String,
    String,
    Option<String>,
    DateTime<Utc>,
    i32,
    String,
    DateTime<Utc>,
    String,
);

/// The call-in query with `$rest` (conditions, order) appended, as one literal.
macro_rules! select_call_ins {
    ($rest:literal) => {
        concat!(
            "SELECT c.id, p.id, p.name, a.id, a.name, r.name, l.name, a.starts_at, a.duration_minutes,
                    p.time_zone, c.summon_at, c.state
               FROM call_ins c
               JOIN activities a ON a.id = c.activity_id
               JOIN projects p ON p.id = c.project_id
               JOIN activity_needs n ON n.id = c.need_id
               JOIN plan_roles r ON r.id = n.role_id
               LEFT JOIN locations l ON l.id = a.location_id ",
            $rest
        )
    };
}

fn view(row: Row) -> Option<MyCallIn> {
    let (
        id,
        project_id,
        project_name,
        activity_id,
        activity_name,
        role_name,
        location_name,
        starts_at,
        duration,
        time_zone,
        summon_at,
        state,
    ) = row;
    let starts_local = zone::parse(&time_zone).map_or_else(
        || starts_at.format("%a %d %b %Y %H:%M UTC").to_string(),
        |tz| {
            starts_at
                .with_timezone(&tz)
                .format("%a %d %b %Y %H:%M %Z")
                .to_string()
        },
    );
    Some(MyCallIn {
        id: id.to_string(),
        project_id: project_id.to_string(),
        project_name,
        activity_id: activity_id.to_string(),
        activity_name,
        role_name,
        location_name,
        starts_at,
        duration_minutes: i64::from(duration),
        starts_local,
        summon_at,
        state: CallInState::parse(&state)?,
    })
}

/// The caller's call-ins that have been sent (or answered), soonest first; past ones
/// and cancelled ones of the last week stay listed.
pub async fn my_call_ins(work: &Work, actor: &Actor) -> Result<Vec<MyCallIn>, PlansError> {
    let user = actor.user_id;
    let rows: Vec<Row> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(select_call_ins!(
                    "WHERE c.user_id = $1 AND c.state <> 'scheduled'
                       AND (c.state <> 'cancelled' OR c.updated_at > now() - interval '7 days')
                     ORDER BY a.starts_at, c.id LIMIT 200"
                ))
                .bind(user)
                .fetch_all(conn)
                .await
            })
        })
        .await?;
    Ok(rows.into_iter().filter_map(view).collect())
}

/// One of the caller's call-ins (not found for anyone else's).
pub async fn my_call_in(work: &Work, actor: &Actor, call_in: Uuid) -> Result<MyCallIn, PlansError> {
    let user = actor.user_id;
    let row: Option<Row> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(select_call_ins!("WHERE c.id = $1 AND c.user_id = $2"))
                    .bind(call_in)
                    .bind(user)
                    .fetch_optional(conn)
                    .await
            })
        })
        .await?;
    row.and_then(view).ok_or(PlansError::NotFound)
}

/// How long before an activity starts its apps are offered to the people called to it.
const DUE_BEFORE_MINUTES: i64 = 120;

/// The apps the caller is due to fill in now: those of the activities they are called to
/// (called or accepted) that start within two hours or are under way at `now`.
pub async fn due_apps(
    work: &Work,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<DueApps>, PlansError> {
    let user = actor.user_id;
    type Row = (Uuid, String, String, DateTime<Utc>, String, Uuid, String);
    let rows: Vec<Row> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT DISTINCT a.id, a.name, p.name, a.starts_at, p.time_zone, l.app_id, ap.name
                       FROM call_ins c
                       JOIN activities a ON a.id = c.activity_id
                       JOIN projects p ON p.id = a.project_id
                       JOIN activity_apps l ON l.activity_id = a.id
                       JOIN apps ap ON ap.id = l.app_id
                      WHERE c.user_id = $1 AND c.state IN ('sent', 'accepted')
                        AND a.starts_at - make_interval(mins => $3) <= $2
                        AND a.starts_at + make_interval(mins => a.duration_minutes) >= $2
                      ORDER BY a.starts_at, a.id, ap.name",
                )
                .bind(user)
                .bind(now)
                .bind(DUE_BEFORE_MINUTES as i32)
                .fetch_all(conn)
                .await
            })
        })
        .await?;
    let mut due: Vec<DueApps> = Vec::new();
    for (activity, name, project, starts_at, time_zone, app, app_name) in rows {
        let app = LinkedApp {
            app_id: app.to_string(),
            name: app_name,
        };
        match due.last_mut() {
            Some(last) if last.activity_id == activity.to_string() => last.apps.push(app),
            _ => due.push(DueApps {
                activity_id: activity.to_string(),
                activity_name: name,
                project_name: project,
                starts_local: zone::parse(&time_zone).map_or_else(
                    || starts_at.format("%a %d %b %H:%M UTC").to_string(),
                    |tz| {
                        starts_at
                            .with_timezone(&tz)
                            .format("%a %d %b %H:%M")
                            .to_string()
                    },
                ),
                apps: vec![app],
            }),
        }
    }
    Ok(due)
}
