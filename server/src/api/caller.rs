//! Who calls the REST API: the holder of an API token (`Authorization: Bearer mst_…`),
//! acting in the token's account with the token's scope. Never a browser session: a
//! cookie alone reaches nothing here, so the API needs no cross-site protection.

use axum::{extract::FromRequestParts, http::request::Parts};
use muster_accounts::{api_tokens, Actor};
use muster_app::error::AppError;
use muster_context::RequestContext;
use muster_domain::accounts::views::ApiScope;
use muster_platform::Work;

use super::error::ApiError;

pub struct ApiCaller {
    pub work: Work,
    pub actor: Actor,
    pub scope: ApiScope,
}

impl ApiCaller {
    /// Refuses a read-only token for a call that changes something.
    pub fn require_write(&self) -> Result<(), ApiError> {
        match self.scope {
            ApiScope::ReadWrite => Ok(()),
            ApiScope::Read => Err(ApiError(AppError::Forbidden(
                "This token may only read: ask an admin for a read-write token.".to_owned(),
            ))),
        }
    }
}

/// The token in `Authorization: Bearer …`, if any.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (kind, token) = value.split_once(' ')?;
    kind.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?.to_owned();
        let context = parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .ok_or_else(|| ApiError(muster_app::error::internal("no request context")))?;
        let work = context.work().await?.clone();
        let caller = api_tokens::authenticate(&work, &token).await?;
        let limit = work.config.accounts.rate_limits.api_per_token;
        work.rate_limiter
            .hit("api", &caller.token_id.to_string(), limit)
            .await
            .map_err(|limited| {
                ApiError(AppError::RateLimited {
                    retry_after_secs: limited.retry_after.as_secs().max(1),
                })
            })?;
        Ok(ApiCaller {
            work,
            actor: caller.actor,
            scope: caller.scope,
        })
    }
}
