//! The component's side of the contract: wit-bindgen's bindings and the glue
//! from them to a [`Game`]. Designers never use this module directly; the
//! [`export_game!`](crate::export_game) macro does.

use crate::game::{self, Game};
use crate::types;
use std::marker::PhantomData;

wit_bindgen::generate!({
    path: "../wit/0.2.0",
    world: "game",
    pub_export_macro: true,
    default_bindings_module: "gamehost_sdk::guest",
});

use exports::gamehost::plugin::rules::Guest;
use gamehost::plugin::types as wit;

/// The exported component for game `G`.
pub struct Component<G>(PhantomData<G>);

fn into_wit_phase(phase: types::Phase) -> wit::Phase {
    match phase {
        types::Phase::ToMove(seats) => wit::Phase::ToMove(seats),
        types::Phase::Finished(o) => wit::Phase::Finished(wit::Outcome {
            winners: o.winners,
            draw: o.draw,
            scores: o.scores,
            reason: o.reason,
        }),
    }
}

fn into_wit_transition(t: types::Transition) -> wit::Transition {
    wit::Transition {
        state: t.state,
        phase: into_wit_phase(t.phase),
        events: t.events,
    }
}

fn into_wit_move_error(e: types::MoveError) -> wit::MoveError {
    match e {
        types::MoveError::Malformed(why) => wit::MoveError::Malformed(why),
        types::MoveError::Illegal(why) => wit::MoveError::Illegal(why),
        types::MoveError::NotYourTurn => wit::MoveError::NotYourTurn,
        types::MoveError::Finished => wit::MoveError::Finished,
    }
}

fn from_wit_forfeit(why: wit::ForfeitReason) -> types::Forfeit {
    match why {
        wit::ForfeitReason::Resign => types::Forfeit::Resign,
        wit::ForfeitReason::Timeout => types::Forfeit::Timeout,
        wit::ForfeitReason::Abandon => types::Forfeit::Abandon,
    }
}

/// A fault inside the rules (a state that does not decode) has no place in
/// the contract's return types: trap, so the host reports a plugin failure.
fn or_trap<T>(result: Result<T, game::RulesFault>) -> T {
    match result {
        Ok(value) => value,
        Err(fault) => panic!("{}", fault.0),
    }
}

impl<G: Game> Guest for Component<G> {
    fn info() -> wit::GameInfo {
        let info = G::info();
        wit::GameInfo {
            id: info.id,
            name: info.name,
            version: info.version,
            min_players: info.min_players,
            max_players: info.max_players,
            description: info.description,
            options_schema: info.options_schema,
            information: match info.information {
                types::Information::Undeclared => wit::Information::Undeclared,
                types::Information::Perfect => wit::Information::Perfect,
                types::Information::Hidden(secrets) => wit::Information::Hidden(wit::Secrets {
                    seat_private: secrets.seat_private,
                    hidden: secrets.hidden,
                }),
            },
            example_moves: info.example_moves,
        }
    }

    fn start(setup: wit::Setup) -> Result<wit::Transition, String> {
        let setup = types::Setup {
            players: setup.players,
            options: setup.options,
            seed: setup.seed,
        };
        game::start::<G>(&setup).map(into_wit_transition)
    }

    fn apply(
        state: Vec<u8>,
        ctx: wit::Context,
        mv: String,
    ) -> Result<wit::Transition, wit::MoveError> {
        let ctx = types::Context {
            seat: ctx.seat,
            ply: ctx.ply,
            entropy: ctx.entropy,
        };
        or_trap(game::apply::<G>(&state, &ctx, &mv))
            .map(into_wit_transition)
            .map_err(into_wit_move_error)
    }

    fn view(state: Vec<u8>, viewer: wit::Viewer) -> String {
        let viewer = match viewer {
            wit::Viewer::Seat(seat) => types::Viewer::Seat(seat),
            wit::Viewer::Spectator => types::Viewer::Spectator,
            wit::Viewer::Omniscient => types::Viewer::Omniscient,
        };
        or_trap(game::view::<G>(&state, viewer))
    }

    fn legal_moves(state: Vec<u8>, seat: u32) -> Vec<String> {
        or_trap(game::legal_moves::<G>(&state, seat))
    }

    fn forfeit(state: Vec<u8>, seat: u32, why: wit::ForfeitReason) -> wit::Transition {
        into_wit_transition(or_trap(game::forfeit::<G>(
            &state,
            seat,
            from_wit_forfeit(why),
        )))
    }
}

/// Writes to the host's log.
pub fn log(level: crate::LogLevel, message: &str) {
    use gamehost::plugin::host::{self, LogLevel as L};
    let level = match level {
        crate::LogLevel::Trace => L::Trace,
        crate::LogLevel::Debug => L::Debug,
        crate::LogLevel::Info => L::Info,
        crate::LogLevel::Warn => L::Warn,
        crate::LogLevel::Error => L::Error,
    };
    host::log(level, message);
}
