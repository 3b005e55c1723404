//! A player's rating in one game type.

use serde::{Deserialize, Serialize};

/// Which system a rating is kept in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RatingSystem {
    /// Glicko-2, for two-player games.
    Glicko2,
    /// Weng-Lin (OpenSkill), for games of three or more seats, on the same
    /// 1500 scale.
    WengLin,
}

/// A stored rating.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RatingRecord {
    /// The player.
    pub user_id: String,
    /// Their name when last rated.
    pub name: String,
    /// The game type.
    pub game_type: String,
    /// The system.
    pub system: RatingSystem,
    /// The rating.
    pub rating: f64,
    /// Its deviation (Glicko-2's RD, Weng-Lin's uncertainty).
    pub deviation: f64,
    /// Glicko-2's volatility (unused by Weng-Lin).
    pub volatility: f64,
    /// Rated games played.
    pub games: u32,
    /// Last change (ms since the epoch).
    pub updated_at: u64,
}
