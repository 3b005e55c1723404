//! The outbox every service fills: what a request wants sent, to whom,
//! and its answer. The transport (Socket.IO) turns it into emits; no
//! service knows how.

use serde_json::Value;

/// Who a delivery goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Every socket of one user.
    User(String),
    /// Everyone watching a game without a seat.
    Spectators(String),
    /// Everyone in a game: every socket of each of `players` (the seated
    /// users, however and wherever they took their seat) and the game's
    /// spectators. Built from the game record ([`everyone_in`]), so no
    /// socket has to have joined anything to hear its game.
    Game {
        /// The game.
        game_id: String,
        /// The seated users to reach.
        players: Vec<String>,
    },
    /// A named room (`lobby:{gameType}`, `room:{id}`).
    Room(String),
    /// Every connected client.
    Everyone,
    /// Admins watching the `/admin` namespace.
    Admins,
}

/// One event to send.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// Recipients.
    pub to: Audience,
    /// Event name.
    pub event: &'static str,
    /// Payload.
    pub payload: Value,
}

/// The answer to a request: the acknowledgement's fields, and what to send
/// to others.
#[derive(Debug, Default)]
pub struct Reply {
    /// Fields of `{ok: true, ...}`.
    pub ack: serde_json::Map<String, Value>,
    /// Events for others (and for the requester's other sockets).
    pub deliveries: Vec<Delivery>,
    /// Rooms the requester's sockets should join (`game:{id}` ...).
    pub join_rooms: Vec<String>,
    /// Rooms the requester's sockets should leave.
    pub leave_rooms: Vec<String>,
    /// The game type the request was about, for metrics.
    pub game_type: Option<String>,
}
