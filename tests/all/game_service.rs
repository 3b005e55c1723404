//! The game service over the real plugins and the SQLite store, without a
//! transport: replays rebuild stored states exactly, and the store's
//! compare-and-set refuses stale writes.

use gamehost::auth::{Role, User};
use gamehost::base::error::ErrorCode;
use gamehost::base::scheduler::LocalScheduler;
use gamehost::game::GameService;
use gamehost::game::service::CreateRequest;
use gamehost::plugin::health::BreakerPolicy;
use gamehost::plugin::{Limits, PluginCatalog, PluginEngine};
use gamehost::store::sqlite::SqliteStore;
use gamehost::store::{GameStore, StoreError};
use gamehost_tests::{games_dir, temp_dir};
use serde_json::Value;
use std::sync::Arc;

fn user(n: usize) -> User {
    User {
        id: format!("u{n}"),
        name: format!("Player {n}"),
        role: Role::Player,
    }
}

async fn service(db: &std::path::Path) -> (Arc<GameService>, SqliteStore) {
    let engine = PluginEngine::new(None, 64 << 20).unwrap();
    let store = SqliteStore::open(db).unwrap();
    let plugins = PluginCatalog::open(
        engine,
        Limits::default(),
        BreakerPolicy::default(),
        Arc::new(store.clone()),
    )
    .await
    .unwrap();
    plugins.load_dir(&games_dir(), false).await.unwrap();
    let (due, _deadlines) = tokio::sync::mpsc::unbounded_channel();
    let (outbox, _unprompted) = tokio::sync::mpsc::unbounded_channel();
    let scheduler = Arc::new(LocalScheduler::new(due));
    let games = GameService::new(plugins, Arc::new(store.clone()), scheduler, outbox, 30_000);
    (Arc::new(games), store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_log_rebuilds_the_stored_state_and_stale_writes_are_refused() {
    let dir = temp_dir("service");
    let db = dir.join("gamehost.db");
    let (games, store) = service(&db).await;
    let players: Vec<User> = (0..3).map(user).collect();
    let request = CreateRequest {
        game_type: "liars-dice".into(),
        players: Some(3),
        options: None,
        time_control: None,
        allow_spectators: None,
        rated: None,
    };
    let created = games.create(&players[0], request).await.unwrap();
    let game_id = created.ack["gameId"].as_str().unwrap().to_string();
    for p in &players[1..] {
        games.join(p, &game_id).await.unwrap();
    }
    // Play a whole game of dice (chance from the host's entropy) by always
    // taking the first legal move of whoever is to move.
    let mut moves = 0;
    loop {
        let sync = games.sync(&players[0], &game_id, 0).await.unwrap();
        let snapshot = &sync.ack["game"];
        if snapshot["status"] == "finished" {
            break;
        }
        let seat = snapshot["toMove"][0].as_u64().unwrap() as usize;
        let mine = games.sync(&players[seat], &game_id, 0).await.unwrap();
        let legal = mine.ack["game"]["legalMoves"].as_array().unwrap().clone();
        let choice: Value =
            serde_json::from_str(legal[moves % legal.len()].as_str().unwrap()).unwrap();
        games
            .make_move(&players[seat], &game_id, &choice, None)
            .await
            .unwrap();
        moves += 1;
        assert!(moves < 2_000, "the game should end");
    }
    assert!(
        games.replay(&game_id).await.unwrap(),
        "replaying the log rebuilds the stored state"
    );

    // A write against an old version never lands.
    let stored = store.get(&game_id).await.unwrap().unwrap();
    let stale = stored.version - 1;
    let err = store.update(&stored, stale, None).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { expected } if expected == stale),
        "{err}"
    );
    // Moves after the end are refused and change nothing.
    let after = games
        .make_move(
            &players[0],
            &game_id,
            &serde_json::json!({"call": "liar"}),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(after.code, ErrorCode::GameFinished);
    assert_eq!(
        store.get(&game_id).await.unwrap().unwrap().version,
        stored.version
    );

    // A second service on the same file (a restart) sees the same game.
    drop(games);
    let (again, _) = service(&db).await;
    let record = again.public_record(&game_id, None).await.unwrap();
    assert_eq!(record["version"], stored.version);
    assert_eq!(record["status"], "finished");
    assert_eq!(record["moves"].as_array().unwrap().len(), moves);
    let _ = std::fs::remove_dir_all(&dir);
}
