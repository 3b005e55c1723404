//! What each viewer sees of a game, computed in one plugin instance.

use super::output::view_json;
use crate::records::game::{GameRecord, Status};
use gamehost_sdk::{Fault, Phase, Rules, Seat, Viewer};
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// Every view a broadcast of one game state needs.
#[derive(Clone, Debug)]
pub struct Views {
    /// Each seat's view, in seat order.
    pub seats: Vec<Box<RawValue>>,
    /// The spectator view.
    pub spectator: Box<RawValue>,
    /// Each seat's legal moves (empty unless it is to move).
    pub legal: Vec<Vec<String>>,
    /// The omniscient view, computed only once the game is finished.
    pub omniscient: Option<Box<RawValue>>,
}

/// Computes every view of `state` in `rules` (one instance, already made).
pub fn render(
    rules: &mut dyn Rules,
    state: &[u8],
    phase: &Phase,
    seats: u32,
    active: bool,
) -> Result<Views, Fault> {
    let mut seat_views = Vec::with_capacity(seats as usize);
    let mut legal = Vec::with_capacity(seats as usize);
    for seat in 0..seats {
        seat_views.push(view_json(rules.view(state, Viewer::Seat(seat))?)?);
        legal.push(if active && phase.may_move(seat) {
            rules.legal_moves(state, seat)?
        } else {
            Vec::new()
        });
    }
    let spectator = view_json(rules.view(state, Viewer::Spectator)?)?;
    let omniscient = if phase.is_finished() {
        Some(view_json(rules.view(state, Viewer::Omniscient)?)?)
    } else {
        None
    };
    Ok(Views {
        seats: seat_views,
        spectator,
        legal,
        omniscient,
    })
}

/// The snapshot of `game` for one viewer (`seat` is `None` for spectators).
pub fn snapshot(
    game: &GameRecord,
    views: &Views,
    seat: Option<Seat>,
    spectators: usize,
    online: &dyn Fn(&str) -> bool,
) -> Value {
    let (view, legal) = match seat.and_then(|s| views.seats.get(s as usize).map(|v| (s, v))) {
        Some((s, v)) => (
            v.clone(),
            views.legal.get(s as usize).cloned().unwrap_or_default(),
        ),
        None => (views.spectator.clone(), Vec::new()),
    };
    json!({
        "gameId": game.id,
        "gameType": game.game_type,
        "pluginVersion": game.plugin_version,
        "version": game.version,
        "status": game.status.as_str(),
        "players": players(game, online),
        "seats": game.players.len(),
        "spectators": spectators,
        "allowSpectators": game.allow_spectators,
        "rated": game.rated,
        "you": seat.map(|s| json!({"seat": s})),
        "view": view,
        "phase": game.phase,
        "toMove": game.to_move(),
        "legalMoves": legal,
        "clocks": clocks(game),
        "outcome": game.outcome(),
        "drawOffer": game.draw_offer,
        "revengeOffer": game.revenge_offer,
        "rematchId": game.rematch_id,
    })
}

/// The seats and who holds them.
pub fn players(game: &GameRecord, online: &dyn Fn(&str) -> bool) -> Vec<Value> {
    game.players
        .iter()
        .enumerate()
        .filter_map(|(seat, p)| {
            p.as_ref().map(|p| {
                let mut line = json!({"seat": seat, "userId": p.user_id, "name": p.name, "connected": online(&p.user_id)});
                if let Some(Some(rating)) = game.ratings.get(seat) {
                    line["rating"] = json!(rating.round());
                }
                line
            })
        })
        .collect()
}

/// The clocks as of now, or `null` without a time control.
pub fn clocks(game: &GameRecord) -> Value {
    let Some(tc) = game.time_control else {
        return Value::Null;
    };
    let running = match (game.status, game.to_move().as_slice()) {
        (Status::Active, [seat]) => Some(*seat),
        _ => None,
    };
    let now = crate::base::clock::now_ms();
    let remaining: Vec<u64> = game
        .clocks
        .iter()
        .enumerate()
        .map(|(seat, left)| match (running, game.clock_started_at) {
            (Some(r), Some(since)) if r as usize == seat => {
                left.saturating_sub(now.saturating_sub(since))
            }
            _ => *left,
        })
        .collect();
    let mut value = json!({"remainingMs": remaining, "running": running});
    if let crate::records::game::TimeControl::PerMove { per_move_ms } = tc {
        value["perMoveMs"] = json!(per_move_ms);
    }
    value
}
