//! Game rules as sandboxed WebAssembly components.
//!
//! - [`engine`]: the process's one wasmtime engine, its epoch ticker and the
//!   on-disk cache of compiled components.
//! - [`sandbox`]: what an instance can reach (closed WASI, the `host`
//!   interface) and its memory limiter.
//! - [`instance`]: a loaded plugin version and its fresh, limited instances.
//! - [`registry`]: every loaded plugin by game id and version.
//! - [`conformance`]: the checks of `gamehost plugin check`.

pub mod bindings;
pub mod conformance;
pub mod engine;
pub mod instance;
pub mod limits;
pub mod registry;
pub mod sandbox;

pub use engine::PluginEngine;
pub use instance::{Instance, Plugin};
pub use limits::Limits;
pub use registry::PluginRegistry;

/// An error and its causes on one line, for reports.
pub(crate) fn error_chain(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}
