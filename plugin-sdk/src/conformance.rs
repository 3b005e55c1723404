//! The conformance checks every rules implementation must pass.
//!
//! The same checks run natively from a designer's `cargo test` (through
//! [`crate::testing`]) and against a compiled component from
//! `gamehost plugin check`, which adds the checks only a sandbox can make
//! (imports, CPU and memory cost).
//!
//! Each check stops at its first failure and says precisely what went wrong:
//! which call, on which input, with what result.

use crate::rng::Rng;
use crate::rules::{Fault, Rules};
use crate::types::{Context, Forfeit, GameInfo, MoveError, Phase, Seat, Setup, Transition, Viewer};
use serde::Serialize;
use std::fmt;

/// How hard to check.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Seed for every random choice the checks make; the same seed gives the
    /// same report.
    pub seed: u64,
    /// Number of random playouts.
    pub playouts: u32,
    /// A playout that has not finished after this many moves fails.
    pub max_plies: u32,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            seed: 1,
            playouts: 20,
            max_plies: 2_000,
        }
    }
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
    /// The game's metadata, when `info` answered.
    pub game: Option<GameInfo>,
    /// Every check, in the order it ran.
    pub checks: Vec<Check>,
}

impl Report {
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
            write!(f, "all {} checks passed", self.checks.len())
        } else {
            write!(f, "{failed} of {} checks failed", self.checks.len())
        }
    }
}

/// Makes a fresh rules instance. The argument seeds the instance's own random
/// source (the sandbox's WASI random); rules must not depend on it, and the
/// determinism check varies it to prove they do not.
pub type InstanceFactory<'a> = dyn FnMut(u64) -> Result<Box<dyn Rules>, Fault> + 'a;

/// Moves that no game should accept: not JSON, or JSON of the wrong shape.
const JUNK_MOVES: &[&str] = &[
    "",
    "{not json",
    "null",
    "{}",
    "[]",
    "-1",
    "\"\u{1F0CF}\"",
    "{\"move\":[[[]]]}",
];

/// Runs every rules-level check.
pub fn run(instances: &mut InstanceFactory<'_>, options: &CheckOptions) -> Report {
    let mut report = Report::default();
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
    let info = match check_metadata(rules.as_mut()) {
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
    report.record("setup", check_setup(rules.as_mut(), &info, options));
    report.record("playouts", check_playouts(rules.as_mut(), &info, options));
    report.record("bad-moves", check_bad_moves(rules.as_mut(), &info, options));
    report.record(
        "after-the-end",
        check_after_end(rules.as_mut(), &info, options),
    );
    report.record("forfeit", check_forfeit(rules.as_mut(), &info, options));
    report.record("determinism", check_determinism(instances, &info, options));
    report
}

fn fault(call: &str, fault: &Fault) -> String {
    format!("{call} failed: {fault}")
}

fn check_metadata(rules: &mut dyn Rules) -> Result<(GameInfo, String), String> {
    let info = rules.info().map_err(|f| fault("info", &f))?;
    let again = rules.info().map_err(|f| fault("info", &f))?;
    if info != again {
        return Err("info returned different values on two calls".into());
    }
    let id_ok = !info.id.is_empty()
        && info.id.len() <= 64
        && info
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        return Err(format!(
            "id {:?} must be 1-64 characters of lowercase letters, digits and '-'",
            info.id
        ));
    }
    if info.name.trim().is_empty() {
        return Err("name is empty".into());
    }
    if !is_semver(&info.version) {
        return Err(format!(
            "version {:?} is not a semantic version (MAJOR.MINOR.PATCH)",
            info.version
        ));
    }
    if info.min_players == 0 || info.max_players < info.min_players || info.max_players > 64 {
        return Err(format!(
            "player counts {}..={} must satisfy 1 <= min <= max <= 64",
            info.min_players, info.max_players
        ));
    }
    if let Some(schema) = &info.options_schema
        && serde_json::from_str::<serde_json::Value>(schema).is_err()
    {
        return Err("options-schema is not valid JSON".into());
    }
    let message = format!(
        "{} {} ({}), {}-{} players",
        info.id, info.version, info.name, info.min_players, info.max_players
    );
    Ok((info, message))
}

/// `MAJOR.MINOR.PATCH` with an optional `-pre` or `+build` suffix.
fn is_semver(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
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

fn check_setup(
    rules: &mut dyn Rules,
    info: &GameInfo,
    options: &CheckOptions,
) -> Result<String, String> {
    let counts = player_counts(info);
    for &players in &counts {
        let t = rules
            .start(&setup(players, options.seed))
            .map_err(|f| fault("start", &f))?
            .map_err(|why| format!("start refused {players} players with options {{}}: {why}"))?;
        check_transition(&t, players, "start")?;
        if t.phase.is_finished() {
            return Err(format!(
                "start with {players} players returned a game that is already finished"
            ));
        }
    }
    for players in [0, info.max_players + 1] {
        let started = rules
            .start(&setup(players, options.seed))
            .map_err(|f| fault("start", &f))?;
        if started.is_ok() {
            return Err(format!(
                "start accepted {players} players, outside {}..={}",
                info.min_players, info.max_players
            ));
        }
    }
    Ok(format!(
        "starts with {counts:?} players; refuses 0 and {}",
        info.max_players + 1
    ))
}

/// Views every viewer of `state` and checks each is JSON.
fn check_views(rules: &mut dyn Rules, state: &[u8], players: u32) -> Result<(), String> {
    let viewers = (0..players)
        .map(Viewer::Seat)
        .chain([Viewer::Spectator, Viewer::Omniscient]);
    for viewer in viewers {
        let view = rules
            .view(state, viewer)
            .map_err(|f| fault(&format!("view({viewer:?})"), &f))?;
        if serde_json::from_str::<serde_json::Value>(&view).is_err() {
            return Err(format!(
                "view({viewer:?}) is not valid JSON: {}",
                preview(&view)
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

/// One step of a playout.
struct Step {
    state: Vec<u8>,
    seat: Seat,
    ctx: Context,
    mv: String,
}

/// A playout's record: every move made, and the final transition.
struct Playout {
    players: u32,
    steps: Vec<Step>,
    last: Transition,
}

fn context(seat: Seat, ply: u64, rng: &mut Rng) -> Context {
    Context {
        seat,
        ply,
        entropy: rng.next_u64(),
    }
}

/// Plays one random game through `legal-moves`, checking as it goes.
/// `exhaustive` also applies every listed move at every step.
fn playout(
    rules: &mut dyn Rules,
    players: u32,
    seed: u64,
    options: &CheckOptions,
    exhaustive: bool,
) -> Result<Playout, String> {
    let mut rng = Rng::new(seed);
    let mut current = rules
        .start(&setup(players, seed))
        .map_err(|f| fault("start", &f))?
        .map_err(|why| format!("start refused {players} players: {why}"))?;
    let mut steps = Vec::new();
    // Moves listed at earlier steps: those not listed now are illegal now.
    let mut earlier_moves: Vec<String> = Vec::new();
    for ply in 0..u64::from(options.max_plies) {
        check_views(rules, &current.state, players)
            .map_err(|e| format!("after {ply} moves: {e}"))?;
        let seats = match &current.phase {
            Phase::Finished(_) => {
                return Ok(Playout {
                    players,
                    steps,
                    last: current,
                });
            }
            Phase::ToMove(seats) => seats.clone(),
        };
        let seat = seats[rng.below(seats.len() as u64) as usize];
        let moves = rules
            .legal_moves(&current.state, seat)
            .map_err(|f| fault("legal-moves", &f))?;
        if moves.is_empty() {
            return Err(format!(
                "after {ply} moves, seat {seat} is to move but legal-moves is empty; playouts need listed moves"
            ));
        }
        let ctx = context(seat, ply, &mut rng);
        if exhaustive {
            refuses_unlisted(rules, &current.state, &ctx, &moves, &earlier_moves, players)?;
            earlier_moves.extend(moves.iter().cloned());
            for mv in &moves {
                match rules
                    .apply(&current.state, &ctx, mv)
                    .map_err(|f| fault("apply", &f))?
                {
                    Ok(t) => check_transition(&t, players, "apply")?,
                    Err(refused) => {
                        return Err(format!(
                            "after {ply} moves, legal-moves listed {mv} for seat {seat}, but apply refused it: {refused}"
                        ));
                    }
                }
            }
        }
        let mv = moves[rng.below(moves.len() as u64) as usize].clone();
        let next = rules
            .apply(&current.state, &ctx, &mv)
            .map_err(|f| fault(&format!("apply({mv}) after {ply} moves"), &f))?
            .map_err(|refused| {
                format!("after {ply} moves, legal-moves listed {mv} for seat {seat}, but apply refused it: {refused}")
            })?;
        check_transition(&next, players, "apply")?;
        steps.push(Step {
            state: std::mem::take(&mut current.state),
            seat,
            ctx,
            mv,
        });
        current = next;
    }
    Err(format!(
        "a random playout with {players} players did not finish within {} moves",
        options.max_plies
    ))
}

/// Moves that were legal earlier but are not listed now must be refused as
/// illegal (or malformed): apply and legal-moves must agree both ways.
fn refuses_unlisted(
    rules: &mut dyn Rules,
    state: &[u8],
    ctx: &Context,
    listed: &[String],
    earlier: &[String],
    players: u32,
) -> Result<(), String> {
    let unlisted = earlier
        .iter()
        .rev()
        .filter(|mv| !listed.contains(mv))
        .take(4);
    for mv in unlisted {
        match rules
            .apply(state, ctx, mv)
            .map_err(|f| fault(&format!("apply({mv})"), &f))?
        {
            Err(MoveError::Illegal(_) | MoveError::Malformed(_)) => {}
            Ok(t) => {
                check_transition(&t, players, "apply")?;
                return Err(format!(
                    "at ply {}, seat {} played {mv}, which legal-moves does not list, and apply accepted it",
                    ctx.ply, ctx.seat
                ));
            }
            Err(other) => {
                return Err(format!(
                    "at ply {}, the unlisted move {mv} by the seat to move answered {other}; expected illegal",
                    ctx.ply
                ));
            }
        }
    }
    Ok(())
}

fn check_playouts(
    rules: &mut dyn Rules,
    info: &GameInfo,
    options: &CheckOptions,
) -> Result<String, String> {
    let counts = player_counts(info);
    let mut seeds = Rng::new(options.seed);
    let mut lengths = Vec::new();
    for i in 0..options.playouts {
        let players = counts[i as usize % counts.len()];
        let played = playout(rules, players, seeds.next_u64(), options, i == 0)
            .map_err(|e| format!("playout {} ({players} players): {e}", i + 1))?;
        lengths.push(played.steps.len());
    }
    let longest = lengths.iter().max().copied().unwrap_or(0);
    let mean = lengths.iter().sum::<usize>() / lengths.len().max(1);
    Ok(format!(
        "{} random games finished (mean {mean}, longest {longest} moves); in the first, every listed move was accepted and earlier moves no longer listed were refused; views are JSON",
        lengths.len()
    ))
}

fn check_bad_moves(
    rules: &mut dyn Rules,
    info: &GameInfo,
    options: &CheckOptions,
) -> Result<String, String> {
    let players = info.min_players.max(2).min(info.max_players);
    let start = rules
        .start(&setup(players, options.seed))
        .map_err(|f| fault("start", &f))?
        .map_err(|why| format!("start refused {players} players: {why}"))?;
    let Phase::ToMove(seats) = &start.phase else {
        return Err("the game is finished before its first move".into());
    };
    let mover = seats[0];
    let ctx = Context {
        seat: mover,
        ply: 0,
        entropy: options.seed,
    };
    for junk in JUNK_MOVES {
        match rules
            .apply(&start.state, &ctx, junk)
            .map_err(|f| fault(&format!("apply({junk:?})"), &f))?
        {
            Ok(_) => return Err(format!("apply accepted the junk move {junk:?}")),
            Err(MoveError::Malformed(_) | MoveError::Illegal(_)) => {}
            Err(other) => {
                return Err(format!(
                    "apply({junk:?}) by the seat to move answered {other}; expected malformed or illegal"
                ));
            }
        }
    }
    let legal = rules
        .legal_moves(&start.state, mover)
        .map_err(|f| fault("legal-moves", &f))?;
    let mut out_of_turn = 0;
    if let Some(mv) = legal.first() {
        for seat in (0..players).filter(|s| !seats.contains(s)) {
            let ctx = Context { seat, ..ctx };
            match rules
                .apply(&start.state, &ctx, mv)
                .map_err(|f| fault("apply", &f))?
            {
                Err(MoveError::NotYourTurn) => out_of_turn += 1,
                Ok(_) => {
                    return Err(format!(
                        "seat {seat} played {mv} out of turn and it was accepted"
                    ));
                }
                Err(other) => {
                    return Err(format!(
                        "seat {seat} played {mv} out of turn: answered {other}, expected not-your-turn"
                    ));
                }
            }
        }
    }
    // A seat beyond the table must never be taken for a player.
    let ghost = Context {
        seat: players + 7,
        ..ctx
    };
    if let Some(mv) = legal.first()
        && let Ok(_) = rules
            .apply(&start.state, &ghost, mv)
            .map_err(|f| fault("apply", &f))?
    {
        return Err(format!(
            "seat {} (not in the game) played {mv} and it was accepted",
            ghost.seat
        ));
    }
    Ok(format!(
        "{} junk moves refused as malformed or illegal; {out_of_turn} out-of-turn moves refused as not-your-turn",
        JUNK_MOVES.len()
    ))
}

fn check_after_end(
    rules: &mut dyn Rules,
    info: &GameInfo,
    options: &CheckOptions,
) -> Result<String, String> {
    let players = info.min_players.max(2).min(info.max_players);
    let played = playout(rules, players, options.seed ^ 0xE4D, options, false)?;
    let mut tried = 0;
    // Moves that were legal earlier in the game are the likeliest to slip
    // through a missing "is it over?" test.
    for step in played.steps.iter().rev().take(8) {
        for seat in 0..played.players {
            let ctx = Context { seat, ..step.ctx };
            tried += 1;
            let answer = rules
                .apply(&played.last.state, &ctx, &step.mv)
                .map_err(|f| fault("apply", &f))?;
            if answer.is_ok() {
                return Err(format!(
                    "the game had finished, yet apply accepted {} from seat {seat}",
                    step.mv
                ));
            }
        }
    }
    let listed = (0..played.players)
        .map(|seat| rules.legal_moves(&played.last.state, seat).map(|m| m.len()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|f| fault("legal-moves", &f))?;
    if listed.iter().any(|n| *n > 0) {
        return Err("legal-moves lists moves for a finished game".into());
    }
    Ok(format!(
        "{tried} moves after the end refused; no legal moves listed"
    ))
}

fn check_forfeit(
    rules: &mut dyn Rules,
    info: &GameInfo,
    options: &CheckOptions,
) -> Result<String, String> {
    let players = info.min_players.max(2).min(info.max_players);
    let start = rules
        .start(&setup(players, options.seed))
        .map_err(|f| fault("start", &f))?
        .map_err(|why| format!("start refused {players} players: {why}"))?;
    for why in [Forfeit::Resign, Forfeit::Timeout, Forfeit::Abandon] {
        for seat in 0..players {
            let t = rules
                .forfeit(&start.state, seat, why)
                .map_err(|f| fault(&format!("forfeit(seat {seat}, {why:?})"), &f))?;
            check_transition(&t, players, "forfeit")?;
            if t.phase.may_move(seat) {
                return Err(format!(
                    "after seat {seat} forfeited ({why:?}) it is still to move"
                ));
            }
            check_views(rules, &t.state, players).map_err(|e| format!("after a forfeit: {e}"))?;
        }
    }
    Ok(format!(
        "every seat of {players} can resign, time out and abandon"
    ))
}

fn check_determinism(
    instances: &mut InstanceFactory<'_>,
    info: &GameInfo,
    options: &CheckOptions,
) -> Result<String, String> {
    let players = info
        .max_players
        .min(info.min_players.max(2))
        .max(info.min_players);
    let mut first = instances(options.seed).map_err(|f| fault("instantiate", &f))?;
    let played = playout(
        first.as_mut(),
        players,
        options.seed ^ 0xD37,
        options,
        false,
    )?;
    let start_a = first
        .start(&setup(players, 99))
        .map_err(|f| fault("start", &f))?;
    let mut compared = 0usize;
    let stride = (played.steps.len() / 12).max(1);
    // Each comparison uses two fresh instances whose own random sources are
    // seeded differently: rules that read them (or hash with a random key)
    // show up here.
    let mut instance_seed = options.seed.wrapping_mul(31);
    let mut fresh = |instances: &mut InstanceFactory<'_>| {
        instance_seed = instance_seed.wrapping_add(0x9E37_79B9);
        instances(instance_seed).map_err(|f| fault("instantiate", &f))
    };
    let start_b = fresh(instances)?
        .start(&setup(players, 99))
        .map_err(|f| fault("start", &f))?;
    if start_a != start_b {
        return Err("start is nondeterministic: two fresh instances set up different games from the same seed".into());
    }
    for step in played.steps.iter().step_by(stride) {
        let a = fresh(instances)?
            .apply(&step.state, &step.ctx, &step.mv)
            .map_err(|f| fault("apply", &f))?;
        let b = fresh(instances)?
            .apply(&step.state, &step.ctx, &step.mv)
            .map_err(|f| fault("apply", &f))?;
        if a != b {
            return Err(format!(
                "apply is nondeterministic: two fresh instances gave different results for {} by seat {} at ply {} (rules must take randomness from the context's entropy, not from the system)",
                step.mv, step.seat, step.ctx.ply
            ));
        }
        for viewer in [
            Viewer::Spectator,
            Viewer::Seat(step.seat),
            Viewer::Omniscient,
        ] {
            let a = fresh(instances)?
                .view(&step.state, viewer)
                .map_err(|f| fault("view", &f))?;
            let b = fresh(instances)?
                .view(&step.state, viewer)
                .map_err(|f| fault("view", &f))?;
            if a != b {
                return Err(format!(
                    "view({viewer:?}) is nondeterministic at ply {}",
                    step.ctx.ply
                ));
            }
        }
        let a = fresh(instances)?
            .legal_moves(&step.state, step.seat)
            .map_err(|f| fault("legal-moves", &f))?;
        let b = fresh(instances)?
            .legal_moves(&step.state, step.seat)
            .map_err(|f| fault("legal-moves", &f))?;
        if a != b {
            return Err(format!(
                "legal-moves is nondeterministic at ply {}",
                step.ctx.ply
            ));
        }
        compared += 1;
    }
    Ok(format!(
        "start and {compared} sampled positions gave identical apply, view and legal-moves results on fresh instances"
    ))
}

#[cfg(test)]
mod tests {
    use super::is_semver;

    #[test]
    fn semver_forms() {
        for good in ["0.1.0", "1.20.3", "2.0.0-beta.1", "1.0.0+build5"] {
            assert!(is_semver(good), "{good}");
        }
        for bad in ["1.0", "01.0.0", "1.x.0", "", "v1.0.0"] {
            assert!(!is_semver(bad), "{bad}");
        }
    }
}
