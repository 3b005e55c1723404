//! Contract versions: 0.1.0 is frozen, and components built against it keep
//! loading beside 0.2.0 ones, their values converted up.

use gamehost::plugin::{Limits, Plugin, PluginEngine};
use gamehost_sdk::{Context, Information, Phase, Rules, Setup, Viewer};
use gamehost_tests::{fixture_component, game_component};
use sha2::{Digest, Sha256};

/// sha256 of `wit/0.1.0/plugin.wit` as shipped. Components in the field were
/// built against these exact bytes: a change here is a new version instead.
const FROZEN_0_1_0: &str = "217b19aded5b432dced02114e6b47af81c2744b2f4712f5b64a2fea68a310af8";

#[test]
fn contract_0_1_0_is_frozen() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../wit/0.1.0/plugin.wit");
    let bytes = std::fs::read(path).expect("wit/0.1.0/plugin.wit");
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        hash, FROZEN_0_1_0,
        "wit/0.1.0 changed: add a new version instead"
    );
}

fn load(path: &std::path::Path) -> Plugin {
    let engine = PluginEngine::new(None, 64 << 20).expect("engine");
    Plugin::load(
        &engine,
        &std::fs::read(path).expect("component"),
        Limits::default(),
    )
    .expect("loads")
}

/// Plays the first listed move until the game ends; returns the plies.
fn play_through(plugin: &Plugin) -> u64 {
    let mut rules = plugin.instantiate(1).expect("instance");
    let mut t = rules
        .start(&Setup {
            players: 2,
            options: "{}".into(),
            seed: 3,
        })
        .expect("start")
        .expect("started");
    let mut ply = 0;
    while let Phase::ToMove(seats) = t.phase.clone() {
        let seat = seats[0];
        let moves = rules.legal_moves(&t.state, seat).expect("legal-moves");
        let ctx = Context {
            seat,
            ply,
            entropy: ply,
        };
        t = rules
            .apply(&t.state, &ctx, &moves[0])
            .expect("apply")
            .expect("listed move accepted");
        let view = rules.view(&t.state, Viewer::Spectator).expect("view");
        serde_json::from_str::<serde_json::Value>(&view).expect("view is JSON");
        ply += 1;
        assert!(ply < 1000, "never ended");
    }
    ply
}

#[test]
fn a_0_1_0_component_and_a_0_2_0_component_load_side_by_side() {
    let old = load(&fixture_component("contract-0-1"));
    let new = load(&game_component("liars-dice"));
    assert_eq!(old.contract(), "0.1.0");
    assert_eq!(new.contract(), "0.2.0");

    // 0.1.0 had no declaration: converted up to "undeclared".
    assert_eq!(old.info().id, "contract-0-1");
    assert_eq!(old.info().information, Information::Undeclared);
    assert!(old.info().example_moves.is_empty());

    let secrets = new
        .info()
        .secrets()
        .expect("liars-dice declares hidden information");
    assert_eq!(secrets.seat_private, ["/players/{seat}/dice"]);
    assert!(!new.info().example_moves.is_empty());

    // Both play whole games through the same calls.
    assert_eq!(play_through(&old), 10, "first listed move is always 1");
    assert!(play_through(&new) > 0);
}
