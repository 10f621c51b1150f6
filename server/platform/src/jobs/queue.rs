//! The producer side: putting jobs on the queue.

use std::time::Duration;

use chrono::{DateTime, Utc};
use graphile_worker::{JobSpec, WorkerUtils};
use sqlx::{PgConnection, PgPool};

use super::{Job, QUEUE_SCHEMA};

/// When a job becomes due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Schedule {
    #[default]
    Now,
    At(DateTime<Utc>),
    After(Duration),
}

/// How to enqueue one job; the defaults suit most jobs.
#[derive(Debug, Clone, Default)]
pub struct JobOptions {
    pub schedule: Schedule,
    /// At most one pending job per key: enqueueing again with the same key replaces the
    /// pending job's payload and due time (a re-armed timer) instead of adding a second.
    pub key: Option<String>,
    /// Overrides the configured attempt budget for this job.
    pub max_attempts: Option<i16>,
}

#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error("the job payload cannot be stored: {0}")]
    Payload(#[source] serde_json::Error),
    #[error("the job could not be stored: {0}")]
    Database(#[source] graphile_worker::errors::GraphileWorkerError),
    #[error("a delay of {0:?} is out of range")]
    Delay(Duration),
}

/// Handle for enqueueing jobs. Cheap to clone.
#[derive(Clone)]
pub struct JobQueue {
    utils: WorkerUtils,
    default_max_attempts: i16,
}

impl JobQueue {
    pub fn new(primary: PgPool, default_max_attempts: i16) -> Self {
        Self {
            utils: WorkerUtils::new(primary, QUEUE_SCHEMA),
            default_max_attempts,
        }
    }

    /// Enqueues `job` as part of the caller's transaction (pass `&mut *tx`): it becomes
    /// visible to workers when that transaction commits, and never exists if it rolls
    /// back. Returns the job's id.
    pub async fn enqueue<J: Job>(
        &self,
        conn: &mut PgConnection,
        job: &J,
        options: JobOptions,
    ) -> Result<i64, EnqueueError> {
        let (payload, spec) = self.prepare(job, options)?;
        let added = self
            .utils
            .clone()
            .with_executor(conn)
            .add_raw_job(J::KIND, payload, spec)
            .await
            .map_err(EnqueueError::Database)?;
        Ok(*added.id())
    }

    /// Enqueues `job` on its own, for work not tied to a business write.
    pub async fn enqueue_standalone<J: Job>(
        &self,
        job: &J,
        options: JobOptions,
    ) -> Result<i64, EnqueueError> {
        let (payload, spec) = self.prepare(job, options)?;
        let added = self
            .utils
            .add_raw_job(J::KIND, payload, spec)
            .await
            .map_err(EnqueueError::Database)?;
        Ok(*added.id())
    }

    fn prepare<J: Job>(
        &self,
        job: &J,
        options: JobOptions,
    ) -> Result<(serde_json::Value, JobSpec), EnqueueError> {
        let mut payload = serde_json::to_value(job).map_err(EnqueueError::Payload)?;
        if let (Some(origin), serde_json::Value::Object(map)) =
            (super::origin::RequestOrigin::current(), &mut payload)
        {
            map.insert(
                super::origin::KEY.to_owned(),
                serde_json::to_value(origin).map_err(EnqueueError::Payload)?,
            );
        }
        let run_at = match options.schedule {
            Schedule::Now => None,
            Schedule::At(at) => Some(at),
            Schedule::After(delay) => Some(
                Utc::now()
                    + chrono::Duration::from_std(delay).map_err(|_| EnqueueError::Delay(delay))?,
            ),
        };
        let spec = JobSpec {
            run_at,
            max_attempts: Some(options.max_attempts.unwrap_or(self.default_max_attempts)),
            job_key: options.key,
            ..JobSpec::default()
        };
        Ok((payload, spec))
    }
}

impl JobQueue {
    /// Gives a dead (or failing) job a fresh attempt budget and makes it due now.
    /// Returns false when no such job is waiting (unknown id, completed, or running).
    pub async fn retry_now(&self, job_id: i64) -> Result<bool, EnqueueError> {
        let rescheduled = self
            .utils
            .reschedule_jobs(
                &[job_id],
                graphile_worker::worker_utils::types::RescheduleJobOptions {
                    run_at: Some(Utc::now()),
                    priority: None,
                    attempts: Some(0),
                    max_attempts: Some(self.default_max_attempts),
                },
            )
            .await
            .map_err(EnqueueError::Database)?;
        Ok(!rescheduled.is_empty())
    }
}
