//! The last known face of each game on this node: its record as of its last
//! change, and the views the rules rendered for that version.
//!
//! Reads (`GET /api/games/{id}`, `game:sync`, `game:spectate`) are served
//! from here, so a crowd of readers neither waits for the game's lock (held
//! by a move while it is stored) nor makes the rules render again what the
//! move pipeline already rendered for its broadcast. On one node every
//! change passes through the game service, so the face is never stale; a
//! cluster's nodes read the stored game instead.

use super::views::Views;
use crate::records::game::GameRecord;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The faces of the games this node has seen.
#[derive(Default)]
pub struct Faces {
    inner: Mutex<HashMap<String, Face>>,
    /// A cluster's nodes read games from the store: only views are kept.
    views_only: bool,
}

#[derive(Default)]
struct Face {
    record: Option<Arc<GameRecord>>,
    /// The views of `(version, plugin hash)`.
    views: Option<(u64, String, Arc<Views>)>,
}

impl Faces {
    /// Faces that keep views but no records (a cluster's node, whose copy
    /// of a game may be stale).
    pub fn views_only() -> Self {
        Faces {
            views_only: true,
            ..Faces::default()
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Face>) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The game as of its last change, if this node has it.
    pub fn record(&self, id: &str) -> Option<Arc<GameRecord>> {
        self.with(|faces| faces.get(id).and_then(|f| f.record.clone()))
    }

    /// The game changed (or was loaded): this is its face now. Views of
    /// another version are dropped.
    pub fn set_record(&self, game: &GameRecord) {
        if self.views_only {
            return;
        }
        let record = Arc::new(game.clone());
        self.with(|faces| {
            let face = faces.entry(game.id.clone()).or_default();
            face.record = Some(record);
            if face
                .views
                .as_ref()
                .is_some_and(|(v, hash, _)| *v != game.version || *hash != game.plugin_hash)
            {
                face.views = None;
            }
        });
    }

    /// The views of `game` at its version, if they were rendered.
    pub fn views(&self, game: &GameRecord) -> Option<Arc<Views>> {
        self.with(|faces| {
            let (version, hash, views) = faces.get(&game.id)?.views.as_ref()?;
            (*version == game.version && *hash == game.plugin_hash).then(|| views.clone())
        })
    }

    /// Keeps the views rendered for `game` at its version (they are used
    /// once the record of that version is the face).
    pub fn set_views(&self, game: &GameRecord, views: Arc<Views>) {
        self.with(|faces| {
            faces.entry(game.id.clone()).or_default().views =
                Some((game.version, game.plugin_hash.clone(), views));
        });
    }

    /// Forgets the views of a game whose change was not stored: they may
    /// be of a version that never happened.
    pub fn forget_views(&self, id: &str) {
        self.with(|faces| {
            if let Some(face) = faces.get_mut(id) {
                face.views = None;
            }
        });
    }

    /// Forgets a game whose copy may be stale.
    pub fn forget(&self, id: &str) {
        self.with(|faces| faces.remove(id));
    }
}
