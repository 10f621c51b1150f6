//! The line every runner page shows: how many submissions wait on this device, when
//! the last one reached the server, and any the server refused (with why).

use leptos::prelude::*;
use serde::Deserialize;

/// What the runner shows of the outbox.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct OutboxStatus {
    pub waiting: usize,
    pub refused: Vec<Refused>,
    /// Milliseconds since 1970 (the browser's clock).
    pub last_sync: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Refused {
    pub client_id: String,
    pub app_id: String,
    pub message: String,
}

#[component]
pub fn OutboxLine(user_id: String) -> impl IntoView {
    // The server renders the line empty-handed; the browser fills it from IndexedDB.
    #[cfg(feature = "hydrate")]
    let status: Signal<OutboxStatus> = super::outbox::watch(user_id.clone()).into();
    #[cfg(not(feature = "hydrate"))]
    let status: Signal<OutboxStatus> = Signal::stored(OutboxStatus::default());
    let user = StoredValue::new(user_id);
    let send_now = move |_| {
        #[cfg(feature = "hydrate")]
        super::outbox::send_now(&user.get_value());
        #[cfg(not(feature = "hydrate"))]
        let _ = user;
    };
    let last_sync = move || {
        status.with(|s| s.last_sync).map(|millis| {
            chrono::DateTime::from_timestamp_millis(millis as i64)
                .map(|at| at.with_timezone(&chrono::Local).format("%H:%M").to_string())
                .unwrap_or_default()
        })
    };
    let waiting = move || status.with(|s| s.waiting);
    view! {
        <div class="outbox-line" role="status" data-testid="outbox">
            <span data-testid="outbox-count" data-waiting=move || waiting().to_string()>
                {move || {
                    let sent = last_sync().map(|at| format!(" · last sent at {at}")).unwrap_or_default();
                    match waiting() {
                        0 => format!("Nothing waiting to be sent{sent}"),
                        n => format!("{n} waiting to be sent{sent}"),
                    }
                }}
            </span>
            " "
            <button type="button" class="button small" class:hidden=move || waiting() == 0 on:click=send_now>"Send now"</button>
            {move || {
                let refused = status.with(|s| s.refused.clone());
                (!refused.is_empty()).then(|| view! {
                    <div class="form-alert" role="alert" data-testid="outbox-refused">
                        <p>{format!("{} submission(s) could not be sent and are kept on this device:", refused.len())}</p>
                        <ul>{refused.into_iter().map(|r| view! { <li>{r.message}</li> }).collect_view()}</ul>
                    </div>
                })
            }}
        </div>
    }
}
