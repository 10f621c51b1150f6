//! The REST API, `/api/v1`, for outside systems: apps and versions, submissions (list
//! by cursor with the table's filters, get, create, change status). Callers present an
//! API token (see [`caller`]); every answer and error is JSON; the OpenAPI 3.1 document
//! generated from these handlers (utoipa) is served at `/api/openapi.json`.

mod apps;
mod caller;
mod error;
mod position;
mod submissions;
mod types;

use axum::{routing::get, Json, Router};
use muster_platform::Platform;
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};
use uuid::Uuid;

use error::ApiError;

/// Where the API lives. Requests under it are authenticated by token alone (never by
/// the session cookie), so cross-site protection does not apply to them.
pub const PREFIX: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Muster API",
        version = "1",
        description = "Apps, versions and submissions of one Muster account. Authenticate with an API token made by an admin (Account → API tokens): `Authorization: Bearer mst_…`. Errors are JSON: `{\"error\": {\"code\", \"message\"}}`."
    ),
    paths(
        apps::list,
        apps::get,
        apps::versions,
        apps::version,
        submissions::list,
        submissions::get,
        submissions::create,
        submissions::update_status,
    ),
    modifiers(&BearerToken),
    security(("token" = [])),
    tags(
        (name = "apps", description = "Apps and their published versions"),
        (name = "submissions", description = "What was submitted to an app"),
    )
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The id in a path; not one: 404, as an id of another account's record.
fn record(raw: &str) -> Result<Uuid, ApiError> {
    muster_app::request::record_id(raw).map_err(ApiError)
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The API's routes (the server adds its state and the middleware all routes share).
pub fn routes<S: Clone + Send + Sync + 'static>(platform: Platform) -> Router<S> {
    let v1 = Router::new()
        .route("/apps", get(apps::list))
        .route("/apps/{app}", get(apps::get))
        .route("/apps/{app}/versions", get(apps::versions))
        .route("/apps/{app}/versions/{version}", get(apps::version))
        .route(
            "/apps/{app}/submissions",
            get(submissions::list).post(submissions::create),
        )
        .route(
            "/apps/{app}/submissions/{submission}",
            get(submissions::get).patch(submissions::update_status),
        )
        .fallback(|| async { ApiError(muster_app::error::AppError::NotFound) })
        .layer(axum::middleware::from_fn_with_state(
            platform,
            position::per_token,
        ));
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .nest(PREFIX, v1)
}
