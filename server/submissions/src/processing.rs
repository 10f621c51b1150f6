//! What happens to a submission after it is stored, in the background: enqueued in the
//! same transaction as the submission (it runs if and only if the submission is kept).
//! It processes the submission's photos and signatures, then marks it complete; the
//! workflow's first step will hang off this job too.

use muster_platform::{
    jobs::{Job, JobContext, JobError, JobOptions},
    tenancy::Scope,
    Work,
};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::SubmissionsError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessSubmission {
    pub submission_id: Uuid,
    pub account_id: Uuid,
}

pub(crate) async fn enqueue(
    work: &Work,
    conn: &mut PgConnection,
    job: &ProcessSubmission,
) -> Result<(), SubmissionsError> {
    work.jobs
        .enqueue(conn, job, JobOptions::default())
        .await
        .map_err(|error| SubmissionsError::Queue(error.to_string()))?;
    Ok(())
}

impl Job for ProcessSubmission {
    const KIND: &'static str = "submissions.process";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        muster_media::process_submission_media(&ctx.work, self.account_id, self.submission_id)
            .await?;
        let mut tx = ctx
            .work
            .write(&Scope::account(self.account_id))
            .await
            .map_err(|error| JobError::Retry(error.to_string()))?;
        sqlx::query(
            "UPDATE submissions SET status = 'complete' WHERE id = $1 AND status = 'processing'",
        )
        .bind(self.submission_id)
        .execute(&mut *tx)
        .await?;
        tx.commit()
            .await
            .map_err(|error| JobError::Retry(error.to_string()))?;
        Ok(())
    }
}
