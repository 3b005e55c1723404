//! Admitting a component: compiled within the compile budget, checked,
//! stored and recorded as a version (uploads, the plugins folder, dev mode).

use super::*;

impl PluginCatalog {
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
        crate::plugin::isolation::precompile(&self.engine, &bytes)
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
                return Err(CatalogError::FailedChecks(report.failure_summary()));
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
}
