//! Outgoing webhooks, one service for every feature that has events (an app's
//! submissions today, workflow steps later). An endpoint belongs to an owner (`app`
//! and its id); [`emit`] records a delivery for each enabled endpoint that takes the
//! event, in the caller's transaction, and enqueues [`DeliverWebhook`]: the job signs
//! and sends it (Standard Webhooks), logs the outcome, retries with growing waits,
//! and switches an endpoint off after too many failures in a row.

pub mod address;
mod delivery;
pub mod signature;

use chrono::{DateTime, Utc};
use muster_domain::webhooks::{DeliveryView, EndpointView, NewEndpoint};
use serde_json::{json, Value};
use sqlx::PgConnection;
use uuid::Uuid;

pub use address::AddressError;
pub use delivery::DeliverWebhook;

use crate::{
    db::DbError,
    jobs::{EnqueueError, JobOptions},
    tenancy::Scope,
    Work,
};

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// A URL webhooks may not go to; the text says why.
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error("no such endpoint")]
    NotFound,
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Enqueue(#[from] EnqueueError),
    #[error("no randomness for a secret: {0}")]
    Secret(String),
}

impl From<sqlx::Error> for WebhookError {
    fn from(error: sqlx::Error) -> Self {
        WebhookError::Database(error.into())
    }
}

/// What an endpoint hears about: an app's events, say.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    pub kind: &'a str,
    pub id: Uuid,
}

/// Adds an endpoint for `owner` after checking that its URL may be sent to.
pub async fn create(
    work: &Work,
    scope: &Scope,
    account_id: Uuid,
    created_by: Uuid,
    owner: Owner<'_>,
    url: &str,
    events: &[String],
) -> Result<NewEndpoint, WebhookError> {
    let parsed = address::parse(url)?;
    address::resolve(&parsed, work.config.webhooks.allow_private).await?;
    let secret = signature::new_secret().map_err(|e| WebhookError::Secret(e.to_string()))?;
    let id = Uuid::new_v4();
    let mut tx = work.write(scope).await?;
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, account_id, owner_kind, owner_id, url, secret, events, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(account_id)
    .bind(owner.kind)
    .bind(owner.id)
    .bind(parsed.as_str())
    .bind(&secret)
    .bind(events)
    .bind(created_by)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(NewEndpoint {
        id: id.to_string(),
        secret,
    })
}

/// `owner`'s endpoints, each with its newest deliveries.
pub async fn endpoints(
    work: &Work,
    scope: &Scope,
    owner: Owner<'_>,
) -> Result<Vec<EndpointView>, WebhookError> {
    type EndpointRow = (
        Uuid,
        String,
        Vec<String>,
        bool,
        Option<String>,
        i32,
        DateTime<Utc>,
    );
    type DeliveryRow = (
        Uuid,
        Uuid,
        String,
        String,
        i32,
        Option<i32>,
        Option<i32>,
        Option<String>,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
    );
    let (kind, id) = (owner.kind.to_owned(), owner.id);
    let (endpoints, deliveries): (Vec<EndpointRow>, Vec<DeliveryRow>) = work
        .read(scope, |conn, _| {
            let kind = kind.clone();
            Box::pin(async move {
                let endpoints: Vec<EndpointRow> = sqlx::query_as(
                    "SELECT id, url, events, enabled, disabled_reason, consecutive_failures, created_at
                       FROM webhook_endpoints WHERE owner_kind = $1 AND owner_id = $2 ORDER BY created_at",
                )
                .bind(&kind)
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
                let ids: Vec<Uuid> = endpoints.iter().map(|e| e.0).collect();
                let deliveries: Vec<DeliveryRow> = sqlx::query_as(
                    "SELECT d.id, d.endpoint_id, d.event, d.status, d.attempts, d.response_code, d.duration_ms, d.error,
                            d.next_attempt_at, d.created_at
                       FROM unnest($1::uuid[]) AS e(id)
                       CROSS JOIN LATERAL (SELECT * FROM webhook_deliveries w WHERE w.endpoint_id = e.id
                                            ORDER BY w.created_at DESC LIMIT 20) d",
                )
                .bind(&ids)
                .fetch_all(conn)
                .await?;
                Ok((endpoints, deliveries))
            })
        })
        .await?;
    Ok(endpoints
        .into_iter()
        .map(
            |(id, url, events, enabled, disabled_reason, consecutive_failures, created_at)| {
                EndpointView {
                    id: id.to_string(),
                    url,
                    events,
                    enabled,
                    disabled_reason,
                    consecutive_failures,
                    created_at,
                    deliveries: deliveries
                        .iter()
                        .filter(|d| d.1 == id)
                        .map(|d| DeliveryView {
                            id: d.0.to_string(),
                            event: d.2.clone(),
                            status: d.3.clone(),
                            attempts: d.4,
                            response_code: d.5,
                            duration_ms: d.6,
                            error: d.7.clone(),
                            next_attempt_at: d.8,
                            created_at: d.9,
                        })
                        .collect(),
                }
            },
        )
        .collect())
}

/// Switches an endpoint of `owner` on (its failure count starts again) or off.
pub async fn set_enabled(
    work: &Work,
    scope: &Scope,
    owner: Owner<'_>,
    endpoint: Uuid,
    enabled: bool,
) -> Result<(), WebhookError> {
    let mut tx = work.write(scope).await?;
    let changed = sqlx::query(
        "UPDATE webhook_endpoints
            SET enabled = $4, consecutive_failures = CASE WHEN $4 THEN 0 ELSE consecutive_failures END,
                disabled_reason = CASE WHEN $4 THEN NULL ELSE 'Switched off by a builder.' END
          WHERE id = $1 AND owner_kind = $2 AND owner_id = $3",
    )
    .bind(endpoint)
    .bind(owner.kind)
    .bind(owner.id)
    .bind(enabled)
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(WebhookError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

pub async fn delete(
    work: &Work,
    scope: &Scope,
    owner: Owner<'_>,
    endpoint: Uuid,
) -> Result<(), WebhookError> {
    let mut tx = work.write(scope).await?;
    let deleted = sqlx::query(
        "DELETE FROM webhook_endpoints WHERE id = $1 AND owner_kind = $2 AND owner_id = $3",
    )
    .bind(endpoint)
    .bind(owner.kind)
    .bind(owner.id)
    .execute(&mut *tx)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(WebhookError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// The body every delivery sends: `{"type", "timestamp", "data"}`.
fn envelope(event: &str, data: Value) -> Value {
    json!({ "type": event, "timestamp": Utc::now(), "data": data })
}

async fn record(
    conn: &mut PgConnection,
    work: &Work,
    account_id: Uuid,
    endpoint: Uuid,
    event: &str,
    body: &Value,
) -> Result<(), WebhookError> {
    let delivery = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, account_id, endpoint_id, event, payload) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(delivery)
    .bind(account_id)
    .bind(endpoint)
    .bind(event)
    .bind(body)
    .execute(&mut *conn)
    .await?;
    work.jobs
        .enqueue(
            conn,
            &DeliverWebhook {
                delivery_id: delivery,
                account_id,
            },
            JobOptions::default(),
        )
        .await?;
    Ok(())
}

/// Records `event` for every enabled endpoint of `owner` that takes it, in the caller's
/// transaction (`conn`, scoped to `account_id`): sent once that commits, never if it
/// rolls back.
pub async fn emit(
    conn: &mut PgConnection,
    work: &Work,
    account_id: Uuid,
    owner: Owner<'_>,
    event: &str,
    data: Value,
) -> Result<(), WebhookError> {
    let endpoints: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM webhook_endpoints WHERE owner_kind = $1 AND owner_id = $2 AND enabled AND $3 = ANY(events)",
    )
    .bind(owner.kind)
    .bind(owner.id)
    .bind(event)
    .fetch_all(&mut *conn)
    .await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let body = envelope(event, data);
    for endpoint in endpoints {
        record(conn, work, account_id, endpoint, event, &body).await?;
    }
    Ok(())
}

/// Sends a test event to one endpoint (enabled or not: a builder checks a receiver
/// before switching it back on).
pub async fn send_test(
    work: &Work,
    scope: &Scope,
    account_id: Uuid,
    owner: Owner<'_>,
    endpoint: Uuid,
) -> Result<(), WebhookError> {
    let mut tx = work.write(scope).await?;
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $1 AND owner_kind = $2 AND owner_id = $3)",
    )
    .bind(endpoint)
    .bind(owner.kind)
    .bind(owner.id)
    .fetch_one(&mut *tx)
    .await?;
    if !exists {
        return Err(WebhookError::NotFound);
    }
    let event = muster_domain::webhooks::TEST_EVENT;
    let body = envelope(event, json!({ "message": "A test event from Muster." }));
    record(&mut tx, work, account_id, endpoint, event, &body).await?;
    tx.commit().await?;
    Ok(())
}
