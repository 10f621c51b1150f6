//! Websocket fan-out through the real stack: a publish on one hub goes through Redis to
//! a separate `muster` process, which relays it to N websocket clients. Measures the
//! delivery latency with 1 000 clients against the same pipeline with a single client
//! (the baseline, in the same run), and the server's memory per idle connection.
//!
//! Run through `scripts/bench` (services, and a raised open-files limit).

mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use support::{call, pct, signed_in, start_muster, Server};

use futures::{SinkExt, StreamExt};
use muster_platform::{
    config::RedisConfig,
    realtime::{Hub, HubSettings},
    RedisStore,
};
use secrecy::SecretString;
use tokio_tungstenite::tungstenite::Message;

const CLIENTS: usize = 1_000;
/// Events published to the 1 000 clients, and (more, for as many samples) to the one.
const EVENTS: usize = 30;
const SINGLE_CLIENT_EVENTS: usize = 300;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn start_server(prefix: &str) -> (Server, String) {
    start_muster(&[
        ("REDIS_KEY_PREFIX", prefix),
        // The builder below confirms their address from the outbox.
        ("MUSTER_DEV_OUTBOX", "1"),
    ])
    .await
}

/// Who the clients are: a builder's session and their app's draft topic. The server
/// relays only topics a subscriber is allowed to follow.
struct Follower {
    cookie: String,
    topic: String,
}

async fn signed_in_builder(addr: &str) -> Follower {
    let session = signed_in(addr).await;
    let app = call(&session.http, addr, "create_app", &[("name", "Bench")]).await;
    Follower {
        cookie: session.cookie(addr),
        topic: format!("draft:{}", app.as_str().expect("app id")),
    }
}

async fn subscribed_client(addr: &str, follower: &Follower) -> Socket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{addr}/realtime")
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("cookie", follower.cookie.parse().expect("cookie header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    socket
        .send(Message::Text(
            serde_json::json!({ "type": "subscribe", "topic": follower.topic })
                .to_string()
                .into(),
        ))
        .await
        .expect("subscribe");
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) if text.as_str().contains("\"subscribed\"") => {
                return socket
            }
            Some(Ok(Message::Text(text))) if text.as_str().contains("\"denied\"") => {
                panic!("subscription denied: {}", text.as_str())
            }
            Some(Ok(_)) => {}
            other => panic!("connection ended before subscribing: {other:?}"),
        }
    }
}

/// Publishes `events` events, one at a time, and returns every client's delivery latency.
async fn measure(hub: &Hub, topic: &str, clients: Vec<Socket>, events: usize) -> Vec<Duration> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Duration>();
    let mut readers = Vec::new();
    for mut socket in clients {
        let tx = tx.clone();
        readers.push(tokio::spawn(async move {
            let mut seen = 0;
            while seen < events {
                match socket.next().await {
                    Some(Ok(Message::Text(text))) => {
                        let received = now_ns();
                        let value: serde_json::Value =
                            serde_json::from_str(text.as_str()).expect("json");
                        if let Some(sent) = value["payload"]["sent_ns"]
                            .as_str()
                            .and_then(|s| s.parse::<u128>().ok())
                        {
                            let _ = tx
                                .send(Duration::from_nanos((received.saturating_sub(sent)) as u64));
                            seen += 1;
                        }
                    }
                    Some(Ok(_)) => {}
                    _ => break,
                }
            }
        }));
    }
    drop(tx);
    let mut samples = Vec::with_capacity(readers.len() * events);
    for _ in 0..events {
        let target = samples.len() + readers.len();
        hub.publish(
            topic,
            serde_json::json!({ "sent_ns": now_ns().to_string() }),
            None,
        )
        .await
        .expect("publish");
        while samples.len() < target {
            samples.push(
                tokio::time::timeout(Duration::from_secs(30), rx.recv())
                    .await
                    .expect("deliveries")
                    .expect("open"),
            );
        }
    }
    for reader in readers {
        let _ = reader.await;
    }
    samples.sort();
    samples
}

#[tokio::main]
async fn main() {
    let redis_url = std::env::var("REDIS_URL").expect("REDIS_URL: run through scripts/bench");
    let prefix = format!("bench:{}:", std::process::id());
    let (server, addr) = start_server(&prefix).await;
    let pid = server.0.id();

    let redis = RedisStore::connect(&RedisConfig {
        url: SecretString::from(redis_url),
        command_timeout: Duration::from_secs(2),
        key_prefix: prefix.clone(),
    })
    .expect("redis");
    let hub = Hub::start(
        redis,
        HubSettings {
            prefix: format!("{prefix}rt:"),
            ..Default::default()
        },
    );
    assert!(hub.wait_until_relaying(Duration::from_secs(10)).await);

    // Warm-up (connections, allocations), then the single-client baseline.
    let follower = signed_in_builder(&addr).await;
    let topic = follower.topic.as_str();
    measure(
        &hub,
        topic,
        vec![subscribed_client(&addr, &follower).await],
        20,
    )
    .await;
    let single = measure(
        &hub,
        topic,
        vec![subscribed_client(&addr, &follower).await],
        SINGLE_CLIENT_EVENTS,
    )
    .await;

    let idle_before = rss_kib(pid);
    let mut clients = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        clients.push(subscribed_client(&addr, &follower).await);
    }
    let idle_after = rss_kib(pid);
    let many = measure(&hub, topic, clients, EVENTS).await;

    println!("| fan-out (one publish at a time, loopback) | p50 ms | p99 ms | p50 vs 1 client | p99 vs 1 client |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| 1 client, {SINGLE_CLIENT_EVENTS} events (baseline) | {:.2} | {:.2} | 1.00x | 1.00x |",
        pct(&single, 0.5),
        pct(&single, 0.99)
    );
    println!(
        "| {CLIENTS} clients, {EVENTS} events | {:.2} | {:.2} | {:.1}x | {:.1}x |",
        pct(&many, 0.5),
        pct(&many, 0.99),
        pct(&many, 0.5) / pct(&single, 0.5),
        pct(&many, 0.99) / pct(&single, 0.99)
    );
    println!();
    println!(
        "server memory per idle subscribed connection: {:.1} KiB (RSS {} KiB -> {} KiB for {CLIENTS} connections)",
        (idle_after.saturating_sub(idle_before)) as f64 / CLIENTS as f64,
        idle_before,
        idle_after
    );
}
