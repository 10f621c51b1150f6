//! Sign-up, e-mail confirmation, sign-in and password reset, with the bad input each
//! form must refuse field by field.

use crate::support::{
    browser::{field_error, mailed_token, verified_user, Browser, GOOD_PASSWORD},
    TestApp, TestDatabase,
};

/// Counted as the owner: row level security hides tenant rows from the runtime role.
pub async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(app.platform.db.migration_pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn sign_up_creates_user_and_account_and_the_mailed_link_confirms_the_address_once() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let browser = Browser::new(&app);

    let (status, body) = browser
        .sign_up("Ann Lee", "Ann@Example.org", "Lee Surveys")
        .await;
    assert_eq!(status, 200, "{body}");
    let session = browser.session().await;
    assert_eq!(session["user"]["email"], "Ann@Example.org");
    assert_eq!(session["user"]["email_verified"], false);
    assert_eq!(session["account"]["name"], "Lee Surveys");
    assert_eq!(session["account"]["role"], "owner");

    let token = mailed_token(&app, "ann@example.org", "Confirm").await;
    let (status, body) = browser.call("verify_email", &[("token", &token)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(browser.session().await["user"]["email_verified"], true);

    let (status, body) = browser.call("verify_email", &[("token", &token)]).await;
    assert_eq!(status, 422);
    assert!(
        field_error(&body, "token").contains("already been used"),
        "{body}"
    );
}

#[tokio::test]
async fn an_expired_or_unknown_confirmation_link_is_refused_with_a_reason() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let browser = Browser::new(&app);
    browser.sign_up("Bo", "bo@example.org", "Bo's").await;
    let token = mailed_token(&app, "bo@example.org", "Confirm").await;
    sqlx::query("UPDATE user_tokens SET expires_at = now() - interval '1 second'")
        .execute(app.platform.db.primary())
        .await
        .expect("age the link");
    let (status, body) = browser.call("verify_email", &[("token", &token)]).await;
    assert_eq!(status, 422);
    assert!(field_error(&body, "token").contains("expired"), "{body}");
    let (status, body) = browser
        .call("verify_email", &[("token", &"f".repeat(64))])
        .await;
    assert_eq!(status, 422);
    assert!(field_error(&body, "token").contains("not valid"), "{body}");
    assert_eq!(browser.session().await["user"]["email_verified"], false);
}

#[tokio::test]
async fn invalid_sign_up_names_every_bad_field_and_stores_nothing() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let browser = Browser::new(&app);
    let (status, body) = browser
        .call(
            "sign_up",
            &[
                ("name", " "),
                ("email", "ann@example"),
                ("password", "password123"),
                ("account_name", &"x".repeat(81)),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields = &body["Invalid"];
    assert_eq!(fields["name"], "Enter your name.");
    assert!(
        fields["email"]
            .as_str()
            .unwrap_or_default()
            .contains("such as name@example.org"),
        "{body}"
    );
    assert!(
        fields["password"]
            .as_str()
            .unwrap_or_default()
            .contains("too common"),
        "{body}"
    );
    assert!(
        fields["account_name"]
            .as_str()
            .unwrap_or_default()
            .contains("at most 80"),
        "{body}"
    );

    let (status, body) = browser
        .call(
            "sign_up",
            &[
                ("name", "Ann"),
                ("email", "ann@example.org"),
                ("password", "short"),
                ("account_name", "A"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        field_error(&body, "password").contains("at least 10"),
        "{body}"
    );

    for table in ["users", "accounts", "memberships", "graphile_worker.jobs"] {
        assert_eq!(
            count(&app, table).await,
            0,
            "{table} after refused sign-ups"
        );
    }
    assert!(browser.session().await.is_null(), "not signed in");
}

#[tokio::test]
async fn an_address_can_sign_up_only_once_whatever_its_case() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    Browser::new(&app)
        .sign_up("Ann", "ann@example.org", "First")
        .await;
    let (status, body) = Browser::new(&app)
        .sign_up("Other Ann", " ANN@example.org ", "Second")
        .await;
    assert_eq!(status, 422);
    assert!(
        field_error(&body, "email").contains("exists already"),
        "{body}"
    );
    assert_eq!(count(&app, "users").await, 1);
    assert_eq!(
        count(&app, "accounts").await,
        1,
        "the second account was not half-created"
    );
}

#[tokio::test]
async fn sign_in_checks_the_password_and_records_both_outcomes_in_the_audit_log() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    Browser::new(&app)
        .sign_up("Cy", "cy@example.org", "Cy Co")
        .await;

    let browser = Browser::new(&app);
    let (status, body) = browser.sign_in("cy@example.org", "not the password").await;
    assert_eq!(status, 422);
    assert_eq!(
        body["Invalid"]["password"],
        "The e-mail address or the password is not right."
    );
    let (status, body) = browser.sign_in("nobody@example.org", GOOD_PASSWORD).await;
    assert_eq!(status, 422, "unknown addresses get the same answer: {body}");
    assert_eq!(
        body["Invalid"]["password"],
        "The e-mail address or the password is not right."
    );
    assert!(browser.session().await.is_null());

    let (status, body) = browser.sign_in("CY@example.org", GOOD_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(browser.session().await["user"]["name"], "Cy");

    let (_, log) = browser.call("load_audit_log", &[]).await;
    let actions: Vec<&str> = log
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        ["user.signed_in", "user.sign_in_failed", "account.created"],
        "{log}"
    );
    assert_eq!(log[0]["client_ip"], "127.0.0.1");
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let browser = Browser::new(&app);
    browser.sign_up("Di", "di@example.org", "Di Co").await;
    assert!(!browser.session().await.is_null());
    let (status, _) = browser.call("sign_out", &[]).await;
    assert_eq!(status, 200);
    assert!(browser.session().await.is_null());
    let (status, _) = browser.call("load_members", &[]).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_password_reset_link_works_once_checks_the_new_password_and_signs_out_everywhere() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let laptop = verified_user(&app, "Eve", "eve@example.org", "Eve Co").await;

    let phone = Browser::new(&app);
    let (status, body) = phone
        .call("request_password_reset", &[("email", "eve@example.org")])
        .await;
    assert_eq!(status, 200, "{body}");
    // Unknown addresses get the same answer and no mail.
    let (status, _) = phone
        .call("request_password_reset", &[("email", "nobody@example.org")])
        .await;
    assert_eq!(status, 200);
    let (status, body) = phone
        .call("request_password_reset", &[("email", "not an address")])
        .await;
    assert_eq!(status, 422, "{body}");

    let token = mailed_token(&app, "eve@example.org", "Reset").await;
    let (status, body) = phone
        .call(
            "reset_password",
            &[("token", &token), ("password", "qwertyuiop")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        field_error(&body, "password").contains("too common"),
        "{body}"
    );

    let new_password = "violet harbour engine pebble";
    let (status, body) = phone
        .call(
            "reset_password",
            &[("token", &token), ("password", new_password)],
        )
        .await;
    assert_eq!(
        status, 200,
        "a refused password leaves the link usable: {body}"
    );
    assert!(laptop.session().await.is_null(), "the other session ended");

    let (status, body) = phone
        .call(
            "reset_password",
            &[("token", &token), ("password", "another fine passphrase")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        field_error(&body, "token").contains("already been used"),
        "{body}"
    );
    assert_eq!(
        phone.sign_in("eve@example.org", GOOD_PASSWORD).await.0,
        422,
        "old password"
    );
    assert_eq!(
        phone.sign_in("eve@example.org", new_password).await.0,
        200,
        "new password"
    );
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let browser = verified_user(&app, "Flo", "flo@example.org", "Flo Co").await;
    browser
        .call("request_password_reset", &[("email", "flo@example.org")])
        .await;
    let token = mailed_token(&app, "flo@example.org", "Reset").await;
    sqlx::query("UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'reset_password'")
        .execute(app.platform.db.primary())
        .await
        .expect("age the link");
    let (status, body) = browser
        .call(
            "reset_password",
            &[
                ("token", &token),
                ("password", "violet harbour engine pebble"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(field_error(&body, "token").contains("expired"), "{body}");
}

#[tokio::test]
async fn an_unverified_user_can_sign_in_but_cannot_invite() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let browser = Browser::new(&app);
    browser.sign_up("Gus", "gus@example.org", "Gus Co").await;
    let (status, body) = browser
        .call(
            "invite_member",
            &[("email", "hal@example.org"), ("role", "member")],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["Forbidden"]
            .as_str()
            .unwrap_or_default()
            .contains("Confirm your e-mail address"),
        "{body}"
    );
}
