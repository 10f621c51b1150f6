//! What `/api/v1` sends and takes. These are the API's own types, versioned with it:
//! the pages' view types may change without breaking an integration.

use chrono::{DateTime, FixedOffset, Utc};
use muster_domain::submissions::{
    query::ReviewStatus,
    views::{Change, SubmissionDetail, SubmissionSummary},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct App {
    pub id: String,
    pub name: String,
    /// The newest published version; none before the first publish.
    pub latest_version: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppList {
    pub data: Vec<App>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Version {
    pub version: i32,
    pub published_at: DateTime<Utc>,
    pub published_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionList {
    pub data: Vec<Version>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionForm {
    pub version: i32,
    /// The form as the builder published it: its questions, rules and conditions.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
}

/// Where builders have got with a submission.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    InReview,
    Approved,
    Rejected,
}

impl From<ReviewStatus> for Status {
    fn from(status: ReviewStatus) -> Self {
        match status {
            ReviewStatus::New => Status::New,
            ReviewStatus::InReview => Status::InReview,
            ReviewStatus::Approved => Status::Approved,
            ReviewStatus::Rejected => Status::Rejected,
        }
    }
}

impl From<Status> for ReviewStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::New => ReviewStatus::New,
            Status::InReview => ReviewStatus::InReview,
            Status::Approved => ReviewStatus::Approved,
            Status::Rejected => ReviewStatus::Rejected,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Submission {
    pub id: String,
    pub version: i32,
    /// The member who sent it (`null`: a former member).
    pub submitted_by: Option<String>,
    pub received_at: DateTime<Utc>,
    pub status: Status,
    /// `processing` until its photos are done, then `complete` (or `failed`).
    pub processing: String,
    /// Answers by question id; a repeat group's answer is a list of rows.
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
}

impl Submission {
    pub fn new(summary: SubmissionSummary, answers: serde_json::Value) -> Self {
        Self {
            id: summary.id,
            version: summary.version,
            submitted_by: summary.submitted_by,
            received_at: summary.received_at,
            status: summary.review.into(),
            processing: summary.status,
            answers,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionList {
    pub data: Vec<Submission>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_m: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub by: Option<String>,
    /// `status`, or the path of the answer changed.
    pub what: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl From<Change> for HistoryEntry {
    fn from(change: Change) -> Self {
        Self {
            at: change.at,
            by: change.by,
            what: change.what,
            old: change.old,
            new: change.new,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionWithHistory {
    #[serde(flatten)]
    pub submission: Submission,
    pub location: Option<Location>,
    pub history: Vec<HistoryEntry>,
}

impl From<SubmissionDetail> for SubmissionWithHistory {
    fn from(detail: SubmissionDetail) -> Self {
        let answers = serde_json::to_value(&detail.document).unwrap_or_default();
        Self {
            submission: Submission::new(detail.summary, answers),
            location: detail.location.map(|l| Location {
                latitude: l.latitude,
                longitude: l.longitude,
                accuracy_m: l.accuracy_m,
            }),
            history: detail.history.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSubmission {
    /// Made by the sender, a UUID: sending the same submission again stores it once.
    pub client_id: String,
    /// The published version it was filled in with.
    pub version: i32,
    /// When it was finished, with its time zone offset.
    pub finished_at: DateTime<FixedOffset>,
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    pub id: String,
    pub version: i32,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusChange {
    pub status: Status,
}

/// The list's page and filters (the same as the submissions table's).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 100 (default 100).
    pub limit: Option<i64>,
    /// Received on or after this day (UTC), `2026-12-31`.
    pub from: Option<String>,
    /// Received on or before this day (UTC).
    pub to: Option<String>,
    /// The submitter's user id.
    pub by: Option<String>,
    /// `new`, `in_review`, `approved` or `rejected`.
    pub status: Option<String>,
    pub version: Option<String>,
    /// A question id; with `value`, its answer must be exactly that.
    pub field: Option<String>,
    pub value: Option<String>,
    /// Words that appear in the text answers.
    pub q: Option<String>,
    /// `west,south,east,north`: made inside this box.
    pub bbox: Option<String>,
    /// `latitude,longitude,metres`: made near this point.
    pub near: Option<String>,
    /// `newest` (default) or `oldest` first.
    pub order: Option<String>,
}

impl ListParams {
    /// As the table's address parameters (`cursor` is its `after`).
    pub fn pairs(&self) -> Vec<(String, String)> {
        [
            ("after", &self.cursor),
            ("from", &self.from),
            ("to", &self.to),
            ("by", &self.by),
            ("status", &self.status),
            ("version", &self.version),
            ("field", &self.field),
            ("value", &self.value),
            ("q", &self.q),
            ("bbox", &self.bbox),
            ("near", &self.near),
            ("order", &self.order),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key.to_owned(), value.clone()?)))
        .collect()
    }
}
