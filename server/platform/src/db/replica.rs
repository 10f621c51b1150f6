//! One streaming read replica: its pool and what the last health probe saw.
//!
//! Probes run in the background (see [`super::Database::spawn_replica_monitor`]) and on
//! demand from `/readyz`; reads only ever go to a replica whose last probe found it
//! reachable, in recovery and close enough to the primary.

use std::{sync::RwLock, time::Duration};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgPool, Row};

use super::lsn::Lsn;

/// How long one probe may take before the replica counts as unreachable. Short on
/// purpose: a replica that cannot answer `SELECT` in this time should not serve reads.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicaState {
    /// Not probed yet: serves no reads until the first probe says it may.
    Unknown,
    Healthy,
    /// Reachable but further behind than the configured lag bound (time or bytes): out
    /// of rotation until a probe finds it back within the bound.
    Lagging,
    Unreachable,
    /// Answers but is not in recovery (for example promoted after a failover): its
    /// data may have diverged from the primary, so it serves no reads.
    NotStandby,
}

/// What the latest probe of one replica found; also the `/readyz` entry for it.
#[derive(Debug, Clone, Serialize)]
pub struct ReplicaReport {
    pub name: String,
    pub endpoint: String,
    pub state: ReplicaState,
    pub lag_seconds: Option<f64>,
    pub lag_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub(crate) replay_lsn: Option<Lsn>,
}

impl ReplicaReport {
    /// An unreachable replica's lag is unknown, not what it was at the last probe.
    fn forget_position(&mut self) {
        self.replay_lsn = None;
        self.lag_seconds = None;
        self.lag_bytes = None;
    }
}

pub(crate) struct Replica {
    pub(crate) pool: PgPool,
    name: String,
    report: RwLock<ReplicaReport>,
}

/// How far behind the primary a replica may be and still serve reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LagBound {
    pub time: Duration,
    pub bytes: u64,
}

/// Facts read off a replica by one probe.
pub(crate) struct StandbyStatus {
    pub in_recovery: bool,
    pub replay_lsn: Option<Lsn>,
    pub lag_seconds: f64,
    /// Unknown when the primary's position could not be read.
    pub lag_bytes: Option<u64>,
}

/// Decides a replica's state from what it reported. Pure, so the policy is tested
/// without a database.
pub(crate) fn classify(status: &StandbyStatus, bound: LagBound) -> ReplicaState {
    if !status.in_recovery {
        ReplicaState::NotStandby
    } else if status.lag_seconds > bound.time.as_secs_f64()
        || status.lag_bytes.is_some_and(|bytes| bytes > bound.bytes)
    {
        ReplicaState::Lagging
    } else {
        ReplicaState::Healthy
    }
}

impl Replica {
    pub(crate) fn new(name: String, endpoint: String, pool: PgPool) -> Self {
        let report = ReplicaReport {
            name: name.clone(),
            endpoint,
            state: ReplicaState::Unknown,
            lag_seconds: None,
            lag_bytes: None,
            error: None,
            checked_at: None,
            replay_lsn: None,
        };
        Self {
            pool,
            name,
            report: RwLock::new(report),
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Healthy at the last probe: may serve reads that it has replayed far enough for.
    pub(crate) fn in_rotation(&self) -> bool {
        self.report
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .state
            == ReplicaState::Healthy
    }

    /// A replay position the replica reported outside a probe (at the start of a read):
    /// later reads can be routed on it without waiting for the next probe.
    pub(crate) fn note_replayed(&self, replayed: Option<Lsn>) {
        let Some(replayed) = replayed else { return };
        let mut guard = self
            .report
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if guard.replay_lsn.is_none_or(|seen| seen < replayed) {
            guard.replay_lsn = Some(replayed);
        }
    }

    pub(crate) fn report(&self) -> ReplicaReport {
        self.report
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn update(&self, change: impl FnOnce(&mut ReplicaReport)) {
        let mut guard = self
            .report
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        change(&mut guard);
        guard.checked_at = Some(Utc::now());
    }

    /// Whether this replica may serve a read that must see the WAL up to `at_least`.
    pub(crate) fn can_serve(&self, at_least: Option<Lsn>) -> bool {
        let report = self
            .report
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        report.state == ReplicaState::Healthy
            && match at_least {
                None => true,
                Some(wanted) => report.replay_lsn.is_some_and(|seen| seen >= wanted),
            }
    }

    /// Called when a read on this replica failed with a connection error: stop routing
    /// reads here until the next successful probe.
    pub(crate) fn mark_unreachable(&self, error: &sqlx::Error) {
        let message = error.to_string();
        self.update(|r| {
            r.state = ReplicaState::Unreachable;
            r.error = Some(message);
            r.forget_position();
        });
    }

    pub(crate) async fn probe(&self, primary_lsn: Option<Lsn>, bound: LagBound) {
        let outcome = tokio::time::timeout(PROBE_TIMEOUT, self.read_standby_status()).await;
        match outcome {
            Ok(Ok(mut status)) => {
                let lag_bytes = match (primary_lsn, status.replay_lsn) {
                    (Some(primary), Some(replayed)) => Some(primary.bytes_after(replayed)),
                    _ => None,
                };
                status.lag_bytes = lag_bytes;
                if lag_bytes == Some(0) {
                    // Replayed all the primary has: an old replay timestamp only means the
                    // primary has been idle (or the replica just restarted).
                    status.lag_seconds = 0.0;
                }
                let state = classify(&status, bound);
                self.update(|r| {
                    r.state = state;
                    r.lag_seconds = Some(status.lag_seconds);
                    r.lag_bytes = lag_bytes;
                    r.replay_lsn = status.replay_lsn;
                    r.error = (state == ReplicaState::NotStandby).then(|| {
                        "server is not in recovery; it is not a streaming replica".to_owned()
                    });
                });
            }
            Ok(Err(error)) => self.mark_unreachable(&error),
            Err(_) => self.update(|r| {
                r.state = ReplicaState::Unreachable;
                r.error = Some(format!("no answer within {} s", PROBE_TIMEOUT.as_secs()));
                r.forget_position();
            }),
        }
    }

    async fn read_standby_status(&self) -> Result<StandbyStatus, sqlx::Error> {
        // Replay-timestamp lag alone overstates lag on an idle primary (nothing to
        // replay, old timestamp), so a replica that has replayed all it received counts
        // as zero lag.
        let row = sqlx::query(
            "SELECT pg_is_in_recovery() AS in_recovery,
                    pg_last_wal_replay_lsn()::text AS replay_lsn,
                    CASE
                      WHEN NOT pg_is_in_recovery()
                        OR pg_last_wal_receive_lsn() IS NULL
                        OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0.0
                      ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0.0)
                    END::float8 AS lag_seconds",
        )
        .fetch_one(&self.pool)
        .await?;
        let replay_lsn: Option<String> = row.try_get("replay_lsn")?;
        Ok(StandbyStatus {
            in_recovery: row.try_get("in_recovery")?,
            replay_lsn: replay_lsn.and_then(|text| text.parse().ok()),
            lag_seconds: row.try_get("lag_seconds")?,
            lag_bytes: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUND: LagBound = LagBound {
        time: Duration::from_secs(5),
        bytes: 16 * 1024 * 1024,
    };

    fn status(in_recovery: bool, lag_seconds: f64, lag_bytes: Option<u64>) -> StandbyStatus {
        StandbyStatus {
            in_recovery,
            replay_lsn: Some(Lsn(1)),
            lag_seconds,
            lag_bytes,
        }
    }

    #[test]
    fn a_caught_up_standby_is_healthy() {
        assert_eq!(
            classify(&status(true, 0.0, Some(0)), BOUND),
            ReplicaState::Healthy
        );
        assert_eq!(
            classify(&status(true, 4.9, Some(16 * 1024 * 1024)), BOUND),
            ReplicaState::Healthy,
            "within both bounds"
        );
    }

    #[test]
    fn a_standby_behind_either_bound_is_lagging() {
        assert_eq!(
            classify(&status(true, 5.5, Some(0)), BOUND),
            ReplicaState::Lagging
        );
        assert_eq!(
            classify(&status(true, 0.1, Some(16 * 1024 * 1024 + 1)), BOUND),
            ReplicaState::Lagging
        );
        assert_eq!(
            classify(&status(true, 0.1, None), BOUND),
            ReplicaState::Healthy,
            "an unknown byte lag is judged on time alone"
        );
    }

    #[test]
    fn a_promoted_server_is_never_used_as_a_replica() {
        assert_eq!(
            classify(&status(false, 0.0, Some(0)), BOUND),
            ReplicaState::NotStandby
        );
    }
}
