//! A game as it is stored: everything but the live connections.

use gamehost_sdk::{Outcome, Phase, Seat};
use serde::{Deserialize, Serialize};

/// Where a game stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Seats are still free.
    Waiting,
    /// Every seat is taken; moves are being played.
    Active,
    /// Over.
    Finished,
}

impl Status {
    /// Lower-case name, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Waiting => "waiting",
            Status::Active => "active",
            Status::Finished => "finished",
        }
    }
}

/// A player in a seat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Player {
    /// User id.
    pub user_id: String,
    /// Display name.
    pub name: String,
}

/// A chess-style clock setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all_fields = "camelCase", untagged)]
pub enum TimeControl {
    /// A bank of time per player, plus an increment after each move.
    Fischer {
        /// Starting time per player, in ms.
        initial_ms: u64,
        /// Added to the mover's clock after each move, in ms.
        #[serde(default)]
        increment_ms: u64,
    },
    /// A limit on each move.
    PerMove {
        /// Time allowed for each move, in ms.
        per_move_ms: u64,
    },
}

/// A stored game.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GameRecord {
    /// Game id.
    pub id: String,
    /// Game type (the plugin's id).
    pub game_type: String,
    /// Version of the rules the game runs on, pinned at creation.
    pub plugin_version: String,
    /// sha256 of the component the game runs on.
    pub plugin_hash: String,
    /// Seed of all the game's randomness.
    pub seed: u64,
    /// Options the game was created with (JSON).
    pub options: String,
    /// Seats, in order; `None` while free.
    pub players: Vec<Option<Player>>,
    /// Whether spectators may watch.
    pub allow_spectators: bool,
    /// Clock setting, if any.
    pub time_control: Option<TimeControl>,
    /// Remaining time per seat (ms) as of `clock_started_at`.
    pub clocks: Vec<u64>,
    /// When the running clock started (ms since the epoch), if one runs.
    pub clock_started_at: Option<u64>,
    /// The rules' state, opaque.
    #[serde(skip)]
    pub state: Vec<u8>,
    /// The rules' phase after the last transition.
    pub phase: Phase,
    /// Waiting, active or finished.
    pub status: Status,
    /// Changes stored so far; the compare-and-set key.
    pub version: u64,
    /// Moves applied so far.
    pub ply: u64,
    /// A standing draw offer.
    #[serde(default, deserialize_with = "Offer::stored")]
    pub draw_offer: Option<Offer>,
    /// A standing rematch offer.
    #[serde(default, deserialize_with = "Offer::stored")]
    pub revenge_offer: Option<Offer>,
    /// Seats that forfeited a game that went on without them: they are
    /// never to move again, and an agreement (a draw) no longer needs them.
    #[serde(default)]
    pub forfeited: Vec<Seat>,
    /// The rematch, once accepted.
    pub rematch_id: Option<String>,
    /// Counts for ratings.
    #[serde(default)]
    pub rated: bool,
    /// Each seat's rating when the game started (rated games), for display.
    #[serde(default)]
    pub ratings: Vec<Option<f64>>,
    /// When created (ms since the epoch).
    pub created_at: u64,
    /// When last changed (ms since the epoch).
    pub updated_at: u64,
}

impl GameRecord {
    /// The seat `user_id` holds, if any.
    pub fn seat_of(&self, user_id: &str) -> Option<Seat> {
        self.players
            .iter()
            .position(|p| p.as_ref().is_some_and(|p| p.user_id == user_id))
            .map(|i| i as Seat)
    }

    /// The outcome, once finished.
    pub fn outcome(&self) -> Option<&Outcome> {
        match &self.phase {
            Phase::Finished(outcome) => Some(outcome),
            Phase::ToMove(_) => None,
        }
    }

    /// Seats to move now (none unless active).
    pub fn to_move(&self) -> Vec<Seat> {
        match (&self.phase, self.status) {
            (Phase::ToMove(seats), Status::Active) => seats.clone(),
            _ => Vec::new(),
        }
    }

    /// User ids of every seated player.
    pub fn user_ids(&self) -> impl Iterator<Item = &str> {
        self.players.iter().flatten().map(|p| p.user_id.as_str())
    }

    /// Seats still taking part: seated, and not forfeited.
    pub fn remaining_seats(&self) -> Vec<Seat> {
        (0..self.players.len() as Seat)
            .filter(|s| self.players[*s as usize].is_some() && !self.forfeited.contains(s))
            .collect()
    }
}

/// A standing offer between players (a draw, a rematch): who made it and
/// who has agreed so far. It is settled once every remaining seat agreed;
/// one refusal withdraws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    /// The seat that made it.
    pub by: Seat,
    /// Seats that agreed, the offering seat first.
    pub agreed: Vec<Seat>,
}

impl Offer {
    /// A new offer by `seat`.
    pub fn by(seat: Seat) -> Self {
        Offer {
            by: seat,
            agreed: vec![seat],
        }
    }

    /// The seats of `remaining` that have not agreed yet.
    pub fn waiting_for(&self, remaining: &[Seat]) -> Vec<Seat> {
        remaining
            .iter()
            .copied()
            .filter(|s| !self.agreed.contains(s))
            .collect()
    }

    /// Reads an offer as stored now, or as older records stored it (the
    /// offering seat alone).
    fn stored<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Offer>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Seat(Seat),
            Offer(Offer),
        }
        Ok(match Option::<Stored>::deserialize(d)? {
            None => None,
            Some(Stored::Seat(seat)) => Some(Offer::by(seat)),
            Some(Stored::Offer(offer)) => Some(offer),
        })
    }
}

/// One stored change of a game: a move, a seat taken, a forfeit.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoveRecord {
    /// The game's version this change produced.
    pub version: u64,
    /// What kind of change.
    pub kind: ChangeKind,
    /// The seat that acted.
    pub seat: Seat,
    /// The user who acted.
    pub user_id: String,
    /// The move (JSON), for moves.
    pub mv: Option<String>,
    /// Public events of the rules' transition.
    pub events: Vec<String>,
    /// The ply the move was applied at (its entropy derives from it).
    pub ply: u64,
    /// When (ms since the epoch).
    pub at: u64,
}

/// The kinds of stored change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A player took a seat.
    Join,
    /// A move.
    Move,
    /// A resignation.
    Resign,
    /// A flag on time.
    Timeout,
    /// Abandonment after the reconnection window.
    Abandon,
    /// A draw agreed by every player.
    Draw,
    /// Ended by an administrator.
    Abort,
    /// Nobody took the free seats in time.
    Expire,
}
