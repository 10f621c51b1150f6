//! Configuration from environment variables (12-factor). Every variable, its default
//! and its meaning is listed in the README; keep the two in step.
//!
//! Connection strings carry passwords, so they are held as [`SecretString`] and the
//! `Debug` output of this module never prints them.

use std::{net::SocketAddr, str::FromStr, time::Duration};

use secrecy::{ExposeSecret, SecretString};

mod accounts;
mod map;
mod webhooks;

pub use accounts::{AccountsConfig, RateLimit, RateLimitsConfig, SessionConfig};
pub use map::MapConfig;
pub use webhooks::WebhookConfig;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not set; {hint}")]
    Missing {
        name: &'static str,
        hint: &'static str,
    },
    #[error("{name} has an invalid value: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub http: HttpConfig,
    pub log: LogConfig,
    pub jobs: JobsConfig,
    pub mail: MailConfig,
    pub accounts: AccountsConfig,
    pub media: MediaConfig,
    pub map: MapConfig,
    pub webhooks: WebhookConfig,
}

#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Run a job worker inside the web server (`muster --worker` runs one without it).
    pub in_process_worker: bool,
    /// Jobs one worker runs at the same time.
    pub concurrency: usize,
    /// Attempts before a failing job is dead (e^n seconds apart: 10 spans about 3 h).
    pub max_attempts: i16,
    /// How often a worker looks for due jobs besides being notified of new ones; bounds
    /// how late a scheduled job starts.
    pub poll_interval: Duration,
    pub heartbeat_interval: Duration,
    /// A worker silent this long is presumed dead and its running jobs are run again.
    pub sweep_threshold: Duration,
    /// Dead jobs older than this lose their payload (their kind, error and times stay
    /// for the operator): what a request put in a job is not kept for ever.
    pub dead_payload_retention: Duration,
}

#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// Where photos and signatures are stored: a directory, or `s3://bucket/prefix`.
    pub store: String,
    /// The largest file accepted, whatever a form allows.
    pub max_bytes: u64,
    /// An upload no submission has claimed after this long is deleted.
    pub orphan_after: Duration,
    /// The runner scales photos down to at most this many pixels on their long side
    /// before they leave the phone.
    pub photo_max_px: u32,
    /// Images with more pixels than this are refused unopened (decompression bombs).
    pub image_max_pixels: u64,
    /// Exports of more submissions than this are prepared by a job (with a progress
    /// bar and a download link) instead of streamed straight away.
    pub export_direct_rows: i64,
    /// How long a prepared export can be downloaded.
    pub export_keep: Duration,
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtps://user:pass@host` or `smtp://host:587?tls=required`; unset: no SMTP.
    pub smtp_url: Option<SecretString>,
    pub smtp_timeout: Duration,
    /// The sender, e.g. `Muster <muster@example.org>`.
    pub from: String,
    /// Store mail for `/dev/mail` instead of sending it (development only: it shows
    /// sign-in links to anyone who can reach the page).
    pub dev_outbox: bool,
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// The runtime role: owns no table and cannot bypass row level security.
    pub primary_url: SecretString,
    /// The owner role, used only to apply migrations (defaults to `primary_url`).
    pub migration_url: SecretString,
    pub replica_urls: Vec<SecretString>,
    pub max_connections: u32,
    pub replica_max_connections: u32,
    /// How long a query waits for a pooled connection before failing.
    pub acquire_timeout: Duration,
    /// A replica further behind the primary than this (in time or in WAL bytes) leaves
    /// the read rotation until it catches up.
    pub replica_max_lag: Duration,
    pub replica_max_lag_bytes: u64,
    /// Longest a replica read waits for a table lock before it runs on the primary
    /// instead. On a hot standby such waits mean WAL replay holds (or is queued for) an
    /// exclusive lock, which it may keep for `max_standby_streaming_delay` (30 s).
    pub replica_lock_timeout: Duration,
    /// How often each replica's state and lag are probed.
    pub health_interval: Duration,
    pub run_migrations: bool,
}

#[derive(Debug, Clone)]
pub struct RedisConfig {
    pub url: SecretString,
    /// Upper bound for any single Redis call; Redis must never hold a request up.
    pub command_timeout: Duration,
    /// Prepended to every key Muster writes, so one Redis can serve several deployments.
    pub key_prefix: String,
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest accepted request body, in bytes.
    pub body_limit_bytes: usize,
    /// After SIGTERM, how long in-flight requests may take before the process exits anyway.
    pub shutdown_grace: Duration,
    pub request_timeout: Duration,
    /// Bearer token for the `/admin/…` API; unset: that API is switched off.
    pub admin_token: Option<SecretString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A `tracing` filter such as `info,muster_server=debug` (from `RUST_LOG`).
    pub filter: String,
    /// A request, websocket message or job taking longer is logged as a warning.
    pub slow: Duration,
}

/// Where configuration values come from. The process environment in production;
/// a map in tests, so that tests never mutate the (shared) process environment.
pub trait Source {
    fn get(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Source for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

impl<S: std::hash::BuildHasher> Source for std::collections::HashMap<String, String, S> {
    fn get(&self, name: &str) -> Option<String> {
        std::collections::HashMap::get(self, name)
            .cloned()
            .filter(|v| !v.trim().is_empty())
    }
}

const SETUP_HINT: &str = "run `scripts/run` to start Muster with its own Postgres and Redis, or see README \"Configuration\"";

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&ProcessEnv)
    }

    pub fn from_source(src: &impl Source) -> Result<Self, ConfigError> {
        let primary_url = required(src, "DATABASE_URL")?;
        check_postgres_url("DATABASE_URL", &primary_url)?;
        let replica_urls = src
            .get("DATABASE_REPLICA_URLS")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|url| {
                        check_postgres_url("DATABASE_REPLICA_URLS", url)?;
                        Ok(SecretString::from(url.to_owned()))
                    })
                    .collect::<Result<Vec<_>, ConfigError>>()
            })
            .transpose()?
            .unwrap_or_default();
        let redis_url = required(src, "REDIS_URL")?;
        if !(redis_url.starts_with("redis://") || redis_url.starts_with("rediss://")) {
            return Err(ConfigError::Invalid {
                name: "REDIS_URL",
                reason: "expected a redis:// or rediss:// URL".into(),
            });
        }

        let migration_url = match src.get("DATABASE_MIGRATION_URL") {
            Some(url) => {
                check_postgres_url("DATABASE_MIGRATION_URL", &url)?;
                url
            }
            None => primary_url.clone(),
        };

        Ok(Self {
            database: DatabaseConfig {
                primary_url: SecretString::from(primary_url),
                migration_url: SecretString::from(migration_url),
                replica_urls,
                max_connections: parsed(src, "DATABASE_MAX_CONNECTIONS", 10)?,
                replica_max_connections: parsed(src, "DATABASE_REPLICA_MAX_CONNECTIONS", 10)?,
                acquire_timeout: Duration::from_millis(parsed(
                    src,
                    "DATABASE_ACQUIRE_TIMEOUT_MS",
                    5_000,
                )?),
                replica_max_lag: Duration::from_millis(parsed(
                    src,
                    "DATABASE_REPLICA_MAX_LAG_MS",
                    5_000,
                )?),
                replica_max_lag_bytes: parsed(
                    src,
                    "DATABASE_REPLICA_MAX_LAG_BYTES",
                    16 * 1024 * 1024,
                )?,
                replica_lock_timeout: Duration::from_millis(parsed(
                    src,
                    "DATABASE_REPLICA_LOCK_TIMEOUT_MS",
                    500,
                )?),
                health_interval: Duration::from_millis(parsed(
                    src,
                    "DATABASE_HEALTH_INTERVAL_MS",
                    1_000,
                )?),
                run_migrations: parsed(src, "MUSTER_RUN_MIGRATIONS", true)?,
            },
            redis: RedisConfig {
                url: SecretString::from(redis_url),
                command_timeout: Duration::from_millis(parsed(src, "REDIS_TIMEOUT_MS", 250)?),
                key_prefix: src
                    .get("REDIS_KEY_PREFIX")
                    .unwrap_or_else(|| "muster:".into()),
            },
            http: HttpConfig {
                body_limit_bytes: parsed(src, "MUSTER_BODY_LIMIT_BYTES", 10 * 1024 * 1024)?,
                shutdown_grace: Duration::from_secs(parsed(src, "MUSTER_SHUTDOWN_GRACE_SECS", 30)?),
                request_timeout: Duration::from_secs(parsed(
                    src,
                    "MUSTER_REQUEST_TIMEOUT_SECS",
                    30,
                )?),
                admin_token: admin_token(src)?,
            },
            log: LogConfig {
                format: match src.get("MUSTER_LOG_FORMAT").as_deref() {
                    None | Some("pretty") | Some("text") => LogFormat::Pretty,
                    Some("json") => LogFormat::Json,
                    Some(other) => {
                        return Err(ConfigError::Invalid {
                            name: "MUSTER_LOG_FORMAT",
                            reason: format!("`{other}` is neither `json` nor `pretty`"),
                        })
                    }
                },
                filter: src.get("RUST_LOG").unwrap_or_else(|| "info".into()),
                slow: Duration::from_millis(parsed(src, "MUSTER_SLOW_MS", 500)?),
            },
            jobs: JobsConfig {
                in_process_worker: parsed(src, "MUSTER_IN_PROCESS_WORKER", Flag(true))?.0,
                concurrency: at_least_one(
                    parsed(src, "MUSTER_JOB_CONCURRENCY", 4)?,
                    "MUSTER_JOB_CONCURRENCY",
                )?,
                max_attempts: at_least_one(
                    parsed(src, "MUSTER_JOB_MAX_ATTEMPTS", 10)?,
                    "MUSTER_JOB_MAX_ATTEMPTS",
                )?,
                poll_interval: Duration::from_millis(parsed(
                    src,
                    "MUSTER_JOB_POLL_INTERVAL_MS",
                    1_000,
                )?),
                heartbeat_interval: Duration::from_millis(parsed(
                    src,
                    "MUSTER_JOB_HEARTBEAT_MS",
                    10_000,
                )?),
                sweep_threshold: Duration::from_millis(parsed(
                    src,
                    "MUSTER_JOB_SWEEP_THRESHOLD_MS",
                    60_000,
                )?),
                dead_payload_retention: Duration::from_secs(
                    3600 * parsed::<u64>(src, "MUSTER_DEAD_JOB_RETENTION_HOURS", 72)?,
                ),
            },
            mail: MailConfig {
                smtp_url: src.get("MUSTER_SMTP_URL").map(SecretString::from),
                smtp_timeout: Duration::from_millis(parsed(src, "MUSTER_SMTP_TIMEOUT_MS", 15_000)?),
                from: src
                    .get("MUSTER_MAIL_FROM")
                    .unwrap_or_else(|| "Muster <muster@localhost>".into()),
                dev_outbox: parsed(src, "MUSTER_DEV_OUTBOX", Flag(false))?.0,
            },
            accounts: AccountsConfig::from_source(src)?,
            map: MapConfig::from_source(src)?,
            webhooks: WebhookConfig::from_source(src)?,
            media: MediaConfig {
                export_direct_rows: parsed(src, "MUSTER_EXPORT_DIRECT_ROWS", 100_000)?,
                export_keep: Duration::from_secs(
                    3600 * at_least_one(
                        parsed::<u64>(src, "MUSTER_EXPORT_KEEP_HOURS", 24)?,
                        "MUSTER_EXPORT_KEEP_HOURS",
                    )?,
                ),
                store: src
                    .get("MUSTER_MEDIA_STORE")
                    .unwrap_or_else(|| "data/media".into()),
                max_bytes: at_least_one(
                    parsed(src, "MUSTER_MEDIA_MAX_BYTES", 20 * 1024 * 1024)?,
                    "MUSTER_MEDIA_MAX_BYTES",
                )?,
                orphan_after: Duration::from_secs(
                    3600 * parsed::<u64>(src, "MUSTER_MEDIA_ORPHAN_HOURS", 24)?,
                ),
                photo_max_px: at_least_one(
                    parsed(src, "MUSTER_PHOTO_MAX_PX", 2048)?,
                    "MUSTER_PHOTO_MAX_PX",
                )?,
                image_max_pixels: at_least_one(
                    parsed(src, "MUSTER_IMAGE_MAX_PIXELS", 50_000_000)?,
                    "MUSTER_IMAGE_MAX_PIXELS",
                )?,
            },
        })
    }
}

/// `LEPTOS_SITE_ADDR` is read by Leptos itself; this only validates it early with a
/// message that names the variable.
pub fn listen_addr(src: &impl Source) -> Result<SocketAddr, ConfigError> {
    parsed(
        src,
        "LEPTOS_SITE_ADDR",
        SocketAddr::from(([127, 0, 0, 1], 3000)),
    )
}

fn required(src: &impl Source, name: &'static str) -> Result<String, ConfigError> {
    src.get(name).ok_or(ConfigError::Missing {
        name,
        hint: SETUP_HINT,
    })
}

pub(crate) fn parsed<T>(src: &impl Source, name: &'static str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match src.get(name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|e: T::Err| ConfigError::Invalid {
                name,
                reason: format!("`{raw}`: {e}"),
            }),
    }
}

fn admin_token(src: &impl Source) -> Result<Option<SecretString>, ConfigError> {
    match src.get("MUSTER_ADMIN_TOKEN") {
        Some(token) if token.trim().len() < 24 => Err(ConfigError::Invalid {
            name: "MUSTER_ADMIN_TOKEN",
            reason: "too short to be safe: use at least 24 random characters (e.g. `openssl rand -hex 16`)".into(),
        }),
        token => Ok(token.map(|t| SecretString::from(t.trim().to_owned()))),
    }
}

pub(crate) fn at_least_one<T: PartialOrd + From<u8>>(
    value: T,
    name: &'static str,
) -> Result<T, ConfigError> {
    if value < T::from(1) {
        return Err(ConfigError::Invalid {
            name,
            reason: "must be at least 1".into(),
        });
    }
    Ok(value)
}

/// A yes/no switch written the way people write them in `.env` files: `1`/`0`,
/// `true`/`false`, `yes`/`no`, `on`/`off`.
pub(crate) struct Flag(pub(crate) bool);

impl FromStr for Flag {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Flag(true)),
            "0" | "false" | "no" | "off" => Ok(Flag(false)),
            _ => Err("expected 1 or 0 (or true/false, yes/no, on/off)".into()),
        }
    }
}

fn check_postgres_url(name: &'static str, raw: &str) -> Result<(), ConfigError> {
    // The URL itself may hold a password: never echo it back in the error.
    let parsed = url::Url::parse(raw).map_err(|e| ConfigError::Invalid {
        name,
        reason: format!("not a URL ({e})"),
    })?;
    match parsed.scheme() {
        "postgres" | "postgresql" => Ok(()),
        other => Err(ConfigError::Invalid {
            name,
            reason: format!("scheme `{other}` is not postgres://"),
        }),
    }
}

/// `host:port/database` of a connection URL, without user or password, for logs and
/// `/readyz`.
pub fn describe_endpoint(url: &SecretString) -> String {
    match url::Url::parse(url.expose_secret()) {
        Ok(u) => format!(
            "{}:{}{}",
            u.host_str().unwrap_or("?"),
            u.port()
                .map_or_else(|| "default".to_string(), |p| p.to_string()),
            u.path()
        ),
        Err(_) => "<unparseable url>".into(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const BASE: &[(&str, &str)] = &[
        (
            "DATABASE_URL",
            "postgres://muster:s3cret@127.0.0.1:5432/muster",
        ),
        ("REDIS_URL", "redis://127.0.0.1:6379"),
    ];

    #[test]
    fn defaults_apply_when_only_required_variables_are_set() {
        let cfg = Config::from_source(&env(BASE)).expect("valid config");
        assert!(cfg.database.replica_urls.is_empty());
        assert_eq!(cfg.database.max_connections, 10);
        assert_eq!(cfg.http.body_limit_bytes, 10 * 1024 * 1024);
        assert_eq!(cfg.log.format, LogFormat::Pretty);
        assert!(cfg.database.run_migrations);
        assert!(cfg.jobs.in_process_worker);
        assert!(
            !cfg.mail.dev_outbox,
            "the outbox shows sign-in links: never on by default"
        );
        assert!(cfg.mail.smtp_url.is_none());
    }

    #[test]
    fn switches_accept_the_usual_spellings_and_refuse_others() {
        for (raw, expected) in [
            ("1", true),
            ("yes", true),
            ("ON", true),
            ("0", false),
            ("false", false),
        ] {
            let mut vars = env(BASE);
            vars.insert("MUSTER_DEV_OUTBOX".into(), raw.into());
            assert_eq!(
                Config::from_source(&vars).expect("valid").mail.dev_outbox,
                expected,
                "{raw}"
            );
        }
        let mut vars = env(BASE);
        vars.insert("MUSTER_DEV_OUTBOX".into(), "maybe".into());
        assert!(Config::from_source(&vars)
            .unwrap_err()
            .to_string()
            .contains("MUSTER_DEV_OUTBOX"));
        let mut vars = env(BASE);
        vars.insert("MUSTER_JOB_CONCURRENCY".into(), "0".into());
        assert!(Config::from_source(&vars)
            .unwrap_err()
            .to_string()
            .contains("at least 1"));
    }

    #[test]
    fn missing_database_url_names_the_variable_and_how_to_fix_it() {
        let err = Config::from_source(&env(&[("REDIS_URL", "redis://x")])).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("DATABASE_URL is not set"), "{msg}");
        assert!(msg.contains("scripts/run"), "{msg}");
    }

    #[test]
    fn replica_list_is_split_on_commas_and_blank_entries_ignored() {
        let mut vars = env(BASE);
        vars.insert(
            "DATABASE_REPLICA_URLS".into(),
            "postgres://a@h1:1/db, postgres://a@h2:2/db,,".into(),
        );
        let cfg = Config::from_source(&vars).expect("valid config");
        let endpoints: Vec<_> = cfg
            .database
            .replica_urls
            .iter()
            .map(describe_endpoint)
            .collect();
        assert_eq!(endpoints, ["h1:1/db", "h2:2/db"]);
    }

    #[test]
    fn invalid_values_are_refused_without_echoing_secrets() {
        let mut vars = env(BASE);
        vars.insert("DATABASE_URL".into(), "mysql://root:hunter2@db/x".into());
        let msg = Config::from_source(&vars).unwrap_err().to_string();
        assert!(msg.contains("DATABASE_URL"), "{msg}");
        assert!(!msg.contains("hunter2"), "secret leaked: {msg}");

        let mut vars = env(BASE);
        vars.insert("DATABASE_MAX_CONNECTIONS".into(), "many".into());
        assert!(Config::from_source(&vars)
            .unwrap_err()
            .to_string()
            .contains("DATABASE_MAX_CONNECTIONS"));

        let mut vars = env(BASE);
        vars.insert("MUSTER_LOG_FORMAT".into(), "xml".into());
        assert!(Config::from_source(&vars)
            .unwrap_err()
            .to_string()
            .contains("MUSTER_LOG_FORMAT"));
    }

    #[test]
    fn debug_output_never_contains_passwords() {
        let cfg = Config::from_source(&env(BASE)).expect("valid config");
        let dump = format!("{cfg:?}");
        assert!(!dump.contains("s3cret"), "secret leaked: {dump}");
    }

    #[test]
    fn endpoint_description_drops_credentials() {
        let url = SecretString::from("postgres://muster:s3cret@db.internal:6543/app".to_string());
        assert_eq!(describe_endpoint(&url), "db.internal:6543/app");
    }
}
