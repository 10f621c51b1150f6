//! A client that behaves like one browser for the server functions: its own cookie jar,
//! and the `Origin` header a page of the app would send.

use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use serde_json::Value;

use super::{wait_for, TestApp};

/// A password that passes the strength check.
pub const GOOD_PASSWORD: &str = "copper lantern orbit mouse";

#[derive(Clone)]
pub struct Browser {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self::with_jar(app, Arc::new(Jar::default()))
    }

    /// Another instance, the same cookies (as behind a load balancer).
    pub fn with_jar(app: &TestApp, jar: Arc<Jar>) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ORIGIN,
            app.origin().parse().expect("origin header"),
        );
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("http client");
        Self {
            http,
            jar,
            base: app.url("").trim_end_matches('/').to_owned(),
        }
    }

    /// `http://host:port` of the instance this browser talks to.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Posts a server function's form arguments; status and JSON answer.
    pub async fn call(&self, function: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let response = self.post(function, form).await;
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// Calls `function` until its answer satisfies `seen`, for at most 10 s: another
    /// user's write reaches this user's reads once a replica has replayed it (within the
    /// replica lag bound), not necessarily at once.
    pub async fn call_until(
        &self,
        function: &str,
        form: &[(&str, &str)],
        seen: impl Fn(&Value) -> bool,
    ) -> Value {
        super::wait_for(
            &format!("{function} shows another user's write"),
            std::time::Duration::from_secs(10),
            || async {
                let (status, body) = self.call(function, form).await;
                (status == 200 && seen(&body)).then_some(body)
            },
        )
        .await
    }

    /// Calls a server function that takes JSON (`input = Json`).
    pub async fn call_json(&self, function: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/api/{function}", self.base))
            .json(body)
            .send()
            .await
            .expect("server function answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn post(&self, function: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}/api/{function}", self.base))
            .form(form)
            .send()
            .await
            .expect("server function answers")
    }

    /// The value of the session cookie this browser holds, if any.
    pub fn session_cookie(&self) -> Option<String> {
        let url = self.base.parse().expect("base url");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix("muster_session=").map(str::to_owned))
    }

    /// The signed-in session as the page frame sees it (`null` when signed out).
    pub async fn session(&self) -> Value {
        let (status, body) = self.call("load_session", &[]).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn sign_up(&self, name: &str, email: &str, account: &str) -> (u16, Value) {
        self.call(
            "sign_up",
            &[
                ("name", name),
                ("email", email),
                ("password", GOOD_PASSWORD),
                ("account_name", account),
            ],
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> (u16, Value) {
        self.call("sign_in", &[("email", email), ("password", password)])
            .await
    }
}

/// The message a refused form shows under `field` (empty if none).
pub fn field_error<'a>(body: &'a Value, field: &str) -> &'a str {
    body["Invalid"][field].as_str().unwrap_or_default()
}

/// The secret in the newest mail to `to` whose subject contains `subject`, once the job
/// queue delivered it to the outbox.
pub async fn mailed_token(app: &TestApp, to: &str, subject: &str) -> String {
    let body = mailed_text(app, to, subject).await;
    let start = body.find("token=").expect("mail has a link with a token") + "token=".len();
    body[start..start + 64].to_owned()
}

/// The text of the newest mail to `to` whose subject contains `subject`, once the job
/// queue delivered it to the outbox.
pub async fn mailed_text(app: &TestApp, to: &str, subject: &str) -> String {
    wait_for(&format!("a mail to {to} about {subject:?}"), std::time::Duration::from_secs(20), || async {
        sqlx::query_scalar(
            "SELECT body_text FROM dev_outbox WHERE to_address = $1 AND subject LIKE '%' || $2 || '%'
              ORDER BY stored_at DESC LIMIT 1",
        )
        .bind(to)
        .bind(subject)
        .fetch_optional(app.platform.db.primary())
        .await
        .expect("read outbox")
    })
    .await
}

/// Signs a new user up (with their own account) and confirms their address.
pub async fn verified_user(app: &TestApp, name: &str, email: &str, account: &str) -> Browser {
    let browser = Browser::new(app);
    let (status, body) = browser.sign_up(name, email, account).await;
    assert_eq!(status, 200, "sign up {email}: {body}");
    let token = mailed_token(app, email, "Confirm").await;
    let (status, body) = browser.call("verify_email", &[("token", &token)]).await;
    assert_eq!(status, 200, "verify {email}: {body}");
    browser
}

/// The ids of the signed-in user and their current account.
pub async fn ids(browser: &Browser) -> (String, String) {
    let session = browser.session().await;
    (
        session["user"]["id"]
            .as_str()
            .expect("signed in")
            .to_owned(),
        session["account"]["id"]
            .as_str()
            .expect("in an account")
            .to_owned(),
    )
}
