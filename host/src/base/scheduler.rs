//! Deadlines: clocks running out, reconnection windows closing, scheduled
//! announcements.
//!
//! [`Scheduler`] is the seam for the cluster: on one node deadlines are
//! tokio timers ([`LocalScheduler`]); a shared scheduler (a Redis sorted
//! set, each due entry claimed by exactly one node) slots in behind the same
//! trait. A fired deadline is only a prompt: the game service checks the
//! game again under its lock before acting, so a stale or duplicate firing
//! changes nothing.

use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// Something due at a time.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Deadline {
    /// The running clock of a game at `version` may have run out.
    Clock {
        /// The game.
        game_id: String,
        /// Its version when the clock was set.
        version: u64,
    },
    /// A player who left may not have come back in time.
    Abandon {
        /// The game.
        game_id: String,
        /// The player.
        user_id: String,
    },
    /// A scheduled announcement is due.
    Announcement {
        /// The announcement.
        id: String,
    },
    /// A game still waiting for players may be past its expiry.
    Expire {
        /// The game.
        game_id: String,
    },
    /// A user whose last socket closed may not have come back in time:
    /// they leave their lobby rooms and queues, and their subscriptions
    /// are forgotten.
    Departure {
        /// The user.
        user_id: String,
    },
}

impl Deadline {
    /// The key under which a newer deadline of the same kind replaces this one.
    pub fn key(&self) -> String {
        match self {
            Deadline::Clock { game_id, .. } => format!("clock:{game_id}"),
            Deadline::Abandon { game_id, user_id } => format!("abandon:{game_id}:{user_id}"),
            Deadline::Announcement { id } => format!("announcement:{id}"),
            Deadline::Expire { game_id } => format!("expire:{game_id}"),
            Deadline::Departure { user_id } => format!("departure:{user_id}"),
        }
    }
}

/// Schedules deadlines; due ones are sent to the game service.
pub trait Scheduler: Send + Sync {
    /// Fires `deadline` at `at_ms` (ms since the epoch), replacing an
    /// earlier deadline of the same kind for the same game (and user).
    fn schedule(&self, deadline: Deadline, at_ms: u64);
}

/// Tokio timers on this node.
pub struct LocalScheduler {
    due: mpsc::UnboundedSender<Deadline>,
    timers: Mutex<HashMap<String, tokio::task::JoinHandle<()>>>,
}

impl LocalScheduler {
    /// A scheduler that sends due deadlines to `due`.
    pub fn new(due: mpsc::UnboundedSender<Deadline>) -> Self {
        LocalScheduler {
            due,
            timers: Mutex::new(HashMap::new()),
        }
    }
}

impl Scheduler for LocalScheduler {
    fn schedule(&self, deadline: Deadline, at_ms: u64) {
        let wait = at_ms.saturating_sub(super::clock::now_ms());
        let due = self.due.clone();
        let key = deadline.key();
        let timer = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            let _ = due.send(deadline);
        });
        let mut timers = self.timers.lock().unwrap_or_else(|p| p.into_inner());
        timers.retain(|_, t| !t.is_finished());
        if let Some(old) = timers.insert(key, timer) {
            old.abort();
        }
    }
}
