//! Liar's dice: every player rolls a hidden cup of dice, then players take
//! turns bidding on how many dice on the whole table show a face, until
//! someone calls the last bid a lie.
//!
//! A move is either a bid, `{"bid": {"count": 3, "face": 4}}` ("at least three
//! fours among all the dice"), or a challenge of the last bid,
//! `{"call": "liar"}`. Each bid must be higher than the one before: a higher
//! count, or the same count and a higher face. Ones are *not* wild: a one
//! counts only for a bid on ones, which keeps the count easy to check.
//!
//! On a challenge every cup is revealed (a public event), and the loser — the
//! bidder if fewer dice show the face than bid, the challenger otherwise —
//! loses a die. A player without dice is out. The loser (or, if out, the next
//! player still in) opens the next round, and every remaining die is rerolled.
//! The last player with dice wins.
//!
//! Randomness: the first roll comes from the game's seed, every reroll from
//! the challenging move's entropy, so a replay rolls the same dice.

use gamehost_sdk::prelude::*;
use gamehost_sdk::serde_json::Value;

/// The rules.
pub struct LiarsDice;

/// Faces of a die.
const FACES: u8 = 6;
/// Most dice a player may start with (6 players x 5 dice bounds the bids).
const MAX_DICE: u32 = 5;

/// Setup options.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Dice each player starts with, 1 to 5.
    pub dice: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options { dice: MAX_DICE }
    }
}

/// The options' JSON Schema, as published in [`GameInfo::options_schema`].
const OPTIONS_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "dice": {
      "type": "integer",
      "minimum": 1,
      "maximum": 5,
      "default": 5,
      "description": "Dice each player starts with"
    }
  },
  "additionalProperties": false
}"#;

/// A claim that at least `count` dice on the table show `face`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bid {
    /// How many dice, at least.
    pub count: u32,
    /// Which face, 1 to 6.
    pub face: u8,
}

impl Bid {
    /// True when `self` may follow `other`: a higher count, or the same
    /// count and a higher face.
    pub fn beats(&self, other: &Bid) -> bool {
        (self.count, self.face) > (other.count, other.face)
    }
}

/// The word a challenge is made with, so the move reads `{"call": "liar"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Call {
    /// "Your bid is a lie."
    Liar,
}

/// One move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Move {
    /// Raise the bid.
    Bid(Bid),
    /// Challenge the last bid.
    Call(Call),
}

/// A bid and the seat that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedBid {
    /// The bidder.
    pub seat: Seat,
    /// What they bid.
    pub count: u32,
    /// On which face.
    pub face: u8,
}

impl PlacedBid {
    /// The bid itself, without its bidder.
    fn bid(&self) -> Bid {
        Bid {
            count: self.count,
            face: self.face,
        }
    }
}

/// How a challenge went. Kept without the revealed dice: those are in the
/// challenge's public event, and keeping them out of the state means no view
/// can leak stale dice by mistake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// The seat that called.
    pub challenger: Seat,
    /// The bid that was challenged, with its bidder.
    pub bid: PlacedBid,
    /// How many dice actually showed the bid's face.
    pub actual: u32,
    /// The seat that lost a die.
    pub loser: Seat,
    /// True when that was the loser's last die.
    pub eliminated: bool,
}

/// A game in progress, hidden dice included.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Table {
    /// Each seat's dice (faces 1-6, sorted); empty once the seat is out.
    pub dice: Vec<Vec<u8>>,
    /// The seat to move (always one with dice while the game goes on).
    pub to_move: Seat,
    /// Rounds started so far, counting the first.
    pub round: u32,
    /// The bids of this round, oldest first; the last is the one to beat.
    pub bids: Vec<PlacedBid>,
    /// The result of the last challenge, if there was one.
    pub last_challenge: Option<Challenge>,
}

/// Rolls `count` dice, sorted so a player reads their cup at a glance.
fn roll(count: usize, rng: &mut Rng) -> Vec<u8> {
    // `roll(6)` is 1..=6, so the cast cannot truncate.
    let mut dice: Vec<u8> = (0..count)
        .map(|_| rng.roll(u32::from(FACES)) as u8)
        .collect();
    dice.sort_unstable();
    dice
}

impl Table {
    /// Seats that still have dice.
    fn live(&self) -> impl Iterator<Item = Seat> + '_ {
        (0..self.seats()).filter(|&s| self.has_dice(s))
    }

    fn seats(&self) -> Seat {
        // At most six seats, so the length fits.
        self.dice.len() as Seat
    }

    fn has_dice(&self, seat: Seat) -> bool {
        self.dice.get(seat as usize).is_some_and(|d| !d.is_empty())
    }

    /// Dice still in play, the bound on a bid's count.
    fn total_dice(&self) -> u32 {
        // At most 30 dice.
        self.dice.iter().map(Vec::len).sum::<usize>() as u32
    }

    /// The first seat after `seat`, going round the table, that still has
    /// dice; `seat` itself when nobody else does.
    fn next_live(&self, seat: Seat) -> Seat {
        let n = self.seats();
        (1..=n)
            .map(|k| (seat + k) % n)
            .find(|&s| self.has_dice(s))
            .unwrap_or(seat)
    }

    /// The last seat with dice, once only one is left.
    fn winner(&self) -> Option<Seat> {
        let mut live = self.live();
        match (live.next(), live.next()) {
            (Some(seat), None) => Some(seat),
            _ => None,
        }
    }

    fn current_bid(&self) -> Option<&PlacedBid> {
        self.bids.last()
    }

    /// Rerolls every remaining die and opens a new round with `first` to bid.
    fn new_round(&mut self, first: Seat, rng: &mut Rng) {
        for cup in &mut self.dice {
            *cup = roll(cup.len(), rng);
        }
        self.round += 1;
        self.bids.clear();
        self.to_move = first;
    }

    fn bid(&mut self, seat: Seat, bid: Bid, turn: &mut Turn) -> Result<(), MoveError> {
        if !(1..=FACES).contains(&bid.face) {
            return Err(MoveError::illegal(format!(
                "face {} is not a die face (1-{FACES})",
                bid.face
            )));
        }
        let total = self.total_dice();
        if bid.count == 0 || bid.count > total {
            return Err(MoveError::illegal(format!(
                "count {} must be between 1 and the {total} dice in play",
                bid.count
            )));
        }
        if let Some(last) = self.current_bid()
            && !bid.beats(&last.bid())
        {
            return Err(MoveError::illegal(format!(
                "{} x {} does not beat {} x {}: raise the count, or keep it and raise the face",
                bid.count, bid.face, last.count, last.face
            )));
        }
        let placed = PlacedBid {
            seat,
            count: bid.count,
            face: bid.face,
        };
        self.bids.push(placed);
        self.to_move = self.next_live(seat);
        turn.emit(json!({ "bid": placed }));
        Ok(())
    }

    fn call(&mut self, challenger: Seat, turn: &mut Turn) -> Result<(), MoveError> {
        let Some(&bid) = self.current_bid() else {
            return Err(MoveError::illegal(
                "there is no bid to call yet: open with a bid",
            ));
        };
        // At most 30 dice.
        let actual = self
            .dice
            .iter()
            .flatten()
            .filter(|&&d| d == bid.face)
            .count() as u32;
        let loser = if actual < bid.count {
            bid.seat
        } else {
            challenger
        };
        // Reveal before the loser's die goes, so the event shows the dice
        // that were counted. The reveal is public: everyone sees the cups.
        turn.emit(json!({
            "challenge": {
                "challenger": challenger,
                "bid": bid,
                "dice": self.dice,
                "actual": actual,
                "loser": loser,
            }
        }));
        if let Some(cup) = self.dice.get_mut(loser as usize) {
            cup.pop();
        }
        let eliminated = !self.has_dice(loser);
        self.last_challenge = Some(Challenge {
            challenger,
            bid,
            actual,
            loser,
            eliminated,
        });
        self.bids.clear();
        if eliminated {
            turn.emit(json!({ "out": loser }));
        }
        if let Some(winner) = self.winner() {
            self.to_move = winner;
            return Ok(());
        }
        let first = if eliminated {
            self.next_live(loser)
        } else {
            loser
        };
        self.new_round(first, &mut turn.rng);
        turn.emit(json!({ "round": { "number": self.round, "first": first } }));
        Ok(())
    }

    /// The view for `viewer`, built field by field so that no path can carry
    /// dice the viewer may not see: per-player entries hold dice only for the
    /// omniscient viewer, and a seat's own dice sit apart under `your_dice`.
    fn view(&self, viewer: Viewer) -> Value {
        let finished = self.winner().is_some();
        let players: Vec<Value> = (0..self.seats())
            .map(|seat| {
                let cup = &self.dice[seat as usize];
                let mut entry =
                    json!({ "seat": seat, "dice_count": cup.len(), "out": cup.is_empty() });
                if viewer == Viewer::Omniscient {
                    entry["dice"] = json!(cup);
                }
                entry
            })
            .collect();
        let mut view = json!({
            "round": self.round,
            "to_move": (!finished).then_some(self.to_move),
            "winner": self.winner(),
            "total_dice": self.total_dice(),
            "players": players,
            "bid": self.current_bid(),
            "bids": self.bids,
            "last_challenge": self.last_challenge,
        });
        if let Viewer::Seat(seat) = viewer {
            view["you"] = json!(seat);
            view["your_dice"] = json!(self.dice.get(seat as usize));
        }
        view
    }
}

impl Game for LiarsDice {
    type State = Table;
    type Move = Move;
    type Options = Options;

    fn info() -> GameInfo {
        GameInfo {
            id: "liars-dice".into(),
            name: "Liar's dice".into(),
            version: "1.0.0".into(),
            min_players: 2,
            max_players: 6,
            description: "Each player rolls a hidden cup of dice. Take turns bidding how many dice on the \
                          table show a face ({\"bid\": {\"count\": 3, \"face\": 4}}), each bid higher than \
                          the last (a higher count, or the same count and a higher face; ones are not wild), \
                          or call the last bid a lie ({\"call\": \"liar\"}). The cups are revealed: a false \
                          bid costs the bidder a die, a true one costs the challenger. Players without dice \
                          are out; the last player with dice wins."
                .into(),
            options_schema: Some(OPTIONS_SCHEMA.into()),
            information: Information::Hidden(Secrets::seat_private(&["/players/{seat}/dice"])),
            example_moves: vec![
                r#"{"bid":{"count":3,"face":4}}"#.into(),
                r#"{"call":"liar"}"#.into(),
            ],
        }
    }

    fn start(players: u32, options: Options, rng: &mut Rng) -> Result<Table, String> {
        if !(1..=MAX_DICE).contains(&options.dice) {
            return Err(format!(
                "dice must be between 1 and {MAX_DICE}, not {}",
                options.dice
            ));
        }
        let dice = (0..players)
            .map(|_| roll(options.dice as usize, rng))
            .collect();
        Ok(Table {
            dice,
            to_move: 0,
            round: 1,
            bids: Vec::new(),
            last_challenge: None,
        })
    }

    fn phase(table: &Table) -> Phase {
        match table.winner() {
            Some(seat) => Phase::Finished(Outcome::winner(seat, "last player with dice")),
            None => Phase::ToMove(vec![table.to_move]),
        }
    }

    fn apply(table: &mut Table, mv: Move, turn: &mut Turn) -> Result<(), MoveError> {
        let seat = turn.seat;
        match mv {
            Move::Bid(bid) => table.bid(seat, bid, turn),
            Move::Call(Call::Liar) => table.call(seat, turn),
        }
    }

    fn view(table: &Table, viewer: Viewer) -> Value {
        table.view(viewer)
    }

    /// Every bid above the current one, lowest first, then the call when
    /// there is a bid to call. At most 30 dice x 6 faces + 1 moves.
    fn legal_moves(table: &Table, _seat: Seat) -> Vec<Move> {
        let current = table.current_bid().map(PlacedBid::bid);
        let mut moves: Vec<Move> = (1..=table.total_dice())
            .flat_map(|count| (1..=FACES).map(move |face| Bid { count, face }))
            .filter(|bid| current.is_none_or(|c| bid.beats(&c)))
            .map(Move::Bid)
            .collect();
        if current.is_some() {
            moves.push(Move::Call(Call::Liar));
        }
        moves
    }

    /// The seat is out and its dice leave the table. With one player left,
    /// that player wins. Otherwise the round goes on with the dice already
    /// rolled (a forfeit has no entropy to reroll with), but its bids are
    /// cleared: they were made about a pool that included the leaver's dice,
    /// so letting them stand would make a call unfair. If the leaver was to
    /// move, the next player still in opens the bidding; otherwise the player
    /// to move does.
    fn forfeit(table: &mut Table, seat: Seat, why: Forfeit, _players: u32) -> Option<Outcome> {
        let was_in = table.has_dice(seat);
        if let Some(cup) = table.dice.get_mut(seat as usize) {
            cup.clear();
        }
        if let Some(winner) = table.winner() {
            return Some(Outcome::winner(
                winner,
                format!("seat {seat} {why}; seat {winner} is the last player with dice"),
            ));
        }
        if was_in {
            table.bids.clear();
        }
        if table.to_move == seat {
            table.to_move = table.next_live(seat);
        }
        None
    }
}

gamehost_sdk::export_game!(LiarsDice);

#[cfg(test)]
mod tests;
