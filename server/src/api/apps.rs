//! `/api/v1/apps`: the account's apps and their published versions.

use axum::{extract::Path, Json};

use super::{
    caller::ApiCaller,
    error::{ApiError, ErrorBody},
    record,
    types::{App, AppList, Version, VersionForm, VersionList},
};

#[utoipa::path(get, path = "/api/v1/apps", tag = "apps",
    responses(
        (status = 200, body = AppList),
        (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ))]
pub async fn list(caller: ApiCaller) -> Result<Json<AppList>, ApiError> {
    let apps = muster_apps::list(&caller.work, &caller.actor).await?;
    Ok(Json(AppList {
        data: apps
            .into_iter()
            .map(|a| App {
                id: a.id,
                name: a.name,
                latest_version: a.latest_version,
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/apps/{app}", tag = "apps",
    params(("app" = String, Path, description = "The app's id")),
    responses(
        (status = 200, body = App),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get(caller: ApiCaller, Path(app): Path<String>) -> Result<Json<App>, ApiError> {
    let id = record(&app)?;
    let apps = muster_apps::list(&caller.work, &caller.actor).await?;
    let found = apps
        .into_iter()
        .find(|a| a.id == id.to_string())
        .ok_or(ApiError(muster_app::error::AppError::NotFound))?;
    Ok(Json(App {
        id: found.id,
        name: found.name,
        latest_version: found.latest_version,
    }))
}

#[utoipa::path(get, path = "/api/v1/apps/{app}/versions", tag = "apps",
    params(("app" = String, Path, description = "The app's id")),
    responses(
        (status = 200, body = VersionList),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn versions(
    caller: ApiCaller,
    Path(app): Path<String>,
) -> Result<Json<VersionList>, ApiError> {
    let app = record(&app)?;
    let versions = muster_apps::versions(&caller.work, &caller.actor, app).await?;
    Ok(Json(VersionList {
        data: versions
            .into_iter()
            .map(|v| Version {
                version: v.version,
                published_at: v.published_at,
                published_by: v.published_by,
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/apps/{app}/versions/{version}", tag = "apps",
    params(
        ("app" = String, Path, description = "The app's id"),
        ("version" = i32, Path, description = "The version number"),
    ),
    responses(
        (status = 200, body = VersionForm),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn version(
    caller: ApiCaller,
    Path((app, version)): Path<(String, String)>,
) -> Result<Json<VersionForm>, ApiError> {
    let app = record(&app)?;
    let version: i32 = version
        .parse()
        .map_err(|_| ApiError::bad_request("The version is a number: 1, 2, …"))?;
    let form = muster_apps::version(&caller.work, &caller.actor, app, version).await?;
    Ok(Json(VersionForm {
        version,
        form: serde_json::to_value(&form).unwrap_or_default(),
    }))
}
