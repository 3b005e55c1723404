//! Gamehost: a real-time game server whose rules are WebAssembly components.
//!
//! # Layout
//!
//! Layers, each using only those below it (no module imports one above
//! it, and no file imports another that imports it back):
//!
//! 1. Foundations, knowing nothing of games:
//!    - [`base`]: the clock, the error codes every request may answer, the
//!      outbox services fill (`Reply`, `Delivery`, `Audience`), the deadline
//!      scheduler.
//!    - [`records`]: what is stored, as plain records (games and their change
//!      logs, plugin versions and choices, admin decisions).
//!    - [`auth`]: tokens, roles and display names.
//!    - [`breaker`]: circuit breakers around outside services.
//!    - [`metrics`]: the Prometheus registry.
//!    - [`logging`]: log lines a flood cannot multiply.
//! 2. [`store`]: persistence of the records behind compare-and-set traits
//!    (SQLite built in, MongoDB for a cluster).
//! 3. [`plugin`]: the wasmtime engine, the sandbox, compiling within a
//!    budget, the catalog of versions (publish, activate, roll back,
//!    breakers) and the conformance suite.
//! 4. Services, knowing nothing of transport:
//!    - [`game`]: games, seating, the move pipeline, offers, spectators,
//!      deadlines, each game's last rendered face.
//!    - [`lobby`]: lobby rooms and quick play.
//!    - [`admin`]: bans, announcements and the audit log.
//!    - [`rating`]: Glicko-2 and Weng-Lin ratings, leaderboards.
//!    - [`tournament`]: tournaments (formats, pairing, standings) over the
//!      game service.
//! 5. Transports and the cluster's implementations of the traits below:
//!    - [`realtime`]: the Socket.IO handlers.
//!    - [`http`]: the HTTP API (axum), the accept loop with its timeouts,
//!      admission (connection caps, per-address budgets).
//!    - [`cluster`]: what nodes share through Redis (rooms, scheduler,
//!      presence, spectators, queues, rate limit, game cache, plugin
//!      announcements).
//! 6. Composition: [`config`] (settings from flags, a file and `GAMEHOST_*`
//!    variables) and [`cli`] (the `gamehost` command line, `serve` wiring
//!    it all).
//!
//! ARCHITECTURE.md at the repository root draws the layers and the move
//! pipeline.

pub mod admin;
pub mod auth;
pub mod base;
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
pub mod rating;
pub mod realtime;
pub mod records;
pub mod store;
pub mod tournament;
