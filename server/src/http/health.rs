//! Liveness and readiness endpoints for load balancers and orchestrators.

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use muster_platform::{readiness, Platform};

/// The process is up and answering. Checks nothing else on purpose: a database outage
/// must not get healthy processes restarted.
pub async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "alive" }))
}

/// Whether this instance should receive traffic, with the state of every backing
/// service. 503 only when the primary database is unreachable.
pub async fn readyz(State(platform): State<Platform>) -> impl IntoResponse {
    let report = readiness::check(&platform).await;
    let status = if report.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report))
}
