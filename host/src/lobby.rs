//! The lobby: rooms per game type that players gather in before a game
//! ([`rooms`]), and the quick-play queue that pairs waiting players
//! ([`queue`], by rating: [`matching`]).
//!
//! Rooms have a lifecycle: a room closes when its game starts (its members
//! move to the game), a member whose last socket closed leaves it when the
//! reconnection window ends, and an empty room is deleted. Rooms are kept
//! in memory and written through to the store, so a restart keeps the open
//! ones; the quick-play queue is not stored (its players are online by
//! definition, and come back to it after a restart).

pub mod matching;
pub mod names;
pub mod queue;
pub mod quick_play;
pub mod room;
pub mod rooms;
pub mod service;

pub use names::{lobby_room, members_room};
pub use queue::{LocalQueue, MatchQueue, Queued};
pub use rooms::CreateRoom;
pub use service::{LobbyLimits, LobbyService, Restored};
