//! The submissions table of an app: one keyset page at a time, filtered, with a column
//! per question across every published version. Read from the replicas.

use chrono::{DateTime, Utc};
use muster_accounts::Actor;
use muster_domain::{
    accounts::Capability,
    forms::{schema::Form, submission::Document},
    submissions::{
        columns::{self, Column},
        query::{ReviewStatus, TableQuery},
        views::{SubmissionSummary, SubmissionsTable, Submitter, TableRow},
    },
};
use muster_platform::Work;
use sqlx::{types::Json, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::{
    selection::{push_page, Keyset, Selection},
    SubmissionsError, BUILDERS_ONLY,
};

/// Rows per page of the table.
pub const PAGE: i64 = 50;

/// An app as its submissions are laid out: its name and every version's questions.
pub struct Layout {
    pub name: String,
    /// Newest first.
    pub versions: Vec<i32>,
    pub columns: Vec<Column>,
}

/// The name and columns of `app` (not found: another account's, or none).
pub async fn layout(work: &Work, actor: &Actor, app: Uuid) -> Result<Layout, SubmissionsError> {
    type Row = (String, Option<i32>, Option<Json<Form>>);
    let rows: Vec<Row> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT a.name, v.version, v.form
                       FROM apps a LEFT JOIN app_versions v ON v.app_id = a.id
                      WHERE a.id = $1
                      ORDER BY v.version DESC",
                )
                .bind(app)
                .fetch_all(conn)
                .await
            })
        })
        .await?;
    let name = rows
        .first()
        .map(|(name, _, _)| name.clone())
        .ok_or(SubmissionsError::NotFound)?;
    let versions: Vec<(i32, Form)> = rows
        .into_iter()
        .filter_map(|(_, version, form)| version.zip(form.map(|Json(f)| f)))
        .collect();
    let forms: Vec<(i32, &Form)> = versions.iter().map(|(v, f)| (*v, f)).collect();
    Ok(Layout {
        name,
        columns: columns::columns(&forms),
        versions: versions.iter().map(|(v, _)| *v).collect(),
    })
}

/// A submission as a page row reads it.
pub(crate) type RowData = (
    Uuid,
    i32,
    Option<String>,
    DateTime<Utc>,
    String,
    String,
    Json<Document>,
);

/// The columns a page row selects, in [`RowData`]'s order.
pub(crate) const ROW_COLUMNS: &str =
    "SELECT s.id, s.version, u.name, s.received_at, s.status, s.review_status, s.document
       FROM submissions s LEFT JOIN users u ON u.id = s.submitted_by";

pub(crate) fn summary_of(
    (id, version, submitted_by, received_at, status, review, _): &RowData,
) -> SubmissionSummary {
    SubmissionSummary {
        id: id.to_string(),
        version: *version,
        submitted_by: submitted_by.clone(),
        received_at: *received_at,
        status: status.clone(),
        // The database allows only the statuses there are.
        review: ReviewStatus::parse(review).unwrap_or(ReviewStatus::New),
    }
}

/// A page of submissions with their whole answers, and the cursor of the next page.
pub struct Page {
    pub rows: Vec<(SubmissionSummary, Document)>,
    pub next: Option<String>,
}

/// Up to `limit` of `app`'s submissions as `query` asks (its filter, order and
/// `after`), read from a replica.
pub async fn page(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    query: &TableQuery,
    limit: i64,
) -> Result<(Page, Layout), SubmissionsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let layout = layout(work, actor, app).await?;
    let selection = Selection::new(app, &query.filter, &layout.columns)?;
    let after = query.after.as_ref().map(Keyset::from_cursor).transpose()?;
    let mut rows: Vec<RowData> = work
        .read(&actor.scope(), |conn, _| {
            let selection = &selection;
            Box::pin(async move {
                let mut sql = QueryBuilder::<Postgres>::new(ROW_COLUMNS);
                selection.push_where(&mut sql);
                push_page(&mut sql, query.order, after, limit + 1);
                sql.build_query_as().persistent(false).fetch_all(conn).await
            })
        })
        .await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|(id, _, _, received_at, ..)| {
            Keyset {
                received_at: *received_at,
                id: *id,
            }
            .cursor()
            .encode()
        })
    } else {
        None
    };
    let rows = rows
        .into_iter()
        .map(|row| {
            let summary = summary_of(&row);
            (summary, row.6 .0)
        })
        .collect();
    Ok((Page { rows, next }, layout))
}

/// One page of `app`'s submissions table as `query` asks.
pub async fn table(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    query: &TableQuery,
) -> Result<SubmissionsTable, SubmissionsError> {
    let (page, layout) = page(work, actor, app, query, PAGE).await?;
    let submitters: Vec<(Uuid, String)> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id
                      WHERE m.account_id = $1 ORDER BY lower(u.name), u.id",
                )
                .bind(actor.account_id)
                .fetch_all(conn)
                .await
            })
        })
        .await?;
    let shown = columns::shown(&layout.columns, query.columns.as_deref());
    Ok(SubmissionsTable {
        rows: page
            .rows
            .into_iter()
            .map(|(summary, document)| TableRow {
                cells: shown.iter().map(|c| c.summary(&document)).collect(),
                summary,
            })
            .collect(),
        shown: shown.iter().map(|c| c.field.clone()).collect(),
        next: page.next,
        app_name: layout.name,
        versions: layout.versions,
        submitters: submitters
            .into_iter()
            .map(|(id, name)| Submitter {
                id: id.to_string(),
                name,
            })
            .collect(),
        columns: layout.columns,
    })
}
