//! The real `muster` binary: configuration from the environment, JSON logs carrying
//! the request id, and a clean exit on SIGTERM.

use std::{
    io::Read,
    process::{Command, Stdio},
    time::Duration,
};

use nix::{sys::signal, unistd::Pid};

use crate::support::{dead_endpoint, TestDatabase};

#[tokio::test]
async fn binary_logs_json_with_request_ids_and_exits_cleanly_on_sigterm() {
    let db = TestDatabase::create().await;
    let addr = dead_endpoint();
    let mut child = Command::new(env!("CARGO_BIN_EXE_muster"))
        .envs(db.env())
        .env("LEPTOS_SITE_ADDR", addr.to_string())
        .env("LEPTOS_OUTPUT_NAME", "muster")
        .env(
            "LEPTOS_SITE_ROOT",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site"),
        )
        .env("MUSTER_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start muster");

    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = http.get(format!("http://{addr}/readyz")).send().await {
            if response.status() == 200 {
                break;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .map(|mut e| e.read_to_string(&mut stderr));
            panic!("muster exited early with {status}: {stderr}");
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "muster never became ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let page = http
        .get(format!("http://{addr}/status"))
        .header("x-request-id", "process-test-42")
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);

    signal::kill(Pid::from_raw(child.id() as i32), signal::Signal::SIGTERM).expect("send SIGTERM");
    let status = tokio::task::spawn_blocking(move || {
        let status = child.wait();
        (status, child)
    });
    let (status, mut child) = tokio::time::timeout(Duration::from_secs(30), status)
        .await
        .expect("exits after SIGTERM")
        .expect("join");
    assert!(status.expect("wait").success(), "clean exit code");

    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read logs");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|_| panic!("every log line is JSON: {line}"))
        })
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.to_string().contains("process-test-42")),
        "a log line of the request carries its id:\n{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.to_string().contains("Muster is ready")),
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.to_string().contains("stopped cleanly")),
        "{stdout}"
    );
    let password = db.primary_url.password().expect("password");
    assert!(!stdout.contains(password), "a secret reached the logs");
}
