//! Host-side bindings of the `game` world, and conversions between them and
//! the SDK's plain types (which the rest of the host uses).

use gamehost_sdk::types as sdk;

wasmtime::component::bindgen!({
    path: "../wit/0.1.0",
    world: "game",
});

pub use self::gamehost::plugin::host::LogLevel;
use self::gamehost::plugin::types as wit;

impl From<wit::GameInfo> for sdk::GameInfo {
    fn from(i: wit::GameInfo) -> Self {
        sdk::GameInfo {
            id: i.id,
            name: i.name,
            version: i.version,
            min_players: i.min_players,
            max_players: i.max_players,
            description: i.description,
            options_schema: i.options_schema,
        }
    }
}

impl From<&sdk::Setup> for wit::Setup {
    fn from(s: &sdk::Setup) -> Self {
        wit::Setup {
            players: s.players,
            options: s.options.clone(),
            seed: s.seed,
        }
    }
}

impl From<&sdk::Context> for wit::Context {
    fn from(c: &sdk::Context) -> Self {
        wit::Context {
            seat: c.seat,
            ply: c.ply,
            entropy: c.entropy,
        }
    }
}

impl From<wit::Phase> for sdk::Phase {
    fn from(p: wit::Phase) -> Self {
        match p {
            wit::Phase::ToMove(seats) => sdk::Phase::ToMove(seats),
            wit::Phase::Finished(o) => sdk::Phase::Finished(sdk::Outcome {
                winners: o.winners,
                draw: o.draw,
                scores: o.scores,
                reason: o.reason,
            }),
        }
    }
}

impl From<wit::Transition> for sdk::Transition {
    fn from(t: wit::Transition) -> Self {
        sdk::Transition {
            state: t.state,
            phase: t.phase.into(),
            events: t.events,
        }
    }
}

impl From<wit::MoveError> for sdk::MoveError {
    fn from(e: wit::MoveError) -> Self {
        match e {
            wit::MoveError::Malformed(why) => sdk::MoveError::Malformed(why),
            wit::MoveError::Illegal(why) => sdk::MoveError::Illegal(why),
            wit::MoveError::NotYourTurn => sdk::MoveError::NotYourTurn,
            wit::MoveError::Finished => sdk::MoveError::Finished,
        }
    }
}

impl From<sdk::Viewer> for wit::Viewer {
    fn from(v: sdk::Viewer) -> Self {
        match v {
            sdk::Viewer::Seat(seat) => wit::Viewer::Seat(seat),
            sdk::Viewer::Spectator => wit::Viewer::Spectator,
            sdk::Viewer::Omniscient => wit::Viewer::Omniscient,
        }
    }
}

impl From<sdk::Forfeit> for wit::ForfeitReason {
    fn from(f: sdk::Forfeit) -> Self {
        match f {
            sdk::Forfeit::Resign => wit::ForfeitReason::Resign,
            sdk::Forfeit::Timeout => wit::ForfeitReason::Timeout,
            sdk::Forfeit::Abandon => wit::ForfeitReason::Abandon,
        }
    }
}
