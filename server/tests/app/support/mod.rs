//! Test harness shared by the integration tests: a fresh database per test on the real
//! Postgres primary (visible on the real streaming replica), the real Redis, and the
//! whole application served in-process on a random port.
//!
//! The services are the ones `scripts/test` starts; their URLs arrive in
//! `DATABASE_URL`, `DATABASE_REPLICA_URLS` and `REDIS_URL`. Without them the tests fail
//! loudly instead of skipping.

#![allow(dead_code)] // each test binary uses a different part of the harness

pub mod browser;
pub mod proxy;
pub mod smtp;
pub mod socket;

use std::{collections::HashMap, net::SocketAddr, time::Duration};

use leptos::prelude::LeptosOptions;
use muster_platform::{Config, Platform};
use muster_server::Application;
use sqlx::{Connection, PgConnection};
use tokio::{sync::oneshot, task::JoinHandle};
use url::Url;

/// URLs of the shared test services, with the database part replaced per test.
pub struct Services {
    /// The runtime role (a member of `muster_app`).
    pub primary: Url,
    /// The owner role: creates databases, runs migrations.
    pub owner: Url,
    pub replica: Url,
    pub redis: String,
}

impl Services {
    pub fn from_env() -> Self {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!("{name} is not set: integration tests need the real services; run them with `scripts/test`")
            })
        };
        let replicas = var("DATABASE_REPLICA_URLS");
        let first_replica = replicas
            .split(',')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        Self {
            primary: Url::parse(&var("DATABASE_URL")).expect("DATABASE_URL is a URL"),
            owner: Url::parse(&var("DATABASE_MIGRATION_URL"))
                .expect("DATABASE_MIGRATION_URL is a URL"),
            replica: Url::parse(&first_replica).expect("DATABASE_REPLICA_URLS holds URLs"),
            redis: var("REDIS_URL"),
        }
    }
}

pub fn with_database(url: &Url, database: &str) -> Url {
    let mut url = url.clone();
    url.set_path(&format!("/{database}"));
    url
}

/// A database of its own for one test, created on the primary and already replicated.
pub struct TestDatabase {
    pub name: String,
    pub primary_url: Url,
    pub owner_url: Url,
    /// Redis keys of this test's instances start with it, so tests sharing Redis never
    /// share counters (rate limits) or channels.
    pub redis_prefix: String,
    pub replica_url: Url,
    pub redis_url: String,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let services = Services::from_env();
        let name = format!("muster_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(with_database(&services.owner, "postgres").as_str())
            .await
            .expect("connect to the primary");
        // The name is generated above from a UUID: safe to splice into DDL.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.ok();

        // The database reaches the replica through streaming replication; wait until it
        // is there so tests start with a usable replica.
        let replica_admin = with_database(&services.replica, "postgres");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let found = async {
                let mut conn = PgConnection::connect(replica_admin.as_str()).await?;
                let found: Option<i32> =
                    sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                        .bind(&name)
                        .fetch_optional(&mut conn)
                        .await?;
                conn.close().await.ok();
                Ok::<_, sqlx::Error>(found.is_some())
            }
            .await
            .unwrap_or(false);
            if found {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "database {name} never appeared on the replica"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        Self {
            primary_url: with_database(&services.primary, &name),
            owner_url: with_database(&services.owner, &name),
            redis_prefix: unique_prefix(),
            replica_url: with_database(&services.replica, &name),
            redis_url: services.redis,
            name,
        }
    }

    /// The environment a Muster instance on this database would get.
    pub fn env(&self) -> HashMap<String, String> {
        HashMap::from([
            ("DATABASE_URL".to_owned(), self.primary_url.to_string()),
            (
                "DATABASE_MIGRATION_URL".to_owned(),
                self.owner_url.to_string(),
            ),
            ("REDIS_KEY_PREFIX".to_owned(), self.redis_prefix.clone()),
            (
                "DATABASE_REPLICA_URLS".to_owned(),
                self.replica_url.to_string(),
            ),
            ("REDIS_URL".to_owned(), self.redis_url.clone()),
            ("DATABASE_HEALTH_INTERVAL_MS".to_owned(), "200".to_owned()),
            // Scheduled and retried jobs are found by polling: keep tests quick.
            ("MUSTER_JOB_POLL_INTERVAL_MS".to_owned(), "100".to_owned()),
            (
                "MUSTER_MEDIA_STORE".to_owned(),
                self.media_store().to_string_lossy().into_owned(),
            ),
        ])
    }

    /// Waits until the replica has replayed everything committed on the primary so far:
    /// rows a test wrote straight into the database (not through Muster, so no caller's
    /// position includes them) are then read from the replica too.
    pub async fn replicated(&self) {
        let mut primary = PgConnection::connect(self.owner_url.as_str())
            .await
            .expect("connect to the primary");
        let position: String = sqlx::query_scalar("SELECT pg_current_wal_insert_lsn()::text")
            .fetch_one(&mut primary)
            .await
            .expect("primary position");
        primary.close().await.ok();
        let replica = self.replica_url.clone();
        wait_for(
            "the replica to replay the test's rows",
            Duration::from_secs(30),
            || {
                let (replica, position) = (replica.clone(), position.clone());
                async move {
                    let mut conn = PgConnection::connect(replica.as_str()).await.ok()?;
                    let replayed: bool =
                        sqlx::query_scalar("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn")
                            .bind(&position)
                            .fetch_one(&mut conn)
                            .await
                            .ok()?;
                    conn.close().await.ok();
                    replayed.then_some(())
                }
            },
        )
        .await;
    }

    /// The directory this database's instances store files in.
    pub fn media_store(&self) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("muster-media-{}", self.name))
    }
}

/// A finished test's database goes, with its media: a suite run leaves no clutter that
/// fills the disk over days of runs. `MUSTER_TEST_KEEP_DATABASES=1` keeps them for a
/// post-mortem.
impl Drop for TestDatabase {
    fn drop(&mut self) {
        if std::env::var_os("MUSTER_TEST_KEEP_DATABASES").is_some() {
            return;
        }
        let _ = std::fs::remove_dir_all(self.media_store());
        let (admin, name) = (
            with_database(&self.owner_url, "postgres"),
            self.name.clone(),
        );
        // Drop cannot await, and the test's runtime may be the one running this: a
        // thread of its own with a runtime of its own. FORCE ends the connections the
        // test's Muster still holds.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime
                .block_on(async {
                    let mut conn = PgConnection::connect(admin.as_str()).await?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await?;
                    conn.close().await
                })
                .map_err(std::io::Error::other)
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}: {dropped:?}", self.name);
        }
    }
}

/// Rewrites the host:port of a URL, e.g. to send it through a [`proxy::TcpProxy`].
pub fn via(url: &Url, addr: SocketAddr) -> Url {
    let mut url = url.clone();
    url.set_host(Some(&addr.ip().to_string())).expect("host");
    url.set_port(Some(addr.port())).expect("port");
    url
}

/// Redis settings for a component under test (the cache, the hub) at `url`.
pub fn redis_config(url: &str) -> muster_platform::config::RedisConfig {
    muster_platform::config::RedisConfig {
        url: secrecy::SecretString::from(url.to_owned()),
        command_timeout: Duration::from_millis(250),
        key_prefix: "unused:".to_owned(),
    }
}

/// A Redis key prefix of its own for one test, so tests share Redis without meeting.
pub fn unique_prefix() -> String {
    format!("test:{}:", uuid::Uuid::new_v4().simple())
}

/// A loopback address where nothing listens: connections are refused at once.
pub fn dead_endpoint() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr")
    // dropped here: the port is free and refuses connections
}

/// A job worker running in the test process, with whatever job kinds the test needs.
pub struct TestWorker {
    stop: Option<oneshot::Sender<()>>,
    pub join: JoinHandle<Result<(), muster_platform::jobs::WorkerError>>,
}

impl TestWorker {
    pub fn spawn(platform: Platform, registry: muster_platform::jobs::JobRegistry) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let join = tokio::spawn(muster_platform::jobs::run_worker(
            platform,
            registry,
            async {
                let _ = stopped.await;
            },
        ));
        Self {
            stop: Some(stop),
            join,
        }
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(20), &mut self.join).await;
    }
}

/// Jobs in the queue, whatever their state (completed jobs are deleted; dead ones stay).
pub async fn queued_jobs(platform: &Platform) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM graphile_worker.jobs")
        .fetch_one(platform.db.primary())
        .await
        .expect("count jobs")
}

/// Waits until some job is dead and returns the newest dead one.
pub async fn first_dead_job(platform: &Platform) -> muster_platform::jobs::DeadJob {
    wait_for("a job is dead", Duration::from_secs(15), || async {
        muster_platform::jobs::QueueStats::load(platform.db.primary())
            .await
            .expect("stats")
            .dead
            .into_iter()
            .next()
    })
    .await
}

/// Heart-beats and the dead-worker sweep shortened, so a test that kills a worker sees
/// its job run again within seconds.
pub const FAST_JOB_RECOVERY: [(&str, &str); 3] = [
    ("MUSTER_JOB_HEARTBEAT_MS", "300"),
    ("MUSTER_JOB_SWEEP_THRESHOLD_MS", "2000"),
    ("MUSTER_SHUTDOWN_GRACE_SECS", "1"),
];

/// A `muster --worker` process with `env`: a worker that a test can kill mid-job.
pub fn worker_process(env: HashMap<String, String>) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_muster"))
        .arg("--worker")
        .envs(env)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start muster --worker")
}

/// Makes every pending job of `task` (its `KIND`) due now, as if its time had come:
/// how many there were.
pub async fn make_due(app: &TestApp, task: &str) -> u64 {
    sqlx::query(
        "UPDATE graphile_worker._private_jobs j SET run_at = now()
           FROM graphile_worker._private_tasks t
          WHERE t.id = j.task_id AND t.identifier = $1",
    )
    .bind(task)
    .execute(app.platform.db.migration_pool())
    .await
    .expect("make the jobs due")
    .rows_affected()
}

/// Polls `check` until it yields a value, for at most `limit`.
pub async fn wait_for<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {limit:?} waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub platform: Platform,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    pub server: JoinHandle<Result<(), muster_server::StartupError>>,
}

impl TestApp {
    pub async fn spawn(env: HashMap<String, String>) -> Self {
        // Server logs appear in a failing test's captured output (RUST_LOG to change).
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
            )
            .try_init();
        let config = Config::from_source(&env).expect("test configuration is valid");
        let platform = Platform::connect(config).expect("platform handles");
        let site_root = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site");
        let leptos_options = LeptosOptions::builder()
            .output_name("muster")
            .site_root(site_root)
            .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .build();
        let app = Application::build(platform.clone(), leptos_options)
            .await
            .expect("application starts");
        let addr = app.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("http client");
        Self {
            addr,
            platform,
            http,
            stop: Some(stop),
            server,
        }
    }

    /// The `Origin` a page of this instance sends with its requests.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Starts graceful shutdown (like SIGTERM does in production).
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    pub async fn readyz(&self) -> (u16, serde_json::Value) {
        let response = self
            .http
            .get(self.url("/readyz"))
            .send()
            .await
            .expect("readyz answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("readyz is JSON"))
    }

    /// Calls the status server function the status page uses.
    pub async fn load_status(&self) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(self.url("/api/load_status"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", self.origin())
            .body("")
            .send()
            .await
            .expect("server function answers");
        let status = response.status().as_u16();
        (
            status,
            response.json().await.expect("server function answers JSON"),
        )
    }

    /// Waits until reads are served by the replica: right after start-up it may not have
    /// replayed the migrations yet, and until it has, reads go to the primary.
    pub async fn wait_for_replica_reads(&self) {
        self.eventually("the replica serves reads", || async {
            self.load_status().await.1["served_by"] == "replica-1"
        })
        .await;
    }

    /// Polls `check` until it holds, for at most 15 s: waits on an observable state, never
    /// on a fixed delay.
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while !check().await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting until {what}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
