//! The game service: create, join, spectate, move, resign, draw, sync.
//!
//! Every request on a game takes that game's lock (moves of one game are
//! applied one at a time on this node), runs the rules in one fresh plugin
//! instance (apply and every view the broadcast needs), stores the result
//! with a compare-and-set on the version, and only then answers.

mod admin;
mod deadlines;
mod forfeits;
mod history;
mod moves;
mod offers;
mod presence;
mod seating;
mod spectators;

use super::output::{check_seats, raw_events};
use super::views::{self, Views};
use super::watchers::{LocalWatchers, Watchers};
use crate::auth::User;
use crate::base::error::{ErrorCode, GameError};
pub use crate::base::outbox::{Audience, Delivery, Reply};
use crate::base::scheduler::{Deadline, Scheduler};
use crate::plugin::{Plugin, PluginCatalog};
use crate::records::game::{ChangeKind, GameRecord, MoveRecord, Player, Status, TimeControl};
use crate::store::GameStore;
use gamehost_sdk::{Context, Forfeit, MoveError, Outcome, Phase, Rules, Seat, Setup, Transition};
use serde_json::{Value, json};
use std::collections::HashMap;
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

/// Everyone in `game`: its seated players and its spectators.
pub fn everyone_in(game: &GameRecord) -> Audience {
    Audience::Game {
        game_id: game.id.clone(),
        players: game.user_ids().map(str::to_string).collect(),
    }
}

/// A returning user's seats: the games, the notices for the others, and
/// the user's snapshot of each.
#[derive(Debug, Default)]
pub struct SeatsBack {
    /// Unfinished games the user holds a seat in.
    pub games: Vec<String>,
    /// `user:reconnected` for everyone else in those games.
    pub notices: Vec<Delivery>,
    /// The user's snapshot of each game, for `game:state-update`.
    pub snapshots: Vec<Value>,
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
    /// Whether it counts for ratings (default false: casual).
    #[serde(default)]
    pub rated: Option<bool>,
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
    /// Spectator counts and subscriptions (shared, in a cluster).
    watchers: Arc<dyn Watchers>,
    /// How long a game may wait for its free seats, in ms.
    waiting_expiry_ms: u64,
    /// What one user may hold at once.
    caps: UserCaps,
    /// Each game's last record and views, for reads.
    faces: crate::game::faces::Faces,
    online: Mutex<HashMap<String, usize>>,
    /// Told the id of every game this node finishes (tournaments, ratings).
    finished: std::sync::OnceLock<mpsc::UnboundedSender<String>>,
}

/// What one user may hold at once, so that no account can fill the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserCaps {
    /// Games they created that still wait for players.
    pub waiting_games: usize,
    /// Games they spectate.
    pub spectating: usize,
}

impl Default for UserCaps {
    fn default() -> Self {
        UserCaps {
            waiting_games: 5,
            spectating: 20,
        }
    }
}

/// How long a game waits for players by default: 10 minutes.
pub const DEFAULT_WAITING_EXPIRY_MS: u64 = 10 * 60 * 1000;

use crate::base::clock::now_ms;

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
            watchers: Arc::new(LocalWatchers::default()),
            waiting_expiry_ms: DEFAULT_WAITING_EXPIRY_MS,
            caps: UserCaps::default(),
            faces: crate::game::faces::Faces::default(),
            online: Mutex::new(HashMap::new()),
            finished: std::sync::OnceLock::new(),
        }
    }

    /// Marks the store as shared with other nodes: games are read from it
    /// on every request instead of trusting this node's copy; presence and
    /// watchers are the cluster's.
    pub fn in_cluster(
        mut self,
        presence: Arc<dyn SharedPresence>,
        watchers: Arc<dyn Watchers>,
    ) -> Self {
        self.shared_store = true;
        self.faces = crate::game::faces::Faces::views_only();
        self.shared_presence = Some(presence);
        self.watchers = watchers;
        self
    }

    /// Sends the id of every game this node finishes to `to` (whatever
    /// ended it: a move, a forfeit, a draw, a clock, an abort). Only the
    /// first listener set is kept.
    pub fn on_finished(&self, to: mpsc::UnboundedSender<String>) {
        let _ = self.finished.set(to);
    }

    /// Games still waiting for players after `ms` end as expired.
    pub fn waiting_expiry(mut self, ms: u64) -> Self {
        self.waiting_expiry_ms = ms.max(1);
        self
    }

    /// What one user may hold at once.
    pub fn user_caps(mut self, caps: UserCaps) -> Self {
        self.caps = UserCaps {
            waiting_games: caps.waiting_games.max(1),
            spectating: caps.spectating.max(1),
        };
        self
    }

    /// Spectator counts and subscriptions.
    pub fn watchers(&self) -> &Arc<dyn Watchers> {
        &self.watchers
    }

    /// How long a player who dropped keeps their seat, in ms.
    pub fn reconnect_grace_ms(&self) -> u64 {
        self.reconnect_grace_ms
    }

    /// The scheduler of deadlines.
    pub fn scheduler(&self) -> &Arc<dyn Scheduler> {
        &self.scheduler
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

    async fn spectator_count(&self, game_id: &str) -> usize {
        self.watchers.spectator_count(game_id).await
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
            let ended = game.status != Status::Finished && working.status == Status::Finished;
            *game = working;
            self.faces.set_record(game);
            if ended && let Some(to) = self.finished.get() {
                let _ = to.send(game.id.clone());
            }
        } else {
            self.faces.forget_views(id);
            if let Err(GameError {
                code: ErrorCode::Conflict,
                ..
            }) = &result
            {
                // Someone else wrote: drop the cache so the next request reloads.
                *guard = None;
                self.faces.forget(id);
            }
        }
        result
    }

    /// Runs `f` on the game `id` as it stands, for a request that changes
    /// nothing in it, without the game's lock: on one node from its face
    /// (see [`crate::game::faces`]); in a cluster as stored (through the
    /// shared cache). Views are rendered once per version either way.
    async fn read_game<T>(
        &self,
        id: &str,
        f: impl AsyncFnOnce(&GameRecord) -> Result<T, GameError>,
    ) -> Result<T, GameError> {
        if !self.shared_store {
            if let Some(game) = self.faces.record(id) {
                return f(&game).await;
            }
            return self.with_game(id, async |game| f(game).await).await;
        }
        if id.is_empty() || id.len() > 64 {
            return Err(not_found(id));
        }
        let game = self.store.get(id).await?.ok_or_else(|| not_found(id))?;
        f(&game).await
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

    /// Ends `game` with no result (aborted, expired): one stored change of
    /// `kind` by `by` (empty: the host), no winner, the clock stopped.
    async fn finish_without_result(
        &self,
        game: &mut GameRecord,
        reason: String,
        kind: ChangeKind,
        by: &str,
    ) -> Result<(), GameError> {
        let now = now_ms();
        let expected = game.version;
        let change = MoveRecord {
            version: expected + 1,
            kind,
            seat: 0,
            user_id: by.to_string(),
            mv: None,
            events: Vec::new(),
            ply: game.ply,
            at: now,
        };
        game.phase = Phase::Finished(Outcome {
            reason,
            ..Outcome::default()
        });
        game.status = Status::Finished;
        game.clock_started_at = None;
        game.draw_offer = None;
        game.version += 1;
        game.updated_at = now.max(game.updated_at + 1);
        self.store.update(game, expected, Some(&change)).await?;
        Ok(())
    }

    /// Every view of `game` as it stands (rendered once per version).
    async fn render(&self, game: &GameRecord) -> Result<Arc<Views>, GameError> {
        if let Some(views) = self.faces.views(game) {
            return Ok(views);
        }
        let plugin = self.plugin_of(game).await?;
        let state = game.state.clone();
        let phase = game.phase.clone();
        let seats = game.players.len() as u32;
        let active = game.status == Status::Active;
        let seed = entropy(game.seed, game.ply);
        let views = Arc::new(
            plugin
                .run(seed, move |i| {
                    views::render(i, &state, &phase, seats, active)
                })
                .await?,
        );
        self.faces.set_views(game, views.clone());
        Ok(views)
    }

    async fn snapshot_for(&self, game: &GameRecord, views: &Views, seat: Option<Seat>) -> Value {
        let spectators = self.spectator_count(&game.id).await;
        views::snapshot(game, views, seat, spectators, &|u| self.is_online(u))
    }
}

/// What a new game is made of.
struct NewGame {
    /// Its id, when the caller chose it.
    id: Option<String>,
    plugin: Plugin,
    options: String,
    players: Vec<Option<Player>>,
    allow_spectators: bool,
    time_control: Option<TimeControl>,
    /// Counts for ratings.
    rated: bool,
    /// Each seat's rating at the start, when known.
    ratings: Vec<Option<f64>>,
}

/// A full table the server seats (a lobby room, a quick-play match, a
/// tournament pairing).
#[derive(Clone, Debug, Default)]
pub struct TableSpec<'a> {
    /// The game's id, when the caller chose it (a tournament stores it
    /// with the pairing before the game exists).
    pub id: Option<String>,
    /// Game type id.
    pub game_type: &'a str,
    /// The players, in seat order.
    pub players: &'a [User],
    /// Options for the rules.
    pub options: Option<&'a Value>,
    /// Clock setting.
    pub time_control: Option<TimeControl>,
    /// Whether spectators may watch.
    pub allow_spectators: bool,
    /// Counts for ratings.
    pub rated: bool,
    /// Each seat's rating, shown next to the players.
    pub ratings: Vec<Option<f64>>,
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

/// `game:ended` of a game that ended without a result or a final view
/// (`flag`: `aborted`, `expired`), and its notice for admins.
fn ended_without_result(game: &GameRecord, flag: &'static str) -> [Delivery; 2] {
    let outcome = game.outcome().cloned().unwrap_or_default();
    let mut payload = json!({
        "gameId": game.id,
        "version": game.version,
        "outcome": outcome,
        "reason": outcome.reason,
    });
    payload[flag] = json!(true);
    let to_game = Delivery {
        to: everyone_in(game),
        event: "game:ended",
        payload,
    };
    [to_game, admin_notice(game, "game:ended")]
}

/// `game:ended` for everyone in the game, and its notice for admins.
fn ended(game: &GameRecord, views: &Views) -> [Delivery; 2] {
    let outcome = game.outcome().cloned().unwrap_or_default();
    let to_game = Delivery {
        to: everyone_in(game),
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
