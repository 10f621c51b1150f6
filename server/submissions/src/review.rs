//! Builders' changes to a submission: its review status, and corrections of answers.
//! Each change is written to `submission_changes` (who, when, old and new value) in the
//! transaction that makes it, so the history is exactly what happened.

use chrono::{DateTime, Utc};
use muster_accounts::Actor;
use muster_domain::{
    accounts::{Capability, FieldErrors},
    forms::{
        schema::{Form, Kind},
        submission::{self, Document, Refusal},
    },
    submissions::{
        query::ReviewStatus,
        views::{AnswerEdit, Change},
    },
};
use muster_platform::Work;
use sqlx::{types::Json, PgConnection};
use uuid::Uuid;

use crate::{SubmissionsError, BUILDERS_ONLY};

/// A change as it was made, for those who must hear about it (webhooks, the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub submission: Uuid,
    pub change: Change,
}

async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    submission: Uuid,
    what: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO submission_changes (account_id, submission_id, changed_by, what, old_value, new_value)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING changed_at",
    )
    .bind(actor.account_id)
    .bind(submission)
    .bind(actor.user_id)
    .bind(what)
    .bind(old)
    .bind(new)
    .fetch_one(conn)
    .await
}

/// Sets the review status of submission `id` of `app`. Setting the status it has is no
/// change (and no history entry): `None`.
pub async fn set_status(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    id: Uuid,
    status: ReviewStatus,
) -> Result<Option<Changed>, SubmissionsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let mut tx = work.write(&actor.scope()).await?;
    let old: Option<String> = sqlx::query_scalar(
        "SELECT review_status FROM submissions WHERE app_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(app)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let old = old.ok_or(SubmissionsError::NotFound)?;
    if old == status.as_str() {
        return Ok(None);
    }
    sqlx::query("UPDATE submissions SET review_status = $1 WHERE id = $2")
        .bind(status.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let at = record(
        &mut tx,
        actor,
        id,
        "status",
        Some(&old),
        Some(status.as_str()),
    )
    .await?;
    crate::webhooks::emit(
        &mut tx,
        work,
        actor.account_id,
        app,
        "submission.status_changed",
        serde_json::json!({
            "app_id": app, "submission_id": id, "old": old, "new": status.as_str(), "by": actor.name,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(Changed {
        submission: id,
        change: Change {
            at,
            by: Some(actor.name.clone()),
            what: "status".to_owned(),
            old: Some(old),
            new: Some(status.as_str().to_owned()),
        },
    }))
}

fn malformed(message: &str) -> SubmissionsError {
    SubmissionsError::Malformed(message.to_owned())
}

/// Corrects one answer of submission `id` of `app`. The submission with the new value
/// must pass the checks of the version it was filled with, as when it was sent; what
/// it answered before is kept in the history. The same value again is no change.
pub async fn edit_answer(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    id: Uuid,
    edit: &AnswerEdit,
) -> Result<Option<Changed>, SubmissionsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let (rows, field_id) = submission::parse_path(edit.path.trim())
        .ok_or_else(|| malformed("That is not an answer of this submission."))?;
    let mut tx = work.write(&actor.scope()).await?;
    type Row = (
        Json<Form>,
        Json<Document>,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
    );
    let row: Option<Row> =
        sqlx::query_as(
            "SELECT v.form, s.document, s.device_time, s.received_at
               FROM submissions s JOIN app_versions v ON v.app_id = s.app_id AND v.version = s.version
              WHERE s.app_id = $1 AND s.id = $2
              FOR UPDATE OF s",
        )
        .bind(app)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let (Json(form), Json(mut document), finished_at, received_at) =
        row.ok_or(SubmissionsError::NotFound)?;
    let question = submission::question_at(&form, &rows, &field_id)
        .ok_or_else(|| malformed("That is not a question of the version this was filled with."))?;
    match question.kind {
        Kind::Photo { .. } | Kind::Signature => {
            return Err(malformed("Photos and signatures cannot be replaced here."))
        }
        Kind::Calculated { .. } => {
            return Err(malformed(
                "A calculated value follows from the other answers: correct those.",
            ))
        }
        ref kind if !kind.holds_an_answer() => {
            return Err(malformed("That question takes no answer."))
        }
        _ => {}
    }
    let row = document
        .row_at_mut(&rows)
        .ok_or_else(|| malformed("That row of the repeat group does not exist."))?;
    let old = row.text(&field_id).to_owned();
    if old == edit.value {
        return Ok(None);
    }
    row.set_text(field_id, edit.value.clone());
    // Rules such as "not after today" are judged as of when it was filled in.
    let as_of = finished_at.unwrap_or(received_at).naive_utc();
    match submission::check(&form, &document, as_of) {
        Ok(()) => {}
        Err(Refusal::Shape(error)) => return Err(SubmissionsError::Malformed(error.to_string())),
        Err(Refusal::Answers(messages)) => {
            return Err(SubmissionsError::Invalid(FieldErrors(messages)))
        }
    }
    let location = submission::location(&form, &document);
    sqlx::query(
        "UPDATE submissions SET document = $1,
                location = ST_SetSRID(ST_MakePoint($3, $2), 4326)::geography,
                location_accuracy_m = $4
          WHERE id = $5",
    )
    .bind(Json(&document))
    .bind(location.map(|l| l.latitude))
    .bind(location.map(|l| l.longitude))
    .bind(location.and_then(|l| l.accuracy_m).map(|m| m as f32))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let what = edit.path.trim();
    let old = (!old.is_empty()).then_some(old);
    let new = (!edit.value.is_empty()).then_some(edit.value.as_str());
    let at = record(&mut tx, actor, id, what, old.as_deref(), new).await?;
    crate::webhooks::emit(
        &mut tx,
        work,
        actor.account_id,
        app,
        "submission.updated",
        serde_json::json!({
            "app_id": app, "submission_id": id, "path": what, "old": old, "new": new, "by": actor.name,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(Changed {
        submission: id,
        change: Change {
            at,
            by: Some(actor.name.clone()),
            what: what.to_owned(),
            old,
            new: new.map(str::to_owned),
        },
    }))
}

/// The history of submission `id`, oldest first.
pub(crate) async fn history(conn: &mut PgConnection, id: Uuid) -> Result<Vec<Change>, sqlx::Error> {
    let rows: Vec<(
        DateTime<Utc>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    )> = sqlx::query_as(
        "SELECT c.changed_at, u.name, c.what, c.old_value, c.new_value
               FROM submission_changes c LEFT JOIN users u ON u.id = c.changed_by
              WHERE c.submission_id = $1 ORDER BY c.id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, by, what, old, new)| Change {
            at,
            by,
            what,
            old,
            new,
        })
        .collect())
}
