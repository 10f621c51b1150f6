//! A submission claims the files it names, in the transaction that stores it: all of
//! them or the submission is not stored. Only files the same person uploaded for this
//! very submission (its device-made id), complete and exactly as the answers describe
//! them, can be claimed.

use muster_accounts::Actor;
use muster_domain::forms::media::MediaRef;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::MediaError;

/// For whom a file was uploaded, its state and shape, and who claimed it.
type ClaimRow = (Uuid, Option<Uuid>, String, i64, String, Option<Uuid>);

/// Claims `files` for the stored submission `submission_id` (device-made id
/// `client_id`).
pub async fn claim(
    conn: &mut PgConnection,
    actor: &Actor,
    client_id: Uuid,
    submission_id: Uuid,
    files: &[MediaRef],
) -> Result<(), MediaError> {
    let mut ids = Vec::with_capacity(files.len());
    for (index, file) in files.iter().enumerate() {
        let which = || format!("File {} of this submission", index + 1);
        let id: Uuid = file
            .id
            .parse()
            .map_err(|_| MediaError::Malformed(format!("{} has no valid id.", which())))?;
        let row: Option<ClaimRow> = sqlx::query_as(
            "SELECT submission_client_id, uploaded_by, status, bytes, content_type, submission_id
                   FROM media WHERE id = $1 FOR UPDATE",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((for_submission, uploaded_by, status, bytes, content_type, claimed)) = row else {
            return Err(MediaError::Missing(format!(
                "{} has not arrived; it will be sent again.",
                which()
            )));
        };
        if for_submission != client_id || uploaded_by != Some(actor.user_id) || claimed.is_some() {
            return Err(MediaError::Malformed(format!(
                "{} belongs to another submission.",
                which()
            )));
        }
        if status == "uploading" {
            return Err(MediaError::Missing(format!(
                "{} has not finished uploading; it will be sent again.",
                which()
            )));
        }
        if bytes.unsigned_abs() != file.bytes || content_type != file.image_type.mime() {
            return Err(MediaError::Malformed(format!(
                "{} is not the file the answers describe.",
                which()
            )));
        }
        ids.push(id);
    }
    if !ids.is_empty() {
        sqlx::query(
            "UPDATE media SET submission_id = $2, status = 'processing' WHERE id = ANY($1)",
        )
        .bind(&ids)
        .bind(submission_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
