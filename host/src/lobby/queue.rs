//! Quick play: players wait in a queue per game type; when enough are
//! waiting whose ratings are close enough (see [`super::matching`]), they
//! are seated in a new game. A player leaves
//! the queue by cancelling, by leaving the lobby, or by staying away past
//! the reconnection window.

use super::matching::{Candidate, pick};
use crate::auth::User;
use crate::base::clock::now_ms;
use crate::base::error::GameError;
use std::collections::HashMap;

/// Where quick-play players wait: this node's memory, or Redis in a cluster
/// (so players on different nodes are matched together).
#[async_trait::async_trait]
pub trait MatchQueue: Send + Sync {
    /// Puts `user` in the queue of `game_type` (once); when `needed` players
    /// wait, takes them out, longest waiting first.
    async fn join(
        &self,
        game_type: &str,
        user: &User,
        rating: f64,
        needed: usize,
    ) -> Result<Queued, GameError>;
    /// Takes a user out of every queue; true when they were in one.
    async fn leave(&self, user_id: &str) -> bool;
    /// Tables that waiting has made possible (accepted rating gaps widen
    /// with time): `(game type, players)`, taken out of their queues.
    async fn sweep(&self) -> Vec<(String, Vec<User>)> {
        Vec::new()
    }
}

/// The state of a queue after a join.
pub enum Queued {
    /// Still waiting, with this many in the queue.
    Waiting(usize),
    /// A full table, in queue order.
    Table(Vec<User>),
}

/// A player in a queue of this node.
struct Entry {
    user: User,
    candidate: Candidate,
}

/// The queues of one node, matched by rating ([`super::matching`]).
#[derive(Default)]
pub struct LocalQueue(tokio::sync::Mutex<HashMap<String, Queue>>);

/// One game type's queue, and how many players its tables take.
#[derive(Default)]
struct Queue {
    needed: usize,
    waiting: Vec<Entry>,
}

/// Takes the best table `matching` allows out of `queue`.
fn take_table(queue: &mut Vec<Entry>, needed: usize, now: u64) -> Option<Vec<User>> {
    let candidates: Vec<Candidate> = queue.iter().map(|e| e.candidate).collect();
    let mut table = pick(&candidates, needed, now)?;
    let users = table.iter().map(|&i| queue[i].user.clone()).collect();
    table.sort_unstable_by(|a, b| b.cmp(a));
    for i in table {
        queue.remove(i);
    }
    Some(users)
}

#[async_trait::async_trait]
impl MatchQueue for LocalQueue {
    async fn join(
        &self,
        game_type: &str,
        user: &User,
        rating: f64,
        needed: usize,
    ) -> Result<Queued, GameError> {
        let now = now_ms();
        let mut queues = self.0.lock().await;
        let queue = queues.entry(game_type.to_string()).or_default();
        queue.needed = needed;
        let queue = &mut queue.waiting;
        if !queue.iter().any(|e| e.user.id == user.id) {
            queue.push(Entry {
                user: user.clone(),
                candidate: Candidate { rating, since: now },
            });
        }
        match take_table(queue, needed, now) {
            Some(table) => Ok(Queued::Table(table)),
            None => Ok(Queued::Waiting(queue.len())),
        }
    }

    async fn sweep(&self) -> Vec<(String, Vec<User>)> {
        let now = now_ms();
        let mut tables = Vec::new();
        let mut queues = self.0.lock().await;
        for (game_type, queue) in queues.iter_mut() {
            while let Some(table) = take_table(&mut queue.waiting, queue.needed, now) {
                tables.push((game_type.clone(), table));
            }
        }
        queues.retain(|_, q| !q.waiting.is_empty());
        tables
    }

    async fn leave(&self, user_id: &str) -> bool {
        let mut removed = false;
        for queue in self.0.lock().await.values_mut() {
            let before = queue.waiting.len();
            queue.waiting.retain(|e| e.user.id != user_id);
            removed |= queue.waiting.len() != before;
        }
        removed
    }
}
