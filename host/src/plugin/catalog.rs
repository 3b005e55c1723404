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

use crate::base::clock::now_ms;
use super::conformance::{CostBudget, check_component};
use super::health::{BreakerPolicy, HealthCounts};
use super::engine::PluginEngine;
use super::instance::Plugin;
use super::limits::Limits;
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

/// How thorough the conformance pass at publish is: a quick version of
/// `gamehost plugin check`.
fn quick_checks() -> CheckOptions {
    CheckOptions {
        seed: 7,
        playouts: 4,
        max_plies: 1_000,
    }
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

    /// Admits a component: compiles it, checks it (see [`Source`]), stores
    /// it and records the version; may make it active.
    pub async fn publish(
        &self,
        bytes: Vec<u8>,
        source: Source,
        uploader: &str,
    ) -> Result<Published, CatalogError> {
        // Whatever its source, a component is first compiled within the
        // compile budget, out of this process.
        super::isolation::precompile(&self.engine, &bytes)
            .await
            .map_err(CatalogError::Invalid)?;
        let checked = match source {
            Source::Upload { .. } => true,
            Source::Folder { check } => check,
        };
        if checked {
            let engine = self.engine.clone();
            let copy = bytes.clone();
            let budget = CostBudget {
                call: self.limits.deadline / 4,
                memory_bytes: self.limits.memory_bytes,
            };
            let report = tokio::task::spawn_blocking(move || {
                check_component(&engine, &copy, &quick_checks(), budget)
            })
            .await
            .map_err(|e| CatalogError::Invalid(format!("the checks panicked: {e}")))?;
            if !report.passed() {
                return Err(CatalogError::FailedChecks(
                    report
                        .failures()
                        .map(|c| format!("{}: {}", c.name, c.message))
                        .collect(),
                ));
            }
        }
        let size = bytes.len() as u64;
        let plugin = self.compile(bytes.clone()).await?;
        let info = plugin.info().clone();
        let version = Version::parse(&info.version).map_err(|_| {
            CatalogError::Invalid(format!(
                "{} reports version {:?}, which is not semver",
                info.id, info.version
            ))
        })?;
        let hash = plugin.hash().to_string();

        let _change = self.changes.lock().await;
        let (known, same_number, active) = {
            let state = self.lock();
            let known = state.versions.get(&hash).cloned();
            let same_number: Vec<VersionRecord> = state
                .versions
                .values()
                .filter(|r| {
                    r.game_id == info.id
                        && r.version == info.version
                        && r.hash != hash
                        && !r.superseded
                })
                .cloned()
                .collect();
            (known, same_number, state.active_record(&info.id).cloned())
        };
        if let Some(record) = known {
            let active = active.is_some_and(|a| a.hash == hash);
            // Asked for, or a designer went back to an earlier build.
            let reactivate = matches!(
                source,
                Source::Upload { activate: true } | Source::Folder { check: true }
            );
            if reactivate && !active {
                let record = self.set_active(&info.id, &hash, uploader, false).await?;
                return Ok(Published {
                    record,
                    new: false,
                    active: true,
                });
            }
            return Ok(Published {
                record,
                new: false,
                active,
            });
        }
        if !same_number.is_empty() && matches!(source, Source::Upload { .. }) {
            return Err(CatalogError::Conflict(format!(
                "{} {} is already published as a different component; publish it under a new version number",
                info.id, info.version
            )));
        }
        let record = VersionRecord {
            game_id: info.id.clone(),
            version: info.version.clone(),
            hash: hash.clone(),
            info: info.clone(),
            size,
            uploaded_at: now_ms(),
            uploader: uploader.to_string(),
            tripped_at: None,
            superseded: false,
        };
        self.store.save_component(&bytes, &record).await?;
        for mut old in same_number {
            old.superseded = true;
            self.store.save_version(&old).await?;
            self.lock().versions.insert(old.hash.clone(), old);
        }
        self.keep(plugin);
        self.lock().versions.insert(hash.clone(), record.clone());
        tracing::info!(game = %info.id, version = %info.version, hash = %short(&hash), uploader, "plugin version published");
        self.emit(CatalogEvent::Uploaded(record.clone()));

        let activate = match source {
            Source::Upload { activate } => activate || active.is_none(),
            Source::Folder { .. } => active.as_ref().is_none_or(|a| semver_of(a) <= version),
        };
        if activate {
            self.set_active(&info.id, &hash, uploader, false).await?;
        }
        Ok(Published {
            record,
            new: true,
            active: activate,
        })
    }

    /// Publishes every `*.wasm` file of `dir`. A file that fails is reported
    /// and skipped: one broken plugin must not keep the others from loading.
    pub async fn load_dir(&self, dir: &Path, check: bool) -> anyhow::Result<Vec<LoadOutcome>> {
        use anyhow::Context as _;
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("reading plugin folder {}", dir.display()))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
            .collect();
        files.sort();
        let mut outcomes = Vec::new();
        for path in files {
            outcomes.push(self.load_file(&path, check).await);
        }
        Ok(outcomes)
    }

    /// Publishes one file of the plugins folder, logging the result.
    pub async fn load_file(&self, path: &Path, check: bool) -> LoadOutcome {
        let uploader = if check { "dev-watch" } else { "plugins-dir" };
        let result = match tokio::fs::read(path).await {
            Ok(bytes) => self
                .publish(bytes, Source::Folder { check }, uploader)
                .await
                .map(|p| format!("{}@{}", p.record.game_id, p.record.version))
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("cannot read it: {e}")),
        };
        match &result {
            Ok(loaded) => tracing::info!(file = %path.display(), plugin = %loaded, "plugin loaded"),
            Err(why) => tracing::error!(file = %path.display(), error = %why, "plugin refused"),
        }
        LoadOutcome {
            file: path.display().to_string(),
            result,
        }
    }

    /// Makes `version` of `game` serve new games.
    pub async fn activate(
        &self,
        game: &str,
        version: &str,
        by: &str,
    ) -> Result<VersionRecord, CatalogError> {
        let _change = self.changes.lock().await;
        let hash = {
            let state = self.lock();
            state
                .versions
                .values()
                .filter(|r| r.game_id == game && r.version == version)
                .max_by_key(|r| (!r.superseded, r.uploaded_at))
                .map(|r| r.hash.clone())
                .ok_or_else(|| CatalogError::NotFound(format!("no version {version} of {game}")))?
        };
        self.set_active(game, &hash, by, false).await
    }

    /// Goes back to the version that was active before the current one.
    pub async fn rollback(&self, game: &str, by: &str) -> Result<VersionRecord, CatalogError> {
        let _change = self.changes.lock().await;
        let target = {
            let state = self.lock();
            let choice = state
                .choices
                .get(game)
                .ok_or_else(|| CatalogError::NotFound(format!("no game type {game}")))?;
            choice
                .history
                .iter()
                .rev()
                .find(|h| {
                    Some(*h) != choice.active.as_ref()
                        && state
                            .versions
                            .get(*h)
                            .is_some_and(|r| r.tripped_at.is_none())
                })
                .cloned()
                .ok_or_else(|| {
                    CatalogError::NotFound(format!("{game} has no earlier version to roll back to"))
                })?
        };
        self.set_active(game, &target, by, true).await
    }

    /// Points `game` at `hash` (loaded first, so a failure changes nothing).
    /// A rollback pops the history instead of growing it. Clears the
    /// version's breaker: an admin put it back on purpose.
    async fn set_active(
        &self,
        game: &str,
        hash: &str,
        by: &str,
        rollback: bool,
    ) -> Result<VersionRecord, CatalogError> {
        let plugin = self.by_hash(hash).await?;
        let (choice, record, from) = {
            let state = self.lock();
            let mut choice = state
                .choices
                .get(game)
                .cloned()
                .unwrap_or_else(|| GameChoice {
                    game_id: game.to_string(),
                    ..GameChoice::default()
                });
            let from = choice.active.clone();
            if rollback {
                while let Some(h) = choice.history.pop() {
                    if h == hash {
                        break;
                    }
                }
            } else if let Some(previous) = &choice.active
                && previous != hash
            {
                choice.history.retain(|h| h != previous);
                choice.history.push(previous.clone());
            }
            choice.history.retain(|h| h != hash);
            choice.active = Some(hash.to_string());
            let mut record = state
                .versions
                .get(hash)
                .cloned()
                .ok_or_else(|| CatalogError::NotFound(format!("no version {hash}")))?;
            record.tripped_at = None;
            (choice, record, from)
        };
        self.store.save_version(&record).await?;
        self.store.save_choice(&choice).await?;
        plugin.health().reset();
        {
            let mut state = self.lock();
            state.versions.insert(hash.to_string(), record.clone());
            state.choices.insert(game.to_string(), choice);
        }
        let from_version =
            from.and_then(|h| self.lock().versions.get(&h).map(|r| r.version.clone()));
        tracing::info!(game, version = %record.version, hash = %short(hash), by, rollback, "plugin version activated");
        self.emit(if rollback {
            CatalogEvent::RolledBack {
                record: record.clone(),
                from: from_version,
                by: by.to_string(),
            }
        } else {
            CatalogEvent::Activated {
                record: record.clone(),
                by: by.to_string(),
            }
        });
        Ok(record)
    }

    /// Takes a failing version out of rotation for new games.
    async fn trip(&self, hash: &str) -> Result<(), CatalogError> {
        let _change = self.changes.lock().await;
        let (record, health, choice, now_active) = {
            let mut state = self.lock();
            let Some(mut record) = state.versions.get(hash).cloned() else {
                return Ok(());
            };
            record.tripped_at = Some(now_ms());
            let health = state
                .loaded
                .get(hash)
                .map(|l| l.plugin.health().counts())
                .unwrap_or_default();
            state.versions.insert(hash.to_string(), record.clone());
            let was_active = state
                .choices
                .get(&record.game_id)
                .is_some_and(|c| c.active.as_deref() == Some(hash));
            let (choice, now_active) = if was_active {
                let next = state.fall_back(&record.game_id, hash);
                let choice = state.choices.get(&record.game_id).cloned();
                (choice, next)
            } else {
                (
                    None,
                    state.active_record(&record.game_id).map(|r| r.hash.clone()),
                )
            };
            let now_active =
                now_active.and_then(|h| state.versions.get(&h).map(|r| r.version.clone()));
            (record, health, choice, now_active)
        };
        self.store.save_version(&record).await?;
        if let Some(choice) = &choice {
            self.store.save_choice(choice).await?;
        }
        crate::metrics::METRICS
            .plugin_trips
            .with_label_values(&[&record.game_id, &record.version])
            .inc();
        tracing::error!(game = %record.game_id, version = %record.version, failures = health.failures, calls = health.calls, now_active = ?now_active, "plugin breaker tripped; version out of rotation");
        self.emit(CatalogEvent::Tripped {
            record,
            health,
            now_active,
        });
        Ok(())
    }

    /// Every game type's versions and how they stand.
    pub async fn list(&self) -> Result<Vec<GameVersions>, CatalogError> {
        let pins = self.store.pins().await?;
        let state = self.lock();
        let mut games: HashMap<&str, GameVersions> = HashMap::new();
        for record in state.versions.values() {
            let active_hash = state
                .choices
                .get(&record.game_id)
                .and_then(|c| c.active.as_deref());
            let pinned_by = pins.get(&record.hash).copied().unwrap_or(0);
            let state_of = if active_hash == Some(record.hash.as_str()) {
                VersionState::Active
            } else if record.tripped_at.is_some() {
                VersionState::Tripped
            } else if pinned_by > 0 {
                VersionState::Pinned
            } else {
                VersionState::Retired
            };
            let loaded = state.loaded.get(&record.hash);
            games
                .entry(&record.game_id)
                .or_insert_with(|| GameVersions {
                    game_id: record.game_id.clone(),
                    active: state
                        .active_record(&record.game_id)
                        .map(|r| r.version.clone()),
                    versions: Vec::new(),
                })
                .versions
                .push(VersionStatus {
                    record: record.clone(),
                    state: state_of,
                    pinned_by,
                    loaded: loaded.is_some(),
                    health: loaded.map(|l| l.plugin.health().counts()),
                });
        }
        let mut games: Vec<GameVersions> = games.into_values().collect();
        for g in &mut games {
            g.versions.sort_by(|a, b| {
                semver_of(&b.record)
                    .cmp(&semver_of(&a.record))
                    .then(b.record.uploaded_at.cmp(&a.record.uploaded_at))
            });
        }
        games.sort_by(|a, b| a.game_id.cmp(&b.game_id));
        Ok(games)
    }

    /// Unloads versions that are neither active nor pinned by an unfinished
    /// game and have not been used for `idle`. Returns how many went.
    pub async fn unload_idle(&self, idle: Duration) -> Result<usize, CatalogError> {
        let pins = self.store.pins().await?;
        let mut state = self.lock();
        let active: Vec<String> = state
            .choices
            .values()
            .filter_map(|c| c.active.clone())
            .collect();
        let before = state.loaded.len();
        state.loaded.retain(|hash, loaded| {
            let keep = active.contains(hash)
                || pins.get(hash).is_some_and(|n| *n > 0)
                || loaded.last_used.elapsed() < idle;
            if !keep {
                let info = loaded.plugin.info();
                tracing::info!(game = %info.id, version = %info.version, hash = %short(hash), "plugin version unloaded");
            }
            keep
        });
        Ok(before - state.loaded.len())
    }
}

/// The first characters of a hash, for logs.
fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}
