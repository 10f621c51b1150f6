//! Durable background jobs in Postgres, on the `underway` crate (see README "Why these
//! crates" for the comparison with apalis and graphile_worker).
//!
//! A feature defines a [`Job`] (a queue name, a payload type and an idempotent
//! handler), creates its [`JobQueue`] once at start-up, and enqueues with any executor —
//! the pool, or the transaction of the business write, so the job exists exactly when
//! that write commits. Workers deliver each job at least once: retried with exponential
//! backoff, moved to the queue's dead-letter queue after the configured number of
//! attempts, and run again if a worker dies mid-job (its heartbeat stops).

mod adapter;
pub mod stats;

use std::{future::Future, sync::Arc, time::Duration};

use serde::{de::DeserializeOwned, Serialize};
use sqlx::{PgConnection, PgExecutor, PgPool};
use tokio_util::sync::CancellationToken;

use adapter::Adapter;

pub use underway::task::TaskId as JobId;

/// How a failed attempt should be treated.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth retrying later (a service was down, a timeout).
    #[error("{0}")]
    Retry(String),
    /// Retrying cannot help (invalid payload, a permanent refusal): straight to dead.
    #[error("{0}")]
    Permanent(String),
}

#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    #[error("job queue storage: {0}")]
    Queue(#[from] underway::queue::Error),
    #[error("job payload cannot be stored: {0}")]
    Payload(#[from] serde_json::Error),
    #[error("job worker: {0}")]
    Worker(#[from] underway::worker::Error),
}

/// Retry and time limits of one kind of job.
#[derive(Debug, Clone, Copy)]
pub struct RetrySettings {
    /// Attempts before the job is dead (1 = never retried).
    pub max_attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
    pub backoff_factor: f64,
    /// An attempt running longer than this fails (and may be retried).
    pub timeout: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(15 * 60),
            backoff_factor: 2.0,
            timeout: Duration::from_secs(5 * 60),
        }
    }
}

/// One kind of background job.
///
/// Delivery is at least once, so `handle` must be idempotent: a second delivery of
/// the same payload must have no further effect. Database writes made through the
/// given connection commit together with the job's completion, which makes purely
/// database-side effects exactly-once.
pub trait Job: Send + Sync + 'static {
    /// The queue's name, unique per job kind.
    const QUEUE: &'static str;
    type Payload: Serialize + DeserializeOwned + Send + Sync + 'static;

    fn retry(&self) -> RetrySettings {
        RetrySettings::default()
    }

    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        payload: Self::Payload,
    ) -> impl Future<Output = Result<(), JobError>> + Send + 'a;
}

/// The queue of one job kind: enqueue from anywhere, run workers where configured.
pub struct JobQueue<J: Job> {
    queue: Arc<underway::Queue<Adapter<J>>>,
    adapter: Adapter<J>,
}

impl<J: Job> Clone for JobQueue<J> {
    fn clone(&self) -> Self {
        Self { queue: Arc::clone(&self.queue), adapter: self.adapter.clone() }
    }
}

/// Name of the dead-letter queue of `queue`.
pub fn dead_letter_queue(queue: &str) -> String {
    format!("{queue}.dead")
}

impl<J: Job> JobQueue<J> {
    /// Registers the queue (idempotent) on the primary.
    pub async fn new(pool: PgPool, job: J) -> Result<Self, JobsError> {
        let queue = underway::Queue::builder()
            .name(J::QUEUE)
            .dead_letter_queue(dead_letter_queue(J::QUEUE))
            .pool(pool)
            .build()
            .await?;
        Ok(Self { queue: Arc::new(queue), adapter: Adapter::new(job) })
    }

    /// Enqueues for as soon as a worker is free. Pass the transaction of the business
    /// write to make the job part of it.
    pub async fn enqueue<'e, E: PgExecutor<'e>>(&self, executor: E, payload: &J::Payload) -> Result<JobId, JobsError> {
        let input = serde_json::to_value(payload)?;
        Ok(self.queue.enqueue(executor, &self.adapter, &input).await?)
    }

    /// Enqueues to run no earlier than `delay` from now (call-ins, SLA timers).
    pub async fn enqueue_after<'e, E: PgExecutor<'e>>(
        &self,
        executor: E,
        payload: &J::Payload,
        delay: Duration,
    ) -> Result<JobId, JobsError> {
        let input = serde_json::to_value(payload)?;
        let span = jiff::SignedDuration::try_from(delay)
            .ok()
            .and_then(|d| jiff::Span::try_from(d).ok())
            .unwrap_or_else(|| jiff::Span::new().days(3650));
        Ok(self.queue.enqueue_after(executor, &self.adapter, &input, span).await?)
    }

    /// Runs one worker for this queue until `stop` is cancelled, polling at least every
    /// `poll` (notifications wake it sooner). Restarts after failures (database down)
    /// with a growing pause instead of giving up.
    pub async fn run_worker(&self, concurrency: usize, poll: Duration, stop: CancellationToken) {
        let mut pause = Duration::from_millis(200);
        while !stop.is_cancelled() {
            let mut worker = underway::Worker::new(Arc::clone(&self.queue), self.adapter.clone());
            worker.set_concurrency_limit(concurrency.max(1));
            worker.set_shutdown_token(stop.child_token());
            let period = jiff::Span::new().milliseconds(poll.as_millis().clamp(10, 60_000) as i64);
            match worker.run_every(period).await {
                Ok(()) => break,
                Err(error) => {
                    tracing::error!(queue = J::QUEUE, %error, pause_ms = pause.as_millis() as u64, "job worker failed; restarting");
                    tokio::select! {
                        () = stop.cancelled() => break,
                        () = tokio::time::sleep(pause) => {}
                    }
                    pause = (pause * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    /// Processes at most one due job now, in this task. For tests and benchmarks that
    /// drive the queue step by step.
    pub async fn process_next(&self) -> Result<Option<JobId>, JobsError> {
        let worker = underway::Worker::new(Arc::clone(&self.queue), self.adapter.clone());
        Ok(worker.process_next_task().await?)
    }
}

/// Advisory-lock key serialising the queue-table migrations of instances that start
/// together (underway's own migration creates its schema before taking any lock).
const MIGRATION_LOCK: i64 = 0x6d75_7374_6a6f_6273; // "mustjobs"

/// Creates or updates the queue tables (`underway` schema). Part of start-up migrations.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATION_LOCK).execute(&mut *conn).await?;
    let result = underway::run_migrations(&mut *conn).await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)").bind(MIGRATION_LOCK).execute(&mut *conn).await;
    result?;
    unlocked.map(|_| ())
}
