//! What the benchmarks share: a real `muster` process on a free loopback port.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
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
