//! A phone syncing its queue, against what the same Postgres does with pgbench's TPC-B
//! (the baseline, measured in the same run, before and after).
//!
//! - One phone sends 500 queued submissions the way the runner's outbox does: one at
//!   a time, oldest first. Reports submissions/s and latency.
//! - Eight phones at once (500 each): the server's submission write rate, which the
//!   issue compares with pgbench TPC-B at eight clients (target: at least 25 % of it,
//!   p99 at most 150 ms).
//!
//! Every submission is the full path: HTTP, session, the engine checking it against its
//! version, the row with its PostGIS point, and its processing job, in one transaction.
//!
//! Run through `scripts/bench` (services, and PGBENCH pointing at pgbench).

mod support;

use std::{
    process::Command,
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use support::{call, call_json, pct, signed_in, start_muster};

const QUEUED: usize = 500;
const PHONES: usize = 8;
const PGBENCH_SECONDS: &str = "10";

/// The owner role's connection, for pgbench's own database.
struct Postgres {
    url: url::Url,
}

impl Postgres {
    fn from_env() -> Self {
        let raw = std::env::var("DATABASE_MIGRATION_URL")
            .expect("DATABASE_MIGRATION_URL: run through scripts/bench");
        Self {
            url: raw.parse().expect("DATABASE_MIGRATION_URL is a URL"),
        }
    }

    /// A pgbench or psql command against `database`; the password goes by environment,
    /// never on the command line.
    fn command(&self, program: &str, database: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("PGHOST", self.url.host_str().unwrap_or("127.0.0.1"))
            .env("PGPORT", self.url.port().unwrap_or(5432).to_string())
            .env("PGUSER", self.url.username())
            .env("PGPASSWORD", self.url.password().unwrap_or_default())
            .env("PGDATABASE", database);
        command
    }
}

fn pgbench() -> String {
    std::env::var("PGBENCH").unwrap_or_else(|_| "pgbench".to_owned())
}

fn run(mut command: Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// TPC-B transactions per second at `PHONES` clients.
fn tpc_b(pg: &Postgres) -> f64 {
    let mut command = pg.command(&pgbench(), "muster_pgbench");
    command.args([
        "-n",
        "-c",
        &PHONES.to_string(),
        "-j",
        "2",
        "-T",
        PGBENCH_SECONDS,
    ]);
    let report = run(command, "pgbench");
    report
        .lines()
        .find_map(|line| {
            line.strip_prefix("tps = ")
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or_else(|| panic!("no tps in pgbench's report:\n{report}"))
}

fn form() -> Value {
    let field = |id: &str, label: &str, kind: Value| {
        let mut field = json!({ "id": id, "label": { "text": label } });
        if let (Some(field), Some(kind)) = (field.as_object_mut(), kind.as_object()) {
            field.extend(kind.clone());
        }
        field
    };
    json!({ "fields": [
        field("site", "Site", json!({ "type": "short_text", "required": true })),
        field("count", "Count", json!({ "type": "number", "integer": true, "min": 0, "max": 1000 })),
        field("spot", "Spot", json!({ "type": "location", "accuracy_m": 50 })),
        field("notes", "Notes", json!({ "type": "long_text" })),
    ]})
}

fn queued(phone: usize, n: usize) -> Value {
    json!({
        "client_id": uuid::Uuid::new_v4().to_string(),
        "version": 1,
        "finished_at": "2026-12-02T09:30:00+01:00",
        "document": {
            "site": format!("Site {phone}-{n}"),
            "count": (n % 1000).to_string(),
            "spot": format!("52.{:06} 4.{:06} 8", n * 7 % 1_000_000, phone * 13 + n),
            "notes": "Fence intact, gate lock replaced.",
        },
    })
}

/// Sends `QUEUED` submissions one after another, as one phone's outbox does; returns
/// each one's time.
async fn sync_phone(http: &reqwest::Client, addr: &str, app: &str, phone: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(QUEUED);
    for n in 0..QUEUED {
        let body = json!({ "app_id": app, "submission": queued(phone, n) });
        let started = Instant::now();
        let (status, answer) = call_json(http, addr, "submit", &body).await;
        times.push(started.elapsed());
        assert_eq!(status, 200, "submit: {answer}");
    }
    times
}

#[tokio::main]
async fn main() {
    let pg = Postgres::from_env();
    let mut create = pg.command("psql", "postgres");
    create.args([
        "-qc",
        "DROP DATABASE IF EXISTS muster_pgbench",
        "-c",
        "CREATE DATABASE muster_pgbench",
    ]);
    run(create, "create pgbench's database");
    let mut init = pg.command(&pgbench(), "muster_pgbench");
    init.args(["-i", "-q", "-s", "10"]);
    run(init, "pgbench -i");
    let before = tpc_b(&pg);

    let (server, addr) = start_muster(&[("MUSTER_DEV_OUTBOX", "1")]).await;
    let owner = signed_in(&addr).await;
    let app = call(&owner.http, &addr, "create_app", &[("name", "Bench sync")]).await;
    let app = app.as_str().expect("app id").to_owned();
    let (status, saved) = call_json(
        &owner.http,
        &addr,
        "save_draft",
        &json!({ "app_id": app, "form": form(), "base_revision": 1 }),
    )
    .await;
    assert_eq!(status, 200, "save_draft: {saved}");
    call(&owner.http, &addr, "publish_app", &[("app_id", &app)]).await;

    // Warm-up: connections, caches, the version's form.
    sync_phone(&owner.http, &addr, &app, 99).await;

    let started = Instant::now();
    let mut one = sync_phone(&owner.http, &addr, &app, 0).await;
    let one_rate = QUEUED as f64 / started.elapsed().as_secs_f64();
    one.sort();

    let started = Instant::now();
    let phones: Vec<_> = (1..=PHONES)
        .map(|phone| {
            let (http, addr, app) = (owner.http.clone(), addr.clone(), app.clone());
            tokio::spawn(async move { sync_phone(&http, &addr, &app, phone).await })
        })
        .collect();
    let mut many = Vec::with_capacity(PHONES * QUEUED);
    for phone in phones {
        many.extend(phone.await.expect("phone"));
    }
    let many_rate = (PHONES * QUEUED) as f64 / started.elapsed().as_secs_f64();
    many.sort();
    // Stopped before the second pgbench run, which then has the machine to itself.
    drop(server);

    let after = tpc_b(&pg);
    let baseline = (before + after) / 2.0;
    let mut cleanup = pg.command("psql", "postgres");
    cleanup.args(["-qc", "DROP DATABASE IF EXISTS muster_pgbench"]);
    run(cleanup, "drop pgbench's database");

    println!("| what (same Postgres, same run) | per second | ratio to TPC-B | p50 ms | p99 ms |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| pgbench TPC-B, {PHONES} clients (baseline; {before:.0} before, {after:.0} after) | {baseline:.0} | 1.00 | | |"
    );
    println!(
        "| one phone syncing {QUEUED} queued submissions, one at a time | {one_rate:.0} | {:.2} | {:.1} | {:.1} |",
        one_rate / baseline,
        pct(&one, 0.5),
        pct(&one, 0.99)
    );
    println!(
        "| {PHONES} phones syncing {QUEUED} each at once (server write rate) | {many_rate:.0} | {:.2} | {:.1} | {:.1} |",
        many_rate / baseline,
        pct(&many, 0.5),
        pct(&many, 0.99)
    );
}
