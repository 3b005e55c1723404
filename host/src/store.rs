//! Persistence of games, their move logs and lobby rooms, behind [`GameStore`].
//!
//! Every write of a game is a compare-and-set on its version: a writer that
//! read version `n` stores `n + 1` only if the stored game is still at `n`,
//! so two writers can never both win and a stale write never overwrites.

pub mod sqlite;

use crate::game::record::{GameRecord, MoveRecord};
use serde::Serialize;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The game is no longer at the expected version.
    #[error("the game changed (expected version {expected})")]
    Conflict {
        /// The version the writer read.
        expected: u64,
    },
    /// The backend failed.
    #[error("storage failed: {0}")]
    Backend(String),
}

/// One line of a user's game list.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserGame {
    /// Game id.
    pub game_id: String,
    /// Game type.
    pub game_type: String,
    /// waiting, active or finished.
    pub status: String,
    /// The user's seat.
    pub seat: u32,
    /// The outcome, once finished.
    pub outcome: Option<gamehost_sdk::Outcome>,
    /// Last change (ms since the epoch).
    pub updated_at: u64,
}

/// Durable storage of games.
#[async_trait::async_trait]
pub trait GameStore: Send + Sync {
    /// Stores a new game.
    async fn insert(&self, game: &GameRecord) -> Result<(), StoreError>;
    /// Stores `game` (at `game.version`) if the stored one is at
    /// `expected`, appending `change` to its log, in one transaction.
    async fn update(
        &self,
        game: &GameRecord,
        expected: u64,
        change: Option<&MoveRecord>,
    ) -> Result<(), StoreError>;
    /// One game.
    async fn get(&self, id: &str) -> Result<Option<GameRecord>, StoreError>;
    /// The log of a game from `after_version` (exclusive) on.
    async fn changes(&self, id: &str, after_version: u64) -> Result<Vec<MoveRecord>, StoreError>;
    /// Games that are not finished.
    async fn unfinished(&self) -> Result<Vec<GameRecord>, StoreError>;
    /// A user's games, newest first.
    async fn games_of(&self, user_id: &str, limit: u32) -> Result<Vec<UserGame>, StoreError>;
    /// Stores (or replaces) a lobby room, as JSON.
    async fn save_room(&self, room_id: &str, record: &str) -> Result<(), StoreError>;
    /// Deletes a lobby room.
    async fn delete_room(&self, room_id: &str) -> Result<(), StoreError>;
    /// Every stored lobby room, as JSON.
    async fn rooms(&self) -> Result<Vec<String>, StoreError>;
}
