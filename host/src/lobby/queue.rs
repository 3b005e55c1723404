//! Quick play: players wait in a queue per game type; when enough are
//! waiting, the longest waiting are seated in a new game. A player leaves
//! the queue by cancelling, by leaving the lobby, or by staying away past
//! the reconnection window.

use super::LobbyService;
use crate::auth::User;
use crate::game::{Audience, Delivery, GameError, Reply};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Where quick-play players wait: this node's memory, or Redis in a cluster
/// (so players on different nodes are matched together).
#[async_trait::async_trait]
pub trait MatchQueue: Send + Sync {
    /// Puts `user` in the queue of `game_type` (once); when `needed` players
    /// wait, takes them out, longest waiting first.
    async fn join(&self, game_type: &str, user: &User, needed: usize) -> Result<Queued, GameError>;
    /// Takes a user out of every queue; true when they were in one.
    async fn leave(&self, user_id: &str) -> bool;
}

/// The state of a queue after a join.
pub enum Queued {
    /// Still waiting, with this many in the queue.
    Waiting(usize),
    /// A full table, in queue order.
    Table(Vec<User>),
}

/// The queues of one node.
#[derive(Default)]
pub struct LocalQueue(tokio::sync::Mutex<HashMap<String, Vec<User>>>);

#[async_trait::async_trait]
impl MatchQueue for LocalQueue {
    async fn join(&self, game_type: &str, user: &User, needed: usize) -> Result<Queued, GameError> {
        let mut queues = self.0.lock().await;
        let queue = queues.entry(game_type.to_string()).or_default();
        if !queue.iter().any(|u| u.id == user.id) {
            queue.push(user.clone());
        }
        if queue.len() < needed {
            return Ok(Queued::Waiting(queue.len()));
        }
        Ok(Queued::Table(queue.drain(..needed).collect()))
    }

    async fn leave(&self, user_id: &str) -> bool {
        let mut removed = false;
        for queue in self.0.lock().await.values_mut() {
            let before = queue.len();
            queue.retain(|u| u.id != user_id);
            removed |= queue.len() != before;
        }
        removed
    }
}

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
