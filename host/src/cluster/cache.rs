//! A game-state cache in Redis in front of MongoDB, never trusted over the
//! store: a read takes the game from Redis only when its version and last change
//! time equal the stored ones (a small indexed read that carries neither state nor
//! log), so a copy left stale by a node that died between the two writes is
//! never served. Entries expire after [`TTL_SECS`]. Everything else goes
//! straight to the store.

use super::{PREFIX, Redis};
use crate::records::admin::{Announcement, AuditEntry, Ban};
use crate::records::game::{GameRecord, MoveRecord};
use crate::records::plugin::{GameChoice, VersionRecord};
use crate::records::rating::RatingRecord;
use crate::records::tournament::TournamentRecord;
use crate::store::mongo::MongoStore;
use crate::store::{
    AdminStore, GameStore, PluginStore, RatingStore, StoreError, TournamentStore, UserGame,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How long a cached game lives without being written again.
pub const TTL_SECS: u64 = 60;

/// A game as cached: the record with its state (which the record's own
/// serialization leaves out).
#[derive(Serialize, Deserialize)]
struct Cached {
    record: GameRecord,
    state: Vec<u8>,
}

fn key(id: &str) -> String {
    format!("{PREFIX}:game:{id}")
}

/// MongoDB with the Redis game cache in front.
pub struct CachedStore {
    store: MongoStore,
    redis: Redis,
}

impl CachedStore {
    /// The cache over `store`.
    pub fn new(store: MongoStore, redis: Redis) -> Self {
        CachedStore { store, redis }
    }

    async fn cached(&self, id: &str) -> Option<GameRecord> {
        let bytes: Option<Vec<u8>> = self
            .redis
            .query(redis::cmd("GET").arg(key(id)))
            .await
            .ok()?;
        let cached: Cached = serde_json::from_slice(&bytes?).ok()?;
        let mut game = cached.record;
        game.state = cached.state;
        Some(game)
    }

    /// Caches a game just stored. A failure only costs the next read a trip
    /// to MongoDB.
    async fn remember(&self, game: &GameRecord) {
        let Ok(bytes) = serde_json::to_vec(&Cached {
            record: game.clone(),
            state: game.state.clone(),
        }) else {
            return;
        };
        let _ = self
            .redis
            .query::<()>(
                redis::cmd("SET")
                    .arg(key(&game.id))
                    .arg(bytes)
                    .arg("EX")
                    .arg(TTL_SECS),
            )
            .await;
    }
}

#[async_trait::async_trait]
impl GameStore for CachedStore {
    async fn insert(&self, game: &GameRecord) -> Result<(), StoreError> {
        self.store.insert(game).await?;
        self.remember(game).await;
        Ok(())
    }

    async fn update(
        &self,
        game: &GameRecord,
        expected: u64,
        change: Option<&MoveRecord>,
    ) -> Result<(), StoreError> {
        self.store.update(game, expected, change).await?;
        self.remember(game).await;
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<GameRecord>, StoreError> {
        let (cached, stamp) = tokio::join!(self.cached(id), self.store.stamp_of(id));
        let Some((version, updated_at)) = stamp? else {
            return Ok(None);
        };
        if let Some(game) = cached
            && game.version == version
            && game.updated_at == updated_at
        {
            return Ok(Some(game));
        }
        let game = self.store.get(id).await?;
        if let Some(game) = &game {
            self.remember(game).await;
        }
        Ok(game)
    }

    async fn changes(&self, id: &str, after_version: u64) -> Result<Vec<MoveRecord>, StoreError> {
        self.store.changes(id, after_version).await
    }

    async fn unfinished(&self) -> Result<Vec<GameRecord>, StoreError> {
        self.store.unfinished().await
    }

    async fn games_of(&self, user_id: &str, limit: u32) -> Result<Vec<UserGame>, StoreError> {
        self.store.games_of(user_id, limit).await
    }

    async fn save_room(
        &self,
        room_id: &str,
        record: &str,
        version: u64,
        expected: Option<u64>,
    ) -> Result<(), StoreError> {
        self.store
            .save_room(room_id, record, version, expected)
            .await
    }

    async fn delete_room(&self, room_id: &str, expected: Option<u64>) -> Result<(), StoreError> {
        self.store.delete_room(room_id, expected).await
    }

    async fn rooms(&self) -> Result<Vec<String>, StoreError> {
        self.store.rooms().await
    }
}

#[async_trait::async_trait]
impl PluginStore for CachedStore {
    async fn save_component(
        &self,
        bytes: &[u8],
        version: &VersionRecord,
    ) -> Result<(), StoreError> {
        self.store.save_component(bytes, version).await
    }

    async fn component(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.component(hash).await
    }

    async fn save_version(&self, version: &VersionRecord) -> Result<(), StoreError> {
        self.store.save_version(version).await
    }

    async fn versions(&self) -> Result<Vec<VersionRecord>, StoreError> {
        self.store.versions().await
    }

    async fn save_choice(&self, choice: &GameChoice) -> Result<(), StoreError> {
        self.store.save_choice(choice).await
    }

    async fn choices(&self) -> Result<Vec<GameChoice>, StoreError> {
        self.store.choices().await
    }

    async fn pins(&self) -> Result<HashMap<String, u64>, StoreError> {
        self.store.pins().await
    }
}

#[async_trait::async_trait]
impl AdminStore for CachedStore {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<u64, StoreError> {
        self.store.append_audit(entry).await
    }

    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.store.audit(limit).await
    }

    async fn save_ban(&self, ban: &Ban) -> Result<(), StoreError> {
        self.store.save_ban(ban).await
    }

    async fn delete_ban(&self, user_id: &str) -> Result<bool, StoreError> {
        self.store.delete_ban(user_id).await
    }

    async fn bans(&self) -> Result<Vec<Ban>, StoreError> {
        self.store.bans().await
    }

    async fn save_announcement(&self, announcement: &Announcement) -> Result<(), StoreError> {
        self.store.save_announcement(announcement).await
    }

    async fn pending_announcements(&self) -> Result<Vec<Announcement>, StoreError> {
        self.store.pending_announcements().await
    }
}

/// Tournaments are not cached: each step of one reads and writes MongoDB.
#[async_trait::async_trait]
impl TournamentStore for CachedStore {
    async fn save_tournament(
        &self,
        tournament: &TournamentRecord,
        expected: Option<u64>,
    ) -> Result<(), StoreError> {
        self.store.save_tournament(tournament, expected).await
    }

    async fn tournament(&self, id: &str) -> Result<Option<TournamentRecord>, StoreError> {
        self.store.tournament(id).await
    }

    async fn tournaments(
        &self,
        unfinished_only: bool,
        limit: u32,
    ) -> Result<Vec<TournamentRecord>, StoreError> {
        self.store.tournaments(unfinished_only, limit).await
    }
}

/// Ratings are not cached either.
#[async_trait::async_trait]
impl RatingStore for CachedStore {
    async fn ratings(
        &self,
        game_type: &str,
        user_ids: &[String],
    ) -> Result<Vec<RatingRecord>, StoreError> {
        self.store.ratings(game_type, user_ids).await
    }

    async fn apply_rated_game(
        &self,
        game_id: &str,
        ratings: &[RatingRecord],
    ) -> Result<bool, StoreError> {
        self.store.apply_rated_game(game_id, ratings).await
    }

    async fn leaderboard(
        &self,
        game_type: &str,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<RatingRecord>, u64), StoreError> {
        self.store.leaderboard(game_type, offset, limit).await
    }
}
