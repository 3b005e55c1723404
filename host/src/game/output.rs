//! What the host checks of a plugin's output before anything of it is
//! stored or sent: views must be JSON, the seats a phase names must exist,
//! and an event that is not JSON is sent as `null`.

use crate::base::error::{ErrorCode, GameError};
use gamehost_sdk::{Fault, Phase, Transition};
use serde_json::Value;
use serde_json::value::RawValue;

/// A view as the rules returned it, if it is JSON (kept as text: it is
/// sent as it is).
pub fn view_json(text: String) -> Result<Box<RawValue>, Fault> {
    RawValue::from_string(text).map_err(|e| {
        Fault::new(
            gamehost_sdk::FaultKind::BadOutput,
            format!("a view is not JSON: {e}"),
        )
    })
}

/// The rules may only name seats of this game, and a game that goes on
/// has someone to move.
pub fn check_seats(t: &Transition, seats: u32) -> Result<(), GameError> {
    let bad = match &t.phase {
        Phase::ToMove(to_move) => to_move.is_empty() || to_move.iter().any(|s| *s >= seats),
        Phase::Finished(o) => o.winners.iter().any(|s| *s >= seats),
    };
    if bad {
        tracing::warn!(phase = ?t.phase, seats, "plugin named a seat outside the game");
        return Err(GameError::new(
            ErrorCode::PluginFailure,
            "the game's rules named a seat outside the game; nothing changed",
        ));
    }
    Ok(())
}

/// A change's events as JSON, one for each (`null` for one that is not).
pub fn raw_events(events: &[String]) -> Vec<Value> {
    events
        .iter()
        .map(|e| serde_json::from_str(e).unwrap_or(Value::Null))
        .collect()
}
