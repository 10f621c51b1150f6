//! Activities, their tasks, the summoning plan and the apps filled in there. Organisers
//! change them; every change of an activity or its summoning plan is made against the
//! version the organiser saw (an older version is a conflict showing the current
//! values, never a silent overwrite) and re-schedules its call-ins in the same
//! transaction. Ticking tasks is open to every member and does not conflict.

use chrono::{DateTime, Duration, Utc};
use muster_accounts::Actor;
use muster_domain::plans::{
    activity::{check_activity, check_duration, check_need, ActivityInput, NeedInput, ProjectSpan},
    views::{ActivityView, EditConflict},
};
use muster_platform::Work;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{access::access, callins, error::invalid, events, plan, zone, PlansError};

/// The project facts an activity is checked against.
async fn frame(
    tx: &mut PgConnection,
    project: Uuid,
) -> Result<(ProjectSpan, muster_domain::plans::zone::ZoneWindow), PlansError> {
    let (starts_on, ends_on, time_zone): (chrono::NaiveDate, chrono::NaiveDate, String) =
        sqlx::query_as("SELECT starts_on, ends_on, time_zone FROM projects WHERE id = $1")
            .bind(project)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(PlansError::NotFound)?;
    let tz = zone::parse(&time_zone).unwrap_or(chrono_tz::UTC);
    Ok((
        ProjectSpan { starts_on, ends_on },
        zone::window(tz, starts_on, ends_on),
    ))
}

fn location_id(raw: &Option<String>) -> Result<Option<Uuid>, PlansError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| invalid("location_id", "Choose a location from the list.")),
    }
}

async fn check_location(tx: &mut PgConnection, location: Option<Uuid>) -> Result<(), PlansError> {
    if let Some(location) = location {
        // Row level security hides other accounts' locations: they do not exist here.
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM locations WHERE id = $1)")
                .bind(location)
                .fetch_one(&mut *tx)
                .await?;
        if !exists {
            return Err(invalid(
                "location_id",
                "This location does not exist in your organisation: choose one from the list.",
            ));
        }
    }
    Ok(())
}

pub async fn create(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    input: &ActivityInput,
) -> Result<Uuid, PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let location = location_id(&input.location_id)?;
    let mut tx = work.write(&actor.scope()).await?;
    let (span, zone) = frame(&mut tx, project).await?;
    let checked = check_activity(input, &span, &zone).map_err(PlansError::Invalid)?;
    check_location(&mut tx, location).await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO activities (id, account_id, project_id, name, location_id, starts_at, duration_minutes, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(actor.account_id)
    .bind(project)
    .bind(&checked.name)
    .bind(location)
    .bind(checked.starts_at)
    .bind(checked.duration_minutes as i32)
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, Some(id)).await;
    Ok(id)
}

/// Takes the activity's next version if `base_version` is still its current one;
/// otherwise the conflict with its current values.
async fn claim_version(
    tx: &mut PgConnection,
    actor: &Actor,
    project: Uuid,
    activity: Uuid,
    base_version: i32,
) -> Result<(), PlansError> {
    let claimed = sqlx::query(
        "UPDATE activities SET version = version + 1, updated_by = $4, updated_at = now()
          WHERE id = $1 AND project_id = $2 AND version = $3",
    )
    .bind(activity)
    .bind(project)
    .bind(base_version)
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() == 1 {
        return Ok(());
    }
    let Some(current) = plan::activity_view(tx, activity).await? else {
        return Err(PlansError::NotFound);
    };
    let saved_by: Option<String> = sqlx::query_scalar(
        "SELECT u.name FROM activities a JOIN users u ON u.id = a.updated_by WHERE a.id = $1",
    )
    .bind(activity)
    .fetch_optional(&mut *tx)
    .await?;
    Err(PlansError::Changed(Box::new(EditConflict {
        current,
        saved_by,
    })))
}

/// Saves the activity's name, place, start and duration over `base_version`.
pub async fn update(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    activity: Uuid,
    input: &ActivityInput,
    base_version: i32,
) -> Result<ActivityView, PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let location = location_id(&input.location_id)?;
    let mut tx = work.write(&actor.scope()).await?;
    let (span, zone) = frame(&mut tx, project).await?;
    let checked = check_activity(input, &span, &zone).map_err(PlansError::Invalid)?;
    check_location(&mut tx, location).await?;
    claim_version(&mut tx, actor, project, activity, base_version).await?;
    sqlx::query("UPDATE activities SET name = $2, location_id = $3, starts_at = $4, duration_minutes = $5 WHERE id = $1")
        .bind(activity)
        .bind(&checked.name)
        .bind(location)
        .bind(checked.starts_at)
        .bind(checked.duration_minutes as i32)
        .execute(&mut *tx)
        .await?;
    finish(work, actor, project, activity, tx).await
}

/// Moves or resizes the activity on the timeline (times in UTC, as dragged).
pub async fn reschedule(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    activity: Uuid,
    starts_at: DateTime<Utc>,
    duration_minutes: i64,
    base_version: i32,
) -> Result<ActivityView, PlansError> {
    access(work, actor, project).await?.require_editable()?;
    check_duration(duration_minutes).map_err(|message| invalid("duration_minutes", message))?;
    let mut tx = work.write(&actor.scope()).await?;
    let (span, zone) = frame(&mut tx, project).await?;
    let (first, last) = span.bounds(&zone);
    if starts_at < first || starts_at + Duration::minutes(duration_minutes) > last {
        return Err(invalid(
            "starts_at",
            format!(
                "The project runs from {} to {}: keep the activity within those days.",
                span.starts_on.format("%Y-%m-%d"),
                span.ends_on.format("%Y-%m-%d")
            ),
        ));
    }
    claim_version(&mut tx, actor, project, activity, base_version).await?;
    sqlx::query("UPDATE activities SET starts_at = $2, duration_minutes = $3 WHERE id = $1")
        .bind(activity)
        .bind(starts_at)
        .bind(duration_minutes as i32)
        .execute(&mut *tx)
        .await?;
    finish(work, actor, project, activity, tx).await
}

/// Re-schedules the call-ins, commits, announces, and returns the stored activity.
async fn finish(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    activity: Uuid,
    mut tx: muster_platform::work::Write,
) -> Result<ActivityView, PlansError> {
    let mut outcome = callins::Outcome::default();
    callins::reconcile(
        work,
        &mut tx,
        actor.account_id,
        activity,
        Utc::now(),
        &mut outcome,
    )
    .await?;
    let view = plan::activity_view(&mut tx, activity)
        .await?
        .ok_or(PlansError::NotFound)?;
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, Some(activity)).await;
    outcome.announce(work, position).await;
    Ok(view)
}

/// Deletes the activity; its call-ins are cancelled and those told hear it.
pub async fn delete(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    activity: Uuid,
    base_version: i32,
) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let mut tx = work.write(&actor.scope()).await?;
    claim_version(&mut tx, actor, project, activity, base_version).await?;
    let mut outcome = callins::Outcome::default();
    callins::cancel_withdrawn(
        work,
        &mut tx,
        actor.account_id,
        callins::Withdrawn::Activity(activity),
        &mut outcome,
    )
    .await?;
    sqlx::query("DELETE FROM activities WHERE id = $1")
        .bind(activity)
        .execute(&mut *tx)
        .await?;
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, Some(activity)).await;
    outcome.announce(work, position).await;
    Ok(())
}

/// Adds (or changes) the summoning plan's line for `need.role_id`.
pub async fn set_need(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    activity: Uuid,
    need: &NeedInput,
    base_version: i32,
) -> Result<ActivityView, PlansError> {
    access(work, actor, project).await?.require_editable()?;
    check_need(need).map_err(PlansError::Invalid)?;
    let role: Uuid = need
        .role_id
        .trim()
        .parse()
        .map_err(|_| invalid("role_id", "Choose a role."))?;
    let mut tx = work.write(&actor.scope()).await?;
    let role_exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM plan_roles WHERE id = $1)")
            .bind(role)
            .fetch_one(&mut *tx)
            .await?;
    if !role_exists {
        return Err(invalid(
            "role_id",
            "This role does not exist in your organisation: choose one from the list.",
        ));
    }
    claim_version(&mut tx, actor, project, activity, base_version).await?;
    sqlx::query(
        "INSERT INTO activity_needs (id, account_id, activity_id, role_id, count, call_in_minutes) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (activity_id, role_id) DO UPDATE SET count = EXCLUDED.count, call_in_minutes = EXCLUDED.call_in_minutes",
    )
    .bind(Uuid::new_v4())
    .bind(actor.account_id)
    .bind(activity)
    .bind(role)
    .bind(need.count)
    .bind(need.call_in_minutes as i32)
    .execute(&mut *tx)
    .await?;
    finish(work, actor, project, activity, tx).await
}

/// Removes a line of the summoning plan; its call-ins are cancelled.
pub async fn remove_need(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    activity: Uuid,
    need: Uuid,
    base_version: i32,
) -> Result<ActivityView, PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let mut tx = work.write(&actor.scope()).await?;
    claim_version(&mut tx, actor, project, activity, base_version).await?;
    let mut outcome = callins::Outcome::default();
    callins::cancel_withdrawn(
        work,
        &mut tx,
        actor.account_id,
        callins::Withdrawn::Need(need),
        &mut outcome,
    )
    .await?;
    let removed = sqlx::query("DELETE FROM activity_needs WHERE id = $1 AND activity_id = $2")
        .bind(need)
        .bind(activity)
        .execute(&mut *tx)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(PlansError::NotFound);
    }
    let view = finish(work, actor, project, activity, tx).await?;
    Ok(view)
}

/// Adds a task to the activity.
pub async fn add_task(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    activity: Uuid,
    title: &str,
) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 500 {
        return Err(invalid(
            "title",
            "Describe the task in 1 to 500 characters.",
        ));
    }
    let mut tx = work.write(&actor.scope()).await?;
    let inserted = sqlx::query(
        "INSERT INTO activity_tasks (id, account_id, activity_id, title, position)
         SELECT $1, $2, a.id, $4, coalesce((SELECT max(position) FROM activity_tasks WHERE activity_id = a.id), 0) + 1
           FROM activities a WHERE a.id = $3 AND a.project_id = $5",
    )
    .bind(Uuid::new_v4())
    .bind(actor.account_id)
    .bind(activity)
    .bind(title)
    .bind(project)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(PlansError::NotFound);
    }
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, Some(activity)).await;
    Ok(())
}

/// Ticks a task done or undone: any member of the project may.
pub async fn set_task_done(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    task: Uuid,
    done: bool,
) -> Result<(), PlansError> {
    let standing = access(work, actor, project).await?;
    if standing.archived {
        return Err(PlansError::Forbidden(
            "This project is archived.".to_owned(),
        ));
    }
    let mut tx = work.write(&actor.scope()).await?;
    let activity: Option<Uuid> = sqlx::query_scalar(
        "UPDATE activity_tasks t SET done = $2 FROM activities a
          WHERE t.id = $1 AND a.id = t.activity_id AND a.project_id = $3 RETURNING a.id",
    )
    .bind(task)
    .bind(done)
    .bind(project)
    .fetch_optional(&mut *tx)
    .await?;
    let activity = activity.ok_or(PlansError::NotFound)?;
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, Some(activity)).await;
    Ok(())
}

pub async fn remove_task(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    task: Uuid,
) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let mut tx = work.write(&actor.scope()).await?;
    let activity: Option<Uuid> = sqlx::query_scalar(
        "DELETE FROM activity_tasks t USING activities a
          WHERE t.id = $1 AND a.id = t.activity_id AND a.project_id = $2 RETURNING a.id",
    )
    .bind(task)
    .bind(project)
    .fetch_optional(&mut *tx)
    .await?;
    let activity = activity.ok_or(PlansError::NotFound)?;
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, Some(activity)).await;
    Ok(())
}

/// Asks for `app` to be filled in at the activity (or no longer).
pub async fn link_app(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    activity: Uuid,
    app: Uuid,
    linked: bool,
) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let mut tx = work.write(&actor.scope()).await?;
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM activities WHERE id = $1 AND project_id = $2)",
    )
    .bind(activity)
    .bind(project)
    .fetch_one(&mut *tx)
    .await?;
    if !exists {
        return Err(PlansError::NotFound);
    }
    if linked {
        let app_exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM apps WHERE id = $1)")
                .bind(app)
                .fetch_one(&mut *tx)
                .await?;
        if !app_exists {
            return Err(invalid(
                "app_id",
                "This app does not exist in your organisation.",
            ));
        }
        sqlx::query("INSERT INTO activity_apps (activity_id, account_id, app_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(activity)
            .bind(actor.account_id)
            .bind(app)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("DELETE FROM activity_apps WHERE activity_id = $1 AND app_id = $2")
            .bind(activity)
            .bind(app)
            .execute(&mut *tx)
            .await?;
    }
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, Some(activity)).await;
    Ok(())
}

/// The submissions made at an activity, newest first (members of the project see them).
pub async fn submissions(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    activity: Uuid,
) -> Result<Vec<muster_domain::plans::views::ActivitySubmission>, PlansError> {
    access(work, actor, project).await?;
    type Row = (Uuid, Uuid, String, Option<String>, DateTime<Utc>, String);
    let rows: Vec<Row> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT s.id, s.app_id, a.name, u.name, s.received_at, s.status
                       FROM submissions s
                       JOIN apps a ON a.id = s.app_id
                       JOIN activities t ON t.id = s.activity_id
                       LEFT JOIN users u ON u.id = s.submitted_by
                      WHERE s.activity_id = $1 AND t.project_id = $2
                      ORDER BY s.received_at DESC, s.id LIMIT 200",
                )
                .bind(activity)
                .bind(project)
                .fetch_all(conn)
                .await
            })
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, app_id, app_name, submitted_by, received_at, status)| {
                muster_domain::plans::views::ActivitySubmission {
                    id: id.to_string(),
                    app_id: app_id.to_string(),
                    app_name,
                    submitted_by,
                    received_at,
                    status,
                }
            },
        )
        .collect())
}
