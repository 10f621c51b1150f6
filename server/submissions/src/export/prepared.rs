//! Exports too large to stream while the person waits: a job writes the file to the
//! file store, reporting its progress (in the `exports` row, and live on the topic
//! `export:{id}`), and the file can be downloaded until it expires. A job cut off by a
//! restart is run again by the queue and starts the file over. When the link expires,
//! a job scheduled with the file ([`ExpireExport`]) removes it.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use muster_accounts::{members, Actor};
use muster_domain::{
    accounts::Capability,
    submissions::{query::TableQuery, views::ExportView},
};
use muster_platform::{
    jobs::{Job, JobContext, JobError, JobOptions, Schedule},
    tenancy::Scope,
    Work,
};
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::{prepare, ExportFormat};
use crate::{selection::Selection, table::layout, SubmissionsError, BUILDERS_ONLY};

/// How often progress is reported while rows are written.
const PROGRESS_EVERY: Duration = Duration::from_millis(300);

pub fn topic(export: Uuid) -> String {
    format!("export:{export}")
}

fn storage_key(export: Uuid) -> String {
    format!("exports/{export}")
}

type Row = (
    Uuid,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
    Option<DateTime<Utc>>,
);

fn view((id, format, status, rows_done, rows_total, error, expires_at): Row) -> ExportView {
    let download = (status == "done").then(|| format!("/api/exports/{id}/download"));
    ExportView {
        id: id.to_string(),
        format,
        status,
        rows_done,
        rows_total,
        error,
        download,
        expires_at,
    }
}

/// How many submissions `selection` holds, counting no further than `limit`.
async fn count_up_to(
    work: &Work,
    actor: &Actor,
    selection: &Selection,
    limit: Option<i64>,
) -> Result<i64, SubmissionsError> {
    Ok(work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                let mut sql = QueryBuilder::<Postgres>::new(
                    "SELECT count(*) FROM (SELECT 1 FROM submissions s",
                );
                selection.push_where(&mut sql);
                if let Some(limit) = limit {
                    sql.push(" LIMIT ").push_bind(limit);
                }
                sql.push(") AS selected");
                sql.build_query_scalar()
                    .persistent(false)
                    .fetch_one(conn)
                    .await
            })
        })
        .await?)
}

/// Starts an export of what `query` selects: `None` when it is small enough to stream
/// straight away (the browser downloads it directly), else the job's export.
pub async fn start(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    query: &TableQuery,
    format: ExportFormat,
) -> Result<Option<ExportView>, SubmissionsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let layout = layout(work, actor, app).await?;
    let selection = Selection::new(app, &query.filter, &layout.columns)?;
    let direct = work.config.media.export_direct_rows;
    if count_up_to(work, actor, &selection, Some(direct + 1)).await? <= direct {
        return Ok(None);
    }
    let id = Uuid::new_v4();
    let mut tx = work.write(&actor.scope()).await?;
    let row: Row = sqlx::query_as(
        "INSERT INTO exports (id, account_id, app_id, requested_by, format, query)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id, format, status, rows_done, rows_total, error, expires_at",
    )
    .bind(id)
    .bind(actor.account_id)
    .bind(app)
    .bind(actor.user_id)
    .bind(format.extension())
    .bind(query.first_page().to_query())
    .fetch_one(&mut *tx)
    .await?;
    work.jobs
        .enqueue(
            &mut tx,
            &PrepareExport {
                export_id: id,
                account_id: actor.account_id,
            },
            JobOptions::default(),
        )
        .await
        .map_err(|e| SubmissionsError::Queue(e.to_string()))?;
    tx.commit().await?;
    Ok(Some(view(row)))
}

/// One export of the caller's account, as it stands.
pub async fn status(
    work: &Work,
    actor: &Actor,
    export: Uuid,
) -> Result<ExportView, SubmissionsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let row: Option<Row> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT id, format, status, rows_done, rows_total, error, expires_at FROM exports WHERE id = $1",
                )
                    .bind(export)
                    .fetch_optional(conn)
                    .await
            })
        })
        .await?;
    row.map(view).ok_or(SubmissionsError::NotFound)
}

/// A finished export's file: its name and bytes as they are read. An expired one is
/// `Gone`.
pub async fn download(
    work: &Work,
    actor: &Actor,
    export: Uuid,
) -> Result<
    (
        String,
        ExportFormat,
        impl futures::Stream<Item = Result<bytes::Bytes, muster_platform::storage::StorageError>>
            + Send
            + 'static,
    ),
    SubmissionsError,
> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    type Found = (String, String, Option<String>, Option<DateTime<Utc>>);
    let row: Option<Found> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT format, status, file_name, expires_at FROM exports WHERE id = $1",
                )
                .bind(export)
                .fetch_optional(conn)
                .await
            })
        })
        .await?;
    let (format, status, file_name, expires_at) = row.ok_or(SubmissionsError::NotFound)?;
    if status != "done" {
        return Err(SubmissionsError::NotFound);
    }
    if expires_at.is_none_or(|at| at <= Utc::now()) {
        return Err(SubmissionsError::Expired);
    }
    let format = ExportFormat::parse(&format).ok_or(SubmissionsError::NotFound)?;
    let stream = work
        .storage
        .get_stream(&storage_key(export))
        .await
        .map_err(|_| SubmissionsError::Expired)?;
    Ok((
        file_name.unwrap_or_else(|| format!("export.{}", format.extension())),
        format,
        stream,
    ))
}

/// Whether `actor` may follow an export's progress: one of their account's.
pub async fn may_follow(work: &Work, actor: &Actor, export: Uuid) -> Result<(), SubmissionsError> {
    status(work, actor, export).await.map(|_| ())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrepareExport {
    pub export_id: Uuid,
    pub account_id: Uuid,
}

/// Applies `update` (one of this module's literal SET clauses; its values are bound as
/// $2 rows done, $3 rows in all, $4 the error) and tells the export's followers.
async fn report(
    work: &Work,
    scope: &Scope,
    export: Uuid,
    update: &'static str,
    binds: (i64, Option<i64>, Option<String>),
) -> Result<(), JobError> {
    let mut tx = work
        .write(scope)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE exports SET {update} WHERE id = $1 RETURNING id, format, status, rows_done, rows_total, error, expires_at"
    )))
    .bind(export)
    .bind(binds.0)
    .bind(binds.1)
    .bind(binds.2)
    .fetch_one(&mut *tx)
    .await?;
    let position = tx
        .commit()
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    let payload = serde_json::to_value(view(row)).unwrap_or_default();
    if let Err(error) = work
        .hub
        .publish(&topic(export), payload, Some(position))
        .await
    {
        tracing::debug!(%error, "export progress not published");
    }
    Ok(())
}

impl Job for PrepareExport {
    const KIND: &'static str = "submissions.prepare_export";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let work = ctx.work;
        let scope = Scope::account(self.account_id);
        let found: Option<(Uuid, Option<Uuid>, String, String, String)> = work
            .read_latest(&scope, |conn, _| {
                Box::pin(async move {
                    sqlx::query_as("SELECT app_id, requested_by, format, query, status FROM exports WHERE id = $1")
                        .bind(self.export_id)
                        .fetch_optional(conn)
                        .await
                })
            })
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        let Some((app, requested_by, format, query, status)) = found else {
            return Ok(());
        };
        if status == "done" {
            return Ok(());
        }
        let failed = |message: String| {
            let work = work.clone();
            let scope = scope.clone();
            async move {
                report(&work, &scope, self.export_id, "status = 'failed', error = $4, finished_at = now(), rows_done = $2, rows_total = coalesce($3, rows_total)", (0, None, Some(message))).await
            }
        };
        // The export runs with the rights of whoever asked for it, as they are now.
        let actor = match requested_by {
            Some(user) => members::actor(&work, user, self.account_id).await.ok(),
            None => None,
        };
        let (Some(actor), Some(format), Ok(query)) = (
            actor,
            ExportFormat::parse(&format),
            TableQuery::parse(&query),
        ) else {
            return failed(
                "The person who asked for this export can no longer export this app.".to_owned(),
            )
            .await;
        };
        let export = match prepare(&work, &actor, app, &query.filter, query.order, format).await {
            Ok(export) => export,
            Err(error) => return failed(error.to_string()).await,
        };
        let selection = match layout(&work, &actor, app)
            .await
            .and_then(|l| Selection::new(app, &query.filter, &l.columns))
        {
            Ok(selection) => selection,
            Err(error) => return failed(error.to_string()).await,
        };
        let total = count_up_to(&work, &actor, &selection, None)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        report(
            &work,
            &scope,
            self.export_id,
            "status = 'running', rows_done = $2, rows_total = $3, error = $4",
            (0, Some(total), None),
        )
        .await?;
        let file_name = export.file_name();
        let (progress_tx, progress_rx) = tokio::sync::watch::channel(0u64);
        let mut chunks = export.start(move |done| {
            let _ = progress_tx.send(done);
        });
        let key = storage_key(self.export_id);
        let mut upload = work
            .storage
            .upload(&key)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        let mut last_report = Instant::now();
        while let Some(chunk) = chunks.recv().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(error) => return failed(error.to_string()).await,
            };
            upload
                .write(&chunk)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            if last_report.elapsed() >= PROGRESS_EVERY {
                last_report = Instant::now();
                let done = *progress_rx.borrow() as i64;
                report(
                    &work,
                    &scope,
                    self.export_id,
                    "rows_done = $2, rows_total = coalesce($3, rows_total), error = $4",
                    (done, None, None),
                )
                .await?;
            }
        }
        upload
            .finish()
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        let done = *progress_rx.borrow() as i64;
        let keep = chrono::Duration::from_std(work.config.media.export_keep)
            .unwrap_or(chrono::Duration::hours(24));
        let expires = Utc::now() + keep;
        let mut tx = work
            .write(&scope)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        sqlx::query("UPDATE exports SET file_name = $2, expires_at = $3 WHERE id = $1")
            .bind(self.export_id)
            .bind(&file_name)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
        let expiry = ExpireExport {
            account_id: self.account_id,
            export_id: self.export_id,
        };
        work.jobs
            .enqueue(
                &mut tx,
                &expiry,
                JobOptions {
                    schedule: Schedule::At(expires),
                    // A run started over after a crash moves the one expiry.
                    key: Some(format!("expire_export:{}", self.export_id)),
                    ..JobOptions::default()
                },
            )
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        tx.commit()
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        report(&work, &scope, self.export_id, "status = 'done', rows_done = $2, rows_total = coalesce($3, rows_total), error = $4, finished_at = now()", (done, Some(done), None)).await
    }
}

/// Removes a prepared export's file once its link has expired: exports are large, and
/// nobody can download them any more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireExport {
    pub account_id: Uuid,
    pub export_id: Uuid,
}

impl Job for ExpireExport {
    const KIND: &'static str = "submissions.expire_export";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let retry = |error: &dyn std::fmt::Display| JobError::Retry(error.to_string());
        let work = ctx.work;
        let mut tx = work
            .write(&Scope::account(self.account_id))
            .await
            .map_err(|e| retry(&e))?;
        // The row stays (the link answers "expired"); the file goes.
        let expired: Option<Uuid> = sqlx::query_scalar(
            "UPDATE exports SET file_name = NULL WHERE id = $1 AND expires_at <= now() RETURNING id",
        )
        .bind(self.export_id)
        .fetch_optional(&mut *tx)
        .await?;
        if expired.is_some() {
            // The file first: if this fails the job runs again.
            work.storage
                .delete(&storage_key(self.export_id))
                .await
                .map_err(|e| retry(&e))?;
        }
        tx.commit().await.map_err(|e| retry(&e))?;
        Ok(())
    }
}
