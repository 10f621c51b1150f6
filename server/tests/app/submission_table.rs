//! The submissions table (issue 15): filters, columns across versions, keyset pages,
//! review status and corrected answers with their history, and bad input refused with
//! a message.

use std::{collections::HashSet, time::Duration};

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

use crate::{
    accounts::{self, roles::join},
    apps::{field, new_app, save},
    support::{
        browser::{ids, verified_user, Browser},
        make_due, wait_for, worker_process, TestDatabase,
    },
};

fn version_1() -> Value {
    json!({ "fields": [
        field("site", "Site", json!({ "type": "short_text" })),
        field("count", "Count", json!({ "type": "number", "integer": true, "min": 0 })),
        field("notes", "Notes", json!({ "type": "short_text" })),
        field("visits", "Visits", json!({ "type": "repeat", "children": [
            field("duration", "Duration", json!({ "type": "number", "integer": true, "min": 0, "max": 120 })),
        ]})),
    ]})
}

/// Version 2 renames "Site" and no longer asks for notes.
fn version_2() -> Value {
    json!({ "fields": [
        field("site", "Location name", json!({ "type": "short_text" })),
        field("count", "Count", json!({ "type": "number", "integer": true, "min": 0 })),
        field("visits", "Visits", json!({ "type": "repeat", "children": [
            field("duration", "Duration", json!({ "type": "number", "integer": true, "min": 0, "max": 120 })),
        ]})),
    ]})
}

async fn publish(owner: &Browser, app: &str) {
    let (status, body) = owner.call("publish_app", &[("app_id", app)]).await;
    assert_eq!(status, 200, "{body}");
}

async fn submit(browser: &Browser, app: &str, version: i32, document: Value) -> String {
    let body = json!({
        "client_id": uuid::Uuid::new_v4().to_string(),
        "version": version,
        "finished_at": "2026-12-02T09:30:00+01:00",
        "document": document,
    });
    let (status, receipt) = browser
        .call_json("submit", &json!({ "app_id": app, "submission": body }))
        .await;
    assert_eq!(status, 200, "{receipt}");
    receipt["id"].as_str().expect("id").to_owned()
}

async fn table(browser: &Browser, app: &str, query: &str) -> (u16, Value) {
    browser
        .call("load_submissions", &[("app_id", app), ("query", query)])
        .await
}

/// The ids of a table page's rows.
fn row_ids(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row["summary"]["id"].as_str().expect("id").to_owned())
        .collect()
}

/// How [`seed`] makes each row (`n` counts from 1): SQL expressions over `n`.
struct Seed {
    document: &'static str,
    received_at: &'static str,
    location: &'static str,
}

const SEED: Seed = Seed {
    document: "'{}'::jsonb",
    received_at: "now()",
    location: "NULL",
};

/// Puts `count` submissions of version 1 of `app` (in `owner`'s account) straight into
/// the database as the superuser — thousands in a moment — then analyses the table and
/// waits until the replica has them. Their ids, in `n` order.
async fn seed(
    db: &TestDatabase,
    owner: &Browser,
    app: &str,
    count: i64,
    rows: Seed,
) -> Vec<uuid::Uuid> {
    let (_, account) = ids(owner).await;
    let mut admin = PgConnection::connect(db.owner_url.as_str())
        .await
        .expect("connect");
    // The expressions are this file's literals.
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "INSERT INTO submissions (id, account_id, app_id, version, client_id, content_hash, document, received_at, status, location)
         SELECT gen_random_uuid(), $1, $2, 1, gen_random_uuid(), '\\x00', {}, {}, 'complete', {}
           FROM generate_series(1, $3) AS n ORDER BY n
         RETURNING id",
        rows.document, rows.received_at, rows.location
    )))
    .bind(account.parse::<uuid::Uuid>().expect("account"))
    .bind(app.parse::<uuid::Uuid>().expect("app"))
    .bind(count)
    .fetch_all(&mut admin)
    .await
    .expect("insert");
    sqlx::query("ANALYZE submissions")
        .execute(&mut admin)
        .await
        .expect("analyze");
    admin.close().await.ok();
    db.replicated().await;
    ids
}

#[tokio::test]
async fn each_filter_finds_what_it_says_across_versions_and_bad_ones_are_refused() {
    let db = TestDatabase::create().await;
    let app = accounts::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = new_app(&owner, "Inspections").await;
    assert_eq!(save(&owner, &id, &version_1(), 1).await.0, 200);
    publish(&owner, &id).await;
    let member = join(&app, &owner, "Mo", "mo@example.org", "member").await;
    let (mo, _) = ids(&member).await;
    let fence = submit(&member, &id, 1, json!({ "site": "North gate", "count": "3", "notes": "broken fence", "visits": [{ "duration": "20" }, { "duration": "5" }] })).await;
    submit(
        &member,
        &id,
        1,
        json!({ "site": "South gate", "count": "5" }),
    )
    .await;
    submit(
        &member,
        &id,
        1,
        json!({ "site": "North gate", "count": "7", "notes": "all fine" }),
    )
    .await;
    assert_eq!(save(&owner, &id, &version_2(), 2).await.0, 200);
    publish(&owner, &id).await;
    let east = submit(&owner, &id, 2, json!({ "site": "East gate", "count": "1" })).await;

    let (status, all) = table(&owner, &id, "").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(row_ids(&all).len(), 4);
    assert_eq!(row_ids(&all)[0], east, "newest first");
    let headings: Vec<(&str, bool, Vec<&str>)> = all["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["field"].as_str().unwrap_or_default(),
                c["removed"].as_bool().unwrap_or_default(),
                c["earlier_labels"]
                    .as_array()
                    .map(|l| l.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        headings,
        [
            ("site", false, vec!["Site"]),
            ("count", false, vec![]),
            ("visits", false, vec![]),
            ("notes", true, vec![]),
        ],
        "renamed and removed questions keep their column"
    );
    assert_eq!(all["versions"], json!([2, 1]));

    let count = |query: &'static str| {
        let owner = &owner;
        let id = &id;
        async move {
            let (status, page) = table(owner, id, query).await;
            assert_eq!(status, 200, "{query}: {page}");
            row_ids(&page).len()
        }
    };
    assert_eq!(count("version=1").await, 3);
    assert_eq!(count("version=2").await, 1);
    assert_eq!(count("field=site&value=North%20gate").await, 2);
    assert_eq!(
        count("field=site&value=north%20gate").await,
        0,
        "exact answers"
    );
    assert_eq!(count("q=fence").await, 1, "a word of a text answer");
    assert_eq!(count("q=gate%20north").await, 2, "all words, any order");
    assert_eq!(count("to=2000-01-01").await, 0);
    let today = chrono::Utc::now().date_naive();
    let (status, page) = table(&owner, &id, &format!("from={today}&to={today}")).await;
    assert_eq!((status, row_ids(&page).len()), (200, 4), "{page}");
    let (status, page) = table(
        &owner,
        &id,
        &format!("by={mo}&field=site&value=North%20gate"),
    )
    .await;
    assert_eq!((status, row_ids(&page).len()), (200, 2), "{page}");

    // A removed question's answers are still there for the versions that asked it.
    let (status, page) = table(&owner, &id, "columns=notes,visits&order=oldest").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["shown"], json!(["notes", "visits"]));
    assert_eq!(page["rows"][0]["summary"]["id"], fence.as_str());
    assert_eq!(page["rows"][0]["cells"], json!(["broken fence", "2 rows"]));

    // Review: the status is set, filtered on and kept in the history.
    let (status, body) = owner
        .call_json(
            "set_submission_status",
            &json!({ "app_id": id, "submission_id": fence, "status": "approved" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, page) = table(&owner, &id, "status=approved").await;
    assert_eq!((status, row_ids(&page)), (200, vec![fence.clone()]));
    assert_eq!(count("status=new").await, 3);

    // A corrected answer is checked like the rest, and its old value is kept.
    let edit = |path: &str, value: &str| json!({ "app_id": id, "submission_id": fence, "edit": { "path": path, "value": value } });
    let (status, body) = owner
        .call_json("edit_submission_answer", &edit("count", "many"))
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = owner
        .call_json("edit_submission_answer", &edit("visits.1.duration", "500"))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("visits.1.duration"), "{body}");
    let (status, body) = owner
        .call_json("edit_submission_answer", &edit("visits.7.duration", "5"))
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = owner
        .call_json("edit_submission_answer", &edit("visits.1.duration", "50"))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = owner
        .call_json("edit_submission_answer", &edit("notes", "fence mended"))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, detail) = owner
        .call(
            "load_submission",
            &[("app_id", &id), ("submission_id", &fence)],
        )
        .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["document"]["visits"][1]["duration"], "50");
    assert_eq!(detail["summary"]["review"], "approved");
    let history: Vec<(String, String, String, String)> = detail["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|c| {
            let text = |key: &str| c[key].as_str().unwrap_or_default().to_owned();
            (text("by"), text("what"), text("old"), text("new"))
        })
        .collect();
    let entry = |what: &str, old: &str, new: &str| {
        (
            "Olga".to_owned(),
            what.to_owned(),
            old.to_owned(),
            new.to_owned(),
        )
    };
    assert_eq!(
        history,
        [
            entry("status", "new", "approved"),
            entry("visits.1.duration", "5", "50"),
            entry("notes", "broken fence", "fence mended"),
        ]
    );
    // The free text follows the corrected answers.
    assert_eq!(count("q=fence").await, 1);
    assert_eq!(count("q=broken").await, 0);

    // Members may fill in, not review.
    let (status, _) = member
        .call_json(
            "set_submission_status",
            &json!({ "app_id": id, "submission_id": fence, "status": "rejected" }),
        )
        .await;
    assert_eq!(status, 403);

    // Bad filters, cursors and sort keys: 400 with a message, never a 500.
    for (query, says) in [
        ("status=done", "not a status"),
        ("from=yesterday", "not a date"),
        ("from=2026-12-02&to=2026-12-01", "before its start"),
        ("version=x", "not a version"),
        ("field=nosuch&value=1", "not a question of this app"),
        ("field=visits&value=1", "cannot be matched"),
        ("field=site", "which answer"),
        ("order=random", "not an order"),
        ("after=12345", "damaged"),
        ("after=1.00000000-0000-0000-0000-00000000000g", "damaged"),
        ("by='%20OR%201=1--", "not a member"),
    ] {
        let (status, body) = table(&owner, &id, query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.to_string().contains(says), "{query}: {body}");
    }
}

#[tokio::test]
async fn keyset_pages_have_no_gaps_or_repeats_while_submissions_keep_arriving() {
    let db = TestDatabase::create().await;
    let app = accounts::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = new_app(&owner, "Counts").await;
    assert_eq!(save(&owner, &id, &version_1(), 1).await.0, 200);
    publish(&owner, &id).await;

    // 230 submissions already there, arriving in threes at the same microsecond: ties
    // are ordered by id.
    let existing = seed(
        &db,
        &owner,
        &id,
        230,
        Seed {
            document: "jsonb_build_object('site', 'Site ' || n)",
            received_at: "timestamptz '2026-12-01 08:00:00+00' + (n / 3) * interval '1 second'",
            ..SEED
        },
    )
    .await;
    let existing: HashSet<String> = existing.iter().map(ToString::to_string).collect();

    let arriving = {
        let (owner, id) = (owner.clone(), id.clone());
        tokio::spawn(async move {
            for n in 0..20 {
                submit(&owner, &id, 1, json!({ "site": format!("New {n}") })).await;
            }
        })
    };
    for order in ["newest", "oldest"] {
        let mut seen: Vec<String> = Vec::new();
        let mut query = format!("order={order}");
        loop {
            let (status, page) = table(&owner, &id, &query).await;
            assert_eq!(status, 200, "{page}");
            seen.extend(row_ids(&page));
            match page["next"].as_str() {
                Some(next) => query = format!("order={order}&after={next}"),
                None => break,
            }
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "{order} first: a row was repeated"
        );
        let missing = existing.iter().filter(|id| !unique.contains(id)).count();
        assert_eq!(missing, 0, "{order} first: {missing} rows were skipped");
    }
    arriving.await.expect("submissions sent");
}

/// A form with a place, for the map and GeoJSON.
fn with_place() -> Value {
    json!({ "fields": [
        field("site", "Site", json!({ "type": "short_text" })),
        field("count", "Count", json!({ "type": "number", "integer": true })),
        field("place", "Place", json!({ "type": "location" })),
    ]})
}

async fn download(
    browser: &Browser,
    app: &str,
    format: &str,
    query: &str,
) -> (u16, String, Vec<u8>) {
    let response = browser
        .http
        .get(format!(
            "{}/api/apps/{app}/export/{format}?{query}",
            browser.base()
        ))
        .send()
        .await
        .expect("export");
    let status = response.status().as_u16();
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        disposition,
        response.bytes().await.expect("body").to_vec(),
    )
}

#[tokio::test]
async fn exports_carry_every_question_across_versions_and_defuse_formulas() {
    let db = TestDatabase::create().await;
    let app = accounts::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = new_app(&owner, "Site inspections").await;
    assert_eq!(save(&owner, &id, &version_1(), 1).await.0, 200);
    publish(&owner, &id).await;
    submit(
        &owner,
        &id,
        1,
        json!({ "site": "=HYPERLINK(\"http://evil.example\")", "count": "5", "notes": "-5" }),
    )
    .await;
    assert_eq!(save(&owner, &id, &with_place(), 2).await.0, 200);
    publish(&owner, &id).await;
    submit(
        &owner,
        &id,
        2,
        json!({ "site": "North gate", "count": "7", "place": "52.370216 4.895168 12" }),
    )
    .await;

    // CSV: a header with every question, one row per submission, formulas as text.
    let (status, disposition, body) = download(&owner, &id, "csv", "order=oldest").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"site-inspections-{today}.csv\"")
    );
    let mut reader = csv::Reader::from_reader(&body[..]);
    let headers: Vec<String> = reader
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers[8..],
        [
            "Site",
            "Count",
            "Place",
            "Notes (removed)",
            "Visits (removed)"
        ],
        "{headers:?}"
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][8], "'=HYPERLINK(\"http://evil.example\")");
    assert_eq!(
        rows[0][11], "-5",
        "a negative number is a number, not a formula"
    );
    assert_eq!(rows[1][3], "2");
    assert_eq!(
        (rows[1][6].as_str(), rows[1][7].as_str()),
        ("52.370216", "4.895168")
    );
    // The table's filters apply.
    let (status, _, body) = download(&owner, &id, "csv", "version=2").await;
    assert_eq!(status, 200);
    assert_eq!(csv::Reader::from_reader(&body[..]).records().count(), 1);

    // GeoJSON: points, longitude first; no location, no geometry.
    let (status, _, body) = download(&owner, &id, "geojson", "order=oldest").await;
    assert_eq!(status, 200);
    let collection: Value = serde_json::from_slice(&body).expect("geojson");
    assert_eq!(collection["type"], "FeatureCollection");
    assert_eq!(collection["features"][0]["geometry"], Value::Null);
    assert_eq!(
        collection["features"][1]["geometry"],
        json!({ "type": "Point", "coordinates": [4.895168, 52.370216] })
    );
    assert_eq!(
        collection["features"][1]["properties"]["site"],
        "North gate"
    );

    // XLSX: numbers as numbers, formulas as text.
    let (status, _, body) = download(&owner, &id, "xlsx", "order=oldest").await;
    assert_eq!(status, 200);
    use calamine::Reader as _;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(body)).expect("xlsx");
    let sheet = workbook.worksheet_range("Sheet1").expect("sheet");
    assert_eq!(sheet.height(), 3, "a header and two rows");
    assert_eq!(
        sheet.get_value((1, 8)),
        Some(&calamine::Data::String(
            "'=HYPERLINK(\"http://evil.example\")".into()
        ))
    );
    assert_eq!(sheet.get_value((1, 9)), Some(&calamine::Data::Float(5.0)));
    assert_eq!(
        sheet.get_value((1, 11)),
        Some(&calamine::Data::String("-5".into()))
    );
    assert_eq!(
        sheet.get_value((2, 6)),
        Some(&calamine::Data::Float(52.370216))
    );

    // Refusals: a format there is not, a bad filter, a member, another account.
    assert_eq!(download(&owner, &id, "pdf", "").await.0, 400);
    let (status, _, body) = download(&owner, &id, "csv", "status=done").await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("not a status"));
    let member = join(&app, &owner, "Mo", "mo@example.org", "member").await;
    assert_eq!(download(&member, &id, "csv", "").await.0, 403);
    let stranger = verified_user(&app, "Eve", "eve@example.org", "Other Org").await;
    assert_eq!(download(&stranger, &id, "csv", "").await.0, 404);
}

#[tokio::test]
async fn a_large_export_streams_every_row_once() {
    let db = TestDatabase::create().await;
    let app = accounts::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = new_app(&owner, "Counts").await;
    assert_eq!(save(&owner, &id, &version_1(), 1).await.0, 200);
    publish(&owner, &id).await;
    seed(
        &db,
        &owner,
        &id,
        12345,
        Seed {
            document: "jsonb_build_object('count', n::text)",
            received_at:
                "timestamptz '2026-12-01 08:00:00+00' + (n / 7) * interval '1 millisecond'",
            ..SEED
        },
    )
    .await;
    let (status, _, body) = download(&owner, &id, "csv", "").await;
    assert_eq!(status, 200);
    let counts: HashSet<String> = csv::Reader::from_reader(&body[..])
        .records()
        .map(|r| r.expect("row")[9].to_owned())
        .collect();
    assert_eq!(
        counts.len(),
        12345,
        "every row once, across batches of 5 000"
    );
}

#[tokio::test]
async fn the_map_finds_pins_in_a_box_or_near_a_point_from_the_spatial_indexes() {
    let db = TestDatabase::create().await;
    let app = accounts::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = new_app(&owner, "Trees").await;
    assert_eq!(save(&owner, &id, &with_place(), 1).await.0, 200);
    publish(&owner, &id).await;
    let (user, account) = ids(&owner).await;
    // Submissions all over the globe (and another app's), so the planner has a choice.
    seed(
        &db,
        &owner,
        &id,
        20000,
        Seed {
            location: "ST_SetSRID(ST_MakePoint(((n * 7) % 360) - 179.5, (n % 170) - 84.5), 4326)::geography",
            ..SEED
        },
    )
    .await;
    let dam = submit(
        &owner,
        &id,
        1,
        json!({ "site": "Dam", "place": "52.3702 4.8952 5" }),
    )
    .await;
    let palace = submit(
        &owner,
        &id,
        1,
        json!({ "site": "Palace", "place": "52.3710 4.8910 5" }),
    )
    .await;
    submit(
        &owner,
        &id,
        1,
        json!({ "site": "Zoo", "place": "52.3600 4.9160 5" }),
    )
    .await;

    let pins = |query: &'static str| {
        let (owner, id) = (&owner, &id);
        async move {
            let (status, body) = owner
                .call("load_submission_pins", &[("app_id", id), ("query", query)])
                .await;
            assert_eq!(status, 200, "{query}: {body}");
            let mut found: Vec<String> = body["pins"]
                .as_array()
                .expect("pins")
                .iter()
                .map(|p| p["id"].as_str().expect("id").to_owned())
                .collect();
            found.sort();
            (found, body)
        }
    };
    let mut expected = vec![dam.clone(), palace.clone()];
    expected.sort();
    let (found, body) = pins("bbox=4.885,52.365,4.90,52.375").await;
    assert_eq!(found, expected, "{body}");
    assert_eq!(
        body["pins"][0]["latitude"].as_f64().map(|l| l > 52.36),
        Some(true)
    );
    let (found, _) = pins("near=52.3702,4.8952,400").await;
    assert_eq!(found, expected, "the zoo is 2 km away");
    let (found, _) = pins("near=52.3702,4.8952,400&field=site&value=Dam").await;
    assert_eq!(found, vec![dam.clone()], "with the table's filters");
    let (found, body) = pins("").await;
    assert_eq!(found.len(), 5_000, "at most 5 000 pins");
    assert_eq!(body["more"], true);
    let (status, page) = table(&owner, &id, "bbox=4.885,52.365,4.90,52.375").await;
    assert_eq!(
        (status, row_ids(&page).len()),
        (200, 2),
        "the table filters by the box too"
    );
    let (status, body) = owner
        .call(
            "load_submission_pins",
            &[("app_id", &id), ("query", "bbox=4.9,52.3,4.8,52.4")],
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body.to_string().contains("west must be left of its east"),
        "{body}"
    );

    // Both questions are answered from a spatial index, not by reading every row.
    let work = muster_platform::Work::new(app.platform.clone(), Default::default());
    let actor = muster_accounts::members::actor(
        &work,
        user.parse().expect("user"),
        account.parse().expect("account"),
    )
    .await
    .expect("actor");
    let app_id: uuid::Uuid = id.parse().expect("app");
    for (query, index) in [
        ("bbox=4.885,52.365,4.90,52.375", "submissions_app_place"),
        ("near=52.3702,4.8952,400", "submissions_app_place"),
    ] {
        let filter = muster_domain::submissions::query::TableQuery::parse(query)
            .expect("query")
            .filter;
        let plan = muster_submissions::map::explain(&work, &actor, app_id, &filter)
            .await
            .expect("explain");
        assert!(plan.contains(index), "{query}:\n{plan}");
        assert!(!plan.contains("Seq Scan"), "{query}:\n{plan}");
    }
}

/// A published app of version 1 with `rows` submissions answering `count` (0 to 49),
/// a millisecond apart.
async fn counted_app(db: &TestDatabase, owner: &Browser, rows: i64) -> String {
    let id = new_app(owner, "Counts").await;
    assert_eq!(save(owner, &id, &version_1(), 1).await.0, 200);
    publish(owner, &id).await;
    seed(
        db,
        owner,
        &id,
        rows,
        Seed {
            document: "jsonb_build_object('count', (n % 50)::text)",
            received_at: "timestamptz '2026-12-01 08:00:00+00' + n * interval '1 millisecond'",
            ..SEED
        },
    )
    .await;
    id
}

/// What `browser` gets from a prepared export's link.
async fn follow(browser: &Browser, href: &str) -> reqwest::Response {
    browser
        .http
        .get(format!("{}{href}", browser.base()))
        .send()
        .await
        .expect("download")
}

/// A prepared export's file, downloaded from its link.
async fn prepared_file(owner: &Browser, href: &str) -> axum::body::Bytes {
    let response = follow(owner, href).await;
    assert_eq!(response.status().as_u16(), 200);
    response.bytes().await.expect("body")
}

#[tokio::test]
async fn a_large_export_is_prepared_by_a_job_with_progress_and_a_link_that_expires() {
    let db = TestDatabase::create().await;
    let app = accounts::app_with(&db, &[("MUSTER_EXPORT_DIRECT_ROWS", "300")]).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = counted_app(&db, &owner, 12000).await;

    // Few rows (240 of 12 000): download straight away.
    let (status, started) = owner
        .call(
            "start_export",
            &[
                ("app_id", &id),
                ("format", "csv"),
                ("query", "field=count&value=7"),
            ],
        )
        .await;
    assert_eq!((status, &started), (200, &Value::Null), "{started}");
    // Many: a job prepares it.
    let (status, started) = owner
        .call(
            "start_export",
            &[
                ("app_id", &id),
                ("format", "csv"),
                ("query", "order=oldest"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["status"], "queued");
    let export = started["id"].as_str().expect("id").to_owned();
    let done = owner
        .call_until("load_export", &[("export_id", &export)], |e| {
            e["status"] == "done" || e["status"] == "failed"
        })
        .await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        (done["rows_done"].as_i64(), done["rows_total"].as_i64()),
        (Some(12000), Some(12000))
    );
    let href = done["download"].as_str().expect("link").to_owned();
    let body = prepared_file(&owner, &href).await;
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(&body[..])
        .records()
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(rows.len(), 12000);
    assert_eq!(&rows[0][9], "1", "the table's order: oldest first");
    // Another account cannot have it; once expired, nobody can.
    let stranger = verified_user(&app, "Eve", "eve@example.org", "Other Org").await;
    let response = follow(&stranger, &href).await;
    assert_eq!(response.status().as_u16(), 404);
    let mut admin = PgConnection::connect(db.owner_url.as_str())
        .await
        .expect("connect");
    sqlx::query("UPDATE exports SET expires_at = now() - interval '1 minute'")
        .execute(&mut admin)
        .await
        .expect("expire");
    admin.close().await.ok();
    db.replicated().await;
    let response = follow(&owner, &href).await;
    assert_eq!(response.status().as_u16(), 410);
    let body: Value = response.json().await.expect("json");
    assert!(body.to_string().contains("expired"), "{body}");
    // The file goes when its link expires: the expiry scheduled with it comes due.
    let file = db.media_store().join("exports").join(&export);
    assert!(file.exists(), "the prepared file is kept until then");
    let due = make_due(&app, "submissions.expire_export").await;
    assert_eq!(due, 1, "one expiry per export");
    wait_for(
        "the expired export's file is removed",
        Duration::from_secs(15),
        || async { (!file.exists()).then_some(()) },
    )
    .await;
}

#[tokio::test]
async fn an_export_cut_off_by_a_crash_is_started_over_by_another_worker_and_finishes() {
    let db = TestDatabase::create().await;
    // Heart-beats and the dead-worker sweep shortened so the test takes seconds; the
    // web instance runs no jobs, the worker processes do.
    let mut fast_recovery = crate::support::FAST_JOB_RECOVERY.to_vec();
    fast_recovery.push(("MUSTER_EXPORT_DIRECT_ROWS", "300"));
    let mut web = fast_recovery.to_vec();
    web.push(("MUSTER_IN_PROCESS_WORKER", "0"));
    let app = accounts::app_with(&db, &web).await;
    let worker_env = || {
        let mut env = accounts::env(&db);
        env.extend(
            fast_recovery
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        env
    };
    let mut first = worker_process(worker_env());
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    // Enough rows that the file takes a few seconds to write.
    const ROWS: i64 = 200_000;
    let id = counted_app(&db, &owner, ROWS).await;
    let (status, started) = owner
        .call(
            "start_export",
            &[("app_id", &id), ("format", "csv"), ("query", "")],
        )
        .await;
    assert_eq!(status, 200, "{started}");
    let export = started["id"].as_str().expect("id").to_owned();
    let progress = || async {
        sqlx::query_as::<_, (String, i64)>("SELECT status, rows_done FROM exports WHERE id = $1")
            .bind(export.parse::<uuid::Uuid>().expect("id"))
            .fetch_one(app.platform.db.migration_pool())
            .await
            .expect("export row")
    };
    let cut_at = wait_for(
        "the first worker is part way through the file",
        Duration::from_secs(60),
        || async {
            let (status, done) = progress().await;
            assert_ne!(status, "done", "the export finished before the crash");
            (status == "running" && done > 0).then_some(done)
        },
    )
    .await;
    first.kill().expect("kill -9 the worker");
    first.wait().expect("reap");
    assert!(cut_at < ROWS, "cut off at {cut_at} of {ROWS}");

    let mut second = worker_process(worker_env());
    let done = wait_for(
        "another worker finished the export",
        Duration::from_secs(120),
        || async {
            let (status, e) = owner.call("load_export", &[("export_id", &export)]).await;
            (status == 200 && (e["status"] == "done" || e["status"] == "failed")).then_some(e)
        },
    )
    .await;
    second.kill().ok();
    second.wait().ok();
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        (done["rows_done"].as_i64(), done["rows_total"].as_i64()),
        (Some(ROWS), Some(ROWS))
    );
    // The file was started over: every row once, none twice.
    let href = done["download"].as_str().expect("link").to_owned();
    let body = prepared_file(&owner, &href).await;
    let ids: HashSet<String> = csv::Reader::from_reader(&body[..])
        .records()
        .map(|r| r.expect("row")[0].to_owned())
        .collect();
    assert_eq!(ids.len() as i64, ROWS, "every row once");
    let lines = body.iter().filter(|b| **b == b'\n').count() as i64;
    assert_eq!(lines, ROWS + 1, "a header and one line per row, none twice");
}
