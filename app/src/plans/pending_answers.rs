//! Call-in answers given without a network: kept on the device (per user, in
//! `localStorage`: a few bytes each) and sent as soon as the network is back. The
//! server's answer then replaces the guess; an answer it refuses (the place went to
//! someone else meanwhile) is dropped and its reason shown.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAnswer {
    pub call_in: String,
    pub accept: bool,
}

fn key(user: &str) -> String {
    format!("muster.call-in-answers.{user}")
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    leptos::prelude::window().local_storage().ok().flatten()
}

/// The answers of `user` still waiting to be sent.
pub fn waiting(user: &str) -> Vec<PendingAnswer> {
    #[cfg(feature = "hydrate")]
    {
        storage()
            .and_then(|s| s.get_item(&key(user)).ok().flatten())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key(user);
        Vec::new()
    }
}

fn store(user: &str, answers: &[PendingAnswer]) {
    #[cfg(feature = "hydrate")]
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(answers)) {
        let _ = if answers.is_empty() {
            storage.remove_item(&key(user))
        } else {
            storage.set_item(&key(user), &text)
        };
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (user, answers);
}

/// Keeps `answer` to send later (replacing an earlier answer to the same call-in).
pub fn keep(user: &str, answer: PendingAnswer) {
    let mut answers = waiting(user);
    answers.retain(|a| a.call_in != answer.call_in);
    answers.push(answer);
    store(user, &answers);
}

/// Forgets the waiting answer to `call_in` (sent, or refused for good).
pub fn forget(user: &str, call_in: &str) {
    let mut answers = waiting(user);
    answers.retain(|a| a.call_in != call_in);
    store(user, &answers);
}
