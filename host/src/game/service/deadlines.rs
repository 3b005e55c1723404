//! Time: clocks that run out, players who leave and do not come back, and
//! resuming both after a restart.

use super::*;

impl GameService {
    /// Sets the deadline of the running clock, if one runs.
    pub(super) fn schedule_clock(&self, game: &GameRecord) {
        if game.status != Status::Active || game.time_control.is_none() {
            return;
        }
        let to_move = game.to_move();
        let (Some(since), [seat]) = (game.clock_started_at, to_move.as_slice()) else {
            return;
        };
        let Some(left) = game.clocks.get(*seat as usize) else {
            return;
        };
        let deadline = Deadline::Clock {
            game_id: game.id.clone(),
            version: game.version,
        };
        self.scheduler.schedule(deadline, since + left);
    }

    /// Acts on a due deadline, if it still applies.
    pub async fn fire(&self, deadline: Deadline) {
        let result = match &deadline {
            Deadline::Clock { game_id, version } => {
                self.with_game(game_id, async |game| {
                    let [seat] = game.to_move()[..] else {
                        return Ok(None);
                    };
                    let flagged = game.version == *version
                        && views::clocks(game)["remainingMs"][seat as usize].as_u64() == Some(0);
                    if !flagged {
                        return Ok(None);
                    }
                    let user = game.players[seat as usize]
                        .as_ref()
                        .map(|p| p.user_id.clone())
                        .unwrap_or_default();
                    tracing::info!(game = %game.id, seat, "flag: time ran out");
                    self.forfeit_locked(game, seat, &user, Forfeit::Timeout)
                        .await
                        .map(Some)
                })
                .await
            }
            Deadline::Abandon { game_id, user_id } => {
                if self.is_online_anywhere(user_id).await {
                    return;
                }
                self.with_game(game_id, async |game| {
                    let Some(seat) = game.seat_of(user_id) else { return Ok(None) };
                    if game.status == Status::Finished || self.is_online(user_id) {
                        return Ok(None);
                    }
                    tracing::info!(game = %game.id, user = %user_id, seat, "abandoned: no reconnection in time");
                    self.forfeit_locked(game, seat, user_id, Forfeit::Abandon).await.map(Some)
                })
                .await
            }
            Deadline::Expire { game_id } => {
                self.with_game(game_id, async |game| {
                    if game.status != Status::Waiting
                        || now_ms() < game.created_at + self.waiting_expiry_ms
                    {
                        return Ok(None);
                    }
                    self.expire_locked(game).await.map(Some)
                })
                .await
            }
            // Not a game's: the admin service and the lobby fire these.
            Deadline::Announcement { .. } | Deadline::Departure { .. } => Ok(None),
        };
        match result {
            Ok(Some(reply)) => {
                let _ = self.outbox.send(reply.deliveries);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(?deadline, error = %e, "deadline could not be acted on"),
        }
    }

    /// Ends a game nobody came to play: no result, nobody wins.
    async fn expire_locked(&self, game: &mut GameRecord) -> Result<Reply, GameError> {
        self.finish_without_result(game, "expired".to_string(), ChangeKind::Expire, "")
            .await?;
        tracing::info!(game = %game.id, "waiting game expired");
        Ok(Reply {
            deliveries: ended_without_result(game, "expired").into(),
            ..Reply::default()
        })
    }

    /// A player's last socket closed: tell the others and start the
    /// reconnection window of each game they sit in.
    pub async fn player_left(&self, user_id: &str) -> Vec<Delivery> {
        let games = self.active_games_of(user_id).await.unwrap_or_default();
        let at = now_ms() + self.reconnect_grace_ms;
        let mut out = Vec::new();
        for game_id in games {
            let Ok(Some((seat, audience))) = self
                .with_game(&game_id, async |game| {
                    Ok((game.status == Status::Active)
                        .then(|| game.seat_of(user_id))
                        .flatten()
                        .map(|seat| (seat, everyone_in(game))))
                })
                .await
            else {
                continue;
            };
            self.scheduler.schedule(
                Deadline::Abandon {
                    game_id: game_id.clone(),
                    user_id: user_id.to_string(),
                },
                at,
            );
            out.push(Delivery {
                to: audience,
                event: "user:temporarily-disconnected",
                payload: json!({"gameId": game_id, "userId": user_id, "seat": seat, "reconnectWindowMs": self.reconnect_grace_ms}),
            });
        }
        out
    }

    /// After a restart: set the clocks of running games again, and give
    /// every seated player the reconnection window to come back.
    pub async fn resume(&self) -> Result<usize, GameError> {
        let games = self.store.unfinished().await?;
        let at = now_ms() + self.reconnect_grace_ms;
        for game in &games {
            self.schedule_expiry(game);
        }
        for game in games.iter().filter(|g| g.status == Status::Active) {
            self.schedule_clock(game);
            for user_id in game.user_ids() {
                self.scheduler.schedule(
                    Deadline::Abandon {
                        game_id: game.id.clone(),
                        user_id: user_id.to_string(),
                    },
                    at,
                );
            }
        }
        Ok(games.len())
    }

    pub(super) fn advance_clock(&self, game: &mut GameRecord, mover: Seat, now: u64) {
        let Some(tc) = game.time_control else { return };
        let Some(since) = game.clock_started_at else {
            return;
        };
        let used = now.saturating_sub(since);
        if let Some(left) = game.clocks.get_mut(mover as usize) {
            match tc {
                TimeControl::Fischer { increment_ms, .. } => {
                    *left = left.saturating_sub(used) + increment_ms
                }
                TimeControl::PerMove { per_move_ms } => *left = per_move_ms,
            }
        }
        game.clock_started_at = Some(now);
    }
}
