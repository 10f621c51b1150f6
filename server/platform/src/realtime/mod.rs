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
        Arc, LazyLock, Mutex, Weak,
    },
    time::Duration,
};

use futures::StreamExt;
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

    /// The Redis keys of a topic's sequence number and newest position.
    fn topic_keys(&self, topic: &str) -> (String, String) {
        let prefix = &self.settings.prefix;
        (
            format!("{prefix}seq:{topic}"),
            format!("{prefix}pos:{topic}"),
        )
    }
}

/// Where a topic stands: see [`Hub::current`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicState {
    pub seq: u64,
    pub position: Option<Lsn>,
}

/// KEYS: the topic's number, its newest position. ARGV: the event before and after its
/// number, the position (sortable, or empty), the channel. Positions are compared as
/// equal-length decimal strings, exactly (Lua numbers are doubles). Built once: its
/// digest is what each publish sends.
static PUBLISH_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local seq = redis.call('INCR', KEYS[1])
if ARGV[3] ~= '' then
  local newest = redis.call('GET', KEYS[2])
  if not newest or ARGV[3] > newest then
    redis.call('SET', KEYS[2], ARGV[3])
  end
end
redis.call('PUBLISH', ARGV[4], ARGV[1] .. seq .. ARGV[2])
return seq
",
    )
});

fn sortable_position(position: Lsn) -> String {
    format!("{:020}", position.0)
}

/// An [`Event`] as JSON in two pieces, before and after its sequence number, which only
/// Redis knows when it goes out.
fn event_frame(
    topic: &str,
    payload: &serde_json::Value,
    position: Option<Lsn>,
) -> Result<(String, String), serde_json::Error> {
    let before = format!(r#"{{"topic":{},"seq":"#, serde_json::to_string(topic)?);
    let mut after = format!(r#","payload":{}"#, serde_json::to_string(payload)?);
    if let Some(position) = position {
        after.push_str(&format!(
            r#","position":{}"#,
            serde_json::to_string(&position)?
        ));
    }
    after.push('}');
    Ok((before, after))
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
    ///
    /// One script, so one round trip and all or nothing: a number is never taken without
    /// its event going out (which subscribers would see as a gap), and the topic's newest
    /// position is kept for those who subscribe after the event ([`Hub::current`]).
    pub async fn publish(
        &self,
        topic: &str,
        payload: serde_json::Value,
        position: Option<Lsn>,
    ) -> Result<u64, HubError> {
        let (before_seq, after_seq) = event_frame(topic, &payload, position)?;
        let (seq_key, position_key) = self.inner.topic_keys(topic);
        let channel = self.inner.channel();
        let mut conn = self.inner.redis.connection();
        let mut invocation = PUBLISH_SCRIPT.key(seq_key);
        invocation
            .key(position_key)
            .arg(before_seq)
            .arg(after_seq)
            .arg(position.map(sortable_position).unwrap_or_default())
            .arg(channel);
        let call = invocation.invoke_async::<u64>(&mut conn);
        Ok(tokio::time::timeout(self.inner.redis.timeout(), call)
            .await
            .map_err(|_| HubError::Timeout)??)
    }

    /// The topic's latest sequence number (0 before its first event), which a client
    /// compares with the next event it receives, and the newest position its events
    /// announced, which a client's first read after subscribing must reach: it may have
    /// missed those events, and a replica may not have replayed their writes yet.
    pub async fn current(&self, topic: &str) -> Result<TopicState, HubError> {
        let (seq_key, position_key) = self.inner.topic_keys(topic);
        let mut conn = self.inner.redis.connection();
        let (seq, position): (Option<u64>, Option<String>) = tokio::time::timeout(
            self.inner.redis.timeout(),
            redis::cmd("MGET")
                .arg(seq_key)
                .arg(position_key)
                .query_async(&mut conn),
        )
        .await
        .map_err(|_| HubError::Timeout)??;
        Ok(TopicState {
            seq: seq.unwrap_or(0),
            position: position.and_then(|p| p.parse().ok()).map(Lsn),
        })
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_event_frame_with_its_number_is_the_event() {
        let payload = json!({ "moved": "field-3", "to": [1, "a\"b"] });
        for position in [None, Some(Lsn(0x16_B374_D848))] {
            let (before, after) = event_frame("plan:\"odd\"", &payload, position).expect("encodes");
            let event: Event =
                serde_json::from_str(&format!("{before}42{after}")).expect("decodes");
            assert_eq!(
                event,
                Event {
                    topic: "plan:\"odd\"".into(),
                    seq: 42,
                    payload: payload.clone(),
                    position,
                }
            );
        }
    }

    #[test]
    fn sortable_positions_order_like_the_log() {
        let positions = [Lsn(9), Lsn(10), Lsn(0x1_0000_0000), Lsn(u64::MAX)];
        for pair in positions.windows(2) {
            assert!(sortable_position(pair[0]) < sortable_position(pair[1]));
        }
    }
}
