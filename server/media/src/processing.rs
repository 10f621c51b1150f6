//! Turning a submission's claimed files into what builders see, in the background (the
//! submission's own job calls this). Each file is processed on its own: one that cannot
//! be read is marked failed, with the reason, and its original is kept; the others and
//! the submission carry on. Only trouble reaching the database or the store makes the
//! job run again, and then files already done are not done twice.

use bytes::Bytes;
use muster_domain::forms::media::ImageType;
use muster_platform::{jobs::JobError, tenancy::Scope, Work};
use uuid::Uuid;

use crate::{inspect, keys};

fn retry(error: impl std::fmt::Display) -> JobError {
    JobError::Retry(error.to_string())
}

/// Processes every file of `submission_id` still waiting.
pub async fn process_submission_media(
    work: &Work,
    account: Uuid,
    submission_id: Uuid,
) -> Result<(), JobError> {
    let scope = Scope::account(account);
    let waiting: Vec<(Uuid, String)> = work
        .read_latest(&scope, |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT id, content_type FROM media
                      WHERE submission_id = $1 AND status = 'processing' ORDER BY created_at, id",
                )
                .bind(submission_id)
                .fetch_all(conn)
                .await
            })
        })
        .await
        .map_err(retry)?;
    for (id, content_type) in waiting {
        process_one(work, account, id, &content_type).await?;
    }
    Ok(())
}

async fn process_one(
    work: &Work,
    account: Uuid,
    id: Uuid,
    content_type: &str,
) -> Result<(), JobError> {
    let storage = &work.storage;
    let outcome = match storage.get(&keys::original(account, id)).await {
        Ok(original) => {
            let max_pixels = work.config.media.image_max_pixels;
            let image_type = ImageType::parse(content_type).unwrap_or(ImageType::Jpeg);
            tokio::task::spawn_blocking(move || inspect::process(&original, image_type, max_pixels))
                .await
                .map_err(retry)?
        }
        Err(muster_platform::storage::StorageError::NotFound(_)) => {
            Err("The uploaded file is missing from storage.".to_owned())
        }
        Err(other) => return Err(retry(other)),
    };
    // The files are stored before the transaction opens: no transaction waits on the
    // store.
    match outcome {
        Ok(processed) => {
            storage
                .put(&keys::image(account, id), Bytes::from(processed.image))
                .await
                .map_err(retry)?;
            storage
                .put(
                    &keys::thumbnail(account, id),
                    Bytes::from(processed.thumbnail),
                )
                .await
                .map_err(retry)?;
            let (latitude, longitude) = processed.exif_location.unzip();
            let mut tx = work.write(&Scope::account(account)).await.map_err(retry)?;
            sqlx::query(
                "UPDATE media SET status = 'ready', width = $2, height = $3,
                        exif_latitude = $4, exif_longitude = $5
                  WHERE id = $1",
            )
            .bind(id)
            .bind(i32::try_from(processed.width).ok())
            .bind(i32::try_from(processed.height).ok())
            .bind(latitude)
            .bind(longitude)
            .execute(&mut *tx)
            .await?;
            tx.commit().await.map_err(retry)?;
            // The original carries the camera's metadata (its position among it): it
            // goes once the stripped image is stored.
            storage
                .delete(&keys::original(account, id))
                .await
                .map_err(retry)?;
        }
        Err(failure) => {
            tracing::warn!(%id, %failure, "a submitted file could not be processed");
            let mut tx = work.write(&Scope::account(account)).await.map_err(retry)?;
            sqlx::query("UPDATE media SET status = 'failed', failure = $2 WHERE id = $1")
                .bind(id)
                .bind(failure)
                .execute(&mut *tx)
                .await?;
            tx.commit().await.map_err(retry)?;
        }
    }
    Ok(())
}
