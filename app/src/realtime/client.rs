//! The browser side of `/realtime`: one websocket per tab, shared by every component.
//!
//! Components call [`use_topic`] and get signals: the latest event of the topic, and a
//! counter that goes up whenever events were missed (a sequence gap, a `resync`, a
//! reconnect), which they use to refetch their data. The socket reconnects by itself
//! with exponential backoff. On the server (SSR) the signals simply never change.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Not connected (server rendering, or before the first attempt).
    Offline,
    Connecting,
    Open,
    /// The connection failed or broke and is being tried again: the server cannot be
    /// reached now (no network, or the server is down).
    Lost,
}

/// Live view of one topic for a component.
#[derive(Clone, Copy)]
pub struct TopicFeed {
    /// The payload of the latest event, in sequence order.
    pub last_event: ReadSignal<Option<serde_json::Value>>,
    /// Incremented whenever events were missed: track it to refetch.
    pub refetches: ReadSignal<u32>,
    /// Incremented whenever the server confirmed the subscription (at first, and again
    /// after each reconnect): from then on, events of the topic arrive.
    pub subscriptions: ReadSignal<u32>,
}

#[derive(Clone, Copy)]
struct RealtimeContext {
    connection: ReadSignal<Connection>,
}

/// Starts the tab's realtime connection (in the browser) and makes it available to
/// [`use_connection`] and [`use_topic`]. Call once, in the root component.
pub fn provide_realtime() {
    let (connection, set_connection) = signal(Connection::Offline);
    provide_context(RealtimeContext { connection });
    // Connect once the whole page is hydrated (lazy routes included), so the page
    // takes over the server's markup before the connection's state changes it.
    #[cfg(feature = "hydrate")]
    crate::shell::hydration::after_hydration(move || browser::start(set_connection));
    #[cfg(not(feature = "hydrate"))]
    let _ = set_connection;
}

pub fn use_connection() -> ReadSignal<Connection> {
    use_context::<RealtimeContext>().map_or_else(|| signal(Connection::Offline).0, |c| c.connection)
}

/// Follows `topic` for as long as the calling component lives.
pub fn use_topic(topic: &str) -> TopicFeed {
    let (last_event, set_last_event) = signal(None);
    let (refetches, set_refetches) = signal(0u32);
    let (subscriptions, set_subscriptions) = signal(0u32);
    #[cfg(feature = "hydrate")]
    {
        let id = browser::follow(topic, set_last_event, set_refetches, set_subscriptions);
        let topic = topic.to_owned();
        on_cleanup(move || browser::unfollow(&topic, id));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (topic, set_last_event, set_refetches, set_subscriptions);
    TopicFeed {
        last_event,
        refetches,
        subscriptions,
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::{cell::RefCell, collections::HashMap, time::Duration};

    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    use super::Connection;
    use crate::realtime::{
        protocol::{ClientMessage, ServerMessage},
        sequence::{Received, SequenceTracker},
    };

    const FIRST_RETRY: Duration = Duration::from_millis(250);
    const MAX_RETRY: Duration = Duration::from_secs(10);

    struct Follower {
        id: u64,
        last_event: WriteSignal<Option<serde_json::Value>>,
        refetches: WriteSignal<u32>,
        subscriptions: WriteSignal<u32>,
    }

    #[derive(Default)]
    struct Client {
        socket: Option<WebSocket>,
        /// The newest database position an event carried (see `realtime::position`).
        seen: Option<String>,
        set_connection: Option<WriteSignal<Connection>>,
        followers: HashMap<String, Vec<Follower>>,
        tracker: SequenceTracker,
        next_id: u64,
        failed_attempts: u32,
        // Kept alive as long as the socket that calls them.
        handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    }

    thread_local! {
        // WASM in the browser is single-threaded: one client per tab.
        static CLIENT: RefCell<Client> = RefCell::new(Client::default());
    }

    pub(super) fn start(set_connection: WriteSignal<Connection>) {
        let already = CLIENT.with_borrow_mut(|c| {
            let started = c.set_connection.is_some();
            c.set_connection = Some(set_connection);
            started
        });
        if !already {
            connect();
        }
    }

    pub(super) fn follow(
        topic: &str,
        last_event: WriteSignal<Option<serde_json::Value>>,
        refetches: WriteSignal<u32>,
        subscriptions: WriteSignal<u32>,
    ) -> u64 {
        let (id, first) = CLIENT.with_borrow_mut(|c| {
            c.next_id += 1;
            let list = c.followers.entry(topic.to_owned()).or_default();
            list.push(Follower {
                id: c.next_id,
                last_event,
                refetches,
                subscriptions,
            });
            (c.next_id, list.len() == 1)
        });
        if first {
            send(&ClientMessage::Subscribe {
                topic: topic.to_owned(),
            });
        } else {
            // Another component of this tab already follows it: its subscription (or
            // the confirmation still on its way, which counts again) serves this one.
            subscriptions.update(|n| *n += 1);
        }
        id
    }

    pub(super) fn unfollow(topic: &str, id: u64) {
        let last = CLIENT.with_borrow_mut(|c| {
            let Some(list) = c.followers.get_mut(topic) else {
                return false;
            };
            list.retain(|f| f.id != id);
            if list.is_empty() {
                c.followers.remove(topic);
                c.tracker.unsubscribed(topic);
                true
            } else {
                false
            }
        });
        if last {
            send(&ClientMessage::Unsubscribe {
                topic: topic.to_owned(),
            });
        }
    }

    fn send(message: &ClientMessage) {
        CLIENT.with_borrow(|c| {
            if let (Some(socket), Ok(text)) = (&c.socket, serde_json::to_string(message)) {
                if socket.ready_state() == WebSocket::OPEN {
                    let _ = socket.send_with_str(&text);
                }
            }
        });
    }

    fn set_connection(state: Connection) {
        if let Some(set) = CLIENT.with_borrow(|c| c.set_connection) {
            set.set(state);
        }
    }

    fn socket_url() -> Option<String> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}/realtime", location.host().ok()?))
    }

    fn connect() {
        // While reconnecting after a failure the tab stays `Lost` until it is back.
        if CLIENT.with_borrow(|c| c.failed_attempts) == 0 {
            set_connection(Connection::Connecting);
        }
        let Some(url) = socket_url() else { return };
        let Ok(socket) = WebSocket::new(&url) else {
            schedule_reconnect();
            return;
        };
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(|_: web_sys::Event| {
            let topics: Vec<String> = CLIENT.with_borrow_mut(|c| {
                c.failed_attempts = 0;
                c.followers.keys().cloned().collect()
            });
            set_connection(Connection::Open);
            for topic in topics {
                send(&ClientMessage::Subscribe { topic });
            }
        });
        let on_message = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
            let Some(text) = event
                .dyn_ref::<MessageEvent>()
                .and_then(|m| m.data().as_string())
            else {
                return;
            };
            if let Ok(message) = serde_json::from_str::<ServerMessage>(&text) {
                receive(message);
            }
        });
        let on_close = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
            if let Some(close) = event.dyn_ref::<CloseEvent>() {
                leptos::logging::warn!(
                    "realtime connection closed ({}): {}",
                    close.code(),
                    close.reason()
                );
            }
            // Whatever happened while disconnected is unknown: everyone refetches.
            let followers: Vec<WriteSignal<u32>> = CLIENT.with_borrow_mut(|c| {
                c.socket = None;
                c.followers
                    .values()
                    .flatten()
                    .map(|f| f.refetches)
                    .collect()
            });
            for refetches in followers {
                refetches.update(|n| *n += 1);
            }
            schedule_reconnect();
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        CLIENT.with_borrow_mut(|c| {
            c.socket = Some(socket);
            c.handlers = vec![on_open, on_message, on_close];
        });
    }

    fn schedule_reconnect() {
        set_connection(Connection::Lost);
        let attempt = CLIENT.with_borrow_mut(|c| {
            c.failed_attempts = c.failed_attempts.saturating_add(1);
            c.failed_attempts
        });
        let backoff = FIRST_RETRY
            .saturating_mul(1 << attempt.min(6))
            .min(MAX_RETRY);
        // Jitter spreads the reconnects of many tabs after a server restart.
        let jitter = Duration::from_millis((crate::shell::random::unit() * 250.0) as u64);
        set_timeout(connect, backoff + jitter);
    }

    fn receive(message: ServerMessage) {
        match message {
            ServerMessage::Subscribed {
                topic,
                seq,
                position,
            } => {
                // Before the followers refetch because of the subscription.
                if let Some(position) = position {
                    remember(position);
                }
                CLIENT.with_borrow_mut(|c| c.tracker.subscribed(&topic, seq));
                let confirmed: Vec<WriteSignal<u32>> = CLIENT.with_borrow(|c| {
                    c.followers
                        .get(&topic)
                        .map(|list| list.iter().map(|f| f.subscriptions).collect())
                        .unwrap_or_default()
                });
                for subscriptions in confirmed {
                    subscriptions.update(|n| *n += 1);
                }
            }
            ServerMessage::Event {
                topic,
                seq,
                payload,
                position,
            } => {
                // Before anyone refetches because of this event.
                if let Some(position) = position {
                    remember(position);
                }
                let outcome = CLIENT.with_borrow_mut(|c| c.tracker.received(&topic, seq));
                match outcome {
                    Received::InOrder => {
                        for signal in followers(&topic).into_iter().map(|f| f.0) {
                            signal.set(Some(payload.clone()));
                        }
                    }
                    Received::Gap { .. } => missed(&topic),
                    Received::Duplicate | Received::Unknown => {}
                }
            }
            ServerMessage::Resync { topic } => missed(&topic),
            ServerMessage::Denied { topic, reason } => {
                leptos::logging::warn!("realtime topic {topic} refused: {reason}");
            }
            ServerMessage::Pong => {}
        }
    }

    /// Keeps the newest position in the cookie the server reads, so this tab's next
    /// requests read at least that far (a session cookie, for this site only).
    fn remember(position: String) {
        let newer = CLIENT.with_borrow_mut(|c| {
            let newer = crate::realtime::position::is_newer(&position, c.seen.as_deref());
            if newer {
                c.seen = Some(position.clone());
            }
            newer
        });
        if !newer {
            return;
        }
        let document = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok());
        if let Some(document) = document {
            let cookie = format!(
                "{}={position}; path=/; SameSite=Strict",
                crate::realtime::position::SEEN_COOKIE
            );
            if document.set_cookie(&cookie).is_err() {
                leptos::logging::warn!("could not keep the realtime position");
            }
        }
    }

    /// Events of `topic` were lost: its followers refetch, and a fresh subscription
    /// tells us the sequence number to continue from.
    fn missed(topic: &str) {
        for refetches in followers(topic).into_iter().map(|f| f.1) {
            refetches.update(|n| *n += 1);
        }
        send(&ClientMessage::Subscribe {
            topic: topic.to_owned(),
        });
    }

    fn followers(topic: &str) -> Vec<(WriteSignal<Option<serde_json::Value>>, WriteSignal<u32>)> {
        CLIENT.with_borrow(|c| {
            c.followers
                .get(topic)
                .map(|list| list.iter().map(|f| (f.last_event, f.refetches)).collect())
                .unwrap_or_default()
        })
    }
}
