//! The tournament service: create, register, withdraw, spectate, read.
//! Rounds are run by [`super::rounds`]; both change a tournament only by a
//! compare-and-set of its stored record, so two nodes never both pair a
//! round.

use super::settings::{self, CreateTournament};
use super::view;
use crate::auth::password::{hash_password, verify_password};
use crate::auth::{Role, User};
use crate::base::clock::now_ms;
use crate::base::error::{ErrorCode, GameError};
use crate::base::outbox::{Audience, Delivery, Reply};
use crate::game::GameService;
use crate::rating::RatingService;
use crate::records::rating::RatingSystem;
use crate::records::tournament::{Entrant, Format, TournamentRecord, TournamentStatus};
use crate::store::{StoreError, TournamentStore};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Who may do what, and how often tournaments are looked at.
#[derive(Clone, Copy, Debug)]
pub struct TournamentSettings {
    /// Players (not only admins) may create tournaments.
    pub players_may_create: bool,
    /// Open tournaments one player may have created at once.
    pub open_per_player: usize,
    /// How often every open tournament is checked (start times, no-shows,
    /// results a node missed), in ms.
    pub tick_ms: u64,
}

impl Default for TournamentSettings {
    fn default() -> Self {
        TournamentSettings {
            players_may_create: false,
            open_per_player: 2,
            tick_ms: 1_000,
        }
    }
}

/// The room of a tournament's players and watchers.
pub fn tournament_room(id: &str) -> String {
    format!("tournament:{id}")
}

/// Tournaments, over the game service.
pub struct TournamentService {
    pub(super) store: Arc<dyn TournamentStore>,
    pub(super) games: Arc<GameService>,
    pub(super) ratings: Arc<RatingService>,
    pub(super) outbox: mpsc::UnboundedSender<Vec<Delivery>>,
    pub(super) settings: TournamentSettings,
    /// One step at a time per tournament on this node (others: the CAS).
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Which tournament each game seen belongs to.
    pub(super) index: Mutex<HashMap<String, String>>,
    /// This service, for steps run off a request (set by `run`).
    pub(super) me: std::sync::OnceLock<std::sync::Weak<TournamentService>>,
}

pub(super) fn not_found(id: &str) -> GameError {
    GameError::new(ErrorCode::NotFound, format!("no tournament {id}"))
}

impl TournamentService {
    /// A service storing into `store`, seating players through `games`,
    /// sending what no request asked for to `outbox`.
    pub fn new(
        store: Arc<dyn TournamentStore>,
        games: Arc<GameService>,
        ratings: Arc<RatingService>,
        outbox: mpsc::UnboundedSender<Vec<Delivery>>,
        settings: TournamentSettings,
    ) -> Self {
        TournamentService {
            store,
            games,
            ratings,
            outbox,
            settings,
            locks: Mutex::new(HashMap::new()),
            index: Mutex::new(HashMap::new()),
            me: std::sync::OnceLock::new(),
        }
    }

    pub(super) fn lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.retain(|_, l| Arc::strong_count(l) > 1);
        locks.entry(id.to_string()).or_default().clone()
    }

    pub(super) async fn load(&self, id: &str) -> Result<TournamentRecord, GameError> {
        if id.is_empty() || id.len() > 64 {
            return Err(not_found(id));
        }
        self.store
            .tournament(id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// Changes tournament `id` with `f` and stores it (compare-and-set,
    /// retried when another writer won).
    pub(super) async fn update<T>(
        &self,
        id: &str,
        mut f: impl FnMut(&mut TournamentRecord) -> Result<T, GameError>,
    ) -> Result<(T, TournamentRecord), GameError> {
        let lock = self.lock(id);
        let _held = lock.lock().await;
        for _ in 0..5 {
            let mut t = self.load(id).await?;
            let expected = t.version;
            let out = f(&mut t)?;
            t.version = expected + 1;
            match self.store.save_tournament(&t, Some(expected)).await {
                Ok(()) => return Ok((out, t)),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict { expected: 0 }.into())
    }

    /// `tournament:create` (admins; players too when the operator allows).
    pub async fn create(&self, user: &User, request: CreateTournament) -> Result<Reply, GameError> {
        let is_admin = user.role == Role::Admin;
        if !is_admin && !self.settings.players_may_create {
            return Err(GameError::new(
                ErrorCode::Forbidden,
                "only administrators create tournaments here",
            ));
        }
        let info = self.games.game_info(&request.game_type)?;
        let now = now_ms();
        let checked = settings::check(&request, info.min_players, info.max_players, now)?;
        if !is_admin {
            let open = self
                .store
                .tournaments(true, 500)
                .await?
                .iter()
                .filter(|t| t.created_by == user.id)
                .count();
            if open >= self.settings.open_per_player {
                return Err(GameError::new(
                    ErrorCode::LimitReached,
                    format!(
                        "you have {open} open tournaments (at most {})",
                        self.settings.open_per_player
                    ),
                ));
            }
        }
        let password_hash = match request.password.clone().filter(|p| !p.is_empty()) {
            Some(p) => Some(hash_password(p).await?),
            None => None,
        };
        let format = match request.format {
            Format::Tables { rounds, seats } => Format::Tables {
                rounds,
                seats: Some(seats.unwrap_or(info.min_players)),
            },
            other => other,
        };
        let t = TournamentRecord {
            id: uuid::Uuid::new_v4().simple().to_string(),
            version: 0,
            name: request.name.trim().to_string(),
            game_type: info.id.clone(),
            options: request.options,
            time_control: request.time_control,
            format,
            rated: request.rated.unwrap_or(true),
            max_players: checked.max_players,
            password_hash,
            starts_at: request.starts_at,
            start_when_full: request.start_when_full.unwrap_or(false),
            no_show_ms: checked.no_show_ms,
            created_by: user.id.clone(),
            created_at: now,
            status: TournamentStatus::Registering,
            players: Vec::new(),
            rounds: Vec::new(),
            line: Vec::new(),
            ends_at: None,
            finished_at: None,
            cancelled: None,
        };
        self.store.save_tournament(&t, None).await?;
        tracing::info!(tournament = %t.id, game_type = %t.game_type, format = t.format.kind(), by = %user.id, "tournament created");
        let mut reply = Reply::default();
        reply.ack.insert("tournamentId".into(), json!(t.id));
        reply.ack.insert("tournament".into(), view::snapshot(&t));
        reply.deliveries.push(Delivery {
            to: Audience::Admins,
            event: "tournament:updated",
            payload: view::summary(&t),
        });
        Ok(reply)
    }

    /// `tournament:join`: register (before the start), or come back to the
    /// tournament's room (a registered player, at any time).
    pub async fn join(
        &self,
        user: &User,
        id: &str,
        password: Option<&str>,
    ) -> Result<Reply, GameError> {
        let current = self.load(id).await?;
        let registered = current.entrant(&user.id).is_some();
        if !registered
            && let Some(hash) = current.password_hash.clone()
            && !verify_password(password.unwrap_or("").to_string(), hash).await
        {
            return Err(GameError::new(
                ErrorCode::WrongPassword,
                "wrong tournament password",
            ));
        }
        let system = match current.format {
            Format::Tables { .. } => RatingSystem::WengLin,
            _ => RatingSystem::Glicko2,
        };
        let me = [(user.id.clone(), user.name.clone())];
        let rating = self
            .ratings
            .of(&current.game_type, &me, system)
            .await?
            .first()
            .map_or(crate::rating::INITIAL_RATING, |r| r.rating);
        let (joined, t) = self
            .update(id, |t| {
                if t.entrant(&user.id).is_some() {
                    return Ok(false);
                }
                match t.status {
                    TournamentStatus::Running => {
                        return Err(GameError::new(
                            ErrorCode::TournamentStarted,
                            "the tournament has started: registration is closed",
                        ));
                    }
                    TournamentStatus::Finished => {
                        return Err(GameError::new(
                            ErrorCode::TournamentFinished,
                            "the tournament is over",
                        ));
                    }
                    TournamentStatus::Registering => {}
                }
                if t.players.len() >= t.max_players as usize {
                    return Err(GameError::new(
                        ErrorCode::TournamentFull,
                        format!("the tournament has its {} players", t.max_players),
                    ));
                }
                t.players.push(Entrant {
                    user_id: user.id.clone(),
                    name: user.name.clone(),
                    rating,
                    withdrawn: false,
                });
                Ok(true)
            })
            .await?;
        let mut reply = Reply::default();
        reply.join_rooms.push(tournament_room(id));
        reply.ack.insert("tournamentId".into(), json!(id));
        reply.ack.insert("joined".into(), json!(joined));
        reply.ack.insert("tournament".into(), view::snapshot(&t));
        if joined {
            tracing::info!(tournament = %id, user = %user.id, "registered");
            reply.deliveries.push(updated(&t));
            if t.start_when_full && t.players.len() >= t.max_players as usize {
                self.prompt(id);
            }
        }
        Ok(reply)
    }

    /// `tournament:leave`: unregister before the start; after it, withdraw
    /// (the game in progress is resigned, no further pairing).
    pub async fn leave(&self, user: &User, id: &str) -> Result<Reply, GameError> {
        let (playing, t) = self
            .update(id, |t| {
                let Some(me) = t.entrant(&user.id).filter(|&p| !t.players[p].withdrawn) else {
                    return Err(GameError::new(
                        ErrorCode::NotInTournament,
                        "you are not registered in this tournament",
                    ));
                };
                match t.status {
                    TournamentStatus::Finished => Err(GameError::new(
                        ErrorCode::TournamentFinished,
                        "the tournament is over",
                    )),
                    TournamentStatus::Registering => {
                        t.players.remove(me);
                        Ok(Vec::new())
                    }
                    TournamentStatus::Running => {
                        t.players[me].withdrawn = true;
                        Ok(t.rounds
                            .iter()
                            .flat_map(|r| &r.games)
                            .filter(|g| g.half_points.is_none() && g.players.contains(&me))
                            .filter_map(|g| g.game_id.clone())
                            .collect())
                    }
                }
            })
            .await?;
        let mut reply = Reply::default();
        for game_id in &playing {
            // The rules decide what a resignation means; the result comes
            // back through the finished game.
            match self
                .games
                .forfeit(user, game_id, gamehost_sdk::Forfeit::Resign)
                .await
            {
                Ok(r) => reply.deliveries.extend(r.deliveries),
                Err(e) => {
                    tracing::info!(game = %game_id, error = %e, "withdrawal: no game to resign")
                }
            }
        }
        tracing::info!(tournament = %id, user = %user.id, withdrew = t.status == TournamentStatus::Running, "left a tournament");
        reply.leave_rooms.push(tournament_room(id));
        reply.deliveries.push(updated(&t));
        reply.ack.insert("tournamentId".into(), json!(id));
        reply.ack.insert(
            "withdrawn".into(),
            json!(t.status == TournamentStatus::Running),
        );
        self.prompt(id);
        Ok(reply)
    }

    /// `tournament:spectate`: follow a tournament: its room, its current
    /// games, the top board.
    pub async fn spectate(&self, id: &str) -> Result<Reply, GameError> {
        let t = self.load(id).await?;
        let snapshot = view::snapshot(&t);
        let games = snapshot["currentGames"].clone();
        let mut reply = Reply::default();
        reply.join_rooms.push(tournament_room(id));
        reply.ack.insert("tournamentId".into(), json!(id));
        reply.ack.insert(
            "topBoard".into(),
            games.get(0).cloned().unwrap_or(Value::Null),
        );
        reply.ack.insert("currentGames".into(), games);
        reply.ack.insert("tournament".into(), snapshot);
        Ok(reply)
    }

    /// `tournament:stop-spectating`.
    pub async fn stop_spectating(&self, id: &str) -> Result<Reply, GameError> {
        let t = self.load(id).await?;
        let mut reply = Reply::default();
        reply.leave_rooms.push(tournament_room(&t.id));
        reply.ack.insert("tournamentId".into(), json!(t.id));
        Ok(reply)
    }

    /// `tournament:start` (its creator or an admin): start now.
    pub async fn start_now(&self, user: &User, id: &str) -> Result<Reply, GameError> {
        let (_, t) = self
            .update(id, |t| {
                if t.created_by != user.id && user.role != Role::Admin {
                    return Err(GameError::new(
                        ErrorCode::Forbidden,
                        "only its creator or an administrator starts a tournament",
                    ));
                }
                if t.status != TournamentStatus::Registering {
                    return Err(GameError::new(
                        ErrorCode::TournamentStarted,
                        "the tournament has already started",
                    ));
                }
                t.starts_at = Some(now_ms());
                Ok(())
            })
            .await?;
        self.advance(id).await;
        let t = self.load(&t.id).await?;
        let mut reply = Reply::default();
        reply.ack.insert("tournamentId".into(), json!(t.id));
        reply.ack.insert("tournament".into(), view::snapshot(&t));
        Ok(reply)
    }

    /// Cancels a tournament that has not ended (its creator or an admin):
    /// it ends without a winner, its games in progress are aborted.
    pub async fn cancel(&self, user: &User, id: &str, reason: &str) -> Result<Reply, GameError> {
        if reason.len() > 500 {
            return Err(GameError::new(
                ErrorCode::Malformed,
                "a reason is at most 500 bytes",
            ));
        }
        let (playing, t) = self
            .update(id, |t| {
                if t.created_by != user.id && user.role != Role::Admin {
                    return Err(GameError::new(
                        ErrorCode::Forbidden,
                        "only its creator or an administrator cancels a tournament",
                    ));
                }
                if t.status == TournamentStatus::Finished {
                    return Err(GameError::new(
                        ErrorCode::TournamentFinished,
                        "the tournament is over",
                    ));
                }
                t.status = TournamentStatus::Finished;
                t.finished_at = Some(now_ms());
                t.cancelled = Some(format!("cancelled by {}: {reason}", user.name));
                Ok(t.rounds
                    .iter()
                    .flat_map(|r| &r.games)
                    .filter(|g| g.half_points.is_none())
                    .filter_map(|g| g.game_id.clone())
                    .collect::<Vec<_>>())
            })
            .await?;
        tracing::warn!(tournament = %id, by = %user.id, reason, "tournament cancelled");
        let mut reply = Reply::default();
        for game_id in playing {
            if let Ok(aborted) = self
                .games
                .abort(&game_id, user, "the tournament was cancelled")
                .await
            {
                reply.deliveries.extend(aborted.deliveries);
            }
        }
        reply.deliveries.push(updated(&t));
        reply.deliveries.push(Delivery {
            to: Audience::Room(tournament_room(id)),
            event: "tournament:ended",
            payload: json!({
                "tournamentId": id,
                "standings": view::standings(&t),
                "winner": Value::Null,
                "cancelled": t.cancelled,
            }),
        });
        reply.ack.insert("tournamentId".into(), json!(id));
        reply.ack.insert("tournament".into(), view::snapshot(&t));
        Ok(reply)
    }

    /// One tournament, for anyone.
    pub async fn get(&self, id: &str) -> Result<Value, GameError> {
        Ok(view::snapshot(&self.load(id).await?))
    }

    /// The open tournaments and the newest finished ones.
    pub async fn list(&self) -> Result<Vec<Value>, GameError> {
        let mut all = self.store.tournaments(true, 200).await?;
        let open: std::collections::HashSet<String> = all.iter().map(|t| t.id.clone()).collect();
        all.extend(
            self.store
                .tournaments(false, 50)
                .await?
                .into_iter()
                .filter(|t| !open.contains(&t.id)),
        );
        Ok(all.iter().map(view::summary).collect())
    }

    fn myself(&self) -> Option<Arc<TournamentService>> {
        self.me.get().and_then(std::sync::Weak::upgrade)
    }

    /// Runs the next step of `id` soon, off the caller's request.
    pub(super) fn prompt(&self, id: &str) {
        if let Some(me) = self.myself() {
            let id = id.to_string();
            tokio::spawn(async move { me.advance(&id).await });
        }
    }
}

/// `tournament:updated` for the tournament's room.
pub(super) fn updated(t: &TournamentRecord) -> Delivery {
    Delivery {
        to: Audience::Room(tournament_room(&t.id)),
        event: "tournament:updated",
        payload: view::summary(t),
    }
}
