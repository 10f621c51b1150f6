//! Outgoing webhooks: where they may go and how hard Muster tries.

use std::time::Duration;

use super::{parsed, ConfigError, Source};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Deliver to loopback, link-local and private addresses too (a receiver on the
    /// operator's own network). Off: such URLs are refused when saved and when sent.
    pub allow_private: bool,
    /// How long one delivery may take, connecting included.
    pub timeout: Duration,
    /// The wait before the first retry; each next one waits four times longer (at most
    /// 12 hours).
    pub retry_base: Duration,
    /// Attempts of one delivery before it is given up.
    pub max_attempts: u32,
    /// Failed deliveries in a row after which an endpoint is switched off (and its
    /// builders told).
    pub disable_after: u32,
}

impl WebhookConfig {
    pub(super) fn from_source(src: &impl Source) -> Result<Self, ConfigError> {
        let at_least_one = |name: &'static str, value: u64| {
            if value == 0 {
                Err(ConfigError::Invalid {
                    name,
                    reason: "must be at least 1".into(),
                })
            } else {
                Ok(value)
            }
        };
        Ok(Self {
            allow_private: parsed(src, "MUSTER_WEBHOOK_ALLOW_PRIVATE", false)?,
            timeout: Duration::from_secs(at_least_one(
                "MUSTER_WEBHOOK_TIMEOUT_SECS",
                parsed(src, "MUSTER_WEBHOOK_TIMEOUT_SECS", 10)?,
            )?),
            retry_base: Duration::from_millis(at_least_one(
                "MUSTER_WEBHOOK_RETRY_BASE_MS",
                parsed(src, "MUSTER_WEBHOOK_RETRY_BASE_MS", 30_000)?,
            )?),
            max_attempts: at_least_one(
                "MUSTER_WEBHOOK_MAX_ATTEMPTS",
                parsed(src, "MUSTER_WEBHOOK_MAX_ATTEMPTS", 8)?,
            )? as u32,
            disable_after: at_least_one(
                "MUSTER_WEBHOOK_DISABLE_AFTER",
                parsed(src, "MUSTER_WEBHOOK_DISABLE_AFTER", 20)?,
            )? as u32,
        })
    }

    /// The wait before attempt `next` (2 = the first retry).
    pub fn retry_delay(&self, next: u32) -> Duration {
        let factor = 4u32.saturating_pow(next.saturating_sub(2));
        self.retry_base
            .saturating_mul(factor)
            .min(Duration::from_secs(12 * 3600))
    }
}
