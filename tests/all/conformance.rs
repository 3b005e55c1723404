//! `gamehost plugin check` on the bundled games and on the broken fixtures.

use gamehost::plugin::PluginEngine;
use gamehost::plugin::conformance::{CostBudget, check_component};
use gamehost_sdk::conformance::{CheckOptions, Report, Status};
use gamehost_tests::{fixture_component, game_component, run_gamehost};

const GAMES: [&str; 4] = ["tic-tac-toe", "connect-four", "chess", "liars-dice"];

fn check(path: &std::path::Path) -> Report {
    let options = CheckOptions {
        playouts: 8,
        ..CheckOptions::default()
    };
    check_with(path, &options)
}

fn check_with(path: &std::path::Path, options: &CheckOptions) -> Report {
    let engine = PluginEngine::new(None, 64 << 20).expect("engine");
    let bytes = std::fs::read(path).expect("read component");
    check_component(&engine, &bytes, options, CostBudget::default())
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
            "contract",
            "metadata",
            "playouts",
            "rule-holes",
            "hidden-info",
            "state-growth",
            "forfeit",
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
        let (code, stdout, stderr) = run_gamehost(&[
            "plugin",
            "check",
            path.to_str().unwrap(),
            "--json",
            "--playouts",
            "20",
        ]);
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

#[test]
fn liars_dice_declares_its_cups_and_none_leak() {
    let report = check(&game_component("liars-dice"));
    assert!(report.passed(), "{report}");
    let leaks = report
        .checks
        .iter()
        .find(|c| c.name == "hidden-info")
        .expect("hidden-info check");
    assert!(
        leaks.message.starts_with("no declared secret seen"),
        "{}",
        leaks.message
    );
}

#[test]
fn a_seat_view_showing_another_seats_hand_is_a_leak() {
    let report = check(&fixture_component("leaks-seat-view"));
    let message = failed(&report, "hidden-info");
    assert!(message.contains("view(seat "), "{message}");
    assert!(message.contains("'s secret /hands/"), "{message}");
    assert!(message.contains(" at /everyone/"), "{message}");
}

#[test]
fn a_hand_in_a_public_event_is_a_leak() {
    let report = check(&fixture_component("leaks-in-event"));
    let message = failed(&report, "hidden-info");
    assert!(message.contains("event 1 of apply("), "{message}");
    assert!(message.contains(" at /table/hands/"), "{message}");
}

#[test]
fn a_spectator_view_equal_to_the_omniscient_one_is_a_leak() {
    let report = check(&fixture_component("leaks-to-spectators"));
    let message = failed(&report, "hidden-info");
    assert!(
        message.contains("view(spectator) equals the omniscient view"),
        "{message}"
    );
}

#[test]
fn an_unlisted_pass_that_apply_accepts_is_a_rule_hole() {
    let report = check(&fixture_component("accepts-pass"));
    let message = failed(&report, "rule-holes");
    assert!(
        message.contains("played \"pass\", which legal-moves does not list, and apply accepted it"),
        "{message}"
    );
}

#[test]
fn a_state_growing_10_kb_a_move_fails_the_growth_budget() {
    let report = check(&fixture_component("grows-state"));
    let message = failed(&report, "state-growth");
    assert!(message.contains("the state keeps growing"), "{message}");
    assert!(message.contains("B per move"), "{message}");
}

#[test]
fn a_forfeit_that_lets_the_seat_play_on_is_caught() {
    let report = check(&fixture_component("forfeit-plays-on"));
    let message = failed(&report, "forfeit");
    assert!(message.contains("forfeited"), "{message}");
}

#[test]
fn a_rarely_slow_call_fails_the_cost_check_on_its_slowest_runs() {
    let report = check(&fixture_component("slow-call"));
    let message = failed(&report, "cost");
    assert!(message.contains("apply's slowest calls take"), "{message}");
    // Each export's cost is shown, percentiles and all.
    for export in ["apply p50", "view p50", "legal-moves p50"] {
        assert!(message.contains(export), "{message}");
    }
}

#[test]
fn the_same_seed_replays_the_same_games() {
    let options = CheckOptions {
        playouts: 30,
        ..CheckOptions::default()
    }
    .with_seed(4242);
    let a = check_with(&fixture_component("rare-trap"), &options);
    let b = check_with(&fixture_component("rare-trap"), &options);
    assert_eq!(a.seed, 4242);
    let summary = |r: &Report| -> Vec<(String, String)> {
        r.checks
            .iter()
            .filter(|c| c.name != "cost" && c.name != "component")
            .map(|c| {
                (
                    c.name.clone(),
                    c.message.split(" in ").next().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(summary(&a), summary(&b));
    // Without a seed, each run picks its own, and the report names it.
    let (_, stdout, _) = run_gamehost(&[
        "plugin",
        "check",
        fixture_component("contract-0-1").to_str().unwrap(),
        "--playouts",
        "3",
    ]);
    let (_, again, _) = run_gamehost(&[
        "plugin",
        "check",
        fixture_component("contract-0-1").to_str().unwrap(),
        "--playouts",
        "3",
    ]);
    let seed_of = |out: &str| {
        out.rsplit("(seed ")
            .next()
            .and_then(|rest| rest.split(')').next())
            .map(str::to_string)
    };
    assert!(seed_of(&stdout).is_some(), "{stdout}");
    assert_ne!(seed_of(&stdout), seed_of(&again), "{stdout}\n{again}");
}
