//! The contract at the level of bytes and JSON: what the host calls across
//! the sandbox, and what the conformance checks drive.

use crate::types::{Context, Forfeit, GameInfo, MoveError, Seat, Setup, Transition, Viewer};
use std::fmt;

/// A call that failed inside the rules: a trap or panic, a deadline or
/// memory limit hit, or output the host refuses. Distinct from a refused
/// move, which is normal play.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Which limit or failure this was, for reports and metrics.
    pub kind: FaultKind,
    /// What happened, in words.
    pub message: String,
}

/// The kinds of plugin failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// The code trapped or panicked.
    Trap,
    /// The call ran past its CPU deadline.
    Deadline,
    /// The call tried to grow memory past its cap.
    Memory,
    /// The call returned something the host refuses (too large, not JSON,
    /// a seat out of range, a state that does not decode).
    BadOutput,
    /// The component could not be instantiated.
    Instantiate,
}

impl FaultKind {
    /// Stable lower-case name, used in metrics and JSON reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Trap => "trap",
            FaultKind::Deadline => "deadline",
            FaultKind::Memory => "memory",
            FaultKind::BadOutput => "bad-output",
            FaultKind::Instantiate => "instantiate",
        }
    }
}

impl Fault {
    /// A fault of `kind` with a message.
    pub fn new(kind: FaultKind, message: impl Into<String>) -> Self {
        Fault {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl std::error::Error for Fault {}

/// One game's rules, called the way the host calls a component. Every call
/// either returns the contract's answer or a [`Fault`].
pub trait Rules {
    /// `info` of the contract.
    fn info(&mut self) -> Result<GameInfo, Fault>;
    /// `start` of the contract.
    fn start(&mut self, setup: &Setup) -> Result<Result<Transition, String>, Fault>;
    /// `apply` of the contract.
    fn apply(
        &mut self,
        state: &[u8],
        ctx: &Context,
        mv: &str,
    ) -> Result<Result<Transition, MoveError>, Fault>;
    /// `view` of the contract.
    fn view(&mut self, state: &[u8], viewer: Viewer) -> Result<String, Fault>;
    /// `legal-moves` of the contract.
    fn legal_moves(&mut self, state: &[u8], seat: Seat) -> Result<Vec<String>, Fault>;
    /// `forfeit` of the contract.
    fn forfeit(&mut self, state: &[u8], seat: Seat, why: Forfeit) -> Result<Transition, Fault>;
}
