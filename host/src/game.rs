//! Games: their lifecycle and the move pipeline, independent of transport.
//!
//! [`GameService`] takes requests from an authenticated user and answers
//! with the acknowledgement for the requester and the [`Delivery`]s for
//! everyone else; the realtime layer turns those into Socket.IO emits.

pub mod faces;
pub mod output;
pub use crate::records::game as record;
pub mod service;
pub mod views;
pub mod watchers;

pub use service::{GameService, TableSpec, everyone_in};
