//! Tournaments for any game whose rules are loaded: formats, pairing,
//! standings, and the service that runs them over the game service.
//!
//! - [`pairing`] and [`standings`]: pure, separately tested.
//! - [`settings`]: what a tournament is created with, checked.
//! - [`service`]: registration, withdrawal, spectating, reads.
//! - [`rounds`]: the step that starts a tournament, collects results,
//!   forfeits no-shows, pairs the next round and ends it.
//! - [`effects`]: what a stored step then does: games created, players
//!   told, no-shows forfeited.
//! - [`view`]: what anyone may see, standings included.

pub mod effects;
pub mod pairing;
pub mod rounds;
pub mod service;
pub mod settings;
pub mod standings;
pub mod view;

pub use service::{TournamentService, TournamentSettings, tournament_room};
pub use settings::CreateTournament;
