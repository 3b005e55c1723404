//! Quick play: `lobby:quick-play` and `lobby:quick-play-cancel`.

use super::queue::Queued;
use super::service::LobbyService;
use crate::auth::User;
use crate::base::error::GameError;
use crate::base::outbox::{Audience, Delivery, Reply};
use serde_json::{Value, json};

impl LobbyService {
    /// `lobby:quick-play`: wait for opponents; when enough players of a game
    /// type are waiting, they are seated in a new game, longest waiting first.
    pub async fn quick_play(&self, user: &User, game_type: &str) -> Result<Reply, GameError> {
        let info = self.games.game_info(game_type)?;
        let needed = info.min_players.max(1) as usize;
        let mut reply = Reply::default();
        reply.ack.insert("gameType".into(), json!(info.id));
        let table = match self.queues.join(&info.id, user, needed).await? {
            Queued::Waiting(waiting) => {
                reply.ack.insert("queued".into(), json!(true));
                reply.ack.insert("waiting".into(), json!(waiting));
                return Ok(reply);
            }
            Queued::Table(table) => table,
        };
        let started = self
            .games
            .start_table(&info.id, &table, None, None, true)
            .await?;
        let game_id = started.ack.get("gameId").cloned().unwrap_or(Value::Null);
        reply.deliveries = started.deliveries;
        for player in &table {
            reply.deliveries.push(Delivery {
                to: Audience::User(player.id.clone()),
                event: "lobby:matched",
                payload: json!({"gameType": info.id, "gameId": game_id}),
            });
        }
        reply.ack.insert("queued".into(), json!(false));
        reply.ack.insert("gameId".into(), game_id);
        Ok(reply)
    }

    /// `lobby:quick-play-cancel`: stop waiting for a match.
    pub async fn cancel_quick_play(&self, user: &User) -> Reply {
        let cancelled = self.queues.leave(&user.id).await;
        let mut reply = Reply::default();
        reply.ack.insert("cancelled".into(), json!(cancelled));
        reply
    }
}
