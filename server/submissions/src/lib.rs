//! Submissions on the server. A submission is checked with the same engine the runner
//! ran (`muster_domain::forms::submission::check`), against the exact published
//! version it was filled with, and stored once per device-made id: a retry gets the
//! stored receipt back, the same id with other answers is refused.
//!
//! Every operation takes the caller's [`Actor`] and runs through their unit of work,
//! scoped to the actor's account (row level security keeps other accounts' versions and
//! submissions out of sight: they are "not found").

mod error;
pub mod export;
pub mod map;
mod processing;
pub mod review;
pub mod selection;
pub mod table;
pub mod webhooks;

use chrono::{DateTime, Utc};
use muster_accounts::Actor;
use muster_domain::{
    accounts::{Capability, FieldErrors},
    forms::{
        fill::Location,
        submission::{self, Document, Refusal},
    },
    maps::MapTiles,
    submissions::{
        query::ReviewStatus,
        views::{Change, NewSubmission, Receipt, SubmissionDetail, SubmissionSummary},
    },
};
use muster_platform::Work;
use sha2::{Digest, Sha256};
use sqlx::types::Json;
use uuid::Uuid;

pub use error::SubmissionsError;
pub use map::pins;
pub use processing::ProcessSubmission;
pub use review::{edit_answer, set_status, Changed};
pub use table::{layout, table, Layout};

const MEMBERS_ONLY: &str = "Only members of this organisation can fill in its apps.";
pub(crate) const BUILDERS_ONLY: &str =
    "Only builders, admins and owners can see an app's submissions.";

/// Checks and stores `new` for `app`. Sending the same submission again returns the
/// receipt of the one stored.
pub async fn submit(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    new: &NewSubmission,
) -> Result<Receipt, SubmissionsError> {
    actor.require(Capability::Participate, MEMBERS_ONLY)?;
    let client_id: Uuid = new.client_id.trim().parse().map_err(|_| {
        SubmissionsError::Malformed("The submission's id is not a UUID.".to_owned())
    })?;
    let form = match muster_apps::version(work, actor, app, new.version).await {
        Err(muster_apps::AppsError::NotFound) => return Err(SubmissionsError::NotFound),
        other => other?,
    };
    match submission::check(&form, &new.document, new.finished_at.naive_local()) {
        Ok(()) => {}
        Err(Refusal::Shape(error)) => return Err(SubmissionsError::Malformed(error.to_string())),
        Err(Refusal::Answers(messages)) => {
            return Err(SubmissionsError::Invalid(FieldErrors(messages)))
        }
    }
    let hash = content_hash(new.version, &new.document);
    let location = submission::location(&form, &new.document);
    let activity: Option<Uuid> = match new.activity_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse().map_err(|_| {
            SubmissionsError::Malformed("The activity id is not a UUID.".to_owned())
        })?),
    };
    let mut tx = work.write(&actor.scope()).await?;
    if let Some(activity) = activity {
        // Row level security hides other accounts' activities: they do not exist here.
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM activities WHERE id = $1)")
                .bind(activity)
                .fetch_one(&mut *tx)
                .await?;
        if !exists {
            return Err(SubmissionsError::Malformed(
                "The activity this was filled in at no longer exists in this organisation."
                    .to_owned(),
            ));
        }
    }
    let inserted: Option<(Uuid, DateTime<Utc>)> = sqlx::query_as(
        "INSERT INTO submissions (id, account_id, app_id, version, client_id, content_hash, document, submitted_by, device_time, status,
                                  location, location_accuracy_m, activity_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'processing',
                 ST_SetSRID(ST_MakePoint($11, $10), 4326)::geography, $12, $13)
         ON CONFLICT (account_id, client_id) DO NOTHING
         RETURNING id, received_at",
    )
    .bind(Uuid::new_v4())
    .bind(actor.account_id)
    .bind(app)
    .bind(new.version)
    .bind(client_id)
    .bind(&hash[..])
    .bind(Json(&new.document))
    .bind(actor.user_id)
    .bind(new.finished_at.with_timezone(&Utc))
    .bind(location.map(|l| l.latitude))
    .bind(location.map(|l| l.longitude))
    .bind(location.and_then(|l| l.accuracy_m).map(|m| m as f32))
    .bind(activity)
    .fetch_optional(&mut *tx)
    .await?;
    let (id, received_at) = match inserted {
        Some((id, received_at)) => {
            let files = submission::files(&form, &new.document);
            muster_media::claim(&mut tx, actor, client_id, id, &files).await?;
            let job = ProcessSubmission {
                submission_id: id,
                account_id: actor.account_id,
            };
            processing::enqueue(work, &mut tx, &job).await?;
            webhooks::emit(
                &mut tx,
                work,
                actor.account_id,
                app,
                "submission.created",
                serde_json::json!({
                    "app_id": app,
                    "submission": {
                        "id": id,
                        "version": new.version,
                        "received_at": received_at,
                        "submitted_by": actor.name,
                        "answers": new.document,
                    },
                }),
            )
            .await?;
            (id, received_at)
        }
        None => {
            // Sent before: the same content gets the same answer, other content is a
            // mistake the device must hear about.
            let (id, received_at, stored_app, stored_hash): (Uuid, DateTime<Utc>, Uuid, Vec<u8>) =
                sqlx::query_as(
                    "SELECT id, received_at, app_id, content_hash FROM submissions WHERE client_id = $1",
                )
                .bind(client_id)
                .fetch_one(&mut *tx)
                .await?;
            if stored_app != app || stored_hash != hash[..] {
                return Err(SubmissionsError::Conflict);
            }
            (id, received_at)
        }
    };
    tx.commit().await?;
    Ok(Receipt {
        id: id.to_string(),
        version: new.version,
        received_at,
    })
}

/// SHA-256 of the version and the document as JSON. The document's maps are ordered,
/// so equal documents always hash alike.
fn content_hash(version: i32, document: &Document) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(version.to_be_bytes());
    // Serialising a document cannot fail: its keys are strings, its values text.
    hasher.update(serde_json::to_vec(document).unwrap_or_default());
    hasher.finalize().into()
}

/// One submission of `app`, with the version it was filled with.
pub async fn detail(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    id: Uuid,
) -> Result<SubmissionDetail, SubmissionsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    type Row = (
        Uuid,
        i32,
        Option<String>,
        DateTime<Utc>,
        String,
        String,
        Option<DateTime<Utc>>,
        Json<muster_domain::forms::schema::Form>,
        Json<Document>,
        Option<f64>,
        Option<f64>,
        Option<f32>,
        String,
    );
    let found: Option<(Row, Vec<Change>)> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                let row: Option<Row> = sqlx::query_as(
                    "SELECT s.id, s.version, u.name, s.received_at, s.status, a.name, s.device_time, v.form, s.document,
                            ST_Y(s.location::geometry), ST_X(s.location::geometry), s.location_accuracy_m, s.review_status
                       FROM submissions s
                       JOIN apps a ON a.id = s.app_id
                       JOIN app_versions v ON v.app_id = s.app_id AND v.version = s.version
                       LEFT JOIN users u ON u.id = s.submitted_by
                      WHERE s.app_id = $1 AND s.id = $2",
                )
                .bind(app)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
                match row {
                    None => Ok(None),
                    Some(row) => Ok(Some((row, review::history(conn, id).await?))),
                }
            })
        })
        .await?;
    let (
        (
            id,
            version,
            submitted_by,
            received_at,
            status,
            app_name,
            finished_at,
            Json(form),
            Json(document),
            latitude,
            longitude,
            accuracy_m,
            review,
        ),
        history,
    ) = found.ok_or(SubmissionsError::NotFound)?;
    let media = muster_media::of_submission(work, actor, id).await?;
    Ok(SubmissionDetail {
        summary: SubmissionSummary {
            id: id.to_string(),
            version,
            submitted_by,
            received_at,
            status,
            review: ReviewStatus::parse(&review).unwrap_or(ReviewStatus::New),
        },
        history,
        app_name,
        finished_at,
        form,
        document,
        media,
        location: latitude
            .zip(longitude)
            .map(|(latitude, longitude)| Location {
                latitude,
                longitude,
                accuracy_m: accuracy_m.map(f64::from),
            }),
        map: MapTiles {
            url: work.config.map.tile_url.clone(),
            attribution: work.config.map.attribution.clone(),
            max_zoom: work.config.map.max_zoom,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_submissions_hash_alike_and_any_difference_shows() {
        let document = |json: &str| serde_json::from_str::<Document>(json).expect("document");
        let a = document(r#"{"b":"2","a":"1"}"#);
        let b = document(r#"{"a":"1","b":"2"}"#);
        assert_eq!(content_hash(1, &a), content_hash(1, &b));
        assert_ne!(content_hash(1, &a), content_hash(2, &a));
        assert_ne!(
            content_hash(1, &a),
            content_hash(1, &document(r#"{"a":"1","b":"3"}"#))
        );
    }
}
