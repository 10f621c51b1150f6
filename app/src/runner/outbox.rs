//! The outbox (browser only): finished submissions wait in IndexedDB until the server
//! has them. The queue and its sending live in `outbox.js` (IndexedDB is a JavaScript
//! API through and through); this is the runner's way in.

use leptos::prelude::*;

use super::status::OutboxStatus;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/runner/outbox.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = enqueue)]
    async fn js_enqueue(json: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = status)]
    async fn js_status(user: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = start)]
    fn js_start(user: &str);
    #[wasm_bindgen(js_name = sync)]
    fn js_sync(user: &str);
    #[wasm_bindgen(js_name = registerServiceWorker)]
    pub fn register_service_worker();
    /// Empties the service worker's copy of the runner's pages (at sign-out).
    #[wasm_bindgen(js_name = forgetOfflinePages)]
    pub fn forget_offline_pages();
}

/// Keeps `item` (JSON: `{ client_id, user_id, app_id, body }`) until it is sent.
pub async fn enqueue(item: &serde_json::Value) -> Result<(), String> {
    js_enqueue(&item.to_string())
        .await
        .map(|_| ())
        .map_err(|error| format!("{error:?}"))
}

pub async fn status(user: &str) -> Option<OutboxStatus> {
    let json = js_status(user).await.ok()?.as_string()?;
    serde_json::from_str(&json).ok()
}

/// Starts sending `user`'s waiting submissions (now, and whenever the network returns).
pub fn start(user: &str) {
    js_start(user);
}

pub fn send_now(user: &str) {
    js_sync(user);
}

/// The outbox's status for `user`, kept current as it changes.
pub fn watch(user: String) -> ReadSignal<OutboxStatus> {
    let (current, set) = signal(OutboxStatus::default());
    let refresh = move |user: String| {
        leptos::task::spawn_local(async move {
            if let Some(now) = status(&user).await {
                set.set(now);
            }
        })
    };
    refresh(user.clone());
    let listener = {
        let user = user.clone();
        window_event_listener_untyped("muster-outbox", move |_| refresh(user.clone()))
    };
    on_cleanup(move || listener.remove());
    current
}
