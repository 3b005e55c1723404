//! The records of admin decisions: the audit log, bans, announcements.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One admin action.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Position in the log (set by the store).
    #[serde(default)]
    pub id: u64,
    /// When (ms since the epoch).
    pub at: u64,
    /// The admin's user id.
    pub actor_id: String,
    /// The admin's name.
    pub actor_name: String,
    /// What was done (`plugin.publish`, `user.ban`, ...).
    pub action: String,
    /// What it was done to (a game type, a game id, a user id).
    pub target: String,
    /// Particulars.
    pub details: Value,
}

/// A banned user.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ban {
    /// The user.
    pub user_id: String,
    /// Why, in words.
    pub reason: String,
    /// The admin who banned them.
    pub banned_by: String,
    /// When (ms since the epoch).
    pub at: u64,
}

/// Who an announcement is for.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", tag = "scope", content = "id")]
pub enum AnnouncementTarget {
    /// Every connected client.
    All,
    /// Everyone in one game type's lobby.
    Lobby(String),
    /// Everyone in one game: players and spectators.
    Game(String),
    /// Every socket of one user.
    User(String),
    /// Everyone following one tournament (its players and watchers).
    Tournament(String),
}

/// A message from the admins.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Announcement {
    /// Its id.
    pub id: String,
    /// The text.
    pub message: String,
    /// Who it is for.
    pub target: AnnouncementTarget,
    /// When it is due (ms since the epoch).
    pub due_at: u64,
    /// The admin's name.
    pub from: String,
    /// When it went out, once it has.
    pub sent_at: Option<u64>,
}
