//! Database access for all of Muster: one primary pool for writes, one pool per
//! streaming replica for reads. Features reach it through [`crate::work::Work`], the
//! unit of work, never through a pool.
//!
//! - [`Database::write`]: a transaction on the primary with the tenant scope applied;
//!   [`WriteTx::commit`] returns the WAL position its commit reached.
//! - [`Database::read`]: a read-only, repeatable-read transaction with the tenant scope
//!   applied, on a replica that has replayed at least the required [`Freshness`]. The
//!   replica's replay position is polled in the background and checked again in the
//!   read's first statement (so a replica that caught up since the last poll serves at
//!   once). Without such a replica, or when the chosen one fails mid-read, the read runs
//!   on the primary.

mod lsn;
mod replica;
pub(crate) mod transaction;
mod write;

use std::{
    marker::PhantomData,
    str::FromStr,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc, Weak,
    },
    time::{Duration, Instant},
};

use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    PgConnection, PgPool,
};

pub use lsn::{InvalidLsn, Lsn};
use replica::{LagBound, Replica};
pub use replica::{ReplicaReport, ReplicaState};
pub use write::WriteTx;

use crate::{
    config::{describe_endpoint, DatabaseConfig},
    tenancy::{self, Scope},
};

/// What a read's query returns: a boxed future borrowing the connection.
pub type ReadFuture<'c, T> = BoxFuture<'c, Result<T, sqlx::Error>>;

/// The second argument of every read's query, always ignored (`|conn, _|`). Its type
/// says that the caller's borrows (`'a`) outlive the connection's (`'c`), which is what
/// lets the query borrow the caller's values (`.bind(&email)`) without cloning them.
pub type Borrows<'c, 'a> = PhantomData<&'c &'a ()>;

/// A read's query: it gets the transaction's connection and must only read (it may run
/// twice, once more on the primary). Closures `|conn, _| Box::pin(…)` are read queries.
pub trait ReadQuery<'a, T>:
    for<'c> Fn(&'c mut PgConnection, Borrows<'c, 'a>) -> ReadFuture<'c, T> + Send + Sync + 'a
{
}

impl<'a, T, F> ReadQuery<'a, T> for F where
    F: for<'c> Fn(&'c mut PgConnection, Borrows<'c, 'a>) -> ReadFuture<'c, T> + Send + Sync + 'a
{
}

/// Every read runs in one snapshot (several queries agree with each other), and can
/// change nothing. Repeatable read is the strongest level a hot standby offers.
pub(crate) const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/// The schema migrations in `migrations/`, embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// Replica pools give up quickly: a read that cannot get a replica connection soon is
/// better served by the primary than left waiting.
const REPLICA_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The server could not be reached or the connection broke; retrying later may work.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("database query failed: {0}")]
    Query(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The migration role may not change the schema: almost always DATABASE_URL's
    /// runtime role used for migrations because DATABASE_MIGRATION_URL is unset.
    #[error("database migration failed: {0}. The role applying migrations may not change the schema: set DATABASE_MIGRATION_URL to the role that owns it (README \"Database roles\"); for the project-local services `eval \"$(scripts/services up)\"` exports it")]
    MigrationNotAllowed(#[source] sqlx::migrate::MigrateError),
    #[error("job queue migration failed: {0}")]
    QueueMigration(String),
    #[error("invalid database connection settings: {0}")]
    Settings(#[source] sqlx::Error),
    /// The runtime role could read or change every tenant's rows.
    #[error("DATABASE_URL connects as `{role}`, which {reason}: tenants would not be isolated. Connect as a member of `muster_app` and put the owner role in DATABASE_MIGRATION_URL (README \"Database roles\")")]
    UnsafeRole { role: String, reason: String },
}

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> Self {
        if is_connection_error(&error) {
            DbError::Unavailable(error)
        } else {
            DbError::Query(error)
        }
    }
}

/// Errors that say "this server cannot be used right now", as opposed to a problem
/// with the query itself. Only these make a replica read fall back to the primary.
pub fn is_connection_error(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        // SQLSTATE class 08 (connection exception) and 57P0x (server shutting down,
        // cannot connect now).
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P0")),
        _ => false,
    }
}

/// A read cancelled by a hot standby so that WAL replay can go on ("conflict with
/// recovery", SQLSTATE 40001 on a standby, where read-only transactions have no other
/// serialization failures).
fn is_recovery_conflict(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().is_some_and(|code| code == "40001"))
}

/// A replica read that gave up waiting for a table lock (SQLSTATE 55P03, after the
/// replica connections' `lock_timeout`): WAL replay holds an exclusive lock there, or is
/// waiting for one with readers queued behind it.
fn is_lock_wait(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().is_some_and(|code| code == "55P03"))
}

/// SQLSTATE 42501 (insufficient_privilege) from a migration statement.
fn lacks_privilege(error: &sqlx::migrate::MigrateError) -> bool {
    use sqlx::migrate::MigrateError;
    let (MigrateError::Execute(error) | MigrateError::ExecuteMigration(error, _)) = error else {
        return false;
    };
    error
        .as_database_error()
        .and_then(|db| db.code())
        .is_some_and(|code| code == "42501")
}

/// How fresh the data of a read must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Any healthy replica (at most the configured maximum lag behind).
    Any,
    /// Must include everything the primary had written at this WAL position.
    AtLeast(Lsn),
    /// What the primary has now: for the few reads that decide who may do what
    /// (credentials, memberships, single-use links), where even a bounded lag would let
    /// a revoked right or a used link work again.
    Latest,
}

/// What a read returned, and from where.
#[derive(Debug)]
pub struct Read<T> {
    pub value: T,
    pub source: ReadSource,
    /// Set when the primary answered in place of a replica in rotation (not fresh enough,
    /// or failing): the primary's position at that read. The reader has now seen data
    /// up to there, and their later reads must not show less (monotonic reads), even
    /// from a replica.
    pub fell_back_at: Option<Lsn>,
    /// The WAL position the read's snapshot includes (as far as the server answering had
    /// replayed or written when it began): what a value computed from it may be stamped
    /// with, for instance in the cache.
    pub snapshot: Option<Lsn>,
}

/// Which server answered a read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum ReadSource {
    Primary,
    Replica(String),
}

#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
}

struct Inner {
    primary: PgPool,
    /// The owner role's pool: migrations only.
    migrations: PgPool,
    primary_endpoint: String,
    replicas: Vec<Replica>,
    next_replica: AtomicUsize,
    lag_bound: LagBound,
    /// WAL position right after this process applied migrations. A replica that has
    /// not replayed that far lacks the current schema and serves no reads at all.
    schema_lsn: AtomicU64,
}

impl Database {
    /// Creates the pools without connecting: connections are opened on first use, so a
    /// server that is down at start-up is reported by health checks instead of
    /// preventing start-up.
    pub fn connect(config: &DatabaseConfig) -> Result<Self, DbError> {
        let primary = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(config.acquire_timeout)
            .connect_lazy_with(connect_options(&config.primary_url)?);
        let replicas = config
            .replica_urls
            .iter()
            .enumerate()
            .map(|(i, url)| {
                let pool = PgPoolOptions::new()
                    .max_connections(config.replica_max_connections)
                    .acquire_timeout(REPLICA_ACQUIRE_TIMEOUT.min(config.acquire_timeout))
                    .connect_lazy_with(replica_connect_options(url, config.replica_lock_timeout)?);
                Ok(Replica::new(
                    format!("replica-{}", i + 1),
                    describe_endpoint(url),
                    pool,
                ))
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        let migrations = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(config.acquire_timeout)
            .connect_lazy_with(
                connect_options(&config.migration_url)?.application_name("muster-migrations"),
            );
        Ok(Self {
            inner: Arc::new(Inner {
                primary,
                migrations,
                primary_endpoint: describe_endpoint(&config.primary_url),
                replicas,
                next_replica: AtomicUsize::new(0),
                lag_bound: LagBound {
                    time: config.replica_max_lag,
                    bytes: config.replica_max_lag_bytes,
                },
                schema_lsn: AtomicU64::new(0),
            }),
        })
    }

    /// A pool on the primary of its own, for a component that must not compete with
    /// requests for connections (the job worker). Connects lazily, like the others.
    pub fn dedicated_primary_pool(
        config: &DatabaseConfig,
        max_connections: u32,
        application_name: &str,
    ) -> Result<PgPool, DbError> {
        Ok(PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(config.acquire_timeout)
            .connect_lazy_with(
                connect_options(&config.primary_url)?.application_name(application_name),
            ))
    }

    /// The primary pool, for infrastructure that manages its own statements (the job
    /// queue, the session store, health checks). Feature code uses
    /// [`crate::work::Work`].
    pub fn primary(&self) -> &PgPool {
        &self.inner.primary
    }

    /// A transaction on the primary with `scope` applied. Commit it with
    /// [`WriteTx::commit`] to learn the WAL position it reached; dropping it rolls back.
    pub async fn write(&self, scope: &Scope) -> Result<WriteTx, DbError> {
        let mut tx = transaction::begin(&self.inner.primary, None).await?;
        tenancy::enter(&mut tx, scope).await?;
        Ok(WriteTx::new(tx, self.clone()))
    }

    /// The primary's current WAL insert position. Taken right after a commit, it is at
    /// or past that commit's record: a replica that has replayed it shows the write.
    pub async fn primary_lsn(&self) -> Result<Lsn, DbError> {
        let text: String = sqlx::query_scalar("SELECT pg_current_wal_insert_lsn()::text")
            .fetch_one(&self.inner.primary)
            .await?;
        text.parse()
            .map_err(|e: InvalidLsn| DbError::Query(sqlx::Error::Decode(Box::new(e))))
    }

    /// Runs `query` in a read-only transaction scoped to `scope`, on a replica that
    /// satisfies `freshness`, else on the primary. A replica failing with a connection
    /// error (also mid-read) is taken out of rotation and the read runs again on the
    /// primary, so a replica going away never fails a request: `query` may therefore
    /// run twice and must only read.
    pub async fn read<'a, T, F>(
        &self,
        scope: &Scope,
        freshness: Freshness,
        query: F,
    ) -> Result<T, DbError>
    where
        F: ReadQuery<'a, T>,
        T: Send,
    {
        self.read_with_source(scope, freshness, query)
            .await
            .map(|read| read.value)
    }

    /// As [`Database::read`], also saying which server answered.
    pub async fn read_with_source<'a, T, F>(
        &self,
        scope: &Scope,
        freshness: Freshness,
        query: F,
    ) -> Result<Read<T>, DbError>
    where
        F: ReadQuery<'a, T>,
        T: Send,
    {
        let wanted = self.required_position(freshness);
        let replica = match freshness {
            Freshness::Latest => None,
            _ => self.pick_replica(wanted),
        };
        if let Some(replica) = replica {
            match read_on_replica(replica, scope, wanted, &query).await {
                Ok(Some((value, snapshot))) => {
                    return Ok(Read {
                        value,
                        source: ReadSource::Replica(replica.name().to_owned()),
                        fell_back_at: None,
                        snapshot,
                    })
                }
                // Not caught up after all: the primary has it.
                Ok(None) => {}
                Err(error) if is_connection_error(&error) => {
                    tracing::warn!(replica = %replica.name(), %error, "replica read failed; retrying on the primary");
                    replica.mark_unreachable(&error);
                }
                // The replica cancelled the read to go on replaying the WAL: it is
                // healthy, the read just runs on the primary this time.
                Err(error) if is_recovery_conflict(&error) => {
                    tracing::info!(replica = %replica.name(), %error, "replica read cancelled by replay; retrying on the primary");
                }
                // Replay holds a lock the read needs, possibly for as long as the
                // standby lets it (`max_standby_streaming_delay`): not worth waiting for.
                Err(error) if is_lock_wait(&error) => {
                    tracing::info!(replica = %replica.name(), %error, "replica read waited too long for a lock; retrying on the primary");
                }
                Err(error) => return Err(error.into()),
            }
        }
        let mut tx = transaction::begin(&self.inner.primary, Some(BEGIN_READ)).await?;
        let position = tenancy::enter_reporting_position(&mut tx, scope).await?;
        let value = query(&mut tx, PhantomData).await?;
        end_read(tx).await?;
        Ok(Read {
            value,
            source: ReadSource::Primary,
            fell_back_at: replica.and(position),
            snapshot: position,
        })
    }

    /// The WAL position a read must see: the caller's freshness, and never less than the
    /// schema this process runs on.
    fn required_position(&self, freshness: Freshness) -> Option<Lsn> {
        let schema = Lsn(self.inner.schema_lsn.load(Ordering::Relaxed));
        match freshness {
            Freshness::Any if schema == Lsn(0) => None,
            Freshness::Any => Some(schema),
            Freshness::AtLeast(lsn) => Some(lsn.max(schema)),
            Freshness::Latest => None,
        }
    }

    fn pick_replica(&self, at_least: Option<Lsn>) -> Option<&Replica> {
        let replicas = &self.inner.replicas;
        if replicas.is_empty() {
            return None;
        }
        let start = self.inner.next_replica.fetch_add(1, Ordering::Relaxed);
        (0..replicas.len())
            .map(|offset| &replicas[(start + offset) % replicas.len()])
            .find(|r| r.can_serve(at_least))
            // None has replayed that far at its last probe: the healthy ones are asked
            // again inside the read itself (they usually have caught up by now).
            .or_else(|| {
                (0..replicas.len())
                    .map(|offset| &replicas[(start + offset) % replicas.len()])
                    .find(|r| r.in_rotation())
            })
    }

    /// Applies pending migrations on the primary. Safe when several instances start at
    /// once: sqlx holds a Postgres advisory lock for the whole run, so one instance
    /// migrates and the others wait, then find nothing left to do.
    pub async fn migrate(&self) -> Result<(), DbError> {
        MIGRATOR
            .run(&self.inner.migrations)
            .await
            .map_err(|error| {
                if lacks_privilege(&error) {
                    DbError::MigrationNotAllowed(error)
                } else {
                    DbError::Migration(error)
                }
            })?;
        self.record_schema_position().await
    }

    /// The owner role's pool (`DATABASE_MIGRATION_URL`): schema changes, nothing else.
    pub fn migration_pool(&self) -> &PgPool {
        &self.inner.migrations
    }

    /// Refuses a runtime role that would see every tenant's rows: a superuser, a role
    /// with BYPASSRLS, or one that owns (or inherits from the owner of) a table — row
    /// level security is forced, but the owner could switch it off.
    pub async fn check_runtime_role(&self) -> Result<(), DbError> {
        let (role, superuser, bypass, owns): (String, bool, bool, Option<String>) = sqlx::query_as(
            "SELECT current_user::text, r.rolsuper, r.rolbypassrls,
                        (SELECT t.schemaname || '.' || t.tablename FROM pg_tables t
                          WHERE t.schemaname NOT IN ('pg_catalog', 'information_schema')
                            AND pg_has_role(current_user, t.tableowner, 'USAGE')
                          LIMIT 1)
                   FROM pg_roles r WHERE r.rolname = current_user",
        )
        .fetch_one(&self.inner.primary)
        .await?;
        let reason = if superuser {
            Some("is a superuser".to_owned())
        } else if bypass {
            Some("has BYPASSRLS".to_owned())
        } else {
            owns.map(|table| format!("owns table {table}"))
        };
        match reason {
            Some(reason) => Err(DbError::UnsafeRole { role, reason }),
            None => Ok(()),
        }
    }

    /// Remembers the primary's current WAL position as the schema this process needs:
    /// call after any schema change made outside [`Database::migrate`].
    pub async fn record_schema_position(&self) -> Result<(), DbError> {
        let lsn = self.primary_lsn().await?;
        self.inner.schema_lsn.fetch_max(lsn.0, Ordering::Relaxed);
        Ok(())
    }

    /// Round-trip time of a trivial query on the primary.
    pub async fn ping_primary(&self, timeout: Duration) -> Result<Duration, String> {
        let started = Instant::now();
        match tokio::time::timeout(
            timeout,
            sqlx::query("SELECT 1").execute(&self.inner.primary),
        )
        .await
        {
            Ok(Ok(_)) => Ok(started.elapsed()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
        }
    }

    pub fn primary_endpoint(&self) -> &str {
        &self.inner.primary_endpoint
    }

    /// Probes every replica now (in parallel) and updates the routing state.
    pub async fn probe_replicas(&self) {
        probe_all(&self.inner).await;
    }

    /// The state of every replica as of its last probe.
    pub fn replica_reports(&self) -> Vec<ReplicaReport> {
        self.inner.replicas.iter().map(Replica::report).collect()
    }

    /// Probes replicas every `interval` until the last clone of this `Database` is
    /// dropped.
    pub fn spawn_replica_monitor(&self, interval: Duration) -> tokio::task::JoinHandle<()> {
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                if inner.replicas.is_empty() {
                    break;
                }
                probe_all(&inner).await;
            }
        })
    }
}

async fn probe_all(inner: &Inner) {
    if inner.replicas.is_empty() {
        return;
    }
    // Byte lag needs the primary's position; without it replicas are still judged on
    // their own report.
    let primary_lsn = tokio::time::timeout(
        replica::PROBE_TIMEOUT,
        sqlx::query_scalar::<_, String>("SELECT pg_current_wal_lsn()::text")
            .fetch_one(&inner.primary),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .and_then(|text| text.parse().ok());
    futures::future::join_all(
        inner
            .replicas
            .iter()
            .map(|r| r.probe(primary_lsn, inner.lag_bound)),
    )
    .await;
}

/// One read on `replica` with the replay position its snapshot includes: `Ok(None)` if
/// it has not replayed `wanted` yet. The scope is applied and the replay position read
/// in the same statement, which also takes the transaction's snapshot: what the query
/// sees is at least that position.
async fn read_on_replica<'a, T, F>(
    replica: &Replica,
    scope: &Scope,
    wanted: Option<Lsn>,
    query: &F,
) -> Result<Option<(T, Option<Lsn>)>, sqlx::Error>
where
    F: ReadQuery<'a, T>,
    T: Send,
{
    let mut tx = transaction::begin(&replica.pool, Some(BEGIN_READ)).await?;
    let replayed = tenancy::enter_reporting_position(&mut tx, scope).await?;
    replica.note_replayed(replayed);
    if let Some(wanted) = wanted {
        if replayed.is_none_or(|replayed| replayed < wanted) {
            tx.rollback().await?;
            return Ok(None);
        }
    }
    let value = query(&mut tx, PhantomData).await?;
    end_read(tx).await?;
    Ok(Some((value, replayed)))
}

/// Ends a read-only transaction, waiting for the server. Not waiting (letting a dropped
/// transaction's `ROLLBACK` go out with the connection's next use) was measured faster,
/// but left pooled replica connections idle in a transaction, holding a snapshot that
/// blocks WAL replay until the replica terminates them (`conflict with recovery`).
async fn end_read(tx: sqlx::Transaction<'static, sqlx::Postgres>) -> Result<(), sqlx::Error> {
    tx.commit().await
}

/// Replica connections wait at most `lock_timeout` for a lock (the primary answers
/// instead); without it a read queued behind replay's exclusive lock hangs for up to the
/// standby's `max_standby_streaming_delay`.
fn replica_connect_options(
    url: &SecretString,
    lock_timeout: Duration,
) -> Result<PgConnectOptions, DbError> {
    let millis = lock_timeout.as_millis().max(1).to_string();
    Ok(connect_options(url)?.options([("lock_timeout", millis.as_str())]))
}

fn connect_options(url: &SecretString) -> Result<PgConnectOptions, DbError> {
    Ok(PgConnectOptions::from_str(url.expose_secret())
        .map_err(DbError::Settings)?
        .application_name("muster"))
}
