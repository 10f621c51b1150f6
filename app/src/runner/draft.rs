//! The answers of an unfinished submission, kept in the browser's storage as they are
//! typed: closing the tab loses nothing. One draft per user, app and version, so a
//! shared device never shows one person's answers to the next, and a newer version
//! never overwrites a draft of an older one.

use leptos::prelude::window;
use muster_domain::forms::submission::Document;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The id the finished submission is sent with (made when the draft starts).
    pub client_id: String,
    pub document: Document,
}

fn key(user: &str, app: &str, version: i32) -> String {
    format!("muster.runner.draft.{user}.{app}.v{version}")
}

pub fn load(user: &str, app: &str, version: i32) -> Option<Draft> {
    let storage = window().local_storage().ok().flatten()?;
    let json = storage.get_item(&key(user, app, version)).ok().flatten()?;
    serde_json::from_str(&json).ok()
}

/// Keeps `draft`; `false` when the browser refused (storage full or disabled).
pub fn save(user: &str, app: &str, version: i32, draft: &Draft) -> bool {
    let Some(storage) = window().local_storage().ok().flatten() else {
        return false;
    };
    serde_json::to_string(draft)
        .ok()
        .is_some_and(|json| storage.set_item(&key(user, app, version), &json).is_ok())
}

/// The newest draft of an older version of `app`, if this user left one.
pub fn older(user: &str, app: &str, version: i32) -> Option<(i32, Draft)> {
    let storage = window().local_storage().ok().flatten()?;
    let prefix = format!("muster.runner.draft.{user}.{app}.v");
    (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter_map(|key| key.strip_prefix(&prefix)?.parse::<i32>().ok())
        .filter(|v| *v < version)
        .max()
        .and_then(|v| load(user, app, v).map(|draft| (v, draft)))
}

/// Forgets the draft once the server has the submission.
pub fn forget(user: &str, app: &str, version: i32) {
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.remove_item(&key(user, app, version));
    }
}
