//! Cache-aside over Redis for data that is expensive to read (plans, published forms).
//!
//! - [`Cache::get_or_compute`]: a hit returns the stored value; a miss computes it once
//!   per key — callers in this process queue behind one computation, and other
//!   instances wait on a short Redis lock instead of computing it again — then stores
//!   it with a TTL.
//! - Invalidation by key, or by tag: every key of a tag (for example all keys of one
//!   plan) lives under the tag's generation number, and bumping the generation makes
//!   them all unreachable at once (they then expire by TTL).
//! - Redis is an optimisation, never a dependency: every call is bounded by
//!   `REDIS_TIMEOUT_MS`, failures trip a circuit breaker, and while Redis is
//!   unavailable values are computed directly. The breaker lets a trial call through
//!   after a pause, so a returning Redis is used again without a restart.

pub mod breaker;
mod flights;

use std::{
    future::Future,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use redis::AsyncCommands;
use serde::{de::DeserializeOwned, Serialize};

use crate::{db::Lsn, redis_store::RedisStore};
use breaker::{Breaker, BreakerSettings};
use flights::Flights;

/// A cache key, optionally under a tag whose keys can be invalidated together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    tag: Option<String>,
    key: String,
}

impl CacheKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self {
            tag: None,
            key: key.into(),
        }
    }

    pub fn tagged(tag: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            tag: Some(tag.into()),
            key: key.into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// Prepended to every Redis key, so several deployments (or tests) can share a Redis.
    pub prefix: String,
    /// How long other instances wait for the one computing a missing value.
    pub compute_lock: Duration,
    pub breaker: BreakerSettings,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            prefix: "muster:cache:".into(),
            compute_lock: Duration::from_secs(5),
            breaker: BreakerSettings::default(),
        }
    }
}

/// Counters for metrics. Monotonic since start-up.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    /// Lookups that skipped Redis because it was failing or the breaker was open.
    pub bypassed: u64,
    pub redis_errors: u64,
    /// Times a value was computed (misses and bypasses that ran the computation).
    pub computed: u64,
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    bypassed: AtomicU64,
    redis_errors: AtomicU64,
    computed: AtomicU64,
}

#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    redis: RedisStore,
    settings: CacheSettings,
    breaker: Mutex<Breaker>,
    flights: Flights,
    counters: Counters,
}

/// What a lookup in Redis found. `floor`: the newest write position the key's tag was
/// invalidated after ([`Cache::invalidate_tag_after`]); a value computed for the tag from
/// now on must include it.
enum Lookup {
    Hit {
        generation: String,
        bytes: Vec<u8>,
        floor: Lsn,
    },
    /// Not there; `generation` is the tag's current generation to store under.
    Miss { generation: String, floor: Lsn },
    /// Redis could not be asked.
    Unavailable,
}

const LOOKUP_SCRIPT: &str = r"
local generation = redis.call('GET', KEYS[1]) or '0'
local floor = redis.call('GET', KEYS[2]) or '0'
return {generation, floor, redis.call('GET', ARGV[1] .. generation .. ':' .. ARGV[2])}
";

// Invalidates a tag after a write at ARGV[1]: its floor becomes at least that position,
// and its generation moves on (every key of the tag becomes unreachable). Positions are
// compared as numbers (Lua numbers are doubles: exact up to 2^53 bytes of WAL).
const INVALIDATE_AFTER_SCRIPT: &str = r"
local floor = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) > floor then redis.call('SET', KEYS[2], ARGV[1]) end
return redis.call('INCR', KEYS[1])
";

// Releases the compute lock only if we still hold it (it may have expired and been
// taken by another instance).
const UNLOCK_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

impl Cache {
    pub fn new(redis: RedisStore, settings: CacheSettings) -> Self {
        let breaker = Mutex::new(Breaker::new(settings.breaker));
        Self {
            inner: Arc::new(Inner {
                redis,
                settings,
                breaker,
                flights: Flights::default(),
                counters: Counters::default(),
            }),
        }
    }

    /// Returns the cached value of `key`, or computes, stores (for `ttl`) and returns it.
    /// Errors of `compute` are returned as they are and nothing is stored.
    pub async fn get_or_compute<T, E, F, Fut>(
        &self,
        key: &CacheKey,
        ttl: Duration,
        compute: F,
    ) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.get_or_compute_if(key, ttl, |_: &T, _| true, |_| compute())
            .await
    }

    /// As [`Cache::get_or_compute`], for a value read from the database. The entry
    /// carries the WAL position its read included, and is never returned older than
    /// `at_least` (the caller's own last write, or a write an event announced) nor than
    /// the last write its tag was invalidated after ([`Cache::invalidate_tag_after`]):
    /// then it is computed again. `compute` is given the position its read must include
    /// and returns the value with the position its read did include.
    pub async fn get_or_compute_at<T, E, F, Fut>(
        &self,
        key: &CacheKey,
        ttl: Duration,
        at_least: Lsn,
        compute: F,
    ) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(Lsn) -> Fut,
        Fut: Future<Output = Result<(T, Lsn), E>>,
    {
        let stamped = self
            .get_or_compute_if(
                key,
                ttl,
                |entry: &Stamped<T>, floor: Lsn| entry.position >= at_least.max(floor),
                |floor| async move {
                    let (value, position) = compute(at_least.max(floor)).await?;
                    Ok(Stamped { position, value })
                },
            )
            .await?;
        Ok(stamped.value)
    }

    /// The cached value of `key` if `fresh` accepts it; otherwise computed (once per key
    /// across this process and, through a Redis lock, across instances) and stored.
    async fn get_or_compute_if<T, E, F, Fut>(
        &self,
        key: &CacheKey,
        ttl: Duration,
        fresh: impl Fn(&T, Lsn) -> bool,
        compute: F,
    ) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(Lsn) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.cached(key, &fresh).await {
            return Ok(value);
        }
        // Queue behind any computation of this key already running in this process.
        let _turn = self.inner.flights.turn(&self.flight_name(key)).await;
        let (generation, floor) = match self.lookup(key).await {
            Lookup::Hit {
                generation,
                bytes,
                floor,
            } => match serde_json::from_slice::<T>(&bytes) {
                Ok(value) if fresh(&value, floor) => {
                    self.count(|c| &c.hits);
                    return Ok(value);
                }
                // Too old for this caller, or unreadable (its type changed): recompute
                // and overwrite.
                _ => (generation, floor),
            },
            Lookup::Miss { generation, floor } => (generation, floor),
            Lookup::Unavailable => return self.compute_directly(|| compute(Lsn(0))).await,
        };
        self.count(|c| &c.misses);

        let lock_key = format!(
            "{}lock:{}",
            self.inner.settings.prefix,
            self.value_key(key, &generation)
        );
        let token = lock_token();
        let holds_lock = self.try_lock(&lock_key, &token).await;
        if holds_lock {
            // Another instance may have stored the value and unlocked between the lookup
            // above and taking the lock: look again before computing it twice.
            if let Some(value) = self.cached(key, &fresh).await {
                self.unlock(&lock_key, &token).await;
                return Ok(value);
            }
        } else if let Some(value) = self.wait_for_other_instance(key, &lock_key, &fresh).await {
            return Ok(value);
        }
        let value = self.compute_directly(|| compute(floor)).await?;
        self.store(key, &generation, &value, ttl).await;
        if holds_lock {
            self.unlock(&lock_key, &token).await;
        }
        Ok(value)
    }

    /// Removes one key (under its tag's current generation).
    pub async fn invalidate(&self, key: &CacheKey) {
        let generation = match self.lookup(key).await {
            Lookup::Miss { generation, .. } | Lookup::Hit { generation, .. } => generation,
            Lookup::Unavailable => return,
        };
        let full = self.value_key(key, &generation);
        self.redis_call(|mut conn| async move { conn.del::<_, ()>(full).await })
            .await;
    }

    /// Makes every key of `tag` unreachable at once.
    pub async fn invalidate_tag(&self, tag: &str) {
        let generation_key = format!("{}gen:{tag}", self.inner.settings.prefix);
        self.redis_call(|mut conn| async move { conn.incr::<_, _, ()>(generation_key, 1).await })
            .await;
    }

    /// As [`Cache::invalidate_tag`], after a write committed at `position`: values of
    /// the tag computed from now on (by [`Cache::get_or_compute_at`]) include that write,
    /// whoever reads them, even while the replicas have not replayed it yet.
    pub async fn invalidate_tag_after(&self, tag: &str, position: Lsn) {
        let prefix = &self.inner.settings.prefix;
        let (generation_key, floor_key) =
            (format!("{prefix}gen:{tag}"), format!("{prefix}floor:{tag}"));
        self.redis_call(|mut conn| async move {
            redis::Script::new(INVALIDATE_AFTER_SCRIPT)
                .key(generation_key)
                .key(floor_key)
                .arg(position.0)
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await;
    }

    pub fn stats(&self) -> CacheStats {
        let c = &self.inner.counters;
        CacheStats {
            hits: c.hits.load(Ordering::Relaxed),
            misses: c.misses.load(Ordering::Relaxed),
            bypassed: c.bypassed.load(Ordering::Relaxed),
            redis_errors: c.redis_errors.load(Ordering::Relaxed),
            computed: c.computed.load(Ordering::Relaxed),
        }
    }

    async fn cached<T: DeserializeOwned>(
        &self,
        key: &CacheKey,
        fresh: impl Fn(&T, Lsn) -> bool,
    ) -> Option<T> {
        match self.lookup(key).await {
            Lookup::Hit { bytes, floor, .. } => {
                let value = serde_json::from_slice(&bytes)
                    .ok()
                    .filter(|v| fresh(v, floor))?;
                self.count(|c| &c.hits);
                Some(value)
            }
            _ => None,
        }
    }

    async fn compute_directly<T, E, Fut: Future<Output = Result<T, E>>>(
        &self,
        compute: impl FnOnce() -> Fut,
    ) -> Result<T, E> {
        self.count(|c| &c.computed);
        compute().await
    }

    /// Another instance holds the compute lock: wait for its value, for at most the
    /// lock's lifetime. `None` means compute it here after all.
    async fn wait_for_other_instance<T: DeserializeOwned>(
        &self,
        key: &CacheKey,
        lock_key: &str,
        fresh: impl Fn(&T, Lsn) -> bool,
    ) -> Option<T> {
        let deadline = Instant::now() + self.inner.settings.compute_lock;
        while Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
            match self.lookup(key).await {
                Lookup::Hit { bytes, floor, .. } => {
                    // Still the entry that was too old for this caller: keep waiting
                    // for the other instance's newer one.
                    let value = serde_json::from_slice::<T>(&bytes).ok()?;
                    if !fresh(&value, floor) {
                        continue;
                    }
                    self.count(|c| &c.hits);
                    return Some(value);
                }
                Lookup::Unavailable => return None,
                Lookup::Miss { .. } => {
                    let lock_key = lock_key.to_owned();
                    let locked = self
                        .redis_call(
                            |mut conn| async move { conn.exists::<_, bool>(lock_key).await },
                        )
                        .await;
                    if locked != Some(true) {
                        // Released since the lookup above. The other instance stores the
                        // value before it unlocks, so look once more before computing
                        // again; still missing means it gave up without storing.
                        return self.cached(key, &fresh).await;
                    }
                }
            }
        }
        None
    }

    async fn lookup(&self, key: &CacheKey) -> Lookup {
        let prefix = &self.inner.settings.prefix;
        let tag = key.tag.as_deref().unwrap_or("_");
        let generation_key = format!("{prefix}gen:{tag}");
        let floor_key = format!("{prefix}floor:{tag}");
        let value_prefix = format!("{prefix}v:{tag}:");
        let name = key.key.clone();
        let found = self
            .redis_call(|mut conn| async move {
                redis::Script::new(LOOKUP_SCRIPT)
                    .key(generation_key)
                    .key(floor_key)
                    .arg(value_prefix)
                    .arg(name)
                    .invoke_async::<(String, String, Option<Vec<u8>>)>(&mut conn)
                    .await
            })
            .await;
        let floor = |text: &str| Lsn(text.parse().unwrap_or(0));
        match found {
            Some((generation, at, Some(bytes))) => Lookup::Hit {
                generation,
                bytes,
                floor: floor(&at),
            },
            Some((generation, at, None)) => Lookup::Miss {
                generation,
                floor: floor(&at),
            },
            None => Lookup::Unavailable,
        }
    }

    async fn store<T: Serialize>(
        &self,
        key: &CacheKey,
        generation: &str,
        value: &T,
        ttl: Duration,
    ) {
        let Ok(bytes) = serde_json::to_vec(value) else {
            return;
        };
        let full = self.value_key(key, generation);
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.redis_call(
            |mut conn| async move { conn.pset_ex::<_, _, ()>(full, bytes, millis).await },
        )
        .await;
    }

    async fn try_lock(&self, lock_key: &str, token: &str) -> bool {
        let (lock_key, token) = (lock_key.to_owned(), token.to_owned());
        let millis = u64::try_from(self.inner.settings.compute_lock.as_millis()).unwrap_or(5_000);
        let reply = self
            .redis_call(|mut conn| async move {
                redis::cmd("SET")
                    .arg(lock_key)
                    .arg(token)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis)
                    .query_async::<Option<String>>(&mut conn)
                    .await
            })
            .await;
        matches!(reply, Some(Some(_)))
    }

    async fn unlock(&self, lock_key: &str, token: &str) {
        let (lock_key, token) = (lock_key.to_owned(), token.to_owned());
        self.redis_call(|mut conn| async move {
            redis::Script::new(UNLOCK_SCRIPT)
                .key(lock_key)
                .arg(token)
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await;
    }

    fn value_key(&self, key: &CacheKey, generation: &str) -> String {
        format!(
            "{}v:{}:{generation}:{}",
            self.inner.settings.prefix,
            key.tag.as_deref().unwrap_or("_"),
            key.key
        )
    }

    fn flight_name(&self, key: &CacheKey) -> String {
        format!("{}\u{0}{}", key.tag.as_deref().unwrap_or(""), key.key)
    }

    /// Runs one Redis call through the breaker and the timeout. `None`: Redis was not
    /// asked (breaker open) or failed.
    async fn redis_call<T, F, Fut>(&self, call: F) -> Option<T>
    where
        F: FnOnce(redis::aio::ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let allowed = self.breaker().allow(Instant::now());
        if !allowed {
            self.count(|c| &c.bypassed);
            return None;
        }
        let timeout = self.inner.redis.timeout();
        match tokio::time::timeout(timeout, call(self.inner.redis.connection())).await {
            Ok(Ok(value)) => {
                self.breaker().succeeded();
                Some(value)
            }
            Ok(Err(error)) => {
                self.redis_failed(&error.to_string());
                None
            }
            Err(_) => {
                self.redis_failed("timed out");
                None
            }
        }
    }

    fn redis_failed(&self, error: &str) {
        self.count(|c| &c.redis_errors);
        self.count(|c| &c.bypassed);
        let mut breaker = self.breaker();
        let was_open = breaker.is_open();
        breaker.failed(Instant::now());
        if breaker.is_open() && !was_open {
            tracing::warn!(
                error,
                "redis failing: cache bypassed until it answers again"
            );
        }
    }

    fn breaker(&self) -> std::sync::MutexGuard<'_, Breaker> {
        self.inner
            .breaker
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn count(&self, counter: impl Fn(&Counters) -> &AtomicU64) {
        counter(&self.inner.counters).fetch_add(1, Ordering::Relaxed);
    }
}

/// A cached value with the WAL position its read included.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stamped<T> {
    position: Lsn,
    value: T,
}

fn lock_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
