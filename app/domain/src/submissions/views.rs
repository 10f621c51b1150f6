use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::{columns::Column, query::ReviewStatus};
use crate::{
    forms::{
        fill::Location,
        schema::{FieldId, Form},
        submission::Document,
    },
    maps::MapTiles,
};

/// A published app a member may fill in, as the launcher lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunnableApp {
    pub id: String,
    pub name: String,
    pub version: i32,
}

/// What the runner fills in: the latest published version of an app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunnerApp {
    pub id: String,
    pub name: String,
    pub version: i32,
    pub form: Form,
    /// Who fills it in: drafts on a shared device are kept per user.
    pub user_id: String,
    /// Photos are scaled down on the phone to at most this many pixels on their long
    /// side before they are sent.
    pub photo_max_px: u32,
}

/// A finished submission as the device sends it (and sends again, unchanged, until it
/// hears back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSubmission {
    /// Made by the device when the form was started: the same submission sent twice
    /// has the same id.
    pub client_id: String,
    /// The published version the form was filled with.
    pub version: i32,
    /// When the person finished it, by the device's clock and in its time zone: rules
    /// such as "not after today" are judged as of then.
    pub finished_at: DateTime<FixedOffset>,
    pub document: Document,
    /// The plan's activity it was made at, when the person filled it in from there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_id: Option<String>,
}

/// The server's answer to a stored submission (the same for every retry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: String,
    pub version: i32,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionSummary {
    pub id: String,
    pub version: i32,
    pub submitted_by: Option<String>,
    pub received_at: DateTime<Utc>,
    /// Processing: `processing` until its files are done, then `complete` (or
    /// `failed`).
    pub status: String,
    /// Where builders have got with it.
    pub review: ReviewStatus,
}

/// One submission with the version it was filled with, to show its answers by label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionDetail {
    pub summary: SubmissionSummary,
    pub app_name: String,
    pub finished_at: Option<DateTime<Utc>>,
    pub form: Form,
    pub document: Document,
    /// The photos and signatures it names, by id.
    pub media: Vec<MediaView>,
    /// Where it was made (its first answered location question).
    pub location: Option<Location>,
    /// The background of the map that shows it.
    pub map: MapTiles,
    /// Every status change and edited answer, oldest first.
    pub history: Vec<Change>,
}

/// One entry of a submission's audit trail: a status change or an edited answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub at: DateTime<Utc>,
    /// Who made it (`None`: a former member).
    pub by: Option<String>,
    /// `status`, or the answer's path (`site`, `visits.1.duration`).
    pub what: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A correction of one answer by a builder: the whole submission is checked again with
/// the new value, and the old one is kept in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerEdit {
    /// The answer's path: `site`, or `visits.1.duration` in a repeat group's row.
    pub path: String,
    pub value: String,
}

/// One page of an app's submissions table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionsTable {
    pub app_name: String,
    /// Every question any version asked, for the column chooser.
    pub columns: Vec<Column>,
    /// The columns shown, in order; each row has a cell for each.
    pub shown: Vec<FieldId>,
    pub rows: Vec<TableRow>,
    /// The `after` of the next page; `None` on the last.
    pub next: Option<String>,
    /// The app's published versions, newest first.
    pub versions: Vec<i32>,
    /// The account's members, to filter by who submitted.
    pub submitters: Vec<Submitter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRow {
    pub summary: SubmissionSummary,
    /// One per shown column.
    pub cells: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitter {
    pub id: String,
    pub name: String,
}

/// A photo or signature of a submission, as builders see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaView {
    pub id: String,
    /// `processing`, `ready` or `failed`.
    pub status: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// Where the camera says the photo was taken.
    pub exif_location: Option<(f64, f64)>,
    /// Why processing failed (the original is kept).
    pub failure: Option<String>,
}

/// The submissions of an app on its map, for the table's filters and the map's area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionPins {
    pub app_name: String,
    pub pins: Vec<SubmissionPin>,
    /// More submissions match than [`SubmissionPins::pins`] holds: zoom in to see them all.
    pub more: bool,
    pub map: MapTiles,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionPin {
    pub id: String,
    pub latitude: f64,
    pub longitude: f64,
    pub received_at: DateTime<Utc>,
}

/// An export prepared by a job: its progress, and where to download it once done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportView {
    pub id: String,
    /// `csv`, `xlsx` or `geojson`.
    pub format: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    pub rows_done: i64,
    pub rows_total: Option<i64>,
    pub error: Option<String>,
    /// Where to download it (`done` only), until `expires_at`.
    pub download: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}
