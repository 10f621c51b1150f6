//! Errors of the REST API: JSON with a stable `code` a program can branch on, and a
//! `message` a person can act on. Built from the one `AppError` mapping every layer's
//! errors already go through, so the API and the pages always agree on the status.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use muster_app::error::AppError;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `{"error": {"code": "not_found", "message": "…"}}`
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// One of: `unauthorized`, `forbidden`, `not_found`, `bad_request`, `invalid`,
    /// `conflict`, `rate_limited`, `too_large`, `unsupported`, `unavailable`, `busy`,
    /// `internal`.
    pub code: &'static str,
    pub message: String,
    /// For `invalid`: a message per field (by the answer's path for submissions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(error: E) -> Self {
        ApiError(error.into())
    }
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError(AppError::Request(message.into()))
    }

    pub fn unauthorized() -> Self {
        ApiError(AppError::SignInRequired)
    }
}

fn code(error: &AppError) -> &'static str {
    match error {
        AppError::Unavailable => "unavailable",
        AppError::NotFound => "not_found",
        AppError::Internal { .. } => "internal",
        AppError::Request(_) => "bad_request",
        AppError::Invalid(_) | AppError::FormProblems(_) => "invalid",
        AppError::SignInRequired => "unauthorized",
        AppError::Forbidden(_) => "forbidden",
        AppError::RateLimited { .. } => "rate_limited",
        AppError::Busy => "busy",
        AppError::Conflict(_) | AppError::ActivityChanged(_) => "conflict",
        AppError::Unsupported(_) => "unsupported",
        AppError::TooLarge(_) => "too_large",
        AppError::Gone(_) => "gone",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        let status =
            StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = match &error {
            AppError::SignInRequired => {
                "Send a valid API token: Authorization: Bearer mst_… (tokens are made by an account's admins)."
                    .to_owned()
            }
            other => other.to_string(),
        };
        let fields = match &error {
            AppError::Invalid(fields) => Some(fields.0.clone()),
            _ => None,
        };
        let retry_after = match &error {
            AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code(&error),
                message,
                fields,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, secs);
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
