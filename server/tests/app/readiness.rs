use crate::support::{dead_endpoint, via, TestApp, TestDatabase};

#[tokio::test]
async fn healthz_answers_without_checking_dependencies() {
    let db = TestDatabase::create().await;
    let app = TestApp::spawn(db.env()).await;
    let response = app
        .http
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "alive");
}

#[tokio::test]
async fn readyz_reports_every_service_when_all_are_up() {
    let db = TestDatabase::create().await;
    let app = TestApp::spawn(db.env()).await;
    let (status, body) = app.readyz().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready", "{body}");
    assert_eq!(body["primary"]["reachable"], true);
    assert_eq!(body["redis"]["reachable"], true);
    let replicas = body["replicas"].as_array().expect("replica list");
    assert_eq!(replicas.len(), 1);
    assert_eq!(replicas[0]["name"], "replica-1");
    assert_eq!(replicas[0]["state"], "healthy", "{body}");
    assert!(replicas[0]["lag_seconds"].as_f64().is_some(), "{body}");
    assert!(replicas[0]["lag_bytes"].as_u64().is_some(), "{body}");
    app.platform
        .hub
        .wait_until_relaying(std::time::Duration::from_secs(10))
        .await;
    let (_, body) = app.readyz().await;
    assert_eq!(body["realtime_relaying"], true, "{body}");
    assert!(body["cache"]["hits"].is_u64(), "{body}");
}

#[tokio::test]
async fn readyz_never_reveals_passwords() {
    let db = TestDatabase::create().await;
    let app = TestApp::spawn(db.env()).await;
    let (_, body) = app.readyz().await;
    let text = body.to_string();
    let password = db
        .primary_url
        .password()
        .expect("test services use passwords");
    assert!(!text.contains(password), "password leaked: {text}");
}

#[tokio::test]
async fn a_replica_that_is_down_degrades_but_does_not_fail_readiness() {
    let db = TestDatabase::create().await;
    let mut env = db.env();
    env.insert(
        "DATABASE_REPLICA_URLS".into(),
        via(&db.replica_url, dead_endpoint()).to_string(),
    );
    let app = TestApp::spawn(env).await;

    let (status, body) = app.readyz().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["replicas"][0]["state"], "unreachable");
    assert!(body["replicas"][0]["error"].is_string(), "{body}");
    assert!(
        body["replicas"][0]["lag_seconds"].is_null(),
        "an unreachable replica's lag is unknown: {body}"
    );

    // Reads fall back to the primary: the status page still has its data.
    let (status, report) = app.load_status().await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["served_by"], "primary");
}

#[tokio::test]
async fn redis_down_degrades_without_error_pages() {
    let db = TestDatabase::create().await;
    let mut env = db.env();
    env.insert("REDIS_URL".into(), format!("redis://{}/", dead_endpoint()));
    let app = TestApp::spawn(env).await;

    let (status, body) = app.readyz().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["redis"]["reachable"], false);

    let page = app
        .http
        .get(app.url("/status"))
        .send()
        .await
        .expect("status page");
    assert_eq!(page.status(), 200);
    let (status, report) = app.load_status().await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["cache_reachable"], false);
}
