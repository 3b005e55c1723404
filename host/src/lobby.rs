//! The lobby: rooms per game type that players gather in before a game,
//! and a quick-play queue that pairs waiting players.
//!
//! A room starts its game when every seat is taken and every member is
//! ready. Room passwords are stored as Argon2 hashes and never sent back.
//! Rooms are kept in memory and written through to the store, so a restart
//! keeps them; the quick-play queue is not stored (its players are online
//! by definition, and come back to it after a restart).

use crate::auth::User;
use crate::game::record::TimeControl;
use crate::game::{Audience, Delivery, ErrorCode, GameError, GameService, Reply};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Most rooms one game type's lobby holds.
const MAX_ROOMS_PER_TYPE: usize = 500;

/// `lobby:create-room`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRoom {
    /// Game type id.
    pub game_type: String,
    /// Room name, shown in the list.
    pub name: String,
    /// Seats (default: the game's minimum).
    #[serde(default)]
    pub seats: Option<u32>,
    /// Options for the rules.
    #[serde(default)]
    pub options: Option<Value>,
    /// Clock setting.
    #[serde(default)]
    pub time_control: Option<TimeControl>,
    /// Password to join, if any.
    #[serde(default)]
    pub password: Option<String>,
    /// Hidden from the room list (join by id).
    #[serde(default)]
    pub private: bool,
}

#[derive(Serialize, Deserialize)]
struct Member {
    #[serde(with = "stored_user")]
    user: User,
    ready: bool,
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
struct Room {
    id: String,
    game_type: String,
    name: String,
    seats: u32,
    options: Option<Value>,
    time_control: Option<TimeControl>,
    password_hash: Option<String>,
    private: bool,
    members: Vec<Member>,
    game_id: Option<String>,
}

impl Room {
    /// What anyone may see of the room: never the password.
    fn summary(&self) -> Value {
        json!({
            "roomId": self.id,
            "gameType": self.game_type,
            "name": self.name,
            "seats": self.seats,
            "options": self.options,
            "timeControl": self.time_control,
            "hasPassword": self.password_hash.is_some(),
            "private": self.private,
            "members": self.members.iter().map(|m| json!({"userId": m.user.id, "name": m.user.name, "ready": m.ready})).collect::<Vec<_>>(),
            "gameId": self.game_id,
        })
    }
}

/// The lobby's room of a game type.
pub fn lobby_room(game_type: &str) -> String {
    format!("lobby:{game_type}")
}

/// The socket room of a lobby room's members.
pub fn members_room(room_id: &str) -> String {
    format!("room:{room_id}")
}

/// Lobby rooms and the quick-play queue.
pub struct LobbyService {
    games: Arc<GameService>,
    rooms: Mutex<BTreeMap<String, Room>>,
    /// Other nodes change rooms too (a cluster): read them from the store
    /// before each request.
    shared: bool,
    queues: Arc<dyn MatchQueue>,
}

/// Where quick-play players wait: this node's memory, or Redis in a cluster
/// (so players on different nodes are matched together).
#[async_trait::async_trait]
pub trait MatchQueue: Send + Sync {
    /// Puts `user` in the queue of `game_type` (once); when `needed` players
    /// wait, takes them out, longest waiting first.
    async fn join(&self, game_type: &str, user: &User, needed: usize) -> Result<Queued, GameError>;
    /// Takes a user out of every queue.
    async fn leave(&self, user_id: &str);
}

/// The state of a queue after a join.
pub enum Queued {
    /// Still waiting, with this many in the queue.
    Waiting(usize),
    /// A full table, in queue order.
    Table(Vec<User>),
}

/// The queues of one node.
#[derive(Default)]
pub struct LocalQueue(tokio::sync::Mutex<HashMap<String, Vec<User>>>);

#[async_trait::async_trait]
impl MatchQueue for LocalQueue {
    async fn join(&self, game_type: &str, user: &User, needed: usize) -> Result<Queued, GameError> {
        let mut queues = self.0.lock().await;
        let queue = queues.entry(game_type.to_string()).or_default();
        if !queue.iter().any(|u| u.id == user.id) {
            queue.push(user.clone());
        }
        if queue.len() < needed {
            return Ok(Queued::Waiting(queue.len()));
        }
        Ok(Queued::Table(queue.drain(..needed).collect()))
    }

    async fn leave(&self, user_id: &str) {
        for queue in self.0.lock().await.values_mut() {
            queue.retain(|u| u.id != user_id);
        }
    }
}

fn not_found(room_id: &str) -> GameError {
    GameError::new(ErrorCode::NotFound, format!("no room {room_id}"))
}

impl LobbyService {
    /// A lobby whose games go to `games`, with the rooms stored before.
    pub async fn load(games: Arc<GameService>) -> Result<Self, GameError> {
        let rooms = stored_rooms(&games).await?;
        Ok(LobbyService {
            games,
            rooms: Mutex::new(rooms),
            shared: false,
            queues: Arc::new(LocalQueue::default()),
        })
    }

    /// Marks the rooms as shared with other nodes: each request reads them
    /// from the store first.
    pub fn in_cluster(mut self, queues: Arc<dyn MatchQueue>) -> Self {
        self.shared = true;
        self.queues = queues;
        self
    }

    /// In a cluster, the rooms as stored now.
    async fn refresh(&self) -> Result<(), GameError> {
        if self.shared {
            let rooms = stored_rooms(&self.games).await?;
            *self.rooms() = rooms;
        }
        Ok(())
    }
}

/// Every stored room; one that does not decode is skipped (and logged).
async fn stored_rooms(games: &GameService) -> Result<BTreeMap<String, Room>, GameError> {
    let mut rooms = BTreeMap::new();
    for record in games.store().rooms().await? {
        match serde_json::from_str::<Room>(&record) {
            Ok(room) => {
                rooms.insert(room.id.clone(), room);
            }
            Err(e) => {
                tracing::warn!(error = %e, "skipping a stored lobby room that does not decode")
            }
        }
    }
    Ok(rooms)
}

impl LobbyService {
    /// Writes a room through to the store (or deletes it when it is gone).
    async fn persist(&self, room_id: &str) -> Result<(), GameError> {
        let record = self.rooms().get(room_id).map(serde_json::to_string);
        let store = self.games.store();
        match record {
            Some(Ok(json)) => store.save_room(room_id, &json).await?,
            Some(Err(e)) => return Err(GameError::new(ErrorCode::Internal, e.to_string())),
            None => store.delete_room(room_id).await?,
        }
        Ok(())
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Room>> {
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn public_list(&self, game_type: &str) -> Vec<Value> {
        self.rooms()
            .values()
            .filter(|r| r.game_type == game_type && !r.private && r.game_id.is_none())
            .map(Room::summary)
            .collect()
    }

    /// The room list of a lobby, to everyone watching it.
    fn list_update(&self, game_type: &str) -> Delivery {
        Delivery {
            to: Audience::Room(lobby_room(game_type)),
            event: "lobby:rooms",
            payload: json!({"gameType": game_type, "rooms": self.public_list(game_type)}),
        }
    }

    fn room_update(room: &Room) -> Delivery {
        Delivery {
            to: Audience::Room(members_room(&room.id)),
            event: "lobby:room-updated",
            payload: room.summary(),
        }
    }

    /// `lobby:join`: watch a game type's room list.
    pub async fn watch(&self, game_type: &str) -> Result<Reply, GameError> {
        self.refresh().await?;
        if !self.games.has_game_type(game_type) {
            return Err(GameError::new(
                ErrorCode::UnknownGameType,
                format!("no game type {game_type:?} is loaded"),
            ));
        }
        let mut reply = Reply {
            join_rooms: vec![lobby_room(game_type)],
            ..Reply::default()
        };
        reply.ack.insert("gameType".into(), json!(game_type));
        reply
            .ack
            .insert("rooms".into(), Value::Array(self.public_list(game_type)));
        Ok(reply)
    }

    /// `lobby:leave`: stop watching every room list.
    pub fn unwatch(&self) -> Reply {
        let types: Vec<String> = self
            .rooms()
            .values()
            .map(|r| lobby_room(&r.game_type))
            .collect();
        Reply {
            leave_rooms: types,
            ..Reply::default()
        }
    }

    /// `lobby:create-room`.
    pub async fn create_room(&self, user: &User, request: CreateRoom) -> Result<Reply, GameError> {
        self.refresh().await?;
        let info = self.games.game_info(&request.game_type)?;
        let seats = request.seats.unwrap_or(info.min_players);
        if seats < info.min_players || seats > info.max_players {
            return Err(GameError::new(
                ErrorCode::BadOptions,
                format!(
                    "{} takes {} to {} players",
                    info.name, info.min_players, info.max_players
                ),
            ));
        }
        let name = request.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(GameError::new(
                ErrorCode::Malformed,
                "a room name is 1-64 characters",
            ));
        }
        let password_hash = match request.password.filter(|p| !p.is_empty()) {
            Some(password) => Some(hash_password(password).await?),
            None => None,
        };
        let room = Room {
            id: uuid::Uuid::new_v4().simple().to_string(),
            game_type: info.id.clone(),
            name,
            seats,
            options: request.options,
            time_control: request.time_control,
            password_hash,
            private: request.private,
            members: vec![Member {
                user: user.clone(),
                ready: false,
            }],
            game_id: None,
        };
        let summary = room.summary();
        let room_id = room.id.clone();
        {
            let mut rooms = self.rooms();
            if rooms.values().filter(|r| r.game_type == info.id).count() >= MAX_ROOMS_PER_TYPE {
                return Err(GameError::new(
                    ErrorCode::GameFull,
                    "this lobby has too many rooms; try later",
                ));
            }
            rooms.insert(room_id.clone(), room);
        }
        self.persist(&room_id).await?;
        let mut reply = Reply {
            join_rooms: vec![members_room(&room_id)],
            deliveries: vec![self.list_update(&info.id)],
            ..Reply::default()
        };
        reply.ack.insert("roomId".into(), json!(room_id));
        reply.ack.insert("room".into(), summary);
        Ok(reply)
    }

    /// `lobby:join-room`.
    pub async fn join_room(
        &self,
        user: &User,
        room_id: &str,
        password: Option<&str>,
    ) -> Result<Reply, GameError> {
        self.refresh().await?;
        let hash = {
            let rooms = self.rooms();
            let room = rooms.get(room_id).ok_or_else(|| not_found(room_id))?;
            room.password_hash.clone()
        };
        if let Some(hash) = hash {
            let given = password.unwrap_or("").to_string();
            if !verify_password(given, hash).await {
                return Err(GameError::new(
                    ErrorCode::WrongPassword,
                    "wrong room password",
                ));
            }
        }
        let (mut reply, game_type) = {
            let mut rooms = self.rooms();
            let room = rooms.get_mut(room_id).ok_or_else(|| not_found(room_id))?;
            if room.game_id.is_some() {
                return Err(GameError::new(
                    ErrorCode::GameFull,
                    "the room's game has started",
                ));
            }
            if !room.members.iter().any(|m| m.user.id == user.id) {
                if room.members.len() as u32 >= room.seats {
                    return Err(GameError::new(
                        ErrorCode::GameFull,
                        "every seat of the room is taken",
                    ));
                }
                room.members.push(Member {
                    user: user.clone(),
                    ready: false,
                });
            }
            let mut reply = Reply {
                join_rooms: vec![members_room(room_id)],
                deliveries: vec![Self::room_update(room)],
                ..Reply::default()
            };
            reply.ack.insert("roomId".into(), json!(room_id));
            reply.ack.insert("room".into(), room.summary());
            (reply, room.game_type.clone())
        };
        self.persist(room_id).await?;
        reply.deliveries.push(self.list_update(&game_type));
        Ok(reply)
    }

    /// `lobby:leave-room`. The room closes when its last member leaves.
    pub async fn leave_room(&self, user: &User, room_id: &str) -> Result<Reply, GameError> {
        self.refresh().await?;
        let (mut reply, game_type) = {
            let mut rooms = self.rooms();
            let room = rooms.get_mut(room_id).ok_or_else(|| not_found(room_id))?;
            room.members.retain(|m| m.user.id != user.id);
            let game_type = room.game_type.clone();
            let mut reply = Reply {
                leave_rooms: vec![members_room(room_id)],
                ..Reply::default()
            };
            if room.members.is_empty() {
                rooms.remove(room_id);
            } else {
                reply.deliveries.push(Self::room_update(room));
            }
            (reply, game_type)
        };
        self.persist(room_id).await?;
        reply.deliveries.push(self.list_update(&game_type));
        reply.ack.insert("roomId".into(), json!(room_id));
        Ok(reply)
    }

    /// `lobby:ready` / `lobby:unready`. When every seat is taken and every
    /// member is ready, the game starts.
    pub async fn set_ready(
        &self,
        user: &User,
        room_id: &str,
        ready: bool,
    ) -> Result<Reply, GameError> {
        self.refresh().await?;
        let table = {
            let mut rooms = self.rooms();
            let room = rooms.get_mut(room_id).ok_or_else(|| not_found(room_id))?;
            if room.game_id.is_some() {
                return Err(GameError::new(
                    ErrorCode::GameFinished,
                    "the room's game has started",
                ));
            }
            let member = room
                .members
                .iter_mut()
                .find(|m| m.user.id == user.id)
                .ok_or_else(|| GameError::new(ErrorCode::NotInGame, "you are not in this room"))?;
            member.ready = ready;
            let full =
                room.members.len() as u32 == room.seats && room.members.iter().all(|m| m.ready);
            full.then(|| {
                (
                    room.game_type.clone(),
                    room.members
                        .iter()
                        .map(|m| m.user.clone())
                        .collect::<Vec<_>>(),
                    room.options.clone(),
                    room.time_control,
                )
            })
        };
        let mut reply = Reply::default();
        if let Some((game_type, players, options, time_control)) = table {
            let started = self
                .games
                .start_table(&game_type, &players, options.as_ref(), time_control, true)
                .await?;
            let game_id = started.ack.get("gameId").cloned().unwrap_or(Value::Null);
            reply.deliveries = started.deliveries;
            reply.others_join = started.others_join;
            reply.deliveries.push(Delivery {
                to: Audience::Room(members_room(room_id)),
                event: "lobby:game-started",
                payload: json!({"roomId": room_id, "gameId": game_id}),
            });
            if let Some(room) = self.rooms().get_mut(room_id) {
                room.game_id = game_id.as_str().map(str::to_string);
            }
            reply.deliveries.push(self.list_update(&game_type));
            reply.ack.insert("gameId".into(), game_id);
        } else if let Some(update) = self.rooms().get(room_id).map(Self::room_update) {
            reply.deliveries.push(update);
        }
        self.persist(room_id).await?;
        reply.ack.insert("roomId".into(), json!(room_id));
        Ok(reply)
    }

    /// `lobby:quick-play`: wait for opponents; when enough players of a game
    /// type are waiting, they are seated in a new game, longest waiting first.
    pub async fn quick_play(&self, user: &User, game_type: &str) -> Result<Reply, GameError> {
        let info = self.games.game_info(game_type)?;
        let needed = info.min_players.max(1) as usize;
        let mut reply = Reply::default();
        reply.ack.insert("gameType".into(), json!(info.id));
        let table = match self.queues.join(&info.id, user, needed).await? {
            Queued::Waiting(waiting) => {
                reply.ack.insert("queued".into(), json!(true));
                reply.ack.insert("waiting".into(), json!(waiting));
                return Ok(reply);
            }
            Queued::Table(table) => table,
        };
        let started = self
            .games
            .start_table(&info.id, &table, None, None, true)
            .await?;
        let game_id = started.ack.get("gameId").cloned().unwrap_or(Value::Null);
        reply.deliveries = started.deliveries;
        reply.others_join = started.others_join;
        for player in &table {
            reply.deliveries.push(Delivery {
                to: Audience::User(player.id.clone()),
                event: "lobby:matched",
                payload: json!({"gameType": info.id, "gameId": game_id}),
            });
        }
        reply.ack.insert("queued".into(), json!(false));
        reply.ack.insert("gameId".into(), game_id);
        Ok(reply)
    }

    /// Takes a user out of every quick-play queue (their last socket left).
    pub async fn leave_queues(&self, user_id: &str) {
        self.queues.leave(user_id).await;
    }
}

async fn hash_password(password: String) -> Result<String, GameError> {
    if password.len() > 128 {
        return Err(GameError::new(
            ErrorCode::Malformed,
            "a password is at most 128 bytes",
        ));
    }
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| {
                GameError::new(ErrorCode::Internal, format!("password hashing failed: {e}"))
            })
    })
    .await
    .map_err(|e| GameError::new(ErrorCode::Internal, e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}
