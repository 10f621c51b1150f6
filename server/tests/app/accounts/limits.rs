//! Rate limits on sign-in, sign-up and password reset (per address and per client IP)
//! and on invitations (per inviter and per account): shared by all instances through
//! Redis, still enforced when Redis is down, and keyed on `X-Forwarded-For` only behind
//! a trusted proxy.

use crate::support::{browser::Browser, dead_endpoint, TestDatabase};

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .expect("retry-after")
        .parse()
        .expect("seconds")
}

async fn attempt(browser: &Browser, email: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = browser
        .http
        .post(browser_url(browser, "sign_in"))
        .form(&[("email", email), ("password", "wrong password here")]);
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    request.send().await.expect("answer")
}

fn browser_url(browser: &Browser, function: &str) -> String {
    format!("{}/api/{function}", browser.base())
}

#[tokio::test]
async fn sign_in_attempts_per_ip_are_counted_across_instances() {
    let db = TestDatabase::create().await;
    let limits = [("MUSTER_RATE_SIGN_IN_PER_IP", "3/60")];
    let (app1, app2) = (
        super::app_with(&db, &limits).await,
        super::app_with(&db, &limits).await,
    );
    let (first, second) = (Browser::new(&app1), Browser::new(&app2));
    for (i, browser) in [&first, &second, &first].into_iter().enumerate() {
        let response = attempt(browser, &format!("user{i}@example.org"), None).await;
        assert_eq!(
            response.status(),
            422,
            "attempt {i} is judged on its merits"
        );
    }
    let response = attempt(&second, "user9@example.org", None).await;
    assert_eq!(
        response.status(),
        429,
        "the fourth attempt from this IP, on either instance"
    );
    let wait = retry_after(&response);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(
        body["RateLimited"]["retry_after_secs"].as_u64().is_some(),
        "{body}"
    );
}

#[tokio::test]
async fn sign_in_attempts_per_address_are_limited_whatever_the_ip() {
    let db = TestDatabase::create().await;
    let app = super::app_with(
        &db,
        &[
            ("MUSTER_RATE_SIGN_IN_PER_EMAIL", "2/60"),
            ("MUSTER_TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .await;
    let browser = Browser::new(&app);
    assert_eq!(
        attempt(&browser, "target@example.org", Some("198.51.100.1"))
            .await
            .status(),
        422
    );
    assert_eq!(
        attempt(&browser, "TARGET@example.org", Some("198.51.100.2"))
            .await
            .status(),
        422
    );
    assert_eq!(
        attempt(&browser, "target@example.org", Some("198.51.100.3"))
            .await
            .status(),
        429
    );
    assert_eq!(
        attempt(&browser, "someone.else@example.org", Some("198.51.100.3"))
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let db = TestDatabase::create().await;
    let limit = ("MUSTER_RATE_SIGN_IN_PER_IP", "2/60");
    let trusting_app =
        super::app_with(&db, &[limit, ("MUSTER_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let trusting = Browser::new(&trusting_app);
    for _ in 0..2 {
        assert_eq!(
            attempt(&trusting, "a@example.org", Some("198.51.100.7"))
                .await
                .status(),
            422
        );
    }
    assert_eq!(
        attempt(&trusting, "a@example.org", Some("198.51.100.7"))
            .await
            .status(),
        429
    );
    assert_eq!(
        attempt(&trusting, "a@example.org", Some("198.51.100.8"))
            .await
            .status(),
        422,
        "another client"
    );

    let db = TestDatabase::create().await;
    let untrusting_app = super::app_with(&db, &[limit]).await;
    let untrusting = Browser::new(&untrusting_app);
    assert_eq!(
        attempt(&untrusting, "a@example.org", Some("198.51.100.7"))
            .await
            .status(),
        422
    );
    assert_eq!(
        attempt(&untrusting, "a@example.org", Some("198.51.100.8"))
            .await
            .status(),
        422
    );
    assert_eq!(
        attempt(&untrusting, "a@example.org", Some("198.51.100.9"))
            .await
            .status(),
        429,
        "a header the client wrote itself does not buy new attempts"
    );
}

#[tokio::test]
async fn limits_still_hold_in_memory_when_redis_is_down() {
    let db = TestDatabase::create().await;
    let app = super::app_with(
        &db,
        &[
            ("MUSTER_RATE_SIGN_IN_PER_IP", "2/60"),
            ("REDIS_URL", &format!("redis://{}/", dead_endpoint())),
        ],
    )
    .await;
    let browser = Browser::new(&app);
    assert_eq!(attempt(&browser, "a@example.org", None).await.status(), 422);
    assert_eq!(attempt(&browser, "b@example.org", None).await.status(), 422);
    let response = attempt(&browser, "c@example.org", None).await;
    assert_eq!(response.status(), 429);
    assert!(retry_after(&response) >= 1);
}

#[tokio::test]
async fn sign_up_and_password_reset_are_limited_too() {
    let db = TestDatabase::create().await;
    let app = super::app_with(
        &db,
        &[
            ("MUSTER_RATE_SIGN_UP_PER_IP", "1/60"),
            ("MUSTER_RATE_PASSWORD_RESET_PER_EMAIL", "1/60"),
        ],
    )
    .await;
    let browser = Browser::new(&app);
    assert_eq!(browser.sign_up("Ann", "ann@example.org", "A").await.0, 200);
    let (status, body) = Browser::new(&app)
        .sign_up("Bo", "bo@example.org", "B")
        .await;
    assert_eq!(status, 429, "{body}");

    let reset = |email: &'static str| {
        let browser = Browser::new(&app);
        async move {
            browser
                .call("request_password_reset", &[("email", email)])
                .await
                .0
        }
    };
    assert_eq!(reset("ann@example.org").await, 200);
    assert_eq!(reset("ann@example.org").await, 429);
}

#[tokio::test]
async fn invitations_are_limited_per_inviter_and_per_account() {
    use super::roles::join;
    use crate::support::browser::{mailed_token, verified_user};

    let db = TestDatabase::create().await;
    let app = super::app_with(
        &db,
        &[
            ("MUSTER_RATE_INVITATIONS_PER_INVITER", "2/3600"),
            ("MUSTER_RATE_INVITATIONS_PER_ACCOUNT", "3/3600"),
        ],
    )
    .await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    async fn invite(browser: &Browser, email: &str) -> reqwest::Response {
        browser
            .post("invite_member", &[("email", email), ("role", "member")])
            .await
    }
    // The owner's first invitation brings in an admin, who may invite too once their
    // address is confirmed.
    let admin = join(&app, &owner, "Ada", "ada@example.org", "admin").await;
    let token = mailed_token(&app, "ada@example.org", "Confirm").await;
    let (status, body) = admin.call("verify_email", &[("token", &token)]).await;
    assert_eq!(status, 200, "{body}");
    let response = invite(&owner, "first@example.org").await;
    assert_eq!(response.status(), 200, "the owner's second invitation");
    let response = invite(&owner, "third@example.org").await;
    assert_eq!(
        response.status(),
        429,
        "the owner's third, over 2 per inviter"
    );
    assert!(retry_after(&response) > 0);

    let response = invite(&admin, "fourth@example.org").await;
    assert_eq!(
        response.status(),
        200,
        "another inviter has a budget of their own"
    );
    let response = invite(&admin, "fifth@example.org").await;
    assert_eq!(
        response.status(),
        429,
        "the account's fourth, over 3 per account"
    );
    let (status, page) = owner.call("load_members", &[]).await;
    assert_eq!(status, 200);
    assert!(
        !page.to_string().contains("fifth@example.org"),
        "refused invitations are not stored"
    );
}
