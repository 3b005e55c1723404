//! Every published plugin version, which one serves new games of each game
//! type, and the compiled versions kept in memory.
//!
//! A version is known by the sha256 of its component. Publishing stores the
//! bytes content-addressed in the [`PluginStore`], so versions, the active
//! choice and the pins survive a restart. A game records the (version, hash)
//! it started with and keeps running on that component until it ends:
//! [`PluginCatalog::pinned`] finds it whatever is active now, loading it back
//! from the store when it was unloaded. Activating, rolling back and a
//! tripped breaker only change what *new* games get.

mod activation;
mod listing;
mod publish;

use super::conformance::{CostBudget, check_component};
use super::engine::PluginEngine;
use super::health::{BreakerPolicy, HealthCounts};
use super::instance::Plugin;
use super::limits::Limits;
use crate::base::clock::now_ms;
use crate::store::{PluginStore, StoreError};
use gamehost_sdk::GameInfo;
use gamehost_sdk::conformance::CheckOptions;
use semver::Version;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc};

pub use crate::records::plugin::{GameChoice, VersionRecord};

/// How a version stands, as listed to admins.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum VersionState {
    /// Serves new games.
    Active,
    /// Not active, but unfinished games run on it.
    Pinned,
    /// Its breaker tripped; no new games.
    Tripped,
    /// Neither active nor pinned.
    Retired,
}

/// A version as `plugin list` shows it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionStatus {
    /// The stored record.
    #[serde(flatten)]
    pub record: VersionRecord,
    /// How it stands.
    pub state: VersionState,
    /// Unfinished games running on it.
    pub pinned_by: u64,
    /// Whether it is compiled and in memory.
    pub loaded: bool,
    /// Its breaker's counts, when loaded.
    pub health: Option<HealthCounts>,
}

/// Every version of one game type, newest first.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GameVersions {
    /// Game type id.
    pub game_id: String,
    /// The active version's number, if any.
    pub active: Option<String>,
    /// Its versions.
    pub versions: Vec<VersionStatus>,
}

/// Something that changed in the catalog, for admins watching.
#[derive(Clone, Debug)]
pub enum CatalogEvent {
    /// A new version was published.
    Uploaded(VersionRecord),
    /// A version was made active for new games.
    Activated {
        /// The version now active.
        record: VersionRecord,
        /// Who did it.
        by: String,
    },
    /// A game type went back to its previous version.
    RolledBack {
        /// The version now active.
        record: VersionRecord,
        /// The version it replaced.
        from: Option<String>,
        /// Who did it.
        by: String,
    },
    /// A version's breaker tripped.
    Tripped {
        /// The version taken out of rotation.
        record: VersionRecord,
        /// Its breaker's counts.
        health: HealthCounts,
        /// The version that now serves new games, if any.
        now_active: Option<String>,
    },
    /// Another node changed the catalog and this one read it again.
    Reloaded,
}

impl CatalogEvent {
    /// The event's name on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            CatalogEvent::Uploaded(_) => "plugin:uploaded",
            CatalogEvent::Activated { .. } => "plugin:activated",
            CatalogEvent::RolledBack { .. } => "plugin:rolled-back",
            CatalogEvent::Tripped { .. } => "plugin:tripped",
            CatalogEvent::Reloaded => "plugin:reloaded",
        }
    }

    /// The event's payload.
    pub fn payload(&self) -> serde_json::Value {
        use serde_json::json;
        let summary =
            |r: &VersionRecord| json!({"gameId": r.game_id, "version": r.version, "hash": r.hash});
        match self {
            CatalogEvent::Uploaded(r) => {
                json!({"gameId": r.game_id, "version": r.version, "hash": r.hash, "uploader": r.uploader, "uploadedAt": r.uploaded_at})
            }
            CatalogEvent::Activated { record, by } => {
                let mut v = summary(record);
                v["by"] = json!(by);
                v
            }
            CatalogEvent::RolledBack { record, from, by } => {
                let mut v = summary(record);
                v["from"] = json!(from);
                v["by"] = json!(by);
                v
            }
            CatalogEvent::Tripped {
                record,
                health,
                now_active,
            } => {
                let mut v = summary(record);
                v["calls"] = json!(health.calls);
                v["failures"] = json!(health.failures);
                v["nowActive"] = json!(now_active);
                v
            }
            CatalogEvent::Reloaded => json!({}),
        }
    }
}

/// Why a catalog request was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The bytes are not a usable component.
    #[error("{0}")]
    Invalid(String),
    /// The component failed the conformance pass.
    #[error("the component failed conformance: {}", .0.join("; "))]
    FailedChecks(Vec<String>),
    /// The version number is taken by a different component.
    #[error("{0}")]
    Conflict(String),
    /// No such game type or version.
    #[error("{0}")]
    NotFound(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a component comes from, which decides how it is admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Uploaded by an admin: checked by the conformance pass; a version
    /// number is never reused for different bytes.
    Upload {
        /// Make it active at once.
        activate: bool,
    },
    /// The operator's plugins folder (at start, or watched in dev mode): a
    /// new build becomes active unless an older version number than the
    /// active one; a rebuild with the same version number supersedes it.
    Folder {
        /// Run the conformance pass first (dev mode: errors in the log).
        check: bool,
    },
}

/// The result of a publish.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    /// The version's record.
    pub record: VersionRecord,
    /// False when these exact bytes were already published.
    pub new: bool,
    /// Whether it is now the active version.
    pub active: bool,
}

/// What happened to one file when loading a folder.
#[derive(Debug)]
pub struct LoadOutcome {
    /// The file.
    pub file: String,
    /// `game@version` on success, the reason on failure.
    pub result: Result<String, String>,
}

/// How thorough the conformance pass at publish and in dev mode is: every
/// check of `gamehost plugin check`, on a shorter budget, under a fresh seed
/// (named in any refusal, so it can be replayed).
fn quick_checks() -> CheckOptions {
    CheckOptions::quick()
}

struct Loaded {
    plugin: Plugin,
    last_used: Instant,
}

#[derive(Default)]
struct State {
    versions: HashMap<String, VersionRecord>,
    choices: HashMap<String, GameChoice>,
    loaded: HashMap<String, Loaded>,
}

impl State {
    fn active_record(&self, game: &str) -> Option<&VersionRecord> {
        let hash = self.choices.get(game)?.active.as_ref()?;
        self.versions.get(hash)
    }

    /// The newest version of `game` that may serve games, other than `not`.
    fn best_other(&self, game: &str, not: &str) -> Option<String> {
        self.versions
            .values()
            .filter(|r| {
                r.game_id == game && r.hash != not && r.tripped_at.is_none() && !r.superseded
            })
            .max_by(|a, b| {
                semver_of(a)
                    .cmp(&semver_of(b))
                    .then(a.uploaded_at.cmp(&b.uploaded_at))
            })
            .map(|r| r.hash.clone())
    }

    /// Takes `hash` out of `game`'s active slot: the last usable version of
    /// the history, else the newest other usable version.
    fn fall_back(&mut self, game: &str, hash: &str) -> Option<String> {
        let mut choice = self.choices.get(game).cloned().unwrap_or_default();
        let mut next = None;
        while let Some(previous) = choice.history.pop() {
            if previous != hash
                && self
                    .versions
                    .get(&previous)
                    .is_some_and(|r| r.tripped_at.is_none())
            {
                next = Some(previous);
                break;
            }
        }
        let next = next.or_else(|| self.best_other(game, hash));
        choice.game_id = game.to_string();
        choice.active = next.clone();
        self.choices.insert(game.to_string(), choice);
        next
    }
}

fn semver_of(r: &VersionRecord) -> Version {
    Version::parse(&r.version).unwrap_or_else(|_| Version::new(0, 0, 0))
}

/// The published versions and the loaded ones. Cheap to share (`Arc`).
pub struct PluginCatalog {
    engine: PluginEngine,
    limits: Limits,
    policy: BreakerPolicy,
    store: Arc<dyn PluginStore>,
    state: Mutex<State>,
    /// One change at a time: each reads the state, writes the store, then
    /// updates the state.
    changes: tokio::sync::Mutex<()>,
    events: broadcast::Sender<CatalogEvent>,
    tripped: mpsc::UnboundedSender<String>,
}

impl PluginCatalog {
    /// The catalog as stored: every version record and choice; the active
    /// versions are compiled (from the compile cache when warm).
    pub async fn open(
        engine: PluginEngine,
        limits: Limits,
        policy: BreakerPolicy,
        store: Arc<dyn PluginStore>,
    ) -> Result<Arc<Self>, CatalogError> {
        let (tripped, mut trips) = mpsc::unbounded_channel();
        let (events, _) = broadcast::channel(256);
        let catalog = Arc::new(PluginCatalog {
            engine,
            limits,
            policy,
            store,
            state: Mutex::new(State::default()),
            changes: tokio::sync::Mutex::new(()),
            events,
            tripped,
        });
        catalog.read_store().await?;
        // Trips are reported from plugin calls; act on them here, off the
        // caller's path.
        let weak: Weak<PluginCatalog> = Arc::downgrade(&catalog);
        tokio::spawn(async move {
            while let Some(hash) = trips.recv().await {
                let Some(catalog) = weak.upgrade() else { break };
                if let Err(e) = catalog.trip(&hash).await {
                    tracing::error!(hash = %hash, error = %e, "could not take a failing plugin out of rotation");
                }
            }
        });
        Ok(catalog)
    }

    /// Reads every version record and choice from the store again (another
    /// node changed them) and loads the active versions.
    pub async fn reload(&self) -> Result<(), CatalogError> {
        let _change = self.changes.lock().await;
        self.read_store().await?;
        self.emit(CatalogEvent::Reloaded);
        Ok(())
    }

    /// Takes every version record and choice from the store, and loads the
    /// active versions (one that fails is logged; the others still load).
    async fn read_store(&self) -> Result<(), CatalogError> {
        let versions = self.store.versions().await?;
        let choices = self.store.choices().await?;
        let active: Vec<String> = choices.iter().filter_map(|c| c.active.clone()).collect();
        {
            let mut state = self.lock();
            state.versions = versions.into_iter().map(|r| (r.hash.clone(), r)).collect();
            state.choices = choices
                .into_iter()
                .map(|c| (c.game_id.clone(), c))
                .collect();
        }
        for hash in active {
            if let Err(e) = self.by_hash(&hash).await {
                tracing::error!(hash = %hash, error = %e, "cannot load an active plugin version");
            }
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Catalog changes as they happen.
    pub fn subscribe(&self) -> broadcast::Receiver<CatalogEvent> {
        self.events.subscribe()
    }

    fn emit(&self, event: CatalogEvent) {
        // Nobody listening is fine.
        let _ = self.events.send(event);
    }

    /// What the active version of `game` says about itself.
    pub fn game_info(&self, game: &str) -> Option<GameInfo> {
        self.lock().active_record(game).map(|r| r.info.clone())
    }

    /// The active version of every game type: (info, hash).
    pub fn active_games(&self) -> Vec<(GameInfo, String)> {
        let state = self.lock();
        let mut games: Vec<_> = state
            .choices
            .keys()
            .filter_map(|g| state.active_record(g))
            .map(|r| (r.info.clone(), r.hash.clone()))
            .collect();
        games.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        games
    }

    /// The version that serves new games of `game`.
    pub async fn active(&self, game: &str) -> Option<Plugin> {
        let hash = self.lock().active_record(game)?.hash.clone();
        match self.by_hash(&hash).await {
            Ok(plugin) => Some(plugin),
            Err(e) => {
                tracing::error!(game, hash = %hash, error = %e, "the active plugin version cannot be loaded");
                None
            }
        }
    }

    /// The exact component a game is pinned to, loaded back from the store
    /// if it was unloaded.
    pub async fn pinned(&self, hash: &str) -> Result<Plugin, CatalogError> {
        self.by_hash(hash).await
    }

    async fn by_hash(&self, hash: &str) -> Result<Plugin, CatalogError> {
        if let Some(loaded) = self.lock().loaded.get_mut(hash) {
            loaded.last_used = Instant::now();
            return Ok(loaded.plugin.clone());
        }
        let bytes = self
            .store
            .component(hash)
            .await?
            .ok_or_else(|| CatalogError::NotFound(format!("no stored component {hash}")))?;
        let plugin = self.compile(bytes).await?;
        tracing::info!(game = %plugin.info().id, version = %plugin.info().version, hash = %short(hash), "plugin version loaded");
        Ok(self.keep(plugin))
    }

    /// Remembers a compiled plugin (or returns the one another caller
    /// loaded first) and watches its health.
    fn keep(&self, plugin: Plugin) -> Plugin {
        let mut state = self.lock();
        let loaded = state
            .loaded
            .entry(plugin.hash().to_string())
            .or_insert_with(|| {
                plugin.monitor(self.policy, self.tripped.clone());
                Loaded {
                    plugin,
                    last_used: Instant::now(),
                }
            });
        loaded.last_used = Instant::now();
        loaded.plugin.clone()
    }

    async fn compile(&self, bytes: Vec<u8>) -> Result<Plugin, CatalogError> {
        let engine = self.engine.clone();
        let limits = self.limits;
        tokio::task::spawn_blocking(move || Plugin::load(&engine, &bytes, limits))
            .await
            .map_err(|e| CatalogError::Invalid(format!("loading panicked: {e}")))?
            .map_err(|e| CatalogError::Invalid(super::limits::error_chain(&e)))
    }
}

/// The first characters of a hash, for logs.
fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}
