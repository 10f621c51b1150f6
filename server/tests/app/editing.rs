//! Co-editing a draft (issue 5): edits from several builders merge property by
//! property, concurrent edits of the same property keep the first and tell the second,
//! a batch over the limits stores nothing, and co-editors (only they) receive the
//! applied edits over the draft's realtime topic.

use std::time::Duration;

use serde_json::{json, Value};

use crate::{
    accounts::{self, roles::join},
    support::{
        browser::verified_user,
        browser::Browser,
        socket::{connect, receive_json, subscribe},
        TestApp, TestDatabase,
    },
};

const WAIT: Duration = Duration::from_secs(10);

async fn edit(browser: &Browser, app: &str, client: &str, edits: Value) -> (u16, Value) {
    browser
        .call_json(
            "edit_draft",
            &json!({ "app_id": app, "client": client, "edits": edits }),
        )
        .await
}

fn insert(id: &str, label: &str, after: Option<&str>) -> Value {
    json!({ "edit": "insert", "parent": null, "after": after,
            "field": { "id": id, "label": { "text": label }, "type": "short_text" } })
}

fn set(id: &str, property: &str, before: Value, after: Value) -> Value {
    json!({ "edit": "set", "id": id, "property": property, "before": before, "after": after })
}

async fn draft(browser: &Browser, app: &str) -> Value {
    let (status, draft) = browser.call("load_draft", &[("app_id", app)]).await;
    assert_eq!(status, 200, "{draft}");
    draft
}

async fn setup(db: &TestDatabase) -> (TestApp, Browser, String) {
    let app = accounts::app(db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let (status, id) = owner.call("create_app", &[("name", "Inspections")]).await;
    assert_eq!(status, 200, "{id}");
    let id = id.as_str().expect("id").to_owned();
    let (status, outcome) = edit(
        &owner,
        &id,
        "tab-a",
        json!([
            insert("site", "Site", None),
            insert("notes", "Notes", Some("site"))
        ]),
    )
    .await;
    assert_eq!(status, 200, "{outcome}");
    (app, owner, id)
}

#[tokio::test]
async fn edits_of_different_properties_merge_and_the_same_property_keeps_the_first() {
    let db = TestDatabase::create().await;
    let (app, owner, id) = setup(&db).await;
    let colleague = join(&app, &owner, "Bo", "bo@example.org", "builder").await;
    let start = draft(&owner, &id).await["revision"]
        .as_i64()
        .expect("revision");

    // Both edit from the same starting point.
    let (_, first) = edit(
        &owner,
        &id,
        "tab-a",
        json!([set(
            "site",
            "label",
            json!({ "text": "Site" }),
            json!({ "text": "Site name" })
        )]),
    )
    .await;
    assert_eq!(first["revision"], start + 1);
    let (status, second) = edit(
        &colleague,
        &id,
        "tab-b",
        json!([
            set("site", "required", json!(false), json!(true)),
            set(
                "notes",
                "label",
                json!({ "text": "Notes" }),
                json!({ "text": "Remarks" })
            ),
            set(
                "site",
                "label",
                json!({ "text": "Site" }),
                json!({ "text": "Location" })
            ),
        ]),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["revision"], start + 2);
    assert_eq!(second["applied"].as_array().map(Vec::len), Some(2));
    let refused = &second["refused"][0];
    assert_eq!(refused["field"], "site");
    assert_eq!(refused["property"], "label");
    assert_eq!(refused["current"], json!({ "text": "Site name" }));
    assert!(refused["message"]
        .as_str()
        .unwrap_or_default()
        .contains("Someone else"));

    let form = &draft(&owner, &id).await["form"];
    assert_eq!(form["fields"][0]["label"]["text"], "Site name");
    assert_eq!(form["fields"][0]["required"], true);
    assert_eq!(form["fields"][1]["label"]["text"], "Remarks");

    // Sent again after a lost answer: nothing changes, not even the revision.
    let (_, again) = edit(
        &colleague,
        &id,
        "tab-b",
        json!([set("site", "required", json!(false), json!(true))]),
    )
    .await;
    assert_eq!(again["revision"], start + 2);
    assert_eq!(again["applied"], json!([]));
}

#[tokio::test]
async fn a_batch_beyond_the_limits_stores_nothing() {
    let db = TestDatabase::create().await;
    let (_app, owner, id) = setup(&db).await;
    let before = draft(&owner, &id).await;
    let many: Vec<Value> = (0..1_000)
        .map(|n| insert(&format!("f{n}"), "Field", Some("notes")))
        .collect();
    let (status, body) = edit(&owner, &id, "tab-a", Value::Array(many[..500].to_vec())).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = edit(&owner, &id, "tab-a", Value::Array(many[500..].to_vec())).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("at most 1000 fields"), "{body}");
    let (status, body) = edit(&owner, &id, "tab-a", Value::Array(many.clone())).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("At most 500 changes"), "{body}");
    let after = draft(&owner, &id).await;
    assert_eq!(
        after["revision"],
        before["revision"].as_i64().expect("rev") + 1
    );
    assert_eq!(after["form"]["fields"].as_array().map(Vec::len), Some(502));

    // Junk is refused with a 400, and a bad tab id with a message.
    let (status, _) = owner
        .call_json(
            "edit_draft",
            &json!({ "app_id": id, "client": "t", "edits": [{ "edit": "explode" }] }),
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = edit(&owner, &id, "../../etc", json!([])).await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn only_builders_of_the_account_follow_a_draft_and_they_receive_its_edits() {
    let db = TestDatabase::create().await;
    let (app, owner, id) = setup(&db).await;
    assert!(app.platform.hub.wait_until_relaying(WAIT).await);
    let topic = format!("draft:{id}");

    let mut anonymous = connect(&app, None).await;
    let answer = subscribe(&mut anonymous, &topic).await;
    assert_eq!(answer["type"], "denied", "{answer}");
    assert!(answer["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("sign in"));

    let stranger = verified_user(&app, "Eve", "eve@example.org", "Other Org").await;
    let mut outsider = connect(&app, Some(&stranger)).await;
    let answer = subscribe(&mut outsider, &topic).await;
    assert_eq!(answer["type"], "denied", "{answer}");
    assert!(!answer.to_string().contains("Inspections"));

    let member = join(&app, &owner, "Mo", "mo@example.org", "member").await;
    let mut plain_member = connect(&app, Some(&member)).await;
    assert_eq!(subscribe(&mut plain_member, &topic).await["type"], "denied");

    let mut builder = connect(&app, Some(&owner)).await;
    assert_eq!(subscribe(&mut builder, &topic).await["type"], "subscribed");
    let (_, outcome) = edit(
        &owner,
        &id,
        "tab-a",
        json!([set("site", "required", json!(false), json!(true))]),
    )
    .await;
    let event = receive_json(&mut builder).await;
    assert_eq!(event["type"], "event");
    let payload = &event["payload"];
    assert_eq!(payload["kind"], "edited");
    assert_eq!(payload["revision"], outcome["revision"]);
    assert_eq!(payload["client"], "tab-a");
    assert_eq!(payload["by"], "Olga");
    assert_eq!(payload["edits"][0]["property"], "required");

    // Presence travels the same topic.
    let (status, body) = owner
        .call_json(
            "draft_presence",
            &json!({ "app_id": id, "client": "tab-a", "selected": "site", "leaving": false }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let presence = receive_json(&mut builder).await;
    assert_eq!(presence["payload"]["kind"], "presence");
    assert_eq!(presence["payload"]["selected"], "site");
    // It carries the draft's revision, so a tab that missed an edit notices.
    assert_eq!(presence["payload"]["revision"], outcome["revision"]);
    let (status, _) = member
        .call_json(
            "draft_presence",
            &json!({ "app_id": id, "client": "tab-m", "selected": null, "leaving": false }),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_type_change_after_publishing_leaves_the_published_version_as_it_was() {
    let db = TestDatabase::create().await;
    let (_app, owner, id) = setup(&db).await;
    let (status, version) = owner.call("publish_app", &[("app_id", &id)]).await;
    assert_eq!((status, version.clone()), (200, json!(1)), "{version}");
    let (status, body) = edit(
        &owner,
        &id,
        "tab-a",
        json!([
            set("site", "type", json!("short_text"), json!("number")),
            { "edit": "remove", "id": "notes" },
        ]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let current = draft(&owner, &id).await;
    assert_eq!(current["form"]["fields"][0]["type"], "number");
    assert_eq!(
        current["changes"],
        json!([{ "Changed": "site" }, { "Removed": "notes" }])
    );
    // Submissions made with version 1 are read with version 1's form.
    let (status, v1) = owner
        .call("load_version", &[("app_id", &id), ("version", "1")])
        .await;
    assert_eq!(status, 200, "{v1}");
    assert_eq!(v1["fields"][0]["type"], "short_text");
    assert_eq!(v1["fields"][1]["id"], "notes");
}

#[tokio::test]
async fn the_builder_page_answers_with_the_status_of_who_asks() {
    let db = TestDatabase::create().await;
    let (app, owner, id) = setup(&db).await;
    let member = join(&app, &owner, "Mo", "mo@example.org", "member").await;
    let stranger = verified_user(&app, "Eve", "eve@example.org", "Other Org").await;
    let path = format!("/apps/{id}/build");
    let page = |browser: &Browser| {
        let request = browser.http.get(app.url(&path));
        async move {
            let response = request.send().await.expect("page");
            (
                response.status().as_u16(),
                response.text().await.expect("html"),
            )
        }
    };
    let (status, html) = page(&Browser::new(&app)).await;
    assert_eq!(status, 401, "{html}");
    let (status, html) = page(&member).await;
    assert_eq!(status, 403);
    assert!(!html.contains("Notes"), "{html}");
    let (status, html) = page(&stranger).await;
    assert_eq!(status, 404);
    assert!(!html.contains("Inspections"), "{html}");
    let (status, html) = page(&owner).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Inspections") && html.contains("Notes"),
        "{html}"
    );

    // A large form nested as deep as allowed renders too (server rendering must not
    // run out of stack on a test thread's 2 MiB).
    let mut edits = Vec::new();
    let mut parent: Option<String> = None;
    for depth in 1..=5 {
        let id = format!("level_{depth}");
        edits.push(json!({ "edit": "insert", "parent": parent, "after": null,
            "field": { "id": id, "label": { "text": format!("Level {depth}") }, "type": "section", "children": [] } }));
        parent = Some(id);
    }
    edits.push(json!({ "edit": "insert", "parent": parent, "after": null,
        "field": { "id": "deepest", "label": { "text": "Deepest question" }, "type": "number" } }));
    for n in 0..300 {
        edits.push(insert(
            &format!("q{n}"),
            &format!("Question {n}"),
            Some("notes"),
        ));
    }
    let (status, body) = edit(&owner, &id, "tab-a", Value::Array(edits)).await;
    assert_eq!(status, 200, "{body}");
    let (status, html) = page(&owner).await;
    assert_eq!(status, 200);
    assert!(html.contains("Deepest question") && html.contains("Question 299"));
}
