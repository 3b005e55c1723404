//! The sandboxed runtime: faults are told apart from refused moves, leave the
//! caller's state alone, and do not harm the host or later calls.

use gamehost::plugin::{Limits, Plugin, PluginEngine};
use gamehost_sdk::{Context, FaultKind, MoveError, Phase, Rules, Setup, Viewer};
use gamehost_tests::{fixture_component, game_component};
use std::time::{Duration, Instant};

fn load(path: std::path::PathBuf, limits: Limits) -> Plugin {
    let engine = PluginEngine::new(None, limits.memory_bytes).expect("engine");
    Plugin::load(&engine, &std::fs::read(path).expect("read"), limits).expect("load")
}

fn start(plugin: &Plugin, players: u32) -> gamehost_sdk::Transition {
    let setup = Setup {
        players,
        options: "{}".into(),
        seed: 7,
    };
    plugin
        .instantiate(1)
        .unwrap()
        .start(&setup)
        .unwrap()
        .unwrap()
}

#[test]
fn refused_moves_and_plugin_faults_are_different_things() {
    let ttt = load(game_component("tic-tac-toe"), Limits::default());
    let state = start(&ttt, 2).state;
    let ctx = Context {
        seat: 0,
        ply: 0,
        entropy: 0,
    };
    let refused = ttt
        .instantiate(1)
        .unwrap()
        .apply(&state, &ctx, "9")
        .unwrap();
    assert!(matches!(refused, Err(MoveError::Illegal(_))), "{refused:?}");
    let wrong_turn = ttt
        .instantiate(1)
        .unwrap()
        .apply(&state, &Context { seat: 1, ..ctx }, "4")
        .unwrap();
    assert_eq!(wrong_turn, Err(MoveError::NotYourTurn));

    let looping = load(
        fixture_component("loops-forever"),
        Limits {
            deadline: Duration::from_millis(50),
            ..Limits::default()
        },
    );
    let before = start(&looping, 2).state;
    let copy = before.clone();
    let started = Instant::now();
    let fault = looping
        .instantiate(1)
        .unwrap()
        .apply(&before, &ctx, "1")
        .unwrap_err();
    assert_eq!(fault.kind, FaultKind::Deadline, "{fault}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the deadline fired late: {:?}",
        started.elapsed()
    );
    assert_eq!(
        before, copy,
        "a failed call leaves the caller's state untouched"
    );
    // The plugin's other calls still work on fresh instances.
    let view = looping
        .instantiate(2)
        .unwrap()
        .view(&before, Viewer::Spectator)
        .unwrap();
    assert!(view.contains("\"left\":10"), "{view}");
}

#[test]
fn memory_and_traps_are_reported_with_their_limit() {
    let ctx = Context {
        seat: 0,
        ply: 0,
        entropy: 0,
    };
    let limits = Limits {
        memory_bytes: 16 << 20,
        ..Limits::default()
    };
    let hungry = load(fixture_component("eats-memory"), limits);
    let state = start(&hungry, 2).state;
    let fault = hungry
        .instantiate(1)
        .unwrap()
        .apply(&state, &ctx, "1")
        .unwrap_err();
    assert_eq!(fault.kind, FaultKind::Memory, "{fault}");
    assert!(fault.message.contains("the cap is 16 MiB"), "{fault}");

    let trapping = load(fixture_component("traps-on-input"), Limits::default());
    let mut state = start(&trapping, 2).state;
    state = trapping
        .instantiate(1)
        .unwrap()
        .apply(&state, &ctx, "1")
        .unwrap()
        .unwrap()
        .state;
    let mut instance = trapping.instantiate(1).unwrap();
    let fault = instance
        .apply(
            &state,
            &Context {
                seat: 1,
                ply: 1,
                entropy: 0,
            },
            "2",
        )
        .unwrap_err();
    assert_eq!(fault.kind, FaultKind::Trap, "{fault}");
    // An instance that trapped refuses further calls.
    let again = instance.view(&state, Viewer::Spectator).unwrap_err();
    assert!(
        again.message.contains("unusable after an earlier failure"),
        "{again}"
    );
}

#[test]
fn output_larger_than_the_cap_is_a_fault() {
    let chess = load(
        game_component("chess"),
        Limits {
            output_bytes: 64,
            ..Limits::default()
        },
    );
    let setup = Setup {
        players: 2,
        options: "{}".into(),
        seed: 1,
    };
    let fault = chess.instantiate(1).unwrap().start(&setup).unwrap_err();
    assert_eq!(fault.kind, FaultKind::BadOutput, "{fault}");
    assert!(fault.message.contains("64 byte limit"), "{fault}");
}

#[test]
fn the_sandbox_is_closed_and_deterministic() {
    // Two instances with different random seeds give the same result for
    // the same inputs: rules see randomness only through the context.
    let dice = load(game_component("liars-dice"), Limits::default());
    let setup = Setup {
        players: 3,
        options: "{}".into(),
        seed: 42,
    };
    let a = dice.instantiate(1).unwrap().start(&setup).unwrap().unwrap();
    let b = dice
        .instantiate(999)
        .unwrap()
        .start(&setup)
        .unwrap()
        .unwrap();
    assert_eq!(a, b);
    let other_seed = dice
        .instantiate(1)
        .unwrap()
        .start(&Setup {
            seed: 43,
            ..setup.clone()
        })
        .unwrap()
        .unwrap();
    assert_ne!(a.state, other_seed.state, "the seed decides the roll");
    assert!(matches!(a.phase, Phase::ToMove(_)));
}
