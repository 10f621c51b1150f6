//! `/api/v1/apps/{app}/submissions`: list (by cursor, with the table's filters), get,
//! create and change the status of submissions.

use axum::{
    extract::{Path, Query},
    http::StatusCode,
    Json,
};
use muster_domain::submissions::{query::TableQuery, views};

use super::{
    caller::ApiCaller,
    error::{ApiError, ErrorBody},
    record,
    types::{
        ListParams, NewSubmission, Receipt, StatusChange, Submission, SubmissionList,
        SubmissionWithHistory,
    },
};

/// The most rows one page holds.
const MAX_LIMIT: i64 = 100;

#[utoipa::path(get, path = "/api/v1/apps/{app}/submissions", tag = "submissions",
    params(("app" = String, Path, description = "The app's id"), ListParams),
    responses(
        (status = 200, body = SubmissionList),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ))]
pub async fn list(
    caller: ApiCaller,
    Path(app): Path<String>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SubmissionList>, ApiError> {
    let app = record(&app)?;
    let Query(params) = params.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    let limit = params.limit.unwrap_or(MAX_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!("limit is 1 to {MAX_LIMIT}.")));
    }
    let query = TableQuery::from_pairs(&params.pairs())
        .map_err(|error| ApiError::from(muster_submissions::SubmissionsError::BadQuery(error)))?;
    let (page, _) =
        muster_submissions::table::page(&caller.work, &caller.actor, app, &query, limit).await?;
    Ok(Json(SubmissionList {
        data: page
            .rows
            .into_iter()
            .map(|(summary, answers)| {
                Submission::new(summary, serde_json::to_value(&answers).unwrap_or_default())
            })
            .collect(),
        next_cursor: page.next,
    }))
}

#[utoipa::path(get, path = "/api/v1/apps/{app}/submissions/{submission}", tag = "submissions",
    params(
        ("app" = String, Path, description = "The app's id"),
        ("submission" = String, Path, description = "The submission's id"),
    ),
    responses(
        (status = 200, body = SubmissionWithHistory),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get(
    caller: ApiCaller,
    Path((app, submission)): Path<(String, String)>,
) -> Result<Json<SubmissionWithHistory>, ApiError> {
    let (app, submission) = (record(&app)?, record(&submission)?);
    let detail = muster_submissions::detail(&caller.work, &caller.actor, app, submission).await?;
    Ok(Json(detail.into()))
}

#[utoipa::path(post, path = "/api/v1/apps/{app}/submissions", tag = "submissions",
    params(("app" = String, Path, description = "The app's id")),
    request_body = NewSubmission,
    responses(
        (status = 201, body = Receipt, description = "Stored (or stored before, with the same answers)"),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "This client_id was sent before with other answers"),
        (status = 422, body = ErrorBody, description = "Answers the form refuses, a message per answer"),
    ))]
pub async fn create(
    caller: ApiCaller,
    Path(app): Path<String>,
    body: Result<Json<NewSubmission>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    caller.require_write()?;
    let app = record(&app)?;
    let Json(body) = body.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    let document = serde_json::from_value(body.answers).map_err(|_| {
        ApiError::bad_request("answers are an object: text by question id, rows for repeat groups.")
    })?;
    let new = views::NewSubmission {
        client_id: body.client_id,
        version: body.version,
        finished_at: body.finished_at,
        document,
        activity_id: None,
    };
    let receipt = muster_submissions::submit(&caller.work, &caller.actor, app, &new).await?;
    Ok((
        StatusCode::CREATED,
        Json(Receipt {
            id: receipt.id,
            version: receipt.version,
            received_at: receipt.received_at,
        }),
    ))
}

#[utoipa::path(patch, path = "/api/v1/apps/{app}/submissions/{submission}", tag = "submissions",
    params(
        ("app" = String, Path, description = "The app's id"),
        ("submission" = String, Path, description = "The submission's id"),
    ),
    request_body = StatusChange,
    responses(
        (status = 200, body = SubmissionWithHistory),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn update_status(
    caller: ApiCaller,
    Path((app, submission)): Path<(String, String)>,
    body: Result<Json<StatusChange>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<SubmissionWithHistory>, ApiError> {
    caller.require_write()?;
    let (app, submission) = (record(&app)?, record(&submission)?);
    let Json(change) = body.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    muster_submissions::set_status(
        &caller.work,
        &caller.actor,
        app,
        submission,
        change.status.into(),
    )
    .await?;
    let detail = muster_submissions::detail(&caller.work, &caller.actor, app, submission).await?;
    Ok(Json(detail.into()))
}
