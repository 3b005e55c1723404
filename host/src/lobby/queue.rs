//! Quick play: players wait in a queue per game type; when enough are
//! waiting, the longest waiting are seated in a new game. A player leaves
//! the queue by cancelling, by leaving the lobby, or by staying away past
//! the reconnection window.

use crate::auth::User;
use crate::base::error::GameError;
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
