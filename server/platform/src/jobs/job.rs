//! The handler side of a job: the [`Job`] trait and how a payload is decoded and run.

use std::{fmt, future::Future, marker::PhantomData};

use graphile_worker::{IntoTaskHandlerResult, TaskHandler, WorkerContext};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use tracing::Instrument;

use crate::Work;

use super::QUEUE_SCHEMA;

/// A kind of background work. The value itself is the payload, stored as JSON.
///
/// `run` may be called more than once for the same enqueued job (a retry after a
/// failure, or a re-run after a worker died mid-job): it must be idempotent.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stable name stored with every job of this kind. Renaming it orphans queued jobs.
    const KIND: &'static str;

    fn run(self, ctx: JobContext) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// What a running job knows about itself and the world.
#[derive(Clone)]
pub struct JobContext {
    /// The platform, with the unit of work positioned where the primary was when the
    /// job started: after the commit that enqueued it (the job would not be visible
    /// otherwise), so the job's replica reads see that write and everything before it.
    pub work: Work,
    pub job_id: i64,
    /// 1 on the first attempt.
    pub attempt: i16,
    pub max_attempts: i16,
    pub worker_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth trying again later (a server down, a timeout).
    #[error("{0}")]
    Retry(String),
    /// Will never succeed (bad payload, a recipient that does not exist): the job goes
    /// straight to the dead state with this message instead of using up its retries.
    #[error("{0}")]
    Fatal(String),
}

impl From<sqlx::Error> for JobError {
    /// A lost or refused connection may come back; any other database error will not.
    fn from(error: sqlx::Error) -> Self {
        if crate::db::is_connection_error(&error) {
            JobError::Retry(error.to_string())
        } else {
            JobError::Fatal(error.to_string())
        }
    }
}

/// The stored form of a job of kind `J`: the raw JSON, decoded only when it runs, so a
/// payload that no longer matches `J` (after a code change) is reported as a dead job
/// instead of failing inside the queue library.
#[derive(Serialize, Deserialize)]
#[serde(transparent, bound = "")]
pub(super) struct Envelope<J> {
    payload: serde_json::Value,
    #[serde(skip)]
    kind: PhantomData<fn() -> J>,
}

impl<J: Job> TaskHandler for Envelope<J> {
    const IDENTIFIER: &'static str = J::KIND;

    async fn run(self, ctx: WorkerContext) -> impl IntoTaskHandlerResult {
        execute::<J>(self.payload, ctx).await
    }
}

/// The error text stored in the job row (the queue library stores `Debug` output).
pub(super) struct Failure(String);

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Runs one attempt in a span naming the job (kind, id, attempt); an attempt taking
/// longer than `MUSTER_SLOW_MS` is logged as a warning.
async fn execute<J: Job>(
    mut payload: serde_json::Value,
    ctx: WorkerContext,
) -> Result<(), Failure> {
    let job = ctx.job();
    // The request the job came from (absent for jobs enqueued outside a request).
    let origin: super::origin::RequestOrigin = payload
        .as_object_mut()
        .and_then(|map| map.remove(super::origin::KEY))
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default();
    let account = origin.account.map(|a| a.to_string()).unwrap_or_default();
    let span = tracing::info_span!(
        "job",
        kind = J::KIND,
        job_id = *job.id(),
        attempt = *job.attempts(),
        request_id = %origin.request_id,
        account = %account,
    );
    let started = std::time::Instant::now();
    let slow = ctx
        .get_ext::<super::worker::PlatformHandle>()
        .map(|handle| handle.0.config.log.slow);
    let outcome = execute_attempt::<J>(payload, &ctx)
        .instrument(span.clone())
        .await;
    let took = started.elapsed();
    let took_ms = took.as_secs_f64() * 1e3;
    span.in_scope(|| {
        if slow.is_some_and(|slow| took >= slow) {
            tracing::warn!(took_ms, "slow job");
        } else {
            tracing::debug!(took_ms, ok = outcome.is_ok(), "job attempt done");
        }
    });
    outcome
}

async fn execute_attempt<J: Job>(
    payload: serde_json::Value,
    ctx: &WorkerContext,
) -> Result<(), Failure> {
    let job = ctx.job();
    let (job_id, attempt, max_attempts) = (*job.id(), *job.attempts(), *job.max_attempts());
    let Some(super::worker::PlatformHandle(platform)) =
        ctx.get_ext::<super::worker::PlatformHandle>().cloned()
    else {
        return Err(Failure(
            "worker started without the platform handles".into(),
        ));
    };
    let outcome = match serde_json::from_value::<J>(payload) {
        Ok(job) => match Work::up_to_date(platform).await {
            Ok(work) => {
                let context = JobContext {
                    work,
                    job_id,
                    attempt,
                    max_attempts,
                    worker_id: ctx.worker_id().to_owned(),
                };
                job.run(context).await
            }
            Err(error) => Err(JobError::Retry(format!(
                "the primary's position could not be read: {error}"
            ))),
        },
        Err(error) => Err(JobError::Fatal(format!(
            "the payload is not a valid `{}` job: {error}",
            J::KIND
        ))),
    };
    match outcome {
        Ok(()) => Ok(()),
        Err(JobError::Retry(message)) => {
            tracing::warn!(job_id, kind = J::KIND, attempt, max_attempts, %message, "job failed; will retry unless out of attempts");
            Err(Failure(message))
        }
        Err(JobError::Fatal(message)) => {
            tracing::error!(job_id, kind = J::KIND, attempt, %message, "job failed for good");
            // Spending the attempt budget is how the queue knows not to retry: the
            // failure recorded next is then final, and the job is dead with its message.
            if let Err(error) =
                spend_remaining_attempts(ctx.pg_pool(), job_id, ctx.worker_id()).await
            {
                tracing::error!(job_id, %error, "could not mark the job dead; it will be retried");
            }
            Err(Failure(message))
        }
    }
}

async fn spend_remaining_attempts(
    pool: &sqlx::PgPool,
    job_id: i64,
    worker_id: &str,
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "UPDATE {QUEUE_SCHEMA}._private_jobs SET max_attempts = attempts \
         WHERE id = $1 AND locked_by = $2"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(job_id)
        .bind(worker_id)
        .execute(pool)
        .await?;
    Ok(())
}
