//! Rule holes: moves that `legal-moves` does not list, tried at every
//! position a playout reaches. For a game whose moves are listed, `apply`
//! must refuse every one of them; accepting one means a client can play a
//! move the rules never offered (a "pass" where passing is not allowed, a
//! cell off the board, a bid from an earlier round).

use super::fault;
use crate::rng::Rng;
use crate::rules::Rules;
use crate::types::{Context, MoveError};
use serde_json::Value;
use std::collections::HashSet;

/// Shapes a careless `apply` may take for a move: passes, nothing, the
/// numbers at and past the edges.
const SHAPES: &[&str] = &[
    "\"pass\"",
    "null",
    "\"\"",
    "0",
    "-1",
    "4294967296",
    "9007199254740993",
    "1e300",
    "true",
    "\"resign\"",
];

/// Most moves remembered from earlier positions.
const POOL_SIZE: usize = 512;

/// Moves seen listed at earlier positions or for other seats, canonical.
#[derive(Default)]
pub(super) struct MovePool {
    moves: Vec<String>,
    known: HashSet<String>,
}

impl MovePool {
    /// Remembers `listed`; past [`POOL_SIZE`] a random old move makes room.
    pub fn add(&mut self, listed: &[String], rng: &mut Rng) {
        for mv in listed {
            let mv = canonical(mv);
            if self.known.contains(&mv) {
                continue;
            }
            self.known.insert(mv.clone());
            if self.moves.len() < POOL_SIZE {
                self.moves.push(mv);
            } else {
                let slot = rng.below(POOL_SIZE as u64) as usize;
                self.known.remove(&self.moves[slot]);
                self.moves[slot] = mv;
            }
        }
    }

    fn sample(&self, rng: &mut Rng, count: usize) -> Vec<String> {
        if self.moves.is_empty() {
            return Vec::new();
        }
        (0..count)
            .map(|_| self.moves[rng.below(self.moves.len() as u64) as usize].clone())
            .collect()
    }
}

/// One spelling per JSON value, so `{"a": 1}` and `{"a":1}` are one move.
fn canonical(mv: &str) -> String {
    serde_json::from_str::<Value>(mv)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| mv.to_string())
}

/// A listed move with one leaf changed: a number pushed out of range, a
/// string emptied or turned into a pass, a flag flipped.
fn altered(mv: &str, rng: &mut Rng) -> Option<String> {
    let mut value = serde_json::from_str::<Value>(mv).ok()?;
    let mut leaves = Vec::new();
    collect_leaves(&value, String::new(), &mut leaves);
    let pointer = leaves.get(rng.below(leaves.len().max(1) as u64) as usize)?;
    let slot = value.pointer_mut(pointer)?;
    *slot = match slot {
        Value::Number(_) => [Value::from(-1), Value::from(1u64 << 32), Value::from(255)]
            [rng.below(3) as usize]
            .clone(),
        Value::String(_) => Value::from(["pass", ""][rng.below(2) as usize]),
        Value::Bool(b) => Value::from(!*b),
        _ => Value::Null,
    };
    Some(value.to_string())
}

fn collect_leaves(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                collect_leaves(
                    child,
                    format!("{pointer}/{}", crate::secrets::escape(key)),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_leaves(child, format!("{pointer}/{i}"), out);
            }
        }
        _ => out.push(pointer),
    }
}

/// Tries a handful of unlisted moves for the seat to move in `state`: a
/// shape or an example move, two moves listed elsewhere, an altered listed
/// move. Over a run's thousands of positions every shape and example is
/// tried many times. Returns how many were tried, or the hole found; a fault
/// in a call is the outer error.
pub(super) fn probe(
    rules: &mut dyn Rules,
    state: &[u8],
    ctx: &Context,
    listed: &[String],
    pool: &MovePool,
    examples: &[String],
    rng: &mut Rng,
) -> Result<Result<usize, String>, String> {
    let listed_now: HashSet<String> = listed.iter().map(|mv| canonical(mv)).collect();
    let fixed: Vec<&str> = SHAPES
        .iter()
        .copied()
        .chain(examples.iter().map(String::as_str))
        .collect();
    let mut candidates = vec![fixed[rng.below(fixed.len() as u64) as usize].to_string()];
    candidates.extend(pool.sample(rng, 2));
    let base = &listed[rng.below(listed.len() as u64) as usize];
    candidates.extend(altered(base, rng));
    let mut tried = HashSet::new();
    for mv in candidates {
        let key = canonical(&mv);
        if listed_now.contains(&key) || !tried.insert(key) {
            continue;
        }
        match rules
            .apply(state, ctx, &mv)
            .map_err(|f| fault(&format!("apply({mv}) after {} moves", ctx.ply), &f))?
        {
            Err(MoveError::Illegal(_) | MoveError::Malformed(_)) => {}
            Ok(_) => {
                return Ok(Err(format!(
                    "after {} moves, seat {} played {mv}, which legal-moves does not list, and apply accepted it",
                    ctx.ply, ctx.seat
                )));
            }
            Err(other) => {
                return Ok(Err(format!(
                    "after {} moves, the unlisted move {mv} by the seat to move (seat {}) answered {other}; expected illegal or malformed",
                    ctx.ply, ctx.seat
                )));
            }
        }
    }
    Ok(Ok(tried.len()))
}
