//! Shared by the platform's benchmarks: timing an operation many times, and reading
//! percentiles off the samples.

use std::{
    future::Future,
    time::{Duration, Instant},
};

/// Runs `op` `warmup` times untimed, then `samples` times timed; the times, sorted.
pub async fn time_each<F, Fut>(warmup: usize, samples: usize, mut op: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    for _ in 0..warmup {
        op().await;
    }
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        op().await;
        times.push(started.elapsed());
    }
    times.sort();
    times
}

/// The `p` quantile (0.0–1.0) of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}
