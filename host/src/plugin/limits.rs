//! The limits every plugin call runs under.

use std::time::Duration;

/// CPU, memory and output limits for plugin calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest a single call may run before it is interrupted.
    pub deadline: Duration,
    /// Most linear memory one instance may hold, in bytes.
    pub memory_bytes: usize,
    /// Largest state, view or move list one call may return, in bytes.
    pub output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Far above any sane call (well under a millisecond), so that a
            // loaded machine never fails an honest call; a runaway loop still
            // stops within a second.
            deadline: Duration::from_millis(1000),
            memory_bytes: 64 << 20,
            output_bytes: 1 << 20,
        }
    }
}
