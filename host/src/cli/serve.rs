//! `gamehost serve`.

use crate::admin::AdminService;
use crate::auth::TokenService;
use crate::base::scheduler::{Deadline, LocalScheduler, Scheduler};
use crate::cluster::Redis;
use crate::cluster::adapter::ResilientDriver;
use crate::cluster::scheduler::RedisScheduler;
use crate::config::Config;
use crate::game::GameService;
use crate::http::{self, AppState};
use crate::lobby::LobbyService;
use crate::plugin::{PluginCatalog, PluginEngine};
use crate::realtime::Realtime;
use crate::store::Store;
use crate::store::mongo::MongoStore;
use crate::store::sqlite::SqliteStore;
use anyhow::Context as _;
use axum::http::{HeaderValue, Method};
use clap::Args;
use socketioxide::adapter::Emitter;
use socketioxide::layer::SocketIoLayer;
use socketioxide::{ParserConfig, SocketIo, TransportType};
use socketioxide_redis::{CustomRedisAdapter, RedisAdapterConfig, RedisAdapterCtr};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::CorsLayer;

/// Where the config comes from; shared by `serve` and `token`.
#[derive(Args, Debug, Clone)]
pub struct ConfigArgs {
    /// TOML config file.
    #[arg(long, env = "GAMEHOST_CONFIG")]
    pub config: Option<PathBuf>,
    /// Folder for the store, the token secret and caches.
    #[arg(long, env = "GAMEHOST_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// HS256 token secret (at least 32 bytes).
    #[arg(long, env = "GAMEHOST_TOKEN_SECRET", hide_env_values = true)]
    pub token_secret: Option<String>,
}

impl ConfigArgs {
    /// The config file, with these flags applied.
    pub fn load(&self) -> anyhow::Result<Config> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(dir) = &self.data_dir {
            config.data_dir = dir.clone();
        }
        if let Some(secret) = &self.token_secret {
            config.auth.secret = Some(secret.clone());
        }
        Ok(config)
    }
}

/// Flags of `gamehost serve`; each overrides the config file.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Config file, data folder, secret.
    #[command(flatten)]
    pub common: ConfigArgs,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, env = "GAMEHOST_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Folder of rules components loaded at start.
    #[arg(long, env = "GAMEHOST_PLUGINS_DIR")]
    pub plugins_dir: Option<PathBuf>,
    /// Folder of the built browser client, served at `/`.
    #[arg(long, env = "GAMEHOST_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// Origins allowed to connect from browsers, comma-separated.
    #[arg(long, env = "GAMEHOST_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Option<Vec<String>>,
    /// How long a player who dropped keeps their seat, in ms.
    #[arg(long, env = "GAMEHOST_RECONNECT_GRACE_MS")]
    pub reconnect_grace_ms: Option<u64>,
    /// How long a game waits for its free seats before it expires, in ms.
    #[arg(long, env = "GAMEHOST_WAITING_GAME_EXPIRY_MS")]
    pub waiting_game_expiry_ms: Option<u64>,
    /// MongoDB for durable state (a cluster's store) instead of SQLite.
    #[arg(long, env = "GAMEHOST_MONGODB_URL", hide_env_values = true)]
    pub mongodb_url: Option<String>,
    /// Redis shared by the nodes of a cluster.
    #[arg(long, env = "GAMEHOST_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Designer's mode: watch the plugins folder and publish every
    /// component that changes (after the conformance pass).
    #[arg(long, env = "GAMEHOST_DEV")]
    pub dev: bool,
    /// Unload unused, unpinned plugin versions after this many seconds.
    #[arg(long, env = "GAMEHOST_PLUGIN_UNLOAD_AFTER_SECS")]
    pub plugin_unload_after_secs: Option<u64>,
}

impl ServeArgs {
    fn config(&self) -> anyhow::Result<Config> {
        let mut config = self.common.load()?;
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        if let Some(dir) = &self.plugins_dir {
            config.plugins_dir = dir.clone();
        }
        if let Some(dir) = &self.web_dir {
            config.web_dir = dir.clone();
        }
        if let Some(origins) = &self.cors_origins {
            config.socket.cors_origins = origins.clone();
        }
        if let Some(grace) = self.reconnect_grace_ms {
            config.reconnect_grace_ms = grace;
        }
        if let Some(expiry) = self.waiting_game_expiry_ms {
            config.waiting_game_expiry_ms = expiry;
        }
        if let Some(url) = &self.mongodb_url {
            config.mongodb_url = Some(url.clone());
        }
        if let Some(url) = &self.redis_url {
            config.redis_url = Some(url.clone());
        }
        if let Some(secs) = self.plugin_unload_after_secs {
            config.plugin.unload_after_secs = secs;
        }
        Ok(config)
    }
}

/// Loads the plugins and the store, and serves until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    // A descriptor per connection, and some for the store, plugins and logs.
    let open_files =
        crate::base::files::raise_open_files_limit(config.limits.max_connections as u64 + 1024);
    tracing::info!(open_files, "open-files limit");
    if open_files.is_some_and(|n| (n as usize) < config.limits.max_connections) {
        tracing::warn!(
            open_files,
            max_connections = config.limits.max_connections,
            "the open-files limit is below [limits] max_connections and could not be raised: raise the hard limit (ulimit -Hn, LimitNOFILE=)"
        );
    }
    let limits = config.plugin.limits();
    let program =
        std::env::current_exe().context("finding this program, to compile components with")?;
    let engine = PluginEngine::new(Some(config.cache_dir()), limits.memory_bytes)?
        .isolate_compiles(config.plugin.compile_budget(program));
    let node_id = uuid::Uuid::new_v4().simple().to_string();
    let mut breakers = Vec::new();
    let redis = match &config.redis_url {
        Some(url) => {
            if config.mongodb_url.is_none() {
                anyhow::bail!(
                    "a cluster (GAMEHOST_REDIS_URL) needs a shared store: set GAMEHOST_MONGODB_URL too"
                );
            }
            let redis = Redis::connect(url)
                .await
                .context("connecting to Redis (GAMEHOST_REDIS_URL)")?;
            breakers.push(redis.breaker.clone());
            let probe = redis.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(1));
                loop {
                    every.tick().await;
                    let _ = probe.query::<String>(&redis::cmd("PING")).await;
                }
            });
            tracing::info!(node = %node_id, "cluster mode: Redis");
            Some(redis)
        }
        None => None,
    };
    let store: Arc<dyn Store> = match &config.mongodb_url {
        Some(url) => {
            let mongo = MongoStore::connect(url)
                .await
                .context("connecting to MongoDB (GAMEHOST_MONGODB_URL)")?;
            breakers.push(mongo.breaker().clone());
            let probe = mongo.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(1));
                loop {
                    every.tick().await;
                    let _ = probe.ping().await;
                }
            });
            match &redis {
                Some(redis) => {
                    tracing::info!("store: MongoDB, games cached in Redis");
                    Arc::new(crate::cluster::cache::CachedStore::new(
                        mongo,
                        redis.clone(),
                    ))
                }
                None => {
                    tracing::info!("store: MongoDB");
                    Arc::new(mongo)
                }
            }
        }
        None => Arc::new(
            SqliteStore::open(&config.database_path())
                .with_context(|| format!("opening {}", config.database_path().display()))?,
        ),
    };
    let catalog = PluginCatalog::open(engine, limits, config.plugin.breaker(), store.clone())
        .await
        .context("opening the plugin catalog")?;
    let dir = &config.plugins_dir;
    if args.dev {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating plugin folder {}", dir.display()))?;
    }
    let outcomes = catalog.load_dir(dir, false).await?;
    let loaded = outcomes.iter().filter(|o| o.result.is_ok()).count();
    tracing::info!(loaded, refused = outcomes.len() - loaded, dir = %dir.display(), "plugins folder loaded");
    // Kept for as long as the host serves.
    let _watcher = if args.dev {
        Some(crate::plugin::watch::watch(dir, catalog.clone())?)
    } else {
        None
    };
    let unload_after = Duration::from_secs(config.plugin.unload_after_secs);
    let sweeping = catalog.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(
            (unload_after / 4).clamp(Duration::from_secs(1), Duration::from_secs(30)),
        );
        loop {
            every.tick().await;
            if let Err(e) = sweeping.unload_idle(unload_after).await {
                tracing::warn!(error = %e, "could not unload idle plugin versions");
            }
        }
    });

    let tokens = TokenService::new(&config.key_settings()?)?;
    let (due, mut due_deadlines) = tokio::sync::mpsc::unbounded_channel();
    let (outbox, unprompted) = tokio::sync::mpsc::unbounded_channel();
    let scheduler: Arc<dyn Scheduler> = match &redis {
        Some(redis) => Arc::new(RedisScheduler::start(redis.clone(), due)),
        None => Arc::new(LocalScheduler::new(due)),
    };
    let mut games = GameService::new(
        catalog.clone(),
        store.clone(),
        scheduler.clone(),
        outbox.clone(),
        config.reconnect_grace_ms,
    )
    .waiting_expiry(config.waiting_game_expiry_ms)
    .user_caps(config.limits.user_caps());
    if let Some(redis) = &redis {
        let presence =
            crate::cluster::presence::RedisPresence::start(redis.clone(), node_id.clone());
        let watchers = crate::cluster::watchers::RedisWatchers::new(redis.clone());
        games = games.in_cluster(Arc::new(presence), Arc::new(watchers));
        crate::cluster::plugins::share(redis.clone(), catalog.clone(), node_id.clone());
    }
    let games = Arc::new(games);
    let admin = Arc::new(
        AdminService::load(store.clone(), scheduler, outbox.clone())
            .await
            .map_err(|e| anyhow::anyhow!("loading bans and announcements: {e}"))?,
    );
    let resumed = games
        .resume()
        .await
        .map_err(|e| anyhow::anyhow!("resuming games: {e}"))?;
    tracing::info!(resumed, "unfinished games resumed");

    let ratings = Arc::new(crate::rating::RatingService::new(
        store.clone(),
        store.clone(),
    ));
    let mut lobby = LobbyService::load(games.clone(), config.lobby.limits())
        .await
        .map_err(|e| anyhow::anyhow!("loading lobby rooms: {e}"))?
        .with_ratings(ratings.clone());
    if let Some(redis) = &redis {
        lobby = lobby.in_cluster(Arc::new(crate::cluster::queue::RedisQueue::new(
            redis.clone(),
        )));
    }
    let lobby = Arc::new(lobby);
    // Each game this node finishes: its ratings, then its tournament.
    let (finished_games, mut finished) = tokio::sync::mpsc::unbounded_channel();
    games.on_finished(finished_games);
    let (tournament_games, tournament_finished) = tokio::sync::mpsc::unbounded_channel();
    let rating = ratings.clone();
    tokio::spawn(async move {
        while let Some(game_id) = finished.recv().await {
            if let Err(e) = rating.game_finished(&game_id).await {
                tracing::warn!(game = %game_id, error = %e, "could not update ratings");
            }
            let _ = tournament_games.send(game_id);
        }
    });
    let tournaments = Arc::new(crate::tournament::TournamentService::new(
        store.clone(),
        games.clone(),
        ratings.clone(),
        outbox.clone(),
        config.tournaments.settings(),
    ));
    tournaments.run(tournament_finished);
    // Quick-play tables that waiting made possible (rating gaps widen).
    let (sweeping_lobby, sweep_out) = (lobby.clone(), outbox.clone());
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            let out = sweeping_lobby.sweep_quick_play().await;
            if !out.is_empty() {
                let _ = sweep_out.send(out);
            }
        }
    });
    let (firing, announcing, departing) = (games.clone(), admin.clone(), lobby.clone());
    tokio::spawn(async move {
        while let Some(deadline) = due_deadlines.recv().await {
            let (games, admin, lobby) = (firing.clone(), announcing.clone(), departing.clone());
            let outbox = outbox.clone();
            tokio::spawn(async move {
                match deadline {
                    Deadline::Announcement { id } => admin.fire_announcement(&id).await,
                    Deadline::Departure { user_id } => {
                        let _ = outbox.send(lobby.departed(&user_id).await);
                    }
                    deadline => games.fire(deadline).await,
                }
            });
        }
    });
    if !config.web_dir.join("index.html").exists() {
        tracing::warn!(dir = %config.web_dir.display(), "no browser client there (build it with `npm run build` in web/); / answers 404");
    }
    let admission = crate::http::admission::Admission::new(config.limits.admission());
    let timeouts = config.limits.timeouts();
    let socket = &config.socket;
    let max_message = usize::try_from(socket.max_payload_bytes).unwrap_or(usize::MAX);
    let builder = SocketIo::builder()
        .ping_interval(Duration::from_millis(socket.ping_interval_ms))
        .ping_timeout(Duration::from_millis(socket.ping_timeout_ms))
        .upgrade_timeout(Duration::from_millis(socket.upgrade_timeout_ms))
        .max_payload(socket.max_payload_bytes)
        .ws_max_message_size(max_message)
        .ws_max_frame_size(max_message)
        .connect_timeout(Duration::from_millis(socket.connect_timeout_ms.max(100)))
        // No event uses binary attachments: a packet that announces any is
        // refused (and its connection closed) before one is buffered.
        .with_parser(
            ParserConfig::common()
                .max_incoming_binaries(0)
                .max_incoming_binary_buf_size(0)
                .packet_completion_timeout(Duration::from_secs(1)),
        )
        .transports([TransportType::Polling, TransportType::Websocket]);
    let parts = AppParts {
        games,
        lobby,
        tournaments,
        ratings,
        tokens,
        admin,
        rate: config.rate_limit.rate_limit(),
        shared_limit: redis.as_ref().map(|r| {
            Arc::new(crate::cluster::ratelimit::RedisRateLimit::new(
                r.clone(),
                config.rate_limit.rate_limit(),
            )) as Arc<dyn crate::realtime::SharedRateLimit>
        }),
        unprompted,
        max_upload_bytes: config.plugin.max_upload_mib.max(1) << 20,
        breakers,
        web_dir: config.web_dir.clone(),
        admission: admission.clone(),
        timeouts,
    };
    let app = match &redis {
        Some(redis) => {
            let driver = ResilientDriver::new(&redis.client)
                .await
                .context("starting the Socket.IO Redis adapter")?;
            let adapter = RedisAdapterCtr::new_with_driver(driver, RedisAdapterConfig::default());
            let (layer, io) = builder
                .with_adapter::<CustomRedisAdapter<Emitter, ResilientDriver>>(adapter)
                .build_layer();
            app(layer, io, parts)
        }
        None => {
            let (layer, io) = builder.build_layer();
            app(layer, io, parts)
        }
    }
    .layer(cors(&socket.cors_origins));
    // Every request body (API, polling, uploads) must have arrived within
    // the body timeout of its headers, however it trickles in.
    let app = app.layer(tower_http::timeout::RequestBodyDeadlineLayer::new(
        timeouts.body,
    ));
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let local = listener.local_addr()?;
    tracing::info!(address = %local, "gamehost listening");
    // The one line scripts and tests wait for.
    println!("gamehost listening on http://{local}");
    crate::http::server::serve(listener, app, admission, timeouts, shutdown_signal()).await;
    tracing::info!("gamehost stopped");
    Ok(())
}

/// What the HTTP and Socket.IO sides are made of.
struct AppParts {
    games: Arc<GameService>,
    lobby: Arc<LobbyService>,
    tournaments: Arc<crate::tournament::TournamentService>,
    ratings: Arc<crate::rating::RatingService>,
    tokens: TokenService,
    admin: Arc<AdminService>,
    rate: crate::realtime::RateLimit,
    shared_limit: Option<Arc<dyn crate::realtime::SharedRateLimit>>,
    unprompted: tokio::sync::mpsc::UnboundedReceiver<Vec<crate::base::outbox::Delivery>>,
    max_upload_bytes: usize,
    breakers: Vec<crate::breaker::CircuitBreaker>,
    web_dir: PathBuf,
    admission: Arc<crate::http::admission::Admission>,
    timeouts: crate::http::Timeouts,
}

/// The HTTP routes and the Socket.IO handlers over the adapter `A`.
fn app<A: crate::realtime::NodeAdapter>(
    layer: SocketIoLayer<A>,
    io: SocketIo<A>,
    parts: AppParts,
) -> axum::Router {
    let AppParts {
        games,
        lobby,
        tournaments,
        ratings,
        tokens,
        admin,
        rate,
        shared_limit,
        mut unprompted,
        max_upload_bytes,
        breakers,
        web_dir,
        admission,
        timeouts,
    } = parts;
    let services = crate::realtime::Services {
        games: games.clone(),
        lobby,
        tournaments: tournaments.clone(),
        admin: admin.clone(),
    };
    let realtime = Realtime::attach(io, services, tokens.clone(), rate, shared_limit);
    let sending = realtime.clone();
    tokio::spawn(async move {
        while let Some(deliveries) = unprompted.recv().await {
            sending.send(&deliveries).await;
        }
    });
    http::router(AppState {
        games,
        tournaments,
        ratings,
        tokens,
        admin,
        realtime,
        max_upload_bytes,
        breakers,
        admission,
        timeouts,
    })
    .fallback_service(http::web_client(&web_dir))
    .layer(layer)
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(origins)
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([
            axum::http::header::AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
        ])
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    // Graceful shutdown waits for open requests, and a long-polling client
    // holds one for up to the ping interval: give them a moment, then go.
    // Every acknowledged move is already committed.
    tokio::spawn(async {
        tokio::time::sleep(SHUTDOWN_GRACE).await;
        tracing::info!("shutdown grace over; exiting");
        std::process::exit(0);
    });
}

/// How long shutdown waits for open connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
