//! Builds a ready-to-serve Muster instance: platform connections, migrations, the
//! first replica probe, the listening socket; then serves until told to stop.

use std::{future::Future, net::SocketAddr};

use leptos::prelude::LeptosOptions;
use muster_platform::{
    config::ConfigError,
    db::DbError,
    jobs::{run_worker, JobRegistry},
    telemetry::TelemetryError,
    Platform, PlatformError,
};
use tokio::net::TcpListener;

use crate::http::{self, AppState};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("leptos configuration: {0}")]
    Leptos(#[from] leptos::config::errors::LeptosConfigError),
    #[error("logging: {0}")]
    Telemetry(#[from] TelemetryError),
    #[error(transparent)]
    Platform(#[from] PlatformError),
    #[error("applying database migrations: {0}")]
    Migrations(#[source] DbError),
    #[error("{0}")]
    UnsafeDatabaseRole(#[source] DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(#[source] std::io::Error),
    #[error(transparent)]
    Worker(#[from] muster_platform::jobs::WorkerError),
    #[error("{0}")]
    Usage(String),
}

/// `muster --worker`: runs background jobs only, no web server, for scaling workers
/// apart from web instances. Migrates first when allowed, like the web server.
pub async fn run_worker_only(
    platform: Platform,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartupError> {
    if platform.config.database.run_migrations {
        platform.migrate().await.map_err(StartupError::Migrations)?;
    }
    check_runtime_role(&platform).await?;
    run_worker(platform, job_registry(), shutdown).await?;
    Ok(())
}

/// Every job kind this server runs: the platform's and the features'.
pub fn job_registry() -> JobRegistry {
    Platform::job_registry()
        .register::<muster_accounts::MailLink>()
        .register::<muster_submissions::ProcessSubmission>()
        .register::<muster_platform::webhooks::DeliverWebhook>()
        .register::<muster_submissions::export::prepared::PrepareExport>()
        .register::<muster_submissions::export::prepared::ExpireExport>()
        .register::<muster_media::ExpireUpload>()
        .register::<muster_plans::SendCallIn>()
        .register::<muster_plans::ExpireCallIn>()
}

/// Tenants are isolated by row level security only if the runtime role cannot bypass
/// it: refuse to serve otherwise.
async fn check_runtime_role(platform: &Platform) -> Result<(), StartupError> {
    match platform.db.check_runtime_role().await {
        Ok(()) => Ok(()),
        Err(error @ DbError::UnsafeRole { .. }) => Err(StartupError::UnsafeDatabaseRole(error)),
        // The primary being down is reported by /readyz; it must not keep Muster from
        // starting. The check runs again at the next start.
        Err(error) => {
            tracing::warn!(%error, "could not check the database role's privileges");
            Ok(())
        }
    }
}

/// Most pages' code is a WASM chunk of its own (`muster_app::shell::chunks`), which only
/// a `--split` build produces; without it every page's script fails to load and nothing
/// hydrates. Say so at start-up rather than leave a newcomer with a dead page.
fn warn_if_not_split(options: &LeptosOptions) {
    let pkg = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    // Release builds name it by hash: `__wasm_split_manifest.HASH.json`.
    let has_manifest = std::fs::read_dir(&pkg).is_ok_and(|entries| {
        entries.flatten().any(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("__wasm_split_manifest")
        })
    });
    if pkg.is_dir() && !has_manifest {
        tracing::error!(
            site = %pkg.display(),
            "the site was built without --split: pages will not become interactive; build with `cargo leptos build --split` (or `watch --split`)"
        );
    }
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Connects to the platform, migrates the schema and binds the listening socket.
    /// `leptos_options.site_addr` with port 0 picks a free port (used by tests).
    pub async fn build(
        platform: Platform,
        leptos_options: LeptosOptions,
    ) -> Result<Self, StartupError> {
        if platform.config.database.run_migrations {
            platform.migrate().await.map_err(StartupError::Migrations)?;
        }
        check_runtime_role(&platform).await?;
        warn_if_not_split(&leptos_options);
        http::sessions::spawn_cleanup(platform.clone());
        // Probe once before serving so the first reads already go to healthy replicas.
        platform.db.probe_replicas().await;
        platform
            .db
            .spawn_replica_monitor(platform.config.database.health_interval);

        let addr = leptos_options.site_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        Ok(Self {
            listener,
            state: AppState {
                leptos_options,
                platform,
            },
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.state.leptos_options.site_addr)
    }

    /// Serves until `shutdown` resolves, then stops accepting connections and lets
    /// in-flight requests finish for at most the configured grace period.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        let grace = self.state.platform.config.http.shutdown_grace;
        let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
        let worker = self.state.platform.config.jobs.in_process_worker.then(|| {
            let mut stopping = stopping_rx.clone();
            tokio::spawn(run_worker(
                self.state.platform.clone(),
                job_registry(),
                async move {
                    let _ = stopping.wait_for(|stopping| *stopping).await;
                },
            ))
        });
        let router = http::router(self.state);
        let server = axum::serve(
            http::connections::accept_without_nagle(self.listener),
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stopping_tx.send(true);
        });
        let deadline = async move {
            let _ = stopping_rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        };
        // Requests and jobs drain in parallel, within the same grace period.
        let drained = async move {
            let served = server.await.map_err(StartupError::Serve);
            if let Some(worker) = worker {
                match worker.await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => tracing::error!(%error, "job worker failed"),
                    Err(error) => tracing::error!(%error, "job worker panicked"),
                }
            }
            served
        };
        tokio::select! {
            result = drained => result,
            () = deadline => {
                tracing::warn!(grace_secs = grace.as_secs(), "requests or jobs still running after the shutdown grace period; exiting anyway");
                Ok(())
            }
        }
    }
}
