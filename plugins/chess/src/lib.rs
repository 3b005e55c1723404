//! Chess rules for Gamehost.
//!
//! - Seats: seat 0 plays white, seat 1 black. A game started from a FEN with
//!   black to move opens with seat 1.
//! - Moves: UCI strings, sent as JSON strings: `"e2e4"`, `"e1g1"` (castling
//!   is the king's move), `"e7e8q"` (promotion piece `q`, `r`, `b` or `n`).
//! - Options: `{"fen": "..."}` to start from another position.
//! - The game ends by itself on checkmate, stalemate, the fifty-move rule
//!   (halfmove clock reaching 100), threefold repetition and insufficient
//!   material (no draw claims are needed), or when a player resigns,
//!   abandons or runs out of time. Running out of time against a lone king
//!   is a draw.
//!
//! # Layout
//! - [`board`]: the position and how a move changes it;
//!   [`board::fen`] reads (validated, never panics) and writes FEN;
//!   [`board::hash`] gives position keys for repetition detection.
//! - [`movegen`]: legal move generation and `perft`;
//!   [`movegen::tables`] holds the attack tables, built at compile time;
//!   [`movegen::moves`] the internal 16-bit move and a stack move list.
//! - [`game`]: what the host stores and clients send:
//!   [`game::state`] is the game state, move checking and game end;
//!   [`game::uci`] the client-facing move type.
//! - This file: the [`Game`] implementation, views and forfeits.

pub mod board;
pub mod movegen;

/// The game as the host sees it: stored state and client moves.
pub mod game {
    pub mod state;
    pub mod uci;
}

pub use board::fen::FenError;
pub use board::{Color, Kind, Piece, Position, START_FEN};
pub use game::state::{GameResult, State};
pub use game::uci::UciMove;
pub use movegen::{perft, perft_divide};

use gamehost_sdk::prelude::*;

/// The rules of chess.
pub struct Chess;

/// Setup options.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Options {
    /// The starting position in FEN; the standard position when absent.
    #[serde(default)]
    pub fen: Option<String>,
}

const OPTIONS_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "fen": {
      "type": "string",
      "description": "Starting position in Forsyth-Edwards Notation. The standard starting position when absent. If black is to move, seat 1 (black) moves first.",
      "examples": ["rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1"]
    }
  }
}"#;

/// The seat that plays `color`.
pub fn seat_of(color: Color) -> Seat {
    match color {
        Color::White => 0,
        Color::Black => 1,
    }
}

/// The colour `seat` plays.
pub fn color_of(seat: Seat) -> Color {
    if seat == 0 {
        Color::White
    } else {
        Color::Black
    }
}

fn outcome(result: &GameResult) -> Outcome {
    match result.winner {
        Some(color) => Outcome::winner(seat_of(color), result.reason.clone()),
        None => Outcome::draw(result.reason.clone()),
    }
}

impl Game for Chess {
    type State = State;
    type Move = UciMove;
    type Options = Options;

    fn info() -> GameInfo {
        GameInfo {
            id: "chess".into(),
            name: "Chess".into(),
            version: "1.0.0".into(),
            min_players: 2,
            max_players: 2,
            description: "Standard chess. Seat 0 plays white, seat 1 black. Moves are UCI \
                          strings such as \"e2e4\", \"e1g1\" (castling) or \"e7e8q\" (promotion). Checkmate, \
                          stalemate, threefold repetition, the fifty-move rule and insufficient material end \
                          the game automatically; a timeout against a lone king is a draw. Start from any \
                          position with the \"fen\" option."
                .into(),
            options_schema: Some(OPTIONS_SCHEMA.into()),
            information: Information::Perfect,
            example_moves: vec!["\"e2e4\"".into(), "\"e7e8q\"".into()],
        }
    }

    fn start(_players: u32, options: Options, _rng: &mut Rng) -> Result<State, String> {
        State::new(options.fen.as_deref())
    }

    fn phase(state: &State) -> Phase {
        match &state.result {
            Some(result) => Phase::Finished(outcome(result)),
            None => Phase::ToMove(vec![seat_of(state.position.side_to_move())]),
        }
    }

    fn apply(state: &mut State, mv: UciMove, turn: &mut Turn) -> Result<(), MoveError> {
        if state.result.is_some() {
            return Err(MoveError::Finished);
        }
        if turn.seat != seat_of(state.position.side_to_move()) {
            return Err(MoveError::NotYourTurn);
        }
        state.play(mv)
    }

    /// Everyone sees everything: chess has no hidden information.
    fn view(state: &State, _viewer: Viewer) -> serde_json::Value {
        let pos = &state.position;
        let result = state.result.as_ref().map(|r| {
            json!({
                "winner": r.winner,
                "draw": r.winner.is_none(),
                "reason": r.reason,
            })
        });
        json!({
            "fen": pos.to_fen(),
            "startFen": state.start.as_deref().unwrap_or(START_FEN),
            "turn": pos.side_to_move(),
            "check": pos.in_check(),
            "moves": state.moves,
            "lastMove": state.moves.last(),
            "result": result,
        })
    }

    fn legal_moves(state: &State, seat: Seat) -> Vec<UciMove> {
        if state.result.is_some() || seat != seat_of(state.position.side_to_move()) {
            return Vec::new();
        }
        movegen::legal_moves(&state.position)
            .iter()
            .map(|&m| UciMove::from(m))
            .collect()
    }

    /// A resignation or abandonment loses. Running out of time loses too,
    /// unless the opponent has only a king left and so could never have
    /// mated: then it is a draw.
    fn forfeit(state: &mut State, seat: Seat, why: Forfeit, _players: u32) -> Option<Outcome> {
        let loser = color_of(seat);
        let winner = loser.other();
        let result = if why == Forfeit::Timeout && state.position.has_only_king(winner) {
            GameResult::draw("timeout vs insufficient material")
        } else {
            GameResult::win(winner, format!("{} {why}", loser.name()))
        };
        let outcome = outcome(&result);
        state.result = Some(result);
        Some(outcome)
    }
}

#[cfg(feature = "component")]
gamehost_sdk::export_game!(Chess);
