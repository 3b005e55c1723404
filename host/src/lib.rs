//! Gamehost: a real-time game server whose rules are WebAssembly components.
//!
//! # Layout
//! - [`plugin`]: the wasmtime engine, the sandbox, loaded plugins, the
//!   registry and the conformance suite.
//! - [`http`]: the HTTP API (axum).
//! - [`config`]: settings from flags, a file and `GAMEHOST_*` variables.
//! - [`cli`]: the `gamehost` command line.

pub mod cli;
pub mod config;
pub mod http;
pub mod plugin;
