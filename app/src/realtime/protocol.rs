//! Messages on the `/realtime` websocket, as JSON text frames.

use serde::{Deserialize, Serialize};

/// Largest client frame accepted; anything bigger closes the connection.
pub const MAX_CLIENT_FRAME_BYTES: usize = 4 * 1024;
/// Topics one connection may follow at once.
pub const MAX_SUBSCRIPTIONS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    Subscribe { topic: String },
    Unsubscribe { topic: String },
    Ping,
}

impl ClientMessage {
    /// The message's type, as named on the wire (for logs).
    pub fn kind(&self) -> &'static str {
        match self {
            ClientMessage::Subscribe { .. } => "subscribe",
            ClientMessage::Unsubscribe { .. } => "unsubscribe",
            ClientMessage::Ping => "ping",
        }
    }

    /// The topic it is about, if any.
    pub fn topic(&self) -> Option<&str> {
        match self {
            ClientMessage::Subscribe { topic } | ClientMessage::Unsubscribe { topic } => {
                Some(topic)
            }
            ClientMessage::Ping => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Subscribed; `seq` is the topic's latest sequence number: the next event carries
    /// `seq + 1`, and anything else means events were missed.
    Subscribed {
        topic: String,
        seq: u64,
        /// The newest database position the topic's events announced (Postgres
        /// notation): the refetch that follows subscribing must read at least this far,
        /// since events sent before the subscription never reached this client.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position: Option<String>,
    },
    Event {
        topic: String,
        seq: u64,
        payload: serde_json::Value,
        /// The database position of the write the event announces (Postgres notation):
        /// a refetch it triggers must read at least this far.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position: Option<String>,
    },
    /// Events of this topic were lost (slow connection, server reconnecting to Redis):
    /// refetch the state and subscribe again.
    Resync {
        topic: String,
    },
    /// Not subscribed: the user may not follow this topic (signed out, not allowed, or
    /// no such thing).
    Denied {
        topic: String,
        reason: String,
    },
    Pong,
}

/// What a topic is about. The kind decides who may subscribe (checked against the
/// session once sign-in exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicKind {
    Plan,
    Draft,
    Inbox,
    /// A prepared export's progress.
    Export,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    #[error("topic `{0}` is not `kind:id`")]
    Malformed(String),
    #[error("unknown topic kind `{0}` (expected plan, draft, inbox or export)")]
    UnknownKind(String),
    #[error("topic id must be 1–64 letters, digits, `-` or `_`")]
    BadId,
}

/// Checks a topic name such as `plan:42` and returns its kind.
pub fn parse_topic(topic: &str) -> Result<TopicKind, TopicError> {
    let (kind, id) = topic
        .split_once(':')
        .ok_or_else(|| TopicError::Malformed(topic.chars().take(80).collect()))?;
    let kind = match kind {
        "plan" => TopicKind::Plan,
        "draft" => TopicKind::Draft,
        "inbox" => TopicKind::Inbox,
        "export" => TopicKind::Export,
        other => return Err(TopicError::UnknownKind(other.chars().take(40).collect())),
    };
    let id_ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if id_ok {
        Ok(kind)
    } else {
        Err(TopicError::BadId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_use_a_type_tag() {
        let parsed: ClientMessage =
            serde_json::from_str(r#"{"type":"subscribe","topic":"plan:1"}"#).expect("valid");
        assert_eq!(
            parsed,
            ClientMessage::Subscribe {
                topic: "plan:1".into()
            }
        );
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"subscribe"}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(
            r#"{"type":"subscribe","topic":"plan:1","as":"admin"}"#
        )
        .is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"shutdown"}"#).is_err());
    }

    #[test]
    fn topics_are_kind_and_id() {
        assert_eq!(parse_topic("plan:42"), Ok(TopicKind::Plan));
        assert_eq!(parse_topic("draft:a-b_c"), Ok(TopicKind::Draft));
        assert_eq!(parse_topic("inbox:u1"), Ok(TopicKind::Inbox));
        assert!(matches!(parse_topic("plan"), Err(TopicError::Malformed(_))));
        assert!(matches!(
            parse_topic("secrets:1"),
            Err(TopicError::UnknownKind(_))
        ));
        assert_eq!(parse_topic("plan:"), Err(TopicError::BadId));
        assert_eq!(parse_topic("plan:a b"), Err(TopicError::BadId));
        assert_eq!(
            parse_topic(&format!("plan:{}", "x".repeat(65))),
            Err(TopicError::BadId)
        );
    }
}
