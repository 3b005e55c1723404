//! Lobby rooms: a room per table a player opens, listed in its game
//! type's lobby, joined (with a password if it has one), readied, and
//! closed when its game starts. Passwords are stored as Argon2 hashes and
//! never sent back.

use super::names::{lobby_room, members_room};
use super::room::{Member, Room, stored_rooms};
use super::service::LobbyService;
use crate::auth::User;
use crate::auth::password::{hash_password, verify_password};
use crate::base::error::{ErrorCode, GameError};
use crate::base::outbox::{Audience, Delivery, Reply};
use crate::records::game::TimeControl;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Largest options document of a room, in bytes of JSON (as `game:create`).
const MAX_OPTIONS_BYTES: usize = 16 << 10;

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

fn not_found(room_id: &str) -> GameError {
    GameError::new(
        ErrorCode::NotFound,
        format!("no room {room_id} (a room closes when its game starts or its last member leaves)"),
    )
}

fn not_member() -> GameError {
    GameError::new(ErrorCode::NotInRoom, "you are not a member of this room")
}

impl LobbyService {
    /// In a cluster, the rooms as stored now.
    async fn refresh(&self) -> Result<(), GameError> {
        if self.shared {
            let rooms = stored_rooms(&self.games).await?;
            *self.rooms() = rooms;
        }
        Ok(())
    }

    /// Writes a room through to the store (or deletes it when it is gone),
    /// if the stored one is still at `expected` (`None`: a new room).
    async fn persist(&self, room_id: &str, expected: Option<u64>) -> Result<(), GameError> {
        let record = self
            .rooms()
            .get(room_id)
            .map(|room| (room.version, serde_json::to_string(room)));
        let store = self.games.store();
        match record {
            Some((version, Ok(json))) => store.save_room(room_id, &json, version, expected).await?,
            Some((_, Err(e))) => return Err(GameError::new(ErrorCode::Internal, e.to_string())),
            None => store.delete_room(room_id, expected).await?,
        }
        Ok(())
    }

    /// Runs a change of rooms (read, change, write) on its own; in a
    /// cluster, one that lost a race with another node is run again on the
    /// rooms as they are stored then.
    async fn write<'a, T>(
        &'a self,
        change: impl Fn() -> BoxFuture<'a, Result<T, GameError>>,
    ) -> Result<T, GameError> {
        let _writing = self.writing.lock().await;
        let mut attempt = 0;
        loop {
            match change().await {
                Err(e) if e.code == ErrorCode::Conflict && self.shared && attempt < 4 => {
                    attempt += 1;
                    tracing::debug!(attempt, "lobby room changed on another node; again");
                }
                Err(e) if e.code == ErrorCode::Conflict => {
                    return Err(GameError::new(
                        ErrorCode::Conflict,
                        "the room changed at the same moment; try again",
                    ));
                }
                result => return result,
            }
        }
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Room>> {
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn public_list(&self, game_type: &str) -> Vec<Value> {
        self.rooms()
            .values()
            .filter(|r| r.game_type == game_type && !r.private)
            .map(Room::summary)
            .collect()
    }

    /// The `lobby:rooms` payload of a game type.
    pub fn rooms_payload(&self, game_type: &str) -> Value {
        json!({"gameType": game_type, "rooms": self.public_list(game_type)})
    }

    /// The room list of a lobby, to everyone watching it.
    fn list_update(&self, game_type: &str) -> Delivery {
        Delivery {
            to: Audience::Room(lobby_room(game_type)),
            event: "lobby:rooms",
            payload: self.rooms_payload(game_type),
        }
    }

    fn room_update(room: &Room) -> Delivery {
        Delivery {
            to: Audience::Room(members_room(&room.id)),
            event: "lobby:room-updated",
            payload: room.summary(),
        }
    }

    /// The rooms `user_id` is a member of.
    pub(super) async fn rooms_of(&self, user_id: &str) -> Result<Vec<String>, GameError> {
        self.refresh().await?;
        Ok(self
            .rooms()
            .values()
            .filter(|r| r.is_member(user_id))
            .map(|r| r.id.clone())
            .collect())
    }

    /// `lobby:join`: watch a game type's room list.
    pub async fn watch(&self, user: &User, game_type: &str) -> Result<Reply, GameError> {
        self.refresh().await?;
        if !self.games.has_game_type(game_type) {
            return Err(GameError::new(
                ErrorCode::UnknownGameType,
                format!("no game type {game_type:?} is loaded"),
            ));
        }
        self.games.watchers().watch_lobby(&user.id, game_type).await;
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

    /// `lobby:leave`: stop watching every room list, and stop waiting for
    /// a quick-play match.
    pub async fn unwatch(&self, user: &User) -> Reply {
        let mut types = self.games.watchers().unwatch_lobbies(&user.id).await;
        types.extend(
            self.games
                .plugins()
                .active_games()
                .into_iter()
                .map(|(info, _)| info.id),
        );
        types.sort();
        types.dedup();
        let cancelled = self.queues.leave(&user.id).await;
        let mut reply = Reply {
            leave_rooms: types.iter().map(|t| lobby_room(t)).collect(),
            ..Reply::default()
        };
        reply
            .ack
            .insert("quickPlayCancelled".into(), json!(cancelled));
        reply
    }

    /// `lobby:create-room`.
    pub async fn create_room(&self, user: &User, request: CreateRoom) -> Result<Reply, GameError> {
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
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(GameError::new(
                ErrorCode::Malformed,
                "a room name is 1-64 characters without control characters",
            ));
        }
        if let Some(options) = &request.options
            && options.to_string().len() > MAX_OPTIONS_BYTES
        {
            return Err(GameError::new(
                ErrorCode::PayloadTooLarge,
                "options are over 16 KiB",
            ));
        }
        self.refresh().await?;
        self.check_room_caps(&user.id, &info.id)?;
        let password_hash = match request.password.filter(|p| !p.is_empty()) {
            Some(password) => Some(hash_password(password).await?),
            None => None,
        };
        let me = [(user.id.clone(), user.name.clone())];
        let rating = self
            .rating_of(&info.id, &me, seats as usize)
            .await
            .pop()
            .flatten();
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
                rating,
            }],
            game_id: None,
            owner: user.id.clone(),
            version: 0,
        };
        let summary = room.summary();
        let room_id = room.id.clone();
        let stored = serde_json::to_string(&room)
            .map_err(|e| GameError::new(ErrorCode::Internal, e.to_string()))?;
        self.write(|| Box::pin(self.insert_room(user, &info.id, &room_id, &stored)))
            .await?;
        let mut reply = Reply {
            join_rooms: vec![members_room(&room_id)],
            deliveries: vec![self.list_update(&info.id)],
            ..Reply::default()
        };
        reply.ack.insert("roomId".into(), json!(room_id));
        reply.ack.insert("room".into(), summary);
        Ok(reply)
    }

    /// Stores a new room, if the caps allow it on the rooms as they are now.
    async fn insert_room(
        &self,
        user: &User,
        game_type: &str,
        room_id: &str,
        stored: &str,
    ) -> Result<(), GameError> {
        self.refresh().await?;
        self.check_room_caps(&user.id, game_type)?;
        let room: Room = serde_json::from_str(stored)
            .map_err(|e| GameError::new(ErrorCode::Internal, e.to_string()))?;
        self.rooms().insert(room_id.to_string(), room);
        self.persist(room_id, None).await
    }

    /// The per-lobby and per-user caps on open rooms.
    fn check_room_caps(&self, user_id: &str, game_type: &str) -> Result<(), GameError> {
        let rooms = self.rooms();
        if rooms.values().filter(|r| r.game_type == game_type).count()
            >= self.limits.max_rooms_per_type
        {
            return Err(GameError::new(
                ErrorCode::LimitReached,
                format!(
                    "this lobby has {} open rooms, its most; join one or try later",
                    self.limits.max_rooms_per_type
                ),
            ));
        }
        let owned = rooms.values().filter(|r| r.owner == user_id).count();
        if owned >= self.limits.max_rooms_per_user {
            return Err(GameError::new(
                ErrorCode::LimitReached,
                format!("you have {owned} open rooms, the most one player may; close one first"),
            ));
        }
        Ok(())
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
            if room.is_member(&user.id) {
                None
            } else {
                room.password_hash.clone()
            }
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
        self.write(|| Box::pin(self.add_member(user, room_id)))
            .await
    }

    async fn add_member(&self, user: &User, room_id: &str) -> Result<Reply, GameError> {
        {
            self.refresh().await?;
            let about = self
                .rooms()
                .get(room_id)
                .map(|r| (r.game_type.clone(), r.seats as usize));
            let rating = match about {
                Some((game_type, seats)) => {
                    let me = [(user.id.clone(), user.name.clone())];
                    self.rating_of(&game_type, &me, seats).await.pop().flatten()
                }
                None => None,
            };
            let (mut reply, game_type, expected) = {
                let mut rooms = self.rooms();
                let room = rooms.get_mut(room_id).ok_or_else(|| not_found(room_id))?;
                let expected = room.version;
                if !room.is_member(&user.id) {
                    if room.members.len() as u32 >= room.seats {
                        return Err(GameError::new(
                            ErrorCode::GameFull,
                            "every seat of the room is taken",
                        ));
                    }
                    room.members.push(Member {
                        user: user.clone(),
                        ready: false,
                        rating,
                    });
                    room.version += 1;
                }
                let mut reply = Reply {
                    join_rooms: vec![members_room(room_id)],
                    deliveries: vec![Self::room_update(room)],
                    ..Reply::default()
                };
                reply.ack.insert("roomId".into(), json!(room_id));
                reply.ack.insert("room".into(), room.summary());
                let changed = room.version != expected;
                (reply, room.game_type.clone(), changed.then_some(expected))
            };
            if let Some(expected) = expected {
                self.persist(room_id, Some(expected)).await?;
            }
            reply.deliveries.push(self.list_update(&game_type));
            Ok(reply)
        }
    }

    /// `lobby:leave-room`. The room closes when its last member leaves.
    pub async fn leave_room(&self, user: &User, room_id: &str) -> Result<Reply, GameError> {
        let deliveries = self
            .write(|| {
                Box::pin(async move {
                    self.refresh().await?;
                    self.remove_member(&user.id, room_id).await
                })
            })
            .await?;
        let mut reply = Reply {
            leave_rooms: vec![members_room(room_id)],
            deliveries,
            ..Reply::default()
        };
        reply.ack.insert("roomId".into(), json!(room_id));
        Ok(reply)
    }

    /// Takes `user_id` out of a room (deleting it once empty); the notices
    /// for the remaining members and the lobby. Run inside [`Self::write`].
    async fn remove_member(
        &self,
        user_id: &str,
        room_id: &str,
    ) -> Result<Vec<Delivery>, GameError> {
        let (mut out, game_type, expected) = {
            let mut rooms = self.rooms();
            let room = rooms.get_mut(room_id).ok_or_else(|| not_found(room_id))?;
            if !room.is_member(user_id) {
                return Err(not_member());
            }
            let expected = room.version;
            room.members.retain(|m| m.user.id != user_id);
            room.version += 1;
            let game_type = room.game_type.clone();
            let mut out = Vec::new();
            if room.members.is_empty() {
                rooms.remove(room_id);
            } else {
                out.push(Self::room_update(room));
            }
            (out, game_type, expected)
        };
        self.persist(room_id, Some(expected)).await?;
        out.push(self.list_update(&game_type));
        Ok(out)
    }

    /// Takes `user_id` out of every room they are in.
    pub(super) async fn leave_every_room(&self, user_id: &str) -> Result<Vec<Delivery>, GameError> {
        self.write(|| Box::pin(self.leave_every_room_once(user_id)))
            .await
    }

    async fn leave_every_room_once(&self, user_id: &str) -> Result<Vec<Delivery>, GameError> {
        {
            let mut out = Vec::new();
            for room_id in self.rooms_of(user_id).await? {
                match self.remove_member(user_id, &room_id).await {
                    Ok(notices) => out.extend(notices),
                    // Gone or left meanwhile: nothing to do.
                    Err(e) if matches!(e.code, ErrorCode::NotFound | ErrorCode::NotInRoom) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        }
    }

    /// `lobby:ready` / `lobby:unready`. When every seat is taken and every
    /// member is ready, the game starts and the room closes: its members
    /// are the game's players now.
    pub async fn set_ready(
        &self,
        user: &User,
        room_id: &str,
        ready: bool,
    ) -> Result<Reply, GameError> {
        self.write(|| Box::pin(self.set_ready_once(user, room_id, ready)))
            .await
    }

    async fn set_ready_once(
        &self,
        user: &User,
        room_id: &str,
        ready: bool,
    ) -> Result<Reply, GameError> {
        self.refresh().await?;
        let (table, expected) = {
            let mut rooms = self.rooms();
            let room = rooms.get_mut(room_id).ok_or_else(|| not_found(room_id))?;
            let expected = room.version;
            let member = room
                .members
                .iter_mut()
                .find(|m| m.user.id == user.id)
                .ok_or_else(not_member)?;
            member.ready = ready;
            room.version += 1;
            let full =
                room.members.len() as u32 == room.seats && room.members.iter().all(|m| m.ready);
            let table = full.then(|| {
                (
                    room.game_type.clone(),
                    room.members
                        .iter()
                        .map(|m| m.user.clone())
                        .collect::<Vec<_>>(),
                    room.options.clone(),
                    room.time_control,
                )
            });
            (table, expected)
        };
        let mut reply = Reply::default();
        reply.ack.insert("roomId".into(), json!(room_id));
        let Some((game_type, players, options, time_control)) = table else {
            if let Some(update) = self.rooms().get(room_id).map(Self::room_update) {
                reply.deliveries.push(update);
            }
            self.persist(room_id, Some(expected)).await?;
            return Ok(reply);
        };
        // Closing the room claims the table: of two nodes starting it at
        // once, one deletes it and starts the game, the other conflicts and
        // finds the room gone.
        let Some(room) = self.rooms().remove(room_id) else {
            return Err(not_found(room_id));
        };
        self.persist(room_id, Some(expected)).await?;
        let started = match self
            .games
            .start_table(crate::game::TableSpec {
                game_type: &game_type,
                players: &players,
                options: options.as_ref(),
                time_control,
                allow_spectators: true,
                ..crate::game::TableSpec::default()
            })
            .await
        {
            Ok(started) => started,
            Err(e) => {
                // The game could not start: the room is back, nobody ready.
                let mut room = room;
                room.members.iter_mut().for_each(|m| m.ready = false);
                room.version += 1;
                self.rooms().insert(room_id.to_string(), room);
                self.persist(room_id, None).await?;
                return Err(e);
            }
        };
        let game_id = started.ack.get("gameId").cloned().unwrap_or(Value::Null);
        reply.deliveries = started.deliveries;
        reply.deliveries.push(Delivery {
            to: Audience::Room(members_room(room_id)),
            event: "lobby:game-started",
            payload: json!({"roomId": room_id, "gameId": game_id}),
        });
        reply.deliveries.push(self.list_update(&game_type));
        reply.ack.insert("gameId".into(), game_id);
        Ok(reply)
    }
}
