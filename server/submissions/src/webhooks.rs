//! An app's webhooks: builders point endpoints at the app's submission events (see
//! `muster_domain::webhooks::SUBMISSION_EVENTS`); sending is the platform's webhook
//! service. The events are emitted where submissions are stored and changed, in the
//! same transaction.

use muster_accounts::Actor;
use muster_domain::{
    accounts::{Capability, FieldErrors},
    webhooks::{EndpointView, NewEndpoint, SUBMISSION_EVENTS},
};
use muster_platform::{
    webhooks::{self, Owner, WebhookError},
    Work,
};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{table::layout, SubmissionsError, BUILDERS_ONLY};

fn owner(app: Uuid) -> Owner<'static> {
    Owner {
        kind: "app",
        id: app,
    }
}

fn refused(error: WebhookError) -> SubmissionsError {
    match error {
        WebhookError::Address(reason) => {
            SubmissionsError::Invalid(FieldErrors::single("url", reason.to_string()))
        }
        WebhookError::NotFound => SubmissionsError::NotFound,
        other => SubmissionsError::Webhook(other.to_string()),
    }
}

/// Checks the caller builds `app` (which exists in their account).
async fn builder_of(work: &Work, actor: &Actor, app: Uuid) -> Result<(), SubmissionsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    layout(work, actor, app).await.map(|_| ())
}

pub async fn add(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    url: &str,
    events: &[String],
) -> Result<NewEndpoint, SubmissionsError> {
    builder_of(work, actor, app).await?;
    if events.is_empty()
        || events
            .iter()
            .any(|e| !SUBMISSION_EVENTS.iter().any(|(name, _)| name == e))
    {
        return Err(SubmissionsError::Invalid(FieldErrors::single(
            "events",
            "Choose at least one of the events.",
        )));
    }
    webhooks::create(
        work,
        &actor.scope(),
        actor.account_id,
        actor.user_id,
        owner(app),
        url,
        events,
    )
    .await
    .map_err(refused)
}

pub async fn list(
    work: &Work,
    actor: &Actor,
    app: Uuid,
) -> Result<Vec<EndpointView>, SubmissionsError> {
    builder_of(work, actor, app).await?;
    webhooks::endpoints(work, &actor.scope(), owner(app))
        .await
        .map_err(refused)
}

pub async fn set_enabled(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    endpoint: Uuid,
    enabled: bool,
) -> Result<(), SubmissionsError> {
    builder_of(work, actor, app).await?;
    webhooks::set_enabled(work, &actor.scope(), owner(app), endpoint, enabled)
        .await
        .map_err(refused)
}

pub async fn remove(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    endpoint: Uuid,
) -> Result<(), SubmissionsError> {
    builder_of(work, actor, app).await?;
    webhooks::delete(work, &actor.scope(), owner(app), endpoint)
        .await
        .map_err(refused)
}

pub async fn send_test(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    endpoint: Uuid,
) -> Result<(), SubmissionsError> {
    builder_of(work, actor, app).await?;
    webhooks::send_test(work, &actor.scope(), actor.account_id, owner(app), endpoint)
        .await
        .map_err(refused)
}

/// Tells `app`'s endpoints about `event`, in the transaction that made it happen.
pub(crate) async fn emit(
    conn: &mut PgConnection,
    work: &Work,
    account_id: Uuid,
    app: Uuid,
    event: &str,
    data: Value,
) -> Result<(), SubmissionsError> {
    webhooks::emit(conn, work, account_id, owner(app), event, data)
        .await
        .map_err(refused)
}
