//! The records of the plugin catalog: each published version of a game's
//! rules, and which version serves new games.

use gamehost_sdk::GameInfo;
use serde::{Deserialize, Serialize};

/// One published version of a game's rules.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VersionRecord {
    /// Game type id.
    pub game_id: String,
    /// Semantic version the component reports.
    pub version: String,
    /// sha256 of the component, hex: the version's identity.
    pub hash: String,
    /// What the component said about itself.
    pub info: GameInfo,
    /// Size of the component in bytes.
    pub size: u64,
    /// When it was published (ms since the epoch).
    pub uploaded_at: u64,
    /// Who published it (a user id, `plugins-dir` or `dev-watch`).
    pub uploader: String,
    /// When its breaker tripped, if it is out of rotation.
    #[serde(default)]
    pub tripped_at: Option<u64>,
    /// Replaced by a rebuild with the same version number (plugins folder
    /// or dev mode); games pinned to it still run on it.
    #[serde(default)]
    pub superseded: bool,
}

/// Which version serves new games of one game type.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GameChoice {
    /// Game type id.
    pub game_id: String,
    /// Hash of the active version; none when every version is out of rotation.
    pub active: Option<String>,
    /// Earlier active hashes, oldest first: what a rollback goes back to.
    pub history: Vec<String>,
}
