//! Forfeits: a seat resigns, runs out of time or abandons the game; the
//! rules decide what that means for the others.

use super::*;

impl GameService {
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

    pub(super) async fn forfeit_locked(
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
        if game.status != Status::Finished && !game.forfeited.contains(&seat) {
            game.forfeited.push(seat);
        }
        self.store.update(game, expected, Some(&change)).await?;
        self.schedule_clock(game);
        let mut reply = Reply::default();
        if game.status == Status::Finished {
            reply.deliveries.extend(ended(game, &views));
        } else {
            reply
                .deliveries
                .extend(self.state_update(game, &views).await);
        }
        reply.ack.insert("gameId".into(), json!(game.id));
        reply.ack.insert("version".into(), json!(game.version));
        Ok(reply)
    }

    pub(super) async fn state_update(&self, game: &GameRecord, views: &Views) -> Vec<Delivery> {
        self.started(game, views)
            .await
            .into_iter()
            .filter(|d| d.to != Audience::Admins)
            .map(|mut d| {
                d.event = "game:state-update";
                d
            })
            .collect()
    }
}
