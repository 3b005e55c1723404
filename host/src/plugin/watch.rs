//! Dev mode: watch the plugins folder and publish each component that
//! changes, so a designer rebuilds and plays the new rules at once.
//!
//! Changes are debounced (a build writes a file in several steps); each
//! changed `*.wasm` goes through the conformance pass, and the reason for a
//! refusal is logged. Games in progress keep their pinned version.

use super::catalog::PluginCatalog;
use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long the folder must be quiet before a change is loaded.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// Watches `dir` until the returned watcher is dropped.
pub fn watch(
    dir: &Path,
    catalog: Arc<PluginCatalog>,
) -> anyhow::Result<Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>> {
    let (changed, mut changes) = tokio::sync::mpsc::unbounded_channel::<Vec<PathBuf>>();
    let mut debouncer = new_debouncer(DEBOUNCE, move |result: DebounceEventResult| match result {
        Ok(events) => {
            let files: BTreeSet<PathBuf> = events
                .into_iter()
                .map(|e| e.path)
                .filter(|p| p.extension().is_some_and(|ext| ext == "wasm"))
                .collect();
            if !files.is_empty() {
                let _ = changed.send(files.into_iter().collect());
            }
        }
        Err(e) => tracing::warn!(error = %e, "watching the plugins folder failed"),
    })?;
    debouncer
        .watcher()
        .watch(dir, RecursiveMode::NonRecursive)?;
    tracing::info!(dir = %dir.display(), "dev mode: watching the plugins folder");
    tokio::spawn(async move {
        while let Some(files) = changes.recv().await {
            for file in files {
                // A deleted file needs nothing: games pinned to it keep the
                // stored copy.
                if file.exists() {
                    catalog.load_file(&file, true).await;
                }
            }
        }
    });
    Ok(debouncer)
}
