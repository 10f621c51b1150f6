//! Webhooks as builders see them: the endpoints that hear about an app's events, and
//! the log of what was sent to each.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The events of an app's submissions an endpoint may take.
pub const SUBMISSION_EVENTS: [(&str, &str); 3] = [
    ("submission.created", "A submission arrives"),
    ("submission.updated", "An answer is corrected"),
    ("submission.status_changed", "Its status changes"),
];

/// The event a "send a test event" button sends (whatever the endpoint takes).
pub const TEST_EVENT: &str = "webhook.test";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointView {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    /// Why Muster switched it off (after failing again and again).
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    pub created_at: DateTime<Utc>,
    /// The newest deliveries first.
    pub deliveries: Vec<DeliveryView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: String,
    pub event: String,
    /// `pending`, `delivered`, `failed` (to be retried) or `given_up`.
    pub status: String,
    pub attempts: i32,
    pub response_code: Option<i32>,
    pub duration_ms: Option<i32>,
    pub error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A new endpoint and its signing secret (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEndpoint {
    pub id: String,
    pub secret: String,
}
