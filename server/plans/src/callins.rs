//! Call-ins: a person called to fill one slot of an activity's need, notified at the
//! need's summon time, who accepts or declines; a declined or unanswered slot is offered
//! to the next free member holding the role, in the organiser's order.
//!
//! Exactly once: each call-in has a job keyed by its id, due at its summon time (moving
//! the activity re-arms the same job). The job acts only on a row still `scheduled`
//! whose summon time has come, and in one transaction marks it `sent`, stores the
//! notice and enqueues its mail; a second run, a retry after a crash or a stale job
//! finds nothing to do. Every function that acts on time takes `now`, so tests drive
//! the clock.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use muster_accounts::Actor;
use muster_domain::plans::{
    activity::summon_at,
    staffing::{is_free, next_candidate, CallInState, Commitment, Point},
};
use muster_platform::{
    jobs::{Job, JobContext, JobError, JobOptions, Schedule},
    notices::{notify, Notice},
    tenancy::Scope,
    Work,
};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{access::access, error::invalid, events, PlansError};

/// What the call-in code needs to know about an activity.
#[derive(Debug, Clone)]
pub(crate) struct ActivityFacts {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i64,
    pub location: Option<String>,
    pub place: Option<Point>,
    pub project_name: String,
    pub answer_minutes: i64,
    pub travel_kmh: f64,
    pub published: bool,
    pub time_zone: String,
}

impl ActivityFacts {
    fn commitment(&self) -> Commitment {
        Commitment {
            activity_id: self.id.to_string(),
            starts_at: self.starts_at,
            ends_at: self.starts_at + Duration::minutes(self.duration_minutes),
            place: self.place,
        }
    }

    /// "Mon 04 May 08:30 (Europe/Amsterdam) at North gate"
    fn when_and_where(&self) -> String {
        let when = crate::zone::parse(&self.time_zone).map_or_else(
            || self.starts_at.format("%a %d %b %H:%M UTC").to_string(),
            |tz| {
                format!(
                    "{} ({})",
                    self.starts_at.with_timezone(&tz).format("%a %d %b %H:%M"),
                    self.time_zone
                )
            },
        );
        match &self.location {
            Some(location) => format!("{when} at {location}"),
            None => when,
        }
    }
}

type FactsRow = (
    Uuid,
    Uuid,
    String,
    DateTime<Utc>,
    i32,
    Option<String>,
    Option<f64>,
    Option<f64>,
    String,
    i32,
    f32,
    bool,
    String,
);

pub(crate) async fn facts(
    tx: &mut PgConnection,
    activity: Uuid,
) -> Result<Option<ActivityFacts>, PlansError> {
    let row: Option<FactsRow> = sqlx::query_as(
        "SELECT a.id, a.project_id, a.name, a.starts_at, a.duration_minutes, l.name,
                ST_Y(l.point::geometry), ST_X(l.point::geometry),
                p.name, p.answer_minutes, p.travel_kmh, p.published_at IS NOT NULL, p.time_zone
           FROM activities a
           JOIN projects p ON p.id = a.project_id
           LEFT JOIN locations l ON l.id = a.location_id
          WHERE a.id = $1",
    )
    .bind(activity)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(
        |(
            id,
            project_id,
            name,
            starts_at,
            duration,
            location,
            latitude,
            longitude,
            project_name,
            answer,
            travel,
            published,
            time_zone,
        )| {
            ActivityFacts {
                id,
                project_id,
                name,
                starts_at,
                duration_minutes: i64::from(duration),
                location,
                place: latitude.zip(longitude).map(|(latitude, longitude)| Point {
                    latitude,
                    longitude,
                }),
                project_name,
                answer_minutes: i64::from(answer),
                travel_kmh: f64::from(travel),
                published,
                time_zone,
            }
        },
    ))
}

/// The activities each of `users` is called to (live call-ins), across the account's
/// projects.
pub(crate) async fn commitments(
    tx: &mut PgConnection,
    users: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Commitment>>, PlansError> {
    type Row = (Uuid, Uuid, DateTime<Utc>, i32, Option<f64>, Option<f64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT DISTINCT c.user_id, a.id, a.starts_at, a.duration_minutes, ST_Y(l.point::geometry), ST_X(l.point::geometry)
           FROM call_ins c
           JOIN activities a ON a.id = c.activity_id
           LEFT JOIN locations l ON l.id = a.location_id
          WHERE c.user_id = ANY($1) AND c.state IN ('scheduled', 'sent', 'accepted')",
    )
    .bind(users)
    .fetch_all(&mut *tx)
    .await?;
    let mut by_user: HashMap<Uuid, Vec<Commitment>> = HashMap::new();
    for (user, id, starts_at, duration, latitude, longitude) in rows {
        by_user.entry(user).or_default().push(Commitment {
            activity_id: id.to_string(),
            starts_at,
            ends_at: starts_at + Duration::minutes(i64::from(duration)),
            place: latitude.zip(longitude).map(|(latitude, longitude)| Point {
                latitude,
                longitude,
            }),
        });
    }
    Ok(by_user)
}

/// Sends a call-in at its summon time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendCallIn {
    pub account_id: Uuid,
    pub call_in_id: Uuid,
}

impl Job for SendCallIn {
    const KIND: &'static str = "plans.call_in.send";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        send_due(&ctx.work, self.account_id, self.call_in_id, Utc::now())
            .await
            .map(|_| ())
            .map_err(job_error)
    }
}

/// Offers a call-in's slot on when its answer time has passed without an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireCallIn {
    pub account_id: Uuid,
    pub call_in_id: Uuid,
}

impl Job for ExpireCallIn {
    const KIND: &'static str = "plans.call_in.expire";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        expire_due(&ctx.work, self.account_id, self.call_in_id, Utc::now())
            .await
            .map(|_| ())
            .map_err(job_error)
    }
}

/// Database trouble (down, a deadlock with a concurrent change) is worth another
/// attempt; anything else will not change.
fn job_error(error: PlansError) -> JobError {
    match error {
        PlansError::Database(error) => JobError::Retry(error.to_string()),
        PlansError::Queue(message) => JobError::Retry(message),
        other => JobError::Fatal(other.to_string()),
    }
}

/// (Re-)arms the job that sends `call_in` at `at`.
async fn arm_send(
    work: &Work,
    tx: &mut PgConnection,
    account: Uuid,
    call_in: Uuid,
    at: DateTime<Utc>,
) -> Result<(), PlansError> {
    work.jobs
        .enqueue(
            tx,
            &SendCallIn {
                account_id: account,
                call_in_id: call_in,
            },
            JobOptions {
                schedule: Schedule::At(at),
                key: Some(format!("call-in:{call_in}")),
                ..Default::default()
            },
        )
        .await?;
    Ok(())
}

async fn arm_expiry(
    work: &Work,
    tx: &mut PgConnection,
    account: Uuid,
    call_in: Uuid,
    at: DateTime<Utc>,
) -> Result<(), PlansError> {
    work.jobs
        .enqueue(
            tx,
            &ExpireCallIn {
                account_id: account,
                call_in_id: call_in,
            },
            JobOptions {
                schedule: Schedule::At(at),
                key: Some(format!("call-in-expiry:{call_in}")),
                ..Default::default()
            },
        )
        .await?;
    Ok(())
}

fn call_in_link(call_in: Uuid) -> String {
    format!("/call-ins/{call_in}")
}

/// What happened, for the pages to hear once committed.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Projects whose plan changed.
    pub projects: Vec<Uuid>,
    /// People who were told something.
    pub told: Vec<Uuid>,
}

impl Outcome {
    fn project(&mut self, project: Uuid) {
        if !self.projects.contains(&project) {
            self.projects.push(project);
        }
    }

    fn told(&mut self, user: Uuid) {
        if !self.told.contains(&user) {
            self.told.push(user);
        }
    }

    /// Announces the outcome after its transaction committed at `position`.
    pub(crate) async fn announce(self, work: &Work, position: muster_platform::db::Lsn) {
        for project in self.projects {
            events::changed_by_system(work, project, position).await;
        }
        for user in self.told {
            muster_platform::notices::poke(work, user, position).await;
        }
    }
}

/// Creates a call-in of `user` for `need` of `activity`, due at the need's summon time
/// (at once if that has passed).
async fn create(
    work: &Work,
    tx: &mut PgConnection,
    account: Uuid,
    activity: &ActivityFacts,
    need: Uuid,
    call_in_minutes: i64,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid, PlansError> {
    let id = Uuid::new_v4();
    let summon = summon_at(activity.starts_at, call_in_minutes);
    sqlx::query(
        "INSERT INTO call_ins (id, account_id, project_id, activity_id, need_id, user_id, summon_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(account)
    .bind(activity.project_id)
    .bind(activity.id)
    .bind(need)
    .bind(user)
    .bind(summon)
    .execute(&mut *tx)
    .await?;
    arm_send(work, tx, account, id, summon.max(now)).await?;
    Ok(id)
}

/// The organiser calls `user` for one slot of `need`.
pub async fn call(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    need: Uuid,
    user: Uuid,
) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let now = Utc::now();
    let mut tx = work.write(&actor.scope()).await?;
    let row: Option<(Uuid, Uuid, i32, i32)> = sqlx::query_as(
        "SELECT n.activity_id, n.role_id, n.count, n.call_in_minutes
           FROM activity_needs n JOIN activities a ON a.id = n.activity_id
          WHERE n.id = $1 AND a.project_id = $2 FOR UPDATE OF n",
    )
    .bind(need)
    .bind(project)
    .fetch_optional(&mut *tx)
    .await?;
    let (activity_id, role, count, call_in_minutes) = row.ok_or(PlansError::NotFound)?;
    let holds: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM project_member_roles WHERE project_id = $1 AND role_id = $2 AND user_id = $3)",
    )
    .bind(project)
    .bind(role)
    .bind(user)
    .fetch_one(&mut *tx)
    .await?;
    if !holds {
        return Err(invalid(
            "user_id",
            "This person does not hold this role in the project: give them the role first.",
        ));
    }
    let states: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT user_id, state FROM call_ins WHERE need_id = $1")
            .bind(need)
            .fetch_all(&mut *tx)
            .await?;
    let live = states
        .iter()
        .filter(|(_, state)| CallInState::parse(state).is_some_and(CallInState::holds_slot))
        .count() as i32;
    if states.iter().any(|(u, state)| {
        *u == user && CallInState::parse(state).is_some_and(CallInState::holds_slot)
    }) {
        return Err(invalid(
            "user_id",
            "This person is already called for this.",
        ));
    }
    if live >= count {
        return Err(invalid(
            "user_id",
            "Every slot of this line is taken: ask for more people first.",
        ));
    }
    let activity = facts(&mut tx, activity_id)
        .await?
        .ok_or(PlansError::NotFound)?;
    create(
        work,
        &mut tx,
        actor.account_id,
        &activity,
        need,
        i64::from(call_in_minutes),
        user,
        now,
    )
    .await?;
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, Some(activity_id)).await;
    Ok(())
}

/// Fills every open slot of `activity` from its roles' members, in the organiser's
/// order, skipping people already called for a line and people not free then.
/// Returns how many were called.
pub async fn fill_open(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    activity: Uuid,
) -> Result<usize, PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let now = Utc::now();
    let mut tx = work.write(&actor.scope()).await?;
    let facts = facts(&mut tx, activity)
        .await?
        .filter(|f| f.project_id == project)
        .ok_or(PlansError::NotFound)?;
    let needs: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM activity_needs WHERE activity_id = $1 ORDER BY id FOR UPDATE",
    )
    .bind(activity)
    .fetch_all(&mut *tx)
    .await?;
    let mut called = 0;
    for need in needs {
        called += offer(work, &mut tx, actor.account_id, &facts, need, now)
            .await?
            .len();
    }
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, Some(activity)).await;
    Ok(called)
}

/// Calls the next candidates for `need`'s open slots. Returns who was called.
async fn offer(
    work: &Work,
    tx: &mut PgConnection,
    account: Uuid,
    activity: &ActivityFacts,
    need: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, PlansError> {
    let (role, count, call_in_minutes): (Uuid, i32, i32) =
        sqlx::query_as("SELECT role_id, count, call_in_minutes FROM activity_needs WHERE id = $1")
            .bind(need)
            .fetch_one(&mut *tx)
            .await?;
    let states: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT user_id, state FROM call_ins WHERE need_id = $1")
            .bind(need)
            .fetch_all(&mut *tx)
            .await?;
    let live = states
        .iter()
        .filter(|(_, state)| CallInState::parse(state).is_some_and(CallInState::holds_slot))
        .count() as i32;
    let mut open = count - live;
    let mut already: Vec<String> = states.iter().map(|(user, _)| user.to_string()).collect();
    let order: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM project_member_roles WHERE project_id = $1 AND role_id = $2 ORDER BY position, user_id",
    )
    .bind(activity.project_id)
    .bind(role)
    .fetch_all(&mut *tx)
    .await?;
    let busy = commitments(tx, &order).await?;
    let order: Vec<String> = order.iter().map(Uuid::to_string).collect();
    let wanted = activity.commitment();
    let free = |person: &str| {
        let theirs = person
            .parse::<Uuid>()
            .ok()
            .and_then(|user| busy.get(&user))
            .map_or(&[][..], Vec::as_slice);
        is_free(theirs, &wanted, activity.travel_kmh)
    };
    let mut called = Vec::new();
    while open > 0 {
        let Some(chosen) = next_candidate(&order, &already, free) else {
            break;
        };
        let user: Uuid = chosen.parse().map_err(|_| PlansError::NotFound)?;
        create(
            work,
            tx,
            account,
            activity,
            need,
            i64::from(call_in_minutes),
            user,
            now,
        )
        .await?;
        already.push(chosen.to_owned());
        called.push(user);
        open -= 1;
    }
    Ok(called)
}

/// Sends `call_in` if it is still scheduled and its time has come. Returns whether it
/// was sent (false: already sent, cancelled, or moved later; its re-armed job sends it).
pub async fn send_due(
    work: &Work,
    account: Uuid,
    call_in: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, PlansError> {
    let mut tx = work.write(&Scope::account(account)).await?;
    let row: Option<(Uuid, Uuid, DateTime<Utc>, String)> = sqlx::query_as(
        "SELECT c.activity_id, c.user_id, c.summon_at, r.name
           FROM call_ins c JOIN activity_needs n ON n.id = c.need_id JOIN plan_roles r ON r.id = n.role_id
          WHERE c.id = $1 AND c.state = 'scheduled' FOR UPDATE OF c",
    )
    .bind(call_in)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((activity_id, user, summon, role)) = row else {
        return Ok(false);
    };
    if summon > now {
        return Ok(false);
    }
    let activity = facts(&mut tx, activity_id)
        .await?
        .ok_or(PlansError::NotFound)?;
    let answer_by = now + Duration::minutes(activity.answer_minutes);
    sqlx::query(
        "UPDATE call_ins SET state = 'sent', sent_at = $2, answer_by = $3, told_starts_at = $4, told_location = $5, updated_at = $2
          WHERE id = $1",
    )
    .bind(call_in)
    .bind(now)
    .bind(answer_by)
    .bind(activity.starts_at)
    .bind(&activity.location)
    .execute(&mut *tx)
    .await?;
    let mut outcome = Outcome::default();
    outcome.project(activity.project_id);
    let told = notify(
        work,
        &mut tx,
        account,
        Notice {
            user,
            kind: "call_in",
            title: format!("You are called in as {role}: {}", activity.name),
            body: format!(
                "{} ({}) needs you as {role}, {}. Please accept or decline.",
                activity.name,
                activity.project_name,
                activity.when_and_where()
            ),
            link: call_in_link(call_in),
        },
    )
    .await?;
    outcome.told(told);
    arm_expiry(work, &mut tx, account, call_in, answer_by).await?;
    let position = tx.commit().await?;
    outcome.announce(work, position).await;
    Ok(true)
}

/// Offers the slot of `call_in` on if it was sent and not answered by its time.
pub async fn expire_due(
    work: &Work,
    account: Uuid,
    call_in: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, PlansError> {
    let mut tx = work.write(&Scope::account(account)).await?;
    let row: Option<(Uuid, Uuid, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT activity_id, need_id, answer_by FROM call_ins WHERE id = $1 AND state = 'sent' FOR UPDATE",
    )
    .bind(call_in)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((activity_id, need, Some(answer_by))) = row else {
        return Ok(false);
    };
    if answer_by > now {
        return Ok(false);
    }
    sqlx::query("UPDATE call_ins SET state = 'expired', updated_at = $2 WHERE id = $1")
        .bind(call_in)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let activity = facts(&mut tx, activity_id)
        .await?
        .ok_or(PlansError::NotFound)?;
    let mut outcome = Outcome::default();
    outcome.project(activity.project_id);
    offer_on(work, &mut tx, account, &activity, need, now, &mut outcome).await?;
    let position = tx.commit().await?;
    outcome.announce(work, position).await;
    Ok(true)
}

/// After a decline or an expiry: the next candidate is called, or the organisers are
/// told that nobody is left.
async fn offer_on(
    work: &Work,
    tx: &mut PgConnection,
    account: Uuid,
    activity: &ActivityFacts,
    need: Uuid,
    now: DateTime<Utc>,
    outcome: &mut Outcome,
) -> Result<(), PlansError> {
    let called = offer(work, tx, account, activity, need, now).await?;
    if !called.is_empty() {
        return Ok(());
    }
    let (role, count, live): (String, i32, i64) = sqlx::query_as(
        "SELECT r.name, n.count,
                (SELECT count(*) FROM call_ins c WHERE c.need_id = n.id AND c.state IN ('scheduled', 'sent', 'accepted'))
           FROM activity_needs n JOIN plan_roles r ON r.id = n.role_id WHERE n.id = $1",
    )
    .bind(need)
    .fetch_one(&mut *tx)
    .await?;
    if live >= i64::from(count) {
        return Ok(());
    }
    let organisers: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM project_members WHERE project_id = $1 AND organiser ORDER BY user_id",
    )
    .bind(activity.project_id)
    .fetch_all(&mut *tx)
    .await?;
    for organiser in organisers {
        let told = notify(
            work,
            tx,
            account,
            Notice {
                user: organiser,
                kind: "unfilled",
                title: format!("Nobody left to call as {role} for {}", activity.name),
                body: format!(
                    "{} ({}) still needs {} {role}(s), {}, and every member holding the role has been called or is busy then.",
                    activity.name,
                    activity.project_name,
                    i64::from(count) - live,
                    activity.when_and_where()
                ),
                link: format!("/projects/{}/activities/{}", activity.project_id, activity.id),
            },
        )
        .await?;
        outcome.told(told);
    }
    Ok(())
}

/// The called person accepts or declines. A decline offers the slot on.
pub async fn answer(
    work: &Work,
    actor: &Actor,
    call_in: Uuid,
    accept: bool,
) -> Result<CallInState, PlansError> {
    let now = Utc::now();
    let mut tx = work.write(&actor.scope()).await?;
    let row: Option<(Uuid, Uuid, String)> = sqlx::query_as(
        "SELECT activity_id, need_id, state FROM call_ins WHERE id = $1 AND user_id = $2 FOR UPDATE",
    )
    .bind(call_in)
    .bind(actor.user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (activity_id, need, state) = row.ok_or(PlansError::NotFound)?;
    let state = CallInState::parse(&state).ok_or(PlansError::NotFound)?;
    let next = state
        .answer(accept)
        .map_err(|refusal| PlansError::Refused(refusal.to_string()))?;
    if next == state {
        return Ok(state);
    }
    sqlx::query("UPDATE call_ins SET state = $2, answered_at = $3, updated_at = $3 WHERE id = $1")
        .bind(call_in)
        .bind(next.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let activity = facts(&mut tx, activity_id)
        .await?
        .ok_or(PlansError::NotFound)?;
    let mut outcome = Outcome::default();
    outcome.project(activity.project_id);
    outcome.told(actor.user_id);
    if next == CallInState::Declined {
        offer_on(
            work,
            &mut tx,
            actor.account_id,
            &activity,
            need,
            now,
            &mut outcome,
        )
        .await?;
    }
    let position = tx.commit().await?;
    outcome.announce(work, position).await;
    Ok(next)
}

/// The organiser withdraws a call-in (the person is told if they had been).
pub async fn withdraw(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    call_in: Uuid,
) -> Result<(), PlansError> {
    access(work, actor, project).await?.require_editable()?;
    let mut tx = work.write(&actor.scope()).await?;
    let activity: Option<Uuid> = sqlx::query_scalar(
        "SELECT activity_id FROM call_ins WHERE id = $1 AND project_id = $2 AND state IN ('scheduled', 'sent', 'accepted') FOR UPDATE",
    )
    .bind(call_in)
    .bind(project)
    .fetch_optional(&mut *tx)
    .await?;
    let activity = activity.ok_or(PlansError::NotFound)?;
    let mut outcome = Outcome::default();
    cancel(
        work,
        &mut tx,
        actor.account_id,
        &[call_in],
        "The organiser withdrew this call-in.",
        &mut outcome,
    )
    .await?;
    let position = tx.commit().await?;
    events::changed(work, actor, project, position, Some(activity)).await;
    outcome.announce(work, position).await;
    Ok(())
}

/// Cancels `call_ins` (live ones); those who had been told hear why.
async fn cancel(
    work: &Work,
    tx: &mut PgConnection,
    account: Uuid,
    call_ins: &[Uuid],
    why: &str,
    outcome: &mut Outcome,
) -> Result<(), PlansError> {
    let told: Vec<(Uuid, Uuid, Uuid)> = sqlx::query_as(
        "UPDATE call_ins c SET state = 'cancelled', updated_at = now()
          WHERE c.id = ANY($1) AND c.state IN ('scheduled', 'sent', 'accepted')
          RETURNING c.id, c.user_id, c.activity_id, (c.sent_at IS NOT NULL)",
    )
    .bind(call_ins)
    .fetch_all(&mut *tx)
    .await
    .map(|rows: Vec<(Uuid, Uuid, Uuid, bool)>| {
        rows.into_iter()
            .filter(|(_, _, _, sent)| *sent)
            .map(|(id, user, activity, _)| (id, user, activity))
            .collect()
    })?;
    for (call_in, user, activity) in told {
        let Some(activity) = facts(tx, activity).await? else {
            continue;
        };
        outcome.project(activity.project_id);
        let user = notify(
            work,
            tx,
            account,
            Notice {
                user,
                kind: "call_in_cancelled",
                title: format!("Cancelled: {}", activity.name),
                body: format!(
                    "You are no longer needed for {} ({}), {}. {why}",
                    activity.name,
                    activity.project_name,
                    activity.when_and_where()
                ),
                link: call_in_link(call_in),
            },
        )
        .await?;
        outcome.told(user);
    }
    Ok(())
}

/// Every live call-in of a project is cancelled (it was archived).
pub(crate) async fn cancel_all(
    work: &Work,
    tx: &mut PgConnection,
    project: Uuid,
) -> Result<(), PlansError> {
    let (account, ids): (Option<Uuid>, Vec<Uuid>) = {
        let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT id, account_id FROM call_ins WHERE project_id = $1 AND state IN ('scheduled', 'sent', 'accepted')",
        )
        .bind(project)
        .fetch_all(&mut *tx)
        .await?;
        (
            rows.first().map(|(_, a)| *a),
            rows.into_iter().map(|(id, _)| id).collect(),
        )
    };
    let Some(account) = account else {
        return Ok(());
    };
    let mut outcome = Outcome::default();
    cancel(
        work,
        tx,
        account,
        &ids,
        "The project was archived.",
        &mut outcome,
    )
    .await
}

/// After `activity` moved, was resized, moved place, or its summoning plan changed (in
/// the caller's transaction): scheduled call-ins get their new summon time, lines that
/// shrank or went lose their latest call-ins, and people already told hear what changed
/// for them once the plan is published.
pub(crate) async fn reconcile(
    work: &Work,
    tx: &mut PgConnection,
    account: Uuid,
    activity: Uuid,
    now: DateTime<Utc>,
    outcome: &mut Outcome,
) -> Result<(), PlansError> {
    let Some(facts) = facts(tx, activity).await? else {
        return Ok(());
    };
    // Lines asking for fewer people than are called: the latest call-ins go, those not
    // yet sent first.
    let surplus: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM (
             SELECT c.id, n.count,
                    row_number() OVER (PARTITION BY c.need_id
                                       ORDER BY (c.state = 'accepted') DESC, (c.state = 'sent') DESC, c.created_at, c.id) AS rank
               FROM call_ins c JOIN activity_needs n ON n.id = c.need_id
              WHERE c.activity_id = $1 AND c.state IN ('scheduled', 'sent', 'accepted')
         ) ranked WHERE rank > count",
    )
    .bind(activity)
    .fetch_all(&mut *tx)
    .await?;
    cancel(
        work,
        tx,
        account,
        &surplus,
        "The organiser needs fewer people for it now.",
        outcome,
    )
    .await?;
    // New summon times for those not yet called.
    let scheduled: Vec<(Uuid, DateTime<Utc>, i32)> = sqlx::query_as(
        "SELECT c.id, c.summon_at, n.call_in_minutes FROM call_ins c JOIN activity_needs n ON n.id = c.need_id
          WHERE c.activity_id = $1 AND c.state = 'scheduled'",
    )
    .bind(activity)
    .fetch_all(&mut *tx)
    .await?;
    for (call_in, old, minutes) in scheduled {
        let summon = summon_at(facts.starts_at, i64::from(minutes));
        if summon != old {
            sqlx::query("UPDATE call_ins SET summon_at = $2, updated_at = now() WHERE id = $1")
                .bind(call_in)
                .bind(summon)
                .execute(&mut *tx)
                .await?;
            arm_send(work, tx, account, call_in, summon.max(now)).await?;
            outcome.project(facts.project_id);
        }
    }
    if !facts.published {
        return Ok(());
    }
    // People already told: what changed for them.
    let told: Vec<(Uuid, Uuid, Option<DateTime<Utc>>, Option<String>)> = sqlx::query_as(
        "SELECT id, user_id, told_starts_at, told_location FROM call_ins
          WHERE activity_id = $1 AND state IN ('sent', 'accepted')",
    )
    .bind(activity)
    .fetch_all(&mut *tx)
    .await?;
    for (call_in, user, told_start, told_location) in told {
        let moved = told_start != Some(facts.starts_at);
        let relocated = told_location != facts.location;
        if !moved && !relocated {
            continue;
        }
        let change = match (moved, relocated) {
            (true, true) => "a new time and place",
            (true, false) => "a new time",
            _ => "a new place",
        };
        let user = notify(
            work,
            tx,
            account,
            Notice {
                user,
                kind: "call_in_changed",
                title: format!("Changed: {} has {change}", facts.name),
                body: format!(
                    "{} ({}) is now {}.",
                    facts.name,
                    facts.project_name,
                    facts.when_and_where()
                ),
                link: call_in_link(call_in),
            },
        )
        .await?;
        outcome.told(user);
        sqlx::query("UPDATE call_ins SET told_starts_at = $2, told_location = $3 WHERE id = $1")
            .bind(call_in)
            .bind(facts.starts_at)
            .bind(&facts.location)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// What is going away, taking its live call-ins with it.
pub(crate) enum Withdrawn {
    /// An activity about to be deleted.
    Activity(Uuid),
    /// A line of the summoning plan about to be removed.
    Need(Uuid),
}

/// Cancels the live call-ins of what is `withdrawn`; those already told hear why.
pub(crate) async fn cancel_withdrawn(
    work: &Work,
    tx: &mut PgConnection,
    account: Uuid,
    withdrawn: Withdrawn,
    outcome: &mut Outcome,
) -> Result<(), PlansError> {
    let (query, id, reason) = match withdrawn {
        Withdrawn::Activity(id) => (
            "SELECT id FROM call_ins WHERE activity_id = $1 AND state IN ('scheduled', 'sent', 'accepted')",
            id,
            "The activity was cancelled.",
        ),
        Withdrawn::Need(id) => (
            "SELECT id FROM call_ins WHERE need_id = $1 AND state IN ('scheduled', 'sent', 'accepted')",
            id,
            "The organiser no longer needs this role for it.",
        ),
    };
    let ids: Vec<Uuid> = sqlx::query_scalar(query)
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
    cancel(work, tx, account, &ids, reason, outcome).await
}

/// Sends every call-in of `account` whose time has come and offers on every one whose
/// answer time has passed, as the jobs would by `now`. Returns (sent, expired).
pub async fn process_due(
    work: &Work,
    account: Uuid,
    now: DateTime<Utc>,
) -> Result<(usize, usize), PlansError> {
    let (due, late): (Vec<Uuid>, Vec<Uuid>) = work
        .read_latest(&Scope::account(account), |conn, _| {
            Box::pin(async move {
                let due = sqlx::query_scalar("SELECT id FROM call_ins WHERE state = 'scheduled' AND summon_at <= $1 ORDER BY summon_at, id")
                    .bind(now)
                    .fetch_all(&mut *conn)
                    .await?;
                let late = sqlx::query_scalar("SELECT id FROM call_ins WHERE state = 'sent' AND answer_by <= $1 ORDER BY answer_by, id")
                    .bind(now)
                    .fetch_all(&mut *conn)
                    .await?;
                Ok((due, late))
            })
        })
        .await?;
    let mut sent = 0;
    for call_in in due {
        if send_due(work, account, call_in, now).await? {
            sent += 1;
        }
    }
    let mut expired = 0;
    for call_in in late {
        if expire_due(work, account, call_in, now).await? {
            expired += 1;
        }
    }
    Ok((sent, expired))
}
