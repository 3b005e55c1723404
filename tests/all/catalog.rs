//! The plugin catalog over the SQLite store: loading a folder, publishing,
//! activating, rolling back, pins, the breaker, and what survives a restart.

use gamehost::auth::{Role, User};
use gamehost::base::error::ErrorCode;
use gamehost::base::scheduler::LocalScheduler;
use gamehost::game::GameService;
use gamehost::game::service::CreateRequest;
use gamehost::plugin::catalog::{CatalogError, CatalogEvent, Source, VersionState, VersionStatus};
use gamehost::plugin::health::BreakerPolicy;
use gamehost::plugin::{Limits, Plugin, PluginCatalog, PluginEngine};
use gamehost::store::sqlite::SqliteStore;
use gamehost_tests::{fixture_component, game_component, games_dir, temp_dir};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn breaker() -> BreakerPolicy {
    BreakerPolicy {
        window: Duration::from_secs(60),
        min_calls: 3,
        failure_ratio: 0.5,
    }
}

async fn open(dir: &Path) -> (Arc<PluginCatalog>, SqliteStore) {
    let store = SqliteStore::open(&dir.join("gamehost.db")).unwrap();
    let engine = PluginEngine::new(Some(dir.join("compiled")), 64 << 20).unwrap();
    let catalog = PluginCatalog::open(
        engine,
        Limits::default(),
        breaker(),
        Arc::new(store.clone()),
    )
    .await
    .unwrap();
    (catalog, store)
}

fn games(catalog: &Arc<PluginCatalog>, store: &SqliteStore) -> GameService {
    let (due, _deadlines) = tokio::sync::mpsc::unbounded_channel();
    let (outbox, _unprompted) = tokio::sync::mpsc::unbounded_channel();
    GameService::new(
        catalog.clone(),
        Arc::new(store.clone()),
        Arc::new(LocalScheduler::new(due)),
        outbox,
        30_000,
    )
}

fn release(n: &str) -> Vec<u8> {
    std::fs::read(fixture_component(n)).unwrap()
}

fn user(id: &str) -> User {
    User {
        id: id.into(),
        name: id.into(),
        role: Role::Player,
    }
}

fn countdown(options: serde_json::Value) -> CreateRequest {
    CreateRequest {
        game_type: "countdown".into(),
        players: None,
        options: Some(options),
        time_control: None,
        allow_spectators: None,
        rated: None,
    }
}

fn upload(activate: bool) -> Source {
    Source::Upload { activate }
}

/// Every version of `countdown`, as listed.
async fn countdown_versions(catalog: &PluginCatalog) -> Vec<VersionStatus> {
    let list = catalog.list().await.unwrap();
    list.into_iter()
        .find(|g| g.game_id == "countdown")
        .unwrap()
        .versions
}

/// One of those versions.
fn version<'a>(versions: &'a [VersionStatus], number: &str) -> &'a VersionStatus {
    versions
        .iter()
        .find(|s| s.record.version == number)
        .unwrap()
}

/// The active version of `countdown`, as listed.
async fn active_version(catalog: &PluginCatalog) -> Option<String> {
    let list = catalog.list().await.unwrap();
    list.into_iter()
        .find(|g| g.game_id == "countdown")
        .and_then(|g| g.active)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_loads_and_broken_files_are_skipped() {
    let dir = temp_dir("catalog-folder");
    let plugins = dir.join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    for game in ["tic-tac-toe", "chess"] {
        std::fs::copy(game_component(game), plugins.join(format!("{game}.wasm"))).unwrap();
    }
    std::fs::copy(
        fixture_component("imports-sockets"),
        plugins.join("sockets.wasm"),
    )
    .unwrap();
    std::fs::write(plugins.join("garbage.wasm"), b"not wasm").unwrap();
    let (catalog, _) = open(&dir).await;
    let outcomes = catalog.load_dir(&plugins, false).await.unwrap();
    let ok: Vec<&str> = outcomes
        .iter()
        .filter_map(|o| o.result.as_deref().ok())
        .collect();
    assert_eq!(ok, ["chess@1.0.0", "tic-tac-toe@1.0.0"]);
    let refused: Vec<&String> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().err())
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused.iter().any(|r| r.contains("wasi:sockets")),
        "{refused:?}"
    );
    let active: Vec<String> = catalog
        .active_games()
        .into_iter()
        .map(|(i, _)| i.id)
        .collect();
    assert_eq!(active, ["chess", "tic-tac-toe"]);

    // Compiled components were cached; a second engine loads from the cache.
    let cache = dir.join("compiled");
    assert!(std::fs::read_dir(&cache).unwrap().count() >= 2);
    let engine = PluginEngine::new(Some(cache), 64 << 20).unwrap();
    let started = Instant::now();
    Plugin::load(
        &engine,
        &std::fs::read(game_component("chess")).unwrap(),
        Limits::default(),
    )
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(games_dir().is_dir());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_published_activated_rolled_back_and_pinned() {
    let dir = temp_dir("catalog-lifecycle");
    let (catalog, store) = open(&dir).await;
    let mut events = catalog.subscribe();
    let service = games(&catalog, &store);

    // The first version of a game type becomes active; a later upload
    // does not unless asked.
    let v1 = catalog
        .publish(release("countdown-1"), upload(false), "admin")
        .await
        .unwrap();
    assert!(v1.new && v1.active);
    let v2 = catalog
        .publish(release("countdown-2"), upload(false), "admin")
        .await
        .unwrap();
    assert!(v2.new && !v2.active);
    assert_eq!(active_version(&catalog).await.as_deref(), Some("1.0.0"));
    assert!(
        matches!(events.recv().await.unwrap(), CatalogEvent::Uploaded(r) if r.version == "1.0.0")
    );

    // Publishing the same bytes again changes nothing.
    let again = catalog
        .publish(release("countdown-1"), upload(false), "admin")
        .await
        .unwrap();
    assert!(!again.new);

    // Different bytes under a version number already published are refused.
    let mut altered = release("countdown-2");
    // A custom section at the end: same rules and version, other bytes.
    altered.extend_from_slice(&[0, 6, 5, b'n', b'o', b't', b'e', b'!']);
    let err = catalog
        .publish(altered, upload(false), "admin")
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::Conflict(_)), "{err}");

    // A game started on 1.0.0 stays on it after 2.0.0 is activated.
    let on_v1 = service
        .create(&user("a"), countdown(json!({})))
        .await
        .unwrap();
    let on_v1 = on_v1.ack["gameId"].as_str().unwrap().to_string();
    service.join(&user("b"), &on_v1).await.unwrap();
    catalog
        .activate("countdown", "2.0.0", "admin")
        .await
        .unwrap();
    assert_eq!(active_version(&catalog).await.as_deref(), Some("2.0.0"));
    let on_v2 = service
        .create(&user("c"), countdown(json!({})))
        .await
        .unwrap();
    assert_eq!(on_v2.ack["game"]["view"]["left"], 12, "{:?}", on_v2.ack);
    service
        .make_move(&user("a"), &on_v1, &json!(1), None)
        .await
        .unwrap();
    let record = service.public_record(&on_v1, None).await.unwrap();
    assert_eq!(record["pluginVersion"], "1.0.0");
    assert_eq!(record["view"]["left"], 9, "1.0.0 counts from ten: {record}");

    let versions = &countdown_versions(&catalog).await;
    let state = |v: &str| version(versions, v);
    assert_eq!(state("2.0.0").state, VersionState::Active);
    assert_eq!(state("1.0.0").state, VersionState::Pinned);
    assert_eq!(state("1.0.0").pinned_by, 1);

    // A pinned version is never unloaded; once unpinned and idle, it is.
    assert_eq!(catalog.unload_idle(Duration::ZERO).await.unwrap(), 0);
    service
        .forfeit(&user("a"), &on_v1, gamehost_sdk::Forfeit::Resign)
        .await
        .unwrap();
    assert_eq!(catalog.unload_idle(Duration::ZERO).await.unwrap(), 1);
    // ...and comes back from the store when a finished game is read.
    let record = service.public_record(&on_v1, None).await.unwrap();
    assert_eq!(record["status"], "finished");

    // Rollback goes back to 1.0.0 for new games; with no earlier version
    // left it says so.
    let back = catalog.rollback("countdown", "admin").await.unwrap();
    assert_eq!(back.version, "1.0.0");
    let err = catalog.rollback("countdown", "admin").await.unwrap_err();
    assert!(matches!(err, CatalogError::NotFound(_)), "{err}");
    let err = catalog
        .activate("countdown", "9.9.9", "admin")
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::NotFound(_)), "{err}");

    // A restart keeps the versions, the active choice and the pins.
    let pinned = service
        .create(&user("d"), countdown(json!({})))
        .await
        .unwrap();
    let pinned = pinned.ack["gameId"].as_str().unwrap().to_string();
    drop(service);
    drop(catalog);
    let (catalog, store) = open(&dir).await;
    assert_eq!(active_version(&catalog).await.as_deref(), Some("1.0.0"));
    let versions = &countdown_versions(&catalog).await;
    assert_eq!(versions.len(), 2);
    assert_eq!(version(versions, "1.0.0").pinned_by, 1);
    let rolled_forward = catalog.rollback("countdown", "admin").await;
    assert!(
        rolled_forward.is_err(),
        "the history was consumed by the rollback"
    );
    let service = games(&catalog, &store);
    let record = service.public_record(&pinned, None).await.unwrap();
    assert_eq!(record["pluginVersion"], "1.0.0");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_version_trips_its_breaker_and_new_games_go_to_the_previous_one() {
    let dir = temp_dir("catalog-breaker");
    let (catalog, store) = open(&dir).await;
    let mut events = catalog.subscribe();
    let service = games(&catalog, &store);
    catalog
        .publish(release("countdown-2"), upload(true), "admin")
        .await
        .unwrap();
    // The fragile release passes the conformance pass at publish...
    let v3 = catalog
        .publish(release("countdown-3-fragile"), upload(true), "admin")
        .await
        .unwrap();
    assert!(v3.active);
    // ...and fails in production.
    for _ in 0..3 {
        let err = service
            .create(&user("a"), countdown(json!({"fragile": true})))
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::PluginFailure, "{err:?}");
    }
    let tripped = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let CatalogEvent::Tripped {
                record,
                now_active,
                health,
            } = events.recv().await.unwrap()
            {
                return (record, now_active, health);
            }
        }
    })
    .await
    .expect("the breaker trips");
    assert_eq!(tripped.0.version, "3.0.0");
    assert_eq!(tripped.1.as_deref(), Some("2.0.0"));
    assert!(tripped.2.failures >= 2, "{:?}", tripped.2);
    // New games go to 2.0.0, even with the options that broke 3.0.0.
    let created = service
        .create(&user("a"), countdown(json!({})))
        .await
        .unwrap();
    assert_eq!(created.ack["game"]["view"]["left"], 12);
    let versions = &countdown_versions(&catalog).await;
    let v3 = version(versions, "3.0.0");
    assert_eq!(v3.state, VersionState::Tripped);
    assert!(v3.record.tripped_at.is_some());

    // The trip survives a restart; an admin may put the version back.
    drop(service);
    drop(catalog);
    let (catalog, _) = open(&dir).await;
    assert_eq!(active_version(&catalog).await.as_deref(), Some("2.0.0"));
    catalog
        .activate("countdown", "3.0.0", "admin")
        .await
        .unwrap();
    let versions = &countdown_versions(&catalog).await;
    let v3 = version(versions, "3.0.0");
    assert_eq!(v3.state, VersionState::Active);
    assert!(v3.record.tripped_at.is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_components_are_refused_at_upload_with_the_suites_reasons() {
    let dir = temp_dir("catalog-refused");
    let (catalog, _) = open(&dir).await;
    for (fixture, reason) in [
        ("loops-forever", "deadline"),
        ("plays-after-end", "after-the-end"),
        ("imports-sockets", "wasi:sockets"),
    ] {
        let err = catalog
            .publish(release(fixture), upload(true), "admin")
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, CatalogError::FailedChecks(_)),
            "{fixture}: {text}"
        );
        assert!(text.contains(reason), "{fixture}: no {reason:?} in {text}");
    }
    let err = catalog
        .publish(b"not a component".to_vec(), upload(true), "admin")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("component"), "{err}");
    assert!(catalog.list().await.unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
