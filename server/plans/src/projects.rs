//! Projects: created by builders (who become their first organiser), listed for their
//! members, changed and archived by organisers, published once the plan is ready (from
//! then on, people already called in are told what changes for them).

use chrono::{DateTime, NaiveDate, Utc};
use muster_accounts::Actor;
use muster_domain::{
    accounts::{Capability, FieldErrors},
    plans::{
        activity::{check_name, check_span, ProjectSpan},
        views::ProjectSummary,
    },
};
use muster_platform::Work;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    access::{access, manages_all, BUILDERS_ONLY},
    events, zone, PlansError,
};

/// A project as its form sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectInput {
    pub name: String,
    #[serde(default)]
    pub goal: String,
    pub time_zone: String,
    pub starts_on: String,
    pub ends_on: String,
    /// km/h assumed between locations (conflicts); default 50.
    #[serde(default)]
    pub travel_kmh: Option<f64>,
    /// Minutes a called person has to answer; default 240.
    #[serde(default)]
    pub answer_minutes: Option<i64>,
}

struct CheckedProject {
    name: String,
    goal: String,
    time_zone: String,
    span: ProjectSpan,
    travel_kmh: f32,
    answer_minutes: i32,
}

fn check(input: &ProjectInput) -> Result<CheckedProject, PlansError> {
    let mut errors = FieldErrors::new();
    errors.check("name", check_name(&input.name, "project"));
    if input.goal.chars().count() > 2000 {
        errors.add("goal", "Keep the goal to 2000 characters.");
    }
    if zone::parse(&input.time_zone).is_none() {
        errors.add(
            "time_zone",
            "Choose a time zone from the list, such as Europe/Amsterdam or America/Bogota.",
        );
    }
    let span = match check_span(&input.starts_on, &input.ends_on) {
        Ok(span) => Some(span),
        Err(problems) => {
            for (field, message) in problems.0 {
                errors.add(&field, message);
            }
            None
        }
    };
    let travel_kmh = input.travel_kmh.unwrap_or(50.0);
    if !(1.0..=1000.0).contains(&travel_kmh) {
        errors.add(
            "travel_kmh",
            "Enter a travel speed between 1 and 1000 km/h.",
        );
    }
    let answer_minutes = input.answer_minutes.unwrap_or(240);
    if !(5..=7 * 24 * 60).contains(&answer_minutes) {
        errors.add(
            "answer_minutes",
            "Give people between 5 minutes and 7 days to answer.",
        );
    }
    match (errors.into_result(), span) {
        (Ok(()), Some(span)) => Ok(CheckedProject {
            name: input.name.trim().to_owned(),
            goal: input.goal.trim().to_owned(),
            time_zone: zone::parse(&input.time_zone)
                .map(|tz| tz.name().to_owned())
                .unwrap_or_default(),
            span,
            travel_kmh: travel_kmh as f32,
            answer_minutes: answer_minutes as i32,
        }),
        (Err(errors), _) => Err(PlansError::Invalid(errors)),
        (Ok(()), None) => Err(crate::error::invalid(
            "starts_on",
            "Enter the project's dates.",
        )),
    }
}

pub async fn create(work: &Work, actor: &Actor, input: &ProjectInput) -> Result<Uuid, PlansError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let project = check(input)?;
    let id = Uuid::new_v4();
    let mut tx = work.write(&actor.scope()).await?;
    sqlx::query(
        "INSERT INTO projects (id, account_id, name, goal, time_zone, starts_on, ends_on, travel_kmh, answer_minutes, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(actor.account_id)
    .bind(&project.name)
    .bind(&project.goal)
    .bind(&project.time_zone)
    .bind(project.span.starts_on)
    .bind(project.span.ends_on)
    .bind(project.travel_kmh)
    .bind(project.answer_minutes)
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO project_members (project_id, account_id, user_id, organiser) VALUES ($1, $2, $3, true)",
    )
    .bind(id)
    .bind(actor.account_id)
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a project's name, goal, zone, dates or settings. Activities outside new
/// dates stay (and are listed as such); times keep their instant when the zone changes.
pub async fn update(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    input: &ProjectInput,
) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let checked = check(input)?;
    let mut tx = work.write(&actor.scope()).await?;
    sqlx::query(
        "UPDATE projects SET name = $2, goal = $3, time_zone = $4, starts_on = $5, ends_on = $6, travel_kmh = $7, answer_minutes = $8
          WHERE id = $1",
    )
    .bind(project)
    .bind(&checked.name)
    .bind(&checked.goal)
    .bind(&checked.time_zone)
    .bind(checked.span.starts_on)
    .bind(checked.span.ends_on)
    .bind(checked.travel_kmh)
    .bind(checked.answer_minutes)
    .execute(&mut *tx)
    .await?;
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, None).await;
    Ok(())
}

/// Archives a project (or brings it back): archived projects leave the list and take no
/// changes; their call-ins are cancelled.
pub async fn set_archived(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    archived: bool,
) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_organiser()?;
    let mut tx = work.write(&actor.scope()).await?;
    sqlx::query(
        "UPDATE projects SET archived_at = CASE WHEN $2 THEN coalesce(archived_at, now()) END WHERE id = $1",
    )
    .bind(project)
    .bind(archived)
    .execute(&mut *tx)
    .await?;
    if archived {
        crate::callins::cancel_all(work, &mut tx, project).await?;
    }
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, None).await;
    Ok(())
}

/// Publishes the plan: from now on, people already called in are told when their
/// activity's time or place changes, or when it is cancelled.
pub async fn publish(work: &Work, actor: &Actor, project: Uuid) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let mut tx = work.write(&actor.scope()).await?;
    sqlx::query("UPDATE projects SET published_at = coalesce(published_at, now()) WHERE id = $1")
        .bind(project)
        .execute(&mut *tx)
        .await?;
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, None).await;
    Ok(())
}

/// The projects the caller may see: theirs, or all of the account for owners and admins.
/// Archived ones last.
pub async fn list(work: &Work, actor: &Actor) -> Result<Vec<ProjectSummary>, PlansError> {
    actor.require(Capability::Participate, "Only members can see projects.")?;
    let (user, all) = (actor.user_id, manages_all(actor));
    type Row = (
        Uuid,
        String,
        String,
        String,
        NaiveDate,
        NaiveDate,
        Option<DateTime<Utc>>,
        bool,
        i64,
    );
    let rows: Vec<Row> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT p.id, p.name, p.goal, p.time_zone, p.starts_on, p.ends_on, p.archived_at,
                            m.user_id IS NOT NULL,
                            (SELECT count(*) FROM activities a WHERE a.project_id = p.id)
                       FROM projects p
                       LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = $1
                      WHERE m.user_id IS NOT NULL OR $2
                      ORDER BY p.archived_at IS NOT NULL, p.starts_on, lower(p.name), p.id",
                )
                .bind(user)
                .bind(all)
                .fetch_all(conn)
                .await
            })
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, goal, time_zone, starts_on, ends_on, archived_at, member, activities)| {
                ProjectSummary {
                    id: id.to_string(),
                    name,
                    goal,
                    time_zone,
                    span: ProjectSpan { starts_on, ends_on },
                    archived: archived_at.is_some(),
                    member,
                    activities,
                }
            },
        )
        .collect())
}
