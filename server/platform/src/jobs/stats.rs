//! Queue depth, failures and dead jobs, for the admin endpoint and metrics.

use serde::Serialize;
use sqlx::PgPool;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, sqlx::FromRow)]
pub struct QueueStats {
    pub queue: String,
    /// Waiting to run (including scheduled for later and awaiting a retry).
    pub pending: i64,
    pub running: i64,
    pub succeeded: i64,
    /// Attempts that failed and were (or will be) retried.
    pub failed_attempts: i64,
    /// Jobs in the queue's dead-letter queue.
    pub dead: i64,
}

/// One row per queue (dead-letter queues are folded into their queue's `dead`).
pub async fn all(pool: &PgPool) -> Result<Vec<QueueStats>, sqlx::Error> {
    sqlx::query_as::<_, QueueStats>(
        "WITH per_queue AS (
             SELECT regexp_replace(q.name, '\\.dead$', '') AS queue,
                    q.name ~ '\\.dead$' AS is_dead,
                    t.state::text AS state
             FROM underway.task_queue q
             LEFT JOIN underway.task t ON t.task_queue_name = q.name
         )
         SELECT p.queue,
                count(*) FILTER (WHERE NOT is_dead AND state = 'pending') AS pending,
                count(*) FILTER (WHERE NOT is_dead AND state = 'in_progress') AS running,
                count(*) FILTER (WHERE NOT is_dead AND state = 'succeeded') AS succeeded,
                coalesce((SELECT count(*) FROM underway.task_attempt a
                          WHERE a.task_queue_name = p.queue AND a.state::text = 'failed'), 0) AS failed_attempts,
                count(*) FILTER (WHERE is_dead AND state IS NOT NULL) AS dead
         FROM per_queue p
         GROUP BY p.queue
         ORDER BY p.queue",
    )
    .fetch_all(pool)
    .await
}
