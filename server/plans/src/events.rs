//! After a plan changes: its cached copy is dropped and every member with the plan open
//! hears of it (with the write's position, so their refetch reads at least that far).
//! The change is already stored when this runs: a failure here is logged, and members
//! catch up on their next event or reconnect (the hub tells them to resynchronise).

use muster_accounts::Actor;
use muster_domain::plans::views::PlanEvent;
use muster_platform::{cache::CacheKey, db::Lsn, Work};
use uuid::Uuid;

pub fn plan_topic(project: Uuid) -> String {
    format!("plan:{project}")
}

/// The cache tag of everything cached about one plan.
pub(crate) fn cache_tag(project: Uuid) -> String {
    format!("plan:{project}")
}

pub(crate) fn plan_key(project: Uuid) -> CacheKey {
    CacheKey::tagged(cache_tag(project), "view")
}

/// Drops the cached plan and tells its members what changed.
pub(crate) async fn changed(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    position: Lsn,
    activity: Option<Uuid>,
) {
    let event = PlanEvent::Changed {
        activity: activity.map(|id| id.to_string()),
        by: actor.name.clone(),
        by_user: actor.user_id.to_string(),
    };
    invalidate_and_publish(work, project, position, &event).await;
}

/// As [`changed`], for changes nobody in particular made (a call-in sent or expired).
pub(crate) async fn changed_by_system(work: &Work, project: Uuid, position: Lsn) {
    let event = PlanEvent::Changed {
        activity: None,
        by: "Muster".to_owned(),
        by_user: String::new(),
    };
    invalidate_and_publish(work, project, position, &event).await;
}

async fn invalidate_and_publish(work: &Work, project: Uuid, position: Lsn, event: &PlanEvent) {
    work.cache
        .invalidate_tag_after(&cache_tag(project), position)
        .await;
    publish(work, project, Some(position), event).await;
}

pub(crate) async fn publish(work: &Work, project: Uuid, position: Option<Lsn>, event: &PlanEvent) {
    let payload = match serde_json::to_value(event) {
        Ok(payload) => payload,
        Err(error) => {
            tracing::error!(%error, "plan event not serialisable");
            return;
        }
    };
    if let Err(error) = work
        .hub
        .publish(&plan_topic(project), payload, position)
        .await
    {
        tracing::warn!(%error, %project, "plan event not delivered to members");
    }
}

/// `client` of `actor` is looking at the plan (editing `editing`), or leaving it.
pub async fn presence(
    work: &Work,
    actor: &Actor,
    project: Uuid,
    client: &str,
    editing: Option<Uuid>,
    leaving: bool,
) -> Result<(), crate::PlansError> {
    crate::access::access(work, actor, project).await?;
    let valid = (1..=64).contains(&client.len())
        && client
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(crate::error::invalid(
            "client",
            "The tab's id must be 1–64 letters, digits, - or _.",
        ));
    }
    publish(
        work,
        project,
        None,
        &PlanEvent::Presence {
            client: client.to_owned(),
            by: actor.name.clone(),
            by_user: actor.user_id.to_string(),
            editing: editing.map(|id| id.to_string()),
            leaving,
        },
    )
    .await;
    Ok(())
}
