//! `gamehost plugin check` on the bundled games and on the broken fixtures.

use gamehost::plugin::PluginEngine;
use gamehost::plugin::conformance::{CostBudget, check_component};
use gamehost_sdk::conformance::{CheckOptions, Report, Status};
use gamehost_tests::{fixture_component, game_component, run_gamehost};

const GAMES: [&str; 4] = ["tic-tac-toe", "connect-four", "chess", "liars-dice"];

fn check(path: &std::path::Path) -> Report {
    let engine = PluginEngine::new(None, 64 << 20).expect("engine");
    let bytes = std::fs::read(path).expect("read component");
    let options = CheckOptions {
        playouts: 8,
        ..CheckOptions::default()
    };
    check_component(&engine, &bytes, &options, CostBudget::default())
}

fn failed<'a>(report: &'a Report, name: &str) -> &'a str {
    let check = report
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no {name} check in:\n{report}"));
    assert_eq!(check.status, Status::Fail, "{name} should fail:\n{report}");
    &check.message
}

#[test]
fn every_bundled_game_passes() {
    for game in GAMES {
        let report = check(&game_component(game));
        assert!(report.passed(), "{game}:\n{report}");
        let info = report.game.as_ref().expect("game info");
        assert_eq!(info.id, game);
        let names: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
        for expected in [
            "component",
            "imports",
            "metadata",
            "playouts",
            "bad-moves",
            "after-the-end",
            "determinism",
            "cost",
        ] {
            assert!(
                names.contains(&expected),
                "{game} report lacks {expected}: {names:?}"
            );
        }
    }
}

#[test]
fn a_looping_plugin_is_stopped_at_its_deadline() {
    let report = check(&fixture_component("loops-forever"));
    let message = failed(&report, "playouts");
    assert!(message.contains("deadline"), "{message}");
    assert!(
        message.contains("ran past its 1000 ms deadline"),
        "{message}"
    );
}

#[test]
fn a_plugin_that_eats_memory_is_stopped_at_its_cap() {
    let report = check(&fixture_component("eats-memory"));
    let message = failed(&report, "playouts");
    assert!(
        message.contains("memory: apply tried to grow memory"),
        "{message}"
    );
    assert!(message.contains("the cap is 64 MiB"), "{message}");
}

#[test]
fn a_plugin_that_traps_on_some_input_is_caught() {
    let report = check(&fixture_component("traps-on-input"));
    let message = failed(&report, "playouts");
    assert!(message.contains("trap: apply trapped"), "{message}");
    assert!(
        message.contains("index out of bounds"),
        "guest panic message kept: {message}"
    );
}

#[test]
fn a_nondeterministic_plugin_is_caught() {
    let report = check(&fixture_component("nondeterministic"));
    let message = failed(&report, "determinism");
    assert!(message.contains("apply is nondeterministic"), "{message}");
}

#[test]
fn a_plugin_that_plays_after_the_end_is_caught() {
    let report = check(&fixture_component("plays-after-end"));
    let message = failed(&report, "after-the-end");
    assert!(
        message.contains("the game had finished, yet apply accepted"),
        "{message}"
    );
}

#[test]
fn a_plugin_importing_sockets_is_refused() {
    let report = check(&fixture_component("imports-sockets"));
    let message = failed(&report, "imports");
    assert!(message.contains("wasi:sockets/"), "{message}");
    assert!(message.contains("which rules may not use"), "{message}");
}

#[test]
fn bytes_that_are_not_a_component_are_refused() {
    let engine = PluginEngine::new(None, 64 << 20).expect("engine");
    let report = check_component(
        &engine,
        b"\0asm not really",
        &CheckOptions::default(),
        CostBudget::default(),
    );
    let message = failed(&report, "component");
    assert!(
        message.contains("not a valid WebAssembly component"),
        "{message}"
    );
}

#[test]
fn the_cli_passes_games_and_fails_fixtures_with_reasons() {
    let path = game_component("tic-tac-toe");
    let (code, stdout, _) =
        run_gamehost(&["plugin", "check", path.to_str().unwrap(), "--playouts", "5"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("all ") && stdout.contains("checks passed"),
        "{stdout}"
    );

    let fixtures = [
        ("loops-forever", "deadline"),
        ("eats-memory", "the cap is 64 MiB"),
        ("traps-on-input", "index out of bounds"),
        ("nondeterministic", "apply is nondeterministic"),
        (
            "plays-after-end",
            "the game had finished, yet apply accepted",
        ),
        ("imports-sockets", "wasi:sockets/"),
    ];
    for (fixture, reason) in fixtures {
        let path = fixture_component(fixture);
        let (code, stdout, stderr) =
            run_gamehost(&["plugin", "check", path.to_str().unwrap(), "--json"]);
        assert_eq!(code, 1, "{fixture} should fail: {stdout}{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
        let failures: Vec<&serde_json::Value> = report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter(|c| c["status"] == "fail")
            .collect();
        assert!(
            failures
                .iter()
                .any(|c| c["message"].as_str().unwrap_or("").contains(reason)),
            "{fixture}: no failure mentions {reason:?}: {stdout}"
        );
    }
}
