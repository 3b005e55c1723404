//! Games: their lifecycle and the move pipeline, independent of transport.
//!
//! [`GameService`] takes requests from an authenticated user and answers
//! with the acknowledgement for the requester and the [`Delivery`]s for
//! everyone else; the realtime layer turns those into Socket.IO emits.

pub mod error;
pub mod faces;
pub mod record;
pub mod scheduler;
pub mod service;
pub mod views;
pub mod watchers;

pub use error::{ErrorCode, GameError};
pub use service::{Audience, Delivery, GameService, Reply, everyone_in};
