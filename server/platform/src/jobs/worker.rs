//! The consumer side: a worker that runs the registered jobs until shutdown.

use std::{fmt, future::Future, time::Duration};

use futures::FutureExt;
use graphile_worker::{WorkerOptions, WorkerRecoveryConfig};

use crate::{db::Database, Platform};

use super::{job::Envelope, Job, QUEUE_SCHEMA};

/// The job kinds a worker runs. Features add theirs with [`JobRegistry::register`].
#[derive(Clone, Default)]
pub struct JobRegistry {
    definitions: Vec<fn(WorkerOptions) -> WorkerOptions>,
    kinds: Vec<&'static str>,
}

impl JobRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register<J: Job>(mut self) -> Self {
        self.definitions
            .push(|options| options.define_job::<Envelope<J>>());
        self.kinds.push(J::KIND);
        self
    }

    pub fn kinds(&self) -> &[&'static str] {
        &self.kinds
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("invalid database settings for the job worker: {0}")]
    Settings(#[source] crate::db::DbError),
}

/// Handed to handlers through the queue library's extension map (which wants `Debug`).
#[derive(Clone)]
pub(super) struct PlatformHandle(pub(super) Platform);

impl fmt::Debug for PlatformHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlatformHandle")
    }
}

/// Runs the registered jobs until `shutdown` resolves, then lets running jobs finish
/// for at most the configured grace period (unfinished ones are handed back to the
/// queue). If the database is unreachable the worker keeps trying to start instead of
/// giving up: a web server with a worker inside must not go down because of it.
pub async fn run_worker(
    platform: Platform,
    registry: JobRegistry,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WorkerError> {
    let settings = platform.config.jobs.clone();
    let pool = Database::dedicated_primary_pool(
        &platform.config.database,
        settings.concurrency as u32 + 3,
        "muster-worker",
    )
    .map_err(WorkerError::Settings)?;
    let shutdown = shutdown.boxed().shared();
    tokio::spawn(super::retention::keep_applying(
        pool.clone(),
        settings.dead_payload_retention,
        shutdown.clone(),
    ));
    let mut pause = Duration::from_millis(500);
    loop {
        let mut options = WorkerOptions::default()
            .schema(QUEUE_SCHEMA)
            .pg_pool(pool.clone())
            .concurrency(settings.concurrency)
            .poll_interval(settings.poll_interval)
            .worker_recovery(
                WorkerRecoveryConfig::default()
                    .heartbeat_interval(settings.heartbeat_interval)
                    .sweep_threshold(settings.sweep_threshold)
                    .sweep_interval(settings.sweep_threshold / 2)
                    .recovery_delay(Duration::ZERO),
            )
            .listen_os_shutdown_signals(false)
            .shutdown_signal(shutdown.clone())
            .shutdown_grace_period(platform.config.http.shutdown_grace)
            .shutdown_interrupted_job_retry_delay(Duration::ZERO)
            .add_extension(PlatformHandle(platform.clone()));
        for define in &registry.definitions {
            options = define(options);
        }
        let failure = match options.init().await {
            Ok(worker) => {
                tracing::info!(kinds = ?registry.kinds(), concurrency = settings.concurrency, "job worker started");
                pause = Duration::from_millis(500);
                match worker.run().await {
                    Ok(()) => return Ok(()),
                    Err(error) => error.to_string(),
                }
            }
            Err(error) => error.to_string(),
        };
        tracing::error!(error = %failure, retry_in_ms = pause.as_millis() as u64, "job worker stopped; restarting");
        tokio::select! {
            () = shutdown.clone() => return Ok(()),
            () = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 2).min(Duration::from_secs(30));
    }
}
