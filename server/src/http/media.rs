//! `/api/media/{id}`: photos and signatures travel here, apart from the submission that
//! names them (see `muster_media`). Plain HTTP rather than server functions, because
//! chunks are raw bytes:
//!
//! - `POST /api/media/{id}` with `{"submission", "content_type", "bytes"}` declares the
//!   file (or finds it again) and answers `{"received", "bytes"}`;
//! - `PATCH /api/media/{id}?offset=N` with a chunk as the body adds it; a chunk that
//!   does not start at `received` gets 409 with the `Upload-Offset` to continue from;
//! - `GET /api/media/{id}/image` and `…/thumbnail` show a processed file to builders.
//!
//! Errors are the same `AppError` JSON server functions answer with.

use axum::{
    body::Bytes,
    extract::{Path, Query},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    Extension, Json,
};
use muster_app::error::AppError;

use super::plain::{caller, error_response};
use muster_context::RequestContext;
use muster_media::{Declaration, MediaError, Variant};
use serde::Deserialize;
use uuid::Uuid;

/// The header naming where an upload stands (as in the tus protocol).
const UPLOAD_OFFSET: &str = "upload-offset";

fn media_error(error: MediaError) -> Response {
    let offset = match &error {
        MediaError::WrongOffset { received } => Some(*received),
        _ => None,
    };
    let mut response = error_response(error.into());
    if let Some(value) = offset.and_then(|o| HeaderValue::from_str(&o.to_string()).ok()) {
        response.headers_mut().insert(UPLOAD_OFFSET, value);
    }
    response
}

fn file_id(raw: &str) -> Result<Uuid, Response> {
    raw.parse()
        .map_err(|_| error_response(AppError::Request("This is not a file id.".to_owned())))
}

pub async fn declare(
    Extension(context): Extension<RequestContext>,
    Path(id): Path<String>,
    body: Result<Json<Declaration>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let result = async {
        let id = file_id(&id)?;
        let Json(declaration) = body.map_err(|rejection| {
            error_response(AppError::Request(format!(
                "The file's description could not be read: {}",
                rejection.body_text()
            )))
        })?;
        let (work, actor) = caller(&context).await?;
        muster_media::declare(&work, &actor, id, &declaration)
            .await
            .map_err(media_error)
    }
    .await;
    result.map_or_else(|refusal| refusal, |progress| Json(progress).into_response())
}

#[derive(Deserialize)]
pub struct ChunkAt {
    offset: u64,
}

pub async fn append(
    Extension(context): Extension<RequestContext>,
    Path(id): Path<String>,
    at: Result<Query<ChunkAt>, axum::extract::rejection::QueryRejection>,
    chunk: Bytes,
) -> Response {
    let result = async {
        let id = file_id(&id)?;
        let Query(at) = at.map_err(|_| {
            error_response(AppError::Request(
                "Say where this chunk starts: ?offset=<bytes before it>.".to_owned(),
            ))
        })?;
        let (work, actor) = caller(&context).await?;
        muster_media::append(&work, &actor, id, at.offset, chunk)
            .await
            .map_err(media_error)
    }
    .await;
    result.map_or_else(|refusal| refusal, |progress| Json(progress).into_response())
}

async fn picture(context: RequestContext, id: String, variant: Variant) -> Response {
    let result = async {
        let id = file_id(&id)?;
        let (work, actor) = caller(&context).await?;
        muster_media::file(&work, &actor, id, variant)
            .await
            .map_err(media_error)
    }
    .await;
    match result {
        Ok((content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type),
                // A processed file never changes; only its account's builders see it.
                (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(response) => response,
    }
}

pub async fn image(
    Extension(context): Extension<RequestContext>,
    Path(id): Path<String>,
) -> Response {
    picture(context, id, Variant::Image).await
}

pub async fn thumbnail(
    Extension(context): Extension<RequestContext>,
    Path(id): Path<String>,
) -> Response {
    picture(context, id, Variant::Thumbnail).await
}
