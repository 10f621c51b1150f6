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

use axum::http::header;
use support::{
    load::{compare, record, start_baseline},
    start_muster,
};

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
    let home = record(&http, &muster, "/", "identity", None).await;
    let sign_in = record(&http, &muster, "/signin", "identity", None).await;
    let wasm = record(
        &http,
        &muster,
        &wasm_path(&home.body),
        "gzip, deflate, br",
        None,
    )
    .await;
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
        let name = format!("`{}` ({} KB)", target.path, target.body.len() / 1024);
        compare(&name, target, &muster, &baseline).await;
    }
}
