//! What the catalog holds, as admins list it, and unloading the versions
//! nothing uses.

use super::*;

impl PluginCatalog {
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
