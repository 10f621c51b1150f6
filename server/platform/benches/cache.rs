//! Cache hit latency against a raw Redis GET of the same bytes, in the same run.
//!
//! Needs the services' URLs (`scripts/bench` provides them):
//! `REDIS_URL=redis://... cargo bench -p muster-platform --bench cache`

mod support;

use std::time::Duration;

use support::percentile;

use muster_platform::{
    cache::{Cache, CacheKey, CacheSettings},
    config::RedisConfig,
    RedisStore,
};
use redis::AsyncCommands;
use secrecy::SecretString;

const WARMUP: usize = 500;
const SAMPLES: usize = 5_000;

#[derive(serde::Serialize, serde::Deserialize)]
struct Plan {
    name: String,
    activities: Vec<(u32, String)>,
}

async fn measure<F, Fut>(op: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    support::time_each(WARMUP, SAMPLES, op).await
}

#[tokio::main]
async fn main() {
    let url = std::env::var("REDIS_URL").expect("REDIS_URL: run through scripts/bench");
    let config = RedisConfig {
        url: SecretString::from(url),
        command_timeout: Duration::from_secs(1),
        key_prefix: "bench:".into(),
    };
    let redis = RedisStore::connect(&config).expect("redis");
    let prefix = format!("bench:{}:", std::process::id());
    let cache = Cache::new(
        redis.clone(),
        CacheSettings {
            prefix: prefix.clone(),
            ..Default::default()
        },
    );

    let plan = Plan {
        name: "Harbour clean-up".into(),
        activities: (0..50).map(|i| (i, format!("activity {i}"))).collect(),
    };
    let bytes = serde_json::to_vec(&plan).expect("json");
    let key = CacheKey::tagged("plan:1", "summary");
    let ttl = Duration::from_secs(600);
    let load = || async {
        Ok::<_, std::convert::Infallible>(Plan {
            name: plan.name.clone(),
            activities: plan.activities.clone(),
        })
    };
    cache.get_or_compute(&key, ttl, load).await.expect("prime");
    let raw_key = format!("{prefix}raw");
    let mut conn = redis.connection();
    conn.set::<_, _, ()>(&raw_key, &bytes)
        .await
        .expect("set raw");

    let raw = measure(|| {
        let mut conn = redis.connection();
        let raw_key = raw_key.clone();
        async move {
            let value: Vec<u8> = conn.get(raw_key).await.expect("get");
            let _: Plan = serde_json::from_slice(&value).expect("decode");
        }
    })
    .await;
    let hit = measure(|| async {
        let _: Plan = cache.get_or_compute(&key, ttl, load).await.expect("hit");
    })
    .await;

    let stats = cache.stats();
    assert_eq!(stats.computed, 1, "every measured call was a hit");
    let row = |name: &str, s: &[Duration], base: &[Duration]| {
        let (p50, p99) = (percentile(s, 0.5), percentile(s, 0.99));
        println!(
            "| {name} | {:.1} | {:.1} | {:.2}x | {:.2}x |",
            p50.as_secs_f64() * 1e6,
            p99.as_secs_f64() * 1e6,
            p50.as_secs_f64() / percentile(base, 0.5).as_secs_f64(),
            p99.as_secs_f64() / percentile(base, 0.99).as_secs_f64()
        );
    };
    println!(
        "| operation ({SAMPLES} sequential calls, {:.1} KB value) | p50 µs | p99 µs | p50 vs GET | p99 vs GET |",
        bytes.len() as f64 / 1024.0
    );
    println!("| --- | --- | --- | --- | --- |");
    row("raw Redis GET + decode (baseline)", &raw, &raw);
    row("Cache::get_or_compute hit (tagged key)", &hit, &raw);
    let _: () = conn.del(&raw_key).await.expect("cleanup");
    cache.invalidate_tag("plan:1").await;
}
