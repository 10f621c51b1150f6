use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use muster_platform::{client_ip::ClientIp, jobs::origin::RequestOrigin, Platform};
use tower_sessions::Session;

use crate::{position, RequestContext};

const REQUEST_ID_HEADER: &str = "x-request-id";

/// Middleware: gives every request its [`RequestContext`] (as an extension), and after
/// the response keeps the position of the caller's writes in their session. Must run
/// inside the session layer, and after the client address and request id are known.
pub async fn provide(
    State(platform): State<Platform>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        tracing::error!("no session layer outside the request context; requests get no context");
        return next.run(request).await;
    };
    let client_ip = request
        .extensions()
        .get::<ClientIp>()
        .copied()
        .unwrap_or(ClientIp(std::net::Ipv4Addr::UNSPECIFIED.into()));
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let requested = position::from_cookie(request.headers());
    let context = RequestContext::new(platform, session, client_ip, request_id, requested);
    request.extensions_mut().insert(context.clone());
    let request_id = context.request_id().to_owned();
    // Jobs enqueued while handling it name this request (and its account).
    let response = RequestOrigin::scope(request_id, next.run(request)).await;
    if let Err(error) = context.keep_position().await {
        // The write is stored; only the next read may come from a replica that lacks
        // it for at most the lag bound.
        tracing::warn!(%error, "could not keep the write position in the session");
    }
    response
}
