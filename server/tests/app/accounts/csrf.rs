//! State-changing server functions refuse requests that do not come from Muster's own
//! pages, and never act on GET.

use crate::support::{browser::GOOD_PASSWORD, TestDatabase};

#[tokio::test]
async fn cross_site_and_unproven_posts_are_refused_before_anything_happens() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let form = [
        ("name", "Ann"),
        ("email", "ann@example.org"),
        ("password", GOOD_PASSWORD),
        ("account_name", "A"),
    ];
    let cases: [(&str, Option<(&str, &str)>); 3] = [
        ("no Origin, no Sec-Fetch-Site", None),
        ("a foreign Origin", Some(("origin", "https://evil.example"))),
        ("a cross-site fetch", Some(("sec-fetch-site", "cross-site"))),
    ];
    for (what, header) in cases {
        let mut request = app.http.post(app.url("/api/sign_up")).form(&form);
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("answer");
        assert_eq!(response.status(), 403, "{what}");
        assert!(
            response.headers().get("set-cookie").is_none(),
            "{what}: no session"
        );
    }
    assert_eq!(super::flows::count(&app, "users").await, 0);
}

#[tokio::test]
async fn server_functions_that_change_data_do_not_answer_get() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    for function in [
        "sign_up",
        "sign_in",
        "sign_out_everywhere",
        "invite_member",
        "change_role",
        "remove_member",
        "accept_invitation",
        "reset_password",
        "verify_email",
    ] {
        let response = app
            .http
            .get(app.url(&format!("/api/{function}?email=ann@example.org&password=x")))
            .send()
            .await
            .expect("answer");
        assert!(
            response.status().is_client_error(),
            "GET /api/{function} answered {}",
            response.status()
        );
        assert!(response.headers().get("set-cookie").is_none());
    }
    assert_eq!(super::flows::count(&app, "users").await, 0);
}
