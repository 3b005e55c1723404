//! Runs a [`Game`] natively through the conformance checks, so a designer's
//! `cargo test` catches what `gamehost plugin check` would.
//!
//! ```text
//! #[test]
//! fn conforms() {
//!     gamehost_sdk::testing::assert_conforms::<MyGame>();
//! }
//! ```
//!
//! A panic in the rules counts as a trap, as it would in the sandbox. Limits
//! that only the sandbox enforces (CPU deadline, memory cap, imports) are
//! checked by `gamehost plugin check` on the built component.

use crate::conformance::{self, CheckOptions, Report};
use crate::game::{self, Game, RulesFault};
use crate::rules::{Fault, FaultKind, Rules};
use crate::types::{Context, Forfeit, GameInfo, MoveError, Seat, Setup, Transition, Viewer};
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A [`Game`] called through the byte-level contract, in this process.
pub struct NativeRules<G>(PhantomData<G>);

impl<G: Game> NativeRules<G> {
    /// The rules of `G`.
    pub fn new() -> Self {
        NativeRules(PhantomData)
    }
}

impl<G: Game> Default for NativeRules<G> {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs `call`, turning a panic into a trap and a [`RulesFault`] into bad output.
fn guarded<T>(call: impl FnOnce() -> Result<T, RulesFault>) -> Result<T, Fault> {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(fault)) => Err(Fault::new(FaultKind::BadOutput, fault.0)),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panicked".to_string());
            Err(Fault::new(FaultKind::Trap, format!("panicked: {message}")))
        }
    }
}

impl<G: Game> Rules for NativeRules<G> {
    fn info(&mut self) -> Result<GameInfo, Fault> {
        guarded(|| Ok(G::info()))
    }

    fn start(&mut self, setup: &Setup) -> Result<Result<Transition, String>, Fault> {
        guarded(|| Ok(game::start::<G>(setup)))
    }

    fn apply(
        &mut self,
        state: &[u8],
        ctx: &Context,
        mv: &str,
    ) -> Result<Result<Transition, MoveError>, Fault> {
        guarded(|| game::apply::<G>(state, ctx, mv))
    }

    fn view(&mut self, state: &[u8], viewer: Viewer) -> Result<String, Fault> {
        guarded(|| game::view::<G>(state, viewer))
    }

    fn legal_moves(&mut self, state: &[u8], seat: Seat) -> Result<Vec<String>, Fault> {
        guarded(|| game::legal_moves::<G>(state, seat))
    }

    fn forfeit(&mut self, state: &[u8], seat: Seat, why: Forfeit) -> Result<Transition, Fault> {
        guarded(|| game::forfeit::<G>(state, seat, why))
    }
}

/// Runs every conformance check on `G` and returns the report.
pub fn check<G: Game + 'static>(options: &CheckOptions) -> Report {
    let mut instances =
        |_seed: u64| -> Result<Box<dyn Rules>, Fault> { Ok(Box::new(NativeRules::<G>::new())) };
    conformance::run(&mut instances, options)
}

/// The options [`assert_conforms`] runs with: the checks of
/// `gamehost plugin check` on a 3-second budget (native calls are fast), under
/// a fresh seed, or the one in `GAMEHOST_CHECK_SEED` to replay a failure.
pub fn test_options() -> CheckOptions {
    let options = CheckOptions {
        time: std::time::Duration::from_secs(3),
        ..CheckOptions::default()
    };
    match std::env::var("GAMEHOST_CHECK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => options.with_seed(seed),
        None => options,
    }
}

/// Runs every conformance check on `G` and panics with the report (and the
/// seed that replays it) if any fails.
pub fn assert_conforms<G: Game + 'static>() {
    let report = check::<G>(&test_options());
    assert!(
        report.passed(),
        "conformance failed (replay with GAMEHOST_CHECK_SEED={}):\n{report}",
        report.seed
    );
}
