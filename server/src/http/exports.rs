//! `GET /api/apps/{app}/export/{csv|xlsx|geojson}?{the table's query}`: the submissions
//! the table shows with that query (all pages), as a file. The body streams as rows are
//! read (see `muster_submissions::export`).
//!
//! `GET /api/exports/{id}/download`: a file a job prepared (a large export), until it
//! expires (410 after).

use axum::{
    body::Body,
    extract::{Path, RawQuery},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    Extension,
};
use muster_app::error::AppError;
use muster_context::RequestContext;
use muster_domain::submissions::query::TableQuery;
use muster_submissions::{export, SubmissionsError};

use super::plain::{caller, error_response};

pub async fn download(
    Extension(context): Extension<RequestContext>,
    Path((app, format)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let result = async {
        let app = app
            .parse()
            .map_err(|_| error_response(AppError::NotFound))?;
        let format = export::ExportFormat::parse(&format).ok_or_else(|| {
            error_response(AppError::Request(
                "Exports are csv, xlsx or geojson.".to_owned(),
            ))
        })?;
        let query = TableQuery::parse(query.as_deref().unwrap_or_default())
            .map_err(|error| error_response(SubmissionsError::BadQuery(error).into()))?;
        let (work, actor) = caller(&context).await?;
        export::prepare(&work, &actor, app, &query.filter, query.order, format)
            .await
            .map_err(|error| error_response(error.into()))
    }
    .await;
    let export = match result {
        Ok(export) => export,
        Err(response) => return response,
    };
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", export.file_name()))
            .unwrap_or(HeaderValue::from_static("attachment"));
    let content_type = HeaderValue::from_static(export.format.content_type());
    let mut chunks = export.start(|_| {});
    let body = futures::stream::poll_fn(move |cx| chunks.poll_recv(cx));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

fn attachment(file_name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"))
}

pub async fn prepared(
    Extension(context): Extension<RequestContext>,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = id.parse().map_err(|_| error_response(AppError::NotFound))?;
        let (work, actor) = caller(&context).await?;
        export::prepared::download(&work, &actor, id)
            .await
            .map_err(|error| error_response(error.into()))
    }
    .await;
    match result {
        Ok((file_name, format, stream)) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(format.content_type()),
                ),
                (header::CONTENT_DISPOSITION, attachment(&file_name)),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            Body::from_stream(stream),
        )
            .into_response(),
        Err(response) => response,
    }
}
