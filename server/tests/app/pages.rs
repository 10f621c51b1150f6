use crate::support::{TestApp, TestDatabase};

#[tokio::test]
async fn home_page_is_server_rendered() {
    let db = TestDatabase::create().await;
    let app = TestApp::spawn(db.env()).await;
    let response = app.http.get(app.url("/")).send().await.expect("home page");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/html"));
    let html = response.text().await.expect("body");
    assert!(html.contains("Field operations, without code"), "{html}");
    assert!(html.contains("/pkg/muster.css"), "stylesheet linked");
    assert!(html.contains("/pkg/muster"), "hydration script linked");
}

#[tokio::test]
async fn status_page_renders_data_read_from_the_database() {
    let db = TestDatabase::create().await;
    let app = TestApp::spawn(db.env()).await;
    let html = app
        .http
        .get(app.url("/status"))
        .send()
        .await
        .expect("status page")
        .text()
        .await
        .expect("body");
    assert!(html.contains("System status"), "{html}");
    assert!(html.contains("Schema version"), "{html}");
    assert!(
        html.contains("replica-1") || html.contains("primary"),
        "{html}"
    );
}

#[tokio::test]
async fn unknown_paths_get_a_404_page() {
    let db = TestDatabase::create().await;
    let app = TestApp::spawn(db.env()).await;
    let response = app
        .http
        .get(app.url("/no/such/page"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 404);
    let html = response.text().await.expect("body");
    assert!(html.contains("Page not found"), "{html}");
    assert!(html.contains("href=\"/\""), "offers a way home");
}

#[tokio::test]
async fn static_assets_are_served_from_the_site_root() {
    let db = TestDatabase::create().await;
    let app = TestApp::spawn(db.env()).await;
    let response = app
        .http
        .get(app.url("/pkg/muster.css"))
        .send()
        .await
        .expect("stylesheet");
    assert_eq!(
        response.status(),
        200,
        "run `cargo leptos build` before the tests (scripts/test does)"
    );
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .contains("css"));
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let db = TestDatabase::create().await;
    let app = TestApp::spawn(db.env()).await;
    // reqwest would transparently decompress; ask by hand and inspect the raw answer.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client");
    let response = raw
        .get(app.url("/"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("home page");
    assert_eq!(
        response
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap_or_default()),
        Some("gzip")
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let db = TestDatabase::create().await;
    let app = TestApp::spawn(db.env()).await;

    let generated = app
        .http
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("answer");
    let id = generated.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(id.len(), 36, "a generated UUID: {id}");

    let propagated = app
        .http
        .get(app.url("/healthz"))
        .header("x-request-id", "lb-1234")
        .send()
        .await
        .expect("answer");
    assert_eq!(propagated.headers()["x-request-id"], "lb-1234");

    let forged = app
        .http
        .get(app.url("/healthz"))
        .header("x-request-id", "a b\tc")
        .send()
        .await
        .expect("answer");
    assert_ne!(
        forged.headers()["x-request-id"],
        "a b\tc",
        "unsafe ids are replaced"
    );
}

#[tokio::test]
async fn oversized_request_bodies_are_refused() {
    let db = TestDatabase::create().await;
    let mut env = db.env();
    env.insert("MUSTER_BODY_LIMIT_BYTES".into(), "1024".into());
    let app = TestApp::spawn(env).await;
    let response = app
        .http
        .post(app.url("/api/load_status"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", app.origin())
        .body("x=".to_owned() + &"a".repeat(4096))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn status_server_function_reads_from_the_replica() {
    let db = TestDatabase::create().await;
    let app = TestApp::spawn(db.env()).await;
    app.wait_for_replica_reads().await;
    let (status, report) = app.load_status().await;
    assert_eq!(status, 200, "{report}");
    assert!(
        report["schema_version"].as_i64().is_some_and(|v| v > 0),
        "migrations applied: {report}"
    );
    assert!(report["installed_at"].is_string(), "{report}");
    assert_eq!(report["cache_reachable"], true);
}

#[tokio::test]
async fn state_changing_requests_from_other_sites_are_refused() {
    let db = TestDatabase::create().await;
    let app = TestApp::spawn(db.env()).await;
    let post = |origin: Option<&'static str>, fetch_site: Option<&'static str>| {
        let mut request = app
            .http
            .post(app.url("/api/load_status"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        request.send()
    };
    let cross_site = post(Some("https://evil.example"), None)
        .await
        .expect("answer");
    assert_eq!(cross_site.status(), 403);
    assert!(
        cross_site
            .text()
            .await
            .expect("body")
            .contains("cross-site"),
        "a message the user can act on"
    );
    assert_eq!(
        post(None, None).await.expect("answer").status(),
        403,
        "no proof of origin"
    );
    assert_eq!(
        post(None, Some("cross-site"))
            .await
            .expect("answer")
            .status(),
        403
    );
    assert_eq!(
        post(None, Some("same-origin"))
            .await
            .expect("answer")
            .status(),
        200
    );
    assert_eq!(app.load_status().await.0, 200, "same Origin as the host");
    // Reading stays open to links from anywhere.
    let get = app
        .http
        .get(app.url("/status"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("answer");
    assert_eq!(get.status(), 200);
}
