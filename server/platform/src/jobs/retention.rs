//! What the queue keeps: completed jobs are deleted by the queue itself the moment they
//! finish; dead jobs stay for the operator (`/admin/jobs`) but lose their payload once
//! older than the retention period, so nothing a request put in a job is kept for ever.

use std::{future::Future, time::Duration};

use sqlx::PgPool;

use super::QUEUE_SCHEMA;

/// How often the worker applies the retention period.
const EVERY: Duration = Duration::from_secs(3600);

/// Empties the payload of every dead job last changed more than `older_than` ago.
/// Returns how many were emptied.
pub async fn forget_dead_payloads(pool: &PgPool, older_than: Duration) -> Result<u64, sqlx::Error> {
    let sql = format!(
        "UPDATE {QUEUE_SCHEMA}._private_jobs SET payload = '{{}}'::json
          WHERE attempts >= max_attempts AND locked_at IS NULL
            AND updated_at < now() - make_interval(secs => $1)
            AND payload::text <> '{{}}'"
    );
    let result = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(older_than.as_secs_f64())
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}

/// Applies the retention period now and then hourly, until `shutdown` resolves.
pub(super) async fn keep_applying(
    pool: PgPool,
    older_than: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let apply = async {
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match forget_dead_payloads(&pool, older_than).await {
                Ok(0) => {}
                Ok(emptied) => tracing::info!(emptied, "payloads of old dead jobs removed"),
                Err(error) => tracing::warn!(%error, "could not apply the dead-job retention"),
            }
        }
    };
    tokio::select! {
        () = apply => {}
        () = shutdown => {}
    }
}
