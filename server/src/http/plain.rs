//! What plain HTTP handlers (files, exports — not server functions) share: who is
//! asking, from the request context, and errors as the same `AppError` JSON, with its
//! status, that server functions answer with.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use muster_accounts::Actor;
use muster_app::error::AppError;
use muster_context::RequestContext;
use muster_platform::Work;

pub fn error_response(error: AppError) -> Response {
    let status =
        StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(error)).into_response()
}

/// The caller's unit of work and who they act as, or the response that says why not.
pub async fn caller(context: &RequestContext) -> Result<(Work, Actor), Response> {
    let work = context
        .work()
        .await
        .map_err(|e| error_response(e.into()))?
        .clone();
    let actor = context
        .actor()
        .await
        .map_err(|e| error_response(e.into()))?;
    Ok((work, actor))
}
