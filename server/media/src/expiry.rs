//! Uploads nobody claims: a device that sent a photo and then lost the submission (or
//! never sent it) must not leave the file behind for ever. Each upload enqueues this
//! job, due after `MUSTER_MEDIA_ORPHAN_HOURS`; if no submission has claimed the file
//! by then, the file and its row go.

use muster_platform::{
    jobs::{Job, JobContext, JobError},
    tenancy::Scope,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::keys;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireUpload {
    pub account_id: Uuid,
    pub media_id: Uuid,
}

impl Job for ExpireUpload {
    const KIND: &'static str = "media.expire_upload";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let retry = |error: &dyn std::fmt::Display| JobError::Retry(error.to_string());
        let mut tx = ctx
            .work
            .write(&Scope::account(self.account_id))
            .await
            .map_err(|e| retry(&e))?;
        let unclaimed: Option<Uuid> = sqlx::query_scalar(
            "DELETE FROM media WHERE id = $1 AND submission_id IS NULL RETURNING id",
        )
        .bind(self.media_id)
        .fetch_optional(&mut *tx)
        .await?;
        if unclaimed.is_some() {
            // Files first: if this fails the row stays and the job runs again.
            let storage = &ctx.work.storage;
            storage
                .delete_all(&keys::chunks(self.account_id, self.media_id))
                .await
                .map_err(|e| retry(&e))?;
            storage
                .delete(&keys::original(self.account_id, self.media_id))
                .await
                .map_err(|e| retry(&e))?;
        }
        tx.commit().await.map_err(|e| retry(&e))?;
        Ok(())
    }
}
