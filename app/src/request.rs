//! How a server function learns who is asking: the request context that the server's
//! middleware attached to the request (`muster_context`). Every server function starts
//! here; none reads the session or resolves roles itself.

use muster_accounts::Actor;
use muster_context::RequestContext;
use muster_platform::Work;

use crate::error::{internal, AppError};

/// This request's context.
pub async fn context() -> Result<RequestContext, AppError> {
    leptos_axum::extract::<axum::Extension<RequestContext>>()
        .await
        .map(|axum::Extension(context)| context)
        .map_err(internal)
}

/// A signed-in caller acting in an account: what most server functions need.
pub struct Caller {
    pub context: RequestContext,
    /// Their unit of work: reads include their own last write.
    pub work: Work,
    /// Who they act as, with their role as of now.
    pub actor: Actor,
}

/// The signed-in caller, or the error that tells them to sign in (or that they belong
/// to no account).
pub async fn caller() -> Result<Caller, AppError> {
    let context = context().await?;
    let work = context.work().await?.clone();
    let actor = context.actor().await?;
    Ok(Caller {
        context,
        work,
        actor,
    })
}

/// A record the caller names by id (an app, a project, a member…). Text that is not an
/// id names nothing that exists: the same 404 as an id of another account's record.
pub fn record_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    raw.trim().parse().map_err(|_| AppError::not_found())
}

/// Several named records, as [`record_id`].
pub fn record_ids(raw: &[String]) -> Result<Vec<uuid::Uuid>, AppError> {
    raw.iter().map(|one| record_id(one)).collect()
}
