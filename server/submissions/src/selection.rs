//! A [`Filter`] made SQL: the `WHERE` every view of an app's submissions shares (its
//! table, its map, its exports, the API's list), and the keyset that pages through it.
//! Values are always bound, never spliced into the text; a filter that names no
//! question of the app is refused before any SQL runs.
//!
//! Queries built here run as unnamed statements (`persistent(false)`), planned for
//! their values each time. A prepared statement switches to a generic plan after a few
//! runs, and for a selective filter (an answer no row has, over a year of a million
//! submissions) that plan walked the whole app: p95 3.3 s against 8 ms planned for the
//! values (BENCHMARKS.md "Submissions at scale"). Planning costs about 2 ms.

use chrono::{DateTime, Days, NaiveDate, Utc};
use muster_domain::submissions::{
    columns::{CellKind, Column},
    query::{Area, Cursor, Filter, Order, QueryError},
};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::SubmissionsError;

/// Which submissions of one app, checked and ready to bind.
#[derive(Debug, Clone)]
pub struct Selection {
    app: Uuid,
    received_from: Option<DateTime<Utc>>,
    received_before: Option<DateTime<Utc>>,
    submitter: Option<Uuid>,
    status: Option<&'static str>,
    version: Option<i32>,
    /// `{"field": "value"}`, matched with `@>` (indexed).
    answer: Option<serde_json::Value>,
    text: Option<String>,
    area: Option<Area>,
}

/// The start of `day` (UTC).
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

impl Selection {
    /// `filter` over `app`, whose questions are `columns` (across versions).
    pub fn new(app: Uuid, filter: &Filter, columns: &[Column]) -> Result<Self, SubmissionsError> {
        let refuse = |parameter: &str, message: &str| {
            SubmissionsError::BadQuery(QueryError {
                parameter: parameter.to_owned(),
                message: message.to_owned(),
            })
        };
        let answer =
            match &filter.field {
                None => None,
                Some(m) => match columns.iter().find(|c| c.field == m.field) {
                    Some(column) if column.cell == CellKind::Text => {
                        Some(serde_json::json!({ m.field.0.clone(): m.value }))
                    }
                    Some(_) => return Err(refuse(
                        "field",
                        "Photos, signatures and repeat groups cannot be matched by their answer.",
                    )),
                    None => return Err(refuse("field", "That is not a question of this app.")),
                },
            };
        let submitter = filter
            .submitter
            .as_deref()
            .map(|id| {
                id.parse::<Uuid>()
                    .map_err(|_| refuse("by", "The submitter is not a member's id."))
            })
            .transpose()?;
        Ok(Self {
            app,
            received_from: filter.from.map(start_of),
            received_before: filter
                .to
                .and_then(|day| day.checked_add_days(Days::new(1)))
                .map(start_of),
            submitter,
            status: filter.status.map(|s| s.as_str()),
            version: filter.version,
            answer,
            text: filter.text.clone(),
            area: filter.area,
        })
    }

    pub fn app(&self) -> Uuid {
        self.app
    }

    /// Appends ` WHERE …` over the submissions aliased `s`.
    pub fn push_where(&self, sql: &mut QueryBuilder<Postgres>) {
        sql.push(" WHERE s.app_id = ").push_bind(self.app);
        if let Some(from) = self.received_from {
            sql.push(" AND s.received_at >= ").push_bind(from);
        }
        if let Some(before) = self.received_before {
            sql.push(" AND s.received_at < ").push_bind(before);
        }
        if let Some(submitter) = self.submitter {
            sql.push(" AND s.submitted_by = ").push_bind(submitter);
        }
        if let Some(status) = self.status {
            sql.push(" AND s.review_status = ").push_bind(status);
        }
        if let Some(version) = self.version {
            sql.push(" AND s.version = ").push_bind(version);
        }
        if let Some(answer) = &self.answer {
            sql.push(" AND s.document @> ").push_bind(answer);
        }
        if let Some(text) = &self.text {
            sql.push(" AND s.search @@ plainto_tsquery('simple', ")
                .push_bind(text)
                .push(")");
        }
        if let Some(area) = self.area {
            // Both areas are looked up in the index submissions_app_place by their
            // bounding box, written as the index is (its predicate included).
            let (west, south, east, north) = area.bounding_box();
            sql.push(" AND s.location IS NOT NULL AND s.location::geometry && ST_MakeEnvelope(")
                .push_bind(west)
                .push(", ")
                .push_bind(south)
                .push(", ")
                .push_bind(east)
                .push(", ")
                .push_bind(north)
                .push(", 4326)");
            if let Area::Near {
                latitude,
                longitude,
                radius_m,
            } = area
            {
                sql.push(" AND ST_DWithin(s.location, ST_SetSRID(ST_MakePoint(")
                    .push_bind(longitude)
                    .push(", ")
                    .push_bind(latitude)
                    .push("), 4326)::geography, ")
                    .push_bind(radius_m)
                    .push(")");
            }
        }
    }
}

/// A keyset position, checked.
#[derive(Debug, Clone, Copy)]
pub struct Keyset {
    pub received_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Keyset {
    pub fn from_cursor(cursor: &Cursor) -> Result<Self, SubmissionsError> {
        Ok(Self {
            received_at: cursor.received_at,
            id: cursor.id.parse().map_err(|_| {
                SubmissionsError::BadQuery(QueryError {
                    parameter: "after".to_owned(),
                    message: "This page link is damaged: go back to the first page.".to_owned(),
                })
            })?,
        })
    }

    pub fn cursor(&self) -> Cursor {
        Cursor {
            received_at: self.received_at,
            id: self.id.to_string(),
        }
    }
}

/// Appends ` AND (s.received_at, s.id) past `after` ORDER BY … LIMIT limit`: the rows
/// after a position, in `order`, read straight off the index.
pub fn push_page(
    sql: &mut QueryBuilder<Postgres>,
    order: Order,
    after: Option<Keyset>,
    limit: i64,
) {
    let (comparison, direction) = match order {
        Order::NewestFirst => ("<", "DESC"),
        Order::OldestFirst => (">", "ASC"),
    };
    if let Some(after) = after {
        sql.push(format!(" AND (s.received_at, s.id) {comparison} ("))
            .push_bind(after.received_at)
            .push(", ")
            .push_bind(after.id)
            .push(")");
    }
    sql.push(format!(
        " ORDER BY s.received_at {direction}, s.id {direction} LIMIT "
    ))
    .push_bind(limit);
}
