//! Password hashing under a burst of sign-ins: latency of one Argon2id verification
//! (the baseline), and what a burst of 64 simultaneous verifications costs in time and
//! peak memory with the default bound (2 at a time) versus no bound.
//!
//! `cargo bench -p muster-platform --bench passwords` (no services needed). Peak memory is
//! the process's RSS high-water mark (VmHWM) above where it stood before any hashing; it
//! only grows, so the bounded burst runs first.

use std::time::{Duration, Instant};

use muster_platform::passwords::Passwords;

const BURST: usize = 64;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn burst(passwords: &Passwords, hash: &str) -> (Duration, Vec<Duration>) {
    let started = Instant::now();
    let tasks: Vec<_> = (0..BURST)
        .map(|_| {
            let passwords = passwords.clone();
            let hash = hash.to_owned();
            tokio::spawn(async move {
                let began = Instant::now();
                let ok = passwords
                    .verify("copper lantern orbit mouse".into(), Some(hash))
                    .await
                    .expect("verify");
                assert!(ok);
                began.elapsed()
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(BURST);
    for task in tasks {
        latencies.push(task.await.expect("task"));
    }
    latencies.sort();
    (started.elapsed(), latencies)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let start = peak_rss_kib();
    let bounded = Passwords::new(2, Duration::from_secs(600));
    let hash = bounded
        .hash("copper lantern orbit mouse".into())
        .await
        .expect("hash");

    let mut single = Vec::new();
    for _ in 0..20 {
        let began = Instant::now();
        bounded
            .verify("copper lantern orbit mouse".into(), Some(hash.clone()))
            .await
            .expect("verify");
        single.push(began.elapsed());
    }
    single.sort();
    let baseline = percentile(&single, 0.5);

    let (bounded_total, bounded_latencies) = burst(&bounded, &hash).await;
    let bounded_peak = peak_rss_kib().saturating_sub(start);
    let unbounded = Passwords::new(BURST, Duration::from_secs(600));
    let (unbounded_total, unbounded_latencies) = burst(&unbounded, &hash).await;
    let unbounded_peak = peak_rss_kib().saturating_sub(start);

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let ratio = |d: Duration| ms(d) / ms(baseline);
    println!("| case | total ms | p50 ms | p99 ms | p50 vs one | peak RSS above start MiB |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| one verification (baseline, 20 runs) | | {:.1} | {:.1} | 1.00x | |",
        ms(baseline),
        ms(percentile(&single, 0.99))
    );
    for (name, total, latencies, peak) in [
        (
            "64 at once, bound 2 (default)",
            bounded_total,
            &bounded_latencies,
            bounded_peak,
        ),
        (
            "64 at once, no bound",
            unbounded_total,
            &unbounded_latencies,
            unbounded_peak,
        ),
    ] {
        println!(
            "| {name} | {:.0} | {:.1} | {:.1} | {:.1}x | {:.1} |",
            ms(total),
            ms(percentile(latencies, 0.5)),
            ms(percentile(latencies, 0.99)),
            ratio(percentile(latencies, 0.5)),
            peak as f64 / 1024.0
        );
    }
}
