//! What a tournament is created with, checked.

use crate::base::error::{ErrorCode, GameError};
use crate::records::game::TimeControl;
use crate::records::tournament::Format;
use serde::Deserialize;
use serde_json::Value;

/// Most players one tournament may take.
pub const MAX_PLAYERS: u32 = 256;
/// Largest options document, in bytes of JSON.
const MAX_OPTIONS_BYTES: usize = 16 << 10;
/// Longest name, in characters.
const MAX_NAME_CHARS: usize = 64;
/// Furthest a start time may be, from now: 30 days.
const MAX_START_AHEAD_MS: u64 = 30 * 24 * 3600 * 1000;

/// A request to create a tournament (`tournament:create`, the admin API).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTournament {
    /// Its name.
    pub name: String,
    /// The game type.
    pub game_type: String,
    /// Format and parameters: `{kind: "round-robin", double?}`,
    /// `{kind: "knockout", draws?: "rematch" | "higher-seed"}`,
    /// `{kind: "swiss", rounds}`, `{kind: "arena", minutes}`,
    /// `{kind: "tables", rounds, seats?}`.
    pub format: Format,
    /// Options for the rules.
    #[serde(default)]
    pub options: Option<Value>,
    /// Clock of every game.
    #[serde(default)]
    pub time_control: Option<TimeControl>,
    /// Whether its games count for ratings (default true).
    #[serde(default)]
    pub rated: Option<bool>,
    /// Most players (default 16).
    #[serde(default)]
    pub max_players: Option<u32>,
    /// Password to join.
    #[serde(default)]
    pub password: Option<String>,
    /// Start time (ms since the epoch).
    #[serde(default)]
    pub starts_at: Option<u64>,
    /// Start as soon as it is full.
    #[serde(default)]
    pub start_when_full: Option<bool>,
    /// How long a paired player may stay away before losing, ms (default
    /// 60 s; 5 s to 10 min).
    #[serde(default)]
    pub no_show_ms: Option<u64>,
}

/// The checked parameters of a request.
pub struct Checked {
    /// Most players.
    pub max_players: u32,
    /// No-show window.
    pub no_show_ms: u64,
}

fn bad(message: impl Into<String>) -> GameError {
    GameError::new(ErrorCode::BadOptions, message)
}

/// Checks `request` for a game whose rules seat `min..=max` players.
pub fn check(
    request: &CreateTournament,
    min_seats: u32,
    max_seats: u32,
    now: u64,
) -> Result<Checked, GameError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(bad("a tournament's name is 1 to 64 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(bad("a tournament's name may not hold control characters"));
    }
    let max_players = request.max_players.unwrap_or(16);
    if !(2..=MAX_PLAYERS).contains(&max_players) {
        return Err(bad(format!("max players: 2 to {MAX_PLAYERS}")));
    }
    let two_seats = (min_seats..=max_seats).contains(&2);
    match &request.format {
        Format::Tables { rounds, seats } => {
            let seats = seats.unwrap_or(min_seats);
            if !(min_seats..=max_seats).contains(&seats) {
                return Err(bad(format!(
                    "this game seats {min_seats} to {max_seats} players, not {seats}"
                )));
            }
            if !(1..=50).contains(rounds) {
                return Err(bad("tables: 1 to 50 rounds"));
            }
            if seats > max_players {
                return Err(bad("max players is below one table"));
            }
        }
        format if !two_seats => {
            return Err(bad(format!(
                "{} needs a two-player game, and this one seats {min_seats} to {max_seats}: use the tables format",
                format.kind()
            )));
        }
        Format::Swiss { rounds } => {
            if *rounds == 0 {
                return Err(bad("swiss: at least 1 round"));
            }
            if *rounds >= max_players {
                return Err(bad(format!(
                    "swiss: {rounds} rounds need more than {max_players} players (at most players - 1 rounds)"
                )));
            }
        }
        Format::Arena { minutes } => {
            if !(1..=24 * 60).contains(minutes) {
                return Err(bad("arena: 1 to 1440 minutes"));
            }
        }
        Format::RoundRobin { .. } | Format::Knockout { .. } => {}
    }
    if let Some(options) = &request.options {
        let size = serde_json::to_string(options).map_or(usize::MAX, |s| s.len());
        if size > MAX_OPTIONS_BYTES {
            return Err(GameError::new(
                ErrorCode::PayloadTooLarge,
                "options are over 16 KiB",
            ));
        }
    }
    if let Some(at) = request.starts_at
        && (at <= now || at > now + MAX_START_AHEAD_MS)
    {
        return Err(bad("the start time must be in the next 30 days"));
    }
    let no_show_ms = request.no_show_ms.unwrap_or(60_000);
    if !(5_000..=600_000).contains(&no_show_ms) {
        return Err(bad("no-show window: 5 s to 10 min"));
    }
    if request.password.as_ref().is_some_and(|p| p.len() > 128) {
        return Err(GameError::new(
            ErrorCode::Malformed,
            "a password is at most 128 bytes",
        ));
    }
    Ok(Checked {
        max_players,
        no_show_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(format: Value) -> CreateTournament {
        serde_json::from_value(serde_json::json!({
            "name": "Cup", "gameType": "tic-tac-toe", "format": format, "maxPlayers": 8
        }))
        .expect("a valid request")
    }

    #[test]
    fn bad_parameters_are_refused_with_a_reason() {
        let code =
            |format: Value, min, max| check(&request(format), min, max, 0).err().map(|e| e.code);
        use serde_json::json;
        assert_eq!(
            code(json!({"kind": "swiss", "rounds": 0}), 2, 2),
            Some(ErrorCode::BadOptions)
        );
        assert_eq!(
            code(json!({"kind": "swiss", "rounds": 8}), 2, 2),
            Some(ErrorCode::BadOptions)
        );
        assert_eq!(code(json!({"kind": "swiss", "rounds": 7}), 2, 2), None);
        assert_eq!(
            code(json!({"kind": "round-robin"}), 3, 6),
            Some(ErrorCode::BadOptions)
        );
        assert_eq!(code(json!({"kind": "tables", "rounds": 2}), 3, 6), None);
        assert_eq!(
            code(json!({"kind": "tables", "rounds": 2, "seats": 7}), 3, 6),
            Some(ErrorCode::BadOptions)
        );
        assert_eq!(
            code(json!({"kind": "arena", "minutes": 0}), 2, 2),
            Some(ErrorCode::BadOptions)
        );
        assert!(
            serde_json::from_value::<CreateTournament>(json!({
                "name": "x", "gameType": "g", "format": {"kind": "ladder"}
            }))
            .is_err(),
            "an unknown format does not decode"
        );
    }
}
