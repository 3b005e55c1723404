//! The host's socket protocol as the bots speak it (docs/protocol.md):
//! guest tokens, `game:create` / `game:join` / `game:move` and their acks,
//! and the three events that may hand a player its turn. Nothing here knows
//! a game's rules: a bot plays one of the `legalMoves` the host sends it.
//!
//!   POST /api/auth/guest {name}                   -> {token, ...}
//!   CONNECT auth {token}; ready: connection:confirmed
//!   game:create {gameType, players}              ack {ok, gameId, game}
//!   game:join {gameId}                           ack {ok, gameId, seat, game}
//!   game:move {gameId, move}                     ack {ok, gameId, version}
//!   game:started / game:state-update (snapshot), game:move-made:
//!     {gameId, version, status, legalMoves: [JSON text], ...}

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const EV_READY: &str = "connection:confirmed";
pub const EV_CREATE: &str = "game:create";
pub const EV_JOIN: &str = "game:join";
pub const EV_MOVE: &str = "game:move";

/// A change that may hand the receiver its turn.
#[derive(Debug, PartialEq)]
pub struct Turn {
    pub game_id: String,
    pub version: u64,
    pub finished: bool,
    /// The receiver's legal moves, each as the JSON text the rules list.
    pub legal_moves: Vec<String>,
}

/// Asks the host for a guest token named `name`.
pub async fn guest_token(host: &str, name: &str) -> Result<String, String> {
    let body = json!({ "name": name }).to_string();
    let (status, reply) = http(host, "POST", "/api/auth/guest", Some(&body)).await?;
    if !(200..300).contains(&status) {
        return Err(format!(
            "POST /api/auth/guest: HTTP {status}: {}",
            clip(&reply, 200)
        ));
    }
    let v: Value =
        serde_json::from_str(&reply).map_err(|e| format!("guest token: bad JSON: {e}"))?;
    v.get("token")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("guest token: no token in {}", clip(&reply, 200)))
}

pub fn create_game(game_type: &str, players: usize) -> (&'static str, Value) {
    (
        EV_CREATE,
        json!({ "gameType": game_type, "players": players }),
    )
}

pub fn join_game(game_id: &str) -> (&'static str, Value) {
    (EV_JOIN, json!({ "gameId": game_id }))
}

pub fn make_move(game_id: &str, mv: Value) -> (&'static str, Value) {
    (EV_MOVE, json!({ "gameId": game_id, "move": mv }))
}

/// `{ok:true,...}` gives the reply; `{ok:false,error:{code}}` its code. Acks
/// arrive as an argument array.
pub fn ack_result(args: &Value) -> Result<&Value, String> {
    let reply = match args {
        Value::Array(a) => a.first().unwrap_or(&Value::Null),
        other => other,
    };
    match reply.get("ok").and_then(Value::as_bool) {
        Some(true) => Ok(reply),
        Some(false) => Err(reply
            .pointer("/error/code")
            .and_then(Value::as_str)
            .unwrap_or("UNKNOWN")
            .to_string()),
        None => Err("BAD_REPLY".to_string()),
    }
}

/// The game id of a `game:create` ack.
pub fn created_game(args: &Value) -> Result<String, String> {
    ack_result(args)?
        .get("gameId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| "BAD_REPLY".to_string())
}

/// Reads a `game:started`, `game:state-update` or `game:move-made`; None
/// for any other event.
pub fn turn_of(event: &str, payload: &Value) -> Option<Turn> {
    if !matches!(
        event,
        "game:started" | "game:state-update" | "game:move-made"
    ) {
        return None;
    }
    let legal_moves = payload
        .get("legalMoves")
        .and_then(Value::as_array)
        .map(|moves| {
            moves
                .iter()
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Some(Turn {
        game_id: payload.get("gameId")?.as_str()?.to_string(),
        version: payload.get("version").and_then(Value::as_u64).unwrap_or(0),
        finished: payload.get("status").and_then(Value::as_str) == Some("finished"),
        legal_moves,
    })
}

/// A tiny HTTP/1.1 client for the loopback server (http only, one request
/// per connection). Returns the status and the body.
pub async fn http(
    host: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(host)
        .await
        .map_err(|e| format!("{method} {path}: {e}"))?;
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    stream
        .read_to_end(&mut buf)
        .await
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&buf);
    let (head, payload) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{method} {path}: malformed HTTP response"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let payload = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(payload)
    } else {
        payload.to_string()
    };
    Ok((status, payload))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size_line, rest)) = s.split_once("\r\n") {
        let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        s = rest[size..].strip_prefix("\r\n").unwrap_or(&rest[size..]);
    }
    out
}

fn clip(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acks() {
        assert_eq!(
            created_game(&json!([{"ok": true, "gameId": "g1", "game": {}}])).unwrap(),
            "g1"
        );
        let refused = json!([{"ok": false, "error": {"code": "NOT_YOUR_TURN", "message": "x"}}]);
        assert_eq!(ack_result(&refused).unwrap_err(), "NOT_YOUR_TURN");
        assert_eq!(ack_result(&json!([{}])).unwrap_err(), "BAD_REPLY");
    }

    #[test]
    fn turns() {
        let made = json!({"gameId": "g1", "version": 3, "status": "active", "toMove": [1],
            "legalMoves": ["0", "\"e2e4\""], "view": {}});
        assert_eq!(
            turn_of("game:move-made", &made),
            Some(Turn {
                game_id: "g1".into(),
                version: 3,
                finished: false,
                legal_moves: vec!["0".into(), "\"e2e4\"".into()]
            })
        );
        let ended = json!({"gameId": "g1", "version": 9, "status": "finished", "legalMoves": []});
        assert!(
            turn_of("game:move-made", &ended)
                .is_some_and(|t| t.finished && t.legal_moves.is_empty())
        );
        assert_eq!(turn_of("game:joined", &made), None);
    }

    #[test]
    fn chunked_bodies() {
        assert_eq!(dechunk("4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n"), "abcdef");
    }
}
