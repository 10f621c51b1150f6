//! Request ids: taken from the caller's `x-request-id` when it is a sane token (so a
//! load balancer's id follows the request), otherwise generated; echoed in the
//! response and recorded on the request's tracing span.

use std::time::Duration;

use axum::{
    extract::Request,
    http::{HeaderValue, Response},
    middleware::Next,
    response::IntoResponse,
};
use tracing::Span;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the request being handled, available to handlers as an extension.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub async fn assign(mut request: Request, next: Next) -> impl IntoResponse {
    let id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|candidate| is_acceptable(candidate))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let header = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    request
        .headers_mut()
        .insert(REQUEST_ID_HEADER, header.clone());
    request.extensions_mut().insert(RequestId(id));
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID_HEADER, header);
    response
}

/// Ids end up in log lines: accept only short tokens that cannot forge log content.
fn is_acceptable(candidate: &str) -> bool {
    (1..=128).contains(&candidate.len())
        && candidate
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'='))
}

/// The span every request runs in. A server function's name is the last part of its
/// path (`/api/load_apps`); `user` and `account` are filled in by the request context
/// once it knows who is asking (`muster_context`).
pub fn make_span<B>(request: &axum::http::Request<B>) -> Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .map_or("-", |id| id.0.as_str());
    let path = request.uri().path();
    let function = path.strip_prefix("/api/").unwrap_or("");
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %path,
        function = function,
        user = tracing::field::Empty,
        account = tracing::field::Empty,
    )
}

/// Logs each response, as a warning when it took longer than `slow`.
pub fn on_response<B>(slow: Duration) -> impl Fn(&Response<B>, Duration, &Span) + Clone {
    move |response, latency, _span| {
        let status = response.status().as_u16();
        let latency_ms = latency.as_secs_f64() * 1e3;
        if latency >= slow {
            tracing::warn!(
                status,
                latency_ms,
                slow_ms = slow.as_millis() as u64,
                "slow response"
            );
        } else {
            tracing::info!(status, latency_ms, "response");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_acceptable;

    #[test]
    fn accepts_the_usual_id_formats() {
        assert!(is_acceptable("3f2b8c1e-7a4d-4c1e-9d2a-1b2c3d4e5f60"));
        assert!(is_acceptable("Root=1-67891233-abcdef012345678912345678"));
    }

    #[test]
    fn refuses_ids_that_could_forge_log_lines() {
        assert!(!is_acceptable(""));
        assert!(!is_acceptable("abc\ninjected"));
        assert!(!is_acceptable("a b"));
        assert!(!is_acceptable(&"x".repeat(129)));
    }
}
