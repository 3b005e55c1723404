//! The cluster store: MongoDB, through the `mongodb` crate.
//!
//! A game is one document holding its record, its state and its change log:
//! a move is one `update_one` filtered on `{_id, version}` that sets the new
//! state and pushes the change, so the compare-and-set and the log entry are
//! one atomic write. Records are kept as the same JSON as in SQLite (one
//! encoding, one set of serde types), beside the fields queries need.
//! Components live in a GridFS bucket under their sha256. Every call goes
//! through a circuit breaker: while MongoDB is down calls fail at once with
//! a clear error instead of piling up.

mod admin;
mod plugins;
mod ratings;
mod tournaments;

use super::{
    AdminStore, GameStore, PluginStore, RatingStore, StoreError, TournamentStore, UserGame,
};
use crate::breaker::{CallError, CircuitBreaker};
use crate::records::admin::{Announcement, AuditEntry, Ban};
use crate::records::game::{GameRecord, MoveRecord, Status};
use crate::records::plugin::{GameChoice, VersionRecord};
use crate::records::rating::RatingRecord;
use crate::records::tournament::{TournamentRecord, TournamentStatus};
use futures_util::TryStreamExt as _;
use futures_util::io::{AsyncReadExt as _, AsyncWriteExt as _};
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Binary, Bson, Document, doc};
use mongodb::options::{ClientOptions, IndexOptions, ReturnDocument};
use mongodb::{Client, Collection, Database, IndexModel};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

/// Longest any one store call may take.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(4);

/// The database used when the URL names none.
const DEFAULT_DATABASE: &str = "gamehost";

/// The MongoDB store. Cheap to clone.
#[derive(Clone)]
pub struct MongoStore {
    db: Database,
    breaker: CircuitBreaker,
}

/// Every document a query finds.
async fn all(
    find: impl std::future::IntoFuture<Output = mongodb::error::Result<mongodb::Cursor<Document>>>,
) -> Result<Vec<Document>, StoreError> {
    find.await
        .map_err(backend)?
        .try_collect()
        .await
        .map_err(backend)
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Whether a write failed on a unique key (the id is taken).
fn is_duplicate(e: &mongodb::error::Error) -> bool {
    let text = e.to_string();
    text.contains("E11000") || text.to_lowercase().contains("duplicate")
}

/// A failed insert: a conflict when the id is taken.
fn conflict_if_taken(e: mongodb::error::Error) -> StoreError {
    if is_duplicate(&e) {
        StoreError::Conflict { expected: 0 }
    } else {
        backend(e)
    }
}

fn to_json(value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(backend)
}

fn from_json<T: DeserializeOwned>(doc: &Document, field: &str) -> Result<T, StoreError> {
    let text = doc.get_str(field).map_err(backend)?;
    serde_json::from_str(text).map_err(backend)
}

fn binary(bytes: Vec<u8>) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::Generic,
        bytes,
    })
}

/// The fields of a game document, apart from `_id` and the change log.
fn game_fields(game: &GameRecord) -> Result<Document, StoreError> {
    let user_ids: Vec<&str> = game.user_ids().collect();
    Ok(doc! {
        "version": game.version as i64,
        "status": game.status.as_str(),
        "gameType": &game.game_type,
        "pluginHash": &game.plugin_hash,
        "userIds": user_ids,
        "updatedAt": game.updated_at as i64,
        "record": encode(game)?,
        "state": binary(game.state.clone()),
    })
}

/// The record without its state (stored beside it as binary).
fn encode(game: &GameRecord) -> Result<String, StoreError> {
    let mut bare = game.clone();
    bare.state = Vec::new();
    to_json(&bare)
}

fn decode(doc: &Document) -> Result<GameRecord, StoreError> {
    let mut game: GameRecord = from_json(doc, "record")?;
    game.state = match doc.get("state") {
        Some(Bson::Binary(b)) => b.bytes.clone(),
        _ => Vec::new(),
    };
    Ok(game)
}

/// Everything of a game document but its change log.
fn without_log() -> Document {
    doc! {"changes": 0}
}

impl MongoStore {
    /// Connects to `url` (`mongodb://host:port/database`), checks the server
    /// answers, and creates the indexes.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let mut options = ClientOptions::parse(url).await?;
        options.app_name = Some("gamehost".into());
        // Fail fast while the server is away; the breaker does the rest.
        options.server_selection_timeout = Some(Duration::from_secs(2));
        options.connect_timeout = Some(Duration::from_secs(2));
        let database = options
            .default_database
            .clone()
            .unwrap_or_else(|| DEFAULT_DATABASE.to_string());
        let client = Client::with_options(options)?;
        let db = client.database(&database);
        db.run_command(doc! {"ping": 1}).await?;
        let store = MongoStore {
            db,
            breaker: CircuitBreaker::new("mongodb"),
        };
        store.create_indexes().await?;
        Ok(store)
    }

    /// A game's stamp, its version and last change time, without reading
    /// the record, state or log: what the Redis cache checks its copy
    /// against (a change that is not a new version, an offer, still moves
    /// the time).
    pub async fn stamp_of(&self, id: &str) -> Result<Option<(u64, u64)>, StoreError> {
        self.call(async {
            let found = self
                .games()
                .find_one(doc! {"_id": id})
                .projection(doc! {"version": 1, "updatedAt": 1})
                .await
                .map_err(backend)?;
            found
                .map(|d| {
                    let version = d.get_i64("version").map_err(backend)?;
                    let updated = d.get_i64("updatedAt").unwrap_or(0);
                    Ok((version as u64, updated as u64))
                })
                .transpose()
        })
        .await
    }

    /// Asks the server for a sign of life, through the breaker: run every
    /// second, it keeps readiness true while nothing else calls.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.call(async {
            self.db
                .run_command(doc! {"ping": 1})
                .await
                .map(|_| ())
                .map_err(backend)
        })
        .await
    }

    /// The breaker around every call, for readiness.
    pub fn breaker(&self) -> &CircuitBreaker {
        &self.breaker
    }

    async fn create_indexes(&self) -> anyhow::Result<()> {
        let index = |keys: Document| IndexModel::builder().keys(keys).build();
        self.games().create_index(index(doc! {"status": 1})).await?;
        self.games()
            .create_index(index(doc! {"userIds": 1, "updatedAt": -1}))
            .await?;
        self.coll("plugin_versions")
            .create_index(index(doc! {"gameId": 1}))
            .await?;
        self.coll("announcements")
            .create_index(index(doc! {"pending": 1}))
            .await?;
        self.coll("tournaments")
            .create_index(index(doc! {"finished": 1, "createdAt": -1}))
            .await?;
        self.coll("ratings")
            .create_index(index(doc! {"gameType": 1, "rating": -1}))
            .await?;
        // Unique names in GridFS: one file per component hash.
        self.coll("plugins.files")
            .create_index(
                IndexModel::builder()
                    .keys(doc! {"filename": 1})
                    .options(IndexOptions::builder().unique(true).build())
                    .build(),
            )
            .await?;
        Ok(())
    }

    fn coll(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    /// The GridFS bucket of plugin components.
    fn components(&self) -> mongodb::gridfs::GridFsBucket {
        self.db.gridfs_bucket(
            mongodb::options::GridFsBucketOptions::builder()
                .bucket_name("plugins".to_string())
                .build(),
        )
    }

    fn games(&self) -> Collection<Document> {
        self.coll("games")
    }

    /// Runs `op` through the breaker, within [`OPERATION_TIMEOUT`]: the
    /// driver waits forever on a server that accepted a request and never
    /// answers, and a game's lock must not be held that long.
    async fn call<T>(
        &self,
        op: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let bounded = async {
            tokio::time::timeout(OPERATION_TIMEOUT, op)
                .await
                .unwrap_or_else(|_| {
                    Err(StoreError::Backend(format!(
                        "mongodb did not answer within {} s",
                        OPERATION_TIMEOUT.as_secs()
                    )))
                })
        };
        // Backend errors count against the breaker, conflicts do not, and
        // an open breaker is a backend error.
        self.breaker
            .run(bounded, |e| matches!(e, StoreError::Backend(_)))
            .await
            .map_err(|e| match e {
                CallError::Open(open) => StoreError::Backend(open.to_string()),
                CallError::Failed(e) => e,
            })
    }

    async fn json_records<T: DeserializeOwned>(
        &self,
        collection: &str,
        filter: Document,
    ) -> Result<Vec<T>, StoreError> {
        let docs = all(self.coll(collection).find(filter)).await?;
        docs.iter().map(|d| from_json(d, "record")).collect()
    }

    async fn upsert_record(
        &self,
        collection: &str,
        id: &str,
        record: String,
        extra: Document,
    ) -> Result<(), StoreError> {
        let mut set = doc! {"record": record};
        set.extend(extra);
        self.coll(collection)
            .update_one(doc! {"_id": id}, doc! {"$set": set})
            .upsert(true)
            .await
            .map(|_| ())
            .map_err(backend)
    }
}

#[async_trait::async_trait]
impl GameStore for MongoStore {
    async fn insert(&self, game: &GameRecord) -> Result<(), StoreError> {
        self.call(async {
            let mut document = doc! {"_id": &game.id, "changes": []};
            document.extend(game_fields(game)?);
            self.games().insert_one(document).await.map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn update(
        &self,
        game: &GameRecord,
        expected: u64,
        change: Option<&MoveRecord>,
    ) -> Result<(), StoreError> {
        self.call(async {
            let mut update = doc! {"$set": game_fields(game)?};
            if let Some(change) = change {
                update.insert(
                    "$push",
                    doc! {"changes": {"version": change.version as i64, "record": to_json(change)?}},
                );
            }
            let result = self
                .games()
                .update_one(doc! {"_id": &game.id, "version": expected as i64}, update)
                .await
                .map_err(backend)?;
            if result.matched_count == 0 {
                return Err(StoreError::Conflict { expected });
            }
            Ok(())
        })
        .await
    }

    async fn get(&self, id: &str) -> Result<Option<GameRecord>, StoreError> {
        self.call(async {
            let found = self
                .games()
                .find_one(doc! {"_id": id})
                .projection(without_log())
                .await
                .map_err(backend)?;
            found.as_ref().map(decode).transpose()
        })
        .await
    }

    async fn changes(&self, id: &str, after_version: u64) -> Result<Vec<MoveRecord>, StoreError> {
        self.call(async {
            let found = self
                .games()
                .find_one(doc! {"_id": id})
                .projection(doc! {"changes": 1})
                .await
                .map_err(backend)?;
            let Some(found) = found else {
                return Ok(Vec::new());
            };
            let changes = found.get_array("changes").map_err(backend)?;
            let mut out: Vec<MoveRecord> = Vec::new();
            for change in changes {
                let Bson::Document(change) = change else {
                    continue;
                };
                let record: MoveRecord = from_json(change, "record")?;
                if record.version > after_version {
                    out.push(record);
                }
            }
            out.sort_by_key(|c| c.version);
            Ok(out)
        })
        .await
    }

    async fn unfinished(&self) -> Result<Vec<GameRecord>, StoreError> {
        self.call(async {
            let docs = all(self
                .games()
                .find(doc! {"status": {"$ne": Status::Finished.as_str()}})
                .projection(without_log()))
            .await?;
            docs.iter().map(decode).collect()
        })
        .await
    }

    async fn games_of(&self, user_id: &str, limit: u32) -> Result<Vec<UserGame>, StoreError> {
        self.call(async {
            let docs = all(self
                .games()
                .find(doc! {"userIds": user_id})
                .sort(doc! {"updatedAt": -1})
                .limit(i64::from(limit))
                .projection(doc! {"record": 1}))
            .await?;
            docs.iter()
                .map(|d| {
                    let game: GameRecord = from_json(d, "record")?;
                    Ok(UserGame {
                        seat: game.seat_of(user_id).unwrap_or(0),
                        game_id: game.id.clone(),
                        game_type: game.game_type.clone(),
                        status: game.status.as_str().to_string(),
                        outcome: game.outcome().cloned(),
                        updated_at: game.updated_at,
                        private: !game.allow_spectators,
                    })
                })
                .collect()
        })
        .await
    }

    async fn save_room(
        &self,
        room_id: &str,
        record: &str,
        version: u64,
        expected: Option<u64>,
    ) -> Result<(), StoreError> {
        self.call(async {
            let rooms = self.coll("lobby_rooms");
            let conflict = StoreError::Conflict {
                expected: expected.unwrap_or(0),
            };
            match expected {
                None => {
                    let taken = rooms
                        .find_one(doc! {"_id": room_id})
                        .await
                        .map_err(backend)?
                        .is_some();
                    if taken {
                        return Err(conflict);
                    }
                    rooms
                        .insert_one(
                            doc! {"_id": room_id, "record": record, "version": version as i64},
                        )
                        .await
                        .map_err(conflict_if_taken)?;
                    Ok(())
                }
                Some(v) => {
                    let result = rooms
                        .update_one(
                            doc! {"_id": room_id, "version": v as i64},
                            doc! {"$set": {"record": record, "version": version as i64}},
                        )
                        .await
                        .map_err(backend)?;
                    if result.matched_count == 0 {
                        return Err(conflict);
                    }
                    Ok(())
                }
            }
        })
        .await
    }

    async fn delete_room(&self, room_id: &str, expected: Option<u64>) -> Result<(), StoreError> {
        self.call(async {
            let filter = match expected {
                None => doc! {"_id": room_id},
                Some(v) => doc! {"_id": room_id, "version": v as i64},
            };
            let result = self
                .coll("lobby_rooms")
                .delete_one(filter)
                .await
                .map_err(backend)?;
            if let Some(v) = expected
                && result.deleted_count == 0
            {
                return Err(StoreError::Conflict { expected: v });
            }
            Ok(())
        })
        .await
    }

    async fn rooms(&self) -> Result<Vec<String>, StoreError> {
        self.call(async {
            let docs = all(self.coll("lobby_rooms").find(doc! {})).await?;
            for d in docs.iter().filter(|d| !d.contains_key("version")) {
                // Stored before rooms had versions: they are at 0.
                if let Ok(id) = d.get_str("_id") {
                    self.coll("lobby_rooms")
                        .update_one(doc! {"_id": id}, doc! {"$set": {"version": 0_i64}})
                        .await
                        .map_err(backend)?;
                }
            }
            docs.iter()
                .map(|d| d.get_str("record").map(str::to_string).map_err(backend))
                .collect()
        })
        .await
    }
}
