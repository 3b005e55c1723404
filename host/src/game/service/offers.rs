//! Offers between players: draws while a game runs, rematches once it is
//! over.
//!
//! An offer is part of the stored game, written with the same
//! compare-and-set as any change (without a new version: nothing a move
//! depends on changed), so any node sees it. It is settled when every
//! remaining seat agreed (in a game of two: the other player), and one
//! refusal withdraws it. A move withdraws a standing draw offer.

use super::super::record::Offer;
use super::*;

/// Which offer a request is about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Draw,
    Revenge,
}

impl Kind {
    fn none(self) -> GameError {
        match self {
            Kind::Draw => {
                GameError::new(ErrorCode::NoDrawOffer, "no other player has offered a draw")
            }
            Kind::Revenge => GameError::new(
                ErrorCode::NoRevengeOffer,
                "no other player has offered a rematch",
            ),
        }
    }

    fn slot(self, game: &mut GameRecord) -> &mut Option<Offer> {
        match self {
            Kind::Draw => &mut game.draw_offer,
            Kind::Revenge => &mut game.revenge_offer,
        }
    }

    /// Seats whose agreement settles the offer.
    fn needed(self, game: &GameRecord) -> Vec<Seat> {
        match self {
            Kind::Draw => game.remaining_seats(),
            // A rematch seats everyone again.
            Kind::Revenge => (0..game.players.len() as Seat)
                .filter(|s| game.players[*s as usize].is_some())
                .collect(),
        }
    }

    /// The seat `user` may answer from.
    fn seat(self, game: &GameRecord, user: &User) -> Result<Seat, GameError> {
        match self {
            Kind::Draw => {
                let seat = active_seat(game, user)?;
                if game.forfeited.contains(&seat) {
                    return Err(GameError::new(
                        ErrorCode::NotInGame,
                        "you forfeited this game; it goes on without you",
                    ));
                }
                Ok(seat)
            }
            Kind::Revenge => finished_seat(game, user),
        }
    }
}

/// The payload of an offer's notices: who acted, who agreed, who is left.
fn offer_notice(
    game: &GameRecord,
    offer: &Offer,
    seat: Seat,
    user: &User,
    needed: &[Seat],
) -> Value {
    json!({
        "gameId": game.id,
        "version": game.version,
        "seat": seat,
        "userId": user.id,
        "agreed": offer.agreed,
        "waitingFor": offer.waiting_for(needed),
    })
}

/// What an answer to an offer came to.
enum Answer {
    /// Others still have to agree.
    Pending(Offer, Vec<Seat>),
    /// Everyone agreed.
    Settled,
}

impl GameService {
    /// Stores a change of `game` that is not a new version (an offer made,
    /// agreed or withdrawn): compare-and-set on the version it is at.
    async fn store_offer(&self, game: &mut GameRecord) -> Result<(), GameError> {
        // A later write always has a later stamp, so a cache checked
        // against (version, updatedAt) never serves the copy before it.
        game.updated_at = now_ms().max(game.updated_at + 1);
        self.store.update(game, game.version, None).await?;
        Ok(())
    }

    /// Makes an offer, or agrees to the one standing (two players offering
    /// the same thing agree).
    async fn offer(
        &self,
        game: &mut GameRecord,
        user: &User,
        kind: Kind,
    ) -> Result<(Seat, Answer), GameError> {
        let seat = kind.seat(game, user)?;
        let standing = kind.slot(game).clone();
        match standing {
            Some(offer) if offer.agreed.contains(&seat) => Err(GameError::new(
                ErrorCode::OfferPending,
                "your offer already stands; the others have not answered yet",
            )),
            Some(_) => Ok((seat, self.agree(game, seat, kind).await?)),
            None => {
                let offer = Offer::by(seat);
                let needed = kind.needed(game);
                *kind.slot(game) = Some(offer.clone());
                if offer.waiting_for(&needed).is_empty() {
                    return Ok((seat, Answer::Settled));
                }
                self.store_offer(game).await?;
                Ok((seat, Answer::Pending(offer, needed)))
            }
        }
    }

    /// Adds `seat`'s agreement to the standing offer.
    async fn agree(
        &self,
        game: &mut GameRecord,
        seat: Seat,
        kind: Kind,
    ) -> Result<Answer, GameError> {
        let needed = kind.needed(game);
        let Some(offer) = kind.slot(game).as_mut() else {
            return Err(kind.none());
        };
        if offer.agreed.contains(&seat) {
            return Err(kind.none());
        }
        offer.agreed.push(seat);
        let offer = offer.clone();
        if offer.waiting_for(&needed).is_empty() {
            return Ok(Answer::Settled);
        }
        self.store_offer(game).await?;
        Ok(Answer::Pending(offer, needed))
    }

    /// Withdraws the standing offer on `seat`'s refusal.
    async fn refuse(
        &self,
        game: &mut GameRecord,
        user: &User,
        kind: Kind,
    ) -> Result<Seat, GameError> {
        let seat = kind.seat(game, user)?;
        match kind.slot(game) {
            Some(offer) if !offer.agreed.contains(&seat) => {}
            _ => return Err(kind.none()),
        }
        *kind.slot(game) = None;
        self.store_offer(game).await?;
        Ok(seat)
    }

    /// `game:offer-revenge`: propose a rematch of a finished game.
    pub async fn offer_revenge(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            finished_seat(game, user)?;
            if let Some(rematch) = &game.rematch_id {
                return Err(GameError::new(
                    ErrorCode::Conflict,
                    format!("the rematch already exists: {rematch}"),
                ));
            }
            let (seat, answer) = self.offer(game, user, Kind::Revenge).await?;
            self.revenge_answer(game, user, seat, answer, "game:revenge-offered")
                .await
        })
        .await
    }

    /// `game:accept-revenge`: agree to the rematch; once every player has,
    /// it starts, every player moved one seat on (the first player moves
    /// last), same options and clock, on the rules version active now.
    pub async fn accept_revenge(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            let seat = finished_seat(game, user)?;
            let answer = self.agree(game, seat, Kind::Revenge).await?;
            self.revenge_answer(game, user, seat, answer, "game:revenge-agreed")
                .await
        })
        .await
    }

    /// Tells the players how a rematch offer stands, or starts the rematch.
    async fn revenge_answer(
        &self,
        game: &mut GameRecord,
        user: &User,
        seat: Seat,
        answer: Answer,
        pending_event: &'static str,
    ) -> Result<Reply, GameError> {
        let (offer, needed) = match answer {
            Answer::Pending(offer, needed) => (offer, needed),
            Answer::Settled => return self.start_rematch(game).await,
        };
        let notice = offer_notice(game, &offer, seat, user, &needed);
        let mut reply = self.tell_players(game, pending_event, notice);
        reply
            .ack
            .insert("waitingFor".into(), json!(offer.waiting_for(&needed)));
        Ok(reply)
    }

    async fn start_rematch(&self, game: &mut GameRecord) -> Result<Reply, GameError> {
        let mut players = game.players.clone();
        players.rotate_right(1);
        // A rematch is a new game: it gets the version active now.
        let setup = NewGame {
            id: None,
            plugin: self.active_plugin(&game.game_type).await?,
            options: game.options.clone(),
            players,
            allow_spectators: game.allow_spectators,
            time_control: game.time_control,
            rated: game.rated,
            ratings: Vec::new(),
        };
        let (rematch, _, started) = self.start_game(setup).await?;
        game.revenge_offer = None;
        game.rematch_id = Some(rematch.id.clone());
        self.store_offer(game).await?;
        let mut reply = self.tell_players(
            game,
            "game:revenge-accepted",
            json!({"gameId": game.id, "newGameId": rematch.id}),
        );
        reply.deliveries.extend(started);
        reply.ack.insert("newGameId".into(), json!(rematch.id));
        Ok(reply)
    }

    /// `game:decline-revenge`.
    pub async fn decline_revenge(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            let seat = self.refuse(game, user, Kind::Revenge).await?;
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
            let (seat, answer) = self.offer(game, user, Kind::Draw).await?;
            self.draw_answer(game, user, seat, answer, "game:draw-offered")
                .await
        })
        .await
    }

    /// `game:accept-draw`: agree to the standing offer; the game ends drawn
    /// once every remaining seat has.
    pub async fn accept_draw(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            let seat = Kind::Draw.seat(game, user)?;
            let answer = self.agree(game, seat, Kind::Draw).await?;
            self.draw_answer(game, user, seat, answer, "game:draw-accepted")
                .await
        })
        .await
    }

    /// Tells the players how a draw offer stands, or ends the game drawn.
    async fn draw_answer(
        &self,
        game: &mut GameRecord,
        user: &User,
        seat: Seat,
        answer: Answer,
        pending_event: &'static str,
    ) -> Result<Reply, GameError> {
        let (offer, needed) = match answer {
            Answer::Pending(offer, needed) => (offer, needed),
            Answer::Settled => return self.end_drawn(game, user, seat).await,
        };
        let notice = offer_notice(game, &offer, seat, user, &needed);
        let mut reply = self.tell_players(game, pending_event, notice);
        reply.ack.insert("version".into(), json!(game.version));
        reply.ack.insert("agreed".into(), json!(offer.agreed));
        reply
            .ack
            .insert("waitingFor".into(), json!(offer.waiting_for(&needed)));
        Ok(reply)
    }

    async fn end_drawn(
        &self,
        game: &mut GameRecord,
        user: &User,
        seat: Seat,
    ) -> Result<Reply, GameError> {
        let expected = game.version;
        let now = now_ms();
        game.phase = Phase::Finished(Outcome::draw("draw agreed"));
        game.status = Status::Finished;
        game.version += 1;
        game.updated_at = now.max(game.updated_at + 1);
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
    }

    /// `game:decline-draw`.
    pub async fn decline_draw(&self, user: &User, game_id: &str) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            let seat = self.refuse(game, user, Kind::Draw).await?;
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
