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

/// An error and its causes on one line, for reports.
pub(crate) fn error_chain(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// What one compile may use.
#[derive(Clone, Debug)]
pub struct CompileBudget {
    /// The binary that compiles (this one).
    pub program: std::path::PathBuf,
    /// Most memory the compiling process may hold, in bytes.
    pub memory_bytes: u64,
    /// Longest a compile may take.
    pub time: Duration,
    /// The memory cap of instances, which is part of the engine's settings
    /// (the child must build the same engine for its output to be usable).
    pub instance_memory_bytes: usize,
}
