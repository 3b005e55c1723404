//! Offers between players: draws while a game runs, rematches once it is
//! over.

use super::*;

impl GameService {
    /// `game:offer-revenge`: propose a rematch of a finished game.
    pub async fn offer_revenge(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            let seat = finished_seat(game, user)?;
            if game.rematch_id.is_some() {
                return Err(GameError::new(
                    ErrorCode::Conflict,
                    "the rematch already exists",
                ));
            }
            game.revenge_offer = Some(seat);
            Ok(self.tell_players(
                game,
                "game:revenge-offered",
                json!({"gameId": game.id, "seat": seat, "userId": user.id}),
            ))
        })
        .await
    }

    /// `game:accept-revenge`: the rematch starts, every player moved one
    /// seat on (the first player moves last), same rules version, options
    /// and clock.
    pub async fn accept_revenge(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            let seat = finished_seat(game, user)?;
            standing_offer(
                game.revenge_offer,
                seat,
                ErrorCode::NoRevengeOffer,
                "a rematch",
            )?;
            let mut players = game.players.clone();
            players.rotate_right(1);
            // A rematch is a new game: it gets the version active now.
            let setup = NewGame {
                plugin: self.active_plugin(&game.game_type).await?,
                options: game.options.clone(),
                players,
                allow_spectators: game.allow_spectators,
                time_control: game.time_control,
            };
            let (rematch, _, started) = self.start_game(setup).await?;
            game.revenge_offer = None;
            game.rematch_id = Some(rematch.id.clone());
            let mut reply = self.tell_players(
                game,
                "game:revenge-accepted",
                json!({"gameId": game.id, "newGameId": rematch.id}),
            );
            reply.deliveries.extend(started);
            // Every player's sockets follow the rematch's room.
            reply.others_join = rematch
                .user_ids()
                .map(|u| (u.to_string(), game_room(&rematch.id)))
                .collect();
            reply.ack.insert("newGameId".into(), json!(rematch.id));
            Ok(reply)
        })
        .await
    }

    /// `game:decline-revenge`.
    pub async fn decline_revenge(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            let seat = finished_seat(game, user)?;
            standing_offer(
                game.revenge_offer,
                seat,
                ErrorCode::NoRevengeOffer,
                "a rematch",
            )?;
            game.revenge_offer = None;
            Ok(self.tell_players(
                game,
                "game:revenge-declined",
                json!({"gameId": game.id, "seat": seat, "userId": user.id}),
            ))
        })
        .await
    }

    /// `game:offer-draw`.
    pub async fn offer_draw(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            let seat = active_seat(game, user)?;
            game.draw_offer = Some(seat);
            Ok(self.tell_players(game, "game:draw-offered", json!({"gameId": game.id, "version": game.version, "seat": seat, "userId": user.id})))
        })
        .await
    }

    /// `game:accept-draw`: ends the game drawn, if another seat offered.
    pub async fn accept_draw(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            let seat = active_seat(game, user)?;
            standing_offer(game.draw_offer, seat, ErrorCode::NoDrawOffer, "a draw")?;
            let expected = game.version;
            let now = now_ms();
            game.phase = Phase::Finished(Outcome::draw("draw agreed"));
            game.status = Status::Finished;
            game.version += 1;
            game.updated_at = now;
            game.draw_offer = None;
            game.clock_started_at = None;
            let change = MoveRecord {
                version: game.version,
                kind: ChangeKind::Draw,
                seat,
                user_id: user.id.clone(),
                mv: None,
                events: Vec::new(),
                ply: game.ply,
                at: now,
            };
            let views = self.render(game).await?;
            self.store.update(game, expected, Some(&change)).await?;
            let mut reply = Reply::default();
            reply.deliveries.extend(ended(game, &views));
            reply.ack.insert("gameId".into(), json!(game.id));
            reply.ack.insert("version".into(), json!(game.version));
            Ok(reply)
        })
        .await
    }

    /// `game:decline-draw`.
    pub async fn decline_draw(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            let seat = active_seat(game, user)?;
            standing_offer(game.draw_offer, seat, ErrorCode::NoDrawOffer, "a draw")?;
            game.draw_offer = None;
            let notice = json!({"gameId": game.id, "version": game.version, "seat": seat, "userId": user.id});
            Ok(self.tell_players(game, "game:draw-declined", notice))
        })
        .await
    }

    /// A reply acknowledging `game` that tells every player `event`.
    pub(super) fn tell_players(
        &self,
        game: &GameRecord,
        event: &'static str,
        payload: Value,
    ) -> Reply {
        let mut reply = Reply {
            deliveries: self.to_players(game, event, payload),
            ..Reply::default()
        };
        reply.ack.insert("gameId".into(), json!(game.id));
        reply
    }

    pub(super) fn to_players(
        &self,
        game: &GameRecord,
        event: &'static str,
        payload: Value,
    ) -> Vec<Delivery> {
        game.user_ids()
            .map(|u| Delivery {
                to: Audience::User(u.to_string()),
                event,
                payload: payload.clone(),
            })
            .collect()
    }
}

/// Checks that another seat than `seat` made the standing `offer`.
fn standing_offer(
    offer: Option<Seat>,
    seat: Seat,
    code: ErrorCode,
    what: &str,
) -> Result<(), GameError> {
    match offer {
        Some(by) if by != seat => Ok(()),
        _ => Err(GameError::new(
            code,
            format!("no other player has offered {what}"),
        )),
    }
}

/// The seat of `user` in a finished game.
fn finished_seat(game: &GameRecord, user: &User) -> Result<Seat, GameError> {
    let seat = game
        .seat_of(&user.id)
        .ok_or_else(|| GameError::new(ErrorCode::NotInGame, "you have no seat in this game"))?;
    if game.status != Status::Finished {
        return Err(GameError::new(
            ErrorCode::GameNotFinished,
            "a rematch needs a finished game",
        ));
    }
    Ok(seat)
}
