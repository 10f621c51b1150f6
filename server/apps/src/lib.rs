//! Apps on the server: an app belongs to an account and has a draft form that builders
//! edit and immutable published versions (v1, v2, …) that submissions will be bound to.
//!
//! Every operation takes the caller's [`Actor`], checks the role, and runs through the
//! caller's unit of work scoped to the actor's account (row level security does the
//! rest): reads on a replica that has the caller's last write, writes on the primary.

mod editing;
mod error;

use chrono::{DateTime, Utc};
use muster_accounts::Actor;
use muster_domain::{
    accounts::{fields, Capability, FieldErrors},
    forms::{
        diff::diff,
        replica::DraftEvent,
        schema::Form,
        validate::{oversized, publishing_problems, validate},
        views::{AppSummary, DraftView, VersionSummary},
    },
    submissions::views::{RunnableApp, RunnerApp},
};
use muster_platform::Work;
use sqlx::{types::Json, PgConnection};
use uuid::Uuid;

pub use editing::{draft_topic, edit, may_follow, presence, MAX_EDITS_PER_BATCH};
pub use error::AppsError;

/// Largest draft stored, as JSON.
pub const MAX_DRAFT_BYTES: usize = 1024 * 1024;

pub(crate) const BUILDERS_ONLY: &str = "Only builders, admins and owners can build apps.";

pub async fn create(work: &Work, actor: &Actor, name: &str) -> Result<Uuid, AppsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    if let Err(message) = fields::account_name(name) {
        let message = message.replace("a name for the organisation", "a name for the app");
        return Err(AppsError::Invalid(FieldErrors::single("name", message)));
    }
    let id = Uuid::new_v4();
    let mut tx = work.write(&actor.scope()).await?;
    sqlx::query("INSERT INTO apps (id, account_id, name, created_by) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(actor.account_id)
        .bind(name.trim())
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO app_drafts (app_id, account_id, form, updated_by) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(actor.account_id)
    .bind(Json(Form::default()))
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn list(work: &Work, actor: &Actor) -> Result<Vec<AppSummary>, AppsError> {
    actor.require(Capability::Participate, "Only members can see the apps.")?;
    let rows: Vec<(Uuid, String, Option<i32>, DateTime<Utc>)> = work
        .read(&actor.scope(), |conn, _| Box::pin(async move {
            sqlx::query_as(
                "SELECT a.id, a.name, (SELECT max(v.version) FROM app_versions v WHERE v.app_id = a.id), d.updated_at
                   FROM apps a JOIN app_drafts d ON d.app_id = a.id
                  ORDER BY lower(a.name), a.id",
            )
            .fetch_all(conn)
            .await
        }))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, latest_version, draft_updated_at)| AppSummary {
            id: id.to_string(),
            name,
            latest_version,
            draft_updated_at,
        })
        .collect())
}

/// Whether `app` is one of the scope's apps: inside a read, to tell "no such app" (404)
/// from "an app with nothing in it yet".
pub async fn exists(conn: &mut PgConnection, app: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM apps WHERE id = $1)")
        .bind(app)
        .fetch_one(conn)
        .await
}

async fn latest_version(
    conn: &mut PgConnection,
    app: Uuid,
) -> Result<Option<(i32, Form)>, sqlx::Error> {
    let row: Option<(i32, Json<Form>)> = sqlx::query_as(
        "SELECT version, form FROM app_versions WHERE app_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(app)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(version, Json(form))| (version, form)))
}

pub async fn draft(work: &Work, actor: &Actor, app: Uuid) -> Result<DraftView, AppsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let (row, latest) = work
        .read(&actor.scope(), |conn, _| Box::pin(async move {
            let row: Option<(String, Json<Form>, i64)> = sqlx::query_as(
                "SELECT a.name, d.form, d.revision FROM apps a JOIN app_drafts d ON d.app_id = a.id WHERE a.id = $1",
            )
            .bind(app)
            .fetch_optional(&mut *conn)
            .await?;
            Ok((row, latest_version(conn, app).await?))
        }))
        .await?;
    let (name, Json(form), revision) = row.ok_or(AppsError::NotFound)?;
    Ok(DraftView {
        app_id: app.to_string(),
        name,
        problems: validate(&form),
        changes: latest
            .as_ref()
            .map(|(_, published)| diff(published, &form))
            .unwrap_or_default(),
        latest_version: latest.as_ref().map(|(version, _)| *version),
        published: latest.map(|(_, published)| published),
        form,
        revision,
    })
}

/// Refuses a draft over the size limits (fields, nesting, texts, stored bytes), saying
/// which; problems that only stop publishing are fine in a draft.
pub(crate) fn check_size(form: &Form) -> Result<(), AppsError> {
    if let Some(reason) = oversized(form) {
        return Err(AppsError::TooLarge(reason));
    }
    let json = serde_json::to_vec(form).map_err(|e| AppsError::Internal(e.to_string()))?;
    if json.len() > MAX_DRAFT_BYTES {
        return Err(AppsError::TooLarge(format!(
            "The form is {} KiB; the limit is {} KiB.",
            json.len() / 1024,
            MAX_DRAFT_BYTES / 1024
        )));
    }
    Ok(())
}

/// Stores `form` as the draft if nobody saved since `base_revision`; returns the new
/// revision. Unfinished forms are fine; oversized ones are refused and nothing is stored.
pub async fn save_draft(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    form: &Form,
    base_revision: i64,
) -> Result<i64, AppsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    check_size(form)?;
    let mut tx = work.write(&actor.scope()).await?;
    let current: Option<i64> =
        sqlx::query_scalar("SELECT revision FROM app_drafts WHERE app_id = $1 FOR UPDATE")
            .bind(app)
            .fetch_optional(&mut *tx)
            .await?;
    let current = current.ok_or(AppsError::NotFound)?;
    if current != base_revision {
        return Err(AppsError::Conflict {
            current_revision: current,
        });
    }
    sqlx::query(
        "UPDATE app_drafts SET form = $2, revision = revision + 1, updated_by = $3, updated_at = now() WHERE app_id = $1",
    )
    .bind(app)
    .bind(Json(form))
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    let position = tx.commit().await?;
    editing::announce(
        work,
        app,
        Some(position),
        &DraftEvent::Replaced {
            revision: current + 1,
            by: actor.name.clone(),
        },
    )
    .await;
    Ok(current + 1)
}

/// Publishes the draft as the next version, if it has no problems (all of them are
/// listed otherwise). Returns the version number.
pub async fn publish(work: &Work, actor: &Actor, app: Uuid) -> Result<i32, AppsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    actor.require_verified("publish apps")?;
    let mut tx = work.write(&actor.scope()).await?;
    // Locking the draft serialises publishers: version numbers never collide.
    let row: Option<Json<Form>> =
        sqlx::query_scalar("SELECT form FROM app_drafts WHERE app_id = $1 FOR UPDATE")
            .bind(app)
            .fetch_optional(&mut *tx)
            .await?;
    let Json(form) = row.ok_or(AppsError::NotFound)?;
    let latest = latest_version(&mut tx, app).await?;
    let problems = publishing_problems(&form, latest.as_ref().map(|(v, f)| (*v, f)));
    if !problems.is_empty() {
        return Err(AppsError::Problems(problems));
    }
    let version = latest.map_or(1, |(version, _)| version + 1);
    sqlx::query("INSERT INTO app_versions (app_id, account_id, version, form, published_by) VALUES ($1, $2, $3, $4, $5)")
        .bind(app)
        .bind(actor.account_id)
        .bind(version)
        .bind(Json(&form))
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
    let position = tx.commit().await?;
    editing::announce(
        work,
        app,
        Some(position),
        &DraftEvent::Published {
            version,
            by: actor.name.clone(),
        },
    )
    .await;
    Ok(version)
}

pub async fn versions(
    work: &Work,
    actor: &Actor,
    app: Uuid,
) -> Result<Vec<VersionSummary>, AppsError> {
    actor.require(Capability::Participate, "Only members can see the apps.")?;
    type Row = (i32, DateTime<Utc>, Option<String>);
    let rows: Option<Vec<Row>> = work
        .read(&actor.scope(), |conn, _| Box::pin(async move {
            if !exists(&mut *conn, app).await? {
                return Ok(None);
            }
            sqlx::query_as(
                "SELECT v.version, v.published_at, u.name FROM app_versions v LEFT JOIN users u ON u.id = v.published_by
                  WHERE v.app_id = $1 ORDER BY v.version DESC",
            )
            .bind(app)
            .fetch_all(conn)
            .await
            .map(Some)
        }))
        .await?;
    let rows = rows.ok_or(AppsError::NotFound)?;
    Ok(rows
        .into_iter()
        .map(|(version, published_at, published_by)| VersionSummary {
            version,
            published_at,
            published_by,
        })
        .collect())
}

/// A published version's form: what a submission made with it was filled in against.
pub async fn version(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    version: i32,
) -> Result<Form, AppsError> {
    actor.require(Capability::Participate, "Only members can see the apps.")?;
    let form: Option<Json<Form>> = work
        .read_immutable(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_scalar(
                    "SELECT form FROM app_versions WHERE app_id = $1 AND version = $2",
                )
                .bind(app)
                .bind(version)
                .fetch_optional(conn)
                .await
            })
        })
        .await?;
    form.map(|Json(form)| form).ok_or(AppsError::NotFound)
}

/// The apps the caller may fill in: every app of their account with a published
/// version, by name.
pub async fn runnable(work: &Work, actor: &Actor) -> Result<Vec<RunnableApp>, AppsError> {
    actor.require(
        Capability::Participate,
        "Only members can fill in the apps.",
    )?;
    let rows: Vec<(Uuid, String, i32)> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT a.id, a.name, v.version
                       FROM apps a
                       JOIN LATERAL (SELECT max(version) AS version FROM app_versions WHERE app_id = a.id) v ON v.version IS NOT NULL
                      ORDER BY lower(a.name), a.id",
                )
                .fetch_all(conn)
                .await
            })
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, version)| RunnableApp {
            id: id.to_string(),
            name,
            version,
        })
        .collect())
}

/// The latest published version of `app`, to fill in. Not found when it has none.
pub async fn latest_published(
    work: &Work,
    actor: &Actor,
    app: Uuid,
) -> Result<RunnerApp, AppsError> {
    actor.require(
        Capability::Participate,
        "Only members can fill in the apps.",
    )?;
    let row: Option<(String, i32, Json<Form>)> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT a.name, v.version, v.form FROM apps a
                       JOIN app_versions v ON v.app_id = a.id
                      WHERE a.id = $1
                      ORDER BY v.version DESC LIMIT 1",
                )
                .bind(app)
                .fetch_optional(conn)
                .await
            })
        })
        .await?;
    let (name, version, Json(form)) = row.ok_or(AppsError::NotFound)?;
    Ok(RunnerApp {
        id: app.to_string(),
        name,
        version,
        form,
        user_id: actor.user_id.to_string(),
        photo_max_px: work.config.media.photo_max_px,
    })
}
