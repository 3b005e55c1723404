//! The move pipeline: `game:move` checked, applied by the rules in one
//! fresh instance with every view the broadcast needs, stored with a
//! compare-and-set on the version, then broadcast.

use super::*;

impl GameService {
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
            if game.forfeited.contains(&seat) {
                return Err(GameError::new(
                    ErrorCode::NotYourTurn,
                    "you forfeited this game; it goes on without you",
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
            let views = Arc::new(views);
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
            self.faces.set_views(game, views.clone());
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
    pub(super) fn move_made(
        &self,
        game: &GameRecord,
        views: &Views,
        change: &MoveRecord,
    ) -> Vec<Delivery> {
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
}
