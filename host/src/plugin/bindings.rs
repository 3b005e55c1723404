//! Host-side bindings of every contract version the host supports, and
//! conversions between them and the SDK's plain types (which the rest of the
//! host uses). A component built against an older version is called through
//! that version's bindings and its values are converted up: the rest of the
//! host sees one contract, the newest.

use gamehost_sdk::types as sdk;

/// Contract 0.1.0, frozen in `wit/0.1.0`.
pub mod v0_1 {
    wasmtime::component::bindgen!({
        path: "../wit/0.1.0",
        world: "game",
    });
}

/// Contract 0.2.0, frozen in `wit/0.2.0`: `game-info` declares hidden
/// information and example moves.
pub mod v0_2 {
    wasmtime::component::bindgen!({
        path: "../wit/0.2.0",
        world: "game",
    });
}

/// The contract versions the host loads, newest first.
pub const CONTRACT_VERSIONS: &[&str] = &["0.2.0", "0.1.0"];

/// The conversions every version shares: the types that did not change.
macro_rules! shared_conversions {
    ($version:ident) => {
        const _: () = {
            use $version::gamehost::plugin::types as wit;

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

            impl From<$version::gamehost::plugin::host::LogLevel> for gamehost_sdk::LogLevel {
                fn from(level: $version::gamehost::plugin::host::LogLevel) -> Self {
                    use $version::gamehost::plugin::host::LogLevel as L;
                    match level {
                        L::Trace => gamehost_sdk::LogLevel::Trace,
                        L::Debug => gamehost_sdk::LogLevel::Debug,
                        L::Info => gamehost_sdk::LogLevel::Info,
                        L::Warn => gamehost_sdk::LogLevel::Warn,
                        L::Error => gamehost_sdk::LogLevel::Error,
                    }
                }
            }
        };
    };
}

shared_conversions!(v0_1);
shared_conversions!(v0_2);

/// 0.1.0 had no way to declare hidden information or example moves.
impl From<v0_1::gamehost::plugin::types::GameInfo> for sdk::GameInfo {
    fn from(i: v0_1::gamehost::plugin::types::GameInfo) -> Self {
        sdk::GameInfo {
            id: i.id,
            name: i.name,
            version: i.version,
            min_players: i.min_players,
            max_players: i.max_players,
            description: i.description,
            options_schema: i.options_schema,
            information: sdk::Information::Undeclared,
            example_moves: Vec::new(),
        }
    }
}

impl From<v0_2::gamehost::plugin::types::GameInfo> for sdk::GameInfo {
    fn from(i: v0_2::gamehost::plugin::types::GameInfo) -> Self {
        use v0_2::gamehost::plugin::types::Information;
        sdk::GameInfo {
            id: i.id,
            name: i.name,
            version: i.version,
            min_players: i.min_players,
            max_players: i.max_players,
            description: i.description,
            options_schema: i.options_schema,
            information: match i.information {
                Information::Undeclared => sdk::Information::Undeclared,
                Information::Perfect => sdk::Information::Perfect,
                Information::Hidden(s) => sdk::Information::Hidden(sdk::Secrets {
                    seat_private: s.seat_private,
                    hidden: s.hidden,
                }),
            },
            example_moves: i.example_moves,
        }
    }
}

/// A linked component of any supported version, ready to instantiate.
#[derive(Clone)]
pub enum AnyGamePre<T: 'static> {
    /// Built against 0.1.0.
    V0_1(v0_1::GamePre<T>),
    /// Built against 0.2.0.
    V0_2(v0_2::GamePre<T>),
}

impl<T: 'static> AnyGamePre<T> {
    /// Finds which contract version `pre` exports, newest first.
    pub fn new(pre: wasmtime::component::InstancePre<T>) -> anyhow::Result<Self> {
        if let Ok(game) = v0_2::GamePre::new(pre.clone()) {
            return Ok(AnyGamePre::V0_2(game));
        }
        v0_1::GamePre::new(pre).map(AnyGamePre::V0_1).map_err(|_| {
            anyhow::anyhow!(
                "the component does not export the gamehost:plugin rules interface (versions {})",
                CONTRACT_VERSIONS.join(", ")
            )
        })
    }

    /// The contract version the component was built against.
    pub fn contract(&self) -> &'static str {
        match self {
            AnyGamePre::V0_1(_) => "0.1.0",
            AnyGamePre::V0_2(_) => "0.2.0",
        }
    }

    /// A new instance in `store`.
    pub fn instantiate(&self, store: &mut wasmtime::Store<T>) -> wasmtime::Result<AnyGame> {
        Ok(match self {
            AnyGamePre::V0_1(pre) => AnyGame::V0_1(pre.instantiate(store)?),
            AnyGamePre::V0_2(pre) => AnyGame::V0_2(pre.instantiate(store)?),
        })
    }
}

/// An instance of a component of any supported version.
pub enum AnyGame {
    /// Built against 0.1.0.
    V0_1(v0_1::Game),
    /// Built against 0.2.0.
    V0_2(v0_2::Game),
}

/// Calls the rules export of whichever version `$game` is: `$call` is
/// written once and type-checked against each version's bindings, with
/// arguments and results converted by the `From` impls above.
macro_rules! rules_call {
    ($game:expr, |$rules:ident| $call:expr) => {
        match $game {
            $crate::plugin::bindings::AnyGame::V0_1(game) => {
                let $rules = game.gamehost_plugin_rules();
                $call
            }
            $crate::plugin::bindings::AnyGame::V0_2(game) => {
                let $rules = game.gamehost_plugin_rules();
                $call
            }
        }
    };
}
pub(crate) use rules_call;
