//! Runtime health of one plugin version: a circuit breaker over its recent
//! calls.
//!
//! Every call a game makes is counted, and every fault (trap, deadline,
//! memory, bad output). When the faults in the window reach the policy's
//! share of the calls, the breaker trips once; the catalog then takes the
//! version out of rotation for new games. Illegal moves are answers, not
//! faults, and do not count.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// When a version counts as failing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreakerPolicy {
    /// How far back calls count.
    pub window: Duration,
    /// Fewest calls in the window before the breaker may trip: a single
    /// early fault is not a failure rate.
    pub min_calls: u32,
    /// Share of faulty calls (0..=1) that trips the breaker.
    pub failure_ratio: f64,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            window: Duration::from_secs(60),
            min_calls: 10,
            failure_ratio: 0.5,
        }
    }
}

/// The calls and faults of one version in the current window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthCounts {
    /// Calls in the window.
    pub calls: u32,
    /// Faulty calls in the window.
    pub failures: u32,
    /// Faults since the version was loaded.
    pub total_failures: u64,
}

/// Most calls remembered; older ones fall out even inside the window.
const MAX_REMEMBERED: usize = 4096;

/// The breaker of one version.
#[derive(Debug, Default)]
pub struct Health {
    inner: Mutex<Window>,
}

#[derive(Debug, Default)]
struct Window {
    calls: VecDeque<(Instant, bool)>,
    failures: u32,
    total_failures: u64,
    tripped: bool,
}

impl Window {
    fn forget_before(&mut self, oldest: Instant) {
        while let Some(&(at, failed)) = self.calls.front() {
            if at > oldest && self.calls.len() <= MAX_REMEMBERED {
                break;
            }
            self.calls.pop_front();
            if failed {
                self.failures -= 1;
            }
        }
    }
}

impl Health {
    /// Counts one call; true when this call trips the breaker.
    pub fn record(&self, failed: bool, policy: &BreakerPolicy) -> bool {
        let now = Instant::now();
        let mut w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        w.calls.push_back((now, failed));
        if failed {
            w.failures += 1;
            w.total_failures += 1;
        }
        w.forget_before(now.checked_sub(policy.window).unwrap_or(now));
        let calls = w.calls.len() as u32;
        let failing = calls >= policy.min_calls.max(1)
            && f64::from(w.failures) >= policy.failure_ratio * f64::from(calls);
        if failing && !w.tripped {
            w.tripped = true;
            return true;
        }
        false
    }

    /// The counts as they stand.
    pub fn counts(&self) -> HealthCounts {
        let w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        HealthCounts {
            calls: w.calls.len() as u32,
            failures: w.failures,
            total_failures: w.total_failures,
        }
    }

    /// Closes the breaker and forgets the window (an admin put the version
    /// back into rotation).
    pub fn reset(&self) {
        let mut w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let total = w.total_failures;
        *w = Window {
            total_failures: total,
            ..Window::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> BreakerPolicy {
        BreakerPolicy {
            window: Duration::from_secs(60),
            min_calls: 4,
            failure_ratio: 0.5,
        }
    }

    #[test]
    fn trips_once_when_the_failure_share_is_reached() {
        let health = Health::default();
        let p = policy();
        assert!(!health.record(true, &p), "one fault is not a rate");
        assert!(!health.record(false, &p));
        assert!(!health.record(false, &p));
        assert!(health.record(true, &p), "2 of 4 trips at 0.5");
        assert!(!health.record(true, &p), "it trips only once");
        assert_eq!(health.counts().failures, 3);
        health.reset();
        assert_eq!(health.counts().calls, 0);
        assert_eq!(health.counts().total_failures, 3);
    }

    #[test]
    fn healthy_calls_keep_it_closed() {
        let health = Health::default();
        let p = policy();
        for i in 0..100 {
            assert!(!health.record(i % 10 == 0, &p));
        }
    }

    #[test]
    fn calls_outside_the_window_are_forgotten() {
        let health = Health::default();
        let p = BreakerPolicy {
            window: Duration::ZERO,
            ..policy()
        };
        for _ in 0..10 {
            assert!(!health.record(true, &p));
        }
        assert!(health.counts().calls <= 1);
    }
}
