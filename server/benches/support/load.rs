//! Load generation shared by the serving benchmarks: replaying muster's recorded answer
//! from a bare axum handler (the baseline), closed-loop request rates and open-loop
//! latencies at a fixed rate.

use std::{
    future::Future,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    body::Bytes,
    http::{header, HeaderMap, HeaderValue},
    Router,
};
use tokio::net::TcpListener;

pub const CONNECTIONS: usize = 32;
pub const CLOSED_LOOP: Duration = Duration::from_secs(5);
pub const OPEN_LOOP: Duration = Duration::from_secs(5);

/// What muster answered for one path: replayed byte for byte by the baseline.
#[derive(Clone)]
pub struct Recorded {
    pub path: String,
    pub accept_encoding: &'static str,
    /// Sent with every request to muster (a session cookie), not to the baseline.
    pub cookie: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub async fn record(
    http: &reqwest::Client,
    addr: &str,
    path: &str,
    accept_encoding: &'static str,
    cookie: Option<&str>,
) -> Recorded {
    let mut request = http
        .get(format!("http://{addr}{path}"))
        .header(header::ACCEPT_ENCODING, accept_encoding);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = request.send().await.expect("request");
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
        cookie: cookie.map(str::to_owned),
        headers,
        body,
    }
}

/// The baseline: a bare axum server returning the recorded bytes, with the same
/// `TCP_NODELAY` muster sets.
pub async fn start_baseline(recorded: Vec<Recorded>) -> String {
    let mut router = Router::new();
    for item in recorded {
        let (headers, body) = (item.headers.clone(), item.body.clone());
        // Routes match paths; the query (`?view=timeline`) is the caller's to send.
        let path = item.path.split('?').next().unwrap_or(&item.path);
        router = router.route(
            path,
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

async fn one(
    http: &reqwest::Client,
    url: &str,
    accept_encoding: &'static str,
    cookie: Option<&str>,
) {
    let mut request = http.get(url).header(
        header::ACCEPT_ENCODING,
        HeaderValue::from_static(accept_encoding),
    );
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = request.send().await.expect("request");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.bytes().await.expect("body");
}

/// Requests per second from CONNECTIONS keep-alive connections, each sending the next
/// request as soon as the last answer is read.
pub async fn closed_loop_rate(
    url: &str,
    accept_encoding: &'static str,
    cookie: Option<&str>,
) -> f64 {
    closed_loop_rate_of(get(url, accept_encoding, cookie)).await
}

/// A GET of `url` (checked, body read) as an operation for the load generators.
fn get(
    url: &str,
    accept_encoding: &'static str,
    cookie: Option<&str>,
) -> impl Fn() -> futures::future::BoxFuture<'static, ()> + Clone + Send + 'static {
    let http = client();
    let (url, cookie) = (
        Arc::new(url.to_owned()),
        cookie.map(str::to_owned).map(Arc::new),
    );
    move || {
        let (http, url, cookie) = (http.clone(), url.clone(), cookie.clone());
        Box::pin(async move {
            one(
                &http,
                &url,
                accept_encoding,
                cookie.as_deref().map(String::as_str),
            )
            .await
        })
    }
}

/// Operations per second from CONNECTIONS tasks, each starting the next `operation` as
/// soon as the last one is done (after a second of warm-up: connections, caches).
pub async fn closed_loop_rate_of<F, Fut>(operation: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let warm = Instant::now() + Duration::from_secs(1);
    let mut warming = Vec::new();
    for _ in 0..CONNECTIONS {
        let operation = operation.clone();
        warming.push(tokio::spawn(async move {
            while Instant::now() < warm {
                operation().await;
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
        let operation = operation.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < end {
                operation().await;
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
pub async fn open_loop_latencies(
    url: &str,
    accept_encoding: &'static str,
    cookie: Option<&str>,
    rate: f64,
) -> Vec<Duration> {
    open_loop_latencies_of(rate, get(url, accept_encoding, cookie)).await
}

/// Latencies of `operation` started at a fixed rate for OPEN_LOOP (each from its
/// scheduled start, so a stall counts against every operation it delays), sorted.
pub async fn open_loop_latencies_of<F, Fut>(rate: f64, operation: F) -> Vec<Duration>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let interval = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now();
    let count = (OPEN_LOOP.as_secs_f64() * rate) as u64;
    let latencies = Arc::new(std::sync::Mutex::new(Vec::with_capacity(count as usize)));
    let mut tasks = Vec::with_capacity(count as usize);
    for n in 0..count {
        let scheduled = start + interval.mul_f64(n as f64);
        tokio::time::sleep_until(scheduled.into()).await;
        let (running, latencies) = (operation(), latencies.clone());
        tasks.push(tokio::spawn(async move {
            running.await;
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

/// Measures `target` on muster (at `muster`) against the baseline (at `baseline`) and
/// prints two Markdown rows: requests/s (closed loop) and p50/p99 at half muster's rate
/// (open loop).
pub async fn compare(name: &str, target: &Recorded, muster: &str, baseline: &str) -> (f64, f64) {
    let cookie = target.cookie.as_deref();
    let bare_rate = closed_loop_rate(
        &format!("http://{baseline}{}", target.path),
        target.accept_encoding,
        None,
    )
    .await;
    let rate = closed_loop_rate(
        &format!("http://{muster}{}", target.path),
        target.accept_encoding,
        cookie,
    )
    .await;
    let half = (rate / 2.0).max(1.0);
    let bare_latency = open_loop_latencies(
        &format!("http://{baseline}{}", target.path),
        target.accept_encoding,
        None,
        half,
    )
    .await;
    let latency = open_loop_latencies(
        &format!("http://{muster}{}", target.path),
        target.accept_encoding,
        cookie,
        half,
    )
    .await;
    println!(
        "| {name} | bare axum (baseline) | {bare_rate:.0} | 1.00 | {:.2} | {:.2} |",
        super::pct(&bare_latency, 0.5),
        super::pct(&bare_latency, 0.99)
    );
    println!(
        "| {name} | muster | {rate:.0} | {:.3} | {:.2} | {:.2} |",
        rate / bare_rate,
        super::pct(&latency, 0.5),
        super::pct(&latency, 0.99)
    );
    (bare_rate, rate)
}
