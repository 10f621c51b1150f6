//! Session cookies and lifetimes: rotation at sign-in, cookie attributes, idle and
//! absolute timeouts, sign-out everywhere, and sessions shared by instances and
//! independent of Redis.

use std::time::Duration;

use crate::support::{
    browser::{Browser, GOOD_PASSWORD},
    dead_endpoint, TestDatabase,
};

#[tokio::test]
async fn signing_in_issues_a_new_session_id_and_a_planted_one_is_worthless() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let attacker = Browser::new(&app);
    attacker
        .sign_up("Mallory", "mallory@example.org", "M")
        .await;
    Browser::new(&app)
        .sign_up("Victim", "victim@example.org", "V")
        .await;
    let planted = attacker.session_cookie().expect("attacker has a session");

    // The victim's browser carries the attacker's session id, then signs in.
    let victim = Browser::new(&app);
    let url = app.url("/").parse().expect("url");
    victim
        .jar
        .add_cookie_str(&format!("muster_session={planted}; Path=/"), &url);
    let (status, body) = victim.sign_in("victim@example.org", GOOD_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    let issued = victim.session_cookie().expect("victim has a session");
    assert_ne!(issued, planted, "sign-in rotated the id");

    // Whoever holds the planted id is not signed in as the victim.
    let holder = Browser::new(&app);
    holder
        .jar
        .add_cookie_str(&format!("muster_session={planted}; Path=/"), &url);
    let seen = holder.session().await;
    assert_ne!(seen["user"]["name"], "Victim", "{seen}");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_secure_prefixed_over_https() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let response = Browser::new(&app)
        .post(
            "sign_up",
            &[
                ("name", "Ann"),
                ("email", "ann@example.org"),
                ("password", GOOD_PASSWORD),
                ("account_name", "A"),
            ],
        )
        .await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(cookie.starts_with("muster_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http cannot carry Secure cookies: {cookie}"
    );

    let https = super::app_with(&db, &[("MUSTER_PUBLIC_URL", "https://muster.example.org")]).await;
    let response = Browser::new(&https)
        .post(
            "sign_up",
            &[
                ("name", "Bo"),
                ("email", "bo@example.org"),
                ("password", GOOD_PASSWORD),
                ("account_name", "B"),
            ],
        )
        .await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(cookie.starts_with("__Host-muster_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"),
        "{cookie}"
    );
}

#[tokio::test]
async fn an_idle_session_expires_and_activity_keeps_it_alive() {
    let db = TestDatabase::create().await;
    let app = super::app_with(&db, &[("MUSTER_SESSION_IDLE_SECS", "2")]).await;
    let browser = Browser::new(&app);
    browser.sign_up("Ida", "ida@example.org", "I").await;
    // Time has to pass for a timeout: these waits are the subject of the test.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert!(
            !browser.session().await.is_null(),
            "activity within the idle time keeps the session"
        );
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        browser.session().await.is_null(),
        "idle longer than 2 s: signed out"
    );
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_active() {
    let db = TestDatabase::create().await;
    let app = super::app_with(&db, &[("MUSTER_SESSION_ABSOLUTE_SECS", "2")]).await;
    let browser = Browser::new(&app);
    browser.sign_up("Abe", "abe@example.org", "A").await;
    assert!(!browser.session().await.is_null());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(!browser.session().await.is_null());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        browser.session().await.is_null(),
        "2 s after signing in: signed out"
    );
}

#[tokio::test]
async fn sign_out_everywhere_ends_the_sessions_on_other_devices() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let laptop = Browser::new(&app);
    laptop.sign_up("Jo", "jo@example.org", "J").await;
    let phone = Browser::new(&app);
    assert_eq!(phone.sign_in("jo@example.org", GOOD_PASSWORD).await.0, 200);
    let other_user = Browser::new(&app);
    other_user.sign_up("Kim", "kim@example.org", "K").await;

    let (status, _) = laptop.call("sign_out_everywhere", &[]).await;
    assert_eq!(status, 200);
    assert!(laptop.session().await.is_null());
    assert!(
        phone.session().await.is_null(),
        "the phone was signed out too"
    );
    assert!(
        !other_user.session().await.is_null(),
        "other people stay signed in"
    );
}

#[tokio::test]
async fn any_instance_serves_a_session_and_sessions_do_not_depend_on_redis() {
    let db = TestDatabase::create().await;
    let first = super::app(&db).await;
    let second = super::app(&db).await;
    let browser = Browser::new(&first);
    browser.sign_up("Lu", "lu@example.org", "L").await;
    let via_second = Browser::with_jar(&second, browser.jar.clone());
    assert_eq!(via_second.session().await["user"]["name"], "Lu");

    // An instance whose Redis is gone still signs people in and keeps them signed in.
    let without_redis = super::app_with(
        &db,
        &[("REDIS_URL", &format!("redis://{}/", dead_endpoint()))],
    )
    .await;
    let browser = Browser::new(&without_redis);
    assert_eq!(
        browser.sign_in("lu@example.org", GOOD_PASSWORD).await.0,
        200
    );
    assert_eq!(browser.session().await["user"]["name"], "Lu");
}

#[tokio::test]
async fn static_files_neither_load_nor_write_the_session() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let browser = Browser::new(&app);
    browser.sign_up("Sid", "sid@example.org", "S").await;
    let saved_at = || async {
        sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>("SELECT expires_at FROM sessions")
            .fetch_one(app.platform.db.primary())
            .await
            .expect("one session")
    };
    let before = saved_at().await;
    for path in ["/pkg/muster.css", "/favicon.svg", "/healthz"] {
        let response = browser
            .http
            .get(app.url(path))
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers().get("set-cookie").is_none(),
            "{path} re-sent the cookie"
        );
    }
    assert_eq!(
        saved_at().await,
        before,
        "no session write for static files"
    );
}
