//! The conformance checks every rules implementation must pass.
//!
//! The same checks run natively from a designer's `cargo test` (through
//! [`crate::testing`]) and against a compiled component from
//! `gamehost plugin check`, which adds the checks only a sandbox can make
//! (imports, CPU and memory cost).
//!
//! Each check stops at its first failure and says precisely what went wrong:
//! which call, on which input, with what result. Every random choice comes
//! from one seed, printed with the report, so a failure replays exactly.
//!
//! # Layout
//! - `metadata`: `info` and `start` on their own.
//! - `playout`: random games played to the end through `legal-moves`, with
//!   probes at every position: rule holes, forfeits, leaks, state growth.
//! - `holes`: moves `legal-moves` does not list, which `apply` must refuse.
//! - `leaks`: declared secrets that show up in views or events.
//! - `edges`: junk moves, moves after the end, forfeits, determinism.

mod edges;
mod holes;
mod leaks;
mod metadata;
mod playout;

use crate::rules::{Fault, Rules};
use crate::types::{GameInfo, Information, Phase, Setup, Transition};
use serde::Serialize;
use std::fmt;
use std::time::{Duration, Instant};

/// How hard to check.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Seed of every random choice the checks make; the same seed gives the
    /// same games, probes and report. [`CheckOptions::default`] picks a new
    /// one on every run.
    pub seed: u64,
    /// Most random games to play to the end.
    pub playouts: u32,
    /// Playouts stop once this much time has passed (after at least one
    /// game per player count), so a slow game is still checked in bounded
    /// time and a fast one is played many times.
    pub time: Duration,
    /// A playout that has not finished after this many moves fails.
    pub max_plies: u32,
    /// Most a game's state may grow per move, on average over a game, once
    /// it is larger than [`STATE_FLOOR_BYTES`].
    pub state_growth_per_ply: usize,
}

/// States up to this size never fail the growth check, however fast they
/// grew to it.
pub const STATE_FLOOR_BYTES: usize = 64 << 10;

impl Default for CheckOptions {
    /// What `gamehost plugin check` runs: up to 1,000 games or 10 seconds of
    /// them, under a fresh seed.
    fn default() -> Self {
        CheckOptions {
            seed: random_seed(),
            playouts: 1_000,
            time: Duration::from_secs(10),
            max_plies: 2_000,
            state_growth_per_ply: 1024,
        }
    }
}

impl CheckOptions {
    /// The same checks on a shorter budget: what publishing a version and
    /// dev mode run (up to 200 games or 2 seconds).
    pub fn quick() -> Self {
        CheckOptions {
            playouts: 200,
            time: Duration::from_secs(2),
            ..CheckOptions::default()
        }
    }

    /// These options with `seed`.
    pub fn with_seed(self, seed: u64) -> Self {
        CheckOptions { seed, ..self }
    }
}

/// A seed that differs from run to run (and from call to call).
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    // Small enough to type back on a command line.
    hasher.finish() % 1_000_000_000
}

/// Whether a check passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The check passed.
    Pass,
    /// The check failed; the message says why.
    Fail,
}

/// The result of one check.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// Short stable name (`metadata`, `determinism`, ...).
    pub name: String,
    /// Pass or fail.
    pub status: Status,
    /// What was found, in words.
    pub message: String,
}

/// The results of every check on one rules implementation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// The seed every random choice came from: rerun with it to replay.
    pub seed: u64,
    /// The game's metadata, when `info` answered.
    pub game: Option<GameInfo>,
    /// Every check, in the order it ran.
    pub checks: Vec<Check>,
}

impl Report {
    /// An empty report for a run under `seed`.
    pub fn new(seed: u64) -> Self {
        Report {
            seed,
            ..Report::default()
        }
    }

    /// True when every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.status == Status::Pass)
    }

    /// Records a check.
    pub fn record(&mut self, name: &str, result: Result<String, String>) {
        let (status, message) = match result {
            Ok(message) => (Status::Pass, message),
            Err(message) => (Status::Fail, message),
        };
        self.checks.push(Check {
            name: name.to_string(),
            status,
            message,
        });
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == Status::Fail)
    }

    /// One line per failure with the seed that replays it, for refusals.
    pub fn failure_summary(&self) -> Vec<String> {
        self.failures()
            .map(|c| format!("{}: {} (seed {})", c.name, c.message, self.seed))
            .collect()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.game {
            Some(g) => writeln!(
                f,
                "{} ({}) {}, {}-{} players",
                g.name, g.id, g.version, g.min_players, g.max_players
            )?,
            None => writeln!(f, "(no game info)")?,
        }
        for check in &self.checks {
            let mark = match check.status {
                Status::Pass => "PASS",
                Status::Fail => "FAIL",
            };
            writeln!(f, "  {mark}  {:<14} {}", check.name, check.message)?;
        }
        let failed = self.failures().count();
        if failed == 0 {
            write!(
                f,
                "all {} checks passed (seed {})",
                self.checks.len(),
                self.seed
            )
        } else {
            write!(
                f,
                "{failed} of {} checks failed (seed {}: rerun with --seed {} to replay)",
                self.checks.len(),
                self.seed,
                self.seed
            )
        }
    }
}

/// Makes a fresh rules instance. The argument seeds the instance's own random
/// source (the sandbox's WASI random); rules must not depend on it, and the
/// determinism check varies it to prove they do not.
pub type InstanceFactory<'a> = dyn FnMut(u64) -> Result<Box<dyn Rules>, Fault> + 'a;

/// Runs every rules-level check.
pub fn run(instances: &mut InstanceFactory<'_>, options: &CheckOptions) -> Report {
    let mut report = Report::new(options.seed);
    let mut rules = match instances(options.seed) {
        Ok(rules) => rules,
        Err(fault) => {
            report.record(
                "instantiate",
                Err(format!("no instance could be made: {fault}")),
            );
            return report;
        }
    };
    let info = match metadata::check_metadata(rules.as_mut()) {
        Ok((info, message)) => {
            report.record("metadata", Ok(message));
            info
        }
        Err(message) => {
            report.record("metadata", Err(message));
            return report;
        }
    };
    report.game = Some(info.clone());
    report.record(
        "setup",
        metadata::check_setup(rules.as_mut(), &info, options),
    );
    let played = playout::check_playouts(rules.as_mut(), &info, options);
    report.record("playouts", played.games);
    report.record("rule-holes", played.holes);
    report.record("hidden-info", played.leaks);
    report.record("state-growth", played.growth);
    report.record(
        "forfeit",
        edges::check_forfeit(rules.as_mut(), &info, options)
            .and_then(|at_start| played.forfeits.map(|mid| format!("{at_start}; {mid}"))),
    );
    report.record(
        "bad-moves",
        edges::check_bad_moves(rules.as_mut(), &info, options),
    );
    report.record(
        "after-the-end",
        edges::check_after_end(rules.as_mut(), &info, options),
    );
    report.record(
        "determinism",
        edges::check_determinism(instances, &info, options),
    );
    report
}

/// What `info` says about hidden information, in words.
fn information(info: &GameInfo) -> &'static str {
    match info.information {
        Information::Undeclared => "undeclared",
        Information::Perfect => "perfect",
        Information::Hidden(_) => "hidden",
    }
}

fn fault(call: &str, fault: &Fault) -> String {
    format!("{call} failed: {fault}")
}

/// A game started under `setup`, or why there is none.
fn start_game(rules: &mut dyn Rules, setup: &Setup) -> Result<Transition, String> {
    rules
        .start(setup)
        .map_err(|f| fault("start", &f))?
        .map_err(|why| format!("start refused {} players: {why}", setup.players))
}

fn setup(players: u32, seed: u64) -> Setup {
    Setup {
        players,
        options: "{}".into(),
        seed,
    }
}

/// Player counts worth trying: every count for small games, the ends and a
/// middle for large ones.
fn player_counts(info: &GameInfo) -> Vec<u32> {
    let (lo, hi) = (info.min_players, info.max_players);
    if hi - lo <= 6 {
        (lo..=hi).collect()
    } else {
        vec![lo, lo + (hi - lo) / 2, hi]
    }
}

/// The player count the single-game checks use.
fn two_or_fewest(info: &GameInfo) -> u32 {
    info.min_players.max(2).min(info.max_players)
}

fn check_transition(t: &Transition, players: u32, call: &str) -> Result<(), String> {
    if let Phase::ToMove(seats) = &t.phase {
        if seats.is_empty() {
            return Err(format!(
                "{call} returned a to-move phase with no seat (the game cannot go on)"
            ));
        }
        if let Some(bad) = seats.iter().find(|s| **s >= players) {
            return Err(format!(
                "{call} gave the turn to seat {bad}, but the game has {players} seats"
            ));
        }
    }
    if let Phase::Finished(outcome) = &t.phase
        && let Some(bad) = outcome.winners.iter().find(|s| **s >= players)
    {
        return Err(format!(
            "{call} named seat {bad} a winner, but the game has {players} seats"
        ));
    }
    for event in &t.events {
        if serde_json::from_str::<serde_json::Value>(event).is_err() {
            return Err(format!(
                "{call} returned an event that is not JSON: {event:?}"
            ));
        }
    }
    Ok(())
}

fn preview(text: &str) -> String {
    let cut: String = text.chars().take(80).collect();
    if cut.len() < text.len() {
        format!("{cut}...")
    } else {
        cut
    }
}

/// A time budget shared by a run's playouts.
struct Budget {
    started: Instant,
    time: Duration,
}

impl Budget {
    fn new(time: Duration) -> Self {
        Budget {
            started: Instant::now(),
            time,
        }
    }

    fn spent(&self) -> bool {
        self.started.elapsed() >= self.time
    }
}
