//! Server functions of builders' submission views. The table's question travels as the
//! page's own address query (`TableQuery`), so the server reads exactly what the
//! address bar says.

use leptos::{prelude::*, server_fn::codec::Json};
use muster_domain::{
    submissions::{
        query::ReviewStatus,
        views::{AnswerEdit, ExportView, SubmissionDetail, SubmissionPins, SubmissionsTable},
    },
    webhooks::{EndpointView, NewEndpoint},
};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::request::{self, record_id, Caller};

/// One page of an app's submissions table; `query` is the page address's query
/// (`from=…&status=…&after=…`).
#[server(prefix = "/api", endpoint = "load_submissions")]
pub async fn load_submissions(app_id: String, query: String) -> Result<SubmissionsTable, AppError> {
    let app = record_id(&app_id)?;
    let query = parse_query(&query)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_submissions::table(&work, &actor, app, &query).await?)
}

/// An app's submissions on its map: the table's filters (`query`), and `bbox` or
/// `near` for the part of the map in view.
#[server(prefix = "/api", endpoint = "load_submission_pins")]
pub async fn load_submission_pins(
    app_id: String,
    query: String,
) -> Result<SubmissionPins, AppError> {
    let app = record_id(&app_id)?;
    let query = parse_query(&query)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_submissions::pins(&work, &actor, app, &query.filter).await?)
}

#[cfg(feature = "ssr")]
fn parse_query(query: &str) -> Result<muster_domain::submissions::query::TableQuery, AppError> {
    muster_domain::submissions::query::TableQuery::parse(query)
        .map_err(|error| AppError::from(muster_submissions::SubmissionsError::BadQuery(error)))
}

#[server(prefix = "/api", endpoint = "load_submission")]
pub async fn load_submission(
    app_id: String,
    submission_id: String,
) -> Result<SubmissionDetail, AppError> {
    let (app, submission) = (record_id(&app_id)?, record_id(&submission_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_submissions::detail(&work, &actor, app, submission).await?)
}

/// Sets a submission's review status (recorded in its history).
#[server(prefix = "/api", endpoint = "set_submission_status", input = Json)]
pub async fn set_submission_status(
    app_id: String,
    submission_id: String,
    status: ReviewStatus,
) -> Result<(), AppError> {
    let (app, submission) = (record_id(&app_id)?, record_id(&submission_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    muster_submissions::set_status(&work, &actor, app, submission, status).await?;
    Ok(())
}

/// Corrects one answer (checked again; the old value is kept in the history).
#[server(prefix = "/api", endpoint = "edit_submission_answer", input = Json)]
pub async fn edit_submission_answer(
    app_id: String,
    submission_id: String,
    edit: AnswerEdit,
) -> Result<(), AppError> {
    let (app, submission) = (record_id(&app_id)?, record_id(&submission_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    muster_submissions::edit_answer(&work, &actor, app, submission, &edit).await?;
    Ok(())
}

/// An app's webhook endpoints with their newest deliveries.
#[server(prefix = "/api", endpoint = "load_webhooks")]
pub async fn load_webhooks(app_id: String) -> Result<Vec<EndpointView>, AppError> {
    let app = record_id(&app_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_submissions::webhooks::list(&work, &actor, app).await?)
}

/// Adds an endpoint (its URL checked: no private addresses unless the operator allows
/// them); the answer holds its signing secret, shown once.
#[server(prefix = "/api", endpoint = "add_webhook", input = Json)]
pub async fn add_webhook(
    app_id: String,
    url: String,
    events: Vec<String>,
) -> Result<NewEndpoint, AppError> {
    let app = record_id(&app_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_submissions::webhooks::add(&work, &actor, app, &url, &events).await?)
}

#[server(prefix = "/api", endpoint = "set_webhook_enabled")]
pub async fn set_webhook_enabled(
    app_id: String,
    endpoint_id: String,
    enabled: bool,
) -> Result<(), AppError> {
    let (app, endpoint) = (record_id(&app_id)?, record_id(&endpoint_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_submissions::webhooks::set_enabled(&work, &actor, app, endpoint, enabled).await?)
}

#[server(prefix = "/api", endpoint = "remove_webhook")]
pub async fn remove_webhook(app_id: String, endpoint_id: String) -> Result<(), AppError> {
    let (app, endpoint) = (record_id(&app_id)?, record_id(&endpoint_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_submissions::webhooks::remove(&work, &actor, app, endpoint).await?)
}

#[server(prefix = "/api", endpoint = "send_test_webhook")]
pub async fn send_test_webhook(app_id: String, endpoint_id: String) -> Result<(), AppError> {
    let (app, endpoint) = (record_id(&app_id)?, record_id(&endpoint_id)?);
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_submissions::webhooks::send_test(&work, &actor, app, endpoint).await?)
}

/// Starts an export of what the table's `query` selects as `format` (`csv`, `xlsx`,
/// `geojson`): `None` when it is small enough to download straight away (from
/// `/api/apps/{app}/export/{format}?{query}`), else the job preparing it.
#[server(prefix = "/api", endpoint = "start_export")]
pub async fn start_export(
    app_id: String,
    format: String,
    query: String,
) -> Result<Option<ExportView>, AppError> {
    use muster_submissions::export::{prepared, ExportFormat};
    let app = record_id(&app_id)?;
    let format = ExportFormat::parse(&format)
        .ok_or_else(|| AppError::Request("Exports are csv, xlsx or geojson.".to_owned()))?;
    let query = parse_query(&query)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(prepared::start(&work, &actor, app, &query, format).await?)
}

/// A prepared export as it stands.
#[server(prefix = "/api", endpoint = "load_export")]
pub async fn load_export(export_id: String) -> Result<ExportView, AppError> {
    let export = record_id(&export_id)?;
    let Caller { work, actor, .. } = request::caller().await?;
    Ok(muster_submissions::export::prepared::status(&work, &actor, export).await?)
}
