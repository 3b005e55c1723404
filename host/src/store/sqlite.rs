//! The embedded store: one SQLite file in WAL mode, owned by one thread.
//!
//! Writes queue up while a transaction commits and then go together in the
//! next one (group commit): a move is durable when it is acknowledged, yet
//! concurrent moves share one fsync.

mod admin;
mod plugins;
mod ratings;
mod tournaments;

use super::{
    AdminStore, GameStore, PluginStore, RatingStore, StoreError, TournamentStore, UserGame,
};
use crate::records::admin::{Announcement, AuditEntry, Ban};
use crate::records::game::{ChangeKind, GameRecord, MoveRecord};
use crate::records::plugin::{GameChoice, VersionRecord};
use crate::records::rating::RatingRecord;
use crate::records::tournament::{TournamentRecord, TournamentStatus};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Most writes committed in one transaction.
const GROUP_COMMIT_MAX: usize = 128;

/// A unit of work for the store thread. It runs inside the group's
/// transaction and returns how to answer its caller once the commit is
/// known: the answer waits for the commit, so an acknowledged write is durable.
type Job = Box<dyn FnOnce(&Connection) -> Reply + Send>;

/// Answers a caller; given the commit's error, if the commit failed.
type Reply = Box<dyn FnOnce(Option<&str>) + Send>;

/// The SQLite store. Cheap to clone.
#[derive(Clone)]
pub struct SqliteStore {
    jobs: mpsc::Sender<Job>,
}

impl SqliteStore {
    /// Opens (or creates) the database at `path` and starts its thread.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "busy_timeout", 5000)?;
        // Room for every statement the store runs, so none is parsed twice.
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch(SCHEMA)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-store".into())
            .spawn(move || run(conn, queue))?;
        Ok(SqliteStore { jobs })
    }

    /// Runs `f` on the store's thread inside the current group transaction.
    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            // A savepoint per job: a job that fails half-way leaves nothing
            // behind, and the rest of the group still commits.
            let result = match run_cached(conn, "SAVEPOINT job") {
                Ok(()) => {
                    let result = f(conn);
                    let end = if result.is_ok() {
                        "RELEASE job"
                    } else {
                        "ROLLBACK TO job; RELEASE job"
                    };
                    let ended = if result.is_ok() {
                        run_cached(conn, end)
                    } else {
                        conn.execute_batch(end)
                    };
                    match ended {
                        Ok(()) => result,
                        Err(e) => Err(backend(e)),
                    }
                }
                Err(e) => Err(backend(e)),
            };
            Box::new(move |commit_error: Option<&str>| {
                let result = match (commit_error, result) {
                    (Some(e), Ok(_)) => Err(StoreError::Backend(format!("commit failed: {e}"))),
                    (_, result) => result,
                };
                let _ = reply.send(result);
            })
        });
        self.jobs
            .send(job)
            .map_err(|_| StoreError::Backend("the store thread has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Backend("the store thread dropped a request".into()))?
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS games (
    id TEXT PRIMARY KEY,
    game_type TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    record TEXT NOT NULL,
    state BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS games_status ON games(status);
CREATE TABLE IF NOT EXISTS game_changes (
    game_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (game_id, version)
);
CREATE TABLE IF NOT EXISTS game_players (
    game_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    seat INTEGER NOT NULL,
    PRIMARY KEY (game_id, user_id)
);
CREATE INDEX IF NOT EXISTS game_players_user ON game_players(user_id);
CREATE TABLE IF NOT EXISTS ratings (
    user_id TEXT NOT NULL,
    game_type TEXT NOT NULL,
    rating REAL NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (user_id, game_type)
);
CREATE INDEX IF NOT EXISTS ratings_board ON ratings(game_type, rating DESC);
CREATE TABLE IF NOT EXISTS rated_games (
    game_id TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS tournaments (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    finished INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lobby_rooms (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plugin_components (
    hash TEXT PRIMARY KEY,
    bytes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS plugin_versions (
    hash TEXT PRIMARY KEY,
    game_id TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plugin_choices (
    game_id TEXT PRIMARY KEY,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bans (
    user_id TEXT PRIMARY KEY,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS announcements (
    id TEXT PRIMARY KEY,
    pending INTEGER NOT NULL,
    record TEXT NOT NULL
);
";

/// The store thread: take a job, then every job already waiting, run them
/// all in one transaction, commit, then answer every caller.
fn run(conn: Connection, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < GROUP_COMMIT_MAX {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let begin_error = run_cached(&conn, "BEGIN IMMEDIATE")
            .err()
            .map(|e| e.to_string());
        let replies: Vec<Reply> = batch.into_iter().map(|job| job(&conn)).collect();
        let commit_error = match begin_error {
            Some(e) => Some(e),
            None => run_cached(&conn, "COMMIT").err().map(|e| {
                let _ = conn.execute_batch("ROLLBACK");
                e.to_string()
            }),
        };
        if let Some(e) = &commit_error {
            tracing::error!(error = %e, "store: transaction failed");
        }
        for reply in replies {
            reply(commit_error.as_deref());
        }
    }
}

/// Runs one statement through the connection's statement cache: the SQL
/// of a write is parsed once, not on every move.
fn exec(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// Runs one parameterless statement (transaction control) through the
/// statement cache: `execute_batch` would parse it again on every job.
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn to_json(value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(backend)
}

/// Every `record` column of `sql`'s rows, decoded.
fn records<T: DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(params, |row| row.get::<_, String>(0))
        .map_err(backend)?;
    rows.map(|r| serde_json::from_str(&r.map_err(backend)?).map_err(backend))
        .collect()
}

fn encode(game: &GameRecord) -> Result<String, StoreError> {
    serde_json::to_string(game).map_err(backend)
}

fn decode(record: &str, state: Vec<u8>) -> Result<GameRecord, StoreError> {
    let mut game: GameRecord = serde_json::from_str(record).map_err(backend)?;
    game.state = state;
    Ok(game)
}

fn sync_players(conn: &Connection, game: &GameRecord) -> Result<(), StoreError> {
    for (seat, player) in game.players.iter().enumerate() {
        if let Some(player) = player {
            exec(
                conn,
                "INSERT OR IGNORE INTO game_players (game_id, user_id, seat) VALUES (?1, ?2, ?3)",
                params![game.id, player.user_id, seat as i64],
            )
            .map_err(backend)?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl GameStore for SqliteStore {
    async fn insert(&self, game: &GameRecord) -> Result<(), StoreError> {
        let game = game.clone();
        self.call(move |conn| {
            exec(conn,
                "INSERT INTO games (id, game_type, status, version, record, state, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    game.id,
                    game.game_type,
                    game.status.as_str(),
                    game.version as i64,
                    encode(&game)?,
                    game.state,
                    game.created_at as i64,
                    game.updated_at as i64
                ],
            )
            .map_err(backend)?;
            sync_players(conn, &game)
        })
        .await
    }

    async fn update(
        &self,
        game: &GameRecord,
        expected: u64,
        change: Option<&MoveRecord>,
    ) -> Result<(), StoreError> {
        let game = game.clone();
        let change = change.cloned();
        self.call(move |conn| {
            let updated = exec(conn,
                    "UPDATE games SET status = ?1, version = ?2, record = ?3, state = ?4, updated_at = ?5
                     WHERE id = ?6 AND version = ?7",
                    params![
                        game.status.as_str(),
                        game.version as i64,
                        encode(&game)?,
                        game.state,
                        game.updated_at as i64,
                        game.id,
                        expected as i64
                    ],
                )
                .map_err(backend)?;
            if updated == 0 {
                return Err(StoreError::Conflict { expected });
            }
            // A move never changes who sits where; anything else may.
            let seats_may_change = change.as_ref().is_none_or(|c| c.kind != ChangeKind::Move);
            if let Some(change) = change {
                exec(conn,
                    "INSERT INTO game_changes (game_id, version, record) VALUES (?1, ?2, ?3)",
                    params![
                        game.id,
                        change.version as i64,
                        serde_json::to_string(&change).map_err(backend)?
                    ],
                )
                .map_err(backend)?;
            }
            if seats_may_change {
                sync_players(conn, &game)?;
            }
            Ok(())
        })
        .await
    }

    async fn get(&self, id: &str) -> Result<Option<GameRecord>, StoreError> {
        let id = id.to_string();
        self.call(move |conn| {
            let row: Option<(String, Vec<u8>)> = conn
                .query_row(
                    "SELECT record, state FROM games WHERE id = ?1",
                    params![id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(backend)?;
            row.map(|(record, state)| decode(&record, state))
                .transpose()
        })
        .await
    }

    async fn changes(&self, id: &str, after_version: u64) -> Result<Vec<MoveRecord>, StoreError> {
        let id = id.to_string();
        self.call(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT record FROM game_changes WHERE game_id = ?1 AND version > ?2 ORDER BY version")
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![id, after_version as i64], |row| row.get::<_, String>(0))
                .map_err(backend)?;
            rows.map(|r| {
                let text = r.map_err(backend)?;
                serde_json::from_str(&text).map_err(backend)
            })
            .collect()
        })
        .await
    }

    async fn unfinished(&self) -> Result<Vec<GameRecord>, StoreError> {
        self.call(|conn| {
            let mut stmt = conn
                .prepare("SELECT record, state FROM games WHERE status != 'finished'")
                .map_err(backend)?;
            let rows = stmt
                .query_map([], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))
                })
                .map_err(backend)?;
            rows.map(|r| {
                let (record, state) = r.map_err(backend)?;
                decode(&record, state)
            })
            .collect()
        })
        .await
    }

    async fn games_of(&self, user_id: &str, limit: u32) -> Result<Vec<UserGame>, StoreError> {
        let user_id = user_id.to_string();
        self.call(move |conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT g.record, p.seat FROM game_players p JOIN games g ON g.id = p.game_id
                     WHERE p.user_id = ?1 ORDER BY g.updated_at DESC LIMIT ?2",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![user_id, limit], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                })
                .map_err(backend)?;
            rows.map(|r| {
                let (record, seat) = r.map_err(backend)?;
                let game = decode(&record, Vec::new())?;
                Ok(UserGame {
                    game_id: game.id.clone(),
                    game_type: game.game_type.clone(),
                    status: game.status.as_str().to_string(),
                    seat: seat as u32,
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
        _version: u64,
        expected: Option<u64>,
    ) -> Result<(), StoreError> {
        let (id, record) = (room_id.to_string(), record.to_string());
        self.call(move |conn| {
            let written = match expected {
                None => exec(conn,
                    "INSERT INTO lobby_rooms (id, record) VALUES (?1, ?2) ON CONFLICT(id) DO NOTHING",
                    params![id, record],
                ),
                // The version lives in the record; rooms stored before it
                // had one are at 0.
                Some(v) => exec(conn,
                    "UPDATE lobby_rooms SET record = ?1
                     WHERE id = ?2 AND COALESCE(json_extract(record, '$.version'), 0) = ?3",
                    params![record, id, v as i64],
                ),
            }
            .map_err(backend)?;
            if written == 0 {
                return Err(StoreError::Conflict {
                    expected: expected.unwrap_or(0),
                });
            }
            Ok(())
        })
        .await
    }

    async fn delete_room(&self, room_id: &str, expected: Option<u64>) -> Result<(), StoreError> {
        let id = room_id.to_string();
        self.call(move |conn| match expected {
            None => exec(conn, "DELETE FROM lobby_rooms WHERE id = ?1", params![id])
                .map(|_| ())
                .map_err(backend),
            Some(v) => {
                let deleted = exec(
                    conn,
                    "DELETE FROM lobby_rooms
                             WHERE id = ?1 AND COALESCE(json_extract(record, '$.version'), 0) = ?2",
                    params![id, v as i64],
                )
                .map_err(backend)?;
                if deleted == 0 {
                    return Err(StoreError::Conflict { expected: v });
                }
                Ok(())
            }
        })
        .await
    }

    async fn rooms(&self) -> Result<Vec<String>, StoreError> {
        self.call(|conn| {
            let mut stmt = conn
                .prepare("SELECT record FROM lobby_rooms")
                .map_err(backend)?;
            let rows = stmt
                .query_map([], |row| row.get::<_, String>(0))
                .map_err(backend)?;
            rows.map(|r| r.map_err(backend)).collect()
        })
        .await
    }
}
