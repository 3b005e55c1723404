//! Checks around the edges of play: junk moves, moves out of turn and after
//! the end, forfeits from the first position, and determinism across fresh
//! instances.

use super::playout::{self, Playout, Probes};
use super::{
    CheckOptions, InstanceFactory, check_transition, fault, setup, start_game, two_or_fewest,
};
use crate::rules::Rules;
use crate::types::{Context, Forfeit, GameInfo, MoveError, Phase, Viewer};

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

/// A playout without probes, for the checks that need a finished game.
fn plain_playout(
    rules: &mut dyn Rules,
    info: &GameInfo,
    players: u32,
    seed: u64,
    options: &CheckOptions,
) -> Result<Playout, String> {
    playout::play(
        rules,
        info,
        players,
        seed,
        options,
        &Probes::default(),
        &mut Default::default(),
    )
    .map_err(|f| f.message)
}

pub(super) fn check_bad_moves(
    rules: &mut dyn Rules,
    info: &GameInfo,
    options: &CheckOptions,
) -> Result<String, String> {
    let players = two_or_fewest(info);
    let start = start_game(rules, &setup(players, options.seed))?;
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

pub(super) fn check_after_end(
    rules: &mut dyn Rules,
    info: &GameInfo,
    options: &CheckOptions,
) -> Result<String, String> {
    let players = two_or_fewest(info);
    let played = plain_playout(rules, info, players, options.seed ^ 0xE4D, options)?;
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

pub(super) fn check_forfeit(
    rules: &mut dyn Rules,
    info: &GameInfo,
    options: &CheckOptions,
) -> Result<String, String> {
    let players = two_or_fewest(info);
    let start = start_game(rules, &setup(players, options.seed))?;
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
            playout::views(rules, &t.state, players)
                .map_err(|e| format!("after a forfeit: {e}"))?;
        }
    }
    Ok(format!(
        "every seat of {players} can resign, time out and abandon"
    ))
}

pub(super) fn check_determinism(
    instances: &mut InstanceFactory<'_>,
    info: &GameInfo,
    options: &CheckOptions,
) -> Result<String, String> {
    let players = info
        .max_players
        .min(info.min_players.max(2))
        .max(info.min_players);
    let mut first = instances(options.seed).map_err(|f| fault("instantiate", &f))?;
    let played = plain_playout(first.as_mut(), info, players, options.seed ^ 0xD37, options)?;
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
