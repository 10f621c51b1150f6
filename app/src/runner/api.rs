//! Server functions of the runner. Submissions travel as JSON (`input = Json`): a
//! document is a tree, not a flat web form.

use leptos::{prelude::*, server_fn::codec::Json};
use muster_domain::submissions::views::{NewSubmission, Receipt, RunnableApp, RunnerApp};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::request::{self, record_id, Caller};

/// The apps the signed-in user may fill in.
#[server(prefix = "/api", endpoint = "load_runnable_apps")]
pub async fn load_runnable_apps() -> Result<Vec<RunnableApp>, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_apps::runnable(&work, &actor).await?)
}

/// The latest published version of an app, to fill in.
#[server(prefix = "/api", endpoint = "load_runner_app")]
pub async fn load_runner_app(app_id: String) -> Result<RunnerApp, AppError> {
    let app = record_id(&app_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_apps::latest_published(&work, &actor, app).await?)
}

/// Stores a finished submission once; sending it again returns the same receipt.
#[server(prefix = "/api", endpoint = "submit", input = Json)]
pub async fn submit(app_id: String, submission: NewSubmission) -> Result<Receipt, AppError> {
    let app = record_id(&app_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_submissions::submit(&work, &actor, app, &submission).await?)
}
