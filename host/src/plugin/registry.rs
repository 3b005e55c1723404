//! Every loaded plugin, by game id and version.

use super::{Limits, Plugin, PluginEngine};
use anyhow::Context as _;
use semver::Version;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// Plugins by (game id, version). New games use a game's newest version;
/// a game in progress keeps the version it started with.
#[derive(Clone)]
pub struct PluginRegistry {
    engine: PluginEngine,
    limits: Limits,
    games: Arc<RwLock<BTreeMap<String, BTreeMap<Version, Plugin>>>>,
}

/// What happened to one file when loading a folder.
#[derive(Debug)]
pub struct LoadOutcome {
    /// The file.
    pub file: String,
    /// `game@version` on success, the reason on failure.
    pub result: Result<String, String>,
}

impl PluginRegistry {
    /// An empty registry whose plugins run under `limits`.
    pub fn new(engine: PluginEngine, limits: Limits) -> Self {
        PluginRegistry {
            engine,
            limits,
            games: Arc::new(RwLock::new(BTreeMap::new())),
        }
    }

    /// Loads one component and registers it under its own id and version.
    pub fn load_bytes(&self, bytes: &[u8]) -> anyhow::Result<Plugin> {
        let plugin = Plugin::load(&self.engine, bytes, self.limits)?;
        let info = plugin.info();
        let version = Version::parse(&info.version).with_context(|| {
            format!(
                "{} reports version {:?}, which is not semver",
                info.id, info.version
            )
        })?;
        let mut games = self
            .games
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        games
            .entry(info.id.clone())
            .or_default()
            .insert(version, plugin.clone());
        Ok(plugin)
    }

    /// Loads every `*.wasm` file of `dir`. A file that fails is reported and
    /// skipped: one broken plugin must not keep the others from loading.
    pub fn load_dir(&self, dir: &Path) -> anyhow::Result<Vec<LoadOutcome>> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("reading plugin folder {}", dir.display()))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
            .collect();
        files.sort();
        let outcomes = files
            .into_iter()
            .map(|path| {
                let result = std::fs::read(&path)
                    .map_err(anyhow::Error::from)
                    .and_then(|bytes| self.load_bytes(&bytes))
                    .map(|p| format!("{}@{}", p.info().id, p.info().version))
                    .map_err(|e| super::error_chain(&e));
                match &result {
                    Ok(loaded) => {
                        tracing::info!(file = %path.display(), plugin = %loaded, "plugin loaded")
                    }
                    Err(why) => {
                        tracing::error!(file = %path.display(), error = %why, "plugin refused")
                    }
                }
                LoadOutcome {
                    file: path.display().to_string(),
                    result,
                }
            })
            .collect();
        Ok(outcomes)
    }

    /// The newest version of `game`.
    pub fn latest(&self, game: &str) -> Option<Plugin> {
        let games = self
            .games
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        games.get(game)?.values().next_back().cloned()
    }

    /// One exact version of `game`.
    pub fn get(&self, game: &str, version: &str) -> Option<Plugin> {
        let version = Version::parse(version).ok()?;
        let games = self
            .games
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        games.get(game)?.get(&version).cloned()
    }

    /// The newest version of every game, by id.
    pub fn games(&self) -> Vec<Plugin> {
        let games = self
            .games
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        games
            .values()
            .filter_map(|versions| versions.values().next_back().cloned())
            .collect()
    }
}
