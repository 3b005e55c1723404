//! Seating: new games (created by a player, or for a full table the server
//! seats), taking a free seat, and the `game:started` notices.
//!
//! A seat is all a player needs to hear their game: every event of a game
//! goes to its seated users (see [`everyone_in`]), so nothing here moves
//! sockets between rooms, whichever way the seat was taken.

use super::*;

impl GameService {
    /// `game:create`: a new game with the creator in seat 0.
    pub async fn create(&self, user: &User, request: CreateRequest) -> Result<Reply, GameError> {
        let plugin = self.active_plugin(&request.game_type).await?;
        let waiting = self
            .store
            .games_of(&user.id, 100)
            .await?
            .iter()
            .filter(|g| g.status == "waiting" && g.seat == 0)
            .count();
        if waiting >= self.caps.waiting_games {
            return Err(GameError::new(
                ErrorCode::LimitReached,
                format!(
                    "you have {waiting} games waiting for players (at most {}): start or resign one first",
                    self.caps.waiting_games
                ),
            ));
        }
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
            id: None,
            plugin,
            options,
            players,
            allow_spectators: request.allow_spectators.unwrap_or(true),
            time_control,
            rated: request.rated.unwrap_or(false),
            ratings: Vec::new(),
        };
        let (game, views, deliveries) = self.start_game(setup).await?;
        let snapshot = self.snapshot_for(&game, &views, Some(0)).await;
        tracing::info!(game = %game.id, game_type = %game.game_type, version = %game.plugin_version, user = %user.id, "game created");
        let mut reply = Reply {
            deliveries,
            ..Reply::default()
        };
        reply.ack.insert("gameId".into(), json!(game.id));
        reply.ack.insert("seat".into(), json!(0));
        reply.ack.insert("game".into(), snapshot);
        Ok(reply)
    }

    /// A game for a full table (a lobby room, a quick-play match, a
    /// tournament pairing): every seat taken, in the order given. The reply
    /// carries the game id and the `game:started` deliveries.
    pub async fn start_table(&self, spec: TableSpec<'_>) -> Result<Reply, GameError> {
        let plugin = self.active_plugin(spec.game_type).await?;
        let options = spec
            .options
            .map_or_else(|| "{}".to_string(), Value::to_string);
        if options.len() > MAX_OPTIONS_BYTES {
            return Err(GameError::new(
                ErrorCode::PayloadTooLarge,
                "options are over 16 KiB",
            ));
        }
        let players = spec
            .players
            .iter()
            .map(|u| {
                Some(Player {
                    user_id: u.id.clone(),
                    name: u.name.clone(),
                })
            })
            .collect();
        let setup = NewGame {
            id: spec.id,
            plugin,
            options,
            players,
            allow_spectators: spec.allow_spectators,
            time_control: check_time_control(spec.time_control)?,
            rated: spec.rated,
            ratings: spec.ratings,
        };
        let (game, _, deliveries) = self.start_game(setup).await?;
        tracing::info!(game = %game.id, game_type = spec.game_type, players = spec.players.len(), rated = game.rated, "table started");
        let mut reply = Reply {
            deliveries,
            ..Reply::default()
        };
        reply.ack.insert("gameId".into(), json!(game.id));
        Ok(reply)
    }

    /// Sets up, stores and schedules a new game; starts it at once when
    /// every seat is taken.
    pub(super) async fn start_game(
        &self,
        new: NewGame,
    ) -> Result<(GameRecord, Arc<Views>, Vec<Delivery>), GameError> {
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
            id: new
                .id
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
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
            forfeited: Vec::new(),
            rematch_id: None,
            rated: new.rated,
            ratings: new.ratings,
            created_at: now,
            updated_at: now,
        };
        if game.players.iter().all(Option::is_some) {
            activate(&mut game, now);
        }
        self.store.insert(&game).await?;
        self.schedule_clock(&game);
        self.schedule_expiry(&game);
        let views = self.render(&game).await?;
        let mut deliveries = Vec::new();
        if game.status == Status::Active {
            deliveries.extend(self.started(&game, &views).await);
            self.watch_absent_players(&game).await;
        }
        *self.slot(&game.id).lock().await = Some(game.clone());
        self.faces.set_record(&game);
        Ok((game, views, deliveries))
    }

    /// `game:join`: take the first free seat (or watch, with `as: spectator`).
    pub async fn join(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            if let Some(seat) = game.seat_of(&user.id) {
                // Joining again (another tab, after a reconnect): the seat is theirs.
                let views = self.render(game).await?;
                return Ok(self.seat_reply(game, &views, seat).await);
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
            // A spectator who sits down is a player now, not counted twice.
            self.watchers.remove_spectator(&game.id, &user.id).await;
            let mut reply = self.seat_reply(game, &views, seat).await;
            reply.deliveries.push(Delivery {
                to: everyone_in(game),
                event: "game:joined",
                payload: json!({"gameId": game.id, "version": game.version, "userId": user.id, "name": user.name, "seat": seat}),
            });
            if game.status == Status::Active {
                reply.deliveries.extend(self.started(game, &views).await);
                self.watch_absent_players(game).await;
            }
            tracing::info!(game = %game.id, user = %user.id, seat, "seat taken");
            Ok(reply)
        })
        .await
    }

    pub(super) async fn seat_reply(&self, game: &GameRecord, views: &Views, seat: Seat) -> Reply {
        let mut reply = Reply {
            leave_rooms: vec![spectator_room(&game.id)],
            ..Reply::default()
        };
        reply.ack.insert("gameId".into(), json!(game.id));
        reply.ack.insert("seat".into(), json!(seat));
        reply.ack.insert(
            "game".into(),
            self.snapshot_for(game, views, Some(seat)).await,
        );
        reply
    }

    /// `game:started` for every player and the spectators.
    pub(super) async fn started(&self, game: &GameRecord, views: &Views) -> Vec<Delivery> {
        let spectators = self.spectator_count(&game.id).await;
        let online = |u: &str| self.is_online(u);
        let mut out: Vec<Delivery> = game
            .players
            .iter()
            .enumerate()
            .filter_map(|(seat, p)| {
                p.as_ref().map(|p| Delivery {
                    to: Audience::User(p.user_id.clone()),
                    event: "game:started",
                    payload: views::snapshot(game, views, Some(seat as Seat), spectators, &online),
                })
            })
            .collect();
        out.push(Delivery {
            to: Audience::Spectators(game.id.clone()),
            event: "game:started",
            payload: views::snapshot(game, views, None, spectators, &online),
        });
        out.push(admin_notice(game, "game:started"));
        out
    }

    /// A game just started with a seated player who has no socket open
    /// anywhere (seated by the server while away): their reconnection
    /// window starts now, as if they had just left.
    async fn watch_absent_players(&self, game: &GameRecord) {
        let at = now_ms() + self.reconnect_grace_ms;
        for user_id in game.user_ids() {
            if !self.is_online_anywhere(user_id).await {
                self.scheduler.schedule(
                    Deadline::Abandon {
                        game_id: game.id.clone(),
                        user_id: user_id.to_string(),
                    },
                    at,
                );
            }
        }
    }

    /// Sets the deadline by which a waiting game's free seats must be taken.
    pub(super) fn schedule_expiry(&self, game: &GameRecord) {
        if game.status == Status::Waiting {
            self.scheduler.schedule(
                Deadline::Expire {
                    game_id: game.id.clone(),
                },
                game.created_at + self.waiting_expiry_ms,
            );
        }
    }
}

impl GameService {
    /// The seats of a user whose socket just opened; `first` when it is
    /// their first socket (the others are told they are back).
    pub async fn seats_back(&self, user: &User, first: bool) -> SeatsBack {
        let mut back = SeatsBack::default();
        let games = match self.active_games_of(&user.id).await {
            Ok(games) => games,
            Err(e) => {
                tracing::warn!(user = %user.id, error = %e, "could not list the user's games");
                return back;
            }
        };
        for game_id in games {
            let seen = self
                .with_game(&game_id, async |game| {
                    let Some(seat) = game.seat_of(&user.id) else {
                        return Ok(None);
                    };
                    let others = Audience::Game {
                        game_id: game.id.clone(),
                        players: game.user_ids().filter(|u| *u != user.id).map(str::to_string).collect(),
                    };
                    let snapshot = match self.render(game).await {
                        Ok(views) => Some(self.snapshot_for(game, &views, Some(seat)).await),
                        Err(e) => {
                            tracing::warn!(game = %game.id, error = %e.message, "no snapshot for a returning player");
                            None
                        }
                    };
                    Ok(Some((others, snapshot)))
                })
                .await;
            let Ok(Some((others, snapshot))) = seen else {
                continue;
            };
            if first {
                back.notices.push(Delivery {
                    to: others,
                    event: "user:reconnected",
                    payload: json!({"gameId": game_id, "userId": user.id, "name": user.name}),
                });
            }
            back.snapshots.extend(snapshot);
            back.games.push(game_id);
        }
        back
    }
}
