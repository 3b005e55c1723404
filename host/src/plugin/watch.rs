//! Dev mode: watch the plugins folder and publish each component whose
//! content changes, so a designer rebuilds and plays the new rules at once.
//!
//! Only writes count: a file created, written and closed, or renamed into
//! place (what a build does); opening or reading one (the host's own reads
//! included) is no change. Events are gathered until the folder has been
//! quiet for [`DEBOUNCE`], then each changed `*.wasm` is hashed and goes
//! through the conformance pass only when its content differs from the
//! last one seen, so the same bytes are loaded, or refused with their
//! reason in the log, once. Games in progress keep their pinned version.

use super::catalog::PluginCatalog;
use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long the folder must be quiet before a change is loaded.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// Whether an event can change a file's content.
fn is_write(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_)
            | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any)
            | EventKind::Access(AccessKind::Close(AccessMode::Write))
    )
}

/// Watches `dir` until the returned watcher is dropped.
pub fn watch(dir: &Path, catalog: Arc<PluginCatalog>) -> anyhow::Result<RecommendedWatcher> {
    let (changed, mut changes) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
    let mut watcher =
        notify::recommended_watcher(move |result: notify::Result<notify::Event>| match result {
            Ok(event) if is_write(&event.kind) => {
                for path in event.paths {
                    if path.extension().is_some_and(|ext| ext == "wasm") {
                        let _ = changed.send(path);
                    }
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "watching the plugins folder failed"),
        })?;
    watcher.watch(dir, RecursiveMode::NonRecursive)?;
    tracing::info!(dir = %dir.display(), "dev mode: watching the plugins folder");
    // What the folder holds now was loaded at start.
    let mut seen: HashMap<PathBuf, [u8; 32]> = HashMap::new();
    for entry in std::fs::read_dir(dir)?.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "wasm")
            && let Ok(bytes) = std::fs::read(&path)
        {
            seen.insert(path, Sha256::digest(&bytes).into());
        }
    }
    tokio::spawn(async move {
        while let Some(first) = changes.recv().await {
            let mut files = BTreeSet::from([first]);
            loop {
                match tokio::time::timeout(DEBOUNCE, changes.recv()).await {
                    Ok(Some(file)) => {
                        files.insert(file);
                    }
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            for file in files {
                // A deleted file needs nothing: games pinned to it keep the
                // stored copy.
                let Ok(bytes) = tokio::fs::read(&file).await else {
                    continue;
                };
                let hash: [u8; 32] = Sha256::digest(&bytes).into();
                if seen.get(&file) == Some(&hash) {
                    tracing::debug!(file = %file.display(), "unchanged content: not reloaded");
                    continue;
                }
                seen.insert(file.clone(), hash);
                catalog.load_file(&file, true).await;
            }
        }
    });
    Ok(watcher)
}
