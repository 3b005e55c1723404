//! Gamehost: a real-time game server whose rules are WebAssembly components.
//!
//! # Layout
//! - [`plugin`]: the wasmtime engine, the sandbox, the plugin catalog
//!   (publish, activate, roll back, breakers) and the conformance suite.
//! - [`admin`]: bans, announcements and the audit log.
//! - [`game`]: games and the move pipeline, knowing nothing of transport.
//! - [`store`]: persistence behind a compare-and-set trait (SQLite built
//!   in, MongoDB for a cluster).
//! - [`breaker`]: circuit breakers around outside services.
//! - [`cluster`]: what nodes share through Redis (scheduler, plugin
//!   announcements).
//! - [`lobby`]: lobby rooms and the quick-play queue.
//! - [`auth`]: tokens and roles.
//! - [`realtime`]: the Socket.IO handlers.
//! - [`http`]: the HTTP API (axum), the accept loop with its timeouts, and
//!   admission (connection caps, per-address budgets).
//! - [`logging`]: log lines a flood cannot multiply.
//! - [`config`]: settings from flags, a file and `GAMEHOST_*` variables.
//! - [`cli`]: the `gamehost` command line.

pub mod admin;
pub mod base;
pub mod auth;
pub mod breaker;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod game;
pub mod http;
pub mod lobby;
pub mod logging;
pub mod metrics;
pub mod plugin;
pub mod realtime;
pub mod records;
pub mod store;
