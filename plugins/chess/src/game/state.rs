//! A game in progress: the position plus what the rules need to remember
//! across moves, and how moves are checked and the end of the game found.
//!
//! The state is JSON-encoded and stored by the host after every move, so it
//! is kept small: the position as one FEN string, the move list, and the
//! repetition keys only since the last capture or pawn move (never more
//! than 101, since the fifty-move rule ends the game there).

use crate::board::{Color, Kind, Position, START_FEN, square_string};
use crate::game::uci::UciMove;
use crate::movegen::moves::MoveList;
use crate::movegen::{legal_moves, reaches};
use gamehost_sdk::MoveError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a game ended, in the terms the view shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameResult {
    /// The side that won; `None` for a draw.
    pub winner: Option<Color>,
    /// Why, in words: `checkmate`, `stalemate`, `white resigned`, ...
    pub reason: String,
}

impl GameResult {
    /// A win for `winner`.
    pub fn win(winner: Color, reason: impl Into<String>) -> Self {
        GameResult {
            winner: Some(winner),
            reason: reason.into(),
        }
    }

    /// A draw.
    pub fn draw(reason: impl Into<String>) -> Self {
        GameResult {
            winner: None,
            reason: reason.into(),
        }
    }
}

/// Everything needed to continue a game.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The current position, stored as FEN.
    #[serde(
        rename = "fen",
        serialize_with = "fen_out",
        deserialize_with = "fen_in"
    )]
    pub position: Position,
    /// The starting position, when it was not the standard one, so the
    /// move list can be replayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// Every move played, as UCI strings in JSON. Held parsed rather than
    /// as `String`s: a long game's history is decoded on every call, and
    /// parsing borrowed strings into `Copy` values allocates nothing.
    #[serde(default)]
    pub moves: Vec<UciMove>,
    /// Repetition keys ([`Position::key`]) of every position since the last
    /// capture or pawn move, the current one last.
    #[serde(default)]
    pub keys: Vec<u64>,
    /// Set once the game is over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<GameResult>,
}

fn fen_out<S: Serializer>(position: &Position, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&position.to_fen())
}

fn fen_in<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Position, D::Error> {
    let fen = String::deserialize(deserializer)?;
    Position::from_fen(&fen).map_err(serde::de::Error::custom)
}

impl State {
    /// A new game from the standard position, or from `fen`. Refuses an
    /// invalid FEN and a position in which the game is already over.
    pub fn new(fen: Option<&str>) -> Result<State, String> {
        let position = match fen {
            None => Position::startpos(),
            Some(text) => Position::from_fen(text).map_err(|e| e.to_string())?,
        };
        let normalized = position.to_fen();
        let state = State {
            position,
            start: (normalized != START_FEN).then_some(normalized),
            moves: Vec::new(),
            keys: vec![position.key()],
            result: None,
        };
        if let Some(result) = state.ending(&legal_moves(&position)) {
            return Err(format!(
                "the game would be over before it starts ({})",
                result.reason
            ));
        }
        Ok(state)
    }

    /// Plays `mv` for the side to move, or says why it is illegal. Records
    /// the result if the move ends the game.
    pub fn play(&mut self, mv: UciMove) -> Result<(), MoveError> {
        let legal = legal_moves(&self.position);
        let Some(&found) = legal.iter().find(|m| mv.matches(**m)) else {
            return Err(MoveError::Illegal(explain(&self.position, mv, &legal)));
        };
        self.position.play(found);
        self.moves.push(UciMove::from(found));
        if self.position.halfmove_clock() == 0 {
            // A capture or pawn move: no earlier position can recur.
            self.keys.clear();
        }
        self.keys.push(self.position.key());
        self.result = self.ending(&legal_moves(&self.position));
        Ok(())
    }

    /// How the game has ended, if it has, given the legal moves of the
    /// current position. Checkmate and stalemate come first: a mating move
    /// that also completes fifty moves or a repetition still mates.
    fn ending(&self, legal: &MoveList) -> Option<GameResult> {
        let pos = &self.position;
        if legal.is_empty() {
            return Some(if pos.in_check() {
                GameResult::win(pos.side_to_move().other(), "checkmate")
            } else {
                GameResult::draw("stalemate")
            });
        }
        if pos.insufficient_material() {
            return Some(GameResult::draw("insufficient material"));
        }
        if pos.halfmove_clock() >= 100 {
            return Some(GameResult::draw("fifty-move rule"));
        }
        let current = self.keys.last()?;
        if self.keys.iter().filter(|k| *k == current).count() >= 3 {
            return Some(GameResult::draw("threefold repetition"));
        }
        None
    }
}

/// Why `mv` (well formed, but not in `legal`) cannot be played, in words a
/// player can act on.
fn explain(pos: &Position, mv: UciMove, legal: &MoveList) -> String {
    let uci = mv.to_string();
    let from = square_string(mv.from);
    let us = pos.side_to_move();
    let Some(piece) = pos.piece_at(mv.from) else {
        return format!("{uci} is not a legal move: there is no piece on {from}");
    };
    if piece.color != us {
        return format!(
            "{uci} is not a legal move: the {} on {from} is {}'s, and it is {}'s turn",
            piece.kind.name(),
            piece.color.name(),
            us.name()
        );
    }
    if legal.iter().any(|m| m.from() == mv.from && m.to() == mv.to) {
        return match mv.promotion {
            None => format!(
                "{uci} promotes a pawn: add the new piece's letter (q, r, b or n), as in {uci}q"
            ),
            Some(_) => {
                format!("{uci} is not a legal move: only a pawn reaching the last rank promotes")
            }
        };
    }
    let last_rank = match us {
        Color::White => 7,
        Color::Black => 0,
    };
    if mv.promotion.is_some() && (piece.kind != Kind::Pawn || mv.to >> 3 != last_rank) {
        return format!("{uci} is not a legal move: only a pawn reaching the last rank promotes");
    }
    let home = match us {
        Color::White => 4,
        Color::Black => 60,
    };
    if piece.kind == Kind::King && mv.from == home && (mv.to == home + 2 || mv.to + 2 == home) {
        return explain_castling(pos, mv.to > mv.from);
    }
    if reaches(pos, mv.from, mv.to) {
        if pos.in_check() {
            format!("you are in check, and {uci} does not get your king out of it")
        } else {
            format!("{uci} would leave your king in check")
        }
    } else {
        format!("{uci} is not a legal move")
    }
}

fn explain_castling(pos: &Position, kingside: bool) -> String {
    let us = pos.side_to_move();
    let side = if kingside { "kingside" } else { "queenside" };
    let right = match (us, kingside) {
        (Color::White, true) => crate::board::castling::WHITE_KING,
        (Color::White, false) => crate::board::castling::WHITE_QUEEN,
        (Color::Black, true) => crate::board::castling::BLACK_KING,
        (Color::Black, false) => crate::board::castling::BLACK_QUEEN,
    };
    if pos.castling_rights() & right == 0 {
        return format!(
            "{} can no longer castle {side}: the king or that rook has moved",
            us.name()
        );
    }
    if pos.in_check() {
        return "you are in check, and cannot castle out of it".to_string();
    }
    let king = pos.king(us);
    let rook = if kingside { king + 3 } else { king - 4 };
    if crate::movegen::tables::between(king, rook) & pos.occupied() != 0 {
        return format!("cannot castle {side}: there are pieces between the king and the rook");
    }
    format!("cannot castle {side}: the king would pass through or land on an attacked square")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_through_json() {
        let mut state = State::new(None).unwrap_or_else(|e| panic!("{e}"));
        for mv in ["e2e4", "c7c5", "g1f3"] {
            let parsed: UciMove = mv.parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(state.play(parsed), Ok(()));
        }
        let json = serde_json::to_string(&state).unwrap_or_default();
        let back: State = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(back, state);
        assert!(!json.contains("start"), "{json}");
        assert!(!json.contains("result"), "{json}");
    }

    #[test]
    fn corrupt_state_fen_is_an_error_not_a_panic() {
        let json = r#"{"fen":"not a fen","moves":[],"keys":[]}"#;
        assert!(serde_json::from_str::<State>(json).is_err());
    }

    #[test]
    fn finished_positions_cannot_start() {
        // Black is mated.
        assert!(State::new(Some("R5k1/5ppp/8/8/8/8/8/6K1 b - - 0 1")).is_err());
        // Black is stalemated.
        assert!(State::new(Some("7k/5Q2/6K1/8/8/8/8/8 b - - 0 1")).is_err());
        assert!(State::new(Some("8/8/8/8/8/8/8/K1k5 w - - 0 1")).is_err());
        assert!(State::new(Some("7k/8/8/8/8/8/8/KQ6 w - - 100 80")).is_err());
    }
}
