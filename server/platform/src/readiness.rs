//! What `/readyz` reports: whether this instance can serve, and the state of every
//! backing service. Only the primary decides readiness; replicas and Redis degrade
//! the service (reads move to the primary, caching is skipped) without stopping it.

use std::time::Duration;

use serde::Serialize;

use crate::{db::ReplicaReport, Platform};

const PRIMARY_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Everything reachable.
    Ready,
    /// Serving, but a replica or Redis is unavailable.
    Degraded,
    /// The primary is unreachable: this instance should get no traffic.
    Unavailable,
}

#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    pub status: Status,
    pub primary: ServiceCheck,
    pub replicas: Vec<ReplicaReport>,
    pub redis: ServiceCheck,
    /// Whether this instance relays realtime events from other instances.
    pub realtime_relaying: bool,
    pub cache: crate::cache::CacheStats,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceCheck {
    pub endpoint: Option<String>,
    pub reachable: bool,
    pub latency_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ServiceCheck {
    fn from_result(endpoint: Option<String>, result: Result<Duration, String>) -> Self {
        match result {
            Ok(latency) => Self {
                endpoint,
                reachable: true,
                latency_ms: Some(latency.as_secs_f64() * 1e3),
                error: None,
            },
            Err(error) => Self {
                endpoint,
                reachable: false,
                latency_ms: None,
                error: Some(error),
            },
        }
    }
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.status != Status::Unavailable
    }
}

/// Checks all services now, in parallel.
pub async fn check(platform: &Platform) -> Readiness {
    let (primary, (), redis) = tokio::join!(
        platform.db.ping_primary(PRIMARY_TIMEOUT),
        platform.db.probe_replicas(),
        platform.redis.ping(),
    );
    let primary =
        ServiceCheck::from_result(Some(platform.db.primary_endpoint().to_owned()), primary);
    let redis = ServiceCheck::from_result(None, redis.map_err(|e| e.to_string()));
    let replicas = platform.db.replica_reports();
    let status = overall_status(&primary, &replicas, &redis);
    Readiness {
        status,
        primary,
        replicas,
        redis,
        realtime_relaying: platform.hub.is_relaying(),
        cache: platform.cache.stats(),
    }
}

fn overall_status(
    primary: &ServiceCheck,
    replicas: &[ReplicaReport],
    redis: &ServiceCheck,
) -> Status {
    if !primary.reachable {
        Status::Unavailable
    } else if !redis.reachable
        || replicas
            .iter()
            .any(|r| r.state != crate::db::ReplicaState::Healthy)
    {
        Status::Degraded
    } else {
        Status::Ready
    }
}
