//! Webhooks (issue 15): signed as Standard Webhooks says, retried with a growing wait,
//! logged for builders, switched off after repeated failures, a test event on demand,
//! and URLs inside private networks refused unless the operator allows them.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post, Router};
use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::{
    accounts::{self, roles::join},
    apps::{field, new_app, save},
    support::{
        browser::{mailed_text, verified_user, Browser},
        wait_for, TestDatabase,
    },
};

/// A receiver on loopback: answers with the planned statuses (then 200) and keeps
/// every request.
#[derive(Clone, Default)]
struct Receiver {
    plan: Arc<Mutex<VecDeque<u16>>>,
    always: Option<u16>,
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    receiver
        .received
        .lock()
        .expect("lock")
        .push((headers, body));
    let planned = receiver.plan.lock().expect("lock").pop_front();
    StatusCode::from_u16(receiver.always.or(planned).unwrap_or(200)).unwrap_or(StatusCode::OK)
}

impl Receiver {
    async fn start(self) -> (Self, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hooks", listener.local_addr().expect("addr"));
        let app = Router::new()
            .route("/hooks", post(receive))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (self, url)
    }

    fn requests(&self) -> Vec<(HeaderMap, Bytes)> {
        self.received.lock().expect("lock").clone()
    }

    async fn wait_for(&self, count: usize) -> Vec<(HeaderMap, Bytes)> {
        wait_for(
            &format!("{count} webhook requests"),
            Duration::from_secs(20),
            || async {
                let got = self.requests();
                (got.len() >= count).then_some(got)
            },
        )
        .await
    }
}

/// Verifies a request as a receiver would, with its own HMAC.
fn verified(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let key = STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .expect("secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{}.{}.", header("webhook-id"), header("webhook-timestamp")).as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

async fn survey_app(owner: &Browser) -> String {
    let id = new_app(owner, "Hooks").await;
    let form = json!({ "fields": [field("site", "Site", json!({ "type": "short_text" }))] });
    assert_eq!(save(owner, &id, &form, 1).await.0, 200);
    let (status, body) = owner.call("publish_app", &[("app_id", &id)]).await;
    assert_eq!(status, 200, "{body}");
    id
}

async fn submit(owner: &Browser, app: &str, site: &str) -> String {
    let body = json!({ "client_id": uuid::Uuid::new_v4().to_string(), "version": 1,
                       "finished_at": "2026-12-07T10:00:00+01:00", "document": { "site": site } });
    let (status, receipt) = owner
        .call_json("submit", &json!({ "app_id": app, "submission": body }))
        .await;
    assert_eq!(status, 200, "{receipt}");
    receipt["id"].as_str().expect("id").to_owned()
}

async fn add(owner: &Browser, app: &str, url: &str, events: &[&str]) -> (u16, Value) {
    owner
        .call_json(
            "add_webhook",
            &json!({ "app_id": app, "url": url, "events": events }),
        )
        .await
}

async fn endpoints(owner: &Browser, app: &str) -> Value {
    let (status, body) = owner.call("load_webhooks", &[("app_id", app)]).await;
    assert_eq!(status, 200, "{body}");
    body
}

const LOOPBACK_ALLOWED: [(&str, &str); 4] = [
    ("MUSTER_WEBHOOK_ALLOW_PRIVATE", "true"),
    ("MUSTER_WEBHOOK_RETRY_BASE_MS", "100"),
    ("MUSTER_WEBHOOK_MAX_ATTEMPTS", "2"),
    ("MUSTER_WEBHOOK_DISABLE_AFTER", "3"),
];

#[tokio::test]
async fn deliveries_are_signed_retried_until_they_land_and_logged() {
    let db = TestDatabase::create().await;
    let app = accounts::app_with(&db, &LOOPBACK_ALLOWED).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = survey_app(&owner).await;
    let receiver = Receiver::default();
    receiver.plan.lock().expect("lock").push_back(503);
    let (receiver, url) = receiver.start().await;
    let (status, made) = add(
        &owner,
        &id,
        &url,
        &["submission.created", "submission.status_changed"],
    )
    .await;
    assert_eq!(status, 200, "{made}");
    let secret = made["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"));

    let submission = submit(&owner, &id, "North gate").await;
    // Refused once (503), delivered on the retry, with the same id both times.
    let requests = receiver.wait_for(2).await;
    for (headers, body) in &requests {
        assert!(verified(&secret, headers, body), "a valid signature");
        assert!(
            !verified("whsec_AAAA", headers, body),
            "and only with its secret"
        );
    }
    assert_eq!(
        requests[0].0.get("webhook-id"),
        requests[1].0.get("webhook-id")
    );
    let body: Value = serde_json::from_slice(&requests[1].1).expect("json");
    assert_eq!(body["type"], "submission.created");
    assert_eq!(body["data"]["submission"]["id"], submission.as_str());
    assert_eq!(body["data"]["submission"]["answers"]["site"], "North gate");
    let log = wait_for(
        "the delivery is logged as delivered",
        Duration::from_secs(10),
        || async {
            let list = endpoints(&owner, &id).await;
            (list[0]["deliveries"][0]["status"] == "delivered").then_some(list)
        },
    )
    .await;
    let delivery = &log[0]["deliveries"][0];
    assert_eq!(
        (
            delivery["attempts"].as_i64(),
            delivery["response_code"].as_i64()
        ),
        (Some(2), Some(200)),
        "{delivery}"
    );
    assert!(delivery["duration_ms"].is_i64());

    // A status change is an event too; a test event goes whatever the endpoint takes.
    let (status, _) = owner
        .call_json(
            "set_submission_status",
            &json!({ "app_id": id, "submission_id": submission, "status": "approved" }),
        )
        .await;
    assert_eq!(status, 200);
    let endpoint = log[0]["id"].as_str().expect("endpoint").to_owned();
    let (status, _) = owner
        .call(
            "send_test_webhook",
            &[("app_id", &id), ("endpoint_id", &endpoint)],
        )
        .await;
    assert_eq!(status, 200);
    let requests = receiver.wait_for(4).await;
    let mut types: Vec<String> = requests[2..]
        .iter()
        .map(|(_, body)| {
            serde_json::from_slice::<Value>(body).expect("json")["type"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    types.sort();
    assert_eq!(types, ["submission.status_changed", "webhook.test"]);

    // Another account's builder cannot see or use it.
    let stranger = verified_user(&app, "Eve", "eve@example.org", "Other Org").await;
    let (status, _) = stranger.call("load_webhooks", &[("app_id", &id)]).await;
    assert_eq!(status, 404);
    let (status, _) = stranger
        .call(
            "send_test_webhook",
            &[("app_id", &id), ("endpoint_id", &endpoint)],
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_switched_off_with_a_notice() {
    let db = TestDatabase::create().await;
    let app = accounts::app_with(&db, &LOOPBACK_ALLOWED).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = survey_app(&owner).await;
    let (receiver, url) = Receiver {
        always: Some(500),
        ..Receiver::default()
    }
    .start()
    .await;
    let (status, _) = add(&owner, &id, &url, &["submission.created"]).await;
    assert_eq!(status, 200);
    submit(&owner, &id, "One").await;
    submit(&owner, &id, "Two").await;
    // Two attempts each at most (then given up); off after three failures in a row.
    let list = wait_for(
        "the endpoint is switched off",
        Duration::from_secs(20),
        || async {
            let list = endpoints(&owner, &id).await;
            (list[0]["enabled"] == false).then_some(list)
        },
    )
    .await;
    let reason = list[0]["disabled_reason"].as_str().expect("a notice");
    assert!(
        reason.contains("3 failed deliveries in a row") && reason.contains("answered 500"),
        "{reason}"
    );
    wait_for(
        "every delivery is settled",
        Duration::from_secs(20),
        || async {
            let list = endpoints(&owner, &id).await;
            list[0]["deliveries"]
                .as_array()
                .is_some_and(|d| d.iter().all(|d| d["status"] == "given_up"))
                .then_some(())
        },
    )
    .await;
    let sent = receiver.requests().len();
    assert!(sent <= 4, "at most two attempts per delivery: {sent}");
    // Whoever added it is told once, by mail and in the app, with the way to fix it.
    let mail = mailed_text(&app, "olga@example.org", "Webhook switched off").await;
    assert!(
        mail.contains(&format!("/apps/{id}/webhooks")) && mail.contains("answered 500"),
        "{mail}"
    );
    let mails: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM dev_outbox WHERE subject LIKE 'Webhook switched off%'",
    )
    .fetch_one(app.platform.db.primary())
    .await
    .expect("read outbox");
    assert_eq!(mails, 1, "one notice, to the one who added it");
    let (status, notices) = owner.call("load_notices", &[]).await;
    assert_eq!(status, 200);
    assert!(
        notices
            .as_array()
            .expect("notices")
            .iter()
            .any(|n| n["kind"] == "webhook_disabled"
                && n["link"] == format!("/apps/{id}/webhooks").as_str()),
        "{notices}"
    );
    // Switched off, it hears nothing new.
    submit(&owner, &id, "Three").await;
    let list = endpoints(&owner, &id).await;
    assert_eq!(list[0]["deliveries"].as_array().map(Vec::len), Some(2));
    // Switched on again, it starts over.
    let endpoint = list[0]["id"].as_str().expect("id").to_owned();
    let (status, _) = owner
        .call(
            "set_webhook_enabled",
            &[
                ("app_id", &id),
                ("endpoint_id", &endpoint),
                ("enabled", "true"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let list = endpoints(&owner, &id).await;
    assert_eq!(
        (
            list[0]["enabled"].as_bool(),
            list[0]["consecutive_failures"].as_i64()
        ),
        (Some(true), Some(0))
    );
    assert_eq!(list[0]["disabled_reason"], Value::Null);
}

#[tokio::test]
async fn urls_in_private_networks_and_malformed_ones_are_refused_when_saved() {
    let db = TestDatabase::create().await;
    let app = accounts::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = survey_app(&owner).await;
    for (url, says) in [
        ("http://127.0.0.1:9/hooks", "private network"),
        ("http://10.0.0.7/hooks", "private network"),
        ("http://169.254.169.254/latest/meta-data", "private network"),
        ("http://localhost:8080/", "private network"),
        ("http://[::1]/hooks", "private network"),
        ("not a url", "not a web address"),
        ("ftp://example.org/hooks", "http or https"),
    ] {
        let (status, body) = add(&owner, &id, url, &["submission.created"]).await;
        assert_eq!(status, 422, "{url}: {body}");
        assert!(body.to_string().contains(says), "{url}: {body}");
    }
    let (status, body) = add(&owner, &id, "https://example.org/hooks", &["no.such.event"]).await;
    assert_eq!(status, 422, "{body}");
    let member = join(&app, &owner, "Mo", "mo@example.org", "member").await;
    let (status, _) = add(
        &member,
        &id,
        "https://example.org/hooks",
        &["submission.created"],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(endpoints(&owner, &id).await, json!([]));
}
