//! Co-editing a draft: builders send batches of [`Edit`]s, which are applied to the
//! stored draft one by one (each either applies or is refused with the reason), and
//! everyone following the draft's realtime topic receives what was applied. Presence
//! (who is in the builder, what they selected) travels the same topic and is never
//! stored.

use muster_accounts::Actor;
use muster_domain::{
    accounts::Capability,
    forms::{
        edit::{apply, Edit},
        replica::{DraftEvent, EditOutcome},
        schema::{FieldId, Form},
    },
};
use muster_platform::{db::Lsn, Work};
use sqlx::types::Json;
use uuid::Uuid;

use crate::{check_size, AppsError, BUILDERS_ONLY};

/// Most edits in one batch: far more than a builder makes between two saves.
pub const MAX_EDITS_PER_BATCH: usize = 500;
/// Longest tab id a builder may send (it is only echoed back to tell own edits apart).
const MAX_CLIENT_ID: usize = 64;

/// The realtime topic of an app's draft.
pub fn draft_topic(app: Uuid) -> String {
    format!("draft:{app}")
}

/// Applies `edits` (made by the builder tab `client`) to the draft in order. The batch is
/// stored whole or not at all: if the result would be over the size limits, nothing is
/// stored and the error says which limit.
pub async fn edit(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    client: &str,
    edits: &[Edit],
) -> Result<EditOutcome, AppsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let client = client_id(client)?;
    if edits.len() > MAX_EDITS_PER_BATCH {
        return Err(AppsError::TooLarge(format!(
            "At most {MAX_EDITS_PER_BATCH} changes can be saved at once; this batch has {}.",
            edits.len()
        )));
    }
    let mut tx = work.write(&actor.scope()).await?;
    let row: Option<(Json<Form>, i64)> =
        sqlx::query_as("SELECT form, revision FROM app_drafts WHERE app_id = $1 FOR UPDATE")
            .bind(app)
            .fetch_optional(&mut *tx)
            .await?;
    let (Json(stored), revision) = row.ok_or(AppsError::NotFound)?;
    let mut form = stored.clone();
    let mut outcome = EditOutcome {
        revision,
        applied: Vec::new(),
        refused: Vec::new(),
    };
    for edit in edits {
        match apply(&mut form, edit) {
            Ok(()) => outcome.applied.push(edit.clone()),
            Err(refusal) => outcome.refused.push(refusal),
        }
    }
    if form == stored {
        // Nothing new (everything refused, or already in effect): same revision, and
        // nothing for co-editors.
        outcome.applied.clear();
        tx.commit().await?;
        return Ok(outcome);
    }
    check_size(&form)?;
    outcome.revision = revision + 1;
    sqlx::query(
        "UPDATE app_drafts SET form = $2, revision = $3, updated_by = $4, updated_at = now() WHERE app_id = $1",
    )
    .bind(app)
    .bind(Json(&form))
    .bind(outcome.revision)
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    let position = tx.commit().await?;
    announce(
        work,
        app,
        Some(position),
        &DraftEvent::Edited {
            revision: outcome.revision,
            client: client.to_owned(),
            by: actor.name.clone(),
            edits: outcome.applied.clone(),
        },
    )
    .await;
    Ok(outcome)
}

/// Tells the draft's co-editors that `client` is (still) in the builder, or leaving, and
/// what it has selected.
pub async fn presence(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    client: &str,
    selected: Option<FieldId>,
    leaving: bool,
) -> Result<(), AppsError> {
    let revision = may_follow(work, actor, app).await?;
    let client = client_id(client)?;
    announce(
        work,
        app,
        None,
        &DraftEvent::Presence {
            client: client.to_owned(),
            by: actor.name.clone(),
            selected: selected.filter(FieldId::is_valid),
            leaving,
            revision,
        },
    )
    .await;
    Ok(())
}

/// Whether `actor` may follow (and appear in) the draft of `app`: builders of the
/// app's account only. `NotFound` for apps of other accounts, like every other call.
/// Returns the draft's current revision.
pub async fn may_follow(work: &Work, actor: &Actor, app: Uuid) -> Result<i64, AppsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let revision: Option<i64> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_scalar("SELECT revision FROM app_drafts WHERE app_id = $1")
                    .bind(app)
                    .fetch_optional(conn)
                    .await
            })
        })
        .await?;
    revision.ok_or(AppsError::NotFound)
}

/// Publishes a draft event, with the position of the write it announces (so a co-editor
/// who reloads because of it reads at least that). The change is already stored: if the
/// hub is unavailable, co-editors notice the missing revision with the next event (or
/// on reconnecting) and reload, so a failure here is logged, not reported to the builder.
pub(crate) async fn announce(work: &Work, app: Uuid, position: Option<Lsn>, event: &DraftEvent) {
    let payload = match serde_json::to_value(event) {
        Ok(payload) => payload,
        Err(error) => {
            tracing::error!(%error, "draft event not serialisable");
            return;
        }
    };
    if let Err(error) = work.hub.publish(&draft_topic(app), payload, position).await {
        tracing::warn!(%error, %app, "draft event not delivered to co-editors");
    }
}

fn client_id(client: &str) -> Result<&str, AppsError> {
    let ok = (1..=MAX_CLIENT_ID).contains(&client.len())
        && client
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(client)
    } else {
        Err(AppsError::Invalid(
            muster_domain::accounts::FieldErrors::single(
                "client",
                "The builder tab's id must be 1–64 letters, digits, - or _.",
            ),
        ))
    }
}
