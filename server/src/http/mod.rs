//! The HTTP surface: Leptos pages and server functions, health endpoints, static
//! files, and the middleware every request passes through.

mod admin;
mod client_ip;
pub mod connections;
mod exports;
mod health;
mod media;
mod plain;
mod realtime;
mod request_id;
mod same_origin;
pub mod security_headers;
pub mod sessions;
pub mod static_assets;

use std::{path::Path, sync::Arc, time::Duration};

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
        move || {
            provide_context(platform.clone());
            security_headers::provide_page_nonce();
        }
    };
    let render_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let options = &state.leptos_options;
    let pkg_dir = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    // `cargo leptos watch` sets LEPTOS_WATCH; its pages open the live-reload socket.
    let dev_reload_port = std::env::var_os("LEPTOS_WATCH").map(|_| options.reload_port);
    let security = Arc::new(security_headers::SecurityPolicy::new(
        state.platform.config.accounts.served_over_https(),
        dev_reload_port,
        state.platform.config.map.tile_origin().as_deref(),
    ));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/realtime", get(realtime::upgrade))
        .route(
            "/api/media/{id}",
            axum::routing::post(media::declare).patch(media::append),
        )
        .route("/api/media/{id}/image", get(media::image))
        .route("/api/media/{id}/thumbnail", get(media::thumbnail))
        .route("/api/apps/{app}/export/{format}", get(exports::download))
        .route("/api/exports/{id}/download", get(exports::prepared))
        .merge(crate::api::routes(state.platform.clone()))
        .nest_service(
            &format!("/{}", options.site_pkg_dir),
            static_assets::service(pkg_dir),
        )
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
                        .on_response(request_id::on_response(state.platform.config.log.slow)),
                )
                .layer(CatchPanicLayer::new())
                .layer(CompressionLayer::new())
                .layer(RequestBodyLimitLayer::new(http_config.body_limit_bytes))
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    http_config.request_timeout.max(Duration::from_secs(1)),
                )),
        )
        // Inside the session layer (it reads and updates the session) and inside the
        // client address and request id, which it records.
        .layer(axum::middleware::from_fn_with_state(
            state.platform.clone(),
            muster_context::provide,
        ))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(
            security,
            security_headers::add,
        ))
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
