//! A tournament as it is stored: its settings, its players, and every
//! round's games with their results. Standings are computed from it.

use super::game::TimeControl;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How players meet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Format {
    /// Everyone meets everyone (twice when `double`).
    RoundRobin {
        /// Two cycles, seats swapped in the second.
        #[serde(default)]
        double: bool,
    },
    /// Single elimination.
    Knockout {
        /// What a drawn match leads to.
        #[serde(default)]
        draws: DrawRule,
    },
    /// A fixed number of rounds, paired by score.
    Swiss {
        /// How many rounds.
        rounds: u32,
    },
    /// Pairing at once for whoever is free, for `minutes`.
    Arena {
        /// How long it runs.
        minutes: u32,
    },
    /// Games of 3 or more seats: rounds of tables, points by placement.
    Tables {
        /// How many rounds.
        rounds: u32,
        /// Seats per table (default: the game's minimum player count).
        #[serde(default)]
        seats: Option<u32>,
    },
}

impl Format {
    /// Its name, as sent.
    pub fn kind(&self) -> &'static str {
        match self {
            Format::RoundRobin { .. } => "round-robin",
            Format::Knockout { .. } => "knockout",
            Format::Swiss { .. } => "swiss",
            Format::Arena { .. } => "arena",
            Format::Tables { .. } => "tables",
        }
    }
}

/// What a drawn knockout match leads to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DrawRule {
    /// Play again with seats swapped (up to three replays; then the higher
    /// seed goes through).
    #[default]
    Rematch,
    /// The higher seed goes through.
    HigherSeed,
}

/// Where a tournament stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TournamentStatus {
    /// Taking registrations.
    Registering,
    /// Rounds are being played.
    Running,
    /// Over (or cancelled).
    Finished,
}

/// A registered player.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entrant {
    /// User id.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// Rating when the tournament started (seeding).
    pub rating: f64,
    /// Withdrew after the start: not paired again, remaining games lost.
    #[serde(default)]
    pub withdrawn: bool,
}

/// One game of a round (or, in an arena, one game of the tournament).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pairing {
    /// The game's id; `None` when decided without play (a withdrawn player's
    /// game, a knockout replay limit).
    pub game_id: Option<String>,
    /// Entrant indexes in seat order.
    pub players: Vec<usize>,
    /// Each seat's half points (two-player: 2 a win, 1 a draw, 0 a loss;
    /// tables: by placement), once decided.
    pub half_points: Option<Vec<u32>>,
    /// The knockout place the winner takes in the next round.
    #[serde(default)]
    pub slot: Option<usize>,
    /// When it was paired (ms since the epoch).
    pub paired_at: u64,
}

/// One round.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Round {
    /// 1-based.
    pub number: u32,
    /// Its games.
    pub games: Vec<Pairing>,
    /// Who sat it out, worth a win (tables: a middle placement).
    pub byes: Vec<usize>,
    /// When it was paired.
    pub started_at: u64,
}

/// A stored tournament.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TournamentRecord {
    /// Its id.
    pub id: String,
    /// Compare-and-set version.
    pub version: u64,
    /// Its name.
    pub name: String,
    /// The game type every game is played with.
    pub game_type: String,
    /// Options for the rules.
    #[serde(default)]
    pub options: Option<Value>,
    /// Clock of every game.
    #[serde(default)]
    pub time_control: Option<TimeControl>,
    /// The format and its parameters.
    pub format: Format,
    /// Whether its games count for ratings.
    pub rated: bool,
    /// Most players.
    pub max_players: u32,
    /// argon2 hash of the password, if any.
    #[serde(default)]
    pub password_hash: Option<String>,
    /// When it starts (ms since the epoch), if set.
    #[serde(default)]
    pub starts_at: Option<u64>,
    /// Starts as soon as `max_players` have registered.
    pub start_when_full: bool,
    /// How long a paired player may stay away before losing the game, ms.
    pub no_show_ms: u64,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: u64,
    /// Where it stands.
    pub status: TournamentStatus,
    /// Players, in registration order until the start, then by seed.
    pub players: Vec<Entrant>,
    /// The rounds (an arena has one, its games appended as they start).
    pub rounds: Vec<Round>,
    /// Knockout: the current round's line-up (entrant indexes, `None` a bye).
    #[serde(default)]
    pub line: Vec<Option<usize>>,
    /// Arena: when it ends.
    #[serde(default)]
    pub ends_at: Option<u64>,
    /// When it ended.
    #[serde(default)]
    pub finished_at: Option<u64>,
    /// Why it ended without a winner (too few players), if it did.
    #[serde(default)]
    pub cancelled: Option<String>,
}

impl TournamentRecord {
    /// The entrant index of `user_id`.
    pub fn entrant(&self, user_id: &str) -> Option<usize> {
        self.players.iter().position(|p| p.user_id == user_id)
    }

    /// Every game id of every round.
    pub fn game_ids(&self) -> impl Iterator<Item = &str> {
        self.rounds
            .iter()
            .flat_map(|r| &r.games)
            .filter_map(|g| g.game_id.as_deref())
    }
}
