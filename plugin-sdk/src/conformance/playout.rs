//! Random games played to the end through `legal-moves`, with probes at
//! every position they reach: every view is JSON, declared secrets do not
//! leak, moves `legal-moves` does not list are refused, a seat that forfeited
//! never moves again, and the state does not grow without bound.

use super::holes::{self, MovePool};
use super::leaks::{self, Origin};
use super::{
    Budget, CheckOptions, STATE_FLOOR_BYTES, check_transition, fault, player_counts, preview,
    setup, start_game,
};
use crate::rng::Rng;
use crate::rules::Rules;
use crate::types::{Context, Forfeit, GameInfo, Phase, Seat, Transition, Viewer};
use serde_json::Value;

/// One step of a playout.
pub(super) struct Step {
    /// The state the move was applied to.
    pub state: Vec<u8>,
    /// Who moved.
    pub seat: Seat,
    /// The move's context.
    pub ctx: Context,
    /// The move.
    pub mv: String,
}

/// A playout's record: every move made, and the final transition.
pub(super) struct Playout {
    /// Players at the table.
    pub players: u32,
    /// Every move, in order.
    pub steps: Vec<Step>,
    /// The transition that ended the game.
    pub last: Transition,
    /// The state's size in bytes after each transition, start included.
    pub sizes: Vec<usize>,
}

/// What a playout checks besides playing.
#[derive(Default)]
pub(super) struct Probes {
    /// Apply every listed move at every position.
    pub exhaustive: bool,
    /// Try unlisted moves at every position.
    pub holes: bool,
    /// Check views and events against the declared secrets.
    pub leaks: bool,
    /// Forfeit one seat at this ply, then play on if the game goes on.
    pub forfeit_at: Option<u64>,
}

/// Which check a playout failure belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// Playing itself: a fault, a refused listed move, a game that never ends.
    Play,
    /// An unlisted move was accepted.
    Hole,
    /// A declared secret reached a viewer it is hidden from.
    Leak,
    /// A seat that forfeited moved again.
    Forfeit,
}

/// Why a playout stopped short.
#[derive(Debug)]
pub(super) struct Failure {
    /// Which check failed.
    pub kind: Kind,
    /// What happened, in words.
    pub message: String,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure {
            kind: Kind::Play,
            message,
        }
    }
}

fn failure(kind: Kind, message: String) -> Failure {
    Failure { kind, message }
}

/// What playouts carry from one game to the next: moves seen listed, and
/// what the probes counted.
#[derive(Default)]
pub(super) struct Carry {
    pool: MovePool,
    tally: Tally,
}

/// What the probes counted, for the report.
#[derive(Default)]
struct Tally {
    holes_tried: usize,
    positions_leak_checked: usize,
    forfeits_played_on: usize,
    forfeits_ending: usize,
}

/// Views every viewer of `state`; each must be JSON.
pub(super) fn views(
    rules: &mut dyn Rules,
    state: &[u8],
    players: u32,
) -> Result<Vec<(Viewer, Value)>, String> {
    (0..players)
        .map(Viewer::Seat)
        .chain([Viewer::Spectator, Viewer::Omniscient])
        .map(|viewer| {
            let view = rules
                .view(state, viewer)
                .map_err(|f| fault(&format!("view({viewer:?})"), &f))?;
            serde_json::from_str::<Value>(&view)
                .map(|value| (viewer, value))
                .map_err(|_| format!("view({viewer:?}) is not valid JSON: {}", preview(&view)))
        })
        .collect()
}

pub(super) fn context(seat: Seat, ply: u64, rng: &mut Rng) -> Context {
    Context {
        seat,
        ply,
        entropy: rng.next_u64(),
    }
}

/// Plays one random game, probing as `probes` says.
pub(super) fn play(
    rules: &mut dyn Rules,
    info: &GameInfo,
    players: u32,
    seed: u64,
    options: &CheckOptions,
    probes: &Probes,
    carry: &mut Carry,
) -> Result<Playout, Failure> {
    let Carry { pool, tally } = carry;
    let mut rng = Rng::new(seed);
    let started_with = setup(players, seed);
    let mut current = start_game(rules, &started_with)?;
    let secrets = info.secrets().filter(|_| probes.leaks);
    // Whether the current position came from a forfeit rather than from
    // the last step's move (or from the start).
    let mut after_forfeit = false;
    let mut steps = Vec::new();
    let mut sizes = Vec::new();
    // Seats that forfeited while the game went on: (seat, ply, why).
    let mut forfeited: Vec<(Seat, u64, Forfeit)> = Vec::new();
    let mut ply = 0u64;
    let mut forfeit_pending = probes.forfeit_at;
    loop {
        sizes.push(current.state.len());
        let at = |e: String| format!("after {ply} moves: {e}");
        let seen = views(rules, &current.state, players).map_err(at)?;
        let seats = match &current.phase {
            Phase::Finished(_) => {
                return Ok(Playout {
                    players,
                    steps,
                    last: current,
                    sizes,
                });
            }
            Phase::ToMove(seats) => seats.clone(),
        };
        if let Some(secrets) = secrets {
            let from = match steps.last() {
                _ if after_forfeit => Origin::Forfeit,
                None => Origin::Start(&started_with),
                Some(step) => Origin::Move {
                    before: &step.state,
                    ctx: step.ctx,
                    mv: &step.mv,
                },
            };
            leaks::check(rules, secrets, &current, &seen, &from)
                .map_err(at)?
                .map_err(|e| failure(Kind::Leak, at(e)))?;
            tally.positions_leak_checked += 1;
        }
        for (seat, when, why) in &forfeited {
            if seats.contains(seat) {
                return Err(failure(
                    Kind::Forfeit,
                    format!(
                        "seat {seat} forfeited after {when} moves ({why}) and the game went on, yet after {ply} moves it is to move again"
                    ),
                ));
            }
        }
        if ply >= u64::from(options.max_plies) {
            return Err(format!(
                "a random playout with {players} players did not finish within {} moves",
                options.max_plies
            )
            .into());
        }
        if forfeit_pending.is_some_and(|at| ply >= at) {
            forfeit_pending = None;
            let live: Vec<Seat> = (0..players)
                .filter(|s| !forfeited.iter().any(|(f, _, _)| f == s))
                .collect();
            let seat = live[rng.below(live.len() as u64) as usize];
            let why = [Forfeit::Resign, Forfeit::Timeout, Forfeit::Abandon][rng.below(3) as usize];
            let next = rules.forfeit(&current.state, seat, why).map_err(|f| {
                fault(
                    &format!("forfeit(seat {seat}, {why:?}) after {ply} moves"),
                    &f,
                )
            })?;
            check_transition(&next, players, "forfeit")?;
            if next.phase.is_finished() {
                tally.forfeits_ending += 1;
            } else {
                tally.forfeits_played_on += 1;
                forfeited.push((seat, ply, why));
            }
            after_forfeit = true;
            current = next;
            continue;
        }
        let seat = seats[rng.below(seats.len() as u64) as usize];
        let moves = rules
            .legal_moves(&current.state, seat)
            .map_err(|f| fault("legal-moves", &f))?;
        if moves.is_empty() {
            return Err(format!(
                "after {ply} moves, seat {seat} is to move but legal-moves is empty; playouts need listed moves"
            )
            .into());
        }
        let ctx = context(seat, ply, &mut rng);
        for (gone, when, why) in &forfeited {
            let theirs = Context { seat: *gone, ..ctx };
            let answer = rules
                .apply(&current.state, &theirs, &moves[0])
                .map_err(|f| fault("apply", &f))?;
            if answer.is_ok() {
                return Err(failure(
                    Kind::Forfeit,
                    format!(
                        "seat {gone} forfeited after {when} moves ({why}), yet after {ply} moves apply accepted its move {}",
                        moves[0]
                    ),
                ));
            }
        }
        if probes.holes {
            tally.holes_tried += holes::probe(
                rules,
                &current.state,
                &ctx,
                &moves,
                pool,
                &info.example_moves,
                &mut rng,
            )?
            .map_err(|e| failure(Kind::Hole, e))?;
        }
        pool.add(&moves, &mut rng);
        if probes.exhaustive {
            for mv in &moves {
                match rules
                    .apply(&current.state, &ctx, mv)
                    .map_err(|f| fault(&format!("apply({mv}) after {ply} moves"), &f))?
                {
                    Ok(t) => check_transition(&t, players, "apply")?,
                    Err(refused) => {
                        return Err(format!(
                            "after {ply} moves, legal-moves listed {mv} for seat {seat}, but apply refused it: {refused}"
                        )
                        .into());
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
        let before = std::mem::replace(&mut current, next);
        after_forfeit = false;
        steps.push(Step {
            state: before.state,
            seat,
            ctx,
            mv,
        });
        ply += 1;
    }
}

/// The results of the playout-based checks, one per report line.
pub(super) struct Played {
    pub games: Result<String, String>,
    pub holes: Result<String, String>,
    pub leaks: Result<String, String>,
    pub growth: Result<String, String>,
    pub forfeits: Result<String, String>,
}

/// Plays random games until `options.playouts` are done or its time is up
/// (at least one game per player count), probing every position.
pub(super) fn check_playouts(
    rules: &mut dyn Rules,
    info: &GameInfo,
    options: &CheckOptions,
) -> Played {
    let counts = player_counts(info);
    let mut seeds = Rng::new(options.seed);
    let budget = Budget::new(options.time);
    let mut carry = Carry::default();
    let mut lengths = Vec::new();
    let mut growth: Option<(usize, usize, f64, usize)> = None;
    let mut failed: Option<Failure> = None;
    for i in 0..options.playouts.max(1) {
        if i as usize >= counts.len() && budget.spent() {
            break;
        }
        let players = counts[i as usize % counts.len()];
        let seed = seeds.next_u64();
        let mut probe_rng = Rng::new(seed ^ 0xF0F);
        let probes = Probes {
            exhaustive: i == 0,
            holes: true,
            leaks: true,
            // Every third game, one seat forfeits somewhere in its first
            // stretch; the typical game's length sets the stretch.
            forfeit_at: (i % 3 == 2).then(|| {
                let typical = lengths.iter().sum::<usize>() / lengths.len().max(1);
                probe_rng.below(typical.max(2) as u64)
            }),
        };
        match play(rules, info, players, seed, options, &probes, &mut carry) {
            Ok(played) => {
                lengths.push(played.steps.len());
                let stats = state_stats(&played.sizes);
                if growth.is_none_or(|g| stats.1 > g.1) {
                    growth = Some(stats);
                }
            }
            Err(e) => {
                failed = Some(failure(
                    e.kind,
                    format!("playout {} ({players} players): {}", i + 1, e.message),
                ));
                break;
            }
        }
    }
    let longest = lengths.iter().max().copied().unwrap_or(0);
    let mean = lengths.iter().sum::<usize>() / lengths.len().max(1);
    let mut played = Played {
        games: Ok(format!(
            "{} random games finished (mean {mean}, longest {longest} moves){}; in the first, every listed move was accepted; views are JSON",
            lengths.len(),
            if budget.spent() {
                ", stopped by the time budget"
            } else {
                ""
            }
        )),
        holes: Ok(format!(
            "{} unlisted moves refused (moves listed elsewhere, example moves, \"pass\", null, \"\", 0, -1, huge numbers, altered listed moves)",
            carry.tally.holes_tried
        )),
        leaks: Ok(match info.secrets() {
            Some(_) => format!(
                "no declared secret seen by a viewer it is hidden from, in {} positions (views of every seat and the spectator, and every event)",
                carry.tally.positions_leak_checked
            ),
            None => format!(
                "{} information: no secrets to check (declare Information::Hidden to have views and events checked)",
                super::information(info)
            ),
        }),
        growth: Ok(String::new()),
        forfeits: Ok(format!(
            "{} forfeits mid-game: {} ended the game, {} went on without the seat, which never moved again",
            carry.tally.forfeits_ending + carry.tally.forfeits_played_on,
            carry.tally.forfeits_ending,
            carry.tally.forfeits_played_on
        )),
    };
    played.growth = match growth {
        Some((first, largest, per_ply, at)) => {
            let summary = format!(
                "state {first} B at the start, at most {largest} B (after {at} moves), {per_ply:+.0} B per move on average in that game (budget {} B per move past {} KiB)",
                options.state_growth_per_ply,
                STATE_FLOOR_BYTES >> 10
            );
            if largest > STATE_FLOOR_BYTES && per_ply > options.state_growth_per_ply as f64 {
                Err(format!("the state keeps growing: {summary}"))
            } else {
                Ok(summary)
            }
        }
        None => Ok("no game finished".into()),
    };
    if let Some(Failure { kind, message }) = failed {
        let slot = match kind {
            Kind::Hole => &mut played.holes,
            Kind::Leak => &mut played.leaks,
            Kind::Forfeit => &mut played.forfeits,
            Kind::Play => &mut played.games,
        };
        *slot = Err(message);
    }
    played
}

/// (size at the start, largest size, mean growth per move up to the
/// largest, moves until the largest).
fn state_stats(sizes: &[usize]) -> (usize, usize, f64, usize) {
    let first = sizes.first().copied().unwrap_or(0);
    let (at, largest) = sizes
        .iter()
        .copied()
        .enumerate()
        .max_by_key(|(_, size)| *size)
        .unwrap_or((0, first));
    let per_ply = if at == 0 {
        0.0
    } else {
        (largest as f64 - first as f64) / at as f64
    };
    (first, largest, per_ply, at)
}
