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
//! - [`retention`]: dead jobs lose their payload after the retention period.

mod job;
pub mod origin;
pub mod probe;
mod queue;
pub mod retention;
mod stats;
mod worker;

pub use job::{Job, JobContext, JobError};
pub use queue::{EnqueueError, JobOptions, JobQueue, Schedule};
pub use stats::{DeadJob, KindStats, QueueStats};
pub use worker::{run_worker, JobRegistry, WorkerError};

/// The Postgres schema holding the queue's tables (graphile_worker's own migrations).
pub const QUEUE_SCHEMA: &str = "graphile_worker";

/// Creates or upgrades the queue's tables (as the owner role) and lets the runtime role
/// use them. The library tolerates concurrent runs only step by step, so instances
/// starting together take turns under an advisory lock.
pub async fn migrate_queue(owner: &sqlx::PgPool) -> Result<(), crate::db::DbError> {
    // Any constant distinct from sqlx's own migration lock id.
    const LOCK_ID: i64 = 0x6d75_7374_6572_6a62; // "musterjb"
    let mut lock_holder = owner.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(LOCK_ID)
        .execute(&mut *lock_holder)
        .await?;
    let mut migrated = graphile_worker::WorkerUtils::new(owner.clone(), QUEUE_SCHEMA)
        .migrate()
        .await
        .map_err(|e| crate::db::DbError::QueueMigration(e.to_string()));
    if migrated.is_ok() {
        migrated = grant_queue_to_runtime_role(&mut lock_holder).await;
    }
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK_ID)
        .execute(&mut *lock_holder)
        .await?;
    migrated
}

/// The queue's own migrations know nothing of Muster's runtime role (`muster_app`,
/// created by Muster's migrations, which run first). Its private tables have row level
/// security switched on with no policy (only their owner may use them); the runtime role
/// enqueues inside business transactions and runs the worker, so it gets a policy that
/// lets it use every queue row. Queue rows belong to no tenant.
async fn grant_queue_to_runtime_role(
    owner: &mut sqlx::PgConnection,
) -> Result<(), crate::db::DbError> {
    for statement in [
        "GRANT USAGE ON SCHEMA graphile_worker TO muster_app",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA graphile_worker TO muster_app",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA graphile_worker TO muster_app",
        "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA graphile_worker TO muster_app",
        "DO $$
         DECLARE queue_table regclass;
         BEGIN
             FOR queue_table IN
                 SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'graphile_worker' AND c.relkind = 'r' AND c.relrowsecurity
                    AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'muster_app_queue')
             LOOP
                 EXECUTE format('CREATE POLICY muster_app_queue ON %s TO muster_app USING (true) WITH CHECK (true)', queue_table);
             END LOOP;
         END $$",
    ] {
        sqlx::query(statement).execute(&mut *owner).await?;
    }
    Ok(())
}
