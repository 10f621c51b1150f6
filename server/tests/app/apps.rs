//! Apps (issue 5, server side): drafts saved with revisions, publishing immutable
//! numbered versions after validation, role checks and tenant isolation.

use serde_json::{json, Value};

use crate::{
    accounts::{self, roles::join},
    support::{
        browser::{verified_user, Browser},
        TestApp, TestDatabase,
    },
};

pub(crate) fn field(id: &str, label: &str, kind: Value) -> Value {
    let mut field = json!({ "id": id, "label": { "text": label } });
    for (key, value) in kind.as_object().expect("kind").clone() {
        field[key] = value;
    }
    field
}

fn survey(age_label: &str) -> Value {
    json!({ "fields": [
        field("age", age_label, json!({ "type": "number", "integer": true, "min": 0 })),
        {
            "id": "consent", "label": { "text": "Consent?" }, "type": "yes_no",
            "show_if": "$age >= 18"
        },
    ]})
}

pub(crate) async fn new_app(owner: &Browser, name: &str) -> String {
    let (status, id) = owner.call("create_app", &[("name", name)]).await;
    assert_eq!(status, 200, "{id}");
    id.as_str().expect("id").to_owned()
}

pub(crate) async fn save(browser: &Browser, app: &str, form: &Value, base: i64) -> (u16, Value) {
    browser
        .call_json(
            "save_draft",
            &json!({ "app_id": app, "form": form, "base_revision": base }),
        )
        .await
}

async fn owner_app(db: &TestDatabase) -> (TestApp, Browser) {
    let app = accounts::app(db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    (app, owner)
}

#[tokio::test]
async fn drafts_are_saved_by_revision_and_a_stale_save_is_refused() {
    let db = TestDatabase::create().await;
    let (_app, owner) = owner_app(&db).await;
    let id = new_app(&owner, "Household survey").await;
    let (status, draft) = owner.call("load_draft", &[("app_id", &id)]).await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["revision"], 1);
    assert_eq!(draft["form"]["fields"], json!([]));

    let (status, revision) = save(&owner, &id, &survey("Age"), 1).await;
    assert_eq!((status, revision.clone()), (200, json!(2)), "{revision}");
    // A second editor still on revision 1 does not overwrite the first one's work.
    let (status, body) = save(&owner, &id, &json!({ "fields": [] }), 1).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["Conflict"]
            .as_str()
            .unwrap_or_default()
            .contains("revision 2"),
        "{body}"
    );
    let (_, draft) = owner.call("load_draft", &[("app_id", &id)]).await;
    assert_eq!(draft["revision"], 2);
    assert_eq!(draft["form"]["fields"][0]["label"]["text"], "Age");
    assert_eq!(draft["problems"], json!([]));
}

#[tokio::test]
async fn publishing_lists_every_problem_and_stores_nothing_until_they_are_fixed() {
    let db = TestDatabase::create().await;
    let (_app, owner) = owner_app(&db).await;
    let id = new_app(&owner, "Inspection").await;
    let broken = json!({ "fields": [
        { "id": "kind", "label": { "text": "Kind" }, "type": "single_choice", "options": [] },
        { "id": "note", "label": { "text": "Note" }, "type": "short_text", "show_if": "$gone = 1" },
    ]});
    assert_eq!(
        save(&owner, &id, &broken, 1).await.0,
        200,
        "unfinished drafts are stored"
    );
    let (status, body) = owner.call("publish_app", &[("app_id", &id)]).await;
    assert_eq!(status, 422, "{body}");
    let problems = body["FormProblems"].as_array().expect("problems");
    assert_eq!(problems.len(), 2, "{body}");
    assert!(
        problems
            .iter()
            .any(|p| p["field"] == "kind" && p["property"] == "options"),
        "{body}"
    );
    let reference = problems
        .iter()
        .find(|p| p["field"] == "note")
        .expect("show-if problem");
    assert!(
        reference["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no field $gone"),
        "{body}"
    );
    assert_eq!(reference["span"], json!({ "start": 0, "end": 5 }));
    let (_, versions) = owner.call("load_versions", &[("app_id", &id)]).await;
    assert_eq!(versions, json!([]));
}

#[tokio::test]
async fn published_versions_are_numbered_immutable_and_the_draft_shows_what_changed() {
    let db = TestDatabase::create().await;
    let (app, owner) = owner_app(&db).await;
    let id = new_app(&owner, "Census").await;
    save(&owner, &id, &survey("Age"), 1).await;
    let (status, version) = owner.call("publish_app", &[("app_id", &id)]).await;
    assert_eq!((status, version.clone()), (200, json!(1)), "{version}");
    let (status, body) = owner.call("publish_app", &[("app_id", &id)]).await;
    assert_eq!(status, 422, "nothing changed: {body}");
    assert!(
        body["FormProblems"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Nothing changed since version 1"),
        "the refusal the builder shows beforehand: {body}"
    );

    save(&owner, &id, &survey("Age in years"), 2).await;
    let (_, draft) = owner.call("load_draft", &[("app_id", &id)]).await;
    assert_eq!(draft["latest_version"], 1);
    assert_eq!(draft["changes"], json!([{ "Changed": "age" }]));
    assert_eq!(
        owner.call("publish_app", &[("app_id", &id)]).await.1,
        json!(2)
    );

    let (_, v1) = owner
        .call("load_version", &[("app_id", &id), ("version", "1")])
        .await;
    assert_eq!(
        v1["fields"][0]["label"]["text"], "Age",
        "version 1 is as it was published"
    );
    let (_, versions) = owner.call("load_versions", &[("app_id", &id)]).await;
    let numbers: Vec<i64> = versions
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v["version"].as_i64())
        .collect();
    assert_eq!(numbers, [2, 1]);
    assert_eq!(versions[0]["published_by"], "Olga");

    // Not even Muster's own database role can change a published version.
    let (_, account) = crate::support::browser::ids(&owner).await;
    let mut tx = app
        .platform
        .db
        .write(&muster_platform::tenancy::Scope::account(
            account.parse().expect("uuid"),
        ))
        .await
        .expect("scoped");
    let refused = sqlx::query("UPDATE app_versions SET form = '{\"fields\": []}'")
        .execute(&mut *tx)
        .await
        .expect_err("published versions never change");
    assert!(
        refused.to_string().contains("permission denied"),
        "{refused}"
    );
}

#[tokio::test]
async fn only_builders_build_and_only_confirmed_addresses_publish() {
    let db = TestDatabase::create().await;
    let (app, owner) = owner_app(&db).await;
    let id = new_app(&owner, "Census").await;
    let member = join(&app, &owner, "Mo", "mo@example.org", "member").await;
    for (function, form) in [
        ("create_app", vec![("name", "Mine")]),
        ("load_draft", vec![("app_id", id.as_str())]),
        ("publish_app", vec![("app_id", id.as_str())]),
    ] {
        let (status, body) = member.call(function, &form).await;
        assert_eq!(status, 403, "member calling {function}: {body}");
    }
    assert_eq!(save(&member, &id, &survey("Age"), 1).await.0, 403);
    let (status, apps) = member.call("load_apps", &[]).await;
    assert_eq!(status, 200, "members see the apps they will run: {apps}");
    assert_eq!(apps[0]["name"], "Census");

    let unverified = Browser::new(&app);
    unverified.sign_up("Una", "una@example.org", "Una Co").await;
    let mine = new_app(&unverified, "Draft only").await;
    save(&unverified, &mine, &survey("Age"), 1).await;
    let (status, body) = unverified.call("publish_app", &[("app_id", &mine)]).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["Forbidden"]
            .as_str()
            .unwrap_or_default()
            .contains("Confirm your e-mail address"),
        "{body}"
    );
}

#[tokio::test]
async fn another_accounts_apps_do_not_exist_for_you() {
    let db = TestDatabase::create().await;
    let (app, a) = owner_app(&db).await;
    let b = verified_user(&app, "Bea", "bea@example.org", "Beta").await;
    let b_app = new_app(&b, "Secret census").await;
    save(&b, &b_app, &survey("Age"), 1).await;
    b.call("publish_app", &[("app_id", &b_app)]).await;

    for (function, form) in [
        ("load_draft", vec![("app_id", b_app.as_str())]),
        ("publish_app", vec![("app_id", b_app.as_str())]),
        ("load_versions", vec![("app_id", b_app.as_str())]),
        (
            "load_version",
            vec![("app_id", b_app.as_str()), ("version", "1")],
        ),
        ("load_draft", vec![("app_id", "not-a-uuid")]),
    ] {
        let (status, body) = a.call(function, &form).await;
        assert_eq!(status, 404, "{function}: {body}");
        assert!(!body.to_string().contains("Secret"), "{body}");
    }
    assert_eq!(save(&a, &b_app, &json!({ "fields": [] }), 2).await.0, 404);
    let (_, apps) = a.call("load_apps", &[]).await;
    assert_eq!(apps, json!([]));
    let (_, draft) = b.call("load_draft", &[("app_id", &b_app)]).await;
    assert_eq!(draft["revision"], 2, "B's draft is untouched");
}

#[tokio::test]
async fn an_oversized_draft_is_refused_with_the_reason_and_nothing_is_stored() {
    let db = TestDatabase::create().await;
    let (_app, owner) = owner_app(&db).await;
    let id = new_app(&owner, "Huge").await;
    let fields: Vec<Value> = (0..1001)
        .map(|i| json!({ "id": format!("f{i}"), "label": { "text": "Q" }, "type": "yes_no" }))
        .collect();
    let (status, body) = save(&owner, &id, &json!({ "fields": fields }), 1).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["Invalid"]["form"]
            .as_str()
            .unwrap_or_default()
            .contains("at most 1000 fields"),
        "{body}"
    );
    let (status, body) = save(
        &owner,
        &id,
        &json!({ "fields": [{ "id": "x", "type": "no_such_widget" }] }),
        1,
    )
    .await;
    assert_eq!(status, 400, "a body that does not decode: {body}");
    let (_, draft) = owner.call("load_draft", &[("app_id", &id)]).await;
    assert_eq!(draft["revision"], 1, "nothing stored");
}
