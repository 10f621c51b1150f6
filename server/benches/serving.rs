//! How fast the real `muster` release binary serves pages and assets, against a bare
//! axum handler that returns the same bytes (the baseline, in the same run, on the same
//! cores): the home page and the sign-in page (server-rendered), and the WASM bundle
//! (hashed, precompressed, as a browser asks for it).
//!
//! For each: requests per second from 32 keep-alive connections for 5 s (closed loop),
//! then latency at a fixed rate of half muster's (open loop, 5 s), p50 and p99.
//!
//! Run through `scripts/bench` (release site with hashed, precompressed assets first).

mod support;

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use support::{pct, start_muster};

use axum::{
    body::Bytes,
    http::{header, HeaderMap, HeaderValue},
    Router,
};
use tokio::net::TcpListener;

const CONNECTIONS: usize = 32;
const CLOSED_LOOP: Duration = Duration::from_secs(5);
const OPEN_LOOP: Duration = Duration::from_secs(5);

/// What muster answered for one path: replayed byte for byte by the baseline.
#[derive(Clone)]
struct Recorded {
    path: String,
    accept_encoding: &'static str,
    headers: HeaderMap,
    body: Bytes,
}

async fn record(
    http: &reqwest::Client,
    addr: &str,
    path: &str,
    accept_encoding: &'static str,
) -> Recorded {
    let response = http
        .get(format!("http://{addr}{path}"))
        .header(header::ACCEPT_ENCODING, accept_encoding)
        .send()
        .await
        .expect("request");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    let mut headers = HeaderMap::new();
    for name in [
        header::CONTENT_TYPE,
        header::CONTENT_ENCODING,
        header::CACHE_CONTROL,
    ] {
        if let Some(value) = response.headers().get(&name) {
            headers.insert(name, value.clone());
        }
    }
    let body = response.bytes().await.expect("body");
    Recorded {
        path: path.to_owned(),
        accept_encoding,
        headers,
        body,
    }
}

/// The baseline: a bare axum server returning the recorded bytes, with the same
/// `TCP_NODELAY` muster sets.
async fn start_baseline(recorded: Vec<Recorded>) -> String {
    let mut router = Router::new();
    for item in recorded {
        let (headers, body) = (item.headers.clone(), item.body.clone());
        router = router.route(
            &item.path,
            axum::routing::get(move || {
                let (headers, body) = (headers.clone(), body.clone());
                async move { (headers, body) }
            }),
        );
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(
            muster_server::http::connections::accept_without_nagle(listener),
            router,
        )
        .await;
    });
    addr.to_string()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("client")
}

async fn one(http: &reqwest::Client, url: &str, accept_encoding: &'static str) {
    let response = http
        .get(url)
        .header(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static(accept_encoding),
        )
        .send()
        .await
        .expect("request");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.bytes().await.expect("body");
}

/// Requests per second from CONNECTIONS keep-alive connections, each sending the next
/// request as soon as the last answer is read.
async fn closed_loop_rate(url: &str, accept_encoding: &'static str) -> f64 {
    let http = client();
    // Warm-up: open the connections, fill caches.
    let warm = Instant::now() + Duration::from_secs(1);
    let mut warming = Vec::new();
    for _ in 0..CONNECTIONS {
        let (http, url) = (http.clone(), url.to_owned());
        warming.push(tokio::spawn(async move {
            while Instant::now() < warm {
                one(&http, &url, accept_encoding).await;
            }
        }));
    }
    for task in warming {
        task.await.expect("warm-up");
    }
    let mut tasks = Vec::new();
    let start = Instant::now();
    let end = start + CLOSED_LOOP;
    for _ in 0..CONNECTIONS {
        let (http, url) = (http.clone(), url.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < end {
                one(&http, &url, accept_encoding).await;
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("load");
    }
    total as f64 / start.elapsed().as_secs_f64()
}

/// Latencies (from each request's scheduled start) at a fixed rate, sorted.
async fn open_loop_latencies(url: &str, accept_encoding: &'static str, rate: f64) -> Vec<Duration> {
    let http = client();
    let interval = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now();
    let count = (OPEN_LOOP.as_secs_f64() * rate) as u64;
    let latencies = Arc::new(std::sync::Mutex::new(Vec::with_capacity(count as usize)));
    let mut tasks = Vec::with_capacity(count as usize);
    for n in 0..count {
        let scheduled = start + interval.mul_f64(n as f64);
        tokio::time::sleep_until(scheduled.into()).await;
        let (http, url, latencies) = (http.clone(), url.to_owned(), latencies.clone());
        tasks.push(tokio::spawn(async move {
            one(&http, &url, accept_encoding).await;
            if let Ok(mut all) = latencies.lock() {
                all.push(scheduled.elapsed());
            }
        }));
    }
    for task in tasks {
        task.await.expect("request");
    }
    let mut all = latencies.lock().map(|all| all.clone()).unwrap_or_default();
    all.sort();
    all
}

/// The hashed WASM bundle the home page loads.
fn wasm_path(html: &[u8]) -> String {
    let html = String::from_utf8_lossy(html);
    let end = html.find(".wasm").expect("the page names its WASM bundle") + ".wasm".len();
    let start = html[..end].rfind("/pkg/").expect("under /pkg");
    html[start..end].to_owned()
}

#[tokio::main]
async fn main() {
    let (_muster, muster) = start_muster(&[
        ("LEPTOS_SITE_ROOT", "target/site"),
        ("LEPTOS_HASH_FILES", "true"),
        ("LEPTOS_ENV", "PROD"),
    ])
    .await;
    let http = reqwest::Client::new();
    let home = record(&http, &muster, "/", "identity").await;
    let sign_in = record(&http, &muster, "/signin", "identity").await;
    let wasm = record(&http, &muster, &wasm_path(&home.body), "gzip, deflate, br").await;
    assert_eq!(
        wasm.headers.get(header::CONTENT_ENCODING).map(|v| v.as_bytes()),
        Some(&b"br"[..]),
        "the bundle is served precompressed (build with `cargo leptos build --release --precompress`)"
    );
    let targets = vec![home, sign_in, wasm];
    let baseline = start_baseline(targets.clone()).await;

    println!(
        "| what | server | requests/s | vs bare axum | p50 ms at half rate | p99 ms at half rate |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for target in &targets {
        let bare_rate = closed_loop_rate(
            &format!("http://{baseline}{}", target.path),
            target.accept_encoding,
        )
        .await;
        let rate = closed_loop_rate(
            &format!("http://{muster}{}", target.path),
            target.accept_encoding,
        )
        .await;
        let half = (rate / 2.0).max(1.0);
        let bare_latency = open_loop_latencies(
            &format!("http://{baseline}{}", target.path),
            target.accept_encoding,
            half,
        )
        .await;
        let latency = open_loop_latencies(
            &format!("http://{muster}{}", target.path),
            target.accept_encoding,
            half,
        )
        .await;
        let name = format!("`{}` ({} KB)", target.path, target.body.len() / 1024);
        println!(
            "| {name} | bare axum (baseline) | {bare_rate:.0} | 1.00 | {:.2} | {:.2} |",
            pct(&bare_latency, 0.5),
            pct(&bare_latency, 0.99)
        );
        println!(
            "| {name} | muster | {rate:.0} | {:.3} | {:.2} | {:.2} |",
            rate / bare_rate,
            pct(&latency, 0.5),
            pct(&latency, 0.99)
        );
    }
}
