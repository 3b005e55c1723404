//! The socket rooms of the lobby.

/// The lobby's room of a game type.
pub fn lobby_room(game_type: &str) -> String {
    format!("lobby:{game_type}")
}

/// The socket room of a lobby room's members.
pub fn members_room(room_id: &str) -> String {
    format!("room:{room_id}")
}
