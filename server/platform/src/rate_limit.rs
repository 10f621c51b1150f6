//! Attempt limits shared by every instance: a fixed window counter per key in Redis
//! (one atomic script: count, and start the window on the first attempt).
//!
//! When Redis cannot be reached the limits still hold, per instance, in memory
//! (governor's keyed GCRA limiter with the same budget): failing open would invite
//! password guessing during an outage, failing closed would lock everybody out.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};

use crate::{config::RateLimit, RedisStore};

/// The attempt was over the limit; the next one is allowed after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many attempts; retry in {} s", retry_after.as_secs())]
pub struct Limited {
    pub retry_after: Duration,
}

const SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
";

#[derive(Clone)]
pub struct RateLimiter {
    redis: RedisStore,
    prefix: String,
    script: Arc<redis::Script>,
    fallback: Arc<Fallback>,
}

impl RateLimiter {
    pub fn new(redis: RedisStore, prefix: String) -> Self {
        Self {
            redis,
            prefix,
            script: Arc::new(redis::Script::new(SCRIPT)),
            fallback: Arc::new(Fallback::default()),
        }
    }

    /// Counts one attempt of `action` by `who` (an e-mail address, an IP address) against
    /// `limit`. Keys are hashed: no address is stored in Redis.
    pub async fn hit(&self, action: &str, who: &str, limit: RateLimit) -> Result<(), Limited> {
        let digest = hex::encode(Sha256::digest(format!("{action}\0{who}")));
        let key = format!("{}rl:{action}:{digest}", self.prefix);
        let window_ms = limit.window.as_millis().max(1) as u64;
        let mut conn = self.redis.connection();
        let counted = tokio::time::timeout(
            self.redis.timeout(),
            self.script
                .key(&key)
                .arg(window_ms)
                .invoke_async::<(u64, i64)>(&mut conn),
        )
        .await;
        match counted {
            Ok(Ok((count, ttl_ms))) => {
                if count > u64::from(limit.max) {
                    Err(Limited {
                        retry_after: Duration::from_millis(ttl_ms.max(1000) as u64),
                    })
                } else {
                    Ok(())
                }
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, action, "rate limit counter unavailable; limiting in memory");
                self.fallback.hit(&key, limit)
            }
            Err(_) => {
                tracing::warn!(action, "rate limit counter timed out; limiting in memory");
                self.fallback.hit(&key, limit)
            }
        }
    }
}

/// One in-memory keyed limiter per distinct limit.
#[derive(Default)]
struct Fallback {
    limiters: Mutex<HashMap<(u32, Duration), Arc<DefaultKeyedRateLimiter<String>>>>,
    hits: AtomicU64,
}

impl Fallback {
    fn hit(&self, key: &str, limit: RateLimit) -> Result<(), Limited> {
        let limiter = {
            let mut limiters = self
                .limiters
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            limiters
                .entry((limit.max, limit.window))
                .or_insert_with(|| Arc::new(DefaultKeyedRateLimiter::keyed(quota(limit))))
                .clone()
        };
        // Forget idle keys now and then so an outage cannot grow memory without bound.
        if self.hits.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            limiter.retain_recent();
        }
        limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| Limited {
                retry_after: not_until
                    .wait_time_from(governor::clock::DefaultClock::default().now())
                    .max(Duration::from_secs(1)),
            })
    }
}

/// `max` attempts at once, then one more each `window / max`: the same budget over a
/// window as the Redis counter.
fn quota(limit: RateLimit) -> Quota {
    let max = NonZeroU32::new(limit.max).unwrap_or(NonZeroU32::MIN);
    let period = (limit.window / max.get()).max(Duration::from_millis(1));
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_in_memory_fallback_allows_the_budget_then_refuses_with_a_wait() {
        let fallback = Fallback::default();
        let limit = RateLimit::per(3, 60);
        for _ in 0..3 {
            assert_eq!(fallback.hit("k", limit), Ok(()));
        }
        let refused = fallback.hit("k", limit).expect_err("fourth attempt");
        assert!(refused.retry_after >= Duration::from_secs(1), "{refused:?}");
        assert!(
            refused.retry_after <= Duration::from_secs(20),
            "{refused:?}"
        );
        assert_eq!(fallback.hit("other", limit), Ok(()), "keys are independent");
    }
}
