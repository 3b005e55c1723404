//! Who watches what: the spectators counted in each game, and each user's
//! subscriptions (games spectated, lobbies watched), remembered across a
//! reconnection.
//!
//! A spectator is counted while they have a socket open; when the last one
//! closes they stop being counted (players see `game:spectator-left`), but
//! their subscriptions are kept for the reconnection window, so a new
//! socket of theirs is put back where they were without asking. On one
//! node this lives in memory ([`LocalWatchers`]); in a cluster it lives in
//! Redis, so every node counts the same spectators and restores the same
//! subscriptions.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// What a user is subscribed to besides their seats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscriptions {
    /// Games they spectate.
    pub spectating: Vec<String>,
    /// Game types whose lobby they watch.
    pub lobbies: Vec<String>,
}

impl Subscriptions {
    /// Whether there is nothing to restore.
    pub fn is_empty(&self) -> bool {
        self.spectating.is_empty() && self.lobbies.is_empty()
    }
}

/// Spectator counts and subscriptions, on this node or shared by a cluster.
#[async_trait::async_trait]
pub trait Watchers: Send + Sync {
    /// Counts `user_id` as a spectator of `game_id` and subscribes them;
    /// true when they were not counted yet.
    async fn add_spectator(&self, game_id: &str, user_id: &str) -> bool;
    /// Stops counting `user_id` in `game_id` and unsubscribes them; true
    /// when they were counted.
    async fn remove_spectator(&self, game_id: &str, user_id: &str) -> bool;
    /// The user's last socket closed: they stop being counted anywhere,
    /// their subscriptions stay. Returns the games they were counted in.
    async fn suspend(&self, user_id: &str) -> Vec<String>;
    /// How many spectators `game_id` has.
    async fn spectator_count(&self, game_id: &str) -> usize;
    /// Subscribes `user_id` to a game type's lobby.
    async fn watch_lobby(&self, user_id: &str, game_type: &str);
    /// Unsubscribes `user_id` from every lobby; returns the game types.
    async fn unwatch_lobbies(&self, user_id: &str) -> Vec<String>;
    /// The user's subscriptions.
    async fn subscriptions(&self, user_id: &str) -> Subscriptions;
    /// Forgets the user (gone past the reconnection window).
    async fn forget(&self, user_id: &str);
}

/// The watchers of one node, in memory.
#[derive(Default)]
pub struct LocalWatchers {
    inner: Mutex<Local>,
}

#[derive(Default)]
struct Local {
    counted: HashMap<String, BTreeSet<String>>,
    subscriptions: HashMap<String, Subs>,
}

#[derive(Default)]
struct Subs {
    spectating: BTreeSet<String>,
    lobbies: BTreeSet<String>,
}

impl LocalWatchers {
    fn with<T>(&self, f: impl FnOnce(&mut Local) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[async_trait::async_trait]
impl Watchers for LocalWatchers {
    async fn add_spectator(&self, game_id: &str, user_id: &str) -> bool {
        self.with(|w| {
            w.subscriptions
                .entry(user_id.to_string())
                .or_default()
                .spectating
                .insert(game_id.to_string());
            w.counted
                .entry(game_id.to_string())
                .or_default()
                .insert(user_id.to_string())
        })
    }

    async fn remove_spectator(&self, game_id: &str, user_id: &str) -> bool {
        self.with(|w| {
            if let Some(subs) = w.subscriptions.get_mut(user_id) {
                subs.spectating.remove(game_id);
            }
            let was = w
                .counted
                .get_mut(game_id)
                .is_some_and(|set| set.remove(user_id));
            if w.counted.get(game_id).is_some_and(BTreeSet::is_empty) {
                w.counted.remove(game_id);
            }
            was
        })
    }

    async fn suspend(&self, user_id: &str) -> Vec<String> {
        self.with(|w| {
            let games: Vec<String> = w
                .subscriptions
                .get(user_id)
                .map(|s| s.spectating.iter().cloned().collect())
                .unwrap_or_default();
            games
                .into_iter()
                .filter(|game| {
                    let was = w.counted.get_mut(game).is_some_and(|s| s.remove(user_id));
                    if w.counted.get(game).is_some_and(BTreeSet::is_empty) {
                        w.counted.remove(game);
                    }
                    was
                })
                .collect()
        })
    }

    async fn spectator_count(&self, game_id: &str) -> usize {
        self.with(|w| w.counted.get(game_id).map_or(0, BTreeSet::len))
    }

    async fn watch_lobby(&self, user_id: &str, game_type: &str) {
        self.with(|w| {
            w.subscriptions
                .entry(user_id.to_string())
                .or_default()
                .lobbies
                .insert(game_type.to_string());
        });
    }

    async fn unwatch_lobbies(&self, user_id: &str) -> Vec<String> {
        self.with(|w| {
            w.subscriptions
                .get_mut(user_id)
                .map(|s| std::mem::take(&mut s.lobbies).into_iter().collect())
                .unwrap_or_default()
        })
    }

    async fn subscriptions(&self, user_id: &str) -> Subscriptions {
        self.with(|w| {
            w.subscriptions
                .get(user_id)
                .map(|s| Subscriptions {
                    spectating: s.spectating.iter().cloned().collect(),
                    lobbies: s.lobbies.iter().cloned().collect(),
                })
                .unwrap_or_default()
        })
    }

    async fn forget(&self, user_id: &str) {
        self.suspend(user_id).await;
        self.with(|w| w.subscriptions.remove(user_id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_suspended_spectator_is_not_counted_but_keeps_the_subscription() {
        let w = LocalWatchers::default();
        assert!(w.add_spectator("g", "u").await);
        assert!(!w.add_spectator("g", "u").await);
        assert_eq!(w.spectator_count("g").await, 1);
        w.watch_lobby("u", "chess").await;
        assert_eq!(w.suspend("u").await, vec!["g".to_string()]);
        assert_eq!(w.spectator_count("g").await, 0);
        let subs = w.subscriptions("u").await;
        assert_eq!(subs.spectating, vec!["g".to_string()]);
        assert_eq!(subs.lobbies, vec!["chess".to_string()]);
        assert!(w.add_spectator("g", "u").await, "counted again on return");
        w.forget("u").await;
        assert!(w.subscriptions("u").await.is_empty());
        assert_eq!(w.spectator_count("g").await, 0);
        assert!(!w.remove_spectator("g", "u").await);
    }
}
