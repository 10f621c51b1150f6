//! Keeping a plan page live: it follows `plan:{id}`, reloads when the plan changed (the
//! event's position makes the reload read at least that far), and keeps presence up:
//! who else has the plan open, and which activity they are editing.

use std::collections::BTreeMap;

use leptos::prelude::*;
#[cfg(feature = "hydrate")]
use muster_domain::plans::views::PlanEvent;

use crate::realtime::client::use_topic;

/// Someone else with the plan open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Present {
    pub name: String,
    pub user_id: String,
    pub editing: Option<String>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    seen_ms: i64,
}

/// The other tabs on this plan, by tab id.
pub type Presence = RwSignal<BTreeMap<String, Present>>;

#[cfg(feature = "hydrate")]
const EVERY_MS: i32 = 30_000;

/// Follows `project`'s plan while the calling component lives: `changed` runs after
/// every change made elsewhere (and after missed events); `editing` is what this tab
/// says it edits.
pub fn follow_plan(
    project: String,
    editing: Signal<Option<String>>,
    changed: impl Fn() + Clone + Send + Sync + 'static,
) -> Presence {
    let presence: Presence = RwSignal::new(BTreeMap::new());
    let feed = use_topic(&format!("plan:{project}"));
    #[cfg(feature = "hydrate")]
    {
        // The installed app keeps plan pages for reading offline (public/sw.js).
        Effect::new(|_| crate::runner::outbox::register_service_worker());
        let client = crate::shell::random::token(16);
        let own = client.clone();
        let on_change = changed.clone();
        let announce = {
            let (project, client) = (project.clone(), client.clone());
            move |leaving: bool| {
                let (project, client) = (project.clone(), client.clone());
                let editing = editing.get_untracked();
                leptos::task::spawn_local(async move {
                    let _ = super::api::plan_presence(project, client, editing, leaving).await;
                });
            }
        };
        let greet = announce.clone();
        Effect::new(move |_| {
            let Some(payload) = feed.last_event.get() else {
                return;
            };
            match serde_json::from_value::<PlanEvent>(payload) {
                Ok(PlanEvent::Changed { .. }) => on_change(),
                Ok(PlanEvent::Presence {
                    client,
                    by,
                    by_user,
                    editing,
                    leaving,
                }) => {
                    if client == own {
                        return;
                    }
                    let newcomer = !leaving
                        && presence.with_untracked(|present| !present.contains_key(&client));
                    presence.update(|present| {
                        if leaving {
                            present.remove(&client);
                        } else {
                            present.insert(
                                client,
                                Present {
                                    name: by,
                                    user_id: by_user,
                                    editing,
                                    seen_ms: now_ms(),
                                },
                            );
                        }
                    });
                    // Someone just arrived: they learn who is here now, not at the next
                    // heartbeat.
                    if newcomer {
                        greet(false);
                    }
                }
                Err(error) => leptos::logging::warn!("unreadable plan event: {error}"),
            }
        });
        Effect::new(move |previous: Option<u32>| {
            let count = feed.refetches.get();
            if previous.is_some_and(|p| p != count) {
                changed();
            }
            count
        });
        // Announced once the subscription is confirmed (and again after reconnecting),
        // so the others' answers to it arrive; and whenever what is edited changes.
        let first = announce.clone();
        Effect::new(move |_| {
            editing.track();
            if feed.subscriptions.get() > 0 {
                first(false);
            }
        });
        let beat = announce.clone();
        let heartbeat = set_interval_with_handle(
            move || {
                beat(false);
                let now = now_ms();
                presence.update(|present| {
                    present.retain(|_, p| now - p.seen_ms < i64::from(EVERY_MS) * 3)
                });
            },
            std::time::Duration::from_millis(EVERY_MS as u64),
        )
        .ok();
        on_cleanup(move || {
            announce(true);
            if let Some(heartbeat) = heartbeat {
                heartbeat.clear();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (project, editing, changed, feed);
    presence
}

#[cfg(feature = "hydrate")]
fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// "Also here: Ann (editing Survey north), Bo"
#[component]
pub fn PresenceLine(
    presence: Presence,
    #[prop(into)] activity_name: Callback<String, Option<String>>,
) -> impl IntoView {
    move || {
        let mut lines: Vec<String> = presence
            .get()
            .values()
            .map(|p| {
                match p
                    .editing
                    .as_ref()
                    .and_then(|id| activity_name.run(id.clone()))
                {
                    Some(name) => format!("{} (editing {name})", p.name),
                    None => p.name.clone(),
                }
            })
            .collect();
        lines.sort();
        lines.dedup();
        (!lines.is_empty()).then(|| view! { <p class="presence" data-testid="presence">"Also here: " {lines.join(", ")}</p> })
    }
}
