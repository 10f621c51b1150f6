//! The Redis cache against the real Redis (each test under its own key prefix).

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc,
    },
    time::Duration,
};

use muster_platform::{
    cache::{breaker::BreakerSettings, Cache, CacheKey, CacheSettings},
    RedisStore,
};

use crate::support::{dead_endpoint, proxy::TcpProxy, redis_config, unique_prefix, Services};

const TTL: Duration = Duration::from_secs(60);

fn cache_at(url: &str, prefix: &str) -> Cache {
    cache_with_timeout(url, prefix, redis_config(url).command_timeout)
}

/// A cache whose Redis commands may take up to `timeout` before it computes without
/// Redis: long for tests about coordination, which must not see a loaded machine's slow
/// reply as Redis being down.
fn cache_with_timeout(url: &str, prefix: &str, timeout: Duration) -> Cache {
    let redis = RedisStore::connect(&muster_platform::config::RedisConfig {
        command_timeout: timeout,
        ..redis_config(url)
    })
    .expect("redis handle");
    let settings = CacheSettings {
        prefix: prefix.to_owned(),
        breaker: BreakerSettings {
            failure_threshold: 2,
            open_for: Duration::from_millis(200),
        },
        ..CacheSettings::default()
    };
    Cache::new(redis, settings)
}

/// A computation that counts its runs.
#[derive(Clone, Default)]
struct Source {
    runs: Arc<AtomicU32>,
}

impl Source {
    async fn load(&self, value: &str) -> Result<String, std::convert::Infallible> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        Ok(value.to_owned())
    }

    fn runs(&self) -> u32 {
        self.runs.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn a_miss_computes_and_stores_and_the_next_read_hits() {
    let cache = cache_at(&Services::from_env().redis, &unique_prefix());
    let source = Source::default();
    let key = CacheKey::new("plan:1");
    assert_eq!(
        cache.get_or_compute(&key, TTL, || source.load("v1")).await,
        Ok("v1".to_owned())
    );
    assert_eq!(
        cache.get_or_compute(&key, TTL, || source.load("v2")).await,
        Ok("v1".to_owned())
    );
    assert_eq!(source.runs(), 1);
    let stats = cache.stats();
    assert_eq!(
        (stats.hits, stats.misses, stats.computed),
        (1, 1, 1),
        "{stats:?}"
    );
}

#[tokio::test]
async fn errors_of_the_computation_are_returned_and_not_cached() {
    let cache = cache_at(&Services::from_env().redis, &unique_prefix());
    let key = CacheKey::new("broken");
    let failed: Result<String, &str> = cache
        .get_or_compute(&key, TTL, || async { Err("database down") })
        .await;
    assert_eq!(failed, Err("database down"));
    let recovered: Result<String, &str> = cache
        .get_or_compute(&key, TTL, || async { Ok("fine".to_owned()) })
        .await;
    assert_eq!(recovered, Ok("fine".to_owned()));
}

#[tokio::test]
async fn values_expire_after_their_ttl() {
    let cache = cache_at(&Services::from_env().redis, &unique_prefix());
    let source = Source::default();
    let key = CacheKey::new("short-lived");
    cache
        .get_or_compute(&key, Duration::from_millis(100), || source.load("v"))
        .await
        .expect("value");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while source.runs() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the value never expired"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
        cache
            .get_or_compute(&key, Duration::from_millis(100), || source.load("v"))
            .await
            .expect("value");
    }
}

#[tokio::test]
async fn invalidating_a_key_recomputes_only_that_key() {
    let cache = cache_at(&Services::from_env().redis, &unique_prefix());
    let source = Source::default();
    let (a, b) = (CacheKey::new("a"), CacheKey::new("b"));
    cache
        .get_or_compute(&a, TTL, || source.load("a1"))
        .await
        .expect("a");
    cache
        .get_or_compute(&b, TTL, || source.load("b1"))
        .await
        .expect("b");
    cache.invalidate(&a).await;
    assert_eq!(
        cache.get_or_compute(&a, TTL, || source.load("a2")).await,
        Ok("a2".to_owned())
    );
    assert_eq!(
        cache.get_or_compute(&b, TTL, || source.load("b2")).await,
        Ok("b1".to_owned())
    );
}

#[tokio::test]
async fn invalidating_a_tag_drops_all_of_its_keys_and_no_others() {
    let cache = cache_at(&Services::from_env().redis, &unique_prefix());
    let source = Source::default();
    let plan_keys = [
        CacheKey::tagged("plan:7", "activities"),
        CacheKey::tagged("plan:7", "roles"),
    ];
    let other = CacheKey::tagged("plan:8", "activities");
    for key in plan_keys.iter().chain([&other]) {
        cache
            .get_or_compute(key, TTL, || source.load("old"))
            .await
            .expect("value");
    }
    cache.invalidate_tag("plan:7").await;
    for key in &plan_keys {
        assert_eq!(
            cache.get_or_compute(key, TTL, || source.load("new")).await,
            Ok("new".to_owned())
        );
    }
    assert_eq!(
        cache
            .get_or_compute(&other, TTL, || source.load("new"))
            .await,
        Ok("old".to_owned())
    );
}

#[tokio::test]
async fn concurrent_misses_compute_once_in_a_process_and_across_instances() {
    let redis = Services::from_env().redis;
    let prefix = unique_prefix();
    // Two caches on one Redis stand for two app instances: separate in-process state.
    let instances = [
        cache_with_timeout(&redis, &prefix, Duration::from_secs(5)),
        cache_with_timeout(&redis, &prefix, Duration::from_secs(5)),
    ];
    let runs = Arc::new(AtomicU32::new(0));
    let key = CacheKey::tagged("plan:42", "summary");

    let mut callers = tokio::task::JoinSet::new();
    for i in 0..60 {
        let cache = instances[i % 2].clone();
        let (runs, key) = (Arc::clone(&runs), key.clone());
        callers.spawn(async move {
            cache
                .get_or_compute(&key, TTL, || async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    // Slow enough that every other caller arrives while this computes.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Ok::<_, std::convert::Infallible>(HashMap::from([(
                        "activities".to_owned(),
                        12,
                    )]))
                })
                .await
        });
    }
    while let Some(result) = callers.join_next().await {
        let value = result.expect("caller").expect("value");
        assert_eq!(value["activities"], 12);
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "one computation for 60 concurrent misses on two instances"
    );
}

#[tokio::test]
async fn without_redis_values_are_computed_directly_and_the_breaker_stops_calling_it() {
    let cache = cache_at(&format!("redis://{}/", dead_endpoint()), &unique_prefix());
    let source = Source::default();
    let key = CacheKey::new("k");
    for _ in 0..10 {
        assert_eq!(
            cache.get_or_compute(&key, TTL, || source.load("v")).await,
            Ok("v".to_owned())
        );
    }
    assert_eq!(source.runs(), 10, "every read computed");
    let stats = cache.stats();
    assert!(
        stats.redis_errors <= 3,
        "the open breaker stopped the calls: {stats:?}"
    );
    assert!(stats.bypassed >= 10, "{stats:?}");
}

#[tokio::test]
async fn redis_is_used_again_once_it_returns() {
    let redis = Services::from_env().redis;
    let target = TcpProxy::target_of(&url::Url::parse(&redis).expect("url"));
    let mut proxy = TcpProxy::start(target).await;
    let mut via_proxy = url::Url::parse(&redis).expect("url");
    via_proxy.set_port(Some(proxy.addr.port())).expect("port");
    let cache = cache_at(via_proxy.as_str(), &unique_prefix());
    let source = Source::default();
    let key = CacheKey::new("k");

    cache
        .get_or_compute(&key, TTL, || source.load("v"))
        .await
        .expect("value");
    proxy.cut();
    for _ in 0..5 {
        cache
            .get_or_compute(&key, TTL, || source.load("v"))
            .await
            .expect("value without redis");
    }
    let runs_while_down = source.runs();
    assert!(runs_while_down > 1, "computed while redis was away");

    proxy.restore().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let hits_before = cache.stats().hits;
        cache
            .get_or_compute(&key, TTL, || source.load("v"))
            .await
            .expect("value");
        if cache.stats().hits > hits_before {
            break; // served from Redis again
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "redis never used again: {:?}",
            cache.stats()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A value read from the database carries its position: a reader who must see a newer
/// write computes it again, and after a write the tag was invalidated at, every reader's
/// computation is asked to include that write.
#[tokio::test]
async fn a_cached_value_is_never_older_than_the_reader_needs_or_than_the_last_write() {
    use muster_platform::db::Lsn;
    use std::sync::Mutex;

    let cache = cache_with_timeout(
        &Services::from_env().redis,
        &unique_prefix(),
        Duration::from_secs(5),
    );
    let key = CacheKey::tagged("plan:9", "view");
    let asked = Arc::new(Mutex::new(Vec::new()));
    let read = |value: &'static str, at: u64| {
        let asked = asked.clone();
        move |required: Lsn| async move {
            asked.lock().expect("lock").push(required);
            Ok::<_, std::convert::Infallible>((value.to_owned(), Lsn(at)))
        }
    };
    // Read at position 100 by someone who needs 50.
    assert_eq!(
        cache
            .get_or_compute_at(&key, TTL, Lsn(50), read("v100", 100))
            .await,
        Ok("v100".to_owned())
    );
    // Someone who needs 80 gets it from the cache; someone who wrote at 150 reads again.
    assert_eq!(
        cache
            .get_or_compute_at(&key, TTL, Lsn(80), read("never", 0))
            .await,
        Ok("v100".to_owned())
    );
    assert_eq!(
        cache
            .get_or_compute_at(&key, TTL, Lsn(150), read("v160", 160))
            .await,
        Ok("v160".to_owned())
    );
    // A write at 300 invalidates the tag: the next reader, who needs nothing in
    // particular, is asked for at least 300.
    cache.invalidate_tag_after("plan:9", Lsn(300)).await;
    assert_eq!(
        cache
            .get_or_compute_at(&key, TTL, Lsn(0), read("v300", 300))
            .await,
        Ok("v300".to_owned())
    );
    // An older invalidation never lowers the floor.
    cache.invalidate_tag_after("plan:9", Lsn(200)).await;
    assert_eq!(
        cache
            .get_or_compute_at(&key, TTL, Lsn(0), read("v310", 310))
            .await,
        Ok("v310".to_owned())
    );
    assert_eq!(
        *asked.lock().expect("lock"),
        vec![Lsn(50), Lsn(150), Lsn(300), Lsn(300)],
        "what each computation was asked to include"
    );
}
