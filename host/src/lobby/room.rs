//! A lobby room as it is kept and stored: its settings and members.

use crate::auth::User;
use crate::base::error::GameError;
use crate::game::GameService;
use crate::records::game::TimeControl;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize)]
pub(super) struct Member {
    #[serde(with = "stored_user")]
    pub(super) user: User,
    pub(super) ready: bool,
    /// Their rating in the room's game type when they joined.
    #[serde(default)]
    pub(super) rating: Option<f64>,
}

/// Users as stored in a room record.
mod stored_user {
    use crate::auth::{Role, User};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Stored {
        id: String,
        name: String,
        role: Role,
    }

    pub fn serialize<S: Serializer>(user: &User, s: S) -> Result<S::Ok, S::Error> {
        Stored {
            id: user.id.clone(),
            name: user.name.clone(),
            role: user.role,
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<User, D::Error> {
        let stored = Stored::deserialize(d)?;
        Ok(User {
            id: stored.id,
            name: stored.name,
            role: stored.role,
        })
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct Room {
    pub(super) id: String,
    pub(super) game_type: String,
    pub(super) name: String,
    pub(super) seats: u32,
    pub(super) options: Option<Value>,
    pub(super) time_control: Option<TimeControl>,
    pub(super) password_hash: Option<String>,
    pub(super) private: bool,
    pub(super) members: Vec<Member>,
    /// Set on rooms stored before rooms closed at the start of their game;
    /// such rooms are deleted when the lobby loads.
    #[serde(default)]
    pub(super) game_id: Option<String>,
    /// The user who opened it (counted against their cap).
    #[serde(default)]
    pub(super) owner: String,
    /// Changes stored so far: the compare-and-set key of its writes.
    #[serde(default)]
    pub(super) version: u64,
}

impl Room {
    /// What anyone may see of the room: never the password.
    pub(super) fn summary(&self) -> Value {
        json!({
            "roomId": self.id,
            "gameType": self.game_type,
            "name": self.name,
            "seats": self.seats,
            "options": self.options,
            "timeControl": self.time_control,
            "hasPassword": self.password_hash.is_some(),
            "private": self.private,
            "owner": self.owner,
            "members": self.members.iter().map(|m| {
                let mut member = json!({"userId": m.user.id, "name": m.user.name, "ready": m.ready});
                if let Some(rating) = m.rating {
                    member["rating"] = json!(rating.round());
                }
                member
            }).collect::<Vec<_>>(),
        })
    }

    pub(super) fn is_member(&self, user_id: &str) -> bool {
        self.members.iter().any(|m| m.user.id == user_id)
    }
}

/// Every stored room; one that does not decode is skipped (and logged), and
/// one whose game has started (stored before rooms closed) is deleted.
pub(super) async fn stored_rooms(games: &GameService) -> Result<BTreeMap<String, Room>, GameError> {
    let mut rooms = BTreeMap::new();
    for record in games.store().rooms().await? {
        match serde_json::from_str::<Room>(&record) {
            Ok(room) if room.game_id.is_some() => {
                games.store().delete_room(&room.id, None).await?;
            }
            Ok(mut room) => {
                if room.owner.is_empty() {
                    room.owner = room
                        .members
                        .first()
                        .map(|m| m.user.id.clone())
                        .unwrap_or_default();
                }
                rooms.insert(room.id.clone(), room);
            }
            Err(e) => {
                tracing::warn!(error = %e, "skipping a stored lobby room that does not decode")
            }
        }
    }
    Ok(rooms)
}
