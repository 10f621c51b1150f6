//! Submissions (issue 13, server side): checked against the version they were filled
//! with by the shared engine, stored exactly once per device-made id, tenant-isolated.

use serde_json::{json, Value};

use crate::{
    accounts::{self, roles::join},
    apps::{field, new_app, save},
    support::{
        browser::{verified_user, Browser},
        TestDatabase,
    },
};

fn inspection() -> Value {
    json!({ "fields": [
        field("site", "Site", json!({ "type": "short_text" })),
        field("visits", "Visits", json!({ "type": "repeat", "min": 1, "max": 3, "children": [
            field("duration", "Duration", json!({ "type": "number", "integer": true, "min": 0, "max": 120 })),
        ]})),
    ]})
}

fn submission(client_id: &str, version: i32, document: Value) -> Value {
    json!({
        "client_id": client_id,
        "version": version,
        "finished_at": "2026-12-02T09:30:00+01:00",
        "document": document,
    })
}

async fn send(browser: &Browser, app: &str, body: Value) -> (u16, Value) {
    browser
        .call_json("submit", &json!({ "app_id": app, "submission": body }))
        .await
}

async fn publish(owner: &Browser, app: &str) {
    let (status, body) = owner.call("publish_app", &[("app_id", app)]).await;
    assert_eq!(status, 200, "{body}");
}

/// An owner with a published inspection app, and a member of the same account.
async fn published(db: &TestDatabase) -> (crate::support::TestApp, Browser, Browser, String) {
    let app = accounts::app(db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = new_app(&owner, "Inspections").await;
    assert_eq!(save(&owner, &id, &inspection(), 1).await.0, 200);
    publish(&owner, &id).await;
    let member = join(&app, &owner, "Mo", "mo@example.org", "member").await;
    (app, owner, member, id)
}

const CLIENT: &str = "6a1f4e52-1c1d-4a8e-9d3e-2f0c8b7a5d41";

#[tokio::test]
async fn the_same_submission_sent_twice_is_stored_once() {
    let db = TestDatabase::create().await;
    let (_app, owner, member, id) = published(&db).await;
    let body = submission(
        CLIENT,
        1,
        json!({ "site": "North gate", "visits": [{ "duration": "20" }] }),
    );
    let (status, first) = send(&member, &id, body.clone()).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = send(&member, &id, body).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(first, again, "a retry gets the stored receipt");

    let table = owner
        .call_until(
            "load_submissions",
            &[("app_id", &id), ("query", "")],
            |table| table["rows"].as_array().is_some_and(|l| !l.is_empty()),
        )
        .await;
    assert_eq!(table["rows"].as_array().map(Vec::len), Some(1), "{table}");
    assert_eq!(table["rows"][0]["summary"]["submitted_by"], "Mo");
    // Its processing job, enqueued with it, completes it.
    let table = owner
        .call_until(
            "load_submissions",
            &[("app_id", &id), ("query", "")],
            |table| table["rows"][0]["summary"]["status"] == "complete",
        )
        .await;
    assert_eq!(table["rows"].as_array().map(Vec::len), Some(1), "{table}");
    let (status, detail) = owner
        .call(
            "load_submission",
            &[
                ("app_id", &id),
                ("submission_id", first["id"].as_str().unwrap_or_default()),
            ],
        )
        .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["document"]["visits"][0]["duration"], "20");
    assert_eq!(detail["form"]["fields"][0]["label"]["text"], "Site");
    assert_eq!(detail["finished_at"], "2026-12-02T08:30:00Z");
}

#[tokio::test]
async fn the_same_id_with_other_answers_is_refused() {
    let db = TestDatabase::create().await;
    let (_app, _owner, member, id) = published(&db).await;
    let (status, _) = send(
        &member,
        &id,
        submission(CLIENT, 1, json!({ "visits": [{ "duration": "20" }] })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = send(
        &member,
        &id,
        submission(CLIENT, 1, json!({ "visits": [{ "duration": "21" }] })),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body.to_string().contains("already sent with other answers"),
        "{body}"
    );
}

#[tokio::test]
async fn answers_are_refused_per_field_with_the_runners_messages() {
    let db = TestDatabase::create().await;
    let (_app, _owner, member, id) = published(&db).await;
    let (status, body) = send(
        &member,
        &id,
        submission(
            CLIENT,
            1,
            json!({ "visits": [{ "duration": "20" }, { "duration": "200" }] }),
        ),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["Invalid"]["visits.1.duration"], "Enter 120 or less.",
        "{body}"
    );
    let (status, body) = send(&member, &id, submission(CLIENT, 1, json!({}))).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["visits"], "Add at least one row.", "{body}");
    // Nothing was stored: the id is still free for the corrected submission.
    let (status, body) = send(
        &member,
        &id,
        submission(CLIENT, 1, json!({ "visits": [{ "duration": "20" }] })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_submission_that_is_not_of_this_form_is_a_bad_request() {
    let db = TestDatabase::create().await;
    let (_app, _owner, member, id) = published(&db).await;
    for (document, expected) in [
        (json!({ "sight": "x", "visits": [{}] }), "`sight`"),
        (json!({ "visits": "3" }), "with text instead of rows"),
    ] {
        let (status, body) = send(&member, &id, submission(CLIENT, 1, document)).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.to_string().contains(expected), "{body}");
    }
    let (status, body) = send(&member, &id, submission("not-a-uuid", 1, json!({}))).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = member
        .call_json(
            "submit",
            &json!({ "app_id": id, "submission": { "version": "one" } }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn a_queued_submission_is_accepted_against_the_version_it_was_filled_with() {
    let db = TestDatabase::create().await;
    let (_app, owner, member, id) = published(&db).await;
    // Version 2 adds a required question that version 1 never asked.
    let mut form = inspection();
    form["fields"]
        .as_array_mut()
        .expect("fields")
        .push(json!({ "id": "weather", "label": { "text": "Weather" }, "type": "short_text", "required": true }));
    assert_eq!(save(&owner, &id, &form, 2).await.0, 200);
    publish(&owner, &id).await;

    let old = submission(CLIENT, 1, json!({ "visits": [{ "duration": "5" }] }));
    let (status, receipt) = send(&member, &id, old).await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["version"], 1);
    let (status, body) = send(
        &member,
        &id,
        submission(
            "0b7f2a8e-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
            2,
            json!({ "visits": [{ "duration": "5" }] }),
        ),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["weather"], "This question needs an answer.");
    let (status, _) = send(&member, &id, submission(CLIENT, 3, json!({}))).await;
    assert_eq!(status, 404, "an unpublished version");
}

#[tokio::test]
async fn another_accounts_apps_and_submissions_do_not_exist_for_you() {
    let db = TestDatabase::create().await;
    let (app, owner, _member, id) = published(&db).await;
    let (status, receipt) = send(
        &owner,
        &id,
        submission(CLIENT, 1, json!({ "visits": [{ "duration": "1" }] })),
    )
    .await;
    assert_eq!(status, 200, "{receipt}");
    let stranger = verified_user(&app, "Eve", "eve@example.org", "Other Org").await;
    let (status, _) = send(
        &stranger,
        &id,
        submission(CLIENT, 1, json!({ "visits": [{ "duration": "1" }] })),
    )
    .await;
    assert_eq!(status, 404);
    for (function, form) in [
        (
            "load_submissions",
            vec![("app_id", id.as_str()), ("query", "")],
        ),
        ("load_runner_app", vec![("app_id", id.as_str())]),
        (
            "load_submission",
            vec![
                ("app_id", id.as_str()),
                ("submission_id", receipt["id"].as_str().unwrap_or_default()),
            ],
        ),
    ] {
        let (status, body) = stranger.call(function, &form).await;
        assert_eq!(status, 404, "{function}: {body}");
    }
    let (_, runnable) = stranger.call("load_runnable_apps", &[]).await;
    assert_eq!(runnable, json!([]));
    // The same device id in another account is another submission.
    let stranger_app = new_app(&stranger, "Theirs").await;
    assert_eq!(
        save(&stranger, &stranger_app, &inspection(), 1).await.0,
        200
    );
    publish(&stranger, &stranger_app).await;
    let (status, body) = send(
        &stranger,
        &stranger_app,
        submission(CLIENT, 1, json!({ "visits": [{ "duration": "9" }] })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn members_fill_in_and_only_builders_see_what_arrived() {
    let db = TestDatabase::create().await;
    let (app, _owner, member, id) = published(&db).await;
    let apps = member
        .call_until("load_runnable_apps", &[], |apps| {
            apps.as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
    assert_eq!(apps[0]["name"], "Inspections");
    assert_eq!(apps[0]["version"], 1);
    let (status, runner) = member.call("load_runner_app", &[("app_id", &id)]).await;
    assert_eq!(status, 200, "{runner}");
    assert_eq!(runner["form"]["fields"][1]["id"], "visits");
    let (status, body) = member
        .call("load_submissions", &[("app_id", &id), ("query", "")])
        .await;
    assert_eq!(status, 403, "{body}");
    let signed_out = Browser::new(&app);
    let (status, _) = send(&signed_out, &id, submission(CLIENT, 1, json!({}))).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let db = TestDatabase::create().await;
    let app = accounts::app_with(&db, &[("MUSTER_BODY_LIMIT_BYTES", "4096")]).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = new_app(&owner, "Inspections").await;
    assert_eq!(save(&owner, &id, &inspection(), 1).await.0, 200);
    publish(&owner, &id).await;
    let (status, body) = send(
        &owner,
        &id,
        submission(CLIENT, 1, json!({ "site": "x".repeat(8000) })),
    )
    .await;
    assert_eq!(status, 413, "{body}");
}

#[tokio::test]
async fn a_location_less_accurate_than_the_question_needs_is_refused() {
    let db = TestDatabase::create().await;
    let app = accounts::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = new_app(&owner, "Boreholes").await;
    let form = json!({ "fields": [
        field("spot", "Spot", json!({ "type": "location", "accuracy_m": 20, "required": true })),
    ]});
    assert_eq!(save(&owner, &id, &form, 1).await.0, 200);
    publish(&owner, &id).await;
    let (status, body) = send(
        &owner,
        &id,
        submission(CLIENT, 1, json!({ "spot": "52.370216 4.895168 50" })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["Invalid"]["spot"]
            .as_str()
            .is_some_and(|m| m.contains("accurate to 50 m; this question needs 20 m or better")),
        "{body}"
    );
    let (status, body) = send(
        &owner,
        &id,
        submission(CLIENT, 1, json!({ "spot": "52.370216 4.895168 6" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Stored as an indexed point: found by distance, shown on the builder's map.
    let submission_id = body["id"].as_str().unwrap_or_default().to_owned();
    let near: Vec<(uuid::Uuid, f32)> = sqlx::query_as(
        "SELECT id, location_accuracy_m FROM submissions
          WHERE ST_DWithin(location, ST_SetSRID(ST_MakePoint(4.8952, 52.3702), 4326)::geography, 100)",
    )
    .fetch_all(app.platform.db.migration_pool())
    .await
    .expect("query by distance");
    assert_eq!(near.len(), 1);
    assert_eq!(near[0].0.to_string(), submission_id);
    assert_eq!(near[0].1, 6.0);
    let far: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM submissions
          WHERE ST_DWithin(location, ST_SetSRID(ST_MakePoint(4.95, 52.37), 4326)::geography, 1000)",
    )
    .fetch_one(app.platform.db.migration_pool())
    .await
    .expect("query by distance");
    assert_eq!(far, 0, "4 km away is not within 1 km");
    let detail = owner
        .call_until(
            "load_submission",
            &[("app_id", &id), ("submission_id", &submission_id)],
            |detail| detail.get("location").is_some(),
        )
        .await;
    assert_eq!(
        detail["location"],
        json!({ "latitude": 52.370216, "longitude": 4.895168, "accuracy_m": 6.0 }),
        "{detail}"
    );
    assert_eq!(detail["map"]["url"], Value::Null, "no tiles configured");
}

#[tokio::test]
async fn a_submission_without_a_location_answer_has_no_location() {
    let db = TestDatabase::create().await;
    let (_app, owner, member, id) = published(&db).await;
    let (status, body) = send(
        &member,
        &id,
        submission(CLIENT, 1, json!({ "visits": [{ "duration": "20" }] })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let detail = owner
        .call_until(
            "load_submission",
            &[
                ("app_id", &id),
                ("submission_id", body["id"].as_str().unwrap_or_default()),
            ],
            |detail| detail.get("location").is_some(),
        )
        .await;
    assert_eq!(detail["location"], Value::Null, "{detail}");
}
