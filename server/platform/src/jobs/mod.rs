//! Durable background jobs, stored in Postgres by [`graphile_worker`].
//!
//! - [`JobQueue`] enqueues: inside the caller's transaction (a job exists exactly when
//!   the business row it belongs to commits), now or at a given time.
//! - [`Job`] is what a handler implements; [`JobRegistry`] lists the handlers a worker
//!   runs; [`run_worker`] runs them until shutdown — inside the web server by default,
//!   or alone with `muster --worker`.
//! - Delivery is at least once: a failed attempt is retried with exponential backoff
//!   (e^attempt seconds, kept in the database so it survives restarts) until the job's
//!   attempt budget is spent, after which it stays in the table as *dead* with its last
//!   error. A worker that stops heart-beating (kill -9, lost host) has its jobs re-run by
//!   the other workers. Handlers must therefore be idempotent.
//! - [`QueueStats`] is what the admin endpoint shows: depth, failing and dead jobs.

mod job;
pub mod probe;
mod queue;
mod stats;
mod worker;

pub use job::{Job, JobContext, JobError};
pub use queue::{EnqueueError, JobOptions, JobQueue, Schedule};
pub use stats::{DeadJob, KindStats, QueueStats};
pub use worker::{run_worker, JobRegistry, WorkerError};

/// The Postgres schema holding the queue's tables (graphile_worker's own migrations).
pub const QUEUE_SCHEMA: &str = "graphile_worker";

/// Creates or upgrades the queue's tables. The library tolerates concurrent runs only
/// step by step, so instances starting together take turns under an advisory lock.
pub async fn migrate_queue(primary: &sqlx::PgPool) -> Result<(), crate::db::DbError> {
    // Any constant distinct from sqlx's own migration lock id.
    const LOCK_ID: i64 = 0x6d75_7374_6572_6a62; // "musterjb"
    let mut lock_holder = primary.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(LOCK_ID)
        .execute(&mut *lock_holder)
        .await?;
    let migrated = graphile_worker::WorkerUtils::new(primary.clone(), QUEUE_SCHEMA)
        .migrate()
        .await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK_ID)
        .execute(&mut *lock_holder)
        .await?;
    migrated.map_err(|e| crate::db::DbError::QueueMigration(e.to_string()))
}
