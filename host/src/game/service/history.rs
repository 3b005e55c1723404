//! Reading a game back: what a client missed, the public record, a user's
//! games, and replaying a move log.

use super::*;

impl GameService {
    /// `game:sync`: what the client missed since `version`.
    pub async fn sync(&self, user: &User, game_id: &str, version: u64) -> Result<Reply, GameError> {
        self.read_game(game_id, async |game| {
            let seat = game.seat_of(&user.id);
            if seat.is_none() && !game.allow_spectators && user.role == crate::auth::Role::Player {
                return Err(GameError::new(ErrorCode::SpectatorsNotAllowed, "this game does not allow spectators"));
            }
            let changes = if version < game.version {
                self.store.changes(&game.id, version).await?
            } else {
                Vec::new()
            };
            let views = self.render(game).await?;
            let mut reply = Reply::default();
            if seat.is_none() {
                // Catching up on a game one has no seat in is watching it.
                self.make_room_to_spectate(user, &game.id).await?;
                reply.join_rooms.push(spectator_room(&game.id));
                if self.watchers.add_spectator(&game.id, &user.id).await {
                    let count = self.spectator_count(&game.id).await;
                    reply.deliveries.push(Delivery {
                        to: everyone_in(game),
                        event: "game:spectator-joined",
                        payload: json!({"gameId": game.id, "userId": user.id, "name": user.name, "spectators": count}),
                    });
                }
            }
            reply.ack.insert("gameId".into(), json!(game.id));
            reply.ack.insert("version".into(), json!(game.version));
            if changes.len() <= MAX_SYNC_CHANGES {
                let missed: Vec<Value> = changes
                    .iter()
                    .map(|c| {
                        let mut v = json!({"version": c.version, "kind": c.kind, "seat": c.seat, "userId": c.user_id, "events": raw_events(&c.events)});
                        if c.user_id == user.id
                            && let Some(mv) = &c.mv
                        {
                            v["move"] = serde_json::from_str(mv).unwrap_or(Value::Null);
                        }
                        v
                    })
                    .collect();
                reply.ack.insert("missed".into(), Value::Array(missed));
            }
            reply.ack.insert("game".into(), self.snapshot_for(game, &views, seat).await);
            Ok(reply)
        })
        .await
    }

    /// The game as `GET /api/games/{id}` shows it to `viewer` (none when
    /// unauthenticated): the spectator view while it runs; the omniscient
    /// view and the move log once it is over. A game that does not allow
    /// spectators is not found for anyone without a seat in it (staff
    /// aside).
    pub async fn public_record(
        &self,
        game_id: &str,
        viewer: Option<&User>,
    ) -> Result<Value, GameError> {
        self.record_view(game_id, false, viewer).await
    }

    /// The game as an admin inspects it: the omniscient view and the move
    /// log even while it runs.
    pub async fn inspect(&self, game_id: &str) -> Result<Value, GameError> {
        self.record_view(game_id, true, None).await
    }

    async fn record_view(
        &self,
        game_id: &str,
        everything: bool,
        viewer: Option<&User>,
    ) -> Result<Value, GameError> {
        self.read_game(game_id, async |game| {
            if !everything && !game.allow_spectators && !may_see_private(game, viewer) {
                return Err(not_found(game_id));
            }
            let finished = everything || game.status == Status::Finished;
            let view = if everything {
                // An admin still sees the record of a game whose rules fail.
                self.omniscient_view(game)
                    .await
                    .unwrap_or_else(|e| json!({"unavailable": e.message}))
            } else {
                let views = self.render(game).await?;
                match &views.omniscient {
                    Some(all) if finished => json!(all),
                    _ => json!(views.spectator),
                }
            };
            let mut value = json!({
                "gameId": game.id,
                "gameType": game.game_type,
                "pluginVersion": game.plugin_version,
                "pluginHash": game.plugin_hash,
                "status": game.status.as_str(),
                "players": views::players(game, &|u| self.is_online(u)),
                "version": game.version,
                "createdAt": game.created_at,
                "updatedAt": game.updated_at,
                "outcome": game.outcome(),
                "view": view,
            });
            if finished {
                let log = self.store.changes(&game.id, 0).await?;
                let moves: Vec<Value> = log
                    .iter()
                    .filter(|c| c.kind == ChangeKind::Move)
                    .map(|c| {
                        json!({"version": c.version, "ply": c.ply, "seat": c.seat, "userId": c.user_id,
                               "move": c.mv.as_deref().and_then(|m| serde_json::from_str::<Value>(m).ok()), "at": c.at})
                    })
                    .collect();
                value["moves"] = Value::Array(moves);
            }
            Ok(value)
        })
        .await
    }

    /// Everything about the game's state, hidden information included.
    async fn omniscient_view(&self, game: &GameRecord) -> Result<Value, GameError> {
        let plugin = self.plugin_of(game).await?;
        let state = game.state.clone();
        let text = plugin
            .run(entropy(game.seed, game.ply), move |i| {
                i.view(&state, gamehost_sdk::Viewer::Omniscient)
            })
            .await?;
        serde_json::from_str(&text).map_err(|e| {
            GameError::new(
                ErrorCode::PluginFailure,
                format!("the view is not JSON: {e}"),
            )
        })
    }

    /// A user's games, newest first, as `viewer` may see them: games that
    /// do not allow spectators only for the user themself and staff.
    pub async fn games_of(
        &self,
        user_id: &str,
        viewer: Option<&User>,
    ) -> Result<Vec<crate::store::UserGame>, GameError> {
        let own = viewer.is_some_and(|v| v.id == user_id || v.role != crate::auth::Role::Player);
        let games = self.store.games_of(user_id, 100).await?;
        Ok(games.into_iter().filter(|g| own || !g.private).collect())
    }

    /// Ids of the unfinished games `user_id` holds a seat in.
    pub async fn active_games_of(&self, user_id: &str) -> Result<Vec<String>, GameError> {
        let games = self.store.games_of(user_id, 100).await?;
        Ok(games
            .into_iter()
            .filter(|g| g.status != "finished")
            .map(|g| g.game_id)
            .collect())
    }

    /// Rebuilds a game's state by replaying its move log through the rules
    /// it is pinned to, from the same seed: the result must equal the stored
    /// state. Used to check stored games.
    pub async fn replay(&self, game_id: &str) -> Result<bool, GameError> {
        let game = self
            .store
            .get(game_id)
            .await?
            .ok_or_else(|| not_found(game_id))?;
        let log = self.store.changes(game_id, 0).await?;
        let plugin = self.plugin_of(&game).await?;
        let setup = Setup {
            players: game.players.len() as u32,
            options: game.options.clone(),
            seed: game.seed,
        };
        let stored = game.state.clone();
        plugin
            .run(game.seed, move |i| {
                let mut state = match i.start(&setup)? {
                    Ok(t) => t.state,
                    Err(_) => return Ok(false),
                };
                for change in &log {
                    let t: Transition = match (change.kind, &change.mv) {
                        (ChangeKind::Move, Some(mv)) => {
                            let ctx = Context {
                                seat: change.seat,
                                ply: change.ply,
                                entropy: entropy(game.seed, change.ply),
                            };
                            match i.apply(&state, &ctx, mv)? {
                                Ok(t) => t,
                                Err(_) => return Ok(false),
                            }
                        }
                        (ChangeKind::Resign, _) => {
                            i.forfeit(&state, change.seat, Forfeit::Resign)?
                        }
                        (ChangeKind::Timeout, _) => {
                            i.forfeit(&state, change.seat, Forfeit::Timeout)?
                        }
                        (ChangeKind::Abandon, _) => {
                            i.forfeit(&state, change.seat, Forfeit::Abandon)?
                        }
                        _ => continue,
                    };
                    state = t.state;
                }
                Ok(state == stored)
            })
            .await
            .map_err(GameError::from)
    }
}

/// Whether `viewer` may read a game that does not allow spectators: a seat
/// in it, or a staff role.
fn may_see_private(game: &GameRecord, viewer: Option<&User>) -> bool {
    viewer.is_some_and(|v| v.role != crate::auth::Role::Player || game.seat_of(&v.id).is_some())
}
