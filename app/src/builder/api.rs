//! Server functions of the builder. The form travels as JSON (`input = Json`): it is a
//! tree, not a flat web form.

use leptos::{prelude::*, server_fn::codec::Json};
use muster_domain::forms::{
    edit::Edit,
    replica::EditOutcome,
    schema::{FieldId, Form},
    views::{AppSummary, DraftView, VersionSummary},
};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::request::{self, record_id, Caller};

#[server(prefix = "/api", endpoint = "create_app")]
pub async fn create_app(name: String) -> Result<String, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_apps::create(&work, &actor, &name).await?.to_string())
}

#[server(prefix = "/api", endpoint = "load_apps")]
pub async fn load_apps() -> Result<Vec<AppSummary>, AppError> {
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_apps::list(&work, &actor).await?)
}

#[server(prefix = "/api", endpoint = "load_draft")]
pub async fn load_draft(app_id: String) -> Result<DraftView, AppError> {
    let id = self::record_id(&app_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_apps::draft(&work, &actor, id).await?)
}

/// Saves the draft if it is still at `base_revision`; returns the new revision.
#[server(prefix = "/api", endpoint = "save_draft", input = Json)]
pub async fn save_draft(app_id: String, form: Form, base_revision: i64) -> Result<i64, AppError> {
    let id = self::record_id(&app_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_apps::save_draft(&work, &actor, id, &form, base_revision).await?)
}

/// Applies a builder tab's edits to the draft; co-editors receive what was applied.
#[server(prefix = "/api", endpoint = "edit_draft", input = Json)]
pub async fn edit_draft(
    app_id: String,
    client: String,
    edits: Vec<Edit>,
) -> Result<EditOutcome, AppError> {
    let id = self::record_id(&app_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_apps::edit(&work, &actor, id, &client, &edits).await?)
}

/// Tells co-editors that this tab is in the builder (or leaving) and what it selected.
#[server(prefix = "/api", endpoint = "draft_presence", input = Json)]
pub async fn draft_presence(
    app_id: String,
    client: String,
    selected: Option<FieldId>,
    leaving: bool,
) -> Result<(), AppError> {
    let id = self::record_id(&app_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_apps::presence(&work, &actor, id, &client, selected, leaving).await?)
}

#[server(prefix = "/api", endpoint = "publish_app")]
pub async fn publish_app(app_id: String) -> Result<i32, AppError> {
    let id = self::record_id(&app_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_apps::publish(&work, &actor, id).await?)
}

#[server(prefix = "/api", endpoint = "load_versions")]
pub async fn load_versions(app_id: String) -> Result<Vec<VersionSummary>, AppError> {
    let id = self::record_id(&app_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_apps::versions(&work, &actor, id).await?)
}

#[server(prefix = "/api", endpoint = "load_version")]
pub async fn load_version(app_id: String, version: i32) -> Result<Form, AppError> {
    let id = self::record_id(&app_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_apps::version(&work, &actor, id, version).await?)
}
