//! `platform.probe`: a job that records each of its runs and can hold a worker for a
//! while. Operators use it to check that workers pick jobs up; the crash-recovery test
//! uses it to have a job running when it kills the worker; the benchmark runs it as the
//! no-op job.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Job, JobContext, JobError};

/// Longest a probe may hold a worker.
pub const MAX_HOLD: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Probe {
    /// Runs are recorded in `job_probe_runs` under this token; `None` runs a no-op.
    pub token: Option<Uuid>,
    #[serde(default)]
    pub hold_ms: u64,
}

impl Job for Probe {
    const KIND: &'static str = "platform.probe";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        if let Some(token) = self.token {
            // One row per run, deliberately not idempotent: the point is to see every
            // delivery (a re-run after a crash shows as a second row).
            sqlx::query(
                "INSERT INTO job_probe_runs (token, attempt, worker_id) VALUES ($1, $2, $3)",
            )
            .bind(token)
            .bind(ctx.attempt)
            .bind(&ctx.worker_id)
            .execute(ctx.work.db.primary())
            .await
            .map_err(|e| JobError::Retry(format!("recording the probe run: {e}")))?;
        }
        if self.hold_ms > 0 {
            tokio::time::sleep(Duration::from_millis(self.hold_ms).min(MAX_HOLD)).await;
        }
        Ok(())
    }
}
