//! What the unit of work costs: a tenant-scoped read through `Work::read` (read-only
//! transaction on the replica, scope and freshness check in one statement, the query,
//! commit) against one bare query on a pooled replica connection; and a write through
//! `Work::write` (transaction, scope, the update, commit, reading the commit position)
//! against one bare autocommit statement on the primary. Same run, same rows.
//!
//! `scripts/bench` provides the services: `DATABASE_URL=… DATABASE_MIGRATION_URL=…
//! DATABASE_REPLICA_URLS=… REDIS_URL=… cargo bench -p muster-platform --bench unit_of_work`

mod support;

use std::{collections::HashMap, time::Duration};

use muster_platform::{
    db::{Lsn, ReadSource},
    tenancy::Scope,
    Config, Platform, Work,
};
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;

const WARMUP: usize = 300;
const SAMPLES: usize = 3_000;

fn with_database(url: &str, database: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("database URL");
    format!("{base}/{database}")
}

async fn median_of<F, Fut>(op: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    support::percentile(&support::time_each(WARMUP, SAMPLES, op).await, 0.5)
}

/// The account's name through the unit of work, and which server answered.
async fn account_name(work: &Work, scope: &Scope, account: Uuid) -> (Option<String>, ReadSource) {
    let read = work
        .read_with_source(scope, |conn, _| {
            Box::pin(
                sqlx::query_scalar::<_, String>("SELECT name FROM accounts WHERE id = $1")
                    .bind(account)
                    .fetch_optional(conn),
            )
        })
        .await
        .expect("scoped read");
    (read.value, read.source)
}

#[tokio::main]
async fn main() {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name}: run through scripts/bench"))
    };
    let (runtime, owner, replica, redis) = (
        var("DATABASE_URL"),
        var("DATABASE_MIGRATION_URL"),
        var("DATABASE_REPLICA_URLS"),
        var("REDIS_URL"),
    );
    let replica = replica
        .split(',')
        .next()
        .expect("a replica")
        .trim()
        .to_owned();
    let database = format!("muster_bench_uow_{}", std::process::id());
    let mut admin = PgConnection::connect(&owner).await.expect("connect");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .execute(&mut admin)
        .await
        .expect("create bench database");

    let env = HashMap::from([
        (
            "DATABASE_URL".to_owned(),
            with_database(&runtime, &database),
        ),
        (
            "DATABASE_MIGRATION_URL".to_owned(),
            with_database(&owner, &database),
        ),
        (
            "DATABASE_REPLICA_URLS".to_owned(),
            with_database(&replica, &database),
        ),
        ("REDIS_URL".to_owned(), redis),
        ("DATABASE_HEALTH_INTERVAL_MS".to_owned(), "200".to_owned()),
    ]);
    let platform = Platform::connect(Config::from_source(&env).expect("config")).expect("platform");
    platform.migrate().await.expect("migrate");
    let _monitor = platform
        .db
        .spawn_replica_monitor(Duration::from_millis(200));
    let account = Uuid::new_v4();
    sqlx::query("INSERT INTO accounts (id, name) VALUES ($1, 'Bench')")
        .bind(account)
        .execute(platform.db.migration_pool())
        .await
        .expect("account");
    let scope = Scope::account(account);
    let work = Work::new(platform.clone(), Lsn(0));
    // Until the replica has the account and serves the scoped read.
    loop {
        platform.db.probe_replicas().await;
        let (name, source) = account_name(&work, &scope, account).await;
        if source != ReadSource::Primary && name.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let bare_replica = PgPool::connect(&with_database(&replica, &database))
        .await
        .expect("replica pool");

    let bare_read = median_of(|| async {
        sqlx::query_scalar::<_, String>("SELECT name FROM accounts WHERE id = $1")
            .bind(account)
            .fetch_optional(&bare_replica)
            .await
            .expect("bare read");
    })
    .await;
    let scoped_read = median_of(|| async {
        let (name, _) = account_name(&work, &scope, account).await;
        assert!(name.is_some());
    })
    .await;
    let bare_write = median_of(|| async {
        sqlx::query("UPDATE accounts SET name = 'Bench' WHERE id = $1")
            .bind(account)
            .execute(platform.db.primary())
            .await
            .expect("bare write");
    })
    .await;
    // A caller that writes reads from the primary until the replica has the write:
    // measure the write alone with a fresh unit of work each time.
    let scoped_write = median_of(|| async {
        let work = Work::new(platform.clone(), Lsn(0));
        let mut tx = work.write(&scope).await.expect("begin");
        sqlx::query("UPDATE accounts SET name = 'Bench' WHERE id = $1")
            .bind(account)
            .execute(&mut *tx)
            .await
            .expect("scoped write");
        tx.commit().await.expect("commit");
    })
    .await;

    println!("| operation | baseline (median) | unit of work (median) | ratio |");
    println!("|---|---:|---:|---:|");
    for (what, baseline, measured) in [
        (
            "read on the replica: bare query vs `Work::read`",
            bare_read,
            scoped_read,
        ),
        (
            "write on the primary: bare autocommit vs `Work::write` + commit",
            bare_write,
            scoped_write,
        ),
    ] {
        println!(
            "| {what} | {:.0} µs | {:.0} µs | {:.2}x |",
            baseline.as_secs_f64() * 1e6,
            measured.as_secs_f64() * 1e6,
            measured.as_secs_f64() / baseline.as_secs_f64()
        );
    }

    drop(bare_replica);
    drop(platform);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {database} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .expect("drop bench database");
}
