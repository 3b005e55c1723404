//! Spectators: watching a game, leaving it, and leaving and coming back
//! with one's sockets (counted while connected, subscribed for the
//! reconnection window).

use super::*;

/// `game:spectator-joined` / `game:spectator-left` for everyone in the game.
fn spectator_notice(game: &GameRecord, event: &'static str, user: &User, count: usize) -> Delivery {
    Delivery {
        to: everyone_in(game),
        event,
        payload: json!({"gameId": game.id, "userId": user.id, "name": user.name, "spectators": count}),
    }
}

impl GameService {
    /// `game:spectate`: watch a game (a seated player gets their seat's view).
    pub async fn spectate(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.read_game(game_id, async |game| {
            let views = self.render(game).await?;
            if let Some(seat) = game.seat_of(&user.id) {
                return Ok(self.seat_reply(game, &views, seat).await);
            }
            if !game.allow_spectators && user.role == crate::auth::Role::Player {
                return Err(GameError::new(
                    ErrorCode::SpectatorsNotAllowed,
                    "this game does not allow spectators",
                ));
            }
            self.make_room_to_spectate(user, &game.id).await?;
            let newly = self.watchers.add_spectator(&game.id, &user.id).await;
            let mut reply = Reply {
                join_rooms: vec![spectator_room(&game.id)],
                ..Reply::default()
            };
            if newly {
                let count = self.spectator_count(&game.id).await;
                reply
                    .deliveries
                    .push(spectator_notice(game, "game:spectator-joined", user, count));
            }
            reply.ack.insert("gameId".into(), json!(game.id));
            reply
                .ack
                .insert("game".into(), self.snapshot_for(game, &views, None).await);
            Ok(reply)
        })
        .await
    }

    /// Refuses a user who already spectates as many games as they may,
    /// after dropping the finished games from their list.
    pub(super) async fn make_room_to_spectate(
        &self,
        user: &User,
        game_id: &str,
    ) -> Result<(), GameError> {
        let spectating = self.watchers.subscriptions(&user.id).await.spectating;
        if spectating.len() < self.caps.spectating || spectating.iter().any(|g| g == game_id) {
            return Ok(());
        }
        let mut still = spectating.len();
        for other in &spectating {
            let over = match self.store.get(other).await {
                Ok(Some(g)) => g.status == crate::game::record::Status::Finished,
                Ok(None) => true,
                Err(_) => false,
            };
            if over {
                self.watchers.remove_spectator(other, &user.id).await;
                still -= 1;
            }
        }
        if still >= self.caps.spectating {
            return Err(GameError::new(
                ErrorCode::LimitReached,
                format!(
                    "you spectate {still} games (at most {}): stop spectating one first",
                    self.caps.spectating
                ),
            ));
        }
        Ok(())
    }

    /// `game:stop-spectating`.
    pub async fn stop_spectating(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        let game = self.current(game_id).await?;
        let was = self.watchers.remove_spectator(game_id, &user.id).await;
        let mut reply = Reply {
            leave_rooms: vec![spectator_room(game_id)],
            ..Reply::default()
        };
        if was {
            let count = self.spectator_count(game_id).await;
            reply
                .deliveries
                .push(spectator_notice(&game, "game:spectator-left", user, count));
        }
        reply.ack.insert("gameId".into(), json!(game_id));
        Ok(reply)
    }

    /// The user's last socket closed: they stop being counted in the games
    /// they watch (everyone there is told), and stay subscribed for the
    /// reconnection window.
    pub async fn spectator_gone(&self, user: &User) -> Vec<Delivery> {
        let mut out = Vec::new();
        for game_id in self.watchers.suspend(&user.id).await {
            let Ok(game) = self.current(&game_id).await else {
                continue;
            };
            let count = self.spectator_count(&game_id).await;
            out.push(spectator_notice(&game, "game:spectator-left", user, count));
        }
        out
    }

    /// A socket of the user opened: they are counted again in the running
    /// games they were subscribed to (everyone there is told, if they were
    /// not counted). Returns those games and the notices; games that have
    /// ended or gone are dropped from the subscriptions.
    pub async fn spectator_back(
        &self,
        user: &User,
        games: &[String],
    ) -> (Vec<String>, Vec<Delivery>) {
        let mut watching = Vec::new();
        let mut out = Vec::new();
        for game_id in games {
            let game = match self.current(game_id).await {
                Ok(game) if game.status != Status::Finished && game.seat_of(&user.id).is_none() => {
                    game
                }
                _ => {
                    self.watchers.remove_spectator(game_id, &user.id).await;
                    continue;
                }
            };
            if self.watchers.add_spectator(game_id, &user.id).await {
                let count = self.spectator_count(game_id).await;
                out.push(spectator_notice(
                    &game,
                    "game:spectator-joined",
                    user,
                    count,
                ));
            }
            watching.push(game_id.clone());
        }
        (watching, out)
    }

    /// The game `id` as it stands (read under its lock, not changed).
    pub async fn current(&self, id: &str) -> Result<GameRecord, GameError> {
        self.with_game(id, async |game| Ok(game.clone())).await
    }
}
