//! Submissions at scale (issue 15): one app with a million submissions (and 100 000 more
//! in 50 other accounts), made by `submission_fixture.sql` in a database of the
//! benchmark's own, read through the benchmark build of `muster` (a child process).
//!
//! - Table pages (`load_submissions`): the first page, a filtered page (review status,
//!   a date range and an answer), the oldest first, and the last page reached by a
//!   keyset cursor a million rows deep; the map's pins in a box of about 5 000
//!   (`load_submission_pins`). Each beside its baseline in the same run: the same page's
//!   `SELECT` (built by the same `Selection`), alone, on a pooled replica connection of
//!   the runtime role (row level security on, the account set once per connection), as
//!   many connections as muster's replica pool. Requests/s from 32 tasks (closed loop,
//!   5 s), then p50/p95/p99 of both at half muster's rate, or half the baseline's when that is lower (open loop, 5 s).
//! - The CSV export of all 1 000 000 rows and of 100 000 (a date range): rows/s against
//!   `COPY (the same rows) TO STDOUT (FORMAT csv)` on the replica, and the server's peak
//!   resident memory during each (its high-water mark, reset before each export, and
//!   sampled every 10 ms).
//! - `EXPLAIN (ANALYZE, BUFFERS)` of the filtered page and of the map box, as the
//!   runtime role on the replica, run as prepared statements six times first (what a
//!   pooled connection of the server runs: Postgres may by then use a generic plan).
//!
//! Run through `scripts/bench`, or with the test services' variables exported:
//! `cargo bench -p muster-server --bench submissions`. `MUSTER_BENCH_KEEP_DATABASE=1`
//! keeps the database (`muster_bench_submissions`) afterwards for a closer look.

mod support;

use std::{
    process::Command,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use muster_domain::{
    forms::schema::Form,
    submissions::{columns, query::TableQuery},
};
use muster_submissions::selection::{push_page, Keyset, Selection};
use serde_json::{json, Value};
use sqlx::{
    postgres::{PgPoolCopyExt, PgPoolOptions},
    Connection, PgConnection, PgPool, Postgres, QueryBuilder,
};
use support::{
    call, call_json,
    load::{closed_loop_rate_of, open_loop_latencies_of},
    pct, signed_in, start_muster,
};
use url::Url;

const DATABASE: &str = "muster_bench_submissions";
/// Rows of the big app: a million, unless `MUSTER_BENCH_ROWS` says otherwise (a
/// multiple of 10; fewer for a quick try of the benchmark itself, whose numbers then
/// mean little). The other apps have a tenth as many in all.
fn rows() -> i64 {
    let rows = std::env::var("MUSTER_BENCH_ROWS")
        .ok()
        .map(|raw| raw.parse::<i64>().expect("MUSTER_BENCH_ROWS is a number"))
        .unwrap_or(1_000_000);
    assert!(
        rows >= 1_000 && rows % 10 == 0,
        "MUSTER_BENCH_ROWS: a multiple of 10, at least 1 000"
    );
    rows
}
/// Muster's replica pool (`DATABASE_REPLICA_MAX_CONNECTIONS`), and the baseline's.
const POOL: u32 = 10;
/// Rows per table page, and what a page query asks for (one more: is there a next?).
const PAGE: i64 = 50;
/// Rows per REST API page (its largest, `limit=100`).
const API_PAGE: i64 = 100;

const FILTERED: &str =
    "status=approved&from=2026-03-01&to=2026-05-31&field=site&value=Sluice+Haven";
/// The same question for an answer no row has (a site misspelt), over a year: the
/// rows the page looks through before it knows there are none.
const NOWHERE: &str =
    "status=approved&from=2025-12-08&to=2026-12-08&field=site&value=Sluice+Haven+2";
/// 0.24° × 0.20° around Utrecht: 0.5 % of the fixture's area, about 4 990 pins.
const BOX: &str = "bbox=5.00,52.00,5.24,52.20";
/// A date range of about 100 000 of the app's rows.
const RANGE: &str = "from=2026-01-01&to=2026-02-07";

/// The services of `scripts/bench` (the test set), with the database part replaced.
struct Services {
    /// The runtime role (a member of `muster_app`).
    runtime: Url,
    /// The owner role (a superuser here: the fixture bypasses row level security).
    owner: Url,
    replicas: Vec<Url>,
    redis: String,
}

fn with_database(url: &Url, database: &str) -> Url {
    let mut url = url.clone();
    url.set_path(&format!("/{database}"));
    url
}

impl Services {
    fn from_env() -> Self {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!("{name} is not set: run through scripts/bench (or export the test services' variables)")
            })
        };
        let url = |name: &str, raw: &str| {
            Url::parse(raw.trim()).unwrap_or_else(|_| panic!("{name} holds URLs"))
        };
        Self {
            runtime: url("DATABASE_URL", &var("DATABASE_URL")),
            owner: url("DATABASE_MIGRATION_URL", &var("DATABASE_MIGRATION_URL")),
            replicas: var("DATABASE_REPLICA_URLS")
                .split(',')
                .filter(|raw| !raw.trim().is_empty())
                .map(|raw| url("DATABASE_REPLICA_URLS", raw))
                .collect(),
            redis: var("REDIS_URL"),
        }
    }

    fn replica(&self) -> Url {
        with_database(self.replicas.first().expect("a replica"), DATABASE)
    }

    /// psql as the owner on `database`; the password goes by environment, never on
    /// the command line.
    fn psql(&self, database: &str) -> Command {
        let mut command = Command::new("psql");
        command
            .env("PGHOST", self.owner.host_str().unwrap_or("127.0.0.1"))
            .env("PGPORT", self.owner.port().unwrap_or(5432).to_string())
            .env("PGUSER", self.owner.username())
            .env("PGPASSWORD", self.owner.password().unwrap_or_default())
            .env("PGDATABASE", database)
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"]);
        command
    }
}

/// The benchmark's database, dropped at the end (also when the benchmark fails) unless
/// `MUSTER_BENCH_KEEP_DATABASE` is set.
struct OwnDatabase<'a>(&'a Services);

impl Drop for OwnDatabase<'_> {
    fn drop(&mut self) {
        if std::env::var_os("MUSTER_BENCH_KEEP_DATABASE").is_some() {
            eprintln!("kept database {DATABASE}");
            return;
        }
        let _ = self
            .0
            .psql("postgres")
            .args([
                "-c",
                &format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"),
            ])
            .status();
    }
}

async fn create_database(services: &Services) {
    let status = services
        .psql("postgres")
        .args([
            "-c",
            &format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"),
        ])
        .args(["-c", &format!("CREATE DATABASE {DATABASE}")])
        .status()
        .expect("psql runs");
    assert!(status.success(), "create {DATABASE}");
    // It reaches the replicas by streaming replication.
    for replica in &services.replicas {
        let admin = with_database(replica, "postgres");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = async {
                let mut conn = PgConnection::connect(admin.as_str()).await?;
                let found: Option<i32> =
                    sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                        .bind(DATABASE)
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
            assert!(Instant::now() < deadline, "{DATABASE} is not on a replica");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Waits until every replica has replayed all the primary has written so far: the
/// fixture was written behind muster's back, so no read position covers it.
async fn replicated(services: &Services) {
    let mut primary = PgConnection::connect(with_database(&services.owner, DATABASE).as_str())
        .await
        .expect("connect to the primary");
    let position: String = sqlx::query_scalar("SELECT pg_current_wal_insert_lsn()::text")
        .fetch_one(&mut primary)
        .await
        .expect("primary position");
    primary.close().await.ok();
    for replica in &services.replicas {
        let url = with_database(replica, DATABASE);
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let replayed = async {
                let mut conn = PgConnection::connect(url.as_str()).await?;
                let replayed: bool =
                    sqlx::query_scalar("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn")
                        .bind(&position)
                        .fetch_one(&mut conn)
                        .await?;
                conn.close().await.ok();
                Ok::<_, sqlx::Error>(replayed)
            }
            .await
            .unwrap_or(false);
            if replayed {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "a replica did not replay the fixture"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Refuses to load the fixture where it would fill the disk of the test clusters (when
/// they run on this machine): a million submissions take about 1.4 GB in each of the
/// primary, the replica and the delayed replica, and WAL on top while they load. A full
/// disk stops a replica, and the primary then keeps WAL for it without limit.
fn check_disk(services: &Services, rows: i64) {
    let needed_kb = (7.0e6 * rows as f64 / 1e6) as u64;
    let output = services
        .psql("postgres")
        .args(["-Atc", "SHOW data_directory"])
        .output()
        .expect("psql runs");
    let directory = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let Ok(df) = Command::new("df").args(["-Pk", &directory]).output() else {
        return;
    };
    let free_kb = String::from_utf8_lossy(&df.stdout)
        .lines()
        .nth(1)
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|kb| kb.parse::<u64>().ok());
    match free_kb {
        Some(free) if free < needed_kb => panic!(
            "{:.1} GB free where Postgres keeps its data ({directory}); the fixture needs about {:.1} GB (three copies and WAL): free some space or set MUSTER_BENCH_ROWS lower",
            free as f64 / 1e6,
            needed_kb as f64 / 1e6
        ),
        // Not on this machine (or not readable): the operator's to judge.
        _ => {}
    }
}

fn field(id: &str, label: &str, kind: Value) -> Value {
    let mut field = json!({ "id": id, "label": { "text": label } });
    if let (Some(field), Some(kind)) = (field.as_object_mut(), kind.as_object()) {
        field.extend(kind.clone());
    }
    field
}

/// The inspections form the fixture's documents answer: eight questions.
fn form() -> Value {
    let choice = |value: &str, label: &str| json!({ "value": value, "label": { "text": label } });
    json!({ "fields": [
        field("site", "Site", json!({ "type": "short_text", "required": true })),
        field("count", "Defects counted", json!({ "type": "number", "integer": true, "min": 0, "max": 500 })),
        field("visited_on", "Date of the visit", json!({ "type": "date" })),
        field("condition", "Condition", json!({ "type": "single_choice", "options": [
            choice("good", "Good"), choice("fair", "Fair"), choice("poor", "Poor"), choice("damaged", "Damaged"),
        ]})),
        field("water_level", "Water level (m)", json!({ "type": "number", "min": -5, "max": 10 })),
        field("safe", "Safe to access", json!({ "type": "yes_no" })),
        field("place", "Place", json!({ "type": "location", "accuracy_m": 50 })),
        field("notes", "Notes", json!({ "type": "long_text" })),
    ]})
}

/// The first page's `SELECT` (as `muster_submissions::table` writes it).
const ROW_COLUMNS: &str =
    "SELECT s.id, s.version, u.name, s.received_at, s.status, s.review_status, s.document
       FROM submissions s LEFT JOIN users u ON u.id = s.submitted_by";
/// The pins' `SELECT` (as `muster_submissions::map` writes it).
const PIN_COLUMNS: &str =
    "SELECT s.id, ST_Y(s.location::geometry), ST_X(s.location::geometry), s.received_at
       FROM submissions s";
/// The export's columns (as `muster_submissions::export` reads them).
const EXPORT_COLUMNS: &str =
    "SELECT s.id, s.version, u.name, s.received_at, s.review_status, s.status, s.document,
            ST_Y(s.location::geometry), ST_X(s.location::geometry)
       FROM submissions s LEFT JOIN users u ON u.id = s.submitted_by";

/// Which of muster's readers a request goes to.
#[derive(Clone, Copy, PartialEq)]
enum Reader {
    /// The table page's server function (`load_submissions`), 50 rows.
    Table,
    /// The map's server function (`load_submission_pins`).
    Pins,
    /// The REST API's list (`GET /api/v1/apps/{app}/submissions?limit=100`).
    Api,
}

/// What muster asks Postgres for one request: a page of `rows` (its size and one more)
/// or the pins.
#[derive(Clone)]
enum Asked {
    Page(Selection, TableQuery, i64),
    Pins(Selection),
}

impl Asked {
    fn new(app: uuid::Uuid, form: &Form, query: &str, reader: Reader) -> Self {
        let query = TableQuery::parse(query).expect("a valid query");
        let columns = columns::columns(&[(1, form)]);
        let selection = Selection::new(app, &query.filter, &columns).expect("a valid filter");
        match reader {
            Reader::Pins => Asked::Pins(selection),
            Reader::Table => Asked::Page(selection, query, PAGE + 1),
            Reader::Api => Asked::Page(selection, query, API_PAGE + 1),
        }
    }

    fn sql(&self) -> QueryBuilder<Postgres> {
        match self {
            Asked::Page(selection, query, rows) => {
                let mut sql = QueryBuilder::new(ROW_COLUMNS);
                selection.push_where(&mut sql);
                let after = query
                    .after
                    .as_ref()
                    .map(|cursor| Keyset::from_cursor(cursor).expect("cursor"));
                push_page(&mut sql, query.order, after, *rows);
                sql
            }
            Asked::Pins(selection) => {
                let mut sql = QueryBuilder::new(PIN_COLUMNS);
                selection.push_where(&mut sql);
                sql.push(" AND s.location IS NOT NULL LIMIT ")
                    .push_bind(5_001_i64);
                sql
            }
        }
    }

    /// Runs the bare `SELECT` once on the baseline pool: its rows. As a prepared
    /// statement kept on the connection, as muster runs it (after five runs Postgres may
    /// plan it once for any values: a generic plan), or `with_values`: as an unnamed
    /// statement, planned for its values every time.
    async fn run(&self, pool: &PgPool, with_values: bool) -> usize {
        let mut sql = self.sql();
        sql.build()
            .persistent(!with_values)
            .fetch_all(pool)
            .await
            .expect("baseline query")
            .len()
    }
}

/// The runtime role on the replica with the account set for the whole session: each
/// query is then one statement, as bare as it gets under row level security.
async fn baseline_pool(services: &Services, account: &str) -> PgPool {
    let account = account.to_owned();
    PgPoolOptions::new()
        .max_connections(POOL)
        .after_connect(move |conn, _| {
            let account = account.clone();
            Box::pin(async move {
                sqlx::query("SELECT set_config('muster.account_id', $1, false)")
                    .bind(account)
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .connect(with_database(&services.replicas[0], DATABASE).as_str())
        .await
        .expect("baseline pool")
}

/// A client that sends the session's cookie and the page's origin, as a browser does.
fn browser(addr: &str, cookie: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ORIGIN,
        format!("http://{addr}").parse().expect("origin"),
    );
    headers.insert(reqwest::header::COOKIE, cookie.parse().expect("cookie"));
    headers.insert(
        reqwest::header::ACCEPT_ENCODING,
        reqwest::header::HeaderValue::from_static("identity"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .pool_max_idle_per_host(support::load::CONNECTIONS)
        .build()
        .expect("client")
}

/// Calls a server function with a form body: its answer, checked.
async fn server_fn(http: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> Bytes {
    let response = http.post(url).form(form).send().await.expect("request");
    let status = response.status();
    let body = response.bytes().await.expect("body");
    assert!(
        status.is_success(),
        "{url}: {status} {}",
        String::from_utf8_lossy(&body)
    );
    body
}

struct Measured {
    bare_rate: f64,
    rate: f64,
    bare: Vec<Duration>,
    muster: Vec<Duration>,
    /// The bare `SELECT` planned for its values each time: rate and latencies.
    with_values: Option<(f64, Vec<Duration>)>,
    /// Muster's requests that failed.
    failed: u64,
}

/// One of muster's requests as an operation for the load generator.
type Operation = Arc<dyn Fn() -> futures::future::BoxFuture<'static, ()> + Send + Sync>;

/// The request of `reader` for `query`: a server function call with the session's
/// cookie (`http`), or an API call with `token`.
fn muster_call(
    http: &reqwest::Client,
    addr: &str,
    reader: Reader,
    app: &str,
    query: &str,
    token: &str,
) -> Operation {
    let request: Arc<dyn Fn() -> reqwest::RequestBuilder + Send + Sync> = match reader {
        Reader::Table | Reader::Pins => {
            let function = if reader == Reader::Pins {
                "load_submission_pins"
            } else {
                "load_submissions"
            };
            let (http, url) = (http.clone(), format!("http://{addr}/api/{function}"));
            let form = [
                ("app_id".to_owned(), app.to_owned()),
                ("query".to_owned(), query.to_owned()),
            ];
            Arc::new(move || http.post(&url).form(&form))
        }
        Reader::Api => {
            let separator = if query.is_empty() { "" } else { "&" };
            let url = format!(
                "http://{addr}/api/v1/apps/{app}/submissions?limit={API_PAGE}{separator}{query}"
            );
            let (api, bearer) = (api_client(), format!("Bearer {token}"));
            Arc::new(move || {
                api.get(&url)
                    .header(reqwest::header::AUTHORIZATION, &bearer)
            })
        }
    };
    Arc::new(move || {
        let request = request();
        Box::pin(async move {
            let response = request.send().await;
            let failed = match response {
                Ok(response) if response.status().is_success() => response.bytes().await.is_err(),
                Ok(response) => {
                    let (status, url) = (response.status(), response.url().clone());
                    let body = response.text().await.unwrap_or_default();
                    if FAILED.load(Ordering::Relaxed) == 0 {
                        eprintln!("{url}: {status} {body}");
                    }
                    true
                }
                Err(error) => {
                    if FAILED.load(Ordering::Relaxed) == 0 {
                        eprintln!("{error}");
                    }
                    true
                }
            };
            if failed {
                FAILED.fetch_add(1, Ordering::Relaxed);
            }
        })
    })
}

/// A client as an integration is: no cookie, no origin.
fn api_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(support::load::CONNECTIONS)
        .build()
        .expect("client")
}

/// Muster's requests that failed under load (counted, not fatal: they are a result).
static FAILED: AtomicU64 = AtomicU64::new(0);

/// The bare `SELECT` of `asked` as an operation for the load generator.
fn bare(
    asked: &Asked,
    pool: &PgPool,
    with_values: bool,
) -> impl Fn() -> futures::future::BoxFuture<'static, ()> + Clone + Send + 'static {
    let (asked, pool) = (asked.clone(), pool.clone());
    move || {
        let (asked, pool) = (asked.clone(), pool.clone());
        Box::pin(async move {
            asked.run(&pool, with_values).await;
        })
    }
}

/// `asked` from muster (`muster`) and bare on `pool`: rates from a closed loop each,
/// then latencies of both at half muster's rate.
async fn measure(
    muster: Operation,
    asked: &Asked,
    pool: &PgPool,
    // Its own connections: sqlx reuses a statement a connection has kept for the same
    // text even when asked not to keep it, so the kept one would be planned generically.
    values_pool: Option<&PgPool>,
) -> Measured {
    FAILED.store(0, Ordering::Relaxed);
    let muster = move || muster();
    let bare_rate = closed_loop_rate_of(bare(asked, pool, false)).await;
    let rate = closed_loop_rate_of(muster.clone()).await;
    let half = (rate / 2.0).max(1.0);
    // Never above half the baseline's own rate: a baseline slower than muster (a generic
    // plan) would queue without end and time its pool out.
    let bare_latencies =
        open_loop_latencies_of(half.min(bare_rate / 2.0).max(1.0), bare(asked, pool, false)).await;
    let muster = open_loop_latencies_of(half, muster).await;
    let with_values = match values_pool {
        Some(pool) => {
            let rate = closed_loop_rate_of(bare(asked, pool, true)).await;
            let at = half.min(rate / 2.0).max(1.0);
            Some((
                rate,
                open_loop_latencies_of(at, bare(asked, pool, true)).await,
            ))
        }
        None => None,
    };
    Measured {
        bare_rate,
        rate,
        bare: bare_latencies,
        muster,
        with_values,
        failed: FAILED.load(Ordering::Relaxed),
    }
}

fn print_rows(label: &str, target_ms: Option<f64>, m: &Measured) {
    println!(
        "| {label} | bare `SELECT` (baseline) | {:.0} | 1.00 | {:.1} | {:.1} | {:.1} | |",
        m.bare_rate,
        pct(&m.bare, 0.5),
        pct(&m.bare, 0.95),
        pct(&m.bare, 0.99)
    );
    let p95 = pct(&m.muster, 0.95);
    let mut verdict = match target_ms {
        Some(target) if p95 <= target => format!("p95 ≤ {target:.0} ms: met"),
        Some(target) => format!("p95 ≤ {target:.0} ms: **missed** ({:.1}x)", p95 / target),
        None => String::new(),
    };
    if m.failed > 0 {
        verdict.push_str(&format!("; **{} requests failed**", m.failed));
    }
    println!(
        "| {label} | muster | {:.0} | {:.3} | {:.1} | {p95:.1} | {:.1} | {verdict} |",
        m.rate,
        m.rate / m.bare_rate,
        pct(&m.muster, 0.5),
        pct(&m.muster, 0.99)
    );
    if let Some((rate, latencies)) = &m.with_values {
        println!(
            "| {label} | bare `SELECT` planned for its values (unnamed statement) | {rate:.0} | {:.2} | {:.1} | {:.1} | {:.1} | |",
            rate / m.bare_rate,
            pct(latencies, 0.5),
            pct(latencies, 0.95),
            pct(latencies, 0.99)
        );
    }
}

/// The server's resident memory in kB: (now, high-water mark) from /proc.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

struct Exported {
    /// Counted from the lines; `None` when the body came compressed.
    rows: Option<u64>,
    /// `Content-Encoding`, when the body came compressed.
    encoding: Option<String>,
    bytes: u64,
    seconds: f64,
    rss_before_kb: u64,
    /// The high-water mark, reset just before the export (0 when it could not be).
    peak_kb: u64,
    sampled_peak_kb: u64,
}

/// Downloads the CSV export of `query`, watching the server's memory; with
/// `accept_encoding` as a browser sends it (the body is then not decompressed).
async fn export_csv(
    http: &reqwest::Client,
    addr: &str,
    app: &str,
    query: &str,
    pid: u32,
    accept_encoding: &'static str,
) -> Exported {
    let reset = std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok();
    let (rss_before_kb, _) = memory(pid);
    let sampled = Arc::new(AtomicU64::new(rss_before_kb));
    let sampler = {
        let sampled = sampled.clone();
        tokio::spawn(async move {
            loop {
                sampled.fetch_max(memory(pid).0, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let started = Instant::now();
    let response = http
        .get(format!("http://{addr}/api/apps/{app}/export/csv?{query}"))
        .header(reqwest::header::ACCEPT_ENCODING, accept_encoding)
        .send()
        .await
        .expect("export");
    assert!(
        response.status().is_success(),
        "export: {}",
        response.status()
    );
    let encoding = response
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let (mut lines, mut bytes) = (0u64, 0u64);
    let mut response = response;
    while let Some(chunk) = response.chunk().await.expect("export body") {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    let seconds = started.elapsed().as_secs_f64();
    sampler.abort();
    let peak_kb = if reset { memory(pid).1 } else { 0 };
    Exported {
        // The header is a line too (no answer holds a line break).
        rows: encoding.is_none().then(|| lines.saturating_sub(1)),
        encoding,
        bytes,
        seconds,
        rss_before_kb,
        peak_kb,
        sampled_peak_kb: sampled.load(Ordering::Relaxed).max(memory(pid).0),
    }
}

/// `COPY (the export's rows) TO STDOUT (FORMAT csv)` on the baseline pool: rows, bytes
/// and seconds.
async fn copy_csv(pool: &PgPool, app: uuid::Uuid, range: Option<(&str, &str)>) -> (u64, u64, f64) {
    // COPY takes no parameters; the values are a UUID and dates made here.
    let range = range
        .map(|(from, before)| {
            format!(" AND s.received_at >= '{from}'::timestamptz AND s.received_at < '{before}'::timestamptz")
        })
        .unwrap_or_default();
    let statement = format!(
        "COPY ({EXPORT_COLUMNS} WHERE s.app_id = '{app}'{range} ORDER BY s.received_at DESC, s.id DESC) TO STDOUT (FORMAT csv)"
    );
    let started = Instant::now();
    let mut stream = pool.copy_out_raw(&statement).await.expect("copy out");
    let (mut rows, mut bytes) = (0u64, 0u64);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("copy data");
        bytes += chunk.len() as u64;
        rows += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    (rows, bytes, started.elapsed().as_secs_f64())
}

/// `EXPLAIN (ANALYZE, BUFFERS)` of `asked` as the runtime role on the replica, after six
/// runs of the same prepared statement (the plan a pooled server connection uses), or
/// `with_values`: planned for these values (`plan_cache_mode = force_custom_plan`).
async fn explain(
    services: &Services,
    account: &str,
    asked: &Asked,
    literals: &[String],
    with_values: bool,
) -> String {
    let mut conn = PgConnection::connect(services.replica().as_str())
        .await
        .expect("connect to the replica");
    let sql = asked.sql().into_string();
    let execute = format!("EXECUTE bench_page({})", literals.join(", "));
    let mut script = format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
         SELECT set_config('muster.account_id', '{account}', true);
         PREPARE bench_page AS {sql};"
    );
    if with_values {
        script.push_str("SET LOCAL plan_cache_mode = force_custom_plan;");
    } else {
        // As the server's connections run it (the database's setting may say otherwise
        // by now).
        script.push_str("SET LOCAL plan_cache_mode = auto;");
        for _ in 0..6 {
            script.push_str(&format!("{execute};"));
        }
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(script))
        .execute(&mut conn)
        .await
        .expect("prepare and run");
    let lines: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "EXPLAIN (ANALYZE, BUFFERS) {execute}"
    )))
    .fetch_all(&mut conn)
    .await
    .expect("explain");
    sqlx::raw_sql("ROLLBACK; DEALLOCATE bench_page")
        .execute(&mut conn)
        .await
        .expect("end");
    conn.close().await.ok();
    format!("{sql}\n-- {execute}\n{}", lines.join("\n"))
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[tokio::main]
async fn main() {
    let services = Services::from_env();
    let rows = rows();
    check_disk(&services, rows);
    create_database(&services).await;
    let _dropped_at_the_end = OwnDatabase(&services);
    let runtime = with_database(&services.runtime, DATABASE).to_string();
    let owner_url = with_database(&services.owner, DATABASE).to_string();
    let replicas = services
        .replicas
        .iter()
        .map(|url| with_database(url, DATABASE).to_string())
        .collect::<Vec<_>>()
        .join(",");
    let prefix = format!("bench-submissions:{}:", std::process::id());
    let muster_env = [
        ("DATABASE_URL", runtime.as_str()),
        ("DATABASE_MIGRATION_URL", owner_url.as_str()),
        ("DATABASE_REPLICA_URLS", replicas.as_str()),
        ("REDIS_URL", services.redis.as_str()),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
        ("LEPTOS_ENV", "PROD"),
        ("MUSTER_DEV_OUTBOX", "1"),
        // The load generator is one integration asking as fast as it can.
        ("MUSTER_RATE_API_PER_TOKEN", "100000000/60"),
    ];
    let (server, addr) = start_muster(&muster_env).await;
    let pid = server.0.id();
    let owner = signed_in(&addr).await;
    let session = call(&owner.http, &addr, "load_session", &[]).await;
    let (user, account) = (
        session["user"]["id"].as_str().expect("user").to_owned(),
        session["account"]["id"]
            .as_str()
            .expect("account")
            .to_owned(),
    );
    let app = call(
        &owner.http,
        &addr,
        "create_app",
        &[("name", "Water inspections")],
    )
    .await;
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

    let all_rows = rows / 10 * 11;
    let started = Instant::now();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/submission_fixture.sql"
    );
    let status = services
        .psql(DATABASE)
        .args(["-v", &format!("account={account}")])
        .args(["-v", &format!("owner={user}")])
        .args(["-v", &format!("app={app}")])
        .args(["-v", &format!("total={all_rows}")])
        .args(["-f", fixture])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("psql runs");
    assert!(status.success(), "the submissions fixture loads");
    let loaded = started.elapsed();
    replicated(&services).await;
    let replayed = started.elapsed();

    let app_id: uuid::Uuid = app.parse().expect("app id");
    let form: Form = serde_json::from_value(form()).expect("form");
    let mut admin = PgConnection::connect(&owner_url).await.expect("owner");
    let (count, all, table_size, heap_size): (i64, i64, String, String) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE app_id = $1), count(*),
                pg_size_pretty(pg_total_relation_size('submissions')), pg_size_pretty(pg_relation_size('submissions'))
           FROM submissions",
    )
    .bind(app_id)
    .fetch_one(&mut admin)
    .await
    .expect("count");
    assert_eq!((count, all), (rows, all_rows), "the fixture's rows");
    // The last page newest first, reached by keyset: the row just before it.
    let (deep_at, deep_id): (DateTime<Utc>, uuid::Uuid) = sqlx::query_as(
        "SELECT received_at, id FROM submissions WHERE app_id = $1
          ORDER BY received_at DESC, id DESC OFFSET $2 LIMIT 1",
    )
    .bind(app_id)
    .bind(rows - PAGE - 1)
    .fetch_one(&mut admin)
    .await
    .expect("deep cursor");
    let deep = format!(
        "after={}",
        Keyset {
            received_at: deep_at,
            id: deep_id
        }
        .cursor()
        .encode()
    );
    let in_range: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM submissions WHERE app_id = $1
            AND received_at >= '2026-01-01' AND received_at < '2026-02-08'",
    )
    .bind(app_id)
    .fetch_one(&mut admin)
    .await
    .expect("range count");
    admin.close().await.ok();
    println!(
        "Fixture: {rows} submissions of one app and {} of 50 other apps, loaded in {:.0} s, on every replica after {:.0} s; table and indexes {table_size} (heap {heap_size}).",
        all_rows - rows,
        loaded.as_secs_f64(),
        replayed.as_secs_f64()
    );
    println!();

    let cookie = owner.cookie(&addr);
    let http = browser(&addr, &cookie);
    let pool = baseline_pool(&services, &account).await;
    let values_pool = baseline_pool(&services, &account).await;
    let table_url = format!("http://{addr}/api/load_submissions");
    let pins_url = format!("http://{addr}/api/load_submission_pins");

    // Each answer checked once, and against the bare query's.
    let page = |query: String| {
        let (http, url, app) = (http.clone(), table_url.clone(), app.clone());
        async move {
            let body = server_fn(&http, &url, &[("app_id", &app), ("query", &query)]).await;
            serde_json::from_slice::<Value>(&body).expect("json")
        }
    };
    let first = page(String::new()).await;
    assert!(first["next"].is_string(), "a next page");
    let last = page(deep.clone()).await;
    assert!(last["next"].is_null(), "the last page");
    let body = server_fn(&http, &pins_url, &[("app_id", &app), ("query", BOX)]).await;
    let pins: Value = serde_json::from_slice(&body).expect("json");
    let pin_count = pins["pins"].as_array().map_or(0, Vec::len);
    assert_eq!(pins["more"], false, "the box holds at most 5 000 pins");
    let pins_bytes = body.len();

    // An integration's read token, as an admin makes it.
    let token = call(
        &owner.http,
        &addr,
        "create_api_token",
        &[("name", "Bench"), ("scope", "read")],
    )
    .await;
    let token = token["secret"]
        .as_str()
        .expect("the token, shown once")
        .to_owned();

    struct Target {
        label: String,
        reader: Reader,
        query: String,
        target_ms: f64,
        /// Also the bare `SELECT` planned for its values.
        with_values: bool,
    }
    let table = |label: String, query: &str, target_ms: f64, with_values: bool| Target {
        label,
        reader: Reader::Table,
        query: query.to_owned(),
        target_ms,
        with_values,
    };
    let targets = [
        table("first page (no filter)".to_owned(), "", 100.0, false),
        table(
            "filtered page (approved, 3 months, site = an answer of 1 in 200)".to_owned(),
            FILTERED,
            200.0,
            true,
        ),
        table(
            "filtered page (approved, a year, site = an answer no row has)".to_owned(),
            NOWHERE,
            200.0,
            true,
        ),
        table(
            "first page, oldest first".to_owned(),
            "order=oldest",
            100.0,
            false,
        ),
        table(
            format!("last page by keyset (`after`, {} rows deep)", rows - PAGE),
            &deep,
            100.0,
            false,
        ),
        Target {
            label: format!(
                "map box (`{BOX}`: {pin_count} pins, {} KB)",
                pins_bytes / 1024
            ),
            reader: Reader::Pins,
            query: BOX.to_owned(),
            target_ms: 200.0,
            with_values: false,
        },
        Target {
            label: format!("REST API list, first page of {API_PAGE}"),
            reader: Reader::Api,
            query: String::new(),
            target_ms: 50.0,
            with_values: false,
        },
        Target {
            label: format!("REST API list, page of {API_PAGE} filtered as above (1 in 200)"),
            reader: Reader::Api,
            query: FILTERED.to_owned(),
            target_ms: 50.0,
            with_values: true,
        },
    ];
    let api = api_client();
    let api_page = |query: &str| {
        let separator = if query.is_empty() { "" } else { "&" };
        let request = api
            .get(format!(
                "http://{addr}/api/v1/apps/{app}/submissions?limit={API_PAGE}{separator}{query}"
            ))
            .bearer_auth(&token);
        async move {
            let response = request.send().await.expect("API request");
            assert!(response.status().is_success(), "API: {}", response.status());
            response.json::<Value>().await.expect("json")
        }
    };
    println!("| request | server | requests/s | vs baseline | p50 ms | p95 ms | p99 ms | target |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for target in &targets {
        let asked = Asked::new(app_id, &form, &target.query, target.reader);
        let bare_rows = asked.run(&pool, false).await;
        let shown = match target.reader {
            Reader::Pins => pin_count,
            Reader::Table => {
                let answer = page(target.query.clone()).await;
                answer["rows"].as_array().map_or(0, Vec::len)
            }
            Reader::Api => {
                let answer = api_page(&target.query).await;
                answer["data"].as_array().map_or(0, Vec::len)
            }
        };
        assert!(
            bare_rows == shown || (target.reader != Reader::Pins && bare_rows == shown + 1),
            "{}: the baseline reads {bare_rows} rows, muster shows {shown}",
            target.label
        );
        let m = measure(
            muster_call(&http, &addr, target.reader, &app, &target.query, &token),
            &asked,
            &pool,
            target.with_values.then_some(&values_pool),
        )
        .await;
        print_rows(&target.label, Some(target.target_ms), &m);
    }
    println!();

    // Exports: 100 000 rows first, then all, each with the high-water mark reset.
    let idle = memory(pid).0;
    let (copy_range_rows, _, copy_range_s) =
        copy_csv(&pool, app_id, Some(("2026-01-01", "2026-02-08"))).await;
    let (copy_rows, copy_bytes, copy_s) = copy_csv(&pool, app_id, None).await;
    assert_eq!((copy_rows, copy_range_rows), (rows as u64, in_range as u64));
    let ranged = export_csv(&http, &addr, &app, RANGE, pid, "identity").await;
    assert_eq!(
        ranged.rows,
        Some(in_range as u64),
        "the range's rows, once each"
    );
    let whole = export_csv(&http, &addr, &app, "", pid, "identity").await;
    assert_eq!(whole.rows, Some(rows as u64), "every row once");
    // As Chromium asks for it: the server compresses the stream.
    let browser_like = export_csv(&http, &addr, &app, "", pid, "gzip, deflate, br, zstd").await;
    println!("| CSV export | rows | MB | seconds | rows/s | vs COPY | server RSS before MB | peak RSS MB (high-water mark) | peak RSS MB (sampled) |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    println!(
        "| `COPY … TO STDOUT (FORMAT csv)`, {in_range} rows (baseline) | {copy_range_rows} | | {copy_range_s:.2} | {:.0} | 1.00 | | | |",
        copy_range_rows as f64 / copy_range_s
    );
    println!(
        "| `COPY … TO STDOUT (FORMAT csv)`, all rows (baseline) | {copy_rows} | {:.0} | {copy_s:.2} | {:.0} | 1.00 | | | |",
        copy_bytes as f64 / 1e6,
        copy_rows as f64 / copy_s
    );
    for (label, run, copy_rate) in [
        (
            format!("muster, `{RANGE}`"),
            &ranged,
            copy_range_rows as f64 / copy_range_s,
        ),
        (
            "muster, all rows".to_owned(),
            &whole,
            copy_rows as f64 / copy_s,
        ),
        (
            format!(
                "muster, all rows, `Accept-Encoding: gzip, deflate, br, zstd` (sent as {})",
                browser_like.encoding.as_deref().unwrap_or("identity")
            ),
            &browser_like,
            copy_rows as f64 / copy_s,
        ),
    ] {
        // A compressed body is the same rows as the plain one.
        let exported = run.rows.unwrap_or(rows as u64);
        let rate = exported as f64 / run.seconds;
        println!(
            "| {label} | {exported} | {:.0} | {:.2} | {rate:.0} | {:.2} | {:.1} | {} | {:.1} |",
            run.bytes as f64 / 1e6,
            run.seconds,
            rate / copy_rate,
            run.rss_before_kb as f64 / 1024.0,
            if run.peak_kb > 0 {
                format!("{:.1}", run.peak_kb as f64 / 1024.0)
            } else {
                "(not readable)".to_owned()
            },
            run.sampled_peak_kb as f64 / 1024.0
        );
    }
    let whole_rate = rows as f64 / whole.seconds;
    println!();
    println!(
        "Export target ≥ 50 000 rows/s: {} ({whole_rate:.0} rows/s). Server RSS idle before the exports: {:.1} MB.",
        if whole_rate >= 50_000.0 { "met" } else { "**missed**" },
        idle as f64 / 1024.0
    );
    println!();

    // The plans behind the filtered pages and the map box.
    let page_literals = |from: &str, before: &str, site: &str| {
        vec![
            quote(&app),
            quote(from),
            quote(before),
            quote("approved"),
            quote(&json!({ "site": site }).to_string()),
            (PAGE + 1).to_string(),
        ]
    };
    let filtered_asked = Asked::new(app_id, &form, FILTERED, Reader::Table);
    let filtered = page_literals(
        "2026-03-01T00:00:00Z",
        "2026-06-01T00:00:00Z",
        "Sluice Haven",
    );
    let nowhere = page_literals(
        "2025-12-08T00:00:00Z",
        "2026-12-09T00:00:00Z",
        "Sluice Haven 2",
    );
    let box_asked = Asked::new(app_id, &form, BOX, Reader::Pins);
    let box_literals = [
        quote(&app),
        "5.00".to_owned(),
        "52.00".to_owned(),
        "5.24".to_owned(),
        "52.20".to_owned(),
        "5001".to_owned(),
    ];
    for (title, asked, literals, with_values) in [
        (
            format!("The filtered page (`{FILTERED}`)"),
            &filtered_asked,
            &filtered[..],
            false,
        ),
        (
            format!("The filtered page (`{FILTERED}`), planned for its values"),
            &filtered_asked,
            &filtered[..],
            true,
        ),
        (
            format!("No row has the answer (`{NOWHERE}`)"),
            &filtered_asked,
            &nowhere[..],
            false,
        ),
        (
            format!("No row has the answer (`{NOWHERE}`), planned for its values"),
            &filtered_asked,
            &nowhere[..],
            true,
        ),
        (
            format!("The map box (`{BOX}`)"),
            &box_asked,
            &box_literals[..],
            false,
        ),
    ] {
        let plan = explain(&services, &account, asked, literals, with_values).await;
        println!("{title}:");
        println!();
        println!("```text\n{plan}\n```");
        println!();
    }
    drop((pool, values_pool));
    drop(server);
}
