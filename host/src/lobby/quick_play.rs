//! Quick play: `lobby:quick-play` and `lobby:quick-play-cancel`.

use super::queue::Queued;
use super::service::LobbyService;
use crate::auth::User;
use crate::base::error::GameError;
use crate::base::outbox::{Audience, Delivery, Reply};
use crate::game::TableSpec;
use crate::records::rating::RatingSystem;
use serde_json::{Value, json};

impl LobbyService {
    /// `lobby:quick-play`: wait for opponents; when enough players of a game
    /// type are waiting whose ratings are close enough (the accepted gap
    /// widens with waiting, see [`super::matching`]), they are seated in a
    /// new rated game, longest waiting first.
    pub async fn quick_play(&self, user: &User, game_type: &str) -> Result<Reply, GameError> {
        let info = self.games.game_info(game_type)?;
        let needed = info.min_players.max(1) as usize;
        let mut reply = Reply::default();
        reply.ack.insert("gameType".into(), json!(info.id));
        let me = [(user.id.clone(), user.name.clone())];
        let rating = self.rating_of(&info.id, &me, needed).await;
        let rating = rating
            .first()
            .copied()
            .flatten()
            .unwrap_or(crate::rating::INITIAL_RATING);
        let table = match self.queues.join(&info.id, user, rating, needed).await? {
            Queued::Waiting(waiting) => {
                reply.ack.insert("queued".into(), json!(true));
                reply.ack.insert("waiting".into(), json!(waiting));
                return Ok(reply);
            }
            Queued::Table(table) => table,
        };
        let (game_id, deliveries) = self.seat_table(&info.id, &table).await?;
        reply.deliveries = deliveries;
        reply.ack.insert("queued".into(), json!(false));
        reply.ack.insert("gameId".into(), game_id);
        Ok(reply)
    }

    /// The ratings of `players` in `game_type` (`None` without ratings).
    pub(super) async fn rating_of(
        &self,
        game_type: &str,
        players: &[(String, String)],
        seats: usize,
    ) -> Vec<Option<f64>> {
        let Some(ratings) = &self.ratings else {
            return vec![None; players.len()];
        };
        let system = if seats == 2 {
            RatingSystem::Glicko2
        } else {
            RatingSystem::WengLin
        };
        match ratings.of(game_type, players, system).await {
            Ok(found) => found.iter().map(|r| Some(r.rating)).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "ratings unavailable; quick play goes by arrival");
                vec![None; players.len()]
            }
        }
    }

    /// Starts a rated game for a quick-play table: the game's id and its
    /// deliveries, `lobby:matched` included.
    async fn seat_table(
        &self,
        game_type: &str,
        table: &[User],
    ) -> Result<(Value, Vec<Delivery>), GameError> {
        let players: Vec<(String, String)> = table
            .iter()
            .map(|u| (u.id.clone(), u.name.clone()))
            .collect();
        let ratings = self.rating_of(game_type, &players, table.len()).await;
        let started = self
            .games
            .start_table(TableSpec {
                game_type,
                players: table,
                allow_spectators: true,
                rated: true,
                ratings,
                ..TableSpec::default()
            })
            .await?;
        let game_id = started.ack.get("gameId").cloned().unwrap_or(Value::Null);
        let mut deliveries = started.deliveries;
        for player in table {
            deliveries.push(Delivery {
                to: Audience::User(player.id.clone()),
                event: "lobby:matched",
                payload: json!({"gameType": game_type, "gameId": game_id}),
            });
        }
        Ok((game_id, deliveries))
    }

    /// Tables that waiting made possible (the accepted rating gap widens
    /// with time), started; their deliveries.
    pub async fn sweep_quick_play(&self) -> Vec<Delivery> {
        let mut out = Vec::new();
        for (game_type, table) in self.queues.sweep().await {
            match self.seat_table(&game_type, &table).await {
                Ok((_, deliveries)) => out.extend(deliveries),
                Err(e) => {
                    tracing::warn!(game_type, error = %e, "could not start a quick-play table")
                }
            }
        }
        out
    }

    /// `lobby:quick-play-cancel`: stop waiting for a match.
    pub async fn cancel_quick_play(&self, user: &User) -> Reply {
        let cancelled = self.queues.leave(&user.id).await;
        let mut reply = Reply::default();
        reply.ack.insert("cancelled".into(), json!(cancelled));
        reply
    }
}
