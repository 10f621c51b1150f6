//! A circuit breaker for calls to Redis: after a run of failures it stops calling for a
//! while (so a dead or slow Redis is not hammered and callers do not each wait out a
//! timeout), then lets one call through to see whether Redis is back.
//!
//! Pure state machine; the caller passes the current time, so the policy is tested
//! without clocks or Redis.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct BreakerSettings {
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long the circuit stays open before one trial call is allowed.
    pub open_for: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            failure_threshold: 3,
            open_for: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One trial call is in flight; everyone else keeps bypassing until it reports.
    HalfOpen,
}

#[derive(Debug)]
pub struct Breaker {
    settings: BreakerSettings,
    state: State,
}

impl Breaker {
    pub fn new(settings: BreakerSettings) -> Self {
        Self {
            settings,
            state: State::Closed { failures: 0 },
        }
    }

    /// Whether a call may be made now. When it returns true the caller must report the
    /// outcome with [`Breaker::succeeded`] or [`Breaker::failed`].
    pub fn allow(&mut self, now: Instant) -> bool {
        match self.state {
            State::Closed { .. } => true,
            State::Open { until } if now >= until => {
                self.state = State::HalfOpen;
                true
            }
            State::Open { .. } | State::HalfOpen => false,
        }
    }

    pub fn succeeded(&mut self) {
        self.state = State::Closed { failures: 0 };
    }

    pub fn failed(&mut self, now: Instant) {
        self.state = match self.state {
            State::Closed { failures } if failures + 1 < self.settings.failure_threshold => {
                State::Closed {
                    failures: failures + 1,
                }
            }
            _ => State::Open {
                until: now + self.settings.open_for,
            },
        };
    }

    pub fn is_open(&self) -> bool {
        !matches!(self.state, State::Closed { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> Breaker {
        Breaker::new(BreakerSettings {
            failure_threshold: 3,
            open_for: Duration::from_secs(5),
        })
    }

    #[test]
    fn stays_closed_below_the_threshold_and_resets_on_success() {
        let now = Instant::now();
        let mut b = breaker();
        b.failed(now);
        b.failed(now);
        b.succeeded();
        b.failed(now);
        b.failed(now);
        assert!(b.allow(now), "two failures after a success do not open it");
        assert!(!b.is_open());
    }

    #[test]
    fn opens_after_consecutive_failures_and_bypasses_until_the_period_ends() {
        let now = Instant::now();
        let mut b = breaker();
        for _ in 0..3 {
            assert!(b.allow(now));
            b.failed(now);
        }
        assert!(b.is_open());
        assert!(!b.allow(now + Duration::from_secs(4)));
    }

    #[test]
    fn lets_exactly_one_trial_through_after_the_open_period() {
        let now = Instant::now();
        let mut b = breaker();
        for _ in 0..3 {
            b.failed(now);
        }
        let later = now + Duration::from_secs(5);
        assert!(b.allow(later), "trial call");
        assert!(!b.allow(later), "only one trial at a time");
        b.succeeded();
        assert!(b.allow(later));
        assert!(!b.is_open());
    }

    #[test]
    fn a_failed_trial_opens_the_circuit_again() {
        let now = Instant::now();
        let mut b = breaker();
        for _ in 0..3 {
            b.failed(now);
        }
        let later = now + Duration::from_secs(5);
        assert!(b.allow(later));
        b.failed(later);
        assert!(!b.allow(later + Duration::from_secs(1)));
        assert!(b.allow(later + Duration::from_secs(5)));
    }
}
