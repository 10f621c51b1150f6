//! Saving and co-editing, in the browser: the builder's edits go to the server in
//! batches shortly after they are made (one batch at a time), others' edits and
//! presence arrive over the draft's realtime topic, and anything missed means a reload
//! with this tab's unsaved edits kept on top. While the server cannot be reached the
//! edits wait, and are sent when it can; they are also kept in the browser's storage, so
//! closing the tab (or a crash) before they were saved does not lose them: the next
//! visit to the builder sends them.

use std::{cell::Cell, time::Duration};

use leptos::{prelude::*, task::spawn_local};
use muster_domain::forms::replica::DraftEvent;

use super::{
    api::{draft_presence, edit_draft, load_draft},
    state::{Builder, Peer, SaveState},
};
use crate::{error::AppError, realtime::client::use_topic};

/// Edits made within this time travel together.
const SAVE_DELAY: Duration = Duration::from_millis(150);
const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(10);
/// Presence is repeated this often, and a co-editor not heard of for three times as
/// long is gone.
const PRESENCE_EVERY: Duration = Duration::from_secs(5);

thread_local! {
    // One builder per tab.
    static SAVE_SCHEDULED: Cell<bool> = const { Cell::new(false) };
    static SENDING: Cell<bool> = const { Cell::new(false) };
    static FAILURES: Cell<u32> = const { Cell::new(0) };
}

/// Called after every local edit.
pub fn schedule_save(builder: Builder) {
    backup(builder);
    if SAVE_SCHEDULED.replace(true) {
        return;
    }
    builder.save_state.set(SaveState::Saving);
    set_timeout(
        move || {
            SAVE_SCHEDULED.set(false);
            save(builder);
        },
        SAVE_DELAY,
    );
}

fn save(builder: Builder) {
    if SENDING.get() {
        return;
    }
    let Some(batch) = builder.take_batch() else {
        if builder.is_saved() {
            builder.save_state.set(SaveState::Saved);
        }
        return;
    };
    SENDING.set(true);
    builder.save_state.set(SaveState::Saving);
    let app_id = builder.app_id.get_value();
    let client = builder.client.get_value();
    spawn_local(async move {
        let result = edit_draft(app_id, client, batch).await;
        SENDING.set(false);
        match result {
            Ok(outcome) => {
                FAILURES.set(0);
                if builder.acknowledged(&outcome).is_err() {
                    reload(builder);
                }
                after_save(builder);
            }
            Err(error) if error.is_transient() || error == AppError::SignInRequired => {
                builder.send_failed();
                builder.save_state.set(if error == AppError::SignInRequired {
                    SaveState::Failed(
                        "You were signed out. Sign in again in another tab: your changes are kept here and will be saved then.".into(),
                    )
                } else {
                    SaveState::Offline
                });
                let failures = FAILURES.get().saturating_add(1);
                FAILURES.set(failures);
                let wait = FIRST_RETRY
                    .saturating_mul(1 << failures.min(4))
                    .min(MAX_RETRY);
                set_timeout(move || save(builder), wait);
            }
            Err(error) => {
                // Refused as a whole and it will stay refused (too large, no longer
                // allowed): say why and show the draft as the server has it.
                builder.discard_in_flight();
                backup(builder);
                builder
                    .save_state
                    .set(SaveState::Failed(error_text(&error)));
                reload(builder);
            }
        }
    });
}

fn after_save(builder: Builder) {
    backup(builder);
    if builder.has_unsent() {
        save(builder);
    } else if builder.is_saved() {
        builder.save_state.set(SaveState::Saved);
    }
}

fn error_text(error: &AppError) -> String {
    match error {
        AppError::Invalid(fields) => fields
            .get("form")
            .or_else(|| fields.get("client"))
            .map(str::to_owned)
            .unwrap_or_else(|| error.to_string()),
        other => other.to_string(),
    }
}

/// Loads the draft as the server has it; this tab's unsaved edits stay on top.
pub fn reload(builder: Builder) {
    let app_id = builder.app_id.get_value();
    spawn_local(async move {
        match load_draft(app_id).await {
            Ok(draft) => {
                builder.reloaded(draft.form, draft.revision);
                builder
                    .published
                    .set(draft.latest_version.zip(draft.published));
                if builder.has_unsent() {
                    save(builder);
                }
            }
            Err(error) => builder.tell(format!("The draft could not be reloaded: {error}")),
        }
    });
}

/// The storage key of one tab's unsaved edits of one app's draft.
fn backup_key(app_id: &str, client: &str) -> String {
    format!("{}{client}", backup_prefix(app_id))
}

fn backup_prefix(app_id: &str) -> String {
    format!("muster.builder.unsaved.{app_id}.")
}

/// Keeps this tab's unsaved edits in the browser's storage (or removes them once saved).
fn backup(builder: Builder) {
    let Some(storage) = window().local_storage().ok().flatten() else {
        return;
    };
    let key = backup_key(&builder.app_id.get_value(), &builder.client.get_value());
    let pending = builder.pending();
    if pending.is_empty() {
        let _ = storage.remove_item(&key);
    } else if let Ok(json) = serde_json::to_string(&pending) {
        // Storage full: the edits are still in memory and the page warns on leaving.
        let _ = storage.set_item(&key, &json);
    }
}

/// Takes over the edits that earlier tabs of this draft left unsaved.
fn restore_backups(builder: Builder) {
    let Some(storage) = window().local_storage().ok().flatten() else {
        return;
    };
    let prefix = backup_prefix(&builder.app_id.get_value());
    let keys: Vec<String> = (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key.starts_with(&prefix))
        .collect();
    let mut restored = Vec::new();
    for key in keys {
        if let Some(edits) = storage.get_item(&key).ok().flatten().and_then(|json| {
            serde_json::from_str::<Vec<muster_domain::forms::edit::Edit>>(&json).ok()
        }) {
            restored.extend(edits);
        }
        let _ = storage.remove_item(&key);
    }
    if !restored.is_empty() {
        let count = restored.len();
        builder.restore(restored);
        builder.tell(format!(
            "{count} change(s) left unsaved on your last visit are being saved now; any that clash with later changes are listed here."
        ));
        schedule_save(builder);
    }
}

/// Follows the draft's topic and keeps presence up for as long as the builder is open.
pub fn start(builder: Builder) {
    // After hydration: the first render must match the server's.
    Effect::new(move |_| untrack(|| restore_backups(builder)));
    let app_id = builder.app_id.get_value();
    let feed = use_topic(&format!("draft:{app_id}"));
    Effect::new(move |_| {
        if let Some(payload) = feed.last_event.get() {
            match serde_json::from_value::<DraftEvent>(payload) {
                Ok(event) => receive(builder, event),
                Err(error) => leptos::logging::warn!("unreadable draft event: {error}"),
            }
        }
    });
    // Events were missed (reconnect, gap): whatever happened meanwhile is reloaded.
    Effect::new(move |previous: Option<u32>| {
        let count = feed.refetches.get();
        if previous.is_some_and(|p| p != count) {
            reload(builder);
        }
        count
    });

    let announce = move |leaving: bool| {
        let app_id = builder.app_id.get_value();
        let client = builder.client.get_value();
        let selected = builder.selected.get_untracked();
        spawn_local(async move {
            let _ = draft_presence(app_id, client, selected, leaving).await;
        });
    };
    Effect::new(move |_| {
        builder.selected.track();
        announce(false);
    });
    let heartbeat = set_interval_with_handle(
        move || {
            announce(false);
            let now = now_ms();
            let gone = PRESENCE_EVERY.as_millis() as f64 * 3.0;
            builder
                .peers
                .update(|peers| peers.retain(|_, peer| now - peer.seen_ms < gone));
        },
        PRESENCE_EVERY,
    )
    .ok();
    let online = window_event_listener(leptos::ev::online, move |_| save(builder));
    let before_unload = window_event_listener(leptos::ev::beforeunload, move |event| {
        if !builder.is_saved() {
            // Asks the browser to confirm leaving: unsaved edits would be lost.
            event.prevent_default();
        }
    });
    on_cleanup(move || {
        announce(true);
        if let Some(heartbeat) = heartbeat {
            heartbeat.clear();
        }
        online.remove();
        before_unload.remove();
    });
}

fn receive(builder: Builder, event: DraftEvent) {
    let own = builder.client.get_value();
    match event {
        DraftEvent::Edited {
            revision,
            client,
            edits,
            ..
        } => {
            if client != own && builder.remote(revision, &edits).is_err() {
                reload(builder);
            }
        }
        DraftEvent::Presence {
            client,
            by,
            selected,
            leaving,
            revision,
        } => {
            if client == own {
                return;
            }
            if builder.is_behind(revision) {
                reload(builder);
            }
            builder.peers.update(|peers| {
                if leaving {
                    peers.remove(&client);
                } else {
                    peers.insert(
                        client,
                        Peer {
                            name: by,
                            selected,
                            seen_ms: now_ms(),
                        },
                    );
                }
            });
        }
        DraftEvent::Replaced { .. } => reload(builder),
        DraftEvent::Published { version, by } => {
            builder.tell(format!("{by} published version {version}."));
            reload(builder);
        }
    }
}

/// Milliseconds on the page's monotonic clock.
fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}
