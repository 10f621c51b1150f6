//! Server-only infrastructure for Muster.
//!
//! Everything here talks to the outside world (environment, Postgres, Redis, logs) and
//! none of it is compiled into the browser bundle. Features reach it through
//! [`Platform`], which the HTTP server builds once at start-up and hands to every
//! request and server function.

pub mod cache;
pub mod client_ip;
pub mod config;
pub mod db;
pub mod jobs;
pub mod mail;
pub mod notices;
pub mod passwords;
pub mod rate_limit;
pub mod readiness;
pub mod realtime;
pub mod redis_store;
pub mod sessions;
pub mod storage;
pub mod telemetry;
pub mod tenancy;
pub mod webhooks;
pub mod work;

use std::sync::Arc;

pub use cache::Cache;
pub use config::Config;
pub use db::Database;
pub use jobs::JobQueue;
pub use mail::Mailer;
pub use redis_store::RedisStore;
pub use work::Work;

/// The shared handles one Muster process needs to serve requests. Cheap to clone.
#[derive(Clone)]
pub struct Platform {
    pub config: Arc<Config>,
    pub db: Database,
    pub redis: RedisStore,
    pub cache: Cache,
    pub hub: realtime::Hub,
    pub jobs: JobQueue,
    pub mailer: Arc<Mailer>,
    pub passwords: passwords::Passwords,
    pub rate_limiter: rate_limit::RateLimiter,
    pub sessions: sessions::PgSessionStore,
    /// Uploaded photos and signatures.
    pub storage: storage::Storage,
}

impl Platform {
    /// Opens the database pools and the Redis connection (and starts the realtime relay;
    /// so it must run inside the Tokio runtime) without waiting for either to answer: a replica or Redis that is down at start-up must not stop Muster from
    /// serving (it degrades instead). The primary is checked when migrations run.
    pub fn connect(config: Config) -> Result<Self, PlatformError> {
        let db = Database::connect(&config.database)?;
        let redis = RedisStore::connect(&config.redis)?;
        let cache = Cache::new(
            redis.clone(),
            cache::CacheSettings {
                prefix: format!("{}cache:", config.redis.key_prefix),
                ..Default::default()
            },
        );
        let hub = realtime::Hub::start(
            redis.clone(),
            realtime::HubSettings {
                prefix: format!("{}rt:", config.redis.key_prefix),
                ..Default::default()
            },
        );
        let jobs = JobQueue::new(db.primary().clone(), config.jobs.max_attempts);
        let mailer = Arc::new(Mailer::from_config(&config.mail)?);
        let passwords = passwords::Passwords::new(
            config.accounts.password_hash_concurrency,
            config.accounts.password_hash_wait,
        );
        let rate_limiter =
            rate_limit::RateLimiter::new(redis.clone(), config.redis.key_prefix.clone());
        let sessions = sessions::PgSessionStore::new(db.primary().clone());
        let storage = storage::Storage::open(&config.media.store)?;
        Ok(Self {
            config: Arc::new(config),
            db,
            redis,
            cache,
            hub,
            jobs,
            mailer,
            passwords,
            rate_limiter,
            sessions,
            storage,
        })
    }

    /// Applies the schema migrations, Muster's and the job queue's; safe when several
    /// instances start at once.
    pub async fn migrate(&self) -> Result<(), db::DbError> {
        self.db.migrate().await?;
        jobs::migrate_queue(self.db.migration_pool()).await?;
        self.db.record_schema_position().await
    }

    /// The job kinds the platform itself defines; features add theirs to this list.
    pub fn job_registry() -> jobs::JobRegistry {
        jobs::JobRegistry::new()
            .register::<mail::SendMail>()
            .register::<jobs::probe::Probe>()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Database(#[from] db::DbError),
    #[error(transparent)]
    Redis(#[from] redis_store::RedisError),
    #[error(transparent)]
    Mail(#[from] mail::MailError),
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
}
