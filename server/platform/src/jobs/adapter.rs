//! Bridges a [`Job`] to `underway`'s task interface. The payload is stored as plain
//! JSON and decoded here, so a payload that no longer matches its type fails that job
//! permanently (dead-lettered with the decoding error) instead of crashing the worker.

use std::sync::Arc;

use sqlx::{Postgres, Transaction};
use underway::task::{Error as TaskError, Result as TaskResult, RetryPolicy, Task};

use super::{Job, JobError};

pub(super) struct Adapter<J> {
    job: Arc<J>,
}

impl<J> Clone for Adapter<J> {
    fn clone(&self) -> Self {
        Self { job: Arc::clone(&self.job) }
    }
}

impl<J: Job> Adapter<J> {
    pub(super) fn new(job: J) -> Self {
        Self { job: Arc::new(job) }
    }
}

fn millis_i32(d: std::time::Duration) -> i32 {
    i32::try_from(d.as_millis()).unwrap_or(i32::MAX)
}

impl<J: Job> Task for Adapter<J> {
    type Input = serde_json::Value;
    type Output = ();

    async fn execute(&self, mut tx: Transaction<'_, Postgres>, input: Self::Input) -> TaskResult<Self::Output> {
        let payload: J::Payload = serde_json::from_value(input)
            .map_err(|e| TaskError::Fatal(format!("payload does not match {}: {e}", J::QUEUE)))?;
        match self.job.handle(&mut tx, payload).await {
            Ok(()) => {
                tx.commit().await?;
                Ok(())
            }
            Err(JobError::Retry(message)) => Err(TaskError::Retryable(message)),
            Err(JobError::Permanent(message)) => Err(TaskError::Fatal(message)),
        }
    }

    fn retry_policy(&self) -> RetryPolicy {
        let settings = self.job.retry();
        RetryPolicy::builder()
            .max_attempts(i32::try_from(settings.max_attempts.max(1)).unwrap_or(i32::MAX))
            .initial_interval_ms(millis_i32(settings.first_delay))
            .max_interval_ms(millis_i32(settings.max_delay))
            .backoff_coefficient(settings.backoff_factor)
            .build()
    }

    fn timeout(&self) -> jiff::Span {
        let secs = self.job.retry().timeout.as_secs().clamp(1, 86_400);
        jiff::Span::new().seconds(secs as i64)
    }
}
