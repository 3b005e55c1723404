//! The game service: create, join, spectate, move, resign, draw, sync.
//!
//! Every request on a game takes that game's lock (moves of one game are
//! applied one at a time on this node), runs the rules in one fresh plugin
//! instance (apply and every view the broadcast needs), stores the result
//! with a compare-and-set on the version, and only then answers.

mod admin;
mod deadlines;
mod history;
mod offers;

use super::error::{ErrorCode, GameError};
use super::record::{ChangeKind, GameRecord, MoveRecord, Player, Status, TimeControl};
use super::scheduler::{Deadline, Scheduler};
use super::views::{self, Views};
use crate::auth::User;
use crate::plugin::{Plugin, PluginCatalog};
use crate::store::GameStore;
use gamehost_sdk::{Context, Forfeit, MoveError, Outcome, Phase, Rules, Seat, Setup, Transition};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Largest move a client may send, in bytes of JSON.
pub const MAX_MOVE_BYTES: usize = 16 << 10;
/// Largest options document, in bytes of JSON.
const MAX_OPTIONS_BYTES: usize = 16 << 10;
/// Most seats a game may have.
const MAX_SEATS: u32 = 16;
/// Most missed changes `sync` replays before sending a snapshot instead.
const MAX_SYNC_CHANGES: usize = 200;

/// Who a delivery goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Every socket of one user.
    User(String),
    /// Everyone watching a game without a seat.
    Spectators(String),
    /// Everyone in a game: players and spectators.
    Game(String),
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
    /// Rooms other users' sockets should join: (user id, room).
    pub others_join: Vec<(String, String)>,
    /// The game type the request was about, for metrics.
    pub game_type: Option<String>,
}

/// A `game:create` request.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRequest {
    /// Game type id.
    pub game_type: String,
    /// Seats (defaults to the game's minimum player count).
    #[serde(default)]
    pub players: Option<u32>,
    /// Options for the rules.
    #[serde(default)]
    pub options: Option<Value>,
    /// Clock setting.
    #[serde(default)]
    pub time_control: Option<TimeControl>,
    /// Whether spectators may watch (default true).
    #[serde(default)]
    pub allow_spectators: Option<bool>,
}

/// Presence shared by the nodes of a cluster.
#[async_trait::async_trait]
pub trait SharedPresence: Send + Sync {
    /// A socket of `user_id` opened on this node.
    async fn connected(&self, user_id: &str);
    /// A socket of `user_id` closed on this node.
    async fn disconnected(&self, user_id: &str);
    /// Whether `user_id` has a socket on any live node; `None` when that
    /// cannot be told now (Redis away).
    async fn is_online(&self, user_id: &str) -> Option<bool>;
}

/// Games of one node, and the way to change them.
pub struct GameService {
    plugins: Arc<PluginCatalog>,
    store: Arc<dyn GameStore>,
    scheduler: Arc<dyn Scheduler>,
    /// Events nobody asked for (a flag, an abandonment), for the transport.
    outbox: mpsc::UnboundedSender<Vec<Delivery>>,
    /// How long a player who dropped keeps their seat.
    reconnect_grace_ms: u64,
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<GameRecord>>>>>,
    /// Cluster-wide presence, in a cluster.
    shared_presence: Option<Arc<dyn SharedPresence>>,
    /// Other nodes write the same games (a cluster): the copy in `slots`
    /// may be stale, so each request reads the stored game first.
    shared_store: bool,
    spectators: Mutex<HashMap<String, HashSet<String>>>,
    online: Mutex<HashMap<String, usize>>,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Randomness for the move at `ply` of a game seeded `seed`: a replay of the
/// log derives the same values.
fn entropy(seed: u64, ply: u64) -> u64 {
    let mut rng = gamehost_sdk::Rng::new(seed ^ ply.wrapping_mul(0xA24B_AED4_963E_E407));
    rng.next_u64()
}

fn unknown_game_type(game_type: &str) -> GameError {
    GameError::new(
        ErrorCode::UnknownGameType,
        format!("no game type {game_type:?} is loaded"),
    )
}

fn not_found(id: &str) -> GameError {
    GameError::new(ErrorCode::NotFound, format!("no game {id}"))
}

/// The room of everyone in a game.
pub fn game_room(id: &str) -> String {
    format!("game:{id}")
}

/// The room of a game's spectators.
pub fn spectator_room(id: &str) -> String {
    format!("game:{id}:spectators")
}

impl GameService {
    /// A service over `plugins` and `store`. Deadlines go through
    /// `scheduler`; events that no request caused go to `outbox`.
    pub fn new(
        plugins: Arc<PluginCatalog>,
        store: Arc<dyn GameStore>,
        scheduler: Arc<dyn Scheduler>,
        outbox: mpsc::UnboundedSender<Vec<Delivery>>,
        reconnect_grace_ms: u64,
    ) -> Self {
        GameService {
            plugins,
            store,
            scheduler,
            outbox,
            reconnect_grace_ms,
            slots: Mutex::new(HashMap::new()),
            shared_store: false,
            shared_presence: None,
            spectators: Mutex::new(HashMap::new()),
            online: Mutex::new(HashMap::new()),
        }
    }

    /// Marks the store as shared with other nodes: games are read from it
    /// on every request instead of trusting this node's copy.
    pub fn in_cluster(mut self, presence: Arc<dyn SharedPresence>) -> Self {
        self.shared_store = true;
        self.shared_presence = Some(presence);
        self
    }

    /// Whether a user has a socket open on any node (on this one, outside a
    /// cluster). When the cluster cannot tell, assume online: a wrong
    /// forfeit is worse than a late one.
    pub async fn is_online_anywhere(&self, user_id: &str) -> bool {
        if self.is_online(user_id) {
            return true;
        }
        match &self.shared_presence {
            Some(presence) => presence.is_online(user_id).await.unwrap_or(true),
            None => false,
        }
    }

    /// Whether a game type has a version serving new games.
    pub fn has_game_type(&self, game_type: &str) -> bool {
        self.plugins.game_info(game_type).is_some()
    }

    /// What the active rules of a game type say about themselves.
    pub fn game_info(&self, game_type: &str) -> Result<gamehost_sdk::GameInfo, GameError> {
        self.plugins
            .game_info(game_type)
            .ok_or_else(|| unknown_game_type(game_type))
    }

    /// The plugin catalog.
    pub fn plugins(&self) -> &Arc<PluginCatalog> {
        &self.plugins
    }

    /// The version that serves new games of `game_type`.
    async fn active_plugin(&self, game_type: &str) -> Result<Plugin, GameError> {
        self.plugins
            .active(game_type)
            .await
            .ok_or_else(|| unknown_game_type(game_type))
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn GameStore> {
        &self.store
    }

    /// Records a user's socket connecting; true when it is their first.
    pub fn socket_connected(&self, user_id: &str) -> bool {
        let mut online = self.online.lock().unwrap_or_else(|p| p.into_inner());
        let count = online.entry(user_id.to_string()).or_insert(0);
        *count += 1;
        if let Some(presence) = &self.shared_presence {
            let (presence, user) = (presence.clone(), user_id.to_string());
            tokio::spawn(async move { presence.connected(&user).await });
        }
        *count == 1
    }

    /// Records a user's socket closing; true when it was their last.
    pub fn socket_disconnected(&self, user_id: &str) -> bool {
        if let Some(presence) = &self.shared_presence {
            let (presence, user) = (presence.clone(), user_id.to_string());
            tokio::spawn(async move { presence.disconnected(&user).await });
        }
        let mut online = self.online.lock().unwrap_or_else(|p| p.into_inner());
        match online.get_mut(user_id) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                online.remove(user_id);
                true
            }
            None => false,
        }
    }

    /// How many users have a socket open.
    pub fn online_count(&self) -> usize {
        self.online.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether a user has a socket open.
    pub fn is_online(&self, user_id: &str) -> bool {
        self.online
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(user_id)
    }

    fn spectator_count(&self, game_id: &str) -> usize {
        self.spectators
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(game_id)
            .map_or(0, HashSet::len)
    }

    fn slot(&self, id: &str) -> Arc<tokio::sync::Mutex<Option<GameRecord>>> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.entry(id.to_string()).or_default().clone()
    }

    /// Runs `f` on the game `id` under its lock, loading it if needed.
    async fn with_game<T>(
        &self,
        id: &str,
        f: impl AsyncFnOnce(&mut GameRecord) -> Result<T, GameError>,
    ) -> Result<T, GameError> {
        if id.is_empty() || id.len() > 64 {
            return Err(not_found(id));
        }
        let slot = self.slot(id);
        let mut guard = slot.lock().await;
        if guard.is_none() || self.shared_store {
            *guard = self.store.get(id).await?;
        }
        let Some(game) = guard.as_mut() else {
            drop(guard);
            self.slots
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(id);
            return Err(not_found(id));
        };
        // Work on a copy: a failed request must leave the cached game as it was.
        let mut working = game.clone();
        let result = f(&mut working).await;
        if result.is_ok() {
            *game = working;
        } else if let Err(GameError {
            code: ErrorCode::Conflict,
            ..
        }) = &result
        {
            // Someone else wrote: drop the cache so the next request reloads.
            *guard = None;
        }
        result
    }

    /// The rules `game` is pinned to, whatever is active now.
    async fn plugin_of(&self, game: &GameRecord) -> Result<Plugin, GameError> {
        self.plugins.pinned(&game.plugin_hash).await.map_err(|e| {
            tracing::error!(game = %game.id, version = %game.plugin_version, error = %e, "pinned rules unavailable");
            GameError::new(
                ErrorCode::PluginFailure,
                format!(
                    "the rules {} {} this game runs on cannot be loaded",
                    game.game_type, game.plugin_version
                ),
            )
        })
    }

    /// Every view of `game` as it stands.
    async fn render(&self, game: &GameRecord) -> Result<Views, GameError> {
        let plugin = self.plugin_of(game).await?;
        let state = game.state.clone();
        let phase = game.phase.clone();
        let seats = game.players.len() as u32;
        let active = game.status == Status::Active;
        let seed = entropy(game.seed, game.ply);
        Ok(plugin
            .run(seed, move |i| {
                views::render(i, &state, &phase, seats, active)
            })
            .await?)
    }

    fn snapshot_for(&self, game: &GameRecord, views: &Views, seat: Option<Seat>) -> Value {
        views::snapshot(game, views, seat, self.spectator_count(&game.id), &|u| {
            self.is_online(u)
        })
    }

    /// `game:create`: a new game with the creator in seat 0.
    pub async fn create(&self, user: &User, request: CreateRequest) -> Result<Reply, GameError> {
        let plugin = self.active_plugin(&request.game_type).await?;
        let info = plugin.info().clone();
        let seats = request.players.unwrap_or(info.min_players);
        if seats == 0 || seats > MAX_SEATS {
            return Err(GameError::new(
                ErrorCode::BadOptions,
                format!("{seats} seats is not possible"),
            ));
        }
        let options = match &request.options {
            Some(v) => serde_json::to_string(v)
                .map_err(|e| GameError::new(ErrorCode::Malformed, e.to_string()))?,
            None => "{}".to_string(),
        };
        if options.len() > MAX_OPTIONS_BYTES {
            return Err(GameError::new(
                ErrorCode::PayloadTooLarge,
                "options are over 16 KiB",
            ));
        }
        let time_control = check_time_control(request.time_control)?;
        let mut players = vec![None; seats as usize];
        players[0] = Some(Player {
            user_id: user.id.clone(),
            name: user.name.clone(),
        });
        let setup = NewGame {
            plugin,
            options,
            players,
            allow_spectators: request.allow_spectators.unwrap_or(true),
            time_control,
        };
        let (game, views, deliveries) = self.start_game(setup).await?;
        let snapshot = self.snapshot_for(&game, &views, Some(0));
        tracing::info!(game = %game.id, game_type = %game.game_type, version = %game.plugin_version, user = %user.id, "game created");
        let mut reply = Reply {
            deliveries,
            join_rooms: vec![game_room(&game.id)],
            ..Reply::default()
        };
        reply.ack.insert("gameId".into(), json!(game.id));
        reply.ack.insert("seat".into(), json!(0));
        reply.ack.insert("game".into(), snapshot);
        Ok(reply)
    }

    /// A game for a full table (a lobby room, a quick-play match): every
    /// seat taken, in the order given. The reply carries the game id, the
    /// `game:started` deliveries, and the players' sockets joining its room.
    pub async fn start_table(
        &self,
        game_type: &str,
        table: &[User],
        options: Option<&Value>,
        time_control: Option<TimeControl>,
        allow_spectators: bool,
    ) -> Result<Reply, GameError> {
        let plugin = self.active_plugin(game_type).await?;
        let options = options.map_or_else(|| "{}".to_string(), Value::to_string);
        let players = table
            .iter()
            .map(|u| {
                Some(Player {
                    user_id: u.id.clone(),
                    name: u.name.clone(),
                })
            })
            .collect();
        let setup = NewGame {
            plugin,
            options,
            players,
            allow_spectators,
            time_control: check_time_control(time_control)?,
        };
        let (game, _, deliveries) = self.start_game(setup).await?;
        tracing::info!(game = %game.id, game_type, players = table.len(), "table started");
        let mut reply = Reply {
            deliveries,
            // The players' sockets follow the game's room, as if they had joined.
            others_join: table
                .iter()
                .map(|u| (u.id.clone(), game_room(&game.id)))
                .collect(),
            ..Reply::default()
        };
        reply.ack.insert("gameId".into(), json!(game.id));
        Ok(reply)
    }

    /// Sets up, stores and schedules a new game; starts it at once when
    /// every seat is taken.
    async fn start_game(
        &self,
        new: NewGame,
    ) -> Result<(GameRecord, Views, Vec<Delivery>), GameError> {
        let info = new.plugin.info().clone();
        let seed = uuid::Uuid::new_v4().as_u64_pair().0;
        let setup = Setup {
            players: new.players.len() as u32,
            options: new.options.clone(),
            seed,
        };
        let start = new
            .plugin
            .run(seed, move |i| i.start(&setup))
            .await?
            .map_err(|why| GameError::new(ErrorCode::BadOptions, why))?;
        let now = now_ms();
        let mut game = GameRecord {
            id: uuid::Uuid::new_v4().simple().to_string(),
            game_type: info.id.clone(),
            plugin_version: info.version.clone(),
            plugin_hash: new.plugin.hash().to_string(),
            seed,
            options: new.options,
            players: new.players,
            allow_spectators: new.allow_spectators,
            time_control: new.time_control,
            clocks: Vec::new(),
            clock_started_at: None,
            state: start.state,
            phase: start.phase,
            status: Status::Waiting,
            version: 0,
            ply: 0,
            draw_offer: None,
            revenge_offer: None,
            rematch_id: None,
            created_at: now,
            updated_at: now,
        };
        if game.players.iter().all(Option::is_some) {
            activate(&mut game, now);
        }
        self.store.insert(&game).await?;
        self.schedule_clock(&game);
        let views = self.render(&game).await?;
        let mut deliveries = Vec::new();
        if game.status == Status::Active {
            deliveries.extend(self.started(&game, &views));
        }
        *self.slot(&game.id).lock().await = Some(game.clone());
        Ok((game, views, deliveries))
    }

    /// `game:join`: take the first free seat (or watch, with `as: spectator`).
    pub async fn join(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            if let Some(seat) = game.seat_of(&user.id) {
                // Joining again (another tab, after a reconnect): the seat is theirs.
                let views = self.render(game).await?;
                return Ok(self.seat_reply(game, &views, seat));
            }
            if game.status == Status::Finished {
                return Err(GameError::new(ErrorCode::GameFinished, "the game is over"));
            }
            let Some(seat) = game.players.iter().position(Option::is_none) else {
                return Err(GameError::new(ErrorCode::GameFull, "every seat is taken"));
            };
            let seat = seat as Seat;
            let expected = game.version;
            let now = now_ms();
            game.players[seat as usize] = Some(Player {
                user_id: user.id.clone(),
                name: user.name.clone(),
            });
            game.version += 1;
            game.updated_at = now;
            if game.players.iter().all(Option::is_some) {
                activate(game, now);
            }
            let change = MoveRecord {
                version: game.version,
                kind: ChangeKind::Join,
                seat,
                user_id: user.id.clone(),
                mv: None,
                events: Vec::new(),
                ply: game.ply,
                at: now,
            };
            let views = self.render(game).await?;
            self.store.update(game, expected, Some(&change)).await?;
            self.schedule_clock(game);
            self.unwatch(&game.id, &user.id);
            let mut reply = self.seat_reply(game, &views, seat);
            reply.deliveries.push(Delivery {
                to: Audience::Game(game.id.clone()),
                event: "game:joined",
                payload: json!({"gameId": game.id, "version": game.version, "userId": user.id, "name": user.name, "seat": seat}),
            });
            if game.status == Status::Active {
                reply.deliveries.extend(self.started(game, &views));
            }
            tracing::info!(game = %game.id, user = %user.id, seat, "seat taken");
            Ok(reply)
        })
        .await
    }

    fn seat_reply(&self, game: &GameRecord, views: &Views, seat: Seat) -> Reply {
        let mut reply = Reply {
            join_rooms: vec![game_room(&game.id)],
            leave_rooms: vec![spectator_room(&game.id)],
            ..Reply::default()
        };
        reply.ack.insert("gameId".into(), json!(game.id));
        reply.ack.insert("seat".into(), json!(seat));
        reply
            .ack
            .insert("game".into(), self.snapshot_for(game, views, Some(seat)));
        reply
    }

    /// `game:started` for every player and the spectators.
    fn started(&self, game: &GameRecord, views: &Views) -> Vec<Delivery> {
        let mut out: Vec<Delivery> = game
            .players
            .iter()
            .enumerate()
            .filter_map(|(seat, p)| {
                p.as_ref().map(|p| Delivery {
                    to: Audience::User(p.user_id.clone()),
                    event: "game:started",
                    payload: self.snapshot_for(game, views, Some(seat as Seat)),
                })
            })
            .collect();
        out.push(Delivery {
            to: Audience::Spectators(game.id.clone()),
            event: "game:started",
            payload: self.snapshot_for(game, views, None),
        });
        out.push(admin_notice(game, "game:started"));
        out
    }

    fn unwatch(&self, game_id: &str, user_id: &str) -> bool {
        let mut watching = self.spectators.lock().unwrap_or_else(|p| p.into_inner());
        watching
            .get_mut(game_id)
            .is_some_and(|set| set.remove(user_id))
    }

    /// `game:spectate`: watch a game (a seated player gets their seat's view).
    pub async fn spectate(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            let views = self.render(game).await?;
            if let Some(seat) = game.seat_of(&user.id) {
                return Ok(self.seat_reply(game, &views, seat));
            }
            if !game.allow_spectators && user.role == crate::auth::Role::Player {
                return Err(GameError::new(
                    ErrorCode::SpectatorsNotAllowed,
                    "this game does not allow spectators",
                ));
            }
            let newly = self
                .spectators
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(game.id.clone())
                .or_default()
                .insert(user.id.clone());
            let mut reply = Reply {
                join_rooms: vec![game_room(&game.id), spectator_room(&game.id)],
                ..Reply::default()
            };
            if newly {
                reply.deliveries.push(Delivery {
                    to: Audience::Game(game.id.clone()),
                    event: "game:spectator-joined",
                    payload: json!({"gameId": game.id, "userId": user.id, "name": user.name, "spectators": self.spectator_count(&game.id)}),
                });
            }
            reply.ack.insert("gameId".into(), json!(game.id));
            reply.ack.insert("game".into(), self.snapshot_for(game, &views, None));
            Ok(reply)
        })
        .await
    }

    /// `game:stop-spectating`.
    pub async fn stop_spectating(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        let was = self.unwatch(game_id, &user.id);
        let mut reply = Reply {
            leave_rooms: vec![spectator_room(game_id), game_room(game_id)],
            ..Reply::default()
        };
        if was {
            reply.deliveries.push(Delivery {
                to: Audience::Game(game_id.to_string()),
                event: "game:spectator-left",
                payload: json!({"gameId": game_id, "userId": user.id, "name": user.name, "spectators": self.spectator_count(game_id)}),
            });
        }
        reply.ack.insert("gameId".into(), json!(game_id));
        Ok(reply)
    }

    /// `game:move`: the move pipeline.
    pub async fn make_move(
        &self,
        user: &User,
        game_id: &str,
        mv: &Value,
        client_version: Option<u64>,
    ) -> Result<Reply, GameError> {
        let mv = serde_json::to_string(mv)
            .map_err(|e| GameError::new(ErrorCode::Malformed, e.to_string()))?;
        if mv.len() > MAX_MOVE_BYTES {
            return Err(GameError::new(
                ErrorCode::PayloadTooLarge,
                "a move may be at most 16 KiB of JSON",
            ));
        }
        self.with_game(game_id, async |game| {
            let seat = game.seat_of(&user.id).ok_or_else(|| {
                GameError::new(ErrorCode::NotInGame, "you have no seat in this game")
            })?;
            match game.status {
                Status::Finished => {
                    return Err(GameError::new(ErrorCode::GameFinished, "the game is over"));
                }
                Status::Waiting => {
                    return Err(GameError::new(
                        ErrorCode::GameNotStarted,
                        "seats are still free",
                    ));
                }
                Status::Active => {}
            }
            if let Some(v) = client_version
                && v != game.version
            {
                return Err(GameError::new(
                    ErrorCode::Conflict,
                    format!("the game is at version {}, not {v}; resync", game.version),
                ));
            }
            if !game.phase.may_move(seat) {
                return Err(GameError::new(
                    ErrorCode::NotYourTurn,
                    format!(
                        "it is not seat {seat}'s turn (to move: {:?})",
                        game.to_move()
                    ),
                ));
            }
            let plugin = self.plugin_of(game).await?;
            let ctx = Context {
                seat,
                ply: game.ply,
                entropy: entropy(game.seed, game.ply),
            };
            let state = game.state.clone();
            let seats = game.players.len() as u32;
            let mv_for_call = mv.clone();
            let applied = plugin
                .run(ctx.entropy, move |i| {
                    let t = match i.apply(&state, &ctx, &mv_for_call)? {
                        Ok(t) => t,
                        Err(refused) => return Ok(Err(refused)),
                    };
                    let active = !t.phase.is_finished();
                    let views = views::render(i, &t.state, &t.phase, seats, active)?;
                    Ok(Ok((t, views)))
                })
                .await?;
            let (transition, views) = applied.map_err(move_error)?;
            check_seats(&transition, seats)?;
            let now = now_ms();
            let expected = game.version;
            self.advance_clock(game, seat, now);
            let change = MoveRecord {
                version: expected + 1,
                kind: ChangeKind::Move,
                seat,
                user_id: user.id.clone(),
                mv: Some(mv.clone()),
                events: transition.events.clone(),
                ply: game.ply,
                at: now,
            };
            apply_transition(game, transition, now);
            game.ply += 1;
            game.draw_offer = None;
            self.store.update(game, expected, Some(&change)).await?;
            self.schedule_clock(game);
            let mut reply = Reply {
                deliveries: self.move_made(game, &views, &change),
                game_type: Some(game.game_type.clone()),
                ..Reply::default()
            };
            if game.status == Status::Finished {
                reply.deliveries.extend(ended(game, &views));
            }
            reply.ack.insert("gameId".into(), json!(game.id));
            reply.ack.insert("version".into(), json!(game.version));
            Ok(reply)
        })
        .await
    }

    /// `game:move-made` for every player (own view; the move itself only to
    /// the mover) and the spectators.
    fn move_made(&self, game: &GameRecord, views: &Views, change: &MoveRecord) -> Vec<Delivery> {
        let base = |view: &serde_json::value::RawValue, legal: Vec<String>| {
            json!({
                "gameId": game.id,
                "version": game.version,
                "seat": change.seat,
                "userId": change.user_id,
                "events": raw_events(&change.events),
                "view": view,
                "phase": game.phase,
                "toMove": game.to_move(),
                "legalMoves": legal,
                "clocks": views::clocks(game),
                "status": game.status.as_str(),
            })
        };
        let mut out = Vec::new();
        for (seat, player) in game.players.iter().enumerate() {
            let Some(player) = player else { continue };
            let legal = views.legal.get(seat).cloned().unwrap_or_default();
            let mut payload = base(&views.seats[seat], legal);
            if seat as Seat == change.seat
                && let Some(mv) = &change.mv
            {
                payload["move"] = serde_json::from_str(mv).unwrap_or(Value::Null);
            }
            out.push(Delivery {
                to: Audience::User(player.user_id.clone()),
                event: "game:move-made",
                payload,
            });
        }
        out.push(Delivery {
            to: Audience::Spectators(game.id.clone()),
            event: "game:move-made",
            payload: base(&views.spectator, Vec::new()),
        });
        out
    }

    /// Ends the game for `seat` by a forfeit (`game:resign`, timeouts).
    pub async fn forfeit(
        &self,
        user: &User,
        game_id: &str,
        why: Forfeit,
    ) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            let seat = game.seat_of(&user.id).ok_or_else(|| {
                GameError::new(ErrorCode::NotInGame, "you have no seat in this game")
            })?;
            if game.status == Status::Finished {
                return Err(GameError::new(ErrorCode::GameFinished, "the game is over"));
            }
            self.forfeit_locked(game, seat, &user.id, why).await
        })
        .await
    }

    async fn forfeit_locked(
        &self,
        game: &mut GameRecord,
        seat: Seat,
        user_id: &str,
        why: Forfeit,
    ) -> Result<Reply, GameError> {
        let plugin = self.plugin_of(game).await?;
        let state = game.state.clone();
        let seats = game.players.len() as u32;
        let (transition, views) = plugin
            .run(entropy(game.seed, game.ply), move |i| {
                let t = i.forfeit(&state, seat, why)?;
                let active = !t.phase.is_finished();
                let views = views::render(i, &t.state, &t.phase, seats, active)?;
                Ok((t, views))
            })
            .await?;
        check_seats(&transition, seats)?;
        let now = now_ms();
        let expected = game.version;
        let kind = match why {
            Forfeit::Resign => ChangeKind::Resign,
            Forfeit::Timeout => ChangeKind::Timeout,
            Forfeit::Abandon => ChangeKind::Abandon,
        };
        let change = MoveRecord {
            version: expected + 1,
            kind,
            seat,
            user_id: user_id.to_string(),
            mv: None,
            events: transition.events.clone(),
            ply: game.ply,
            at: now,
        };
        if game.status == Status::Waiting {
            // A forfeit before the start ends the game whatever the rules say.
            game.status = Status::Finished;
        }
        self.advance_clock(game, seat, now);
        apply_transition(game, transition, now);
        game.draw_offer = None;
        self.store.update(game, expected, Some(&change)).await?;
        self.schedule_clock(game);
        let mut reply = Reply::default();
        if game.status == Status::Finished {
            reply.deliveries.extend(ended(game, &views));
        } else {
            reply.deliveries.extend(self.state_update(game, &views));
        }
        reply.ack.insert("gameId".into(), json!(game.id));
        reply.ack.insert("version".into(), json!(game.version));
        Ok(reply)
    }

    fn state_update(&self, game: &GameRecord, views: &Views) -> Vec<Delivery> {
        self.started(game, views)
            .into_iter()
            .filter(|d| d.to != Audience::Admins)
            .map(|mut d| {
                d.event = "game:state-update";
                d
            })
            .collect()
    }
}

/// What a new game is made of.
struct NewGame {
    plugin: Plugin,
    options: String,
    players: Vec<Option<Player>>,
    allow_spectators: bool,
    time_control: Option<TimeControl>,
}

/// Starts a game whose seats are all taken.
fn activate(game: &mut GameRecord, now: u64) {
    game.status = if game.phase.is_finished() {
        Status::Finished
    } else {
        Status::Active
    };
    if let Some(tc) = game.time_control {
        let initial = match tc {
            TimeControl::Fischer { initial_ms, .. } => initial_ms,
            TimeControl::PerMove { per_move_ms } => per_move_ms,
        };
        game.clocks = vec![initial; game.players.len()];
        game.clock_started_at = Some(now);
    }
}

/// Stores a rules transition in the record.
fn apply_transition(game: &mut GameRecord, t: Transition, now: u64) {
    game.state = t.state;
    game.phase = t.phase;
    game.version += 1;
    game.updated_at = now;
    if game.phase.is_finished() {
        game.status = Status::Finished;
        game.clock_started_at = None;
    }
}

/// The rules may only name seats of this game.
fn check_seats(t: &Transition, seats: u32) -> Result<(), GameError> {
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

fn move_error(e: MoveError) -> GameError {
    match e {
        MoveError::Malformed(why) => {
            GameError::new(ErrorCode::IllegalMove, format!("malformed move: {why}"))
        }
        MoveError::Illegal(why) => GameError::new(ErrorCode::IllegalMove, why),
        MoveError::NotYourTurn => GameError::new(ErrorCode::NotYourTurn, "it is not your turn"),
        MoveError::Finished => GameError::new(ErrorCode::GameFinished, "the game is over"),
    }
}

/// The seat of `user` in an active game.
fn active_seat(game: &GameRecord, user: &User) -> Result<Seat, GameError> {
    let seat = game
        .seat_of(&user.id)
        .ok_or_else(|| GameError::new(ErrorCode::NotInGame, "you have no seat in this game"))?;
    match game.status {
        Status::Active => Ok(seat),
        Status::Finished => Err(GameError::new(ErrorCode::GameFinished, "the game is over")),
        Status::Waiting => Err(GameError::new(
            ErrorCode::GameNotStarted,
            "seats are still free",
        )),
    }
}

fn check_time_control(tc: Option<TimeControl>) -> Result<Option<TimeControl>, GameError> {
    const DAY_MS: u64 = 24 * 3600 * 1000;
    let ok = match tc {
        None => true,
        Some(TimeControl::Fischer {
            initial_ms,
            increment_ms,
        }) => (1_000..=DAY_MS).contains(&initial_ms) && increment_ms <= 3_600_000,
        Some(TimeControl::PerMove { per_move_ms }) => (1_000..=DAY_MS).contains(&per_move_ms),
    };
    if ok {
        Ok(tc)
    } else {
        Err(GameError::new(
            ErrorCode::BadOptions,
            "time control: 1 s to 24 h per player or per move, increment at most 1 h",
        ))
    }
}

fn raw_events(events: &[String]) -> Vec<Value> {
    events
        .iter()
        .map(|e| serde_json::from_str(e).unwrap_or(Value::Null))
        .collect()
}

/// A game starting or ending, as admins watching the `/admin` namespace
/// see it.
fn admin_notice(game: &GameRecord, event: &'static str) -> Delivery {
    Delivery {
        to: Audience::Admins,
        event,
        payload: json!({
            "gameId": game.id,
            "gameType": game.game_type,
            "pluginVersion": game.plugin_version,
            "version": game.version,
            "players": game.players,
            "outcome": game.outcome(),
        }),
    }
}

/// `game:ended` for everyone in the game, and its notice for admins.
fn ended(game: &GameRecord, views: &Views) -> [Delivery; 2] {
    let outcome = game.outcome().cloned().unwrap_or_default();
    let to_game = Delivery {
        to: Audience::Game(game.id.clone()),
        event: "game:ended",
        payload: json!({
            "gameId": game.id,
            "version": game.version,
            "outcome": outcome,
            "reason": outcome.reason,
            "finalView": views.omniscient.clone().unwrap_or(views.spectator.clone()),
        }),
    };
    [to_game, admin_notice(game, "game:ended")]
}
