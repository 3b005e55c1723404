//! The rules through the byte-level contract, as the host calls them:
//! JSON moves in, transitions, views and refusals out.

use gamehost_chess::Chess;
use gamehost_sdk::testing::NativeRules;
use gamehost_sdk::{
    Context, Forfeit, MoveError, Outcome, Phase, Rules, Seat, Setup, Transition, Viewer,
};
use serde_json::Value;

/// A game under test: the rules and the latest transition.
struct Table {
    rules: NativeRules<Chess>,
    current: Transition,
    ply: u64,
}

impl Table {
    fn new() -> Table {
        Table::with_options("{}")
    }

    fn from_fen(fen: &str) -> Table {
        Table::with_options(&serde_json::json!({ "fen": fen }).to_string())
    }

    fn with_options(options: &str) -> Table {
        let mut rules = NativeRules::<Chess>::new();
        let current = match rules.start(&setup(options)) {
            Ok(Ok(t)) => t,
            other => panic!("start({options}) failed: {other:?}"),
        };
        Table {
            rules,
            current,
            ply: 0,
        }
    }

    fn to_move(&self) -> Seat {
        match &self.current.phase {
            Phase::ToMove(seats) if seats.len() == 1 => seats[0],
            other => panic!("no single seat to move: {other:?}"),
        }
    }

    /// Sends `json` for the seat to move.
    fn try_json(&mut self, json: &str) -> Result<Transition, MoveError> {
        let ctx = Context {
            seat: self.to_move(),
            ply: self.ply,
            entropy: 0,
        };
        match self.rules.apply(&self.current.state, &ctx, json) {
            Ok(result) => result,
            Err(fault) => panic!("apply({json}) faulted: {fault}"),
        }
    }

    fn try_move(&mut self, uci: &str) -> Result<Transition, MoveError> {
        self.try_json(&format!("\"{uci}\""))
    }

    /// Plays moves that must be accepted.
    fn play(&mut self, moves: &str) -> &mut Table {
        for uci in moves.split_whitespace() {
            match self.try_move(uci) {
                Ok(t) => {
                    self.current = t;
                    self.ply += 1;
                }
                Err(e) => panic!("{uci} refused: {e}"),
            }
        }
        self
    }

    fn view(&mut self) -> Value {
        let text = match self.rules.view(&self.current.state, Viewer::Spectator) {
            Ok(text) => text,
            Err(fault) => panic!("view faulted: {fault}"),
        };
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    fn fen(&mut self) -> String {
        self.view()["fen"].as_str().unwrap_or_default().to_string()
    }

    fn legal(&mut self, seat: Seat) -> Vec<String> {
        match self.rules.legal_moves(&self.current.state, seat) {
            Ok(moves) => moves,
            Err(fault) => panic!("legal-moves faulted: {fault}"),
        }
    }

    fn forfeit(&mut self, seat: Seat, why: Forfeit) -> Phase {
        match self.rules.forfeit(&self.current.state, seat, why) {
            Ok(t) => {
                self.current = t;
                self.current.phase.clone()
            }
            Err(fault) => panic!("forfeit faulted: {fault}"),
        }
    }

    fn illegal(&mut self, uci: &str) -> String {
        match self.try_move(uci) {
            Err(MoveError::Illegal(why)) => why,
            other => panic!("{uci}: expected an illegal-move refusal, got {other:?}"),
        }
    }
}

fn setup(options: &str) -> Setup {
    Setup {
        players: 2,
        options: options.into(),
        seed: 7,
    }
}

fn draw(reason: &str) -> Phase {
    Phase::Finished(Outcome::draw(reason))
}

#[test]
fn conforms() {
    gamehost_sdk::testing::assert_conforms::<Chess>();
}

#[test]
fn fools_mate() {
    let mut t = Table::new();
    t.play("f2f3 e7e5 g2g4");
    assert_eq!(t.current.phase, Phase::ToMove(vec![1]));
    t.play("d8h4");
    assert_eq!(
        t.current.phase,
        Phase::Finished(Outcome::winner(1, "checkmate"))
    );
    let view = t.view();
    assert_eq!(view["check"], true);
    assert_eq!(view["lastMove"], "d8h4");
    assert_eq!(view["result"]["winner"], "black");
    assert_eq!(view["result"]["reason"], "checkmate");
    assert!(t.legal(0).is_empty() && t.legal(1).is_empty());
    let ctx = Context {
        seat: 0,
        ply: 4,
        entropy: 0,
    };
    let after = t.rules.apply(&t.current.state, &ctx, "\"e2e4\"");
    assert_eq!(after.ok(), Some(Err(MoveError::Finished)));
}

#[test]
fn stalemate_is_a_draw() {
    let mut t = Table::from_fen("7k/8/8/8/8/8/6Q1/K7 w - - 0 1");
    t.play("g2g6");
    assert_eq!(t.current.phase, draw("stalemate"));
}

#[test]
fn threefold_repetition_by_knight_shuffles() {
    let mut t = Table::new();
    t.play("g1f3 g8f6 f3g1 f6g8 g1f3 g8f6 f3g1");
    assert_eq!(t.current.phase, Phase::ToMove(vec![1]));
    t.play("f6g8");
    assert_eq!(t.current.phase, draw("threefold repetition"));
}

#[test]
fn repetition_needs_the_same_castling_rights() {
    let mut t = Table::new();
    // The rook's trip loses white's kingside right: the start position's
    // placement recurs, but it is not the same position.
    t.play("g1f3 g8f6 h1g1 f6g8 g1h1 g8f6 f3g1 f6g8 g1f3 g8f6 f3g1 f6g8");
    assert_eq!(t.current.phase, Phase::ToMove(vec![0]));
    // The position after the rook came home, now for the third time.
    t.play("g1f3");
    assert_eq!(t.current.phase, draw("threefold repetition"));
}

#[test]
fn fifty_move_rule() {
    let mut t = Table::from_fen("7k/8/8/8/8/8/8/KR6 w - - 99 80");
    t.play("b1b2");
    assert_eq!(t.current.phase, draw("fifty-move rule"));

    // A pawn move resets the clock instead.
    let mut t = Table::from_fen("7k/8/8/8/8/8/P7/1R5K w - - 99 80");
    t.play("a2a3");
    assert_eq!(t.current.phase, Phase::ToMove(vec![1]));

    // Mate on the hundredth half-move is still mate.
    let mut t = Table::from_fen("7k/8/6K1/8/8/8/8/R7 w - - 99 80");
    t.play("a1a8");
    assert_eq!(
        t.current.phase,
        Phase::Finished(Outcome::winner(0, "checkmate"))
    );
}

#[test]
fn insufficient_material() {
    // White's king takes the last black piece: king and bishop against king.
    let mut t = Table::from_fen("k7/8/8/8/8/8/1n6/K1B5 w - - 0 1");
    t.play("a1b2");
    assert_eq!(t.current.phase, draw("insufficient material"));

    // A bishop takes the last knight: bishops on the same colour (both
    // dark) are a dead draw, on opposite colours the game goes on.
    let mut t = Table::from_fen("7k/8/5b2/6n1/8/8/8/2B4K w - - 0 1");
    t.play("c1g5");
    assert_eq!(t.current.phase, draw("insufficient material"));
    let mut t = Table::from_fen("7k/8/5b2/8/6n1/8/8/3B3K w - - 0 1");
    t.play("d1g4");
    assert_eq!(t.current.phase, Phase::ToMove(vec![1]));

    // A finished position cannot be the start.
    let mut rules = NativeRules::<Chess>::new();
    let refused = rules.start(&setup(r#"{"fen": "8/8/8/4k3/8/8/8/K7 w - - 0 1"}"#));
    assert!(matches!(refused, Ok(Err(why)) if why.contains("insufficient material")));
}

#[test]
fn en_passant() {
    let mut t = Table::new();
    t.play("e2e4 a7a6 e4e5 d7d5");
    assert_eq!(
        t.fen(),
        "rnbqkbnr/1pp1pppp/p7/3pP3/8/8/PPPP1PPP/RNBQKBNR w KQkq d6 0 3"
    );
    t.play("e5d6");
    assert_eq!(
        t.fen(),
        "rnbqkbnr/1pp1pppp/p2P4/8/8/8/PPPP1PPP/RNBQKBNR b KQkq - 0 3"
    );

    // One move late, the right is gone.
    let mut t = Table::new();
    t.play("e2e4 a7a6 e4e5 d7d5 h2h3 h7h6");
    assert!(t.illegal("e5d6").contains("e5d6"));

    // Taking en passant would expose the king along the rank.
    let mut t = Table::from_fen("8/8/8/8/R3pP1k/8/8/4K3 b - f3 0 1");
    assert!(!t.legal(1).contains(&"e4f3".to_string()));
    assert_eq!(t.illegal("e4f3"), "e4f3 would leave your king in check");
}

#[test]
fn castling() {
    let mut t = Table::new();
    t.play("e2e4 e7e5 g1f3 b8c6 f1c4 g8f6 e1g1");
    assert_eq!(
        t.fen(),
        "r1bqkb1r/pppp1ppp/2n2n2/4p3/2B1P3/5N2/PPPP1PPP/RNBQ1RK1 b kq - 5 4"
    );

    // Queenside, for black.
    let mut t = Table::from_fen("r3k3/8/8/8/8/8/8/4K3 b q - 0 1");
    t.play("e8c8");
    assert_eq!(t.fen(), "2kr4/8/8/8/8/8/8/4K3 w - - 1 2");

    // Through an attacked square (f1, by the rook on f8).
    let mut t = Table::from_fen("5rk1/8/8/8/8/8/8/4K2R w K - 0 1");
    assert!(t.illegal("e1g1").contains("attacked"));
    // Out of check.
    let mut t = Table::from_fen("4r1k1/8/8/8/8/8/8/4K2R w K - 0 1");
    assert!(t.illegal("e1g1").contains("check"));
    // Without the right.
    let mut t = Table::from_fen("6k1/8/8/8/8/8/8/4K2R w - - 0 1");
    assert!(t.illegal("e1g1").contains("can no longer castle"));
    // With a piece in the way.
    let mut t = Table::new();
    assert!(t.illegal("e1g1").contains("between"));
}

#[test]
fn promotion() {
    let mut t = Table::from_fen("8/P6k/8/8/8/8/8/K7 w - - 0 1");
    let legal = t.legal(0);
    for promo in ["a7a8q", "a7a8r", "a7a8b", "a7a8n"] {
        assert!(legal.contains(&format!("\"{promo}\"")), "{legal:?}");
    }
    assert!(t.illegal("a7a8").contains("a7a8q"));
    t.play("a7a8n");
    assert_eq!(t.fen(), "N7/7k/8/8/8/8/8/K7 b - - 0 1");

    let mut t = Table::from_fen("8/P6k/8/8/8/8/8/K7 w - - 0 1");
    t.play("a7a8q");
    assert_eq!(t.fen(), "Q7/7k/8/8/8/8/8/K7 b - - 0 1");
    let mut t = Table::new();
    assert!(t.illegal("e2e4q").contains("promotes"));
}

#[test]
fn malformed_moves() {
    let mut t = Table::new();
    for junk in [
        "\"e2\"",
        "\"e2e9\"",
        "\"xyzw\"",
        "\"e7e8k\"",
        "null",
        "42",
        "{}",
        "[\"e2e4\"]",
        "e2e4",
        "",
    ] {
        assert!(
            matches!(t.try_json(junk), Err(MoveError::Malformed(_))),
            "{junk}"
        );
    }
}

#[test]
fn illegal_moves_say_why() {
    let mut t = Table::new();
    assert_eq!(t.illegal("e2e5"), "e2e5 is not a legal move");
    assert!(t.illegal("e3e4").contains("no piece on e3"));
    assert!(t.illegal("e7e5").contains("black's"));
    assert!(t.illegal("e2e2").contains("not a legal move"));
    // In check, a move that does not answer it.
    t.play("e2e4 f7f6 d1h5");
    let why = t.illegal("a7a6");
    assert!(why.starts_with("you are in check"), "{why}");
    // A pinned piece.
    let mut t = Table::from_fen("4k3/4r3/8/8/8/8/4N3/4K3 w - - 0 1");
    assert_eq!(t.illegal("e2c3"), "e2c3 would leave your king in check");
    // Out of turn.
    let ctx = Context {
        seat: 1,
        ply: 0,
        entropy: 0,
    };
    let refused = t.rules.apply(&t.current.state, &ctx, "\"e7e6\"");
    assert_eq!(refused.ok(), Some(Err(MoveError::NotYourTurn)));
}

#[test]
fn timeout_against_a_lone_king_is_a_draw() {
    let fen = "7k/8/8/8/8/8/8/KQ6 w - - 0 1";
    // White flags; black has only its king and could never have won.
    assert_eq!(
        Table::from_fen(fen).forfeit(0, Forfeit::Timeout),
        draw("timeout vs insufficient material")
    );
    // Black flags; white has a queen.
    assert_eq!(
        Table::from_fen(fen).forfeit(1, Forfeit::Timeout),
        Phase::Finished(Outcome::winner(0, "black ran out of time"))
    );
    // Resigning always loses, even to a lone king.
    assert_eq!(
        Table::from_fen(fen).forfeit(0, Forfeit::Resign),
        Phase::Finished(Outcome::winner(1, "white resigned"))
    );
    let mut t = Table::new();
    assert_eq!(
        t.forfeit(1, Forfeit::Abandon),
        Phase::Finished(Outcome::winner(0, "black abandoned the game"))
    );
    assert_eq!(t.view()["result"]["reason"], "black abandoned the game");
    let mut t = Table::new();
    assert_eq!(
        t.forfeit(0, Forfeit::Timeout),
        Phase::Finished(Outcome::winner(1, "white ran out of time"))
    );
}

#[test]
fn black_to_move_from_fen_opens_with_seat_1() {
    let mut t = Table::from_fen("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1");
    assert_eq!(t.current.phase, Phase::ToMove(vec![1]));
    assert!(t.legal(0).is_empty());
    assert_eq!(t.legal(1).len(), 20);
    t.play("e7e5");
    let view = t.view();
    assert_eq!(view["turn"], "white");
    assert_eq!(
        view["startFen"],
        "rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1"
    );
}

#[test]
fn start_options() {
    let mut rules = NativeRules::<Chess>::new();
    let bad = rules.start(&setup(r#"{"fen": "not a position"}"#));
    assert!(matches!(bad, Ok(Err(why)) if why.contains("FEN")));
    let bad = rules.start(&setup(r#"{"fen": 3}"#));
    assert!(matches!(bad, Ok(Err(_))));
    // Unknown fields are ignored; a null fen means the standard position.
    let ok = rules.start(&setup(r#"{"fen": null, "clock": 300}"#));
    assert!(matches!(ok, Ok(Ok(_))));
    let info = rules.info().ok();
    let schema = info.and_then(|i| i.options_schema).unwrap_or_default();
    let schema: Value = serde_json::from_str(&schema).unwrap_or(Value::Null);
    assert_eq!(schema["properties"]["fen"]["type"], "string");
}

#[test]
fn view_and_legal_moves_at_the_start() {
    let mut t = Table::new();
    let view = t.view();
    assert_eq!(view["fen"], gamehost_chess::START_FEN);
    assert_eq!(view["turn"], "white");
    assert_eq!(view["check"], false);
    assert_eq!(view["moves"], serde_json::json!([]));
    assert_eq!(view["lastMove"], Value::Null);
    assert_eq!(view["result"], Value::Null);
    assert_eq!(t.legal(0).len(), 20);
    assert!(t.legal(1).is_empty());
    t.play("e2e4");
    assert_eq!(t.view()["moves"], serde_json::json!(["e2e4"]));
    // Every viewer sees the same thing.
    let views: Vec<String> = [
        Viewer::Seat(0),
        Viewer::Seat(1),
        Viewer::Spectator,
        Viewer::Omniscient,
    ]
    .into_iter()
    .map(|v| t.rules.view(&t.current.state, v).unwrap_or_default())
    .collect();
    assert!(views.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn state_stays_small() {
    let mut t = Table::new();
    t.play("e2e4 e7e5 g1f3 b8c6 f1b5 a7a6 b5a4 g8f6 e1g1 f8e7");
    let size = t.current.state.len();
    assert!(
        size < 400,
        "state is {size} bytes: {}",
        String::from_utf8_lossy(&t.current.state)
    );
}
