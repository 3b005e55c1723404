//! One test suite for every store backend: SQLite (embedded) and MongoDB
//! (the cluster's, against the MongoDB-wire test server). Both must pass it
//! unchanged.

use gamehost::admin::{Announcement, AnnouncementTarget, AuditEntry, Ban};
use gamehost::cluster::Redis;
use gamehost::cluster::cache::CachedStore;
use gamehost::game::record::{ChangeKind, GameRecord, MoveRecord, Player, Status};
use gamehost::plugin::catalog::{GameChoice, VersionRecord};
use gamehost::store::mongo::MongoStore;
use gamehost::store::sqlite::SqliteStore;
use gamehost::store::{GameStore as _, Store, StoreError};
use gamehost_sdk::{GameInfo, Outcome, Phase};
use gamehost_tests::{MongoServer, RedisServer, temp_dir};
use serde_json::json;
use std::sync::Arc;

fn game(id: &str, users: &[&str], updated_at: u64) -> GameRecord {
    GameRecord {
        id: id.into(),
        game_type: "tic-tac-toe".into(),
        plugin_version: "1.0.0".into(),
        plugin_hash: format!("hash-of-{id}"),
        seed: 42,
        options: "{}".into(),
        players: users
            .iter()
            .map(|u| {
                Some(Player {
                    user_id: (*u).into(),
                    name: u.to_uppercase(),
                })
            })
            .collect(),
        allow_spectators: true,
        time_control: None,
        clocks: Vec::new(),
        clock_started_at: None,
        state: vec![1, 2, 3, 0, 255],
        phase: Phase::ToMove(vec![0]),
        status: Status::Active,
        version: 0,
        ply: 0,
        draw_offer: None,
        revenge_offer: None,
        forfeited: Vec::new(),
        rematch_id: None,
        rated: false,
        ratings: Vec::new(),
        created_at: updated_at,
        updated_at,
    }
}

fn change(version: u64, user: &str) -> MoveRecord {
    MoveRecord {
        version,
        kind: ChangeKind::Move,
        seat: 0,
        user_id: user.into(),
        mv: Some(version.to_string()),
        events: vec!["{\"e\":1}".into()],
        ply: version - 1,
        at: 1000 + version,
    }
}

fn version_record(hash: &str, version: &str) -> VersionRecord {
    VersionRecord {
        game_id: "countdown".into(),
        version: version.into(),
        hash: hash.into(),
        info: GameInfo {
            id: "countdown".into(),
            name: "Countdown".into(),
            version: version.into(),
            min_players: 2,
            max_players: 2,
            description: "test".into(),
            options_schema: None,
            information: gamehost_sdk::Information::Perfect,
            example_moves: Vec::new(),
        },
        size: 3,
        uploaded_at: 5,
        uploader: "root".into(),
        tripped_at: None,
        superseded: false,
    }
}

/// Everything a backend must do, the same way.
async fn suite(store: Arc<dyn Store>) {
    // Games: insert, read back byte for byte, compare-and-set, the log.
    let mut g = game("g1", &["ann", "bob"], 10);
    store.insert(&g).await.unwrap();
    let read = store.get("g1").await.unwrap().expect("stored");
    assert_eq!(read.state, g.state, "binary state survives");
    assert_eq!(read.players, g.players);
    assert!(store.get("nope").await.unwrap().is_none());
    for v in 1..=3 {
        g.version = v;
        g.ply = v;
        g.state = vec![v as u8; 4];
        g.updated_at = 10 + v;
        store
            .update(&g, v - 1, Some(&change(v, "ann")))
            .await
            .unwrap();
    }
    // A stale writer loses and changes nothing.
    let mut stale = g.clone();
    stale.version = 3;
    stale.state = vec![9];
    let err = store
        .update(&stale, 2, Some(&change(3, "bob")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { expected: 2 }),
        "{err:?}"
    );
    let read = store.get("g1").await.unwrap().unwrap();
    assert_eq!((read.version, read.state.clone()), (3, vec![3; 4]));
    let log = store.changes("g1", 0).await.unwrap();
    assert_eq!(
        log.iter().map(|c| c.version).collect::<Vec<_>>(),
        [1, 2, 3],
        "no gap, no fork"
    );
    assert_eq!(log[0].user_id, "ann");
    assert_eq!(store.changes("g1", 2).await.unwrap().len(), 1);
    // An update without a change record (a clock, an offer) logs nothing.
    g.version = 4;
    store.update(&g, 3, None).await.unwrap();
    assert_eq!(store.changes("g1", 0).await.unwrap().len(), 3);

    // Listing: unfinished games, a user's games newest first, pins.
    store.insert(&game("g2", &["ann", "cy"], 50)).await.unwrap();
    let mut done = game("g3", &["cy"], 30);
    done.status = Status::Finished;
    done.phase = Phase::Finished(Outcome::winner(0, "test"));
    store.insert(&done).await.unwrap();
    let mut unfinished: Vec<String> = store
        .unfinished()
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect();
    unfinished.sort();
    assert_eq!(unfinished, ["g1", "g2"]);
    let anns: Vec<(String, u32)> = store
        .games_of("ann", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.game_id, u.seat))
        .collect();
    assert_eq!(anns, [("g2".to_string(), 0), ("g1".to_string(), 0)]);
    let cys = store.games_of("cy", 1).await.unwrap();
    assert_eq!(cys.len(), 1, "the limit holds");
    assert_eq!(cys[0].game_id, "g2");
    let bob = store.games_of("bob", 10).await.unwrap();
    assert_eq!(bob[0].seat, 1);
    let finished = &store.games_of("cy", 10).await.unwrap()[1];
    assert_eq!(finished.status, "finished");
    assert_eq!(
        finished.outcome.as_ref().map(|o| o.winners.clone()),
        Some(vec![0])
    );
    let pins = store.pins().await.unwrap();
    assert_eq!(pins.get("hash-of-g1"), Some(&1));
    assert_eq!(pins.get("hash-of-g3"), None, "finished games pin nothing");

    // Lobby rooms: compare-and-set on the version inside the record.
    store
        .save_room("r1", "{\"a\":1,\"version\":0}", 0, None)
        .await
        .unwrap();
    assert!(
        matches!(
            store
                .save_room("r1", "{\"a\":9,\"version\":0}", 0, None)
                .await,
            Err(StoreError::Conflict { .. })
        ),
        "a second new room of the same id conflicts"
    );
    store
        .save_room("r1", "{\"a\":2,\"version\":1}", 1, Some(0))
        .await
        .unwrap();
    assert!(
        matches!(
            store
                .save_room("r1", "{\"a\":3,\"version\":1}", 1, Some(0))
                .await,
            Err(StoreError::Conflict { .. })
        ),
        "a write from a stale read conflicts"
    );
    store
        .save_room("r2", "{\"b\":1,\"version\":0}", 0, None)
        .await
        .unwrap();
    let mut rooms = store.rooms().await.unwrap();
    rooms.sort();
    assert_eq!(
        rooms,
        ["{\"a\":2,\"version\":1}", "{\"b\":1,\"version\":0}"]
    );
    assert!(matches!(
        store.delete_room("r1", Some(0)).await,
        Err(StoreError::Conflict { .. })
    ));
    store.delete_room("r2", Some(0)).await.unwrap();
    store.delete_room("r1", None).await.unwrap();
    assert_eq!(store.rooms().await.unwrap().len(), 0);

    // Plugin components, content-addressed and idempotent.
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let v1 = version_record("aaaa", "1.0.0");
    store.save_component(&bytes, &v1).await.unwrap();
    store.save_component(&bytes, &v1).await.unwrap();
    assert_eq!(
        store.component("aaaa").await.unwrap().as_deref(),
        Some(&bytes[..])
    );
    assert!(store.component("none").await.unwrap().is_none());
    store
        .save_component(b"two", &version_record("bbbb", "2.0.0"))
        .await
        .unwrap();
    let mut tripped = v1.clone();
    tripped.tripped_at = Some(99);
    store.save_version(&tripped).await.unwrap();
    let mut versions = store.versions().await.unwrap();
    versions.sort_by(|a, b| a.hash.cmp(&b.hash));
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0], tripped);
    let choice = GameChoice {
        game_id: "countdown".into(),
        active: Some("bbbb".into()),
        history: vec!["aaaa".into()],
    };
    store.save_choice(&choice).await.unwrap();
    let back = GameChoice {
        active: Some("aaaa".into()),
        history: vec![],
        ..choice.clone()
    };
    store.save_choice(&back).await.unwrap();
    assert_eq!(store.choices().await.unwrap(), [back]);

    // The audit log, numbered and newest first.
    let mut ids = Vec::new();
    for action in ["one", "two", "three"] {
        let entry = AuditEntry {
            id: 0,
            at: 1,
            actor_id: "root".into(),
            actor_name: "Root".into(),
            action: action.into(),
            target: "t".into(),
            details: json!({"n": action}),
        };
        ids.push(store.append_audit(&entry).await.unwrap());
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let audit = store.audit(2).await.unwrap();
    assert_eq!(
        audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["three", "two"]
    );
    assert_eq!(audit[0].id, ids[2]);
    assert_eq!(audit[0].details, json!({"n": "three"}));

    // Bans.
    let ban = Ban {
        user_id: "mallory".into(),
        reason: "cheating".into(),
        banned_by: "root".into(),
        at: 7,
    };
    store.save_ban(&ban).await.unwrap();
    assert_eq!(store.bans().await.unwrap().len(), 1);
    assert!(store.delete_ban("mallory").await.unwrap());
    assert!(!store.delete_ban("mallory").await.unwrap());
    assert!(store.bans().await.unwrap().is_empty());

    // Announcements: pending until sent.
    let mut a = Announcement {
        id: "a1".into(),
        message: "hi".into(),
        target: AnnouncementTarget::Game("g1".into()),
        due_at: 100,
        from: "Root".into(),
        sent_at: None,
    };
    store.save_announcement(&a).await.unwrap();
    let pending = store.pending_announcements().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].target, AnnouncementTarget::Game("g1".into()));
    a.sent_at = Some(101);
    store.save_announcement(&a).await.unwrap();
    assert!(store.pending_announcements().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_store_passes_the_store_suite() {
    let dir = temp_dir("store-sqlite");
    let store = SqliteStore::open(&dir.join("gamehost.db")).unwrap();
    suite(Arc::new(store)).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mongodb_store_passes_the_store_suite() {
    let server = MongoServer::start();
    let store = MongoStore::connect(&server.url).await.unwrap();
    suite(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_mongodb_fails_fast_behind_the_breaker() {
    let server = MongoServer::start();
    let url = server.url.clone();
    let store = MongoStore::connect(&url).await.unwrap();
    store.insert(&game("g1", &["ann"], 1)).await.unwrap();
    drop(server);
    for _ in 0..3 {
        assert!(store.get("g1").await.is_err());
    }
    assert!(store.breaker().is_open());
    // Refused without trying the dead server.
    let err = store.get("g1").await.unwrap_err();
    assert!(err.to_string().contains("circuit open"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_cached_mongodb_store_passes_the_store_suite() {
    let (mongo, redis) = (MongoServer::start(), RedisServer::start());
    let store = CachedStore::new(
        MongoStore::connect(&mongo.url).await.unwrap(),
        Redis::connect(&redis.url).await.unwrap(),
    );
    suite(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_cached_game_is_never_served_over_the_stored_one() {
    let (mongo, redis_server) = (MongoServer::start(), RedisServer::start());
    let mongo_store = MongoStore::connect(&mongo.url).await.unwrap();
    let redis = Redis::connect(&redis_server.url).await.unwrap();
    let cached = CachedStore::new(mongo_store.clone(), redis);
    let mut g = game("g1", &["ann"], 1);
    cached.insert(&g).await.unwrap();
    // Another writer (a node that died before refreshing the cache) moves
    // the stored game on behind the cache's back.
    g.version = 1;
    g.state = vec![7, 7];
    mongo_store
        .update(&g, 0, Some(&change(1, "ann")))
        .await
        .unwrap();
    let read = cached.get("g1").await.unwrap().unwrap();
    assert_eq!(
        (read.version, read.state),
        (1, vec![7, 7]),
        "the store's version wins"
    );
    // The cache was refreshed: an update through it works from there.
    g.version = 2;
    cached.update(&g, 1, Some(&change(2, "ann"))).await.unwrap();
    assert_eq!(cached.get("g1").await.unwrap().unwrap().version, 2);
}
