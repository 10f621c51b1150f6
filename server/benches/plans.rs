//! A large plan served by the release `muster` (issue 14): `plan_fixture.sql` makes 5 000
//! activities at 300 locations with 200 members, 20 roles and 3 000 call-ins.
//!
//! - The plan page (server-rendered, timeline view, the whole plan in the page for
//!   hydration), from the cache, against a bare axum handler returning the same bytes
//!   in the same run: requests/s from 32 connections (closed loop), then p50/p99 at half
//!   muster's rate (open loop). Then the same while the plan is written to every second
//!   (each write drops the cached plan), and with no cache at all (a second instance
//!   whose Redis is unreachable).
//! - A change reaching another screen: from sending an activity's move to the event on
//!   another connection of the plan's topic, and to that screen's refetched plan.
//!
//! Run through `scripts/bench` (release site first).

mod support;

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use support::{
    call, call_json,
    load::{closed_loop_rate, compare, open_loop_latencies, record, start_baseline},
    pct, signed_in, start_muster,
};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

const LIVE_ROUNDS: usize = 50;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next message of `kind` on `socket` (others are skipped).
async fn next_of(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("the server answers in time")
            .expect("open")
            .expect("frame");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(text.as_str()).expect("json");
            if value["type"] == kind {
                return value;
            }
        }
    }
}

/// Loads the fixture into the account of the signed-in owner.
fn load_fixture(account: &str, owner: &str, project: &str) {
    let url = std::env::var("DATABASE_MIGRATION_URL")
        .expect("DATABASE_MIGRATION_URL: run through scripts/bench");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/plan_fixture.sql");
    let status = std::process::Command::new("psql")
        .args([
            "-X",
            "-q",
            &url,
            "-v",
            &format!("account={account}"),
            "-v",
            &format!("owner={owner}"),
        ])
        .args(["-v", &format!("project={project}"), "-f", fixture])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("psql runs");
    assert!(status.success(), "the plan fixture loads");
}

/// Waits until the plan page shows the fixture: psql wrote it to the primary behind
/// muster's back, so the session's read position does not cover it and a replica may
/// not have replayed it yet.
async fn replicated(http: &reqwest::Client, addr: &str, path: &str, cookie: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = http
            .get(format!("http://{addr}{path}"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("request")
            .status();
        if status.is_success() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the replica did not show the fixture within 30 s ({status})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn first_activity(
    http: &reqwest::Client,
    addr: &str,
    project: &str,
) -> (String, i64, String) {
    let plan = call(http, addr, "load_plan", &[("project_id", project)]).await;
    let activity = &plan["activities"][0];
    (
        activity["id"].as_str().expect("id").to_owned(),
        activity["version"].as_i64().expect("version"),
        activity["starts_at"].as_str().expect("start").to_owned(),
    )
}

/// Moves `activity` by a minute's worth of duration; returns its new version.
async fn move_once(
    http: &reqwest::Client,
    addr: &str,
    project: &str,
    activity: &str,
    version: i64,
    starts_at: &str,
    round: usize,
) -> i64 {
    let (status, saved) = call_json(
        http,
        addr,
        "reschedule_activity",
        &json!({ "project_id": project, "activity_id": activity, "starts_at": starts_at,
                 "duration_minutes": 60 + (round % 60), "base_version": version }),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    saved["version"].as_i64().expect("version")
}

/// One table row: muster's rate at `url` (closed loop) against the bare rate, then its
/// latencies at half that rate (open loop).
async fn muster_row(label: &str, url: &str, cookie: &str, bare_rate: f64) {
    let rate = closed_loop_rate(url, "identity", Some(cookie)).await;
    let latency = open_loop_latencies(url, "identity", Some(cookie), (rate / 2.0).max(1.0)).await;
    println!(
        "| {label} | muster | {rate:.0} | {:.3} | {:.2} | {:.2} |",
        rate / bare_rate,
        pct(&latency, 0.5),
        pct(&latency, 0.99)
    );
}

#[tokio::main]
async fn main() {
    let env = [
        ("LEPTOS_SITE_ROOT", "target/site"),
        ("LEPTOS_HASH_FILES", "true"),
        ("LEPTOS_ENV", "PROD"),
        ("MUSTER_DEV_OUTBOX", "1"),
    ];
    let (_muster, addr) = start_muster(&env).await;
    let owner = signed_in(&addr).await;
    let session = call(&owner.http, &addr, "load_session", &[]).await;
    let (user, account) = (
        session["user"]["id"].as_str().expect("user").to_owned(),
        session["account"]["id"]
            .as_str()
            .expect("account")
            .to_owned(),
    );
    let project = uuid::Uuid::new_v4().to_string();
    load_fixture(&account, &user, &project);
    let cookie = owner.cookie(&addr);
    let path = format!("/projects/{project}?view=timeline");
    let http = reqwest::Client::new();
    replicated(&http, &addr, &path, &cookie).await;
    let page = record(&http, &addr, &path, "identity", Some(&cookie)).await;
    let plan = call(&owner.http, &addr, "load_plan", &[("project_id", &project)]).await;
    assert_eq!(plan["activities"].as_array().map(Vec::len), Some(5_000));
    let baseline = start_baseline(vec![page.clone()]).await;

    println!("| the plan page (`{path}`, {} KB) | server | requests/s | vs bare axum | p50 ms at half rate | p99 ms at half rate |", page.body.len() / 1024);
    println!("| --- | --- | --- | --- | --- | --- |");
    let (bare_rate, _) = compare("cached", &page, &addr, &baseline).await;

    // A write every second drops the cached plan each time.
    let (activity, version, starts_at) = first_activity(&owner.http, &addr, &project).await;
    let writer = {
        let (http, addr, project, activity, starts_at) = (
            owner.http.clone(),
            addr.clone(),
            project.clone(),
            activity.clone(),
            starts_at.clone(),
        );
        tokio::spawn(async move {
            let (mut round, mut version) = (0, version);
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                version = move_once(
                    &http, &addr, &project, &activity, version, &starts_at, round,
                )
                .await;
                round += 1;
            }
        })
    };
    muster_row(
        "a write every second",
        &format!("http://{addr}{path}"),
        &cookie,
        bare_rate,
    )
    .await;
    writer.abort();

    // No cache: an instance whose Redis does not answer computes every plan.
    let (_uncached, uncached) = start_muster(&[
        env[0],
        env[1],
        env[2],
        env[3],
        ("REDIS_URL", "redis://127.0.0.1:9/"),
    ])
    .await;
    muster_row(
        "no cache (Redis unreachable)",
        &format!("http://{uncached}{path}"),
        &cookie,
        bare_rate,
    )
    .await;

    // A change reaching another screen: a second connection following the plan.
    let mut request = format!("ws://{addr}/realtime")
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("cookie", cookie.parse().expect("cookie"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket");
    socket
        .send(Message::text(
            json!({ "type": "subscribe", "topic": format!("plan:{project}") }).to_string(),
        ))
        .await
        .expect("subscribe");
    next_of(&mut socket, "subscribed").await;
    let (activity, mut version, starts_at) = first_activity(&owner.http, &addr, &project).await;
    let (mut to_event, mut to_screen) = (Vec::new(), Vec::new());
    for round in 0..LIVE_ROUNDS {
        let start = Instant::now();
        version = move_once(
            &owner.http,
            &addr,
            &project,
            &activity,
            version,
            &starts_at,
            round,
        )
        .await;
        let event = next_of(&mut socket, "event").await;
        to_event.push(start.elapsed());
        assert_eq!(event["payload"]["event"], "changed");
        call(&owner.http, &addr, "load_plan", &[("project_id", &project)]).await;
        to_screen.push(start.elapsed());
    }
    to_event.sort();
    to_screen.sort();
    println!();
    println!("| a member's move, {LIVE_ROUNDS} times | p50 ms | p99 ms |");
    println!("| --- | --- | --- |");
    println!(
        "| to the event on another connection | {:.1} | {:.1} |",
        pct(&to_event, 0.5),
        pct(&to_event, 0.99)
    );
    println!(
        "| to that screen's refetched plan | {:.1} | {:.1} |",
        pct(&to_screen, 0.5),
        pct(&to_screen, 0.99)
    );
}
