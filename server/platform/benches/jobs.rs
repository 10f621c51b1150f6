//! End-to-end job throughput with a no-op handler, against a baseline measured in the
//! same run: the bare database round trips a queue cannot avoid per job (insert the row
//! in one transaction, delete it in another), on the same number of connections.
//!
//! `scripts/bench` provides the services: `DATABASE_URL=… REDIS_URL=… cargo bench -p
//! muster-platform --bench jobs`

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use muster_platform::{
    jobs::{probe::Probe, run_worker, JobOptions},
    Config, Platform,
};
use sqlx::{Connection, PgConnection, PgPool};

const JOBS: usize = 4_000;
const PRODUCERS: usize = 4;

#[tokio::main]
async fn main() {
    // The owner role: the bench creates a database and tables of its own.
    let admin_url = std::env::var("DATABASE_MIGRATION_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .expect("DATABASE_MIGRATION_URL: run through scripts/bench");
    let redis_url = std::env::var("REDIS_URL").expect("REDIS_URL: run through scripts/bench");
    let database = format!("muster_bench_jobs_{}", std::process::id());
    let mut admin = PgConnection::connect(&admin_url).await.expect("connect");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .execute(&mut admin)
        .await
        .expect("create bench database");
    let (base, _) = admin_url.rsplit_once('/').expect("database URL");
    let url = format!("{base}/{database}");

    println!("| worker concurrency | baseline ops/s | queue jobs/s | ratio |");
    println!("|---:|---:|---:|---:|");
    for concurrency in [4usize, 16] {
        let platform = platform(&url, &redis_url, concurrency).await;
        let baseline = baseline_ops_per_sec(platform.db.primary(), concurrency).await;
        let queue = queue_jobs_per_sec(&platform).await;
        println!(
            "| {concurrency} | {baseline:.0} | {queue:.0} | {:.2}x |",
            queue / baseline
        );
    }

    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {database} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .expect("drop bench database");
}

async fn platform(url: &str, redis_url: &str, concurrency: usize) -> Platform {
    let env = HashMap::from([
        ("DATABASE_URL".to_owned(), url.to_owned()),
        ("REDIS_URL".to_owned(), redis_url.to_owned()),
        ("DATABASE_MAX_CONNECTIONS".to_owned(), "20".to_owned()),
        ("MUSTER_JOB_CONCURRENCY".to_owned(), concurrency.to_string()),
        (
            "REDIS_KEY_PREFIX".to_owned(),
            format!("bench:{}:", std::process::id()),
        ),
    ]);
    let platform = Platform::connect(Config::from_source(&env).expect("config")).expect("platform");
    platform.migrate().await.expect("migrate");
    platform
}

/// Producers enqueue JOBS jobs one transaction each while a worker runs them; the
/// clock stops when the queue is empty again.
async fn queue_jobs_per_sec(platform: &Platform) -> f64 {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(run_worker(
        platform.clone(),
        Platform::job_registry(),
        async {
            let _ = stopped.await;
        },
    ));
    let started = Instant::now();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let jobs = platform.jobs.clone();
            tokio::spawn(async move {
                for _ in 0..JOBS / PRODUCERS {
                    jobs.enqueue_standalone(
                        &Probe {
                            token: None,
                            hold_ms: 0,
                        },
                        JobOptions::default(),
                    )
                    .await
                    .expect("enqueue");
                }
            })
        })
        .collect();
    for producer in producers {
        producer.await.expect("producer");
    }
    loop {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM graphile_worker.jobs")
            .fetch_one(platform.db.primary())
            .await
            .expect("count");
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let rate = JOBS as f64 / started.elapsed().as_secs_f64();
    let _ = stop.send(());
    let _ = worker.await;
    rate
}

async fn baseline_ops_per_sec(pool: &PgPool, connections: usize) -> f64 {
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload json NOT NULL)")
        .execute(pool)
        .await
        .expect("create table");
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for _ in 0..JOBS / connections {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO bench_rows (payload) VALUES ('{}') RETURNING id",
                    )
                    .fetch_one(&pool)
                    .await
                    .expect("insert");
                    sqlx::query("DELETE FROM bench_rows WHERE id = $1")
                        .bind(id)
                        .execute(&pool)
                        .await
                        .expect("delete");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("baseline task");
    }
    JOBS as f64 / started.elapsed().as_secs_f64()
}
