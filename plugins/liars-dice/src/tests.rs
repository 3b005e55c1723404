//! Tests through the byte-level contract, as the host calls the rules.

use super::*;
use gamehost_sdk::serde_json::{self, Value};
use gamehost_sdk::testing::NativeRules;
use gamehost_sdk::{Context, Rules, Setup, Transition};

/// A game driven through [`NativeRules`], one move at a time.
struct Play {
    rules: NativeRules<LiarsDice>,
    t: Transition,
    ply: u64,
}

impl Play {
    fn start(players: u32, options: &str, seed: u64) -> Self {
        let mut rules = NativeRules::<LiarsDice>::new();
        let setup = Setup {
            players,
            options: options.into(),
            seed,
        };
        let t = rules.start(&setup).unwrap().unwrap();
        Play { rules, t, ply: 0 }
    }

    /// Applies `mv` for `seat` with entropy derived from the ply; on success
    /// returns the move's events, parsed.
    fn mv(&mut self, seat: Seat, mv: &str) -> Result<Vec<Value>, MoveError> {
        let ctx = Context {
            seat,
            ply: self.ply,
            entropy: 0xD1CE ^ self.ply,
        };
        let t = self.rules.apply(&self.t.state, &ctx, mv).unwrap()?;
        self.ply += 1;
        self.t = t;
        Ok(self
            .t
            .events
            .iter()
            .map(|e| serde_json::from_str(e).unwrap())
            .collect())
    }

    fn bid(&mut self, seat: Seat, count: u32, face: u8) -> Result<Vec<Value>, MoveError> {
        self.mv(
            seat,
            &json!({ "bid": { "count": count, "face": face } }).to_string(),
        )
    }

    fn call(&mut self, seat: Seat) -> Result<Vec<Value>, MoveError> {
        self.mv(seat, r#"{"call": "liar"}"#)
    }

    fn forfeit(&mut self, seat: Seat) {
        self.t = self
            .rules
            .forfeit(&self.t.state, seat, Forfeit::Resign)
            .unwrap();
    }

    fn view(&mut self, viewer: Viewer) -> Value {
        serde_json::from_str(&self.rules.view(&self.t.state, viewer).unwrap()).unwrap()
    }

    /// Every seat's dice, from the omniscient view.
    fn dice(&mut self) -> Vec<Vec<u8>> {
        let view = self.view(Viewer::Omniscient);
        view["players"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| serde_json::from_value(p["dice"].clone()).unwrap())
            .collect()
    }

    fn counts(&mut self) -> Vec<u64> {
        let view = self.view(Viewer::Spectator);
        view["players"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["dice_count"].as_u64().unwrap())
            .collect()
    }
}

fn illegal(result: Result<Vec<Value>, MoveError>) -> bool {
    matches!(result, Err(MoveError::Illegal(_)))
}

/// How many of `dice` show `face`.
fn showing(dice: &[Vec<u8>], face: u8) -> u32 {
    dice.iter().flatten().filter(|&&d| d == face).count() as u32
}

/// Every object key anywhere in `value`.
fn keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                keys(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

fn has_key(value: &Value, key: &str) -> bool {
    let mut all = Vec::new();
    keys(value, &mut all);
    all.iter().any(|k| k == key)
}

#[test]
fn bids_must_increase() {
    let mut p = Play::start(2, "{}", 1);
    assert!(p.bid(0, 2, 3).is_ok());
    assert!(illegal(p.bid(1, 2, 3)), "an equal bid");
    assert!(illegal(p.bid(1, 2, 2)), "same count, lower face");
    assert!(illegal(p.bid(1, 1, 6)), "lower count, higher face");
    assert!(p.bid(1, 2, 4).is_ok(), "same count, higher face");
    assert!(p.bid(0, 3, 1).is_ok(), "higher count, lower face");
    assert!(illegal(p.bid(1, 4, 0)), "face 0");
    assert!(illegal(p.bid(1, 4, 7)), "face 7");
    assert!(illegal(p.bid(1, 11, 2)), "more than the 10 dice in play");
    assert!(matches!(
        p.mv(1, r#"{"bid": {"count": -1, "face": 2}}"#),
        Err(MoveError::Malformed(_))
    ));
    assert!(matches!(
        p.mv(1, r#"{"call": "truth"}"#),
        Err(MoveError::Malformed(_))
    ));
    let view = p.view(Viewer::Spectator);
    assert_eq!(view["bid"], json!({ "seat": 0, "count": 3, "face": 1 }));
    assert_eq!(view["bids"].as_array().unwrap().len(), 3);
    assert_eq!(view["to_move"], 1);
}

#[test]
fn call_without_a_bid_is_illegal() {
    let mut p = Play::start(3, "{}", 2);
    assert!(illegal(p.call(0)));
    let moves = p.rules.legal_moves(&p.t.state, 0).unwrap();
    assert_eq!(moves.len(), 15 * 6, "every bid up to 15 dice, no call");
    assert!(!moves.iter().any(|m| m.contains("call")));
}

#[test]
fn legal_moves_are_the_higher_bids_and_the_call() {
    let mut p = Play::start(2, "{}", 3);
    p.bid(0, 9, 6).unwrap();
    let moves = p.rules.legal_moves(&p.t.state, 1).unwrap();
    let expected: Vec<String> = (1..=6)
        .map(|f| json!({ "bid": { "count": 10, "face": f } }).to_string())
        .chain([json!({ "call": "liar" }).to_string()])
        .collect();
    assert_eq!(moves, expected);
    assert!(
        p.rules.legal_moves(&p.t.state, 0).unwrap().is_empty(),
        "not seat 0's turn"
    );
}

#[test]
fn a_false_bid_costs_the_bidder_a_die_and_the_call_reveals_every_cup() {
    let mut p = Play::start(3, "{}", 4);
    let before = p.dice();
    let face = (1..=6).find(|&f| showing(&before, f) < 15).unwrap();
    let actual = showing(&before, face);
    p.bid(0, actual + 1, face).unwrap();
    let events = p.call(1).unwrap();
    let challenge = &events[0]["challenge"];
    assert_eq!(challenge["dice"], json!(before), "every cup is revealed");
    assert_eq!(challenge["actual"], actual);
    assert_eq!(challenge["loser"], 0);
    assert_eq!(challenge["challenger"], 1);
    assert_eq!(p.counts(), [4, 5, 5]);
    let view = p.view(Viewer::Spectator);
    assert_eq!(view["to_move"], 0, "the loser opens the next round");
    assert_eq!(view["round"], 2);
    assert!(view["bid"].is_null() && view["bids"] == json!([]));
    assert_eq!(view["last_challenge"]["loser"], 0);
    assert_eq!(view["last_challenge"]["actual"], actual);
}

#[test]
fn a_true_bid_costs_the_challenger_a_die() {
    let mut p = Play::start(3, "{}", 5);
    let before = p.dice();
    let face = (1..=6).find(|&f| showing(&before, f) > 0).unwrap();
    let actual = showing(&before, face);
    p.bid(0, actual, face).unwrap();
    let events = p.call(1).unwrap();
    assert_eq!(events[0]["challenge"]["loser"], 1);
    assert_eq!(p.counts(), [5, 4, 5]);
    assert_eq!(p.view(Viewer::Spectator)["to_move"], 1);
}

#[test]
fn a_player_out_of_dice_is_skipped_and_the_last_one_wins() {
    let mut p = Play::start(3, r#"{"dice": 1}"#, 6);
    let dice = p.dice();
    let face = (1..=6).find(|&f| showing(&dice, f) == 0).unwrap();
    p.bid(0, 1, face).unwrap();
    let events = p.call(1).unwrap();
    assert!(events.contains(&json!({ "out": 0 })));
    assert_eq!(p.counts(), [0, 1, 1]);
    assert_eq!(
        p.t.phase,
        Phase::ToMove(vec![1]),
        "the next live seat after the loser opens"
    );
    // Seat 2 follows seat 1, and seat 1 follows seat 2: seat 0 is skipped.
    p.bid(1, 1, 1).unwrap();
    assert_eq!(p.t.phase, Phase::ToMove(vec![2]));
    p.bid(2, 1, 2).unwrap();
    assert_eq!(p.t.phase, Phase::ToMove(vec![1]));
    let dice = p.dice();
    let loser = if showing(&dice, 2) < 1 { 2 } else { 1 };
    p.call(1).unwrap();
    assert_eq!(
        p.t.phase,
        Phase::Finished(Outcome::winner(3 - loser, "last player with dice"))
    );
}

/// Plays random games and checks every view of every position.
#[test]
fn views_show_each_seat_only_its_own_dice() {
    for players in 2..=6 {
        let mut p = Play::start(players, "{}", u64::from(players));
        let mut pick = Rng::new(u64::from(players) * 7);
        let mut rounds_seen = 0;
        while let Phase::ToMove(seats) = p.t.phase.clone() {
            let dice = p.dice();
            for seat in 0..players {
                let view = p.view(Viewer::Seat(seat));
                assert!(
                    !has_key(&view, "dice"),
                    "seat {seat} sees a dice array: {view}"
                );
                assert_eq!(view["your_dice"], json!(dice[seat as usize]));
                assert_eq!(view["you"], seat);
            }
            let spectator = p.view(Viewer::Spectator);
            assert!(
                !has_key(&spectator, "dice") && !has_key(&spectator, "your_dice"),
                "{spectator}"
            );
            let omniscient = p.view(Viewer::Omniscient);
            for (seat, entry) in omniscient["players"].as_array().unwrap().iter().enumerate() {
                assert_eq!(
                    entry["dice"].as_array().unwrap().len() as u64,
                    entry["dice_count"].as_u64().unwrap()
                );
                assert_eq!(entry["dice"], json!(dice[seat]));
            }
            assert_eq!(
                spectator["players"].as_array().unwrap().len(),
                players as usize
            );
            let moves = p.rules.legal_moves(&p.t.state, seats[0]).unwrap();
            let mv = &moves[pick.below(moves.len() as u64) as usize];
            let events = p.mv(seats[0], mv).unwrap();
            rounds_seen += events.iter().filter(|e| e.get("round").is_some()).count();
        }
        assert!(
            rounds_seen > 0,
            "{players} players: the game went through several rounds"
        );
    }
}

#[test]
fn the_same_entropy_rerolls_the_same_dice() {
    let mut p = Play::start(2, "{}", 7);
    p.bid(0, 10, 6).unwrap();
    let state = p.t.state.clone();
    let ctx = |entropy| Context {
        seat: 1,
        ply: 1,
        entropy,
    };
    let mut rules = NativeRules::<LiarsDice>::new();
    let a = rules
        .apply(&state, &ctx(42), r#"{"call":"liar"}"#)
        .unwrap()
        .unwrap();
    let b = NativeRules::<LiarsDice>::new()
        .apply(&state, &ctx(42), r#"{"call":"liar"}"#)
        .unwrap()
        .unwrap();
    let c = rules
        .apply(&state, &ctx(43), r#"{"call":"liar"}"#)
        .unwrap()
        .unwrap();
    let mut omni = |t: &Transition| rules.view(&t.state, Viewer::Omniscient).unwrap();
    assert_eq!(a, b);
    assert_eq!(omni(&a), omni(&b));
    assert_ne!(omni(&a), omni(&c), "different entropy, different roll");
    // The start's roll is a function of the seed alone.
    let again = Play::start(2, "{}", 7);
    assert_eq!(Play::start(2, "{}", 7).t, again.t);
}

#[test]
fn a_middle_seat_forfeiting_leaves_the_game_going() {
    let mut p = Play::start(4, "{}", 8);
    p.bid(0, 2, 2).unwrap();
    p.forfeit(1);
    assert_eq!(
        p.t.phase,
        Phase::ToMove(vec![2]),
        "the turn passes on from the leaver"
    );
    assert_eq!(p.counts(), [5, 0, 5, 5]);
    let view = p.view(Viewer::Spectator);
    assert!(view["bid"].is_null(), "bids on the old pool are cleared");
    assert_eq!(view["players"][1]["out"], true);
    assert_eq!(view["total_dice"], 15);
    p.bid(2, 1, 1).unwrap();
    p.bid(3, 1, 2).unwrap();
    p.bid(0, 1, 3).unwrap();
    assert_eq!(p.t.phase, Phase::ToMove(vec![2]), "seat 1 is skipped");
    // A seat that is not to move leaves: the turn stays where it was.
    p.forfeit(3);
    assert_eq!(p.t.phase, Phase::ToMove(vec![2]));
    assert!(illegal(p.call(2)), "the bids went with seat 3");
    p.bid(2, 1, 1).unwrap();
    assert_eq!(p.t.phase, Phase::ToMove(vec![0]));
}

#[test]
fn a_forfeit_leaving_one_player_ends_the_game() {
    let mut p = Play::start(3, "{}", 9);
    p.forfeit(0);
    assert_eq!(p.t.phase, Phase::ToMove(vec![1]));
    p.forfeit(2);
    let Phase::Finished(outcome) = &p.t.phase else {
        panic!("the game should be over: {:?}", p.t.phase);
    };
    assert_eq!(outcome.winners, [1]);
    assert_eq!(p.bid(1, 1, 1), Err(MoveError::Finished));

    let mut two = Play::start(2, "{}", 10);
    two.forfeit(1);
    assert!(matches!(&two.t.phase, Phase::Finished(o) if o.winners == [0]));
}

#[test]
fn options_set_the_dice_and_are_checked() {
    let mut p = Play::start(2, r#"{"dice": 3}"#, 11);
    assert_eq!(p.counts(), [3, 3]);
    let mut rules = NativeRules::<LiarsDice>::new();
    for bad in [
        r#"{"dice": 0}"#,
        r#"{"dice": 6}"#,
        r#"{"dice": "5"}"#,
        r#"{"sides": 8}"#,
    ] {
        let setup = Setup {
            players: 2,
            options: bad.into(),
            seed: 0,
        };
        assert!(rules.start(&setup).unwrap().is_err(), "{bad} accepted");
    }
    let schema: Value = serde_json::from_str(&LiarsDice::info().options_schema.unwrap()).unwrap();
    assert_eq!(schema["properties"]["dice"]["default"], 5);
}

#[test]
fn conforms() {
    gamehost_sdk::testing::assert_conforms::<LiarsDice>();
}
