//! A circuit breaker around calls to an outside service (MongoDB, Redis).
//!
//! Closed, calls go through and consecutive failures are counted; at the
//! threshold it opens, and for the cool-down every call fails at once with
//! a clear error instead of waiting on a dead service; then one call is let
//! through as a probe, and its success closes the breaker again. While it is
//! open the host reports itself unready (`/readyz`).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Consecutive failures that open the breaker.
const FAILURE_THRESHOLD: u32 = 3;
/// How long it stays open before a probe.
const COOL_DOWN: Duration = Duration::from_secs(3);

#[derive(Debug)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// A probe is out; others fail fast until it answers.
    Probing,
}

/// One breaker; clones share it.
#[derive(Clone)]
pub struct CircuitBreaker {
    name: &'static str,
    state: Arc<Mutex<State>>,
}

/// A call the breaker refused without trying.
#[derive(Debug, thiserror::Error)]
#[error("{0} is unavailable (circuit open; retrying shortly)")]
pub struct Open(pub &'static str);

impl CircuitBreaker {
    /// A closed breaker for the service called `name`.
    pub fn new(name: &'static str) -> Self {
        CircuitBreaker {
            name,
            state: Arc::new(Mutex::new(State::Closed { failures: 0 })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The service's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether calls are being refused now.
    pub fn is_open(&self) -> bool {
        match *self.lock() {
            State::Closed { .. } => false,
            State::Open { until } => Instant::now() < until,
            State::Probing => true,
        }
    }

    /// May a call go out now?
    fn admit(&self) -> Result<(), Open> {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Ok(()),
            State::Open { until } if Instant::now() >= until => {
                *state = State::Probing;
                Ok(())
            }
            State::Open { .. } | State::Probing => Err(Open(self.name)),
        }
    }

    /// Counts the outcome of an admitted call.
    fn record(&self, failed: bool) {
        let mut state = self.lock();
        let next = match (&*state, failed) {
            (_, false) => State::Closed { failures: 0 },
            (State::Closed { failures }, true) if failures + 1 < FAILURE_THRESHOLD => {
                State::Closed {
                    failures: failures + 1,
                }
            }
            (previous, true) => {
                if !matches!(previous, State::Open { .. }) {
                    tracing::error!(
                        service = self.name,
                        cool_down_ms = COOL_DOWN.as_millis() as u64,
                        "circuit opened: failing fast"
                    );
                }
                State::Open {
                    until: Instant::now() + COOL_DOWN,
                }
            }
        };
        if matches!(*state, State::Probing | State::Open { .. }) && !failed {
            tracing::info!(service = self.name, "circuit closed: service is back");
        }
        *state = next;
    }

    /// Runs `op` unless the breaker is open; `is_failure` says which errors
    /// count against the service (a refused compare-and-set does not).
    pub async fn run<T, E>(
        &self,
        op: impl Future<Output = Result<T, E>>,
        is_failure: impl Fn(&E) -> bool,
    ) -> Result<T, CallError<E>> {
        self.admit().map_err(CallError::Open)?;
        let result = op.await;
        self.record(matches!(&result, Err(e) if is_failure(e)));
        result.map_err(CallError::Failed)
    }
}

/// Why a call through the breaker failed.
#[derive(Debug)]
pub enum CallError<E> {
    /// Refused: the breaker is open.
    Open(Open),
    /// Tried, and failed.
    Failed(E),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opens_after_consecutive_failures_and_closes_after_a_good_probe() {
        let breaker = CircuitBreaker::new("test");
        let fail = || async { Err::<(), &str>("down") };
        for _ in 0..FAILURE_THRESHOLD {
            assert!(matches!(
                breaker.run(fail(), |_| true).await,
                Err(CallError::Failed(_))
            ));
        }
        assert!(breaker.is_open());
        // Refused without being tried.
        let tried = std::cell::Cell::new(false);
        let refused = breaker
            .run(
                async {
                    tried.set(true);
                    Ok::<(), &str>(())
                },
                |_| true,
            )
            .await;
        assert!(matches!(refused, Err(CallError::Open(_))));
        assert!(!tried.get());
        // After the cool-down one probe goes; its success closes.
        *breaker.lock() = State::Open {
            until: Instant::now(),
        };
        assert!(
            breaker
                .run(async { Ok::<(), &str>(()) }, |_| true)
                .await
                .is_ok()
        );
        assert!(!breaker.is_open());
    }

    #[tokio::test]
    async fn errors_that_are_answers_do_not_count() {
        let breaker = CircuitBreaker::new("test");
        for _ in 0..10 {
            let _ = breaker
                .run(async { Err::<(), &str>("conflict") }, |_| false)
                .await;
        }
        assert!(!breaker.is_open());
    }
}
