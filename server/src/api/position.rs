//! Read-your-writes for API tokens. Browsers carry the position of their last write in
//! their session; an integration has no session, so the position of a token's last
//! write is kept in Redis under the token's hash, and its next call (on any instance)
//! reads at least that far. Without Redis the call still works, its reads merely may
//! not include its own latest writes yet.

use std::time::Duration;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use muster_context::RequestContext;
use muster_platform::{db::Lsn, Platform};
use redis::AsyncCommands;
use sha2::{Digest, Sha256};

/// A position older than this no longer matters: every replica has long replayed it.
const KEPT: Duration = Duration::from_secs(600);

fn key(platform: &Platform, request: &Request) -> Option<String> {
    let value = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (_, token) = value.split_once(' ')?;
    let digest = hex::encode(Sha256::digest(token.trim().as_bytes()));
    Some(format!(
        "{}api-seen:{digest}",
        platform.config.redis.key_prefix
    ))
}

pub async fn per_token(State(platform): State<Platform>, request: Request, next: Next) -> Response {
    let (Some(key), Some(context)) = (
        key(&platform, &request),
        request.extensions().get::<RequestContext>().cloned(),
    ) else {
        return next.run(request).await;
    };
    let timeout = platform.redis.timeout();
    let mut redis = platform.redis.connection();
    let kept: Option<String> = tokio::time::timeout(timeout, redis.get(&key))
        .await
        .ok()
        .and_then(Result::ok);
    if let (Some(position), Ok(work)) = (
        kept.and_then(|text| text.parse::<Lsn>().ok()),
        context.work().await,
    ) {
        work.see(position);
    }
    let response = next.run(request).await;
    if let Ok(work) = context.work().await {
        if work.has_advanced() {
            let stored = tokio::time::timeout(
                timeout,
                redis.set_ex::<_, _, ()>(&key, work.seen().to_string(), KEPT.as_secs()),
            )
            .await;
            if !matches!(stored, Ok(Ok(()))) {
                tracing::debug!("could not keep an API token's read position");
            }
        }
    }
    response
}
