//! The contract's types, as plain Rust values.
//!
//! They mirror `wit/0.2.0/plugin.wit` one to one; the WIT file documents the
//! meaning of every field. Values from components built against 0.1.0 are
//! converted up by the host (an undeclared [`Information`], no example
//! moves). The host uses the same types, so a value means the same thing on
//! both sides of the sandbox.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A 0-based seat of a player in one game.
pub type Seat = u32;

/// What a rules component says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GameInfo {
    /// Stable game-type id: lowercase letters, digits and `-`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Semantic version of the rules.
    pub version: String,
    /// Fewest players a game can start with.
    pub min_players: u32,
    /// Most players a game can start with.
    pub max_players: u32,
    /// One paragraph describing the game.
    pub description: String,
    /// JSON Schema of the options `start` accepts, if any.
    pub options_schema: Option<String>,
    /// Whether some of the game is hidden from some viewers, and where.
    #[serde(default)]
    pub information: Information,
    /// Moves as a client sends them, each a JSON document; the conformance
    /// suite tries every one in every position it reaches.
    #[serde(default)]
    pub example_moves: Vec<String>,
}

impl GameInfo {
    /// The declared secrets, when the game declares hidden information.
    pub fn secrets(&self) -> Option<&Secrets> {
        match &self.information {
            Information::Hidden(secrets) => Some(secrets),
            _ => None,
        }
    }
}

/// What of a game not every viewer may see.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Information {
    /// Not declared: what components built against contract 0.1.0 report.
    /// The conformance suite runs no leak checks on such a game.
    #[default]
    Undeclared,
    /// Nothing is hidden: every viewer may see the whole game.
    Perfect,
    /// Some of the game is private to a seat or hidden from every player.
    Hidden(Secrets),
}

/// Where the omniscient view keeps what not every viewer may see: JSON
/// Pointers into it, where the segment `{seat}` stands for the owning seat
/// and `*` for any one key or index.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secrets {
    /// Each seat's own secrets, shown to that seat alone (`/hands/{seat}`).
    #[serde(default)]
    pub seat_private: Vec<String>,
    /// What no player sees until the rules reveal it (`/deck`).
    #[serde(default)]
    pub hidden: Vec<String>,
}

impl Secrets {
    /// Secrets private to each seat at these pointers.
    pub fn seat_private(pointers: &[&str]) -> Self {
        Secrets {
            seat_private: pointers.iter().map(|p| p.to_string()).collect(),
            hidden: Vec::new(),
        }
    }

    /// Adds pointers to what no player sees.
    pub fn and_hidden(mut self, pointers: &[&str]) -> Self {
        self.hidden.extend(pointers.iter().map(|p| p.to_string()));
        self
    }
}

/// How to set up a new game.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setup {
    /// Number of players.
    pub players: u32,
    /// Options as a JSON document.
    pub options: String,
    /// The game's seed, chosen by the host.
    pub seed: u64,
}

/// Who is acting, and the randomness they may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// The seat making the move.
    pub seat: Seat,
    /// Number of moves applied before this one.
    pub ply: u64,
    /// Randomness derived by the host from the game's seed and `ply`.
    pub entropy: u64,
}

/// How a finished game ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Seats that won (empty on a draw).
    pub winners: Vec<Seat>,
    /// True on a draw.
    pub draw: bool,
    /// Final score per seat, in seat order; empty when the game keeps no score.
    pub scores: Vec<i64>,
    /// Why the game ended, in words.
    pub reason: String,
}

impl Outcome {
    /// One seat wins.
    pub fn winner(seat: Seat, reason: impl Into<String>) -> Self {
        Outcome {
            winners: vec![seat],
            reason: reason.into(),
            ..Outcome::default()
        }
    }

    /// Nobody wins.
    pub fn draw(reason: impl Into<String>) -> Self {
        Outcome {
            draw: true,
            reason: reason.into(),
            ..Outcome::default()
        }
    }
}

/// Whose turn it is, or how the game ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Phase {
    /// These seats may move now (several: simultaneous moves).
    ToMove(Vec<Seat>),
    /// The game is over.
    Finished(Outcome),
}

impl Phase {
    /// True once the game is over.
    pub fn is_finished(&self) -> bool {
        matches!(self, Phase::Finished(_))
    }

    /// True when `seat` may move now.
    pub fn may_move(&self, seat: Seat) -> bool {
        matches!(self, Phase::ToMove(seats) if seats.contains(&seat))
    }
}

/// The result of a successful `start`, `apply` or `forfeit`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The new state, opaque to the host.
    pub state: Vec<u8>,
    /// The phase after this transition.
    pub phase: Phase,
    /// Public events of this transition, each a JSON document.
    pub events: Vec<String>,
}

/// Who is looking at the game.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "seat", rename_all = "kebab-case")]
pub enum Viewer {
    /// A player, who sees their own hidden information.
    Seat(Seat),
    /// Anyone watching: public information only.
    Spectator,
    /// Everything.
    Omniscient,
}

/// Why a move was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "reason", rename_all = "kebab-case")]
pub enum MoveError {
    /// Not a valid JSON move of this game.
    Malformed(String),
    /// Well formed, but against the rules.
    Illegal(String),
    /// The seat may not move now.
    NotYourTurn,
    /// The game is already over.
    Finished,
}

impl MoveError {
    /// A move against the rules, with the reason in words.
    pub fn illegal(reason: impl Into<String>) -> Self {
        MoveError::Illegal(reason.into())
    }
}

impl fmt::Display for MoveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoveError::Malformed(why) => write!(f, "malformed move: {why}"),
            MoveError::Illegal(why) => write!(f, "illegal move: {why}"),
            MoveError::NotYourTurn => f.write_str("not your turn"),
            MoveError::Finished => f.write_str("the game is over"),
        }
    }
}

impl std::error::Error for MoveError {}

/// Why a seat leaves a game before its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Forfeit {
    /// The player gave up.
    Resign,
    /// The player's clock ran out.
    Timeout,
    /// The player left and did not come back in time.
    Abandon,
}

impl fmt::Display for Forfeit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Forfeit::Resign => "resigned",
            Forfeit::Timeout => "ran out of time",
            Forfeit::Abandon => "abandoned the game",
        })
    }
}
