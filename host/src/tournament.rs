//! Tournaments for any game whose rules are loaded: formats, pairing,
//! standings, and the service that runs them over the game service.

pub mod pairing;
pub mod standings;
