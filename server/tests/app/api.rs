//! The REST API (issue 15): API tokens (scopes, revocation, last use, tenant
//! isolation, rate limit), the endpoints, JSON errors with stable codes, and every
//! response checked against the OpenAPI document the server publishes.

use serde_json::{json, Value};

use crate::{
    accounts::{self, roles::join},
    apps::{field, new_app, save},
    support::{browser::verified_user, TestApp, TestDatabase},
};

fn survey() -> Value {
    json!({ "fields": [
        field("site", "Site", json!({ "type": "short_text", "required": true })),
        field("count", "Count", json!({ "type": "number", "integer": true, "min": 0 })),
    ]})
}

/// Checks API responses against the OpenAPI document, as it goes.
struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
    document: Value,
}

impl Api {
    async fn new(app: &TestApp, token: &str) -> Self {
        let http = reqwest::Client::new();
        let document: Value = http
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .expect("openapi")
            .json()
            .await
            .expect("openapi json");
        Self {
            http,
            base: app.origin(),
            token: token.to_owned(),
            document,
        }
    }

    fn with_token(&self, token: &str) -> Self {
        Self {
            http: self.http.clone(),
            base: self.base.clone(),
            token: token.to_owned(),
            document: self.document.clone(),
        }
    }

    /// Calls `method path` (the template names the documented operation) and checks
    /// the answer's body against the schema documented for its status.
    async fn call(
        &self,
        method: &str,
        template: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let mut request = match method {
            "get" => self.http.get(url),
            "post" => self.http.post(url),
            "patch" => self.http.patch(url),
            other => panic!("{other}"),
        };
        if !self.token.is_empty() {
            request = request.bearer_auth(&self.token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("api call");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("application/json"),
            "{method} {path}: {content_type}"
        );
        let body: Value = response.json().await.expect("json body");
        self.conforms(method, template, status, &body);
        (status, body)
    }

    fn conforms(&self, method: &str, template: &str, status: u16, body: &Value) {
        let operation = &self.document["paths"][template][method];
        assert!(
            operation.is_object(),
            "{method} {template} is not documented"
        );
        let schema =
            &operation["responses"][status.to_string()]["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {template} does not document a {status}: {body}"
        );
        let mut root = schema.clone();
        root["components"] = self.document["components"].clone();
        let validator = jsonschema::validator_for(&root).expect("schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {template} {status} does not match its schema: {errors:?}\n{body}"
        );
    }
}

async fn token(owner: &crate::support::browser::Browser, name: &str, scope: &str) -> String {
    let (status, made) = owner
        .call("create_api_token", &[("name", name), ("scope", scope)])
        .await;
    assert_eq!(status, 200, "{made}");
    let secret = made["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("mst_") && secret.len() == 68, "{secret}");
    secret
}

fn new_submission(client_id: &str, answers: Value) -> Value {
    json!({ "client_id": client_id, "version": 1, "finished_at": "2026-12-07T10:00:00+01:00", "answers": answers })
}

#[tokio::test]
async fn tokens_read_and_write_as_their_scope_allows_and_every_answer_matches_the_document() {
    let db = TestDatabase::create().await;
    let app = accounts::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = new_app(&owner, "Gates").await;
    assert_eq!(save(&owner, &id, &survey(), 1).await.0, 200);
    let (status, body) = owner.call("publish_app", &[("app_id", &id)]).await;
    assert_eq!(status, 200, "{body}");
    let reader = token(&owner, "Dashboard", "read").await;
    let writer = token(&owner, "Sensor gateway", "read_write").await;

    let api = Api::new(&app, &writer).await;
    assert!(
        api.document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        api.document["openapi"]
    );
    let submissions = format!("/api/v1/apps/{id}/submissions");
    let list_template = "/api/v1/apps/{app}/submissions";

    // Writing: stored once per client id, refused answers per field.
    let (status, first) = api
        .call(
            "post",
            list_template,
            &submissions,
            Some(new_submission(
                "0d9c7b1e-8f6a-4c53-9e21-3b4a5c6d7e8f",
                json!({ "site": "North", "count": "3" }),
            )),
        )
        .await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = api
        .call(
            "post",
            list_template,
            &submissions,
            Some(new_submission(
                "0d9c7b1e-8f6a-4c53-9e21-3b4a5c6d7e8f",
                json!({ "site": "North", "count": "3" }),
            )),
        )
        .await;
    assert_eq!(
        (status, &again["id"]),
        (201, &first["id"]),
        "a retry is the same submission"
    );
    for n in 0..4 {
        let client = uuid::Uuid::new_v4().to_string();
        let (status, body) = api
            .call(
                "post",
                list_template,
                &submissions,
                Some(new_submission(
                    &client,
                    json!({ "site": format!("Gate {n}") }),
                )),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, refused) = api
        .call(
            "post",
            list_template,
            &submissions,
            Some(new_submission(
                "1d9c7b1e-8f6a-4c53-9e21-3b4a5c6d7e8f",
                json!({ "count": "-1" }),
            )),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid");
    assert!(refused["error"]["fields"]["site"].is_string(), "{refused}");
    let (status, refused) = api
        .call(
            "post",
            list_template,
            &submissions,
            Some(json!({ "client_id": "x" })),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("bad_request")),
        "{refused}"
    );

    // A token reads its own writes at once (another token once a replica has them).
    let (status, own) = api.call("get", list_template, &submissions, None).await;
    assert_eq!(
        (status, own["data"].as_array().map(Vec::len)),
        (200, Some(5)),
        "{own}"
    );
    let read = api.with_token(&reader);
    crate::support::wait_for(
        "the reader sees the five",
        std::time::Duration::from_secs(15),
        || async {
            let (_, page) = read.call("get", list_template, &submissions, None).await;
            (page["data"].as_array().map(Vec::len) == Some(5)).then_some(())
        },
    )
    .await;

    // Reading with the read token: pages by cursor, no row twice.
    let (status, apps) = read.call("get", "/api/v1/apps", "/api/v1/apps", None).await;
    assert_eq!(status, 200);
    assert_eq!(apps["data"][0]["name"], "Gates");
    assert_eq!(apps["data"][0]["latest_version"], 1);
    let (status, _) = read
        .call(
            "get",
            "/api/v1/apps/{app}",
            &format!("/api/v1/apps/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, versions) = read
        .call(
            "get",
            "/api/v1/apps/{app}/versions",
            &format!("/api/v1/apps/{id}/versions"),
            None,
        )
        .await;
    assert_eq!((status, &versions["data"][0]["version"]), (200, &json!(1)));
    let (status, form) = read
        .call(
            "get",
            "/api/v1/apps/{app}/versions/{version}",
            &format!("/api/v1/apps/{id}/versions/1"),
            None,
        )
        .await;
    assert_eq!(
        (status, &form["form"]["fields"][0]["id"]),
        (200, &json!("site"))
    );
    let mut seen = Vec::new();
    let mut path = format!("{submissions}?limit=2");
    loop {
        let (status, page) = read.call("get", list_template, &path, None).await;
        assert_eq!(status, 200, "{page}");
        for row in page["data"].as_array().expect("data") {
            seen.push(row["id"].as_str().expect("id").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{submissions}?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "no submission twice");
    let (status, filtered) = read
        .call(
            "get",
            list_template,
            &format!("{submissions}?field=site&value=North"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        filtered["data"][0]["answers"],
        json!({ "site": "North", "count": "3" })
    );

    // The read token may not write.
    let one = format!("{submissions}/{}", first["id"].as_str().expect("id"));
    let one_template = "/api/v1/apps/{app}/submissions/{submission}";
    let (status, refused) = read
        .call(
            "patch",
            one_template,
            &one,
            Some(json!({ "status": "approved" })),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, changed) = api
        .call(
            "patch",
            one_template,
            &one,
            Some(json!({ "status": "approved" })),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["status"], "approved");
    assert_eq!(changed["history"][0]["new"], "approved");
    // The writing token reads its own write at once (its position is kept per token);
    // another token may read from a replica that has not replayed it yet.
    let (status, got) = api.call("get", one_template, &one, None).await;
    assert_eq!((status, &got["status"]), (200, &json!("approved")));
    let (status, got) = read.call("get", one_template, &one, None).await;
    assert_eq!((status, &got["id"]), (200, &first["id"]));

    // Bad input: 400 with a message, never a 500.
    for query in [
        "status=done",
        "limit=0",
        "limit=500",
        "cursor=garbage",
        "bbox=1,2",
        "limit=x",
    ] {
        let (status, body) = read
            .call(
                "get",
                list_template,
                &format!("{submissions}?{query}"),
                None,
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("bad_request")),
            "{query}: {body}"
        );
    }
    let (status, body) = read
        .call(
            "patch",
            one_template,
            &one,
            Some(json!({ "status": "done" })),
        )
        .await;
    assert_eq!(
        status, 403,
        "a read token is refused before its body is read: {body}"
    );
    let (status, body) = api
        .call(
            "patch",
            one_template,
            &one,
            Some(json!({ "status": "done" })),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request")),
        "{body}"
    );

    // No token, a wrong token, another account's token.
    let (status, body) = api
        .with_token("")
        .call("get", "/api/v1/apps", "/api/v1/apps", None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = api
        .with_token("mst_0000")
        .call("get", "/api/v1/apps", "/api/v1/apps", None)
        .await;
    assert_eq!(status, 401);
    let stranger = verified_user(&app, "Eve", "eve@example.org", "Other Org").await;
    let theirs = api.with_token(&token(&stranger, "Theirs", "read_write").await);
    let (status, apps) = theirs
        .call("get", "/api/v1/apps", "/api/v1/apps", None)
        .await;
    assert_eq!(
        (status, apps["data"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    let (status, body) = theirs.call("get", list_template, &submissions, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, _) = theirs.call("get", one_template, &one, None).await;
    assert_eq!(status, 404);

    // Tokens are listed without their secret, with their last use; a revoked one stops.
    // The use was written by the token's own request, not the admin's session, so the
    // admin's replica read shows it once replayed.
    let listed = || async {
        let (status, tokens) = owner.call("load_api_tokens", &[]).await;
        assert_eq!(status, 200);
        assert!(
            !tokens.to_string().contains(&reader),
            "a secret is never shown again"
        );
        tokens
            .as_array()
            .expect("tokens")
            .iter()
            .find(|t| t["name"] == "Dashboard")
            .expect("dashboard")
            .clone()
    };
    app.eventually("the token's last use is listed", || async {
        listed().await["last_used_at"].is_string()
    })
    .await;
    let dashboard = listed().await;
    let member = join(&app, &owner, "Mo", "mo@example.org", "member").await;
    let (status, _) = member
        .call("create_api_token", &[("name", "Mine"), ("scope", "read")])
        .await;
    assert_eq!(status, 403, "only admins make tokens");
    let (status, body) = owner
        .call(
            "revoke_api_token",
            &[("token_id", dashboard["id"].as_str().expect("id"))],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = read.call("get", "/api/v1/apps", "/api/v1/apps", None).await;
    assert_eq!(status, 401, "revoked at once");
}

#[tokio::test]
async fn a_token_over_its_rate_is_told_when_to_come_back() {
    let db = TestDatabase::create().await;
    let app = accounts::app_with(&db, &[("MUSTER_RATE_API_PER_TOKEN", "3/60")]).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let api = Api::new(&app, &token(&owner, "Busy", "read").await).await;
    for _ in 0..3 {
        assert_eq!(
            api.call("get", "/api/v1/apps", "/api/v1/apps", None)
                .await
                .0,
            200
        );
    }
    let response = api
        .http
        .get(format!("{}/api/v1/apps", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("call");
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().get("retry-after").is_some());
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "rate_limited");
    api.conforms("get", "/api/v1/apps", 429, &body);
}
