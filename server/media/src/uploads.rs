//! Resumable uploads. The device declares a file (its id, the submission it belongs to,
//! its type and size), then sends it in chunks, each saying where it starts. A chunk
//! that does not start where the upload stands is refused with the position, so an
//! interrupted upload continues from there, never from zero; a chunk sent twice is
//! harmless. When the last byte arrives the file is checked (is it the image it claims
//! to be?) and kept as the upload's original.

use bytes::{Bytes, BytesMut};
use muster_accounts::Actor;
use muster_domain::{accounts::Capability, forms::media::ImageType};
use muster_platform::{
    jobs::{JobOptions, Schedule},
    Work,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{expiry::ExpireUpload, inspect, keys, MediaError};

pub(crate) const MEMBERS_ONLY: &str = "Only members of this organisation can send files to it.";

/// The largest chunk accepted; the runner sends 256 KiB.
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;

/// What the device says about a file before sending it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    /// The device-made id of the submission that will name this file.
    pub submission: Uuid,
    pub content_type: String,
    pub bytes: u64,
}

/// How far an upload is: the device sends from `received` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub received: u64,
    pub bytes: u64,
}

/// Starts the upload `id` (or finds it, when the device asks again after an
/// interruption) and says how much of it has arrived.
pub async fn declare(
    work: &Work,
    actor: &Actor,
    id: Uuid,
    declaration: &Declaration,
) -> Result<Progress, MediaError> {
    actor.require(Capability::Participate, MEMBERS_ONLY)?;
    let image_type = ImageType::parse(&declaration.content_type).ok_or_else(|| {
        MediaError::Unsupported(
            "Only photos (JPEG, PNG or WebP images) and signatures can be sent.".to_owned(),
        )
    })?;
    let limit = work.config.media.max_bytes;
    if declaration.bytes > limit {
        return Err(MediaError::TooLarge(format!(
            "This file is {} KiB; Muster accepts files of at most {} KiB.",
            declaration.bytes.div_ceil(1024),
            limit / 1024
        )));
    }
    if declaration.bytes == 0 {
        return Err(MediaError::Malformed("This file is empty.".to_owned()));
    }
    let bytes = i64::try_from(declaration.bytes)
        .map_err(|_| MediaError::Malformed("The file's size is out of range.".to_owned()))?;
    let mut tx = work.write(&actor.scope()).await?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO media (account_id, id, submission_client_id, uploaded_by, content_type, bytes)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (account_id, id) DO NOTHING
         RETURNING received",
    )
    .bind(actor.account_id)
    .bind(id)
    .bind(declaration.submission)
    .bind(actor.user_id)
    .bind(image_type.mime())
    .bind(bytes)
    .fetch_optional(&mut *tx)
    .await?;
    let received = match inserted {
        Some(received) => {
            let expiry = ExpireUpload {
                account_id: actor.account_id,
                media_id: id,
            };
            let options = JobOptions {
                schedule: Schedule::After(work.config.media.orphan_after),
                ..JobOptions::default()
            };
            work.jobs
                .enqueue(&mut tx, &expiry, options)
                .await
                .map_err(|error| MediaError::Queue(error.to_string()))?;
            received
        }
        None => {
            let (submission, content_type, stored_bytes, uploaded_by, received): (
                Uuid,
                String,
                i64,
                Option<Uuid>,
                i64,
            ) = sqlx::query_as(
                "SELECT submission_client_id, content_type, bytes, uploaded_by, received
                   FROM media WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let same = submission == declaration.submission
                && content_type == image_type.mime()
                && stored_bytes == bytes
                && uploaded_by == Some(actor.user_id);
            if !same {
                return Err(MediaError::Conflict);
            }
            received
        }
    };
    tx.commit().await?;
    Ok(Progress {
        received: received.unsigned_abs(),
        bytes: declaration.bytes,
    })
}

/// Adds `chunk`, which starts at byte `offset`, to the caller's upload `id`.
pub async fn append(
    work: &Work,
    actor: &Actor,
    id: Uuid,
    offset: u64,
    chunk: Bytes,
) -> Result<Progress, MediaError> {
    actor.require(Capability::Participate, MEMBERS_ONLY)?;
    if chunk.len() > MAX_CHUNK_BYTES {
        return Err(MediaError::TooLarge(format!(
            "Send files in chunks of at most {} KiB.",
            MAX_CHUNK_BYTES / 1024
        )));
    }
    let mut tx = work.write(&actor.scope()).await?;
    // Locked: two copies of the same chunk (a retry racing the original) append once.
    let row: Option<(i64, i64, String, Option<Uuid>, String)> = sqlx::query_as(
        "SELECT bytes, received, status, uploaded_by, content_type FROM media WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((bytes, received, status, uploaded_by, content_type)) = row else {
        return Err(MediaError::NotFound);
    };
    if uploaded_by != Some(actor.user_id) {
        return Err(MediaError::NotFound);
    }
    let (bytes, received) = (bytes.unsigned_abs(), received.unsigned_abs());
    let end = offset + chunk.len() as u64;
    if status != "uploading" || (offset < received && end <= received) {
        // All of it arrived before: the device lost our answer, not its data.
        return Ok(Progress { received, bytes });
    }
    if offset != received {
        return Err(MediaError::WrongOffset { received });
    }
    if end > bytes {
        return Err(MediaError::Malformed(format!(
            "This chunk goes past the {bytes} bytes declared for the file."
        )));
    }
    if chunk.is_empty() {
        return Ok(Progress { received, bytes });
    }
    let storage = &work.storage;
    storage
        .put(&keys::chunk(actor.account_id, id, offset), chunk)
        .await?;
    let status = if end == bytes {
        match finish(work, actor.account_id, id, bytes, &content_type).await {
            Ok(()) => "uploaded",
            Err(refused @ MediaError::Unsupported(_)) => {
                // Nothing of a refused file stays: sending it again starts afresh.
                sqlx::query("DELETE FROM media WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Err(refused);
            }
            Err(other) => return Err(other),
        }
    } else {
        "uploading"
    };
    sqlx::query("UPDATE media SET received = $2, status = $3 WHERE id = $1")
        .bind(id)
        .bind(i64::try_from(end).unwrap_or(i64::MAX))
        .bind(status)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Progress {
        received: end,
        bytes,
    })
}

/// Joins the chunks of a complete upload into its original and checks it. A file that
/// is not what it claims is refused and its chunks removed: the device hears why.
async fn finish(
    work: &Work,
    account: Uuid,
    id: Uuid,
    bytes: u64,
    content_type: &str,
) -> Result<(), MediaError> {
    let storage = &work.storage;
    let prefix = keys::chunks(account, id);
    let mut whole = BytesMut::with_capacity(usize::try_from(bytes).unwrap_or(0));
    for key in storage.list(&prefix).await? {
        whole.extend_from_slice(&storage.get(&key).await?);
    }
    if whole.len() as u64 != bytes {
        return Err(MediaError::Malformed(
            "Parts of this file went missing on the server; send it again.".to_owned(),
        ));
    }
    let image_type = ImageType::parse(content_type)
        .ok_or_else(|| MediaError::Unsupported(content_type.to_owned()))?;
    let max_pixels = work.config.media.image_max_pixels;
    let whole = whole.freeze();
    let checked = {
        let whole = whole.clone();
        tokio::task::spawn_blocking(move || inspect::check_upload(&whole, image_type, max_pixels))
            .await
            .map_err(|error| MediaError::Malformed(error.to_string()))?
    };
    if let Err(message) = checked {
        storage.delete_all(&prefix).await?;
        return Err(MediaError::Unsupported(message));
    }
    storage.put(&keys::original(account, id), whole).await?;
    storage.delete_all(&prefix).await?;
    Ok(())
}
