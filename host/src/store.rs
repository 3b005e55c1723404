//! Persistence behind four traits: [`GameStore`] (games, their move logs,
//! lobby rooms), [`PluginStore`] (published components, their version
//! records, each game type's active choice), [`AdminStore`] (audit log,
//! bans, scheduled announcements), [`TournamentStore`] and [`RatingStore`].
//!
//! Every write of a game is a compare-and-set on its version: a writer that
//! read version `n` stores `n + 1` only if the stored game is still at `n`,
//! so two writers can never both win and a stale write never overwrites.

pub mod mongo;
pub mod sqlite;

use crate::records::admin::{Announcement, AuditEntry, Ban};
use crate::records::game::{GameRecord, MoveRecord};
use crate::records::plugin::{GameChoice, VersionRecord};
use crate::records::rating::RatingRecord;
use crate::records::tournament::TournamentRecord;
use serde::Serialize;
use std::collections::HashMap;

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
    /// The game does not allow spectators (left out of lists for others).
    #[serde(skip)]
    pub private: bool,
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
    /// Stores a lobby room (JSON, whose `version` field is `version`):
    /// a new one when `expected` is `None` (a room of that id already
    /// stored is a conflict), else in place of the stored one if that is
    /// still at `expected` (compare-and-set, as for games).
    async fn save_room(
        &self,
        room_id: &str,
        record: &str,
        version: u64,
        expected: Option<u64>,
    ) -> Result<(), StoreError>;
    /// Deletes a lobby room: whatever it holds when `expected` is `None`,
    /// else only if it is still at `expected`.
    async fn delete_room(&self, room_id: &str, expected: Option<u64>) -> Result<(), StoreError>;
    /// Every stored lobby room, as JSON.
    async fn rooms(&self) -> Result<Vec<String>, StoreError>;
}

/// Published plugin components and which version serves each game type.
#[async_trait::async_trait]
pub trait PluginStore: Send + Sync {
    /// Stores a component under its sha256 with its version record, in one
    /// transaction. Storing the same hash again changes nothing.
    async fn save_component(&self, bytes: &[u8], version: &VersionRecord)
    -> Result<(), StoreError>;
    /// The bytes of a stored component.
    async fn component(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Replaces a version record (its breaker state changed).
    async fn save_version(&self, version: &VersionRecord) -> Result<(), StoreError>;
    /// Every version record.
    async fn versions(&self) -> Result<Vec<VersionRecord>, StoreError>;
    /// Stores a game type's active version and its activation history.
    async fn save_choice(&self, choice: &GameChoice) -> Result<(), StoreError>;
    /// Every game type's choice.
    async fn choices(&self) -> Result<Vec<GameChoice>, StoreError>;
    /// How many unfinished games are pinned to each component hash.
    async fn pins(&self) -> Result<HashMap<String, u64>, StoreError>;
}

/// What admins did and decided.
#[async_trait::async_trait]
pub trait AdminStore: Send + Sync {
    /// Appends to the audit log; returns the entry's id.
    async fn append_audit(&self, entry: &AuditEntry) -> Result<u64, StoreError>;
    /// The newest audit entries, newest first.
    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
    /// Bans a user (or replaces their ban).
    async fn save_ban(&self, ban: &Ban) -> Result<(), StoreError>;
    /// Lifts a ban; false when there was none.
    async fn delete_ban(&self, user_id: &str) -> Result<bool, StoreError>;
    /// Every ban.
    async fn bans(&self) -> Result<Vec<Ban>, StoreError>;
    /// Stores (or replaces) an announcement.
    async fn save_announcement(&self, announcement: &Announcement) -> Result<(), StoreError>;
    /// Announcements not yet sent.
    async fn pending_announcements(&self) -> Result<Vec<Announcement>, StoreError>;
}

/// Tournaments, each stored whole with a compare-and-set on its version.
#[async_trait::async_trait]
pub trait TournamentStore: Send + Sync {
    /// Stores `tournament` (at `tournament.version`): a new one when
    /// `expected` is `None` (an id already stored is a conflict), else in
    /// place of the stored one if that is still at `expected`.
    async fn save_tournament(
        &self,
        tournament: &TournamentRecord,
        expected: Option<u64>,
    ) -> Result<(), StoreError>;
    /// One tournament.
    async fn tournament(&self, id: &str) -> Result<Option<TournamentRecord>, StoreError>;
    /// Tournaments, newest first: the unfinished ones, or the newest
    /// `limit` of all.
    async fn tournaments(
        &self,
        unfinished_only: bool,
        limit: u32,
    ) -> Result<Vec<TournamentRecord>, StoreError>;
}

/// Ratings per player and game type, and which games they count.
#[async_trait::async_trait]
pub trait RatingStore: Send + Sync {
    /// The ratings of `user_ids` in `game_type` (those that have one).
    async fn ratings(
        &self,
        game_type: &str,
        user_ids: &[String],
    ) -> Result<Vec<RatingRecord>, StoreError>;
    /// Stores the ratings a rated game produced, once per game: false (and
    /// nothing stored) when `game_id` was already counted.
    async fn apply_rated_game(
        &self,
        game_id: &str,
        ratings: &[RatingRecord],
    ) -> Result<bool, StoreError>;
    /// One page of a game type's ratings, highest first, and how many
    /// there are.
    async fn leaderboard(
        &self,
        game_type: &str,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<RatingRecord>, u64), StoreError>;
}

/// Every store the host needs, as one object.
pub trait Store: GameStore + PluginStore + AdminStore + TournamentStore + RatingStore {}

impl<T: GameStore + PluginStore + AdminStore + TournamentStore + RatingStore> Store for T {}

/// What a client learns of a storage failure.
impl From<StoreError> for crate::base::error::GameError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => crate::base::error::GameError::new(
                crate::base::error::ErrorCode::Conflict,
                "the game changed at the same moment; resync and try again",
            ),
            StoreError::Backend(why) => {
                tracing::error!(error = %why, "store failure");
                // The cause stays in the log; the client learns that
                // storage failed and that nothing changed.
                crate::base::error::GameError::new(
                    crate::base::error::ErrorCode::Internal,
                    "storage is unavailable; nothing changed, try again shortly",
                )
            }
        }
    }
}
