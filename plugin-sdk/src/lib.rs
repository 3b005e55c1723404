//! Write Gamehost game rules in Rust.
//!
//! A game is a type implementing [`Game`]: typed state and moves, with
//! serde doing the encoding. [`export_game!`] turns it into a WebAssembly
//! component that the Gamehost server loads; [`testing`] runs the same
//! checks as `gamehost plugin check`, natively, from `cargo test`.
//!
//! ```text
//! use gamehost_sdk::prelude::*;
//!
//! struct Nim;
//! impl Game for Nim { /* ... */ }
//! gamehost_sdk::export_game!(Nim);
//! ```
//!
//! # Layout
//! - [`types`]: the contract's values (seats, phases, outcomes, move errors).
//! - [`game`]: the [`Game`] trait and its adapter to the byte-level contract.
//! - [`rules`]: the byte-level contract ([`Rules`]) and plugin faults.
//! - [`conformance`]: the checks every rules component must pass.
//! - [`testing`]: runs a [`Game`] natively through those checks.
//! - [`rng`]: deterministic randomness.
//! - [`secrets`]: declared secrets in views, found and hidden.

pub mod conformance;
pub mod game;
pub mod rng;
pub mod rules;
pub mod secrets;
pub mod testing;
pub mod types;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod guest;

pub use game::{Game, NoOptions, Turn};
pub use rng::Rng;
pub use rules::{Fault, FaultKind, Rules};
pub use types::{
    Context, Forfeit, GameInfo, Information, MoveError, Outcome, Phase, Seat, Secrets, Setup,
    Transition, Viewer,
};

/// Re-exported so games need no direct serde dependency for their views.
pub use serde_json;

/// Everything a game crate usually needs.
pub mod prelude {
    pub use crate::{
        Forfeit, Game, GameInfo, Information, MoveError, NoOptions, Outcome, Phase, Rng, Seat,
        Secrets, Turn, Viewer,
    };
    pub use serde::{Deserialize, Serialize};
    pub use serde_json::json;
}

/// Severity of a line written with [`log`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    /// Very detailed tracing.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal information.
    Info,
    /// Something looks wrong.
    Warn,
    /// Something failed.
    Error,
}

/// Writes a line to the host's log (tagged with the plugin and version).
/// Outside a component (native tests) it writes to standard error.
pub fn log(level: LogLevel, message: &str) {
    #[cfg(target_arch = "wasm32")]
    guest::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("[{level:?}] {message}");
}

/// Exports a [`Game`] as the component's rules. Use it once, in the game
/// crate's `lib.rs`. Outside `wasm32` it expands to nothing, so the same
/// crate also builds natively for tests.
#[macro_export]
macro_rules! export_game {
    ($game:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type GamehostRules = $crate::guest::Component<$game>;
    $crate::guest::export!(GamehostRules with_types_in $crate::guest);
        };
    };
}
