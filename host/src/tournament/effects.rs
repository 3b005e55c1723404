//! What a stored tournament step then does: absent players lose their
//! games, new games are created with their players told, and the room
//! hears what changed. Only the writer whose step was stored does it; a
//! game it did not live to create is created by a later step.

use super::service::TournamentService;
use crate::auth::{Role, User};
use crate::base::error::{ErrorCode, GameError};
use crate::base::outbox::{Audience, Delivery};
use crate::game::TableSpec;
use crate::records::tournament::TournamentRecord;
use serde_json::json;

/// What a step does once stored.
#[derive(Default)]
pub struct Effects {
    /// Pairings whose games are to be created: (round index, game index).
    pub create: Vec<(usize, usize)>,
    /// Games whose absent players lose: (game id, absent user ids, seats).
    pub no_shows: Vec<(String, Vec<String>, usize)>,
    /// Events for the room and players.
    pub deliveries: Vec<Delivery>,
    /// Something changed in the record.
    pub changed: bool,
}

impl TournamentService {
    /// After a stored step: no-shows lose, new games are created and their
    /// players told, the room hears what changed.
    pub(super) async fn carry_out(&self, t: &TournamentRecord, fx: Effects) {
        let mut out = fx.deliveries;
        for (game_id, absent, seats) in fx.no_shows {
            let host = User {
                id: String::new(),
                name: "tournament".into(),
                role: Role::Admin,
            };
            let result = if absent.len() >= seats {
                self.games.abort(&game_id, &host, "nobody came").await
            } else {
                let mut last = None;
                for user_id in absent {
                    let player = User {
                        id: user_id,
                        name: String::new(),
                        role: Role::Player,
                    };
                    last = Some(
                        self.games
                            .forfeit(&player, &game_id, gamehost_sdk::Forfeit::Abandon)
                            .await,
                    );
                }
                last.unwrap_or_else(|| Err(GameError::new(ErrorCode::Internal, "no seat")))
            };
            match result {
                Ok(reply) => {
                    tracing::info!(tournament = %t.id, game = %game_id, "no-show forfeited");
                    out.extend(reply.deliveries);
                }
                Err(e) => {
                    tracing::debug!(game = %game_id, error = %e, "no-show: nothing to forfeit")
                }
            }
        }
        for (r, i) in fx.create {
            let Some(pairing) = t.rounds.get(r).and_then(|round| round.games.get(i)) else {
                continue;
            };
            let Some(game_id) = &pairing.game_id else {
                continue;
            };
            if !matches!(self.games.store().get(game_id).await, Ok(None)) {
                continue;
            }
            let table: Vec<User> = pairing
                .players
                .iter()
                .map(|p| User {
                    id: t.players[*p].user_id.clone(),
                    name: t.players[*p].name.clone(),
                    role: Role::Player,
                })
                .collect();
            let started = self
                .games
                .start_table(TableSpec {
                    id: Some(game_id.clone()),
                    game_type: &t.game_type,
                    players: &table,
                    options: t.options.as_ref(),
                    time_control: t.time_control,
                    allow_spectators: true,
                    rated: t.rated,
                    ratings: pairing
                        .players
                        .iter()
                        .map(|p| t.rated.then_some(t.players[*p].rating))
                        .collect(),
                })
                .await;
            match started {
                Ok(reply) => out.extend(reply.deliveries),
                Err(e) => {
                    tracing::warn!(tournament = %t.id, game = %game_id, error = %e, "cannot start a tournament game; the next step tries again");
                    continue;
                }
            }
            let round = t.rounds.get(r).map_or(0, |round| round.number);
            for (seat, user) in table.iter().enumerate() {
                let opponents: Vec<_> = table
                    .iter()
                    .filter(|o| o.id != user.id)
                    .map(|o| json!({"userId": o.id, "name": o.name}))
                    .collect();
                out.push(Delivery {
                    to: Audience::User(user.id.clone()),
                    event: "tournament:paired",
                    payload: json!({
                        "tournamentId": t.id,
                        "round": round,
                        "gameId": game_id,
                        "seat": seat,
                        "opponent": opponents.first(),
                        "opponents": opponents,
                    }),
                });
            }
        }
        if !out.is_empty() {
            let _ = self.outbox.send(out);
        }
    }
}
