//! What the app pages show, as it crosses from server to browser.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{diff::Change, schema::Form, validate::Problem};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppSummary {
    pub id: String,
    pub name: String,
    pub latest_version: Option<i32>,
    pub draft_updated_at: DateTime<Utc>,
}

/// The draft as the builder opens it: the form, the revision a save must be based on,
/// what would stop publishing, and what changed since the last published version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftView {
    pub app_id: String,
    pub name: String,
    pub form: Form,
    pub revision: i64,
    pub problems: Vec<Problem>,
    pub latest_version: Option<i32>,
    pub changes: Vec<Change>,
    /// The latest published version's form: the builder compares the draft with it as
    /// it changes.
    pub published: Option<Form>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub version: i32,
    pub published_at: DateTime<Utc>,
    pub published_by: Option<String>,
}
