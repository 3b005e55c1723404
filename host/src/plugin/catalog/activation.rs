//! Which version serves new games: activating, rolling back, and taking a
//! version whose breaker tripped out of rotation (stored, so every node and
//! every restart agrees).

use super::*;

impl PluginCatalog {
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
    pub(super) async fn set_active(
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
    pub(super) async fn trip(&self, hash: &str) -> Result<(), CatalogError> {
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
}
