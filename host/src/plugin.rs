//! Game rules as sandboxed WebAssembly components.
//!
//! - [`engine`]: the process's one wasmtime engine, its epoch ticker and the
//!   on-disk cache of compiled components.
//! - [`sandbox`]: what an instance can reach (closed WASI, the `host`
//!   interface) and its memory limiter.
//! - [`instance`]: a loaded plugin version and its fresh, limited instances.
//! - [`catalog`]: every published version, the active one of each game
//!   type, the loaded ones; publish, activate, roll back.
//! - [`health`]: each version's circuit breaker.
//! - [`watch`]: dev mode's watcher of the plugins folder.
//! - [`conformance`]: the checks of `gamehost plugin check`.

pub mod bindings;
pub mod catalog;
pub mod conformance;
pub mod engine;
pub mod health;
pub mod instance;
pub mod isolation;
pub mod limits;
pub mod sandbox;
pub mod watch;

pub use catalog::PluginCatalog;
pub use engine::PluginEngine;
pub use instance::{Instance, Plugin};
pub use limits::Limits;

pub(crate) use limits::error_chain;
