//! What the benchmarks share: a real `muster` process on a free loopback port, and a
//! signed-in user of it.

// Each benchmark uses a part of this.
#![allow(dead_code)]

pub mod load;

use std::{
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// The process, stopped when dropped.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the benchmark build of `muster` with `env` added (services from the
/// environment, as `scripts/bench` exports them) and returns once `/readyz` says so.
pub async fn start_muster(env: &[(&str, &str)]) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let addr = format!("127.0.0.1:{port}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_muster"));
    command
        .env("LEPTOS_SITE_ADDR", &addr)
        .env("LEPTOS_OUTPUT_NAME", "muster")
        // Measure serving, not logging.
        .env("RUST_LOG", "warn")
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdout(Stdio::null());
    // Its log (standard output) to a file, to see why a request failed.
    if let Some(path) = std::env::var_os("MUSTER_BENCH_SERVER_LOG") {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .expect("MUSTER_BENCH_SERVER_LOG can be written");
        command.stdout(log);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let server = Server(command.spawn().expect("start muster"));
    let http = reqwest::Client::new();
    for _ in 0..600 {
        if http
            .get(format!("http://{addr}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (server, addr);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("muster did not become ready");
}

/// A signed-in user with a confirmed address (and an account of their own): their
/// client keeps the session cookie. Needs `MUSTER_DEV_OUTBOX=1` on the server.
pub struct Session {
    pub http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
}

impl Session {
    /// The `cookie` header value of the session.
    pub fn cookie(&self, addr: &str) -> String {
        let url = format!("http://{addr}/").parse().expect("url");
        reqwest::cookie::CookieStore::cookies(&*self.jar, &url)
            .and_then(|value| value.to_str().ok().map(str::to_owned))
            .expect("session cookie")
    }
}

/// Calls server function `function` with a form body; panics unless it succeeds.
pub async fn call(
    http: &reqwest::Client,
    addr: &str,
    function: &str,
    form: &[(&str, &str)],
) -> serde_json::Value {
    let response = http
        .post(format!("http://{addr}/api/{function}"))
        .form(form)
        .send()
        .await
        .expect("server function");
    assert!(
        response.status().is_success(),
        "{function}: {}",
        response.status()
    );
    response.json().await.expect("json")
}

pub async fn signed_in(addr: &str) -> Session {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ORIGIN,
        format!("http://{addr}").parse().expect("origin"),
    );
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .default_headers(headers)
        .build()
        .expect("client");
    let unique = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let email = format!("bench-{}-{unique}@example.org", std::process::id());
    call(
        &http,
        addr,
        "sign_up",
        &[
            ("name", "Bench"),
            ("email", &email),
            ("password", "copper lantern orbit mouse"),
            ("account_name", "Bench"),
        ],
    )
    .await;
    // Link mails are made by a job: without a worker (MUSTER_IN_PROCESS_WORKER=false
    // and no `muster --worker`) none ever comes.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let token = loop {
        assert!(
            std::time::Instant::now() < deadline,
            "no confirmation mail for {email} within 30 s: is a job worker running?"
        );
        let mails = call(&http, addr, "load_dev_mail", &[]).await;
        let token = mails.as_array().into_iter().flatten().find_map(|mail| {
            let body = mail["body_text"].as_str()?;
            (mail["to"].as_str()?.contains(&email)).then_some(())?;
            let start = body.find("token=")? + "token=".len();
            body.get(start..start + 64).map(str::to_owned)
        });
        match token {
            Some(token) => break token,
            None => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    call(&http, addr, "verify_email", &[("token", &token)]).await;
    Session { http, jar }
}

/// Calls server function `function` with a JSON body: its status and answer.
pub async fn call_json(
    http: &reqwest::Client,
    addr: &str,
    function: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = http
        .post(format!("http://{addr}/api/{function}"))
        .json(body)
        .send()
        .await
        .expect("server function");
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

/// The `p` quantile of `sorted`, in milliseconds.
pub fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}
