//! The realtime hub: server code publishes to a topic (a plan, a form draft, a user's
//! inbox); every instance relays it, through Redis pub/sub, to its local subscribers.
//!
//! Each topic has a sequence number kept in Redis (`INCR`), stamped on every event, so a
//! subscriber that sees a gap knows it missed something and refetches. Subscribers have
//! small bounded buffers: one that does not keep up is dropped (told to resynchronise)
//! rather than slowing the others. After a Redis outage every local subscriber is told
//! to resynchronise, since events published meanwhile never arrived.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, Weak,
    },
    time::Duration,
};

use futures::StreamExt;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::{db::Lsn, redis_store::RedisStore};

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("realtime publish failed: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("realtime publish timed out")]
    Timeout,
    #[error("realtime event cannot be encoded: {0}")]
    Encode(#[from] serde_json::Error),
}

/// One published event, as relayed between instances and delivered to subscribers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub topic: String,
    pub seq: u64,
    pub payload: serde_json::Value,
    /// The WAL position of the write this event announces: a subscriber that refetches
    /// because of it must read at least this far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Lsn>,
}

/// What a subscriber receives.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Event(Event),
    /// Events of this topic may have been lost: refetch its state.
    Resync {
        topic: String,
    },
}

#[derive(Debug, Clone)]
pub struct HubSettings {
    /// Redis key prefix (sequence numbers) and pub/sub channel name.
    pub prefix: String,
    /// Deliveries buffered per subscriber before it counts as too slow.
    pub buffer: usize,
}

impl Default for HubSettings {
    fn default() -> Self {
        Self {
            prefix: "muster:rt:".into(),
            buffer: 64,
        }
    }
}

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    redis: RedisStore,
    settings: HubSettings,
    subscribers: Mutex<HashMap<String, Vec<Subscriber>>>,
    next_id: AtomicU64,
    /// Whether the relay is currently subscribed to the Redis channel.
    relaying: tokio::sync::watch::Sender<bool>,
}

struct Subscriber {
    id: u64,
    tx: mpsc::Sender<Delivery>,
}

/// A subscription to one topic; unsubscribes when dropped.
pub struct Subscription {
    pub topic: String,
    id: u64,
    rx: mpsc::Receiver<Delivery>,
    hub: Weak<Inner>,
}

impl Subscription {
    /// The next delivery; `None` when this subscriber was dropped for being too slow
    /// (it must resynchronise and subscribe again).
    pub async fn next(&mut self) -> Option<Delivery> {
        self.rx.recv().await
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(inner) = self.hub.upgrade() {
            inner.remove(&self.topic, self.id);
        }
    }
}

impl Inner {
    fn remove(&self, topic: &str, id: u64) {
        let mut map = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(list) = map.get_mut(topic) {
            list.retain(|s| s.id != id);
            if list.is_empty() {
                map.remove(topic);
            }
        }
    }

    /// Delivers to every local subscriber of the event's topic. A full buffer drops
    /// that subscriber (its receiver then ends), never blocks the relay.
    fn deliver(&self, delivery: &Delivery, topic: &str) {
        let mut map = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(list) = map.get_mut(topic) {
            list.retain(|s| match s.tx.try_send(delivery.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::debug!(topic, subscriber = s.id, "subscriber too slow; dropped");
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            });
        }
    }

    fn resync_everyone(&self) {
        let topics: Vec<String> = {
            let map = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
            map.keys().cloned().collect()
        };
        for topic in topics {
            self.deliver(
                &Delivery::Resync {
                    topic: topic.clone(),
                },
                &topic,
            );
        }
    }

    fn channel(&self) -> String {
        format!("{}events", self.settings.prefix)
    }
}

impl Hub {
    /// Starts the hub and its relay from Redis (reconnecting by itself).
    pub fn start(redis: RedisStore, settings: HubSettings) -> Self {
        let inner = Arc::new(Inner {
            redis,
            settings,
            subscribers: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            relaying: tokio::sync::watch::channel(false).0,
        });
        tokio::spawn(relay(Arc::downgrade(&inner)));
        Self { inner }
    }

    pub fn subscribe(&self, topic: &str) -> Subscription {
        let (tx, rx) = mpsc::channel(self.inner.settings.buffer.max(1));
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let mut map = self
            .inner
            .subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        map.entry(topic.to_owned())
            .or_default()
            .push(Subscriber { id, tx });
        Subscription {
            topic: topic.to_owned(),
            id,
            rx,
            hub: Arc::downgrade(&self.inner),
        }
    }

    /// Publishes to every subscriber of `topic` on every instance; returns its sequence
    /// number. `position` is that of the write the event announces, if any.
    pub async fn publish(
        &self,
        topic: &str,
        payload: serde_json::Value,
        position: Option<Lsn>,
    ) -> Result<u64, HubError> {
        let seq_key = format!("{}seq:{topic}", self.inner.settings.prefix);
        let channel = self.inner.channel();
        let mut conn = self.inner.redis.connection();
        let call = async {
            let seq: u64 = conn.incr(&seq_key, 1).await?;
            let message = serde_json::to_string(&Event {
                topic: topic.to_owned(),
                seq,
                payload,
                position,
            })?;
            conn.publish::<_, _, ()>(&channel, message).await?;
            Ok::<_, HubError>(seq)
        };
        tokio::time::timeout(self.inner.redis.timeout(), call)
            .await
            .map_err(|_| HubError::Timeout)?
    }

    /// The topic's latest sequence number (0 before its first event): what a client
    /// compares with the next event it receives.
    pub async fn current_seq(&self, topic: &str) -> Result<u64, HubError> {
        let seq_key = format!("{}seq:{topic}", self.inner.settings.prefix);
        let mut conn = self.inner.redis.connection();
        let seq: Option<u64> = tokio::time::timeout(self.inner.redis.timeout(), conn.get(seq_key))
            .await
            .map_err(|_| HubError::Timeout)??;
        Ok(seq.unwrap_or(0))
    }

    /// Waits until this instance receives events from other instances (its relay is
    /// subscribed in Redis), for at most `timeout`. Returns whether it does.
    pub async fn wait_until_relaying(&self, timeout: Duration) -> bool {
        let mut rx = self.inner.relaying.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|relaying| *relaying))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    pub fn is_relaying(&self) -> bool {
        *self.inner.relaying.borrow()
    }

    pub fn local_subscribers(&self) -> usize {
        let map = self
            .inner
            .subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        map.values().map(Vec::len).sum()
    }
}

/// Relays events from Redis to local subscribers until the hub is dropped.
async fn relay(hub: Weak<Inner>) {
    let mut pause = Duration::from_millis(100);
    let mut connected_before = false;
    loop {
        let Some(inner) = hub.upgrade() else { return };
        let client = inner.redis.client().clone();
        let channel = inner.channel();
        drop(inner);

        let pubsub = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        match pubsub.await {
            Ok(mut pubsub) => {
                pause = Duration::from_millis(100);
                if connected_before {
                    // Whatever was published while we were away never reached us.
                    if let Some(inner) = hub.upgrade() {
                        inner.resync_everyone();
                    }
                }
                connected_before = true;
                if let Some(inner) = hub.upgrade() {
                    inner.relaying.send_replace(true);
                }
                let mut messages = pubsub.on_message();
                while let Some(message) = messages.next().await {
                    let Some(inner) = hub.upgrade() else { return };
                    let Ok(text) = message.get_payload::<String>() else {
                        continue;
                    };
                    match serde_json::from_str::<Event>(&text) {
                        Ok(event) => {
                            let topic = event.topic.clone();
                            inner.deliver(&Delivery::Event(event), &topic);
                        }
                        Err(error) => tracing::warn!(%error, "ignoring a malformed realtime event"),
                    }
                }
                if let Some(inner) = hub.upgrade() {
                    inner.relaying.send_replace(false);
                }
                tracing::warn!("realtime relay lost its Redis connection; reconnecting");
            }
            Err(error) => tracing::warn!(%error, "realtime relay cannot reach Redis; retrying"),
        }
        if hub.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}
