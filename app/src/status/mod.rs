//! The installation's status page: which database server answered, the schema
//! version, whether the cache is reachable. Operators use it to see at a glance that
//! reads reach the replicas and that nothing is down.

mod api;

pub use api::{load_status, StatusReport};

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn StatusPage() -> impl IntoView {
    // Bumped by the Refresh button; the resource refetches whenever it changes.
    let refreshes = RwSignal::new(0u32);
    let status = Resource::new(move || refreshes.get(), |_| load_status());
    let connection = crate::realtime::client::use_connection();
    let live = move || match connection.get() {
        crate::realtime::client::Connection::Open => "connected",
        crate::realtime::client::Connection::Connecting => "connecting…",
        crate::realtime::client::Connection::Offline => "offline",
        crate::realtime::client::Connection::Lost => "reconnecting…",
    };

    view! {
        <Title text="Status"/>
        <section class="status-page" aria-labelledby="status-title">
            <div class="status-heading">
                <h1 id="status-title">"System status"</h1>
                <button type="button" class="button" on:click=move |_| refreshes.update(|n| *n += 1)>
                    "Refresh"
                </button>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Checking…"</p> }>
                {move || status.get().map(|result| match result {
                    Ok(status) => view! { <StatusDetails status/> }.into_any(),
                    Err(error) => view! { <p class="alert" role="alert">{error.to_string()}</p> }.into_any(),
                })}
            </Transition>
            <p class="muted">"Live updates: " <span data-testid="live-status">{live}</span></p>
        </section>
    }
}

#[component]
fn StatusDetails(status: StatusReport) -> impl IntoView {
    let cache = if status.cache_reachable {
        "Reachable"
    } else {
        "Unreachable — pages are served without cache"
    };
    view! {
        <dl class="status-list" data-testid="status-list">
            <dt>"Data read from"</dt>
            <dd data-testid="read-source">{status.served_by}</dd>
            <dt>"Schema version"</dt>
            <dd>{status.schema_version.map_or_else(|| "none".to_owned(), |v| v.to_string())}</dd>
            <dt>"Installed"</dt>
            <dd>{status.installed_at.map_or_else(|| "unknown".to_owned(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())}</dd>
            <dt>"Cache (Redis)"</dt>
            <dd>{cache}</dd>
            <dt>"Checked at"</dt>
            <dd data-testid="checked-at">{status.checked_at.format("%H:%M:%S%.3f UTC").to_string()}</dd>
        </dl>
    }
}
