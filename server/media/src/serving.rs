//! Stored files as builders see them: the list for a submission's page, and the bytes
//! of one image or its thumbnail.

use bytes::Bytes;
use muster_accounts::Actor;
use muster_domain::{accounts::Capability, forms::media::ImageType, submissions::views::MediaView};
use muster_platform::Work;
use uuid::Uuid;

use crate::{inspect, keys, MediaError};

const BUILDERS_ONLY: &str = "Only builders, admins and owners can see submitted photos.";

/// Which picture of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Image,
    Thumbnail,
}

type ViewRow = (
    Uuid,
    String,
    Option<i32>,
    Option<i32>,
    Option<f64>,
    Option<f64>,
    Option<String>,
);

/// The files a submission claimed, oldest first.
pub async fn of_submission(
    work: &Work,
    actor: &Actor,
    submission_id: Uuid,
) -> Result<Vec<MediaView>, MediaError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let rows: Vec<ViewRow> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT id, status, width, height, exif_latitude, exif_longitude, failure
                       FROM media WHERE submission_id = $1 ORDER BY created_at, id",
                )
                .bind(submission_id)
                .fetch_all(conn)
                .await
            })
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, status, width, height, latitude, longitude, failure)| MediaView {
                id: id.to_string(),
                status,
                width,
                height,
                exif_location: latitude.zip(longitude),
                failure,
            },
        )
        .collect())
}

/// The content type and bytes of picture `variant` of file `id` (`content_type` in the
/// table stays what was uploaded, so a device sending its declaration again still
/// matches). Until a file is
/// processed there is no picture to show; a file whose processing failed shows its
/// original as uploaded.
pub async fn file(
    work: &Work,
    actor: &Actor,
    id: Uuid,
    variant: Variant,
) -> Result<(String, Bytes), MediaError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let row: Option<(String, String)> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT status, content_type FROM media WHERE id = $1 AND submission_id IS NOT NULL",
                )
                .bind(id)
                .fetch_optional(conn)
                .await
            })
        })
        .await?;
    let (status, content_type) = row.ok_or(MediaError::NotFound)?;
    let uploaded = ImageType::parse(&content_type).ok_or(MediaError::NotFound)?;
    let (key, shown_type) = match (status.as_str(), variant) {
        ("ready", Variant::Image) => (
            keys::image(actor.account_id, id),
            inspect::stored_type(uploaded),
        ),
        ("ready", Variant::Thumbnail) => (
            keys::thumbnail(actor.account_id, id),
            inspect::stored_type(uploaded),
        ),
        ("failed", Variant::Image) => (keys::original(actor.account_id, id), uploaded),
        _ => return Err(MediaError::NotFound),
    };
    let bytes = work.storage.get(&key).await.map_err(|error| match error {
        muster_platform::storage::StorageError::NotFound(_) => MediaError::NotFound,
        other => other.into(),
    })?;
    Ok((shown_type.mime().to_owned(), bytes))
}
