//! The operators' API under `/admin`: the job queue's state, and retrying dead jobs.
//! Guarded by a bearer token (`MUSTER_ADMIN_TOKEN`) until accounts bring an admin role;
//! switched off when no token is configured.

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use muster_platform::{jobs::QueueStats, Platform};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

pub async fn job_stats(State(platform): State<Platform>, headers: HeaderMap) -> Response {
    if let Some(refusal) = refusal(&platform, &headers) {
        return refusal;
    }
    match QueueStats::load(platform.db.primary()).await {
        Ok(stats) => Json(serde_json::json!({
            "kinds": stats.kinds,
            "dead": stats.dead,
            "retrying": stats.retrying,
            "mailer": platform.mailer.kind(),
            "in_process_worker": platform.config.jobs.in_process_worker,
        }))
        .into_response(),
        Err(error) => {
            tracing::error!(%error, "reading the job queue");
            message(
                StatusCode::SERVICE_UNAVAILABLE,
                "The job queue cannot be read right now; is the database up?",
            )
        }
    }
}

pub async fn retry_job(
    State(platform): State<Platform>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    if let Some(refusal) = refusal(&platform, &headers) {
        return refusal;
    }
    match platform.jobs.retry_now(id).await {
        Ok(true) => message(StatusCode::OK, "The job will run again now."),
        Ok(false) => message(
            StatusCode::NOT_FOUND,
            "No waiting job has this id: it may have completed, be running right now, or never have existed.",
        ),
        Err(error) => {
            tracing::error!(%error, job_id = id, "retrying a job");
            message(StatusCode::SERVICE_UNAVAILABLE, "The job could not be rescheduled; is the database up?")
        }
    }
}

/// The answer to give instead of serving the request, if the caller is not an admin.
fn refusal(platform: &Platform, headers: &HeaderMap) -> Option<Response> {
    let Some(expected) = &platform.config.http.admin_token else {
        return Some(message(
            StatusCode::NOT_FOUND,
            "The admin API is switched off: set MUSTER_ADMIN_TOKEN to use it.",
        ));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if bool::from(
        presented
            .as_bytes()
            .ct_eq(expected.expose_secret().as_bytes()),
    ) {
        None
    } else {
        let mut response = message(
            StatusCode::UNAUTHORIZED,
            "Send the admin token as `Authorization: Bearer <MUSTER_ADMIN_TOKEN>`.",
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        Some(response)
    }
}

fn message(status: StatusCode, text: &'static str) -> Response {
    (status, Json(serde_json::json!({ "message": text }))).into_response()
}
