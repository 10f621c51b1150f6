//! Services failing under a running instance, simulated by cutting a TCP relay that
//! only this test's instance uses.

use crate::support::{proxy::TcpProxy, via, TestApp, TestDatabase};

#[tokio::test]
async fn reads_move_to_the_primary_while_the_replica_is_down_and_come_back_after() {
    let db = TestDatabase::create().await;
    let mut replica = TcpProxy::start(TcpProxy::target_of(&db.replica_url)).await;
    let mut env = db.env();
    env.insert(
        "DATABASE_REPLICA_URLS".into(),
        via(&db.replica_url, replica.addr).to_string(),
    );
    let app = TestApp::spawn(env).await;

    app.wait_for_replica_reads().await;

    replica.cut();
    // Even before any probe notices, a read that hits the dead replica is retried on the
    // primary: the user never sees the failure.
    let (status, report) = app.load_status().await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["served_by"], "primary");
    let page = app.http.get(app.url("/")).send().await.expect("home page");
    assert_eq!(page.status(), 200);
    let (status, body) = app.readyz().await;
    assert_eq!(status, 200);
    assert_eq!(body["replicas"][0]["state"], "unreachable", "{body}");

    replica.restore().await;
    app.wait_for_replica_reads().await;
    let (_, body) = app.readyz().await;
    assert_eq!(body["status"], "ready", "{body}");
}

#[tokio::test]
async fn readyz_is_503_while_the_primary_is_unreachable() {
    let db = TestDatabase::create().await;
    let mut primary = TcpProxy::start(TcpProxy::target_of(&db.primary_url)).await;
    let mut env = db.env();
    env.insert(
        "DATABASE_URL".into(),
        via(&db.primary_url, primary.addr).to_string(),
    );
    let app = TestApp::spawn(env).await;
    assert_eq!(app.readyz().await.0, 200);

    primary.cut();
    let (status, body) = app.readyz().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["primary"]["reachable"], false);
    // Liveness is unaffected: the process itself is fine.
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("healthz")
            .status(),
        200
    );

    primary.restore().await;
    app.eventually("the primary is reachable again", || async {
        app.readyz().await.0 == 200
    })
    .await;
}
