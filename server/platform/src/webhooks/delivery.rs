//! Sending one delivery: the job, its outcome in the log, the next retry, and
//! switching an endpoint off after too many failures in a row.

use std::time::{Duration, Instant};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use super::{address, signature};
use crate::{
    jobs::{Job, JobContext, JobError, JobOptions, Schedule},
    notices::{self, Notice, NoticeError},
    tenancy::Scope,
    Work,
};

/// What is kept of a receiver's answer: enough to show what went wrong.
const RESPONSE_CAP: usize = 64 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliverWebhook {
    pub delivery_id: Uuid,
    pub account_id: Uuid,
}

/// How one attempt went.
struct Outcome {
    code: Option<u16>,
    duration: Duration,
    error: Option<String>,
}

impl Outcome {
    fn succeeded(&self) -> bool {
        self.error.is_none() && self.code.is_some_and(|c| (200..300).contains(&c))
    }
}

async fn send(work: &Work, url: &str, secret: &str, id: &str, body: &[u8]) -> Outcome {
    let started = Instant::now();
    let failed = |error: String| Outcome {
        code: None,
        duration: started.elapsed(),
        error: Some(error),
    };
    let config = &work.config.webhooks;
    let parsed = match address::parse(url) {
        Ok(parsed) => parsed,
        Err(error) => return failed(error.to_string()),
    };
    let addresses = match address::resolve(&parsed, config.allow_private).await {
        Ok(addresses) => addresses,
        Err(error) => return failed(error.to_string()),
    };
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.timeout)
        .resolve_to_addrs(&host, &addresses)
        .user_agent("Muster-Webhooks/1")
        .build()
    {
        Ok(client) => client,
        Err(error) => return failed(error.to_string()),
    };
    let timestamp = Utc::now().timestamp();
    let Some(signed) = signature::sign(secret, id, timestamp, body) else {
        return failed("the endpoint's secret is damaged: make a new endpoint".to_owned());
    };
    let response = client
        .post(parsed)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signed)
        .body(body.to_vec())
        .send()
        .await;
    let mut response = match response {
        Ok(response) => response,
        Err(error) if error.is_timeout() => {
            return failed(format!("no answer within {} s", config.timeout.as_secs()))
        }
        Err(error) => return failed(format!("could not be reached: {error}")),
    };
    let code = response.status().as_u16();
    // The answer is read up to the cap and no further: a receiver cannot make Muster
    // hold more.
    let mut read = 0usize;
    while read < RESPONSE_CAP {
        match response.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            _ => break,
        }
    }
    Outcome {
        code: Some(code),
        duration: started.elapsed(),
        error: (!(200..300).contains(&code)).then(|| format!("answered {code}")),
    }
}

impl Job for DeliverWebhook {
    const KIND: &'static str = "deliver_webhook";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let work = ctx.work;
        let scope = Scope::account(self.account_id);
        type Row = (
            String,
            i32,
            Json<serde_json::Value>,
            String,
            String,
            bool,
            Uuid,
        );
        let found: Option<Row> = work
            .read_latest(&scope, |conn, _| {
                Box::pin(async move {
                    sqlx::query_as(
                        "SELECT d.status, d.attempts, d.payload, e.url, e.secret, e.enabled, e.id
                           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                          WHERE d.id = $1",
                    )
                    .bind(self.delivery_id)
                    .fetch_optional(conn)
                    .await
                })
            })
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        // Its endpoint was deleted with it, or it is done.
        let Some((status, attempts, Json(payload), url, secret, enabled, endpoint)) = found else {
            return Ok(());
        };
        if matches!(status.as_str(), "delivered" | "given_up") {
            return Ok(());
        }
        let is_test = payload["type"] == muster_domain::webhooks::TEST_EVENT;
        if !enabled && !is_test {
            let mut tx = work
                .write(&scope)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'given_up', next_attempt_at = NULL,
                        error = 'The endpoint is switched off.' WHERE id = $1",
            )
            .bind(self.delivery_id)
            .execute(&mut *tx)
            .await?;
            tx.commit()
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            return Ok(());
        }
        let body = serde_json::to_vec(&payload).map_err(|e| JobError::Fatal(e.to_string()))?;
        // Receivers de-duplicate by this id: the same for every attempt.
        let message_id = format!("msg_{}", self.delivery_id.simple());
        let outcome = send(&work, &url, &secret, &message_id, &body).await;
        // The inboxes of people told that the endpoint was switched off.
        let mut told = Vec::new();
        let attempt = attempts + 1;
        let config = work.config.webhooks.clone();
        let mut tx = work
            .write(&scope)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        let duration_ms = outcome.duration.as_millis().min(i32::MAX as u128) as i32;
        let code = outcome.code.map(i32::from);
        if outcome.succeeded() {
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, response_code = $3,
                        duration_ms = $4, error = NULL, next_attempt_at = NULL, delivered_at = now()
                  WHERE id = $1",
            )
            .bind(self.delivery_id)
            .bind(attempt)
            .bind(code)
            .bind(duration_ms)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE id = $1")
                .bind(endpoint)
                .execute(&mut *tx)
                .await?;
        } else {
            let error = outcome.error.unwrap_or_default();
            let retry = (attempt as u32) < config.max_attempts;
            let delay = config.retry_delay(attempt as u32 + 1);
            let next =
                retry.then(|| Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default());
            sqlx::query(
                "UPDATE webhook_deliveries SET status = $2, attempts = $3, response_code = $4, duration_ms = $5,
                        error = $6, next_attempt_at = $7
                  WHERE id = $1",
            )
            .bind(self.delivery_id)
            .bind(if retry { "failed" } else { "given_up" })
            .bind(attempt)
            .bind(code)
            .bind(duration_ms)
            .bind(&error)
            .bind(next)
            .execute(&mut *tx)
            .await?;
            let failures: i32 = sqlx::query_scalar(
                "UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1
                  WHERE id = $1 RETURNING consecutive_failures",
            )
            .bind(endpoint)
            .fetch_one(&mut *tx)
            .await?;
            if failures as u32 >= config.disable_after && enabled && !is_test {
                let reason = format!(
                    "Switched off by Muster on {} after {failures} failed deliveries in a row (the last: {error}). Fix the receiver, send a test event, then switch it on again.",
                    Utc::now().format("%Y-%m-%d %H:%M UTC")
                );
                tracing::warn!(%endpoint, failures, "webhook endpoint switched off");
                // Only the delivery that crosses the line switches it off and says why
                // (others failing at the same time find it off already).
                let switched_off: Option<(String, Uuid, String)> = sqlx::query_as(
                    "UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2 WHERE id = $1 AND enabled
                     RETURNING owner_kind, owner_id, url",
                )
                .bind(endpoint)
                .bind(&reason)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((owner_kind, owner_id, url)) = switched_off {
                    let notice = SwitchedOff {
                        endpoint,
                        owner_kind,
                        owner_id,
                        url,
                        reason,
                    };
                    told = notice
                        .tell(&work, &mut tx, self.account_id)
                        .await
                        .map_err(|e| JobError::Retry(e.to_string()))?;
                }
            }
            if retry {
                work.jobs
                    .enqueue(
                        &mut tx,
                        &self,
                        JobOptions {
                            schedule: Schedule::After(delay),
                            key: Some(format!("webhook:{}", self.delivery_id)),
                            ..JobOptions::default()
                        },
                    )
                    .await
                    .map_err(|e| JobError::Retry(e.to_string()))?;
            }
        }
        let position = tx
            .commit()
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        for user in told {
            notices::poke(&work, user, position).await;
        }
        Ok(())
    }
}

/// An endpoint Muster has just switched off: the people to tell, and what.
struct SwitchedOff {
    endpoint: Uuid,
    owner_kind: String,
    owner_id: Uuid,
    url: String,
    reason: String,
}

impl SwitchedOff {
    /// Leaves the notice (in the app and by mail) for whoever added the endpoint, or the
    /// account's owners when that person has left: someone must learn that events no
    /// longer go out. Returns the inboxes to poke after commit.
    async fn tell(
        self,
        work: &Work,
        tx: &mut sqlx::PgConnection,
        account: Uuid,
    ) -> Result<Vec<Uuid>, NoticeError> {
        let mut people: Vec<Uuid> = sqlx::query_scalar(
            "SELECT m.user_id FROM webhook_endpoints e
               JOIN memberships m ON m.user_id = e.created_by AND m.account_id = e.account_id
              WHERE e.id = $1",
        )
        .bind(self.endpoint)
        .fetch_all(&mut *tx)
        .await?;
        if people.is_empty() {
            people = sqlx::query_scalar("SELECT user_id FROM memberships WHERE role = 'owner'")
                .fetch_all(&mut *tx)
                .await?;
        }
        // Where builders manage the endpoint (an app's today).
        let link = match self.owner_kind.as_str() {
            "app" => format!("/apps/{}/webhooks", self.owner_id),
            _ => "/".to_owned(),
        };
        let mut told = Vec::with_capacity(people.len());
        for user in people {
            let notice = Notice {
                user,
                kind: "webhook_disabled",
                title: format!("Webhook switched off: {}", self.url),
                body: self.reason.clone(),
                link: link.clone(),
            };
            told.push(notices::notify(work, tx, account, notice).await?);
        }
        Ok(told)
    }
}
