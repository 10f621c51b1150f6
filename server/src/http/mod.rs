//! The HTTP surface: Leptos pages and server functions, health endpoints, static
//! files, and the middleware every request passes through.

mod admin;
mod client_ip;
mod health;
mod realtime;
mod request_id;
mod same_origin;
pub mod sessions;

use std::time::Duration;

use axum::{extract::FromRef, routing::get, Router};
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, LeptosRoutes};
use muster_app::{shell, App};
use muster_platform::Platform;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer, compression::CompressionLayer, limit::RequestBodyLimitLayer,
    timeout::TimeoutLayer, trace::TraceLayer,
};

pub use request_id::REQUEST_ID_HEADER;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub platform: Platform,
}

pub fn router(state: AppState) -> Router {
    let http_config = state.platform.config.http.clone();
    let session_layer = sessions::layer(&state.platform);
    let provide_platform = {
        let platform = state.platform.clone();
        move || provide_context(platform.clone())
    };
    let render_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/realtime", get(realtime::upgrade))
        .route("/admin/jobs", get(admin::job_stats))
        .route(
            "/admin/jobs/{id}/retry",
            axum::routing::post(admin::retry_job),
        )
        .leptos_routes_with_context(
            &state,
            generate_route_list(App),
            provide_platform.clone(),
            render_shell,
        )
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            provide_platform,
            shell,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_id::make_span)
                        .on_response(request_id::on_response),
                )
                .layer(CatchPanicLayer::new())
                .layer(CompressionLayer::new())
                .layer(RequestBodyLimitLayer::new(http_config.body_limit_bytes))
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    http_config.request_timeout.max(Duration::from_secs(1)),
                )),
        )
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(
            state.platform.clone(),
            client_ip::resolve,
        ))
        .layer(axum::middleware::from_fn(same_origin::require_same_origin))
        // Added last, so it runs first: every request has its id before the trace span
        // opens, and all of its log lines carry it.
        .layer(axum::middleware::from_fn(request_id::assign))
        .with_state(state)
}
