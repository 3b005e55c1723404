//! The [`Game`] trait a designer implements, and the adapter that turns it
//! into the contract's byte-level [`Rules`](crate::Rules).

use crate::rng::Rng;
use crate::types::{
    Forfeit, GameInfo, Information, MoveError, Outcome, Phase, Seat, Setup, Transition, Viewer,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A game's rules, with typed state and moves.
///
/// The SDK does the rest: it encodes the state, parses moves, refuses moves
/// out of turn or after the end, and records forfeits. Only `info`, `start`,
/// `phase` and `apply` are required.
pub trait Game {
    /// Everything the rules need to know about a game in progress, hidden
    /// information included. Stored by the host between calls.
    type State: Serialize + DeserializeOwned;
    /// One move, as clients send it (JSON).
    type Move: Serialize + DeserializeOwned;
    /// Setup options; use [`NoOptions`] when the game has none.
    type Options: DeserializeOwned + Default;

    /// Describes the game.
    fn info() -> GameInfo;

    /// Sets up a game for `players` players (already checked against
    /// `info().min_players..=max_players`). Draw any setup randomness from `rng`.
    fn start(players: u32, options: Self::Options, rng: &mut Rng) -> Result<Self::State, String>;

    /// Whose turn it is, or how the game ended.
    fn phase(state: &Self::State) -> Phase;

    /// Applies `mv` for `turn.seat`. The SDK has already checked that the game
    /// is not over and that `turn.seat` may move. On `Err` the state is
    /// discarded, so partial changes do not matter.
    fn apply(state: &mut Self::State, mv: Self::Move, turn: &mut Turn) -> Result<(), MoveError>;

    /// What `viewer` may see. The default is the state as JSON; for a game
    /// that declares hidden information ([`Information::Hidden`]), every
    /// declared secret the viewer may not see is replaced by `null` (the
    /// pointers then point into the state's JSON, which is also the default
    /// omniscient view).
    fn view(state: &Self::State, viewer: Viewer) -> serde_json::Value {
        let mut whole = serde_json::to_value(state).unwrap_or(serde_json::Value::Null);
        if let Information::Hidden(secrets) = Self::info().information {
            crate::secrets::redact(&mut whole, &secrets, viewer);
        }
        whole
    }

    /// Every move `seat` may make now. The default lists none, meaning the
    /// moves cannot be enumerated.
    fn legal_moves(state: &Self::State, seat: Seat) -> Vec<Self::Move> {
        let _ = (state, seat);
        Vec::new()
    }

    /// Takes `seat` out of the game. Return the outcome to end the game, or
    /// `None` to go on without that seat (after updating `state` so that
    /// `phase` no longer gives that seat a turn). The default ends the game
    /// with every other seat winning.
    fn forfeit(state: &mut Self::State, seat: Seat, why: Forfeit, players: u32) -> Option<Outcome> {
        let _ = state;
        Some(Outcome {
            winners: (0..players).filter(|s| *s != seat).collect(),
            draw: false,
            scores: Vec::new(),
            reason: format!("seat {seat} {why}"),
        })
    }
}

/// Options type for games that take none.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub struct NoOptions {}

/// The seat moving now, its randomness, and the events it produces.
#[derive(Debug)]
pub struct Turn {
    /// The seat making the move.
    pub seat: Seat,
    /// Number of moves applied before this one.
    pub ply: u64,
    /// Randomness for this move, derived by the host from the game's seed.
    pub rng: Rng,
    events: Vec<String>,
}

impl Turn {
    /// Records a public event (shown to every viewer and kept in the log).
    pub fn emit(&mut self, event: impl Serialize) {
        if let Ok(json) = serde_json::to_string(&event) {
            self.events.push(json);
        }
    }
}

/// What the SDK stores for a game: the designer's state plus what the SDK
/// itself must remember (player count, an outcome set by a forfeit).
#[derive(Serialize, Deserialize)]
struct Envelope<S> {
    players: u32,
    ended: Option<Outcome>,
    game: S,
}

/// A failure of the rules themselves (not a refused move): the state could
/// not be decoded or encoded. The host reports it as a plugin failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesFault(pub String);

fn decode<G: Game>(state: &[u8]) -> Result<Envelope<G::State>, RulesFault> {
    serde_json::from_slice(state).map_err(|e| RulesFault(format!("state does not decode: {e}")))
}

fn encode<G: Game>(
    envelope: &Envelope<G::State>,
    events: Vec<String>,
) -> Result<Transition, RulesFault> {
    let state = serde_json::to_vec(envelope)
        .map_err(|e| RulesFault(format!("state does not encode: {e}")))?;
    Ok(Transition {
        state,
        phase: phase_of::<G>(envelope),
        events,
    })
}

fn phase_of<G: Game>(envelope: &Envelope<G::State>) -> Phase {
    match &envelope.ended {
        Some(outcome) => Phase::Finished(outcome.clone()),
        None => G::phase(&envelope.game),
    }
}

/// `start` of the contract.
pub fn start<G: Game>(setup: &Setup) -> Result<Transition, String> {
    let info = G::info();
    if setup.players < info.min_players || setup.players > info.max_players {
        return Err(format!(
            "{} takes {} to {} players, not {}",
            info.name, info.min_players, info.max_players, setup.players
        ));
    }
    let options: G::Options = if setup.options.trim().is_empty() {
        G::Options::default()
    } else {
        serde_json::from_str(&setup.options).map_err(|e| format!("invalid options: {e}"))?
    };
    let mut rng = Rng::new(setup.seed);
    let game = G::start(setup.players, options, &mut rng)?;
    let envelope = Envelope {
        players: setup.players,
        ended: None,
        game,
    };
    encode::<G>(&envelope, Vec::new()).map_err(|e| e.0)
}

/// `apply` of the contract.
pub fn apply<G: Game>(
    state: &[u8],
    ctx: &crate::types::Context,
    mv: &str,
) -> Result<Result<Transition, MoveError>, RulesFault> {
    let mut envelope = decode::<G>(state)?;
    match phase_of::<G>(&envelope) {
        Phase::Finished(_) => return Ok(Err(MoveError::Finished)),
        phase if !phase.may_move(ctx.seat) => return Ok(Err(MoveError::NotYourTurn)),
        _ => {}
    }
    let parsed: G::Move = match serde_json::from_str(mv) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(Err(MoveError::Malformed(e.to_string()))),
    };
    let mut turn = Turn {
        seat: ctx.seat,
        ply: ctx.ply,
        rng: Rng::new(ctx.entropy),
        events: Vec::new(),
    };
    if let Err(refused) = G::apply(&mut envelope.game, parsed, &mut turn) {
        return Ok(Err(refused));
    }
    encode::<G>(&envelope, turn.events).map(Ok)
}

/// `view` of the contract.
pub fn view<G: Game>(state: &[u8], viewer: Viewer) -> Result<String, RulesFault> {
    let envelope = decode::<G>(state)?;
    let view = G::view(&envelope.game, viewer);
    serde_json::to_string(&view).map_err(|e| RulesFault(format!("view does not encode: {e}")))
}

/// `legal-moves` of the contract.
pub fn legal_moves<G: Game>(state: &[u8], seat: Seat) -> Result<Vec<String>, RulesFault> {
    let envelope = decode::<G>(state)?;
    if !phase_of::<G>(&envelope).may_move(seat) {
        return Ok(Vec::new());
    }
    G::legal_moves(&envelope.game, seat)
        .iter()
        .map(|mv| {
            serde_json::to_string(mv).map_err(|e| RulesFault(format!("move does not encode: {e}")))
        })
        .collect()
}

/// `forfeit` of the contract.
pub fn forfeit<G: Game>(state: &[u8], seat: Seat, why: Forfeit) -> Result<Transition, RulesFault> {
    let mut envelope = decode::<G>(state)?;
    if envelope.ended.is_none()
        && !G::phase(&envelope.game).is_finished()
        && seat < envelope.players
    {
        envelope.ended = G::forfeit(&mut envelope.game, seat, why, envelope.players);
    }
    encode::<G>(&envelope, Vec::new())
}
