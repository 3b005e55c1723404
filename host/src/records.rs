//! What is stored, as plain records: games and their change logs, plugin
//! versions and choices, admin decisions, tournaments, ratings. Below the store (which reads and
//! writes them) and the services (which own what they mean).

pub mod admin;
pub mod game;
pub mod plugin;
pub mod rating;
pub mod tournament;
