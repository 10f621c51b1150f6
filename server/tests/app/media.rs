//! Photos and signatures (issue 13): uploaded in resumable chunks apart from the
//! submission, claimed by it in the transaction that stores it, processed in the
//! background, shown only to the account's builders.

use muster_media::inspect::samples;
use serde_json::{json, Value};

use crate::{
    accounts::{self, roles::join},
    apps::{field, new_app, save},
    support::{
        browser::{verified_user, Browser},
        wait_for, TestApp, TestDatabase,
    },
};

const CLIENT: &str = "0b8e0d4e-5a8f-4b43-9d0e-7a3c2f1b9e11";
const PHOTO: &str = "9f6c3b0a-1d2e-4f5a-8b7c-6d5e4f3a2b1c";
const SIGNATURE: &str = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a";

fn form() -> Value {
    json!({ "fields": [
        field("photo", "Photo", json!({ "type": "photo", "max_count": 2, "max_size_kib": 512 })),
        field("signed", "Signature", json!({ "type": "signature" })),
    ]})
}

/// An owner with a published form that takes a photo and a signature, and a member.
async fn published(
    db: &TestDatabase,
    extra: &[(&str, &str)],
) -> (TestApp, Browser, Browser, String) {
    let app = accounts::app_with(db, extra).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let id = new_app(&owner, "Inspections").await;
    assert_eq!(save(&owner, &id, &form(), 1).await.0, 200);
    let (status, body) = owner.call("publish_app", &[("app_id", &id)]).await;
    assert_eq!(status, 200, "{body}");
    let member = join(&app, &owner, "Mo", "mo@example.org", "member").await;
    (app, owner, member, id)
}

async fn answer(response: reqwest::Response) -> (u16, Value, Option<String>) {
    let status = response.status().as_u16();
    let offset = response
        .headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        offset,
    )
}

async fn declare(browser: &Browser, id: &str, content_type: &str, bytes: usize) -> (u16, Value) {
    let response = browser
        .http
        .post(format!("{}/api/media/{id}", browser.base()))
        .json(&json!({ "submission": CLIENT, "content_type": content_type, "bytes": bytes }))
        .send()
        .await
        .expect("answers");
    let (status, body, _) = answer(response).await;
    (status, body)
}

async fn chunk(
    browser: &Browser,
    id: &str,
    offset: usize,
    bytes: &[u8],
) -> (u16, Value, Option<String>) {
    let response = browser
        .http
        .patch(format!("{}/api/media/{id}?offset={offset}", browser.base()))
        .body(bytes.to_vec())
        .send()
        .await
        .expect("answers");
    answer(response).await
}

/// Uploads `bytes` whole, in chunks of `size`.
async fn upload(
    browser: &Browser,
    id: &str,
    content_type: &str,
    bytes: &[u8],
    size: usize,
) -> (u16, Value) {
    let (status, body) = declare(browser, id, content_type, bytes.len()).await;
    assert_eq!(status, 200, "{body}");
    let mut last = (status, body);
    for (index, part) in bytes.chunks(size).enumerate() {
        let (status, body, _) = chunk(browser, id, index * size, part).await;
        if status != 200 {
            return (status, body);
        }
        last = (status, body);
    }
    last
}

fn reference(id: &str, bytes: usize, content_type: &str) -> String {
    format!("{id} {bytes} {content_type}")
}

async fn submit(browser: &Browser, app: &str, document: Value) -> (u16, Value) {
    browser
        .call_json(
            "submit",
            &json!({ "app_id": app, "submission": {
                "client_id": CLIENT,
                "version": 1,
                "finished_at": "2026-12-02T09:30:00+01:00",
                "document": document,
            }}),
        )
        .await
}

async fn get(browser: &Browser, path: &str) -> (u16, String, Vec<u8>) {
    let response = browser
        .http
        .get(format!("{}{path}", browser.base()))
        .send()
        .await
        .expect("answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        content_type,
        response.bytes().await.expect("body").to_vec(),
    )
}

/// The submission's detail once its processing job has finished.
async fn processed(owner: &Browser, app: &str, submission: &str) -> Value {
    owner
        .call_until(
            "load_submission",
            &[("app_id", app), ("submission_id", submission)],
            |detail| detail["summary"]["status"] == "complete",
        )
        .await
}

/// Uploads `photo` whole as `PHOTO`, submits it, and returns the submission's detail
/// once processed.
async fn send_photo(
    member: &Browser,
    owner: &Browser,
    app: &str,
    photo: &[u8],
    content_type: &str,
) -> Value {
    assert_eq!(
        upload(member, PHOTO, content_type, photo, 100_000).await.0,
        200
    );
    let (status, receipt) = submit(
        member,
        app,
        json!({ "photo": reference(PHOTO, photo.len(), content_type) }),
    )
    .await;
    assert_eq!(status, 200, "{receipt}");
    processed(owner, app, receipt["id"].as_str().unwrap_or_default()).await
}

#[tokio::test]
async fn an_interrupted_upload_continues_where_it_stopped_and_the_photo_is_processed() {
    let db = TestDatabase::create().await;
    let (_app, owner, member, app) = published(&db, &[]).await;
    let photo = samples::jpeg_from_phone(400, 200);
    let signature = samples::png(120, 40);
    let size = 1024;
    assert!(photo.len() > 3 * size, "several chunks: {}", photo.len());

    // The first chunk arrives; the connection drops before the second.
    let (status, body) = declare(&member, PHOTO, "image/jpeg", photo.len()).await;
    assert_eq!((status, &body["received"]), (200, &json!(0)), "{body}");
    assert_eq!(chunk(&member, PHOTO, 0, &photo[..size]).await.0, 200);
    // A chunk from further on is refused with where to continue from.
    let (status, body, offset) = chunk(&member, PHOTO, 2 * size, &photo[2 * size..3 * size]).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(offset.as_deref(), Some("1024"));
    // The same chunk again (its answer was lost) changes nothing.
    let (status, body, _) = chunk(&member, PHOTO, 0, &photo[..size]).await;
    assert_eq!((status, &body["received"]), (200, &json!(size)), "{body}");
    // Asking again says how far it got; the rest follows from there.
    let (status, body) = declare(&member, PHOTO, "image/jpeg", photo.len()).await;
    assert_eq!((status, &body["received"]), (200, &json!(size)), "{body}");
    for (index, part) in photo[size..].chunks(size).enumerate() {
        let (status, body, _) = chunk(&member, PHOTO, size + index * size, part).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(
        upload(&member, SIGNATURE, "image/png", &signature, 4096)
            .await
            .0,
        200
    );

    let (status, receipt) = submit(
        &member,
        &app,
        json!({
            "photo": reference(PHOTO, photo.len(), "image/jpeg"),
            "signed": reference(SIGNATURE, signature.len(), "image/png"),
        }),
    )
    .await;
    assert_eq!(status, 200, "{receipt}");
    let submission = receipt["id"].as_str().expect("an id");
    let detail = processed(&owner, &app, submission).await;
    let media = detail["media"].as_array().expect("media");
    assert_eq!(media.len(), 2, "{detail}");
    let photo_view = media.iter().find(|m| m["id"] == PHOTO).expect("the photo");
    assert_eq!(photo_view["status"], "ready", "{photo_view}");
    assert_eq!(
        (&photo_view["width"], &photo_view["height"]),
        (&json!(200), &json!(400)),
        "turned upright"
    );
    let location = &photo_view["exif_location"];
    assert!(
        (location[0].as_f64().unwrap_or_default() - 52.37).abs() < 1e-6,
        "{location}"
    );

    let (status, content_type, image) = get(&owner, &format!("/api/media/{PHOTO}/image")).await;
    assert_eq!((status, content_type.as_str()), (200, "image/jpeg"));
    assert!(
        exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(&image))
            .is_err(),
        "the stored photo carries no EXIF (so no position)"
    );
    let (status, content_type, thumbnail) =
        get(&owner, &format!("/api/media/{SIGNATURE}/thumbnail")).await;
    assert_eq!((status, content_type.as_str()), (200, "image/png"));
    assert!(image::load_from_memory(&thumbnail).is_ok());
    // A member fills in; seeing what arrived is for builders.
    assert_eq!(
        get(&member, &format!("/api/media/{PHOTO}/image")).await.0,
        403
    );
}

#[tokio::test]
async fn files_that_are_not_what_they_claim_or_too_large_are_refused_with_a_message() {
    let db = TestDatabase::create().await;
    let (app, _owner, member, _app_id) =
        published(&db, &[("MUSTER_MEDIA_MAX_BYTES", "100000")]).await;
    let png = samples::png(64, 64);
    let (status, body) = upload(&member, PHOTO, "image/jpeg", &png, 4096).await;
    assert_eq!(status, 415, "{body}");
    assert_eq!(
        body["Unsupported"],
        "This file is a PNG image, not the JPEG it was sent as."
    );
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM media")
        .fetch_one(app.platform.db.migration_pool())
        .await
        .expect("count");
    assert_eq!(rows, 0, "nothing of a refused file stays");

    let (status, body) = declare(&member, PHOTO, "image/jpeg", 200_000).await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["TooLarge"]
            .as_str()
            .unwrap_or_default()
            .contains("at most 97 KiB"),
        "{body}"
    );
    let (status, body) = declare(&member, PHOTO, "application/pdf", 100).await;
    assert_eq!(status, 415, "{body}");
    let (status, body) = declare(&member, "not-an-id", "image/png", 100).await;
    assert_eq!(status, 400, "{body}");

    // A picture of 4 000 × 4 000 pixels in a few kilobytes: refused from its header.
    let bomb = samples::png(4000, 4000);
    let app = accounts::app_with(&db, &[("MUSTER_IMAGE_MAX_PIXELS", "1000000")]).await;
    let member = Browser::new(&app);
    assert_eq!(
        member
            .sign_in("mo@example.org", crate::support::browser::GOOD_PASSWORD)
            .await
            .0,
        200
    );
    let (status, body) = upload(&member, SIGNATURE, "image/png", &bomb, 64 * 1024).await;
    assert_eq!(status, 415, "{body}");
    assert!(
        body["Unsupported"]
            .as_str()
            .unwrap_or_default()
            .contains("4000 × 4000 pixels"),
        "{body}"
    );
}

#[tokio::test]
async fn a_submission_is_stored_only_with_all_its_files() {
    let db = TestDatabase::create().await;
    let (app, _owner, member, app_id) = published(&db, &[]).await;
    let photo = samples::jpeg(64, 64);
    // Declared and half sent: the submission cannot claim it yet.
    assert_eq!(
        declare(&member, PHOTO, "image/jpeg", photo.len()).await.0,
        200
    );
    assert_eq!(chunk(&member, PHOTO, 0, &photo[..100]).await.0, 200);
    let document = json!({
        "photo": reference(PHOTO, photo.len(), "image/jpeg"),
        "signed": reference(SIGNATURE, 900, "image/png"),
    });
    let (status, body) = submit(&member, &app_id, document.clone()).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        body["Conflict"],
        "File 1 of this submission has not finished uploading; it will be sent again."
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM submissions")
        .fetch_one(app.platform.db.migration_pool())
        .await
        .expect("count");
    assert_eq!(stored, 0, "no submission without its files");

    // A file the answers describe otherwise than it is.
    for (index, part) in photo[100..].chunks(4096).enumerate() {
        assert_eq!(chunk(&member, PHOTO, 100 + index * 4096, part).await.0, 200);
    }
    let wrong = json!({ "photo": reference(PHOTO, photo.len() + 1, "image/jpeg") });
    let (status, body) = submit(&member, &app_id, wrong).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["Request"],
        "File 1 of this submission is not the file the answers describe."
    );
}

#[tokio::test]
async fn another_accounts_files_cannot_be_seen_added_to_or_claimed() {
    let db = TestDatabase::create().await;
    let (app, owner, member, app_id) = published(&db, &[]).await;
    let photo = samples::jpeg(64, 64);
    send_photo(&member, &owner, &app_id, &photo, "image/jpeg").await;

    let stranger = verified_user(&app, "Sam", "sam@example.org", "Elsewhere").await;
    assert_eq!(
        get(&stranger, &format!("/api/media/{PHOTO}/image")).await.0,
        404
    );
    assert_eq!(chunk(&stranger, PHOTO, 0, b"x").await.0, 404);
    // Their own file of that id is theirs alone; ours is untouched.
    assert_eq!(
        declare(&stranger, PHOTO, "image/jpeg", photo.len()).await.0,
        200
    );
    assert_eq!(
        get(&owner, &format!("/api/media/{PHOTO}/image")).await.0,
        200
    );
    // Within the account too, an upload is its uploader's to add to.
    assert_eq!(chunk(&owner, PHOTO, 0, b"x").await.0, 404);
}

#[tokio::test]
async fn a_photo_that_cannot_be_processed_fails_alone_and_keeps_its_original() {
    let db = TestDatabase::create().await;
    let (_app, owner, member, app_id) = published(&db, &[]).await;
    // A PNG whose header is fine and whose picture data stops halfway.
    let mut broken = samples::png(256, 256);
    broken.truncate(broken.len() / 2);
    let detail = send_photo(&member, &owner, &app_id, &broken, "image/png").await;
    let media = &detail["media"][0];
    assert_eq!(media["status"], "failed", "{detail}");
    assert!(
        media["failure"]
            .as_str()
            .unwrap_or_default()
            .starts_with("This PNG image cannot be read"),
        "{media}"
    );
    let (status, _, original) = get(&owner, &format!("/api/media/{PHOTO}/image")).await;
    assert_eq!(status, 200);
    assert_eq!(original, broken, "the original is kept as it arrived");
}

#[tokio::test]
async fn an_upload_no_submission_claims_is_removed_after_the_window() {
    let db = TestDatabase::create().await;
    let (app, _owner, member, _app_id) = published(&db, &[]).await;
    let photo = samples::jpeg(64, 64);
    assert_eq!(
        upload(&member, PHOTO, "image/jpeg", &photo, 100_000)
            .await
            .0,
        200
    );
    let store = db.media_store();
    assert!(!walk(&store).is_empty(), "the upload is on disk");
    // The window (24 h by default) passes.
    let due = crate::support::make_due(&app, "media.expire_upload").await;
    assert_eq!(due, 1, "one expiry per upload");
    wait_for(
        "the unclaimed upload is removed",
        std::time::Duration::from_secs(15),
        || async {
            let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM media")
                .fetch_one(app.platform.db.migration_pool())
                .await
                .expect("count");
            let files = walk(&store);
            (rows == 0 && files.is_empty()).then_some(())
        },
    )
    .await;
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

#[tokio::test]
async fn a_sync_interrupted_by_a_server_restart_completes_once() {
    let db = TestDatabase::create().await;
    let (mut first, owner, member, app_id) = published(&db, &[]).await;
    let photo = samples::jpeg_from_phone(400, 200);
    let half = photo.len() / 2;
    assert_eq!(
        declare(&member, PHOTO, "image/jpeg", photo.len()).await.0,
        200
    );
    assert_eq!(chunk(&member, PHOTO, 0, &photo[..half]).await.0, 200);

    // The instance goes away mid-upload (a deploy); the phone carries on with the next.
    first.begin_shutdown();
    let _ = (&mut first.server).await;
    let second = accounts::app(&db).await;
    let member = Browser::with_jar(&second, member.jar.clone());
    let owner = Browser::with_jar(&second, owner.jar.clone());
    let (status, body) = declare(&member, PHOTO, "image/jpeg", photo.len()).await;
    assert_eq!((status, &body["received"]), (200, &json!(half)), "{body}");
    let (status, body, _) = chunk(&member, PHOTO, half, &photo[half..]).await;
    assert_eq!(status, 200, "{body}");
    let document = json!({ "photo": reference(PHOTO, photo.len(), "image/jpeg") });
    let (status, receipt) = submit(&member, &app_id, document.clone()).await;
    assert_eq!(status, 200, "{receipt}");
    // Its answer was lost too: the phone sends everything again.
    assert_eq!(
        declare(&member, PHOTO, "image/jpeg", photo.len()).await.0,
        200
    );
    let (status, again) = submit(&member, &app_id, document).await;
    assert_eq!((status, &again), (200, &receipt));

    let detail = processed(&owner, &app_id, receipt["id"].as_str().unwrap_or_default()).await;
    assert_eq!(detail["media"][0]["status"], "ready", "{detail}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM submissions")
        .fetch_one(second.platform.db.migration_pool())
        .await
        .expect("count");
    assert_eq!(stored, 1, "exactly one submission");
}
